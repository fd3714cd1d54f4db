//! The binary envelope and its text forms (compact key, armored file).
//!
//! See `docs/FORMAT.md` for the byte-level specification.

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{EncodingProblem, Error};
use crate::ids::KeyId;

/// The format version this library writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// Prefix of a compact license key: `lm1_` followed by base64url without
/// padding.
pub const LICENSE_PREFIX: &str = "lm1_";

/// Largest binary license envelope accepted, in bytes.
pub const MAX_LICENSE_LEN: usize = 4096;

/// Largest license text (compact or armored, whitespace included) accepted,
/// in bytes. Checked before anything is decoded or allocated.
pub const MAX_LICENSE_TEXT_LEN: usize = 8192;

/// Header and footer lines of an armored license.
pub const LICENSE_ARMOR: Armor = Armor {
    begin: "-----BEGIN LICMAN LICENSE-----",
    end: "-----END LICMAN LICENSE-----",
};

/// Domain-separation context of license signatures.
pub(crate) const LICENSE_CONTEXT: &[u8] = b"licman/license\0";

/// Length of an Ed25519 signature.
pub(crate) const SIGNATURE_LEN: usize = 64;
/// Version byte plus key id.
pub(crate) const HEADER_LEN: usize = 1 + 8;
/// Characters per armored body line.
pub(crate) const ARMOR_LINE_LEN: usize = 64;

/// The BEGIN and END lines of an armored text.
///
/// ```
/// use licman_core::LICENSE_ARMOR;
/// assert_eq!(LICENSE_ARMOR.begin, "-----BEGIN LICMAN LICENSE-----");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Armor {
    /// The first line.
    pub begin: &'static str,
    /// The last line.
    pub end: &'static str,
}

/// A binary envelope split into its parts, not yet verified.
#[derive(Debug)]
pub(crate) struct Envelope<'a> {
    pub(crate) key_id: KeyId,
    /// Version, key id and payload: everything the signature covers after
    /// the context string.
    pub(crate) signed: &'a [u8],
    pub(crate) payload: &'a [u8],
    pub(crate) signature: [u8; SIGNATURE_LEN],
}

/// Splits `version | key id | payload | signature`. The version is checked
/// first, so a future version is reported as such even if its layout differs.
pub(crate) fn split_envelope(bytes: &[u8], max_len: usize) -> Result<Envelope<'_>, Error> {
    if bytes.len() > max_len {
        return Err(Error::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    let Some((&version, rest)) = bytes.split_first() else {
        return Err(Error::Truncated);
    };
    if version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let Some(signed_len) = bytes.len().checked_sub(SIGNATURE_LEN) else {
        return Err(Error::Truncated);
    };
    if signed_len < HEADER_LEN {
        return Err(Error::Truncated);
    }
    let (signed, signature) = bytes.split_at(signed_len);
    let (key_id, _) = rest.split_first_chunk::<8>().ok_or(Error::Truncated)?;
    let payload = signed.get(HEADER_LEN..).ok_or(Error::Truncated)?;
    let signature: [u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| Error::Truncated)?;
    Ok(Envelope {
        key_id: KeyId::from_bytes(*key_id),
        signed,
        payload,
        signature,
    })
}

#[cfg(feature = "sign")]
/// `version | key id | payload`, ready to be signed.
pub(crate) fn envelope_head(key_id: KeyId, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + SIGNATURE_LEN);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// The message an envelope's signature covers: `context | signed`.
pub(crate) fn signed_message(context: &[u8], signed: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(context.len() + signed.len());
    message.extend_from_slice(context);
    message.extend_from_slice(signed);
    message
}

/// Strict base64url (no padding, canonical last character).
pub(crate) fn decode_base64url(text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| {
        let reason = match e {
            base64::DecodeError::InvalidByte(position, _) => {
                EncodingProblem::InvalidCharacter { position }
            }
            base64::DecodeError::InvalidLength(_) => EncodingProblem::InvalidLength,
            base64::DecodeError::InvalidLastSymbol { .. } => EncodingProblem::NonCanonical,
            base64::DecodeError::InvalidPadding => EncodingProblem::InvalidCharacter {
                position: text.find('=').unwrap_or(text.len()),
            },
        };
        Error::InvalidEncoding { reason }
    })
}

pub(crate) fn encode_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes `prefix` + base64url. Surrounding whitespace is ignored; any other
/// deviation is an error.
pub(crate) fn decode_prefixed(
    text: &str,
    prefix: &'static str,
    max_text_len: usize,
) -> Result<Vec<u8>, Error> {
    if text.len() > max_text_len {
        return Err(Error::TooLarge {
            len: text.len(),
            max: max_text_len,
        });
    }
    let body = text
        .trim()
        .strip_prefix(prefix)
        .ok_or(Error::WrongPrefix { expected: prefix })?;
    decode_base64url(body)
}

pub(crate) fn encode_prefixed(prefix: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + bytes.len().div_ceil(3) * 4);
    out.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut out);
    out
}

/// Decodes an armored text: BEGIN line, base64url body in lines of exactly
/// 64 characters (the last 1–64), END line. `\n` or `\r\n` line ends;
/// surrounding whitespace is ignored.
pub(crate) fn decode_armored(
    text: &str,
    armor: Armor,
    max_text_len: usize,
) -> Result<Vec<u8>, Error> {
    if text.len() > max_text_len {
        return Err(Error::TooLarge {
            len: text.len(),
            max: max_text_len,
        });
    }
    let mut lines = text
        .trim()
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l));
    if lines.next() != Some(armor.begin) {
        return Err(Error::WrongPrefix {
            expected: armor.begin,
        });
    }
    let mut body = String::with_capacity(text.len());
    let mut last_len = ARMOR_LINE_LEN;
    let mut ended = false;
    for (index, line) in lines.enumerate() {
        let line_no = index + 2;
        if ended {
            return Err(Error::InvalidEncoding {
                reason: EncodingProblem::MissingArmorEnd,
            });
        }
        if line == armor.end {
            ended = true;
            continue;
        }
        if last_len != ARMOR_LINE_LEN || line.is_empty() || line.len() > ARMOR_LINE_LEN {
            return Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadArmorLine { line: line_no },
            });
        }
        last_len = line.len();
        body.push_str(line);
    }
    if !ended || body.is_empty() {
        return Err(Error::InvalidEncoding {
            reason: EncodingProblem::MissingArmorEnd,
        });
    }
    decode_base64url(&body)
}

pub(crate) fn encode_armored(armor: Armor, bytes: &[u8]) -> String {
    let body = encode_base64url(bytes);
    let mut out = String::with_capacity(body.len() + body.len() / ARMOR_LINE_LEN + 80);
    out.push_str(armor.begin);
    out.push('\n');
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(ARMOR_LINE_LEN));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(armor.end);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARMOR: Armor = LICENSE_ARMOR;

    #[test]
    fn base64url_is_strict() {
        assert_eq!(decode_base64url("AQID").ok(), Some(alloc::vec![1, 2, 3]));
        assert!(matches!(
            decode_base64url("AQI="),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::InvalidCharacter { .. }
            })
        ));
        // "AQJ" decodes to the same bytes as "AQI" with unused bits set.
        assert_eq!(
            decode_base64url("AQJ"),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::NonCanonical
            })
        );
        assert_eq!(
            decode_base64url("A"),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::InvalidLength
            })
        );
        assert_eq!(
            decode_base64url("AQ+D"),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::InvalidCharacter { position: 2 }
            })
        );
    }

    #[test]
    fn armor_round_trips_at_line_boundaries() {
        for len in [1usize, 47, 48, 49, 96, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let text = encode_armored(ARMOR, &bytes);
            assert_eq!(
                decode_armored(&text, ARMOR, 1 << 20).ok(),
                Some(bytes.clone()),
                "len {len}"
            );
            let crlf = text.replace('\n', "\r\n");
            assert_eq!(
                decode_armored(&crlf, ARMOR, 1 << 20).ok(),
                Some(bytes),
                "crlf len {len}"
            );
        }
    }

    #[test]
    fn armor_rejects_rewrapped_or_damaged_text() {
        let text = encode_armored(ARMOR, &[7u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        // Re-wrapped at 60 columns.
        let body: String = lines[1..lines.len() - 1].concat();
        let rewrapped = alloc::format!(
            "{}\n{}\n{}\n{}\n",
            ARMOR.begin,
            &body[..60],
            &body[60..],
            ARMOR.end
        );
        assert_eq!(
            decode_armored(&rewrapped, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadArmorLine { line: 3 }
            })
        );
        let no_end = lines[..lines.len() - 1].join("\n");
        assert_eq!(
            decode_armored(&no_end, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::MissingArmorEnd
            })
        );
        let after_end = alloc::format!("{text}junk\n");
        assert_eq!(
            decode_armored(&after_end, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::MissingArmorEnd
            })
        );
        let empty_line = text.replacen('\n', "\n\n", 2);
        assert!(decode_armored(&empty_line, ARMOR, 1 << 20).is_err());
        assert_eq!(
            decode_armored("-----BEGIN SOMETHING-----\n", ARMOR, 1 << 20),
            Err(Error::WrongPrefix {
                expected: ARMOR.begin
            })
        );
        assert_eq!(
            decode_armored(&text, ARMOR, 10),
            Err(Error::TooLarge {
                len: text.len(),
                max: 10
            })
        );
    }

    #[test]
    fn envelope_checks_version_before_length() {
        assert_eq!(split_envelope(&[], 100).err(), Some(Error::Truncated));
        assert_eq!(
            split_envelope(&[2], 100).err(),
            Some(Error::UnsupportedVersion {
                found: 2,
                supported: FORMAT_VERSION
            })
        );
        assert_eq!(split_envelope(&[1; 72], 100).err(), Some(Error::Truncated));
        assert!(split_envelope(&[1; 73], 100).is_ok());
        assert_eq!(
            split_envelope(&[1; 101], 100).err(),
            Some(Error::TooLarge { len: 101, max: 100 })
        );
    }
}

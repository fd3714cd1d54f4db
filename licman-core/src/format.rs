//! The binary envelope and its text forms (compact key, armored file).
//!
//! See `docs/FORMAT.md` for the byte-level specification.

use alloc::string::String;
use alloc::vec::Vec;

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
#[cfg(feature = "sign")]
pub(crate) fn signed_message(context: &[u8], signed: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(context.len() + signed.len());
    message.extend_from_slice(context);
    message.extend_from_slice(signed);
    message
}

/// What distinguishes one kind of signed artefact (a license, a revocation
/// list) from another: its signature context, text forms and size limits.
/// Everything else about the envelope is the same for both.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EnvelopeKind {
    /// Domain-separation context of the signature.
    pub(crate) context: &'static [u8],
    /// The compact text's prefix, for kinds that have a compact form.
    pub(crate) prefix: Option<&'static str>,
    /// The armored text's lines.
    pub(crate) armor: Armor,
    /// Largest binary envelope.
    pub(crate) max_len: usize,
    /// Largest text, either form.
    pub(crate) max_text_len: usize,
}

/// Licenses: compact `lm1_…` and armored.
pub(crate) static LICENSE_KIND: EnvelopeKind = EnvelopeKind {
    context: LICENSE_CONTEXT,
    prefix: Some(LICENSE_PREFIX),
    armor: LICENSE_ARMOR,
    max_len: MAX_LICENSE_LEN,
    max_text_len: MAX_LICENSE_TEXT_LEN,
};

/// A signed envelope of one [`EnvelopeKind`], stored right after the
/// context string of its signature, so the signed message (`context ‖
/// version ‖ key id ‖ payload`) is one slice and verification copies
/// nothing. Parsing and the text forms are written once here for every
/// kind.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ContextualEnvelope {
    /// `context ‖ envelope`.
    buf: Vec<u8>,
    context_len: usize,
    kind: &'static EnvelopeKind,
}

impl ContextualEnvelope {
    /// Parses the compact text of `kind`.
    pub(crate) fn from_compact(kind: &'static EnvelopeKind, text: &str) -> Result<Self, Error> {
        let prefix = kind.prefix.ok_or(Error::WrongPrefix {
            expected: kind.armor.begin,
        })?;
        decode_prefixed_after(kind.context, text, prefix, kind.max_text_len)
            .map(|buf| Self::from_buffer(kind, buf))
    }

    /// Parses the armored text of `kind`.
    pub(crate) fn from_armored(kind: &'static EnvelopeKind, text: &str) -> Result<Self, Error> {
        decode_armored(kind, text)
    }

    /// Copies a binary envelope of `kind`, after checking its framing and
    /// size (before the copy).
    pub(crate) fn from_bytes(kind: &'static EnvelopeKind, bytes: &[u8]) -> Result<Self, Error> {
        split_envelope(bytes, kind.max_len)?;
        Ok(Self::from_envelope(kind, bytes))
    }

    /// The compact text (`prefix` + base64url); a kind without a compact
    /// form has only its armor.
    pub(crate) fn to_compact(&self) -> String {
        encode_prefixed(self.kind.prefix.unwrap_or_default(), self.envelope())
    }

    /// The armored text (64-character lines, trailing newline).
    pub(crate) fn to_armored(&self) -> String {
        encode_armored(self.kind.armor, self.envelope())
    }

    /// The framing of the envelope (see [`split_envelope`]) and the
    /// message its signature covers, within the kind's size limit.
    pub(crate) fn open(&self) -> Result<(Envelope<'_>, &[u8]), Error> {
        self.split(self.kind.max_len)
    }
    /// Takes `buf`, which starts with the kind's context (as the decoders
    /// below leave it).
    fn from_buffer(kind: &'static EnvelopeKind, buf: Vec<u8>) -> Self {
        ContextualEnvelope {
            buf,
            context_len: kind.context.len(),
            kind,
        }
    }

    /// Copies an envelope in after the kind's context.
    fn from_envelope(kind: &'static EnvelopeKind, envelope: &[u8]) -> Self {
        let mut buf = Vec::with_capacity(kind.context.len() + envelope.len());
        buf.extend_from_slice(kind.context);
        buf.extend_from_slice(envelope);
        Self::from_buffer(kind, buf)
    }

    /// The binary envelope.
    pub(crate) fn envelope(&self) -> &[u8] {
        self.buf.get(self.context_len..).unwrap_or_default()
    }

    /// Splits the envelope (see [`split_envelope`]) and returns it with the
    /// message its signature covers.
    pub(crate) fn split(&self, max_len: usize) -> Result<(Envelope<'_>, &[u8]), Error> {
        let envelope = split_envelope(self.envelope(), max_len)?;
        let end = self.context_len + envelope.signed.len();
        let message = self.buf.get(..end).ok_or(Error::Truncated)?;
        Ok((envelope, message))
    }
}

impl core::fmt::Debug for ContextualEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.envelope(), f)
    }
}

impl core::hash::Hash for ContextualEnvelope {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.envelope().hash(state);
    }
}

/// Strict base64url (no padding, canonical last character).
#[cfg(test)]
pub(crate) fn decode_base64url(text: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    decode_base64url_into(text, &mut out)?;
    Ok(out)
}

/// Marks a byte outside the base64url alphabet in [`BASE64URL_DECODE`].
const NOT_BASE64URL: u32 = 0x8000_0000;

/// The six-bit value of each base64url character shifted to its place in a
/// group of four (`value << shift`), or `NOT_BASE64URL`: a group decodes
/// with four look-ups and three ORs, and one test catches any bad character.
const fn base64url_decode_table(shift: u32) -> [u32; 256] {
    let mut table = [NOT_BASE64URL; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = (i as u32) << shift;
        i += 1;
    }
    table
}

/// [`base64url_decode_table`] for each position in a group of four.
static BASE64URL_DECODE: [[u32; 256]; 4] = [
    base64url_decode_table(18),
    base64url_decode_table(12),
    base64url_decode_table(6),
    base64url_decode_table(0),
];

/// Strict base64url (no padding, canonical last character), appended to
/// `out`.
///
/// The first character outside the alphabet (`=` included) is reported
/// with its position; then a length that leaves a single character over;
/// then unused low bits set in the last character (`NonCanonical`), so that
/// every byte string has exactly one accepted spelling. Differentially
/// tested against the `base64` crate's `URL_SAFE_NO_PAD`, which it replaces
/// on the verification path for speed (one table look-up per character,
/// three bytes written per four characters).
pub(crate) fn decode_base64url_into(text: &str, out: &mut Vec<u8>) -> Result<(), Error> {
    let input = text.as_bytes();
    let [t0, t1, t2, t3] = &BASE64URL_DECODE;
    let at =
        |table: &[u32; 256], c: u8| table.get(usize::from(c)).copied().unwrap_or(NOT_BASE64URL);
    let value = |c: u8| at(t3, c);
    let invalid = |from: usize| {
        let position = input
            .iter()
            .skip(from)
            .position(|&c| value(c) == NOT_BASE64URL)
            .map_or(input.len(), |p| p + from);
        Error::InvalidEncoding {
            reason: EncodingProblem::InvalidCharacter { position },
        }
    };
    let start = out.len();
    let whole = input.len() / 4;
    out.reserve(whole * 3 + 2);
    out.resize(start + whole * 3, 0);
    let quads = input.chunks_exact(4);
    let tail = quads.remainder();
    let written = out.get_mut(start..).unwrap_or_default();
    for (index, (quad, triple)) in quads.zip(written.chunks_exact_mut(3)).enumerate() {
        let n = at(t0, quad[0]) | at(t1, quad[1]) | at(t2, quad[2]) | at(t3, quad[3]);
        if n & NOT_BASE64URL != 0 {
            out.truncate(start);
            return Err(invalid(index * 4));
        }
        let [_, x, y, z] = n.to_be_bytes();
        triple.copy_from_slice(&[x, y, z]);
    }
    let tail_start = input.len() - tail.len();
    let mut n = 0u32;
    for &c in tail {
        let v = value(c);
        if v == NOT_BASE64URL {
            out.truncate(start);
            return Err(invalid(tail_start));
        }
        n = n << 6 | v;
    }
    let problem = match tail.len() {
        0 => None,
        1 => Some(EncodingProblem::InvalidLength),
        2 if n & 0xf != 0 => Some(EncodingProblem::NonCanonical),
        3 if n & 0x3 != 0 => Some(EncodingProblem::NonCanonical),
        2 => {
            out.push((n >> 4) as u8);
            None
        }
        _ => {
            let [_, _, x, y] = (n >> 2).to_be_bytes();
            out.extend_from_slice(&[x, y]);
            None
        }
    };
    match problem {
        Some(reason) => {
            out.truncate(start);
            Err(Error::InvalidEncoding { reason })
        }
        None => Ok(()),
    }
}

/// The base64url alphabet (RFC 4648 section 5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `bytes` in base64url without padding to `out`. (By hand, like
/// the decoder: the `base64` crate's engine was 3 KB of the WebAssembly
/// module; the tests hold the two equal.)
fn encode_base64url_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = byte(0) << 16 | byte(1) << 8 | byte(2);
        // n bytes make n + 1 characters, the last one's unused bits zero.
        for i in 0..=chunk.len() {
            let index = (group >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(
                BASE64URL.get(index as usize).copied().unwrap_or(b'A'),
            ));
        }
    }
}

pub(crate) fn encode_base64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    encode_base64url_into(bytes, &mut out);
    out
}

/// Decodes `prefix` + base64url. Surrounding whitespace is ignored; any other
/// deviation is an error.
pub(crate) fn decode_prefixed(
    text: &str,
    prefix: &'static str,
    max_text_len: usize,
) -> Result<Vec<u8>, Error> {
    decode_prefixed_after(&[], text, prefix, max_text_len)
}

fn decode_prefixed_after(
    context: &[u8],
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
    let mut out = Vec::with_capacity(context.len() + body.len() / 4 * 3 + 3);
    out.extend_from_slice(context);
    decode_base64url_into(body, &mut out)?;
    Ok(out)
}

pub(crate) fn encode_prefixed(prefix: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + bytes.len().div_ceil(3) * 4);
    out.push_str(prefix);
    encode_base64url_into(bytes, &mut out);
    out
}

/// Decodes an armored text: BEGIN line, base64url body in lines of exactly
/// 64 characters (the last 1–64), END line. `\n` or `\r\n` line ends;
/// surrounding whitespace is ignored. The result is stored after `context`.
fn decode_armored(kind: &'static EnvelopeKind, text: &str) -> Result<ContextualEnvelope, Error> {
    let (context, armor, max_text_len) = (kind.context, kind.armor, kind.max_text_len);
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
    let mut out = Vec::with_capacity(context.len() + body.len() / 4 * 3 + 3);
    out.extend_from_slice(context);
    decode_base64url_into(&body, &mut out)?;
    Ok(ContextualEnvelope::from_buffer(kind, out))
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
    /// `decode_armored` after a context, checked to keep the context in
    /// front and to split back to the envelope.
    fn armored(text: &str, armor: Armor, max: usize) -> Result<Vec<u8>, Error> {
        let kind: &'static EnvelopeKind =
            alloc::boxed::Box::leak(alloc::boxed::Box::new(EnvelopeKind {
                context: b"ctx\0",
                prefix: None,
                armor,
                max_len: MAX_LICENSE_LEN,
                max_text_len: max,
            }));
        let framed = decode_armored(kind, text)?;
        assert_eq!(framed.buf.get(..4), Some(&b"ctx\0"[..]));
        Ok(framed.envelope().to_vec())
    }

    use super::*;

    const ARMOR: Armor = LICENSE_ARMOR;

    #[test]
    fn the_encoder_writes_the_base64_crate_s_text() {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for start in 0..8 {
            for len in 0..bytes.len() - start {
                let slice = &bytes[start..start + len];
                let ours = encode_base64url(slice);
                assert_eq!(ours, URL_SAFE_NO_PAD.encode(slice));
                assert_eq!(decode_base64url(&ours).as_deref(), Ok(slice));
            }
        }
        assert_eq!(encode_prefixed("lm1_", b"\xff"), "lm1__w");
    }

    #[test]
    fn base64url_agrees_with_the_base64_crate() {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // Every string of up to 3 characters over an alphabet with valid,
        // invalid and padding characters, and longer ones around them.
        let chars = ["A", "Q", "g", "_", "-", "/", "+", "=", "!", " ", "\u{e9}"];
        let mut texts: Vec<String> = alloc::vec![String::new()];
        let mut shorter: Vec<String> = texts.clone();
        for _ in 0..3 {
            let longer: Vec<String> = shorter
                .iter()
                .flat_map(|t| chars.iter().map(move |c| alloc::format!("{t}{c}")))
                .collect();
            texts.extend(longer.iter().cloned());
            shorter = longer;
        }
        let extra: Vec<String> = texts
            .iter()
            .flat_map(|t| {
                [
                    alloc::format!("AAAA{t}"),
                    alloc::format!("{t}AAAA"),
                    alloc::format!("AQIDBAUG{t}"),
                ]
            })
            .collect();
        texts.extend(extra);
        for text in &texts {
            let ours = decode_base64url(text);
            let theirs = URL_SAFE_NO_PAD.decode(text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
                (Err(Error::InvalidEncoding { reason }), Err(e)) => {
                    let expected = match e {
                        base64::DecodeError::InvalidByte(p, _) => {
                            EncodingProblem::InvalidCharacter { position: *p }
                        }
                        base64::DecodeError::InvalidLength(_) => EncodingProblem::InvalidLength,
                        base64::DecodeError::InvalidLastSymbol { .. } => {
                            EncodingProblem::NonCanonical
                        }
                        base64::DecodeError::InvalidPadding => EncodingProblem::InvalidCharacter {
                            position: text.find('=').unwrap_or(text.len()),
                        },
                    };
                    // The crate does not always name the first bad
                    // character (it reads in blocks); we do.
                    if let EncodingProblem::InvalidCharacter { position } = reason {
                        assert!(
                            matches!(expected, EncodingProblem::InvalidCharacter { .. }),
                            "{text:?}: {expected:?}"
                        );
                        let first = text
                            .bytes()
                            .position(|c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
                        assert_eq!(Some(*position), first, "{text:?}");
                    } else {
                        assert_eq!(*reason, expected, "{text:?}");
                    }
                }
                _ => panic!("{text:?}: ours {ours:?}, base64 {theirs:?}"),
            }
        }
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..200usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let text = encode_base64url(&bytes);
            let mut out = alloc::vec![9u8];
            decode_base64url_into(&text, &mut out).unwrap();
            assert_eq!(out.get(1..), Some(&bytes[..]), "len {len}");
        }
    }

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
                armored(&text, ARMOR, 1 << 20).ok(),
                Some(bytes.clone()),
                "len {len}"
            );
            let crlf = text.replace('\n', "\r\n");
            assert_eq!(
                armored(&crlf, ARMOR, 1 << 20).ok(),
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
            armored(&rewrapped, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadArmorLine { line: 3 }
            })
        );
        let no_end = lines[..lines.len() - 1].join("\n");
        assert_eq!(
            armored(&no_end, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::MissingArmorEnd
            })
        );
        let after_end = alloc::format!("{text}junk\n");
        assert_eq!(
            armored(&after_end, ARMOR, 1 << 20),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::MissingArmorEnd
            })
        );
        let empty_line = text.replacen('\n', "\n\n", 2);
        assert!(armored(&empty_line, ARMOR, 1 << 20).is_err());
        assert_eq!(
            armored("-----BEGIN SOMETHING-----\n", ARMOR, 1 << 20),
            Err(Error::WrongPrefix {
                expected: ARMOR.begin
            })
        );
        assert_eq!(
            armored(&text, ARMOR, 10),
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

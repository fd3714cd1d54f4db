//! Offline activation: the request a product writes on a machine without a
//! network, and how it recognises the bound license that answers it.
//!
//! The product computes its machine's [`Fingerprint`]
//! ([`Fingerprint::of_machine`]), writes an [`ActivationRequest`] (text
//! form `lmreq1_…`, or armored), and the customer carries it to the vendor
//! by any means (a USB stick, an email, a phone call). The vendor's
//! `licman-keygen activate` issues a license bound to that fingerprint
//! whose metadata names the request's nonce
//! ([`ACTIVATION_METADATA_KEY`]). The product verifies that license as any
//! other, presenting its fingerprint, and may check that it answers its own
//! request ([`ActivationRequest::is_answered_by`]).
//!
//! A request is not signed (the product holds no secret); it carries a
//! checksum so that a mistyped or truncated text is refused with a clear
//! error instead of being activated wrongly. Its decoding is as strict as a
//! license's: one version, size caps before anything is decoded, canonical
//! base64url and postcard, no trailing bytes. The byte layout is in
//! `docs/FORMAT.md`, section 9b.
//!
//! ```
//! use licman_core::*;
//!
//! // The product, on the customer's machine:
//! let fingerprint = Fingerprint::of_machine("netaudit", "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b").unwrap();
//! let request = ActivationRequest {
//!     product: "netaudit".into(),
//!     fingerprint,
//!     customer_id: Some("acme-corp".into()),
//!     license_id: None,
//!     nonce: [7; 16], // from the operating system's RNG in practice
//!     created_at: Timestamp::from_date(2026, 6, 1).unwrap(),
//! };
//! let text = request.to_text()?;
//! assert!(text.starts_with("lmreq1_"));
//!
//! // The vendor reads it back exactly:
//! assert_eq!(ActivationRequest::parse(&text)?, request);
//! // A typo is caught by the checksum.
//! let typo = text.replacen("lmreq1_A", "lmreq1_B", 1);
//! assert!(ActivationRequest::parse(&typo).is_err());
//! # Ok::<(), licman_core::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::claims::{Claims, ClaimsError};
use crate::error::{EncodingProblem, Error};
use crate::format::{
    Armor, ContextualEnvelope, EnvelopeKind, FORMAT_VERSION, encode_armored, encode_prefixed,
};
use crate::ids::{Fingerprint, LicenseId};
use crate::time::Timestamp;
use crate::wire::{ActivationRequestPayload, decode_activation_request, encode_activation_request};

/// Prefix of an activation request's compact text: `lmreq1_` followed by
/// base64url without padding.
pub const ACTIVATION_REQUEST_PREFIX: &str = "lmreq1_";

/// Header and footer lines of an armored activation request.
pub const ACTIVATION_REQUEST_ARMOR: Armor = Armor {
    begin: "-----BEGIN LICMAN ACTIVATION REQUEST-----",
    end: "-----END LICMAN ACTIVATION REQUEST-----",
};

/// Largest binary activation request accepted, in bytes.
pub const MAX_ACTIVATION_REQUEST_LEN: usize = 512;

/// Largest activation request text (either form, whitespace included)
/// accepted, in bytes. Checked before anything is decoded.
pub const MAX_ACTIVATION_REQUEST_TEXT_LEN: usize = 1024;

/// Longest product id or customer id in a request, in bytes.
pub const MAX_ACTIVATION_FIELD_LEN: usize = 128;

/// The metadata key of a license issued for an activation request: its
/// value is the request's nonce in hex ([`ActivationRequest::nonce_hex`]).
pub const ACTIVATION_METADATA_KEY: &str = "licman.activation";

/// Domain separation of the checksum.
const CHECKSUM_CONTEXT: &[u8] = b"licman/activation-request\0";
/// Bytes of checksum after the payload.
const CHECKSUM_LEN: usize = 4;

/// Requests: compact `lmreq1_…` and armored; unsigned, so no context is
/// stored before the bytes.
static ACTIVATION_REQUEST_KIND: EnvelopeKind = EnvelopeKind {
    context: b"",
    prefix: Some(ACTIVATION_REQUEST_PREFIX),
    armor: ACTIVATION_REQUEST_ARMOR,
    max_len: MAX_ACTIVATION_REQUEST_LEN,
    max_text_len: MAX_ACTIVATION_REQUEST_TEXT_LEN,
};

/// What a product asks the vendor for: a license for this product, bound to
/// this machine's fingerprint, optionally for a named customer or as an
/// activation of a license id the customer was given.
///
/// Built with its public fields and encoded by [`to_text`](Self::to_text),
/// [`to_armored`](Self::to_armored) or [`to_bytes`](Self::to_bytes), which
/// check the rules: a product of 1 to 128 bytes, a customer id (if any) of
/// 1 to 128 bytes, neither with control characters.
///
/// ```
/// # use licman_core::*;
/// let request = ActivationRequest {
///     product: "netaudit".into(),
///     fingerprint: Fingerprint::from_bytes([1; 32]),
///     customer_id: None,
///     license_id: None,
///     nonce: [0; 16],
///     created_at: Timestamp::from_unix_seconds(1_767_225_600),
/// };
/// let armored = request.to_armored()?;
/// assert!(armored.starts_with("-----BEGIN LICMAN ACTIVATION REQUEST-----\n"));
/// assert_eq!(ActivationRequest::parse(&armored)?, request);
/// # Ok::<(), licman_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActivationRequest {
    /// The product id (the catalog's `product`).
    pub product: String,
    /// The machine's fingerprint for this product.
    pub fingerprint: Fingerprint,
    /// The customer, if the product knows it.
    pub customer_id: Option<String>,
    /// The license this activates, if the customer was given one (the
    /// vendor issues a bound license from its record).
    pub license_id: Option<LicenseId>,
    /// Random bytes that tell this request from every other (the vendor's
    /// ledger records it once; the license that answers names it).
    pub nonce: [u8; 16],
    /// When the product wrote the request (the host's clock).
    pub created_at: Timestamp,
}

impl ActivationRequest {
    /// Reads a request from its compact text (`lmreq1_…`) or armored text
    /// (chosen when the trimmed text starts with `-----`).
    ///
    /// Refused: text over [`MAX_ACTIVATION_REQUEST_TEXT_LEN`]
    /// (`too_large`), another prefix or armor (`wrong_prefix`), malformed
    /// or non-canonical base64url or armor, or a checksum that does not
    /// match (`invalid_encoding`), and everything [`from_bytes`](Self::from_bytes)
    /// refuses.
    ///
    /// ```
    /// # use licman_core::*;
    /// assert_eq!(ActivationRequest::parse("lm1_AAAA").unwrap_err().code(), "wrong_prefix");
    /// assert_eq!(ActivationRequest::parse("lmreq1_A").unwrap_err().code(), "invalid_encoding");
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        let envelope = if text.trim_start().starts_with("-----") {
            ContextualEnvelope::from_armored(&ACTIVATION_REQUEST_KIND, text)?
        } else {
            ContextualEnvelope::from_compact(&ACTIVATION_REQUEST_KIND, text)?
        };
        Self::from_bytes(envelope.envelope())
    }

    /// Reads a request from its binary form: `version ‖ payload ‖
    /// checksum`.
    ///
    /// Refused, in this order: more than [`MAX_ACTIVATION_REQUEST_LEN`]
    /// bytes (`too_large`); empty (`truncated`); a version other than 1
    /// (`unsupported_version`); too short for a checksum (`truncated`); a
    /// checksum that does not match (`invalid_encoding`); a payload that
    /// does not decode, is not canonical or has bytes after it
    /// (`malformed_payload`, `truncated`, `trailing_bytes`); and a field
    /// that breaks the rules (`invalid_claims` for an empty product or
    /// customer id, `too_large` for one over 128 bytes,
    /// `malformed_payload` for control characters).
    ///
    /// ```
    /// # use licman_core::*;
    /// assert_eq!(ActivationRequest::from_bytes(&[2, 0, 0, 0, 0]).unwrap_err().code(), "unsupported_version");
    /// assert_eq!(ActivationRequest::from_bytes(&[1, 0, 0]).unwrap_err().code(), "truncated");
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_ACTIVATION_REQUEST_LEN {
            return Err(Error::TooLarge {
                len: bytes.len(),
                max: MAX_ACTIVATION_REQUEST_LEN,
            });
        }
        let Some(&version) = bytes.first() else {
            return Err(Error::Truncated);
        };
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let body_len = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .filter(|&n| n > 1)
            .ok_or(Error::Truncated)?;
        let (body, checksum) = bytes.split_at(body_len);
        if checksum != checksum_of(body) {
            return Err(Error::InvalidEncoding {
                reason: EncodingProblem::ChecksumMismatch,
            });
        }
        let payload = decode_activation_request(body.get(1..).unwrap_or_default())?;
        let request = ActivationRequest {
            product: payload.product,
            fingerprint: payload.fingerprint,
            customer_id: payload.customer_id,
            license_id: payload.license_id,
            nonce: payload.nonce,
            created_at: payload.created_at,
        };
        request.validate()?;
        Ok(request)
    }

    /// Checks the request's rules (see the type's docs).
    ///
    /// ```
    /// # use licman_core::*;
    /// let mut request = ActivationRequest {
    ///     product: "".into(),
    ///     fingerprint: Fingerprint::from_bytes([1; 32]),
    ///     customer_id: None, license_id: None, nonce: [0; 16],
    ///     created_at: Timestamp::from_unix_seconds(0),
    /// };
    /// assert_eq!(request.validate().unwrap_err().code(), "invalid_claims");
    /// request.product = "x".repeat(129);
    /// assert_eq!(request.validate().unwrap_err().code(), "too_large");
    /// request.product = "net\naudit".into();
    /// assert_eq!(request.validate().unwrap_err().code(), "malformed_payload");
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        check_field(&self.product, ClaimsError::EmptyProduct)?;
        if let Some(customer) = &self.customer_id {
            check_field(customer, ClaimsError::EmptyCustomerId)?;
        }
        if self.created_at > Timestamp::LATEST {
            return Err(ClaimsError::TimeOutOfRange.into());
        }
        Ok(())
    }

    /// The binary form: `version ‖ payload ‖ checksum` (see
    /// [`from_bytes`](Self::from_bytes)), after [`validate`](Self::validate).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let request = ActivationRequest { product: "netaudit".into(), fingerprint: Fingerprint::from_bytes([1; 32]),
    /// #     customer_id: None, license_id: None, nonce: [0; 16], created_at: Timestamp::from_unix_seconds(0) };
    /// let bytes = request.to_bytes()?;
    /// assert_eq!(bytes[0], FORMAT_VERSION);
    /// assert_eq!(ActivationRequest::from_bytes(&bytes)?, request);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        let payload = encode_activation_request(&ActivationRequestPayload {
            product: self.product.clone(),
            fingerprint: self.fingerprint,
            customer_id: self.customer_id.clone(),
            license_id: self.license_id,
            nonce: self.nonce,
            created_at: self.created_at,
        })?;
        let mut bytes = Vec::with_capacity(1 + payload.len() + CHECKSUM_LEN);
        bytes.push(FORMAT_VERSION);
        bytes.extend_from_slice(&payload);
        let checksum = checksum_of(&bytes);
        bytes.extend_from_slice(&checksum);
        Ok(bytes)
    }

    /// The compact text: `lmreq1_` and base64url (one line, about 100
    /// characters without a customer id).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let request = ActivationRequest { product: "netaudit".into(), fingerprint: Fingerprint::from_bytes([1; 32]),
    /// #     customer_id: None, license_id: None, nonce: [0; 16], created_at: Timestamp::from_unix_seconds(0) };
    /// assert!(request.to_text()?.len() < 120);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_text(&self) -> Result<String, Error> {
        Ok(encode_prefixed(
            ACTIVATION_REQUEST_PREFIX,
            &self.to_bytes()?,
        ))
    }

    /// The armored text (64-character lines, a final newline).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let request = ActivationRequest { product: "netaudit".into(), fingerprint: Fingerprint::from_bytes([1; 32]),
    /// #     customer_id: None, license_id: None, nonce: [0; 16], created_at: Timestamp::from_unix_seconds(0) };
    /// assert!(request.to_armored()?.ends_with("-----END LICMAN ACTIVATION REQUEST-----\n"));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_armored(&self) -> Result<String, Error> {
        Ok(encode_armored(ACTIVATION_REQUEST_ARMOR, &self.to_bytes()?))
    }

    /// The nonce as 32 lowercase hex digits: the value of
    /// [`ACTIVATION_METADATA_KEY`] in the license that answers this request.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let mut request = ActivationRequest { product: "netaudit".into(), fingerprint: Fingerprint::from_bytes([1; 32]),
    /// #     customer_id: None, license_id: None, nonce: [0; 16], created_at: Timestamp::from_unix_seconds(0) };
    /// request.nonce = [0xab; 16];
    /// assert_eq!(request.nonce_hex(), "ab".repeat(16));
    /// ```
    pub fn nonce_hex(&self) -> String {
        let mut out = String::with_capacity(32);
        for byte in self.nonce {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }

    /// Whether a license's claims answer this request: the same product,
    /// bound to this request's fingerprint, and naming this request's nonce
    /// under [`ACTIVATION_METADATA_KEY`]. Check it on a *verified*
    /// license: this says which request a license answers, while the
    /// signature and the machine check (verifying with the host's
    /// fingerprint) say whether it may be used.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let request = ActivationRequest { product: "netaudit".into(), fingerprint: Fingerprint::from_bytes([1; 32]),
    /// #     customer_id: None, license_id: None, nonce: [0; 16], created_at: Timestamp::from_unix_seconds(0) };
    /// let mut claims = licman_core::__doc_claims();
    /// assert!(!request.is_answered_by(&claims));
    /// claims.machine_binding = Some(MachineBinding::new([request.fingerprint], MatchPolicy::Any).unwrap());
    /// claims.metadata.insert(ACTIVATION_METADATA_KEY.into(), request.nonce_hex());
    /// assert!(request.is_answered_by(&claims));
    /// ```
    pub fn is_answered_by(&self, claims: &Claims) -> bool {
        claims.product == self.product
            && claims
                .machine_binding
                .as_ref()
                .is_some_and(|b| b.fingerprints().contains(&self.fingerprint))
            && claims
                .metadata
                .get(ACTIVATION_METADATA_KEY)
                .is_some_and(|nonce| *nonce == self.nonce_hex())
    }
}

/// A product or customer id: 1 to 128 bytes, no control characters.
fn check_field(value: &str, empty: ClaimsError) -> Result<(), Error> {
    if value.is_empty() {
        return Err(empty.into());
    }
    if value.len() > MAX_ACTIVATION_FIELD_LEN {
        return Err(Error::TooLarge {
            len: value.len(),
            max: MAX_ACTIVATION_FIELD_LEN,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(Error::MalformedPayload {
            reason: "a product or customer id holds a control character",
        });
    }
    Ok(())
}

/// The first four bytes of SHA-256 over the context, then `version ‖
/// payload`.
fn checksum_of(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut hash = Sha256::new();
    hash.update(CHECKSUM_CONTEXT);
    hash.update(body);
    let digest = hash.finalize();
    let mut out = [0u8; CHECKSUM_LEN];
    for (slot, byte) in out.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::decode_base64url;

    fn sample() -> ActivationRequest {
        ActivationRequest {
            product: "netaudit".into(),
            fingerprint: Fingerprint::from_bytes([3; 32]),
            customer_id: Some("acme-corp".into()),
            license_id: Some(LicenseId::from_bytes([9; 16])),
            nonce: [5; 16],
            created_at: Timestamp::from_unix_seconds(1_767_225_600),
        }
    }

    /// Re-encodes a changed binary request with a fresh checksum, so that
    /// the decoder's later checks are reached.
    fn with_checksum(mut body: Vec<u8>) -> Vec<u8> {
        let sum = checksum_of(&body);
        body.extend_from_slice(&sum);
        body
    }

    #[test]
    fn round_trips_both_text_forms_and_bytes() {
        let request = sample();
        assert_eq!(
            ActivationRequest::parse(&request.to_text().unwrap()),
            Ok(request.clone())
        );
        assert_eq!(
            ActivationRequest::parse(&request.to_armored().unwrap()),
            Ok(request.clone())
        );
        let spaced = alloc::format!("  \n{}\r\n", request.to_text().unwrap());
        assert_eq!(ActivationRequest::parse(&spaced), Ok(request.clone()));
        let minimal = ActivationRequest {
            customer_id: None,
            license_id: None,
            ..request
        };
        assert_eq!(
            ActivationRequest::from_bytes(&minimal.to_bytes().unwrap()),
            Ok(minimal)
        );
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let text = sample().to_text().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for position in ACTIVATION_REQUEST_PREFIX.len()..text.len() {
            for c in alphabet.chars() {
                let mut changed = String::from(&text[..position]);
                changed.push(c);
                changed.push_str(&text[position + 1..]);
                if changed == text {
                    continue;
                }
                assert!(
                    ActivationRequest::parse(&changed).is_err(),
                    "{changed} was accepted"
                );
            }
        }
    }

    #[test]
    fn refuses_wrong_versions_lengths_and_trailing_bytes() {
        let bytes = sample().to_bytes().unwrap();
        let body = bytes[..bytes.len() - CHECKSUM_LEN].to_vec();
        let mut future = body.clone();
        future[0] = 2;
        assert_eq!(
            ActivationRequest::from_bytes(&with_checksum(future))
                .unwrap_err()
                .code(),
            "unsupported_version"
        );
        let mut trailing = body.clone();
        trailing.push(0);
        assert_eq!(
            ActivationRequest::from_bytes(&with_checksum(trailing)),
            Err(Error::TrailingBytes { count: 1 })
        );
        let short = body[..body.len() - 1].to_vec();
        assert_eq!(
            ActivationRequest::from_bytes(&with_checksum(short)),
            Err(Error::Truncated)
        );
        assert_eq!(ActivationRequest::from_bytes(&[]), Err(Error::Truncated));
        assert_eq!(
            ActivationRequest::from_bytes(&[1, 1, 2, 3]),
            Err(Error::Truncated)
        );
        let huge = alloc::vec![1u8; MAX_ACTIVATION_REQUEST_LEN + 1];
        assert_eq!(
            ActivationRequest::from_bytes(&huge).unwrap_err().code(),
            "too_large"
        );
        let long_text = alloc::format!("lmreq1_{}", "A".repeat(MAX_ACTIVATION_REQUEST_TEXT_LEN));
        assert_eq!(
            ActivationRequest::parse(&long_text).unwrap_err().code(),
            "too_large"
        );
        assert_eq!(
            ActivationRequest::parse(&alloc::format!("lm1_{}", &sample().to_text().unwrap()[7..]))
                .unwrap_err()
                .code(),
            "wrong_prefix"
        );
    }

    #[test]
    fn a_bad_checksum_is_named() {
        let mut bytes = sample().to_bytes().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            ActivationRequest::from_bytes(&bytes),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::ChecksumMismatch
            })
        );
    }

    #[test]
    fn refuses_non_canonical_payloads() {
        // An overlong varint for `created_at` decodes to the same number.
        let bytes = sample().to_bytes().unwrap();
        let body = &bytes[..bytes.len() - CHECKSUM_LEN];
        let text = sample().to_text().unwrap();
        assert_eq!(decode_base64url(&text[7..]).unwrap(), bytes);
        // created_at is the last field: 1_767_225_600 takes 5 varint bytes.
        let mut overlong = body[..body.len() - 5].to_vec();
        let mut n = 1_767_225_600u64;
        for _ in 0..5 {
            overlong.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        overlong.push(0);
        assert_eq!(
            ActivationRequest::from_bytes(&with_checksum(overlong))
                .unwrap_err()
                .code(),
            "malformed_payload"
        );
    }

    #[test]
    fn refuses_bad_fields_on_both_sides() {
        for (product, customer, code) in [
            ("", None, "invalid_claims"),
            ("netaudit", Some(""), "invalid_claims"),
            ("netaudit", Some("acme\u{1b}[31m"), "malformed_payload"),
            ("net\u{0}audit", None, "malformed_payload"),
        ] {
            let request = ActivationRequest {
                product: product.into(),
                customer_id: customer.map(Into::into),
                ..sample()
            };
            assert_eq!(
                request.to_text().unwrap_err().code(),
                code,
                "{product:?} {customer:?}"
            );
            // The same request written by a careless encoder is refused by the decoder.
            let mut bytes = alloc::vec![FORMAT_VERSION];
            bytes.extend(
                encode_activation_request(&ActivationRequestPayload {
                    product: request.product.clone(),
                    fingerprint: request.fingerprint,
                    customer_id: request.customer_id.clone(),
                    license_id: request.license_id,
                    nonce: request.nonce,
                    created_at: request.created_at,
                })
                .unwrap(),
            );
            assert_eq!(
                ActivationRequest::from_bytes(&with_checksum(bytes))
                    .unwrap_err()
                    .code(),
                code
            );
        }
        let long = ActivationRequest {
            customer_id: Some("c".repeat(MAX_ACTIVATION_FIELD_LEN + 1)),
            ..sample()
        };
        assert_eq!(long.to_bytes().unwrap_err().code(), "too_large");
        let longest = ActivationRequest {
            product: "p".repeat(MAX_ACTIVATION_FIELD_LEN),
            customer_id: Some("c".repeat(MAX_ACTIVATION_FIELD_LEN)),
            ..sample()
        };
        let bytes = longest.to_bytes().unwrap();
        assert!(bytes.len() <= MAX_ACTIVATION_REQUEST_LEN);
        assert!(longest.to_armored().unwrap().len() <= MAX_ACTIVATION_REQUEST_TEXT_LEN);
        assert_eq!(ActivationRequest::from_bytes(&bytes), Ok(longest));
    }
}

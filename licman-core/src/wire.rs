//! The postcard encoding of payloads (format version 1).
//!
//! Field order and types here *are* the format: changing them needs a new
//! [`FORMAT_VERSION`](crate::FORMAT_VERSION). `docs/FORMAT.md` describes the
//! same layout byte by byte.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use serde::{Deserialize, Serialize};

use crate::claims::{Claims, ClaimsError, Customer, MachineBinding, MatchPolicy};
use crate::error::Error;
use crate::ids::{Fingerprint, LicenseId, QuotaId};
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;
use crate::time::Timestamp;

/// A byte string, encoded as postcard's `bytes` (varint length + raw bytes)
/// and borrowed on decode.
#[derive(Debug, Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a [u8]>::deserialize(d).map(Bytes)
    }
}

#[derive(Serialize, Deserialize)]
enum WirePolicy {
    Any,
    All,
    AtLeast(u8),
}

#[derive(Serialize, Deserialize)]
struct WireBinding {
    policy: WirePolicy,
    fingerprints: Vec<[u8; 32]>,
}

/// License payload, format version 1.
#[derive(Serialize, Deserialize)]
struct WireLicense<'a> {
    license_id: [u8; 16],
    product: &'a str,
    customer_id: &'a str,
    customer_name: Option<&'a str>,
    customer_email: Option<&'a str>,
    tier: &'a str,
    /// Module bitset, little-endian bytes, no trailing zero byte.
    #[serde(borrow)]
    modules: Bytes<'a>,
    /// Strictly ascending quota ids, each with its limit as one varint:
    /// 0 is unlimited, `n + 1` is a limit of `n`.
    quotas: Vec<(u8, u64)>,
    /// Unix seconds.
    issued_at: u64,
    /// `starts_at - issued_at`, seconds (zigzag varint).
    starts_offset: i64,
    /// `expires_at - starts_at`, seconds; `None` is perpetual.
    valid_for: Option<u64>,
    /// Grace period, seconds.
    grace: u64,
    binding: Option<WireBinding>,
    /// Strictly ascending keys.
    metadata: Vec<(&'a str, &'a str)>,
}

/// Revocation list payload, format version 1.
#[derive(Serialize, Deserialize)]
struct WireRevocations<'a> {
    product: &'a str,
    serial: u64,
    issued_at: u64,
    /// Concatenated 16-byte license ids, strictly ascending.
    #[serde(borrow)]
    revoked: Bytes<'a>,
}

/// A postcard flavor that compares the bytes it would write with an
/// expected encoding, without allocating: decoding followed by this check
/// proves the payload is the one canonical encoding of what it decodes to
/// (no overlong varints, no second spelling of any value).
struct CompareFlavor<'a> {
    expected: &'a [u8],
    position: usize,
}

impl postcard::ser_flavors::Flavor for CompareFlavor<'_> {
    type Output = bool;

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        if self.expected.get(self.position) == Some(&byte) {
            self.position += 1;
            Ok(())
        } else {
            Err(postcard::Error::SerializeBufferFull)
        }
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        let end = self.position.saturating_add(bytes.len());
        if self.expected.get(self.position..end) == Some(bytes) {
            self.position = end;
            Ok(())
        } else {
            Err(postcard::Error::SerializeBufferFull)
        }
    }

    fn finalize(self) -> postcard::Result<bool> {
        Ok(self.position == self.expected.len())
    }
}

fn is_canonical<T: Serialize>(value: &T, bytes: &[u8]) -> bool {
    postcard::serialize_with_flavor(
        value,
        CompareFlavor {
            expected: bytes,
            position: 0,
        },
    )
    .unwrap_or(false)
}

fn map_postcard(e: postcard::Error) -> Error {
    use postcard::Error as P;
    match e {
        P::DeserializeUnexpectedEnd => Error::Truncated,
        P::DeserializeBadVarint => Error::MalformedPayload {
            reason: "invalid varint",
        },
        P::DeserializeBadUtf8 => Error::MalformedPayload {
            reason: "a string is not valid UTF-8",
        },
        P::DeserializeBadOption | P::DeserializeBadEnum | P::DeserializeBadBool => {
            Error::MalformedPayload {
                reason: "invalid tag",
            }
        }
        _ => Error::MalformedPayload {
            reason: "does not match the payload structure",
        },
    }
}

/// Decodes `T` from the whole of `bytes`: no trailing bytes, canonical
/// encoding.
fn decode_exact<'a, T: Deserialize<'a> + Serialize>(bytes: &'a [u8]) -> Result<T, Error> {
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(map_postcard)?;
    if !rest.is_empty() {
        return Err(Error::TrailingBytes { count: rest.len() });
    }
    if !is_canonical(&value, bytes) {
        return Err(Error::MalformedPayload {
            reason: "non-canonical encoding",
        });
    }
    Ok(value)
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|_| Error::MalformedPayload {
        reason: "could not encode",
    })
}

#[cfg(feature = "sign")]
/// The payload bytes of `claims` (validated first).
pub(crate) fn encode_claims(claims: &Claims) -> Result<Vec<u8>, Error> {
    claims.validate()?;
    let issued = claims.issued_at.unix_seconds();
    let start = claims.starts_at.unix_seconds();
    let starts_offset = if start >= issued {
        i64::try_from(start - issued)
    } else {
        i64::try_from(issued - start).map(|d| -d)
    }
    .map_err(|_| ClaimsError::TimeOutOfRange)?;
    let valid_for = claims
        .expires_at
        .map(|e| {
            e.seconds_since(claims.starts_at)
                .ok_or(ClaimsError::TimeOutOfRange)
        })
        .transpose()?;
    let (module_bytes, module_len) = claims.modules.to_wire();
    let wire = WireLicense {
        license_id: *claims.license_id.as_bytes(),
        product: &claims.product,
        customer_id: &claims.customer.id,
        customer_name: claims.customer.name.as_deref(),
        customer_email: claims.customer.email.as_deref(),
        tier: &claims.tier,
        modules: Bytes(module_bytes.get(..module_len).unwrap_or_default()),
        quotas: claims
            .quotas
            .iter()
            .map(|(id, limit)| (id.0, quota_to_wire(*limit)))
            .collect(),
        issued_at: issued,
        starts_offset,
        valid_for,
        grace: claims.grace_period.as_secs(),
        binding: claims.machine_binding.as_ref().map(|b| WireBinding {
            policy: match b.policy() {
                MatchPolicy::Any => WirePolicy::Any,
                MatchPolicy::All => WirePolicy::All,
                MatchPolicy::AtLeast(n) => WirePolicy::AtLeast(n),
            },
            fingerprints: b.fingerprints().iter().map(|f| *f.as_bytes()).collect(),
        }),
        metadata: claims
            .metadata
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    };
    encode(&wire)
}

/// 0 is unlimited, `n + 1` a limit of `n` ([`Claims::validate`] refuses a
/// limit of `u64::MAX`, which has no wire value).
#[cfg(feature = "sign")]
fn quota_to_wire(limit: QuotaLimit) -> u64 {
    match limit {
        QuotaLimit::Unlimited => 0,
        QuotaLimit::Limited(n) => n.saturating_add(1),
    }
}

fn quota_from_wire(value: u64) -> QuotaLimit {
    match value.checked_sub(1) {
        None => QuotaLimit::Unlimited,
        Some(n) => QuotaLimit::Limited(n),
    }
}

fn strictly_ascending<T: PartialOrd>(items: impl IntoIterator<Item = T>) -> bool {
    let mut prev: Option<T> = None;
    for item in items {
        if prev.as_ref().is_some_and(|p| *p >= item) {
            return false;
        }
        prev = Some(item);
    }
    true
}

/// Decodes and validates a license payload.
pub(crate) fn decode_claims(payload: &[u8]) -> Result<Claims, Error> {
    let wire: WireLicense<'_> = decode_exact(payload)?;
    let issued_at = Timestamp::from_unix_seconds(wire.issued_at);
    let start = if wire.starts_offset >= 0 {
        wire.issued_at
            .checked_add(wire.starts_offset.unsigned_abs())
    } else {
        wire.issued_at
            .checked_sub(wire.starts_offset.unsigned_abs())
    }
    .ok_or(ClaimsError::TimeOutOfRange)?;
    let starts_at = Timestamp::from_unix_seconds(start);
    let expires_at = match wire.valid_for {
        None => None,
        Some(0) => {
            return Err(ClaimsError::ExpiryNotAfterStart {
                starts_at,
                expires_at: starts_at,
            }
            .into());
        }
        Some(d) => Some(Timestamp::from_unix_seconds(
            start.checked_add(d).ok_or(ClaimsError::TimeOutOfRange)?,
        )),
    };
    let modules = ModuleSet::from_wire(wire.modules.0).ok_or(Error::MalformedPayload {
        reason: "non-canonical module set",
    })?;
    if !strictly_ascending(wire.quotas.iter().map(|(id, _)| *id)) {
        return Err(ClaimsError::QuotasNotSorted.into());
    }
    if !strictly_ascending(wire.metadata.iter().map(|(k, _)| *k)) {
        return Err(ClaimsError::MetadataNotSorted.into());
    }
    let machine_binding = wire
        .binding
        .map(|b| {
            let policy = match b.policy {
                WirePolicy::Any => MatchPolicy::Any,
                WirePolicy::All => MatchPolicy::All,
                WirePolicy::AtLeast(n) => MatchPolicy::AtLeast(n),
            };
            MachineBinding::from_canonical(
                b.fingerprints
                    .into_iter()
                    .map(Fingerprint::from_bytes)
                    .collect(),
                policy,
            )
        })
        .transpose()?;
    let claims = Claims {
        license_id: LicenseId::from_bytes(wire.license_id),
        product: wire.product.to_string(),
        customer: Customer {
            id: wire.customer_id.to_string(),
            name: wire.customer_name.map(ToString::to_string),
            email: wire.customer_email.map(ToString::to_string),
        },
        tier: wire.tier.to_string(),
        modules,
        // Inserted one by one: the wire's keys are strictly ascending
        // (checked above), and `collect` would sort them again (a sort is
        // 3 KB of the WebAssembly module).
        quotas: wire
            .quotas
            .into_iter()
            .fold(BTreeMap::new(), |mut map, (id, limit)| {
                map.insert(QuotaId(id), quota_from_wire(limit));
                map
            }),
        issued_at,
        starts_at,
        expires_at,
        grace_period: Duration::from_secs(wire.grace),
        machine_binding,
        metadata: wire
            .metadata
            .into_iter()
            .fold(BTreeMap::new(), |mut map, (k, v)| {
                map.insert(k.to_string(), v.to_string());
                map
            }),
    };
    claims.validate()?;
    Ok(claims)
}

/// Most license ids one revocation list can hold.
pub const MAX_REVOKED_IDS: usize = 1 << 18;

/// The decoded contents of a revocation list payload.
pub(crate) struct RevocationPayload {
    pub(crate) product: String,
    pub(crate) serial: u64,
    pub(crate) issued_at: Timestamp,
    pub(crate) revoked: Vec<LicenseId>,
}

#[cfg(feature = "sign")]
/// The payload bytes of a revocation list; `revoked` must be strictly
/// ascending.
pub(crate) fn encode_revocations(
    product: &str,
    serial: u64,
    issued_at: Timestamp,
    revoked: &[LicenseId],
) -> Result<Vec<u8>, Error> {
    let mut ids = Vec::with_capacity(revoked.len() * 16);
    for id in revoked {
        ids.extend_from_slice(id.as_bytes());
    }
    encode(&WireRevocations {
        product,
        serial,
        issued_at: issued_at.unix_seconds(),
        revoked: Bytes(&ids),
    })
}

pub(crate) fn decode_revocations(payload: &[u8]) -> Result<RevocationPayload, Error> {
    let wire: WireRevocations<'_> = decode_exact(payload)?;
    if wire.product.is_empty() {
        return Err(ClaimsError::EmptyProduct.into());
    }
    let chunks = wire.revoked.0.chunks_exact(16);
    if !chunks.remainder().is_empty() {
        return Err(Error::MalformedPayload {
            reason: "revoked ids are not a whole number of 16-byte ids",
        });
    }
    if chunks.len() > MAX_REVOKED_IDS {
        return Err(Error::MalformedPayload {
            reason: "more revoked ids than MAX_REVOKED_IDS",
        });
    }
    let mut revoked = Vec::with_capacity(wire.revoked.0.len() / 16);
    for chunk in chunks {
        let mut id = [0u8; 16];
        id.copy_from_slice(chunk);
        revoked.push(LicenseId::from_bytes(id));
    }
    if !strictly_ascending(revoked.iter()) {
        return Err(Error::MalformedPayload {
            reason: "revoked ids are not strictly ascending",
        });
    }
    Ok(RevocationPayload {
        product: wire.product.to_string(),
        serial: wire.serial,
        issued_at: Timestamp::from_unix_seconds(wire.issued_at),
        revoked,
    })
}

/// Activation request payload, format version 1.
#[derive(Serialize, Deserialize)]
struct WireActivationRequest<'a> {
    product: &'a str,
    fingerprint: [u8; 32],
    customer_id: Option<&'a str>,
    license_id: Option<[u8; 16]>,
    nonce: [u8; 16],
    /// Unix seconds.
    created_at: u64,
}

/// The decoded fields of an activation request payload, not yet checked
/// against the request's rules (`activation` does that).
pub(crate) struct ActivationRequestPayload {
    pub(crate) product: String,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) customer_id: Option<String>,
    pub(crate) license_id: Option<LicenseId>,
    pub(crate) nonce: [u8; 16],
    pub(crate) created_at: Timestamp,
}

/// The payload bytes of an activation request.
pub(crate) fn encode_activation_request(
    request: &ActivationRequestPayload,
) -> Result<Vec<u8>, Error> {
    encode(&WireActivationRequest {
        product: &request.product,
        fingerprint: *request.fingerprint.as_bytes(),
        customer_id: request.customer_id.as_deref(),
        license_id: request.license_id.map(|id| *id.as_bytes()),
        nonce: request.nonce,
        created_at: request.created_at.unix_seconds(),
    })
}

/// Decodes an activation request payload: the whole of `payload`,
/// canonical.
pub(crate) fn decode_activation_request(payload: &[u8]) -> Result<ActivationRequestPayload, Error> {
    let wire: WireActivationRequest<'_> = decode_exact(payload)?;
    Ok(ActivationRequestPayload {
        product: wire.product.to_string(),
        fingerprint: Fingerprint::from_bytes(wire.fingerprint),
        customer_id: wire.customer_id.map(ToString::to_string),
        license_id: wire.license_id.map(LicenseId::from_bytes),
        nonce: wire.nonce,
        created_at: Timestamp::from_unix_seconds(wire.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ModuleId;

    fn sample() -> Claims {
        let t = Timestamp::from_unix_seconds(1_800_000_000);
        Claims {
            license_id: LicenseId::from_bytes([9; 16]),
            product: "netaudit".into(),
            customer: Customer {
                id: "acme".into(),
                name: Some("Acme".into()),
                email: None,
            },
            tier: "starter".into(),
            modules: [ModuleId(1), ModuleId(4)].into_iter().collect(),
            quotas: BTreeMap::from([
                (QuotaId(1), QuotaLimit::Limited(10)),
                (QuotaId(2), QuotaLimit::Unlimited),
            ]),
            issued_at: t,
            starts_at: Timestamp::from_unix_seconds(1_799_999_000),
            expires_at: Some(Timestamp::from_unix_seconds(1_900_000_000)),
            grace_period: Duration::from_secs(86_400),
            machine_binding: Some(
                MachineBinding::new(
                    [Fingerprint::digest(b"a"), Fingerprint::digest(b"b")],
                    MatchPolicy::AtLeast(1),
                )
                .unwrap_or_else(|e| panic!("{e}")),
            ),
            metadata: BTreeMap::from([("k".into(), "v".into())]),
        }
    }

    #[test]
    fn claims_round_trip() {
        let claims = sample();
        let bytes = encode_claims(&claims).unwrap_or_default();
        assert_eq!(decode_claims(&bytes), Ok(claims));
    }

    #[test]
    fn overlong_varint_is_rejected() {
        // Payload: license id (16 raw bytes) then the product string, whose
        // length varint we rewrite from `08` to the overlong `88 00`.
        let bytes = encode_claims(&sample()).unwrap_or_default();
        assert_eq!(bytes[16], 8);
        let mut overlong = bytes[..16].to_vec();
        overlong.extend_from_slice(&[0x88, 0x00]);
        overlong.extend_from_slice(&bytes[17..]);
        assert_eq!(
            decode_claims(&overlong),
            Err(Error::MalformedPayload {
                reason: "non-canonical encoding"
            })
        );
    }

    #[test]
    fn trailing_and_truncated() {
        let mut bytes = encode_claims(&sample()).unwrap_or_default();
        assert_eq!(
            decode_claims(&bytes[..bytes.len() - 1]),
            Err(Error::Truncated)
        );
        bytes.push(0);
        assert_eq!(
            decode_claims(&bytes),
            Err(Error::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn revocations_round_trip_and_reject_unsorted() {
        let ids = [
            LicenseId::from_bytes([1; 16]),
            LicenseId::from_bytes([2; 16]),
        ];
        let t = Timestamp::from_unix_seconds(5);
        let bytes = encode_revocations("p", 3, t, &ids).unwrap_or_default();
        let decoded = decode_revocations(&bytes).ok();
        assert_eq!(
            decoded.map(|d| (d.serial, d.revoked)),
            Some((3, ids.to_vec()))
        );
        let unsorted = encode_revocations("p", 3, t, &[ids[1], ids[0]]).unwrap_or_default();
        assert!(decode_revocations(&unsorted).is_err());
        let dup = encode_revocations("p", 3, t, &[ids[0], ids[0]]).unwrap_or_default();
        assert!(decode_revocations(&dup).is_err());
    }

    #[test]
    fn revocations_over_the_id_cap_are_refused() {
        // One id over the cap still fits the byte cap, so the count is
        // checked on its own.
        let ids: Vec<LicenseId> = (0..=MAX_REVOKED_IDS as u64)
            .map(|i| {
                let mut b = [0u8; 16];
                b[8..].copy_from_slice(&i.to_be_bytes());
                LicenseId::from_bytes(b)
            })
            .collect();
        let t = Timestamp::from_unix_seconds(5);
        let over = encode_revocations("p", 3, t, &ids).unwrap_or_default();
        // Within the byte cap (`MAX_REVOCATION_LIST_LEN`).
        assert!(over.len() < MAX_REVOKED_IDS * 16 + 1024);
        assert_eq!(
            decode_revocations(&over).err(),
            Some(Error::MalformedPayload {
                reason: "more revoked ids than MAX_REVOKED_IDS"
            })
        );
        let at_cap = encode_revocations("p", 3, t, &ids[..MAX_REVOKED_IDS]).unwrap_or_default();
        assert_eq!(
            decode_revocations(&at_cap).map(|d| d.revoked.len()),
            Ok(MAX_REVOKED_IDS)
        );
    }
}

//! The postcard encoding of payloads (format version 1), read and written
//! by hand: no serde in the path of a license check.
//!
//! Field order and types here *are* the format: changing them needs a new
//! [`FORMAT_VERSION`](crate::FORMAT_VERSION). `docs/FORMAT.md` describes the
//! same layout byte by byte.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use crate::claims::{Claims, ClaimsError, Customer, MachineBinding, MatchPolicy};
use crate::error::Error;
use crate::ids::{Fingerprint, LicenseId, QuotaId};
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;
use crate::time::Timestamp;

// The payloads, field by field, in the order of the format. Each has a
// hand-written decoder and encoder below (docs/FORMAT.md section 2: the
// encodings of postcard 1.x for these types); the tests hold them equal to
// postcard's serde encoding of the same structs, which is why the structs
// derive serde there.

#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize, Debug, PartialEq))]
enum WirePolicy {
    Any,
    All,
    AtLeast(u8),
}

#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize, Debug, PartialEq))]
struct WireBinding {
    policy: WirePolicy,
    fingerprints: Vec<[u8; 32]>,
}

/// License payload, format version 1.
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize, Debug, PartialEq))]
struct WireLicense<'a> {
    license_id: [u8; 16],
    product: &'a str,
    customer_id: &'a str,
    customer_name: Option<&'a str>,
    customer_email: Option<&'a str>,
    tier: &'a str,
    /// Module bitset, little-endian bytes, no trailing zero byte.
    #[cfg_attr(test, serde(borrow))]
    modules: &'a [u8],
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
    #[cfg_attr(test, serde(borrow))]
    metadata: Vec<(&'a str, &'a str)>,
}

/// Revocation list payload, format version 1.
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize, Debug, PartialEq))]
struct WireRevocations<'a> {
    product: &'a str,
    serial: u64,
    issued_at: u64,
    /// Concatenated 16-byte license ids, strictly ascending.
    #[cfg_attr(test, serde(borrow))]
    revoked: &'a [u8],
}

/// Activation request payload, format version 1.
#[cfg_attr(test, derive(serde::Serialize, serde::Deserialize, Debug, PartialEq))]
struct WireActivationRequest<'a> {
    product: &'a str,
    fingerprint: [u8; 32],
    customer_id: Option<&'a str>,
    license_id: Option<[u8; 16]>,
    nonce: [u8; 16],
    /// Unix seconds.
    created_at: u64,
}

/// Reads the primitive encodings strictly, in the order postcard's decoder
/// fails: a structural error (truncated, a bad tag, invalid UTF-8) as it
/// comes; then bytes left over ([`Error::TrailingBytes`]); then an overlong
/// varint anywhere ("non-canonical encoding"), which [`Reader::finish`]
/// reports. Lengths are never trusted for an allocation.
struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    overlong: bool,
}

const INVALID_TAG: Error = Error::MalformedPayload {
    reason: "invalid tag",
};

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            position: 0,
            overlong: false,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.position.checked_add(n).ok_or(Error::Truncated)?;
        let taken = self.bytes.get(self.position..end).ok_or(Error::Truncated)?;
        self.position = end;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let byte = *self.bytes.get(self.position).ok_or(Error::Truncated)?;
        self.position += 1;
        Ok(byte)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// An unsigned LEB128 of at most `max_bytes` bytes, the last of them at
    /// most `last_max`.
    fn varint(&mut self, max_bytes: u32, last_max: u8) -> Result<u64, Error> {
        let mut value = 0u64;
        for i in 0..max_bytes {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if i + 1 == max_bytes && byte > last_max {
                    break;
                }
                // A last group of zero bits after the first byte: the same
                // number has a shorter spelling.
                self.overlong |= i > 0 && byte == 0;
                return Ok(value);
            }
        }
        Err(Error::MalformedPayload {
            reason: "invalid varint",
        })
    }

    fn u64(&mut self) -> Result<u64, Error> {
        self.varint(10, 0x01)
    }

    fn zigzag(&mut self) -> Result<i64, Error> {
        let v = self.u64()?;
        // The zigzag mapping is a bijection of the 64-bit patterns.
        #[allow(clippy::cast_possible_wrap)]
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// An enum's variant index (postcard writes it as a `u32` varint).
    fn variant(&mut self) -> Result<u64, Error> {
        self.varint(5, 0x0f)
    }

    /// A length: whatever it says, only what follows can satisfy it.
    fn len(&mut self) -> Result<usize, Error> {
        usize::try_from(self.u64()?).map_err(|_| Error::Truncated)
    }

    fn bytes(&mut self) -> Result<&'a [u8], Error> {
        let n = self.len()?;
        self.take(n)
    }

    fn str(&mut self) -> Result<&'a str, Error> {
        core::str::from_utf8(self.bytes()?).map_err(|_| Error::MalformedPayload {
            reason: "a string is not valid UTF-8",
        })
    }

    /// An option's tag: `0x00` none, `0x01` some.
    fn some(&mut self) -> Result<bool, Error> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(INVALID_TAG),
        }
    }

    fn option_str(&mut self) -> Result<Option<&'a str>, Error> {
        Ok(if self.some()? {
            Some(self.str()?)
        } else {
            None
        })
    }

    /// A sequence: its count, then `read` for each item.
    fn seq<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let count = self.len()?;
        // Each item takes at least one byte: no more than are left.
        let mut items = Vec::with_capacity(count.min(self.bytes.len() - self.position));
        for _ in 0..count {
            items.push(read(self)?);
        }
        Ok(items)
    }

    fn finish(self) -> Result<(), Error> {
        let count = self.bytes.len() - self.position;
        if count > 0 {
            return Err(Error::TrailingBytes { count });
        }
        if self.overlong {
            return Err(Error::MalformedPayload {
                reason: "non-canonical encoding",
            });
        }
        Ok(())
    }
}

/// Writes the primitive encodings (the canonical ones).
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // The low seven bits, with the continuation bit.
            self.out.push((value & 0x7f) as u8 | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    #[cfg(any(feature = "sign", test))]
    fn zigzag(&mut self, value: i64) {
        #[allow(clippy::cast_sign_loss)] // the bit pattern is the point
        self.varint(((value << 1) ^ (value >> 63)) as u64);
    }

    fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.out.extend_from_slice(bytes);
    }

    fn option_str(&mut self, value: Option<&str>) {
        match value {
            None => self.out.push(0),
            Some(s) => {
                self.out.push(1);
                self.bytes(s.as_bytes());
            }
        }
    }
}

fn read_license<'a>(r: &mut Reader<'a>) -> Result<WireLicense<'a>, Error> {
    Ok(WireLicense {
        license_id: r.array()?,
        product: r.str()?,
        customer_id: r.str()?,
        customer_name: r.option_str()?,
        customer_email: r.option_str()?,
        tier: r.str()?,
        modules: r.bytes()?,
        quotas: r.seq(|r| Ok((r.byte()?, r.u64()?)))?,
        issued_at: r.u64()?,
        starts_offset: r.zigzag()?,
        valid_for: if r.some()? { Some(r.u64()?) } else { None },
        grace: r.u64()?,
        binding: if r.some()? {
            Some(WireBinding {
                policy: match r.variant()? {
                    0 => WirePolicy::Any,
                    1 => WirePolicy::All,
                    2 => WirePolicy::AtLeast(r.byte()?),
                    _ => {
                        return Err(Error::MalformedPayload {
                            reason: "does not match the payload structure",
                        });
                    }
                },
                fingerprints: r.seq(Reader::array)?,
            })
        } else {
            None
        },
        metadata: r.seq(|r| Ok((r.str()?, r.str()?)))?,
    })
}

#[cfg(any(feature = "sign", test))]
fn write_license(wire: &WireLicense<'_>) -> Vec<u8> {
    let mut w = Writer::default();
    w.out.extend_from_slice(&wire.license_id);
    w.bytes(wire.product.as_bytes());
    w.bytes(wire.customer_id.as_bytes());
    w.option_str(wire.customer_name);
    w.option_str(wire.customer_email);
    w.bytes(wire.tier.as_bytes());
    w.bytes(wire.modules);
    w.len(wire.quotas.len());
    for (id, limit) in &wire.quotas {
        w.out.push(*id);
        w.varint(*limit);
    }
    w.varint(wire.issued_at);
    w.zigzag(wire.starts_offset);
    match wire.valid_for {
        None => w.out.push(0),
        Some(d) => {
            w.out.push(1);
            w.varint(d);
        }
    }
    w.varint(wire.grace);
    match &wire.binding {
        None => w.out.push(0),
        Some(b) => {
            w.out.push(1);
            match b.policy {
                WirePolicy::Any => w.varint(0),
                WirePolicy::All => w.varint(1),
                WirePolicy::AtLeast(n) => {
                    w.varint(2);
                    w.out.push(n);
                }
            }
            w.len(b.fingerprints.len());
            for f in &b.fingerprints {
                w.out.extend_from_slice(f);
            }
        }
    }
    w.len(wire.metadata.len());
    for (k, v) in &wire.metadata {
        w.bytes(k.as_bytes());
        w.bytes(v.as_bytes());
    }
    w.out
}

fn read_revocations<'a>(r: &mut Reader<'a>) -> Result<WireRevocations<'a>, Error> {
    Ok(WireRevocations {
        product: r.str()?,
        serial: r.u64()?,
        issued_at: r.u64()?,
        revoked: r.bytes()?,
    })
}

#[cfg(any(feature = "sign", test))]
fn write_revocations(wire: &WireRevocations<'_>) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes(wire.product.as_bytes());
    w.varint(wire.serial);
    w.varint(wire.issued_at);
    w.bytes(wire.revoked);
    w.out
}

fn read_activation_request<'a>(r: &mut Reader<'a>) -> Result<WireActivationRequest<'a>, Error> {
    Ok(WireActivationRequest {
        product: r.str()?,
        fingerprint: r.array()?,
        customer_id: r.option_str()?,
        license_id: if r.some()? { Some(r.array()?) } else { None },
        nonce: r.array()?,
        created_at: r.u64()?,
    })
}

fn write_activation_request(wire: &WireActivationRequest<'_>) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes(wire.product.as_bytes());
    w.out.extend_from_slice(&wire.fingerprint);
    w.option_str(wire.customer_id);
    match &wire.license_id {
        None => w.out.push(0),
        Some(id) => {
            w.out.push(1);
            w.out.extend_from_slice(id);
        }
    }
    w.out.extend_from_slice(&wire.nonce);
    w.varint(wire.created_at);
    w.out
}

/// Decodes the whole of `bytes` with `read`: no trailing bytes, canonical
/// encoding.
fn decode_exact<'a, T>(
    bytes: &'a [u8],
    read: fn(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut reader = Reader::new(bytes);
    let value = read(&mut reader)?;
    reader.finish()?;
    Ok(value)
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
        modules: module_bytes.get(..module_len).unwrap_or_default(),
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
    Ok(write_license(&wire))
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
    let wire = decode_exact(payload, read_license)?;
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
    let modules = ModuleSet::from_wire(wire.modules).ok_or(Error::MalformedPayload {
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
    Ok(write_revocations(&WireRevocations {
        product,
        serial,
        issued_at: issued_at.unix_seconds(),
        revoked: &ids,
    }))
}

pub(crate) fn decode_revocations(payload: &[u8]) -> Result<RevocationPayload, Error> {
    let wire = decode_exact(payload, read_revocations)?;
    if wire.product.is_empty() {
        return Err(ClaimsError::EmptyProduct.into());
    }
    let chunks = wire.revoked.chunks_exact(16);
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
    let mut revoked = Vec::with_capacity(wire.revoked.len() / 16);
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
    if wire.issued_at > Timestamp::LATEST.unix_seconds() {
        return Err(ClaimsError::TimeOutOfRange.into());
    }
    Ok(RevocationPayload {
        product: wire.product.to_string(),
        serial: wire.serial,
        issued_at: Timestamp::from_unix_seconds(wire.issued_at),
        revoked,
    })
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
    Ok(write_activation_request(&WireActivationRequest {
        product: &request.product,
        fingerprint: *request.fingerprint.as_bytes(),
        customer_id: request.customer_id.as_deref(),
        license_id: request.license_id.map(|id| *id.as_bytes()),
        nonce: request.nonce,
        created_at: request.created_at.unix_seconds(),
    }))
}

/// Decodes an activation request payload: the whole of `payload`,
/// canonical.
pub(crate) fn decode_activation_request(payload: &[u8]) -> Result<ActivationRequestPayload, Error> {
    let wire = decode_exact(payload, read_activation_request)?;
    if wire.created_at > Timestamp::LATEST.unix_seconds() {
        return Err(ClaimsError::TimeOutOfRange.into());
    }
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
    use alloc::vec;
    use proptest::prelude::*;

    /// The decoder this one replaced, kept as the reference: postcard's
    /// serde decoding of the same structs, then trailing bytes, then
    /// canonical (re-encoded by postcard, compared byte for byte), with
    /// postcard's errors mapped as they were.
    fn reference_decode<'a, T: serde::Deserialize<'a> + serde::Serialize>(
        bytes: &'a [u8],
    ) -> Result<T, Error> {
        use postcard::Error as P;
        let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| match e {
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
        })?;
        if !rest.is_empty() {
            return Err(Error::TrailingBytes { count: rest.len() });
        }
        if postcard::to_allocvec(&value).ok().as_deref() != Some(bytes) {
            return Err(Error::MalformedPayload {
                reason: "non-canonical encoding",
            });
        }
        Ok(value)
    }

    /// Owned parts of a license payload, to borrow a `WireLicense` from.
    #[derive(Debug, Clone)]
    struct Parts {
        id: [u8; 16],
        texts: Vec<String>,
        optional: (Option<String>, Option<String>),
        modules: Vec<u8>,
        quotas: Vec<(u8, u64)>,
        times: (u64, i64, Option<u64>, u64),
        binding: Option<(u8, u8, Vec<[u8; 32]>)>,
        metadata: Vec<(String, String)>,
    }

    impl Parts {
        fn wire(&self) -> WireLicense<'_> {
            let text = |i: usize| self.texts.get(i).map_or("", String::as_str);
            WireLicense {
                license_id: self.id,
                product: text(0),
                customer_id: text(1),
                customer_name: self.optional.0.as_deref(),
                customer_email: self.optional.1.as_deref(),
                tier: text(2),
                modules: &self.modules,
                quotas: self.quotas.clone(),
                issued_at: self.times.0,
                starts_offset: self.times.1,
                valid_for: self.times.2,
                grace: self.times.3,
                binding: self.binding.as_ref().map(|(p, n, f)| WireBinding {
                    policy: match p % 3 {
                        0 => WirePolicy::Any,
                        1 => WirePolicy::All,
                        _ => WirePolicy::AtLeast(*n),
                    },
                    fingerprints: f.clone(),
                }),
                metadata: self
                    .metadata
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            }
        }
    }

    /// Integers of every varint length, not only the large ones.
    fn any_u64() -> impl Strategy<Value = u64> {
        (0u32..64, any::<u64>()).prop_map(|(bits, v)| v >> bits)
    }

    fn parts() -> impl Strategy<Value = Parts> {
        let text = "\\PC{0,5}";
        (
            any::<[u8; 16]>(),
            proptest::collection::vec(text, 3),
            (proptest::option::of(text), proptest::option::of(text)),
            proptest::collection::vec(any::<u8>(), 0..4),
            proptest::collection::vec((any::<u8>(), any_u64()), 0..3),
            (
                any_u64(),
                any::<i64>(),
                proptest::option::of(any_u64()),
                any_u64(),
            ),
            proptest::option::of((
                any::<u8>(),
                any::<u8>(),
                proptest::collection::vec(any::<[u8; 32]>(), 0..2),
            )),
            proptest::collection::vec((text, text), 0..3),
        )
            .prop_map(
                |(id, texts, optional, modules, quotas, times, binding, metadata)| Parts {
                    id,
                    texts,
                    optional,
                    modules,
                    quotas,
                    times,
                    binding,
                    metadata,
                },
            )
    }

    /// A valid encoding changed: one byte replaced, removed or added, or
    /// a varint made overlong, or cut short.
    fn damage(mut bytes: Vec<u8>, at: prop::sample::Index, byte: u8, how: u8) -> Vec<u8> {
        if bytes.is_empty() {
            return vec![byte];
        }
        let i = at.index(bytes.len());
        match how {
            0 => bytes[i] = byte,
            1 => {
                bytes.remove(i);
            }
            2 => bytes.insert(i, byte),
            3 => {
                // A byte without its high bit gains one and a zero group.
                if bytes[i] < 0x80 {
                    bytes[i] |= 0x80;
                    bytes.insert(i + 1, 0);
                }
            }
            _ => bytes.truncate(i),
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The encoder writes postcard's bytes for every license payload,
        /// and the decoder reads them back.
        #[test]
        fn licenses_encode_as_postcard_and_decode_back(parts in parts()) {
            let wire = parts.wire();
            let ours = write_license(&wire);
            prop_assert_eq!(Some(ours.clone()), postcard::to_allocvec(&wire).ok());
            prop_assert_eq!(decode_exact(&ours, read_license), Ok(wire));
        }

        /// Differential against postcard: any damage to a valid payload is
        /// accepted or refused as postcard's decoder and canonical check
        /// did, with the same error.
        #[test]
        fn damaged_licenses_decode_as_postcard_decoded_them(
            parts in parts(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            how in 0u8..5,
        ) {
            let bytes = damage(write_license(&parts.wire()), at, byte, how);
            prop_assert_eq!(
                decode_exact(&bytes, read_license),
                reference_decode::<WireLicense<'_>>(&bytes)
            );
        }

        #[test]
        fn revocations_and_requests_match_postcard(
            product in "\\PC{0,5}",
            numbers in (any_u64(), any_u64()),
            revoked in proptest::collection::vec(any::<u8>(), 0..40),
            request in (any::<[u8; 32]>(), proptest::option::of("\\PC{0,5}"), proptest::option::of(any::<[u8; 16]>()), any::<[u8; 16]>()),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            how in 0u8..5,
        ) {
            let list = WireRevocations { product: &product, serial: numbers.0, issued_at: numbers.1, revoked: &revoked };
            let bytes = write_revocations(&list);
            prop_assert_eq!(Some(bytes.clone()), postcard::to_allocvec(&list).ok());
            prop_assert_eq!(decode_exact(&bytes, read_revocations), Ok(list));
            let damaged = damage(bytes, at, byte, how);
            prop_assert_eq!(decode_exact(&damaged, read_revocations), reference_decode::<WireRevocations<'_>>(&damaged));

            let (fingerprint, customer_id, license_id, nonce) = request;
            let request = WireActivationRequest { product: &product, fingerprint, customer_id: customer_id.as_deref(), license_id, nonce, created_at: numbers.0 };
            let bytes = write_activation_request(&request);
            prop_assert_eq!(Some(bytes.clone()), postcard::to_allocvec(&request).ok());
            prop_assert_eq!(decode_exact(&bytes, read_activation_request), Ok(request));
            let damaged = damage(bytes, at, byte, how);
            prop_assert_eq!(decode_exact(&damaged, read_activation_request), reference_decode::<WireActivationRequest<'_>>(&damaged));
        }

        /// Random bytes, not only damaged payloads.
        #[test]
        fn any_bytes_decode_as_postcard_decoded_them(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            prop_assert_eq!(decode_exact(&bytes, read_license), reference_decode::<WireLicense<'_>>(&bytes));
            prop_assert_eq!(decode_exact(&bytes, read_revocations), reference_decode::<WireRevocations<'_>>(&bytes));
        }
    }

    #[test]
    fn a_time_after_9999_is_refused_when_read() {
        let latest = Timestamp::LATEST.unix_seconds();
        let parts = |issued: u64, offset: i64, valid_for: Option<u64>| Parts {
            id: [7; 16],
            texts: vec!["p".into(), "c".into(), "t".into()],
            optional: (None, None),
            modules: Vec::new(),
            quotas: Vec::new(),
            times: (issued, offset, valid_for, 0),
            binding: None,
            metadata: Vec::new(),
        };
        let late = Err(Error::InvalidClaims(ClaimsError::TimeOutOfRange));
        // The last second is a time like any other; one more is not.
        assert!(decode_claims(&write_license(&parts(latest, 0, None).wire())).is_ok());
        assert!(decode_claims(&write_license(&parts(latest - 10, 0, Some(10)).wire())).is_ok());
        for (issued, offset, valid_for) in [
            (latest + 1, 0, None),
            (latest, 1, None),
            (latest - 10, 0, Some(11)),
            (latest - 10, 5, Some(6)),
        ] {
            let claims = decode_claims(&write_license(&parts(issued, offset, valid_for).wire()));
            assert_eq!(claims.map(|_| ()), late, "{issued} {offset} {valid_for:?}");
        }
        let list = |issued_at| {
            write_revocations(&WireRevocations {
                product: "p",
                serial: 1,
                issued_at,
                revoked: &[],
            })
        };
        assert!(decode_revocations(&list(latest)).is_ok());
        assert_eq!(decode_revocations(&list(latest + 1)).map(|_| ()), late);
    }

    #[test]
    fn varints_at_their_limits() {
        let read = |bytes: &[u8]| decode_exact(bytes, |r| r.u64());
        assert_eq!(read(&[0x00]), Ok(0));
        assert_eq!(read(&[0x7f]), Ok(127));
        assert_eq!(read(&[0x80, 0x01]), Ok(128));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(read(&max), Ok(u64::MAX));
        let mut too_big = max;
        too_big[9] = 0x02;
        let invalid = Err(Error::MalformedPayload {
            reason: "invalid varint",
        });
        assert_eq!(read(&too_big), invalid);
        assert_eq!(read(&[0x80; 11]), invalid);
        assert_eq!(read(&[0x80; 3]), Err(Error::Truncated));
        assert_eq!(
            read(&[0x80, 0x00]),
            Err(Error::MalformedPayload {
                reason: "non-canonical encoding"
            })
        );
        let mut w = Writer::default();
        w.varint(u64::MAX);
        w.zigzag(i64::MIN);
        assert_eq!(w.out.len(), 20);
        let mut r = Reader::new(&w.out);
        assert_eq!((r.u64(), r.zigzag()), (Ok(u64::MAX), Ok(i64::MIN)));
        assert_eq!(r.finish(), Ok(()));
    }

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

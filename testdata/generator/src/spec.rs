//! An independent encoder of the version 1 format, written from
//! `docs/FORMAT.md` rather than from the library's code: it checks the spec
//! against the library and builds negative vectors the library refuses to
//! write.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use licman_core::{Claims, MatchPolicy, QuotaLimit, SigningKey};

use crate::Result;

pub(crate) const LICENSE_CONTEXT: &[u8] = b"licman/license\0";
pub(crate) const REVOCATION_CONTEXT: &[u8] = b"licman/revocation-list\0";

fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn bytes(out: &mut Vec<u8>, data: &[u8]) {
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

fn option_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            bytes(out, s.as_bytes());
        }
    }
}

/// The payload fields, in wire order, as plain values that can be set to
/// anything (including what the library would refuse).
pub(crate) struct RawClaims {
    license_id: [u8; 16],
    product: String,
    customer_id: String,
    customer_name: Option<String>,
    customer_email: Option<String>,
    tier: String,
    modules: Vec<u8>,
    pub(crate) quotas: Vec<(u8, u64)>,
    issued_at: u64,
    starts_offset: i64,
    pub(crate) valid_for: Option<u64>,
    grace: u64,
    binding: Option<(u8, u8, Vec<[u8; 32]>)>,
    metadata: Vec<(String, String)>,
    /// Encode `issued_at` with one redundant continuation byte.
    pub(crate) overlong_issued_at: bool,
}

impl RawClaims {
    pub(crate) fn from_claims(c: &Claims) -> Result<Self> {
        let mut modules = vec![0u8; 32];
        for m in &c.modules {
            modules[usize::from(m.0 / 8)] |= 1 << (m.0 % 8);
        }
        while modules.last() == Some(&0) {
            modules.pop();
        }
        let issued = c.issued_at.unix_seconds();
        let start = c.starts_at.unix_seconds();
        Ok(RawClaims {
            license_id: *c.license_id.as_bytes(),
            product: c.product.clone(),
            customer_id: c.customer.id.clone(),
            customer_name: c.customer.name.clone(),
            customer_email: c.customer.email.clone(),
            tier: c.tier.clone(),
            modules,
            quotas: c
                .quotas
                .iter()
                .map(|(id, limit)| {
                    (
                        id.0,
                        match limit {
                            QuotaLimit::Unlimited => 0,
                            QuotaLimit::Limited(n) => n + 1,
                        },
                    )
                })
                .collect(),
            issued_at: issued,
            starts_offset: i64::try_from(start)? - i64::try_from(issued)?,
            valid_for: c.expires_at.map(|e| e.unix_seconds() - start),
            grace: c.grace_period.as_secs(),
            binding: c.machine_binding.as_ref().map(|b| {
                let (tag, n) = match b.policy() {
                    MatchPolicy::Any => (0, 0),
                    MatchPolicy::All => (1, 0),
                    MatchPolicy::AtLeast(n) => (2, n),
                };
                (
                    tag,
                    n,
                    b.fingerprints().iter().map(|f| *f.as_bytes()).collect(),
                )
            }),
            metadata: c
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            overlong_issued_at: false,
        })
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.license_id);
        bytes(&mut out, self.product.as_bytes());
        bytes(&mut out, self.customer_id.as_bytes());
        option_str(&mut out, self.customer_name.as_deref());
        option_str(&mut out, self.customer_email.as_deref());
        bytes(&mut out, self.tier.as_bytes());
        bytes(&mut out, &self.modules);
        varint(&mut out, self.quotas.len() as u64);
        for (id, value) in &self.quotas {
            out.push(*id);
            varint(&mut out, *value);
        }
        if self.overlong_issued_at {
            let mut v = Vec::new();
            varint(&mut v, self.issued_at);
            if let Some(last) = v.last_mut() {
                *last |= 0x80;
            }
            v.push(0);
            out.extend_from_slice(&v);
        } else {
            varint(&mut out, self.issued_at);
        }
        varint(&mut out, zigzag(self.starts_offset));
        match self.valid_for {
            None => out.push(0),
            Some(d) => {
                out.push(1);
                varint(&mut out, d);
            }
        }
        varint(&mut out, self.grace);
        match &self.binding {
            None => out.push(0),
            Some((tag, n, fps)) => {
                out.push(1);
                varint(&mut out, u64::from(*tag));
                if *tag == 2 {
                    out.push(*n);
                }
                varint(&mut out, fps.len() as u64);
                for fp in fps {
                    out.extend_from_slice(fp);
                }
            }
        }
        varint(&mut out, self.metadata.len() as u64);
        for (k, v) in &self.metadata {
            bytes(&mut out, k.as_bytes());
            bytes(&mut out, v.as_bytes());
        }
        out
    }
}

pub(crate) fn encode_claims(claims: &Claims) -> Result<Vec<u8>> {
    Ok(RawClaims::from_claims(claims)?.encode())
}

/// `version 1 | key id | payload | Ed25519(context | version | key id | payload)`.
pub(crate) fn seal(key: &SigningKey, context: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut envelope = vec![1u8];
    envelope.extend_from_slice(key.key_id().as_bytes());
    envelope.extend_from_slice(payload);
    let mut message = context.to_vec();
    message.extend_from_slice(&envelope);
    let signing = ed25519_dalek::SigningKey::from_bytes(&key.to_seed());
    envelope.extend_from_slice(&signing.sign(&message).to_bytes());
    envelope
}

pub(crate) fn compact(bytes: &[u8]) -> String {
    format!("lm1_{}", URL_SAFE_NO_PAD.encode(bytes))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A different last base64url character that decodes to the same bytes
/// (its unused low bits set).
pub(crate) fn non_canonical_last_char(last: char, byte_len: usize) -> Result<char> {
    let unused_bits = match byte_len % 3 {
        1 => 4,
        2 => 2,
        _ => return Err("a length divisible by 3 has no unused bits".into()),
    };
    let index = ALPHABET
        .iter()
        .position(|&c| char::from(c) == last)
        .ok_or("not base64url")?;
    let mask = (1usize << unused_bits) - 1;
    Ok(char::from(ALPHABET[index | mask]))
}

/// The identity point (y = 1): a weak key, in the public key text form with
/// its correct key id.
pub(crate) fn weak_public_key_text() -> String {
    let mut key = [0u8; 32];
    key[0] = 1;
    text_with_id(&key, *licman_core::KeyId::of_public_key(&key).as_bytes())
}

/// A key's text form with a different key id written into it.
pub(crate) fn public_key_text_with_id(key: &SigningKey, id: [u8; 8]) -> String {
    text_with_id(&key.public_key().to_bytes(), id)
}

fn text_with_id(key: &[u8; 32], id: [u8; 8]) -> String {
    let mut bytes = id.to_vec();
    bytes.extend_from_slice(key);
    format!("lmpk1_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// An activation request's fields in wire order (docs/FORMAT.md, 9b), as
/// plain values that can be set to anything.
pub(crate) struct RawRequest {
    pub(crate) version: u8,
    pub(crate) product: String,
    pub(crate) fingerprint: [u8; 32],
    pub(crate) customer_id: Option<String>,
    pub(crate) license_id: Option<[u8; 16]>,
    pub(crate) nonce: [u8; 16],
    pub(crate) created_at: u64,
    /// Bytes appended after the payload (inside the checksum).
    pub(crate) trailing: Vec<u8>,
}

impl RawRequest {
    /// `version ‖ payload ‖ checksum`, the checksum computed over whatever
    /// came before it.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.version];
        bytes(&mut out, self.product.as_bytes());
        out.extend_from_slice(&self.fingerprint);
        option_str(&mut out, self.customer_id.as_deref());
        match self.license_id {
            None => out.push(0),
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id);
            }
        }
        out.extend_from_slice(&self.nonce);
        varint(&mut out, self.created_at);
        out.extend_from_slice(&self.trailing);
        let sum = request_checksum(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// The compact text of [`encode`](Self::encode).
    pub(crate) fn text(&self) -> String {
        format!("lmreq1_{}", URL_SAFE_NO_PAD.encode(self.encode()))
    }
}

/// The first 4 bytes of SHA-256(`licman/activation-request\0` ‖ body).
pub(crate) fn request_checksum(body: &[u8]) -> [u8; 4] {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    hash.update(b"licman/activation-request\0");
    hash.update(body);
    let digest = hash.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

//! Signed revocation lists.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::Error;
use crate::format::{Armor, ContextualEnvelope, EnvelopeKind};
use crate::ids::{KeyId, LicenseId};
use crate::keys::KeyRing;
use crate::time::Timestamp;
use crate::wire::{RevocationPayload, decode_revocations};

/// Domain-separation context of revocation list signatures: a license
/// signature can never verify as a revocation list, nor the reverse.
pub(crate) const REVOCATION_CONTEXT: &[u8] = b"licman/revocation-list\0";

pub use crate::wire::MAX_REVOKED_IDS;

/// Largest binary revocation list accepted, in bytes.
pub const MAX_REVOCATION_LIST_LEN: usize = MAX_REVOKED_IDS * 16 + 1024;

/// Largest armored revocation list accepted, in bytes (base64url with line
/// breaks of the largest list, CRLF included).
pub const MAX_REVOCATION_TEXT_LEN: usize =
    (MAX_REVOCATION_LIST_LEN.div_ceil(3) * 4) / 64 * 66 + 1024;

/// Header and footer lines of an armored revocation list.
pub const REVOCATION_ARMOR: Armor = Armor {
    begin: "-----BEGIN LICMAN REVOCATION LIST-----",
    end: "-----END LICMAN REVOCATION LIST-----",
};

/// Revocation lists: armored only.
pub(crate) static REVOCATION_KIND: EnvelopeKind = EnvelopeKind {
    context: REVOCATION_CONTEXT,
    prefix: None,
    armor: REVOCATION_ARMOR,
    max_len: MAX_REVOCATION_LIST_LEN,
    max_text_len: MAX_REVOCATION_TEXT_LEN,
};

/// A parsed revocation list whose signature has not been checked.
///
/// ```
/// use licman_core::*;
/// # let key = SigningKey::from_seed(&[1; 32]);
/// let id = LicenseId::from_bytes([5; 16]);
/// let text = key.issue_revocation_list("netaudit", 7, Timestamp::from_unix_seconds(0), [id])?.to_armored();
/// let unverified = UnverifiedRevocationList::parse(&text)?;
/// assert_eq!(unverified.serial(), 7);
/// # Ok::<(), licman_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedRevocationList {
    bytes: ContextualEnvelope,
    key_id: KeyId,
    product: String,
    serial: u64,
    issued_at: Timestamp,
    revoked: Vec<LicenseId>,
}

impl UnverifiedRevocationList {
    /// Parses the armored text form.
    ///
    /// ```
    /// # use licman_core::{Error, UnverifiedRevocationList};
    /// assert!(matches!(UnverifiedRevocationList::parse("lm1_AAAA"), Err(Error::WrongPrefix { .. })));
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        Self::from_envelope(ContextualEnvelope::from_armored(&REVOCATION_KIND, text)?)
    }

    /// Parses the binary form.
    ///
    /// ```
    /// # use licman_core::{Error, UnverifiedRevocationList};
    /// assert_eq!(UnverifiedRevocationList::from_bytes(&[]), Err(Error::Truncated));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_envelope(ContextualEnvelope::from_bytes(&REVOCATION_KIND, bytes)?)
    }

    fn from_envelope(bytes: ContextualEnvelope) -> Result<Self, Error> {
        let (envelope, _) = bytes.open()?;
        let key_id = envelope.key_id;
        let RevocationPayload {
            product,
            serial,
            issued_at,
            revoked,
        } = decode_revocations(envelope.payload)?;
        Ok(UnverifiedRevocationList {
            key_id,
            bytes,
            product,
            serial,
            issued_at,
            revoked,
        })
    }

    /// The id of the key the list says it was signed with.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 1, Timestamp::UNIX_EPOCH, [])?;
    /// assert_eq!(list.key_id(), key.key_id());
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The product (untrusted until verified).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 1, Timestamp::UNIX_EPOCH, [])?;
    /// assert_eq!(list.product(), "p");
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn product(&self) -> &str {
        &self.product
    }

    /// The serial number (untrusted until verified). Each new list gets a
    /// higher serial.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 4, Timestamp::UNIX_EPOCH, [])?;
    /// assert_eq!(list.serial(), 4);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// When the list was issued (untrusted until verified).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 4, Timestamp::UNIX_EPOCH, [])?;
    /// assert_eq!(list.issued_at(), Timestamp::UNIX_EPOCH);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// The revoked ids, ascending (untrusted until verified).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 4, Timestamp::UNIX_EPOCH, [LicenseId::from_bytes([1; 16])])?;
    /// assert_eq!(list.untrusted_revoked().len(), 1);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn untrusted_revoked(&self) -> &[LicenseId] {
        &self.revoked
    }

    /// The binary form.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 4, Timestamp::UNIX_EPOCH, [])?;
    /// assert_eq!(UnverifiedRevocationList::from_bytes(list.as_bytes())?, list);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.envelope()
    }

    /// The armored text form.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("p", 4, Timestamp::UNIX_EPOCH, [])?;
    /// assert!(list.to_armored().starts_with("-----BEGIN LICMAN REVOCATION LIST-----\n"));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_armored(&self) -> String {
        self.bytes.to_armored()
    }

    /// Verifies the signature under the key ring (strict Ed25519, the
    /// revocation-list domain) and that the list is for `product`.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let list = key.issue_revocation_list("netaudit", 4, Timestamp::UNIX_EPOCH, [])?;
    /// let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// assert!(list.clone().verify(&ring, "netaudit").is_ok());
    /// assert!(matches!(list.verify(&ring, "other"), Err(Error::WrongProduct { .. })));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn verify(self, ring: &KeyRing, product: &str) -> Result<RevocationList, Error> {
        let (envelope, message) = self.bytes.open()?;
        ring.verify_signature(envelope.key_id, message, &envelope.signature)?;
        if self.product != product {
            return Err(Error::WrongProduct {
                expected: product.to_string(),
                found: self.product,
            });
        }
        Ok(RevocationList {
            key_id: self.key_id,
            serial: self.serial,
            issued_at: self.issued_at,
            revoked: self.revoked,
        })
    }
}

/// A verified revocation list. [`contains`](Self::contains) is a binary
/// search over the sorted ids.
///
/// ```
/// use licman_core::*;
/// # let key = SigningKey::from_seed(&[1; 32]);
/// # let ring = KeyRing::from_keys([key.public_key().clone()]);
/// let revoked = LicenseId::from_bytes([5; 16]);
/// let text = key.issue_revocation_list("netaudit", 2, Timestamp::UNIX_EPOCH, [revoked])?.to_armored();
/// let list = RevocationList::verify(&text, &ring, "netaudit")?;
/// assert!(list.contains(&revoked));
/// assert!(!list.contains(&LicenseId::from_bytes([6; 16])));
/// # Ok::<(), licman_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    key_id: KeyId,
    serial: u64,
    issued_at: Timestamp,
    revoked: Vec<LicenseId>,
}

impl RevocationList {
    /// Parses an armored list and verifies it in one call.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let ring = KeyRing::new();
    /// assert!(RevocationList::verify("garbage", &ring, "netaudit").is_err());
    /// ```
    pub fn verify(text: &str, ring: &KeyRing, product: &str) -> Result<RevocationList, Error> {
        UnverifiedRevocationList::parse(text)?.verify(ring, product)
    }

    /// Whether the license id is revoked.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let list = key.issue_revocation_list("p", 1, Timestamp::UNIX_EPOCH, [])?.verify(&ring, "p")?;
    /// assert!(!list.contains(&LicenseId::from_bytes([0; 16])));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    #[inline]
    pub fn contains(&self, license_id: &LicenseId) -> bool {
        self.revoked.binary_search(license_id).is_ok()
    }

    /// The serial number; a host can refuse a list older than one it has
    /// already seen.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let list = key.issue_revocation_list("p", 9, Timestamp::UNIX_EPOCH, [])?.verify(&ring, "p")?;
    /// assert_eq!(list.serial(), 9);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// When the list was issued.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let list = key.issue_revocation_list("p", 9, Timestamp::UNIX_EPOCH, [])?.verify(&ring, "p")?;
    /// assert_eq!(list.issued_at(), Timestamp::UNIX_EPOCH);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// The id of the key that signed the list.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let list = key.issue_revocation_list("p", 9, Timestamp::UNIX_EPOCH, [])?.verify(&ring, "p")?;
    /// assert_eq!(list.key_id(), key.key_id());
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The revoked ids, ascending.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let list = key.issue_revocation_list("p", 9, Timestamp::UNIX_EPOCH, [])?.verify(&ring, "p")?;
    /// assert!(list.revoked().is_empty());
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn revoked(&self) -> &[LicenseId] {
        &self.revoked
    }
}

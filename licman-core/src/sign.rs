//! Issuing licenses and revocation lists (feature `sign`).
//!
//! Embedded verifiers leave this feature off and carry no signing code.

use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::Signer as _;

use crate::claims::Claims;
use crate::error::Error;
use crate::format::{LICENSE_CONTEXT, MAX_LICENSE_LEN, envelope_head, signed_message};
use crate::ids::{KeyId, LicenseId};
use crate::keys::{KeyRing, PublicKey};
use crate::revocation::{MAX_REVOCATION_LIST_LEN, REVOCATION_CONTEXT, UnverifiedRevocationList};
use crate::time::Timestamp;
use crate::verify::UnverifiedLicense;
use crate::wire::{encode_claims, encode_revocations};

/// An Ed25519 signing key that issues licenses and revocation lists.
///
/// The caller supplies the randomness: a 32-byte seed from a cryptographic
/// RNG (`licman-keygen` uses the OS RNG). The key is zeroized on drop and its
/// `Debug` output shows only the key id.
///
/// ```
/// use licman_core::SigningKey;
/// let key = SigningKey::from_seed(&[42; 32]);
/// assert_eq!(format!("{key:?}"), format!("SigningKey({})", key.key_id()));
/// ```
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// The key for a 32-byte secret seed.
    ///
    /// ```
    /// # use licman_core::SigningKey;
    /// let a = SigningKey::from_seed(&[1; 32]);
    /// let b = SigningKey::from_seed(&[1; 32]);
    /// assert_eq!(a.key_id(), b.key_id());
    /// ```
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = PublicKey::from_derived(key.verifying_key());
        SigningKey { key, public }
    }

    /// The 32-byte secret seed, for storing the key (encrypted). Zeroize the
    /// copy when done.
    ///
    /// ```
    /// # use licman_core::SigningKey;
    /// assert_eq!(SigningKey::from_seed(&[3; 32]).to_seed(), [3; 32]);
    /// ```
    pub fn to_seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The public half.
    ///
    /// ```
    /// # use licman_core::SigningKey;
    /// let key = SigningKey::from_seed(&[3; 32]);
    /// assert_eq!(key.public_key().key_id(), key.key_id());
    /// ```
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key id.
    ///
    /// ```
    /// # use licman_core::SigningKey;
    /// assert_eq!(SigningKey::from_seed(&[3; 32]).key_id().to_string().len(), 16);
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.public.key_id()
    }

    fn seal(&self, context: &[u8], payload: &[u8], max_len: usize) -> Result<Vec<u8>, Error> {
        let mut envelope = envelope_head(self.key_id(), payload);
        let len = envelope.len() + 64;
        if len > max_len {
            return Err(Error::TooLarge { len, max: max_len });
        }
        let signature = self.key.sign(&signed_message(context, &envelope));
        envelope.extend_from_slice(&signature.to_bytes());
        Ok(envelope)
    }

    /// Signs a license.
    ///
    /// The claims are validated first ([`Claims::validate`]); the result is
    /// parsed back and its signature verified with this key's public half
    /// before it is returned, so a returned license always decodes to exactly
    /// these claims.
    ///
    /// ```
    /// use licman_core::*;
    /// let key = SigningKey::from_seed(&[1; 32]);
    /// let mut claims = licman_core::__doc_claims();
    /// let license = key.issue(&claims)?;
    /// assert_eq!(license.untrusted_claims(), &claims);
    ///
    /// claims.customer.id.clear();
    /// assert_eq!(key.issue(&claims), Err(Error::InvalidClaims(ClaimsError::EmptyCustomerId)));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn issue(&self, claims: &Claims) -> Result<UnverifiedLicense, Error> {
        let payload = encode_claims(claims)?;
        let bytes = self.seal(LICENSE_CONTEXT, &payload, MAX_LICENSE_LEN)?;
        let license = UnverifiedLicense::from_bytes(&bytes)?;
        let ring = KeyRing::from_keys([self.public.clone()]);
        let envelope = crate::format::split_envelope(&bytes, MAX_LICENSE_LEN)?;
        ring.verify_signature(
            envelope.key_id,
            &signed_message(LICENSE_CONTEXT, envelope.signed),
            &envelope.signature,
        )?;
        if license.untrusted_claims() != claims {
            return Err(Error::MalformedPayload {
                reason: "the issued license does not decode to its claims",
            });
        }
        Ok(license)
    }

    /// Signs a revocation list for `product` with serial number `serial`.
    /// The ids are sorted and duplicates dropped.
    ///
    /// ```
    /// use licman_core::*;
    /// let key = SigningKey::from_seed(&[1; 32]);
    /// let ids = [LicenseId::from_bytes([2; 16]), LicenseId::from_bytes([1; 16]), LicenseId::from_bytes([2; 16])];
    /// let list = key.issue_revocation_list("netaudit", 1, Timestamp::from_unix_seconds(0), ids)?;
    /// assert_eq!(list.untrusted_revoked(), &[LicenseId::from_bytes([1; 16]), LicenseId::from_bytes([2; 16])]);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn issue_revocation_list(
        &self,
        product: &str,
        serial: u64,
        issued_at: Timestamp,
        revoked: impl IntoIterator<Item = LicenseId>,
    ) -> Result<UnverifiedRevocationList, Error> {
        if product.is_empty() {
            return Err(crate::claims::ClaimsError::EmptyProduct.into());
        }
        let mut ids: Vec<LicenseId> = revoked.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let payload = encode_revocations(product, serial, issued_at, &ids)?;
        let bytes = self.seal(REVOCATION_CONTEXT, &payload, MAX_REVOCATION_LIST_LEN)?;
        let list = UnverifiedRevocationList::from_bytes(&bytes)?;
        list.clone()
            .verify(&KeyRing::from_keys([self.public.clone()]), product)?;
        Ok(list)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.key_id())
    }
}

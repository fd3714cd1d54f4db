//! Public keys and the key ring that verifies licenses (rotation).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::{Signature, VerifyingKey};

use crate::error::{EncodingProblem, Error};
use crate::format::{decode_prefixed, encode_prefixed};
use crate::ids::KeyId;

/// Prefix of a public key's text form: `lmpk1_` followed by the base64url of
/// the key id (8 bytes) and the key (32 bytes).
pub const PUBLIC_KEY_PREFIX: &str = "lmpk1_";

/// Largest public key text accepted (comment lines included), in bytes.
pub const MAX_PUBLIC_KEY_TEXT_LEN: usize = 4096;

/// An Ed25519 public key that verifies licenses, with its [`KeyId`].
///
/// Only valid, canonically encoded, non-weak keys can be built, so every
/// key in a [`KeyRing`] is usable.
///
/// ```
/// use licman_core::PublicKey;
/// let text = "lmpk1_Ez6Q4bT2w0EdbN5RRHSBTsnmuvDcxGkmHvRjXvTIX-XvjHfG3EWIzQ";
/// # let text = &licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text();
/// let key = PublicKey::from_text(text).unwrap();
/// assert_eq!(key.to_text(), *text);
/// assert_eq!(key.key_id().to_string().len(), 16);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    key_id: KeyId,
}

impl PublicKey {
    /// The key with these 32 bytes (compressed Edwards point).
    ///
    /// Refuses bytes that are not a point, a non-canonical encoding of a
    /// point, and weak (small-order) keys.
    ///
    /// ```
    /// use licman_core::{Error, PublicKey};
    /// // The identity point is a weak key: every signature would match it.
    /// let mut identity = [0u8; 32];
    /// identity[0] = 1;
    /// assert!(matches!(PublicKey::from_bytes(&identity), Err(Error::WeakPublicKey { .. })));
    /// ```
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidPublicKey)?;
        if key.to_edwards().compress().to_bytes() != *bytes {
            return Err(Error::InvalidPublicKey);
        }
        let key_id = KeyId::of_public_key(bytes);
        if key.is_weak() {
            return Err(Error::WeakPublicKey { key_id });
        }
        Ok(PublicKey { key, key_id })
    }

    /// The public half of a signing key (always valid and not weak).
    #[cfg(feature = "sign")]
    pub(crate) fn from_derived(key: VerifyingKey) -> Self {
        PublicKey {
            key_id: KeyId::of_public_key(key.as_bytes()),
            key,
        }
    }

    /// Parses the text form written by [`PublicKey::to_text`] (and by
    /// `licman-keygen keypair`): one `lmpk1_…` line, optionally with other
    /// lines that start with `#` (comments) and blank lines.
    ///
    /// The key id in the text must match the key.
    ///
    /// ```
    /// use licman_core::{Error, PublicKey};
    /// # let text = licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text();
    /// let file = format!("# licman public key for netaudit\n{text}\n");
    /// assert!(PublicKey::from_text(&file).is_ok());
    /// assert!(matches!(PublicKey::from_text("lmpk1_AAAA"), Err(Error::Truncated)));
    /// ```
    pub fn from_text(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_PUBLIC_KEY_TEXT_LEN {
            return Err(Error::TooLarge {
                len: text.len(),
                max: MAX_PUBLIC_KEY_TEXT_LEN,
            });
        }
        let mut key_lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let (Some(line), None) = (key_lines.next(), key_lines.next()) else {
            return Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadKeyText,
            });
        };
        let bytes = decode_prefixed(line, PUBLIC_KEY_PREFIX, MAX_PUBLIC_KEY_TEXT_LEN)?;
        let (id, key) = bytes.split_first_chunk::<8>().ok_or(Error::Truncated)?;
        let key: &[u8; 32] = match key.len() {
            0..32 => return Err(Error::Truncated),
            32 => key.try_into().map_err(|_| Error::Truncated)?,
            n => return Err(Error::TrailingBytes { count: n - 32 }),
        };
        let public = PublicKey::from_bytes(key)?;
        let found = KeyId::from_bytes(*id);
        if found != public.key_id {
            return Err(Error::KeyIdMismatch {
                expected: public.key_id,
                found,
            });
        }
        Ok(public)
    }

    /// The text form: `lmpk1_` + base64url(key id ‖ key).
    ///
    /// ```
    /// # use licman_core::PublicKey;
    /// # let key = PublicKey::from_text(&licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text()).unwrap();
    /// assert!(key.to_text().starts_with("lmpk1_"));
    /// ```
    pub fn to_text(&self) -> String {
        let mut bytes = [0u8; 40];
        bytes[..8].copy_from_slice(self.key_id.as_bytes());
        bytes[8..].copy_from_slice(self.key.as_bytes());
        encode_prefixed(PUBLIC_KEY_PREFIX, &bytes)
    }

    /// The 32 key bytes.
    ///
    /// ```
    /// # use licman_core::PublicKey;
    /// # let key = PublicKey::from_text(&licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text()).unwrap();
    /// assert_eq!(PublicKey::from_bytes(&key.to_bytes()), Ok(key));
    /// ```
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key id: first 8 bytes of SHA-256 of the key.
    ///
    /// ```
    /// # use licman_core::{KeyId, PublicKey};
    /// # let key = PublicKey::from_text(&licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text()).unwrap();
    /// assert_eq!(key.key_id(), KeyId::of_public_key(&key.to_bytes()));
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Strict Ed25519 verification of a signed message (`context ‖ signed`).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), Error> {
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .map_err(|_| Error::BadSignature {
                key_id: self.key_id,
            })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id)
    }
}

/// The public keys a host trusts, by key id. Several keys verify licenses
/// signed by each of them, so a vendor can rotate signing keys without
/// invalidating licenses already issued.
///
/// ```
/// use licman_core::{KeyRing, PublicKey};
/// # let text = licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text();
/// let mut ring = KeyRing::new();
/// let key = PublicKey::from_text(&text).unwrap();
/// assert!(ring.add(key.clone()));
/// assert!(!ring.add(key.clone()), "already present");
/// assert_eq!(ring.get(key.key_id()), Some(&key));
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<PublicKey>,
}

impl KeyRing {
    /// An empty ring.
    ///
    /// ```
    /// # use licman_core::KeyRing;
    /// assert!(KeyRing::new().is_empty());
    /// ```
    pub fn new() -> Self {
        KeyRing { keys: Vec::new() }
    }

    /// A ring of these keys.
    ///
    /// ```
    /// # use licman_core::{KeyRing, PublicKey};
    /// # let key = PublicKey::from_text(&licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text()).unwrap();
    /// let ring = KeyRing::from_keys([key]);
    /// assert_eq!(ring.len(), 1);
    /// ```
    pub fn from_keys(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut ring = KeyRing::new();
        for key in keys {
            ring.add(key);
        }
        ring
    }

    /// A ring of keys in text form (see [`PublicKey::from_text`]); the first
    /// bad text is the error.
    ///
    /// ```
    /// # use licman_core::KeyRing;
    /// # let text = licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text();
    /// let ring = KeyRing::from_texts([text.as_str()]).unwrap();
    /// assert_eq!(ring.len(), 1);
    /// assert!(KeyRing::from_texts(["nonsense"]).is_err());
    /// ```
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, Error> {
        let mut ring = KeyRing::new();
        for text in texts {
            ring.add(PublicKey::from_text(text)?);
        }
        Ok(ring)
    }

    /// Adds a key; returns `false` if a key with that id is already there.
    /// Weak keys never reach a ring: [`PublicKey`] refuses them.
    ///
    /// ```
    /// # use licman_core::{KeyRing, PublicKey};
    /// # let key = PublicKey::from_text(&licman_core::SigningKey::from_seed(&[1; 32]).public_key().to_text()).unwrap();
    /// let mut ring = KeyRing::new();
    /// assert!(ring.add(key));
    /// ```
    pub fn add(&mut self, key: PublicKey) -> bool {
        if self.get(key.key_id).is_some() {
            return false;
        }
        self.keys.push(key);
        true
    }

    /// The key with this id.
    ///
    /// ```
    /// # use licman_core::{KeyId, KeyRing};
    /// assert!(KeyRing::new().get(KeyId::from_bytes([0; 8])).is_none());
    /// ```
    pub fn get(&self, key_id: KeyId) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.key_id == key_id)
    }

    /// Number of keys.
    ///
    /// ```
    /// # use licman_core::KeyRing;
    /// assert_eq!(KeyRing::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring has no keys.
    ///
    /// ```
    /// # use licman_core::KeyRing;
    /// assert!(KeyRing::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in the order they were added.
    ///
    /// ```
    /// # use licman_core::KeyRing;
    /// assert_eq!(KeyRing::new().iter().count(), 0);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    /// Verifies `context ‖ signed` under the key named by `key_id`.
    pub(crate) fn verify_signature(
        &self,
        key_id: KeyId,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), Error> {
        self.get(key_id)
            .ok_or(Error::UnknownKey { key_id })?
            .verify(message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_and_non_canonical_points_are_refused() {
        // y = 2 is not on the curve.
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(&not_a_point),
            Err(Error::InvalidPublicKey)
        );
        // y = p + 1 (non-canonical spelling of y = 1, the identity).
        let mut p_plus_one = [0xffu8; 32];
        p_plus_one[0] = 0xee;
        p_plus_one[31] = 0x7f;
        assert!(PublicKey::from_bytes(&p_plus_one).is_err());
    }

    #[test]
    fn key_text_needs_exactly_one_key_line() {
        let text = crate::SigningKey::from_seed(&[1; 32])
            .public_key()
            .to_text();
        let two = alloc::format!("{text}\n{text}");
        assert_eq!(
            PublicKey::from_text(&two),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadKeyText
            })
        );
        assert_eq!(
            PublicKey::from_text("# only a comment\n"),
            Err(Error::InvalidEncoding {
                reason: EncodingProblem::BadKeyText
            })
        );
    }

    #[test]
    fn key_id_in_text_must_match() {
        let key = PublicKey::from_text(
            &crate::SigningKey::from_seed(&[1; 32])
                .public_key()
                .to_text(),
        )
        .unwrap();
        let mut bytes = [0u8; 40];
        bytes[8..].copy_from_slice(&key.to_bytes());
        let text = encode_prefixed(PUBLIC_KEY_PREFIX, &bytes);
        assert_eq!(
            PublicKey::from_text(&text),
            Err(Error::KeyIdMismatch {
                expected: key.key_id(),
                found: KeyId::from_bytes([0; 8])
            })
        );
    }
}

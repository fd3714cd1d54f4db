//! The vendor's key or credential a pool records (a serial, an API key, a
//! token), encrypted at rest under a site key that never enters the
//! database.
//!
//! A site key is 32 random bytes in a file of its own (mode 0600, written
//! `lmsitekey1_` and 64 hex digits). A secret is sealed with
//! XChaCha20-Poly1305 under a fresh 24-byte nonce, with the pool's id and
//! the key's id as associated data: a sealed secret copied to another pool,
//! or opened with another key, fails to open instead of showing the wrong
//! value. The database holds the key's id (a hash, to tell which key
//! sealed a secret), the nonce and the ciphertext, never the key or the
//! plaintext.
//!
//! ```
//! use licman_seats::secrets::SiteKey;
//! use licman_core::seats::PoolId;
//! let key = SiteKey::generate()?;
//! let pool = PoolId::new("pool_1")?;
//! let sealed = key.seal(&pool, "FIGMA-KEY-1234")?;
//! assert_eq!(key.open(&pool, &sealed)?.as_str(), "FIGMA-KEY-1234");
//! assert!(key.open(&PoolId::new("pool_2")?, &sealed).is_err());
//! assert!(SiteKey::generate()?.open(&pool, &sealed).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::Path;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use licman_core::seats::PoolId;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Failure;

/// The site key file's prefix.
pub const SITE_KEY_PREFIX: &str = "lmsitekey1_";

/// The largest secret a pool records, in bytes.
pub const MAX_SECRET_LEN: usize = 16 * 1024;

const SEALED_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const AAD_DOMAIN: &[u8] = b"licman-seats pool secret v1\0";

/// A site key: 32 bytes that seal and open pool secrets.
pub struct SiteKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SiteKey({})", self.id())
    }
}

fn randomness(what: &str, buf: &mut [u8]) -> Result<(), Failure> {
    getrandom::fill(buf).map_err(|e| Failure::new("io", format!("no randomness for {what}: {e}")))
}

fn key_error(path: &Path, what: impl fmt::Display) -> Failure {
    Failure::new(
        "site_key",
        format!("the site key {}: {what}", path.display()),
    )
}

impl SiteKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Result<SiteKey, Failure> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        randomness("a site key", bytes.as_mut())?;
        Ok(SiteKey { bytes })
    }

    /// The key's id: 16 hex digits of a domain-separated SHA-256 of it,
    /// stored beside each secret it sealed (it says which key, not the key).
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"licman-seats site key id\0");
        h.update(self.bytes.as_ref());
        h.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The key as its file holds it: `lmsitekey1_` and 64 hex digits.
    pub fn to_text(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Written in place: no temporary holds the key's digits.
        let mut text = Zeroizing::new(String::with_capacity(SITE_KEY_PREFIX.len() + 65));
        text.push_str(SITE_KEY_PREFIX);
        for b in self.bytes.iter() {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        text.push('\n');
        text
    }

    /// Parses a key file's text (one trailing newline allowed, nothing
    /// else around it).
    pub fn from_text(text: &str) -> Option<SiteKey> {
        let body = text.strip_suffix('\n').unwrap_or(text);
        let hex = body.strip_prefix(SITE_KEY_PREFIX)?;
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        for (i, slot) in bytes.iter_mut().enumerate() {
            *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(SiteKey { bytes })
    }

    /// Writes a new key file, mode 0600; refuses to replace a file that is
    /// there (a lost site key is every secret lost).
    pub fn write_new(&self, path: &Path) -> Result<(), Failure> {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    key_error(path, "is already there; it was not replaced")
                } else {
                    key_error(path, e)
                }
            })?;
        file.write_all(self.to_text().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| key_error(path, e))
    }

    /// Reads a key file, refusing one that others may read (group or world
    /// permission bits) or that is not a site key.
    pub fn read(path: &Path) -> Result<SiteKey, Failure> {
        let meta = std::fs::metadata(path).map_err(|e| key_error(path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(key_error(
                    path,
                    format!("has mode {mode:04o}; others may read it (chmod 600 it)"),
                ));
            }
        }
        if meta.len() > 256 {
            return Err(key_error(path, "is not a site key (too long)"));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| key_error(path, e))?);
        SiteKey::from_text(&text).ok_or_else(|| {
            key_error(
                path,
                format!("is not a site key ({SITE_KEY_PREFIX} and 64 hex digits)"),
            )
        })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        let bytes: &[u8; 32] = &self.bytes;
        XChaCha20Poly1305::new(bytes.into())
    }

    fn aad(&self, pool: &PoolId) -> Vec<u8> {
        let mut aad = AAD_DOMAIN.to_vec();
        aad.extend_from_slice(self.id().as_bytes());
        aad.push(0);
        aad.extend_from_slice(pool.as_str().as_bytes());
        aad
    }

    /// Seals `secret` for `pool`.
    pub fn seal(&self, pool: &PoolId, secret: &str) -> Result<SealedSecret, Failure> {
        if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
            return Err(Failure::invalid(format!(
                "a pool secret is 1 to {MAX_SECRET_LEN} bytes"
            )));
        }
        let mut nonce = [0u8; NONCE_LEN];
        randomness("a nonce", &mut nonce)?;
        let ciphertext = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: &self.aad(pool),
                },
            )
            .map_err(|_| Failure::new("site_key", "could not encrypt the secret"))?;
        Ok(SealedSecret {
            key_id: self.id(),
            nonce,
            ciphertext,
        })
    }

    /// Opens a sealed secret of `pool`.
    pub fn open(&self, pool: &PoolId, sealed: &SealedSecret) -> Result<Zeroizing<String>, Failure> {
        if sealed.key_id != self.id() {
            return Err(Failure::new(
                "wrong_site_key",
                format!(
                    "the secret of {pool} was sealed with site key {}, not this one ({})",
                    sealed.key_id,
                    self.id()
                ),
            ));
        }
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    &XNonce::from(sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &self.aad(pool),
                    },
                )
                .map_err(|_| {
                    Failure::new(
                        "secret_damaged",
                        format!("the secret of {pool} does not open: it was altered or moved"),
                    )
                })?,
        );
        let text = std::str::from_utf8(&plain)
            .map_err(|_| Failure::new("secret_damaged", "the secret is not UTF-8"))?;
        Ok(Zeroizing::new(text.to_string()))
    }
}

/// A pool secret as the database holds it: which key sealed it, the nonce
/// and the ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    key_id: String,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SealedSecret(key {}, {} bytes)",
            self.key_id,
            self.ciphertext.len()
        )
    }
}

impl SealedSecret {
    /// The id of the key that sealed it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The stored bytes: a version byte, the nonce, the ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + NONCE_LEN + self.ciphertext.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// From the stored key id and bytes, strictly.
    pub fn from_parts(key_id: String, bytes: Vec<u8>) -> Result<SealedSecret, Failure> {
        let damaged = || Failure::new("secret_damaged", "a stored secret is not a sealed secret");
        let (&version, rest) = bytes.split_first().ok_or_else(damaged)?;
        if version != SEALED_VERSION
            || rest.len() < NONCE_LEN + TAG_LEN
            || rest.len() > NONCE_LEN + TAG_LEN + MAX_SECRET_LEN
        {
            return Err(damaged());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| damaged())?;
        Ok(SealedSecret {
            key_id,
            nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// A change to the stored secrets, written in the same transaction as the
/// events that record it.
#[derive(Clone, Debug)]
pub enum SecretWrite {
    /// Set (or replace) a pool's secret.
    Put {
        /// The pool.
        pool: PoolId,
        /// The sealed secret.
        sealed: SealedSecret,
    },
    /// Remove a pool's secret (the pool was deleted).
    Remove {
        /// The pool.
        pool: PoolId,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_key_file_round_trips_and_is_strict() {
        let key = SiteKey::generate().unwrap();
        let again = SiteKey::from_text(&key.to_text()).unwrap();
        assert_eq!(key.id(), again.id());
        let text = key.to_text();
        assert!(SiteKey::from_text(text.trim_end()).is_some());
        assert!(SiteKey::from_text(&text.to_uppercase()).is_none());
        assert!(SiteKey::from_text(&format!("{}\n\n", text.trim_end())).is_none());
        assert!(SiteKey::from_text(&text[..text.len() - 2]).is_none());
        assert!(SiteKey::from_text("lmsitekey2_00").is_none());
    }

    #[test]
    fn a_sealed_secret_is_bound_to_its_pool_and_key_and_decodes_strictly() {
        let key = SiteKey::generate().unwrap();
        let pool = PoolId::new("p").unwrap();
        let sealed = key.seal(&pool, "s3cret").unwrap();
        let stored = SealedSecret::from_parts(sealed.key_id().into(), sealed.to_bytes()).unwrap();
        assert_eq!(key.open(&pool, &stored).unwrap().as_str(), "s3cret");
        let mut flipped = sealed.to_bytes();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let flipped = SealedSecret::from_parts(sealed.key_id().into(), flipped).unwrap();
        assert_eq!(
            key.open(&pool, &flipped).unwrap_err().code,
            "secret_damaged"
        );
        assert!(SealedSecret::from_parts("x".into(), vec![2; 60]).is_err());
        assert!(SealedSecret::from_parts("x".into(), vec![1; 20]).is_err());
        assert!(key.seal(&pool, "").is_err());
        assert!(!format!("{sealed:?}").contains("s3cret"));
    }
}

//! Key files: the secret key encrypted at rest (argon2id + XChaCha20-Poly1305),
//! the public key in licman's text form, and safe file writes.
//!
//! Secret key file, binary form (base64url after `lmsk1_` in the file):
//!
//! ```text
//! magic "LMSK" | version 1 | kdf (0 none, 1 argon2id) | m_cost u32 LE (KiB) | t_cost u32 LE | p_cost u32 LE
//! | salt [16] | nonce [24] | key id [8] | sealed seed (32 + 16-byte tag; 32 bytes when kdf = 0)
//! | checksum [8] = SHA-256(everything before)[..8]
//! ```
//!
//! The checksum tells a damaged file from a wrong passphrase: a file whose
//! checksum matches but does not decrypt was opened with the wrong
//! passphrase. Everything before the sealed seed is also the AEAD's
//! associated data, so no header field can be changed undetected.

use std::fs::{self, File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use licman_core::{KeyId, KeyRing, PublicKey, SigningKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{CliError, Result};

const MAGIC: &[u8; 4] = b"LMSK";
const VERSION: u8 = 1;
const SECRET_PREFIX: &str = "lmsk1_";
const HEADER_LEN: usize = 4 + 1 + 1 + 12 + 16 + 24 + 8;
const TAG_LEN: usize = 16;
const CHECKSUM_LEN: usize = 8;

/// Upper bounds on the KDF parameters read from a file: a crafted file
/// cannot make us allocate gigabytes or spin for minutes.
pub const MAX_M_COST_KIB: u32 = 1 << 20;
pub const MAX_T_COST: u32 = 16;
pub const MAX_P_COST: u32 = 8;

/// Argon2id cost of a new key file.
#[derive(Clone, Copy, Debug)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        CliError::failure("rng", format!("the OS random number generator failed: {e}"))
    })?;
    Ok(bytes)
}

/// A fresh signing key from the OS RNG.
pub fn generate_key() -> Result<SigningKey> {
    let mut seed = Zeroizing::new(random::<32>()?);
    let key = SigningKey::from_seed(&seed);
    seed.zeroize();
    Ok(key)
}

/// A fresh license id from the OS RNG.
pub fn random_license_id() -> Result<licman_core::LicenseId> {
    Ok(licman_core::LicenseId::from_random_bytes(random()?))
}

fn derive(passphrase: &[u8], salt: &[u8; 16], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| CliError::failure("kdf", format!("invalid key derivation parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| CliError::failure("kdf", format!("key derivation failed: {e}")))?;
    Ok(key)
}

fn checksum(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&Sha256::digest(bytes)[..CHECKSUM_LEN]);
    out
}

/// The text of a secret key file. `passphrase = None` stores the seed in
/// the clear (`--unencrypted`).
pub fn seal_secret_key(
    key: &SigningKey,
    passphrase: Option<&[u8]>,
    params: KdfParams,
) -> Result<String> {
    let seed = Zeroizing::new(key.to_seed());
    let mut bytes = Vec::with_capacity(HEADER_LEN + 32 + TAG_LEN + CHECKSUM_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.push(VERSION);
    let (salt, nonce) = (random::<16>()?, random::<24>()?);
    match passphrase {
        Some(_) => {
            bytes.push(1);
            bytes.extend_from_slice(&params.memory_kib.to_le_bytes());
            bytes.extend_from_slice(&params.iterations.to_le_bytes());
            bytes.extend_from_slice(&params.parallelism.to_le_bytes());
            bytes.extend_from_slice(&salt);
            bytes.extend_from_slice(&nonce);
        }
        None => {
            bytes.push(0);
            bytes.extend_from_slice(&[0u8; 12 + 16 + 24]);
        }
    }
    bytes.extend_from_slice(key.key_id().as_bytes());
    match passphrase {
        Some(passphrase) => {
            let wrapping = derive(passphrase, &salt, params)?;
            let cipher = XChaCha20Poly1305::new((&*wrapping).into());
            let sealed = cipher
                .encrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: seed.as_ref(),
                        aad: &bytes,
                    },
                )
                .map_err(|_| CliError::failure("encrypt", "could not encrypt the secret key"))?;
            bytes.extend_from_slice(&sealed);
        }
        None => bytes.extend_from_slice(seed.as_ref()),
    }
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum);
    let key_id = key.key_id();
    let mut text = format!(
        "# licman secret key {key_id}: keep it private. Public half: the matching .pub file.\n"
    );
    if passphrase.is_none() {
        text.push_str("# NOT ENCRYPTED: anyone who can read this file can sign licenses.\n");
    }
    text.push_str(SECRET_PREFIX);
    URL_SAFE_NO_PAD.encode_string(&bytes, &mut text);
    text.push('\n');
    bytes.zeroize();
    Ok(text)
}

/// A parsed secret key file, not yet decrypted.
pub struct SealedKey {
    bytes: Zeroizing<Vec<u8>>,
    pub key_id: KeyId,
    pub encrypted: bool,
    path: PathBuf,
}

fn corrupt(path: &Path, why: &str) -> CliError {
    CliError::failure(
        "corrupt_key_file",
        format!(
            "{} is not a valid licman secret key file: {why}",
            path.display()
        ),
    )
}

impl SealedKey {
    pub fn read(path: &Path) -> Result<SealedKey> {
        let mut text = Zeroizing::new(String::new());
        File::open(path)
            .and_then(|f| f.take(64 * 1024).read_to_string(&mut text))
            .map_err(|e| CliError::io("cannot read secret key", path, &e))?;
        SealedKey::parse(&text, path)
    }

    /// Parses a secret key file's text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<SealedKey> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let (Some(line), None) = (lines.next(), lines.next()) else {
            return Err(corrupt(path, "expected exactly one key line"));
        };
        let Some(body) = line.strip_prefix(SECRET_PREFIX) else {
            if line.starts_with("lmpk1_") {
                return Err(corrupt(path, "this is a public key; pass the .secret file"));
            }
            return Err(corrupt(path, "the key line does not start with lmsk1_"));
        };
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(body)
                .map_err(|_| corrupt(path, "invalid base64url"))?,
        );
        let expected =
            |kdf: u8| HEADER_LEN + 32 + if kdf == 1 { TAG_LEN } else { 0 } + CHECKSUM_LEN;
        if bytes.len() < HEADER_LEN || bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(corrupt(path, "bad header"));
        }
        if bytes[4] != VERSION {
            return Err(corrupt(
                path,
                &format!("unsupported key file version {}", bytes[4]),
            ));
        }
        let kdf = bytes[5];
        if kdf > 1 || bytes.len() != expected(kdf) {
            return Err(corrupt(path, "bad length or key derivation algorithm"));
        }
        let (content, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if checksum(content) != sum {
            return Err(corrupt(path, "checksum mismatch (the file is damaged)"));
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&bytes[HEADER_LEN - 8..HEADER_LEN]);
        Ok(SealedKey {
            key_id: KeyId::from_bytes(id),
            encrypted: kdf == 1,
            path: path.to_path_buf(),
            bytes,
        })
    }

    fn u32_at(&self, at: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.bytes[at..at + 4]);
        u32::from_le_bytes(b)
    }

    /// Decrypts with `passphrase` (ignored for unencrypted files).
    pub fn open(&self, passphrase: Option<&[u8]>) -> Result<SigningKey> {
        let seed: Zeroizing<Vec<u8>> = if self.encrypted {
            self.decrypt(passphrase)?
        } else {
            Zeroizing::new(self.sealed().to_vec())
        };
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.as_slice()
                .try_into()
                .map_err(|_| corrupt(&self.path, "bad seed length"))?,
        );
        let key = SigningKey::from_seed(&seed);
        if key.key_id() != self.key_id {
            return Err(corrupt(&self.path, "the key does not match its key id"));
        }
        Ok(key)
    }

    /// The sealed seed: what lies between the header and the checksum.
    fn sealed(&self) -> &[u8] {
        &self.bytes[HEADER_LEN..self.bytes.len() - CHECKSUM_LEN]
    }

    /// The seed of an encrypted file: the key derived from `passphrase`
    /// with the file's parameters (refused above the limits), then the
    /// AEAD with the header as associated data.
    fn decrypt(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>> {
        let header = &self.bytes[..HEADER_LEN];
        let sealed = self.sealed();
        let params = KdfParams {
            memory_kib: self.u32_at(6),
            iterations: self.u32_at(10),
            parallelism: self.u32_at(14),
        };
        if params.memory_kib > MAX_M_COST_KIB
            || params.iterations > MAX_T_COST
            || params.parallelism > MAX_P_COST
        {
            return Err(corrupt(
                &self.path,
                &format!(
                    "key derivation parameters above the limits (memory {} KiB, {} iterations, {} lanes; at most {MAX_M_COST_KIB} KiB, {MAX_T_COST}, {MAX_P_COST})",
                    params.memory_kib, params.iterations, params.parallelism
                ),
            ));
        }
        let passphrase = passphrase.ok_or_else(|| {
            CliError::failure(
                "passphrase",
                "this secret key is encrypted and no passphrase was given",
            )
        })?;
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&self.bytes[18..34]);
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&self.bytes[34..58]);
        let wrapping = derive(passphrase, &salt, params)?;
        let cipher = XChaCha20Poly1305::new((&*wrapping).into());
        let seed = cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: header,
                },
            )
            .map_err(|_| {
                CliError::failure(
                    "wrong_passphrase",
                    format!("wrong passphrase for {}", self.path.display()),
                )
            })?;
        Ok(Zeroizing::new(seed))
    }
}

/// Where a passphrase comes from: a file (`--passphrase-file`), else an
/// environment variable (`LICMAN_PASSPHRASE`), else a no-echo prompt on a
/// terminal.
#[derive(Clone, Debug)]
pub struct PassphraseSource {
    pub file: Option<PathBuf>,
    /// The environment variable read when no file is given.
    pub variable: &'static str,
    /// The prompt, without the colon.
    pub prompt: &'static str,
}

impl Default for PassphraseSource {
    fn default() -> Self {
        PassphraseSource {
            file: None,
            variable: "LICMAN_PASSPHRASE",
            prompt: "Passphrase",
        }
    }
}

impl PassphraseSource {
    pub fn read(&self, confirm: bool) -> Result<Zeroizing<String>> {
        let passphrase = if let Some(path) = &self.file {
            let text = Zeroizing::new(read_text(path, "passphrase file", 64 * 1024)?);
            Zeroizing::new(text.lines().next().unwrap_or_default().to_string())
        } else if let Ok(value) = std::env::var(self.variable) {
            Zeroizing::new(value)
        } else if std::io::stdin().is_terminal() {
            let first = Zeroizing::new(
                rpassword::prompt_password(format!("{}: ", self.prompt)).map_err(|e| {
                    CliError::failure("passphrase", format!("cannot read the passphrase: {e}"))
                })?,
            );
            if confirm {
                let again = Zeroizing::new(
                    rpassword::prompt_password(format!("{} (again): ", self.prompt)).map_err(
                        |e| {
                            CliError::failure(
                                "passphrase",
                                format!("cannot read the passphrase: {e}"),
                            )
                        },
                    )?,
                );
                if *first != *again {
                    return Err(CliError::failure(
                        "passphrase",
                        "the passphrases do not match",
                    ));
                }
            }
            first
        } else {
            return Err(CliError::failure(
                "passphrase",
                format!(
                    "no passphrase: set {}, pass its file option, or run in a terminal",
                    self.variable
                ),
            ));
        };
        if passphrase.is_empty() {
            return Err(CliError::failure("passphrase", "the passphrase is empty"));
        }
        Ok(passphrase)
    }
}

/// Reads and decrypts a secret key file.
pub fn load_signing_key(path: &Path, passphrase: &PassphraseSource) -> Result<SigningKey> {
    let sealed = SealedKey::read(path)?;
    if sealed.encrypted {
        let p = passphrase.read(false)?;
        sealed.open(Some(p.as_bytes()))
    } else {
        sealed.open(None)
    }
}

/// The text of a public key file.
pub fn public_key_text(key: &PublicKey, created: &str) -> String {
    format!(
        "# licman public key {} (created {created})\n{}\n",
        key.key_id(),
        key.to_text()
    )
}

/// Refuses to replace `path` with something else when it holds a licman
/// key: a secret key never, a public key unless `public_ok` (`pubkey`
/// writing a public key again). `--force` replaces an old license, list or
/// export, never a key.
pub fn refuse_replacing_key(path: &Path, public_ok: bool) -> Result<()> {
    // Only a regular file can be a key file (opening a FIFO would wait for
    // a writer).
    if !fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let mut text = String::new();
    if File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_string(&mut text))
        .is_err()
    {
        return Ok(());
    }
    let lines = || text.lines().map(str::trim);
    let secret = lines().any(|l| l.starts_with(SECRET_PREFIX));
    let public = lines().any(|l| l.starts_with(licman_core::PUBLIC_KEY_PREFIX));
    if secret || (public && !public_ok) {
        return Err(CliError::failure(
            "would_replace_key",
            format!(
                "{} holds a licman key; --force does not replace keys (write the output elsewhere)",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Reads a text file of at most `limit` bytes (`what` names it in
/// messages): a larger one (or a device that never ends) is refused with
/// `too_large` after `limit + 1` bytes, not read into memory whole.
pub fn read_text(path: &Path, what: &str, limit: usize) -> Result<String> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(limit as u64 + 1).read_to_string(&mut text))
        .map_err(|e| CliError::io(&format!("cannot read {what}"), path, &e))?;
    if text.len() > limit {
        return Err(CliError::failure(
            "too_large",
            format!(
                "{} is larger than a {what} can be ({limit} bytes)",
                path.display()
            ),
        ));
    }
    Ok(text)
}

/// Reads a public key file.
pub fn load_public_key(path: &Path) -> Result<PublicKey> {
    let text = read_text(path, "public key", licman_core::MAX_PUBLIC_KEY_TEXT_LEN)?;
    PublicKey::from_text(&text).map_err(|e| {
        CliError::new(
            e.code(),
            format!("{} is not a valid licman public key: {e}", path.display()),
            crate::error::Exit::Malformed,
        )
    })
}

/// The trusted public keys (`--public-key`, repeatable), as a key ring.
pub fn load_key_ring(paths: &[PathBuf]) -> Result<KeyRing> {
    let mut ring = KeyRing::new();
    for path in paths {
        ring.add(load_public_key(path)?);
    }
    Ok(ring)
}

/// Options that create a file with permissions `mode` on unix (the umask
/// can only take bits away), so a file is never readable by others even
/// for a moment. Elsewhere the mode is not applied: the file gets the
/// permissions of its directory (on Windows, its inherited ACL).
pub fn create_options(mode: u32) -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options
}

/// The permission bits of a file on unix (`None` elsewhere, or if it
/// cannot be read).
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Sets a file's permission bits on unix; does nothing elsewhere.
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Writes `contents` to `path` atomically: a new temporary file next to it
/// (created with `mode`), synced, then renamed into place. Refuses to
/// replace an existing file unless `overwrite`.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32, overwrite: bool) -> Result<()> {
    let existing = fs::symlink_metadata(path).ok();
    if !overwrite && existing.is_some() {
        return Err(CliError::exists(path));
    }
    // A device or a pipe (`--out /dev/null --force`, `--out /dev/stdout`)
    // is written to, never replaced by a file; a directory is refused.
    if let Some(meta) = fs::metadata(path).ok().filter(|_| existing.is_some()) {
        if meta.is_dir() {
            return Err(CliError::failure(
                "io",
                format!("{} is a directory", path.display()),
            ));
        }
        if !meta.is_file() {
            return fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(contents))
                .map_err(|e| CliError::io("cannot write", path, &e));
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = create_options(mode)
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        if !overwrite {
            // Last check before the rename: hard_link fails if the target exists.
            fs::hard_link(&tmp, path)?;
            fs::remove_file(&tmp)?;
        } else {
            fs::rename(&tmp, path)?;
        }
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(CliError::failure(
                "exists",
                format!(
                    "{} already exists; pass --force to replace it",
                    path.display()
                ),
            ));
        }
        return Err(CliError::io("cannot write", path, &e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn sealed(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.secret");
        fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn encrypted_round_trip_and_wrong_passphrase() {
        let key = SigningKey::from_seed(&[7; 32]);
        let text = seal_secret_key(&key, Some(b"correct horse"), FAST).unwrap();
        let (_d, path) = sealed(&text);
        let file = SealedKey::read(&path).unwrap();
        assert!(file.encrypted);
        assert_eq!(file.key_id, key.key_id());
        assert_eq!(
            file.open(Some(b"correct horse")).unwrap().key_id(),
            key.key_id()
        );
        assert_eq!(
            file.open(Some(b"wrong")).err().unwrap().code,
            "wrong_passphrase"
        );
    }

    #[test]
    fn damage_is_not_a_wrong_passphrase() {
        let key = SigningKey::from_seed(&[8; 32]);
        let text = seal_secret_key(&key, Some(b"pw"), FAST).unwrap();
        let line = text.lines().last().unwrap();
        let mut bytes = URL_SAFE_NO_PAD
            .decode(&line[SECRET_PREFIX.len()..])
            .unwrap();
        bytes[HEADER_LEN + 3] ^= 1;
        let damaged = format!("{SECRET_PREFIX}{}\n", URL_SAFE_NO_PAD.encode(&bytes));
        let (_d, path) = sealed(&damaged);
        assert_eq!(
            SealedKey::read(&path).err().unwrap().code,
            "corrupt_key_file"
        );
    }

    #[test]
    fn unencrypted_and_oversized_parameters() {
        let key = SigningKey::from_seed(&[9; 32]);
        let text = seal_secret_key(&key, None, FAST).unwrap();
        assert!(text.contains("NOT ENCRYPTED"));
        let (_d, path) = sealed(&text);
        assert_eq!(
            SealedKey::read(&path).unwrap().open(None).unwrap().key_id(),
            key.key_id()
        );

        // A file asking for 2 GiB of memory is refused before any work.
        let huge = KdfParams {
            memory_kib: MAX_M_COST_KIB + 1,
            ..FAST
        };
        let line = seal_secret_key(&key, Some(b"pw"), FAST).unwrap();
        let mut bytes = URL_SAFE_NO_PAD
            .decode(&line.lines().last().unwrap()[SECRET_PREFIX.len()..])
            .unwrap();
        bytes[6..10].copy_from_slice(&huge.memory_kib.to_le_bytes());
        let n = bytes.len() - CHECKSUM_LEN;
        let sum = checksum(&bytes[..n]);
        bytes[n..].copy_from_slice(&sum);
        let (_d2, path) = sealed(&format!(
            "{SECRET_PREFIX}{}\n",
            URL_SAFE_NO_PAD.encode(&bytes)
        ));
        let err = SealedKey::read(&path)
            .unwrap()
            .open(Some(b"pw"))
            .err()
            .unwrap();
        assert!(err.message.contains("above the limits"), "{}", err.message);
    }
}

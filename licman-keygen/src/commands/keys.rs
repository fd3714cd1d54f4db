//! `licman-keygen pubkey`: the public key of a secret key file;
//! `licman-keygen passphrase`: a secret key file's passphrase changed.

use std::path::PathBuf;

use serde_json::json;

use super::Output;
use super::shared::PassphraseArg;
use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile::{self, KdfParams, PassphraseSource, SealedKey};

#[derive(clap::Args, Debug)]
pub struct PubkeyArgs {
    /// The secret key file.
    #[arg(value_name = "SECRET")]
    secret_key: PathBuf,
    /// Write the public key file here (mode 0644) instead of printing it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

/// Prints (or writes) the public key of a secret key file: the same text
/// `keypair` wrote beside it.
pub fn pubkey(args: &PubkeyArgs, out: Output) -> Result<()> {
    let key = keyfile::load_signing_key(&args.secret_key, &args.passphrase.source())?;
    let public = key.public_key();
    let text = keyfile::public_key_text(public, &dates::now()?.to_string());
    if let Some(path) = &args.out {
        if args.force {
            keyfile::refuse_replacing_key(path, true)?;
        }
        keyfile::write_atomic(path, text.as_bytes(), 0o644, args.force)?;
    }
    match out {
        Output::Json => outln!(
            "{}",
            json!({"key_id": public.key_id().to_string(), "public_key": public.to_text(),
                   "out": args.out.as_ref().map(|p| p.display().to_string())})
        ),
        Output::Text if args.out.is_none() => out!("{text}"),
        Output::Text => outln!(
            "wrote {} (key {})",
            args.out
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string()),
            public.key_id()
        ),
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct PassphraseArgs {
    /// The secret key file; it is replaced atomically (mode 0600).
    #[arg(value_name = "SECRET")]
    secret_key: PathBuf,
    /// The current passphrase's file (else LICMAN_PASSPHRASE, else a prompt).
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// The new passphrase: the first line of this file (else from the
    /// environment [env: LICMAN_NEW_PASSPHRASE], else a prompt, asked twice).
    #[arg(long, value_name = "FILE")]
    new_passphrase_file: Option<PathBuf>,
    /// Argon2id memory cost of the new sealing, in MiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    kdf_memory_mib: u32,
    /// Argon2id iterations of the new sealing.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=16))]
    kdf_iterations: u32,
}

/// Re-seals the secret key under a new passphrase: the key (and so its key
/// id) stays the same. The new file is checked to open to the same key
/// before it replaces the old one with a rename, so a crash leaves one of
/// the two whole.
pub fn passphrase(args: &PassphraseArgs, out: Output) -> Result<()> {
    // The file itself: replacing a symbolic link would leave the key under
    // the old passphrase where the link points.
    let path = &std::fs::canonicalize(&args.secret_key)
        .map_err(|e| CliError::io("cannot read secret key", &args.secret_key, &e))?;
    let key = keyfile::load_signing_key(path, &args.passphrase.source())?;
    let new = PassphraseSource {
        file: args.new_passphrase_file.clone(),
        variable: "LICMAN_NEW_PASSPHRASE",
        prompt: "New passphrase",
    }
    .read(true)?;
    let params = KdfParams {
        memory_kib: args.kdf_memory_mib * 1024,
        iterations: args.kdf_iterations,
        parallelism: 1,
    };
    let text = zeroize::Zeroizing::new(keyfile::seal_secret_key(
        &key,
        Some(new.as_bytes()),
        params,
    )?);
    // The new file must open, with the new passphrase, to the same key.
    let check = SealedKey::parse(&text, path)?.open(Some(new.as_bytes()))?;
    if check.key_id() != key.key_id() {
        return Err(CliError::failure(
            "reseal_failed",
            "the re-sealed key did not open to the same key; nothing was changed",
        ));
    }
    keyfile::write_atomic(path, text.as_bytes(), 0o600, true)?;
    match out {
        Output::Json => outln!(
            "{}",
            json!({"changed": true, "key_id": key.key_id().to_string(), "secret": path.display().to_string()})
        ),
        Output::Text => outln!(
            "changed the passphrase of {} (key {})",
            path.display(),
            key.key_id()
        ),
    }
    Ok(())
}

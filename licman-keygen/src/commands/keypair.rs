//! `licman-keygen keypair`: a signing key pair, the secret key encrypted.

use std::path::PathBuf;

use licman_core::SigningKey;
use serde_json::json;

use super::Output;
use super::shared::PassphraseArg;
use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile::{self, KdfParams};
use crate::ledger::{self, Ledger};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory for NAME.secret and NAME.pub (created if missing).
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
    /// Base name of the key files.
    #[arg(long)]
    name: String,
    /// Store the secret key without encryption (for CI); you are warned.
    #[arg(long)]
    unencrypted: bool,
    /// Replace existing key files.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// Argon2id memory cost, in MiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    kdf_memory_mib: u32,
    /// Argon2id iterations.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=16))]
    kdf_iterations: u32,
    /// Record the new key in this ledger's audit log (if the ledger exists or is named).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
}

impl Args {
    fn kdf_params(&self) -> KdfParams {
        KdfParams {
            memory_kib: self.kdf_memory_mib * 1024,
            iterations: self.kdf_iterations,
            parallelism: 1,
        }
    }
}

/// A key pair written out.
struct Created {
    key: SigningKey,
    secret_path: PathBuf,
    public_path: PathBuf,
    encrypted: bool,
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let created = create(args)?;
    audit(args, &created)?;
    render(&created, out);
    Ok(())
}

/// Generates the key and writes both files.
fn create(args: &Args) -> Result<Created> {
    let name = &args.name;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(CliError::usage(format!(
            "invalid key name '{name}': use a plain file name"
        )));
    }
    let secret_path = args.out_dir.join(format!("{name}.secret"));
    let public_path = args.out_dir.join(format!("{name}.pub"));
    if !args.force {
        for path in [&secret_path, &public_path] {
            if path.exists() {
                return Err(CliError::exists(path));
            }
        }
    }
    let passphrase = if args.unencrypted {
        None
    } else {
        Some(args.passphrase.source().read(true)?)
    };
    // A directory made here is the owner's alone (0700), whatever the
    // umask; one that exists is left as it is.
    if !args.out_dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&args.out_dir)
            .map_err(|e| CliError::io("cannot create", &args.out_dir, &e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&args.out_dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| CliError::io("cannot make private", &args.out_dir, &e))?;
        }
    }
    let key = keyfile::generate_key()?;
    let secret_text = zeroize::Zeroizing::new(keyfile::seal_secret_key(
        &key,
        passphrase.as_ref().map(|p| p.as_bytes()),
        args.kdf_params(),
    )?);
    let created = Created {
        key,
        secret_path,
        public_path,
        encrypted: !args.unencrypted,
    };
    write_files(&created, secret_text.as_bytes(), args.force)?;
    if !created.encrypted {
        eprintln!(
            "warning: {} is NOT encrypted: anyone who can read it can sign licenses. Use it only for tests and CI.",
            created.secret_path.display()
        );
    }
    Ok(created)
}

/// Writes the secret key file, then the public one; a new secret key file
/// is removed again if the public one cannot be written.
fn write_files(created: &Created, secret_text: &[u8], force: bool) -> Result<()> {
    let now = dates::now()?;
    keyfile::write_atomic(&created.secret_path, secret_text, 0o600, force)?;
    let public_text = keyfile::public_key_text(created.key.public_key(), &now.to_string());
    if let Err(e) =
        keyfile::write_atomic(&created.public_path, public_text.as_bytes(), 0o644, force)
    {
        if !force {
            let _ = std::fs::remove_file(&created.secret_path);
        }
        return Err(e);
    }
    Ok(())
}

/// Audits the new key in the ledger the operator named (--ledger or
/// LICMAN_LEDGER), or in the default ledger if one exists.
fn audit(args: &Args, created: &Created) -> Result<()> {
    let named = args.ledger.is_some() || std::env::var_os("LICMAN_LEDGER").is_some();
    let path = ledger::default_path(args.ledger.as_deref());
    let ledger = if named {
        Some(Ledger::open(&path)?)
    } else {
        Ledger::open_existing(&path)?
    };
    let Some(mut ledger) = ledger else {
        return Ok(());
    };
    ledger.audit(
        "keypair",
        "created signing key",
        &[created.key.key_id().to_string()],
        &json!({
            "secret": created.secret_path.display().to_string(),
            "public": created.public_path.display().to_string(),
            "encrypted": created.encrypted,
        }),
    )
}

fn render(created: &Created, out: Output) {
    let Created {
        key,
        secret_path,
        public_path,
        encrypted,
    } = created;
    if out == Output::Json {
        outln!(
            "{}",
            json!({
                "key_id": key.key_id().to_string(),
                "secret_key": secret_path,
                "public_key": public_path,
                "encrypted": encrypted,
                "public_key_text": key.public_key().to_text(),
            })
        );
        return;
    }
    outln!("key id      {}", key.key_id());
    outln!(
        "secret key  {} (mode 0600{})",
        secret_path.display(),
        if *encrypted {
            ", encrypted"
        } else {
            ", NOT encrypted"
        }
    );
    outln!("public key  {}", public_path.display());
}

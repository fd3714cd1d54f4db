//! What several commands share: reading catalogs and licenses, names from
//! a catalog, and writing to standard output.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use licman_core::{Catalog, ModuleSet, QuotaId};

use crate::error::{CliError, Exit, Result};
use crate::keyfile::PassphraseSource;

/// `--passphrase-file`, for the commands that open or seal a secret key.
#[derive(clap::Args, Debug)]
pub struct PassphraseArg {
    /// Read the passphrase from the first line of this file (else from the
    /// environment [env: LICMAN_PASSPHRASE], else a prompt).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

impl PassphraseArg {
    /// Where the passphrase comes from (see [`PassphraseSource`]).
    pub fn source(&self) -> PassphraseSource {
        PassphraseSource {
            file: self.passphrase_file.clone(),
            ..PassphraseSource::default()
        }
    }
}

/// Names of module ids (the id in decimal for ids the catalog lacks).
pub fn module_names(catalog: &Catalog, modules: &ModuleSet) -> Vec<String> {
    modules
        .iter()
        .map(|id| {
            catalog
                .module(id)
                .map_or_else(|| format!("#{id}"), |m| m.name().to_string())
        })
        .collect()
}

/// The name of a quota id (the id itself without a catalog, or for ids
/// the catalog lacks).
pub fn quota_name(catalog: Option<&Catalog>, id: QuotaId) -> String {
    catalog
        .and_then(|c| c.quota(id))
        .map_or_else(|| id.to_string(), |q| q.name().to_string())
}

/// Reads a catalog: JSON when the file's name ends in `.json` (what
/// `catalog export` writes), TOML otherwise.
pub fn read_catalog(path: &Path) -> Result<Catalog> {
    let text = crate::keyfile::read_text(path, "catalog", licman_core::MAX_CATALOG_TEXT_LEN)?;
    if is_json(path) {
        Ok(Catalog::from_json(&text)?)
    } else {
        Ok(Catalog::from_toml(&text)?)
    }
}

/// Whether a catalog file is JSON (by its name's extension).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Refuses to replace `path` unless `force` (before any work is done), and
/// even with `force` when it holds a key
/// ([`refuse_replacing_key`](crate::keyfile::refuse_replacing_key)).
pub fn refuse_existing(path: Option<&Path>, force: bool) -> Result<()> {
    match path {
        Some(p) if !force && p.exists() => Err(CliError::exists(p)),
        Some(p) => crate::keyfile::refuse_replacing_key(p, false),
        None => Ok(()),
    }
}

/// Writes to standard output; a closed pipe (`… | head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::failure("io", format!("cannot write: {e}")))
        }
        _ => Ok(()),
    }
}

/// Reads a license text from a file or standard input (`-`).
pub fn read_input(file: &Path) -> Result<String> {
    let bytes = read_license_bytes(file)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CliError::new(
            "empty_input",
            format!("{} is empty: nothing to read", shown(file)),
            Exit::Malformed,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        CliError::new(
            "invalid_encoding",
            format!(
                "{} is not UTF-8 text (invalid byte at offset {}): not a licman license",
                shown(file),
                e.utf8_error().valid_up_to()
            ),
            Exit::Malformed,
        )
    })
}

/// At most one byte more than a license can have, from `file` or `-`.
fn read_license_bytes(file: &Path) -> Result<Vec<u8>> {
    let limit = licman_core::MAX_LICENSE_TEXT_LEN as u64 + 1;
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        if std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "no license given: pass a FILE, or pipe the license into standard input",
            ));
        }
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::failure("io", format!("cannot read standard input: {e}")))?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| CliError::io("cannot read", file, &e))?;
    }
    Ok(bytes)
}

fn shown(file: &Path) -> String {
    if file == Path::new("-") {
        "standard input".into()
    } else {
        file.display().to_string()
    }
}

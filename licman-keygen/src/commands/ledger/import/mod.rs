//! `licman-keygen ledger import`: licenses from an export. Only the signed
//! key of each row is trusted; its revocation columns are imported only
//! with `--trust-revocations`, each revocation added with its own audit
//! entry.

use std::path::{Path, PathBuf};

use licman_core::{KeyRing, Policy, Timestamp, UnverifiedLicense, VerifiedLicense, VerifyOptions};
use serde_json::json;

use super::{LedgerPath, Output};
use crate::dates;
use crate::error::{CliError, Exit, Result};
use crate::escape::{self, printable};
use crate::keyfile;
use crate::ledger::{self, Ledger, State, Tx};

mod parse;

pub use parse::parse_import;
use parse::{ImportRow, read_rows};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
    /// A trusted public key; repeat for several.
    #[arg(long = "public-key", value_name = "NAME.pub", required = true)]
    public_keys: Vec<PathBuf>,
    /// Also import the file's revocations (revoked_at, revoke_reason).
    /// These columns are not signed: anyone who could edit the file
    /// could revoke any license, and the next `revoke` would sign it
    /// into the list. Each revocation added is recorded in the audit log.
    #[arg(long)]
    trust_revocations: bool,
    /// The export file (.csv or .json).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// What an import did.
#[derive(Debug, Default)]
struct Imported {
    imported: Vec<String>,
    unchanged: usize,
    /// Line and reason.
    rejected: Vec<(usize, String)>,
    revoked: Vec<String>,
    ignored_revocations: usize,
}

pub fn run(args: &Args, now: Timestamp, out: Output) -> Result<()> {
    let ring = keyfile::load_key_ring(&args.public_keys)?;
    let rows = read_rows(&args.file)?;
    let mut ledger = Ledger::open(&args.ledger.path())?;
    let mut tx = ledger.transaction()?;
    let mut report = Imported::default();
    for row in &rows {
        import_row(&mut tx, &ring, row, args, now, &mut report)?;
    }
    ledger::append_audit(
        &mut tx,
        "ledger import",
        "imported licenses",
        &report.imported,
        &json!({ "file": args.file, "unchanged": report.unchanged, "rejected": report.rejected.len(), "revoked": report.revoked.len(), "ignored_revocations": report.ignored_revocations }),
    )?;
    tx.commit()?;
    render(&report, &args.file, out);
    if report.rejected.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: "rows_rejected",
            message: format!("{} row(s) rejected", report.rejected.len()),
            exit: Exit::Failure,
            printed: true,
        })
    }
}

/// One row: its license recorded (unless the ledger has it), then its
/// revocation.
fn import_row(
    tx: &mut Tx<'_>,
    ring: &KeyRing,
    row: &ImportRow,
    args: &Args,
    now: Timestamp,
    report: &mut Imported,
) -> Result<()> {
    let license = match verified(ring, row, now) {
        Ok(license) => license,
        Err(reason) => {
            report.rejected.push((row.line, reason));
            return Ok(());
        }
    };
    let id = license.license_id().to_string();
    match ledger::existing_key(tx, &id)? {
        Some(existing) if existing == license.to_compact() => report.unchanged += 1,
        Some(_) => {
            let reason = format!("license {id} is already in the ledger with a different key");
            report.rejected.push((row.line, reason));
            return Ok(());
        }
        None => {
            ledger::insert_license(tx, &license, State::Issued, Some("import"), None, now)?;
            report.imported.push(id);
        }
    }
    import_revocation(tx, row, &license, args, report)
}

/// The row's license, if its key verifies and its license id agrees; else
/// why not.
fn verified(
    ring: &KeyRing,
    row: &ImportRow,
    now: Timestamp,
) -> std::result::Result<VerifiedLicense, String> {
    let key = row.key.as_deref().ok_or_else(|| "no key".to_string())?;
    let license = UnverifiedLicense::parse(key)
        .and_then(|l| {
            let product = l.untrusted_claims().product.clone();
            l.verify(
                ring,
                &VerifyOptions::new(&product, now).policy(Policy::Advisory),
            )
        })
        .map_err(|e| format!("the key does not verify: [{}] {e}", e.code()))?;
    let id = license.license_id().to_string();
    match &row.license_id {
        Some(given) if *given != id => Err(format!(
            "license_id {given} does not match the key's license id {id}"
        )),
        _ => Ok(license),
    }
}

/// The row's revocation, with `--trust-revocations` (counted as ignored
/// without: the column is not signed, and an edited file must not revoke
/// anyone).
fn import_revocation(
    tx: &mut Tx<'_>,
    row: &ImportRow,
    license: &VerifiedLicense,
    args: &Args,
    report: &mut Imported,
) -> Result<()> {
    let Some(at) = &row.revoked_at else {
        return Ok(());
    };
    if !args.trust_revocations {
        report.ignored_revocations += 1;
        return Ok(());
    }
    let at = dates::parse_date(at).map_err(|e| {
        CliError::failure(
            "malformed_import",
            format!("line {}: revoked_at: {}", row.line, e.message),
        )
    })?;
    let id = license.license_id().to_string();
    let reason = row.revoke_reason.as_deref();
    if ledger::insert_revocation(tx, &id, license.product(), at, reason, 0)? {
        ledger::append_audit(
            tx,
            "ledger import",
            "revoked license (from an import, --trust-revocations)",
            std::slice::from_ref(&id),
            &json!({ "file": args.file, "line": row.line, "product": license.product(), "revoked_at": at.to_string(), "reason": row.revoke_reason }),
        )?;
        report.revoked.push(id);
    }
    Ok(())
}

fn render(report: &Imported, file: &Path, out: Output) {
    let Imported {
        imported,
        unchanged,
        rejected,
        revoked,
        ignored_revocations,
    } = report;
    if out == Output::Json {
        let rejected: Vec<_> = rejected
            .iter()
            .map(|(l, r)| json!({ "line": l, "reason": r }))
            .collect();
        outln!(
            "{}",
            escape::json(
                &json!({ "imported": imported.len(), "unchanged": unchanged, "revoked": revoked.len(), "ignored_revocations": ignored_revocations, "rejected": rejected })
            )
        );
        return;
    }
    for (line, reason) in rejected {
        eprintln!("error: line {line}: {}", printable(reason));
    }
    if *ignored_revocations > 0 {
        eprintln!(
            "note: {ignored_revocations} revocation(s) in {} not imported: the revoked_at column is not signed; pass --trust-revocations if you trust this file",
            file.display()
        );
    }
    outln!(
        "imported {} license(s), {unchanged} already present, {} revoked, {} rejected",
        imported.len(),
        revoked.len(),
        rejected.len()
    );
}

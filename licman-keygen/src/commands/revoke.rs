//! `licman-keygen revoke`: records revocations and writes a signed list of
//! every license of the product revoked so far.

use std::path::{Path, PathBuf};

use licman_core::{LicenseId, SigningKey, Timestamp};
use serde_json::json;

use super::Output;
use super::shared::{PassphraseArg, refuse_existing};
use crate::dates;
use crate::error::{CliError, Result};
use crate::escape::{self, printable};
use crate::keyfile;
use crate::ledger::{self, Ledger, Tx};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The secret key to sign the list with.
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// A license to revoke (UUID); repeatable.
    #[arg(long = "license-id", value_name = "ID", required = true)]
    license_ids: Vec<String>,
    /// Why (recorded in the ledger).
    #[arg(long)]
    reason: Option<String>,
    /// The product, for licenses the ledger does not know.
    #[arg(long)]
    product: Option<String>,
    /// The ledger: a file, or a postgres:// URL (default: LICMAN_LEDGER or
    /// ./licman-ledger.db).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
    /// Where to write the signed revocation list.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
}

/// A revocation list signed, recorded and written.
struct Revoked {
    serial: u64,
    product: String,
    /// Every license of the product revoked so far.
    all: Vec<LicenseId>,
    /// The licenses this run revoked (the others already were).
    newly: Vec<String>,
}

/// A revocation list signed and recorded, not yet written out.
struct Signed {
    revoked: Revoked,
    armored: String,
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let ids = parse_ids(&args.license_ids)?;
    refuse_existing(Some(&args.out), args.force)?;
    let ledger_path = ledger::default_path(args.ledger.as_deref());
    let product = product_of(&ids, args.product.clone(), &ledger_path)?;
    let key = keyfile::load_signing_key(&args.secret_key, &args.passphrase.source())?;
    let mut ledger = Ledger::open(&ledger_path)?;
    let now = dates::now()?;
    let mut tx = ledger.transaction()?;
    let Signed { revoked, armored } = sign(&mut tx, &key, &ids, product, args, now)?;
    // The serial is committed before any list with it leaves the tool, so
    // no two different lists ever carry the same serial (a list written
    // first and then lost to a failed commit would have its serial signed
    // again, over other contents).
    tx.commit()?;
    write_list(&args.out, &armored, &revoked, args.force)?;
    render(&revoked, &args.out, out);
    Ok(())
}

fn parse_ids(ids: &[String]) -> Result<Vec<LicenseId>> {
    ids.iter()
        .map(|id| {
            id.trim().parse::<LicenseId>().map_err(|e| {
                CliError::usage(format!(
                    "malformed license id '{id}': {e} (expected a UUID)"
                ))
            })
        })
        .collect()
}

/// The one product of the licenses: from the ledger, else `--product`.
fn product_of(ids: &[LicenseId], given: Option<String>, ledger_path: &Path) -> Result<String> {
    let mut product = given;
    let existing = Ledger::open_existing(ledger_path)?;
    for id in ids {
        let known = match &existing {
            Some(l) => l.product_of(&id.to_string())?,
            None => None,
        };
        match (known, &product) {
            (Some(p), None) => product = Some(p),
            (Some(p), Some(q)) if p != *q => {
                return Err(CliError::usage(format!(
                    "license {id} is for product '{p}', not '{q}': revoke each product separately"
                )));
            }
            (None, None) => {
                return Err(CliError::usage(format!(
                    "license {id} is not in the ledger {}: pass --product",
                    ledger::shown(ledger_path)
                )));
            }
            _ => {}
        }
    }
    Ok(product.unwrap_or_default())
}

/// Records the revocations, signs the list of all of them under the next
/// serial, and records the list with an audit entry (in `tx`).
fn sign(
    tx: &mut Tx<'_>,
    key: &SigningKey,
    ids: &[LicenseId],
    product: String,
    args: &Args,
    now: Timestamp,
) -> Result<Signed> {
    let serial = Ledger::next_serial(tx, &product)?;
    let mut newly = Vec::new();
    for id in ids {
        let id = id.to_string();
        if ledger::insert_revocation(tx, &id, &product, now, args.reason.as_deref(), serial)? {
            newly.push(id);
        }
    }
    let all: Vec<LicenseId> = Ledger::revoked_ids(tx, &product)?
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let list = key
        .issue_revocation_list(&product, serial, now, all.iter().copied())
        .map_err(|e| {
            CliError::failure("revoke", format!("cannot sign the revocation list: {e}"))
        })?;
    let armored = list.to_armored();
    let key_id = key.key_id().to_string();
    ledger::record_list(tx, &product, serial, now, &key_id, all.len(), &armored)?;
    ledger::append_audit(
        tx,
        "revoke",
        "revoked licenses and wrote revocation list",
        &ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        &json!({ "serial": serial, "product": product, "reason": args.reason, "out": args.out, "total_revoked": all.len() }),
    )?;
    let revoked = Revoked {
        serial,
        product,
        all,
        newly,
    };
    Ok(Signed { revoked, armored })
}

/// Writes the list after the commit (atomically: a temporary file in the
/// same directory, renamed into place). If this write fails, serial N is
/// consumed: the ledger holds list N, signed, with the revocations, and
/// `ledger revocation-list` writes it again; running `revoke` again would
/// sign list N+1 with the same contents, which is as good.
fn write_list(path: &Path, armored: &str, revoked: &Revoked, force: bool) -> Result<()> {
    keyfile::write_atomic(path, armored.as_bytes(), 0o644, force).map_err(|e| {
        let Revoked {
            serial, product, ..
        } = revoked;
        CliError::failure(
            e.code,
            format!(
                "{}; revocation list #{serial} for {product} is recorded in the ledger: write it with `licman-keygen ledger revocation-list --product {product} --out FILE`",
                e.message
            ),
        )
    })
}

fn render(revoked: &Revoked, path: &Path, out: Output) {
    let Revoked {
        serial,
        product,
        all,
        newly,
    } = revoked;
    if out == Output::Json {
        outln!(
            "{}",
            escape::json(
                &json!({ "serial": serial, "product": product, "revoked": all.len(), "newly_revoked": newly, "out": path })
            )
        );
    } else {
        outln!(
            "revocation list #{serial} for {}: {} license(s) revoked ({} new), written to {}",
            printable(product),
            all.len(),
            newly.len(),
            path.display()
        );
    }
}

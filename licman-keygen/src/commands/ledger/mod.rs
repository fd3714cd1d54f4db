//! `licman-keygen ledger …`: query, export, import and audit the ledger.
//! (Error messages are escaped when they are printed, by `report`; output
//! lines here escape the ledger's strings themselves.)

use std::path::PathBuf;

use clap::Subcommand;

use super::Output;
use crate::dates;
use crate::error::{CliError, Result};
use crate::escape::{self, printable};
use crate::ledger::{self, Ledger, Record};

mod audit;
mod expiring;
mod export;
mod import;
mod list;
mod revocation_list;

pub use import::parse_import;

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// List licenses.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger list\n  licman-keygen ledger list --customer acme-corp --status active --json"
    )]
    List(list::Args),
    /// Licenses expiring within a window (7d, 30d, 90d, …), soonest first.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger expiring --within 30d\n  licman-keygen ledger expiring --within 7d --json"
    )]
    Expiring(expiring::Args),
    /// Export every license (CSV or JSON) to a file (mode 0600) or standard output.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger export --format csv --out licenses.csv\n  licman-keygen ledger export --format json | jq '.[].customer_id'\n\nCSV cells that start with =, +, -, @, tab or CR get a ' in front, so that a spreadsheet does not run them as formulas; `ledger import` removes it."
    )]
    Export(export::Args),
    /// Import licenses from an export (CSV or JSON); keys must verify against the given public keys.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger import --public-key keys/k.pub licenses.csv\n  licman-keygen ledger import --ledger other.db --public-key keys/old.pub --public-key keys/new.pub export.json\n  licman-keygen ledger import --trust-revocations --public-key keys/k.pub backup.csv\n\nOnly the signed key of each row is trusted. The revoked_at and revoke_reason columns are not signed: they are ignored unless --trust-revocations is given."
    )]
    Import(import::Args),
    /// Write the latest signed revocation list again, from the ledger (no key needed).
    #[command(
        name = "revocation-list",
        after_help = "Examples:\n  licman-keygen ledger revocation-list --out revoked.lrl\n  licman-keygen ledger revocation-list --product netaudit --out revoked.lrl --force\n\nFor when `revoke` recorded a list but could not write it out (its serial is used)."
    )]
    RevocationList(revocation_list::Args),
    /// Show the append-only audit log.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger audit\n  licman-keygen ledger audit --json"
    )]
    Audit(audit::Args),
}

#[derive(clap::Args, Debug)]
pub struct LedgerPath {
    /// The ledger: a file, or a postgres:// URL (default: LICMAN_LEDGER or
    /// ./licman-ledger.db).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
}

impl LedgerPath {
    fn path(&self) -> PathBuf {
        ledger::default_path(self.ledger.as_deref())
    }

    /// The ledger, which must exist.
    fn open_existing(&self) -> Result<Ledger> {
        let p = self.path();
        Ledger::open_existing(&p)?.ok_or_else(|| {
            CliError::failure("no_ledger", format!("no ledger at {}", ledger::shown(&p)))
        })
    }
}

pub fn run(command: &LedgerCommand, out: Output) -> Result<()> {
    let now = dates::now()?;
    match command {
        LedgerCommand::List(args) => list::run(args, now, out),
        LedgerCommand::Expiring(args) => expiring::run(args, now, out),
        LedgerCommand::Export(args) => export::run(args, now),
        LedgerCommand::Import(args) => import::run(args, now, out),
        LedgerCommand::RevocationList(args) => revocation_list::run(args, out),
        LedgerCommand::Audit(args) => audit::run(args, now, out),
    }
}

/// Prints licenses: a table, or a JSON array (`list`, `expiring`).
fn render_records(records: &[Record], out: Output) {
    if out == Output::Json {
        outln!("{}", escape::json_pretty(records));
        return;
    }
    outln!(
        "{:<36}  {:<18} {:<13} {:<14} {:<11} {}",
        "license id",
        "customer",
        "tier",
        "status",
        "expires",
        "days"
    );
    for r in records {
        outln!(
            "{:<36}  {:<18} {:<13} {:<14} {:<11} {}",
            r.license_id,
            printable(&r.customer_id),
            printable(&r.tier),
            r.status.as_str(),
            r.expires_at
                .as_deref()
                .map_or_else(|| "never".into(), |e| e.get(..10).unwrap_or(e).to_string()),
            r.days_left.map_or_else(|| "-".into(), |d| d.to_string())
        );
    }
    outln!("{} license(s)", records.len());
}

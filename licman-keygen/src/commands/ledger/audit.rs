//! `licman-keygen ledger audit`: the append-only audit log, and the
//! licenses whose delivery is unconfirmed.

use licman_core::Timestamp;
use serde_json::json;

use super::{LedgerPath, Output};
use crate::error::Result;
use crate::escape::{self, printable};
use crate::ledger::{Filter, LicenseStatus, Record};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
}

pub fn run(args: &Args, now: Timestamp, out: Output) -> Result<()> {
    let ledger = args.ledger.open_existing()?;
    let entries = ledger.audit_entries()?;
    let unconfirmed = ledger.records(&unconfirmed(), now)?;
    render(&entries, &unconfirmed, out);
    Ok(())
}

/// The licenses printed by an interrupted run.
pub fn unconfirmed() -> Filter {
    Filter {
        status: Some(LicenseStatus::Unconfirmed),
        ..Filter::default()
    }
}

fn render(entries: &[serde_json::Value], unconfirmed: &[Record], out: Output) {
    if out == Output::Json {
        let ids: Vec<_> = unconfirmed.iter().map(|r| &r.license_id).collect();
        outln!(
            "{}",
            escape::json_pretty(&json!({ "entries": entries, "unconfirmed": ids }))
        );
        return;
    }
    for e in entries {
        outln!(
            "{:>5}  {}  {:<10} {:<16} {}  {}",
            e["id"],
            e["at"].as_str().unwrap_or(""),
            printable(e["os_user"].as_str().unwrap_or("")),
            printable(e["command"].as_str().unwrap_or("")),
            printable(e["action"].as_str().unwrap_or("")),
            escape::json(&e["ids"])
        );
    }
    outln!("{} audit entries", entries.len());
    for r in unconfirmed {
        outln!(
            "attention: license {} (customer {}) was printed by an interrupted run; its delivery is unconfirmed",
            r.license_id,
            printable(&r.customer_id)
        );
    }
}

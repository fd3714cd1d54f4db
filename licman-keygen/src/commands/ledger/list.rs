//! `licman-keygen ledger list`.

use licman_core::Timestamp;

use super::{LedgerPath, Output, render_records};
use crate::error::{CliError, Result};
use crate::ledger::{Filter, LicenseStatus};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
    /// Only this customer id.
    #[arg(long)]
    customer: Option<String>,
    /// Only this tier.
    #[arg(long)]
    tier: Option<String>,
    /// Only this status: active, expiring_soon, in_grace, expired, not_yet_valid, revoked, unconfirmed, pending, void.
    #[arg(long)]
    status: Option<String>,
}

pub fn run(args: &Args, now: Timestamp, out: Output) -> Result<()> {
    let filter = Filter {
        customer: args.customer.clone(),
        tier: args.tier.clone(),
        status: args.status.as_deref().map(parse_status).transpose()?,
    };
    let ledger = args.ledger.open_existing()?;
    render_records(&ledger.records(&filter, now)?, out);
    Ok(())
}

/// A `--status` (`expiring` is `expiring_soon`).
fn parse_status(status: &str) -> Result<LicenseStatus> {
    status.parse().map_err(|()| {
        let known: Vec<&str> = LicenseStatus::ALL.iter().map(|s| s.as_str()).collect();
        CliError::usage(format!(
            "unknown status '{status}' (use one of: {})",
            known.join(", ")
        ))
    })
}

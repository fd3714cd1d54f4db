//! `licman-keygen ledger expiring`.

use licman_core::Timestamp;

use super::{LedgerPath, Output, render_records};
use crate::dates;
use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
    /// The window.
    #[arg(long, value_name = "DURATION")]
    within: String,
}

pub fn run(args: &Args, now: Timestamp, out: Output) -> Result<()> {
    let window = dates::parse_duration(&args.within)?;
    let ledger = args.ledger.open_existing()?;
    render_records(&ledger.expiring(window, now)?, out);
    Ok(())
}

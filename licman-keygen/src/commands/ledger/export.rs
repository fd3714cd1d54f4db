//! `licman-keygen ledger export`: every license, as CSV or JSON.

use std::path::PathBuf;

use clap::ValueEnum;
use licman_core::Timestamp;

use super::LedgerPath;
use super::audit::unconfirmed;
use crate::commands::shared::write_stdout;
use crate::error::{CliError, Result};
use crate::escape;
use crate::keyfile;
use crate::ledger::{self, Filter, Record};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
    /// csv or json.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// The file (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

pub fn run(args: &Args, now: Timestamp) -> Result<()> {
    let ledger = args.ledger.open_existing()?;
    // The listed licenses, then the unconfirmed ones, which are among the
    // listed ones too: an export has always held them twice.
    let mut records = ledger.records(&Filter::default(), now)?;
    records.extend(ledger.records(&unconfirmed(), now)?);
    let text = match args.format {
        ExportFormat::Json => format!("{}\n", escape::json_pretty(&records)),
        ExportFormat::Csv => csv_text(&records)?,
    };
    match &args.out {
        Some(p) => {
            // Customers' names, emails and keys: private (0600 on unix).
            if args.force {
                keyfile::refuse_replacing_key(p, false)?;
            }
            keyfile::write_atomic(p, text.as_bytes(), 0o600, args.force)?;
            eprintln!("exported {} license(s) to {}", records.len(), p.display());
            Ok(())
        }
        None => write_stdout(text.as_bytes()),
    }
}

/// The CSV export: [`ledger::CSV_COLUMNS`], then a row per license, its
/// formula characters quoted (see `escape::csv_cell`).
fn csv_text(records: &[Record]) -> Result<String> {
    let csv_err = |e: csv::Error| CliError::failure("io", format!("cannot write CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ledger::CSV_COLUMNS).map_err(csv_err)?;
    for r in records {
        let row = r.csv_row();
        let cells: Vec<_> = row.iter().map(|c| escape::csv_cell(c)).collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| CliError::failure("io", format!("cannot write CSV: {e}")))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

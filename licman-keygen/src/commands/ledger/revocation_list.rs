//! `licman-keygen ledger revocation-list`: writes the latest signed list
//! again, from the ledger.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{LedgerPath, Output};
use crate::commands::shared::{refuse_existing, write_stdout};
use crate::error::{CliError, Result};
use crate::escape::{self, printable};
use crate::keyfile;
use crate::ledger::StoredList;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerPath,
    /// The product (needed when the ledger has lists for several).
    #[arg(long)]
    product: Option<String>,
    /// The file (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    refuse_existing(args.out.as_deref(), args.force)?;
    let (list, armored) = latest(args)?;
    let Some(path) = &args.out else {
        return write_stdout(armored.as_bytes());
    };
    keyfile::write_atomic(path, armored.as_bytes(), 0o644, args.force)?;
    render(&list, path, out);
    Ok(())
}

/// The latest list of the product, and its signed text.
fn latest(args: &Args) -> Result<(StoredList, String)> {
    let ledger = args.ledger.open_existing()?;
    let Some(list) = ledger.latest_list(args.product.as_deref())? else {
        let shown = ledger.shown();
        return Err(CliError::failure(
            "no_list",
            match &args.product {
                Some(p) => format!("the ledger {shown} has no revocation list for {p}"),
                None => format!("the ledger {shown} has no revocation list"),
            },
        ));
    };
    match list.armored.clone() {
        Some(armored) => Ok((list, armored)),
        None => Err(CliError::failure(
            "no_list",
            format!(
                "revocation list #{} for {} was recorded by an older licman-keygen, which did not keep its text: run `revoke` again to sign a new one",
                list.serial, list.product
            ),
        )),
    }
}

fn render(list: &StoredList, path: &Path, out: Output) {
    if out == Output::Json {
        outln!(
            "{}",
            escape::json(&json!({ "serial": list.serial, "product": list.product, "out": path }))
        );
    } else {
        eprintln!(
            "wrote revocation list #{} for {} to {}",
            list.serial,
            printable(&list.product),
            path.display()
        );
    }
}

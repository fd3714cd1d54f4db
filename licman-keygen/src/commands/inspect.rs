//! `licman-keygen inspect`: decodes a license without trusting it.

use std::path::PathBuf;

use licman_core::{Catalog, UnverifiedLicense};
use serde_json::json;

use super::Output;
use super::describe::describe;
use super::shared::{module_names, read_catalog, read_input};
use crate::error::Result;
use crate::escape::{self, printable};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A catalog, to show module and quota names.
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: Option<PathBuf>,
    /// The license (compact or armored); `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let catalog = args.catalog.as_deref().map(read_catalog).transpose()?;
    let text = read_input(&args.file)?;
    let license = UnverifiedLicense::parse(&text)?;
    render(&license, catalog.as_ref(), out);
    Ok(())
}

fn render(license: &UnverifiedLicense, catalog: Option<&Catalog>, out: Output) {
    let claims = license.untrusted_claims();
    if out == Output::Json {
        let mut value = json!({
            "verified": false,
            "note": "decoded without checking the signature",
            "license_id": claims.license_id.to_string(),
            "key_id": license.key_id().to_string(),
            "claims": claims,
        });
        if let Some(c) = catalog {
            value["module_names"] = module_names(c, &claims.modules).into();
        }
        outln!("{}", escape::json_pretty(&value));
        return;
    }
    outln!("UNVERIFIED: decoded without checking the signature; anyone could have written this.");
    outln!("  {:<11} {}", "key id", license.key_id());
    for (label, value) in describe(claims, catalog) {
        outln!("  {label:<11} {}", printable(&value));
    }
}

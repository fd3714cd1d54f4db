//! `licman-keygen catalog check`: validates a product catalog;
//! `licman-keygen catalog export`: writes it as JSON (for the WebAssembly
//! package, which reads catalogs as JSON only).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use licman_core::{Catalog, CatalogDefinition, QuotaLimit, Tier};
use serde_json::json;

use super::Output;
use super::shared::{module_names, quota_name};
use crate::error::{CliError, Result};

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Check a catalog file: syntax, ids, names, tiers, inheritance, routes.
    #[command(
        after_help = "Examples:\n  licman-keygen catalog check examples/catalogs/netaudit.toml\n  licman-keygen catalog check netaudit.toml --json"
    )]
    Check(CheckArgs),
    /// Write a catalog as JSON (after checking it): the form
    /// `Catalog.fromJson` reads in the WebAssembly package and
    /// `licman_catalog_from_json` in C.
    #[command(
        after_help = "Examples:\n  licman-keygen catalog export examples/catalogs/netaudit.toml > netaudit.json"
    )]
    Export(ExportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The catalog (TOML).
    #[arg(value_name = "CATALOG.toml")]
    catalog: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The catalog (TOML).
    #[arg(value_name = "CATALOG.toml")]
    catalog: PathBuf,
}

pub fn run(command: &CatalogCommand, out: Output) -> Result<()> {
    match command {
        CatalogCommand::Check(args) => check(args, out),
        CatalogCommand::Export(args) => export(args),
    }
}

/// The catalog's definition as pretty JSON, once it validates.
fn export(args: &ExportArgs) -> Result<()> {
    let path = &args.catalog;
    let text = crate::keyfile::read_text(path, "catalog", licman_core::MAX_CATALOG_TEXT_LEN)?;
    let invalid = |e: licman_core::CatalogError| {
        CliError::failure(e.code(), format!("{}: {e}", path.display()))
    };
    let definition = if super::shared::is_json(path) {
        CatalogDefinition::from_json(&text)
    } else {
        CatalogDefinition::from_toml(&text)
    }
    .map_err(invalid)?;
    Catalog::from_definition(definition.clone()).map_err(invalid)?;
    let json = serde_json::to_string_pretty(&definition)
        .map_err(|e| CliError::failure("export_failed", format!("{}: {e}", path.display())))?;
    outln!("{json}");
    Ok(())
}

fn check(args: &CheckArgs, out: Output) -> Result<()> {
    let path = &args.catalog;
    let text = crate::keyfile::read_text(path, "catalog", licman_core::MAX_CATALOG_TEXT_LEN)?;
    let parsed = if super::shared::is_json(path) {
        Catalog::from_json(&text)
    } else {
        Catalog::from_toml(&text)
    };
    let catalog =
        parsed.map_err(|e| CliError::failure(e.code(), format!("{}: {e}", path.display())))?;
    match out {
        Output::Json => render_json(&catalog),
        Output::Text => render_text(path, &catalog),
    }
    Ok(())
}

/// A tier's quotas, by name.
fn tier_quotas<'a>(
    catalog: &'a Catalog,
    tier: &'a Tier,
) -> impl Iterator<Item = (String, &'a QuotaLimit)> {
    tier.quotas()
        .iter()
        .map(move |(q, l)| (quota_name(Some(catalog), *q), l))
}

fn render_json(catalog: &Catalog) {
    let tiers: Vec<_> = catalog
        .tiers()
        .map(|t| {
            json!({
                "name": t.name(), "display_name": t.display_name(), "inherits": t.inherits(),
                "modules": module_names(catalog, t.modules()),
                "quotas": tier_quotas(catalog, t).map(|(q, l)| (q, json!(l))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    outln!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "valid": true, "product": catalog.product(), "display_name": catalog.display_name(),
            "modules": catalog.modules().len(), "quotas": catalog.quotas().len(), "routes": catalog.routes().len(), "tiers": tiers,
        }))
        .unwrap_or_default()
    );
}

fn render_text(path: &Path, catalog: &Catalog) {
    outln!(
        "{}: valid catalog for {} ({})",
        path.display(),
        catalog.display_name(),
        catalog.product()
    );
    outln!(
        "  {} modules, {} quotas, {} routes",
        catalog.modules().len(),
        catalog.quotas().len(),
        catalog.routes().len()
    );
    for t in catalog.tiers() {
        let quotas: Vec<String> = tier_quotas(catalog, t)
            .map(|(q, l)| format!("{q}={l}"))
            .collect();
        outln!(
            "  tier {:<14} {:>2} modules  {}",
            t.name(),
            t.modules().len(),
            quotas.join(" ")
        );
    }
}

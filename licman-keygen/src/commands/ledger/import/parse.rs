//! The rows of an import file: a JSON or CSV export.

use std::path::Path;

use crate::error::{CliError, Result};
use crate::escape;

/// One row of an import file: the fields that matter (the key is the truth;
/// the other columns must agree with it).
#[derive(Debug, Default)]
pub struct ImportRow {
    pub line: usize,
    pub license_id: Option<String>,
    pub key: Option<String>,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
}

impl ImportRow {
    /// A row from its cells, by column name (empty cells are no value).
    fn from_cells(line: usize, cell: impl Fn(&str) -> Option<String>) -> ImportRow {
        let cell = |name: &str| cell(name).filter(|s| !s.is_empty());
        ImportRow {
            line,
            license_id: cell("license_id"),
            key: cell("key"),
            revoked_at: cell("revoked_at"),
            revoke_reason: cell("revoke_reason"),
        }
    }
}

pub fn read_rows(file: &Path) -> Result<Vec<ImportRow>> {
    // A ledger export: a row a license (256 MiB is some 200,000 of them).
    let text = crate::keyfile::read_text(file, "ledger export", 256 << 20)?;
    parse_import(&text, &file.display().to_string())
}

fn malformed(message: String) -> CliError {
    CliError::failure("malformed_import", message)
}

/// The rows of an export's text: a JSON array, or CSV with a `key` column
/// (its cells unquoted as `escape::csv_uncell` does).
pub fn parse_import(text: &str, origin: &str) -> Result<Vec<ImportRow>> {
    if text.trim_start().starts_with('[') {
        parse_json(text, origin)
    } else {
        parse_csv(text, origin)
    }
}

fn parse_json(text: &str, origin: &str) -> Result<Vec<ImportRow>> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| malformed(format!("{origin}: not a JSON export: {e}")))?;
    Ok(values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            ImportRow::from_cells(i + 1, |k| {
                v.get(k).and_then(|x| x.as_str()).map(str::to_string)
            })
        })
        .collect())
}

fn parse_csv(text: &str, origin: &str) -> Result<Vec<ImportRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(format!("{origin}: bad CSV header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if !headers.iter().any(|h| h == "key") {
        return Err(malformed(format!(
            "{origin}: no 'key' column (is this a licman export?)"
        )));
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let rows = reader.records().enumerate().map(|(i, record)| {
        let line = i + 2;
        let Ok(record) = record else {
            return ImportRow {
                line,
                ..ImportRow::default()
            };
        };
        // The export quoted formula characters (escape::csv_cell).
        ImportRow::from_cells(line, |name| {
            col(name)
                .and_then(|c| record.get(c))
                .map(|c| escape::csv_uncell(c).to_string())
        })
    });
    Ok(rows.collect())
}

//! `licman-keygen issue --batch`: a license per row of a CSV file, with a
//! results CSV, resumable through the ledger's record of each row.
//!
//! Rows go in chunks: the chunk's licenses are signed (and verified) on
//! every core, recorded `pending` in one ledger transaction, written to the
//! results file and synced, then marked `issued` in one transaction. The
//! crash guarantee is the single row's, per chunk: a license is recorded
//! before it is output and marked issued only after, so a killed run
//! leaves pending rows that recovery settles by reading the output (none
//! output but missing from the ledger, none issued but not output).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;

use licman_core::{Catalog, SigningKey, Timestamp, VerifiedLicense};
use serde_json::json;

use super::request::{BATCH_COLUMNS, Request, claims_for, row_request};
use super::results::Results;
use super::{Args, Output, absolute, sign_and_verify};
use crate::commands::shared::refuse_existing;
use crate::dates;
use crate::error::{CliError, Exit, Result};
use crate::escape::{self, printable};
use crate::keyfile;
use crate::ledger::{BatchRow, IssuedRow, Ledger, State};

/// A row as the CSV reader read it.
type CsvRow = std::result::Result<csv::StringRecord, csv::Error>;

pub fn run(args: &Args, catalog: &Catalog, path: &Path, out: Output) -> Result<()> {
    let (headers, rows) = read_csv(path)?;
    let key = keyfile::load_signing_key(&args.secret_key, &args.passphrase.source())?;
    refuse_existing(args.out.as_deref(), args.force)?;
    let mut ledger = args.open_ledger()?;
    let source = source_path(path);
    let identities = row_identities(catalog.product(), &headers, &rows);
    // Rows of this file that already have a license (a run that was
    // interrupted, or that failed on other rows): refused, or skipped with
    // --resume. Checked before anything is written.
    let done = match &ledger {
        Some(l) => l.issued_from(&source)?,
        None => HashMap::new(),
    };
    if !args.resume {
        refuse_issued(path, &identities, &done)?;
    }
    let results = Results::open(args.out.as_deref(), args.force)?;
    let output = args.output();
    let now = dates::now()?;
    let batch_id = keyfile::random_license_id()?.to_string();
    if let Some(l) = ledger.as_mut() {
        l.start_batch(&batch_id, &source, &output, now)?;
    }
    let defaults = Request::from_args(args);
    let signer = Signer {
        catalog,
        key: &key,
        defaults: &defaults,
        headers: &headers,
        now,
    };
    let mut batch = Batch {
        ledger,
        results,
        headers: &headers,
        batch_id,
        source,
        output,
        now,
        progress: progress_bar(rows.len(), out),
        out,
        tally: Tally::default(),
    };
    let items: Vec<Item<'_>> = rows
        .iter()
        .zip(&identities)
        .enumerate()
        .map(|(index, (row, identity))| Item {
            row_no: index + 1,
            row,
            identity: identity.as_deref(),
            done: identity.as_ref().and_then(|id| done.get(id)),
        })
        .collect();
    // A chunk is signed while the one before it is recorded and written.
    let chunks: Vec<&[Item<'_>]> = items.chunks(CHUNK).collect();
    std::thread::scope(|scope| -> Result<()> {
        let signer = &signer;
        let mut next = chunks
            .first()
            .map(|c| scope.spawn(move || signer.sign_all(c)));
        for (k, chunk) in chunks.iter().enumerate() {
            let signed = next
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default();
            next = chunks
                .get(k + 1)
                .map(|c| scope.spawn(move || signer.sign_all(c)));
            batch.record(chunk, signed)?;
        }
        Ok(())
    })?;
    batch.finish()
}

/// Rows per chunk: one ledger transaction and one sync of the results each.
const CHUNK: usize = 500;

/// A row of the batch file and what the ledger knows of it.
struct Item<'r> {
    /// 1 = the first row after the header.
    row_no: usize,
    row: &'r CsvRow,
    identity: Option<&'r str>,
    /// The license it already has (`--resume` skips it).
    done: Option<&'r IssuedRow>,
}

/// What signing needs, shared by the signing threads.
struct Signer<'a> {
    catalog: &'a Catalog,
    key: &'a SigningKey,
    defaults: &'a Request,
    headers: &'a [String],
    now: Timestamp,
}

impl Signer<'_> {
    fn sign(&self, row: &CsvRow) -> Result<(Request, VerifiedLicense)> {
        row.as_ref()
            .map_err(|e| CliError::usage(format!("malformed CSV: {e}")))
            .and_then(|r| row_request(self.defaults, self.headers, r))
            .and_then(|req| claims_for(self.catalog, &req, self.now).map(|c| (req, c)))
            .and_then(|(req, c)| sign_and_verify(self.key, &c, self.now).map(|l| (req, l)))
    }

    /// The licenses of a chunk's rows (`None` for rows already done), in
    /// order, signed on every core.
    fn sign_all(&self, items: &[Item<'_>]) -> Vec<Option<Result<(Request, VerifiedLicense)>>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 16);
        let per_thread = items.len().div_ceil(threads).max(1);
        let sign = |part: &[Item<'_>]| -> Vec<Option<Result<(Request, VerifiedLicense)>>> {
            part.iter()
                .map(|item| item.done.is_none().then(|| self.sign(item.row)))
                .collect()
        };
        if threads == 1 || items.len() < 2 {
            return sign(items);
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(per_thread)
                .map(|part| scope.spawn(move || sign(part)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Some(Err(CliError::failure(
                            "issue",
                            "a signing thread failed",
                        )))]
                    })
                })
                .collect()
        })
    }
}

/// The header (trimmed, checked) and the rows of a batch file.
fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<CsvRow>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| CliError::failure("io", format!("cannot read {}: {e}", path.display())))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            CliError::failure(
                "malformed_csv",
                format!("{}: bad header row: {e}", path.display()),
            )
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(unknown) = headers
        .iter()
        .find(|h| !BATCH_COLUMNS.contains(&h.as_str()))
    {
        return Err(CliError::usage(format!(
            "{}: unknown column '{unknown}' (columns: {})",
            path.display(),
            BATCH_COLUMNS.join(", ")
        )));
    }
    // A column given twice would be read from one of them silently.
    if let Some((i, twice)) = headers
        .iter()
        .enumerate()
        .find(|(i, h)| headers[..*i].contains(h))
    {
        return Err(CliError::usage(format!(
            "{}: the column '{twice}' is in the header twice (column {})",
            path.display(),
            i + 1
        )));
    }
    if !headers.iter().any(|h| h == "customer_id") {
        return Err(CliError::usage(format!(
            "{}: the header has no customer_id column",
            path.display()
        )));
    }
    Ok((headers, reader.records().collect()))
}

/// Refuses a file some of whose rows already have a license (without
/// `--resume`).
fn refuse_issued(
    path: &Path,
    identities: &[Option<String>],
    done: &HashMap<String, IssuedRow>,
) -> Result<()> {
    let already: Vec<(usize, &IssuedRow)> = identities
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((i + 1, done.get(id.as_ref()?)?)))
        .collect();
    if already.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = already
        .iter()
        .take(5)
        .map(|(row, issued)| format!("row {row}: license {}", issued.license_id))
        .collect();
    Err(CliError::failure(
        "already_issued",
        format!(
            "{}: {} row(s) of this file already have a license ({}{}); pass --resume to skip them and issue the rest",
            path.display(),
            already.len(),
            shown.join(", "),
            if already.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ),
    ))
}

fn progress_bar(rows: usize, out: Output) -> indicatif::ProgressBar {
    let progress = if std::io::stderr().is_terminal() && out == Output::Text {
        indicatif::ProgressBar::new(rows as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    progress
}

/// What a batch did: rows issued, skipped (issued before) and failed.
#[derive(Debug, Default)]
struct Tally {
    issued: usize,
    skipped: Vec<serde_json::Value>,
    failed: Vec<serde_json::Value>,
}

/// A batch under way.
struct Batch<'a> {
    ledger: Option<Ledger>,
    results: Results,
    headers: &'a [String],
    batch_id: String,
    /// The batch file, as the ledger records it.
    source: String,
    /// The results file, as the ledger records it.
    output: String,
    now: Timestamp,
    progress: indicatif::ProgressBar,
    out: Output,
    tally: Tally,
}

impl Batch<'_> {
    /// A chunk of rows and their licenses (signed by [`Signer::sign_all`]):
    /// recorded pending in one transaction, written and synced, marked
    /// issued in one transaction.
    fn record(
        &mut self,
        items: &[Item<'_>],
        signed: Vec<Option<Result<(Request, VerifiedLicense)>>>,
    ) -> Result<()> {
        if signed.len() != items.len() {
            return Err(CliError::failure("issue", "a signing thread failed"));
        }
        if let Some(l) = self.ledger.as_mut() {
            let pending: Vec<(&VerifiedLicense, Option<BatchRow<'_>>)> = items
                .iter()
                .zip(&signed)
                .filter_map(|(item, s)| match s {
                    Some(Ok((_, license))) => Some((
                        license,
                        item.identity.map(|source_row| BatchRow {
                            batch_id: &self.batch_id,
                            row: item.row_no as u64,
                            source_path: &self.source,
                            source_row,
                        }),
                    )),
                    _ => None,
                })
                .collect();
            l.record_pending_many(&pending, &self.output, self.now)?;
        }
        let mut issued = Vec::new();
        for (item, s) in items.iter().zip(&signed) {
            let line = item
                .row
                .as_ref()
                .ok()
                .and_then(|r| r.position())
                .map_or(item.row_no + 1, |p| usize::try_from(p.line()).unwrap_or(0));
            match (item.done, s) {
                // --resume (checked before the batch started): this row has its license.
                (Some(before), _) => self.skip(item.row_no, line, item.row, before)?,
                (None, Some(Ok((req, license)))) => {
                    let id = license.license_id();
                    self.results.row([
                        &item.row_no.to_string(),
                        req.customer.as_deref().unwrap_or(""),
                        "issued",
                        &id.to_string(),
                        &license.to_compact(),
                        "",
                    ])?;
                    let details = json!({ "batch": self.batch_id, "row": item.row_no, "customer": req.customer, "tier": req.tier });
                    issued.push((id, details));
                }
                (None, Some(Err(e))) => self.fail(item.row_no, line, item.row, &e.message)?,
                (None, None) => return Err(CliError::failure("issue", "a row was not signed")),
            }
            self.progress.inc(1);
        }
        self.results.sync()?;
        if let Some(l) = self.ledger.as_mut() {
            l.mark_issued_many(&issued, "issue --batch")?;
        }
        self.tally.issued += issued.len();
        Ok(())
    }

    fn customer_of(&self, row: &CsvRow) -> Option<String> {
        let r = row.as_ref().ok()?;
        let i = self.headers.iter().position(|h| h == "customer_id")?;
        r.get(i).map(|c| c.trim().to_string())
    }

    fn skip(&mut self, row_no: usize, line: usize, row: &CsvRow, before: &IssuedRow) -> Result<()> {
        let note = match (&before.batch_id, before.batch_row) {
            (Some(b), Some(r)) => format!("already issued (batch {b}, row {r})"),
            _ => "already issued".to_string(),
        };
        let pending = before.state == State::Pending;
        let (note, key) = if pending {
            let note = format!("{note}, by a run that has not finished: try again once it has");
            (note, "")
        } else {
            (note, before.key.as_str())
        };
        self.results.row([
            &row_no.to_string(),
            self.customer_of(row).as_deref().unwrap_or(""),
            "skipped",
            &before.license_id,
            key,
            &note,
        ])?;
        self.tally
            .skipped
            .push(json!({ "row": row_no, "line": line, "license_id": before.license_id }));
        Ok(())
    }

    fn fail(&mut self, row_no: usize, line: usize, row: &CsvRow, error: &str) -> Result<()> {
        let customer = self.customer_of(row);
        self.results.row([
            &row_no.to_string(),
            customer.as_deref().unwrap_or(""),
            "error",
            "",
            "",
            error,
        ])?;
        if self.out == Output::Text {
            let message = format!("row {row_no} (line {line}): {error}");
            self.progress
                .suspend(|| eprintln!("error: {}", printable(&message)));
        }
        self.tally
            .failed
            .push(json!({ "row": row_no, "line": line, "error": error }));
        Ok(())
    }

    /// Ends the batch: its record in the ledger, the summary; an error if
    /// any row failed.
    fn finish(mut self) -> Result<()> {
        self.progress.finish_and_clear();
        if let Some(l) = self.ledger.as_mut() {
            l.finish_batch(&self.batch_id, dates::now()?)?;
        }
        render_summary(&self.tally, self.out);
        if self.tally.failed.is_empty() {
            return Ok(());
        }
        Err(CliError {
            code: "rows_failed",
            message: format!("{} row(s) failed", self.tally.failed.len()),
            exit: Exit::Failure,
            printed: true,
        })
    }
}

/// The summary, on standard error.
fn render_summary(tally: &Tally, out: Output) {
    let Tally {
        issued,
        skipped,
        failed,
    } = tally;
    if out == Output::Json {
        eprintln!(
            "{}",
            escape::json(&json!({ "issued": issued, "skipped": skipped, "failed": failed }))
        );
    } else if skipped.is_empty() {
        eprintln!("issued {issued} license(s); {} row(s) failed", failed.len());
    } else {
        eprintln!(
            "issued {issued} license(s), skipped {} already issued; {} row(s) failed",
            skipped.len(),
            failed.len()
        );
    }
}

/// The content hash of a batch row: SHA-256 over the product and the
/// row's non-empty cells (trimmed, as they are read) with their column
/// names, in column-name order. So the hash does not change with the
/// column order, blank cells, spaces around cells, or other rows.
fn row_content_hash(product: &str, headers: &[String], row: &csv::StringRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut cells: Vec<(&str, &str)> = headers
        .iter()
        .map(String::as_str)
        .zip(row.iter().map(str::trim))
        .filter(|(_, cell)| !cell.is_empty())
        .collect();
    cells.sort_unstable();
    let mut hash = Sha256::new();
    for part in std::iter::once(product).chain(cells.iter().flat_map(|(n, c)| [*n, *c])) {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The identity of each row in its file: its content hash and which
/// occurrence of that content it is (`HASH:1`, `HASH:2` for a repeated
/// row). `None` for a row the CSV reader could not read.
fn row_identities(
    product: &str,
    headers: &[String],
    rows: &[std::result::Result<csv::StringRecord, csv::Error>],
) -> Vec<Option<String>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    rows.iter()
        .map(|row| {
            let hash = row_content_hash(product, headers, row.as_ref().ok()?);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            Some(format!("{hash}:{n}"))
        })
        .collect()
}

/// The file a batch came from, as the ledger records it: its canonical
/// absolute path (symbolic links resolved).
fn source_path(path: &Path) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| absolute(path))
}

/// Parses a batch CSV against `catalog` without signing (for the fuzz
/// target): how many rows make valid claims.
pub fn fuzz_batch(csv_text: &str, catalog: &Catalog) -> Result<usize> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::failure("malformed_csv", format!("bad header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let defaults = Request {
        bind_policy: "any".into(),
        perpetual: true,
        ..Request::default()
    };
    let now = Timestamp::from_unix_seconds(1_780_000_000);
    let mut valid = 0;
    for row in reader.records() {
        let Ok(row) = row else { continue };
        if let Ok(request) = row_request(&defaults, &headers, &row)
            && claims_for(catalog, &request, now).is_ok()
        {
            valid += 1;
        }
    }
    Ok(valid)
}

//! The results CSV of a batch: a row per input row, synced after each
//! chunk of rows (before the ledger marks them issued).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{CliError, Result};
use crate::escape;
use crate::keyfile;

pub struct Results {
    /// Formats rows into memory; [`sync`](Self::sync) writes them out whole.
    writer: csv::Writer<Vec<u8>>,
    sink: Box<dyn Write>,
    file: Option<File>,
}

impl Results {
    /// The results file (mode 0600), or standard output, with its header.
    pub fn open(out: Option<&Path>, force: bool) -> Result<Results> {
        let (sink, file): (Box<dyn Write>, Option<File>) = match out {
            Some(path) => {
                let file = create(path, force)?;
                let clone = file
                    .try_clone()
                    .map_err(|e| CliError::io("cannot open", path, &e))?;
                (Box::new(file), Some(clone))
            }
            None => (Box::new(std::io::stdout()), None),
        };
        let mut writer = csv::WriterBuilder::new()
            .flexible(false)
            .from_writer(Vec::new());
        writer
            .write_record(["row", "customer_id", "status", "license_id", "key", "error"])
            .map_err(csv_io)?;
        let mut results = Results { writer, sink, file };
        results.sync()?;
        Ok(results)
    }

    /// One row, its cells quoted against formulas (escape::csv_cell);
    /// written for good by the next [`sync`](Self::sync).
    pub fn row(&mut self, fields: [&str; 6]) -> Result<()> {
        self.writer
            .write_record(fields.map(escape::csv_cell).iter().map(|c| c.as_bytes()))
            .map_err(csv_io)
    }

    /// Writes the rows so far in one write, flushes to the OS and, for a
    /// file, to the disk. (A run killed during the write can leave its last
    /// line cut; recovery then finds that license's key missing and voids it.)
    pub fn sync(&mut self) -> Result<()> {
        let failed =
            |e: std::io::Error| CliError::failure("io", format!("cannot write results: {e}"));
        let rows = std::mem::replace(&mut self.writer, formatter())
            .into_inner()
            .map_err(|e| failed(e.into_error()))?;
        self.sink
            .write_all(&rows)
            .and_then(|()| self.sink.flush())
            .map_err(failed)?;
        if let Some(f) = &self.file {
            f.sync_data()
                .map_err(|e| CliError::failure("io", format!("cannot write results: {e}")))?;
        }
        Ok(())
    }
}

/// A CSV writer into memory.
fn formatter() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(false)
        .from_writer(Vec::new())
}

/// Creates the results file: customers' keys, private (0600 on unix).
fn create(path: &Path, force: bool) -> Result<File> {
    let mut options = keyfile::create_options(0o600);
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::exists(path)
        } else {
            CliError::io("cannot create", path, &e)
        }
    })
}

fn csv_io(e: csv::Error) -> CliError {
    CliError::failure("io", format!("cannot write results: {e}"))
}

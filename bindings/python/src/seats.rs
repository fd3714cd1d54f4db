//! `licman._native.SeatStore`: the seat store of `licman-seats` (SQLite or
//! PostgreSQL), embedded. It runs the CLI's own commands
//! (`licman_seats::cli::run_on`) and hands back their `--json` text, so a
//! Python host gets exactly the CLI's and the server's results; the Python
//! layer (`licman.seats.Store`) turns arguments into the command line and
//! the JSON into Python objects. A failure is raised through
//! `licman.seats._failure(code, message, http_status, details_json)`.

use std::sync::Mutex;

use clap::Parser as _;
use licman_seats::cli::{Cli, run_on};
use licman_seats::error::Failure;
use licman_seats::store::Store;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FAILURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn failure(py: Python<'_>, f: &Failure) -> PyErr {
    let details = serde_json::Value::Object((*f.details).clone()).to_string();
    let made = FAILURE
        .import(py, "licman.seats", "_failure")
        .and_then(|factory| {
            factory.call1((
                f.code.as_str(),
                f.message.as_str(),
                f.http_status(),
                details,
            ))
        });
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// An open seat store. Commands run one at a time per store (a lock), with
/// the GIL released; several stores (processes, threads) on one database
/// take turns on its write lock, as CLI processes do.
#[pyclass(module = "licman._native", frozen)]
pub struct SeatStore {
    store: Mutex<Store>,
    location: String,
}

impl std::fmt::Debug for SeatStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeatStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

#[pymethods]
impl SeatStore {
    /// Opens (or creates) the store: a SQLite file path or a
    /// `postgres://` URL.
    #[new]
    fn new(py: Python<'_>, location: String) -> PyResult<SeatStore> {
        let opened = py.detach(|| Store::open(&location));
        match opened {
            Ok(store) => Ok(SeatStore {
                store: Mutex::new(store),
                location,
            }),
            Err(f) => Err(failure(py, &f)),
        }
    }

    /// Runs one command line (without the program name and `--db`) and
    /// answers its `--json` text. A usage error raises `ValueError` with
    /// clap's message.
    fn run(&self, py: Python<'_>, args: Vec<String>) -> PyResult<String> {
        if args.iter().any(|a| a == "--db" || a.starts_with("--db=")) {
            return Err(PyValueError::new_err(
                "the store is already open: --db is not an option here",
            ));
        }
        let argv = std::iter::once("licman-seats".to_string()).chain(args);
        let cli =
            Cli::try_parse_from(argv).map_err(|e| PyValueError::new_err(e.render().to_string()))?;
        let ran = py.detach(|| {
            let mut store = self
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            run_on(&mut store, &cli)
        });
        match ran {
            Ok(output) => Ok(output.json.to_string()),
            Err(f) => Err(failure(py, &f)),
        }
    }

    /// Where the store is (the path or URL it was opened with).
    #[getter]
    fn location(&self) -> String {
        self.location.clone()
    }

    fn __repr__(&self) -> String {
        format!("<licman.SeatStore {:?}>", self.location)
    }
}

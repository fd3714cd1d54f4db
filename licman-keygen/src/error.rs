//! One error type for the CLI: a stable code, a message, and the exit code.

use std::fmt;

use licman_core::{CatalogError, Error as LicenseError};

/// The documented exit codes (see docs/KEYGEN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 1: a failure that is not about a license (I/O, passphrase, ledger,
    /// catalog, refusal to overwrite, bad rows).
    Failure = 1,
    /// 2: the command line is wrong (also what clap uses).
    Usage = 2,
    /// 3: the license (or key, list) is malformed.
    Malformed = 3,
    /// 4: bad signature or unknown key.
    Signature = 4,
    /// 5: expired.
    Expired = 5,
    /// 6: not yet valid.
    NotYetValid = 6,
    /// 7: revoked.
    Revoked = 7,
    /// 8: issued for another product, or bound to other machines.
    WrongProductOrMachine = 8,
    /// 9: the clock is wrong (issued in the future, rolled back).
    Clock = 9,
}

/// A CLI error: printed as one line on stderr, or as JSON with `--json`.
#[derive(Debug)]
pub struct CliError {
    pub code: &'static str,
    pub message: String,
    pub exit: Exit,
    /// The command already printed its result (a JSON verdict): only the
    /// exit code is left to give.
    pub printed: bool,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(code: &'static str, message: impl Into<String>, exit: Exit) -> Self {
        CliError {
            code,
            message: message.into(),
            exit,
            printed: false,
        }
    }

    pub fn failure(code: &'static str, message: impl Into<String>) -> Self {
        CliError::new(code, message, Exit::Failure)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new("usage", message, Exit::Usage)
    }

    /// A refusal to replace `path` without `--force`.
    pub fn exists(path: &std::path::Path) -> Self {
        CliError::failure(
            "exists",
            format!(
                "{} already exists; pass --force to replace it",
                path.display()
            ),
        )
    }

    pub fn io(action: &str, path: &std::path::Path, e: &std::io::Error) -> Self {
        CliError::failure("io", format!("{action} {}: {e}", path.display()))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code for a license verification error.
pub fn exit_for(e: &LicenseError) -> Exit {
    match e {
        LicenseError::UnknownKey { .. } | LicenseError::BadSignature { .. } => Exit::Signature,
        LicenseError::Expired { .. } => Exit::Expired,
        LicenseError::NotYetValid { .. } => Exit::NotYetValid,
        LicenseError::Revoked { .. } => Exit::Revoked,
        LicenseError::WrongProduct { .. } | LicenseError::MachineMismatch { .. } => {
            Exit::WrongProductOrMachine
        }
        LicenseError::IssuedInFuture { .. } | LicenseError::ClockRolledBack { .. } => Exit::Clock,
        _ => Exit::Malformed,
    }
}

impl From<LicenseError> for CliError {
    fn from(e: LicenseError) -> Self {
        CliError::new(e.code(), e.to_string(), exit_for(&e))
    }
}

impl From<CatalogError> for CliError {
    fn from(e: CatalogError) -> Self {
        CliError::failure("invalid_catalog", format!("invalid catalog: {e}"))
    }
}

/// The code of a ledger error that broke a uniqueness rule (an id, a batch
/// row already recorded, possibly by another run at the same moment).
pub const LEDGER_CONFLICT: &str = "ledger_conflict";

impl From<rusqlite::Error> for CliError {
    fn from(e: rusqlite::Error) -> Self {
        let code = match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation)
                if e.to_string().contains("UNIQUE constraint failed") =>
            {
                LEDGER_CONFLICT
            }
            _ => "ledger",
        };
        CliError::failure(code, format!("ledger: {e}"))
    }
}

impl From<postgres::Error> for CliError {
    fn from(e: postgres::Error) -> Self {
        // The server's own message (a constraint, a trigger) where it sent one.
        let message = match e.as_db_error() {
            Some(db) => match db.detail() {
                Some(detail) => format!("{} ({detail})", db.message()),
                None => db.message().to_string(),
            },
            None => e.to_string(),
        };
        let code = match e.code() {
            Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => LEDGER_CONFLICT,
            _ => "ledger",
        };
        CliError::failure(code, format!("ledger: {message}"))
    }
}

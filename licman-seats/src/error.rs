//! Failures as the CLI reports them: a stable code and a message, printed
//! as `{"error": {"code", "message"}}` with `--json`, exit status 1.

use std::fmt;

use licman_core::seats::{AuditError, Refusal};

/// A refusal or a failure, with the code a script can match on.
///
/// ```
/// use licman_seats::error::Failure;
/// let f = Failure::new("unknown_pool", "no pool named figma");
/// assert_eq!(f.to_json()["error"]["code"], "unknown_pool");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// A stable, snake_case code: the engine's refusal codes, or one of
    /// `database`, `io`, `invalid_value`, `schema_too_new`, `not_a_seat_store`,
    /// `audit_broken`.
    pub code: String,
    /// What happened, for people.
    pub message: String,
}

impl Failure {
    /// A failure with a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A value the command line or a file got wrong.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new("invalid_value", message)
    }

    /// The JSON body of the failure.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Failure {}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Failure {
        Failure::new(refusal.code(), refusal.to_string())
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::new("database", format!("database error: {e}"))
    }
}

impl From<AuditError> for Failure {
    fn from(e: AuditError) -> Failure {
        Failure::new(
            "audit_broken",
            format!("the audit trail does not verify: {e} (event {})", e.seq()),
        )
    }
}

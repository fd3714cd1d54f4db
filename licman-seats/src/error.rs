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
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// A stable, snake_case code: the engine's refusal codes, or one of
    /// `database`, `io`, `invalid_value`, `schema_too_new`, `not_a_seat_store`,
    /// `audit_broken`.
    pub code: String,
    /// What happened, for people.
    pub message: String,
    /// Fields a script can read beside the code (`capacity` and `allocated`
    /// of `capacity_exceeded`; `pool_id` and `pool_name` of `incompatible`).
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Failure {
    /// A failure with a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    /// A value the command line or a file got wrong.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new("invalid_value", message)
    }

    /// The same failure with another message (the code and details kept).
    pub fn with_message(mut self, message: impl Into<String>) -> Failure {
        self.message = message.into();
        self
    }

    /// Adds `capacity` and `allocated` (the seats a refusal weighed).
    fn sizes(&mut self, capacity: u64, allocated: u64) {
        self.details.insert("capacity".into(), capacity.into());
        self.details.insert("allocated".into(), allocated.into());
    }

    /// The JSON body of the failure: `{"error": {"code", "message", …details}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut error = serde_json::Map::new();
        error.insert("code".into(), self.code.clone().into());
        error.insert("message".into(), self.message.clone().into());
        for (k, v) in &self.details {
            error.insert(k.clone(), v.clone());
        }
        serde_json::json!({ "error": error })
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
        let mut failure = Failure::new(refusal.code(), refusal.to_string());
        match &refusal {
            Refusal::CapacityExceeded {
                capacity,
                allocated,
            } => failure.sizes(*capacity, *allocated),
            Refusal::CapacityBelowAllocated {
                capacity,
                allocated,
            } => failure.sizes(u64::from(*capacity), *allocated),
            Refusal::Incompatible {
                pool, pool_name, ..
            } => {
                failure
                    .details
                    .insert("pool_id".into(), pool.as_str().into());
                failure
                    .details
                    .insert("pool_name".into(), pool_name.as_str().into());
            }
            _ => {}
        }
        failure
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

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
    pub details: Box<serde_json::Map<String, serde_json::Value>>,
    /// The HTTP status the server answers with (see [`Failure::http_status`]).
    status: u16,
}

impl Failure {
    /// A failure with a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
            details: Box::default(),
            status: host_status(code),
        }
    }

    /// The HTTP status for this failure: the engine's refusals by their
    /// kind (422 invalid, 404 unknown, 409 a conflict with the state, 500
    /// an inconsistent state); of the store's own codes, `invalid_value`
    /// and `unknown_currency` 422, `unknown_pool` 404, a request the server
    /// cannot parse 400, no or a bad token 401, a role that may not 403, a
    /// database that cannot be reached, is busy or is read-only 503 (so is
    /// a server whose queue is full, and a request over its time), and
    /// anything else 500.
    ///
    /// ```
    /// use licman_seats::error::Failure;
    /// use licman_core::seats::Refusal;
    /// assert_eq!(Failure::from(Refusal::CapacityExceeded { capacity: 5, allocated: 5 }).http_status(), 409);
    /// assert_eq!(Failure::invalid("capacity 0").http_status(), 422);
    /// assert_eq!(Failure::new("database_unreachable", "no answer").http_status(), 503);
    /// ```
    pub fn http_status(&self) -> u16 {
        self.status
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
        for (k, v) in self.details.iter() {
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

/// The status of a code the store, the CLI or the server gives (the
/// engine's refusals carry their kind instead).
fn host_status(code: &str) -> u16 {
    match code {
        "invalid_value"
        | "unknown_currency"
        | "license_invalid"
        | "license_ended"
        | "license_revoked"
        | "license_not_started" => 422,
        "not_license_backed" => 409,
        "bad_request" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "unknown_pool" | "not_found" => 404,
        "method_not_allowed" => 405,
        "payload_too_large" => 413,
        "unsupported_media_type" => 415,
        "database_unreachable" | "database_busy" | "read_only" | "timeout" | "busy" => 503,
        _ => 500,
    }
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Failure {
        let mut failure = Failure::new(refusal.code(), refusal.to_string());
        failure.status = refusal.kind().http_status();
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

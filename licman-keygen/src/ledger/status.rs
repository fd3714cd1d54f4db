//! The ledger's statuses: what a license row stores ([`State`]), and what
//! the ledger reports for it ([`LicenseStatus`]: revoked, else the stored
//! state, else, for an issued license, the core's status of its dates).

use std::fmt;
use std::str::FromStr;

use licman_core::Status;

/// The `state` column of a license row (see the module docs of the ledger).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Recorded before it is output.
    Pending,
    /// Output (or found in its output file by recovery).
    Issued,
    /// Never delivered: its output failed, or its file does not hold it.
    Void,
    /// Printed by an interrupted run: its delivery cannot be checked.
    Unconfirmed,
}

impl State {
    /// Every state, in the schema's order.
    pub const ALL: [State; 4] = [
        State::Pending,
        State::Issued,
        State::Void,
        State::Unconfirmed,
    ];

    /// The text the ledger stores.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Issued => "issued",
            State::Void => "void",
            State::Unconfirmed => "unconfirmed",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = ();

    fn from_str(s: &str) -> Result<State, ()> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or(())
    }
}

/// A license's status as the ledger reports it: the `status` of `ledger
/// list` and of the exports, and what `--status` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenseStatus {
    Active,
    ExpiringSoon,
    InGrace,
    Expired,
    NotYetValid,
    Revoked,
    Unconfirmed,
    Pending,
    Void,
}

impl LicenseStatus {
    /// Every status, in the order `--status` lists them.
    pub const ALL: [LicenseStatus; 9] = [
        LicenseStatus::Active,
        LicenseStatus::ExpiringSoon,
        LicenseStatus::InGrace,
        LicenseStatus::Expired,
        LicenseStatus::NotYetValid,
        LicenseStatus::Revoked,
        LicenseStatus::Unconfirmed,
        LicenseStatus::Pending,
        LicenseStatus::Void,
    ];

    /// The status of a license row: revoked, else its state unless it is
    /// issued, else the status of its dates (`dated`, by the core's rule).
    pub fn of(state: State, revoked: bool, dated: impl FnOnce() -> Status) -> LicenseStatus {
        match state {
            _ if revoked => LicenseStatus::Revoked,
            State::Pending => LicenseStatus::Pending,
            State::Void => LicenseStatus::Void,
            State::Unconfirmed => LicenseStatus::Unconfirmed,
            State::Issued => LicenseStatus::from(dated()),
        }
    }

    /// The stable snake_case code (for the dated statuses, the core's
    /// [`Status::code`]).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "active",
            LicenseStatus::ExpiringSoon => "expiring_soon",
            LicenseStatus::InGrace => "in_grace",
            LicenseStatus::Expired => "expired",
            LicenseStatus::NotYetValid => "not_yet_valid",
            LicenseStatus::Revoked => "revoked",
            LicenseStatus::Unconfirmed => "unconfirmed",
            LicenseStatus::Pending => "pending",
            LicenseStatus::Void => "void",
        }
    }

    /// The states of the rows this status can be told from (see
    /// [`Selection`]); `None`: no `--status`, the licenses that were (or
    /// may have been) delivered.
    pub fn selection(status: Option<LicenseStatus>) -> Selection {
        let unrevoked = |states: &'static [State]| Selection {
            states,
            revoked: Some(false),
        };
        match status {
            None => Selection {
                states: &[State::Issued, State::Unconfirmed],
                revoked: None,
            },
            Some(LicenseStatus::Revoked) => Selection {
                states: &State::ALL,
                revoked: Some(true),
            },
            Some(LicenseStatus::Unconfirmed) => unrevoked(&[State::Unconfirmed]),
            Some(LicenseStatus::Pending) => unrevoked(&[State::Pending]),
            Some(LicenseStatus::Void) => unrevoked(&[State::Void]),
            // The dated statuses: told from the dates after the query.
            Some(_) => unrevoked(&[State::Issued]),
        }
    }
}

impl From<Status> for LicenseStatus {
    fn from(status: Status) -> LicenseStatus {
        match status {
            Status::NotYetValid { .. } => LicenseStatus::NotYetValid,
            Status::Active => LicenseStatus::Active,
            Status::ExpiringSoon { .. } => LicenseStatus::ExpiringSoon,
            Status::InGrace { .. } => LicenseStatus::InGrace,
            Status::Expired => LicenseStatus::Expired,
        }
    }
}

impl fmt::Display for LicenseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--status`: a code of [`LicenseStatus::ALL`], or `expiring` for
/// `expiring_soon`.
impl FromStr for LicenseStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<LicenseStatus, ()> {
        if s == "expiring" {
            return Ok(LicenseStatus::ExpiringSoon);
        }
        LicenseStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(())
    }
}

impl serde::Serialize for LicenseStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The rows a status filter reads: those in one of `states`, revoked or
/// not as `revoked` says (`None`: either).
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    pub states: &'static [State],
    pub revoked: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back() {
        for status in LicenseStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        for state in State::ALL {
            assert_eq!(state.as_str().parse(), Ok(state));
        }
        assert_eq!("expiring".parse(), Ok(LicenseStatus::ExpiringSoon));
        assert_eq!("sleeping".parse::<LicenseStatus>(), Err(()));
    }

    #[test]
    fn dated_codes_are_the_cores() {
        for status in [
            Status::NotYetValid {
                days_until_start: 3,
            },
            Status::Active,
            Status::ExpiringSoon { days_left: 3 },
            Status::InGrace { days_left: 3 },
            Status::Expired,
        ] {
            assert_eq!(LicenseStatus::from(status).as_str(), status.code());
        }
    }

    #[test]
    fn revocation_comes_first_then_the_state_then_the_dates() {
        let dated = || Status::Expired;
        assert_eq!(
            LicenseStatus::of(State::Void, true, dated),
            LicenseStatus::Revoked
        );
        assert_eq!(
            LicenseStatus::of(State::Unconfirmed, false, dated),
            LicenseStatus::Unconfirmed
        );
        assert_eq!(
            LicenseStatus::of(State::Issued, false, dated),
            LicenseStatus::Expired
        );
    }
}

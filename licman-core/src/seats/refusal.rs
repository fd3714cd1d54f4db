//! Why the engine refuses a command: one typed refusal per rule, each with
//! a stable snake_case code and the kind of failure it is (which a server
//! maps to an HTTP status).

use alloc::string::String;
use core::fmt;

use crate::seats::ids::{AssignmentId, LeaseId, PoolId};

/// What kind of failure a refusal is.
///
/// ```
/// use licman_core::seats::{Refusal, RefusalKind};
/// assert_eq!(Refusal::BulkTooLarge { limit: 1000, given: 1001 }.kind(), RefusalKind::Invalid);
/// assert_eq!(RefusalKind::Conflict.http_status(), 409);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A value fails validation (422).
    Invalid,
    /// Something named does not exist (404).
    NotFound,
    /// The command conflicts with the current state (409).
    Conflict,
    /// The stored state contradicts itself (500: a damaged database).
    Inconsistent,
}

impl RefusalKind {
    /// The HTTP status a server answers with.
    pub fn http_status(self) -> u16 {
        match self {
            RefusalKind::Invalid => 422,
            RefusalKind::NotFound => 404,
            RefusalKind::Conflict => 409,
            RefusalKind::Inconsistent => 500,
        }
    }
}

/// What the engine kept unchanged, and why.
///
/// ```
/// use licman_core::seats::Refusal;
/// let r = Refusal::CapacityExceeded { capacity: 5, allocated: 5 };
/// assert_eq!(r.code(), "capacity_exceeded");
/// assert_eq!(r.to_string(), "the pool is full: 5 of 5 seats are allocated");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A field's value is not allowed.
    InvalidValue {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A currency code the engine does not know.
    UnknownCurrency {
        /// The code given.
        code: String,
    },
    /// An id is already taken by another object of its kind.
    DuplicateId {
        /// The kind (`pool`, `assignment`, …).
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// Another pool already has this name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// No pool has this id.
    UnknownPool {
        /// The id.
        pool: String,
    },
    /// No user has this id.
    UnknownUser {
        /// The id.
        user: String,
    },
    /// No assignment has this id.
    UnknownAssignment {
        /// The id.
        assignment: String,
    },
    /// No lease has this id.
    UnknownLease {
        /// The id.
        lease: String,
    },
    /// No incompatibility has this id.
    UnknownIncompatibility {
        /// The id.
        id: String,
    },
    /// No reclamation rule has this id.
    UnknownRule {
        /// The id.
        rule: String,
    },
    /// No entitlement link has this id.
    UnknownLink {
        /// The id.
        link: String,
    },
    /// The user is inactive.
    InactiveUser {
        /// The user.
        user: String,
    },
    /// The pool has no free seat.
    CapacityExceeded {
        /// The pool's capacity (times the overage factor, for leases).
        capacity: u64,
        /// Seats held now.
        allocated: u64,
    },
    /// A capacity below the seats already held.
    CapacityBelowAllocated {
        /// The capacity asked for.
        capacity: u32,
        /// Seats held now.
        allocated: u64,
    },
    /// The pool is archived.
    PoolArchived {
        /// The pool.
        pool: PoolId,
    },
    /// The pool is expired.
    PoolExpired {
        /// The pool.
        pool: PoolId,
    },
    /// The pool still has active assignments or live leases.
    PoolHasAssignments {
        /// How many seats are held.
        allocated: u64,
    },
    /// The user already holds a seat of the pool.
    AlreadyAssigned {
        /// Their assignment.
        assignment: AssignmentId,
    },
    /// The seat would give the user two incompatible pools.
    Incompatible {
        /// The pool they already hold.
        pool: PoolId,
        /// Its name.
        pool_name: String,
        /// The rule's reason.
        reason: String,
    },
    /// The assignment has already ended.
    AssignmentNotActive {
        /// The assignment.
        assignment: AssignmentId,
    },
    /// A reclaim needs a reason.
    ReasonRequired,
    /// Named pools take assignments; concurrent pools take leases.
    WrongLicenseType {
        /// The pool.
        pool: PoolId,
        /// Its license type (`named`, `concurrent`).
        license_type: &'static str,
    },
    /// The lease has died (its TTL passed) or been released.
    LeaseNotOut {
        /// The lease.
        lease: LeaseId,
    },
    /// The pool does not lend seats offline, or not for that long.
    BorrowNotAllowed {
        /// The longest borrow, in days (0: none).
        max_days: u32,
    },
    /// An incompatibility names the same pool twice.
    SamePool {
        /// The pool.
        pool: PoolId,
    },
    /// The same two pools already have an incompatibility.
    DuplicateRule {
        /// The existing rule.
        id: String,
    },
    /// A bulk request of more items than allowed; nothing was done.
    BulkTooLarge {
        /// The most items a request may hold.
        limit: usize,
        /// The items given.
        given: usize,
    },
    /// The item repeats an earlier item of the same request.
    DuplicateInRequest,
    /// The user already has the entitlement.
    AlreadyGranted {
        /// Their assignment for it.
        assignment: AssignmentId,
    },
    /// The user does not have the entitlement.
    NotGranted,
    /// No enabled linked pool can seat the user.
    NoLinkedSeat {
        /// The entitlement.
        entitlement: String,
    },
    /// The state contradicts itself (a damaged store).
    Inconsistent {
        /// What is wrong.
        problem: String,
    },
}

stable_codes!(Refusal {
    InvalidValue => "invalid_value",
    UnknownCurrency => "unknown_currency",
    DuplicateId => "duplicate_id",
    DuplicateName => "duplicate_name",
    UnknownPool => "unknown_pool",
    UnknownUser => "unknown_user",
    UnknownAssignment => "unknown_assignment",
    UnknownLease => "unknown_lease",
    UnknownIncompatibility => "unknown_incompatibility",
    UnknownRule => "unknown_rule",
    UnknownLink => "unknown_link",
    InactiveUser => "inactive_user",
    CapacityExceeded => "capacity_exceeded",
    CapacityBelowAllocated => "capacity_below_allocated",
    PoolArchived => "pool_archived",
    PoolExpired => "pool_expired",
    PoolHasAssignments => "pool_has_assignments",
    AlreadyAssigned => "already_assigned",
    Incompatible => "incompatible",
    AssignmentNotActive => "assignment_not_active",
    ReasonRequired => "reason_required",
    WrongLicenseType => "wrong_license_type",
    LeaseNotOut => "lease_not_out",
    BorrowNotAllowed => "borrow_not_allowed",
    SamePool => "same_pool",
    DuplicateRule => "duplicate_rule",
    BulkTooLarge => "bulk_too_large",
    DuplicateInRequest => "duplicate_in_request",
    AlreadyGranted => "already_granted",
    NotGranted => "not_granted",
    NoLinkedSeat => "no_linked_seat",
    Inconsistent => "inconsistent_state",
});

impl Refusal {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        self.code_of_variant()
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> RefusalKind {
        use Refusal::*;
        match self {
            InvalidValue { .. }
            | UnknownCurrency { .. }
            | ReasonRequired
            | BulkTooLarge { .. }
            | WrongLicenseType { .. }
            | BorrowNotAllowed { .. }
            | SamePool { .. }
            | DuplicateInRequest => RefusalKind::Invalid,
            UnknownPool { .. }
            | UnknownUser { .. }
            | UnknownAssignment { .. }
            | UnknownLease { .. }
            | UnknownIncompatibility { .. }
            | UnknownRule { .. }
            | UnknownLink { .. } => RefusalKind::NotFound,
            Inconsistent { .. } => RefusalKind::Inconsistent,
            _ => RefusalKind::Conflict,
        }
    }

    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Refusal {
        Refusal::InvalidValue {
            field,
            problem: problem.into(),
        }
    }

    pub(crate) fn inconsistent(problem: impl Into<String>) -> Refusal {
        Refusal::Inconsistent {
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Refusal::*;
        match self {
            InvalidValue { field, problem } => write!(f, "invalid {field}: {problem}"),
            UnknownCurrency { code } => write!(
                f,
                "unknown currency {code:?}: expected an ISO 4217 code such as USD"
            ),
            DuplicateId { kind, id } => write!(f, "a {kind} with id {id:?} already exists"),
            DuplicateName { name } => write!(f, "a pool named {name:?} already exists"),
            UnknownPool { pool } => write!(f, "no pool {pool:?}"),
            UnknownUser { user } => write!(f, "no user {user:?}"),
            UnknownAssignment { assignment } => write!(f, "no assignment {assignment:?}"),
            UnknownLease { lease } => write!(f, "no lease {lease:?}"),
            UnknownIncompatibility { id } => write!(f, "no incompatibility {id:?}"),
            UnknownRule { rule } => write!(f, "no reclamation rule {rule:?}"),
            UnknownLink { link } => write!(f, "no entitlement link {link:?}"),
            InactiveUser { user } => write!(f, "user {user:?} is inactive"),
            CapacityExceeded {
                capacity,
                allocated,
            } => {
                write!(
                    f,
                    "the pool is full: {allocated} of {capacity} seats are allocated"
                )
            }
            CapacityBelowAllocated {
                capacity,
                allocated,
            } => {
                write!(
                    f,
                    "capacity {capacity} is below the {allocated} seats allocated"
                )
            }
            PoolArchived { pool } => write!(f, "pool {pool} is archived"),
            PoolExpired { pool } => write!(f, "pool {pool} is expired"),
            PoolHasAssignments { allocated } => {
                write!(f, "the pool still has {allocated} seats allocated")
            }
            AlreadyAssigned { assignment } => {
                write!(
                    f,
                    "the user already holds a seat of this pool ({assignment})"
                )
            }
            Incompatible {
                pool,
                pool_name,
                reason,
            } => {
                write!(
                    f,
                    "incompatible with pool {pool} ({pool_name}), which the user holds: {reason}"
                )
            }
            AssignmentNotActive { assignment } => write!(f, "assignment {assignment} has ended"),
            ReasonRequired => f.write_str("a reason is required (a reclaim, an incompatibility)"),
            WrongLicenseType { pool, license_type } => {
                write!(f, "pool {pool} is a {license_type} pool")
            }
            LeaseNotOut { lease } => write!(f, "lease {lease} is no longer out"),
            BorrowNotAllowed { max_days } => {
                write!(
                    f,
                    "the pool lends seats offline for at most {max_days} days"
                )
            }
            SamePool { pool } => write!(
                f,
                "an incompatibility is between two distinct pools, not {pool} and itself"
            ),
            DuplicateRule { id } => {
                write!(f, "the two pools are already incompatible ({id})")
            }
            BulkTooLarge { limit, given } => {
                write!(
                    f,
                    "{given} items are more than the {limit} a request may hold"
                )
            }
            DuplicateInRequest => f.write_str("the item repeats an earlier item of the request"),
            AlreadyGranted { assignment } => {
                write!(f, "the user already has the entitlement ({assignment})")
            }
            NotGranted => f.write_str("the user does not have the entitlement"),
            NoLinkedSeat { entitlement } => {
                write!(
                    f,
                    "no enabled pool linked to {entitlement:?} can seat the user"
                )
            }
            Inconsistent { problem } => write!(f, "the stored state is inconsistent: {problem}"),
        }
    }
}

impl core::error::Error for Refusal {}

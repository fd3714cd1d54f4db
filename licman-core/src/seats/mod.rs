//! The seat engine (feature `seats`): pools of seats with their cost,
//! assignments of named seats, leases of concurrent ones, incompatibility
//! and reclamation rules, entitlement links, analytics, compliance and a
//! hash-chained audit trail.
//!
//! It is pure like the rest of the crate: a state, a [`Command`], `now`
//! and an actor in; a typed [`Refusal`] (state untouched) or the changed
//! state and the [`Event`]s it produced out. Events are the unit of
//! persistence: a store writes them, and [`SeatEngine::replay`] rebuilds
//! the same state from them. The model, every refusal code, the
//! formulas and the chain format are in `docs/SEATS.md`.
//!
//! ```
//! use licman_core::seats::*;
//! use licman_core::Timestamp;
//!
//! let now = Timestamp::from_date(2026, 12, 1).unwrap();
//! let cx = Context::new(now, "it-admin");
//! let mut engine = SeatEngine::new();
//! let mut trail = Vec::new();
//!
//! let mut figma = PoolSpec::new(PoolId::new("figma")?, "Figma Professional", 2);
//! figma.seat_cost = Money::parse("15.00", Currency::USD)?;
//! trail.extend(engine.run(&Command::CreatePool(figma), &cx)?.events);
//! for user in ["ada", "bob", "cy"] {
//!     let create = Command::CreateUser { id: UserId::new(user)?, email: format!("{user}@example.com"),
//!         active: true, lifecycle: "active".into(), last_activity: None };
//!     trail.extend(engine.run(&create, &cx)?.events);
//! }
//! let items = ["ada", "bob", "cy"].iter().enumerate().map(|(i, u)| BulkAssignItem {
//!     id: AssignmentId::new(&format!("a{i}")).unwrap(), user: UserId::new(u).unwrap() }).collect();
//! let bulk = engine.run(&Command::BulkAssign { pool: PoolId::new("figma")?, items,
//!     source: AssignmentSource::Manual, notes: String::new() }, &cx)?;
//! let Reply::Bulk(report) = &bulk.outcome.reply else { unreachable!() };
//! assert_eq!((report.succeeded, report.failed), (2, 1));
//! assert_eq!(report.items[2].as_ref().unwrap_err().code(), "capacity_exceeded");
//! trail.extend(bulk.events);
//!
//! // The trail rebuilds the state exactly.
//! assert_eq!(SeatEngine::replay(&trail)?, engine);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analytics;
pub mod audit;
pub mod change;
pub mod command;
pub mod compliance;
pub mod engine;
pub mod ids;
pub mod model;
pub mod money;
pub mod reclamation;
pub mod refusal;
pub mod state;
mod table;
mod validate;

pub use analytics::{
    Analytics, AnalyticsOptions, AnalyticsSummary, DEFAULT_INACTIVITY_DAYS, ExpiringPool, Percent,
    PoolStats, Recommendation, RecommendationKind, VendorCost,
};
pub use audit::{
    AUDIT_DOMAIN, AUDIT_VERSION, AuditError, ChainHead, Context, Event, MAX_EVENT_LEN, Recorded,
    SeatEngine,
};
pub use change::Change;
pub use command::{
    BulkAssignItem, Command, MAX_BULK_ITEMS, PoolPatch, PoolSpec, RulePatch, UserPatch,
};
pub use compliance::{
    Breach, BreachKind, ComplianceFilter, ComplianceReport, ExpirationWarning, PoolCompliance,
};
pub use engine::{BulkReport, Outcome, Reply};
pub use ids::{
    AssignmentId, HolderId, IncompatibilityId, InvalidId, LeaseId, LinkId, MAX_ID_LEN, PoolId,
    RuleId, UserId,
};
pub use model::{
    Assignment, AssignmentSource, AssignmentStatus, BillingPeriod, EntitlementLink, ExpiryPolicy,
    Incompatibility, Lease, LeaseOptions, LeaseStatus, LicenseType, Notice, Overage, Pool,
    PoolStatus, ReclamationRule, Trigger, User,
};
pub use money::{Currency, Money, MoneyError, UnknownCurrency};
pub use reclamation::{PlannedNotice, PlannedReclaim, ReclamationPlan};
pub use refusal::{Refusal, RefusalKind};
pub use state::SeatState;
pub use validate::normalize_label;

/// A pool for documentation examples (not part of the API).
#[doc(hidden)]
pub fn __doc_pool(id: PoolId, capacity: u32) -> Pool {
    PoolSpec::new(id, "doc", capacity).to_pool(crate::time::Timestamp::UNIX_EPOCH)
}

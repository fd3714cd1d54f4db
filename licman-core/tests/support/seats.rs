//! Shared helpers for the seat engine's tests (`tests/seat_laws.rs` and
//! `tests/seat_scenarios.rs`): short constructors for ids and commands, a
//! [`World`] that runs commands through a [`SeatEngine`] at a moving clock
//! and keeps the trail, and the counts the laws compare (written from the
//! specification, not from the engine's indexes).

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::*;

pub const DAY: u64 = 86_400;

/// 2026-01-01T00:00:00Z, where every scenario's clock starts.
pub fn t0() -> Timestamp {
    Timestamp::from_date(2026, 1, 1).unwrap()
}

/// `t0` plus `seconds`.
pub fn at(seconds: u64) -> Timestamp {
    t0().saturating_add(Duration::from_secs(seconds))
}

pub fn pid(s: &str) -> PoolId {
    PoolId::new(s).unwrap()
}
pub fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}
pub fn aid(s: &str) -> AssignmentId {
    AssignmentId::new(s).unwrap()
}
pub fn lid(s: &str) -> LeaseId {
    LeaseId::new(s).unwrap()
}
pub fn hid(s: &str) -> HolderId {
    HolderId::new(s).unwrap()
}
pub fn iid(s: &str) -> IncompatibilityId {
    IncompatibilityId::new(s).unwrap()
}
pub fn rid(s: &str) -> RuleId {
    RuleId::new(s).unwrap()
}
pub fn kid(s: &str) -> LinkId {
    LinkId::new(s).unwrap()
}

/// A named pool of `capacity` seats, every other setting at its default.
pub fn named(id: &str, capacity: u32) -> PoolSpec {
    PoolSpec::new(pid(id), &format!("Pool {id}"), capacity)
}

/// A concurrent pool of `capacity` seats with lease options `lease`.
pub fn concurrent(id: &str, capacity: u32, lease: LeaseOptions) -> PoolSpec {
    let mut spec = named(id, capacity);
    spec.license_type = LicenseType::Concurrent;
    spec.lease = lease;
    spec
}

pub fn create_pool(spec: PoolSpec) -> Command {
    Command::CreatePool(spec)
}

pub fn create_user(id: &str, active: bool, lifecycle: &str) -> Command {
    Command::CreateUser {
        id: uid(id),
        email: format!("{id}@example.com"),
        active,
        lifecycle: lifecycle.into(),
        last_activity: None,
    }
}

pub fn update_user(id: &str, patch: UserPatch) -> Command {
    Command::UpdateUser {
        user: uid(id),
        patch,
    }
}

pub fn assign(id: &str, pool: &str, user: &str) -> Command {
    Command::Assign {
        id: aid(id),
        pool: pid(pool),
        user: uid(user),
        source: AssignmentSource::Manual,
        notes: String::new(),
    }
}

pub fn deallocate(id: &str) -> Command {
    Command::Deallocate {
        assignment: aid(id),
    }
}

pub fn reclaim(id: &str, reason: &str) -> Command {
    Command::Reclaim {
        assignment: aid(id),
        reason: reason.into(),
    }
}

pub fn bulk_assign(pool: &str, items: &[(&str, &str)]) -> Command {
    Command::BulkAssign {
        pool: pid(pool),
        items: items
            .iter()
            .map(|(id, user)| BulkAssignItem {
                id: aid(id),
                user: uid(user),
            })
            .collect(),
        source: AssignmentSource::Manual,
        notes: String::new(),
    }
}

pub fn bulk_reclaim(ids: &[&str], reason: &str) -> Command {
    Command::BulkReclaim {
        assignments: ids.iter().map(|a| aid(a)).collect(),
        reason: reason.into(),
    }
}

pub fn checkout(id: &str, pool: &str, holder: &str) -> Command {
    Command::Checkout {
        id: lid(id),
        pool: pid(pool),
        holder: hid(holder),
        borrow_days: None,
        ttl_seconds: None,
    }
}

pub fn borrow(id: &str, pool: &str, holder: &str, days: u32) -> Command {
    Command::Checkout {
        id: lid(id),
        pool: pid(pool),
        holder: hid(holder),
        borrow_days: Some(days),
        ttl_seconds: None,
    }
}

/// A checkout with its own heartbeat TTL.
pub fn checkout_for(id: &str, pool: &str, holder: &str, ttl_seconds: u32) -> Command {
    Command::Checkout {
        id: lid(id),
        pool: pid(pool),
        holder: hid(holder),
        borrow_days: None,
        ttl_seconds: Some(ttl_seconds),
    }
}

pub fn heartbeat(id: &str) -> Command {
    Command::Heartbeat { lease: lid(id) }
}

pub fn release(id: &str) -> Command {
    Command::Release { lease: lid(id) }
}

pub fn incompatible(id: &str, a: &str, b: &str, reason: &str) -> Command {
    Command::CreateIncompatibility {
        id: iid(id),
        pool_a: pid(a),
        pool_b: pid(b),
        reason: reason.into(),
    }
}

pub fn inactivity_rule(id: &str, pool: &str, days: u32, notify_days: u32) -> Command {
    Command::CreateRule {
        id: rid(id),
        pool: pid(pool),
        trigger: Trigger::Inactivity { days },
        notify_days,
        enabled: true,
    }
}

pub fn lifecycle_rule(id: &str, pool: &str, state: &str) -> Command {
    Command::CreateRule {
        id: rid(id),
        pool: pid(pool),
        trigger: Trigger::Lifecycle {
            state: state.into(),
        },
        notify_days: 0,
        enabled: true,
    }
}

pub fn apply_reclamation() -> Command {
    Command::ApplyReclamation { rules: Vec::new() }
}

pub fn link(id: &str, pool: &str, entitlement: &str, priority: i32, enabled: bool) -> Command {
    Command::CreateLink {
        id: kid(id),
        pool: pid(pool),
        entitlement: entitlement.into(),
        priority,
        enabled,
    }
}

pub fn grant(id: &str, user: &str, entitlement: &str) -> Command {
    Command::Grant {
        id: aid(id),
        user: uid(user),
        entitlement: entitlement.into(),
    }
}

pub fn withdraw(user: &str, entitlement: &str) -> Command {
    Command::Withdraw {
        user: uid(user),
        entitlement: entitlement.into(),
    }
}

/// Active assignments of `pool`, counted over every assignment (not the
/// engine's per-pool index).
pub fn active_seats(state: &SeatState, pool: &PoolId) -> u64 {
    state
        .assignments()
        .filter(|a| &a.pool == pool && a.status == AssignmentStatus::Active)
        .count() as u64
}

/// Leases of `pool` holding a seat at `now`, counted over every lease.
pub fn leases_holding(state: &SeatState, pool: &PoolId, now: Timestamp) -> u64 {
    state
        .leases()
        .filter(|l| &l.pool == pool && holds_at(l, now))
        .count() as u64
}

/// Whether a lease holds its seat at `now`, from the specification: an
/// out lease until its expiry (a lease past expiry is dead), a released
/// one for its linger time.
pub fn holds_at(l: &Lease, now: Timestamp) -> bool {
    match l.status {
        LeaseStatus::Out => now < l.expires_at,
        LeaseStatus::Released => l
            .released_at
            .is_some_and(|r| now < r.saturating_add(Duration::from_secs(l.linger_seconds.into()))),
        LeaseStatus::Ended => false,
    }
}

/// Whether the person `who` (a user id, or the same text as a lease holder)
/// holds a seat of `pool` at `now`: an active assignment or a lease holding
/// a seat.
pub fn holds_seat(state: &SeatState, pool: &PoolId, who: &str, now: Timestamp) -> bool {
    state
        .assignments()
        .any(|a| &a.pool == pool && a.user.as_str() == who && a.status == AssignmentStatus::Active)
        || state
            .leases()
            .any(|l| &l.pool == pool && l.holder.as_str() == who && holds_at(l, now))
}

/// A seat engine at a clock, with the trail it wrote.
#[derive(Clone, Debug)]
pub struct World {
    pub engine: SeatEngine,
    pub now: Timestamp,
    pub trail: Vec<Event>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> World {
        World {
            engine: SeatEngine::new(),
            now: t0(),
            trail: Vec::new(),
        }
    }

    pub fn state(&self) -> &SeatState {
        self.engine.state()
    }

    /// Moves the clock `seconds` forward.
    pub fn advance(&mut self, seconds: u64) {
        self.now = self.now.saturating_add(Duration::from_secs(seconds));
    }

    /// Sets the clock to `t0 + seconds`.
    pub fn set(&mut self, seconds: u64) {
        self.now = at(seconds);
    }

    /// Runs a command at the clock: a refusal leaves the engine as it was
    /// and writes no event; a success writes one event per change.
    pub fn run(&mut self, command: &Command) -> Result<Outcome, Refusal> {
        let before = self.engine.clone();
        match self.engine.run(command, &Context::new(self.now, "admin")) {
            Ok(recorded) => {
                assert_eq!(
                    recorded.events.len(),
                    recorded.outcome.changes.len(),
                    "one event per change for {command:?}"
                );
                if recorded.outcome.changes.is_empty() {
                    assert_eq!(self.engine, before, "no change, no difference: {command:?}");
                }
                self.trail.extend(recorded.events);
                Ok(recorded.outcome)
            }
            Err(refusal) => {
                assert_eq!(
                    self.engine, before,
                    "a refusal changes nothing: {command:?}"
                );
                Err(refusal)
            }
        }
    }

    /// Runs a command that must succeed.
    #[track_caller]
    pub fn ok(&mut self, command: &Command) -> Outcome {
        match self.run(command) {
            Ok(outcome) => outcome,
            Err(refusal) => panic!("{command:?} was refused: {refusal:?}"),
        }
    }

    /// Runs a command that must be refused, and answers the refusal.
    #[track_caller]
    pub fn refused(&mut self, command: &Command) -> Refusal {
        match self.run(command) {
            Ok(outcome) => panic!("{command:?} succeeded: {outcome:?}"),
            Err(refusal) => refusal,
        }
    }

    /// The refusal's code of a command that must be refused.
    #[track_caller]
    pub fn refused_code(&mut self, command: &Command) -> &'static str {
        self.refused(command).code()
    }

    /// The trail rebuilds the engine exactly.
    #[track_caller]
    pub fn check_replay(&self) {
        let rebuilt = SeatEngine::replay(&self.trail).unwrap();
        assert_eq!(rebuilt, self.engine, "the trail rebuilds the state");
    }

    pub fn assignment(&self, id: &str) -> &Assignment {
        self.state().assignment(&aid(id)).unwrap()
    }

    pub fn lease(&self, id: &str) -> &Lease {
        self.state().lease(&lid(id)).unwrap()
    }

    pub fn pool(&self, id: &str) -> &Pool {
        self.state().pool(&pid(id)).unwrap()
    }

    /// Seats of the pool held now, as the engine reports them.
    pub fn allocated(&self, pool: &str) -> u64 {
        self.state().allocated(&pid(pool), self.now).unwrap()
    }
}

/// The assignment a command answered, as it is in `w` now.
#[track_caller]
pub fn assignment_of(w: &World, outcome: &Outcome) -> Assignment {
    match &outcome.reply {
        Reply::Assignment(a) => w.state().assignment(a).unwrap().clone(),
        other => panic!("not an assignment: {other:?}"),
    }
}

/// The lease a command answered, as it is in `w` now.
#[track_caller]
pub fn lease_of(w: &World, outcome: &Outcome) -> Lease {
    match &outcome.reply {
        Reply::Lease(l) => w.state().lease(l).unwrap().clone(),
        other => panic!("not a lease: {other:?}"),
    }
}

/// The bulk report a command answered.
#[track_caller]
pub fn bulk_of(outcome: &Outcome) -> &BulkReport {
    match &outcome.reply {
        Reply::Bulk(b) => b,
        other => panic!("not a bulk report: {other:?}"),
    }
}

/// Each bulk item's code: `ok` or the refusal's code.
pub fn codes(report: &BulkReport) -> Vec<&'static str> {
    report
        .items
        .iter()
        .map(|r| match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        })
        .collect()
}

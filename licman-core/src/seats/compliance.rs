//! The compliance report at `now`: each pool's utilization, the active
//! assignments in breach, and the pools whose expiration is near or past.
//!
//! Breaches are of named seats (assignments). A user holding a named seat
//! and a live lease (as its holder) of two incompatible pools is listed
//! under the named seat's pool, with [`Breach::other_lease`]; two leases
//! of incompatible concurrent pools are not (a breach names an
//! assignment; such leases end within their TTL or borrow days). A
//! concurrent pool's leases beyond capacity show as
//! [`PoolCompliance::overage`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::seats::analytics::{Percent, status_at};
use crate::seats::ids::{AssignmentId, IncompatibilityId, LeaseId, PoolId, UserId};
use crate::seats::model::{Assignment, ExpiryPolicy, LicenseType, Pool, PoolStatus, User};
use crate::seats::state::{Map, PoolEntry, SeatState, UserRow};
use crate::time::Timestamp;

/// Which pools and assignments a report covers; the default covers all.
///
/// - `pools`: only these pools (empty: every pool). Ids that name no pool
///   are listed in [`ComplianceReport::unknown_pools`].
/// - `vendor`: only pools of this vendor, compared exactly.
/// - `activity_from`, `activity_to`: only breaches active at some time in
///   `[from, to]` (both ends included, either end open when `None`). An
///   assignment is active from its `assigned_at` to `now`, so it is in the
///   range when `assigned_at ≤ to` and `from ≤ now`. An incompatible
///   holding is in breach from the latest of its two assignments and the
///   incompatibility's creation; a seat of an archived or expired pool from
///   the later of its assignment and the pool's archiving or expiry (its
///   expiration date, or when its status became expired); an inactive
///   user's seat from its assignment (when the user became inactive is not
///   kept).
///
/// The pool filters apply to every part of the report (a breach of two
/// incompatible pools is kept when either pool is covered); the activity
/// range applies to breaches only, since utilization and expiration are
/// figures at `now`.
///
/// ```
/// use licman_core::seats::{ComplianceFilter, PoolId};
/// let filter = ComplianceFilter { vendor: Some("Adobe".into()), ..ComplianceFilter::default() };
/// assert!(filter.pools.is_empty() && filter.activity_from.is_none());
/// let all: ComplianceFilter = serde_json::from_str("{}").unwrap();
/// assert_eq!(all, ComplianceFilter::default());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplianceFilter {
    /// Only these pools; empty for every pool.
    pub pools: Vec<PoolId>,
    /// Only pools of this vendor.
    pub vendor: Option<String>,
    /// Only breaches active at or after this time.
    pub activity_from: Option<Timestamp>,
    /// Only breaches active at or before this time.
    pub activity_to: Option<Timestamp>,
}

/// The compliance report at `evaluated_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComplianceReport {
    /// The time the report is for.
    pub evaluated_at: Timestamp,
    /// The filter it was made with.
    pub filter: ComplianceFilter,
    /// No breach was found (expiration warnings do not count).
    pub compliant: bool,
    /// Ids of the filter that name no pool, sorted.
    pub unknown_pools: Vec<PoolId>,
    /// Each covered pool (archived ones included), by pool id.
    pub pools: Vec<PoolCompliance>,
    /// The breaches, by kind (in [`BreachKind::NAMES`] order), pool id,
    /// user id, then other pool.
    pub breaches: Vec<Breach>,
    /// Covered pools, not archived, within their warning days of expiry or
    /// past it: soonest expiration first, then by pool id.
    pub expiration_warnings: Vec<ExpirationWarning>,
}

/// One pool's utilization at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PoolCompliance {
    /// The pool.
    pub pool: PoolId,
    /// Its name.
    pub name: String,
    /// Its vendor.
    pub vendor: String,
    /// Named or concurrent.
    pub license_type: LicenseType,
    /// The status at `now` (`expired` from the expiration date on, even
    /// before `ApplyExpiry` records it).
    pub status: PoolStatus,
    /// Seats bought.
    pub capacity: u32,
    /// Seats held at `now`.
    pub allocated: u64,
    /// Free seats.
    pub available: u64,
    /// Seats held beyond capacity (a concurrent pool's overage leases).
    pub overage: u64,
    /// More seats are held than the pool may give (its capacity, times its
    /// overage for a concurrent pool): its capacity was lowered below what
    /// is out, as a license renewed for fewer seats does. No new seat is
    /// given until it is under again, and the report is not compliant.
    pub over_limit: bool,
    /// `allocated / capacity`.
    pub utilization: Percent,
    /// Breaches in this report that involve the pool.
    pub breaches: u64,
}

/// What is wrong with an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// The user holds seats of two incompatible pools (possible when the
    /// incompatibility was created after both seats were assigned).
    IncompatibleHoldings,
    /// An active assignment in a pool that is expired at `now` (status
    /// `expired`, or past its expiration date).
    ExpiredPool,
    /// An active assignment in an archived pool (whatever its expiration).
    ArchivedPool,
    /// An inactive user (`active: false`) still holds the seat.
    InactiveUser,
}

option_names!(BreachKind { IncompatibleHoldings => "incompatible_holdings", ExpiredPool => "expired_pool", ArchivedPool => "archived_pool", InactiveUser => "inactive_user", });

/// An active assignment in breach. An assignment can be in more than one
/// breach (an inactive user's seat in an archived pool is two).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breach {
    /// What is wrong.
    pub kind: BreachKind,
    /// The pool (for incompatible holdings, the one with the smaller id;
    /// for a seat and a lease, the seat's).
    pub pool: PoolId,
    /// Its name.
    pub pool_name: String,
    /// The holder.
    pub user: UserId,
    /// The assignment in `pool`.
    pub assignment: AssignmentId,
    /// When it was assigned.
    pub assigned_at: Timestamp,
    /// The incompatible pool (`incompatible_holdings`).
    pub other_pool: Option<PoolId>,
    /// The user's assignment in `other_pool`.
    pub other_assignment: Option<AssignmentId>,
    /// The user's lease in `other_pool`, when that is a concurrent pool
    /// (the holder's id is the user's).
    pub other_lease: Option<LeaseId>,
    /// The incompatibility broken.
    pub incompatibility: Option<IncompatibilityId>,
    /// The incompatibility's reason.
    pub reason: Option<String>,
    /// The breach in words.
    pub detail: String,
}

/// A pool near or past its expiration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpirationWarning {
    /// The pool.
    pub pool: PoolId,
    /// Its name.
    pub name: String,
    /// Its vendor.
    pub vendor: String,
    /// The status at `now`.
    pub status: PoolStatus,
    /// When it expires or expired.
    pub expires_at: Timestamp,
    /// Whole days left, rounded up; zero or negative (days since) once past.
    pub days_left: i64,
    /// The expiration has come.
    pub expired: bool,
    /// The pool's warning days.
    pub warning_days: u32,
    /// What expiry does to its seats.
    pub expiry_policy: ExpiryPolicy,
    /// Seats held at `now`.
    pub allocated: u64,
}

impl ComplianceFilter {
    /// Whether a breach active from `start` to `now` is in the activity
    /// range.
    fn active_during(&self, start: Timestamp, now: Timestamp) -> bool {
        self.activity_to.is_none_or(|to| start <= to)
            && self.activity_from.is_none_or(|from| from <= now.max(start))
    }
}

/// The most seats a pool may give: its capacity, times its overage for a
/// concurrent pool.
fn seat_limit(pool: &Pool) -> u64 {
    match pool.license_type {
        LicenseType::Concurrent => pool.lease.overage.limit(pool.capacity),
        LicenseType::Named => u64::from(pool.capacity),
    }
}

fn breach(kind: BreachKind, pool: &Pool, a: &Assignment, detail: String) -> Breach {
    Breach {
        kind,
        pool: pool.id.clone(),
        pool_name: pool.name.clone(),
        user: a.user.clone(),
        assignment: a.id.clone(),
        assigned_at: a.assigned_at,
        other_pool: None,
        other_assignment: None,
        other_lease: None,
        incompatibility: None,
        reason: None,
        detail,
    }
}

impl SeatState {
    /// The compliance report at `now`, limited by `filter` (see
    /// [`ComplianceFilter`] for what each filter covers).
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let now = Timestamp::from_date(2026, 12, 1).unwrap();
    /// let mut state = SeatState::new();
    /// for pool in ["figma", "sketch"] {
    ///     state.execute(&Command::CreatePool(PoolSpec::new(PoolId::new(pool)?, pool, 5)), now)?;
    /// }
    /// state.execute(&Command::CreateUser { id: UserId::new("ada")?, email: "ada@example.com".into(),
    ///     active: true, lifecycle: "active".into(), last_activity: None }, now)?;
    /// for (id, pool) in [("a1", "figma"), ("a2", "sketch")] {
    ///     state.execute(&Command::Assign { id: AssignmentId::new(id)?, pool: PoolId::new(pool)?,
    ///         user: UserId::new("ada")?, source: AssignmentSource::Manual, notes: String::new() }, now)?;
    /// }
    /// // The rule comes after Ada holds both seats.
    /// state.execute(&Command::CreateIncompatibility { id: IncompatibilityId::new("one-tool")?,
    ///     pool_a: PoolId::new("sketch")?, pool_b: PoolId::new("figma")?,
    ///     reason: "one design tool per designer".into() }, now)?;
    ///
    /// let report = state.compliance_report(now, &ComplianceFilter::default());
    /// assert!(!report.compliant);
    /// let b = &report.breaches[0];
    /// assert_eq!(b.kind, BreachKind::IncompatibleHoldings);
    /// assert_eq!((b.pool.as_str(), b.other_pool.as_ref().map(|p| p.as_str())), ("figma", Some("sketch")));
    /// assert_eq!(report.breaches.len(), 1); // the pair is reported once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compliance_report(&self, now: Timestamp, filter: &ComplianceFilter) -> ComplianceReport {
        let wanted: BTreeSet<&PoolId> = filter.pools.iter().collect();
        let unknown_pools = wanted
            .iter()
            .filter(|id| !self.pools.contains_key(**id))
            .map(|id| (*id).clone())
            .collect();
        let covers = |pool: &Pool| {
            (wanted.is_empty() || wanted.contains(&pool.id))
                && filter.vendor.as_deref().is_none_or(|v| pool.vendor == v)
        };

        // Inactive users, usually few: one pass over the users, then a
        // probe of this map per seat.
        let mut inactive_users: Map<UserRow, &User> = self.new_map();
        for (row, e) in self.users.iter().filter(|(_, e)| !e.user.active) {
            inactive_users.insert(row, &e.user);
        }

        let mut pools = Vec::new();
        let mut breaches = Vec::new();
        let mut warnings = Vec::new();
        for entry in self.pools.values() {
            let pool = &entry.pool;
            if !covers(pool) {
                continue;
            }
            let status = status_at(pool, now);
            let capacity = u64::from(pool.capacity);
            let allocated = entry.allocated_at(now, &self.leases);
            pools.push(PoolCompliance {
                pool: pool.id.clone(),
                name: pool.name.clone(),
                vendor: pool.vendor.clone(),
                license_type: pool.license_type,
                status,
                capacity: pool.capacity,
                allocated,
                available: capacity.saturating_sub(allocated),
                overage: allocated.saturating_sub(capacity),
                over_limit: allocated > seat_limit(pool),
                utilization: Percent::of(allocated, capacity),
                breaches: 0,
            });

            // Every seat of an archived or expired pool is in breach; in an
            // active pool only an inactive user's.
            let every_seat = status != PoolStatus::Active;
            let seats = if every_seat || !inactive_users.is_empty() {
                Some(&entry.seated)
            } else {
                None
            };
            for (user, seat) in seats.into_iter().flatten() {
                let inactive = inactive_users.get(user).copied();
                if !every_seat && inactive.is_none() {
                    continue;
                }
                let Some(a) = self.assignments.at(seat.assignment) else {
                    continue;
                };
                // A seat of an archived or expired pool is in breach from
                // the later of its assignment and the pool's archiving or
                // expiry.
                let pool_breach_since = match status {
                    PoolStatus::Archived => entry.status_since,
                    PoolStatus::Expired => pool
                        .expires_at
                        .filter(|&at| at <= now)
                        .unwrap_or(entry.status_since),
                    PoolStatus::Active => a.assigned_at,
                };
                let pool_breach = filter.active_during(a.assigned_at.max(pool_breach_since), now);
                match status {
                    _ if !pool_breach => {}
                    PoolStatus::Archived => breaches.push(breach(
                        BreachKind::ArchivedPool,
                        pool,
                        a,
                        format!(
                            "{} still holds a seat of the archived pool {} ({})",
                            a.user, pool.name, pool.id
                        ),
                    )),
                    PoolStatus::Expired => {
                        let since = match pool.expires_at {
                            Some(at) => format!("which expired at {at}"),
                            None => String::from("whose status is expired"),
                        };
                        breaches.push(breach(
                            BreachKind::ExpiredPool,
                            pool,
                            a,
                            format!(
                                "{} still holds a seat of {} ({}), {since}",
                                a.user, pool.name, pool.id
                            ),
                        ));
                    }
                    PoolStatus::Active => {}
                }
                if let Some(u) = inactive.filter(|_| filter.active_during(a.assigned_at, now)) {
                    let lifecycle = if u.lifecycle.is_empty() {
                        String::new()
                    } else {
                        format!(" (lifecycle {})", u.lifecycle)
                    };
                    breaches.push(breach(
                        BreachKind::InactiveUser,
                        pool,
                        a,
                        format!(
                            "{} is inactive{lifecycle} but still holds a seat of {} ({})",
                            a.user, pool.name, pool.id
                        ),
                    ));
                }
            }

            if status != PoolStatus::Archived {
                if let (Some(expires_at), Some(days)) =
                    (pool.expires_at, pool.days_until_expiry(now))
                {
                    if days <= i64::from(pool.warning_days) {
                        warnings.push(ExpirationWarning {
                            pool: pool.id.clone(),
                            name: pool.name.clone(),
                            vendor: pool.vendor.clone(),
                            status,
                            expires_at,
                            days_left: days,
                            expired: pool.is_past_expiry(now),
                            warning_days: pool.warning_days,
                            expiry_policy: pool.expiry_policy,
                            allocated,
                        });
                    }
                }
            }
        }

        for inc in self.incompatibilities.values() {
            let (Some(ea), Some(eb)) = (self.pools.get(&inc.pool_a), self.pools.get(&inc.pool_b))
            else {
                continue;
            };
            if !covers(&ea.pool) && !covers(&eb.pool) {
                continue;
            }
            // The pool with the smaller id first, however the rule was written.
            let (first, second) = if ea.pool.id <= eb.pool.id {
                (ea, eb)
            } else {
                (eb, ea)
            };
            let (small, large) = if first.seated.len() <= second.seated.len() {
                (&first.seated, &second.seated)
            } else {
                (&second.seated, &first.seated)
            };
            for user in small.keys() {
                if !large.contains_key(user) {
                    continue;
                }
                let held = |e: &PoolEntry| {
                    e.seated
                        .get(user)
                        .and_then(|s| self.assignments.at(s.assignment))
                };
                let (Some(a), Some(b)) = (held(first), held(second)) else {
                    continue;
                };
                // In breach since the later of the two seats and the rule.
                let since = a.assigned_at.max(b.assigned_at).max(inc.created_at);
                if !filter.active_during(since, now) {
                    continue;
                }
                let (p, q) = (&first.pool, &second.pool);
                let mut found = breach(
                    BreachKind::IncompatibleHoldings,
                    p,
                    a,
                    format!(
                        "{} holds seats of {} ({}, assignment {}) and {} ({}, assignment {}), \
                         incompatible under {}: {}",
                        a.user, p.name, p.id, a.id, q.name, q.id, b.id, inc.id, inc.reason
                    ),
                );
                found.other_pool = Some(q.id.clone());
                found.other_assignment = Some(b.id.clone());
                found.incompatibility = Some(inc.id.clone());
                found.reason = Some(inc.reason.clone());
                breaches.push(found);
            }
            // A named seat and a live lease of the same person (a holder
            // whose id is the user's): the engine refuses it at checkout,
            // but a rule added after the fact leaves it, for as long as the
            // lease lives (a borrowed one, days).
            for (named, leased) in [(first, second), (second, first)] {
                if named.pool.license_type != LicenseType::Named
                    || leased.pool.license_type != LicenseType::Concurrent
                {
                    continue;
                }
                for (holder, row) in &leased.leases {
                    let Some(l) = self.leases.at(*row).filter(|l| l.holds_seat_at(now)) else {
                        continue;
                    };
                    let Some(seat) = self
                        .users
                        .row(holder.as_str())
                        .and_then(|u| named.seated.get(&u))
                    else {
                        continue;
                    };
                    let Some(a) = self.assignments.at(seat.assignment) else {
                        continue;
                    };
                    let since = a.assigned_at.max(l.checked_out_at).max(inc.created_at);
                    if !filter.active_during(since, now) {
                        continue;
                    }
                    let (p, q) = (&named.pool, &leased.pool);
                    let mut found = breach(
                        BreachKind::IncompatibleHoldings,
                        p,
                        a,
                        format!(
                            "{} holds a seat of {} ({}, assignment {}) and a lease of {} ({}, lease {}), \
                             incompatible under {}: {}",
                            a.user, p.name, p.id, a.id, q.name, q.id, l.id, inc.id, inc.reason
                        ),
                    );
                    found.other_pool = Some(q.id.clone());
                    found.other_lease = Some(l.id.clone());
                    found.incompatibility = Some(inc.id.clone());
                    found.reason = Some(inc.reason.clone());
                    breaches.push(found);
                }
            }
        }

        breaches.sort_by(|x, y| {
            (x.kind, &x.pool, &x.user, &x.other_pool).cmp(&(
                y.kind,
                &y.pool,
                &y.user,
                &y.other_pool,
            ))
        });
        let mut involved: BTreeMap<&PoolId, u64> = BTreeMap::new();
        for b in &breaches {
            *involved.entry(&b.pool).or_default() += 1;
            if let Some(other) = &b.other_pool {
                *involved.entry(other).or_default() += 1;
            }
        }
        pools.sort_by(|x, y| x.pool.cmp(&y.pool));
        for row in &mut pools {
            row.breaches = involved.get(&row.pool).copied().unwrap_or(0);
        }
        warnings.sort_by(|x, y| {
            x.expires_at
                .cmp(&y.expires_at)
                .then_with(|| x.pool.cmp(&y.pool))
        });
        ComplianceReport {
            evaluated_at: now,
            filter: filter.clone(),
            compliant: breaches.is_empty() && !pools.iter().any(|p| p.over_limit),
            unknown_pools,
            pools,
            breaches,
            expiration_warnings: warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::command::{Command, PoolSpec, UserPatch};
    use crate::seats::model::AssignmentSource;
    use crate::time::SECONDS_PER_DAY;
    use alloc::string::ToString;
    use alloc::vec;
    use core::time::Duration;

    fn day(y: u32, m: u32, d: u32) -> Timestamp {
        Timestamp::from_date(y, m, d).unwrap()
    }

    fn later(t: Timestamp, days: u64) -> Timestamp {
        t.saturating_add(Duration::from_secs(days * SECONDS_PER_DAY))
    }

    fn pid(id: &str) -> PoolId {
        PoolId::new(id).unwrap()
    }

    fn pool(
        state: &mut SeatState,
        id: &str,
        vendor: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) {
        let mut s = PoolSpec::new(pid(id), id, 10);
        s.vendor = vendor.into();
        s.expires_at = expires_at;
        state.execute(&Command::CreatePool(s), now).unwrap();
    }

    fn user(state: &mut SeatState, id: &str, now: Timestamp) {
        state
            .execute(
                &Command::CreateUser {
                    id: UserId::new(id).unwrap(),
                    email: format!("{id}@example.com"),
                    active: true,
                    lifecycle: "active".into(),
                    last_activity: None,
                },
                now,
            )
            .unwrap();
    }

    fn assign(state: &mut SeatState, id: &str, pool: &str, user: &str, now: Timestamp) {
        state
            .execute(
                &Command::Assign {
                    id: AssignmentId::new(id).unwrap(),
                    pool: pid(pool),
                    user: UserId::new(user).unwrap(),
                    source: AssignmentSource::Manual,
                    notes: String::new(),
                },
                now,
            )
            .unwrap();
    }

    fn deactivate(state: &mut SeatState, id: &str, now: Timestamp) {
        state
            .execute(
                &Command::UpdateUser {
                    user: UserId::new(id).unwrap(),
                    patch: UserPatch {
                        active: Some(false),
                        lifecycle: Some("terminated".into()),
                        ..Default::default()
                    },
                },
                now,
            )
            .unwrap();
    }

    fn incompatible(state: &mut SeatState, id: &str, a: &str, b: &str, now: Timestamp) {
        state
            .execute(
                &Command::CreateIncompatibility {
                    id: IncompatibilityId::new(id).unwrap(),
                    pool_a: pid(a),
                    pool_b: pid(b),
                    reason: "one design tool".into(),
                },
                now,
            )
            .unwrap();
    }

    fn all(state: &SeatState, now: Timestamp) -> ComplianceReport {
        state.compliance_report(now, &ComplianceFilter::default())
    }

    /// (kind, pool, user) of each breach.
    fn found(r: &ComplianceReport) -> Vec<(&'static str, &str, &str)> {
        r.breaches
            .iter()
            .map(|b| (b.kind.name(), b.pool.as_str(), b.user.as_str()))
            .collect()
    }

    /// figma and sketch (vendor Design Co), jira (vendor Atlassian); ada
    /// holds figma and sketch, bob figma, cy jira; then figma and sketch are
    /// made incompatible.
    fn design_shop(now: Timestamp) -> SeatState {
        let mut state = SeatState::new();
        pool(&mut state, "sketch", "Design Co", None, now);
        pool(&mut state, "figma", "Design Co", None, now);
        pool(&mut state, "jira", "Atlassian", None, now);
        for u in ["ada", "bob", "cy"] {
            user(&mut state, u, now);
        }
        assign(&mut state, "a-figma", "figma", "ada", now);
        assign(&mut state, "a-sketch", "sketch", "ada", now);
        assign(&mut state, "b-figma", "figma", "bob", now);
        assign(&mut state, "c-jira", "jira", "cy", now);
        incompatible(&mut state, "inc-1", "sketch", "figma", now);
        state
    }

    #[test]
    fn an_incompatibility_created_after_the_fact_is_a_breach_reported_once() {
        let now = day(2026, 12, 1);
        let state = design_shop(now);
        let r = all(&state, now);
        assert!(!r.compliant);
        assert_eq!(found(&r), [("incompatible_holdings", "figma", "ada")]);
        let b = &r.breaches[0];
        assert_eq!(b.assignment.as_str(), "a-figma");
        assert_eq!(b.other_pool, Some(pid("sketch")));
        assert_eq!(
            b.other_assignment,
            Some(AssignmentId::new("a-sketch").unwrap())
        );
        assert_eq!(
            b.incompatibility,
            Some(IncompatibilityId::new("inc-1").unwrap())
        );
        assert_eq!(b.reason.as_deref(), Some("one design tool"));
        assert_eq!(
            b.detail,
            "ada holds seats of figma (figma, assignment a-figma) and sketch (sketch, \
             assignment a-sketch), incompatible under inc-1: one design tool"
        );
        let counts: Vec<(&str, u64)> = r
            .pools
            .iter()
            .map(|p| (p.pool.as_str(), p.breaches))
            .collect();
        assert_eq!(counts, [("figma", 1), ("jira", 0), ("sketch", 1)]);
        let figma = &r.pools[0];
        assert_eq!(
            (
                figma.capacity,
                figma.allocated,
                figma.available,
                figma.overage
            ),
            (10, 2, 8, 0)
        );
        assert_eq!(figma.utilization.to_string(), "20.0");
        assert!(r.expiration_warnings.is_empty());

        // Releasing one of the seats ends the breach.
        let mut state = state;
        state
            .execute(
                &Command::Deallocate {
                    assignment: AssignmentId::new("a-sketch").unwrap(),
                },
                now,
            )
            .unwrap();
        assert!(all(&state, now).compliant);
    }

    #[test]
    fn inactive_users_holding_seats_are_breaches() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        pool(&mut state, "jira", "Atlassian", None, now);
        user(&mut state, "cy", now);
        user(&mut state, "dee", now);
        assign(&mut state, "c-jira", "jira", "cy", now);
        assign(&mut state, "d-jira", "jira", "dee", now);
        assert!(all(&state, now).compliant);
        deactivate(&mut state, "cy", now);
        let r = all(&state, now);
        assert_eq!(found(&r), [("inactive_user", "jira", "cy")]);
        assert_eq!(
            r.breaches[0].detail,
            "cy is inactive (lifecycle terminated) but still holds a seat of jira (jira)"
        );
        assert_eq!(r.breaches[0].other_pool, None);
        assert_eq!(r.pools[0].breaches, 1);
    }

    #[test]
    fn active_assignments_in_archived_pools_are_breaches() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        // Archived and past expiry: reported as archived only.
        pool(&mut state, "old", "", Some(later(now, 5)), now);
        user(&mut state, "ada", now);
        user(&mut state, "bob", now);
        assign(&mut state, "a1", "old", "ada", now);
        assign(&mut state, "b1", "old", "bob", now);
        state
            .execute(&Command::ArchivePool { pool: pid("old") }, now)
            .unwrap();
        deactivate(&mut state, "bob", now);
        let t = later(now, 10);
        let r = all(&state, t);
        assert_eq!(
            found(&r),
            [
                ("archived_pool", "old", "ada"),
                ("archived_pool", "old", "bob"),
                ("inactive_user", "old", "bob"),
            ]
        );
        assert_eq!(
            r.breaches[0].detail,
            "ada still holds a seat of the archived pool old (old)"
        );
        assert_eq!(r.pools[0].status, PoolStatus::Archived);
        assert_eq!(r.pools[0].breaches, 3);
        // Archived pools get no expiration warning.
        assert!(r.expiration_warnings.is_empty());
    }

    #[test]
    fn active_assignments_in_expired_pools_are_breaches() {
        let now = day(2026, 12, 1);
        let ends = later(now, 5);
        let mut state = SeatState::new();
        pool(&mut state, "keep", "", Some(ends), now);
        let mut revoke = PoolSpec::new(pid("revoke"), "revoke", 10);
        revoke.expires_at = Some(ends);
        revoke.expiry_policy = ExpiryPolicy::RevokeAll;
        state.execute(&Command::CreatePool(revoke), now).unwrap();
        user(&mut state, "ada", now);
        assign(&mut state, "a-keep", "keep", "ada", now);
        assign(&mut state, "a-revoke", "revoke", "ada", now);
        assert!(all(&state, now).compliant);

        // Past the date, before ApplyExpiry: both pools are expired.
        let t = later(now, 6);
        let r = all(&state, t);
        assert_eq!(
            found(&r),
            [
                ("expired_pool", "keep", "ada"),
                ("expired_pool", "revoke", "ada")
            ]
        );
        assert_eq!(
            r.breaches[0].detail,
            "ada still holds a seat of keep (keep), which expired at 2026-12-06T00:00:00Z"
        );
        // ApplyExpiry: revoke_all ends its seats; block_new keeps them.
        state.execute(&Command::ApplyExpiry, t).unwrap();
        let r = all(&state, t);
        assert_eq!(found(&r), [("expired_pool", "keep", "ada")]);
        assert_eq!(r.pools[0].status, PoolStatus::Expired);
        let w: Vec<(&str, i64, bool)> = r
            .expiration_warnings
            .iter()
            .map(|w| (w.pool.as_str(), w.days_left, w.expired))
            .collect();
        assert_eq!(w, [("keep", -1, true), ("revoke", -1, true)]);
    }

    #[test]
    fn expiration_warnings_use_each_pools_warning_days() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        pool(&mut state, "soon", "", Some(later(now, 30)), now); // 30 ≤ 30
        pool(&mut state, "later", "", Some(later(now, 31)), now); // 31 > 30
        pool(&mut state, "past", "", Some(now), day(2026, 1, 1)); // 0 days left
        pool(&mut state, "none", "", None, now);
        let mut wide = PoolSpec::new(pid("wide"), "wide", 10);
        wide.expires_at = Some(later(now, 200));
        wide.warning_days = 365;
        state.execute(&Command::CreatePool(wide), now).unwrap();
        let r = all(&state, now);
        let w: Vec<(&str, i64, bool, PoolStatus)> = r
            .expiration_warnings
            .iter()
            .map(|w| (w.pool.as_str(), w.days_left, w.expired, w.status))
            .collect();
        assert_eq!(
            w,
            [
                ("past", 0, true, PoolStatus::Expired),
                ("soon", 30, false, PoolStatus::Active),
                ("wide", 200, false, PoolStatus::Active),
            ]
        );
        assert_eq!(r.expiration_warnings[1].warning_days, 30);
        assert_eq!(
            r.expiration_warnings[1].expiry_policy,
            ExpiryPolicy::BlockNew
        );
        assert!(r.compliant); // warnings are not breaches
    }

    #[test]
    fn filters_by_pool_and_vendor() {
        let now = day(2026, 12, 1);
        let mut state = design_shop(now);
        deactivate(&mut state, "cy", now);
        assert_eq!(
            found(&all(&state, now)),
            [
                ("incompatible_holdings", "figma", "ada"),
                ("inactive_user", "jira", "cy")
            ]
        );

        let only = |pools: &[&str], vendor: Option<&str>| ComplianceFilter {
            pools: pools.iter().map(|p| pid(p)).collect(),
            vendor: vendor.map(String::from),
            ..ComplianceFilter::default()
        };
        // Either pool of an incompatibility brings its breach in.
        let r = state.compliance_report(now, &only(&["sketch"], None));
        assert_eq!(found(&r), [("incompatible_holdings", "figma", "ada")]);
        let rows: Vec<&str> = r.pools.iter().map(|p| p.pool.as_str()).collect();
        assert_eq!(rows, ["sketch"]);
        assert!(r.unknown_pools.is_empty());

        let r = state.compliance_report(now, &only(&["jira", "nope", "jira", "gone"], None));
        assert_eq!(found(&r), [("inactive_user", "jira", "cy")]);
        assert_eq!(r.unknown_pools, vec![pid("gone"), pid("nope")]);

        let r = state.compliance_report(now, &only(&[], Some("Atlassian")));
        assert_eq!(found(&r), [("inactive_user", "jira", "cy")]);
        let r = state.compliance_report(now, &only(&[], Some("Design Co")));
        assert_eq!(found(&r), [("incompatible_holdings", "figma", "ada")]);
        assert_eq!(r.pools.len(), 2);
        // Vendors compare exactly.
        let r = state.compliance_report(now, &only(&[], Some("design co")));
        assert!(r.pools.is_empty() && r.compliant);
        // Both filters at once.
        let r = state.compliance_report(now, &only(&["jira"], Some("Design Co")));
        assert!(r.pools.is_empty() && r.breaches.is_empty());
    }

    #[test]
    fn filters_by_activity_range() {
        let t1 = day(2026, 1, 1);
        let t2 = day(2026, 6, 1);
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        pool(&mut state, "p", "", None, t1);
        pool(&mut state, "q", "", None, t1);
        for u in ["early", "late"] {
            user(&mut state, u, t1);
        }
        assign(&mut state, "e-p", "p", "early", t1);
        assign(&mut state, "e-q", "q", "early", t1);
        assign(&mut state, "l-p", "p", "late", t2);
        assign(&mut state, "l-q", "q", "late", later(t2, 10));
        // The rule comes after the fact, as soon as late holds both.
        incompatible(&mut state, "inc", "p", "q", later(t2, 10));
        deactivate(&mut state, "early", now);
        deactivate(&mut state, "late", now);
        let range = |from: Option<Timestamp>, to: Option<Timestamp>| ComplianceFilter {
            activity_from: from,
            activity_to: to,
            ..ComplianceFilter::default()
        };
        let r = state.compliance_report(now, &range(None, None));
        assert_eq!(r.breaches.len(), 6);

        // Up to March: only what began by then (not the holdings of two
        // pools, a breach only from the rule on).
        let r = state.compliance_report(now, &range(None, Some(day(2026, 3, 1))));
        assert_eq!(
            found(&r),
            [
                ("inactive_user", "p", "early"),
                ("inactive_user", "q", "early"),
            ]
        );
        // Both ends included: the rule and late's holding of both began at
        // t2 + 10 days.
        let r = state.compliance_report(now, &range(None, Some(later(t2, 10))));
        assert_eq!(r.breaches.len(), 6);
        let r = state.compliance_report(now, &range(Some(t1), Some(later(t2, 9))));
        assert_eq!(
            found(&r),
            [
                ("inactive_user", "p", "early"),
                ("inactive_user", "p", "late"),
                ("inactive_user", "q", "early"),
            ]
        );
        // Active assignments last until now, so a recent range covers them all...
        let r = state.compliance_report(now, &range(Some(day(2026, 11, 1)), Some(now)));
        assert_eq!(r.breaches.len(), 6);
        // ...and a range after now covers none.
        let r = state.compliance_report(now, &range(Some(later(now, 1)), None));
        assert!(r.compliant);
        // The range does not narrow the pools.
        assert_eq!(r.pools.len(), 2);
    }

    #[test]
    fn serializes_as_readable_json() {
        let now = day(2026, 12, 1);
        let state = design_shop(now);
        let json = serde_json::to_value(all(&state, now)).unwrap();
        assert_eq!(json["evaluated_at"], "2026-12-01T00:00:00Z");
        assert_eq!(json["compliant"], false);
        assert_eq!(json["filter"]["pools"], serde_json::json!([]));
        assert_eq!(json["breaches"][0]["kind"], "incompatible_holdings");
        assert_eq!(json["breaches"][0]["other_pool"], "sketch");
        assert_eq!(json["breaches"][0]["assigned_at"], "2026-12-01T00:00:00Z");
        assert_eq!(json["pools"][0]["utilization"], "20.0");
        assert_eq!(json["pools"][0]["status"], "active");
        assert_eq!(json["pools"][0]["license_type"], "named");
        let filter: ComplianceFilter = serde_json::from_value(serde_json::json!({
            "pools": ["figma"], "activity_from": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(filter.pools, vec![pid("figma")]);
        assert_eq!(filter.activity_from, Some(day(2026, 1, 1)));
        assert_eq!(BreachKind::NAMES.len(), 4);
        assert_eq!(
            "archived_pool".parse::<BreachKind>().unwrap(),
            BreachKind::ArchivedPool
        );
    }
}

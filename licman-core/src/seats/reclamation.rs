//! Reclamation: which seats the pools' rules take back at `now`, after
//! which notices. The plan is a dry run; applying it
//! ([`crate::seats::Command::ApplyReclamation`]) records its notices and
//! reclaims its assignments.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use serde::Serialize;

use crate::seats::change::Change;
use crate::seats::ids::{AssignmentId, PoolId, RuleId, UserId};
use crate::seats::model::{Notice, PoolStatus, ReclamationRule, Trigger};
use crate::seats::state::{SeatState, UserEntry};
use crate::time::{SECONDS_PER_DAY, Timestamp};

/// A user to warn: their seat will be reclaimed on `reclaim_on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedNotice {
    /// The rule.
    pub rule: RuleId,
    /// The pool.
    pub pool: PoolId,
    /// The assignment.
    pub assignment: AssignmentId,
    /// Its holder.
    pub user: UserId,
    /// The earliest time the seat is reclaimed.
    pub reclaim_on: Timestamp,
}

/// A seat to take back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedReclaim {
    /// The rule.
    pub rule: RuleId,
    /// The pool.
    pub pool: PoolId,
    /// The assignment.
    pub assignment: AssignmentId,
    /// Its holder.
    pub user: UserId,
    /// The reason recorded: `rule:<id>`.
    pub reason: String,
}

/// What the rules would do at `evaluated_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReclamationPlan {
    /// The evaluation time (the date of every notice).
    pub evaluated_at: Timestamp,
    /// Whom to warn, by rule id then assignment id.
    pub notices: Vec<PlannedNotice>,
    /// What to reclaim, by rule id then assignment id.
    pub reclaims: Vec<PlannedReclaim>,
}

impl ReclamationPlan {
    /// The changes that carry the plan out: every notice, then every reclaim.
    pub fn changes(&self) -> Vec<Change> {
        let notices = self.notices.iter().map(|n| {
            Change::NoticeRecorded(Notice {
                rule: n.rule.clone(),
                assignment: n.assignment.clone(),
                noticed_at: self.evaluated_at,
                reclaim_on: n.reclaim_on,
            })
        });
        let reclaims = self.reclaims.iter().map(|r| Change::Reclaimed {
            assignment: r.assignment.clone(),
            at: self.evaluated_at,
            reason: r.reason.clone(),
        });
        notices.chain(reclaims).collect()
    }
}

/// One rule's notices (with the assignment's row, and whether the same
/// rule also reclaims the seat in this plan), and the seats it reclaims now
/// (with the assignment's row).
type RuleFindings<'a> = (
    Vec<(PlannedNotice, usize, bool)>,
    Vec<(&'a AssignmentId, &'a UserId, usize)>,
);

/// Gives a closure over users the lifetime of the state they are in (so
/// that what it collects may borrow from them).
fn user_visitor<'a, F: FnMut(&'a UserEntry)>(f: F) -> F {
    f
}

fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * SECONDS_PER_DAY)
}

/// When a seat's holder last showed life: the later of their last activity
/// and the assignment time.
pub(crate) fn last_sign_of_life(
    last_activity: Option<Timestamp>,
    assigned_at: Timestamp,
) -> Timestamp {
    last_activity.map_or(assigned_at, |t| t.max(assigned_at))
}

impl SeatState {
    /// The reclamation plan of every enabled rule at `now` (a dry run).
    ///
    /// For an inactivity rule of `D` days with `N` notification days, an
    /// assignment whose holder has shown no life since `last` is due at
    /// `last + D`. From `due − N` on, a notice is planned (dated `now`,
    /// reclaiming on `max(due, now + N)`); the seat is reclaimed once
    /// `now ≥ max(due, notice + N)` for a notice recorded after `last`. A
    /// lifecycle rule reclaims every seat whose holder is in its state.
    /// Rules of archived pools do nothing; a seat two rules would reclaim
    /// is reclaimed by the first rule in id order.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let now = Timestamp::from_date(2026, 12, 1).unwrap();
    /// let state = SeatState::new();
    /// let plan = state.reclamation_plan(now);
    /// assert!(plan.notices.is_empty() && plan.reclaims.is_empty());
    /// ```
    pub fn reclamation_plan(&self, now: Timestamp) -> ReclamationPlan {
        self.reclamation_plan_for(now, &[])
    }

    /// The plan of the given rules only (every rule when `rules` is empty).
    pub fn reclamation_plan_for(&self, now: Timestamp, rules: &[RuleId]) -> ReclamationPlan {
        let mut chosen: Vec<&ReclamationRule> = self
            .rules
            .values()
            .filter(|r| r.enabled && (rules.is_empty() || rules.contains(&r.id)))
            .filter(|r| {
                self.pools
                    .get(&r.pool)
                    .is_some_and(|e| e.pool.status != PoolStatus::Archived)
            })
            .collect();
        chosen.sort_by(|a, b| a.id.cmp(&b.id));
        let mut plan = ReclamationPlan {
            evaluated_at: now,
            notices: Vec::new(),
            reclaims: Vec::new(),
        };
        // Start from the users, not the seats: a user is looked at only if
        // some rule could find them (in a lifecycle state a rule names, or
        // quiet long enough for the shortest threshold less the longest
        // notice), and then only their seats in the rules' pools.
        let mut by_pool: Vec<Vec<usize>> = vec![Vec::new(); self.pools.rows_len()];
        for (i, rule) in chosen.iter().enumerate() {
            if let Some(rules) = self
                .pools
                .row(&rule.pool)
                .and_then(|r| by_pool.get_mut(r.index()))
            {
                rules.push(i);
            }
        }
        let mut quiet_before: Option<Timestamp> = None;
        let mut states: Vec<&str> = Vec::new();
        for rule in &chosen {
            match &rule.trigger {
                Trigger::Inactivity { days: threshold } => {
                    // A seat is due for a notice once last + threshold ≤ now + notice.
                    let horizon = now
                        .unix_seconds()
                        .saturating_add(u64::from(rule.notify_days) * SECONDS_PER_DAY);
                    let before = Timestamp::from_unix_seconds(
                        horizon.saturating_sub(u64::from(*threshold) * SECONDS_PER_DAY),
                    );
                    quiet_before = Some(quiet_before.map_or(before, |q| q.max(before)));
                }
                Trigger::Lifecycle { state } => states.push(state),
            }
        }
        // One entry per state, however many pools' rules name it: the list
        // is searched for every user who is not quiet.
        states.sort_unstable();
        states.dedup();
        let mut found: Vec<RuleFindings<'_>> =
            chosen.iter().map(|_| (Vec::new(), Vec::new())).collect();
        let mut visit = user_visitor(|holder| {
            let user = &holder.user;
            if holder.seats.is_empty() {
                return;
            }
            let quiet = quiet_before.is_some_and(|q| user.last_activity.is_none_or(|t| t <= q));
            if !quiet && !states.contains(&user.lifecycle.as_str()) {
                return;
            }
            for seat in &holder.seats {
                let Some(rules) = by_pool.get(seat.pool.index()).filter(|r| !r.is_empty()) else {
                    continue;
                };
                for &i in rules {
                    let rule = chosen[i];
                    let reclaim = match &rule.trigger {
                        // (Not a seat recorded as assigned after `now`: it
                        // cannot end before it began.)
                        Trigger::Lifecycle { state } => {
                            &user.lifecycle == state && seat.assigned_at <= now
                        }
                        Trigger::Inactivity { days: threshold } => {
                            let last = last_sign_of_life(user.last_activity, seat.assigned_at);
                            let due = last.saturating_add(days(*threshold));
                            let notify = days(rule.notify_days);
                            if now.saturating_add(notify) < due {
                                continue;
                            }
                            let notice = self
                                .notices
                                .get(&seat.assignment)
                                .and_then(|ns| ns.iter().find(|n| n.rule == rule.id))
                                .filter(|n| n.noticed_at >= last);
                            match notice {
                                Some(n) => now >= due.max(n.noticed_at.saturating_add(notify)),
                                None => {
                                    let Some(id) = self.assignment_id_at(seat.assignment) else {
                                        continue;
                                    };
                                    // A notice recorded now, with no notice
                                    // period, is already old enough.
                                    let reclaim_now = rule.notify_days == 0 && now >= due;
                                    found[i].0.push((
                                        PlannedNotice {
                                            rule: rule.id.clone(),
                                            pool: rule.pool.clone(),
                                            assignment: id.clone(),
                                            user: user.id.clone(),
                                            reclaim_on: due.max(now.saturating_add(notify)),
                                        },
                                        seat.assignment.index(),
                                        reclaim_now,
                                    ));
                                    reclaim_now
                                }
                            }
                        }
                    };
                    if reclaim {
                        if let Some(id) = self.assignment_id_at(seat.assignment) {
                            found[i].1.push((id, &user.id, seat.assignment.index()));
                        }
                    }
                }
            }
        });
        // Lifecycle rules read every user's state; inactivity rules only the
        // users quiet long enough.
        match (states.is_empty(), quiet_before) {
            (true, None) => {}
            (true, Some(q)) => self.quiet_users(q).for_each(&mut visit),
            (false, _) => self.users.values().for_each(&mut visit),
        }
        // Rules in id order, each one's findings in assignment order; a seat
        // two rules would reclaim goes to the first (a bit per assignment
        // row says it is taken, and which rule took it is in the reclaims).
        plan.reclaims
            .reserve(found.iter().map(|(_, r)| r.len()).sum());
        let mut reclaimed: Vec<u64> = vec![0; self.assignments.rows_len().div_ceil(64)];
        let is_reclaimed = |reclaimed: &[u64], row: usize| {
            reclaimed
                .get(row / 64)
                .is_some_and(|word| word & (1u64 << (row % 64)) != 0)
        };
        let mut notices_of_rules = Vec::with_capacity(found.len());
        let mut reclaims_of_rules = Vec::with_capacity(found.len());
        for (rule, (notices, mut due_now)) in chosen.iter().zip(found) {
            // (An assignment is found at most once per rule: no ties.)
            due_now.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let reason = format!("rule:{}", rule.id);
            let first = plan.reclaims.len();
            for (id, user, row) in due_now {
                if is_reclaimed(&reclaimed, row) {
                    continue;
                }
                if let Some(word) = reclaimed.get_mut(row / 64) {
                    *word |= 1u64 << (row % 64);
                    plan.reclaims.push(PlannedReclaim {
                        rule: rule.id.clone(),
                        pool: rule.pool.clone(),
                        assignment: id.clone(),
                        user: user.clone(),
                        reason: reason.clone(),
                    });
                }
            }
            notices_of_rules.push(notices);
            reclaims_of_rules.push(first..plan.reclaims.len());
        }
        // A notice says when a seat will go: none for a seat this plan
        // reclaims, unless it is the reclaiming rule's own notice (a rule
        // with no notice period notifies and reclaims in one pass).
        let own_reclaim = |range: &core::ops::Range<usize>, id: &AssignmentId| {
            plan.reclaims
                .get(range.clone())
                .is_some_and(|r| r.binary_search_by(|p| p.assignment.cmp(id)).is_ok())
        };
        let mut notices: Vec<PlannedNotice> =
            Vec::with_capacity(notices_of_rules.iter().map(Vec::len).sum());
        for (mut found, range) in notices_of_rules.into_iter().zip(&reclaims_of_rules) {
            found.sort_unstable_by(|a, b| a.0.assignment.cmp(&b.0.assignment));
            notices.extend(
                found
                    .into_iter()
                    .filter(|(notice, row, reclaim_now)| {
                        !is_reclaimed(&reclaimed, *row)
                            || (*reclaim_now && own_reclaim(range, &notice.assignment))
                    })
                    .map(|(notice, _, _)| notice),
            );
        }
        plan.notices = notices;
        plan
    }
}

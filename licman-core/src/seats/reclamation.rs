//! Reclamation: which seats the pools' rules take back at `now`, after
//! which notices. The plan is a dry run; applying it
//! ([`crate::seats::Command::ApplyReclamation`]) records its notices and
//! reclaims its assignments.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use serde::Serialize;

use crate::seats::change::Change;
use crate::seats::ids::{AssignmentId, PoolId, RuleId, UserId};
use crate::seats::model::{Notice, PoolStatus, ReclamationRule, Trigger};
use crate::seats::state::SeatState;
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
        let mut reclaimed: crate::seats::state::Map<&AssignmentId, ()> = self.new_map();
        for rule in chosen {
            let Some(entry) = self.pools.get(&rule.pool) else {
                continue;
            };
            // Each rule's findings are sorted, not every seat it reads.
            let (notices_from, reclaims_from) = (plan.notices.len(), plan.reclaims.len());
            let mut due_now: Vec<(&AssignmentId, &UserId)> = Vec::new();
            for (user, seat) in &entry.seated {
                let id = &seat.assignment;
                let reclaim = match &rule.trigger {
                    Trigger::Lifecycle { state } => {
                        self.users.get(user).is_some_and(|u| &u.lifecycle == state)
                    }
                    Trigger::Inactivity { days: threshold } => {
                        let activity = self.users.get(user).and_then(|u| u.last_activity);
                        let last = last_sign_of_life(activity, seat.assigned_at);
                        let due = last.saturating_add(days(*threshold));
                        let notify = days(rule.notify_days);
                        if now.saturating_add(notify) < due {
                            continue;
                        }
                        let notice = if self.notices.is_empty() {
                            None
                        } else {
                            self.notices
                                .get(id)
                                .and_then(|ns| ns.iter().find(|n| n.rule == rule.id))
                                .filter(|n| n.noticed_at >= last)
                        };
                        match notice {
                            Some(n) => now >= due.max(n.noticed_at.saturating_add(notify)),
                            None => {
                                plan.notices.push(PlannedNotice {
                                    rule: rule.id.clone(),
                                    pool: rule.pool.clone(),
                                    assignment: id.clone(),
                                    user: user.clone(),
                                    reclaim_on: due.max(now.saturating_add(notify)),
                                });
                                // A notice recorded now, with no notice period, is
                                // already old enough.
                                rule.notify_days == 0 && now >= due
                            }
                        }
                    }
                };
                if reclaim {
                    due_now.push((id, user));
                }
            }
            plan.notices[notices_from..].sort_by(|a, b| a.assignment.cmp(&b.assignment));
            due_now.sort();
            for (id, user) in due_now {
                if reclaimed.insert(id, ()).is_none() {
                    plan.reclaims.push(PlannedReclaim {
                        rule: rule.id.clone(),
                        pool: rule.pool.clone(),
                        assignment: id.clone(),
                        user: user.clone(),
                        reason: format!("rule:{}", rule.id),
                    });
                }
            }
            debug_assert!(
                plan.reclaims[reclaims_from..].is_sorted_by(|a, b| a.assignment <= b.assignment)
            );
        }
        plan
    }
}

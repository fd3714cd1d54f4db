//! The rules: a command and `now` in, a refusal or the changes (applied to
//! the state) and a reply out.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use crate::seats::change::Change;
use crate::seats::command::{
    BulkAssignItem, Command, MAX_BULK_ITEMS, PoolPatch, PoolSpec, RulePatch, UserPatch,
};
use crate::seats::ids::{
    AssignmentId, HolderId, IncompatibilityId, LeaseId, LinkId, PoolId, RuleId, UserId,
};
use crate::seats::model::{
    Assignment, AssignmentSource, AssignmentStatus, EntitlementLink, ExpiryPolicy, Incompatibility,
    Lease, LeaseOptions, LeaseStatus, LicenseType, Pool, PoolStatus, ReclamationRule, Trigger,
    User,
};
use crate::seats::reclamation::ReclamationPlan;
use crate::seats::refusal::Refusal;
use crate::seats::state::{PoolEntry, PoolRow, SeatState, UserRow};
use crate::seats::table::Hashed;
use crate::time::{SECONDS_PER_DAY, Timestamp};

use crate::seats::validate::*;
pub use crate::seats::validate::{
    MAX_ACTOR_LEN, MAX_CAPACITY, MAX_DAYS, MAX_LINGER_SECONDS, MAX_NAME_LEN, MAX_SEAT_COST_MINOR,
    MAX_TAGS, MAX_TEXT_LEN, MAX_TTL_SECONDS,
};

/// What a command answers besides its changes: the id of the object it
/// created or changed (read it from the state), a bulk report, or a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Nothing beyond the changes.
    Done,
    /// The pool created or changed.
    Pool(PoolId),
    /// The user created or changed.
    User(UserId),
    /// The assignment created or ended.
    Assignment(AssignmentId),
    /// The lease checked out, renewed or released (a checkout by a holder
    /// with a live lease answers that lease, with no change).
    Lease(LeaseId),
    /// A bulk command's per-item results.
    Bulk(BulkReport),
    /// The incompatibility created.
    Incompatibility(IncompatibilityId),
    /// The rule created or changed.
    Rule(RuleId),
    /// The link created or changed.
    Link(LinkId),
    /// The reclamation plan that was carried out.
    Reclamation(ReclamationPlan),
}

/// A bulk command's results, one per item in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkReport {
    /// Each item's assignment (assigned, or reclaimed) or refusal.
    pub items: Vec<Result<AssignmentId, Refusal>>,
    /// Items that succeeded.
    pub succeeded: usize,
    /// Items that were refused.
    pub failed: usize,
}

/// What a command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The changes, in the order they were applied: one audit event each.
    pub changes: Vec<Change>,
    /// The command's answer.
    pub reply: Reply,
}

fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * SECONDS_PER_DAY)
}

/// The outcome of a new assignment.
fn assigned(a: Assignment) -> Outcome {
    let id = a.id.clone();
    one(Change::Assigned(a), Reply::Assignment(id))
}

/// A new assignment as decided, and the rows it goes in.
pub(crate) struct Seating {
    pub(crate) assignment: Assignment,
    pub(crate) pool: PoolRow,
    pub(crate) user: UserRow,
}

/// A pool's settings changed from `before` to `pool`, checked: no change
/// when they are the same, else one `pool.updated`. A renewal (an expired
/// pool whose end is now ahead, or gone) makes it active again.
fn pool_updated(before: &Pool, mut pool: Pool, now: Timestamp) -> Result<Outcome, Refusal> {
    if pool.status == PoolStatus::Expired && !pool.is_past_expiry(now) {
        pool.status = PoolStatus::Active;
    }
    check_pool(&pool)?;
    if pool == *before {
        return Ok(Outcome {
            changes: Vec::new(),
            reply: Reply::Pool(pool.id),
        });
    }
    pool.updated_at = now;
    Ok(one(Change::PoolUpdated(pool.clone()), Reply::Pool(pool.id)))
}

pub(crate) fn one(change: Change, reply: Reply) -> Outcome {
    Outcome {
        changes: alloc::vec![change],
        reply,
    }
}

impl SeatState {
    /// Carries out `command` at `now`: either a refusal, with the state
    /// untouched, or the outcome, with its changes applied to the state.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let now = Timestamp::from_date(2026, 12, 1).unwrap();
    /// let mut state = SeatState::new();
    /// state.execute(&Command::CreatePool(PoolSpec::new(PoolId::new("p")?, "Figma", 1)), now)?;
    /// for u in ["ada", "bob"] {
    ///     state.execute(&Command::CreateUser { id: UserId::new(u)?, email: format!("{u}@example.com"),
    ///         active: true, lifecycle: "active".into(), last_activity: None }, now)?;
    /// }
    /// let assign = |id: &str, user: &str| Command::Assign { id: AssignmentId::new(id).unwrap(),
    ///     pool: PoolId::new("p").unwrap(), user: UserId::new(user).unwrap(),
    ///     source: AssignmentSource::Manual, notes: String::new() };
    /// let done = state.execute(&assign("a1", "ada"), now)?;
    /// assert_eq!(done.changes[0].action(), "assignment.created");
    /// let full = state.execute(&assign("a2", "bob"), now).unwrap_err();
    /// assert_eq!(full, Refusal::CapacityExceeded { capacity: 1, allocated: 1 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn execute(&mut self, command: &Command, now: Timestamp) -> Result<Outcome, Refusal> {
        match command {
            Command::BulkAssign {
                pool,
                items,
                source,
                notes,
            } => {
                return self.bulk_assign(pool, items, *source, notes, now);
            }
            Command::BulkReclaim {
                assignments,
                reason,
            } => {
                return self.bulk_reclaim(assignments, reason, now);
            }
            Command::Assign {
                id,
                pool,
                user,
                source,
                notes,
            } => {
                // Decided and applied with the rows found once (the same
                // `seat_assignment` that `apply` of the change runs).
                check_text("notes", notes)?;
                let hash = self.check_new_assignment_id(id)?;
                let seating = self.decide_assign(id, pool, user, *source, None, notes, now)?;
                self.seat_assignment(&seating.assignment, seating.pool, seating.user, hash)?;
                return Ok(assigned(seating.assignment));
            }
            _ => {}
        }
        let outcome = self.decide(command, now)?;
        self.apply_all(&outcome.changes)?;
        Ok(outcome)
    }

    /// Applies changes the engine decided on this state.
    fn apply_all(&mut self, changes: &[Change]) -> Result<(), Refusal> {
        for change in changes {
            self.apply(change)?;
        }
        Ok(())
    }

    fn entry(&self, pool: &PoolId) -> Result<&PoolEntry, Refusal> {
        self.pools.get(pool).ok_or_else(|| Refusal::UnknownPool {
            pool: pool.as_str().into(),
        })
    }

    /// Decides a command's changes without applying them.
    fn decide(&self, command: &Command, now: Timestamp) -> Result<Outcome, Refusal> {
        match command {
            Command::CreatePool(spec) => self.create_pool(spec, now),
            Command::UpdatePool { pool, patch } => self.update_pool(pool, patch, now),
            Command::FollowLicense {
                pool,
                capacity,
                expires_at,
            } => self.follow_license(pool, *capacity, *expires_at, now),
            Command::ArchivePool { pool } => {
                let entry = self.entry(pool)?;
                if entry.pool.status == PoolStatus::Archived {
                    return Ok(Outcome {
                        changes: Vec::new(),
                        reply: Reply::Pool(pool.clone()),
                    });
                }
                Ok(one(
                    Change::PoolArchived {
                        pool: pool.clone(),
                        at: now,
                    },
                    Reply::Pool(pool.clone()),
                ))
            }
            Command::DeletePool { pool } => {
                let entry = self.entry(pool)?;
                // Active assignments and leases holding a seat (a named
                // pool's `allocated_at` already counts its assignments).
                let leased = entry
                    .leases
                    .values()
                    .filter(|row| self.leases.at(**row).is_some_and(|l| l.holds_seat_at(now)))
                    .count() as u64;
                let allocated = entry.seated.len() as u64 + leased;
                if allocated > 0 {
                    return Err(Refusal::PoolHasAssignments { allocated });
                }
                // Leases that died but were not culled yet go first.
                let mut changes = self.culls(entry, now);
                changes.push(Change::PoolDeleted { pool: pool.clone() });
                Ok(Outcome {
                    changes,
                    reply: Reply::Done,
                })
            }
            Command::ApplyExpiry => Ok(Outcome {
                changes: self.expiry_changes(now),
                reply: Reply::Done,
            }),
            Command::CreateUser {
                id,
                email,
                active,
                lifecycle,
                last_activity,
            } => {
                if self.users.contains_key(id) {
                    return Err(Refusal::DuplicateId {
                        kind: "user",
                        id: id.as_str().into(),
                    });
                }
                let user = User {
                    id: id.clone(),
                    email: email.clone(),
                    active: *active,
                    lifecycle: lifecycle.clone(),
                    last_activity: *last_activity,
                };
                check_user(&user)?;
                check_label("lifecycle", &user.lifecycle)?;
                Ok(one(Change::UserCreated(user), Reply::User(id.clone())))
            }
            Command::UpdateUser { user, patch } => self.update_user(user, patch),
            Command::Assign {
                id,
                pool,
                user,
                source,
                notes,
            } => {
                check_text("notes", notes)?;
                self.check_new_assignment_id(id)?;
                let seating = self.decide_assign(id, pool, user, *source, None, notes, now)?;
                Ok(assigned(seating.assignment))
            }
            Command::Deallocate { assignment } => {
                let a = self.active(assignment, now)?;
                Ok(one(
                    Change::Deallocated {
                        assignment: assignment.clone(),
                        at: now,
                    },
                    Reply::Assignment(a.id.clone()),
                ))
            }
            Command::Reclaim { assignment, reason } => {
                check_reason(reason)?;
                let a = self.active(assignment, now)?;
                Ok(one(
                    Change::Reclaimed {
                        assignment: assignment.clone(),
                        at: now,
                        reason: reason.clone(),
                    },
                    Reply::Assignment(a.id.clone()),
                ))
            }
            Command::BulkAssign { .. } | Command::BulkReclaim { .. } => Err(Refusal::invalid(
                "command",
                "bulk commands are executed, not decided",
            )),
            Command::Checkout {
                id,
                pool,
                holder,
                borrow_days,
                ttl_seconds,
            } => self.checkout(id, pool, holder, *borrow_days, *ttl_seconds, now),
            Command::Heartbeat { lease } => {
                let l = self.lease_out(lease, now)?;
                let expires_at = l
                    .expires_at
                    .max(now.saturating_add(Duration::from_secs(l.ttl_seconds.into())));
                if expires_at == l.expires_at {
                    return Ok(Outcome {
                        changes: Vec::new(),
                        reply: Reply::Lease(lease.clone()),
                    });
                }
                Ok(one(
                    Change::LeaseRenewed {
                        lease: lease.clone(),
                        expires_at,
                    },
                    Reply::Lease(l.id.clone()),
                ))
            }
            Command::Release { lease } => {
                let l = self.lease_out(lease, now)?;
                let linger_seconds = self.entry(&l.pool)?.pool.lease.linger_seconds;
                Ok(one(
                    Change::LeaseReleased {
                        lease: lease.clone(),
                        at: now,
                        linger_seconds,
                    },
                    Reply::Lease(l.id.clone()),
                ))
            }
            Command::CullLeases { pool } => {
                let mut changes = Vec::new();
                match pool {
                    Some(p) => changes.extend(self.culls(self.entry(p)?, now)),
                    None => {
                        let mut ids: Vec<&PoolId> = self.pools.keys().collect();
                        ids.sort();
                        for id in ids {
                            if let Some(e) = self.pools.get(id) {
                                changes.extend(self.culls(e, now));
                            }
                        }
                    }
                }
                Ok(Outcome {
                    changes,
                    reply: Reply::Done,
                })
            }
            Command::CreateIncompatibility {
                id,
                pool_a,
                pool_b,
                reason,
            } => {
                if self.incompatibilities.contains_key(id) {
                    return Err(Refusal::DuplicateId {
                        kind: "incompatibility",
                        id: id.as_str().into(),
                    });
                }
                self.entry(pool_a)?;
                self.entry(pool_b)?;
                if pool_a == pool_b {
                    return Err(Refusal::SamePool {
                        pool: pool_a.clone(),
                    });
                }
                check_reason(reason)?;
                if let Some(existing) = self.incompatibility_between(pool_a, pool_b) {
                    return Err(Refusal::DuplicateRule {
                        id: existing.id.as_str().into(),
                    });
                }
                let inc = Incompatibility {
                    id: id.clone(),
                    pool_a: pool_a.clone(),
                    pool_b: pool_b.clone(),
                    reason: reason.clone(),
                    created_at: now,
                };
                Ok(one(
                    Change::IncompatibilityCreated(inc.clone()),
                    Reply::Incompatibility(inc.id),
                ))
            }
            Command::DeleteIncompatibility { id } => {
                if !self.incompatibilities.contains_key(id) {
                    return Err(Refusal::UnknownIncompatibility {
                        id: id.as_str().into(),
                    });
                }
                Ok(one(
                    Change::IncompatibilityDeleted { id: id.clone() },
                    Reply::Done,
                ))
            }
            Command::CreateRule {
                id,
                pool,
                trigger,
                notify_days,
                enabled,
            } => {
                if self.rules.contains_key(id) {
                    return Err(Refusal::DuplicateId {
                        kind: "rule",
                        id: id.as_str().into(),
                    });
                }
                self.entry(pool)?;
                check_trigger(trigger)?;
                if let Trigger::Lifecycle { state } = trigger {
                    check_label("trigger.state", state)?;
                }
                check_days("notify_days", *notify_days)?;
                let rule = ReclamationRule {
                    id: id.clone(),
                    pool: pool.clone(),
                    trigger: trigger.clone(),
                    notify_days: *notify_days,
                    enabled: *enabled,
                    created_at: now,
                };
                check_rule(&rule)?;
                check_notice_period(&rule)?;
                Ok(one(Change::RuleCreated(rule.clone()), Reply::Rule(rule.id)))
            }
            Command::UpdateRule { rule, patch } => self.update_rule(rule, patch),
            Command::DeleteRule { rule } => {
                if !self.rules.contains_key(rule) {
                    return Err(Refusal::UnknownRule {
                        rule: rule.as_str().into(),
                    });
                }
                Ok(one(Change::RuleDeleted { rule: rule.clone() }, Reply::Done))
            }
            Command::ApplyReclamation { rules } => {
                for rule in rules {
                    if !self.rules.contains_key(rule) {
                        return Err(Refusal::UnknownRule {
                            rule: rule.as_str().into(),
                        });
                    }
                }
                let plan = self.reclamation_plan_for(now, rules);
                let changes = plan.changes();
                Ok(Outcome {
                    changes,
                    reply: Reply::Reclamation(plan),
                })
            }
            Command::CreateLink {
                id,
                pool,
                entitlement,
                priority,
                enabled,
            } => {
                if self.links.contains_key(id) {
                    return Err(Refusal::DuplicateId {
                        kind: "link",
                        id: id.as_str().into(),
                    });
                }
                self.entry(pool)?;
                check_name("entitlement", entitlement, true)?;
                check_label("entitlement", entitlement)?;
                let link = EntitlementLink {
                    id: id.clone(),
                    pool: pool.clone(),
                    entitlement: entitlement.clone(),
                    priority: *priority,
                    enabled: *enabled,
                    created_at: now,
                };
                check_link(&link)?;
                Ok(one(Change::LinkCreated(link.clone()), Reply::Link(link.id)))
            }
            Command::UpdateLink {
                link,
                priority,
                enabled,
            } => {
                let mut l = self
                    .links
                    .get(link)
                    .cloned()
                    .ok_or_else(|| Refusal::UnknownLink {
                        link: link.as_str().into(),
                    })?;
                if let Some(p) = priority {
                    l.priority = *p;
                }
                if let Some(e) = enabled {
                    l.enabled = *e;
                }
                if self.links.get(link) == Some(&l) {
                    return Ok(Outcome {
                        changes: Vec::new(),
                        reply: Reply::Link(l.id),
                    });
                }
                Ok(one(Change::LinkUpdated(l.clone()), Reply::Link(l.id)))
            }
            Command::DeleteLink { link } => {
                if !self.links.contains_key(link) {
                    return Err(Refusal::UnknownLink {
                        link: link.as_str().into(),
                    });
                }
                Ok(one(Change::LinkDeleted { link: link.clone() }, Reply::Done))
            }
            Command::Grant {
                id,
                user,
                entitlement,
            } => self.grant_entitlement(id, user, entitlement, now),
            Command::Withdraw { user, entitlement } => {
                let Some(a) = self.grant(user, entitlement) else {
                    if !self.users.contains_key(user) {
                        return Err(Refusal::UnknownUser {
                            user: user.as_str().into(),
                        });
                    }
                    return Err(Refusal::NotGranted);
                };
                // Active, and not ending before it began.
                self.active(&a.id, now)?;
                Ok(one(
                    Change::Deallocated {
                        assignment: a.id.clone(),
                        at: now,
                    },
                    Reply::Assignment(a.id.clone()),
                ))
            }
        }
    }

    fn create_pool(&self, spec: &PoolSpec, now: Timestamp) -> Result<Outcome, Refusal> {
        if self.pools.contains_key(&spec.id) {
            return Err(Refusal::DuplicateId {
                kind: "pool",
                id: spec.id.as_str().into(),
            });
        }
        if self.pool_names.contains_key(spec.name.as_str()) {
            return Err(Refusal::DuplicateName {
                name: spec.name.clone(),
            });
        }
        let pool = spec.to_pool(now);
        check_pool(&pool)?;
        check_pool_labels(&pool)?;
        Ok(one(Change::PoolCreated(pool.clone()), Reply::Pool(pool.id)))
    }

    fn update_pool(
        &self,
        id: &PoolId,
        patch: &PoolPatch,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        let entry = self.entry(id)?;
        let mut pool = entry.pool.clone();
        if let Some(name) = &patch.name {
            check_name("name", name, true)?;
            check_label("name", name)?;
            if self
                .pool_names
                .get(name.as_str())
                .is_some_and(|holder| holder != id)
            {
                return Err(Refusal::DuplicateName { name: name.clone() });
            }
            pool.name = name.clone();
        }
        if let Some(v) = &patch.vendor {
            check_name("vendor", v, false)?;
            check_label("vendor", v)?;
            pool.vendor = v.clone();
        }
        if let Some(p) = &patch.product {
            check_name("product", p, false)?;
            check_label("product", p)?;
            pool.product = p.clone();
        }
        if let Some(p) = &patch.plan {
            check_label("plan", p)?;
            pool.plan = p.clone();
        }
        if let Some(t) = &patch.tags {
            check_tags(t)?;
            t.iter().try_for_each(|tag| check_label("tags", tag))?;
            pool.tags = t.clone();
        }
        if let Some(at) = patch.starts_at {
            pool.starts_at = at;
        }
        if let Some(capacity) = patch.capacity {
            check_capacity(capacity)?;
            // Only a cut is checked: keeping or raising the capacity is
            // always allowed, even with more seats out than it (a concurrent
            // pool's overage, or a license renewed for fewer seats).
            let allocated = entry.allocated_at(now, &self.leases);
            if capacity < entry.pool.capacity && u64::from(capacity) < allocated {
                return Err(Refusal::CapacityBelowAllocated {
                    capacity,
                    allocated,
                });
            }
            pool.capacity = capacity;
        }
        if let Some(cost) = patch.seat_cost {
            check_cost(&cost)?;
            pool.seat_cost = cost;
        }
        if let Some(b) = patch.billing {
            pool.billing = b;
        }
        if let Some(at) = patch.expires_at {
            pool.expires_at = at;
        }
        if let Some(p) = patch.expiry_policy {
            pool.expiry_policy = p;
        }
        if let Some(w) = patch.warning_days {
            check_days("warning_days", w)?;
            pool.warning_days = w;
        }
        if let Some(n) = &patch.notes {
            check_text("notes", n)?;
            pool.notes = n.clone();
        }
        if let Some(o) = &patch.lease {
            check_lease_options(o)?;
            pool.lease = *o;
            // Less overage may not leave more leases out than it allows,
            // as a lower capacity may not leave more seats held.
            if pool.license_type == LicenseType::Concurrent {
                let allocated = entry.allocated_at(now, &self.leases);
                if pool.lease.overage.limit(pool.capacity) < allocated {
                    return Err(Refusal::CapacityBelowAllocated {
                        capacity: pool.capacity,
                        allocated,
                    });
                }
            }
        }
        pool_updated(&entry.pool, pool, now)
    }

    fn follow_license(
        &self,
        id: &PoolId,
        capacity: u32,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        let entry = self.entry(id)?;
        let mut pool = entry.pool.clone();
        pool.capacity = capacity;
        pool.expires_at = expires_at;
        pool_updated(&entry.pool, pool, now)
    }

    fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<Outcome, Refusal> {
        let mut user = self.user(id).cloned().ok_or_else(|| Refusal::UnknownUser {
            user: id.as_str().into(),
        })?;
        if let Some(e) = &patch.email {
            check_email(e)?;
            user.email = e.clone();
        }
        if let Some(a) = patch.active {
            user.active = a;
        }
        if let Some(l) = &patch.lifecycle {
            check_name("lifecycle", l, false)?;
            check_label("lifecycle", l)?;
            user.lifecycle = l.clone();
        }
        if let Some(t) = patch.last_activity {
            user.last_activity = Some(t);
        }
        check_user(&user)?;
        if self.user(id) == Some(&user) {
            return Ok(Outcome {
                changes: Vec::new(),
                reply: Reply::User(user.id),
            });
        }
        Ok(one(Change::UserUpdated(user.clone()), Reply::User(user.id)))
    }

    fn update_rule(
        &self,
        id: &crate::seats::ids::RuleId,
        patch: &RulePatch,
    ) -> Result<Outcome, Refusal> {
        let mut rule = self
            .rules
            .get(id)
            .cloned()
            .ok_or_else(|| Refusal::UnknownRule {
                rule: id.as_str().into(),
            })?;
        if let Some(t) = &patch.trigger {
            check_trigger(t)?;
            if let Trigger::Lifecycle { state } = t {
                check_label("trigger.state", state)?;
            }
            rule.trigger = t.clone();
        }
        if let Some(n) = patch.notify_days {
            check_days("notify_days", n)?;
            rule.notify_days = n;
        }
        if let Some(e) = patch.enabled {
            rule.enabled = e;
        }
        check_rule(&rule)?;
        // (Only when the patch touches them: a rule written before the
        // check may still be disabled.)
        if patch.trigger.is_some() || patch.notify_days.is_some() {
            check_notice_period(&rule)?;
        }
        if self.rules.get(id) == Some(&rule) {
            return Ok(Outcome {
                changes: Vec::new(),
                reply: Reply::Rule(rule.id),
            });
        }
        Ok(one(Change::RuleUpdated(rule.clone()), Reply::Rule(rule.id)))
    }

    /// Refuses an assignment id in use; otherwise its hash, for adding it.
    fn check_new_assignment_id(&self, id: &AssignmentId) -> Result<Hashed, Refusal> {
        let hash = self.assignments.hash(id);
        if self.assignments.row_hashed(hash, id).is_some() {
            return Err(Refusal::DuplicateId {
                kind: "assignment",
                id: id.as_str().into(),
            });
        }
        Ok(hash)
    }

    /// An active assignment that may end at `now` (not before it began).
    fn active(&self, id: &AssignmentId, now: Timestamp) -> Result<&Assignment, Refusal> {
        let a = self
            .assignments
            .get(id)
            .ok_or_else(|| Refusal::UnknownAssignment {
                assignment: id.as_str().into(),
            })?;
        if a.status != AssignmentStatus::Active {
            return Err(Refusal::AssignmentNotActive {
                assignment: id.clone(),
            });
        }
        if now < a.assigned_at {
            return Err(Refusal::invalid(
                "at",
                alloc::format!(
                    "{now} is before the assignment began ({}): it cannot end then",
                    a.assigned_at
                ),
            ));
        }
        Ok(a)
    }

    /// Whether `pool` takes a new seat at `now` (archived, expired).
    fn check_open(&self, entry: &PoolEntry, now: Timestamp) -> Result<(), Refusal> {
        match entry.pool.status {
            PoolStatus::Archived => Err(Refusal::PoolArchived {
                pool: entry.pool.id.clone(),
            }),
            PoolStatus::Expired => Err(Refusal::PoolExpired {
                pool: entry.pool.id.clone(),
            }),
            PoolStatus::Active if entry.pool.is_past_expiry(now) => Err(Refusal::PoolExpired {
                pool: entry.pool.id.clone(),
            }),
            PoolStatus::Active => Ok(()),
        }
    }

    /// The first incompatible pool `who` holds a seat of at `now`.
    /// (`seat_holder` is `who`'s row as a user, if they are one.)
    fn check_compatible(
        &self,
        entry: &PoolEntry,
        who: &str,
        seat_holder: Option<UserRow>,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        for (other, rule) in &entry.incompatible {
            let Some(o) = self.pools.at(*other) else {
                continue;
            };
            let holds = seat_holder.is_some_and(|u| o.seated.contains_key(&u))
                || o.leases
                    .get(who)
                    .and_then(|row| self.leases.at(*row))
                    .is_some_and(|l| l.holds_seat_at(now));
            if holds {
                let reason = self
                    .incompatibilities
                    .get(rule)
                    .map(|r| r.reason.clone())
                    .unwrap_or_default();
                return Err(Refusal::Incompatible {
                    pool: o.pool.id.clone(),
                    pool_name: o.pool.name.clone(),
                    reason,
                });
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decide_assign(
        &self,
        id: &AssignmentId,
        pool: &PoolId,
        user: &UserId,
        source: AssignmentSource,
        entitlement: Option<&str>,
        notes: &str,
        now: Timestamp,
    ) -> Result<Seating, Refusal> {
        let pool_row = self.pools.row(pool);
        self.decide_assign_in(id, pool, pool_row, user, source, entitlement, notes, now)
    }

    /// [`SeatState::decide_assign`] with the pool's row found already
    /// (`None`: no such pool), as a bulk assign finds it once.
    #[allow(clippy::too_many_arguments)]
    fn decide_assign_in(
        &self,
        id: &AssignmentId,
        pool: &PoolId,
        pool_row: Option<PoolRow>,
        user: &UserId,
        source: AssignmentSource,
        entitlement: Option<&str>,
        notes: &str,
        now: Timestamp,
    ) -> Result<Seating, Refusal> {
        let pool_row = pool_row.ok_or_else(|| Refusal::UnknownPool {
            pool: pool.as_str().into(),
        })?;
        let entry = self
            .pools
            .at(pool_row)
            .ok_or_else(|| Refusal::UnknownPool {
                pool: pool.as_str().into(),
            })?;
        let unknown = || Refusal::UnknownUser {
            user: user.as_str().into(),
        };
        let user_row = self.users.row(user).ok_or_else(unknown)?;
        let u = &self.users.at(user_row).ok_or_else(unknown)?.user;
        if entry.pool.license_type != LicenseType::Named {
            return Err(Refusal::WrongLicenseType {
                pool: pool.clone(),
                license_type: entry.pool.license_type.name(),
            });
        }
        self.check_open(entry, now)?;
        if !u.active {
            return Err(Refusal::InactiveUser {
                user: user.as_str().into(),
            });
        }
        if let Some(existing) = entry.seated.get(&user_row) {
            return Err(match self.assignments.at(existing.assignment) {
                Some(a) => Refusal::AlreadyAssigned {
                    assignment: a.id.clone(),
                },
                None => Refusal::inconsistent(alloc::format!("a seat of {user} has no assignment")),
            });
        }
        if !entry.incompatible.is_empty() {
            self.check_compatible(entry, user.as_str(), Some(user_row), now)?;
        }
        let allocated = entry.seated.len() as u64;
        if allocated >= u64::from(entry.pool.capacity) {
            return Err(Refusal::CapacityExceeded {
                capacity: entry.pool.capacity.into(),
                allocated,
            });
        }
        Ok(Seating {
            assignment: Assignment {
                id: id.clone(),
                pool: pool.clone(),
                user: user.clone(),
                source,
                entitlement: entitlement.map(String::from),
                status: AssignmentStatus::Active,
                assigned_at: now,
                ended_at: None,
                reason: None,
                notes: String::from(notes),
            },
            pool: pool_row,
            user: user_row,
        })
    }

    fn bulk_assign(
        &mut self,
        pool: &PoolId,
        items: &[BulkAssignItem],
        source: AssignmentSource,
        notes: &str,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        if items.len() > MAX_BULK_ITEMS {
            return Err(Refusal::BulkTooLarge {
                limit: MAX_BULK_ITEMS,
                given: items.len(),
            });
        }
        check_text("notes", notes)?;
        if let Some(entry) = self.pools.get_mut(pool) {
            // Room for every item at once (capacity only: no seat changes).
            entry.seated.reserve(items.len());
        }
        self.assignments.reserve(items.len());
        // The pool is found once; assigning moves no row.
        let pool_row = self.pools.row(pool);
        let mut seen_users: crate::seats::state::Map<&UserId, ()> =
            crate::seats::state::Map::with_capacity_and_hasher(items.len(), self.hasher().clone());
        let mut seen_ids: crate::seats::state::Map<&AssignmentId, ()> =
            crate::seats::state::Map::with_capacity_and_hasher(items.len(), self.hasher().clone());
        let mut changes = Vec::with_capacity(items.len());
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let first = seen_users.insert(&item.user, ()).is_none()
                & seen_ids.insert(&item.id, ()).is_none();
            let result = if !first {
                Err(Refusal::DuplicateInRequest)
            } else {
                self.check_new_assignment_id(&item.id).and_then(|hash| {
                    self.decide_assign_in(
                        &item.id, pool, pool_row, &item.user, source, None, notes, now,
                    )
                    .map(|seating| (seating, hash))
                })
            };
            results.push(match result {
                Ok((seating, hash)) => {
                    self.seat_assignment(&seating.assignment, seating.pool, seating.user, hash)?;
                    changes.push(Change::Assigned(seating.assignment));
                    Ok(item.id.clone())
                }
                Err(refusal) => Err(refusal),
            });
        }
        Ok(Outcome {
            changes,
            reply: Reply::Bulk(BulkReport::of(results)),
        })
    }

    fn bulk_reclaim(
        &mut self,
        ids: &[AssignmentId],
        reason: &str,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        if ids.len() > MAX_BULK_ITEMS {
            return Err(Refusal::BulkTooLarge {
                limit: MAX_BULK_ITEMS,
                given: ids.len(),
            });
        }
        check_reason(reason)?;
        let mut seen: crate::seats::state::Map<&AssignmentId, ()> = self.new_map();
        let mut changes = Vec::with_capacity(ids.len());
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let result = if seen.insert(id, ()).is_some() {
                Err(Refusal::DuplicateInRequest)
            } else {
                self.active(id, now).map(|_| ())
            };
            let result = match result {
                Ok(()) => {
                    let change = Change::Reclaimed {
                        assignment: id.clone(),
                        at: now,
                        reason: reason.into(),
                    };
                    self.apply(&change)?;
                    changes.push(change);
                    Ok(id.clone())
                }
                Err(e) => Err(e),
            };
            results.push(result);
        }
        Ok(Outcome {
            changes,
            reply: Reply::Bulk(BulkReport::of(results)),
        })
    }

    fn lease_out(&self, id: &LeaseId, now: Timestamp) -> Result<&Lease, Refusal> {
        let l = self.leases.get(id).ok_or_else(|| Refusal::UnknownLease {
            lease: id.as_str().into(),
        })?;
        if l.status != LeaseStatus::Out || !l.holds_seat_at(now) {
            return Err(Refusal::LeaseNotOut { lease: id.clone() });
        }
        if now < l.checked_out_at {
            return Err(Refusal::invalid(
                "at",
                alloc::format!(
                    "{now} is before the lease was checked out ({})",
                    l.checked_out_at
                ),
            ));
        }
        Ok(l)
    }

    /// Culls for the pool's leases that no longer hold a seat at `now`,
    /// in lease-id order.
    fn culls(&self, entry: &PoolEntry, now: Timestamp) -> Vec<Change> {
        let mut dead: Vec<&LeaseId> = entry
            .leases
            .values()
            .filter_map(|row| self.leases.at(*row))
            .filter(|l| !l.holds_seat_at(now))
            .map(|l| &l.id)
            .collect();
        dead.sort();
        dead.into_iter()
            .map(|id| Change::LeaseCulled { lease: id.clone() })
            .collect()
    }

    fn checkout(
        &self,
        id: &LeaseId,
        pool: &PoolId,
        holder: &HolderId,
        borrow_days: Option<u32>,
        ttl_seconds: Option<u32>,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        let entry = self.entry(pool)?;
        if entry.pool.license_type != LicenseType::Concurrent {
            return Err(Refusal::WrongLicenseType {
                pool: pool.clone(),
                license_type: entry.pool.license_type.name(),
            });
        }
        let options = entry.pool.lease;
        let mut changes = Vec::new();
        let existing = entry
            .leases
            .get(holder)
            .and_then(|row| self.leases.at(*row))
            .filter(|l| l.holds_seat_at(now));
        if let Some(existing) = existing {
            if existing.status == LeaseStatus::Out {
                // The holder's live lease, whatever became of the pool since.
                return Ok(Outcome {
                    changes,
                    reply: Reply::Lease(existing.id.clone()),
                });
            }
        }
        self.check_open(entry, now)?;
        let ttl = ttl_seconds.unwrap_or(options.ttl_seconds);
        if !(LeaseOptions::MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(&ttl) {
            return Err(Refusal::invalid(
                "ttl_seconds",
                alloc::format!(
                    "must be {} to {MAX_TTL_SECONDS}",
                    LeaseOptions::MIN_TTL_SECONDS
                ),
            ));
        }
        if let Some(days) = borrow_days {
            if days == 0 || days > options.max_borrow_days {
                return Err(Refusal::BorrowNotAllowed {
                    max_days: options.max_borrow_days,
                });
            }
        }
        if let Some(existing) = existing {
            if existing.borrowed == borrow_days.is_some() {
                // Released but lingering: the holder takes its seat up
                // again, for its TTL or the days it borrows it for now.
                let expires_at = match borrow_days {
                    Some(d) => now.saturating_add(days(d)),
                    None => now.saturating_add(Duration::from_secs(existing.ttl_seconds.into())),
                };
                changes.push(Change::LeaseRenewed {
                    lease: existing.id.clone(),
                    expires_at,
                });
                return Ok(Outcome {
                    changes,
                    reply: Reply::Lease(existing.id.clone()),
                });
            }
            // A borrow where an online lease lingers, or the other way
            // round: that one ends and a new lease of the kind asked for
            // takes its seat.
            changes.push(Change::LeaseCulled {
                lease: existing.id.clone(),
            });
        }
        if self.leases.contains_key(id) {
            return Err(Refusal::DuplicateId {
                kind: "lease",
                id: id.as_str().into(),
            });
        }
        if !entry.incompatible.is_empty() {
            self.check_compatible(entry, holder.as_str(), self.users.row(holder.as_str()), now)?;
        }
        changes.extend(self.culls(entry, now));
        let held = entry.leases.len() as u64 - changes.len() as u64;
        let limit = options.overage.limit(entry.pool.capacity);
        if held >= limit {
            return Err(Refusal::CapacityExceeded {
                capacity: limit,
                allocated: held,
            });
        }
        let expires_at = match borrow_days {
            Some(d) => now.saturating_add(days(d)),
            None => now.saturating_add(Duration::from_secs(ttl.into())),
        };
        let lease = Lease {
            id: id.clone(),
            pool: pool.clone(),
            holder: holder.clone(),
            status: LeaseStatus::Out,
            checked_out_at: now,
            expires_at,
            ttl_seconds: ttl,
            released_at: None,
            linger_seconds: 0,
            borrowed: borrow_days.is_some(),
            overage: held >= u64::from(entry.pool.capacity),
        };
        changes.push(Change::LeaseOut(lease.clone()));
        Ok(Outcome {
            changes,
            reply: Reply::Lease(lease.id),
        })
    }

    fn expiry_changes(&self, now: Timestamp) -> Vec<Change> {
        let mut due: Vec<&PoolEntry> = self
            .pools
            .values()
            .filter(|e| e.pool.is_past_expiry(now))
            .filter(|e| match e.pool.status {
                PoolStatus::Active => true,
                // An archived pool keeps its status, but `revoke_all` still
                // takes back the seats left in it when its term ends.
                // An archived pool keeps its status, and an expired one
                // may still hold a seat recorded as assigned after its
                // expiry ran: `revoke_all` takes them back.
                PoolStatus::Archived | PoolStatus::Expired => {
                    e.pool.expiry_policy == ExpiryPolicy::RevokeAll
                        && !(e.seated.is_empty() && e.leases.is_empty())
                }
            })
            .collect();
        due.sort_by(|a, b| a.pool.id.cmp(&b.pool.id));
        let mut changes = Vec::new();
        for entry in due {
            if entry.pool.status == PoolStatus::Active {
                changes.push(Change::PoolExpired {
                    pool: entry.pool.id.clone(),
                    at: now,
                });
            }
            if entry.pool.expiry_policy == ExpiryPolicy::RevokeAll {
                // (A seat recorded as assigned after `now`, by a command
                // evaluated as of a later time, cannot end before it began.)
                let mut seated: Vec<&AssignmentId> = entry
                    .seated
                    .values()
                    .filter_map(|seat| self.assignments.at(seat.assignment))
                    .filter(|a| a.assigned_at <= now)
                    .map(|a| &a.id)
                    .collect();
                seated.sort();
                changes.extend(seated.into_iter().map(|a| Change::AssignmentExpired {
                    assignment: a.clone(),
                    at: now,
                }));
                let mut leases: Vec<&LeaseId> = entry
                    .leases
                    .values()
                    .filter_map(|row| self.leases.at(*row).map(|l| &l.id))
                    .collect();
                leases.sort();
                changes.extend(
                    leases
                        .into_iter()
                        .map(|l| Change::LeaseCulled { lease: l.clone() }),
                );
            }
        }
        changes
    }

    fn grant_entitlement(
        &self,
        id: &AssignmentId,
        user: &UserId,
        entitlement: &str,
        now: Timestamp,
    ) -> Result<Outcome, Refusal> {
        check_name("entitlement", entitlement, true)?;
        let u = self.user(user).ok_or_else(|| Refusal::UnknownUser {
            user: user.as_str().into(),
        })?;
        if !u.active {
            return Err(Refusal::InactiveUser {
                user: user.as_str().into(),
            });
        }
        if let Some(a) = self.grant(user, entitlement) {
            return Err(Refusal::AlreadyGranted {
                assignment: a.id.clone(),
            });
        }
        self.check_new_assignment_id(id)?;
        let mut links: Vec<&EntitlementLink> = self
            .links
            .values()
            .filter(|l| l.enabled && l.entitlement == entitlement)
            .collect();
        links.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        // A seat the user holds already in a pool the entitlement links to
        // serves it: a second one would be paid for twice.
        if let Some(held) = links
            .iter()
            .find_map(|link| self.active_assignment(&link.pool, user))
        {
            return Err(Refusal::AlreadyAssigned {
                assignment: held.id.clone(),
            });
        }
        for link in links {
            if let Ok(seating) = self.decide_assign(
                id,
                &link.pool,
                user,
                AssignmentSource::Entitlement,
                Some(entitlement),
                "",
                now,
            ) {
                return Ok(assigned(seating.assignment));
            }
        }
        Err(Refusal::NoLinkedSeat {
            entitlement: entitlement.into(),
        })
    }
}

impl BulkReport {
    fn of(items: Vec<Result<AssignmentId, Refusal>>) -> BulkReport {
        let succeeded = items.iter().filter(|r| r.is_ok()).count();
        BulkReport {
            failed: items.len() - succeeded,
            succeeded,
            items,
        }
    }
}

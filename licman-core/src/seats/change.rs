//! The state changes the engine decides: each is one audit event's body,
//! and applying them in order is the only way the state changes.

use alloc::string::String;
use serde::{Deserialize, Serialize};

use crate::seats::ids::{AssignmentId, IncompatibilityId, LeaseId, LinkId, PoolId, RuleId, UserId};
use crate::seats::model::{
    Assignment, EntitlementLink, Incompatibility, Lease, Notice, Pool, ReclamationRule, User,
};
use crate::time::Timestamp;

/// One change of the seat state: the body of one audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum Change {
    /// A pool was created.
    PoolCreated(Pool),
    /// A pool's settings changed (the pool as it is now).
    PoolUpdated(Pool),
    /// A pool was archived.
    PoolArchived {
        /// The pool.
        pool: PoolId,
        /// When.
        at: Timestamp,
    },
    /// A pool was deleted, with its incompatibilities, rules and links.
    PoolDeleted {
        /// The pool.
        pool: PoolId,
    },
    /// A pool's expiry was applied.
    PoolExpired {
        /// The pool.
        pool: PoolId,
        /// When.
        at: Timestamp,
    },
    /// A user was registered.
    UserCreated(User),
    /// A user changed (the user as they are now).
    UserUpdated(User),
    /// A seat was assigned.
    Assigned(Assignment),
    /// A seat was given back.
    Deallocated {
        /// The assignment.
        assignment: AssignmentId,
        /// When.
        at: Timestamp,
    },
    /// A seat was taken back.
    Reclaimed {
        /// The assignment.
        assignment: AssignmentId,
        /// When.
        at: Timestamp,
        /// Why (`rule:<id>` for a reclamation rule).
        reason: String,
    },
    /// A seat ended with its pool (`revoke_all`).
    AssignmentExpired {
        /// The assignment.
        assignment: AssignmentId,
        /// When.
        at: Timestamp,
    },
    /// A lease was checked out.
    LeaseOut(Lease),
    /// A lease was extended (or a lingering one taken up again).
    LeaseRenewed {
        /// The lease.
        lease: LeaseId,
        /// Its new expiry.
        expires_at: Timestamp,
    },
    /// A lease was released.
    LeaseReleased {
        /// The lease.
        lease: LeaseId,
        /// When.
        at: Timestamp,
        /// Seconds the seat stays held.
        linger_seconds: u32,
    },
    /// A lease that no longer held a seat was ended.
    LeaseCulled {
        /// The lease.
        lease: LeaseId,
    },
    /// Two pools were made incompatible.
    IncompatibilityCreated(Incompatibility),
    /// An incompatibility was lifted.
    IncompatibilityDeleted {
        /// The rule.
        id: IncompatibilityId,
    },
    /// A reclamation rule was created.
    RuleCreated(ReclamationRule),
    /// A reclamation rule changed (the rule as it is now).
    RuleUpdated(ReclamationRule),
    /// A reclamation rule was deleted.
    RuleDeleted {
        /// The rule.
        rule: RuleId,
    },
    /// An entitlement link was created.
    LinkCreated(EntitlementLink),
    /// An entitlement link changed (the link as it is now).
    LinkUpdated(EntitlementLink),
    /// An entitlement link was deleted.
    LinkDeleted {
        /// The link.
        link: LinkId,
    },
    /// A reclamation notice was recorded.
    NoticeRecorded(Notice),
    /// Something the host records in the trail that changes no seat (a
    /// secret read, an export): its action and details.
    HostRecord {
        /// The action (`pool.secret_read`).
        action: String,
        /// The pool it concerns.
        pool: Option<PoolId>,
        /// Free details.
        details: String,
    },
}

impl Change {
    /// Every action the engine's own changes record, in declaration order.
    pub const ENGINE_ACTIONS: &'static [&'static str] = &[
        "pool.created",
        "pool.updated",
        "pool.archived",
        "pool.deleted",
        "pool.expired",
        "user.created",
        "user.updated",
        "assignment.created",
        "assignment.deallocated",
        "assignment.reclaimed",
        "assignment.expired",
        "lease.out",
        "lease.renewed",
        "lease.released",
        "lease.culled",
        "incompatibility.created",
        "incompatibility.deleted",
        "rule.created",
        "rule.updated",
        "rule.deleted",
        "link.created",
        "link.updated",
        "link.deleted",
        "notice.sent",
    ];

    /// The audit action's stable name (`pool.created`, `assignment.created`, …).
    ///
    /// ```
    /// use licman_core::seats::{Change, PoolId};
    /// let c = Change::PoolDeleted { pool: PoolId::new("p").unwrap() };
    /// assert_eq!(c.action(), "pool.deleted");
    /// ```
    pub fn action(&self) -> &str {
        match self {
            Change::PoolCreated(_) => "pool.created",
            Change::PoolUpdated(_) => "pool.updated",
            Change::PoolArchived { .. } => "pool.archived",
            Change::PoolDeleted { .. } => "pool.deleted",
            Change::PoolExpired { .. } => "pool.expired",
            Change::UserCreated(_) => "user.created",
            Change::UserUpdated(_) => "user.updated",
            Change::Assigned(_) => "assignment.created",
            Change::Deallocated { .. } => "assignment.deallocated",
            Change::Reclaimed { .. } => "assignment.reclaimed",
            Change::AssignmentExpired { .. } => "assignment.expired",
            Change::LeaseOut(_) => "lease.out",
            Change::LeaseRenewed { .. } => "lease.renewed",
            Change::LeaseReleased { .. } => "lease.released",
            Change::LeaseCulled { .. } => "lease.culled",
            Change::IncompatibilityCreated(_) => "incompatibility.created",
            Change::IncompatibilityDeleted { .. } => "incompatibility.deleted",
            Change::RuleCreated(_) => "rule.created",
            Change::RuleUpdated(_) => "rule.updated",
            Change::RuleDeleted { .. } => "rule.deleted",
            Change::LinkCreated(_) => "link.created",
            Change::LinkUpdated(_) => "link.updated",
            Change::LinkDeleted { .. } => "link.deleted",
            Change::NoticeRecorded(_) => "notice.sent",
            Change::HostRecord { action, .. } => action,
        }
    }

    /// The pool the change names directly, if any (an assignment's or
    /// lease's pool is found through the state).
    pub fn pool(&self) -> Option<&PoolId> {
        match self {
            Change::PoolCreated(p) | Change::PoolUpdated(p) => Some(&p.id),
            Change::PoolArchived { pool, .. }
            | Change::PoolDeleted { pool }
            | Change::PoolExpired { pool, .. } => Some(pool),
            Change::Assigned(a) => Some(&a.pool),
            Change::LeaseOut(l) => Some(&l.pool),
            Change::IncompatibilityCreated(i) => Some(&i.pool_a),
            Change::RuleCreated(r) | Change::RuleUpdated(r) => Some(&r.pool),
            Change::LinkCreated(l) | Change::LinkUpdated(l) => Some(&l.pool),
            Change::HostRecord { pool, .. } => pool.as_ref(),
            _ => None,
        }
    }

    /// The user the change names directly, if any.
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Change::UserCreated(u) | Change::UserUpdated(u) => Some(&u.id),
            Change::Assigned(a) => Some(&a.user),
            _ => None,
        }
    }

    /// The assignment the change names, if any.
    pub fn assignment(&self) -> Option<&AssignmentId> {
        match self {
            Change::Assigned(a) => Some(&a.id),
            Change::Deallocated { assignment, .. }
            | Change::Reclaimed { assignment, .. }
            | Change::AssignmentExpired { assignment, .. } => Some(assignment),
            Change::NoticeRecorded(n) => Some(&n.assignment),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::ids::{LeaseId, PoolId};

    #[test]
    fn engine_actions_list_every_changes_action_once() {
        let p = || PoolId::new("p").unwrap_or_else(|_| unreachable!());
        let l = || LeaseId::new("l").unwrap_or_else(|_| unreachable!());
        let t = Timestamp::UNIX_EPOCH;
        let some = [
            Change::PoolArchived { pool: p(), at: t },
            Change::PoolDeleted { pool: p() },
            Change::PoolExpired { pool: p(), at: t },
            Change::LeaseRenewed {
                lease: l(),
                expires_at: t,
            },
            Change::LeaseReleased {
                lease: l(),
                at: t,
                linger_seconds: 0,
            },
            Change::LeaseCulled { lease: l() },
        ];
        for c in &some {
            assert!(
                Change::ENGINE_ACTIONS.contains(&c.action()),
                "{}",
                c.action()
            );
        }
        let mut sorted = Change::ENGINE_ACTIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Change::ENGINE_ACTIONS.len());
        // One name per variant but the host's.
        assert_eq!(Change::ENGINE_ACTIONS.len(), 24);
    }
}

//! What a host asks the engine to do. Every object a command creates gets
//! the id the command carries (the store chooses ids), so replaying a
//! command's events gives the same ids.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::seats::ids::{
    AssignmentId, HolderId, IncompatibilityId, LeaseId, LinkId, PoolId, RuleId, UserId,
};
use crate::seats::model::{
    AssignmentSource, BillingPeriod, ExpiryPolicy, LeaseOptions, LicenseType, Trigger,
};
use crate::seats::money::Money;
use crate::time::Timestamp;

/// The most items one bulk request may hold.
pub const MAX_BULK_ITEMS: usize = 1000;

/// A new pool's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// The new pool's id.
    pub id: PoolId,
    /// Its name (unique among pools).
    pub name: String,
    /// Who sells the seats.
    pub vendor: String,
    /// What they are seats of.
    pub product: String,
    /// The vendor's plan or edition.
    pub plan: String,
    /// Free labels.
    pub tags: Vec<String>,
    /// How many seats (> 0).
    pub capacity: u32,
    /// One seat's cost per billing period.
    pub seat_cost: Money,
    /// How often a seat is paid for.
    pub billing: BillingPeriod,
    /// Named or concurrent.
    pub license_type: LicenseType,
    /// When the subscription started.
    pub starts_at: Option<Timestamp>,
    /// When the pool expires (after `starts_at`).
    pub expires_at: Option<Timestamp>,
    /// What expiry does.
    pub expiry_policy: ExpiryPolicy,
    /// Days of warning before expiry.
    pub warning_days: u32,
    /// Free text.
    pub notes: String,
    /// Lease options (concurrent pools).
    pub lease: LeaseOptions,
}

impl PoolSpec {
    /// A pool of `capacity` seats with every other setting at its default
    /// (free, monthly, named, no expiry, `block_new`, 30 warning days).
    ///
    /// ```
    /// use licman_core::seats::*;
    /// let spec = PoolSpec::new(PoolId::new("p1").unwrap(), "Figma", 10);
    /// assert_eq!(spec.warning_days, 30);
    /// assert_eq!(spec.seat_cost, Money::zero(Currency::USD));
    /// ```
    pub fn new(id: PoolId, name: &str, capacity: u32) -> PoolSpec {
        PoolSpec {
            id,
            name: name.into(),
            vendor: String::new(),
            product: String::new(),
            plan: String::new(),
            tags: Vec::new(),
            capacity,
            seat_cost: Money::zero(crate::seats::money::Currency::USD),
            billing: BillingPeriod::Monthly,
            license_type: LicenseType::Named,
            starts_at: None,
            expires_at: None,
            expiry_policy: ExpiryPolicy::BlockNew,
            warning_days: crate::seats::model::Pool::DEFAULT_WARNING_DAYS,
            notes: String::new(),
            lease: LeaseOptions::default(),
        }
    }

    /// The pool this spec creates at `now` (active).
    pub(crate) fn to_pool(&self, now: Timestamp) -> crate::seats::model::Pool {
        crate::seats::model::Pool {
            id: self.id.clone(),
            name: self.name.clone(),
            vendor: self.vendor.clone(),
            product: self.product.clone(),
            plan: self.plan.clone(),
            tags: self.tags.clone(),
            capacity: self.capacity,
            seat_cost: self.seat_cost,
            billing: self.billing,
            license_type: self.license_type,
            starts_at: self.starts_at,
            expires_at: self.expires_at,
            expiry_policy: self.expiry_policy,
            warning_days: self.warning_days,
            status: crate::seats::model::PoolStatus::Active,
            notes: self.notes.clone(),
            lease: self.lease,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Changes to a pool; `None` keeps a setting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new vendor.
    pub vendor: Option<String>,
    /// A new product.
    pub product: Option<String>,
    /// A new plan.
    pub plan: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// A new capacity (not below the seats held).
    pub capacity: Option<u32>,
    /// A new seat cost.
    pub seat_cost: Option<Money>,
    /// A new billing period.
    pub billing: Option<BillingPeriod>,
    /// A new start (`Some(None)` removes it).
    pub starts_at: Option<Option<Timestamp>>,
    /// A new expiration (`Some(None)` removes it).
    pub expires_at: Option<Option<Timestamp>>,
    /// A new expiry policy.
    pub expiry_policy: Option<ExpiryPolicy>,
    /// New warning days.
    pub warning_days: Option<u32>,
    /// New notes.
    pub notes: Option<String>,
    /// New lease options.
    pub lease: Option<LeaseOptions>,
}

/// Changes to a user; `None` keeps a field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPatch {
    /// A new email.
    pub email: Option<String>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// A new lifecycle state.
    pub lifecycle: Option<String>,
    /// A new last activity time.
    pub last_activity: Option<Timestamp>,
}

/// Changes to a reclamation rule; `None` keeps a field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePatch {
    /// A new trigger.
    pub trigger: Option<Trigger>,
    /// New notification days.
    pub notify_days: Option<u32>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// One assignment of a bulk assign: the new assignment's id and the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkAssignItem {
    /// The id the assignment gets.
    pub id: AssignmentId,
    /// Who gets a seat.
    pub user: UserId,
}

/// What a host asks the engine to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Command {
    /// Create a pool.
    CreatePool(PoolSpec),
    /// Change a pool's settings.
    UpdatePool {
        /// The pool.
        pool: PoolId,
        /// The changes.
        patch: PoolPatch,
    },
    /// Archive a pool: no new assignments; its rules stay but do nothing.
    ArchivePool {
        /// The pool.
        pool: PoolId,
    },
    /// Delete a pool with no seat held (its incompatibilities, rules and
    /// links go with it).
    DeletePool {
        /// The pool.
        pool: PoolId,
    },
    /// Set a pool's capacity and expiration to what its license grants
    /// now (the host verified the license; see licman-seats' license-backed
    /// pools). Unlike [`Command::UpdatePool`], the capacity may fall below
    /// the seats held: a renewal for fewer seats takes effect at once, the
    /// seats out stay, and no new seat is given until the pool is under its
    /// capacity again (the compliance report flags the pool meanwhile).
    FollowLicense {
        /// The pool.
        pool: PoolId,
        /// The seats the license grants (1 to 10,000,000).
        capacity: u32,
        /// When the license stops being usable (`None`: perpetual).
        expires_at: Option<Timestamp>,
    },
    /// Expire every active pool whose expiration date has come, per its
    /// policy.
    ApplyExpiry,
    /// Register a user.
    CreateUser {
        /// The user's id.
        id: UserId,
        /// Their email.
        email: String,
        /// Active or not.
        active: bool,
        /// Their lifecycle state.
        lifecycle: String,
        /// Their last activity.
        last_activity: Option<Timestamp>,
    },
    /// Change a user.
    UpdateUser {
        /// The user.
        user: UserId,
        /// The changes.
        patch: UserPatch,
    },
    /// Assign a named seat.
    Assign {
        /// The new assignment's id.
        id: AssignmentId,
        /// The pool.
        pool: PoolId,
        /// The user.
        user: UserId,
        /// How it comes to be.
        source: AssignmentSource,
        /// Free text.
        notes: String,
    },
    /// Give a seat back (released).
    Deallocate {
        /// The assignment.
        assignment: AssignmentId,
    },
    /// Take a seat back (reclaimed), with a reason.
    Reclaim {
        /// The assignment.
        assignment: AssignmentId,
        /// Why (required).
        reason: String,
    },
    /// Assign seats of one pool to up to [`MAX_BULK_ITEMS`] users.
    BulkAssign {
        /// The pool.
        pool: PoolId,
        /// The users, each with its new assignment's id.
        items: Vec<BulkAssignItem>,
        /// How they come to be.
        source: AssignmentSource,
        /// Free text for each.
        notes: String,
    },
    /// Reclaim up to [`MAX_BULK_ITEMS`] assignments with one reason.
    BulkReclaim {
        /// The assignments.
        assignments: Vec<AssignmentId>,
        /// Why (required).
        reason: String,
    },
    /// Check out a concurrent seat (the holder's live lease if it has one).
    Checkout {
        /// The new lease's id.
        id: LeaseId,
        /// The pool.
        pool: PoolId,
        /// Who holds it.
        holder: HolderId,
        /// Borrow it offline for this many days instead of heartbeating.
        borrow_days: Option<u32>,
        /// This lease's heartbeat TTL in seconds, instead of the pool's
        /// (60 s to 30 days).
        ttl_seconds: Option<u32>,
    },
    /// Extend a lease by the pool's TTL from now.
    Heartbeat {
        /// The lease.
        lease: LeaseId,
    },
    /// Release a lease (the seat lingers for the pool's linger time).
    Release {
        /// The lease.
        lease: LeaseId,
    },
    /// End every lease that no longer holds a seat, in one pool or all.
    CullLeases {
        /// The pool, or every pool.
        pool: Option<PoolId>,
    },
    /// Make two pools incompatible.
    CreateIncompatibility {
        /// The rule's id.
        id: IncompatibilityId,
        /// One pool.
        pool_a: PoolId,
        /// The other.
        pool_b: PoolId,
        /// Why.
        reason: String,
    },
    /// Lift an incompatibility.
    DeleteIncompatibility {
        /// The rule.
        id: IncompatibilityId,
    },
    /// Add a reclamation rule to a pool.
    CreateRule {
        /// The rule's id.
        id: RuleId,
        /// The pool.
        pool: PoolId,
        /// What triggers it.
        trigger: Trigger,
        /// Days between notice and reclaim.
        notify_days: u32,
        /// Enabled or not.
        enabled: bool,
    },
    /// Change a reclamation rule.
    UpdateRule {
        /// The rule.
        rule: RuleId,
        /// The changes.
        patch: RulePatch,
    },
    /// Delete a reclamation rule.
    DeleteRule {
        /// The rule.
        rule: RuleId,
    },
    /// Carry out the reclamation plan at now: record its notices and
    /// reclaim its assignments (only the given rules', if any are given).
    ApplyReclamation {
        /// The rules to apply; empty for every rule.
        rules: Vec<RuleId>,
    },
    /// Link an entitlement to a pool.
    CreateLink {
        /// The link's id.
        id: LinkId,
        /// The pool.
        pool: PoolId,
        /// The entitlement's name.
        entitlement: String,
        /// Higher first.
        priority: i32,
        /// Enabled or not.
        enabled: bool,
    },
    /// Change a link's priority or enabled flag.
    UpdateLink {
        /// The link.
        link: LinkId,
        /// A new priority.
        priority: Option<i32>,
        /// Enable or disable.
        enabled: Option<bool>,
    },
    /// Delete a link.
    DeleteLink {
        /// The link.
        link: LinkId,
    },
    /// Grant a user an entitlement: a seat from the best linked pool.
    Grant {
        /// The new assignment's id.
        id: AssignmentId,
        /// The user.
        user: UserId,
        /// The entitlement's name.
        entitlement: String,
    },
    /// Withdraw an entitlement: its seat is released.
    Withdraw {
        /// The user.
        user: UserId,
        /// The entitlement's name.
        entitlement: String,
    },
}

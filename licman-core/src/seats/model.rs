//! What the engine keeps: pools, users, assignments, leases, and the rules
//! around them. Every type here is plain data; the rules that change it are
//! in [`crate::seats::engine`].

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::seats::ids::{
    AssignmentId, HolderId, IncompatibilityId, LeaseId, LinkId, PoolId, RuleId, UserId,
};
use crate::seats::money::Money;
use crate::time::{SECONDS_PER_DAY, Timestamp};

const MONTHS_PER_YEAR: core::num::NonZeroU128 = match core::num::NonZeroU128::new(12) {
    Some(n) => n,
    None => core::num::NonZeroU128::MIN,
};

/// How often a pool's seats are paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    /// The seat cost is per month.
    #[default]
    Monthly,
    /// The seat cost is per year (a twelfth of it per month).
    Annual,
    /// The seat cost is paid once.
    Perpetual,
}

option_names!(BillingPeriod { Monthly => "monthly", Annual => "annual", Perpetual => "perpetual", });

/// How a pool's seats are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseType {
    /// Seats are assigned to users by name.
    #[default]
    Named,
    /// Seats are leased for a while by whoever checks one out.
    Concurrent,
}

option_names!(LicenseType { Named => "named", Concurrent => "concurrent", });

/// What happens to a pool's seats when it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryPolicy {
    /// Existing assignments stay; no new ones are made.
    #[default]
    BlockNew,
    /// Every active assignment (and lease) ends as expired.
    RevokeAll,
}

option_names!(ExpiryPolicy { BlockNew => "block_new", RevokeAll => "revoke_all", });

/// A pool's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolStatus {
    /// Seats can be assigned.
    #[default]
    Active,
    /// The expiration date has passed and expiry was applied.
    Expired,
    /// Retired by an admin: no new assignments; its rules do nothing.
    Archived,
}

option_names!(PoolStatus { Active => "active", Expired => "expired", Archived => "archived", });

/// How far a concurrent pool's leases may go beyond its capacity; the
/// checkouts beyond it succeed and are flagged as overage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Overage {
    /// Never beyond capacity.
    #[default]
    #[serde(rename = "none")]
    None,
    /// Up to 1.25 × capacity (rounded down).
    #[serde(rename = "1.25x")]
    X1_25,
    /// Up to 1.5 × capacity (rounded down).
    #[serde(rename = "1.5x")]
    X1_5,
    /// Up to 2 × capacity.
    #[serde(rename = "2x")]
    X2,
}

option_names!(Overage { None => "none", X1_25 => "1.25x", X1_5 => "1.5x", X2 => "2x", });

impl Overage {
    /// The most leases a pool of `capacity` seats may have out:
    /// `⌊capacity × factor⌋`.
    ///
    /// ```
    /// use licman_core::seats::Overage;
    /// assert_eq!(Overage::None.limit(10), 10);
    /// assert_eq!(Overage::X1_25.limit(10), 12);
    /// assert_eq!(Overage::X1_5.limit(3), 4);
    /// assert_eq!(Overage::X2.limit(u32::MAX), 2 * u64::from(u32::MAX));
    /// ```
    pub fn limit(self, capacity: u32) -> u64 {
        let c = u64::from(capacity);
        match self {
            Overage::None => c,
            Overage::X1_25 => c * 5 / 4,
            Overage::X1_5 => c * 3 / 2,
            Overage::X2 => c * 2,
        }
    }
}

/// A concurrent pool's lease options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseOptions {
    /// Seconds a lease lives without a heartbeat (default 600, at least 60).
    pub ttl_seconds: u32,
    /// How far checkouts may go beyond capacity.
    pub overage: Overage,
    /// Seconds a released seat stays held (default 0).
    pub linger_seconds: u32,
    /// The longest offline (borrowed) lease in days; 0 means no borrowing.
    pub max_borrow_days: u32,
}

impl LeaseOptions {
    /// The shortest heartbeat TTL.
    pub const MIN_TTL_SECONDS: u32 = 60;
    /// The default heartbeat TTL: ten minutes.
    pub const DEFAULT_TTL_SECONDS: u32 = 600;
    /// The longest borrow the engine allows.
    pub const MAX_BORROW_DAYS: u32 = 366;
}

impl Default for LeaseOptions {
    /// ```
    /// use licman_core::seats::{LeaseOptions, Overage};
    /// let o = LeaseOptions::default();
    /// assert_eq!((o.ttl_seconds, o.overage, o.linger_seconds, o.max_borrow_days), (600, Overage::None, 0, 0));
    /// ```
    fn default() -> Self {
        LeaseOptions {
            ttl_seconds: Self::DEFAULT_TTL_SECONDS,
            overage: Overage::None,
            linger_seconds: 0,
            max_borrow_days: 0,
        }
    }
}

/// A pool of seats of one product, bought from one vendor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// The pool's id.
    pub id: PoolId,
    /// Its name, unique among pools.
    pub name: String,
    /// Who sells the seats.
    pub vendor: String,
    /// What they are seats of.
    pub product: String,
    /// The vendor's plan or edition (`Professional`).
    pub plan: String,
    /// Free labels.
    pub tags: Vec<String>,
    /// How many seats were bought (> 0).
    pub capacity: u32,
    /// The cost of one seat per billing period (once, for perpetual).
    pub seat_cost: Money,
    /// How often a seat is paid for.
    pub billing: BillingPeriod,
    /// Named (assignments) or concurrent (leases).
    pub license_type: LicenseType,
    /// When the subscription started (informational).
    pub starts_at: Option<Timestamp>,
    /// The pool is expired from this time on (00:00 UTC of the date);
    /// after `starts_at` when both are set.
    pub expires_at: Option<Timestamp>,
    /// What expiry does to the seats.
    pub expiry_policy: ExpiryPolicy,
    /// Days before expiry from which the pool is `expiring_soon`.
    pub warning_days: u32,
    /// Active, expired or archived.
    pub status: PoolStatus,
    /// Free text.
    pub notes: String,
    /// A concurrent pool's lease options.
    pub lease: LeaseOptions,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Pool {
    /// The default warning period: 30 days.
    pub const DEFAULT_WARNING_DAYS: u32 = 30;

    /// Whether the expiration date has come at `now` (whether or not
    /// expiry was applied).
    pub fn is_past_expiry(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// Whole days from `now` until expiry, rounded up (one second left is
    /// one day); negative once expired, `None` without an expiration date.
    ///
    /// ```
    /// # use licman_core::seats::*;
    /// # use licman_core::Timestamp;
    /// let mut pool = licman_core::seats::__doc_pool(PoolId::new("p").unwrap(), 10);
    /// pool.expires_at = Timestamp::from_date(2027, 1, 31);
    /// let now = Timestamp::from_civil(2027, 1, 1, 12, 0, 0).unwrap();
    /// assert_eq!(pool.days_until_expiry(now), Some(30));
    /// assert_eq!(pool.days_until_expiry(Timestamp::from_date(2027, 2, 2).unwrap()), Some(-2));
    /// ```
    pub fn days_until_expiry(&self, now: Timestamp) -> Option<i64> {
        let at = self.expires_at?;
        Some(match at.seconds_since(now) {
            Some(left) => i64::try_from(left.div_ceil(SECONDS_PER_DAY)).unwrap_or(i64::MAX),
            None => {
                let past = now.seconds_since(at).unwrap_or(0) / SECONDS_PER_DAY;
                -i64::try_from(past).unwrap_or(i64::MAX)
            }
        })
    }

    /// The cost of one seat per month: the cost (monthly), a twelfth of it
    /// rounded half to even (annual), or zero (perpetual).
    pub fn monthly_seat_cost(&self) -> Money {
        match self.billing {
            BillingPeriod::Monthly => self.seat_cost,
            BillingPeriod::Annual => self.seat_cost.div_half_even(MONTHS_PER_YEAR),
            BillingPeriod::Perpetual => Money::zero(self.seat_cost.currency()),
        }
    }

    /// What the pool costs per month: every seat, used or not.
    pub fn monthly_cost(&self) -> Money {
        let seat = self.monthly_seat_cost();
        // Saturating: a pool built by hand may exceed the engine's caps.
        Money::new(
            seat.minor_units().saturating_mul(u128::from(self.capacity)),
            seat.currency(),
        )
    }

    /// What a perpetual pool cost once (cost × capacity); zero otherwise.
    pub fn one_time_cost(&self) -> Money {
        match self.billing {
            BillingPeriod::Perpetual => Money::new(
                self.seat_cost
                    .minor_units()
                    .saturating_mul(u128::from(self.capacity)),
                self.seat_cost.currency(),
            ),
            _ => Money::zero(self.seat_cost.currency()),
        }
    }
}

/// A person the engine knows (seats are assigned to users).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Their email address.
    pub email: String,
    /// Inactive users may not be given seats.
    pub active: bool,
    /// Free text such as `active`, `on_leave`, `terminated`.
    pub lifecycle: String,
    /// When they were last seen using what they hold.
    pub last_activity: Option<Timestamp>,
}

/// How an assignment came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentSource {
    /// An admin assigned it.
    #[default]
    Manual,
    /// A tool or integration assigned it.
    Automatic,
    /// Granting an entitlement allocated it.
    Entitlement,
}

option_names!(AssignmentSource { Manual => "manual", Automatic => "automatic", Entitlement => "entitlement", });

/// An assignment's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// The user holds the seat.
    Active,
    /// Taken back, with a reason.
    Reclaimed,
    /// Ended by the pool's `revoke_all` expiry.
    Expired,
    /// Given back (deallocated, or its entitlement withdrawn).
    Released,
}

option_names!(AssignmentStatus { Active => "active", Reclaimed => "reclaimed", Expired => "expired", Released => "released", });

/// A named seat of a pool, held by a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The assignment's id.
    pub id: AssignmentId,
    /// The pool the seat is from.
    pub pool: PoolId,
    /// Who holds it.
    pub user: UserId,
    /// How it came to be.
    pub source: AssignmentSource,
    /// The entitlement that allocated it (source `entitlement`).
    pub entitlement: Option<String>,
    /// Active, or how it ended.
    pub status: AssignmentStatus,
    /// When it was assigned.
    pub assigned_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Why it ended (required for a reclaim).
    pub reason: Option<String>,
    /// Free text.
    pub notes: String,
}

/// A lease's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseStatus {
    /// Out: live until `expires_at`.
    Out,
    /// Released: the seat stays held until `released_at` + linger.
    Released,
    /// Ended for good (culled after it died, or by pool expiry).
    Ended,
}

option_names!(LeaseStatus { Out => "out", Released => "released", Ended => "ended", });

/// A concurrent seat held for a while by a holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lease {
    /// The lease's id.
    pub id: LeaseId,
    /// The pool the seat is from.
    pub pool: PoolId,
    /// Who holds it.
    pub holder: HolderId,
    /// Out, released or ended.
    pub status: LeaseStatus,
    /// When it was checked out.
    pub checked_out_at: Timestamp,
    /// When it dies without a heartbeat (or, borrowed, when it comes back
    /// by itself).
    pub expires_at: Timestamp,
    /// How far each heartbeat extends it, in seconds.
    pub ttl_seconds: u32,
    /// When it was released.
    pub released_at: Option<Timestamp>,
    /// Seconds the seat stays held after release (the pool's linger when
    /// the lease was released; 0 once the lease is culled, which ends the
    /// hold, as a `revoke_all` expiry does while it lingers).
    pub linger_seconds: u32,
    /// An offline lease that needs no heartbeat until `expires_at`.
    pub borrowed: bool,
    /// Checked out beyond capacity, within the pool's overage.
    pub overage: bool,
}

impl Lease {
    /// Whether the lease holds its seat at `now`: out and not expired, or
    /// released and still lingering.
    ///
    /// ```
    /// # use licman_core::seats::*;
    /// # use licman_core::Timestamp;
    /// let t = Timestamp::from_unix_seconds;
    /// let lease = Lease {
    ///     id: LeaseId::new("l").unwrap(), pool: PoolId::new("p").unwrap(),
    ///     holder: HolderId::new("h").unwrap(), status: LeaseStatus::Out,
    ///     checked_out_at: t(0), expires_at: t(600), ttl_seconds: 600, released_at: None,
    ///     linger_seconds: 0, borrowed: false, overage: false,
    /// };
    /// assert!(lease.holds_seat_at(t(599)));
    /// assert!(!lease.holds_seat_at(t(600)));
    /// ```
    pub fn holds_seat_at(&self, now: Timestamp) -> bool {
        match self.status {
            LeaseStatus::Out => now < self.expires_at,
            LeaseStatus::Released => self.released_at.is_some_and(|at| {
                now < at.saturating_add(core::time::Duration::from_secs(self.linger_seconds.into()))
            }),
            LeaseStatus::Ended => false,
        }
    }
}

/// Two pools no user may hold seats of at once (either way round).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incompatibility {
    /// The rule's id.
    pub id: IncompatibilityId,
    /// One pool.
    pub pool_a: PoolId,
    /// The other pool.
    pub pool_b: PoolId,
    /// Why (shown with every refusal).
    pub reason: String,
    /// When it was created.
    pub created_at: Timestamp,
}

impl Incompatibility {
    /// The pool across the rule from `pool`, if the rule names `pool`.
    pub fn other_than(&self, pool: &PoolId) -> Option<&PoolId> {
        if &self.pool_a == pool {
            Some(&self.pool_b)
        } else if &self.pool_b == pool {
            Some(&self.pool_a)
        } else {
            None
        }
    }
}

/// What makes a reclamation rule take a seat back.
///
/// Human-readable formats (JSON) tag it in place
/// (`{"trigger": "inactivity", "days": 30}`); binary ones (postcard, the
/// audit events) as a plain enum, since an internally tagged enum does not
/// decode from a format that does not describe itself.
///
/// ```
/// use licman_core::seats::*;
/// let t = Trigger::Inactivity { days: 30 };
/// let json = serde_json::to_string(&t).unwrap();
/// assert_eq!(json, r#"{"trigger":"inactivity","days":30}"#);
/// assert_eq!(serde_json::from_str::<Trigger>(&json).unwrap(), t);
/// let bytes = postcard::to_allocvec(&t).unwrap();
/// assert_eq!(postcard::from_bytes::<Trigger>(&bytes).unwrap(), t);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// The user has not been active for `days` days (counted from the later
    /// of their last activity and the assignment time).
    Inactivity {
        /// The threshold in days (> 0).
        days: u32,
    },
    /// The user's lifecycle state is `state` (such as `terminated`).
    Lifecycle {
        /// The state.
        state: String,
    },
}

/// [`Trigger`] as JSON shows it: tagged in place.
#[derive(Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
enum TaggedTrigger {
    Inactivity { days: u32 },
    Lifecycle { state: String },
}

/// [`Trigger`] as postcard stores it: a plain enum.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlainTrigger {
    Inactivity { days: u32 },
    Lifecycle { state: String },
}

impl Serialize for Trigger {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let human = serializer.is_human_readable();
        match (self.clone(), human) {
            (Trigger::Inactivity { days }, true) => {
                TaggedTrigger::Inactivity { days }.serialize(serializer)
            }
            (Trigger::Lifecycle { state }, true) => {
                TaggedTrigger::Lifecycle { state }.serialize(serializer)
            }
            (Trigger::Inactivity { days }, false) => {
                PlainTrigger::Inactivity { days }.serialize(serializer)
            }
            (Trigger::Lifecycle { state }, false) => {
                PlainTrigger::Lifecycle { state }.serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            Ok(match TaggedTrigger::deserialize(deserializer)? {
                TaggedTrigger::Inactivity { days } => Trigger::Inactivity { days },
                TaggedTrigger::Lifecycle { state } => Trigger::Lifecycle { state },
            })
        } else {
            Ok(match PlainTrigger::deserialize(deserializer)? {
                PlainTrigger::Inactivity { days } => Trigger::Inactivity { days },
                PlainTrigger::Lifecycle { state } => Trigger::Lifecycle { state },
            })
        }
    }
}

/// A pool's rule for taking seats back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReclamationRule {
    /// The rule's id.
    pub id: RuleId,
    /// The pool it reclaims from.
    pub pool: PoolId,
    /// What triggers it.
    pub trigger: Trigger,
    /// Days between the notice and the reclaim.
    pub notify_days: u32,
    /// Disabled rules do nothing.
    pub enabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A link from an entitlement name to a pool that can seat its holders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitlementLink {
    /// The link's id.
    pub id: LinkId,
    /// The pool.
    pub pool: PoolId,
    /// The entitlement's name.
    pub entitlement: String,
    /// Higher priorities are tried first.
    pub priority: i32,
    /// Disabled links are skipped.
    pub enabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A recorded warning that a rule will reclaim an assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The rule.
    pub rule: RuleId,
    /// The assignment.
    pub assignment: AssignmentId,
    /// When the notice was recorded (the evaluation time).
    pub noticed_at: Timestamp,
    /// When the seat will be reclaimed at the earliest.
    pub reclaim_on: Timestamp,
}

//! The JSON contract (`--json`): the objects every command prints. See
//! docs/SEATS.md ("The CLI's JSON").

use licman_core::Timestamp;
use licman_core::seats::{
    Analytics, Assignment, EntitlementLink, Incompatibility, Lease, LeaseStatus, Percent, Pool,
    PoolStatus, ReclamationPlan, ReclamationRule, SeatState, Trigger, User,
};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::store::StoredEvent;

/// An amount of money: `{"amount": "12.50", "currency": "USD"}` (the
/// amount in the currency's minor-unit precision, never a float).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Money)]
pub struct MoneyView {
    /// The amount, as decimal text.
    #[schema(example = "12.50")]
    pub amount: String,
    /// The ISO 4217 code.
    #[schema(example = "USD")]
    pub currency: String,
}

/// The one shape of every JSON value these views hold: each view is
/// serialized once, here, and its schema is the OpenAPI document's.
fn value<T: Serialize>(view: &T) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// A pool as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Pool)]
pub struct PoolView<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its unique name.
    pub name: &'a str,
    /// The vendor.
    pub vendor: &'a str,
    /// The product.
    pub product: &'a str,
    /// The plan.
    pub plan: &'a str,
    /// Seats.
    pub capacity: u32,
    /// Seats held now (assignments, or leases holding a seat).
    pub allocated: u64,
    /// `capacity - allocated`, never below 0.
    pub available: u64,
    /// `allocated / capacity`, in percent to one decimal.
    #[schema(value_type = String, example = "62.5")]
    pub utilization_pct: Percent,
    /// `active`, `expired` (from its expiration date on) or `archived`.
    #[schema(example = "active")]
    pub status: &'static str,
    /// `named` or `concurrent`.
    pub license_type: &'static str,
    /// `monthly`, `annual` or `perpetual`.
    pub billing_period: &'static str,
    /// Cost of a seat per billing period.
    #[schema(value_type = MoneyView)]
    pub cost: licman_core::seats::Money,
    /// When it starts.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    /// When it expires.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// Whole days until it expires (negative once past).
    pub days_until_expiration: Option<i64>,
    /// `block_new` or `revoke_all`.
    pub policy: &'static str,
    /// Days of warning before it expires.
    pub warning_days: u32,
    /// Tags.
    pub tags: &'a [String],
    /// Notes.
    pub notes: &'a str,
}

/// A pool's status as of `now`: `expired` from its expiration date on,
/// even before `expire` applies the policy.
pub fn pool_status(pool: &Pool, now: Timestamp) -> PoolStatus {
    match pool.status {
        PoolStatus::Active if pool.is_past_expiry(now) => PoolStatus::Expired,
        s => s,
    }
}

/// A pool: `id, name, vendor, product, plan, capacity, allocated,
/// available, utilization_pct, status, license_type, billing_period, cost,
/// starts_at, expires_at, policy, warning_days, tags, notes`.
pub fn pool(state: &SeatState, pool: &Pool, now: Timestamp) -> Value {
    let allocated = state.allocated(&pool.id, now).unwrap_or(0);
    let capacity = u64::from(pool.capacity);
    value(&PoolView {
        id: pool.id.as_str(),
        name: &pool.name,
        vendor: &pool.vendor,
        product: &pool.product,
        plan: &pool.plan,
        capacity: pool.capacity,
        allocated,
        available: capacity.saturating_sub(allocated),
        utilization_pct: Percent::of(allocated, capacity),
        status: pool_status(pool, now).name(),
        license_type: pool.license_type.name(),
        billing_period: pool.billing.name(),
        cost: pool.seat_cost,
        starts_at: pool.starts_at,
        expires_at: pool.expires_at,
        days_until_expiration: pool.days_until_expiry(now),
        policy: pool.expiry_policy.name(),
        warning_days: pool.warning_days,
        tags: &pool.tags,
        notes: &pool.notes,
    })
}

/// An assignment: `id, pool_id, pool_name, user_id, user_email, source,
/// status, assigned_at, ended_at, reason, notes`.
pub fn assignment(state: &SeatState, a: &Assignment) -> Value {
    value(&AssignmentView {
        id: a.id.as_str(),
        pool_id: a.pool.as_str(),
        pool_name: state.pool(&a.pool).map(|p| p.name.as_str()),
        user_id: a.user.as_str(),
        user_email: state.user(&a.user).map(|u| u.email.as_str()),
        source: a.source.name(),
        status: a.status.name(),
        assigned_at: a.assigned_at,
        ended_at: a.ended_at,
        reason: a.reason.as_deref(),
        notes: &a.notes,
    })
}

/// An assignment as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Assignment)]
pub struct AssignmentView<'a> {
    /// Its id.
    pub id: &'a str,
    /// The pool.
    pub pool_id: &'a str,
    /// The pool's name (none once the pool is deleted).
    pub pool_name: Option<&'a str>,
    /// The user.
    pub user_id: &'a str,
    /// The user's email.
    pub user_email: Option<&'a str>,
    /// `manual`, `automatic` or `entitlement`.
    pub source: &'static str,
    /// `active`, `released`, `reclaimed` or `expired`.
    pub status: &'static str,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub assigned_at: Timestamp,
    /// When it ended.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
    /// Why it was reclaimed.
    pub reason: Option<&'a str>,
    /// Notes.
    pub notes: &'a str,
}

/// A user: `id, email, active, state, last_active`.
pub fn user(u: &User) -> Value {
    value(&UserView {
        id: u.id.as_str(),
        email: &u.email,
        active: u.active,
        state: &u.lifecycle,
        last_active: u.last_activity,
    })
}

/// A user as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView<'a> {
    /// Their id.
    pub id: &'a str,
    /// Their email.
    pub email: &'a str,
    /// Whether they may get seats.
    pub active: bool,
    /// Their lifecycle state (free text: active, on_leave, terminated).
    pub state: &'a str,
    /// When they were last active.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_active: Option<Timestamp>,
}

/// An audit event: `seq, at, effective_at, actor, action, pool_id,
/// user_id, assignment_id, details, prev_hash, hash`.
pub fn event(e: &StoredEvent) -> Value {
    let ev = &e.event;
    value(&EventView {
        seq: ev.seq,
        at: ev.recorded_at,
        effective_at: ev.effective_at,
        actor: &ev.actor,
        action: &e.action,
        pool_id: ev.pool.as_ref().map(|p| p.as_str()),
        user_id: ev.user.as_ref().map(|u| u.as_str()),
        assignment_id: ev.assignment.as_ref().map(|a| a.as_str()),
        details: &ev.change,
        prev_hash: crate::hex::encode(&ev.prev_hash),
        hash: crate::hex::encode(&ev.hash),
    })
}

/// An audit event as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventView<'a> {
    /// Its place in the chain, from 1.
    pub seq: u64,
    /// When it was recorded (the store's clock).
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The time the change took effect as (`--at`).
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// Who acted: a CLI's user, or for the API `api:TOKEN ip=IP ua="AGENT"`.
    pub actor: &'a str,
    /// The change's dotted name (`assignment.created`…).
    pub action: &'a str,
    /// The pool it is about.
    pub pool_id: Option<&'a str>,
    /// The user it is about.
    pub user_id: Option<&'a str>,
    /// The assignment it is about.
    pub assignment_id: Option<&'a str>,
    /// The change itself.
    #[schema(value_type = Object)]
    pub details: &'a licman_core::seats::Change,
    /// The previous event's hash (hex).
    pub prev_hash: String,
    /// This event's hash (hex).
    pub hash: String,
}

/// A page of a list: `{items, total, limit, offset}`.
pub fn page(items: Vec<Value>, total: usize, limit: usize, offset: usize) -> Value {
    json!({"items": items, "total": total, "limit": limit, "offset": offset})
}

/// A page of a list, as [`page`] writes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    /// The page's size limit.
    pub limit: u64,
    /// How many items come before this page.
    pub offset: u64,
}

/// A lease: `id, pool_id, pool_name, holder, status, checked_out_at,
/// expires_at, released_at, borrowed, overage, holds_seat`. The status is
/// as of `now`: `active`, `expired` (past its expiry: its seat is free),
/// `released` or `ended`.
pub fn lease(state: &SeatState, l: &Lease, now: Timestamp) -> Value {
    let status = match l.status {
        LeaseStatus::Out if l.holds_seat_at(now) => "active",
        LeaseStatus::Out => "expired",
        LeaseStatus::Released => "released",
        LeaseStatus::Ended => "ended",
    };
    value(&LeaseView {
        id: l.id.as_str(),
        pool_id: l.pool.as_str(),
        pool_name: state.pool(&l.pool).map(|p| p.name.as_str()),
        holder: l.holder.as_str(),
        status,
        checked_out_at: l.checked_out_at,
        expires_at: l.expires_at,
        released_at: l.released_at,
        borrowed: l.borrowed,
        overage: l.overage,
        holds_seat: l.holds_seat_at(now),
    })
}

/// A lease as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Lease)]
pub struct LeaseView<'a> {
    /// Its id.
    pub id: &'a str,
    /// The pool.
    pub pool_id: &'a str,
    /// The pool's name.
    pub pool_name: Option<&'a str>,
    /// Who holds it.
    pub holder: &'a str,
    /// `active`, `expired`, `released` or `ended`, as of now.
    pub status: &'static str,
    /// When it was checked out.
    #[schema(value_type = String, format = DateTime)]
    pub checked_out_at: Timestamp,
    /// When it dies without a heartbeat.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// When it was released.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub released_at: Option<Timestamp>,
    /// Borrowed offline.
    pub borrowed: bool,
    /// Checked out beyond capacity (within the pool's overage).
    pub overage: bool,
    /// Whether it holds a seat now.
    pub holds_seat: bool,
}

/// An incompatibility: `id, pool_a, pool_a_name, pool_b, pool_b_name,
/// reason, created_at`.
pub fn incompatibility(state: &SeatState, i: &Incompatibility) -> Value {
    value(&IncompatibilityView {
        id: i.id.as_str(),
        pool_a: i.pool_a.as_str(),
        pool_a_name: state.pool(&i.pool_a).map(|p| p.name.as_str()),
        pool_b: i.pool_b.as_str(),
        pool_b_name: state.pool(&i.pool_b).map(|p| p.name.as_str()),
        reason: &i.reason,
        created_at: i.created_at,
    })
}

/// An incompatibility as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Incompatibility)]
pub struct IncompatibilityView<'a> {
    /// Its id.
    pub id: &'a str,
    /// One pool.
    pub pool_a: &'a str,
    /// Its name.
    pub pool_a_name: Option<&'a str>,
    /// The other pool.
    pub pool_b: &'a str,
    /// Its name.
    pub pool_b_name: Option<&'a str>,
    /// Why no user may hold both.
    pub reason: &'a str,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A reclamation rule: `id, pool_id, pool_name, trigger` (`inactivity` or
/// `lifecycle`), `threshold_days` (inactivity), `state` (lifecycle),
/// `notify_days, enabled, created_at`.
pub fn rule(state: &SeatState, r: &ReclamationRule) -> Value {
    let (trigger, days, lifecycle) = match &r.trigger {
        Trigger::Inactivity { days } => ("inactivity", Some(*days), None),
        Trigger::Lifecycle { state } => ("lifecycle", None, Some(state.as_str())),
    };
    value(&RuleView {
        id: r.id.as_str(),
        pool_id: r.pool.as_str(),
        pool_name: state.pool(&r.pool).map(|p| p.name.as_str()),
        trigger,
        threshold_days: days,
        state: lifecycle,
        notify_days: r.notify_days,
        enabled: r.enabled,
        created_at: r.created_at,
    })
}

/// A reclamation rule as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Rule)]
pub struct RuleView<'a> {
    /// Its id.
    pub id: &'a str,
    /// The pool.
    pub pool_id: &'a str,
    /// Its name.
    pub pool_name: Option<&'a str>,
    /// `inactivity` or `lifecycle`.
    pub trigger: &'static str,
    /// Days of inactivity (inactivity rules).
    pub threshold_days: Option<u32>,
    /// The lifecycle state (lifecycle rules).
    pub state: Option<&'a str>,
    /// Days between the notice and the reclaim.
    pub notify_days: u32,
    /// Whether it applies.
    pub enabled: bool,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// An entitlement link: `id, pool_id, pool_name, entitlement, priority,
/// enabled, created_at`.
pub fn link(state: &SeatState, l: &EntitlementLink) -> Value {
    value(&LinkView {
        id: l.id.as_str(),
        pool_id: l.pool.as_str(),
        pool_name: state.pool(&l.pool).map(|p| p.name.as_str()),
        entitlement: &l.entitlement,
        priority: l.priority,
        enabled: l.enabled,
        created_at: l.created_at,
    })
}

/// An entitlement link as the CLI and the API show it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Link)]
pub struct LinkView<'a> {
    /// Its id.
    pub id: &'a str,
    /// The pool.
    pub pool_id: &'a str,
    /// Its name.
    pub pool_name: Option<&'a str>,
    /// The entitlement's name.
    pub entitlement: &'a str,
    /// Higher first.
    pub priority: i32,
    /// Whether grants use it.
    pub enabled: bool,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A reclamation plan: `evaluated_at`, `notices` (`rule_id, pool_id,
/// assignment_id, user_id, reclaim_on`) and `reclaims` (`rule_id, pool_id,
/// assignment_id, user_id, reason`).
pub fn plan(p: &ReclamationPlan) -> Value {
    json!({
        "evaluated_at": p.evaluated_at,
        "notices": p.notices.iter().map(|n| json!({
            "rule_id": n.rule.as_str(),
            "pool_id": n.pool.as_str(),
            "assignment_id": n.assignment.as_str(),
            "user_id": n.user.as_str(),
            "reclaim_on": n.reclaim_on,
        })).collect::<Vec<_>>(),
        "reclaims": p.reclaims.iter().map(|r| json!({
            "rule_id": r.rule.as_str(),
            "pool_id": r.pool.as_str(),
            "assignment_id": r.assignment.as_str(),
            "user_id": r.user.as_str(),
            "reason": r.reason,
        })).collect::<Vec<_>>(),
    })
}

/// The analytics contract: `summary`, `pools` (each as [`pool`]),
/// `vendors`, `recommendations`, `expiring`.
pub fn analytics(state: &SeatState, a: &Analytics, now: Timestamp) -> Value {
    let s = &a.summary;
    json!({
        "evaluated_at": a.evaluated_at,
        "window_days": a.expiring_window_days,
        "summary": {
            "total_pools": s.pools,
            "archived_pools": s.archived_pools,
            "total_capacity": s.capacity,
            "total_allocated": s.allocated,
            "total_available": s.available,
            "utilization_pct": s.utilization,
            "monthly_cost": s.monthly_cost,
            "one_time_cost": s.one_time_cost,
            "expiring_soon": s.expiring_pools,
        },
        "pools": a.pools.iter().filter_map(|p| state.pool(&p.pool)).map(|p| {
            let mut v = pool(state, p, now);
            if let (Value::Object(m), Some(stats)) = (&mut v, a.pools.iter().find(|s| s.pool == p.id)) {
                m.insert("monthly_cost".into(), json!(stats.monthly_cost));
                m.insert("one_time_cost".into(), json!(stats.one_time_cost));
            }
            v
        }).collect::<Vec<_>>(),
        "vendors": a.vendors.iter().map(|v| json!({
            "vendor": v.vendor,
            "currency": v.currency.code(),
            "pools": v.pools,
            "capacity": v.capacity,
            "allocated": v.allocated,
            "monthly_cost": v.monthly_cost,
            "one_time_cost": v.one_time_cost,
        })).collect::<Vec<_>>(),
        "recommendations": a.recommendations.iter().map(|r| json!({
            "kind": r.kind.name(),
            "pool_id": r.pool.as_str(),
            "pool_name": r.pool_name,
            "message": r.message,
            "utilization_pct": r.utilization,
            "potential_savings": r.potential_monthly_savings,
        })).collect::<Vec<_>>(),
        "expiring": a.expiring.iter().map(|e| json!({
            "pool_id": e.pool.as_str(),
            "pool_name": e.name,
            "vendor": e.vendor,
            "expires_at": e.expires_at,
            "days_until_expiration": e.days_left,
            "policy": e.expiry_policy.name(),
            "allocated": e.allocated,
        })).collect::<Vec<_>>(),
    })
}

//! The JSON contract (`--json`): the objects every command prints. See
//! docs/SEATS.md ("The CLI's JSON").

use licman_core::Timestamp;
use licman_core::seats::{Assignment, Percent, Pool, PoolStatus, SeatState, User};
use serde_json::{Value, json};

use crate::store::StoredEvent;

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
    json!({
        "id": pool.id.as_str(),
        "name": pool.name,
        "vendor": pool.vendor,
        "product": pool.product,
        "plan": pool.plan,
        "capacity": pool.capacity,
        "allocated": allocated,
        "available": capacity.saturating_sub(allocated),
        "utilization_pct": Percent::of(allocated, capacity),
        "status": pool_status(pool, now).name(),
        "license_type": pool.license_type.name(),
        "billing_period": pool.billing.name(),
        "cost": pool.seat_cost,
        "starts_at": pool.starts_at,
        "expires_at": pool.expires_at,
        "days_until_expiration": pool.days_until_expiry(now),
        "policy": pool.expiry_policy.name(),
        "warning_days": pool.warning_days,
        "tags": pool.tags,
        "notes": pool.notes,
    })
}

/// An assignment: `id, pool_id, pool_name, user_id, user_email, source,
/// status, assigned_at, ended_at, reason, notes`.
pub fn assignment(state: &SeatState, a: &Assignment) -> Value {
    json!({
        "id": a.id.as_str(),
        "pool_id": a.pool.as_str(),
        "pool_name": state.pool(&a.pool).map(|p| p.name.as_str()),
        "user_id": a.user.as_str(),
        "user_email": state.user(&a.user).map(|u| u.email.as_str()),
        "source": a.source.name(),
        "status": a.status.name(),
        "assigned_at": a.assigned_at,
        "ended_at": a.ended_at,
        "reason": a.reason,
        "notes": a.notes,
    })
}

/// A user: `id, email, active, state, last_active`.
pub fn user(u: &User) -> Value {
    json!({
        "id": u.id.as_str(),
        "email": u.email,
        "active": u.active,
        "state": u.lifecycle,
        "last_active": u.last_activity,
    })
}

/// An audit event: `seq, at, effective_at, actor, action, pool_id,
/// user_id, assignment_id, details, prev_hash, hash`.
pub fn event(e: &StoredEvent) -> Value {
    let hex = |h: &[u8; 32]| -> String { h.iter().map(|b| format!("{b:02x}")).collect() };
    let ev = &e.event;
    json!({
        "seq": ev.seq,
        "at": ev.recorded_at,
        "effective_at": ev.effective_at,
        "actor": ev.actor,
        "action": e.action,
        "pool_id": ev.pool.as_ref().map(|p| p.as_str()),
        "user_id": ev.user.as_ref().map(|u| u.as_str()),
        "assignment_id": ev.assignment.as_ref().map(|a| a.as_str()),
        "details": ev.change,
        "prev_hash": hex(&ev.prev_hash),
        "hash": hex(&ev.hash),
    })
}

/// A page of a list: `{items, total, limit, offset}`.
pub fn page(items: Vec<Value>, total: usize, limit: usize, offset: usize) -> Value {
    json!({"items": items, "total": total, "limit": limit, "offset": offset})
}

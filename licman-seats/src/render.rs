//! The JSON contract (`--json`): the objects every command prints. See
//! docs/SEATS.md ("The CLI's JSON").

use licman_core::Timestamp;
use licman_core::seats::{
    Analytics, Assignment, EntitlementLink, Incompatibility, Lease, LeaseStatus, Percent, Pool,
    PoolStatus, ReclamationPlan, ReclamationRule, SeatState, Trigger, User,
};
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
    json!({
        "id": l.id.as_str(),
        "pool_id": l.pool.as_str(),
        "pool_name": state.pool(&l.pool).map(|p| p.name.as_str()),
        "holder": l.holder.as_str(),
        "status": status,
        "checked_out_at": l.checked_out_at,
        "expires_at": l.expires_at,
        "released_at": l.released_at,
        "borrowed": l.borrowed,
        "overage": l.overage,
        "holds_seat": l.holds_seat_at(now),
    })
}

/// An incompatibility: `id, pool_a, pool_a_name, pool_b, pool_b_name,
/// reason, created_at`.
pub fn incompatibility(state: &SeatState, i: &Incompatibility) -> Value {
    json!({
        "id": i.id.as_str(),
        "pool_a": i.pool_a.as_str(),
        "pool_a_name": state.pool(&i.pool_a).map(|p| p.name.as_str()),
        "pool_b": i.pool_b.as_str(),
        "pool_b_name": state.pool(&i.pool_b).map(|p| p.name.as_str()),
        "reason": i.reason,
        "created_at": i.created_at,
    })
}

/// A reclamation rule: `id, pool_id, pool_name, trigger` (`inactivity` or
/// `lifecycle`), `threshold_days` (inactivity), `state` (lifecycle),
/// `notify_days, enabled, created_at`.
pub fn rule(state: &SeatState, r: &ReclamationRule) -> Value {
    let (trigger, days, lifecycle) = match &r.trigger {
        Trigger::Inactivity { days } => ("inactivity", Some(*days), None),
        Trigger::Lifecycle { state } => ("lifecycle", None, Some(state.as_str())),
    };
    json!({
        "id": r.id.as_str(),
        "pool_id": r.pool.as_str(),
        "pool_name": state.pool(&r.pool).map(|p| p.name.as_str()),
        "trigger": trigger,
        "threshold_days": days,
        "state": lifecycle,
        "notify_days": r.notify_days,
        "enabled": r.enabled,
        "created_at": r.created_at,
    })
}

/// An entitlement link: `id, pool_id, pool_name, entitlement, priority,
/// enabled, created_at`.
pub fn link(state: &SeatState, l: &EntitlementLink) -> Value {
    json!({
        "id": l.id.as_str(),
        "pool_id": l.pool.as_str(),
        "pool_name": state.pool(&l.pool).map(|p| p.name.as_str()),
        "entitlement": l.entitlement,
        "priority": l.priority,
        "enabled": l.enabled,
        "created_at": l.created_at,
    })
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

//! `expire`, `analytics` and `report`.

use licman_core::seats::{AnalyticsOptions, Change, Command, ComplianceFilter, PoolId};
use serde_json::json;

use super::{Ctx, Output, find_pool, out};
use crate::error::Failure;
use crate::render;
use crate::store::Store;
use crate::time::parse_time;

/// `expire`: applies every pool's expiration policy as of now (or `--at`).
pub(crate) fn expire(store: &mut Store, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let recorded = store.run(&Command::ApplyExpiry, cx.actor, cx.at)?;
    let mut pools = Vec::new();
    let mut assignments = Vec::new();
    for change in &recorded.outcome.changes {
        match change {
            Change::PoolExpired { pool, .. } => pools.push(pool.as_str().to_string()),
            Change::AssignmentExpired { assignment, .. } => {
                assignments.push(assignment.as_str().to_string());
            }
            _ => {}
        }
    }
    let text = format!(
        "{} pools expired, {} assignments ended",
        pools.len(),
        assignments.len()
    );
    Ok(out(
        json!({"expired_pools": pools, "expired_assignments": assignments}),
        text,
    ))
}

/// `analytics [--window DAYS]`.
pub(crate) fn analytics(store: &Store, window: u32, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let state = store.state();
    let a = state.analytics(
        cx.now,
        &AnalyticsOptions {
            expiring_window_days: window,
        },
    );
    let s = &a.summary;
    let money = |m: &[licman_core::seats::Money]| {
        m.iter()
            .map(|m| format!("{m} {}", m.currency().code()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "{} pools, {} of {} seats allocated ({}%), {} monthly; {} expiring within {window} days; {} recommendations",
        s.pools,
        s.allocated,
        s.capacity,
        s.utilization,
        money(&s.monthly_cost),
        s.expiring_pools,
        a.recommendations.len()
    );
    Ok(out(render::analytics(state, &a, cx.now), text))
}

/// `report [--pool P]... [--vendor V] [--from DATE] [--to DATE]`: the
/// compliance report.
pub(crate) fn report(
    store: &Store,
    pools: &[String],
    vendor: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let state = store.state();
    let pools = pools
        .iter()
        .map(|p| find_pool(state, p).map(|p| p.id.clone()))
        .collect::<Result<Vec<PoolId>, _>>()?;
    let filter = ComplianceFilter {
        pools,
        vendor: vendor.map(str::to_string),
        activity_from: from.map(parse_time).transpose()?,
        activity_to: to.map(parse_time).transpose()?,
    };
    let report = state.compliance_report(cx.now, &filter);
    let text = format!(
        "{}: {} pools, {} breaches, {} expiration warnings",
        if report.compliant {
            "compliant"
        } else {
            "NOT compliant"
        },
        report.pools.len(),
        report.breaches.len(),
        report.expiration_warnings.len()
    );
    let json = serde_json::to_value(&report)
        .map_err(|e| Failure::new("database", format!("cannot encode the report: {e}")))?;
    Ok(out(json, text))
}

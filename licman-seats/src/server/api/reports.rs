//! Analytics, the compliance report, expiry, the audit trail (list and
//! verify) and the export: an admin's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Paging, Params, answer, require};
use crate::cli::{AuditArgs, AuditCmd, Cmd};
use crate::render::{EventView, Page};
use crate::server::tokens::Role::Admin;
use crate::server::webhooks::Attempt;
use crate::server::{ApiError, AppState, Caller};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(analytics))
        .routes(routes!(compliance))
        .routes(routes!(expire))
        .routes(routes!(audit))
        .routes(routes!(verify))
        .routes(routes!(export))
        .routes(routes!(deliveries))
}

async fn admin(app: &AppState, caller: &Caller, command: Cmd) -> Result<Response, ApiError> {
    require(caller, &[Admin])?;
    Ok(answer(
        StatusCode::OK,
        app.run(caller, command, |_| Ok(())).await?,
    ))
}

/// `GET /analytics`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AnalyticsQuery {
    /// Pools expiring within this many days count as expiring soon
    /// (default 90).
    #[param(minimum = 0, maximum = 36500)]
    window: Option<u32>,
}

impl super::Query for AnalyticsQuery {
    const PAGED: bool = false;
}

/// `GET /compliance`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ComplianceQuery {
    /// Only these pools (ids or names, comma-separated).
    pool: Option<String>,
    /// Only this vendor's pools.
    vendor: Option<String>,
    /// Breaches active on or after (`YYYY-MM-DD` or RFC 3339).
    from: Option<String>,
    /// Breaches active on or before.
    to: Option<String>,
}

impl super::Query for ComplianceQuery {
    const PAGED: bool = false;
}

/// `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// About this pool (id or name).
    pool: Option<String>,
    /// About this user.
    user: Option<String>,
    /// With this action (`assignment.created`…).
    action: Option<String>,
    /// Recorded on or after (`YYYY-MM-DD` or RFC 3339).
    from: Option<String>,
    /// Recorded before.
    to: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for AuditQuery {
    const PAGED: bool = true;
}

/// The trail verifies.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Verified {
    /// `true`.
    ok: bool,
    /// How many events it holds.
    events: u64,
}

/// Utilization, spend, expirations and recommendations with savings.
#[utoipa::path(get, path = "/analytics", tag = "reports", params(AnalyticsQuery),
    responses((status = 200, body = Object,
        description = "`{evaluated_at, window_days, summary, pools, vendors, recommendations, expiring}` (docs/SEATS.md)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn analytics(
    State(app): State<AppState>,
    caller: Caller,
    q: Params<AnalyticsQuery>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let q = q.read()?;
    let command = Cmd::Analytics {
        window: q.window.unwrap_or(90),
    };
    admin(&app, &caller, command).await
}

/// The compliance report: utilization, breaches, expiration warnings.
#[utoipa::path(get, path = "/compliance", tag = "reports", params(ComplianceQuery),
    responses((status = 200, body = Object,
        description = "`{evaluated_at, compliant, pools, breaches, expiration_warnings}` (docs/SEATS.md)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn compliance(
    State(app): State<AppState>,
    caller: Caller,
    q: Params<ComplianceQuery>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let q = q.read()?;
    let pools = q
        .pool
        .map(|p| p.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let command = Cmd::Report {
        pool: pools,
        vendor: q.vendor,
        from: q.from,
        to: q.to,
    };
    admin(&app, &caller, command).await
}

/// Applies every pool's expiration policy as of now.
#[utoipa::path(post, path = "/expire", tag = "reports",
    responses((status = 200, body = Object, description = "`{expired_pools, expired_assignments}`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn expire(State(app): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    admin(&app, &caller, Cmd::Expire).await
}

/// The audit trail, oldest first, filtered and paged.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery, Paging),
    responses((status = 200, body = Page<EventView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn audit(
    State(app): State<AppState>,
    caller: Caller,
    q: Params<AuditQuery>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let q = q.read()?;
    let command = Cmd::Audit(AuditArgs {
        verify: None,
        pool: q.pool,
        user: q.user,
        action: q.action,
        from: q.from,
        to: q.to,
        page: q.paging.page()?,
    });
    admin(&app, &caller, command).await
}

/// Replays the whole chain from the stored rows: an edited, removed or
/// reordered event fails it, by number (500 `audit_broken`).
#[utoipa::path(get, path = "/audit/verify", tag = "audit",
    responses((status = 200, body = Verified), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 500, body = ErrorBody)))]
async fn verify(State(app): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let command = Cmd::Audit(AuditArgs {
        verify: Some(AuditCmd::Verify),
        pool: None,
        user: None,
        action: None,
        from: None,
        to: None,
        page: Paging::default().page()?,
    });
    admin(&app, &caller, command).await
}

/// Every entity and the whole trail, as one JSON document (the CLI's
/// `export`; secrets are never exported over the API). Recorded in the
/// trail as `export.written`.
#[utoipa::path(get, path = "/export", tag = "audit",
    responses((status = 200, body = Object,
        description = "`{format, version, exported_at, pools, users, assignments, incompatibilities, rules, links, events}`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn export(State(app): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let command = Cmd::Export {
        format: "json".into(),
        out: None,
        with_secrets: false,
    };
    admin(&app, &caller, command).await
}

/// `GET /webhooks/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveryQuery {
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for DeliveryQuery {
    const PAGED: bool = true;
}

/// The webhook delivery log of this server: its last 1000 attempts,
/// newest first (every attempt also goes to `--webhook-log`).
#[utoipa::path(get, path = "/webhooks/deliveries", tag = "audit", params(DeliveryQuery, Paging),
    responses((status = 200, body = Page<Attempt>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(app): State<AppState>,
    caller: Caller,
    q: Params<DeliveryQuery>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let q = q.read()?;
    let page = q.paging.page()?;
    if page.sort.is_some() {
        return Err(ApiError(crate::error::Failure::invalid(
            "deliveries come newest first: no sort",
        )));
    }
    let recent = app.notifier.log.recent();
    let total = recent.len();
    let items: Vec<serde_json::Value> = recent
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    Ok(answer(
        StatusCode::OK,
        crate::render::page(items, total, page.limit, page.offset),
    ))
}

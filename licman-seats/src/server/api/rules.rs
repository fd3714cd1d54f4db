//! Incompatibilities, reclamation rules (and the plan / apply endpoint),
//! entitlement links (and grant / withdraw): an admin's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Deleted, ErrorBody, Id, JsonBody, Paging, Params, answer, require};
use crate::cli::{Cmd, IncompatCmd, LinkCmd, RuleCmd};
use crate::render::{AssignmentView, IncompatibilityView, LinkView, Page, RuleView};
use crate::server::tokens::Role::Admin;
use crate::server::{ApiError, AppState, Caller};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incompat, create_incompat))
        .routes(routes!(delete_incompat))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(patch_rule, delete_rule))
        .routes(routes!(plan))
        .routes(routes!(apply))
        .routes(routes!(list_links, create_link))
        .routes(routes!(patch_link, delete_link))
        .routes(routes!(grant))
        .routes(routes!(withdraw))
}

/// Runs an admin's command and answers `status`.
async fn admin(
    app: &AppState,
    caller: &Caller,
    status: StatusCode,
    command: Cmd,
) -> Result<Response, ApiError> {
    require(caller, &[Admin])?; // again, for handlers without a body
    Ok(answer(status, app.run(caller, command, |_| Ok(())).await?))
}

/// Filters of `GET /incompatibilities`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct IncompatFilter {
    /// Naming this pool (id or name).
    pool: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for IncompatFilter {
    const PAGED: bool = true;
}

/// A new incompatibility (A–B is B–A).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewIncompatibility {
    /// One pool (id or name).
    pool_a: String,
    /// The other.
    pool_b: String,
    /// Why (shown in the refusal).
    reason: String,
}

/// Lists incompatibilities.
#[utoipa::path(get, path = "/incompatibilities", tag = "incompatibilities", params(IncompatFilter, Paging),
    responses((status = 200, body = Page<IncompatibilityView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_incompat(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<IncompatFilter>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let f = f.read()?;
    let page = f.paging.page()?;
    let command = Cmd::Incompat(IncompatCmd::List { pool: f.pool, page });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Makes two pools incompatible: no user may hold a seat of both.
#[utoipa::path(post, path = "/incompatibilities", tag = "incompatibilities",
    request_body = NewIncompatibility,
    responses((status = 201, body = IncompatibilityView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_incompat(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<NewIncompatibility>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let b = b.read()?;
    let command = Cmd::Incompat(IncompatCmd::Add {
        pool_a: b.pool_a,
        pool_b: b.pool_b,
        reason: b.reason,
    });
    admin(&app, &caller, StatusCode::CREATED, command).await
}

/// Lifts an incompatibility.
#[utoipa::path(delete, path = "/incompatibilities/{id}", tag = "incompatibilities",
    params(("id" = String, Path, description = "The incompatibility's id")),
    responses((status = 200, body = Deleted), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn delete_incompat(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let command = Cmd::Incompat(IncompatCmd::Remove { rule: id });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Filters of `GET /rules`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RuleFilter {
    /// Of this pool (id or name).
    pool: Option<String>,
    /// `inactivity` or `lifecycle`.
    trigger: Option<String>,
    /// `true` or `false`.
    #[param(value_type = Option<bool>)]
    enabled: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for RuleFilter {
    const PAGED: bool = true;
}

/// A new reclamation rule: `inactivity` with `threshold_days`, or
/// `lifecycle` with `state`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRule {
    /// The pool (id or name).
    pool: String,
    /// `inactivity` or `lifecycle`.
    trigger: String,
    /// Inactivity rules: days without activity.
    threshold_days: Option<u32>,
    /// Lifecycle rules: the state (`terminated`…).
    state: Option<String>,
    /// Days between the notice and the reclaim, fewer than the threshold
    /// (default 7, or the threshold less one day when that is shorter).
    notify_days: Option<u32>,
    /// Whether it applies (default true).
    enabled: Option<bool>,
}

/// What `PATCH /rules/{id}` changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleChanges {
    /// A new inactivity threshold (inactivity rules).
    threshold_days: Option<u32>,
    /// New notice days.
    notify_days: Option<u32>,
    /// Enable or disable.
    enabled: Option<bool>,
}

fn flag(name: &str, text: Option<String>) -> Result<Option<bool>, ApiError> {
    text.map(|t| match t.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError(crate::error::Failure::new(
            "bad_request",
            format!("query parameter {name}: {t:?} is not true or false"),
        ))),
    })
    .transpose()
}

/// Lists reclamation rules.
#[utoipa::path(get, path = "/rules", tag = "rules", params(RuleFilter, Paging),
    responses((status = 200, body = Page<RuleView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_rules(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<RuleFilter>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let f = f.read()?;
    let command = Cmd::Rule(RuleCmd::List {
        pool: f.pool,
        trigger: f.trigger,
        enabled: flag("enabled", f.enabled)?,
        page: f.paging.page()?,
    });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Adds a reclamation rule to a pool.
#[utoipa::path(post, path = "/rules", tag = "rules", request_body = NewRule,
    responses((status = 201, body = RuleView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_rule(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<NewRule>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let b = b.read()?;
    let (inactivity, lifecycle) = match (b.trigger.as_str(), b.threshold_days, b.state) {
        ("inactivity", Some(days), None) => (Some(days), None),
        ("lifecycle", None, Some(state)) => (None, Some(state)),
        _ => {
            return Err(ApiError(crate::error::Failure::invalid(
                "a rule is {\"trigger\": \"inactivity\", \"threshold_days\": N} or \
                 {\"trigger\": \"lifecycle\", \"state\": S}",
            )));
        }
    };
    let command = Cmd::Rule(RuleCmd::Add {
        pool: b.pool,
        inactivity,
        lifecycle,
        notify: b.notify_days,
        disabled: !b.enabled.unwrap_or(true),
    });
    admin(&app, &caller, StatusCode::CREATED, command).await
}

/// Changes a rule.
#[utoipa::path(patch, path = "/rules/{id}", tag = "rules", request_body = RuleChanges,
    params(("id" = String, Path, description = "The rule's id")),
    responses((status = 200, body = RuleView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_rule(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    b: JsonBody<RuleChanges>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let b = b.read()?;
    let command = Cmd::Rule(RuleCmd::Update {
        rule: id,
        threshold: b.threshold_days,
        notify: b.notify_days,
        enabled: b.enabled,
    });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Deletes a rule.
#[utoipa::path(delete, path = "/rules/{id}", tag = "rules",
    params(("id" = String, Path, description = "The rule's id")),
    responses((status = 200, body = Deleted), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn delete_rule(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    admin(
        &app,
        &caller,
        StatusCode::OK,
        Cmd::Rule(RuleCmd::Remove { rule: id }),
    )
    .await
}

/// The reclamation plan as of now: whom to notify, what to reclaim (a dry
/// run: nothing changes).
#[utoipa::path(get, path = "/reclamation/plan", tag = "rules",
    responses((status = 200, body = Object, description = "`{evaluated_at, notices, reclaims, applied: false}`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn plan(State(app): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    admin(
        &app,
        &caller,
        StatusCode::OK,
        Cmd::ReclaimRun { apply: false },
    )
    .await
}

/// Carries the plan out: records the notices, reclaims the seats.
#[utoipa::path(post, path = "/reclamation/apply", tag = "rules",
    responses((status = 200, body = Object, description = "`{evaluated_at, notices, reclaims, applied: true}`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn apply(State(app): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    admin(
        &app,
        &caller,
        StatusCode::OK,
        Cmd::ReclaimRun { apply: true },
    )
    .await
}

/// Filters of `GET /links`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LinkFilter {
    /// Of this pool (id or name).
    pool: Option<String>,
    /// Of this entitlement.
    entitlement: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for LinkFilter {
    const PAGED: bool = true;
}

/// A new entitlement link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewLink {
    /// The pool (id or name).
    pool: String,
    /// The entitlement's name.
    entitlement: String,
    /// Higher first (default 0).
    priority: Option<i32>,
}

/// What `PATCH /links/{id}` changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkChanges {
    /// A new priority.
    priority: Option<i32>,
    /// Enable or disable.
    enabled: Option<bool>,
}

/// A user and an entitlement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entitlement {
    /// The user.
    user: String,
    /// The entitlement.
    entitlement: String,
}

/// Lists entitlement links.
#[utoipa::path(get, path = "/links", tag = "links", params(LinkFilter, Paging),
    responses((status = 200, body = Page<LinkView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_links(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<LinkFilter>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let f = f.read()?;
    let command = Cmd::Link(LinkCmd::List {
        pool: f.pool,
        entitlement: f.entitlement,
        page: f.paging.page()?,
    });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Links an entitlement to a pool.
#[utoipa::path(post, path = "/links", tag = "links", request_body = NewLink,
    responses((status = 201, body = LinkView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_link(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<NewLink>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let b = b.read()?;
    let command = Cmd::Link(LinkCmd::Add {
        pool: b.pool,
        entitlement: b.entitlement,
        priority: b.priority.unwrap_or(0),
    });
    admin(&app, &caller, StatusCode::CREATED, command).await
}

/// Changes a link.
#[utoipa::path(patch, path = "/links/{id}", tag = "links", request_body = LinkChanges,
    params(("id" = String, Path, description = "The link's id")),
    responses((status = 200, body = LinkView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn patch_link(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    b: JsonBody<LinkChanges>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let b = b.read()?;
    let command = Cmd::Link(LinkCmd::Update {
        link: id,
        priority: b.priority,
        enabled: b.enabled,
    });
    admin(&app, &caller, StatusCode::OK, command).await
}

/// Deletes a link.
#[utoipa::path(delete, path = "/links/{id}", tag = "links",
    params(("id" = String, Path, description = "The link's id")),
    responses((status = 200, body = Deleted), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn delete_link(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    admin(
        &app,
        &caller,
        StatusCode::OK,
        Cmd::Link(LinkCmd::Remove { link: id }),
    )
    .await
}

/// Gives a user a seat for an entitlement, from the best linked pool.
#[utoipa::path(post, path = "/entitlements/grant", tag = "links", request_body = Entitlement,
    responses((status = 201, body = AssignmentView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn grant(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<Entitlement>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let b = b.read()?;
    let command = Cmd::Grant {
        user: b.user,
        entitlement: b.entitlement,
    };
    admin(&app, &caller, StatusCode::CREATED, command).await
}

/// Releases the seat a user holds for an entitlement.
#[utoipa::path(post, path = "/entitlements/withdraw", tag = "links", request_body = Entitlement,
    responses((status = 200, body = AssignmentView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn withdraw(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<Entitlement>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let b = b.read()?;
    let command = Cmd::Withdraw {
        user: b.user,
        entitlement: b.entitlement,
    };
    admin(&app, &caller, StatusCode::OK, command).await
}

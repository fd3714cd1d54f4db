//! `/assignments`: list, assign, deallocate, reclaim, bulk assign, bulk
//! reclaim. A manager acts only for the users it manages; a staff token
//! sees only its own user's assignments.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use licman_core::seats::{AssignmentId, Refusal, SeatState};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{BulkResult, ErrorBody, Id, JsonBody, Paging, Params, answer, forbidden, require};
use crate::cli::{BulkCmd, Cmd, Input};
use crate::error::Failure;
use crate::render::{AssignmentView, Page};
use crate::server::tokens::{Principal, Role};
use crate::server::{ApiError, AppState, Caller};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(deallocate))
        .routes(routes!(reclaim))
        .routes(routes!(bulk_assign))
        .routes(routes!(bulk_reclaim))
}

/// Filters of `GET /assignments`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AssignmentFilter {
    /// Of this pool (id or name).
    pool: Option<String>,
    /// Of this user.
    user: Option<String>,
    /// `active`, `released`, `reclaimed` or `expired`.
    status: Option<String>,
    /// `manual`, `automatic` or `entitlement`.
    source: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for AssignmentFilter {
    const PAGED: bool = true;
}

/// A new assignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAssignment {
    /// The pool's id or name.
    pool: String,
    /// The user's id.
    user: String,
    /// `manual` (default), `automatic` or `entitlement`.
    source: Option<String>,
    /// A note kept with it.
    #[serde(default)]
    notes: String,
}

/// Why a seat is reclaimed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    /// Why (required, not empty).
    reason: String,
}

/// Many users for one pool (at most 1000).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkAssign {
    /// The pool's id or name.
    pool: String,
    /// The users' ids.
    users: Vec<String>,
}

/// Many assignments of one pool, reclaimed (at most 1000).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkReclaim {
    /// The pool's id or name.
    pool: String,
    /// The assignments' ids.
    assignments: Vec<String>,
    /// Why (required).
    reason: String,
}

/// Ids as the lines of the CLI's input file: each a valid id (so none
/// holds a line break), or 422 naming the item.
fn lines(what: &str, ids: &[String]) -> Result<Input, ApiError> {
    for (i, id) in ids.iter().enumerate() {
        if let Err(e) = AssignmentId::new(id) {
            return Err(ApiError(Failure::invalid(format!(
                "{what} {}: {id:?}: {e}; nothing was done",
                i + 1
            ))));
        }
    }
    Ok(Input::Text(ids.join("\n")))
}

/// 403 unless a manager manages `user` (or the caller is an admin).
fn may_act_for(principal: &Principal, user: &str) -> Result<(), Failure> {
    match principal.role {
        Role::Admin => Ok(()),
        Role::Manager if principal.manages.contains(user) => Ok(()),
        _ => Err(Failure::new(
            "forbidden",
            format!(
                "{} {:?} may not act for user {user:?}",
                principal.role.name(),
                principal.name
            ),
        )),
    }
}

/// 403 unless the caller may act for the user of `assignment`; 404 for an
/// assignment the state (caught up just before) does not hold, so that no
/// check passes for what it could not see.
fn may_act_on(principal: &Principal, state: &SeatState, assignment: &str) -> Result<(), Failure> {
    if principal.role == Role::Admin {
        return Ok(());
    }
    let user = AssignmentId::new(assignment)
        .ok()
        .and_then(|id| state.assignment(&id))
        .map(|a| a.user.as_str().to_string());
    match user {
        Some(user) => may_act_for(principal, &user),
        None => Err(Failure::from(Refusal::UnknownAssignment {
            assignment: assignment.to_string(),
        })),
    }
}

/// Lists assignments (a manager's users', a staff token's own).
#[utoipa::path(get, path = "/assignments", tag = "assignments", params(AssignmentFilter, Paging),
    responses((status = 200, body = Page<AssignmentView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<AssignmentFilter>,
) -> Result<Response, ApiError> {
    let p = &caller.principal;
    require(&caller, &[Role::Admin, Role::Manager, Role::Staff])?;
    let f = f.read()?;
    let mut user = f.user;
    if p.role == Role::Staff {
        let own = p.user.clone().unwrap_or_default();
        if user.as_ref().is_some_and(|u| *u != own) {
            return Err(forbidden("a staff token sees only its own assignments"));
        }
        user = Some(own);
    }
    let manager = p.role == Role::Manager;
    if manager && user.as_ref().is_some_and(|u| !p.manages.contains(u)) {
        return Err(forbidden(
            "a manager sees only the assignments of the users it manages",
        ));
    }
    let command = Cmd::Assignments {
        pool: f.pool,
        user,
        status: f.status,
        source: f.source,
        page: f.paging.page()?,
        within: manager.then(|| p.manages.clone()),
    };
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Gives a user a seat of a named pool.
#[utoipa::path(post, path = "/assignments", tag = "assignments", request_body = NewAssignment,
    responses((status = 201, body = AssignmentView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(app): State<AppState>,
    caller: Caller,
    body: JsonBody<NewAssignment>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Manager])?;
    let body = body.read()?;
    may_act_for(&caller.principal, &body.user)?;
    let command = Cmd::Assign {
        pool: body.pool,
        user: body.user,
        source: body.source.unwrap_or_else(|| "manual".into()),
        note: body.notes,
    };
    Ok(answer(
        StatusCode::CREATED,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Frees a seat: the assignment ends as released.
#[utoipa::path(post, path = "/assignments/{id}/deallocate", tag = "assignments",
    params(("id" = String, Path, description = "The assignment's id")),
    responses((status = 200, body = AssignmentView<'static>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn deallocate(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Manager])?;
    let id = id.read()?;
    let principal = caller.principal.clone();
    let target = id.clone();
    let command = Cmd::Deallocate { assignment: id };
    let body = app
        .run(&caller, command, move |state| {
            may_act_on(&principal, state, &target)
        })
        .await?;
    Ok(answer(StatusCode::OK, body))
}

/// Takes a seat back: the assignment ends as reclaimed, with a reason.
#[utoipa::path(post, path = "/assignments/{id}/reclaim", tag = "assignments",
    params(("id" = String, Path, description = "The assignment's id")),
    request_body = Reason,
    responses((status = 200, body = AssignmentView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reclaim(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    body: JsonBody<Reason>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Manager])?;
    let id = id.read()?;
    let body = body.read()?;
    let principal = caller.principal.clone();
    let target = id.clone();
    let command = Cmd::Reclaim {
        assignment: id,
        reason: body.reason,
    };
    let body = app
        .run(&caller, command, move |state| {
            may_act_on(&principal, state, &target)
        })
        .await?;
    Ok(answer(StatusCode::OK, body))
}

/// Gives up to 1000 users a seat each; every item's result, in order.
#[utoipa::path(post, path = "/assignments/bulk", tag = "assignments", request_body = BulkAssign,
    responses((status = 200, body = BulkResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bulk_assign(
    State(app): State<AppState>,
    caller: Caller,
    body: JsonBody<BulkAssign>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Manager])?;
    let body = body.read()?;
    for user in &body.users {
        may_act_for(&caller.principal, user)?;
    }
    let command = Cmd::Bulk(BulkCmd::Assign {
        pool: body.pool,
        users: lines("user", &body.users)?,
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Reclaims up to 1000 assignments of a pool; every item's result, in order.
#[utoipa::path(post, path = "/assignments/bulk-reclaim", tag = "assignments",
    request_body = BulkReclaim,
    responses((status = 200, body = BulkResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bulk_reclaim(
    State(app): State<AppState>,
    caller: Caller,
    body: JsonBody<BulkReclaim>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Manager])?;
    let body = body.read()?;
    let principal = caller.principal.clone();
    let targets: BTreeSet<String> = body.assignments.iter().cloned().collect();
    let command = Cmd::Bulk(BulkCmd::Reclaim {
        pool: body.pool,
        assignments: lines("assignment", &body.assignments)?,
        reason: body.reason,
    });
    let body = app
        .run(&caller, command, move |state| {
            targets
                .iter()
                .try_for_each(|a| may_act_on(&principal, state, a))
        })
        .await?;
    Ok(answer(StatusCode::OK, body))
}

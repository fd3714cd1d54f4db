//! `/users`: list, create, patch, import (CSV).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Id, JsonBody, Paging, Params, TextBody, answer, require};
use crate::cli::{Cmd, Input, UserCmd};
use crate::render::{Page, UserView};
use crate::server::tokens::Role;
use crate::server::{ApiError, AppState, Caller};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(patch))
        .routes(routes!(import))
}

/// `GET /users`: sorting and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserFilter {
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for UserFilter {
    const PAGED: bool = true;
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    /// Their id (an employee id, a login).
    id: String,
    /// Their email.
    email: String,
    /// Their lifecycle state (default `active`).
    state: Option<String>,
    /// Whether they may get seats (default true).
    active: Option<bool>,
}

/// What `PATCH /users/{id}` changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChanges {
    /// Their email.
    email: Option<String>,
    /// Their lifecycle state.
    state: Option<String>,
    /// Whether they may get seats.
    active: Option<bool>,
    /// When they were last active (`YYYY-MM-DD` or RFC 3339).
    last_active: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Imported {
    /// Rows read.
    rows: u64,
    /// Users added.
    created: u64,
    /// Users changed.
    updated: u64,
    /// Rows that changed nothing.
    unchanged: u64,
}

/// Lists users (a manager's own users; a staff token only itself).
#[utoipa::path(get, path = "/users", tag = "users", params(UserFilter, Paging),
    responses((status = 200, body = Page<UserView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<UserFilter>,
) -> Result<Response, ApiError> {
    let p = &caller.principal;
    require(&caller, &[Role::Admin, Role::Manager, Role::Staff])?;
    let f = f.read()?;
    let within = match p.role {
        Role::Admin => None,
        Role::Manager => Some(p.manages.clone()),
        _ => Some(p.user.iter().cloned().collect()),
    };
    let command = Cmd::User(UserCmd::List {
        page: f.paging.page()?,
        within,
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(app): State<AppState>,
    caller: Caller,
    body: JsonBody<NewUser>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin])?;
    let body = body.read()?;
    let command = Cmd::User(UserCmd::Add {
        id: body.id,
        email: body.email,
        state: body.state.unwrap_or_else(|| "active".into()),
        inactive: !body.active.unwrap_or(true),
    });
    Ok(answer(
        StatusCode::CREATED,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Changes a user.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UserChanges,
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = UserView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn patch(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    body: JsonBody<UserChanges>,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin])?;
    let id = id.read()?;
    let body = body.read()?;
    let command = Cmd::User(UserCmd::Set {
        id,
        state: body.state,
        active: body.active,
        last_active: body.last_active,
        email: body.email,
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Adds and updates users from CSV (`id,email` and any of
/// `active,state,last_active`), all or nothing: a bad row is refused with
/// its line number and nothing is imported.
#[utoipa::path(post, path = "/users/import", tag = "users",
    request_body(content = String, content_type = "text/csv",
        example = "id,email,active,state,last_active\nada,ada@example.com,true,active,2026-11-20\n"),
    responses((status = 200, body = Imported), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import(
    State(app): State<AppState>,
    caller: Caller,
    csv: TextBody,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin])?;
    let csv = csv.read()?;
    let command = Cmd::User(UserCmd::Import {
        file: Input::Text(csv),
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

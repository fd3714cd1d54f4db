//! `/pools`: list, create, get, patch, archive, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Deleted, ErrorBody, Id, JsonBody, Paging, Params, answer, require};
use crate::cli::{Cmd, Input, PoolCmd, PoolCreate};
use crate::render::{Page, PoolView};
use crate::server::tokens::Role::{Admin, Manager};
use crate::server::{ApiError, AppState, Caller};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete))
        .routes(routes!(archive))
        .routes(routes!(license))
}

/// Filters of `GET /pools`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PoolFilter {
    /// Of this vendor.
    vendor: Option<String>,
    /// `named` or `concurrent`.
    #[param(rename = "type")]
    #[serde(rename = "type")]
    license_type: Option<String>,
    /// `active`, `expired` or `archived`.
    status: Option<String>,
    /// Carrying this tag.
    tag: Option<String>,
    /// Whose name, vendor, product or notes contain this (any case).
    search: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for PoolFilter {
    const PAGED: bool = true;
}

/// A new pool. Times are `YYYY-MM-DD` or RFC 3339; `cost` is decimal text
/// in the currency's precision (`"12.50"`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPool {
    /// A unique name.
    name: String,
    /// The vendor.
    vendor: String,
    /// Seats (at least 1); none with `license`, whose quota it is.
    capacity: Option<u32>,
    /// The product.
    #[serde(default)]
    product: String,
    /// The plan.
    #[serde(default)]
    plan: String,
    /// Notes.
    #[serde(default)]
    notes: String,
    /// Cost of a seat per billing period (default `"0"`).
    #[schema(example = "15.00")]
    cost: Option<String>,
    /// ISO 4217 (default `USD`).
    currency: Option<String>,
    /// `monthly` (default), `annual` or `perpetual`.
    billing_period: Option<String>,
    /// `named` (default) or `concurrent`.
    license_type: Option<String>,
    /// When it starts.
    starts_at: Option<String>,
    /// When it expires.
    expires_at: Option<String>,
    /// `block_new` (default) or `revoke_all`.
    policy: Option<String>,
    /// Days of warning before it expires (default 30).
    warning_days: Option<u32>,
    /// Tags.
    #[serde(default)]
    tags: Vec<String>,
    /// Concurrent pools: a lease's life without a heartbeat (default 600).
    ttl_seconds: Option<u32>,
    /// Concurrent pools: `none` (default), `1.25x`, `1.5x` or `2x`.
    overage: Option<String>,
    /// Concurrent pools: how long a released seat stays held (default 0).
    linger_seconds: Option<u32>,
    /// Concurrent pools: the longest offline borrow, in days (default 0).
    max_borrow_days: Option<u32>,
    /// Take the capacity from a signed licman license (a concurrent pool
    /// that follows it: the server re-verifies it, with its revocation
    /// list; its end of grace, or a revocation, ends the pool).
    license: Option<PoolLicense>,
}

/// A license for a pool to follow.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoolLicense {
    /// The license (compact `lm1_…` or armored text).
    key: String,
    /// The quota that is the pool's capacity (`seats`).
    quota: String,
    /// The vendor's public keys (`lmpk1_…`).
    public_keys: Vec<String>,
    /// The vendor's catalog (TOML text), which names the product and quota.
    catalog: String,
}

/// A new license for a license-backed pool (a renewal or an upgrade).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewLicense {
    /// The license (compact `lm1_…` or armored text).
    key: String,
}

impl NewPool {
    fn into_create(self) -> PoolCreate {
        PoolCreate {
            name: self.name,
            vendor: self.vendor,
            capacity: self.capacity,
            product: self.product,
            plan: self.plan,
            starts: self.starts_at,
            notes: self.notes,
            cost: self.cost.unwrap_or_else(|| "0".into()),
            currency: self.currency.unwrap_or_else(|| "USD".into()),
            billing: self.billing_period.unwrap_or_else(|| "monthly".into()),
            license_type: self.license_type,
            expires: self.expires_at,
            policy: self.policy.unwrap_or_else(|| "block_new".into()),
            warning_days: self.warning_days.unwrap_or(30),
            tag: self.tags,
            ttl: self.ttl_seconds.unwrap_or(600).to_string(),
            overage: self.overage.unwrap_or_else(|| "none".into()),
            linger: self.linger_seconds.unwrap_or(0).to_string(),
            max_borrow_days: self.max_borrow_days.unwrap_or(0),
            secret_file: None,
            from_license: self.license.as_ref().map(|l| Input::Text(l.key.clone())),
            quota: self.license.as_ref().map(|l| l.quota.clone()),
            public_key: self
                .license
                .as_ref()
                .map(|l| Input::Text(l.public_keys.join("\n"))),
            catalog: self.license.map(|l| Input::Text(l.catalog)),
        }
    }
}

/// What `PATCH /pools/{id}` changes (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoolChanges {
    /// Seats (not below those allocated).
    capacity: Option<u32>,
    /// Cost of a seat, in the pool's currency.
    cost: Option<String>,
    /// A new expiration date.
    expires_at: Option<String>,
    /// `block_new` or `revoke_all`.
    policy: Option<String>,
    /// Days of warning.
    warning_days: Option<u32>,
    /// A new name.
    name: Option<String>,
}

/// Lists pools.
#[utoipa::path(get, path = "/pools", tag = "pools", params(PoolFilter, Paging),
    responses((status = 200, body = Page<PoolView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<PoolFilter>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin, Manager])?;
    let f = f.read()?;
    let command = Cmd::Pool(PoolCmd::List {
        vendor: f.vendor,
        license_type: f.license_type,
        status: f.status,
        tag: f.tag,
        search: f.search,
        page: f.paging.page()?,
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Creates a pool.
#[utoipa::path(post, path = "/pools", tag = "pools", request_body = NewPool,
    responses((status = 201, body = PoolView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(app): State<AppState>,
    caller: Caller,
    body: JsonBody<NewPool>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let body = body.read()?;
    let command = Cmd::Pool(PoolCmd::Create(Box::new(body.into_create())));
    Ok(answer(
        StatusCode::CREATED,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// One pool, with its assignments by source and its last 20 events.
#[utoipa::path(get, path = "/pools/{id}", tag = "pools",
    params(("id" = String, Path, description = "The pool's id or name")),
    responses((status = 200, body = PoolView<'static>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(State(app): State<AppState>, caller: Caller, id: Id) -> Result<Response, ApiError> {
    require(&caller, &[Admin, Manager])?;
    let id = id.read()?;
    let command = Cmd::Pool(PoolCmd::Show { pool: id });
    let mut body = app.run(&caller, command, |_| Ok(())).await?;
    // The trail (other users, actors' addresses) and the license are an
    // admin's to read.
    if caller.principal.role != Admin {
        if let serde_json::Value::Object(m) = &mut body {
            m.remove("recent_events");
            m.remove("license");
        }
    }
    Ok(answer(StatusCode::OK, body))
}

/// Changes a pool.
#[utoipa::path(patch, path = "/pools/{id}", tag = "pools", request_body = PoolChanges,
    params(("id" = String, Path, description = "The pool's id or name")),
    responses((status = 200, body = PoolView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    body: JsonBody<PoolChanges>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let body = body.read()?;
    let command = Cmd::Pool(PoolCmd::Update {
        pool: id,
        capacity: body.capacity,
        cost: body.cost,
        expires: body.expires_at,
        policy: body.policy,
        warning_days: body.warning_days,
        name: body.name,
        secret_file: None,
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Deletes a pool (refused while it holds seats).
#[utoipa::path(delete, path = "/pools/{id}", tag = "pools",
    params(("id" = String, Path, description = "The pool's id or name")),
    responses((status = 200, body = Deleted), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn delete(State(app): State<AppState>, caller: Caller, id: Id) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let command = Cmd::Pool(PoolCmd::Delete { pool: id });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Archives a pool: no new seats; its rules do nothing.
#[utoipa::path(post, path = "/pools/{id}/archive", tag = "pools",
    params(("id" = String, Path, description = "The pool's id or name")),
    responses((status = 200, body = PoolView<'static>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn archive(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let command = Cmd::Pool(PoolCmd::Archive { pool: id });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Gives a license-backed pool a new license (a renewal or an upgrade),
/// verified with the pool's keys, product and quota, and followed at once.
#[utoipa::path(post, path = "/pools/{id}/license", tag = "pools", request_body = NewLicense,
    params(("id" = String, Path, description = "The pool's id or name")),
    responses((status = 200, body = PoolView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn license(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
    body: JsonBody<NewLicense>,
) -> Result<Response, ApiError> {
    require(&caller, &[Admin])?;
    let id = id.read()?;
    let body = body.read()?;
    let command = Cmd::Pool(PoolCmd::License {
        pool: id,
        license: Input::Text(body.key),
    });
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

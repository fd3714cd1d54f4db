//! `/leases`: floating seats for product instances: checkout, heartbeat,
//! release. An instance token reaches only the pools its entry names.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use licman_core::seats::{Command, HolderId, LeaseId, Refusal, Reply, SeatState};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Id, JsonBody, Paging, Params, answer, require};
use crate::cli::{Cmd, LeaseCmd, find_pool};
use crate::error::Failure;
use crate::render::{LeaseView, Page};
use crate::server::tokens::{Principal, Role};
use crate::server::{ApiError, AppState, Caller, maintenance};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, checkout))
        .routes(routes!(heartbeat))
        .routes(routes!(release))
}

/// Filters of `GET /leases`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LeaseFilter {
    /// Of this pool (id or name).
    pool: Option<String>,
    /// Of this holder.
    holder: Option<String>,
    /// `active`, `expired`, `released` or `ended`.
    status: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl super::Query for LeaseFilter {
    const PAGED: bool = true;
}

/// A checkout.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checkout {
    /// A concurrent pool (id or name).
    pool: String,
    /// Who holds the seat: any id (an instance, a user); the same holder
    /// gets its live lease back.
    holder: String,
    /// How long it lives without a heartbeat (60 s to 30 days; default the
    /// pool's).
    ttl_seconds: Option<u32>,
    /// Borrow it offline for this many days instead of heartbeating.
    borrow_days: Option<u32>,
}

/// The ids of the pools an instance reaches, as of `state` (its entry may
/// name a pool by id or by name).
fn instance_pools(principal: &Principal, state: &SeatState) -> std::collections::BTreeSet<String> {
    principal
        .pools
        .iter()
        .filter_map(|p| find_pool(state, p).ok().map(|p| p.id.as_str().to_string()))
        .collect()
}

/// 403 unless the caller may lease from `pool` (an admin may; an instance
/// if its entry names the pool).
fn may_lease(principal: &Principal, state: &SeatState, pool: &str) -> Result<(), Failure> {
    if principal.role == Role::Admin {
        return Ok(());
    }
    let id = find_pool(state, pool)?.id.as_str().to_string();
    if instance_pools(principal, state).contains(&id) {
        Ok(())
    } else {
        Err(Failure::new(
            "forbidden",
            format!(
                "instance {:?} may not lease from pool {pool:?}",
                principal.name
            ),
        ))
    }
}

/// 403 unless the caller may touch `lease`; 404 for a lease the state
/// does not hold (the grouped path then catches up and asks again), so
/// that no check passes for what it could not see.
fn may_touch(principal: &Principal, state: &SeatState, lease: &str) -> Result<(), Failure> {
    if principal.role == Role::Admin {
        return Ok(());
    }
    let pool = LeaseId::new(lease)
        .ok()
        .and_then(|id| state.lease(&id))
        .map(|l| l.pool.as_str().to_string());
    match pool {
        Some(pool) => may_lease(principal, state, &pool),
        None => Err(Failure::from(Refusal::UnknownLease {
            lease: lease.to_string(),
        })),
    }
}

/// Lists leases (an instance's pools' only), with their status as of now.
#[utoipa::path(get, path = "/leases", tag = "leases", params(LeaseFilter, Paging),
    responses((status = 200, body = Page<LeaseView<'static>>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    f: Params<LeaseFilter>,
) -> Result<Response, ApiError> {
    let p = caller.principal.clone();
    require(&caller, &[Role::Admin, Role::Instance])?;
    let f = f.read()?;
    let command = Cmd::Leases {
        pool: f.pool,
        holder: f.holder,
        status: f.status,
        page: f.paging.page()?,
        within: (p.role == Role::Instance).then(|| p.pools.clone()),
    };
    Ok(answer(
        StatusCode::OK,
        app.run(&caller, command, |_| Ok(())).await?,
    ))
}

/// Checks out a seat of a concurrent pool (the same holder gets its live
/// lease back).
#[utoipa::path(post, path = "/leases", tag = "leases", request_body = Checkout,
    responses((status = 200, body = LeaseView<'static>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn checkout(
    State(app): State<AppState>,
    caller: Caller,
    b: JsonBody<Checkout>,
) -> Result<Response, ApiError> {
    let p = caller.principal.clone();
    require(&caller, &[Role::Admin, Role::Instance])?;
    let b = b.read()?;
    let lease = LeaseId::new(&crate::cli::new_id("lease")?)
        .map_err(|e| Failure::invalid(format!("lease id: {e}")))?;
    let holder = HolderId::new(&b.holder)
        .map_err(|e| Failure::invalid(format!("holder {:?}: {e}", b.holder)))?;
    let alert = Cmd::Lease(LeaseCmd::Checkout {
        pool: b.pool.clone(),
        holder: b.holder.clone(),
        ttl: None,
        borrow_days: None,
    });
    let build = move |state: &SeatState| -> Result<Command, Failure> {
        may_lease(&p, state, &b.pool)?;
        let pool = find_pool(state, &b.pool)?;
        // An instance lives by the pool's TTL (a longer one would keep a
        // dead host's seat); an admin may ask for another.
        if p.role != Role::Admin && b.ttl_seconds.is_some_and(|t| t > pool.lease.ttl_seconds) {
            return Err(Failure::invalid(format!(
                "ttl_seconds {} is longer than the pool's {}",
                b.ttl_seconds.unwrap_or(0),
                pool.lease.ttl_seconds
            )));
        }
        Ok(Command::Checkout {
            id: lease.clone(),
            pool: pool.id.clone(),
            holder: holder.clone(),
            borrow_days: b.borrow_days,
            ttl_seconds: b.ttl_seconds,
        })
    };
    let body = grouped(&app, &caller, build, Some(alert)).await?;
    Ok(answer(StatusCode::OK, body))
}

/// Extends a lease by its TTL from now.
#[utoipa::path(post, path = "/leases/{id}/heartbeat", tag = "leases",
    params(("id" = String, Path, description = "The lease's id")),
    responses((status = 200, body = LeaseView<'static>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn heartbeat(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Instance])?;
    let id = id.read()?;
    touch(app, caller, LeaseCmd::Heartbeat { lease: id.clone() }, id).await
}

/// Gives a lease back (its seat lingers for the pool's linger time).
#[utoipa::path(post, path = "/leases/{id}/release", tag = "leases",
    params(("id" = String, Path, description = "The lease's id")),
    responses((status = 200, body = LeaseView<'static>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn release(
    State(app): State<AppState>,
    caller: Caller,
    id: Id,
) -> Result<Response, ApiError> {
    require(&caller, &[Role::Admin, Role::Instance])?;
    let id = id.read()?;
    touch(app, caller, LeaseCmd::Release { lease: id.clone() }, id).await
}

async fn touch(
    app: AppState,
    caller: Caller,
    command: LeaseCmd,
    lease: String,
) -> Result<Response, ApiError> {
    let p = caller.principal.clone();
    require(&caller, &[Role::Admin, Role::Instance])?;
    let id =
        LeaseId::new(&lease).map_err(|e| Failure::invalid(format!("lease id {lease:?}: {e}")))?;
    let heartbeat = matches!(command, LeaseCmd::Heartbeat { .. });
    let build = move |state: &SeatState| -> Result<Command, Failure> {
        // An unknown lease is the engine's to refuse (404).
        may_touch(&p, state, &lease)?;
        Ok(if heartbeat {
            Command::Heartbeat { lease: id.clone() }
        } else {
            Command::Release { lease: id.clone() }
        })
    };
    let body = grouped(&app, &caller, build, None).await?;
    Ok(answer(StatusCode::OK, body))
}

/// Runs a lease command through the shared store's grouped commits (the
/// floating-seat path, many instances at once): `build` decides the
/// command on the state in hand (caught up once if it names something that
/// state does not know yet), the engine decides it in the next batch, and
/// the answer is the lease as the CLI shows it.
async fn grouped(
    app: &AppState,
    caller: &Caller,
    build: impl Fn(&SeatState) -> Result<Command, Failure> + Send + 'static,
    alert: Option<Cmd>,
) -> Result<serde_json::Value, ApiError> {
    let shared = app.clone();
    let actor = caller.actor.clone();
    let work = move || -> Result<serde_json::Value, Failure> {
        let command = shared.store.with(|s| match build(s.state()) {
            Err(f) if f.http_status() == 404 || f.code == "forbidden" => {
                s.catch_up()?;
                build(s.state())
            }
            other => other,
        })?;
        let lease = match &command {
            Command::Checkout { id, .. }
            | Command::Heartbeat { lease: id }
            | Command::Release { lease: id } => id.clone(),
            _ => return Err(Failure::new("internal", "not a lease command")),
        };
        let recorded = match shared.store.run(command, &actor, None) {
            Ok(recorded) => recorded,
            Err(f) => {
                if let Some(cmd) = &alert {
                    if let Some((data, id)) =
                        maintenance::capacity_refusal(cmd, &Err(f.clone()), &actor)
                    {
                        shared.notifier.notify(
                            "assignment.capacity_refused",
                            &id,
                            crate::time::now(),
                            data,
                        );
                    }
                }
                return Err(f);
            }
        };
        // The same holder checking out again gets its live lease back.
        let lease = match recorded.outcome.reply {
            Reply::Lease(id) => id,
            _ => lease,
        };
        let at = recorded
            .events
            .last()
            .map_or_else(crate::time::now, |e| e.recorded_at);
        shared.store.with(|s| {
            let state = s.state();
            let l = state
                .lease(&lease)
                .ok_or_else(|| Failure::new("internal", "the lease is missing"))?;
            Ok(crate::render::lease(state, l, at))
        })
    };
    Ok(app.workers.run(work).await??)
}

//! `lease …` and `leases`: concurrent seats checked out by holders.

use clap::Subcommand;
use licman_core::seats::{Command, HolderId, LeaseId, Reply};

use super::{Ctx, Output, Page, find_pool, new_id, out, paged};
use crate::error::Failure;
use crate::render;
use crate::store::Store;
use crate::time::parse_duration;

/// `lease …`.
#[derive(Debug, Subcommand)]
pub enum LeaseCmd {
    /// Checks out a seat of a concurrent POOL for HOLDER (a user or an
    /// instance id); the same holder gets its live lease back.
    Checkout {
        /// The pool's id or name.
        pool: String,
        /// Who holds it: any non-empty id.
        holder: String,
        /// How long it lives without a heartbeat (10m, 1h; 60 s to 30 days;
        /// default: the pool's).
        #[arg(long)]
        ttl: Option<String>,
        /// Borrow it offline for this many days instead of heartbeating.
        #[arg(long, value_name = "DAYS")]
        borrow_days: Option<u32>,
    },
    /// Extends a lease by its TTL from now.
    Heartbeat {
        /// The lease's id.
        lease: String,
    },
    /// Gives a lease back (its seat lingers for the pool's linger time).
    Release {
        /// The lease's id.
        lease: String,
    },
    /// Ends every lease that no longer holds a seat (dead, or released
    /// and past its linger), recording `lease.culled` for each.
    Cull {
        /// Only this pool's (id or name).
        #[arg(long)]
        pool: Option<String>,
    },
}

fn lease_id(text: &str) -> Result<LeaseId, Failure> {
    LeaseId::new(text).map_err(|e| Failure::invalid(format!("lease id {text:?}: {e}")))
}

fn shown(store: &Store, id: &LeaseId, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let state = store.state();
    let l = state
        .lease(id)
        .ok_or_else(|| Failure::new("database", "the lease is missing"))?;
    Ok(out(
        render::lease(state, l, cx.now),
        format!(
            "{}\t{}",
            l.id,
            render::lease(state, l, cx.now)["status"]
                .as_str()
                .unwrap_or("")
        ),
    ))
}

pub(crate) fn lease(store: &mut Store, cmd: &LeaseCmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    match cmd {
        LeaseCmd::Checkout {
            pool,
            holder,
            ttl,
            borrow_days,
        } => {
            let pool = find_pool(store.state(), pool)?.id.clone();
            let holder = HolderId::new(holder)
                .map_err(|e| Failure::invalid(format!("holder {holder:?}: {e}")))?;
            let command = Command::Checkout {
                id: lease_id(&new_id("lease")?)?,
                pool,
                holder,
                borrow_days: *borrow_days,
                ttl_seconds: ttl.as_deref().map(parse_duration).transpose()?,
            };
            let recorded = store.run(&command, cx.actor, cx.at)?;
            let Reply::Lease(id) = recorded.outcome.reply else {
                return Err(Failure::new("database", "a checkout gave no lease"));
            };
            shown(store, &id, cx)
        }
        LeaseCmd::Heartbeat { lease } => {
            let id = lease_id(lease)?;
            store.run(&Command::Heartbeat { lease: id.clone() }, cx.actor, cx.at)?;
            shown(store, &id, cx)
        }
        LeaseCmd::Cull { pool } => {
            let pool = pool
                .as_deref()
                .map(|p| find_pool(store.state(), p).map(|p| p.id.clone()))
                .transpose()?;
            let recorded = store.run(&Command::CullLeases { pool }, cx.actor, cx.at)?;
            let culled: Vec<&str> = recorded
                .events
                .iter()
                .filter_map(|e| match &e.change {
                    licman_core::seats::Change::LeaseCulled { lease } => Some(lease.as_str()),
                    _ => None,
                })
                .collect();
            Ok(out(
                serde_json::json!({"culled": culled}),
                format!("{} leases culled", culled.len()),
            ))
        }
        LeaseCmd::Release { lease } => {
            let id = lease_id(lease)?;
            store.run(&Command::Release { lease: id.clone() }, cx.actor, cx.at)?;
            shown(store, &id, cx)
        }
    }
}

/// Which leases `leases` lists.
#[derive(Debug, Default)]
pub(crate) struct LeaseFilter<'a> {
    /// Of this pool (id or name).
    pub(crate) pool: Option<&'a str>,
    /// Of this holder.
    pub(crate) holder: Option<&'a str>,
    /// With this status as of now.
    pub(crate) status: Option<&'a str>,
    /// Only of these pools (ids or names).
    pub(crate) within: Option<&'a std::collections::BTreeSet<String>>,
}

/// `leases`: every lease, or one pool's, filtered by status as of now.
pub(crate) fn list(
    store: &Store,
    filter: LeaseFilter<'_>,
    page: &Page,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let LeaseFilter {
        pool,
        holder,
        status,
        within,
    } = filter;
    let state = store.state();
    if let Some(s) = status {
        if !["active", "expired", "released", "ended"].contains(&s) {
            return Err(Failure::invalid(format!(
                "status {s:?} is not one of active, expired, released, ended"
            )));
        }
    }
    let pool = pool.map(|p| find_pool(state, p)).transpose()?;
    let mut leases: Vec<_> = state
        .leases()
        .filter(|l| pool.is_none_or(|p| l.pool == p.id))
        .filter(|l| holder.is_none_or(|h| l.holder.as_str() == h))
        .filter(|l| {
            within.is_none_or(|w| {
                w.contains(l.pool.as_str())
                    || state.pool(&l.pool).is_some_and(|p| w.contains(&p.name))
            })
        })
        .filter(|l| {
            status.is_none_or(|s| render::lease(state, l, cx.now)["status"].as_str() == Some(s))
        })
        .collect();
    leases.sort_by(|a, b| (a.checked_out_at, &a.id).cmp(&(b.checked_out_at, &b.id)));
    paged(
        &leases,
        page,
        |l| render::lease(state, l, cx.now),
        &["id", "pool_name", "holder", "status", "expires_at"],
    )
}

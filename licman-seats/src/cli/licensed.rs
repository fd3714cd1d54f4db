//! `pool create --from-license`, `pool license` and `license-check`: pools
//! whose capacity follows a signed licman license ([`crate::licensed`]).

use licman_core::seats::{Command, PoolId};
use serde_json::json;

use super::{Ctx, Output, out};
use crate::error::Failure;
use crate::licensed::{self, LicenseSource, RECORD_ACTION};
use crate::store::{Decided, Store};

/// Runs `command` (the pool's creation) and records the pool's license, in
/// one transaction.
pub(crate) fn run_with_license(
    store: &mut Store,
    command: &Command,
    pool: &PoolId,
    source: &LicenseSource,
    cx: &Ctx<'_>,
) -> Result<(), Failure> {
    let details = source.to_details()?;
    store.transact(cx.actor, cx.at, false, &mut |engine, ecx, _| {
        let mut events = engine.run(command, ecx)?.events;
        events.push(engine.record(RECORD_ACTION, Some(pool.clone()), &details, ecx)?);
        Ok(Decided {
            value: (),
            events,
            secrets: Vec::new(),
        })
    })
}

/// `pool license POOL FILE`: the pool's new license, verified with its
/// keys, product and quota, recorded and followed in one transaction.
pub(crate) fn renew(
    store: &mut Store,
    pool: &PoolId,
    license: &str,
    cx: &Ctx<'_>,
) -> Result<(), Failure> {
    let current = licensed::sources(store)?.remove(pool).ok_or_else(|| {
        Failure::new(
            "not_license_backed",
            format!("pool {pool} does not take its capacity from a license"),
        )
    })?;
    let source = current.renewed(license)?;
    let grant = source.grant(cx.now, cx.revocations)?;
    if grant.revoked {
        return Err(Failure::new(
            "license_revoked",
            format!("license {} is revoked", grant.license_id),
        ));
    }
    let details = source.to_details()?;
    store.transact(cx.actor, cx.at, false, &mut |engine, ecx, _| {
        let mut events = engine
            .run(
                &Command::FollowLicense {
                    pool: pool.clone(),
                    capacity: grant.capacity,
                    expires_at: grant.ends_at,
                },
                ecx,
            )?
            .events;
        events.push(engine.record(RECORD_ACTION, Some(pool.clone()), &details, ecx)?);
        Ok(Decided {
            value: (),
            events,
            secrets: Vec::new(),
        })
    })
}

/// `license-check` (with the global `--revocations FILE`).
pub(crate) fn check(store: &mut Store, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let report = licensed::refresh(store, cx.revocations, cx.actor)?;
    let changed = report.iter().filter(|r| r.changed).count();
    let failed = report.iter().filter(|r| r.error.is_some()).count();
    Ok(out(
        json!({"pools": report}),
        format!(
            "{} license-backed pools checked: {changed} changed, {failed} could not be checked",
            report.len()
        ),
    ))
}

//! Runs one benchmarked operation N times, for instruction counts under
//! callgrind (`benches/callgrind.sh` runs each op at two counts and takes the
//! difference, so set-up cancels out).
//!
//! ```text
//! ops OPERATION COUNT
//! ops list            # every operation, one per line
//! ```

#![allow(clippy::expect_used)] // fixed inputs

use std::hint::black_box;

use licman_benches::{
    Fixture, naive_route, naive_user_modules, now, professional_claims, signing_key,
};
use licman_core::{LicenseId, ModuleId, QuotaId};

/// Every operation this runner knows.
pub const OPERATIONS: &[&str] = &[
    "verify_strict_floor",
    "licman_verify",
    "licman_verify_catalog",
    "licman_verify_armored",
    "jwt_verify",
    "paseto_verify",
    "licman_issue",
    "revocation_contains",
    "has_module_id",
    "has_module_name",
    "hashset_contains",
    "check_quota",
    "accept",
    "user_modules_1",
    "user_modules_8",
    "user_modules_64",
    "naive_user_modules_8",
    "route_seed",
    "authorize_seed",
    "authorize_500",
    "authorize_escaped",
    "authorize_folding",
    "naive_route_500",
    "window_check_baseline",
    "is_usable_at",
    "status_at",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["list"] {
        println!("{}", OPERATIONS.join("\n"));
        return Ok(());
    }
    let [op, count] = args.as_slice() else {
        return Err(format!(
            "usage: ops OPERATION COUNT\noperations: {}",
            OPERATIONS.join(" ")
        )
        .into());
    };
    let count: u64 = count.parse()?;
    let f = Fixture::new();
    let key = signing_key();
    let claims = professional_claims();
    let (access, groups) = &f.groups;
    let probe = LicenseId::from_bytes([0xee; 16]);
    let devices = QuotaId(1);
    let now = now();
    let paths = (
        black_box("/devices/7/config"),
        black_box("/api/v3/resource-409/items/7"),
    );
    // The operation is chosen once; the loop holds only the operation.
    let sink = match op.as_str() {
        "verify_strict_floor" => repeat(count, || u64::from(f.verify_strict_floor())),
        "licman_verify" => repeat(count, || u64::from(f.licman_verify())),
        "licman_verify_catalog" => repeat(count, || u64::from(f.licman_verify_catalog())),
        "licman_verify_armored" => repeat(count, || u64::from(f.licman_verify_armored())),
        "jwt_verify" => repeat(count, || u64::from(f.jwt_verify())),
        "paseto_verify" => repeat(count, || u64::from(f.paseto_verify())),
        "licman_issue" => repeat(count, || f.licman_issue(&key, &claims) as u64),
        "revocation_contains" => repeat(count, || {
            u64::from(f.revocations.contains(black_box(&probe)))
        }),
        "has_module_id" => repeat(count, || {
            u64::from(f.license.has_module(black_box(ModuleId(8))))
        }),
        "has_module_name" => repeat(count, || {
            u64::from(
                f.license
                    .has_module_named(black_box("scheduled_audits"))
                    .unwrap_or(false),
            )
        }),
        "hashset_contains" => repeat(count, || {
            u64::from(f.name_set.contains(black_box("scheduled_audits")))
        }),
        "check_quota" => repeat(count, || {
            u64::from(f.license.check_quota(devices, black_box(50), 1).is_ok())
        }),
        "accept" => repeat(count, || {
            f.license.accept(devices, black_box(90), 20).accepted
        }),
        "user_modules_1" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..1]), false)).to_words()[0]
        }),
        "user_modules_8" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..8]), false)).to_words()[0]
        }),
        "user_modules_64" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..64]), false)).to_words()[0]
        }),
        "naive_user_modules_8" => repeat(count, || {
            naive_user_modules(black_box(&f.naive_groups[..8]), &f.name_set).len() as u64
        }),
        "route_seed" => repeat(count, || {
            u64::from(f.routes.0.target(black_box(paths.0)) == Ok(licman_core::RouteTarget::Public))
        }),
        "authorize_seed" => repeat(count, || {
            u64::from(
                f.routes
                    .0
                    .authorize(black_box(paths.0), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "authorize_500" => repeat(count, || {
            u64::from(
                f.routes
                    .1
                    .authorize(black_box(paths.1), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "authorize_escaped" => repeat(count, || {
            u64::from(
                f.routes
                    .0
                    .authorize(
                        black_box("/%64evices/7/config"),
                        Some(&f.license),
                        None,
                        now,
                    )
                    .is_ok(),
            )
        }),
        "authorize_folding" => repeat(count, || {
            u64::from(
                f.folding_routes
                    .authorize(black_box("/Devices/7/config"), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "window_check_baseline" => {
            let claims = f.license.license().claims();
            repeat(count, || {
                let now = black_box(now);
                u64::from(
                    claims.starts_at <= now
                        && claims
                            .expires_at
                            .is_none_or(|e| now < e.saturating_add(claims.grace_period)),
                )
            })
        }
        "is_usable_at" => repeat(count, || u64::from(f.license.is_usable_at(black_box(now)))),
        "status_at" => repeat(count, || {
            u64::from(f.license.status_at(black_box(now)).is_usable())
        }),
        "naive_route_500" => repeat(count, || {
            u64::from(
                naive_route(&f.naive_routes, black_box(paths.1))
                    != licman_core::RouteTarget::Public,
            )
        }),
        other => {
            return Err(format!(
                "unknown operation {other:?}; operations: {}",
                OPERATIONS.join(" ")
            )
            .into());
        }
    };
    println!("{sink}");
    Ok(())
}

/// Runs `op` `count` times and folds the results so none is optimised away.
#[inline(always)]
fn repeat(count: u64, mut op: impl FnMut() -> u64) -> u64 {
    let mut sink = 0u64;
    for _ in 0..count {
        sink = sink.wrapping_add(op());
    }
    sink
}

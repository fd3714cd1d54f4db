//! `cargo bench -p licman-benches`: licman against its peers, in one run.
//! See docs/PERFORMANCE.md for the figures and `benches/callgrind.sh` for
//! instruction counts.

#![allow(clippy::expect_used)] // fixed inputs; a failure is a bug in the benchmark

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use licman_benches::{
    Fixture, naive_route, naive_user_modules, now, professional_claims, signing_key,
};
use licman_core::{LicenseId, ModuleId, QuotaId};

fn key_lengths(f: &Fixture) {
    println!(
        "key lengths for the same claims (customer id and email, 10 modules, 3 quotas, expiry):"
    );
    println!("  licman compact      {:>4} characters", f.compact.len());
    println!("  licman armored      {:>4} characters", f.armored.len());
    println!("  JWT (EdDSA)         {:>4} characters", f.jwt.0.len());
    println!("  PASETO v4.public    {:>4} characters", f.paseto.0.len());
    println!(
        "  compact / JWT       {:>7.1} %",
        100.0 * f.compact.len() as f64 / f.jwt.0.len() as f64
    );
}

fn verification(c: &mut Criterion) {
    let f = Fixture::new();
    key_lengths(&f);
    assert!(
        f.verify_strict_floor()
            && f.licman_verify()
            && f.licman_verify_catalog()
            && f.licman_verify_armored()
    );
    assert!(f.jwt_verify() && f.paseto_verify(), "baselines must verify");
    let mut group = c.benchmark_group("verify");
    group.bench_function("ed25519-dalek verify_strict (floor)", |b| {
        b.iter(|| f.verify_strict_floor())
    });
    group.bench_function("licman compact -> VerifiedLicense", |b| {
        b.iter(|| f.licman_verify())
    });
    group.bench_function("licman compact -> Entitlements (catalog)", |b| {
        b.iter(|| f.licman_verify_catalog())
    });
    group.bench_function("licman armored -> VerifiedLicense", |b| {
        b.iter(|| f.licman_verify_armored())
    });
    group.bench_function("JWT EdDSA (jsonwebtoken) decode+verify+deserialize", |b| {
        b.iter(|| f.jwt_verify())
    });
    group.bench_function(
        "PASETO v4.public (pasetors) decode+verify+deserialize",
        |b| b.iter(|| f.paseto_verify()),
    );
    group.finish();

    let key = signing_key();
    let claims = professional_claims();
    c.bench_function("issue/licman sign one license", |b| {
        b.iter(|| f.licman_issue(&key, &claims))
    });

    let hit = f.revocations.revoked()[5_000];
    let miss = LicenseId::from_bytes([0xee; 16]);
    let mut group = c.benchmark_group("revocation (10 000 ids)");
    group.bench_function("contains, revoked", |b| {
        b.iter(|| f.revocations.contains(black_box(&hit)))
    });
    group.bench_function("contains, not revoked", |b| {
        b.iter(|| f.revocations.contains(black_box(&miss)))
    });
    group.finish();
}

fn hot_paths(c: &mut Criterion) {
    let f = Fixture::new();
    let license = &f.license;
    let mut group = c.benchmark_group("has_module");
    group.bench_function("licman has_module(id)", |b| {
        b.iter(|| license.has_module(black_box(ModuleId(8))))
    });
    group.bench_function("licman has_module_named(name)", |b| {
        b.iter(|| license.has_module_named(black_box("scheduled_audits")))
    });
    group.bench_function("licman has_module_named(alias)", |b| {
        b.iter(|| license.has_module_named(black_box("audit_schedules")))
    });
    group.bench_function("HashSet<String>::contains (naive)", |b| {
        b.iter(|| f.name_set.contains(black_box("scheduled_audits")))
    });
    group.finish();

    let devices = QuotaId(1);
    let mut group = c.benchmark_group("quota");
    group.bench_function("check_quota (allowed)", |b| {
        b.iter(|| {
            license
                .check_quota(devices, black_box(50), black_box(1))
                .is_ok()
        })
    });
    group.bench_function("accept (FIFO, 20 candidates)", |b| {
        b.iter(|| license.accept(devices, black_box(90), black_box(20)))
    });
    group.finish();

    let (access, groups) = &f.groups;
    let mut group = c.benchmark_group("user_modules");
    for n in [1usize, 8, 64] {
        group.bench_function(format!("licman {n} groups"), |b| {
            b.iter(|| access.user_modules(black_box(&groups[..n]), false))
        });
    }
    group.bench_function("HashSet<String> union, 8 groups (naive)", |b| {
        b.iter(|| naive_user_modules(black_box(&f.naive_groups[..8]), &f.name_set))
    });
    group.finish();

    let (seed, big) = &f.routes;
    let now = now();
    let mut group = c.benchmark_group("authorize");
    group.bench_function("licman seed table /devices/7/config", |b| {
        b.iter(|| seed.authorize(black_box("/devices/7/config"), Some(license), None, now))
    });
    group.bench_function("licman seed table /audit-schedules", |b| {
        b.iter(|| seed.authorize(black_box("/audit-schedules"), Some(license), None, now))
    });
    group.bench_function("licman 500 routes, match", |b| {
        b.iter(|| {
            big.authorize(
                black_box("/api/v3/resource-409/items/7"),
                Some(license),
                None,
                now,
            )
        })
    });
    group.bench_function("linear scan 500 routes, match (naive)", |b| {
        b.iter(|| naive_route(&f.naive_routes, black_box("/api/v3/resource-409/items/7")))
    });
    group.bench_function(
        "licman seed table /%64evices/7/config (escape decoded)",
        |b| b.iter(|| seed.authorize(black_box("/%64evices/7/config"), Some(license), None, now)),
    );
    group.bench_function("licman seed table folding case /Devices/7/config", |b| {
        b.iter(|| {
            f.folding_routes
                .authorize(black_box("/Devices/7/config"), Some(license), None, now)
        })
    });
    group.finish();

    // The checks that take `now` keep a high-water mark of the latest time
    // seen; the baseline is the window check without it (what they cost
    // before the mark).
    let verified = license.license();
    let claims = verified.claims();
    let mut group = c.benchmark_group("validity at now");
    group.bench_function("window check without a mark (baseline)", |b| {
        b.iter(|| {
            let now = black_box(now);
            claims.starts_at <= now
                && claims
                    .expires_at
                    .is_none_or(|e| now < e.saturating_add(claims.grace_period))
        })
    });
    group.bench_function("is_usable_at, same now", |b| {
        b.iter(|| verified.is_usable_at(black_box(now)))
    });
    group.bench_function("status_at, same now", |b| {
        b.iter(|| verified.status_at(black_box(now)))
    });
    let mut tick = now.unix_seconds();
    let advancing = verified.clone();
    group.bench_function(
        "is_usable_at, now one second later each call (atomic update)",
        |b| {
            b.iter(|| {
                tick += 1;
                advancing.is_usable_at(black_box(licman_core::Timestamp::from_unix_seconds(tick)))
            })
        },
    );
    group.finish();
}

criterion_group!(benches, verification, hot_paths);
criterion_main!(benches);

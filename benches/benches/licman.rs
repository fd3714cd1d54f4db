//! `cargo bench -p licman-benches` — licman against the `verify_strict` floor.

#![allow(clippy::expect_used)] // fixed inputs; a failure is a bug in the benchmark

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature, Signer as _, SigningKey as DalekKey};
use licman_benches::{professional_claims, signing_key};
use licman_core::{KeyRing, Timestamp, VerifyOptions};

fn verification(c: &mut Criterion) {
    let key = signing_key();
    let license = key.issue(&professional_claims()).expect("issue");
    let compact = license.to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let now = Timestamp::from_date(2026, 6, 1).expect("date");

    // The floor: one strict Ed25519 verification of a message of the same length.
    let dalek = DalekKey::from_bytes(&key.to_seed());
    let message = vec![0x42u8; license.as_bytes().len() - 64 + b"licman/license\0".len()];
    let signature: Signature = dalek.sign(&message);
    let verifying = dalek.verifying_key();

    let mut group = c.benchmark_group("verify");
    group.bench_function("ed25519-dalek verify_strict (floor)", |b| {
        b.iter(|| verifying.verify_strict(black_box(&message), black_box(&signature)))
    });
    group.bench_function("licman compact key -> VerifiedLicense", |b| {
        b.iter(|| ring.verify(black_box(&compact), &VerifyOptions::new("netaudit", now)))
    });
    group.bench_function("licman parse only", |b| {
        b.iter(|| licman_core::UnverifiedLicense::parse(black_box(&compact)))
    });
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);

//! The floor under `licman-keygen issue --batch`: signing a license and
//! verifying it again (what keygen does for every row before it records or
//! prints it), for 10,000 licenses, on one core and on every core. Printed
//! beside the batch's own time by `.ci/bench-keygen.sh`.
//!
//! ```text
//! sign-floor [COUNT]      # default 10000
//! ```

use std::hint::black_box;
use std::time::Instant;

use licman_benches::professional_claims;
use licman_core::{KeyRing, LicenseId, Policy, SigningKey, UnverifiedLicense, VerifyOptions};

fn sign_and_verify(key: &SigningKey, ring: &KeyRing, n: usize, offset: usize) -> usize {
    let mut claims = professional_claims();
    let options = VerifyOptions::new("netaudit", claims.issued_at).policy(Policy::Advisory);
    let mut ok = 0;
    for i in 0..n {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&((offset + i) as u64).to_le_bytes());
        id[15] = 0x42;
        claims.license_id = LicenseId::from_random_bytes(id);
        let Ok(issued) = key.issue(black_box(&claims)) else {
            continue;
        };
        let verified =
            UnverifiedLicense::parse(&issued.to_compact()).and_then(|l| l.verify(ring, &options));
        ok += usize::from(verified.is_ok_and(|v| v.claims() == &claims));
    }
    ok
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let key = SigningKey::from_seed(&[7u8; 32]);
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let started = Instant::now();
    let ok = sign_and_verify(&key, &ring, count, 0);
    let one_core = started.elapsed();
    assert_eq!(ok, count, "every license verifies");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let per = count.div_ceil(cores);
    let ok: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores)
            .map(|c| {
                let (key, ring) = (&key, &ring);
                scope.spawn(move || {
                    sign_and_verify(key, ring, per.min(count.saturating_sub(c * per)), c * per)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let all_cores = started.elapsed();
    assert_eq!(ok, count, "every license verifies");
    println!(
        "sign + verify, {count} licenses: {:.3} s on one core ({:.1} µs each), {:.3} s on {cores} cores",
        one_core.as_secs_f64(),
        one_core.as_secs_f64() * 1e6 / count as f64,
        all_cores.as_secs_f64()
    );
}

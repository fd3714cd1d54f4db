//! Times `Entitlements::verify` (parse, verify, bind to the catalog)
//! natively on a given license, for comparison with a binding's timing of
//! the same call in the same run (see `bindings/python/bench.py`). Prints
//! the median nanoseconds per call.
//!
//! ```text
//! native-timing LICENSE_TEXT PUBLIC_KEY_TEXT CATALOG.toml NOW_UNIX_SECONDS
//! ```

use std::hint::black_box;
use std::time::Instant;

use licman_core::{Catalog, Entitlements, KeyRing, Timestamp, VerifyOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [license, key, catalog, now] = args.as_slice() else {
        return Err("usage: native-timing LICENSE PUBLIC_KEY CATALOG.toml NOW_UNIX_SECONDS".into());
    };
    let ring = KeyRing::from_texts([key.as_str()])?;
    let catalog = Catalog::from_toml(&std::fs::read_to_string(catalog)?)?;
    let now = Timestamp::from_unix_seconds(now.parse()?);
    let options = VerifyOptions::new(catalog.product(), now);
    Entitlements::verify(&ring, license, &catalog, &options)?;
    let mut samples = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        for _ in 0..300 {
            black_box(Entitlements::verify(
                &ring,
                black_box(license),
                &catalog,
                &options,
            ))?;
        }
        samples.push(started.elapsed().as_nanos() / 300);
    }
    samples.sort_unstable();
    println!("{}", samples[samples.len() / 2]);
    Ok(())
}

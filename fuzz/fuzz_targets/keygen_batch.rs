//! keygen's batch CSV rows (columns, lists, dates, durations, quotas,
//! fingerprints, metadata) never panic, whatever the text.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use licman_core::Catalog;

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml")).expect("catalog"));

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = licman_keygen::fuzz::batch_rows(text, &CATALOG);
    }
});

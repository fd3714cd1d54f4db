//! keygen's import parser (CSV or JSON exports) never panics on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = licman_keygen::fuzz::import_rows(text);
    }
});

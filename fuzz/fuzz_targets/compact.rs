//! The compact key parser never panics, and whatever it accepts re-encodes
//! to exactly the text it was given (one spelling per license).
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::UnverifiedLicense;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(license) = UnverifiedLicense::from_compact(text) {
        assert_eq!(license.to_compact(), text.trim());
    }
});

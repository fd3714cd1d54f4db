//! The armored parser never panics, and whatever it accepts is the same
//! license as its binary form and re-armors to the canonical text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::UnverifiedLicense;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(license) = UnverifiedLicense::from_armored(text) {
        let again = UnverifiedLicense::from_bytes(license.as_bytes()).expect("accepted bytes parse again");
        assert_eq!(again, license);
        assert_eq!(UnverifiedLicense::from_armored(&license.to_armored()).as_ref(), Ok(&license));
    }
});

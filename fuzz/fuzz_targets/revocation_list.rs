//! The revocation list parser never panics; an accepted list's ids are
//! strictly ascending and its binary form parses back to the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::UnverifiedRevocationList;

fuzz_target!(|data: &[u8]| {
    let parsed = match std::str::from_utf8(data) {
        Ok(text) => UnverifiedRevocationList::parse(text),
        Err(_) => UnverifiedRevocationList::from_bytes(data),
    };
    if let Ok(list) = parsed {
        assert!(list.untrusted_revoked().windows(2).all(|w| w[0] < w[1]));
        let again = UnverifiedRevocationList::from_bytes(list.as_bytes()).expect("accepted bytes parse again");
        assert_eq!(again, list);
    }
});

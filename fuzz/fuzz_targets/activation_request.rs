//! The activation request parser never panics, and whatever it accepts
//! encodes back to the same bytes (one spelling per request) and reads back
//! to itself from both text forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::ActivationRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(request) = ActivationRequest::parse(text) {
        let compact = request.to_text().expect("an accepted request encodes");
        let armored = request.to_armored().expect("an accepted request encodes");
        if !text.trim_start().starts_with("-----") {
            assert_eq!(compact, text.trim());
        }
        assert_eq!(ActivationRequest::parse(&compact).as_ref(), Ok(&request));
        assert_eq!(ActivationRequest::parse(&armored).as_ref(), Ok(&request));
    }
});

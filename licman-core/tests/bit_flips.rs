//! Every single-bit change to a valid license is rejected: in the compact
//! text and in the decoded envelope.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::{KeyRing, SigningKey, Timestamp, UnverifiedLicense, VerifyOptions};

fn setup() -> (KeyRing, String, Vec<u8>) {
    let key = SigningKey::from_seed(&[9; 32]);
    let license = key.issue(&licman_core::__doc_claims()).expect("issue");
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    (ring, license.to_compact(), license.as_bytes().to_vec())
}

fn options() -> VerifyOptions<'static> {
    VerifyOptions::new("netaudit", Timestamp::from_date(2026, 6, 1).expect("date"))
}

#[test]
fn the_unmodified_license_verifies() {
    let (ring, text, _) = setup();
    assert!(ring.verify(&text, &options()).is_ok());
}

#[test]
fn every_bit_flip_of_the_compact_text_is_rejected() {
    let (ring, text, _) = setup();
    let mut checked = 0;
    for index in 0..text.len() {
        for bit in 0..8 {
            let mut bytes = text.clone().into_bytes();
            bytes[index] ^= 1 << bit;
            // A flip that breaks UTF-8 cannot even be passed as text.
            let Ok(flipped) = String::from_utf8(bytes) else {
                continue;
            };
            let result = ring.verify(&flipped, &options());
            assert!(
                result.is_err(),
                "flip of bit {bit} at char {index} accepted: {flipped}"
            );
            checked += 1;
        }
    }
    assert!(checked > text.len() * 6, "too few flips checked: {checked}");
}

#[test]
fn every_bit_flip_of_the_envelope_is_rejected() {
    let (ring, _, bytes) = setup();
    for index in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[index] ^= 1 << bit;
            let result =
                UnverifiedLicense::from_bytes(&flipped).and_then(|l| l.verify(&ring, &options()));
            assert!(
                result.is_err(),
                "flip of bit {bit} at byte {index} accepted"
            );
        }
    }
}

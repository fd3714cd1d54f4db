//! `testdata/fixtures/activation-requests.json` against the core: each
//! request built from its fields gives its text, each text (compact and
//! armored) reads back to its fields, each refused text gives the code the
//! specification declares, and the bound license answers its request on
//! its machine only. Every binding runs the same file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::{ActivationRequest, Fingerprint, KeyRing, LicenseId, Timestamp, VerifyOptions};
use proptest::prelude::*;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/fixtures/activation-requests.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn request_of(fields: &Value) -> ActivationRequest {
    let mut nonce = [0u8; 16];
    let hex = fields["nonce"].as_str().unwrap();
    for (i, slot) in nonce.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    ActivationRequest {
        product: fields["product"].as_str().unwrap().into(),
        fingerprint: fields["fingerprint"].as_str().unwrap().parse().unwrap(),
        customer_id: fields["customer_id"].as_str().map(Into::into),
        license_id: fields["license_id"]
            .as_str()
            .map(|id| id.parse::<LicenseId>().unwrap()),
        nonce,
        created_at: Timestamp::from_unix_seconds(fields["created_at"].as_u64().unwrap()),
    }
}

#[test]
fn valid_requests_encode_to_their_texts_and_back() {
    let doc = fixture();
    let valid = doc["valid"].as_array().unwrap();
    assert!(valid.len() >= 3);
    for case in valid {
        let request = request_of(&case["fields"]);
        assert_eq!(
            request.to_text().unwrap(),
            case["text"].as_str().unwrap(),
            "{}",
            case["about"]
        );
        assert_eq!(
            request.to_armored().unwrap(),
            case["armored"].as_str().unwrap()
        );
        assert_eq!(
            ActivationRequest::parse(case["text"].as_str().unwrap()).unwrap(),
            request
        );
        assert_eq!(
            ActivationRequest::parse(case["armored"].as_str().unwrap()).unwrap(),
            request
        );
        assert_eq!(
            request.nonce_hex(),
            case["fields"]["nonce"].as_str().unwrap()
        );
    }
    let first = &valid[0]["fields"];
    let machine = Fingerprint::of_machine(
        doc["product"].as_str().unwrap(),
        doc["machine_id"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(first["fingerprint"].as_str().unwrap(), machine.to_string());
}

#[test]
fn refused_texts_give_their_codes() {
    let doc = fixture();
    let invalid = doc["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 12);
    for case in invalid {
        let err = ActivationRequest::parse(case["text"].as_str().unwrap())
            .expect_err(case["about"].as_str().unwrap());
        assert_eq!(
            err.code(),
            case["error"].as_str().unwrap(),
            "{}: {err}",
            case["about"]
        );
    }
}

#[test]
fn the_bound_license_answers_its_request_on_its_machine_only() {
    let doc = fixture();
    let answer = &doc["answer"];
    let ring = KeyRing::from_texts([answer["public_key"].as_str().unwrap()]).unwrap();
    let now = Timestamp::from_unix_seconds(answer["now"].as_u64().unwrap());
    let mine: Fingerprint = doc["fingerprint"].as_str().unwrap().parse().unwrap();
    let product = doc["product"].as_str().unwrap();
    let license = ring
        .verify(
            answer["license"].as_str().unwrap(),
            &VerifyOptions::new(product, now).fingerprints(&[mine]),
        )
        .unwrap();
    let request = ActivationRequest::parse(doc["valid"][0]["text"].as_str().unwrap()).unwrap();
    assert!(request.is_answered_by(license.claims()));
    let other_request =
        ActivationRequest::parse(doc["valid"][1]["text"].as_str().unwrap()).unwrap();
    assert!(!other_request.is_answered_by(license.claims()));
    let other: Fingerprint = answer["other_fingerprint"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let err = ring
        .verify(
            answer["license"].as_str().unwrap(),
            &VerifyOptions::new(product, now).fingerprints(&[other]),
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        answer["error_on_other_machine"].as_str().unwrap()
    );
}

fn field() -> impl Strategy<Value = String> {
    "[a-z0-9\\-._@ é]{1,40}"
}

proptest! {
    /// Every valid request reads back from both texts exactly, and any
    /// single-bit change to its bytes is refused (the checksum, or a
    /// stricter check before it).
    #[test]
    fn requests_round_trip_and_bit_flips_are_refused(
        product in field(),
        customer in proptest::option::of(field()),
        license in proptest::option::of(any::<[u8; 16]>()),
        fingerprint in any::<[u8; 32]>(),
        nonce in any::<[u8; 16]>(),
        created_at in 0..=Timestamp::LATEST.unix_seconds(),
        flip in any::<proptest::sample::Index>(),
        bit in 0u8..8,
    ) {
        let request = ActivationRequest {
            product,
            fingerprint: Fingerprint::from_bytes(fingerprint),
            customer_id: customer,
            license_id: license.map(LicenseId::from_bytes),
            nonce,
            created_at: Timestamp::from_unix_seconds(created_at),
        };
        prop_assert_eq!(ActivationRequest::parse(&request.to_text().unwrap()).unwrap(), request.clone());
        prop_assert_eq!(ActivationRequest::parse(&request.to_armored().unwrap()).unwrap(), request.clone());
        let mut bytes = request.to_bytes().unwrap();
        let i = flip.index(bytes.len());
        bytes[i] ^= 1 << bit;
        prop_assert!(ActivationRequest::from_bytes(&bytes).is_err());
    }

    /// A time after 9999 is refused when written (and read: the bytes
    /// cannot be made without the check, so the decoder's is in the unit
    /// tests).
    #[test]
    fn a_request_after_9999_is_refused(late in (Timestamp::LATEST.unix_seconds() + 1)..) {
        let request = ActivationRequest {
            product: "netaudit".into(),
            fingerprint: Fingerprint::from_bytes([1; 32]),
            customer_id: None,
            license_id: None,
            nonce: [0; 16],
            created_at: Timestamp::from_unix_seconds(late),
        };
        prop_assert_eq!(
            request.to_text(),
            Err(licman_core::Error::InvalidClaims(licman_core::ClaimsError::TimeOutOfRange))
        );
    }
}

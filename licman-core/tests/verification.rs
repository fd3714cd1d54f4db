//! Verification behaviour, error by error, with the values each error carries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::time::Duration;

use licman_core::*;

const DAY: u64 = 86_400;

fn date(y: u32, m: u32, d: u32) -> Timestamp {
    Timestamp::from_date(y, m, d).expect("valid date")
}

struct Fixture {
    key: SigningKey,
    ring: KeyRing,
    text: String,
}

fn fixture() -> Fixture {
    let key = SigningKey::from_seed(&[11; 32]);
    let claims = licman_core::__doc_claims();
    let text = key.issue(&claims).expect("issue").to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    Fixture { key, ring, text }
}

#[test]
fn errors_carry_the_values_a_person_needs() {
    let f = fixture();
    let now = date(2027, 2, 1);
    let err = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netaudit", now))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Expired {
            now,
            expires_at: date(2027, 1, 1),
            grace_ends_at: date(2027, 1, 15)
        }
    );

    let other = SigningKey::from_seed(&[12; 32]);
    let err = KeyRing::from_keys([other.public_key().clone()])
        .verify(&f.text, &VerifyOptions::new("netaudit", date(2026, 6, 1)))
        .unwrap_err();
    assert_eq!(
        err,
        Error::UnknownKey {
            key_id: f.key.key_id()
        }
    );
    assert!(err.to_string().contains(&f.key.key_id().to_string()));

    let err = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netmonitor", date(2026, 6, 1)))
        .unwrap_err();
    assert_eq!(
        err,
        Error::WrongProduct {
            expected: "netmonitor".into(),
            found: "netaudit".into()
        }
    );
}

#[test]
fn size_cap_is_checked_before_decoding() {
    let f = fixture();
    let huge = format!("{}{}", f.text, " ".repeat(MAX_LICENSE_TEXT_LEN));
    assert_eq!(
        UnverifiedLicense::parse(&huge),
        Err(Error::TooLarge {
            len: huge.len(),
            max: MAX_LICENSE_TEXT_LEN
        })
    );
    let huge_bytes = vec![1u8; MAX_LICENSE_LEN + 1];
    assert_eq!(
        UnverifiedLicense::from_bytes(&huge_bytes),
        Err(Error::TooLarge {
            len: MAX_LICENSE_LEN + 1,
            max: MAX_LICENSE_LEN
        })
    );
}

#[test]
fn status_can_be_recomputed_later_without_reverifying() {
    let f = fixture();
    let license = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netaudit", date(2026, 6, 1)))
        .unwrap();
    assert_eq!(license.status(), Status::Active);
    assert_eq!(
        license.status_at(date(2026, 12, 31)),
        Status::ExpiringSoon { days_left: 1 }
    );
    assert_eq!(
        license.status_at(date(2027, 1, 1)),
        Status::InGrace { days_left: 14 }
    );
    assert_eq!(license.status_at(date(2027, 1, 15)), Status::Expired);
    assert_eq!(
        license.status_at(date(2025, 12, 31)),
        Status::NotYetValid {
            days_until_start: 1
        }
    );
    assert_eq!(license.days_until_expiry(date(2026, 6, 1)), Some(214));
    assert_eq!(license.days_until_expiry(date(2027, 1, 1)), Some(0));
}

#[test]
fn a_custom_expiring_soon_window_applies() {
    let f = fixture();
    let options = VerifyOptions::new("netaudit", date(2026, 12, 10))
        .expiring_soon_window(Duration::from_secs(7 * DAY));
    assert_eq!(
        f.ring.verify(&f.text, &options).unwrap().status(),
        Status::Active
    );
}

#[test]
fn advisory_lists_every_problem_in_check_order() {
    let key = SigningKey::from_seed(&[13; 32]);
    let mut claims = f_claims();
    claims.machine_binding =
        Some(MachineBinding::new([Fingerprint::digest(b"m1")], MatchPolicy::Any).unwrap());
    let text = key.issue(&claims).unwrap().to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let list = key
        .issue_revocation_list("netaudit", 5, date(2026, 1, 2), [claims.license_id])
        .unwrap()
        .verify(&ring, "netaudit")
        .unwrap();
    let options = VerifyOptions::new("netaudit", date(2027, 3, 1))
        .revocations(&list)
        .policy(Policy::Advisory);
    let license = ring.verify(&text, &options).unwrap();
    let codes: Vec<&str> = license.problems().iter().map(Error::code).collect();
    assert_eq!(codes, ["revoked", "machine_mismatch", "expired"]);
    assert_eq!(license.status(), Status::Expired);
    assert_eq!(
        license.problems()[0],
        Error::Revoked {
            license_id: claims.license_id,
            list_serial: 5
        }
    );
    assert_eq!(
        license.problems()[1],
        Error::MachineMismatch {
            policy: MatchPolicy::Any,
            matched: 0,
            required: 1
        }
    );
}

fn f_claims() -> Claims {
    licman_core::__doc_claims()
}

#[test]
fn revocation_lists_are_strict_too() {
    let f = fixture();
    let list = f
        .key
        .issue_revocation_list("netaudit", 1, date(2026, 1, 1), [])
        .unwrap();
    // Another product.
    assert!(matches!(
        list.clone().verify(&f.ring, "netmonitor"),
        Err(Error::WrongProduct { .. })
    ));
    // Another key.
    let other = KeyRing::from_keys([SigningKey::from_seed(&[99; 32]).public_key().clone()]);
    assert!(matches!(
        list.clone().verify(&other, "netaudit"),
        Err(Error::UnknownKey { .. })
    ));
    // A tampered serial.
    let mut bytes = list.as_bytes().to_vec();
    let serial_at = 1 + 8 + 1 + "netaudit".len();
    assert_eq!(bytes[serial_at], 1);
    bytes[serial_at] = 2;
    let tampered = UnverifiedRevocationList::from_bytes(&bytes).unwrap();
    assert!(matches!(
        tampered.verify(&f.ring, "netaudit"),
        Err(Error::BadSignature { .. })
    ));
    // A license is not a revocation list, and its signature does not carry over.
    let license = UnverifiedLicense::parse(&f.text).unwrap();
    assert!(UnverifiedRevocationList::from_bytes(license.as_bytes()).is_err());
    // Armor of the wrong kind.
    assert!(matches!(
        RevocationList::verify(&license.to_armored(), &f.ring, "netaudit"),
        Err(Error::WrongPrefix { .. })
    ));
}

#[test]
fn issue_refuses_bad_claims_with_typed_errors() {
    let key = SigningKey::from_seed(&[14; 32]);
    let mut claims = f_claims();
    claims.expires_at = Some(claims.starts_at);
    assert_eq!(
        key.issue(&claims).unwrap_err(),
        Error::InvalidClaims(ClaimsError::ExpiryNotAfterStart {
            starts_at: claims.starts_at,
            expires_at: claims.starts_at
        })
    );
    let mut claims = f_claims();
    claims.product.clear();
    assert_eq!(
        key.issue(&claims).unwrap_err(),
        Error::InvalidClaims(ClaimsError::EmptyProduct)
    );
    let mut claims = f_claims();
    claims.grace_period = Duration::from_millis(1500);
    assert_eq!(
        key.issue(&claims).unwrap_err(),
        Error::InvalidClaims(ClaimsError::FractionalSeconds)
    );
    let mut claims = f_claims();
    claims.issued_at = Timestamp::from_unix_seconds(u64::MAX);
    claims.starts_at = Timestamp::UNIX_EPOCH;
    assert_eq!(
        key.issue(&claims).unwrap_err(),
        Error::InvalidClaims(ClaimsError::TimeOutOfRange)
    );
}

#[test]
fn the_typical_professional_key_fits_in_240_characters() {
    let key = SigningKey::from_seed(&[15; 32]);
    let text = key.issue(&f_claims()).unwrap().to_compact();
    assert!(text.len() <= 240, "{} characters: {text}", text.len());
}

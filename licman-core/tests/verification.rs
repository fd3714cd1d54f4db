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
        Status::Expired,
        "judged at the latest time seen, not at a clock turned back"
    );
    let fresh = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netaudit", date(2026, 6, 1)))
        .unwrap();
    assert_eq!(fresh.days_until_expiry(date(2026, 6, 1)), Some(214));
    assert_eq!(fresh.days_until_expiry(date(2027, 1, 1)), Some(0));
}

/// The finding: the last-seen check ran only at verify time, so a clock
/// turned back in a long-running process made an expired license usable
/// again (verify at 2026-06-01, refused at 2027-03-01, allowed at
/// 2026-07-01).
#[test]
fn a_clock_turned_back_after_verification_is_refused() {
    let f = fixture();
    let catalog = licman_core::__doc_catalog();
    let license = Entitlements::verify(
        &f.ring,
        &f.text,
        &catalog,
        &VerifyOptions::new("netaudit", date(2026, 6, 1)),
    )
    .unwrap();
    let routes = catalog.routes();
    assert!(
        routes
            .authorize("/devices", Some(&license), None, date(2026, 6, 2))
            .is_ok()
    );
    let expired = routes
        .authorize("/devices", Some(&license), None, date(2027, 3, 1))
        .unwrap_err();
    assert_eq!(expired.code(), "license_expired");
    let turned_back = routes
        .authorize("/devices", Some(&license), None, date(2026, 7, 1))
        .unwrap_err();
    assert_eq!(
        (turned_back.code(), turned_back.http_status()),
        ("clock_error", 402)
    );
    assert!(turned_back.body_json().contains("clock_rolled_back"));
    assert!(!license.is_usable_at(date(2026, 7, 1)));
    assert_eq!(license.status_at(date(2026, 7, 1)), Status::Expired);
    assert_eq!(license.license().last_seen(), date(2027, 3, 1));
    assert_eq!(
        license.license().check_usable_at(date(2026, 7, 1)),
        Err(Error::ClockRolledBack {
            now: date(2026, 7, 1),
            last_seen: date(2027, 3, 1)
        })
    );
    // Within the clock tolerance is not a rollback.
    let license = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netaudit", date(2026, 6, 1)))
        .unwrap();
    let noon = Timestamp::from_civil(2026, 6, 1, 12, 0, 0).unwrap();
    assert!(license.is_usable_at(noon));
    assert!(license.is_usable_at(Timestamp::from_civil(2026, 6, 1, 11, 0, 0).unwrap()));
    assert!(!license.is_usable_at(Timestamp::from_civil(2026, 6, 1, 10, 59, 59).unwrap()));
    // The mark carries over a restart through `last_seen`.
    let next_start =
        VerifyOptions::new("netaudit", date(2026, 5, 1)).last_seen(license.last_seen());
    assert_eq!(
        f.ring.verify(&f.text, &next_start).unwrap_err().code(),
        "clock_rolled_back"
    );
}

/// Threads racing to raise the mark leave it at the latest time any of
/// them saw, and it never moves back in between.
#[test]
fn the_mark_is_monotone_under_racing_threads() {
    let f = fixture();
    let start = date(2026, 2, 1).unix_seconds();
    let license = f
        .ring
        .verify(&f.text, &VerifyOptions::new("netaudit", date(2026, 2, 1)))
        .unwrap();
    let latest = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4u64)
            .map(|w| {
                let license = &license;
                scope.spawn(move || {
                    let mut max_seen = 0;
                    let mut previous = license.last_seen();
                    for i in 0..20_000u64 {
                        // Each thread moves forward in its own stride.
                        let t = start + (i * (w + 1)) % 100_000;
                        max_seen = max_seen.max(t);
                        let _ = license.is_usable_at(Timestamp::from_unix_seconds(t));
                        let now_seen = license.last_seen();
                        assert!(now_seen >= previous, "the mark moved back");
                        previous = now_seen;
                    }
                    max_seen
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .max()
            .unwrap()
    });
    assert_eq!(license.last_seen(), Timestamp::from_unix_seconds(latest));
}

/// The finding: nothing compared a list's serial or issue time with
/// anything, so an older signed list that lacks a revoked id verified.
#[test]
fn an_older_revocation_list_is_refused() {
    let f = fixture();
    let id = f_claims().license_id;
    let now = date(2026, 6, 1);
    let old = f
        .key
        .issue_revocation_list("netaudit", 4, date(2026, 3, 1), [])
        .unwrap()
        .verify(&f.ring, "netaudit")
        .unwrap();
    let new = f
        .key
        .issue_revocation_list("netaudit", 5, date(2026, 5, 30), [id])
        .unwrap()
        .verify(&f.ring, "netaudit")
        .unwrap();
    // The host keeps the highest serial it accepted.
    let high_water = new.serial();
    let with = |list| {
        VerifyOptions::new("netaudit", now)
            .revocations(list)
            .min_revocation_serial(high_water)
    };
    assert_eq!(
        f.ring.verify(&f.text, &with(&new)).unwrap_err().code(),
        "revoked"
    );
    assert_eq!(
        f.ring.verify(&f.text, &with(&old)).unwrap_err(),
        Error::StaleRevocationList {
            serial: 4,
            issued_at: date(2026, 3, 1),
            min_serial: 5,
            issued_not_before: Timestamp::UNIX_EPOCH,
        }
    );
    // Refused under Advisory too: a stale list is not a validity problem.
    let advisory = with(&old).policy(Policy::Advisory);
    assert_eq!(
        f.ring.verify(&f.text, &advisory).unwrap_err().code(),
        "stale_revocation_list"
    );
    // By age: a list older than 30 days at `now`.
    let month = Duration::from_secs(30 * DAY);
    let by_age = |list| {
        VerifyOptions::new("netaudit", now)
            .revocations(list)
            .max_revocation_age(month)
    };
    assert_eq!(
        f.ring.verify(&f.text, &by_age(&old)).unwrap_err().code(),
        "stale_revocation_list"
    );
    assert_eq!(
        f.ring.verify(&f.text, &by_age(&new)).unwrap_err().code(),
        "revoked"
    );
    // No list at all, where the host asks for a recent one: refused (the
    // list file deleted must not undo the revocation), under every policy.
    let none = VerifyOptions::new("netaudit", now).min_revocation_serial(high_water);
    let missing = f.ring.verify(&f.text, &none).unwrap_err();
    assert_eq!(
        missing,
        Error::StaleRevocationList {
            serial: 0,
            issued_at: Timestamp::UNIX_EPOCH,
            min_serial: 5,
            issued_not_before: Timestamp::UNIX_EPOCH,
        }
    );
    assert!(
        missing
            .to_string()
            .starts_with("no revocation list was given"),
        "{missing}"
    );
    assert_eq!(
        f.ring
            .verify(&f.text, &none.clone().policy(Policy::ReportOnly))
            .unwrap_err()
            .code(),
        "stale_revocation_list"
    );
    // By age too, even an age longer than the time since 1970.
    for age in [month, Duration::from_secs(u64::MAX)] {
        let aged = VerifyOptions::new("netaudit", now).max_revocation_age(age);
        assert_eq!(
            f.ring.verify(&f.text, &aged).unwrap_err().code(),
            "stale_revocation_list"
        );
    }
    // A host that asks for neither verifies without a list.
    assert!(
        f.ring
            .verify(&f.text, &VerifyOptions::new("netaudit", now))
            .is_ok()
    );
}

/// The finding: under Advisory, `authorize` ignored `problems()`, so a
/// revoked license or one bound to another machine still unlocked modules.
#[test]
fn advisory_checks_refuse_revoked_and_other_machines_licenses() {
    let key = SigningKey::from_seed(&[13; 32]);
    let mut claims = f_claims();
    claims.machine_binding =
        Some(MachineBinding::new([Fingerprint::digest(b"m1")], MatchPolicy::Any).unwrap());
    let text = key.issue(&claims).unwrap().to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let catalog = licman_core::__doc_catalog();
    let now = date(2026, 6, 1);
    let here = [Fingerprint::digest(b"m1")];
    let list = key
        .issue_revocation_list("netaudit", 5, date(2026, 1, 2), [claims.license_id])
        .unwrap()
        .verify(&ring, "netaudit")
        .unwrap();
    let cases = [
        (
            VerifyOptions::new("netaudit", now)
                .revocations(&list)
                .fingerprints(&here),
            "license_revoked",
        ),
        (VerifyOptions::new("netaudit", now), "wrong_machine"),
    ];
    for (options, code) in cases {
        let advisory = Entitlements::verify(
            &ring,
            &text,
            &catalog,
            &options.clone().policy(Policy::Advisory),
        )
        .unwrap();
        assert!(!advisory.license().problems().is_empty());
        assert!(!advisory.is_usable_at(now));
        let denial = catalog
            .routes()
            .authorize("/devices", Some(&advisory), None, now)
            .unwrap_err();
        assert_eq!((denial.code(), denial.http_status()), (code, 402));
        assert_eq!(advisory.check_valid_at(now).unwrap_err().code(), code);
        // The host that opts out keeps today's fail-open behaviour.
        let report_only =
            Entitlements::verify(&ring, &text, &catalog, &options.policy(Policy::ReportOnly))
                .unwrap();
        assert!(report_only.is_usable_at(now));
        assert!(
            catalog
                .routes()
                .authorize("/devices", Some(&report_only), None, now)
                .is_ok()
        );
    }
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

/// Each error type declares its codes once; the bindings check their class
/// tables against these lists, so they must be unique and stable.
#[test]
fn stable_codes_are_declared_once_and_unique() {
    for codes in [Error::CODES, Denial::CODES, CatalogError::CODES] {
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        assert!(
            codes
                .iter()
                .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
    assert!(Error::CODES.contains(&Error::Truncated.code()));
    assert!(Error::CODES.contains(&"stale_revocation_list"));
    assert!(Denial::CODES.contains(&Denial::NoLicense.code()));
    assert!(Denial::CODES.contains(&"unlisted_path"));
}

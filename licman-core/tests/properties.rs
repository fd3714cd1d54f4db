//! Laws checked over generated inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeMap;
use std::time::Duration;

use licman_core::{
    Claims, Customer, Fingerprint, KeyRing, LicenseId, MachineBinding, MatchPolicy, ModuleId,
    ModuleSet, QuotaId, QuotaLimit, SigningKey, Status, Timestamp, UnverifiedLicense,
    UnverifiedRevocationList, VerifyOptions,
};
use proptest::prelude::*;

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect())
}

fn non_empty(max: usize) -> impl Strategy<Value = String> {
    text(max).prop_filter("non-empty", |s| !s.is_empty())
}

fn quota_limit() -> impl Strategy<Value = QuotaLimit> {
    prop_oneof![
        Just(QuotaLimit::Unlimited),
        (0..u64::MAX).prop_map(QuotaLimit::Limited)
    ]
}

fn binding() -> impl Strategy<Value = Option<MachineBinding>> {
    proptest::option::of(
        (
            proptest::collection::btree_set(any::<[u8; 32]>(), 1..6),
            0u8..4,
        )
            .prop_map(|(fps, p)| {
                let n = fps.len();
                let policy = match p {
                    0 => MatchPolicy::Any,
                    1 => MatchPolicy::All,
                    _ => MatchPolicy::AtLeast(u8::try_from(n.min(usize::from(p))).unwrap_or(1)),
                };
                MachineBinding::new(fps.into_iter().map(Fingerprint::from_bytes), policy)
                    .expect("valid binding")
            }),
    )
}

prop_compose! {
    fn claims()(
        id in any::<[u8; 16]>(),
        product in non_empty(20),
        customer_id in non_empty(30),
        name in proptest::option::of(text(30)),
        email in proptest::option::of(text(30)),
        tier in non_empty(20),
        modules in proptest::collection::vec(any::<u8>(), 0..40),
        quotas in proptest::collection::btree_map(any::<u8>(), quota_limit(), 0..8),
        // Every time stays before Timestamp::LATEST (2^37 + 2^32 + 2^36 <
        // 253,402,300,799): a later one is refused, which has its own test.
        issued in 0u64..(1 << 37),
        start_offset in -(1i64 << 32)..(1i64 << 32),
        valid_for in proptest::option::of(1u64..(1 << 36)),
        grace in 0u64..(1 << 32),
        machine_binding in binding(),
        metadata in proptest::collection::btree_map(non_empty(10), text(20), 0..5),
    ) -> Claims {
        let start = issued.saturating_add_signed(start_offset);
        Claims {
            license_id: LicenseId::from_bytes(id),
            product,
            customer: Customer { id: customer_id, name, email },
            tier,
            modules: modules.into_iter().map(ModuleId).collect(),
            quotas: quotas.into_iter().map(|(k, v)| (QuotaId(k), v)).collect(),
            issued_at: Timestamp::from_unix_seconds(issued),
            starts_at: Timestamp::from_unix_seconds(start),
            expires_at: valid_for.map(|d| Timestamp::from_unix_seconds(start + d)),
            grace_period: Duration::from_secs(grace),
            machine_binding,
            metadata,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Issue → compact text → parse gives back exactly the claims, and the
    /// armored form agrees.
    #[test]
    fn claims_round_trip_through_both_text_forms(claims in claims()) {
        let key = SigningKey::from_seed(&[3; 32]);
        let license = key.issue(&claims).expect("valid claims issue");
        let parsed = UnverifiedLicense::parse(&license.to_compact()).expect("parse compact");
        prop_assert_eq!(parsed.untrusted_claims(), &claims);
        let armored = UnverifiedLicense::parse(&license.to_armored()).expect("parse armored");
        prop_assert_eq!(armored.as_bytes(), license.as_bytes());
    }

    /// A verified license agrees with the claims it was issued with.
    #[test]
    fn verified_license_answers_from_its_claims(claims in claims(), probe in any::<u8>()) {
        let key = SigningKey::from_seed(&[4; 32]);
        let text = key.issue(&claims).expect("issue").to_compact();
        let ring = KeyRing::from_keys([key.public_key().clone()]);
        let now = claims.starts_at;
        let options = VerifyOptions::new(&claims.product, now)
            .policy(licman_core::Policy::Advisory);
        let license = ring.verify(&text, &options).expect("verify");
        prop_assert_eq!(license.has_module(ModuleId(probe)), claims.modules.contains(ModuleId(probe)));
        prop_assert_eq!(license.quota(QuotaId(probe)), claims.quotas.get(&QuotaId(probe)).copied());
    }

    /// `is_usable_at` (a few comparisons, used on every request) agrees with
    /// a reference built from the full status at every boundary and at
    /// random times: judged at the later of `now` and the latest time seen,
    /// refused when `now` is behind that by more than the clock tolerance or
    /// the license was issued later than the tolerance allows, or it is bound
    /// to other machines (a standing problem under Advisory); and
    /// `check_usable_at` says the same.
    #[test]
    fn usable_agrees_with_status(claims in claims(), random in any::<u64>()) {
        let key = SigningKey::from_seed(&[4; 32]);
        let text = key.issue(&claims).expect("issue").to_compact();
        let ring = KeyRing::from_keys([key.public_key().clone()]);
        let options = VerifyOptions::new(&claims.product, claims.starts_at)
            .policy(licman_core::Policy::Advisory);
        let verified = ring.verify(&text, &options).expect("verify");
        let tolerance = licman_core::DEFAULT_CLOCK_TOLERANCE.as_secs();
        let mut times = vec![random, claims.starts_at.unix_seconds(), claims.issued_at.unix_seconds()];
        if let Some(expires_at) = claims.expires_at {
            let grace_end = expires_at.saturating_add(claims.grace_period).unix_seconds();
            times.extend([expires_at.unix_seconds(), grace_end]);
        }
        for t in times.clone() {
            let near = [t.saturating_sub(1), t.saturating_add(1), t.saturating_sub(tolerance), t.saturating_sub(tolerance + 1)];
            times.extend(near);
        }
        for t in times {
            let now = Timestamp::from_unix_seconds(t);
            // Each time on its own copy, whose mark is verification's time.
            let license = verified.clone();
            let latest = now.max(license.last_seen());
            // Under Advisory, a license bound to other machines never passes.
            let standing = verified.problems().iter().any(|p| p.is_standing_problem());
            let expected = !standing
                && t.saturating_add(tolerance) >= latest.unix_seconds()
                && Status::of(&claims, latest, licman_core::DEFAULT_EXPIRING_SOON_WINDOW).is_usable()
                && claims.issued_at.unix_seconds().saturating_sub(tolerance) <= latest.unix_seconds();
            prop_assert_eq!(license.is_usable_at(now), expected, "at {}", t);
            prop_assert_eq!(verified.clone().check_usable_at(now).is_ok(), expected, "at {}", t);
            prop_assert_eq!(license.last_seen(), latest);
            prop_assert_eq!(verified.clone().status_at(now), Status::of(&claims, latest, licman_core::DEFAULT_EXPIRING_SOON_WINDOW));
        }
    }

    /// Over any sequence of checks, the mark is the latest time seen
    /// (verification's included), and a check whose `now` is behind the
    /// latest time seen before it by more than the tolerance is refused as a
    /// rolled-back clock, whatever the license's dates.
    #[test]
    fn checks_never_go_back_in_time(claims in claims(), steps in proptest::collection::vec(-4_320_000i64..4_320_000i64, 1..24)) {
        let key = SigningKey::from_seed(&[4; 32]);
        let text = key.issue(&claims).expect("issue").to_compact();
        let ring = KeyRing::from_keys([key.public_key().clone()]);
        let start = claims.starts_at;
        let options = VerifyOptions::new(&claims.product, start).policy(licman_core::Policy::Advisory);
        let license = ring.verify(&text, &options).expect("verify");
        let tolerance = licman_core::DEFAULT_CLOCK_TOLERANCE.as_secs();
        let mut seen = start;
        for step in steps {
            // Times around the start, up to 50 days either side.
            let t = start.unix_seconds().saturating_add_signed(step);
            let now = Timestamp::from_unix_seconds(t);
            let rolled_back = t.saturating_add(tolerance) < seen.max(now).unix_seconds();
            if rolled_back {
                prop_assert!(!license.is_usable_at(now));
                prop_assert_eq!(license.check_usable_at(now).unwrap_err().code(), "clock_rolled_back");
            } else {
                let _ = license.is_usable_at(now);
            }
            seen = seen.max(now);
            prop_assert_eq!(license.last_seen(), seen);
        }
    }

    /// Decoding arbitrary bytes or text never panics.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = UnverifiedLicense::from_bytes(&bytes);
        let _ = UnverifiedRevocationList::from_bytes(&bytes);
        let mut prefixed = vec![1u8];
        prefixed.extend_from_slice(&bytes);
        let _ = UnverifiedLicense::from_bytes(&prefixed);
    }

    #[test]
    fn arbitrary_text_never_panics(s in text(400)) {
        let _ = UnverifiedLicense::parse(&s);
        let _ = UnverifiedLicense::parse(&format!("lm1_{s}"));
        let _ = UnverifiedLicense::parse(&format!("-----BEGIN LICMAN LICENSE-----\n{s}\n-----END LICMAN LICENSE-----"));
        let _ = licman_core::PublicKey::from_text(&s);
        let _ = licman_core::RevocationList::verify(&s, &KeyRing::new(), "p");
    }

    /// Status is monotone in time: once expired, always expired; the days
    /// figures never exceed the real distance rounded up.
    #[test]
    fn status_follows_time(claims in claims(), t1 in any::<u64>(), t2 in any::<u64>()) {
        let window = Duration::from_secs(30 * 86_400);
        let (early, late) = (t1.min(t2), t1.max(t2));
        let rank = |s: Status| match s {
            Status::NotYetValid { .. } => 0,
            Status::Active | Status::ExpiringSoon { .. } => 1,
            Status::InGrace { .. } => 2,
            Status::Expired => 3,
        };
        let s1 = Status::of(&claims, Timestamp::from_unix_seconds(early), window);
        let s2 = Status::of(&claims, Timestamp::from_unix_seconds(late), window);
        prop_assert!(rank(s1) <= rank(s2), "{:?} then {:?}", s1, s2);
        if claims.expires_at.is_none() {
            let never_expires = !matches!(s2, Status::Expired | Status::InGrace { .. } | Status::ExpiringSoon { .. });
            prop_assert!(never_expires, "perpetual license reached {:?}", s2);
        }
    }

    /// Module sets behave like sets of u8.
    #[test]
    fn module_set_matches_btreeset(a in proptest::collection::btree_set(any::<u8>(), 0..60),
                                   b in proptest::collection::btree_set(any::<u8>(), 0..60)) {
        let sa: ModuleSet = a.iter().copied().map(ModuleId).collect();
        let sb: ModuleSet = b.iter().copied().map(ModuleId).collect();
        let ids = |s: ModuleSet| s.iter().map(|m| m.0).collect::<Vec<_>>();
        prop_assert_eq!(ids(sa.union(&sb)), a.union(&b).copied().collect::<Vec<_>>());
        prop_assert_eq!(ids(sa.intersection(&sb)), a.intersection(&b).copied().collect::<Vec<_>>());
        prop_assert_eq!(ids(sa.difference(&sb)), a.difference(&b).copied().collect::<Vec<_>>());
        prop_assert_eq!(sa.len(), a.len());
        prop_assert_eq!(sa.is_subset(&sb), a.is_subset(&b));
    }

    /// Revocation lookups agree with a linear scan.
    #[test]
    fn revocation_lookup_matches_scan(ids in proptest::collection::vec(any::<[u8; 16]>(), 0..50), probe in any::<[u8; 16]>()) {
        let key = SigningKey::from_seed(&[5; 32]);
        let ring = KeyRing::from_keys([key.public_key().clone()]);
        let ids: Vec<LicenseId> = ids.into_iter().map(LicenseId::from_bytes).collect();
        let list = key
            .issue_revocation_list("p", 1, Timestamp::UNIX_EPOCH, ids.iter().copied())
            .expect("issue list")
            .verify(&ring, "p")
            .expect("verify list");
        for id in &ids {
            prop_assert!(list.contains(id));
        }
        let probe = LicenseId::from_bytes(probe);
        prop_assert_eq!(list.contains(&probe), ids.contains(&probe));
    }
}

#[test]
fn limits_in_the_claims_are_enforced_on_issue() {
    let key = SigningKey::from_seed(&[6; 32]);
    let mut claims = licman_core::__doc_claims();
    claims.quotas = BTreeMap::from([(QuotaId(1), QuotaLimit::Limited(u64::MAX))]);
    assert_eq!(
        key.issue(&claims).map(|_| ()),
        Err(licman_core::Error::InvalidClaims(
            licman_core::ClaimsError::QuotaLimitTooLarge { quota: QuotaId(1) }
        ))
    );
    let mut claims = licman_core::__doc_claims();
    claims.metadata = (0..40).map(|i| (format!("k{i}"), String::new())).collect();
    assert!(key.issue(&claims).is_err());
    let mut claims = licman_core::__doc_claims();
    claims.customer.email = Some("x".repeat(5000));
    assert!(matches!(
        key.issue(&claims),
        Err(licman_core::Error::TooLarge { .. })
    ));
}

//! The per-request paths never allocate: module checks by id and by name,
//! quota checks that pass, user modules over groups, route matching and
//! `authorize` when it allows, revocation look-ups.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::*;

#[test]
fn per_request_paths_do_not_allocate() {
    let (license, catalog) = licman_core::__doc_entitlements("professional");
    let mut access = GroupAccess::new(&license);
    let groups: Vec<GroupId> = [
        "devices",
        "manual_audits",
        "basic_rules",
        "health_checks",
        "device_groups",
        "discovery",
        "webhooks",
        "api_access",
    ]
    .iter()
    .enumerate()
    .map(|(i, m)| access.set_group_named(&format!("g{i}"), &[m]).unwrap())
    .collect();
    let devices = catalog.quota_id("devices").unwrap();
    let scheduled = catalog.module_id("scheduled_audits").unwrap();
    let user = access.user_modules(&groups, false);
    let now = Timestamp::from_date(2026, 6, 1).unwrap();
    let key = SigningKey::from_seed(&[1; 32]);
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let revoked: Vec<LicenseId> = (0u16..10_000)
        .map(|i| {
            let mut b = [0u8; 16];
            b[..2].copy_from_slice(&i.to_be_bytes());
            LicenseId::from_bytes(b)
        })
        .collect();
    let list = key
        .issue_revocation_list("netaudit", 1, now, revoked)
        .unwrap()
        .verify(&ring, "netaudit")
        .unwrap();
    let probe = license.license().license_id();

    let info = allocation_counter::measure(|| {
        assert!(license.has_module(scheduled));
        assert!(license.has_module_named("audit_schedules").unwrap());
        assert!(license.check_quota(devices, 50, 1).is_ok());
        assert_eq!(license.accept(devices, 95, 10).accepted, 5);
        assert_eq!(access.user_modules(&groups, false).len(), 8);
        assert_eq!(access.user_modules(&groups, true), *license.modules());
        assert!(catalog.routes().target("/devices/7/config").is_ok());
        assert!(
            catalog
                .routes()
                .authorize("/devices/7", Some(&license), Some(&user), now)
                .is_ok()
        );
        assert!(
            catalog
                .routes()
                .authorize("/login", None, None, now)
                .is_ok()
        );
        assert!(!list.contains(&probe));
        assert!(license.check_valid_at(now).is_ok());
    });
    assert_eq!(info.count_total, 0, "{info:?}");

    // The counter is live: a refusal builds its message, which allocates.
    let refusal =
        allocation_counter::measure(|| assert!(license.check_quota(devices, 100, 1).is_err()));
    assert!(refusal.count_total > 0);
}

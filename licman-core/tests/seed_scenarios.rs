//! The seed's manual test cases 1 to 7 (NetAudit license enforcement), as
//! automated tests against `examples/catalogs/netaudit.toml`, and the seed's
//! four JSON bodies compared field for field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::*;
use serde_json::{Value, json};

fn now() -> Timestamp {
    Timestamp::from_date(2026, 6, 1).unwrap()
}

fn catalog() -> Catalog {
    Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml"))
        .expect("netaudit catalog is valid")
}

/// A license of `tier` exactly as the catalog defines it, verified.
fn license(catalog: &Catalog, tier: &str) -> Entitlements {
    let key = SigningKey::from_seed(&[0x11; 32]);
    let t = catalog.tier(tier).expect("tier");
    let mut claims = licman_core::__doc_claims();
    claims.tier = tier.into();
    claims.modules = *t.modules();
    claims.quotas = t.quotas().clone();
    let text = key.issue(&claims).unwrap().to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    Entitlements::verify(
        &ring,
        &text,
        catalog,
        &VerifyOptions::new("netaudit", now()),
    )
    .unwrap()
}

fn body(denial: &Denial) -> Value {
    serde_json::from_str(&denial.body_json()).unwrap()
}

fn names(access: &GroupAccess, modules: &ModuleSet) -> Vec<String> {
    access
        .names(modules)
        .into_iter()
        .map(String::from)
        .collect()
}

// The seed's four bodies, verbatim.
const SEED_402_NO_LICENSE: &str = r#"{
  "error": "No active license",
  "message": "Please activate a valid license to use this feature",
  "action": "activate_license"
}"#;
const SEED_403_MODULE: &str = r#"{
  "error": "Module not available",
  "module": "scheduled_audits",
  "current_tier": "starter",
  "message": "The module 'Scheduled Audits' is not available in your starter tier",
  "action": "upgrade_license"
}"#;
const SEED_403_QUOTA: &str = r#"{
  "error": "Quota exceeded",
  "quota_type": "devices",
  "current": 10,
  "max": 10,
  "message": "Cannot add 1 more devices. Current: 10/10",
  "action": "upgrade_license"
}"#;
const SEED_403_ACCESS: &str = r#"{
  "error": "Access denied",
  "module": "scheduled_audits",
  "message": "User does not have access to module 'scheduled_audits'",
  "action": "contact_admin"
}"#;

/// Field order matters for byte-for-byte bodies: compare the key sequence
/// too, not only the values.
fn assert_body_is(denial: &Denial, seed: &str) {
    let ours = denial.body_json();
    let seed_value: Value = serde_json::from_str(seed).unwrap();
    assert_eq!(body(denial), seed_value);
    let keys = |text: &str| -> Vec<String> {
        let map: serde_json::Map<String, Value> = serde_json::from_str(text).unwrap();
        map.keys().cloned().collect()
    };
    // serde_json's Map keeps insertion order only with `preserve_order`;
    // compare positions in the raw text instead.
    let position = |text: &str, key: &str| text.find(&format!("\"{key}\"")).unwrap();
    let mut seed_keys = keys(seed);
    seed_keys.sort_by_key(|k| position(seed, k));
    let mut our_keys = keys(&ours);
    our_keys.sort_by_key(|k| position(&ours, k));
    assert_eq!(our_keys, seed_keys, "field order of {ours}");
}

#[test]
fn case_1_tier_enforcement_and_upgrade() {
    let catalog = catalog();
    let starter = license(&catalog, "starter");
    let access = GroupAccess::new(&starter);
    // Only Starter modules appear (a superuser's menu shows every licensed module).
    assert_eq!(
        names(&access, &access.user_modules(&[], true)),
        ["devices", "manual_audits", "basic_rules", "health_checks"]
    );
    // A Professional module is blocked, with the seed's body.
    let scheduled = catalog.module_id("scheduled_audits").unwrap();
    let denial = starter.check_module(scheduled).unwrap_err();
    assert_eq!(denial.http_status(), 403);
    assert_body_is(&denial, SEED_403_MODULE);
    // Upgrade to Professional: the Professional modules appear.
    let professional = license(&catalog, "professional");
    assert!(professional.check_module(scheduled).is_ok());
    let change = LicenseChange::between(&starter, &professional);
    assert_eq!(
        change.modules_added_names(),
        [
            "device_groups",
            "device_import",
            "discovery",
            "scheduled_audits",
            "rule_templates",
            "config_backups",
            "drift_detection",
            "webhooks",
            "hardware_inventory",
            "api_access"
        ]
    );
    assert!(change.is_upgrade());
    assert_eq!(
        serde_json::to_value(&change).unwrap()["quotas_raised"],
        json!([
            { "name": "devices", "from": 10, "to": 100 },
            { "name": "users", "from": 2, "to": 10 },
            { "name": "storage_gb", "from": 5, "to": 50 },
        ])
    );
}

#[test]
fn case_2_device_quota_and_discovery() {
    let catalog = catalog();
    let starter = license(&catalog, "starter");
    let devices = catalog.quota_id("devices").unwrap();
    // Add 10 devices successfully.
    for current in 0..10 {
        starter.check_quota(devices, current, 1).unwrap();
    }
    // The 11th fails with the seed's body.
    let denial = starter.check_quota(devices, 10, 1).unwrap_err();
    assert_eq!(denial.http_status(), 403);
    assert_body_is(&denial, SEED_403_QUOTA);
    // Discover 20 devices with 10 free: the first 10 are accepted, 10 rejected.
    let discovered: Vec<String> = (1..=20).map(|i| format!("10.0.0.{i}")).collect();
    let acceptance = starter.accept(devices, 0, 20);
    assert_eq!(
        acceptance,
        Acceptance {
            accepted: 10,
            rejected: 10
        }
    );
    let (accepted, rejected) = acceptance.split(&discovered);
    assert_eq!(accepted.first().map(String::as_str), Some("10.0.0.1"));
    assert_eq!(rejected.first().map(String::as_str), Some("10.0.0.11"));
    // Once full, nothing more is accepted.
    assert_eq!(
        starter.accept(devices, 10, 20),
        Acceptance {
            accepted: 0,
            rejected: 20
        }
    );
    assert_eq!(starter.remaining(devices, 10), Some(0));
    assert_eq!(starter.usage_percent(devices, 10), Some(100.0));
}

#[test]
fn case_3_user_quota() {
    let catalog = catalog();
    let starter = license(&catalog, "starter");
    starter.check_quota_named("users", 0, 1).unwrap();
    starter.check_quota_named("users", 1, 1).unwrap();
    let err = starter.check_quota_named("users", 2, 1).unwrap_err();
    let CheckError::Denied(denial) = err else {
        panic!("expected a denial, got {err:?}")
    };
    assert_eq!(denial.message(), "Cannot add 1 more users. Current: 2/2");
}

#[test]
fn case_4_storage_quota_and_cleanup() {
    let catalog = catalog();
    let starter = license(&catalog, "starter");
    let storage = catalog.quota_id("storage_gb").unwrap();
    let limit_gb = starter.quota_limit(storage).unwrap().max().unwrap();
    assert_eq!(limit_gb, 5);
    let gb = 1_000_000_000u64;
    let t = |d| Timestamp::from_date(2026, 5, d).unwrap();
    // Backups until the quota is exceeded: 6 × 1 GB over two devices.
    let backups = [
        StoredItem {
            owner: "router-1",
            size_bytes: gb,
            created_at: t(1),
        },
        StoredItem {
            owner: "router-2",
            size_bytes: gb,
            created_at: t(2),
        },
        StoredItem {
            owner: "router-1",
            size_bytes: gb,
            created_at: t(3),
        },
        StoredItem {
            owner: "router-2",
            size_bytes: gb,
            created_at: t(4),
        },
        StoredItem {
            owner: "router-1",
            size_bytes: gb,
            created_at: t(5),
        },
        StoredItem {
            owner: "router-2",
            size_bytes: gb,
            created_at: t(6),
        },
    ];
    // Auto-cleanup triggers: the oldest backup goes, and that is enough.
    let plan = plan_storage_cleanup(&backups, QuotaLimit::Limited(limit_gb * gb));
    assert_eq!(plan.delete, [0]);
    assert!(!plan.still_exceeded);
    assert_eq!(plan.freed_bytes(), u128::from(gb));
    // A limit cleanup cannot reach: each device keeps its newest backup, and
    // the host is told to warn.
    let plan = plan_storage_cleanup(&backups, QuotaLimit::Limited(gb));
    assert_eq!(plan.delete, [0, 1, 2, 3]);
    assert!(plan.still_exceeded);
    assert_eq!(plan.bytes_after, u128::from(2 * gb));
}

#[test]
fn case_5_group_module_access() {
    let catalog = catalog();
    let professional = license(&catalog, "professional");
    let mut access = GroupAccess::new(&professional);
    let group = access.set_group_named("operators", &["devices"]).unwrap();
    let user = [group];
    assert_eq!(
        names(&access, &access.user_modules(&user, false)),
        ["devices"]
    );
    let scheduled = catalog.module_id("scheduled_audits").unwrap();
    let denial = access
        .check_module_access(scheduled, &user, false)
        .unwrap_err();
    assert_body_is(&denial, SEED_403_ACCESS);
    // Add scheduled_audits to the group: the user now sees both.
    access
        .set_group_named("operators", &["devices", "scheduled_audits"])
        .unwrap();
    assert_eq!(
        names(&access, &access.user_modules(&user, false)),
        ["devices", "scheduled_audits"]
    );
    access.check_module_access(scheduled, &user, false).unwrap();
    // A group cannot be granted a module outside the tier.
    assert_eq!(
        access
            .set_group_named("operators", &["analytics"])
            .unwrap_err(),
        GroupError::ModuleNotLicensed {
            module: "analytics".into(),
            tier: "professional".into()
        }
    );
    assert_eq!(
        access.user_modules(&user, false).len(),
        2,
        "a refused change changes nothing"
    );
}

#[test]
fn case_6_superuser_before_and_after_upgrade() {
    let catalog = catalog();
    let professional = license(&catalog, "professional");
    let access = GroupAccess::new(&professional);
    let all_professional = access.user_modules(&[], true);
    assert_eq!(all_professional.len(), 14);
    assert_eq!(
        all_professional,
        *catalog.tier("professional").unwrap().modules()
    );
    let enterprise = license(&catalog, "enterprise");
    let access = GroupAccess::new(&enterprise);
    assert_eq!(access.user_modules(&[], true), catalog.known_modules());
    assert_eq!(access.user_modules(&[], true).len(), 21);
}

#[test]
fn case_7_api_gateway() {
    let catalog = catalog();
    let routes = catalog.routes();
    let starter = license(&catalog, "starter");
    let scheduled = catalog.module_id("scheduled_audits").unwrap();
    // Starter: /audit-schedules is 403, /devices passes.
    let denial = routes
        .authorize("/audit-schedules", Some(&starter), None, now())
        .unwrap_err();
    assert_eq!(denial.http_status(), 403);
    assert_body_is(&denial, SEED_403_MODULE);
    assert_eq!(
        routes.authorize("/devices", Some(&starter), None, now()),
        Ok(RouteTarget::Module(catalog.module_id("devices").unwrap()))
    );
    // Upgrade to Professional: /audit-schedules passes.
    let professional = license(&catalog, "professional");
    assert_eq!(
        routes.authorize("/audit-schedules", Some(&professional), None, now()),
        Ok(RouteTarget::Module(scheduled))
    );
    // No license: 402 with the seed's body; public paths still pass.
    let denial = routes.authorize("/devices", None, None, now()).unwrap_err();
    assert_eq!(denial.http_status(), 402);
    assert_body_is(&denial, SEED_402_NO_LICENSE);
    for public in [
        "/",
        "/health",
        "/api/services",
        "/login",
        "/me",
        "/license/activate",
        "/admin/groups/3/modules",
    ] {
        assert_eq!(
            routes.authorize(public, None, None, now()),
            Ok(RouteTarget::Public),
            "{public}"
        );
    }
    // A user whose groups lack the module: 403 contact_admin.
    let mut access = GroupAccess::new(&professional);
    let ops = access.set_group_named("ops", &["devices"]).unwrap();
    let user = access.user_modules(&[ops], false);
    let denial = routes
        .authorize(
            "/audit-schedules/5",
            Some(&professional),
            Some(&user),
            now(),
        )
        .unwrap_err();
    assert_body_is(&denial, SEED_403_ACCESS);
    // Segment-aware matching and the discovery sub-route.
    assert_eq!(routes.target("/devices-old"), Ok(RouteTarget::Licensed));
    assert_eq!(
        routes.target("/device-groups/1"),
        Ok(RouteTarget::Module(
            catalog.module_id("device_groups").unwrap()
        ))
    );
    let discover = routes
        .authorize("/devices/discover", Some(&starter), None, now())
        .unwrap_err();
    assert_eq!(discover.code(), "module_not_licensed");
    // An expired license is a 402 at request time.
    let later = Timestamp::from_date(2027, 3, 1).unwrap();
    assert_eq!(
        routes
            .authorize("/devices", Some(&starter), None, later)
            .unwrap_err()
            .http_status(),
        402
    );
    // Ambiguous paths never reach the prefix match.
    assert_eq!(
        routes
            .authorize("/health/../audit-schedules", Some(&starter), None, now())
            .unwrap_err()
            .http_status(),
        400
    );
}

#[test]
fn netaudit_catalog_reproduces_the_seed() {
    let catalog = catalog();
    let tier = |name: &str| catalog.tier(name).unwrap();
    let quota = |t: &str, q: &str| tier(t).quotas()[&catalog.quota_id(q).unwrap()];
    assert_eq!(tier("starter").modules().len(), 4);
    assert_eq!(tier("professional").modules().len(), 14);
    assert_eq!(tier("enterprise").modules().len(), 21);
    for (t, devices, users, storage) in [("starter", 10, 2, 5), ("professional", 100, 10, 50)] {
        assert_eq!(quota(t, "devices"), QuotaLimit::Limited(devices));
        assert_eq!(quota(t, "users"), QuotaLimit::Limited(users));
        assert_eq!(quota(t, "storage_gb"), QuotaLimit::Limited(storage));
    }
    for q in ["devices", "users", "storage_gb"] {
        assert_eq!(quota("enterprise", q), QuotaLimit::Unlimited);
    }
    // The seed's backend → frontend module names.
    for (backend, frontend) in [
        ("devices", "devices"),
        ("discovery", "discovery_groups"),
        ("manual_audits", "audit"),
        ("scheduled_audits", "audit_schedules"),
        ("basic_rules", "rules"),
        ("webhooks", "notifications"),
        ("health_checks", "health"),
        ("workflow_automation", "workflows"),
    ] {
        assert_eq!(
            catalog.module_id(frontend),
            catalog.module_id(backend),
            "{frontend} → {backend}"
        );
    }
    // The seed's module → route mapping.
    for (module, paths) in [
        ("manual_audits", &["/audit"][..]),
        ("scheduled_audits", &["/audit-schedules"]),
        ("basic_rules", &["/rules"]),
        ("rule_templates", &["/rule-templates"]),
        ("config_backups", &["/config-backups"]),
        ("drift_detection", &["/drift-detection"]),
        ("webhooks", &["/notifications"]),
        ("hardware_inventory", &["/hardware-inventory", "/hardware"]),
        ("integrations", &["/integrations"]),
        ("workflow_automation", &["/workflows"]),
        ("analytics", &["/analytics"]),
        ("remediation", &["/remediation"]),
        ("devices", &["/devices"]),
    ] {
        for path in paths {
            assert_eq!(
                catalog.routes().target(path),
                Ok(RouteTarget::Module(catalog.module_id(module).unwrap())),
                "{path}"
            );
        }
    }
}

#[test]
fn unknown_modules_and_quotas_in_a_license_are_kept_never_granted() {
    let catalog = catalog();
    let key = SigningKey::from_seed(&[0x12; 32]);
    let mut claims = licman_core::__doc_claims();
    claims.modules = [ModuleId(1), ModuleId(99)].into_iter().collect();
    claims.quotas.insert(QuotaId(77), QuotaLimit::Unlimited);
    let text = key.issue(&claims).unwrap().to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let e = Entitlements::verify(
        &ring,
        &text,
        &catalog,
        &VerifyOptions::new("netaudit", now()),
    )
    .unwrap();
    assert!(!e.has_module(ModuleId(99)));
    assert_eq!(
        e.unknown_modules().iter().collect::<Vec<_>>(),
        [ModuleId(99)]
    );
    assert_eq!(e.unknown_quotas(), [QuotaId(77)]);
    assert!(e.check_quota(QuotaId(77), 0, 1).is_err(), "never granted");
}

#[test]
fn license_denials_have_bodies() {
    let expired = Denial::from_license_error(&Error::Expired {
        now: Timestamp::from_date(2027, 2, 1).unwrap(),
        expires_at: Timestamp::from_date(2027, 1, 1).unwrap(),
        grace_ends_at: Timestamp::from_date(2027, 1, 15).unwrap(),
    });
    assert_eq!(
        body(&expired),
        json!({
            "error": "License expired",
            "expires_at": "2027-01-01T00:00:00Z",
            "message": "The license expired at 2027-01-01T00:00:00Z. Please renew it to continue",
            "action": "renew_license",
        })
    );
    let revoked = Denial::from_license_error(&Error::Revoked {
        license_id: LicenseId::from_bytes([0xab; 16]),
        list_serial: 3,
    });
    assert_eq!(
        body(&revoked)["license_id"],
        "abababab-abab-abab-abab-abababababab"
    );
    assert_eq!(revoked.http_status(), 402);
    let clock = Denial::from_license_error(&Error::ClockRolledBack {
        now: now(),
        last_seen: Timestamp::from_date(2026, 7, 1).unwrap(),
    });
    assert_eq!(body(&clock)["reason"], "clock_rolled_back");
    assert_eq!(clock.action(), "fix_system_clock");
    let machine = Denial::from_license_error(&Error::MachineMismatch {
        policy: MatchPolicy::All,
        matched: 1,
        required: 2,
    });
    assert_eq!(body(&machine)["error"], "License not valid on this machine");
    let forged = Denial::from_license_error(&Error::BadSignature {
        key_id: KeyId::from_bytes([1; 8]),
    });
    assert_eq!(
        (
            forged.code(),
            forged.http_status(),
            body(&forged)["reason"].clone()
        ),
        ("invalid_license", 402, json!("bad_signature"))
    );
}

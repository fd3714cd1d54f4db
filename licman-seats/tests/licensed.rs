//! License-backed pools: a concurrent pool whose capacity is a signed
//! licman license's `seats` quota, re-verified by `license-check` and by a
//! running server (which re-reads its revocation list when it changes).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::server::{ADMIN, INSTANCE, Server};
use common::{Db, ok, on_each_backend, refused};
use licman_core::{
    Claims, Customer, LicenseId, ModuleSet, QuotaId, QuotaLimit, SigningKey, Timestamp,
};
use serde_json::{Value, json};

const CATALOG: &str = include_str!("../../examples/catalogs/cadstudio.toml");

struct Vendor {
    key: SigningKey,
    dir: std::path::PathBuf,
}

fn now() -> u64 {
    licman_seats::time::now().unix_seconds()
}

impl Vendor {
    fn new(db: &Db, seed: u8) -> Vendor {
        let v = Vendor {
            key: SigningKey::from_seed(&[seed; 32]),
            dir: db.dir(),
        };
        std::fs::write(
            v.pub_path(),
            format!("# CadStudio\n{}\n", v.key.public_key().to_text()),
        )
        .unwrap();
        std::fs::write(v.path("cadstudio.toml"), CATALOG).unwrap();
        v
    }

    /// This vendor's public-key file.
    fn pub_path(&self) -> String {
        self.path(&format!("vendor-{}.pub", self.key.key_id()))
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// A license `id` for `seats` seats of acme's, issued and starting
    /// ten days ago, ending in `days` (none: perpetual); written to `name`.
    fn license(&self, name: &str, id: u8, seats: Option<QuotaLimit>, days: Option<i64>) -> String {
        self.issue(name, id, "acme", seats, 10, days)
    }

    /// A license `id` of 3 seats for `customer`, issued and starting
    /// `ago` days ago (negative: in the future), ending in `days`.
    fn license_for(&self, name: &str, id: u8, customer: &str, ago: i64, days: i64) -> String {
        self.issue(
            name,
            id,
            customer,
            Some(QuotaLimit::Limited(3)),
            ago,
            Some(days),
        )
    }

    fn issue(
        &self,
        name: &str,
        id: u8,
        customer: &str,
        seats: Option<QuotaLimit>,
        ago: i64,
        days: Option<i64>,
    ) -> String {
        let t = now();
        let at = |d: i64| Timestamp::from_unix_seconds(t.saturating_add_signed(d * 86_400));
        let mut quotas = BTreeMap::new();
        if let Some(limit) = seats {
            quotas.insert(QuotaId(1), limit);
        }
        let claims = Claims {
            license_id: LicenseId::from_bytes([id; 16]),
            product: "cadstudio".into(),
            customer: Customer::new(customer),
            tier: "team".into(),
            modules: ModuleSet::new(),
            quotas,
            // Issued no later than now, whenever it starts.
            issued_at: at(-ago.max(0)),
            starts_at: at(-ago),
            expires_at: days.map(at),
            grace_period: Duration::ZERO,
            machine_binding: None,
            metadata: BTreeMap::new(),
        };
        let text = self.key.issue(&claims).unwrap().to_compact();
        std::fs::write(self.path(name), &text).unwrap();
        self.path(name)
    }

    fn revoke(&self, name: &str, serial: u64, ids: &[u8]) -> String {
        let list = self
            .key
            .issue_revocation_list(
                "cadstudio",
                serial,
                Timestamp::from_unix_seconds(now()),
                ids.iter().map(|i| LicenseId::from_bytes([*i; 16])),
            )
            .unwrap();
        std::fs::write(self.path(name), list.to_armored()).unwrap();
        self.path(name)
    }

    fn create_args<'a>(&'a self, license: &'a str, pub_key: &'a str) -> Vec<String> {
        [
            "pool",
            "create",
            "--name",
            "CAD",
            "--vendor",
            "Acme",
            "--from-license",
            license,
            "--quota",
            "seats",
            "--public-key",
            pub_key,
            "--catalog",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([self.path("cadstudio.toml")])
        .collect()
    }
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_pool_takes_its_capacity_and_end_from_a_verified_license() {
    on_each_backend(|db| {
        let vendor = Vendor::new(db, 7);
        let lic = vendor.license("acme.lic", 1, Some(QuotaLimit::Limited(3)), Some(30));
        let pool = ok(db, &args(&vendor.create_args(&lic, &vendor.pub_path())));
        assert_eq!(pool["capacity"], 3);
        assert_eq!(pool["license_type"], "concurrent");
        assert_eq!(pool["days_until_expiration"], 30);
        let shown = ok(db, &["pool", "show", "CAD"]);
        assert_eq!(shown["license"]["quota"], "seats");
        assert_eq!(shown["license"]["grants"], 3);
        assert_eq!(shown["license"]["customer"], "acme");
        assert_eq!(
            ok(db, &["pool", "show", "CAD"])["license"]["product"],
            "cadstudio"
        );
        // The license is in the trail, and the trail verifies.
        assert_eq!(ok(db, &["audit", "--action", "pool.license"])["total"], 1);
        assert_eq!(ok(db, &["audit", "verify"])["ok"], true);

        // Licenses that do not make a pool: another vendor's key, no seats
        // quota, unlimited seats, one that has ended.
        let stranger = Vendor::new(db, 8);
        std::fs::write(
            stranger.path("other.pub"),
            stranger.key.public_key().to_text(),
        )
        .unwrap();
        let mut bad = vendor.create_args(&lic, &stranger.path("other.pub"));
        bad[3] = "CAD2".into();
        refused(db, &args(&bad), "license_invalid");
        for (name, id, seats, days, code) in [
            ("none.lic", 2, None, Some(30), "invalid_value"),
            (
                "unlimited.lic",
                3,
                Some(QuotaLimit::Unlimited),
                Some(30),
                "invalid_value",
            ),
            (
                "ended.lic",
                4,
                Some(QuotaLimit::Limited(3)),
                Some(-1),
                "license_ended",
            ),
        ] {
            let file = vendor.license(name, id, seats, days);
            let mut a = vendor.create_args(&file, &vendor.pub_path());
            a[3] = format!("CAD-{id}");
            refused(db, &args(&a), code);
        }
        // A tampered license does not parse or verify.
        let text = std::fs::read_to_string(&lic).unwrap();
        let mut bytes = text.into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        std::fs::write(vendor.path("tampered.lic"), &bytes).unwrap();
        let mut a = vendor.create_args(&vendor.path("tampered.lic"), &vendor.pub_path());
        a[3] = "CAD-t".into();
        refused(db, &args(&a), "license_invalid");
        // A license for a later term grants nothing yet.
        let later = vendor.license_for("later.lic", 9, "acme", -30, 60);
        let mut a = vendor.create_args(&later, &vendor.pub_path());
        a[3] = "CAD-later".into();
        refused(db, &args(&a), "license_not_started");
        // A capacity beside a license is a usage error.
        let mut both = vendor.create_args(&lic, &vendor.pub_path());
        both.extend(["--capacity".to_string(), "9".to_string()]);
        let usage = common::cmd(db, &args(&both)).output().unwrap();
        assert_eq!(usage.status.code(), Some(2));
        assert_eq!(ok(db, &["pool", "list"])["total"], 1);
    });
}

#[test]
fn a_renewal_for_fewer_seats_keeps_the_seats_out_and_admits_none_until_under() {
    on_each_backend(|db| {
        let vendor = Vendor::new(db, 7);
        let lic = vendor.license("acme.lic", 1, Some(QuotaLimit::Limited(3)), Some(30));
        ok(db, &args(&vendor.create_args(&lic, &vendor.pub_path())));
        let leases: Vec<String> = (0..3)
            .map(|i| {
                ok(db, &["lease", "checkout", "CAD", &format!("ws-{i}")])["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let smaller = vendor.license("renewed.lic", 5, Some(QuotaLimit::Limited(2)), Some(365));
        let pool = ok(db, &["pool", "license", "CAD", &smaller]);
        assert_eq!(
            (pool["capacity"].as_u64(), pool["allocated"].as_u64()),
            (Some(2), Some(3))
        );
        assert_eq!(pool["days_until_expiration"], 365);
        refused(
            db,
            &["lease", "checkout", "CAD", "ws-9"],
            "capacity_exceeded",
        );
        let report = ok(db, &["report"]);
        assert_eq!(report["compliant"], false);
        assert_eq!(report["pools"][0]["over_limit"], true);
        ok(db, &["lease", "release", &leases[0]]);
        refused(
            db,
            &["lease", "checkout", "CAD", "ws-9"],
            "capacity_exceeded",
        );
        ok(db, &["lease", "release", &leases[1]]);
        ok(db, &["lease", "checkout", "CAD", "ws-9"]);
        assert_eq!(ok(db, &["report"])["compliant"], true);
        // A license for another product, or signed by another key, is not a renewal.
        let stranger = Vendor::new(db, 9);
        let foreign = stranger.license("foreign.lic", 6, Some(QuotaLimit::Limited(50)), Some(30));
        refused(db, &["pool", "license", "CAD", &foreign], "license_invalid");
        // Another customer's license, or an older one, is no renewal.
        let old = vendor.license_for("old.lic", 7, "acme", 30, 40);
        refused(db, &["pool", "license", "CAD", &old], "license_invalid");
        let theirs = vendor.license_for("globex.lic", 8, "globex", 0, 40);
        refused(db, &["pool", "license", "CAD", &theirs], "license_invalid");
        let plain = common::pool(db, "Plain", 3);
        refused(
            db,
            &["pool", "license", &plain, &smaller],
            "not_license_backed",
        );
        // license-check with nothing new changes nothing.
        let checked = ok(db, &["license-check"]);
        assert_eq!(checked["pools"][0]["changed"], false, "{checked}");
    });
}

#[test]
fn a_revoked_license_ends_its_pool_by_its_policy() {
    on_each_backend(|db| {
        let vendor = Vendor::new(db, 7);
        let lic = vendor.license("acme.lic", 1, Some(QuotaLimit::Limited(3)), Some(30));
        let mut create = vendor.create_args(&lic, &vendor.pub_path());
        create.extend(["--policy".to_string(), "revoke-all".to_string()]);
        ok(db, &args(&create));
        ok(db, &["lease", "checkout", "CAD", "ws-1"]);
        // A list revoking another license changes nothing; one revoking it ends it.
        let other = vendor.revoke("other.rev", 1, &[42]);
        assert_eq!(
            ok(db, &["license-check", "--revocations", &other])["pools"][0]["changed"],
            false
        );
        let list = vendor.revoke("acme.rev", 2, &[1]);
        let checked = ok(db, &["license-check", "--revocations", &list]);
        assert_eq!(checked["pools"][0]["revoked"], true, "{checked}");
        // Checked again, the ended pool is left as it is (no event a round).
        let events = common::events(db);
        let again = ok(db, &["license-check", "--revocations", &list]);
        assert_eq!(again["pools"][0]["changed"], false, "{again}");
        assert_eq!(common::events(db), events);
        // A revoked license makes no pool, and renews none.
        let mut revoked = vendor.create_args(&lic, &vendor.pub_path());
        revoked[3] = "CAD-r".into();
        revoked.extend(["--revocations".to_string(), list.clone()]);
        refused(db, &args(&revoked), "license_revoked");
        let pool = ok(db, &["pool", "show", "CAD"]);
        assert_eq!(
            (pool["status"].as_str(), pool["allocated"].as_u64()),
            (Some("expired"), Some(0))
        );
        refused(db, &["lease", "checkout", "CAD", "ws-2"], "pool_expired");
        // A list signed by another key revokes nothing.
        let stranger = Vendor::new(db, 9);
        let forged = stranger.revoke("forged.rev", 3, &[1]);
        let lic2 = vendor.license("acme2.lic", 2, Some(QuotaLimit::Limited(3)), Some(30));
        ok(db, &["pool", "license", "CAD", &lic2]);
        assert_eq!(
            ok(db, &["license-check", "--revocations", &forged])["pools"][0]["revoked"],
            false
        );
        assert_eq!(ok(db, &["pool", "show", "CAD"])["status"], "active");
    });
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..150 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn the_server_follows_the_license_and_rereads_its_revocation_list() {
    let db = Db::sqlite();
    let vendor = Vendor::new(&db, 7);
    let rev = vendor.revoke("list.rev", 1, &[]);
    let s = Server::start(&db, &["--revocations", &rev, "--license-check", "1h"]);
    // Over the API: a pool from a license.
    let lic = vendor.license("acme.lic", 1, Some(QuotaLimit::Limited(2)), Some(30));
    let body = json!({"name": "CAD", "vendor": "Acme", "policy": "revoke_all", "license": {
        "key": std::fs::read_to_string(&lic).unwrap(), "quota": "seats",
        "public_keys": [vendor.key.public_key().to_text()], "catalog": CATALOG}});
    let created = s.send(ADMIN, "POST", "/api/v1/pools", &body);
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (
            created.body["capacity"].as_u64(),
            created.body["license_type"].as_str()
        ),
        (Some(2), Some("concurrent"))
    );
    let with_capacity = s.send(
        ADMIN,
        "POST",
        "/api/v1/pools",
        &json!({"name": "X", "vendor": "V", "capacity": 3,
        "license": body["license"].clone()}),
    );
    assert_eq!(with_capacity.status, 422, "{}", with_capacity.text);
    let renewed = vendor.license("more.lic", 2, Some(QuotaLimit::Limited(4)), Some(60));
    let up = s.send(
        ADMIN,
        "POST",
        "/api/v1/pools/CAD/license",
        &json!({"key": std::fs::read_to_string(&renewed).unwrap()}),
    );
    assert_eq!(
        (up.status, up.body["capacity"].as_u64()),
        (200, Some(4)),
        "{}",
        up.text
    );
    let lease = s.send(
        INSTANCE,
        "POST",
        "/api/v1/leases",
        &json!({"pool": "CAD", "holder": "ws-1"}),
    );
    assert_eq!(lease.status, 200, "{}", lease.text);
    // The vendor revokes the license: the server sees the new file on its
    // own and the pool ends, its lease with it.
    std::thread::sleep(Duration::from_millis(1100)); // a new modification time
    vendor.revoke("list.rev", 2, &[2]);
    wait_for("the pool to expire", || {
        let pool = s.get(ADMIN, "/api/v1/pools/CAD");
        pool.body["status"] == "expired" && pool.body["allocated"] == 0
    });
    let refused = s.send(
        INSTANCE,
        "POST",
        "/api/v1/leases",
        &json!({"pool": "CAD", "holder": "ws-2"}),
    );
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (409, Some("pool_expired"))
    );
    let trail = s.get(ADMIN, "/api/v1/audit?action=pool.updated");
    let actors: Vec<Value> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].clone())
        .collect();
    assert!(
        actors.contains(&json!("licman-seats serve (license check)")),
        "{actors:?}"
    );
    // A damaged file keeps the list in force.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(vendor.path("list.rev"), "not a list").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(s.get("", "/healthz").status, 200);
    assert_eq!(s.get(ADMIN, "/api/v1/pools/CAD").body["status"], "expired");
}

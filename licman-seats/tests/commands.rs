//! Every command of `licman-seats` beyond pools and assignments, as a user
//! runs them, on SQLite and on PostgreSQL: leases, incompatibilities,
//! reclamation rules, entitlement links, expiry, analytics, the compliance
//! report, CSV import, bulk reclaim, sorting, and pool secrets.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use common::*;
use serde_json::Value;

fn concurrent_pool(db: &Db, name: &str, capacity: u32, overage: &str) {
    let cap = capacity.to_string();
    ok(
        db,
        &[
            "pool",
            "create",
            "--name",
            name,
            "--vendor",
            "Acme",
            "--capacity",
            &cap,
            "--type",
            "concurrent",
            "--overage",
            overage,
            "--ttl",
            "10m",
        ],
    );
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn leases_check_out_renew_release_and_die_with_overage_flagged() {
    on_each_backend(|db| {
        concurrent_pool(db, "Float", 2, "1.5x");
        let a = ok(db, &["lease", "checkout", "Float", "inst-1"]);
        assert_eq!(
            (a["status"].as_str(), a["overage"].as_bool()),
            (Some("active"), Some(false))
        );
        assert_eq!(a["holder"], "inst-1");
        let again = ok(db, &["lease", "checkout", "Float", "inst-1"]);
        assert_eq!(again["id"], a["id"], "the same holder gets its lease back");
        ok(db, &["lease", "checkout", "Float", "inst-2"]);
        let over = ok(db, &["lease", "checkout", "Float", "inst-3"]);
        assert_eq!(over["overage"], true, "{over}");
        let full = refused(
            db,
            &["lease", "checkout", "Float", "inst-4"],
            "capacity_exceeded",
        );
        assert_eq!(full["error"]["capacity"], 3, "{full}");
        assert_eq!(full["error"]["allocated"], 3, "{full}");
        // A named pool refuses checkouts, a concurrent one assignments.
        pool(db, "Named", 1);
        refused(
            db,
            &["lease", "checkout", "Named", "inst-1"],
            "wrong_license_type",
        );
        refused(db, &["lease", "checkout", "Float", ""], "invalid_value");
        refused(
            db,
            &["lease", "checkout", "Float", "x", "--ttl", "5s"],
            "invalid_value",
        );

        let id = str_of(&a, "id");
        let renewed = ok(db, &["lease", "heartbeat", id]);
        assert!(str_of(&renewed, "expires_at") >= str_of(&a, "expires_at"));
        let released = ok(db, &["lease", "release", id]);
        assert_eq!(released["status"], "released");
        refused(db, &["lease", "heartbeat", id], "lease_not_out");
        refused(db, &["lease", "release", "lease_nope"], "unknown_lease");
        ok(db, &["lease", "checkout", "Float", "inst-4"]);

        let live = ok(db, &["leases", "--pool", "Float", "--status", "active"]);
        assert_eq!(live["total"], 3, "{live}");
        // An hour on, without heartbeats, every lease is dead and its seat free.
        let later = chrono_later(str_of(&released, "expires_at"), 3600);
        let dead = ok(db, &["--at", &later, "leases", "--status", "expired"]);
        assert_eq!(dead["total"], 3, "{dead}");
        let fresh = ok(
            db,
            &["--at", &later, "lease", "checkout", "Float", "inst-9"],
        );
        assert_eq!(fresh["overage"], false);
        refused(db, &["leases", "--status", "sleeping"], "invalid_value");
        ok(db, &["audit", "verify"]);
    });
}

/// An RFC 3339 UTC time `seconds` after `at` (`2026-12-02T01:02:03Z`).
fn chrono_later(at: &str, seconds: u64) -> String {
    let t = licman_core::Timestamp::parse_utc(at).unwrap();
    licman_core::Timestamp::from_unix_seconds(t.unix_seconds() + seconds).to_string()
}

#[test]
fn sixteen_processes_racing_for_five_lease_slots_give_exactly_five() {
    on_each_backend(|db| {
        concurrent_pool(db, "Float", 5, "none");
        let each: Vec<Vec<String>> = (0..16)
            .map(|i| {
                vec![
                    "lease".into(),
                    "checkout".into(),
                    "Float".into(),
                    format!("instance-{i}"),
                ]
            })
            .collect();
        let results = race(db, &each);
        let won = results.iter().filter(|(code, _)| *code == 0).count();
        assert_eq!(won, 5, "{:?}: {results:?}", db.kind);
        for (code, json) in results.iter().filter(|(code, _)| *code != 0) {
            assert_eq!(
                (*code, json["error"]["code"].as_str()),
                (1, Some("capacity_exceeded"))
            );
        }
        let out = ok(db, &["audit", "--action", "lease.out"]);
        assert_eq!(out["total"], 5);
        ok(db, &["audit", "verify"]);
    });
}

#[test]
fn an_incompatibility_refuses_the_second_seat_and_names_the_pool() {
    on_each_backend(|db| {
        let figma = pool(db, "Figma", 5);
        pool(db, "Sketch", 5);
        users(db, 2);
        let rule = ok(
            db,
            &[
                "incompat",
                "add",
                "Figma",
                "Sketch",
                "--reason",
                "one design tool",
            ],
        );
        assert_eq!(
            (rule["pool_a_name"].as_str(), rule["pool_b_name"].as_str()),
            (Some("Figma"), Some("Sketch"))
        );
        refused(
            db,
            &["incompat", "add", "Sketch", "Figma", "--reason", "again"],
            "duplicate_rule",
        );
        refused(
            db,
            &["incompat", "add", "Figma", "Figma", "--reason", "self"],
            "same_pool",
        );
        ok(db, &["assign", "Figma", "u0000"]);
        let json = refused(db, &["assign", "Sketch", "u0000"], "incompatible");
        assert_eq!(json["error"]["pool_id"], figma.as_str(), "{json}");
        assert_eq!(json["error"]["pool_name"], "Figma");
        let message = str_of(&json["error"], "message");
        assert!(
            message.contains(&figma) && message.contains("Figma"),
            "{message}"
        );
        ok(db, &["assign", "Sketch", "u0001"]);
        assert_eq!(
            ok(db, &["incompat", "list", "--pool", "Sketch"])["total"],
            1
        );
        ok(db, &["incompat", "remove", str_of(&rule, "id")]);
        refused(
            db,
            &["incompat", "remove", str_of(&rule, "id")],
            "unknown_incompatibility",
        );
        ok(db, &["assign", "Sketch", "u0000"]);
        assert_eq!(
            ok(db, &["audit", "--action", "incompatibility.created"])["total"],
            1
        );
    });
}

#[test]
fn reclamation_rules_plan_notify_then_reclaim() {
    on_each_backend(|db| {
        pool(db, "Figma", 5);
        ok(db, &["user", "add", "idle", "--email", "idle@example.com"]);
        ok(db, &["user", "add", "busy", "--email", "busy@example.com"]);
        ok(db, &["user", "add", "gone", "--email", "gone@example.com"]);
        for u in ["idle", "busy", "gone"] {
            ok(db, &["--at", "2026-01-01", "assign", "Figma", u]);
        }
        ok(db, &["user", "set", "idle", "--last-active", "2026-01-01"]);
        ok(db, &["user", "set", "busy", "--last-active", "2026-11-30"]);
        ok(
            db,
            &[
                "user",
                "set",
                "gone",
                "--state",
                "terminated",
                "--last-active",
                "2026-11-30",
            ],
        );
        let inactivity = ok(
            db,
            &[
                "rule",
                "add",
                "Figma",
                "--inactivity",
                "90",
                "--notify",
                "7",
            ],
        );
        assert_eq!(
            (
                inactivity["trigger"].as_str(),
                inactivity["threshold_days"].as_u64(),
                inactivity["notify_days"].as_u64()
            ),
            (Some("inactivity"), Some(90), Some(7))
        );
        let lifecycle = ok(
            db,
            &[
                "rule",
                "add",
                "Figma",
                "--lifecycle",
                "terminated",
                "--notify",
                "0",
            ],
        );
        assert_eq!(lifecycle["state"], "terminated");
        refused(
            db,
            &[
                "rule",
                "update",
                str_of(&lifecycle, "id"),
                "--threshold",
                "5",
            ],
            "invalid_value",
        );
        refused(
            db,
            &["rule", "add", "Figma", "--inactivity", "0"],
            "invalid_value",
        );

        let plan = ok(db, &["--at", "2026-12-01", "reclaim-run"]);
        assert_eq!(plan["applied"], false);
        assert_eq!(plan["notices"].as_array().unwrap().len(), 1, "{plan}");
        assert_eq!(plan["notices"][0]["user_id"], "idle");
        assert_eq!(plan["reclaims"].as_array().unwrap().len(), 1, "{plan}");
        assert_eq!(plan["reclaims"][0]["user_id"], "gone");
        let before = events(db);
        let _ = ok(db, &["--at", "2026-12-01", "reclaim-run"]);
        assert_eq!(events(db), before, "a plan writes nothing");

        let applied = ok(db, &["--at", "2026-12-01", "reclaim-run", "--apply"]);
        assert_eq!(applied["applied"], true);
        assert_eq!(ok(db, &["audit", "--action", "notice.sent"])["total"], 1);
        assert_eq!(
            ok(db, &["assignments", "--status", "reclaimed"])["total"],
            1
        );
        // Seven days after the notice the idle user's seat is reclaimed.
        let early = ok(db, &["--at", "2026-12-05", "reclaim-run"]);
        assert_eq!(early["reclaims"].as_array().unwrap().len(), 0, "{early}");
        ok(db, &["--at", "2026-12-08", "reclaim-run", "--apply"]);
        let reclaimed = ok(
            db,
            &["assignments", "--status", "reclaimed", "--sort", "user_id"],
        );
        let who: Vec<&str> = reclaimed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| str_of(a, "user_id"))
            .collect();
        assert_eq!(who, ["gone", "idle"]);
        assert!(str_of(&reclaimed["items"][1], "ended_at").starts_with("2026-12-08"));

        let id = str_of(&inactivity, "id");
        let updated = ok(
            db,
            &[
                "rule",
                "update",
                id,
                "--threshold",
                "30",
                "--enabled",
                "false",
            ],
        );
        assert_eq!(
            (
                updated["threshold_days"].as_u64(),
                updated["enabled"].as_bool()
            ),
            (Some(30), Some(false))
        );
        assert_eq!(ok(db, &["rule", "list", "--enabled", "false"])["total"], 1);
        assert_eq!(
            ok(db, &["rule", "list", "--trigger", "lifecycle"])["total"],
            1
        );
        refused(db, &["rule", "list", "--trigger", "moon"], "invalid_value");
        ok(db, &["rule", "remove", id]);
        refused(db, &["rule", "remove", id], "unknown_rule");
        assert_eq!(ok(db, &["audit", "--action", "rule.updated"])["total"], 1);
    });
}

#[test]
fn entitlement_links_grant_from_the_best_pool_and_withdraw() {
    on_each_backend(|db| {
        pool(db, "Small", 1);
        pool(db, "Large", 5);
        users(db, 3);
        ok(db, &["link", "add", "Small", "design", "--priority", "10"]);
        let large = ok(db, &["link", "add", "Large", "design", "--priority", "-1"]);
        assert_eq!(large["priority"], -1);
        let first = ok(db, &["grant", "u0000", "design"]);
        assert_eq!(
            (first["pool_name"].as_str(), first["source"].as_str()),
            (Some("Small"), Some("entitlement"))
        );
        let second = ok(db, &["grant", "u0001", "design"]);
        assert_eq!(second["pool_name"], "Large", "the full pool is passed over");
        refused(db, &["grant", "u0001", "design"], "already_granted");
        refused(db, &["grant", "u0002", "video"], "no_linked_seat");
        let back = ok(db, &["withdraw", "u0000", "design"]);
        assert_eq!(back["status"], "released");
        refused(db, &["withdraw", "u0000", "design"], "not_granted");
        ok(
            db,
            &["link", "update", str_of(&large, "id"), "--enabled", "false"],
        );
        assert_eq!(
            ok(db, &["link", "list", "--entitlement", "design"])["total"],
            2
        );
        ok(db, &["link", "remove", str_of(&large, "id")]);
        assert_eq!(ok(db, &["link", "list"])["total"], 1);
    });
}

#[test]
fn expiry_revokes_or_blocks_per_policy_and_counts_days_rounded_up() {
    on_each_backend(|db| {
        for (name, policy) in [("Revoke", "revoke-all"), ("Block", "block-new")] {
            ok(
                db,
                &[
                    "pool",
                    "create",
                    "--name",
                    name,
                    "--vendor",
                    "V",
                    "--capacity",
                    "3",
                    "--expires",
                    "2027-01-31",
                    "--policy",
                    policy,
                ],
            );
        }
        users(db, 2);
        ok(db, &["assign", "Revoke", "u0000"]);
        ok(db, &["assign", "Block", "u0000"]);
        let shown = ok(
            db,
            &["--at", "2027-01-01T12:00:00Z", "pool", "show", "Block"],
        );
        assert_eq!(shown["days_until_expiration"], 30);
        let on_day = ok(db, &["--at", "2027-01-31", "pool", "show", "Block"]);
        assert_eq!(on_day["status"], "expired", "expired from its date on");
        refused(
            db,
            &["--at", "2027-01-31", "assign", "Block", "u0001"],
            "pool_expired",
        );
        let expired = ok(db, &["--at", "2027-02-01", "expire"]);
        assert_eq!(
            expired["expired_pools"].as_array().unwrap().len(),
            2,
            "{expired}"
        );
        assert_eq!(
            expired["expired_assignments"].as_array().unwrap().len(),
            1,
            "{expired}"
        );
        assert_eq!(
            ok(
                db,
                &["assignments", "--pool", "Revoke", "--status", "expired"]
            )["total"],
            1
        );
        assert_eq!(
            ok(
                db,
                &["assignments", "--pool", "Block", "--status", "active"]
            )["total"],
            1
        );
        assert_eq!(ok(db, &["pool", "list", "--status", "expired"])["total"], 2);
        assert_eq!(
            ok(db, &["--at", "2027-02-01", "expire"])["expired_pools"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
    });
}

#[test]
fn analytics_and_the_compliance_report_follow_the_contract() {
    on_each_backend(|db| {
        pool(db, "Figma", 10);
        ok(
            db,
            &[
                "pool",
                "create",
                "--name",
                "Yen",
                "--vendor",
                "Sony",
                "--capacity",
                "4",
                "--cost",
                "1200",
                "--currency",
                "JPY",
                "--billing",
                "annual",
                "--expires",
                "2027-01-15",
            ],
        );
        users(db, 2);
        ok(db, &["assign", "Figma", "u0000"]);
        let a = ok(db, &["--at", "2026-12-20", "analytics", "--window", "60"]);
        let s = &a["summary"];
        assert_eq!(
            (
                s["total_pools"].as_u64(),
                s["total_capacity"].as_u64(),
                s["total_allocated"].as_u64()
            ),
            (Some(2), Some(14), Some(1))
        );
        assert_eq!(s["total_available"], 13);
        assert_eq!(s["utilization_pct"], "7.1");
        assert_eq!(s["expiring_soon"], 1);
        let monthly = s["monthly_cost"].as_array().unwrap();
        assert!(
            monthly.contains(&serde_json::json!({"amount": "400", "currency": "JPY"})),
            "{monthly:?}"
        );
        assert!(
            monthly.contains(&serde_json::json!({"amount": "150.00", "currency": "USD"})),
            "{monthly:?}"
        );
        assert_eq!(a["pools"].as_array().unwrap().len(), 2);
        let vendor = &a["vendors"][0];
        for key in [
            "vendor",
            "currency",
            "pools",
            "capacity",
            "allocated",
            "monthly_cost",
        ] {
            assert!(vendor.get(key).is_some(), "{key} in {vendor}");
        }
        assert_eq!(a["expiring"][0]["days_until_expiration"], 26);
        assert_eq!(a["expiring"][0]["policy"], "block_new");
        let rec = a["recommendations"].as_array().unwrap();
        assert!(!rec.is_empty());
        for r in rec {
            for key in ["kind", "pool_id", "message", "potential_savings"] {
                assert!(r.get(key).is_some(), "{key} in {r}");
            }
        }
        let report = ok(db, &["report", "--vendor", "Acme"]);
        assert_eq!(report["compliant"], true, "{report}");
        assert_eq!(report["pools"].as_array().unwrap().len(), 1);
        refused(db, &["report", "--pool", "Nope"], "unknown_pool");
    });
}

#[test]
fn user_import_adds_updates_and_refuses_a_bad_file_whole() {
    on_each_backend(|db| {
        let file = db.dir().join("users.csv");
        std::fs::write(
            &file,
            "id,email,active,state,last_active\n\
             ada,ada@example.com,true,active,2026-11-01\n\
             \"bob\",\"bob@example.com\",no,\"on_leave\",\n\
             cy,cy@example.com,,,\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let first = ok(db, &["user", "import", path]);
        assert_eq!(
            (first["created"].as_u64(), first["updated"].as_u64()),
            (Some(3), Some(0))
        );
        let again = ok(db, &["user", "import", path]);
        assert_eq!(
            (again["created"].as_u64(), again["unchanged"].as_u64()),
            (Some(0), Some(3)),
            "idempotent"
        );
        let users = ok(db, &["user", "list", "--sort", "id"]);
        assert_eq!(users["items"][1]["active"], false);
        assert_eq!(users["items"][1]["state"], "on_leave");
        assert!(str_of(&users["items"][0], "last_active").starts_with("2026-11-01"));

        std::fs::write(&file, "email,id\nnew@example.com,ada\n").unwrap();
        let changed = ok(db, &["user", "import", path]);
        assert_eq!(changed["updated"], 1, "columns in any order: {changed}");

        let before = events(db);
        for (csv, line) in [
            ("id,email,active\nzed,zed@example.com,maybe\n", "line 2"),
            (
                "id,email\nzed,zed@example.com\nzed,z2@example.com\n",
                "line 3",
            ),
            ("id,email,colour\nzed,zed@example.com,red\n", "line 1"),
            ("id,active\nzed,true\n", "line 1"),
            (
                "id,email,last_active\nzed,zed@example.com,last tuesday\n",
                "line 2",
            ),
            (
                "id,email\nzed,zed@example.com\nyan,not-an-email\n",
                "line 3",
            ),
            ("id,email\nzed,zed@example.com,extra\n", "line 2"),
            ("id,email\n\"unterminated,zed@example.com\n", "line"),
        ] {
            std::fs::write(&file, csv).unwrap();
            let json = refused(db, &["user", "import", path], "invalid_value");
            let message = str_of(&json["error"], "message");
            assert!(
                message.contains(line) && message.contains("nothing was imported"),
                "{csv:?}: {message}"
            );
        }
        assert_eq!(events(db), before, "nothing was written");
        refused(db, &["user", "import", "/nonexistent/users.csv"], "io");
    });
}

#[test]
fn bulk_reclaim_reports_each_assignment_in_input_order() {
    on_each_backend(|db| {
        pool(db, "Figma", 5);
        pool(db, "Other", 5);
        users(db, 3);
        let a = ok(db, &["assign", "Figma", "u0000"]);
        let b = ok(db, &["assign", "Figma", "u0001"]);
        let c = ok(db, &["assign", "Other", "u0002"]);
        let list = format!(
            "{}\n{}\nasg_missing\n{}\n{}\n",
            str_of(&a, "id"),
            str_of(&c, "id"),
            str_of(&b, "id"),
            str_of(&a, "id")
        );
        let (exit, json) = run_stdin(
            db,
            &[
                "bulk",
                "reclaim",
                "Figma",
                "--assignments",
                "-",
                "--reason",
                "audit",
            ],
            &list,
        );
        assert_eq!(exit, 0, "{json}");
        let codes: Vec<Option<&str>> = json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["error"]["code"].as_str())
            .collect();
        assert_eq!(
            codes,
            [
                None,
                Some("not_in_pool"),
                Some("unknown_assignment"),
                None,
                Some("duplicate_in_request")
            ]
        );
        assert_eq!(
            (json["succeeded"].as_u64(), json["failed"].as_u64()),
            (Some(2), Some(3))
        );
        assert_eq!(
            ok(
                db,
                &["assignments", "--pool", "Other", "--status", "active"]
            )["total"],
            1
        );
        let (exit, json) = run_stdin(
            db,
            &[
                "bulk",
                "reclaim",
                "Figma",
                "--assignments",
                "-",
                "--reason",
                "",
            ],
            &list,
        );
        assert_eq!(
            (exit, json["error"]["code"].as_str()),
            (1, Some("reason_required"))
        );
    });
}

#[test]
fn lists_sort_by_any_field_and_page() {
    on_each_backend(|db| {
        for (name, cap) in [("B", 3), ("A", 10), ("C", 1)] {
            pool(db, name, cap);
        }
        let by_cap = ok(db, &["pool", "list", "--sort", "-capacity"]);
        let names: Vec<&str> = by_cap["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| str_of(p, "name"))
            .collect();
        assert_eq!(names, ["A", "B", "C"]);
        let page = ok(
            db,
            &[
                "pool", "list", "--sort", "capacity", "--limit", "1", "--offset", "1",
            ],
        );
        assert_eq!(
            (page["total"].as_u64(), page["items"][0]["name"].as_str()),
            (Some(3), Some("B"))
        );
        let json = refused(db, &["pool", "list", "--sort", "colour"], "invalid_value");
        assert!(str_of(&json["error"], "message").contains("capacity"));
        let events = ok(db, &["audit", "--sort", "-seq", "--limit", "1"]);
        assert_eq!(events["items"][0]["seq"], 3);
        // A page of the trail in its own order is read in the database; it
        // is the same page as the whole trail (read in memory) cut by hand.
        let seqs = |v: &serde_json::Value| -> Vec<u64> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_u64().unwrap())
                .collect()
        };
        let whole = seqs(&ok(db, &["audit", "--sort", "at", "--limit", "1000"]));
        assert_eq!(whole, (1..=whole.len() as u64).collect::<Vec<_>>());
        for sort in ["seq", "-seq"] {
            let mut expected = whole.clone();
            if sort == "-seq" {
                expected.reverse();
            }
            for (limit, offset) in [(2, 0), (2, 1), (5, 2), (1, 9), (3, 100)] {
                let page = ok(
                    db,
                    &[
                        "audit",
                        "--sort",
                        sort,
                        "--limit",
                        &limit.to_string(),
                        "--offset",
                        &offset.to_string(),
                    ],
                );
                let want: Vec<u64> = expected.iter().skip(offset).take(limit).copied().collect();
                assert_eq!(seqs(&page), want, "{sort} {limit} {offset}");
                assert_eq!(page["total"].as_u64(), Some(whole.len() as u64));
            }
        }
        let filtered = ok(
            db,
            &[
                "audit",
                "--action",
                "pool.created",
                "--sort",
                "-seq",
                "--limit",
                "2",
            ],
        );
        assert_eq!(filtered["total"], 3);
        assert_eq!(filtered["items"][0]["seq"], 3);
    });
}

#[test]
fn pool_secrets_are_sealed_audited_rotated_and_never_stored_in_clear() {
    const SECRET: &str = "VENDOR-SERIAL-7f3a9c2e51";
    on_each_backend(|db| {
        let dir = db.dir();
        let key = dir.join("site.key");
        let key2 = dir.join("site2.key");
        let secret = dir.join("secret.txt");
        std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
        let (k, k2, s) = (
            key.to_str().unwrap(),
            key2.to_str().unwrap(),
            secret.to_str().unwrap(),
        );
        // Keep a connection open so SQLite's WAL stays on disk to be read.
        let _hold = (db.kind == Kind::Sqlite).then(|| {
            ok(db, &["pool", "list"]);
            let conn = rusqlite::Connection::open(db.path()).unwrap();
            let _: i64 = conn
                .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
                .unwrap();
            conn
        });
        let made = ok(db, &["site-key", "new", "--out", k]);
        assert!(made["key_id"].is_string());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let text = std::fs::read(&key).unwrap();
        refused(db, &["site-key", "new", "--out", k], "site_key");
        assert_eq!(
            std::fs::read(&key).unwrap(),
            text,
            "an existing key is never replaced"
        );
        ok(db, &["site-key", "new", "--out", k2]);

        refused(
            db,
            &[
                "pool",
                "create",
                "--name",
                "Figma",
                "--vendor",
                "F",
                "--capacity",
                "2",
                "--secret-file",
                s,
            ],
            "site_key",
        );
        ok(
            db,
            &[
                "--site-key",
                k,
                "pool",
                "create",
                "--name",
                "Figma",
                "--vendor",
                "F",
                "--capacity",
                "2",
                "--secret-file",
                s,
            ],
        );
        let shown = ok(db, &["--site-key", k, "pool", "secret", "Figma"]);
        assert_eq!(shown["secret"], SECRET);
        refused(db, &["pool", "secret", "Figma"], "site_key");
        refused(
            db,
            &["--site-key", k2, "pool", "secret", "Figma"],
            "wrong_site_key",
        );
        let reads = ok(db, &["audit", "--action", "pool.secret_read"]);
        assert_eq!(reads["total"], 1, "one read succeeded and is recorded");
        assert_eq!(
            ok(db, &["audit", "--action", "pool.secret_set"])["total"],
            1
        );
        let pool_json = ok(db, &["pool", "show", "Figma"]).to_string();
        assert!(!pool_json.contains(SECRET));

        // A key that others may read is refused.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            refused(
                db,
                &["--site-key", k, "pool", "secret", "Figma"],
                "site_key",
            );
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }

        let rotated = ok(db, &["--site-key", k, "rekey", "--new-key", k2]);
        assert_eq!(rotated["secrets"], 1);
        assert_eq!(
            ok(db, &["--site-key", k2, "pool", "secret", "Figma"])["secret"],
            SECRET
        );
        refused(
            db,
            &["--site-key", k, "pool", "secret", "Figma"],
            "wrong_site_key",
        );
        ok(db, &["audit", "verify"]);

        // The raw files hold neither the secret nor the key.
        let key_text = String::from_utf8(std::fs::read(&key2).unwrap()).unwrap();
        let key_hex = key_text
            .trim()
            .trim_start_matches("lmsitekey1_")
            .to_string();
        if db.kind == Kind::Postgres {
            // Flush the heap: a tuple never spans a page there, while a WAL
            // record may straddle a WAL page boundary.
            db.sql("CHECKPOINT").unwrap();
        }
        let files = raw_files(db);
        let readable = files.iter().any(|f| {
            let bytes = std::fs::read(f).unwrap_or_default();
            bytes.windows(16).any(|w| w == b"pool.secret_read")
        });
        assert!(
            files.is_empty() || readable,
            "the files read are the store's: the trail's actions are in them"
        );
        for file in files {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for needle in [SECRET.as_bytes(), key_hex.as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} holds a secret in clear",
                    file.display()
                );
            }
        }
        ok(db, &["pool", "delete", "Figma"]);
        refused(
            db,
            &["--site-key", k2, "pool", "secret", "Figma"],
            "unknown_pool",
        );
    });
}

/// Every file the store's data is in: the SQLite file with its WAL and
/// shared memory, or the PostgreSQL data directory (its WAL included).
fn raw_files(db: &Db) -> Vec<std::path::PathBuf> {
    let roots: Vec<std::path::PathBuf> = match db.kind {
        Kind::Sqlite => {
            let wal = std::path::PathBuf::from(format!("{}-wal", db.url));
            assert!(wal.exists(), "the WAL is there to be read");
            vec![
                db.path().to_path_buf(),
                wal,
                format!("{}-shm", db.url).into(),
            ]
        }
        Kind::Postgres => match std::env::var("LICMAN_SEATS_TEST_PG_DATA") {
            Ok(dir) => vec![dir.into()],
            Err(_) => {
                eprintln!(
                    "LICMAN_SEATS_TEST_PG_DATA is not set: the PostgreSQL files are not read"
                );
                Vec::new()
            }
        },
    };
    let mut files = Vec::new();
    let mut stack = roots;
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if p.exists() {
            files.push(p);
        }
    }
    if db.kind == Kind::Postgres && std::env::var_os("LICMAN_SEATS_TEST_PG_DATA").is_some() {
        assert!(
            files.iter().any(|f| f.to_string_lossy().contains("pg_wal")),
            "the WAL is read"
        );
    }
    files
}

#[test]
fn export_and_import_copy_the_trail_or_merge_idempotently() {
    on_each_backend(|db| {
        let dir = db.dir();
        let key = dir.join("site.key");
        let k = key.to_str().unwrap();
        ok(db, &["site-key", "new", "--out", k]);
        let secret = dir.join("secret.txt");
        std::fs::write(&secret, "TOKEN-42").unwrap();
        ok(
            db,
            &[
                "--site-key",
                k,
                "pool",
                "create",
                "--name",
                "=HYPERLINK(\"x\")",
                "--vendor",
                "@Acme",
                "--capacity",
                "3",
                "--notes=-5 seats, 'quoted'",
                "--secret-file",
                secret.to_str().unwrap(),
            ],
        );
        pool(db, "Old", 2);
        users(db, 2);
        ok(db, &["assign", "Old", "u0000"]);
        let ended = ok(db, &["assign", "Old", "u0001"]);
        ok(db, &["deallocate", str_of(&ended, "id")]);
        ok(
            db,
            &[
                "incompat",
                "add",
                "Old",
                "=HYPERLINK(\"x\")",
                "--reason",
                "+1 conflict",
            ],
        );
        ok(db, &["rule", "add", "Old", "--lifecycle", "terminated"]);
        ok(db, &["link", "add", "Old", "design"]);
        ok(
            db,
            &["export", "--out", dir.join("first.json").to_str().unwrap()],
        );
        ok(db, &["pool", "archive", "Old"]);

        // JSON, without secrets, into an empty store: the trail itself.
        let json_path = dir.join("all.json");
        let j = json_path.to_str().unwrap();
        ok(db, &["export", "--out", j]);
        // The trail's hashes read as the audit listing shows them: hex.
        let exported: Value =
            serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        let listed = ok(db, &["audit", "--limit", "1000"]);
        let trail = exported["events"].as_array().unwrap();
        assert!(!trail.is_empty());
        for (exported, listed) in trail.iter().zip(listed["items"].as_array().unwrap()) {
            assert_eq!(exported["seq"], listed["seq"]);
            assert_eq!(exported["hash"], listed["hash"], "{exported}");
            assert_eq!(exported["prev_hash"], listed["prev_hash"], "{exported}");
            assert_eq!(exported["hash"].as_str().map(str::len), Some(64));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&json_path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        refused(db, &["export", "--out", j], "io");
        let text = std::fs::read_to_string(&json_path).unwrap();
        assert!(
            !text.contains("TOKEN-42"),
            "no secret without --with-secrets"
        );
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["format"], "licman-seats-export");
        let copy = Db::sqlite();
        let imported = ok(&copy, &["import", j]);
        assert_eq!(imported["mode"], "trail", "{imported}");
        assert_eq!(
            ok(&copy, &["audit", "verify"])["events"],
            doc["events"].as_array().unwrap().len()
        );
        for list in [
            &["pool", "list"][..],
            &["assignments", "--limit", "100"][..],
        ] {
            assert_eq!(ok(&copy, list)["items"], ok(db, list)["items"], "{list:?}");
        }
        let before = events(&copy);
        let again = ok(&copy, &["import", j]);
        assert_eq!(again["mode"], "merge");
        assert_eq!(again["created"], serde_json::json!({}), "{again}");
        assert_eq!(events(&copy), before, "a second import changes nothing");

        // With secrets: in clear in the file, every read audited.
        let reads = ok(db, &["audit", "--action", "pool.secret_read"])["total"]
            .as_u64()
            .unwrap();
        let with = dir.join("secret.json");
        refused(
            db,
            &["export", "--with-secrets", "--out", with.to_str().unwrap()],
            "site_key",
        );
        ok(
            db,
            &[
                "--site-key",
                k,
                "export",
                "--with-secrets",
                "--out",
                with.to_str().unwrap(),
            ],
        );
        assert!(std::fs::read_to_string(&with).unwrap().contains("TOKEN-42"));
        assert_eq!(
            ok(db, &["audit", "--action", "pool.secret_read"])["total"]
                .as_u64()
                .unwrap(),
            reads + 1
        );
        let sealed_copy = Db::sqlite();
        refused(
            &sealed_copy,
            &["import", with.to_str().unwrap()],
            "site_key",
        );
        ok(
            &sealed_copy,
            &["--site-key", k, "import", with.to_str().unwrap()],
        );
        assert_eq!(
            ok(
                &sealed_copy,
                &["--site-key", k, "pool", "secret", "=HYPERLINK(\"x\")"]
            )["secret"],
            "TOKEN-42"
        );

        // CSV: formula cells escaped, and a merge into a store with data.
        let csv_dir = dir.join("csv");
        ok(
            db,
            &[
                "export",
                "--format",
                "csv",
                "--out",
                csv_dir.to_str().unwrap(),
            ],
        );
        let pools_csv = std::fs::read_to_string(csv_dir.join("pools.csv")).unwrap();
        assert!(
            pools_csv.contains("'=HYPERLINK")
                && pools_csv.contains("'@Acme")
                && pools_csv.contains("'-5 seats"),
            "{pools_csv}"
        );
        refused(
            db,
            &[
                "export",
                "--format",
                "csv",
                "--out",
                csv_dir.to_str().unwrap(),
            ],
            "io",
        );
        let merged = Db::sqlite();
        pool(&merged, "Local", 1);
        let first = ok(&merged, &["import", csv_dir.to_str().unwrap()]);
        assert_eq!(first["created"]["pools"], 2, "{first}");
        assert_eq!(first["created"]["assignments"], 1, "{first}");
        assert_eq!(first["history_not_imported"], 1, "{first}");
        let shown = ok(&merged, &["pool", "show", "=HYPERLINK(\"x\")"]);
        assert_eq!(
            (shown["vendor"].as_str(), shown["notes"].as_str()),
            (Some("@Acme"), Some("-5 seats, 'quoted'"))
        );
        assert_eq!(ok(&merged, &["pool", "show", "Old"])["status"], "archived");
        assert_eq!(
            ok(&merged, &["incompat", "list"])["items"][0]["reason"],
            "+1 conflict"
        );
        let n = events(&merged);
        ok(&merged, &["import", csv_dir.to_str().unwrap()]);
        assert_eq!(events(&merged), n, "idempotent");

        // A damaged document is refused whole.
        let bad = dir.join("bad.json");
        std::fs::write(&bad, text.replacen("\"version\": 1", "\"version\": 9", 1)).unwrap();
        refused(
            &Db::sqlite(),
            &["import", bad.to_str().unwrap()],
            "invalid_value",
        );
        let mut tampered: Value = serde_json::from_str(&text).unwrap();
        tampered["events"][1]["actor"] = "mallory".into();
        std::fs::write(&bad, tampered.to_string()).unwrap();
        let empty = Db::sqlite();
        refused(&empty, &["import", bad.to_str().unwrap()], "audit_broken");
        assert_eq!(events(&empty), 0);
    });
}

#[test]
fn a_store_far_behind_catches_up_across_read_batches_inside_its_write() {
    use licman_core::seats::Command;
    use licman_seats::store::Store;
    on_each_backend(|db| {
        let user = |id: String| create_user(&id);
        let mut behind = Store::open(&db.url).unwrap();
        behind.run(&user("first".into()), "test", None).unwrap();
        let mut ahead = Store::open(&db.url).unwrap();
        let many: Vec<Command> = (0..1_234).map(|i| user(format!("u{i}"))).collect();
        assert_eq!(ahead.run_all(&many, "test", None).unwrap().len(), 1_234);
        // 1,234 events appeared since `behind` last looked: its write reads
        // them all (more than one batch) under the lock, then decides.
        behind.run(&user("last".into()), "test", None).unwrap();
        assert_eq!(behind.state().users().count(), 1_236);
        let refused = behind.run_all(&[user("x".into()), user("u7".into())], "test", None);
        let failure = refused.unwrap_err();
        assert_eq!(failure.code, "duplicate_id", "{failure}");
        assert!(failure.message.contains("command 2"), "{failure}");
        assert_eq!(
            Store::open(&db.url).unwrap().state().users().count(),
            1_236,
            "all or nothing"
        );
        assert_eq!(behind.verify().unwrap(), 1_236);
    });
}

#[test]
fn a_released_seat_lingers_and_cull_ends_dead_leases() {
    on_each_backend(|db| {
        ok(
            db,
            &[
                "pool",
                "create",
                "--name",
                "CAD",
                "--vendor",
                "A",
                "--capacity",
                "1",
                "--type",
                "concurrent",
                "--ttl",
                "10m",
                "--linger",
                "2m",
            ],
        );
        let lease = ok(
            db,
            &[
                "--at",
                "2027-01-01T10:00:00Z",
                "lease",
                "checkout",
                "CAD",
                "a",
            ],
        );
        let id = str_of(&lease, "id");
        let released = ok(
            db,
            &["--at", "2027-01-01T10:01:00Z", "lease", "release", id],
        );
        assert_eq!(
            (
                released["status"].as_str(),
                released["holds_seat"].as_bool()
            ),
            (Some("released"), Some(true))
        );
        refused(
            db,
            &[
                "--at",
                "2027-01-01T10:02:00Z",
                "lease",
                "checkout",
                "CAD",
                "b",
            ],
            "capacity_exceeded",
        );
        ok(
            db,
            &[
                "--at",
                "2027-01-01T10:03:01Z",
                "lease",
                "checkout",
                "CAD",
                "b",
            ],
        );
        let culled = ok(
            db,
            &[
                "--at",
                "2027-01-01T11:00:00Z",
                "lease",
                "cull",
                "--pool",
                "CAD",
            ],
        );
        // The released lease ended when its seat was taken again; the dead
        // one is culled now.
        assert_eq!(culled["culled"].as_array().unwrap().len(), 1, "{culled}");
        assert_eq!(ok(db, &["audit", "--action", "lease.culled"])["total"], 2);
        assert_eq!(ok(db, &["leases", "--status", "ended"])["total"], 1);
        refused(
            db,
            &[
                "pool",
                "create",
                "--name",
                "X",
                "--vendor",
                "A",
                "--capacity",
                "1",
                "--linger",
                "soon",
            ],
            "invalid_value",
        );
    });
}

#[test]
fn a_refused_export_leaves_no_file_and_no_event() {
    on_each_backend(|db| {
        pool(db, "Figma", 1);
        let dir = db.dir().join("out");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("users.csv"), "mine\n").unwrap();
        let before = events(db);
        refused(
            db,
            &["export", "--format", "csv", "--out", dir.to_str().unwrap()],
            "io",
        );
        assert_eq!(
            events(db),
            before,
            "no export.written for an export that did not happen"
        );
        assert!(
            !dir.join("pools.csv").exists(),
            "no partial export left behind"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("users.csv")).unwrap(),
            "mine\n"
        );
        let file = db.dir().join("taken.json");
        std::fs::write(&file, "{}").unwrap();
        refused(db, &["export", "--out", file.to_str().unwrap()], "io");
        assert_eq!(events(db), before);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "{}");
    });
}

#[test]
fn a_merge_import_keeps_what_the_rules_would_refuse_today() {
    on_each_backend(|db| {
        ok(
            db,
            &[
                "pool",
                "create",
                "--name",
                "A",
                "--vendor",
                "V",
                "--capacity",
                "2",
                "--tag",
                "x;y",
                "--tag",
                "z,w",
            ],
        );
        pool(db, "B", 2);
        ok(db, &["user", "add", "ada", "--email", "ada@example.com"]);
        ok(db, &["assign", "A", "ada"]);
        ok(db, &["assign", "B", "ada"]);
        ok(db, &["incompat", "add", "A", "B", "--reason", "later rule"]);
        ok(db, &["user", "set", "ada", "--active", "false"]);
        let dir = db.dir();
        let json_file = dir.join("e.json");
        ok(db, &["export", "--out", json_file.to_str().unwrap()]);
        let csv_dir = dir.join("csv");
        ok(
            db,
            &[
                "export",
                "--format",
                "csv",
                "--out",
                csv_dir.to_str().unwrap(),
            ],
        );
        for source in [json_file.to_str().unwrap(), csv_dir.to_str().unwrap()] {
            let target = Db::sqlite();
            pool(&target, "Local", 1); // not empty: a merge
            let merged = ok(&target, &["import", source]);
            assert_eq!(merged["mode"], "merge");
            assert_eq!(merged["created"]["assignments"], 2, "{source}: {merged}");
            let ada = ok(&target, &["user", "list"])["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["id"] == "ada")
                .cloned()
                .unwrap();
            assert_eq!(ada["active"], false);
            assert_eq!(ok(&target, &["incompat", "list"])["total"], 1);
            assert_eq!(
                ok(&target, &["pool", "show", "A"])["tags"],
                serde_json::json!(["x;y", "z,w"])
            );
        }
    });
}

#[test]
fn a_merge_import_shortens_a_notice_as_long_as_its_threshold() {
    // Before notices had to be shorter than the threshold, `rule add
    // --inactivity 5` took the default 7 days' notice: such a rule in an
    // export comes in with the longest notice allowed, said in the answer.
    let db = Db::sqlite();
    pool(&db, "A", 2);
    ok(&db, &["rule", "add", "A", "--inactivity", "5"]);
    let shown = ok(&db, &["rule", "list"]);
    assert_eq!(
        shown["items"][0]["notify_days"], 4,
        "the default is cut: {shown}"
    );
    let file = db.dir().join("e.json");
    ok(&db, &["export", "--out", file.to_str().unwrap()]);
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc["rules"][0]["notify_days"] = 7.into();
    doc["events"] = serde_json::json!([]);
    let edited = db.dir().join("old.json");
    std::fs::write(&edited, doc.to_string()).unwrap();
    let target = Db::sqlite();
    pool(&target, "Local", 1); // not empty: a merge
    let merged = ok(&target, &["import", edited.to_str().unwrap()]);
    assert_eq!(merged["created"]["rules"], 1, "{merged}");
    let adjusted = merged["adjusted"][0].as_str().unwrap();
    assert!(adjusted.contains("shortened to 4"), "{merged}");
    assert_eq!(ok(&target, &["rule", "list"])["items"][0]["notify_days"], 4);
}

#[test]
fn sorting_mixed_values_is_a_total_order() {
    let db = Db::sqlite();
    for name in ["10", "9", "5x", "NaN", "0.5", "b"] {
        pool(&db, name, 1);
    }
    let sorted = ok(&db, &["pool", "list", "--sort", "name"]);
    let names: Vec<&str> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| str_of(p, "name"))
        .collect();
    assert_eq!(names, ["0.5", "9", "10", "5x", "NaN", "b"]);
    let out = std::process::Command::new(BIN)
        .args([
            "--db",
            "POSTGRES://u:hunter2@db/x",
            "--json",
            "pool",
            "list",
        ])
        .output()
        .unwrap();
    let (exit, json) = parse(&out);
    assert_eq!(
        (exit, json["error"]["code"].as_str()),
        (1, Some("invalid_value"))
    );
    assert!(!json.to_string().contains("hunter2"));
}

#[test]
fn a_shared_store_groups_concurrent_commands_and_answers_each_its_own() {
    use licman_core::seats::{AssignmentId, AssignmentSource, Command, PoolId, PoolSpec, UserId};
    use licman_seats::shared::SharedStore;
    on_each_backend(|db| {
        let shared = SharedStore::open(&db.url).unwrap();
        let pool = PoolId::new("pool_1").unwrap();
        shared
            .run(
                Command::CreatePool(PoolSpec::new(pool.clone(), "Figma", 5)),
                "test",
                None,
            )
            .unwrap();
        for i in 0..16 {
            shared
                .run(
                    Command::CreateUser {
                        id: UserId::new(&format!("u{i}")).unwrap(),
                        email: format!("u{i}@example.com"),
                        active: true,
                        lifecycle: "active".into(),
                        last_activity: None,
                    },
                    "test",
                    None,
                )
                .unwrap();
        }
        let answers: Vec<(
            String,
            Result<licman_core::seats::Recorded, licman_seats::error::Failure>,
        )> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|i| {
                    let (shared, pool) = (&shared, pool.clone());
                    s.spawn(move || {
                        let id = format!("asg_{i}");
                        let answer = shared.run(
                            Command::Assign {
                                id: AssignmentId::new(&id).unwrap(),
                                pool,
                                user: UserId::new(&format!("u{i}")).unwrap(),
                                source: AssignmentSource::Manual,
                                notes: String::new(),
                            },
                            &format!("admin{i}"),
                            None,
                        );
                        (id, answer)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<&(String, _)> = answers.iter().filter(|(_, a)| a.is_ok()).collect();
        assert_eq!(won.len(), 5, "{:?}", db.kind);
        for (id, answer) in &answers {
            match answer {
                Ok(recorded) => {
                    // Each caller gets its own command's answer.
                    assert_eq!(
                        recorded.events[0].assignment.as_ref().map(|a| a.as_str()),
                        Some(id.as_str())
                    );
                    assert!(recorded.events[0].actor.starts_with("admin"));
                }
                Err(f) => assert_eq!(f.code, "capacity_exceeded", "{f}"),
            }
        }
        assert_eq!(
            ok(db, &["audit", "--action", "assignment.created"])["total"],
            5
        );
        ok(db, &["audit", "verify"]);
    });
}

#[test]
fn a_merge_import_tidies_names_an_older_store_kept_and_says_so() {
    // Names recorded before labels were checked ("Figma ", a zero-width
    // space) are what an older store's export holds: the export is edited
    // here to stand in for one.
    let old = Db::sqlite();
    pool(&old, "Figma", 3);
    ok(
        &old,
        &[
            "user",
            "add",
            "ada",
            "--email",
            "ada@example.com",
            "--state",
            "on leave",
        ],
    );
    ok(&old, &["rule", "add", "Figma", "--lifecycle", "terminated"]);
    ok(&old, &["link", "add", "Figma", "design"]);
    let file = old.dir().join("old.json");
    ok(&old, &["export", "--out", file.to_str().unwrap()]);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc["pools"][0]["name"] = "Figma ".into();
    doc["pools"][0]["tags"] = serde_json::json!(["\u{202E}design"]);
    doc["users"][0]["lifecycle"] = "on leave ".into();
    doc["rules"][0]["trigger"]["state"] = "terminated\u{200B}".into();
    doc["links"][0]["entitlement"] = " design".into();
    doc["events"] = serde_json::json!([]);
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();

    let target = Db::sqlite();
    pool(&target, "Local", 1); // not empty: a merge
    let merged = ok(&target, &["import", file.to_str().unwrap()]);
    assert_eq!(merged["mode"], "merge", "{merged}");
    let adjusted: Vec<&str> = merged["adjusted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(adjusted.len(), 5, "{adjusted:?}");
    assert!(
        adjusted
            .iter()
            .any(|a| a.contains("\"Figma \" taken as \"Figma\"")),
        "{adjusted:?}"
    );
    let pools = ok(&target, &["pool", "list"]);
    assert!(
        pools["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Figma" && p["tags"] == serde_json::json!(["design"])),
        "{pools}"
    );
    let users = ok(&target, &["user", "list"]);
    assert_eq!(users["items"][0]["state"], "on leave", "{users}");
    ok(&target, &["audit", "verify"]);
}

//! The `licman-seats` binary as a user runs it: real processes on a real
//! SQLite file and a real PostgreSQL database (every test runs on both),
//! including sixteen processes racing for the last seats and a `kill -9` in
//! the middle of a bulk assign.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn a_pool_fills_frees_and_refuses_with_the_engines_codes() {
    on_each_backend(|db| {
        let id = pool(db, "Figma", 2);
        let shown = ok(db, &["pool", "show", "Figma"]);
        assert_eq!(shown["id"], id.as_str());
        assert_eq!(
            shown["cost"],
            serde_json::json!({"amount": "15.00", "currency": "USD"})
        );
        assert_eq!(
            (shown["capacity"].as_u64(), shown["available"].as_u64()),
            (Some(2), Some(2))
        );
        users(db, 3);
        let a = ok(db, &["assign", "Figma", "u0000"]);
        assert_eq!(
            (a["pool_id"].as_str(), a["pool_name"].as_str()),
            (Some(id.as_str()), Some("Figma"))
        );
        assert_eq!(a["user_email"], "u0000@example.com");
        assert_eq!(a["status"], "active");
        refused(db, &["assign", "Figma", "u0000"], "already_assigned");
        ok(db, &["assign", &id, "u0001"]); // by id as well as by name
        refused(db, &["assign", "Figma", "u0002"], "capacity_exceeded");
        refused(db, &["assign", "Figma", "nobody"], "unknown_user");
        refused(db, &["assign", "Sketch", "u0002"], "unknown_pool");
        refused(
            db,
            &["pool", "update", "Figma", "--capacity", "1"],
            "capacity_below_allocated",
        );
        refused(db, &["pool", "delete", "Figma"], "pool_has_assignments");
        // An expiration set (any RFC 3339 form), then taken away.
        let dated = ok(
            db,
            &[
                "pool",
                "update",
                "Figma",
                "--expires",
                "2099-01-01T05:30:00+05:30",
            ],
        );
        assert_eq!(dated["expires_at"], "2099-01-01T00:00:00Z");
        let undated = ok(db, &["pool", "update", "Figma", "--expires", "none"]);
        assert!(undated["expires_at"].is_null(), "{undated}");

        let freed = ok(db, &["deallocate", a["id"].as_str().unwrap()]);
        assert_eq!(freed["status"], "released");
        assert!(freed["ended_at"].is_string());
        let b = ok(db, &["assign", "Figma", "u0002"]);
        let reclaimed = ok(
            db,
            &[
                "reclaim",
                b["id"].as_str().unwrap(),
                "--reason",
                "left the team",
            ],
        );
        assert_eq!(
            (reclaimed["status"].as_str(), reclaimed["reason"].as_str()),
            (Some("reclaimed"), Some("left the team"))
        );
        refused(
            db,
            &["reclaim", b["id"].as_str().unwrap(), "--reason", "again"],
            "assignment_not_active",
        );

        let list = ok(
            db,
            &["assignments", "--pool", "Figma", "--status", "active"],
        );
        assert_eq!(
            (
                list["total"].as_u64(),
                list["limit"].as_u64(),
                list["offset"].as_u64()
            ),
            (Some(1), Some(50), Some(0))
        );
        let all = ok(db, &["assignments", "--limit", "2", "--offset", "1"]);
        assert_eq!(
            (all["total"].as_u64(), all["items"].as_array().map(Vec::len)),
            (Some(3), Some(2))
        );

        ok(db, &["pool", "archive", "Figma"]);
        refused(db, &["assign", "Figma", "u0002"], "pool_archived");
        let verified = ok(db, &["audit", "verify"]);
        assert_eq!(verified["events"].as_u64(), Some(events(db)));
        let created = ok(db, &["audit", "--action", "assignment.created"]);
        assert_eq!(created["total"].as_u64(), Some(3));
    });
}

#[test]
fn bad_input_is_refused_with_a_clear_code_and_writes_nothing() {
    on_each_backend(|db| {
        pool(db, "Figma", 3);
        let before = events(db);
        for (args, code) in [
            (
                vec![
                    "pool",
                    "create",
                    "--name",
                    "Zero",
                    "--vendor",
                    "V",
                    "--capacity",
                    "0",
                ],
                "invalid_value",
            ),
            (
                vec![
                    "pool",
                    "create",
                    "--name",
                    "Yen",
                    "--vendor",
                    "V",
                    "--capacity",
                    "1",
                    "--cost",
                    "12.345",
                ],
                "invalid_value",
            ),
            (
                vec![
                    "pool",
                    "create",
                    "--name",
                    "Xyz",
                    "--vendor",
                    "V",
                    "--capacity",
                    "1",
                    "--currency",
                    "XYZ",
                ],
                "unknown_currency",
            ),
            (
                vec![
                    "pool",
                    "create",
                    "--name",
                    "Figma",
                    "--vendor",
                    "V",
                    "--capacity",
                    "1",
                ],
                "duplicate_name",
            ),
            (
                vec![
                    "pool",
                    "create",
                    "--name",
                    "T",
                    "--vendor",
                    "V",
                    "--capacity",
                    "1",
                    "--policy",
                    "sometimes",
                ],
                "invalid_value",
            ),
            (
                vec!["user", "add", "bad\nid", "--email", "x@example.com"],
                "invalid_value",
            ),
            (
                vec!["user", "add", "ada", "--email", "not-an-email"],
                "invalid_value",
            ),
            (
                vec![
                    "--at",
                    "yesterday",
                    "user",
                    "add",
                    "ada",
                    "--email",
                    "a@example.com",
                ],
                "invalid_value",
            ),
        ] {
            let (exit, json) = run(db, &args);
            assert_eq!(exit, 1, "{args:?}: {json}");
            assert_eq!(json["error"]["code"], code, "{args:?}: {json}");
            assert!(!json["error"]["message"].as_str().unwrap_or("").is_empty());
        }
        // A negative capacity is not a number clap accepts: a usage error.
        let out = cmd(
            db,
            &[
                "pool",
                "create",
                "--name",
                "N",
                "--vendor",
                "V",
                "--capacity",
                "-1",
            ],
        )
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(2));
        // 1,001 users: the bulk is refused whole.
        users(db, 2);
        let many: String = (0..1001).map(|i| format!("u{:04}\n", i % 2)).collect();
        let (exit, json) = run_stdin(db, &["bulk", "assign", "Figma", "--users", "-"], &many);
        assert_eq!(
            (exit, json["error"]["code"].as_str()),
            (1, Some("bulk_too_large"))
        );
        assert_eq!(events(db), before + 2, "only the two users were written");
    });
}

#[test]
fn a_bulk_assign_reports_every_item_in_input_order() {
    on_each_backend(|db| {
        pool(db, "Figma", 3);
        users(db, 4);
        let (exit, json) = run_stdin(
            db,
            &["bulk", "assign", "Figma", "--users", "-"],
            "u0000\nu0001\nnobody\nu0001\nu0002\nu0003\n",
        );
        assert_eq!(exit, 0, "{json}");
        assert_eq!(
            (json["succeeded"].as_u64(), json["failed"].as_u64()),
            (Some(3), Some(3))
        );
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
                None,
                Some("unknown_user"),
                Some("duplicate_in_request"),
                None,
                Some("capacity_exceeded")
            ]
        );
        assert_eq!(json["results"][2]["user_id"], "nobody");
        assert_eq!(json["results"][0]["ok"], true);
        assert!(json["results"][0]["assignment_id"].is_string());
    });
}

#[test]
fn the_file_is_private_and_a_newer_or_foreign_database_is_refused_untouched() {
    let db = Db::sqlite();
    let path = db.path();
    pool(&db, "Figma", 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    db.sql("PRAGMA user_version = 3").unwrap();
    let bytes = std::fs::read(path).unwrap();
    let json = refused(&db, &["pool", "list"], "schema_too_new");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 3")
    );
    assert_eq!(
        std::fs::read(path).unwrap(),
        bytes,
        "the file was not touched"
    );

    let other = Db::sqlite();
    other.sql("CREATE TABLE licenses (id TEXT);").unwrap();
    let bytes = std::fs::read(other.path()).unwrap();
    refused(&other, &["pool", "list"], "not_a_seat_store");
    assert_eq!(std::fs::read(other.path()).unwrap(), bytes);

    let text = Db::sqlite();
    std::fs::write(text.path(), "id,email\n").unwrap();
    refused(&text, &["pool", "list"], "not_a_seat_store");
    assert_eq!(std::fs::read(text.path()).unwrap(), b"id,email\n");
}

#[test]
fn an_unreachable_or_malformed_database_url_is_a_clear_error() {
    for (url, code) in [
        (
            "postgres://postgres@127.0.0.1:1/seats",
            "database_unreachable",
        ),
        (
            "postgres://user:hunter2@127.0.0.1:1/seats",
            "database_unreachable",
        ),
        ("postgresql://127.0.0.1:notaport/seats", "invalid_value"),
    ] {
        let out = Command::new(BIN)
            .args(["--db", url, "--json", "pool", "list"])
            .output()
            .unwrap();
        let (exit, json) = parse(&out);
        assert_eq!(
            (exit, json["error"]["code"].as_str()),
            (1, Some(code)),
            "{url}: {json}"
        );
        assert!(
            !json.to_string().contains("hunter2"),
            "a password is never repeated: {json}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/seats.db");
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&missing)
        .args(["--json", "pool", "list"])
        .output()
        .unwrap();
    let (exit, json) = parse(&out);
    assert_eq!(
        (exit, json["error"]["code"].as_str()),
        (1, Some("database")),
        "{json}"
    );
}

#[test]
fn a_newer_or_foreign_postgresql_schema_is_refused_untouched() {
    let Some(db) = Db::postgres() else { return };
    pool(&db, "Figma", 1);
    db.sql("UPDATE licman_seats.meta SET value = '3' WHERE key = 'schema_version'")
        .unwrap();
    let before = ok_count(&db);
    let json = refused(&db, &["pool", "list"], "schema_too_new");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 3")
    );
    refused(
        &db,
        &["user", "add", "ada", "--email", "a@example.com"],
        "schema_too_new",
    );
    assert_eq!(ok_count(&db), before, "nothing was written");

    let other = Db::postgres().unwrap();
    other
        .sql("CREATE SCHEMA licman_seats; CREATE TABLE licman_seats.licenses (id text);")
        .unwrap();
    refused(&other, &["pool", "list"], "not_a_seat_store");
    other
        .sql("SELECT count(*) FROM licman_seats.licenses")
        .unwrap();
    assert!(
        other.sql("SELECT 1 FROM licman_seats.events").is_err(),
        "no table was added"
    );
}

/// The number of rows in the trail, read with SQL.
fn ok_count(db: &Db) -> i64 {
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    c.query_one("SELECT count(*) FROM licman_seats.events", &[])
        .unwrap()
        .get(0)
}

#[test]
fn a_read_only_file_serves_reads_and_refuses_writes_untouched() {
    let db = Db::sqlite();
    pool(&db, "Figma", 1);
    users(&db, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(db.path(), std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let bytes = std::fs::read(db.path()).unwrap();
    assert_eq!(ok(&db, &["pool", "list"])["total"], 1);
    ok(&db, &["audit", "verify"]);
    let json = refused(&db, &["assign", "Figma", "u0000"], "read_only");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    assert_eq!(
        std::fs::read(db.path()).unwrap(),
        bytes,
        "nothing was written"
    );
}

#[test]
fn the_trail_is_append_only_and_an_edit_is_named_by_verify() {
    on_each_backend(|db| {
        let events = db.events_table();
        pool(db, "Figma", 2);
        users(db, 2);
        ok(db, &["assign", "Figma", "u0000"]);
        for sql in [
            format!("UPDATE {events} SET actor = 'mallory' WHERE seq = 3"),
            format!("DELETE FROM {events} WHERE seq = 4"),
        ] {
            let err = db.sql(&sql).unwrap_err();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
        if db.kind == Kind::Postgres {
            let err = db.sql("TRUNCATE licman_seats.events").unwrap_err();
            assert!(err.contains("append-only"), "{err}");
        }
        // An attacker with the database drops the triggers and edits a
        // shown field.
        let drop_triggers = match db.kind {
            Kind::Sqlite => {
                "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;"
            }
            Kind::Postgres => "DROP TRIGGER events_append_only ON licman_seats.events;",
        };
        db.sql(&format!(
            "{drop_triggers} UPDATE {events} SET actor = 'mallory' WHERE seq = 3;"
        ))
        .unwrap();
        let json = refused(db, &["audit", "verify"], "audit_broken");
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("event 3"),
            "{json}"
        );
        // Every other command refuses to build on a broken trail too.
        refused(db, &["assign", "Figma", "u0001"], "audit_broken");
        // A removed event is named as well (the chain has a gap).
        db.sql(&format!(
            "UPDATE {events} SET actor = 'test' WHERE seq = 3; DELETE FROM {events} WHERE seq = 2;"
        ))
        .unwrap();
        let json = refused(db, &["audit", "verify"], "audit_broken");
        assert!(
            json["error"]["message"].as_str().unwrap().contains('2'),
            "{json}"
        );
    });
    // An edited action column (the hash does not cover it), a key added
    // to a change's details, or a hash spelled in upper case: the row is
    // not what was written, though the last two mean the same.
    for edit in [
        "action = 'pool.deleted'",
        "details = replace(details, '{\"PoolCreated\":{', '{\"PoolCreated\":{\"zzz\":1,')",
        "hash = upper(hash)",
    ] {
        on_each_backend(|db| {
            pool(db, "Figma", 2);
            let drop = match db.kind {
                Kind::Sqlite => "DROP TRIGGER events_append_only_update;",
                Kind::Postgres => "DROP TRIGGER events_append_only ON licman_seats.events;",
            };
            db.sql(&format!(
                "{drop} UPDATE {} SET {edit} WHERE seq = 1;",
                db.events_table()
            ))
            .unwrap();
            let json = refused(db, &["audit", "verify"], "audit_broken");
            assert!(
                json["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("event 1"),
                "{edit}: {json}"
            );
        });
    }
    // The newest events deleted (a cut tail has no gap to show): the head
    // the store recorded with the last write says where the trail ends.
    on_each_backend(|db| {
        pool(db, "Figma", 2);
        users(db, 2);
        ok(db, &["assign", "Figma", "u0000"]);
        let events = db.events_table();
        let last = ok(db, &["audit", "verify"]);
        assert_eq!(last["events"].as_u64(), Some(4), "{last}");
        let drop = match db.kind {
            Kind::Sqlite => "DROP TRIGGER events_append_only_delete;",
            Kind::Postgres => "DROP TRIGGER events_append_only ON licman_seats.events;",
        };
        db.sql(&format!("{drop} DELETE FROM {events} WHERE seq >= 3;"))
            .unwrap();
        let json = refused(db, &["audit", "verify"], "audit_broken");
        assert!(
            json["error"]["message"].as_str().unwrap().contains('3'),
            "{json}"
        );
        // A writer that appends without moving the head (a licman-seats
        // of schema 1 still running) is refused by the store itself.
        let err = db
            .sql(&format!(
                "INSERT INTO {events} (seq, recorded_at, effective_at, actor, action, pool_id, \
                 user_id, assignment_id, details, prev_hash, hash) SELECT seq + 100, recorded_at, \
                 effective_at, actor, action, pool_id, user_id, assignment_id, details, prev_hash, \
                 hash FROM {events} WHERE seq = 1"
            ))
            .unwrap_err();
        assert!(err.contains("head was not moved"), "{err}");
        // The head moves only forward: it cannot be set back to match.
        let head = match db.kind {
            Kind::Sqlite => "head",
            Kind::Postgres => "licman_seats.head",
        };
        let err = db
            .sql(&format!("UPDATE {head} SET next_seq = 3 WHERE id = 1"))
            .unwrap_err();
        assert!(err.contains("only moves forward"), "{err}");
        let err = db.sql(&format!("DELETE FROM {head}")).unwrap_err();
        assert!(err.contains("head"), "{err}");
    });
}

#[test]
fn sixteen_processes_racing_for_the_last_five_seats_give_exactly_five() {
    on_each_backend(|db| {
        pool(db, "Figma", 5);
        let ids = users(db, 16);
        let each: Vec<Vec<String>> = ids
            .iter()
            .map(|u| vec!["assign".into(), "Figma".into(), u.clone()])
            .collect();
        let results = race(db, &each);
        let won = results.iter().filter(|(code, _)| *code == 0).count();
        assert_eq!(won, 5, "{results:?}");
        for (code, json) in results.iter().filter(|(code, _)| *code != 0) {
            assert_eq!(
                (*code, json["error"]["code"].as_str()),
                (1, Some("capacity_exceeded")),
                "{json}"
            );
        }
        let created = ok(db, &["audit", "--action", "assignment.created"]);
        assert_eq!(created["total"].as_u64(), Some(5));
        let shown = ok(db, &["pool", "show", "Figma"]);
        assert_eq!(
            (shown["allocated"].as_u64(), shown["available"].as_u64()),
            (Some(5), Some(0))
        );
        ok(db, &["audit", "verify"]);
    });
}

#[test]
fn kill_9_in_the_middle_of_a_bulk_assign_leaves_all_or_nothing() {
    on_each_backend(|db| {
        pool(db, "Big", 2_000);
        // 1,000 users, added by 250 processes at a time.
        let list: String = (0..1000).map(|i| format!("k{i:04}\n")).collect();
        let import: Vec<String> = (0..1000).map(|i| format!("k{i:04}")).collect();
        for chunk in import.chunks(250) {
            let children: Vec<_> = chunk
                .iter()
                .map(|id| {
                    cmd(
                        db,
                        &["user", "add", id, "--email", &format!("{id}@example.com")],
                    )
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
                })
                .collect();
            for mut c in children {
                assert!(c.wait().unwrap().success());
            }
        }
        for delay_ms in [5u64, 30, 80, 200] {
            let mut child = cmd(db, &["bulk", "assign", "Big", "--users", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(list.as_bytes())
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            let shown = ok(db, &["pool", "show", "Big"]);
            let active = ok(
                db,
                &[
                    "assignments",
                    "--pool",
                    "Big",
                    "--status",
                    "active",
                    "--limit",
                    "0",
                ],
            );
            assert_eq!(shown["allocated"], active["total"], "after {delay_ms} ms");
            let n = active["total"].as_u64().unwrap();
            assert!(
                n % 1000 == 0 && n <= 1000,
                "all or nothing, got {n} after {delay_ms} ms"
            );
            ok(db, &["audit", "verify"]);
            if n == 1000 {
                break; // the bulk finished before the kill; nothing more to interrupt
            }
        }
    });
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    let db = Db::sqlite();
    let out = Command::new(BIN)
        .args(["--db"])
        .arg(&db.url)
        .arg("assign")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // With --json the usage error is the contract's error object too.
    let out = Command::new(BIN)
        .args(["--json", "--db"])
        .arg(&db.url)
        .args(["pool", "create", "--name", "X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "usage", "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--vendor"),
        "{json}"
    );
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Examples:") && text.contains("Exit status"),
        "{text}"
    );
}

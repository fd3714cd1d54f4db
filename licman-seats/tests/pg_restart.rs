//! A PostgreSQL restart, and a PostgreSQL that is down, as a long-lived
//! store (a server's) and the CLI meet them: a clear error while it is
//! down, a retry on a fresh connection once it is back, and never a wrong
//! count. Its own test binary: it stops the shared test server, so nothing
//! else may run beside it (cargo runs test binaries one at a time).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use common::*;
use licman_core::seats::{Command, PoolId, PoolSpec};
use licman_seats::store::Store;

fn pg_ctl(action: &str) {
    let ctl = std::env::var("LICMAN_SEATS_TEST_PG_CTL").expect("LICMAN_SEATS_TEST_PG_CTL");
    let opts = std::env::var("LICMAN_SEATS_TEST_PG_OPTS").expect("LICMAN_SEATS_TEST_PG_OPTS");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{ctl} -m fast -w -o '{opts}' {action} >/dev/null"))
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {action}");
}

#[test]
fn a_postgresql_restart_is_survived_with_a_retry_or_a_clear_error_never_a_wrong_count() {
    let Some(db) = Db::postgres() else { return };
    if std::env::var_os("LICMAN_SEATS_TEST_PG_CTL").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI sets LICMAN_SEATS_TEST_PG_CTL"
        );
        return;
    }
    let mut store = Store::open(&db.url).unwrap();
    let pool = PoolId::new("pool_1").unwrap();
    store
        .run(
            &Command::CreatePool(PoolSpec::new(pool.clone(), "Figma", 3)),
            "test",
            None,
        )
        .unwrap();
    store.run(&create_user("ada"), "test", None).unwrap();

    // A restart between two commands: the pooled connection is dead; the
    // next command retries on a fresh one and succeeds once.
    pg_ctl("restart");
    store.run(&create_user("bob"), "test", None).unwrap();
    assert_eq!(ok(&db, &["user", "list"])["total"], 2);

    // Down: the CLI says so clearly and writes nothing; the long-lived
    // store fails its write the same way.
    pg_ctl("stop");
    let (exit, json) = run(&db, &["user", "add", "cy", "--email", "cy@example.com"]);
    let down = store.run(&create_user("dee"), "test", None);
    pg_ctl("start");
    assert_eq!(
        (exit, json["error"]["code"].as_str()),
        (1, Some("database_unreachable")),
        "{json}"
    );
    let failure = down.unwrap_err();
    assert_eq!(failure.code, "database_unreachable", "{failure}");

    // Back up: exactly what succeeded is there.
    store.run(&create_user("eve"), "test", None).unwrap();
    let users = ok(&db, &["user", "list", "--sort", "id"]);
    let ids: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ada", "bob", "eve"]);
    ok(&db, &["assign", "Figma", "ada"]);
    assert_eq!(ok(&db, &["pool", "show", "Figma"])["allocated"], 1);
    ok(&db, &["audit", "verify"]);
}

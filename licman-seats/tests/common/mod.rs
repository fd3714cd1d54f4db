//! What every process-level test of `licman-seats` shares: a store on each
//! backend (a SQLite file in a temporary directory; a fresh database on the
//! PostgreSQL that `.ci/postgres.sh` started, named by
//! `LICMAN_SEATS_TEST_PG`), and running the binary against it.
//!
//! Under CI (`CI` set) a missing PostgreSQL fails the test instead of
//! leaving the suite half run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, dead_code)] // tests

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_licman-seats");

/// Which database a test store is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
}

/// A store for one test: its `--db` value and how to reach it directly.
pub(crate) struct Db {
    pub(crate) kind: Kind,
    /// What `--db` takes.
    pub(crate) url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The base URL of the test PostgreSQL (no database), if one runs.
pub(crate) fn pg_base() -> Option<String> {
    match std::env::var("LICMAN_SEATS_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs every seat test on PostgreSQL too: LICMAN_SEATS_TEST_PG is not set \
                 (make test starts one with .ci/postgres.sh)"
            );
            None
        }
    }
}

pub(crate) fn pg_admin() -> postgres::Client {
    let base = pg_base().expect("a test PostgreSQL");
    postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).unwrap()
}

impl Db {
    pub(crate) fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("seats.db").display().to_string();
        Db {
            kind: Kind::Sqlite,
            url,
            dir,
            pg_name: None,
        }
    }

    pub(crate) fn postgres() -> Option<Db> {
        let base = pg_base()?;
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        pg_admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Some(Db {
            kind: Kind::Postgres,
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().unwrap(),
            pg_name: Some(name),
        })
    }

    /// The SQLite file (SQLite stores only).
    pub(crate) fn path(&self) -> &Path {
        assert_eq!(self.kind, Kind::Sqlite);
        Path::new(&self.url)
    }

    /// A scratch directory beside the store.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Runs SQL on the store's database directly, as an attacker or an
    /// operator with database access would; returns the error text, if any.
    pub(crate) fn sql(&self, sql: &str) -> Result<(), String> {
        match self.kind {
            Kind::Sqlite => rusqlite::Connection::open(self.path())
                .unwrap()
                .execute_batch(sql)
                .map_err(|e| e.to_string()),
            Kind::Postgres => postgres::Client::connect(&self.url, postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .map_err(|e| {
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.message().to_string())
                }),
        }
    }

    /// The name of the events table on this backend.
    pub(crate) fn events_table(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite => "events",
            Kind::Postgres => "licman_seats.events",
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = postgres::Client::connect(
                &format!("{}/postgres", pg_base().unwrap_or_default()),
                postgres::NoTls,
            ) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Runs `test` on a SQLite store and, when one runs, a PostgreSQL store.
pub(crate) fn on_each_backend(test: impl Fn(&Db)) {
    let mut stores = vec![Db::sqlite()];
    stores.extend(Db::postgres());
    for db in &stores {
        eprintln!("== on {:?}", db.kind);
        test(db);
    }
}

pub(crate) fn cmd(db: &Db, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--db")
        .arg(&db.url)
        .args(["--actor", "test", "--json"])
        .args(args);
    c.env_remove("LICMAN_SEATS_DB");
    c.env_remove("LICMAN_SEATS_KEY");
    c
}

pub(crate) fn run(db: &Db, args: &[&str]) -> (i32, Value) {
    let out = cmd(db, args).output().unwrap();
    parse(&out)
}

pub(crate) fn run_stdin(db: &Db, args: &[&str], input: &str) -> (i32, Value) {
    let mut child = cmd(db, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    parse(&child.wait_with_output().unwrap())
}

pub(crate) fn parse(out: &Output) -> (i32, Value) {
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "not JSON (exit {code}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

pub(crate) fn ok(db: &Db, args: &[&str]) -> Value {
    let (code, json) = run(db, args);
    assert_eq!(code, 0, "{:?}: {args:?} failed: {json}", db.kind);
    json
}

pub(crate) fn refused(db: &Db, args: &[&str], code: &str) -> Value {
    let (exit, json) = run(db, args);
    assert_eq!(exit, 1, "{:?}: {args:?} should be refused: {json}", db.kind);
    assert_eq!(
        json["error"]["code"], code,
        "{:?}: {args:?}: {json}",
        db.kind
    );
    assert!(
        !json["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{json}"
    );
    json
}

pub(crate) fn events(db: &Db) -> u64 {
    ok(db, &["audit", "--limit", "0"])["total"]
        .as_u64()
        .unwrap()
}

pub(crate) fn pool(db: &Db, name: &str, capacity: u32) -> String {
    let cap = capacity.to_string();
    let p = ok(
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
            "--cost",
            "15.00",
        ],
    );
    p["id"].as_str().unwrap().to_string()
}

pub(crate) fn users(db: &Db, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = format!("u{i:04}");
            ok(
                db,
                &["user", "add", &id, "--email", &format!("{id}@example.com")],
            );
            id
        })
        .collect()
}

/// Imports `n` users `{prefix}0000`… with one `user import`.
pub(crate) fn import_users(db: &Db, prefix: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i:04}")).collect();
    let mut csv = String::from("id,email,active,state,last_active\n");
    for id in &ids {
        csv.push_str(&format!("{id},{id}@example.com,true,active,\n"));
    }
    let file = db.dir().join(format!("{prefix}-users.csv"));
    std::fs::write(&file, csv).unwrap();
    ok(db, &["user", "import", file.to_str().unwrap()]);
    ids
}

/// Starts one `licman-seats` process for each argument list at once and
/// returns each one's exit status and JSON, in order.
pub(crate) fn race(db: &Db, each: &[Vec<String>]) -> Vec<(i32, Value)> {
    let children: Vec<_> = each
        .iter()
        .map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cmd(db, &args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| parse(&c.wait_with_output().unwrap()))
        .collect()
}

/// The command that adds an active user `id` with `id@example.com`.
pub(crate) fn create_user(id: &str) -> licman_core::seats::Command {
    licman_core::seats::Command::CreateUser {
        id: licman_core::seats::UserId::new(id).unwrap(),
        email: format!("{id}@example.com"),
        active: true,
        lifecycle: "active".into(),
        last_activity: None,
    }
}
pub(crate) mod server;

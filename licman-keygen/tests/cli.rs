//! Runs the real `licman-keygen` binary: every command, and the bad inputs,
//! each checked for its message, its exit code, and that nothing was written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const CATALOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/catalogs/netaudit.toml"
);
const PASSPHRASE: &str = "correct horse battery staple";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// Which ledger a test's commands use: the default file
/// (`./licman-ledger.db`), or a fresh database of its own on the test
/// PostgreSQL, named to every command through `LICMAN_LEDGER`.
///
/// The suite runs on files by default and on PostgreSQL when
/// `LICMAN_KEYGEN_TEST_LEDGER=postgres` (CI runs it both ways); the server is
/// the one `.ci/postgres.sh` starts, at `LICMAN_TEST_PG`.
enum LedgerAt {
    File,
    Postgres { url: String },
}

impl Drop for Env {
    fn drop(&mut self) {
        // Best effort: the server is a throwaway one anyway.
        if let LedgerAt::Postgres { url } = &self.ledger
            && let Some((base, name)) = url.rsplit_once('/')
            && let Ok(mut admin) =
                postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

struct Env {
    dir: tempfile::TempDir,
    ledger: LedgerAt,
}

static NEXT_DATABASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The test PostgreSQL's base URL (no database), if one runs; under CI a
/// missing one fails the test instead of leaving it unrun.
fn pg_base() -> Option<String> {
    match std::env::var("LICMAN_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the ledger's PostgreSQL tests: LICMAN_TEST_PG is not set \
                 (make test starts a server with .ci/postgres.sh)"
            );
            None
        }
    }
}

/// A fresh database on the test PostgreSQL; its URL.
fn fresh_database(base: &str) -> String {
    let name = format!(
        "keygen_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    format!("{base}/{name}")
}

impl Env {
    /// A test directory, with its ledger on the suite's backend.
    fn new() -> Env {
        let on_postgres = std::env::var("LICMAN_KEYGEN_TEST_LEDGER").is_ok_and(|v| v == "postgres");
        if on_postgres {
            let base = std::env::var("LICMAN_TEST_PG")
                .expect("LICMAN_KEYGEN_TEST_LEDGER=postgres needs LICMAN_TEST_PG");
            return Env::on(LedgerAt::Postgres {
                url: fresh_database(base.trim_end_matches('/')),
            });
        }
        Env::on(LedgerAt::File)
    }

    /// A test directory whose ledger is on PostgreSQL whatever the suite's
    /// backend (`None` without a test server, outside CI).
    fn postgres() -> Option<Env> {
        let base = pg_base()?;
        Some(Env::on(LedgerAt::Postgres {
            url: fresh_database(&base),
        }))
    }

    fn on(ledger: LedgerAt) -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            ledger,
        }
    }

    fn is_postgres(&self) -> bool {
        matches!(self.ledger, LedgerAt::Postgres { .. })
    }

    /// What `--ledger` takes to name this test's ledger.
    fn ledger(&self) -> &str {
        match &self.ledger {
            LedgerAt::File => "licman-ledger.db",
            LedgerAt::Postgres { url } => url,
        }
    }

    /// The binary, run in the test directory with the ledger's environment.
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_licman-keygen"));
        cmd.current_dir(self.dir.path()).env("USER", "operator");
        match &self.ledger {
            LedgerAt::File => cmd.env_remove("LICMAN_LEDGER"),
            LedgerAt::Postgres { url } => cmd.env("LICMAN_LEDGER", url),
        };
        cmd
    }

    /// Runs SQL on the ledger directly, as someone with access to the
    /// database would; the error's text, if it is refused.
    fn ledger_sql(&self, sql: &str) -> Result<(), String> {
        match &self.ledger {
            LedgerAt::File => rusqlite::Connection::open(self.path("licman-ledger.db"))
                .unwrap()
                .execute_batch(sql)
                .map_err(|e| e.to_string()),
            LedgerAt::Postgres { url } => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                client
                    .batch_execute(&format!("SET search_path TO licman_ledger; {sql}"))
                    .map_err(|e| {
                        e.as_db_error()
                            .map_or_else(|| e.to_string(), |d| d.message().to_string())
                    })
            }
        }
    }

    /// A count from the ledger (0 while it does not exist yet).
    fn ledger_count(&self, sql: &str) -> i64 {
        match &self.ledger {
            LedgerAt::File => rusqlite::Connection::open(self.path("licman-ledger.db"))
                .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
                .unwrap_or(0),
            LedgerAt::Postgres { url } => postgres::Client::connect(url, postgres::NoTls)
                .and_then(|mut c| {
                    c.batch_execute("SET search_path TO licman_ledger")?;
                    c.query_one(sql, &[])
                })
                .map_or(0, |row| row.get(0)),
        }
    }

    /// Every row of the ledger's tables on PostgreSQL, as text, in order
    /// (what [`Env::snapshot`] compares there; a file ledger is a file).
    fn ledger_rows(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        if let LedgerAt::Postgres { url } = &self.ledger {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let tables = client
                .query(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'licman_ledger' ORDER BY 1",
                    &[],
                )
                .unwrap();
            for table in tables {
                let table: String = table.get(0);
                let rows = client
                    .query(
                        &format!("SELECT t::text FROM licman_ledger.{table} t ORDER BY 1"),
                        &[],
                    )
                    .unwrap();
                let text: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
                out.insert(
                    PathBuf::from(format!("postgres:{table}")),
                    text.join("\n").into_bytes(),
                );
            }
        }
        out
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run_with(&self, args: &[&str], stdin: Option<&[u8]>, passphrase: Option<&str>) -> Out {
        let mut cmd = self.command();
        cmd.args(args);
        match passphrase {
            Some(p) => cmd.env("LICMAN_PASSPHRASE", p),
            None => cmd.env_remove("LICMAN_PASSPHRASE"),
        };
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input).unwrap();
        }
        finish(child)
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None, Some(PASSPHRASE))
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?} failed: {}{}", out.stdout, out.stderr);
        out
    }

    /// Every file under the directory and its bytes (SQLite's transient
    /// -wal/-shm files excluded), and a ledger on PostgreSQL row by row.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.to_string_lossy();
                if path.is_dir() {
                    walk(&path, out);
                } else if !name.ends_with("-wal") && !name.ends_with("-shm") {
                    out.insert(path.clone(), fs::read(&path).unwrap());
                }
            }
        }
        let mut out = self.ledger_rows();
        walk(self.dir.path(), &mut out);
        out
    }

    /// An unencrypted key pair `keys/NAME.{secret,pub}` (fast, for tests).
    fn keypair(&self, name: &str) {
        self.ok(&[
            "keypair",
            "--out-dir",
            "keys",
            "--name",
            name,
            "--unencrypted",
        ]);
    }

    fn issue(&self, key: &str, extra: &[&str]) -> String {
        let secret = format!("keys/{key}.secret");
        let mut args = vec!["issue", "--secret-key", &secret, "--catalog", CATALOG];
        args.extend_from_slice(extra);
        self.ok(&args).stdout.trim().to_string()
    }
}

/// Runs a command that must fail: checks the exit code, that the message
/// mentions `needle`, and that no file changed.
#[track_caller]
fn refused(env: &Env, args: &[&str], code: i32, needle: &str) {
    refused_with(env, args, None, Some(PASSPHRASE), code, needle);
}

#[track_caller]
fn refused_with(
    env: &Env,
    args: &[&str],
    stdin: Option<&[u8]>,
    passphrase: Option<&str>,
    code: i32,
    needle: &str,
) {
    let before = env.snapshot();
    let out = env.run_with(args, stdin, passphrase);
    assert_eq!(
        out.code, code,
        "{args:?}: expected exit {code}, got {}\nstdout: {}\nstderr: {}",
        out.code, out.stdout, out.stderr
    );
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains(needle),
        "{args:?}: expected {needle:?} in:\n{text}"
    );
    let error_lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert!(
        !error_lines.is_empty() || out.stdout.contains("\"error\""),
        "{args:?}: no error line:\n{text}"
    );
    let after = env.snapshot();
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "{args:?} changed files: {changed:?}");
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn keypair_files_modes_and_no_silent_overwrite() {
    let env = Env::new();
    let out = env.ok(&[
        "keypair",
        "--out-dir",
        "keys",
        "--name",
        "vendor",
        "--kdf-memory-mib",
        "8",
    ]);
    assert!(out.stdout.contains("encrypted"));
    let (secret, public) = (env.path("keys/vendor.secret"), env.path("keys/vendor.pub"));
    assert_eq!(mode(&secret), 0o600);
    assert_eq!(mode(&public), 0o644);
    let pub_text = fs::read_to_string(&public).unwrap();
    assert!(pub_text.lines().any(|l| l.starts_with("lmpk1_")));
    assert!(fs::read_to_string(&secret).unwrap().contains("lmsk1_"));
    refused(
        &env,
        &[
            "keypair",
            "--out-dir",
            "keys",
            "--name",
            "vendor",
            "--unencrypted",
        ],
        1,
        "already exists; pass --force",
    );
    let out = env.ok(&[
        "keypair",
        "--out-dir",
        "keys",
        "--name",
        "vendor",
        "--unencrypted",
        "--force",
    ]);
    assert!(out.stderr.contains("NOT encrypted"));
    assert_ne!(
        fs::read_to_string(&public).unwrap(),
        pub_text,
        "--force replaced the key"
    );
    assert_eq!(mode(&secret), 0o600);
    let json = env
        .ok(&[
            "keypair",
            "--out-dir",
            "keys",
            "--name",
            "second",
            "--unencrypted",
            "--json",
        ])
        .json();
    assert_eq!(json["encrypted"], false);
    assert_eq!(json["key_id"].as_str().unwrap().len(), 16);
}

#[test]
fn encrypted_keys_need_the_right_passphrase() {
    let env = Env::new();
    env.ok(&[
        "keypair",
        "--out-dir",
        "keys",
        "--name",
        "k",
        "--kdf-memory-mib",
        "8",
    ]);
    let issue = [
        "issue",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "starter",
        "--customer",
        "c",
        "--perpetual",
        "--no-ledger",
    ];
    assert!(env.run(&issue).stdout.starts_with("lm1_"));
    refused_with(
        &env,
        &issue,
        None,
        Some("wrong passphrase"),
        1,
        "wrong passphrase",
    );
    refused_with(
        &env,
        &issue,
        None,
        None,
        1,
        "no passphrase: set LICMAN_PASSPHRASE",
    );
    fs::write(env.path("pass.txt"), format!("{PASSPHRASE}\n")).unwrap();
    let with_file = [&issue[..], &["--passphrase-file", "pass.txt"]].concat();
    let out = env.run_with(&with_file, None, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    fs::write(env.path("empty.txt"), "\n").unwrap();
    let with_empty = [&issue[..], &["--passphrase-file", "empty.txt"]].concat();
    refused_with(&env, &with_empty, None, None, 1, "the passphrase is empty");
    // A damaged file is reported as damaged, not as a wrong passphrase.
    let text = fs::read_to_string(env.path("keys/k.secret")).unwrap();
    let line = text.lines().last().unwrap();
    let flipped: String = line
        .char_indices()
        .map(|(i, c)| {
            if i == 30 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    fs::write(env.path("keys/k.secret"), text.replace(line, &flipped)).unwrap();
    refused(&env, &issue, 1, "not a valid licman secret key file");
}

#[test]
fn catalog_check() {
    let env = Env::new();
    let out = env.ok(&["catalog", "check", CATALOG]);
    assert!(
        out.stdout.contains("valid catalog for NetAudit"),
        "{}",
        out.stdout
    );
    let json = env.ok(&["catalog", "check", CATALOG, "--json"]).json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["modules"], 21);
    fs::write(env.path("bad.toml"), "product = \"p\"\ndisplay_name = \"P\"\n[tiers.t]\ndisplay_name = \"T\"\nmodules = [\"ghost\"]\n").unwrap();
    refused(
        &env,
        &["catalog", "check", "bad.toml"],
        1,
        "tier 't' names unknown module 'ghost'",
    );
    refused(
        &env,
        &["catalog", "check", "missing.toml"],
        1,
        "cannot read catalog missing.toml",
    );
    let out = env.run(&["catalog", "check", "bad.toml", "--json"]);
    assert_eq!(out.json()["error"]["code"], "unknown_module_in_tier");
}

#[test]
fn catalog_export_writes_json_that_reads_back_as_the_same_catalog() {
    let env = Env::new();
    let exported = env.ok(&["catalog", "export", CATALOG]).stdout;
    fs::write(env.path("netaudit.json"), &exported).unwrap();
    // The same catalog: `check` says the same of both.
    let from_toml = env.ok(&["catalog", "check", CATALOG, "--json"]).json();
    let from_json = env
        .ok(&["catalog", "check", "netaudit.json", "--json"])
        .json();
    assert_eq!(from_toml, from_json);
    // The checked-in JSON is this export (CI regenerates it too).
    let checked_in = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/catalogs/netaudit.json"),
    )
    .unwrap();
    assert_eq!(exported, checked_in);
    // An invalid catalog is not exported; a JSON catalog with an unknown field is refused.
    fs::write(env.path("bad.toml"), "product = \"p\"\ndisplay_name = \"P\"\n[tiers.t]\ndisplay_name = \"T\"\nmodules = [\"ghost\"]\n").unwrap();
    let out = env.run(&["catalog", "export", "bad.toml"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    fs::write(
        env.path("odd.json"),
        exported.replacen("{", "{\n  \"extra\": 1,", 1),
    )
    .unwrap();
    refused(
        &env,
        &["catalog", "check", "odd.json"],
        1,
        "unknown field `extra`",
    );
}

#[test]
fn issue_formats_outputs_and_ledger() {
    let env = Env::new();
    env.keypair("k");
    let key = env.issue(
        "k",
        &[
            "--tier",
            "professional",
            "--customer",
            "acme",
            "--email",
            "it@acme.example",
            "--valid-for",
            "1y",
            "--grace",
            "14d",
        ],
    );
    assert!(key.starts_with("lm1_") && key.len() <= 260, "{key}");
    let armored = env.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "b",
            "--perpetual",
            "--format",
            "armored",
        ],
    );
    assert!(armored.starts_with("-----BEGIN LICMAN LICENSE-----"));
    let json: Value = serde_json::from_str(&env.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "c",
            "--expires",
            "2099-01-01",
            "--format",
            "json",
            "--add-module",
            "analytics",
            "--quota",
            "devices=unlimited",
            "--meta",
            "order=PO-1",
            "--bind",
            &"ab".repeat(32),
            "--bind-policy",
            "all",
        ],
    ))
    .unwrap();
    assert_eq!(json["claims"]["customer"]["id"], "c");
    assert_eq!(json["claims"]["quotas"]["1"], "unlimited");
    assert_eq!(json["claims"]["metadata"]["order"], "PO-1");
    assert_eq!(json["claims"]["machine_binding"]["policy"], "all");
    assert!(
        json["module_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "analytics")
    );
    assert_eq!(json["claims"]["expires_at"], "2099-01-01T00:00:00Z");
    // --out writes a file, refuses to overwrite it without --force.
    let args = [
        "issue",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "starter",
        "--customer",
        "d",
        "--perpetual",
        "--out",
        "d.lic",
    ];
    env.ok(&args);
    assert!(
        fs::read_to_string(env.path("d.lic"))
            .unwrap()
            .starts_with("lm1_")
    );
    refused(&env, &args, 1, "d.lic already exists; pass --force");
    env.ok(&[&args[..], &["--force"]].concat());
    // Every license is in the ledger.
    let list = env.ok(&["ledger", "list", "--json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 5);
    // --no-ledger leaves no ledger.
    let other = Env::new();
    other.keypair("k");
    other.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "x",
            "--perpetual",
            "--no-ledger",
        ],
    );
    assert!(!other.path("licman-ledger.db").exists());
    assert_eq!(other.ledger_count("SELECT COUNT(*) FROM licenses"), 0);
}

#[test]
fn inspect_says_it_did_not_verify() {
    let env = Env::new();
    env.keypair("k");
    let key = env.issue(
        "k",
        &["--tier", "starter", "--customer", "acme", "--perpetual"],
    );
    fs::write(env.path("a.lic"), &key).unwrap();
    let out = env.ok(&["inspect", "--catalog", CATALOG, "a.lic"]);
    assert!(out.stdout.starts_with("UNVERIFIED"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("devices, manual_audits, basic_rules, health_checks")
    );
    let out = env.run_with(&["inspect", "--json", "-"], Some(key.as_bytes()), None);
    assert_eq!(out.code, 0);
    assert_eq!(out.json()["verified"], false);
    assert_eq!(out.json()["claims"]["customer"]["id"], "acme");
}

#[test]
fn verify_exit_codes() {
    let env = Env::new();
    env.keypair("k");
    env.keypair("other");
    let good = env.issue(
        "k",
        &[
            "--tier",
            "professional",
            "--customer",
            "acme",
            "--starts",
            "2026-01-01",
            "--expires",
            "2030-01-01",
            "--out",
            "good.lic",
        ],
    );
    assert!(good.is_empty());
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--public-key", "keys/k.pub", "--catalog", CATALOG];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    let out = verify(&["--at", "2027-06-01", "good.lic"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("VALID"));
    let json = verify(&["--at", "2029-12-20", "--json", "good.lic"]).json();
    assert_eq!(
        (
            json["valid"].clone(),
            json["status"].clone(),
            json["days"].clone()
        ),
        (Value::Bool(true), "expiring_soon".into(), 12.into())
    );
    assert_eq!(json["error"], Value::Null);
    assert_eq!(verify(&["--at", "2031-01-01", "good.lic"]).code, 5);
    let json = verify(&["--at", "2031-01-01", "--json", "good.lic"]).json();
    assert_eq!(
        (
            json["valid"].clone(),
            json["error"]["code"].clone(),
            json["status"].clone()
        ),
        (Value::Bool(false), "expired".into(), "expired".into())
    );
    assert_eq!(
        verify(&[
            "--at",
            "2025-06-01",
            "--last-seen",
            "2025-06-01",
            "good.lic"
        ])
        .code,
        9,
        "issued in the future"
    );
    env.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "later",
            "--starts",
            "2099-01-01",
            "--perpetual",
            "--out",
            "later.lic",
        ],
    );
    assert_eq!(verify(&["later.lic"]).code, 6);
    // Another product expected: the license is not for it.
    let other = env.run(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--product",
        "netmonitor",
        "good.lic",
    ]);
    assert_eq!(other.code, 8, "{}", other.stderr);
    // A --product the catalog is not for is the operator's mistake.
    assert_eq!(verify(&["--product", "netmonitor", "good.lic"]).code, 2);
    assert_eq!(
        verify(&[
            "--at",
            "2027-01-01",
            "--last-seen",
            "2028-01-01",
            "good.lic"
        ])
        .code,
        9,
        "clock turned back"
    );
    // Machine binding.
    let fp = "cd".repeat(32);
    env.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "m",
            "--perpetual",
            "--bind",
            &fp,
            "--out",
            "bound.lic",
        ],
    );
    assert_eq!(verify(&["bound.lic"]).code, 8);
    assert_eq!(verify(&["--fingerprint", &fp, "bound.lic"]).code, 0);
    // Rotation: a ring of two keys verifies licenses from each.
    env.issue(
        "other",
        &[
            "--tier",
            "starter",
            "--customer",
            "r",
            "--perpetual",
            "--out",
            "rotated.lic",
        ],
    );
    let ring = [
        "verify",
        "--public-key",
        "keys/k.pub",
        "--public-key",
        "keys/other.pub",
        "--catalog",
        CATALOG,
    ];
    assert_eq!(env.run(&[&ring[..], &["rotated.lic"]].concat()).code, 0);
    assert_eq!(
        env.run(&[&ring[..], &["--at", "2027-01-01", "good.lic"]].concat())
            .code,
        0
    );
    assert_eq!(
        verify(&["rotated.lic"]).code,
        4,
        "signed by a key not in the ring"
    );
}

#[test]
fn revoke_writes_complete_lists() {
    let env = Env::new();
    env.keypair("k");
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let json: Value = serde_json::from_str(&env.issue(
                "k",
                &[
                    "--tier",
                    "starter",
                    "--customer",
                    &format!("c{i}"),
                    "--perpetual",
                    "--format",
                    "json",
                ],
            ))
            .unwrap();
            json["license_id"].as_str().unwrap().to_string()
        })
        .collect();
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &ids[0],
        "--reason",
        "chargeback",
        "--out",
        "r1.lrl",
    ]);
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &ids[1],
        "--out",
        "r2.lrl",
        "--json",
    ]);
    refused(
        &env,
        &[
            "revoke",
            "--secret-key",
            "keys/k.secret",
            "--license-id",
            &ids[2],
            "--out",
            "r2.lrl",
        ],
        1,
        "r2.lrl already exists",
    );
    let list = fs::read_to_string(env.path("r2.lrl")).unwrap();
    assert!(list.starts_with("-----BEGIN LICMAN REVOCATION LIST-----"));
    // The newest list revokes both; the license not revoked still verifies against it.
    for (i, expected) in [(0, 7), (1, 7), (2, 0)] {
        let key = env
            .ok(&["ledger", "list", "--customer", &format!("c{i}"), "--json"])
            .json()[0]["key"]
            .as_str()
            .unwrap()
            .to_string();
        fs::write(env.path("x.lic"), key).unwrap();
        let out = env.run(&[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--product",
            "netaudit",
            "--revocations",
            "r2.lrl",
            "x.lic",
        ]);
        assert_eq!(out.code, expected, "license {i}: {}", out.stderr);
    }
    // A list older than the highest serial the host has seen (a replay of
    // an old list) is refused.
    let stale = env.run(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--product",
        "netaudit",
        "--revocations",
        "r2.lrl",
        "--min-revocation-serial",
        "1000",
        "x.lic",
    ]);
    assert_ne!(stale.code, 0, "{}", stale.stdout);
    assert!(
        format!("{}{}", stale.stdout, stale.stderr).contains("stale_revocation_list")
            || format!("{}{}", stale.stdout, stale.stderr).contains("older than"),
        "{}{}",
        stale.stdout,
        stale.stderr
    );
    let revoked = env
        .ok(&["ledger", "list", "--status", "revoked", "--json"])
        .json();
    assert_eq!(revoked.as_array().unwrap().len(), 2);
    let first = revoked
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["license_id"] == ids[0].as_str())
        .unwrap();
    assert_eq!(first["revoke_reason"], "chargeback");
}

#[test]
fn ledger_queries_export_import_and_audit() {
    let env = Env::new();
    env.keypair("k");
    for (customer, tier, days) in [
        ("a", "starter", "5d"),
        ("b", "professional", "20d"),
        ("c", "enterprise", "60d"),
        ("d", "starter", "200d"),
    ] {
        env.issue(
            "k",
            &["--tier", tier, "--customer", customer, "--valid-for", days],
        );
    }
    let count = |args: &[&str]| env.ok(args).json().as_array().unwrap().len();
    assert_eq!(count(&["ledger", "list", "--json"]), 4);
    assert_eq!(count(&["ledger", "list", "--tier", "starter", "--json"]), 2);
    assert_eq!(count(&["ledger", "list", "--customer", "b", "--json"]), 1);
    assert_eq!(
        count(&["ledger", "list", "--status", "expiring_soon", "--json"]),
        2
    );
    assert_eq!(
        count(&["ledger", "expiring", "--within", "7d", "--json"]),
        1
    );
    assert_eq!(
        count(&["ledger", "expiring", "--within", "30d", "--json"]),
        2
    );
    assert_eq!(
        count(&["ledger", "expiring", "--within", "90d", "--json"]),
        3
    );
    let expiring = env
        .ok(&["ledger", "expiring", "--within", "90d", "--json"])
        .json();
    assert_eq!(expiring[0]["customer_id"], "a", "soonest first");
    refused(
        &env,
        &["ledger", "list", "--status", "sleeping"],
        2,
        "unknown status 'sleeping'",
    );
    refused(
        &env,
        &["ledger", "list", "--ledger", "nowhere.db"],
        1,
        "no ledger at nowhere.db",
    );

    // Export to stdout and files, import into another ledger, idempotently.
    let csv = env.ok(&["ledger", "export", "--format", "csv"]).stdout;
    assert!(csv.starts_with("license_id,customer_id,"));
    assert_eq!(csv.lines().count(), 5);
    env.ok(&["ledger", "export", "--format", "json", "--out", "all.json"]);
    env.ok(&["ledger", "export", "--format", "csv", "--out", "all.csv"]);
    let imported = env
        .ok(&[
            "ledger",
            "import",
            "--ledger",
            "copy.db",
            "--public-key",
            "keys/k.pub",
            "all.csv",
            "--json",
        ])
        .json();
    assert_eq!(imported["imported"], 4);
    let again = env
        .ok(&[
            "ledger",
            "import",
            "--ledger",
            "copy.db",
            "--public-key",
            "keys/k.pub",
            "all.json",
            "--json",
        ])
        .json();
    assert_eq!(
        (again["imported"].clone(), again["unchanged"].clone()),
        (0.into(), 4.into())
    );
    assert_eq!(
        count(&["ledger", "list", "--ledger", "copy.db", "--json"]),
        4
    );

    // Rows whose key does not verify are rejected with reasons; the rest are imported.
    env.keypair("stranger");
    let stranger = env.issue(
        "stranger",
        &[
            "--tier",
            "starter",
            "--customer",
            "s",
            "--perpetual",
            "--no-ledger",
        ],
    );
    let mut rows: Vec<String> = fs::read_to_string(env.path("all.csv"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let last = rows.pop().unwrap();
    let key_start = last.rfind(',').unwrap() + 1;
    let mut tampered = last.clone();
    tampered.replace_range(
        key_start + 30..key_start + 31,
        if &last[key_start + 30..key_start + 31] == "A" {
            "B"
        } else {
            "A"
        },
    );
    rows.push(tampered);
    rows.push(format!(",s,,,starter,netaudit,,,,,,,,,{{}},{stranger}"));
    fs::write(env.path("mixed.csv"), rows.join("\n") + "\n").unwrap();
    let out = env.run(&[
        "ledger",
        "import",
        "--ledger",
        "fresh.db",
        "--public-key",
        "keys/k.pub",
        "mixed.csv",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("line 5: the key does not verify"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("line 6: the key does not verify: [unknown_key]"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("imported 3 license(s)"));

    // The audit log records every change, with the OS user, and refuses edits.
    let audit = env.ok(&["ledger", "audit", "--json"]).json();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(
        entries.iter().filter(|e| e["command"] == "issue").count(),
        4
    );
    assert!(entries.iter().all(|e| e["os_user"] == "operator"));
    let mut edits = vec![
        "UPDATE audit SET action = 'nothing happened'",
        "DELETE FROM audit",
    ];
    if env.is_postgres() {
        edits.push("TRUNCATE audit");
    }
    for edit in edits {
        let err = env.ledger_sql(edit).unwrap_err();
        assert!(
            err.contains("the audit log is append-only"),
            "{edit}: {err}"
        );
    }
}

#[test]
fn batch_issues_good_rows_and_reports_bad_ones() {
    let env = Env::new();
    env.keypair("k");
    fs::write(
        env.path("customers.csv"),
        "customer_id,email,tier,valid_for,quotas,add_modules\n\
         c1,a@x.example,starter,30d,,\n\
         c2,,professional,,devices=250,\n\
         c3,,gold,,,\n\
         c4,,starter,,,warp_drive\n\
         c5,,starter,,,,extra\n\
         c6,,enterprise,2y,,\n",
    )
    .unwrap();
    let args = [
        "issue",
        "--batch",
        "customers.csv",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--valid-for",
        "1y",
        "--out",
        "results.csv",
    ];
    let out = env.run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("row 3 (line 4): unknown tier 'gold'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("row 4 (line 5): unknown module 'warp_drive'"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("row 5 (line 6):"), "{}", out.stderr);
    assert!(out.stderr.contains("issued 3 license(s); 3 row(s) failed"));
    let results = fs::read_to_string(env.path("results.csv")).unwrap();
    let lines: Vec<&str> = results.lines().collect();
    assert_eq!(lines[0], "row,customer_id,status,license_id,key,error");
    assert_eq!(lines.len(), 7);
    assert!(lines[2].starts_with("2,c2,issued,"));
    assert!(lines[3].starts_with("3,c3,error,,,"));
    let ledger = env.ok(&["ledger", "list", "--json"]).json();
    let in_ledger: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["license_id"].as_str().unwrap())
        .collect();
    let in_results: Vec<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').nth(3))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(in_ledger.len(), 3);
    for id in &in_results {
        assert!(in_ledger.contains(id));
    }
    refused(&env, &args, 1, "results.csv already exists");
    fs::write(env.path("bad-header.csv"), "customer,tier\nx,starter\n").unwrap();
    refused(
        &env,
        &[
            "issue",
            "--batch",
            "bad-header.csv",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--perpetual",
            "--out",
            "r.csv",
        ],
        2,
        "unknown column 'customer'",
    );
}

/// Kills a batch with SIGKILL in the middle, at several points, and checks
/// that the ledger and the results file agree: no license in one and not the
/// other.
#[test]
fn a_killed_batch_leaves_ledger_and_output_consistent() {
    // Rows go in chunks of 500: kills in the first, a middle and a later chunk.
    for kill_after in [1, 1200, 3300] {
        let env = Env::new();
        env.keypair("k");
        let mut csv = String::from("customer_id,tier\n");
        for i in 0..30000 {
            csv.push_str(&format!("cust-{i},starter\n"));
        }
        fs::write(env.path("many.csv"), csv).unwrap();
        let mut child = env
            .command()
            .args([
                "issue",
                "--batch",
                "many.csv",
                "--secret-key",
                "keys/k.secret",
                "--catalog",
                CATALOG,
                "--perpetual",
                "--out",
                "results.csv",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until some rows are out, then kill -9.
        let results = env.path("results.csv");
        let started = std::time::Instant::now();
        while fs::read_to_string(&results).map_or(0, |t| t.lines().count()) < kill_after + 1 {
            assert!(
                started.elapsed().as_secs() < 60,
                "the batch made no progress"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Output: the rows whose key is all there (the kill may cut the
        // last line anywhere, even inside the key: such a license was never
        // delivered, and recovery voids it).
        let mut written: Vec<String> = fs::read_to_string(&results)
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                let key = cells.get(4)?;
                licman_core::UnverifiedLicense::parse(key).ok()?;
                Some(cells[3].to_string())
            })
            .collect();
        assert!(written.len() < 30000, "the batch finished before the kill");
        // Any ledger command first recovers the interrupted run.
        let ledger = env.ok(&["ledger", "list", "--json"]).json();
        let mut recorded: Vec<String> = ledger
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["license_id"].as_str().unwrap().to_string())
            .collect();
        written.sort();
        recorded.sort();
        assert_eq!(
            recorded, written,
            "ledger and results differ after a kill at {kill_after} rows"
        );
        assert!(
            ledger
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "active")
        );
    }
}

#[test]
fn bad_inputs_are_refused_with_clear_errors_and_write_nothing() {
    let env = Env::new();
    env.keypair("k");
    env.keypair("other");
    let good = env.issue(
        "k",
        &[
            "--tier",
            "starter",
            "--customer",
            "acme",
            "--starts",
            "2026-01-01",
            "--expires",
            "2027-01-01",
        ],
    );
    fs::write(env.path("good.lic"), &good).unwrap();
    let issue = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: Vec<String>, code: i32, needle: &str| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&env, &refs, code, needle);
    };
    let base = ["--tier", "starter", "--customer", "c", "--perpetual"];
    // Keys and files.
    run(
        issue(&base)
            .into_iter()
            .map(|a| {
                if a == "keys/k.secret" {
                    "keys/missing.secret".into()
                } else {
                    a
                }
            })
            .collect(),
        1,
        "cannot read secret key keys/missing.secret",
    );
    run(
        issue(&base)
            .into_iter()
            .map(|a| {
                if a == "keys/k.secret" {
                    "keys/k.pub".into()
                } else {
                    a
                }
            })
            .collect(),
        1,
        "this is a public key",
    );
    run(
        issue(&base)
            .into_iter()
            .map(|a| {
                if a == CATALOG {
                    "missing.toml".into()
                } else {
                    a
                }
            })
            .collect(),
        1,
        "cannot read catalog missing.toml",
    );
    fs::write(env.path("broken.toml"), "product = \n").unwrap();
    run(
        issue(&base)
            .into_iter()
            .map(|a| {
                if a == CATALOG {
                    "broken.toml".into()
                } else {
                    a
                }
            })
            .collect(),
        1,
        "invalid catalog",
    );
    // Claims.
    run(
        issue(&["--tier", "gold", "--customer", "c", "--perpetual"]),
        2,
        "unknown tier 'gold'",
    );
    run(
        issue(&[&base[..], &["--add-module", "warp"]].concat()),
        2,
        "unknown module 'warp'",
    );
    run(
        issue(&[&base[..], &["--remove-module", "warp"]].concat()),
        2,
        "unknown module 'warp'",
    );
    run(
        issue(&[&base[..], &["--quota", "seats=5"]].concat()),
        2,
        "unknown quota 'seats'",
    );
    run(
        issue(&[&base[..], &["--quota", "devices=lots"]].concat()),
        2,
        "malformed quota 'devices=lots'",
    );
    run(
        issue(&[&base[..], &["--quota", "devices"]].concat()),
        2,
        "malformed quota 'devices'",
    );
    run(
        issue(&[
            "--tier",
            "starter",
            "--customer",
            "c",
            "--expires",
            "2026-02-30",
        ]),
        2,
        "malformed date '2026-02-30'",
    );
    run(
        issue(&[
            "--tier",
            "starter",
            "--customer",
            "c",
            "--starts",
            "2027-01-01",
            "--expires",
            "2026-01-01",
        ]),
        2,
        "the expiry (2026-01-01) is not after the start (2027-01-01)",
    );
    run(
        issue(&["--tier", "starter", "--customer", "c"]),
        2,
        "--expires DATE, --valid-for DURATION or --perpetual",
    );
    run(
        issue(&[
            "--tier",
            "starter",
            "--customer",
            "c",
            "--valid-for",
            "ten days",
        ]),
        2,
        "malformed duration 'ten days'",
    );
    run(
        issue(&[&base[..], &["--bind", "xyz"]].concat()),
        2,
        "malformed fingerprint 'xyz'",
    );
    run(
        issue(&[&base[..], &["--meta", "novalue"]].concat()),
        2,
        "malformed metadata 'novalue'",
    );
    run(
        issue(&[
            "--tier",
            "starter",
            "--customer",
            "c",
            "--perpetual",
            "--valid-for",
            "1y",
        ]),
        2,
        "cannot be used with",
    );
    run(
        issue(&["--tier", "starter", "--perpetual"]),
        2,
        "--customer",
    );
    // Verification.
    let mut tampered = good.clone();
    tampered.replace_range(60..61, if &good[60..61] == "A" { "B" } else { "A" });
    fs::write(env.path("tampered.lic"), &tampered).unwrap();
    run(
        vec![
            "verify".into(),
            "--product".into(),
            "netaudit".into(),
            "--public-key".into(),
            "keys/k.pub".into(),
            "tampered.lic".into(),
        ],
        4,
        "INVALID [bad_signature]",
    );
    run(
        vec![
            "verify".into(),
            "--product".into(),
            "netaudit".into(),
            "--public-key".into(),
            "keys/other.pub".into(),
            "good.lic".into(),
        ],
        4,
        "INVALID [unknown_key]",
    );
    run(
        vec![
            "verify".into(),
            "--product".into(),
            "netaudit".into(),
            "--public-key".into(),
            "keys/k.pub".into(),
            "--at".into(),
            "2027-03-01".into(),
            "good.lic".into(),
        ],
        5,
        "INVALID [expired]",
    );
    run(
        vec![
            "verify".into(),
            "--product".into(),
            "netaudit".into(),
            "--public-key".into(),
            "keys/k.secret".into(),
            "good.lic".into(),
        ],
        3,
        "not a valid licman public key",
    );
    fs::write(env.path("binary.lic"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    run(
        vec![
            "verify".into(),
            "--product".into(),
            "netaudit".into(),
            "--public-key".into(),
            "keys/k.pub".into(),
            "binary.lic".into(),
        ],
        3,
        "not UTF-8 text",
    );
    fs::write(env.path("junk.lic"), "hello world").unwrap();
    run(
        vec!["inspect".into(), "junk.lic".into()],
        3,
        "expected it to start with 'lm1_'",
    );
    run(
        vec!["inspect".into(), "nothing-here.lic".into()],
        1,
        "cannot read nothing-here.lic",
    );
    refused_with(
        &env,
        &["inspect", "-"],
        Some(b""),
        None,
        3,
        "standard input is empty",
    );
    refused_with(
        &env,
        &[
            "verify",
            "--product",
            "netaudit",
            "--public-key",
            "keys/k.pub",
            "-",
        ],
        Some(b"\n\n"),
        None,
        3,
        "standard input is empty",
    );
    refused_with(
        &env,
        &["inspect", "-"],
        Some(&[0xc3, 0x28]),
        None,
        3,
        "not UTF-8",
    );
    let json = env
        .run(&[
            "verify",
            "--json",
            "--catalog",
            CATALOG,
            "--public-key",
            "keys/k.pub",
            "tampered.lic",
        ])
        .json();
    assert_eq!(
        (json["valid"].clone(), json["error"]["code"].clone()),
        (Value::Bool(false), "bad_signature".into())
    );
    // Revocation and ledger.
    run(
        vec![
            "revoke".into(),
            "--secret-key".into(),
            "keys/k.secret".into(),
            "--license-id".into(),
            "not-a-uuid".into(),
            "--out".into(),
            "r.lrl".into(),
        ],
        2,
        "malformed license id 'not-a-uuid'",
    );
    run(
        vec![
            "revoke".into(),
            "--secret-key".into(),
            "keys/k.secret".into(),
            "--license-id".into(),
            "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
            "--out".into(),
            "r.lrl".into(),
        ],
        2,
        "is not in the ledger",
    );
    fs::write(env.path("notes.txt"), "just some notes\n").unwrap();
    run(
        vec![
            "ledger".into(),
            "import".into(),
            "--public-key".into(),
            "keys/k.pub".into(),
            "notes.txt".into(),
        ],
        1,
        "no 'key' column",
    );
    run(
        vec![
            "ledger".into(),
            "expiring".into(),
            "--within".into(),
            "soon".into(),
        ],
        2,
        "malformed duration 'soon'",
    );
    run(
        vec![
            "keypair".into(),
            "--out-dir".into(),
            "keys".into(),
            "--name".into(),
            "../escape".into(),
            "--unencrypted".into(),
        ],
        2,
        "invalid key name",
    );
    run(vec!["frobnicate".into()], 2, "unrecognized subcommand");
}

/// Issues a perpetual starter license for `customer` (plus `extra`) and
/// returns its id; the key is written to `CUSTOMER.lic`.
fn issue_id(env: &Env, customer: &str, extra: &[&str]) -> String {
    let out = env.issue(
        "k",
        &[
            &["--tier", "starter", "--customer", customer, "--perpetual"][..],
            extra,
            &["--format", "json"],
        ]
        .concat(),
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    fs::write(
        env.path(&format!("{customer}.lic")),
        json["key"].as_str().unwrap(),
    )
    .unwrap();
    json["license_id"].as_str().unwrap().to_string()
}

/// The cells of a CSV file, header first, read as a spreadsheet would not:
/// exactly as written.
fn csv_cells(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
}

fn audit_entries(env: &Env, ledger: &str) -> Vec<Value> {
    env.ok(&["ledger", "audit", "--ledger", ledger, "--json"])
        .json()["entries"]
        .as_array()
        .unwrap()
        .clone()
}

/// Finding 1: the revocation columns of an export are not signed. Editing
/// one must not revoke a genuine customer, neither in the ledger nor in the
/// next signed list, unless the operator says the file is trusted; then
/// each revocation added is audited.
#[test]
fn import_ignores_edited_revocation_columns() {
    let env = Env::new();
    env.keypair("k");
    let victim = issue_id(&env, "victim", &[]);
    let other = issue_id(&env, "other", &[]);
    env.ok(&["ledger", "export", "--format", "csv", "--out", "all.csv"]);
    let mut rows = csv_cells(&env.path("all.csv"));
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (id_col, at_col, reason_col) = (col("license_id"), col("revoked_at"), col("revoke_reason"));
    let row = rows.iter().position(|r| r[id_col] == victim).unwrap();
    rows[row][at_col] = "2026-01-02T00:00:00Z".into();
    rows[row][reason_col] = "edited".into();
    write_csv(&env.path("edited.csv"), &rows);

    // Without --trust-revocations: imported rows are unchanged, nobody is revoked.
    let import = [
        "ledger",
        "import",
        "--ledger",
        env.ledger(),
        "--public-key",
        "keys/k.pub",
        "edited.csv",
    ];
    let out = env.ok(&import);
    let revoked = env
        .ok(&["ledger", "list", "--status", "revoked", "--json"])
        .json();
    assert_eq!(revoked.as_array().unwrap().len(), 0, "{revoked}");
    assert!(
        out.stderr
            .contains("1 revocation(s) in edited.csv not imported")
            && out.stderr.contains("--trust-revocations"),
        "{}",
        out.stderr
    );
    let json = env.ok(&[&import[..], &["--json"]].concat()).json();
    assert_eq!(
        (json["revoked"].clone(), json["ignored_revocations"].clone()),
        (0.into(), 1.into())
    );
    // The next signed list does not contain the victim.
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &other,
        "--out",
        "r1.lrl",
    ]);
    let verify = |lic: &str, list: &str| {
        env.run(&[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--catalog",
            CATALOG,
            "--revocations",
            list,
            lic,
        ])
        .code
    };
    assert_eq!(
        verify("victim.lic", "r1.lrl"),
        0,
        "the victim is not revoked"
    );
    assert_eq!(verify("other.lic", "r1.lrl"), 7);
    assert!(
        !audit_entries(&env, env.ledger()).iter().any(|e| e["ids"]
            .as_array()
            .unwrap()
            .contains(&victim.as_str().into())
            && e["command"] == "ledger import"),
        "nothing about the victim was audited"
    );

    // With --trust-revocations: revoked, with its reason, and audited once.
    let json = env
        .ok(&[&import[..], &["--trust-revocations", "--json"]].concat())
        .json();
    assert_eq!(json["revoked"], 1);
    let list = env
        .ok(&["ledger", "list", "--customer", "victim", "--json"])
        .json();
    assert_eq!(list[0]["status"], "revoked");
    assert_eq!(list[0]["revoke_reason"], "edited");
    assert_eq!(list[0]["revoked_at"], "2026-01-02T00:00:00Z");
    let audited = |env: &Env| {
        audit_entries(env, env.ledger())
            .into_iter()
            .filter(|e| {
                e["command"] == "ledger import"
                    && e["ids"] == serde_json::json!([victim])
                    && e["action"].as_str().unwrap().contains("revoked")
            })
            .collect::<Vec<_>>()
    };
    let entries = audited(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["details"]["file"], "edited.csv");
    assert_eq!(entries[0]["details"]["reason"], "edited");
    // Importing it again adds no revocation, and no audit entry for one.
    let json = env
        .ok(&[&import[..], &["--trust-revocations", "--json"]].concat())
        .json();
    assert_eq!(json["revoked"], 0);
    assert_eq!(audited(&env).len(), 1);
    // And now the next list holds it.
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &other,
        "--out",
        "r2.lrl",
    ]);
    assert_eq!(verify("victim.lic", "r2.lrl"), 7);
}

/// Finding 2: the revocation is committed before the list is written, so
/// no list leaves the tool with a serial the ledger does not hold. A list
/// that could not be written is in the ledger and can be written again.
#[test]
fn revoke_commits_before_writing_and_a_lost_list_can_be_written_again() {
    let env = Env::new();
    env.keypair("k");
    let first = issue_id(&env, "first", &[]);
    let second = issue_id(&env, "second", &[]);
    // The write fails (no such directory) after the commit.
    let out = env.run(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &first,
        "--out",
        "no-such-dir/r.lrl",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let revoked = env
        .ok(&["ledger", "list", "--status", "revoked", "--json"])
        .json();
    assert_eq!(revoked[0]["license_id"], first.as_str(), "committed");
    assert!(
        out.stderr
            .contains("revocation list #1 for netaudit is recorded in the ledger")
            && out.stderr.contains("ledger revocation-list"),
        "{}",
        out.stderr
    );
    assert!(!env.path("no-such-dir").exists());
    // The recorded list is written again, unchanged, without the key.
    let json = env
        .ok(&["ledger", "revocation-list", "--out", "r1.lrl", "--json"])
        .json();
    assert_eq!(
        (json["serial"].clone(), json["product"].clone()),
        (1.into(), "netaudit".into())
    );
    let stdout = env.ok(&["ledger", "revocation-list"]).stdout;
    assert_eq!(stdout, fs::read_to_string(env.path("r1.lrl")).unwrap());
    refused(
        &env,
        &["ledger", "revocation-list", "--out", "r1.lrl"],
        1,
        "r1.lrl already exists; pass --force",
    );
    let code = |lic: &str| {
        env.run(&[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--product",
            "netaudit",
            "--revocations",
            "r1.lrl",
            lic,
        ])
        .code
    };
    assert_eq!(code("first.lic"), 7);
    assert_eq!(code("second.lic"), 0);
    // Serial 1 is used: the next list is #2, and holds both.
    let json = env
        .ok(&[
            "revoke",
            "--secret-key",
            "keys/k.secret",
            "--license-id",
            &second,
            "--out",
            "r2.lrl",
            "--json",
        ])
        .json();
    assert_eq!(json["serial"], 2);
    assert_eq!(json["revoked"], 2);
    let json = env
        .ok(&["ledger", "revocation-list", "--out", "latest.lrl", "--json"])
        .json();
    assert_eq!(json["serial"], 2);
    assert_eq!(
        fs::read(env.path("latest.lrl")).unwrap(),
        fs::read(env.path("r2.lrl")).unwrap()
    );
    // No temporary file is left next to the list.
    let names: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
}

/// Finding 4: running a batch file again does not issue its rows twice.
#[test]
fn batch_rerun_is_refused_and_resume_skips_rows_already_issued() {
    let env = Env::new();
    env.keypair("k");
    fs::write(
        env.path("customers.csv"),
        "customer_id,tier,email\nc1,starter,a@x.example\nc2,gold,\nc3,starter,\n",
    )
    .unwrap();
    let batch = |file: &str, out: &str, extra: &[&str]| -> Vec<String> {
        [
            &[
                "issue",
                "--batch",
                file,
                "--secret-key",
                "keys/k.secret",
                "--catalog",
                CATALOG,
                "--perpetual",
                "--out",
                out,
            ][..],
            extra,
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: Vec<String>| env.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // The first run issues c1 and c3; c2 fails.
    let out = run(batch("customers.csv", "r1.csv", &[]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let first: Vec<Vec<String>> = csv_cells(&env.path("r1.csv"));
    let id_of = |rows: &[Vec<String>], customer: &str| {
        rows.iter()
            .find(|r| r[1] == customer)
            .map(|r| (r[2].clone(), r[3].clone(), r[4].clone()))
            .unwrap()
    };
    let (_, c1, c1_key) = id_of(&first, "c1");
    let (_, c3, _) = id_of(&first, "c3");
    // The file is fixed (c2's tier), its columns reordered and spaced: the
    // same rows. Running it again is refused, and writes nothing.
    fs::write(
        env.path("customers.csv"),
        "email,customer_id,tier\na@x.example, c1 ,starter\n,c2,professional\n,c3,starter\n",
    )
    .unwrap();
    let args = batch("customers.csv", "r2.csv", &[]);
    refused(
        &env,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
        "2 row(s) of this file already have a license",
    );
    let out = run(args.clone());
    assert!(
        out.stderr.contains(&format!("row 1: license {c1}"))
            && out.stderr.contains(&format!("row 3: license {c3}"))
            && out.stderr.contains("pass --resume"),
        "{}",
        out.stderr
    );
    let json = run([&args[..], &["--json".to_string()]].concat()).json();
    assert_eq!(json["error"]["code"], "already_issued");
    assert_eq!(
        env.ok(&["ledger", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // --resume skips c1 and c3 (reported, with their licenses) and issues c2.
    let out = run(batch("customers.csv", "r2.csv", &["--resume"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("issued 1 license(s), skipped 2 already issued; 0 row(s) failed"),
        "{}",
        out.stderr
    );
    let second = csv_cells(&env.path("r2.csv"));
    assert_eq!(id_of(&second, "c1"), ("skipped".into(), c1.clone(), c1_key));
    assert_eq!(id_of(&second, "c3").0, "skipped");
    assert_eq!(id_of(&second, "c3").1, c3);
    assert!(
        second[1][5].starts_with("already issued (batch "),
        "{:?}",
        second[1]
    );
    assert_eq!(id_of(&second, "c2").0, "issued");
    let ledger = env.ok(&["ledger", "list", "--json"]).json();
    assert_eq!(ledger.as_array().unwrap().len(), 3);
    // Now every row has its license: a plain re-run is refused, --resume issues nothing.
    refused(
        &env,
        &batch("customers.csv", "r3.csv", &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        1,
        "3 row(s) of this file already have a license",
    );
    let json_out = run(batch("customers.csv", "r3.csv", &["--resume", "--json"]));
    assert_eq!(json_out.code, 0, "{}", json_out.stderr);
    let summary: Value = serde_json::from_str(json_out.stderr.trim()).unwrap();
    assert_eq!(summary["issued"], 0);
    assert_eq!(summary["skipped"].as_array().unwrap().len(), 3);
    assert_eq!(
        env.ok(&["ledger", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A repeated row is two rows: its second occurrence is new.
    fs::write(
        env.path("customers.csv"),
        "customer_id,tier,email\nc1,starter,a@x.example\nc1,starter,a@x.example\n",
    )
    .unwrap();
    let out = run(batch("customers.csv", "r4.csv", &["--resume"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("issued 1 license(s), skipped 1"),
        "{}",
        out.stderr
    );
    // --resume needs --batch and a ledger; the help says what it does.
    refused(
        &env,
        &[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "x",
            "--perpetual",
            "--resume",
        ],
        2,
        "--batch",
    );
    let help = env.ok(&["issue", "--help"]).stdout;
    assert!(
        help.contains("--resume") && help.contains("already have a license"),
        "{help}"
    );
}

/// Finding 5: exported CSV cells that a spreadsheet would run as formulas
/// are quoted, and import restores them exactly.
#[test]
fn export_quotes_formula_cells_and_import_restores_them_exactly() {
    let env = Env::new();
    env.keypair("k");
    let names = [
        "=HYPERLINK(\"http://x\")",
        "+1",
        "-2",
        "@SUM(A1)",
        "\tX",
        "\rY",
        "'=already quoted",
        "plain name",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        // `--customer-name=-2`: a value that starts with `-`.
        let arg = format!("--customer-name={name}");
        ids.push(issue_id(&env, &format!("c{i}"), &[&arg]));
    }
    // Revocation reasons go through the CSV itself (import reads them).
    for (id, reason) in [(&ids[0], "-fraud"), (&ids[1], "=cmd|' /C calc'!A0")] {
        env.ok(&[
            "revoke",
            "--secret-key",
            "keys/k.secret",
            "--license-id",
            id,
            &format!("--reason={reason}"),
            "--out",
            &format!("{id}.lrl"),
        ]);
    }
    env.ok(&["ledger", "export", "--format", "csv", "--out", "all.csv"]);
    let cells = csv_cells(&env.path("all.csv"));
    let col = |name: &str| cells[0].iter().position(|h| h == name).unwrap();
    let exported: Vec<&str> = cells[1..]
        .iter()
        .map(|r| r[col("customer_name")].as_str())
        .collect();
    for (name, written) in names.iter().zip([
        "'=HYPERLINK(\"http://x\")",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tX",
        "'\rY",
        "''=already quoted",
        "plain name",
    ]) {
        assert!(
            exported.contains(&written),
            "{name:?} not written as {written:?}: {exported:?}"
        );
    }
    let reasons: Vec<&str> = cells[1..]
        .iter()
        .map(|r| r[col("revoke_reason")].as_str())
        .collect();
    assert!(
        reasons.contains(&"'-fraud") && reasons.contains(&"'=cmd|' /C calc'!A0"),
        "{reasons:?}"
    );
    // No cell of the raw file starts with a formula character.
    for row in &cells {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    // Import into a new ledger and export again: the same file, byte for byte.
    env.ok(&[
        "ledger",
        "import",
        "--ledger",
        "copy.db",
        "--trust-revocations",
        "--public-key",
        "keys/k.pub",
        "all.csv",
    ]);
    env.ok(&[
        "ledger", "export", "--ledger", "copy.db", "--format", "csv", "--out", "copy.csv",
    ]);
    assert_eq!(
        fs::read_to_string(env.path("copy.csv")).unwrap(),
        fs::read_to_string(env.path("all.csv")).unwrap()
    );
    let copy = env
        .ok(&["ledger", "list", "--ledger", "copy.db", "--json"])
        .json();
    let mut restored: Vec<&str> = copy
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_name"].as_str().unwrap())
        .collect();
    restored.sort_unstable();
    let mut expected = names.to_vec();
    expected.sort_unstable();
    assert_eq!(restored, expected);
    let reason_of = |id: &str| {
        copy.as_array()
            .unwrap()
            .iter()
            .find(|r| r["license_id"] == id)
            .unwrap()["revoke_reason"]
            .clone()
    };
    assert_eq!(reason_of(&ids[0]), "-fraud");
    assert_eq!(reason_of(&ids[1]), "=cmd|' /C calc'!A0");
    // JSON exports are not quoted (no spreadsheet reads them).
    env.ok(&["ledger", "export", "--format", "json", "--out", "all.json"]);
    let json: Value =
        serde_json::from_str(&fs::read_to_string(env.path("all.json")).unwrap()).unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|r| r["customer_name"] == "+1")
    );
}

/// Finding 5, the other way: a batch CSV is read literally (no quote is
/// removed from its cells), and the results CSV it writes is quoted.
#[test]
fn batch_input_is_read_literally_and_its_results_are_quoted() {
    let env = Env::new();
    env.keypair("k");
    fs::write(
        env.path("in.csv"),
        "customer_id,customer_name,tier\n-c1,+1,starter\n'=c2,'=x,starter\n@c3,it's fine,starter\n",
    )
    .unwrap();
    env.ok(&[
        "issue",
        "--batch",
        "in.csv",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--perpetual",
        "--out",
        "results.csv",
    ]);
    let list = env.ok(&["ledger", "list", "--json"]).json();
    let mut got: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["customer_id"].as_str().unwrap().to_string(),
                r["customer_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [("'=c2", "'=x"), ("-c1", "+1"), ("@c3", "it's fine")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let results = csv_cells(&env.path("results.csv"));
    let customers: Vec<&str> = results[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(customers, ["'-c1", "''=c2", "'@c3"]);
}

/// Finding 6: the ledger, its -wal and -shm files, the results of a batch
/// and exports are private (0600), whatever the umask.
#[cfg(unix)]
#[test]
fn ledger_wal_shm_results_and_exports_are_private_under_umask_022() {
    let env = Env::new();
    env.keypair("k");
    let mut csv = String::from("customer_id,tier\n");
    for i in 0..3000 {
        csv.push_str(&format!("cust-{i},starter\n"));
    }
    fs::write(env.path("many.csv"), csv).unwrap();
    let with_umask = |args: &[&str]| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("umask 022 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_licman-keygen"))
            .args(args)
            .current_dir(env.dir.path())
            .env("LICMAN_LEDGER", env.ledger())
            .env_remove("LICMAN_PASSPHRASE")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    let mut child = with_umask(&[
        "issue",
        "--batch",
        "many.csv",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--perpetual",
        "--out",
        "results.csv",
    ])
    .spawn()
    .unwrap();
    // While the batch runs (then killed: its files stay as they were).
    let started = std::time::Instant::now();
    while fs::read_to_string(env.path("results.csv")).map_or(0, |t| t.lines().count()) < 3 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the batch made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut private = vec!["results.csv"];
    if !env.is_postgres() {
        private.extend([
            "licman-ledger.db",
            "licman-ledger.db-wal",
            "licman-ledger.db-shm",
            "licman-ledger.db.lock",
        ]);
    }
    for name in private {
        assert_eq!(mode(&env.path(name)), 0o600, "{name}");
    }
    for (format, out) in [("csv", "all.csv"), ("json", "all.json")] {
        let status = with_umask(&["ledger", "export", "--format", format, "--out", out])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(mode(&env.path(out)), 0o600, "{out}");
    }
    // Public files keep their mode.
    assert_eq!(mode(&env.path("keys/k.pub")), 0o644);
}

/// Finding 7: strings from a license or the ledger reach the terminal with
/// their control characters escaped.
#[test]
fn inspect_verify_and_list_escape_terminal_controls() {
    let env = Env::new();
    env.keypair("k");
    issue_id(
        &env,
        "evil\x1b[31m",
        &[
            "--customer-name",
            "\x1b]0;pwned\x07",
            "--meta",
            "note=\x1b[2J\u{9b}6n\u{202e}txt.exe",
        ],
    );
    let lic = "evil\x1b[31m.lic";
    let shown = [
        "evil\\x1b[31m",
        "\\x1b]0;pwned\\x07",
        "note=\\x1b[2J\\u{9b}6n\\u{202e}txt.exe",
    ];
    let raw =
        |text: &str| text.contains('\x1b') || text.contains('\u{9b}') || text.contains('\u{202e}');
    let inspect = env.ok(&["inspect", lic]).stdout;
    let verify = env
        .ok(&[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--catalog",
            CATALOG,
            lic,
        ])
        .stdout;
    let list = env.ok(&["ledger", "list"]).stdout;
    for (what, text) in [("inspect", &inspect), ("verify", &verify)] {
        assert!(!raw(text), "{what}: {text:?}");
        for s in shown {
            assert!(text.contains(s), "{what}: {s} not in {text}");
        }
    }
    assert!(!raw(&list) && list.contains(shown[0]), "{list:?}");
    // doctor quotes products and customers of the ledger: escaped too.
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--product",
        "evil\x1b[2J",
        "--out",
        "evil.lmrl",
        "--license-id",
        "00000000-0000-4000-8000-000000000001",
    ]);
    for args in [&["doctor"][..], &["--json", "doctor"][..]] {
        let out = env.run(args);
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(!raw(&text), "{args:?}: {text:?}");
    }
    // JSON output: the same strings, escaped as JSON (\u001b, \u009b, \u202e).
    for args in [
        &["inspect", "--json", lic][..],
        &[
            "verify",
            "--json",
            "--public-key",
            "keys/k.pub",
            "--catalog",
            CATALOG,
            lic,
        ][..],
        &["ledger", "list", "--json"][..],
    ] {
        let out = env.ok(args);
        assert!(!raw(&out.stdout), "{args:?}: {:?}", out.stdout);
        assert!(out.stdout.contains("\\u001b"), "{args:?}");
        let json = out.json();
        let text = json.to_string();
        assert!(text.contains("evil\\u001b[31m"), "{text}");
    }
    let json = env.ok(&["inspect", "--json", lic]).json();
    assert_eq!(json["claims"]["customer"]["name"], "\x1b]0;pwned\x07");
    assert_eq!(
        json["claims"]["metadata"]["note"],
        "\x1b[2J\u{9b}6n\u{202e}txt.exe"
    );
    // Error messages quote untrusted text too.
    fs::write(env.path("bad.csv"), "customer_id,tier\nc,\x1b[2Jgold\n").unwrap();
    let out = env.run(&[
        "issue",
        "--batch",
        "bad.csv",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--perpetual",
        "--out",
        "r.csv",
    ]);
    assert_eq!(out.code, 1);
    assert!(!raw(&out.stderr), "{:?}", out.stderr);
    assert!(
        out.stderr.contains("unknown tier '\\x1b[2Jgold'"),
        "{}",
        out.stderr
    );
}

/// Finding 8: the product to expect comes from the operator, never from
/// the license.
#[test]
fn verify_requires_product_or_catalog() {
    let env = Env::new();
    env.keypair("k");
    issue_id(&env, "acme", &[]);
    refused(
        &env,
        &["verify", "--public-key", "keys/k.pub", "acme.lic"],
        2,
        "--product",
    );
    let out = env.run(&["verify", "--public-key", "keys/k.pub", "acme.lic"]);
    assert!(out.stderr.contains("--catalog"), "{}", out.stderr);
    env.ok(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--product",
        "netaudit",
        "acme.lic",
    ]);
    env.ok(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        CATALOG,
        "acme.lic",
    ]);
    assert_eq!(
        env.run(&[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--product",
            "other",
            "acme.lic"
        ])
        .code,
        8
    );
    let help = env.ok(&["verify", "--help"]).stdout;
    assert!(
        help.contains("--product or --catalog is required"),
        "{help}"
    );
}

/// Finding 9: a batch running in another process keeps its pending
/// licenses while other commands open the ledger (liveness from the run
/// lock, not /proc); once it is killed they are resolved.
#[test]
fn a_running_batch_keeps_its_pending_rows_until_it_dies() {
    let env = Env::new();
    env.keypair("k");
    let mut csv = String::from("customer_id,tier\n");
    for i in 0..3000 {
        csv.push_str(&format!("cust-{i},starter\n"));
    }
    fs::write(env.path("many.csv"), csv).unwrap();
    let mut child = env
        .command()
        .args([
            "issue",
            "--batch",
            "many.csv",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--perpetual",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The batch writes its results to a pipe nobody reads: it blocks with a
    // row pending.
    let started = std::time::Instant::now();
    let count = |state: &str| -> i64 {
        env.ledger_count(&format!(
            "SELECT COUNT(*) FROM licenses WHERE state = '{state}'"
        ))
    };
    let pending = || count("pending");
    // Blocked: a chunk's rows pending, and no progress for a while.
    let mut last = -1;
    let blocked = loop {
        assert!(
            started.elapsed().as_secs() < 120,
            "the batch did not block on its output"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
        let issued = count("issued");
        let waiting = pending();
        if issued == last && waiting > 0 {
            break waiting;
        }
        last = issued;
    };
    // Another command opens the ledger: the live run's rows stay pending.
    env.ok(&["ledger", "list"]);
    assert_eq!(
        pending(),
        blocked,
        "a live run's pending rows were resolved"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    env.ok(&["ledger", "list"]);
    assert_eq!(pending(), 0);
    let unconfirmed = env
        .ok(&["ledger", "list", "--status", "unconfirmed", "--json"])
        .json();
    assert!(!unconfirmed.as_array().unwrap().is_empty());
}

#[test]
fn pubkey_prints_the_public_key_of_a_secret_key() {
    let env = Env::new();
    env.keypair("k");
    let written = fs::read_to_string(env.path("keys/k.pub")).unwrap();
    let key_line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("lmpk1_"))
            .unwrap()
            .to_string()
    };
    let printed = env.ok(&["pubkey", "keys/k.secret"]).stdout;
    assert_eq!(key_line(&printed), key_line(&written));
    let json = env.ok(&["pubkey", "keys/k.secret", "--json"]).json();
    assert_eq!(json["public_key"], key_line(&written));
    env.ok(&["pubkey", "keys/k.secret", "--out", "again.pub"]);
    assert_eq!(
        key_line(&fs::read_to_string(env.path("again.pub")).unwrap()),
        key_line(&written)
    );
    // Never overwritten silently; a public key is not a secret key.
    refused(
        &env,
        &["pubkey", "keys/k.secret", "--out", "again.pub"],
        1,
        "exists",
    );
    refused(&env, &["pubkey", "keys/k.pub"], 1, "this is a public key");
}

#[test]
fn passphrase_reseals_the_same_key_and_a_wrong_one_changes_nothing() {
    let env = Env::new();
    let fast = ["--kdf-memory-mib", "8", "--kdf-iterations", "1"];
    let mut args = vec!["keypair", "--out-dir", "keys", "--name", "k"];
    args.extend_from_slice(&fast);
    env.ok(&args);
    let key_id = |env: &Env, pass: &str| -> Out {
        env.run_with(&["pubkey", "keys/k.secret", "--json"], None, Some(pass))
    };
    let before = key_id(&env, PASSPHRASE).json()["key_id"].clone();
    fs::write(env.path("new.txt"), "a new passphrase\n").unwrap();
    let mut change = vec![
        "passphrase",
        "keys/k.secret",
        "--new-passphrase-file",
        "new.txt",
    ];
    change.extend_from_slice(&fast);
    // The wrong current passphrase: refused, the file unchanged.
    refused_with(&env, &change, None, Some("wrong"), 1, "wrong passphrase");
    env.ok(&change);
    assert_eq!(key_id(&env, "a new passphrase").json()["key_id"], before);
    assert_eq!(
        key_id(&env, PASSPHRASE).code,
        1,
        "the old passphrase no longer opens it"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(env.path("keys/k.secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Issuing still works with the key under its new passphrase.
    let out = env.run_with(
        &[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "c",
            "--valid-for",
            "1y",
        ],
        None,
        Some("a new passphrase"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn completions_and_the_manual_page_come_from_the_clap_definitions() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = env.ok(&["completions", shell]).stdout;
        assert!(
            out.contains("licman-keygen") && out.contains("passphrase"),
            "{shell}"
        );
    }
    refused(&env, &["completions", "tcsh"], 2, "invalid value");
    let man = env.ok(&["man"]).stdout;
    assert!(
        man.starts_with(".ie") || man.contains(".TH"),
        "{}",
        &man[..man.len().min(200)]
    );
    assert!(man.contains("licman\\-keygen") && man.contains("pubkey"));
    // Allowed values are listed for enum options.
    let help = env.ok(&["completions", "--help"]).stdout;
    assert!(help.contains("bash") && help.contains("zsh"), "{help}");
}

#[test]
fn renew_and_reissue_replace_a_license_from_the_ledger() {
    let env = Env::new();
    env.keypair("k");
    let issue = env.ok(&[
        "issue",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "starter",
        "--customer",
        "acme",
        "--email",
        "it@acme.example",
        "--expires",
        "2030-01-01",
        "--meta",
        "region=eu",
        "--format",
        "json",
    ]);
    let old = issue.json();
    let old_id = old["license_id"].as_str().unwrap().to_string();

    // Renew for a year: from the old expiry, same customer and metadata.
    let renewed = env.ok(&[
        "renew",
        &old_id,
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "1y",
        "--format",
        "json",
        "--out",
        "renewed.json",
    ]);
    let report = env.run(&[
        "--json",
        "renew",
        &old_id,
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "1y",
    ]);
    assert_eq!(report.code, 1, "{}", renewed.stderr);
    let new: Value =
        serde_json::from_str(&fs::read_to_string(env.path("renewed.json")).unwrap()).unwrap();
    let claims = &new["claims"];
    assert_eq!(claims["customer"]["id"], "acme");
    assert_eq!(claims["metadata"]["region"], "eu");
    assert_eq!(claims["tier"], "starter");
    assert_ne!(new["license_id"], old["license_id"]);
    assert!(
        claims["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-01"),
        "{claims}"
    );
    // The new one verifies; a second renewal of the old one is refused (it was replaced).
    fs::write(env.path("renewed.lic"), new["key"].as_str().unwrap()).unwrap();
    env.ok(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        CATALOG,
        "renewed.lic",
    ]);
    let again: Value = report.json();
    assert_eq!(again["error"]["code"], "already_replaced", "{again}");

    // Reissue the renewal in a higher tier, revoking it: the diff says what moved.
    let new_id = new["license_id"].as_str().unwrap().to_string();
    let up = env
        .ok(&[
            "--json",
            "reissue",
            &new_id,
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "professional",
            "--revoke-old",
            "--out",
            "pro.lic",
        ])
        .json();
    assert_eq!(up["kind"], "reissue");
    assert_eq!(up["change"]["tier_from"], "starter");
    assert_eq!(up["change"]["tier_to"], "professional");
    assert!(
        up["change"]["modules_added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "scheduled_audits"),
        "{up}"
    );
    assert_eq!(
        up["change"]["expires_from"], up["change"]["expires_to"],
        "a reissue keeps the dates"
    );
    let listed = env
        .ok(&["--json", "ledger", "list", "--status", "revoked"])
        .stdout;
    assert!(listed.contains(&new_id), "{listed}");
    // The next revocation list carries the revoked renewal.
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &old_id,
        "--out",
        "revoked.lrl",
    ]);
    let verdict = env.run(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        CATALOG,
        "--revocations",
        "revoked.lrl",
        "renewed.lic",
    ]);
    assert_eq!(verdict.code, 7, "{}{}", verdict.stdout, verdict.stderr);
    // The audit log records the links.
    let audit = env.ok(&["ledger", "audit"]).stdout;
    assert!(
        audit.contains("renewed license") && audit.contains("reissued license"),
        "{audit}"
    );
    // Unknown ids, a perpetual license, and a ledger row that does not verify are refused.
    refused(
        &env,
        &[
            "renew",
            "00000000-0000-4000-8000-000000000000",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--for",
            "1y",
        ],
        1,
        "not in the ledger",
    );
    let perpetual = env
        .ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "p",
            "--perpetual",
            "--format",
            "json",
        ])
        .json();
    let pid = perpetual["license_id"].as_str().unwrap().to_string();
    refused(
        &env,
        &[
            "renew",
            &pid,
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--for",
            "1y",
        ],
        2,
        "perpetual",
    );
    env.keypair("other");
    refused(
        &env,
        &[
            "reissue",
            &pid,
            "--secret-key",
            "keys/other.secret",
            "--catalog",
            CATALOG,
            "--add-module",
            "scheduled_audits",
        ],
        1,
        "does not verify",
    );
    let with_old_key = env.ok(&[
        "reissue",
        &pid,
        "--secret-key",
        "keys/other.secret",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        CATALOG,
        "--add-module",
        "scheduled_audits",
    ]);
    assert!(
        with_old_key.stderr.contains("+ module scheduled_audits"),
        "{}",
        with_old_key.stderr
    );
    // A renewal that could not be written leaves no link: the license can be renewed again.
    let fresh = env
        .ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "f",
            "--valid-for",
            "1y",
            "--format",
            "json",
        ])
        .json();
    let fid = fresh["license_id"].as_str().unwrap().to_string();
    let out = env.run(&[
        "renew",
        &fid,
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "1y",
        "--out",
        "no-such-dir/x.lic",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    env.ok(&[
        "renew",
        &fid,
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "1y",
        "--out",
        "f2.lic",
    ]);
    // A revoked license is not renewed.
    let gone = env
        .ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "g",
            "--valid-for",
            "1y",
            "--format",
            "json",
        ])
        .json();
    let gid = gone["license_id"].as_str().unwrap().to_string();
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &gid,
        "--out",
        "g.lrl",
    ]);
    refused(
        &env,
        &[
            "renew",
            &gid,
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--for",
            "1y",
        ],
        1,
        "is revoked",
    );
}

#[test]
fn doctor_reports_modes_unfinished_work_expiries_and_lists() {
    let env = Env::new();
    env.keypair("k");
    // An unencrypted key is a warning; the first run has no problem.
    env.ok(&[
        "issue",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "starter",
        "--customer",
        "soon",
        "--valid-for",
        "5d",
    ]);
    let report = env.ok(&["--json", "doctor"]).json();
    assert_eq!(report["status"], "warning", "{report}");
    let findings = report["findings"].as_array().unwrap();
    let has = |check: &str, level: &str, needle: &str| {
        findings.iter().any(|f| {
            f["check"] == check
                && f["level"] == level
                && f["message"].as_str().unwrap().contains(needle)
        })
    };
    assert!(has("key_encrypted", "warning", "not encrypted"), "{report}");
    assert!(
        has(
            "expiring",
            "warning",
            "1 license(s) expire within 7 days: soon"
        ),
        "{report}"
    );
    assert!(has("unfinished", "ok", "no unfinished"), "{report}");
    // A revocation recorded by --revoke-old but in no signed list yet.
    let id = env.ok(&["--json", "ledger", "list"]).json()[0]["license_id"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok(&[
        "renew",
        &id,
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "30d",
        "--revoke-old",
        "--out",
        "r.lic",
    ]);
    let report = env.ok(&["--json", "doctor", "--max-list-age", "1d"]).json();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "unpublished_revocations"),
        "{report}"
    );
    env.ok(&[
        "revoke",
        "--secret-key",
        "keys/k.secret",
        "--license-id",
        &id,
        "--out",
        "l.lrl",
    ]);
    let report = env.ok(&["--json", "doctor"]).json();
    let findings = report["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["check"] == "unpublished_revocations"),
        "{report}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "revocation_list" && f["level"] == "ok"),
        "{report}"
    );
    // The renewed (and revoked) license no longer counts as expiring.
    let report = env.ok(&["--json", "doctor"]).json();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "expiring"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("0 license(s) expire within 7 days")),
        "{report}"
    );
    // A ledger that cannot be read is a problem, reported beside the rest.
    fs::create_dir(env.path("not-a-ledger")).unwrap();
    let out = env.run(&["doctor", "--ledger", "not-a-ledger"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("PROBLEM") && out.stdout.contains("keys/k.secret"),
        "{}",
        out.stdout
    );
    // A secret key others can read is a problem: exit 1.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(env.path("keys/k.secret"), fs::Permissions::from_mode(0o644)).unwrap();
        let out = env.run(&["doctor"]);
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(
            out.stdout.contains("PROBLEM") && out.stdout.contains("chmod 600"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn help_shows_the_environment_variables_and_allowed_values() {
    let env = Env::new();
    for (command, variables) in [
        ("issue", &["LICMAN_LEDGER", "LICMAN_PASSPHRASE"][..]),
        ("keypair", &["LICMAN_LEDGER", "LICMAN_PASSPHRASE"][..]),
        ("revoke", &["LICMAN_LEDGER", "LICMAN_PASSPHRASE"][..]),
        ("renew", &["LICMAN_LEDGER", "LICMAN_PASSPHRASE"][..]),
        (
            "passphrase",
            &["LICMAN_PASSPHRASE", "LICMAN_NEW_PASSPHRASE"][..],
        ),
        ("doctor", &["LICMAN_LEDGER"][..]),
    ] {
        let help = env
            .ok(&[command, "--help"])
            .stdout
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for variable in variables {
            assert!(
                help.contains(&format!("[env: {variable}")),
                "{command} --help lacks {variable}"
            );
        }
    }
    let help = env.ok(&["issue", "--help"]).stdout;
    assert!(
        help.contains("Possible values:")
            && help.contains("- compact:")
            && help.contains("- armored:"),
        "{help}"
    );
    // --no-ledger wins over LICMAN_LEDGER (an --ledger from the environment is no conflict).
    env.keypair("k");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_licman-keygen"));
    let out = cmd
        .args([
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "c",
            "--perpetual",
            "--no-ledger",
        ])
        .current_dir(env.dir.path())
        .env("LICMAN_LEDGER", "from-env.db")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!env.path("from-env.db").exists());
}

/// A request as the product writes it (`request --json --out`): its text,
/// nonce and fingerprint.
fn write_request(env: &Env, file: &str, extra: &[&str]) -> (String, String, String) {
    let mut args = vec!["--json", "request", "--product", "netaudit", "--out", file];
    args.extend_from_slice(extra);
    let report = env.ok(&args).json();
    let text = fs::read_to_string(env.path(file)).unwrap();
    assert_eq!(text.trim(), report["request"].as_str().unwrap());
    (
        text.trim().to_string(),
        report["nonce"].as_str().unwrap().to_string(),
        report["fingerprint"].as_str().unwrap().to_string(),
    )
}

#[test]
fn activate_answers_a_request_once_with_a_license_bound_to_its_machine() {
    let env = Env::new();
    env.keypair("k");
    let template = env
        .ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            "acme",
            "--expires",
            "2030-01-01",
            "--meta",
            "region=eu",
            "--format",
            "json",
        ])
        .json();
    let template_id = template["license_id"].as_str().unwrap().to_string();
    let machine = "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b";
    let (text, nonce, fingerprint) = write_request(
        &env,
        "request.txt",
        &[
            "--customer",
            "acme",
            "--license-id",
            &template_id,
            "--machine-id",
            machine,
        ],
    );
    assert!(text.starts_with("lmreq1_"));
    // The fingerprint recipe, as the fixture has it for this machine id.
    assert_eq!(
        fingerprint,
        "3e7133aa12930b7c11aac7af66ce1ea197f0726c59bc34c5474d18694a8deacf"
    );

    // The license the request names, bound to its machine, naming it.
    let activate = [
        "activate",
        "request.txt",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
    ];
    let mut args = activate.to_vec();
    args.extend_from_slice(&["--format", "json", "--out", "bound.json"]);
    let report = env.ok(&args);
    assert!(
        report
            .stderr
            .contains(&format!("from license {template_id} (its activations: 1)")),
        "{}",
        report.stderr
    );
    let bound: Value =
        serde_json::from_str(&fs::read_to_string(env.path("bound.json")).unwrap()).unwrap();
    let claims = &bound["claims"];
    assert_eq!(claims["customer"]["id"], "acme");
    assert_eq!(claims["tier"], template["claims"]["tier"]);
    assert_eq!(claims["modules"], template["claims"]["modules"]);
    assert_eq!(claims["expires_at"], template["claims"]["expires_at"]);
    assert_eq!(claims["metadata"]["region"], "eu");
    assert_eq!(claims["metadata"]["licman.activation"], nonce.as_str());
    assert_eq!(
        claims["machine_binding"]["fingerprints"],
        serde_json::json!([fingerprint])
    );
    let key = bound["key"].as_str().unwrap().to_string();
    fs::write(env.path("bound.lic"), &key).unwrap();

    // The product verifies it with its fingerprint, and that it answers its request.
    let verify = [
        "verify",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        CATALOG,
        "bound.lic",
    ];
    let mut args = verify.to_vec();
    args.extend_from_slice(&["--fingerprint", &fingerprint, "--answers", "request.txt"]);
    env.ok(&args);
    let elsewhere = "ab".repeat(32);
    let mut args = verify.to_vec();
    args.extend_from_slice(&["--fingerprint", &elsewhere]);
    refused(&env, &args, 8, "machine_mismatch");
    let (_, _, _) = write_request(&env, "other.txt", &["--machine-id", machine]);
    let mut args = verify.to_vec();
    args.extend_from_slice(&["--fingerprint", &fingerprint, "--answers", "other.txt"]);
    refused(&env, &args, 8, "does not answer activation request");

    // The same request again: the same license, printed again; nothing new in the ledger.
    let audit_before = audit_entries(&env, env.ledger()).len();
    let again = env.run(&activate);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout.trim(), key);
    assert!(again.stderr.contains("printed again"), "{}", again.stderr);
    // And given as its text on the command line, or on standard input.
    let mut args = activate.to_vec();
    args[1] = &text;
    assert_eq!(env.ok(&args).stdout.trim(), key);
    let mut args = activate.to_vec();
    args[1] = "-";
    let piped = env.run_with(&args, Some(text.as_bytes()), None);
    assert_eq!(piped.stdout.trim(), key, "{}", piped.stderr);
    assert_eq!(audit_entries(&env, env.ledger()).len(), audit_before);

    // Refusals, each changing nothing.
    fs::write(
        env.path("netmonitor.txt"),
        env.ok(&[
            "request",
            "--product",
            "netmonitor",
            "--license-id",
            &template_id,
            "--machine-id",
            machine,
        ])
        .stdout,
    )
    .unwrap();
    let mut args = activate.to_vec();
    args[1] = "netmonitor.txt";
    refused(&env, &args, 8, "the request is for product 'netmonitor'");
    write_request(
        &env,
        "stranger.txt",
        &[
            "--customer",
            "stranger",
            "--license-id",
            &template_id,
            "--machine-id",
            machine,
        ],
    );
    let mut args = activate.to_vec();
    args[1] = "stranger.txt";
    refused(&env, &args, 1, "the request is from customer 'stranger'");
    let mut args = activate.to_vec();
    args[1] = "other.txt";
    refused(&env, &args, 2, "pass --license-id ID");
    let mut args = activate.to_vec();
    args.extend_from_slice(&["--license-id", "0f8fad5b-d9cb-469f-a165-70867728950e"]);
    refused(&env, &args, 1, "the request activates license");
    let mistyped = {
        let mut chars: Vec<char> = text.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let mut args = activate.to_vec();
    args[1] = &mistyped;
    refused(&env, &args, 3, "checksum does not match");
    fs::write(env.path("garbage.txt"), "lmreq1_!!!").unwrap();
    let mut args = activate.to_vec();
    args[1] = "garbage.txt";
    refused(&env, &args, 3, "invalid_encoding");
    let mut args = activate.to_vec();
    args.extend_from_slice(&[
        "--tier",
        "starter",
        "--customer",
        "acme",
        "--license-id",
        &template_id,
    ]);
    refused(&env, &args, 2, "cannot be used with");

    // From a tier: the customer from the request or --customer; a license
    // whose output fails is void, and the request can be activated again.
    write_request(&env, "anon.txt", &["--machine-id", machine]);
    let tier = [
        "activate",
        "anon.txt",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "professional",
        "--valid-for",
        "30d",
    ];
    refused(&env, &tier, 2, "the request names no customer");
    let mut args = tier.to_vec();
    args.extend_from_slice(&["--customer", "globex", "--out", "missing-dir/x.lic"]);
    let failed = env.run(&args);
    assert_ne!(failed.code, 0);
    let mut args = tier.to_vec();
    args.extend_from_slice(&["--customer", "globex", "--format", "json"]);
    let fresh = env.ok(&args).json();
    assert_eq!(fresh["claims"]["tier"], "professional");
    assert_eq!(fresh["claims"]["customer"]["id"], "globex");
    // The void license is not listed; the one delivered is.
    let listed = env
        .ok(&["--json", "ledger", "list", "--customer", "globex"])
        .json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["license_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [fresh["license_id"].as_str().unwrap()]);
}

#[test]
fn request_refuses_bad_fields_and_reads_this_machine() {
    let env = Env::new();
    refused(
        &env,
        &["request", "--product", "netaudit", "--machine-id", "short"],
        2,
        "8 to 128",
    );
    refused(
        &env,
        &["request", "--product", "netaudit", "--fingerprint", "abc"],
        2,
        "expected 64 characters",
    );
    refused(
        &env,
        &[
            "request",
            "--product",
            "netaudit",
            "--machine-id",
            "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b",
            "--license-id",
            "nope",
        ],
        2,
        "nope",
    );
    refused(
        &env,
        &[
            "request",
            "--product",
            "",
            "--fingerprint",
            &"ab".repeat(32),
        ],
        2,
        "product",
    );
    let out = env.run(&["request", "--product", "netaudit", "--armored"]);
    if out.code == 0 {
        assert!(
            out.stdout
                .starts_with("-----BEGIN LICMAN ACTIVATION REQUEST-----\n")
        );
    } else {
        // A container without /etc/machine-id.
        assert!(out.stderr.contains("no machine id"), "{}", out.stderr);
    }
}

/// `--out` naming a pipe or a device (`/dev/null`, `/dev/stdout`) with
/// `--force` writes into it: it is never replaced by a regular file.
#[test]
fn out_to_a_pipe_writes_into_it_and_leaves_it_a_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let env = Env::new();
    let fifo = env.path("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    env.ok(&[
        "request",
        "--product",
        "netaudit",
        "--fingerprint",
        &"ab".repeat(32),
        "--out",
        "pipe",
        "--force",
    ]);
    assert!(reader.join().unwrap().starts_with("lmreq1_"));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    fs::remove_file(&fifo).unwrap(); // (refused() reads every file it finds)
    fs::create_dir(env.path("dir")).unwrap();
    refused(
        &env,
        &[
            "request",
            "--product",
            "netaudit",
            "--fingerprint",
            &"ab".repeat(32),
            "--out",
            "dir",
            "--force",
        ],
        1,
        "is a directory",
    );
}

// ---------------------------------------------------------------------------
// The ledger on PostgreSQL, for a team of operators: what only a shared
// database has (several runs at once, other hosts' rows, the server's own
// rules). The rest of the suite runs there too with
// LICMAN_KEYGEN_TEST_LEDGER=postgres.

/// Starts the binary with `args` in the background, its output captured.
fn spawn(env: &Env, args: &[&str]) -> std::process::Child {
    env.command()
        .args(args)
        .env("LICMAN_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: std::process::Child) -> Out {
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn on_postgres_operators_revoking_at_once_get_consecutive_serials() {
    let Some(env) = Env::postgres() else { return };
    env.keypair("k");
    let ids: Vec<String> = (0..6)
        .map(|i| issue_id(&env, &format!("c{i}"), &[]))
        .collect();
    // Six operators revoke one license each, all at once.
    let runs: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            spawn(
                &env,
                &[
                    "revoke",
                    "--secret-key",
                    "keys/k.secret",
                    "--license-id",
                    id,
                    "--out",
                    &format!("list-{i}.lrl"),
                ],
            )
        })
        .collect();
    for run in runs {
        let out = finish(run);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    // Serials 1..=6, each used once, and list n holds the n revocations
    // made so far: each revocation saw every earlier one.
    let mut lists: Vec<(u64, usize)> = (0..6)
        .map(|i| {
            let text = fs::read_to_string(env.path(&format!("list-{i}.lrl"))).unwrap();
            let list = licman_core::UnverifiedRevocationList::parse(&text).unwrap();
            (list.serial(), list.untrusted_revoked().len())
        })
        .collect();
    lists.sort_unstable();
    assert_eq!(lists, (1..=6).map(|n| (n, n as usize)).collect::<Vec<_>>());
    assert_eq!(
        env.ledger_count("SELECT COUNT(DISTINCT serial) FROM revocation_lists"),
        6
    );
}

#[test]
fn on_postgres_batches_run_at_once_issue_each_row_once() {
    let Some(env) = Env::postgres() else { return };
    env.keypair("k");
    let write_rows = |name: &str, prefix: &str| {
        let mut csv = String::from("customer_id,tier\n");
        for i in 0..1200 {
            csv.push_str(&format!("{prefix}-{i},starter\n"));
        }
        fs::write(env.path(name), csv).unwrap();
    };
    write_rows("a.csv", "a");
    write_rows("b.csv", "b");
    let batch = |file: &str, out: &str| {
        spawn(
            &env,
            &[
                "issue",
                "--batch",
                file,
                "--secret-key",
                "keys/k.secret",
                "--catalog",
                CATALOG,
                "--perpetual",
                "--out",
                out,
            ],
        )
    };
    // Two operators, two files, at once: every row of both issued.
    let (a, b) = (batch("a.csv", "a-out.csv"), batch("b.csv", "b-out.csv"));
    for run in [a, b] {
        let out = finish(run);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    assert_eq!(
        env.ledger_count("SELECT COUNT(*) FROM licenses WHERE state = 'issued'"),
        2400
    );
    // Two operators, the same file, at once: each row gets one license,
    // whichever run issued it, and each license in the ledger is in the
    // output of the run that issued it.
    write_rows("same.csv", "s");
    let runs = [batch("same.csv", "s1.csv"), batch("same.csv", "s2.csv")];
    let outs: Vec<Out> = runs.into_iter().map(finish).collect();
    assert!(
        outs.iter().any(|o| o.code == 0),
        "{}\n{}",
        outs[0].stderr,
        outs[1].stderr
    );
    for o in &outs {
        assert!(
            o.code == 0
                || o.stderr.contains("already have a license")
                || o.stderr.contains("issued by another run")
                || o.stderr.contains("issued meanwhile by another run"),
            "{}",
            o.stderr
        );
    }
    let mut delivered: Vec<String> = ["s1.csv", "s2.csv"]
        .iter()
        .flat_map(|f| {
            fs::read_to_string(env.path(f))
                .unwrap_or_default()
                .lines()
                .skip(1)
                .filter(|l| l.contains(",issued,"))
                .map(|l| l.split(',').nth(1).unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    delivered.sort();
    let mut expected: Vec<String> = (0..1200).map(|i| format!("s-{i}")).collect();
    expected.sort();
    assert_eq!(delivered, expected, "each row delivered exactly once");
    assert_eq!(
        env.ledger_count(
            "SELECT COUNT(*) FROM licenses WHERE customer_id LIKE 's-%' AND state = 'issued'"
        ),
        1200
    );
    assert_eq!(
        env.ledger_count("SELECT COUNT(DISTINCT license_id) FROM licenses"),
        env.ledger_count("SELECT COUNT(*) FROM licenses")
    );
}

#[test]
fn on_postgres_recovery_leaves_other_hosts_rows_and_the_audit_table_refuses_edits() {
    let Some(env) = Env::postgres() else { return };
    env.keypair("k");
    issue_id(&env, "c0", &[]);
    // A row another machine recorded and has not resolved yet: its output
    // file is on that machine, so nobody here may decide it was lost.
    env.ledger_sql(
        "INSERT INTO licenses (license_id, customer_id, tier, product, key_id, issued_at, \
         starts_at, grace_seconds, metadata, key, state, output, pid, recorded_at, host) \
         SELECT '00000000-0000-4000-8000-000000000001', 'elsewhere', tier, product, key_id, \
         issued_at, starts_at, grace_seconds, metadata, 'lm1_x', 'pending', '/srv/out.csv', 1, \
         recorded_at, 'another-host' FROM licenses LIMIT 1",
    )
    .unwrap();
    env.ok(&["ledger", "list"]);
    assert_eq!(
        env.ledger_count("SELECT COUNT(*) FROM licenses WHERE state = 'pending'"),
        1,
        "another host's pending row was resolved here"
    );
    let doctor = env.run(&["doctor"]);
    assert!(doctor.stdout.contains("pending"), "{}", doctor.stdout);
    // Once it is this host's row, the next open resolves it (its output
    // file does not exist here: never delivered).
    env.ledger_sql(&format!(
        "UPDATE licenses SET host = '{}' WHERE state = 'pending'",
        fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap()
            .trim()
    ))
    .unwrap();
    env.ok(&["ledger", "list"]);
    assert_eq!(
        env.ledger_count("SELECT COUNT(*) FROM licenses WHERE state = 'void'"),
        1
    );
    // The audit table is append-only for anyone with access to the database.
    for edit in [
        "UPDATE audit SET os_user = 'nobody'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        let err = env.ledger_sql(edit).unwrap_err();
        assert!(err.contains("append-only"), "{edit}: {err}");
    }
    assert!(env.ledger_count("SELECT COUNT(*) FROM audit") >= 3);
}

#[test]
fn a_postgres_url_password_is_never_printed() {
    let env = Env::new();
    // Nothing listens on port 1: the connection fails, and the message
    // names the ledger without its password.
    let out = env.run(&[
        "ledger",
        "list",
        "--ledger",
        "postgres://operator:hunter2@127.0.0.1:1/licman",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("127.0.0.1:1"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    let help = env
        .command()
        .args(["ledger", "list", "--help"])
        .env(
            "LICMAN_LEDGER",
            "postgres://operator:hunter2@db.example/licman",
        )
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains("hunter2"));
    // TLS is asked for but not available: refused, not silently plain.
    let out = env.run(&[
        "ledger",
        "list",
        "--ledger",
        "postgres://operator:hunter2@127.0.0.1:1/licman?sslmode=require",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("without TLS"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

/// What a second reading found an operator (or someone with the ledger)
/// could do: each is refused now, and nothing is written.
#[test]
fn hostile_files_and_operator_slips_are_refused() {
    let env = Env::new();
    env.keypair("k");
    let json_catalog = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/catalogs/netaudit.json"
    );

    // `--force` replaces an old license, never a key.
    let secret_before = fs::read(env.path("keys/k.secret")).unwrap();
    let args = [
        "issue",
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--tier",
        "starter",
        "--customer",
        "acme",
        "--valid-for",
        "30d",
        "--out",
        "keys/k.secret",
        "--force",
    ];
    refused(&env, &args, 1, "--force does not replace keys");
    refused(
        &env,
        &[
            "pubkey",
            "keys/k.secret",
            "--out",
            "keys/k.secret",
            "--force",
        ],
        1,
        "--force does not replace keys",
    );
    // pubkey may write its public key again.
    env.ok(&["pubkey", "keys/k.secret", "--out", "keys/k.pub", "--force"]);
    assert_eq!(fs::read(env.path("keys/k.secret")).unwrap(), secret_before);

    // A JSON catalog (what `catalog export` writes) serves issue and verify.
    let key = env
        .ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            json_catalog,
            "--tier",
            "starter",
            "--customer",
            "acme",
            "--valid-for",
            "30d",
        ])
        .stdout;
    fs::write(env.path("acme.lic"), key.trim()).unwrap();
    // With a ledger now: an export never replaces a key either.
    refused(
        &env,
        &[
            "ledger",
            "export",
            "--format",
            "json",
            "--out",
            "keys/k.secret",
            "--force",
        ],
        1,
        "--force does not replace keys",
    );
    env.ok(&[
        "verify",
        "--public-key",
        "keys/k.pub",
        "--catalog",
        json_catalog,
        "acme.lic",
    ]);
    // --product and --catalog must agree.
    refused(
        &env,
        &[
            "verify",
            "--public-key",
            "keys/k.pub",
            "--product",
            "cadstudio",
            "--catalog",
            CATALOG,
            "acme.lic",
        ],
        2,
        "is not the catalog's product",
    );

    // A file that never ends is refused after its limit, not read whole.
    for args in [
        vec![
            "verify",
            "--public-key",
            "/dev/zero",
            "--product",
            "netaudit",
            "acme.lic",
        ],
        vec!["catalog", "check", "/dev/zero"],
        vec![
            "verify",
            "--public-key",
            "keys/k.pub",
            "--product",
            "netaudit",
            "--revocations",
            "/dev/zero",
            "acme.lic",
        ],
    ] {
        refused(&env, &args, 1, "larger than");
    }

    // A batch file with a column twice.
    fs::write(
        env.path("twice.csv"),
        "customer_id,tier,tier\nc1,starter,enterprise\n",
    )
    .unwrap();
    refused(
        &env,
        &[
            "issue",
            "--batch",
            "twice.csv",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--valid-for",
            "1y",
        ],
        2,
        "in the header twice",
    );

    // A usage error answers --json with a JSON object.
    let out = env.run(&["--json", "verify", "--product", "netaudit", "acme.lic"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], "usage");
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--public-key")
    );

    // A password given as a URL parameter is not printed.
    let out = env.run(&[
        "--json",
        "ledger",
        "list",
        "--ledger",
        "postgres://postgres@127.0.0.1:1/x?sslmode=disable&password=SECRETQ",
    ]);
    assert_ne!(out.code, 0);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !text.contains("SECRETQ") && text.contains("password=***"),
        "{text}"
    );
}

/// A ledger row whose key was swapped for another license's is not
/// re-signed (renew and reissue read the old license from the ledger).
#[test]
fn renew_refuses_a_row_whose_key_is_another_license_s() {
    let env = Env::new();
    env.keypair("k");
    let issue = |customer: &str| {
        let out = env.ok(&[
            "issue",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--tier",
            "starter",
            "--customer",
            customer,
            "--valid-for",
            "30d",
            "--format",
            "json",
        ]);
        let json = out.json();
        (
            json["license_id"].as_str().unwrap().to_string(),
            json["key"].as_str().unwrap().to_string(),
        )
    };
    let (a, _) = issue("alpha");
    let (_, b_key) = issue("beta");
    env.ledger_sql(&format!(
        "UPDATE licenses SET key = '{b_key}' WHERE license_id = '{a}'"
    ))
    .unwrap();
    let renew = [
        "renew",
        a.as_str(),
        "--secret-key",
        "keys/k.secret",
        "--catalog",
        CATALOG,
        "--for",
        "1y",
    ];
    refused(&env, &renew, 1, "the row was changed");
    // A malformed id is said to be one; an upper-case one is the same id.
    refused(
        &env,
        &[
            "renew",
            "not-an-id",
            "--secret-key",
            "keys/k.secret",
            "--catalog",
            CATALOG,
            "--for",
            "1y",
        ],
        2,
        "malformed license id",
    );
    let upper = a.to_uppercase();
    let mut upper_renew = renew;
    upper_renew[1] = &upper;
    refused(&env, &upper_renew, 1, "the row was changed");
}

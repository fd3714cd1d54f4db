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

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run_with(&self, args: &[&str], stdin: Option<&[u8]>, passphrase: Option<&str>) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_licman-keygen"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("LICMAN_LEDGER")
            .env("USER", "operator");
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
        let out = child.wait_with_output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
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
    /// -wal/-shm files excluded).
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
        let mut out = BTreeMap::new();
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
    assert_eq!(verify(&["--product", "netmonitor", "good.lic"]).code, 8);
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
            "--revocations",
            "r2.lrl",
            "x.lic",
        ]);
        assert_eq!(out.code, expected, "license {i}: {}", out.stderr);
    }
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
    let db = rusqlite::Connection::open(env.path("licman-ledger.db")).unwrap();
    for edit in [
        "UPDATE audit SET action = 'nothing happened'",
        "DELETE FROM audit",
    ] {
        let err = db.execute(edit, []).unwrap_err().to_string();
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
    for kill_after in [1, 7, 40] {
        let env = Env::new();
        env.keypair("k");
        let mut csv = String::from("customer_id,tier\n");
        for i in 0..3000 {
            csv.push_str(&format!("cust-{i},starter\n"));
        }
        fs::write(env.path("many.csv"), csv).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_licman-keygen"))
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
            .current_dir(env.dir.path())
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
        let mut written: Vec<String> = fs::read_to_string(&results)
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(3).map(String::from))
            .filter(|id| id.len() == 36)
            .collect();
        assert!(written.len() < 3000, "the batch finished before the kill");
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
        &["verify", "--public-key", "keys/k.pub", "-"],
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

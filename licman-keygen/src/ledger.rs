//! The ledger: an SQLite database of every license issued and revoked, with
//! an append-only audit log.
//!
//! A license is recorded as `pending` before it is output and marked
//! `issued` once it has been written out; an interrupted run leaves
//! `pending` rows that [`Ledger::recover`] resolves on the next open: rows
//! whose key is in their output file become `issued`, rows written to a file
//! that does not hold them become `void` (never delivered), and rows printed
//! to standard output, whose delivery cannot be checked, become
//! `unconfirmed` (listed, and flagged by `ledger audit`).
//!
//! Which runs are still going is told by a lock file beside the ledger
//! (`LEDGER.lock`, see [`lock_path`]), not by process ids (which are reused,
//! and which not every system can look up): every run that records pending
//! licenses holds a shared lock on it until it exits, and recovery resolves
//! pending rows only while it holds the exclusive lock, that is while no
//! such run is alive. The operating system releases the lock of a process
//! that dies, however it dies.
//!
//! The ledger and its files (`-wal`, `-shm`, the lock file) hold customers'
//! names, emails and keys: on unix a new ledger is created with mode 0600
//! (SQLite gives its `-wal` and `-shm` files the database's mode).
//!
//! **On PostgreSQL** (`--ledger postgres://…` or `LICMAN_LEDGER`), for a
//! team of operators: the same tables and schema versions, in the schema
//! `licman_ledger` (see [`db`]). The run lock is a session-level advisory
//! lock (held shared by every recording run, taken exclusively by
//! recovery; the server releases it when a run's connection ends, however
//! the run ends). Recovery there resolves only the pending rows recorded
//! on its own host (it cannot read another machine's output files); the
//! others wait for their host's next run. A revocation list's serial is
//! computed under a transaction-scoped advisory lock per product, so two
//! operators revoking at once get consecutive serials; the audit table is
//! append-only by trigger (`UPDATE`, `DELETE` and `TRUNCATE` refused).

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use licman_core::{LicenseId, Timestamp, VerifiedLicense};

use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile;

pub(crate) mod db;
mod records;
mod status;

use db::{Conn, Dialect, IntoValue, Value, args, row};
pub use db::{Query, Tx};

pub use records::{CSV_COLUMNS, Filter, Record};
pub use status::{LicenseStatus, State};

const SCHEMA_VERSION: i64 = 5;

const MIGRATIONS: &[&str] = &[
    // Version 1.
    r"
    CREATE TABLE licenses (
        license_id    TEXT PRIMARY KEY,
        customer_id   TEXT NOT NULL,
        customer_name TEXT,
        email         TEXT,
        tier          TEXT NOT NULL,
        product       TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        issued_at     INTEGER NOT NULL,
        starts_at     INTEGER NOT NULL,
        expires_at    INTEGER,
        grace_seconds INTEGER NOT NULL,
        metadata      TEXT NOT NULL,
        key           TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('pending', 'issued', 'void', 'unconfirmed')),
        output        TEXT,
        pid           INTEGER,
        batch_id      TEXT,
        batch_row     INTEGER,
        recorded_at   INTEGER NOT NULL
    );
    CREATE INDEX licenses_customer ON licenses (customer_id);
    CREATE INDEX licenses_expires ON licenses (expires_at);
    CREATE TABLE revocations (
        license_id  TEXT PRIMARY KEY,
        product     TEXT NOT NULL,
        revoked_at  INTEGER NOT NULL,
        reason      TEXT,
        list_serial INTEGER NOT NULL
    );
    CREATE TABLE revocation_lists (
        product   TEXT NOT NULL,
        serial    INTEGER NOT NULL,
        issued_at INTEGER NOT NULL,
        key_id    TEXT NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (product, serial)
    );
    CREATE TABLE batches (
        batch_id    TEXT PRIMARY KEY,
        source      TEXT NOT NULL,
        output      TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted'))
    );
    CREATE TABLE audit (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at        INTEGER NOT NULL,
        os_user   TEXT NOT NULL,
        command   TEXT NOT NULL,
        action    TEXT NOT NULL,
        ids       TEXT NOT NULL,
        details   TEXT NOT NULL
    );
    ",
    // Version 2: where a batch row came from (so a re-run does not issue it
    // twice), and the signed text of each revocation list (so the latest
    // can be written again).
    r"
    ALTER TABLE licenses ADD COLUMN source_path TEXT;
    ALTER TABLE licenses ADD COLUMN source_row TEXT;
    CREATE UNIQUE INDEX licenses_source ON licenses (source_path, source_row)
        WHERE source_row IS NOT NULL AND state <> 'void';
    ALTER TABLE revocation_lists ADD COLUMN armored TEXT;
    ",
    // Version 3: which license renewed or reissued which (`renew`,
    // `reissue`): a license is replaced at most once. The link is written
    // with the new license's pending row; `revoke_old` is carried out when
    // the new license is marked issued (or by recovery), undone with it
    // when it is void.
    r"
    CREATE TABLE license_links (
        old_id     TEXT NOT NULL UNIQUE REFERENCES licenses (license_id),
        new_id     TEXT NOT NULL UNIQUE REFERENCES licenses (license_id),
        kind       TEXT NOT NULL CHECK (kind IN ('renewal', 'reissue')),
        revoke_old INTEGER NOT NULL CHECK (revoke_old IN (0, 1)),
        at         INTEGER NOT NULL
    );
    ",
    // Version 4: the activation requests answered (`activate`): each
    // request (by its nonce) once. The row is written with its license's
    // pending row and deleted with it if that license is void, so a request
    // whose license was never delivered can be activated again.
    r"
    CREATE TABLE activations (
        nonce                TEXT PRIMARY KEY,
        license_id           TEXT NOT NULL UNIQUE REFERENCES licenses (license_id),
        product              TEXT NOT NULL,
        fingerprint          TEXT NOT NULL,
        customer_id          TEXT,
        requested_license_id TEXT,
        template_id          TEXT REFERENCES licenses (license_id),
        request              TEXT NOT NULL,
        requested_at         INTEGER NOT NULL,
        at                   INTEGER NOT NULL
    );
    CREATE INDEX activations_template ON activations (template_id);
    ",
    // Version 5: the host that recorded a license (on PostgreSQL, recovery
    // resolves only its own host's pending rows).
    r"
    ALTER TABLE licenses ADD COLUMN host TEXT;
    ",
];

/// The audit table's append-only rule, part of version 1, in each
/// database's own syntax.
const APPEND_ONLY_SQLITE: &str = r"
    CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";
const APPEND_ONLY_POSTGRES: &str = r"
    CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
    CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
    CREATE TRIGGER audit_is_append_only_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
";

/// An activation request as the ledger records it (`activate`).
#[derive(Debug)]
pub struct ActivationRecord<'a> {
    pub request: &'a licman_core::ActivationRequest,
    /// The request's compact text.
    pub text: &'a str,
    /// The license the new one was made from (`--license-id`).
    pub template_id: Option<&'a str>,
}

/// What the ledger knows of an activation request already answered.
#[derive(Debug)]
pub struct Activated {
    pub license_id: String,
    pub state: String,
    pub key: String,
    pub at: Timestamp,
}

/// The lock file of a ledger: `LEDGER.lock` (see the module docs).
pub fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The mode of the ledger and its files on unix.
const PRIVATE: u32 = 0o600;

/// Where the ledger is: `--ledger`, else `LICMAN_LEDGER`, else
/// `./licman-ledger.db`.
pub fn default_path(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("LICMAN_LEDGER").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("licman-ledger.db"))
}

/// The operating-system user, for the audit log: `USER`/`LOGNAME`, else the
/// process's uid looked up in `/etc/passwd`, else `uid:N`. Looked up once
/// per process (a batch audits every license).
pub fn os_user() -> String {
    static USER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    USER.get_or_init(look_up_os_user).clone()
}

fn look_up_os_user() -> String {
    if let Some(name) = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
    {
        return name;
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(str::to_string))
        });
    let Some(uid) = uid else {
        return "unknown".into();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.get(2) == Some(&uid.as_str()))
                    .then(|| fields.first().map(|n| (*n).to_string()))
                    .flatten()
            })
        })
        .unwrap_or_else(|| format!("uid:{uid}"))
}

pub struct Ledger {
    conn: RefCell<Conn>,
    /// The file, or the PostgreSQL URL.
    pub path: PathBuf,
    /// The shared run lock this process holds while it records licenses
    /// (see the module docs); released when the ledger is dropped.
    run_lock: Option<RunLock>,
}

/// How a run holds the run lock: the lock file beside an SQLite ledger, or
/// a session advisory lock on PostgreSQL (released with the connection).
enum RunLock {
    File(#[allow(dead_code)] File),
    Session,
}

/// The advisory lock key of the run lock on PostgreSQL.
const RUN_LOCK_KEY: &str = "licman-ledger/run";

/// Where a batch row came from: the CSV file and the row's identity in it.
#[derive(Clone, Copy, Debug)]
pub struct BatchRow<'a> {
    pub batch_id: &'a str,
    /// The row number (1 = the first row after the header).
    pub row: u64,
    /// The CSV file, canonical absolute path.
    pub source_path: &'a str,
    /// The row's content hash and occurrence (see `issue::row_identities`).
    pub source_row: &'a str,
}

/// A license already issued from a batch row.
#[derive(Clone, Debug)]
pub struct IssuedRow {
    pub license_id: String,
    pub key: String,
    pub state: State,
    pub batch_id: Option<String>,
    pub batch_row: Option<i64>,
}

/// The latest revocation list of a product, as the ledger holds it.
#[derive(Clone, Debug)]
/// See [`Ledger::health`].
pub struct Health {
    pub pending: u64,
    pub unconfirmed: u64,
    pub running_batches: u64,
    pub interrupted_batches: u64,
    /// Each product's newest list: its serial and issue time.
    pub lists: Vec<(String, u64, Timestamp)>,
    /// Revocations by product that no signed list carries yet.
    pub unpublished: Vec<(String, u64)>,
}

pub struct StoredList {
    pub product: String,
    pub serial: u64,
    /// The signed list; `None` for lists recorded before schema version 2.
    pub armored: Option<String>,
}

fn ts(t: i64) -> Timestamp {
    Timestamp::from_unix_seconds(u64::try_from(t).unwrap_or(0))
}

fn secs(t: Timestamp) -> i64 {
    i64::try_from(t.unix_seconds()).unwrap_or(i64::MAX)
}

/// Opens (creating it if needed, mode 0600 on unix) the lock file.
fn open_lock_file(ledger: &Path) -> std::io::Result<File> {
    keyfile::create_options(PRIVATE)
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(ledger))
}

/// Gives SQLite's `-wal` and `-shm` files no more permissions than the
/// database itself when the database is private. SQLite already creates
/// them with the database's mode; this covers files left by other tools.
fn secure_sidecars(path: &Path) {
    let Some(mode) = keyfile::mode_of(path) else {
        return;
    };
    if mode & 0o077 != 0 {
        return; // the operator shares this ledger on purpose
    }
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let sidecar = PathBuf::from(name);
        if keyfile::mode_of(&sidecar).is_some_and(|m| m & 0o077 != 0) {
            let _ = keyfile::set_mode(&sidecar, PRIVATE);
        }
    }
}

impl Ledger {
    /// Opens (creating if needed) and migrates the ledger, then recovers
    /// interrupted runs. `path` is a file, or a `postgres://` URL.
    pub fn open(path: &Path) -> Result<Ledger> {
        let mut ledger = match postgres_url(path) {
            Some(url) => Ledger::connect_postgres(path, url, false)?,
            None => Ledger::open_sqlite(path)?,
        };
        ledger.migrate()?;
        ledger.recover()?;
        Ok(ledger)
    }

    fn open_sqlite(path: &Path) -> Result<Ledger> {
        let cannot_open = |e: &dyn std::fmt::Display| {
            CliError::failure(
                "ledger",
                format!("cannot open ledger {}: {e}", path.display()),
            )
        };
        // A new ledger is created here, private, before SQLite opens it
        // (SQLite would create it under the umask, typically 0644).
        if std::fs::symlink_metadata(path).is_err() {
            keyfile::create_options(PRIVATE)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| cannot_open(&e))?;
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| cannot_open(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed transaction (an issued license, a revocation
        // list's serial) survives a power loss, not only a crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Reading makes SQLite create the -wal and -shm files now.
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        secure_sidecars(path);
        Ok(Ledger {
            conn: RefCell::new(Conn::Sqlite(conn)),
            path: path.to_path_buf(),
            run_lock: None,
        })
    }

    /// Connects to a PostgreSQL ledger, its tables in the schema
    /// `licman_ledger` (created unless `read_only`).
    fn connect_postgres(path: &Path, url: &str, read_only: bool) -> Result<Ledger> {
        let shown = db::shown_url(url);
        let cannot = |e: &dyn std::fmt::Display| {
            CliError::failure("ledger", format!("cannot open ledger {shown}: {e}"))
        };
        let mut config: postgres::Config = url.parse().map_err(|e| cannot(&e))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name("licman-keygen");
        if config.get_ssl_mode() == postgres::config::SslMode::Require {
            return Err(cannot(
                &"sslmode=require: this licman-keygen connects without TLS (use a local \
                  socket, an SSH tunnel or a private network, and sslmode=disable or prefer)",
            ));
        }
        let mut client = config.connect(postgres::NoTls).map_err(|e| cannot(&e))?;
        let schema = db::PG_SCHEMA;
        if read_only {
            client
                .batch_execute(&format!(
                    "SET default_transaction_read_only = on; SET search_path TO {schema}"
                ))
                .map_err(|e| cannot(&e))?;
        } else {
            // Two operators' first runs at once: one creates the schema.
            let mut tx = client.transaction().map_err(|e| cannot(&e))?;
            tx.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock(hashtext('licman-ledger/migrate'));
                 CREATE SCHEMA IF NOT EXISTS {schema}"
            ))
            .map_err(|e| cannot(&e))?;
            tx.commit().map_err(|e| cannot(&e))?;
            client
                .batch_execute(&format!("SET search_path TO {schema}"))
                .map_err(|e| cannot(&e))?;
        }
        Ok(Ledger {
            conn: RefCell::new(Conn::Postgres(Box::new(client))),
            path: path.to_path_buf(),
            run_lock: None,
        })
    }

    /// The ledger as messages show it: the file, or the URL without its
    /// password.
    pub fn shown(&self) -> String {
        shown(&self.path)
    }

    /// Whether the ledger is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        postgres_url(&self.path).is_some()
    }

    fn db(&self) -> RefMut<'_, Conn> {
        self.conn.borrow_mut()
    }

    /// Opens an existing ledger to read only: no migration, no recovery,
    /// nothing written (`doctor`). `None` if there is no ledger there.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        let ledger = match postgres_url(path) {
            Some(url) => {
                let ledger = Ledger::connect_postgres(path, url, true)?;
                if !ledger.db().has_table("schema_version") {
                    return Ok(None);
                }
                ledger
            }
            None => {
                if !path.exists() {
                    return Ok(None);
                }
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .map_err(|e| {
                    CliError::failure(
                        "ledger",
                        format!("cannot open ledger {}: {e}", path.display()),
                    )
                })?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                Ledger {
                    conn: RefCell::new(Conn::Sqlite(conn)),
                    path: path.to_path_buf(),
                    run_lock: None,
                }
            }
        };
        let version: i64 = ledger
            .db()
            .value("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(CliError::failure(
                "ledger",
                format!(
                    "ledger {} has schema version {version}; this licman-keygen knows {SCHEMA_VERSION}: upgrade licman-keygen",
                    ledger.shown()
                ),
            ));
        }
        Ok(Some(ledger))
    }

    /// Whether the ledger has the table of renewals and reissues (schema 3).
    pub fn has_links(&self) -> bool {
        self.db().has_table("license_links")
    }

    /// Takes the shared run lock (once per ledger): from now until this
    /// ledger is dropped, no other process resolves this run's pending
    /// licenses.
    fn hold_run_lock(&mut self) -> Result<()> {
        if self.run_lock.is_some() {
            return Ok(());
        }
        if self.is_postgres() {
            self.db().query(
                "SELECT pg_advisory_lock_shared(hashtext(?1))",
                args![RUN_LOCK_KEY],
            )?;
            self.run_lock = Some(RunLock::Session);
            return Ok(());
        }
        let lock = lock_path(&self.path);
        let file =
            open_lock_file(&self.path).map_err(|e| CliError::io("cannot open", &lock, &e))?;
        match file.lock_shared() {
            Ok(()) => {}
            // No file locks here: recovery cannot take the exclusive lock
            // either, so it leaves pending rows alone (see `recover`).
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                eprintln!(
                    "warning: {} cannot be locked on this system ({e}): licenses left pending by interrupted runs will not be resolved",
                    lock.display()
                );
            }
            Err(e) => return Err(CliError::io("cannot lock", &lock, &e)),
        }
        self.run_lock = Some(RunLock::File(file));
        Ok(())
    }

    /// Opens an existing ledger; `None` if there is none there (no file, or
    /// a PostgreSQL database without the ledger's schema).
    pub fn open_existing(path: &Path) -> Result<Option<Ledger>> {
        match postgres_url(path) {
            Some(url) => {
                let ledger = Ledger::connect_postgres(path, url, false)?;
                if !ledger.db().has_table("schema_version") {
                    return Ok(None);
                }
                drop(ledger);
                Ledger::open(path).map(Some)
            }
            None if path.exists() => Ledger::open(path).map(Some),
            None => Ok(None),
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let shown = self.shown();
        let conn = self.conn.get_mut();
        let dialect = conn.dialect();
        let mut tx = conn.transaction()?;
        tx.lock("migrate")?;
        tx.batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let version: i64 = tx.value("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?;
        if version > SCHEMA_VERSION {
            return Err(CliError::failure(
                "ledger",
                format!(
                    "ledger {shown} has schema version {version}; this licman-keygen knows {SCHEMA_VERSION}: upgrade licman-keygen"
                ),
            ));
        }
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.batch(migration)?;
            if i == 0 {
                tx.batch(match dialect {
                    Dialect::Sqlite => APPEND_ONLY_SQLITE,
                    Dialect::Postgres => APPEND_ONLY_POSTGRES,
                })?;
            }
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                args![i64::try_from(i + 1).unwrap_or(i64::MAX)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Resolves `pending` rows left by interrupted runs (see the module
    /// docs). Does nothing while another run holds the run lock: its rows
    /// wait for the next open.
    pub fn recover(&mut self) -> Result<usize> {
        if self.is_postgres() {
            let took: i64 = self.db().value(
                "SELECT CASE WHEN pg_try_advisory_lock(hashtext(?1)) THEN 1 ELSE 0 END",
                args![RUN_LOCK_KEY],
            )?;
            if took == 0 {
                return Ok(0);
            }
            let resolved = self.resolve_pending();
            self.db().query(
                "SELECT pg_advisory_unlock(hashtext(?1))",
                args![RUN_LOCK_KEY],
            )?;
            return resolved;
        }
        // No lock file (a read-only directory), or a platform without file
        // locks: nothing can be told about other runs, so nothing is
        // resolved.
        let Ok(lock) = open_lock_file(&self.path) else {
            return Ok(0);
        };
        // WouldBlock: a run is alive. An error: no locks on this system.
        if lock.try_lock().is_err() {
            return Ok(0);
        }
        let resolved = self.resolve_pending();
        drop(lock);
        resolved
    }

    /// Resolves every pending row (of this host, on PostgreSQL): called
    /// with the exclusive run lock, so the runs that recorded them are gone.
    fn resolve_pending(&mut self) -> Result<usize> {
        let postgres = self.is_postgres();
        let mut tx = self.conn.get_mut().transaction()?;
        struct Pending {
            id: String,
            key: String,
            output: Option<String>,
        }
        let this_host = host_name();
        let pending: Vec<Pending> = tx
            .query(
                "SELECT license_id, key, output, host FROM licenses WHERE state = ?1",
                args![State::Pending],
            )?
            .into_iter()
            .filter(|r| {
                // Another machine's row, on a shared database: its output
                // file is not here to read.
                !postgres
                    || r.get::<Option<String>>(3)
                        .ok()
                        .flatten()
                        .is_none_or(|h| h == this_host)
            })
            .map(|r| {
                Ok(Pending {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    output: r.get(2)?,
                })
            })
            .collect::<Result<_>>()?;
        let mut resolved = 0;
        // Each output file is read once (a killed batch leaves a chunk of rows pending).
        let mut outputs: HashMap<String, Option<String>> = HashMap::new();
        let now = dates::now()?;
        for Pending { id, key, output } in pending {
            let state = match output.as_deref() {
                None | Some("-") => State::Unconfirmed,
                Some(file) => {
                    let text = outputs
                        .entry(file.to_string())
                        .or_insert_with(|| std::fs::read_to_string(file).ok());
                    match text {
                        Some(text) if text.contains(&key) => State::Issued,
                        _ => State::Void,
                    }
                }
            };
            tx.execute(
                "UPDATE licenses SET state = ?1 WHERE license_id = ?2",
                args![state, &id],
            )?;
            // A renewal or reissue: carried out if its license was output, else undone.
            if tx.has_table("license_links") {
                if state == State::Void {
                    drop_link(&mut tx, &id)?;
                    drop_activation(&mut tx, &id)?;
                } else {
                    carry_out_link(&mut tx, &id, now)
                        .map(|_| ())
                        .or_else(|e| if e.code == "no_link" { Ok(()) } else { Err(e) })?;
                }
            }
            append_audit(
                &mut tx,
                "recover",
                &format!("pending license marked {state} after an interrupted run"),
                &[id],
                &serde_json::json!({}),
            )?;
            resolved += 1;
        }
        tx.execute(
            "UPDATE batches SET state = 'interrupted' WHERE state = 'running'",
            &[],
        )?;
        tx.commit()?;
        Ok(resolved)
    }

    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        self.conn.get_mut().transaction()
    }

    /// Appends to the audit log in its own transaction.
    pub fn audit(
        &mut self,
        command: &str,
        action: &str,
        ids: &[String],
        details: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.transaction()?;
        append_audit(&mut tx, command, action, ids, details)?;
        tx.commit()
    }

    pub fn start_batch(
        &mut self,
        batch_id: &str,
        source: &str,
        output: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.hold_run_lock()?;
        self.db().execute(
            "INSERT INTO batches (batch_id, source, output, pid, started_at, state) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            args![batch_id, source, output, i64::from(std::process::id()), secs(now)],
        )?;
        Ok(())
    }

    pub fn finish_batch(&mut self, batch_id: &str, now: Timestamp) -> Result<()> {
        self.db().execute(
            "UPDATE batches SET state = 'done', finished_at = ?2 WHERE batch_id = ?1",
            args![batch_id, secs(now)],
        )?;
        Ok(())
    }

    /// Records a license as `pending` (committed), before it is output.
    pub fn record_pending(
        &mut self,
        license: &VerifiedLicense,
        output: &str,
        batch: Option<&BatchRow<'_>>,
        now: Timestamp,
    ) -> Result<()> {
        self.hold_run_lock()?;
        let mut tx = self.transaction()?;
        insert_pending(&mut tx, license, batch, output, now)?;
        tx.commit()
    }

    /// [`record_pending`](Self::record_pending) for many licenses in one
    /// transaction (a batch's chunk): all recorded, or none.
    pub fn record_pending_many(
        &mut self,
        licenses: &[(&VerifiedLicense, Option<BatchRow<'_>>)],
        output: &str,
        now: Timestamp,
    ) -> Result<()> {
        if licenses.is_empty() {
            return Ok(());
        }
        self.hold_run_lock()?;
        let mut tx = self.transaction()?;
        // Rows issued meanwhile by another run (the whole file was checked
        // before the run started): one query a chunk.
        let mut by_file: HashMap<&str, Vec<&BatchRow<'_>>> = HashMap::new();
        for row in licenses.iter().filter_map(|(_, b)| b.as_ref()) {
            by_file.entry(row.source_path).or_default().push(row);
        }
        for (path, rows) in by_file {
            for part in rows.chunks(ROWS_A_STATEMENT) {
                let mut params = vec![path.into_value(), State::Void.into_value()];
                params.extend(part.iter().map(|r| r.source_row.into_value()));
                let taken = tx.query_opt(
                    &format!(
                        "SELECT license_id, source_row FROM licenses
                         WHERE source_path = ?1 AND state <> ?2 AND source_row IN ({})",
                        placeholders(3, part.len())
                    ),
                    &params,
                )?;
                if let Some(taken) = taken {
                    let (id, source_row): (String, String) = (taken.get(0)?, taken.get(1)?);
                    let row = part
                        .iter()
                        .find(|r| r.source_row == source_row)
                        .map_or(0, |r| r.row);
                    return Err(taken_by_another_run(path, row, &id));
                }
            }
        }
        for part in licenses.chunks(ROWS_A_STATEMENT) {
            let rows: Vec<Vec<Value>> = part
                .iter()
                .map(|(license, batch)| {
                    license_row(license, State::Pending, Some(output), batch.as_ref(), now)
                })
                .collect();
            insert_license_rows(&mut tx, rows).map_err(|e| {
                if e.code == crate::error::LEDGER_CONFLICT
                    && let Some((_, Some(row))) = part.first()
                {
                    // Recorded by another run between the check and now.
                    CliError::failure(
                        crate::error::LEDGER_CONFLICT,
                        format!(
                            "{}: rows of this file were issued by another run while this one \
                             ran; this run stopped (what it issued before is in the ledger \
                             and its output). Run it again with --resume to issue the rest",
                            row.source_path
                        ),
                    )
                } else {
                    e
                }
            })?;
        }
        tx.commit()
    }

    /// [`mark_issued`](Self::mark_issued) for many licenses in one transaction.
    pub fn mark_issued_many(
        &mut self,
        licenses: &[(LicenseId, serde_json::Value)],
        command: &str,
    ) -> Result<()> {
        if licenses.is_empty() {
            return Ok(());
        }
        let mut tx = self.transaction()?;
        let now = secs(dates::now()?);
        let user = os_user();
        for part in licenses.chunks(ROWS_A_STATEMENT) {
            let ids: Vec<String> = part.iter().map(|(id, _)| id.to_string()).collect();
            let mut params = vec![State::Issued.into_value(), State::Pending.into_value()];
            params.extend(ids.iter().map(IntoValue::into_value));
            tx.execute(
                &format!(
                    "UPDATE licenses SET state = ?1 WHERE state = ?2 AND license_id IN ({})",
                    placeholders(3, ids.len())
                ),
                &params,
            )?;
            let rows: Vec<Vec<Value>> = ids
                .iter()
                .zip(part)
                .map(|(id, (_, details))| {
                    row![
                        now,
                        user.as_str(),
                        command,
                        "issued license",
                        serde_json::to_string(&[id]).unwrap_or_default(),
                        details.to_string(),
                    ]
                })
                .collect();
            insert_rows(
                &mut tx,
                "INSERT INTO audit (at, os_user, command, action, ids, details) VALUES",
                rows,
            )?;
        }
        tx.commit()
    }

    /// Marks a pending license `issued` (after it was output) and audits it.
    pub fn mark_issued(
        &mut self,
        license_id: LicenseId,
        command: &str,
        details: &serde_json::Value,
    ) -> Result<()> {
        self.mark_issued_many(&[(license_id, details.clone())], command)
    }

    /// Records the renewal or reissue of `old_id` as pending, with its link,
    /// in one transaction: refused if `old_id` was replaced already (also by
    /// a run at the same moment: the link's `old_id` is unique).
    pub fn record_pending_replacement(
        &mut self,
        license: &VerifiedLicense,
        output: &str,
        old_id: &str,
        kind: &str,
        revoke_old: bool,
        now: Timestamp,
    ) -> Result<()> {
        self.hold_run_lock()?;
        let mut tx = self.transaction()?;
        tx.lock(&format!("replace/{old_id}"))?;
        let taken: Option<String> = tx
            .query_opt(
                "SELECT new_id FROM license_links WHERE old_id = ?1",
                args![old_id],
            )?
            .map(|r| r.get(0))
            .transpose()?;
        if let Some(new_id) = taken {
            return Err(CliError::failure(
                "already_replaced",
                format!(
                    "license {old_id} was already replaced by {new_id}: replace the newest instead"
                ),
            ));
        }
        insert_pending(&mut tx, license, None, output, now)?;
        tx.execute(
            "INSERT INTO license_links (old_id, new_id, kind, revoke_old, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![old_id, license.license_id().to_string(), kind, i64::from(revoke_old), secs(now)],
        )?;
        tx.commit()
    }

    /// Marks a pending renewal or reissue `issued` (after it was output),
    /// with the old license's revocation if its link asks for one, and
    /// audits it, in one transaction.
    pub fn mark_replacement(
        &mut self,
        license_id: LicenseId,
        details: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.transaction()?;
        let id = license_id.to_string();
        set_state(&mut tx, &id, State::Pending, State::Issued)?;
        let (old_id, kind) = carry_out_link(&mut tx, &id, dates::now()?)?;
        let action = if kind == "renewal" {
            "renewed license"
        } else {
            "reissued license"
        };
        append_audit(&mut tx, &kind, action, &[old_id, id], details)?;
        tx.commit()
    }

    /// The license that answered the activation request with this nonce
    /// (`None`: not answered, or its license was never delivered).
    pub fn activation(&self, nonce: &str) -> Result<Option<Activated>> {
        let mut db = self.db();
        if !db.has_table("activations") {
            return Ok(None);
        }
        db.query_opt(
            "SELECT a.license_id, l.state, l.key, a.at FROM activations a
             JOIN licenses l ON l.license_id = a.license_id WHERE a.nonce = ?1",
            args![nonce],
        )?
        .map(|r| {
            Ok(Activated {
                license_id: r.get(0)?,
                state: r.get(1)?,
                key: r.get(2)?,
                at: r.get(3)?,
            })
        })
        .transpose()
    }

    /// How many delivered (or pending) licenses were activated from
    /// `template_id`.
    pub fn activations_of(&self, template_id: &str) -> Result<u64> {
        self.db().value(
            "SELECT COUNT(*) FROM activations a JOIN licenses l ON l.license_id = a.license_id
             WHERE a.template_id = ?1 AND l.state <> 'void'",
            args![template_id],
        )
    }

    /// Records the license answering an activation request as pending,
    /// with the request, in one transaction: refused if the request was
    /// answered already (also by a run at the same moment: the nonce is the
    /// key).
    pub fn record_pending_activation(
        &mut self,
        license: &VerifiedLicense,
        output: &str,
        activation: &ActivationRecord<'_>,
        now: Timestamp,
    ) -> Result<()> {
        self.hold_run_lock()?;
        let mut tx = self.transaction()?;
        let r = activation.request;
        let nonce = r.nonce_hex();
        tx.lock(&format!("activation/{nonce}"))?;
        let taken: Option<String> = tx
            .query_opt(
                "SELECT license_id FROM activations WHERE nonce = ?1",
                args![&nonce],
            )?
            .map(|row| row.get(0))
            .transpose()?;
        if let Some(id) = taken {
            return Err(CliError::failure(
                "already_activated",
                format!("activation request {nonce} was answered meanwhile by license {id}"),
            ));
        }
        insert_pending(&mut tx, license, None, output, now)?;
        tx.execute(
            "INSERT INTO activations (nonce, license_id, product, fingerprint, customer_id, requested_license_id,
                template_id, request, requested_at, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            args![
                &nonce,
                license.license_id().to_string(),
                &r.product,
                r.fingerprint.to_string(),
                r.customer_id.clone(),
                r.license_id.map(|id| id.to_string()),
                activation.template_id,
                activation.text,
                secs(r.created_at),
                secs(now),
            ],
        )?;
        tx.commit()
    }

    /// A recorded license's key text and state (`None`: not in the ledger).
    pub fn recorded_key(&self, license_id: &str) -> Result<Option<(String, String)>> {
        self.db()
            .query_opt(
                "SELECT key, state FROM licenses WHERE license_id = ?1",
                args![license_id],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
    }

    /// Whether a license is revoked in the ledger.
    pub fn is_revoked(&self, license_id: &str) -> Result<bool> {
        let n: i64 = self.db().value(
            "SELECT COUNT(*) FROM revocations WHERE license_id = ?1",
            args![license_id],
        )?;
        Ok(n > 0)
    }

    /// The licenses that replaced `license_id` (renewals and reissues).
    pub fn replacements(&self, license_id: &str) -> Result<Vec<(String, String)>> {
        self.db()
            .query(
                "SELECT new_id, kind FROM license_links WHERE old_id = ?1 ORDER BY at, new_id",
                args![license_id],
            )?
            .into_iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }

    /// What `doctor` reads: unfinished rows and batches, and each
    /// product's newest revocation list and the revocations no list carries yet.
    pub fn health(&self) -> Result<Health> {
        let mut db = self.db();
        let pending: u64 =
            db.value("SELECT COUNT(*) FROM licenses WHERE state = 'pending'", &[])?;
        let unconfirmed: u64 = db.value(
            "SELECT COUNT(*) FROM licenses WHERE state = 'unconfirmed'",
            &[],
        )?;
        let running_batches: u64 =
            db.value("SELECT COUNT(*) FROM batches WHERE state = 'running'", &[])?;
        let interrupted_batches: u64 = db.value(
            "SELECT COUNT(*) FROM batches WHERE state = 'interrupted'",
            &[],
        )?;
        let lists = db
            .query(
                "SELECT product, MAX(serial), MAX(issued_at) FROM revocation_lists GROUP BY product ORDER BY product",
                &[],
            )?
            .into_iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect::<Result<Vec<_>>>()?;
        let unpublished = db
            .query(
                "SELECT r.product, COUNT(*) FROM revocations r
                 WHERE r.list_serial > COALESCE((SELECT MAX(serial) FROM revocation_lists l WHERE l.product = r.product), 0)
                    OR NOT EXISTS (SELECT 1 FROM revocation_lists l WHERE l.product = r.product)
                 GROUP BY r.product ORDER BY r.product",
                &[],
            )?
            .into_iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Health {
            pending,
            unconfirmed,
            running_batches,
            interrupted_batches,
            lists,
            unpublished,
        })
    }

    /// Marks a pending license `void` (it could not be output), and drops
    /// the renewal or reissue link and the activation it had.
    pub fn mark_void(&mut self, license_id: LicenseId) -> Result<()> {
        let mut tx = self.transaction()?;
        let id = license_id.to_string();
        set_state(&mut tx, &id, State::Pending, State::Void)?;
        drop_link(&mut tx, &id)?;
        drop_activation(&mut tx, &id)?;
        tx.commit()
    }

    /// The product of a recorded license.
    pub fn product_of(&self, license_id: &str) -> Result<Option<String>> {
        self.db()
            .query_opt(
                "SELECT product FROM licenses WHERE license_id = ?1",
                args![license_id],
            )?
            .map(|r| r.get(0))
            .transpose()
    }

    /// The licenses issued from rows of the CSV file `source_path`, by
    /// row identity: those issued, unconfirmed (perhaps delivered) or still
    /// pending (a run in progress); not the void ones (never delivered).
    pub fn issued_from(&self, source_path: &str) -> Result<HashMap<String, IssuedRow>> {
        let rows = self.db().query(
            "SELECT source_row, license_id, key, state, batch_id, batch_row FROM licenses
             WHERE source_path = ?1 AND source_row IS NOT NULL
               AND state IN (?2, ?3, ?4)
             ORDER BY recorded_at, license_id",
            args![
                source_path,
                State::Issued,
                State::Unconfirmed,
                State::Pending
            ],
        )?;
        let mut out = HashMap::new();
        for r in rows {
            let source_row: String = r.get(0)?;
            let issued = IssuedRow {
                license_id: r.get(1)?,
                key: r.get(2)?,
                state: r.get(3)?,
                batch_id: r.get(4)?,
                batch_row: r.get(5)?,
            };
            out.entry(source_row).or_insert(issued);
        }
        Ok(out)
    }

    /// The latest revocation list of `product`, or of the only product
    /// with lists when `product` is `None`.
    pub fn latest_list(&self, product: Option<&str>) -> Result<Option<StoredList>> {
        let mut db = self.db();
        let products: Vec<String> = db
            .query(
                "SELECT DISTINCT product FROM revocation_lists ORDER BY product",
                &[],
            )?
            .into_iter()
            .map(|r| r.get(0))
            .collect::<Result<_>>()?;
        let product = match product {
            Some(p) => p.to_string(),
            None => match products.as_slice() {
                [] => return Ok(None),
                [only] => only.clone(),
                several => {
                    return Err(CliError::usage(format!(
                        "the ledger has revocation lists for several products ({}): pass --product",
                        several.join(", ")
                    )));
                }
            },
        };
        db.query_opt(
            "SELECT serial, armored FROM revocation_lists WHERE product = ?1
             ORDER BY serial DESC LIMIT 1",
            args![&product],
        )?
        .map(|r| {
            Ok(StoredList {
                product: product.clone(),
                serial: r.get(0)?,
                armored: r.get(1)?,
            })
        })
        .transpose()
    }

    /// All revoked ids of a product.
    pub fn revoked_ids(tx: &mut Tx<'_>, product: &str) -> Result<Vec<String>> {
        tx.query(
            "SELECT license_id FROM revocations WHERE product = ?1 ORDER BY license_id",
            args![product],
        )?
        .into_iter()
        .map(|r| r.get(0))
        .collect()
    }

    /// The serial of `product`'s next revocation list, from the database:
    /// its newest plus one, read under a lock that two operators revoking
    /// at once take in turn (PostgreSQL; SQLite serialises writers).
    pub fn next_serial(tx: &mut Tx<'_>, product: &str) -> Result<u64> {
        tx.lock(&format!("serial/{product}"))?;
        let max: u64 = tx.value(
            "SELECT COALESCE(MAX(serial), 0) FROM revocation_lists WHERE product = ?1",
            args![product],
        )?;
        Ok(max + 1)
    }

    pub fn audit_entries(&self) -> Result<Vec<serde_json::Value>> {
        self.db()
            .query(
                "SELECT id, at, os_user, command, action, ids, details FROM audit ORDER BY id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "id": r.get::<i64>(0)?,
                    "at": r.get::<Timestamp>(1)?.to_string(),
                    "os_user": r.get::<String>(2)?,
                    "command": r.get::<String>(3)?,
                    "action": r.get::<String>(4)?,
                    "ids": serde_json::from_str::<serde_json::Value>(&r.get::<String>(5)?).unwrap_or_default(),
                    "details": serde_json::from_str::<serde_json::Value>(&r.get::<String>(6)?).unwrap_or_default(),
                }))
            })
            .collect()
    }
}

/// A license's pending row; `already_issued` if its batch row was issued
/// meanwhile by another run (issue::run_batch checked the whole file before
/// it started; the unique index licenses_source refuses it in any case).
fn insert_pending(
    tx: &mut Tx<'_>,
    license: &VerifiedLicense,
    batch: Option<&BatchRow<'_>>,
    output: &str,
    now: Timestamp,
) -> Result<()> {
    if let Some(b) = batch {
        let taken: Option<String> = tx
            .query_opt(
                "SELECT license_id FROM licenses
                 WHERE source_path = ?1 AND source_row = ?2 AND state <> ?3",
                args![b.source_path, b.source_row, State::Void],
            )?
            .map(|r| r.get(0))
            .transpose()?;
        if let Some(id) = taken {
            return Err(taken_by_another_run(b.source_path, b.row, &id));
        }
    }
    insert_license(tx, license, State::Pending, Some(output), batch, now)
}

/// Drops the activation answered by a license that was never output, so
/// that the request can be activated again.
fn drop_activation(tx: &mut Tx<'_>, license_id: &str) -> Result<()> {
    if tx.has_table("activations") {
        tx.execute(
            "DELETE FROM activations WHERE license_id = ?1",
            args![license_id],
        )?;
    }
    Ok(())
}

/// The link of a new license: its old license and kind; the old license's
/// revocation recorded (for the next list) if the link asks for it.
/// `no_link` if the license replaces nothing.
fn carry_out_link(tx: &mut Tx<'_>, new_id: &str, now: Timestamp) -> Result<(String, String)> {
    let link = tx.query_opt(
        "SELECT old_id, kind, revoke_old FROM license_links WHERE new_id = ?1",
        args![new_id],
    )?;
    let Some(link) = link else {
        return Err(CliError::failure(
            "no_link",
            format!("license {new_id} replaces nothing"),
        ));
    };
    let (old_id, kind, revoke_old): (String, String, i64) =
        (link.get(0)?, link.get(1)?, link.get(2)?);
    if revoke_old == 1 {
        let product: String = tx.value(
            "SELECT product FROM licenses WHERE license_id = ?1",
            args![&old_id],
        )?;
        let serial = Ledger::next_serial(tx, &product)?;
        let reason = if kind == "renewal" {
            "renewed"
        } else {
            "reissued"
        };
        insert_revocation(tx, &old_id, &product, now, Some(reason), serial)?;
    }
    Ok((old_id, kind))
}

/// Drops the link of a new license that was never output.
fn drop_link(tx: &mut Tx<'_>, new_id: &str) -> Result<()> {
    if tx.has_table("license_links") {
        tx.execute("DELETE FROM license_links WHERE new_id = ?1", args![new_id])?;
    }
    Ok(())
}

/// Moves a license from state `from` to `to` (nothing if it is not in `from`).
fn set_state(tx: &mut Tx<'_>, license_id: &str, from: State, to: State) -> Result<()> {
    tx.execute(
        "UPDATE licenses SET state = ?1 WHERE license_id = ?2 AND state = ?3",
        args![to, license_id, from],
    )?;
    Ok(())
}

pub fn append_audit(
    tx: &mut Tx<'_>,
    command: &str,
    action: &str,
    ids: &[String],
    details: &serde_json::Value,
) -> Result<()> {
    let now = dates::now()?;
    tx.execute(
        "INSERT INTO audit (at, os_user, command, action, ids, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![secs(now), os_user(), command, action, serde_json::to_string(ids).unwrap_or_default(), details.to_string()],
    )?;
    Ok(())
}

pub fn insert_license(
    tx: &mut Tx<'_>,
    license: &VerifiedLicense,
    state: State,
    output: Option<&str>,
    batch: Option<&BatchRow<'_>>,
    now: Timestamp,
) -> Result<()> {
    insert_license_rows(tx, vec![license_row(license, state, output, batch, now)])
}

/// How many rows one multi-row statement carries (22 arguments a license:
/// well under SQLite's 32,766 and PostgreSQL's 65,535).
const ROWS_A_STATEMENT: usize = 250;

/// `?first, ?first+1, …` (`count` of them).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `insert` (`INSERT INTO t (…) VALUES`) of every row in one statement:
/// one round trip to a server instead of one a row.
fn insert_rows(tx: &mut Tx<'_>, insert: &str, rows: Vec<Vec<Value>>) -> Result<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut sql = String::from(insert);
    for i in 0..rows.len() {
        sql.push_str(if i == 0 { " (" } else { ", (" });
        sql.push_str(&placeholders(1 + i * width, width));
        sql.push(')');
    }
    let params: Vec<Value> = rows.into_iter().flatten().collect();
    tx.execute(&sql, &params)?;
    Ok(())
}

fn insert_license_rows(tx: &mut Tx<'_>, rows: Vec<Vec<Value>>) -> Result<()> {
    insert_rows(
        tx,
        "INSERT INTO licenses (license_id, customer_id, customer_name, email, tier, product, key_id, issued_at,
            starts_at, expires_at, grace_seconds, metadata, key, state, output, pid, batch_id, batch_row, recorded_at,
            source_path, source_row, host) VALUES",
        rows,
    )
}

/// A license's row in `licenses`, in the column order of
/// [`insert_license_rows`].
fn license_row(
    license: &VerifiedLicense,
    state: State,
    output: Option<&str>,
    batch: Option<&BatchRow<'_>>,
    now: Timestamp,
) -> Vec<Value> {
    let c = license.claims();
    row![
        c.license_id.to_string(),
        &c.customer.id,
        c.customer.name.clone(),
        c.customer.email.clone(),
        &c.tier,
        &c.product,
        license.key_id().to_string(),
        secs(c.issued_at),
        secs(c.starts_at),
        c.expires_at.map(secs),
        i64::try_from(c.grace_period.as_secs()).unwrap_or(i64::MAX),
        serde_json::to_string(&c.metadata).unwrap_or_else(|_| "{}".into()),
        license.to_compact(),
        state,
        output,
        i64::from(std::process::id()),
        batch.map(|b| b.batch_id),
        batch.map(|b| i64::try_from(b.row).unwrap_or(i64::MAX)),
        secs(now),
        batch.map(|b| b.source_path),
        batch.map(|b| b.source_row),
        host_name(),
    ]
}

/// A batch row that another run issued after this run checked the file.
fn taken_by_another_run(path: &str, row: u64, license_id: &str) -> CliError {
    CliError::failure(
        "already_issued",
        format!(
            "row {row} of {path} was issued meanwhile by another run (license {license_id}); \
             this run stopped (what it issued before is in the ledger and its output). Run \
             it again with --resume to issue the rest"
        ),
    )
}

/// Records a revocation; `false` if the license was revoked already.
pub fn insert_revocation(
    tx: &mut Tx<'_>,
    id: &str,
    product: &str,
    at: Timestamp,
    reason: Option<&str>,
    serial: u64,
) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO revocations (license_id, product, revoked_at, reason, list_serial) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
        args![id, product, secs(at), reason, i64::try_from(serial).unwrap_or(i64::MAX)],
    )?;
    Ok(n == 1)
}

pub fn record_list(
    tx: &mut Tx<'_>,
    product: &str,
    serial: u64,
    at: Timestamp,
    key_id: &str,
    count: usize,
    armored: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO revocation_lists (product, serial, issued_at, key_id, count, armored) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![product, i64::try_from(serial).unwrap_or(i64::MAX), secs(at), key_id, i64::try_from(count).unwrap_or(i64::MAX), armored],
    )?;
    Ok(())
}

/// Whether a license id is already in the ledger, with its key.
pub fn existing_key(tx: &mut Tx<'_>, id: &str) -> Result<Option<String>> {
    tx.query_opt("SELECT key FROM licenses WHERE license_id = ?1", args![id])?
        .map(|r| r.get(0))
        .transpose()
}

/// A ledger location as messages show it: the file, or the URL without its
/// password.
pub fn shown(path: &Path) -> String {
    match postgres_url(path) {
        Some(url) => db::shown_url(url),
        None => path.display().to_string(),
    }
}

/// The PostgreSQL URL a ledger location holds, if it is one.
fn postgres_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| db::is_postgres_url(s))
}

/// This machine's name, as pending rows record it (Linux
/// `/proc/sys/kernel/hostname`, else `HOSTNAME`, else `unknown`).
pub fn host_name() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown".into())
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records a pending license row directly, as a run that died (or is
    /// still going) would have left it: `pid`, output to a file that does
    /// not hold it.
    fn pending_row(ledger: &Ledger, id: &str, pid: i64, output: &Path) {
        ledger
            .db()
            .execute(
                "INSERT INTO licenses (license_id, customer_id, tier, product, key_id, issued_at,
                    starts_at, grace_seconds, metadata, key, state, output, pid, recorded_at)
                 VALUES (?1, 'c', 'starter', 'netaudit', 'k', 0, 0, 0, '{}', ?2, 'pending', ?3, ?4, 0)",
                args![id, format!("lm1_{id}"), output.display().to_string(), pid],
            )
            .unwrap();
    }

    fn state(ledger: &Ledger, id: &str) -> String {
        ledger
            .db()
            .value(
                "SELECT state FROM licenses WHERE license_id = ?1",
                args![id],
            )
            .unwrap()
    }

    #[test]
    fn ledger_is_opened_with_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let synchronous: i64 = ledger.db().value("PRAGMA synchronous", &[]).unwrap();
        assert_eq!(synchronous, 2, "2 is FULL");
        let journal: String = ledger.db().value("PRAGMA journal_mode", &[]).unwrap();
        assert_eq!(journal, "wal");
    }

    /// Process ids are reused: a pending row whose run died is resolved
    /// even though its pid now names a live process (pid 1 always does).
    #[test]
    fn recover_resolves_a_dead_runs_rows_even_if_its_pid_is_alive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let ledger = Ledger::open(&path).unwrap();
        pending_row(&ledger, "reused", 1, &dir.path().join("missing.csv"));
        drop(ledger);
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(state(&ledger, "reused"), "void");
    }

    /// A run that is still going (it holds the run lock) keeps its pending
    /// rows, whatever its pid says; once it is gone they are resolved.
    #[test]
    fn recover_leaves_a_live_runs_rows_pending_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut running = Ledger::open(&path).unwrap();
        running.hold_run_lock().unwrap();
        // A pid no process has: no /proc lookup could tell this run is alive.
        pending_row(
            &running,
            "live",
            i64::from(i32::MAX),
            &dir.path().join("out.csv"),
        );
        let other = Ledger::open(&path).unwrap();
        assert_eq!(state(&other, "live"), "pending");
        drop(other);
        drop(running);
        let after = Ledger::open(&path).unwrap();
        assert_eq!(state(&after, "live"), "void");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_ledger_its_wal_shm_and_lock_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut ledger = Ledger::open(&path).unwrap();
        ledger
            .audit("test", "write something", &[], &serde_json::json!({}))
            .unwrap();
        for name in ["l.db", "l.db-wal", "l.db-shm", "l.db.lock"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
        }
    }
}

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

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use licman_core::{LicenseId, Timestamp, VerifiedLicense};
use rusqlite::{Connection, OptionalExtension, Transaction, named_params, params};

use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile;

mod records;
mod status;

pub use records::{CSV_COLUMNS, Filter, Record};
pub use status::{LicenseStatus, State};

const SCHEMA_VERSION: i64 = 4;

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
    CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
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
];

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
    conn: Connection,
    pub path: PathBuf,
    /// The shared lock this process holds while it records licenses (see
    /// the module docs); released when the ledger is dropped.
    run_lock: Option<File>,
}

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
    /// interrupted runs.
    pub fn open(path: &Path) -> Result<Ledger> {
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
        let conn = Connection::open(path).map_err(|e| cannot_open(&e))?;
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
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            run_lock: None,
        };
        ledger.migrate()?;
        ledger.recover()?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read only: no migration, no recovery,
    /// nothing written (`doctor`). `None` if there is no file.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| {
                CliError::failure(
                    "ledger",
                    format!("cannot open ledger {}: {e}", path.display()),
                )
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(CliError::failure(
                "ledger",
                format!(
                    "ledger {} has schema version {version}; this licman-keygen knows {SCHEMA_VERSION}: upgrade licman-keygen",
                    path.display()
                ),
            ));
        }
        Ok(Some(Ledger {
            conn,
            path: path.to_path_buf(),
            run_lock: None,
        }))
    }

    /// Whether the ledger has the table of renewals and reissues (schema 3).
    pub fn has_links(&self) -> bool {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'license_links'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n == 1)
    }

    /// Takes the shared run lock (once per ledger): from now until this
    /// ledger is dropped, no other process resolves this run's pending
    /// licenses.
    fn hold_run_lock(&mut self) -> Result<()> {
        if self.run_lock.is_some() {
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
        self.run_lock = Some(file);
        Ok(())
    }

    /// Opens an existing ledger; `None` if there is no file.
    pub fn open_existing(path: &Path) -> Result<Option<Ledger>> {
        if path.exists() {
            Ledger::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
            [],
        )?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        if version > SCHEMA_VERSION {
            return Err(CliError::failure(
                "ledger",
                format!(
                    "ledger {} has schema version {version}; this licman-keygen knows {SCHEMA_VERSION}: upgrade licman-keygen",
                    self.path.display()
                ),
            ));
        }
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(migration)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [i64::try_from(i + 1).unwrap_or(i64::MAX)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Resolves `pending` rows left by interrupted runs (see the module
    /// docs). Does nothing while another run holds the run lock: its rows
    /// wait for the next open.
    pub fn recover(&mut self) -> Result<usize> {
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

    /// Resolves every pending row: called with the exclusive run lock, so
    /// the runs that recorded them are gone.
    fn resolve_pending(&mut self) -> Result<usize> {
        let tx = self.conn.transaction()?;
        struct Pending {
            id: String,
            key: String,
            output: Option<String>,
        }
        let pending: Vec<Pending> = {
            let mut stmt =
                tx.prepare("SELECT license_id, key, output FROM licenses WHERE state = ?1")?;
            stmt.query_map([State::Pending], |r| {
                Ok(Pending {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    output: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?
        };
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
                params![state, id],
            )?;
            // A renewal or reissue: carried out if its license was output, else undone.
            if has_links_in(&tx) {
                if state == State::Void {
                    drop_link(&tx, &id)?;
                    drop_activation(&tx, &id)?;
                } else {
                    carry_out_link(&tx, &id, now)
                        .map(|_| ())
                        .or_else(|e| if e.code == "no_link" { Ok(()) } else { Err(e) })?;
                }
            }
            append_audit(
                &tx,
                "recover",
                &format!("pending license marked {state} after an interrupted run"),
                &[id],
                &serde_json::json!({}),
            )?;
            resolved += 1;
        }
        tx.execute(
            "UPDATE batches SET state = 'interrupted' WHERE state = 'running'",
            [],
        )?;
        tx.commit()?;
        Ok(resolved)
    }

    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction()?)
    }

    /// Appends to the audit log in its own transaction.
    pub fn audit(
        &mut self,
        command: &str,
        action: &str,
        ids: &[String],
        details: &serde_json::Value,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        append_audit(&tx, command, action, ids, details)?;
        tx.commit()?;
        Ok(())
    }

    pub fn start_batch(
        &mut self,
        batch_id: &str,
        source: &str,
        output: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.hold_run_lock()?;
        self.conn.execute(
            "INSERT INTO batches (batch_id, source, output, pid, started_at, state) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![batch_id, source, output, i64::from(std::process::id()), secs(now)],
        )?;
        Ok(())
    }

    pub fn finish_batch(&mut self, batch_id: &str, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "UPDATE batches SET state = 'done', finished_at = ?2 WHERE batch_id = ?1",
            params![batch_id, secs(now)],
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
        let tx = self.conn.transaction()?;
        insert_pending(&tx, license, batch, output, now)?;
        tx.commit()?;
        Ok(())
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
        let tx = self.conn.transaction()?;
        for (license, batch) in licenses {
            insert_pending(&tx, license, batch.as_ref(), output, now)?;
        }
        tx.commit()?;
        Ok(())
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
        let tx = self.conn.transaction()?;
        for (license_id, details) in licenses {
            let id = license_id.to_string();
            set_state(&tx, &id, State::Pending, State::Issued)?;
            append_audit(&tx, command, "issued license", &[id], details)?;
        }
        tx.commit()?;
        Ok(())
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
        let tx = self.conn.transaction()?;
        let taken: Option<String> = tx
            .query_row(
                "SELECT new_id FROM license_links WHERE old_id = ?1",
                [old_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(new_id) = taken {
            return Err(CliError::failure(
                "already_replaced",
                format!(
                    "license {old_id} was already replaced by {new_id}: replace the newest instead"
                ),
            ));
        }
        insert_pending(&tx, license, None, output, now)?;
        tx.execute(
            "INSERT INTO license_links (old_id, new_id, kind, revoke_old, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![old_id, license.license_id().to_string(), kind, i64::from(revoke_old), secs(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks a pending renewal or reissue `issued` (after it was output),
    /// with the old license's revocation if its link asks for one, and
    /// audits it, in one transaction.
    pub fn mark_replacement(
        &mut self,
        license_id: LicenseId,
        details: &serde_json::Value,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let id = license_id.to_string();
        set_state(&tx, &id, State::Pending, State::Issued)?;
        let (old_id, kind) = carry_out_link(&tx, &id, dates::now()?)?;
        let action = if kind == "renewal" {
            "renewed license"
        } else {
            "reissued license"
        };
        append_audit(&tx, &kind, action, &[old_id, id], details)?;
        tx.commit()?;
        Ok(())
    }

    /// The license that answered the activation request with this nonce
    /// (`None`: not answered, or its license was never delivered).
    pub fn activation(&self, nonce: &str) -> Result<Option<Activated>> {
        if !has_table(&self.conn, "activations") {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT a.license_id, l.state, l.key, a.at FROM activations a
                 JOIN licenses l ON l.license_id = a.license_id WHERE a.nonce = ?1",
                [nonce],
                |r| {
                    Ok(Activated {
                        license_id: r.get(0)?,
                        state: r.get(1)?,
                        key: r.get(2)?,
                        at: ts(r.get(3)?),
                    })
                },
            )
            .optional()?)
    }

    /// How many delivered (or pending) licenses were activated from
    /// `template_id`.
    pub fn activations_of(&self, template_id: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM activations a JOIN licenses l ON l.license_id = a.license_id
             WHERE a.template_id = ?1 AND l.state <> 'void'",
            [template_id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
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
        let tx = self.conn.transaction()?;
        let r = activation.request;
        let nonce = r.nonce_hex();
        let taken: Option<String> = tx
            .query_row(
                "SELECT license_id FROM activations WHERE nonce = ?1",
                [&nonce],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(id) = taken {
            return Err(CliError::failure(
                "already_activated",
                format!("activation request {nonce} was answered meanwhile by license {id}"),
            ));
        }
        insert_pending(&tx, license, None, output, now)?;
        tx.execute(
            "INSERT INTO activations (nonce, license_id, product, fingerprint, customer_id, requested_license_id,
                template_id, request, requested_at, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                nonce,
                license.license_id().to_string(),
                r.product,
                r.fingerprint.to_string(),
                r.customer_id,
                r.license_id.map(|id| id.to_string()),
                activation.template_id,
                activation.text,
                secs(r.created_at),
                secs(now),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A recorded license's key text and state (`None`: not in the ledger).
    pub fn recorded_key(&self, license_id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT key, state FROM licenses WHERE license_id = ?1",
                [license_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Whether a license is revoked in the ledger.
    pub fn is_revoked(&self, license_id: &str) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM revocations WHERE license_id = ?1",
            [license_id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// The licenses that replaced `license_id` (renewals and reissues).
    pub fn replacements(&self, license_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT new_id, kind FROM license_links WHERE old_id = ?1 ORDER BY at, new_id",
        )?;
        let rows = stmt
            .query_map([license_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// What `doctor` reads: unfinished rows and batches, and each
    /// product's newest revocation list and the revocations no list carries yet.
    pub fn health(&self) -> Result<Health> {
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let pending = count("SELECT COUNT(*) FROM licenses WHERE state = 'pending'")?;
        let unconfirmed = count("SELECT COUNT(*) FROM licenses WHERE state = 'unconfirmed'")?;
        let running_batches = count("SELECT COUNT(*) FROM batches WHERE state = 'running'")?;
        let interrupted_batches =
            count("SELECT COUNT(*) FROM batches WHERE state = 'interrupted'")?;
        let mut stmt = self.conn.prepare(
            "SELECT product, MAX(serial), MAX(issued_at) FROM revocation_lists GROUP BY product ORDER BY product",
        )?;
        let lists = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    ts(r.get(2)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT r.product, COUNT(*) FROM revocations r
             WHERE r.list_serial > COALESCE((SELECT MAX(serial) FROM revocation_lists l WHERE l.product = r.product), 0)
                OR NOT EXISTS (SELECT 1 FROM revocation_lists l WHERE l.product = r.product)
             GROUP BY r.product ORDER BY r.product",
        )?;
        let unpublished = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
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
        let tx = self.conn.transaction()?;
        let id = license_id.to_string();
        set_state(&tx, &id, State::Pending, State::Void)?;
        drop_link(&tx, &id)?;
        drop_activation(&tx, &id)?;
        tx.commit()?;
        Ok(())
    }

    /// The product of a recorded license.
    pub fn product_of(&self, license_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT product FROM licenses WHERE license_id = ?1",
                [license_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The licenses issued from rows of the CSV file `source_path`, by
    /// row identity: those issued, unconfirmed (perhaps delivered) or still
    /// pending (a run in progress); not the void ones (never delivered).
    pub fn issued_from(&self, source_path: &str) -> Result<HashMap<String, IssuedRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT source_row, license_id, key, state, batch_id, batch_row FROM licenses
             WHERE source_path = ?1 AND source_row IS NOT NULL
               AND state IN (?2, ?3, ?4)
             ORDER BY recorded_at, license_id",
        )?;
        let issued = params![
            source_path,
            State::Issued,
            State::Unconfirmed,
            State::Pending
        ];
        let rows = stmt.query_map(issued, |r| {
            Ok((
                r.get::<_, String>(0)?,
                IssuedRow {
                    license_id: r.get(1)?,
                    key: r.get(2)?,
                    state: r.get(3)?,
                    batch_id: r.get(4)?,
                    batch_row: r.get(5)?,
                },
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (source_row, issued) = row?;
            out.entry(source_row).or_insert(issued);
        }
        Ok(out)
    }

    /// The latest revocation list of `product`, or of the only product
    /// with lists when `product` is `None`.
    pub fn latest_list(&self, product: Option<&str>) -> Result<Option<StoredList>> {
        let products: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT product FROM revocation_lists ORDER BY product")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
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
        Ok(self
            .conn
            .query_row(
                "SELECT serial, armored FROM revocation_lists WHERE product = ?1
                 ORDER BY serial DESC LIMIT 1",
                [&product],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?
            .map(|(serial, armored)| StoredList {
                product: product.clone(),
                serial: u64::try_from(serial).unwrap_or(0),
                armored,
            }))
    }

    /// All revoked ids of a product.
    pub fn revoked_ids(tx: &Transaction<'_>, product: &str) -> Result<Vec<String>> {
        let mut stmt = tx
            .prepare("SELECT license_id FROM revocations WHERE product = ?1 ORDER BY license_id")?;
        let ids = stmt
            .query_map([product], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    pub fn next_serial(tx: &Transaction<'_>, product: &str) -> Result<u64> {
        let max: i64 = tx.query_row(
            "SELECT COALESCE(MAX(serial), 0) FROM revocation_lists WHERE product = ?1",
            [product],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(max).unwrap_or(0) + 1)
    }

    pub fn audit_entries(&self) -> Result<Vec<serde_json::Value>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, os_user, command, action, ids, details FROM audit ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(serde_json::json!({
                "id": r.get::<_, i64>(0)?,
                "at": ts(r.get::<_, i64>(1)?).to_string(),
                "os_user": r.get::<_, String>(2)?,
                "command": r.get::<_, String>(3)?,
                "action": r.get::<_, String>(4)?,
                "ids": serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(5)?).unwrap_or_default(),
                "details": serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(6)?).unwrap_or_default(),
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Moves a license from state `from` to `to` (nothing if it is not in `from`).
/// A license's pending row; `already_issued` if its batch row was issued
/// meanwhile by another run (issue::run_batch checked the whole file before
/// it started; the unique index licenses_source refuses it in any case).
fn insert_pending(
    tx: &Transaction<'_>,
    license: &VerifiedLicense,
    batch: Option<&BatchRow<'_>>,
    output: &str,
    now: Timestamp,
) -> Result<()> {
    if let Some(b) = batch {
        let taken: Option<String> = tx
            .prepare_cached(
                "SELECT license_id FROM licenses
                 WHERE source_path = ?1 AND source_row = ?2 AND state <> ?3",
            )?
            .query_row(params![b.source_path, b.source_row, State::Void], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = taken {
            return Err(CliError::failure(
                "already_issued",
                format!(
                    "row {} of {} was issued meanwhile by another run (license {id})",
                    b.row, b.source_path
                ),
            ));
        }
    }
    insert_license(tx, license, State::Pending, Some(output), batch, now)
}

fn has_links_in(conn: &Connection) -> bool {
    has_table(conn, "license_links")
}

/// Whether the ledger has this table (a ledger opened read-only is not
/// migrated, so an older one may lack the later tables).
fn has_table(conn: &Connection, name: &str) -> bool {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .is_ok_and(|n| n == 1)
}

/// Drops the activation answered by a license that was never output, so
/// that the request can be activated again.
fn drop_activation(conn: &Connection, license_id: &str) -> Result<()> {
    if has_table(conn, "activations") {
        conn.execute(
            "DELETE FROM activations WHERE license_id = ?1",
            [license_id],
        )?;
    }
    Ok(())
}

/// The link of a new license: its old license and kind; the old license's
/// revocation recorded (for the next list) if the link asks for it.
/// `no_link` if the license replaces nothing.
fn carry_out_link(tx: &Transaction<'_>, new_id: &str, now: Timestamp) -> Result<(String, String)> {
    let link: Option<(String, String, i64)> = tx
        .query_row(
            "SELECT old_id, kind, revoke_old FROM license_links WHERE new_id = ?1",
            [new_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((old_id, kind, revoke_old)) = link else {
        return Err(CliError::failure(
            "no_link",
            format!("license {new_id} replaces nothing"),
        ));
    };
    if revoke_old == 1 {
        let product: String = tx.query_row(
            "SELECT product FROM licenses WHERE license_id = ?1",
            [&old_id],
            |r| r.get(0),
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
fn drop_link(conn: &Connection, new_id: &str) -> Result<()> {
    if has_links_in(conn) {
        conn.execute("DELETE FROM license_links WHERE new_id = ?1", [new_id])?;
    }
    Ok(())
}

fn set_state(conn: &Connection, license_id: &str, from: State, to: State) -> Result<()> {
    conn.prepare_cached(
        "UPDATE licenses SET state = :to WHERE license_id = :id AND state = :from",
    )?
    .execute(named_params! { ":to": to, ":id": license_id, ":from": from })?;
    Ok(())
}

pub fn append_audit(
    tx: &Transaction<'_>,
    command: &str,
    action: &str,
    ids: &[String],
    details: &serde_json::Value,
) -> Result<()> {
    let now = dates::now()?;
    tx.prepare_cached(
        "INSERT INTO audit (at, os_user, command, action, ids, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![secs(now), os_user(), command, action, serde_json::to_string(ids).unwrap_or_default(), details.to_string()])?;
    Ok(())
}

pub fn insert_license(
    tx: &Transaction<'_>,
    license: &VerifiedLicense,
    state: State,
    output: Option<&str>,
    batch: Option<&BatchRow<'_>>,
    now: Timestamp,
) -> Result<()> {
    let c = license.claims();
    tx.prepare_cached(
        "INSERT INTO licenses (license_id, customer_id, customer_name, email, tier, product, key_id, issued_at,
            starts_at, expires_at, grace_seconds, metadata, key, state, output, pid, batch_id, batch_row, recorded_at,
            source_path, source_row)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
            c.license_id.to_string(),
            c.customer.id,
            c.customer.name,
            c.customer.email,
            c.tier,
            c.product,
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
        ])?;
    Ok(())
}

pub fn insert_revocation(
    tx: &Transaction<'_>,
    id: &str,
    product: &str,
    at: Timestamp,
    reason: Option<&str>,
    serial: u64,
) -> Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO revocations (license_id, product, revoked_at, reason, list_serial) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, product, secs(at), reason, i64::try_from(serial).unwrap_or(i64::MAX)],
    )?;
    Ok(n == 1)
}

pub fn record_list(
    tx: &Transaction<'_>,
    product: &str,
    serial: u64,
    at: Timestamp,
    key_id: &str,
    count: usize,
    armored: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO revocation_lists (product, serial, issued_at, key_id, count, armored) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![product, i64::try_from(serial).unwrap_or(i64::MAX), secs(at), key_id, i64::try_from(count).unwrap_or(i64::MAX), armored],
    )?;
    Ok(())
}

/// Whether a license id is already in the ledger, with its key.
pub fn existing_key(tx: &Transaction<'_>, id: &str) -> Result<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT key FROM licenses WHERE license_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records a pending license row directly, as a run that died (or is
    /// still going) would have left it: `pid`, output to a file that does
    /// not hold it.
    fn pending_row(ledger: &Ledger, id: &str, pid: i64, output: &Path) {
        ledger
            .conn
            .execute(
                "INSERT INTO licenses (license_id, customer_id, tier, product, key_id, issued_at,
                    starts_at, grace_seconds, metadata, key, state, output, pid, recorded_at)
                 VALUES (?1, 'c', 'starter', 'netaudit', 'k', 0, 0, 0, '{}', ?2, 'pending', ?3, ?4, 0)",
                params![id, format!("lm1_{id}"), output.display().to_string(), pid],
            )
            .unwrap();
    }

    fn state(ledger: &Ledger, id: &str) -> String {
        ledger
            .conn
            .query_row(
                "SELECT state FROM licenses WHERE license_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[test]
    fn ledger_is_opened_with_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let synchronous: i64 = ledger
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "2 is FULL");
        let journal: String = ledger
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
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

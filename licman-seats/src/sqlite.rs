//! The seat store on one SQLite file, the embedded default.
//!
//! The file is created mode 0600 before SQLite opens it, runs in WAL mode
//! with `synchronous=FULL` (a committed assignment survives a power loss)
//! and a busy timeout (writers wait their turn instead of failing), and
//! carries an application id and a schema version: a file that is not a
//! seat store, or one from a newer licman-seats, is refused and not
//! touched. Triggers refuse every `UPDATE` and `DELETE` of the trail, on top
//! of the hash chain that `audit verify` checks. A file without write
//! permission is opened read-only: lists and `audit verify` work, writes
//! are refused with `read_only` (root included, who could write anyway).

use std::path::{Path, PathBuf};
use std::time::Duration;

use licman_core::seats::{ChainHead, PoolId};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, TransactionBehavior, params};

use crate::error::Failure;
use crate::secrets::{SealedSecret, SecretWrite};
use crate::store::{
    Backend, EVENT_COLUMNS, EventFilter, EventRow, Query, SCHEMA_VERSION, SqlValue, StoredEvent,
    Turn, WriteFailure, Writes,
};

/// SQLite's `application_id` of a seat store ("LMST").
pub const APPLICATION_ID: i64 = 0x4c4d_5354;

/// How long a writer waits for another's transaction before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Migrations: the n-th entry takes the schema from version n to n + 1.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    recorded_at INTEGER NOT NULL,
    effective_at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    pool_id TEXT,
    user_id TEXT,
    assignment_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX events_pool ON events (pool_id, seq);
CREATE INDEX events_user ON events (user_id, seq);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TABLE pool_secrets (
    pool_id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    sealed BLOB NOT NULL
) STRICT;
",
    "
CREATE TABLE head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_seq INTEGER NOT NULL CHECK (next_seq > 0),
    last_hash TEXT NOT NULL
) STRICT;
INSERT INTO head (id, next_seq, last_hash)
    SELECT 1, COALESCE(MAX(seq), 0) + 1,
           COALESCE((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), printf('%064d', 0))
    FROM events;
CREATE TRIGGER head_forward_only BEFORE UPDATE ON head WHEN NEW.next_seq < OLD.next_seq
BEGIN SELECT RAISE(ABORT, 'the trail head only moves forward'); END;
CREATE TRIGGER head_kept BEFORE DELETE ON head
BEGIN SELECT RAISE(ABORT, 'the trail head is kept'); END;
CREATE TRIGGER events_move_the_head AFTER INSERT ON events
WHEN (SELECT next_seq FROM head WHERE id = 1) <= NEW.seq
BEGIN SELECT RAISE(ABORT, 'the trail head was not moved: a licman-seats older than this store (schema 2) is writing it; upgrade every one'); END;
",
];

/// A seat store on one SQLite file.
#[derive(Debug)]
pub struct SqliteBackend {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

const PRIVATE: u32 = 0o600;

fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(PRIVATE);
    }
    options.write(true).create_new(true).open(path).map(drop)
}

/// Whether the file's permission bits let nobody write it.
fn write_protected(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.permissions().mode() & 0o222 == 0
    }
    #[cfg(not(unix))]
    {
        meta.permissions().readonly()
    }
}

impl SqliteBackend {
    /// Opens the store at `path`, creating it (mode 0600) if there is no
    /// file, and migrates it to this build's schema.
    pub fn open(path: &Path) -> Result<SqliteBackend, Failure> {
        let cannot = |e: &dyn std::fmt::Display| {
            Failure::new(
                "database",
                format!("cannot open the seat store {}: {e}", path.display()),
            )
        };
        let read_only = match std::fs::metadata(path) {
            Ok(meta) => write_protected(&meta),
            Err(_) => {
                create_private(path).map_err(|e| cannot(&e))?;
                false
            }
        };
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags).map_err(|e| cannot(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| cannot(&e))?;
        let mut backend = SqliteBackend {
            conn,
            path: path.to_path_buf(),
            read_only,
        };
        let version = backend.check_kind()?;
        if read_only {
            if version < SCHEMA_VERSION {
                return Err(backend.refuse_read_only());
            }
            return Ok(backend);
        }
        backend
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| cannot(&e))?;
        // FULL: a committed transaction survives a power loss, not only a
        // crash of this process.
        backend
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| cannot(&e))?;
        backend.migrate()?;
        Ok(backend)
    }

    fn refuse_read_only(&self) -> Failure {
        Failure::new(
            "read_only",
            format!(
                "the seat store {} is read-only (no write permission); nothing was written",
                self.path.display()
            ),
        )
    }

    /// Refuses a file that is another program's database, or a seat store
    /// of a newer schema, before anything is written to it. Returns its
    /// schema version.
    fn check_kind(&self) -> Result<i64, Failure> {
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| self.not_a_database(e))?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
        if app != APPLICATION_ID && (tables > 0 || version != 0 || app != 0) {
            return Err(Failure::new(
                "not_a_seat_store",
                format!(
                    "{} is a database but not a licman-seats store; it was not changed",
                    self.path.display()
                ),
            ));
        }
        if version > SCHEMA_VERSION {
            return Err(Failure::new(
                "schema_too_new",
                format!(
                    "{} has schema version {version}, newer than this licman-seats reads ({SCHEMA_VERSION}); upgrade licman-seats. The file was not changed",
                    self.path.display()
                ),
            ));
        }
        Ok(version)
    }

    fn not_a_database(&self, e: rusqlite::Error) -> Failure {
        Failure::new(
            "not_a_seat_store",
            format!(
                "{} is not a SQLite database ({e}); it was not changed",
                self.path.display()
            ),
        )
    }

    fn migrate(&mut self) -> Result<(), Failure> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Failure::new(
                "schema_too_new",
                format!("schema version {version} is newer than {SCHEMA_VERSION}"),
            ));
        }
        for (from, sql) in MIGRATIONS.iter().enumerate() {
            let from = i64::try_from(from).unwrap_or(i64::MAX);
            if version <= from {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", from + 1)?;
            }
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// The connection, for tests and tools that inspect the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn placeholder(n: usize) -> String {
    format!("?{n}")
}

fn bind(values: &[SqlValue]) -> Vec<Box<dyn rusqlite::ToSql + '_>> {
    values
        .iter()
        .map(|v| -> Box<dyn rusqlite::ToSql> {
            match v {
                SqlValue::Text(s) => Box::new(s.as_str()),
                SqlValue::Int(i) => Box::new(*i),
            }
        })
        .collect()
}

/// The head row.
fn read_head(conn: &Connection) -> Result<ChainHead, Failure> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT next_seq, last_hash FROM head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (next_seq, last_hash) = row.ok_or_else(|| {
        Failure::new(
            "audit_broken",
            "the trail's head row is missing (was the head table emptied?)",
        )
    })?;
    crate::store::head_of(next_seq, &last_hash)
}

fn read_events(conn: &Connection, query: Query<'_>) -> Result<Vec<StoredEvent>, Failure> {
    let (filter, values) = query.to_sql(placeholder);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events {filter}{}",
        query.order()
    );
    let mut stmt = conn.prepare(&sql)?;
    let bound = bind(&values);
    let refs: Vec<&dyn rusqlite::ToSql> = bound.iter().map(|b| b.as_ref()).collect();
    let mut rows = stmt.query(refs.as_slice())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(
            EventRow {
                seq: row.get(0)?,
                recorded_at: row.get(1)?,
                effective_at: row.get(2)?,
                actor: row.get(3)?,
                action: row.get(4)?,
                pool_id: row.get(5)?,
                user_id: row.get(6)?,
                assignment_id: row.get(7)?,
                details: row.get(8)?,
                prev_hash: row.get(9)?,
                hash: row.get(10)?,
            }
            .decode()?,
        );
    }
    Ok(out)
}

fn read_secrets(conn: &Connection) -> Result<Vec<(PoolId, SealedSecret)>, Failure> {
    let mut stmt = conn.prepare("SELECT pool_id, key_id, sealed FROM pool_secrets")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let pool: String = row.get(0)?;
        let pool = PoolId::new(&pool)
            .map_err(|_| Failure::new("database", format!("a secret names pool {pool:?}")))?;
        out.push((pool, SealedSecret::from_parts(row.get(1)?, row.get(2)?)?));
    }
    Ok(out)
}

impl Backend for SqliteBackend {
    fn describe(&self) -> String {
        format!("SQLite file {}", self.path.display())
    }

    fn read(&mut self, query: Query<'_>) -> Result<Vec<StoredEvent>, Failure> {
        read_events(&self.conn, query)
    }

    fn count(&mut self, filter: &EventFilter) -> Result<u64, Failure> {
        let (clause, values) = filter.to_sql(placeholder);
        let bound = bind(&values);
        let refs: Vec<&dyn rusqlite::ToSql> = bound.iter().map(|b| b.as_ref()).collect();
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM events {clause}"),
            refs.as_slice(),
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn write(
        &mut self,
        from: u64,
        with_secrets: bool,
        body: &mut dyn FnMut(Turn) -> Result<Writes, Failure>,
    ) -> Result<(), WriteFailure> {
        if self.read_only {
            return Err(WriteFailure::fatal(self.refuse_read_only()));
        }
        let path = self.path.clone();
        let tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => return Err(classify(&path, e)),
        };
        // Inside the write lock: no one else can append now.
        let newer = read_events(&tx, Query::From(from))?;
        let secrets = if with_secrets {
            read_secrets(&tx)?
        } else {
            Vec::new()
        };
        let writes = body(Turn {
            newer,
            now: crate::time::now(),
            secrets,
        })?;
        // The head first: the store's trigger refuses an event the head
        // does not already cover (a writer that does not move it).
        if let Some((next_seq, last_hash)) = crate::store::head_after(&writes.events) {
            tx.execute(
                "UPDATE head SET next_seq = ?1, last_hash = ?2 WHERE id = 1",
                params![next_seq, last_hash],
            )
            .map_err(Failure::from)?;
        }
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO events ({EVENT_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .map_err(Failure::from)?;
            for e in &writes.events {
                let r = EventRow::of(e)?;
                insert
                    .execute(params![
                        r.seq,
                        r.recorded_at,
                        r.effective_at,
                        r.actor,
                        r.action,
                        r.pool_id,
                        r.user_id,
                        r.assignment_id,
                        r.details,
                        r.prev_hash,
                        r.hash,
                    ])
                    .map_err(Failure::from)?;
            }
            for s in &writes.secrets {
                match s {
                    SecretWrite::Put { pool, sealed } => tx.execute(
                        "INSERT INTO pool_secrets (pool_id, key_id, sealed) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (pool_id) DO UPDATE SET key_id = excluded.key_id, \
                         sealed = excluded.sealed",
                        params![pool.as_str(), sealed.key_id(), sealed.to_bytes()],
                    ),
                    SecretWrite::Remove { pool } => tx.execute(
                        "DELETE FROM pool_secrets WHERE pool_id = ?1",
                        params![pool.as_str()],
                    ),
                }
                .map_err(Failure::from)?;
            }
        }
        tx.commit().map_err(|e| classify(&path, e))
    }

    fn secret(&mut self, pool: &PoolId) -> Result<Option<SealedSecret>, Failure> {
        Ok(read_secrets(&self.conn)?
            .into_iter()
            .find(|(p, _)| p == pool)
            .map(|(_, s)| s))
    }

    fn trail_and_head(&mut self) -> Result<(Vec<StoredEvent>, ChainHead), Failure> {
        // One read transaction: in WAL mode, one snapshot.
        let tx = self.conn.transaction()?;
        let events = read_events(&tx, Query::From(1))?;
        let head = read_head(&tx)?;
        tx.commit()?;
        Ok((events, head))
    }
}

/// A failed write as the CLI reports it: a read-only file and a writer
/// that held the lock too long have codes of their own.
fn classify(path: &Path, e: rusqlite::Error) -> WriteFailure {
    if let rusqlite::Error::SqliteFailure(code, _) = &e {
        match code.code {
            rusqlite::ErrorCode::ReadOnly => {
                return WriteFailure::fatal(Failure::new(
                    "read_only",
                    format!(
                        "the seat store {} is read-only; nothing was written",
                        path.display()
                    ),
                ));
            }
            rusqlite::ErrorCode::DatabaseBusy => {
                return WriteFailure::fatal(Failure::new(
                    "database_busy",
                    format!(
                        "another writer held {} for more than {} s; nothing was written",
                        path.display(),
                        BUSY_TIMEOUT.as_secs()
                    ),
                ));
            }
            _ => {}
        }
    }
    WriteFailure::fatal(Failure::from(e))
}

//! The seat store on SQLite: an append-only trail of the engine's sealed
//! events, and the state they rebuild.
//!
//! The file is created mode 0600 before SQLite opens it, runs in WAL mode
//! with `synchronous=FULL` (a committed assignment survives a power loss)
//! and a busy timeout (writers wait their turn instead of failing), and
//! carries an application id and a schema version: a file that is not a
//! seat store, or one from a newer licman-seats, is refused and not
//! touched. Triggers refuse every `UPDATE` and `DELETE` of the trail, on top
//! of the hash chain that `audit verify` checks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::{
    AssignmentId, ChainHead, Change, Command, Context, Event, PoolId, Recorded, SeatEngine,
    SeatState, UserId,
};
use rusqlite::{Connection, TransactionBehavior, params};

use crate::error::Failure;

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// SQLite's `application_id` of a seat store ("LMST").
pub const APPLICATION_ID: i64 = 0x4c4d_5354;

/// How long a writer waits for another's transaction before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA_V1: &str = "
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
";

/// One event as the trail stores it: every field a column, so that an edit
/// to any of them is caught by [`Store::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event.
    pub event: Event,
    /// The `action` column (the change's action, unless edited).
    pub action: String,
}

/// Which events [`Store::events`] returns.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Events about this pool.
    pub pool: Option<PoolId>,
    /// Events about this user.
    pub user: Option<UserId>,
    /// Events with this action.
    pub action: Option<String>,
    /// Recorded at or after.
    pub from: Option<Timestamp>,
    /// Recorded before.
    pub to: Option<Timestamp>,
}

/// A seat store on one SQLite file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    engine: SeatEngine,
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

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn secs(t: Timestamp) -> i64 {
    i64::try_from(t.unix_seconds()).unwrap_or(i64::MAX)
}

/// A stored row that does not decode: the trail was edited or damaged.
fn bad_row(seq: i64, what: &str) -> Failure {
    Failure::new(
        "audit_broken",
        format!("event {seq} of the trail is damaged: {what}"),
    )
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600) if there is no
    /// file, and reads its trail into the state.
    pub fn open(path: &Path) -> Result<Store, Failure> {
        let cannot = |e: &dyn std::fmt::Display| {
            Failure::new(
                "database",
                format!("cannot open the seat store {}: {e}", path.display()),
            )
        };
        if std::fs::symlink_metadata(path).is_err() {
            create_private(path).map_err(|e| cannot(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| cannot(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| cannot(&e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            engine: SeatEngine::new(),
        };
        store.check_kind()?;
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| cannot(&e))?;
        // FULL: a committed transaction survives a power loss, not only a
        // crash of this process.
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| cannot(&e))?;
        store.migrate()?;
        store.catch_up()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses a file that is another program's database, or a seat store
    /// of a newer schema, before anything is written to it.
    fn check_kind(&self) -> Result<(), Failure> {
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))?;
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
        Ok(())
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
        if version < 1 {
            tx.execute_batch(SCHEMA_V1)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The state as of the last event this store read.
    pub fn state(&self) -> &SeatState {
        self.engine.state()
    }

    /// Where the chain stands.
    pub fn head(&self) -> ChainHead {
        self.engine.head()
    }

    /// Reads the events other writers appended since this store last
    /// looked, and applies them.
    pub fn catch_up(&mut self) -> Result<(), Failure> {
        let next = i64::try_from(self.engine.head().next_seq).unwrap_or(i64::MAX);
        let events = read_events(&self.conn, "WHERE seq >= ?1", &[&next])?;
        let events: Vec<Event> = events.into_iter().map(|e| e.event).collect();
        self.engine.replay_onto(&events)?;
        Ok(())
    }

    /// Runs a command in one write transaction: reads what other writers
    /// added, asks the engine (at `at`, or now), and appends the events it
    /// sealed. A refusal writes nothing.
    pub fn run(
        &mut self,
        command: &Command,
        actor: &str,
        at: Option<Timestamp>,
    ) -> Result<Recorded, Failure> {
        let recorded_at = crate::time::now();
        let cx = Context::new(at.unwrap_or(recorded_at), actor).recorded_at(recorded_at);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Catch up inside the transaction: no one can append now.
        let next = i64::try_from(self.engine.head().next_seq).unwrap_or(i64::MAX);
        let newer = read_events(&tx, "WHERE seq >= ?1", &[&next])?;
        let newer: Vec<Event> = newer.into_iter().map(|e| e.event).collect();
        self.engine.replay_onto(&newer)?;
        // A refusal changes nothing (the engine decides before it applies),
        // and dropping the transaction rolls it back.
        let recorded = self.engine.run(command, &cx)?;
        let written = (|| -> Result<(), Failure> {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (seq, recorded_at, effective_at, actor, action, pool_id, \
                 user_id, assignment_id, details, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for e in &recorded.events {
                let details = serde_json::to_string(&e.change)
                    .map_err(|err| Failure::new("database", format!("cannot encode: {err}")))?;
                insert.execute(params![
                    i64::try_from(e.seq).unwrap_or(i64::MAX),
                    secs(e.recorded_at),
                    secs(e.effective_at),
                    e.actor,
                    e.action(),
                    e.pool.as_ref().map(PoolId::as_str),
                    e.user.as_ref().map(UserId::as_str),
                    e.assignment.as_ref().map(AssignmentId::as_str),
                    details,
                    hex(&e.prev_hash),
                    hex(&e.hash),
                ])?;
            }
            Ok(())
        })();
        let committed = written.and_then(|()| tx.commit().map_err(Failure::from));
        match committed {
            Ok(()) => Ok(recorded),
            Err(e) => {
                // Nothing was written, but the engine applied the command:
                // rebuild it from the trail.
                self.engine = SeatEngine::new();
                if let Err(reload) = self.catch_up() {
                    return Err(Failure::new(
                        &e.code,
                        format!(
                            "{}; and the trail could not be read again: {reload}",
                            e.message
                        ),
                    ));
                }
                Err(e)
            }
        }
    }

    /// The trail's events, oldest first, filtered.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, Failure> {
        let mut clauses = Vec::new();
        let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(p) = &filter.pool {
            values.push(Box::new(p.as_str().to_string()));
            clauses.push(format!("pool_id = ?{}", values.len()));
        }
        if let Some(u) = &filter.user {
            values.push(Box::new(u.as_str().to_string()));
            clauses.push(format!("user_id = ?{}", values.len()));
        }
        if let Some(a) = &filter.action {
            values.push(Box::new(a.clone()));
            clauses.push(format!("action = ?{}", values.len()));
        }
        if let Some(t) = filter.from {
            values.push(Box::new(secs(t)));
            clauses.push(format!("recorded_at >= ?{}", values.len()));
        }
        if let Some(t) = filter.to {
            values.push(Box::new(secs(t)));
            clauses.push(format!("recorded_at < ?{}", values.len()));
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let refs: Vec<&dyn rusqlite::ToSql> = values.iter().map(|v| v.as_ref()).collect();
        read_events(&self.conn, &filter_sql, &refs)
    }

    /// Replays the whole trail from its rows, recomputing every hash from
    /// the fields the trail shows: the first edited, removed or reordered
    /// event fails it, by number. Returns the number of events.
    pub fn verify(&self) -> Result<u64, Failure> {
        let events = read_events(&self.conn, "", &[])?;
        for e in &events {
            if e.action != e.event.action() {
                return Err(Failure::new(
                    "audit_broken",
                    format!(
                        "event {} says action {:?} but records {:?}",
                        e.event.seq,
                        e.action,
                        e.event.action()
                    ),
                ));
            }
        }
        let events: Vec<Event> = events.into_iter().map(|e| e.event).collect();
        let engine = SeatEngine::replay(&events)?;
        Ok(engine.head().next_seq.saturating_sub(1))
    }

    /// The connection, for tests and tools that inspect the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn read_events(
    conn: &Connection,
    filter: &str,
    values: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredEvent>, Failure> {
    let sql = format!(
        "SELECT seq, recorded_at, effective_at, actor, action, pool_id, user_id, assignment_id, \
         details, prev_hash, hash FROM events {filter} ORDER BY seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(values)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let time = |i: usize| -> Result<Timestamp, Failure> {
            let v: i64 = row.get(i)?;
            u64::try_from(v)
                .map(Timestamp::from_unix_seconds)
                .map_err(|_| bad_row(seq, "a negative time"))
        };
        let id = |i: usize| -> Result<Option<String>, Failure> { Ok(row.get(i)?) };
        let details: String = row.get(8)?;
        let change: Change = serde_json::from_str(&details)
            .map_err(|e| bad_row(seq, &format!("its details do not decode ({e})")))?;
        let hash_of = |i: usize, what: &str| -> Result<[u8; 32], Failure> {
            let v: String = row.get(i)?;
            unhex(&v).ok_or_else(|| bad_row(seq, what))
        };
        let event = Event {
            seq: u64::try_from(seq).map_err(|_| bad_row(seq, "a negative number"))?,
            recorded_at: time(1)?,
            effective_at: time(2)?,
            actor: row.get(3)?,
            pool: id(5)?
                .map(|p| PoolId::new(&p))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid pool id"))?,
            user: id(6)?
                .map(|u| UserId::new(&u))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid user id"))?,
            assignment: id(7)?
                .map(|a| AssignmentId::new(&a))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid assignment id"))?,
            change,
            prev_hash: hash_of(9, "its previous hash is not 64 hex digits")?,
            hash: hash_of(10, "its hash is not 64 hex digits")?,
        };
        out.push(StoredEvent {
            event,
            action: row.get(4)?,
        });
    }
    Ok(out)
}

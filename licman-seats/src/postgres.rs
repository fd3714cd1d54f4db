//! The seat store on PostgreSQL, for several instances or admins on one
//! database.
//!
//! Everything lives in its own schema, `licman_seats`: the `events` trail
//! (the same columns as on SQLite), `pool_secrets`, a `meta` table with the
//! schema version, and `head`, one row that every write locks
//! (`SELECT … FOR UPDATE`) before it reads what others appended: writers
//! take turns on the chain, in one order, so two of them cannot both take
//! the last seat and no deadlock can form. Times come from the database
//! server's clock (`clock_timestamp()` once the lock is held), so instances
//! with skewed clocks agree on when a lease ends. Triggers refuse `UPDATE`,
//! `DELETE` and `TRUNCATE` of the trail. Connections come from a pool
//! (r2d2) that drops broken ones; a write that fails on a serialization
//! failure, a deadlock or a lost connection is retried (see
//! [`crate::store`]).

use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::{ChainHead, PoolId};
use postgres::SimpleQueryMessage;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, IsolationLevel, NoTls};
use r2d2_postgres::PostgresConnectionManager;

use crate::error::Failure;
use crate::secrets::{SealedSecret, SecretWrite};
use crate::store::{
    Backend, EVENT_COLUMNS, EventFilter, EventRow, Query, Retry, SCHEMA_VERSION, SqlValue,
    StoredEvent, Turn, WriteFailure, Writes,
};

/// The schema the store keeps its tables in.
pub const SCHEMA: &str = "licman_seats";

/// The `meta` row that names the application.
pub const APPLICATION: &str = "licman-seats";

/// How long a connection attempt waits.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a writer waits for the write lock before failing.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections the pool keeps at most.
pub const POOL_SIZE: u32 = 8;

/// The advisory lock key migrations hold ("LMST").
const MIGRATION_LOCK: i64 = 0x4c4d_5354;

/// Migrations: the n-th entry takes the schema from version n to n + 1.
const MIGRATIONS: &[&str] = &["
CREATE SCHEMA licman_seats;
CREATE TABLE licman_seats.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE licman_seats.head (id integer PRIMARY KEY CHECK (id = 1));
INSERT INTO licman_seats.head VALUES (1);
CREATE TABLE licman_seats.events (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    recorded_at bigint NOT NULL,
    effective_at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    pool_id text,
    user_id text,
    assignment_id text,
    details text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX events_pool ON licman_seats.events (pool_id, seq);
CREATE INDEX events_user ON licman_seats.events (user_id, seq);
CREATE FUNCTION licman_seats.refuse_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON licman_seats.events
    FOR EACH ROW EXECUTE FUNCTION licman_seats.refuse_edit();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON licman_seats.events
    FOR EACH STATEMENT EXECUTE FUNCTION licman_seats.refuse_edit();
CREATE TABLE licman_seats.pool_secrets (
    pool_id text PRIMARY KEY,
    key_id text NOT NULL,
    sealed bytea NOT NULL
);
INSERT INTO licman_seats.meta VALUES ('application', 'licman-seats');
", "
ALTER TABLE licman_seats.head ADD COLUMN next_seq bigint, ADD COLUMN last_hash text;
UPDATE licman_seats.head SET
    next_seq = COALESCE((SELECT max(seq) FROM licman_seats.events), 0) + 1,
    last_hash = COALESCE((SELECT hash FROM licman_seats.events ORDER BY seq DESC LIMIT 1), repeat('0', 64));
ALTER TABLE licman_seats.head ALTER COLUMN next_seq SET NOT NULL,
    ALTER COLUMN last_hash SET NOT NULL, ADD CHECK (next_seq > 0);
CREATE FUNCTION licman_seats.head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.next_seq < OLD.next_seq THEN
        RAISE EXCEPTION 'the trail head only moves forward' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER head_forward_only BEFORE UPDATE OR DELETE ON licman_seats.head
    FOR EACH ROW EXECUTE FUNCTION licman_seats.head_forward_only();
CREATE TRIGGER head_no_truncate BEFORE TRUNCATE ON licman_seats.head
    FOR EACH STATEMENT EXECUTE FUNCTION licman_seats.refuse_edit();
CREATE FUNCTION licman_seats.head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT next_seq FROM licman_seats.head WHERE id = 1) <= NEW.seq THEN
        RAISE EXCEPTION 'the trail head was not moved: a licman-seats older than this store (schema 2) is writing it; upgrade every one'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER events_move_the_head AFTER INSERT ON licman_seats.events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION licman_seats.head_follows();
"];

/// Whether `location` is a PostgreSQL URL.
///
/// ```
/// use licman_seats::postgres::is_url;
/// assert!(is_url("postgres://app@db.internal/seats"));
/// assert!(!is_url("./licman-seats.db"));
/// ```
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Sets each pooled connection's lock timeout.
#[derive(Debug)]
struct Session;

impl r2d2::CustomizeConnection<Client, postgres::Error> for Session {
    fn on_acquire(&self, conn: &mut Client) -> Result<(), postgres::Error> {
        conn.batch_execute(&format!("SET lock_timeout = '{}s'", LOCK_TIMEOUT.as_secs()))
    }
}

/// A seat store on a PostgreSQL database.
pub struct PgBackend {
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
    described: String,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgBackend({})", self.described)
    }
}

/// Where a config points, without its password.
fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("PostgreSQL database {db} on {host}:{port}")
}

/// An error with its causes, `outer: inner: …`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// Whether an error means the connection (or the server) went away.
fn connection_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
                || code.code().starts_with("08")
        }
        // No SQLSTATE: the connection is gone if an I/O error is behind
        // it (a column that does not convert is no reason to reconnect).
        None => {
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                if cause.is::<std::io::Error>() {
                    return true;
                }
                source = cause.source();
            }
            false
        }
    }
}

impl PgBackend {
    /// Connects to the database `url` names and migrates it to this
    /// build's schema (refusing, untouched, one from a newer build or a
    /// `licman_seats` schema that is not a seat store).
    pub fn open(url: &str) -> Result<PgBackend, Failure> {
        // The URL is not repeated in the message: it may hold a password.
        let mut config: Config = url.parse().map_err(|e| {
            Failure::invalid(format!("the database URL is not a PostgreSQL URL ({e})"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let described = describe(&config);
        let mut client = config.connect(NoTls).map_err(|e| {
            Failure::new(
                "database_unreachable",
                format!("cannot connect to the {described}: {}", chain(&e)),
            )
        })?;
        migrate(&mut client, &described)?;
        drop(client);
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            // A broken connection fails its first statement, which is
            // retried on a fresh one: no round trip to test each checkout.
            .test_on_check_out(false)
            .connection_timeout(CONNECT_TIMEOUT)
            .connection_customizer(Box::new(Session))
            .build_unchecked(manager);
        Ok(PgBackend { pool, described })
    }

    fn connection(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, WriteFailure> {
        // The pool has already waited its connection timeout: no retry.
        self.pool.get().map_err(|e| {
            WriteFailure::fatal(Failure::new(
                "database_unreachable",
                format!("cannot connect to the {}: {}", self.described, chain(&e)),
            ))
        })
    }

    fn failure(&self, e: &postgres::Error) -> Failure {
        if let Some(code) = e.code() {
            if *code == SqlState::LOCK_NOT_AVAILABLE {
                return Failure::new(
                    "database_busy",
                    format!(
                        "another writer held the {} for more than {} s; nothing was written",
                        self.described,
                        LOCK_TIMEOUT.as_secs()
                    ),
                );
            }
            if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
                return Failure::new(
                    "read_only",
                    format!(
                        "the {} is read-only (a standby?); nothing was written",
                        self.described
                    ),
                );
            }
        }
        let message = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => chain(e),
        };
        let code = if connection_lost(e) {
            "database_unreachable"
        } else {
            "database"
        };
        Failure::new(code, format!("the {}: {message}", self.described))
    }

    /// A failure before `COMMIT`: nothing was written; worth a retry when
    /// the connection was lost or the server asked for one.
    fn before_commit(&self, e: &postgres::Error) -> WriteFailure {
        let retry = match e.code() {
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                Retry::Safe
            }
            _ if connection_lost(e) => Retry::Safe,
            _ => Retry::No,
        };
        WriteFailure::new(self.failure(e), retry)
    }

    /// A failure of `COMMIT` itself: a refusal from the server means
    /// nothing was written; a lost connection leaves the outcome unknown.
    fn at_commit(&self, e: &postgres::Error) -> WriteFailure {
        let mut failure = self.before_commit(e);
        if connection_lost(e) {
            failure.retry = Retry::Unknown;
        }
        failure
    }
}

fn migrate(client: &mut Client, described: &str) -> Result<(), Failure> {
    let db = |e: postgres::Error| {
        let message = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        };
        Failure::new("database", format!("the {described}: {message}"))
    };
    // Read before any change: a schema that is not ours, or newer, is
    // refused untouched.
    let check = |client: &mut Client| -> Result<i64, Failure> {
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), \
                 to_regclass($2) IS NOT NULL",
                &[&SCHEMA, &format!("{SCHEMA}.meta")],
            )
            .map_err(db)?;
        let (schema, meta): (bool, bool) =
            (row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?);
        if !schema {
            return Ok(0);
        }
        let not_ours = || {
            Failure::new(
                "not_a_seat_store",
                format!(
                    "the {described} has a schema {SCHEMA} that is not a licman-seats store; it was not changed"
                ),
            )
        };
        if !meta {
            return Err(not_ours());
        }
        let rows = client
            .query(
                "SELECT key, value FROM licman_seats.meta WHERE key IN ('application', 'schema_version')",
                &[],
            )
            .map_err(db)?;
        let value = |key: &str| {
            rows.iter()
                .find(|r| r.try_get::<_, &str>(0).ok() == Some(key))
                .and_then(|r| r.try_get::<_, String>(1).ok())
        };
        if value("application").as_deref() != Some(APPLICATION) {
            return Err(not_ours());
        }
        let version: i64 = value("schema_version")
            .and_then(|v| v.parse().ok())
            .ok_or_else(not_ours)?;
        if version > SCHEMA_VERSION {
            return Err(Failure::new(
                "schema_too_new",
                format!(
                    "the {described} has schema version {version}, newer than this licman-seats reads ({SCHEMA_VERSION}); upgrade licman-seats. It was not changed"
                ),
            ));
        }
        Ok(version)
    };
    if check(client)? == SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = client.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    // Another process may have migrated while this one waited.
    let exists: bool = tx
        .query_one("SELECT to_regclass('licman_seats.meta') IS NOT NULL", &[])
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
    let version: i64 = if exists {
        tx.query_opt(
            "SELECT value FROM licman_seats.meta WHERE key = 'schema_version'",
            &[],
        )
        .map_err(db)?
        .and_then(|r| r.try_get::<_, String>(0).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
    } else {
        0
    };
    for (from, sql) in MIGRATIONS.iter().enumerate() {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        if version <= from {
            tx.batch_execute(sql).map_err(db)?;
            tx.execute(
                "INSERT INTO licman_seats.meta VALUES ('schema_version', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&(from + 1).to_string()],
            )
            .map_err(db)?;
        }
    }
    tx.commit().map_err(db)?;
    // And the result is what this build reads.
    check(client).map(drop)
}

fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// How many events an incremental read fetches at a time. The `LIMIT`
/// keeps the plan an index scan of the primary key even when the table's
/// statistics are stale (a fresh database that just took 60,000 events
/// was planned as a sequential scan and a sort, 11 ms a write).
const CATCH_UP_BATCH: usize = 500;

/// The events a query selects; a read from a sequence number past the
/// first is fetched in [`CATCH_UP_BATCH`]es.
fn query_rows(
    client: &mut impl postgres::GenericClient,
    query: Query<'_>,
) -> Result<Vec<EventRow>, postgres::Error> {
    match query {
        Query::From(from) if from > 1 => {
            let mut rows = Vec::new();
            let mut next = from;
            loop {
                let batch = query_once(client, Query::From(next), Some(CATCH_UP_BATCH))?;
                let n = batch.len();
                if let Some(last) = batch.last() {
                    next = u64::try_from(last.seq)
                        .unwrap_or(u64::MAX)
                        .saturating_add(1);
                }
                rows.extend(batch);
                if n < CATCH_UP_BATCH {
                    return Ok(rows);
                }
            }
        }
        _ => query_once(client, query, None),
    }
}

/// A query's values as PostgreSQL parameters.
fn bind(values: Vec<SqlValue>) -> Vec<Box<dyn ToSql + Sync>> {
    values
        .into_iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                SqlValue::Text(s) => Box::new(s),
                SqlValue::Int(i) => Box::new(i),
            }
        })
        .collect()
}

fn query_once(
    client: &mut impl postgres::GenericClient,
    query: Query<'_>,
    limit: Option<usize>,
) -> Result<Vec<EventRow>, postgres::Error> {
    let (filter, values) = query.to_sql(placeholder);
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM licman_seats.events {filter}{}{limit}",
        query.order()
    );
    let bound = bind(values);
    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
    let rows = client.query(&sql, &refs)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(EventRow {
            seq: row.try_get(0)?,
            recorded_at: row.try_get(1)?,
            effective_at: row.try_get(2)?,
            actor: row.try_get(3)?,
            action: row.try_get(4)?,
            pool_id: row.try_get(5)?,
            user_id: row.try_get(6)?,
            assignment_id: row.try_get(7)?,
            details: row.try_get(8)?,
            prev_hash: row.try_get(9)?,
            hash: row.try_get(10)?,
        });
    }
    Ok(out)
}

/// The clock and the newer events from the write's first round trip (two
/// statements, their rows as text).
fn turn_of(messages: Vec<SimpleQueryMessage>) -> Result<(Timestamp, Vec<EventRow>), Failure> {
    let damaged = |what: &str| Failure::new("database", format!("the write lock's answer: {what}"));
    let mut statement = 0;
    let mut now = None;
    let mut rows = Vec::new();
    for message in messages {
        match message {
            SimpleQueryMessage::CommandComplete(_) => statement += 1,
            SimpleQueryMessage::Row(row) if statement == 0 => {
                now = row.get(0).and_then(|t| t.parse::<u64>().ok());
            }
            SimpleQueryMessage::Row(row) => {
                let text = |i: usize| row.get(i).map(str::to_string);
                let int = |i: usize| -> Result<i64, Failure> {
                    row.get(i)
                        .and_then(|t| t.parse().ok())
                        .ok_or_else(|| damaged("a number column is not a number"))
                };
                let required =
                    |i: usize| text(i).ok_or_else(|| damaged("a required column is null"));
                rows.push(EventRow {
                    seq: int(0)?,
                    recorded_at: int(1)?,
                    effective_at: int(2)?,
                    actor: required(3)?,
                    action: required(4)?,
                    pool_id: text(5),
                    user_id: text(6),
                    assignment_id: text(7),
                    details: required(8)?,
                    prev_hash: required(9)?,
                    hash: required(10)?,
                });
            }
            _ => {}
        }
    }
    let now = now.ok_or_else(|| damaged("no head row (was licman_seats.head emptied?)"))?;
    Ok((Timestamp::from_unix_seconds(now), rows))
}

/// Decodes rows after the query, so that a damaged row is reported as one
/// (`audit_broken`) and not as a database error.
fn decode(rows: Vec<EventRow>) -> Result<Vec<StoredEvent>, Failure> {
    rows.into_iter().map(EventRow::decode).collect()
}

fn query_secrets(
    client: &mut impl postgres::GenericClient,
    pool: Option<&PoolId>,
) -> Result<Vec<(String, String, Vec<u8>)>, postgres::Error> {
    let rows = match pool {
        Some(p) => client.query(
            "SELECT pool_id, key_id, sealed FROM licman_seats.pool_secrets WHERE pool_id = $1",
            &[&p.as_str()],
        )?,
        None => client.query(
            "SELECT pool_id, key_id, sealed FROM licman_seats.pool_secrets ORDER BY pool_id",
            &[],
        )?,
    };
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

fn decode_secrets(
    rows: Vec<(String, String, Vec<u8>)>,
) -> Result<Vec<(PoolId, SealedSecret)>, Failure> {
    rows.into_iter()
        .map(|(pool, key_id, sealed)| {
            let pool = PoolId::new(&pool)
                .map_err(|_| Failure::new("database", format!("a secret names pool {pool:?}")))?;
            Ok((pool, SealedSecret::from_parts(key_id, sealed)?))
        })
        .collect()
}

impl Backend for PgBackend {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn count(&mut self, filter: &EventFilter) -> Result<u64, Failure> {
        let (clause, values) = filter.to_sql(placeholder);
        let bound = bind(values);
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        let mut conn = self.connection().map_err(|w| *w.failure)?;
        let row = conn
            .query_one(
                &format!("SELECT count(*) FROM licman_seats.events {clause}"),
                &refs,
            )
            .map_err(|e| self.failure(&e))?;
        let n: i64 = row.try_get(0).map_err(|e| self.failure(&e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn read(&mut self, query: Query<'_>) -> Result<Vec<StoredEvent>, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .connection()
                .map_err(|w| *w.failure)
                .and_then(|mut conn| query_rows(&mut *conn, query).map_err(|e| self.failure(&e)));
            match result {
                Ok(rows) => return decode(rows),
                // A connection lost mid-read is tried again; the pool's own
                // timeout (cannot connect) is not.
                Err(f)
                    if f.code == "database_unreachable"
                        && !f.message.contains("cannot connect")
                        && attempt < crate::store::WRITE_ATTEMPTS =>
                {
                    std::thread::sleep(Duration::from_millis(20 << attempt));
                }
                Err(f) => return Err(f),
            }
        }
    }

    fn write(
        &mut self,
        from: u64,
        with_secrets: bool,
        body: &mut dyn FnMut(Turn) -> Result<Writes, Failure>,
    ) -> Result<(), WriteFailure> {
        let mut conn = self.connection()?;
        // READ COMMITTED whatever the database's default: each statement
        // sees what was committed before it, so the events read after the
        // lock are every event committed before it.
        let mut tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(|e| self.before_commit(&e))?;
        // One round trip: the write lock, the server's clock (read once the
        // turn is this writer's, so events are in time order too), and the
        // events appended since `from`.
        let sql = format!(
            "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint \
             FROM licman_seats.head WHERE id = 1 FOR UPDATE; \
             SELECT {EVENT_COLUMNS} FROM licman_seats.events WHERE seq >= {} \
             ORDER BY seq LIMIT {CATCH_UP_BATCH}",
            i64::try_from(from).unwrap_or(i64::MAX)
        );
        let messages = tx.simple_query(&sql).map_err(|e| self.before_commit(&e))?;
        let (now, mut newer) = turn_of(messages)?;
        if newer.len() == CATCH_UP_BATCH {
            let after = newer.last().map_or(from, |r| {
                u64::try_from(r.seq).unwrap_or(u64::MAX).saturating_add(1)
            });
            newer.extend(
                query_rows(&mut tx, Query::From(after)).map_err(|e| self.before_commit(&e))?,
            );
        }
        let newer = decode(newer)?;
        let secrets = if with_secrets {
            decode_secrets(query_secrets(&mut tx, None).map_err(|e| self.before_commit(&e))?)?
        } else {
            Vec::new()
        };
        let writes = body(Turn {
            newer,
            now,
            secrets,
        })?;
        if !writes.events.is_empty() {
            let rows: Vec<EventRow> = writes
                .events
                .iter()
                .map(EventRow::of)
                .collect::<Result<_, _>>()?;
            // One statement for every event of the command (a bulk assign
            // is a thousand): the columns as arrays, unnested.
            let seq: Vec<i64> = rows.iter().map(|r| r.seq).collect();
            let recorded_at: Vec<i64> = rows.iter().map(|r| r.recorded_at).collect();
            let effective_at: Vec<i64> = rows.iter().map(|r| r.effective_at).collect();
            let actor: Vec<&str> = rows.iter().map(|r| r.actor.as_str()).collect();
            let action: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
            let pool_id: Vec<Option<&str>> = rows.iter().map(|r| r.pool_id.as_deref()).collect();
            let user_id: Vec<Option<&str>> = rows.iter().map(|r| r.user_id.as_deref()).collect();
            let assignment_id: Vec<Option<&str>> =
                rows.iter().map(|r| r.assignment_id.as_deref()).collect();
            let details: Vec<&str> = rows.iter().map(|r| r.details.as_str()).collect();
            let prev_hash: Vec<&str> = rows.iter().map(|r| r.prev_hash.as_str()).collect();
            let hash: Vec<&str> = rows.iter().map(|r| r.hash.as_str()).collect();
            // The head moves with the events, in the same statement.
            let (next_seq, last_hash) =
                crate::store::head_after(&writes.events).unwrap_or_default();
            tx.execute_typed(
                &format!(
                    "WITH appended AS (INSERT INTO licman_seats.events ({EVENT_COLUMNS}) \
                     SELECT * FROM unnest(\
                     $1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])) \
                     UPDATE licman_seats.head SET next_seq = $12, last_hash = $13 WHERE id = 1"
                ),
                &[
                    (&seq, Type::INT8_ARRAY),
                    (&recorded_at, Type::INT8_ARRAY),
                    (&effective_at, Type::INT8_ARRAY),
                    (&actor, Type::TEXT_ARRAY),
                    (&action, Type::TEXT_ARRAY),
                    (&pool_id, Type::TEXT_ARRAY),
                    (&user_id, Type::TEXT_ARRAY),
                    (&assignment_id, Type::TEXT_ARRAY),
                    (&details, Type::TEXT_ARRAY),
                    (&prev_hash, Type::TEXT_ARRAY),
                    (&hash, Type::TEXT_ARRAY),
                    (&next_seq, Type::INT8),
                    (&last_hash, Type::TEXT),
                ],
            )
            .map_err(|e| self.before_commit(&e))?;
        }
        for s in &writes.secrets {
            match s {
                SecretWrite::Put { pool, sealed } => tx.execute(
                    "INSERT INTO licman_seats.pool_secrets (pool_id, key_id, sealed) \
                     VALUES ($1, $2, $3) ON CONFLICT (pool_id) DO UPDATE \
                     SET key_id = excluded.key_id, sealed = excluded.sealed",
                    &[&pool.as_str(), &sealed.key_id(), &sealed.to_bytes()],
                ),
                SecretWrite::Remove { pool } => tx.execute(
                    "DELETE FROM licman_seats.pool_secrets WHERE pool_id = $1",
                    &[&pool.as_str()],
                ),
            }
            .map_err(|e| self.before_commit(&e))?;
        }
        tx.commit().map_err(|e| self.at_commit(&e))
    }

    fn trail_and_head(&mut self) -> Result<(Vec<StoredEvent>, ChainHead), Failure> {
        let mut conn = self.connection().map_err(|w| *w.failure)?;
        // One snapshot for both reads.
        let mut tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| self.failure(&e))?;
        let rows = query_rows(&mut tx, Query::From(1)).map_err(|e| self.failure(&e))?;
        let row = tx
            .query_opt(
                "SELECT next_seq, last_hash FROM licman_seats.head WHERE id = 1",
                &[],
            )
            .map_err(|e| self.failure(&e))?
            .ok_or_else(|| {
                Failure::new(
                    "audit_broken",
                    "the trail's head row is missing (was licman_seats.head emptied?)",
                )
            })?;
        let next_seq: i64 = row.try_get(0).map_err(|e| self.failure(&e))?;
        let last_hash: String = row.try_get(1).map_err(|e| self.failure(&e))?;
        tx.commit().map_err(|e| self.failure(&e))?;
        Ok((decode(rows)?, crate::store::head_of(next_seq, &last_hash)?))
    }

    fn now(&mut self) -> Result<Timestamp, Failure> {
        let mut conn = self.connection().map_err(|w| *w.failure)?;
        let row = conn
            .query_one(
                "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint",
                &[],
            )
            .map_err(|e| self.failure(&e))?;
        let secs: i64 = row.try_get(0).map_err(|e| self.failure(&e))?;
        Ok(Timestamp::from_unix_seconds(
            u64::try_from(secs).unwrap_or(0),
        ))
    }

    fn secret(&mut self, pool: &PoolId) -> Result<Option<SealedSecret>, Failure> {
        let mut conn = self.connection().map_err(|w| *w.failure)?;
        let rows = query_secrets(&mut *conn, Some(pool)).map_err(|e| self.failure(&e))?;
        Ok(decode_secrets(rows)?.into_iter().next().map(|(_, s)| s))
    }
}

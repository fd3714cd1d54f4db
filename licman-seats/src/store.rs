//! The seat store: an append-only trail of the engine's sealed events, and
//! the state they rebuild, on SQLite ([`crate::sqlite`]) or PostgreSQL
//! ([`crate::postgres`]).
//!
//! Every command is one write transaction. It takes the store's write lock
//! (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a `FOR UPDATE` lock on the
//! trail's one head row), reads the events other writers appended since
//! this process last looked, asks the engine (which refuses or seals new
//! events), and appends what it sealed. The lock is the trail's head, not a
//! pool's row: every event links to the one before it, so writers take
//! turns on the chain whatever they touch, and a lock on the head orders
//! every writer the same way (no deadlock is possible). No seat rule is
//! written in SQL: the engine decides, on the newest state.
//!
//! A write that fails in a way worth trying again (a PostgreSQL
//! serialization failure or deadlock, a connection lost before `COMMIT`)
//! is retried a bounded number of times; one whose `COMMIT` was sent but not
//! answered is settled by reading the trail back: the chain says whether
//! its events are there.

use std::fmt;
use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::{
    AssignmentId, ChainHead, Change, Command, Context, Event, PoolId, Recorded, SeatEngine,
    SeatState, UserId,
};

use crate::error::Failure;
use crate::secrets::{SealedSecret, SecretWrite};

/// The schema version this build writes and reads, on both backends.
pub const SCHEMA_VERSION: i64 = 2;

/// How many times a write is tried when it fails in a way worth retrying.
pub const WRITE_ATTEMPTS: u32 = 5;

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

/// A value bound into a backend's query.
#[derive(Clone, Debug)]
pub(crate) enum SqlValue {
    Text(String),
    Int(i64),
}

impl EventFilter {
    /// The `WHERE` clause (empty for no filter) and its values, with the
    /// backend's placeholder for the n-th value (1-based).
    pub(crate) fn to_sql(&self, placeholder: fn(usize) -> String) -> (String, Vec<SqlValue>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        let mut push = |column: &str, op: &str, value: SqlValue| {
            values.push(value);
            clauses.push(format!("{column} {op} {}", placeholder(values.len())));
        };
        if let Some(p) = &self.pool {
            push("pool_id", "=", SqlValue::Text(p.as_str().into()));
        }
        if let Some(u) = &self.user {
            push("user_id", "=", SqlValue::Text(u.as_str().into()));
        }
        if let Some(a) = &self.action {
            push("action", "=", SqlValue::Text(a.clone()));
        }
        if let Some(t) = self.from {
            push("recorded_at", ">=", SqlValue::Int(secs(t)));
        }
        if let Some(t) = self.to {
            push("recorded_at", "<", SqlValue::Int(secs(t)));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (sql, values)
    }
}

/// A page of a filtered trail, read in the database: `limit` events after
/// the first `offset`, oldest or newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventPage {
    /// How many to skip.
    pub offset: usize,
    /// How many at most.
    pub limit: usize,
    /// Newest first (descending sequence numbers).
    pub newest_first: bool,
}

/// Which events a backend reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Query<'a> {
    /// Every event from this sequence number on.
    From(u64),
    /// The events a filter selects.
    Filter(&'a EventFilter),
    /// A page of them.
    Page(&'a EventFilter, EventPage),
}

impl Query<'_> {
    pub(crate) fn to_sql(self, placeholder: fn(usize) -> String) -> (String, Vec<SqlValue>) {
        match self {
            Query::From(seq) => (
                format!("WHERE seq >= {}", placeholder(1)),
                vec![SqlValue::Int(i64::try_from(seq).unwrap_or(i64::MAX))],
            ),
            Query::Filter(f) | Query::Page(f, _) => f.to_sql(placeholder),
        }
    }

    /// The `ORDER BY` (and, for a page, `LIMIT` and `OFFSET`) that follow
    /// the `WHERE` clause.
    pub(crate) fn order(self) -> String {
        match self {
            Query::From(_) | Query::Filter(_) => " ORDER BY seq".into(),
            Query::Page(_, page) => {
                let bound = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
                format!(
                    " ORDER BY seq {} LIMIT {} OFFSET {}",
                    if page.newest_first { "DESC" } else { "ASC" },
                    bound(page.limit),
                    bound(page.offset)
                )
            }
        }
    }
}

/// What a write transaction sees once it holds the lock.
#[derive(Debug)]
pub(crate) struct Turn {
    /// The events appended since the caller last looked.
    pub newer: Vec<StoredEvent>,
    /// The store's clock (the database server's, on PostgreSQL).
    pub now: Timestamp,
    /// Every pool's sealed secret, when the write asked for them.
    pub secrets: Vec<(PoolId, SealedSecret)>,
}

/// What a write transaction appends and changes.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    /// The events to append, in order.
    pub events: Vec<Event>,
    /// The secrets to put or remove.
    pub secrets: Vec<SecretWrite>,
}

/// Whether a failed write may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// No: the failure is final (a refusal, a damaged row, a full disk).
    No,
    /// Yes: nothing was written (a serialization failure, a deadlock, a
    /// connection lost before `COMMIT`).
    Safe,
    /// `COMMIT` was sent and not answered: read the trail to learn whether
    /// it landed.
    Unknown,
}

/// A failed write and whether it may be tried again.
#[derive(Debug)]
pub(crate) struct WriteFailure {
    pub failure: Box<Failure>,
    pub retry: Retry,
}

impl WriteFailure {
    pub(crate) fn fatal(failure: Failure) -> WriteFailure {
        WriteFailure::new(failure, Retry::No)
    }

    pub(crate) fn new(failure: Failure, retry: Retry) -> WriteFailure {
        WriteFailure {
            failure: Box::new(failure),
            retry,
        }
    }
}

impl From<Failure> for WriteFailure {
    fn from(failure: Failure) -> WriteFailure {
        WriteFailure::fatal(failure)
    }
}

/// A database that keeps the trail.
pub(crate) trait Backend: fmt::Debug + Send {
    /// Where the store is, for messages (a file, or a server and database).
    fn describe(&self) -> String;
    /// Reads events, in the query's order (oldest first but for a page
    /// asked newest first).
    fn read(&mut self, query: Query<'_>) -> Result<Vec<StoredEvent>, Failure>;
    /// How many events a filter selects.
    fn count(&mut self, filter: &EventFilter) -> Result<u64, Failure>;
    /// One write transaction: takes the write lock, reads the events from
    /// `from` on (and the secrets, if asked), lets `body` decide, and
    /// appends and changes what it returns, all or nothing.
    fn write(
        &mut self,
        from: u64,
        with_secrets: bool,
        body: &mut dyn FnMut(Turn) -> Result<Writes, Failure>,
    ) -> Result<(), WriteFailure>;
    /// One pool's sealed secret, outside a write (for tests and tools; a
    /// read a person sees goes through `pool secret`, which records it).
    fn secret(&mut self, pool: &PoolId) -> Result<Option<SealedSecret>, Failure>;
    /// The whole trail and the head every write records with its events
    /// (the next sequence number and the last hash: where the trail must
    /// end), read in one snapshot (no write lands between the two reads).
    fn trail_and_head(&mut self) -> Result<(Vec<StoredEvent>, ChainHead), Failure>;
    /// The store's clock: the database server's on PostgreSQL, so that
    /// what a command shows (a lease's status, a plan) agrees with what its
    /// writes record.
    fn now(&mut self) -> Result<Timestamp, Failure> {
        Ok(crate::time::now())
    }
}

/// What a write decided: a value for the caller, and what to append.
pub(crate) struct Decided<R> {
    pub value: R,
    pub events: Vec<Event>,
    pub secrets: Vec<SecretWrite>,
}

/// A write's decision: on the engine caught up inside the transaction, at
/// its context, with the pools' sealed secrets when asked for.
pub(crate) type Decide<'b, R> = dyn FnMut(&mut SeatEngine, &Context<'_>, &[(PoolId, SealedSecret)]) -> Result<Decided<R>, Failure>
    + 'b;

/// A seat store.
#[derive(Debug)]
pub struct Store {
    backend: Box<dyn Backend>,
    engine: SeatEngine,
}

impl Store {
    /// Opens the store `location` names: a `postgres://` or
    /// `postgresql://` URL, else a SQLite file path (created, mode 0600, if
    /// missing). Reads the trail into the state.
    pub fn open(location: &str) -> Result<Store, Failure> {
        Store::with_backend(backend(location)?)
    }

    /// Verifies the trail of the store `location` names on a connection of
    /// its own ([`Store::verify`]), without reading it into a state first:
    /// what a server does now and then while its own store serves on.
    pub fn verify_at(location: &str) -> Result<u64, Failure> {
        verify_trail(&mut *backend(location)?)
    }

    fn with_backend(backend: Box<dyn Backend>) -> Result<Store, Failure> {
        let mut store = Store {
            backend,
            engine: SeatEngine::new(),
        };
        store.catch_up()?;
        Ok(store)
    }

    /// The store's clock (the database server's, on PostgreSQL).
    pub fn now(&mut self) -> Result<Timestamp, Failure> {
        self.backend.now()
    }

    /// Where the store is, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
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
        let events = self
            .backend
            .read(Query::From(self.engine.head().next_seq))?;
        let events: Vec<Event> = events.into_iter().map(|e| e.event).collect();
        self.engine.replay_onto(&events)?;
        Ok(())
    }

    /// Runs a command in one write transaction: reads what other writers
    /// added, asks the engine (at `at`, or the store's clock), and appends
    /// the events it sealed. A refusal writes nothing.
    pub fn run(
        &mut self,
        command: &Command,
        actor: &str,
        at: Option<Timestamp>,
    ) -> Result<Recorded, Failure> {
        self.transact(actor, at, false, &mut |engine, cx, _| {
            let recorded = engine.run(command, cx)?;
            // A deleted pool's secret goes with it.
            let secrets = recorded
                .outcome
                .changes
                .iter()
                .filter_map(|c| match c {
                    Change::PoolDeleted { pool } => {
                        Some(SecretWrite::Remove { pool: pool.clone() })
                    }
                    _ => None,
                })
                .collect();
            Ok(Decided {
                events: recorded.events.clone(),
                value: recorded,
                secrets,
            })
        })
    }

    /// Runs commands in one write transaction, all or nothing: the first
    /// refusal refuses the whole batch (its message names the command's
    /// place, from 1) and writes nothing.
    ///
    /// ```no_run
    /// use licman_seats::store::Store;
    /// use licman_core::seats::{Command, UserId};
    /// let mut store = Store::open("licman-seats.db")?;
    /// let users: Vec<Command> = ["ada", "bob"].iter().map(|id| Command::CreateUser {
    ///     id: UserId::new(id).unwrap(), email: format!("{id}@example.com"), active: true,
    ///     lifecycle: "active".into(), last_activity: None }).collect();
    /// assert_eq!(store.run_all(&users, "importer", None)?.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_all(
        &mut self,
        commands: &[Command],
        actor: &str,
        at: Option<Timestamp>,
    ) -> Result<Vec<Recorded>, Failure> {
        self.transact(actor, at, false, &mut |engine, cx, _| {
            let mut events = Vec::new();
            let mut done = Vec::with_capacity(commands.len());
            let mut secrets = Vec::new();
            for (i, command) in commands.iter().enumerate() {
                let recorded = engine.run(command, cx).map_err(|refusal| {
                    let message = format!("command {}: {refusal}; nothing was written", i + 1);
                    Failure::from(refusal).with_message(message)
                })?;
                for change in &recorded.outcome.changes {
                    if let Change::PoolDeleted { pool } = change {
                        secrets.push(SecretWrite::Remove { pool: pool.clone() });
                    }
                }
                events.extend(recorded.events.iter().cloned());
                done.push(recorded);
            }
            Ok(Decided {
                value: done,
                events,
                secrets,
            })
        })
    }

    /// Runs independent commands, each with its own actor and time, in one
    /// write transaction: each is decided on the state the ones before it
    /// left, and each gets its own answer (a refusal of one changes
    /// nothing and does not stop the others). One commit for all of them:
    /// this is how [`crate::shared::SharedStore`] groups the commits of
    /// concurrent callers. The outer error is the transaction's own.
    pub fn run_each(
        &mut self,
        jobs: &[(Command, String, Option<Timestamp>)],
    ) -> Result<Vec<Result<Recorded, Failure>>, Failure> {
        self.transact("", None, false, &mut |engine, cx, _| {
            let mut events = Vec::new();
            let mut secrets = Vec::new();
            let mut answers = Vec::with_capacity(jobs.len());
            for (command, actor, at) in jobs {
                let job_cx =
                    Context::new(at.unwrap_or(cx.recorded_at), actor).recorded_at(cx.recorded_at);
                match engine.run(command, &job_cx) {
                    Ok(recorded) => {
                        for change in &recorded.outcome.changes {
                            if let Change::PoolDeleted { pool } = change {
                                secrets.push(SecretWrite::Remove { pool: pool.clone() });
                            }
                        }
                        events.extend(recorded.events.iter().cloned());
                        answers.push(Ok(recorded));
                    }
                    Err(refusal) => answers.push(Err(Failure::from(refusal))),
                }
            }
            Ok(Decided {
                value: answers,
                events,
                secrets,
            })
        })
    }

    /// Records a host event (an export, a secret read) in the trail.
    pub fn record(
        &mut self,
        action: &str,
        pool: Option<&PoolId>,
        details: &str,
        actor: &str,
    ) -> Result<Event, Failure> {
        self.transact(actor, None, false, &mut |engine, cx, _| {
            let event = engine.record(action, pool.cloned(), details, cx)?;
            Ok(Decided {
                events: vec![event.clone()],
                value: event,
                secrets: Vec::new(),
            })
        })
    }

    /// The one write path: `body` decides on the engine (caught up inside
    /// the transaction) and returns what to append; a retryable failure
    /// rebuilds the engine from the trail and tries again.
    pub(crate) fn transact<R>(
        &mut self,
        actor: &str,
        at: Option<Timestamp>,
        with_secrets: bool,
        body: &mut Decide<'_, R>,
    ) -> Result<R, Failure> {
        let mut attempt = 0;
        // A write whose COMMIT went unanswered: its first event and what it
        // decided. The next turn, under the lock, tells whether it landed.
        let mut pending: Option<((u64, [u8; 32]), R)> = None;
        loop {
            attempt += 1;
            let from = self.engine.head().next_seq;
            let mut value = None;
            let mut first_sealed: Option<(u64, [u8; 32])> = None;
            let mut landed = false;
            // The head once caught up: a body that fails without moving it
            // (a refusal) changed nothing.
            let mut decided_on: Option<u64> = None;
            let engine = &mut self.engine;
            let pending_event = pending.as_ref().map(|(event, _)| *event);
            let mut step = |turn: Turn| -> Result<Writes, Failure> {
                let newer: Vec<Event> = turn.newer.into_iter().map(|e| e.event).collect();
                if let Some((seq, hash)) = pending_event {
                    if newer.iter().any(|e| e.seq == seq && e.hash == hash) {
                        // The unanswered commit landed: apply it as any
                        // other newer event and write nothing more.
                        engine.replay_onto(&newer)?;
                        landed = true;
                        return Ok(Writes::default());
                    }
                }
                engine.replay_onto(&newer)?;
                let cx = Context::new(at.unwrap_or(turn.now), actor).recorded_at(turn.now);
                decided_on = Some(engine.head().next_seq);
                let decided = body(engine, &cx, &turn.secrets)?;
                first_sealed = decided.events.first().map(|e| (e.seq, e.hash));
                value = Some(decided.value);
                Ok(Writes {
                    events: decided.events,
                    secrets: decided.secrets,
                })
            };
            let result = self.backend.write(from, with_secrets, &mut step);
            match result {
                Ok(()) if landed => {
                    return pending.map(|(_, v)| v).ok_or_else(|| {
                        Failure::new("database", "a settled write has no decision")
                    });
                }
                Ok(()) => {
                    return value.ok_or_else(|| {
                        Failure::new("database", "a write committed without deciding")
                    });
                }
                Err(WriteFailure { failure, retry }) => {
                    let failure = *failure;
                    // What the engine applied is not in the trail (or not
                    // known to be): rebuild it from the trail. A write that
                    // failed before its body ran, or whose body refused
                    // without applying anything, changed nothing (the newer
                    // events it applied are committed ones).
                    let untouched = match decided_on {
                        None => true,
                        Some(head) => value.is_none() && self.engine.head().next_seq == head,
                    };
                    if !untouched {
                        self.reload().map_err(|reload| {
                            let message = format!(
                                "{}; and the trail could not be read again: {}",
                                failure.message, reload.message
                            );
                            failure.clone().with_message(message)
                        })?;
                    }
                    if retry == Retry::Unknown {
                        if let (Some(event), Some(v)) = (first_sealed, value) {
                            // Seen now (the reload may have read it too):
                            // it landed. Not seen: the next turn, under the
                            // lock, sees it if it landed after all.
                            let (seq, hash) = event;
                            let seen = self.backend.read(Query::From(seq)).is_ok_and(|read| {
                                read.first()
                                    .is_some_and(|e| e.event.seq == seq && e.event.hash == hash)
                            });
                            if seen {
                                return Ok(v);
                            }
                            pending = Some((event, v));
                        }
                    }
                    if retry == Retry::No || attempt >= WRITE_ATTEMPTS {
                        if pending.is_some() {
                            let message = format!(
                                "{}; an earlier attempt's COMMIT was sent but not answered, so \
                                 it may have landed: look at the audit trail before trying again",
                                failure.message
                            );
                            return Err(failure.with_message(message));
                        }
                        return Err(failure);
                    }
                    std::thread::sleep(Duration::from_millis(20 << attempt.min(6)));
                }
            }
        }
    }

    fn reload(&mut self) -> Result<(), Failure> {
        self.engine = SeatEngine::new();
        self.catch_up()
    }

    /// The trail's events from sequence number `seq` on, oldest first.
    pub fn events_since(&mut self, seq: u64) -> Result<Vec<StoredEvent>, Failure> {
        self.backend.read(Query::From(seq))
    }

    /// A page of the events a filter selects, read in the database (not the
    /// whole list), and how many it selects in all.
    pub fn events_page(
        &mut self,
        filter: &EventFilter,
        page: EventPage,
    ) -> Result<(Vec<StoredEvent>, u64), Failure> {
        let total = self.backend.count(filter)?;
        let events = self.backend.read(Query::Page(filter, page))?;
        Ok((events, total))
    }

    /// The trail's events, oldest first, filtered.
    pub fn events(&mut self, filter: &EventFilter) -> Result<Vec<StoredEvent>, Failure> {
        self.backend.read(Query::Filter(filter))
    }

    /// Replays the whole trail from its rows, recomputing every hash from
    /// the fields the trail shows: the first edited, removed or reordered
    /// event fails it, by number. Returns the number of events.
    pub fn verify(&mut self) -> Result<u64, Failure> {
        verify_trail(&mut *self.backend)
    }

    /// One pool's sealed secret as stored, without recording a read (the
    /// ciphertext only; for tests and tools).
    pub fn sealed_secret(&mut self, pool: &PoolId) -> Result<Option<SealedSecret>, Failure> {
        self.backend.secret(pool)
    }
}

/// The backend `location` names: a `postgres://` or `postgresql://` URL,
/// else a SQLite file path.
fn backend(location: &str) -> Result<Box<dyn Backend>, Failure> {
    if !crate::postgres::is_url(location) && location.contains("://") {
        // Not repeated: a URL may hold a password.
        return Err(Failure::invalid(
            "the --db URL is not postgres:// or postgresql:// (a SQLite store is a file path)",
        ));
    }
    Ok(if crate::postgres::is_url(location) {
        Box::new(crate::postgres::PgBackend::open(location)?)
    } else {
        Box::new(crate::sqlite::SqliteBackend::open(std::path::Path::new(
            location,
        ))?)
    })
}

/// Replays a whole trail from its rows ([`Store::verify`]).
fn verify_trail(backend: &mut dyn Backend) -> Result<u64, Failure> {
    // The trail and the head of one snapshot: the trail must end exactly
    // there.
    let (events, head) = backend.trail_and_head()?;
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
    // A trail cut short (its last events deleted) ends before the head;
    // events added after it, or a head written by hand, do not match it.
    let engine = SeatEngine::replay_to(&events, head)?;
    Ok(engine.head().next_seq.saturating_sub(1))
}

/// The head row's columns as a [`ChainHead`].
pub(crate) fn head_of(next_seq: i64, last_hash: &str) -> Result<ChainHead, Failure> {
    let damaged = |what: &str| {
        Failure::new(
            "audit_broken",
            format!("the trail's head row is damaged: {what}"),
        )
    };
    Ok(ChainHead {
        next_seq: u64::try_from(next_seq)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| damaged("its next sequence number is not positive"))?,
        last_hash: crate::hex::decode32(last_hash)
            .filter(|h| crate::hex::encode(h) == last_hash)
            .ok_or_else(|| damaged("its last hash is not 64 lower-case hex digits"))?,
    })
}

/// The head after `events` (appended in order): what a write records.
pub(crate) fn head_after(events: &[Event]) -> Option<(i64, String)> {
    events.last().map(|e| {
        (
            i64::try_from(e.seq.saturating_add(1)).unwrap_or(i64::MAX),
            crate::hex::encode(&e.hash),
        )
    })
}

/// Seconds since the epoch as a database integer.
pub(crate) fn secs(t: Timestamp) -> i64 {
    i64::try_from(t.unix_seconds()).unwrap_or(i64::MAX)
}

/// A stored row that does not decode: the trail was edited or damaged.
pub(crate) fn bad_row(seq: i64, what: &str) -> Failure {
    Failure::new(
        "audit_broken",
        format!("event {seq} of the trail is damaged: {what}"),
    )
}

/// An event as the columns of the `events` table, the same on both
/// backends: `seq, recorded_at, effective_at, actor, action, pool_id,
/// user_id, assignment_id, details, prev_hash, hash`.
#[derive(Clone, Debug)]
pub(crate) struct EventRow {
    pub seq: i64,
    pub recorded_at: i64,
    pub effective_at: i64,
    pub actor: String,
    pub action: String,
    pub pool_id: Option<String>,
    pub user_id: Option<String>,
    pub assignment_id: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The columns, in order, for `SELECT` and `INSERT`.
pub(crate) const EVENT_COLUMNS: &str = "seq, recorded_at, effective_at, actor, action, pool_id, \
     user_id, assignment_id, details, prev_hash, hash";

impl EventRow {
    pub(crate) fn of(e: &Event) -> Result<EventRow, Failure> {
        Ok(EventRow {
            seq: i64::try_from(e.seq).unwrap_or(i64::MAX),
            recorded_at: secs(e.recorded_at),
            effective_at: secs(e.effective_at),
            actor: e.actor.clone(),
            action: e.action().into(),
            pool_id: e.pool.as_ref().map(|p| p.as_str().into()),
            user_id: e.user.as_ref().map(|u| u.as_str().into()),
            assignment_id: e.assignment.as_ref().map(|a| a.as_str().into()),
            details: serde_json::to_string(&e.change)
                .map_err(|err| Failure::new("database", format!("cannot encode: {err}")))?,
            prev_hash: crate::hex::encode(&e.prev_hash),
            hash: crate::hex::encode(&e.hash),
        })
    }

    pub(crate) fn decode(self) -> Result<StoredEvent, Failure> {
        let seq = self.seq;
        let time = |v: i64| -> Result<Timestamp, Failure> {
            u64::try_from(v)
                .map(Timestamp::from_unix_seconds)
                .map_err(|_| bad_row(seq, "a negative time"))
        };
        let change: Change = serde_json::from_str(&self.details)
            .map_err(|e| bad_row(seq, &format!("its details do not decode ({e})")))?;
        let event = Event {
            seq: u64::try_from(seq).map_err(|_| bad_row(seq, "a negative number"))?,
            recorded_at: time(self.recorded_at)?,
            effective_at: time(self.effective_at)?,
            actor: self.actor,
            pool: self
                .pool_id
                .map(|p| PoolId::new(&p))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid pool id"))?,
            user: self
                .user_id
                .map(|u| UserId::new(&u))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid user id"))?,
            assignment: self
                .assignment_id
                .map(|a| AssignmentId::new(&a))
                .transpose()
                .map_err(|_| bad_row(seq, "an invalid assignment id"))?,
            change,
            // Lower case only, as written: another spelling is an edit.
            prev_hash: crate::hex::decode32(&self.prev_hash)
                .filter(|h| crate::hex::encode(h) == self.prev_hash)
                .ok_or_else(|| bad_row(seq, "its previous hash is not 64 lower-case hex digits"))?,
            hash: crate::hex::decode32(&self.hash)
                .filter(|h| crate::hex::encode(h) == self.hash)
                .ok_or_else(|| bad_row(seq, "its hash is not 64 lower-case hex digits"))?,
        };
        Ok(StoredEvent {
            event,
            action: self.action,
        })
    }
}

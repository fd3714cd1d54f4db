//! The audit trail: every change as an event, hash-chained, and the engine
//! that seals its changes into events and rebuilds its state from them.
//!
//! Each event's hash is `SHA-256(AUDIT_DOMAIN ‖ previous hash ‖ body)`,
//! where the body is the postcard encoding of
//! `(version, seq, recorded_at, effective_at, actor, pool, user,
//! assignment, change)`; the first event's previous hash is 32 zero bytes.
//! An edited event fails its own hash, a removed or reordered one breaks
//! the sequence or the link, and a cut-off tail shows against the head the
//! store keeps.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::seats::change::Change;
use crate::seats::command::Command;
use crate::seats::engine::Outcome;
use crate::seats::ids::{AssignmentId, PoolId, UserId};
use crate::seats::refusal::Refusal;
use crate::seats::state::SeatState;
use crate::time::Timestamp;

/// The domain separator hashed before every event.
pub const AUDIT_DOMAIN: &[u8] = b"licman-seats/audit-event/v1\0";
/// The body version this engine writes and reads.
pub const AUDIT_VERSION: u8 = 1;
/// The largest encoded event, in bytes.
pub const MAX_EVENT_LEN: usize = 64 * 1024;

/// One audit event: a change with who made it, when, and its place in the
/// chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its position: 1 for the first event, then one more each.
    pub seq: u64,
    /// The wall-clock time it was recorded.
    pub recorded_at: Timestamp,
    /// The time the command was evaluated at (differs from `recorded_at`
    /// for dry runs and backfills).
    pub effective_at: Timestamp,
    /// Who acted.
    pub actor: String,
    /// The pool it concerns, if any.
    pub pool: Option<PoolId>,
    /// The user it concerns, if any.
    pub user: Option<UserId>,
    /// The assignment it concerns, if any.
    pub assignment: Option<AssignmentId>,
    /// What changed.
    pub change: Change,
    /// The previous event's hash (zeros for the first).
    #[serde(with = "hash_text")]
    pub prev_hash: [u8; 32],
    /// This event's hash.
    #[serde(with = "hash_text")]
    pub hash: [u8; 32],
}

/// An event's hashes in a text format (JSON) are 64 lower-case hex digits,
/// as every listing of the trail shows them; in a binary format (the
/// stored postcard bytes) they stay 32 bytes. Reading JSON also takes the
/// array of 32 numbers that exports written before this form used.
mod hash_text {
    use core::fmt;

    use serde::de::{self, Deserializer, SeqAccess, Visitor};
    use serde::{Deserialize, Serialize, Serializer};

    const DIGITS: &[u8; 16] = b"0123456789abcdef";

    pub(super) fn serialize<S: Serializer>(hash: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return hash.serialize(s);
        }
        let mut text = [0u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(hash) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 15)];
        }
        // Every byte is an ASCII digit.
        s.serialize_str(core::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(HashVisitor)
        } else {
            <[u8; 32]>::deserialize(d)
        }
    }

    struct HashVisitor;

    impl<'de> Visitor<'de> for HashVisitor {
        type Value = [u8; 32];

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a SHA-256 hash: 64 lower-case hex digits")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<[u8; 32], E> {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let bytes = text.as_bytes();
            if bytes.len() != 64 {
                return Err(E::invalid_length(bytes.len(), &self));
            }
            let mut hash = [0u8; 32];
            for (out, pair) in hash.iter_mut().zip(bytes.chunks_exact(2)) {
                match (digit(pair[0]), digit(pair[1])) {
                    (Some(hi), Some(lo)) => *out = (hi << 4) | lo,
                    _ => return Err(E::invalid_value(de::Unexpected::Str(text), &self)),
                }
            }
            Ok(hash)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[u8; 32], A::Error> {
            let mut hash = [0u8; 32];
            for (i, out) in hash.iter_mut().enumerate() {
                *out = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            }
            if seq.next_element::<u8>()?.is_some() {
                return Err(de::Error::invalid_length(33, &self));
            }
            Ok(hash)
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    version: u8,
    seq: u64,
    recorded_at: Timestamp,
    effective_at: Timestamp,
    actor: &'a str,
    pool: &'a Option<PoolId>,
    user: &'a Option<UserId>,
    assignment: &'a Option<AssignmentId>,
    change: &'a Change,
}

impl Event {
    /// The audit action (`assignment.created`, …).
    pub fn action(&self) -> &str {
        self.change.action()
    }

    fn body(&self) -> Body<'_> {
        Body {
            version: AUDIT_VERSION,
            seq: self.seq,
            recorded_at: self.recorded_at,
            effective_at: self.effective_at,
            actor: &self.actor,
            pool: &self.pool,
            user: &self.user,
            assignment: &self.assignment,
            change: &self.change,
        }
    }

    /// The hash this event should have after `prev_hash`, using `buf` as
    /// scratch space.
    fn compute_hash(&self, buf: &mut Vec<u8>) -> Result<[u8; 32], AuditError> {
        buf.clear();
        let bytes = postcard::to_extend(&self.body(), core::mem::take(buf)).map_err(|_| {
            AuditError::Malformed {
                seq: self.seq,
                problem: "unencodable event",
            }
        })?;
        let mut h = Sha256::new();
        h.update(AUDIT_DOMAIN);
        h.update(self.prev_hash);
        h.update(&bytes);
        *buf = bytes;
        Ok(h.finalize().into())
    }

    /// The event's stored form (postcard).
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let now = Timestamp::from_date(2026, 12, 1).unwrap();
    /// let mut engine = SeatEngine::new();
    /// let done = engine.run(&Command::CreatePool(PoolSpec::new(PoolId::new("p")?, "Figma", 3)),
    ///     &Context::new(now, "ada"))?;
    /// let bytes = done.events[0].to_bytes();
    /// assert_eq!(Event::from_bytes(&bytes)?, done.events[0]);
    /// assert!(Event::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a stored event strictly: no trailing bytes, at most
    /// [`MAX_EVENT_LEN`] bytes, valid ids and currencies.
    pub fn from_bytes(bytes: &[u8]) -> Result<Event, AuditError> {
        if bytes.len() > MAX_EVENT_LEN {
            return Err(AuditError::Malformed {
                seq: 0,
                problem: "event too large",
            });
        }
        match postcard::take_from_bytes::<Event>(bytes) {
            Ok((event, [])) => Ok(event),
            Ok((event, _)) => Err(AuditError::Malformed {
                seq: event.seq,
                problem: "trailing bytes",
            }),
            Err(_) => Err(AuditError::Malformed {
                seq: 0,
                problem: "not an event",
            }),
        }
    }
}

/// Why a trail does not replay. Every variant names the first bad event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditError {
    /// The event is not where the sequence expects it (one was removed,
    /// reordered or inserted).
    OutOfSequence {
        /// The sequence number expected.
        expected: u64,
        /// The event's sequence number.
        seq: u64,
    },
    /// The event does not link to the one before it.
    BrokenLink {
        /// The event.
        seq: u64,
    },
    /// The event's content does not match its hash (it was edited).
    BadHash {
        /// The event.
        seq: u64,
    },
    /// The event's change contradicts the state before it.
    Inconsistent {
        /// The event.
        seq: u64,
        /// The contradiction.
        refusal: Refusal,
    },
    /// The event does not decode.
    Malformed {
        /// The event (0 when not even that decodes).
        seq: u64,
        /// What is wrong.
        problem: &'static str,
    },
    /// The trail ends before the head the store recorded (events were cut
    /// off).
    Truncated {
        /// The sequence number of the first missing event.
        seq: u64,
    },
}

stable_codes!(AuditError {
    OutOfSequence => "out_of_sequence",
    BrokenLink => "broken_link",
    BadHash => "bad_hash",
    Inconsistent => "inconsistent_event",
    Malformed => "malformed_event",
    Truncated => "truncated_trail",
});

impl AuditError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        self.code_of_variant()
    }

    /// The sequence number of the first bad event.
    pub fn seq(&self) -> u64 {
        match self {
            AuditError::OutOfSequence { seq, .. }
            | AuditError::BrokenLink { seq }
            | AuditError::BadHash { seq }
            | AuditError::Inconsistent { seq, .. }
            | AuditError::Malformed { seq, .. }
            | AuditError::Truncated { seq } => *seq,
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::OutOfSequence { expected, seq } => {
                write!(f, "event {seq} is where event {expected} should be")
            }
            AuditError::BrokenLink { seq } => {
                write!(f, "event {seq} does not link to the event before it")
            }
            AuditError::BadHash { seq } => write!(f, "event {seq} does not match its hash"),
            AuditError::Inconsistent { seq, refusal } => {
                write!(f, "event {seq} contradicts the trail: {refusal}")
            }
            AuditError::Malformed { seq, problem } => {
                write!(f, "event {seq} is malformed: {problem}")
            }
            AuditError::Truncated { seq } => write!(f, "the trail ends before event {seq}"),
        }
    }
}

impl core::error::Error for AuditError {}

/// The end of a chain: the next sequence number and the last hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainHead {
    /// The sequence number the next event gets.
    pub next_seq: u64,
    /// The last event's hash (zeros before the first).
    pub last_hash: [u8; 32],
}

impl ChainHead {
    /// The head of an empty trail.
    pub const GENESIS: ChainHead = ChainHead {
        next_seq: 1,
        last_hash: [0; 32],
    };
}

impl Default for ChainHead {
    fn default() -> Self {
        ChainHead::GENESIS
    }
}

/// Who acts, and when: the evaluation time (`now`), the wall-clock time
/// the events are recorded at, and the actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context<'a> {
    /// The time the rules are evaluated at.
    pub now: Timestamp,
    /// The time the events record (the wall clock).
    pub recorded_at: Timestamp,
    /// Who acts.
    pub actor: &'a str,
}

impl<'a> Context<'a> {
    /// `actor` acting at `now`, recorded at `now`.
    pub fn new(now: Timestamp, actor: &'a str) -> Context<'a> {
        Context {
            now,
            recorded_at: now,
            actor,
        }
    }

    /// The same, recorded at `recorded_at` (a command evaluated as of
    /// another time).
    pub fn recorded_at(self, recorded_at: Timestamp) -> Context<'a> {
        Context {
            recorded_at,
            ..self
        }
    }
}

/// What a command did, sealed into the trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The changes and the reply.
    pub outcome: Outcome,
    /// One event per change, chained.
    pub events: Vec<Event>,
}

/// The seat state with its audit chain: state + command + context in, a
/// refusal or the new state and the events it produced out.
///
/// ```
/// use licman_core::seats::*;
/// use licman_core::Timestamp;
/// let now = Timestamp::from_date(2026, 12, 1).unwrap();
/// let mut engine = SeatEngine::new();
/// let mut trail = Vec::new();
/// let done = engine.run(&Command::CreatePool(PoolSpec::new(PoolId::new("p")?, "Figma", 3)),
///     &Context::new(now, "ada"))?;
/// trail.extend(done.events);
/// let rebuilt = SeatEngine::replay(&trail)?;
/// assert_eq!(rebuilt, engine);
/// trail[0].actor = "mallory".into();
/// assert_eq!(SeatEngine::replay(&trail).unwrap_err(), AuditError::BadHash { seq: 1 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SeatEngine {
    state: SeatState,
    head: ChainHead,
}

impl SeatEngine {
    /// An empty engine at the start of a trail.
    pub fn new() -> SeatEngine {
        SeatEngine {
            state: SeatState::new(),
            head: ChainHead::GENESIS,
        }
    }

    /// An engine over a loaded state whose trail ends at `head`.
    pub fn from_parts(state: SeatState, head: ChainHead) -> SeatEngine {
        SeatEngine { state, head }
    }

    /// The state.
    pub fn state(&self) -> &SeatState {
        &self.state
    }

    /// The end of the trail.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// The state and the head.
    pub fn into_parts(self) -> (SeatState, ChainHead) {
        (self.state, self.head)
    }

    /// Carries out `command` and seals its changes into events. The
    /// context's actor may not be empty, longer than 1,024 bytes or hold
    /// control characters (`invalid_value`).
    pub fn run(&mut self, command: &Command, cx: &Context<'_>) -> Result<Recorded, Refusal> {
        crate::seats::validate::check_actor(cx.actor)?;
        // A deleted rule, link or incompatibility is gone once the command
        // ran: its pool, for the event, is read before.
        let deleted_from = match command {
            Command::DeleteRule { rule } => self.state.rule(rule).map(|r| r.pool.clone()),
            Command::DeleteLink { link } => self.state.link(link).map(|l| l.pool.clone()),
            Command::DeleteIncompatibility { id } => {
                self.state.incompatibility(id).map(|i| i.pool_a.clone())
            }
            _ => None,
        };
        let outcome = self.state.execute(command, cx.now)?;
        let events = self.seal(&outcome.changes, cx, deleted_from.as_ref());
        Ok(Recorded { outcome, events })
    }

    /// Records a [`Change::HostRecord`] (a secret read, an export) in the
    /// trail. The action is a dotted lower-case name (`pool.secret_read`)
    /// that is none of the engine's own actions, so a host record can never
    /// pass for a change of seats; a pool it names must exist.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let cx = Context::new(Timestamp::from_date(2026, 12, 1).unwrap(), "ada");
    /// let mut engine = SeatEngine::new();
    /// assert_eq!(engine.record("export.written", None, "42 rows", &cx)?.action(), "export.written");
    /// assert_eq!(engine.record("assignment.created", None, "", &cx).unwrap_err().code(), "invalid_value");
    /// # Ok::<(), Refusal>(())
    /// ```
    pub fn record(
        &mut self,
        action: &str,
        pool: Option<PoolId>,
        details: &str,
        cx: &Context<'_>,
    ) -> Result<Event, Refusal> {
        crate::seats::validate::check_actor(cx.actor)?;
        crate::seats::validate::check_host_record(action, details)?;
        if let Some(p) = &pool {
            if self.state.pool(p).is_none() {
                return Err(Refusal::UnknownPool {
                    pool: p.as_str().into(),
                });
            }
        }
        let change = Change::HostRecord {
            action: action.into(),
            pool,
            details: details.into(),
        };
        Ok(self.seal_one(change, cx, &mut Vec::new(), None))
    }

    /// Seals `changes` into events (`deleted_from`: the pool of a rule,
    /// link or incompatibility the command deleted).
    fn seal(
        &mut self,
        changes: &[Change],
        cx: &Context<'_>,
        deleted_from: Option<&PoolId>,
    ) -> Vec<Event> {
        let mut buf = Vec::with_capacity(512);
        changes
            .iter()
            .map(|change| self.seal_one(change.clone(), cx, &mut buf, deleted_from))
            .collect()
    }

    fn seal_one(
        &mut self,
        change: Change,
        cx: &Context<'_>,
        buf: &mut Vec<u8>,
        deleted_from: Option<&PoolId>,
    ) -> Event {
        let (mut pool, user, assignment) = self.subjects(&change);
        if pool.is_none()
            && matches!(
                change,
                Change::RuleDeleted { .. }
                    | Change::LinkDeleted { .. }
                    | Change::IncompatibilityDeleted { .. }
            )
        {
            pool = deleted_from.cloned();
        }
        let mut event = Event {
            seq: self.head.next_seq,
            recorded_at: cx.recorded_at,
            effective_at: cx.now,
            actor: cx.actor.into(),
            pool,
            user,
            assignment,
            change,
            prev_hash: self.head.last_hash,
            hash: [0; 32],
        };
        // Every engine change encodes; were one not to, its zero hash would
        // be reported by replay as bad rather than pass.
        event.hash = event.compute_hash(buf).unwrap_or([0; 32]);
        self.head = ChainHead {
            next_seq: event.seq.saturating_add(1),
            last_hash: event.hash,
        };
        event
    }

    /// The pool, user and assignment a change concerns.
    fn subjects(&self, change: &Change) -> (Option<PoolId>, Option<UserId>, Option<AssignmentId>) {
        let assignment = change.assignment().cloned();
        if let (Some(pool), Some(user)) = (change.pool(), change.user()) {
            // A new assignment names both: nothing to look up.
            return (Some(pool.clone()), Some(user.clone()), assignment);
        }
        let from_assignment = assignment.as_ref().and_then(|a| self.state.assignment(a));
        let pool = change
            .pool()
            .cloned()
            .or_else(|| from_assignment.map(|a| a.pool.clone()))
            .or_else(|| match change {
                Change::LeaseRenewed { lease, .. }
                | Change::LeaseReleased { lease, .. }
                | Change::LeaseCulled { lease } => self.state.lease(lease).map(|l| l.pool.clone()),
                Change::NoticeRecorded(n) => self.state.rule(&n.rule).map(|r| r.pool.clone()),
                _ => None,
            });
        let user = change
            .user()
            .cloned()
            .or_else(|| from_assignment.map(|a| a.user.clone()));
        (pool, user, assignment)
    }

    /// Rebuilds the engine from a whole trail, checking every link.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<SeatEngine, AuditError> {
        let mut engine = SeatEngine::new();
        engine.replay_onto(events)?;
        Ok(engine)
    }

    /// Rebuilds the engine from a trail and checks that it ends at `head`
    /// (the head the store recorded), so a cut-off tail is caught too.
    pub fn replay_to<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        head: ChainHead,
    ) -> Result<SeatEngine, AuditError> {
        let engine = SeatEngine::replay(events)?;
        if engine.head.next_seq < head.next_seq {
            return Err(AuditError::Truncated {
                seq: engine.head.next_seq,
            });
        }
        if engine.head != head {
            return Err(AuditError::BrokenLink {
                seq: engine.head.next_seq.saturating_sub(1),
            });
        }
        Ok(engine)
    }

    /// Applies more events of the trail onto this engine.
    pub fn replay_onto<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<(), AuditError> {
        let mut buf = Vec::new();
        for event in events {
            if event.seq != self.head.next_seq {
                return Err(AuditError::OutOfSequence {
                    expected: self.head.next_seq,
                    seq: event.seq,
                });
            }
            if event.prev_hash != self.head.last_hash {
                return Err(AuditError::BrokenLink { seq: event.seq });
            }
            if event.compute_hash(&mut buf)? != event.hash {
                return Err(AuditError::BadHash { seq: event.seq });
            }
            self.state
                .apply(&event.change)
                .map_err(|refusal| AuditError::Inconsistent {
                    seq: event.seq,
                    refusal,
                })?;
            self.head = ChainHead {
                next_seq: event.seq.saturating_add(1),
                last_hash: event.hash,
            };
        }
        Ok(())
    }

    /// Checks a trail's chain without rebuilding the state.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// assert_eq!(SeatEngine::verify_chain(&[], ChainHead::GENESIS), Ok(ChainHead::GENESIS));
    /// ```
    pub fn verify_chain<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        from: ChainHead,
    ) -> Result<ChainHead, AuditError> {
        let mut head = from;
        let mut buf = Vec::new();
        for event in events {
            if event.seq != head.next_seq {
                return Err(AuditError::OutOfSequence {
                    expected: head.next_seq,
                    seq: event.seq,
                });
            }
            if event.prev_hash != head.last_hash {
                return Err(AuditError::BrokenLink { seq: event.seq });
            }
            if event.compute_hash(&mut buf)? != event.hash {
                return Err(AuditError::BadHash { seq: event.seq });
            }
            head = ChainHead {
                next_seq: event.seq.saturating_add(1),
                last_hash: event.hash,
            };
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::{Context, PoolId, PoolSpec, SeatEngine};

    fn two_events() -> Vec<Event> {
        let now = Timestamp::from_unix_seconds(1_764_547_200);
        let mut engine = SeatEngine::new();
        let cx = Context::new(now, "ada");
        let mut events = Vec::new();
        for id in ["a", "b"] {
            let Ok(pool) = PoolId::new(id) else {
                panic!("a pool id")
            };
            let Ok(done) = engine.run(&Command::CreatePool(PoolSpec::new(pool, id, 3)), &cx) else {
                panic!("a pool")
            };
            events.extend(done.events);
        }
        events
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    #[test]
    fn json_shows_hashes_as_hex_and_the_stored_bytes_keep_32_bytes() {
        let events = two_events();
        let Ok(json) = serde_json::to_value(&events[1]) else {
            panic!("json")
        };
        assert_eq!(json["hash"], hex(&events[1].hash));
        assert_eq!(json["prev_hash"], hex(&events[0].hash));
        let Ok(back) = serde_json::from_value::<Event>(json.clone()) else {
            panic!("read back")
        };
        assert_eq!(back, events[1]);
        // The stored form is the hash's 32 bytes, where the body ends.
        let bytes = events[1].to_bytes();
        assert!(bytes.ends_with(&[events[1].prev_hash, events[1].hash].concat()));
        assert_eq!(Event::from_bytes(&bytes), Ok(events[1].clone()));
        // An export written before: arrays of 32 numbers still read.
        let mut old = json.clone();
        old["hash"] = serde_json::Value::from(events[1].hash.to_vec());
        old["prev_hash"] = serde_json::Value::from(events[1].prev_hash.to_vec());
        assert_eq!(
            serde_json::from_value::<Event>(old).ok(),
            Some(events[1].clone())
        );
    }

    #[test]
    fn a_hash_that_is_not_64_lower_case_hex_digits_or_32_bytes_is_refused() {
        let events = two_events();
        let Ok(json) = serde_json::to_value(&events[1]) else {
            panic!("json")
        };
        let text = hex(&events[1].hash);
        let bad: Vec<serde_json::Value> = alloc::vec![
            text.to_uppercase().into(),
            text[..62].into(),
            alloc::format!("{text}00").into(),
            alloc::format!("{}zz", &text[..62]).into(),
            alloc::format!("{}é", &text[..62]).into(),
            serde_json::Value::from(events[1].hash[..31].to_vec()),
            serde_json::Value::from([events[1].hash.to_vec(), alloc::vec![0]].concat()),
            serde_json::json!(7),
        ];
        for value in bad {
            let mut doc = json.clone();
            doc["hash"] = value.clone();
            assert!(
                serde_json::from_value::<Event>(doc).is_err(),
                "{value} was taken as a hash"
            );
        }
    }
}

//! Webhooks: what the server tells other systems, per event kind, as JSON
//! signed with HMAC-SHA256, retried with backoff, every attempt logged.
//!
//! ```toml
//! [[webhook]]
//! name = "ops-alerts"
//! url = "https://alerts.example.com/licman"
//! secret = "a long random string"        # or secret_file = "/etc/licman/hook.secret"
//! events = ["pool.expiring", "pool.high_utilization", "assignment.capacity_refused",
//!           "lease.culled", "audit.broken", "digest.daily"]
//! max_attempts = 8                        # default 8
//! backoff_ms = 1000                       # first retry after 1 s, then 2 s, 4 s, … (at most 5 min)
//! ```
//!
//! A delivery is a `POST` of `{"id", "kind", "at", "data"}` with the
//! headers `X-Licman-Event` (the kind), `X-Licman-Delivery` (the id),
//! `X-Licman-Timestamp` (Unix seconds) and `X-Licman-Signature:
//! sha256=HEX`, the HMAC-SHA256 under the hook's secret of
//! `TIMESTAMP.BODY`: a receiver recomputes it, compares in constant time,
//! and refuses an old timestamp (a replay). Any 2xx answer is delivered;
//! anything else (another status, no answer in 10 s) is tried again after
//! the backoff, up to `max_attempts`.
//!
//! The id of an alert about a state (a pool expiring, over 90 %, the daily
//! digest, a broken chain) is derived from what it is about and the UTC day
//! (or hour), and the id of an alert about an event (a lease culled) from
//! that event's hash: each server alerts once a day per state, and several
//! servers on one database send the same ids, so a receiver that keeps the
//! ids it has seen gets each alert once.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use hmac::{Hmac, Mac};
use licman_core::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::error::Failure;

/// Every kind of event a webhook can ask for.
pub const KINDS: &[&str] = &[
    "pool.expiring",
    "pool.high_utilization",
    "assignment.capacity_refused",
    "lease.culled",
    "audit.broken",
    "digest.daily",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HookEntry {
    name: String,
    url: String,
    secret: Option<String>,
    secret_file: Option<PathBuf>,
    events: Vec<String>,
    max_attempts: Option<u32>,
    backoff_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HooksFile {
    #[serde(default)]
    webhook: Vec<HookEntry>,
}

/// One configured webhook.
#[derive(Clone)]
pub struct Hook {
    /// Its name (in the delivery log).
    pub name: String,
    /// Where deliveries go (`http://` or `https://`).
    pub url: String,
    secret: Vec<u8>,
    /// The kinds it receives.
    pub events: BTreeSet<String>,
    /// Attempts per delivery.
    pub max_attempts: u32,
    /// The first retry's delay.
    pub backoff: Duration,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<hidden>")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Reads a webhooks file: every entry checked (a name, an http(s) URL, a
/// secret of at least 16 bytes, known event kinds).
pub fn load(path: &Path) -> Result<Vec<Hook>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            "io",
            format!("cannot read the webhooks file {}: {e}", path.display()),
        )
    })?;
    let file: HooksFile = toml::from_str(&text).map_err(|e| {
        Failure::invalid(format!(
            "{}: the webhooks file does not parse: {}",
            path.display(),
            super::tokens::toml_error(&text, &e)
        ))
    })?;
    let mut hooks: Vec<Hook> = Vec::new();
    for (n, e) in file.webhook.into_iter().enumerate() {
        let at = format!("{}: webhook {} ({:?})", path.display(), n + 1, e.name);
        let bad = |what: &str| Failure::invalid(format!("{at}: {what}"));
        if e.name.is_empty() || hooks.iter().any(|h| h.name == e.name) {
            return Err(bad("a name, used once"));
        }
        if !(e.url.starts_with("http://") || e.url.starts_with("https://")) {
            return Err(bad("the url is not http:// or https://"));
        }
        let secret = match (e.secret, e.secret_file) {
            (Some(s), None) => s.into_bytes(),
            (None, Some(file)) => std::fs::read_to_string(&file)
                .map_err(|err| bad(&format!("cannot read {}: {err}", file.display())))?
                .trim()
                .as_bytes()
                .to_vec(),
            _ => return Err(bad("one of secret and secret_file")),
        };
        if secret.len() < 16 {
            return Err(bad("a secret of at least 16 bytes"));
        }
        for kind in &e.events {
            if !KINDS.contains(&kind.as_str()) {
                return Err(bad(&format!(
                    "unknown event {kind:?} (the kinds are {})",
                    KINDS.join(", ")
                )));
            }
        }
        hooks.push(Hook {
            name: e.name,
            url: e.url,
            secret,
            events: e.events.into_iter().collect(),
            max_attempts: e.max_attempts.unwrap_or(8).clamp(1, 50),
            backoff: Duration::from_millis(e.backoff_ms.unwrap_or(1000).clamp(1, 300_000)),
        });
    }
    Ok(hooks)
}

/// The signature header's value for a body sent at `timestamp`.
///
/// ```
/// use licman_seats::server::webhooks::signature;
/// let s = signature(b"0123456789abcdef", 1_700_000_000, br#"{"id":"x"}"#);
/// assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
/// ```
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes a key of any length.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "sha256={}",
        crate::hex::encode(&mac.finalize().into_bytes())
    )
}

/// An id derived from what an alert is about (stable across servers).
pub fn derived_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    format!(
        "evt_{}",
        crate::hex::encode(digest.get(..12).unwrap_or(&digest))
    )
}

/// One attempt in the delivery log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Attempt {
    /// The webhook's name.
    pub webhook: String,
    /// The event's id.
    pub id: String,
    /// The event's kind.
    pub kind: String,
    /// Which attempt, from 1.
    pub attempt: u32,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Whether it was delivered.
    pub delivered: bool,
    /// Why not, if not.
    pub error: Option<String>,
    /// Whether another attempt follows.
    pub will_retry: bool,
}

const LOG_KEPT: usize = 1000;

/// The delivery log: the last attempts in memory (for the API), and every
/// attempt appended to a JSON-lines file when one is given.
#[derive(Debug)]
pub struct DeliveryLog {
    recent: Mutex<VecDeque<Attempt>>,
    file: Option<PathBuf>,
}

impl DeliveryLog {
    fn push(&self, attempt: Attempt) {
        tracing::info!(webhook = %attempt.webhook, id = %attempt.id, kind = %attempt.kind,
            attempt = attempt.attempt, status = ?attempt.status, delivered = attempt.delivered,
            error = ?attempt.error, "webhook delivery");
        if let Some(path) = &self.file {
            let line = serde_json::to_string(&attempt).unwrap_or_default();
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = written {
                tracing::error!(path = %path.display(), error = %e, "the delivery log was not written");
            }
        }
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() == LOG_KEPT {
            recent.pop_front();
        }
        recent.push_back(attempt);
    }

    /// The last attempts, newest first.
    pub fn recent(&self) -> Vec<Attempt> {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.iter().rev().cloned().collect()
    }
}

/// The ids sent, oldest first, bounded.
#[derive(Default)]
struct Sent {
    ids: BTreeSet<String>,
    order: VecDeque<String>,
}

impl Sent {
    /// Whether `id` is new (and now remembered).
    fn insert(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_string()) {
            return false;
        }
        self.order.push_back(id.to_string());
        while self.order.len() > 100_000 {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        true
    }
}

struct Delivery {
    id: String,
    kind: String,
    body: Vec<u8>,
}

/// The webhooks of a server: queues an event to every hook that asked for
/// its kind (each hook has its own thread, so a slow or failing receiver
/// holds up only its own deliveries) and remembers the ids it sent.
pub struct Notifier {
    routes: Vec<(BTreeSet<String>, mpsc::Sender<Delivery>)>,
    sent: Mutex<Sent>,
    /// Every attempt.
    pub log: Arc<DeliveryLog>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Notifier({} hooks)", self.routes.len())
    }
}

impl Notifier {
    /// Starts a delivery thread per hook.
    pub fn start(hooks: Vec<Hook>, log_file: Option<PathBuf>) -> Result<Notifier, Failure> {
        let log = Arc::new(DeliveryLog {
            recent: Mutex::new(VecDeque::new()),
            file: log_file,
        });
        let mut routes = Vec::new();
        for hook in hooks {
            let (tx, rx) = mpsc::channel::<Delivery>();
            routes.push((hook.events.clone(), tx));
            let log = log.clone();
            std::thread::Builder::new()
                .name(format!("webhook-{}", hook.name))
                .spawn(move || deliver_all(&hook, &rx, &log))
                .map_err(|e| Failure::new("io", format!("cannot start a webhook thread: {e}")))?;
        }
        Ok(Notifier {
            routes,
            sent: Mutex::new(Sent::default()),
            log,
        })
    }

    /// Whether any hook asked for `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.routes.iter().any(|(kinds, _)| kinds.contains(kind))
    }

    /// Queues `{id, kind, at, data}` for every hook that asked for `kind`,
    /// once per id for the life of the process.
    pub fn notify(&self, kind: &str, id: &str, at: Timestamp, data: Value) {
        if !self.wants(kind) {
            return;
        }
        if !self
            .sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id)
        {
            return;
        }
        let body = json!({"id": id, "kind": kind, "at": at, "data": data}).to_string();
        for (kinds, tx) in &self.routes {
            if kinds.contains(kind) {
                let _ = tx.send(Delivery {
                    id: id.to_string(),
                    kind: kind.to_string(),
                    body: body.clone().into_bytes(),
                });
            }
        }
    }
}

fn deliver_all(hook: &Hook, rx: &mpsc::Receiver<Delivery>, log: &DeliveryLog) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .user_agent("licman-seats-webhook/1")
        .build()
        .into();
    while let Ok(d) = rx.recv() {
        let mut delay = hook.backoff;
        for attempt in 1..=hook.max_attempts {
            let timestamp = crate::time::now().unix_seconds();
            let result = agent
                .post(&hook.url)
                .header("Content-Type", "application/json")
                .header("X-Licman-Event", &d.kind)
                .header("X-Licman-Delivery", &d.id)
                .header("X-Licman-Timestamp", timestamp.to_string())
                .header(
                    "X-Licman-Signature",
                    signature(&hook.secret, timestamp, &d.body),
                )
                .send(&d.body[..]);
            let (status, error) = match result {
                Ok(r) => (Some(r.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let delivered = status.is_some_and(|s| (200..300).contains(&s));
            let will_retry = !delivered && attempt < hook.max_attempts;
            log.push(Attempt {
                webhook: hook.name.clone(),
                id: d.id.clone(),
                kind: d.kind.clone(),
                attempt,
                at: crate::time::now(),
                status,
                delivered,
                error: error.or_else(|| {
                    (!delivered).then(|| format!("the receiver answered {}", status.unwrap_or(0)))
                }),
                will_retry,
            });
            if !will_retry {
                break;
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(300));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // RFC 4231 style check against an independent computation.
        let s = signature(b"key-key-key-key-key", 42, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key-key-key-key-key").unwrap();
        mac.update(b"42.{}");
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(s, format!("sha256={want}"));
        assert_ne!(s, signature(b"key-key-key-key-key", 43, b"{}"));
    }

    #[test]
    fn derived_ids_are_stable_and_separate_their_parts() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["ab", ""]), derived_id(&["a", "b"]));
    }
}

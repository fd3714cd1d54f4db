//! What the server does on its own, between requests: every `--license-check`
//! (and at once when the revocation list file changes) it re-verifies the
//! license-backed pools and applies expiration policies, culls the leases
//! whose holders stopped heartbeating, and raises the webhooks' alerts;
//! every `--verify-every` it verifies the whole audit chain.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use licman_core::Timestamp;
use licman_core::seats::{AnalyticsOptions, Change, Command, RecommendationKind};
use serde_json::{Value, json};

use super::webhooks::derived_id;
use super::{AppState, webhooks};
use crate::cli::{BulkCmd, Cmd, LeaseCmd, Output};
use crate::error::Failure;
use crate::store::Store;

/// The actor of what the server does on its own.
pub(crate) const ACTOR: &str = "licman-seats serve (license check)";

/// The revocation lists the server has read: every distinct one it was
/// given (a list is never forgotten because a later file is damaged or
/// older), the file re-read when its modification time changes.
pub(crate) struct Revocations {
    path: Option<PathBuf>,
    seen: Option<std::time::SystemTime>,
    pub(crate) lists: Vec<licman_core::UnverifiedRevocationList>,
}

impl Revocations {
    pub(crate) fn new(path: Option<PathBuf>) -> Revocations {
        Revocations {
            path,
            seen: None,
            lists: Vec::new(),
        }
    }

    /// Reads the file if it changed: whether it did.
    pub(crate) fn reload(&mut self) -> Result<bool, Failure> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(|e| Failure::new("io", format!("cannot read {}: {e}", path.display())))?;
        if self.seen == Some(modified) {
            return Ok(false);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::new("io", format!("cannot read {}: {e}", path.display())))?;
        // A damaged file is not read again until it changes.
        self.seen = Some(modified);
        let list = crate::licensed::read_revocations(&text).map_err(|f| {
            let message = format!("{}: {}", path.display(), f.message);
            f.with_message(message)
        })?;
        if !self.lists.contains(&list) {
            tracing::info!(serial = list.serial(), product = %list.product(), "revocation list read");
            self.lists.push(list);
            // Bounded: the newest lists by serial are the ones that matter.
            self.lists.sort_by_key(|l| std::cmp::Reverse(l.serial()));
            self.lists.truncate(64);
        }
        Ok(true)
    }
}

/// Where the watchers stand between rounds.
#[derive(Default)]
struct Watch {
    /// The next trail event not yet looked at.
    next_seq: u64,
    /// The UTC day of the last digest.
    digest_day: Option<u64>,
    /// When the chain was last verified.
    verified: Option<Instant>,
}

/// An alert to send: kind, id, data.
type Alert = (&'static str, String, Value);

/// Runs until the server stops.
pub(crate) async fn run(
    app: AppState,
    mut revocations: Revocations,
    every: Duration,
    verify_every: Duration,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1).min(every));
    let mut last: Option<Instant> = None;
    let mut watch = Watch::default();
    loop {
        tick.tick().await;
        let changed = match revocations.reload() {
            Ok(changed) => {
                if changed {
                    if let Ok(mut shared) = app.revocations.write() {
                        shared.clone_from(&revocations.lists);
                    }
                }
                changed
            }
            Err(f) => {
                tracing::error!(message = %f.message,
                    "the revocation list was not read; the lists read before stay in force");
                false
            }
        };
        if !changed && last.is_some_and(|t| t.elapsed() < every) {
            continue;
        }
        last = Some(Instant::now());
        let lists = revocations.lists.clone();
        let shared = app.clone();
        let wants_alerts = webhooks::KINDS.iter().any(|k| app.notifier.wants(k));
        let verify_due = watch.verified.is_none_or(|t| t.elapsed() >= verify_every);
        let mut w = std::mem::take(&mut watch);
        let work = move || {
            // The whole chain is verified on a connection of its own, so
            // requests keep being served meanwhile.
            let verified = verify_due.then(|| Store::verify_at(&shared.db));
            let result = shared
                .store
                .with(|store| round(store, &lists, &mut w, wants_alerts, verified));
            (result, w)
        };
        match app.workers.run(work).await {
            Ok((Ok(alerts), w)) => {
                watch = w;
                for (kind, id, data) in alerts {
                    app.notifier.notify(kind, &id, crate::time::now(), data);
                }
            }
            Ok((Err(f), w)) => {
                watch = w;
                tracing::error!(code = %f.code, message = %f.message, "the server's round failed");
            }
            Err(f) => tracing::error!(message = %f.message, "the server's round did not run"),
        }
    }
}

/// One round, on the store: licenses, expiry, culls, then the alerts.
fn round(
    store: &mut Store,
    lists: &[licman_core::UnverifiedRevocationList],
    watch: &mut Watch,
    alerts_wanted: bool,
    verified: Option<Result<u64, Failure>>,
) -> Result<Vec<Alert>, Failure> {
    let mut alerts = Vec::new();
    // Alerts are for what happens from the server's start on.
    if watch.next_seq == 0 {
        store.catch_up()?;
        watch.next_seq = store.head().next_seq;
    }
    if let Some(verified) = verified {
        watch.verified = Some(Instant::now());
        if let Err(f) = verified {
            tracing::error!(message = %f.message, "the audit trail does not verify");
            let now = store.now()?;
            let hour = now.unix_seconds() / 3600;
            alerts.push((
                "audit.broken",
                derived_id(&["audit.broken", &hour.to_string()]),
                json!({"code": f.code, "message": f.message}),
            ));
            // Nothing else is decided on a trail that does not verify.
            return Ok(alerts);
        }
    }
    for r in crate::licensed::refresh(store, lists, ACTOR)? {
        if r.changed || r.error.is_some() {
            tracing::info!(pool = %r.pool_id, capacity = ?r.capacity, revoked = r.revoked,
                error = ?r.error, "license-backed pool checked");
        }
    }
    store.run(&Command::CullLeases { pool: None }, ACTOR, None)?;
    if !alerts_wanted {
        watch.next_seq = store.head().next_seq;
        return Ok(alerts);
    }
    let now = store.now()?;
    let day = now.unix_seconds() / 86_400;
    let day_text = day.to_string();
    // Leases culled since the last round (by anyone): one alert each, its
    // id the event's hash.
    for e in store.events_since(watch.next_seq)? {
        if let Change::LeaseCulled { lease } = &e.event.change {
            alerts.push((
                "lease.culled",
                format!("evt_{}", crate::hex::encode(&e.event.hash[..12])),
                json!({"lease_id": lease.as_str(), "pool_id": e.event.pool.as_ref().map(|p| p.as_str()),
                    "seq": e.event.seq, "at": e.event.recorded_at}),
            ));
        }
    }
    watch.next_seq = store.head().next_seq;
    // Pools over 90 % or within their warning days: once a day each.
    let analytics = store.state().analytics(
        now,
        &AnalyticsOptions {
            expiring_window_days: 90,
        },
    );
    for r in &analytics.recommendations {
        let kind = match r.kind {
            RecommendationKind::HighUtilization => "pool.high_utilization",
            RecommendationKind::ExpiringSoon => "pool.expiring",
            _ => continue,
        };
        alerts.push((
            kind,
            derived_id(&[kind, r.pool.as_str(), &day_text]),
            json!({"pool_id": r.pool.as_str(), "pool_name": r.pool_name, "message": r.message,
                "capacity": r.capacity, "allocated": r.allocated, "utilization_pct": r.utilization,
                "days_left": r.days_left}),
        ));
    }
    // The daily digest: what expires within 7, 30 and 90 days.
    if watch.digest_day != Some(day) {
        watch.digest_day = Some(day);
        let within = |days: u64| -> Vec<Value> {
            analytics
                .expiring
                .iter()
                .filter(|e| e.days_left <= days)
                .map(|e| {
                    json!({"pool_id": e.pool.as_str(), "pool_name": e.name, "vendor": e.vendor,
                    "expires_at": e.expires_at, "days_left": e.days_left,
                    "policy": e.expiry_policy.name(), "allocated": e.allocated})
                })
                .collect()
        };
        alerts.push((
            "digest.daily",
            derived_id(&["digest.daily", &day_text]),
            json!({"day": Timestamp::from_unix_seconds(day * 86_400), "within_7_days": within(7),
                "within_30_days": within(30), "within_90_days": within(90)}),
        ));
    }
    Ok(alerts)
}

/// The alert for a request refused for capacity (an assignment, a
/// checkout, or items of a bulk assign), if it was.
pub(crate) fn capacity_refusal(
    command: &Cmd,
    result: &Result<Output, Failure>,
    actor: &str,
) -> Option<(Value, String)> {
    let detail = |f: &Failure| {
        (
            f.details.get("capacity").cloned(),
            f.details.get("allocated").cloned(),
        )
    };
    let data = match (command, result) {
        (Cmd::Assign { pool, user, .. }, Err(f)) if f.code == "capacity_exceeded" => {
            let (capacity, allocated) = detail(f);
            json!({"pool": pool, "user": user, "capacity": capacity, "allocated": allocated})
        }
        (Cmd::Lease(LeaseCmd::Checkout { pool, holder, .. }), Err(f))
            if f.code == "capacity_exceeded" =>
        {
            let (capacity, allocated) = detail(f);
            json!({"pool": pool, "holder": holder, "capacity": capacity, "allocated": allocated})
        }
        (Cmd::Bulk(BulkCmd::Assign { pool, .. }), Ok(output)) => {
            let users: Vec<Value> = output.json["results"]
                .as_array()?
                .iter()
                .filter(|r| r["error"]["code"] == "capacity_exceeded")
                .map(|r| r["user_id"].clone())
                .collect();
            if users.is_empty() {
                return None;
            }
            json!({"pool": pool, "users": users})
        }
        _ => return None,
    };
    let mut data = data;
    if let Value::Object(m) = &mut data {
        m.insert("actor".into(), actor.into());
    }
    // At most one alert a pool a minute: a client retrying against a full
    // pool must not turn into a flood of deliveries.
    let minute = (crate::time::now().unix_seconds() / 60).to_string();
    let pool = data["pool"].as_str().unwrap_or("").to_string();
    let id = derived_id(&["assignment.capacity_refused", &pool, &minute]);
    Some((data, id))
}

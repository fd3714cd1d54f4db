//! `export` and `import`: every entity out, as one JSON document or a
//! directory of CSV files, and back in.
//!
//! The JSON document holds the engine's records (the shapes the audit
//! trail's `details` use) and the whole trail. Imported into an empty
//! store it is a copy: the trail is written as it was, hashes and all,
//! after it replays. Into a store that has data (and from CSV, which has
//! no trail) it merges: the pools, users, incompatibilities, rules, links
//! and active assignments whose ids the store lacks are created (users
//! whose fields differ are updated, as `user import` does); what the store
//! already has is left as it is. Either way it is one transaction, and
//! importing the same document twice changes nothing the second time.
//! Ended assignments, leases and notices are history: they stay in the
//! trail of the store they came from.
//!
//! Secrets are left out unless `--with-secrets`; then they are written in
//! clear (each read recorded as `pool.secret_read`) and the files are
//! created mode 0600, as every export is. CSV cells that a spreadsheet
//! would run as a formula (starting `=`, `+`, `-`, `@`, a tab or a carriage
//! return) are written with a leading `'`, which import removes.

use std::io::Write as _;
use std::path::Path;

use licman_core::Timestamp;
use licman_core::seats::{
    Assignment, AssignmentStatus, Command, Context, EntitlementLink, Event, Incompatibility, Pool,
    PoolId, PoolSpec, PoolStatus, ReclamationRule, SeatEngine, Trigger, User, UserPatch,
    normalize_label,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Ctx, Output, out};
use crate::error::Failure;
use crate::secrets::SecretWrite;
use crate::store::{Decided, EventFilter, Store};

/// The `format` field of an export.
pub const EXPORT_FORMAT: &str = "licman-seats-export";

/// The export's version.
pub const EXPORT_VERSION: u32 = 1;

/// A pool's secret in an export (`--with-secrets`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedSecret {
    /// The pool.
    pub pool_id: PoolId,
    /// The secret, in clear.
    pub secret: String,
}

/// The JSON export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// [`EXPORT_VERSION`].
    pub version: u32,
    /// When it was written.
    pub exported_at: Timestamp,
    /// Every pool.
    pub pools: Vec<Pool>,
    /// Every user.
    pub users: Vec<User>,
    /// Every assignment, ended ones too.
    pub assignments: Vec<Assignment>,
    /// Every incompatibility.
    pub incompatibilities: Vec<Incompatibility>,
    /// Every reclamation rule.
    pub rules: Vec<ReclamationRule>,
    /// Every entitlement link.
    pub links: Vec<EntitlementLink>,
    /// The secrets, with `--with-secrets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ExportedSecret>,
    /// The audit trail.
    #[serde(default)]
    pub events: Vec<Event>,
}

fn create_private(path: &Path) -> Result<std::fs::File, Failure> {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "is already there; it was not replaced".to_string()
            } else {
                e.to_string()
            };
            Failure::new("io", format!("cannot write {}: {why}", path.display()))
        })
}

/// A text cell as written to CSV: a leading `'` before what a spreadsheet
/// would run as a formula (and before a leading `'`, so that import is
/// exact). Every text cell of an export goes through it, ids included;
/// numbers, booleans and times are never text that starts that way except
/// a negative number, which import reads as it is.
pub(crate) fn escape_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A CSV cell as read: [`escape_cell`] undone.
pub(crate) fn unescape_cell(text: &str) -> &str {
    text.strip_prefix('\'').unwrap_or(text)
}

fn time_cell(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

const POOL_COLUMNS: &[&str] = &[
    "id",
    "name",
    "vendor",
    "product",
    "plan",
    "tags",
    "capacity",
    "cost",
    "currency",
    "billing_period",
    "license_type",
    "starts_at",
    "expires_at",
    "policy",
    "warning_days",
    "status",
    "notes",
    "ttl_seconds",
    "overage",
    "linger_seconds",
    "max_borrow_days",
    "created_at",
    "updated_at",
];
const USER_COLUMNS: &[&str] = &["id", "email", "active", "state", "last_active"];
const ASSIGNMENT_COLUMNS: &[&str] = &[
    "id",
    "pool_id",
    "user_id",
    "source",
    "entitlement",
    "status",
    "assigned_at",
    "ended_at",
    "reason",
    "notes",
];
const INCOMPAT_COLUMNS: &[&str] = &["id", "pool_a", "pool_b", "reason", "created_at"];
const RULE_COLUMNS: &[&str] = &[
    "id",
    "pool_id",
    "trigger",
    "threshold_days",
    "state",
    "notify_days",
    "enabled",
    "created_at",
];
const LINK_COLUMNS: &[&str] = &[
    "id",
    "pool_id",
    "entitlement",
    "priority",
    "enabled",
    "created_at",
];
const SECRET_COLUMNS: &[&str] = &["pool_id", "secret"];

fn pool_row(p: &Pool) -> Vec<String> {
    vec![
        escape_cell(p.id.as_str()),
        escape_cell(&p.name),
        escape_cell(&p.vendor),
        escape_cell(&p.product),
        escape_cell(&p.plan),
        // A JSON array: a tag may hold any character, `;` and `,` too.
        escape_cell(&serde_json::to_string(&p.tags).unwrap_or_default()),
        p.capacity.to_string(),
        p.seat_cost.to_string(),
        p.seat_cost.currency().code().into(),
        p.billing.name().into(),
        p.license_type.name().into(),
        time_cell(p.starts_at),
        time_cell(p.expires_at),
        p.expiry_policy.name().into(),
        p.warning_days.to_string(),
        p.status.name().into(),
        escape_cell(&p.notes),
        p.lease.ttl_seconds.to_string(),
        p.lease.overage.name().into(),
        p.lease.linger_seconds.to_string(),
        p.lease.max_borrow_days.to_string(),
        p.created_at.to_string(),
        p.updated_at.to_string(),
    ]
}

fn user_row(u: &User) -> Vec<String> {
    vec![
        escape_cell(u.id.as_str()),
        escape_cell(&u.email),
        u.active.to_string(),
        escape_cell(&u.lifecycle),
        time_cell(u.last_activity),
    ]
}

fn assignment_row(a: &Assignment) -> Vec<String> {
    vec![
        escape_cell(a.id.as_str()),
        escape_cell(a.pool.as_str()),
        escape_cell(a.user.as_str()),
        a.source.name().into(),
        escape_cell(a.entitlement.as_deref().unwrap_or("")),
        a.status.name().into(),
        a.assigned_at.to_string(),
        time_cell(a.ended_at),
        escape_cell(a.reason.as_deref().unwrap_or("")),
        escape_cell(&a.notes),
    ]
}

fn incompat_row(i: &Incompatibility) -> Vec<String> {
    vec![
        escape_cell(i.id.as_str()),
        escape_cell(i.pool_a.as_str()),
        escape_cell(i.pool_b.as_str()),
        escape_cell(&i.reason),
        i.created_at.to_string(),
    ]
}

fn rule_row(r: &ReclamationRule) -> Vec<String> {
    let (trigger, days, state) = match &r.trigger {
        Trigger::Inactivity { days } => ("inactivity", days.to_string(), String::new()),
        Trigger::Lifecycle { state } => ("lifecycle", String::new(), escape_cell(state)),
    };
    vec![
        escape_cell(r.id.as_str()),
        escape_cell(r.pool.as_str()),
        trigger.into(),
        days,
        state,
        r.notify_days.to_string(),
        r.enabled.to_string(),
        r.created_at.to_string(),
    ]
}

fn link_row(l: &EntitlementLink) -> Vec<String> {
    vec![
        escape_cell(l.id.as_str()),
        escape_cell(l.pool.as_str()),
        escape_cell(&l.entitlement),
        l.priority.to_string(),
        l.enabled.to_string(),
        l.created_at.to_string(),
    ]
}

/// The files an export writes, created (mode 0600, never replacing one)
/// before anything is read or recorded, and removed again unless the
/// export finishes: a refused export leaves neither files nor events.
struct Outputs {
    files: Vec<(std::path::PathBuf, Option<std::fs::File>)>,
    keep: bool,
}

impl Outputs {
    fn create(paths: Vec<std::path::PathBuf>) -> Result<Outputs, Failure> {
        let mut outputs = Outputs {
            files: Vec::new(),
            keep: false,
        };
        for path in paths {
            let file = create_private(&path)?;
            outputs.files.push((path, Some(file)));
        }
        Ok(outputs)
    }

    fn take(&mut self, path: &Path) -> Result<std::fs::File, Failure> {
        self.files
            .iter_mut()
            .find(|(p, _)| p == path)
            .and_then(|(_, f)| f.take())
            .ok_or_else(|| Failure::new("io", format!("{} was not created", path.display())))
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if !self.keep {
            for (path, _) in &self.files {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

fn write_csv(
    outputs: &mut Outputs,
    path: &Path,
    columns: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<usize, Failure> {
    let file = outputs.take(path)?;
    let mut w = csv::Writer::from_writer(file);
    let io = |e: csv::Error| Failure::new("io", format!("cannot write {}: {e}", path.display()));
    w.write_record(columns).map_err(io)?;
    let n = rows.len();
    for row in rows {
        w.write_record(&row).map_err(io)?;
    }
    let file = w
        .into_inner()
        .map_err(|e| Failure::new("io", format!("cannot write {}: {e}", path.display())))?;
    file.sync_all()
        .map_err(|e| Failure::new("io", format!("cannot write {}: {e}", path.display())))?;
    Ok(n)
}

const CSV_FILES: &[&str] = &[
    "pools.csv",
    "users.csv",
    "assignments.csv",
    "incompatibilities.csv",
    "rules.csv",
    "links.csv",
];

/// `export --format csv|json [--out PATH] [--with-secrets]`.
pub(crate) fn export(
    store: &mut Store,
    format: &str,
    out_path: Option<&Path>,
    with_secrets: bool,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    if format != "json" && format != "csv" {
        return Err(Failure::invalid(format!(
            "format {format:?} is not one of csv, json"
        )));
    }
    if format == "csv" && out_path.is_none() {
        return Err(Failure::invalid(
            "a CSV export is a directory: give --out DIR",
        ));
    }
    let key = with_secrets
        .then(|| super::secrets::required_key(cx, "--with-secrets"))
        .transpose()?;
    let dir = out_path.unwrap_or(Path::new("."));
    let mut outputs = if format == "csv" {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::new("io", format!("cannot create {}: {e}", dir.display())))?;
        let mut names: Vec<&str> = CSV_FILES.to_vec();
        if with_secrets {
            names.push("secrets.csv");
        }
        Outputs::create(names.iter().map(|n| dir.join(n)).collect())?
    } else {
        Outputs::create(out_path.map(|p| vec![p.to_path_buf()]).unwrap_or_default())?
    };
    // Secrets are read, and the export recorded, in one transaction.
    let (secrets, own_from) =
        store.transact(cx.actor, None, with_secrets, &mut |engine, ecx, sealed| {
            let own_from = engine.head().next_seq;
            let mut events = Vec::new();
            let mut secrets = Vec::new();
            if let Some(key) = &key {
                for (pool, s) in sealed {
                    secrets.push(ExportedSecret {
                        pool_id: pool.clone(),
                        secret: key.open(pool, s)?.to_string(),
                    });
                    events.push(engine.record(
                        "pool.secret_read",
                        Some(pool.clone()),
                        "export --with-secrets",
                        ecx,
                    )?);
                }
            }
            let state = engine.state();
            events.push(engine.record(
                "export.written",
                None,
                &format!(
                    "{format}: {} pools, {} users, {} assignments{}",
                    state.pools().count(),
                    state.users().count(),
                    state.assignments().count(),
                    if key.is_some() { ", with secrets" } else { "" }
                ),
                ecx,
            )?);
            Ok(Decided {
                value: (secrets, own_from),
                events,
                secrets: Vec::new(),
            })
        })?;
    let state = store.state();
    let mut pools: Vec<Pool> = state.pools().cloned().collect();
    pools.sort_by(|a, b| a.id.cmp(&b.id));
    let mut users: Vec<User> = state.users().cloned().collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    let mut assignments: Vec<Assignment> = state.assignments().cloned().collect();
    assignments.sort_by(|a, b| (a.assigned_at, &a.id).cmp(&(b.assigned_at, &b.id)));
    let mut incompatibilities: Vec<Incompatibility> = state.incompatibilities().cloned().collect();
    incompatibilities.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rules: Vec<ReclamationRule> = state.rules().cloned().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut links: Vec<EntitlementLink> = state.links().cloned().collect();
    links.sort_by(|a, b| a.id.cmp(&b.id));
    let counts = json!({"pools": pools.len(), "users": users.len(), "assignments": assignments.len(),
        "incompatibilities": incompatibilities.len(), "rules": rules.len(), "links": links.len(),
        "secrets": secrets.len()});
    if format == "csv" {
        let rows: [Vec<Vec<String>>; 6] = [
            pools.iter().map(pool_row).collect(),
            users.iter().map(user_row).collect(),
            assignments.iter().map(assignment_row).collect(),
            incompatibilities.iter().map(incompat_row).collect(),
            rules.iter().map(rule_row).collect(),
            links.iter().map(link_row).collect(),
        ];
        let columns: [&[&str]; 6] = [
            POOL_COLUMNS,
            USER_COLUMNS,
            ASSIGNMENT_COLUMNS,
            INCOMPAT_COLUMNS,
            RULE_COLUMNS,
            LINK_COLUMNS,
        ];
        for ((name, columns), rows) in CSV_FILES.iter().zip(columns).zip(rows) {
            write_csv(&mut outputs, &dir.join(name), columns, rows)?;
        }
        if with_secrets {
            write_csv(
                &mut outputs,
                &dir.join("secrets.csv"),
                SECRET_COLUMNS,
                secrets
                    .iter()
                    .map(|s| vec![escape_cell(s.pool_id.as_str()), escape_cell(&s.secret)])
                    .collect(),
            )?;
        }
        outputs.keep = true;
        return Ok(out(
            json!({"format": "csv", "path": dir.display().to_string(), "counts": counts}),
            format!("exported to {}", dir.display()),
        ));
    }
    let trail = store.events(&EventFilter::default())?;
    let exported_at = trail.last().map_or(cx.now, |e| e.event.recorded_at);
    let export = Export {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        exported_at,
        pools,
        users,
        assignments,
        incompatibilities,
        rules,
        links,
        secrets,
        // The trail as it stood before this export recorded itself.
        events: trail
            .into_iter()
            .map(|e| e.event)
            .take_while(|e| e.seq < own_from)
            .collect(),
    };
    let text = serde_json::to_string_pretty(&export)
        .map_err(|e| Failure::new("io", format!("cannot encode the export: {e}")))?;
    match out_path {
        Some(path) => {
            let mut file = outputs.take(path)?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all())
                .map_err(|e| Failure::new("io", format!("cannot write {}: {e}", path.display())))?;
            outputs.keep = true;
            Ok(out(
                json!({"format": "json", "path": path.display().to_string(), "counts": counts}),
                format!("exported to {}", path.display()),
            ))
        }
        None => {
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| Failure::new("io", format!("cannot encode the export: {e}")))?;
            Ok(out(value, text))
        }
    }
}

// ---------------------------------------------------------------- import

/// A CSV row: its line number and its cells by column.
type CsvRow = (u64, serde_json::Map<String, Value>);

fn read_csv(dir: &Path, name: &str, columns: &[&str]) -> Result<Vec<CsvRow>, Failure> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = super::files::read_input(&super::Input::Path(path.clone()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let bad = |line: u64, what: String| {
        Failure::invalid(format!("{name} line {line}: {what}; nothing was imported"))
    };
    let header = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    for h in header.iter() {
        if !columns.contains(&h) {
            return Err(bad(
                1,
                format!(
                    "unknown column {h:?} (the columns are {})",
                    columns.join(",")
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = serde_json::Map::new();
        for (h, cell) in header.iter().zip(record.iter()) {
            row.insert(
                h.to_string(),
                Value::String(unescape_cell(cell).to_string()),
            );
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// Turns the flat CSV cells of one row into the engine record's JSON shape.
fn shape(name: &str, row: &serde_json::Map<String, Value>) -> Result<Value, String> {
    let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let opt = |k: &str| Some(text(k)).filter(|s| !s.is_empty());
    let number = |k: &str| -> Result<Value, String> {
        let t = text(k);
        t.parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{k} {t:?} is not a whole number"))
    };
    let flag = |k: &str| -> Result<bool, String> {
        match text(k).as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            t => Err(format!("{k} {t:?} is not true or false")),
        }
    };
    Ok(match name {
        "pools.csv" => json!({
            "id": text("id"), "name": text("name"), "vendor": text("vendor"),
            "product": text("product"), "plan": text("plan"),
            "tags": if text("tags").is_empty() {
                Value::Array(Vec::new())
            } else {
                serde_json::from_str::<Value>(&text("tags"))
                    .map_err(|_| format!("tags {:?} is not a JSON array of strings", text("tags")))?
            },
            "capacity": number("capacity")?,
            "seat_cost": {"amount": text("cost"), "currency": text("currency")},
            "billing": text("billing_period"), "license_type": text("license_type"),
            "starts_at": opt("starts_at"), "expires_at": opt("expires_at"),
            "expiry_policy": text("policy"), "warning_days": number("warning_days")?,
            "status": text("status"), "notes": text("notes"),
            "lease": {"ttl_seconds": number("ttl_seconds")?, "overage": text("overage"),
                      "linger_seconds": number("linger_seconds")?, "max_borrow_days": number("max_borrow_days")?},
            "created_at": text("created_at"), "updated_at": text("updated_at"),
        }),
        "assignments.csv" => json!({
            "id": text("id"), "pool": text("pool_id"), "user": text("user_id"),
            "source": text("source"), "entitlement": opt("entitlement"), "status": text("status"),
            "assigned_at": text("assigned_at"), "ended_at": opt("ended_at"),
            "reason": opt("reason"), "notes": text("notes"),
        }),
        "incompatibilities.csv" => json!({
            "id": text("id"), "pool_a": text("pool_a"), "pool_b": text("pool_b"),
            "reason": text("reason"), "created_at": text("created_at"),
        }),
        "rules.csv" => {
            let trigger = match text("trigger").as_str() {
                "inactivity" => json!({"trigger": "inactivity", "days": number("threshold_days")?}),
                "lifecycle" => json!({"trigger": "lifecycle", "state": text("state")}),
                t => return Err(format!("trigger {t:?} is not inactivity or lifecycle")),
            };
            json!({"id": text("id"), "pool": text("pool_id"), "trigger": trigger,
                   "notify_days": number("notify_days")?, "enabled": flag("enabled")?,
                   "created_at": text("created_at")})
        }
        "links.csv" => json!({
            "id": text("id"), "pool": text("pool_id"), "entitlement": text("entitlement"),
            "priority": number("priority")?, "enabled": flag("enabled")?, "created_at": text("created_at"),
        }),
        "users.csv" => json!({
            "id": text("id"), "email": text("email"), "active": flag("active")?,
            "lifecycle": text("state"), "last_activity": opt("last_active"),
        }),
        "secrets.csv" => json!({"pool_id": text("pool_id"), "secret": text("secret")}),
        _ => return Err("unknown file".into()),
    })
}

fn records<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
    columns: &[&str],
) -> Result<Vec<T>, Failure> {
    read_csv(dir, name, columns)?
        .into_iter()
        .map(|(line, row)| {
            let bad = |what: String| {
                Failure::invalid(format!("{name} line {line}: {what}; nothing was imported"))
            };
            let value = shape(name, &row).map_err(bad)?;
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))
        })
        .collect()
}

fn read_import(path: &Path) -> Result<Export, Failure> {
    if path.is_dir() {
        return Ok(Export {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            exported_at: Timestamp::UNIX_EPOCH,
            pools: records(path, "pools.csv", POOL_COLUMNS)?,
            users: records(path, "users.csv", USER_COLUMNS)?,
            assignments: records(path, "assignments.csv", ASSIGNMENT_COLUMNS)?,
            incompatibilities: records(path, "incompatibilities.csv", INCOMPAT_COLUMNS)?,
            rules: records(path, "rules.csv", RULE_COLUMNS)?,
            links: records(path, "links.csv", LINK_COLUMNS)?,
            secrets: records(path, "secrets.csv", SECRET_COLUMNS)?,
            events: Vec::new(),
        });
    }
    let text = super::files::read_input(&super::Input::Path(path.to_path_buf()))?;
    let export: Export = serde_json::from_str(&text).map_err(|e| {
        Failure::invalid(format!(
            "{} is not a licman-seats export: {e}; nothing was imported",
            path.display()
        ))
    })?;
    if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
        return Err(Failure::invalid(format!(
            "{} is format {:?} version {}, not {EXPORT_FORMAT} version {EXPORT_VERSION}; nothing was imported",
            path.display(),
            export.format,
            export.version
        )));
    }
    Ok(export)
}

fn spec_of(p: &Pool) -> PoolSpec {
    let mut spec = PoolSpec::new(p.id.clone(), &p.name, p.capacity);
    spec.vendor = p.vendor.clone();
    spec.product = p.product.clone();
    spec.plan = p.plan.clone();
    spec.tags = p.tags.clone();
    spec.seat_cost = p.seat_cost;
    spec.billing = p.billing;
    spec.license_type = p.license_type;
    spec.starts_at = p.starts_at;
    spec.expires_at = p.expires_at;
    spec.expiry_policy = p.expiry_policy;
    spec.warning_days = p.warning_days;
    spec.notes = p.notes.clone();
    spec.lease = p.lease;
    spec
}

/// `text` as a command takes a label ([`normalize_label`]): a name
/// recorded before labels were checked ("Figma ") comes in tidied, and the
/// answer says so.
fn label(adjusted: &mut Vec<String>, what: &str, field: &str, text: &str) -> String {
    let tidy = normalize_label(text);
    if tidy != text {
        adjusted.push(format!(
            "{what}: {field} {text:?} taken as {tidy:?} (no space at either end, no invisible character)"
        ));
    }
    tidy
}

/// Counts of what an import did, by entity.
#[derive(Debug, Default, Serialize)]
struct Tally {
    created: serde_json::Map<String, Value>,
    updated: serde_json::Map<String, Value>,
    unchanged: serde_json::Map<String, Value>,
    /// What was changed on the way in, and why (said in the answer).
    adjusted: Vec<String>,
}

impl Tally {
    fn add(map: &mut serde_json::Map<String, Value>, what: &str) {
        let n = map.get(what).and_then(Value::as_u64).unwrap_or(0);
        map.insert(what.into(), (n + 1).into());
    }
}

/// `import PATH`: a JSON export (file) or a CSV export (directory).
pub(crate) fn import(store: &mut Store, path: &Path, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let doc = read_import(path)?;
    let key = (!doc.secrets.is_empty())
        .then(|| super::secrets::required_key(cx, "importing secrets"))
        .transpose()?;
    let sealed: Vec<(PoolId, crate::secrets::SealedSecret)> = match &key {
        Some(key) => doc
            .secrets
            .iter()
            .map(|s| Ok((s.pool_id.clone(), key.seal(&s.pool_id, &s.secret)?)))
            .collect::<Result<_, Failure>>()?,
        None => Vec::new(),
    };
    let trail_copy = !doc.events.is_empty() && store.head().next_seq == 1;
    let summary = store.transact(cx.actor, None, true, &mut |engine, ecx, existing| {
        if trail_copy && engine.head().next_seq == 1 {
            // An exact copy: the trail must replay, then it is the data.
            let copy = SeatEngine::replay(&doc.events)?;
            *engine = copy;
            let mut events = doc.events.clone();
            let mut secrets = Vec::new();
            for (pool, s) in &sealed {
                // `record` refuses a pool the copied trail does not have.
                let set = engine.record("pool.secret_set", Some(pool.clone()), "import", ecx)?;
                events.push(set);
                secrets.push(SecretWrite::Put {
                    pool: pool.clone(),
                    sealed: s.clone(),
                });
            }
            let value =
                json!({"mode": "trail", "events": doc.events.len(), "secrets": sealed.len()});
            return Ok(Decided {
                value,
                events,
                secrets,
            });
        }
        merge(engine, ecx, &doc, &sealed, existing)
    })?;
    let text = summary.to_string();
    Ok(out(summary, text))
}

fn merge(
    engine: &mut SeatEngine,
    ecx: &Context<'_>,
    doc: &Export,
    sealed: &[(PoolId, crate::secrets::SealedSecret)],
    existing: &[(PoolId, crate::secrets::SealedSecret)],
) -> Result<Decided<Value>, Failure> {
    let mut events = Vec::new();
    let mut tally = Tally::default();
    let mut run = |engine: &mut SeatEngine,
                   command: Command,
                   at: Option<Timestamp>,
                   what: &str|
     -> Result<(), Failure> {
        let cx = Context::new(at.unwrap_or(ecx.now), ecx.actor).recorded_at(ecx.recorded_at);
        let recorded = engine.run(&command, &cx).map_err(|r| {
            let message = format!("{what}: {r}; nothing was imported");
            Failure::from(r).with_message(message)
        })?;
        events.extend(recorded.events);
        Ok(())
    };
    let mut created_pools = Vec::new();
    for p in &doc.pools {
        if engine.state().pool(&p.id).is_some() {
            Tally::add(&mut tally.unchanged, "pools");
            continue;
        }
        let mut spec = spec_of(p);
        let what = format!("pool {}", p.id);
        let adjusted = &mut tally.adjusted;
        spec.name = label(adjusted, &what, "name", &spec.name);
        spec.vendor = label(adjusted, &what, "vendor", &spec.vendor);
        spec.product = label(adjusted, &what, "product", &spec.product);
        spec.plan = label(adjusted, &what, "plan", &spec.plan);
        spec.tags = spec
            .tags
            .iter()
            .map(|t| label(adjusted, &what, "tag", t))
            .collect();
        run(
            engine,
            Command::CreatePool(spec),
            Some(p.created_at),
            &format!("pool {}", p.id),
        )?;
        created_pools.push(p.id.clone());
        Tally::add(&mut tally.created, "pools");
    }
    let mut deactivate = Vec::new();
    for u in &doc.users {
        match engine.state().user(&u.id) {
            None => {
                // Created active while its seats are given back, then made
                // inactive as it was.
                let holds = doc
                    .assignments
                    .iter()
                    .any(|a| a.user == u.id && a.status == AssignmentStatus::Active);
                if !u.active && holds {
                    deactivate.push(u.id.clone());
                }
                let lifecycle = label(
                    &mut tally.adjusted,
                    &format!("user {}", u.id),
                    "lifecycle",
                    &u.lifecycle,
                );
                run(
                    engine,
                    Command::CreateUser {
                        id: u.id.clone(),
                        email: u.email.clone(),
                        active: u.active || holds,
                        lifecycle,
                        last_activity: u.last_activity,
                    },
                    None,
                    &format!("user {}", u.id),
                )?;
                Tally::add(&mut tally.created, "users");
            }
            Some(have) => {
                let lifecycle = label(
                    &mut tally.adjusted,
                    &format!("user {}", u.id),
                    "lifecycle",
                    &u.lifecycle,
                );
                let patch = UserPatch {
                    email: Some(u.email.clone()).filter(|e| *e != have.email),
                    active: Some(u.active).filter(|a| *a != have.active),
                    lifecycle: Some(lifecycle).filter(|s| *s != have.lifecycle),
                    last_activity: u.last_activity.filter(|t| Some(*t) != have.last_activity),
                };
                if patch == UserPatch::default() {
                    Tally::add(&mut tally.unchanged, "users");
                } else {
                    run(
                        engine,
                        Command::UpdateUser {
                            user: u.id.clone(),
                            patch,
                        },
                        None,
                        &format!("user {}", u.id),
                    )?;
                    Tally::add(&mut tally.updated, "users");
                }
            }
        }
    }
    for r in &doc.rules {
        if engine.state().rule(&r.id).is_some() {
            Tally::add(&mut tally.unchanged, "rules");
            continue;
        }
        // A rule written before notices had to be shorter than the
        // threshold (the CLI's default of 7 days on a shorter one) comes in
        // with the longest notice allowed, and the answer says so.
        let notify_days = match r.trigger {
            Trigger::Inactivity { days } if r.notify_days >= days => {
                let shortened = days.saturating_sub(1);
                tally.adjusted.push(format!(
                    "rule {}: notice of {} days shortened to {shortened} (it must be shorter than the {days}-day threshold)",
                    r.id, r.notify_days
                ));
                shortened
            }
            _ => r.notify_days,
        };
        let trigger = match &r.trigger {
            Trigger::Lifecycle { state } => Trigger::Lifecycle {
                state: label(
                    &mut tally.adjusted,
                    &format!("rule {}", r.id),
                    "lifecycle state",
                    state,
                ),
            },
            other => other.clone(),
        };
        run(
            engine,
            Command::CreateRule {
                id: r.id.clone(),
                pool: r.pool.clone(),
                trigger,
                notify_days,
                enabled: r.enabled,
            },
            Some(r.created_at),
            &format!("rule {}", r.id),
        )?;
        Tally::add(&mut tally.created, "rules");
    }
    for l in &doc.links {
        if engine.state().link(&l.id).is_some() {
            Tally::add(&mut tally.unchanged, "links");
            continue;
        }
        run(
            engine,
            Command::CreateLink {
                id: l.id.clone(),
                pool: l.pool.clone(),
                entitlement: label(
                    &mut tally.adjusted,
                    &format!("link {}", l.id),
                    "entitlement",
                    &l.entitlement,
                ),
                priority: l.priority,
                enabled: l.enabled,
            },
            Some(l.created_at),
            &format!("link {}", l.id),
        )?;
        Tally::add(&mut tally.created, "links");
    }
    let mut history = 0u64;
    for a in &doc.assignments {
        if engine.state().assignment(&a.id).is_some() {
            Tally::add(&mut tally.unchanged, "assignments");
            continue;
        }
        if a.status != AssignmentStatus::Active {
            history += 1;
            continue;
        }
        run(
            engine,
            Command::Assign {
                id: a.id.clone(),
                pool: a.pool.clone(),
                user: a.user.clone(),
                source: a.source,
                notes: a.notes.clone(),
            },
            Some(a.assigned_at),
            &format!("assignment {}", a.id),
        )?;
        Tally::add(&mut tally.created, "assignments");
    }
    // Seats first, then the rules that would have refused them: a user who
    // became inactive, or who got both seats before the two pools were made
    // incompatible, keeps them, as in the store exported.
    for id in &deactivate {
        run(
            engine,
            Command::UpdateUser {
                user: id.clone(),
                patch: UserPatch {
                    active: Some(false),
                    ..UserPatch::default()
                },
            },
            None,
            &format!("user {id}"),
        )?;
    }
    for i in &doc.incompatibilities {
        if engine.state().incompatibility(&i.id).is_some() {
            Tally::add(&mut tally.unchanged, "incompatibilities");
            continue;
        }
        run(
            engine,
            Command::CreateIncompatibility {
                id: i.id.clone(),
                pool_a: i.pool_a.clone(),
                pool_b: i.pool_b.clone(),
                reason: i.reason.clone(),
            },
            Some(i.created_at),
            &format!("incompatibility {}", i.id),
        )?;
        Tally::add(&mut tally.created, "incompatibilities");
    }
    // Archive last: an archived pool takes no assignment.
    for p in doc
        .pools
        .iter()
        .filter(|p| p.status == PoolStatus::Archived)
    {
        if created_pools.contains(&p.id) {
            run(
                engine,
                Command::ArchivePool { pool: p.id.clone() },
                None,
                &format!("pool {}", p.id),
            )?;
        }
    }
    let mut secrets = Vec::new();
    for (pool, s) in sealed {
        if existing.iter().any(|(p, _)| p == pool) {
            Tally::add(&mut tally.unchanged, "secrets");
            continue;
        }
        events.push(engine.record("pool.secret_set", Some(pool.clone()), "import", ecx)?);
        secrets.push(SecretWrite::Put {
            pool: pool.clone(),
            sealed: s.clone(),
        });
        Tally::add(&mut tally.created, "secrets");
    }
    Ok(Decided {
        value: json!({"mode": "merge", "created": tally.created, "updated": tally.updated,
                      "unchanged": tally.unchanged, "adjusted": tally.adjusted,
                      "history_not_imported": history}),
        events,
        secrets,
    })
}

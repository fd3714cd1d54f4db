//! The `licman-seats` command line: parsing (clap) and running each
//! command against the store, printing text or, with `--json`, the JSON
//! contract of [`crate::render`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use licman_core::Timestamp;
use licman_core::seats::{
    AssignmentId, AssignmentSource, AssignmentStatus, BillingPeriod, BulkAssignItem, Command,
    Currency, ExpiryPolicy, LeaseOptions, LicenseType, Money, Overage, Pool, PoolId, PoolPatch,
    PoolSpec, PoolStatus, Reply, SeatState, UserId, UserPatch,
};
use serde_json::{Value, json};

mod files;
mod leases;
mod licensed;
mod reports;
mod rules;
mod secrets;
pub mod transfer;

pub use files::Input;
pub use leases::LeaseCmd;
pub use rules::{IncompatCmd, LinkCmd, RuleCmd};
pub use secrets::SiteKeyCmd;

use crate::error::Failure;
use crate::render;
use crate::store::{EventFilter, EventPage, Store};
use crate::time::{parse_duration, parse_time};

/// Keeps pools of license seats, assigns and reclaims them, and records
/// every change in a hash-chained audit trail.
///
/// Exit status: 0 success, 1 a refusal or failure (the message says which;
/// with --json, {"error": {"code", "message"}} on stdout), 2 a usage error.
#[derive(Debug, Parser)]
#[command(name = "licman-seats", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The store: a SQLite file (created, mode 0600, if missing).
    #[arg(
        long,
        env = "LICMAN_SEATS_DB",
        default_value = "licman-seats.db",
        global = true
    )]
    pub db: String,
    /// Who acts, in the audit trail (default: the OS user).
    #[arg(long, env = "LICMAN_SEATS_ACTOR", global = true)]
    pub actor: Option<String>,
    /// Print JSON objects instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Evaluate the command as of this time (YYYY-MM-DD or RFC 3339); what
    /// it changes records this time, its audit events the wall clock.
    #[arg(long, global = true, value_name = "TIME")]
    pub at: Option<String>,
    /// A signed revocation list (armored) that license-backed pools'
    /// licenses are checked against (`pool create --from-license`, `pool
    /// license`, `license-check`).
    #[arg(
        long,
        env = "LICMAN_SEATS_REVOCATIONS",
        global = true,
        value_name = "FILE"
    )]
    pub revocations: Option<PathBuf>,
    /// The site key that seals pool secrets (`site-key new` makes one).
    #[arg(long, env = "LICMAN_SEATS_KEY", global = true, value_name = "FILE")]
    pub site_key: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Cmd,
}

const EXAMPLES: &str = "Examples:
  licman-seats pool create --name Figma --vendor Figma --capacity 10 --cost 15.00
  licman-seats user add ada --email ada@example.com
  licman-seats assign Figma ada
  licman-seats --json assignments --pool Figma
  licman-seats audit verify";

/// The commands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum Cmd {
    /// Users the seats go to.
    #[command(subcommand)]
    User(UserCmd),
    /// Pools of seats.
    #[command(subcommand)]
    Pool(PoolCmd),
    /// Gives USER a seat of POOL (its id or name).
    Assign {
        /// The pool's id or name.
        pool: String,
        /// The user's id.
        user: String,
        /// manual, automatic or entitlement.
        #[arg(long, default_value = "manual")]
        source: String,
        /// A note kept with the assignment.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Frees a seat: the assignment ends as released.
    Deallocate {
        /// The assignment's id.
        assignment: String,
    },
    /// Takes a seat back: the assignment ends as reclaimed, with a reason.
    Reclaim {
        /// The assignment's id.
        assignment: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
    /// Many at once, each item's result in input order.
    #[command(subcommand)]
    Bulk(BulkCmd),
    /// Lists assignments.
    Assignments {
        /// Of this pool (id or name).
        #[arg(long)]
        pool: Option<String>,
        /// Of this user.
        #[arg(long)]
        user: Option<String>,
        /// active, released, reclaimed or expired.
        #[arg(long)]
        status: Option<String>,
        /// manual, automatic or entitlement.
        #[arg(long)]
        source: Option<String>,
        #[command(flatten)]
        page: Page,
        /// Only these users' (a server token's scope; not an option).
        #[arg(skip)]
        within: Option<BTreeSet<String>>,
    },
    /// Concurrent seats: checkout, heartbeat, release.
    #[command(subcommand)]
    Lease(LeaseCmd),
    /// Lists leases (status as of now: active, expired, released, ended).
    Leases {
        /// Of this pool (id or name).
        #[arg(long)]
        pool: Option<String>,
        /// Of this holder.
        #[arg(long)]
        holder: Option<String>,
        /// active, expired, released or ended.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        page: Page,
        /// Only these pools' (ids or names: a server token's scope; not an
        /// option).
        #[arg(skip)]
        within: Option<BTreeSet<String>>,
    },
    /// Pools no user may hold together.
    #[command(subcommand)]
    Incompat(IncompatCmd),
    /// Reclamation rules (inactivity, lifecycle state).
    #[command(subcommand)]
    Rule(RuleCmd),
    /// The reclamation plan as of now (or --at); --apply carries it out.
    ReclaimRun {
        /// Record the notices and reclaim the seats.
        #[arg(long)]
        apply: bool,
    },
    /// Entitlements linked to pools.
    #[command(subcommand)]
    Link(LinkCmd),
    /// Gives USER a seat for ENTITLEMENT from the best linked pool.
    Grant {
        /// The user.
        user: String,
        /// The entitlement.
        entitlement: String,
    },
    /// Releases the seat USER holds for ENTITLEMENT.
    Withdraw {
        /// The user.
        user: String,
        /// The entitlement.
        entitlement: String,
    },
    /// Applies every pool's expiration policy as of now (or --at).
    Expire,
    /// Re-verifies every license-backed pool's license now (against
    /// --revocations FILE, if given) and sets the pool to what it grants
    /// (seats, end; a revoked license ends the pool), then applies
    /// expiration policies. `serve` does this itself.
    LicenseCheck,
    /// Utilization, spend, expirations and recommendations.
    Analytics {
        /// Pools expiring within this many days count as expiring soon.
        #[arg(long, default_value_t = 90)]
        window: u32,
    },
    /// The compliance report.
    Report {
        /// Only this pool (repeat for more).
        #[arg(long)]
        pool: Vec<String>,
        /// Only this vendor's pools.
        #[arg(long)]
        vendor: Option<String>,
        /// Breaches active on or after (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Breaches active on or before.
        #[arg(long)]
        to: Option<String>,
    },
    /// The audit trail; `audit verify` checks it.
    Audit(AuditArgs),
    /// Site keys for pool secrets.
    #[command(subcommand)]
    SiteKey(SiteKeyCmd),
    /// Every entity out: one JSON document (with the trail), or a directory
    /// of CSV files. Secrets only with --with-secrets (and the site key).
    #[command(after_help = "Examples:
  licman-seats export --out backup.json
  licman-seats export --format csv --out seats-csv/
  licman-seats --db copy.db import backup.json")]
    Export {
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// The file (JSON; default stdout) or directory (CSV) to write,
        /// mode 0600; existing files are not replaced.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Include every pool's secret, in clear (each read is audited).
        #[arg(long)]
        with_secrets: bool,
    },
    /// Reads an export back: into an empty store, a JSON export is an exact
    /// copy of the trail; otherwise what is missing is created. Idempotent.
    Import {
        /// A JSON export file, or a directory of CSV files.
        path: PathBuf,
    },
    /// Serves the REST API (/api/v1), its OpenAPI document and the admin
    /// dashboard (/) over this store, to the bearer tokens of a tokens file.
    #[command(after_help = "Examples:
  licman-seats token new --name ops --role admin >> tokens.toml
  licman-seats --db postgres://seats@db/seats serve --listen 127.0.0.1:8080 --tokens tokens.toml")]
    Serve(crate::server::ServeArgs),
    /// Bearer tokens for `serve`.
    #[command(subcommand)]
    Token(crate::server::tokens::TokenCmd),
    /// Seals every pool secret with a new site key, in one transaction.
    Rekey {
        /// The new key (from `site-key new`); --site-key names the current.
        #[arg(long, value_name = "FILE")]
        new_key: PathBuf,
    },
}

/// `--sort`, `--limit` and `--offset` of every list.
#[derive(Debug, Args, Clone)]
pub struct Page {
    /// Order by this field of the listed objects (`-field` for descending;
    /// ties keep the list's own order).
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// At most this many items.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Skip this many first.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

/// `user …`.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Adds a user.
    Add {
        /// The user's id (chosen by you: an employee id, a login).
        id: String,
        /// Their email.
        #[arg(long)]
        email: String,
        /// Their lifecycle state (free text: active, on_leave, terminated).
        #[arg(long, default_value = "active")]
        state: String,
        /// Added inactive (no new seats).
        #[arg(long)]
        inactive: bool,
    },
    /// Changes a user.
    Set {
        /// The user's id.
        id: String,
        /// Their lifecycle state.
        #[arg(long)]
        state: Option<String>,
        /// Whether they may get seats.
        #[arg(long)]
        active: Option<bool>,
        /// When they were last active (YYYY-MM-DD or RFC 3339).
        #[arg(long, value_name = "TIME")]
        last_active: Option<String>,
        /// Their email.
        #[arg(long)]
        email: Option<String>,
    },
    /// Lists users.
    List {
        #[command(flatten)]
        page: Page,
        /// Only these users (a server token's scope; not an option).
        #[arg(skip)]
        within: Option<BTreeSet<String>>,
    },
    /// Adds and updates users from a CSV file (columns: id,email and any of
    /// active,state,last_active), all or nothing.
    #[command(after_help = "Example file:
  id,email,active,state,last_active
  ada,ada@example.com,true,active,2026-11-20
  bob,bob@example.com,false,terminated,

Example:
  licman-seats user import hr-export.csv")]
    Import {
        /// The CSV file; `-` reads stdin.
        #[arg(value_name = "FILE")]
        file: Input,
    },
}

/// `pool …`.
#[derive(Debug, Subcommand)]
pub enum PoolCmd {
    /// Creates a pool and prints its id.
    #[command(after_help = "Examples:
  licman-seats pool create --name Figma --vendor Figma --capacity 25 --cost 15.00 --tag design
  licman-seats pool create --name Office --vendor Microsoft --capacity 500 --cost 264.00 --billing annual --expires 2027-06-30 --policy revoke-all
  licman-seats pool create --name CAD --vendor Autodesk --capacity 10 --type concurrent --ttl 15m --overage 1.25x --linger 2m
  licman-seats --site-key site.key pool create --name Jira --vendor Atlassian --capacity 100 --secret-file jira-license.txt")]
    Create(Box<PoolCreate>),
    /// Lists pools (archived and expired ones too, unless --status says).
    List {
        /// Of this vendor.
        #[arg(long)]
        vendor: Option<String>,
        /// named or concurrent.
        #[arg(long = "type")]
        license_type: Option<String>,
        /// active, expired or archived.
        #[arg(long)]
        status: Option<String>,
        /// Carrying this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Whose name, vendor, product or notes contain this (any case).
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// One pool, with its assignments by source and its last 20 events.
    Show {
        /// The pool's id or name.
        pool: String,
    },
    /// Changes a pool.
    Update {
        /// The pool's id or name.
        pool: String,
        /// Seats (not below those allocated).
        #[arg(long)]
        capacity: Option<u32>,
        /// Cost of a seat, in the pool's currency (12.50).
        #[arg(long)]
        cost: Option<String>,
        /// Expiration date (YYYY-MM-DD or RFC 3339), or `none`: it no
        /// longer expires.
        #[arg(long)]
        expires: Option<String>,
        /// block-new or revoke-all.
        #[arg(long)]
        policy: Option<String>,
        /// Days of warning before it expires.
        #[arg(long)]
        warning_days: Option<u32>,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new vendor key or credential, from this file (needs the site key).
        #[arg(long, value_name = "FILE")]
        secret_file: Option<PathBuf>,
    },
    /// Shows the pool's vendor key or credential (needs the site key); every
    /// read is recorded in the audit trail.
    Secret {
        /// The pool's id or name.
        pool: String,
    },
    /// Gives a license-backed pool a new license (a renewal or an upgrade):
    /// verified with the pool's keys, product and quota, and followed at
    /// once (fewer seats than are out: none given until under).
    License {
        /// The pool's id or name.
        pool: String,
        /// The new license file.
        #[arg(value_name = "FILE")]
        license: Input,
    },
    /// Archives a pool: no new seats; its rules do nothing.
    Archive {
        /// The pool's id or name.
        pool: String,
    },
    /// Deletes a pool (refused while it holds seats).
    Delete {
        /// The pool's id or name.
        pool: String,
    },
}

/// `pool create` options.
#[derive(Debug, Args)]
pub struct PoolCreate {
    /// A unique name.
    #[arg(long)]
    pub name: String,
    /// The vendor.
    #[arg(long)]
    pub vendor: String,
    /// Seats (at least 1; with --from-license, the license's quota).
    #[arg(
        long,
        required_unless_present = "from_license",
        conflicts_with = "from_license"
    )]
    pub capacity: Option<u32>,
    /// The product.
    #[arg(long, default_value = "")]
    pub product: String,
    /// The plan (Business, Enterprise…).
    #[arg(long, default_value = "")]
    pub plan: String,
    /// When it starts (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub starts: Option<String>,
    /// Notes.
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Cost of a seat per billing period, in the currency's minor-unit precision (12.50).
    #[arg(long, default_value = "0")]
    pub cost: String,
    /// ISO 4217 currency.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// monthly, annual or perpetual.
    #[arg(long, default_value = "monthly")]
    pub billing: String,
    /// named (the default) or concurrent (the only kind --from-license makes).
    #[arg(long = "type")]
    pub license_type: Option<String>,
    /// Expiration date (YYYY-MM-DD or RFC 3339): expired from then on.
    #[arg(long)]
    pub expires: Option<String>,
    /// block-new (seats stay, none added) or revoke-all.
    #[arg(long, default_value = "block-new")]
    pub policy: String,
    /// Days of warning before it expires.
    #[arg(long, default_value_t = 30)]
    pub warning_days: u32,
    /// A tag (repeat for more).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Lease time of a concurrent seat (10m, 1h).
    #[arg(long, default_value = "10m")]
    pub ttl: String,
    /// How far concurrent leases may go beyond capacity: none, 1.25x, 1.5x, 2x.
    #[arg(long, default_value = "none")]
    pub overage: String,
    /// How long a released concurrent seat stays held (0, 30s, 5m).
    #[arg(long, default_value = "0")]
    pub linger: String,
    /// The longest offline borrow of a concurrent seat, in days (0: none).
    #[arg(long, value_name = "DAYS", default_value_t = 0)]
    pub max_borrow_days: u32,
    /// The vendor's key or credential for this pool, from this file, sealed
    /// with the site key (--site-key).
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// Take the capacity from this signed licman license (a concurrent pool
    /// that follows the license: `serve` and `license-check` re-verify it;
    /// its end of grace, or a revocation, ends the pool).
    #[arg(long, value_name = "FILE", requires_all = ["quota", "public_key", "catalog"])]
    pub from_license: Option<Input>,
    /// The license's quota that is the pool's capacity (seats).
    #[arg(long, value_name = "NAME")]
    pub quota: Option<String>,
    /// The vendor's public-key file (`lmpk1_` lines) the license must verify with.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<Input>,
    /// The vendor's catalog (TOML), which names the product and the quota.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<Input>,
}

/// `bulk …`.
#[derive(Debug, Subcommand)]
pub enum BulkCmd {
    /// Gives every user in FILE (one id a line; - for stdin) a seat of POOL.
    #[command(after_help = "Examples:
  licman-seats bulk assign Figma --users new-hires.txt
  printf 'ada\\nbob\\n' | licman-seats --json bulk assign Figma --users -")]
    Assign {
        /// The pool's id or name.
        pool: String,
        /// One user id a line; `-` reads stdin.
        #[arg(long, value_name = "FILE")]
        users: Input,
    },
    /// Reclaims every assignment in FILE (one id a line; - for stdin) of POOL.
    Reclaim {
        /// The pool's id or name.
        pool: String,
        /// One assignment id a line; `-` reads stdin.
        #[arg(long, value_name = "FILE")]
        assignments: Input,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
}

/// `audit [verify]`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// `verify`: replay the chain and name the first bad event.
    #[command(subcommand)]
    pub verify: Option<AuditCmd>,
    /// About this pool (id or name).
    #[arg(long)]
    pub pool: Option<String>,
    /// About this user.
    #[arg(long)]
    pub user: Option<String>,
    /// With this action (assignment.created…).
    #[arg(long)]
    pub action: Option<String>,
    /// Recorded on or after (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Recorded before.
    #[arg(long)]
    pub to: Option<String>,
    #[command(flatten)]
    pub page: Page,
}

/// `audit verify`.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Replays the chain from the rows; names the first bad event.
    Verify,
}

/// What a command printed: JSON, and its text form.
#[derive(Debug)]
pub struct Output {
    /// The `--json` object.
    pub json: Value,
    /// The text form.
    pub text: String,
}

pub(crate) fn out(json: Value, text: impl Into<String>) -> Output {
    Output {
        json,
        text: text.into(),
    }
}

/// A fresh id: `prefix` and 16 random hex digits.
pub(crate) fn new_id(prefix: &str) -> Result<String, Failure> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::new("io", format!("no randomness for a new id: {e}")))?;
    let hex = crate::hex::encode(&bytes);
    Ok(format!("{prefix}_{hex}"))
}

pub(crate) fn option<T: std::str::FromStr>(
    what: &str,
    text: &str,
    allowed: &str,
) -> Result<T, Failure> {
    text.replace('-', "_")
        .parse()
        .or_else(|_| text.parse())
        .map_err(|_| Failure::invalid(format!("{what} {text:?} is not one of {allowed}")))
}

pub(crate) fn user_id(text: &str) -> Result<UserId, Failure> {
    UserId::new(text).map_err(|e| Failure::invalid(format!("user id {text:?}: {e}")))
}

pub(crate) fn assignment_id(text: &str) -> Result<AssignmentId, Failure> {
    AssignmentId::new(text).map_err(|e| Failure::invalid(format!("assignment id {text:?}: {e}")))
}

/// A pool by id, else by name.
pub(crate) fn find_pool<'a>(state: &'a SeatState, text: &str) -> Result<&'a Pool, Failure> {
    PoolId::new(text)
        .ok()
        .and_then(|id| state.pool(&id))
        .or_else(|| state.pool_named(text))
        .ok_or_else(|| {
            Failure::new(
                "unknown_pool",
                format!("no pool has the id or name {text:?}"),
            )
        })
}

pub(crate) fn money(text: &str, currency: Currency) -> Result<Money, Failure> {
    Money::parse(text, currency).map_err(|e| {
        Failure::new(
            "invalid_value",
            format!("cost {text:?} in {}: {e}", currency.code()),
        )
    })
}

/// A list as every list command prints it: rendered, ordered by
/// `--sort` if given, then the page of it; the text form shows `fields` of
/// each shown item, tab-separated.
pub(crate) fn paged<T>(
    items: &[T],
    page: &Page,
    render: impl Fn(&T) -> Value,
    fields: &[&str],
) -> Result<Output, Failure> {
    let mut rendered: Vec<Value> = items.iter().map(render).collect();
    if let Some(sort) = &page.sort {
        let (key, descending) = match sort.strip_prefix('-') {
            Some(key) => (key, true),
            None => (sort.as_str(), false),
        };
        if let Some(Value::Object(first)) = rendered.first() {
            if !first.contains_key(key) {
                let keys: Vec<&str> = first.keys().map(String::as_str).collect();
                return Err(Failure::invalid(format!(
                    "cannot sort by {key:?}: the items have {}",
                    keys.join(", ")
                )));
            }
        }
        rendered.sort_by(|a, b| {
            let order = compare(&a[key], &b[key]);
            if descending { order.reverse() } else { order }
        });
    }
    let total = rendered.len();
    let shown: Vec<Value> = rendered
        .into_iter()
        .skip(page.offset)
        .take(page.limit)
        .collect();
    let text = shown
        .iter()
        .map(|item| {
            fields
                .iter()
                .map(|f| plain(&item[*f]))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(out(
        render::page(shown, total, page.limit, page.offset),
        text,
    ))
}

/// Orders JSON values of one field, totally: nulls first, then numbers
/// (money by amount, numeric strings by value), then everything else by
/// its text.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn key(v: &Value) -> (u8, f64, String) {
        let number = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse::<f64>().ok(),
            Value::Object(m) => m
                .get("amount")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok()),
            _ => None,
        }
        .filter(|n: &f64| n.is_finite());
        match (v, number) {
            (Value::Null, _) => (0, 0.0, String::new()),
            (_, Some(n)) => (1, n, String::new()),
            (Value::String(s), None) => (2, 0.0, s.clone()),
            (other, None) => (2, 0.0, other.to_string()),
        }
    }
    let (ka, kb) = (key(a), key(b));
    ka.0.cmp(&kb.0)
        .then_with(|| ka.1.total_cmp(&kb.1))
        .then_with(|| ka.2.cmp(&kb.2))
}

/// A JSON value as a text column: strings bare, null empty, money as
/// `12.50 USD`.
pub(crate) fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("amount") => format!(
            "{} {}",
            m.get("amount").and_then(Value::as_str).unwrap_or(""),
            m.get("currency").and_then(Value::as_str).unwrap_or("")
        ),
        other => other.to_string(),
    }
}

/// What every command runs with: who acts, the time it is evaluated at,
/// and the site key's file.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub(crate) actor: &'a str,
    pub(crate) at: Option<Timestamp>,
    pub(crate) now: Timestamp,
    pub(crate) site_key: Option<&'a std::path::Path>,
    /// The revocation lists license-backed pools are checked against.
    pub(crate) revocations: &'a [licman_core::UnverifiedRevocationList],
}

impl<'a> Ctx<'a> {
    /// A command run by `actor` at the store's clock `now` (no `--at`, no
    /// site key): how the server runs what a request asks.
    pub fn new(actor: &'a str, now: Timestamp) -> Ctx<'a> {
        Ctx {
            actor,
            at: None,
            now,
            site_key: None,
            revocations: &[],
        }
    }

    /// The same, checking licenses against `revocations`.
    pub fn with_revocations(
        self,
        revocations: &'a [licman_core::UnverifiedRevocationList],
    ) -> Ctx<'a> {
        Ctx {
            revocations,
            ..self
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Output, Failure> {
    match &cli.command {
        Cmd::SiteKey(cmd) => return secrets::site_key(cmd),
        Cmd::Token(cmd) => return crate::server::tokens::command(cmd),
        Cmd::Serve(_) if cli.at.is_some() => {
            return Err(Failure::invalid(
                "serve runs on the clock: --at is for one command, not a server",
            ));
        }
        Cmd::Serve(args) => return crate::server::serve(&cli.db, args),
        _ => {}
    }
    let mut store = Store::open(&cli.db)?;
    run_on(&mut store, cli)
}

/// Runs a parsed command line on a store that is already open (`cli.db`
/// is not read): how a host that embeds the store runs the CLI's commands
/// (the Python binding's `licman.seats.Store`), with the same JSON. The
/// store first catches up with what other writers appended, so a
/// long-lived store answers reads as a fresh process would. `serve`,
/// `token` and `site-key` run from the command line only.
///
/// ```
/// use clap::Parser as _;
/// use licman_seats::{cli::{run_on, Cli}, store::Store};
/// let dir = tempfile::tempdir()?;
/// let mut store = Store::open(dir.path().join("seats.db").to_str().unwrap())?;
/// let cli = Cli::try_parse_from(["licman-seats", "pool", "create", "--name", "CAD", "--vendor", "A", "--capacity", "2"])?;
/// assert!(run_on(&mut store, &cli)?.json["id"].is_string());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_on(store: &mut Store, cli: &Cli) -> Result<Output, Failure> {
    if matches!(cli.command, Cmd::SiteKey(_) | Cmd::Token(_) | Cmd::Serve(_)) {
        return Err(Failure::invalid(
            "serve, token and site-key run from the command line only",
        ));
    }
    store.catch_up()?;
    let at = cli.at.as_deref().map(parse_time).transpose()?;
    let actor = cli.actor.clone().unwrap_or_else(os_user);
    let now = match at {
        Some(at) => at,
        None => store.now()?,
    };
    let revocations = match &cli.revocations {
        Some(path) => vec![crate::licensed::read_revocations(&files::read_input(
            &Input::Path(path.clone()),
        )?)?],
        None => Vec::new(),
    };
    let cx = Ctx {
        actor: &actor,
        at,
        now,
        site_key: cli.site_key.as_deref(),
        revocations: &revocations,
    };
    execute(store, &cli.command, &cx)
}

/// Runs one command on an open store: the CLI's work, and the server's
/// (which builds the same [`Cmd`] from a request, so both answer with the
/// same JSON).
pub fn execute(store: &mut Store, command: &Cmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let (actor, at) = (cx.actor, cx.at);
    match command {
        Cmd::User(cmd) => user(store, cmd, cx),
        Cmd::Pool(cmd) => pool(store, cmd, cx),
        Cmd::Assign {
            pool,
            user,
            source,
            note,
        } => {
            let pool = find_pool(store.state(), pool)?.id.clone();
            let id = assignment_id(&new_id("asg")?)?;
            let command = Command::Assign {
                id: id.clone(),
                pool,
                user: user_id(user)?,
                source: option("source", source, "manual, automatic, entitlement")?,
                notes: note.clone(),
            };
            store.run(&command, actor, at)?;
            let a = store
                .state()
                .assignment(&id)
                .ok_or_else(|| Failure::new("database", "the new assignment is missing"))?;
            Ok(out(render::assignment(store.state(), a), id.as_str()))
        }
        Cmd::Deallocate { assignment } => end(store, assignment, None, actor, at),
        Cmd::Reclaim { assignment, reason } => end(store, assignment, Some(reason), actor, at),
        Cmd::Bulk(BulkCmd::Assign { pool, users }) => bulk_assign(store, pool, users, actor, at),
        Cmd::Bulk(BulkCmd::Reclaim {
            pool,
            assignments,
            reason,
        }) => files::bulk_reclaim(store, pool, assignments, reason, cx),
        Cmd::Assignments {
            pool,
            user,
            status,
            source,
            page,
            within,
        } => {
            let state = store.state();
            let pool = pool.as_deref().map(|p| find_pool(state, p)).transpose()?;
            let status: Option<AssignmentStatus> = status
                .as_deref()
                .map(|s| option("status", s, "active, released, reclaimed, expired"))
                .transpose()?;
            let source: Option<AssignmentSource> = source
                .as_deref()
                .map(|s| option("source", s, "manual, automatic, entitlement"))
                .transpose()?;
            let mut items: Vec<_> = state
                .assignments()
                .filter(|a| pool.is_none_or(|p| a.pool == p.id))
                .filter(|a| user.as_deref().is_none_or(|u| a.user.as_str() == u))
                .filter(|a| status.is_none_or(|s| a.status == s))
                .filter(|a| source.is_none_or(|s| a.source == s))
                .filter(|a| within.as_ref().is_none_or(|w| w.contains(a.user.as_str())))
                .collect();
            items.sort_by(|a, b| (a.assigned_at, &a.id).cmp(&(b.assigned_at, &b.id)));
            paged(
                &items,
                page,
                |a| render::assignment(state, a),
                &["id", "pool_name", "user_id", "status"],
            )
        }
        Cmd::Audit(args) => audit(store, args),
        Cmd::Lease(cmd) => leases::lease(store, cmd, cx),
        Cmd::Leases {
            pool,
            holder,
            status,
            page,
            within,
        } => leases::list(
            store,
            leases::LeaseFilter {
                pool: pool.as_deref(),
                holder: holder.as_deref(),
                status: status.as_deref(),
                within: within.as_ref(),
            },
            page,
            cx,
        ),
        Cmd::Incompat(cmd) => rules::incompat(store, cmd, cx),
        Cmd::Rule(cmd) => rules::rule(store, cmd, cx),
        Cmd::ReclaimRun { apply } => rules::reclaim_run(store, *apply, cx),
        Cmd::Link(cmd) => rules::link(store, cmd, cx),
        Cmd::Grant { user, entitlement } => rules::grant(store, user, entitlement, cx),
        Cmd::Withdraw { user, entitlement } => rules::withdraw(store, user, entitlement, cx),
        Cmd::Expire => reports::expire(store, cx),
        Cmd::LicenseCheck => licensed::check(store, cx),
        Cmd::Analytics { window } => reports::analytics(store, *window, cx),
        Cmd::Report {
            pool,
            vendor,
            from,
            to,
        } => reports::report(
            store,
            pool,
            vendor.as_deref(),
            from.as_deref(),
            to.as_deref(),
            cx,
        ),
        Cmd::SiteKey(cmd) => secrets::site_key(cmd),
        Cmd::Token(cmd) => crate::server::tokens::command(cmd),
        Cmd::Serve(_) => Err(Failure::invalid("serve runs from the command line only")),
        Cmd::Rekey { new_key } => secrets::rekey(store, new_key, cx),
        Cmd::Export {
            format,
            out,
            with_secrets,
        } => transfer::export(store, format, out.as_deref(), *with_secrets, cx),
        Cmd::Import { path } => transfer::import(store, path, cx),
    }
}

fn user(store: &mut Store, cmd: &UserCmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let (actor, at) = (cx.actor, cx.at);
    match cmd {
        UserCmd::Add {
            id,
            email,
            state,
            inactive,
        } => {
            let uid = user_id(id)?;
            store.run(
                &Command::CreateUser {
                    id: uid.clone(),
                    email: email.clone(),
                    active: !inactive,
                    lifecycle: state.clone(),
                    last_activity: None,
                },
                actor,
                at,
            )?;
            shown_user(store, &uid)
        }
        UserCmd::Set {
            id,
            state,
            active,
            last_active,
            email,
        } => {
            let uid = user_id(id)?;
            let patch = UserPatch {
                email: email.clone(),
                active: *active,
                lifecycle: state.clone(),
                last_activity: last_active.as_deref().map(parse_time).transpose()?,
            };
            store.run(
                &Command::UpdateUser {
                    user: uid.clone(),
                    patch,
                },
                actor,
                at,
            )?;
            shown_user(store, &uid)
        }
        UserCmd::List { page, within } => {
            let mut users: Vec<_> = store
                .state()
                .users()
                .filter(|u| within.as_ref().is_none_or(|w| w.contains(u.id.as_str())))
                .collect();
            users.sort_by(|a, b| a.id.cmp(&b.id));
            paged(
                &users,
                page,
                |u| render::user(u),
                &["id", "email", "active", "state"],
            )
        }
        UserCmd::Import { file } => files::import_users(store, file, cx),
    }
}

fn shown_user(store: &Store, id: &UserId) -> Result<Output, Failure> {
    let u = store
        .state()
        .user(id)
        .ok_or_else(|| Failure::new("database", "the user is missing"))?;
    Ok(out(render::user(u), u.id.as_str()))
}

fn pool(store: &mut Store, cmd: &PoolCmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let (actor, at, now) = (cx.actor, cx.at, cx.now);
    match cmd {
        PoolCmd::Create(c) => {
            let currency: Currency = c.currency.parse().map_err(|_| {
                Failure::new(
                    "unknown_currency",
                    format!("{:?} is not an ISO 4217 currency code", c.currency),
                )
            })?;
            let id = PoolId::new(&new_id("pool")?)
                .map_err(|e| Failure::invalid(format!("pool id: {e}")))?;
            let license = match &c.from_license {
                Some(file) => Some(licensed_source(c, file, now, cx.revocations)?),
                None => None,
            };
            let capacity = match (&license, c.capacity) {
                (Some(_), Some(_)) => {
                    return Err(Failure::invalid(
                        "a pool from a license takes its capacity from the license: no capacity",
                    ));
                }
                (Some((_, grant)), None) => grant.capacity,
                (None, Some(capacity)) => capacity,
                (None, None) => return Err(Failure::invalid("a pool needs --capacity")),
            };
            let mut spec = PoolSpec::new(id.clone(), &c.name, capacity);
            spec.vendor = c.vendor.clone();
            spec.product = c.product.clone();
            spec.plan = c.plan.clone();
            spec.tags = c.tag.clone();
            spec.notes = c.notes.clone();
            spec.seat_cost = money(&c.cost, currency)?;
            spec.billing =
                option::<BillingPeriod>("billing", &c.billing, "monthly, annual, perpetual")?;
            spec.license_type = match (&c.license_type, &license) {
                (None, None) => LicenseType::Named,
                (None, Some(_)) => LicenseType::Concurrent,
                (Some(t), _) => option::<LicenseType>("type", t, "named, concurrent")?,
            };
            if license.is_some() && spec.license_type != LicenseType::Concurrent {
                return Err(Failure::invalid(
                    "a pool from a license is a concurrent pool (--type concurrent)",
                ));
            }
            spec.starts_at = c.starts.as_deref().map(parse_time).transpose()?;
            spec.expires_at = c.expires.as_deref().map(parse_time).transpose()?;
            if let Some((_, grant)) = &license {
                if c.expires.is_some() {
                    return Err(Failure::invalid(
                        "a pool from a license ends with the license: no --expires",
                    ));
                }
                spec.expires_at = grant.ends_at;
            }
            spec.expiry_policy =
                option::<ExpiryPolicy>("policy", &c.policy, "block-new, revoke-all")?;
            spec.warning_days = c.warning_days;
            spec.lease = LeaseOptions {
                ttl_seconds: parse_duration(&c.ttl)?,
                overage: c.overage.parse::<Overage>().map_err(|_| {
                    Failure::invalid(format!(
                        "overage {:?} is not one of none, 1.25x, 1.5x, 2x",
                        c.overage
                    ))
                })?,
                linger_seconds: parse_duration(&c.linger)?,
                max_borrow_days: c.max_borrow_days,
            };
            let command = Command::CreatePool(spec);
            match (&c.secret_file, &license) {
                (Some(_), Some(_)) => {
                    return Err(Failure::invalid(
                        "--secret-file and --from-license: set the secret with pool update",
                    ));
                }
                (Some(file), None) => secrets::run_with_secret(store, &command, &id, file, cx)?,
                (None, Some((source, _))) => {
                    licensed::run_with_license(store, &command, &id, source, cx)?;
                }
                (None, None) => drop(store.run(&command, actor, at)?),
            }
            shown_pool(store, &id, now)
        }
        PoolCmd::List {
            vendor,
            license_type,
            status,
            tag,
            search,
            page,
        } => {
            let state = store.state();
            let license_type: Option<LicenseType> = license_type
                .as_deref()
                .map(|t| option("type", t, "named, concurrent"))
                .transpose()?;
            let status: Option<PoolStatus> = status
                .as_deref()
                .map(|s| option("status", s, "active, expired, archived"))
                .transpose()?;
            let needle = search.as_deref().map(str::to_lowercase);
            let mut pools: Vec<&Pool> = state
                .pools()
                .filter(|p| vendor.as_deref().is_none_or(|v| p.vendor == v))
                .filter(|p| license_type.is_none_or(|t| p.license_type == t))
                .filter(|p| status.is_none_or(|s| render::pool_status(p, now) == s))
                .filter(|p| tag.as_deref().is_none_or(|t| p.tags.iter().any(|x| x == t)))
                .filter(|p| {
                    needle.as_deref().is_none_or(|n| {
                        [&p.name, &p.vendor, &p.product, &p.notes]
                            .iter()
                            .any(|f| f.to_lowercase().contains(n))
                    })
                })
                .collect();
            pools.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            paged(
                &pools,
                page,
                |p| render::pool(state, p, now),
                &["id", "name", "allocated", "capacity", "status"],
            )
        }
        PoolCmd::Show { pool } => {
            let id = find_pool(store.state(), pool)?.id.clone();
            let mut shown = shown_pool(store, &id, now)?;
            let state = store.state();
            let mut by_source = serde_json::Map::new();
            for source in [
                AssignmentSource::Manual,
                AssignmentSource::Automatic,
                AssignmentSource::Entitlement,
            ] {
                let n = state
                    .active_assignments(&id)
                    .filter(|a| a.source == source)
                    .count();
                by_source.insert(source.name().into(), json!(n));
            }
            let (events, _) = store.events_page(
                &EventFilter {
                    pool: Some(id.clone()),
                    ..EventFilter::default()
                },
                EventPage {
                    offset: 0,
                    limit: 20,
                    newest_first: true,
                },
            )?;
            let recent: Vec<Value> = events.iter().map(render::event).collect();
            let license = crate::licensed::sources(store)?.remove(&id).map(|source| {
                match source.grant(now, cx.revocations) {
                    Ok(g) => json!({"product": source.product, "quota": source.quota,
                        "license_id": g.license_id, "customer": g.customer,
                        "grants": g.capacity, "ends_at": g.ends_at}),
                    Err(f) => json!({"product": source.product, "quota": source.quota,
                        "error": f.to_json()["error"]}),
                }
            });
            if let Value::Object(map) = &mut shown.json {
                map.insert("assignments_by_source".into(), Value::Object(by_source));
                map.insert("recent_events".into(), Value::Array(recent));
                map.insert("license".into(), license.unwrap_or(Value::Null));
            }
            Ok(shown)
        }
        PoolCmd::Update {
            pool,
            capacity,
            cost,
            expires,
            policy,
            warning_days,
            name,
            secret_file,
        } => {
            let p = find_pool(store.state(), pool)?;
            let (id, currency) = (p.id.clone(), p.seat_cost.currency());
            let patch = PoolPatch {
                capacity: *capacity,
                seat_cost: cost.as_deref().map(|c| money(c, currency)).transpose()?,
                // `none`: the pool no longer expires.
                expires_at: expires
                    .as_deref()
                    .map(|e| match e {
                        "none" => Ok(None),
                        _ => parse_time(e).map(Some),
                    })
                    .transpose()?,
                expiry_policy: policy
                    .as_deref()
                    .map(|p| option("policy", p, "block-new, revoke-all"))
                    .transpose()?,
                warning_days: *warning_days,
                name: name.clone(),
                ..PoolPatch::default()
            };
            let command = Command::UpdatePool {
                pool: id.clone(),
                patch,
            };
            match secret_file {
                Some(file) => secrets::run_with_secret(store, &command, &id, file, cx)?,
                None => drop(store.run(&command, actor, at)?),
            }
            shown_pool(store, &id, now)
        }
        PoolCmd::Archive { pool } => {
            let id = find_pool(store.state(), pool)?.id.clone();
            store.run(&Command::ArchivePool { pool: id.clone() }, actor, at)?;
            shown_pool(store, &id, now)
        }
        PoolCmd::Secret { pool } => secrets::show(store, pool, cx),
        PoolCmd::License { pool, license } => {
            let id = find_pool(store.state(), pool)?.id.clone();
            licensed::renew(store, &id, &files::read_input(license)?, cx)?;
            shown_pool(store, &id, now)
        }
        PoolCmd::Delete { pool } => {
            let id = find_pool(store.state(), pool)?.id.clone();
            store.run(&Command::DeletePool { pool: id.clone() }, actor, at)?;
            Ok(out(
                json!({"id": id.as_str(), "deleted": true}),
                format!("deleted {id}"),
            ))
        }
    }
}

/// The license a `pool create --from-license` names, verified, and what it
/// grants now: it must not have ended.
fn licensed_source(
    c: &PoolCreate,
    license: &Input,
    now: Timestamp,
    revocations: &[licman_core::UnverifiedRevocationList],
) -> Result<(crate::licensed::LicenseSource, crate::licensed::Grant), Failure> {
    let missing = |what: &str| Failure::invalid(format!("--from-license needs {what}"));
    let source = crate::licensed::LicenseSource::new(
        &files::read_input(license)?,
        &files::read_input(
            c.public_key
                .as_ref()
                .ok_or_else(|| missing("--public-key"))?,
        )?,
        &files::read_input(c.catalog.as_ref().ok_or_else(|| missing("--catalog"))?)?,
        c.quota.as_deref().ok_or_else(|| missing("--quota"))?,
    )?;
    let grant = source.grant(now, revocations)?;
    if grant.revoked {
        return Err(Failure::new(
            "license_revoked",
            format!("license {} is revoked", grant.license_id),
        ));
    }
    if grant.ends_at.is_some_and(|end| end <= now) {
        return Err(Failure::new(
            "license_ended",
            format!("license {} has ended (grace included)", grant.license_id),
        ));
    }
    Ok((source, grant))
}

fn shown_pool(store: &Store, id: &PoolId, now: Timestamp) -> Result<Output, Failure> {
    let state = store.state();
    let p = state
        .pool(id)
        .ok_or_else(|| Failure::new("database", "the pool is missing"))?;
    Ok(out(render::pool(state, p, now), p.id.as_str()))
}

fn end(
    store: &mut Store,
    assignment: &str,
    reason: Option<&String>,
    actor: &str,
    at: Option<Timestamp>,
) -> Result<Output, Failure> {
    let id = assignment_id(assignment)?;
    let command = match reason {
        Some(reason) => Command::Reclaim {
            assignment: id.clone(),
            reason: reason.clone(),
        },
        None => Command::Deallocate {
            assignment: id.clone(),
        },
    };
    store.run(&command, actor, at)?;
    let a = store
        .state()
        .assignment(&id)
        .ok_or_else(|| Failure::new("database", "the assignment is missing"))?;
    Ok(out(
        render::assignment(store.state(), a),
        format!("{id} {}", a.status.name()),
    ))
}

fn bulk_assign(
    store: &mut Store,
    pool: &str,
    users: &Input,
    actor: &str,
    at: Option<Timestamp>,
) -> Result<Output, Failure> {
    let text = files::read_input(users)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let id = line.trim();
        if id.is_empty() {
            continue;
        }
        let user = UserId::new(id).map_err(|e| {
            Failure::invalid(format!(
                "line {}: user id {id:?}: {e}; nothing was assigned",
                n + 1
            ))
        })?;
        items.push(BulkAssignItem {
            id: assignment_id(&new_id("asg")?)?,
            user,
        });
    }
    let pool = find_pool(store.state(), pool)?.id.clone();
    let recorded = store.run(
        &Command::BulkAssign {
            pool,
            items: items.clone(),
            source: AssignmentSource::Manual,
            notes: String::new(),
        },
        actor,
        at,
    )?;
    let Reply::Bulk(report) = recorded.outcome.reply else {
        return Err(Failure::new("database", "a bulk assign gave no report"));
    };
    let results: Vec<Value> = items
        .iter()
        .zip(&report.items)
        .map(|(item, result)| match result {
            Ok(id) => {
                json!({"user_id": item.user.as_str(), "ok": true, "assignment_id": id.as_str()})
            }
            Err(refusal) => json!({"user_id": item.user.as_str(), "ok": false,
                "error": Failure::from(refusal.clone()).to_json()["error"]}),
        })
        .collect();
    let text = format!("{} assigned, {} failed", report.succeeded, report.failed);
    Ok(out(
        json!({"succeeded": report.succeeded, "failed": report.failed, "results": results}),
        text,
    ))
}

fn audit(store: &mut Store, args: &AuditArgs) -> Result<Output, Failure> {
    if let Some(AuditCmd::Verify) = args.verify {
        let n = store.verify()?;
        return Ok(out(
            json!({"ok": true, "events": n}),
            format!("the audit trail verifies: {n} events"),
        ));
    }
    let state = store.state();
    let filter = EventFilter {
        pool: args
            .pool
            .as_deref()
            .map(|p| {
                find_pool(state, p)
                    .map(|p| p.id.clone())
                    .or_else(|_| PoolId::new(p).map_err(|e| Failure::invalid(e.to_string())))
            })
            .transpose()?,
        user: args.user.as_deref().map(user_id).transpose()?,
        action: args.action.clone(),
        from: args.from.as_deref().map(parse_time).transpose()?,
        to: args.to.as_deref().map(parse_time).transpose()?,
    };
    // In trail order (the default, `seq` or `-seq`), the page is read in
    // the database: a long trail is never read whole for a page of it.
    let newest_first = match args.page.sort.as_deref() {
        None | Some("seq") => Some(false),
        Some("-seq") => Some(true),
        Some(_) => None,
    };
    let fields = ["seq", "at", "actor", "action"];
    let Some(newest_first) = newest_first else {
        let events = store.events(&filter)?;
        return paged(&events, &args.page, render::event, &fields);
    };
    let page = EventPage {
        offset: args.page.offset,
        limit: args.page.limit,
        newest_first,
    };
    let (events, total) = store.events_page(&filter, page)?;
    let shown: Vec<Value> = events.iter().map(render::event).collect();
    let text = shown
        .iter()
        .map(|e| {
            fields
                .iter()
                .map(|f| plain(&e[*f]))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    Ok(out(
        render::page(shown, total, args.page.limit, args.page.offset),
        text,
    ))
}

/// The operating-system user: `USER`, `LOGNAME`, else `unknown`.
pub fn os_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

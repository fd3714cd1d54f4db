//! `licman-keygen issue`: one license, or a batch from CSV.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use licman_core::{
    Catalog, Claims, Customer, Fingerprint, KeyRing, MachineBinding, MatchPolicy, Policy,
    QuotaLimit, SigningKey, Timestamp, UnverifiedLicense, VerifiedLicense, VerifyOptions,
};

use crate::Format;
use crate::dates;
use crate::error::{CliError, Exit, Result};
use crate::escape::{self, printable};
use crate::keyfile::{self, PassphraseSource};
use crate::ledger::{self, BatchRow, Ledger, State};

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// The secret key to sign with (NAME.secret).
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The product catalog (TOML).
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: PathBuf,
    /// Issue one license per row of this CSV file.
    #[arg(long, value_name = "CUSTOMERS.csv", conflicts_with_all = ["customer", "customer_name", "email"])]
    batch: Option<PathBuf>,
    /// With --batch: skip the rows of this file that already have a license
    /// (an interrupted or partly failed run) and issue the rest. Without it,
    /// running a file again is refused while any of its rows has a license.
    #[arg(long, requires = "batch", conflicts_with = "no_ledger")]
    resume: bool,
    /// Tier from the catalog (in a batch: the default for rows without one).
    #[arg(long, required_unless_present = "batch")]
    tier: Option<String>,
    /// Customer id.
    #[arg(long, required_unless_present = "batch")]
    customer: Option<String>,
    /// Customer display name.
    #[arg(long)]
    customer_name: Option<String>,
    /// Customer email.
    #[arg(long)]
    email: Option<String>,
    /// Start date (YYYY-MM-DD or RFC 3339); default: now.
    #[arg(long, value_name = "DATE")]
    starts: Option<String>,
    /// Expiry date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", group = "expiry")]
    expires: Option<String>,
    /// Validity from the start: 90d, 1y, 2w, …
    #[arg(long, value_name = "DURATION", group = "expiry")]
    valid_for: Option<String>,
    /// No expiry.
    #[arg(long, group = "expiry")]
    perpetual: bool,
    /// Grace period after expiry (default: none).
    #[arg(long, value_name = "DURATION")]
    grace: Option<String>,
    /// Add a module to the tier's modules (repeatable).
    #[arg(long = "add-module", value_name = "MODULE")]
    add_modules: Vec<String>,
    /// Remove a module from the tier's modules (repeatable).
    #[arg(long = "remove-module", value_name = "MODULE")]
    remove_modules: Vec<String>,
    /// Override a quota: NAME=N or NAME=unlimited (repeatable).
    #[arg(long = "quota", value_name = "NAME=N|unlimited")]
    quotas: Vec<String>,
    /// Bind to a machine fingerprint: 64 hex digits, SHA-256 of a machine id (repeatable).
    #[arg(long = "bind", value_name = "FINGERPRINT")]
    bind: Vec<String>,
    /// How many bound fingerprints a machine must present: any, all, or a number.
    #[arg(long, value_name = "any|all|N", default_value = "any")]
    bind_policy: String,
    /// Free metadata: KEY=VALUE (repeatable).
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    meta: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Compact)]
    format: Format,
    /// Write to this file instead of standard output (in a batch: the results CSV).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    /// The ledger to record in (default: LICMAN_LEDGER or ./licman-ledger.db).
    #[arg(long, value_name = "FILE", conflicts_with = "no_ledger")]
    ledger: Option<PathBuf>,
    /// Do not record the license in a ledger.
    #[arg(long)]
    no_ledger: bool,
}

/// The per-license part of a request: from the command line, or a CSV row
/// with the command line as defaults.
#[derive(Clone, Debug, Default)]
struct Request {
    tier: Option<String>,
    customer: Option<String>,
    customer_name: Option<String>,
    email: Option<String>,
    starts: Option<String>,
    expires: Option<String>,
    valid_for: Option<String>,
    perpetual: bool,
    grace: Option<String>,
    add_modules: Vec<String>,
    remove_modules: Vec<String>,
    quotas: Vec<String>,
    bind: Vec<String>,
    bind_policy: String,
    meta: Vec<String>,
}

impl Request {
    fn from_args(a: &IssueArgs) -> Request {
        Request {
            tier: a.tier.clone(),
            customer: a.customer.clone(),
            customer_name: a.customer_name.clone(),
            email: a.email.clone(),
            starts: a.starts.clone(),
            expires: a.expires.clone(),
            valid_for: a.valid_for.clone(),
            perpetual: a.perpetual,
            grace: a.grace.clone(),
            add_modules: a.add_modules.clone(),
            remove_modules: a.remove_modules.clone(),
            quotas: a.quotas.clone(),
            bind: a.bind.clone(),
            bind_policy: a.bind_policy.clone(),
            meta: a.meta.clone(),
        }
    }
}

fn usage(message: String) -> CliError {
    CliError::usage(message)
}

/// Builds the claims for a request: the tier's modules and quotas, then the
/// overrides, with every name checked against the catalog.
fn claims_for(catalog: &Catalog, r: &Request, now: Timestamp) -> Result<Claims> {
    let tier_name = r
        .tier
        .as_deref()
        .ok_or_else(|| usage("no tier given".into()))?;
    let tier = catalog.tier(tier_name).ok_or_else(|| {
        let known: Vec<&str> = catalog.tiers().map(|t| t.name()).collect();
        usage(format!(
            "unknown tier '{tier_name}' (the catalog has: {})",
            known.join(", ")
        ))
    })?;
    let customer = r
        .customer
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| usage("no customer id given".into()))?;
    let mut modules = *tier.modules();
    for name in &r.add_modules {
        modules.insert(
            catalog
                .require_module(name)
                .map_err(|e| usage(e.to_string()))?,
        );
    }
    for name in &r.remove_modules {
        modules.remove(
            catalog
                .require_module(name)
                .map_err(|e| usage(e.to_string()))?,
        );
    }
    let mut quotas = tier.quotas().clone();
    for spec in &r.quotas {
        let (name, value) = spec.split_once('=').ok_or_else(|| {
            usage(format!(
                "malformed quota '{spec}': use NAME=N or NAME=unlimited"
            ))
        })?;
        let id = catalog
            .require_quota(name.trim())
            .map_err(|e| usage(e.to_string()))?;
        let limit = match value.trim() {
            "unlimited" => QuotaLimit::Unlimited,
            n => QuotaLimit::Limited(n.parse().map_err(|_| {
                usage(format!(
                    "malformed quota '{spec}': use NAME=N or NAME=unlimited"
                ))
            })?),
        };
        quotas.insert(id, limit);
    }
    let starts_at = match &r.starts {
        Some(d) => dates::parse_date(d)?,
        None => now,
    };
    let expires_at = match (&r.expires, &r.valid_for, r.perpetual) {
        (Some(d), None, false) => Some(dates::parse_date(d)?),
        (None, Some(v), false) => Some(
            starts_at
                .checked_add(dates::parse_duration(v)?)
                .ok_or_else(|| usage(format!("--valid-for {v} is too long")))?,
        ),
        (None, None, true) => None,
        (None, None, false) => {
            return Err(usage("say how long the license lasts: --expires DATE, --valid-for DURATION or --perpetual".into()));
        }
        _ => {
            return Err(usage(
                "give only one of --expires, --valid-for and --perpetual".into(),
            ));
        }
    };
    if let Some(e) = expires_at
        && e <= starts_at
    {
        return Err(usage(format!(
            "the expiry ({}) is not after the start ({})",
            dates::show(e),
            dates::show(starts_at)
        )));
    }
    let grace_period = match &r.grace {
        Some(g) => dates::parse_duration(g)?,
        None => Duration::ZERO,
    };
    let machine_binding = if r.bind.is_empty() {
        None
    } else {
        let fingerprints = r
            .bind
            .iter()
            .map(|f| {
                f.trim().parse::<Fingerprint>().map_err(|_| {
                    usage(format!("malformed fingerprint '{f}': expected 64 hex digits (SHA-256 of a machine id)"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let policy = match r.bind_policy.trim() {
            "any" | "" => MatchPolicy::Any,
            "all" => MatchPolicy::All,
            n => MatchPolicy::AtLeast(n.parse().map_err(|_| {
                usage(format!(
                    "malformed --bind-policy '{n}': use any, all or a number"
                ))
            })?),
        };
        Some(
            MachineBinding::new(fingerprints, policy)
                .map_err(|e| usage(format!("machine binding: {e}")))?,
        )
    };
    let mut metadata = BTreeMap::new();
    for kv in &r.meta {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| usage(format!("malformed metadata '{kv}': use KEY=VALUE")))?;
        if metadata
            .insert(k.trim().to_string(), v.to_string())
            .is_some()
        {
            return Err(usage(format!("metadata key '{}' given twice", k.trim())));
        }
    }
    let claims = Claims {
        license_id: keyfile::random_license_id()?,
        product: catalog.product().to_string(),
        customer: Customer {
            id: customer,
            name: r.customer_name.clone().filter(|s| !s.is_empty()),
            email: r.email.clone().filter(|s| !s.is_empty()),
        },
        tier: tier.name().to_string(),
        modules,
        quotas,
        issued_at: now,
        starts_at,
        expires_at,
        grace_period,
        machine_binding,
        metadata,
    };
    claims
        .validate()
        .map_err(|e| usage(format!("invalid license: {e}")))?;
    Ok(claims)
}

/// Signs, then verifies the result with the public key before anything is
/// printed or recorded.
fn sign_and_verify(key: &SigningKey, claims: &Claims, now: Timestamp) -> Result<VerifiedLicense> {
    let issued = key
        .issue(claims)
        .map_err(|e| CliError::failure("issue", format!("cannot issue: {e}")))?;
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    // Advisory: a license that starts in the future is fine to issue.
    let options = VerifyOptions::new(&claims.product, now).policy(Policy::Advisory);
    let verified = UnverifiedLicense::parse(&issued.to_compact())
        .and_then(|l| l.verify(&ring, &options))
        .map_err(|e| {
            CliError::failure(
                "self_check",
                format!("the issued license does not verify: {e}"),
            )
        })?;
    if verified.claims() != claims {
        return Err(CliError::failure(
            "self_check",
            "the issued license does not decode to its claims",
        ));
    }
    Ok(verified)
}

/// The text of a license in the requested format.
pub fn render(license: &VerifiedLicense, catalog: Option<&Catalog>, format: Format) -> String {
    match format {
        Format::Compact => format!("{}\n", license.to_compact()),
        Format::Armored => license.to_armored(),
        Format::Json => {
            let mut value = serde_json::json!({
                "license_id": license.license_id().to_string(),
                "key_id": license.key_id().to_string(),
                "key": license.to_compact(),
                "claims": license.claims(),
            });
            if let Some(catalog) = catalog {
                value["module_names"] =
                    crate::commands::module_names(catalog, license.modules()).into();
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    }
}

fn open_ledger(args: &IssueArgs) -> Result<Option<Ledger>> {
    if args.no_ledger {
        Ok(None)
    } else {
        Ledger::open(&ledger::default_path(args.ledger.as_deref())).map(Some)
    }
}

pub fn run(args: &IssueArgs, json: bool) -> Result<()> {
    if args.resume && args.batch.is_none() {
        // (clap waives `requires = "batch"` when --customer, which
        // conflicts with --batch, is given.)
        return Err(CliError::usage(
            "--resume applies to a batch: use it with --batch FILE",
        ));
    }
    let catalog_text = std::fs::read_to_string(&args.catalog)
        .map_err(|e| CliError::io("cannot read catalog", &args.catalog, &e))?;
    let catalog = Catalog::from_toml(&catalog_text)?;
    if let Some(batch) = &args.batch {
        return run_batch(args, &catalog, batch, json);
    }
    if let Some(out) = args.out.as_ref().filter(|p| !args.force && p.exists()) {
        return Err(CliError::failure(
            "exists",
            format!(
                "{} already exists; pass --force to replace it",
                out.display()
            ),
        ));
    }
    let now = dates::now()?;
    let claims = claims_for(&catalog, &Request::from_args(args), now)?;
    let key = keyfile::load_signing_key(
        &args.secret_key,
        &PassphraseSource {
            file: args.passphrase_file.clone(),
        },
    )?;
    let license = sign_and_verify(&key, &claims, now)?;
    let text = render(&license, Some(&catalog), args.format);
    let mut ledger = open_ledger(args)?;
    let output = args
        .out
        .as_ref()
        .map_or_else(|| "-".to_string(), |p| absolute(p));
    if let Some(l) = ledger.as_mut() {
        l.record_pending(&license, &output, None, now)?;
    }
    let written = match &args.out {
        Some(path) => keyfile::write_atomic(path, text.as_bytes(), 0o644, args.force),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::failure("io", format!("cannot write the license: {e}")))
        }
    };
    if let Err(e) = written {
        if let Some(l) = ledger.as_mut() {
            l.mark_void(license.license_id())?;
        }
        return Err(e);
    }
    if let Some(l) = ledger.as_mut() {
        let details = serde_json::json!({
            "customer": claims.customer.id, "tier": claims.tier, "key_id": license.key_id().to_string(),
            "expires_at": claims.expires_at.map(|e| e.to_string()), "output": output,
        });
        l.mark_issued(license.license_id(), "issue", &details)?;
    }
    if json && args.out.is_some() {
        outln!(
            "{}",
            serde_json::json!({ "license_id": license.license_id().to_string(), "out": output })
        );
    } else if args.out.is_some() {
        eprintln!("issued license {} to {}", license.license_id(), output);
    }
    Ok(())
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

const BATCH_COLUMNS: &[&str] = &[
    "customer_id",
    "customer_name",
    "email",
    "tier",
    "starts",
    "expires",
    "valid_for",
    "perpetual",
    "grace",
    "add_modules",
    "remove_modules",
    "quotas",
    "bind",
    "bind_policy",
    "meta",
];

fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The request of one CSV row, with the command line as defaults.
fn row_request(defaults: &Request, headers: &[String], row: &csv::StringRecord) -> Result<Request> {
    let mut r = defaults.clone();
    let mut expiry_given = false;
    for (name, cell) in headers.iter().zip(row.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let some = || Some(cell.to_string());
        match name.as_str() {
            "customer_id" => r.customer = some(),
            "customer_name" => r.customer_name = some(),
            "email" => r.email = some(),
            "tier" => r.tier = some(),
            "starts" => r.starts = some(),
            "expires" | "valid_for" | "perpetual" if !expiry_given => {
                (r.expires, r.valid_for, r.perpetual) = (None, None, false);
                expiry_given = true;
                set_expiry(&mut r, name, cell)?;
            }
            "expires" | "valid_for" | "perpetual" => set_expiry(&mut r, name, cell)?,
            "grace" => r.grace = some(),
            "add_modules" => r.add_modules = list(cell),
            "remove_modules" => r.remove_modules = list(cell),
            "quotas" => r.quotas.extend(list(cell)),
            "bind" => r.bind = list(cell),
            "bind_policy" => r.bind_policy = cell.to_string(),
            "meta" => r.meta.extend(list(cell)),
            _ => {}
        }
    }
    if row.len() != headers.len() {
        return Err(usage(format!(
            "{} fields, the header has {}",
            row.len(),
            headers.len()
        )));
    }
    Ok(r)
}

fn set_expiry(r: &mut Request, column: &str, cell: &str) -> Result<()> {
    match column {
        "expires" => r.expires = Some(cell.to_string()),
        "valid_for" => r.valid_for = Some(cell.to_string()),
        _ => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => r.perpetual = true,
            "false" | "no" | "0" => {}
            other => {
                return Err(usage(format!(
                    "malformed perpetual '{other}': use true or false"
                )));
            }
        },
    }
    Ok(())
}

struct Results {
    writer: csv::Writer<Box<dyn Write>>,
    file: Option<File>,
}

impl Results {
    fn open(out: Option<&Path>, force: bool) -> Result<Results> {
        let (sink, file): (Box<dyn Write>, Option<File>) = match out {
            Some(path) => {
                // Customers' keys: private (0600 on unix).
                let mut options = keyfile::create_options(0o600);
                options.write(true);
                if force {
                    options.create(true).truncate(true);
                } else {
                    options.create_new(true);
                }
                let file = options.open(path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        CliError::failure(
                            "exists",
                            format!(
                                "{} already exists; pass --force to replace it",
                                path.display()
                            ),
                        )
                    } else {
                        CliError::io("cannot create", path, &e)
                    }
                })?;
                let clone = file
                    .try_clone()
                    .map_err(|e| CliError::io("cannot open", path, &e))?;
                (Box::new(file), Some(clone))
            }
            None => (Box::new(std::io::stdout()), None),
        };
        let mut writer = csv::WriterBuilder::new().flexible(false).from_writer(sink);
        writer
            .write_record(["row", "customer_id", "status", "license_id", "key", "error"])
            .map_err(csv_io)?;
        let mut results = Results { writer, file };
        results.sync()?;
        Ok(results)
    }

    /// One row, its cells quoted against formulas (escape::csv_cell).
    fn row(&mut self, fields: [&str; 6]) -> Result<()> {
        self.writer
            .write_record(fields.map(escape::csv_cell).iter().map(|c| c.as_bytes()))
            .map_err(csv_io)?;
        self.sync()
    }

    /// Flushes to the OS and, for a file, to the disk.
    fn sync(&mut self) -> Result<()> {
        self.writer
            .flush()
            .map_err(|e| CliError::failure("io", format!("cannot write results: {e}")))?;
        if let Some(f) = &self.file {
            f.sync_data()
                .map_err(|e| CliError::failure("io", format!("cannot write results: {e}")))?;
        }
        Ok(())
    }
}

fn csv_io(e: csv::Error) -> CliError {
    CliError::failure("io", format!("cannot write results: {e}"))
}

/// The content hash of a batch row: SHA-256 over the product and the
/// row's non-empty cells (trimmed, as they are read) with their column
/// names, in column-name order. So the hash does not change with the
/// column order, blank cells, spaces around cells, or other rows.
fn row_content_hash(product: &str, headers: &[String], row: &csv::StringRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut cells: Vec<(&str, &str)> = headers
        .iter()
        .map(String::as_str)
        .zip(row.iter().map(str::trim))
        .filter(|(_, cell)| !cell.is_empty())
        .collect();
    cells.sort_unstable();
    let mut hash = Sha256::new();
    for part in std::iter::once(product).chain(cells.iter().flat_map(|(n, c)| [*n, *c])) {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The identity of each row in its file: its content hash and which
/// occurrence of that content it is (`HASH:1`, `HASH:2` for a repeated
/// row). `None` for a row the CSV reader could not read.
fn row_identities(
    product: &str,
    headers: &[String],
    rows: &[std::result::Result<csv::StringRecord, csv::Error>],
) -> Vec<Option<String>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    rows.iter()
        .map(|row| {
            let hash = row_content_hash(product, headers, row.as_ref().ok()?);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            Some(format!("{hash}:{n}"))
        })
        .collect()
}

/// The file a batch came from, as the ledger records it: its canonical
/// absolute path (symbolic links resolved).
fn source_path(path: &Path) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| absolute(path))
}

fn run_batch(args: &IssueArgs, catalog: &Catalog, path: &Path, json: bool) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| CliError::failure("io", format!("cannot read {}: {e}", path.display())))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            CliError::failure(
                "malformed_csv",
                format!("{}: bad header row: {e}", path.display()),
            )
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(unknown) = headers
        .iter()
        .find(|h| !BATCH_COLUMNS.contains(&h.as_str()))
    {
        return Err(CliError::usage(format!(
            "{}: unknown column '{unknown}' (columns: {})",
            path.display(),
            BATCH_COLUMNS.join(", ")
        )));
    }
    if !headers.iter().any(|h| h == "customer_id") {
        return Err(CliError::usage(format!(
            "{}: the header has no customer_id column",
            path.display()
        )));
    }
    let rows: Vec<std::result::Result<csv::StringRecord, csv::Error>> = reader.records().collect();
    let key = keyfile::load_signing_key(
        &args.secret_key,
        &PassphraseSource {
            file: args.passphrase_file.clone(),
        },
    )?;
    if let Some(out) = args.out.as_ref().filter(|p| !args.force && p.exists()) {
        return Err(CliError::failure(
            "exists",
            format!(
                "{} already exists; pass --force to replace it",
                out.display()
            ),
        ));
    }
    let mut ledger = open_ledger(args)?;
    let source = source_path(path);
    let identities = row_identities(catalog.product(), &headers, &rows);
    // Rows of this file that already have a license (a run that was
    // interrupted, or that failed on other rows): refused, or skipped with
    // --resume. Checked before anything is written.
    let done = match &ledger {
        Some(l) => l.issued_from(&source)?,
        None => HashMap::new(),
    };
    let already: Vec<(usize, &ledger::IssuedRow)> = identities
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((i + 1, done.get(id.as_ref()?)?)))
        .collect();
    if !already.is_empty() && !args.resume {
        let shown: Vec<String> = already
            .iter()
            .take(5)
            .map(|(row, issued)| format!("row {row}: license {}", issued.license_id))
            .collect();
        return Err(CliError::failure(
            "already_issued",
            format!(
                "{}: {} row(s) of this file already have a license ({}{}); pass --resume to skip them and issue the rest",
                path.display(),
                already.len(),
                shown.join(", "),
                if already.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        ));
    }
    let mut results = Results::open(args.out.as_deref(), args.force)?;
    let output = args
        .out
        .as_ref()
        .map_or_else(|| "-".to_string(), |p| absolute(p));
    let now = dates::now()?;
    let batch_id = keyfile::random_license_id()?.to_string();
    if let Some(l) = ledger.as_mut() {
        l.start_batch(&batch_id, &source, &output, now)?;
    }
    let progress = if std::io::stderr().is_terminal() && !json {
        indicatif::ProgressBar::new(rows.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let defaults = Request::from_args(args);
    let customer_of = |row: &std::result::Result<csv::StringRecord, csv::Error>| {
        row.as_ref().ok().and_then(|r| {
            headers
                .iter()
                .position(|h| h == "customer_id")
                .and_then(|i| r.get(i))
                .map(|c| c.trim().to_string())
        })
    };
    let (mut issued, mut skipped, mut failed) = (0usize, Vec::new(), Vec::new());
    for (index, (row, identity)) in rows.iter().zip(&identities).enumerate() {
        let row_no = index + 1;
        let line = row
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(row_no + 1, |p| usize::try_from(p.line()).unwrap_or(0));
        if let Some(before) = identity.as_ref().and_then(|id| done.get(id)) {
            // --resume (checked above): this row has its license.
            let note = match (&before.batch_id, before.batch_row) {
                (Some(b), Some(r)) => format!("already issued (batch {b}, row {r})"),
                _ => "already issued".to_string(),
            };
            let note = if before.state == State::Pending {
                format!("{note}, by a run that has not finished: try again once it has")
            } else {
                note
            };
            let key = if before.state == State::Pending {
                ""
            } else {
                before.key.as_str()
            };
            results.row([
                &row_no.to_string(),
                customer_of(row).as_deref().unwrap_or(""),
                "skipped",
                &before.license_id,
                key,
                &note,
            ])?;
            skipped.push(
                serde_json::json!({ "row": row_no, "line": line, "license_id": before.license_id }),
            );
            progress.inc(1);
            continue;
        }
        let outcome = row
            .as_ref()
            .map_err(|e| usage(format!("malformed CSV: {e}")))
            .and_then(|r| row_request(&defaults, &headers, r))
            .and_then(|req| claims_for(catalog, &req, now).map(|c| (req, c)))
            .and_then(|(req, c)| sign_and_verify(&key, &c, now).map(|l| (req, l)));
        match outcome {
            Ok((req, license)) => {
                let id = license.license_id();
                if let Some(l) = ledger.as_mut() {
                    let from = identity.as_deref().map(|source_row| BatchRow {
                        batch_id: &batch_id,
                        row: row_no as u64,
                        source_path: &source,
                        source_row,
                    });
                    l.record_pending(&license, &output, from.as_ref(), now)?;
                }
                results.row([
                    &row_no.to_string(),
                    req.customer.as_deref().unwrap_or(""),
                    "issued",
                    &id.to_string(),
                    &license.to_compact(),
                    "",
                ])?;
                if let Some(l) = ledger.as_mut() {
                    let details = serde_json::json!({ "batch": batch_id, "row": row_no, "customer": req.customer, "tier": req.tier });
                    l.mark_issued(id, "issue --batch", &details)?;
                }
                issued += 1;
            }
            Err(e) => {
                let customer = customer_of(row);
                let message = format!("row {row_no} (line {line}): {}", e.message);
                results.row([
                    &row_no.to_string(),
                    customer.as_deref().unwrap_or(""),
                    "error",
                    "",
                    "",
                    &e.message,
                ])?;
                if !json {
                    progress.suspend(|| eprintln!("error: {}", printable(&message)));
                }
                failed.push(serde_json::json!({ "row": row_no, "line": line, "error": e.message }));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if let Some(l) = ledger.as_mut() {
        l.finish_batch(&batch_id, dates::now()?)?;
    }
    if json {
        eprintln!(
            "{}",
            escape::json(
                &serde_json::json!({ "issued": issued, "skipped": skipped, "failed": failed })
            )
        );
    } else if skipped.is_empty() {
        eprintln!("issued {issued} license(s); {} row(s) failed", failed.len());
    } else {
        eprintln!(
            "issued {issued} license(s), skipped {} already issued; {} row(s) failed",
            skipped.len(),
            failed.len()
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: "rows_failed",
            message: format!("{} row(s) failed", failed.len()),
            exit: Exit::Failure,
            printed: true,
        })
    }
}

/// Parses a batch CSV against `catalog` without signing (for the fuzz
/// target): how many rows make valid claims.
pub fn fuzz_batch(csv_text: &str, catalog: &Catalog) -> Result<usize> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::failure("malformed_csv", format!("bad header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let defaults = Request {
        bind_policy: "any".into(),
        perpetual: true,
        ..Request::default()
    };
    let now = Timestamp::from_unix_seconds(1_780_000_000);
    let mut valid = 0;
    for row in reader.records() {
        let Ok(row) = row else { continue };
        if let Ok(request) = row_request(&defaults, &headers, &row)
            && claims_for(catalog, &request, now).is_ok()
        {
            valid += 1;
        }
    }
    Ok(valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml")).unwrap()
    }

    fn request() -> Request {
        Request {
            tier: Some("starter".into()),
            customer: Some("c".into()),
            valid_for: Some("30d".into()),
            bind_policy: "any".into(),
            ..Request::default()
        }
    }

    #[test]
    fn refusals_name_the_bad_value() {
        let now = Timestamp::from_date(2026, 1, 1).unwrap();
        let c = catalog();
        let err = |r: Request| claims_for(&c, &r, now).err().unwrap().message;
        assert!(
            err(Request {
                tier: Some("gold".into()),
                ..request()
            })
            .contains("unknown tier 'gold'")
        );
        assert!(
            err(Request {
                add_modules: vec!["warp".into()],
                ..request()
            })
            .contains("unknown module 'warp'")
        );
        assert!(
            err(Request {
                quotas: vec!["seats=3".into()],
                ..request()
            })
            .contains("unknown quota 'seats'")
        );
        assert!(
            err(Request {
                quotas: vec!["devices=many".into()],
                ..request()
            })
            .contains("malformed quota")
        );
        assert!(
            err(Request {
                valid_for: None,
                expires: Some("2025-12-31".into()),
                ..request()
            })
            .contains("not after the start")
        );
        assert!(
            err(Request {
                valid_for: None,
                expires: Some("2026-13-01".into()),
                ..request()
            })
            .contains("malformed date")
        );
        assert!(
            err(Request {
                valid_for: None,
                ..request()
            })
            .contains("--perpetual")
        );
        assert!(
            err(Request {
                bind: vec!["abc".into()],
                ..request()
            })
            .contains("malformed fingerprint")
        );
    }

    #[test]
    fn overrides_apply_to_the_tier() {
        let now = Timestamp::from_date(2026, 1, 1).unwrap();
        let c = catalog();
        let r = Request {
            add_modules: vec!["scheduled_audits".into()],
            remove_modules: vec!["basic_rules".into()],
            quotas: vec!["devices=25".into(), "users=unlimited".into()],
            ..request()
        };
        let claims = claims_for(&c, &r, now).unwrap();
        assert!(
            claims
                .modules
                .contains(c.module_id("scheduled_audits").unwrap())
        );
        assert!(!claims.modules.contains(c.module_id("basic_rules").unwrap()));
        assert_eq!(
            claims.quota(c.quota_id("devices").unwrap()),
            Some(QuotaLimit::Limited(25))
        );
        assert_eq!(
            claims.quota(c.quota_id("users").unwrap()),
            Some(QuotaLimit::Unlimited)
        );
        assert_eq!(
            claims.quota(c.quota_id("storage_gb").unwrap()),
            Some(QuotaLimit::Limited(5))
        );
    }
}

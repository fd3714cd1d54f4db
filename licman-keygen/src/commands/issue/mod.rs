//! `licman-keygen issue`: one license, or a batch from CSV (see [`batch`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use licman_core::{
    Catalog, Claims, KeyRing, Policy, SigningKey, Timestamp, UnverifiedLicense, VerifiedLicense,
    VerifyOptions,
};

use super::Output;
use super::shared::{PassphraseArg, module_names, read_catalog, refuse_existing};
use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile;
use crate::ledger::{self, Ledger};

mod batch;
pub(crate) mod request;
mod results;

pub use batch::fuzz_batch;
use request::{Request, claims_for};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The secret key to sign with (NAME.secret).
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
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
    /// The ledger to record in: a file, or a postgres:// URL (default:
    /// LICMAN_LEDGER or ./licman-ledger.db).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
    /// Do not record the license in a ledger (whatever --ledger or
    /// LICMAN_LEDGER say).
    #[arg(long)]
    no_ledger: bool,
}

/// Output format of an issued license.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The compact key (`lm1_…`).
    Compact,
    /// The armored multi-line file.
    Armored,
    /// JSON: the claims and the key.
    Json,
}

impl Args {
    /// The ledger to record in, unless `--no-ledger`.
    fn open_ledger(&self) -> Result<Option<Ledger>> {
        if self.no_ledger {
            Ok(None)
        } else {
            Ledger::open(&ledger::default_path(self.ledger.as_deref())).map(Some)
        }
    }

    /// Where the output goes, as the ledger records it: an absolute path,
    /// or `-` for standard output.
    fn output(&self) -> String {
        self.out
            .as_ref()
            .map_or_else(|| "-".to_string(), |p| absolute(p))
    }
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    if args.resume && args.batch.is_none() {
        // (clap waives `requires = "batch"` when --customer, which
        // conflicts with --batch, is given.)
        return Err(CliError::usage(
            "--resume applies to a batch: use it with --batch FILE",
        ));
    }
    let catalog = read_catalog(&args.catalog)?;
    match &args.batch {
        Some(batch) => batch::run(args, &catalog, batch, out),
        None => issue_one(args, &catalog, out),
    }
}

/// One license, from the command line: recorded as pending, written out,
/// then marked issued.
fn issue_one(args: &Args, catalog: &Catalog, out: Output) -> Result<()> {
    refuse_existing(args.out.as_deref(), args.force)?;
    let now = dates::now()?;
    let claims = claims_for(catalog, &Request::from_args(args), now)?;
    let key = keyfile::load_signing_key(&args.secret_key, &args.passphrase.source())?;
    let license = sign_and_verify(&key, &claims, now)?;
    let text = license_text(&license, Some(catalog), args.format);
    let mut ledger = args.open_ledger()?;
    let output = args.output();
    if let Some(l) = ledger.as_mut() {
        l.record_pending(&license, &output, None, now)?;
    }
    if let Err(e) = write_license(args.out.as_deref(), &text, args.force) {
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
    if args.out.is_some() {
        render_issued(&license, &output, out);
    }
    Ok(())
}

/// The license to its file, or to standard output.
pub(crate) fn write_license(path: Option<&Path>, text: &str, force: bool) -> Result<()> {
    match path {
        Some(path) => keyfile::write_atomic(path, text.as_bytes(), 0o644, force),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::failure("io", format!("cannot write the license: {e}")))
        }
    }
}

/// Says where a license written to a file went.
fn render_issued(license: &VerifiedLicense, output: &str, out: Output) {
    if out == Output::Json {
        outln!(
            "{}",
            serde_json::json!({ "license_id": license.license_id().to_string(), "out": output })
        );
    } else {
        eprintln!("issued license {} to {}", license.license_id(), output);
    }
}

/// Signs, then verifies the result with the public key before anything is
/// printed or recorded.
pub(crate) fn sign_and_verify(
    key: &SigningKey,
    claims: &Claims,
    now: Timestamp,
) -> Result<VerifiedLicense> {
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
pub fn license_text(
    license: &VerifiedLicense,
    catalog: Option<&Catalog>,
    format: Format,
) -> String {
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
                value["module_names"] = module_names(catalog, license.modules()).into();
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    }
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

//! `licman-keygen verify`: signature, key id, product, dates, revocation,
//! machine.

use std::path::{Path, PathBuf};

use clap::ArgGroup;
use licman_core::{
    Catalog, Error, Fingerprint, KeyRing, Policy, RevocationList, Status, UnverifiedLicense,
    VerifiedLicense, VerifyOptions, VerifyRequest,
};
use serde_json::json;

use super::Output;
use super::describe::describe;
use super::shared::{module_names, read_catalog, read_input};
use crate::dates;
use crate::error::{CliError, Result, exit_for};
use crate::escape::{self, printable};
use crate::keyfile;

#[derive(clap::Args, Debug)]
#[command(group(
    ArgGroup::new("expected_product")
        .args(["catalog", "product"])
        .required(true)
        .multiple(true)
))]
pub struct Args {
    /// A trusted public key (NAME.pub); repeat for key rotation.
    #[arg(long = "public-key", value_name = "NAME.pub", required = true)]
    public_keys: Vec<PathBuf>,
    /// The product catalog: the product to expect, and names for display
    /// (this or --product is required).
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: Option<PathBuf>,
    /// The product to expect (default: the catalog's). A license is never
    /// trusted to name its own product: --product or --catalog is required.
    #[arg(long)]
    product: Option<String>,
    /// Check validity at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// The latest time this machine has seen (detects a clock turned back).
    #[arg(long, value_name = "DATE")]
    last_seen: Option<String>,
    /// A signed revocation list (armored).
    #[arg(long, value_name = "FILE")]
    revocations: Option<PathBuf>,
    /// The lowest revocation-list serial accepted (the highest one seen
    /// before): an older list, replayed, is refused (stale_revocation_list).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "revocations")]
    min_revocation_serial: u64,
    /// A fingerprint this machine presents (64 hex digits); repeatable.
    #[arg(long = "fingerprint", value_name = "FP")]
    fingerprints: Vec<String>,
    /// Present this machine's fingerprint for the product (besides any
    /// --fingerprint).
    #[arg(long)]
    this_machine: bool,
    /// Also require the license to answer this activation request (a file,
    /// `-`, or the `lmreq1_…` text): the same product, bound to its
    /// fingerprint, naming its nonce.
    #[arg(long, value_name = "REQUEST")]
    answers: Option<String>,
    /// Report validity problems instead of failing on them.
    #[arg(long)]
    advisory: bool,
    /// The license (compact or armored); `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
}

/// What the check found.
enum Verdict {
    Valid(VerifiedLicense),
    /// Valid, but not the answer to the activation request given with
    /// `--answers`.
    NotTheAnswer {
        nonce: String,
    },
    Invalid {
        error: Error,
        /// The license, if it is authentic but not valid here.
        authentic: Option<VerifiedLicense>,
    },
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let ring = keyfile::load_key_ring(&args.public_keys)?;
    let catalog = args.catalog.as_deref().map(read_catalog).transpose()?;
    let at = match &args.at {
        Some(d) => dates::parse_date(d)?,
        None => dates::now()?,
    };
    let product = expected_product(args, catalog.as_ref())?;
    let mut fingerprints = parse_fingerprints(&args.fingerprints)?;
    if args.this_machine {
        let mine =
            licman_ffi::machine_fingerprint(product.clone()).map_err(super::activate::ffi_error)?;
        fingerprints.extend(parse_fingerprints(&[mine])?);
    }
    let answers = args
        .answers
        .as_deref()
        .map(super::activate::read_request)
        .transpose()?
        .map(|(request, _)| request);
    let text = read_input(&args.file)?;
    let revocations = read_revocations(args.revocations.as_deref(), &ring, &product)?;
    let request = VerifyRequest {
        last_seen: args
            .last_seen
            .as_deref()
            .map(dates::parse_date)
            .transpose()?,
        revocations,
        min_revocation_serial: args.min_revocation_serial,
        fingerprints,
        policy: if args.advisory {
            Policy::Advisory
        } else {
            Policy::Enforce
        },
        ..VerifyRequest::new(product, at)
    };
    let mut verdict = check(&text, &ring, &request.options());
    if let (Verdict::Valid(license), Some(asked)) = (&verdict, &answers)
        && !asked.is_answered_by(license.claims())
    {
        verdict = Verdict::NotTheAnswer {
            nonce: asked.nonce_hex(),
        };
    }
    render(verdict, catalog.as_ref(), out)
}

fn parse_fingerprints(fingerprints: &[String]) -> Result<Vec<Fingerprint>> {
    Fingerprint::parse_list(fingerprints.iter().map(String::as_str)).map_err(|e| {
        let text = fingerprints.get(e.position).map_or("", String::as_str);
        CliError::usage(format!(
            "malformed fingerprint '{text}': expected 64 hex digits ({e})"
        ))
    })
}

/// The product to expect comes from the operator, never from the license
/// (clap requires one of the two).
fn expected_product(args: &Args, catalog: Option<&Catalog>) -> Result<String> {
    // Both given: they must agree, or the catalog's names would be shown
    // for another product's modules.
    if let (Some(product), Some(catalog)) = (&args.product, catalog)
        && product != catalog.product()
    {
        return Err(CliError::usage(format!(
            "--product {product} is not the catalog's product {}",
            catalog.product()
        )));
    }
    args.product
        .clone()
        .or_else(|| catalog.map(|c| c.product().to_string()))
        .ok_or_else(|| {
            CliError::usage("say which product to expect: pass --product NAME or --catalog FILE")
        })
}

fn read_revocations(
    path: Option<&Path>,
    ring: &KeyRing,
    product: &str,
) -> Result<Option<RevocationList>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = crate::keyfile::read_text(
        path,
        "revocation list",
        licman_core::MAX_REVOCATION_TEXT_LEN,
    )?;
    RevocationList::verify(&text, ring, product)
        .map(Some)
        .map_err(|e| {
            CliError::new(
                e.code(),
                format!("revocation list {}: {e}", path.display()),
                exit_for(&e),
            )
        })
}

fn check(text: &str, ring: &KeyRing, options: &VerifyOptions<'_>) -> Verdict {
    let unverified = UnverifiedLicense::parse(text);
    let error = match unverified.clone().and_then(|l| l.verify(ring, options)) {
        Ok(license) => return Verdict::Valid(license),
        Err(error) => error,
    };
    // An authentic license that is not valid here: what it is.
    let advisory = options.clone().policy(Policy::Advisory);
    let authentic = error
        .is_validity()
        .then(|| unverified.ok()?.verify(ring, &advisory).ok())
        .flatten();
    Verdict::Invalid { error, authentic }
}

/// Prints the verdict; an invalid license is an error (already printed
/// with `--json`).
fn render(verdict: Verdict, catalog: Option<&Catalog>, out: Output) -> Result<()> {
    match (verdict, out) {
        (Verdict::Valid(license), Output::Json) => {
            outln!("{}", escape::json_pretty(&valid_json(&license, catalog)));
            Ok(())
        }
        (Verdict::Valid(license), Output::Text) => {
            render_valid_text(&license, catalog);
            Ok(())
        }
        (Verdict::NotTheAnswer { nonce }, _) => Err(CliError::new(
            "not_the_answer",
            format!(
                "the license is valid but does not answer activation request {nonce} (another product, machine or request)"
            ),
            crate::error::Exit::WrongProductOrMachine,
        )),
        (Verdict::Invalid { error, .. }, Output::Text) => Err(CliError::new(
            error.code(),
            format!("INVALID [{}] {error}", error.code()),
            exit_for(&error),
        )),
        (Verdict::Invalid { error, authentic }, Output::Json) => {
            let value = invalid_json(&error, authentic.as_ref(), catalog);
            outln!("{}", escape::json_pretty(&value));
            let mut err = CliError::from(error);
            err.printed = true;
            Err(err)
        }
    }
}

fn render_valid_text(license: &VerifiedLicense, catalog: Option<&Catalog>) {
    outln!(
        "VALID: license {} signed by key {}: {}",
        license.license_id(),
        license.key_id(),
        status_detail(license)
    );
    for (label, value) in describe(license.claims(), catalog) {
        outln!("  {label:<11} {}", printable(&value));
    }
    for p in license.problems() {
        outln!("  warning     [{}] {}", p.code(), printable(&p.to_string()));
    }
}

fn status_detail(license: &VerifiedLicense) -> String {
    match license.status() {
        Status::Active => match license.days_until_expiry(license.checked_at()) {
            Some(d) => format!("active, {d} days until expiry"),
            None => "active, perpetual".into(),
        },
        Status::ExpiringSoon { days_left } => format!("expiring soon: {days_left} days left"),
        Status::InGrace { days_left } => {
            format!("EXPIRED, in grace: {days_left} days of grace left")
        }
        Status::Expired => "expired".into(),
        Status::NotYetValid { days_until_start } => {
            format!("not yet valid: starts in {days_until_start} days")
        }
    }
}

/// The `--json` verdict of a verified license.
fn valid_json(license: &VerifiedLicense, catalog: Option<&Catalog>) -> serde_json::Value {
    let status = license.status();
    let mut value = json!({
        "valid": true,
        "status": status.code(),
        "days": status.days(),
        "days_until_expiry": license.days_until_expiry(license.checked_at()),
        "license_id": license.license_id().to_string(),
        "key_id": license.key_id().to_string(),
        "checked_at": license.checked_at().to_string(),
        "problems": license.problems().iter().map(|p| json!({ "code": p.code(), "message": p.to_string() })).collect::<Vec<_>>(),
        "error": null,
        "claims": license.claims(),
    });
    if let Some(c) = catalog {
        value["module_names"] = module_names(c, license.modules()).into();
    }
    value
}

/// The `--json` verdict of a license that is not valid: what it is, if it
/// is authentic.
fn invalid_json(
    error: &Error,
    authentic: Option<&VerifiedLicense>,
    catalog: Option<&Catalog>,
) -> serde_json::Value {
    let error_json = json!({ "code": error.code(), "message": error.to_string() });
    match authentic {
        Some(license) => {
            let mut v = valid_json(license, catalog);
            v["valid"] = false.into();
            v["error"] = error_json;
            v
        }
        None => json!({
            "valid": false, "status": null, "days": null, "days_until_expiry": null, "license_id": null,
            "key_id": null, "checked_at": null, "problems": [],
            "error": error_json, "claims": null,
        }),
    }
}

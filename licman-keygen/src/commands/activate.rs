//! `licman-keygen activate`: a license bound to the machine of an
//! activation request (docs/FORMAT.md, 9b), recorded in the ledger with
//! the request.
//!
//! The license is made either from the ledger's record of a license the
//! customer was given (`--license-id`, or the id the request names: same
//! customer, tier, modules, quotas and dates) or from a catalog tier like
//! `issue` (`--tier`). Either way it is bound to the request's fingerprint
//! and names the request's nonce in its metadata (`licman.activation`), so
//! the product can tell it answers its request.
//!
//! Each request is answered once: the ledger keys activations by nonce.
//! Running the same request again prints the license it was answered with
//! (a lost email is the usual reason), and refuses if that answer is still
//! being written by another run.

use std::path::PathBuf;

use licman_core::{
    ACTIVATION_METADATA_KEY, ActivationRequest, Catalog, Claims, MachineBinding, MatchPolicy,
    Policy, Timestamp, UnverifiedLicense, VerifyOptions,
};
use serde_json::json;

use super::Output;
use super::issue::request::{Request, claims_for};
use super::issue::{Format, license_text, sign_and_verify, write_license};
use super::renew::load_recorded;
use super::shared::{PassphraseArg, read_catalog, read_input, refuse_existing};
use crate::dates;
use crate::error::{CliError, Result};
use crate::escape::printable;
use crate::keyfile;
use crate::ledger::{self, ActivationRecord, Ledger};

/// An error of the host-side helpers (the machine id, a request's fields)
/// as the CLI reports it, under its stable code.
pub(crate) fn ffi_error(e: licman_ffi::LicmanError) -> CliError {
    const CODES: &[&str] = &[
        "no_machine_id",
        "invalid_machine_id",
        "invalid_fingerprint",
        "invalid_license_id",
        "invalid_nonce",
        "no_randomness",
    ];
    let code = CODES
        .iter()
        .find(|c| **c == e.code())
        .copied()
        .unwrap_or("invalid_request");
    // No machine id to read is the machine's state, not a usage mistake.
    let exit = if code == "no_machine_id" || code == "no_randomness" {
        crate::error::Exit::Failure
    } else {
        crate::error::Exit::Usage
    };
    CliError::new(code, e.description().to_string(), exit)
}

/// `request`: an activation request, as the product writes one.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("machine").args(["machine_id", "fingerprint"])))]
pub struct RequestArgs {
    /// The product id (the catalog's `product`).
    #[arg(long)]
    product: String,
    /// The customer id, if known.
    #[arg(long)]
    customer: Option<String>,
    /// The license the request activates, if the customer was given one.
    #[arg(long, value_name = "LICENSE_ID")]
    license_id: Option<String>,
    /// Another machine's operating-system id (default: this machine's).
    #[arg(long, value_name = "ID")]
    machine_id: Option<String>,
    /// A machine fingerprint already computed for the product (64 hex digits).
    #[arg(long, value_name = "FP")]
    fingerprint: Option<String>,
    /// Write the armored form (default: the one-line `lmreq1_…`).
    #[arg(long)]
    armored: bool,
    /// Write the request here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
}

/// Writes an activation request: this machine's (or the given machine's)
/// fingerprint, a random nonce, now. The same as the bindings'
/// `activation_request`.
pub fn request(args: &RequestArgs, out: Output) -> Result<()> {
    refuse_existing(args.out.as_deref(), args.force)?;
    let fingerprint = match (&args.fingerprint, &args.machine_id) {
        (Some(fp), _) => fp.clone(),
        (None, Some(id)) => licman_ffi::machine_fingerprint_of(args.product.clone(), id.clone())
            .map_err(ffi_error)?,
        (None, None) => licman_ffi::machine_fingerprint(args.product.clone()).map_err(ffi_error)?,
    };
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce)
        .map_err(|e| CliError::failure("no_randomness", format!("cannot draw a nonce: {e}")))?;
    let request = licman_ffi::ActivationRequest::from_info(licman_ffi::ActivationRequestInfo {
        product: args.product.clone(),
        fingerprint,
        customer_id: args.customer.clone(),
        license_id: args.license_id.clone(),
        nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        created_at: dates::now()?.unix_seconds(),
    })
    .map_err(ffi_error)?;
    let text = if args.armored {
        request.to_armored()
    } else {
        format!("{}\n", request.to_text())
    };
    let info = request.info();
    match &args.out {
        Some(path) => keyfile::write_atomic(path, text.as_bytes(), 0o644, args.force)?,
        // With --json, standard output holds the JSON (the request in it).
        None if out == Output::Json => {}
        None => super::shared::write_stdout(text.as_bytes())?,
    }
    if out == Output::Json {
        outln!(
            "{}",
            json!({"request": request.to_text(), "armored": request.to_armored(), "nonce": info.nonce,
                   "fingerprint": info.fingerprint, "product": info.product,
                   "out": args.out.as_ref().map(|p| p.display().to_string())})
        );
    } else {
        eprintln!(
            "activation request {} for {} on machine {}",
            info.nonce,
            printable(&info.product),
            &info.fingerprint[..16]
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The activation request: a file (compact `lmreq1_…` or armored), `-`
    /// for standard input, or the `lmreq1_…` text itself.
    #[arg(value_name = "REQUEST")]
    request: String,
    /// The secret key that signs the license.
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// The product catalog (its product must be the request's).
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: PathBuf,
    /// Make the license from the ledger's record of this license (same
    /// customer, tier, modules, quotas, dates). Default: the license id the
    /// request names.
    #[arg(long, value_name = "LICENSE_ID", conflicts_with = "tier")]
    license_id: Option<String>,
    /// Public keys the --license-id license may be signed with besides the
    /// signing key's own (after a key rotation).
    #[arg(long = "public-key", value_name = "FILE", requires = "license_id")]
    public_keys: Vec<PathBuf>,
    /// Make the license from this catalog tier instead, as `issue` does.
    #[arg(long)]
    tier: Option<String>,
    /// With --tier: the customer id (default: the one the request names).
    #[arg(long, requires = "tier")]
    customer: Option<String>,
    /// With --tier: the customer's display name.
    #[arg(long, requires = "tier")]
    customer_name: Option<String>,
    /// With --tier: the customer's email.
    #[arg(long, requires = "tier")]
    email: Option<String>,
    /// With --tier: the expiry date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", group = "expiry", requires = "tier")]
    expires: Option<String>,
    /// With --tier: the validity from now (90d, 1y, …).
    #[arg(long, value_name = "DURATION", group = "expiry", requires = "tier")]
    valid_for: Option<String>,
    /// With --tier: no expiry.
    #[arg(long, group = "expiry", requires = "tier")]
    perpetual: bool,
    /// With --tier: the grace period after expiry (default: none).
    #[arg(long, value_name = "DURATION", requires = "tier")]
    grace: Option<String>,
    /// With --tier: add a module to the tier's (repeatable).
    #[arg(long = "add-module", value_name = "MODULE", requires = "tier")]
    add_modules: Vec<String>,
    /// With --tier: remove a module from the tier's (repeatable).
    #[arg(long = "remove-module", value_name = "MODULE", requires = "tier")]
    remove_modules: Vec<String>,
    /// With --tier: override a quota, NAME=N or NAME=unlimited (repeatable).
    #[arg(long = "quota", value_name = "NAME=N|unlimited", requires = "tier")]
    quotas: Vec<String>,
    /// Output format of the license.
    #[arg(long, value_enum, default_value_t = Format::Compact)]
    format: Format,
    /// Write the license here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    /// The ledger that records the request and the license: a file, or a
    /// postgres:// URL (default: LICMAN_LEDGER or ./licman-ledger.db).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
}

/// The request from the argument: its text, or a file holding it.
pub(crate) fn read_request(arg: &str) -> Result<(ActivationRequest, String)> {
    let text = if arg
        .trim_start()
        .starts_with(licman_core::ACTIVATION_REQUEST_PREFIX)
    {
        arg.to_string()
    } else {
        read_input(std::path::Path::new(arg))?
    };
    let request = ActivationRequest::parse(&text).map_err(|e| {
        CliError::new(
            "invalid_request",
            format!("the activation request is refused ({}): {e}", e.code()),
            crate::error::Exit::Malformed,
        )
    })?;
    let compact = request
        .to_text()
        .map_err(|e| CliError::failure("invalid_request", e.to_string()))?;
    Ok((request, compact))
}

/// The customer the license is for must be the one the request names, if
/// it names one.
fn check_customer(request: &ActivationRequest, customer: &str) -> Result<()> {
    match &request.customer_id {
        Some(asked) if asked != customer => Err(CliError::failure(
            "customer_mismatch",
            format!(
                "the request is from customer '{}', the license would be for '{}'",
                printable(asked),
                printable(customer)
            ),
        )),
        _ => Ok(()),
    }
}

/// Binds `claims` to the request's machine and names its nonce.
fn bind_to(mut claims: Claims, request: &ActivationRequest) -> Result<Claims> {
    claims.machine_binding = Some(
        MachineBinding::new([request.fingerprint], MatchPolicy::Any)
            .map_err(|e| CliError::failure("invalid_request", e.to_string()))?,
    );
    claims
        .metadata
        .insert(ACTIVATION_METADATA_KEY.into(), request.nonce_hex());
    claims
        .validate()
        .map_err(|e| CliError::usage(format!("invalid license: {e}")))?;
    Ok(claims)
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let (request, request_text) = read_request(&args.request)?;
    let catalog = read_catalog(&args.catalog)?;
    if request.product != catalog.product() {
        return Err(CliError::new(
            "wrong_product",
            format!(
                "the request is for product '{}', the catalog for '{}'",
                printable(&request.product),
                catalog.product()
            ),
            crate::error::Exit::WrongProductOrMachine,
        ));
    }
    // Said only when a new license is issued (not for a request answered
    // before, whose license is printed again).
    let mut tier_note = None;
    let template_id = match (&args.license_id, &args.tier, request.license_id) {
        (Some(given), _, Some(asked)) if *given != asked.to_string() => {
            return Err(CliError::failure(
                "license_mismatch",
                format!(
                    "the request activates license {asked}, not {given}: pass --license-id {asked}, or --tier to issue a new license"
                ),
            ));
        }
        (Some(given), _, _) => Some(given.clone()),
        (None, None, Some(asked)) => Some(asked.to_string()),
        (None, Some(_), asked) => {
            tier_note = asked.map(|asked| {
                format!(
                    "note: the request activates license {asked}; issuing a new license from --tier instead"
                )
            });
            None
        }
        (None, None, None) => {
            return Err(CliError::usage(
                "the request names no license: pass --license-id ID (a license in the ledger) or --tier TIER",
            ));
        }
    };
    let path = ledger::default_path(args.ledger.as_deref());
    let mut ledger = if template_id.is_some() {
        Ledger::open_existing(&path)?.ok_or_else(|| {
            CliError::failure(
                "no_ledger",
                format!(
                    "no ledger at {}: --license-id reads the license from it",
                    ledger::shown(&path)
                ),
            )
        })?
    } else {
        Ledger::open(&path)?
    };
    let now = dates::now()?;
    let key = keyfile::load_signing_key(&args.secret_key, &args.passphrase.source())?;
    let mut ring = keyfile::load_key_ring(&args.public_keys)?;
    ring.add(key.public_key().clone());
    if let Some(done) = ledger.activation(&request.nonce_hex())? {
        if done.state == "pending" {
            return Err(CliError::failure(
                "activation_in_progress",
                format!(
                    "activation request {} is being answered by another run (license {}): try again when it ends",
                    request.nonce_hex(),
                    done.license_id
                ),
            ));
        }
        return print_again(args, &catalog, &ring, &done, &request, out, now);
    }
    if let Some(note) = tier_note {
        eprintln!("{note}");
    }
    refuse_existing(args.out.as_deref(), args.force)?;
    let claims = match &template_id {
        Some(id) => {
            let old = load_recorded(id, &ledger, &catalog, &ring, now)?;
            check_customer(&request, &old.claims.customer.id)?;
            let request_for = Request {
                tier: Some(old.claims.tier.clone()),
                customer: Some(old.claims.customer.id.clone()),
                perpetual: true,
                base_modules: Some(old.claims.modules),
                base_quotas: Some(old.claims.quotas.clone()),
                ..Request::default()
            };
            let base = claims_for(&catalog, &request_for, now)?;
            Claims {
                customer: old.claims.customer.clone(),
                starts_at: old.claims.starts_at,
                expires_at: old.claims.expires_at,
                grace_period: old.claims.grace_period,
                metadata: old.claims.metadata.clone(),
                ..base
            }
        }
        None => {
            let customer = args
                .customer
                .clone()
                .or_else(|| request.customer_id.clone())
                .ok_or_else(|| {
                    CliError::usage("the request names no customer: pass --customer ID")
                })?;
            check_customer(&request, &customer)?;
            claims_for(
                &catalog,
                &Request {
                    tier: args.tier.clone(),
                    customer: Some(customer),
                    customer_name: args.customer_name.clone(),
                    email: args.email.clone(),
                    expires: args.expires.clone(),
                    valid_for: args.valid_for.clone(),
                    perpetual: args.perpetual,
                    grace: args.grace.clone(),
                    add_modules: args.add_modules.clone(),
                    remove_modules: args.remove_modules.clone(),
                    quotas: args.quotas.clone(),
                    bind_policy: "any".into(),
                    ..Request::default()
                },
                now,
            )?
        }
    };
    let claims = bind_to(claims, &request)?;
    let license = sign_and_verify(&key, &claims, now)?;
    let output = args.out.as_ref().map_or_else(
        || "-".to_string(),
        |p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        },
    );
    ledger.record_pending_activation(
        &license,
        &output,
        &ActivationRecord {
            request: &request,
            text: &request_text,
            template_id: template_id.as_deref(),
        },
        now,
    )?;
    let text = license_text(&license, Some(&catalog), args.format);
    if let Err(e) = write_license(args.out.as_deref(), &text, args.force) {
        ledger.mark_void(license.license_id())?;
        return Err(e);
    }
    let details = json!({
        "request": request.nonce_hex(), "fingerprint": request.fingerprint.to_string(),
        "customer": claims.customer.id, "tier": claims.tier, "template": template_id,
        "key_id": license.key_id().to_string(),
        "expires_at": claims.expires_at.map(|e| e.to_string()), "output": output,
    });
    ledger.mark_issued(license.license_id(), "activate", &details)?;
    let activations = match &template_id {
        Some(id) => Some(ledger.activations_of(id)?),
        None => None,
    };
    report(
        out,
        &json!({
            "license_id": license.license_id().to_string(), "request": request.nonce_hex(),
            "fingerprint": request.fingerprint.to_string(), "customer": claims.customer.id,
            "tier": claims.tier, "template": template_id, "activations_of_template": activations,
            "expires_at": claims.expires_at.map(|e| e.to_string()),
            "out": args.out.as_ref().map(|p| p.display().to_string()), "again": false,
        }),
        args.out.is_some(),
    );
    Ok(())
}

/// The request was answered before: the same license again.
fn print_again(
    args: &Args,
    catalog: &Catalog,
    ring: &licman_core::KeyRing,
    done: &ledger::Activated,
    request: &ActivationRequest,
    out: Output,
    now: Timestamp,
) -> Result<()> {
    refuse_existing(args.out.as_deref(), args.force)?;
    let options = VerifyOptions::new(&request.product, now).policy(Policy::Advisory);
    let license = UnverifiedLicense::parse(&done.key)
        .and_then(|l| l.verify(ring, &options))
        .map_err(|e| {
            CliError::failure(
                "old_license_unverified",
                format!(
                    "the ledger's license {} for this request does not verify ({e}); pass the public key it was signed with (--public-key)",
                    done.license_id
                ),
            )
        })?;
    if !request.is_answered_by(license.claims()) {
        return Err(CliError::failure(
            "corrupt_ledger",
            format!(
                "the ledger's license {} does not answer request {}",
                done.license_id,
                request.nonce_hex()
            ),
        ));
    }
    write_license(
        args.out.as_deref(),
        &license_text(&license, Some(catalog), args.format),
        args.force,
    )?;
    report(
        out,
        &json!({
            "license_id": done.license_id, "request": request.nonce_hex(),
            "fingerprint": request.fingerprint.to_string(), "customer": license.claims().customer.id,
            "tier": license.claims().tier, "activated_at": done.at.to_string(),
            "out": args.out.as_ref().map(|p| p.display().to_string()), "again": true,
        }),
        args.out.is_some(),
    );
    Ok(())
}

/// What was done: JSON on standard output with `--json` when the license
/// went to a file (standard output holds the license otherwise), and a
/// line for people on standard error.
fn report(out: Output, value: &serde_json::Value, to_file: bool) {
    if out == Output::Json && to_file {
        outln!("{value}");
        return;
    }
    let text = |k: &str| value[k].as_str().unwrap_or("").to_string();
    if value["again"] == true {
        eprintln!(
            "request {} was answered on {} by license {}: printed again",
            text("request"),
            text("activated_at"),
            text("license_id")
        );
        return;
    }
    let from = match value["template"].as_str() {
        Some(t) => format!(
            " from license {t} (its activations: {})",
            value["activations_of_template"]
        ),
        None => format!(" ({} tier)", printable(&text("tier"))),
    };
    eprintln!(
        "activated request {} for customer {}: license {}{from}, bound to machine {}",
        text("request"),
        printable(&text("customer")),
        text("license_id"),
        &text("fingerprint")[..16.min(text("fingerprint").len())]
    );
}

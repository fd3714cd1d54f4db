//! `licman-keygen renew` and `licman-keygen reissue`: a new license from
//! the ledger's record of an old one (same customer, machine binding and
//! metadata), its upgrade diff printed, the link between the two recorded,
//! and with `--revoke-old` the old license revoked in the next list.
//!
//! The old license is read from the ledger and verified with the public
//! keys (the new signing key's, and any `--public-key`), so a ledger row
//! changed behind the ledger's back is refused rather than re-signed.

use std::path::PathBuf;

use licman_core::{
    Catalog, Claims, Entitlements, KeyRing, LicenseChange, LicenseId, Policy, Timestamp,
    UnverifiedLicense, VerifyOptions,
};
use serde_json::json;

use super::Output;
use super::issue::request::{Request, claims_for};
use super::issue::{Format, license_text, sign_and_verify, write_license};
use super::shared::{PassphraseArg, read_catalog, refuse_existing};
use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile;
use crate::ledger::{self, Ledger};

/// What both commands take.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// The license to replace (its id in the ledger).
    #[arg(value_name = "LICENSE_ID")]
    license_id: String,
    /// The secret key that signs the new license.
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    /// The product catalog.
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: PathBuf,
    /// Public keys the old license may be signed with besides the signing
    /// key's own (after a key rotation).
    #[arg(long = "public-key", value_name = "FILE")]
    public_keys: Vec<PathBuf>,
    /// Revoke the old license: the next revocation list (`revoke`) carries it.
    #[arg(long)]
    revoke_old: bool,
    /// Output format of the new license.
    #[arg(long, value_enum, default_value_t = Format::Compact)]
    format: Format,
    /// Write the new license here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    /// The ledger, a file or a postgres:// URL (default ./licman-ledger.db; it
    /// must exist: the old license's record is read from it).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("new_expiry").required(true).args(["until", "term"])))]
pub struct RenewArgs {
    #[command(flatten)]
    common: Common,
    /// The new expiry (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// The new term, from the old expiry (or from now, if the old license
    /// has expired): 30d, 12w, 1y, …
    #[arg(long = "for", value_name = "DURATION")]
    term: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ReissueArgs {
    #[command(flatten)]
    common: Common,
    /// Move to this tier: its modules and quotas replace the old license's.
    #[arg(long)]
    tier: Option<String>,
    /// Add a module.
    #[arg(long = "add-module", value_name = "MODULE")]
    add_modules: Vec<String>,
    /// Remove a module.
    #[arg(long = "remove-module", value_name = "MODULE")]
    remove_modules: Vec<String>,
    /// Set a quota.
    #[arg(long = "quota", value_name = "NAME=N|unlimited")]
    quotas: Vec<String>,
}

/// A recorded license, verified, and what is needed to replace it (or to
/// activate it on a machine).
pub(crate) struct Old {
    pub(crate) claims: Claims,
    pub(crate) entitlements: Entitlements,
}

/// The ledger's record of `license_id`, verified with `ring`: refused when
/// it is not in the ledger, was replaced (use the newest), is revoked, was
/// never issued, or is for another product than the catalog's.
pub(crate) fn load_recorded(
    license_id: &str,
    ledger: &Ledger,
    catalog: &Catalog,
    ring: &KeyRing,
    now: Timestamp,
) -> Result<Old> {
    // The ledger keeps ids in their lower-case form.
    let wanted = license_id.trim().parse::<LicenseId>().map_err(|e| {
        CliError::usage(format!(
            "malformed license id '{license_id}': {e} (expected a UUID)"
        ))
    })?;
    let normalized = wanted.to_string();
    let license_id = normalized.as_str();
    let (key, state) = ledger.recorded_key(license_id)?.ok_or_else(|| {
        CliError::failure(
            "unknown_license",
            format!("license {} is not in the ledger", license_id),
        )
    })?;
    let replaced = ledger.replacements(license_id)?;
    if !replaced.is_empty() {
        let list: Vec<String> = replaced
            .iter()
            .map(|(id, kind)| format!("{id} ({kind})"))
            .collect();
        return Err(CliError::failure(
            "already_replaced",
            format!(
                "license {} was already replaced by {}: replace the newest instead",
                license_id,
                list.join(", ")
            ),
        ));
    }
    if ledger.is_revoked(license_id)? {
        return Err(CliError::failure(
            "revoked",
            format!(
                "license {} is revoked: issue a new license instead of replacing it",
                license_id
            ),
        ));
    }
    if state != "issued" {
        return Err(CliError::failure(
            "not_issued",
            format!(
                "license {} is {state} in the ledger, not issued",
                license_id
            ),
        ));
    }
    let parsed = UnverifiedLicense::parse(&key).map_err(|e| {
        CliError::failure(
            "corrupt_ledger",
            format!("the ledger's key of {} does not parse: {e}", license_id),
        )
    })?;
    let product = parsed.untrusted_claims().product.clone();
    if product != catalog.product() {
        return Err(CliError::failure(
            "wrong_product",
            format!(
                "license {} is for {product}, the catalog for {}",
                license_id,
                catalog.product()
            ),
        ));
    }
    // Advisory: an expired license is what a renewal is for.
    let options = VerifyOptions::new(&product, now).policy(Policy::Advisory);
    let verified = parsed.verify(ring, &options).map_err(|e| {
        CliError::failure(
            "old_license_unverified",
            format!(
                "the ledger's license {} does not verify ({e}); pass the public key it was signed with (--public-key)",
                license_id
            ),
        )
    })?;
    let claims = verified.claims().clone();
    // The row's key must be that row's license: a key copied in from
    // another row (another customer's, a revoked one) is refused.
    if claims.license_id != wanted {
        return Err(CliError::failure(
            "corrupt_ledger",
            format!(
                "the ledger's key of {license_id} is the key of license {}: the row was changed; nothing was signed",
                claims.license_id
            ),
        ));
    }
    let entitlements = Entitlements::new(verified, catalog).map_err(|e| {
        CliError::failure(
            "catalog",
            format!("license {} and the catalog: {e}", license_id),
        )
    })?;
    Ok(Old {
        claims,
        entitlements,
    })
}

/// Signs the new claims, records and writes the new license, and prints the diff.
fn replace(
    c: &Common,
    kind: &str,
    new_claims: impl FnOnce(&Old, &Catalog, Timestamp) -> Result<Claims>,
    out: Output,
) -> Result<()> {
    let now = dates::now()?;
    let catalog = read_catalog(&c.catalog)?;
    let path = ledger::default_path(c.ledger.as_deref());
    let mut ledger = Ledger::open_existing(&path)?.ok_or_else(|| {
        CliError::failure(
            "no_ledger",
            format!(
                "no ledger at {}: renew and reissue read the old license from it",
                ledger::shown(&path)
            ),
        )
    })?;
    refuse_existing(c.out.as_deref(), c.force)?;
    let key = keyfile::load_signing_key(&c.secret_key, &c.passphrase.source())?;
    let mut ring = keyfile::load_key_ring(&c.public_keys)?;
    ring.add(key.public_key().clone());
    let old = load_recorded(&c.license_id, &ledger, &catalog, &ring, now)?;
    // The id as the ledger keeps it (load_recorded checked its form).
    let old_id = old.claims.license_id.to_string();
    let claims = new_claims(&old, &catalog, now)?;
    let license = sign_and_verify(&key, &claims, now)?;
    let new_entitlements = Entitlements::new(license.clone(), &catalog).map_err(|e| {
        CliError::failure("catalog", format!("the new license and the catalog: {e}"))
    })?;
    let change = LicenseChange::between(&old.entitlements, &new_entitlements);
    // As the ledger records it: absolute, so recovery finds it from anywhere.
    let output = c.out.as_ref().map_or_else(
        || "-".to_string(),
        |p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        },
    );
    ledger.record_pending_replacement(&license, &output, &old_id, kind, c.revoke_old, now)?;
    let text = license_text(&license, Some(&catalog), c.format);
    if let Err(e) = write_license(c.out.as_deref(), &text, c.force) {
        ledger.mark_void(license.license_id())?;
        return Err(e);
    }
    let diff = change_json(&change);
    let details = json!({
        "old": old_id, "new": license.license_id().to_string(), "customer": claims.customer.id,
        "tier": claims.tier, "expires_at": claims.expires_at.map(|e| e.to_string()), "revoke_old": c.revoke_old,
        "change": diff, "output": output,
    });
    ledger.mark_replacement(license.license_id(), &details)?;
    match out {
        Output::Json => outln!(
            "{}",
            json!({"old": old_id, "new": license.license_id().to_string(), "kind": kind,
                   "out": c.out.as_ref().map(|p| p.display().to_string()), "revoked_old": c.revoke_old, "change": diff})
        ),
        Output::Text => {
            eprintln!(
                "{kind} of {}: license {} ({})",
                old_id,
                license.license_id(),
                if c.out.is_some() {
                    output.as_str()
                } else {
                    "above"
                }
            );
            for line in change_lines(&change) {
                eprintln!("  {line}");
            }
            if c.revoke_old {
                eprintln!(
                    "  {} is revoked: run `licman-keygen revoke` to publish the next list",
                    old_id
                );
            }
        }
    }
    Ok(())
}

fn change_json(change: &LicenseChange) -> serde_json::Value {
    json!({
        "tier_from": change.tier_from, "tier_to": change.tier_to,
        "modules_added": change.modules_added_names(), "modules_removed": change.modules_removed_names(),
        "quotas": change.quotas.iter().map(|q| json!({"quota": q.name, "from": limit_json(q.from), "to": limit_json(q.to)})).collect::<Vec<_>>(),
        "expires_from": change.expires_from.map(|t| t.to_string()),
        "expires_to": change.expires_to.map(|t| t.to_string()),
    })
}

/// A quota limit in JSON: a number, `"unlimited"`, or `null` (none).
fn limit_json(l: Option<licman_core::QuotaLimit>) -> serde_json::Value {
    match l {
        None => serde_json::Value::Null,
        Some(licman_core::QuotaLimit::Unlimited) => "unlimited".into(),
        Some(licman_core::QuotaLimit::Limited(n)) => n.into(),
    }
}

/// A quota limit for people: a number, `unlimited`, or `none`.
fn limit(l: Option<licman_core::QuotaLimit>) -> String {
    match l {
        None => "none".into(),
        Some(licman_core::QuotaLimit::Unlimited) => "unlimited".into(),
        Some(licman_core::QuotaLimit::Limited(n)) => n.to_string(),
    }
}

fn change_lines(change: &LicenseChange) -> Vec<String> {
    let mut lines = Vec::new();
    if change.tier_from != change.tier_to {
        lines.push(format!("tier: {} -> {}", change.tier_from, change.tier_to));
    }
    for m in change.modules_added_names() {
        lines.push(format!("+ module {m}"));
    }
    for m in change.modules_removed_names() {
        lines.push(format!("- module {m}"));
    }
    for q in &change.quotas {
        lines.push(format!(
            "quota {}: {} -> {}",
            q.name,
            limit(q.from),
            limit(q.to)
        ));
    }
    if change.expires_from != change.expires_to {
        let show = |t: Option<Timestamp>| t.map_or_else(|| "never".to_string(), dates::show);
        lines.push(format!(
            "expires: {} -> {}",
            show(change.expires_from),
            show(change.expires_to)
        ));
    }
    if lines.is_empty() {
        lines.push("no change in modules, quotas or expiry".into());
    }
    lines
}

/// The old claims with a new id and issue time (customer, binding, metadata,
/// start and grace kept).
fn successor(old: &Claims, base: Claims) -> Claims {
    Claims {
        customer: old.customer.clone(),
        starts_at: old.starts_at,
        expires_at: old.expires_at,
        grace_period: old.grace_period,
        machine_binding: old.machine_binding.clone(),
        metadata: old.metadata.clone(),
        ..base
    }
}

pub fn renew(args: &RenewArgs, out: Output) -> Result<()> {
    replace(
        &args.common,
        "renewal",
        |old, catalog, now| {
            let Some(old_end) = old.claims.expires_at else {
                return Err(CliError::usage(format!(
                    "license {} is perpetual: there is nothing to renew",
                    args.common.license_id
                )));
            };
            let expires = match (&args.until, &args.term) {
                (Some(date), _) => dates::parse_date(date)?,
                (None, Some(term)) => {
                    let from = if old_end > now { old_end } else { now };
                    from.checked_add(dates::parse_duration(term)?)
                        .ok_or_else(|| CliError::usage(format!("--for {term} is too long")))?
                }
                (None, None) => {
                    return Err(CliError::usage(
                        "say how long: --until DATE or --for DURATION",
                    ));
                }
            };
            if expires <= old_end.max(now) {
                return Err(CliError::usage(format!(
                    "the new expiry {} is not after the old one ({}) and now",
                    dates::show(expires),
                    dates::show(old_end)
                )));
            }
            let request = Request {
                tier: Some(old.claims.tier.clone()),
                customer: Some(old.claims.customer.id.clone()),
                perpetual: true,
                base_modules: Some(old.claims.modules),
                base_quotas: Some(old.claims.quotas.clone()),
                ..Request::default()
            };
            let base = claims_for(catalog, &request, now)?;
            let mut claims = successor(&old.claims, base);
            claims.expires_at = Some(expires);
            claims
                .validate()
                .map_err(|e| CliError::usage(format!("invalid license: {e}")))?;
            Ok(claims)
        },
        out,
    )
}

pub fn reissue(args: &ReissueArgs, out: Output) -> Result<()> {
    replace(
        &args.common,
        "reissue",
        |old, catalog, now| {
            let moved = args.tier.is_some();
            let request = Request {
                tier: Some(args.tier.clone().unwrap_or_else(|| old.claims.tier.clone())),
                customer: Some(old.claims.customer.id.clone()),
                perpetual: true,
                add_modules: args.add_modules.clone(),
                remove_modules: args.remove_modules.clone(),
                quotas: args.quotas.clone(),
                base_modules: (!moved).then_some(old.claims.modules),
                base_quotas: (!moved).then(|| old.claims.quotas.clone()),
                ..Request::default()
            };
            let base = claims_for(catalog, &request, now)?;
            let claims = successor(&old.claims, base);
            claims
                .validate()
                .map_err(|e| CliError::usage(format!("invalid license: {e}")))?;
            Ok(claims)
        },
        out,
    )
}

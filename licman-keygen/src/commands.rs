//! keypair, catalog check, inspect, verify, revoke and the ledger commands.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use licman_core::{
    Catalog, Fingerprint, KeyRing, LicenseId, ModuleSet, Policy, RevocationList, Status,
    UnverifiedLicense, VerifyOptions,
};
use serde_json::json;

use crate::dates;
use crate::error::{CliError, Exit, Result, exit_for};
use crate::escape::{self, printable};
use crate::keyfile::{self, KdfParams, PassphraseSource};
use crate::ledger::{self, Filter, Ledger, LicenseStatus, State};

/// Names of module ids (the id in decimal for ids the catalog lacks).
pub fn module_names(catalog: &Catalog, modules: &ModuleSet) -> Vec<String> {
    modules
        .iter()
        .map(|id| {
            catalog
                .module(id)
                .map_or_else(|| format!("#{id}"), |m| m.name().to_string())
        })
        .collect()
}

fn read_catalog(path: &Path) -> Result<Catalog> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::io("cannot read catalog", path, &e))?;
    Ok(Catalog::from_toml(&text)?)
}

/// Reads a license text from a file or standard input (`-`).
fn read_input(file: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        if std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "no license given: pass a FILE, or pipe the license into standard input",
            ));
        }
        std::io::stdin()
            .take(licman_core::MAX_LICENSE_TEXT_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::failure("io", format!("cannot read standard input: {e}")))?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| {
                f.take(licman_core::MAX_LICENSE_TEXT_LEN as u64 + 1)
                    .read_to_end(&mut bytes)
            })
            .map_err(|e| CliError::io("cannot read", file, &e))?;
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CliError::new(
            "empty_input",
            format!("{} is empty: no license to read", shown(file)),
            Exit::Malformed,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        CliError::new(
            "invalid_encoding",
            format!(
                "{} is not UTF-8 text (invalid byte at offset {}): not a licman license",
                shown(file),
                e.utf8_error().valid_up_to()
            ),
            Exit::Malformed,
        )
    })
}

fn shown(file: &Path) -> String {
    if file == Path::new("-") {
        "standard input".into()
    } else {
        file.display().to_string()
    }
}

#[allow(clippy::too_many_arguments)]
pub fn keypair(
    out_dir: &Path,
    name: &str,
    unencrypted: bool,
    force: bool,
    passphrase: &PassphraseSource,
    params: KdfParams,
    ledger_path: Option<&Path>,
    json: bool,
) -> Result<()> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(CliError::usage(format!(
            "invalid key name '{name}': use a plain file name"
        )));
    }
    let secret_path = out_dir.join(format!("{name}.secret"));
    let public_path = out_dir.join(format!("{name}.pub"));
    if !force {
        for path in [&secret_path, &public_path] {
            if path.exists() {
                return Err(CliError::failure(
                    "exists",
                    format!(
                        "{} already exists; pass --force to replace it",
                        path.display()
                    ),
                ));
            }
        }
    }
    let secret_passphrase = if unencrypted {
        None
    } else {
        Some(passphrase.read(true)?)
    };
    std::fs::create_dir_all(out_dir).map_err(|e| CliError::io("cannot create", out_dir, &e))?;
    let key = keyfile::generate_key()?;
    let secret_text = zeroize::Zeroizing::new(keyfile::seal_secret_key(
        &key,
        secret_passphrase.as_ref().map(|p| p.as_bytes()),
        params,
    )?);
    let now = dates::now()?;
    keyfile::write_atomic(&secret_path, secret_text.as_bytes(), 0o600, force)?;
    if let Err(e) = keyfile::write_atomic(
        &public_path,
        keyfile::public_key_text(key.public_key(), &now.to_string()).as_bytes(),
        0o644,
        force,
    ) {
        if !force {
            let _ = std::fs::remove_file(&secret_path);
        }
        return Err(e);
    }
    if unencrypted {
        eprintln!(
            "warning: {} is NOT encrypted: anyone who can read it can sign licenses. Use it only for tests and CI.",
            secret_path.display()
        );
    }
    // Audit the new key in the ledger the operator named (--ledger or
    // LICMAN_LEDGER), or in the default ledger if one exists.
    let named = ledger_path.is_some() || std::env::var_os("LICMAN_LEDGER").is_some();
    let ledger_path = ledger::default_path(ledger_path);
    let ledger = if named {
        Some(Ledger::open(&ledger_path)?)
    } else {
        Ledger::open_existing(&ledger_path)?
    };
    if let Some(mut l) = ledger {
        l.audit(
            "keypair",
            "created signing key",
            &[key.key_id().to_string()],
            &json!({ "secret": secret_path.display().to_string(), "public": public_path.display().to_string(), "encrypted": !unencrypted }),
        )?;
    }
    if json {
        outln!(
            "{}",
            json!({ "key_id": key.key_id().to_string(), "secret_key": secret_path, "public_key": public_path, "encrypted": !unencrypted, "public_key_text": key.public_key().to_text() })
        );
    } else {
        outln!("key id      {}", key.key_id());
        outln!(
            "secret key  {} (mode 0600{})",
            secret_path.display(),
            if unencrypted {
                ", NOT encrypted"
            } else {
                ", encrypted"
            }
        );
        outln!("public key  {}", public_path.display());
    }
    Ok(())
}

pub fn catalog_check(path: &Path, json: bool) -> Result<()> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::io("cannot read catalog", path, &e))?;
    let catalog = Catalog::from_toml(&text)
        .map_err(|e| CliError::failure(e.code(), format!("{}: {e}", path.display())))?;
    if json {
        let tiers: Vec<_> = catalog
            .tiers()
            .map(|t| {
                json!({
                    "name": t.name(), "display_name": t.display_name(), "inherits": t.inherits(),
                    "modules": module_names(&catalog, t.modules()),
                    "quotas": t.quotas().iter().map(|(q, l)| (catalog.quota(*q).map_or_else(|| q.to_string(), |i| i.name().to_string()), json!(l))).collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "valid": true, "product": catalog.product(), "display_name": catalog.display_name(),
                "modules": catalog.modules().len(), "quotas": catalog.quotas().len(), "routes": catalog.routes().len(), "tiers": tiers,
            }))
            .unwrap_or_default()
        );
    } else {
        outln!(
            "{}: valid catalog for {} ({})",
            path.display(),
            catalog.display_name(),
            catalog.product()
        );
        outln!(
            "  {} modules, {} quotas, {} routes",
            catalog.modules().len(),
            catalog.quotas().len(),
            catalog.routes().len()
        );
        for t in catalog.tiers() {
            let quotas: Vec<String> = t
                .quotas()
                .iter()
                .map(|(q, l)| {
                    format!(
                        "{}={l}",
                        catalog
                            .quota(*q)
                            .map_or_else(|| q.to_string(), |i| i.name().to_string())
                    )
                })
                .collect();
            outln!(
                "  tier {:<14} {:>2} modules  {}",
                t.name(),
                t.modules().len(),
                quotas.join(" ")
            );
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A catalog, to show module and quota names.
    #[arg(long, value_name = "CATALOG.toml")]
    catalog: Option<PathBuf>,
    /// The license (compact or armored); `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
}

/// The claims as labelled lines, for people. The values hold the
/// license's own strings: print them through [`printable`].
fn describe(
    claims: &licman_core::Claims,
    catalog: Option<&Catalog>,
) -> Vec<(&'static str, String)> {
    let modules = match catalog {
        Some(c) => module_names(c, &claims.modules).join(", "),
        None => claims
            .modules
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let quotas: Vec<String> = claims
        .quotas
        .iter()
        .map(|(q, l)| {
            let name = catalog
                .and_then(|c| c.quota(*q))
                .map_or_else(|| q.to_string(), |i| i.name().to_string());
            format!("{name}={l}")
        })
        .collect();
    let customer = match (&claims.customer.name, &claims.customer.email) {
        (Some(n), Some(e)) => format!("{} ({n}, {e})", claims.customer.id),
        (Some(x), None) | (None, Some(x)) => format!("{} ({x})", claims.customer.id),
        (None, None) => claims.customer.id.clone(),
    };
    let expires = match claims.expires_at {
        None => "never (perpetual)".to_string(),
        Some(e) => format!(
            "{} (grace {} days)",
            dates::show(e),
            claims.grace_period.as_secs() / 86_400
        ),
    };
    let binding = match &claims.machine_binding {
        None => "none".into(),
        Some(b) => format!(
            "{} of {} fingerprint(s)",
            b.policy(),
            b.fingerprints().len()
        ),
    };
    let metadata: Vec<String> = claims
        .metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    vec![
        ("license id", claims.license_id.to_string()),
        ("product", claims.product.clone()),
        ("customer", customer),
        ("tier", claims.tier.clone()),
        ("modules", modules),
        ("quotas", quotas.join(", ")),
        ("issued", claims.issued_at.to_string()),
        ("starts", claims.starts_at.to_string()),
        ("expires", expires),
        ("binding", binding),
        (
            "metadata",
            if metadata.is_empty() {
                "none".into()
            } else {
                metadata.join(", ")
            },
        ),
    ]
}

pub fn inspect(args: &InspectArgs, json: bool) -> Result<()> {
    let catalog = args.catalog.as_deref().map(read_catalog).transpose()?;
    let text = read_input(&args.file)?;
    let license = UnverifiedLicense::parse(&text)?;
    if json {
        let mut value = json!({
            "verified": false,
            "note": "decoded without checking the signature",
            "license_id": license.untrusted_claims().license_id.to_string(),
            "key_id": license.key_id().to_string(),
            "claims": license.untrusted_claims(),
        });
        if let Some(c) = &catalog {
            value["module_names"] = module_names(c, &license.untrusted_claims().modules).into();
        }
        outln!("{}", escape::json_pretty(&value));
    } else {
        outln!(
            "UNVERIFIED: decoded without checking the signature; anyone could have written this."
        );
        outln!("  {:<11} {}", "key id", license.key_id());
        for (label, value) in describe(license.untrusted_claims(), catalog.as_ref()) {
            outln!("  {label:<11} {}", printable(&value));
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("expected_product")
        .args(["catalog", "product"])
        .required(true)
        .multiple(true)
))]
pub struct VerifyArgs {
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
    /// A fingerprint this machine presents (64 hex digits); repeatable.
    #[arg(long = "fingerprint", value_name = "FP")]
    fingerprints: Vec<String>,
    /// Report validity problems instead of failing on them.
    #[arg(long)]
    advisory: bool,
    /// The license (compact or armored); `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
}

pub fn verify(args: &VerifyArgs, json: bool) -> Result<()> {
    let mut ring = KeyRing::new();
    for path in &args.public_keys {
        ring.add(keyfile::load_public_key(path)?);
    }
    let catalog = args.catalog.as_deref().map(read_catalog).transpose()?;
    let at = match &args.at {
        Some(d) => dates::parse_date(d)?,
        None => dates::now()?,
    };
    let fingerprints = args
        .fingerprints
        .iter()
        .map(|f| {
            f.trim().parse::<Fingerprint>().map_err(|_| {
                CliError::usage(format!(
                    "malformed fingerprint '{f}': expected 64 hex digits"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The product to expect comes from the operator, never from the
    // license (clap requires one of the two).
    let product = args
        .product
        .clone()
        .or_else(|| catalog.as_ref().map(|c| c.product().to_string()))
        .ok_or_else(|| {
            CliError::usage("say which product to expect: pass --product NAME or --catalog FILE")
        })?;
    let text = read_input(&args.file)?;
    let unverified = UnverifiedLicense::parse(&text);
    let revocations = match &args.revocations {
        Some(path) => {
            let list_text = std::fs::read_to_string(path)
                .map_err(|e| CliError::io("cannot read revocation list", path, &e))?;
            Some(
                RevocationList::verify(&list_text, &ring, &product).map_err(|e| {
                    CliError::new(
                        e.code(),
                        format!("revocation list {}: {e}", path.display()),
                        exit_for(&e),
                    )
                })?,
            )
        }
        None => None,
    };
    let mut options = VerifyOptions::new(&product, at).fingerprints(&fingerprints);
    if let Some(seen) = &args.last_seen {
        options = options.last_seen(dates::parse_date(seen)?);
    }
    if let Some(list) = &revocations {
        options = options.revocations(list);
    }
    if args.advisory {
        options = options.policy(Policy::Advisory);
    }
    let result = unverified.clone().and_then(|l| l.verify(&ring, &options));
    let license = match result {
        Ok(license) => license,
        Err(e) => {
            if !json {
                return Err(CliError::new(
                    e.code(),
                    format!("INVALID [{}] {e}", e.code()),
                    exit_for(&e),
                ));
            }
            // An authentic license that is not valid here: report what it is.
            let authentic = e
                .is_validity()
                .then(|| {
                    unverified.ok().and_then(|l| {
                        l.verify(&ring, &options.clone().policy(Policy::Advisory))
                            .ok()
                    })
                })
                .flatten();
            let value = match authentic {
                Some(license) => {
                    let mut v = verdict(&license, catalog.as_ref());
                    v["valid"] = false.into();
                    v["error"] = json!({ "code": e.code(), "message": e.to_string() });
                    v
                }
                None => json!({
                    "valid": false, "status": null, "days": null, "days_until_expiry": null, "license_id": null,
                    "key_id": null, "checked_at": null, "problems": [],
                    "error": { "code": e.code(), "message": e.to_string() }, "claims": null,
                }),
            };
            outln!("{}", escape::json_pretty(&value));
            let mut err = CliError::from(e);
            err.printed = true;
            return Err(err);
        }
    };
    if json {
        outln!(
            "{}",
            escape::json_pretty(&verdict(&license, catalog.as_ref()))
        );
        return Ok(());
    }
    let status = license.status();
    let detail = match status {
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
    };
    outln!(
        "VALID: license {} signed by key {}: {detail}",
        license.license_id(),
        license.key_id()
    );
    for (label, value) in describe(license.claims(), catalog.as_ref()) {
        outln!("  {label:<11} {}", printable(&value));
    }
    for p in license.problems() {
        outln!("  warning     [{}] {}", p.code(), printable(&p.to_string()));
    }
    Ok(())
}

/// The `--json` verdict of a verified license.
fn verdict(license: &licman_core::VerifiedLicense, catalog: Option<&Catalog>) -> serde_json::Value {
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

#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// The secret key to sign the list with.
    #[arg(long, value_name = "FILE")]
    secret_key: PathBuf,
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// A license to revoke (UUID); repeatable.
    #[arg(long = "license-id", value_name = "ID", required = true)]
    license_ids: Vec<String>,
    /// Why (recorded in the ledger).
    #[arg(long)]
    reason: Option<String>,
    /// The product, for licenses the ledger does not know.
    #[arg(long)]
    product: Option<String>,
    /// The ledger (default: LICMAN_LEDGER or ./licman-ledger.db).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// Where to write the signed revocation list.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
}

pub fn revoke(args: &RevokeArgs, json: bool) -> Result<()> {
    let ids = args
        .license_ids
        .iter()
        .map(|id| {
            id.trim().parse::<LicenseId>().map_err(|e| {
                CliError::usage(format!(
                    "malformed license id '{id}': {e} (expected a UUID)"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if !args.force && args.out.exists() {
        return Err(CliError::failure(
            "exists",
            format!(
                "{} already exists; pass --force to replace it",
                args.out.display()
            ),
        ));
    }
    let ledger_path = ledger::default_path(args.ledger.as_deref());
    let mut product = args.product.clone();
    {
        let existing = Ledger::open_existing(&ledger_path)?;
        for id in &ids {
            let known = match &existing {
                Some(l) => l.product_of(&id.to_string())?,
                None => None,
            };
            match (known, &product) {
                (Some(p), None) => product = Some(p),
                (Some(p), Some(q)) if p != *q => {
                    return Err(CliError::usage(format!(
                        "license {id} is for product '{p}', not '{q}': revoke each product separately"
                    )));
                }
                (None, None) => {
                    return Err(CliError::usage(format!(
                        "license {id} is not in the ledger {}: pass --product",
                        ledger_path.display()
                    )));
                }
                _ => {}
            }
        }
    }
    let product = product.unwrap_or_default();
    let key = keyfile::load_signing_key(
        &args.secret_key,
        &PassphraseSource {
            file: args.passphrase_file.clone(),
        },
    )?;
    let mut ledger = Ledger::open(&ledger_path)?;
    let now = dates::now()?;
    let tx = ledger.transaction()?;
    let serial = Ledger::next_serial(&tx, &product)?;
    let mut newly = Vec::new();
    for id in &ids {
        if ledger::insert_revocation(
            &tx,
            &id.to_string(),
            &product,
            now,
            args.reason.as_deref(),
            serial,
        )? {
            newly.push(id.to_string());
        }
    }
    let all: Vec<LicenseId> = Ledger::revoked_ids(&tx, &product)?
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let list = key
        .issue_revocation_list(&product, serial, now, all.iter().copied())
        .map_err(|e| {
            CliError::failure("revoke", format!("cannot sign the revocation list: {e}"))
        })?;
    let armored = list.to_armored();
    ledger::record_list(
        &tx,
        &product,
        serial,
        now,
        &key.key_id().to_string(),
        all.len(),
        &armored,
    )?;
    ledger::append_audit(
        &tx,
        "revoke",
        "revoked licenses and wrote revocation list",
        &ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        &json!({ "serial": serial, "product": product, "reason": args.reason, "out": args.out, "total_revoked": all.len() }),
    )?;
    // The serial is committed before any list with it leaves the tool, so
    // no two different lists ever carry the same serial (a list written
    // first and then lost to a failed commit would have its serial signed
    // again, over other contents).
    tx.commit()?;
    // Written after the commit (atomically: a temporary file in the same
    // directory, renamed into place). If this write fails, serial N is
    // consumed: the ledger holds list N, signed, with the revocations, and
    // `ledger revocation-list` writes it again; running `revoke` again
    // would sign list N+1 with the same contents, which is as good.
    if let Err(e) = keyfile::write_atomic(&args.out, armored.as_bytes(), 0o644, args.force) {
        return Err(CliError::failure(
            e.code,
            format!(
                "{}; revocation list #{serial} for {product} is recorded in the ledger: write it with `licman-keygen ledger revocation-list --product {product} --out FILE`",
                e.message
            ),
        ));
    }
    if json {
        outln!(
            "{}",
            escape::json(
                &json!({ "serial": serial, "product": product, "revoked": all.len(), "newly_revoked": newly, "out": args.out })
            )
        );
    } else {
        outln!(
            "revocation list #{serial} for {}: {} license(s) revoked ({} new), written to {}",
            printable(&product),
            all.len(),
            newly.len(),
            args.out.display()
        );
    }
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// List licenses.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger list\n  licman-keygen ledger list --customer acme-corp --status active --json"
    )]
    List {
        #[command(flatten)]
        ledger: LedgerPath,
        /// Only this customer id.
        #[arg(long)]
        customer: Option<String>,
        /// Only this tier.
        #[arg(long)]
        tier: Option<String>,
        /// Only this status: active, expiring_soon, in_grace, expired, not_yet_valid, revoked, unconfirmed, pending, void.
        #[arg(long)]
        status: Option<String>,
    },
    /// Licenses expiring within a window (7d, 30d, 90d, …), soonest first.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger expiring --within 30d\n  licman-keygen ledger expiring --within 7d --json"
    )]
    Expiring {
        #[command(flatten)]
        ledger: LedgerPath,
        /// The window.
        #[arg(long, value_name = "DURATION")]
        within: String,
    },
    /// Export every license (CSV or JSON) to a file (mode 0600) or standard output.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger export --format csv --out licenses.csv\n  licman-keygen ledger export --format json | jq '.[].customer_id'\n\nCSV cells that start with =, +, -, @, tab or CR get a ' in front, so that a spreadsheet does not run them as formulas; `ledger import` removes it."
    )]
    Export {
        #[command(flatten)]
        ledger: LedgerPath,
        /// csv or json.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long)]
        force: bool,
    },
    /// Import licenses from an export (CSV or JSON); keys must verify against the given public keys.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger import --public-key keys/k.pub licenses.csv\n  licman-keygen ledger import --ledger other.db --public-key keys/old.pub --public-key keys/new.pub export.json\n  licman-keygen ledger import --trust-revocations --public-key keys/k.pub backup.csv\n\nOnly the signed key of each row is trusted. The revoked_at and revoke_reason columns are not signed: they are ignored unless --trust-revocations is given."
    )]
    Import {
        #[command(flatten)]
        ledger: LedgerPath,
        /// A trusted public key; repeat for several.
        #[arg(long = "public-key", value_name = "NAME.pub", required = true)]
        public_keys: Vec<PathBuf>,
        /// Also import the file's revocations (revoked_at, revoke_reason).
        /// These columns are not signed: anyone who could edit the file
        /// could revoke any license, and the next `revoke` would sign it
        /// into the list. Each revocation added is recorded in the audit log.
        #[arg(long)]
        trust_revocations: bool,
        /// The export file (.csv or .json).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write the latest signed revocation list again, from the ledger (no key needed).
    #[command(
        name = "revocation-list",
        after_help = "Examples:\n  licman-keygen ledger revocation-list --out revoked.lrl\n  licman-keygen ledger revocation-list --product netaudit --out revoked.lrl --force\n\nFor when `revoke` recorded a list but could not write it out (its serial is used)."
    )]
    RevocationList {
        #[command(flatten)]
        ledger: LedgerPath,
        /// The product (needed when the ledger has lists for several).
        #[arg(long)]
        product: Option<String>,
        /// The file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long)]
        force: bool,
    },
    /// Show the append-only audit log.
    #[command(
        after_help = "Examples:\n  licman-keygen ledger audit\n  licman-keygen ledger audit --json"
    )]
    Audit {
        #[command(flatten)]
        ledger: LedgerPath,
    },
}

#[derive(Args, Debug)]
pub struct LedgerPath {
    /// The ledger (default: LICMAN_LEDGER or ./licman-ledger.db).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

fn open_for_reading(path: &LedgerPath) -> Result<Ledger> {
    let p = ledger::default_path(path.ledger.as_deref());
    Ledger::open_existing(&p)?
        .ok_or_else(|| CliError::failure("no_ledger", format!("no ledger at {}", p.display())))
}

fn print_records(records: &[ledger::Record], json: bool) {
    if json {
        outln!("{}", escape::json_pretty(records));
        return;
    }
    outln!(
        "{:<36}  {:<18} {:<13} {:<14} {:<11} {}",
        "license id",
        "customer",
        "tier",
        "status",
        "expires",
        "days"
    );
    for r in records {
        outln!(
            "{:<36}  {:<18} {:<13} {:<14} {:<11} {}",
            r.license_id,
            printable(&r.customer_id),
            printable(&r.tier),
            r.status.as_str(),
            r.expires_at
                .as_deref()
                .map_or_else(|| "never".into(), |e| e.get(..10).unwrap_or(e).to_string()),
            r.days_left.map_or_else(|| "-".into(), |d| d.to_string())
        );
    }
    outln!("{} license(s)", records.len());
}

/// The ledger commands. (Error messages are escaped when they are printed,
/// by `report`; output lines here escape the ledger's strings themselves.)
pub fn ledger(command: LedgerCommand, json: bool) -> Result<()> {
    let now = dates::now()?;
    match command {
        LedgerCommand::List {
            ledger: path,
            customer,
            tier,
            status,
        } => {
            let status = status
                .map(|s| {
                    s.parse::<LicenseStatus>().map_err(|()| {
                        let known: Vec<&str> =
                            LicenseStatus::ALL.iter().map(|s| s.as_str()).collect();
                        CliError::usage(format!(
                            "unknown status '{s}' (use one of: {})",
                            known.join(", ")
                        ))
                    })
                })
                .transpose()?;
            let l = open_for_reading(&path)?;
            print_records(
                &l.records(
                    &Filter {
                        customer,
                        tier,
                        status,
                    },
                    now,
                )?,
                json,
            );
        }
        LedgerCommand::Expiring {
            ledger: path,
            within,
        } => {
            let window = dates::parse_duration(&within)?;
            let l = open_for_reading(&path)?;
            print_records(&l.expiring(window, now)?, json);
        }
        LedgerCommand::Export {
            ledger: path,
            format,
            out,
            force,
        } => {
            let l = open_for_reading(&path)?;
            let mut filter = Filter::default();
            let mut records = l.records(&filter, now)?;
            filter.status = Some(LicenseStatus::Unconfirmed);
            records.extend(l.records(&filter, now)?);
            let text = match format {
                ExportFormat::Json => format!("{}\n", escape::json_pretty(&records)),
                ExportFormat::Csv => {
                    let mut w = csv::Writer::from_writer(Vec::new());
                    let csv_err =
                        |e: csv::Error| CliError::failure("io", format!("cannot write CSV: {e}"));
                    w.write_record(ledger::CSV_COLUMNS).map_err(csv_err)?;
                    for r in &records {
                        // Formula characters quoted (see escape::csv_cell).
                        let row = r.csv_row();
                        let cells: Vec<_> = row.iter().map(|c| escape::csv_cell(c)).collect();
                        w.write_record(cells.iter().map(|c| c.as_bytes()))
                            .map_err(csv_err)?;
                    }
                    String::from_utf8(
                        w.into_inner().map_err(|e| {
                            CliError::failure("io", format!("cannot write CSV: {e}"))
                        })?,
                    )
                    .unwrap_or_default()
                }
            };
            match out {
                Some(p) => {
                    // Customers' names, emails and keys: private (0600 on unix).
                    keyfile::write_atomic(&p, text.as_bytes(), 0o600, force)?;
                    eprintln!("exported {} license(s) to {}", records.len(), p.display());
                }
                None => match std::io::stdout().write_all(text.as_bytes()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(CliError::failure("io", format!("cannot write: {e}")));
                    }
                    _ => {}
                },
            }
        }
        LedgerCommand::Import {
            ledger: path,
            public_keys,
            trust_revocations,
            file,
        } => import(&path, &public_keys, &file, trust_revocations, json)?,
        LedgerCommand::RevocationList {
            ledger: path,
            product,
            out,
            force,
        } => {
            if let Some(p) = out.as_ref().filter(|p| !force && p.exists()) {
                return Err(CliError::failure(
                    "exists",
                    format!("{} already exists; pass --force to replace it", p.display()),
                ));
            }
            let l = open_for_reading(&path)?;
            let Some(list) = l.latest_list(product.as_deref())? else {
                return Err(CliError::failure(
                    "no_list",
                    match &product {
                        Some(p) => format!(
                            "the ledger {} has no revocation list for {p}",
                            l.path.display()
                        ),
                        None => format!("the ledger {} has no revocation list", l.path.display()),
                    },
                ));
            };
            let Some(armored) = &list.armored else {
                return Err(CliError::failure(
                    "no_list",
                    format!(
                        "revocation list #{} for {} was recorded by an older licman-keygen, which did not keep its text: run `revoke` again to sign a new one",
                        list.serial, list.product
                    ),
                ));
            };
            match &out {
                Some(p) => {
                    keyfile::write_atomic(p, armored.as_bytes(), 0o644, force)?;
                    if json {
                        outln!(
                            "{}",
                            escape::json(
                                &json!({ "serial": list.serial, "product": list.product, "out": p })
                            )
                        );
                    } else {
                        eprintln!(
                            "wrote revocation list #{} for {} to {}",
                            list.serial,
                            printable(&list.product),
                            p.display()
                        );
                    }
                }
                None => match std::io::stdout().write_all(armored.as_bytes()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(CliError::failure("io", format!("cannot write: {e}")));
                    }
                    _ => {}
                },
            }
        }
        LedgerCommand::Audit { ledger: path } => {
            let l = open_for_reading(&path)?;
            let entries = l.audit_entries()?;
            let unconfirmed = l.records(
                &Filter {
                    status: Some(LicenseStatus::Unconfirmed),
                    ..Filter::default()
                },
                now,
            )?;
            if json {
                outln!(
                    "{}",
                    escape::json_pretty(
                        &json!({ "entries": entries, "unconfirmed": unconfirmed.iter().map(|r| &r.license_id).collect::<Vec<_>>() })
                    )
                );
            } else {
                for e in &entries {
                    outln!(
                        "{:>5}  {}  {:<10} {:<16} {}  {}",
                        e["id"],
                        e["at"].as_str().unwrap_or(""),
                        printable(e["os_user"].as_str().unwrap_or("")),
                        printable(e["command"].as_str().unwrap_or("")),
                        printable(e["action"].as_str().unwrap_or("")),
                        escape::json(&e["ids"])
                    );
                }
                outln!("{} audit entries", entries.len());
                for r in &unconfirmed {
                    outln!(
                        "attention: license {} (customer {}) was printed by an interrupted run; its delivery is unconfirmed",
                        r.license_id,
                        printable(&r.customer_id)
                    );
                }
            }
        }
    }
    Ok(())
}

/// One row of an import file: the fields that matter (the key is the truth;
/// the other columns must agree with it).
pub struct ImportRow {
    line: usize,
    license_id: Option<String>,
    key: Option<String>,
    revoked_at: Option<String>,
    revoke_reason: Option<String>,
}

fn import_rows(file: &Path) -> Result<Vec<ImportRow>> {
    let text = std::fs::read_to_string(file).map_err(|e| CliError::io("cannot read", file, &e))?;
    parse_import(&text, &file.display().to_string())
}

/// The rows of an export's text: a JSON array, or CSV with a `key` column
/// (its cells unquoted as `escape::csv_uncell` does).
pub fn parse_import(text: &str, origin: &str) -> Result<Vec<ImportRow>> {
    let get = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    if text.trim_start().starts_with('[') {
        let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
            CliError::failure(
                "malformed_import",
                format!("{}: not a JSON export: {e}", origin),
            )
        })?;
        return Ok(values
            .iter()
            .enumerate()
            .map(|(i, v)| ImportRow {
                line: i + 1,
                license_id: get(v, "license_id"),
                key: get(v, "key"),
                revoked_at: get(v, "revoked_at"),
                revoke_reason: get(v, "revoke_reason"),
            })
            .collect());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            CliError::failure(
                "malformed_import",
                format!("{}: bad CSV header: {e}", origin),
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if !headers.iter().any(|h| h == "key") {
        return Err(CliError::failure(
            "malformed_import",
            format!("{}: no 'key' column (is this a licman export?)", origin),
        ));
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                rows.push(ImportRow {
                    line,
                    license_id: None,
                    key: None,
                    revoked_at: None,
                    revoke_reason: None,
                });
                continue;
            }
        };
        // The export quoted formula characters (escape::csv_cell).
        let cell = |name: &str| {
            col(name)
                .and_then(|c| record.get(c))
                .map(|c| escape::csv_uncell(c).to_string())
                .filter(|s| !s.is_empty())
        };
        rows.push(ImportRow {
            line,
            license_id: cell("license_id"),
            key: cell("key"),
            revoked_at: cell("revoked_at"),
            revoke_reason: cell("revoke_reason"),
        });
    }
    Ok(rows)
}

/// Imports an export. Only the signed key of each row is trusted; its
/// revocation columns are imported only with `trust_revocations`, each
/// revocation added with its own audit entry.
fn import(
    path: &LedgerPath,
    public_keys: &[PathBuf],
    file: &Path,
    trust_revocations: bool,
    json: bool,
) -> Result<()> {
    let mut ring = KeyRing::new();
    for p in public_keys {
        ring.add(keyfile::load_public_key(p)?);
    }
    let rows = import_rows(file)?;
    let mut ledger = Ledger::open(&ledger::default_path(path.ledger.as_deref()))?;
    let now = dates::now()?;
    let (mut imported, mut unchanged, mut rejected) = (Vec::new(), 0usize, Vec::new());
    let (mut revoked, mut ignored_revocations) = (Vec::new(), 0usize);
    let tx = ledger.transaction()?;
    for row in rows {
        let Some(key) = row.key.as_deref() else {
            rejected.push((row.line, "no key".to_string()));
            continue;
        };
        let verified = UnverifiedLicense::parse(key).and_then(|l| {
            let product = l.untrusted_claims().product.clone();
            l.verify(
                &ring,
                &VerifyOptions::new(&product, now).policy(Policy::Advisory),
            )
        });
        let license = match verified {
            Ok(l) => l,
            Err(e) => {
                rejected.push((
                    row.line,
                    format!("the key does not verify: [{}] {e}", e.code()),
                ));
                continue;
            }
        };
        let id = license.license_id().to_string();
        if row.license_id.as_deref().is_some_and(|given| given != id) {
            rejected.push((
                row.line,
                format!(
                    "license_id {} does not match the key's license id {id}",
                    row.license_id.unwrap_or_default()
                ),
            ));
            continue;
        }
        match ledger::existing_key(&tx, &id)? {
            Some(existing) if existing == license.to_compact() => unchanged += 1,
            Some(_) => {
                rejected.push((
                    row.line,
                    format!("license {id} is already in the ledger with a different key"),
                ));
                continue;
            }
            None => {
                ledger::insert_license(&tx, &license, State::Issued, Some("import"), None, now)?;
                imported.push(id.clone());
            }
        }
        let Some(at) = &row.revoked_at else {
            continue;
        };
        if !trust_revocations {
            // Unsigned: an edited file must not revoke anyone.
            ignored_revocations += 1;
            continue;
        }
        let at = dates::parse_date(at).map_err(|e| {
            CliError::failure(
                "malformed_import",
                format!("line {}: revoked_at: {}", row.line, e.message),
            )
        })?;
        if ledger::insert_revocation(
            &tx,
            &id,
            license.product(),
            at,
            row.revoke_reason.as_deref(),
            0,
        )? {
            ledger::append_audit(
                &tx,
                "ledger import",
                "revoked license (from an import, --trust-revocations)",
                std::slice::from_ref(&id),
                &json!({ "file": file, "line": row.line, "product": license.product(), "revoked_at": at.to_string(), "reason": row.revoke_reason }),
            )?;
            revoked.push(id.clone());
        }
    }
    ledger::append_audit(
        &tx,
        "ledger import",
        "imported licenses",
        &imported,
        &json!({ "file": file, "unchanged": unchanged, "rejected": rejected.len(), "revoked": revoked.len(), "ignored_revocations": ignored_revocations }),
    )?;
    tx.commit()?;
    if json {
        outln!(
            "{}",
            escape::json(
                &json!({ "imported": imported.len(), "unchanged": unchanged, "revoked": revoked.len(), "ignored_revocations": ignored_revocations, "rejected": rejected.iter().map(|(l, r)| json!({ "line": l, "reason": r })).collect::<Vec<_>>() })
            )
        );
    } else {
        for (line, reason) in &rejected {
            eprintln!("error: line {line}: {}", printable(reason));
        }
        if ignored_revocations > 0 {
            eprintln!(
                "note: {ignored_revocations} revocation(s) in {} not imported: the revoked_at column is not signed; pass --trust-revocations if you trust this file",
                file.display()
            );
        }
        outln!(
            "imported {} license(s), {unchanged} already present, {} revoked, {} rejected",
            imported.len(),
            revoked.len(),
            rejected.len()
        );
    }
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: "rows_rejected",
            message: format!("{} row(s) rejected", rejected.len()),
            exit: Exit::Failure,
            printed: true,
        })
    }
}

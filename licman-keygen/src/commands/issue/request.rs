//! What one license is asked for: the command line, or a batch row with
//! the command line as defaults; and the claims it makes.

use std::collections::BTreeMap;
use std::time::Duration;

use licman_core::{
    Catalog, Claims, Customer, Fingerprint, MachineBinding, MatchPolicy, ModuleSet, QuotaId,
    QuotaLimit, Tier, Timestamp,
};

use super::Args;
use crate::dates;
use crate::error::{CliError, Result};
use crate::keyfile;

/// The per-license part of a request: from the command line, or a CSV row
/// with the command line as defaults.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub tier: Option<String>,
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    pub email: Option<String>,
    pub starts: Option<String>,
    pub expires: Option<String>,
    pub valid_for: Option<String>,
    pub perpetual: bool,
    pub grace: Option<String>,
    pub add_modules: Vec<String>,
    pub remove_modules: Vec<String>,
    pub quotas: Vec<String>,
    pub bind: Vec<String>,
    pub bind_policy: String,
    pub meta: Vec<String>,
    /// Modules to start from instead of the tier's (a reissue keeps the
    /// old license's), before `add_modules` and `remove_modules`.
    pub base_modules: Option<ModuleSet>,
    /// Quotas to start from instead of the tier's, before `quotas`.
    pub base_quotas: Option<BTreeMap<QuotaId, QuotaLimit>>,
}

impl Request {
    pub fn from_args(a: &Args) -> Request {
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
            base_modules: None,
            base_quotas: None,
        }
    }
}

fn usage(message: String) -> CliError {
    CliError::usage(message)
}

/// Builds the claims for a request: the tier's modules and quotas, then the
/// overrides, with every name checked against the catalog.
pub fn claims_for(catalog: &Catalog, r: &Request, now: Timestamp) -> Result<Claims> {
    let tier = tier(catalog, r)?;
    let customer = r
        .customer
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| usage("no customer id given".into()))?;
    let modules = modules(catalog, tier, r)?;
    let quotas = quotas(catalog, tier, r)?;
    let (starts_at, expires_at) = validity(r, now)?;
    let grace_period = match &r.grace {
        // A grace period follows an expiry: a perpetual license has none.
        Some(g) if expires_at.is_none() && !dates::parse_duration(g)?.is_zero() => {
            return Err(usage(format!(
                "--grace {g} with a perpetual license: there is no expiry to follow"
            )));
        }
        Some(g) => dates::parse_duration(g)?,
        None => Duration::ZERO,
    };
    let machine_binding = machine_binding(r)?;
    let metadata = metadata(r)?;
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

fn tier<'c>(catalog: &'c Catalog, r: &Request) -> Result<&'c Tier> {
    let name = r
        .tier
        .as_deref()
        .ok_or_else(|| usage("no tier given".into()))?;
    catalog.tier(name).ok_or_else(|| {
        let known: Vec<&str> = catalog.tiers().map(|t| t.name()).collect();
        usage(format!(
            "unknown tier '{name}' (the catalog has: {})",
            known.join(", ")
        ))
    })
}

/// The tier's modules, with `add_modules` added and `remove_modules` removed.
fn modules(catalog: &Catalog, tier: &Tier, r: &Request) -> Result<ModuleSet> {
    let id = |name: &String| {
        catalog
            .require_module(name)
            .map_err(|e| usage(e.to_string()))
    };
    if let Some(both) = r.add_modules.iter().find(|m| r.remove_modules.contains(m)) {
        return Err(usage(format!("module '{both}' is both added and removed")));
    }
    let mut modules = r.base_modules.unwrap_or(*tier.modules());
    for name in &r.add_modules {
        modules.insert(id(name)?);
    }
    for name in &r.remove_modules {
        modules.remove(id(name)?);
    }
    Ok(modules)
}

/// The tier's quotas, with the `NAME=N|unlimited` overrides.
fn quotas(catalog: &Catalog, tier: &Tier, r: &Request) -> Result<BTreeMap<QuotaId, QuotaLimit>> {
    let mut quotas = r
        .base_quotas
        .clone()
        .unwrap_or_else(|| tier.quotas().clone());
    for spec in &r.quotas {
        let malformed = || {
            usage(format!(
                "malformed quota '{spec}': use NAME=N or NAME=unlimited"
            ))
        };
        let (name, value) = spec.split_once('=').ok_or_else(malformed)?;
        let id = catalog
            .require_quota(name.trim())
            .map_err(|e| usage(e.to_string()))?;
        let limit = match value.trim() {
            "unlimited" => QuotaLimit::Unlimited,
            n => QuotaLimit::Limited(n.parse().map_err(|_| malformed())?),
        };
        quotas.insert(id, limit);
    }
    Ok(quotas)
}

/// The start (default: now) and the expiry (none for a perpetual license).
fn validity(r: &Request, now: Timestamp) -> Result<(Timestamp, Option<Timestamp>)> {
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
    // The last time a license may carry (the core refuses a later one).
    if let Some(e) = expires_at.filter(|&e| e > Timestamp::LATEST) {
        return Err(usage(format!(
            "the expiry would be after the year 9999 ({} seconds since 1970): give a shorter duration",
            e.unix_seconds()
        )));
    }
    if let Some(e) = expires_at
        && e <= starts_at
    {
        return Err(usage(format!(
            "the expiry ({}) is not after the start ({})",
            dates::show(e),
            dates::show(starts_at)
        )));
    }
    Ok((starts_at, expires_at))
}

fn machine_binding(r: &Request) -> Result<Option<MachineBinding>> {
    if r.bind.is_empty() {
        // A policy without fingerprints binds nothing: say so.
        if !matches!(r.bind_policy.trim(), "any" | "") {
            return Err(usage(format!(
                "--bind-policy {} without --bind: no fingerprint to match",
                r.bind_policy.trim()
            )));
        }
        return Ok(None);
    }
    let fingerprints = Fingerprint::parse_list(r.bind.iter().map(String::as_str)).map_err(|e| {
        let text = r.bind.get(e.position).map_or("", String::as_str);
        usage(format!(
            "malformed fingerprint '{text}': expected 64 hex digits, the SHA-256 of a machine id ({e})"
        ))
    })?;
    let policy = match r.bind_policy.trim() {
        "any" | "" => MatchPolicy::Any,
        "all" => MatchPolicy::All,
        n => MatchPolicy::AtLeast(n.parse().map_err(|_| {
            usage(format!(
                "malformed --bind-policy '{n}': use any, all or a number"
            ))
        })?),
    };
    MachineBinding::new(fingerprints, policy)
        .map(Some)
        .map_err(|e| usage(format!("machine binding: {e}")))
}

fn metadata(r: &Request) -> Result<BTreeMap<String, String>> {
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
    Ok(metadata)
}

pub const BATCH_COLUMNS: &[&str] = &[
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
pub fn row_request(
    defaults: &Request,
    headers: &[String],
    row: &csv::StringRecord,
) -> Result<Request> {
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
            // "Not perpetual" says nothing of how long: the row's other
            // cells, or the command line, do.
            "perpetual" if matches!(cell.to_ascii_lowercase().as_str(), "false" | "no" | "0") => {
                r.perpetual = false;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../../../examples/catalogs/netaudit.toml")).unwrap()
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
    fn a_row_that_is_not_perpetual_keeps_the_command_line_s_duration() {
        let headers = ["customer_id", "tier", "perpetual"].map(String::from);
        for no in ["false", "FALSE", "0", "no"] {
            let row = csv::StringRecord::from(vec!["c3", "starter", no]);
            let r = row_request(&request(), &headers, &row).unwrap();
            assert_eq!(
                (r.perpetual, r.valid_for.as_deref()),
                (false, Some("30d")),
                "{no}"
            );
        }
        let row = csv::StringRecord::from(vec!["c3", "starter", "true"]);
        let r = row_request(&request(), &headers, &row).unwrap();
        assert_eq!((r.perpetual, r.valid_for), (true, None));
        // With --perpetual on the command line, "false" makes the row need
        // a duration of its own.
        let perpetual = Request {
            valid_for: None,
            perpetual: true,
            ..request()
        };
        let row = csv::StringRecord::from(vec!["c3", "starter", "false"]);
        let r = row_request(&perpetual, &headers, &row).unwrap();
        assert!(!r.perpetual && r.valid_for.is_none() && r.expires.is_none());
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
        // Options that would be ignored are refused instead.
        assert!(
            err(Request {
                valid_for: None,
                perpetual: true,
                grace: Some("14d".into()),
                ..request()
            })
            .contains("perpetual")
        );
        assert!(
            err(Request {
                bind_policy: "all".into(),
                ..request()
            })
            .contains("without --bind")
        );
        assert!(
            err(Request {
                add_modules: vec!["reports".into()],
                remove_modules: vec!["reports".into()],
                ..request()
            })
            .contains("both added and removed")
        );
        assert!(
            err(Request {
                valid_for: Some("99999999999y".into()),
                ..request()
            })
            .contains("after the year 9999")
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

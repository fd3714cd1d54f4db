//! The claims of a license as labelled lines, for people (`inspect` and
//! `verify`).

use licman_core::{Catalog, Claims};

use crate::dates;

use super::shared::{module_names, quota_name};

/// The claims as labelled lines, for people. The values hold the
/// license's own strings: print them through `escape::printable`.
pub fn describe(claims: &Claims, catalog: Option<&Catalog>) -> Vec<(&'static str, String)> {
    vec![
        ("license id", claims.license_id.to_string()),
        ("product", claims.product.clone()),
        ("customer", customer(claims)),
        ("tier", claims.tier.clone()),
        ("modules", modules(claims, catalog)),
        ("quotas", quotas(claims, catalog)),
        ("issued", claims.issued_at.to_string()),
        ("starts", claims.starts_at.to_string()),
        ("expires", expires(claims)),
        ("binding", binding(claims)),
        ("metadata", metadata(claims)),
    ]
}

fn modules(claims: &Claims, catalog: Option<&Catalog>) -> String {
    match catalog {
        Some(c) => module_names(c, &claims.modules).join(", "),
        None => claims
            .modules
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn quotas(claims: &Claims, catalog: Option<&Catalog>) -> String {
    claims
        .quotas
        .iter()
        .map(|(q, l)| format!("{}={l}", quota_name(catalog, *q)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn customer(claims: &Claims) -> String {
    let c = &claims.customer;
    match (&c.name, &c.email) {
        (Some(n), Some(e)) => format!("{} ({n}, {e})", c.id),
        (Some(x), None) | (None, Some(x)) => format!("{} ({x})", c.id),
        (None, None) => c.id.clone(),
    }
}

fn expires(claims: &Claims) -> String {
    match claims.expires_at {
        None => "never (perpetual)".to_string(),
        Some(e) => format!(
            "{} (grace {} days)",
            dates::show(e),
            claims.grace_period.as_secs() / 86_400
        ),
    }
}

fn binding(claims: &Claims) -> String {
    match &claims.machine_binding {
        None => "none".into(),
        Some(b) => format!(
            "{} of {} fingerprint(s)",
            b.policy(),
            b.fingerprints().len()
        ),
    }
}

fn metadata(claims: &Claims) -> String {
    if claims.metadata.is_empty() {
        return "none".into();
    }
    claims
        .metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

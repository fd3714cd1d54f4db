//! Fixtures for documentation examples (feature `doc-helpers`, not API).

use alloc::collections::BTreeMap;
use core::time::Duration;

use crate::{
    Catalog, Claims, Customer, Entitlements, KeyRing, LicenseId, ModuleId, QuotaId, QuotaLimit,
    SECONDS_PER_DAY, SigningKey, Timestamp, VerifiedLicense, VerifyOptions,
};

fn jan_1(year: u32) -> Timestamp {
    Timestamp::from_date(year, 1, 1).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A typical Professional license: customer id and email, 10 modules, 3
/// quotas, 2026, 14 days of grace.
pub fn __doc_claims() -> Claims {
    Claims {
        license_id: LicenseId::from_random_bytes([0x42; 16]),
        product: "netaudit".into(),
        customer: Customer {
            id: "acme-corp".into(),
            name: None,
            email: Some("it@acme.example".into()),
        },
        tier: "professional".into(),
        modules: (1..=10).map(ModuleId).collect(),
        quotas: BTreeMap::from([
            (QuotaId(1), QuotaLimit::Limited(100)),
            (QuotaId(2), QuotaLimit::Limited(10)),
            (QuotaId(3), QuotaLimit::Limited(50)),
        ]),
        issued_at: jan_1(2026),
        starts_at: jan_1(2026),
        expires_at: Some(jan_1(2027)),
        grace_period: Duration::from_secs(14 * SECONDS_PER_DAY),
        machine_binding: None,
        metadata: BTreeMap::new(),
    }
}

/// [`__doc_claims`] issued with seed `[1; 32]` and verified on 2026-06-01.
pub fn __doc_verified() -> VerifiedLicense {
    verify(&__doc_claims())
}

fn verify(claims: &Claims) -> VerifiedLicense {
    let key = SigningKey::from_seed(&[1; 32]);
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let options = VerifyOptions::new(
        "netaudit",
        Timestamp::from_date(2026, 6, 1).unwrap_or(Timestamp::UNIX_EPOCH),
    );
    match key.issue(claims).and_then(|l| l.verify(&ring, &options)) {
        Ok(license) => license,
        Err(e) => unreachable!("documentation license must verify: {e}"),
    }
}

/// The NetAudit catalog of `examples/catalogs/netaudit.toml`.
pub fn __doc_catalog() -> Catalog {
    match Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml")) {
        Ok(catalog) => catalog,
        Err(e) => unreachable!("the example catalog must be valid: {e}"),
    }
}

/// [`__doc_claims`] with the modules and quotas of a NetAudit tier.
pub fn __doc_claims_for(tier: &str) -> Claims {
    let catalog = __doc_catalog();
    let mut claims = __doc_claims();
    if let Some(t) = catalog.tier(tier) {
        claims.tier = tier.into();
        claims.modules = *t.modules();
        claims.quotas = t.quotas().clone();
    }
    claims
}

/// A verified license of a NetAudit tier, and the catalog.
pub fn __doc_verified_with_catalog(tier: &str) -> (VerifiedLicense, Catalog) {
    (verify(&__doc_claims_for(tier)), __doc_catalog())
}

/// Entitlements of a NetAudit tier (verified on 2026-06-01), and the catalog.
pub fn __doc_entitlements(tier: &str) -> (Entitlements, Catalog) {
    let (license, catalog) = __doc_verified_with_catalog(tier);
    match Entitlements::new(license, &catalog) {
        Ok(e) => (e, catalog),
        Err(e) => unreachable!("documentation entitlements: {e}"),
    }
}

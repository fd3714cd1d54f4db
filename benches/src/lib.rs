//! Shared fixtures for the benchmarks: the same claims for every format.

use std::collections::BTreeMap;
use std::time::Duration;

use licman_core::{
    Claims, Customer, LicenseId, ModuleId, QuotaId, QuotaLimit, SigningKey, Timestamp,
};

/// The signing key every benchmark uses.
pub fn signing_key() -> SigningKey {
    SigningKey::from_seed(&[0x5e; 32])
}

/// A typical Professional license: customer id and email, 10 modules,
/// 3 quotas, one year with 14 days of grace.
pub fn professional_claims() -> Claims {
    let jan_1 = |year| Timestamp::from_date(year, 1, 1).unwrap_or(Timestamp::UNIX_EPOCH);
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
        grace_period: Duration::from_secs(14 * 86_400),
        machine_binding: None,
        metadata: BTreeMap::new(),
    }
}

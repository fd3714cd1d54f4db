//! Shared fixtures for the benchmarks: the same claims in every format
//! (licman, an EdDSA JWT, a PASETO v4.public token), and the operations the
//! criterion benches and the callgrind runner (`ops`) measure; the seat
//! engine's in [`seats`].

#![allow(clippy::expect_used, clippy::missing_panics_doc)] // fixed inputs: a failure is a bug in the benchmark

use std::collections::{BTreeMap, HashSet};
use std::hint::black_box;
use std::time::Duration;

use licman_core::{
    Catalog, Claims, Customer, Entitlements, GroupAccess, GroupId, KeyRing, LicenseId, ModuleId,
    QuotaId, QuotaLimit, RevocationList, RouteTable, RouteTarget, SigningKey, Timestamp,
    VerifyOptions,
};
use pasetors::keys::{AsymmetricPublicKey, AsymmetricSecretKey};
use pasetors::token::UntrustedToken;
use pasetors::version4::{PublicToken, V4};
use serde::{Deserialize, Serialize};

pub mod seats;

/// The NetAudit catalog.
pub const NETAUDIT: &str = include_str!("../../examples/catalogs/netaudit.toml");

/// "Now" for every benchmark, 2026-06-01T00:00:00Z: inside the license's
/// validity. A constant, so no benchmark pays for a date conversion.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_780_272_000);

/// [`NOW`].
pub fn now() -> Timestamp {
    NOW
}

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

/// The same claims as JWT / PASETO JSON (numeric module and quota ids: the
/// most compact fair form).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenClaims {
    /// License id.
    pub jti: String,
    /// Product.
    pub iss: String,
    /// Customer id.
    pub sub: String,
    /// Customer email.
    pub email: String,
    /// Tier.
    pub tier: String,
    /// Module ids.
    pub modules: Vec<u8>,
    /// Quota id → limit.
    pub quotas: BTreeMap<String, u64>,
    /// Issued at.
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expiry. Far ahead, so `jsonwebtoken`'s clock check keeps passing; it
    /// has as many digits as the real one.
    pub exp: u64,
    /// Grace, seconds.
    pub grace: u64,
}

impl TokenClaims {
    /// The JWT/PASETO form of [`professional_claims`].
    pub fn from_claims(c: &Claims) -> TokenClaims {
        TokenClaims {
            jti: c.license_id.to_string(),
            iss: c.product.clone(),
            sub: c.customer.id.clone(),
            email: c.customer.email.clone().unwrap_or_default(),
            tier: c.tier.clone(),
            modules: c.modules.iter().map(|m| m.0).collect(),
            quotas: c
                .quotas
                .iter()
                .map(|(k, v)| (k.to_string(), v.max().unwrap_or(u64::MAX)))
                .collect(),
            iat: c.issued_at.unix_seconds(),
            nbf: c.starts_at.unix_seconds(),
            exp: 2_114_380_800, // 2037-01-01
            grace: c.grace_period.as_secs(),
        }
    }
}

/// Every input the benchmarks need, built once.
#[allow(missing_debug_implementations)] // holds third-party keys without Debug
pub struct Fixture {
    /// The licman key ring.
    pub ring: KeyRing,
    /// The NetAudit catalog.
    pub catalog: Catalog,
    /// The license, compact.
    pub compact: String,
    /// The license, armored.
    pub armored: String,
    /// The verified license bound to the catalog.
    pub license: Entitlements,
    /// A revocation list of 10 000 other ids.
    pub revocations: RevocationList,
    /// The license's signed message and signature, for the `verify_strict`
    /// floor.
    pub floor: (
        ed25519_dalek::VerifyingKey,
        Vec<u8>,
        ed25519_dalek::Signature,
    ),
    /// The EdDSA JWT and its key.
    pub jwt: (String, jsonwebtoken::DecodingKey, jsonwebtoken::Validation),
    /// The PASETO v4.public token and its key.
    pub paseto: (String, AsymmetricPublicKey<V4>),
    /// The NetAudit route table, and a 500-route table.
    pub routes: (RouteTable, RouteTable),
    /// The NetAudit routes in a table that folds ASCII case.
    pub folding_routes: RouteTable,
    /// The same 500 routes as a list, for the linear-scan baseline.
    pub naive_routes: Vec<(String, RouteTarget)>,
    /// Groups (64 of them) of one module each, and their ids.
    pub groups: (GroupAccess, Vec<GroupId>),
    /// The licensed module names as a `HashSet<String>` (the naive baseline).
    pub name_set: HashSet<String>,
    /// The same 64 groups as sets of names (the naive baseline).
    pub naive_groups: Vec<HashSet<String>>,
}

impl Fixture {
    /// Builds everything.
    pub fn new() -> Fixture {
        let key = signing_key();
        let claims = professional_claims();
        let issued = key.issue(&claims).expect("issue");
        let compact = issued.to_compact();
        let armored = issued.to_armored();
        let ring = KeyRing::from_keys([key.public_key().clone()]);
        let catalog = Catalog::from_toml(NETAUDIT).expect("catalog");
        let license = Entitlements::verify(
            &ring,
            &compact,
            &catalog,
            &VerifyOptions::new("netaudit", now()),
        )
        .expect("verify");

        let ids = (0u32..10_000).map(|i| {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&i.wrapping_mul(2_654_435_761).to_be_bytes());
            LicenseId::from_bytes(b)
        });
        let revocations = key
            .issue_revocation_list("netaudit", 1, now(), ids)
            .expect("list")
            .verify(&ring, "netaudit")
            .expect("ok");

        // The floor verifies exactly what licman verifies: the license's
        // signed message (context ‖ version ‖ key id ‖ payload, FORMAT.md)
        // and its signature, so the data-dependent cost of the curve
        // arithmetic is identical and the difference is licman's own work.
        let dalek = ed25519_dalek::SigningKey::from_bytes(&key.to_seed());
        let envelope = issued.as_bytes();
        let (signed, signature) = envelope.split_at(envelope.len() - 64);
        let message = [&b"licman/license\0"[..], signed].concat();
        let signature = ed25519_dalek::Signature::from_slice(signature).expect("signature");
        let floor = (dalek.verifying_key(), message, signature);
        assert!(
            floor.0.verify_strict(&floor.1, &floor.2).is_ok(),
            "the floor verifies the license's own signature"
        );

        let token_claims = TokenClaims::from_claims(&claims);
        let mut pkcs8 = hex_literal(b"302e020100300506032b657004220420");
        pkcs8.extend_from_slice(&key.to_seed());
        let jwt = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA),
            &token_claims,
            &jsonwebtoken::EncodingKey::from_ed_der(&pkcs8),
        )
        .expect("jwt");
        let jwt = (
            jwt,
            jsonwebtoken::DecodingKey::from_ed_der(&key.public_key().to_bytes()),
            jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA),
        );

        let mut keypair = key.to_seed().to_vec();
        keypair.extend_from_slice(&key.public_key().to_bytes());
        let secret = AsymmetricSecretKey::<V4>::from(&keypair).expect("paseto secret");
        let public =
            AsymmetricPublicKey::<V4>::from(&key.public_key().to_bytes()).expect("paseto public");
        let payload = serde_json::to_vec(&token_claims).expect("json");
        let paseto = (
            PublicToken::sign(&secret, &payload, None, None).expect("paseto"),
            public,
        );

        let seed_routes = catalog.routes().clone();
        let folding_routes = catalog
            .routes_with(licman_core::RouteOptions {
                case: licman_core::PathCase::FoldAscii,
                ..licman_core::RouteOptions::default()
            })
            .expect("the catalog's routes fold");
        let naive_routes: Vec<(String, RouteTarget)> = (0..500)
            .map(|i| {
                (
                    format!("/api/v{}/resource-{i}", i % 7),
                    RouteTarget::Module(ModuleId((i % 200) as u8)),
                )
            })
            .collect();
        let big_routes = RouteTable::new(naive_routes.clone()).expect("500 routes");

        let licensed: Vec<ModuleId> = license.modules().iter().collect();
        let mut access = GroupAccess::new(&license);
        let group_ids = (0..64)
            .map(|i| {
                access
                    .set_group(&format!("g{i}"), [licensed[i % licensed.len()]])
                    .expect("group")
            })
            .collect();
        let names: Vec<String> = license.module_names().map(String::from).collect();
        let name_set: HashSet<String> = names.iter().cloned().collect();
        let naive_groups = (0..64)
            .map(|i| HashSet::from([names[i % names.len()].clone()]))
            .collect();

        Fixture {
            ring,
            catalog,
            compact,
            armored,
            license,
            revocations,
            floor,
            jwt,
            paseto,
            folding_routes,
            routes: (seed_routes, big_routes),
            naive_routes,
            groups: (access, group_ids),
            name_set,
            naive_groups,
        }
    }

    /// One strict Ed25519 verification of the license's own signed message
    /// and signature: the floor.
    pub fn verify_strict_floor(&self) -> bool {
        let (key, message, signature) = &self.floor;
        key.verify_strict(black_box(message), black_box(signature))
            .is_ok()
    }

    /// licman: parse and verify the compact key.
    pub fn licman_verify(&self) -> bool {
        self.verify_text(&self.compact)
    }

    /// licman: parse, verify and bind to the catalog.
    pub fn licman_verify_catalog(&self) -> bool {
        Entitlements::verify(
            &self.ring,
            black_box(&self.compact),
            &self.catalog,
            &VerifyOptions::new("netaudit", now()),
        )
        .is_ok()
    }

    /// licman: parse and verify the armored file.
    pub fn licman_verify_armored(&self) -> bool {
        self.verify_text(&self.armored)
    }

    /// Either text form to a `VerifiedLicense`.
    fn verify_text(&self, text: &str) -> bool {
        self.ring
            .verify(black_box(text), &VerifyOptions::new("netaudit", now()))
            .is_ok()
    }

    /// JWT: decode, verify (EdDSA) and deserialize the claims.
    pub fn jwt_verify(&self) -> bool {
        let (token, key, validation) = &self.jwt;
        jsonwebtoken::decode::<TokenClaims>(black_box(token), key, validation).is_ok()
    }

    /// PASETO v4.public: decode, verify and deserialize the claims.
    pub fn paseto_verify(&self) -> bool {
        let (token, key) = &self.paseto;
        UntrustedToken::<pasetors::token::Public, V4>::try_from(black_box(token.as_str()))
            .ok()
            .and_then(|untrusted| PublicToken::verify(key, &untrusted, None, None).ok())
            .and_then(|trusted| serde_json::from_str::<TokenClaims>(trusted.payload()).ok())
            .is_some()
    }

    /// licman: issue (sign) one license.
    pub fn licman_issue(&self, key: &SigningKey, claims: &Claims) -> usize {
        key.issue(black_box(claims))
            .map(|l| l.as_bytes().len())
            .unwrap_or(0)
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

fn hex_literal(hex: &[u8]) -> Vec<u8> {
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

/// The naive route match: scan every entry, keep the longest prefix that
/// equals the path or is followed by '/'.
pub fn naive_route(routes: &[(String, RouteTarget)], path: &str) -> RouteTarget {
    routes
        .iter()
        .filter(|(prefix, _)| {
            path == prefix
                || (path.len() > prefix.len()
                    && path.starts_with(prefix.as_str())
                    && path.as_bytes()[prefix.len()] == b'/')
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(RouteTarget::Licensed, |(_, t)| *t)
}

/// The naive user-modules computation: union of `HashSet<String>`s.
pub fn naive_user_modules(
    groups: &[HashSet<String>],
    licensed: &HashSet<String>,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for g in groups {
        for m in g {
            if licensed.contains(m) {
                out.insert(m.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_the_first_of_june_2026() {
        assert_eq!(
            Some(super::NOW),
            licman_core::Timestamp::from_date(2026, 6, 1)
        );
    }
}

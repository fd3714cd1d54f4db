//! # licman-core
//!
//! The licman engine: verifies Ed25519-signed, postcard-encoded licenses and
//! answers enforcement questions about them. It does no I/O and never reads
//! a clock: the host passes the license text, its trusted keys and `now`.
//!
//! ```
//! use licman_core::*;
//!
//! // The vendor, once: a signing key (from a real RNG in practice) ...
//! let signing_key = SigningKey::from_seed(&[7; 32]);
//! // ... and, per customer, a license.
//! let claims = licman_core::__doc_claims();
//! let key_text = signing_key.issue(&claims)?.to_compact();
//! assert!(key_text.len() <= 240);
//!
//! // The product, at start-up: trust the vendor's public key and verify.
//! let ring = KeyRing::from_texts([signing_key.public_key().to_text().as_str()])?;
//! let now = Timestamp::from_date(2026, 6, 1).unwrap();
//! let license = ring.verify(&key_text, &VerifyOptions::new("netaudit", now))?;
//! assert_eq!(license.status(), Status::Active);
//! assert!(license.has_module(ModuleId(3)));
//!
//! // A year later the same key is refused.
//! let later = Timestamp::from_date(2027, 6, 1).unwrap();
//! let err = ring.verify(&key_text, &VerifyOptions::new("netaudit", later)).unwrap_err();
//! assert_eq!(err.code(), "expired");
//! # Ok::<(), licman_core::Error>(())
//! ```
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `fast` | yes | precomputed Ed25519 tables (faster verification, about 30 KB larger) |
//! | `sign` | no | [`SigningKey`]: issue licenses and revocation lists |
//!
//! The crate is `#![no_std]` (it needs `alloc`) and `#![forbid(unsafe_code)]`.
//! The byte-level format is specified in `docs/FORMAT.md`.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

extern crate alloc;

mod claims;
mod error;
mod format;
mod ids;
mod keys;
mod module_set;
mod quota;
mod revocation;
#[cfg(feature = "sign")]
mod sign;
mod time;
mod verify;
mod wire;

pub use claims::{
    Claims, ClaimsError, Customer, MAX_FINGERPRINTS, MAX_METADATA_ENTRIES, MachineBinding,
    MatchPolicy,
};
pub use error::{EncodingProblem, Error};
pub use format::{
    Armor, FORMAT_VERSION, LICENSE_ARMOR, LICENSE_PREFIX, MAX_LICENSE_LEN, MAX_LICENSE_TEXT_LEN,
};
pub use ids::{Fingerprint, KeyId, LicenseId, ModuleId, ParseIdError, QuotaId};
pub use keys::{KeyRing, MAX_PUBLIC_KEY_TEXT_LEN, PUBLIC_KEY_PREFIX, PublicKey};
pub use module_set::{ModuleSet, ModuleSetIter};
pub use quota::QuotaLimit;
pub use revocation::{
    MAX_REVOCATION_LIST_LEN, MAX_REVOCATION_TEXT_LEN, MAX_REVOKED_IDS, REVOCATION_ARMOR,
    RevocationList, UnverifiedRevocationList,
};
#[cfg(feature = "sign")]
pub use sign::SigningKey;
pub use time::{SECONDS_PER_DAY, Timestamp};
pub use verify::{
    DEFAULT_CLOCK_TOLERANCE, DEFAULT_EXPIRING_SOON_WINDOW, Policy, Status, UnverifiedLicense,
    VerifiedLicense, VerifyOptions,
};

/// Claims of a typical Professional license, for documentation examples.
#[cfg(feature = "sign")]
#[doc(hidden)]
pub fn __doc_claims() -> Claims {
    use alloc::collections::BTreeMap;
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
        grace_period: core::time::Duration::from_secs(14 * SECONDS_PER_DAY),
        machine_binding: None,
        metadata: alloc::collections::BTreeMap::new(),
    }
}

/// [`__doc_claims`] issued with seed `[1; 32]` and verified on 2026-06-01.
#[cfg(feature = "sign")]
#[doc(hidden)]
pub fn __doc_verified() -> VerifiedLicense {
    let key = SigningKey::from_seed(&[1; 32]);
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let now = Timestamp::from_date(2026, 6, 1).unwrap_or(Timestamp::UNIX_EPOCH);
    match key
        .issue(&__doc_claims())
        .and_then(|l| l.verify(&ring, &VerifyOptions::new("netaudit", now)))
    {
        Ok(license) => license,
        Err(e) => unreachable!("documentation license must verify: {e}"),
    }
}

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

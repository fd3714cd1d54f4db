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
//! | `seats` | no | [`seats`]: the seat engine (pools, assignments, leases, rules, analytics, audit trail) |
//!
//! The crate is `#![no_std]` (it needs `alloc`) and `#![forbid(unsafe_code)]`.
//! The byte-level format is specified in `docs/FORMAT.md`.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

extern crate alloc;

/// The one declaration of an error type's stable codes: each variant and
/// its snake_case code, from which `code()` and the type's `CODES` (every
/// code, for bindings to check their tables against) are generated.
macro_rules! stable_codes {
    ($ty:ident { $($variant:ident => $code:literal,)* }) => {
        impl $ty {
            /// Every stable code of this type, in declaration order: the
            /// table the bindings' error classes are checked against.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            #[inline]
            fn code_of_variant(&self) -> &'static str {
                match self {
                    $($ty::$variant { .. } => $code,)*
                }
            }
        }
    };
}

/// The one declaration of an option enum's stable names: `name()`,
/// `NAMES`, and `FromStr` (an unknown name is an [`UnknownOption`] that
/// lists the names) are generated from it, for bindings and tools that take
/// the option as text.
macro_rules! option_names {
    ($ty:ident { $($variant:ident => $name:literal,)* }) => {
        impl $ty {
            /// Every name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The stable snake_case name.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }

        impl core::str::FromStr for $ty {
            type Err = crate::option_name::UnknownOption;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($name => Ok($ty::$variant),)*
                    _ => Err(crate::option_name::UnknownOption {
                        option: stringify!($ty),
                        names: $ty::NAMES,
                    }),
                }
            }
        }
    };
}

// The layers, each using only those above it (checked by
// tests/layers.rs; see docs/ARCHITECTURE.md):
//
// primitives
pub mod ids;
pub mod json;
pub mod module_set;
mod name_index;
pub mod option_name;
pub mod quota;
pub mod time;
// the license
pub mod activation;
pub mod claims;
pub mod error;
pub mod format;
pub mod keys;
pub mod revocation;
#[cfg(feature = "sign")]
pub mod sign;
pub mod verify;
mod wire;
// request paths
pub mod routes;
// the product catalog
pub mod catalog;
// enforcement
pub mod enforce;
// seats (above everything; nothing below uses it)
#[cfg(feature = "seats")]
pub mod seats;

#[cfg(feature = "doc-helpers")]
mod doc_helpers;

pub use activation::{
    ACTIVATION_METADATA_KEY, ACTIVATION_REQUEST_ARMOR, ACTIVATION_REQUEST_PREFIX,
    ActivationRequest, MAX_ACTIVATION_FIELD_LEN, MAX_ACTIVATION_REQUEST_LEN,
    MAX_ACTIVATION_REQUEST_TEXT_LEN,
};
pub use catalog::{
    Catalog, CatalogDefinition, CatalogError, MAX_CATALOG_TEXT_LEN, ModuleDefinition, ModuleInfo,
    NameKind, QuotaDefinition, QuotaInfo, QuotaValue, RoutesDefinition, Tier, TierDefinition,
    UnknownName,
};
pub use claims::{
    Claims, ClaimsError, Customer, MAX_FINGERPRINTS, MAX_METADATA_ENTRIES, MachineBinding,
    MatchPolicy,
};
pub use enforce::access::{GroupAccess, GroupError, GroupId};
pub use enforce::denial::Denial;
pub use enforce::entitlements::{Acceptance, CheckError, Entitlements};
pub use enforce::storage::{CleanupPlan, StoredItem, plan_storage_cleanup};
pub use enforce::upgrade::{LicenseChange, QuotaChange};
pub use error::{EncodingProblem, Error};
pub use format::{
    Armor, FORMAT_VERSION, LICENSE_ARMOR, LICENSE_PREFIX, MAX_LICENSE_LEN, MAX_LICENSE_TEXT_LEN,
};
pub use ids::{
    Fingerprint, InvalidFingerprint, InvalidMachineId, KeyId, LicenseId, ModuleId, ParseIdError,
    QuotaId,
};
pub use keys::{KeyRing, MAX_PUBLIC_KEY_TEXT_LEN, PUBLIC_KEY_PREFIX, PublicKey};
pub use module_set::{ModuleSet, ModuleSetIter};
pub use option_name::UnknownOption;
pub use quota::QuotaLimit;
pub use revocation::{
    MAX_REVOCATION_LIST_LEN, MAX_REVOCATION_TEXT_LEN, MAX_REVOKED_IDS, REVOCATION_ARMOR,
    RevocationList, UnverifiedRevocationList,
};
pub use routes::{
    InvalidPath, MAX_ROUTE_LEN, PathCase, RouteError, RouteOptions, RouteTable, RouteTarget,
    UnmatchedPath,
};
#[cfg(feature = "sign")]
pub use sign::SigningKey;
pub use time::{SECONDS_PER_DAY, Timestamp};
pub use verify::{
    DEFAULT_CLOCK_TOLERANCE, DEFAULT_EXPIRING_SOON_WINDOW, Policy, Status, UnverifiedLicense,
    VerifiedLicense, VerifyOptions, VerifyRequest,
};

#[cfg(feature = "doc-helpers")]
#[doc(hidden)]
pub use doc_helpers::*;

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/SECURITY.md")]
struct SecurityDoctests;

#[cfg(all(doctest, feature = "seats"))]
#[doc = include_str!("../../docs/SEATS.md")]
struct SeatsDoctests;

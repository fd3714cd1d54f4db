//! Shared fixtures for the benchmarks: the same claims for every format.

use licman_core::{Claims, SigningKey};

/// The signing key every benchmark uses.
pub fn signing_key() -> SigningKey {
    SigningKey::from_seed(&[0x5e; 32])
}

/// A typical Professional license: customer id and email, 10 modules,
/// 3 quotas, expiry.
pub fn professional_claims() -> Claims {
    licman_core::__doc_claims()
}

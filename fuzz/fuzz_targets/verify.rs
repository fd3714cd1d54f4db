//! Full verification of arbitrary bytes against the vectors' key ring never
//! panics, and anything it accepts is byte for byte what the signer itself
//! produces for those claims (Ed25519 is deterministic): no accepted input
//! can differ from a genuine license.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use licman_core::{KeyRing, Policy, SigningKey, Timestamp, UnverifiedLicense, VerifyOptions};
use sha2::{Digest, Sha256};

fn vector_key(label: &str) -> SigningKey {
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&Sha256::digest(format!("licman-vectors/key/{label}").as_bytes()));
    SigningKey::from_seed(&seed)
}

static KEYS: LazyLock<Vec<SigningKey>> = LazyLock::new(|| vec![vector_key("a"), vector_key("b")]);
static RING: LazyLock<KeyRing> = LazyLock::new(|| KeyRing::from_keys(KEYS.iter().map(|k| k.public_key().clone())));

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions::new("netaudit", Timestamp::from_unix_seconds(1_780_000_000)).policy(Policy::Advisory);
    let parsed = match std::str::from_utf8(data) {
        Ok(text) => UnverifiedLicense::parse(text),
        Err(_) => UnverifiedLicense::from_bytes(data),
    };
    let Ok(license) = parsed else { return };
    let bytes = license.as_bytes().to_vec();
    if let Ok(verified) = license.verify(&RING, &options) {
        let signer = KEYS.iter().find(|k| k.key_id() == verified.key_id()).expect("signer is in the ring");
        let reissued = signer.issue(verified.claims()).expect("accepted claims can be issued");
        assert_eq!(reissued.as_bytes(), bytes.as_slice());
    }
});

//! Runs every conformance vector in `testdata/vectors/` against the core.
//! Every binding runs the same files and must reach the same outcomes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::PathBuf;

use licman_core::{
    Error, Fingerprint, KeyRing, Policy, PublicKey, RevocationList, Timestamp, VerifiedLicense,
    VerifyOptions,
};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

fn run(input: &Value) -> Result<VerifiedLicense, Error> {
    let str_of = |v: &Value| v.as_str().map(str::to_owned).expect("string");
    let mut ring = KeyRing::new();
    for key in input["public_keys"].as_array().expect("public_keys") {
        ring.add(PublicKey::from_text(&str_of(key))?);
    }
    let product = str_of(&input["product"]);
    let revocations = match input["revocation_list"].as_str() {
        Some(text) => Some(RevocationList::verify(text, &ring, &product)?),
        None => None,
    };
    let fingerprints: Vec<Fingerprint> = input["fingerprints"]
        .as_array()
        .expect("fingerprints")
        .iter()
        .map(|f| str_of(f).parse().expect("fingerprint hex"))
        .collect();
    let now = Timestamp::from_unix_seconds(input["now"].as_u64().expect("now"));
    let mut options = VerifyOptions::new(&product, now).fingerprints(&fingerprints);
    if let Some(seen) = input["last_seen"].as_u64() {
        options = options.last_seen(Timestamp::from_unix_seconds(seen));
    }
    if let Some(list) = &revocations {
        options = options.revocations(list);
    }
    if input["policy"] == "advisory" {
        options = options.policy(Policy::Advisory);
    }
    ring.verify(&str_of(&input["license"]), &options)
}

#[test]
fn every_vector_gives_its_recorded_outcome() {
    let mut paths: Vec<PathBuf> = fs::read_dir(vectors_dir())
        .expect("testdata/vectors exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 25,
        "expected at least 25 vectors, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let vector: Value =
            serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("json");
        let expected = &vector["expected"];
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        match (
            run(&vector["input"]),
            expected["valid"].as_bool().expect("valid"),
        ) {
            (Ok(license), true) => {
                let status = license.status();
                let problems: Vec<&str> = license.problems().iter().map(Error::code).collect();
                let claims = serde_json::to_value(license.claims()).expect("claims json");
                if status.code() != expected["status"]
                    || status.days() != expected["days"].as_u64()
                    || problems
                        != expected["problems"]
                            .as_array()
                            .expect("problems")
                            .iter()
                            .map(|p| p.as_str().unwrap_or(""))
                            .collect::<Vec<_>>()
                    || claims != expected["claims"]
                {
                    failures.push(format!(
                        "{name}: got {status:?} {problems:?}, claims {claims}"
                    ));
                }
            }
            (Ok(license), false) => {
                failures.push(format!(
                    "{name}: accepted ({:?}), expected {}",
                    license.status(),
                    expected["error"]
                ));
            }
            (Err(e), true) => failures.push(format!("{name}: refused with {} ({e})", e.code())),
            (Err(e), false) => {
                if e.code() != expected["error"] {
                    failures.push(format!(
                        "{name}: refused with {} ({e}), expected {}",
                        e.code(),
                        expected["error"]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

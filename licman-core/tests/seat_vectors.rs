//! The seat audit-trail vector (`testdata/seats/audit-trail.json`, written
//! by testdata/generator): every stored event decodes strictly, encodes back
//! to the same bytes, links and hashes as recorded, and the trail replays to
//! the recorded head and final pools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::Timestamp;
use licman_core::seats::*;
use serde_json::Value;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hash(text: &str) -> [u8; 32] {
    unhex(text).try_into().unwrap()
}

#[test]
fn the_audit_trail_vector_decodes_hashes_and_replays_as_recorded() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/seats/audit-trail.json"
    ))
    .unwrap();
    let vector: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(vector["domain"].as_str().unwrap().as_bytes(), AUDIT_DOMAIN);
    let mut events = Vec::new();
    for (i, e) in vector["events"].as_array().unwrap().iter().enumerate() {
        let bytes = unhex(e["bytes"].as_str().unwrap());
        let event = Event::from_bytes(&bytes).unwrap();
        assert_eq!(event.to_bytes(), bytes, "event {} is not canonical", i + 1);
        assert_eq!(event.seq, i as u64 + 1);
        assert_eq!(event.action(), e["action"].as_str().unwrap());
        assert_eq!(event.prev_hash, hash(e["prev_hash"].as_str().unwrap()));
        assert_eq!(event.hash, hash(e["hash"].as_str().unwrap()));
        events.push(event);
    }
    let head = ChainHead {
        next_seq: vector["head"]["next_seq"].as_u64().unwrap(),
        last_hash: hash(vector["head"]["last_hash"].as_str().unwrap()),
    };
    let engine = SeatEngine::replay_to(&events, head).unwrap();
    let end = Timestamp::parse_utc(
        vector["steps"].as_array().unwrap().last().unwrap()["at"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    for pool in vector["final_pools"].as_array().unwrap() {
        let id = PoolId::new(pool["id"].as_str().unwrap()).unwrap();
        let p = engine.state().pool(&id).unwrap();
        assert_eq!(p.status.name(), pool["status"].as_str().unwrap());
        assert_eq!(
            engine.state().allocated(&id, end),
            pool["allocated"].as_u64()
        );
    }
    // Every refusal the scenario meets is one of the engine's codes.
    for step in vector["steps"].as_array().unwrap() {
        let codes = step["refused"].as_str().into_iter().chain(
            step["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["refused"].as_str()),
        );
        for code in codes {
            assert!(Refusal::CODES.contains(&code), "{code}");
        }
    }
}

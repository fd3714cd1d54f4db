//! The catalog parsers (TOML, and the core's own JSON reader) never panic,
//! an accepted catalog is coherent (names resolve to their ids, tiers hold
//! only known modules, its definition round-trips through JSON to an equal
//! catalog), and the JSON reader agrees with serde_json and the serde
//! definition types, the reader it replaced: what it accepts, serde_json
//! accepts as the same definition; and every definition serde_json accepts
//! reads back from serde_json's own text. (Not every text serde_json
//! accepts: licman refuses a map key given twice, where serde_json keeps
//! the last, and serde's map spelling of an option, `{"exact": null}`.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::{Catalog, CatalogDefinition};

fn check(catalog: &Catalog) {
    for module in catalog.modules() {
        assert_eq!(catalog.module_id(module.name()), Some(module.id()));
        for alias in module.aliases() {
            assert_eq!(catalog.module_id(alias), Some(module.id()));
        }
    }
    for quota in catalog.quotas() {
        assert_eq!(catalog.quota_id(quota.name()), Some(quota.id()));
    }
    for tier in catalog.tiers() {
        assert!(tier.modules().is_subset(&catalog.known_modules()));
    }
    let json = serde_json::to_string(catalog.definition()).expect("a definition serialises");
    let again = CatalogDefinition::from_json(&json).expect("and parses back");
    assert_eq!(&Catalog::from_definition(again).expect("and validates again"), catalog);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(catalog) = Catalog::from_toml(text) {
        check(&catalog);
    }
    let ours = CatalogDefinition::from_json(text);
    let theirs = serde_json::from_str::<CatalogDefinition>(text).ok();
    match (&ours, &theirs) {
        (Ok(ours), Some(theirs)) => assert_eq!(ours, theirs),
        (Ok(ours), None) => panic!("accepted what serde_json refuses: {ours:?}"),
        (Err(_), Some(theirs)) => {
            let canonical = serde_json::to_string(theirs).expect("a definition serialises");
            assert_eq!(CatalogDefinition::from_json(&canonical).as_ref(), Ok(theirs));
        }
        (Err(_), None) => {}
    }
    if let Ok(definition) = ours {
        if let Ok(catalog) = Catalog::from_definition(definition) {
            check(&catalog);
        }
    }
});

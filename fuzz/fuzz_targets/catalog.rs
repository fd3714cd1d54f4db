//! The catalog parser (TOML, and serde from JSON) never panics, and an
//! accepted catalog is coherent: names resolve to their ids, tiers hold
//! only known modules, and its definition round-trips through JSON to an
//! equal catalog.
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
    let again: CatalogDefinition = serde_json::from_str(&json).expect("and parses back");
    assert_eq!(&Catalog::from_definition(again).expect("and validates again"), catalog);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(catalog) = Catalog::from_toml(text) {
            check(&catalog);
        }
    }
    if let Ok(definition) = serde_json::from_slice::<CatalogDefinition>(data) {
        if let Ok(catalog) = Catalog::from_definition(definition) {
            check(&catalog);
        }
    }
});

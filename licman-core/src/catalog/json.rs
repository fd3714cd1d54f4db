//! The catalog's JSON form, read field by field with the core's strict
//! reader: the same fields as the TOML form and the serde definition
//! types, unknown and repeated fields refused, and a map key given twice
//! refused too (where serde_json would keep the last one silently).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::definition::{
    CatalogDefinition, MAX_CATALOG_TEXT_LEN, ModuleDefinition, QuotaDefinition, QuotaValue,
    RoutesDefinition, TierDefinition,
};
use super::error::CatalogError;
use crate::json::{JsonError, Reader, field_index, line_column, required_fields};
use crate::option_name::UnknownOption;
use crate::quota::QuotaLimit;

impl CatalogDefinition {
    /// Parses a catalog's JSON into its definition, unvalidated:
    /// [`Catalog::from_definition`](super::Catalog::from_definition)
    /// validates it ([`Catalog::from_json`](super::Catalog::from_json) does
    /// both). Strict JSON (RFC 8259); unknown fields, a field or map key
    /// given twice, and a number with a fraction where an integer belongs
    /// are refused with the line and column.
    ///
    /// ```
    /// use licman_core::{CatalogDefinition, CatalogError};
    /// let d = CatalogDefinition::from_json(r#"{"product": "p", "display_name": "P"}"#)?;
    /// assert_eq!(d.product, "p");
    /// let err = CatalogDefinition::from_json("{\"product\": \"p\",\n \"product\": \"q\"}").unwrap_err();
    /// assert!(matches!(err, CatalogError::Syntax { line: 2, column: 2, .. }));
    /// # Ok::<(), CatalogError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<CatalogDefinition, CatalogError> {
        if text.len() > MAX_CATALOG_TEXT_LEN {
            return Err(CatalogError::TooLarge {
                len: text.len(),
                max: MAX_CATALOG_TEXT_LEN,
            });
        }
        let mut r = Reader::new(text);
        read_catalog(&mut r)
            .and_then(|definition| r.end().map(|()| definition))
            .map_err(|e: JsonError| {
                let (line, column) = line_column(text, e.offset);
                CatalogError::Syntax {
                    line,
                    column,
                    message: e.message,
                }
            })
    }
}

const ID: u64 = 255;
const ID_NAME: &str = "an id (an integer from 0 to 255)";

// Each object is read into its definition with defaults, its fields marked
// in a bit set (`field_index` refuses unknown and repeated ones), the
// required ones first in its field list.

fn read_catalog(r: &mut Reader<'_>) -> Result<CatalogDefinition, JsonError> {
    const FIELDS: &[&str] = &[
        "product",
        "display_name",
        "reserved_module_ids",
        "reserved_quota_ids",
        "modules",
        "quotas",
        "tiers",
        "routes",
    ];
    let mut d = CatalogDefinition {
        product: String::new(),
        display_name: String::new(),
        reserved_module_ids: Vec::new(),
        reserved_quota_ids: Vec::new(),
        modules: Vec::new(),
        quotas: Vec::new(),
        tiers: BTreeMap::new(),
        routes: RoutesDefinition::default(),
    };
    let mut seen = 0;
    r.object(&mut |r, key| {
        match field_index(r, &key, FIELDS, &mut seen)? {
            0 => d.product = r.string()?,
            1 => d.display_name = r.string()?,
            2 => d.reserved_module_ids = read_ids(r)?,
            3 => d.reserved_quota_ids = read_ids(r)?,
            4 => r.array(&mut |r| {
                d.modules.push(read_module(r)?);
                Ok(())
            })?,
            5 => r.array(&mut |r| {
                d.quotas.push(read_quota(r)?);
                Ok(())
            })?,
            6 => read_map(r, &mut d.tiers, read_tier)?,
            _ => d.routes = read_routes(r)?,
        }
        Ok(())
    })?;
    required_fields(r, FIELDS, seen, 2)?;
    Ok(d)
}

fn read_ids(r: &mut Reader<'_>) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::new();
    r.array(&mut |r| {
        out.push(read_id(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn read_id(r: &mut Reader<'_>) -> Result<u8, JsonError> {
    let id = r.integer(ID, ID_NAME)?;
    // `integer` checked the range.
    Ok(u8::try_from(id).unwrap_or(u8::MAX))
}

/// Reads an object whose keys are names (tiers, quota limits, routes),
/// refusing a key given twice.
fn read_map<'t, T>(
    r: &mut Reader<'t>,
    map: &mut BTreeMap<String, T>,
    read: fn(&mut Reader<'t>) -> Result<T, JsonError>,
) -> Result<(), JsonError> {
    r.object(&mut |r, key| {
        if map.contains_key(&key) {
            return Err(r.key_error(["duplicate key `", &key, "`"].concat()));
        }
        let value = read(r)?;
        map.insert(key, value);
        Ok(())
    })
}

fn read_module(r: &mut Reader<'_>) -> Result<ModuleDefinition, JsonError> {
    const FIELDS: &[&str] = &["id", "name", "display_name", "aliases"];
    let mut m = ModuleDefinition {
        id: 0,
        name: String::new(),
        display_name: String::new(),
        aliases: Vec::new(),
    };
    let mut seen = 0;
    r.object(&mut |r, key| {
        match field_index(r, &key, FIELDS, &mut seen)? {
            0 => m.id = read_id(r)?,
            1 => m.name = r.string()?,
            2 => m.display_name = r.string()?,
            _ => m.aliases = r.strings()?,
        }
        Ok(())
    })?;
    required_fields(r, FIELDS, seen, 3)?;
    Ok(m)
}

fn read_quota(r: &mut Reader<'_>) -> Result<QuotaDefinition, JsonError> {
    const FIELDS: &[&str] = &["id", "name", "display_name", "unit"];
    let mut q = QuotaDefinition {
        id: 0,
        name: String::new(),
        display_name: String::new(),
        unit: None,
    };
    let mut seen = 0;
    r.object(&mut |r, key| {
        match field_index(r, &key, FIELDS, &mut seen)? {
            0 => q.id = read_id(r)?,
            1 => q.name = r.string()?,
            2 => q.display_name = r.string()?,
            _ => q.unit = r.optional_string()?,
        }
        Ok(())
    })?;
    required_fields(r, FIELDS, seen, 3)?;
    Ok(q)
}

fn read_tier(r: &mut Reader<'_>) -> Result<TierDefinition, JsonError> {
    const FIELDS: &[&str] = &["display_name", "inherits", "modules", "quotas"];
    let mut t = TierDefinition {
        display_name: String::new(),
        inherits: None,
        modules: Vec::new(),
        quotas: BTreeMap::new(),
    };
    let mut seen = 0;
    r.object(&mut |r, key| {
        match field_index(r, &key, FIELDS, &mut seen)? {
            0 => t.display_name = r.string()?,
            1 => t.inherits = r.optional_string()?,
            2 => t.modules = r.strings()?,
            _ => read_map(r, &mut t.quotas, read_quota_value)?,
        }
        Ok(())
    })?;
    required_fields(r, FIELDS, seen, 1)?;
    Ok(t)
}

fn read_quota_value(r: &mut Reader<'_>) -> Result<QuotaValue, JsonError> {
    const EXPECTED: &str = "a non-negative integer or \"unlimited\"";
    if r.null() {
        return Err(r.error(["expected ", EXPECTED, ", found null"].concat()));
    }
    // A string or a number, decided by the first byte: a failed number
    // must not leave its `-` behind for a string to follow (`-"unlimited"`).
    if !r.string_next() {
        return r
            .integer(u64::MAX, EXPECTED)
            .map(|limit| QuotaValue(QuotaLimit::Limited(limit)));
    }
    let at = r.offset();
    match r.string()? {
        word if word == "unlimited" => Ok(QuotaValue(QuotaLimit::Unlimited)),
        word => Err(r.error_at(
            at,
            ["expected ", EXPECTED, ", found \"", &word, "\""].concat(),
        )),
    }
}

fn read_routes(r: &mut Reader<'_>) -> Result<RoutesDefinition, JsonError> {
    const FIELDS: &[&str] = &["public", "modules", "case", "unmatched"];
    let mut routes = RoutesDefinition::default();
    let mut seen = 0;
    r.object(&mut |r, key| {
        match field_index(r, &key, FIELDS, &mut seen)? {
            0 => routes.public = r.strings()?,
            1 => read_map(r, &mut routes.modules, Reader::string)?,
            2 => routes.case = read_option(r)?,
            _ => routes.unmatched = read_option(r)?,
        }
        Ok(())
    })?;
    Ok(routes)
}

/// An option named by a string (`"fold_ascii"`).
fn read_option<T: core::str::FromStr<Err = UnknownOption>>(
    r: &mut Reader<'_>,
) -> Result<T, JsonError> {
    let at = r.offset();
    let name = r.string()?;
    name.parse().map_err(|e: UnknownOption| {
        let mut message = ["unknown value `", &name, "`, expected one of: "].concat();
        message.push_str(&e.names.join(", "));
        r.error_at(at, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    use crate::routes::{PathCase, UnmatchedPath};

    fn syntax(text: &str) -> (usize, usize, String) {
        match CatalogDefinition::from_json(text) {
            Err(CatalogError::Syntax {
                line,
                column,
                message,
            }) => (line, column, message),
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn the_example_catalog_reads_as_its_toml_does() {
        let json = include_str!("../../../examples/catalogs/netaudit.json");
        let from_json = CatalogDefinition::from_json(json).unwrap();
        assert_eq!(from_json, serde_json::from_str(json).unwrap());
        #[cfg(feature = "toml")]
        assert_eq!(
            from_json,
            CatalogDefinition::from_toml(include_str!("../../../examples/catalogs/netaudit.toml"))
                .unwrap()
        );
    }

    #[test]
    fn every_field_reads_and_optional_ones_may_be_null() {
        let text = r#"{
            "product": "p", "display_name": "P",
            "reserved_module_ids": [7, 255], "reserved_quota_ids": [0],
            "modules": [{"id": 1, "name": "a", "display_name": "A", "aliases": ["x"]}],
            "quotas": [{"id": 2, "name": "q", "display_name": "Q", "unit": null},
                       {"id": 3, "name": "r", "display_name": "R", "unit": "GB"}],
            "tiers": {"basic": {"display_name": "Basic", "inherits": null, "modules": ["a"],
                                "quotas": {"q": 10, "r": "unlimited"}}},
            "routes": {"public": ["/"], "modules": {"/a": "a"}, "case": "fold_ascii", "unmatched": "deny"}
        }"#;
        let d = CatalogDefinition::from_json(text).unwrap();
        assert_eq!(d, serde_json::from_str::<CatalogDefinition>(text).unwrap());
        assert_eq!(d.reserved_module_ids, [7, 255]);
        assert_eq!(d.quotas[0].unit, None);
        assert_eq!(
            d.tiers["basic"].quotas["r"],
            QuotaValue(QuotaLimit::Unlimited)
        );
        assert_eq!(
            (d.routes.case, d.routes.unmatched),
            (PathCase::FoldAscii, UnmatchedPath::Deny)
        );
    }

    #[test]
    fn refusals_say_where_and_what() {
        assert_eq!(
            syntax("{\n  \"product\": 1\n}"),
            (2, 14, "expected a string, found a number".to_string())
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "extra": 1}"#),
            (1, 39, "unknown field `extra`, expected one of: product, display_name, reserved_module_ids, reserved_quota_ids, modules, quotas, tiers, routes".to_string())
        );
        assert_eq!(
            syntax(r#"{"display_name": "P"}"#),
            (1, 22, "missing field `product`".to_string())
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "tiers": {"a": {"display_name": "A"}, "a": {"display_name": "B"}}}"#).2,
            "duplicate key `a`"
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "modules": [{"id": 256, "name": "m", "display_name": "M"}]}"#).2,
            "expected an id (an integer from 0 to 255), found 256"
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "tiers": {"a": {"display_name": "A", "quotas": {"q": "lots"}}}}"#).2,
            "expected a non-negative integer or \"unlimited\", found \"lots\""
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "tiers": {"a": {"display_name": "A", "quotas": {"q": -1}}}}"#).2,
            "expected a non-negative integer or \"unlimited\", found -1"
        );
        // A `-` before a string is no number and no string (a proptest
        // found `-"unlimited"` read as unlimited).
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "tiers": {"a": {"display_name": "A", "quotas": {"q": -"unlimited"}}}}"#).2,
            "invalid number"
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "tiers": {"a": {"display_name": "A", "quotas": {"q": true}}}}"#).2,
            "expected a non-negative integer or \"unlimited\", found a boolean"
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P", "routes": {"case": "any"}}"#).2,
            "unknown value `any`, expected one of: exact, fold_ascii"
        );
        assert_eq!(
            syntax(r#"{"product": "p", "display_name": "P"} {}"#).2,
            "trailing characters after the value"
        );
        assert_eq!(
            syntax("").2,
            "expected an object, found the end of the text"
        );
        assert!(matches!(
            CatalogDefinition::from_json(&" ".repeat(MAX_CATALOG_TEXT_LEN + 1)),
            Err(CatalogError::TooLarge { .. })
        ));
    }

    fn definition() -> impl Strategy<Value = CatalogDefinition> {
        let name = "[a-z_]{1,8}";
        let text = "\\PC{0,6}";
        let module = (
            any::<u8>(),
            name,
            text,
            proptest::collection::vec(name, 0..3),
        )
            .prop_map(|(id, name, display_name, aliases)| ModuleDefinition {
                id,
                name,
                display_name,
                aliases,
            });
        let quota = (any::<u8>(), name, text, proptest::option::of(text)).prop_map(
            |(id, name, display_name, unit)| QuotaDefinition {
                id,
                name,
                display_name,
                unit,
            },
        );
        let limit = prop_oneof![
            any::<u64>().prop_map(|n| QuotaValue(QuotaLimit::Limited(n))),
            Just(QuotaValue(QuotaLimit::Unlimited)),
        ];
        let tier = (
            text,
            proptest::option::of(name),
            proptest::collection::vec(name, 0..3),
            proptest::collection::btree_map(name, limit, 0..3),
        )
            .prop_map(|(display_name, inherits, modules, quotas)| TierDefinition {
                display_name,
                inherits,
                modules,
                quotas,
            });
        let routes = (
            proptest::collection::vec("/[a-z]{0,4}", 0..3),
            proptest::collection::btree_map("/[a-z]{0,4}", name, 0..3),
            prop_oneof![Just(PathCase::Exact), Just(PathCase::FoldAscii)],
            prop_oneof![Just(UnmatchedPath::Licensed), Just(UnmatchedPath::Deny)],
        )
            .prop_map(|(public, modules, case, unmatched)| RoutesDefinition {
                public,
                modules,
                case,
                unmatched,
            });
        (
            name,
            text,
            proptest::collection::vec(any::<u8>(), 0..3),
            proptest::collection::vec(any::<u8>(), 0..3),
            proptest::collection::vec(module, 0..3),
            proptest::collection::vec(quota, 0..3),
            proptest::collection::btree_map(name, tier, 0..3),
            routes,
        )
            .prop_map(
                |(product, display_name, rm, rq, modules, quotas, tiers, routes)| {
                    CatalogDefinition {
                        product,
                        display_name,
                        reserved_module_ids: rm,
                        reserved_quota_ids: rq,
                        modules,
                        quotas,
                        tiers,
                        routes,
                    }
                },
            )
    }

    proptest! {
        /// What serde_json writes (keygen's `catalog export`), compact or
        /// pretty, reads back to the same definition.
        #[test]
        fn serde_json_s_text_reads_back(d in definition()) {
            let compact = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(CatalogDefinition::from_json(&compact).unwrap(), d.clone());
            let pretty = serde_json::to_string_pretty(&d).unwrap();
            prop_assert_eq!(CatalogDefinition::from_json(&pretty).unwrap(), d);
        }

        /// Differential, against serde_json and the serde definition types
        /// (the reader this one replaced): a catalog text with one byte
        /// changed, removed or added is accepted by both or refused by
        /// both, and read the same when accepted. The one difference by
        /// design is a map key given twice, which serde_json lets the last
        /// one win.
        #[test]
        fn a_damaged_text_is_read_as_serde_json_reads_it(
            d in definition(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(vec![b'"', b'{', b'}', b'[', b']', b',', b':', b' ', b'0', b'-', b'.', b'e', b'\\', b'n', b'x']),
            action in 0..3u8,
        ) {
            let mut text = serde_json::to_string(&d).unwrap().into_bytes();
            let i = at.index(text.len());
            match action {
                0 => text[i] = byte,
                1 => { text.remove(i); }
                _ => text.insert(i, byte),
            }
            let Ok(text) = String::from_utf8(text) else { return Ok(()) };
            let ours = CatalogDefinition::from_json(&text).ok();
            let theirs = serde_json::from_str::<CatalogDefinition>(&text).ok();
            if ours.is_none() && theirs.is_some() {
                let duplicate_key = syntax(&text).2.starts_with("duplicate key");
                prop_assert!(duplicate_key, "{} refused: {:?}", text, syntax(&text));
            } else {
                prop_assert_eq!(ours, theirs, "{}", text);
            }
        }
    }
}

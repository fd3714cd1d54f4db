//! The catalog as written in a file: the serde definition types.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::quota::QuotaLimit;
use crate::routes::{PathCase, UnmatchedPath};

/// Largest catalog text accepted by [`Catalog::from_toml`](super::Catalog::from_toml), in bytes.
pub const MAX_CATALOG_TEXT_LEN: usize = 1 << 20;

/// The catalog as written in a file: what [`Catalog::from_toml`](super::Catalog::from_toml) reads and
/// [`Catalog::from_definition`](super::Catalog::from_definition) validates. Every field maps one-to-one to
/// the TOML format (see `examples/catalogs/netaudit.toml`).
///
/// ```
/// use licman_core::CatalogDefinition;
/// let definition: CatalogDefinition = toml::from_str(r#"
///     product = "demo"
///     display_name = "Demo"
/// "#).unwrap();
/// assert_eq!(definition.product, "demo");
/// assert!(definition.modules.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDefinition {
    /// Product id, as licenses name it.
    pub product: String,
    /// Product name for people.
    pub display_name: String,
    /// Module ids that were used once and must never be used again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_module_ids: Vec<u8>,
    /// Quota ids that were used once and must never be used again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_quota_ids: Vec<u8>,
    /// The modules.
    #[serde(default)]
    pub modules: Vec<ModuleDefinition>,
    /// The quotas.
    #[serde(default)]
    pub quotas: Vec<QuotaDefinition>,
    /// The tiers, by name.
    #[serde(default)]
    pub tiers: BTreeMap<String, TierDefinition>,
    /// The route table.
    #[serde(default)]
    pub routes: RoutesDefinition,
}

/// One module in a [`CatalogDefinition`].
///
/// ```
/// use licman_core::ModuleDefinition;
/// let m: ModuleDefinition = toml::from_str(r#"
///     id = 8
///     name = "scheduled_audits"
///     display_name = "Scheduled Audits"
///     aliases = ["audit_schedules"]
/// "#).unwrap();
/// assert_eq!(m.aliases, ["audit_schedules"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleDefinition {
    /// Stable id (0–255), never reused.
    pub id: u8,
    /// Name used in code, licenses tools and denial bodies.
    pub name: String,
    /// Name for people, used in messages.
    pub display_name: String,
    /// Other names that resolve to this module (for example a frontend's
    /// name for it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// One quota in a [`CatalogDefinition`].
///
/// ```
/// use licman_core::QuotaDefinition;
/// let q: QuotaDefinition = toml::from_str(r#"
///     id = 3
///     name = "storage_gb"
///     display_name = "Storage"
///     unit = "GB"
/// "#).unwrap();
/// assert_eq!(q.unit.as_deref(), Some("GB"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaDefinition {
    /// Stable id (0–255), never reused.
    pub id: u8,
    /// Name used in code and denial bodies.
    pub name: String,
    /// Name for people.
    pub display_name: String,
    /// Unit of the amounts (`GB`, `devices`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One tier in a [`CatalogDefinition`].
///
/// ```
/// use licman_core::TierDefinition;
/// let t: TierDefinition = toml::from_str(r#"
///     display_name = "Enterprise"
///     inherits = "professional"
///     modules = ["*"]
///     quotas = { devices = "unlimited" }
/// "#).unwrap();
/// assert_eq!(t.inherits.as_deref(), Some("professional"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierDefinition {
    /// Name for people.
    pub display_name: String,
    /// A tier whose modules and quotas this one starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherits: Option<String>,
    /// Module names added by this tier; `"*"` means every module.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Quota limits (a number or `"unlimited"`), overriding inherited ones.
    #[serde(default)]
    pub quotas: BTreeMap<String, QuotaValue>,
}

/// A quota limit as written in a catalog: a non-negative integer or the
/// string `"unlimited"`.
///
/// ```
/// use licman_core::{QuotaLimit, QuotaValue};
/// #[derive(serde::Deserialize)]
/// struct T { a: QuotaValue, b: QuotaValue }
/// let t: T = toml::from_str("a = 10\nb = \"unlimited\"").unwrap();
/// assert_eq!(t.a.0, QuotaLimit::Limited(10));
/// assert_eq!(t.b.0, QuotaLimit::Unlimited);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaValue(pub QuotaLimit);

impl Serialize for QuotaValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for QuotaValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = QuotaValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or \"unlimited\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<QuotaValue, E> {
                Ok(QuotaValue(QuotaLimit::Limited(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<QuotaValue, E> {
                u64::try_from(v)
                    .map(|v| QuotaValue(QuotaLimit::Limited(v)))
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<QuotaValue, E> {
                if v == "unlimited" {
                    Ok(QuotaValue(QuotaLimit::Unlimited))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The route table as written in a catalog: public path prefixes, path
/// prefix → module name, and how the table matches (see
/// [`RouteOptions`](crate::routes::RouteOptions): `case = "exact" | "fold_ascii"`,
/// `unmatched = "licensed" | "deny"`).
///
/// ```
/// use licman_core::{PathCase, RoutesDefinition, UnmatchedPath};
/// let r: RoutesDefinition = toml::from_str(r#"
///     public = ["/", "/login"]
///     case = "fold_ascii"
///     unmatched = "deny"
///     [modules]
///     "/devices" = "devices"
/// "#).unwrap();
/// assert_eq!(r.modules["/devices"], "devices");
/// assert_eq!((r.case, r.unmatched), (PathCase::FoldAscii, UnmatchedPath::Deny));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesDefinition {
    /// Paths open without a license (segment-aware prefixes; `/` matches
    /// only itself).
    #[serde(default)]
    pub public: Vec<String>,
    /// Path prefix → the module it needs.
    #[serde(default)]
    pub modules: BTreeMap<String, String>,
    /// Exact (default) or ASCII case-folding matching: say `fold_ascii`
    /// when the product's router is case-insensitive.
    #[serde(default)]
    pub case: PathCase,
    /// What a path no route covers needs: a license (default) or nothing
    /// can reach it (`deny`).
    #[serde(default)]
    pub unmatched: UnmatchedPath,
}

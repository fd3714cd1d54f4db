//! The product catalog: modules, quotas and tiers by stable numeric id, and
//! the route table. Read from TOML (or any serde format) and validated once.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{ModuleId, QuotaId};
use crate::module_set::ModuleSet;
use crate::name_index::{NameIndex, SlotSet};
use crate::quota::QuotaLimit;
use crate::routes::{
    MAX_ROUTE_LEN, PathCase, RouteOptions, RouteTable, RouteTarget, UnmatchedPath,
};

/// Largest catalog text accepted by [`Catalog::from_toml`], in bytes.
pub const MAX_CATALOG_TEXT_LEN: usize = 1 << 20;

/// The catalog as written in a file: what [`Catalog::from_toml`] reads and
/// [`Catalog::from_definition`] validates. Every field maps one-to-one to
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
/// [`RouteOptions`]: `case = "exact" | "fold_ascii"`,
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

/// What kind of name a lookup or error is about.
///
/// ```
/// use licman_core::NameKind;
/// assert_eq!(NameKind::Quota.to_string(), "quota");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// The product.
    Product,
    /// A module.
    Module,
    /// A quota.
    Quota,
    /// A tier.
    Tier,
    /// A user group.
    Group,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Product => "product",
            NameKind::Module => "module",
            NameKind::Quota => "quota",
            NameKind::Tier => "tier",
            NameKind::Group => "group",
        })
    }
}

/// A name that the catalog (or a group table) does not define.
///
/// ```
/// use licman_core::{NameKind, UnknownName};
/// let e = UnknownName { kind: NameKind::Module, name: "telepathy".into() };
/// assert_eq!(e.to_string(), "unknown module 'telepathy'");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name.
    pub kind: NameKind,
    /// The name.
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} '{}'", self.kind, self.name)
    }
}

impl core::error::Error for UnknownName {}

/// Why a catalog was refused. Every variant names the offender.
///
/// ```
/// use licman_core::{Catalog, CatalogError, NameKind};
/// let err = Catalog::from_toml(r#"
///     product = "p"
///     display_name = "P"
///     [[modules]]
///     id = 1
///     name = "a"
///     display_name = "A"
///     [[modules]]
///     id = 1
///     name = "b"
///     display_name = "B"
/// "#).unwrap_err();
/// assert_eq!(err, CatalogError::DuplicateId { kind: NameKind::Module, id: 1, first: "a".into(), second: "b".into() });
/// assert_eq!(err.code(), "duplicate_id");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not valid TOML, or does not have the catalog's shape.
    Syntax {
        /// One-based line of the problem (0 if unknown).
        line: usize,
        /// One-based column of the problem (0 if unknown).
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The text is longer than [`MAX_CATALOG_TEXT_LEN`].
    TooLarge {
        /// Bytes given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A product, module, quota or tier name is empty or has characters
    /// other than ASCII letters, digits, `_`, `-` and `.` (or is longer than
    /// 64 bytes).
    InvalidName {
        /// What kind of name.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A display name is empty.
    EmptyDisplayName {
        /// What kind of item.
        kind: NameKind,
        /// Its name.
        name: String,
    },
    /// Two modules (or quotas) have the same id.
    DuplicateId {
        /// Module or quota.
        kind: NameKind,
        /// The id.
        id: u8,
        /// The first holder.
        first: String,
        /// The second holder.
        second: String,
    },
    /// Two modules (or quotas, or a module and another module's alias)
    /// have the same name.
    DuplicateName {
        /// Module or quota.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A module or quota uses an id listed as reserved (retired).
    ReusedId {
        /// Module or quota.
        kind: NameKind,
        /// The id.
        id: u8,
        /// The module or quota that reuses it.
        name: String,
    },
    /// A tier names a module the catalog does not define.
    UnknownModuleInTier {
        /// The tier.
        tier: String,
        /// The module name.
        module: String,
    },
    /// A tier names a quota the catalog does not define.
    UnknownQuotaInTier {
        /// The tier.
        tier: String,
        /// The quota name.
        quota: String,
    },
    /// A tier inherits from a tier that does not exist.
    UnknownParentTier {
        /// The tier.
        tier: String,
        /// The missing parent.
        parent: String,
    },
    /// Tiers inherit from each other in a loop.
    InheritanceCycle {
        /// The tiers in the loop, in inheritance order, the first repeated
        /// at the end.
        cycle: Vec<String>,
    },
    /// A route path is not a canonical absolute path.
    InvalidRoute {
        /// The path.
        path: String,
    },
    /// A route names a module the catalog does not define.
    UnknownModuleInRoute {
        /// The path.
        path: String,
        /// The module name.
        module: String,
    },
    /// A path is both public and mapped to a module, or listed twice.
    RouteConflict {
        /// The path.
        path: String,
    },
}

impl CatalogError {
    /// A stable snake_case code for the error.
    ///
    /// ```
    /// # use licman_core::CatalogError;
    /// assert_eq!(CatalogError::InheritanceCycle { cycle: vec![] }.code(), "inheritance_cycle");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            CatalogError::Syntax { .. } => "syntax",
            CatalogError::TooLarge { .. } => "too_large",
            CatalogError::InvalidName { .. } => "invalid_name",
            CatalogError::EmptyDisplayName { .. } => "empty_display_name",
            CatalogError::DuplicateId { .. } => "duplicate_id",
            CatalogError::DuplicateName { .. } => "duplicate_name",
            CatalogError::ReusedId { .. } => "reused_id",
            CatalogError::UnknownModuleInTier { .. } => "unknown_module_in_tier",
            CatalogError::UnknownQuotaInTier { .. } => "unknown_quota_in_tier",
            CatalogError::UnknownParentTier { .. } => "unknown_parent_tier",
            CatalogError::InheritanceCycle { .. } => "inheritance_cycle",
            CatalogError::InvalidRoute { .. } => "invalid_route",
            CatalogError::UnknownModuleInRoute { .. } => "unknown_module_in_route",
            CatalogError::RouteConflict { .. } => "route_conflict",
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Syntax {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "catalog syntax error at line {line}, column {column}: {message}"
                )
            }
            CatalogError::TooLarge { len, max } => {
                write!(f, "catalog is {len} bytes, more than the {max} allowed")
            }
            CatalogError::InvalidName { kind, name } => write!(
                f,
                "invalid {kind} name '{name}': use 1 to 64 ASCII letters, digits, '_', '-' or '.'"
            ),
            CatalogError::EmptyDisplayName { kind, name } => {
                write!(f, "{kind} '{name}' has an empty display name")
            }
            CatalogError::DuplicateId {
                kind,
                id,
                first,
                second,
            } => {
                write!(f, "{kind} id {id} is used by both '{first}' and '{second}'")
            }
            CatalogError::DuplicateName { kind, name } => {
                write!(f, "{kind} name '{name}' is defined twice")
            }
            CatalogError::ReusedId { kind, id, name } => {
                write!(
                    f,
                    "{kind} '{name}' reuses id {id}, which is reserved (ids are never reused)"
                )
            }
            CatalogError::UnknownModuleInTier { tier, module } => {
                write!(f, "tier '{tier}' names unknown module '{module}'")
            }
            CatalogError::UnknownQuotaInTier { tier, quota } => {
                write!(f, "tier '{tier}' names unknown quota '{quota}'")
            }
            CatalogError::UnknownParentTier { tier, parent } => {
                write!(f, "tier '{tier}' inherits from unknown tier '{parent}'")
            }
            CatalogError::InheritanceCycle { cycle } => {
                write!(f, "tiers inherit in a cycle: {}", cycle.join(" -> "))
            }
            CatalogError::InvalidRoute { path } => write!(
                f,
                "route '{path}' is not a canonical path (it must start with '/', be at most {MAX_ROUTE_LEN} bytes of letters, digits and -._~!$&'()*+,=:@, with no empty, '.' or '..' segments and no trailing '/')"
            ),
            CatalogError::UnknownModuleInRoute { path, module } => {
                write!(f, "route '{path}' needs unknown module '{module}'")
            }
            CatalogError::RouteConflict { path } => {
                write!(
                    f,
                    "route '{path}' is listed twice (or is both public and mapped to a module)"
                )
            }
        }
    }
}

impl core::error::Error for CatalogError {}

/// A module of a validated catalog.
///
/// ```
/// # use licman_core::{Catalog, ModuleId};
/// # let catalog = licman_core::__doc_catalog();
/// let module = catalog.module(ModuleId(8)).unwrap();
/// assert_eq!(module.name(), "scheduled_audits");
/// assert_eq!(module.display_name(), "Scheduled Audits");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    id: ModuleId,
    name: String,
    display_name: String,
    aliases: Vec<String>,
}

impl ModuleInfo {
    /// The stable id.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.modules().next().unwrap().id(), licman_core::ModuleId(1));
    /// ```
    pub fn id(&self) -> ModuleId {
        self.id
    }
    /// The name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.modules().next().unwrap().name(), "devices");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The display name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.modules().next().unwrap().display_name(), "Device Management");
    /// ```
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The aliases.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// let m = catalog.module(catalog.module_id("manual_audits").unwrap()).unwrap();
    /// assert_eq!(m.aliases(), ["audit"]);
    /// ```
    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }
}

/// A quota of a validated catalog.
///
/// ```
/// # let catalog = licman_core::__doc_catalog();
/// let q = catalog.quota(catalog.quota_id("storage_gb").unwrap()).unwrap();
/// assert_eq!(q.unit(), Some("GB"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaInfo {
    id: QuotaId,
    name: String,
    display_name: String,
    unit: Option<String>,
}

impl QuotaInfo {
    /// The stable id.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quotas().next().unwrap().id(), licman_core::QuotaId(1));
    /// ```
    pub fn id(&self) -> QuotaId {
        self.id
    }
    /// The name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quotas().next().unwrap().name(), "devices");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The display name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quotas().next().unwrap().display_name(), "Devices");
    /// ```
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The unit, if any.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quotas().next().unwrap().unit(), Some("devices"));
    /// ```
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
}

/// A tier of a validated catalog, with inheritance resolved.
///
/// ```
/// # use licman_core::{QuotaId, QuotaLimit};
/// # let catalog = licman_core::__doc_catalog();
/// let pro = catalog.tier("professional").unwrap();
/// assert_eq!(pro.display_name(), "Professional");
/// assert_eq!(pro.modules().len(), 14);
/// assert_eq!(pro.quotas()[&QuotaId(1)], QuotaLimit::Limited(100));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    name: String,
    display_name: String,
    inherits: Option<String>,
    modules: ModuleSet,
    quotas: BTreeMap<QuotaId, QuotaLimit>,
}

impl Tier {
    /// The name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tier("starter").unwrap().name(), "starter");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The display name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tier("starter").unwrap().display_name(), "Starter");
    /// ```
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The tier it inherits from.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tier("professional").unwrap().inherits(), Some("starter"));
    /// ```
    pub fn inherits(&self) -> Option<&str> {
        self.inherits.as_deref()
    }
    /// All modules of the tier, inherited ones included.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tier("starter").unwrap().modules().len(), 4);
    /// ```
    pub fn modules(&self) -> &ModuleSet {
        &self.modules
    }
    /// All quota limits of the tier, inherited ones overridden.
    ///
    /// ```
    /// # use licman_core::{QuotaId, QuotaLimit};
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tier("enterprise").unwrap().quotas()[&QuotaId(2)], QuotaLimit::Unlimited);
    /// ```
    pub fn quotas(&self) -> &BTreeMap<QuotaId, QuotaLimit> {
        &self.quotas
    }
}

/// Items by ascending id, a 256-slot index from id to position, and names
/// (and aliases) to ids.
#[derive(Debug)]
struct Table<T, Id> {
    items: Vec<T>,
    index: [Option<u8>; 256],
    names: NameIndex<Id>,
}

impl<T, Id> Table<T, Id> {
    fn get(&self, id: u8) -> Option<&T> {
        let position = (*self.index.get(usize::from(id))?)?;
        self.items.get(usize::from(position))
    }
}

#[derive(Debug)]
struct CatalogData {
    definition: CatalogDefinition,
    modules: Table<ModuleInfo, ModuleId>,
    known_modules: ModuleSet,
    quotas: Table<QuotaInfo, QuotaId>,
    tiers: Vec<Tier>,
    routes: RouteTable,
}

/// A validated product catalog: the vendor's schema of modules, quotas,
/// tiers and routes. Cheap to clone (shared).
///
/// Names and aliases resolve to ids with one hash look-up; everything is
/// validated once, when the catalog is built.
///
/// ```
/// use licman_core::{Catalog, ModuleId};
/// let catalog = Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml"))?;
/// assert_eq!(catalog.product(), "netaudit");
/// assert_eq!(catalog.module_id("scheduled_audits"), Some(ModuleId(8)));
/// assert_eq!(catalog.module_id("audit_schedules"), Some(ModuleId(8)), "alias");
/// # Ok::<(), licman_core::CatalogError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Catalog(Arc<CatalogData>);

impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.definition == other.0.definition
    }
}

impl Eq for Catalog {}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Catalog {
    /// Parses and validates a catalog in TOML.
    ///
    /// ```
    /// use licman_core::{Catalog, CatalogError};
    /// let err = Catalog::from_toml("product = ").unwrap_err();
    /// assert!(matches!(err, CatalogError::Syntax { line: 1, .. }));
    /// ```
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        if text.len() > MAX_CATALOG_TEXT_LEN {
            return Err(CatalogError::TooLarge {
                len: text.len(),
                max: MAX_CATALOG_TEXT_LEN,
            });
        }
        let definition: CatalogDefinition = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_column(text, span.start));
            CatalogError::Syntax {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        Catalog::from_definition(definition)
    }

    /// Validates a catalog definition (from TOML, JSON or built in code).
    ///
    /// ```
    /// use licman_core::{Catalog, CatalogDefinition};
    /// let def = CatalogDefinition {
    ///     product: "p".into(), display_name: "P".into(),
    ///     reserved_module_ids: vec![], reserved_quota_ids: vec![],
    ///     modules: vec![], quotas: vec![], tiers: Default::default(), routes: Default::default(),
    /// };
    /// assert_eq!(Catalog::from_definition(def)?.product(), "p");
    /// # Ok::<(), licman_core::CatalogError>(())
    /// ```
    pub fn from_definition(definition: CatalogDefinition) -> Result<Catalog, CatalogError> {
        if !valid_name(&definition.product) {
            return Err(CatalogError::InvalidName {
                kind: NameKind::Product,
                name: definition.product.clone(),
            });
        }
        if definition.display_name.trim().is_empty() {
            return Err(CatalogError::EmptyDisplayName {
                kind: NameKind::Product,
                name: definition.product.clone(),
            });
        }
        let modules = build_modules(&definition)?;
        let quotas = build_quotas(&definition)?;
        let known_modules: ModuleSet = modules.items.iter().map(|m| m.id).collect();
        let tiers = build_tiers(&definition, &modules.names, &quotas.names, known_modules)?;
        let mut data = CatalogData {
            definition,
            modules,
            known_modules,
            quotas,
            tiers,
            routes: RouteTable::empty(),
        };
        let options = RouteOptions {
            case: data.definition.routes.case,
            unmatched: data.definition.routes.unmatched,
        };
        data.routes = build_routes(&data, options)?;
        Ok(Catalog(Arc::new(data)))
    }

    /// A catalog of `product` that defines nothing: for hosts that only
    /// verify and read claims. Every name is unknown to it, and entitlements
    /// bound to it grant no module.
    ///
    /// ```
    /// # use licman_core::Catalog;
    /// let catalog = Catalog::empty("netaudit")?;
    /// assert_eq!(catalog.modules().count(), 0);
    /// assert!(Catalog::empty("not a name").is_err());
    /// # Ok::<(), licman_core::CatalogError>(())
    /// ```
    pub fn empty(product: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_definition(CatalogDefinition {
            product: product.to_string(),
            display_name: product.to_string(),
            reserved_module_ids: Vec::new(),
            reserved_quota_ids: Vec::new(),
            modules: Vec::new(),
            quotas: Vec::new(),
            tiers: BTreeMap::new(),
            routes: RoutesDefinition::default(),
        })
    }

    /// The definition this catalog was built from.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.definition().tiers.len(), 3);
    /// ```
    pub fn definition(&self) -> &CatalogDefinition {
        &self.0.definition
    }

    /// The product id.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.product(), "netaudit");
    /// ```
    pub fn product(&self) -> &str {
        &self.0.definition.product
    }

    /// The product's display name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.display_name(), "NetAudit");
    /// ```
    pub fn display_name(&self) -> &str {
        &self.0.definition.display_name
    }

    /// The modules, by ascending id.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.modules().count(), 21);
    /// ```
    pub fn modules(&self) -> impl ExactSizeIterator<Item = &ModuleInfo> {
        self.0.modules.items.iter()
    }

    /// The module with this id.
    ///
    /// ```
    /// # use licman_core::ModuleId;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert!(catalog.module(ModuleId(200)).is_none());
    /// ```
    pub fn module(&self, id: ModuleId) -> Option<&ModuleInfo> {
        self.0.modules.get(id.0)
    }

    /// The id of a module by name or alias: one hash look-up, no allocation.
    ///
    /// ```
    /// # use licman_core::ModuleId;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.module_id("webhooks"), catalog.module_id("notifications"));
    /// assert_eq!(catalog.module_id("nope"), None);
    /// ```
    #[inline]
    pub fn module_id(&self, name: &str) -> Option<ModuleId> {
        self.0.modules.names.get(name)
    }

    /// The module names and aliases whose module is in `modules`, for
    /// [`module_named_in`](Self::module_named_in).
    pub(crate) fn module_name_set(&self, modules: &ModuleSet) -> SlotSet {
        self.0.modules.names.slot_set(|id| modules.contains(id))
    }

    /// Whether the module named `name` (or by an alias) is in the set made
    /// by [`module_name_set`](Self::module_name_set); `None` for a name the
    /// catalog does not know. One hash, and no read of the module's id.
    #[inline]
    pub(crate) fn module_named_in(&self, name: &str, set: &SlotSet) -> Option<bool> {
        self.0.modules.names.contains_in(name.as_bytes(), set)
    }

    /// Every module id the catalog defines.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.known_modules().len(), 21);
    /// ```
    pub fn known_modules(&self) -> ModuleSet {
        self.0.known_modules
    }

    /// The quotas, by ascending id.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quotas().map(|q| q.name()).collect::<Vec<_>>(), ["devices", "users", "storage_gb"]);
    /// ```
    pub fn quotas(&self) -> impl ExactSizeIterator<Item = &QuotaInfo> {
        self.0.quotas.items.iter()
    }

    /// The quota with this id.
    ///
    /// ```
    /// # use licman_core::QuotaId;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quota(QuotaId(2)).unwrap().name(), "users");
    /// ```
    pub fn quota(&self, id: QuotaId) -> Option<&QuotaInfo> {
        self.0.quotas.get(id.0)
    }

    /// The id of a quota by name: one hash look-up.
    ///
    /// ```
    /// # use licman_core::QuotaId;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.quota_id("users"), Some(QuotaId(2)));
    /// ```
    #[inline]
    pub fn quota_id(&self, name: &str) -> Option<QuotaId> {
        self.0.quotas.names.get(name)
    }

    /// The tiers, by name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.tiers().map(|t| t.name()).collect::<Vec<_>>(), ["enterprise", "professional", "starter"]);
    /// ```
    pub fn tiers(&self) -> impl ExactSizeIterator<Item = &Tier> {
        self.0.tiers.iter()
    }

    /// A tier by name.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert!(catalog.tier("platinum").is_none());
    /// ```
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.0.tiers.iter().find(|t| t.name == name)
    }

    /// The route table.
    ///
    /// ```
    /// # use licman_core::RouteTarget;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.routes().target("/login"), Ok(RouteTarget::Public));
    /// ```
    pub fn routes(&self) -> &RouteTable {
        &self.0.routes
    }

    /// The catalog's routes in a table matched with other options than the
    /// catalog's `[routes]` section gives, for a host whose router differs
    /// (case-insensitive, or serving only listed paths).
    ///
    /// ```
    /// use licman_core::*;
    /// # let catalog = licman_core::__doc_catalog();
    /// let options = RouteOptions { case: PathCase::FoldAscii, unmatched: UnmatchedPath::Deny };
    /// let routes = catalog.routes_with(options)?;
    /// assert_eq!(routes.target("/LOGIN"), Ok(RouteTarget::Public));
    /// assert_eq!(routes.target("/nowhere"), Ok(RouteTarget::Unlisted));
    /// # Ok::<(), CatalogError>(())
    /// ```
    pub fn routes_with(&self, options: RouteOptions) -> Result<RouteTable, CatalogError> {
        build_routes(&self.0, options)
    }

    /// Resolves a module name or alias, or says which name is unknown.
    ///
    /// ```
    /// # use licman_core::NameKind;
    /// # let catalog = licman_core::__doc_catalog();
    /// assert_eq!(catalog.require_module("x").unwrap_err().kind, NameKind::Module);
    /// ```
    pub fn require_module(&self, name: &str) -> Result<ModuleId, UnknownName> {
        self.module_id(name).ok_or_else(|| UnknownName {
            kind: NameKind::Module,
            name: name.to_string(),
        })
    }

    /// Resolves a quota name, or says it is unknown.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert!(catalog.require_quota("devices").is_ok());
    /// assert!(catalog.require_quota("seats").is_err());
    /// ```
    pub fn require_quota(&self, name: &str) -> Result<QuotaId, UnknownName> {
        self.quota_id(name).ok_or_else(|| UnknownName {
            kind: NameKind::Quota,
            name: name.to_string(),
        })
    }

    /// What a route needs, as the bindings and logs show it: `public`,
    /// `licensed`, or the module's name (its id in decimal if the catalog
    /// does not define it).
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// let needs = catalog.routes().target("/devices/7")?;
    /// assert_eq!(catalog.route_target_name(needs), "devices");
    /// assert_eq!(catalog.route_target_name(licman_core::RouteTarget::Public), "public");
    /// # Ok::<(), licman_core::InvalidPath>(())
    /// ```
    pub fn route_target_name(&self, target: RouteTarget) -> String {
        match target {
            RouteTarget::Public => "public".into(),
            RouteTarget::Licensed => "licensed".into(),
            RouteTarget::Module(id) => self.module_name(id),
            RouteTarget::Unlisted => "unlisted".into(),
        }
    }

    /// The name of a module id, or the id in decimal if the catalog does
    /// not define it.
    pub(crate) fn module_name(&self, id: ModuleId) -> String {
        self.module(id)
            .map_or_else(|| id.to_string(), |m| m.name.clone())
    }

    /// The display name of a module id, or its name if the catalog does not
    /// define it.
    pub(crate) fn module_display_name(&self, id: ModuleId) -> String {
        self.module(id)
            .map_or_else(|| id.to_string(), |m| m.display_name.clone())
    }

    /// The name of a quota id, or the id in decimal.
    pub(crate) fn quota_name(&self, id: QuotaId) -> String {
        self.quota(id)
            .map_or_else(|| id.to_string(), |q| q.name.clone())
    }

    /// One past the largest quota id defined (the length of an array indexed
    /// by quota id).
    pub(crate) fn quota_slots(&self) -> usize {
        self.0
            .quotas
            .items
            .iter()
            .map(|q| usize::from(q.id.0) + 1)
            .max()
            .unwrap_or(0)
    }
}

fn build_modules(d: &CatalogDefinition) -> Result<Table<ModuleInfo, ModuleId>, CatalogError> {
    let mut sorted: Vec<&ModuleDefinition> = d.modules.iter().collect();
    sorted.sort_by_key(|m| m.id);
    let mut modules = Vec::with_capacity(sorted.len());
    let mut index = [None; 256];
    let mut names: NameIndex<ModuleId> = NameIndex::new();
    let mut holder: BTreeMap<u8, &str> = BTreeMap::new();
    for m in d.modules.iter() {
        check_item(
            NameKind::Module,
            m.id,
            &m.name,
            &m.display_name,
            &d.reserved_module_ids,
            &mut holder,
        )?;
    }
    for (position, m) in sorted.into_iter().enumerate() {
        let id = ModuleId(m.id);
        let own = core::iter::once(m.name.as_str());
        let aliases = m
            .aliases
            .iter()
            .map(String::as_str)
            .filter(|a| *a != m.name);
        for name in own.chain(aliases) {
            if !valid_name(name) {
                return Err(CatalogError::InvalidName {
                    kind: NameKind::Module,
                    name: name.to_string(),
                });
            }
            if !names.insert(name, id) {
                return Err(CatalogError::DuplicateName {
                    kind: NameKind::Module,
                    name: name.to_string(),
                });
            }
        }
        if let Some(slot) = index.get_mut(usize::from(m.id)) {
            *slot = u8::try_from(position).ok();
        }
        let mut aliases: Vec<String> = m
            .aliases
            .iter()
            .filter(|a| **a != m.name)
            .cloned()
            .collect();
        aliases.dedup();
        modules.push(ModuleInfo {
            id,
            name: m.name.clone(),
            display_name: m.display_name.clone(),
            aliases,
        });
    }
    Ok(Table {
        items: modules,
        index,
        names,
    })
}

fn check_item<'a>(
    kind: NameKind,
    id: u8,
    name: &'a str,
    display_name: &str,
    reserved: &[u8],
    holder: &mut BTreeMap<u8, &'a str>,
) -> Result<(), CatalogError> {
    if !valid_name(name) {
        return Err(CatalogError::InvalidName {
            kind,
            name: name.to_string(),
        });
    }
    if display_name.trim().is_empty() {
        return Err(CatalogError::EmptyDisplayName {
            kind,
            name: name.to_string(),
        });
    }
    if reserved.contains(&id) {
        return Err(CatalogError::ReusedId {
            kind,
            id,
            name: name.to_string(),
        });
    }
    if let Some(first) = holder.insert(id, name) {
        return Err(CatalogError::DuplicateId {
            kind,
            id,
            first: first.to_string(),
            second: name.to_string(),
        });
    }
    Ok(())
}

fn build_quotas(d: &CatalogDefinition) -> Result<Table<QuotaInfo, QuotaId>, CatalogError> {
    let mut holder: BTreeMap<u8, &str> = BTreeMap::new();
    for q in &d.quotas {
        check_item(
            NameKind::Quota,
            q.id,
            &q.name,
            &q.display_name,
            &d.reserved_quota_ids,
            &mut holder,
        )?;
    }
    let mut sorted: Vec<&QuotaDefinition> = d.quotas.iter().collect();
    sorted.sort_by_key(|q| q.id);
    let mut quotas = Vec::with_capacity(sorted.len());
    let mut index = [None; 256];
    let mut names: NameIndex<QuotaId> = NameIndex::new();
    for (position, q) in sorted.into_iter().enumerate() {
        if !names.insert(&q.name, QuotaId(q.id)) {
            return Err(CatalogError::DuplicateName {
                kind: NameKind::Quota,
                name: q.name.clone(),
            });
        }
        if let Some(slot) = index.get_mut(usize::from(q.id)) {
            *slot = u8::try_from(position).ok();
        }
        quotas.push(QuotaInfo {
            id: QuotaId(q.id),
            name: q.name.clone(),
            display_name: q.display_name.clone(),
            unit: q.unit.clone(),
        });
    }
    Ok(Table {
        items: quotas,
        index,
        names,
    })
}

fn build_tiers(
    d: &CatalogDefinition,
    module_names: &NameIndex<ModuleId>,
    quota_names: &NameIndex<QuotaId>,
    all_modules: ModuleSet,
) -> Result<Vec<Tier>, CatalogError> {
    // Own modules and quotas of each tier, names resolved.
    let mut own: BTreeMap<&str, (ModuleSet, BTreeMap<QuotaId, QuotaLimit>)> = BTreeMap::new();
    for (name, tier) in &d.tiers {
        if !valid_name(name) {
            return Err(CatalogError::InvalidName {
                kind: NameKind::Tier,
                name: name.clone(),
            });
        }
        if tier.display_name.trim().is_empty() {
            return Err(CatalogError::EmptyDisplayName {
                kind: NameKind::Tier,
                name: name.clone(),
            });
        }
        let mut modules = ModuleSet::new();
        for module in &tier.modules {
            if module == "*" {
                modules = modules.union(&all_modules);
                continue;
            }
            let id = module_names
                .get(module)
                .ok_or_else(|| CatalogError::UnknownModuleInTier {
                    tier: name.clone(),
                    module: module.clone(),
                })?;
            modules.insert(id);
        }
        let mut quotas = BTreeMap::new();
        for (quota, value) in &tier.quotas {
            let id = quota_names
                .get(quota)
                .ok_or_else(|| CatalogError::UnknownQuotaInTier {
                    tier: name.clone(),
                    quota: quota.clone(),
                })?;
            quotas.insert(id, value.0);
        }
        own.insert(name, (modules, quotas));
    }
    let mut tiers = Vec::with_capacity(d.tiers.len());
    for (name, tier) in &d.tiers {
        // Walk up the inheritance chain, child first.
        let mut chain: Vec<&str> = alloc::vec![name.as_str()];
        let mut current = tier;
        while let Some(parent) = &current.inherits {
            let Some(parent_def) = d.tiers.get(parent) else {
                return Err(CatalogError::UnknownParentTier {
                    tier: chain.last().map_or_else(String::new, |t| t.to_string()),
                    parent: parent.clone(),
                });
            };
            if let Some(start) = chain.iter().position(|t| *t == parent.as_str()) {
                let mut cycle: Vec<String> = chain
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .map(|t| t.to_string())
                    .collect();
                cycle.push(parent.clone());
                return Err(CatalogError::InheritanceCycle { cycle });
            }
            chain.push(parent);
            current = parent_def;
        }
        let mut modules = ModuleSet::new();
        let mut quotas = BTreeMap::new();
        for ancestor in chain.iter().rev() {
            if let Some((m, q)) = own.get(ancestor) {
                modules = modules.union(m);
                quotas.extend(q.iter().map(|(k, v)| (*k, *v)));
            }
        }
        tiers.push(Tier {
            name: name.clone(),
            display_name: tier.display_name.clone(),
            inherits: tier.inherits.clone(),
            modules,
            quotas,
        });
    }
    Ok(tiers)
}

fn build_routes(data: &CatalogData, options: RouteOptions) -> Result<RouteTable, CatalogError> {
    let routes = &data.definition.routes;
    let mut entries: Vec<(String, RouteTarget)> =
        Vec::with_capacity(routes.public.len() + routes.modules.len());
    for path in &routes.public {
        entries.push((path.clone(), RouteTarget::Public));
    }
    for (path, module) in &routes.modules {
        let id =
            data.modules
                .names
                .get(module)
                .ok_or_else(|| CatalogError::UnknownModuleInRoute {
                    path: path.clone(),
                    module: module.clone(),
                })?;
        entries.push((path.clone(), RouteTarget::Module(id)));
    }
    RouteTable::with_options(entries, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
        product = "p"
        display_name = "P"
        [[modules]]
        id = 1
        name = "a"
        display_name = "A"
        aliases = ["a", "alpha"]
        [[modules]]
        id = 2
        name = "b"
        display_name = "B"
        [[quotas]]
        id = 1
        name = "q"
        display_name = "Q"
    "#;

    fn with(extra: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_toml(&alloc::format!("{BASE}\n{extra}"))
    }

    #[test]
    fn errors_name_the_offender() {
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\nmodules = [\"c\"]").unwrap_err(),
            CatalogError::UnknownModuleInTier {
                tier: "t".into(),
                module: "c".into()
            }
        );
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\nquotas = { z = 1 }").unwrap_err(),
            CatalogError::UnknownQuotaInTier {
                tier: "t".into(),
                quota: "z".into()
            }
        );
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\ninherits = \"u\"").unwrap_err(),
            CatalogError::UnknownParentTier {
                tier: "t".into(),
                parent: "u".into()
            }
        );
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\ninherits = \"u\"\n[tiers.u]\ndisplay_name = \"U\"\ninherits = \"t\"")
                .unwrap_err(),
            CatalogError::InheritanceCycle { cycle: alloc::vec!["t".into(), "u".into(), "t".into()] }
        );
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\ninherits = \"t\"").unwrap_err(),
            CatalogError::InheritanceCycle {
                cycle: alloc::vec!["t".into(), "t".into()]
            }
        );
        assert_eq!(
            with("[[modules]]\nid = 3\nname = \"alpha\"\ndisplay_name = \"X\"").unwrap_err(),
            CatalogError::DuplicateName {
                kind: NameKind::Module,
                name: "alpha".into()
            }
        );
        assert_eq!(
            with("[[quotas]]\nid = 1\nname = \"r\"\ndisplay_name = \"R\"").unwrap_err(),
            CatalogError::DuplicateId {
                kind: NameKind::Quota,
                id: 1,
                first: "q".into(),
                second: "r".into()
            }
        );
        assert_eq!(
            Catalog::from_toml(&BASE.replace(
                "display_name = \"P\"",
                "display_name = \"P\"\nreserved_module_ids = [2]"
            ))
            .unwrap_err(),
            CatalogError::ReusedId {
                kind: NameKind::Module,
                id: 2,
                name: "b".into()
            }
        );
        assert_eq!(
            with("[routes.modules]\n\"/x\" = \"zzz\"").unwrap_err(),
            CatalogError::UnknownModuleInRoute {
                path: "/x".into(),
                module: "zzz".into()
            }
        );
        assert_eq!(
            with("[routes]\npublic = [\"/x\"]\n[routes.modules]\n\"/x\" = \"a\"").unwrap_err(),
            CatalogError::RouteConflict { path: "/x".into() }
        );
        assert_eq!(
            with("[routes.modules]\n\"/x/../y\" = \"a\"").unwrap_err(),
            CatalogError::InvalidRoute {
                path: "/x/../y".into()
            }
        );
        assert_eq!(
            with("[[modules]]\nid = 9\nname = \"has space\"\ndisplay_name = \"X\"").unwrap_err(),
            CatalogError::InvalidName {
                kind: NameKind::Module,
                name: "has space".into()
            }
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = Catalog::from_toml("product = \"p\"\ndisplay_name = \"P\"\n[[modules]]\nid = 300\nname = \"a\"\ndisplay_name = \"A\"")
            .unwrap_err();
        match err {
            CatalogError::Syntax { line, .. } => assert_eq!(line, 4),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Catalog::from_toml("bogus_field = 1\nproduct = \"p\"\ndisplay_name = \"P\""),
            Err(CatalogError::Syntax { .. })
        ));
        assert!(matches!(
            with("[tiers.t]\ndisplay_name = \"T\"\nquotas = { q = -1 }"),
            Err(CatalogError::Syntax { .. })
        ));
        assert!(matches!(
            with("[tiers.t]\ndisplay_name = \"T\"\nquotas = { q = \"lots\" }"),
            Err(CatalogError::Syntax { .. })
        ));
    }

    #[test]
    fn inheritance_and_star() {
        let c = with(
            "[tiers.t]\ndisplay_name = \"T\"\nmodules = [\"alpha\"]\nquotas = { q = 5 }\n[tiers.u]\ndisplay_name = \"U\"\ninherits = \"t\"\nmodules = [\"*\"]\nquotas = { q = \"unlimited\" }",
        )
        .unwrap();
        let t = c.tier("t").unwrap();
        assert_eq!(t.modules().iter().collect::<Vec<_>>(), [ModuleId(1)]);
        let u = c.tier("u").unwrap();
        assert_eq!(u.modules().len(), 2);
        assert_eq!(u.quotas()[&QuotaId(1)], QuotaLimit::Unlimited);
        assert_eq!(c.module(ModuleId(1)).unwrap().aliases(), ["alpha"]);
    }
}

//! The product catalog: modules, quotas and tiers by stable numeric id, and
//! the route table. Read from TOML (or any serde format) and validated once.
//!
//! - `definition`: the types the file is read into;
//! - `build`: their validation into the tables below;
//! - `info`: what the validated catalog says of a module, quota or tier;
//! - `error`: why a catalog is refused, and unknown names.

mod build;
mod definition;
mod error;
mod info;
mod json;

use build::{build_modules, build_quotas, build_routes, build_tiers};
pub use definition::{
    CatalogDefinition, MAX_CATALOG_TEXT_LEN, ModuleDefinition, QuotaDefinition, QuotaValue,
    RoutesDefinition, TierDefinition,
};
pub use error::{CatalogError, NameKind, UnknownName};
pub use info::{ModuleInfo, QuotaInfo, Tier};

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::ids::{ModuleId, QuotaId};
use crate::module_set::ModuleSet;
use crate::name_index::{NameIndex, SlotSet};
use crate::routes::{RouteOptions, RouteTable, RouteTarget};

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
/// let catalog = Catalog::from_toml(include_str!("../../../examples/catalogs/netaudit.toml"))?;
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

impl Catalog {
    /// Parses and validates a catalog in TOML (the `toml` feature, on by
    /// default).
    ///
    /// ```
    /// use licman_core::{Catalog, CatalogError};
    /// let err = Catalog::from_toml("product = ").unwrap_err();
    /// assert!(matches!(err, CatalogError::Syntax { line: 1, .. }));
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_definition(CatalogDefinition::from_toml(text)?)
    }

    /// Parses and validates a catalog in JSON: the same fields as the TOML
    /// form (`licman-keygen catalog export` writes it), with unknown
    /// fields refused the same way.
    ///
    /// ```
    /// use licman_core::{Catalog, CatalogError};
    /// let json = r#"{"product": "p", "display_name": "P", "modules": [{"id": 0, "name": "m", "display_name": "M"}]}"#;
    /// assert_eq!(Catalog::from_json(json)?.product(), "p");
    /// let err = Catalog::from_json("{\n  \"product\": 1\n}").unwrap_err();
    /// assert!(matches!(err, CatalogError::Syntax { line: 2, .. }));
    /// # Ok::<(), CatalogError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_definition(CatalogDefinition::from_json(text)?)
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

    /// The names of the modules of a set that the catalog defines, by id
    /// (ids it does not define are left out).
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// # let catalog = licman_core::__doc_catalog();
    /// let set: ModuleSet = [ModuleId(1), ModuleId(8), ModuleId(200)].into_iter().collect();
    /// assert_eq!(catalog.module_names_of(&set).collect::<Vec<_>>(), ["devices", "scheduled_audits"]);
    /// ```
    pub fn module_names_of<'a>(&'a self, modules: &'a ModuleSet) -> impl Iterator<Item = &'a str> {
        modules
            .iter()
            .filter_map(|id| self.module(id).map(|m| m.name()))
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

impl CatalogDefinition {
    /// Parses a catalog's TOML into its definition, unvalidated (the `toml`
    /// feature): [`Catalog::from_definition`] validates it. For tools that
    /// convert a catalog (`licman-keygen catalog export` writes its JSON).
    ///
    /// ```
    /// use licman_core::{Catalog, CatalogDefinition};
    /// let definition = CatalogDefinition::from_toml("product = \"p\"\ndisplay_name = \"P\"")?;
    /// let json = serde_json::to_string(&definition).unwrap();
    /// assert_eq!(Catalog::from_json(&json)?.product(), "p");
    /// # Ok::<(), licman_core::CatalogError>(())
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<CatalogDefinition, CatalogError> {
        if text.len() > MAX_CATALOG_TEXT_LEN {
            return Err(CatalogError::TooLarge {
                len: text.len(),
                max: MAX_CATALOG_TEXT_LEN,
            });
        }
        toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| crate::json::line_column(text, span.start));
            CatalogError::Syntax {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::QuotaLimit;

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
        // u64::MAX is not a limit a license can carry ("unlimited" is).
        assert_eq!(
            with("[tiers.t]\ndisplay_name = \"T\"\nquotas = { q = 18446744073709551615 }")
                .unwrap_err(),
            CatalogError::QuotaLimitTooLarge {
                tier: "t".into(),
                quota: "q".into()
            }
        );
        assert!(
            with("[tiers.t]\ndisplay_name = \"T\"\nquotas = { q = 18446744073709551614 }").is_ok()
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

//! The validated catalog's modules, quotas and tiers.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ids::{ModuleId, QuotaId};
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;

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
    pub(super) id: ModuleId,
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) aliases: Vec<String>,
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
    pub(super) id: QuotaId,
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) unit: Option<String>,
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
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) inherits: Option<String>,
    pub(super) modules: ModuleSet,
    pub(super) quotas: BTreeMap<QuotaId, QuotaLimit>,
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

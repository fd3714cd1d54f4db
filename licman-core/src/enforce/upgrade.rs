//! What changes between two licenses (upgrade, downgrade, renewal).

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::enforce::entitlements::Entitlements;
use crate::ids::QuotaId;
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;
use crate::time::Timestamp;

/// One quota whose limit differs between two licenses. `None` means the
/// license sets no limit for it (which counts as 0).
///
/// ```
/// use licman_core::{QuotaChange, QuotaId, QuotaLimit};
/// let c = QuotaChange { quota: QuotaId(1), name: "devices".into(), from: Some(QuotaLimit::Limited(10)), to: Some(QuotaLimit::Unlimited) };
/// assert!(c.is_raise());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuotaChange {
    /// The quota id.
    #[serde(skip)]
    pub quota: QuotaId,
    /// The quota name (the id in decimal if the catalog does not define it).
    pub name: String,
    /// The old limit.
    pub from: Option<QuotaLimit>,
    /// The new limit.
    pub to: Option<QuotaLimit>,
}

fn rank(limit: Option<QuotaLimit>) -> (u8, u64) {
    match limit {
        None => (0, 0),
        Some(QuotaLimit::Limited(n)) => (1, n),
        Some(QuotaLimit::Unlimited) => (2, 0),
    }
}

impl QuotaChange {
    /// Whether the new limit is higher (unlimited is highest, no limit
    /// lowest).
    ///
    /// ```
    /// # use licman_core::{QuotaChange, QuotaId, QuotaLimit};
    /// let c = QuotaChange { quota: QuotaId(1), name: "d".into(), from: Some(QuotaLimit::Limited(10)), to: None };
    /// assert!(!c.is_raise());
    /// ```
    pub fn is_raise(&self) -> bool {
        rank(self.to).cmp(&rank(self.from)) == Ordering::Greater
    }
}

/// The difference between two licenses of the same product, for upgrades
/// and renewals: what to unlock, what to lock, which quotas moved.
///
/// ```
/// use licman_core::LicenseChange;
/// # let (starter, _) = licman_core::__doc_entitlements("starter");
/// # let (pro, _) = licman_core::__doc_entitlements("professional");
/// let change = LicenseChange::between(&starter, &pro);
/// assert_eq!(change.tier_from, "starter");
/// assert_eq!(change.tier_to, "professional");
/// assert_eq!(change.modules_added.len(), 10);
/// assert!(change.modules_removed.is_empty());
/// assert_eq!(change.quotas_raised().count(), 3);
/// assert!(change.is_upgrade());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseChange {
    /// The old tier.
    pub tier_from: String,
    /// The new tier.
    pub tier_to: String,
    /// Modules only the new license has (catalog-known ones).
    pub modules_added: ModuleSet,
    /// Modules only the old license has.
    pub modules_removed: ModuleSet,
    /// Quotas whose limit changed, by id.
    pub quotas: Vec<QuotaChange>,
    /// The old expiry (`None`: perpetual).
    pub expires_from: Option<Timestamp>,
    /// The new expiry.
    pub expires_to: Option<Timestamp>,
    /// Names of the modules added, by id.
    added_names: Vec<String>,
    /// Names of the modules removed, by id.
    removed_names: Vec<String>,
}

impl LicenseChange {
    /// The change from `old` to `new` (names from `new`'s catalog).
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (pro, _) = licman_core::__doc_entitlements("professional");
    /// assert!(LicenseChange::between(&pro, &pro).is_empty());
    /// ```
    pub fn between(old: &Entitlements, new: &Entitlements) -> LicenseChange {
        let catalog = new.catalog();
        let modules_added = new.modules().difference(old.modules());
        let modules_removed = old.modules().difference(new.modules());
        let names = |set: &ModuleSet| set.iter().map(|m| catalog.module_name(m)).collect();
        // Every quota either license or the catalog names, in id order (a
        // set of the 256 ids: no sort, which is 3 KB of the WebAssembly
        // module).
        let mut named = [false; 256];
        for quota in old
            .license()
            .claims()
            .quotas
            .keys()
            .chain(new.license().claims().quotas.keys())
            .copied()
            .chain(catalog.quotas().map(|q| q.id()))
        {
            if let Some(slot) = named.get_mut(usize::from(quota.0)) {
                *slot = true;
            }
        }
        let quotas = (0..=u8::MAX)
            .map(QuotaId)
            .filter(|quota| named.get(usize::from(quota.0)) == Some(&true))
            .filter_map(|quota| {
                let (from, to) = (old.license().quota(quota), new.license().quota(quota));
                (from != to).then(|| QuotaChange {
                    quota,
                    name: catalog.quota_name(quota),
                    from,
                    to,
                })
            })
            .collect();
        LicenseChange {
            tier_from: old.tier().into(),
            tier_to: new.tier().into(),
            added_names: names(&modules_added),
            removed_names: names(&modules_removed),
            modules_added,
            modules_removed,
            quotas,
            expires_from: old.license().expires_at(),
            expires_to: new.license().expires_at(),
        }
    }

    /// Quotas raised.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// # let (p, _) = licman_core::__doc_entitlements("professional");
    /// assert_eq!(LicenseChange::between(&p, &s).quotas_raised().count(), 0);
    /// ```
    pub fn quotas_raised(&self) -> impl Iterator<Item = &QuotaChange> {
        self.quotas.iter().filter(|q| q.is_raise())
    }

    /// Quotas lowered.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// # let (p, _) = licman_core::__doc_entitlements("professional");
    /// assert_eq!(LicenseChange::between(&p, &s).quotas_lowered().count(), 3);
    /// ```
    pub fn quotas_lowered(&self) -> impl Iterator<Item = &QuotaChange> {
        self.quotas.iter().filter(|q| !q.is_raise())
    }

    /// Whether the new license gives at least as much (no module removed,
    /// no quota lowered) and something more.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// # let (p, _) = licman_core::__doc_entitlements("professional");
    /// assert!(!LicenseChange::between(&p, &s).is_upgrade());
    /// ```
    pub fn is_upgrade(&self) -> bool {
        self.modules_removed.is_empty()
            && self.quotas_lowered().next().is_none()
            && (!self.modules_added.is_empty() || !self.quotas.is_empty())
    }

    /// Whether nothing changed in tier, modules or quotas.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// assert!(LicenseChange::between(&s, &s).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tier_from == self.tier_to
            && self.modules_added.is_empty()
            && self.modules_removed.is_empty()
            && self.quotas.is_empty()
    }

    /// Names of the modules added.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// # let (p, _) = licman_core::__doc_entitlements("professional");
    /// assert!(LicenseChange::between(&s, &p).modules_added_names().contains(&"scheduled_audits".to_string()));
    /// ```
    pub fn modules_added_names(&self) -> &[String] {
        &self.added_names
    }

    /// Names of the modules removed.
    ///
    /// ```
    /// # use licman_core::LicenseChange;
    /// # let (s, _) = licman_core::__doc_entitlements("starter");
    /// # let (p, _) = licman_core::__doc_entitlements("professional");
    /// assert_eq!(LicenseChange::between(&p, &s).modules_removed_names().len(), 10);
    /// ```
    pub fn modules_removed_names(&self) -> &[String] {
        &self.removed_names
    }
}

impl Serialize for LicenseChange {
    /// `{"tier_from", "tier_to", "modules_added": [names], "modules_removed":
    /// [names], "quotas_raised": [...], "quotas_lowered": [...],
    /// "expires_from", "expires_to"}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LicenseChange", 8)?;
        s.serialize_field("tier_from", &self.tier_from)?;
        s.serialize_field("tier_to", &self.tier_to)?;
        s.serialize_field("modules_added", &self.added_names)?;
        s.serialize_field("modules_removed", &self.removed_names)?;
        s.serialize_field("quotas_raised", &self.quotas_raised().collect::<Vec<_>>())?;
        s.serialize_field("quotas_lowered", &self.quotas_lowered().collect::<Vec<_>>())?;
        s.serialize_field("expires_from", &self.expires_from)?;
        s.serialize_field("expires_to", &self.expires_to)?;
        s.end()
    }
}

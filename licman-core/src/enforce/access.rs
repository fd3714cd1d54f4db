//! User groups and the modules they grant: a user's modules are the
//! licensed modules ∩ the union of their groups' modules; a superuser has
//! every licensed module, never more.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::catalog::{Catalog, NameKind, UnknownName};
use crate::enforce::denial::Denial;
use crate::enforce::entitlements::Entitlements;
use crate::ids::ModuleId;
use crate::module_set::ModuleSet;
use crate::name_index::NameIndex;

/// A group's index in its [`GroupAccess`]: resolve names once, then check
/// with ids.
///
/// ```
/// # let (e, _) = licman_core::__doc_entitlements("professional");
/// let mut access = licman_core::GroupAccess::new(&e);
/// let ops = access.set_group_named("ops", &["devices"])?;
/// assert_eq!(access.group_id("ops"), Some(ops));
/// # Ok::<(), licman_core::GroupError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// Why a group could not be set.
///
/// ```
/// use licman_core::GroupError;
/// # let (e, _) = licman_core::__doc_entitlements("starter");
/// let mut access = licman_core::GroupAccess::new(&e);
/// let err = access.set_group_named("ops", &["devices", "scheduled_audits"]).unwrap_err();
/// assert_eq!(err, GroupError::ModuleNotLicensed { module: "scheduled_audits".into(), tier: "starter".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// The module is not in the license's tier: a group cannot grant it.
    ModuleNotLicensed {
        /// The module name.
        module: String,
        /// The license's tier.
        tier: String,
    },
    /// The module name is not in the catalog.
    Unknown(UnknownName),
    /// The group name is empty.
    EmptyGroupName,
    /// More than `u32::MAX` groups.
    TooManyGroups,
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::ModuleNotLicensed { module, tier } => {
                write!(
                    f,
                    "module '{module}' is not licensed in the {tier} tier, so no group can grant it"
                )
            }
            GroupError::Unknown(u) => u.fmt(f),
            GroupError::EmptyGroupName => f.write_str("the group name is empty"),
            GroupError::TooManyGroups => f.write_str("too many groups"),
        }
    }
}

impl core::error::Error for GroupError {}

/// The groups of one product installation and the modules each grants,
/// bound to the license in force: setting a group's modules, and the
/// modules a user gets from their groups.
///
/// Setting a group refuses any module the license does not include. When
/// the license changes (an upgrade), build a new `GroupAccess` from the new
/// [`Entitlements`] and set the groups again.
///
/// ```
/// use licman_core::*;
/// # let (pro, catalog) = licman_core::__doc_entitlements("professional");
/// let mut access = GroupAccess::new(&pro);
/// let ops = access.set_group_named("ops", &["devices", "manual_audits"])?;
/// let modules = access.user_modules(&[ops], false);
/// assert_eq!(access.names(&modules), ["devices", "manual_audits"]);
/// assert_eq!(access.user_modules(&[], true), *pro.modules(), "superuser: all licensed");
/// # Ok::<(), licman_core::GroupError>(())
/// ```
#[derive(Clone, Debug)]
pub struct GroupAccess {
    catalog: Catalog,
    licensed: ModuleSet,
    tier: String,
    /// Group names → ids, in creation order (a group's id is its position).
    names: NameIndex<GroupId>,
    /// The modules each group grants, by id: contiguous, so a user's
    /// modules are a run of 32-byte ORs.
    grants: Vec<ModuleSet>,
    /// When every licensed module id is below 64 (most products), the first
    /// word of each grant, which is all of it: a user's modules are then a
    /// run of 8-byte ORs.
    narrow_grants: Option<Vec<u64>>,
}

impl GroupAccess {
    /// No groups yet, for this license.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(licman_core::GroupAccess::new(&e).is_empty());
    /// ```
    pub fn new(license: &Entitlements) -> Self {
        GroupAccess {
            catalog: license.catalog().clone(),
            licensed: *license.modules(),
            tier: license.tier().to_string(),
            names: NameIndex::new(),
            grants: Vec::new(),
            narrow_grants: match license.modules().to_words() {
                [_, 0, 0, 0] => Some(Vec::new()),
                _ => None,
            },
        }
    }

    /// Sets the modules a group grants (replacing what it granted before).
    /// Refuses, changing nothing, if any module is not licensed.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, catalog) = licman_core::__doc_entitlements("starter");
    /// let mut access = GroupAccess::new(&e);
    /// let devices = catalog.module_id("devices").unwrap();
    /// let g = access.set_group("field", [devices])?;
    /// assert_eq!(access.group_modules(g), Some(&[devices].into_iter().collect()));
    /// # Ok::<(), GroupError>(())
    /// ```
    pub fn set_group(
        &mut self,
        group: &str,
        modules: impl IntoIterator<Item = ModuleId>,
    ) -> Result<GroupId, GroupError> {
        if group.is_empty() {
            return Err(GroupError::EmptyGroupName);
        }
        let modules: ModuleSet = modules.into_iter().collect();
        if let Some(module) = modules.difference(&self.licensed).iter().next() {
            return Err(GroupError::ModuleNotLicensed {
                module: self.catalog.module_name(module),
                tier: self.tier.clone(),
            });
        }
        if let Some(id) = self.names.get(group) {
            if let Some(slot) = usize::try_from(id.0)
                .ok()
                .and_then(|i| self.grants.get_mut(i))
            {
                *slot = modules;
            }
            if let Some(slot) = self
                .narrow_grants
                .as_mut()
                .and_then(|narrow| narrow.get_mut(id.0 as usize))
            {
                *slot = modules.to_words()[0];
            }
            return Ok(id);
        }
        let id = GroupId(u32::try_from(self.grants.len()).map_err(|_| GroupError::TooManyGroups)?);
        if !self.names.insert(group, id) {
            return Err(GroupError::TooManyGroups);
        }
        self.grants.push(modules);
        if let Some(narrow) = self.narrow_grants.as_mut() {
            narrow.push(modules.to_words()[0]);
        }
        Ok(id)
    }

    /// [`set_group`](Self::set_group) with module names or aliases.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let mut access = GroupAccess::new(&e);
    /// assert!(matches!(access.set_group_named("g", &["warp_drive"]), Err(GroupError::Unknown(_))));
    /// ```
    pub fn set_group_named(
        &mut self,
        group: &str,
        modules: &[&str],
    ) -> Result<GroupId, GroupError> {
        let ids = modules
            .iter()
            .map(|name| self.catalog.require_module(name))
            .collect::<Result<Vec<_>, _>>()
            .map_err(GroupError::Unknown)?;
        self.set_group(group, ids)
    }

    /// The id of a group.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(licman_core::GroupAccess::new(&e).group_id("nobody"), None);
    /// ```
    pub fn group_id(&self, group: &str) -> Option<GroupId> {
        self.names.get(group)
    }

    /// The modules a group grants.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(licman_core::GroupAccess::new(&e).group_modules(licman_core::GroupId(0)), None);
    /// ```
    pub fn group_modules(&self, group: GroupId) -> Option<&ModuleSet> {
        usize::try_from(group.0)
            .ok()
            .and_then(|i| self.grants.get(i))
    }

    /// The name of a group.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let mut access = licman_core::GroupAccess::new(&e);
    /// let g = access.set_group_named("ops", &["devices"])?;
    /// assert_eq!(access.group_name(g), Some("ops"));
    /// # Ok::<(), licman_core::GroupError>(())
    /// ```
    pub fn group_name(&self, group: GroupId) -> Option<&str> {
        usize::try_from(group.0)
            .ok()
            .and_then(|i| self.names.entry(i))
            .map(|(name, _)| name)
    }

    /// Every group: id, name and the modules it grants, in creation order.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let mut access = licman_core::GroupAccess::new(&e);
    /// access.set_group_named("ops", &["devices"])?;
    /// assert_eq!(access.groups().map(|(_, name, _)| name).collect::<Vec<_>>(), ["ops"]);
    /// # Ok::<(), licman_core::GroupError>(())
    /// ```
    pub fn groups(&self) -> impl Iterator<Item = (GroupId, &str, &ModuleSet)> {
        self.names
            .iter()
            .zip(self.grants.iter())
            .map(|((name, id), modules)| (id, name, modules))
    }

    /// Number of groups.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(licman_core::GroupAccess::new(&e).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.grants.len()
    }

    /// Whether there are no groups.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(licman_core::GroupAccess::new(&e).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// A user's modules: licensed ∩ the union of their groups' modules; a
    /// superuser gets every licensed module. Unknown group ids grant
    /// nothing. No allocation: a few word operations per group.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, _) = licman_core::__doc_entitlements("professional");
    /// let mut access = GroupAccess::new(&e);
    /// let a = access.set_group_named("a", &["devices"])?;
    /// let b = access.set_group_named("b", &["drift_detection"])?;
    /// assert_eq!(access.user_modules(&[a, b], false).len(), 2);
    /// assert_eq!(access.user_modules(&[GroupId(99)], false).len(), 0);
    /// # Ok::<(), GroupError>(())
    /// ```
    #[inline]
    pub fn user_modules(&self, groups: &[GroupId], superuser: bool) -> ModuleSet {
        if superuser {
            return self.licensed;
        }
        if let Some(narrow) = &self.narrow_grants {
            // Every grant is a subset of the licensed modules, all below 64.
            let mut granted = 0u64;
            for group in groups {
                granted |= narrow.get(group.0 as usize).copied().unwrap_or(0);
            }
            return ModuleSet::from_words([granted & self.licensed.to_words()[0], 0, 0, 0]);
        }
        let mut granted = ModuleSet::new();
        for group in groups {
            if let Some(modules) = self.grants.get(group.0 as usize) {
                granted = granted.union(modules);
            }
        }
        granted.intersection(&self.licensed)
    }

    /// [`user_modules`](Self::user_modules) by group names; an unknown
    /// group name is an error.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, _) = licman_core::__doc_entitlements("professional");
    /// let mut access = GroupAccess::new(&e);
    /// access.set_group_named("ops", &["devices"])?;
    /// assert_eq!(access.user_modules_named(&["ops"], false).unwrap().len(), 1);
    /// assert!(access.user_modules_named(&["sales"], false).is_err());
    /// # Ok::<(), GroupError>(())
    /// ```
    pub fn user_modules_named(
        &self,
        groups: &[&str],
        superuser: bool,
    ) -> Result<ModuleSet, UnknownName> {
        let mut granted = ModuleSet::new();
        for group in groups {
            let id = self.group_id(group).ok_or_else(|| UnknownName {
                kind: NameKind::Group,
                name: (*group).to_string(),
            })?;
            if let Some(modules) = self.group_modules(id) {
                granted = granted.union(modules);
            }
        }
        Ok(if superuser {
            self.licensed
        } else {
            granted.intersection(&self.licensed)
        })
    }

    /// Whether a user may use a module, telling "not in your tier" (403,
    /// `upgrade_license`) from "your groups don't grant it" (403,
    /// `contact_admin`).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, catalog) = licman_core::__doc_entitlements("starter");
    /// let mut access = GroupAccess::new(&e);
    /// let ops = access.set_group_named("ops", &["devices"])?;
    /// let id = |n| catalog.module_id(n).unwrap();
    /// assert!(access.check_module_access(id("devices"), &[ops], false).is_ok());
    /// assert_eq!(access.check_module_access(id("basic_rules"), &[ops], false).unwrap_err().code(), "access_denied");
    /// assert_eq!(access.check_module_access(id("analytics"), &[ops], true).unwrap_err().code(), "module_not_licensed");
    /// # Ok::<(), GroupError>(())
    /// ```
    pub fn check_module_access(
        &self,
        module: ModuleId,
        groups: &[GroupId],
        superuser: bool,
    ) -> Result<(), Denial> {
        if !self.licensed.contains(module) {
            return Err(Denial::module_not_licensed(
                &self.catalog,
                module,
                &self.tier,
            ));
        }
        if self.user_modules(groups, superuser).contains(module) {
            Ok(())
        } else {
            Err(Denial::AccessDenied {
                module: self.catalog.module_name(module),
            })
        }
    }

    /// Module names of a set, by id (for display or a frontend's menu).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let access = GroupAccess::new(&e);
    /// assert_eq!(access.names(e.modules()).len(), 4);
    /// ```
    pub fn names(&self, modules: &ModuleSet) -> Vec<&str> {
        modules
            .iter()
            .filter_map(|id| self.catalog.module(id).map(|m| m.name()))
            .collect()
    }
}

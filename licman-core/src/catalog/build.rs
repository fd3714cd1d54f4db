//! Validation of a definition into the catalog's tables.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::ids::{ModuleId, QuotaId};
use crate::module_set::ModuleSet;
use crate::name_index::NameIndex;
use crate::quota::QuotaLimit;
use crate::routes::{RouteOptions, RouteTable, RouteTarget};

pub(super) fn build_modules(
    d: &CatalogDefinition,
) -> Result<Table<ModuleInfo, ModuleId>, CatalogError> {
    let mut modules = Vec::with_capacity(d.modules.len());
    let mut index = [None; 256];
    let mut names: NameIndex<ModuleId> = NameIndex::new();
    let mut holder = [None; 256];
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
    let sorted = in_id_order(&d.modules, |m| m.id);
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

/// `items` in the order of their ids, which `check_item` found unique:
/// placed in the 256 slots of the ids, no sort (a sort is 3 KB of the
/// WebAssembly module).
fn in_id_order<T>(items: &[T], id: fn(&T) -> u8) -> Vec<&T> {
    let mut slots: [Option<&T>; 256] = [None; 256];
    for item in items {
        if let Some(slot) = slots.get_mut(usize::from(id(item))) {
            *slot = Some(item);
        }
    }
    slots.into_iter().flatten().collect()
}

fn check_item<'a>(
    kind: NameKind,
    id: u8,
    name: &'a str,
    display_name: &str,
    reserved: &[u8],
    holder: &mut [Option<&'a str>; 256],
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
    // Each id's first holder, in the id's slot of 256.
    match holder.get_mut(usize::from(id)) {
        Some(Some(first)) => Err(CatalogError::DuplicateId {
            kind,
            id,
            first: first.to_string(),
            second: name.to_string(),
        }),
        Some(slot) => {
            *slot = Some(name);
            Ok(())
        }
        None => Ok(()),
    }
}

pub(super) fn build_quotas(
    d: &CatalogDefinition,
) -> Result<Table<QuotaInfo, QuotaId>, CatalogError> {
    let mut holder = [None; 256];
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
    let sorted = in_id_order(&d.quotas, |q| q.id);
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

pub(super) fn build_tiers(
    d: &CatalogDefinition,
    module_names: &NameIndex<ModuleId>,
    quota_names: &NameIndex<QuotaId>,
    all_modules: ModuleSet,
) -> Result<Vec<Tier>, CatalogError> {
    // Own modules and quotas of each tier, names resolved, in the order of
    // `d.tiers` (its names are sorted, so a name's index is found by binary
    // search: no second map type in the WebAssembly module).
    let names: Vec<&str> = d.tiers.keys().map(String::as_str).collect();
    let mut own: Vec<(ModuleSet, BTreeMap<QuotaId, QuotaLimit>)> = Vec::with_capacity(names.len());
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
            if value.0 == QuotaLimit::Limited(u64::MAX) {
                return Err(CatalogError::QuotaLimitTooLarge {
                    tier: name.clone(),
                    quota: quota.clone(),
                });
            }
            quotas.insert(id, value.0);
        }
        own.push((modules, quotas));
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
            if let Some((m, q)) = names.binary_search(ancestor).ok().and_then(|i| own.get(i)) {
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

pub(super) fn build_routes(
    data: &CatalogData,
    options: RouteOptions,
) -> Result<RouteTable, CatalogError> {
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
    Ok(RouteTable::with_options(entries, options)?)
}

//! The storage clean-up plan: which stored items to delete to get back
//! under a storage quota: the oldest first, never an owner's newest item,
//! stopping as soon as the total fits (automatic backup clean-up).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::quota::QuotaLimit;
use crate::time::Timestamp;

/// One stored item (a configuration backup, say).
///
/// ```
/// use licman_core::{StoredItem, Timestamp};
/// let item = StoredItem { owner: "router-1", size_bytes: 1_000, created_at: Timestamp::from_unix_seconds(5) };
/// assert_eq!(item.owner, "router-1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredItem<'a> {
    /// Whose item it is (a device); at least one item per owner is kept.
    pub owner: &'a str,
    /// Size in bytes.
    pub size_bytes: u64,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// What [`plan_storage_cleanup`] proposes.
///
/// ```
/// # use licman_core::*;
/// let plan = plan_storage_cleanup(&[], QuotaLimit::Limited(10));
/// assert!(plan.delete.is_empty() && !plan.still_exceeded);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanupPlan {
    /// Indices (into the input) of the items to delete, oldest first.
    pub delete: Vec<usize>,
    /// Total size before, in bytes.
    pub bytes_before: u128,
    /// Total size after deleting, in bytes.
    pub bytes_after: u128,
    /// Whether the total is still over the limit after deleting everything
    /// that may be deleted (the host should warn).
    pub still_exceeded: bool,
}

impl CleanupPlan {
    /// Bytes the plan frees.
    ///
    /// ```
    /// # use licman_core::*;
    /// assert_eq!(plan_storage_cleanup(&[], QuotaLimit::Unlimited).freed_bytes(), 0);
    /// ```
    pub fn freed_bytes(&self) -> u128 {
        self.bytes_before - self.bytes_after
    }
}

/// Which items to delete so the total fits `limit` (in bytes): oldest first,
/// always keeping each owner's newest item, stopping as soon as the total
/// fits. A pure function: the host deletes and persists.
///
/// Ties in age are broken by input order. The total is computed in `u128`,
/// so no input overflows.
///
/// ```
/// use licman_core::*;
/// let t = Timestamp::from_unix_seconds;
/// let items = [
///     StoredItem { owner: "r1", size_bytes: 4, created_at: t(1) },
///     StoredItem { owner: "r1", size_bytes: 4, created_at: t(2) },
///     StoredItem { owner: "r2", size_bytes: 4, created_at: t(3) },
/// ];
/// let plan = plan_storage_cleanup(&items, QuotaLimit::Limited(8));
/// assert_eq!(plan.delete, [0]);
/// assert!(!plan.still_exceeded);
/// let plan = plan_storage_cleanup(&items, QuotaLimit::Limited(5));
/// assert_eq!(plan.delete, [0], "each owner keeps its newest item");
/// assert!(plan.still_exceeded);
/// ```
pub fn plan_storage_cleanup(items: &[StoredItem<'_>], limit: QuotaLimit) -> CleanupPlan {
    let bytes_before: u128 = items.iter().map(|i| u128::from(i.size_bytes)).sum();
    let max = match limit {
        QuotaLimit::Unlimited => {
            return CleanupPlan {
                delete: Vec::new(),
                bytes_before,
                bytes_after: bytes_before,
                still_exceeded: false,
            };
        }
        QuotaLimit::Limited(max) => u128::from(max),
    };
    // Oldest first; stable, so equal times keep input order.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items.get(i).map(|item| item.created_at));
    // The newest item of each owner is kept: the last one in `order`.
    let mut newest: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in &order {
        if let Some(item) = items.get(i) {
            newest.insert(item.owner, i);
        }
    }
    let mut kept = alloc::vec![false; items.len()];
    for &i in newest.values() {
        if let Some(k) = kept.get_mut(i) {
            *k = true;
        }
    }
    let mut total = bytes_before;
    let mut delete = Vec::new();
    for &i in &order {
        if total <= max {
            break;
        }
        let Some(item) = items.get(i) else { continue };
        if kept.get(i).copied().unwrap_or(true) {
            continue;
        }
        total -= u128::from(item.size_bytes);
        delete.push(i);
    }
    CleanupPlan {
        delete,
        bytes_before,
        bytes_after: total,
        still_exceeded: total > max,
    }
}

//! A read-mostly string index for the hot look-ups (module and quota names,
//! route prefixes): open addressing over a power-of-two table, a hash of the
//! first and last eight bytes and the length, and a stored key that settles
//! equality without touching the heap for names up to 16 bytes.
//!
//! Lookups never allocate and cost a few dozen instructions. The table is
//! built from the vendor's catalog, not from requests, so a request can make
//! a lookup miss but cannot lengthen a probe chain.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// The first and last eight bytes of `s` (or, for shorter strings, bytes
/// that together cover all of it), packed into two words.
#[inline(always)]
fn key(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    if n >= 8 {
        let mut first = [0u8; 8];
        let mut last = [0u8; 8];
        first.copy_from_slice(s.get(..8).unwrap_or_default());
        last.copy_from_slice(s.get(n - 8..).unwrap_or_default());
        (u64::from_le_bytes(first), u64::from_le_bytes(last))
    } else if n >= 4 {
        let mut first = [0u8; 4];
        let mut last = [0u8; 4];
        first.copy_from_slice(s.get(..4).unwrap_or_default());
        last.copy_from_slice(s.get(n - 4..).unwrap_or_default());
        (
            u64::from(u32::from_le_bytes(first)),
            u64::from(u32::from_le_bytes(last)),
        )
    } else {
        let at = |i: usize| u64::from(s.get(i).copied().unwrap_or(0));
        (at(0) | at(n / 2) << 8 | at(n.saturating_sub(1)) << 16, 0)
    }
}

#[inline(always)]
fn hash(a: u64, b: u64, n: usize) -> u64 {
    let h = (a ^ 0x2d35_8dcc_aa6c_78a5).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (b.rotate_left(29) ^ n as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    h ^ (h >> 29)
}

/// Names of at most this many bytes are settled by `(len, a, b)` alone.
const SHORT: usize = 16;
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Slot<V> {
    /// Length of the name, or `EMPTY`.
    len: u32,
    /// Position of the entry in `entries`.
    entry: u32,
    a: u64,
    b: u64,
    /// The value, here as well as in `entries` so a hit on a short name
    /// reads one slot and nothing else.
    value: Option<V>,
}

impl<V> Slot<V> {
    const VACANT: Slot<V> = Slot {
        len: EMPTY,
        entry: EMPTY,
        a: 0,
        b: 0,
        value: None,
    };
}

/// A set of slots of one [`NameIndex`]: which names map to a value that
/// passes some test (a license's modules among the catalog's names).
#[derive(Clone, Debug, Default)]
pub(crate) struct SlotSet(Box<[u64]>);

/// A string → `V` index (see the module documentation).
#[derive(Clone, Debug)]
pub(crate) struct NameIndex<V> {
    slots: Box<[Slot<V>]>,
    entries: Vec<(Box<str>, V)>,
}

impl<V: Copy> Default for NameIndex<V> {
    fn default() -> Self {
        NameIndex::new()
    }
}

impl<V: Copy> NameIndex<V> {
    pub(crate) fn new() -> Self {
        NameIndex {
            slots: vec![Slot::VACANT; 16].into_boxed_slice(),
            entries: Vec::new(),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value for `name`: one hash, usually one slot.
    #[inline(always)]
    pub(crate) fn get(&self, name: &str) -> Option<V> {
        self.get_bytes(name.as_bytes())
    }

    /// [`get`](Self::get) for a name given as bytes (a prefix of a request
    /// path, cut at a `/`, needs no UTF-8 boundary check).
    #[inline(always)]
    pub(crate) fn get_bytes(&self, bytes: &[u8]) -> Option<V> {
        let i = self.position(bytes)?;
        self.slots.get(i).and_then(|slot| slot.value)
    }

    /// Whether `name` is in the index (`None` if not) and, if it is,
    /// whether its slot is in `set` (made by [`slot_set`](Self::slot_set)
    /// from this same index). The answer's address depends on the slot's
    /// position alone, so it is read while the key compare is still going.
    #[inline(always)]
    pub(crate) fn contains_in(&self, bytes: &[u8], set: &SlotSet) -> Option<bool> {
        let i = self.position(bytes)?;
        Some(
            set.0
                .get(i / 64)
                .is_some_and(|word| word >> (i % 64) & 1 != 0),
        )
    }

    /// The slots whose value passes `member`: a per-use answer to
    /// [`contains_in`](Self::contains_in) look-ups.
    pub(crate) fn slot_set(&self, mut member: impl FnMut(V) -> bool) -> SlotSet {
        let mut words = vec![0u64; self.slots.len().div_ceil(64)];
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.value.is_some_and(&mut member) {
                if let Some(word) = words.get_mut(i / 64) {
                    *word |= 1 << (i % 64);
                }
            }
        }
        SlotSet(words.into_boxed_slice())
    }

    /// The slot that holds `bytes`: one hash, usually one slot.
    #[inline(always)]
    fn position(&self, bytes: &[u8]) -> Option<usize> {
        let n = bytes.len();
        if n >= EMPTY as usize {
            // Longer than any name inserted (and than the vacant marker).
            return None;
        }
        let (a, b) = key(bytes);
        let mask = self.slots.len().wrapping_sub(1);
        #[allow(clippy::cast_possible_truncation)] // masked to the table size
        let mut i = hash(a, b, n) as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.len as usize == n && slot.a == a && slot.b == b {
                if n <= SHORT || self.long_match(slot.entry, bytes) {
                    return Some(i);
                }
            } else if slot.len == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The value of entry `entry` if its name is `name` (for names whose
    /// key cannot settle equality).
    #[cold]
    #[inline(never)]
    fn long_match(&self, entry: u32, name: &[u8]) -> bool {
        self.entries
            .get(entry as usize)
            .is_some_and(|(full, _)| full.as_bytes() == name)
    }

    /// Adds `name`; returns `false` (changing nothing) if it is already
    /// there or the index is full (2³¹ entries).
    pub(crate) fn insert(&mut self, name: &str, value: V) -> bool {
        let (Ok(len), Ok(entry)) = (u32::try_from(name.len()), u32::try_from(self.entries.len()))
        else {
            return false;
        };
        if len == EMPTY || entry >= EMPTY / 2 || self.get(name).is_some() {
            return false;
        }
        if (self.entries.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let (a, b) = key(name.as_bytes());
        self.entries.push((name.into(), value));
        self.place(Slot {
            len,
            entry,
            a,
            b,
            value: Some(value),
        });
        true
    }

    fn place(&mut self, slot: Slot<V>) {
        let mask = self.slots.len() - 1;
        #[allow(clippy::cast_possible_truncation)] // masked to the table size
        let mut i = hash(slot.a, slot.b, slot.len as usize) as usize & mask;
        while let Some(target) = self.slots.get_mut(i) {
            if target.len == EMPTY {
                *target = slot;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = core::mem::replace(&mut self.slots, vec![Slot::VACANT; size].into_boxed_slice());
        for slot in old.iter().filter(|s| s.len != EMPTY) {
            self.place(*slot);
        }
    }

    /// The `position`th name inserted, and its value.
    pub(crate) fn entry(&self, position: usize) -> Option<(&str, V)> {
        self.entries
            .get(position)
            .map(|(name, value)| (name.as_ref(), *value))
    }

    /// The names and values, in insertion order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, V)> + '_ {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_ref(), *value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::{String, ToString};

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let mut index: NameIndex<u8> = NameIndex::new();
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "devices",
            "scheduled_audits",
            "audit_schedules",
            "device_groups",
            "device_groups_extended_name_over_16",
            "/api/v3/resource-409",
            "/devices",
        ];
        for (i, name) in names.iter().enumerate() {
            assert!(index.insert(name, i as u8), "{name}");
        }
        assert!(!index.insert("devices", 99), "no duplicates");
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), Some(i as u8), "{name}");
        }
        for miss in [
            "abcdef",
            "devices ",
            "Devices",
            "device_groups_extended_name_over_17",
            "b",
            "/devices/7",
        ] {
            assert_eq!(index.get(miss), None, "{miss}");
        }
        let listed: Vec<&str> = index.iter().map(|(n, _)| n).collect();
        assert_eq!(listed, names);
    }

    #[test]
    fn slot_sets_answer_like_the_values_they_were_made_from() {
        let mut index: NameIndex<u32> = NameIndex::new();
        let names: Vec<String> = (0..300u32)
            .map(|i| {
                if i % 3 == 0 {
                    format!("a-name-longer-than-sixteen-bytes-{i}")
                } else {
                    format!("n{i}")
                }
            })
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert!(index.insert(name, i as u32));
        }
        for modulus in [1u32, 2, 7] {
            let set = index.slot_set(|v| v % modulus == 0);
            for (i, name) in names.iter().enumerate() {
                assert_eq!(
                    index.contains_in(name.as_bytes(), &set),
                    Some(i as u32 % modulus == 0),
                    "{name}"
                );
            }
            assert_eq!(index.contains_in(b"n300", &set), None);
            assert_eq!(
                index.contains_in(b"a-name-longer-than-sixteen-bytes-301", &set),
                None
            );
        }
        let empty = SlotSet::default();
        assert_eq!(index.contains_in(b"n1", &empty), Some(false));
    }

    #[test]
    fn grows_past_many_entries() {
        let mut index: NameIndex<u32> = NameIndex::new();
        for i in 0..2000u32 {
            assert!(index.insert(&format!("name-{i}"), i));
        }
        assert_eq!(index.len(), 2000);
        for i in 0..2000u32 {
            assert_eq!(index.get(&format!("name-{i}")), Some(i));
        }
        assert_eq!(index.get(&2000.to_string()), None);
    }
}

//! The state's dense tables: rows in a `Vec`, found by id through one
//! hash index from id to row number. Everything inside the state refers
//! to a pool, user or assignment by its row ([`Row`], four bytes), so
//! following a reference is an index, not a hash of a string, and the
//! indexes the rules consult (a pool's seats, a user's seats) are small
//! enough to stay in cache on a state of 100,000 assignments.

use core::borrow::Borrow;
use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;

use alloc::vec::Vec;

use core::hash::BuildHasher;

use hashbrown::{HashTable, hash_table};

use crate::seats::state::Hasher;

/// A row of a [`Table`] of `V`: its position, which never changes while
/// the row lives.
pub(crate) struct Row<V>(u32, PhantomData<fn() -> V>);

impl<V> Row<V> {
    /// The first row (a placeholder where a row must be written).
    pub(crate) const FIRST: Row<V> = Row(0, PhantomData);

    fn at(self) -> usize {
        self.0 as usize
    }
}

impl<V> Clone for Row<V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V> Copy for Row<V> {}
impl<V> PartialEq for Row<V> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<V> Eq for Row<V> {}
impl<V> PartialOrd for Row<V> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<V> Ord for Row<V> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}
impl<V> Hash for Row<V> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_u32(self.0);
    }
}
impl<V> fmt::Debug for Row<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A row that carries its own id.
pub(crate) trait Keyed<K> {
    fn key(&self) -> &K;
}

/// Rows of `V` found by their id `K`. A removed row leaves a hole (removal
/// is rare: only pools are ever removed), so rows keep their positions.
///
/// The index is a raw hash table of (row number, 32 bits of the id's
/// hash), eight bytes a slot: an index of 400,000 assignments is 4 MiB, not
/// 16, so its probes stay in cache. A probe compares ids only for a slot
/// whose hash tag matches, so looking for a new id reads no row at all, and
/// growing the index rehashes from the slots alone. A caller who looks an
/// id up and then adds it hashes it once ([`Table::hash`]).
pub(crate) struct Table<K, V> {
    hasher: Hasher,
    index: HashTable<Slot>,
    rows: Vec<Option<V>>,
    _ids: PhantomData<fn() -> K>,
}

/// An index entry: a row and its id's hash (32 bits of it).
#[derive(Clone, Copy)]
struct Slot {
    row: u32,
    hash: u32,
}

/// The table's hash of a 32-bit id hash: the bits twice, so that the
/// bucket (low bits) and the tag (top seven) both come from them and a
/// slot can be rehashed without its row.
fn spread(hash: u32) -> u64 {
    (u64::from(hash) << 32) | u64::from(hash)
}

/// The id in row `i`, if it lives.
fn key_at<K, V: Keyed<K>>(rows: &[Option<V>], i: u32) -> Option<&K> {
    rows.get(i as usize)
        .and_then(Option::as_ref)
        .map(Keyed::key)
}

/// A copy with the same room to grow as the original, so that the copy's
/// next row is not a reallocation of every row.
impl<K, V: Clone> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        let mut rows = Vec::with_capacity(self.rows.capacity());
        rows.extend_from_slice(&self.rows);
        Table {
            hasher: self.hasher.clone(),
            index: self.index.clone(),
            rows,
            _ids: PhantomData,
        }
    }
}

/// An id's hash in the table it was computed for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hashed(u32);

impl<K: Hash + Eq, V: Keyed<K> + fmt::Debug> fmt::Debug for Table<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.values()).finish()
    }
}

impl<K: Hash + Eq, V: Keyed<K>> Table<K, V> {
    pub(crate) fn with_hasher(hasher: &Hasher) -> Self {
        Table {
            hasher: hasher.clone(),
            index: HashTable::new(),
            rows: Vec::new(),
            _ids: PhantomData,
        }
    }

    /// Live rows.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    pub(crate) fn reserve(&mut self, more: usize) {
        self.index.reserve(more, |s| spread(s.hash));
        self.rows.reserve(more);
    }

    /// The hash of `id`, for [`Table::row_hashed`] and [`Table::insert_hashed`].
    pub(crate) fn hash<Q>(&self, id: &Q) -> Hashed
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // The high half: foldhash mixes best there.
        Hashed((self.hasher.hash_one(id) >> 32) as u32)
    }

    /// The row of `id`.
    pub(crate) fn row<Q>(&self, id: &Q) -> Option<Row<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.row_hashed(self.hash(id), id)
    }

    /// The row of `id`, whose hash is `hash`.
    pub(crate) fn row_hashed<Q>(&self, hash: Hashed, id: &Q) -> Option<Row<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let rows = &self.rows;
        self.index
            .find(spread(hash.0), |s| {
                s.hash == hash.0 && key_at(rows, s.row).is_some_and(|k| k.borrow() == id)
            })
            .map(|s| Row(s.row, PhantomData))
    }

    pub(crate) fn contains_key<Q>(&self, id: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.row(id).is_some()
    }

    pub(crate) fn get<Q>(&self, id: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.row(id).and_then(|r| self.at(r))
    }

    pub(crate) fn get_mut<Q>(&mut self, id: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let r = self.row(id)?;
        self.at_mut(r)
    }

    /// The value in a row (`None` for a removed one).
    pub(crate) fn at(&self, row: Row<V>) -> Option<&V> {
        self.rows.get(row.at()).and_then(Option::as_ref)
    }

    pub(crate) fn at_mut(&mut self, row: Row<V>) -> Option<&mut V> {
        self.rows.get_mut(row.at()).and_then(Option::as_mut)
    }

    /// Adds a row of a new id; `None` (and nothing changed) if the id is
    /// taken or the table has 2³² rows.
    pub(crate) fn insert_new(&mut self, value: V) -> Option<Row<V>> {
        let hash = self.hash(value.key());
        self.insert_hashed(hash, value)
    }

    /// [`Table::insert_new`] of a row whose id's hash is `hash`.
    pub(crate) fn insert_hashed(&mut self, hash: Hashed, value: V) -> Option<Row<V>> {
        let next = u32::try_from(self.rows.len()).ok()?;
        let rows = &self.rows;
        let id = value.key();
        match self.index.entry(
            spread(hash.0),
            |s| s.hash == hash.0 && key_at(rows, s.row) == Some(id),
            |s| spread(s.hash),
        ) {
            hash_table::Entry::Occupied(_) => None,
            hash_table::Entry::Vacant(slot) => {
                slot.insert(Slot {
                    row: next,
                    hash: hash.0,
                });
                self.rows.push(Some(value));
                Some(Row(next, PhantomData))
            }
        }
    }

    /// Removes a row, leaving its position empty.
    pub(crate) fn remove<Q>(&mut self, id: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(id);
        let rows = &self.rows;
        let (slot, _) = self
            .index
            .find_entry(spread(hash.0), |s| {
                s.hash == hash.0 && key_at(rows, s.row).is_some_and(|k| k.borrow() == id)
            })
            .ok()?
            .remove();
        self.rows.get_mut(slot.row as usize).and_then(Option::take)
    }

    /// Live values, in the order they were added.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.rows.iter().flatten()
    }

    /// Live rows and their values, in the order they were added.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Row<V>, &V)> + '_ {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((Row(i as u32, PhantomData), v.as_ref()?)))
    }

    /// Every id, in the order they were added.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.values().map(Keyed::key)
    }

    /// One past the highest row ever used: the length of a `Vec` indexed
    /// by row.
    pub(crate) fn rows_len(&self) -> usize {
        self.rows.len()
    }
}

impl<V> Row<V> {
    /// The row's position, for a `Vec` indexed by row.
    pub(crate) fn index(self) -> usize {
        self.at()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[derive(Clone, Debug, PartialEq)]
    struct Item(String, u32);

    impl Keyed<String> for Item {
        fn key(&self) -> &String {
            &self.0
        }
    }

    fn item(id: &str, n: u32) -> Item {
        Item(id.into(), n)
    }

    #[test]
    fn rows_keep_their_positions_when_one_is_removed() {
        let mut t: Table<String, Item> = Table::with_hasher(&Hasher::with_seed(1));
        let a = t.insert_new(item("a", 1));
        let b = t.insert_new(item("b", 2));
        assert!(a.is_some() && b.is_some());
        assert_eq!(t.insert_new(item("a", 3)), None, "an id is added once");
        assert_eq!(t.remove("a"), Some(item("a", 1)));
        assert_eq!(t.remove("a"), None);
        assert_eq!(t.len(), 1);
        assert_eq!(t.get("b"), Some(&item("b", 2)));
        assert_eq!(b.and_then(|r| t.at(r)), Some(&item("b", 2)));
        assert_eq!(a.and_then(|r| t.at(r)), None);
        let c = t.insert_new(item("a", 4));
        assert_ne!(c, a, "a removed row's position is not reused");
        let values: Vec<u32> = t.values().map(|v| v.1).collect();
        assert_eq!(values, [2, 4]);
        assert_eq!(t.keys().cloned().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn the_index_finds_every_row_after_growing_and_cloning() {
        let mut t: Table<String, Item> = Table::with_hasher(&Hasher::with_seed(7));
        for i in 0..5_000u32 {
            let id = alloc::format!("id-{i}");
            assert!(t.insert_new(Item(id, i)).is_some());
        }
        for i in (0..5_000u32).step_by(3) {
            assert!(t.remove(alloc::format!("id-{i}").as_str()).is_some());
        }
        let copy = t.clone();
        for table in [&t, &copy] {
            for i in 0..5_000u32 {
                let found = table.get(alloc::format!("id-{i}").as_str()).map(|v| v.1);
                assert_eq!(found, (i % 3 != 0).then_some(i));
            }
        }
    }
}

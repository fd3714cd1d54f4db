//! A set of module ids as a fixed 256-bit bitset.

use core::fmt;

use crate::ids::ModuleId;

/// A set of [`ModuleId`]s: 256 bits, one per possible id. Membership is one
/// bit test; union and intersection are four word operations. It never
/// allocates.
///
/// ```
/// use licman_core::{ModuleId, ModuleSet};
/// let mut set = ModuleSet::new();
/// set.insert(ModuleId(1));
/// set.insert(ModuleId(200));
/// assert!(set.contains(ModuleId(200)));
/// assert!(!set.contains(ModuleId(2)));
/// assert_eq!(set.len(), 2);
/// assert_eq!(set.iter().collect::<Vec<_>>(), [ModuleId(1), ModuleId(200)]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ModuleSet {
    words: [u64; 4],
}

impl ModuleSet {
    /// The most bytes the wire form of a set can take (256 bits).
    pub const MAX_WIRE_LEN: usize = 32;

    /// The empty set.
    ///
    /// ```
    /// # use licman_core::ModuleSet;
    /// assert!(ModuleSet::new().is_empty());
    /// ```
    pub const fn new() -> Self {
        ModuleSet { words: [0; 4] }
    }

    /// The set of every possible id (0–255).
    ///
    /// ```
    /// # use licman_core::ModuleSet;
    /// assert_eq!(ModuleSet::all().len(), 256);
    /// ```
    pub const fn all() -> Self {
        ModuleSet {
            words: [u64::MAX; 4],
        }
    }

    /// Adds `id`; returns whether it was absent.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let mut s = ModuleSet::new();
    /// assert!(s.insert(ModuleId(3)));
    /// assert!(!s.insert(ModuleId(3)));
    /// ```
    pub fn insert(&mut self, id: ModuleId) -> bool {
        let (word, bit) = Self::position(id);
        let had = self.words[word] & bit != 0;
        self.words[word] |= bit;
        !had
    }

    /// Removes `id`; returns whether it was present.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let mut s: ModuleSet = [ModuleId(3)].into_iter().collect();
    /// assert!(s.remove(ModuleId(3)));
    /// assert!(s.is_empty());
    /// ```
    pub fn remove(&mut self, id: ModuleId) -> bool {
        let (word, bit) = Self::position(id);
        let had = self.words[word] & bit != 0;
        self.words[word] &= !bit;
        had
    }

    /// Whether `id` is in the set: one bit test.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let s: ModuleSet = [ModuleId(64)].into_iter().collect();
    /// assert!(s.contains(ModuleId(64)));
    /// assert!(!s.contains(ModuleId(63)));
    /// ```
    #[inline]
    pub const fn contains(&self, id: ModuleId) -> bool {
        let (word, bit) = Self::position(id);
        self.words[word] & bit != 0
    }

    /// Number of ids in the set.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let s: ModuleSet = [ModuleId(0), ModuleId(255)].into_iter().collect();
    /// assert_eq!(s.len(), 2);
    /// ```
    pub const fn len(&self) -> usize {
        (self.words[0].count_ones()
            + self.words[1].count_ones()
            + self.words[2].count_ones()
            + self.words[3].count_ones()) as usize
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// # use licman_core::ModuleSet;
    /// assert!(ModuleSet::default().is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        (self.words[0] | self.words[1] | self.words[2] | self.words[3]) == 0
    }

    /// Ids in either set.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let a: ModuleSet = [ModuleId(1)].into_iter().collect();
    /// let b: ModuleSet = [ModuleId(2)].into_iter().collect();
    /// assert_eq!(a.union(&b).len(), 2);
    /// ```
    #[inline]
    #[must_use]
    pub const fn union(&self, other: &ModuleSet) -> ModuleSet {
        let (a, b) = (&self.words, &other.words);
        ModuleSet {
            words: [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]],
        }
    }

    /// Ids in both sets.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let a: ModuleSet = [ModuleId(1), ModuleId(2)].into_iter().collect();
    /// let b: ModuleSet = [ModuleId(2), ModuleId(3)].into_iter().collect();
    /// assert_eq!(a.intersection(&b).iter().collect::<Vec<_>>(), [ModuleId(2)]);
    /// ```
    #[inline]
    #[must_use]
    pub const fn intersection(&self, other: &ModuleSet) -> ModuleSet {
        let (a, b) = (&self.words, &other.words);
        ModuleSet {
            words: [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]],
        }
    }

    /// Ids in `self` but not in `other`.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let a: ModuleSet = [ModuleId(1), ModuleId(2)].into_iter().collect();
    /// let b: ModuleSet = [ModuleId(2)].into_iter().collect();
    /// assert_eq!(a.difference(&b).iter().collect::<Vec<_>>(), [ModuleId(1)]);
    /// ```
    #[inline]
    #[must_use]
    pub const fn difference(&self, other: &ModuleSet) -> ModuleSet {
        let (a, b) = (&self.words, &other.words);
        ModuleSet {
            words: [a[0] & !b[0], a[1] & !b[1], a[2] & !b[2], a[3] & !b[3]],
        }
    }

    /// Whether every id of `self` is in `other`.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let a: ModuleSet = [ModuleId(1)].into_iter().collect();
    /// let b: ModuleSet = [ModuleId(1), ModuleId(2)].into_iter().collect();
    /// assert!(a.is_subset(&b));
    /// assert!(!b.is_subset(&a));
    /// ```
    pub const fn is_subset(&self, other: &ModuleSet) -> bool {
        self.difference(other).is_empty()
    }

    /// The ids in ascending order.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let s: ModuleSet = [ModuleId(9), ModuleId(4)].into_iter().collect();
    /// assert_eq!(s.iter().map(|m| m.0).collect::<Vec<_>>(), [4, 9]);
    /// ```
    pub fn iter(&self) -> ModuleSetIter {
        ModuleSetIter {
            words: self.words,
            word: 0,
        }
    }

    /// The 64-bit words of the set: bit `i % 64` of word `i / 64` is id `i`.
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// let s: ModuleSet = [ModuleId(65)].into_iter().collect();
    /// assert_eq!(s.to_words(), [0, 2, 0, 0]);
    /// ```
    pub const fn to_words(&self) -> [u64; 4] {
        self.words
    }

    /// The set with these words (see [`ModuleSet::to_words`]).
    ///
    /// ```
    /// # use licman_core::{ModuleId, ModuleSet};
    /// assert!(ModuleSet::from_words([1, 0, 0, 0]).contains(ModuleId(0)));
    /// ```
    pub const fn from_words(words: [u64; 4]) -> Self {
        ModuleSet { words }
    }

    #[cfg(feature = "sign")]
    /// The canonical wire form: little-endian bytes (id `i` is bit `i % 8`
    /// of byte `i / 8`) without trailing zero bytes. Returns the buffer and
    /// the number of bytes used.
    pub(crate) fn to_wire(self) -> ([u8; Self::MAX_WIRE_LEN], usize) {
        let mut out = [0u8; Self::MAX_WIRE_LEN];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let used = out.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        (out, used)
    }

    /// Reads the canonical wire form; `None` if it is longer than 32 bytes or
    /// ends in a zero byte (a second encoding of a shorter set).
    pub(crate) fn from_wire(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > Self::MAX_WIRE_LEN || bytes.last() == Some(&0) {
            return None;
        }
        let mut padded = [0u8; Self::MAX_WIRE_LEN];
        padded.get_mut(..bytes.len())?.copy_from_slice(bytes);
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(padded.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(chunk);
            *word = u64::from_le_bytes(le);
        }
        Some(ModuleSet { words })
    }

    #[inline]
    const fn position(id: ModuleId) -> (usize, u64) {
        ((id.0 >> 6) as usize, 1u64 << (id.0 & 63))
    }
}

impl fmt::Debug for ModuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|m| m.0)).finish()
    }
}

impl serde::Serialize for ModuleSet {
    /// The ids as an ascending array of numbers.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl FromIterator<ModuleId> for ModuleSet {
    fn from_iter<I: IntoIterator<Item = ModuleId>>(iter: I) -> Self {
        let mut set = ModuleSet::new();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

impl Extend<ModuleId> for ModuleSet {
    fn extend<I: IntoIterator<Item = ModuleId>>(&mut self, iter: I) {
        for id in iter {
            self.insert(id);
        }
    }
}

impl IntoIterator for &ModuleSet {
    type Item = ModuleId;
    type IntoIter = ModuleSetIter;
    fn into_iter(self) -> ModuleSetIter {
        self.iter()
    }
}

/// Iterator over the ids of a [`ModuleSet`], ascending.
///
/// ```
/// # use licman_core::{ModuleId, ModuleSet};
/// let s: ModuleSet = [ModuleId(2)].into_iter().collect();
/// let mut it = s.iter();
/// assert_eq!(it.next(), Some(ModuleId(2)));
/// assert_eq!(it.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct ModuleSetIter {
    words: [u64; 4],
    word: usize,
}

impl Iterator for ModuleSetIter {
    type Item = ModuleId;

    fn next(&mut self) -> Option<ModuleId> {
        while let Some(w) = self.words.get_mut(self.word) {
            if *w != 0 {
                let bit = w.trailing_zeros();
                *w &= *w - 1;
                // word < 4 and bit < 64, so the id is < 256.
                return Some(ModuleId((self.word as u32 * 64 + bit) as u8));
            }
            self.word += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn wire_form_is_canonical() {
        let empty = ModuleSet::new();
        let (buf, used) = empty.to_wire();
        assert_eq!(used, 0);
        assert_eq!(ModuleSet::from_wire(&buf[..used]), Some(empty));

        let s: ModuleSet = [ModuleId(0), ModuleId(9), ModuleId(255)]
            .into_iter()
            .collect();
        let (buf, used) = s.to_wire();
        assert_eq!(used, 32);
        assert_eq!(ModuleSet::from_wire(&buf[..used]), Some(s));

        assert_eq!(ModuleSet::from_wire(&[1, 0]), None, "trailing zero byte");
        assert_eq!(ModuleSet::from_wire(&[1; 33]), None, "too long");
    }

    #[test]
    fn iteration_covers_word_boundaries() {
        let ids = [0u8, 63, 64, 127, 128, 191, 192, 255];
        let s: ModuleSet = ids.iter().map(|&i| ModuleId(i)).collect();
        assert_eq!(s.iter().map(|m| m.0).collect::<Vec<_>>(), ids);
        assert_eq!(s.len(), ids.len());
    }
}

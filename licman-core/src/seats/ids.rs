//! The seat engine's identifiers: non-empty strings chosen by the host (the
//! store generates them), shared cheaply between the state, its indexes and
//! the events that mention them.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

/// The longest identifier, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Why a text is not an identifier.
///
/// ```
/// use licman_core::seats::{InvalidId, PoolId};
/// assert_eq!("".parse::<PoolId>(), Err(InvalidId::Empty));
/// assert_eq!("a\nb".parse::<PoolId>(), Err(InvalidId::Control));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidId {
    /// The text is empty.
    Empty,
    /// The text is longer than [`MAX_ID_LEN`] bytes.
    TooLong,
    /// The text holds a control character or leading/trailing whitespace.
    Control,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidId::Empty => "an id may not be empty",
            InvalidId::TooLong => "an id may be at most 128 bytes",
            InvalidId::Control => "an id may not hold control characters or surrounding spaces",
        })
    }
}

impl core::error::Error for InvalidId {}

pub(crate) fn check_id(text: &str) -> Result<(), InvalidId> {
    if text.is_empty() {
        return Err(InvalidId::Empty);
    }
    if text.len() > MAX_ID_LEN {
        return Err(InvalidId::TooLong);
    }
    if text.chars().any(char::is_control) || text.trim() != text {
        return Err(InvalidId::Control);
    }
    Ok(())
}

/// Ids up to this many bytes are kept inline (most are: UUIDs, ULIDs,
/// short names); longer ones are shared on the heap.
const INLINE_LEN: usize = 22;

/// An id's text: inline when short, so hashing and comparing it reads no
/// other memory (an index probe is one cache line, not three), and cloning
/// it copies 24 bytes instead of touching a shared count.
#[derive(Clone)]
enum IdText {
    Inline(u8, [u8; INLINE_LEN]),
    Shared(Arc<str>),
}

impl IdText {
    fn new(text: &str) -> IdText {
        let bytes = text.as_bytes();
        if bytes.len() <= INLINE_LEN {
            let mut inline = [0; INLINE_LEN];
            inline[..bytes.len()].copy_from_slice(bytes);
            // At most 22: the cast is exact.
            IdText::Inline(bytes.len() as u8, inline)
        } else {
            IdText::Shared(Arc::from(text))
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        match self {
            IdText::Inline(len, bytes) => &bytes[..usize::from(*len)],
            IdText::Shared(text) => text.as_bytes(),
        }
    }

    #[inline]
    fn as_str(&self) -> &str {
        match self {
            // Copied from a `str`, so always UTF-8.
            IdText::Inline(len, bytes) => {
                core::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            IdText::Shared(text) => text,
        }
    }
}

impl PartialEq for IdText {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // The bytes past the length are zero in both (`IdText::new`),
            // so the arrays are equal exactly when the texts are: a few
            // word compares, no call.
            (IdText::Inline(a, x), IdText::Inline(b, y)) => a == b && x == y,
            _ => self.as_bytes() == other.as_bytes(),
        }
    }
}

impl Eq for IdText {}

impl PartialOrd for IdText {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdText {
    /// The order of the texts.
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl core::hash::Hash for IdText {
    /// As the text hashes (its bytes, then `0xff`: what `str`'s `Hash`
    /// writes), so that a lookup by `&str` finds the id; a unit test holds
    /// the two equal.
    #[inline]
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes());
        state.write_u8(0xff);
    }
}

macro_rules! seat_ids {
    ($($(#[$doc:meta])* $ty:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(IdText);

        impl $ty {
            /// The identifier, or why `text` is not one.
            pub fn new(text: &str) -> Result<Self, InvalidId> {
                check_id(text)?;
                Ok($ty(IdText::new(text)))
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl core::str::FromStr for $ty {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, InvalidId> {
                $ty::new(text)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::borrow::Borrow<str> for $ty {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $ty::new(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

seat_ids! {
    /// A pool of seats.
    ///
    /// ```
    /// use licman_core::seats::PoolId;
    /// let id: PoolId = "pool-1".parse().unwrap();
    /// assert_eq!(id.as_str(), "pool-1");
    /// ```
    PoolId,
    /// A user known to the engine.
    ///
    /// ```
    /// use licman_core::seats::UserId;
    /// assert_eq!(UserId::new("u-7").unwrap().to_string(), "u-7");
    /// ```
    UserId,
    /// An assignment of a named seat.
    ///
    /// ```
    /// use licman_core::seats::AssignmentId;
    /// assert!(AssignmentId::new(" a").is_err());
    /// ```
    AssignmentId,
    /// A lease of a concurrent seat.
    ///
    /// ```
    /// use licman_core::seats::LeaseId;
    /// assert!(LeaseId::new("lease-1").is_ok());
    /// ```
    LeaseId,
    /// Whoever holds a lease: a user id or a product instance's id (holders
    /// need no registration).
    ///
    /// ```
    /// use licman_core::seats::HolderId;
    /// assert!(HolderId::new("host-17/pid-42").is_ok());
    /// ```
    HolderId,
    /// An incompatibility between two pools.
    ///
    /// ```
    /// use licman_core::seats::IncompatibilityId;
    /// assert!(IncompatibilityId::new("inc-1").is_ok());
    /// ```
    IncompatibilityId,
    /// A reclamation rule.
    ///
    /// ```
    /// use licman_core::seats::RuleId;
    /// assert!(RuleId::new("rule-1").is_ok());
    /// ```
    RuleId,
    /// A link between a pool and an entitlement.
    ///
    /// ```
    /// use licman_core::seats::LinkId;
    /// assert!(LinkId::new("link-1").is_ok());
    /// ```
    LinkId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::BuildHasher;

    #[test]
    fn inline_and_shared_ids_hash_compare_and_order_as_their_texts() {
        let h = foldhash::fast::FixedState::with_seed(7);
        let texts = [
            "a",
            "pool-1",
            "0123456789012345678901",
            "01234567890123456789012",
            "ü-ß-☃-longer-than-twenty-two",
        ];
        for a in texts {
            let id = PoolId::new(a).unwrap();
            assert_eq!(id.as_str(), a);
            assert_eq!(h.hash_one(&id), h.hash_one(a));
            for b in texts {
                let other = PoolId::new(b).unwrap();
                assert_eq!(id == other, a == b);
                assert_eq!(id.cmp(&other), a.cmp(b));
            }
        }
        assert!(matches!(
            PoolId::new("0123456789012345678901").unwrap().0,
            IdText::Inline(22, _)
        ));
        assert!(matches!(
            PoolId::new("01234567890123456789012").unwrap().0,
            IdText::Shared(_)
        ));
        assert_eq!(core::mem::size_of::<PoolId>(), 24);
    }
}

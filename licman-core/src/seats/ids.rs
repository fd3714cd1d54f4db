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

macro_rules! seat_ids {
    ($($(#[$doc:meta])* $ty:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(Arc<str>);

        impl $ty {
            /// The identifier, or why `text` is not one.
            pub fn new(text: &str) -> Result<Self, InvalidId> {
                check_id(text)?;
                Ok($ty(Arc::from(text)))
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                &self.0
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
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl core::borrow::Borrow<str> for $ty {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
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

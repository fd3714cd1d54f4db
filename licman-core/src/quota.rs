//! Quota limits.

use core::fmt;

/// The limit a license sets on one quota: a number, or no limit at all.
///
/// `Unlimited` is a value of its own, not a large number: an Enterprise
/// license's "unlimited devices" never becomes 999 999.
///
/// ```
/// use licman_core::QuotaLimit;
/// assert!(QuotaLimit::Unlimited.allows(u64::MAX));
/// assert!(QuotaLimit::Limited(10).allows(10));
/// assert!(!QuotaLimit::Limited(10).allows(11));
/// assert_eq!(QuotaLimit::Limited(5).to_string(), "5");
/// assert_eq!(QuotaLimit::Unlimited.to_string(), "unlimited");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuotaLimit {
    /// At most this many.
    Limited(u64),
    /// No limit.
    Unlimited,
}

impl QuotaLimit {
    /// Whether a total of `amount` is within the limit.
    ///
    /// ```
    /// # use licman_core::QuotaLimit;
    /// assert!(QuotaLimit::Limited(0).allows(0));
    /// assert!(!QuotaLimit::Limited(0).allows(1));
    /// ```
    #[inline]
    pub const fn allows(self, amount: u64) -> bool {
        match self {
            QuotaLimit::Limited(max) => amount <= max,
            QuotaLimit::Unlimited => true,
        }
    }

    /// The numeric limit, or `None` when unlimited.
    ///
    /// ```
    /// # use licman_core::QuotaLimit;
    /// assert_eq!(QuotaLimit::Limited(3).max(), Some(3));
    /// assert_eq!(QuotaLimit::Unlimited.max(), None);
    /// ```
    pub const fn max(self) -> Option<u64> {
        match self {
            QuotaLimit::Limited(max) => Some(max),
            QuotaLimit::Unlimited => None,
        }
    }
}

impl fmt::Display for QuotaLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaLimit::Limited(max) => write!(f, "{max}"),
            QuotaLimit::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl serde::Serialize for QuotaLimit {
    /// A number, or the string `"unlimited"`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            QuotaLimit::Limited(max) => serializer.serialize_u64(*max),
            QuotaLimit::Unlimited => serializer.serialize_str("unlimited"),
        }
    }
}

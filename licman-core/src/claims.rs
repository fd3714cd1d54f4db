//! The signed payload of a license.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::ids::{Fingerprint, LicenseId, QuotaId};
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;
use crate::time::Timestamp;

/// Most fingerprints one license can bind to.
pub const MAX_FINGERPRINTS: usize = 32;
/// Most entries in a license's free metadata map.
pub const MAX_METADATA_ENTRIES: usize = 32;

/// Everything a license asserts, signed by the vendor.
///
/// Modules and quotas are named by the product catalog's stable numeric ids,
/// which keeps keys short; the catalog maps them to names.
///
/// ```
/// use std::collections::BTreeMap;
/// use licman_core::*;
/// let claims = Claims {
///     license_id: LicenseId::from_random_bytes([7; 16]),
///     product: "netaudit".into(),
///     customer: Customer { id: "acme".into(), name: None, email: Some("it@acme.example".into()) },
///     tier: "professional".into(),
///     modules: [ModuleId(1), ModuleId(2)].into_iter().collect(),
///     quotas: BTreeMap::from([(QuotaId(1), QuotaLimit::Limited(100))]),
///     issued_at: Timestamp::from_date(2026, 1, 1).unwrap(),
///     starts_at: Timestamp::from_date(2026, 1, 1).unwrap(),
///     expires_at: Timestamp::from_date(2027, 1, 1),
///     grace_period: core::time::Duration::from_secs(14 * 86_400),
///     machine_binding: None,
///     metadata: BTreeMap::new(),
/// };
/// assert_eq!(claims.validate(), Ok(()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// Unique id of this license.
    pub license_id: LicenseId,
    /// The product the license is for (the catalog's product id).
    pub product: String,
    /// Who the license was issued to.
    pub customer: Customer,
    /// The tier name in the catalog (`starter`, `professional`, …).
    pub tier: String,
    /// Licensed modules, by catalog id.
    pub modules: ModuleSet,
    /// Quota limits, by catalog id.
    pub quotas: BTreeMap<QuotaId, QuotaLimit>,
    /// When the license was signed.
    pub issued_at: Timestamp,
    /// When the license starts to be valid.
    pub starts_at: Timestamp,
    /// When it stops being valid; `None` is perpetual.
    pub expires_at: Option<Timestamp>,
    /// How long after `expires_at` the license keeps working, flagged as in
    /// grace. Whole seconds.
    pub grace_period: Duration,
    /// Machines the license is bound to, if any.
    pub machine_binding: Option<MachineBinding>,
    /// Free key/value metadata (order-independent, at most 32 entries).
    pub metadata: BTreeMap<String, String>,
}

/// The customer a license is issued to.
///
/// ```
/// use licman_core::Customer;
/// let c = Customer::new("acme-corp");
/// assert_eq!(c.id, "acme-corp");
/// assert!(c.email.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Customer {
    /// The vendor's id for the customer (non-empty).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Contact email.
    pub email: Option<String>,
}

impl Customer {
    /// A customer with just an id.
    ///
    /// ```
    /// # use licman_core::Customer;
    /// assert_eq!(Customer::new("c-1").id, "c-1");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Customer {
            id: id.into(),
            name: None,
            email: None,
        }
    }
}

/// How many of a license's bound fingerprints the host must present.
///
/// ```
/// use licman_core::MatchPolicy;
/// assert!(MatchPolicy::AtLeast(2).is_satisfied(2, 3));
/// assert!(!MatchPolicy::All.is_satisfied(2, 3));
/// assert!(MatchPolicy::Any.is_satisfied(1, 3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchPolicy {
    /// At least one bound fingerprint is present.
    Any,
    /// Every bound fingerprint is present.
    All,
    /// At least this many bound fingerprints are present (1 ≤ n ≤ bound).
    AtLeast(u8),
}

impl MatchPolicy {
    /// How many matches this policy needs when `bound` fingerprints are bound.
    ///
    /// ```
    /// # use licman_core::MatchPolicy;
    /// assert_eq!(MatchPolicy::All.required(4), 4);
    /// assert_eq!(MatchPolicy::Any.required(4), 1);
    /// ```
    pub fn required(self, bound: usize) -> usize {
        match self {
            MatchPolicy::Any => 1,
            MatchPolicy::All => bound,
            MatchPolicy::AtLeast(n) => usize::from(n),
        }
    }

    /// Whether `matched` of `bound` fingerprints satisfy the policy.
    ///
    /// ```
    /// # use licman_core::MatchPolicy;
    /// assert!(!MatchPolicy::Any.is_satisfied(0, 1));
    /// ```
    pub fn is_satisfied(self, matched: usize, bound: usize) -> bool {
        matched >= self.required(bound).max(1)
    }
}

impl fmt::Display for MatchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchPolicy::Any => f.write_str("any"),
            MatchPolicy::All => f.write_str("all"),
            MatchPolicy::AtLeast(n) => write!(f, "at least {n}"),
        }
    }
}

/// The machines a license may run on: SHA-256 fingerprints and how many of
/// them the host must present.
///
/// Fingerprints are kept sorted and unique, so a binding has exactly one
/// encoding.
///
/// ```
/// use licman_core::{Fingerprint, MachineBinding, MatchPolicy};
/// let a = Fingerprint::digest(b"disk-serial-1");
/// let b = Fingerprint::digest(b"mac-00:11:22");
/// let binding = MachineBinding::new([a, b, a], MatchPolicy::AtLeast(2)).unwrap();
/// assert_eq!(binding.fingerprints().len(), 2);
/// assert_eq!(binding.matches(&[b, a]), 2);
/// assert!(binding.is_satisfied_by(&[a, b]));
/// assert!(!binding.is_satisfied_by(&[a]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MachineBinding {
    fingerprints: Vec<Fingerprint>,
    policy: MatchPolicy,
}

impl MachineBinding {
    /// A binding to these fingerprints (duplicates dropped, sorted).
    ///
    /// Refuses an empty list, more than [`MAX_FINGERPRINTS`], or an
    /// `AtLeast(n)` with `n` = 0 or more than the number of fingerprints.
    ///
    /// ```
    /// # use licman_core::{ClaimsError, Fingerprint, MachineBinding, MatchPolicy};
    /// let fp = Fingerprint::digest(b"m");
    /// assert_eq!(
    ///     MachineBinding::new([fp], MatchPolicy::AtLeast(2)),
    ///     Err(ClaimsError::BindingThresholdOutOfRange { at_least: 2, fingerprints: 1 })
    /// );
    /// ```
    pub fn new(
        fingerprints: impl IntoIterator<Item = Fingerprint>,
        policy: MatchPolicy,
    ) -> Result<Self, ClaimsError> {
        let mut fingerprints: Vec<Fingerprint> = fingerprints.into_iter().collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        let binding = MachineBinding {
            fingerprints,
            policy,
        };
        binding.validate()?;
        Ok(binding)
    }

    /// Builds a binding from its wire parts, which must already be sorted and
    /// unique (the canonical encoding).
    pub(crate) fn from_canonical(
        fingerprints: Vec<Fingerprint>,
        policy: MatchPolicy,
    ) -> Result<Self, ClaimsError> {
        if fingerprints
            .windows(2)
            .any(|w| matches!(w, [a, b] if a >= b))
        {
            return Err(ClaimsError::FingerprintsNotSorted);
        }
        let binding = MachineBinding {
            fingerprints,
            policy,
        };
        binding.validate()?;
        Ok(binding)
    }

    fn validate(&self) -> Result<(), ClaimsError> {
        let count = self.fingerprints.len();
        if count == 0 {
            return Err(ClaimsError::EmptyBinding);
        }
        if count > MAX_FINGERPRINTS {
            return Err(ClaimsError::TooManyFingerprints {
                count,
                max: MAX_FINGERPRINTS,
            });
        }
        if let MatchPolicy::AtLeast(n) = self.policy {
            if n == 0 || usize::from(n) > count {
                return Err(ClaimsError::BindingThresholdOutOfRange {
                    at_least: n,
                    fingerprints: count,
                });
            }
        }
        Ok(())
    }

    /// The bound fingerprints, sorted.
    ///
    /// ```
    /// # use licman_core::{Fingerprint, MachineBinding, MatchPolicy};
    /// let b = MachineBinding::new([Fingerprint::digest(b"x")], MatchPolicy::Any).unwrap();
    /// assert_eq!(b.fingerprints(), &[Fingerprint::digest(b"x")]);
    /// ```
    pub fn fingerprints(&self) -> &[Fingerprint] {
        &self.fingerprints
    }

    /// The match policy.
    ///
    /// ```
    /// # use licman_core::{Fingerprint, MachineBinding, MatchPolicy};
    /// let b = MachineBinding::new([Fingerprint::digest(b"x")], MatchPolicy::All).unwrap();
    /// assert_eq!(b.policy(), MatchPolicy::All);
    /// ```
    pub fn policy(&self) -> MatchPolicy {
        self.policy
    }

    /// How many bound fingerprints appear among `presented` (each counted
    /// once, however often it is presented).
    ///
    /// ```
    /// # use licman_core::{Fingerprint, MachineBinding, MatchPolicy};
    /// let fp = Fingerprint::digest(b"x");
    /// let b = MachineBinding::new([fp], MatchPolicy::Any).unwrap();
    /// assert_eq!(b.matches(&[fp, fp]), 1);
    /// ```
    pub fn matches(&self, presented: &[Fingerprint]) -> usize {
        self.fingerprints
            .iter()
            .filter(|fp| presented.contains(fp))
            .count()
    }

    /// Whether the presented fingerprints satisfy the policy.
    ///
    /// ```
    /// # use licman_core::{Fingerprint, MachineBinding, MatchPolicy};
    /// let fp = Fingerprint::digest(b"x");
    /// let b = MachineBinding::new([fp], MatchPolicy::Any).unwrap();
    /// assert!(!b.is_satisfied_by(&[]));
    /// ```
    pub fn is_satisfied_by(&self, presented: &[Fingerprint]) -> bool {
        self.policy
            .is_satisfied(self.matches(presented), self.fingerprints.len())
    }
}

impl serde::Serialize for MatchPolicy {
    /// `"any"`, `"all"` or `{"at_least": n}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            MatchPolicy::Any => serializer.serialize_str("any"),
            MatchPolicy::All => serializer.serialize_str("all"),
            MatchPolicy::AtLeast(n) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("at_least", n)?;
                map.end()
            }
        }
    }
}

impl serde::Serialize for MachineBinding {
    /// `{"policy": …, "fingerprints": ["<hex>", …]}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("MachineBinding", 2)?;
        s.serialize_field("policy", &self.policy)?;
        s.serialize_field("fingerprints", &self.fingerprints)?;
        s.end()
    }
}

impl serde::Serialize for Customer {
    /// `{"id": …, "name": … | null, "email": … | null}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Customer", 3)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("email", &self.email)?;
        s.end()
    }
}

impl serde::Serialize for Claims {
    /// The JSON form used by `licman-keygen inspect --json`, the bindings and
    /// the conformance vectors: ids as text, times as RFC 3339, quotas as a
    /// map from id to a number or `"unlimited"`, the grace period in seconds.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Claims", 12)?;
        s.serialize_field("license_id", &self.license_id)?;
        s.serialize_field("product", &self.product)?;
        s.serialize_field("customer", &self.customer)?;
        s.serialize_field("tier", &self.tier)?;
        s.serialize_field("modules", &self.modules)?;
        s.serialize_field("quotas", &self.quotas)?;
        s.serialize_field("issued_at", &self.issued_at)?;
        s.serialize_field("starts_at", &self.starts_at)?;
        s.serialize_field("expires_at", &self.expires_at)?;
        s.serialize_field("grace_period_seconds", &self.grace_period.as_secs())?;
        s.serialize_field("machine_binding", &self.machine_binding)?;
        s.serialize_field("metadata", &self.metadata)?;
        s.end()
    }
}

/// Why a set of claims is not a valid license.
///
/// ```
/// use licman_core::ClaimsError;
/// assert_eq!(ClaimsError::EmptyProduct.to_string(), "the product id is empty");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The product id is empty.
    EmptyProduct,
    /// The customer id is empty.
    EmptyCustomerId,
    /// The tier is empty.
    EmptyTier,
    /// The license would expire at or before it starts.
    ExpiryNotAfterStart {
        /// When it starts.
        starts_at: Timestamp,
        /// When it would expire.
        expires_at: Timestamp,
    },
    /// A duration has a fraction of a second; the format stores whole seconds.
    FractionalSeconds,
    /// A time is after [`Timestamp::LATEST`] (9999-12-31T23:59:59Z), or
    /// further from `issued_at` than the format can store.
    TimeOutOfRange,
    /// A machine binding without fingerprints.
    EmptyBinding,
    /// More fingerprints than [`MAX_FINGERPRINTS`].
    TooManyFingerprints {
        /// Fingerprints given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// `AtLeast(n)` with `n` = 0 or more than the bound fingerprints.
    BindingThresholdOutOfRange {
        /// The `n` of the policy.
        at_least: u8,
        /// How many fingerprints are bound.
        fingerprints: usize,
    },
    /// Fingerprints are not strictly ascending (not the canonical encoding).
    FingerprintsNotSorted,
    /// A quota limit of `u64::MAX`, which the format cannot store (use
    /// [`QuotaLimit::Unlimited`]).
    QuotaLimitTooLarge {
        /// The quota.
        quota: QuotaId,
    },
    /// Quota ids are not strictly ascending (not the canonical encoding).
    QuotasNotSorted,
    /// A metadata key is empty.
    EmptyMetadataKey,
    /// Metadata keys are not strictly ascending (not the canonical encoding).
    MetadataNotSorted,
    /// More metadata entries than [`MAX_METADATA_ENTRIES`].
    TooManyMetadataEntries {
        /// Entries given.
        count: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::EmptyProduct => f.write_str("the product id is empty"),
            ClaimsError::EmptyCustomerId => f.write_str("the customer id is empty"),
            ClaimsError::EmptyTier => f.write_str("the tier is empty"),
            ClaimsError::ExpiryNotAfterStart {
                starts_at,
                expires_at,
            } => {
                write!(
                    f,
                    "the license expires ({expires_at}) at or before it starts ({starts_at})"
                )
            }
            ClaimsError::FractionalSeconds => f.write_str("durations must be whole seconds"),
            ClaimsError::TimeOutOfRange => f.write_str("a date is out of the representable range"),
            ClaimsError::EmptyBinding => {
                f.write_str("a machine binding needs at least one fingerprint")
            }
            ClaimsError::TooManyFingerprints { count, max } => {
                write!(f, "{count} fingerprints bound, at most {max} allowed")
            }
            ClaimsError::BindingThresholdOutOfRange {
                at_least,
                fingerprints,
            } => write!(
                f,
                "policy 'at least {at_least}' needs between 1 and {fingerprints} (the bound fingerprints)"
            ),
            ClaimsError::FingerprintsNotSorted => {
                f.write_str("fingerprints are not in canonical (ascending, unique) order")
            }
            ClaimsError::QuotaLimitTooLarge { quota } => write!(
                f,
                "quota {quota} has limit u64::MAX, which cannot be stored; use unlimited"
            ),
            ClaimsError::QuotasNotSorted => {
                f.write_str("quota ids are not in canonical (ascending, unique) order")
            }
            ClaimsError::EmptyMetadataKey => f.write_str("a metadata key is empty"),
            ClaimsError::MetadataNotSorted => {
                f.write_str("metadata keys are not in canonical (ascending, unique) order")
            }
            ClaimsError::TooManyMetadataEntries { count, max } => {
                write!(f, "{count} metadata entries, at most {max} allowed")
            }
        }
    }
}

impl core::error::Error for ClaimsError {}

impl Claims {
    /// Checks the rules every license must follow: non-empty product,
    /// customer id and tier; expiry after start; whole-second grace; quota
    /// limits below `u64::MAX`; a
    /// well-formed machine binding; at most 32 metadata entries with
    /// non-empty keys; times the format can store.
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use licman_core::*;
    /// # let t = Timestamp::from_date(2026, 1, 1).unwrap();
    /// let mut claims = Claims {
    ///     license_id: LicenseId::from_bytes([1; 16]),
    ///     product: "netaudit".into(),
    ///     customer: Customer::new("acme"),
    ///     tier: "starter".into(),
    ///     modules: ModuleSet::new(),
    ///     quotas: BTreeMap::new(),
    ///     issued_at: t,
    ///     starts_at: t,
    ///     expires_at: Some(t),
    ///     grace_period: core::time::Duration::ZERO,
    ///     machine_binding: None,
    ///     metadata: BTreeMap::new(),
    /// };
    /// assert_eq!(
    ///     claims.validate(),
    ///     Err(ClaimsError::ExpiryNotAfterStart { starts_at: t, expires_at: t })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ClaimsError> {
        if self.product.is_empty() {
            return Err(ClaimsError::EmptyProduct);
        }
        if self.customer.id.is_empty() {
            return Err(ClaimsError::EmptyCustomerId);
        }
        if self.tier.is_empty() {
            return Err(ClaimsError::EmptyTier);
        }
        if let Some(expires_at) = self.expires_at {
            if expires_at <= self.starts_at {
                return Err(ClaimsError::ExpiryNotAfterStart {
                    starts_at: self.starts_at,
                    expires_at,
                });
            }
        }
        if self.grace_period.subsec_nanos() != 0 {
            return Err(ClaimsError::FractionalSeconds);
        }
        let latest = self
            .expires_at
            .unwrap_or(self.starts_at)
            .max(self.starts_at);
        if self.issued_at.max(latest) > Timestamp::LATEST {
            return Err(ClaimsError::TimeOutOfRange);
        }
        // The wire form stores `starts_at` as a signed offset from `issued_at`.
        let (start, issued) = (self.starts_at.unix_seconds(), self.issued_at.unix_seconds());
        let offset_fits = if start >= issued {
            i64::try_from(start - issued).is_ok()
        } else {
            i64::try_from(issued - start).is_ok()
        };
        if !offset_fits {
            return Err(ClaimsError::TimeOutOfRange);
        }
        if let Some((&quota, _)) = self
            .quotas
            .iter()
            .find(|(_, l)| **l == QuotaLimit::Limited(u64::MAX))
        {
            return Err(ClaimsError::QuotaLimitTooLarge { quota });
        }
        if let Some(binding) = &self.machine_binding {
            binding.validate()?;
        }
        if self.metadata.len() > MAX_METADATA_ENTRIES {
            return Err(ClaimsError::TooManyMetadataEntries {
                count: self.metadata.len(),
                max: MAX_METADATA_ENTRIES,
            });
        }
        if self.metadata.keys().any(String::is_empty) {
            return Err(ClaimsError::EmptyMetadataKey);
        }
        Ok(())
    }

    /// The limit for a quota id, if the license sets one.
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use licman_core::*;
    /// # let t = Timestamp::from_date(2026, 1, 1).unwrap();
    /// # let claims = Claims { license_id: LicenseId::from_bytes([1; 16]), product: "p".into(),
    /// #   customer: Customer::new("c"), tier: "t".into(), modules: ModuleSet::new(),
    /// #   quotas: BTreeMap::from([(QuotaId(2), QuotaLimit::Unlimited)]), issued_at: t, starts_at: t,
    /// #   expires_at: None, grace_period: core::time::Duration::ZERO, machine_binding: None,
    /// #   metadata: BTreeMap::new() };
    /// assert_eq!(claims.quota(QuotaId(2)), Some(QuotaLimit::Unlimited));
    /// assert_eq!(claims.quota(QuotaId(3)), None);
    /// ```
    pub fn quota(&self, id: QuotaId) -> Option<QuotaLimit> {
        self.quotas.get(&id).copied()
    }

    /// When the grace period ends (`expires_at + grace_period`, clamped at
    /// the largest timestamp), or `None` for a perpetual license.
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use licman_core::*;
    /// # let t = Timestamp::from_date(2026, 1, 1).unwrap();
    /// # let claims = Claims { license_id: LicenseId::from_bytes([1; 16]), product: "p".into(),
    /// #   customer: Customer::new("c"), tier: "t".into(), modules: ModuleSet::new(),
    /// #   quotas: BTreeMap::new(), issued_at: t, starts_at: t,
    /// #   expires_at: Timestamp::from_date(2026, 2, 1),
    /// #   grace_period: core::time::Duration::from_secs(86_400), machine_binding: None,
    /// #   metadata: BTreeMap::new() };
    /// assert_eq!(claims.grace_ends_at(), Timestamp::from_date(2026, 2, 2));
    /// ```
    pub fn grace_ends_at(&self) -> Option<Timestamp> {
        self.expires_at.map(|e| e.saturating_add(self.grace_period))
    }
}

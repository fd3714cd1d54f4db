//! A verified license bound to a catalog: the object a product keeps and
//! asks on every request.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::fmt;

use crate::catalog::{Catalog, NameKind, UnknownName};
use crate::enforce::denial::Denial;
use crate::error::Error;
use crate::ids::{ModuleId, QuotaId};
use crate::keys::KeyRing;
use crate::module_set::ModuleSet;
use crate::name_index::SlotSet;
use crate::quota::QuotaLimit;
use crate::time::Timestamp;
use crate::verify::{Status, VerifiedLicense, VerifyOptions};

/// A refusal or an unknown name, from the name-based checks.
///
/// ```
/// use licman_core::CheckError;
/// # let (starter, _) = licman_core::__doc_entitlements("starter");
/// let err = starter.check_quota_named("seats", 0, 1).unwrap_err();
/// assert!(matches!(err, CheckError::Unknown(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// The check refused.
    Denied(Denial),
    /// The name is not in the catalog.
    Unknown(UnknownName),
}

impl From<Denial> for CheckError {
    fn from(d: Denial) -> Self {
        CheckError::Denied(d)
    }
}

impl From<UnknownName> for CheckError {
    fn from(u: UnknownName) -> Self {
        CheckError::Unknown(u)
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Denied(d) => d.fmt(f),
            CheckError::Unknown(u) => u.fmt(f),
        }
    }
}

impl core::error::Error for CheckError {}

/// How many of a batch of candidates fit in a quota, first come first
/// served: a discovery that finds 20 devices with 10 free slots accepts the
/// first 10 and rejects the other 10.
///
/// ```
/// use licman_core::Acceptance;
/// let a = Acceptance { accepted: 2, rejected: 1 };
/// let (yes, no) = a.split(&["r1", "r2", "r3"]);
/// assert_eq!((yes, no), (&["r1", "r2"][..], &["r3"][..]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Acceptance {
    /// Candidates that fit, from the front.
    pub accepted: u64,
    /// Candidates that do not.
    pub rejected: u64,
}

impl Acceptance {
    /// Splits `items` (in arrival order) into the accepted front and the
    /// rejected rest.
    ///
    /// ```
    /// # use licman_core::Acceptance;
    /// let a = Acceptance { accepted: 5, rejected: 0 };
    /// assert_eq!(a.split(&[1, 2]).0, &[1, 2]);
    /// ```
    pub fn split<'a, T>(&self, items: &'a [T]) -> (&'a [T], &'a [T]) {
        let cut = usize::try_from(self.accepted)
            .unwrap_or(usize::MAX)
            .min(items.len());
        items.split_at(cut)
    }
}

/// A verified license bound to a product catalog.
///
/// Built once (at start-up or activation): modules become a bitset of the
/// ids the catalog knows, quotas an array indexed by id. Every check after
/// that is a bit test or a compare, without allocation. Modules and quotas
/// in the license that the catalog does not know are kept and reported
/// ([`unknown_modules`](Self::unknown_modules),
/// [`unknown_quotas`](Self::unknown_quotas)), never an error and never
/// granted. A quota the catalog defines but the license does not set has a
/// limit of 0.
///
/// Cost notes (measured in `benches/`): `has_module` is one bit test;
/// `has_module_named` one hash of the name plus the bit test;
/// `check_quota` one bounds-checked array read and one compare.
///
/// ```
/// use licman_core::*;
/// # let (license, catalog) = licman_core::__doc_verified_with_catalog("starter");
/// let starter = Entitlements::new(license, &catalog)?;
/// assert!(starter.has_module_named("devices")?);
/// assert!(!starter.has_module_named("scheduled_audits")?);
/// assert_eq!(starter.tier_display_name(), "Starter");
/// let devices = catalog.quota_id("devices").unwrap();
/// assert!(starter.check_quota(devices, 9, 1).is_ok());
/// assert!(starter.check_quota(devices, 10, 1).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Entitlements {
    license: VerifiedLicense,
    catalog: Catalog,
    modules: ModuleSet,
    /// The catalog's module names and aliases that name a licensed module,
    /// by slot of the catalog's name index: `has_module_named` in one hash.
    module_names: SlotSet,
    unknown_modules: ModuleSet,
    /// Indexed by quota id: the limit as a `u128` capacity, so a check is one
    /// widening add and one compare with no overflow case. `Limited(n)` is
    /// `n`, `Unlimited` is `u128::MAX` (beyond any sum of two `u64`s), and a
    /// quota the license does not set is 0.
    quota_caps: Box<[u128]>,
    unknown_quotas: Vec<QuotaId>,
}

impl Entitlements {
    /// Binds a verified license to the catalog of its product.
    ///
    /// Refuses a catalog of another product ([`Error::WrongProduct`]).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (license, catalog) = licman_core::__doc_verified_with_catalog("professional");
    /// let e = Entitlements::new(license, &catalog)?;
    /// assert_eq!(e.modules().len(), 14);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn new(license: VerifiedLicense, catalog: &Catalog) -> Result<Entitlements, Error> {
        if license.product() != catalog.product() {
            return Err(Error::WrongProduct {
                expected: catalog.product().to_string(),
                found: license.product().to_string(),
            });
        }
        let known = catalog.known_modules();
        let licensed = *license.modules();
        let mut quota_caps = alloc::vec![0u128; catalog.quota_slots()].into_boxed_slice();
        let mut unknown_quotas = Vec::new();
        for (&id, &limit) in &license.claims().quotas {
            match (catalog.quota(id), quota_caps.get_mut(usize::from(id.0))) {
                (Some(_), Some(slot)) => {
                    *slot = match limit {
                        QuotaLimit::Limited(max) => u128::from(max),
                        QuotaLimit::Unlimited => u128::MAX,
                    }
                }
                _ => unknown_quotas.push(id),
            }
        }
        let modules = licensed.intersection(&known);
        Ok(Entitlements {
            module_names: catalog.module_name_set(&modules),
            modules,
            unknown_modules: licensed.difference(&known),
            quota_caps,
            unknown_quotas,
            catalog: catalog.clone(),
            license,
        })
    }

    /// Parses, verifies and binds in one call. The product checked is the
    /// catalog's; `options` gives the time and the optional defences (its
    /// product is replaced by the catalog's).
    ///
    /// ```
    /// use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let catalog = licman_core::__doc_catalog();
    /// # let text = key.issue(&licman_core::__doc_claims_for("starter"))?.to_compact();
    /// let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let license = Entitlements::verify(&ring, &text, &catalog, &VerifyOptions::new("", now))?;
    /// assert_eq!(license.tier(), "starter");
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn verify(
        ring: &KeyRing,
        text: &str,
        catalog: &Catalog,
        options: &VerifyOptions<'_>,
    ) -> Result<Entitlements, Error> {
        let options = options.clone().with_product(catalog.product());
        Entitlements::new(ring.verify(text, &options)?, catalog)
    }

    /// The verified license.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.license().customer().id, "acme-corp");
    /// ```
    pub fn license(&self) -> &VerifiedLicense {
        &self.license
    }

    /// The catalog.
    ///
    /// ```
    /// # let (e, catalog) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.catalog(), &catalog);
    /// ```
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Licensed modules that the catalog knows.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.modules().len(), 4);
    /// ```
    pub fn modules(&self) -> &ModuleSet {
        &self.modules
    }

    /// The names of the licensed modules, by id.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.module_names().collect::<Vec<_>>(), ["devices", "manual_audits", "basic_rules", "health_checks"]);
    /// ```
    pub fn module_names(&self) -> impl Iterator<Item = &str> {
        self.catalog.module_names_of(&self.modules)
    }

    /// Module ids in the license that the catalog does not define (kept,
    /// reported, never granted).
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(e.unknown_modules().is_empty());
    /// ```
    pub fn unknown_modules(&self) -> ModuleSet {
        self.unknown_modules
    }

    /// Quota ids in the license that the catalog does not define.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(e.unknown_quotas().is_empty());
    /// ```
    pub fn unknown_quotas(&self) -> &[QuotaId] {
        &self.unknown_quotas
    }

    /// Whether a module id is licensed: one bit test.
    ///
    /// ```
    /// # use licman_core::ModuleId;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(e.has_module(ModuleId(1)));
    /// ```
    #[inline]
    pub fn has_module(&self, module: ModuleId) -> bool {
        self.modules.contains(module)
    }

    /// Whether a module is licensed, by name or alias: one hash look-up, no
    /// allocation. An unknown name is an error, not `false`.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.has_module_named("audit"), Ok(true), "alias of manual_audits");
    /// assert!(e.has_module_named("teleport").is_err());
    /// ```
    #[inline]
    pub fn has_module_named(&self, name: &str) -> Result<bool, UnknownName> {
        match self.catalog.module_named_in(name, &self.module_names) {
            Some(licensed) => Ok(licensed),
            None => Err(unknown(NameKind::Module, name)),
        }
    }

    /// `Ok` if the module is licensed, else the 403 refusal naming the
    /// module and the tier.
    ///
    /// ```
    /// # let (e, catalog) = licman_core::__doc_entitlements("starter");
    /// let audits = catalog.module_id("scheduled_audits").unwrap();
    /// assert_eq!(e.check_module(audits).unwrap_err().message(),
    ///     "The module 'Scheduled Audits' is not available in your starter tier");
    /// ```
    #[inline]
    pub fn check_module(&self, module: ModuleId) -> Result<(), Denial> {
        if self.modules.contains(module) {
            Ok(())
        } else {
            Err(self.module_denial(module))
        }
    }

    /// `Ok` if the module is licensed and the user's modules (from
    /// [`GroupAccess::user_modules`](crate::GroupAccess::user_modules))
    /// include it; else the 403: [`Denial::ModuleNotLicensed`] first, then
    /// [`Denial::AccessDenied`] with the module's canonical name. The same
    /// decision as `authorize` makes for a module route.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, catalog) = licman_core::__doc_entitlements("professional");
    /// let devices = catalog.module_id("devices").unwrap();
    /// let none = ModuleSet::new();
    /// assert_eq!(e.check_module_access(devices, &none).unwrap_err(), Denial::AccessDenied { module: "devices".into() });
    /// assert!(e.check_module_access(devices, e.modules()).is_ok());
    /// ```
    pub fn check_module_access(
        &self,
        module: ModuleId,
        user_modules: &ModuleSet,
    ) -> Result<(), Denial> {
        self.check_module(module)?;
        if user_modules.contains(module) {
            Ok(())
        } else {
            Err(Denial::AccessDenied {
                module: self.catalog.module_name(module),
            })
        }
    }

    /// [`check_module_access`](Self::check_module_access) by module name or
    /// alias; the denial names the module by its canonical name, whatever
    /// spelling was asked.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let (e, _) = licman_core::__doc_entitlements("professional");
    /// let err = e.check_module_access_named("audit_schedules", &ModuleSet::new()).unwrap_err();
    /// assert_eq!(err, CheckError::Denied(Denial::AccessDenied { module: "scheduled_audits".into() }));
    /// assert!(matches!(e.check_module_access_named("nope", &ModuleSet::new()), Err(CheckError::Unknown(_))));
    /// ```
    pub fn check_module_access_named(
        &self,
        name: &str,
        user_modules: &ModuleSet,
    ) -> Result<(), CheckError> {
        let module = self.catalog.require_module(name)?;
        Ok(self.check_module_access(module, user_modules)?)
    }

    #[cold]
    fn module_denial(&self, module: ModuleId) -> Denial {
        Denial::module_not_licensed(&self.catalog, module, self.license.tier())
    }

    /// The license's limit for a quota, or `None` if it sets none (which
    /// counts as 0) or the catalog does not define it.
    ///
    /// ```
    /// # use licman_core::{QuotaId, QuotaLimit};
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.quota_limit(QuotaId(2)), Some(QuotaLimit::Limited(2)));
    /// ```
    #[inline]
    pub fn quota_limit(&self, quota: QuotaId) -> Option<QuotaLimit> {
        match self.quota_caps.get(usize::from(quota.0)).copied() {
            None => None,
            Some(u128::MAX) => Some(QuotaLimit::Unlimited),
            // 0 is either an explicit limit of 0 or no limit set: the claims tell.
            Some(0) => self.license.claims().quotas.get(&quota).copied(),
            Some(cap) => u64::try_from(cap).ok().map(QuotaLimit::Limited),
        }
    }

    /// The capacity of a quota (see `quota_caps`): 0 when the license does
    /// not set it or the catalog does not define it.
    #[inline]
    fn quota_cap(&self, quota: QuotaId) -> u128 {
        self.quota_caps
            .get(usize::from(quota.0))
            .copied()
            .unwrap_or(0)
    }

    /// The limit as a number, `None` when unlimited (an unset quota is 0).
    #[inline]
    fn finite_cap(&self, quota: QuotaId) -> Option<u64> {
        u64::try_from(self.quota_cap(quota)).ok()
    }

    /// May `requested` more be added to `current`? `Ok`, or the 403
    /// [`Denial::QuotaExceeded`]. No overflow: `current + requested` beyond
    /// `u64::MAX` exceeds every finite limit; unlimited always passes.
    ///
    /// ```
    /// # use licman_core::QuotaId;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let devices = QuotaId(1);
    /// assert!(e.check_quota(devices, 10, 0).is_ok());
    /// let denial = e.check_quota(devices, 10, 1).unwrap_err();
    /// assert_eq!(denial.message(), "Cannot add 1 more devices. Current: 10/10");
    /// assert!(e.check_quota(devices, u64::MAX, u64::MAX).is_err());
    /// ```
    #[inline]
    pub fn check_quota(&self, quota: QuotaId, current: u64, requested: u64) -> Result<(), Denial> {
        // Two u64s never overflow a u128, and an unlimited cap is above any sum.
        if u128::from(current) + u128::from(requested) <= self.quota_cap(quota) {
            Ok(())
        } else {
            Err(self.quota_denial(quota, current, requested))
        }
    }

    #[cold]
    fn quota_denial(&self, quota: QuotaId, current: u64, requested: u64) -> Denial {
        Denial::QuotaExceeded {
            quota: self.catalog.quota_name(quota),
            current,
            // Only a finite cap can be exceeded, and finite caps fit a u64.
            max: self.finite_cap(quota).unwrap_or(u64::MAX),
            requested,
        }
    }

    /// [`check_quota`](Self::check_quota) by quota name.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(e.check_quota_named("users", 1, 1).is_ok());
    /// assert!(e.check_quota_named("users", 2, 1).is_err());
    /// ```
    pub fn check_quota_named(
        &self,
        quota: &str,
        current: u64,
        requested: u64,
    ) -> Result<(), CheckError> {
        let id = self.catalog.require_quota(quota)?;
        Ok(self.check_quota(id, current, requested)?)
    }

    /// Of `candidates` arriving in order, how many fit after `current`
    /// (first come, first served).
    ///
    /// ```
    /// # use licman_core::{Acceptance, QuotaId};
    /// # let (e, _) = licman_core::__doc_entitlements("professional");
    /// // Professional: 100 devices. 90 in use, 20 discovered.
    /// assert_eq!(e.accept(QuotaId(1), 90, 20), Acceptance { accepted: 10, rejected: 10 });
    /// ```
    #[inline]
    pub fn accept(&self, quota: QuotaId, current: u64, candidates: u64) -> Acceptance {
        let room = self.quota_cap(quota).saturating_sub(u128::from(current));
        // Room beyond u64::MAX (unlimited) takes every candidate.
        let accepted = u64::try_from(room).map_or(candidates, |room| candidates.min(room));
        Acceptance {
            accepted,
            rejected: candidates - accepted,
        }
    }

    /// [`accept`](Self::accept) by quota name.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.accept_named("devices", 0, 20)?.accepted, 10);
    /// # Ok::<(), licman_core::UnknownName>(())
    /// ```
    pub fn accept_named(
        &self,
        quota: &str,
        current: u64,
        candidates: u64,
    ) -> Result<Acceptance, UnknownName> {
        Ok(self.accept(self.catalog.require_quota(quota)?, current, candidates))
    }

    /// How many more fit after `current`; `None` when unlimited.
    ///
    /// ```
    /// # use licman_core::QuotaId;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.remaining(QuotaId(1), 4), Some(6));
    /// assert_eq!(e.remaining(QuotaId(1), 40), Some(0));
    /// ```
    pub fn remaining(&self, quota: QuotaId, current: u64) -> Option<u64> {
        self.finite_cap(quota)
            .map(|max| max.saturating_sub(current))
    }

    /// `current` as a percentage of the limit (above 100 when over the
    /// limit); `None` when unlimited. A limit of 0 gives 0 % when nothing is
    /// used and 100 % otherwise.
    ///
    /// ```
    /// # use licman_core::QuotaId;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.usage_percent(QuotaId(1), 5), Some(50.0));
    /// ```
    pub fn usage_percent(&self, quota: QuotaId, current: u64) -> Option<f64> {
        let max = self.finite_cap(quota)?;
        Some(match (max, current) {
            (0, 0) => 0.0,
            (0, _) => 100.0,
            #[allow(clippy::cast_precision_loss)] // a percentage needs no more than f64 gives
            (max, current) => current as f64 * 100.0 / max as f64,
        })
    }

    /// The tier name.
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.tier(), "starter");
    /// ```
    pub fn tier(&self) -> &str {
        self.license.tier()
    }

    /// The tier's display name from the catalog (the tier name if the
    /// catalog does not define the tier).
    ///
    /// ```
    /// # let (e, _) = licman_core::__doc_entitlements("professional");
    /// assert_eq!(e.tier_display_name(), "Professional");
    /// ```
    pub fn tier_display_name(&self) -> &str {
        // A tier the catalog does not define is shown by its name.
        self.catalog
            .tier(self.license.tier())
            .map_or(self.license.tier(), |t| t.display_name())
    }

    /// The status at `now` (see [`VerifiedLicense::status_at`]).
    ///
    /// ```
    /// # use licman_core::{Status, Timestamp};
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.status_at(Timestamp::from_date(2026, 12, 25).unwrap()), Status::ExpiringSoon { days_left: 7 });
    /// ```
    pub fn status_at(&self, now: Timestamp) -> Status {
        self.license.status_at(now)
    }

    /// Days until expiry at `now` (see [`VerifiedLicense::days_until_expiry`]).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.days_until_expiry(Timestamp::from_date(2026, 12, 1).unwrap()), Some(31));
    /// ```
    pub fn days_until_expiry(&self, now: Timestamp) -> Option<i64> {
        self.license.days_until_expiry(now)
    }

    /// The status at `at`, recording nothing (see
    /// [`VerifiedLicense::status_preview`]).
    ///
    /// ```
    /// # use licman_core::{Status, Timestamp};
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.status_preview(Timestamp::from_date(2027, 6, 1).unwrap()), Status::Expired);
    /// assert!(e.is_usable_at(Timestamp::from_date(2026, 6, 1).unwrap()));
    /// ```
    pub fn status_preview(&self, at: Timestamp) -> Status {
        self.license.status_preview(at)
    }

    /// Days until expiry at `at`, recording nothing (see
    /// [`VerifiedLicense::days_until_expiry_preview`]).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert_eq!(e.days_until_expiry_preview(Timestamp::from_date(2026, 12, 1).unwrap()), Some(31));
    /// ```
    pub fn days_until_expiry_preview(&self, at: Timestamp) -> Option<i64> {
        self.license.days_until_expiry_preview(at)
    }

    /// Whether the license is in its expiring-soon window at `now`.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(!e.is_expiring_soon(Timestamp::from_date(2026, 6, 1).unwrap()));
    /// ```
    pub fn is_expiring_soon(&self, now: Timestamp) -> bool {
        matches!(self.status_at(now), Status::ExpiringSoon { .. })
    }

    /// Whether the license may be used at `now` (see
    /// [`VerifiedLicense::is_usable_at`]).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// assert!(e.is_usable_at(Timestamp::from_date(2026, 6, 1).unwrap()));
    /// ```
    #[inline]
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        self.license.is_usable_at(now)
    }

    /// `Ok(status)` if the license may be used at `now` (see
    /// [`VerifiedLicense::check_usable_at`]), else the 402 refusal:
    /// expired, not yet valid, clock turned back or behind the issue time,
    /// and (verified under [`Policy::Advisory`](crate::Policy::Advisory))
    /// revoked or bound to other machines.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let (e, _) = licman_core::__doc_entitlements("starter");
    /// let denial = e.check_valid_at(Timestamp::from_date(2027, 6, 1).unwrap()).unwrap_err();
    /// assert_eq!(denial.code(), "license_expired");
    /// let denial = e.check_valid_at(Timestamp::from_date(2026, 7, 1).unwrap()).unwrap_err();
    /// assert_eq!((denial.code(), denial.http_status()), ("clock_error", 402));
    /// ```
    pub fn check_valid_at(&self, now: Timestamp) -> Result<Status, Denial> {
        self.license
            .check_usable_at(now)
            .map_err(|error| Denial::from_license_error(&error))
    }
}

#[cold]
fn unknown(kind: NameKind, name: &str) -> UnknownName {
    UnknownName {
        kind,
        name: name.to_string(),
    }
}

//! Parsing (`UnverifiedLicense`), verification against a key ring and the
//! host's time (`VerifiedLicense`), and status.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use crate::claims::{Claims, Customer};
use crate::error::Error;
use crate::format::{ContextualEnvelope, LICENSE_KIND, MAX_LICENSE_TEXT_LEN};
use crate::ids::{Fingerprint, KeyId, LicenseId, ModuleId, QuotaId};
use crate::keys::KeyRing;
use crate::module_set::ModuleSet;
use crate::quota::QuotaLimit;
use crate::revocation::RevocationList;
use crate::time::{HighWaterMark, SECONDS_PER_DAY, Timestamp, days_ceil};
use crate::wire::decode_claims;

/// Default window before expiry in which a license is
/// [`Status::ExpiringSoon`]: 30 days.
pub const DEFAULT_EXPIRING_SOON_WINDOW: Duration = Duration::from_secs(30 * SECONDS_PER_DAY);

/// Default tolerance for host clock differences: a license issued up to one
/// hour after the host's time is accepted, and the host's time may be up to
/// one hour before its last-seen time.
pub const DEFAULT_CLOCK_TOLERANCE: Duration = Duration::from_secs(3600);

/// What verification does when a license is authentic but not valid at the
/// host (expired, not yet valid, revoked, wrong machine, clock problems).
///
/// Authenticity is never negotiable: a bad signature, unknown key, wrong
/// product or malformed license is refused under every policy. Time is
/// judged again by every check that takes `now` under every policy
/// ([`VerifiedLicense::is_usable_at`]): a license that expires is refused
/// from then on, and so is a clock turned back.
///
/// | problem at verification | `Enforce` | `Advisory` | `ReportOnly` |
/// |---|---|---|---|
/// | revoked, bound to other machines | error | verifies; checks refuse | verifies; checks allow |
/// | expired, not yet valid, issued in the future, clock turned back | error | verifies; checks judge each `now` | verifies; checks judge each `now` |
///
/// ```
/// use licman_core::Policy;
/// assert_eq!(Policy::default(), Policy::Enforce);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// Refuse: verification returns the validity error.
    #[default]
    Enforce,
    /// Warn: verification succeeds and lists each validity error in
    /// [`VerifiedLicense::problems`], so a host can show the license and
    /// why it is not valid; the checks that take `now` (`is_usable_at`,
    /// `check_valid_at`, `authorize`) still refuse a revoked license or one
    /// bound to other machines.
    Advisory,
    /// Fail open: as [`Advisory`](Self::Advisory), and a revoked license or
    /// one bound to other machines keeps unlocking its modules (only time
    /// still refuses). For vendors who would rather not lock a customer out
    /// at all; say so where the host documents its enforcement.
    ReportOnly,
}

option_names! {
    Policy {
        Enforce => "enforce",
        Advisory => "advisory",
        ReportOnly => "report_only",
    }
}

/// Everything verification needs from the host besides the license and the
/// key ring: the product it is, the time, and optional defences.
///
/// ```
/// use licman_core::{Fingerprint, Policy, Timestamp, VerifyOptions};
/// let now = Timestamp::from_date(2026, 6, 1).unwrap();
/// let machine = [Fingerprint::digest(b"machine-id")];
/// let options = VerifyOptions::new("netaudit", now)
///     .last_seen(Timestamp::from_date(2026, 5, 31).unwrap())
///     .fingerprints(&machine)
///     .policy(Policy::Enforce);
/// assert_eq!(options.now(), now);
/// ```
#[derive(Clone, Debug)]
pub struct VerifyOptions<'a> {
    product: &'a str,
    now: Timestamp,
    last_seen: Option<Timestamp>,
    revocations: Option<&'a RevocationList>,
    fingerprints: &'a [Fingerprint],
    policy: Policy,
    expiring_soon_window: Duration,
    clock_tolerance: Duration,
    min_revocation_serial: u64,
    max_revocation_age: Option<Duration>,
}

impl<'a> VerifyOptions<'a> {
    /// Options for a host that is `product`, at time `now`, with the
    /// defaults: no last-seen time, no revocation list, no fingerprints,
    /// [`Policy::Enforce`], a 30-day expiring-soon window, one hour of clock
    /// tolerance.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// let o = VerifyOptions::new("netaudit", Timestamp::from_unix_seconds(0));
    /// assert_eq!(o.product(), "netaudit");
    /// ```
    pub fn new(product: &'a str, now: Timestamp) -> Self {
        VerifyOptions {
            product,
            now,
            last_seen: None,
            revocations: None,
            fingerprints: &[],
            policy: Policy::Enforce,
            expiring_soon_window: DEFAULT_EXPIRING_SOON_WINDOW,
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
            min_revocation_serial: 0,
            max_revocation_age: None,
        }
    }

    /// The latest time the host has seen before (its persisted high-water
    /// mark, such as [`VerifiedLicense::last_seen`] saved at the last run):
    /// a `now` earlier than this (beyond the clock tolerance) means the
    /// clock was turned back. Validity is judged at the later of the two.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// let t = Timestamp::from_unix_seconds(10);
    /// assert_eq!(VerifyOptions::new("p", t).last_seen(t).last_seen_time(), Some(t));
    /// ```
    #[must_use]
    pub fn last_seen(mut self, last_seen: Timestamp) -> Self {
        self.last_seen = Some(last_seen);
        self
    }

    /// A verified revocation list to check the license against.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// let list = key.issue_revocation_list("netaudit", 1, Timestamp::from_unix_seconds(0), [])?
    ///     .verify(&ring, "netaudit")?;
    /// let options = VerifyOptions::new("netaudit", Timestamp::from_unix_seconds(0)).revocations(&list);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    #[must_use]
    pub fn revocations(mut self, list: &'a RevocationList) -> Self {
        self.revocations = Some(list);
        self
    }

    /// The lowest revocation-list serial the host accepts: an older list
    /// (one that may lack a later revocation) is refused with
    /// [`Error::StaleRevocationList`], under every policy. Keep the highest
    /// [`RevocationList::serial`] you have accepted and pass it here, so a
    /// replayed old list cannot undo a revocation. With a minimum above 0,
    /// verifying without a list is refused too (a deleted list file must
    /// not undo one either).
    ///
    /// ```
    /// # use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let claims = licman_core::__doc_claims();
    /// # let text = key.issue(&claims)?.to_compact();
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let old = key.issue_revocation_list("netaudit", 4, now, [])?.verify(&ring, "netaudit")?;
    /// let options = VerifyOptions::new("netaudit", now).revocations(&old).min_revocation_serial(5);
    /// assert_eq!(ring.verify(&text, &options).unwrap_err().code(), "stale_revocation_list");
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    #[must_use]
    pub fn min_revocation_serial(mut self, serial: u64) -> Self {
        self.min_revocation_serial = serial;
        self
    }

    /// The oldest revocation list the host accepts, by its issue time
    /// against `now`: a list issued more than `max_age` before `now` is
    /// refused with [`Error::StaleRevocationList`], so a host that must
    /// fetch fresh lists notices when it stops getting them (verifying with
    /// no list is refused too). Without it a list of any age is accepted.
    ///
    /// ```
    /// # use licman_core::*;
    /// # use core::time::Duration;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// # let text = key.issue(&licman_core::__doc_claims())?.to_compact();
    /// let issued = Timestamp::from_date(2026, 5, 1).unwrap();
    /// let list = key.issue_revocation_list("netaudit", 1, issued, [])?.verify(&ring, "netaudit")?;
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let week = Duration::from_secs(7 * 86_400);
    /// let options = VerifyOptions::new("netaudit", now).revocations(&list).max_revocation_age(week);
    /// assert!(matches!(ring.verify(&text, &options), Err(Error::StaleRevocationList { .. })));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    #[must_use]
    pub fn max_revocation_age(mut self, max_age: Duration) -> Self {
        self.max_revocation_age = Some(max_age);
        self
    }

    /// The fingerprints this machine presents, for licenses bound to
    /// machines.
    ///
    /// ```
    /// # use licman_core::{Fingerprint, Timestamp, VerifyOptions};
    /// let fps = [Fingerprint::digest(b"host")];
    /// let o = VerifyOptions::new("p", Timestamp::from_unix_seconds(0)).fingerprints(&fps);
    /// ```
    #[must_use]
    pub fn fingerprints(mut self, fingerprints: &'a [Fingerprint]) -> Self {
        self.fingerprints = fingerprints;
        self
    }

    /// Enforce (default) or only report validity problems.
    ///
    /// ```
    /// # use licman_core::{Policy, Timestamp, VerifyOptions};
    /// let o = VerifyOptions::new("p", Timestamp::from_unix_seconds(0)).policy(Policy::Advisory);
    /// ```
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// How long before expiry a license counts as expiring soon (default 30
    /// days).
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// # use core::time::Duration;
    /// let o = VerifyOptions::new("p", Timestamp::from_unix_seconds(0))
    ///     .expiring_soon_window(Duration::from_secs(7 * 86_400));
    /// ```
    #[must_use]
    pub fn expiring_soon_window(mut self, window: Duration) -> Self {
        self.expiring_soon_window = window;
        self
    }

    /// How far the host clock may be behind the issuer's, or behind its own
    /// last-seen time, before it counts as wrong (default one hour).
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// # use core::time::Duration;
    /// let o = VerifyOptions::new("p", Timestamp::from_unix_seconds(0))
    ///     .clock_tolerance(Duration::from_secs(300));
    /// ```
    #[must_use]
    pub fn clock_tolerance(mut self, tolerance: Duration) -> Self {
        self.clock_tolerance = tolerance;
        self
    }

    /// The same options for another product id.
    pub(crate) fn with_product<'b>(self, product: &'b str) -> VerifyOptions<'b>
    where
        'a: 'b,
    {
        VerifyOptions { product, ..self }
    }

    /// The product the host is.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// assert_eq!(VerifyOptions::new("x", Timestamp::UNIX_EPOCH).product(), "x");
    /// ```
    pub fn product(&self) -> &'a str {
        self.product
    }

    /// The host's time.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// assert_eq!(VerifyOptions::new("x", Timestamp::UNIX_EPOCH).now(), Timestamp::UNIX_EPOCH);
    /// ```
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The last-seen time, if given.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyOptions};
    /// assert_eq!(VerifyOptions::new("x", Timestamp::UNIX_EPOCH).last_seen_time(), None);
    /// ```
    pub fn last_seen_time(&self) -> Option<Timestamp> {
        self.last_seen
    }
}

/// [`VerifyOptions`] in owned form: what a host or tool gathers from its
/// configuration, command line or binding call (texts already parsed), kept
/// for as long as it likes. [`options`](Self::options) lends the options
/// verification takes; the optional defences are applied in one place.
///
/// ```
/// use licman_core::*;
/// let request = VerifyRequest {
///     last_seen: Timestamp::from_date(2026, 5, 31),
///     min_revocation_serial: 3,
///     ..VerifyRequest::new("netaudit", Timestamp::from_date(2026, 6, 1).unwrap())
/// };
/// let options = request.options();
/// assert_eq!(options.last_seen_time(), request.last_seen);
/// assert_eq!(options.product(), "netaudit");
/// ```
#[derive(Clone, Debug)]
pub struct VerifyRequest {
    /// The product the host is.
    pub product: String,
    /// The host's time.
    pub now: Timestamp,
    /// The latest time the host saw before ([`VerifyOptions::last_seen`]).
    pub last_seen: Option<Timestamp>,
    /// A verified revocation list ([`VerifyOptions::revocations`]).
    pub revocations: Option<RevocationList>,
    /// The lowest list serial accepted ([`VerifyOptions::min_revocation_serial`]).
    pub min_revocation_serial: u64,
    /// The oldest list accepted ([`VerifyOptions::max_revocation_age`]).
    pub max_revocation_age: Option<Duration>,
    /// This machine's fingerprints ([`VerifyOptions::fingerprints`]).
    pub fingerprints: Vec<Fingerprint>,
    /// Enforce, warn or report ([`VerifyOptions::policy`]).
    pub policy: Policy,
    /// The expiring-soon window ([`VerifyOptions::expiring_soon_window`]).
    pub expiring_soon_window: Duration,
    /// The clock tolerance ([`VerifyOptions::clock_tolerance`]).
    pub clock_tolerance: Duration,
}

impl VerifyRequest {
    /// A request with the defaults of [`VerifyOptions::new`].
    ///
    /// ```
    /// # use licman_core::{Policy, Timestamp, VerifyRequest};
    /// let r = VerifyRequest::new("netaudit", Timestamp::UNIX_EPOCH);
    /// assert_eq!((r.policy, r.min_revocation_serial), (Policy::Enforce, 0));
    /// ```
    pub fn new(product: impl Into<String>, now: Timestamp) -> Self {
        VerifyRequest {
            product: product.into(),
            now,
            last_seen: None,
            revocations: None,
            min_revocation_serial: 0,
            max_revocation_age: None,
            fingerprints: Vec::new(),
            policy: Policy::Enforce,
            expiring_soon_window: DEFAULT_EXPIRING_SOON_WINDOW,
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
        }
    }

    /// The options verification takes, borrowing from this request.
    ///
    /// ```
    /// # use licman_core::{Timestamp, VerifyRequest};
    /// let r = VerifyRequest::new("p", Timestamp::UNIX_EPOCH);
    /// assert_eq!(r.options().now(), Timestamp::UNIX_EPOCH);
    /// ```
    pub fn options(&self) -> VerifyOptions<'_> {
        let mut options = VerifyOptions::new(&self.product, self.now)
            .fingerprints(&self.fingerprints)
            .policy(self.policy)
            .expiring_soon_window(self.expiring_soon_window)
            .clock_tolerance(self.clock_tolerance)
            .min_revocation_serial(self.min_revocation_serial);
        if let Some(seen) = self.last_seen {
            options = options.last_seen(seen);
        }
        if let Some(list) = &self.revocations {
            options = options.revocations(list);
        }
        if let Some(age) = self.max_revocation_age {
            options = options.max_revocation_age(age);
        }
        options
    }
}

/// Where a license stands at a point in time.
///
/// Day counts round up: a license with one second left has one day left.
///
/// ```
/// use licman_core::Status;
/// assert_eq!(Status::ExpiringSoon { days_left: 3 }.code(), "expiring_soon");
/// assert!(Status::InGrace { days_left: 1 }.is_usable());
/// assert!(!Status::Expired.is_usable());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Before `starts_at`.
    NotYetValid {
        /// Days until it starts.
        days_until_start: u64,
    },
    /// Valid, and not expiring within the window (or perpetual).
    Active,
    /// Valid, expiring within the expiring-soon window.
    ExpiringSoon {
        /// Days until expiry.
        days_left: u64,
    },
    /// Past `expires_at` but within the grace period: still usable, and the
    /// host should warn.
    InGrace {
        /// Days until the grace period ends.
        days_left: u64,
    },
    /// Past the grace period.
    Expired,
}

impl Status {
    /// The status for `claims` at `now`, with the given expiring-soon window.
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use licman_core::*;
    /// # let day = 86_400;
    /// # let claims = Claims { license_id: LicenseId::from_bytes([1; 16]), product: "p".into(),
    /// #   customer: Customer::new("c"), tier: "t".into(), modules: ModuleSet::new(),
    /// #   quotas: BTreeMap::new(), issued_at: Timestamp::from_unix_seconds(0),
    /// #   starts_at: Timestamp::from_unix_seconds(0),
    /// #   expires_at: Some(Timestamp::from_unix_seconds(100 * day)),
    /// #   grace_period: core::time::Duration::from_secs(10 * day), machine_binding: None,
    /// #   metadata: BTreeMap::new() };
    /// let window = core::time::Duration::from_secs(30 * day);
    /// let at = |d: u64| Status::of(&claims, Timestamp::from_unix_seconds(d * day), window);
    /// assert_eq!(at(10), Status::Active);
    /// assert_eq!(at(80), Status::ExpiringSoon { days_left: 20 });
    /// assert_eq!(at(105), Status::InGrace { days_left: 5 });
    /// assert_eq!(at(110), Status::Expired);
    /// ```
    pub fn of(claims: &Claims, now: Timestamp, expiring_soon_window: Duration) -> Status {
        Status::from_dates(
            claims.starts_at,
            claims.expires_at,
            claims.grace_period,
            now,
            expiring_soon_window,
        )
    }

    /// The status of a license with these dates at `now`: the rule of
    /// [`Status::of`], for tools that keep the dates without the claims (a
    /// ledger of issued licenses).
    ///
    /// ```
    /// # use licman_core::{Status, Timestamp, DEFAULT_EXPIRING_SOON_WINDOW};
    /// # use core::time::Duration;
    /// let day = |d: u64| Timestamp::from_unix_seconds(d * 86_400);
    /// let grace = Duration::from_secs(10 * 86_400);
    /// let at = |d| Status::from_dates(day(0), Some(day(100)), grace, day(d), DEFAULT_EXPIRING_SOON_WINDOW);
    /// assert_eq!(at(80), Status::ExpiringSoon { days_left: 20 });
    /// assert_eq!(at(105), Status::InGrace { days_left: 5 });
    /// assert_eq!(Status::from_dates(day(5), None, grace, day(1), DEFAULT_EXPIRING_SOON_WINDOW).code(), "not_yet_valid");
    /// ```
    pub fn from_dates(
        starts_at: Timestamp,
        expires_at: Option<Timestamp>,
        grace_period: Duration,
        now: Timestamp,
        expiring_soon_window: Duration,
    ) -> Status {
        if let Some(until_start) = starts_at.seconds_since(now).filter(|&s| s > 0) {
            return Status::NotYetValid {
                days_until_start: days_ceil(until_start),
            };
        }
        let Some(expires_at) = expires_at else {
            return Status::Active;
        };
        if let Some(left) = expires_at.seconds_since(now).filter(|&s| s > 0) {
            return if left <= expiring_soon_window.as_secs() {
                Status::ExpiringSoon {
                    days_left: days_ceil(left),
                }
            } else {
                Status::Active
            };
        }
        let grace_ends_at = expires_at.saturating_add(grace_period);
        match grace_ends_at.seconds_since(now).filter(|&s| s > 0) {
            Some(left) => Status::InGrace {
                days_left: days_ceil(left),
            },
            None => Status::Expired,
        }
    }

    /// The stable snake_case code: `not_yet_valid`, `active`,
    /// `expiring_soon`, `in_grace` or `expired`.
    ///
    /// ```
    /// # use licman_core::Status;
    /// assert_eq!(Status::Active.code(), "active");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Status::NotYetValid { .. } => "not_yet_valid",
            Status::Active => "active",
            Status::ExpiringSoon { .. } => "expiring_soon",
            Status::InGrace { .. } => "in_grace",
            Status::Expired => "expired",
        }
    }

    /// Whether the license may be used: active, expiring soon or in grace.
    ///
    /// ```
    /// # use licman_core::Status;
    /// assert!(!Status::NotYetValid { days_until_start: 2 }.is_usable());
    /// ```
    pub fn is_usable(&self) -> bool {
        matches!(
            self,
            Status::Active | Status::ExpiringSoon { .. } | Status::InGrace { .. }
        )
    }

    /// The days figure of the status, if it has one (days left, or days
    /// until start).
    ///
    /// ```
    /// # use licman_core::Status;
    /// assert_eq!(Status::InGrace { days_left: 4 }.days(), Some(4));
    /// assert_eq!(Status::Active.days(), None);
    /// ```
    pub fn days(&self) -> Option<u64> {
        match *self {
            Status::NotYetValid { days_until_start } => Some(days_until_start),
            Status::ExpiringSoon { days_left } | Status::InGrace { days_left } => Some(days_left),
            Status::Active | Status::Expired => None,
        }
    }
}

/// A parsed license whose signature has not been checked.
///
/// Its claims can be read for tooling ("what does this key say?"), under a
/// name that says they are untrusted; every enforcement question needs a
/// [`VerifiedLicense`], which only [`UnverifiedLicense::verify`] produces.
///
/// ```
/// use licman_core::UnverifiedLicense;
/// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
/// # let text = key.issue(&licman_core::__doc_claims())?.to_compact();
/// let license = UnverifiedLicense::parse(&text)?;
/// println!("claims to be for {}", license.untrusted_claims().customer.id);
/// # Ok::<(), licman_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedLicense {
    bytes: ContextualEnvelope,
    key_id: KeyId,
    claims: Claims,
}

impl UnverifiedLicense {
    /// Parses either text form: a compact key (`lm1_…`) or an armored file
    /// (`-----BEGIN LICMAN LICENSE-----`). Surrounding whitespace is ignored.
    ///
    /// ```
    /// # use licman_core::{Error, UnverifiedLicense};
    /// assert_eq!(UnverifiedLicense::parse("hello"), Err(Error::WrongPrefix { expected: "lm1_" }));
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_LICENSE_TEXT_LEN {
            return Err(Error::TooLarge {
                len: text.len(),
                max: MAX_LICENSE_TEXT_LEN,
            });
        }
        if text.trim_start().starts_with("-----") {
            Self::from_armored(text)
        } else {
            Self::from_compact(text)
        }
    }

    /// Parses a compact key: `lm1_` + base64url (no padding, canonical).
    ///
    /// ```
    /// # use licman_core::{Error, UnverifiedLicense};
    /// assert!(matches!(UnverifiedLicense::from_compact("lm1_!!"), Err(Error::InvalidEncoding { .. })));
    /// ```
    pub fn from_compact(text: &str) -> Result<Self, Error> {
        Self::from_envelope(ContextualEnvelope::from_compact(&LICENSE_KIND, text)?)
    }

    /// Parses an armored license file.
    ///
    /// ```
    /// # use licman_core::UnverifiedLicense;
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let armored = key.issue(&licman_core::__doc_claims())?.to_armored();
    /// assert!(armored.starts_with("-----BEGIN LICMAN LICENSE-----\n"));
    /// let license = UnverifiedLicense::from_armored(&armored)?;
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn from_armored(text: &str) -> Result<Self, Error> {
        Self::from_envelope(ContextualEnvelope::from_armored(&LICENSE_KIND, text)?)
    }

    /// Parses the binary envelope.
    ///
    /// ```
    /// # use licman_core::{Error, UnverifiedLicense};
    /// assert_eq!(UnverifiedLicense::from_bytes(&[9]), Err(Error::UnsupportedVersion { found: 9, supported: 1 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_envelope(ContextualEnvelope::from_bytes(&LICENSE_KIND, bytes)?)
    }

    fn from_envelope(bytes: ContextualEnvelope) -> Result<Self, Error> {
        let (envelope, _) = bytes.open()?;
        let claims = decode_claims(envelope.payload)?;
        let key_id = envelope.key_id;
        Ok(UnverifiedLicense {
            key_id,
            claims,
            bytes,
        })
    }

    /// The id of the key the license says it was signed with.
    ///
    /// ```
    /// # use licman_core::UnverifiedLicense;
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let license = key.issue(&licman_core::__doc_claims())?;
    /// assert_eq!(license.key_id(), key.key_id());
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The claims, **not yet authenticated**: for display and tooling only.
    ///
    /// ```
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let license = key.issue(&licman_core::__doc_claims())?;
    /// assert_eq!(license.untrusted_claims().product, "netaudit");
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn untrusted_claims(&self) -> &Claims {
        &self.claims
    }

    /// The binary envelope.
    ///
    /// ```
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let license = key.issue(&licman_core::__doc_claims())?;
    /// assert_eq!(license.as_bytes()[0], licman_core::FORMAT_VERSION);
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.envelope()
    }

    /// The compact key text.
    ///
    /// ```
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let license = key.issue(&licman_core::__doc_claims())?;
    /// assert!(license.to_compact().starts_with("lm1_"));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_compact(&self) -> String {
        self.bytes.to_compact()
    }

    /// The armored text (64-character lines, trailing newline).
    ///
    /// ```
    /// # let key = licman_core::SigningKey::from_seed(&[1; 32]);
    /// # let license = key.issue(&licman_core::__doc_claims())?;
    /// assert!(license.to_armored().ends_with("-----END LICMAN LICENSE-----\n"));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn to_armored(&self) -> String {
        self.bytes.to_armored()
    }

    /// Verifies the signature (strict Ed25519 under the key ring, by key
    /// id), the product, and validity at the host's time.
    ///
    /// Under [`Policy::Enforce`] the first validity problem is the error;
    /// under [`Policy::Advisory`] they are listed in
    /// [`VerifiedLicense::problems`]. Checks run in this order: signature,
    /// product, revocation-list freshness (an error under every policy),
    /// revocation, clock rolled back, issued in the future, machine binding,
    /// not yet valid, expired.
    ///
    /// ```
    /// use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let text = key.issue(&licman_core::__doc_claims())?.to_compact();
    /// let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let license = UnverifiedLicense::parse(&text)?.verify(&ring, &VerifyOptions::new("netaudit", now))?;
    /// assert_eq!(license.status(), Status::Active);
    ///
    /// let other = VerifyOptions::new("other-product", now);
    /// assert!(matches!(
    ///     UnverifiedLicense::parse(&text)?.verify(&ring, &other),
    ///     Err(Error::WrongProduct { .. })
    /// ));
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn verify(
        self,
        ring: &KeyRing,
        options: &VerifyOptions<'_>,
    ) -> Result<VerifiedLicense, Error> {
        let (envelope, message) = self.bytes.open()?;
        ring.verify_signature(envelope.key_id, message, &envelope.signature)?;
        if self.claims.product != options.product {
            return Err(Error::WrongProduct {
                expected: options.product.to_string(),
                found: self.claims.product,
            });
        }
        let (checked_at, problems) = validity_problems(&self.claims, options)?;
        let status = Status::of(&self.claims, checked_at, options.expiring_soon_window);
        // The window in which checks allow the license, judged at the
        // latest time seen: started, and issued no later than the clock
        // tolerance allows, until the end of grace. A standing problem
        // (revoked, another machine's) closes it unless the policy is
        // `ReportOnly`.
        let standing = options.policy != Policy::ReportOnly
            && problems.iter().any(|p| p.is_standing_problem());
        let usable_from = if standing {
            Timestamp::from_unix_seconds(u64::MAX)
        } else {
            let issued_earliest = Timestamp::from_unix_seconds(
                self.claims
                    .issued_at
                    .unix_seconds()
                    .saturating_sub(options.clock_tolerance.as_secs()),
            );
            self.claims.starts_at.max(issued_earliest)
        };
        let usable_until = self
            .claims
            .grace_ends_at()
            .unwrap_or(Timestamp::from_unix_seconds(u64::MAX));
        Ok(VerifiedLicense {
            latest: HighWaterMark::new(checked_at),
            clock_tolerance: options.clock_tolerance,
            usable_from,
            usable_until,
            claims: self.claims,
            key_id: self.key_id,
            bytes: self.bytes,
            checked_at,
            status,
            problems,
            expiring_soon_window: options.expiring_soon_window,
        })
    }
}

/// Refuses a revocation list older than the host accepts (by serial, or by
/// age at `checked_at`). No list reads as the empty list of serial 0 issued
/// in 1970: a host that asks for a minimum serial or a maximum age is
/// refused without one (deleting the list file must not undo a revocation).
fn check_revocation_freshness(
    list: Option<&RevocationList>,
    options: &VerifyOptions<'_>,
    checked_at: Timestamp,
) -> Result<(), Error> {
    let issued_not_before = options
        .max_revocation_age
        .map_or(Timestamp::UNIX_EPOCH, |age| {
            Timestamp::from_unix_seconds(checked_at.unix_seconds().saturating_sub(age.as_secs()))
        });
    let (serial, issued_at) =
        list.map_or((0, Timestamp::UNIX_EPOCH), |l| (l.serial(), l.issued_at()));
    let asks = options.min_revocation_serial > 0 || options.max_revocation_age.is_some();
    let stale = match list {
        // Asked for and missing: stale whatever the age allows (an age
        // longer than `checked_at` would otherwise let no list through).
        None => asks,
        Some(_) => serial < options.min_revocation_serial || issued_at < issued_not_before,
    };
    if stale {
        return Err(Error::StaleRevocationList {
            serial,
            issued_at,
            min_serial: options.min_revocation_serial,
            issued_not_before,
        });
    }
    Ok(())
}

/// Runs the validity checks; returns the effective time and, under the
/// advisory policy, the problems found.
fn validity_problems(
    claims: &Claims,
    options: &VerifyOptions<'_>,
) -> Result<(Timestamp, Vec<Error>), Error> {
    let mut problems = Vec::new();
    let mut report = |problem: Error| match options.policy {
        Policy::Enforce => Err(problem),
        Policy::Advisory | Policy::ReportOnly => {
            problems.push(problem);
            Ok(())
        }
    };
    let now = options.now;
    let tolerance = options.clock_tolerance;
    let checked_at = options.last_seen.map_or(now, |seen| seen.max(now));

    check_revocation_freshness(options.revocations, options, checked_at)?;
    if let Some(list) = options.revocations {
        if list.contains(&claims.license_id) {
            report(Error::Revoked {
                license_id: claims.license_id,
                list_serial: list.serial(),
            })?;
        }
    }
    if let Some(last_seen) = options.last_seen {
        if now.saturating_add(tolerance) < last_seen {
            report(Error::ClockRolledBack { now, last_seen })?;
        }
    }
    if checked_at.saturating_add(tolerance) < claims.issued_at {
        report(Error::IssuedInFuture {
            now: checked_at,
            issued_at: claims.issued_at,
        })?;
    }
    if let Some(binding) = &claims.machine_binding {
        let matched = binding.matches(options.fingerprints);
        let required = binding.policy().required(binding.fingerprints().len());
        if !binding.is_satisfied_by(options.fingerprints) {
            report(Error::MachineMismatch {
                policy: binding.policy(),
                matched,
                required,
            })?;
        }
    }
    match Status::of(claims, checked_at, options.expiring_soon_window) {
        Status::NotYetValid { .. } => report(Error::NotYetValid {
            now: checked_at,
            starts_at: claims.starts_at,
        })?,
        Status::Expired => {
            if let (Some(expires_at), Some(grace_ends_at)) =
                (claims.expires_at, claims.grace_ends_at())
            {
                report(Error::Expired {
                    now: checked_at,
                    expires_at,
                    grace_ends_at,
                })?;
            }
        }
        Status::Active | Status::ExpiringSoon { .. } | Status::InGrace { .. } => {}
    }
    Ok((checked_at, problems))
}

/// A license whose signature, product and validity have been checked.
///
/// This is the only type that answers enforcement questions.
///
/// ```
/// use licman_core::*;
/// # let key = SigningKey::from_seed(&[1; 32]);
/// # let text = key.issue(&licman_core::__doc_claims())?.to_compact();
/// # let ring = KeyRing::from_keys([key.public_key().clone()]);
/// let now = Timestamp::from_date(2026, 12, 10).unwrap();
/// let license = ring.verify(&text, &VerifyOptions::new("netaudit", now))?;
/// assert!(license.has_module(ModuleId(1)));
/// assert_eq!(license.quota(QuotaId(1)), Some(QuotaLimit::Limited(100)));
/// assert_eq!(license.status(), Status::ExpiringSoon { days_left: 22 });
/// assert_eq!(license.days_until_expiry(now), Some(22));
/// # Ok::<(), licman_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLicense {
    /// The latest `now` any check has seen, verification's included.
    latest: HighWaterMark,
    clock_tolerance: Duration,
    /// Checks allow the license from this time (started, issued within the
    /// clock tolerance; never, for a standing problem under `Advisory`) ...
    usable_from: Timestamp,
    /// ... until this one (the end of grace; never, if perpetual).
    usable_until: Timestamp,
    claims: Claims,
    key_id: KeyId,
    bytes: ContextualEnvelope,
    checked_at: Timestamp,
    status: Status,
    problems: Vec<Error>,
    expiring_soon_window: Duration,
}

impl VerifiedLicense {
    /// All the claims.
    ///
    /// ```
    /// # use licman_core::*;
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.claims().tier, "professional");
    /// ```
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The license id.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.license_id().to_string().len(), 36);
    /// ```
    pub fn license_id(&self) -> LicenseId {
        self.claims.license_id
    }

    /// The product id.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.product(), "netaudit");
    /// ```
    pub fn product(&self) -> &str {
        &self.claims.product
    }

    /// The customer.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.customer().id, "acme-corp");
    /// ```
    pub fn customer(&self) -> &Customer {
        &self.claims.customer
    }

    /// The tier name.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.tier(), "professional");
    /// ```
    pub fn tier(&self) -> &str {
        &self.claims.tier
    }

    /// The licensed module ids.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.modules().len(), 10);
    /// ```
    pub fn modules(&self) -> &ModuleSet {
        &self.claims.modules
    }

    /// Whether a module id is licensed: one bit test.
    ///
    /// ```
    /// # use licman_core::ModuleId;
    /// # let license = licman_core::__doc_verified();
    /// assert!(license.has_module(ModuleId(10)));
    /// assert!(!license.has_module(ModuleId(11)));
    /// ```
    #[inline]
    pub fn has_module(&self, module: ModuleId) -> bool {
        self.claims.modules.contains(module)
    }

    /// The license's limit for a quota id, if it sets one.
    ///
    /// ```
    /// # use licman_core::{QuotaId, QuotaLimit};
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.quota(QuotaId(3)), Some(QuotaLimit::Limited(50)));
    /// ```
    pub fn quota(&self, quota: QuotaId) -> Option<QuotaLimit> {
        self.claims.quota(quota)
    }

    /// When the license expires; `None` is perpetual.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.expires_at(), licman_core::Timestamp::from_date(2027, 1, 1));
    /// ```
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.claims.expires_at
    }

    /// The id of the key that signed it.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.key_id(), licman_core::SigningKey::from_seed(&[1; 32]).key_id());
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The time the license was checked at: the host's `now`, or its
    /// last-seen time if that is later.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.checked_at(), licman_core::Timestamp::from_date(2026, 6, 1).unwrap());
    /// ```
    pub fn checked_at(&self) -> Timestamp {
        self.checked_at
    }

    /// The status at [`checked_at`](Self::checked_at).
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.status(), licman_core::Status::Active);
    /// ```
    pub fn status(&self) -> Status {
        self.status
    }

    /// The latest time any check of this license has seen: verification's
    /// (the later of its `now` and last-seen time) and every `now` given to
    /// [`status_at`](Self::status_at), [`is_usable_at`](Self::is_usable_at),
    /// [`check_usable_at`](Self::check_usable_at),
    /// [`days_until_expiry`](Self::days_until_expiry) and the checks built
    /// on them (`authorize`). It never moves back, whichever thread raises
    /// it. Persist it and pass it as
    /// [`VerifyOptions::last_seen`] at the next start, so a clock turned
    /// back across a restart is caught too.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let license = licman_core::__doc_verified();
    /// let later = Timestamp::from_date(2026, 9, 1).unwrap();
    /// assert!(license.is_usable_at(later));
    /// assert_eq!(license.last_seen(), later);
    /// assert!(!license.is_usable_at(Timestamp::from_date(2026, 7, 1).unwrap()), "turned back");
    /// assert_eq!(license.last_seen(), later, "never moves back");
    /// ```
    pub fn last_seen(&self) -> Timestamp {
        self.latest.get()
    }

    /// Records `now` and returns the time checks judge at: the latest time
    /// seen, `now` included.
    #[inline(always)]
    fn observe(&self, now: Timestamp) -> Timestamp {
        self.latest.observe(now)
    }

    /// The status at another time, for hosts that verify once and keep the
    /// license (the expiring-soon window given at verification applies).
    /// It is judged at the later of `now` and [`last_seen`](Self::last_seen),
    /// so a clock turned back never makes an expired license look valid
    /// again; [`is_usable_at`](Self::is_usable_at) refuses such a clock.
    ///
    /// `now` is taken to be the host's current time and is recorded in the
    /// mark, like every check's: do not pass a future time to preview a
    /// status (the next real check would look turned back). For a preview,
    /// use [`status_preview`](Self::status_preview), which records nothing.
    ///
    /// ```
    /// # use licman_core::{Status, Timestamp};
    /// # let license = licman_core::__doc_verified();
    /// let later = Timestamp::from_date(2027, 1, 5).unwrap();
    /// assert_eq!(license.status_at(later), Status::InGrace { days_left: 10 });
    /// let turned_back = Timestamp::from_date(2026, 7, 1).unwrap();
    /// assert_eq!(license.status_at(turned_back), Status::InGrace { days_left: 10 });
    /// ```
    pub fn status_at(&self, now: Timestamp) -> Status {
        Status::of(&self.claims, self.observe(now), self.expiring_soon_window)
    }

    /// The status the license will have (or had) at `at`, recording
    /// nothing: a preview, such as a reminder's "status in 30 days". Judged
    /// at the later of `at` and [`last_seen`](Self::last_seen), so a past
    /// time never makes an expired license look valid; it is not a check
    /// of the current time ([`check_usable_at`](Self::check_usable_at)
    /// is).
    ///
    /// ```
    /// # use licman_core::{Status, Timestamp};
    /// # let license = licman_core::__doc_verified();
    /// let next_year = Timestamp::from_date(2027, 6, 1).unwrap();
    /// assert_eq!(license.status_preview(next_year), Status::Expired);
    /// // Nothing was recorded: a check today still passes.
    /// assert!(license.is_usable_at(Timestamp::from_date(2026, 6, 2).unwrap()));
    /// ```
    pub fn status_preview(&self, at: Timestamp) -> Status {
        Status::of(
            &self.claims,
            at.max(self.last_seen()),
            self.expiring_soon_window,
        )
    }

    /// Whether the license may be used at `now`, for per-request checks, in
    /// a few comparisons: `now` is not earlier than
    /// [`last_seen`](Self::last_seen) by more than the clock tolerance, the
    /// license is usable at the later of the two (started, and not past
    /// expiry plus grace: [`status_at`](Self::status_at)`(now).is_usable()`),
    /// and, when it was verified under [`Policy::Advisory`], it is neither
    /// revoked nor bound to other machines.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let license = licman_core::__doc_verified();
    /// assert!(license.is_usable_at(Timestamp::from_date(2027, 1, 5).unwrap()), "in grace");
    /// assert!(!license.is_usable_at(Timestamp::from_date(2027, 6, 1).unwrap()), "expired");
    /// assert!(!license.is_usable_at(Timestamp::from_date(2026, 7, 1).unwrap()), "clock turned back");
    /// ```
    #[inline]
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        let latest = self.observe(now);
        self.usable_from <= latest
            && latest < self.usable_until
            && latest <= now.saturating_add(self.clock_tolerance)
    }

    /// `Ok(status)` if the license may be used at `now` (see
    /// [`is_usable_at`](Self::is_usable_at)), else why not: the error
    /// verification would give ([`Error::ClockRolledBack`],
    /// [`Error::Revoked`], [`Error::MachineMismatch`],
    /// [`Error::IssuedInFuture`], [`Error::NotYetValid`],
    /// [`Error::Expired`]).
    ///
    /// ```
    /// # use licman_core::{Error, Status, Timestamp};
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.check_usable_at(Timestamp::from_date(2026, 6, 2).unwrap()), Ok(Status::Active));
    /// let err = license.check_usable_at(Timestamp::from_date(2026, 6, 1).unwrap()).unwrap_err();
    /// assert_eq!(err.code(), "clock_rolled_back");
    /// ```
    pub fn check_usable_at(&self, now: Timestamp) -> Result<Status, Error> {
        let latest = self.observe(now);
        if now.saturating_add(self.clock_tolerance) < latest {
            return Err(Error::ClockRolledBack {
                now,
                last_seen: latest,
            });
        }
        if self.usable_from > latest {
            let standing = self.problems.iter().find(|p| p.is_standing_problem());
            if let Some(problem) = standing {
                return Err(problem.clone());
            }
        }
        let status = Status::of(&self.claims, latest, self.expiring_soon_window);
        match status {
            Status::NotYetValid { .. } => Err(Error::NotYetValid {
                now: latest,
                starts_at: self.claims.starts_at,
            }),
            Status::Expired => Err(Error::Expired {
                now: latest,
                expires_at: self.claims.expires_at.unwrap_or(Timestamp::UNIX_EPOCH),
                grace_ends_at: self.usable_until,
            }),
            _ if self.usable_from > latest => Err(Error::IssuedInFuture {
                now: latest,
                issued_at: self.claims.issued_at,
            }),
            status => Ok(status),
        }
    }

    /// Whole days until expiry at `now` (judged, like
    /// [`status_at`](Self::status_at), at the later of `now` and
    /// [`last_seen`](Self::last_seen)), rounded up; negative once expired
    /// (`-1` means it expired between one and two days ago); `None` for a
    /// perpetual license. Like [`status_at`](Self::status_at), it records
    /// `now` as the current time.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.days_until_expiry(Timestamp::from_date(2026, 12, 31).unwrap()), Some(1));
    /// assert_eq!(license.days_until_expiry(Timestamp::from_date(2027, 1, 3).unwrap()), Some(-2));
    /// ```
    pub fn days_until_expiry(&self, now: Timestamp) -> Option<i64> {
        self.days_until_expiry_judged_at(self.observe(now))
    }

    /// [`days_until_expiry`](Self::days_until_expiry) at `at`, recording
    /// nothing (a preview, judged like
    /// [`status_preview`](Self::status_preview)).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.days_until_expiry_preview(Timestamp::from_date(2026, 12, 31).unwrap()), Some(1));
    /// assert!(license.is_usable_at(Timestamp::from_date(2026, 6, 2).unwrap()));
    /// ```
    pub fn days_until_expiry_preview(&self, at: Timestamp) -> Option<i64> {
        self.days_until_expiry_judged_at(at.max(self.last_seen()))
    }

    fn days_until_expiry_judged_at(&self, now: Timestamp) -> Option<i64> {
        let expires_at = self.claims.expires_at?;
        let diff = i128::from(expires_at.unix_seconds()) - i128::from(now.unix_seconds());
        let day = i128::from(SECONDS_PER_DAY);
        let days = if diff > 0 {
            (diff + day - 1) / day
        } else {
            diff / day
        };
        Some(i64::try_from(days).unwrap_or(if days > 0 { i64::MAX } else { i64::MIN }))
    }

    /// Validity problems found under [`Policy::Advisory`] (always empty
    /// under [`Policy::Enforce`], which refuses instead).
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert!(license.problems().is_empty());
    /// ```
    pub fn problems(&self) -> &[Error] {
        &self.problems
    }

    /// The binary envelope.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert_eq!(license.as_bytes()[0], 1);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.envelope()
    }

    /// The compact key text.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert!(license.to_compact().len() <= 240);
    /// ```
    pub fn to_compact(&self) -> String {
        self.bytes.to_compact()
    }

    /// The armored text.
    ///
    /// ```
    /// # let license = licman_core::__doc_verified();
    /// assert!(license.to_armored().starts_with("-----BEGIN LICMAN LICENSE-----"));
    /// ```
    pub fn to_armored(&self) -> String {
        self.bytes.to_armored()
    }
}

impl KeyRing {
    /// Parses (compact or armored) and verifies a license in one call.
    ///
    /// ```
    /// use licman_core::*;
    /// # let key = SigningKey::from_seed(&[1; 32]);
    /// # let text = key.issue(&licman_core::__doc_claims())?.to_compact();
    /// let ring = KeyRing::from_keys([key.public_key().clone()]);
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let license = ring.verify(&text, &VerifyOptions::new("netaudit", now))?;
    /// assert_eq!(license.customer().id, "acme-corp");
    /// # Ok::<(), licman_core::Error>(())
    /// ```
    pub fn verify(
        &self,
        text: &str,
        options: &VerifyOptions<'_>,
    ) -> Result<VerifiedLicense, Error> {
        UnverifiedLicense::parse(text)?.verify(self, options)
    }
}

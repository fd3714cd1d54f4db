//! Analytics at `now`: a summary of seats and spend, each pool's figures,
//! spend by vendor and currency, the pools expiring soon, and
//! recommendations (underused pools, nearly full ones, renewals due, seats
//! held by inactive users).
//!
//! Every figure is exact: costs are integer minor units and are never added
//! across currencies; utilization decisions compare integer ratios (a
//! [`Percent`] is only how a ratio is shown).
//!
//! Which pools count: an **archived** pool is listed in [`Analytics::pools`]
//! with its status, and nowhere else (not in the summary, the vendor costs,
//! the expiring pools or the recommendations). An **expired** pool (status
//! `expired`, or past its expiration date before `ApplyExpiry` records it)
//! counts in the summary and vendor costs, since it still holds seats until
//! it is archived, but is not expiring and gets no recommendation.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

use crate::seats::ids::PoolId;
use crate::seats::model::{BillingPeriod, ExpiryPolicy, LicenseType, Pool, PoolStatus, Trigger};
use crate::seats::money::{Currency, Money};
use crate::seats::state::{PoolEntry, PoolRow, SeatState};
use crate::time::{SECONDS_PER_DAY, Timestamp};

/// The inactivity threshold of `reclaim_opportunity` for a pool without an
/// enabled inactivity rule: 90 days.
pub const DEFAULT_INACTIVITY_DAYS: u32 = 90;

/// A ratio shown as a percentage to one decimal: an integer count of
/// tenths of a percent (`667` is 66.7 %), rounded half up. It is for
/// showing; decisions compare the exact ratio.
///
/// Serializes as its decimal text (`"66.7"`), like [`Money`]'s amount.
///
/// ```
/// use licman_core::seats::Percent;
/// assert_eq!(Percent::of(2, 3).to_string(), "66.7");
/// assert_eq!(Percent::of(1, 16).to_string(), "6.3"); // 6.25 rounds half up
/// assert_eq!(Percent::of(5, 10).tenths(), 500);
/// assert_eq!(Percent::of(3, 2).to_string(), "150.0"); // overage
/// assert_eq!(Percent::of(1, 0).to_string(), "0.0"); // nothing of nothing
/// assert_eq!(serde_json::to_string(&Percent::of(1, 3)).unwrap(), r#""33.3""#);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u64);

impl Percent {
    /// `tenths` tenths of a percent.
    pub const fn from_tenths(tenths: u64) -> Percent {
        Percent(tenths)
    }

    /// `part / whole` as a percentage, rounded half up to the tenth; zero
    /// when `whole` is zero.
    pub fn of(part: u64, whole: u64) -> Percent {
        if whole == 0 {
            return Percent(0);
        }
        let (part, whole) = (u128::from(part), u128::from(whole));
        // part ≤ u64::MAX, so part × 2000 fits in a u128.
        let tenths = (part * 2000 + whole) / (2 * whole);
        Percent(u64::try_from(tenths).unwrap_or(u64::MAX))
    }

    /// `part / whole` rounded down (`up` false) or up to the tenth: a figure
    /// shown beside a decision on an exact ratio (below 60 %, above 90 %)
    /// rounds away from the threshold, so that it never reads as the
    /// threshold itself.
    pub(crate) fn of_directed(part: u64, whole: u64, up: bool) -> Percent {
        if whole == 0 {
            return Percent(0);
        }
        let (part, whole) = (u128::from(part), u128::from(whole));
        let scaled = part * 1000;
        let tenths = if up {
            scaled.div_ceil(whole)
        } else {
            scaled / whole
        };
        Percent(u64::try_from(tenths).unwrap_or(u64::MAX))
    }

    /// The percentage in tenths of a percent.
    pub const fn tenths(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Percent {
    /// The percentage to one decimal, without a sign (`66.7`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What [`SeatState::analytics`] looks at.
///
/// ```
/// use licman_core::seats::AnalyticsOptions;
/// assert_eq!(AnalyticsOptions::default().expiring_window_days, 90);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyticsOptions {
    /// A pool expiring within this many days (whole days, rounded up) is
    /// counted in [`AnalyticsSummary::expiring_pools`] and listed in
    /// [`Analytics::expiring`]. The `expiring_soon` recommendation uses each
    /// pool's own warning days instead.
    pub expiring_window_days: u32,
}

impl AnalyticsOptions {
    /// The default expiring window: 90 days.
    pub const DEFAULT_EXPIRING_WINDOW_DAYS: u32 = 90;
}

impl Default for AnalyticsOptions {
    fn default() -> Self {
        AnalyticsOptions {
            expiring_window_days: Self::DEFAULT_EXPIRING_WINDOW_DAYS,
        }
    }
}

/// The analytics of a state at `evaluated_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Analytics {
    /// The time the figures are for.
    pub evaluated_at: Timestamp,
    /// The expiring window used, in days.
    pub expiring_window_days: u32,
    /// Totals over the pools that count (every pool but the archived ones).
    pub summary: AnalyticsSummary,
    /// Every pool, archived ones included, by pool id.
    pub pools: Vec<PoolStats>,
    /// Spend by vendor and currency (archived pools left out), by vendor
    /// then currency code.
    pub vendors: Vec<VendorCost>,
    /// Pools expiring within the window (archived and already expired pools
    /// left out), soonest first, then by pool id.
    pub expiring: Vec<ExpiringPool>,
    /// What to do, by kind (in [`RecommendationKind::NAMES`] order) then
    /// pool id.
    pub recommendations: Vec<Recommendation>,
}

/// Totals over every pool that is not archived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnalyticsSummary {
    /// Pools counted (active and expired ones).
    pub pools: u64,
    /// Archived pools, left out of every figure here.
    pub archived_pools: u64,
    /// Seats bought.
    pub capacity: u64,
    /// Seats held at `now`: active assignments (named pools) and leases
    /// holding a seat (concurrent pools).
    pub allocated: u64,
    /// The sum of each pool's free seats (a concurrent pool in overage
    /// adds none, and hides no other pool's free seats).
    pub available: u64,
    /// `allocated / capacity`.
    pub utilization: Percent,
    /// What the pools cost per month, one amount per currency (every
    /// currency a counted pool is priced in, zero included), by currency
    /// code.
    pub monthly_cost: Vec<Money>,
    /// What the perpetual pools cost once, in the same currencies as
    /// `monthly_cost` (zero where no perpetual pool is priced in one).
    pub one_time_cost: Vec<Money>,
    /// Pools expiring within the window (not yet past their expiration).
    pub expiring_pools: u64,
}

/// One pool's figures at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PoolStats {
    /// The pool.
    pub pool: PoolId,
    /// Its name.
    pub name: String,
    /// Its vendor.
    pub vendor: String,
    /// Its product.
    pub product: String,
    /// The vendor's plan or edition.
    pub plan: String,
    /// Named or concurrent.
    pub license_type: LicenseType,
    /// How a seat is paid for.
    pub billing: BillingPeriod,
    /// The status at `now`: `expired` from the expiration date on, even
    /// before `ApplyExpiry` records it; `archived` whatever the date.
    pub status: PoolStatus,
    /// Seats bought.
    pub capacity: u32,
    /// Seats held at `now`.
    pub allocated: u64,
    /// Free seats: `capacity − allocated`, zero in overage.
    pub available: u64,
    /// `allocated / capacity`.
    pub utilization: Percent,
    /// One seat per month (see [`Pool::monthly_seat_cost`]).
    pub monthly_seat_cost: Money,
    /// Every seat per month, used or not: `capacity × monthly_seat_cost`.
    pub monthly_cost: Money,
    /// What a perpetual pool cost once (`capacity × seat cost`); zero
    /// otherwise.
    pub one_time_cost: Money,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Whole days until then, rounded up; zero or negative once past.
    pub days_until_expiry: Option<i64>,
}

/// Spend with one vendor in one currency (pools without a vendor have the
/// empty vendor `""`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VendorCost {
    /// The vendor, as the pools spell it.
    pub vendor: String,
    /// The currency of the amounts.
    pub currency: Currency,
    /// Pools of this vendor priced in this currency.
    pub pools: u64,
    /// Their seats.
    pub capacity: u64,
    /// Their seats held at `now`.
    pub allocated: u64,
    /// What they cost per month.
    pub monthly_cost: Money,
    /// What the perpetual ones cost once.
    pub one_time_cost: Money,
}

/// A pool expiring within the analytics window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiringPool {
    /// The pool.
    pub pool: PoolId,
    /// Its name.
    pub name: String,
    /// Its vendor.
    pub vendor: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Whole days left, rounded up (at least 1).
    pub days_left: u64,
    /// What expiry will do to its seats.
    pub expiry_policy: ExpiryPolicy,
    /// The pool's warning days.
    pub warning_days: u32,
    /// Seats held at `now`.
    pub allocated: u64,
}

/// What a recommendation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Under 60 % of the seats are held: fewer seats would do.
    Underutilized,
    /// Over 90 % of the seats are held: more may be needed soon.
    HighUtilization,
    /// The pool expires within its warning days.
    ExpiringSoon,
    /// Users inactive past the pool's inactivity threshold hold seats.
    ReclaimOpportunity,
}

option_names!(RecommendationKind { Underutilized => "underutilized", HighUtilization => "high_utilization", ExpiringSoon => "expiring_soon", ReclaimOpportunity => "reclaim_opportunity", });

/// Something to do about a pool. Only pools active at `now` (neither
/// archived nor expired) get recommendations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// What it is about.
    pub kind: RecommendationKind,
    /// The pool.
    pub pool: PoolId,
    /// Its name.
    pub pool_name: String,
    /// The recommendation in words, with its figures.
    pub message: String,
    /// The pool's seats.
    pub capacity: u32,
    /// Its seats held at `now`.
    pub allocated: u64,
    /// `allocated / capacity`: rounded down for `underutilized` and up for
    /// `high_utilization` (so it never reads as the 60 % or 90 % it is
    /// below or above), half up otherwise.
    pub utilization: Percent,
    /// Whole days until expiry (`expiring_soon`).
    pub days_left: Option<u64>,
    /// Assignments held by inactive users (`reclaim_opportunity`).
    pub inactive_assignments: Option<u64>,
    /// The inactivity threshold used, in days (`reclaim_opportunity`).
    pub inactivity_days: Option<u32>,
    /// What acting would save per month: the unused seats
    /// (`underutilized`) or the inactive users' seats
    /// (`reclaim_opportunity`) × the monthly seat cost.
    pub potential_monthly_savings: Option<Money>,
}

/// The pool's status at `now`: an active pool past its expiration date is
/// expired, whether or not expiry was applied.
pub(crate) fn status_at(pool: &Pool, now: Timestamp) -> PoolStatus {
    match pool.status {
        PoolStatus::Active if pool.is_past_expiry(now) => PoolStatus::Expired,
        status => status,
    }
}

/// `seat × count`, saturating (engine-made pools cannot come near).
fn times(seat: Money, count: u64) -> Money {
    Money::new(
        seat.minor_units().saturating_mul(u128::from(count)),
        seat.currency(),
    )
}

/// What a perpetual pool cost once, saturating.
fn one_time(pool: &Pool) -> Money {
    match pool.billing {
        BillingPeriod::Perpetual => times(pool.seat_cost, u64::from(pool.capacity)),
        _ => Money::zero(pool.seat_cost.currency()),
    }
}

fn amount(m: Money) -> String {
    format!("{m} {}", m.currency())
}

/// Running sums of one currency.
#[derive(Clone, Copy)]
struct Sums {
    monthly: u128,
    one_time: u128,
}

/// Running sums of one vendor in one currency.
#[derive(Default)]
struct VendorSums {
    pools: u64,
    capacity: u64,
    allocated: u64,
    monthly: u128,
    one_time: u128,
}

impl SeatState {
    /// The analytics at `now`.
    ///
    /// A pool's monthly cost is `capacity × monthly seat cost`: monthly
    /// billing costs the seat cost, annual a twelfth of it rounded half to
    /// even to the minor unit, perpetual nothing per month (its
    /// `capacity × seat cost` is a one-time cost). Archived pools appear
    /// only in [`Analytics::pools`]; see the [module
    /// documentation](crate::seats::analytics) for which pools count where.
    ///
    /// Recommendations, for pools active at `now`:
    /// - `underutilized` when `allocated / capacity < 60 %`, saving
    ///   `(capacity − allocated) × monthly seat cost`;
    /// - `high_utilization` when `allocated / capacity > 90 %`;
    /// - `expiring_soon` when the pool expires within its warning days;
    /// - `reclaim_opportunity` (named pools) when some active assignments'
    ///   holders have shown no life (the later of their last activity and
    ///   the assignment time) for the pool's threshold: the smallest `days`
    ///   of its enabled inactivity rules, else [`DEFAULT_INACTIVITY_DAYS`];
    ///   saving that count × monthly seat cost.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// use licman_core::Timestamp;
    /// let now = Timestamp::from_date(2026, 12, 1).unwrap();
    /// let mut state = SeatState::new();
    /// let mut spec = PoolSpec::new(PoolId::new("figma")?, "Figma", 10);
    /// spec.seat_cost = Money::parse("100.00", Currency::USD)?;
    /// spec.billing = BillingPeriod::Annual;
    /// state.execute(&Command::CreatePool(spec), now)?;
    /// for i in 0..5 {
    ///     let user = UserId::new(&format!("u{i}"))?;
    ///     state.execute(&Command::CreateUser { id: user.clone(), email: format!("u{i}@example.com"),
    ///         active: true, lifecycle: "active".into(), last_activity: None }, now)?;
    ///     state.execute(&Command::Assign { id: AssignmentId::new(&format!("a{i}"))?,
    ///         pool: PoolId::new("figma")?, user, source: AssignmentSource::Manual,
    ///         notes: String::new() }, now)?;
    /// }
    ///
    /// let report = state.analytics(now, &AnalyticsOptions::default());
    /// assert_eq!(report.pools[0].monthly_seat_cost.to_string(), "8.33"); // 100.00 / 12
    /// assert_eq!(report.summary.monthly_cost, vec![Money::parse("83.30", Currency::USD)?]);
    /// assert_eq!(report.summary.utilization.to_string(), "50.0");
    /// let advice = &report.recommendations[0];
    /// assert_eq!(advice.kind, RecommendationKind::Underutilized);
    /// assert_eq!(advice.potential_monthly_savings, Some(Money::parse("41.65", Currency::USD)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn analytics(&self, now: Timestamp, options: &AnalyticsOptions) -> Analytics {
        let window = i64::from(options.expiring_window_days);
        let mut pools = Vec::with_capacity(self.pools.len());
        let mut currencies: Vec<(Currency, Sums)> = Vec::new();
        let mut vendors: BTreeMap<(&str, Currency), VendorSums> = BTreeMap::new();
        let mut expiring = Vec::new();
        let mut recommendations = Vec::new();
        let mut reclaimable: Vec<(PoolRow, &PoolEntry, u32)> = Vec::new();
        let mut summary = AnalyticsSummary {
            pools: 0,
            archived_pools: 0,
            capacity: 0,
            allocated: 0,
            available: 0,
            utilization: Percent(0),
            monthly_cost: Vec::new(),
            one_time_cost: Vec::new(),
            expiring_pools: 0,
        };
        // Pools in id order, so every list built from them is in order too
        // (sorting references, not the rows).
        let mut entries: Vec<(PoolRow, &PoolEntry)> = self.pools.iter().collect();
        entries.sort_unstable_by(|a, b| a.1.pool.id.cmp(&b.1.pool.id));
        for (row, entry) in entries {
            let pool = &entry.pool;
            let capacity = u64::from(pool.capacity);
            let allocated = entry.allocated_at(now, &self.leases);
            let available = capacity.saturating_sub(allocated);
            let utilization = Percent::of(allocated, capacity);
            let seat = pool.monthly_seat_cost();
            let monthly = times(seat, capacity);
            let one_time = one_time(pool);
            let status = status_at(pool, now);
            let days = pool.days_until_expiry(now);
            pools.push(PoolStats {
                pool: pool.id.clone(),
                name: pool.name.clone(),
                vendor: pool.vendor.clone(),
                product: pool.product.clone(),
                plan: pool.plan.clone(),
                license_type: pool.license_type,
                billing: pool.billing,
                status,
                capacity: pool.capacity,
                allocated,
                available,
                utilization,
                monthly_seat_cost: seat,
                monthly_cost: monthly,
                one_time_cost: one_time,
                expires_at: pool.expires_at,
                days_until_expiry: days,
            });
            if status == PoolStatus::Archived {
                summary.archived_pools += 1;
                continue;
            }

            summary.pools += 1;
            summary.capacity += capacity;
            summary.allocated += allocated;
            summary.available += available;
            let currency = seat.currency();
            match currencies.iter_mut().find(|(c, _)| *c == currency) {
                Some((_, sums)) => {
                    sums.monthly = sums.monthly.saturating_add(monthly.minor_units());
                    sums.one_time = sums.one_time.saturating_add(one_time.minor_units());
                }
                None => currencies.push((
                    currency,
                    Sums {
                        monthly: monthly.minor_units(),
                        one_time: one_time.minor_units(),
                    },
                )),
            }
            let v = vendors.entry((pool.vendor.as_str(), currency)).or_default();
            v.pools += 1;
            v.capacity += capacity;
            v.allocated += allocated;
            v.monthly = v.monthly.saturating_add(monthly.minor_units());
            v.one_time = v.one_time.saturating_add(one_time.minor_units());

            // Not yet past expiry: at least one second, so at least one day, left.
            let days_left = days.filter(|d| *d > 0).and_then(|d| u64::try_from(d).ok());
            if let (Some(left), Some(expires_at)) = (days_left, pool.expires_at) {
                if days.is_some_and(|d| d <= window) {
                    summary.expiring_pools += 1;
                    expiring.push(ExpiringPool {
                        pool: pool.id.clone(),
                        name: pool.name.clone(),
                        vendor: pool.vendor.clone(),
                        expires_at,
                        days_left: left,
                        expiry_policy: pool.expiry_policy,
                        warning_days: pool.warning_days,
                        allocated,
                    });
                }
            }

            if status == PoolStatus::Active {
                self.recommend(entry, now, allocated, days_left, &mut recommendations);
                if pool.license_type == LicenseType::Named && !entry.seated.is_empty() {
                    reclaimable.push((row, entry, self.inactivity_threshold(entry)));
                }
            }
        }
        self.reclaim_opportunities(&reclaimable, now, &mut recommendations);

        currencies.sort_by_key(|(c, _)| *c);
        summary.utilization = Percent::of(summary.allocated, summary.capacity);
        summary.monthly_cost = currencies
            .iter()
            .map(|(c, s)| Money::new(s.monthly, *c))
            .collect();
        summary.one_time_cost = currencies
            .iter()
            .map(|(c, s)| Money::new(s.one_time, *c))
            .collect();
        expiring.sort_by(|a, b| {
            a.expires_at
                .cmp(&b.expires_at)
                .then_with(|| a.pool.cmp(&b.pool))
        });
        // Already in pool order within each kind: a stable sort by kind
        // keeps it.
        recommendations.sort_by_key(|r| r.kind);
        debug_assert!(recommendations.is_sorted_by(|a, b| (a.kind, &a.pool) <= (b.kind, &b.pool)));
        let vendors = vendors
            .into_iter()
            .map(|((vendor, currency), v)| VendorCost {
                vendor: vendor.into(),
                currency,
                pools: v.pools,
                capacity: v.capacity,
                allocated: v.allocated,
                monthly_cost: Money::new(v.monthly, currency),
                one_time_cost: Money::new(v.one_time, currency),
            })
            .collect();
        Analytics {
            evaluated_at: now,
            expiring_window_days: options.expiring_window_days,
            summary,
            pools,
            vendors,
            expiring,
            recommendations,
        }
    }

    /// The recommendations for an active pool.
    fn recommend(
        &self,
        entry: &PoolEntry,
        now: Timestamp,
        allocated: u64,
        days_left: Option<u64>,
        out: &mut Vec<Recommendation>,
    ) {
        let pool = &entry.pool;
        let capacity = u64::from(pool.capacity);
        let utilization = Percent::of(allocated, capacity);
        let seat = pool.monthly_seat_cost();
        let base = |kind, message, utilization| Recommendation {
            kind,
            pool: pool.id.clone(),
            pool_name: pool.name.clone(),
            message,
            capacity: pool.capacity,
            allocated,
            utilization,
            days_left: None,
            inactive_assignments: None,
            inactivity_days: None,
            potential_monthly_savings: None,
        };
        let (held, bought) = (u128::from(allocated), u128::from(capacity));
        if held * 100 < bought * 60 {
            let unused = capacity - allocated; // allocated < capacity here
            let savings = times(seat, unused);
            // Below 60 %, shown rounded down (59.96 % reads 59.9, not 60.0).
            let below = Percent::of_directed(allocated, capacity, false);
            let mut r = base(
                RecommendationKind::Underutilized,
                format!(
                    "{allocated} of {capacity} seats held ({below} %); \
                     {unused} unused seats cost {} a month",
                    amount(savings)
                ),
                below,
            );
            r.potential_monthly_savings = Some(savings);
            out.push(r);
        } else if held * 10 > bought * 9 {
            // Above 90 %, shown rounded up (90.04 % reads 90.1).
            let above = Percent::of_directed(allocated, capacity, true);
            out.push(base(
                RecommendationKind::HighUtilization,
                format!(
                    "{allocated} of {capacity} seats held ({above} %); \
                     consider adding seats"
                ),
                above,
            ));
        }
        if let Some(left) = days_left.filter(|d| *d <= u64::from(pool.warning_days)) {
            let expires = pool.expires_at.unwrap_or(now);
            let mut r = base(
                RecommendationKind::ExpiringSoon,
                format!(
                    "expires at {expires}, in {left} days (policy {}); \
                     renew it or plan for its end",
                    pool.expiry_policy.name()
                ),
                utilization,
            );
            r.days_left = Some(left);
            out.push(r);
        }
    }

    /// The smallest `days` of the pool's enabled inactivity rules, or
    /// [`DEFAULT_INACTIVITY_DAYS`].
    fn inactivity_threshold(&self, entry: &PoolEntry) -> u32 {
        entry
            .rules
            .iter()
            .filter_map(|id| self.rules.get(id))
            .filter(|r| r.enabled)
            .filter_map(|r| match r.trigger {
                Trigger::Inactivity { days } => Some(days),
                Trigger::Lifecycle { .. } => None,
            })
            .min()
            .unwrap_or(DEFAULT_INACTIVITY_DAYS)
    }

    /// The `reclaim_opportunity` recommendations of active named pools,
    /// each with its inactivity threshold in days.
    ///
    /// An assignment is inactive when its holder has shown no life (the
    /// later of their last activity and the assignment time, as
    /// `reclamation::last_sign_of_life` has it) at or before the pool's
    /// cutoff, `now − threshold`. A user active after the latest cutoff is
    /// active for every pool, so one pass over the users first keeps the
    /// others (usually a few) in a small map: each seat then costs a probe
    /// of that map, and only a holder who may be inactive costs a look-up
    /// of the assignment.
    fn reclaim_opportunities(
        &self,
        pools: &[(PoolRow, &PoolEntry, u32)],
        now: Timestamp,
        out: &mut Vec<Recommendation>,
    ) {
        let cutoff = |threshold: u32| {
            now.unix_seconds()
                .checked_sub(u64::from(threshold) * SECONDS_PER_DAY)
                .map(Timestamp::from_unix_seconds)
        };
        // No cutoff: the threshold reaches back before the epoch, so no
        // one can have been inactive that long.
        let Some(latest) = pools.iter().filter_map(|(_, _, t)| cutoff(*t)).max() else {
            return;
        };
        // Start from the users: one who was active after the latest cutoff
        // is active for every pool and costs nothing more; the others'
        // seats are found through their holdings, not by reading every seat.
        let mut slots: Vec<Option<(usize, Timestamp)>> = vec![None; self.pools.rows_len()];
        for (i, (row, _, threshold)) in pools.iter().enumerate() {
            if let (Some(cut), Some(slot)) = (cutoff(*threshold), slots.get_mut(row.index())) {
                *slot = Some((i, cut));
            }
        }
        let mut counts = vec![0u64; pools.len()];
        for holder in self.quiet_users(latest) {
            let activity = holder.user.last_activity;
            for seat in &holder.seats {
                let Some(&Some((i, cut))) = slots.get(seat.pool.index()) else {
                    continue;
                };
                if crate::seats::reclamation::last_sign_of_life(activity, seat.assigned_at) <= cut {
                    counts[i] += 1;
                }
            }
        }
        for ((_, entry, threshold), inactive) in pools.iter().zip(counts) {
            if inactive == 0 {
                continue;
            }
            let pool = &entry.pool;
            let allocated = entry.seated.len() as u64;
            let savings = times(pool.monthly_seat_cost(), inactive);
            out.push(Recommendation {
                kind: RecommendationKind::ReclaimOpportunity,
                pool: pool.id.clone(),
                pool_name: pool.name.clone(),
                message: format!(
                    "{inactive} seats held by users inactive for {threshold} days or more; \
                     reclaiming them would save {} a month",
                    amount(savings)
                ),
                capacity: pool.capacity,
                allocated,
                utilization: Percent::of(allocated, u64::from(pool.capacity)),
                days_left: None,
                inactive_assignments: Some(inactive),
                inactivity_days: Some(*threshold),
                potential_monthly_savings: Some(savings),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::command::{BulkAssignItem, Command, PoolSpec, UserPatch};
    use crate::seats::ids::{AssignmentId, HolderId, LeaseId, RuleId, UserId};
    use crate::seats::model::{AssignmentSource, LeaseOptions, Overage};
    use alloc::string::ToString;
    use alloc::vec;
    use core::time::Duration;

    pub(crate) fn day(y: u32, m: u32, d: u32) -> Timestamp {
        Timestamp::from_date(y, m, d).unwrap()
    }

    fn later(t: Timestamp, days: u64) -> Timestamp {
        t.saturating_add(Duration::from_secs(days * SECONDS_PER_DAY))
    }

    fn pid(id: &str) -> PoolId {
        PoolId::new(id).unwrap()
    }

    fn money(text: &str, currency: &str) -> Money {
        Money::parse(text, currency.parse().unwrap()).unwrap()
    }

    fn spec(id: &str, capacity: u32, cost: &str, billing: BillingPeriod) -> PoolSpec {
        let mut s = PoolSpec::new(pid(id), id, capacity);
        s.seat_cost = money(cost, "USD");
        s.billing = billing;
        s
    }

    fn create(state: &mut SeatState, spec: PoolSpec, now: Timestamp) {
        state.execute(&Command::CreatePool(spec), now).unwrap();
    }

    fn user(state: &mut SeatState, id: &str, last_activity: Option<Timestamp>, now: Timestamp) {
        state
            .execute(
                &Command::CreateUser {
                    id: UserId::new(id).unwrap(),
                    email: format!("{id}@example.com"),
                    active: true,
                    lifecycle: "active".into(),
                    last_activity,
                },
                now,
            )
            .unwrap();
    }

    /// `count` new users `<pool>-u<i>`, each given a seat of `pool`.
    fn fill(state: &mut SeatState, pool: &str, count: usize, now: Timestamp) {
        let mut items = Vec::new();
        for i in 0..count {
            let u = format!("{pool}-u{i}");
            user(state, &u, None, now);
            items.push(BulkAssignItem {
                id: AssignmentId::new(&format!("{pool}-a{i}")).unwrap(),
                user: UserId::new(&u).unwrap(),
            });
        }
        let done = state
            .execute(
                &Command::BulkAssign {
                    pool: pid(pool),
                    items,
                    source: AssignmentSource::Manual,
                    notes: String::new(),
                },
                now,
            )
            .unwrap();
        assert_eq!(done.changes.len(), count);
    }

    fn assign(state: &mut SeatState, id: &str, pool: &str, user: &str, now: Timestamp) {
        state
            .execute(
                &Command::Assign {
                    id: AssignmentId::new(id).unwrap(),
                    pool: pid(pool),
                    user: UserId::new(user).unwrap(),
                    source: AssignmentSource::Manual,
                    notes: String::new(),
                },
                now,
            )
            .unwrap();
    }

    fn stats<'a>(a: &'a Analytics, pool: &str) -> &'a PoolStats {
        a.pools.iter().find(|p| p.pool.as_str() == pool).unwrap()
    }

    fn kinds(a: &Analytics, pool: &str) -> Vec<RecommendationKind> {
        a.recommendations
            .iter()
            .filter(|r| r.pool.as_str() == pool)
            .map(|r| r.kind)
            .collect()
    }

    fn run(state: &SeatState, now: Timestamp) -> Analytics {
        state.analytics(now, &AnalyticsOptions::default())
    }

    #[test]
    fn percent_rounds_half_up_to_the_tenth() {
        let p = |a, b| Percent::of(a, b).to_string();
        assert_eq!(p(2, 3), "66.7");
        assert_eq!(p(1, 3), "33.3");
        assert_eq!(p(1, 6), "16.7");
        assert_eq!(p(1, 8), "12.5");
        assert_eq!(p(1, 16), "6.3");
        assert_eq!(p(0, 7), "0.0");
        assert_eq!(p(7, 7), "100.0");
        assert_eq!(p(1, 0), "0.0");
        assert_eq!(p(u64::MAX, 1), "1844674407370955161.5"); // saturates
        assert_eq!(p(1, 2000), "0.1"); // 0.05 rounds up
        assert_eq!(p(1, 2001), "0.0");
    }

    #[test]
    fn monthly_seat_cost_of_each_billing_period() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        create(
            &mut state,
            spec("annual", 10, "100.00", BillingPeriod::Annual),
            now,
        );
        create(
            &mut state,
            spec("cents", 4, "0.30", BillingPeriod::Annual),
            now,
        );
        create(
            &mut state,
            spec("odd", 1, "0.42", BillingPeriod::Annual),
            now,
        );
        create(
            &mut state,
            spec("monthly", 3, "15.00", BillingPeriod::Monthly),
            now,
        );
        create(
            &mut state,
            spec("perpetual", 3, "200.00", BillingPeriod::Perpetual),
            now,
        );
        let a = run(&state, now);

        let annual = stats(&a, "annual");
        assert_eq!(annual.monthly_seat_cost, money("8.33", "USD")); // 833.33… → 833
        assert_eq!(annual.monthly_cost, money("83.30", "USD"));
        assert_eq!(annual.one_time_cost, money("0", "USD"));
        assert_eq!(stats(&a, "cents").monthly_seat_cost, money("0.02", "USD")); // 2.5 → 2
        assert_eq!(stats(&a, "cents").monthly_cost, money("0.08", "USD"));
        assert_eq!(stats(&a, "odd").monthly_seat_cost, money("0.04", "USD")); // 3.5 → 4
        assert_eq!(stats(&a, "monthly").monthly_cost, money("45.00", "USD"));
        let perpetual = stats(&a, "perpetual");
        assert_eq!(perpetual.monthly_seat_cost, money("0", "USD"));
        assert_eq!(perpetual.monthly_cost, money("0", "USD"));
        assert_eq!(perpetual.one_time_cost, money("600.00", "USD"));

        // 83.30 + 0.08 + 0.04 + 45.00 + 0
        assert_eq!(a.summary.monthly_cost, vec![money("128.42", "USD")]);
        assert_eq!(a.summary.one_time_cost, vec![money("600.00", "USD")]);
        assert_eq!(a.summary.pools, 5);
        assert_eq!(a.summary.capacity, 21);
    }

    #[test]
    fn half_used_pool_is_underutilized_with_savings() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        create(
            &mut state,
            spec("p", 10, "100.00", BillingPeriod::Annual),
            now,
        );
        fill(&mut state, "p", 5, now);
        let a = run(&state, now);
        let p = stats(&a, "p");
        assert_eq!((p.capacity, p.allocated, p.available), (10, 5, 5));
        assert_eq!(p.utilization.to_string(), "50.0");
        assert_eq!(p.status, PoolStatus::Active);
        assert_eq!(a.recommendations.len(), 1);
        let r = &a.recommendations[0];
        assert_eq!(r.kind, RecommendationKind::Underutilized);
        assert_eq!(r.pool_name, "p");
        // 5 × 8.33
        assert_eq!(r.potential_monthly_savings, Some(money("41.65", "USD")));
        assert_eq!(
            r.message,
            "5 of 10 seats held (50.0 %); 5 unused seats cost 41.65 USD a month"
        );
        assert_eq!(a.summary.utilization.to_string(), "50.0");
        assert_eq!((a.summary.allocated, a.summary.available), (5, 5));
    }

    #[test]
    fn utilization_thresholds_are_exact() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        for (id, held) in [("p59", 59), ("p60", 60), ("p90", 90), ("p91", 91)] {
            create(
                &mut state,
                spec(id, 100, "1.00", BillingPeriod::Monthly),
                now,
            );
            fill(&mut state, id, held, now);
        }
        // 2 of 3 is 66.7 %: neither.
        create(
            &mut state,
            spec("p2of3", 3, "1.00", BillingPeriod::Monthly),
            now,
        );
        fill(&mut state, "p2of3", 2, now);
        let a = run(&state, now);
        assert_eq!(kinds(&a, "p59"), [RecommendationKind::Underutilized]);
        assert_eq!(kinds(&a, "p60"), []);
        assert_eq!(kinds(&a, "p90"), []);
        assert_eq!(kinds(&a, "p91"), [RecommendationKind::HighUtilization]);
        assert_eq!(kinds(&a, "p2of3"), []);
        assert_eq!(stats(&a, "p2of3").utilization.to_string(), "66.7");
        assert_eq!(stats(&a, "p59").utilization.tenths(), 590);
        let r59 = &a.recommendations[0];
        assert_eq!(r59.potential_monthly_savings, Some(money("41.00", "USD")));
        let high = a
            .recommendations
            .iter()
            .find(|r| r.kind == RecommendationKind::HighUtilization)
            .unwrap();
        assert_eq!(high.potential_monthly_savings, None);
        assert_eq!(
            high.message,
            "91 of 100 seats held (91.0 %); consider adding seats"
        );
    }

    #[test]
    fn currencies_are_never_summed_together() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        let mut usd = spec("usd", 2, "10.00", BillingPeriod::Monthly);
        usd.vendor = "Acme".into();
        let mut eur = spec("eur", 3, "20.00", BillingPeriod::Monthly);
        eur.seat_cost = money("20.00", "EUR");
        eur.vendor = "Acme".into();
        let mut eur2 = spec("eur2", 1, "120.00", BillingPeriod::Perpetual);
        eur2.seat_cost = money("120.00", "EUR");
        eur2.vendor = "Beta".into();
        let mut yen = spec("yen", 1, "0", BillingPeriod::Annual);
        yen.seat_cost = money("1200", "JPY");
        for s in [usd, eur, eur2, yen] {
            create(&mut state, s, now);
        }
        let a = run(&state, now);
        assert_eq!(
            a.summary.monthly_cost,
            vec![
                money("60.00", "EUR"),
                money("100", "JPY"),
                money("20.00", "USD")
            ]
        );
        assert_eq!(
            a.summary.one_time_cost,
            vec![money("120.00", "EUR"), money("0", "JPY"), money("0", "USD")]
        );
        let v: Vec<(&str, &str, u64, Money)> = a
            .vendors
            .iter()
            .map(|v| {
                (
                    v.vendor.as_str(),
                    v.currency.code(),
                    v.capacity,
                    v.monthly_cost,
                )
            })
            .collect();
        assert_eq!(
            v,
            [
                ("", "JPY", 1, money("100", "JPY")),
                ("Acme", "EUR", 3, money("60.00", "EUR")),
                ("Acme", "USD", 2, money("20.00", "USD")),
                ("Beta", "EUR", 1, money("0", "EUR")),
            ]
        );
        assert_eq!(a.vendors[3].one_time_cost, money("120.00", "EUR"));
        assert_eq!(a.vendors[3].pools, 1);
    }

    #[test]
    fn expiring_window_and_warning_days_differ() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        let at = |id: &str, days, warning| {
            let mut s = spec(id, 5, "1.00", BillingPeriod::Monthly);
            s.expires_at = Some(later(now, days));
            s.warning_days = warning;
            s
        };
        create(&mut state, at("in60", 60, 30), now); // in the window only
        create(&mut state, at("in20", 20, 30), now); // in the window and the warning
        create(&mut state, at("in120", 120, 150), now); // in the warning only
        create(&mut state, at("gone", 5, 30), now); // expires before t
        let mut never = spec("never", 5, "1.00", BillingPeriod::Monthly);
        never.expires_at = None;
        create(&mut state, never, now);
        fill(&mut state, "in20", 5, now);

        let a = run(&state, now);
        assert_eq!(a.summary.expiring_pools, 3); // gone (5 days), in20, in60

        let t = later(now, 10);
        let a = run(&state, t);
        assert_eq!(stats(&a, "gone").status, PoolStatus::Expired);
        assert_eq!(stats(&a, "gone").days_until_expiry, Some(-5));
        assert_eq!(stats(&a, "never").days_until_expiry, None);
        assert_eq!(a.summary.expiring_pools, 2);
        let e: Vec<(&str, u64)> = a
            .expiring
            .iter()
            .map(|e| (e.pool.as_str(), e.days_left))
            .collect();
        assert_eq!(e, [("in20", 10), ("in60", 50)]);
        assert_eq!(a.expiring[0].expiry_policy, ExpiryPolicy::BlockNew);
        assert_eq!(a.expiring[0].allocated, 5);
        assert_eq!(a.expiring[0].warning_days, 30);
        let soon: Vec<(&str, Option<u64>)> = a
            .recommendations
            .iter()
            .filter(|r| r.kind == RecommendationKind::ExpiringSoon)
            .map(|r| (r.pool.as_str(), r.days_left))
            .collect();
        assert_eq!(soon, [("in120", Some(110)), ("in20", Some(10))]);
        let r = a
            .recommendations
            .iter()
            .find(|r| r.pool.as_str() == "in20" && r.kind == RecommendationKind::ExpiringSoon)
            .unwrap();
        assert_eq!(
            r.message,
            "expires at 2026-12-21T00:00:00Z, in 10 days (policy block_new); \
             renew it or plan for its end"
        );
        // The expired pool gets no recommendation, though it is empty.
        assert_eq!(kinds(&a, "gone"), []);

        // A wider window takes in120 in.
        let wide = state.analytics(
            t,
            &AnalyticsOptions {
                expiring_window_days: 120,
            },
        );
        assert_eq!(wide.summary.expiring_pools, 3);
        assert_eq!(wide.expiring_window_days, 120);
        assert_eq!(wide.expiring[2].pool.as_str(), "in120");

        // One second left is one day; none left is expired.
        let last = Timestamp::from_unix_seconds(later(now, 20).unix_seconds() - 1);
        assert_eq!(run(&state, last).expiring[0].days_left, 1);
        let a = run(&state, later(now, 20));
        assert_eq!(stats(&a, "in20").status, PoolStatus::Expired);
        assert_eq!(stats(&a, "in20").days_until_expiry, Some(0));
        assert!(a.expiring.iter().all(|e| e.pool.as_str() != "in20"));
    }

    #[test]
    fn reclaim_opportunity_with_and_without_a_rule() {
        let t0 = day(2026, 1, 1);
        let now = later(t0, 100);
        let mut state = SeatState::new();
        create(
            &mut state,
            spec("plain", 5, "10.00", BillingPeriod::Monthly),
            t0,
        );
        create(
            &mut state,
            spec("ruled", 4, "12.00", BillingPeriod::Annual),
            t0,
        );
        // Users last seen 100, 20 and 31 days before now, and one never seen.
        user(&mut state, "old", Some(t0), t0);
        user(&mut state, "recent", Some(later(t0, 80)), t0);
        user(&mut state, "month", Some(later(t0, 69)), t0);
        user(&mut state, "never", None, t0);
        for (i, u) in ["old", "recent", "month", "never"].iter().enumerate() {
            assign(&mut state, &format!("p{i}"), "plain", u, t0);
            assign(&mut state, &format!("r{i}"), "ruled", u, t0);
        }
        // A user never seen shows life by a recent assignment.
        user(&mut state, "fresh", None, t0);
        assign(&mut state, "p-fresh", "plain", "fresh", later(t0, 50));
        let rule = |id: &str, trigger, enabled| Command::CreateRule {
            id: RuleId::new(id).unwrap(),
            pool: pid("ruled"),
            trigger,
            notify_days: 7,
            enabled,
        };
        state
            .execute(&rule("r-60", Trigger::Inactivity { days: 60 }, true), t0)
            .unwrap();
        state
            .execute(&rule("r-30", Trigger::Inactivity { days: 30 }, true), t0)
            .unwrap();
        state
            .execute(&rule("r-10", Trigger::Inactivity { days: 10 }, false), t0)
            .unwrap();
        state
            .execute(
                &rule(
                    "r-life",
                    Trigger::Lifecycle {
                        state: "terminated".into(),
                    },
                    true,
                ),
                t0,
            )
            .unwrap();

        let a = run(&state, now);
        let reclaim = |pool: &str| {
            a.recommendations
                .iter()
                .find(|r| {
                    r.pool.as_str() == pool && r.kind == RecommendationKind::ReclaimOpportunity
                })
                .unwrap()
        };
        // Without a rule, 90 days: old (100) and never (assigned 100 days ago).
        let plain = reclaim("plain");
        assert_eq!(plain.inactive_assignments, Some(2));
        assert_eq!(plain.inactivity_days, Some(90));
        assert_eq!(plain.potential_monthly_savings, Some(money("20.00", "USD")));
        // With rules of 60 and 30 days (10 is disabled): old, month, never.
        let ruled = reclaim("ruled");
        assert_eq!(ruled.inactive_assignments, Some(3));
        assert_eq!(ruled.inactivity_days, Some(30));
        assert_eq!(ruled.potential_monthly_savings, Some(money("3.00", "USD")));
        assert_eq!(
            ruled.message,
            "3 seats held by users inactive for 30 days or more; \
             reclaiming them would save 3.00 USD a month"
        );

        // Exactly at the threshold counts; a second before does not.
        let before = Timestamp::from_unix_seconds(later(t0, 90).unix_seconds() - 1);
        assert_eq!(reclaim_count(&run(&state, before), "plain"), None);
        assert_eq!(reclaim_count(&run(&state, later(t0, 90)), "plain"), Some(2));

        // Activity clears it.
        for u in ["old", "never"] {
            state
                .execute(
                    &Command::UpdateUser {
                        user: UserId::new(u).unwrap(),
                        patch: UserPatch {
                            last_activity: Some(now),
                            ..Default::default()
                        },
                    },
                    now,
                )
                .unwrap();
        }
        let a = run(&state, now);
        assert_eq!(reclaim_count(&a, "plain"), None);
        assert_eq!(reclaim_count(&a, "ruled"), Some(1)); // month
    }

    #[test]
    fn reclaim_thresholds_before_the_epoch_find_no_one() {
        let t0 = Timestamp::UNIX_EPOCH;
        let now = later(t0, 10);
        let mut state = SeatState::new();
        create(&mut state, spec("p", 1, "3.00", BillingPeriod::Monthly), t0);
        create(&mut state, spec("q", 1, "3.00", BillingPeriod::Monthly), t0);
        user(&mut state, "ada", None, t0);
        assign(&mut state, "a1", "p", "ada", t0);
        assign(&mut state, "a2", "q", "ada", t0);
        // 90 days before now is before the epoch: nobody is that inactive.
        assert_eq!(reclaim_count(&run(&state, now), "p"), None);
        state
            .execute(
                &Command::CreateRule {
                    id: RuleId::new("r").unwrap(),
                    pool: pid("q"),
                    trigger: Trigger::Inactivity { days: 5 },
                    notify_days: 0,
                    enabled: true,
                },
                t0,
            )
            .unwrap();
        let a = run(&state, now);
        assert_eq!(reclaim_count(&a, "p"), None);
        assert_eq!(reclaim_count(&a, "q"), Some(1));
        // Every user active since the latest cutoff: nothing to reclaim.
        state
            .execute(
                &Command::UpdateUser {
                    user: UserId::new("ada").unwrap(),
                    patch: UserPatch {
                        last_activity: Some(later(t0, 6)),
                        ..Default::default()
                    },
                },
                now,
            )
            .unwrap();
        assert_eq!(reclaim_count(&run(&state, now), "q"), None);
    }

    fn reclaim_count(a: &Analytics, pool: &str) -> Option<u64> {
        a.recommendations
            .iter()
            .find(|r| r.pool.as_str() == pool && r.kind == RecommendationKind::ReclaimOpportunity)
            .and_then(|r| r.inactive_assignments)
    }

    #[test]
    fn archived_pools_are_listed_but_not_counted() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        create(
            &mut state,
            spec("live", 10, "5.00", BillingPeriod::Monthly),
            now,
        );
        create(
            &mut state,
            spec("old", 10, "7.00", BillingPeriod::Monthly),
            now,
        );
        fill(&mut state, "old", 1, now);
        state
            .execute(&Command::ArchivePool { pool: pid("old") }, now)
            .unwrap();
        let a = run(&state, now);
        assert_eq!(a.pools.len(), 2);
        assert_eq!(stats(&a, "old").status, PoolStatus::Archived);
        assert_eq!(stats(&a, "old").allocated, 1);
        assert_eq!((a.summary.pools, a.summary.archived_pools), (1, 1));
        assert_eq!((a.summary.capacity, a.summary.allocated), (10, 0));
        assert_eq!(a.summary.monthly_cost, vec![money("50.00", "USD")]);
        assert_eq!(a.vendors.len(), 1);
        assert_eq!(kinds(&a, "old"), []);
        assert_eq!(kinds(&a, "live"), [RecommendationKind::Underutilized]);
    }

    #[test]
    fn concurrent_pools_count_live_leases_and_overage() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        let mut s = spec("cad", 2, "10.00", BillingPeriod::Monthly);
        s.license_type = LicenseType::Concurrent;
        s.lease = LeaseOptions {
            overage: Overage::X2,
            ..LeaseOptions::default()
        };
        create(&mut state, s, now);
        for i in 0..3 {
            state
                .execute(
                    &Command::Checkout {
                        id: LeaseId::new(&format!("l{i}")).unwrap(),
                        pool: pid("cad"),
                        holder: HolderId::new(&format!("h{i}")).unwrap(),
                        borrow_days: None,
                        ttl_seconds: None,
                    },
                    now,
                )
                .unwrap();
        }
        let a = run(&state, now);
        let p = stats(&a, "cad");
        assert_eq!((p.allocated, p.available), (3, 0));
        assert_eq!(p.utilization.to_string(), "150.0");
        assert_eq!(kinds(&a, "cad"), [RecommendationKind::HighUtilization]);
        // After the TTL the leases hold nothing.
        let a = run(&state, later(now, 1));
        assert_eq!(stats(&a, "cad").allocated, 0);
        assert_eq!(kinds(&a, "cad"), [RecommendationKind::Underutilized]);
    }

    #[test]
    fn recommendations_are_ordered_by_kind_then_pool() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        for id in ["b", "a", "c"] {
            let mut s = spec(id, 2, "1.00", BillingPeriod::Monthly);
            s.expires_at = Some(later(now, 3));
            create(&mut state, s, now);
        }
        fill(&mut state, "c", 2, now);
        let a = run(&state, now);
        let order: Vec<(&str, &str)> = a
            .recommendations
            .iter()
            .map(|r| (r.kind.name(), r.pool.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("underutilized", "a"),
                ("underutilized", "b"),
                ("high_utilization", "c"),
                ("expiring_soon", "a"),
                ("expiring_soon", "b"),
                ("expiring_soon", "c"),
            ]
        );
        let ids: Vec<&str> = a.pools.iter().map(|p| p.pool.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn empty_state_has_zero_figures() {
        let a = run(&SeatState::new(), day(2026, 12, 1));
        assert_eq!(a.summary.pools, 0);
        assert_eq!(a.summary.utilization, Percent::from_tenths(0));
        assert!(a.summary.monthly_cost.is_empty());
        assert!(a.pools.is_empty() && a.recommendations.is_empty());
    }

    #[test]
    fn serializes_as_readable_json() {
        let now = day(2026, 12, 1);
        let mut state = SeatState::new();
        create(
            &mut state,
            spec("p", 3, "100.00", BillingPeriod::Annual),
            now,
        );
        fill(&mut state, "p", 2, now);
        let json = serde_json::to_value(run(&state, now)).unwrap();
        assert_eq!(json["evaluated_at"], "2026-12-01T00:00:00Z");
        assert_eq!(json["summary"]["utilization"], "66.7");
        assert_eq!(
            json["summary"]["monthly_cost"],
            serde_json::json!([{"amount": "24.99", "currency": "USD"}])
        );
        assert_eq!(json["pools"][0]["status"], "active");
        assert_eq!(json["pools"][0]["billing"], "annual");
        assert_eq!(json["pools"][0]["expires_at"], serde_json::Value::Null);
        assert_eq!(json["vendors"][0]["currency"], "USD");
        assert_eq!(json["recommendations"], serde_json::json!([]));
        assert_eq!(RecommendationKind::NAMES.len(), 4);
        assert_eq!(
            serde_json::to_value(RecommendationKind::ReclaimOpportunity).unwrap(),
            "reclaim_opportunity"
        );
        assert_eq!(
            "expiring_soon".parse::<RecommendationKind>().unwrap(),
            RecommendationKind::ExpiringSoon
        );
    }
}

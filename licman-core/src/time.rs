//! Points in time, passed in by the host.
//!
//! The core never reads a clock: every question about validity takes a
//! [`Timestamp`] argument. Timestamps are whole seconds since the Unix epoch
//! (UTC), the resolution the license format stores.

use core::fmt;
use core::time::Duration;

/// Seconds in one day; days are always 86 400 seconds (UTC, no leap seconds).
pub const SECONDS_PER_DAY: u64 = 86_400;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
///
/// Displays as RFC 3339 in UTC (`2026-11-22T08:30:00Z`).
///
/// ```
/// use licman_core::Timestamp;
/// let t = Timestamp::from_date(2026, 11, 22).unwrap();
/// assert_eq!(t.to_string(), "2026-11-22T00:00:00Z");
/// assert_eq!(t.unix_seconds(), 1_795_305_600);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// 9999-12-31T23:59:59Z: the latest time a license, a revocation list
    /// or an activation request may carry, so that every binding's date
    /// type (Python's `datetime` ends there) can show it. Later ones are
    /// refused when signed or written and when read
    /// ([`ClaimsError::TimeOutOfRange`](crate::ClaimsError::TimeOutOfRange)).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// assert_eq!(Timestamp::LATEST.to_string(), "9999-12-31T23:59:59Z");
    /// ```
    pub const LATEST: Timestamp = Timestamp(253_402_300_799);

    /// The timestamp `seconds` after the Unix epoch.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(86_400).to_string(), "1970-01-02T00:00:00Z");
    /// ```
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(42).unix_seconds(), 42);
    /// ```
    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    /// Midnight UTC of a calendar date, or `None` for an impossible date
    /// (month 13, February 30, a year before 1970).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// assert!(Timestamp::from_date(2024, 2, 29).is_some());
    /// assert!(Timestamp::from_date(2025, 2, 29).is_none());
    /// ```
    pub fn from_date(year: u32, month: u32, day: u32) -> Option<Self> {
        Self::from_civil(year, month, day, 0, 0, 0)
    }

    /// A UTC calendar date and time of day, or `None` if any field is out of
    /// range (hour 24, minute 60, second 60 included: no leap seconds).
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// let t = Timestamp::from_civil(2026, 1, 31, 23, 59, 59).unwrap();
    /// assert_eq!(t.to_string(), "2026-01-31T23:59:59Z");
    /// ```
    pub fn from_civil(
        year: u32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let seconds = days
            .checked_mul(SECONDS_PER_DAY)?
            .checked_add(u64::from(hour) * 3600 + u64::from(minute) * 60 + u64::from(second))?;
        Some(Timestamp(seconds))
    }

    /// The calendar date and time of day in UTC:
    /// `(year, month, day, hour, minute, second)`.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// let t = Timestamp::from_unix_seconds(1_795_350_000);
    /// assert_eq!(t.to_civil(), (2026, 11, 22, 12, 20, 0));
    /// ```
    pub fn to_civil(self) -> (u64, u32, u32, u32, u32, u32) {
        let days = self.0 / SECONDS_PER_DAY;
        let rem = self.0 % SECONDS_PER_DAY;
        let (y, m, d) = civil_from_days(days);
        // `rem` < 86 400, so the casts below cannot truncate.
        let rem = rem as u32;
        (y, m, d, rem / 3600, (rem / 60) % 60, rem % 60)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # use core::time::Duration;
    /// let t = Timestamp::UNIX_EPOCH.checked_add(Duration::from_secs(60)).unwrap();
    /// assert_eq!(t.unix_seconds(), 60);
    /// assert!(Timestamp::from_unix_seconds(u64::MAX).checked_add(Duration::from_secs(1)).is_none());
    /// ```
    pub fn checked_add(self, duration: Duration) -> Option<Self> {
        self.0.checked_add(duration.as_secs()).map(Timestamp)
    }

    /// `self + duration`, clamped at the largest timestamp.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// # use core::time::Duration;
    /// let max = Timestamp::from_unix_seconds(u64::MAX);
    /// assert_eq!(max.saturating_add(Duration::from_secs(5)), max);
    /// ```
    pub fn saturating_add(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_add(duration.as_secs()))
    }

    /// Whole seconds from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// let a = Timestamp::from_unix_seconds(10);
    /// let b = Timestamp::from_unix_seconds(25);
    /// assert_eq!(b.seconds_since(a), Some(15));
    /// assert_eq!(a.seconds_since(b), None);
    /// ```
    pub fn seconds_since(self, earlier: Timestamp) -> Option<u64> {
        self.0.checked_sub(earlier.0)
    }
}

/// The latest time any check of one license has seen: monotone (it never
/// moves back, whichever thread raises it) and cheap to consult (a relaxed
/// load; the atomic update only when a check brings a later time, which at
/// one-second resolution is at most once a second).
///
/// On targets with 64-bit atomics it holds whole seconds. Elsewhere (32-bit
/// microcontrollers without them) it holds whole minutes in an `AtomicU32`,
/// rounded down, so it reads up to 59 s behind the latest time seen: a
/// rolled-back clock is then caught at most 59 s later, never wrongly.
#[derive(Debug)]
pub(crate) struct HighWaterMark(MarkCell);

#[cfg(target_has_atomic = "64")]
type MarkCell = core::sync::atomic::AtomicU64;
#[cfg(not(target_has_atomic = "64"))]
type MarkCell = core::sync::atomic::AtomicU32;

/// The stored value for a time, and back.
#[cfg(target_has_atomic = "64")]
mod mark_units {
    use super::Timestamp;
    #[inline(always)]
    pub(super) const fn store(t: Timestamp) -> u64 {
        t.0
    }
    #[inline(always)]
    pub(super) const fn load(v: u64) -> Timestamp {
        Timestamp(v)
    }
}
#[cfg(not(target_has_atomic = "64"))]
mod mark_units {
    use super::Timestamp;
    #[inline(always)]
    pub(super) const fn store(t: Timestamp) -> u32 {
        let minutes = t.0 / 60;
        if minutes > u32::MAX as u64 {
            u32::MAX
        } else {
            minutes as u32
        }
    }
    #[inline(always)]
    pub(super) const fn load(v: u32) -> Timestamp {
        Timestamp(v as u64 * 60)
    }
}

impl HighWaterMark {
    /// A mark at `seen`.
    pub(crate) fn new(seen: Timestamp) -> Self {
        HighWaterMark(MarkCell::new(mark_units::store(seen)))
    }

    /// The latest time seen so far.
    #[inline]
    pub(crate) fn get(&self) -> Timestamp {
        mark_units::load(self.0.load(core::sync::atomic::Ordering::Relaxed))
    }

    /// Records `now` and returns the latest time seen, `now` included (never
    /// earlier than `now`). Relaxed ordering is enough: a single atomic's
    /// modification order is total, and `fetch_max` only moves it up.
    #[inline(always)]
    pub(crate) fn observe(&self, now: Timestamp) -> Timestamp {
        use core::sync::atomic::Ordering::Relaxed;
        let stored = self.0.load(Relaxed);
        let value = mark_units::store(now);
        let latest = if value > stored {
            self.0.fetch_max(value, Relaxed).max(value)
        } else {
            stored
        };
        mark_units::load(latest).max(now)
    }
}

impl Clone for HighWaterMark {
    /// An independent mark at the same time.
    fn clone(&self) -> Self {
        HighWaterMark::new(self.get())
    }
}

impl PartialEq for HighWaterMark {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for HighWaterMark {}

/// Whole days in `seconds`, rounded up: one second left is one day left.
pub(crate) fn days_ceil(seconds: u64) -> u64 {
    seconds.div_ceil(SECONDS_PER_DAY)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

impl serde::Serialize for Timestamp {
    /// RFC 3339 text (`2026-11-22T08:30:00Z`) in human-readable formats
    /// (JSON); whole Unix seconds in binary ones (postcard).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_u64(self.0)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    /// Whole Unix seconds, or (in human-readable formats) the RFC 3339 text
    /// that [`Timestamp`]'s `Display` writes (`2026-11-22T08:30:00Z`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Unix seconds or an RFC 3339 UTC time (2026-11-22T08:30:00Z)")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_utc(v)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(Visitor)
        } else {
            deserializer.deserialize_u64(Visitor)
        }
    }
}

impl Timestamp {
    /// Parses exactly the text `Display` writes: `YYYY-MM-DDTHH:MM:SSZ`.
    ///
    /// ```
    /// # use licman_core::Timestamp;
    /// let t = Timestamp::parse_utc("2026-11-22T08:30:00Z").unwrap();
    /// assert_eq!(t.to_string(), "2026-11-22T08:30:00Z");
    /// assert!(Timestamp::parse_utc("2026-11-22").is_none());
    /// ```
    pub fn parse_utc(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |range: core::ops::Range<usize>| -> Option<u32> {
            let mut n = 0u32;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u32::from(c - b'0');
            }
            Some(n)
        };
        Timestamp::from_civil(
            num(0..4)?,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        )
    }
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid date with `year >= 1970`
/// (Howard Hinnant's `days_from_civil`, restricted to non-negative results).
fn days_from_civil(year: u32, month: u32, day: u32) -> u64 {
    let y = u64::from(if month <= 2 { year - 1 } else { year });
    let era = y / 400;
    let yoe = y - era * 400;
    let m = u64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] for any non-negative day count.
fn civil_from_days(days: u64) -> (u64, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both results are small (day 1..=31, month 1..=12): the casts are exact.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn civil_round_trips_over_centuries() {
        let mut day = 0u64;
        while day < 200_000 {
            let (y, m, d) = civil_from_days(day);
            let y = u32::try_from(y).unwrap_or(u32::MAX);
            assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
            day += 17;
        }
    }

    #[test]
    fn leap_days_and_bounds() {
        assert_eq!(
            Timestamp::from_date(2000, 2, 29).map(|t| t.to_string()),
            Some("2000-02-29T00:00:00Z".into())
        );
        assert!(Timestamp::from_date(1900, 2, 29).is_none());
        assert!(Timestamp::from_date(2100, 2, 29).is_none());
        assert!(Timestamp::from_date(1969, 12, 31).is_none());
        assert!(Timestamp::from_civil(2026, 1, 1, 24, 0, 0).is_none());
        assert!(Timestamp::from_civil(2026, 1, 1, 0, 0, 60).is_none());
        assert!(Timestamp::from_date(2026, 4, 31).is_none());
        assert!(Timestamp::from_date(2026, 0, 1).is_none());
    }

    #[test]
    fn display_of_extremes_does_not_panic() {
        let s = Timestamp::from_unix_seconds(u64::MAX).to_string();
        assert!(s.ends_with('Z'));
        assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn days_round_up() {
        assert_eq!(days_ceil(0), 0);
        assert_eq!(days_ceil(1), 1);
        assert_eq!(days_ceil(SECONDS_PER_DAY), 1);
        assert_eq!(days_ceil(SECONDS_PER_DAY + 1), 2);
        assert_eq!(days_ceil(u64::MAX), u64::MAX / SECONDS_PER_DAY + 1);
    }
}

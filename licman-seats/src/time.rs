//! Times and durations as the CLI takes them.

use licman_core::Timestamp;

use crate::error::Failure;

/// A date (`YYYY-MM-DD`, 00:00:00 UTC of that day) or an RFC 3339 time.
///
/// ```
/// use licman_seats::time::parse_time;
/// let day = parse_time("2026-12-01").unwrap();
/// assert_eq!(day, parse_time("2026-12-01T00:00:00Z").unwrap());
/// assert!(parse_time("2026-13-01").is_err());
/// ```
pub fn parse_time(text: &str) -> Result<Timestamp, Failure> {
    let bad = || {
        Failure::invalid(format!(
            "{text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"
        ))
    };
    if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
        let part = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse().ok());
        let (Some(y), Some(m), Some(d)) = (part(0..4), part(5..7), part(8..10)) else {
            return Err(bad());
        };
        if text.as_bytes().get(7) != Some(&b'-') {
            return Err(bad());
        }
        return Timestamp::from_date(y, m, d).ok_or_else(bad);
    }
    Timestamp::parse_utc(text).ok_or_else(bad)
}

/// A duration: a number of seconds, or a number with `s`, `m`, `h` or `d`
/// (`10m`, `1h`), in whole seconds that fit in 32 bits.
///
/// ```
/// use licman_seats::time::parse_duration;
/// assert_eq!(parse_duration("10m").unwrap(), 600);
/// assert_eq!(parse_duration("90").unwrap(), 90);
/// assert!(parse_duration("-5m").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<u32, Failure> {
    let bad = || {
        Failure::invalid(format!(
            "{text:?} is not a duration (a number with s, m, h or d, like 10m)"
        ))
    };
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (text.get(..i).unwrap_or(""), c),
        _ => (text, 's'),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(scale)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(bad)
}

/// The wall clock, in whole seconds.
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix_seconds(secs)
}

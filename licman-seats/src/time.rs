//! Times and durations as the CLI takes them.

use licman_core::Timestamp;

use crate::error::Failure;

/// A date (`YYYY-MM-DD`, 00:00:00 UTC of that day) or an RFC 3339 time:
/// `T` or `t` (or a space) between date and time, `Z`, `z` or a `±HH:MM`
/// offset, and a fraction of a second, dropped (times are whole seconds).
///
/// ```
/// use licman_seats::time::parse_time;
/// let day = parse_time("2026-12-01").unwrap();
/// assert_eq!(day, parse_time("2026-12-01T00:00:00Z").unwrap());
/// assert_eq!(day, parse_time("2026-12-01T05:30:00+05:30").unwrap());
/// assert_eq!(day, parse_time("2026-11-30t19:00:00.75-05:00").unwrap());
/// assert!(parse_time("2026-13-01").is_err());
/// assert!(parse_time("2026-12-01T00:00:00").is_err()); // no offset
/// assert!(parse_time("1970-01-01T00:00:00+01:00").is_err()); // before 1970
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
    rfc3339(text).ok_or_else(bad)
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS[.digits](Z|z|±HH:MM)` as a time, the
/// fraction dropped; `None` for anything else, or a time before 1970.
fn rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() < 20 || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let local = Timestamp::parse_utc(&format!("{}T{}Z", text.get(..10)?, text.get(11..19)?))?;
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = fraction.get(digits..)?;
    }
    let offset: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let (sign, hm) = match rest.as_bytes().first()? {
                b'+' => (1, rest.get(1..)?),
                b'-' => (-1, rest.get(1..)?),
                _ => return None,
            };
            let hm = hm.as_bytes();
            if hm.len() != 5
                || hm[2] != b':'
                || !hm
                    .iter()
                    .enumerate()
                    .all(|(i, c)| i == 2 || c.is_ascii_digit())
            {
                return None;
            }
            let (h, m) = (
                i64::from(hm[0] - b'0') * 10 + i64::from(hm[1] - b'0'),
                i64::from(hm[3] - b'0') * 10 + i64::from(hm[4] - b'0'),
            );
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let utc = i64::try_from(local.unix_seconds())
        .ok()?
        .checked_sub(offset)?;
    u64::try_from(utc).ok().map(Timestamp::from_unix_seconds)
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

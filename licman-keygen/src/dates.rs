//! Dates (`YYYY-MM-DD` or RFC 3339) and durations (`90d`, `1y`, …).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licman_core::Timestamp;

use crate::error::{CliError, Result};

/// The current time, read from the system clock (the core never does this).
pub fn now() -> Result<Timestamp> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::failure("clock", "the system clock is before 1970"))?
        .as_secs();
    Ok(Timestamp::from_unix_seconds(secs))
}

fn bad_date(text: &str) -> CliError {
    CliError::usage(format!(
        "malformed date '{text}': use YYYY-MM-DD or RFC 3339 (2026-01-31T12:00:00Z, 2026-01-31T12:00:00+02:00)"
    ))
}

fn number(text: &str, digits: usize) -> Option<u32> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339 with `Z` or an offset; fractional
/// seconds are truncated.
pub fn parse_date(text: &str) -> Result<Timestamp> {
    let t = text.trim();
    let (date, time) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_date(text));
    };
    let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(bad_date(text));
    };
    let Some(time) = time else {
        return Timestamp::from_date(y, m, d).ok_or_else(|| bad_date(text));
    };
    // hh:mm:ss[.fraction](Z|±hh:mm)
    let (clock, offset_seconds): (&str, i64) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (clock, offset) = time.split_at(i);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let mut hm = offset[1..].split(':');
        let (Some(h), Some(mi), None) = (hm.next(), hm.next(), hm.next()) else {
            return Err(bad_date(text));
        };
        let (Some(h), Some(mi)) = (number(h, 2), number(mi, 2)) else {
            return Err(bad_date(text));
        };
        if h > 23 || mi > 59 {
            return Err(bad_date(text));
        }
        (clock, sign * i64::from(h * 3600 + mi * 60))
    } else {
        return Err(bad_date(text));
    };
    let clock = clock.split('.').next().unwrap_or_default();
    let mut hms = clock.split(':');
    let (Some(h), Some(mi), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return Err(bad_date(text));
    };
    let (Some(h), Some(mi), Some(s)) = (number(h, 2), number(mi, 2), number(s, 2)) else {
        return Err(bad_date(text));
    };
    let local = Timestamp::from_civil(y, m, d, h, mi, s).ok_or_else(|| bad_date(text))?;
    let utc = i64::try_from(local.unix_seconds()).map_err(|_| bad_date(text))? - offset_seconds;
    u64::try_from(utc)
        .map(Timestamp::from_unix_seconds)
        .map_err(|_| bad_date(text))
}

/// `90d`, `12h`, `30m`, `45s`, `2w`, `1y` (365 days).
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let bad = || {
        CliError::usage(format!(
            "malformed duration '{text}': use a number and a unit, like 90d, 12h, 2w or 1y"
        ))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "s" => 1,
        // Minutes or months? Neither is guessed.
        "m" => {
            return Err(CliError::usage(format!(
                "ambiguous duration '{text}': 'm' could be minutes or months; write {n}min for minutes, or days (30d a month)"
            )));
        }
        "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "y" => 365 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(unit_seconds)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

/// A date for people: `2026-01-31` at midnight, else full RFC 3339.
pub fn show(t: Timestamp) -> String {
    let text = t.to_string();
    match text.strip_suffix("T00:00:00Z") {
        Some(date) => date.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-01-31").unwrap(),
            Timestamp::from_date(2026, 1, 31).unwrap()
        );
        assert_eq!(
            parse_date("2026-01-31T12:00:00Z").unwrap(),
            Timestamp::from_civil(2026, 1, 31, 12, 0, 0).unwrap()
        );
        assert_eq!(
            parse_date("2026-01-31T12:00:00.123+02:00").unwrap(),
            Timestamp::from_civil(2026, 1, 31, 10, 0, 0).unwrap()
        );
        assert_eq!(
            parse_date("2026-01-31T23:30:00-01:00").unwrap(),
            Timestamp::from_civil(2026, 2, 1, 0, 30, 0).unwrap()
        );
        for bad in [
            "2026-02-30",
            "2026-1-31",
            "31/01/2026",
            "2026-01-31T25:00:00Z",
            "2026-01-31T12:00:00",
            "",
            "tomorrow",
            "2026-01-31T12:00Z",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("90d").unwrap(),
            Duration::from_secs(90 * 86_400)
        );
        assert_eq!(
            parse_duration("1y").unwrap(),
            Duration::from_secs(365 * 86_400)
        );
        assert_eq!(
            parse_duration("12h").unwrap(),
            Duration::from_secs(12 * 3600)
        );
        for bad in ["", "d", "10", "10x", "-5d", "1.5d", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("90min").unwrap(), Duration::from_secs(5400));
        let ambiguous = parse_duration("6m").unwrap_err().message;
        assert!(ambiguous.contains("minutes or months"), "{ambiguous}");
    }
}

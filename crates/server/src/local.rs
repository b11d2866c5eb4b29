//! The player's local calendar: dates, ISO weeks and midnights in their timezone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

pub fn tz(name: &str) -> Tz {
    // Stored names were validated on the way in; UTC is the documented default.
    name.parse().unwrap_or(Tz::UTC)
}

pub fn date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Monday of the ISO week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The first instant of local date `d` (the earliest one if a DST gap swallows
/// midnight).
pub fn start_of_day(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut t = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&t)
}

/// The next local midnight strictly after `now`.
pub fn next_midnight(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    start_of_day(date(now, tz) + Duration::days(1), tz)
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnights_follow_the_timezone() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 22, 30, 0).unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(date(now, berlin).to_string(), "2026-11-22");
        assert_eq!(
            next_midnight(now, berlin),
            Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).unwrap()
        );
        assert_eq!(week_start(date(now, Tz::UTC)).to_string(), "2026-11-16");
    }
}

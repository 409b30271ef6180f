//! Report and listing periods: days and instants as people and tools send them, range-checked
//! before any date arithmetic (chrono's extremes overflow on the first `+ 1 day`), so a typo or a
//! hostile `to=-262143-01-01` is a 400 naming the field, never a panic.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::model::Invalid;

/// The years a day may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;
/// How many days `from` may lie before `to` in one report or listing.
pub const MAX_DAYS: i64 = 366;

/// Checks a day is inside [`YEARS`].
pub fn check_day(field: &str, d: NaiveDate) -> Result<NaiveDate, Invalid> {
    if YEARS.contains(&d.year()) {
        Ok(d)
    } else {
        Err(Invalid::new(
            field,
            format!("{d} is out of range: years 0001 to 9999"),
        ))
    }
}

/// Reads a day (`YYYY-MM-DD`) inside [`YEARS`].
pub fn parse_day(field: &str, s: &str) -> Result<NaiveDate, Invalid> {
    let d: NaiveDate = s
        .trim()
        .parse()
        .map_err(|_| Invalid::new(field, format!("'{s}' is not a date (YYYY-MM-DD)")))?;
    check_day(field, d)
}

/// Reads an RFC 3339 instant whose day is inside [`YEARS`]; `None` when `s` is not RFC 3339.
pub fn parse_instant(field: &str, s: &str) -> Option<Result<DateTime<Utc>, Invalid>> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .ok()?
        .with_timezone(&Utc);
    Some(check_day(field, t.date_naive()).map(|_| t))
}

/// A period of whole days `[from, to]`: `to` defaults to `today`, `from` to six days before
/// `to`; `from` must not be after `to`, nor more than [`MAX_DAYS`] before it.
pub fn days(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let to = check_day("to", to.unwrap_or(today))?;
    let from = match from {
        Some(f) => check_day("from", f)?,
        // Checked too: six days before 0001-01-01 is out of range.
        None => check_day("to", to - Duration::days(6))?,
    };
    if from > to {
        return Err(Invalid::new("from", "must not be after 'to'"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(Invalid::new(
            "to",
            format!("a period is at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_outside_years_1_to_9999_are_refused_naming_the_field() {
        for s in [
            "-262143-01-01",
            "0000-12-31",
            "+10000-01-01",
            "262142-12-31",
        ] {
            match parse_day("to", s) {
                Err(e) => assert_eq!(e.field, "to", "{s}"),
                Ok(d) => panic!("{s} read as {d}"),
            }
        }
        assert!(parse_day("to", "9999-12-31").is_ok());
        assert!(parse_day("from", "0001-01-01").is_ok());
        assert!(matches!(
            parse_instant("to", "0000-01-01T00:00:00Z"),
            Some(Err(_))
        ));
        assert!(parse_instant("to", "2026-01-01").is_none());
    }

    #[test]
    fn a_period_defaults_to_the_last_seven_days_and_is_bounded() {
        let today: NaiveDate = "2026-03-10".parse().unwrap();
        assert_eq!(
            days(None, None, today).unwrap(),
            ("2026-03-04".parse().unwrap(), today)
        );
        let min: NaiveDate = "0001-01-01".parse().unwrap();
        assert_eq!(days(None, Some(min), today).unwrap_err().field, "to");
        assert_eq!(
            days(Some(today), Some(today - Duration::days(1)), today)
                .unwrap_err()
                .field,
            "from"
        );
        assert!(days(Some(today - Duration::days(366)), Some(today), today).is_ok());
        assert!(days(Some(today - Duration::days(367)), Some(today), today).is_err());
    }
}

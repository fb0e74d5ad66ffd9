//! Calendar months (`2026-10`) as a compact, ordered value.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, stored as the number of months since January of year 0.
///
/// Months order and subtract like integers, so windows such as "the last 12 months" are
/// simple ranges. Written, read and serialised as `YYYY-MM`.
///
/// ```
/// use escalate::Month;
///
/// let october: Month = "2026-10".parse().unwrap();
/// assert_eq!(october.offset(3).to_string(), "2027-01");
/// assert_eq!(october.months_since("2025-10".parse().unwrap()), 12);
/// assert_eq!(october.last_day().to_string(), "2026-10-31");
/// assert_eq!(serde_json::to_string(&october).unwrap(), "\"2026-10\"");
/// let error = "2026-13".parse::<Month>().unwrap_err();
/// assert_eq!(error.to_string(), "`2026-13` is not a month of the form YYYY-MM");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

/// Why a text is not a month of the form `YYYY-MM`.
///
/// See the example of [`Month`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a month of the form YYYY-MM")]
pub struct MonthParseError {
    /// The text that was given.
    pub text: String,
}

impl Month {
    /// The month of a year and a month number (1 to 12); `None` when out of range.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(1..=12).contains(&month) || !(0..=9999).contains(&year) {
            return None;
        }
        Some(Month(year * 12 + month as i32 - 1))
    }

    /// The month a date falls in.
    pub fn of_date(date: NaiveDate) -> Month {
        Month(date.year() * 12 + date.month0() as i32)
    }

    /// The year, e.g. 2026.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// The month number, 1 to 12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The month `n` months later (earlier when `n` is negative).
    pub fn offset(self, n: i32) -> Month {
        Month(self.0.saturating_add(n))
    }

    /// How many months `self` is after `earlier`.
    pub fn months_since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }

    /// A dense index, for use as an array position relative to another month.
    pub fn index(self) -> i32 {
        self.0
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1)
            .expect("a valid month has a first day")
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.offset(1)
            .first_day()
            .pred_opt()
            .expect("every month has a last day")
    }
}

impl FromStr for Month {
    type Err = MonthParseError;

    /// Parses `YYYY-MM` (four digits, a hyphen, two digits), with surrounding spaces allowed.
    fn from_str(text: &str) -> Result<Month, MonthParseError> {
        let error = || MonthParseError {
            text: text.to_string(),
        };
        let trimmed = text.trim();
        let bytes = trimmed.as_bytes();
        let well_formed = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit);
        if !well_formed {
            return Err(error());
        }
        let year: i32 = trimmed[..4].parse().map_err(|_| error())?;
        let month: u32 = trimmed[5..].parse().map_err(|_| error())?;
        Month::new(year, month).ok_or_else(error)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Month, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_months() {
        let m: Month = "2026-10".parse().unwrap();
        assert_eq!((m.year(), m.month()), (2026, 10));
        assert_eq!(m.to_string(), "2026-10");
        assert_eq!(m.offset(3).to_string(), "2027-01");
        assert_eq!(m.offset(-10).to_string(), "2025-12");
    }

    #[test]
    fn rejects_malformed_months() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-10",
            "2026/10",
            "",
            "2026-10-01",
            "２０２６-10",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn knows_first_and_last_days() {
        let feb: Month = "2028-02".parse().unwrap();
        assert_eq!(feb.first_day().to_string(), "2028-02-01");
        assert_eq!(feb.last_day().to_string(), "2028-02-29");
        assert_eq!(
            "2026-12".parse::<Month>().unwrap().last_day().to_string(),
            "2026-12-31"
        );
    }
}

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
        // The usual four-digit year written without the formatting machinery: a backtest
        // writes millions of months.
        match self.digits() {
            Some(text) => {
                serializer.serialize_str(std::str::from_utf8(&text).expect("ASCII digits"))
            }
            None => serializer.collect_str(self),
        }
    }
}

impl Month {
    /// The month as `YYYY-MM` for the usual four-digit year; `None` for any other year.
    fn digits(self) -> Option<[u8; 7]> {
        let mut text = [0u8; 7];
        if !four_digits(self.year(), &mut text[..4]) {
            return None;
        }
        text[4] = b'-';
        two_digits(self.month(), &mut text[5..]);
        Some(text)
    }

    /// Writes the month as a JSON string, the same bytes as serialising it with serde_json.
    pub(crate) fn write_quoted(self, out: &mut Vec<u8>) {
        match self.digits() {
            Some(text) => {
                out.push(b'"');
                out.extend_from_slice(&text);
                out.push(b'"');
            }
            None => out.extend_from_slice(format!("\"{self}\"").as_bytes()),
        }
    }
}

/// Serialises a date as chrono does (`2026-10-31`), faster for the usual four-digit year.
pub(crate) fn serialize_date<S: Serializer>(
    date: &NaiveDate,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date_digits(*date) {
        Some(text) => serializer.serialize_str(std::str::from_utf8(&text).expect("ASCII digits")),
        None => date.serialize(serializer),
    }
}

/// Writes a date that may be absent as JSON, the same bytes as serialising it with
/// [`serialize_optional_date`] and serde_json (`"2026-10-31"`, `null`).
pub(crate) fn write_quoted_optional_date(date: Option<NaiveDate>, out: &mut Vec<u8>) {
    let Some(date) = date else {
        out.extend_from_slice(b"null");
        return;
    };
    match date_digits(date) {
        Some(text) => {
            out.push(b'"');
            out.extend_from_slice(&text);
            out.push(b'"');
        }
        None => serde_json::to_writer(out, &date).expect("a date written to memory"),
    }
}

/// The date as `YYYY-MM-DD` for the usual four-digit year; `None` for any other year.
fn date_digits(date: NaiveDate) -> Option<[u8; 10]> {
    let mut text = [0u8; 10];
    if !four_digits(date.year(), &mut text[..4]) {
        return None;
    }
    text[4] = b'-';
    two_digits(date.month(), &mut text[5..7]);
    text[7] = b'-';
    two_digits(date.day(), &mut text[8..]);
    Some(text)
}

/// [`serialize_date`] of a date that may be absent (`null`).
pub(crate) fn serialize_optional_date<S: Serializer>(
    date: &Option<NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.serialize_some(&SerializedDate(*date)),
        None => serializer.serialize_none(),
    }
}

struct SerializedDate(NaiveDate);

impl Serialize for SerializedDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_date(&self.0, serializer)
    }
}

/// Writes a year of 0 to 9999 as four digits; false for any other year.
fn four_digits(year: i32, out: &mut [u8]) -> bool {
    if !(0..=9999).contains(&year) {
        return false;
    }
    let year = year as u32;
    two_digits(year / 100, &mut out[..2]);
    two_digits(year % 100, &mut out[2..]);
    true
}

/// Writes a number below 100 as two digits.
fn two_digits(n: u32, out: &mut [u8]) {
    out[0] = b'0' + (n / 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
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
    fn months_and_dates_serialise_as_they_print() {
        for month in [
            Month(0),
            Month(-1),
            Month(-13),
            Month(2026 * 12 + 9),
            Month(9999 * 12 + 11),
            Month(10_000 * 12),
        ] {
            assert_eq!(
                serde_json::to_string(&month).unwrap(),
                format!("\"{month}\"")
            );
        }
        for (y, m, d) in [
            (2026, 10, 31),
            (1, 1, 1),
            (0, 2, 29),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 3, 4),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let chrono = serde_json::to_string(&date).unwrap();
            let mut ours = Vec::new();
            serialize_date(&date, &mut serde_json::Serializer::new(&mut ours)).unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), chrono);
            let mut optional = Vec::new();
            serialize_optional_date(&Some(date), &mut serde_json::Serializer::new(&mut optional))
                .unwrap();
            assert_eq!(String::from_utf8(optional).unwrap(), chrono);
            let mut written = Vec::new();
            write_quoted_optional_date(Some(date), &mut written);
            assert_eq!(String::from_utf8(written).unwrap(), chrono);
        }
        let mut none = Vec::new();
        write_quoted_optional_date(None, &mut none);
        assert_eq!(none, serde_json::to_vec(&None::<NaiveDate>).unwrap());
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

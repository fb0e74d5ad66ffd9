//! Turning one cell's text into a typed value. CSV, JSON and in-memory records all go
//! through these functions, so they accept and reject exactly the same things.

use std::sync::Arc;

use chrono::NaiveDate;

use rust_decimal::Decimal;

use super::error::{DataError, DataErrorKind, Site};
use crate::month::Month;
use crate::number::{parse_decimal, NumberProblem, Packed};
use crate::schema::{parse_flag, parse_flag_bytes, FieldType, MetricKind, Value};

/// Why a cell's text is not a value of its column's type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Problem {
    NotANumber,
    /// Written with an exponent, such as `1e3`.
    Exponent,
    /// More significant digits than a figure may have.
    TooManyDigits,
    BadMonth,
    PercentAbove,
    PercentBelow,
    NegativeCount,
    NotWhole,
    UnknownValue,
    BadFlag,
    BadDate,
    OutOfRange {
        min: i64,
        max: i64,
    },
}

/// What a column holds, for the help text.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect<'a> {
    Metric(MetricKind),
    Field(&'a FieldType),
    Month,
    Date,
}

/// Parses a plain decimal number exactly (see [`crate::number::parse_decimal`]): no exponent,
/// no `NaN` or `inf`, at most [`crate::number::MAX_DIGITS`] significant digits.
pub(crate) fn parse_number(text: &str) -> Result<Decimal, Problem> {
    parse_decimal(text).map_err(|problem| match problem {
        NumberProblem::NotANumber => Problem::NotANumber,
        NumberProblem::Exponent => Problem::Exponent,
        NumberProblem::TooManyDigits => Problem::TooManyDigits,
    })
}

/// Parses a plain decimal such as `79.5` or `-12` straight into its packed form, the common
/// case of a metric cell: at most 15 digits, a point with a digit on both sides. Anything else
/// is left to [`parse_number`], so the results are the same either way.
#[inline]
pub(crate) fn fast_decimal(bytes: &[u8]) -> Option<Packed> {
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
        Some(point) if point > 0 && point + 1 < digits.len() => {
            (&digits[..point], &digits[point + 1..])
        }
        Some(_) => return None,
        None if digits.len() > 15 => return None,
        None => (digits, &digits[digits.len()..]),
    };
    let mut mantissa: i64 = 0;
    for &b in whole.iter().chain(fraction) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        mantissa = mantissa * 10 + i64::from(digit);
    }
    let signed = if negative { -mantissa } else { mantissa };
    Packed::from_parts(signed, fraction.len() as u32)
}

/// A metric's figure from its cell (trimmed, not empty) when it is a plain decimal (see
/// [`fast_decimal`]) that the metric's kind allows, exactly as [`parse_metric_bytes`] reads
/// it; `None` for anything else, left to it (and to its errors).
#[inline]
pub(crate) fn quick_figure(kind: MetricKind, bytes: &[u8]) -> Option<Packed> {
    let digits = match (kind, bytes) {
        (MetricKind::Percent, [rest @ .., b'%']) => rest.trim_ascii_end(),
        _ => bytes,
    };
    kind_allows(kind, fast_decimal(digits)?)
}

/// A figure, when its metric's kind allows it (a percent from 0 to 100, a count whole and not
/// negative).
#[inline]
pub(crate) fn kind_allows(kind: MetricKind, figure: Packed) -> Option<Packed> {
    let (mantissa, scale) = figure.parts()?;
    let allowed = match kind {
        MetricKind::Percent => mantissa >= 0 && i128::from(mantissa) <= 100 * power_of_ten(scale),
        MetricKind::Count => mantissa >= 0 && scale == 0,
        MetricKind::Number => true,
    };
    allowed.then_some(figure)
}

/// `10^scale` for the scale of a [`Packed`] figure (at most 31).
#[inline]
pub(crate) fn power_of_ten(scale: u32) -> i128 {
    const POWERS: [i128; 32] = {
        let mut powers = [1i128; 32];
        let mut i = 1;
        while i < 32 {
            powers[i] = powers[i - 1] * 10;
            i += 1;
        }
        powers
    };
    POWERS[scale as usize & 31]
}

/// A `YYYY-MM` month from a cell's seven bytes, as [`parse_month`] reads it; `None` for
/// anything else (left to it).
#[inline]
pub(crate) fn quick_month(bytes: &[u8]) -> Option<Month> {
    let [y0, y1, y2, y3, b'-', m0, m1] = *bytes else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |d: &[u8]| d.iter().fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'));
    Month::new(number(&digits[..4]) as i32, number(&digits[4..]))
}

/// Parses a metric's cell (trimmed, not empty). A percent may end in `%`.
pub(crate) fn parse_metric(kind: MetricKind, text: &str) -> Result<Decimal, Problem> {
    let number = match text.strip_suffix('%') {
        Some(rest) if kind == MetricKind::Percent => rest.trim_end(),
        Some(_) => return Err(Problem::NotANumber),
        None => text,
    };
    check_metric(kind, parse_number(number)?)
}

/// Parses a metric's cell from its trimmed bytes (see `table::cell_bytes`): plain decimals
/// directly, anything else through [`parse_metric`]. `Ok(None)` for a cell that is empty
/// once Unicode spaces are trimmed too.
#[inline]
pub(crate) fn parse_metric_bytes(
    kind: MetricKind,
    bytes: &[u8],
) -> Result<Option<Decimal>, Problem> {
    if let Some(figure) = quick_figure(kind, bytes) {
        return Ok(figure.get());
    }
    match std::str::from_utf8(bytes).map(str::trim) {
        Ok("") => Ok(None),
        Ok(text) => parse_metric(kind, text).map(Some),
        Err(_) => Err(Problem::NotANumber),
    }
}

/// Checks a number against a metric's kind.
pub(crate) fn check_metric(kind: MetricKind, value: Decimal) -> Result<Decimal, Problem> {
    match kind {
        MetricKind::Percent if value > Decimal::ONE_HUNDRED => Err(Problem::PercentAbove),
        MetricKind::Percent if value.is_sign_negative() && !value.is_zero() => {
            Err(Problem::PercentBelow)
        }
        MetricKind::Count if value.is_sign_negative() && !value.is_zero() => {
            Err(Problem::NegativeCount)
        }
        MetricKind::Count if !value.fract().is_zero() => Err(Problem::NotWhole),
        _ => Ok(value),
    }
}

/// Parses a `period` cell: `YYYY-MM`.
pub(crate) fn parse_month(text: &str) -> Result<Month, Problem> {
    text.parse::<Month>().map_err(|_| Problem::BadMonth)
}

fn digits(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses a date: ISO `2026-03-02` or UK `02/03/2026` (day/month/year; one-digit days
/// and months are read too).
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, Problem> {
    let text = text.trim();
    if let Some(date) = iso_date(text.as_bytes()) {
        return date.ok_or(Problem::BadDate);
    }
    let parts: Vec<&str> = if text.contains('-') {
        text.split('-').collect()
    } else {
        let mut parts: Vec<&str> = text.split('/').collect();
        parts.reverse();
        parts
    };
    let iso = text.contains('-');
    let date = match parts.as_slice() {
        [y, m, d] => {
            let (dmin, dmax) = if iso { (2, 2) } else { (1, 2) };
            let year = digits(y, 4, 4);
            let month = digits(m, dmin, dmax);
            let day = digits(d, dmin, dmax);
            match (year, month, day) {
                (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
                _ => None,
            }
        }
        _ => None,
    };
    date.ok_or(Problem::BadDate)
}

/// The common case, `YYYY-MM-DD` with ten ASCII digits and dashes, without allocating:
/// `Some` with the date, or `None` inside when it is not a real date; `None` for any other
/// shape (which [`parse_date`] then reads the slow way, with the same result).
#[inline]
pub(crate) fn iso_date(bytes: &[u8]) -> Option<Option<NaiveDate>> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *bytes else {
        return None;
    };
    let digits = [y1, y2, y3, y4, m1, m2, d1, d2];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let (year, month, day) = (n(&digits[..4]), n(&digits[4..6]), n(&digits[6..]));
    Some(NaiveDate::from_ymd_opt(year as i32, month, day))
}

/// Parses a subject or concern field's cell (trimmed, not empty) as its declared type.
pub(crate) fn parse_field(ty: &FieldType, text: &str) -> Result<Value, Problem> {
    match ty {
        FieldType::Text => Ok(Value::Text(Arc::from(text))),
        FieldType::Number => parse_number(text).map(Value::Number),
        FieldType::Flag => parse_flag(text).map(Value::Flag).ok_or(Problem::BadFlag),
        FieldType::Date => parse_date(text).map(Value::Date),
        FieldType::Integer { min, max } => {
            let value = parse_number(text)?;
            if !value.fract().is_zero() {
                return Err(Problem::NotWhole);
            }
            if value < Decimal::from(*min) || value > Decimal::from(*max) {
                return Err(Problem::OutOfRange {
                    min: *min,
                    max: *max,
                });
            }
            Ok(Value::Number(value))
        }
        FieldType::OneOf(names) => names
            .iter()
            .position(|name| name.trim().eq_ignore_ascii_case(text))
            .map(|i| Value::Enum(i as u32))
            .ok_or(Problem::UnknownValue),
    }
}

/// The common cases of [`parse_field`], read straight from a cell's bytes (trimmed of ASCII
/// spaces, as `table::cell_bytes` trims): a flag, or a name of a `one of` list, in ASCII; a
/// value of another type whose text needs no more trimming. `None` for anything else, empty
/// or wrong, which [`parse_field`] then reads (and reports), so the results are the same
/// either way.
#[inline]
pub(crate) fn plain_field(ty: &FieldType, bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    match ty {
        FieldType::Flag => parse_flag_bytes(bytes).map(Value::Flag),
        FieldType::OneOf(names) => names
            .iter()
            .position(|name| name.trim().as_bytes().eq_ignore_ascii_case(bytes))
            .map(|i| Value::Enum(i as u32)),
        _ => parse_field(ty, plain_text(bytes)?).ok(),
    }
}

/// A cell's text when, with ASCII at both ends, it needs no more trimming than its bytes had;
/// `None` when it is not UTF-8 or has other characters at an end.
#[inline]
fn plain_text(bytes: &[u8]) -> Option<&str> {
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii() && last.is_ascii() => {
            std::str::from_utf8(bytes).ok()
        }
        _ => None,
    }
}

fn example_help(column: &str, expect: Expect<'_>) -> String {
    match expect {
        Expect::Metric(MetricKind::Percent) => format!(
            "in column `{column}`, write the figure with digits only, such as `80` or `80%`"
        ),
        Expect::Metric(MetricKind::Count) => format!(
            "in column `{column}`, write a whole number, 0 or more, with digits only, such as `40`"
        ),
        Expect::Metric(MetricKind::Number) | Expect::Field(FieldType::Number) => {
            format!("in column `{column}`, write the figure with digits only, such as `2.5`")
        }
        Expect::Field(FieldType::Integer { min, max }) => {
            format!("in column `{column}`, write a whole number from {min} to {max}")
        }
        Expect::Field(FieldType::Flag) => format!(
            "in column `{column}`, write yes or no (true/false, y/n and 1/0 are read too)"
        ),
        Expect::Field(FieldType::Date) | Expect::Date => format!(
            "in column `{column}`, write the date as 2026-03-02 or as 02/03/2026 (day/month/year)"
        ),
        Expect::Field(FieldType::OneOf(names)) => {
            format!("in column `{column}`, write one of: {}", names.join(", "))
        }
        Expect::Field(FieldType::Text) => format!("in column `{column}`, write some text"),
        Expect::Month => format!(
            "in column `{column}`, write the month as year-month, such as `2026-10` for October 2026"
        ),
    }
}

fn suggestion(text: &str, names: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    names
        .iter()
        .map(|name| (strsim::levenshtein(&lower, &name.to_lowercase()), name))
        .filter(|(distance, name)| *distance <= 2.max(name.len() / 3) && *distance < name.len())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.clone())
}

/// Words spreadsheets and people put in a cell for "no figure".
const MISSING_MARKERS: &[&str] = &[
    "n/a", "na", "#n/a", "-", "–", "—", "--", "none", "null", "nil", "missing", "?",
];

/// A help for what a spreadsheet makes of a cell, when `text` looks like one of its habits:
/// a word for a missing value, a decimal comma, a US month/day date, or a month turned into
/// a date (`Oct-26`).
fn spreadsheet_help(text: &str, problem: &Problem, column: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if MISSING_MARKERS.contains(&lower.as_str()) {
        return Some(format!(
            "leave the cell empty for a missing value: `{text}` in column `{column}` is read as \
             text, not as \"no figure\""
        ));
    }
    if let Some(help) = decimal_comma_help(text) {
        return Some(help);
    }
    if matches!(problem, Problem::BadDate) {
        if let Some(iso) = month_day_year(text) {
            return Some(format!(
                "this looks like month/day/year, as US spreadsheets write dates; dates are \
                 day/month/year or year-month-day: write `{iso}`"
            ));
        }
    }
    if matches!(problem, Problem::BadMonth | Problem::BadDate) {
        if let Some(month) = spreadsheet_month(text) {
            return Some(format!(
                "the spreadsheet turned the month into a date and shows it as `{text}`: format \
                 the column as text and type the month as `{month}`"
            ));
        }
    }
    None
}

/// `79,5` (or `79,5%`): a decimal comma, with the number as it should be written.
fn decimal_comma_help(text: &str) -> Option<String> {
    let (number, percent) = match text.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), "%"),
        None => (text, ""),
    };
    let (whole, fraction) = number.split_once(',')?;
    let whole_digits = whole.strip_prefix('-').unwrap_or(whole);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole_digits) || !digits(fraction) {
        return None;
    }
    let point = format!("{whole}.{fraction}{percent}");
    Some(match fraction.len() {
        3 => format!(
            "write figures without a thousands separator and with a decimal point: `{whole}{fraction}{percent}` \
             if this is a thousands separator, `{point}` if it is a decimal comma"
        ),
        _ => format!(
            "`{text}` is written with a decimal comma: write `{point}`, with a decimal point \
             (spreadsheets set to a European language write commas; save the file with a point)"
        ),
    })
}

/// `10/14/2026`: month first (the day is above 12), as `2026-10-14`.
fn month_day_year(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split('/').collect();
    let [month, day, year] = parts.as_slice() else {
        return None;
    };
    let (month, day, year): (u32, u32, i32) =
        (month.parse().ok()?, day.parse().ok()?, year.parse().ok()?);
    if year < 1000 || day <= 12 {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day).map(|d| d.format("%Y-%m-%d").to_string())
}

/// `Oct-26`, `Oct 2026` or `26-Oct`: a month as a spreadsheet shows it once it took it for a
/// date, as `2026-10`.
fn spreadsheet_month(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = text
        .split(['-', ' ', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b] = parts.as_slice() else {
        return None;
    };
    let month_of = |word: &str| {
        let lower = word.to_lowercase();
        (lower.len() >= 3 && lower.bytes().all(|b| b.is_ascii_alphabetic()))
            .then(|| MONTHS.iter().position(|m| lower.starts_with(m)))
            .flatten()
    };
    let year_of = |word: &str| -> Option<i32> {
        let n: i32 = word.parse().ok()?;
        match word.len() {
            2 => Some(2000 + n),
            4 => Some(n),
            _ => None,
        }
    };
    let (month, year) = match (month_of(a), month_of(b)) {
        (Some(m), None) => (m, year_of(b)),
        // `26-Oct` is more likely a day of October than a year.
        (None, Some(m)) => (m, None),
        _ => return None,
    };
    Some(match year {
        Some(year) => format!("{year}-{:02}", month + 1),
        None => format!("YYYY-{:02}", month + 1),
    })
}

/// The error for a problem with a cell. `text` is the cell as written (trimmed).
pub(crate) fn problem_error(
    problem: Problem,
    text: &str,
    column: &str,
    expect: Expect<'_>,
    mut at: Box<Site>,
) -> DataError {
    let text = crate::quote::shorten(text);
    let column = column.to_string();
    let (label, help) = match &problem {
        Problem::NotANumber => ("not a number", example_help(&column, expect)),
        Problem::Exponent => (
            "written with an exponent",
            crate::number::EXPONENT_HELP.to_string(),
        ),
        Problem::TooManyDigits => (
            "too many digits",
            format!(
                "a figure has at most {} significant digits; round it in the spreadsheet",
                crate::number::MAX_DIGITS
            ),
        ),
        Problem::BadMonth => ("not a month", example_help(&column, expect)),
        Problem::PercentAbove => (
            "more than 100%",
            format!("in column `{column}`, a percentage must be from 0 to 100"),
        ),
        Problem::PercentBelow => (
            "less than 0%",
            format!("in column `{column}`, a percentage must be from 0 to 100"),
        ),
        Problem::NegativeCount => (
            "below zero",
            format!("in column `{column}`, a count must be a whole number, 0 or more"),
        ),
        Problem::NotWhole => ("not a whole number", example_help(&column, expect)),
        Problem::UnknownValue => {
            let mut help = example_help(&column, expect);
            if let Expect::Field(FieldType::OneOf(names)) = expect {
                if let Some(name) = suggestion(&text, names) {
                    help.push_str(&format!(" (did you mean `{name}`?)"));
                }
            }
            ("not an allowed value", help)
        }
        Problem::BadFlag => ("not yes or no", example_help(&column, expect)),
        Problem::BadDate => ("not a date", example_help(&column, expect)),
        Problem::OutOfRange { .. } => ("out of range", example_help(&column, expect)),
    };
    at.label = Some(label.to_string());
    at.help = Some(spreadsheet_help(&text, &problem, &column).unwrap_or(help));
    match problem {
        Problem::Exponent => DataError::new(DataErrorKind::Exponent { text, column }, at),
        Problem::NotANumber | Problem::TooManyDigits => {
            DataError::new(DataErrorKind::NotANumber { text, column }, at)
        }
        Problem::BadMonth => DataError::new(DataErrorKind::BadMonth { text, column }, at),
        Problem::PercentAbove => DataError::new(
            DataErrorKind::PercentOutOfRange {
                text,
                column,
                above: true,
            },
            at,
        ),
        Problem::PercentBelow => DataError::new(
            DataErrorKind::PercentOutOfRange {
                text,
                column,
                above: false,
            },
            at,
        ),
        Problem::NegativeCount => DataError::new(DataErrorKind::NegativeCount { text, column }, at),
        Problem::NotWhole => DataError::new(DataErrorKind::NotWhole { text, column }, at),
        Problem::UnknownValue => {
            let allowed = match expect {
                Expect::Field(FieldType::OneOf(names)) => names.clone(),
                _ => Vec::new(),
            };
            DataError::new(
                DataErrorKind::UnknownValue {
                    text,
                    column,
                    allowed,
                },
                at,
            )
        }
        Problem::BadFlag => DataError::new(DataErrorKind::BadFlag { text, column }, at),
        Problem::BadDate => DataError::new(DataErrorKind::BadDate { text, column }, at),
        Problem::OutOfRange { min, max } => DataError::new(
            DataErrorKind::OutOfRange {
                text,
                column,
                min,
                max,
            },
            at,
        ),
    }
}

/// Whether two short texts (ids, names) are the same, without a call for each comparison.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let half = |s: &[u8], at: usize| {
        let mut half = [0u8; 4];
        half.copy_from_slice(&s[at..at + 4]);
        u32::from_le_bytes(half)
    };
    match a.len() {
        n if n != b.len() => false,
        n @ 8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        n @ 4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_bytes_is_equality(
            a in proptest::collection::vec(0u8..4, 0..20),
            b in proptest::collection::vec(0u8..4, 0..20),
            at in any::<proptest::sample::Index>(),
            byte in 0u8..4,
        ) {
            prop_assert_eq!(same_bytes(&a, &b), a == b);
            // The same length, differing (or not) in one byte anywhere.
            let mut near = a.clone();
            if !near.is_empty() {
                near[at.index(a.len())] = byte;
            }
            prop_assert_eq!(same_bytes(&a, &near), a == near);
        }

        #[test]
        fn quick_figures_are_read_as_the_slow_way(
            text in "-?[0-9]{0,17}([.][0-9]{0,17})?( ?%)?",
            kind in prop::sample::select(vec![MetricKind::Percent, MetricKind::Count, MetricKind::Number]),
        ) {
            if let Some(figure) = quick_figure(kind, text.as_bytes()) {
                let slow = parse_metric(kind, &text).ok().and_then(Packed::new);
                prop_assert_eq!(Some(figure), slow);
            }
            let read = parse_metric_bytes(kind, text.as_bytes()).ok().flatten();
            prop_assert_eq!(read, parse_metric(kind, &text).ok().filter(|_| !text.is_empty()));
        }

        #[test]
        fn quick_months_are_read_as_the_slow_way(text in "[0-9 -]{7}|[0-9]{4}-[0-9]{2}") {
            if let Some(month) = quick_month(text.as_bytes()) {
                prop_assert_eq!(Ok(month), parse_month(&text));
            } else {
                prop_assert!(parse_month(&text).is_err());
            }
        }
    }

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("80"), Ok(dec("80")));
        assert_eq!(parse_number("-2.5"), Ok(dec("-2.5")));
        assert_eq!(parse_number("1e3"), Err(Problem::Exponent));
        assert_eq!(parse_number("-0"), Ok(Decimal::ZERO));
        assert_eq!(
            parse_number("1234567890123456"),
            Err(Problem::TooManyDigits)
        );
        for bad in [
            "8O", "NaN", "nan", "inf", "-inf", "infinity", "1,234", "", "1 2", "0x10", "e", ".",
        ] {
            assert_eq!(parse_number(bad), Err(Problem::NotANumber), "{bad}");
        }
    }

    #[test]
    fn fast_path_agrees_with_the_exact_parser() {
        for text in [
            "0",
            "7",
            "-7",
            "79.5",
            "0.1",
            "0.3",
            "100.00",
            "2.675",
            "-0.0",
            "123456789012345",
            "1234567890.12345",
            "9007199254740993",
            "5.",
            ".5",
            "1.2.3",
            "-",
            "1e3",
            "+5",
        ] {
            if let Some(fast) = fast_decimal(text.as_bytes()) {
                assert_eq!(
                    fast.get(),
                    parse_number(text).ok().map(|d| d.normalize()),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn metrics() {
        use MetricKind::*;
        assert_eq!(parse_metric(Percent, "79.5%"), Ok(dec("79.5")));
        assert_eq!(parse_metric(Percent, "79.5 %"), Ok(dec("79.5")));
        assert_eq!(parse_metric(Percent, "100"), Ok(dec("100")));
        assert_eq!(parse_metric(Percent, "120%"), Err(Problem::PercentAbove));
        assert_eq!(parse_metric(Percent, "-1"), Err(Problem::PercentBelow));
        assert_eq!(parse_metric(Percent, "%"), Err(Problem::NotANumber));
        assert_eq!(parse_metric(Count, "40"), Ok(dec("40")));
        assert_eq!(parse_metric(Count, "40.0"), Ok(dec("40.0")));
        assert_eq!(parse_metric(Count, "40.5"), Err(Problem::NotWhole));
        assert_eq!(parse_metric(Count, "-3"), Err(Problem::NegativeCount));
        assert_eq!(parse_metric(Count, "40%"), Err(Problem::NotANumber));
        assert_eq!(parse_metric(Count, "forty"), Err(Problem::NotANumber));
        assert_eq!(parse_metric(Number, "-2.5"), Ok(dec("-2.5")));
        assert_eq!(parse_metric(Number, "1e308"), Err(Problem::Exponent));
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(parse_date("2026-03-02"), Ok(d));
        assert_eq!(parse_date("02/03/2026"), Ok(d));
        assert_eq!(parse_date("2/3/2026"), Ok(d));
        for bad in [
            "2026-3-2",
            "31/02/2026",
            "2026/03/02",
            "03-02-2026",
            "",
            "2026-03-02T00:00",
            "１/3/2026",
        ] {
            assert_eq!(parse_date(bad), Err(Problem::BadDate), "{bad}");
        }
    }

    #[test]
    fn fields() {
        let one_of = FieldType::OneOf(vec!["gp".into(), "anp".into()]);
        assert_eq!(parse_field(&one_of, "GP"), Ok(Value::Enum(0)));
        assert_eq!(
            parse_field(&one_of, "consultant"),
            Err(Problem::UnknownValue)
        );
        let int = FieldType::Integer { min: 1, max: 5 };
        assert_eq!(parse_field(&int, "5"), Ok(Value::Number(dec("5"))));
        assert_eq!(
            parse_field(&int, "6"),
            Err(Problem::OutOfRange { min: 1, max: 5 })
        );
        assert_eq!(parse_field(&int, "2.5"), Err(Problem::NotWhole));
        assert_eq!(parse_field(&FieldType::Flag, "Yes"), Ok(Value::Flag(true)));
        assert_eq!(parse_field(&FieldType::Flag, "N"), Ok(Value::Flag(false)));
        assert_eq!(
            parse_field(&FieldType::Flag, "maybe"),
            Err(Problem::BadFlag)
        );
    }

    #[test]
    fn suggests_close_names() {
        let names = vec![
            "gp".to_string(),
            "anp".to_string(),
            "pharmacist".to_string(),
        ];
        assert_eq!(suggestion("pharmasist", &names), Some("pharmacist".into()));
        assert_eq!(suggestion("consultant", &names), None);
    }
}

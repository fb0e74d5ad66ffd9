//! Working-day calendars and deadlines.
//!
//! A [`Calendar`] knows which days are working days: never Saturdays or Sundays, never the
//! England & Wales bank holidays (for [`CalendarKind::EnglandAndWales`]) and never the extra
//! holidays a policy or a holiday file adds. [`Calendar::due_date`] turns a decision date and a
//! [`Deadline`] such as `due 5 working days` into the date an action is due (see
//! LANGUAGE.md §5, "Decision date and deadlines").
//!
//! England & Wales bank holidays are computed by rule for any year
//! ([`england_and_wales_bank_holidays`]), so a calendar works for any date; the holidays of the
//! years around today are computed once, when the calendar is built, to keep lookups fast.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::Deserialize;

/// The last year a due date may fall in; later results are reported as `None`.
const LAST_SUPPORTED_YEAR: i32 = 9999;

/// The years whose bank holidays are computed when a calendar is built. Other years are
/// computed by rule when they are needed.
const PRECOMPUTED_YEARS: RangeInclusive<i32> = 1970..=2100;

/// The most working days any year can have: 366 days with 262 weekdays.
const MOST_WORKING_DAYS_IN_A_YEAR: u64 = 262;

/// Which days a calendar counts as non-working, besides its extra holidays.
///
/// See the example of [`Calendar`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CalendarKind {
    /// Weekends and the England & Wales bank holidays (`calendar england_and_wales`, the default).
    #[default]
    EnglandAndWales,
    /// Only weekends (`calendar weekends_only`).
    WeekendsOnly,
}

impl CalendarKind {
    /// The name used in policies: `england_and_wales` or `weekends_only`.
    pub fn name(self) -> &'static str {
        match self {
            CalendarKind::EnglandAndWales => "england_and_wales",
            CalendarKind::WeekendsOnly => "weekends_only",
        }
    }

    /// The kind with a policy name (`england_and_wales` or `weekends_only`), if there is one.
    pub fn from_name(name: &str) -> Option<CalendarKind> {
        [CalendarKind::EnglandAndWales, CalendarKind::WeekendsOnly]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

impl fmt::Display for CalendarKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How long after the decision date an action is due (`due N working days | days | weeks | months`).
///
/// See the example of [`Calendar`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// The Nth working day strictly after the decision date (0 is the decision date itself).
    WorkingDays(u32),
    /// N calendar days after the decision date.
    Days(u32),
    /// N weeks (7 calendar days each) after the decision date.
    Weeks(u32),
    /// N calendar months after the decision date, clamped to the last day of the month.
    Months(u32),
}

impl fmt::Display for Deadline {
    /// Writes the deadline as in a policy, e.g. `5 working days` or `1 month`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, singular, plural) = match *self {
            Deadline::WorkingDays(n) => (n, "working day", "working days"),
            Deadline::Days(n) => (n, "day", "days"),
            Deadline::Weeks(n) => (n, "week", "weeks"),
            Deadline::Months(n) => (n, "month", "months"),
        };
        let unit = if n == 1 { singular } else { plural };
        write!(f, "{n} {unit}")
    }
}

/// A working-day calendar: which dates are working days, and when deadlines fall. A policy's
/// is [`Program::calendar`](crate::Program::calendar).
///
/// ```
/// use chrono::NaiveDate;
/// use escalate::{england_and_wales_bank_holidays, Calendar, CalendarKind, Deadline};
///
/// let day = |text: &str| text.parse::<NaiveDate>().unwrap();
/// let calendar = Calendar::default(); // England and Wales
/// assert_eq!(calendar.kind(), CalendarKind::EnglandAndWales);
/// // Friday 18 December 2026: 5 working days later skips the weekend, Christmas Day and the
/// // substitute day for Boxing Day.
/// let due = calendar.due_date(day("2026-12-18"), Deadline::WorkingDays(5));
/// assert_eq!(due, Some(day("2026-12-29")));
/// assert!(!calendar.is_working_day(day("2026-12-28")));
/// let holidays = england_and_wales_bank_holidays(2026);
/// assert!(holidays.contains(&(day("2026-12-25"), "Christmas Day")));
/// // Weekends only, with a day of our own.
/// let ours = Calendar::new(CalendarKind::WeekendsOnly, [day("2026-12-24")]);
/// assert_eq!(ours.add_working_days(day("2026-12-23"), 1), Some(day("2026-12-25")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    kind: CalendarKind,
    /// Every known non-working date other than ordinary weekends, sorted and without
    /// duplicates: all extra holidays, plus the bank holidays of [`PRECOMPUTED_YEARS`].
    holidays: Vec<NaiveDate>,
}

impl Default for Calendar {
    /// The England & Wales calendar with no extra holidays.
    fn default() -> Self {
        Calendar::new(CalendarKind::default(), [])
    }
}

impl Calendar {
    /// A calendar of the given kind, with extra non-working days (e.g. `holiday` lines).
    pub fn new(
        kind: CalendarKind,
        extra_holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Calendar {
        let mut holidays: Vec<NaiveDate> = extra_holidays.into_iter().collect();
        if kind == CalendarKind::EnglandAndWales {
            holidays.extend(
                PRECOMPUTED_YEARS
                    .flat_map(england_and_wales_bank_holidays)
                    .map(|(date, _)| date),
            );
        }
        sort_and_dedup(&mut holidays);
        Calendar { kind, holidays }
    }

    /// The same calendar with more non-working days (e.g. from a holiday file).
    pub fn with_holidays(mut self, more: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        self.holidays.extend(more);
        sort_and_dedup(&mut self.holidays);
        self
    }

    /// Which kind of calendar this is.
    pub fn kind(&self) -> CalendarKind {
        self.kind
    }

    /// Whether `date` is a working day: not a weekend, not a bank holiday (England & Wales
    /// calendars) and not an extra holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.is_holiday(date)
    }

    /// The date an action decided on `decided_on` is due; `None` when it would fall after
    /// the year 9999.
    pub fn due_date(&self, decided_on: NaiveDate, deadline: Deadline) -> Option<NaiveDate> {
        let due = match deadline {
            Deadline::WorkingDays(n) => return self.add_working_days(decided_on, n),
            Deadline::Days(n) => decided_on.checked_add_days(Days::new(u64::from(n))),
            Deadline::Weeks(n) => decided_on.checked_add_days(Days::new(u64::from(n) * 7)),
            Deadline::Months(n) => decided_on.checked_add_months(Months::new(n)),
        };
        due.filter(|date| is_supported_year(date.year()))
    }

    /// The `n`th working day strictly after `after` (`after` itself when `n` is 0); `None`
    /// when it would fall after the year 9999.
    ///
    /// Whole years are skipped by counting, so this takes at most a few thousand steps even
    /// for `n = u32::MAX`.
    pub fn add_working_days(&self, after: NaiveDate, n: u32) -> Option<NaiveDate> {
        if !is_supported_year(after.year()) {
            return None;
        }
        if n == 0 {
            return Some(after);
        }
        if !could_fit_before_last_supported_year(after, n) {
            return None;
        }
        let mut after = after;
        let mut remaining = n;
        loop {
            let year = after.succ_opt()?.year();
            if !is_supported_year(year) {
                return None;
            }
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31)?;
            let holidays = self.holidays_in_year(year);
            let available = count_working_days(after, year_end, &holidays);
            if remaining <= available {
                return nth_working_day_after(after, remaining, &holidays);
            }
            remaining -= available;
            after = year_end;
        }
    }

    /// The number of working days `d` with `from < d <= to`; the negative of the count from
    /// `to` to `from` when `to` is before `from`. Linear in the number of years spanned.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut count = 0i64;
        let mut after = from;
        while after < to {
            let year = after.succ_opt().map_or(after.year(), |d| d.year());
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(to);
            let through = year_end.min(to);
            let holidays = self.holidays_in_year(year);
            count += i64::from(count_working_days(after, through, &holidays));
            after = through;
        }
        count
    }

    /// Whether `date` is a bank holiday or an extra holiday (whatever day of the week).
    fn is_holiday(&self, date: NaiveDate) -> bool {
        if self.has_precomputed(date.year()) {
            self.holidays.binary_search(&date).is_ok()
        } else {
            self.holidays_in_year(date.year())
                .binary_search(&date)
                .is_ok()
        }
    }

    /// Whether [`Calendar::holidays`] already holds every holiday of `year`.
    fn has_precomputed(&self, year: i32) -> bool {
        self.kind == CalendarKind::WeekendsOnly || PRECOMPUTED_YEARS.contains(&year)
    }

    /// Every holiday falling in `year`, sorted and without duplicates.
    fn holidays_in_year(&self, year: i32) -> Cow<'_, [NaiveDate]> {
        let start = self.holidays.partition_point(|date| date.year() < year);
        let end = self.holidays.partition_point(|date| date.year() <= year);
        let stored = &self.holidays[start..end];
        if self.has_precomputed(year) {
            return Cow::Borrowed(stored);
        }
        let mut all = stored.to_vec();
        all.extend(
            england_and_wales_bank_holidays(year)
                .into_iter()
                .map(|(date, _)| date),
        );
        sort_and_dedup(&mut all);
        Cow::Owned(all)
    }
}

/// Whether a result in `year` may be returned.
fn is_supported_year(year: i32) -> bool {
    year <= LAST_SUPPORTED_YEAR
}

/// A quick upper bound: `false` when even a calendar without holidays could not reach `n`
/// working days after `after` by the end of the year 9999.
fn could_fit_before_last_supported_year(after: NaiveDate, n: u32) -> bool {
    let years_left = u64::try_from(LAST_SUPPORTED_YEAR - after.year() + 1).unwrap_or(0);
    u64::from(n) <= years_left * MOST_WORKING_DAYS_IN_A_YEAR
}

fn sort_and_dedup(dates: &mut Vec<NaiveDate>) {
    dates.sort_unstable();
    dates.dedup();
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Working days in `(after, through]`, given the sorted holidays of that span's year.
fn count_working_days(after: NaiveDate, through: NaiveDate, holidays: &[NaiveDate]) -> u32 {
    let weekday_holidays = holidays
        .iter()
        .filter(|date| **date > after && **date <= through && !is_weekend(**date))
        .count();
    let weekday_holidays = u32::try_from(weekday_holidays).unwrap_or(u32::MAX);
    count_weekdays(after, through).saturating_sub(weekday_holidays)
}

/// Mondays to Fridays in `(after, through]`.
fn count_weekdays(after: NaiveDate, through: NaiveDate) -> u32 {
    let days = u32::try_from((through - after).num_days()).unwrap_or(0);
    let whole_weeks = days / 7;
    let mut weekday = after.weekday();
    let mut weekdays = whole_weeks * 5;
    for _ in 0..days % 7 {
        weekday = weekday.succ();
        if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            weekdays += 1;
        }
    }
    weekdays
}

/// The `n`th working day after `after`; the caller makes sure it falls within the year whose
/// sorted holidays are given. Without stepping a day at a time: the `n`th weekday, then as
/// many weekdays again as holidays were passed on weekdays, until none is (holidays are few,
/// so this takes one or two rounds).
fn nth_working_day_after(after: NaiveDate, n: u32, holidays: &[NaiveDate]) -> Option<NaiveDate> {
    let (mut from, mut remaining) = (after, n);
    while remaining > 0 {
        let to = nth_weekday_after(from, remaining)?;
        let start = holidays.partition_point(|date| *date <= from);
        let end = holidays.partition_point(|date| *date <= to);
        let passed = holidays[start..end]
            .iter()
            .filter(|date| !is_weekend(**date))
            .count();
        from = to;
        remaining = u32::try_from(passed).ok()?;
    }
    Some(from)
}

/// The `n`th Monday to Friday after `after` (`n` at least 1), by week arithmetic.
fn nth_weekday_after(after: NaiveDate, n: u32) -> Option<NaiveDate> {
    // After a Saturday or Sunday, the weekdays are those after the Friday before.
    let weekday = after.weekday().num_days_from_monday().min(4);
    let (weeks, rest) = ((n - 1) / 5, (n - 1) % 5 + 1);
    let weekend = if weekday + rest >= 5 { 2 } else { 0 };
    let days = i64::from(weeks) * 7 + i64::from(rest + weekend);
    let days = days - i64::from(after.weekday().num_days_from_monday() - weekday);
    after.checked_add_days(Days::new(u64::try_from(days).ok()?))
}

// ---------------------------------------------------------------------------------------------
// England & Wales bank holidays
// ---------------------------------------------------------------------------------------------

/// A bank holiday: its date and its name.
type BankHoliday = (NaiveDate, &'static str);

/// The England & Wales bank holidays of `year`, sorted by date, each with its name as gov.uk
/// writes it (substitute days are marked `(substitute day)`).
///
/// The rules in force since 1978 are applied to every year, with the moved and extra days of
/// 1995, 1999, 2002, 2011, 2012, 2020, 2022 and 2023; the result is exact for 2000–2040 as far
/// as those years' holidays have been announced. Years chrono cannot represent give no dates.
///
/// See the example of [`Calendar`].
pub fn england_and_wales_bank_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut holidays: Vec<BankHoliday> = Vec::with_capacity(10);
    holidays.extend(new_years_day(year));
    holidays.extend(easter_holidays(year));
    holidays.extend(early_may_bank_holiday(year));
    holidays.extend(spring_bank_holidays(year));
    holidays.extend(summer_bank_holiday(year));
    holidays.extend(christmas_and_boxing_day(year));
    holidays.extend(one_off_bank_holidays(year));
    holidays.sort_unstable();
    holidays
}

/// New Year's Day, or the Monday after when it falls on a weekend.
fn new_years_day(year: i32) -> Option<BankHoliday> {
    let day = NaiveDate::from_ymd_opt(year, 1, 1)?;
    if is_weekend(day) {
        Some((next_monday(day)?, "New Year’s Day (substitute day)"))
    } else {
        Some((day, "New Year’s Day"))
    }
}

/// Good Friday and Easter Monday.
fn easter_holidays(year: i32) -> Vec<BankHoliday> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    [
        easter
            .checked_sub_days(Days::new(2))
            .map(|day| (day, "Good Friday")),
        easter
            .checked_add_days(Days::new(1))
            .map(|day| (day, "Easter Monday")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The early May bank holiday: the first Monday in May, moved in 1995 and 2020 for VE Day
/// anniversaries.
fn early_may_bank_holiday(year: i32) -> Option<BankHoliday> {
    match year {
        1995 => Some((
            NaiveDate::from_ymd_opt(1995, 5, 8)?,
            "Early May bank holiday (VE day)",
        )),
        2020 => Some((
            NaiveDate::from_ymd_opt(2020, 5, 8)?,
            "Early May bank holiday (VE day)",
        )),
        _ => Some((nth_monday(year, 5, 1)?, "Early May bank holiday")),
    }
}

/// The spring bank holiday (the last Monday in May), and the jubilee holidays that moved it.
fn spring_bank_holidays(year: i32) -> Vec<BankHoliday> {
    let days: &[(u32, u32, &'static str)] = match year {
        2002 => &[
            (6, 3, "Golden Jubilee bank holiday"),
            (6, 4, "Spring bank holiday"),
        ],
        2012 => &[
            (6, 4, "Spring bank holiday"),
            (6, 5, "Diamond Jubilee bank holiday"),
        ],
        2022 => &[
            (6, 2, "Spring bank holiday"),
            (6, 3, "Platinum Jubilee bank holiday"),
        ],
        _ => {
            return last_monday(year, 5)
                .map(|day| (day, "Spring bank holiday"))
                .into_iter()
                .collect()
        }
    };
    dated(year, days)
}

/// The summer bank holiday: the last Monday in August.
fn summer_bank_holiday(year: i32) -> Option<BankHoliday> {
    Some((last_monday(year, 8)?, "Summer bank holiday"))
}

/// Christmas Day and Boxing Day, each moved to the next free weekday when on a weekend.
fn christmas_and_boxing_day(year: i32) -> Vec<BankHoliday> {
    let Some(christmas) = NaiveDate::from_ymd_opt(year, 12, 25) else {
        return Vec::new();
    };
    let days: &[(u32, u32, &'static str)] = match christmas.weekday() {
        Weekday::Fri => &[
            (12, 25, "Christmas Day"),
            (12, 28, "Boxing Day (substitute day)"),
        ],
        Weekday::Sat => &[
            (12, 27, "Christmas Day (substitute day)"),
            (12, 28, "Boxing Day (substitute day)"),
        ],
        Weekday::Sun => &[
            (12, 26, "Boxing Day"),
            (12, 27, "Christmas Day (substitute day)"),
        ],
        _ => &[(12, 25, "Christmas Day"), (12, 26, "Boxing Day")],
    };
    dated(year, days)
}

/// Bank holidays declared for one year only.
fn one_off_bank_holidays(year: i32) -> Vec<BankHoliday> {
    let days: &[(u32, u32, &'static str)] = match year {
        1999 => &[(12, 31, "Millennium Celebrations")],
        2011 => &[(4, 29, "Royal wedding")],
        2022 => &[(
            9,
            19,
            "Bank Holiday for the State Funeral of Queen Elizabeth II",
        )],
        2023 => &[(5, 8, "Bank holiday for the coronation of King Charles III")],
        _ => &[],
    };
    dated(year, days)
}

/// `(month, day, name)` triples of `year` as bank holidays.
fn dated(year: i32, days: &[(u32, u32, &'static str)]) -> Vec<BankHoliday> {
    days.iter()
        .filter_map(|&(month, day, name)| Some((NaiveDate::from_ymd_opt(year, month, day)?, name)))
        .collect()
}

/// The `n`th Monday of a month.
fn nth_monday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n)
}

/// The last Monday of a month.
fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    nth_monday(year, month, 5).or_else(|| nth_monday(year, month, 4))
}

/// The first Monday after a date.
fn next_monday(date: NaiveDate) -> Option<NaiveDate> {
    let days_ahead = 7 - date.weekday().num_days_from_monday();
    date.checked_add_days(Days::new(u64::from(days_ahead)))
}

// ---------------------------------------------------------------------------------------------
// gov.uk bank holiday files
// ---------------------------------------------------------------------------------------------

/// Where to get a bank holiday file that [`holidays_from_govuk_json`] reads.
const GOVUK_BANK_HOLIDAYS_URL: &str = "https://www.gov.uk/bank-holidays.json";

/// Why a gov.uk bank holiday file could not be used.
///
/// See the example of [`holidays_from_govuk_json`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum HolidayFileError {
    /// The text is not JSON in the layout of the gov.uk file.
    #[error("the bank holiday file is not in the gov.uk format: {problem}")]
    #[diagnostic(
        code(calendar::bad_holiday_file),
        help(
            "download the file from {GOVUK_BANK_HOLIDAYS_URL} and pass it unchanged \
             (save the file itself, not the web page that shows it)"
        )
    )]
    BadHolidayFile {
        /// What is wrong, in plain words, with the line and column where it was noticed.
        problem: String,
    },

    /// The file has no division with the name asked for.
    #[error("the bank holiday file has no division `{division}`; it has {available}")]
    #[diagnostic(
        code(calendar::unknown_division),
        help(
            "use one of the divisions in the file ({available}); for England and Wales it is \
             `england-and-wales`. If the file has none of them, download it again from \
             {GOVUK_BANK_HOLIDAYS_URL}"
        )
    )]
    UnknownDivision {
        /// The division that was asked for.
        division: String,
        /// The divisions the file does have, in words (e.g. "`scotland` and `northern-ireland`").
        available: String,
    },

    /// A holiday in the file has a date that is not of the form `YYYY-MM-DD`.
    #[error(
        "the bank holiday `{title}` in division `{division}` has the date `{date}`, \
         which is not a date of the form YYYY-MM-DD"
    )]
    #[diagnostic(
        code(calendar::bad_holiday_date),
        help(
            "write the date as year-month-day, for example `2026-12-28`, or download the file \
             again from {GOVUK_BANK_HOLIDAYS_URL} and pass it unchanged"
        )
    )]
    BadHolidayDate {
        /// The division the holiday is in.
        division: String,
        /// The holiday's title.
        title: String,
        /// The date as written in the file.
        date: String,
    },
}

/// One division of the gov.uk file, e.g. `england-and-wales`.
#[derive(Deserialize)]
struct GovUkDivision {
    events: Vec<GovUkEvent>,
}

/// One holiday of the gov.uk file.
#[derive(Deserialize)]
struct GovUkEvent {
    #[serde(default)]
    title: String,
    date: String,
}

/// The dates (sorted, without duplicates) of one division of a gov.uk bank holiday file,
/// the JSON published at <https://www.gov.uk/bank-holidays.json>.
///
/// `division` is `england-and-wales`, `scotland` or `northern-ireland`; case and `_` instead
/// of `-` are accepted (`england_and_wales`). The dates go into
/// [`EvalOptions::extra_holidays`](crate::EvalOptions::extra_holidays) or
/// [`Calendar::with_holidays`].
///
/// ```
/// let file = r#"{"england-and-wales": {"division": "england-and-wales", "events": [
///     {"title": "Extra day", "date": "2026-11-02", "notes": "", "bunting": false}
/// ]}}"#;
/// let days = escalate::holidays_from_govuk_json(file, "england-and-wales").unwrap();
/// assert_eq!(days[0].to_string(), "2026-11-02");
/// let error = escalate::holidays_from_govuk_json(file, "wales").unwrap_err();
/// assert!(error.to_string().contains("wales"));
/// ```
pub fn holidays_from_govuk_json(
    text: &str,
    division: &str,
) -> Result<Vec<NaiveDate>, HolidayFileError> {
    let divisions: BTreeMap<String, GovUkDivision> =
        serde_json::from_str(text).map_err(describe_json_error)?;
    let (name, found) = find_division(&divisions, division)?;
    let mut dates = found
        .events
        .iter()
        .map(|event| parse_event_date(name, event))
        .collect::<Result<Vec<_>, _>>()?;
    sort_and_dedup(&mut dates);
    Ok(dates)
}

/// Turns a serde_json error into a plain-words [`HolidayFileError::BadHolidayFile`].
fn describe_json_error(error: serde_json::Error) -> HolidayFileError {
    use serde_json::error::Category;
    let problem = match error.classify() {
        Category::Syntax | Category::Eof => format!("it is not valid JSON ({error})"),
        Category::Data => format!("it does not have the expected layout ({error})"),
        Category::Io => error.to_string(),
    };
    HolidayFileError::BadHolidayFile { problem }
}

/// The division called `wanted`, matched exactly or else ignoring case and `_`/`-`.
fn find_division<'a>(
    divisions: &'a BTreeMap<String, GovUkDivision>,
    wanted: &str,
) -> Result<(&'a str, &'a GovUkDivision), HolidayFileError> {
    let exact = divisions.get_key_value(wanted);
    let loose = || {
        divisions
            .iter()
            .find(|(name, _)| normalise_division(name) == normalise_division(wanted))
    };
    exact
        .or_else(loose)
        .map(|(name, division)| (name.as_str(), division))
        .ok_or_else(|| HolidayFileError::UnknownDivision {
            division: wanted.to_string(),
            available: list_in_words(divisions.keys()),
        })
}

fn normalise_division(name: &str) -> String {
    name.trim().to_lowercase().replace('_', "-")
}

/// "`a`, `b` and `c`", or "no divisions at all" for an empty list.
fn list_in_words<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let quoted: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => "no divisions at all".to_string(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn parse_event_date(division: &str, event: &GovUkEvent) -> Result<NaiveDate, HolidayFileError> {
    NaiveDate::parse_from_str(event.date.trim(), "%Y-%m-%d").map_err(|_| {
        HolidayFileError::BadHolidayDate {
            division: division.to_string(),
            title: event.title.clone(),
            date: event.date.clone(),
        }
    })
}

#[cfg(test)]
mod working_days_between_tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn counts_working_days_across_christmas_and_new_year() {
        let calendar = Calendar::default();
        // 18 Dec 2026 (Fri) to 31 Dec 2026: 21, 22, 23, 24, 29, 30, 31 (25 and 28 are holidays).
        assert_eq!(
            calendar.working_days_between(date("2026-12-18"), date("2026-12-31")),
            7
        );
        assert_eq!(
            calendar.working_days_between(date("2026-12-31"), date("2026-12-18")),
            -7
        );
        // Across the year end: 4 and 5 Jan 2027 (1 Jan is a holiday).
        assert_eq!(
            calendar.working_days_between(date("2026-12-31"), date("2027-01-05")),
            2
        );
        assert_eq!(
            calendar.working_days_between(date("2026-12-31"), date("2026-12-31")),
            0
        );
    }

    /// The `n`th working day after `after`, a day at a time (what `nth_working_day_after`
    /// works out without stepping).
    fn stepping(calendar: &Calendar, after: NaiveDate, n: u32) -> NaiveDate {
        let (mut date, mut remaining) = (after, n);
        while remaining > 0 {
            date = date.succ_opt().unwrap();
            remaining -= u32::from(calendar.is_working_day(date));
        }
        date
    }

    #[test]
    fn adds_working_days_as_stepping_a_day_at_a_time_does() {
        let calendar = Calendar::default().with_holidays([date("2026-12-24"), date("2027-01-02")]);
        let weekends_only = Calendar::new(CalendarKind::WeekendsOnly, [date("2026-06-05")]);
        // Every day of the week, either side of Easter, Christmas and the new year.
        let starts = [
            "2026-03-28",
            "2026-05-29",
            "2026-12-19",
            "2027-12-20",
            "2029-12-15",
        ];
        for calendar in [&calendar, &weekends_only] {
            for start in starts {
                for offset in 0..9 {
                    let after = date(start) + chrono::Duration::days(offset);
                    for n in 0..40 {
                        let due = calendar.add_working_days(after, n);
                        assert_eq!(due, Some(stepping(calendar, after, n)), "{after} + {n}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Any start from 2020 to 2034, spans up to three years of working days, extra
        /// holidays on any day of the week (some on bank holidays or weekends), both kinds of
        /// calendar: the arithmetic gives the day stepping gives, and counting back agrees.
        #[test]
        fn working_day_arithmetic_agrees_with_stepping(
            start in 0i64..(15 * 365),
            n in 0u32..800,
            extra in proptest::collection::vec(0i64..(18 * 365), 0..12),
            weekends_only in proptest::bool::ANY,
        ) {
            let origin = date("2020-01-01");
            let kind = match weekends_only {
                true => CalendarKind::WeekendsOnly,
                false => CalendarKind::EnglandAndWales,
            };
            let calendar = Calendar::new(kind, extra.iter().map(|&d| origin + chrono::Duration::days(d)));
            let after = origin + chrono::Duration::days(start);
            let due = calendar.add_working_days(after, n);
            proptest::prop_assert_eq!(due, Some(stepping(&calendar, after, n)), "{} + {}", after, n);
            let due = due.expect("in range");
            proptest::prop_assert_eq!(calendar.working_days_between(after, due), i64::from(n));
            proptest::prop_assert_eq!(calendar.working_days_between(due, after), -i64::from(n));
        }
    }

    #[test]
    fn agrees_with_adding_working_days() {
        let calendar = Calendar::default();
        let start = date("2025-11-20");
        for n in [1u32, 5, 20, 60, 300] {
            let end = calendar.add_working_days(start, n).unwrap();
            assert_eq!(calendar.working_days_between(start, end), i64::from(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
    }

    fn england_and_wales() -> Calendar {
        Calendar::new(CalendarKind::EnglandAndWales, [])
    }

    fn bank_holiday_dates(year: i32) -> Vec<NaiveDate> {
        england_and_wales_bank_holidays(year)
            .into_iter()
            .map(|(date, _)| date)
            .collect()
    }

    /// The dates in a text of whitespace-separated `YYYY-MM-DD` dates.
    fn dates(text: &str) -> Vec<NaiveDate> {
        text.split_whitespace().map(d).collect()
    }

    // --- known answers from the brief and LANGUAGE.md §5 ---

    #[test]
    fn deadlines_after_saturday_31_october_2026() {
        let calendar = england_and_wales();
        let decided = d("2026-10-31");
        let due = |deadline| calendar.due_date(decided, deadline);
        assert_eq!(due(Deadline::WorkingDays(5)), Some(d("2026-11-06")));
        assert_eq!(due(Deadline::WorkingDays(10)), Some(d("2026-11-13")));
        assert_eq!(due(Deadline::WorkingDays(20)), Some(d("2026-11-27")));
        assert_eq!(due(Deadline::Days(28)), Some(d("2026-11-28")));
        assert_eq!(due(Deadline::Months(1)), Some(d("2026-11-30")));
    }

    #[test]
    fn deadlines_over_christmas_2026() {
        let calendar = england_and_wales();
        let decided = d("2026-12-21");
        let due = |deadline| calendar.due_date(decided, deadline);
        assert_eq!(due(Deadline::WorkingDays(5)), Some(d("2026-12-30")));
        assert_eq!(due(Deadline::WorkingDays(10)), Some(d("2027-01-07")));
        assert_eq!(due(Deadline::Weeks(2)), Some(d("2027-01-04")));
        assert_eq!(due(Deadline::Months(1)), Some(d("2027-01-21")));
    }

    #[test]
    fn weekends_only_calendar_ignores_bank_holidays() {
        let calendar = Calendar::new(CalendarKind::WeekendsOnly, []);
        let due = calendar.due_date(d("2026-12-21"), Deadline::WorkingDays(5));
        assert_eq!(due, Some(d("2026-12-28")));
        assert!(calendar.is_working_day(d("2026-12-25")));
        assert!(!calendar.is_working_day(d("2026-12-26")));
    }

    #[test]
    fn zero_working_days_is_the_decision_date_itself() {
        let calendar = england_and_wales();
        let saturday = d("2026-10-31");
        assert_eq!(
            calendar.due_date(saturday, Deadline::WorkingDays(0)),
            Some(saturday)
        );
    }

    #[test]
    fn months_clamp_to_the_last_day_of_the_month() {
        let calendar = england_and_wales();
        let due = |text, n| calendar.due_date(d(text), Deadline::Months(n));
        assert_eq!(due("2026-01-31", 1), Some(d("2026-02-28")));
        assert_eq!(due("2028-01-31", 1), Some(d("2028-02-29")));
        assert_eq!(due("2026-03-31", 1), Some(d("2026-04-30")));
        assert_eq!(due("2026-01-31", 12), Some(d("2027-01-31")));
    }

    // --- extra holidays ---

    #[test]
    fn extra_holidays_are_not_working_days() {
        let calendar = Calendar::new(CalendarKind::EnglandAndWales, [d("2026-12-24")]);
        assert!(!calendar.is_working_day(d("2026-12-24")));
        let due = calendar.due_date(d("2026-12-21"), Deadline::WorkingDays(5));
        assert_eq!(due, Some(d("2026-12-31")));
    }

    #[test]
    fn with_holidays_adds_to_the_existing_ones() {
        let calendar = Calendar::new(CalendarKind::WeekendsOnly, [d("2026-12-24")])
            .with_holidays([d("2026-12-25"), d("2026-12-24"), d("2300-01-02")]);
        assert!(!calendar.is_working_day(d("2026-12-24")));
        assert!(!calendar.is_working_day(d("2026-12-25")));
        assert!(calendar.is_working_day(d("2026-12-28")));
        assert!(!calendar.is_working_day(d("2300-01-02")));
        let due = calendar.due_date(d("2026-12-21"), Deadline::WorkingDays(3));
        assert_eq!(due, Some(d("2026-12-28")));
    }

    #[test]
    fn extra_holidays_count_outside_the_precomputed_years() {
        let far = d("2205-03-04");
        let calendar = Calendar::new(CalendarKind::EnglandAndWales, [far]);
        assert!(calendar.is_working_day(d("2205-03-05")));
        assert!(!calendar.is_working_day(far));
        assert!(!calendar.is_working_day(d("2205-12-25")));
    }

    #[test]
    fn working_days_are_not_weekends_or_bank_holidays() {
        let calendar = england_and_wales();
        assert!(calendar.is_working_day(d("2026-11-02")));
        assert!(!calendar.is_working_day(d("2026-10-31")));
        assert!(!calendar.is_working_day(d("2026-11-01")));
        assert!(!calendar.is_working_day(d("2026-12-28")));
        assert!(!calendar.is_working_day(d("2150-12-25")));
    }

    // --- huge deadlines ---

    #[test]
    fn huge_deadlines_give_none_instead_of_looping() {
        let calendar = england_and_wales();
        let decided = d("2026-10-31");
        for deadline in [
            Deadline::WorkingDays(u32::MAX),
            Deadline::Days(u32::MAX),
            Deadline::Weeks(u32::MAX),
            Deadline::Months(u32::MAX),
        ] {
            assert_eq!(calendar.due_date(decided, deadline), None, "{deadline}");
        }
    }

    #[test]
    fn deadlines_reaching_near_year_9999_are_counted_exactly() {
        let calendar = england_and_wales();
        let decided = d("2026-10-31");
        let due = calendar.due_date(decided, Deadline::WorkingDays(2_000_000));
        let due = due.expect("2,000,000 working days fit before 9999");
        assert!(calendar.is_working_day(due));
        assert!(due.year() > 9000 && due.year() <= 9999, "{due}");
        let later = calendar.due_date(decided, Deadline::WorkingDays(2_100_000));
        assert_eq!(later, None);
    }

    #[test]
    fn the_last_working_day_before_10000_is_reachable_and_the_next_is_not() {
        let calendar = Calendar::new(CalendarKind::WeekendsOnly, []);
        let friday = d("9999-12-31");
        assert_eq!(friday.weekday(), Weekday::Fri);
        let thursday = d("9999-12-30");
        assert_eq!(calendar.add_working_days(thursday, 1), Some(friday));
        assert_eq!(calendar.add_working_days(thursday, 2), None);
        assert_eq!(calendar.due_date(friday, Deadline::Days(1)), None);
        assert_eq!(
            calendar.due_date(friday, Deadline::WorkingDays(0)),
            Some(friday)
        );
    }

    #[test]
    fn year_skipping_agrees_with_stepping_day_by_day() {
        let calendar = england_and_wales().with_holidays([d("2099-06-01"), d("2101-06-01")]);
        let decided = d("2095-07-15");
        let mut date = decided;
        for n in 1..=3000 {
            date = date.succ_opt().expect("in range");
            while !calendar.is_working_day(date) {
                date = date.succ_opt().expect("in range");
            }
            if n % 97 == 0 || n == 3000 {
                assert_eq!(calendar.add_working_days(decided, n), Some(date), "n = {n}");
            }
        }
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let calendar = england_and_wales();
        for deadline in [
            Deadline::WorkingDays(5),
            Deadline::Days(5),
            Deadline::Weeks(5),
            Deadline::Months(5),
        ] {
            assert_eq!(calendar.due_date(NaiveDate::MAX, deadline), None);
            assert!(calendar.due_date(NaiveDate::MIN, deadline).is_some());
        }
        assert!(england_and_wales_bank_holidays(i32::MAX).is_empty());
        assert!(england_and_wales_bank_holidays(i32::MIN).is_empty());
        let _ = calendar.is_working_day(NaiveDate::MIN);
        let _ = calendar.is_working_day(NaiveDate::MAX);
    }

    // --- bank holidays ---

    /// England & Wales bank holidays 2018–2026 as published at https://www.gov.uk/bank-holidays.
    const GOVUK_ENGLAND_AND_WALES_2018_TO_2026: &str = "\
        2018-01-01 2018-03-30 2018-04-02 2018-05-07 2018-05-28 2018-08-27 \
        2018-12-25 2018-12-26 \
        2019-01-01 2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26 \
        2019-12-25 2019-12-26 \
        2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 \
        2020-12-25 2020-12-28 \
        2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 \
        2021-12-27 2021-12-28 \
        2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 \
        2022-08-29 2022-09-19 2022-12-26 2022-12-27 \
        2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 \
        2023-08-28 2023-12-25 2023-12-26 \
        2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 \
        2024-12-25 2024-12-26 \
        2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 \
        2025-12-25 2025-12-26 \
        2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 \
        2026-12-25 2026-12-28";

    #[test]
    fn computed_bank_holidays_match_govuk_2018_to_2026() {
        let computed: Vec<NaiveDate> = (2018..=2026).flat_map(bank_holiday_dates).collect();
        assert_eq!(computed, dates(GOVUK_ENGLAND_AND_WALES_2018_TO_2026));
    }

    #[test]
    fn bank_holidays_2002_golden_jubilee() {
        let expected = "2002-01-01 2002-03-29 2002-04-01 2002-05-06 2002-06-03 2002-06-04 \
            2002-08-26 2002-12-25 2002-12-26";
        assert_eq!(bank_holiday_dates(2002), dates(expected));
        assert!(!bank_holiday_dates(2002).contains(&d("2002-05-27")));
    }

    #[test]
    fn bank_holidays_2011_royal_wedding() {
        let expected = "2011-01-03 2011-04-22 2011-04-25 2011-04-29 2011-05-02 2011-05-30 \
            2011-08-29 2011-12-26 2011-12-27";
        assert_eq!(bank_holiday_dates(2011), dates(expected));
        let names = england_and_wales_bank_holidays(2011);
        assert!(names.contains(&(d("2011-04-29"), "Royal wedding")));
    }

    #[test]
    fn bank_holidays_2012_diamond_jubilee() {
        let expected = "2012-01-02 2012-04-06 2012-04-09 2012-05-07 2012-06-04 2012-06-05 \
            2012-08-27 2012-12-25 2012-12-26";
        assert_eq!(bank_holiday_dates(2012), dates(expected));
        assert!(!bank_holiday_dates(2012).contains(&d("2012-05-28")));
    }

    #[test]
    fn bank_holidays_2020_ve_day() {
        let holidays = bank_holiday_dates(2020);
        assert!(holidays.contains(&d("2020-05-08")));
        assert!(!holidays.contains(&d("2020-05-04")));
        assert_eq!(holidays.len(), 8);
    }

    #[test]
    fn bank_holidays_2022_platinum_jubilee_and_state_funeral() {
        let holidays = england_and_wales_bank_holidays(2022);
        assert!(holidays.contains(&(d("2022-06-02"), "Spring bank holiday")));
        assert!(holidays.contains(&(d("2022-06-03"), "Platinum Jubilee bank holiday")));
        assert!(holidays
            .iter()
            .any(|(date, name)| *date == d("2022-09-19") && name.contains("State Funeral")));
        assert!(!bank_holiday_dates(2022).contains(&d("2022-05-30")));
        assert_eq!(holidays.len(), 10);
    }

    #[test]
    fn bank_holidays_2023_coronation() {
        let holidays = bank_holiday_dates(2023);
        assert!(holidays.contains(&d("2023-05-01")));
        assert!(holidays.contains(&d("2023-05-08")));
        assert_eq!(holidays.len(), 9);
    }

    #[test]
    fn bank_holidays_1995_and_1999() {
        assert!(bank_holiday_dates(1995).contains(&d("1995-05-08")));
        assert!(!bank_holiday_dates(1995).contains(&d("1995-05-01")));
        assert!(bank_holiday_dates(1999).contains(&d("1999-12-31")));
    }

    #[test]
    fn christmas_substitutes_for_each_weekday_of_christmas() {
        // 2026: Friday; 2021: Saturday; 2022: Sunday; 2023: Monday.
        let christmas_days = |year| -> Vec<NaiveDate> {
            bank_holiday_dates(year)
                .into_iter()
                .filter(|date| date.month() == 12)
                .collect()
        };
        assert_eq!(christmas_days(2026), dates("2026-12-25 2026-12-28"));
        assert_eq!(christmas_days(2021), dates("2021-12-27 2021-12-28"));
        assert_eq!(christmas_days(2022), dates("2022-12-26 2022-12-27"));
        assert_eq!(christmas_days(2023), dates("2023-12-25 2023-12-26"));
    }

    #[test]
    fn bank_holidays_are_sorted_weekdays_for_2000_to_2040() {
        for year in 2000..=2040 {
            let holidays = bank_holiday_dates(year);
            assert!(holidays.windows(2).all(|pair| pair[0] < pair[1]), "{year}");
            assert!(holidays.iter().all(|date| !is_weekend(*date)), "{year}");
            assert!(holidays.iter().all(|date| date.year() == year), "{year}");
            assert!((8..=10).contains(&holidays.len()), "{year}");
        }
    }

    #[test]
    fn easter_sundays() {
        for (year, easter) in [
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2019, "2019-04-21"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), Some(d(easter)), "{year}");
        }
    }

    // --- gov.uk files ---

    const GOVUK_SAMPLE: &str = r#"{
      "england-and-wales": {"division": "england-and-wales", "events": [
        {"title": "Boxing Day", "date": "2026-12-28", "notes": "Substitute day", "bunting": true},
        {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true}
      ]},
      "scotland": {"division": "scotland", "events": [
        {"title": "2nd January", "date": "2026-01-02", "notes": "", "bunting": true}
      ]},
      "northern-ireland": {"division": "northern-ireland", "events": []}
    }"#;

    #[test]
    fn reads_a_division_of_a_govuk_file_sorted() {
        let dates = holidays_from_govuk_json(GOVUK_SAMPLE, "england-and-wales");
        assert_eq!(dates, Ok(vec![d("2026-01-01"), d("2026-12-28")]));
        let scotland = holidays_from_govuk_json(GOVUK_SAMPLE, "scotland");
        assert_eq!(scotland, Ok(vec![d("2026-01-02")]));
    }

    #[test]
    fn division_names_may_use_underscores_and_capitals() {
        let dates = holidays_from_govuk_json(GOVUK_SAMPLE, "England_and_Wales");
        assert_eq!(dates.map(|dates| dates.len()), Ok(2));
    }

    #[test]
    fn unknown_division_lists_the_ones_in_the_file() {
        let error = holidays_from_govuk_json(GOVUK_SAMPLE, "wales").expect_err("no such division");
        let message = error.to_string();
        assert_eq!(
            message,
            "the bank holiday file has no division `wales`; it has `england-and-wales`, \
             `northern-ireland` and `scotland`"
        );
        let code = miette::Diagnostic::code(&error).map(|code| code.to_string());
        assert_eq!(code.as_deref(), Some("calendar::unknown_division"));
    }

    #[test]
    fn text_that_is_not_json_is_a_bad_holiday_file() {
        let error = holidays_from_govuk_json("<html>bank holidays</html>", "england-and-wales")
            .expect_err("not JSON");
        assert!(error.to_string().contains("not valid JSON"), "{error}");
        let code = miette::Diagnostic::code(&error).map(|code| code.to_string());
        assert_eq!(code.as_deref(), Some("calendar::bad_holiday_file"));
        let help = miette::Diagnostic::help(&error).map(|help| help.to_string());
        assert!(help.is_some_and(|help| help.contains("https://www.gov.uk/bank-holidays.json")));
    }

    #[test]
    fn json_of_the_wrong_layout_is_a_bad_holiday_file() {
        let error = holidays_from_govuk_json(r#"{"england-and-wales": {"dates": []}}"#, "scotland")
            .expect_err("no events");
        assert!(error.to_string().contains("expected layout"), "{error}");
        assert!(error.to_string().contains("`events`"), "{error}");
    }

    #[test]
    fn an_empty_file_says_it_has_no_divisions() {
        let error = holidays_from_govuk_json("{}", "scotland").expect_err("empty");
        assert!(
            error.to_string().ends_with("it has no divisions at all"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_date_names_the_holiday() {
        let text =
            r#"{"scotland": {"events": [{"title": "St Andrew’s Day", "date": "30/11/2026"}]}}"#;
        let error = holidays_from_govuk_json(text, "scotland").expect_err("bad date");
        assert_eq!(
            error.to_string(),
            "the bank holiday `St Andrew’s Day` in division `scotland` has the date \
             `30/11/2026`, which is not a date of the form YYYY-MM-DD"
        );
        let code = miette::Diagnostic::code(&error).map(|code| code.to_string());
        assert_eq!(code.as_deref(), Some("calendar::bad_holiday_date"));
    }

    #[test]
    fn deadlines_display_as_in_a_policy() {
        assert_eq!(Deadline::WorkingDays(5).to_string(), "5 working days");
        assert_eq!(Deadline::WorkingDays(1).to_string(), "1 working day");
        assert_eq!(Deadline::Months(1).to_string(), "1 month");
        assert_eq!(Deadline::Weeks(2).to_string(), "2 weeks");
        assert_eq!(Deadline::Days(0).to_string(), "0 days");
    }

    #[test]
    fn calendar_kinds_round_trip_through_their_names() {
        for kind in [CalendarKind::EnglandAndWales, CalendarKind::WeekendsOnly] {
            assert_eq!(CalendarKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(CalendarKind::from_name("scotland"), None);
    }
}

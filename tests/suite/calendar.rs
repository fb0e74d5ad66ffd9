//! Property tests for working-day calendars and deadlines.

use chrono::{Datelike, NaiveDate, Weekday};
use escalate::{
    england_and_wales_bank_holidays, holidays_from_govuk_json, Calendar, CalendarKind, Deadline,
};
use proptest::prelude::*;

/// Any date from 1 January `from` to 31 December `to`.
fn date_between(from: i32, to: i32) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(from, 1, 1).expect("valid year");
    let last = NaiveDate::from_ymd_opt(to, 12, 31).expect("valid year");
    (0..=(last - first).num_days()).prop_map(move |offset| first + chrono::Duration::days(offset))
}

fn any_kind() -> impl Strategy<Value = CalendarKind> {
    prop_oneof![
        Just(CalendarKind::EnglandAndWales),
        Just(CalendarKind::WeekendsOnly)
    ]
}

fn any_deadline() -> impl Strategy<Value = Deadline> {
    prop_oneof![
        any::<u32>().prop_map(Deadline::WorkingDays),
        any::<u32>().prop_map(Deadline::Days),
        any::<u32>().prop_map(Deadline::Weeks),
        any::<u32>().prop_map(Deadline::Months),
    ]
}

/// Working days in `(after, through]`, counted one day at a time.
fn working_days_between(calendar: &Calendar, after: NaiveDate, through: NaiveDate) -> u32 {
    after
        .iter_days()
        .skip(1)
        .take_while(|date| *date <= through)
        .filter(|date| calendar.is_working_day(*date))
        .count() as u32
}

proptest! {
    #[test]
    fn the_due_date_is_the_nth_working_day_after_the_decision(
        kind in any_kind(),
        decided in date_between(1990, 2200),
        n in 0u32..300,
        extra in proptest::collection::vec(date_between(1990, 2200), 0..20),
    ) {
        let calendar = Calendar::new(kind, extra);
        let due = calendar.due_date(decided, Deadline::WorkingDays(n)).expect("fits");
        prop_assert!(due >= decided);
        if n > 0 {
            prop_assert!(calendar.is_working_day(due));
        }
        prop_assert_eq!(working_days_between(&calendar, decided, due), n);
    }

    #[test]
    fn any_deadline_gives_a_date_no_earlier_than_the_decision_or_none(
        kind in any_kind(),
        decided in date_between(1, 9999),
        deadline in any_deadline(),
    ) {
        let calendar = Calendar::new(kind, []);
        if let Some(due) = calendar.due_date(decided, deadline) {
            prop_assert!(due >= decided);
            prop_assert!(due.year() <= 9999);
        }
    }

    #[test]
    fn bank_holidays_are_sorted_weekdays_of_their_year(year in 1978i32..3000) {
        let holidays = england_and_wales_bank_holidays(year);
        prop_assert!((8..=10).contains(&holidays.len()));
        prop_assert!(holidays.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (date, name) in holidays {
            prop_assert_eq!(date.year(), year);
            prop_assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun), "{} {}", date, name);
        }
    }

    #[test]
    fn bank_holidays_are_not_working_days_in_any_year(year in 1800i32..3000) {
        let calendar = Calendar::new(CalendarKind::EnglandAndWales, []);
        for (date, _) in england_and_wales_bank_holidays(year) {
            prop_assert!(!calendar.is_working_day(date));
        }
    }

    #[test]
    fn holiday_files_never_panic(text in ".{0,200}", division in "[a-z_-]{0,20}") {
        let _ = holidays_from_govuk_json(&text, &division);
    }
}

#[test]
fn a_govuk_file_feeds_a_calendar() {
    let text = r#"{"england-and-wales": {"division": "england-and-wales", "events": [
        {"title": "Extra day", "date": "2026-11-02", "notes": "", "bunting": false}
    ]}}"#;
    let extra = holidays_from_govuk_json(text, "england-and-wales").expect("valid file");
    let calendar = Calendar::new(CalendarKind::EnglandAndWales, []).with_holidays(extra);
    let decided = NaiveDate::from_ymd_opt(2026, 10, 31).expect("valid date");
    let due = calendar.due_date(decided, Deadline::WorkingDays(5));
    assert_eq!(due, NaiveDate::from_ymd_opt(2026, 11, 9));
}

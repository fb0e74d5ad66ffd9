//! Tests of the replay's internals: months written one at a time, and months that reuse the
//! truths earlier months worked out. (Tests through the public API are in
//! `tests/suite/backtest.rs`.)

use proptest::prelude::*;

use super::{backtest, Backtest, Replay};
use crate::data::{DataSources, Dataset};
use crate::eval::EvalOptions;
use crate::month::Month;
use crate::policy::Policy;
use crate::report::backtest::{self as report, BacktestReport, CsvWriter, HumanWriter};

const PSR: &str = "tests/fixtures/backtest/psr/policy.policy";
const PSR_DATA: &str = "tests/fixtures/backtest/psr/data";

fn policy(path: &str) -> Policy {
    Policy::from_path(path).unwrap_or_else(|e| panic!("{}", e.render(false)))
}

fn data(policy: &Policy, dir: &str) -> Dataset {
    let sources = DataSources::from_dir(std::path::Path::new(dir)).unwrap();
    Dataset::load(&policy.program().schema, &sources).unwrap()
}

fn month(text: &str) -> Month {
    text.parse().unwrap()
}

/// Each month's actions and undecided rules are exactly those of `eval` for that month (the
/// statuses and resolved actions are checked in `tests/suite/backtest.rs`).
fn assert_months_match_eval(policy: &Policy, data: &Dataset, backtest: &Backtest) {
    for m in &backtest.months {
        let evaluation = policy.evaluate(data, m.as_of, &EvalOptions::default());
        let replayed: Vec<_> = m.actions.iter().map(|a| a.action.clone()).collect();
        assert_eq!(replayed, evaluation.actions, "{}: actions", m.as_of);
        assert_eq!(m.undecided, evaluation.undecided, "{}: undecided", m.as_of);
    }
}

/// The JSON written month by month, and the CSV and the text for people written from
/// outlines, are exactly what the whole backtest gives.
#[test]
fn months_written_one_at_a_time_make_the_same_documents() {
    let cases = [
        (
            "policies/ooh_callbacks.policy",
            "examples/data/ooh",
            "2025-11",
            "2026-10",
        ),
        (
            "policies/ooh_callbacks.policy",
            "examples/data/ooh",
            "2026-10",
            "2026-10",
        ),
        // Months before any data: every list empty.
        (
            "policies/ooh_callbacks.policy",
            "examples/data/ooh",
            "2019-01",
            "2019-03",
        ),
        (
            "policies/contractor_concerns.policy",
            "examples/data/contractors",
            "2026-01",
            "2026-10",
        ),
        (PSR, PSR_DATA, "2026-10", "2027-03"),
    ];
    for (file, dir, from, to) in cases {
        let policy = policy(file);
        let data = data(&policy, dir);
        let replay = Replay::new(&policy, &data, month(from), month(to));
        let mut streamed = Vec::new();
        replay.write_json(&mut streamed, &|_| {}).unwrap();
        let mut csv = CsvWriter::new(Vec::new()).unwrap();
        for index in 0..replay.month_count() {
            csv.month(&replay.month_outline(index)).unwrap();
        }
        let csv = String::from_utf8(csv.finish().unwrap()).unwrap();
        let mut human = Vec::new();
        let width = crate::report::subject_width(replay.listed_subjects());
        let range = (replay.from(), replay.to());
        let mut writer = HumanWriter::new(
            &mut human,
            &policy.program().name,
            range,
            replay.summary(),
            width,
        )
        .unwrap();
        for index in 0..replay.month_count() {
            writer.month(&replay.month_outline(index)).unwrap();
        }
        let report = BacktestReport {
            backtest: replay.into_backtest(&|_| {}),
            compare: None,
            agreement: None,
        };
        let whole = serde_json::to_string_pretty(&report).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            whole,
            "{file} {from} {to}"
        );
        assert_eq!(csv, report::csv(&report), "{file} {from} {to}");
        let human = String::from_utf8(human).unwrap();
        assert_eq!(human, report::human(&report), "{file} {from} {to}");
    }
}

/// `value` as JSON, to compare results without `PartialEq`.
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

/// What `--compare` and `--actual` find from a replay's months one at a time is what
/// [`compare`](super::compare) and [`agreement`](super::agreement) find in whole backtests;
/// the JSON document written around the months with them is the whole report's; and the
/// HTML page made month by month from a replay, keeping only the actions of the
/// subjects drawn, is the page of the whole backtest, byte for byte: with the subjects chosen
/// by their new actions or asked for (one unknown), with a comparison and an agreement, and
/// for a policy with cases and deadlines, whose chart of missed deadlines reads every
/// action's evidence.
#[cfg(feature = "html")]
#[test]
fn findings_and_the_html_page_made_month_by_month_are_those_of_the_whole_backtest() {
    let ooh = ("policies/ooh_callbacks.policy", "examples/data/ooh");
    let asked = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Second policies to compare with: the call-back policy with 85% for 80%, under the same
    // name (two versions of one policy) or its own.
    let same_name: fn() -> Policy = || {
        let text = std::fs::read_to_string("policies/ooh_callbacks.policy").unwrap();
        Policy::parse("85.policy", text.replace("80%", "85%").as_str()).unwrap()
    };
    let own_name: fn() -> Policy = || policy("tests/fixtures/backtest/ooh_85.policy");
    let cases = [
        (ooh, "2025-11", "2026-10", asked(&[]), None, None),
        (
            ooh,
            "2025-11",
            "2026-10",
            asked(&["gp02", "nobody", "gp02"]),
            None,
            None,
        ),
        (ooh, "2019-01", "2019-03", asked(&[]), None, None),
        (
            ooh,
            "2026-06",
            "2026-10",
            asked(&[]),
            Some(same_name),
            Some("tests/fixtures/backtest/actual.csv"),
        ),
        (ooh, "2026-01", "2026-10", asked(&[]), Some(own_name), None),
        (
            ooh,
            "2026-06",
            "2026-10",
            asked(&[]),
            None,
            Some("tests/fixtures/backtest/actual_outside_and_repeated.csv"),
        ),
        (
            (
                "policies/contractor_concerns.policy",
                "examples/data/contractors",
            ),
            "2026-01",
            "2026-10",
            asked(&[]),
            None,
            None,
        ),
        (
            (PSR, PSR_DATA),
            "2026-10",
            "2027-03",
            asked(&[]),
            None,
            Some("tests/fixtures/backtest/psr/actual.csv"),
        ),
        (
            ("policies/action_plan_delays.policy", "examples/data/psr"),
            "2025-01",
            "2026-10",
            asked(&[]),
            None,
            None,
        ),
    ];
    for ((file, dir), from, to, subjects, other, actual) in cases {
        let policy = policy(file);
        let data = data(&policy, dir);
        let program = policy.program();
        let (from, to) = (month(from), month(to));
        let replay = Replay::new(&policy, &data, from, to);
        let other_policy = other.map(|make| make());
        let other_data = other_policy.as_ref().map(|p| self::data(p, dir));
        let other_replay = other_policy
            .as_ref()
            .zip(other_data.as_ref())
            .map(|(p, d)| Replay::new(p, d, from, to));
        let actual = actual.map(|path| {
            let input = crate::data::DataInput::file(std::path::Path::new(path));
            super::load_actual(&input, program).unwrap()
        });
        let months_told = std::cell::Cell::new(0);
        let findings = replay.findings(other_replay.as_ref(), actual.as_deref(), &|m| {
            months_told.set(m)
        });
        if other_replay.is_some() || actual.is_some() {
            assert_eq!(months_told.get(), replay.month_count());
        }
        let mut streamed = Vec::new();
        let shell = BacktestReport {
            backtest: replay.shell(),
            compare: findings.0.clone(),
            agreement: findings.1.clone(),
        };
        replay
            .write_json_around(&mut streamed, &shell, &|_| {})
            .unwrap();
        let whole = replay.into_backtest(&|_| {});
        let replay = Replay::new(&policy, &data, from, to);
        let compare =
            other_replay.map(|o| super::compare(&whole, &o.into_outline_backtest(&|_| {})));
        let agreement = actual.as_deref().map(|a| super::agreement(&whole, a));
        assert_eq!(json(&findings.0), json(&compare), "{file}: comparison");
        assert_eq!(json(&findings.1), json(&agreement), "{file}: agreement");
        let months_told = std::cell::Cell::new(0);
        let page = crate::report::html::replayed_backtest(&replay, &subjects, findings, &|m| {
            months_told.set(m)
        });
        assert_eq!(months_told.get(), replay.month_count());
        let report = BacktestReport {
            backtest: whole,
            compare,
            agreement,
        };
        let whole_json = serde_json::to_string_pretty(&report).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            whole_json,
            "{file}: JSON"
        );
        let whole = crate::report::html::backtest(&report, program, &data, &subjects);
        assert_eq!(page, whole, "{file} {from} {to} {subjects:?}");
    }
}

/// A policy with a grade and three rules on random conditions (the second replacing the
/// first, the third written like the first), for the months a backtest reuses.
fn remembered_policy(grade: &str, first: &str, second: &str) -> String {
    let rule = |id: &str, when: &str, replaces: &str| {
        format!(
            "rule {id} \"{id}\" {{\n  when {when}\n  severity low\n{replaces}  require \"x\"\n  \
             owner r\n  due 5 working days\n}}\n"
        )
    };
    format!(
        "policy \"Memo\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n\
         metric n \"N\" count\ngrade g \"G\" {{\n  high when {grade}\n  low otherwise\n}}\n{}{}{}",
        rule("a", first, ""),
        rule("b", second, "  replaces a\n"),
        rule("c", first, ""),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Truths kept from month to month (windows, `for`, `in K of N`, grades, rules written
    /// alike) give every month exactly what `eval` gives for it.
    #[test]
    fn months_that_reuse_earlier_months_agree_with_eval(
        grade in crate::eval::work_bound_tests::condition(false),
        first in crate::eval::work_bound_tests::condition(true),
        second in crate::eval::work_bound_tests::condition(true),
    ) {
        let text = remembered_policy(&grade, &first, &second);
        // The only refusal a well-formed condition can get is the work bound.
        let Ok(policy) = Policy::parse("memo.policy", text.as_str()) else {
            return Ok(());
        };
        let data = crate::eval::work_bound_tests::data(&policy);
        let backtest = backtest(&policy, &data, month("2026-05"), month("2026-10"), &|_| {});
        assert_months_match_eval(&policy, &data, &backtest);
    }
}

//! `escalate backtest`: each month agrees with `eval` for that month; status and resolved
//! follow from the month before; comparison and agreement; snapshots of every format.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use escalate::data::{DataSources, Dataset, PerformanceRecord, SubjectRecord};
use escalate::eval::EvalOptions;
use escalate::history::{self, Backtest, Status};
use escalate::month::Month;
use escalate::policy::Policy;
use proptest::prelude::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn policy(path: &str) -> Policy {
    Policy::from_path(root().join(path)).unwrap_or_else(|e| panic!("{}", e.render(false)))
}

fn data(policy: &Policy, dir: &str) -> Dataset {
    let sources = DataSources::from_dir(&root().join(dir)).unwrap();
    Dataset::load(&policy.program().schema, &sources).unwrap()
}

fn month(text: &str) -> Month {
    text.parse().unwrap()
}

fn escalate(args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (text, output.status.code().unwrap_or(-1))
}

/// Every month equals `eval` for that month, and status/resolved follow from the month before.
fn assert_consistent(policy: &Policy, data: &Dataset, backtest: &Backtest) {
    let mut previous = policy.evaluate(data, backtest.from.offset(-1), &EvalOptions::default());
    for m in &backtest.months {
        let evaluation = policy.evaluate(data, m.as_of, &EvalOptions::default());
        let replayed: Vec<_> = m.actions.iter().map(|a| a.action.clone()).collect();
        assert_eq!(
            replayed, evaluation.actions,
            "{}: actions differ from eval",
            m.as_of
        );
        assert_eq!(
            m.undecided, evaluation.undecided,
            "{}: undecided differ",
            m.as_of
        );
        let before: HashSet<(String, String)> = previous
            .actions
            .iter()
            .map(|a| (a.subject.clone(), a.rule.clone()))
            .collect();
        let now: HashSet<(String, String)> = evaluation
            .actions
            .iter()
            .map(|a| (a.subject.clone(), a.rule.clone()))
            .collect();
        for a in &m.actions {
            let was = before.contains(&(a.action.subject.clone(), a.action.rule.clone()));
            assert_eq!(
                a.status == Status::Continuing,
                was,
                "{}: status of {} {}",
                m.as_of,
                a.action.subject,
                a.action.rule
            );
        }
        let resolved: HashSet<(String, String)> = m
            .resolved
            .iter()
            .map(|r| (r.subject.clone(), r.rule.clone()))
            .collect();
        assert_eq!(
            resolved,
            before.difference(&now).cloned().collect(),
            "{}: resolved",
            m.as_of
        );
        previous = evaluation;
    }
}

#[test]
fn bundled_backtests_agree_with_eval_month_by_month() {
    for (file, dir) in [
        ("policies/ooh_callbacks.policy", "examples/data/ooh"),
        (
            "policies/contractor_concerns.policy",
            "examples/data/contractors",
        ),
        (
            "policies/practice_scorecard.policy",
            "examples/data/practices",
        ),
    ] {
        let policy = policy(file);
        let data = data(&policy, dir);
        let backtest =
            history::backtest(&policy, &data, month("2025-11"), month("2026-10"), &|_| {});
        assert_eq!(backtest.months.len(), 12);
        assert_consistent(&policy, &data, &backtest);
    }
}

#[test]
fn first_month_status_counts_the_month_before_from() {
    // A concern stays on the record for 12 months, so its action continues from month to month.
    let policy = policy("policies/contractor_concerns.policy");
    let data = data(&policy, "examples/data/contractors");
    let backtest = history::backtest(&policy, &data, month("2026-10"), month("2026-10"), &|_| {});
    let continuing = backtest.months[0]
        .actions
        .iter()
        .filter(|a| a.status == Status::Continuing)
        .count();
    assert!(
        continuing > 0,
        "some October actions were already required in September"
    );
}

#[test]
fn resolved_actions_say_why() {
    let policy = policy("policies/ooh_callbacks.policy");
    let data = data(&policy, "examples/data/ooh");
    let backtest = history::backtest(&policy, &data, month("2026-09"), month("2026-09"), &|_| {});
    let gp04 = backtest.months[0]
        .resolved
        .iter()
        .find(|r| r.subject == "gp04" && r.rule == "first_month")
        .expect("gp04's first-month action ends in September");
    assert_eq!(gp04.reason, history::Reason::Replaced);
    assert_eq!(gp04.replaced_by.as_deref(), Some("second_month_gp"));
}

#[test]
fn backtest_outputs_in_every_format() {
    let base = [
        "backtest",
        "policies/ooh_callbacks.policy",
        "--data",
        "examples/data/ooh",
        "--from",
        "2026-05",
        "--to",
        "2026-10",
    ];
    for format in ["human", "json", "csv"] {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        let (text, code) = escalate(&args);
        assert_eq!(code, 0, "{text}");
        insta::assert_snapshot!(format!("ooh_backtest.{format}"), text);
    }
}

#[test]
fn comparing_with_an_85_percent_threshold() {
    let (text, code) = escalate(&[
        "backtest",
        "policies/ooh_callbacks.policy",
        "--data",
        "examples/data/ooh",
        "--from",
        "2026-01",
        "--to",
        "2026-10",
        "--compare",
        "tests/fixtures/backtest/ooh_85.policy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let compare = &json["compare"];
    assert!(compare["only_second"].as_u64().unwrap() > compare["only_first"].as_u64().unwrap());
    insta::assert_snapshot!(
        "ooh_compare_85.summary",
        compare["summary"].as_str().unwrap()
    );
    insta::assert_json_snapshot!("ooh_compare_85.rules", compare["rules"]);
}

#[test]
fn agreement_with_what_was_done() {
    let policy = policy("policies/ooh_callbacks.policy");
    let data = data(&policy, "examples/data/ooh");
    let backtest = history::backtest(&policy, &data, month("2026-06"), month("2026-10"), &|_| {});
    let actual = history::load_actual(
        &root().join("tests/fixtures/backtest/actual.csv"),
        policy.program(),
    )
    .unwrap();
    let agreement = history::agreement(&backtest, &actual);
    let rule = |id: &str| agreement.rules.iter().find(|r| r.rule == id).unwrap();
    // gp04's first-month action started in 2026-08 and was done that month.
    assert!(rule("first_month").done >= 1);
    // gp02's check in 2026-06 was not required by the policy.
    let unrequired: Vec<(String, Month)> = rule("first_month")
        .unrequired
        .iter()
        .map(|u| (u.subject.clone(), u.period))
        .collect();
    assert_eq!(unrequired, vec![("gp02".to_string(), month("2026-06"))]);
    // gp04's second-month action started in 2026-09; done in 2026-10 counts (the next month).
    assert!(rule("second_month_gp").done >= 2);
    insta::assert_json_snapshot!("ooh_agreement", agreement);
}

#[test]
fn a_bad_actual_file_reports_every_row() {
    let (text, code) = escalate(&[
        "backtest",
        "policies/ooh_callbacks.policy",
        "--data",
        "examples/data/ooh",
        "--from",
        "2026-06",
        "--to",
        "2026-10",
        "--actual",
        "tests/fixtures/backtest/actual_bad.csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lines: Vec<u64> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3, 4]);
    insta::assert_json_snapshot!("actual_bad.diagnostics", json);
}

#[test]
fn to_before_from_is_a_usage_error() {
    let (_, code) = escalate(&[
        "backtest",
        "policies/ooh_callbacks.policy",
        "--data",
        "examples/data/ooh",
        "--from",
        "2026-10",
        "--to",
        "2026-01",
    ]);
    assert_eq!(code, 2);
}

/// Generated histories for the call-back policy of conformance case 01.
fn generated_data(policy: &Policy) -> impl Strategy<Value = Dataset> + '_ {
    let subject = (
        proptest::collection::vec(proptest::option::weighted(0.9, 60.0..100.0f64), 10),
        proptest::collection::vec(proptest::option::weighted(0.9, 0u32..60), 10),
        proptest::option::weighted(0.8, 0usize..3),
    );
    proptest::collection::vec(subject, 1..6).prop_map(move |subjects| {
        let mut performance = Vec::new();
        let mut rows = Vec::new();
        for (s, (percent, counts, group)) in subjects.iter().enumerate() {
            let id = format!("s{s}");
            for m in 0..10 {
                let period = month("2026-01").offset(m as i32);
                let record =
                    |metric: &str, value: Option<rust_decimal::Decimal>| PerformanceRecord {
                        subject: id.clone(),
                        period,
                        metric: metric.to_string(),
                        value,
                    };
                performance.push(record(
                    "callback_in_time",
                    percent[m].map(|p| rust_decimal::Decimal::new((p * 10.0).round() as i64, 1)),
                ));
                performance.push(record(
                    "callbacks",
                    counts[m].map(rust_decimal::Decimal::from),
                ));
            }
            if let Some(g) = group {
                let mut fields = std::collections::BTreeMap::new();
                fields.insert(
                    "staff_group".to_string(),
                    serde_json::json!(["gp", "anp", "pharmacist"][*g]),
                );
                rows.push(SubjectRecord {
                    subject: id,
                    fields,
                });
            }
        }
        Dataset::from_records(&policy.program().schema, &performance, &rows, &[], &[])
            .expect("generated records are valid")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_backtest_month_agrees_with_eval(data in generated_data(Box::leak(Box::new(policy("tests/fixtures/conformance/01-callbacks/policy.policy"))))) {
        let policy = policy("tests/fixtures/conformance/01-callbacks/policy.policy");
        let backtest = history::backtest(&policy, &data, month("2026-03"), month("2026-10"), &|_| {});
        assert_consistent(&policy, &data, &backtest);
    }
}

//! `escalate backtest`: each month agrees with `eval` for that month; status and resolved
//! follow from the month before; comparison and agreement; snapshots of every format.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use escalate::{
    agreement, backtest, load_actual, ActionStatus, ActualAction, Agreement, Backtest, DataErrors,
    DataInput, DataSources, Dataset, EvalOptions, Month, PerformanceRecord, Policy, ResolvedReason,
    SubjectRecord,
};
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

/// An action's subject, rule and case: what identifies it from month to month.
type Key = (String, String, Option<String>);

fn action_key(a: &escalate::Action) -> Key {
    (a.subject.clone(), a.rule.clone(), a.case.clone())
}

/// Every month equals `eval` for that month, and status/resolved follow from the month before,
/// actions of different cases being different actions.
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
        let before: HashSet<Key> = previous.actions.iter().map(action_key).collect();
        let now: HashSet<Key> = evaluation.actions.iter().map(action_key).collect();
        for a in &m.actions {
            let was = before.contains(&action_key(&a.action));
            assert_eq!(
                a.status == ActionStatus::Continuing,
                was,
                "{}: status of {} {} {:?}",
                m.as_of,
                a.action.subject,
                a.action.rule,
                a.action.case
            );
        }
        let resolved: HashSet<Key> = m
            .resolved
            .iter()
            .map(|r| (r.subject.clone(), r.rule.clone(), r.case.clone()))
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
        let backtest = backtest(&policy, &data, month("2025-11"), month("2026-10"), &|_| {});
        assert_eq!(backtest.months.len(), 12);
        assert_consistent(&policy, &data, &backtest);
    }
}

const PSR: &str = "tests/fixtures/backtest/psr/policy.policy";
const PSR_DATA: &str = "tests/fixtures/backtest/psr/data";

#[test]
fn v1_backtests_agree_with_eval_month_by_month() {
    let cases = [
        (PSR, PSR_DATA),
        (
            "tests/fixtures/backtest/v1/11-deadline-christmas/policy.policy",
            "tests/fixtures/backtest/v1/11-deadline-christmas/data",
        ),
        (
            "tests/fixtures/backtest/v1/13-review-cadence/policy.policy",
            "tests/fixtures/backtest/v1/13-review-cadence/data",
        ),
    ];
    for (file, dir) in cases {
        let policy = policy(file);
        let data = data(&policy, dir);
        let backtest = backtest(&policy, &data, month("2026-01"), month("2027-06"), &|_| {});
        assert_consistent(&policy, &data, &backtest);
    }
}

/// Each month of the PSR backtest as `subject rule case status` lines, then `- subject rule
/// case: reason` lines for what was resolved.
fn psr_months() -> Vec<(String, Vec<String>)> {
    let policy = policy(PSR);
    let data = data(&policy, PSR_DATA);
    let backtest = backtest(&policy, &data, month("2026-10"), month("2027-03"), &|_| {});
    backtest
        .months
        .iter()
        .map(|m| {
            let case = |c: &Option<String>| c.clone().unwrap_or_else(|| "-".to_string());
            let actions = m.actions.iter().map(|a| {
                let status = match a.status {
                    ActionStatus::New => "new",
                    ActionStatus::Continuing => "continuing",
                };
                let (s, r, c) = (&a.action.subject, &a.action.rule, case(&a.action.case));
                format!("{s} {r} {c} {status}")
            });
            let resolved = m.resolved.iter().map(|r| {
                let why = match r.reason {
                    ResolvedReason::Replaced => "replaced",
                    ResolvedReason::NoLongerHolds => "no longer holds",
                    ResolvedReason::NowUndecided => "now undecided",
                    ResolvedReason::CaseClosed => "case closed",
                };
                format!("- {} {} {}: {why}", r.subject, r.rule, case(&r.case))
            });
            (m.as_of.to_string(), actions.chain(resolved).collect())
        })
        .collect()
}

#[test]
fn case_actions_are_new_continuing_and_resolved_per_case() {
    // Worked out by hand from tests/fixtures/backtest/psr (20 working days from the request;
    // "due within 5 working days" while pending; reviews every 28 days once the plan exists;
    // two requests within 6 calendar months).
    let expected: Vec<(&str, Vec<&str>)> = vec![
        (
            "2026-10",
            vec![
                // p01: accepted 5 Oct, plan due Mon 2 Nov: due within 5 working days of 31 Oct.
                "p01 plan_due_soon psr-01 new",
                // p02: accepted 1 Sep, plan due 29 Sep: already overdue on 30 Sep.
                "p02 plan_overdue psr-02a continuing",
            ],
        ),
        (
            "2026-11",
            vec![
                "p01 plan_overdue psr-01 new",
                // p02's second request (2 Nov) is due 30 Nov: pending on its due day.
                "p02 plan_due_soon psr-02b new",
                "p02 plan_overdue psr-02a continuing",
                "p02 repeated_requests - new",
                "- p01 plan_due_soon psr-01: no longer holds",
            ],
        ),
        (
            "2026-12",
            vec![
                // p01's plan, created 8 Dec, was late.
                "p01 plan_was_late psr-01 new",
                // The same rule for another case of p02 is a new action, not a continuing one.
                "p02 plan_overdue psr-02b new",
                "p02 repeated_requests - continuing",
                "- p01 plan_overdue psr-01: no longer holds",
                "- p02 plan_due_soon psr-02b: no longer holds",
                // psr-02a was withdrawn on 7 Dec.
                "- p02 plan_overdue psr-02a: case closed",
            ],
        ),
        (
            "2027-01",
            vec![
                "p01 plan_was_late psr-01 continuing",
                // 54 days since the plan of 8 Dec, and no review.
                "p01 review_overdue psr-01 new",
                "p02 plan_overdue psr-02b continuing",
                "p02 repeated_requests - continuing",
                // p03: accepted 4 Jan, plan due Mon 1 Feb.
                "p03 plan_due_soon psr-03 new",
            ],
        ),
        (
            "2027-02",
            vec![
                "p01 plan_was_late psr-01 continuing",
                // psr-02b's plan was created on 3 Feb, after its due date.
                "p02 plan_was_late psr-02b new",
                "p02 repeated_requests - continuing",
                // A review on 10 Feb.
                "- p01 review_overdue psr-01: no longer holds",
                "- p02 plan_overdue psr-02b: no longer holds",
                // p03's plan was created on its due date.
                "- p03 plan_due_soon psr-03: no longer holds",
            ],
        ),
        (
            "2027-03",
            vec![
                "p02 plan_was_late psr-02b continuing",
                "p02 review_overdue psr-02b new",
                "p03 review_overdue psr-03 new",
                // psr-01 was completed on 15 Mar.
                "- p01 plan_was_late psr-01: case closed",
                // October 2026 to March 2027 holds one request of p02.
                "- p02 repeated_requests -: no longer holds",
            ],
        ),
    ];
    let found = psr_months();
    assert_eq!(found.len(), expected.len());
    for ((month, lines), (want_month, want)) in found.iter().zip(&expected) {
        assert_eq!(month, want_month);
        assert_eq!(lines, want, "{month}");
    }
}

#[test]
fn the_summary_counts_actions_per_case() {
    let policy = policy(PSR);
    let data = data(&policy, PSR_DATA);
    let backtest = backtest(&policy, &data, month("2026-10"), month("2027-03"), &|_| {});
    let rule = |id: &str| {
        backtest
            .summary
            .rules
            .iter()
            .find(|r| r.rule == id)
            .unwrap()
    };
    // psr-01 in 2026-11 and psr-02b in 2026-12: two actions of one subject each.
    assert_eq!(rule("plan_overdue").new_per_month, [0, 1, 1, 0, 0, 0]);
    assert_eq!(rule("plan_overdue").subjects_affected, 2);
    // psr-02a 2 months (from before the range), psr-01 1 month, psr-02b 2 months.
    assert_eq!(rule("plan_overdue").median_months_open, Some(2.0));
    assert_eq!(backtest.summary.new_actions, 11);
}

#[test]
fn psr_backtest_outputs_in_every_format() {
    let base = [
        "backtest", PSR, "--data", PSR_DATA, "--from", "2026-10", "--to", "2027-03",
    ];
    for format in ["human", "json", "csv"] {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        let (text, code) = escalate(&args);
        assert_eq!(code, 0, "{text}");
        insta::assert_snapshot!(format!("psr_backtest.{format}"), text);
    }
}

#[test]
fn agreement_matches_the_case() {
    let policy = policy(PSR);
    let data = data(&policy, PSR_DATA);
    let backtest = backtest(&policy, &data, month("2026-10"), month("2027-03"), &|_| {});
    let actual = load_actual(
        &DataInput::file(root().join("tests/fixtures/backtest/psr/actual.csv")),
        policy.program(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let agreement = agreement(&backtest, &actual);
    let rule = |id: &str| agreement.rules.iter().find(|r| r.rule == id).unwrap();
    // psr-01's overdue plan was chased in 2026-12 (the next month): done. The row for psr-02a
    // in 2026-12 matches no new action (psr-02a's was required before the range), and
    // psr-02b's, new in 2026-12, was not chased.
    let overdue = rule("plan_overdue");
    assert_eq!(
        (overdue.done, overdue.not_done, overdue.not_required),
        (1, 1, 1)
    );
    let missed: Vec<(&str, Option<&str>, String)> = overdue
        .missed
        .iter()
        .map(|m| (m.subject.as_str(), m.case.as_deref(), m.period.to_string()))
        .collect();
    assert_eq!(missed, [("p02", Some("psr-02b"), "2026-12".to_string())]);
    assert_eq!(overdue.unrequired[0].case.as_deref(), Some("psr-02a"));
    // A subject-scoped rule is matched without a case.
    assert_eq!(rule("repeated_requests").done, 1);
    insta::assert_json_snapshot!("psr_agreement", agreement);
}

#[test]
fn an_actual_file_must_name_the_case_of_a_case_rule_only() {
    let (text, code) = escalate(&[
        "backtest",
        PSR,
        "--data",
        PSR_DATA,
        "--from",
        "2026-10",
        "--to",
        "2027-03",
        "--actual",
        "tests/fixtures/backtest/psr/actual_bad.csv",
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
    assert_eq!(lines, vec![2, 3]);
    insta::assert_json_snapshot!("psr_actual_bad.diagnostics", json);
}

#[test]
fn comparing_keys_actions_by_case() {
    let (text, code) = escalate(&[
        "backtest",
        PSR,
        "--data",
        PSR_DATA,
        "--from",
        "2026-10",
        "--to",
        "2027-03",
        "--compare",
        "tests/fixtures/backtest/psr/policy_30_days.policy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!("psr_compare_30_days", json["compare"]);
}

#[test]
fn first_month_status_counts_the_month_before_from() {
    // A concern stays on the record for 12 months, so its action continues from month to month.
    let policy = policy("policies/contractor_concerns.policy");
    let data = data(&policy, "examples/data/contractors");
    let backtest = backtest(&policy, &data, month("2026-10"), month("2026-10"), &|_| {});
    let continuing = backtest.months[0]
        .actions
        .iter()
        .filter(|a| a.status == ActionStatus::Continuing)
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
    let backtest = backtest(&policy, &data, month("2026-09"), month("2026-09"), &|_| {});
    let gp04 = backtest.months[0]
        .resolved
        .iter()
        .find(|r| r.subject == "gp04" && r.rule == "first_month")
        .expect("gp04's first-month action ends in September");
    assert_eq!(gp04.reason, ResolvedReason::Replaced);
    assert_eq!(gp04.replaced_by.as_deref(), Some("second_month_gp"));
    assert_eq!(gp04.case, None);
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

/// The actions only one policy requires are listed month by month with each subject's name,
/// as the rest of the report lists them, in every format.
#[test]
fn comparing_names_the_subjects_month_by_month() {
    let run = |format: &str| {
        let (text, code) = escalate(&[
            "backtest",
            "policies/ooh_callbacks.policy",
            "--data",
            "examples/data/ooh",
            "--from",
            "2026-06",
            "--to",
            "2026-10",
            "--compare",
            "tests/fixtures/backtest/ooh_85.policy",
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{text}");
        text
    };
    let text = run("human");
    let comparison = &text[text.find("\nCompared with").expect("the comparison")..];
    let months = &comparison[comparison.find("\n2026-06: ").expect("its months") + 1..];
    insta::assert_snapshot!("ooh_compare_85.months", months);

    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let listed: Vec<&serde_json::Value> = json["compare"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| ["only_first", "only_second"].map(|side| &m[side]))
        .flat_map(|side| side.as_array().unwrap())
        .collect();
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|p| p["subject_name"].is_string()),
        "{listed:?}"
    );

    let html = run("html");
    assert!(
        html.contains("Grace Adeyemi (anp01) <code>first_month</code>"),
        "the month-by-month table names the subjects"
    );
}

/// Two versions of one policy read the data in the same way: it is loaded once, and a
/// warning about it is shown once, not once per policy.
#[test]
fn comparing_two_versions_loads_the_data_once() {
    let dir = std::env::temp_dir().join(format!("escalate-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["performance.csv", "subjects.csv"] {
        std::fs::copy(root().join("examples/data/ooh").join(file), dir.join(file)).unwrap();
    }
    // The call-back policies declare no events: the file is not read, and a warning says so.
    std::fs::write(
        dir.join("events.csv"),
        "id,subject,kind,date\ne1,gp01,visit,2026-01-05\n",
    )
    .unwrap();
    let (text, code) = escalate(&[
        "backtest",
        "policies/ooh_callbacks.policy",
        "--data",
        dir.to_str().unwrap(),
        "--from",
        "2026-09",
        "--to",
        "2026-10",
        "--compare",
        "tests/fixtures/backtest/ooh_85.policy",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("data::events_not_read").count(), 1, "{text}");
    assert!(text.contains("Compared with"), "{text}");
}

/// Two versions of one policy usually share its name: the comparison then tells them apart
/// as the first and the second policy, and counts of one are singular.
#[test]
fn comparing_two_versions_of_one_policy_with_the_same_name() {
    let text = std::fs::read_to_string(root().join("policies/ooh_callbacks.policy")).unwrap();
    let first = Policy::parse("ooh.policy", text.as_str()).unwrap();
    let second = Policy::parse("ooh_85.policy", text.replace("80%", "85%").as_str()).unwrap();
    assert_eq!(first.program().name, second.program().name);
    let data = data(&first, "examples/data/ooh");
    let (from, to) = (month("2026-06"), month("2026-10"));
    let a = backtest(&first, &data, from, to, &|_| {});
    let b = backtest(&second, &data, from, to, &|_| {});
    let comparison = escalate::compare_backtests(&a, &b);
    let name = &first.program().name;
    assert!(
        comparison.summary.starts_with(&format!(
            "Both policies are named \"{name}\". From 2026-06 to 2026-10, the second policy \
             asks, compared with the first policy, for "
        )),
        "{}",
        comparison.summary
    );
    assert!(
        comparison.summary.ends_with(&format!(
            "Month by month, {} actions are required only by the second policy and {} actions \
             only by the first policy.",
            comparison.only_second, comparison.only_first
        )),
        "{}",
        comparison.summary
    );
    // `second_month_other`: 5 new actions against 4, for 5 subjects against 4.
    assert!(comparison.summary.contains(
        "1 more \"Second consecutive month below 80% (ANP, pharmacist, paramedic)\" action \
         (`second_month_other`: 5 against 4), for 1 more subject (5 against 4)"
    ));
    let report = escalate::BacktestReport {
        backtest: a.clone(),
        compare: Some(comparison),
        agreement: None,
    };
    let text = escalate::backtest_text(&report);
    assert!(text.contains(&format!(
        "\nCompared with the second policy (`--compare`), also named \"{name}\"\n"
    )));
    #[cfg(feature = "html")]
    {
        let page = escalate::backtest_html(&report, first.program(), &data, &[]);
        assert!(page.contains("<h2>Compared with the second policy, of the same name</h2>"));
        assert!(page.contains("<th>Only the first policy</th><th>Only the second policy</th>"));
    }
    let same = escalate::compare_backtests(&a, &a);
    assert_eq!(
        same.summary,
        format!(
            "Both policies are named \"{name}\". From 2026-06 to 2026-10, the first policy and \
             the second policy require exactly the same actions."
        )
    );
}

#[test]
fn agreement_with_what_was_done() {
    let policy = policy("policies/ooh_callbacks.policy");
    let data = data(&policy, "examples/data/ooh");
    let backtest = backtest(&policy, &data, month("2026-06"), month("2026-10"), &|_| {});
    let actual = load_actual(
        &DataInput::file(root().join("tests/fixtures/backtest/actual.csv")),
        policy.program(),
    )
    .unwrap();
    let agreement = agreement(&backtest, &actual);
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
                let record = |metric: &str, value: Option<escalate::Decimal>| PerformanceRecord {
                    subject: id.clone(),
                    period,
                    metric: metric.to_string(),
                    value,
                };
                performance.push(record(
                    "callback_in_time",
                    percent[m].map(|p| escalate::Decimal::new((p * 10.0).round() as i64, 1)),
                ));
                performance.push(record("callbacks", counts[m].map(escalate::Decimal::from)));
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
        let backtest = backtest(&policy, &data, month("2026-03"), month("2026-10"), &|_| {});
        assert_consistent(&policy, &data, &backtest);
    }
}

#[test]
fn actual_rows_outside_the_window_and_repeated_rows_are_counted_not_compared() {
    let policy = policy("policies/ooh_callbacks.policy");
    let data = data(&policy, "examples/data/ooh");
    let backtest = backtest(&policy, &data, month("2026-06"), month("2026-10"), &|_| {});
    let load = |file: &str| {
        load_actual(
            &DataInput::file(root().join("tests/fixtures/backtest").join(file)),
            policy.program(),
        )
        .unwrap()
    };
    let plain = agreement(&backtest, &load("actual.csv"));
    let messy = agreement(&backtest, &load("actual_outside_and_repeated.csv"));
    // 2025-01, 2027-05 and the unanswering row of 2026-11 are outside; one row is repeated.
    assert_eq!((messy.outside_window, messy.duplicates), (3, 1));
    assert_eq!((plain.outside_window, plain.duplicates), (0, 0));
    // The repeated row does not count twice: gp04's first-month action is done once.
    let first = |a: &Agreement| {
        let r = a.rules.iter().find(|r| r.rule == "first_month").unwrap();
        (r.done, r.not_required)
    };
    assert_eq!(first(&messy).0, first(&plain).0);
    assert_eq!(
        first(&messy).1,
        0,
        "only gp02's 2026-06 row was unrequired, and it is gone"
    );

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
        "tests/fixtures/backtest/actual_outside_and_repeated.csv",
    ]);
    assert_eq!(code, 0);
    let note = text
        .lines()
        .find(|l| l.contains("not compared"))
        .expect("the human output says what was left out");
    insta::assert_snapshot!(note);
}

/// Random concerns (dates, fields) for the concerns policy of conformance case 02.
fn generated_concerns(policy: &Policy) -> impl Strategy<Value = Dataset> + '_ {
    let concern = (
        0usize..4,
        0i64..900,
        0usize..4,
        any::<bool>(),
        1u32..=5,
        1u32..=5,
    );
    proptest::collection::vec(concern, 0..14).prop_map(move |concerns| {
        let records: Vec<escalate::ConcernRecord> = concerns
            .iter()
            .enumerate()
            .map(
                |(i, &(subject, day, category, safety, consequence, likelihood))| {
                    let mut fields = std::collections::BTreeMap::new();
                    let categories = ["clinical", "behavioural", "governance", "health"];
                    fields.insert("category".into(), serde_json::json!(categories[category]));
                    fields.insert("patient_safety".into(), serde_json::json!(safety));
                    fields.insert("consequence".into(), serde_json::json!(consequence));
                    fields.insert("likelihood".into(), serde_json::json!(likelihood));
                    escalate::ConcernRecord {
                        id: format!("K-{i:03}"),
                        subject: format!("k{subject}"),
                        raised_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                            + chrono::Duration::days(day),
                        fields,
                    }
                },
            )
            .collect();
        let subjects: Vec<SubjectRecord> = (0..4)
            .map(|s| SubjectRecord {
                subject: format!("k{s}"),
                fields: Default::default(),
            })
            .collect();
        Dataset::from_records(&policy.program().schema, &[], &subjects, &records, &[])
            .expect("generated records are valid")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A policy that reads only concerns is evaluated again only in the months a concern
    /// enters or leaves a window: every month still agrees with `eval`.
    #[test]
    fn concern_months_agree_with_eval(data in generated_concerns(Box::leak(Box::new(policy("tests/fixtures/conformance/02-concerns/policy.policy"))))) {
        let policy = policy("tests/fixtures/conformance/02-concerns/policy.policy");
        let backtest = backtest(&policy, &data, month("2024-01"), month("2026-08"), &|_| {});
        assert_consistent(&policy, &data, &backtest);
    }
}

/// The file of actions taken, read from `tests/fixtures/backtest/actual/`, against the
/// call-backs policy.
fn load_actual_fixture(name: &str) -> Result<Vec<ActualAction>, DataErrors> {
    let policy = policy("policies/ooh_callbacks.policy");
    // Named from the crate's folder (where tests run), so that messages do not depend on it.
    let input = DataInput::file(Path::new("tests/fixtures/backtest/actual").join(name));
    load_actual(&input, policy.program())
}

#[test]
fn an_actual_file_reads_as_any_data_file_does() {
    // The same rows as `actual.csv`: separated by semicolons with CRLF line ends (as Excel
    // writes "CSV" where the comma is the decimal mark), as JSON, as a workbook's sheet, and
    // as text in memory.
    let policy = policy("policies/ooh_callbacks.policy");
    let csv = std::fs::read_to_string(root().join("tests/fixtures/backtest/actual.csv")).unwrap();
    let plain = load_actual(&DataInput::csv("actual.csv", csv), policy.program())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(plain.len(), 5);
    assert_eq!(plain[0].note.as_deref(), Some("rota re-based"));
    assert_eq!(plain[2].note, None, "an empty note is no note");
    for name in ["semicolons.csv", "actual.json", "actual.xlsx"] {
        let read = load_actual_fixture(name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(read, plain, "{name}");
    }
}

#[test]
fn each_mistake_in_an_actual_file_has_its_own_fixture() {
    // Problems with the file itself are found by the checks every data file gets.
    let cases = [
        ("missing_column.csv", 1, 1, "data::missing_column"),
        ("duplicate_column.csv", 1, 4, "data::duplicate_column"),
        ("utf16.csv", 1, 1, "data::utf16"),
        ("not_utf8.csv", 2, 4, "data::invalid_utf8"),
        ("malformed_row.csv", 2, 1, "data::malformed_row"),
        ("empty.csv", 1, 1, "data::missing_header"),
    ];
    let mut shown = String::new();
    for (name, line, column, code) in cases {
        let errors = load_actual_fixture(name).expect_err(name);
        let [error] = errors.0.as_slice() else {
            panic!("{name}: {errors:?}");
        };
        let location = error.location().expect("a location");
        assert!(location.file.ends_with(name), "{name}: {location:?}");
        assert_eq!(
            (location.line, location.column, error.code()),
            (line, column, code)
        );
        assert!(error.help_text().is_some(), "{name}: no help");
        shown += &escalate::render_diagnostic(error, false);
    }
    insta::assert_snapshot!("actual_file_mistakes", shown);
}

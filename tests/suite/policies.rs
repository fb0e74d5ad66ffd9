//! The bundled policies: each checks cleanly, gives the results worked out by hand on the
//! bundled data (examples/data/README.md), and its outputs are snapshotted in every format.

use std::path::Path;

use escalate::{
    evaluation_csv, evaluation_text, explain, explanation_text, DataSources, Dataset, EvalOptions,
    Evaluation, Evidence, Month, Policy,
};

/// The bundled policies, their example data folders and the month they are evaluated as of.
const BUNDLED: &[(&str, &str, &str)] = &[
    ("ooh_callbacks", "ooh", "2026-10"),
    ("contractor_concerns", "contractors", "2026-10"),
    ("practice_scorecard", "practices", "2026-10"),
    ("action_plan_delays", "psr", "2026-12"),
];

/// The month a bundled data folder is evaluated as of.
fn as_of(dir: &str) -> Month {
    let (_, _, month) = BUNDLED
        .iter()
        .find(|(_, d, _)| *d == dir)
        .expect("a bundled data folder");
    month.parse().unwrap()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn policy(name: &str) -> Policy {
    let path = root().join("policies").join(format!("{name}.policy"));
    Policy::from_path(&path).unwrap_or_else(|e| panic!("{}", e.render(false)))
}

fn data(policy: &Policy, dir: &str) -> Dataset {
    let sources = DataSources::from_dir(&root().join("examples/data").join(dir))
        .expect("the folder is readable");
    Dataset::load(&policy.program().schema, &sources).unwrap_or_else(|e| panic!("{e}"))
}

fn evaluate(name: &str, dir: &str) -> (Policy, Dataset, Evaluation) {
    let policy = policy(name);
    let data = data(&policy, dir);
    let mut evaluation = policy.evaluate(&data, as_of(dir), &EvalOptions::default());
    // Snapshots must not depend on where the checkout is.
    for file in &mut evaluation.data.files {
        file.path = file
            .path
            .strip_prefix(root())
            .expect("data is under the checkout")
            .to_path_buf();
    }
    (policy, data, evaluation)
}

#[test]
fn every_policy_checks_cleanly_without_warnings() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            let policy = Policy::from_path(&path).unwrap_or_else(|e| panic!("{}", e.render(false)));
            assert!(
                policy.warning_records().is_empty(),
                "{}",
                policy.render_warnings(false)
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected the bundled policies, found {checked}"
    );
}

fn pairs(list: &[(&str, &str)]) -> Vec<String> {
    list.iter().map(|(s, r)| format!("{s} {r}")).collect()
}

fn actions(e: &Evaluation) -> Vec<String> {
    e.actions
        .iter()
        .map(|a| format!("{} {}", a.subject, a.rule))
        .collect()
}

fn undecided(e: &Evaluation) -> Vec<String> {
    e.undecided
        .iter()
        .map(|u| format!("{} {}", u.subject, u.rule))
        .collect()
}

#[test]
fn ooh_example_gives_the_hand_computed_actions() {
    let (_, _, e) = evaluate("ooh_callbacks", "ooh");
    let expected = [
        ("anp01", "second_month_other"),
        ("anp04", "third_month"),
        ("gp02", "first_month"),
        ("gp03", "second_month_gp"),
        ("gp04", "third_month"),
        ("gp05", "third_month_no_improvement"),
        ("gp06", "close_oversight"),
        ("gp07", "productivity_deep_dive"),
        ("gp08", "first_month"),
        ("gp08", "productivity_meeting"),
        ("gp09", "second_month_gp"),
        ("gp09", "productivity_deep_dive"),
        ("gp11", "second_month_gp"),
        ("para01", "close_oversight"),
        ("pha01", "third_month_no_improvement"),
        ("pha02", "first_month"),
    ];
    assert_eq!(actions(&e), pairs(&expected));
    let expected_undecided = [
        ("gp10", "first_month"),
        ("gp10", "second_month_gp"),
        ("gp10", "close_oversight"),
        ("gp11", "third_month"),
        ("gp11", "third_month_no_improvement"),
        ("gp12", "productivity_deep_dive"),
        ("gp12", "productivity_meeting"),
    ];
    assert_eq!(undecided(&e), pairs(&expected_undecided));
}

#[test]
fn contractors_example_gives_the_hand_computed_actions() {
    let (_, _, e) = evaluate("contractor_concerns", "contractors");
    let expected = [
        ("fa218", "high_risk_concern"),
        ("fa218", "action_plan_outlined"),
        ("fc445", "high_risk_concern"),
        ("fc445", "response_overdue_high_risk"),
        ("fk902", "isolated_concern"),
        ("fp630", "performance_case"),
        ("fr117", "isolated_concern"),
        ("p81002", "isolated_concern"),
        ("p81013", "pattern_of_concerns"),
        ("p81019", "pattern_of_concerns"),
        ("p81019", "action_plan_outlined"),
        ("p81024", "performance_case"),
        ("p81031", "high_risk_concern"),
        ("p81031", "response_received"),
        ("p81040", "isolated_concern"),
        ("p81055", "pattern_of_concerns"),
        ("v21433", "pattern_of_concerns"),
        ("v30587", "isolated_concern"),
        ("v52876", "performance_case"),
        ("v52876", "response_overdue"),
    ];
    assert_eq!(actions(&e), pairs(&expected));
    assert!(e.undecided.is_empty());
    let expected_cases = [
        (
            "fa218",
            "action_plan_outlined",
            "CON-0038",
            "2026-11-27",
            "response_received",
        ),
        (
            "fc445",
            "response_overdue_high_risk",
            "CON-0030",
            "2026-11-03",
            "response_overdue",
        ),
        (
            "p81019",
            "action_plan_outlined",
            "CON-0029",
            "2026-11-27",
            "response_received",
        ),
        ("p81031", "response_received", "CON-0034", "2026-11-13", ""),
        ("v52876", "response_overdue", "CON-0036", "2026-11-06", ""),
    ];
    assert_eq!(case_actions(&e), rows(&expected_cases));
}

/// Every case-scoped action as `subject rule case due replaces`.
fn case_actions(e: &Evaluation) -> Vec<String> {
    e.actions
        .iter()
        .filter_map(|a| {
            let case = a.case.as_ref()?;
            let due = a.due.map(|d| d.to_string()).unwrap_or_default();
            Some(format!(
                "{} {} {case} {due} {}",
                a.subject,
                a.rule,
                a.replaces.join(",")
            ))
        })
        .collect()
}

fn rows(list: &[(&str, &str, &str, &str, &str)]) -> Vec<String> {
    list.iter()
        .map(|(s, r, c, d, x)| format!("{s} {r} {c} {d} {x}"))
        .collect()
}

#[test]
fn psr_example_gives_the_hand_computed_actions() {
    let (_, _, e) = evaluate("action_plan_delays", "psr");
    assert_eq!(e.decided_on.to_string(), "2026-12-31");
    let expected = [
        ("pr01", "plan_overdue", "PSR-101", "2027-01-08", ""),
        ("pr02", "plan_due_soon", "PSR-102", "2027-01-05", ""),
        ("pr05", "plan_was_late", "PSR-105", "2027-01-15", ""),
        ("pr05", "agreement_delayed", "PSR-105", "2027-01-15", ""),
        (
            "pr06",
            "placement_delay",
            "PSR-106",
            "2027-01-29",
            "start_delayed",
        ),
        (
            "pr07",
            "long_wait",
            "PSR-107",
            "2027-01-15",
            "start_delayed,placement_delay",
        ),
        (
            "pr08",
            "started_before_agreed",
            "PSR-108",
            "2027-01-08",
            "start_delayed",
        ),
        ("pr09", "review_overdue", "PSR-109", "2027-01-08", ""),
        (
            "pr09",
            "no_progress",
            "PSR-109",
            "2027-01-15",
            "progress_worse",
        ),
        ("pr10", "touch_point_due", "PSR-110", "2027-01-08", ""),
        ("pr10", "touch_points_missed", "PSR-110", "2027-01-15", ""),
        ("pr10", "progress_worse", "PSR-110", "2027-01-08", ""),
        ("pr12", "start_delayed", "PSR-112", "2027-01-15", ""),
    ];
    assert_eq!(case_actions(&e), rows(&expected));
    assert_eq!(e.actions.len(), expected.len());
    assert!(e.undecided.is_empty());
}

/// The overdue counts of the deadline evidence, worked out by hand.
#[test]
fn psr_example_counts_days_overdue_across_the_bank_holidays() {
    let (_, _, e) = evaluate("action_plan_delays", "psr");
    let overdue: Vec<String> = e
        .actions
        .iter()
        .flat_map(|a| a.evidence.iter().map(move |ev| (a, ev)))
        .filter_map(|(a, ev)| match ev {
            Evidence::Deadline(d) => Some(format!(
                "{} {} {} {:?} {:?}",
                a.subject,
                a.rule,
                d.due.map(|d| d.to_string()).unwrap_or_default(),
                d.days_overdue,
                d.working_days_overdue
            )),
            _ => None,
        })
        .collect();
    let expected = [
        "pr01 plan_overdue 2026-12-18 Some(13) Some(7)",
        "pr02 plan_due_soon 2027-01-05 None None",
        "pr05 plan_was_late 2026-10-29 None None",
        "pr05 agreement_delayed 2026-12-08 Some(23) Some(15)",
        "pr06 placement_delay 2026-10-26 Some(66) Some(46)",
        "pr09 review_overdue 2026-11-23 Some(38) Some(26)",
        "pr10 touch_point_due 2026-12-28 Some(3) Some(3)",
        "pr12 start_delayed 2026-10-29 Some(63) Some(43)",
    ];
    assert_eq!(overdue, expected);
}

#[test]
fn a_plan_created_after_the_decision_date_is_not_seen_until_then() {
    let policy = policy("action_plan_delays");
    let data = data(&policy, "psr");
    let january = EvalOptions {
        decided_on: Some("2027-01-04".parse().unwrap()),
        ..EvalOptions::default()
    };
    let e = policy.evaluate(&data, "2027-01".parse().unwrap(), &january);
    assert!(!actions(&e).contains(&"pr02 plan_due_soon".to_string()));
    let december = policy.evaluate(&data, as_of("psr"), &EvalOptions::default());
    assert!(actions(&december).contains(&"pr02 plan_due_soon".to_string()));
}

#[test]
fn practices_example_gives_the_hand_computed_actions() {
    let (_, _, e) = evaluate("practice_scorecard", "practices");
    let expected = [
        ("f84001", "weekly_meetings"),
        ("f84001", "clinical_area_plans"),
        ("f84001", "satisfaction_not_improving"),
        ("f84001", "ae_rising"),
        ("f84001", "external_support"),
        ("f84003", "access_amber"),
        ("f84004", "weekly_meetings"),
        ("f84005", "weekly_meetings"),
        ("f84006", "clinical_area_plans"),
        ("f84007", "weekly_meetings"),
        ("f84007", "clinical_area_plans"),
        ("f84008", "clinical_area_plans"),
        ("f84008", "access_sustained"),
        ("f84010", "satisfaction_not_improving"),
        ("f84011", "ae_rising"),
        ("f84014", "weekly_meetings"),
        ("f84014", "clinical_area_plans"),
    ];
    assert_eq!(actions(&e), pairs(&expected));
    let expected_undecided = [
        ("f84012", "weekly_meetings"),
        ("f84012", "access_amber"),
        ("f84013", "weekly_meetings"),
        ("f84013", "clinical_area_plans"),
        ("f84016", "satisfaction_not_improving"),
    ];
    assert_eq!(undecided(&e), pairs(&expected_undecided));
}

#[test]
fn eval_outputs_in_every_format() {
    for (name, dir, _) in BUNDLED {
        let (policy, _, e) = evaluate(name, dir);
        insta::assert_json_snapshot!(format!("{name}.eval.json"), e);
        insta::assert_snapshot!(
            format!("{name}.eval.txt"),
            evaluation_text(&e, policy.program())
        );
        insta::assert_snapshot!(
            format!("{name}.eval.csv"),
            evaluation_csv(&e, policy.program())
        );
    }
}

#[test]
fn explanations_of_chosen_subjects() {
    let cases = [
        ("ooh_callbacks", "ooh", "gp11", None),
        ("ooh_callbacks", "ooh", "gp05", None),
        ("contractor_concerns", "contractors", "p81024", None),
        (
            "contractor_concerns",
            "contractors",
            "fc445",
            Some("CON-0030"),
        ),
        ("practice_scorecard", "practices", "f84001", None),
        ("action_plan_delays", "psr", "pr10", Some("PSR-110")),
        ("action_plan_delays", "psr", "pr08", Some("PSR-108")),
    ];
    for (name, dir, subject, case) in cases {
        let policy = policy(name);
        let data = data(&policy, dir);
        let e = explain(
            policy.program(),
            &data,
            as_of(dir),
            &EvalOptions::default(),
            subject,
            None,
            case,
        )
        .expect("the subject is in the data");
        let snapshot = match case {
            Some(case) => format!("{name}.explain.{subject}.{case}.txt"),
            None => format!("{name}.explain.{subject}.txt"),
        };
        insta::assert_snapshot!(snapshot, explanation_text(&e));
    }
}

#[test]
fn on_date_moves_deadlines_but_not_concern_windows() {
    let policy = policy("contractor_concerns");
    let data = data(&policy, "contractors");
    let as_of = "2026-10".parse().unwrap();
    let later = EvalOptions {
        decided_on: Some("2026-12-21".parse().unwrap()),
        ..EvalOptions::default()
    };
    let on_month_end = policy.evaluate(&data, as_of, &EvalOptions::default());
    let on_later_date = policy.evaluate(&data, as_of, &later);
    assert_eq!(on_later_date.decided_on.to_string(), "2026-12-21");
    // The v0 concern windows end with October whatever the decision date...
    let v0 = |e: &Evaluation| -> Vec<String> {
        e.actions
            .iter()
            .filter(|a| a.case.is_none())
            .map(|a| format!("{} {}", a.subject, a.rule))
            .collect()
    };
    assert_eq!(v0(&on_month_end), v0(&on_later_date));
    assert!(on_month_end
        .actions
        .iter()
        .filter(|a| a.case.is_none())
        .zip(on_later_date.actions.iter().filter(|a| a.case.is_none()))
        .all(|(a, b)| a.due < b.due));
    // ...but events are seen up to the decision date (spec §13.1, §18.4): on 21 December the
    // timescales due on 9 November (CON-0028) and 19 November (CON-0040, raised 4 November)
    // have passed without a response (5 working days after Mon 21 Dec skip 25 and 28 Dec).
    let late = case_actions(&on_later_date);
    assert!(late.contains(&"p81040 response_overdue CON-0028 2026-12-30 ".to_string()));
    assert!(late.contains(&"v30587 response_overdue CON-0040 2026-12-30 ".to_string()));
}

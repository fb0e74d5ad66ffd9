//! The bundled policies: each checks cleanly, gives the results worked out by hand on the
//! bundled data (examples/data/README.md), and its outputs are snapshotted in every format.

use std::path::Path;

use escalate::data::{DataSources, Dataset};
use escalate::eval::{explain, EvalOptions, Evaluation};
use escalate::policy::Policy;
use escalate::report;

/// The bundled policies and their example data folders.
const BUNDLED: &[(&str, &str)] = &[
    ("ooh_callbacks", "ooh"),
    ("contractor_concerns", "contractors"),
    ("practice_scorecard", "practices"),
];

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
    let mut evaluation =
        policy.evaluate(&data, "2026-10".parse().unwrap(), &EvalOptions::default());
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
                policy.warnings().is_empty(),
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
        ("fc445", "high_risk_concern"),
        ("fk902", "isolated_concern"),
        ("fp630", "performance_case"),
        ("fr117", "isolated_concern"),
        ("p81002", "isolated_concern"),
        ("p81013", "pattern_of_concerns"),
        ("p81019", "pattern_of_concerns"),
        ("p81024", "performance_case"),
        ("p81031", "high_risk_concern"),
        ("p81040", "isolated_concern"),
        ("p81055", "pattern_of_concerns"),
        ("v21433", "pattern_of_concerns"),
        ("v30587", "isolated_concern"),
        ("v52876", "performance_case"),
    ];
    assert_eq!(actions(&e), pairs(&expected));
    assert!(e.undecided.is_empty());
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
    for (name, dir) in BUNDLED {
        let (policy, _, e) = evaluate(name, dir);
        insta::assert_json_snapshot!(format!("{name}.eval.json"), e);
        insta::assert_snapshot!(
            format!("{name}.eval.txt"),
            report::human(&e, policy.program())
        );
        insta::assert_snapshot!(format!("{name}.eval.csv"), report::csv(&e));
    }
}

#[test]
fn explanations_of_chosen_subjects() {
    let cases = [
        ("ooh_callbacks", "ooh", "gp11"),
        ("ooh_callbacks", "ooh", "gp05"),
        ("contractor_concerns", "contractors", "p81024"),
        ("practice_scorecard", "practices", "f84001"),
    ];
    for (name, dir, subject) in cases {
        let policy = policy(name);
        let data = data(&policy, dir);
        let as_of = "2026-10".parse().unwrap();
        let e = explain(
            policy.program(),
            &data,
            as_of,
            &EvalOptions::default(),
            subject,
            None,
            None,
        )
        .expect("the subject is in the data");
        insta::assert_snapshot!(
            format!("{name}.explain.{subject}.txt"),
            report::explanation(&e)
        );
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
    assert_eq!(actions(&on_month_end), actions(&on_later_date));
    assert_eq!(on_later_date.decided_on.to_string(), "2026-12-21");
    assert!(on_month_end
        .actions
        .iter()
        .zip(&on_later_date.actions)
        .all(|(a, b)| a.due < b.due));
}

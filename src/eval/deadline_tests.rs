//! The deadlines of the bundled policies on their example data, worked out by hand in
//! `examples/data/README.md`: each case's state and due date, as a policy's `test` blocks
//! ask for them ([`super::check_deadline`]).

use std::path::Path;

use super::{check_deadline, DeadlineQuery, EvalOptions};
use crate::data::{DataSources, Dataset};
use crate::month::Month;
use crate::policy::Policy;
use crate::program::StatusTest;

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

/// The month a bundled data folder is evaluated as of (as in `tests/suite/policies.rs`).
fn as_of(dir: &str) -> Month {
    match dir {
        "psr" => "2026-12",
        _ => "2026-10",
    }
    .parse()
    .expect("a month")
}

/// Checks the state and due date of `deadline` for each (subject, case).
fn assert_deadlines(
    name: &str,
    dir: &str,
    deadline: &str,
    expected: &[(&str, &str, Option<&str>, Option<&str>)],
) {
    let policy = policy(name);
    let data = data(&policy, dir);
    let program = policy.program();
    let index = program
        .deadlines
        .iter()
        .position(|d| d.name.as_deref() == Some(deadline))
        .expect("the policy declares the deadline");
    for (subject, case, state, due) in expected {
        let check = check_deadline(
            program,
            &data,
            as_of(dir),
            &EvalOptions::default(),
            &DeadlineQuery {
                subject,
                deadline: index,
                test: &StatusTest::Met,
                case: Some(case),
            },
        )
        .expect("the case is in the data");
        assert_eq!(check.state.map(|s| s.word()), *state, "{case}");
        assert_eq!(check.due.map(|d| d.to_string()).as_deref(), *due, "{case}");
    }
}

/// Where the contractors' agreed timescales stand on Saturday 31 October 2026, worked out by
/// hand in examples/data/README.md.
#[test]
fn contractors_example_gives_the_hand_computed_response_deadlines() {
    let expected = [
        ("p81040", "CON-0028", Some("pending"), Some("2026-11-09")),
        ("p81019", "CON-0029", Some("met"), Some("2026-10-19")),
        ("fc445", "CON-0030", Some("overdue"), Some("2026-10-19")),
        ("v30587", "CON-0031", Some("met"), Some("2026-08-24")),
        ("p81031", "CON-0034", Some("late"), Some("2026-09-16")),
        ("v52876", "CON-0036", Some("overdue"), Some("2026-10-19")),
        ("fa218", "CON-0038", Some("met"), Some("2026-10-21")),
        ("p81055", "CON-0039", Some("not_armed"), None),
    ];
    assert_deadlines(
        "contractor_concerns",
        "contractors",
        "response_due",
        &expected,
    );
}

/// The plan deadline of every case on Thursday 31 December 2026, counted by hand across the
/// Christmas and New Year bank holidays in examples/data/README.md.
#[test]
fn psr_example_gives_the_hand_computed_plan_deadlines() {
    let expected = [
        ("pr01", "PSR-101", Some("overdue"), Some("2026-12-18")),
        ("pr02", "PSR-102", Some("pending"), Some("2027-01-05")),
        ("pr03", "PSR-103", Some("pending"), Some("2027-01-12")),
        ("pr04", "PSR-104", Some("met"), Some("2026-12-31")),
        ("pr05", "PSR-105", Some("late"), Some("2026-10-29")),
        ("pr06", "PSR-106", Some("met"), Some("2026-07-29")),
        ("pr07", "PSR-107", Some("met"), Some("2026-06-09")),
        ("pr08", "PSR-108", Some("met"), Some("2026-11-02")),
        ("pr09", "PSR-109", Some("met"), Some("2026-06-29")),
        ("pr10", "PSR-110", Some("met"), Some("2026-09-01")),
        ("pr11", "PSR-111", Some("met"), Some("2026-03-30")),
        ("pr12", "PSR-112", Some("met"), Some("2026-09-29")),
    ];
    assert_deadlines("action_plan_delays", "psr", "plan_due", &expected);
}

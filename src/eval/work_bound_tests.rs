//! Evaluation always terminates within a fixed budget: for random nested conditions (windows
//! inside windows, grades that read grades), either the checker refuses the policy
//! (`check::too_much_work`), or evaluating each condition for each subject takes at most the
//! checker's bound of steps, which is at most `MAX_CONDITION_STEPS`.
//!
//! Steps are counted by the interpreter's own tracer ([`super::condition_steps`]): one per
//! part of a condition evaluated for a month, and one per value read.

use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::check::cost::{Costs, MAX_CONDITION_STEPS};
use crate::data::{Dataset, PerformanceRecord};
use crate::diagnostic::{DiagnosticRecord, Level};
use crate::month::Month;
use crate::policy::Policy;

/// A condition built recursively: comparisons of metrics and windows at the leaves, `and`,
/// `or`, `not`, `for N months` and `in K of the last N months` above them, and the grade `g`
/// (whose arms are conditions of the same kind) as a leaf.
pub(crate) fn condition(grade_allowed: bool) -> BoxedStrategy<String> {
    let months = prop_oneof![1u32..=6, 1u32..=40, Just(600u32)];
    let mut leaves = vec![
        Just("m < 80%".to_string()).boxed(),
        Just("n >= 20".to_string()).boxed(),
        months
            .clone()
            .prop_map(|n| format!("average(m over last {n} months) < 80%"))
            .boxed(),
        months
            .clone()
            .prop_map(|n| format!("m worsened over last {n} months"))
            .boxed(),
    ];
    if grade_allowed {
        leaves.push(Just("g >= high".to_string()).boxed());
    }
    let leaf = proptest::strategy::Union::new(leaves);
    leaf.prop_recursive(5, 24, 2, move |inner| {
        let months = prop_oneof![1u32..=6, 1u32..=40, Just(600u32)];
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            (inner.clone(), months.clone())
                .prop_map(|(a, n)| format!("({a}) for {n} consecutive months")),
            (inner, months, 1u32..=3)
                .prop_map(|(a, n, k)| { format!("({a}) in {} of the last {n} months", k.min(n)) }),
        ]
    })
    .boxed()
}

fn policy_text(grade: &str, rule: &str) -> String {
    format!(
        "policy \"Work\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n\
         metric n \"N\" count\n\
         grade g \"G\" {{\n  high when {grade}\n  low otherwise\n}}\n\
         rule a \"A\" {{\n  when {rule}\n  severity low\n  require \"x\"\n  owner r\n  \
         due 5 working days\n}}\n"
    )
}

/// Two subjects with figures in a few months around the as-of month, some missing.
pub(crate) fn data(policy: &Policy) -> Dataset {
    let mut records = Vec::new();
    for (s, subject) in ["s1", "s2"].into_iter().enumerate() {
        for back in 0..30 {
            let period = as_of().offset(-back);
            if (back + s as i32) % 4 == 3 {
                continue;
            }
            for (metric, value) in [("m", 70 + back * 3 % 25), ("n", 15 + back % 10)] {
                records.push(PerformanceRecord {
                    subject: subject.to_string(),
                    period,
                    metric: metric.to_string(),
                    value: Some(value.into()),
                });
            }
        }
    }
    Dataset::from_records(&policy.program().schema, &records, &[], &[], &[])
        .expect("the generated data loads")
}

fn errors(records: &[DiagnosticRecord]) -> impl Iterator<Item = &DiagnosticRecord> {
    records.iter().filter(|r| r.severity == Level::Error)
}

fn as_of() -> Month {
    "2026-10".parse().expect("a month")
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn evaluation_stays_within_the_checkers_budget(
        grade in condition(false),
        rule in condition(true),
    ) {
        let text = policy_text(&grade, &rule);
        let policy = match Policy::parse("work.policy", text.as_str()) {
            Ok(policy) => policy,
            Err(error) => {
                // The only refusal a well-formed condition can get here is the work bound.
                let records = error.records();
                prop_assert!(
                    errors(&records).all(|r| r.code == "check::too_much_work"),
                    "{}", error.render(false)
                );
                return Ok(());
            }
        };
        let program = policy.program();
        let mut costs = Costs::new(program);
        let bounds: Vec<u64> = program.grades[0]
            .arms
            .iter()
            .filter_map(|arm| arm.condition.as_ref())
            .chain(std::iter::once(&program.rules[0].when))
            .map(|c| costs.expr(c))
            .collect();
        let steps = super::condition_steps(program, &data(&policy), as_of());
        prop_assert_eq!(steps.len(), bounds.len());
        for (taken, bound) in steps.iter().zip(&bounds) {
            prop_assert!(taken <= bound, "{taken} steps, bound {bound}:\n{text}");
            prop_assert!(*bound <= MAX_CONDITION_STEPS);
        }
    }
}

#[test]
fn nested_six_hundred_month_windows_are_refused() {
    let rule = "((m < 80%) in 1 of the last 600 months) in 1 of the last 600 months";
    let error = Policy::parse("work.policy", policy_text("m < 80%", rule))
        .expect_err("the checker refuses it");
    let records = error.records();
    let codes: Vec<&str> = errors(&records).map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["check::too_much_work"]);
}

#[test]
fn grades_reading_grades_multiply() {
    // Each grade reads the next twice, 30 deep: 2^30 evaluations of the last one.
    let mut text =
        String::from("policy \"Work\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n");
    for i in 0..30 {
        let condition = match i {
            29 => "m < 80%".to_string(),
            _ => format!("g{} >= high and g{} <= low", i + 1, i + 1),
        };
        text += &format!("grade g{i} \"G\" {{\n  high when {condition}\n  low otherwise\n}}\n");
    }
    text += "rule a \"A\" {\n  when g0 >= high\n  severity low\n  require \"x\"\n  owner r\n  due 5 working days\n}\n";
    let error = Policy::parse("work.policy", text).expect_err("the checker refuses it");
    assert!(error
        .records()
        .iter()
        .any(|r| r.code == "check::too_much_work"));
}

#[test]
fn a_single_six_hundred_month_window_is_fine() {
    let rule = "(m < 80%) in 3 of the last 600 months and average(m over last 600 months) < 80%";
    let policy = Policy::parse("work.policy", policy_text("m < 80%", rule)).expect("it checks");
    let steps = super::condition_steps(policy.program(), &data(&policy), as_of());
    assert!(steps.iter().all(|s| *s <= MAX_CONDITION_STEPS));
    assert!(steps[1] > 600, "the window was evaluated: {steps:?}");
}

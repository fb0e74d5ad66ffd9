//! The untraced evaluation's own ways ([`Interp::untraced_truth`], a metric compared with a
//! number on its stored figure) give exactly the truths of the traced evaluation, which works
//! out every part of a condition as a value: for random nested conditions (with grades,
//! windows, trends, `for` and `in K of N`) on figures with gaps and on the thresholds.

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::interp::Interp;
use super::trace::{NoTrace, Reads};
use super::work_bound_tests::{condition, data};
use crate::policy::Policy;

/// A policy whose grade `g` and rule `a` have the conditions given, with comparisons of both
/// kinds: a metric against a number (written either way round), and against a window.
fn policy_text(grade: &str, rule: &str) -> String {
    format!(
        "policy \"Untraced\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n\
         metric n \"N\" count\n\
         grade g \"G\" {{\n  high when {grade}\n  low otherwise\n}}\n\
         rule a \"A\" {{\n  when ({rule}) or (80% > m and n = 20) or not (m >= average(m over last 2 months))\n  \
         severity low\n  require \"x\"\n  owner r\n  due 5 working days\n}}\n"
    )
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn untraced_truths_are_the_traced_ones(
        grade in condition(false),
        rule in condition(true),
    ) {
        let text = policy_text(&grade, &rule);
        // The only refusal a well-formed condition can get is the work bound.
        let Ok(policy) = Policy::parse("untraced.policy", text.as_str()) else {
            return Ok(());
        };
        let (program, data) = (policy.program(), data(&policy));
        let as_of: crate::month::Month = "2026-10".parse().expect("a month");
        for subject in 0..data.subject_count() as crate::data::SubjectIndex {
            let interp = Interp::at_month_end(program, &data, subject, as_of);
            let rule = &program.rules[0];
            for back in 0..32 {
                let month = as_of.offset(-back);
                let untraced = interp.rule_truth(rule, month, None, &mut NoTrace);
                let traced = interp.rule_truth(rule, month, None, &mut Reads::default());
                prop_assert_eq!(untraced, traced, "subject {} in {}:\n{}", subject, month, text);
            }
        }
    }
}

#[test]
fn the_policy_around_the_conditions_is_a_valid_one() {
    let text = policy_text("m < 80%", "(n >= 20) for 2 consecutive months");
    let policy = Policy::parse("untraced.policy", text.as_str());
    assert!(
        policy.is_ok(),
        "{}",
        policy.err().map(|e| e.render(false)).unwrap_or_default()
    );
}

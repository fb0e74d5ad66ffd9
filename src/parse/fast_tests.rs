//! The grammar's fast mode (`fast_items`) reads exactly what `items` reads: the same pairs for
//! every text `items` accepts, and a failure for every text it rejects (whose errors then come
//! from `items`).

use pest::Parser as _;
use proptest::prelude::*;

use super::grammar::{PolicyGrammar, Rule};
use super::items::item_starts;
use super::test_policies::repository_policies;

/// Every pair of a parse, in order, as its rule and span; or `None` when the text does not parse.
fn pairs_of(rule: Rule, text: &str) -> Option<Vec<(Rule, usize, usize)>> {
    let pairs = PolicyGrammar::parse(rule, text).ok()?;
    Some(
        pairs
            .flatten()
            .map(|p| (p.as_rule(), p.as_span().start(), p.as_span().end()))
            .collect(),
    )
}

/// Fails with the text when the two modes read it differently.
fn assert_same_in_both_modes(text: &str) {
    let full = pairs_of(Rule::items, text);
    let fast = pairs_of(Rule::fast_items, text);
    assert_eq!(full, fast, "the modes differ on:\n{text}");
}

/// The rules of the pairs the fast mode reads from `text`.
fn fast_rules(text: &str) -> Vec<Rule> {
    pairs_of(Rule::fast_items, text)
        .unwrap_or_else(|| panic!("the fast mode rejects:\n{text}"))
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect()
}

fn rule_with(condition: &str) -> String {
    format!(
        "rule r \"R\" {{\n  when {condition}\n  severity high\n  require \"x\"\n  owner a\n  due 5 days\n}}\n"
    )
}

#[test]
fn conditions_that_look_alike_are_read_the_same_in_both_modes() {
    let conditions = [
        "metric_1 < 60% and not urgent",
        "(metric_1 < 60%) for 2 consecutive months",
        "(a, b) within 5 days after opened is met",
        "(plan within 10 working days after referral) is overdue",
        "plan within 10 working days after referral",
        "plan_due is late",
        "no (a) within 3 days after b",
        "no_show > 3",
        "count (concerns in last 12 months where risk >= high) >= 1",
        "count(referral in last 3 months) > 2",
        "average (m over last 3 months) < 5%",
        "maximum > 3 and min(m over last 2 months) < 4",
        "days since opened > 5",
        "working days between referral and first(plan) > 10",
        "first (plan) > 2026-01-01",
        "latest_score > 3",
        "date of referral > 2026-01-01",
        "m improved over last 3 months",
        "m worsened over last 3 months and m < 5",
        "region in [north, south] and band >= 3",
        "(x in 2 of the last 3 months)",
        "((a < 1) or (b > 2)) and c = 3",
        "( # a comment\n a < 1)",
        "a # a comment\n < 1",
        "(index < 3)",
        "-3 < a",
        "2026-01-01 < opened",
        "flag_yes = yes",
        "nothing = 1",
        "month_1 > 2",
    ];
    for condition in conditions {
        let text = rule_with(condition);
        assert_same_in_both_modes(&text);
        assert!(
            pairs_of(Rule::items, &text).is_some(),
            "does not parse:\n{text}"
        );
    }
}

#[test]
fn the_shortcuts_read_deadlines_trends_and_calls_as_before() {
    let rules = fast_rules(&rule_with("(plan within 10 days after referral) is met"));
    assert!(rules.contains(&Rule::deadline_test));
    assert!(!rules.contains(&Rule::paren));
    let rules = fast_rules(&rule_with("(plan_due < 3)"));
    assert!(rules.contains(&Rule::paren));
    assert!(!rules.contains(&Rule::deadline_test));
    let rules = fast_rules(&rule_with("m improved over last 3 months"));
    assert!(rules.contains(&Rule::trend));
    let rules = fast_rules(&rule_with("first(plan) > 2026-01-01"));
    assert!(rules.contains(&Rule::pick_date));
    let rules = fast_rules(&rule_with("average(m over last 3 months) < 5%"));
    assert!(rules.contains(&Rule::window));
}

#[test]
fn broken_conditions_are_rejected_by_both_modes() {
    for condition in [
        "a <",
        "(a < 1",
        "a )",
        "count(",
        "(a, b) within",
        "a is",
        "a of",
    ] {
        let text = rule_with(condition);
        assert_eq!(pairs_of(Rule::items, &text), None, "{text}");
        assert_eq!(pairs_of(Rule::fast_items, &text), None, "{text}");
    }
}

#[test]
fn every_item_of_the_projects_policies_is_read_the_same_in_both_modes() {
    let mut items = 0;
    for (_, source) in repository_policies() {
        let (mut starts, _) = item_starts(&source);
        starts.push(source.len());
        for piece in starts.windows(2) {
            assert_same_in_both_modes(&source[piece[0]..piece[1]]);
            items += 1;
        }
    }
    assert!(items > 100, "only {items} items read");
}

/// Words and signs that start or continue the grammar's choices.
fn word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "b_2",
        "m",
        "x",
        "within",
        "is",
        "of",
        "in",
        "since",
        "where",
        "after",
        "between",
        "improved",
        "worsened",
        "over",
        "last",
        "months",
        "days",
        "day",
        "working",
        "weeks",
        "first",
        "latest",
        "no",
        "not",
        "and",
        "or",
        "for",
        "consecutive",
        "the",
        "count",
        "any",
        "all",
        "average",
        "max",
        "min",
        "sum",
        "concerns",
        "met",
        "due",
        "yes",
        "3",
        "5%",
        "2.5",
        "2026-01-01",
        "\"t\"",
        "(",
        ")",
        "[",
        "]",
        ",",
        "<",
        ">=",
        "=",
        "-",
        "*",
        "#c\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_conditions_are_read_the_same_in_both_modes(
        words in prop::collection::vec(word(), 1..12),
    ) {
        let text = rule_with(&words.join(" "));
        prop_assert_eq!(
            pairs_of(Rule::items, &text),
            pairs_of(Rule::fast_items, &text),
            "the modes differ on:\n{}",
            text
        );
    }
}

//! Parsing the pieces of a policy on all cores gives what parsing them one after another
//! gives: the same tree, the same problems in the same order, the same broken names.

use super::test_policies::repository_policies;
use super::{parse_items, ItemCache, Recovered};

/// Parses on this thread only, then on all cores whatever the size, and says where they differ.
fn assert_threads_change_nothing(source: &str, name: &str) {
    let alone = parse_items(source, None, usize::MAX);
    let spread = parse_items(source, None, 1);
    assert_eq!(described(&alone), described(&spread), "{name}");
}

fn described(recovered: &Recovered) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        recovered.policy, recovered.errors, recovered.broken_names
    )
}

#[test]
fn every_policy_and_fixture_parses_the_same_on_all_cores() {
    let policies = repository_policies();
    for (path, source) in &policies {
        assert_threads_change_nothing(source, &path.display().to_string());
    }
    assert!(policies.len() > 50, "only {} policies read", policies.len());
}

/// A policy of `rules` rules, two in seven broken, and the hundredth nested as deeply as
/// the language allows (the threads' stacks must hold what the main thread's holds).
fn many_rules(rules: usize) -> String {
    let mut source = String::from("policy \"Many\"\nmetric m \"M\" percent\nrole lead \"Lead\"\n");
    for i in 0..rules {
        let condition = match i % 7 {
            3 => "m < ".to_string(),
            5 => format!("m < 2026-02-30 and m < {i}%"),
            _ if i == 100 => format!("{}m < 70%{}", "(".repeat(64), ")".repeat(64)),
            _ => format!("m < {i}%"),
        };
        source.push_str(&format!(
            "rule r{i} \"Rule {i}\" {{\n  when {condition}\n  severity high\n  require \"x\"\n  owner lead\n  due 5 days\n}}\n"
        ));
    }
    source
}

#[test]
fn many_rules_with_errors_parse_the_same_on_all_cores() {
    let source = many_rules(300);
    let spread = parse_items(&source, None, 1);
    assert!(spread.errors.len() >= 80, "{} errors", spread.errors.len());
    let deepest = spread
        .policy
        .items
        .iter()
        .any(|item| matches!(item, crate::ast::Item::Rule(rule) if rule.id.value == "r100"));
    assert!(deepest, "the deeply nested rule did not parse");
    assert_threads_change_nothing(&source, "many rules");
}

#[test]
fn an_editors_cache_gives_the_same_on_all_cores() {
    let before = many_rules(200);
    let after = before
        .replace("m < 10%", "m < 11%")
        .replace("rule r40 ", "rule r40x ");
    let (mut alone, mut spread) = (ItemCache::default(), ItemCache::default());
    for source in [&before, &after, &before] {
        let a = parse_items(source, Some(&mut alone), usize::MAX);
        let s = parse_items(source, Some(&mut spread), 1);
        assert_eq!(described(&a), described(&s));
        assert_eq!(described(&a), described(&parse_items(source, None, 1)));
    }
}

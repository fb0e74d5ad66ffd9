//! Formatting never changes what a policy decides: every policy that checks, before and after
//! `fmt`, gives the same evaluation on generated data.

use std::path::{Path, PathBuf};

use escalate::{format_policy, Dataset, EvalOptions, Evaluation, Month, Policy, Schema};
use proptest::prelude::*;

use crate::generated::Shape;

/// Every policy in `policies/` and the fixture folders that parses and checks.
fn checked_policies() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in [
        "policies",
        "tests/fixtures/fmt",
        "tests/fixtures/conformance",
        "tests/fixtures/policy_tests",
    ] {
        collect(&root.join(dir), &mut found);
    }
    found
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            Policy::parse("original", text.as_str()).ok()?;
            Some((path, text))
        })
        .collect()
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|e| e == "policy") {
            found.push(path);
        }
    }
}

/// A small random dataset fitting the schema: a few subjects, 14 months of figures with gaps,
/// subject fields (sometimes unknown) and concerns.
fn generate(schema: &Schema, seed: u64) -> Dataset {
    let shape = Shape {
        subjects: 1..6,
        first: "2025-09",
        months: 14,
        gap_one_in: 10,
        percent: 50..=100,
        count: 0..60,
        no_fields_one_in: 2,
        concerns: 0..5,
        concern_days: 430,
    };
    crate::generated::dataset(schema, seed, &shape)
}

/// What an evaluation decides, without the policy text quoted in evidence.
fn decisions(e: &Evaluation) -> String {
    let actions: Vec<String> = e
        .actions
        .iter()
        .map(|a| {
            format!(
                "{} {} {:?} {:?} {:?}",
                a.subject, a.rule, a.severity, a.due, a.replaces
            )
        })
        .collect();
    let undecided: Vec<String> = e
        .undecided
        .iter()
        .map(|u| format!("{} {} {:?}", u.subject, u.rule, u.missing))
        .collect();
    let grades: Vec<String> = e
        .grades
        .iter()
        .map(|g| format!("{} {} {:?}", g.subject, g.grade, g.level))
        .collect();
    format!("{actions:?}\n{undecided:?}\n{grades:?}")
}

#[test]
fn enough_policies_are_compared() {
    assert!(
        checked_policies().len() >= 10,
        "expected the bundled, conformance and fixture policies"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn formatting_keeps_every_decision(seed in any::<u64>()) {
        for (path, text) in checked_policies() {
            let original = Policy::parse("original", text.as_str()).unwrap();
            let formatted_text = format_policy("original", &text).unwrap();
            let formatted = Policy::parse("formatted", formatted_text.as_str())
                .unwrap_or_else(|e| panic!("{} no longer checks after fmt:\n{}", path.display(), e.render(false)));
            let data = generate(&original.program().schema, seed);
            for month in ["2026-06", "2026-10"] {
                let as_of: Month = month.parse().unwrap();
                let before = original.evaluate(&data, as_of, &EvalOptions::default());
                let after = formatted.evaluate(&data, as_of, &EvalOptions::default());
                prop_assert_eq!(decisions(&before), decisions(&after), "{} as of {}", path.display(), month);
            }
        }
    }
}

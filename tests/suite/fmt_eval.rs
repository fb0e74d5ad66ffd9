//! Formatting never changes what a policy decides: every policy that checks, before and after
//! `fmt`, gives the same evaluation on generated data.

use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

use escalate::data::Dataset;
use escalate::eval::{EvalOptions, Evaluation};
use escalate::fmt::format_source;
use escalate::month::Month;
use escalate::policy::Policy;
use escalate::schema::{FieldType, MetricKind, Schema, Value};
use proptest::prelude::*;

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
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut builder = Dataset::builder(schema);
    let first: Month = "2025-09".parse().unwrap();
    for s in 0..rng.usize(1..6) {
        let subject = builder.add_subject(&format!("s{s}"));
        for (m, metric) in schema.metrics.iter().enumerate() {
            for month in 0..14 {
                if rng.u8(..10) == 0 {
                    continue;
                }
                let value = match metric.kind {
                    MetricKind::Percent => Decimal::from(rng.u8(50..=100)),
                    MetricKind::Count => Decimal::from(rng.u8(0..60)),
                    MetricKind::Number => Decimal::new(i64::from(rng.u8(0..50)), 1),
                };
                builder
                    .set_metric(subject, m, first.offset(month), value)
                    .unwrap();
            }
        }
        if rng.bool() {
            let fields = schema
                .subject_fields
                .iter()
                .map(|f| Some(value(&f.ty, &mut rng)))
                .collect();
            builder.set_subject_fields(subject, fields);
        }
        for c in 0..rng.usize(0..5) {
            let raised = first.first_day() + chrono::Days::new(rng.u64(0..430));
            let fields = schema
                .concern_fields
                .iter()
                .map(|f| value(&f.ty, &mut rng))
                .collect();
            builder.add_concern(subject, &format!("k{s}-{c}"), raised, fields);
        }
    }
    builder.finish()
}

fn value(ty: &FieldType, rng: &mut fastrand::Rng) -> Value {
    match ty {
        FieldType::Text => Value::Text(["a", "b"][rng.usize(..2)].into()),
        FieldType::Number => Value::Number(Decimal::from(rng.u8(..100))),
        FieldType::Flag => Value::Flag(rng.bool()),
        FieldType::Date => Value::Date(
            "2026-01-01".parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(rng.u64(..300)),
        ),
        FieldType::Integer { min, max } => {
            let (lo, hi) = ((*min).max(-1000), (*max).min(1000));
            Value::Number(Decimal::from(rng.i64(lo..=hi.max(lo))))
        }
        FieldType::OneOf(values) => Value::Enum(rng.u32(..values.len().max(1) as u32)),
    }
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
            let formatted_text = format_source(&text).unwrap();
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

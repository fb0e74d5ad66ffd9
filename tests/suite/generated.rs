//! Random datasets for a policy's schema, for the properties that compare two evaluations on
//! the same data (`fmt_eval`, `v1_syntax`): built from typed records, so they are checked as
//! files are.

use std::ops::{Range, RangeInclusive};

use escalate::{
    ConcernRecord, Dataset, Decimal, FieldType, MetricKind, Month, PerformanceRecord, Schema,
    SubjectRecord,
};
use serde_json::json;

/// How big a random dataset is, and how its values are spread.
pub struct Shape {
    /// How many subjects (`s0`, `s1`, ...).
    pub subjects: Range<usize>,
    /// The first month with figures, and how many months have them.
    pub first: &'static str,
    pub months: i32,
    /// One figure in this many is missing.
    pub gap_one_in: u8,
    /// The range of percentages and of counts.
    pub percent: RangeInclusive<u8>,
    pub count: Range<u8>,
    /// One subject in this many has no subject fields.
    pub no_fields_one_in: u8,
    /// How many concerns each subject has, raised within this many days of `first`.
    pub concerns: Range<usize>,
    pub concern_days: u64,
}

/// A random dataset fitting the schema: figures with gaps, subject fields (for some
/// subjects) and concerns.
pub fn dataset(schema: &Schema, seed: u64, shape: &Shape) -> Dataset {
    let mut rng = fastrand::Rng::with_seed(seed);
    let first: Month = shape.first.parse().expect("a month");
    let (mut performance, mut subjects, mut concerns) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..rng.usize(shape.subjects.clone()) {
        let subject = format!("s{s}");
        for metric in &schema.metrics {
            for month in 0..shape.months {
                if rng.u8(..shape.gap_one_in) == 0 {
                    continue;
                }
                let value = match metric.kind {
                    MetricKind::Percent => Decimal::from(rng.u8(shape.percent.clone())),
                    MetricKind::Count => Decimal::from(rng.u8(shape.count.clone())),
                    MetricKind::Number => Decimal::new(i64::from(rng.u8(0..50)), 1),
                };
                performance.push(PerformanceRecord {
                    subject: subject.clone(),
                    period: first.offset(month),
                    metric: metric.id.clone(),
                    value: Some(value),
                });
            }
        }
        if rng.u8(..shape.no_fields_one_in) != 0 {
            let fields = schema
                .subject_fields
                .iter()
                .map(|f| (f.name.clone(), value(&f.ty, &mut rng)))
                .collect();
            subjects.push(SubjectRecord {
                subject: subject.clone(),
                fields,
            });
        }
        for c in 0..rng.usize(shape.concerns.clone()) {
            let raised_on = first.first_day() + chrono::Days::new(rng.u64(0..shape.concern_days));
            let fields = schema
                .concern_fields
                .iter()
                .map(|f| (f.name.clone(), value(&f.ty, &mut rng)))
                .collect();
            concerns.push(ConcernRecord {
                id: format!("k{s}-{c}"),
                subject: subject.clone(),
                raised_on,
                fields,
            });
        }
    }
    Dataset::from_records(schema, &performance, &subjects, &concerns, &[])
        .expect("the generated records are valid")
}

/// A random value of a field's type, as a record holds it.
fn value(ty: &FieldType, rng: &mut fastrand::Rng) -> serde_json::Value {
    match ty {
        FieldType::Text => json!(["a", "b"][rng.usize(..2)]),
        FieldType::Number => json!(rng.u8(..100)),
        FieldType::Flag => json!(rng.bool()),
        FieldType::Date => {
            let start: chrono::NaiveDate = "2026-01-01".parse().expect("a date");
            json!((start + chrono::Days::new(rng.u64(..300))).to_string())
        }
        FieldType::Integer { min, max } => {
            let (lo, hi) = ((*min).max(-1000), (*max).min(1000));
            json!(rng.i64(lo..=hi.max(lo)))
        }
        FieldType::OneOf(values) => json!(values[rng.usize(..values.len())]),
    }
}

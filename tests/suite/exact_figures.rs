//! Figures are exact decimals (reference §4): thresholds compare like exact rational arithmetic,
//! whatever order the months or rows come in, including values exactly on the threshold.

use escalate::{Dataset, EvalOptions, PerformanceRecord, Policy};
use proptest::prelude::*;

/// A policy with one rule on the average of three months against a threshold `t` (text).
fn policy(condition: &str) -> Policy {
    let text = format!(
        r#"policy "Exact figures"
role lead "Lead"
metric m "A figure" number
rule r "Condition" {{
  when {condition}
  severity low
  require "Look"
  owner lead
  due 5 working days
}}
"#
    );
    Policy::parse("exact.policy", text).expect("the policy checks")
}

/// Tenths as text: 23 is `2.3`, -5 is `-0.5`.
fn tenths(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}.{}", n.abs() / 10, n.abs() % 10)
}

fn records(values: &[i64], order: &[usize]) -> Vec<PerformanceRecord> {
    order
        .iter()
        .map(|&i| PerformanceRecord {
            subject: "s1".into(),
            period: "2026-08"
                .parse::<escalate::Month>()
                .unwrap()
                .offset(i as i32),
            metric: "m".into(),
            value: Some(tenths(values[i]).parse().unwrap()),
        })
        .collect()
}

fn fires(policy: &Policy, values: &[i64], order: &[usize]) -> bool {
    let data = Dataset::from_records(
        &policy.program().schema,
        &records(values, order),
        &[],
        &[],
        &[],
    )
    .expect("valid records");
    let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &EvalOptions::default());
    !evaluation.actions.is_empty()
}

#[test]
fn the_reference_example_is_not_below_two_and_a_half() {
    let policy = policy("average(m over last 3 months) < 2.5");
    assert!(!fires(&policy, &[28, 24, 23], &[0, 1, 2]));
    assert!(!fires(&policy, &[23, 28, 24], &[2, 0, 1]));
    let at_most = self::policy("average(m over last 3 months) <= 2.5");
    assert!(fires(&at_most, &[28, 24, 23], &[0, 1, 2]));
}

#[test]
fn division_that_does_not_end_compares_exactly() {
    // The sum is 4 and the count 3: 4/3 lies strictly between 1.333333 and 1.333334.
    let above = policy("average(m over last 3 months) > 1.333333");
    let below = policy("average(m over last 3 months) < 1.333334");
    assert!(fires(&above, &[10, 10, 20], &[0, 1, 2]));
    assert!(fires(&below, &[10, 10, 20], &[0, 1, 2]));
    let sum = policy("sum(m over last 3 months) / 3 * 3 = 4");
    assert!(fires(&sum, &[10, 10, 20], &[0, 1, 2]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// `average < t` holds exactly when the sum is below `t` times three, in tenths, for any
    /// order of the rows; thresholds are often exactly the average.
    #[test]
    fn averages_compare_like_fractions(
        values in proptest::collection::vec(-500i64..500, 3),
        offset in -2i64..=2,
        exact in any::<bool>(),
        order in Just(vec![0usize, 1, 2]).prop_shuffle(),
    ) {
        let sum: i64 = values.iter().sum();
        // A threshold in hundredths: the exact average when it ends there, else nearby.
        let threshold_hundredths = match exact && (sum * 10) % 3 == 0 {
            true => sum * 10 / 3,
            false => sum * 10 / 3 + offset,
        };
        let t = threshold_hundredths;
        let text = format!("{}{}.{:02}", if t < 0 { "-" } else { "" }, t.abs() / 100, t.abs() % 100);
        let policy = policy(&format!("average(m over last 3 months) < {text}"));
        // sum (tenths) / 3 < t (hundredths)  ⇔  sum * 10 < t * 3
        let expected = sum * 10 < t * 3;
        prop_assert_eq!(fires(&policy, &values, &order), expected, "values {:?} threshold {}", values, text);
    }

    /// Sums, minimums and maximums are exact and do not depend on the order of the rows.
    #[test]
    fn sums_are_exact_in_any_order(
        values in proptest::collection::vec(-999i64..999, 3),
        order in Just(vec![0usize, 1, 2]).prop_shuffle(),
    ) {
        let sum: i64 = values.iter().sum();
        let policy = policy(&format!("sum(m over last 3 months) = {}", tenths(sum)));
        prop_assert!(fires(&policy, &values, &order));
        let max = *values.iter().max().unwrap();
        let policy = self::policy(&format!("max(m over last 3 months) = {}", tenths(max)));
        prop_assert!(fires(&policy, &values, &order));
    }
}

//! Two policies replayed over the same months: the actions only one of them requires, month
//! by month, and each rule's counts under each.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Backtest, BacktestMonth, Summary};
use crate::month::Month;

/// The differences between two policies' histories over the same months.
///
/// See the example of [`compare_backtests`](crate::compare_backtests).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    /// The first policy's name.
    pub first: String,
    /// The second policy's name.
    pub second: String,
    /// Each month: the actions only one of the two requires.
    pub months: Vec<MonthDifference>,
    /// Per rule over the range: new actions under each policy, and subjects affected.
    pub rules: Vec<RuleDifference>,
    /// Actions (subject, rule, case, month) only the first requires, over the range.
    pub only_first: usize,
    /// Actions only the second requires, over the range.
    pub only_second: usize,
    /// A paragraph for people.
    pub summary: String,
}

/// One month of a comparison.
///
/// See the example of [`compare_backtests`](crate::compare_backtests).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MonthDifference {
    /// The month.
    pub as_of: Month,
    /// (subject, rule, case) required only by the first policy.
    pub only_first: Vec<SubjectRule>,
    /// (subject, rule, case) required only by the second policy.
    pub only_second: Vec<SubjectRule>,
}

/// A subject, a rule and, for a rule evaluated for each case, the case: one action.
///
/// See the example of [`compare_backtests`](crate::compare_backtests).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SubjectRule {
    /// The subject.
    pub subject: String,
    /// The rule.
    pub rule: String,
    /// The case (absent for a rule evaluated once per subject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise): the same for the same subject, as both policies read the same data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
}

/// A rule's counts under each policy.
///
/// See the example of [`compare_backtests`](crate::compare_backtests).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleDifference {
    /// The rule's id.
    pub rule: String,
    /// Its title (from whichever policy has it).
    pub title: String,
    /// New actions under the first policy.
    pub first_new: usize,
    /// New actions under the second policy.
    pub second_new: usize,
    /// Subjects with an action of this rule under the first policy.
    pub first_subjects: usize,
    /// Subjects with an action of this rule under the second policy.
    pub second_subjects: usize,
}

/// Compares two backtests over the same months (`escalate backtest --compare`): the actions
/// only one policy requires, month by month and per rule.
///
/// ```
/// # use escalate::{DataInput, DataSources, Dataset, Policy};
/// # let text = |threshold: &str| format!(r#"
/// #     policy "Call-backs at {threshold}%"
/// #     role lead "Clinical Lead"
/// #     metric callback_in_time "Call-backs in time" percent, higher is better
/// #     rule low_callbacks "Call-backs below {threshold}%" {{
/// #       when callback_in_time < {threshold}%
/// #       severity moderate
/// #       require "Discuss with the clinician"
/// #       owner lead
/// #       due 10 working days
/// #     }}
/// # "#);
/// # let csv = "subject,period,callback_in_time\n\
/// #            c1,2026-08,76\nc1,2026-09,70\nc1,2026-10,90\n\
/// #            c2,2026-08,90\nc2,2026-09,75\nc2,2026-10,72\n";
/// # let sources = DataSources {
/// #     performance: Some(DataInput::csv("performance.csv", csv)),
/// #     ..DataSources::default()
/// # };
/// let policy = Policy::parse("80.policy", text("80")).unwrap();
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let (september, october) = ("2026-09".parse().unwrap(), "2026-10".parse().unwrap());
/// let backtest = escalate::backtest(&policy, &data, september, october, &|_| {});
/// let lower = Policy::parse("75.policy", text("75")).unwrap();
/// let other = escalate::backtest(&lower, &data, september, october, &|_| {});
/// let comparison = escalate::compare_backtests(&backtest, &other);
/// // c2's 75% in September is below 80% but not below 75%.
/// let only = &comparison.months[0].only_first;
/// assert_eq!((only[0].subject.as_str(), only[0].rule.as_str()), ("c2", "low_callbacks"));
/// assert_eq!((comparison.only_first, comparison.only_second), (1, 0));
/// assert_eq!(comparison.rules[0].first_new, 1);
/// ```
pub fn compare(first: &Backtest, second: &Backtest) -> Comparison {
    let mut comparer = Comparer::default();
    for (a, b) in first.months.iter().zip(&second.months) {
        comparer.month(a, b);
    }
    comparer.finish(
        (&first.policy, &first.summary),
        (&second.policy, &second.summary),
        (first.from, first.to),
    )
}

/// [`compare`] a month at a time, as the months of two replays of the same range come, so
/// that neither backtest is ever held whole.
#[derive(Default)]
pub(crate) struct Comparer {
    months: Vec<MonthDifference>,
}

impl Comparer {
    /// Compares the actions each policy requires in the same month (the next of the range).
    pub fn month(&mut self, first: &BacktestMonth, second: &BacktestMonth) {
        let pairs = |m: &BacktestMonth| -> HashSet<SubjectRule> {
            m.actions
                .iter()
                .map(|a| SubjectRule {
                    subject: a.action.subject.clone(),
                    rule: a.action.rule.clone(),
                    case: a.action.case.clone(),
                    subject_name: a.action.subject_name.clone(),
                })
                .collect()
        };
        let (pa, pb) = (pairs(first), pairs(second));
        let mut only_first: Vec<SubjectRule> = pa.difference(&pb).cloned().collect();
        let mut only_second: Vec<SubjectRule> = pb.difference(&pa).cloned().collect();
        only_first.sort();
        only_second.sort();
        self.months.push(MonthDifference {
            as_of: first.as_of,
            only_first,
            only_second,
        });
    }

    /// The comparison of every month compared, given each policy's name and summary and
    /// the range.
    pub fn finish(
        self,
        (first, first_summary): (&str, &Summary),
        (second, second_summary): (&str, &Summary),
        (from, to): (Month, Month),
    ) -> Comparison {
        let months = self.months;
        let mut comparison = Comparison {
            first: first.to_string(),
            second: second.to_string(),
            only_first: months.iter().map(|m| m.only_first.len()).sum(),
            only_second: months.iter().map(|m| m.only_second.len()).sum(),
            months,
            rules: rule_differences(first_summary, second_summary),
            summary: String::new(),
        };
        comparison.summary = comparison_paragraph(&comparison, from, to);
        comparison
    }
}

fn rule_differences(first: &Summary, second: &Summary) -> Vec<RuleDifference> {
    let mut rules: BTreeMap<usize, RuleDifference> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (side, summary) in [first, second].into_iter().enumerate() {
        for r in &summary.rules {
            let position = order.iter().position(|o| *o == r.rule).unwrap_or_else(|| {
                order.push(r.rule.clone());
                order.len() - 1
            });
            let entry = rules.entry(position).or_insert_with(|| RuleDifference {
                rule: r.rule.clone(),
                title: r.title.clone(),
                first_new: 0,
                second_new: 0,
                first_subjects: 0,
                second_subjects: 0,
            });
            match side {
                0 => (entry.first_new, entry.first_subjects) = (r.new_actions, r.subjects_affected),
                _ => {
                    (entry.second_new, entry.second_subjects) = (r.new_actions, r.subjects_affected)
                }
            }
        }
    }
    rules.into_values().collect()
}

/// "From 2024-01 to 2026-10, "B" asks, compared with "A", for 14 more "Root-cause review"
/// actions (`second_month`: 31 against 17), for 9 more subjects (22 against 13); ... Month by
/// month, ..." (the five rules that differ most), with the policies called the first and the
/// second when they share a name.
fn comparison_paragraph(c: &Comparison, from: Month, to: Month) -> String {
    // Two versions of one policy often share its name: then they are told apart by place.
    let (first, second, named) = match c.first == c.second {
        true => (
            "the first policy".to_string(),
            "the second policy".to_string(),
            format!("Both policies are named \"{}\". ", c.first),
        ),
        false => (
            format!("\"{}\"", c.first),
            format!("\"{}\"", c.second),
            String::new(),
        ),
    };
    let mut changed: Vec<&RuleDifference> = c
        .rules
        .iter()
        .filter(|r| r.first_new != r.second_new || r.first_subjects != r.second_subjects)
        .collect();
    if changed.is_empty() && c.only_first == 0 && c.only_second == 0 {
        return format!(
            "{named}From {from} to {to}, {first} and {second} require exactly the same actions."
        );
    }
    changed.sort_by_key(|r| std::cmp::Reverse(r.first_new.abs_diff(r.second_new)));
    let sentences: Vec<String> = changed
        .iter()
        .take(5)
        .map(|r| {
            format!(
                "{} \"{}\" {} (`{}`: {} against {}), {}",
                difference(r.first_new, r.second_new),
                r.title,
                plural(r.first_new.abs_diff(r.second_new), "action", "actions"),
                r.rule,
                r.second_new,
                r.first_new,
                subjects_difference(r.first_subjects, r.second_subjects)
            )
        })
        .collect();
    let actions = |n: usize| format!("{n} {}", plural(n, "action", "actions"));
    format!(
        "{named}From {from} to {to}, {second} asks, compared with {first}, for {}. Month by \
         month, {} {} required only by {second} and {} only by {first}.",
        join_sentences(&sentences),
        actions(c.only_second),
        plural(c.only_second, "is", "are"),
        actions(c.only_first),
    )
}

/// `one` after a difference of 1, `many` after any other.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    match n {
        1 => one,
        _ => many,
    }
}

/// "for 9 more subjects (31 against 22)", or "for the same number of subjects (22)".
fn subjects_difference(first: usize, second: usize) -> String {
    match first == second {
        true => format!("for the same number of subjects ({first})"),
        false => format!(
            "for {} {} ({second} against {first})",
            difference(first, second),
            plural(first.abs_diff(second), "subject", "subjects")
        ),
    }
}

/// "14 more", "3 fewer" or "as many".
fn difference(first: usize, second: usize) -> String {
    match second.cmp(&first) {
        std::cmp::Ordering::Greater => format!("{} more", second - first),
        std::cmp::Ordering::Less => format!("{} fewer", first - second),
        std::cmp::Ordering::Equal => "as many".to_string(),
    }
}

fn join_sentences(parts: &[String]) -> String {
    match parts {
        [] => "no different actions".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}; and {last}", init.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A comparison of two policies whose rule `r` differs by one new action and one subject.
    fn one_apart(first: &str, second: &str) -> Comparison {
        Comparison {
            first: first.to_string(),
            second: second.to_string(),
            only_first: 1,
            only_second: 2,
            months: Vec::new(),
            rules: vec![RuleDifference {
                rule: "r".to_string(),
                title: "Rule".to_string(),
                first_new: 3,
                second_new: 4,
                first_subjects: 2,
                second_subjects: 3,
            }],
            summary: String::new(),
        }
    }

    #[test]
    fn a_difference_or_count_of_one_is_singular() {
        let (from, to) = ("2026-01".parse().unwrap(), "2026-03".parse().unwrap());
        assert_eq!(
            comparison_paragraph(&one_apart("A", "B"), from, to),
            "From 2026-01 to 2026-03, \"B\" asks, compared with \"A\", for 1 more \"Rule\" action \
             (`r`: 4 against 3), for 1 more subject (3 against 2). Month by month, 2 actions are \
             required only by \"B\" and 1 action only by \"A\"."
        );
        let mut single = one_apart("A", "A");
        single.only_second = 1;
        assert_eq!(
            comparison_paragraph(&single, from, to),
            "Both policies are named \"A\". From 2026-01 to 2026-03, the second policy asks, \
             compared with the first policy, for 1 more \"Rule\" action (`r`: 4 against 3), for \
             1 more subject (3 against 2). Month by month, 1 action is required only by the \
             second policy and 1 action only by the first policy."
        );
    }
}

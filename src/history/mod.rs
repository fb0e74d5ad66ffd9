//! Replaying a policy over past months: what it would have asked for, month by month, which
//! actions were new and which continued, what stopped being required and why; compared with
//! a second policy, and with what was actually done.
//!
//! The data is loaded once; each month is an ordinary evaluation (its decision date the
//! month's last day), so a backtest month always agrees with `eval --as-of` that month.

mod actual;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::data::Dataset;
use crate::eval::{explain, Action, EvalOptions, Evaluation, Outcome, Undecided};
use crate::month::Month;
use crate::policy::Policy;

pub use actual::{load_actual, ActualAction, ActualError, ActualErrors};

/// The replay of a policy over a range of months.
#[derive(Clone, Debug, Serialize)]
pub struct Backtest {
    /// The policy's name.
    pub policy: String,
    /// The first month replayed.
    pub from: Month,
    /// The last month replayed.
    pub to: Month,
    /// Each month, oldest first.
    pub months: Vec<BacktestMonth>,
    /// Counts per rule over the range.
    pub summary: Summary,
}

/// One month of a backtest.
#[derive(Clone, Debug, Serialize)]
pub struct BacktestMonth {
    /// The month.
    pub as_of: Month,
    /// Its decision date (the month's last day).
    pub decided_on: chrono::NaiveDate,
    /// Exactly what `eval` gives for the month, each with its status.
    pub actions: Vec<BacktestAction>,
    /// The previous month's actions that are no longer required, and why.
    pub resolved: Vec<Resolved>,
    /// The rules left undecided for lack of data.
    pub undecided: Vec<Undecided>,
}

/// An action of a backtest month.
#[derive(Clone, Debug, Serialize)]
pub struct BacktestAction {
    /// The action, as `eval` gives it.
    #[serde(flatten)]
    pub action: Action,
    /// Whether it was already required the month before.
    pub status: Status,
}

/// Whether an action is new this month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not required the month before.
    New,
    /// Also required the month before.
    Continuing,
}

/// An action required the month before and not this month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The subject.
    pub subject: String,
    /// The rule.
    pub rule: String,
    /// Why it is no longer required.
    pub reason: Reason,
    /// The rule that replaced it, when replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Why an action stopped being required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A rule that now holds replaces it (an escalation, usually).
    Replaced,
    /// Its condition no longer holds.
    NoLongerHolds,
    /// Data it needs is missing this month.
    NowUndecided,
}

/// Counts per rule over the range.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// One entry per rule, in file order.
    pub rules: Vec<RuleSummary>,
    /// New actions over the range, all rules.
    pub new_actions: usize,
    /// Subjects with at least one action in the range.
    pub subjects_affected: usize,
}

/// A rule's history over the range.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSummary {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// New actions in each month of the range, oldest first.
    pub new_per_month: Vec<usize>,
    /// New actions over the range.
    pub new_actions: usize,
    /// Subjects with an action of this rule in the range.
    pub subjects_affected: usize,
    /// The median number of consecutive months an action stays required (an action still
    /// required in the last month counts the months seen so far); `None` with no actions.
    pub median_months_open: Option<f64>,
}

/// Replays `policy` on `data` for every month from `from` to `to`. `progress` is told after
/// each month (for a progress bar).
pub fn backtest(
    policy: &Policy,
    data: &Dataset,
    from: Month,
    to: Month,
    progress: &dyn Fn(usize),
) -> Backtest {
    let options = EvalOptions::default();
    let mut previous = policy.evaluate(data, from.offset(-1), &options);
    let mut months = Vec::new();
    for (done, month) in month_range(from, to).enumerate() {
        let evaluation = policy.evaluate(data, month, &options);
        months.push(compare_with_previous(policy, data, &previous, &evaluation));
        previous = evaluation;
        progress(done + 1);
    }
    let summary = summarise(policy, &months);
    Backtest {
        policy: policy.program().name.clone(),
        from,
        to,
        months,
        summary,
    }
}

/// The months from `from` to `to`, inclusive.
pub fn month_range(from: Month, to: Month) -> impl Iterator<Item = Month> {
    (0..=to.months_since(from).max(-1)).map(move |i| from.offset(i))
}

fn key(action: &Action) -> (&str, &str) {
    (action.subject.as_str(), action.rule.as_str())
}

fn compare_with_previous(
    policy: &Policy,
    data: &Dataset,
    previous: &Evaluation,
    current: &Evaluation,
) -> BacktestMonth {
    let before: HashSet<(&str, &str)> = previous.actions.iter().map(key).collect();
    let now: HashSet<(&str, &str)> = current.actions.iter().map(key).collect();
    let actions = current
        .actions
        .iter()
        .map(|a| BacktestAction {
            action: a.clone(),
            status: match before.contains(&key(a)) {
                true => Status::Continuing,
                false => Status::New,
            },
        })
        .collect();
    let resolved = previous
        .actions
        .iter()
        .filter(|a| !now.contains(&key(a)))
        .map(|a| why_resolved(policy, data, current.as_of, a))
        .collect();
    BacktestMonth {
        as_of: current.as_of,
        decided_on: current.decided_on,
        actions,
        resolved,
        undecided: current.undecided.clone(),
    }
}

fn why_resolved(policy: &Policy, data: &Dataset, month: Month, action: &Action) -> Resolved {
    let program = policy.program();
    let outcome = explain(
        program,
        data,
        month,
        &EvalOptions::default(),
        &action.subject,
        Some(&action.rule),
        action.case.as_deref(),
    )
    .ok()
    .and_then(|e| e.rules.into_iter().next());
    let (reason, replaced_by) = match outcome {
        Some(rule) if rule.outcome == Outcome::Replaced => (Reason::Replaced, rule.replaced_by),
        Some(rule) if rule.outcome == Outcome::Undecided => (Reason::NowUndecided, None),
        _ => (Reason::NoLongerHolds, None),
    };
    Resolved {
        subject: action.subject.clone(),
        rule: action.rule.clone(),
        reason,
        replaced_by,
    }
}

fn summarise(policy: &Policy, months: &[BacktestMonth]) -> Summary {
    let rules = &policy.program().rules;
    let mut per_rule: Vec<RuleSummary> = rules
        .iter()
        .map(|r| RuleSummary {
            rule: r.id.clone(),
            title: r.title.clone(),
            new_per_month: vec![0; months.len()],
            new_actions: 0,
            subjects_affected: 0,
            median_months_open: None,
        })
        .collect();
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut subjects_per_rule: Vec<HashSet<&str>> = vec![HashSet::new(); rules.len()];
    let mut all_subjects: HashSet<&str> = HashSet::new();
    for (m, month) in months.iter().enumerate() {
        for a in &month.actions {
            let r = index[a.action.rule.as_str()];
            if a.status == Status::New {
                per_rule[r].new_per_month[m] += 1;
            }
            subjects_per_rule[r].insert(&a.action.subject);
            all_subjects.insert(&a.action.subject);
        }
    }
    for (r, lengths) in episode_lengths(months, &index, rules.len())
        .into_iter()
        .enumerate()
    {
        per_rule[r].median_months_open = median(lengths);
        per_rule[r].new_actions = per_rule[r].new_per_month.iter().sum();
        per_rule[r].subjects_affected = subjects_per_rule[r].len();
    }
    Summary {
        new_actions: per_rule.iter().map(|r| r.new_actions).sum(),
        subjects_affected: all_subjects.len(),
        rules: per_rule,
    }
}

/// For each rule, the lengths (in months) of each run of consecutive months an action stayed
/// required, including runs already open in the first month.
fn episode_lengths(
    months: &[BacktestMonth],
    index: &HashMap<&str, usize>,
    rules: usize,
) -> Vec<Vec<usize>> {
    let mut open: HashMap<(&str, &str), usize> = HashMap::new();
    let mut lengths: Vec<Vec<usize>> = vec![Vec::new(); rules];
    for month in months {
        let now: HashSet<(&str, &str)> = month.actions.iter().map(|a| key(&a.action)).collect();
        open.retain(|k, length| {
            let still_open = now.contains(k);
            if !still_open {
                lengths[index[k.1]].push(*length);
            }
            still_open
        });
        for k in now {
            *open.entry(k).or_insert(0) += 1;
        }
    }
    for ((_, rule), length) in open {
        lengths[index[rule]].push(length);
    }
    lengths
}

fn median(mut values: Vec<usize>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(match values.len() % 2 {
        1 => values[mid] as f64,
        _ => (values[mid - 1] + values[mid]) as f64 / 2.0,
    })
}

/// The differences between two policies' histories over the same months.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The first policy's name.
    pub first: String,
    /// The second policy's name.
    pub second: String,
    /// Each month: the actions only one of the two requires.
    pub months: Vec<MonthDifference>,
    /// Per rule over the range: new actions under each policy, and subjects affected.
    pub rules: Vec<RuleDifference>,
    /// Actions (subject, rule, month) only the first requires, over the range.
    pub only_first: usize,
    /// Actions only the second requires, over the range.
    pub only_second: usize,
    /// A paragraph for people.
    pub summary: String,
}

/// One month of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct MonthDifference {
    /// The month.
    pub as_of: Month,
    /// (subject, rule) required only by the first policy.
    pub only_first: Vec<SubjectRule>,
    /// (subject, rule) required only by the second policy.
    pub only_second: Vec<SubjectRule>,
}

/// A subject and a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SubjectRule {
    /// The subject.
    pub subject: String,
    /// The rule.
    pub rule: String,
}

/// A rule's counts under each policy.
#[derive(Clone, Debug, Serialize)]
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

/// Compares two backtests over the same months.
pub fn compare(first: &Backtest, second: &Backtest) -> Comparison {
    let pairs = |m: &BacktestMonth| -> HashSet<SubjectRule> {
        m.actions
            .iter()
            .map(|a| SubjectRule {
                subject: a.action.subject.clone(),
                rule: a.action.rule.clone(),
            })
            .collect()
    };
    let months: Vec<MonthDifference> = first
        .months
        .iter()
        .zip(&second.months)
        .map(|(a, b)| {
            let (pa, pb) = (pairs(a), pairs(b));
            let mut only_first: Vec<SubjectRule> = pa.difference(&pb).cloned().collect();
            let mut only_second: Vec<SubjectRule> = pb.difference(&pa).cloned().collect();
            only_first.sort();
            only_second.sort();
            MonthDifference {
                as_of: a.as_of,
                only_first,
                only_second,
            }
        })
        .collect();
    let rules = rule_differences(first, second);
    let mut comparison = Comparison {
        first: first.policy.clone(),
        second: second.policy.clone(),
        only_first: months.iter().map(|m| m.only_first.len()).sum(),
        only_second: months.iter().map(|m| m.only_second.len()).sum(),
        months,
        rules,
        summary: String::new(),
    };
    comparison.summary = comparison_paragraph(&comparison, first.from, first.to);
    comparison
}

fn rule_differences(first: &Backtest, second: &Backtest) -> Vec<RuleDifference> {
    let mut rules: BTreeMap<usize, RuleDifference> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (side, backtest) in [first, second].into_iter().enumerate() {
        for r in &backtest.summary.rules {
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

/// "Over 2024-01 to 2026-10, the second policy asks for 14 more `Root-cause review` actions
/// (second_month), for 9 more subjects; ..."
fn comparison_paragraph(c: &Comparison, from: Month, to: Month) -> String {
    let mut changed: Vec<&RuleDifference> = c
        .rules
        .iter()
        .filter(|r| r.first_new != r.second_new || r.first_subjects != r.second_subjects)
        .collect();
    if changed.is_empty() && c.only_first == 0 && c.only_second == 0 {
        return format!(
            "From {from} to {to}, \"{}\" and \"{}\" require exactly the same actions.",
            c.first, c.second
        );
    }
    changed.sort_by_key(|r| std::cmp::Reverse(r.first_new.abs_diff(r.second_new)));
    let sentences: Vec<String> = changed
        .iter()
        .take(5)
        .map(|r| {
            format!(
                "{} \"{}\" actions (`{}`: {} against {}), {}",
                difference(r.first_new, r.second_new),
                r.title,
                r.rule,
                r.second_new,
                r.first_new,
                subjects_difference(r.first_subjects, r.second_subjects)
            )
        })
        .collect();
    format!(
        "From {from} to {to}, \"{}\" asks, compared with \"{}\", for {}. Month by month, {} actions are required only by \"{}\" and {} only by \"{}\".",
        c.second,
        c.first,
        join_sentences(&sentences),
        c.only_second,
        c.second,
        c.only_first,
        c.first
    )
}

/// "for 9 more subjects (31 against 22)", or "for the same number of subjects (22)".
fn subjects_difference(first: usize, second: usize) -> String {
    match first == second {
        true => format!("for the same number of subjects ({first})"),
        false => format!(
            "for {} subjects ({second} against {first})",
            difference(first, second)
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

/// How the policy's history agrees with what was actually done.
#[derive(Clone, Debug, Serialize)]
pub struct Agreement {
    /// Per rule.
    pub rules: Vec<RuleAgreement>,
    /// Required actions done in the same or the next month, all rules.
    pub done: usize,
    /// Required and not done.
    pub not_done: usize,
    /// Done and not required.
    pub not_required: usize,
    /// done / (done + not done + done but not required), as a percentage.
    pub agreement_percent: f64,
}

/// Agreement for one rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleAgreement {
    /// The rule.
    pub rule: String,
    /// New actions the policy required that were done in the same or the next month.
    pub done: usize,
    /// New actions the policy required that were not done.
    pub not_done: usize,
    /// Actions done that the policy did not require.
    pub not_required: usize,
    /// done / (done + not done + not required), as a percentage; `None` when all are 0.
    pub agreement_percent: Option<f64>,
    /// The required-but-not-done actions.
    pub missed: Vec<SubjectMonth>,
    /// The done-but-not-required actions.
    pub unrequired: Vec<SubjectMonth>,
}

/// A subject in a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectMonth {
    /// The subject.
    pub subject: String,
    /// The month.
    pub period: Month,
}

/// Compares the backtest's new actions with what was done. A required action counts as done
/// when the file has the same subject and rule in the month it became required or the next.
pub fn agreement(backtest: &Backtest, actual: &[ActualAction]) -> Agreement {
    let in_range = |m: Month| m >= backtest.from && m <= backtest.to;
    let mut unused: Vec<bool> = actual.iter().map(|a| in_range(a.period)).collect();
    let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, a) in actual.iter().enumerate() {
        by_key
            .entry((a.subject.as_str(), a.rule.as_str()))
            .or_default()
            .push(i);
    }
    let mut rules: Vec<RuleAgreement> = backtest
        .summary
        .rules
        .iter()
        .map(|r| RuleAgreement {
            rule: r.rule.clone(),
            done: 0,
            not_done: 0,
            not_required: 0,
            agreement_percent: None,
            missed: Vec::new(),
            unrequired: Vec::new(),
        })
        .collect();
    for month in &backtest.months {
        for a in month.actions.iter().filter(|a| a.status == Status::New) {
            let Some(r) = rules.iter().position(|r| r.rule == a.action.rule) else {
                continue;
            };
            let matched = by_key.get(&key(&a.action)).and_then(|candidates| {
                candidates.iter().copied().find(|&i| {
                    unused[i]
                        && (actual[i].period == month.as_of
                            || actual[i].period == month.as_of.offset(1))
                })
            });
            match matched {
                Some(i) => {
                    unused[i] = false;
                    rules[r].done += 1;
                }
                None => {
                    rules[r].not_done += 1;
                    rules[r].missed.push(SubjectMonth {
                        subject: a.action.subject.clone(),
                        period: month.as_of,
                    });
                }
            }
        }
    }
    for a in actual
        .iter()
        .zip(&unused)
        .filter(|(_, u)| **u)
        .map(|(a, _)| a)
    {
        if let Some(r) = rules.iter().position(|r| r.rule == a.rule) {
            rules[r].not_required += 1;
            rules[r].unrequired.push(SubjectMonth {
                subject: a.subject.clone(),
                period: a.period,
            });
        }
    }
    for r in &mut rules {
        r.agreement_percent = percent(r.done, r.done + r.not_done + r.not_required);
    }
    let done = rules.iter().map(|r| r.done).sum();
    let not_done = rules.iter().map(|r| r.not_done).sum();
    let not_required = rules.iter().map(|r| r.not_required).sum();
    Agreement {
        agreement_percent: percent(done, done + not_done + not_required).unwrap_or(100.0),
        rules,
        done,
        not_done,
        not_required,
    }
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

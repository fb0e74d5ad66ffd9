//! Replaying a policy over past months: what it would have asked for, month by month, which
//! actions were new and which continued, what stopped being required and why; compared with
//! a second policy, and with what was actually done.
//!
//! The data is loaded once; each month is an ordinary evaluation (its decision date the
//! month's last day), so a backtest month always agrees with `eval --as-of` that month.

mod actual;
mod agreement;
mod comparison;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::eval::{explain, Action, EvalOptions, Evaluation, Outcome, Undecided};
use crate::month::Month;
use crate::policy::Policy;

pub use actual::{load_actual, ActualAction};
pub use agreement::{agreement, Agreement, RuleAgreement, SubjectMonth};
pub use comparison::{compare, Comparison, MonthDifference, RuleDifference, SubjectRule};

/// The replay of a policy over a range of months.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
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
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
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
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BacktestAction {
    /// The action, as `eval` gives it.
    #[serde(flatten)]
    pub action: Action,
    /// Whether it was already required the month before.
    pub status: Status,
}

/// Whether an action is new this month.
///
/// See the example of [`backtest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not required the month before.
    New,
    /// Also required the month before.
    Continuing,
}

/// An action required the month before and not this month.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The subject.
    pub subject: String,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The rule.
    pub rule: String,
    /// The case, for a rule evaluated for each case (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Why it is no longer required.
    pub reason: Reason,
    /// The rule that replaced it, when replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Why an action stopped being required.
///
/// See the example of [`backtest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A rule that now holds replaces it (an escalation, usually).
    Replaced,
    /// Its condition no longer holds.
    NoLongerHolds,
    /// Data it needs is missing this month.
    NowUndecided,
    /// Its case was closed by the month's decision date.
    CaseClosed,
}

/// Counts per rule over the range.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// One entry per rule, in file order.
    pub rules: Vec<RuleSummary>,
    /// New actions over the range, all rules.
    pub new_actions: usize,
    /// Subjects with at least one action in the range.
    pub subjects_affected: usize,
}

/// A rule's history over the range.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
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
/// each month (for a progress bar). Each month is what [`Policy::evaluate`] gives for it,
/// each action marked new or continuing, with the actions of the month before that are no
/// longer required and why.
///
/// ```
/// use escalate::{ActionStatus, ResolvedReason};
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
/// let [sep, oct] = &backtest.months[..] else { panic!() };
/// let status = |m: &escalate::BacktestMonth, subject: &str| {
///     m.actions.iter().find(|a| a.action.subject == subject).map(|a| a.status)
/// };
/// // c1 was already required in August; c2 is new in September.
/// assert_eq!(status(sep, "c1"), Some(ActionStatus::Continuing));
/// assert_eq!(status(sep, "c2"), Some(ActionStatus::New));
/// assert_eq!(status(oct, "c2"), Some(ActionStatus::Continuing));
/// assert_eq!((oct.resolved[0].subject.as_str(), oct.resolved[0].reason), ("c1", ResolvedReason::NoLongerHolds));
/// let rule = &backtest.summary.rules[0];
/// assert_eq!((rule.new_per_month.as_slice(), backtest.summary.new_actions), (&[1, 0][..], 1));
/// ```
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

/// What identifies an action from month to month: its subject, its rule and, for a rule
/// evaluated for each case, its case.
pub type ActionKey<'a> = (&'a str, &'a str, Option<&'a str>);

/// The key of an action: an action of another case is another action.
pub fn key(action: &Action) -> ActionKey<'_> {
    (
        action.subject.as_str(),
        action.rule.as_str(),
        action.case.as_deref(),
    )
}

fn compare_with_previous(
    policy: &Policy,
    data: &Dataset,
    previous: &Evaluation,
    current: &Evaluation,
) -> BacktestMonth {
    let before: HashSet<ActionKey> = previous.actions.iter().map(key).collect();
    let now: HashSet<ActionKey> = current.actions.iter().map(key).collect();
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
        .map(|a| why_resolved(policy, data, current, a))
        .collect();
    BacktestMonth {
        as_of: current.as_of,
        decided_on: current.decided_on,
        actions,
        resolved,
        undecided: current.undecided.clone(),
    }
}

/// Why `action`, required the month before, is not required in the month of `current`:
/// replaced, its case closed, now undecided, or its condition no longer holds.
fn why_resolved(
    policy: &Policy,
    data: &Dataset,
    current: &Evaluation,
    action: &Action,
) -> Resolved {
    let program = policy.program();
    let outcome = explain(
        program,
        data,
        current.as_of,
        &EvalOptions::default(),
        &action.subject,
        Some(&action.rule),
        action.case.as_deref(),
    )
    .ok()
    .and_then(|e| e.rules.into_iter().next());
    let closed = action
        .case
        .as_deref()
        .is_some_and(|case| case_closed_by(data, &action.subject, case, current.decided_on));
    let (reason, replaced_by) = match outcome {
        Some(rule) if rule.outcome == Outcome::Replaced => (Reason::Replaced, rule.replaced_by),
        _ if closed => (Reason::CaseClosed, None),
        Some(rule) if rule.outcome == Outcome::Undecided => (Reason::NowUndecided, None),
        _ => (Reason::NoLongerHolds, None),
    };
    Resolved {
        subject: action.subject.clone(),
        subject_name: action.subject_name.clone(),
        rule: action.rule.clone(),
        case: action.case.clone(),
        reason,
        replaced_by,
    }
}

/// Whether the subject's case `case` was closed on or before `date`.
fn case_closed_by(data: &Dataset, subject: &str, case: &str, date: chrono::NaiveDate) -> bool {
    data.subject_index(subject).is_some_and(|s| {
        data.cases(s)
            .any(|(_, c)| &*c.id == case && c.closed_on.is_some_and(|d| d <= date))
    })
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
    let mut open: HashMap<ActionKey, usize> = HashMap::new();
    let mut lengths: Vec<Vec<usize>> = vec![Vec::new(); rules];
    for month in months {
        let now: HashSet<ActionKey> = month.actions.iter().map(|a| key(&a.action)).collect();
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
    for ((_, rule, _), length) in open {
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

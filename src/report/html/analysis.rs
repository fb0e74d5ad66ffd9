//! What the page draws, worked out from the backtest, the policy and the data: the thresholds
//! each metric is compared with, the subjects to draw, each subject's actions starting and
//! ending, and for a policy with cases, the cases open and the missed deadlines each month.

use std::collections::{BTreeMap, HashMap};

use crate::data::Dataset;
use crate::eval::{explain, Action, DeadlineState, EvalOptions, Evidence, Outcome};
use crate::history::{Backtest, BacktestMonth, Status, Summary};
use crate::month::Month;
use crate::number::Figure;
use crate::program::{CmpOp, Expr, ExprKind, Program};
use crate::report::backtest::{for_case, reason_words};
use crate::report::format_float as format_number;
use crate::schema::MetricKind;

/// How many subjects get a timeline when none are chosen.
const DEFAULT_TIMELINES: usize = 12;

// ------------------------------------------------------------------------- thresholds

/// A number the policy compares a metric with: `metric op value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// The comparison, with the metric on the left.
    pub op: CmpOp,
    /// The number.
    pub value: f64,
}

/// For each metric (by position in the schema), the distinct thresholds the policy compares
/// it with, in the order first written: in the rules marked in `rules` (by position), and in
/// every grade.
pub(super) fn thresholds_of_rules(program: &Program, rules: &[bool]) -> Vec<Vec<Threshold>> {
    let mut found = vec![Vec::new(); program.schema.metrics.len()];
    let rules = program
        .rules
        .iter()
        .zip(rules)
        .filter(|(_, &counted)| counted)
        .flat_map(|(r, _)| r.applies_to.iter().chain([&r.when]));
    let arms = program
        .grades
        .iter()
        .flat_map(|g| g.arms.iter().filter_map(|a| a.condition.as_ref()));
    for expr in rules.chain(arms) {
        collect_thresholds(expr, &mut found);
    }
    found
}

/// For each rule (by position), whether it applies to the subject in some month of the
/// range: a rule whose `applies to` excludes the subject every month (a GP-only rule, for a
/// pharmacist) has no business drawing its thresholds on the subject's charts.
pub(super) fn rules_applying(
    b: &Backtest,
    program: &Program,
    data: &Dataset,
    subject: &str,
) -> Vec<bool> {
    let mut applying: Vec<bool> = program
        .rules
        .iter()
        .map(|r| r.applies_to.is_none() && r.for_each.is_none())
        .collect();
    if applying.iter().all(|&a| a) {
        return applying;
    }
    for month in &b.months {
        let Ok(explanation) = explain(
            program,
            data,
            month.as_of,
            &EvalOptions::default(),
            subject,
            None,
            None,
        ) else {
            break;
        };
        for rule in explanation.rules {
            if rule.outcome != Outcome::DoesNotApply {
                if let Some(index) = program.rule_index(&rule.rule) {
                    applying[index] = true;
                }
            }
        }
    }
    applying
}

fn collect_thresholds(expr: &Expr, found: &mut Vec<Vec<Threshold>>) {
    if let ExprKind::Compare(op, a, b) = &expr.kind {
        if let Some((metric, threshold)) = metric_against_number(*op, a, b) {
            if let Some(list) = found.get_mut(metric) {
                if !list.contains(&threshold) {
                    list.push(threshold);
                }
            }
        }
    }
    for child in children(expr) {
        collect_thresholds(child, found);
    }
}

/// `metric op number` or `number op metric`, written with the metric on the left.
fn metric_against_number(op: CmpOp, a: &Expr, b: &Expr) -> Option<(usize, Threshold)> {
    match (&a.kind, &b.kind) {
        (ExprKind::Metric(m), ExprKind::Number(value)) => Some((
            *m,
            Threshold {
                op,
                value: Figure::from(*value).to_f64(),
            },
        )),
        (ExprKind::Number(value), ExprKind::Metric(m)) => Some((
            *m,
            Threshold {
                op: op.flipped(),
                value: Figure::from(*value).to_f64(),
            },
        )),
        _ => None,
    }
}

fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::For(x, _) | ExprKind::InKOfN(x, _, _) => {
            vec![x]
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b) => vec![a, b],
        ExprKind::InList(x, items) => std::iter::once(&**x).chain(items).collect(),
        ExprKind::Concerns {
            filter: Some(f), ..
        } => vec![f],
        _ => Vec::new(),
    }
}

/// `< 80%`, `>= 20`.
pub(super) fn threshold_text(threshold: &Threshold, kind: MetricKind) -> String {
    let unit = if kind == MetricKind::Percent { "%" } else { "" };
    format!(
        "{} {}{unit}",
        threshold.op.symbol(),
        format_number(threshold.value)
    )
}

// ------------------------------------------------------------------------ timelines

/// The subjects to draw: those asked for (once each, in order), or else the subjects with the
/// most new actions (ties by id), at most [`DEFAULT_TIMELINES`]. `new_actions` gives the
/// subject of each new action of the range.
pub(super) fn chosen_subjects<'s>(
    new_actions: impl Iterator<Item = &'s str>,
    asked: &[String],
) -> Vec<String> {
    if !asked.is_empty() {
        let mut chosen: Vec<String> = Vec::new();
        for s in asked {
            if !chosen.contains(s) {
                chosen.push(s.clone());
            }
        }
        return chosen;
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for subject in new_actions {
        *counts.entry(subject).or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    ranked
        .into_iter()
        .take(DEFAULT_TIMELINES)
        .map(|(s, _)| s.to_string())
        .collect()
}

/// An action starting or ending for one subject.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Event {
    /// The month's position in the range.
    pub month: usize,
    /// The rule's position in file order.
    pub rule: usize,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's title.
    pub title: String,
    /// The case, for a rule evaluated for each case.
    pub case: Option<String>,
    /// `None` when the action started; why it ended otherwise.
    pub ended: Option<String>,
}

impl Event {
    /// "“Call-backs below 80% this month”", or "“Plan overdue” for case psr-01".
    pub fn action(&self) -> String {
        format!("“{}”{}", self.title, for_case(self.case.as_deref()))
    }
}

/// The subject's actions starting and ending, month by month: in each month those that
/// started, then those that ended.
pub(super) fn subject_events(b: &Backtest, subject: &str) -> Vec<Event> {
    let rule_index: HashMap<&str, usize> = b
        .summary
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rule.as_str(), i))
        .collect();
    let title = |rule: &str| {
        rule_index
            .get(rule)
            .map_or(rule.to_string(), |&i| b.summary.rules[i].title.clone())
    };
    let mut events = Vec::new();
    for (m, month) in b.months.iter().enumerate() {
        let started = month
            .actions
            .iter()
            .filter(|a| a.action.subject == subject && a.status == Status::New)
            .map(|a| (a.action.rule.as_str(), &a.action.case, None));
        let ended = month
            .resolved
            .iter()
            .filter(|r| r.subject == subject)
            .map(|r| {
                (
                    r.rule.as_str(),
                    &r.case,
                    Some(reason_words(
                        r.reason,
                        r.replaced_by
                            .as_deref()
                            .map(|by| format!("“{}”", title(by)))
                            .as_deref(),
                    )),
                )
            });
        for (rule, case, ended) in started.chain(ended) {
            events.push(Event {
                month: m,
                rule: rule_index.get(rule).copied().unwrap_or(0),
                rule_id: rule.to_string(),
                title: title(rule),
                case: case.clone(),
                ended,
            });
        }
    }
    events
}

/// How many events fall in the busiest month (at least 1, so the strip always shows).
pub(super) fn busiest_month(events: &[Event]) -> usize {
    let mut per_month: HashMap<usize, usize> = HashMap::new();
    for e in events {
        *per_month.entry(e.month).or_default() += 1;
    }
    per_month.values().copied().max().unwrap_or(0).max(1)
}

/// One action of a subject, from the month it started (`None`: before the range) to the event
/// that ended it (`None`: still required in the last month).
pub(super) struct Episode<'a> {
    /// The rule's position in file order.
    pub rule: usize,
    /// The rule's id.
    pub rule_id: &'a str,
    /// The case, for a rule evaluated for each case.
    pub case: Option<&'a str>,
    /// The month's position in the range.
    pub start: Option<usize>,
    /// The event that ended it.
    pub end: Option<&'a Event>,
}

impl Episode<'_> {
    /// "2026-07 to 2026-08: replaced by third_month", "in 2026-09: no longer holds",
    /// "from 2026-10, still required".
    pub fn describe(&self, first: Month) -> String {
        let month = |i: usize| first.offset(i as i32).to_string();
        let start = self.start.map_or("before the range".to_string(), month);
        let Some(end) = self.end else {
            return format!("from {start}, still required");
        };
        let why = end.ended.as_deref().unwrap_or_default();
        match end.month.checked_sub(1) {
            Some(last) if self.start == Some(last) => format!("in {start}: {why}"),
            Some(last) => format!("{start} to {}: {why}", month(last)),
            None => format!("before the range: {why}"),
        }
    }
}

/// The subject's actions, each from its start to its end, in the order they started (an
/// action already required before the range first, as it ended).
pub(super) fn episodes(events: &[Event]) -> Vec<Episode<'_>> {
    let mut list: Vec<Episode> = Vec::new();
    for e in events {
        let open = list
            .iter_mut()
            .find(|p| p.rule_id == e.rule_id && p.case == e.case.as_deref() && p.end.is_none());
        match (&e.ended, open) {
            (None, _) => list.push(Episode {
                rule: e.rule,
                rule_id: &e.rule_id,
                case: e.case.as_deref(),
                start: Some(e.month),
                end: None,
            }),
            (Some(_), Some(open)) => open.end = Some(e),
            (Some(_), None) => list.push(Episode {
                rule: e.rule,
                rule_id: &e.rule_id,
                case: e.case.as_deref(),
                start: None,
                end: Some(e),
            }),
        }
    }
    list
}

// ------------------------------------------------------------------------------ cases

/// For each case kind (in file order), how many of its cases were open at each month's
/// decision date.
pub(super) fn open_cases(b: &Backtest, program: &Program, data: &Dataset) -> Vec<Vec<usize>> {
    let mut counts = vec![vec![0; b.months.len()]; program.schema.case_kinds.len()];
    for (subject, _) in data.subjects() {
        for (_, case) in data.cases(subject) {
            let Some(row) = counts.get_mut(case.kind as usize) else {
                continue;
            };
            for (m, month) in b.months.iter().enumerate() {
                if case.is_open_at(month.decided_on) {
                    row[m] += 1;
                }
            }
        }
    }
    counts
}

/// For each rule (in file order), how many of its actions each month cite a missed deadline:
/// one overdue, or met late.
pub(super) fn missed_deadlines(b: &Backtest) -> Vec<Vec<usize>> {
    let mut missed = MissedDeadlines::new(&b.summary, b.months.len());
    for (m, month) in b.months.iter().enumerate() {
        missed.count(m, month);
    }
    missed.counts
}

/// The counts of [`missed_deadlines`], a month at a time.
pub(super) struct MissedDeadlines {
    /// Each rule's position, by id.
    index: HashMap<String, usize>,
    /// For each rule, each month's count.
    pub counts: Vec<Vec<usize>>,
}

impl MissedDeadlines {
    /// No month counted yet, of `months` with the rules of `summary`.
    pub fn new(summary: &Summary, months: usize) -> MissedDeadlines {
        MissedDeadlines {
            index: summary
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.rule.clone(), i))
                .collect(),
            counts: vec![vec![0; months]; summary.rules.len()],
        }
    }

    /// Counts the actions of `month`, the `m`th of the range, that cite a missed deadline.
    pub fn count(&mut self, m: usize, month: &BacktestMonth) {
        for a in month
            .actions
            .iter()
            .filter(|a| cites_missed_deadline(&a.action))
        {
            if let Some(&r) = self.index.get(a.action.rule.as_str()) {
                self.counts[r][m] += 1;
            }
        }
    }
}

/// Whether the action's evidence has a deadline that is overdue or was met late.
pub(super) fn cites_missed_deadline(action: &Action) -> bool {
    action.evidence.iter().any(|e| {
        matches!(e, Evidence::Deadline(d)
            if matches!(d.status, DeadlineState::Overdue | DeadlineState::Late))
    })
}

/// One of a subject's cases, as drawn on its timeline.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CaseRow {
    /// The case id.
    pub id: String,
    /// Its case kind's position in file order.
    pub kind: usize,
    /// For each month of the range, whether the case was open on some day of it.
    pub open: Vec<bool>,
    /// The day it opened.
    pub opened_on: chrono::NaiveDate,
    /// The day it closed, if it has closed.
    pub closed_on: Option<chrono::NaiveDate>,
}

/// The subject's cases open on some day of the range, sorted by kind, then id.
pub(super) fn subject_cases(b: &Backtest, data: &Dataset, subject: &str) -> Vec<CaseRow> {
    let Some(index) = data.subject_index(subject) else {
        return Vec::new();
    };
    data.cases(index)
        .filter_map(|(_, case)| {
            let opened_on = case.opened_on?;
            let open: Vec<bool> = b
                .months
                .iter()
                .map(|m| {
                    opened_on <= m.decided_on
                        && case.closed_on.is_none_or(|c| c >= m.as_of.first_day())
                })
                .collect();
            open.contains(&true).then(|| CaseRow {
                id: case.id.to_string(),
                kind: case.kind as usize,
                open,
                opened_on,
                closed_on: case.closed_on,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(op: CmpOp, value: f64) -> Threshold {
        Threshold { op, value }
    }

    #[test]
    fn thresholds_are_found_inside_for_in_k_of_n_and_not() {
        let policy = crate::policy::Policy::parse(
            "t.policy",
            r#"policy "T"
role ops "Ops"
metric rate "Rate" percent, higher is better
metric calls "Calls" count
metric speed "Speed" number
rule a "A" {
  when (rate < 80% and calls >= 20) for 2 consecutive months
  severity low
  require "x"
  owner ops
  due 5 working days
}
rule b "B" {
  when not (20 > calls) and speed < 2 in 3 of the last 4 months or rate < 80%
  severity low
  require "x"
  owner ops
  due 5 working days
}
"#,
        )
        .unwrap_or_else(|e| panic!("{}", e.render(false)));
        let program = policy.program();
        let found = thresholds_of_rules(program, &vec![true; program.rules.len()]);
        assert_eq!(found[0], vec![threshold(CmpOp::Lt, 80.0)]);
        assert_eq!(
            found[1],
            vec![threshold(CmpOp::Ge, 20.0), threshold(CmpOp::Lt, 20.0)]
        );
        assert_eq!(found[2], vec![threshold(CmpOp::Lt, 2.0)]);
    }

    #[test]
    fn thresholds_are_written_with_the_metric_on_the_left() {
        assert_eq!(CmpOp::Le.flipped(), CmpOp::Ge);
        assert_eq!(
            threshold_text(
                &Threshold {
                    op: CmpOp::Lt,
                    value: 80.0
                },
                MetricKind::Percent
            ),
            "< 80%"
        );
    }
}

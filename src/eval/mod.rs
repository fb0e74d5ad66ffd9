//! Program + dataset + as-of month to required actions: every rule and grade per subject,
//! `replaces` applied, deadlines from the decision date, and the evidence for each action.
//!
//! Subjects are independent, so they are evaluated in parallel (with the `parallel`
//! feature, on by default through `cli`). Each rule is first evaluated
//! with no tracing at all; only the rules that fire or stay undecided are evaluated again,
//! recording what they read, to give their evidence and missing values.

mod displace;
mod events;
mod explain;
mod interp;
mod memo;
mod months;
pub mod trace;
pub mod value;

use std::borrow::Cow;

use chrono::NaiveDate;
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{CaseIndex, Dataset, SubjectIndex};
use crate::diagnostic::DiagnosticRecord;
use crate::month::Month;
use crate::program::{CaseScope, Program, Severity};
use crate::schema::{FieldType, Value};

use displace::ReplacesOrder;
pub use explain::{
    check_subject, explain, ArmExplanation, Explanation, FieldValue, GradeExplanation, LookupError,
    Outcome, RuleExplanation, Step,
};
use interp::Interp;
pub(crate) use memo::Memo;
pub(crate) use months::{
    ActionView, EvidenceView, MonthByMonth, RuleCase, SubjectInMonth, UndecidedView,
};
pub use trace::DeadlineState;
use trace::{DeadlineSeen, EventSeen, NoTrace, Read, Reads};
pub use value::{format_number, Truth};

/// Choices for one evaluation.
///
/// See the example of [`evaluate`].
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The decision date; the last day of the as-of month when `None`.
    pub decided_on: Option<NaiveDate>,
    /// Evaluate only these subject ids; every subject when empty.
    pub subjects: Vec<String>,
    /// Non-working days to add to the policy's calendar (e.g. from `--holidays`).
    pub extra_holidays: Vec<NaiveDate>,
}

/// The result of evaluating a policy for one as-of month (spec §9): the required actions,
/// the rules left undecided for lack of data, and the grades. Its JSON is `escalate eval
/// --format json`'s, and reads back.
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, Evaluation, Evidence, Missing, Policy, Severity};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     role lead "Clinical Lead"
///     metric callback_in_time "Call-backs in time" percent, higher is better
///     grade standing "Standing" {
///       poor when callback_in_time < 80%
///       good otherwise
///     }
///     rule low_callbacks "Call-backs below 80%" {
///       when callback_in_time < 80%
///       severity moderate
///       require "Discuss with the clinician"
///       owner lead
///       due 10 working days
///     }
/// "#).unwrap();
/// // c2 has no figure for October.
/// let csv = "subject,period,callback_in_time\nc1,2026-10,76.5\nc2,2026-09,91\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", csv)),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &Default::default());
///
/// let action = &evaluation.actions[0];
/// assert_eq!((action.subject.as_str(), action.severity), ("c1", Severity::Moderate));
/// assert_eq!(action.owner_name, "Clinical Lead");
/// let Evidence::Metric { metric, value, .. } = &action.evidence[0] else { panic!() };
/// assert_eq!((metric.as_str(), value.to_string()), ("callback_in_time", "76.5".to_string()));
///
/// let undecided = &evaluation.undecided[0];
/// assert_eq!((undecided.subject.as_str(), undecided.rule.as_str()), ("c2", "low_callbacks"));
/// let Missing::Metric { period, .. } = &undecided.missing[0] else { panic!() };
/// assert_eq!(period.to_string(), "2026-10");
///
/// let levels: Vec<_> = evaluation.grades.iter().map(|g| g.level.as_deref()).collect();
/// assert_eq!(levels, [Some("poor"), None]);
///
/// let json = serde_json::to_string(&evaluation).unwrap();
/// let back: Evaluation = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.actions, evaluation.actions);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    /// The policy's name.
    pub policy: String,
    /// The as-of month.
    pub as_of: Month,
    /// The decision date deadlines count from.
    pub decided_on: NaiveDate,
    /// Required actions, by subject id then by the rule's position in the file.
    pub actions: Vec<Action>,
    /// Rules whose condition is unknown for lack of data, in the same order.
    pub undecided: Vec<Undecided>,
    /// Each subject's level of each per-subject grade, in the same order.
    pub grades: Vec<GradeResult>,
    /// How many subjects were evaluated.
    pub subjects_evaluated: usize,
    /// What was read from each data file: rows read, used, rejected and ignored.
    pub data: crate::data::LoadSummary,
    /// Warnings about the policy or the data.
    pub diagnostics: Vec<DiagnosticRecord>,
}

/// One required action.
///
/// See the example of [`Evaluation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The subject's id.
    pub subject: String,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The rule's id.
    pub rule: String,
    /// The case, for a rule evaluated for each case (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The rule's title.
    pub title: String,
    /// The rule's severity.
    pub severity: Severity,
    /// What must be done.
    pub require: String,
    /// The role that owns the action.
    pub owner: String,
    /// The owner's display name.
    pub owner_name: String,
    /// The roles also involved, in the order written.
    pub involve: Vec<String>,
    /// When it is due (`None` only when the deadline falls after the year 9999).
    #[serde(serialize_with = "crate::month::serialize_optional_date")]
    pub due: Option<NaiveDate>,
    /// Rules that fired for this subject and whose actions this one displaced, in file order.
    pub replaces: Vec<String>,
    /// The data that made the condition true.
    pub evidence: Vec<Evidence>,
}

/// A piece of data that made a condition true.
///
/// See the examples of [`Evaluation`] (a metric) and [`EventRecord`](crate::EventRecord)
/// (a deadline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evidence {
    /// A metric's value in a month.
    Metric {
        /// The metric.
        metric: String,
        /// The month.
        period: Month,
        /// Its value, exactly.
        value: crate::number::Figure,
        /// The part of the condition it was read for.
        condition: String,
    },
    /// The deciding number of a comparison (a metric's value, an average, a sum, a count,
    /// arithmetic) and the threshold it was compared with.
    Comparison {
        /// The side with the deciding number, as written (`callback_in_time`,
        /// `average(cases_per_hour over last 2 months)`).
        expression: String,
        /// The month it was computed for.
        period: Month,
        /// Its value, exactly (a fraction that does not end is rounded at 6 places).
        value: crate::number::Figure,
        /// The operator (`<`, `>=`, ...).
        operator: String,
        /// What it was compared with.
        threshold: crate::number::Figure,
        /// Whether the value and the threshold are percentages (absent when not).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        percent: bool,
        /// The whole comparison, or the outermost `not` around it.
        condition: String,
        /// Whether it held (a comparison that did not hold decides through `not`, or a grade
        /// arm not taken).
        holds: bool,
    },
    /// A subject field.
    Field {
        /// The field.
        field: String,
        /// Its value.
        value: String,
    },
    /// The concerns an aggregate counted.
    Concerns {
        /// Their ids.
        concerns: Vec<String>,
        /// The aggregate, or the outermost `not` around it.
        condition: String,
        /// Each concern's id, date raised and summary, in the same order.
        #[serde(default)]
        details: Vec<ConcernEvidence>,
    },
    /// A grade the condition read.
    Grade {
        /// The grade.
        grade: String,
        /// The month graded.
        period: Month,
        /// The level.
        level: String,
    },
    /// An event a reference resolved to, a set contained, or a deadline started or was met by.
    Event {
        /// Its id.
        event: String,
        /// Its kind.
        kind: String,
        /// Its date.
        #[serde(serialize_with = "crate::month::serialize_date")]
        date: NaiveDate,
        /// Its case, for an event of a case.
        #[serde(skip_serializing_if = "Option::is_none")]
        case: Option<String>,
    },
    /// A deadline tested, as it stood on the evaluation date.
    Deadline(Box<DeadlineEvidence>),
}

/// A concern an aggregate counted, as evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConcernEvidence {
    /// Its id.
    pub id: String,
    /// The date it was raised.
    #[serde(serialize_with = "crate::month::serialize_date")]
    pub raised_on: NaiveDate,
    /// What it is about, when the concerns file has a `summary` column (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A deadline as evidence (spec §15).
///
/// See the example of [`EventRecord`](crate::EventRecord).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadlineEvidence {
    /// The declared name; `None` for a deadline written in place.
    pub deadline: Option<String>,
    /// The deadline as written, on one line.
    pub text: String,
    /// The start date (`None` when not armed).
    #[serde(serialize_with = "crate::month::serialize_optional_date")]
    pub start: Option<NaiveDate>,
    /// The start event's id (`None` for a date or when not armed).
    pub start_event: Option<String>,
    /// The due date.
    #[serde(serialize_with = "crate::month::serialize_optional_date")]
    pub due: Option<NaiveDate>,
    /// Met, late, pending, overdue or not armed.
    pub status: DeadlineState,
    /// The awaited event that met it (met or late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_by: Option<String>,
    /// The day it was met (met or late).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::month::serialize_optional_date"
    )]
    pub met_on: Option<NaiveDate>,
    /// Calendar days after the due date it was met (late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_late: Option<i64>,
    /// Calendar days past the due date (overdue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_overdue: Option<i64>,
    /// Working days past the due date (overdue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_days_overdue: Option<i64>,
}

/// A rule left unknown for a subject.
///
/// See the example of [`Evaluation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Undecided {
    /// The subject's id.
    pub subject: String,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The rule's id.
    pub rule: String,
    /// The case, for a rule evaluated for each case (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The values it looked for and did not find.
    pub missing: Vec<Missing>,
}

/// A value a condition needed and did not find.
///
/// See the example of [`Evaluation`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Missing {
    /// A metric in a month.
    Metric {
        /// The metric.
        metric: String,
        /// The month.
        period: Month,
    },
    /// A subject field (the subject has no row in the subjects file, or the cell is empty).
    Field {
        /// The field.
        field: String,
    },
    /// An event reference that found no event of this kind.
    Event {
        /// The kind looked for.
        event_kind: String,
        /// The case looked in, when the kind belongs to the rule's case kind.
        #[serde(skip_serializing_if = "Option::is_none")]
        case: Option<String>,
        /// Always true: no such event is recorded.
        none_recorded: bool,
    },
}

/// A subject's level of a grade.
///
/// See the example of [`Evaluation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradeResult {
    /// The subject's id.
    pub subject: String,
    /// The grade's id.
    pub grade: String,
    /// The level, or `None` when unknown.
    pub level: Option<String>,
    /// For an unknown grade, the values it needed and did not find.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Missing>,
}

/// Everything found for one subject.
#[derive(Default)]
struct SubjectOutcome {
    actions: Vec<Action>,
    undecided: Vec<Undecided>,
    grades: Vec<GradeResult>,
}

/// Evaluates `program` on `data` for the month `as_of`: what [`Policy::evaluate`] does,
/// without adding the checker's warnings and the data's to
/// [`Evaluation::diagnostics`].
///
/// [`Policy::evaluate`]: crate::Policy::evaluate
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, EvalOptions, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     role lead "Clinical Lead"
///     metric callback_in_time "Call-backs in time" percent, higher is better
///     grade standing "Standing" {
///       poor when callback_in_time < 80%
///       good otherwise
///     }
///     rule low_callbacks "Call-backs below 80%" {
///       when callback_in_time < 80%
///       severity moderate
///       require "Discuss with the clinician"
///       owner lead
///       due 10 working days
///     }
/// "#).unwrap();
/// let csv = "subject,period,callback_in_time\nc1,2026-10,76.5\nc2,2026-10,70\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", csv)),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let options = EvalOptions {
///     // Deadlines count from the day of the meeting, not the month's last day...
///     decided_on: Some("2026-11-04".parse().unwrap()),
///     // ...for one subject only...
///     subjects: vec!["c2".into()],
///     // ...and a local holiday is not a working day.
///     extra_holidays: vec!["2026-11-05".parse().unwrap()],
/// };
/// let evaluation = escalate::evaluate(policy.program(), &data, "2026-10".parse().unwrap(), &options);
/// assert_eq!(evaluation.subjects_evaluated, 1);
/// assert_eq!(evaluation.actions[0].subject, "c2");
/// assert_eq!(evaluation.actions[0].due.unwrap().to_string(), "2026-11-19");
/// ```
pub fn evaluate(
    program: &Program,
    data: &Dataset,
    as_of: Month,
    options: &EvalOptions,
) -> Evaluation {
    let decided_on = options.decided_on.unwrap_or_else(|| as_of.last_day());
    let calendar = calendar_for(program, options);
    let subjects = subjects_in_order(data, &options.subjects);
    let order = ReplacesOrder::new(program);
    let run = Run::new(program, data, as_of, decided_on, &calendar, &order);
    #[cfg(feature = "parallel")]
    let outcomes: Vec<SubjectOutcome> = subjects.par_iter().map(|&s| run.subject(s)).collect();
    #[cfg(not(feature = "parallel"))]
    let outcomes: Vec<SubjectOutcome> = subjects.iter().map(|&s| run.subject(s)).collect();
    let mut evaluation = Evaluation {
        policy: program.name.clone(),
        as_of,
        decided_on,
        actions: Vec::new(),
        undecided: Vec::new(),
        grades: Vec::new(),
        subjects_evaluated: subjects.len(),
        data: data.summary().clone(),
        diagnostics: Vec::new(),
    };
    for outcome in outcomes {
        evaluation.actions.extend(outcome.actions);
        evaluation.undecided.extend(outcome.undecided);
        evaluation.grades.extend(outcome.grades);
    }
    evaluation
}

/// For each subject-scoped condition of the program (every grade arm's, then each rule's
/// `applies to` and `when`, in that order), the most steps its evaluation took for any
/// subject in `as_of` (see [`trace::Steps`]). The checker promises that this never exceeds
/// [`crate::check::cost::MAX_CONDITION_STEPS`] outside concern and event filters, whose work
/// grows with the concerns and events examined; tests hold it to that promise
/// (`work_bound_tests.rs`).
#[cfg(test)]
fn condition_steps(program: &Program, data: &Dataset, as_of: Month) -> Vec<u64> {
    let calendar = calendar_for(program, &EvalOptions::default());
    let order = ReplacesOrder::new(program);
    let run = Run::new(program, data, as_of, as_of.last_day(), &calendar, &order);
    let mut conditions: Vec<&crate::program::Expr> = Vec::new();
    for grade in program.grades.iter().filter(|g| !g.per_concern) {
        conditions.extend(grade.arms.iter().filter_map(|arm| arm.condition.as_ref()));
    }
    for rule in program.rules.iter().filter(|r| r.for_each.is_none()) {
        conditions.extend(rule.applies_to.iter());
        conditions.push(&rule.when);
    }
    let mut most = vec![0; conditions.len()];
    for (subject, _) in data.subjects() {
        let interp = run.interp(subject);
        for (condition, most) in conditions.iter().zip(&mut most) {
            let mut steps = trace::Steps::default();
            interp.condition(condition, as_of, None, &mut steps);
            *most = steps.steps.max(*most);
        }
    }
    most
}

/// The policy's calendar with the options' extra holidays.
fn calendar_for<'p>(
    program: &'p Program,
    options: &EvalOptions,
) -> std::borrow::Cow<'p, crate::calendar::Calendar> {
    match options.extra_holidays.is_empty() {
        true => std::borrow::Cow::Borrowed(&program.calendar),
        false => std::borrow::Cow::Owned(
            program
                .calendar
                .clone()
                .with_holidays(options.extra_holidays.iter().copied()),
        ),
    }
}

/// One evaluation of a rule: for the subject, or for one of its cases (spec §13.2).
#[derive(Clone, Copy, Debug)]
struct Instance {
    rule: usize,
    /// The case, for a case-scoped rule whose `applies to` held.
    case: Option<CaseIndex>,
    truth: Truth,
}

/// Every rule's instances for the subject, in file order, then case order.
fn instances(interp: &Interp, data: &Dataset) -> Vec<Instance> {
    let mut found = Vec::new();
    instances_into(interp, data, &mut found);
    found
}

/// [`instances`], into `found` (emptied first), which can be kept from one call to the next.
fn instances_into(interp: &Interp, data: &Dataset, found: &mut Vec<Instance>) {
    found.clear();
    for (index, rule) in interp.program.rules.iter().enumerate() {
        let Some(scope) = rule.for_each else {
            let truth = interp.rule_truth(rule, interp.as_of, None, &mut NoTrace);
            found.push(Instance {
                rule: index,
                case: None,
                truth,
            });
            continue;
        };
        match interp.applies(rule, interp.as_of, &mut NoTrace) {
            Truth::False => {}
            Truth::Unknown => found.push(Instance {
                rule: index,
                case: None,
                truth: Truth::Unknown,
            }),
            Truth::True => {
                for case in cases_visited(data, interp.subject, scope, interp.decided_on) {
                    let truth =
                        interp.condition(&rule.when, interp.as_of, Some(case), &mut NoTrace);
                    found.push(Instance {
                        rule: index,
                        case: Some(case),
                        truth,
                    });
                }
            }
        }
    }
}

/// The cases a `for each` rule visits: of its case kind, opened by the decision date, and
/// still open then for `for each open`.
fn cases_visited(
    data: &Dataset,
    subject: SubjectIndex,
    scope: CaseScope,
    decided_on: NaiveDate,
) -> Vec<CaseIndex> {
    data.cases(subject)
        .filter(|(_, case)| case.kind as usize == scope.case_kind)
        .filter(|(_, case)| match scope.open_only {
            true => case.is_open_at(decided_on),
            false => case.exists_at(decided_on),
        })
        .map(|(index, _)| index)
        .collect()
}

/// Whether one instance's action displaces another's, if its rule replaces the other's: for
/// the same subject, and for the same case when both rules are for each case of one kind.
fn same_target(program: &Program, a: &Instance, b: &Instance) -> bool {
    let scope = |i: &Instance| program.rules[i.rule].for_each.map(|s| s.case_kind);
    match (scope(a), scope(b), a.case, b.case) {
        (Some(x), Some(y), Some(ca), Some(cb)) if x == y => ca == cb,
        _ => true,
    }
}

/// What became of an instance: `displaced` when an instance that held displaces it,
/// `excluded` when the rule's `applies to` leaves the subject out.
fn outcome_for(truth: Truth, displaced: bool, excluded: bool) -> Outcome {
    match (truth, displaced) {
        _ if excluded => Outcome::DoesNotApply,
        (Truth::True | Truth::Unknown, true) => Outcome::Replaced,
        (Truth::True, false) => Outcome::Required,
        (Truth::False, _) => Outcome::NotRequired,
        (Truth::Unknown, false) => Outcome::Undecided,
    }
}

/// The rule whose action the reader sees in place of a displaced instance's: the rule of its
/// displacer, following the chain when that one is itself displaced (first_month by
/// second_month by third_month).
fn seen_instead(
    found: &[Instance],
    displacers: &[Option<usize>],
    position: usize,
) -> Option<usize> {
    let mut by = displacers[position]?;
    while let Some(next) = displacers[by] {
        by = next;
    }
    Some(found[by].rule)
}

/// The subjects to evaluate, ordered by id.
pub(crate) fn subjects_in_order(data: &Dataset, only: &[String]) -> Vec<SubjectIndex> {
    let mut subjects: Vec<SubjectIndex> = match only.is_empty() {
        true => (0..data.subject_count() as SubjectIndex).collect(),
        false => only
            .iter()
            .filter_map(|id| data.subject_index(id))
            .collect(),
    };
    subjects.sort_unstable_by(|a, b| data.subject_id(*a).cmp(data.subject_id(*b)));
    subjects.dedup();
    subjects
}

/// One evaluation's fixed inputs.
struct Run<'a> {
    program: &'a Program,
    data: &'a Dataset,
    as_of: Month,
    decided_on: NaiveDate,
    calendar: &'a crate::calendar::Calendar,
    order: &'a ReplacesOrder,
    /// The texts evidence quotes, when worked out beforehand.
    texts: Option<&'a ConditionTexts>,
}

/// The texts evidence quotes ([`Program::text`] of the parts of conditions), worked out once
/// for a program whose actions are written many times (a backtest) rather than once a piece
/// of evidence: every part [`memo::each_part`] visits of the rules' conditions and the
/// grades' arms.
///
/// Kept sorted by span, and found by a binary search: a piece of evidence looks up one or two
/// texts, and hashing each span cost more than the search.
pub(crate) struct ConditionTexts(Vec<(crate::ast::Span, String)>);

impl ConditionTexts {
    /// The texts of `program`.
    pub fn new(program: &Program) -> ConditionTexts {
        let mut texts = std::collections::HashMap::new();
        let conditions = program
            .rules
            .iter()
            .flat_map(|r| std::iter::once(&r.when).chain(r.applies_to.as_ref()))
            .chain(
                program
                    .grades
                    .iter()
                    .flat_map(|g| g.arms.iter().filter_map(|a| a.condition.as_ref())),
            );
        for condition in conditions {
            memo::each_part(condition, &mut |part| {
                texts
                    .entry(part.span)
                    .or_insert_with(|| program.text(part.span));
            });
        }
        let mut texts: Vec<(crate::ast::Span, String)> = texts.into_iter().collect();
        texts.sort_unstable_by_key(|(span, _)| (span.start, span.end));
        ConditionTexts(texts)
    }

    /// The text of the part of a condition at `span`, if it is one of the program's.
    pub fn get(&self, span: crate::ast::Span) -> Option<&str> {
        let at = self
            .0
            .binary_search_by_key(&(span.start, span.end), |(s, _)| (s.start, s.end))
            .ok()?;
        Some(&self.0[at].1)
    }
}

/// What a read gives as evidence (see [`Run::quoted_evidence`]).
enum Quoted<'a> {
    /// Nothing: a value not found, or a comparison inside a grade.
    Nothing,
    /// A piece of evidence whose texts are the program's.
    Evidence(EvidenceView<'a>),
    /// A read of another kind (concerns, grades, events, deadlines).
    Other,
}

impl<'a> Run<'a> {
    fn new(
        program: &'a Program,
        data: &'a Dataset,
        as_of: Month,
        decided_on: NaiveDate,
        calendar: &'a crate::calendar::Calendar,
        order: &'a ReplacesOrder,
    ) -> Run<'a> {
        Run {
            program,
            data,
            as_of,
            decided_on,
            calendar,
            order,
            texts: None,
        }
    }

    /// The text of a part of a condition, as evidence quotes it: borrowed when worked out
    /// beforehand.
    fn text(&self, span: crate::ast::Span) -> Cow<'a, str> {
        match self.texts.and_then(|t| t.get(span)) {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(self.program.text(span)),
        }
    }

    fn interp(&self, subject: SubjectIndex) -> Interp<'_> {
        Interp {
            program: self.program,
            data: self.data,
            subject,
            as_of: self.as_of,
            decided_on: self.decided_on,
            calendar: self.calendar,
            memo: None,
            deadlines: Default::default(),
        }
    }

    fn subject(&self, subject: SubjectIndex) -> SubjectOutcome {
        let interp = self.interp(subject);
        let found = instances(&interp, self.data);
        let mut displacers = Vec::new();
        self.order.displacers(self.program, &found, &mut displacers);
        let mut outcome = SubjectOutcome::default();
        for (position, instance) in found.iter().enumerate() {
            match outcome_for(instance.truth, displacers[position].is_some(), false) {
                Outcome::Required => {
                    let replaced = self.order.replaced_rules(self.program, &found, position);
                    outcome
                        .actions
                        .push(self.action(&interp, instance, &replaced))
                }
                Outcome::Undecided => outcome.undecided.push(self.undecided(&interp, instance)),
                _ => {}
            }
        }
        outcome.grades = self.grades(&interp);
        outcome
    }

    /// What an instance read, evaluated again with a tracer.
    fn reads(&self, interp: &Interp, instance: &Instance) -> Vec<Read> {
        let rule = &self.program.rules[instance.rule];
        // Room for what a condition usually reads, rather than growing a read at a time.
        let mut reads = Reads {
            reads: Vec::with_capacity(16),
        };
        match (rule.for_each, instance.case) {
            (Some(_), None) => {
                interp.applies(rule, self.as_of, &mut reads);
            }
            (_, case) => {
                interp.rule_truth(rule, self.as_of, case, &mut reads);
            }
        }
        reads.reads
    }

    fn subject_name(&self, subject: SubjectIndex) -> Option<String> {
        self.data.subject_name(subject).map(str::to_string)
    }

    fn case_id(&self, case: Option<CaseIndex>) -> Option<String> {
        case.map(|c| self.data.case(c).id.to_string())
    }

    /// The action of an instance that is required; `replaced`: the rules whose held
    /// instances it displaced, in file order.
    fn action(&self, interp: &Interp, instance: &Instance, replaced: &[usize]) -> Action {
        let evidence = self.evidence(self.reads(interp, instance));
        self.action_with(interp.subject, instance, replaced, evidence)
    }

    /// [`Run::action`] with the evidence given.
    fn action_with(
        &self,
        subject: SubjectIndex,
        instance: &Instance,
        replaced: &[usize],
        evidence: Vec<Evidence>,
    ) -> Action {
        let program = self.program;
        let rule = &program.rules[instance.rule];
        let role = |r: usize| program.roles[r].id.clone();
        Action {
            subject: self.data.subject_id(subject).to_string(),
            subject_name: self.subject_name(subject),
            rule: rule.id.clone(),
            case: self.case_id(instance.case),
            title: rule.title.clone(),
            severity: rule.severity,
            require: rule.require.clone(),
            owner: role(rule.owner),
            owner_name: program.roles[rule.owner].display.clone(),
            involve: rule.involve.iter().map(|&r| role(r)).collect(),
            due: self.calendar.due_date(self.decided_on, rule.due),
            replaces: replaced
                .iter()
                .map(|&d| program.rules[d].id.clone())
                .collect(),
            evidence,
        }
    }

    fn undecided(&self, interp: &Interp, instance: &Instance) -> Undecided {
        let reads = self.reads(interp, instance);
        let missing = missing_values(self.program, self.data, &reads);
        self.undecided_with(interp.subject, instance, missing)
    }

    /// [`Run::undecided`] with the missing values given.
    fn undecided_with(
        &self,
        subject: SubjectIndex,
        instance: &Instance,
        missing: Vec<Missing>,
    ) -> Undecided {
        Undecided {
            subject: self.data.subject_id(subject).to_string(),
            subject_name: self.subject_name(subject),
            rule: self.program.rules[instance.rule].id.clone(),
            case: self.case_id(instance.case),
            missing,
        }
    }

    fn grades(&self, interp: &Interp) -> Vec<GradeResult> {
        let subject = self.data.subject_id(interp.subject);
        self.program
            .grades
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.per_concern)
            .map(|(index, grade)| {
                let level = interp.grade_level(index, self.as_of, &mut NoTrace);
                let missing = match level {
                    Some(_) => Vec::new(),
                    None => {
                        let mut reads = Reads::default();
                        interp.grade_level(index, self.as_of, &mut reads);
                        missing_values(self.program, self.data, &reads.reads)
                    }
                };
                GradeResult {
                    subject: subject.to_string(),
                    grade: grade.id.clone(),
                    level: level.map(|l| grade.levels[l as usize].clone()),
                    missing,
                }
            })
            .collect()
    }

    /// Evidence in the order of spec §15: values read (metrics, fields, concerns, grades) in
    /// the order read, then events by date and id, then deadlines in the order tested; each
    /// once.
    fn evidence(&self, reads: Vec<Read>) -> Vec<Evidence> {
        let program = self.program;
        let mut values: Vec<Evidence> = Vec::new();
        let mut events: Vec<EventSeen> = Vec::new();
        let mut deadlines: Vec<DeadlineSeen> = Vec::new();
        for read in reads {
            let item = match self.quoted_evidence(&read) {
                Quoted::Nothing => continue,
                Quoted::Evidence(view) => view.into(),
                Quoted::Other => match read {
                    Read::Concerns { concerns, context } => Evidence::Concerns {
                        concerns: concerns.iter().map(|c| c.id.to_string()).collect(),
                        condition: self.text(context).into_owned(),
                        details: concerns
                            .into_iter()
                            .map(|c| ConcernEvidence {
                                id: c.id.into(),
                                raised_on: c.raised_on,
                                summary: c.summary.map(Into::into),
                            })
                            .collect(),
                    },
                    Read::Grade {
                        grade,
                        month,
                        level: Some(level),
                    } => Evidence::Grade {
                        grade: program.grades[grade].id.clone(),
                        period: month,
                        level: program.grades[grade].levels[level as usize].clone(),
                    },
                    Read::Event(event) => {
                        events.push(event);
                        continue;
                    }
                    Read::Deadline(deadline) => {
                        if !deadlines.iter().any(|d| d.deadline == deadline.deadline) {
                            deadlines.push(*deadline);
                        }
                        continue;
                    }
                    _ => continue,
                },
            };
            if !values.contains(&item) {
                values.push(item);
            }
        }
        events.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        events.dedup();
        values.extend(events.into_iter().map(|e| self.event_evidence(e)));
        values.extend(deadlines.into_iter().map(|d| self.deadline_evidence(d)));
        values
    }

    /// The evidence a read gives when it is a metric's value, a subject field or a
    /// comparison outside a grade: the kinds whose texts are the program's (nearly all
    /// evidence), so that a backtest can write them without copying ([`MonthByMonth`]).
    fn quoted_evidence(&self, read: &Read) -> Quoted<'a> {
        let program = self.program;
        Quoted::Evidence(match *read {
            Read::Metric {
                metric,
                month,
                value: Some(value),
                context,
            } => EvidenceView::Metric {
                metric: Cow::Borrowed(&program.schema.metrics[metric].id),
                period: month,
                value: value.into(),
                condition: self.text(context),
            },
            Read::Field {
                field,
                value: Some(ref value),
            } => EvidenceView::Field {
                field: Cow::Borrowed(&program.schema.subject_fields[field].name),
                value: value.clone(),
            },
            // A grade's own comparisons are shown as the level it gave, not one by one.
            Read::Comparison { context, .. } if self.inside_grade(context) => {
                return Quoted::Nothing
            }
            Read::Comparison {
                context,
                left,
                percent,
                month,
                op,
                value,
                threshold,
                holds,
                ..
            } => EvidenceView::Comparison {
                expression: self.text(left),
                period: month,
                value: value.to_figure(),
                operator: Cow::Borrowed(op.symbol()),
                threshold: threshold.to_figure(),
                percent,
                condition: self.text(context),
                holds,
            },
            Read::Metric { value: None, .. } | Read::Field { value: None, .. } => {
                return Quoted::Nothing
            }
            _ => return Quoted::Other,
        })
    }

    /// Whether a part of the policy lies inside a grade's declaration.
    fn inside_grade(&self, span: crate::ast::Span) -> bool {
        self.program
            .grades
            .iter()
            .any(|g| g.span.start <= span.start && span.end <= g.span.end)
    }

    fn event_evidence(&self, event: EventSeen) -> Evidence {
        Evidence::Event {
            event: event.id.into(),
            kind: self.program.schema.event_kinds[event.kind].id.clone(),
            date: event.date,
            case: self.case_id(event.case),
        }
    }

    fn deadline_evidence(&self, seen: DeadlineSeen) -> Evidence {
        let def = &self.program.deadlines[seen.deadline];
        let mut evidence = DeadlineEvidence {
            deadline: def.name.clone(),
            text: def.text.clone(),
            start: seen.start.as_ref().map(|(date, _)| *date),
            start_event: seen
                .start
                .as_ref()
                .and_then(|(_, event)| event.as_ref())
                .map(|e| e.id.to_string()),
            due: seen.due,
            status: seen.state,
            met_by: seen.met_by.as_ref().map(|e| e.id.to_string()),
            met_on: seen.met_by.as_ref().map(|e| e.date),
            days_late: None,
            days_overdue: None,
            working_days_overdue: None,
        };
        match (seen.state, seen.due) {
            (DeadlineState::Late, Some(due)) => {
                evidence.days_late = seen.met_by.as_ref().map(|e| (e.date - due).num_days());
            }
            (DeadlineState::Overdue, Some(due)) => {
                evidence.days_overdue = Some((seen.on - due).num_days());
                evidence.working_days_overdue =
                    Some(self.calendar.working_days_between(due, seen.on));
            }
            _ => {}
        }
        Evidence::Deadline(Box::new(evidence))
    }
}

/// How a deadline stands for one subject (and, for a deadline used per case, one of its
/// cases) in a month, as `expect S D is STATUS` asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineCheck {
    /// Whether the status test holds.
    pub holds: Truth,
    /// Where the deadline stands (`None` when unknown).
    pub state: Option<DeadlineState>,
    /// Its due date, when running.
    pub due: Option<NaiveDate>,
}

/// What `expect S D is STATUS [for case C]` asks.
#[derive(Clone, Debug)]
pub struct DeadlineQuery<'q> {
    /// The subject's id.
    pub subject: &'q str,
    /// The deadline: a position in [`Program::deadlines`].
    pub deadline: usize,
    /// The status test.
    pub test: &'q crate::program::StatusTest,
    /// The case id, for a deadline used per case; subject scope when `None`.
    pub case: Option<&'q str>,
}

/// Tests a deadline for a subject, in subject scope or for one of its cases. `None` when the
/// subject or case is not in the data.
pub fn check_deadline(
    program: &Program,
    data: &Dataset,
    as_of: Month,
    options: &EvalOptions,
    query: &DeadlineQuery,
) -> Option<DeadlineCheck> {
    let DeadlineQuery {
        subject,
        deadline,
        test,
        case,
    } = *query;
    let subject = data.subject_index(subject)?;
    let case = match case {
        Some(id) => Some(data.cases(subject).find(|(_, c)| &*c.id == id)?.0),
        None => None,
    };
    let calendar = calendar_for(program, options);
    let interp = Interp {
        program,
        data,
        subject,
        as_of,
        decided_on: options.decided_on.unwrap_or_else(|| as_of.last_day()),
        calendar: &calendar,
        memo: None,
        deadlines: Default::default(),
    };
    let mut reads = Reads::default();
    let holds = interp.deadline_truth(deadline, test, case, &mut reads);
    let seen = reads.reads.into_iter().find_map(|r| match r {
        Read::Deadline(d) => Some(d),
        _ => None,
    });
    Some(DeadlineCheck {
        holds,
        state: seen.as_ref().map(|d| d.state),
        due: seen.and_then(|d| d.due),
    })
}

/// A comparison with its deciding number: `average(m over last 2 months) = 1.885 < 2`, or,
/// when it did not hold, `consequence * likelihood = 8, not >= 15`.
pub fn comparison_words(
    expression: &str,
    value: &str,
    operator: &str,
    threshold: &str,
    holds: bool,
) -> String {
    let result = comparison_result(value, operator, threshold, holds);
    format!("{expression} = {result}")
}

/// A comparison's value against its threshold: `1.885 < 2`, or `2.1, not < 2` when it did
/// not hold.
pub fn comparison_result(value: &str, operator: &str, threshold: &str, holds: bool) -> String {
    match holds {
        true => format!("{value} {operator} {threshold}"),
        false => format!("{value}, not {operator} {threshold}"),
    }
}

/// A concern an aggregate counted, for people: `K-0038 (2026-03-02: "Late home visit")`, the
/// summary shortened to about 80 characters (see [`crate::quote::shorten`]).
pub fn concern_words(id: &str, raised_on: &str, summary: Option<&str>) -> String {
    match summary {
        Some(summary) => format!("{id} ({raised_on}: \"{}\")", crate::quote::shorten(summary)),
        None => format!("{id} ({raised_on})"),
    }
}

/// The values a condition looked for and did not find, each once: metrics and fields in the
/// order looked for, then events sorted by kind, then case.
fn missing_values(program: &Program, data: &Dataset, reads: &[Read]) -> Vec<Missing> {
    let mut missing: Vec<Missing> = Vec::new();
    let mut events: Vec<(usize, Option<String>)> = Vec::new();
    for read in reads {
        let item = match read {
            Read::Metric {
                metric,
                month,
                value: None,
                ..
            } => Missing::Metric {
                metric: program.schema.metrics[*metric].id.clone(),
                period: *month,
            },
            Read::Field { field, value: None } => Missing::Field {
                field: program.schema.subject_fields[*field].name.clone(),
            },
            Read::NoneRecorded { kinds, case } => {
                for &kind in kinds {
                    let own_case = case.filter(|&c| {
                        program.schema.event_kinds[kind].case == Some(data.case(c).kind as usize)
                    });
                    events.push((kind, own_case.map(|c| data.case(c).id.to_string())));
                }
                continue;
            }
            _ => continue,
        };
        if !missing.contains(&item) {
            missing.push(item);
        }
    }
    events.sort_by(|a, b| {
        let name = |k: usize| &program.schema.event_kinds[k].id;
        (name(a.0), &a.1).cmp(&(name(b.0), &b.1))
    });
    events.dedup();
    missing.extend(events.into_iter().map(|(kind, case)| Missing::Event {
        event_kind: program.schema.event_kinds[kind].id.clone(),
        case,
        none_recorded: true,
    }));
    missing
}

/// A subject field's value as people write it.
pub(crate) fn describe_value(program: &Program, value: &Value, field: usize) -> String {
    match value {
        Value::Number(n) => format_number(*n),
        Value::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Text(t) => t.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Enum(i) => match &program.schema.subject_fields[field].ty {
            FieldType::OneOf(values) => values.get(*i as usize).cloned().unwrap_or_default(),
            _ => i.to_string(),
        },
    }
}

/// What a set of evaluations exercised, for test coverage: for each rule, whether it held
/// for some subject and failed for some subject; for each grade arm, whether it decided a
/// level and whether another arm did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exercised {
    /// Per rule: its condition held for some subject.
    pub rule_held: Vec<bool>,
    /// Per rule: its condition was false for some subject.
    pub rule_failed: Vec<bool>,
    /// Per grade, per arm: the arm decided a level.
    pub arm_chosen: Vec<Vec<bool>>,
    /// Per grade, per arm: another arm decided the level.
    pub arm_passed_over: Vec<Vec<bool>>,
}

impl Exercised {
    /// Nothing exercised yet, shaped for `program`.
    pub fn new(program: &Program) -> Exercised {
        let arms = |g: &crate::program::GradeDef| vec![false; g.arms.len()];
        Exercised {
            rule_held: vec![false; program.rules.len()],
            rule_failed: vec![false; program.rules.len()],
            arm_chosen: program.grades.iter().map(arms).collect(),
            arm_passed_over: program.grades.iter().map(arms).collect(),
        }
    }

    /// Records what evaluating every subject of `data` in `as_of` exercises: every rule, every
    /// per-subject grade, and every per-concern grade on each of the subject's concerns.
    pub fn record(&mut self, program: &Program, data: &Dataset, as_of: Month) {
        for subject in 0..data.subject_count() as SubjectIndex {
            let interp = Interp::at_month_end(program, data, subject, as_of);
            for (index, rule) in program.rules.iter().enumerate() {
                let cases = match rule.for_each {
                    Some(scope) => cases_visited(data, subject, scope, as_of.last_day())
                        .into_iter()
                        .map(Some)
                        .collect(),
                    None => vec![None],
                };
                for case in cases {
                    match interp.rule_truth(rule, as_of, case, &mut NoTrace) {
                        Truth::True => self.rule_held[index] = true,
                        Truth::False => self.rule_failed[index] = true,
                        Truth::Unknown => {}
                    }
                }
            }
            for (grade, def) in program.grades.iter().enumerate() {
                match def.per_concern {
                    false => self.record_arm(grade, interp.chosen_arm(grade, as_of)),
                    true => {
                        for concern in data.concerns(subject) {
                            self.record_arm(
                                grade,
                                interp.chosen_arm_for_concern(grade, concern, as_of),
                            );
                        }
                    }
                }
            }
        }
    }

    fn record_arm(&mut self, grade: usize, chosen: Option<usize>) {
        let Some(chosen) = chosen else { return };
        for arm in 0..self.arm_chosen[grade].len() {
            match arm == chosen {
                true => self.arm_chosen[grade][arm] = true,
                false => self.arm_passed_over[grade][arm] = true,
            }
        }
    }
}

#[cfg(test)]
mod deadline_tests;
#[cfg(test)]
mod untraced_tests;
#[cfg(test)]
pub(crate) mod work_bound_tests;

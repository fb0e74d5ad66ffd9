//! Program + dataset + as-of month to required actions: every rule and grade per subject,
//! `replaces` applied, deadlines from the decision date, and the evidence for each action.
//!
//! Subjects are independent, so they are evaluated in parallel. Each rule is first evaluated
//! with no tracing at all; only the rules that fire or stay undecided are evaluated again,
//! recording what they read, to give their evidence and missing values.

mod explain;
mod interp;
pub mod trace;
pub mod value;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::{Dataset, SubjectIndex};
use crate::diagnostic::DiagnosticRecord;
use crate::month::Month;
use crate::program::{Program, Severity};
use crate::schema::{FieldType, Value};

pub use explain::{
    explain, find_subject, ArmExplanation, Explanation, FieldValue, GradeExplanation, LookupError,
    Outcome, RuleExplanation, Step,
};
use interp::Interp;
use trace::{NoTrace, Read, Reads};
pub use value::{format_number, Truth, Val};

/// Choices for one evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The decision date; the last day of the as-of month when `None`.
    pub decided_on: Option<NaiveDate>,
    /// Evaluate only these subject ids; every subject when empty.
    pub subjects: Vec<String>,
    /// Non-working days to add to the policy's calendar (e.g. from `--holidays`).
    pub extra_holidays: Vec<NaiveDate>,
}

/// The result of evaluating a policy for one as-of month (spec §9).
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    /// The subject's id.
    pub subject: String,
    /// The rule's id.
    pub rule: String,
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
    pub due: Option<NaiveDate>,
    /// Rules that fired for this subject and whose actions this one displaced, in file order.
    pub replaces: Vec<String>,
    /// The data that made the condition true.
    pub evidence: Vec<Evidence>,
}

/// A piece of data that made a condition true.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    /// A metric's value in a month.
    Metric {
        /// The metric.
        metric: String,
        /// The month.
        period: Month,
        /// Its value.
        value: f64,
        /// The part of the condition it was read for.
        condition: String,
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
        /// The aggregate.
        condition: String,
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
}

/// A rule left unknown for a subject.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Undecided {
    /// The subject's id.
    pub subject: String,
    /// The rule's id.
    pub rule: String,
    /// The values it looked for and did not find.
    pub missing: Vec<Missing>,
}

/// A value a condition needed and did not find.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
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
}

/// A subject's level of a grade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradeResult {
    /// The subject's id.
    pub subject: String,
    /// The grade's id.
    pub grade: String,
    /// The level, or `None` when unknown.
    pub level: Option<String>,
    /// For an unknown grade, the values it needed and did not find.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Missing>,
}

/// Everything found for one subject.
#[derive(Default)]
struct SubjectOutcome {
    actions: Vec<Action>,
    undecided: Vec<Undecided>,
    grades: Vec<GradeResult>,
}

/// Evaluates `program` (parsed from `source`) on `data` for the month `as_of`.
pub fn evaluate(
    program: &Program,
    source: &str,
    data: &Dataset,
    as_of: Month,
    options: &EvalOptions,
) -> Evaluation {
    let decided_on = options.decided_on.unwrap_or_else(|| as_of.last_day());
    let calendar = match options.extra_holidays.is_empty() {
        true => std::borrow::Cow::Borrowed(&program.calendar),
        false => std::borrow::Cow::Owned(
            program
                .calendar
                .clone()
                .with_holidays(options.extra_holidays.iter().copied()),
        ),
    };
    let subjects = subjects_in_order(data, &options.subjects);
    let run = Run {
        program,
        source,
        data,
        as_of,
        decided_on,
        calendar: &calendar,
    };
    let outcomes: Vec<SubjectOutcome> = subjects.par_iter().map(|&s| run.subject(s)).collect();
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

/// Each rule's truth for the subject, and for each rule the first rule that held and
/// displaces it (its action is then not reported).
fn decide(interp: &Interp, as_of: Month) -> (Vec<Truth>, Vec<Option<usize>>) {
    let rules = &interp.program.rules;
    let truths: Vec<Truth> = rules
        .iter()
        .map(|rule| interp.rule_truth(rule, as_of, &mut NoTrace))
        .collect();
    let mut displaced_by = vec![None; rules.len()];
    for (index, rule) in rules.iter().enumerate() {
        if truths[index] == Truth::True {
            for &d in &rule.displaces {
                displaced_by[d].get_or_insert(index);
            }
        }
    }
    (truths, displaced_by)
}

/// The subjects to evaluate, ordered by id.
fn subjects_in_order(data: &Dataset, only: &[String]) -> Vec<SubjectIndex> {
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
    source: &'a str,
    data: &'a Dataset,
    as_of: Month,
    decided_on: NaiveDate,
    calendar: &'a crate::calendar::Calendar,
}

impl Run<'_> {
    fn interp(&self, subject: SubjectIndex) -> Interp<'_> {
        Interp {
            program: self.program,
            data: self.data,
            subject,
        }
    }

    fn subject(&self, subject: SubjectIndex) -> SubjectOutcome {
        let interp = self.interp(subject);
        let (truths, displaced_by) = decide(&interp, self.as_of);
        let mut outcome = SubjectOutcome::default();
        for (index, truth) in truths.iter().enumerate() {
            match (truth, displaced_by[index]) {
                (_, Some(_)) | (Truth::False, _) => {}
                (Truth::True, None) => outcome.actions.push(self.action(&interp, index, &truths)),
                (Truth::Unknown, None) => outcome.undecided.push(self.undecided(&interp, index)),
            }
        }
        outcome.grades = self.grades(&interp);
        outcome
    }

    fn action(&self, interp: &Interp, index: usize, truths: &[Truth]) -> Action {
        let program = self.program;
        let rule = &program.rules[index];
        let mut reads = Reads::default();
        interp.rule_truth(rule, self.as_of, &mut reads);
        let role = |r: usize| program.roles[r].id.clone();
        Action {
            subject: self.data.subject_id(interp.subject).to_string(),
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            require: rule.require.clone(),
            owner: role(rule.owner),
            owner_name: program.roles[rule.owner].display.clone(),
            involve: rule.involve.iter().map(|&r| role(r)).collect(),
            due: self.calendar.due_date(self.decided_on, rule.due),
            replaces: rule
                .displaces
                .iter()
                .filter(|&&d| truths[d] == Truth::True)
                .map(|&d| program.rules[d].id.clone())
                .collect(),
            evidence: self.evidence(reads.reads),
        }
    }

    fn undecided(&self, interp: &Interp, index: usize) -> Undecided {
        let rule = &self.program.rules[index];
        let mut reads = Reads::default();
        interp.rule_truth(rule, self.as_of, &mut reads);
        Undecided {
            subject: self.data.subject_id(interp.subject).to_string(),
            rule: rule.id.clone(),
            missing: missing_values(self.program, &reads.reads),
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
                        missing_values(self.program, &reads.reads)
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

    fn evidence(&self, reads: Vec<Read>) -> Vec<Evidence> {
        let program = self.program;
        let mut evidence: Vec<Evidence> = Vec::new();
        for read in reads {
            let item = match read {
                Read::Metric {
                    metric,
                    month,
                    value: Some(value),
                    context,
                } => Evidence::Metric {
                    metric: program.schema.metrics[metric].id.clone(),
                    period: month,
                    value,
                    condition: self.text(context),
                },
                Read::Field {
                    field,
                    value: Some(value),
                } => Evidence::Field {
                    field: program.schema.subject_fields[field].name.clone(),
                    value,
                },
                Read::Concerns { ids, context } => Evidence::Concerns {
                    concerns: ids,
                    condition: self.text(context),
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
                _ => continue,
            };
            if !evidence.contains(&item) {
                evidence.push(item);
            }
        }
        evidence
    }

    /// The policy text of a span, on one line.
    fn text(&self, span: crate::ast::Span) -> String {
        let text = self.source.get(span.start..span.end).unwrap_or_default();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The values a condition looked for and did not find, each once, in the order looked for.
fn missing_values(program: &Program, reads: &[Read]) -> Vec<Missing> {
    let mut missing: Vec<Missing> = Vec::new();
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
            _ => continue,
        };
        if !missing.contains(&item) {
            missing.push(item);
        }
    }
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
            let interp = Interp {
                program,
                data,
                subject,
            };
            for (index, rule) in program.rules.iter().enumerate() {
                match interp.rule_truth(rule, as_of, &mut NoTrace) {
                    Truth::True => self.rule_held[index] = true,
                    Truth::False => self.rule_failed[index] = true,
                    Truth::Unknown => {}
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

//! The full trace for one subject: each rule and each part of its condition, with the values
//! it looked at and whether it was true, false or unknown; grades with the arm that decided
//! them; and what replaced what. Written to be shown to the person concerned.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::interp::Interp;
use super::trace::{Node, Read, Tree};
use super::value::{format_number, Val};
use super::{describe_value, instances, outcome_for, seen_instead, Instance, Run};
use crate::data::Dataset;
use crate::month::Month;
use crate::program::Program;

/// A subject, case or rule asked for that does not exist, with a suggestion.
///
/// See the example of [`check_subject`].
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum LookupError {
    /// No such subject in the data.
    #[error("there is no subject `{subject}` in the data")]
    #[diagnostic(code(eval::unknown_subject))]
    UnknownSubject {
        /// The id asked for.
        subject: String,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// The subject has no such case.
    #[error("subject `{subject}` has no case `{case}` that a rule was evaluated for")]
    #[diagnostic(code(eval::unknown_case))]
    UnknownCase {
        /// The id asked for.
        case: String,
        /// The subject.
        subject: String,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// No such rule in the policy.
    #[error("there is no rule `{rule}` in the policy")]
    #[diagnostic(code(eval::unknown_rule))]
    UnknownRule {
        /// The id asked for.
        rule: String,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
}

/// The explanation of one subject's evaluation.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Explanation {
    /// The policy's name.
    pub policy: String,
    /// The subject's id.
    pub subject: String,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The as-of month.
    pub as_of: Month,
    /// The decision date.
    pub decided_on: NaiveDate,
    /// The subject's fields as read from the subjects file.
    pub fields: Vec<FieldValue>,
    /// Each rule (or the one asked for), in file order.
    pub rules: Vec<RuleExplanation>,
    /// Each per-subject grade.
    pub grades: Vec<GradeExplanation>,
}

/// A subject field's value.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldValue {
    /// The field.
    pub field: String,
    /// Its value; `None` when unknown.
    pub value: Option<String>,
}

/// What became of a rule for the subject.
///
/// See the example of [`explain`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its action is required.
    Required,
    /// It held, but a rule that also held replaces it.
    Replaced,
    /// Its condition does not hold.
    NotRequired,
    /// Its `applies to` excludes the subject.
    DoesNotApply,
    /// Data it needs is missing.
    Undecided,
}

/// One rule's evaluation for the subject.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleExplanation {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// What became of it.
    pub outcome: Outcome,
    /// When its action is due, when required.
    pub due: Option<NaiveDate>,
    /// The owning role's display name.
    pub owner: String,
    /// The rule that replaced it, when replaced.
    pub replaced_by: Option<String>,
    /// The rules its action replaced (directly or through others) that had held; empty when
    /// it raised no action.
    pub replaces: Vec<String>,
    /// Its `applies to`, evaluated.
    pub applies_to: Option<Step>,
    /// Its `when`, evaluated (absent when `applies to` excluded the subject).
    pub when: Option<Step>,
    /// The case it was evaluated for, for a rule evaluated for each case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

/// One part of a condition, evaluated.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Step {
    /// The part as written in the policy.
    pub text: String,
    /// The month it was evaluated for.
    pub period: Month,
    /// `true`, `false`, `unknown`, or a value.
    pub result: String,
    /// The values it looked at.
    pub values: Vec<String>,
    /// Its own parts, for `and`, `or`, `not`, `for` and `in K of N`.
    pub parts: Vec<Step>,
}

/// One grade's evaluation for the subject.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GradeExplanation {
    /// The grade's id.
    pub grade: String,
    /// Its title.
    pub title: String,
    /// The level given, or `None` when unknown.
    pub level: Option<String>,
    /// The arms tried, top to bottom, up to the one that decided.
    pub arms: Vec<ArmExplanation>,
}

/// One arm of a grade, as tried.
///
/// See the example of [`explain`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArmExplanation {
    /// The level this arm gives.
    pub level: String,
    /// Its condition, evaluated; `None` for `otherwise`.
    pub condition: Option<Step>,
    /// Whether this arm decided the level.
    pub chosen: bool,
}

/// Explains the evaluation of one subject (and optionally one rule, and one case): each
/// rule and each part of its condition, with the values it looked at and whether it was
/// true, false or unknown; and each grade, with the arm that decided it. What `escalate
/// explain` shows ([`explanation_text`](crate::explanation_text)).
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, EvalOptions, Policy, RuleOutcome};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     role lead "Clinical Lead"
///     metric callback_in_time "Call-backs in time" percent, higher is better
///     subjects {
///       staff_group: one of gp, anp
///     }
///     grade standing "Standing" {
///       poor when callback_in_time < 80%
///       good otherwise
///     }
///     rule low_callbacks "Call-backs below 80% for a GP" {
///       applies to staff_group = gp
///       when callback_in_time < 80%
///       severity moderate
///       require "Discuss with the clinician"
///       owner lead
///       due 10 working days
///     }
/// "#).unwrap();
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", "subject,period,callback_in_time\nc1,2026-10,76.5\n")),
///     subjects: Some(DataInput::csv("subjects.csv", "subject,staff_group\nc1,gp\n")),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let as_of = "2026-10".parse().unwrap();
/// let explanation =
///     escalate::explain(policy.program(), &data, as_of, &EvalOptions::default(), "c1", None, None)
///         .unwrap();
/// assert_eq!(explanation.fields[0].value.as_deref(), Some("gp"));
/// let rule = &explanation.rules[0];
/// assert_eq!(rule.outcome, RuleOutcome::Required);
/// let when = rule.when.as_ref().unwrap();
/// assert_eq!((when.text.as_str(), when.result.as_str()), ("callback_in_time < 80%", "true"));
/// let arm = &explanation.grades[0].arms[0];
/// assert_eq!((arm.level.as_str(), arm.chosen), ("poor", true));
/// assert!(escalate::explanation_text(&explanation).contains("callback_in_time < 80%"));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn explain(
    program: &Program,
    data: &Dataset,
    as_of: Month,
    options: &super::EvalOptions,
    subject: &str,
    rule: Option<&str>,
    case: Option<&str>,
) -> Result<Explanation, LookupError> {
    let index = data
        .subject_index(subject)
        .ok_or_else(|| LookupError::UnknownSubject {
            subject: subject.to_string(),
            help: crate::suggest::did_you_mean(
                subject,
                data.subjects().map(|(_, id)| id).take(10_000),
            ),
        })?;
    let only_rule = rule
        .map(|r| {
            program
                .rule_index(r)
                .ok_or_else(|| LookupError::UnknownRule {
                    rule: r.to_string(),
                    help: crate::suggest::did_you_mean(
                        r,
                        program.rules.iter().map(|r| r.id.as_str()),
                    ),
                })
        })
        .transpose()?;
    let calendar = super::calendar_for(program, options);
    let decided_on = options.decided_on.unwrap_or_else(|| as_of.last_day());
    let order = super::displace::ReplacesOrder::new(program);
    let run = Run::new(program, data, as_of, decided_on, &calendar, &order);
    let interp = run.interp(index);
    let found = instances(&interp, data);
    let mut displaced_by = Vec::new();
    run.order.displacers(program, &found, &mut displaced_by);
    let case_id = |i: &Instance| i.case.map(|c| data.case(c).id.to_string());
    if let Some(case) = case {
        if !found.iter().any(|i| case_id(i).as_deref() == Some(case)) {
            let cases: Vec<String> = data.cases(index).map(|(_, c)| c.id.to_string()).collect();
            return Err(LookupError::UnknownCase {
                case: case.to_string(),
                subject: subject.to_string(),
                help: crate::suggest::did_you_mean(case, cases.iter().map(String::as_str)),
            });
        }
    }
    let rules = found
        .iter()
        .enumerate()
        .filter(|(_, i)| only_rule.is_none_or(|only| only == i.rule))
        .filter(|(_, i)| case.is_none_or(|c| i.case.is_none() || case_id(i).as_deref() == Some(c)))
        .map(|(n, _)| run.explain_rule(&interp, n, &found, &displaced_by))
        .collect();
    Ok(Explanation {
        policy: program.name.clone(),
        subject: subject.to_string(),
        subject_name: run.subject_name(index),
        as_of,
        decided_on: run.decided_on,
        fields: (0..program.schema.subject_fields.len())
            .map(|f| FieldValue {
                field: program.schema.subject_fields[f].name.clone(),
                value: data
                    .subject_field(index, f)
                    .map(|v| describe_value(program, v, f)),
            })
            .collect(),
        rules,
        grades: run.explain_grades(&interp),
    })
}

/// Whether `data` has a subject with this id: when not, an error suggesting a close id, as
/// `escalate eval --subject` reports it ([`evaluate`](super::evaluate) leaves out the ids in
/// [`EvalOptions::subjects`](super::EvalOptions::subjects) that it does not find).
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, LookupError, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     metric callbacks "Call-backs made" count
/// "#).unwrap();
/// let csv = "subject,period,callbacks\nclin01,2026-10,41\nclin02,2026-10,30\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", csv)),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// assert!(escalate::check_subject(&data, "clin01").is_ok());
/// let error = escalate::check_subject(&data, "clin1").unwrap_err();
/// assert_eq!(error.to_string(), "there is no subject `clin1` in the data");
/// let LookupError::UnknownSubject { help, .. } = error else { panic!() };
/// assert!(help.unwrap().contains("clin01"));
/// ```
pub fn check_subject(data: &Dataset, subject: &str) -> Result<(), LookupError> {
    find_subject(data, subject).map(|_| ())
}

/// The subject with this id, or an error suggesting a close id.
pub(crate) fn find_subject(
    data: &Dataset,
    subject: &str,
) -> Result<crate::data::SubjectIndex, LookupError> {
    data.subject_index(subject)
        .ok_or_else(|| LookupError::UnknownSubject {
            subject: subject.to_string(),
            help: crate::suggest::did_you_mean(
                subject,
                data.subjects().map(|(_, id)| id).take(100_000),
            ),
        })
}

impl Run<'_> {
    fn explain_rule(
        &self,
        interp: &Interp,
        position: usize,
        found: &[Instance],
        displaced_by: &[Option<usize>],
    ) -> RuleExplanation {
        let program = self.program;
        let instance = found[position];
        let index = instance.rule;
        let rule = &program.rules[index];
        let case = instance.case;
        let applies_to = rule
            .applies_to
            .as_ref()
            .map(|c| self.step_of(interp, c, None));
        let excluded = applies_to.as_ref().is_some_and(|s| s.result == "false");
        let unscoped = rule.for_each.is_some() && case.is_none();
        let when = (!excluded && !unscoped).then(|| self.step_of(interp, &rule.when, case));
        let outcome = outcome_for(instance.truth, displaced_by[position].is_some(), excluded);
        RuleExplanation {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            outcome,
            due: (outcome == Outcome::Required)
                .then(|| self.calendar.due_date(self.decided_on, rule.due))
                .flatten(),
            owner: program.roles[rule.owner].display.clone(),
            replaced_by: seen_instead(found, displaced_by, position)
                .map(|r| program.rules[r].id.clone()),
            // Only an action replaces anything: listing what a displaced rule would have
            // replaced would repeat, for every rule of a chain, the chain below it.
            replaces: if outcome == Outcome::Required {
                self.order
                    .replaced_rules(program, found, position)
                    .into_iter()
                    .map(|d| program.rules[d].id.clone())
                    .collect()
            } else {
                Vec::new()
            },
            case: case.map(|c| self.data.case(c).id.to_string()),
            applies_to,
            when,
        }
    }

    fn step_of(
        &self,
        interp: &Interp,
        condition: &crate::program::Expr,
        case: Option<crate::data::CaseIndex>,
    ) -> Step {
        let mut tree = Tree::default();
        interp.condition(condition, self.as_of, case, &mut tree);
        let root = tree
            .roots
            .into_iter()
            .next()
            .expect("a condition makes one root");
        self.step(&root)
    }

    fn step(&self, node: &Node) -> Step {
        let mut reads = Vec::new();
        collect_reads(node, &mut reads);
        // A metric compared on its own is shown once, with its comparison:
        // `callback_in_time 2026-10 = 71% < 80%`.
        let compared: Vec<(usize, Month)> = reads
            .iter()
            .filter_map(|read| match read {
                Read::Comparison {
                    metric: Some(metric),
                    month,
                    ..
                } => Some((*metric, *month)),
                _ => None,
            })
            .collect();
        let mut values: Vec<String> = Vec::new();
        for read in reads {
            if let Read::Metric {
                metric,
                month,
                value: Some(_),
                ..
            } = read
            {
                if compared.contains(&(*metric, *month)) {
                    continue;
                }
            }
            let text = self.describe_read(read);
            if !values.contains(&text) {
                values.push(text);
            }
        }
        Step {
            text: self.program.text(node.span),
            period: node.month,
            result: describe_result(&node.result),
            values,
            parts: match node.composite {
                true => node.children.iter().map(|c| self.step(c)).collect(),
                false => Vec::new(),
            },
        }
    }

    fn describe_read(&self, read: &Read) -> String {
        let program = self.program;
        match read {
            Read::Comparison {
                left,
                metric,
                percent,
                month,
                op,
                value,
                threshold,
                holds,
                ..
            } => {
                let unit = if *percent { "%" } else { "" };
                let expression = match metric {
                    Some(m) => format!("{} {month}", program.schema.metrics[*m].id),
                    None => program.text(*left),
                };
                super::comparison_words(
                    &expression,
                    &format!("{value}{unit}"),
                    op.symbol(),
                    &format!("{threshold}{unit}"),
                    *holds,
                )
            }
            Read::Metric {
                metric,
                month,
                value,
                ..
            } => {
                let def = &program.schema.metrics[*metric];
                let unit = match def.kind {
                    crate::schema::MetricKind::Percent => "%",
                    _ => "",
                };
                match value {
                    Some(v) => format!("{} {month} = {}{unit}", def.id, format_number(*v)),
                    None => format!("{} {month}: no value", def.id),
                }
            }
            Read::Field { field, value } => {
                let name = &program.schema.subject_fields[*field].name;
                match value {
                    Some(v) => format!("{name} = {v}"),
                    None => format!("{name}: unknown"),
                }
            }
            Read::Concerns { concerns, .. } => match concerns.is_empty() {
                true => "no concerns counted".to_string(),
                false => {
                    let counted: Vec<String> = concerns
                        .iter()
                        .map(|c| {
                            let raised_on = c.raised_on.to_string();
                            super::concern_words(&c.id, &raised_on, c.summary.as_deref())
                        })
                        .collect();
                    format!("concerns counted: {}", counted.join(", "))
                }
            },
            Read::Grade {
                grade,
                month,
                level,
            } => {
                let grade = &program.grades[*grade];
                match level {
                    Some(l) => format!("{} {month} = {}", grade.id, grade.levels[*l as usize]),
                    None => format!("{} {month}: unknown", grade.id),
                }
            }
            Read::Event(event) => {
                let kind = &program.schema.event_kinds[event.kind].id;
                match event.case {
                    Some(c) => format!(
                        "{kind} {} on {} (case {})",
                        event.id,
                        event.date,
                        self.data.case(c).id
                    ),
                    None => format!("{kind} {} on {}", event.id, event.date),
                }
            }
            Read::NoneRecorded { kinds, .. } => {
                let kinds: Vec<&str> = kinds
                    .iter()
                    .map(|&k| program.schema.event_kinds[k].id.as_str())
                    .collect();
                format!("no {} recorded", kinds.join(" or "))
            }
            Read::Deadline(seen) => self.describe_deadline(seen),
            Read::Computed { span, value } => format!("{} = {value}", program.text(*span)),
        }
    }

    /// A deadline in words: "plan_due: started 2026-11-20 by E01, due 2026-12-18: overdue".
    fn describe_deadline(&self, seen: &super::trace::DeadlineSeen) -> String {
        let def = &self.program.deadlines[seen.deadline];
        let name = def.name.clone().unwrap_or_else(|| def.text.clone());
        let Some((start, event)) = &seen.start else {
            return format!("{name}: not started, so not running");
        };
        let by = event
            .as_ref()
            .map(|e| format!(" by {}", e.id))
            .unwrap_or_default();
        let due = seen.due.map(|d| format!(", due {d}")).unwrap_or_default();
        let met = seen
            .met_by
            .as_ref()
            .map(|e| format!(" by {} on {}", e.id, e.date))
            .unwrap_or_default();
        format!(
            "{name}: started {start}{by}{due}: {}{met}",
            seen.state.word()
        )
    }

    fn explain_grades(&self, interp: &Interp) -> Vec<GradeExplanation> {
        self.program
            .grades
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.per_concern)
            .map(|(index, grade)| {
                let mut arms = Vec::new();
                let mut level = None;
                for arm in &grade.arms {
                    let level_name = grade.levels[arm.level as usize].clone();
                    let Some(condition) = &arm.condition else {
                        level = Some(level_name.clone());
                        arms.push(ArmExplanation {
                            level: level_name,
                            condition: None,
                            chosen: true,
                        });
                        break;
                    };
                    let step = self.step_of(interp, condition, None);
                    let decided = step.result != "false";
                    if step.result == "true" {
                        level = Some(level_name.clone());
                    }
                    arms.push(ArmExplanation {
                        level: level_name,
                        condition: Some(step),
                        chosen: decided && level.is_some(),
                    });
                    if decided {
                        break;
                    }
                }
                debug_assert_eq!(
                    level
                        .as_ref()
                        .map(|l| grade.levels.iter().position(|x| x == l)),
                    interp
                        .grade_level(index, self.as_of, &mut super::trace::NoTrace)
                        .map(|l| Some(l as usize))
                );
                GradeExplanation {
                    grade: grade.id.clone(),
                    title: grade.title.clone(),
                    level,
                    arms,
                }
            })
            .collect()
    }
}

fn collect_reads<'n>(node: &'n Node, out: &mut Vec<&'n Read>) {
    out.extend(&node.reads);
    for child in &node.children {
        collect_reads(child, out);
    }
}

fn describe_result(value: &Val) -> String {
    match value {
        Val::Flag(b) => b.to_string(),
        Val::Unknown => "unknown".to_string(),
        Val::Num(n) => n.to_string(),
        Val::Text(t) => format!("\"{t}\""),
        Val::Date(d) => d.to_string(),
        Val::Enum(i) => format!("value {i}"),
        Val::Level(l) => format!("level {l}"),
    }
}

//! One subject's rules month after month, for a backtest. Each month is decided on its last
//! day, exactly as [`super::evaluate`] decides it, but its truths reuse those the months
//! before worked out (see [`super::memo`]), and a policy that reads only subject fields and
//! concerns is evaluated again only in the months a subject's concerns enter or leave a
//! window; only the actions and undecided rules that are reported are evaluated again with a
//! tracer, for their evidence and missing values.

use super::displace::ReplacesOrder;
use super::interp::Interp;
use super::memo::{ConcernWindows, Memo, MemoKeys};
use super::{
    instances_into, outcome_for, seen_instead, Action, Evidence, Instance, Missing, Outcome, Run,
    Truth, Undecided,
};
use super::{ConditionTexts, Quoted};
use crate::data::{CaseIndex, Dataset, SubjectIndex};
use crate::month::Month;
use crate::number::Figure;
use crate::program::{Program, RuleDef};
use chrono::NaiveDate;
use std::borrow::Cow;

/// A rule and, for a rule evaluated for each case, the case: what identifies an action or an
/// undecided rule from month to month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RuleCase {
    /// A position in [`Program::rules`].
    pub rule: usize,
    /// The case.
    pub case: Option<CaseIndex>,
}

/// A program evaluated on a dataset for the months from `first` to `last`, one subject at a
/// time.
pub(crate) struct MonthByMonth<'a> {
    program: &'a Program,
    data: &'a Dataset,
    order: ReplacesOrder,
    keys: MemoKeys,
    /// For a program that reads only subject fields and concerns: when truths can change.
    concern_windows: Option<ConcernWindows>,
    texts: ConditionTexts,
    first: Month,
    last: Month,
    /// The last day of each month from `first` to `last`: each month's decision date, worked
    /// out once rather than once a subject.
    last_days: Vec<NaiveDate>,
}

impl<'a> MonthByMonth<'a> {
    /// The months from `first` to `last` of `program` on `data`.
    pub fn new(
        program: &'a Program,
        data: &'a Dataset,
        first: Month,
        last: Month,
    ) -> MonthByMonth<'a> {
        MonthByMonth {
            program,
            data,
            order: ReplacesOrder::new(program),
            keys: MemoKeys::new(program),
            concern_windows: ConcernWindows::of(program),
            texts: ConditionTexts::new(program),
            first,
            last,
            last_days: (0..=last.months_since(first))
                .map(|i| first.offset(i).last_day())
                .collect(),
        }
    }

    /// The last day of `month`, its decision date.
    fn last_day(&self, month: Month) -> NaiveDate {
        let kept = usize::try_from(month.months_since(self.first))
            .ok()
            .and_then(|i| self.last_days.get(i));
        kept.copied().unwrap_or_else(|| month.last_day())
    }

    /// An empty memo for [`MonthByMonth::subject`], one for each thread.
    pub fn memo(&self) -> Memo<'_> {
        Memo::new(&self.keys, self.program, self.first, self.last)
    }

    /// Evaluates `subject` for each month in turn, oldest first, and gives each month to
    /// `each`. `memo` is cleared first.
    pub fn subject(
        &self,
        subject: SubjectIndex,
        memo: &mut Memo<'_>,
        mut each: impl FnMut(&SubjectInMonth<'_>),
    ) {
        memo.clear();
        let memo = &*memo;
        let mut found: Vec<Instance> = Vec::new();
        let mut displacers: Vec<Option<usize>> = Vec::new();
        let months = self.last.months_since(self.first).max(-1);
        let changes = self
            .concern_windows
            .as_ref()
            .map(|w| w.changes(self.data.concerns(subject)));
        for month in (0..=months).map(|i| self.first.offset(i)) {
            let unchanged = changes
                .as_ref()
                .is_some_and(|c| month != self.first && c.binary_search(&month).is_err());
            if unchanged {
                // The month before's instances, truths and displacers hold.
                each(&SubjectInMonth {
                    by_month: self,
                    month,
                    found: &found,
                    displacers: &displacers,
                });
                continue;
            }
            let interp = Interp {
                program: self.program,
                data: self.data,
                subject,
                as_of: month,
                decided_on: self.last_day(month),
                calendar: &self.program.calendar,
                memo: Some(memo),
                deadlines: Default::default(),
            };
            instances_into(&interp, self.data, &mut found);
            self.order.displacers(self.program, &found, &mut displacers);
            each(&SubjectInMonth {
                by_month: self,
                month,
                found: &found,
                displacers: &displacers,
            });
        }
    }

    fn run(&self, month: Month) -> Run<'_> {
        Run {
            texts: Some(&self.texts),
            ..Run::new(
                self.program,
                self.data,
                month,
                self.last_day(month),
                &self.program.calendar,
                &self.order,
            )
        }
    }

    /// The action of `key`, required for `subject` in `month` (as [`SubjectInMonth::required`]
    /// says), with its evidence: exactly what [`super::evaluate`] gives for that month.
    /// `replaced` is [`SubjectInMonth::replaced_rules`] of the action.
    pub fn action(
        &self,
        subject: SubjectIndex,
        month: Month,
        key: RuleCase,
        replaced: &[usize],
    ) -> Action {
        let run = self.run(month);
        run.action(&run.interp(subject), &instance(key), replaced)
    }

    /// [`MonthByMonth::action`] without its evidence (empty), for outputs that do not show
    /// it: nothing is evaluated again.
    pub fn action_outline(
        &self,
        subject: SubjectIndex,
        month: Month,
        key: RuleCase,
        replaced: &[usize],
    ) -> Action {
        let run = self.run(month);
        run.action_with(subject, &instance(key), replaced, Vec::new())
    }

    /// [`MonthByMonth::action`] with its texts borrowed from the program and the data rather
    /// than copied, for writing it out; without its due date ([`MonthByMonth::due`]).
    pub fn action_view<'s>(
        &'s self,
        subject: SubjectIndex,
        month: Month,
        key: RuleCase,
        replaced: &'s [usize],
    ) -> ActionView<'s> {
        let run = self.run(month);
        let reads = run.reads(&run.interp(subject), &instance(key));
        let evidence = match borrowed_evidence(&run, &reads) {
            Some(evidence) => evidence,
            None => run
                .evidence(reads)
                .into_iter()
                .map(EvidenceView::Owned)
                .collect(),
        };
        let (program, data) = (self.program, self.data);
        let rule = &program.rules[key.rule];
        ActionView {
            program,
            subject: data.subject_id(subject),
            subject_name: data.subject_name(subject),
            rule,
            case: key.case.map(|c| &*data.case(c).id),
            replaced,
            evidence,
        }
    }

    /// When the action of `rule` (a position in [`Program::rules`]) required in `month` is
    /// due, as [`MonthByMonth::action`] gives it (the same for every action of the rule that
    /// month: worked out once a month, not once an action, when written out).
    pub fn due(&self, month: Month, rule: usize) -> Option<NaiveDate> {
        let program = self.program;
        program
            .calendar
            .due_date(self.last_day(month), program.rules[rule].due)
    }

    /// [`MonthByMonth::undecided`] with its texts borrowed from the program and the data
    /// rather than copied, for writing it out.
    pub fn undecided_view(
        &self,
        subject: SubjectIndex,
        month: Month,
        key: RuleCase,
    ) -> UndecidedView<'_> {
        let run = self.run(month);
        let reads = run.reads(&run.interp(subject), &instance(key));
        let data = self.data;
        UndecidedView {
            subject: data.subject_id(subject),
            subject_name: data.subject_name(subject),
            rule: &self.program.rules[key.rule].id,
            case: key.case.map(|c| &*data.case(c).id),
            missing: super::missing_values(self.program, data, &reads),
        }
    }

    /// The undecided rule `key` of `subject` in `month`, with the values it missed.
    pub fn undecided(&self, subject: SubjectIndex, month: Month, key: RuleCase) -> Undecided {
        let run = self.run(month);
        run.undecided(&run.interp(subject), &instance(key))
    }

    /// [`MonthByMonth::undecided`] without the values it missed (none listed), for outputs
    /// that do not show them: nothing is evaluated again.
    pub fn undecided_outline(
        &self,
        subject: SubjectIndex,
        month: Month,
        key: RuleCase,
    ) -> Undecided {
        self.run(month)
            .undecided_with(subject, &instance(key), Vec::new())
    }
}

/// What an [`Action`] says, its texts borrowed from the program and the data (see
/// [`MonthByMonth::action_view`]).
pub(crate) struct ActionView<'s> {
    /// The program, for the ids of roles and rules.
    pub program: &'s Program,
    /// The subject's id.
    pub subject: &'s str,
    /// The subject's display name.
    pub subject_name: Option<&'s str>,
    /// The rule.
    pub rule: &'s RuleDef,
    /// The case's id.
    pub case: Option<&'s str>,
    /// The rules it displaced (positions in [`Program::rules`]), in file order.
    pub replaced: &'s [usize],
    /// The data that made the condition true.
    pub evidence: Vec<EvidenceView<'s>>,
}

/// A piece of [`Evidence`], the common kinds with their texts borrowed from the program (see
/// [`MonthByMonth::action_view`]); each borrowed kind has the fields of the owned one.
#[derive(Debug, PartialEq)]
pub(crate) enum EvidenceView<'s> {
    /// [`Evidence::Metric`].
    Metric {
        metric: Cow<'s, str>,
        period: Month,
        value: Figure,
        condition: Cow<'s, str>,
    },
    /// [`Evidence::Comparison`].
    Comparison {
        expression: Cow<'s, str>,
        period: Month,
        value: Figure,
        operator: Cow<'s, str>,
        threshold: Figure,
        percent: bool,
        condition: Cow<'s, str>,
        holds: bool,
    },
    /// [`Evidence::Field`].
    Field { field: Cow<'s, str>, value: String },
    /// Any other kind, owned.
    Owned(Evidence),
}

impl<'s> EvidenceView<'s> {
    /// `evidence` borrowed, when it is of a kind with a borrowed form.
    pub fn of(evidence: &'s Evidence) -> Option<EvidenceView<'s>> {
        Some(match evidence {
            Evidence::Metric {
                metric,
                period,
                value,
                condition,
            } => EvidenceView::Metric {
                metric: Cow::Borrowed(metric),
                period: *period,
                value: *value,
                condition: Cow::Borrowed(condition),
            },
            Evidence::Comparison {
                expression,
                period,
                value,
                operator,
                threshold,
                percent,
                condition,
                holds,
            } => EvidenceView::Comparison {
                expression: Cow::Borrowed(expression),
                period: *period,
                value: *value,
                operator: Cow::Borrowed(operator),
                threshold: *threshold,
                percent: *percent,
                condition: Cow::Borrowed(condition),
                holds: *holds,
            },
            Evidence::Field { field, value } => EvidenceView::Field {
                field: Cow::Borrowed(field),
                value: value.clone(),
            },
            _ => return None,
        })
    }
}

impl From<EvidenceView<'_>> for Evidence {
    fn from(view: EvidenceView<'_>) -> Evidence {
        match view {
            EvidenceView::Metric {
                metric,
                period,
                value,
                condition,
            } => Evidence::Metric {
                metric: metric.into_owned(),
                period,
                value,
                condition: condition.into_owned(),
            },
            EvidenceView::Comparison {
                expression,
                period,
                value,
                operator,
                threshold,
                percent,
                condition,
                holds,
            } => Evidence::Comparison {
                expression: expression.into_owned(),
                period,
                value,
                operator: operator.into_owned(),
                threshold,
                percent,
                condition: condition.into_owned(),
                holds,
            },
            EvidenceView::Field { field, value } => Evidence::Field {
                field: field.into_owned(),
                value,
            },
            EvidenceView::Owned(evidence) => evidence,
        }
    }
}

/// What an [`Undecided`] says, its texts borrowed from the program and the data (see
/// [`MonthByMonth::undecided_view`]).
pub(crate) struct UndecidedView<'s> {
    /// The subject's id.
    pub subject: &'s str,
    /// The subject's display name.
    pub subject_name: Option<&'s str>,
    /// The rule's id.
    pub rule: &'s str,
    /// The case's id.
    pub case: Option<&'s str>,
    /// The values it looked for and did not find.
    pub missing: Vec<Missing>,
}

/// The evidence of `reads` as [`Run::evidence`] gives it, its texts borrowed from the
/// program, when every read is of a kind [`Run::quoted_evidence`] gives (nearly all
/// evidence); `None` for any other read, which [`Run::evidence`] makes owned.
fn borrowed_evidence<'s>(run: &Run<'s>, reads: &[super::Read]) -> Option<Vec<EvidenceView<'s>>> {
    let mut values: Vec<EvidenceView<'s>> = Vec::with_capacity(reads.len());
    for read in reads {
        let item = match run.quoted_evidence(read) {
            Quoted::Nothing => continue,
            Quoted::Evidence(item) => item,
            Quoted::Other => return None,
        };
        if !values.contains(&item) {
            values.push(item);
        }
    }
    Some(values)
}

/// The instance of `key`, for evaluating it again with a tracer (which needs only its rule
/// and case).
fn instance(key: RuleCase) -> Instance {
    Instance {
        rule: key.rule,
        case: key.case,
        truth: Truth::Unknown,
    }
}

/// One month of one subject: each of its rule instances and what became of it.
pub(crate) struct SubjectInMonth<'s> {
    by_month: &'s MonthByMonth<'s>,
    /// The month, decided on its last day.
    pub month: Month,
    found: &'s [Instance],
    displacers: &'s [Option<usize>],
}

impl SubjectInMonth<'_> {
    fn key(&self, position: usize) -> RuleCase {
        RuleCase {
            rule: self.found[position].rule,
            case: self.found[position].case,
        }
    }

    fn with_outcome(&self, wanted: Outcome) -> impl Iterator<Item = usize> + '_ {
        (0..self.found.len()).filter(move |&p| {
            outcome_for(self.found[p].truth, self.displacers[p].is_some(), false) == wanted
        })
    }

    /// The required actions, in the order [`super::evaluate`] gives them: each as its key and
    /// its position, for [`SubjectInMonth::replaced_rules`].
    pub fn required(&self) -> impl Iterator<Item = (RuleCase, usize)> + '_ {
        self.with_outcome(Outcome::Required)
            .map(|p| (self.key(p), p))
    }

    /// The undecided rules, in the order [`super::evaluate`] gives them.
    pub fn undecided(&self) -> impl Iterator<Item = RuleCase> + '_ {
        self.with_outcome(Outcome::Undecided).map(|p| self.key(p))
    }

    /// The rules whose held instances the required action at `position` displaced, in file
    /// order.
    pub fn replaced_rules(&self, position: usize) -> Vec<usize> {
        let by_month = self.by_month;
        by_month
            .order
            .replaced_rules(by_month.program, self.found, position)
    }

    /// What became of `key` this month, as [`super::explain()`] tells it for the rule and case
    /// (with `does not apply` told as `not required`), and the rule whose action is seen
    /// instead when replaced; `None` when the month has no instance of it (the rule's `applies
    /// to` left the subject out, or the case is not visited any more).
    pub fn outcome_of(&self, key: RuleCase) -> Option<(Outcome, Option<usize>)> {
        if let Some(case) = key.case {
            if !self.found.iter().any(|i| i.case == Some(case)) {
                return None;
            }
        }
        let position = self.found.iter().position(|i| {
            i.rule == key.rule && (key.case.is_none() || i.case.is_none() || i.case == key.case)
        })?;
        let outcome = outcome_for(
            self.found[position].truth,
            self.displacers[position].is_some(),
            false,
        );
        Some((outcome, seen_instead(self.found, self.displacers, position)))
    }
}

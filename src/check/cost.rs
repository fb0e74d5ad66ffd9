//! The most work a condition can cause, counted in steps, so that a policy whose conditions
//! would take hours or gigabytes to evaluate is refused by the checker rather than by the
//! machine.
//!
//! A step is one part of a condition evaluated for one month, or one value read: the
//! interpreter's tracer sees exactly one `enter` or one `read` per step (the
//! `eval_properties` tests count them). Windows multiply: `X for N months` evaluates `X` N
//! times, so `(X in 1 of the last 600 months) in 1 of the last 600 months` evaluates `X`
//! 360,000 times. A grade costs what its arms cost, each time it is read. A concern or event
//! filter counts once: its cost is per concern or event examined, which depends on the data.

use crate::ast::Span;
use crate::program::{
    ConcernAttr, DateRefDef, EventRefDef, EventSetDef, Expr, ExprKind, FieldRead, Program,
    SpanAmountDef, WindowDef,
};

use super::errors::CheckError;
use crate::quote::{shorten, thousands};

/// The most steps one condition (a rule's `when` or `applies to`, or a grade's arm, with the
/// grades it reads) may take for one subject in one month.
pub const MAX_CONDITION_STEPS: u64 = 100_000;

/// How many steps a metric value, a subject field or a grade level costs to read (its part,
/// and the value read).
const READ: u64 = 2;

/// The checker's bound on the steps of each condition of a program.
pub struct Costs<'p> {
    program: &'p Program,
    /// The steps of reading each grade (`None`: not yet worked out).
    grades: Vec<Option<u64>>,
    /// The grades being worked out, so that a cycle (reported elsewhere) does not recurse.
    visiting: Vec<bool>,
}

impl<'p> Costs<'p> {
    /// Starts counting for a program.
    pub fn new(program: &'p Program) -> Costs<'p> {
        Costs {
            program,
            grades: vec![None; program.grades.len()],
            visiting: vec![false; program.grades.len()],
        }
    }

    /// The most steps evaluating `expr` can take, for one subject and month (per concern or
    /// event examined, for filters). Saturates rather than overflows.
    pub fn expr(&mut self, expr: &Expr) -> u64 {
        let inner = match &expr.kind {
            ExprKind::Number(_)
            | ExprKind::Flag(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::EnumValue(_)
            | ExprKind::Level(_)
            | ExprKind::EventAttr(_) => 0,
            ExprKind::Concern(ConcernAttr::Grade(g)) => (READ - 1).saturating_add(self.grade(*g)),
            ExprKind::Metric(_) | ExprKind::SubjectField(_) | ExprKind::Concern(_) => READ - 1,
            ExprKind::Grade(g) => (READ - 1).saturating_add(self.grade(*g)),
            ExprKind::Neg(e) | ExprKind::Not(e) => self.expr(e),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b) => self.expr(a).saturating_add(self.expr(b)),
            ExprKind::InList(x, items) => items.iter().fold(self.expr(x), |sum, item| {
                sum.saturating_add(self.expr(item))
            }),
            ExprKind::For(e, n) | ExprKind::InKOfN(e, _, n) => {
                u64::from(*n).saturating_mul(self.expr(e))
            }
            ExprKind::Window(_, _, n) => u64::from(*n),
            ExprKind::Trend { .. } => 2,
            ExprKind::Concerns { filter, .. } => 1 + filter.as_deref().map_or(0, |f| self.expr(f)),
            ExprKind::Events { set, .. } => self.set(set),
            ExprKind::EventDate(reference) => self.reference(reference),
            ExprKind::EventField(read) => self.field_read(read),
            ExprKind::Elapsed { from, to, .. } => {
                let to = to.as_deref().map_or(0, |t| self.date(t));
                self.date(from).saturating_add(to)
            }
            ExprKind::Deadline(d, _) => {
                let deadline = &self.program.deadlines[*d];
                let amount = match &deadline.within.amount {
                    SpanAmountDef::Fixed(_) => 0,
                    SpanAmountDef::Field(read) => self.field_read(read),
                };
                self.set(&deadline.awaited)
                    .saturating_add(self.date(&deadline.start))
                    .saturating_add(amount)
            }
        };
        inner.saturating_add(1)
    }

    /// The steps of reading a grade: its arms, tried in turn.
    fn grade(&mut self, grade: usize) -> u64 {
        if let Some(cost) = self.grades[grade] {
            return cost;
        }
        if self.visiting[grade] {
            return 0;
        }
        self.visiting[grade] = true;
        let program = self.program;
        let cost = program.grades[grade]
            .arms
            .iter()
            .filter_map(|arm| arm.condition.as_ref())
            .fold(0u64, |sum, c| sum.saturating_add(self.expr(c)));
        self.visiting[grade] = false;
        self.grades[grade] = Some(cost);
        cost
    }

    fn set(&mut self, set: &EventSetDef) -> u64 {
        let window = match set.window.as_deref() {
            None
            | Some(WindowDef::LastMonths(_) | WindowDef::LastWeeks(_) | WindowDef::LastDays(_)) => {
                0
            }
            Some(WindowDef::Since(date)) => self.date(date),
            Some(WindowDef::WithinAfter(span, date)) => {
                let amount = match &span.amount {
                    SpanAmountDef::Fixed(_) => 0,
                    SpanAmountDef::Field(read) => self.field_read(read),
                };
                amount.saturating_add(self.date(date))
            }
        };
        let filter = set.filter.as_deref().map_or(0, |f| self.expr(f));
        READ.saturating_add(window).saturating_add(filter)
    }

    fn reference(&mut self, reference: &EventRefDef) -> u64 {
        self.set(&reference.set)
    }

    fn field_read(&mut self, read: &FieldRead) -> u64 {
        self.reference(&read.of).saturating_add(READ)
    }

    fn date(&mut self, date: &DateRefDef) -> u64 {
        match date {
            DateRefDef::Literal(_) => 0,
            DateRefDef::Event(reference) => self.reference(reference),
            DateRefDef::Field(read) => self.field_read(read),
        }
    }
}

/// An error for each condition of the program that may take more than
/// [`MAX_CONDITION_STEPS`] steps.
pub(super) fn too_much_work(program: &Program) -> Vec<CheckError> {
    let mut costs = Costs::new(program);
    let mut conditions: Vec<&Expr> = Vec::new();
    for grade in &program.grades {
        conditions.extend(grade.arms.iter().filter_map(|arm| arm.condition.as_ref()));
    }
    for rule in &program.rules {
        conditions.extend(rule.applies_to.iter());
        conditions.push(&rule.when);
    }
    conditions
        .into_iter()
        .filter_map(|condition| {
            let steps = costs.expr(condition);
            (steps > MAX_CONDITION_STEPS).then(|| too_much(program, condition.span, steps))
        })
        .collect()
}

fn too_much(program: &Program, span: Span, steps: u64) -> CheckError {
    let steps = match steps {
        u64::MAX => "more than 18 quintillion".to_string(),
        _ => thousands(steps),
    };
    CheckError::TooMuchWork {
        steps,
        limit: thousands(MAX_CONDITION_STEPS),
        excerpt: shorten(&program.text(span)),
        span: span.head(program.source.get(span.start..span.end).unwrap_or_default()),
    }
}

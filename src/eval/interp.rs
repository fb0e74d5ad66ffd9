//! The expression interpreter: one subject, one month at a time, with three-valued logic.

use std::cell::Cell;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::{AggregateFn, Span, WindowFn};
use crate::calendar::Calendar;
use crate::data::{CaseIndex, Concern, Dataset, Event, SubjectIndex};
use crate::month::Month;
use crate::number::Num;
use crate::program::{ArithOp, CmpOp, ConcernAttr, Expr, ExprKind, Program, RuleDef};
use crate::schema::{Direction, MetricKind};

use super::events::DeadlineMemo;
use super::memo::Memo;
use super::trace::{ConcernSeen, NoTrace, Read, Tracer};
use super::value::{Truth, Val};

/// Evaluates conditions for one subject.
pub(crate) struct Interp<'a> {
    pub program: &'a Program,
    pub data: &'a Dataset,
    pub subject: SubjectIndex,
    /// The as-of month: its evaluation date is the decision date.
    pub as_of: Month,
    /// The decision date.
    pub decided_on: NaiveDate,
    /// The working-day calendar, extra holidays included.
    pub calendar: &'a Calendar,
    /// Truths kept from earlier months of the same subject, when evaluating consecutive
    /// months (each decided on its last day).
    pub memo: Option<&'a Memo<'a>>,
    /// The deadlines worked out so far for the subject.
    pub deadlines: DeadlineMemo,
}

/// Where an expression is evaluated.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'c> {
    pub month: Month,
    pub concern: Option<&'c Concern>,
    /// The event being filtered, inside an event set's `where`.
    pub event: Option<&'c Event>,
    /// The case of a case-scoped rule.
    pub case: Option<CaseIndex>,
    /// The comparison or function the values read belong to, for evidence.
    pub context: Span,
    /// The outermost `not` around the expression, if any: what its values are evidence
    /// for, so that evidence never drops a `not`.
    pub negated: Option<Span>,
}

impl Ctx<'_> {
    /// What the values read at `span` are evidence for: `span`, or the outermost `not`
    /// around it.
    fn claim(&self, span: Span) -> Span {
        self.negated.unwrap_or(span)
    }

    /// Where to evaluate the parts of the comparison at `span`: their values are evidence
    /// for it (or for the `not` around it). Untraced, nothing records them: unchanged.
    fn comparing<T: Tracer>(self, span: Span) -> Self {
        match T::ACTIVE {
            true => Ctx {
                context: self.claim(span),
                ..self
            },
            false => self,
        }
    }
}

impl<'a> Interp<'a> {
    /// The interpreter for `subject` in `as_of`, decided on the month's last day with the
    /// policy's own calendar, keeping no truths from month to month.
    pub fn at_month_end(
        program: &'a Program,
        data: &'a Dataset,
        subject: SubjectIndex,
        as_of: Month,
    ) -> Interp<'a> {
        Interp {
            program,
            data,
            subject,
            as_of,
            decided_on: as_of.last_day(),
            calendar: &program.calendar,
            memo: None,
            deadlines: Default::default(),
        }
    }

    /// Whether a rule's `applies to` holds for the subject (true when it has none).
    pub fn applies<T: Tracer>(&self, rule: &RuleDef, month: Month, t: &mut T) -> Truth {
        match &rule.applies_to {
            Some(condition) => self.condition(condition, month, None, t),
            None => Truth::True,
        }
    }

    /// Whether a rule holds for the subject (and, for a case-scoped rule, `case`) in
    /// `month`: its `applies to` and its `when`.
    pub fn rule_truth<T: Tracer>(
        &self,
        rule: &RuleDef,
        month: Month,
        case: Option<CaseIndex>,
        t: &mut T,
    ) -> Truth {
        let applies = self.applies(rule, month, t);
        if applies == Truth::False {
            return Truth::False;
        }
        and(applies, self.condition(&rule.when, month, case, t))
    }

    /// A yes-or-no expression's truth in `month`, for a case when given.
    pub fn condition<T: Tracer>(
        &self,
        e: &Expr,
        month: Month,
        case: Option<CaseIndex>,
        t: &mut T,
    ) -> Truth {
        let ctx = Ctx {
            month,
            concern: None,
            event: None,
            case,
            context: e.span,
            negated: None,
        };
        self.month_truth(e, ctx, t)
    }

    /// A deadline's status test in the as-of month, for the subject or one of its cases.
    pub fn deadline_truth<T: Tracer>(
        &self,
        deadline: usize,
        test: &crate::program::StatusTest,
        case: Option<CaseIndex>,
        t: &mut T,
    ) -> Truth {
        let ctx = Ctx {
            case,
            ..self.subject_ctx(self.as_of)
        };
        self.deadline_test(deadline, test, ctx, t).truth()
    }

    /// The evaluation date of a month: the decision date for the as-of month, else the
    /// month's last day.
    pub(super) fn evaluation_date(&self, month: Month) -> NaiveDate {
        match month == self.as_of {
            true => self.decided_on,
            false => month.last_day(),
        }
    }

    /// Whether a month of a case-scoped rule ends before its case opened: it counts as false.
    fn before_case(&self, ctx: Ctx) -> bool {
        let Some(case) = ctx.case else { return false };
        let opened = self.data.case(case).opened_on;
        opened.is_some_and(|o| self.evaluation_date(ctx.month) < o)
    }

    /// The level of a per-subject grade in `month`; `None` when unknown.
    pub fn grade_level<T: Tracer>(&self, grade: usize, month: Month, t: &mut T) -> Option<u16> {
        self.grade_at(grade, self.subject_ctx(month), t)
    }

    fn subject_ctx(&self, month: Month) -> Ctx<'a> {
        Ctx {
            month,
            concern: None,
            event: None,
            case: None,
            context: Span::default(),
            negated: None,
        }
    }

    /// A grade's level: grades are the subject's, whatever case is being evaluated.
    fn grade_at<T: Tracer>(&self, grade: usize, ctx: Ctx, t: &mut T) -> Option<u16> {
        let arms = &self.program.grades[grade].arms;
        let per_concern = self.program.grades[grade].per_concern;
        // A `not` around the grade is no part of the grade's own conditions.
        let ctx = match per_concern {
            true => Ctx {
                case: None,
                negated: None,
                ..ctx
            },
            false => Ctx {
                case: None,
                concern: None,
                event: None,
                negated: None,
                ..ctx
            },
        };
        let kept = match (T::ACTIVE || per_concern, self.memo) {
            (false, Some(memo)) => memo.level_cell(grade, ctx.month),
            _ => None,
        };
        match kept.map(Cell::get) {
            Some(1) => return None,
            Some(code @ 2..) => return Some((code - 2) as u16),
            _ => {}
        }
        let level = self.arm_at(grade, ctx, t).map(|arm| arms[arm].level);
        if let Some(cell) = kept {
            cell.set(level.map_or(1, |l| u32::from(l) + 2));
        }
        level
    }

    /// Which arm of a per-subject grade decides its level in `month`; `None` when unknown.
    pub fn chosen_arm(&self, grade: usize, month: Month) -> Option<usize> {
        self.arm_at(grade, self.subject_ctx(month), &mut NoTrace)
    }

    /// Which arm of a `for each concern` grade decides the level of `concern`.
    pub fn chosen_arm_for_concern(
        &self,
        grade: usize,
        concern: &Concern,
        month: Month,
    ) -> Option<usize> {
        let ctx = Ctx {
            concern: Some(concern),
            ..self.subject_ctx(month)
        };
        self.arm_at(grade, ctx, &mut NoTrace)
    }

    /// The first arm, top to bottom, whose condition holds; `None` when an arm is unknown
    /// before any holds. The reads of the arms passed over are forgotten: the level is shown
    /// with what gave it, not with the figures of the levels it is not.
    fn arm_at<T: Tracer>(&self, grade: usize, ctx: Ctx, t: &mut T) -> Option<usize> {
        for (index, arm) in self.program.grades[grade].arms.iter().enumerate() {
            let Some(condition) = &arm.condition else {
                return Some(index);
            };
            let ctx = Ctx {
                context: condition.span,
                ..ctx
            };
            let start = t.mark();
            match self.eval(condition, ctx, t).truth() {
                Truth::True => return Some(index),
                Truth::False => t.forget(start, t.mark()),
                Truth::Unknown => return None,
            }
        }
        None
    }

    pub(super) fn eval<T: Tracer>(&self, e: &Expr, ctx: Ctx, t: &mut T) -> Val {
        if T::ACTIVE {
            let composite = matches!(
                e.kind,
                ExprKind::And(..)
                    | ExprKind::Or(..)
                    | ExprKind::Not(_)
                    | ExprKind::For(..)
                    | ExprKind::InKOfN(..)
            );
            t.enter(e.span, ctx.month, composite);
        }
        let value = self.eval_kind(e, ctx, t);
        if T::ACTIVE {
            t.exit(&value);
        }
        value
    }

    fn eval_kind<T: Tracer>(&self, e: &Expr, ctx: Ctx, t: &mut T) -> Val {
        match &e.kind {
            ExprKind::Number(n) => Val::Num(Num::new(*n)),
            ExprKind::Flag(b) => Val::Flag(*b),
            ExprKind::Text(text) => Val::Text(text.clone()),
            ExprKind::Date(d) => Val::Date(*d),
            ExprKind::EnumValue(i) => Val::Enum(*i),
            ExprKind::Level(l) => Val::Level(*l),
            ExprKind::Metric(m) => self
                .metric(*m, ctx.month, ctx.context, t)
                .map_or(Val::Unknown, |v| Val::Num(Num::new(v))),
            ExprKind::SubjectField(f) => self.subject_field(*f, t),
            ExprKind::Grade(g) => {
                let level = match T::INSIDE_GRADES {
                    true => self.grade_at(*g, ctx, t),
                    false => self.grade_at(*g, ctx, &mut NoTrace),
                };
                if T::ACTIVE {
                    t.read(Read::Grade {
                        grade: *g,
                        month: ctx.month,
                        level,
                    });
                }
                level.map_or(Val::Unknown, Val::Level)
            }
            ExprKind::Concern(attr) => self.concern_attr(*attr, ctx, t),
            ExprKind::Neg(inner) => match self.eval(inner, ctx, t) {
                Val::Num(n) => Val::Num(n.negate()),
                _ => Val::Unknown,
            },
            ExprKind::Not(inner) => {
                let ctx = match T::ACTIVE {
                    true => Ctx {
                        negated: Some(ctx.claim(e.span)),
                        ..ctx
                    },
                    false => ctx,
                };
                not(self.eval(inner, ctx, t).truth()).into()
            }
            ExprKind::And(a, b) => self.and(a, b, ctx, t).into(),
            ExprKind::Or(a, b) => self.or(a, b, ctx, t).into(),
            ExprKind::Arith(op, a, b) => {
                let (a, b) = (self.eval(a, ctx, t), self.eval(b, ctx, t));
                match (a.num(), b.num()) {
                    (Some(a), Some(b)) => arith(*op, a, b),
                    _ => Val::Unknown,
                }
            }
            ExprKind::Compare(op, a, b) => {
                if let Some(value) = self.untraced_metric_against_number::<T>(*op, a, b, ctx.month)
                {
                    return value;
                }
                let ctx = ctx.comparing::<T>(e.span);
                let (left, right) = (self.eval(a, ctx, t), self.eval(b, ctx, t));
                let result = compare(*op, &left, &right);
                if T::ACTIVE {
                    if let (Val::Num(l), Val::Num(r)) = (&left, &right) {
                        let holds = result == Val::Flag(true);
                        self.note_comparison(*op, (a, *l), (b, *r), holds, ctx, t);
                    }
                }
                result
            }
            ExprKind::InList(x, items) => {
                let ctx = ctx.comparing::<T>(e.span);
                let value = self.eval(x, ctx, t);
                if value == Val::Unknown {
                    return Val::Unknown;
                }
                let found = items.iter().any(|item| {
                    compare(CmpOp::Eq, &value, &self.eval(item, ctx, t)) == Val::Flag(true)
                });
                Val::Flag(found)
            }
            ExprKind::For(inner, n) => self.for_months(inner, *n, ctx, t).into(),
            ExprKind::InKOfN(inner, k, n) => self.in_k_of_n(inner, *k, *n, ctx, t).into(),
            ExprKind::Window(func, metric, n) => {
                self.window(*func, *metric, *n, ctx.month, ctx.claim(e.span), t)
            }
            ExprKind::Trend {
                metric,
                improved,
                months,
                direction,
            } => self.trend(
                *metric,
                *improved,
                *months,
                *direction,
                ctx.month,
                ctx.claim(e.span),
                t,
            ),
            ExprKind::Concerns {
                func,
                months,
                filter,
            } => {
                let span = ctx.claim(e.span);
                self.concerns(*func, *months, filter.as_deref(), ctx.month, span, t)
            }
            ExprKind::Events { func, set } => self.event_aggregate(*func, set, ctx, e.span, t),
            ExprKind::EventDate(reference) => self.event_date(reference, ctx, t),
            ExprKind::EventField(read) => {
                let value = self.event_field(read, ctx, t);
                self.computed(e.span, &value, Some(read.field), t);
                value
            }
            ExprKind::EventAttr(field) => match ctx.event {
                Some(event) => self.field_of_event(event, *field, ctx, t),
                None => Val::Unknown,
            },
            ExprKind::Elapsed { unit, from, to } => {
                let value = self.elapsed(*unit, from, to.as_deref(), ctx, t);
                self.computed(e.span, &value, None, t);
                value
            }
            ExprKind::Deadline(deadline, test) => self.deadline_test(*deadline, test, ctx, t),
        }
    }

    /// `metric OP number` when nothing is traced: the stored figure compared with the number
    /// as they are, without making values of them (the commonest comparison of a backtest's
    /// months). `None` for any other comparison, or when traced.
    #[inline]
    fn untraced_metric_against_number<T: Tracer>(
        &self,
        op: CmpOp,
        a: &Expr,
        b: &Expr,
        month: Month,
    ) -> Option<Val> {
        let (false, ExprKind::Metric(metric), ExprKind::Number(number)) =
            (T::ACTIVE, &a.kind, &b.kind)
        else {
            return None;
        };
        let figure = self.data.metric_figure(*metric, self.subject, month);
        let ordering = figure.compare_to(*number);
        Some(ordering.map_or(Val::Unknown, |o| Val::Flag(op.holds(o))))
    }

    /// Tells the tracer the deciding number of a comparison of two numbers, each given with
    /// its value: the number, the threshold and whether it held. A literal written on the
    /// left is taken as the threshold. Nothing is noted when no side reads anything (`1 <
    /// 2`), nor, inside a concern or event filter, when the deciding side is a value the
    /// concerns or events listed in evidence already show.
    fn note_comparison<T: Tracer>(
        &self,
        op: CmpOp,
        left: (&Expr, Num),
        right: (&Expr, Num),
        holds: bool,
        ctx: Ctx,
        t: &mut T,
    ) {
        let ((side, value), (other, threshold), op) = match is_literal(left.0) {
            true => (right, left, op.flipped()),
            false => (left, right, op),
        };
        let in_filter = ctx.concern.is_some() || ctx.event.is_some();
        if is_literal(side) || (in_filter && !is_computed(side)) {
            return;
        }
        t.read(Read::Comparison {
            context: ctx.context,
            left: side.span,
            metric: match side.kind {
                ExprKind::Metric(m) => Some(m),
                _ => None,
            },
            percent: self.is_percent(side) || self.is_percent(other),
            month: ctx.month,
            op,
            value,
            threshold,
            holds,
        });
    }

    /// Whether an expression gives a percentage: a percent metric, a window over one, or
    /// arithmetic that keeps the unit (the checker's rules). A number written in the policy
    /// is not known to be one (`80%` is kept as 80), so the other side of a comparison says.
    fn is_percent(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Metric(m) | ExprKind::Window(_, m, _) => {
                self.program.schema.metrics[*m].kind == MetricKind::Percent
            }
            ExprKind::Neg(inner) => self.is_percent(inner),
            ExprKind::Arith(ArithOp::Div, a, b) => self.is_percent(a) && !self.is_percent(b),
            ExprKind::Arith(_, a, b) => self.is_percent(a) || self.is_percent(b),
            _ => false,
        }
    }

    /// Tells the tracer the value worked out for a field of an event or an elapsed time, so
    /// an explanation can show it.
    fn computed<T: Tracer>(
        &self,
        span: Span,
        value: &Val,
        field: Option<crate::program::EventField>,
        t: &mut T,
    ) {
        if !T::ACTIVE || *value == Val::Unknown {
            return;
        }
        use crate::program::EventField;
        let schema = &self.program.schema;
        let name_in = |ty: &crate::schema::FieldType, i: u32| match ty {
            crate::schema::FieldType::OneOf(names) => names.get(i as usize).cloned(),
            _ => None,
        };
        let text = match (value, field) {
            (Val::Enum(i), Some(EventField::Declared(g))) => {
                name_in(&schema.event_fields[g].ty, *i).unwrap_or_default()
            }
            (Val::Enum(i), Some(EventField::Concern(ConcernAttr::Field(f)))) => {
                name_in(&schema.concern_fields[f].ty, *i).unwrap_or_default()
            }
            (Val::Level(l), Some(EventField::Concern(ConcernAttr::Grade(g)))) => {
                let levels = &self.program.grades[g].levels;
                levels.get(*l as usize).cloned().unwrap_or_default()
            }
            (Val::Num(n), _) => n.to_string(),
            (Val::Flag(b), _) => if *b { "yes" } else { "no" }.to_string(),
            (Val::Date(d), _) => d.to_string(),
            (Val::Text(text), _) => text.to_string(),
            (other, _) => format!("{other:?}"),
        };
        t.read(Read::Computed { span, value: text });
    }

    fn metric<T: Tracer>(
        &self,
        metric: usize,
        month: Month,
        context: Span,
        t: &mut T,
    ) -> Option<Decimal> {
        let value = self.data.metric_value(metric, self.subject, month);
        if T::ACTIVE {
            t.read(Read::Metric {
                metric,
                month,
                value,
                context,
            });
        }
        value
    }

    fn subject_field<T: Tracer>(&self, field: usize, t: &mut T) -> Val {
        let value = self.data.subject_field(self.subject, field);
        if T::ACTIVE {
            let text = value.map(|v| super::describe_value(self.program, v, field));
            t.read(Read::Field { field, value: text });
        }
        value.map_or(Val::Unknown, Val::from)
    }

    /// A value of the concern in `ctx` (a concern filter, a per-concern grade, or a concern
    /// seen as an event).
    pub(super) fn eval_concern_attr<T: Tracer>(
        &self,
        attr: ConcernAttr,
        ctx: Ctx,
        t: &mut T,
    ) -> Val {
        self.concern_attr(attr, ctx, t)
    }

    fn concern_attr<T: Tracer>(&self, attr: ConcernAttr, ctx: Ctx, t: &mut T) -> Val {
        let Some(concern) = ctx.concern else {
            return Val::Unknown;
        };
        match attr {
            ConcernAttr::Id => Val::Text(concern.id.as_ref().into()),
            ConcernAttr::Subject => Val::Text(self.data.subject_id(self.subject).into()),
            ConcernAttr::RaisedOn => Val::Date(concern.raised_on),
            ConcernAttr::Field(i) => concern.fields.get(i).map_or(Val::Unknown, Val::from),
            ConcernAttr::Grade(g) => self.grade_at(g, ctx, t).map_or(Val::Unknown, Val::Level),
        }
    }

    /// Kleene `and`. When recording, both sides are evaluated, whatever the first gives, so
    /// evidence does not depend on the order they are written in; when the result is false
    /// only the reads of the false sides are kept.
    fn and<T: Tracer>(&self, a: &Expr, b: &Expr, ctx: Ctx, t: &mut T) -> Truth {
        let start = t.mark();
        let left = self.eval(a, ctx, t).truth();
        // With nothing recorded, the second side cannot change a false first side.
        if !T::ACTIVE && left == Truth::False {
            return Truth::False;
        }
        let middle = t.mark();
        let right = self.eval(b, ctx, t).truth();
        let result = and(left, right);
        if result == Truth::False {
            self.keep_deciding_sides(start, middle, left, right, Truth::False, t);
        }
        result
    }

    /// Kleene `or`, both sides evaluated when recording; when the result is true only the
    /// reads of the true sides are kept.
    fn or<T: Tracer>(&self, a: &Expr, b: &Expr, ctx: Ctx, t: &mut T) -> Truth {
        let start = t.mark();
        let left = self.eval(a, ctx, t).truth();
        if !T::ACTIVE && left == Truth::True {
            return Truth::True;
        }
        let middle = t.mark();
        let right = self.eval(b, ctx, t).truth();
        let result = or(left, right);
        if result == Truth::True {
            self.keep_deciding_sides(start, middle, left, right, Truth::True, t);
        }
        result
    }

    /// Forgets the reads of the side (of two, split at `middle`) whose truth did not decide
    /// the result.
    fn keep_deciding_sides<T: Tracer>(
        &self,
        start: usize,
        middle: usize,
        left: Truth,
        right: Truth,
        deciding: Truth,
        t: &mut T,
    ) {
        if right != deciding {
            t.forget(middle, t.mark());
        }
        if left != deciding {
            t.forget(start, middle);
        }
    }

    /// The truth of a condition, or of the part of one that `for` or `in K of N` applies to,
    /// in the month of `ctx`: kept in the memo, when there is one and it keeps that part, for
    /// the later months that look back at it and the rules written alike.
    fn month_truth<T: Tracer>(&self, inner: &Expr, ctx: Ctx, t: &mut T) -> Truth {
        let subject_only = ctx.case.is_none() && ctx.concern.is_none() && ctx.event.is_none();
        let kept = match (T::ACTIVE, self.memo) {
            (false, Some(memo)) if subject_only => memo.truth_cell(inner, ctx.month),
            _ => None,
        };
        match kept.map(Cell::get) {
            Some(1) => return Truth::True,
            Some(2) => return Truth::False,
            Some(3) => return Truth::Unknown,
            _ => {}
        }
        let truth = match T::ACTIVE {
            true => self.eval(inner, ctx, t).truth(),
            false => self.untraced_truth(inner, ctx),
        };
        if let Some(cell) = kept {
            cell.set(match truth {
                Truth::True => 1,
                Truth::False => 2,
                Truth::Unknown => 3,
            });
        }
        truth
    }

    /// A condition's truth when nothing is traced, exactly as [`Interp::eval`] gives it: the
    /// commonest parts of conditions (`and`, `or`, `not`, `for N months`, a metric compared
    /// with a number) worked out here without making values of them, anything else by
    /// [`Interp::eval`]. A backtest works out millions of these.
    fn untraced_truth(&self, e: &Expr, ctx: Ctx) -> Truth {
        match &e.kind {
            ExprKind::And(a, b) => match self.untraced_truth(a, ctx) {
                Truth::False => Truth::False,
                left => and(left, self.untraced_truth(b, ctx)),
            },
            ExprKind::Or(a, b) => match self.untraced_truth(a, ctx) {
                Truth::True => Truth::True,
                left => or(left, self.untraced_truth(b, ctx)),
            },
            ExprKind::Not(inner) => not(self.untraced_truth(inner, ctx)),
            ExprKind::For(inner, n) => self.for_months(inner, *n, ctx, &mut NoTrace),
            ExprKind::Compare(op, a, b) => self
                .untraced_metric_against_number::<NoTrace>(*op, a, b, ctx.month)
                .unwrap_or_else(|| self.eval(e, ctx, &mut NoTrace))
                .truth(),
            _ => self.eval(e, ctx, &mut NoTrace).truth(),
        }
    }

    /// `X for N months`: false if any month is false, else unknown if any is unknown. When
    /// false, only the reads of the month that was false are kept: it alone decided.
    fn for_months<T: Tracer>(&self, inner: &Expr, n: u32, ctx: Ctx, t: &mut T) -> Truth {
        let mut result = Truth::True;
        let first = t.mark();
        for back in (0..n).rev() {
            let month = ctx.month.offset(-(back as i32));
            let ctx = Ctx { month, ..ctx };
            if self.before_case(ctx) {
                return Truth::False;
            }
            let start = t.mark();
            match self.month_truth(inner, ctx, t) {
                Truth::False => {
                    t.forget(first, start);
                    return Truth::False;
                }
                Truth::Unknown => result = Truth::Unknown,
                Truth::True => {}
            }
        }
        result
    }

    /// `X in K of the last N months`: true when K months are true, false when the true and
    /// unknown months together are fewer than K, otherwise unknown. The reads kept are those
    /// of the months that decided: the true ones when true, the false ones when false, and
    /// all but the false ones when unknown (their missing values).
    fn in_k_of_n<T: Tracer>(&self, inner: &Expr, k: u32, n: u32, ctx: Ctx, t: &mut T) -> Truth {
        let (mut trues, mut unknowns) = (0, 0);
        let mut months: Vec<(usize, usize, Truth)> = Vec::new();
        for back in (0..n).rev() {
            let month = ctx.month.offset(-(back as i32));
            let start = t.mark();
            let ctx = Ctx { month, ..ctx };
            let truth = match self.before_case(ctx) {
                true => Truth::False,
                false => self.month_truth(inner, ctx, t),
            };
            match truth {
                Truth::True => trues += 1,
                Truth::Unknown => unknowns += 1,
                Truth::False => {}
            }
            if T::ACTIVE {
                months.push((start, t.mark(), truth));
            }
        }
        let result = if trues >= k {
            Truth::True
        } else if trues + unknowns < k {
            Truth::False
        } else {
            Truth::Unknown
        };
        let kept = |truth: Truth| match result {
            Truth::Unknown => truth != Truth::False,
            decided => truth == decided,
        };
        for &(start, end, truth) in months.iter().rev() {
            if !kept(truth) {
                t.forget(start, end);
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn window<T: Tracer>(
        &self,
        func: WindowFn,
        metric: usize,
        n: u32,
        month: Month,
        span: Span,
        t: &mut T,
    ) -> Val {
        let mut count = 0i64;
        let mut sum = Some(Decimal::ZERO);
        let (mut min, mut max): (Option<Decimal>, Option<Decimal>) = (None, None);
        for back in (0..n).rev() {
            if let Some(v) = self.metric(metric, month.offset(-(back as i32)), span, t) {
                count += 1;
                sum = sum.and_then(|s| s.checked_add(v));
                min = Some(min.map_or(v, |m| m.min(v)));
                max = Some(max.map_or(v, |m| m.max(v)));
            }
        }
        if count == 0 {
            return Val::Unknown;
        }
        let value = match func {
            WindowFn::Average => sum.and_then(|s| Num::ratio(s, Decimal::from(count))),
            WindowFn::Sum => sum.map(Num::new),
            WindowFn::Min => min.map(Num::new),
            WindowFn::Max => max.map(Num::new),
        };
        value.map_or(Val::Unknown, Val::Num)
    }

    #[allow(clippy::too_many_arguments)]
    fn trend<T: Tracer>(
        &self,
        metric: usize,
        improved: bool,
        months: u32,
        direction: Direction,
        month: Month,
        span: Span,
        t: &mut T,
    ) -> Val {
        let then = self.metric(metric, month.offset(-(months as i32)), span, t);
        let now = self.metric(metric, month, span, t);
        let (Some(now), Some(then)) = (now, then) else {
            return Val::Unknown;
        };
        let better = match direction {
            Direction::HigherIsBetter => now > then,
            Direction::LowerIsBetter => now < then,
        };
        let worse = now != then && !better;
        Val::Flag(if improved { better } else { worse })
    }

    /// `count`, `any` or `all` over the subject's concerns raised in the window.
    fn concerns<T: Tracer>(
        &self,
        func: AggregateFn,
        months: Option<u32>,
        filter: Option<&Expr>,
        month: Month,
        span: Span,
        t: &mut T,
    ) -> Val {
        let all = self.data.concerns(self.subject);
        if all.is_empty() {
            if T::ACTIVE {
                t.read(Read::Concerns {
                    concerns: Vec::new(),
                    context: span,
                });
            }
            return aggregate(func, 0, 0, 0);
        }
        let last_day = month.last_day();
        let end = all.partition_point(|c| c.raised_on <= last_day);
        let start = match months {
            Some(n) => {
                let first_day = month.offset(1 - n as i32).first_day();
                all[..end].partition_point(|c| c.raised_on < first_day)
            }
            None => 0,
        };
        let (mut trues, mut falses, mut unknowns) = (0u32, 0u32, 0u32);
        let mut counted: Vec<ConcernSeen> = Vec::new();
        for concern in &all[start..end] {
            let truth = match filter {
                Some(f) => {
                    let ctx = Ctx {
                        concern: Some(concern),
                        context: f.span,
                        ..self.subject_ctx(month)
                    };
                    self.eval(f, ctx, t).truth()
                }
                None => Truth::True,
            };
            match truth {
                Truth::True => trues += 1,
                Truth::False => falses += 1,
                Truth::Unknown => unknowns += 1,
            }
            let counts = match func {
                AggregateFn::All => true,
                _ => truth == Truth::True,
            };
            if T::ACTIVE && counts {
                counted.push(ConcernSeen {
                    id: concern.id.clone(),
                    raised_on: concern.raised_on,
                    summary: concern.summary.clone(),
                });
            }
        }
        if T::ACTIVE {
            t.read(Read::Concerns {
                concerns: counted,
                context: span,
            });
        }
        aggregate(func, trues, falses, unknowns)
    }
}

/// `count`, `any` or `all` of members whose filter was true, false or unknown this many times
/// (three-valued: a count is never a guess; `all` of nothing is true).
pub(super) fn aggregate(func: AggregateFn, trues: u32, falses: u32, unknowns: u32) -> Val {
    match func {
        AggregateFn::Count if unknowns > 0 => Val::Unknown,
        AggregateFn::Count => Val::Num(Num::from_i64(i64::from(trues))),
        AggregateFn::Any if trues > 0 => Val::Flag(true),
        AggregateFn::All if falses > 0 => Val::Flag(false),
        _ if unknowns > 0 => Val::Unknown,
        AggregateFn::Any => Val::Flag(false),
        AggregateFn::All => Val::Flag(true),
    }
}

/// Kleene `and` of two truths.
pub(crate) fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::False, _) | (_, Truth::False) => Truth::False,
        (Truth::True, Truth::True) => Truth::True,
        _ => Truth::Unknown,
    }
}

/// Kleene `or` of two truths.
fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::True, _) | (_, Truth::True) => Truth::True,
        (Truth::False, Truth::False) => Truth::False,
        _ => Truth::Unknown,
    }
}

/// Kleene `not` of a truth.
fn not(a: Truth) -> Truth {
    match a {
        Truth::True => Truth::False,
        Truth::False => Truth::True,
        Truth::Unknown => Truth::Unknown,
    }
}

/// Exact arithmetic; a division by zero (or a result too large to hold) is unknown.
fn arith(op: ArithOp, a: Num, b: Num) -> Val {
    let result = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div => a.checked_div(b),
    };
    result.map_or(Val::Unknown, Val::Num)
}

/// Whether an expression is a number written in the policy (`80%`, `-2`).
fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(_) => true,
        ExprKind::Neg(inner) => is_literal(inner),
        _ => false,
    }
}

/// Whether an expression computes its value (an average, a count, arithmetic), rather than
/// reading one value that evidence already shows (a metric, a field, a literal).
fn is_computed(e: &Expr) -> bool {
    !matches!(
        e.kind,
        ExprKind::Number(_)
            | ExprKind::Flag(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::EnumValue(_)
            | ExprKind::Level(_)
            | ExprKind::Metric(_)
            | ExprKind::SubjectField(_)
            | ExprKind::Grade(_)
            | ExprKind::Concern(_)
    )
}

fn compare(op: CmpOp, a: &Val, b: &Val) -> Val {
    let ordering = match (a, b) {
        (Val::Num(x), Val::Num(y)) => Some(x.compare(*y)),
        (Val::Flag(x), Val::Flag(y)) => Some(x.cmp(y)),
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Enum(x), Val::Enum(y)) => Some(x.cmp(y)),
        // The first level ranks highest, so a smaller position is a greater level.
        (Val::Level(x), Val::Level(y)) => Some(y.cmp(x)),
        _ => None,
    };
    ordering.map_or(Val::Unknown, |o| Val::Flag(op.holds(o)))
}

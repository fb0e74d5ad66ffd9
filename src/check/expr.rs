//! Conditions: resolve each name for where it stands, type every part, check units.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::events::CaseCtx;
use super::{CheckError, Checker, MAX_WINDOW_MONTHS};
use crate::ast::{self, AggregateFn, BinaryOp, ExprKind as A, Span, Spanned};
use crate::program::{ArithOp, CmpOp, Expr, ExprKind};
use crate::schema::{FieldType, MetricKind};

/// Where a condition stands, which decides what its names can mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// A rule's `when`, or an arm of a per-subject grade: metrics, subject fields, grades.
    Subject,
    /// A rule's `applies to`: subject fields only.
    AppliesTo,
    /// A concern filter (`where ...`) or an arm of a `for each concern` grade.
    Concern,
    /// The `where` filter of an event set: the fields of its kinds.
    Event,
}

/// The type of a value, for checking.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ty {
    Flag,
    Number(Unit),
    Text,
    Date,
    /// A value of a `one of` field: whether a concern field, and its position.
    Enum {
        concern: bool,
        field: usize,
    },
    /// A value of a `one of` event field: its position in the schema's event fields.
    EventEnum(usize),
    /// A level of a grade.
    Level(usize),
    /// Already reported (or of a metric whose kind is unknown): it fits anywhere, so nothing
    /// more is said about it.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    Percent,
    Plain,
}

impl<'s> Checker<'s> {
    /// Checks a condition: an expression that must be yes or no.
    pub(super) fn check_condition(
        &mut self,
        e: &ast::Expr,
        scope: Scope,
        grade: Option<usize>,
    ) -> Expr {
        self.check_condition_in(e, scope, grade, CaseCtx::Subject)
    }

    /// Checks a condition of a rule scoped by `case`.
    pub(super) fn check_condition_in(
        &mut self,
        e: &ast::Expr,
        scope: Scope,
        grade: Option<usize>,
        case: CaseCtx,
    ) -> Expr {
        let mut cx = ExprChecker::new(self, scope, grade, case);
        let (expr, ty) = cx.check(e);
        cx.expect_condition(&ty, e.span);
        expr
    }
}

/// A checked part as what it computes, or the placeholder of a part already reported.
type Checked = Result<(ExprKind, Ty), (Expr, Ty)>;

pub(super) struct ExprChecker<'c, 's> {
    pub(super) checker: &'c mut Checker<'s>,
    pub(super) scope: Scope,
    /// The grade whose arms are being checked, to record what it depends on.
    pub(super) grade: Option<usize>,
    /// Which events the condition sees.
    pub(super) case: CaseCtx,
    /// Inside an event filter, the kinds filtered.
    pub(super) filter_kinds: Vec<usize>,
}

impl<'c, 's> ExprChecker<'c, 's> {
    pub(super) fn new(
        checker: &'c mut Checker<'s>,
        scope: Scope,
        grade: Option<usize>,
        case: CaseCtx,
    ) -> ExprChecker<'c, 's> {
        ExprChecker {
            checker,
            scope,
            grade,
            case,
            filter_kinds: Vec::new(),
        }
    }
}

impl ExprChecker<'_, '_> {
    pub(super) fn error(&mut self, error: CheckError) -> (Expr, Ty) {
        self.checker.error(error);
        (placeholder(), Ty::Error)
    }

    pub(super) fn expect_condition(&mut self, ty: &Ty, span: Span) {
        if matches!(ty, Ty::Flag | Ty::Error) {
            return;
        }
        if *ty == Ty::Date && self.is_event_date(span) {
            let error = self.date_as_flag(span);
            self.checker.error(error);
            return;
        }
        let help = self.comparison_help(ty, span);
        self.checker.error(CheckError::TypeMismatch {
            message: format!(
                "a condition must be yes or no, but this is {}",
                self.describe(ty)
            ),
            span,
            label: "not a yes-or-no condition".to_string(),
            help: Some(help),
        });
    }

    /// How to make a yes-or-no condition of a value of type `ty`, written at `span`: an
    /// example comparison with the value itself when it is a plain name.
    fn comparison_help(&self, ty: &Ty, span: Span) -> String {
        let written = self.text(span);
        let is_name = written
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let example = |default: &str, rest: String| match is_name {
            true => format!("`{written} {rest}`"),
            false => format!("`{default}`"),
        };
        match ty {
            Ty::Number(Unit::Percent) => format!(
                "compare it with something, for example {}",
                example("callback_in_time < 80%", "< 80%".to_string())
            ),
            Ty::Number(Unit::Plain) => format!(
                "compare it with something, for example {}",
                example("callbacks >= 20", ">= 20".to_string())
            ),
            Ty::Level(g) => {
                let level = &self.checker.grades[*g].levels[0];
                format!(
                    "compare the grade with one of its levels, for example {}",
                    example("concern_level >= pattern", format!(">= {level}"))
                )
            }
            Ty::Enum { .. } | Ty::EventEnum(_) => {
                let value = self.values_of(ty).and_then(|v| v.first().cloned());
                let value = value.unwrap_or_else(|| "gp".to_string());
                format!(
                    "compare the field with one of its values, for example {}",
                    example("staff_group = gp", format!("= {value}"))
                )
            }
            _ => "compare it with something to make a yes-or-no condition".to_string(),
        }
    }

    /// Whether the date written at `span` comes from events (not a date literal or field).
    fn is_event_date(&self, span: Span) -> bool {
        let text = self.text(span);
        !text.chars().next().is_some_and(|c| c.is_ascii_digit())
    }

    pub(super) fn check(&mut self, e: &ast::Expr) -> (Expr, Ty) {
        match self.check_kind(e) {
            Ok(checked) | Err(checked) => checked,
        }
    }

    /// Checks one expression; `Err` carries the placeholder of a part already reported.
    fn check_kind(&mut self, e: &ast::Expr) -> Result<(Expr, Ty), (Expr, Ty)> {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            A::Number(text) => match parse_number(text) {
                Some(n) => (ExprKind::Number(n), Ty::Number(Unit::Plain)),
                None => return Ok(self.error(number_too_large(text, span))),
            },
            A::Percent(text) => self.percent(text, false, span)?,
            A::Flag(b) => (ExprKind::Flag(*b), Ty::Flag),
            A::Text(t) => (ExprKind::Text(Arc::from(t.as_str())), Ty::Text),
            A::Date(d) => (ExprKind::Date(*d), Ty::Date),
            A::Name(name) => return Ok(self.resolve_name(name, span)),
            A::Neg(inner) => self.check_neg(inner, span)?,
            A::Not(inner) => {
                let (inner_expr, ty) = self.check(inner);
                self.expect_condition(&ty, inner.span);
                (ExprKind::Not(Box::new(inner_expr)), Ty::Flag)
            }
            A::Binary { op, lhs, rhs } => return Ok(self.check_binary(op, lhs, rhs, span)),
            A::InList { expr, items } => return Ok(self.check_in_list(expr, items, span)),
            A::For { expr, months, .. } => self.check_for(expr, months, span)?,
            A::InKOfN { expr, k, n } => self.check_in_k_of_n(expr, k, n, span)?,
            A::Window {
                func,
                metric,
                months,
            } => self.check_window(func, metric, months, span)?,
            A::Trend {
                metric,
                improved,
                months,
            } => self.check_trend(metric, *improved, months, span)?,
            A::Concerns {
                func,
                months,
                filter,
            } => return Ok(self.check_concerns(func, months.as_ref(), filter.as_deref(), span)),
            A::Events { .. }
            | A::Pick(_)
            | A::FieldOf(_)
            | A::Elapsed { .. }
            | A::DeadlineTest { .. }
            | A::DeadlineBare(_)
            | A::NoWithin(_) => return Ok(self.check_event_form(e)),
        };
        Ok((Expr { kind, span }, ty))
    }

    /// A percentage literal, `negative` when written after a minus sign: from 0% to 100%.
    fn percent(&mut self, text: &str, negative: bool, span: Span) -> Checked {
        let Some(n) = parse_number(text) else {
            return Err(self.error(number_too_large(text, span)));
        };
        let value = if negative { -n } else { n };
        if value.is_sign_negative() && !value.is_zero() || value > Decimal::ONE_HUNDRED {
            return Err(self.error(CheckError::BadNumber {
                message: format!("`{}` is not a percentage from 0% to 100%", self.text(span)),
                span,
                label: "must be from 0% to 100%".to_string(),
                help: Some(
                    "a percentage is a share of the whole: write one from `0%` to `100%`, such as `80%`"
                        .to_string(),
                ),
            }));
        }
        Ok((ExprKind::Number(value), Ty::Number(Unit::Percent)))
    }

    fn check_neg(&mut self, inner: &ast::Expr, span: Span) -> Checked {
        if let A::Percent(text) = &inner.kind {
            return self.percent(text, true, span);
        }
        let (inner, ty) = self.check(inner);
        if !matches!(ty, Ty::Number(_) | Ty::Error) {
            return Err(self.mismatch(
                format!("only a number can be negative, not {}", self.describe(&ty)),
                span,
            ));
        }
        Ok((ExprKind::Neg(Box::new(inner)), ty))
    }

    /// `X for N months`. The condition is checked first, so what it names counts as used
    /// even when the rest is refused.
    fn check_for(&mut self, expr: &ast::Expr, months: &Spanned<String>, span: Span) -> Checked {
        let (inner, ty) = self.check(expr);
        self.expect_condition(&ty, expr.span);
        self.require_months(span, "`for N months`")?;
        let n = self.window(months)?;
        Ok((ExprKind::For(Box::new(inner), n), Ty::Flag))
    }

    fn check_in_k_of_n(
        &mut self,
        expr: &ast::Expr,
        k: &Spanned<String>,
        n: &Spanned<String>,
        span: Span,
    ) -> Checked {
        let (inner, ty) = self.check(expr);
        self.expect_condition(&ty, expr.span);
        self.require_months(span, "`in K of the last N months`")?;
        let k_value = self.window(k)?;
        let n_value = self.window(n)?;
        if k_value > n_value {
            return Err(self.error(CheckError::BadNumber {
                message: format!("{k_value} months out of the last {n_value} can never happen"),
                span: k.span.to(n.span),
                label: "the first number must not be above the second".to_string(),
                help: Some(format!(
                    "write at most {n_value}, as in `in {n_value} of the last {n_value} months`"
                )),
            }));
        }
        Ok((
            ExprKind::InKOfN(Box::new(inner), k_value, n_value),
            Ty::Flag,
        ))
    }

    fn check_window(
        &mut self,
        func: &Spanned<ast::WindowFn>,
        metric: &ast::Ident,
        months: &Spanned<String>,
        span: Span,
    ) -> Checked {
        let index = self.metric(metric);
        self.require_months(span, &format!("`{}(...)`", func.value.name()))?;
        let n = self.window(months)?;
        let index = index?;
        Ok((
            ExprKind::Window(func.value, index, n),
            self.metric_ty(index),
        ))
    }

    fn check_trend(
        &mut self,
        metric: &ast::Ident,
        improved: bool,
        months: &Spanned<String>,
        span: Span,
    ) -> Checked {
        let word = if improved { "improved" } else { "worsened" };
        let index = self.metric(metric);
        self.require_months(span, &format!("`{word} over last N months`"))?;
        let n = self.window(months)?;
        let index = index?;
        let Some(direction) = self.checker.schema.metrics[index].direction else {
            return Err(self.error(CheckError::NoDirection {
                metric: metric.value.clone(),
                word,
                span: metric.span,
                help: Some(format!(
                    "add `, higher is better` or `, lower is better` to the declaration of `{}`",
                    metric.value
                )),
            }));
        };
        let kind = ExprKind::Trend {
            metric: index,
            improved,
            months: n,
            direction,
        };
        Ok((kind, Ty::Flag))
    }

    fn mismatch(&mut self, message: String, span: Span) -> (Expr, Ty) {
        self.error(CheckError::TypeMismatch {
            message,
            span,
            label: "here".to_string(),
            help: None,
        })
    }

    /// Temporal parts need a month: they cannot stand in `applies to` or a concern filter.
    fn require_months(&mut self, span: Span, what: &str) -> Result<(), (Expr, Ty)> {
        let place = match self.scope {
            Scope::Subject => return Ok(()),
            Scope::AppliesTo => "`applies to`, which can only use subject fields",
            Scope::Concern => "a condition on a single concern",
            Scope::Event => "a condition on a single event",
        };
        Err(self.error(CheckError::OutOfPlace {
            message: format!("{what} cannot be used in {place}"),
            span,
            label: "not allowed here".to_string(),
            help: Some("move this part into the rule's `when` condition".to_string()),
        }))
    }

    /// A number of months in a window: at least 1, at most [`MAX_WINDOW_MONTHS`].
    fn window(&mut self, text: &Spanned<String>) -> Result<u32, (Expr, Ty)> {
        match text.value.parse::<u32>() {
            Ok(n) if (1..=MAX_WINDOW_MONTHS).contains(&n) => Ok(n),
            Ok(0) => Err(self.error(CheckError::BadNumber {
                message: "a window of 0 months looks at nothing".to_string(),
                span: text.span,
                label: "must be at least 1".to_string(),
                help: Some("write 1 or more months".to_string()),
            })),
            _ => Err(self.error(CheckError::BadNumber {
                message: format!("`{}` months is too long a window", text.value),
                span: text.span,
                label: format!("must be at most {MAX_WINDOW_MONTHS}"),
                help: Some(format!(
                    "a window can look back at most {MAX_WINDOW_MONTHS} months (50 years)"
                )),
            })),
        }
    }

    /// The metric named in a window or trend, counted as used.
    fn metric(&mut self, name: &ast::Ident) -> Result<usize, (Expr, Ty)> {
        if let Some(&i) = self.checker.symbols.metrics.get(&name.value) {
            self.checker.usage.metrics[i] = true;
            return Ok(i);
        }
        let metrics = super::names::in_order(&self.checker.symbols.metrics);
        let help = self.checker.suggest(&name.value, &metrics);
        Err(self.error(CheckError::UnknownMetric {
            name: name.value.clone(),
            span: name.span,
            help,
        }))
    }

    /// The type of a metric's values; a metric whose kind is unknown (already reported) fits
    /// anywhere.
    pub(super) fn metric_ty(&self, index: usize) -> Ty {
        match self.checker.metric_kinds[index] {
            Some(kind) => Ty::Number(unit_of(kind)),
            None => Ty::Error,
        }
    }

    // ---------------------------------------------------------------- operators

    fn check_binary(
        &mut self,
        op: &Spanned<BinaryOp>,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> (Expr, Ty) {
        if op.value.is_comparison() {
            return self.check_comparison(op, lhs, rhs, span);
        }
        let (l, lt) = self.check(lhs);
        let (r, rt) = self.check(rhs);
        if op.value.is_logical() {
            self.expect_condition(&lt, lhs.span);
            self.expect_condition(&rt, rhs.span);
            let kind = match op.value {
                BinaryOp::And => ExprKind::And(Box::new(l), Box::new(r)),
                _ => ExprKind::Or(Box::new(l), Box::new(r)),
            };
            return (Expr { kind, span }, Ty::Flag);
        }
        let arith = match op.value {
            BinaryOp::Add => ArithOp::Add,
            BinaryOp::Sub => ArithOp::Sub,
            BinaryOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        let ty = match (&lt, &rt) {
            (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
            (Ty::Date, Ty::Date) if arith == ArithOp::Sub => {
                return self.error(self.date_difference(lhs, rhs))
            }
            (Ty::Date, _) => return self.error(self.date_as_number(lhs, op.value.symbol(), rhs)),
            (_, Ty::Date) => return self.error(self.date_as_number(rhs, op.value.symbol(), lhs)),
            (Ty::Number(a), Ty::Number(b)) => match arith_unit(arith, *a, *b) {
                Some(unit) => Ty::Number(unit),
                None => {
                    return self.error(CheckError::UnitMismatch {
                        message: format!(
                            "cannot {} {} and {}",
                            arith_verb(arith),
                            self.describe(&lt),
                            self.describe(&rt)
                        ),
                        span: op.span,
                        label: "units do not fit".to_string(),
                        others: Vec::new(),
                        help: Some("add or subtract percentages only with percentages; multiply or divide a percentage only by a plain number".to_string()),
                    })
                }
            },
            _ => {
                return self.mismatch(
                    format!("cannot do arithmetic with {} and {}", self.describe(&lt), self.describe(&rt)),
                    op.span,
                )
            }
        };
        let kind = ExprKind::Arith(arith, Box::new(l), Box::new(r));
        (Expr { kind, span }, ty)
    }

    fn check_comparison(
        &mut self,
        op: &Spanned<BinaryOp>,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> (Expr, Ty) {
        let cmp = cmp_op(op.value);
        // A bare name may be a value of the other side's type (`gp`, `high`): check the other
        // side first.
        let (l, lt, r, rt) = match (&lhs.kind, &rhs.kind) {
            (_, A::Name(name)) => {
                let (l, lt) = self.check(lhs);
                let (r, rt) = self.name_beside(&lt, name, rhs.span);
                (l, lt, r, rt)
            }
            (A::Name(name), _) if !self.is_declared(name) => {
                let (r, rt) = self.check(rhs);
                let (l, lt) = self.name_beside(&rt, name, lhs.span);
                (l, lt, r, rt)
            }
            _ => {
                let (l, lt) = self.check(lhs);
                let (r, rt) = self.check(rhs);
                (l, lt, r, rt)
            }
        };
        self.check_comparable(cmp, &lt, &rt, lhs, rhs, op.span);
        let kind = ExprKind::Compare(cmp, Box::new(l), Box::new(r));
        (Expr { kind, span }, Ty::Flag)
    }

    fn check_comparable(
        &mut self,
        op: CmpOp,
        lt: &Ty,
        rt: &Ty,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        op_span: Span,
    ) {
        let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
        match (lt, rt) {
            (Ty::Error, _) | (_, Ty::Error) => {}
            (Ty::Number(a), Ty::Number(b)) if a != b => {
                let error = self.unit_mismatch(*a, lhs, rhs);
                self.checker.error(error);
            }
            (Ty::Number(_), Ty::Number(_)) | (Ty::Date, Ty::Date) => {}
            (Ty::Date, Ty::Number(_)) => {
                let error = self.date_as_number(lhs, op.symbol(), rhs);
                self.checker.error(error);
            }
            (Ty::Number(_), Ty::Date) => {
                let error = self.date_as_number(rhs, op.symbol(), lhs);
                self.checker.error(error);
            }
            (Ty::Level(a), Ty::Level(b)) if a == b => {}
            (Ty::Enum { .. }, Ty::Enum { .. })
            | (Ty::EventEnum(_), Ty::EventEnum(_))
            | (Ty::Flag, Ty::Flag)
            | (Ty::Text, Ty::Text)
                if lt == rt =>
            {
                if ordered {
                    let what = self.describe(lt);
                    self.checker.error(CheckError::TypeMismatch {
                        message: format!(
                            "{what} has no order, so `{}` cannot compare it",
                            op.symbol()
                        ),
                        span: op_span,
                        label: "no order".to_string(),
                        help: Some(
                            "use `=` or `!=` (or `in [...]` for a list of values)".to_string(),
                        ),
                    });
                }
            }
            _ => {
                let message = format!(
                    "cannot compare {} with {}",
                    self.describe(lt),
                    self.describe(rt)
                );
                self.checker.error(CheckError::TypeMismatch {
                    message,
                    span: lhs.span.to(rhs.span),
                    label: "these two are different kinds of value".to_string(),
                    help: None,
                });
            }
        }
    }

    fn check_in_list(&mut self, expr: &ast::Expr, items: &[ast::Expr], span: Span) -> (Expr, Ty) {
        let (e, ty) = self.check(expr);
        let mut checked = Vec::new();
        for item in items {
            let (value, item_ty) = match &item.kind {
                A::Name(name) => self.name_beside(&ty, name, item.span),
                _ => self.check(item),
            };
            self.check_comparable(CmpOp::Eq, &ty, &item_ty, expr, item, item.span);
            checked.push(value);
        }
        (
            Expr {
                kind: ExprKind::InList(Box::new(e), checked),
                span,
            },
            Ty::Flag,
        )
    }

    fn check_concerns(
        &mut self,
        func: &Spanned<AggregateFn>,
        months: Option<&Spanned<String>>,
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> (Expr, Ty) {
        let filter = filter.map(|f| Box::new(self.check_concern_filter(f)));
        let what = format!("`{}(concerns ...)`", func.value.name());
        if let Err(e) = self.require_months(span, &what) {
            return e;
        }
        let months = match months.map(|m| self.window(m)).transpose() {
            Ok(m) => m,
            Err(e) => return e,
        };
        let ty = match func.value {
            AggregateFn::Count => Ty::Number(Unit::Plain),
            _ => Ty::Flag,
        };
        let kind = ExprKind::Concerns {
            func: func.value,
            months,
            filter,
        };
        (Expr { kind, span }, ty)
    }

    /// The `where` part of a concern aggregate: a condition on one concern.
    fn check_concern_filter(&mut self, filter: &ast::Expr) -> Expr {
        let outer = std::mem::replace(&mut self.scope, Scope::Concern);
        let (expr, ty) = self.check(filter);
        self.expect_condition(&ty, filter.span);
        self.scope = outer;
        expr
    }

    // ---------------------------------------------------------------- words

    pub(super) fn text(&self, span: Span) -> &str {
        &self.checker.source[span.start..span.end]
    }

    pub(super) fn type_owner(&self, ty: &Ty) -> String {
        match ty {
            Ty::Enum {
                concern: true,
                field,
            } => self.checker.schema.concern_fields[*field].name.clone(),
            Ty::Enum {
                concern: false,
                field,
            } => self.checker.schema.subject_fields[*field].name.clone(),
            Ty::Level(g) => self.checker.grades[*g].id.clone(),
            Ty::EventEnum(g) => self.checker.schema.event_fields[*g].name.clone(),
            _ => String::new(),
        }
    }

    pub(super) fn describe(&self, ty: &Ty) -> String {
        match ty {
            Ty::Flag => "a yes-or-no value".to_string(),
            Ty::Number(Unit::Percent) => "a percentage".to_string(),
            Ty::Number(Unit::Plain) => "a number".to_string(),
            Ty::Text => "a text".to_string(),
            Ty::Date => "a date".to_string(),
            Ty::Enum { .. } | Ty::EventEnum(_) => format!("a value of `{}`", self.type_owner(ty)),
            Ty::Level(_) => format!("a level of grade `{}`", self.type_owner(ty)),
            Ty::Error => "a value".to_string(),
        }
    }
}

pub(super) fn placeholder() -> Expr {
    Expr {
        kind: ExprKind::Flag(false),
        span: Span::default(),
    }
}

/// A number written in the policy, exactly (the grammar allows only plain decimals).
pub(super) fn parse_number(text: &str) -> Option<Decimal> {
    crate::number::parse_decimal(text).ok()
}

fn number_too_large(text: &str, span: Span) -> CheckError {
    CheckError::BadNumber {
        message: format!("`{text}` has too many digits"),
        span,
        label: "too many digits".to_string(),
        help: Some(format!(
            "a number has at most {} significant digits",
            crate::number::MAX_DIGITS
        )),
    }
}

fn unit_of(kind: MetricKind) -> Unit {
    match kind {
        MetricKind::Percent => Unit::Percent,
        MetricKind::Number | MetricKind::Count => Unit::Plain,
    }
}

pub(super) fn field_ty(ty: &FieldType, concern: bool, field: usize) -> Ty {
    match ty {
        FieldType::Text => Ty::Text,
        FieldType::Number | FieldType::Integer { .. } => Ty::Number(Unit::Plain),
        FieldType::Flag => Ty::Flag,
        FieldType::Date => Ty::Date,
        FieldType::OneOf(_) => Ty::Enum { concern, field },
    }
}

fn cmp_op(op: BinaryOp) -> CmpOp {
    match op {
        BinaryOp::Lt => CmpOp::Lt,
        BinaryOp::Le => CmpOp::Le,
        BinaryOp::Gt => CmpOp::Gt,
        BinaryOp::Ge => CmpOp::Ge,
        BinaryOp::Eq => CmpOp::Eq,
        _ => CmpOp::Ne,
    }
}

fn arith_unit(op: ArithOp, a: Unit, b: Unit) -> Option<Unit> {
    use Unit::*;
    match (op, a, b) {
        (ArithOp::Add | ArithOp::Sub, a, b) if a == b => Some(a),
        (ArithOp::Mul, Plain, Plain) => Some(Plain),
        (ArithOp::Mul, Percent, Plain) | (ArithOp::Mul, Plain, Percent) => Some(Percent),
        (ArithOp::Div, Percent, Percent) | (ArithOp::Div, Plain, Plain) => Some(Plain),
        (ArithOp::Div, Percent, Plain) => Some(Percent),
        _ => None,
    }
}

fn arith_verb(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "add",
        ArithOp::Sub => "subtract",
        ArithOp::Mul => "multiply",
        ArithOp::Div => "divide",
    }
}

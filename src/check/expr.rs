//! Conditions: resolve each name for where it stands, type every part, check units.

use std::sync::Arc;

use super::suggest::did_you_mean;
use super::{CheckError, Checker, MAX_WINDOW_MONTHS};
use crate::ast::{self, AggregateFn, BinaryOp, ExprKind as A, Span, Spanned};
use crate::program::{ArithOp, CmpOp, ConcernAttr, Expr, ExprKind};
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
}

/// The type of a value, for checking.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Flag,
    Number(Unit),
    Text,
    Date,
    /// A value of a `one of` field: whether a concern field, and its position.
    Enum {
        concern: bool,
        field: usize,
    },
    /// A level of a grade.
    Level(usize),
    /// Already reported; stay quiet about it.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
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
        let mut cx = ExprChecker {
            checker: self,
            scope,
            grade,
        };
        let (expr, ty) = cx.check(e);
        cx.expect_condition(&ty, e.span);
        expr
    }
}

struct ExprChecker<'c, 's> {
    checker: &'c mut Checker<'s>,
    scope: Scope,
    /// The grade whose arms are being checked, to record what it depends on.
    grade: Option<usize>,
}

impl ExprChecker<'_, '_> {
    fn error(&mut self, error: CheckError) -> (Expr, Ty) {
        self.checker.error(error);
        (placeholder(), Ty::Error)
    }

    fn expect_condition(&mut self, ty: &Ty, span: Span) {
        if matches!(ty, Ty::Flag | Ty::Error) {
            return;
        }
        let help = match ty {
            Ty::Number(_) => "compare it with something, for example `callbacks >= 20`",
            Ty::Level(_) => {
                "compare the grade with one of its levels, for example `concern_level >= pattern`"
            }
            Ty::Enum { .. } => {
                "compare the field with one of its values, for example `staff_group = gp`"
            }
            _ => "compare it with something to make a yes-or-no condition",
        };
        self.checker.error(CheckError::TypeMismatch {
            message: format!(
                "a condition must be yes or no, but this is {}",
                self.describe(ty)
            ),
            span,
            label: "not a yes-or-no condition".to_string(),
            help: Some(help.to_string()),
        });
    }

    fn check(&mut self, e: &ast::Expr) -> (Expr, Ty) {
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
            A::Percent(text) => match parse_number(text) {
                Some(n) => (ExprKind::Number(n), Ty::Number(Unit::Percent)),
                None => return Ok(self.error(number_too_large(text, span))),
            },
            A::Flag(b) => (ExprKind::Flag(*b), Ty::Flag),
            A::Text(t) => (ExprKind::Text(Arc::from(t.as_str())), Ty::Text),
            A::Date(d) => (ExprKind::Date(*d), Ty::Date),
            A::Name(name) => return Ok(self.resolve_name(name, span)),
            A::Neg(inner) => {
                let (inner, ty) = self.check(inner);
                if !matches!(ty, Ty::Number(_) | Ty::Error) {
                    return Ok(self.mismatch(
                        format!("only a number can be negative, not {}", self.describe(&ty)),
                        span,
                    ));
                }
                (ExprKind::Neg(Box::new(inner)), ty)
            }
            A::Not(inner) => {
                let (inner_expr, ty) = self.check(inner);
                self.expect_condition(&ty, inner.span);
                (ExprKind::Not(Box::new(inner_expr)), Ty::Flag)
            }
            A::Binary { op, lhs, rhs } => return Ok(self.check_binary(op, lhs, rhs, span)),
            A::InList { expr, items } => return Ok(self.check_in_list(expr, items, span)),
            A::For { expr, months, .. } => {
                self.require_months(span, "`for N months`")?;
                let n = self.window(months)?;
                let (inner, ty) = self.check(expr);
                self.expect_condition(&ty, expr.span);
                (ExprKind::For(Box::new(inner), n), Ty::Flag)
            }
            A::InKOfN { expr, k, n } => {
                self.require_months(span, "`in K of the last N months`")?;
                let k_value = self.window(k)?;
                let n_value = self.window(n)?;
                if k_value > n_value {
                    return Ok(self.error(CheckError::BadNumber {
                        message: format!("{k_value} months out of the last {n_value} can never happen"),
                        span: k.span.to(n.span),
                        label: "the first number must not be above the second".to_string(),
                        help: Some(format!("write at most {n_value}, as in `in {n_value} of the last {n_value} months`")),
                    }));
                }
                let (inner, ty) = self.check(expr);
                self.expect_condition(&ty, expr.span);
                (
                    ExprKind::InKOfN(Box::new(inner), k_value, n_value),
                    Ty::Flag,
                )
            }
            A::Window {
                func,
                metric,
                months,
            } => {
                self.require_months(span, &format!("`{}(...)`", func.value.name()))?;
                let n = self.window(months)?;
                let (index, kind) = self.metric(metric)?;
                (
                    ExprKind::Window(func.value, index, n),
                    Ty::Number(unit_of(kind)),
                )
            }
            A::Trend {
                metric,
                improved,
                months,
            } => {
                let word = if *improved { "improved" } else { "worsened" };
                self.require_months(span, &format!("`{word} over last N months`"))?;
                let n = self.window(months)?;
                let (index, _) = self.metric(metric)?;
                let Some(direction) = self.checker.schema.metrics[index].direction else {
                    return Ok(self.error(CheckError::NoDirection {
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
                    improved: *improved,
                    months: n,
                    direction,
                };
                (kind, Ty::Flag)
            }
            A::Concerns {
                func,
                months,
                filter,
            } => return Ok(self.check_concerns(func, months.as_ref(), filter.as_deref(), span)),
        };
        Ok((Expr { kind, span }, ty))
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

    fn metric(&mut self, name: &ast::Ident) -> Result<(usize, MetricKind), (Expr, Ty)> {
        match self.checker.symbols.metrics.get(&name.value) {
            Some(&i) => {
                self.checker.usage.metrics[i] = true;
                Ok((i, self.checker.schema.metrics[i].kind))
            }
            None => {
                let help = did_you_mean(
                    &name.value,
                    self.checker.symbols.metrics.keys().map(String::as_str),
                );
                Err(self.error(CheckError::UnknownMetric {
                    name: name.value.clone(),
                    span: name.span,
                    help,
                }))
            }
        }
    }

    // ---------------------------------------------------------------- names

    fn resolve_name(&mut self, name: &str, span: Span) -> (Expr, Ty) {
        match self.lookup(name) {
            Some(Ok((kind, ty))) => (Expr { kind, span }, ty),
            Some(Err(place_error)) => self.error(place_error(span)),
            None => self.unknown_name(name, span),
        }
    }

    /// What `name` means in this scope: a value, or an error saying it belongs elsewhere.
    #[allow(clippy::type_complexity)]
    fn lookup(
        &mut self,
        name: &str,
    ) -> Option<Result<(ExprKind, Ty), Box<dyn Fn(Span) -> CheckError>>> {
        let symbols = &self.checker.symbols;
        let metric = symbols.metrics.get(name).copied();
        let subject_field = symbols.subject_fields.get(name).copied();
        let grade = symbols.grades.get(name).copied();
        let concern_grade = grade.filter(|&g| self.checker.per_concern[g]);
        let subject_grade = grade.filter(|&g| !self.checker.per_concern[g]);
        let concern_attr = match name {
            "id" => Some((ConcernAttr::Id, Ty::Text)),
            "subject" => Some((ConcernAttr::Subject, Ty::Text)),
            "raised_on" => Some((ConcernAttr::RaisedOn, Ty::Date)),
            _ => symbols.concern_fields.get(name).map(|&i| {
                let ty = field_ty(&self.checker.schema.concern_fields[i].ty, true, i);
                (ConcernAttr::Field(i), ty)
            }),
        }
        .or_else(|| concern_grade.map(|g| (ConcernAttr::Grade(g), Ty::Level(g))));
        let name_owned = name.to_string();
        match self.scope {
            Scope::Concern => {
                if let Some((attr, ty)) = concern_attr {
                    if let ConcernAttr::Grade(g) = attr {
                        self.use_grade(g);
                    }
                    return Some(Ok((ExprKind::Concern(attr), ty)));
                }
                let what = describe_declared(metric, subject_field, subject_grade)?;
                Some(Err(Box::new(move |span| {
                    CheckError::OutOfPlace {
                    message: format!("`{name_owned}` is {what}, which cannot be used in a condition on a single concern"),
                    span,
                    label: "not a field of the concern".to_string(),
                    help: Some("inside `where` and in `for each concern` grades, use the concern's own fields; move this part outside the concern filter".to_string()),
                }
                })))
            }
            Scope::Subject | Scope::AppliesTo => {
                if let Some(i) = subject_field {
                    let ty = field_ty(&self.checker.schema.subject_fields[i].ty, false, i);
                    return Some(Ok((ExprKind::SubjectField(i), ty)));
                }
                if self.scope == Scope::Subject {
                    if let Some(i) = metric {
                        self.checker.usage.metrics[i] = true;
                        let ty = Ty::Number(unit_of(self.checker.schema.metrics[i].kind));
                        return Some(Ok((ExprKind::Metric(i), ty)));
                    }
                    if let Some(g) = subject_grade {
                        self.use_grade(g);
                        return Some(Ok((ExprKind::Grade(g), Ty::Level(g))));
                    }
                } else if let Some(what) = describe_declared(metric, None, subject_grade) {
                    return Some(Err(Box::new(move |span| {
                        CheckError::OutOfPlace {
                        message: format!("`applies to` can only use subject fields, and `{name_owned}` is {what}"),
                        span,
                        label: "not a subject field".to_string(),
                        help: Some("move this part into the rule's `when` condition".to_string()),
                    }
                    })));
                }
                if let Some((attr, _)) = concern_attr {
                    let what = match attr {
                        ConcernAttr::Grade(_) => "a grade given to each concern",
                        _ => "a field of concern records",
                    };
                    return Some(Err(Box::new(move |span| {
                        CheckError::OutOfPlace {
                        message: format!("`{name_owned}` is {what}, so it can only be used inside a concern filter"),
                        span,
                        label: "only meaningful for one concern at a time".to_string(),
                        help: Some(format!("use it inside `where`, for example `any(concerns in last 12 months where {name_owned})`")),
                    }
                    })));
                }
                None
            }
        }
    }

    fn use_grade(&mut self, g: usize) {
        self.checker.usage.grades[g] = true;
        if let Some(current) = self.grade {
            if !self.checker.grade_deps[current].contains(&g) {
                self.checker.grade_deps[current].push(g);
            }
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) -> (Expr, Ty) {
        let symbols = &self.checker.symbols;
        let error = match self.scope {
            Scope::Concern => {
                let mut names: Vec<&str> =
                    symbols.concern_fields.keys().map(String::as_str).collect();
                names.extend(["id", "subject", "raised_on"]);
                names.extend(
                    self.checker
                        .grades
                        .iter()
                        .filter(|g| g.per_concern)
                        .map(|g| g.id.as_str()),
                );
                CheckError::UnknownConcernField {
                    name: name.to_string(),
                    span,
                    help: did_you_mean(name, names),
                }
            }
            Scope::AppliesTo => CheckError::UnknownField {
                name: name.to_string(),
                span,
                help: did_you_mean(name, symbols.subject_fields.keys().map(String::as_str)),
            },
            Scope::Subject => {
                let metrics = symbols.metrics.keys().map(String::as_str);
                let others = symbols.subject_fields.keys().map(String::as_str).chain(
                    self.checker
                        .grades
                        .iter()
                        .filter(|g| !g.per_concern)
                        .map(|g| g.id.as_str()),
                );
                let best = super::closest(name, metrics.clone().chain(others.clone()));
                let help = best.map(|b| format!("did you mean `{b}`?"));
                match best.is_some_and(|b| symbols.metrics.contains_key(b)) {
                    true => CheckError::UnknownMetric {
                        name: name.to_string(),
                        span,
                        help,
                    },
                    false => CheckError::UnknownName {
                        name: name.to_string(),
                        span,
                        help: help.or_else(|| Some("declare it with `metric`, in the `subjects` block, or as a `grade`".to_string())),
                    },
                }
            }
        };
        self.error(error)
    }

    /// A name standing for a value of the other side's type: an enumeration value or a level.
    fn value_of(&mut self, ty: &Ty, name: &str, span: Span) -> Option<(Expr, Ty)> {
        let (kind, values) = match ty {
            Ty::Enum { concern, field } => {
                let fields = match concern {
                    true => &self.checker.schema.concern_fields,
                    false => &self.checker.schema.subject_fields,
                };
                let FieldType::OneOf(values) = &fields[*field].ty else {
                    return None;
                };
                let position = values.iter().position(|v| v == name);
                (
                    position.map(|p| ExprKind::EnumValue(p as u32)),
                    values.clone(),
                )
            }
            Ty::Level(g) => {
                let levels = &self.checker.grades[*g].levels;
                let position = levels.iter().position(|l| l == name);
                (position.map(|p| ExprKind::Level(p as u16)), levels.clone())
            }
            _ => return None,
        };
        if let Some(kind) = kind {
            return Some((Expr { kind, span }, ty.clone()));
        }
        if self.lookup(name).is_some() {
            return None;
        }
        let help = did_you_mean(name, values.iter().map(String::as_str));
        let error = match ty {
            Ty::Level(g) => CheckError::UnknownLevel {
                name: name.to_string(),
                grade: self.checker.grades[*g].id.clone(),
                span,
                help,
            },
            _ => CheckError::UnknownValue {
                name: name.to_string(),
                field: self.type_owner(ty),
                span,
                help,
            },
        };
        Some(self.error(error))
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
        let (l, lt, r, rt) = match (&lhs.kind, &rhs.kind) {
            (_, A::Name(name)) => {
                let (l, lt) = self.check(lhs);
                match self.value_of(&lt, name, rhs.span) {
                    Some((r, rt)) => (l, lt, r, rt),
                    None => {
                        let (r, rt) = self.check(rhs);
                        (l, lt, r, rt)
                    }
                }
            }
            (A::Name(name), _) if self.lookup(name).is_none() => {
                let (r, rt) = self.check(rhs);
                let (l, lt) = self
                    .value_of(&rt, name, lhs.span)
                    .unwrap_or_else(|| self.check(lhs));
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
                let error = self.unit_mismatch(*a, lhs, rhs, op_span);
                self.checker.error(error);
            }
            (Ty::Number(_), Ty::Number(_)) | (Ty::Date, Ty::Date) => {}
            (Ty::Level(a), Ty::Level(b)) if a == b => {}
            (Ty::Enum { .. }, Ty::Enum { .. }) | (Ty::Flag, Ty::Flag) | (Ty::Text, Ty::Text)
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

    fn unit_mismatch(
        &self,
        lhs_unit: Unit,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        op_span: Span,
    ) -> CheckError {
        let (percent_side, plain_side) = match lhs_unit {
            Unit::Percent => (lhs, rhs),
            Unit::Plain => (rhs, lhs),
        };
        let help = match &plain_side.kind {
            A::Number(text) => {
                let value = parse_number(text).unwrap_or(0.0);
                let as_percent = if value > 0.0 && value <= 1.0 {
                    value * 100.0
                } else {
                    value
                };
                Some(format!(
                    "write the percentage with `%`: `{}%`",
                    trim_float(as_percent)
                ))
            }
            _ => {
                Some("compare a percentage only with another percentage, such as `80%`".to_string())
            }
        };
        CheckError::UnitMismatch {
            message: format!(
                "`{}` is a percentage but `{}` is not",
                self.text(percent_side.span),
                self.text(plain_side.span)
            ),
            span: op_span,
            label: "a percentage compared with a plain number".to_string(),
            help,
        }
    }

    fn check_in_list(&mut self, expr: &ast::Expr, items: &[ast::Expr], span: Span) -> (Expr, Ty) {
        let (e, ty) = self.check(expr);
        let mut checked = Vec::new();
        for item in items {
            let (value, item_ty) = match &item.kind {
                A::Name(name) => self
                    .value_of(&ty, name, item.span)
                    .unwrap_or_else(|| self.check(item)),
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
        if let Err(e) = self.require_months(span, &format!("`{}(concerns ...)`", func.value.name()))
        {
            return e;
        }
        let months = match months.map(|m| self.window(m)).transpose() {
            Ok(m) => m,
            Err(e) => return e,
        };
        let filter = filter.map(|f| {
            let outer = std::mem::replace(&mut self.scope, Scope::Concern);
            let (expr, ty) = self.check(f);
            self.expect_condition(&ty, f.span);
            self.scope = outer;
            Box::new(expr)
        });
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

    // ---------------------------------------------------------------- words

    fn text(&self, span: Span) -> &str {
        &self.checker.source[span.start..span.end]
    }

    fn type_owner(&self, ty: &Ty) -> String {
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
            _ => String::new(),
        }
    }

    fn describe(&self, ty: &Ty) -> String {
        match ty {
            Ty::Flag => "a yes-or-no value".to_string(),
            Ty::Number(Unit::Percent) => "a percentage".to_string(),
            Ty::Number(Unit::Plain) => "a number".to_string(),
            Ty::Text => "a text".to_string(),
            Ty::Date => "a date".to_string(),
            Ty::Enum { .. } => format!("a value of `{}`", self.type_owner(ty)),
            Ty::Level(_) => format!("a level of grade `{}`", self.type_owner(ty)),
            Ty::Error => "a value".to_string(),
        }
    }
}

fn placeholder() -> Expr {
    Expr {
        kind: ExprKind::Flag(false),
        span: Span::default(),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn number_too_large(text: &str, span: Span) -> CheckError {
    CheckError::BadNumber {
        message: format!("`{text}` is too large a number"),
        span,
        label: "too large".to_string(),
        help: Some("use a smaller number".to_string()),
    }
}

fn trim_float(n: f64) -> String {
    let s = format!("{n:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn unit_of(kind: MetricKind) -> Unit {
    match kind {
        MetricKind::Percent => Unit::Percent,
        MetricKind::Number | MetricKind::Count => Unit::Plain,
    }
}

fn field_ty(ty: &FieldType, concern: bool, field: usize) -> Ty {
    match ty {
        FieldType::Text => Ty::Text,
        FieldType::Number | FieldType::Integer { .. } => Ty::Number(Unit::Plain),
        FieldType::Flag => Ty::Flag,
        FieldType::Date => Ty::Date,
        FieldType::OneOf(_) => Ty::Enum { concern, field },
    }
}

fn describe_declared(
    metric: Option<usize>,
    field: Option<usize>,
    grade: Option<usize>,
) -> Option<&'static str> {
    match (metric, field, grade) {
        (Some(_), _, _) => Some("a metric"),
        (_, Some(_), _) => Some("a subject field"),
        (_, _, Some(_)) => Some("a grade of the subject"),
        _ => None,
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

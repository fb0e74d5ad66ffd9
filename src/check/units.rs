//! Percentages compared with plain numbers: which side is wrong, and how to write it.

use miette::LabeledSpan;

use super::expr::{parse_number, ExprChecker, Unit};
use super::CheckError;
use crate::ast::{self, ExprKind as A};
use crate::schema::MetricKind;

impl ExprChecker<'_, '_> {
    /// The error for a comparison of a percentage with a plain number. The underline is on
    /// the side with the wrong unit: the written value when there is one (`0.8`, `20%`).
    pub(super) fn unit_mismatch(
        &self,
        lhs_unit: Unit,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
    ) -> CheckError {
        let (percent_side, plain_side) = match lhs_unit {
            Unit::Percent => (lhs, rhs),
            Unit::Plain => (rhs, lhs),
        };
        let (wrong, other) = match is_literal(lhs) && !is_literal(rhs) {
            true => (lhs, rhs),
            false => (rhs, lhs),
        };
        let label_for = |side: &ast::Expr| match std::ptr::eq(side, percent_side) {
            true => "a percentage".to_string(),
            false => format!("{}, not a percentage", self.plain_kind(plain_side)),
        };
        CheckError::UnitMismatch {
            message: format!(
                "`{}` is a percentage but `{}` is not",
                self.text(percent_side.span),
                self.text(plain_side.span)
            ),
            span: wrong.span,
            label: label_for(wrong),
            others: vec![LabeledSpan::new_with_span(
                Some(label_for(other)),
                other.span,
            )],
            help: Some(self.unit_help(percent_side, plain_side)),
        }
    }

    fn unit_help(&self, percent_side: &ast::Expr, plain_side: &ast::Expr) -> String {
        if let A::Number(text) = &plain_side.kind {
            let value = parse_number(text).unwrap_or_default();
            let as_percent =
                match value > rust_decimal::Decimal::ZERO && value <= rust_decimal::Decimal::ONE {
                    true => value * rust_decimal::Decimal::ONE_HUNDRED,
                    false => value,
                };
            return format!(
                "write the percentage with `%`: `{}%`",
                as_percent.normalize()
            );
        }
        if let A::Percent(text) = &percent_side.kind {
            return format!(
                "`{}` is {}: write `{text}` without `%`",
                self.text(plain_side.span),
                self.plain_kind(plain_side)
            );
        }
        "compare a percentage only with another percentage, such as `80%`".to_string()
    }

    /// What the side that is not a percentage is, in words.
    fn plain_kind(&self, side: &ast::Expr) -> &'static str {
        let metric = match &side.kind {
            A::Name(name) => self.checker.symbols.metrics.get(name).copied(),
            A::Number(_) => return "a plain number",
            _ => None,
        };
        let kind = metric.and_then(|i| self.checker.metric_kinds[i]);
        match kind {
            Some(MetricKind::Count) => "a count",
            _ => "a number",
        }
    }
}

/// A number or percentage written as it is, possibly negative.
fn is_literal(e: &ast::Expr) -> bool {
    match &e.kind {
        A::Number(_) | A::Percent(_) => true,
        A::Neg(inner) => is_literal(inner),
        _ => false,
    }
}

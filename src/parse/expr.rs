//! Conditions and values: operator precedence by pest's Pratt parser.

use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Builder, ParseError, Rule};
use crate::ast::{AggregateFn, BinaryOp, Expr, ExprKind, Span, Spanned, WindowFn};
use crate::quote::{shorten, thousands};

/// Loosest first: `or`; `and`; `not`; temporal suffixes; comparisons; `+ -`; `* /`; unary `-`.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::postfix(Rule::for_months) | Op::postfix(Rule::in_k_of_n))
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::postfix(Rule::in_list))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
});

impl Builder {
    /// Builds an `expr` pair.
    pub(super) fn build_expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span_of(&pair);
        let text = pair.as_str();
        let parts = pair.into_inner();
        let too_long = || Expr {
            kind: ExprKind::Flag(false),
            span,
        };
        // Pest's Pratt parser recurses once per prefix operator, so bound them before it runs.
        let prefixes = parts
            .clone()
            .filter(|p| matches!(p.as_rule(), Rule::not_op | Rule::neg))
            .count();
        let what = if parts.len() > super::MAX_EXPRESSION_PARTS {
            Some(format!(
                "has {} parts, more than the {} allowed",
                thousands(parts.len() as u64),
                thousands(super::MAX_EXPRESSION_PARTS as u64)
            ))
        } else if prefixes > super::MAX_EXPRESSION_DEPTH {
            Some(format!(
                "has {prefixes} `not`s or minus signs in a row, more than the {} levels allowed",
                super::MAX_EXPRESSION_DEPTH
            ))
        } else {
            None
        };
        if let Some(what) = what {
            self.errors.push(too_long_error(what, text, span));
            return too_long();
        }
        let expr = self.build_operators(parts);
        // Checked at every bracket level, so no part handed up is deeper than the limit and
        // neither this walk nor dropping the tree recurses far.
        if depth(&expr) > super::MAX_EXPRESSION_DEPTH {
            let what = format!("is more than {} levels deep", super::MAX_EXPRESSION_DEPTH);
            self.errors.push(too_long_error(what, text, span));
            return too_long();
        }
        expr
    }

    fn build_operators(&mut self, parts: Pairs<Rule>) -> Expr {
        // The Pratt parser's callbacks all need `self`; a RefCell lets them share it.
        let this = std::cell::RefCell::new(self);
        let expr = PRATT
            .map_primary(|p| this.borrow_mut().build_primary(p))
            .map_prefix(|op, rhs| {
                let span = this.borrow().span_of(&op).to(rhs.span);
                let kind = match op.as_rule() {
                    Rule::not_op => ExprKind::Not(Box::new(rhs)),
                    _ => ExprKind::Neg(Box::new(rhs)),
                };
                Expr { kind, span }
            })
            .map_postfix(|lhs, op| this.borrow_mut().build_postfix(lhs, op))
            .map_infix(|lhs, op, rhs| this.borrow().build_binary(lhs, op, rhs))
            .parse(parts);
        expr
    }

    fn build_postfix(&mut self, lhs: Expr, op: Pair<Rule>) -> Expr {
        let span = lhs.span.to(self.span_of(&op));
        let rule = op.as_rule();
        let mut inner = op.into_inner();
        let kind = match rule {
            Rule::for_months => {
                let months = self.build_raw(inner.next().expect("month count"));
                let consecutive = inner.next().is_some();
                ExprKind::For {
                    expr: Box::new(lhs),
                    months,
                    consecutive,
                }
            }
            Rule::in_k_of_n => ExprKind::InKOfN {
                expr: Box::new(lhs),
                k: self.build_raw(inner.next().expect("k")),
                n: self.build_raw(inner.next().expect("n")),
            },
            _ => ExprKind::InList {
                expr: Box::new(lhs),
                items: inner.map(|item| self.build_primary(item)).collect(),
            },
        };
        Expr { kind, span }
    }

    fn build_primary(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = super::first_inner(pair);
                return Expr {
                    span,
                    ..self.build_expr(inner)
                };
            }
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            Rule::percent => ExprKind::Percent(pair.as_str().trim_end_matches('%').to_string()),
            Rule::flag => ExprKind::Flag(super::build_flag(&pair)),
            Rule::string => ExprKind::Text(self.build_text(pair).value),
            Rule::date => ExprKind::Date(self.build_date(pair).value),
            Rule::name | Rule::ident => ExprKind::Name(pair.as_str().to_string()),
            Rule::window => self.build_window(pair),
            Rule::trend => self.build_trend(pair),
            Rule::aggregate => self.build_aggregate(pair),
            Rule::pick_date
            | Rule::field_of
            | Rule::elapsed
            | Rule::deadline_test
            | Rule::deadline_bare
            | Rule::no_within => self.build_event_primary(pair),
            other => unreachable!("the grammar has no primary {other:?}"),
        };
        Expr { kind, span }
    }

    fn build_aggregate(&mut self, pair: Pair<Rule>) -> ExprKind {
        let mut inner = pair.into_inner();
        let func_pair = inner.next().expect("aggregate function");
        let func = aggregate_fn(func_pair.as_str()).expect("the grammar's aggregates");
        let func = Spanned::new(func, self.span_of(&func_pair));
        if let Some(set) = inner.clone().find(|p| p.as_rule() == Rule::event_set) {
            return ExprKind::Events {
                func,
                set: self.build_event_set(set),
            };
        }
        let mut months = None;
        let mut filter = None;
        for part in inner {
            match part.as_rule() {
                Rule::concern_window => months = Some(self.build_raw(super::first_inner(part))),
                _ => filter = Some(Box::new(self.build_expr(super::first_inner(part)))),
            }
        }
        ExprKind::Concerns {
            func,
            months,
            filter,
        }
    }
}

/// How many levels a condition has, counting each operator, suffix and function.
/// `parse::too_long`, quoting and underlining only the start of the condition.
fn too_long_error(what: String, text: &str, span: Span) -> ParseError {
    ParseError::TooLong {
        what,
        excerpt: shorten(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_str(),
        ),
        span: span.head(text),
    }
}

/// The window function a word names (`average`, `min`, `max`, `sum`).
pub(super) fn window_fn(word: &str) -> Option<WindowFn> {
    match word {
        "average" => Some(WindowFn::Average),
        "min" => Some(WindowFn::Min),
        "max" => Some(WindowFn::Max),
        "sum" => Some(WindowFn::Sum),
        _ => None,
    }
}

/// The aggregate a word names (`count`, `any`, `all`).
pub(super) fn aggregate_fn(word: &str) -> Option<AggregateFn> {
    match word {
        "count" => Some(AggregateFn::Count),
        "any" => Some(AggregateFn::Any),
        "all" => Some(AggregateFn::All),
        _ => None,
    }
}

pub(super) fn depth(e: &Expr) -> usize {
    let inner = match &e.kind {
        ExprKind::Neg(x) | ExprKind::Not(x) => depth(x),
        ExprKind::Binary { lhs, rhs, .. } => depth(lhs).max(depth(rhs)),
        ExprKind::InList { expr, items } => items.iter().map(depth).fold(depth(expr), usize::max),
        ExprKind::For { expr, .. } | ExprKind::InKOfN { expr, .. } => depth(expr),
        ExprKind::Concerns {
            filter: Some(f), ..
        } => depth(f),
        ExprKind::Events { set, .. } => set.filter.as_deref().map_or(0, depth),
        _ => 0,
    };
    inner + 1
}

impl Builder {
    fn build_binary(&self, lhs: Expr, op: Pair<Rule>, rhs: Expr) -> Expr {
        let op_span = self.span_of(&op);
        let op = match op.as_rule() {
            Rule::or_op => BinaryOp::Or,
            Rule::and_op => BinaryOp::And,
            Rule::lt => BinaryOp::Lt,
            Rule::le => BinaryOp::Le,
            Rule::gt => BinaryOp::Gt,
            Rule::ge => BinaryOp::Ge,
            Rule::eq => BinaryOp::Eq,
            Rule::ne => BinaryOp::Ne,
            Rule::add => BinaryOp::Add,
            Rule::sub => BinaryOp::Sub,
            Rule::mul => BinaryOp::Mul,
            Rule::div => BinaryOp::Div,
            other => unreachable!("the grammar has no operator {other:?}"),
        };
        let span: Span = lhs.span.to(rhs.span);
        Expr {
            kind: ExprKind::Binary {
                op: Spanned::new(op, op_span),
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        }
    }

    fn build_window(&self, pair: Pair<Rule>) -> ExprKind {
        let mut inner = pair.into_inner();
        let func_pair = inner.next().expect("window function");
        let func = window_fn(func_pair.as_str()).expect("the grammar's window functions");
        ExprKind::Window {
            func: Spanned::new(func, self.span_of(&func_pair)),
            metric: self.build_ident(inner.next().expect("metric")),
            months: self.build_raw(inner.next().expect("months")),
        }
    }

    fn build_trend(&self, pair: Pair<Rule>) -> ExprKind {
        let mut inner = pair.into_inner();
        let metric = self.build_ident(inner.next().expect("metric"));
        let improved = inner.next().expect("direction").as_str() == "improved";
        let months = self.build_raw(inner.next().expect("months"));
        ExprKind::Trend {
            metric,
            improved,
            months,
        }
    }
}

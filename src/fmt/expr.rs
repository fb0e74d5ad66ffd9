//! Conditions and values printed from the syntax tree, with the fewest parentheses that keep
//! the tree the parser builds (see the precedence table in `src/parse/expr.rs`), and wrapped
//! before the top-level `and`/`or` when they do not fit.

use crate::ast::{BinaryOp, Expr, ExprKind, Spanned};

/// How tightly an expression holds together, loosest first, as the parser reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Not,
    /// `X for N months`, `X in K of the last N months`: bind to the comparison before them.
    Temporal,
    /// Comparisons and `X in [...]`.
    Comparison,
    Sum,
    Product,
    Negation,
    Primary,
}

impl Level {
    /// The next tighter level: what the right operand of a left-associative operator needs.
    fn tighter(self) -> Level {
        match self {
            Level::Or => Level::And,
            Level::And => Level::Not,
            Level::Not => Level::Temporal,
            Level::Temporal => Level::Comparison,
            Level::Comparison => Level::Sum,
            Level::Sum => Level::Product,
            Level::Product => Level::Negation,
            Level::Negation | Level::Primary => Level::Primary,
        }
    }
}

fn level_of(expr: &Expr) -> Level {
    match &expr.kind {
        ExprKind::Binary { op, .. } => level_of_operator(op.value),
        ExprKind::Not(_) => Level::Not,
        ExprKind::For { .. } | ExprKind::InKOfN { .. } => Level::Temporal,
        ExprKind::InList { .. } => Level::Comparison,
        ExprKind::Neg(_) => Level::Negation,
        _ => Level::Primary,
    }
}

fn level_of_operator(op: BinaryOp) -> Level {
    match op {
        BinaryOp::Or => Level::Or,
        BinaryOp::And => Level::And,
        BinaryOp::Add | BinaryOp::Sub => Level::Sum,
        BinaryOp::Mul | BinaryOp::Div => Level::Product,
        _ => Level::Comparison,
    }
}

/// A condition cut before each of its top-level `and`s (or `or`s).
pub(super) struct Chain<'e> {
    /// The operator that joins the parts.
    pub op: BinaryOp,
    /// The first part.
    pub first: &'e Expr,
    /// The other parts, each with the operator before it.
    pub rest: Vec<(&'e Spanned<BinaryOp>, &'e Expr)>,
}

/// Prints expressions; reads the source only for how a flag was spelt.
pub(super) struct Printer<'s> {
    source: &'s str,
}

impl<'s> Printer<'s> {
    /// A printer for expressions parsed from `source`.
    pub fn new(source: &'s str) -> Printer<'s> {
        Printer { source }
    }

    /// The expression on one line.
    pub fn expr(&self, expr: &Expr) -> String {
        let mut out = String::new();
        self.write(expr, &mut out);
        out
    }

    /// The condition's top-level `and`/`or` chain, when it has one.
    pub fn chain<'e>(&self, expr: &'e Expr) -> Option<Chain<'e>> {
        let ExprKind::Binary { op, .. } = &expr.kind else {
            return None;
        };
        if !op.value.is_logical() {
            return None;
        }
        let mut rest = Vec::new();
        let mut first = expr;
        while let ExprKind::Binary {
            op: inner,
            lhs,
            rhs,
        } = &first.kind
        {
            if inner.value != op.value {
                break;
            }
            rest.push((inner, rhs.as_ref()));
            first = lhs;
        }
        rest.reverse();
        Some(Chain {
            op: op.value,
            first,
            rest,
        })
    }

    /// The first part of a chain, parenthesised as the left operand of its operator.
    pub fn chain_first(&self, chain: &Chain) -> String {
        self.operand(chain.first, level_of_operator(chain.op))
    }

    /// A later part of a chain, parenthesised as the right operand of its operator.
    pub fn chain_part(&self, chain: &Chain, part: &Expr) -> String {
        self.operand(part, level_of_operator(chain.op).tighter())
    }

    /// Whether the author broke the line before one of the chain's operators.
    pub fn written_across_lines(&self, chain: &Chain) -> bool {
        let mut previous = chain.first;
        chain.rest.iter().any(|(op, part)| {
            let gap = &self.source[previous.span.end.min(op.span.start)..op.span.start];
            previous = part;
            gap.contains('\n')
        })
    }

    fn operand(&self, expr: &Expr, needed: Level) -> String {
        let mut out = String::new();
        self.write_operand(expr, needed, &mut out);
        out
    }

    fn write_operand(&self, expr: &Expr, needed: Level, out: &mut String) {
        match level_of(expr) < needed {
            true => {
                out.push('(');
                self.write(expr, out);
                out.push(')');
            }
            false => self.write(expr, out),
        }
    }

    fn write(&self, expr: &Expr, out: &mut String) {
        match &expr.kind {
            ExprKind::Number(text) => out.push_str(text),
            ExprKind::Percent(text) => {
                out.push_str(text);
                out.push('%');
            }
            ExprKind::Flag(value) => out.push_str(self.flag_word(expr, *value)),
            ExprKind::Text(text) => out.push_str(&quoted(text)),
            ExprKind::Date(date) => out.push_str(&date.to_string()),
            ExprKind::Name(name) => out.push_str(name),
            ExprKind::Neg(inner) => {
                out.push('-');
                self.write_operand(inner, Level::Negation, out);
            }
            ExprKind::Not(inner) => {
                out.push_str("not ");
                self.write_operand(inner, Level::Not, out);
            }
            ExprKind::Binary { op, lhs, rhs } => self.write_binary(op.value, lhs, rhs, out),
            ExprKind::InList { expr, items } => self.write_in_list(expr, items, out),
            ExprKind::For {
                expr,
                months,
                consecutive,
            } => {
                self.write_operand(expr, Level::Temporal, out);
                let consecutive = if *consecutive { " consecutive" } else { "" };
                let word = months_word(&months.value);
                out.push_str(&format!(" for {}{consecutive} {word}", months.value));
            }
            ExprKind::InKOfN { expr, k, n } => {
                self.write_operand(expr, Level::Temporal, out);
                let word = months_word(&n.value);
                out.push_str(&format!(" in {} of the last {} {word}", k.value, n.value));
            }
            ExprKind::Window {
                func,
                metric,
                months,
            } => out.push_str(&format!(
                "{}({} over last {} {})",
                func.value.name(),
                metric.value,
                months.value,
                months_word(&months.value)
            )),
            ExprKind::Trend {
                metric,
                improved,
                months,
            } => {
                let direction = if *improved { "improved" } else { "worsened" };
                out.push_str(&format!(
                    "{} {direction} over last {} {}",
                    metric.value,
                    months.value,
                    months_word(&months.value)
                ));
            }
            ExprKind::Concerns {
                func,
                months,
                filter,
            } => self.write_concerns(func.value.name(), months.as_ref(), filter.as_deref(), out),
            kind => self.write_event_form(kind, out),
        }
    }

    fn write_binary(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, out: &mut String) {
        let level = level_of_operator(op);
        self.write_operand(lhs, level, out);
        out.push(' ');
        out.push_str(op.symbol());
        out.push(' ');
        self.write_operand(rhs, level.tighter(), out);
    }

    fn write_in_list(&self, expr: &Expr, items: &[Expr], out: &mut String) {
        self.write_operand(expr, Level::Comparison, out);
        out.push_str(" in [");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.write(item, out);
        }
        out.push(']');
    }

    fn write_concerns(
        &self,
        func: &str,
        months: Option<&Spanned<String>>,
        filter: Option<&Expr>,
        out: &mut String,
    ) {
        out.push_str(func);
        out.push_str("(concerns");
        if let Some(months) = months {
            let word = months_word(&months.value);
            out.push_str(&format!(" in last {} {word}", months.value));
        }
        if let Some(filter) = filter {
            out.push_str(" where ");
            self.write(filter, out);
        }
        out.push(')');
    }

    /// `yes`, `no`, `true` or `false` as the author wrote it (the tree keeps only the value);
    /// the span of a flag in brackets takes them in.
    fn flag_word(&self, expr: &Expr, value: bool) -> &'static str {
        let written = self
            .source
            .get(expr.span.start..expr.span.end)
            .unwrap_or_default()
            .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace());
        flag_as_written(written, value)
    }
}

/// The word for a flag: `true`/`false` when that is what was written, `yes`/`no` otherwise.
pub(super) fn flag_as_written(written: &str, value: bool) -> &'static str {
    match (written, value) {
        ("true", true) => "true",
        ("false", false) => "false",
        (_, true) => "yes",
        (_, false) => "no",
    }
}

/// `month` after a count of one, `months` otherwise (the tree does not keep which was written).
pub(super) fn months_word(count: &str) -> &'static str {
    if is_one(count) {
        "month"
    } else {
        "months"
    }
}

/// Whether a whole number as written (`1`, `01`) is one.
pub(super) fn is_one(count: &str) -> bool {
    count.trim_start_matches('0') == "1"
}

/// Quoted text as the grammar reads it: `"` and `\` escaped.
pub(super) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats the condition of `when` in a one-rule policy.
    fn reprint(condition: &str) -> String {
        let source = format!("policy \"p\"\nrule r \"r\" {{\n  when {condition}\n}}\n");
        let file = crate::parse::parse(&source).expect("the test condition parses");
        let crate::ast::Item::Rule(rule) = &file.items[0] else {
            panic!("a rule")
        };
        let crate::ast::ClauseKind::When(expr) = &rule.clauses[0].kind else {
            panic!("a when clause")
        };
        Printer::new(&source).expr(expr)
    }

    #[test]
    fn keeps_only_the_parentheses_that_matter() {
        assert_eq!(reprint("((a < 1)) and (b)"), "a < 1 and b");
        assert_eq!(reprint("a - (b - c)"), "a - (b - c)");
        assert_eq!(reprint("(a - b) - c"), "a - b - c");
        assert_eq!(
            reprint("(a and b) for 2 consecutive months"),
            "(a and b) for 2 consecutive months"
        );
        assert_eq!(reprint("(a < 1) for 2 months"), "a < 1 for 2 months");
        assert_eq!(reprint("not (a or b)"), "not (a or b)");
        assert_eq!(reprint("(not a) for 1 month"), "(not a) for 1 month");
        assert_eq!(reprint("not a for 1 month"), "not a for 1 month");
        assert_eq!(reprint("-(a * b) * (c / d)"), "-(a * b) * (c / d)");
        assert_eq!(reprint("a or (b or c)"), "a or (b or c)");
        assert_eq!(reprint("a < (b in [x, \"y\"])"), "a < (b in [x, \"y\"])");
    }

    #[test]
    fn keeps_words_as_written() {
        assert_eq!(reprint("f = true or g = no"), "f = true or g = no");
        assert_eq!(reprint("f = (false)"), "f = false");
        assert_eq!(
            reprint("x < 80.50% and y >= 020"),
            "x < 80.50% and y >= 020"
        );
    }

    #[test]
    fn quotes_escapes() {
        assert_eq!(quoted("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
    }
}

//! Moving a syntax tree's spans by a number of bytes, so that an item parsed before can be
//! used again where text inserted or removed above it has moved it (the language server
//! re-parses only the items whose text changed).

use chrono::NaiveDate;

use crate::ast::*;
use crate::month::Month;
use crate::schema::Direction;

/// Something with spans that can be moved.
pub(super) trait Shift {
    /// Moves every span by `by` bytes (negative: towards the start).
    fn shift(&mut self, by: isize);
}

impl Shift for Span {
    fn shift(&mut self, by: isize) {
        self.start = self.start.wrapping_add_signed(by);
        self.end = self.end.wrapping_add_signed(by);
    }
}

/// Types that hold no spans.
macro_rules! without_spans {
    ($($t:ty),*) => {
        $(impl Shift for $t {
            fn shift(&mut self, _: isize) {}
        })*
    };
}

without_spans!(
    String,
    bool,
    NaiveDate,
    Month,
    Direction,
    DueUnit,
    BinaryOp,
    WindowFn,
    AggregateFn,
    Pick,
    LiteralKind
);

/// Structs: every field is shifted.
macro_rules! fields {
    ($($t:ty { $($f:ident),* })*) => {
        $(impl Shift for $t {
            fn shift(&mut self, by: isize) {
                $(self.$f.shift(by);)*
            }
        })*
    };
}

fields! {
    PolicyFile { name, items }
    EventDecl { id, description, once_per_case, fields, span }
    CaseDecl { id, title, items, span, close }
    CaseItem { kind, span }
    DeadlineDecl { id, title, body, span }
    WindowDeadline { awaited, within, start, span }
    SpanExpr { amount, unit, span }
    FieldOf { field, of, span }
    EventRef { pick, target, span }
    EventSet { kinds, window, filter, span }
    SetWindow { kind, span }
    Holiday { date, reason, span }
    Role { id, display, span }
    Metric { id, description, kind, direction, span }
    FieldBlock { fields, span }
    FieldDecl { name, ty }
    Grade { id, title, for_each_concern, arms, span }
    GradeArm { level, condition, span }
    Rule { id, title, clauses, span, close }
    Clause { kind, span }
    Due { amount, unit }
    Expr { kind, span }
    Test { name, statements, span }
    TestStatement { kind, span }
    Literal { kind, span }
}

impl<T: Shift> Shift for Spanned<T> {
    fn shift(&mut self, by: isize) {
        self.value.shift(by);
        self.span.shift(by);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: isize) {
        if let Some(value) = self {
            value.shift(by);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: isize) {
        self.iter_mut().for_each(|value| value.shift(by));
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: isize) {
        (**self).shift(by);
    }
}

impl<A: Shift, B: Shift> Shift for (A, B) {
    fn shift(&mut self, by: isize) {
        self.0.shift(by);
        self.1.shift(by);
    }
}

impl Shift for Item {
    fn shift(&mut self, by: isize) {
        match self {
            Item::Version(v) => v.shift(by),
            Item::Calendar(c) => c.shift(by),
            Item::Holiday(h) => h.shift(by),
            Item::Role(r) => r.shift(by),
            Item::Metric(m) => m.shift(by),
            Item::Subjects(b) | Item::Concerns(b) => b.shift(by),
            Item::Grade(g) => g.shift(by),
            Item::Rule(r) => r.shift(by),
            Item::Test(t) => t.shift(by),
            Item::Event(e) => e.shift(by),
            Item::Case(c) => c.shift(by),
            Item::Deadline(d) => d.shift(by),
        }
    }
}

impl Shift for CaseItemKind {
    fn shift(&mut self, by: isize) {
        match self {
            CaseItemKind::OpenedBy(k) => k.shift(by),
            CaseItemKind::ClosedBy(ks) | CaseItemKind::Events(ks) => ks.shift(by),
        }
    }
}

impl Shift for SpanAmount {
    fn shift(&mut self, by: isize) {
        match self {
            SpanAmount::Literal(l) => l.shift(by),
            SpanAmount::Field(f) => f.shift(by),
        }
    }
}

impl Shift for EventTarget {
    fn shift(&mut self, by: isize) {
        match self {
            EventTarget::Kind(k) => k.shift(by),
            EventTarget::Set(s) => s.shift(by),
        }
    }
}

impl Shift for SetWindowKind {
    fn shift(&mut self, by: isize) {
        match self {
            SetWindowKind::InLast { amount, unit } => {
                amount.shift(by);
                unit.shift(by);
            }
            SetWindowKind::Since(d) => d.shift(by),
            SetWindowKind::WithinAfter { within, start } => {
                within.shift(by);
                start.shift(by);
            }
        }
    }
}

impl Shift for DateRef {
    fn shift(&mut self, by: isize) {
        match self {
            DateRef::Date(d) => d.shift(by),
            DateRef::Field(f) => f.shift(by),
            DateRef::Event(e) => e.shift(by),
        }
    }
}

impl Shift for StatusWord {
    fn shift(&mut self, by: isize) {
        match self {
            StatusWord::Word(_) => {}
            StatusWord::DueWithin(s) => s.shift(by),
        }
    }
}

impl Shift for DeadlineTarget {
    fn shift(&mut self, by: isize) {
        match self {
            DeadlineTarget::Named(n) => n.shift(by),
            DeadlineTarget::Inline(w) => w.shift(by),
        }
    }
}

impl Shift for TypeExpr {
    fn shift(&mut self, by: isize) {
        match self {
            TypeExpr::Named(_) => {}
            TypeExpr::Integer { min, max } => {
                min.shift(by);
                max.shift(by);
            }
            TypeExpr::OneOf(values) => values.shift(by),
        }
    }
}

impl Shift for ClauseKind {
    fn shift(&mut self, by: isize) {
        match self {
            ClauseKind::When(e) | ClauseKind::AppliesTo(e) => e.shift(by),
            ClauseKind::Severity(i) | ClauseKind::Owner(i) => i.shift(by),
            ClauseKind::Require(t) => t.shift(by),
            ClauseKind::Involve(is) | ClauseKind::Replaces(is) => is.shift(by),
            ClauseKind::Due(d) => d.shift(by),
            ClauseKind::ForEach { open, case } => {
                open.shift(by);
                case.shift(by);
            }
        }
    }
}

impl Shift for ExprKind {
    fn shift(&mut self, by: isize) {
        match self {
            ExprKind::Number(_)
            | ExprKind::Percent(_)
            | ExprKind::Flag(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::Name(_) => {}
            ExprKind::Neg(e) | ExprKind::Not(e) => e.shift(by),
            ExprKind::Binary { op, lhs, rhs } => {
                op.shift(by);
                lhs.shift(by);
                rhs.shift(by);
            }
            ExprKind::InList { expr, items } => {
                expr.shift(by);
                items.shift(by);
            }
            ExprKind::For { expr, months, .. } => {
                expr.shift(by);
                months.shift(by);
            }
            ExprKind::InKOfN { expr, k, n } => {
                expr.shift(by);
                k.shift(by);
                n.shift(by);
            }
            ExprKind::Window {
                func,
                metric,
                months,
            } => {
                func.shift(by);
                metric.shift(by);
                months.shift(by);
            }
            ExprKind::Trend { metric, months, .. } => {
                metric.shift(by);
                months.shift(by);
            }
            ExprKind::Concerns {
                func,
                months,
                filter,
            } => {
                func.shift(by);
                months.shift(by);
                filter.shift(by);
            }
            ExprKind::Events { func, set } => {
                func.shift(by);
                set.shift(by);
            }
            ExprKind::Pick(r) => r.shift(by),
            ExprKind::FieldOf(f) => f.shift(by),
            ExprKind::Elapsed { unit, from, to } => {
                unit.shift(by);
                from.shift(by);
                to.shift(by);
            }
            ExprKind::DeadlineTest { deadline, status } => {
                deadline.shift(by);
                status.shift(by);
            }
            ExprKind::DeadlineBare(w) | ExprKind::NoWithin(w) => w.shift(by),
        }
    }
}

impl Shift for TestStatementKind {
    fn shift(&mut self, by: isize) {
        match self {
            TestStatementKind::AsOf(m) => m.shift(by),
            TestStatementKind::GivenMetric {
                subject,
                metric,
                values,
            } => {
                subject.shift(by);
                metric.shift(by);
                values.shift(by);
            }
            TestStatementKind::GivenField {
                subject,
                field,
                value,
            } => {
                subject.shift(by);
                field.shift(by);
                value.shift(by);
            }
            TestStatementKind::GivenConcern {
                id,
                subject,
                raised_on,
                fields,
            } => {
                id.shift(by);
                subject.shift(by);
                raised_on.shift(by);
                fields.shift(by);
            }
            TestStatementKind::GivenEvent {
                id,
                kind,
                subject,
                date,
                case,
                fields,
            } => {
                id.shift(by);
                kind.shift(by);
                subject.shift(by);
                date.shift(by);
                case.shift(by);
                fields.shift(by);
            }
            TestStatementKind::Expect {
                subject,
                expectation,
            } => {
                subject.shift(by);
                expectation.shift(by);
            }
        }
    }
}

impl Shift for Expectation {
    fn shift(&mut self, by: isize) {
        match self {
            Expectation::Fires { rule, case, due } => {
                rule.shift(by);
                case.shift(by);
                due.shift(by);
            }
            Expectation::DoesNotFire { rule } => rule.shift(by),
            Expectation::Nothing => {}
            Expectation::Deadline {
                deadline,
                status,
                case,
            } => {
                deadline.shift(by);
                status.shift(by);
                case.shift(by);
            }
            Expectation::Grade { grade, level } => {
                grade.shift(by);
                level.shift(by);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::{parse_recovering, parse_recovering_cached, ItemCache};

    const POLICIES: &[&str] = &[
        include_str!("../../policies/ooh_callbacks.policy"),
        include_str!("../../policies/contractor_concerns.policy"),
        include_str!("../../policies/practice_scorecard.policy"),
        include_str!("../../policies/action_plan_delays.policy"),
    ];

    /// Edits an editor makes while typing: text added above everything, a character changed,
    /// a rule broken and mended, a line removed.
    fn versions(policy: &str) -> Vec<String> {
        let second_line = policy.find("\nrole").expect("a role line") + 1;
        let mut added = policy.to_string();
        added.insert_str(second_line, "role new_role \"New\"\n");
        let rule = policy.find("\nrule ").expect("a rule") + 1;
        let mut broken = added.clone();
        let at = broken[rule..].find('{').unwrap() + rule + 20;
        broken.insert_str(at, " ) ");
        let changed = policy.replacen("severity", "severity ", 1);
        let removed = policy.replacen("\nrole", "\n# role", 1);
        vec![
            policy.to_string(),
            added,
            broken,
            policy.to_string(),
            changed,
            removed,
        ]
    }

    #[test]
    fn cached_items_give_the_tree_a_fresh_parse_gives() {
        for policy in POLICIES {
            let mut cache = ItemCache::default();
            let mut broken = 0;
            for version in versions(policy) {
                let fresh = parse_recovering(&version);
                broken += fresh.errors.len();
                let cached = parse_recovering_cached(&version, &mut cache);
                assert_eq!(cached.policy, fresh.policy);
                assert_eq!(cached.errors, fresh.errors);
                assert_eq!(cached.broken_names, fresh.broken_names);
            }
            assert!(!cache.items.is_empty());
            assert_eq!(broken, 1, "one version has one syntax error");
        }
    }
}

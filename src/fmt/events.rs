//! Version 1's forms printed canonically: spans, event sets and references, elapsed time and
//! deadlines. Each is a primary: it never needs parentheses of its own.

use super::expr::{is_one, Printer};
use crate::ast::*;

impl Printer<'_> {
    /// A v1 primary of a condition.
    pub(super) fn write_event_form(&self, kind: &ExprKind, out: &mut String) {
        match kind {
            ExprKind::Events { func, set } => {
                out.push_str(func.value.name());
                out.push('(');
                self.write_set(set, out);
                out.push(')');
            }
            ExprKind::Pick(reference) => self.write_ref(reference, out),
            ExprKind::FieldOf(field) => self.write_field_of(field, out),
            ExprKind::Elapsed { unit, from, to } => {
                out.push_str(unit.value.word(false));
                match to {
                    None => {
                        out.push_str(" since ");
                        self.write_date_ref(from, out);
                    }
                    Some(to) => {
                        out.push_str(" between ");
                        self.write_date_ref(from, out);
                        out.push_str(" and ");
                        self.write_date_ref(to, out);
                    }
                }
            }
            ExprKind::DeadlineTest { deadline, status } => {
                match deadline {
                    DeadlineTarget::Named(name) => out.push_str(&name.value),
                    DeadlineTarget::Inline(body) => {
                        out.push('(');
                        self.write_deadline(body, out);
                        out.push(')');
                    }
                }
                out.push_str(" is ");
                self.write_status(&status.value, out);
            }
            ExprKind::DeadlineBare(body) => {
                out.push('(');
                self.write_deadline(body, out);
                out.push(')');
            }
            ExprKind::NoWithin(body) => {
                out.push_str("no ");
                self.write_deadline(body, out);
            }
            _ => unreachable!("only v1 forms are printed here"),
        }
    }

    /// `AWAITED within SPAN after START`
    pub(super) fn write_deadline(&self, deadline: &WindowDeadline, out: &mut String) {
        match &deadline.awaited {
            EventTarget::Kind(kind) => out.push_str(&kind.value),
            EventTarget::Set(set) => {
                out.push('(');
                self.write_set(set, out);
                out.push(')');
            }
        }
        out.push_str(" within ");
        self.write_span(&deadline.within, out);
        out.push_str(" after ");
        self.write_date_ref(&deadline.start, out);
    }

    /// `met`, `overdue`, ..., or `due within SPAN`.
    pub(super) fn write_status(&self, status: &StatusWord, out: &mut String) {
        match status {
            StatusWord::Word(word) => out.push_str(word),
            StatusWord::DueWithin(span) => {
                out.push_str("due within ");
                self.write_span(span, out);
            }
        }
    }

    fn write_span(&self, span: &SpanExpr, out: &mut String) {
        let one = match &span.amount {
            SpanAmount::Literal(n) => {
                out.push_str(&n.value);
                is_one(&n.value)
            }
            SpanAmount::Field(field) => {
                out.push('(');
                self.write_field_of(field, out);
                out.push(')');
                false
            }
        };
        out.push(' ');
        out.push_str(span.unit.value.word(one));
    }

    fn write_set(&self, set: &EventSet, out: &mut String) {
        let kinds: Vec<&str> = set.kinds.iter().map(|k| k.value.as_str()).collect();
        out.push_str(&kinds.join(", "));
        if let Some(window) = &set.window {
            out.push(' ');
            match &window.kind {
                SetWindowKind::InLast { amount, unit } => {
                    out.push_str(&format!(
                        "in last {} {}",
                        amount.value,
                        unit.value.word(is_one(&amount.value))
                    ));
                }
                SetWindowKind::Since(start) => {
                    out.push_str("since ");
                    self.write_date_ref(start, out);
                }
                SetWindowKind::WithinAfter { within, start } => {
                    out.push_str("within ");
                    self.write_span(within, out);
                    out.push_str(" after ");
                    self.write_date_ref(start, out);
                }
            }
        }
        if let Some(filter) = &set.filter {
            out.push_str(" where ");
            out.push_str(&self.expr(filter));
        }
    }

    fn write_ref(&self, reference: &EventRef, out: &mut String) {
        if let Some(pick) = &reference.pick {
            out.push_str(pick.value.word());
        }
        match (&reference.target, reference.pick.is_some()) {
            (EventTarget::Kind(kind), picked) => {
                if picked {
                    out.push(' ');
                }
                out.push_str(&kind.value);
            }
            (EventTarget::Set(set), _) => {
                out.push('(');
                self.write_set(set, out);
                out.push(')');
            }
        }
    }

    fn write_date_ref(&self, date: &DateRef, out: &mut String) {
        match date {
            DateRef::Date(d) => out.push_str(&d.value.to_string()),
            DateRef::Field(field) => self.write_field_of(field, out),
            DateRef::Event(reference) => self.write_ref(reference, out),
        }
    }

    fn write_field_of(&self, field: &FieldOf, out: &mut String) {
        out.push_str(&field.field.value);
        out.push_str(" of ");
        self.write_ref(&field.of, out);
    }
}

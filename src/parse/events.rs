//! Version 1's forms: event, case and deadline declarations, spans, event sets and
//! references, elapsed time and deadline tests.

use pest::iterators::Pair;

use super::{first_inner, Builder, Rule};
use crate::ast::*;

impl Builder {
    pub(super) fn build_event_decl(&mut self, pair: Pair<Rule>) -> EventDecl {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("event kind"));
        let description = self.build_text(inner.next().expect("event description"));
        let mut once_per_case = None;
        let mut fields = None;
        for part in inner {
            match part.as_rule() {
                Rule::once_per_case => once_per_case = Some(self.span_of(&part)),
                _ => fields = Some(self.build_field_block_body(part)),
            }
        }
        EventDecl {
            id,
            description,
            once_per_case,
            fields,
            span,
        }
    }

    pub(super) fn build_case_decl(&mut self, pair: Pair<Rule>) -> CaseDecl {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("case kind"));
        let title = self.build_text(inner.next().expect("case title"));
        let mut items = Vec::new();
        let mut close = span;
        for part in inner {
            let item_span = self.span_of(&part);
            let kind = match part.as_rule() {
                Rule::open_brace => continue,
                Rule::close_brace => {
                    close = item_span;
                    continue;
                }
                Rule::opened_by => CaseItemKind::OpenedBy(self.build_ident(first_inner(part))),
                Rule::closed_by => CaseItemKind::ClosedBy(self.build_ident_list(first_inner(part))),
                _ => CaseItemKind::Events(self.build_ident_list(first_inner(part))),
            };
            items.push(CaseItem {
                kind,
                span: item_span,
            });
        }
        CaseDecl {
            id,
            title,
            items,
            span,
            close,
        }
    }

    pub(super) fn build_deadline_decl(&mut self, pair: Pair<Rule>) -> DeadlineDecl {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("deadline name"));
        let title = self.build_text(inner.next().expect("deadline title"));
        let body = inner
            .find(|p| p.as_rule() == Rule::window_deadline)
            .map(|p| self.build_window_deadline(p))
            .expect("a deadline has a body");
        DeadlineDecl {
            id,
            title,
            body,
            span,
        }
    }

    pub(super) fn build_for_each(&mut self, pair: Pair<Rule>) -> ClauseKind {
        let mut open = None;
        let mut case = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::open_word => open = Some(self.span_of(&part)),
                _ => case = Some(self.build_ident(part)),
            }
        }
        ClauseKind::ForEach {
            open,
            case: case.expect("a case kind follows `for each`"),
        }
    }

    pub(super) fn build_window_deadline(&mut self, pair: Pair<Rule>) -> WindowDeadline {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let awaited = self.build_target(inner.next().expect("awaited events"));
        let within = self.build_span(inner.next().expect("span"));
        let start = self.build_date_ref(inner.next().expect("start"));
        WindowDeadline {
            awaited,
            within,
            start,
            span,
        }
    }

    /// An `awaited` pair, or the part of a reference after `first`/`latest`: a kind, or a
    /// parenthesised set.
    fn build_target(&mut self, pair: Pair<Rule>) -> EventTarget {
        match pair.as_rule() {
            Rule::awaited => self.build_target(first_inner(pair)),
            Rule::event_set => EventTarget::Set(self.build_event_set(pair)),
            _ => EventTarget::Kind(self.build_ident(pair)),
        }
    }

    pub(super) fn build_span(&mut self, pair: Pair<Rule>) -> SpanExpr {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let amount_pair = inner.next().expect("span amount");
        let amount = match amount_pair.as_rule() {
            Rule::field_of => SpanAmount::Field(Box::new(self.build_field_of(amount_pair))),
            _ => SpanAmount::Literal(self.build_raw(amount_pair)),
        };
        let unit = self.build_span_unit(inner.next().expect("span unit"));
        SpanExpr { amount, unit, span }
    }

    pub(super) fn build_event_set(&mut self, pair: Pair<Rule>) -> EventSet {
        let span = self.span_of(&pair);
        let mut kinds = Vec::new();
        let mut window = None;
        let mut filter = None;
        for part in pair.into_inner() {
            let part_span = self.span_of(&part);
            match part.as_rule() {
                Rule::ident_list => kinds = self.build_ident_list(part),
                Rule::event_filter => {
                    filter = Some(Box::new(self.build_expr(first_inner(part))));
                }
                rule => {
                    let kind = self.build_set_window(rule, part);
                    window = Some(Box::new(SetWindow {
                        kind,
                        span: part_span,
                    }));
                }
            }
        }
        EventSet {
            kinds,
            window,
            filter,
            span,
        }
    }

    fn build_set_window(&mut self, rule: Rule, pair: Pair<Rule>) -> SetWindowKind {
        let mut inner = pair.into_inner();
        match rule {
            Rule::in_last => {
                let amount = self.build_raw(inner.next().expect("window length"));
                let unit_pair = inner.next().expect("window unit");
                let unit = Spanned::new(unit_of(unit_pair.as_rule()), self.span_of(&unit_pair));
                SetWindowKind::InLast { amount, unit }
            }
            Rule::since_window => {
                SetWindowKind::Since(self.build_date_ref(inner.next().expect("since what")))
            }
            _ => {
                let within = self.build_span(inner.next().expect("span"));
                let start = self.build_date_ref(inner.next().expect("after what"));
                SetWindowKind::WithinAfter { within, start }
            }
        }
    }

    pub(super) fn build_event_ref(&mut self, pair: Pair<Rule>) -> EventRef {
        let span = self.span_of(&pair);
        let mut pick = None;
        let mut target = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::pick => pick = Some(self.build_pick(&part)),
                _ => target = Some(self.build_target(part)),
            }
        }
        EventRef {
            pick,
            target: target.expect("a reference names events"),
            span,
        }
    }

    pub(super) fn build_date_ref(&mut self, pair: Pair<Rule>) -> DateRef {
        let inner = match pair.as_rule() {
            Rule::date_ref => first_inner(pair),
            _ => pair,
        };
        match inner.as_rule() {
            Rule::date => DateRef::Date(self.build_date(inner)),
            Rule::field_of => DateRef::Field(Box::new(self.build_field_of(inner))),
            _ => DateRef::Event(self.build_event_ref(inner)),
        }
    }

    pub(super) fn build_field_of(&mut self, pair: Pair<Rule>) -> FieldOf {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let field = self.build_ident(inner.next().expect("field"));
        let of = self.build_event_ref(inner.next().expect("event"));
        FieldOf { field, of, span }
    }

    /// The v1 primaries of a condition.
    pub(super) fn build_event_primary(&mut self, pair: Pair<Rule>) -> ExprKind {
        let rule = pair.as_rule();
        let span = self.span_of(&pair);
        match rule {
            Rule::pick_date => ExprKind::Pick(self.build_event_ref(pair)),
            Rule::field_of => ExprKind::FieldOf(Box::new(self.build_field_of(pair))),
            Rule::elapsed => {
                let mut inner = pair.into_inner();
                let unit = self.build_span_unit(inner.next().expect("unit"));
                let from = self.build_date_ref(inner.next().expect("from"));
                let to = inner.next().map(|p| self.build_date_ref(p));
                ExprKind::Elapsed { unit, from, to }
            }
            Rule::deadline_test => {
                let mut inner = pair.into_inner();
                let target = inner.next().expect("deadline");
                let deadline = match target.as_rule() {
                    Rule::window_deadline => {
                        DeadlineTarget::Inline(Box::new(self.build_window_deadline(target)))
                    }
                    _ => DeadlineTarget::Named(self.build_ident(target)),
                };
                let status = self.build_status(inner.next().expect("status"));
                ExprKind::DeadlineTest { deadline, status }
            }
            Rule::deadline_bare => {
                ExprKind::DeadlineBare(Box::new(self.build_window_deadline(first_inner(pair))))
            }
            Rule::no_within => {
                ExprKind::NoWithin(Box::new(self.build_window_deadline(first_inner(pair))))
            }
            other => unreachable!("no v1 primary {other:?} at {span:?}"),
        }
    }

    pub(super) fn build_status(&mut self, pair: Pair<Rule>) -> Spanned<StatusWord> {
        let span = self.span_of(&pair);
        let inner = first_inner(pair);
        let word = match inner.as_rule() {
            Rule::due_within => StatusWord::DueWithin(self.build_span(first_inner(inner))),
            _ => StatusWord::Word(inner.as_str().to_string()),
        };
        Spanned::new(word, span)
    }
}

impl Builder {
    fn build_pick(&self, pair: &Pair<Rule>) -> Spanned<Pick> {
        let pick = match pair.as_str() {
            "first" => Pick::First,
            _ => Pick::Latest,
        };
        Spanned::new(pick, self.span_of(pair))
    }

    fn build_span_unit(&self, pair: Pair<Rule>) -> Spanned<DueUnit> {
        let span = self.span_of(&pair);
        Spanned::new(unit_of(first_inner(pair).as_rule()), span)
    }
}

fn unit_of(rule: Rule) -> DueUnit {
    match rule {
        Rule::span_working => DueUnit::WorkingDays,
        Rule::span_days => DueUnit::Days,
        Rule::span_weeks => DueUnit::Weeks,
        _ => DueUnit::Months,
    }
}

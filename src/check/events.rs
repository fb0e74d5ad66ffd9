//! Version 1: `event`, `case` and `deadline` declarations, `for each`, and the expressions
//! over events (sets, references, fields, elapsed time, deadline tests).

use std::collections::{HashMap, HashSet};

use super::event_errors::{EventCode, EventError};
use super::expr::{field_ty, placeholder, ExprChecker, Scope, Ty, Unit};
use super::{did_you_mean, CheckError, Checker, MAX_WINDOW_MONTHS};
use crate::ast::{self, DueUnit, Item, PolicyFile, Span, Spanned};
use crate::program::{
    CaseScope, ConcernAttr, DateRefDef, DeadlineDef, EventField, EventRefDef, EventSetDef, Expr,
    ExprKind, FieldRead, RefPick, SpanAmountDef, SpanDef, StatusTest, WindowDef,
};
use crate::schema::{CaseKindDef, EventKindDef, FieldDef, FieldType, CONCERN_KIND};

/// The names an event field cannot have: the events file's own columns.
const RESERVED_FIELDS: [&str; 5] = ["id", "subject", "kind", "date", "case"];

/// The status words of a deadline test.
const STATUS_WORDS: [&str; 5] = ["met", "late", "pending", "overdue", "missed"];

/// The longest span or window, in days, weeks or months: fifty years of days.
const MAX_SPAN: i64 = 18_300;

/// Which events a condition sees: the rule's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CaseCtx {
    /// Once per subject: every event of the subject.
    Subject,
    /// Once per case of this case kind.
    Case(usize),
    /// `for each` names no case kind (already reported): say nothing more about scope.
    Unknown,
}

/// What the checker keeps about v1 declarations while it checks rules.
#[derive(Default)]
pub(super) struct EventSymbols {
    kinds: HashMap<String, usize>,
    cases: HashMap<String, usize>,
    deadlines: HashMap<String, usize>,
    /// Each declared deadline as written.
    deadline_decls: Vec<ast::DeadlineDecl>,
    /// Each declared deadline, once checked.
    pub(super) declared: Vec<Option<DeadlineDef>>,
    /// Deadlines written in place, in the order met.
    pub(super) inline: Vec<DeadlineDef>,
    /// Whether some rule tests each declared deadline.
    used: Vec<bool>,
    /// For each declared deadline, the scopes of the rules that test it.
    pub(super) scopes: Vec<Vec<CaseCtx>>,
    /// Where each kind was declared (empty for `concern`).
    kind_spans: Vec<Span>,
    /// Deadlines refused for their name (already reported): tests of them say nothing more.
    refused_deadlines: HashSet<String>,
    /// Case kinds without `opened by` (already reported): rules for each of them say
    /// nothing more about scope.
    openerless: HashSet<usize>,
}

impl Checker<'_> {
    /// Declares the event kinds (the built-in `concern` first), the case kinds and the
    /// deadlines' names.
    pub(super) fn declare_events(&mut self, file: &PolicyFile) {
        let mut names: HashMap<String, Span> = HashMap::new();
        names.insert(CONCERN_KIND.to_string(), Span::default());
        self.push_kind(
            EventKindDef {
                id: CONCERN_KIND.to_string(),
                description: "A concern record".to_string(),
                fields: Vec::new(),
                once_per_case: false,
                case: None,
                builtin: true,
            },
            Span::default(),
        );
        let mut field_spans: Vec<Span> = Vec::new();
        for item in &file.items {
            let Item::Event(event) = item else { continue };
            if !self.claim_event_name(&mut names, &event.id) {
                continue;
            }
            let fields = self.declare_event_fields(event, &mut field_spans);
            self.push_kind(
                EventKindDef {
                    id: event.id.value.clone(),
                    description: event.description.value.clone(),
                    fields,
                    once_per_case: event.once_per_case.is_some(),
                    case: None,
                    builtin: false,
                },
                event.id.span,
            );
        }
        for item in &file.items {
            match item {
                Item::Case(case) => self.declare_case(case, &mut names),
                Item::Deadline(deadline) if self.claim_event_name(&mut names, &deadline.id) => {
                    let events = &mut self.events;
                    events
                        .deadlines
                        .insert(deadline.id.value.clone(), events.deadline_decls.len());
                    events.deadline_decls.push(deadline.clone());
                }
                Item::Deadline(deadline) => {
                    let refused = &mut self.events.refused_deadlines;
                    refused.insert(deadline.id.value.clone());
                }
                _ => {}
            }
        }
        let count = self.events.deadline_decls.len();
        self.events.declared = vec![None; count];
        self.events.used = vec![false; count];
        self.events.scopes = vec![Vec::new(); count];
        self.check_once_per_case(file);
    }

    fn push_kind(&mut self, kind: EventKindDef, span: Span) {
        let index = self.schema.event_kinds.len();
        self.events.kinds.insert(kind.id.clone(), index);
        self.events.kind_spans.push(span);
        self.schema.event_kinds.push(kind);
    }

    /// Claims a name among event kinds, case kinds and deadlines.
    fn claim_event_name(&mut self, names: &mut HashMap<String, Span>, name: &ast::Ident) -> bool {
        let Some(&first) = names.get(&name.value) else {
            names.insert(name.value.clone(), name.span);
            return true;
        };
        if first.is_empty() {
            self.error(event_error(
                EventCode::BuiltinName,
                format!("`{}` is already an event kind: each concern record is a `{}` event", name.value, name.value),
                name.span,
                "built in",
                Some("choose another name; to follow concerns up, write `opened by concern` in a case".to_string()),
            ));
        } else {
            self.error(CheckError::DuplicateName {
                name: name.value.clone(),
                span: name.span,
                first,
                help: Some("choose a different name for one of them".to_string()),
            });
        }
        false
    }

    /// The fields of an event kind: positions in the shared table of event fields.
    fn declare_event_fields(
        &mut self,
        event: &ast::EventDecl,
        spans: &mut Vec<Span>,
    ) -> Vec<usize> {
        let Some(block) = &event.fields else {
            return Vec::new();
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut fields = Vec::new();
        for field in &block.fields {
            let ty = self.check_field_type(&field.ty);
            if !super::claim(&mut seen, &mut self.errors, &field.name) {
                continue;
            }
            if RESERVED_FIELDS.contains(&field.name.value.as_str()) {
                self.error(event_error(
                    EventCode::ReservedField,
                    format!("an event cannot have a field called `{}`", field.name.value),
                    field.name.span,
                    "a column every events file already has",
                    Some(format!(
                        "rename it: `id`, `subject`, `kind`, `date` and `case` are the events file's own columns (for example `{}_of_event`)",
                        field.name.value
                    )),
                ));
                continue;
            }
            match self.schema.event_field_index(&field.name.value) {
                Some(g) if self.schema.event_fields[g].ty != ty => {
                    let first = &self.schema.event_fields[g];
                    let owner = self
                        .schema
                        .event_kinds
                        .iter()
                        .find(|k| k.fields.contains(&g))
                        .map_or("another event kind", |k| k.id.as_str());
                    let mut error = EventError::new(
                        EventCode::FieldTypeClash,
                        format!(
                            "`{}` is declared `{}` here, but `{owner}` declares it `{}`",
                            field.name.value, ty, first.ty
                        ),
                        field.ty.span,
                        format!("{ty}"),
                        Some("kinds that share a field name share its column in the events file, so they must give it the same type: rename one of them".to_string()),
                    );
                    error
                        .others
                        .push((spans[g], format!("declared as {}", first.ty)));
                    self.error(CheckError::Event(error));
                }
                Some(g) => fields.push(g),
                None => {
                    fields.push(self.schema.event_fields.len());
                    spans.push(field.ty.span);
                    self.schema.event_fields.push(FieldDef {
                        name: field.name.value.clone(),
                        ty,
                    });
                }
            }
        }
        fields
    }

    fn declare_case(&mut self, case: &ast::CaseDecl, names: &mut HashMap<String, Span>) {
        if case.id.value == "open" {
            self.error(event_error(
                EventCode::ReservedCaseName,
                "a case kind cannot be called `open`",
                case.id.span,
                "reserved",
                Some(
                    "rename it: `for each open ...` uses the word `open` for cases still open"
                        .to_string(),
                ),
            ));
        }
        if !self.claim_event_name(names, &case.id) {
            return;
        }
        let index = self.schema.case_kinds.len();
        let mut opened_by: Option<(usize, Span)> = None;
        let mut opener_line: Option<Span> = None;
        let mut closed_by = Vec::new();
        let mut members = Vec::new();
        for item in &case.items {
            match &item.kind {
                ast::CaseItemKind::OpenedBy(kind) => {
                    if let Some(first) = opener_line {
                        let place = format!(" in case `{}`", case.id.value);
                        self.duplicate_clause("opened by", place, item.span, first);
                        continue;
                    }
                    opener_line = Some(item.span);
                    opened_by = self.member_kind(kind, index, true).map(|k| (k, kind.span));
                }
                ast::CaseItemKind::ClosedBy(kinds) => {
                    for kind in kinds {
                        closed_by
                            .extend(self.member_kind(kind, index, false).map(|k| (k, kind.span)));
                    }
                }
                ast::CaseItemKind::Events(kinds) => {
                    for kind in kinds {
                        members.extend(self.member_kind(kind, index, false));
                    }
                }
            }
        }
        if opener_line.is_none() {
            self.events.openerless.insert(index);
            self.error(event_error(
                EventCode::MissingOpener,
                format!("case `{}` has no `opened by`", case.id.value),
                case.close,
                "`opened by` is missing",
                Some(
                    "name the event that opens each case, for example `opened by request_accepted`"
                        .to_string(),
                ),
            ));
        }
        if let Some((opener, _)) = opened_by {
            for &(closer, span) in &closed_by {
                if closer == opener {
                    self.error(event_error(
                        EventCode::OpenerCloses,
                        format!("`{}` both opens and closes case `{}`", self.schema.event_kinds[opener].id, case.id.value),
                        span,
                        "also the opening event",
                        Some("a case is opened by one kind of event and closed by others: declare a separate kind for closing".to_string()),
                    ));
                }
            }
        }
        for &(kind, _) in opened_by.iter().chain(&closed_by) {
            self.schema.event_kinds[kind].once_per_case = true;
        }
        self.events.cases.insert(case.id.value.clone(), index);
        self.schema.case_kinds.push(CaseKindDef {
            id: case.id.value.clone(),
            title: case.title.value.clone(),
            opened_by: opened_by.map_or(0, |(k, _)| k),
            closed_by: closed_by.into_iter().map(|(k, _)| k).collect(),
            events: members,
        });
    }

    /// A kind listed in case kind `case`: known, not in another case kind, and `concern` only
    /// as the opener.
    fn member_kind(&mut self, kind: &ast::Ident, case: usize, opener: bool) -> Option<usize> {
        let index = self.known_kind(kind)?;
        let def = &self.schema.event_kinds[index];
        if def.builtin && !opener {
            self.error(event_error(
                EventCode::ConcernNotMember,
                "`concern` can only open a case",
                kind.span,
                "a concern opens its own case",
                Some("write `opened by concern`; the follow-up events carry the concern's id in their `case` column".to_string()),
            ));
            return None;
        }
        match def.case {
            Some(other) if other != case => {
                let other_name = self
                    .schema
                    .case_kinds
                    .get(other)
                    .map_or("", |c| c.id.as_str())
                    .to_string();
                let mut error = EventError::new(
                    EventCode::KindInTwoCases,
                    format!("`{}` already belongs to case `{other_name}`", kind.value),
                    kind.span,
                    "listed by a second case kind",
                    Some("an event kind belongs to at most one case kind: declare a separate kind for this one".to_string()),
                );
                error
                    .others
                    .push((self.events.kind_spans[index], "declared here".to_string()));
                self.error(CheckError::Event(error));
                None
            }
            Some(_) => Some(index),
            None => {
                self.schema.event_kinds[index].case = Some(case);
                Some(index)
            }
        }
    }

    /// A declared event kind by name, or an `unknown_event` error.
    fn known_kind(&mut self, kind: &ast::Ident) -> Option<usize> {
        if let Some(&index) = self.events.kinds.get(&kind.value) {
            return Some(index);
        }
        let names: Vec<String> = self
            .schema
            .event_kinds
            .iter()
            .map(|k| k.id.clone())
            .collect();
        let help = self
            .suggest(&kind.value, &names)
            .or_else(|| Some(format!("declare it: `event {} \"...\"`", kind.value)));
        self.error(event_error(
            EventCode::UnknownEvent,
            format!("there is no event kind called `{}`", kind.value),
            kind.span,
            "not an event kind of this policy",
            help,
        ));
        None
    }

    fn check_once_per_case(&mut self, file: &PolicyFile) {
        for item in &file.items {
            let Item::Event(event) = item else { continue };
            let (Some(span), Some(&index)) =
                (event.once_per_case, self.events.kinds.get(&event.id.value))
            else {
                continue;
            };
            if self.schema.event_kinds[index].case.is_none() {
                self.error(event_error(
                    EventCode::OnceOutsideCase,
                    format!(
                        "`{}` belongs to no case, so `once per case` means nothing",
                        event.id.value
                    ),
                    span,
                    "no case kind lists this kind",
                    Some(format!(
                        "list `{}` under a case's `events`, or remove `once per case`",
                        event.id.value
                    )),
                ));
            }
        }
    }

    /// The `for each [open] CASE` clause of a rule, if it has one.
    pub(super) fn rule_scope(&mut self, rule: &ast::Rule) -> (CaseCtx, Option<CaseScope>) {
        let for_each = rule.clauses.iter().find_map(|c| match &c.kind {
            ast::ClauseKind::ForEach { open, case } => Some((open.is_some(), case)),
            _ => None,
        });
        let Some((open_only, case)) = for_each else {
            return (CaseCtx::Subject, None);
        };
        match self.events.cases.get(&case.value) {
            Some(&case_kind) if self.events.openerless.contains(&case_kind) => (
                CaseCtx::Unknown,
                Some(CaseScope {
                    case_kind,
                    open_only,
                }),
            ),
            Some(&case_kind) => (
                CaseCtx::Case(case_kind),
                Some(CaseScope {
                    case_kind,
                    open_only,
                }),
            ),
            None => {
                let names: Vec<String> = self
                    .schema
                    .case_kinds
                    .iter()
                    .map(|c| c.id.clone())
                    .collect();
                let help = self.suggest(&case.value, &names).or_else(|| {
                    Some(format!(
                        "declare it: `case {} \"...\" {{ opened by ... }}`",
                        case.value
                    ))
                });
                self.error(event_error(
                    EventCode::UnknownCase,
                    format!("there is no case kind called `{}`", case.value),
                    case.span,
                    "not a case kind of this policy",
                    help,
                ));
                (CaseCtx::Unknown, None)
            }
        }
    }

    /// A declared deadline by name, for `expect S D is STATUS`; its position.
    pub(super) fn deadline_index(&self, name: &str) -> Option<usize> {
        self.events.deadlines.get(name).copied()
    }

    /// The scopes of the rules that test a declared deadline.
    pub(super) fn deadline_scopes(&self, index: usize) -> &[CaseCtx] {
        &self.events.scopes[index]
    }

    /// The names of the declared deadlines, in declaration order.
    pub(super) fn deadline_names(&self) -> Vec<String> {
        self.events
            .deadline_decls
            .iter()
            .map(|d| d.id.value.clone())
            .collect()
    }

    /// A declared, non-built-in event kind by name, or an `unknown_event` error.
    pub(super) fn declared_kind(&mut self, kind: &ast::Ident) -> Option<usize> {
        self.known_kind(kind)
            .filter(|&k| !self.schema.event_kinds[k].builtin)
    }

    /// Checks the declared deadlines no rule tests (in the scope their events suggest) and
    /// warns about them; returns every deadline, declared first.
    pub(super) fn finish_deadlines(&mut self) -> Vec<DeadlineDef> {
        for index in 0..self.events.deadline_decls.len() {
            if self.events.declared[index].is_none() {
                let decl = self.events.deadline_decls[index].clone();
                let scope = self.untested_scope(&decl.body);
                let def = self.check_declared_deadline(&decl, scope);
                self.events.declared[index] = def;
            }
            let suggested = self
                .suggested
                .contains(&self.events.deadline_decls[index].id.value);
            if !self.events.used[index] && !suggested {
                let decl = &self.events.deadline_decls[index];
                let (name, span) = (decl.id.value.clone(), decl.id.span);
                self.error(event_error(
                    EventCode::UnusedDeadline,
                    format!("deadline `{name}` is never tested"),
                    span,
                    "no rule tests it",
                    Some(format!(
                        "test it in a rule, for example `when {name} is overdue`, or remove it"
                    )),
                ));
            }
        }
        let declared = std::mem::take(&mut self.events.declared);
        let mut all: Vec<DeadlineDef> = declared
            .into_iter()
            .map(|d| d.unwrap_or_else(placeholder_deadline))
            .collect();
        all.append(&mut self.events.inline);
        all
    }

    /// The scope a deadline no rule tests is checked in: for each case of the case kind its
    /// awaited or start events belong to (so that a bare opener is not reported as
    /// ambiguous), else per subject.
    fn untested_scope(&self, body: &ast::WindowDeadline) -> CaseCtx {
        let mut kinds: Vec<&ast::Ident> = target_kinds(&body.awaited);
        match &body.start {
            ast::DateRef::Event(reference) => kinds.extend(target_kinds(&reference.target)),
            ast::DateRef::Field(field) => kinds.extend(target_kinds(&field.of.target)),
            ast::DateRef::Date(_) => {}
        }
        kinds
            .iter()
            .filter_map(|kind| self.events.kinds.get(&kind.value))
            .find_map(|&k| self.schema.event_kinds[k].case)
            .map_or(CaseCtx::Subject, |case| {
                match self.events.openerless.contains(&case) {
                    true => CaseCtx::Unknown,
                    false => CaseCtx::Case(case),
                }
            })
    }

    fn check_declared_deadline(
        &mut self,
        decl: &ast::DeadlineDecl,
        case: CaseCtx,
    ) -> Option<DeadlineDef> {
        let mut cx = ExprChecker::new(self, Scope::Subject, None, case);
        let mut def = cx.window_deadline(&decl.body)?;
        def.name = Some(decl.id.value.clone());
        Some(def)
    }
}

/// The kinds an event target names.
fn target_kinds(target: &ast::EventTarget) -> Vec<&ast::Ident> {
    match target {
        ast::EventTarget::Kind(kind) => vec![kind],
        ast::EventTarget::Set(set) => set.kinds.iter().collect(),
    }
}

fn placeholder_deadline() -> DeadlineDef {
    DeadlineDef {
        name: None,
        text: String::new(),
        awaited: EventSetDef {
            kinds: Vec::new(),
            window: None,
            filter: None,
            span: Span::default(),
        },
        within: SpanDef {
            amount: SpanAmountDef::Fixed(0),
            unit: DueUnit::Days,
        },
        start: DateRefDef::Literal(chrono::NaiveDate::default()),
        span: Span::default(),
    }
}

pub(super) fn event_error(
    code: EventCode,
    message: impl Into<String>,
    span: Span,
    label: impl Into<String>,
    help: Option<String>,
) -> CheckError {
    CheckError::Event(EventError::new(code, message, span, label, help))
}

// -------------------------------------------------------------------- expressions

impl ExprChecker<'_, '_> {
    /// Whether event expressions may stand here: in a rule's `when` or a per-subject grade.
    fn events_allowed(&mut self, span: Span, what: &str) -> bool {
        let place = match self.scope {
            Scope::Subject => return true,
            Scope::AppliesTo => "`applies to`, which can only use subject fields",
            Scope::Concern => "a condition on a single concern",
            Scope::Event => "a condition on a single event",
        };
        self.checker.error(event_error(
            EventCode::EventOutOfPlace,
            format!("{what} cannot be used in {place}"),
            span,
            "not allowed here",
            Some("move this part into the rule's `when` condition".to_string()),
        ));
        false
    }

    /// The v1 forms of a condition.
    pub(super) fn check_event_form(&mut self, e: &ast::Expr) -> (Expr, Ty) {
        let span = e.span;
        if !self.events_allowed(span, "an event expression") {
            return (placeholder(), Ty::Error);
        }
        let checked = match &e.kind {
            ast::ExprKind::Events { func, set } => self.set(set, false).map(|set| {
                let ty = match func.value {
                    ast::AggregateFn::Count => Ty::Number(Unit::Plain),
                    _ => Ty::Flag,
                };
                (
                    ExprKind::Events {
                        func: func.value,
                        set,
                    },
                    ty,
                )
            }),
            ast::ExprKind::Pick(reference) => self
                .reference(reference)
                .map(|r| (ExprKind::EventDate(Box::new(r)), Ty::Date)),
            ast::ExprKind::FieldOf(field) => self
                .field_of(field)
                .map(|(read, ty)| (ExprKind::EventField(Box::new(read)), ty)),
            ast::ExprKind::Elapsed { unit, from, to } => {
                let from = self.date_ref(from);
                let to = to.as_ref().map(|t| self.date_ref(t));
                match (from, to) {
                    (Some(from), None) => Some((
                        ExprKind::Elapsed {
                            unit: unit.value,
                            from: Box::new(from),
                            to: None,
                        },
                        Ty::Number(Unit::Plain),
                    )),
                    (Some(from), Some(Some(to))) => Some((
                        ExprKind::Elapsed {
                            unit: unit.value,
                            from: Box::new(from),
                            to: Some(Box::new(to)),
                        },
                        Ty::Number(Unit::Plain),
                    )),
                    _ => None,
                }
            }
            ast::ExprKind::DeadlineTest { deadline, status } => {
                self.deadline_test(deadline, status)
            }
            ast::ExprKind::NoWithin(body) => self
                .inline_deadline(body)
                .map(|d| (ExprKind::Deadline(d, StatusTest::Missed), Ty::Flag)),
            ast::ExprKind::DeadlineBare(body) => {
                self.inline_deadline(body);
                let text = collapse(self.text(body.span));
                self.checker.error(untested_deadline(&text, span));
                None
            }
            _ => unreachable!("only v1 forms are checked here"),
        };
        match checked {
            Some((kind, ty)) => (Expr { kind, span }, ty),
            None => (placeholder(), Ty::Error),
        }
    }

    /// A name that is an event kind standing alone (a bare reference: a date), or a declared
    /// deadline used without `is ...`; `None` when it is neither.
    pub(super) fn event_name(&mut self, name: &str, span: Span) -> Option<(Expr, Ty)> {
        if let Some(&index) = self.checker.events.deadlines.get(name) {
            self.checker.events.used[index] = true;
            self.checker.error(untested_deadline(name, span));
            return Some((placeholder(), Ty::Error));
        }
        if !self.checker.events.kinds.contains_key(name) || self.scope == Scope::Event {
            return None;
        }
        if !self.events_allowed(span, "an event") {
            return Some((placeholder(), Ty::Error));
        }
        let reference = ast::EventRef {
            pick: None,
            target: ast::EventTarget::Kind(Spanned::new(name.to_string(), span)),
            span,
        };
        Some(match self.reference(&reference) {
            Some(r) => (
                Expr {
                    kind: ExprKind::EventDate(Box::new(r)),
                    span,
                },
                Ty::Date,
            ),
            None => (placeholder(), Ty::Error),
        })
    }

    fn deadline_test(
        &mut self,
        deadline: &ast::DeadlineTarget,
        status: &Spanned<ast::StatusWord>,
    ) -> Option<(ExprKind, Ty)> {
        let index = match deadline {
            ast::DeadlineTarget::Named(name) => self.named_deadline(name),
            ast::DeadlineTarget::Inline(body) => self.inline_deadline(body),
        };
        let test = self.status(status);
        Some((ExprKind::Deadline(index?, test?), Ty::Flag))
    }

    /// `met`, `late`, ..., or `due within SPAN`.
    pub(super) fn status(&mut self, status: &Spanned<ast::StatusWord>) -> Option<StatusTest> {
        match &status.value {
            ast::StatusWord::DueWithin(span) => self.span(span).map(StatusTest::DueWithin),
            ast::StatusWord::Word(word) => match word.as_str() {
                "met" => Some(StatusTest::Met),
                "late" => Some(StatusTest::Late),
                "pending" => Some(StatusTest::Pending),
                "overdue" => Some(StatusTest::Overdue),
                "missed" => Some(StatusTest::Missed),
                _ => {
                    let help = did_you_mean(word, STATUS_WORDS)
                        .map(|h| format!("{h} (a deadline is `met`, `late`, `pending`, `overdue`, `missed`, or `due within ...`)"))
                        .or_else(|| Some("a deadline is `met`, `late`, `pending`, `overdue`, `missed`, or `due within 5 working days`".to_string()));
                    self.checker.error(event_error(
                        EventCode::UnknownStatus,
                        format!("`{word}` is not a status of a deadline"),
                        status.span,
                        "not a status",
                        help,
                    ));
                    None
                }
            },
        }
    }

    /// A declared deadline tested by name: checked in this rule's scope; its position.
    pub(super) fn named_deadline(&mut self, name: &ast::Ident) -> Option<usize> {
        let Some(&index) = self.checker.events.deadlines.get(&name.value) else {
            if self.checker.events.refused_deadlines.contains(&name.value) {
                return None;
            }
            let names: Vec<String> = self
                .checker
                .events
                .deadline_decls
                .iter()
                .map(|d| d.id.value.clone())
                .collect();
            let help = self.checker.suggest(&name.value, &names).or_else(|| {
                Some(format!(
                    "declare it: `deadline {} \"...\" {{ plan_created within 20 working days after request_accepted }}`, or write the deadline in place",
                    name.value
                ))
            });
            self.checker.error(event_error(
                EventCode::UnknownDeadline,
                format!("there is no deadline called `{}`", name.value),
                name.span,
                "not a deadline of this policy",
                help,
            ));
            return None;
        };
        self.checker.events.used[index] = true;
        if !self.checker.events.scopes[index].contains(&self.case) {
            self.checker.events.scopes[index].push(self.case);
        }
        let decl = self.checker.events.deadline_decls[index].clone();
        let def = self.window_deadline(&decl.body);
        if self.checker.events.declared[index].is_none() {
            self.checker.events.declared[index] = def.map(|mut d| {
                d.name = Some(decl.id.value.clone());
                d
            });
        }
        Some(index)
    }

    /// A deadline written in place: its position among all deadlines.
    fn inline_deadline(&mut self, body: &ast::WindowDeadline) -> Option<usize> {
        let def = self.window_deadline(body)?;
        let events = &mut self.checker.events;
        events.inline.push(def);
        Some(events.deadline_decls.len() + events.inline.len() - 1)
    }

    pub(super) fn window_deadline(&mut self, body: &ast::WindowDeadline) -> Option<DeadlineDef> {
        let awaited = match &body.awaited {
            ast::EventTarget::Kind(kind) => self.single_kind_set(kind),
            ast::EventTarget::Set(set) => self.set(set, true),
        };
        let within = self.span(&body.within);
        let start = self.date_ref(&body.start);
        Some(DeadlineDef {
            name: None,
            text: collapse(self.text(body.span)),
            awaited: awaited?,
            within: within?,
            start: start?,
            span: body.span,
        })
    }

    fn single_kind_set(&mut self, kind: &ast::Ident) -> Option<EventSetDef> {
        let index = self.kind(kind)?;
        Some(EventSetDef {
            kinds: vec![index],
            window: None,
            filter: None,
            span: kind.span,
        })
    }

    /// An event kind read by a condition: known, and not of another case kind than the
    /// rule's.
    fn kind(&mut self, kind: &ast::Ident) -> Option<usize> {
        let index = self.checker.known_kind(kind)?;
        let CaseCtx::Case(case) = self.case else {
            return Some(index);
        };
        let Some(other) = self.checker.schema.event_kinds[index]
            .case
            .filter(|&c| c != case)
        else {
            return Some(index);
        };
        let schema = &self.checker.schema;
        let (other, this) = (&schema.case_kinds[other].id, &schema.case_kinds[case].id);
        let error = event_error(
            EventCode::OtherCaseKind,
            format!("`{}` belongs to case `{other}`, but this rule is for each `{this}`", kind.value),
            kind.span,
            format!("an event of `{other}`"),
            Some(format!("scope the rule with `for each {other}`, or make it a rule about the subject (no `for each`)")),
        );
        self.checker.error(error);
        None
    }

    pub(super) fn set(&mut self, set: &ast::EventSet, in_deadline: bool) -> Option<EventSetDef> {
        let kinds: Vec<Option<usize>> = set.kinds.iter().map(|k| self.kind(k)).collect();
        let window = match &set.window {
            Some(window) if in_deadline => {
                self.checker.error(event_error(
                    EventCode::WindowInDeadline,
                    "a deadline's awaited events cannot have a window of their own",
                    window.span,
                    "a window here",
                    Some("put the window in the deadline's own `within ... after ...`".to_string()),
                ));
                None
            }
            Some(window) => self.set_window(window).map(|w| Some(Box::new(w))),
            None => Some(None),
        };
        let kinds: Option<Vec<usize>> = kinds.into_iter().collect();
        let filter = match (&set.filter, &kinds) {
            (Some(filter), Some(kinds)) => Some(self.filter(filter, kinds)),
            _ => None,
        };
        Some(EventSetDef {
            kinds: kinds?,
            window: window?,
            filter: filter.map(Box::new),
            span: set.span,
        })
    }

    fn set_window(&mut self, window: &ast::SetWindow) -> Option<WindowDef> {
        match &window.kind {
            ast::SetWindowKind::InLast { amount, unit } => {
                let n = self.length(amount, window.span, "window")?;
                let n = u32::try_from(n).ok()?;
                Some(match unit.value {
                    DueUnit::Months if n > MAX_WINDOW_MONTHS => {
                        self.checker.error(too_long(amount, window.span));
                        return None;
                    }
                    DueUnit::Months => WindowDef::LastMonths(n),
                    DueUnit::Weeks => WindowDef::LastWeeks(n),
                    _ => WindowDef::LastDays(n),
                })
            }
            ast::SetWindowKind::Since(start) => self.date_ref(start).map(WindowDef::Since),
            ast::SetWindowKind::WithinAfter { within, start } => {
                let within = self.span(within);
                let start = self.date_ref(start);
                Some(WindowDef::WithinAfter(within?, start?))
            }
        }
    }

    /// A whole number of days, weeks or months written in a span or window: at least zero
    /// (zero warns), at most [`MAX_SPAN`].
    fn length(&mut self, amount: &Spanned<String>, whole: Span, what: &str) -> Option<i64> {
        let Ok(n) = amount.value.parse::<i64>() else {
            self.checker.error(too_long(amount, whole));
            return None;
        };
        let written = collapse(self.text(whole));
        if n < 0 {
            self.checker.error(event_error(
                EventCode::NegativeSpan,
                format!("`{written}` is a {what} shorter than zero"),
                amount.span,
                "less than zero",
                Some(format!(
                    "{}: write `{}`",
                    match written.starts_with("in last") {
                        true => "`in last` already counts back from the evaluation date",
                        false => "windows run forward from their start",
                    },
                    written.replacen(&amount.value, amount.value.trim_start_matches('-'), 1)
                )),
            ));
            return None;
        }
        if n > MAX_SPAN {
            self.checker.error(too_long(amount, whole));
            return None;
        }
        if n == 0 && what == "window" {
            self.checker.error(event_error(
                EventCode::EmptyWindow,
                format!("`{written}` is a window of no time: it never holds an event"),
                amount.span,
                "zero",
                Some(format!(
                    "write a window of at least 1, such as `{}`",
                    written.replacen(&amount.value, "1", 1)
                )),
            ));
        }
        Some(n)
    }

    pub(super) fn span(&mut self, span: &ast::SpanExpr) -> Option<SpanDef> {
        let amount = match &span.amount {
            ast::SpanAmount::Literal(n) => {
                SpanAmountDef::Fixed(u32::try_from(self.length(n, span.span, "span")?).ok()?)
            }
            ast::SpanAmount::Field(field) => {
                let (read, _) = self.field_of(field)?;
                if !self.is_whole_field(read.field) {
                    let name = &field.field.value;
                    self.checker.error(event_error(
                        EventCode::SpanNotWhole,
                        format!("`{name}` is not a whole number of at least zero, so it cannot be a length of time"),
                        field.span,
                        "not a whole number from 0",
                        Some(format!("declare the field as a whole number, for example `{name}: integer 0..90`")),
                    ));
                    return None;
                }
                SpanAmountDef::Field(Box::new(read))
            }
        };
        Some(SpanDef {
            amount,
            unit: span.unit.value,
        })
    }

    fn is_whole_field(&self, field: EventField) -> bool {
        let schema = &self.checker.schema;
        let ty = match field {
            EventField::Declared(g) => &schema.event_fields[g].ty,
            EventField::Concern(ConcernAttr::Field(i)) => &schema.concern_fields[i].ty,
            EventField::Concern(_) => return false,
        };
        matches!(ty, FieldType::Integer { min, .. } if *min >= 0)
    }

    pub(super) fn date_ref(&mut self, date: &ast::DateRef) -> Option<DateRefDef> {
        match date {
            ast::DateRef::Date(d) => Some(DateRefDef::Literal(d.value)),
            ast::DateRef::Event(reference) => self.reference(reference).map(DateRefDef::Event),
            ast::DateRef::Field(field) => {
                let (read, ty) = self.field_of(field)?;
                if !matches!(ty, Ty::Date | Ty::Error) {
                    let described = self.describe(&ty);
                    self.checker.error(CheckError::TypeMismatch {
                        message: format!("`{}` is {described}, not a date", field.field.value),
                        span: field.span,
                        label: "not a date".to_string(),
                        help: Some(
                            "use a field declared as `date`, or the event itself".to_string(),
                        ),
                    });
                    return None;
                }
                Some(DateRefDef::Field(Box::new(read)))
            }
        }
    }

    pub(super) fn reference(&mut self, reference: &ast::EventRef) -> Option<EventRefDef> {
        let pick = match &reference.pick {
            Some(p) => match p.value {
                ast::Pick::First => RefPick::First,
                ast::Pick::Latest => RefPick::Latest,
            },
            None => RefPick::Only,
        };
        let set = match &reference.target {
            ast::EventTarget::Kind(kind) => {
                let set = self.single_kind_set(kind)?;
                if pick == RefPick::Only && !self.bare_allowed(set.kinds[0]) {
                    self.checker.error(self.ambiguous(kind));
                    return None;
                }
                set
            }
            ast::EventTarget::Set(set) => self.set(set, false)?,
        };
        Some(EventRefDef {
            pick,
            set,
            span: reference.span,
        })
    }

    /// Whether a bare kind names one event here: in a rule for each case of kind C, a kind
    /// that opens or closes C, or is `once per case` in C.
    fn bare_allowed(&self, kind: usize) -> bool {
        match self.case {
            CaseCtx::Unknown => true,
            CaseCtx::Subject => false,
            CaseCtx::Case(case) => {
                let def = &self.checker.schema.event_kinds[kind];
                def.case == Some(case) && (def.once_per_case || def.builtin)
            }
        }
    }

    fn ambiguous(&self, kind: &ast::Ident) -> CheckError {
        let schema = &self.checker.schema;
        let index = schema.event_kind_index(&kind.value).unwrap_or(0);
        let name = &kind.value;
        let scope = match schema.event_kinds[index].case {
            Some(c) if self.case == CaseCtx::Subject => {
                format!(
                    ", or scope the rule with `for each open {}`",
                    schema.case_kinds[c].id
                )
            }
            Some(_) => format!(", or declare `event {name} \"...\" once per case`"),
            None => String::new(),
        };
        let why = match self.case {
            CaseCtx::Subject => {
                "a rule about the subject sees all the subject's events".to_string()
            }
            _ => format!("a case can have several `{name}` events"),
        };
        event_error(
            EventCode::AmbiguousEvent,
            format!("which `{name}`? {why}"),
            kind.span,
            "could be several events",
            Some(format!("write `first {name}` or `latest {name}`{scope}")),
        )
    }

    /// `FIELD of REF`: the field must be declared by every kind the reference can pick.
    pub(super) fn field_of(&mut self, field: &ast::FieldOf) -> Option<(FieldRead, Ty)> {
        let of = self.reference(&field.of)?;
        let (event_field, ty) = self.event_field(&field.field, &of.set.kinds)?;
        Some((
            FieldRead {
                field: event_field,
                of,
            },
            ty,
        ))
    }

    /// A field name of the events of `kinds`, with its type.
    fn event_field(&mut self, name: &ast::Ident, kinds: &[usize]) -> Option<(EventField, Ty)> {
        let schema = &self.checker.schema;
        if kinds.iter().all(|&k| schema.event_kinds[k].builtin) {
            return self.concern_event_field(name);
        }
        let global = schema.event_field_index(&name.value);
        let on_all = global.filter(|g| {
            kinds
                .iter()
                .all(|&k| schema.event_kinds[k].fields.contains(g))
        });
        if let Some(g) = on_all {
            let ty = match &schema.event_fields[g].ty {
                FieldType::OneOf(_) => Ty::EventEnum(g),
                other => field_ty(other, false, g),
            };
            return Some((EventField::Declared(g), ty));
        }
        let listed: Vec<String> = kinds
            .iter()
            .map(|&k| format!("`{}`", schema.event_kinds[k].id))
            .collect();
        let owners: Vec<String> = match global {
            Some(g) => schema
                .event_kinds
                .iter()
                .filter(|k| k.fields.contains(&g))
                .map(|k| format!("`{}`", k.id))
                .collect(),
            None => Vec::new(),
        };
        let help = match owners.is_empty() {
            false => Some(format!(
                "`{}` is a field of {}",
                name.value,
                owners.join(", ")
            )),
            true => {
                let fields: Vec<String> = kinds
                    .iter()
                    .flat_map(|&k| {
                        schema.event_kinds[k]
                            .fields
                            .iter()
                            .map(|&g| schema.event_fields[g].name.clone())
                    })
                    .collect();
                match self.checker.suggest(&name.value, &fields) {
                    Some(h) => Some(h),
                    None if fields.is_empty() => Some(format!(
                        "{} has no fields; declare one in its `event` block",
                        listed.join(", ")
                    )),
                    None => Some(format!(
                        "its fields are {}",
                        fields
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
        };
        self.checker.error(event_error(
            EventCode::UnknownEventField,
            format!(
                "`{}` is not a field of {}",
                name.value,
                listed.join(" and ")
            ),
            name.span,
            "not a field of this event",
            help,
        ));
        None
    }

    /// A field of a concern seen as an event: a concern field, a per-concern grade, or the
    /// built-in `id`, `subject` and `raised_on`.
    fn concern_event_field(&mut self, name: &ast::Ident) -> Option<(EventField, Ty)> {
        let outer = std::mem::replace(&mut self.scope, Scope::Concern);
        let (expr, ty) = self.resolve_name(&name.value, name.span);
        self.scope = outer;
        match expr.kind {
            ExprKind::Concern(attr) => Some((EventField::Concern(attr), ty)),
            _ => None,
        }
    }

    /// A `where` filter over events of `kinds`.
    fn filter(&mut self, filter: &ast::Expr, kinds: &[usize]) -> Expr {
        let schema = &self.checker.schema;
        let concerns_only = kinds.iter().all(|&k| schema.event_kinds[k].builtin);
        let scope = if concerns_only {
            Scope::Concern
        } else {
            Scope::Event
        };
        let outer_scope = std::mem::replace(&mut self.scope, scope);
        let outer_kinds = std::mem::replace(&mut self.filter_kinds, kinds.to_vec());
        let (expr, ty) = self.check(filter);
        self.expect_condition(&ty, filter.span);
        self.scope = outer_scope;
        self.filter_kinds = outer_kinds;
        expr
    }

    /// A name inside an event filter: a field of the filtered kinds.
    pub(super) fn filter_field(&mut self, name: &str, span: Span) -> (Expr, Ty) {
        let kinds = self.filter_kinds.clone();
        match self.event_field(&Spanned::new(name.to_string(), span), &kinds) {
            Some((field, ty)) => (
                Expr {
                    kind: ExprKind::EventAttr(field),
                    span,
                },
                ty,
            ),
            None => (placeholder(), Ty::Error),
        }
    }

    /// `check::date_as_number` for a date beside a number or in arithmetic; the label sits
    /// on the date.
    pub(super) fn date_as_number(
        &self,
        date: &ast::Expr,
        op: &str,
        other: &ast::Expr,
    ) -> CheckError {
        let written = collapse(self.text(date.span));
        let other_text = collapse(self.text(other.span));
        let example = match other_text.chars().all(|c| c.is_ascii_digit()) {
            true => format!("days since {written} {op} {other_text}"),
            false => format!("days since {written} > 28"),
        };
        event_error(
            EventCode::DateAsNumber,
            format!("`{written}` is a date, not a number"),
            date.span,
            "a date",
            Some(format!("to count the time since it, write `{example}`")),
        )
    }

    /// `check::date_as_number` for one date taken from another (`plan_created -
    /// request_accepted`): the help counts the days between them.
    pub(super) fn date_difference(&self, later: &ast::Expr, earlier: &ast::Expr) -> CheckError {
        let later_text = collapse(self.text(later.span));
        let earlier_text = collapse(self.text(earlier.span));
        event_error(
            EventCode::DateAsNumber,
            format!("`{later_text}` and `{earlier_text}` are dates: one cannot be taken from the other"),
            Span::new(later.span.start, earlier.span.end),
            "dates, not numbers",
            Some(format!(
                "to count the time from one to the other, write `days between {earlier_text} and {later_text}` (or `working days between ...`, `weeks between ...`)"
            )),
        )
    }

    /// `check::date_as_flag` for a date where a condition is expected.
    pub(super) fn date_as_flag(&self, span: Span) -> CheckError {
        let written = collapse(self.text(span));
        let kind = written
            .rsplit([' ', '('])
            .next()
            .unwrap_or(&written)
            .trim_end_matches(')')
            .to_string();
        event_error(
            EventCode::DateAsFlag,
            format!("`{written}` is a date, not a yes-or-no condition"),
            span,
            "a date",
            Some(format!(
                "compare it, for example `days since {written} > 28`, or write `any({kind})`"
            )),
        )
    }
}

fn untested_deadline(text: &str, span: Span) -> CheckError {
    let example = if text.contains(' ') {
        format!("({text})")
    } else {
        text.to_string()
    };
    event_error(
        EventCode::UntestedDeadline,
        format!("a deadline is not a condition by itself: say which status of `{text}` to test"),
        span,
        "a deadline without `is ...`",
        Some(format!(
            "write `{example} is overdue`, `is missed`, `is due within 5 working days`, or `no ...` before it, as in `no plan_created within 20 working days after request_accepted`"
        )),
    )
}

fn too_long(amount: &Spanned<String>, _whole: Span) -> CheckError {
    CheckError::BadNumber {
        message: format!("`{}` is too long a span of time", amount.value),
        span: amount.span,
        label: "too long".to_string(),
        help: Some(format!("a span or window can be at most {MAX_SPAN} days, weeks or months long ({MAX_WINDOW_MONTHS} months)")),
    }
}

/// Text on one line: comments dropped, runs of whitespace made one space.
pub(super) fn collapse(text: &str) -> String {
    let without_comments: Vec<&str> = text
        .lines()
        .map(|line| match line.find('#') {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect();
    without_comments
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

//! What the checker says about version 1's events, cases and deadlines: one type with a
//! stable code per kind of problem (spec §16), wrapped by [`CheckError::Event`].
//!
//! [`CheckError::Event`]: super::CheckError::Event

use std::fmt;

use miette::{Diagnostic, LabeledSpan, Severity};

use crate::ast::Span;

/// The kinds of problem with events, cases and deadlines, each with its stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventCode {
    /// An event kind that is not declared (nor `concern`).
    UnknownEvent,
    /// `for each X` where X is not a case kind.
    UnknownCase,
    /// `X is overdue` where X is neither a deadline nor a deadline written in place.
    UnknownDeadline,
    /// A status word that is not a status (`is ovredue`).
    UnknownStatus,
    /// `F of REF` or `where F` with F not a field of the kind(s).
    UnknownEventField,
    /// A bare kind where several events can match.
    AmbiguousEvent,
    /// A case-scoped rule reads a kind of another case kind.
    OtherCaseKind,
    /// A date compared with a number, or arithmetic on a date.
    DateAsNumber,
    /// A span or window shorter than zero.
    NegativeSpan,
    /// A deadline used as a condition without `is ...`.
    UntestedDeadline,
    /// `(F of REF)` as a span where F is not a whole number of at least zero.
    SpanNotWhole,
    /// A kind listed by two case kinds.
    KindInTwoCases,
    /// A kind that both opens and closes a case kind.
    OpenerCloses,
    /// One field name declared with two types.
    FieldTypeClash,
    /// A window of zero length (a warning).
    EmptyWindow,
    /// An event field named like a built-in column.
    ReservedField,
    /// `once per case` on a kind of no case kind.
    OnceOutsideCase,
    /// `concern` under `events` or `closed by`.
    ConcernNotMember,
    /// A date used as a condition.
    DateAsFlag,
    /// A window inside a deadline's awaited events.
    WindowInDeadline,
    /// A case kind named `open`.
    ReservedCaseName,
    /// A declared deadline no rule tests (a warning).
    UnusedDeadline,
    /// An events-related construct where it cannot stand (a per-concern grade, `applies to`).
    EventOutOfPlace,
    /// A case kind without `opened by`.
    MissingOpener,
    /// An event kind, case kind or deadline named `concern`, the built-in event kind.
    BuiltinName,
}

impl EventCode {
    /// The stable code, as printed and in JSON.
    pub fn code(self) -> &'static str {
        use EventCode::*;
        match self {
            UnknownEvent => "check::unknown_event",
            UnknownCase => "check::unknown_case",
            UnknownDeadline => "check::unknown_deadline",
            UnknownStatus => "check::unknown_status",
            UnknownEventField => "check::unknown_event_field",
            AmbiguousEvent => "check::ambiguous_event",
            OtherCaseKind => "check::other_case_kind",
            DateAsNumber => "check::date_as_number",
            NegativeSpan => "check::negative_span",
            UntestedDeadline => "check::untested_deadline",
            SpanNotWhole => "check::span_not_whole",
            KindInTwoCases => "check::kind_in_two_cases",
            OpenerCloses => "check::opener_closes",
            FieldTypeClash => "check::field_type_clash",
            EmptyWindow => "check::empty_window",
            ReservedField => "check::reserved_field",
            OnceOutsideCase => "check::once_outside_case",
            ConcernNotMember => "check::concern_not_member",
            DateAsFlag => "check::date_as_flag",
            WindowInDeadline => "check::window_in_deadline",
            ReservedCaseName => "check::reserved_case_name",
            UnusedDeadline => "check::unused_deadline",
            EventOutOfPlace => "check::out_of_place",
            MissingOpener => "check::missing_clause",
            BuiltinName => "check::duplicate_name",
        }
    }

    /// Whether it is a warning rather than an error.
    pub fn is_warning(self) -> bool {
        matches!(self, EventCode::EmptyWindow | EventCode::UnusedDeadline)
    }
}

/// A problem with events, cases or deadlines.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EventError {
    /// Which kind of problem.
    pub code: EventCode,
    /// What is wrong, in plain words.
    pub message: String,
    /// Where.
    pub span: Span,
    /// The label under the span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain it (the first declaration, say).
    pub others: Vec<(Span, String)>,
}

impl EventError {
    /// A problem with no other places.
    pub fn new(
        code: EventCode,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: Option<String>,
    ) -> EventError {
        EventError {
            code,
            message: message.into(),
            span,
            label: label.into(),
            help,
            others: Vec::new(),
        }
    }
}

impl Diagnostic for EventError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.code()))
    }

    fn severity(&self) -> Option<Severity> {
        Some(match self.code.is_warning() {
            true => Severity::Warning,
            false => Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span);
        let others = self
            .others
            .iter()
            .map(|(span, label)| LabeledSpan::new_with_span(Some(label.clone()), *span));
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}

//! A checked policy, ready to run: every name resolved to a position, every literal typed.
//!
//! The checker (`crate::check`) is the only producer of a [`Program`]; the interpreter
//! (`crate::eval`) is its consumer.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ast::{AggregateFn, DueUnit, Span, WindowFn};
use crate::calendar::{Calendar, Deadline};
use crate::schema::{Direction, Schema};

/// A policy that passed the checker: what [`evaluate`](crate::evaluate) runs. Its name,
/// version, calendar and [`Schema`] are public; the rest is the interpreter's.
///
/// See the example of [`Policy`](crate::Policy), which reads a program's name, version and
/// schema.
#[derive(Clone, Debug)]
pub struct Program {
    /// The policy's name.
    pub name: String,
    /// Its version text, if any.
    pub version: Option<String>,
    /// The working-day calendar, extra holidays included.
    pub calendar: Calendar,
    /// Metrics, subject fields and concern fields.
    pub schema: Schema,
    /// Roles in declaration order.
    pub(crate) roles: Vec<RoleDef>,
    /// Grades in declaration order.
    pub(crate) grades: Vec<GradeDef>,
    /// Rules in file order.
    pub(crate) rules: Vec<RuleDef>,
    /// Deadlines (v1): the declared ones in declaration order, then those written in place
    /// inside conditions.
    pub(crate) deadlines: Vec<DeadlineDef>,
    /// Test blocks, checked and resolved, in file order.
    pub(crate) tests: Vec<TestDef>,
    /// The policy's text, for quoting the conditions evidence belongs to.
    pub(crate) source: Arc<str>,
}

impl Program {
    /// The policy text of a span on one line (runs of whitespace made one space).
    pub(crate) fn text(&self, span: Span) -> String {
        let text = self.source.get(span.start..span.end).unwrap_or_default();
        let mut one_line = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !one_line.is_empty() {
                one_line.push(' ');
            }
            one_line.push_str(word);
        }
        one_line
    }

    /// The position of a rule by id.
    pub(crate) fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }

    /// The position of a grade by id.
    pub(crate) fn grade_index(&self, id: &str) -> Option<usize> {
        self.grades.iter().position(|g| g.id == id)
    }
}

/// `role ID "Display name"`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleDef {
    /// The identifier.
    pub id: String,
    /// The name shown to people.
    pub display: String,
}

/// How serious a rule's action is, lowest first.
///
/// See the example of [`Evaluation`](crate::Evaluation), which reads an action's severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// `low`
    Low,
    /// `moderate`
    Moderate,
    /// `high`
    High,
    /// `extreme`
    Extreme,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Moderate,
        Severity::High,
        Severity::Extreme,
    ];

    /// The word used in policies.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Moderate => "moderate",
            Severity::High => "high",
            Severity::Extreme => "extreme",
        }
    }
}

/// A checked rule.
#[derive(Clone, Debug)]
pub struct RuleDef {
    /// The identifier.
    pub id: String,
    /// The title.
    pub title: String,
    /// `applies to`: over subject fields only.
    pub applies_to: Option<Expr>,
    /// `when`: the condition.
    pub when: Expr,
    /// `severity`
    pub severity: Severity,
    /// `require`: what must be done.
    pub require: String,
    /// `owner`: a position in [`Program::roles`].
    pub owner: usize,
    /// `involve`: positions in [`Program::roles`], in the order written.
    pub involve: Vec<usize>,
    /// `due`
    pub due: Deadline,
    /// `replaces`, directly: positions in [`Program::rules`].
    pub replaces: Vec<usize>,
    /// `for each [open] CASE` (v1): evaluated once per case rather than once per subject.
    pub for_each: Option<CaseScope>,
}

/// `for each [open] CASE`: the case kind a rule is evaluated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseScope {
    /// The case kind: a position in [`Schema::case_kinds`].
    pub case_kind: usize,
    /// Only cases open at the decision date (`for each open`); otherwise every case opened
    /// on or before it.
    pub open_only: bool,
}

/// A deadline (v1): `AWAITED within SPAN after START`, declared or written in place.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadlineDef {
    /// The declared name; `None` for a deadline written in place.
    pub name: Option<String>,
    /// The body as written, on one line.
    pub text: String,
    /// The events awaited (kinds and filter; never a window).
    pub awaited: EventSetDef,
    /// How long after the start.
    pub within: SpanDef,
    /// When it starts.
    pub start: DateRefDef,
    /// Where it was written.
    pub span: Span,
}

/// A length of time: `N UNIT`, or `(FIELD of EVENT) UNIT`.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanDef {
    /// How many units.
    pub amount: SpanAmountDef,
    /// The unit.
    pub unit: DueUnit,
}

/// How many units a span has.
#[derive(Clone, Debug, PartialEq)]
pub enum SpanAmountDef {
    /// A whole number written in the policy.
    Fixed(u32),
    /// A whole-number field of an event (`integer A..B` with `A >= 0`).
    Field(Box<FieldRead>),
}

/// A set of events: kinds, a window, a filter.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSetDef {
    /// The kinds: positions in [`Schema::event_kinds`], in the order written.
    pub kinds: Vec<usize>,
    /// The window.
    pub window: Option<Box<WindowDef>>,
    /// The `where` filter, over the fields of the kinds.
    pub filter: Option<Box<Expr>>,
    /// Where the set was written.
    pub span: Span,
}

/// The window of an event set.
#[derive(Clone, Debug, PartialEq)]
pub enum WindowDef {
    /// `in last N months`: whole calendar months ending with the evaluated month.
    LastMonths(u32),
    /// `in last N weeks`: the 7N days up to the evaluation date.
    LastWeeks(u32),
    /// `in last N days`: the N days up to the evaluation date.
    LastDays(u32),
    /// `since X`
    Since(DateRefDef),
    /// `within SPAN after X`
    WithinAfter(SpanDef, DateRefDef),
}

/// Which event of a set a reference picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefPick {
    /// `first`: the earliest, by date then id.
    First,
    /// `latest`: the latest, by date then id.
    Latest,
    /// A bare kind: the case's only event of that kind.
    Only,
}

/// An event reference: one event of a set, or absent.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRefDef {
    /// Which event.
    pub pick: RefPick,
    /// Of which events.
    pub set: EventSetDef,
    /// Where it was written.
    pub span: Span,
}

/// Something that gives a date.
#[derive(Clone, Debug, PartialEq)]
pub enum DateRefDef {
    /// A date written in the policy.
    Literal(NaiveDate),
    /// The date of an event.
    Event(EventRefDef),
    /// A `date` field of an event.
    Field(Box<FieldRead>),
}

/// `FIELD of REF`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRead {
    /// The field.
    pub field: EventField,
    /// The event read.
    pub of: EventRefDef,
}

/// A field of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventField {
    /// A declared event field: a position in [`Schema::event_fields`].
    Declared(usize),
    /// A value of a concern seen as an event.
    Concern(ConcernAttr),
}

/// What a deadline test asks.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusTest {
    /// `is met`
    Met,
    /// `is late`
    Late,
    /// `is pending`
    Pending,
    /// `is overdue`
    Overdue,
    /// `is missed` (late or overdue), and `no ... within ...`
    Missed,
    /// `is due within SPAN`
    DueWithin(SpanDef),
}

/// A checked grade.
#[derive(Clone, Debug)]
pub struct GradeDef {
    /// The identifier.
    pub id: String,
    /// The title.
    pub title: String,
    /// Graded once per concern (`for each concern`) rather than per subject.
    pub per_concern: bool,
    /// The levels, highest rank first (the order of first appearance).
    pub levels: Vec<String>,
    /// The arms, tried top to bottom.
    pub arms: Vec<ArmDef>,
    /// The grade's declaration.
    pub span: Span,
}

/// One arm of a grade.
#[derive(Clone, Debug)]
pub struct ArmDef {
    /// The level given: a position in [`GradeDef::levels`].
    pub level: u16,
    /// The condition; `None` for `otherwise`.
    pub condition: Option<Expr>,
}

/// A typed, resolved expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    /// Applies the comparison to an ordering of left against right.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
        }
    }

    /// The operator that says the same with its sides swapped: `2 > x` is `x < 2`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Eq | CmpOp::Ne => self,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// Where a concern's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConcernAttr {
    /// The built-in `id`.
    Id,
    /// The built-in `subject`.
    Subject,
    /// The built-in `raised_on` date.
    RaisedOn,
    /// A declared field: a position in [`Schema::concern_fields`].
    Field(usize),
    /// A `for each concern` grade: a position in [`Program::grades`].
    Grade(usize),
}

/// What a resolved expression computes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number, exactly as written; percentages as their number (`80%` is 80).
    Number(rust_decimal::Decimal),
    /// yes / no.
    Flag(bool),
    /// A quoted text.
    Text(Arc<str>),
    /// A date.
    Date(NaiveDate),
    /// A value of a `one of` field: its position in the list.
    EnumValue(u32),
    /// A level of a grade: its position (0 ranks highest).
    Level(u16),
    /// A metric's value in the evaluated month: a position in [`Schema::metrics`].
    Metric(usize),
    /// A subject field: a position in [`Schema::subject_fields`].
    SubjectField(usize),
    /// A subject's grade in the evaluated month: a position in [`Program::grades`].
    Grade(usize),
    /// A value of the concern being filtered or graded.
    Concern(ConcernAttr),
    /// `-X`
    Neg(Box<Expr>),
    /// `not X`
    Not(Box<Expr>),
    /// `X and Y`
    And(Box<Expr>, Box<Expr>),
    /// `X or Y`
    Or(Box<Expr>, Box<Expr>),
    /// Arithmetic on numbers.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// A comparison. Grade levels compare by rank: a higher rank is greater.
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `X in [a, b]`
    InList(Box<Expr>, Vec<Expr>),
    /// `X for N consecutive months`
    For(Box<Expr>, u32),
    /// `X in K of the last N months`
    InKOfN(Box<Expr>, u32, u32),
    /// `average(M over last N months)` and the like.
    Window(WindowFn, usize, u32),
    /// `M improved over last N months` (`improved` true) or `worsened`.
    Trend {
        /// The metric.
        metric: usize,
        /// `improved` (true) or `worsened` (false).
        improved: bool,
        /// N.
        months: u32,
        /// The metric's direction.
        direction: Direction,
    },
    /// `count(concerns ...)`, `any(...)`, `all(...)`.
    Concerns {
        /// The aggregate.
        func: AggregateFn,
        /// `in last N months`.
        months: Option<u32>,
        /// `where F`.
        filter: Option<Box<Expr>>,
    },
    /// `count(SET)`, `any(SET)`, `all(SET)` over events (v1).
    Events {
        /// The aggregate.
        func: AggregateFn,
        /// The events.
        set: EventSetDef,
    },
    /// The date of an event (v1); unknown when the reference finds nothing.
    EventDate(Box<EventRefDef>),
    /// `FIELD of REF` (v1).
    EventField(Box<FieldRead>),
    /// A field of the event being filtered (inside an event set's `where`).
    EventAttr(EventField),
    /// `UNIT since X` (`to` is `None`: the evaluation date) or `UNIT between X and Y`.
    Elapsed {
        /// The unit counted.
        unit: DueUnit,
        /// From.
        from: Box<DateRefDef>,
        /// To.
        to: Option<Box<DateRefDef>>,
    },
    /// A deadline's status test: a position in [`Program::deadlines`].
    Deadline(usize, StatusTest),
}

/// A checked `test` block: the data its `given` lines build and what its `expect` lines ask,
/// every name resolved and every value typed.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDef {
    /// The test's name.
    pub name: String,
    /// Its `as of` month.
    pub as_of: crate::month::Month,
    /// Its `given` lines, in order.
    pub givens: Vec<Given>,
    /// Its `expect` lines, in order.
    pub expects: Vec<ExpectDef>,
    /// The whole block.
    pub span: Span,
}

/// One `given` line of a test.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    /// What it gives.
    pub kind: GivenKind,
    /// The line.
    pub span: Span,
}

/// What a `given` line gives.
#[derive(Clone, Debug, PartialEq)]
pub enum GivenKind {
    /// A metric's values by month: a position in [`Schema::metrics`].
    Metric {
        /// The subject's id.
        subject: String,
        /// The metric.
        metric: usize,
        /// The values.
        values: Vec<(crate::month::Month, rust_decimal::Decimal)>,
    },
    /// A subject field: a position in [`Schema::subject_fields`].
    Field {
        /// The subject's id.
        subject: String,
        /// The field.
        field: usize,
        /// Its value.
        value: crate::schema::Value,
    },
    /// A concern, with every declared field in schema order.
    Concern {
        /// Its id.
        id: String,
        /// The subject's id.
        subject: String,
        /// The day it was raised.
        raised_on: NaiveDate,
        /// Its fields.
        fields: Vec<crate::schema::Value>,
    },
    /// An event of a kind (a position in [`Schema::event_kinds`]), its fields in the kind's
    /// order.
    Event {
        /// Its id.
        id: String,
        /// The subject's id.
        subject: String,
        /// Its kind.
        kind: usize,
        /// The day it happened.
        date: NaiveDate,
        /// Its case id.
        case: Option<String>,
        /// Its fields.
        fields: Vec<crate::schema::Value>,
    },
}

/// One `expect` line of a test.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectDef {
    /// The subject's id.
    pub subject: String,
    /// What is expected.
    pub kind: ExpectKind,
    /// The line.
    pub span: Span,
}

/// What an `expect` line expects.
#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    /// The rule's action is required (for the case, with the due date, when given).
    Fires {
        /// The rule's id.
        rule: String,
        /// The case id.
        case: Option<String>,
        /// The due date.
        due: Option<NaiveDate>,
    },
    /// The rule's action is not required.
    DoesNotFire {
        /// The rule's id.
        rule: String,
    },
    /// No action is required for the subject.
    Nothing,
    /// The subject's grade has this level.
    Grade {
        /// The grade's id.
        grade: String,
        /// The level.
        level: String,
    },
    /// A deadline has this status (a position in [`Program::deadlines`]).
    Deadline {
        /// The deadline.
        deadline: usize,
        /// The status test.
        test: StatusTest,
        /// The status as written, for messages.
        written: String,
        /// The case id.
        case: Option<String>,
    },
}

//! The syntax tree of a policy file, as written, with byte spans into the source.
//!
//! Names are not resolved here: the checker (`crate::check`) decides what each name means.

use chrono::NaiveDate;
use serde::Serialize;

use crate::month::Month;

/// A byte range in the policy source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Its length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether it covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The start of the span, given the text it covers: its first line, at most
    /// [`crate::quote::MAX_QUOTED_CHARS`] characters. A label on a huge condition underlines
    /// this rather than the whole.
    pub fn head(self, text: &str) -> Span {
        let line = text.split(['\n', '\r']).next().unwrap_or_default();
        let end = line
            .char_indices()
            .nth(crate::quote::MAX_QUOTED_CHARS)
            .map_or(line.len(), |(at, _)| at);
        Span::new(self.start, self.start + end.max(text.len().min(1)))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> miette::SourceSpan {
        (span.start, span.len()).into()
    }
}

/// A value with the span it was written at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with its span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// An identifier as written.
pub type Ident = Spanned<String>;

/// A whole policy file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyFile {
    /// The `policy "Name"` line.
    pub name: Spanned<String>,
    /// Everything after it, in file order.
    pub items: Vec<Item>,
}

/// One top-level declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Item {
    /// `version "..."`
    Version(Spanned<String>),
    /// `calendar NAME`
    Calendar(Ident),
    /// `holiday DATE "Reason"`
    Holiday(Holiday),
    /// `role ID "Display name"`
    Role(Role),
    /// `metric ID "Description" KIND[, DIRECTION]`
    Metric(Metric),
    /// `subjects { ... }`
    Subjects(FieldBlock),
    /// `concerns { ... }`
    Concerns(FieldBlock),
    /// `grade ID "Title" [for each concern] { ... }`
    Grade(Grade),
    /// `rule ID "Title" { ... }`
    Rule(Rule),
    /// `test "Name" { ... }`
    Test(Test),
    /// `event ID "Description" [once per case] [{ ... }]` (v1)
    Event(EventDecl),
    /// `case ID "Title" { ... }` (v1)
    Case(CaseDecl),
    /// `deadline ID "Title" { AWAITED within SPAN after START }` (v1)
    Deadline(DeadlineDecl),
}

/// `event ID "Description" [once per case] [{ FIELD: TYPE, ... }]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventDecl {
    /// The kind's identifier.
    pub id: Ident,
    /// The description.
    pub description: Spanned<String>,
    /// `once per case` was written (its span).
    pub once_per_case: Option<Span>,
    /// The declared fields, when a block was written.
    pub fields: Option<FieldBlock>,
    /// The whole declaration.
    pub span: Span,
}

/// `case ID "Title" { opened by K  closed by K, ...  events K, ... }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseDecl {
    /// The case kind's identifier.
    pub id: Ident,
    /// The title.
    pub title: Spanned<String>,
    /// The lines inside the braces, in order.
    pub items: Vec<CaseItem>,
    /// The whole declaration.
    pub span: Span,
    /// The closing brace, where a missing `opened by` is reported.
    pub close: Span,
}

/// One line of a `case` declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseItem {
    /// What it says.
    pub kind: CaseItemKind,
    /// The whole line.
    pub span: Span,
}

/// What a line of a `case` declaration says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum CaseItemKind {
    /// `opened by K`
    OpenedBy(Ident),
    /// `closed by K, ...`
    ClosedBy(Vec<Ident>),
    /// `events K, ...`
    Events(Vec<Ident>),
}

/// `deadline ID "Title" { AWAITED within SPAN after START }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineDecl {
    /// The identifier.
    pub id: Ident,
    /// The title.
    pub title: Spanned<String>,
    /// The deadline itself.
    pub body: WindowDeadline,
    /// The whole declaration.
    pub span: Span,
}

/// `AWAITED within SPAN after START`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowDeadline {
    /// The events awaited: a kind, or a parenthesised set.
    pub awaited: EventTarget,
    /// How long after the start.
    pub within: SpanExpr,
    /// When the deadline starts.
    pub start: DateRef,
    /// The whole deadline, without outer parentheses.
    pub span: Span,
}

/// `N UNIT` or `(FIELD of EVENT) UNIT`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpanExpr {
    /// How many units.
    pub amount: SpanAmount,
    /// The unit.
    pub unit: Spanned<DueUnit>,
    /// The whole span.
    pub span: Span,
}

/// How many units a span has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SpanAmount {
    /// A whole number as written (may start with `-`, which the checker refuses).
    Literal(Spanned<String>),
    /// `(FIELD of EVENT)`: a timescale recorded on an event.
    Field(Box<FieldOf>),
}

/// `FIELD of REF`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldOf {
    /// The field.
    pub field: Ident,
    /// The event it is read from.
    pub of: EventRef,
    /// The whole expression.
    pub span: Span,
}

/// `first` or `latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// The earliest event.
    First,
    /// The latest event.
    Latest,
}

impl Pick {
    /// The word as written.
    pub fn word(self) -> &'static str {
        match self {
            Pick::First => "first",
            Pick::Latest => "latest",
        }
    }
}

/// An event reference: `first K`, `latest(SET)`, or a bare kind `K`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRef {
    /// `first` or `latest`; `None` for a bare kind.
    pub pick: Option<Spanned<Pick>>,
    /// The kind or the set picked from.
    pub target: EventTarget,
    /// The whole reference.
    pub span: Span,
}

/// A single kind, or a parenthesised set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum EventTarget {
    /// `K`
    Kind(Ident),
    /// `(K, ... [window] [where F])`
    Set(EventSet),
}

/// `K, ... [WINDOW] [where FILTER]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSet {
    /// The kinds, in the order written.
    pub kinds: Vec<Ident>,
    /// The window, if any.
    pub window: Option<Box<SetWindow>>,
    /// The `where` filter, if any.
    pub filter: Option<Box<Expr>>,
    /// The whole set.
    pub span: Span,
}

/// A window of an event set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetWindow {
    /// Which window.
    pub kind: SetWindowKind,
    /// The whole window.
    pub span: Span,
}

/// The windows of an event set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SetWindowKind {
    /// `in last N months | weeks | days`
    InLast {
        /// N as written (may start with `-`).
        amount: Spanned<String>,
        /// The unit (never working days).
        unit: Spanned<DueUnit>,
    },
    /// `since X`
    Since(DateRef),
    /// `within SPAN after X`
    WithinAfter {
        /// How long.
        within: SpanExpr,
        /// After what.
        start: DateRef,
    },
}

/// Something that gives a date: a date literal, a date field of an event, or an event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum DateRef {
    /// `2026-12-28`
    Date(Spanned<NaiveDate>),
    /// `FIELD of REF`
    Field(Box<FieldOf>),
    /// An event reference.
    Event(EventRef),
}

impl DateRef {
    /// Where it was written.
    pub fn span(&self) -> Span {
        match self {
            DateRef::Date(d) => d.span,
            DateRef::Field(f) => f.span,
            DateRef::Event(e) => e.span,
        }
    }
}

/// The status word of a deadline test, as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StatusWord {
    /// A word, checked later: `met`, `late`, `pending`, `overdue` or `missed`.
    Word(String),
    /// `due within SPAN`
    DueWithin(SpanExpr),
}

/// The deadline a test names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum DeadlineTarget {
    /// A declared deadline's name.
    Named(Ident),
    /// A deadline written in place.
    Inline(Box<WindowDeadline>),
}

/// `holiday 2026-12-24 "Reason"`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Holiday {
    /// The non-working day.
    pub date: Spanned<NaiveDate>,
    /// Why.
    pub reason: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
}

/// `role ID "Display name"`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Role {
    /// The identifier used in `owner` and `involve`.
    pub id: Ident,
    /// The name shown to people.
    pub display: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
}

/// `metric ID "Description" KIND[, higher is better | lower is better]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// The identifier.
    pub id: Ident,
    /// The description.
    pub description: Spanned<String>,
    /// The kind as written (`percent`, `number` or `count`; checked later).
    pub kind: Ident,
    /// Which way is better, when given.
    pub direction: Option<Spanned<crate::schema::Direction>>,
    /// The whole declaration.
    pub span: Span,
}

/// `subjects { ... }` or `concerns { ... }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldBlock {
    /// The fields in order.
    pub fields: Vec<FieldDecl>,
    /// The whole block, keyword included.
    pub span: Span,
}

/// `NAME: TYPE`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDecl {
    /// The field's name.
    pub name: Ident,
    /// Its type.
    pub ty: Spanned<TypeExpr>,
}

/// A field type as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeExpr {
    /// A type named by a word (`text`, `number`, `flag`, `date`; checked later).
    Named(String),
    /// `integer A..B`
    Integer {
        /// Smallest value, as written.
        min: Spanned<String>,
        /// Largest value, as written.
        max: Spanned<String>,
    },
    /// `one of a, b, c`
    OneOf(Vec<Ident>),
}

/// `grade ID "Title" [for each concern] { arms }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grade {
    /// The identifier.
    pub id: Ident,
    /// The title.
    pub title: Spanned<String>,
    /// `for each concern` was written (its span).
    pub for_each_concern: Option<Span>,
    /// The arms, top to bottom.
    pub arms: Vec<GradeArm>,
    /// The whole declaration.
    pub span: Span,
}

/// `LEVEL when EXPR` or `LEVEL otherwise`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradeArm {
    /// The level this arm gives.
    pub level: Ident,
    /// Its condition; `None` for `otherwise`.
    pub condition: Option<Expr>,
    /// The whole arm.
    pub span: Span,
}

/// `rule ID "Title" { clauses }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// The identifier.
    pub id: Ident,
    /// The title.
    pub title: Spanned<String>,
    /// The clauses in the order written.
    pub clauses: Vec<Clause>,
    /// The whole declaration.
    pub span: Span,
    /// The span of the closing brace, where a missing clause is reported.
    pub close: Span,
}

/// One clause of a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// The whole clause, keyword included.
    pub span: Span,
}

/// What a rule clause says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ClauseKind {
    /// `when EXPR`
    When(Expr),
    /// `applies to EXPR`
    AppliesTo(Expr),
    /// `severity LEVEL`
    Severity(Ident),
    /// `require "text"`
    Require(Spanned<String>),
    /// `owner ROLE`
    Owner(Ident),
    /// `involve ROLE, ...`
    Involve(Vec<Ident>),
    /// `due N UNIT`
    Due(Due),
    /// `replaces RULE, ...`
    Replaces(Vec<Ident>),
    /// `for each [open] CASE` (v1)
    ForEach {
        /// `open` was written (its span).
        open: Option<Span>,
        /// The case kind.
        case: Ident,
    },
}

impl ClauseKind {
    /// The clause's keyword, as written in a policy.
    pub fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::When(_) => "when",
            ClauseKind::AppliesTo(_) => "applies to",
            ClauseKind::Severity(_) => "severity",
            ClauseKind::Require(_) => "require",
            ClauseKind::Owner(_) => "owner",
            ClauseKind::Involve(_) => "involve",
            ClauseKind::Due(_) => "due",
            ClauseKind::Replaces(_) => "replaces",
            ClauseKind::ForEach { .. } => "for each",
        }
    }
}

/// `due N UNIT`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Due {
    /// The count as written.
    pub amount: Spanned<String>,
    /// The unit.
    pub unit: Spanned<DueUnit>,
}

/// The unit of a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueUnit {
    /// Working days of the policy's calendar.
    WorkingDays,
    /// Calendar days.
    Days,
    /// Weeks of seven days.
    Weeks,
    /// Calendar months.
    Months,
}

impl DueUnit {
    /// The unit as written in policies, singular after a count of one.
    pub fn word(self, one: bool) -> &'static str {
        match (self, one) {
            (DueUnit::WorkingDays, true) => "working day",
            (DueUnit::WorkingDays, false) => "working days",
            (DueUnit::Days, true) => "day",
            (DueUnit::Days, false) => "days",
            (DueUnit::Weeks, true) => "week",
            (DueUnit::Weeks, false) => "weeks",
            (DueUnit::Months, true) => "month",
            (DueUnit::Months, false) => "months",
        }
    }
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    /// A plain number such as `20` or `2.5` (the text as written).
    Number(String),
    /// A percentage such as `80%` (the number as written, without `%`).
    Percent(String),
    /// `yes`, `no`, `true` or `false`.
    Flag(bool),
    /// A quoted text.
    Text(String),
    /// A date such as `2026-12-28`.
    Date(NaiveDate),
    /// A name: a metric, field, grade, grade level or enumeration value.
    Name(String),
    /// `-X`
    Neg(Box<Expr>),
    /// `not X`
    Not(Box<Expr>),
    /// `X op Y` for arithmetic, logic and comparison.
    Binary {
        /// The operator.
        op: Spanned<BinaryOp>,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `X in [a, b]`
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The list.
        items: Vec<Expr>,
    },
    /// `X for N consecutive months`
    For {
        /// The condition.
        expr: Box<Expr>,
        /// N as written.
        months: Spanned<String>,
        /// Whether `consecutive` was written.
        consecutive: bool,
    },
    /// `X in K of the last N months`
    InKOfN {
        /// The condition.
        expr: Box<Expr>,
        /// K as written.
        k: Spanned<String>,
        /// N as written.
        n: Spanned<String>,
    },
    /// `average(M over last N months)` and the like.
    Window {
        /// The function.
        func: Spanned<WindowFn>,
        /// The metric.
        metric: Ident,
        /// N as written.
        months: Spanned<String>,
    },
    /// `M improved over last N months` or `M worsened over last N months`.
    Trend {
        /// The metric.
        metric: Ident,
        /// `improved` (true) or `worsened` (false).
        improved: bool,
        /// N as written.
        months: Spanned<String>,
    },
    /// `count(concerns [in last N months] [where F])`, `any(...)`, `all(...)`.
    Concerns {
        /// The aggregate.
        func: Spanned<AggregateFn>,
        /// N of `in last N months`, as written.
        months: Option<Spanned<String>>,
        /// The `where` filter.
        filter: Option<Box<Expr>>,
    },
    /// `count(SET)`, `any(SET)`, `all(SET)` over events (v1).
    Events {
        /// The aggregate.
        func: Spanned<AggregateFn>,
        /// The events.
        set: EventSet,
    },
    /// `first K`, `latest(SET)`: an event, as a date (v1).
    Pick(EventRef),
    /// `FIELD of REF` (v1).
    FieldOf(Box<FieldOf>),
    /// `UNIT since X` (`to` is `None`) or `UNIT between X and Y` (v1).
    Elapsed {
        /// The unit counted.
        unit: Spanned<DueUnit>,
        /// From.
        from: DateRef,
        /// To; the evaluation date when `None`.
        to: Option<DateRef>,
    },
    /// `D is STATUS` (v1).
    DeadlineTest {
        /// The deadline.
        deadline: DeadlineTarget,
        /// The status tested.
        status: Spanned<StatusWord>,
    },
    /// A deadline without `is ...`, kept so the checker can explain (v1).
    DeadlineBare(Box<WindowDeadline>),
    /// `no AWAITED within SPAN after START` (v1).
    NoWithin(Box<WindowDeadline>),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Whether it compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
        )
    }

    /// Whether it is `and` or `or`.
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
}

/// Functions over a window of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowFn {
    /// `average`
    Average,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `sum`
    Sum,
}

impl WindowFn {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            WindowFn::Average => "average",
            WindowFn::Min => "min",
            WindowFn::Max => "max",
            WindowFn::Sum => "sum",
        }
    }
}

/// Aggregates over concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateFn {
    /// `count`
    Count,
    /// `any`
    Any,
    /// `all`
    All,
}

impl AggregateFn {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFn::Count => "count",
            AggregateFn::Any => "any",
            AggregateFn::All => "all",
        }
    }
}

/// `test "Name" { statements }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Test {
    /// The test's name.
    pub name: Spanned<String>,
    /// Its statements in order.
    pub statements: Vec<TestStatement>,
    /// The whole block.
    pub span: Span,
}

/// A statement inside a test block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestStatement {
    /// What it says.
    pub kind: TestStatementKind,
    /// The whole statement.
    pub span: Span,
}

/// What a test statement says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TestStatementKind {
    /// `as of YYYY-MM`
    AsOf(Spanned<Month>),
    /// `given SUBJECT METRIC MONTH = VALUE, ...`
    GivenMetric {
        /// The subject id.
        subject: Spanned<String>,
        /// The metric.
        metric: Ident,
        /// The values by month.
        values: Vec<(Spanned<Month>, Literal)>,
    },
    /// `given SUBJECT FIELD = VALUE`
    GivenField {
        /// The subject id.
        subject: Spanned<String>,
        /// The subject field.
        field: Ident,
        /// The value.
        value: Literal,
    },
    /// `given concern ID about SUBJECT on DATE [with FIELD = VALUE, ...]`
    GivenConcern {
        /// The concern's id.
        id: Spanned<String>,
        /// The subject it is about.
        subject: Spanned<String>,
        /// The day it was raised.
        raised_on: Spanned<NaiveDate>,
        /// Its field values.
        fields: Vec<(Ident, Literal)>,
    },
    /// `given event ID KIND about SUBJECT on DATE [in case CASE] [with FIELD = VALUE, ...]`
    GivenEvent {
        /// The event's id.
        id: Spanned<String>,
        /// Its kind.
        kind: Ident,
        /// The subject it is about.
        subject: Spanned<String>,
        /// The day it happened.
        date: Spanned<NaiveDate>,
        /// Its case id.
        case: Option<Spanned<String>>,
        /// Its field values.
        fields: Vec<(Ident, Literal)>,
    },
    /// `expect SUBJECT ...`
    Expect {
        /// The subject id.
        subject: Spanned<String>,
        /// What is expected.
        expectation: Expectation,
    },
}

/// What an `expect` line expects.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expectation {
    /// `expect S RULE [for case C] [due DATE]`: the rule's action is reported.
    Fires {
        /// The rule.
        rule: Ident,
        /// The case, for a case-scoped rule.
        case: Option<Spanned<String>>,
        /// The expected due date.
        due: Option<Spanned<NaiveDate>>,
    },
    /// `expect S not RULE`: the rule's action is not reported.
    DoesNotFire {
        /// The rule.
        rule: Ident,
    },
    /// `expect S nothing`: no action is reported for the subject.
    Nothing,
    /// `expect S DEADLINE is STATUS [for case C]`
    Deadline {
        /// The declared deadline.
        deadline: Ident,
        /// The status expected.
        status: Spanned<StatusWord>,
        /// The case, for a deadline used per case.
        case: Option<Spanned<String>>,
    },
    /// `expect S GRADE = LEVEL`
    Grade {
        /// The grade.
        grade: Ident,
        /// The level.
        level: Ident,
    },
}

/// A literal value in a test block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of literal in a test block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LiteralKind {
    /// A number as written (may start with `-`).
    Number(String),
    /// A percentage as written, without `%`.
    Percent(String),
    /// yes / no.
    Flag(bool),
    /// Quoted text.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// A name (an enumeration value).
    Name(String),
}

//! A checked policy, ready to run: every name resolved to a position, every literal typed.
//!
//! The checker (`crate::check`) is the only producer of a [`Program`]; the interpreter
//! (`crate::eval`) is its consumer.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ast::{AggregateFn, Span, WindowFn};
use crate::calendar::{Calendar, Deadline};
use crate::schema::{Direction, Schema};

/// A policy that passed the checker.
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
    pub roles: Vec<RoleDef>,
    /// Grades in declaration order.
    pub grades: Vec<GradeDef>,
    /// Rules in file order.
    pub rules: Vec<RuleDef>,
    /// Test blocks, checked, in file order.
    pub tests: Vec<crate::ast::Test>,
}

impl Program {
    /// The position of a rule by id.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }

    /// The position of a grade by id.
    pub fn grade_index(&self, id: &str) -> Option<usize> {
        self.grades.iter().position(|g| g.id == id)
    }
}

/// `role ID "Display name"`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleDef {
    /// The identifier.
    pub id: String,
    /// The name shown to people.
    pub display: String,
}

/// How serious a rule's action is, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
    /// Every rule this one displaces, directly or through others, in file order.
    pub displaces: Vec<usize>,
    /// The rule's declaration.
    pub span: Span,
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
    /// The arm as written.
    pub span: Span,
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
    /// A number; percentages are stored as written (`80%` is 80.0).
    Number(f64),
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
}

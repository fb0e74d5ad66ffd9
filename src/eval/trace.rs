//! What the interpreter tells a tracer as it works: the values it reads and, for `explain`,
//! each part of a condition with its result. The fast path uses [`NoTrace`], which does nothing.

use chrono::NaiveDate;

use crate::ast::Span;
use crate::data::CaseIndex;
use crate::month::Month;

use super::value::Val;

/// A value the interpreter looked up.
#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// A comparison of two numbers that decided part of a condition: the deciding number
    /// (a metric's value, an average, a count, arithmetic) and its threshold. A literal
    /// written on the left is taken as the threshold (`20 <= callbacks` is noted as
    /// `callbacks >= 20`).
    Comparison {
        /// The whole comparison (or the outermost `not` around it).
        context: Span,
        /// The side with the deciding number.
        left: Span,
        /// The metric, when that side is a metric's value in the month.
        metric: Option<usize>,
        /// Whether the numbers are percentages.
        percent: bool,
        /// The month it was evaluated for.
        month: Month,
        /// The operator.
        op: crate::program::CmpOp,
        /// The left side's value.
        value: crate::number::Num,
        /// The right side's value.
        threshold: crate::number::Num,
        /// Whether the comparison held.
        holds: bool,
    },
    /// A metric's value in a month (`None`: no value).
    Metric {
        /// Position of the metric.
        metric: usize,
        /// The month.
        month: Month,
        /// The value found.
        value: Option<rust_decimal::Decimal>,
        /// The comparison or function it was read for (or the outermost `not` around it).
        context: Span,
    },
    /// A subject field (`None`: unknown).
    Field {
        /// Position of the field.
        field: usize,
        /// The value found, as text.
        value: Option<String>,
    },
    /// The concerns an aggregate counted.
    Concerns {
        /// The concerns, in the order counted (by date raised, then id).
        concerns: Vec<ConcernSeen>,
        /// The aggregate (or the outermost `not` around it).
        context: Span,
    },
    /// A grade the condition read.
    Grade {
        /// Position of the grade.
        grade: usize,
        /// The month it was graded for.
        month: Month,
        /// The level given (`None`: unknown).
        level: Option<u16>,
    },
    /// An event a reference resolved to, or a member of an event set.
    Event(EventSeen),
    /// A reference found no event of these kinds (an absent reference, or an absent anchor).
    NoneRecorded {
        /// Positions of the kinds looked for.
        kinds: Vec<usize>,
        /// The case of the case-scoped rule being evaluated.
        case: Option<CaseIndex>,
    },
    /// A deadline's status in the as-of month.
    Deadline(Box<DeadlineSeen>),
    /// A value worked out from events (a field of an event, an elapsed time), for
    /// explanations.
    Computed {
        /// The part of the condition.
        span: Span,
        /// Its value, as people write it.
        value: String,
    },
}

/// A concern, as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernSeen {
    /// Its id.
    pub id: Box<str>,
    /// The date it was raised.
    pub raised_on: NaiveDate,
    /// What it is about, when the concerns file has a `summary` column.
    pub summary: Option<Box<str>>,
}

/// An event, as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSeen {
    /// Its id.
    pub id: Box<str>,
    /// Its kind's position.
    pub kind: usize,
    /// Its date.
    pub date: NaiveDate,
    /// Its case.
    pub case: Option<CaseIndex>,
}

/// Where a deadline stands at an evaluation date.
///
/// See the example of [`EventRecord`](crate::EventRecord).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// The awaited event happened by the due date.
    Met,
    /// It happened, after the due date.
    Late,
    /// It has not happened, and the due date has not passed.
    Pending,
    /// It has not happened, and the due date has passed.
    Overdue,
    /// The deadline's start has not happened: it is not running.
    NotArmed,
}

impl DeadlineState {
    /// The word used in policies and output.
    pub fn word(self) -> &'static str {
        match self {
            DeadlineState::Met => "met",
            DeadlineState::Late => "late",
            DeadlineState::Pending => "pending",
            DeadlineState::Overdue => "overdue",
            DeadlineState::NotArmed => "not_armed",
        }
    }
}

/// A deadline as evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineSeen {
    /// Its position in the program's deadlines.
    pub deadline: usize,
    /// The evaluation date.
    pub on: NaiveDate,
    /// Its start date and start event (`None` when not armed).
    pub start: Option<(NaiveDate, Option<EventSeen>)>,
    /// The due date.
    pub due: Option<NaiveDate>,
    /// Its status.
    pub state: DeadlineState,
    /// The earliest awaited event since the start, if any.
    pub met_by: Option<EventSeen>,
}

/// Receives what the interpreter does.
pub trait Tracer {
    /// Whether this tracer wants anything; lets the interpreter skip building what it records.
    const ACTIVE: bool;
    /// Whether it wants what a grade read while the grade was worked out (evidence and missing
    /// values do; an explanation shows grades on their own instead).
    const INSIDE_GRADES: bool = true;
    /// A value was read.
    fn read(&mut self, read: Read);
    /// The current position in what was recorded, for [`Tracer::forget`].
    fn mark(&self) -> usize;
    /// Forgets what was recorded between two marks (a branch that did not decide the result).
    fn forget(&mut self, start: usize, end: usize);
    /// The interpreter starts on a part of a condition, in a month; `composite` when the part
    /// combines conditions (`and`, `or`, `not`, `for`, `in K of N`).
    fn enter(&mut self, _span: Span, _month: Month, _composite: bool) {}
    /// It finished that part with this result.
    fn exit(&mut self, _result: &Val) {}
}

/// Records nothing: the fast path.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn read(&mut self, _: Read) {}
    #[inline(always)]
    fn mark(&self) -> usize {
        0
    }
    #[inline(always)]
    fn forget(&mut self, _: usize, _: usize) {}
}

/// Records every value read that bore on the result: evidence and missing values.
#[derive(Default)]
pub struct Reads {
    /// What was read, in order.
    pub reads: Vec<Read>,
}

impl Tracer for Reads {
    const ACTIVE: bool = true;
    fn read(&mut self, read: Read) {
        self.reads.push(read);
    }
    fn mark(&self) -> usize {
        self.reads.len()
    }
    fn forget(&mut self, start: usize, end: usize) {
        self.reads.drain(start..end.min(self.reads.len()));
    }
}

/// Counts the interpreter's steps: each part of a condition it starts on, and each value it
/// reads. The checker bounds this count for every condition
/// ([`crate::check::cost::MAX_CONDITION_STEPS`]); see [`super::condition_steps`].
#[cfg(test)]
#[derive(Default)]
pub struct Steps {
    /// The steps so far.
    pub steps: u64,
}

#[cfg(test)]
impl Tracer for Steps {
    const ACTIVE: bool = true;
    fn read(&mut self, read: Read) {
        // A comparison's deciding number is noted for the evidence, not read from the data:
        // the comparison itself is already a step.
        if !matches!(read, Read::Comparison { .. }) {
            self.steps += 1;
        }
    }
    fn mark(&self) -> usize {
        0
    }
    fn forget(&mut self, _: usize, _: usize) {}
    fn enter(&mut self, _: Span, _: Month, _: bool) {
        self.steps += 1;
    }
}

/// One part of a condition as evaluated, for `explain`.
#[derive(Clone, Debug)]
pub struct Node {
    /// The part of the condition.
    pub span: Span,
    /// The month it was evaluated for.
    pub month: Month,
    /// Its result.
    pub result: Val,
    /// Whether it combines conditions (`and`, `or`, `not`, `for`, `in K of N`).
    pub composite: bool,
    /// The values it read itself.
    pub reads: Vec<Read>,
    /// Its parts.
    pub children: Vec<Node>,
}

/// Records the whole evaluation as a tree of [`Node`]s.
#[derive(Default)]
pub struct Tree {
    stack: Vec<Node>,
    /// The finished top-level nodes.
    pub roots: Vec<Node>,
    count: usize,
}

impl Tracer for Tree {
    const ACTIVE: bool = true;
    const INSIDE_GRADES: bool = false;
    fn read(&mut self, read: Read) {
        if let Some(node) = self.stack.last_mut() {
            node.reads.push(read);
        }
    }
    fn mark(&self) -> usize {
        self.count
    }
    fn forget(&mut self, _: usize, _: usize) {
        // An explanation shows every branch, including those that did not decide the result.
    }
    fn enter(&mut self, span: Span, month: Month, composite: bool) {
        self.count += 1;
        self.stack.push(Node {
            span,
            month,
            composite,
            result: Val::Unknown,
            reads: Vec::new(),
            children: Vec::new(),
        });
    }
    fn exit(&mut self, result: &Val) {
        let Some(mut node) = self.stack.pop() else {
            return;
        };
        node.result = result.clone();
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => self.roots.push(node),
        }
    }
}

//! Everything the checker can say about a policy: errors and warnings.

use miette::{Diagnostic, LabeledSpan};

use crate::ast::Span;

pub use super::event_errors::{EventCode, EventError};

/// Every problem the checker found, sorted by position.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the policy has {} error(s)", self.0.iter().filter(|e| e.is_error()).count())]
pub struct CheckErrors(#[related] pub Vec<CheckError>);

/// One problem (or, for the `Unused*`, `NeverReported` and `OwnerInvolved` kinds, a warning)
/// found by the checker.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum CheckError {
    /// A metric name that is not declared.
    #[error("there is no metric called `{name}`")]
    #[diagnostic(code(check::unknown_metric))]
    UnknownMetric {
        /// The name written.
        name: String,
        /// Where.
        #[label("not a metric of this policy")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A name in a condition that means nothing here.
    #[error("`{name}` is not a metric, subject field or grade of this policy")]
    #[diagnostic(code(check::unknown_name))]
    UnknownName {
        /// The name written.
        name: String,
        /// Where.
        #[label("unknown name")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A concern field that is not declared.
    #[error("`{name}` is not a field of the concern records")]
    #[diagnostic(code(check::unknown_concern_field))]
    UnknownConcernField {
        /// The name written.
        name: String,
        /// Where.
        #[label("not a concern field")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A subject field that is not declared.
    #[error("`{name}` is not a subject field")]
    #[diagnostic(code(check::unknown_field))]
    UnknownField {
        /// The name written.
        name: String,
        /// Where.
        #[label("not declared in the `subjects` block")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A role that is not declared.
    #[error("there is no role called `{name}`")]
    #[diagnostic(code(check::unknown_role))]
    UnknownRole {
        /// The name written.
        name: String,
        /// Where.
        #[label("not a role of this policy")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A rule that does not exist.
    #[error("there is no rule called `{name}`")]
    #[diagnostic(code(check::unknown_rule))]
    UnknownRule {
        /// The name written.
        name: String,
        /// Where.
        #[label("not a rule of this policy")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A grade that does not exist.
    #[error("there is no grade called `{name}`")]
    #[diagnostic(code(check::unknown_grade))]
    UnknownGrade {
        /// The name written.
        name: String,
        /// Where.
        #[label("not a grade of this policy")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A level that the grade does not have.
    #[error("grade `{grade}` has no level called `{name}`")]
    #[diagnostic(code(check::unknown_level))]
    UnknownLevel {
        /// The name written.
        name: String,
        /// The grade.
        grade: String,
        /// Where.
        #[label("not a level of `{grade}`")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A value that is not in the field's `one of` list.
    #[error("`{name}` is not one of the values of `{field}`")]
    #[diagnostic(code(check::unknown_value))]
    UnknownValue {
        /// The name written.
        name: String,
        /// The field.
        field: String,
        /// Where.
        #[label("not a value of `{field}`")]
        span: Span,
        /// A suggestion.
        #[help]
        help: Option<String>,
    },
    /// A word where a fixed word (severity, metric kind, type, calendar) was expected.
    #[error("`{name}` is not a {what}")]
    #[diagnostic(code(check::unknown_word))]
    UnknownWord {
        /// The name written.
        name: String,
        /// What was expected, e.g. "severity".
        what: &'static str,
        /// Where.
        #[label("not a {what}")]
        span: Span,
        /// The choices, and a suggestion.
        #[help]
        help: Option<String>,
    },
    /// Two declarations with the same name.
    #[error("`{name}` is declared twice")]
    #[diagnostic(code(check::duplicate_name))]
    DuplicateName {
        /// The name.
        name: String,
        /// The second declaration.
        #[label(primary, "declared again here")]
        span: Span,
        /// The first declaration.
        #[label("first declared here")]
        first: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A clause or declaration written twice where once is allowed.
    #[error("`{keyword}` is written twice{place}")]
    #[diagnostic(code(check::duplicate_clause))]
    DuplicateClause {
        /// The keyword.
        keyword: String,
        /// " in rule `x`", or empty.
        place: String,
        /// Which one to keep.
        #[help]
        help: String,
        /// The second one.
        #[label(primary, "again here")]
        span: Span,
        /// The first one.
        #[label("first here")]
        first: Span,
    },
    /// A required clause is missing.
    #[error("rule `{rule}` has no `{keyword}` clause")]
    #[diagnostic(code(check::missing_clause))]
    MissingClause {
        /// The rule.
        rule: String,
        /// The clause keyword.
        keyword: &'static str,
        /// The rule's name.
        #[label("this rule needs `{keyword}`")]
        span: Span,
        /// How to add it.
        #[help]
        help: Option<String>,
    },
    /// Values of different units compared or combined.
    #[error("{message}")]
    #[diagnostic(code(check::unit_mismatch))]
    UnitMismatch {
        /// What is wrong.
        message: String,
        /// The part with the wrong unit.
        #[label(primary, "{label}")]
        span: Span,
        /// The label.
        label: String,
        /// The other parts, saying what they are.
        #[label(collection)]
        others: Vec<LabeledSpan>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// Values of different types compared or combined.
    #[error("{message}")]
    #[diagnostic(code(check::type_mismatch))]
    TypeMismatch {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A name used where it has no meaning: a concern field outside a concern filter, say.
    #[error("{message}")]
    #[diagnostic(code(check::out_of_place))]
    OutOfPlace {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// `improved`/`worsened` on a metric with no direction.
    #[error("metric `{metric}` has no direction, so it cannot have {word}")]
    #[diagnostic(code(check::no_direction))]
    NoDirection {
        /// The metric.
        metric: String,
        /// `improved` or `worsened`.
        word: &'static str,
        /// Where.
        #[label("`{metric}` says neither `higher is better` nor `lower is better`")]
        span: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A number that does not fit: a window of 0 months, K greater than N, an empty range.
    #[error("{message}")]
    #[diagnostic(code(check::bad_number))]
    BadNumber {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A condition whose evaluation could take too many steps (windows nested in windows,
    /// grades that read grades): see [`super::cost::MAX_CONDITION_STEPS`].
    #[error("this condition can take up to {steps} steps for each subject and month, more than the limit of {limit}: `{excerpt}`")]
    #[diagnostic(
        code(check::too_much_work),
        help("windows inside windows multiply: `X in 1 of the last 600 months` inside another 600-month window looks at X 360,000 times; shorten the windows, or write the condition without nesting them (a grade counts what its arms cost, each time it is read)")
    )]
    TooMuchWork {
        /// The most steps it can take, written out.
        steps: String,
        /// The limit, written out.
        limit: String,
        /// The start of the condition.
        excerpt: String,
        /// The condition.
        #[label("too much work to evaluate")]
        span: Span,
    },
    /// Rules that replace each other in a loop.
    #[error("rules replace each other in a cycle: {cycle}")]
    #[diagnostic(
        code(check::replaces_cycle),
        help("a rule cannot replace a rule that (directly or through others) replaces it; remove one of these `replaces`")
    )]
    ReplacesCycle {
        /// The rules, e.g. "`a` → `b` → `a`".
        cycle: String,
        /// The first `replaces` in the cycle.
        #[label(primary, "this `replaces` starts the cycle")]
        span: Span,
        /// The other `replaces` clauses of the cycle.
        #[label(collection, "and this continues it")]
        others: Vec<LabeledSpan>,
    },
    /// A rule that lists itself in its own `replaces`.
    #[error("rule `{name}` replaces itself")]
    #[diagnostic(code(check::replaces_cycle))]
    ReplacesItself {
        /// The rule.
        name: String,
        /// Its own name in its `replaces`.
        #[label("a rule cannot replace itself")]
        span: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// Grades defined in terms of each other.
    #[error("{message}")]
    #[diagnostic(code(check::grade_cycle))]
    GradeCycle {
        /// What is wrong, naming the grades.
        message: String,
        /// Where the first grade of the cycle uses the next.
        #[label(primary, "{label}")]
        span: Span,
        /// The label.
        label: String,
        /// Where each other grade of the cycle uses the next.
        #[label(collection)]
        others: Vec<LabeledSpan>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// `otherwise` not in last place, or missing.
    #[error("{message}")]
    #[diagnostic(code(check::otherwise))]
    Otherwise {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A declaration that makes no sense in the test block or elsewhere.
    #[error("{message}")]
    #[diagnostic(code(check::bad_test))]
    BadTest {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A quoted text that says nothing, where something must be said.
    #[error("{message}")]
    #[diagnostic(code(check::empty_text))]
    EmptyText {
        /// What is wrong.
        message: String,
        /// The empty quotes.
        #[label("nothing between the quotes")]
        span: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A role declared and never used.
    #[error("role `{name}` is declared but never owns or takes part in an action")]
    #[diagnostic(
        code(check::unused_role),
        severity(Warning),
        help("use it in an `owner` or `involve` clause, or remove it")
    )]
    UnusedRole {
        /// The role.
        name: String,
        /// Its declaration.
        #[label("never used")]
        span: Span,
    },
    /// A metric declared and never used.
    #[error("metric `{name}` is declared but no rule or grade uses it")]
    #[diagnostic(
        code(check::unused_metric),
        severity(Warning),
        help(
            "use it in a condition, or remove it; its column is still required in wide data files"
        )
    )]
    UnusedMetric {
        /// The metric.
        name: String,
        /// Its declaration.
        #[label("never used")]
        span: Span,
    },
    /// A grade declared and never used.
    #[error("grade `{name}` is declared but no rule uses it")]
    #[diagnostic(
        code(check::unused_grade),
        severity(Warning),
        help("use it in a rule's condition (e.g. `when {name} = ...`); grades are still reported by `eval`")
    )]
    UnusedGrade {
        /// The grade.
        name: String,
        /// Its declaration.
        #[label("never used")]
        span: Span,
    },
    /// A rule replaced by another rule with the same condition: it can never be reported.
    #[error("rule `{name}` can never be reported: `{by}` has the same condition and replaces it")]
    #[diagnostic(
        code(check::never_reported),
        severity(Warning),
        help("change one of the two conditions, or remove rule `{name}`")
    )]
    NeverReported {
        /// The rule that is always replaced.
        name: String,
        /// The rule that replaces it.
        by: String,
        /// The replaced rule's name.
        #[label(primary, "always replaced")]
        span: Span,
        /// The replacing rule's `replaces`.
        #[label("by this rule")]
        by_span: Span,
    },
    /// The owner of an action also listed among those involved.
    #[error("`{role}` owns this action and is also listed in `involve`")]
    #[diagnostic(
        code(check::owner_involved),
        severity(Warning),
        help("remove `{role}` from `involve`: the owner always takes part")
    )]
    OwnerInvolved {
        /// The role.
        role: String,
        /// The role in `involve`.
        #[label(primary, "already the owner")]
        span: Span,
        /// The `owner` clause's role.
        #[label("the owner")]
        owner: Span,
    },
    /// A problem with events, cases or deadlines (language v1).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Event(EventError),
}

impl CheckError {
    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        if let CheckError::Event(e) = self {
            return !e.code.is_warning();
        }
        !matches!(
            self,
            CheckError::UnusedRole { .. }
                | CheckError::UnusedMetric { .. }
                | CheckError::UnusedGrade { .. }
                | CheckError::NeverReported { .. }
                | CheckError::OwnerInvolved { .. }
        )
    }

    /// Where the problem is: the primary label's span.
    pub fn span(&self) -> Span {
        use CheckError::*;
        match self {
            UnknownMetric { span, .. }
            | UnknownName { span, .. }
            | UnknownConcernField { span, .. }
            | UnknownField { span, .. }
            | UnknownRole { span, .. }
            | UnknownRule { span, .. }
            | UnknownGrade { span, .. }
            | UnknownLevel { span, .. }
            | UnknownValue { span, .. }
            | UnknownWord { span, .. }
            | DuplicateName { span, .. }
            | DuplicateClause { span, .. }
            | MissingClause { span, .. }
            | UnitMismatch { span, .. }
            | TypeMismatch { span, .. }
            | OutOfPlace { span, .. }
            | NoDirection { span, .. }
            | BadNumber { span, .. }
            | TooMuchWork { span, .. }
            | ReplacesCycle { span, .. }
            | ReplacesItself { span, .. }
            | EmptyText { span, .. }
            | OwnerInvolved { span, .. }
            | GradeCycle { span, .. }
            | Otherwise { span, .. }
            | BadTest { span, .. }
            | UnusedRole { span, .. }
            | UnusedMetric { span, .. }
            | UnusedGrade { span, .. }
            | NeverReported { span, .. } => *span,
            Event(e) => e.span,
        }
    }
}

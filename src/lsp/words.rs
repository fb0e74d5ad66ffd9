//! The language's words, with a one-line meaning each, for hover and completion.

/// Words that begin a top-level item.
pub const ITEM_WORDS: &[&str] = &[
    "version", "calendar", "holiday", "role", "metric", "subjects", "concerns", "grade", "rule",
    "test", "event", "case", "deadline",
];

/// Words that begin a line of a rule.
pub const CLAUSE_WORDS: &[&str] = &[
    "when",
    "applies to",
    "severity",
    "require",
    "owner",
    "involve",
    "replaces",
    "due",
    "for each",
];

/// Words that begin a line of a test.
pub const TEST_WORDS: &[&str] = &["as of", "given", "expect"];

/// Words that can appear in a condition.
pub const CONDITION_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "for",
    "consecutive",
    "months",
    "of the last",
    "improved",
    "worsened",
    "over last",
    "average",
    "min",
    "max",
    "sum",
    "count",
    "any",
    "all",
    "concerns",
    "where",
    "yes",
    "no",
    "first",
    "latest",
    "since",
    "between",
    "within",
    "after",
    "is",
    "overdue",
    "days",
    "working days",
    "weeks",
];

/// The kinds of metric (its unit).
pub const METRIC_KINDS: &[&str] = &["percent", "number", "count"];

/// The units of a `due` clause or a span.
pub const DUE_UNITS: &[&str] = &["working days", "days", "weeks", "months"];

/// One line on what a word of the language means, for hover.
pub fn meaning(word: &str) -> Option<&'static str> {
    Some(match word {
        "policy" => "`policy \"Name\"`: the policy's name; the first line of every policy",
        "version" => "`version \"...\"`: which version of the policy this is",
        "calendar" => "`calendar NAME`: the working-day calendar used for due dates",
        "holiday" => "`holiday DATE \"Reason\"`: a day that is not a working day",
        "role" => "`role ID \"Display name\"`: someone who can own or be involved in an action",
        "metric" => "`metric ID \"Description\" KIND, higher|lower is better`: a monthly figure",
        "subjects" => "`subjects { FIELD: TYPE }`: what is known about each subject",
        "concerns" => "concerns raised about a subject; `count(concerns ...)` counts them",
        "grade" => "`grade ID \"Title\" { LEVEL when CONDITION ... }`: a named ranking, first level highest",
        "rule" => "`rule ID \"Title\" { ... }`: when it holds, an action is required",
        "test" => "`test \"Name\" { ... }`: a worked example the policy must pass (`escalate test`)",
        "event" => "`event ID \"Description\"`: a kind of dated event, with its fields",
        "case" => "`case ID \"Title\" { opened by ... closed by ... }`: a case opened and closed by events",
        "deadline" => "`deadline ID \"Title\" { EVENTS within SPAN after START }`: a named deadline",
        "when" => "the condition under which the rule (or grade level) holds",
        "applies" => "`applies to CONDITION`: which subjects the rule is about",
        "severity" => "how serious the action is",
        "require" => "`require \"Action\"`: the action the rule requires",
        "owner" => "`owner ROLE`: the role responsible for the action",
        "involve" => "`involve ROLE, ...`: roles to involve in the action",
        "replaces" => "`replaces RULE, ...`: when this rule fires, those rules' actions are not required",
        "due" => "`due N working days|days|weeks|months`: when the action is due",
        "otherwise" => "the grade level that holds when no earlier level does",
        "and" => "both conditions hold",
        "or" => "either condition holds",
        "not" => "the condition does not hold",
        "for" => "`CONDITION for N months`: held in each of the last N months",
        "consecutive" => "`for N consecutive months`: held in each of N months in a row",
        "in" => "`in K of the last N months`, or `in [a, b]`: one of a list",
        "improved" => "`METRIC improved over last N months`: better now than N months ago",
        "worsened" => "`METRIC worsened over last N months`: worse now than N months ago",
        "average" | "min" | "max" | "sum" => "`FUNCTION(METRIC over last N months)`: over a window of months",
        "count" => "`count(concerns ...)` or `count(EVENTS ...)`: how many",
        "any" => "`any(...)`: whether at least one matches",
        "all" => "`all(...)`: whether every one matches",
        "where" => "`where CONDITION`: only those whose fields match",
        "each" => "`for each CASE`: the rule applies to each open case",
        "first" => "`first EVENT`: the earliest such event",
        "latest" => "`latest EVENT`: the most recent such event",
        "since" => "`since DATE`: from that date on",
        "between" => "`days between A and B`: the time from one date to another",
        "within" => "`EVENTS within SPAN after START`: a deadline",
        "after" => "`within SPAN after START`: counted from that date",
        "opened" => "`opened by EVENT`: the event that opens a case",
        "closed" => "`closed by EVENT, ...`: the events that close a case",
        "once" => "`once per case`: at most one such event in a case",
        "given" => "`given ...`: the data a test starts from",
        "expect" => "`expect SUBJECT ...`: what a test requires of the result",
        "higher" | "lower" => "which way a metric is better",
        "percent" => "a metric measured in percent (`80%`)",
        "number" => "a metric that is a plain number",
        "working" => "`working days`: days that are not weekends or holidays",
        "days" | "weeks" | "months" => "a unit of time",
        _ => return None,
    })
}

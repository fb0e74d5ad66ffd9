//! What the grammar's rule names mean in words, for "expected ..." messages.

use super::errors::At;
use super::Rule;

/// The phrase for a rule with nothing better to say: used only when no other rule has one.
const SOMETHING_ELSE: &str = "something else";

/// The most phrases an "expected ..." message lists: the most useful ones.
const MOST_PHRASES: usize = 3;

/// Describes a set of grammar rules that could have come next, as one phrase: the few most
/// useful choices, separated so that each choice's own list stays readable.
pub(super) fn describe(positives: &[Rule]) -> String {
    let mut phrases: Vec<(u8, &str)> = Vec::new();
    for rule in collapse(positives) {
        let phrase = phrase_for(rule);
        if !phrases.iter().any(|(_, p)| *p == phrase) {
            phrases.push((usefulness(rule), phrase));
        }
    }
    if phrases.iter().any(|(_, p)| *p != SOMETHING_ELSE) {
        phrases.retain(|(_, p)| *p != SOMETHING_ELSE);
    }
    phrases.sort_by_key(|(rank, _)| *rank);
    let phrases: Vec<&str> = phrases
        .into_iter()
        .take(MOST_PHRASES)
        .map(|(_, p)| p)
        .collect();
    match phrases.as_slice() {
        [] => SOMETHING_ELSE.to_string(),
        [one] => one.to_string(),
        [a, b] if !a.contains(" or ") && !b.contains(" or ") => format!("{a} or {b}"),
        [init @ .., last] => format!("{}; or {last}", init.join("; ")),
    }
}

/// The rules with the ways to start a condition or a value folded into one: when a condition
/// can start here, "a name, a number, a date..." says nothing more.
fn collapse(positives: &[Rule]) -> Vec<Rule> {
    let starts_condition = positives.iter().any(|r| starts_condition(*r));
    let values = positives.iter().filter(|r| is_value(**r)).count();
    let mut rules = Vec::new();
    for &rule in positives {
        let folded = match rule {
            r if starts_condition && (starts_condition_rule(r) || is_value(r)) => Rule::expr,
            r if values >= 3 && is_value(r) => Rule::value_literal,
            r => r,
        };
        if !rules.contains(&folded) {
            rules.push(folded);
        }
    }
    rules
}

/// Whether the rule can only start a condition (not a plain value).
fn starts_condition(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        expr | paren | window | window_fn | trend | aggregate | aggregate_fn | not_op | neg
    )
}

fn starts_condition_rule(rule: Rule) -> bool {
    starts_condition(rule) || rule == Rule::name
}

/// Whether the rule is a single value: a name, a number, a quoted text...
fn is_value(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        ident | string | date | number | negative_number | percent | flag
    )
}

/// Lower is more useful to read first.
fn usefulness(rule: Rule) -> u8 {
    use Rule::*;
    match rule {
        or_op | and_op | lt | le | gt | ge | eq | ne | add | sub | mul | div => 1,
        close_brace | when_clause | applies_clause | severity_clause | require_clause
        | owner_clause | involve_clause | due_clause | replaces_clause | version_decl
        | calendar_decl | holiday_decl | role_decl | metric_decl | subjects_decl
        | concerns_decl | grade_decl | rule_decl | test_decl | event_decl | case_decl
        | deadline_decl | for_each_clause | EOI | as_of | given_metric | given_field
        | given_concern | expect | grade_arm => 2,
        for_months | in_k_of_n | consecutive | in_list | trend_dir | concern_window
        | concern_filter | for_each_concern => 3,
        _ => 0,
    }
}

fn phrase_for(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        policy_decl => "the policy's name line, `policy \"Name\"`",
        version_decl | calendar_decl | holiday_decl | role_decl | metric_decl | subjects_decl
        | concerns_decl | grade_decl | rule_decl | test_decl | EOI => {
            "a declaration (`role`, `metric`, `subjects`, `concerns`, `grade`, `rule`, `test`, ...)"
        }
        policy_name => "the policy's name in quotes",
        version_text => "the version in quotes",
        holiday_name => "the holiday's name in quotes",
        role_name => "the role's name in quotes, as people should see it",
        description => "the metric's description in quotes",
        title => "a title in quotes",
        action_text => "a quoted action text",
        test_name => "the test's name in quotes",
        string | string_body => "a quoted text",
        ident | name => "a name",
        date => "a date such as `2026-12-28`",
        month => "a month such as `2026-10`",
        integer | signed_integer => "a whole number",
        number | negative_number => "a number",
        percent => "a percentage such as `80%`",
        flag => "`yes` or `no`",
        open_brace => "`{`",
        close_brace => "`}`",
        when_clause | applies_clause | severity_clause | require_clause | owner_clause
        | involve_clause | due_clause | replaces_clause => {
            "a rule clause (`when`, `applies to`, `severity`, `require`, `owner`, `involve`, `due`, `replaces`)"
        }
        direction | higher_is_better | lower_is_better => "`higher is better` or `lower is better`",
        field_block => "`{` and a list of fields",
        field_decl => "a field such as `staff_group: one of gp, anp`",
        field_type | integer_type | one_of_type => {
            "a type (`text`, `number`, `flag`, `date`, `integer 1..5` or `one of a, b`)"
        }
        for_each_concern => "`for each concern`",
        grade_arm => "a grade level such as `high when ...` or `low otherwise`",
        otherwise => "`when` and a condition, or `otherwise`",
        expr | paren | window | trend | aggregate | not_op | neg => "a condition or a value",
        or_op | and_op | lt | le | gt | ge | eq | ne | add | sub | mul | div => {
            "an operator such as `and`, `or`, `<` or `>=`"
        }
        for_months | in_k_of_n | consecutive => "`for N months` or `in K of the last N months`",
        in_list => "`in [...]`",
        window_fn => "`average`, `min`, `max` or `sum`",
        trend_dir => "`improved` or `worsened`",
        aggregate_fn => "`count`, `any` or `all`",
        concern_window => "`in last N months`",
        concern_filter => "`where` and a condition on the concern",
        due_unit | working_days | days | weeks | months_unit | span_unit | span_working
        | span_days | span_weeks | span_months => {
            "a unit: `working days`, `days`, `weeks` or `months`"
        }
        w_on => "`on` and the event's date, such as `on 2026-11-20`",
        w_after => "`after` and the event or date the time counts from, such as `after request_accepted`",
        w_opened | w_closed | w_events | opened_by | closed_by | case_events => {
            "a line of the case (`opened by`, `closed by` or `events`)"
        }
        status | w_due | due_within => "a status (`met`, `late`, `pending`, `overdue`, `missed` or `due within ...`)",
        ident_list => "a list of names separated by commas",
        as_of | given_metric | given_field | given_concern | expect => {
            "a test line (`as of`, `given` or `expect`)"
        }
        test_subject | subject_ref => "a subject id",
        month_value => "a month and a value, such as `2026-09 = 78%`",
        field_value => "a field and a value, such as `patient_safety = yes`",
        value_literal => "a value (a number, a percentage, a date, `yes` or `no`, a name or a quoted text)",
        expect_nothing | expect_not | expect_grade | expect_rule => {
            "what to expect: a rule, `not RULE`, `nothing`, or `GRADE = LEVEL`"
        }
        _ => SOMETHING_ELSE,
    }
}

/// A hint for what was found, given what was expected.
pub(super) fn help_for(cx: &At) -> Option<String> {
    use Rule::*;
    let found = cx.found?;
    if cx.expects(policy_decl) {
        return Some("add `policy \"Name\"` as the first line that is not a comment".to_string());
    }
    if cx.positives.iter().any(|r| is_text_slot(*r)) && !found.starts_with('"') {
        return Some("put the text in double quotes, like `\"Root cause review\"`".to_string());
    }
    if cx.expects(ident) && found.chars().next().is_some_and(char::is_uppercase) {
        return Some(format!(
            "names are written in lower case with underscores, like `{}`",
            found.to_lowercase()
        ));
    }
    if cx.expects(ident) && found.starts_with('"') {
        return Some("names are written without quotes, like `first_month`".to_string());
    }
    if cx.expects(due_unit) {
        return Some(due_unit_help(cx, cx.at));
    }
    if let Some(help) = v1_help(cx, cx.at) {
        return Some(help);
    }
    let expects_number = cx
        .positives
        .iter()
        .any(|r| matches!(r, percent | number | expr) || starts_condition(*r));
    if expects_number && found.ends_with('%') {
        return Some("write a percentage as a number followed by `%`, like `80%`".to_string());
    }
    None
}

/// A hint for a line that ends before something it needs.
pub(super) fn help_at_line_end(cx: &At, end: usize) -> Option<String> {
    match cx.expects(Rule::due_unit) {
        true => Some(due_unit_help(cx, end)),
        false => v1_help(cx, end),
    }
}

/// A hint for the version 1 forms, from what is expected and the words written before `at`.
fn v1_help(cx: &At, at: usize) -> Option<String> {
    use Rule::*;
    let line_start = cx.source[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = cx.source[line_start..at].trim();
    if cx.expects(span_unit) {
        let amount = before.rsplit(char::is_whitespace).next().unwrap_or("20");
        let amount = match amount.chars().all(|c| c.is_ascii_digit() || c == '-') {
            true => amount,
            false => "20",
        };
        return Some(format!(
            "write the unit after the number: `within {amount} working days` (or `days`, `weeks`, `months`)"
        ));
    }
    if before.starts_with("for each") && cx.expects(ident) {
        return Some(
            "name the case kind the rule is for, as in `for each open psr_plan` (its cases still open) or `for each psr_plan` (all its cases)"
                .to_string(),
        );
    }
    if before.starts_with("deadline") && before.ends_with('{') {
        return Some(
            "write what is awaited, within how long, after what, as in `plan_created within 20 working days after request_accepted`"
                .to_string(),
        );
    }
    if cx.expects(w_after) {
        return Some(
            "a deadline counts from an event or a date: add `after request_accepted` (the event it starts from)"
                .to_string(),
        );
    }
    if cx.expects(w_on) {
        return Some(
            "write the event's date after its subject: `given event e1 request_accepted about p01 on 2026-11-20`"
                .to_string(),
        );
    }
    if cx.expects(w_opened) {
        return Some(
            "each line of a case is `opened by KIND`, `closed by KIND, ...` or `events KIND, ...`, each with its event kinds"
                .to_string(),
        );
    }
    if cx.expects(w_due) || before.ends_with(" is") {
        return Some(
            "say which status to test: `is overdue`, `is met`, `is late`, `is pending`, `is missed` or `is due within 5 working days`"
                .to_string(),
        );
    }
    None
}

/// "add the unit: `due 5 working days`", with the number written before `at`.
fn due_unit_help(cx: &At, at: usize) -> String {
    let before = cx.source[..at].trim_end();
    let amount = before
        .rsplit(char::is_whitespace)
        .next()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("5");
    format!(
        "write the unit after the number: `due {amount} working days` (or `days`, `weeks`, `months`)"
    )
}

/// Whether the rule is one of the quoted texts of a declaration or clause.
fn is_text_slot(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        policy_name
            | version_text
            | holiday_name
            | role_name
            | description
            | title
            | action_text
            | test_name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ways_to_start_a_condition_read_as_one_phrase() {
        use Rule::*;
        let positives = [
            ident,
            string,
            date,
            number,
            percent,
            flag,
            not_op,
            neg,
            paren,
            window_fn,
            aggregate_fn,
        ];
        assert_eq!(describe(&positives), "a condition or a value");
    }

    #[test]
    fn at_most_three_phrases_each_list_kept_whole() {
        use Rule::*;
        let positives = [
            close_brace,
            when_clause,
            or_op,
            and_op,
            lt,
            for_months,
            in_k_of_n,
            in_list,
        ];
        let described = describe(&positives);
        assert_eq!(described.matches("; ").count(), 2, "{described}");
        assert!(described.starts_with("an operator such as"), "{described}");
        assert!(!described.contains("for N months"), "{described}");
    }

    #[test]
    fn two_plain_phrases_join_with_or() {
        assert_eq!(
            describe(&[Rule::open_brace, Rule::close_brace]),
            "`{` or `}`"
        );
    }
}

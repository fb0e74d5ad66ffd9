//! What the grammar's rule names mean in words, for "expected ..." messages.

use super::Rule;

/// Describes a set of grammar rules that could have come next, as one phrase.
pub(super) fn describe(positives: &[Rule]) -> String {
    let mut phrases: Vec<&str> = Vec::new();
    for rule in positives {
        let phrase = phrase_for(*rule);
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    match phrases.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
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
        due_unit | working_days | days | weeks | months_unit => {
            "a unit: `working days`, `days`, `weeks` or `months`"
        }
        ident_list => "a list of names separated by commas",
        as_of | given_metric | given_field | given_concern | expect => {
            "a test line (`as of`, `given` or `expect`)"
        }
        test_subject | subject_ref => "a subject id",
        month_value => "a month and a value, such as `2026-09 = 78%`",
        field_value => "a field and a value, such as `patient_safety = yes`",
        value_literal => "a value",
        expect_nothing | expect_not | expect_grade | expect_rule => {
            "what to expect: a rule, `not RULE`, `nothing`, or `GRADE = LEVEL`"
        }
        _ => "something else",
    }
}

/// A hint for common slips, given what was expected and what was found.
pub(super) fn help_for(positives: &[Rule], found: Option<&str>) -> Option<String> {
    use Rule::*;
    let expects_text = positives.iter().any(|r| {
        matches!(
            r,
            policy_name
                | version_text
                | holiday_name
                | role_name
                | description
                | title
                | action_text
                | test_name
                | string
        )
    });
    let found = found?;
    if expects_text && !found.starts_with('"') {
        return Some("put the text in double quotes, like `\"Root cause review\"`".to_string());
    }
    if positives.contains(&ident) && found.chars().next().is_some_and(char::is_uppercase) {
        return Some(format!(
            "names are written in lower case with underscores, like `{}`",
            found.to_lowercase()
        ));
    }
    if positives
        .iter()
        .any(|r| matches!(r, percent | number | expr))
        && found.ends_with('%')
    {
        return Some("write a percentage as a number followed by `%`, like `80%`".to_string());
    }
    None
}

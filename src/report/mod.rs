//! An evaluation written for people (a table by owner), for spreadsheets (CSV), or as JSON
//! (the types in [`crate::eval`] serialize directly).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Datelike as _;

use crate::eval::{Action, DeadlineEvidence, DeadlineState, Evaluation, Evidence, Missing};
use crate::program::Program;

pub mod backtest;
#[cfg(feature = "html")]
pub mod html;

/// The evaluation as text for people (what `escalate eval` prints): who must do what by
/// when, grouped by the owning role, then the rules left undecided and the data they lacked.
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     role lead "Clinical Lead"
///     metric callbacks "Call-backs made" count
///     rule few_callbacks "Fewer than 20 call-backs" {
///       when callbacks < 20
///       severity low
///       require "Check the rota"
///       owner lead
///       due 5 working days
///     }
/// "#).unwrap();
/// let csv = "subject,period,callbacks\nc1,2026-10,12\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", csv)),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &Default::default());
/// let text = escalate::evaluation_text(&evaluation, policy.program());
/// assert!(text.contains("Clinical Lead") && text.contains("Check the rota"));
/// let csv = escalate::evaluation_csv(&evaluation, policy.program());
/// let mut lines = csv.lines();
/// assert!(lines.next().unwrap().starts_with("subject,rule,"));
/// assert!(lines.next().unwrap().starts_with("c1,few_callbacks,"));
/// ```
pub fn human(evaluation: &Evaluation, program: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — as of {}, decided on {}",
        evaluation.policy,
        evaluation.as_of,
        evaluation.decided_on.format("%A %-d %B %Y")
    );
    let _ = writeln!(
        out,
        "{} for {} evaluated; {} undecided\n",
        plural(
            evaluation.actions.len(),
            "required action",
            "required actions"
        ),
        plural(evaluation.subjects_evaluated, "subject", "subjects"),
        evaluation.undecided.len()
    );
    for (role, actions) in by_owner(evaluation, program) {
        let display = &program.roles[role].display;
        let _ = writeln!(
            out,
            "{display} ({})",
            plural(actions.len(), "action", "actions")
        );
        for action in actions {
            write_action(&mut out, action, program);
        }
        out.push('\n');
    }
    write_undecided(&mut out, evaluation);
    write_grades(&mut out, evaluation, program);
    write_data_summary(&mut out, &evaluation.data);
    out
}

/// One line per data file: rows read, used, rejected and ignored (with why).
fn write_data_summary(out: &mut String, summary: &crate::data::LoadSummary) {
    if summary.files.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nData");
    for file in &summary.files {
        let ignored: Vec<String> = file
            .ignored
            .iter()
            .map(|i| match i.rows {
                1 => format!("1 {}", i.reason.replacen("rows ", "row ", 1)),
                n => format!("{n} {}", i.reason),
            })
            .collect();
        let _ = write!(
            out,
            "  {}: {} read, {} used, {} rejected",
            file.path.display(),
            plural(file.rows_read, "row", "rows"),
            file.rows_used,
            file.rows_rejected
        );
        match ignored.is_empty() {
            true => out.push('\n'),
            false => {
                let _ = writeln!(
                    out,
                    ", {} ignored ({})",
                    file.rows_ignored,
                    ignored.join("; ")
                );
            }
        }
    }
}

/// A note when an action counted in calendar days or weeks falls due on a weekend or a
/// holiday of the policy's calendar: nobody may be at work to do it that day. (Working days
/// never fall on one; months are left alone, as "by the end of next month" is meant.)
fn non_working_due(action: &Action, program: &Program) -> Option<String> {
    let due = action.due?;
    let rule = program.rules.iter().find(|r| r.id == action.rule)?;
    let counted_in_days = matches!(
        rule.due,
        crate::calendar::Deadline::Days(_) | crate::calendar::Deadline::Weeks(_)
    );
    if !counted_in_days || program.calendar.is_working_day(due) {
        return None;
    }
    let weekday = due.format("%A");
    let what = match due.weekday().number_from_monday() >= 6 {
        true => format!("a {weekday}"),
        false => format!("a holiday ({weekday})"),
    };
    Some(format!(
        "note: the due date is {what}, not a working day; the rule counts {}",
        rule.due
    ))
}

/// The actions grouped by owning role, roles in declaration order, actions by due date.
fn by_owner<'e>(evaluation: &'e Evaluation, program: &Program) -> Vec<(usize, Vec<&'e Action>)> {
    let mut groups: BTreeMap<usize, Vec<&Action>> = BTreeMap::new();
    for action in &evaluation.actions {
        let role = program
            .roles
            .iter()
            .position(|r| r.id == action.owner)
            .unwrap_or(usize::MAX);
        groups.entry(role).or_default().push(action);
    }
    let mut groups: Vec<(usize, Vec<&Action>)> = groups.into_iter().collect();
    for (_, actions) in &mut groups {
        actions.sort_by(|a, b| a.due.cmp(&b.due).then(a.subject.cmp(&b.subject)));
    }
    groups
}

fn write_action(out: &mut String, action: &Action, program: &Program) {
    let due = action.due.map_or("no date".to_string(), |d| {
        d.format("%a %-d %b %Y").to_string()
    });
    let case = action
        .case
        .as_ref()
        .map(|c| format!(" (case {c})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  due {due:<15}  {:<10}  {}{case} [{}, {}]",
        action.subject,
        action.title,
        action.rule,
        action.severity.name()
    );
    let indent = " ".repeat(35);
    if let Some(note) = non_working_due(action, program) {
        let _ = writeln!(out, "{indent}{note}");
    }
    let _ = writeln!(out, "{indent}{}", action.require);
    if !action.involve.is_empty() {
        let names: Vec<&str> = action
            .involve
            .iter()
            .map(|id| display_name(program, id))
            .collect();
        let _ = writeln!(out, "{indent}with: {}", names.join(", "));
    }
    if !action.replaces.is_empty() {
        let _ = writeln!(out, "{indent}replaces: {}", action.replaces.join(", "));
    }
    for line in evidence_lines_for(&action.evidence, Some(program)) {
        let _ = writeln!(out, "{indent}because {line}");
    }
}

fn display_name<'p>(program: &'p Program, id: &'p str) -> &'p str {
    program
        .roles
        .iter()
        .find(|r| r.id == id)
        .map_or(id, |r| r.display.as_str())
}

/// A date as people read it: `Fri 18 Dec 2026`.
fn day(date: chrono::NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// A deadline in words: "plan due Fri 18 Dec 2026, 13 days overdue (7 working days)".
pub fn deadline_words(d: &DeadlineEvidence) -> String {
    let name = match &d.deadline {
        Some(name) => name.replace('_', " "),
        None => format!("`{}`", d.text),
    };
    let Some(due) = d.due else {
        return match d.start {
            None => format!("{name}: not started, so not running"),
            Some(start) => format!("{name}: started {}, due after the year 9999", day(start)),
        };
    };
    let due_text = match name.ends_with(" due") {
        true => format!("{name} {}", day(due)),
        false => format!("{name}: due {}", day(due)),
    };
    let by = |id: &Option<String>, on: Option<chrono::NaiveDate>| match (id, on) {
        (Some(id), Some(on)) => format!(" ({id}, {})", day(on)),
        _ => String::new(),
    };
    match d.status {
        DeadlineState::Overdue => {
            let days = d.days_overdue.unwrap_or(0);
            let working = d.working_days_overdue.unwrap_or(0);
            format!(
                "{due_text}, {} overdue ({})",
                plural(days as usize, "day", "days"),
                plural(working as usize, "working day", "working days")
            )
        }
        DeadlineState::Pending => format!("{due_text}, still open"),
        DeadlineState::Met => format!("{due_text}, met{}", by(&d.met_by, d.met_on)),
        DeadlineState::Late => format!(
            "{due_text}, met {} late{}",
            plural(d.days_late.unwrap_or(0) as usize, "day", "days"),
            by(&d.met_by, d.met_on)
        ),
        DeadlineState::NotArmed => format!("{name}: not started, so not running"),
    }
}

/// Evidence in short lines: each condition with the values that made it true, metrics by id
/// (for CSV and test failures).
pub fn evidence_lines(evidence: &[Evidence]) -> Vec<String> {
    evidence_lines_for(evidence, None)
}

/// Evidence in short lines; with the policy's program, for people: each metric by its
/// description, and a percentage with `%`.
pub fn evidence_lines_for(evidence: &[Evidence], program: Option<&Program>) -> Vec<String> {
    let mut by_condition: Vec<(String, Vec<String>)> = Vec::new();
    // `prefix` joins an item to the condition's last one when both start with it, so a metric's
    // description is written once: "Call-backs made: 38 in 2026-08, 41 in 2026-09".
    let mut push = |condition: &str, item: String, prefix: Option<&str>| match by_condition
        .iter_mut()
        .find(|(c, _)| c == condition)
    {
        Some((_, items)) => match (items.last_mut(), prefix) {
            (Some(last), Some(prefix)) if last.starts_with(prefix) => {
                last.push_str(", ");
                last.push_str(&item[prefix.len()..]);
            }
            _ => items.push(item),
        },
        None => by_condition.push((condition.to_string(), vec![item])),
    };
    for e in evidence {
        match e {
            Evidence::Metric {
                metric,
                period,
                value,
                condition,
            } => match program.and_then(|p| p.schema.metrics.iter().find(|m| &m.id == metric)) {
                Some(def) => {
                    let percent = match def.kind {
                        crate::schema::MetricKind::Percent => "%",
                        _ => "",
                    };
                    let prefix = format!("{}: ", def.description);
                    let item = format!("{prefix}{value}{percent} in {period}");
                    push(condition, item, Some(&prefix))
                }
                None => push(condition, format!("{metric} {period} = {value}"), None),
            },
            Evidence::Comparison {
                expression,
                value,
                operator,
                threshold,
                holds,
                ..
            } => push(
                "",
                crate::eval::comparison_words(
                    expression,
                    &value.to_string(),
                    operator,
                    &threshold.to_string(),
                    *holds,
                ),
                None,
            ),
            Evidence::Field { field, value } => push("", format!("{field} = {value}"), None),
            Evidence::Concerns {
                concerns,
                condition,
            } => {
                let ids = match concerns.is_empty() {
                    true => "none".to_string(),
                    false => concerns.join(", "),
                };
                push(condition, format!("concerns {ids}"), None)
            }
            Evidence::Grade {
                grade,
                period,
                level,
            } => push("", format!("{grade} is {level} in {period}"), None),
            Evidence::Event {
                event,
                kind,
                date,
                case,
            } => {
                let case = case
                    .as_ref()
                    .map(|c| format!(" (case {c})"))
                    .unwrap_or_default();
                push("", format!("{kind} {event} on {}{case}", day(*date)), None)
            }
            Evidence::Deadline(deadline) => push("", deadline_words(deadline), None),
        }
    }
    by_condition
        .into_iter()
        .map(|(condition, items)| match condition.is_empty() {
            true => items.join("; "),
            false => format!("`{condition}`: {}", items.join(", ")),
        })
        .collect()
}

fn write_undecided(out: &mut String, evaluation: &Evaluation) {
    if evaluation.undecided.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Undecided: data is missing, so these rules could not be decided ({})",
        evaluation.undecided.len()
    );
    for u in &evaluation.undecided {
        let case = u
            .case
            .as_ref()
            .map(|c| format!(" (case {c})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<10}  {}{case}: no {}",
            u.subject,
            u.rule,
            describe_missing(&u.missing)
        );
    }
    out.push('\n');
}

/// "callback_in_time for 2026-08; staff_group".
pub fn describe_missing(missing: &[Missing]) -> String {
    let mut by_metric: Vec<(String, Vec<String>)> = Vec::new();
    let mut fields = Vec::new();
    for m in missing {
        match m {
            Missing::Metric { metric, period } => {
                match by_metric.iter_mut().find(|(name, _)| name == metric) {
                    Some((_, periods)) => periods.push(period.to_string()),
                    None => by_metric.push((metric.clone(), vec![period.to_string()])),
                }
            }
            Missing::Field { field } => {
                fields.push(format!("{field} (no subjects row or empty cell)"))
            }
            Missing::Event {
                event_kind, case, ..
            } => match case {
                Some(case) => fields.push(format!("{event_kind} recorded in case {case}")),
                None => fields.push(format!("{event_kind} recorded")),
            },
        }
    }
    let mut parts: Vec<String> = by_metric
        .into_iter()
        .map(|(metric, periods)| format!("{metric} for {}", periods.join(", ")))
        .collect();
    parts.extend(fields);
    match parts.is_empty() {
        true => "value could be computed (a division by zero)".to_string(),
        false => parts.join("; "),
    }
}

fn write_grades(out: &mut String, evaluation: &Evaluation, program: &Program) {
    // Grades in declaration order, levels in rank order (highest first), unknown last.
    let rank = |grade: &str, level: Option<&str>| {
        let g = program.grades.iter().position(|d| d.id == grade);
        let l = g.and_then(|g| {
            let levels = &program.grades[g].levels;
            level.and_then(|level| levels.iter().position(|l| l == level))
        });
        (g.unwrap_or(usize::MAX), l.unwrap_or(usize::MAX))
    };
    let mut counts: BTreeMap<((usize, usize), &str, &str), usize> = BTreeMap::new();
    for g in &evaluation.grades {
        let level = g.level.as_deref();
        *counts
            .entry((
                rank(&g.grade, level),
                g.grade.as_str(),
                level.unwrap_or("unknown"),
            ))
            .or_default() += 1;
    }
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "Grades");
    for ((_, grade, level), n) in counts {
        let _ = writeln!(
            out,
            "  {grade:<20} {level:<20} {}",
            plural(n, "subject", "subjects")
        );
    }
}

/// A statistic or a chart coordinate (not a figure: those print exactly): at most 4 decimal
/// places, no trailing zeros.
pub(crate) fn format_float(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let text = format!("{n:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// The actions as CSV, one action a row, for spreadsheets: ids (`owner`, `involve`) with the
/// names people read beside them (`owner_name`, `involve_names`). What `escalate eval
/// --format csv` prints.
///
/// See the example of [`evaluation_text`](crate::evaluation_text).
pub fn csv(evaluation: &Evaluation, program: &Program) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "subject",
        "rule",
        "case",
        "title",
        "severity",
        "owner",
        "owner_name",
        "involve",
        "involve_names",
        "due",
        "deadline_due",
        "replaces",
        "require",
        "evidence",
    ];
    writer
        .write_record(header)
        .expect("writing to memory cannot fail");
    for a in &evaluation.actions {
        let due = a.due.map(|d| d.to_string()).unwrap_or_default();
        let deadline_due = deadline_dues(&a.evidence);
        let record = [
            a.subject.as_str(),
            &a.rule,
            a.case.as_deref().unwrap_or_default(),
            &a.title,
            a.severity.name(),
            &a.owner,
            &a.owner_name,
            &a.involve.join("; "),
            &a.involve
                .iter()
                .map(|id| display_name(program, id))
                .collect::<Vec<_>>()
                .join("; "),
            &due,
            &deadline_due,
            &a.replaces.join("; "),
            &a.require,
            &evidence_lines(&a.evidence).join("; "),
        ];
        writer
            .write_record(record)
            .expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the CSV writer writes the UTF-8 it is given")
}

/// The due dates of the deadlines in an action's evidence, `; `-separated.
fn deadline_dues(evidence: &[Evidence]) -> String {
    let dues: Vec<String> = evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Deadline(d) => d.due.map(|due| due.to_string()),
            _ => None,
        })
        .collect();
    dues.join("; ")
}

/// An explanation as text a contract manager can show to the person concerned (what
/// `escalate explain` prints).
///
/// See the example of [`explain`](crate::explain).
pub fn explanation(e: &crate::eval::Explanation) -> String {
    use crate::eval::Outcome;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: how \"{}\" applies as of {} (decided on {})",
        e.subject,
        e.policy,
        e.as_of,
        e.decided_on.format("%A %-d %B %Y")
    );
    for field in &e.fields {
        let value = field
            .value
            .as_deref()
            .unwrap_or("unknown (not in the subjects file)");
        let _ = writeln!(out, "  {}: {value}", field.field);
    }
    for rule in &e.rules {
        out.push('\n');
        let outcome = match rule.outcome {
            Outcome::Required => {
                let due = rule.due.map_or("no date".to_string(), |d| {
                    d.format("%a %-d %b %Y").to_string()
                });
                format!("REQUIRED: {} must act by {due}", rule.owner)
            }
            Outcome::Replaced => format!(
                "held, but replaced by `{}`",
                rule.replaced_by.as_deref().unwrap_or_default()
            ),
            Outcome::NotRequired => "not required: the condition does not hold".to_string(),
            Outcome::DoesNotApply => "does not apply to this subject".to_string(),
            Outcome::Undecided => "UNDECIDED: data it needs is missing".to_string(),
        };
        let case = rule
            .case
            .as_ref()
            .map(|c| format!(" for case {c}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Rule {} \"{}\"{case}: {outcome}",
            rule.rule, rule.title
        );
        if rule.outcome == Outcome::Required && !rule.replaces.is_empty() {
            let _ = writeln!(out, "  replaces {}", rule.replaces.join(", "));
        }
        if let Some(step) = &rule.applies_to {
            write_step(&mut out, step, "applies to ", 1, false);
        }
        if let Some(step) = &rule.when {
            write_step(&mut out, step, "when ", 1, false);
        }
    }
    for grade in &e.grades {
        out.push('\n');
        let level = grade.level.as_deref().unwrap_or("unknown");
        let _ = writeln!(out, "Grade {} \"{}\": {level}", grade.grade, grade.title);
        for arm in &grade.arms {
            let mark = if arm.chosen { "→" } else { " " };
            match &arm.condition {
                None => {
                    let _ = writeln!(out, "  {mark} {} otherwise", arm.level);
                }
                Some(step) => write_step(
                    &mut out,
                    step,
                    &format!("{mark} {} when ", arm.level),
                    1,
                    false,
                ),
            }
        }
    }
    out
}

/// Writes a step and its parts; the parts of a temporal condition are labelled with their month.
fn write_step(
    out: &mut String,
    step: &crate::eval::Step,
    prefix: &str,
    depth: usize,
    show_month: bool,
) {
    let indent = "  ".repeat(depth);
    let month = match show_month {
        true => format!("[{}] ", step.period),
        false => String::new(),
    };
    let values = match step.values.is_empty() || !step.parts.is_empty() {
        true => String::new(),
        false => format!("  ({})", step.values.join("; ")),
    };
    let _ = writeln!(
        out,
        "{indent}{prefix}{month}{}  →  {}{values}",
        step.text, step.result
    );
    let months_differ = step.parts.iter().any(|p| p.period != step.period);
    let part_depth = depth + 1 + usize::from(prefix.chars().count() > "applies to ".len());
    for part in &step.parts {
        write_step(out, part, "", part_depth, show_month || months_differ);
    }
}

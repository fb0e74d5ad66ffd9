//! An evaluation written for people (a table by owner), for spreadsheets (CSV), or as JSON
//! (the types in [`crate::eval`] serialize directly).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::Datelike as _;

use crate::eval::{Action, DeadlineEvidence, DeadlineState, Evaluation, Evidence, Missing};
use crate::program::Program;

pub mod backtest;
#[cfg(feature = "html")]
pub mod html;

/// The evaluation as its JSON document, exactly as `serde_json::to_writer_pretty` writes it
/// (without a last newline), with its actions, undecided rules and grades laid out a few
/// thousand at a time on all cores: a region's evaluation is tens of megabytes of JSON.
#[cfg(any(feature = "cli", test))]
pub fn write_json(evaluation: &Evaluation, out: &mut impl std::io::Write) -> std::io::Result<()> {
    use crate::json::{rendered, split_at_lists, write_at, write_list};
    // Every field but the lists, so that their names and order are the derived ones.
    let shell = Evaluation {
        policy: evaluation.policy.clone(),
        as_of: evaluation.as_of,
        decided_on: evaluation.decided_on,
        actions: Vec::new(),
        undecided: Vec::new(),
        grades: Vec::new(),
        subjects_evaluated: evaluation.subjects_evaluated,
        data: evaluation.data.clone(),
        diagnostics: evaluation.diagnostics.clone(),
    };
    let shell = rendered(&shell, 0)?;
    let [head, after_actions, after_undecided, tail] =
        split_at_lists(&shell, 0, ["actions", "undecided", "grades"])?;
    // The lists are one level in, their items two.
    out.write_all(head)?;
    write_list(out, 1, &evaluation.actions, |json, item| {
        write_at(json, item, 2)
    })?;
    out.write_all(after_actions)?;
    write_list(out, 1, &evaluation.undecided, |json, item| {
        write_at(json, item, 2)
    })?;
    out.write_all(after_undecided)?;
    write_list(out, 1, &evaluation.grades, |json, item| {
        write_at(json, item, 2)
    })?;
    out.write_all(tail)
}

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
/// assert!(lines.next().unwrap().starts_with("subject,subject_name,rule,"));
/// assert!(lines.next().unwrap().starts_with("c1,,few_callbacks,"));
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
    let width = subject_width(
        evaluation
            .actions
            .iter()
            .map(|a| (a.subject.as_str(), a.subject_name.as_deref())),
    );
    for (role, actions) in by_owner(evaluation, program) {
        let display = &program.roles[role].display;
        let _ = writeln!(
            out,
            "{display} ({})",
            plural(actions.len(), "action", "actions")
        );
        for action in actions {
            write_action(&mut out, action, program, width);
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

/// A subject as people read it: its display name with its id beside it (`Grace Adeyemi
/// (anp01)`), or its id alone when the subjects file gives it no name.
pub fn subject_words(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

/// The width of a column of subjects, each given by its id and name and shown as
/// [`subject_words`] shows it: the longest, and at least 10 characters.
pub fn subject_width<'s>(subjects: impl Iterator<Item = (&'s str, Option<&'s str>)>) -> usize {
    let width = |(id, name): (&str, Option<&str>)| match name {
        Some(name) => name.chars().count() + id.chars().count() + " ()".len(),
        None => id.chars().count(),
    };
    subjects.map(width).max().unwrap_or(0).max(10)
}

/// An action: its due date, subject and title on one line, then the rest under the title
/// (`width` is that of the subject column).
fn write_action(out: &mut String, action: &Action, program: &Program, width: usize) {
    let due = action.due.map_or("no date".to_string(), |d| {
        d.format("%a %-d %b %Y").to_string()
    });
    let case = action
        .case
        .as_ref()
        .map(|c| format!(" (case {c})"))
        .unwrap_or_default();
    let subject = subject_words(&action.subject, action.subject_name.as_deref());
    let _ = writeln!(
        out,
        "  due {due:<15}  {subject:<width$}  {}{case} [{}, {}]",
        action.title,
        action.rule,
        action.severity.name()
    );
    let indent = " ".repeat(25 + width);
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
/// description, and a percentage with `%`. A comparison states its deciding number and
/// threshold, month by month (`callback_in_time = 76% < 80% in 2026-09, 73% < 80% in
/// 2026-10`, or `= 85%, not < 80%` when it decided through `not`), in place of the metric
/// values it states; the values a computed number was worked out from follow on their own.
pub fn evidence_lines_for(evidence: &[Evidence], program: Option<&Program>) -> Vec<String> {
    let mut lines = Lines::default();
    let stated = Stated::of(evidence);
    for e in evidence {
        match e {
            Evidence::Metric {
                metric,
                period,
                value,
                condition,
            } => {
                if stated.metrics.contains(&(metric, condition, *period)) {
                    continue;
                }
                let head = format!("`{condition}`: ");
                match program.and_then(|p| p.schema.metrics.iter().find(|m| &m.id == metric)) {
                    Some(def) => {
                        let percent = match def.kind {
                            crate::schema::MetricKind::Percent => "%",
                            _ => "",
                        };
                        let prefix = format!("{}: ", def.description);
                        let item = format!("{prefix}{value}{percent} in {period}");
                        lines.add_merged(condition, head, item, &prefix)
                    }
                    None => lines.add(condition, head, format!("{metric} {period} = {value}")),
                }
            }
            Evidence::Comparison {
                expression,
                period,
                value,
                operator,
                threshold,
                percent,
                condition,
                holds,
            } => {
                let unit = if *percent { "%" } else { "" };
                let mut item = crate::eval::comparison_result(
                    &format!("{value}{unit}"),
                    operator,
                    &format!("{threshold}{unit}"),
                    *holds,
                );
                if !stated.fields.contains(expression.as_str()) {
                    item = format!("{item} in {period}");
                }
                let description = program
                    .and_then(|p| p.schema.metrics.iter().find(|m| &m.id == expression))
                    .map(|def| format!(" ({})", def.description));
                lines.add_comparison(
                    format!("{condition}\u{0}{expression}\u{0}{holds}"),
                    format!("{expression} = "),
                    item,
                    *holds,
                    description.unwrap_or_default(),
                    [expression, condition],
                );
            }
            Evidence::Field { field, value } => {
                if !stated.compared.contains(field.as_str()) {
                    lines.add_fact(format!("{field} = {value}"))
                }
            }
            Evidence::Concerns {
                concerns,
                condition,
                details,
            } => {
                let listed: Vec<String> = match details.len() == concerns.len() {
                    true => details
                        .iter()
                        .map(|c| {
                            let raised_on = day(c.raised_on);
                            crate::eval::concern_words(&c.id, &raised_on, c.summary.as_deref())
                        })
                        .collect(),
                    false => concerns.clone(),
                };
                let listed = match listed.is_empty() {
                    true => "none".to_string(),
                    false => listed.join(", "),
                };
                lines.add(
                    condition,
                    format!("`{condition}`: "),
                    format!("concerns {listed}"),
                )
            }
            Evidence::Grade {
                grade,
                period,
                level,
            } => lines.add_fact(format!("{grade} is {level} in {period}")),
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
                lines.add_fact(format!("{kind} {event} on {}{case}", day(*date)))
            }
            Evidence::Deadline(deadline) => lines.add_fact(deadline_words(deadline)),
        }
    }
    lines.finish()
}

/// The values the comparisons of an action's evidence state, so that no line says one
/// twice, and the subject fields it read, which are the same every month.
struct Stated<'e> {
    /// Metric values, by metric, condition and month.
    metrics: HashSet<(&'e str, &'e str, crate::month::Month)>,
    /// The sides compared (metrics, fields, computed numbers), as written.
    compared: HashSet<&'e str>,
    /// The subject fields read.
    fields: HashSet<&'e str>,
}

impl<'e> Stated<'e> {
    fn of(evidence: &'e [Evidence]) -> Stated<'e> {
        let mut stated = Stated {
            metrics: HashSet::new(),
            compared: HashSet::new(),
            fields: HashSet::new(),
        };
        for e in evidence {
            match e {
                Evidence::Comparison {
                    expression,
                    period,
                    condition,
                    ..
                } => {
                    stated.metrics.insert((expression, condition, *period));
                    stated.compared.insert(expression);
                }
                Evidence::Field { field, .. } => {
                    stated.fields.insert(field);
                }
                _ => {}
            }
        }
        stated
    }
}

/// Evidence lines as they are built: each line groups the items of one condition (or of
/// one comparison) under a head, in the order first met; facts (fields, grades, events,
/// deadlines) share one line.
#[derive(Default)]
struct Lines {
    lines: Vec<Line>,
}

struct Line {
    key: String,
    head: String,
    items: Vec<String>,
    separator: &'static str,
    tail: String,
}

impl Lines {
    /// The line with this key, added (with this head) at the end when new.
    fn line(&mut self, key: &str, head: String) -> &mut Line {
        self.line_before(key, head, None)
    }

    /// The line with this key; when new, added with this head before the line at `before`
    /// (at the end when `None`).
    fn line_before(&mut self, key: &str, head: String, before: Option<usize>) -> &mut Line {
        let at = match self.lines.iter().position(|l| l.key == key) {
            Some(at) => at,
            None => {
                let at = before.unwrap_or(self.lines.len());
                let line = Line {
                    key: key.to_string(),
                    head,
                    items: Vec::new(),
                    separator: ", ",
                    tail: String::new(),
                };
                self.lines.insert(at, line);
                at
            }
        };
        &mut self.lines[at]
    }

    fn add(&mut self, key: &str, head: String, item: String) {
        self.line(key, head).items.push(item);
    }

    /// Adds an item, joined to the line's last one when both start with `prefix`, so that
    /// a metric's description is written once: "Call-backs made: 38 in 2026-08, 41 in 2026-09".
    fn add_merged(&mut self, key: &str, head: String, item: String, prefix: &str) {
        let line = self.line(key, head);
        match line.items.last_mut() {
            Some(last) if last.starts_with(prefix) => {
                last.push_str(", ");
                last.push_str(&item[prefix.len()..]);
            }
            _ => line.items.push(item),
        }
    }

    /// Adds one month of a comparison; the months of a comparison that did not hold are
    /// separated by `;`, as each already holds a comma (`85%, not < 80% in 2026-10`). A new
    /// comparison's line goes before the line of the values its number was worked out from
    /// (keyed by its `expression`, or by the `not` around it: its `condition`).
    fn add_comparison(
        &mut self,
        key: String,
        head: String,
        item: String,
        holds: bool,
        tail: String,
        worked_from: [&str; 2],
    ) {
        let before = self
            .lines
            .iter()
            .position(|l| worked_from.contains(&l.key.as_str()));
        let line = self.line_before(&key, head, before);
        if !holds {
            line.separator = "; ";
        }
        line.tail = tail;
        if !line.items.contains(&item) {
            line.items.push(item);
        }
    }

    fn add_fact(&mut self, item: String) {
        let line = self.line("", String::new());
        line.separator = "; ";
        line.items.push(item);
    }

    fn finish(self) -> Vec<String> {
        self.lines
            .into_iter()
            .map(|l| format!("{}{}{}", l.head, l.items.join(l.separator), l.tail))
            .collect()
    }
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
    let width = subject_width(
        evaluation
            .undecided
            .iter()
            .map(|u| (u.subject.as_str(), u.subject_name.as_deref())),
    );
    for u in &evaluation.undecided {
        let case = u
            .case
            .as_ref()
            .map(|c| format!(" (case {c})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<width$}  {}{case}: no {}",
            subject_words(&u.subject, u.subject_name.as_deref()),
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

/// The actions as CSV, one action a row, for spreadsheets: ids (`subject`, `owner`,
/// `involve`) with the names people read beside them (`subject_name`, `owner_name`,
/// `involve_names`).
///
/// What `escalate eval --format csv` prints. See the example of
/// [`evaluation_text`](crate::evaluation_text).
pub fn csv(evaluation: &Evaluation, program: &Program) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "subject",
        "subject_name",
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
            a.subject_name.as_deref().unwrap_or_default(),
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
        subject_words(&e.subject, e.subject_name.as_deref()),
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

#[cfg(test)]
mod tests {
    use crate::{DataInput, DataSources, Dataset, EvalOptions, Policy};

    /// More actions than one batch of [`super::write_list`], some undecided rules, no grades.
    #[test]
    fn the_evaluation_is_written_as_serde_json_writes_it() {
        let policy = Policy::parse(
            "p.policy",
            r#"
            policy "Call-backs"
            role lead "Clinical Lead"
            metric callbacks "Call-backs made" count
            rule few_callbacks "Fewer than 20 call-backs" {
              when callbacks < 20
              severity low
              require "Check the rota"
              owner lead
              due 5 working days
            }
            "#,
        )
        .unwrap();
        let mut csv = String::from("subject,period,callbacks\n");
        for subject in 0..5_000 {
            let figure = if subject % 7 == 0 {
                String::new()
            } else {
                format!("{}", subject % 30)
            };
            csv.push_str(&format!("c{subject:05},2026-10,{figure}\n"));
        }
        let sources = DataSources {
            performance: Some(DataInput::csv("performance.csv", &csv)),
            ..DataSources::default()
        };
        let data = Dataset::load(&policy.program().schema, &sources).unwrap();
        let as_of = "2026-10".parse().unwrap();
        let evaluation = policy.evaluate(&data, as_of, &EvalOptions::default());
        assert!(evaluation.actions.len() > 2_048);
        assert!(!evaluation.undecided.is_empty() && evaluation.grades.is_empty());
        let mut written = Vec::new();
        super::write_json(&evaluation, &mut written).unwrap();
        assert_eq!(written, serde_json::to_vec_pretty(&evaluation).unwrap());
    }
}

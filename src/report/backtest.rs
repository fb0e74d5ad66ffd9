//! A backtest for people (a summary table, then month by month) and for spreadsheets.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::history::{Agreement, Backtest, BacktestMonth, Comparison, Reason, Status, Summary};
use crate::month::Month;

/// A backtest with its optional comparison and agreement: what `escalate backtest` prints,
/// as text ([`backtest_text`](crate::backtest_text)), CSV
/// ([`backtest_csv`](crate::backtest_csv)), JSON (this type serialised), or (with the
/// `html` feature) one HTML page (`backtest_html`).
///
/// ```
/// # use escalate::{DataInput, DataSources, Dataset, Policy};
/// # let policy = Policy::parse("p.policy", r#"
/// #     policy "Call-backs"
/// #     role lead "Clinical Lead"
/// #     metric callbacks "Call-backs made" count
/// #     rule few_callbacks "Fewer than 20 call-backs" {
/// #       when callbacks < 20
/// #       severity low
/// #       require "Check the rota"
/// #       owner lead
/// #       due 5 working days
/// #     }
/// # "#).unwrap();
/// # let csv = "subject,period,callbacks\nc1,2026-09,12\nc1,2026-10,30\n";
/// # let sources = DataSources {
/// #     performance: Some(DataInput::csv("performance.csv", csv)),
/// #     ..DataSources::default()
/// # };
/// # let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let (from, to) = ("2026-09".parse().unwrap(), "2026-10".parse().unwrap());
/// let backtest = escalate::backtest(&policy, &data, from, to, &|_| {});
/// let report = escalate::BacktestReport { backtest, compare: None, agreement: None };
/// assert!(escalate::backtest_text(&report).starts_with("Backtest of \"Call-backs\""));
/// let csv = escalate::backtest_csv(&report);
/// assert!(csv.lines().any(|row| row.contains("c1") && row.contains("resolved")));
/// #[cfg(feature = "html")]
/// {
///     let page = escalate::backtest_html(&report, policy.program(), &data, &[]);
///     assert!(page.starts_with("<!DOCTYPE html>"));
/// }
/// let json = serde_json::to_string(&report).unwrap();
/// assert!(json.contains("\"months\""));
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The replay.
    #[serde(flatten)]
    pub backtest: Backtest,
    /// The comparison with a second policy (`--compare`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<Comparison>,
    /// The agreement with what was done (`--actual`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

/// The report as text for people: a summary table, then month by month.
///
/// See the example of [`BacktestReport`].
pub fn human(report: &BacktestReport) -> String {
    let b = &report.backtest;
    let width = super::subject_width(b.listed_subjects());
    let range = (b.from, b.to);
    let mut writer = HumanWriter::new(Vec::new(), &b.policy, range, &b.summary, width)
        .expect("writing to memory cannot fail");
    for month in &b.months {
        writer.month(month).expect("writing to memory cannot fail");
    }
    let mut out = String::from_utf8(writer.finish()).expect("UTF-8 in, UTF-8 out");
    out.push_str(&findings_text(
        report.compare.as_ref(),
        report.agreement.as_ref(),
    ));
    out
}

/// The end of [`human()`] after the months: the comparison and the agreement, when there are.
pub fn findings_text(compare: Option<&Comparison>, agreement: Option<&Agreement>) -> String {
    let mut out = String::new();
    if let Some(c) = compare {
        write_comparison(&mut out, c);
    }
    if let Some(a) = agreement {
        write_agreement(&mut out, a);
    }
    out
}

/// The text of [`human()`] up to the comparison and the agreement ([`findings_text`]),
/// written a month at a time as the months of a backtest come, so that a region's report
/// (tens of megabytes) need never be held whole.
pub struct HumanWriter<W: std::io::Write> {
    out: W,
    /// The width of the column of subjects.
    width: usize,
    /// The text of the month being written.
    text: String,
}

impl<W: std::io::Write> HumanWriter<W> {
    /// Writes the title and the summary table of the backtest of `policy` from `from` to
    /// `to` to `out`. `width` is the width of the column of subjects:
    /// [`subject_width`](super::subject_width) of the subjects of every month's new actions
    /// and resolved actions (`listed_subjects` of the backtest or of its replay).
    pub fn new(
        mut out: W,
        policy: &str,
        (from, to): (Month, Month),
        summary: &Summary,
        width: usize,
    ) -> std::io::Result<HumanWriter<W>> {
        let mut text = String::new();
        write_head(&mut text, policy, from, to, summary);
        out.write_all(text.as_bytes())?;
        text.clear();
        Ok(HumanWriter { out, width, text })
    }

    /// Writes a month: its counts, its new actions, then what it resolved.
    pub fn month(&mut self, month: &BacktestMonth) -> std::io::Result<()> {
        write_month(&mut self.text, month, self.width);
        self.out.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }

    /// The output, once every month is written.
    pub fn finish(self) -> W {
        self.out
    }
}

/// The title, the count of new actions and the summary table.
fn write_head(out: &mut String, policy: &str, from: Month, to: Month, summary: &Summary) {
    let _ = writeln!(
        out,
        "Backtest of \"{policy}\" from {from} to {to} ({} months)",
        crate::history::month_range(from, to).count()
    );
    let _ = writeln!(
        out,
        "{} new actions for {} subjects\n",
        summary.new_actions, summary.subjects_affected
    );
    write_summary(out, summary, from, to);
}

fn write_summary(out: &mut String, summary: &Summary, from: Month, to: Month) {
    let width = summary
        .rules
        .iter()
        .map(|r| r.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:>5}  {:>8}  {:>12}  new each month, {} to {}",
        "rule", "new", "subjects", "median open", from, to
    );
    for r in &summary.rules {
        let median = r.median_months_open.map_or("-".to_string(), |m| {
            format!("{} mo", super::format_float(m))
        });
        let per_month: Vec<String> = r.new_per_month.iter().map(|n| n.to_string()).collect();
        let _ = writeln!(
            out,
            "{:<width$}  {:>5}  {:>8}  {:>12}  {}",
            r.rule,
            r.new_actions,
            r.subjects_affected,
            median,
            per_month.join(" ")
        );
    }
    let _ = writeln!(out);
}

/// A month's counts, its new actions and what it resolved, with subjects in a column
/// `width` wide.
fn write_month(out: &mut String, month: &BacktestMonth, width: usize) {
    let new = month
        .actions
        .iter()
        .filter(|a| a.status == Status::New)
        .count();
    let _ = writeln!(
        out,
        "{}: {} ({new} new, {} continuing), {} resolved, {} undecided",
        month.as_of,
        match month.actions.len() {
            1 => "1 action".to_string(),
            n => format!("{n} actions"),
        },
        month.actions.len() - new,
        month.resolved.len(),
        month.undecided.len()
    );
    for a in month.actions.iter().filter(|a| a.status == Status::New) {
        let due = a.action.due.map(|d| d.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "  + {:<width$} {}{} (due {due}, {})",
            super::subject_words(&a.action.subject, a.action.subject_name.as_deref()),
            a.action.rule,
            for_case(a.action.case.as_deref()),
            a.action.owner_name
        );
    }
    for r in &month.resolved {
        let _ = writeln!(
            out,
            "  - {:<width$} {}{}: {}",
            super::subject_words(&r.subject, r.subject_name.as_deref()),
            r.rule,
            for_case(r.case.as_deref()),
            reason_words(r.reason, r.replaced_by.as_deref())
        );
    }
}

/// " for case psr-01" after a rule evaluated for each case; nothing otherwise.
pub fn for_case(case: Option<&str>) -> String {
    case.map(|c| format!(" for case {c}")).unwrap_or_default()
}

/// Why an action stopped being required, in words.
pub fn reason_words(reason: Reason, by: Option<&str>) -> String {
    match reason {
        Reason::Replaced => format!("replaced by {}", by.unwrap_or("another rule")),
        Reason::NoLongerHolds => "no longer holds".to_string(),
        Reason::NowUndecided => "now undecided (data missing)".to_string(),
        Reason::CaseClosed => "case closed".to_string(),
    }
}

fn write_comparison(out: &mut String, c: &Comparison) {
    let _ = match c.first == c.second {
        true => writeln!(
            out,
            "\nCompared with the second policy (`--compare`), also named \"{}\"\n{}\n",
            c.second, c.summary
        ),
        false => writeln!(out, "\nCompared with \"{}\"\n{}\n", c.second, c.summary),
    };
    let width = c
        .rules
        .iter()
        .map(|r| r.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:>9}  {:>9}  {:>10}  {:>10}",
        "rule", "new (1st)", "new (2nd)", "subj (1st)", "subj (2nd)"
    );
    for r in &c.rules {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9}  {:>9}  {:>10}  {:>10}",
            r.rule, r.first_new, r.second_new, r.first_subjects, r.second_subjects
        );
    }
    let differences = c
        .months
        .iter()
        .filter(|m| !m.only_first.is_empty() || !m.only_second.is_empty());
    let listed = differences
        .clone()
        .flat_map(|m| m.only_first.iter().chain(&m.only_second));
    let width =
        super::subject_width(listed.map(|p| (p.subject.as_str(), p.subject_name.as_deref())));
    for m in differences {
        let _ = writeln!(
            out,
            "{}: {} required only by the first policy, {} only by the second",
            m.as_of,
            actions_count(m.only_first.len()),
            match m.only_second.len() {
                0 => "none".to_string(),
                n => n.to_string(),
            }
        );
        for (side, actions) in [("first ", &m.only_first), ("second", &m.only_second)] {
            for p in actions {
                let _ = writeln!(
                    out,
                    "  {side}  {:<width$} {}{}",
                    super::subject_words(&p.subject, p.subject_name.as_deref()),
                    p.rule,
                    for_case(p.case.as_deref())
                );
            }
        }
    }
}

/// "no action", "1 action", "12 actions".
fn actions_count(n: usize) -> String {
    match n {
        0 => "no action".to_string(),
        n => super::plural(n, "action", "actions"),
    }
}

/// What was left out of the agreement: rows outside the window, repeated rows.
pub fn agreement_note(a: &Agreement) -> String {
    let rows = |n: usize| match n {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    };
    let mut parts = Vec::new();
    if a.outside_window > 0 {
        parts.push(format!(
            "{} of the file outside the backtest's months (and the month after) not compared",
            rows(a.outside_window)
        ));
    }
    if a.duplicates > 0 {
        parts.push(format!(
            "{} repeating an earlier row counted once",
            rows(a.duplicates)
        ));
    }
    parts.join("; ")
}

fn write_agreement(out: &mut String, a: &Agreement) {
    let _ = writeln!(
        out,
        "\nAgreement with what was done: {:.1}% ({} done, {} required but not done, {} done but not required)",
        a.agreement_percent, a.done, a.not_done, a.not_required
    );
    if a.outside_window > 0 || a.duplicates > 0 {
        let _ = writeln!(out, "  {}", agreement_note(a));
    }
    for r in &a.rules {
        let rate = r
            .agreement_percent
            .map_or("-".to_string(), |p| format!("{p:.1}%"));
        let _ = writeln!(
            out,
            "  {:<30} {:>7}  done {}, not done {}, not required {}",
            r.rule, rate, r.done, r.not_done, r.not_required
        );
    }
}

/// One row per month and action (new, continuing) or resolved action, for spreadsheets; the
/// `case` column is empty for a rule evaluated once per subject, and `subject_name` for a
/// subject the subjects file gives no name.
///
/// See the example of [`BacktestReport`].
pub fn csv(report: &BacktestReport) -> String {
    let mut writer = CsvWriter::new(Vec::new()).expect("writing to memory cannot fail");
    for month in &report.backtest.months {
        writer.month(month).expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.finish().expect("writing to memory cannot fail"))
        .expect("UTF-8 in, UTF-8 out")
}

/// The CSV of [`csv()`], written a month at a time as the months of a backtest come.
pub struct CsvWriter<W: std::io::Write> {
    writer: csv::Writer<W>,
}

impl<W: std::io::Write> CsvWriter<W> {
    /// Writes the header line to `out`.
    pub fn new(out: W) -> std::io::Result<CsvWriter<W>> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
            "as_of",
            "subject",
            "subject_name",
            "rule",
            "case",
            "status",
            "severity",
            "owner",
            "due",
            "reason",
            "replaced_by",
        ])?;
        Ok(CsvWriter { writer })
    }

    /// Writes a month's rows: its actions, then what it resolved.
    pub fn month(&mut self, month: &BacktestMonth) -> std::io::Result<()> {
        let as_of = month.as_of.to_string();
        for a in &month.actions {
            let status = match a.status {
                Status::New => "new",
                Status::Continuing => "continuing",
            };
            let due = a.action.due.map(|d| d.to_string()).unwrap_or_default();
            self.writer.write_record([
                &as_of,
                &a.action.subject,
                a.action.subject_name.as_deref().unwrap_or_default(),
                &a.action.rule,
                a.action.case.as_deref().unwrap_or_default(),
                status,
                a.action.severity.name(),
                &a.action.owner,
                &due,
                "",
                "",
            ])?;
        }
        for r in &month.resolved {
            let reason = reason_words(r.reason, None);
            let by = r.replaced_by.as_deref().unwrap_or_default();
            self.writer.write_record([
                &as_of,
                &r.subject,
                r.subject_name.as_deref().unwrap_or_default(),
                &r.rule,
                r.case.as_deref().unwrap_or_default(),
                "resolved",
                "",
                "",
                "",
                &reason,
                by,
            ])?;
        }
        Ok(())
    }

    /// Writes out what is still buffered; gives back the output.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}

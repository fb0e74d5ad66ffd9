//! The page's sections, top to bottom: head and title, summary table, charts of new actions
//! (and for a policy with cases, of open cases and missed deadlines), comparison, agreement,
//! and the chosen subjects' timelines.

use std::fmt::Write as _;

use super::analysis::{
    episodes, open_cases, rules_applying, subject_cases, subject_events, thresholds_of_rules,
    Event, Threshold,
};
use super::charts::{CaseTimeline, Series, StackedBars, Timeline};
use super::{case_kind_colour, escape, plural, rule_colour};
use crate::data::Dataset;
use crate::history::{Agreement, Backtest, Comparison};
use crate::program::Program;
use crate::report::backtest::for_case;
use crate::report::format_float as format_number;
use crate::report::subject_words;
use crate::schema::MetricKind;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #1f1f1f;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-top: 8px; border-top: 1px solid #d8d8d4; }
h3 { font-size: 15px; margin: 0 0 2px; }
p { margin: 4px 0 8px; max-width: 80em; }
.meta { color: #555; margin: 0 0 12px; }
.note { color: #555; font-size: 13px; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d8d8d4; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #ecece8; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid rgba(0,0,0,.35); border-radius: 2px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0; font-size: 13px; padding: 0; list-style: none; }
.chart { background: #fff; border: 1px solid #d8d8d4; border-radius: 4px; padding: 8px; }
svg { display: block; max-width: 100%; height: auto; font-size: 11px; }
svg text { fill: #333; }
svg.wide { width: 100%; }
svg .grid { stroke: #e4e4e0; stroke-width: 1; }
svg .axis { stroke: #777; stroke-width: 1; }
svg .axis-title { font-size: 11px; fill: #555; }
svg .total { font-size: 10px; fill: #444; }
svg .series { fill: none; stroke: #333; stroke-width: 1.8; stroke-linejoin: round; }
svg .point { fill: #333; }
svg .threshold { stroke: #a33; stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .threshold-label { font-size: 10px; fill: #a33; }
svg .strip { fill: #f4f4f1; }
svg .strip-title { font-size: 10px; fill: #555; }
svg .event-line { stroke-width: 1; stroke-dasharray: 2 2; opacity: .55; }
svg .marker { stroke: #222; stroke-width: .8; }
svg .ended { fill: #fff; stroke-width: 2.2; }
svg .ring { fill: none; stroke: #222; stroke-width: .8; }
svg .empty { font-size: 12px; fill: #777; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.subjects { display: flex; flex-direction: column; gap: 14px; }
.subject { background: #fff; border: 1px solid #d8d8d4; border-radius: 4px; padding: 10px 12px; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 8px 14px; margin-top: 6px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #444; margin-bottom: 2px; }
details { margin: 6px 0; }
.episodes { font-size: 12px; color: #444; gap: 2px 18px; margin: 2px 0 4px; }
summary { cursor: pointer; color: #333; }
footer { margin-top: 30px; color: #777; font-size: 12px; }
"#;

// ------------------------------------------------------------------------------ the page

pub(super) fn write_head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
}

pub(super) fn write_title(out: &mut String, b: &Backtest, program: &Program) {
    let _ = writeln!(out, "<h1>Backtest of “{}”</h1>", escape(&b.policy));
    let version = program
        .version
        .as_deref()
        .map(|v| format!(", version {}", escape(v)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} to {} ({}){version}: <strong>{}</strong> for <strong>{}</strong>.</p>",
        b.from,
        b.to,
        plural(b.months.len(), "month", "months"),
        plural(b.summary.new_actions, "new action", "new actions"),
        plural(b.summary.subjects_affected, "subject", "subjects"),
    );
}

pub(super) fn write_summary(out: &mut String, b: &Backtest) {
    out.push_str("<h2>Summary by rule</h2>\n<table>\n<thead><tr><th>Rule</th><th>Title</th>");
    out.push_str("<th class=\"n\">New actions</th><th class=\"n\">Subjects affected</th>");
    out.push_str("<th class=\"n\">Median months open</th></tr></thead>\n<tbody>\n");
    for (i, r) in b.summary.rules.iter().enumerate() {
        let median = r.median_months_open.map_or("–".to_string(), format_number);
        let _ = writeln!(
            out,
            "<tr><td>{}<code>{}</code></td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{median}</td></tr>",
            swatch(i),
            escape(&r.rule),
            escape(&r.title),
            r.new_actions,
            r.subjects_affected,
        );
    }
    let _ = writeln!(
        out,
        "</tbody>\n<tfoot><tr><th colspan=\"2\">All rules</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th></th></tr></tfoot>\n</table>",
        b.summary.new_actions, b.summary.subjects_affected
    );
}

fn swatch(rule: usize) -> String {
    colour_swatch(rule_colour(rule))
}

fn colour_swatch(colour: &str) -> String {
    format!("<span class=\"swatch\" style=\"background:{colour}\"></span>")
}

fn write_legend(out: &mut String, b: &Backtest) {
    out.push_str("<ul class=\"legend\">");
    for (i, r) in b.summary.rules.iter().enumerate() {
        let _ = write!(
            out,
            "<li title=\"rule {}\">{}{}</li>",
            escape(&r.rule),
            swatch(i),
            escape(&r.title)
        );
    }
    out.push_str("</ul>\n");
}

pub(super) fn write_new_actions(out: &mut String, b: &Backtest) {
    out.push_str("<h2>New actions per month</h2>\n");
    if b.summary.new_actions == 0 {
        out.push_str("<p class=\"note\">No rule asked for a new action in this range.</p>\n");
    }
    write_legend(out, b);
    let counts: Vec<&[usize]> = b
        .summary
        .rules
        .iter()
        .map(|r| &r.new_per_month[..])
        .collect();
    let chart = StackedBars {
        label: "New actions per rule per month",
        axis_title: "new actions",
        first: b.from,
        months: b.months.len(),
        height: 300.0,
        series: rule_series(b, counts),
        unit: ("new action", "new actions"),
    };
    let _ = writeln!(out, "<div class=\"chart\">{}</div>", chart.svg());
}

/// One series per rule, in file order, in the rule's colour.
fn rule_series<'a>(b: &'a Backtest, counts: Vec<&'a [usize]>) -> Vec<Series<'a>> {
    b.summary
        .rules
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (r, values))| Series {
            name: &r.rule,
            colour: rule_colour(i),
            values,
        })
        .collect()
}

/// For a policy with cases: the cases open at each month's decision date, by case kind, and
/// the actions citing a missed deadline (overdue, or met late), by rule.
pub(super) fn write_cases(
    out: &mut String,
    b: &Backtest,
    program: &Program,
    data: &Dataset,
    missed: &[Vec<usize>],
) {
    let open = open_cases(b, program, data);
    out.push_str(
        "<h2>Open cases per month</h2>
<p class=\"note\">The cases open on each month's \
         last day: opened on or before it, and not closed by then.</p>\n",
    );
    out.push_str("<ul class=\"legend\">");
    for (i, kind) in program.schema.case_kinds.iter().enumerate() {
        let _ = write!(
            out,
            "<li title=\"{}\">{}<code>{}</code></li>",
            escape(&kind.title),
            colour_swatch(case_kind_colour(i)),
            escape(&kind.id)
        );
    }
    out.push_str("</ul>\n");
    let series: Vec<Series> = program
        .schema
        .case_kinds
        .iter()
        .zip(&open)
        .enumerate()
        .map(|(i, (kind, values))| Series {
            name: &kind.id,
            colour: case_kind_colour(i),
            values,
        })
        .collect();
    let chart = StackedBars {
        label: "Open cases per case kind per month",
        axis_title: "open cases",
        first: b.from,
        months: b.months.len(),
        height: 220.0,
        series,
        unit: ("open case", "open cases"),
    };
    let _ = writeln!(out, "<div class=\"chart\">{}</div>", chart.svg());
    write_missed_deadlines(out, b, missed);
}

fn write_missed_deadlines(out: &mut String, b: &Backtest, missed: &[Vec<usize>]) {
    out.push_str(
        "<h2>Missed deadlines per month</h2>\n<p class=\"note\">The actions required each \
         month whose evidence has a deadline that is overdue, or that was met late.</p>\n",
    );
    if missed.iter().flatten().all(|&n| n == 0) {
        out.push_str("<p class=\"note\">No action cited a missed deadline in this range.</p>\n");
    }
    write_legend(out, b);
    let chart = StackedBars {
        label: "Actions citing a missed deadline per rule per month",
        axis_title: "missed deadlines",
        first: b.from,
        months: b.months.len(),
        height: 220.0,
        series: rule_series(b, missed.iter().map(Vec::as_slice).collect()),
        unit: ("action", "actions"),
    };
    let _ = writeln!(out, "<div class=\"chart\">{}</div>", chart.svg());
}

pub(super) fn write_comparison(out: &mut String, c: &Comparison) {
    let heading = match c.first == c.second {
        true => "the second policy, of the same name".to_string(),
        false => format!("“{}”", escape(&c.second)),
    };
    let _ = writeln!(
        out,
        "<h2>Compared with {heading}</h2>\n<p>{}</p>\n<p class=\"note\">First: “{}” (this \
         policy). Second: “{}” (<code>--compare</code>).</p>",
        code_spans(&c.summary),
        escape(&c.first),
        escape(&c.second)
    );
    out.push_str(
        "<table>\n<thead><tr><th rowspan=\"2\">Rule</th><th rowspan=\"2\">Title</th>\
         <th colspan=\"2\">New actions</th><th colspan=\"2\">Subjects affected</th></tr>\n\
         <tr><th class=\"n\">first</th><th class=\"n\">second</th>\
         <th class=\"n\">first</th><th class=\"n\">second</th></tr></thead>\n<tbody>\n",
    );
    for r in &c.rules {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&r.rule),
            escape(&r.title),
            r.first_new,
            r.second_new,
            r.first_subjects,
            r.second_subjects
        );
    }
    out.push_str("</tbody>\n</table>\n");
    write_month_differences(out, c);
}

/// Escaped text with each `quoted` part set as code.
fn code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() % 2 == 0 {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => format!("<code>{}</code>", escape(part)),
            _ => escape(part),
        })
        .collect()
}

fn write_month_differences(out: &mut String, c: &Comparison) {
    let months: Vec<_> = c
        .months
        .iter()
        .filter(|m| !m.only_first.is_empty() || !m.only_second.is_empty())
        .collect();
    if months.is_empty() {
        return;
    }
    let (first, second) = match c.first == c.second {
        true => (
            "the first policy".to_string(),
            "the second policy".to_string(),
        ),
        false => (
            format!("“{}”", escape(&c.first)),
            format!("“{}”", escape(&c.second)),
        ),
    };
    let _ = write!(
        out,
        "<details><summary>Month by month: the actions only one policy requires</summary>\n\
         <table>\n<thead><tr><th>Month</th><th>Only {first}</th><th>Only {second}</th></tr></thead>\n<tbody>\n"
    );
    for m in months {
        let list = |pairs: &[crate::history::SubjectRule]| {
            pairs
                .iter()
                .map(|p| {
                    let subject = subject_words(&p.subject, p.subject_name.as_deref());
                    let case = for_case(p.case.as_deref());
                    format!(
                        "{} <code>{}</code>{}",
                        escape(&subject),
                        escape(&p.rule),
                        escape(&case)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            m.as_of,
            list(&m.only_first),
            list(&m.only_second)
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

pub(super) fn write_agreement(out: &mut String, a: &Agreement) {
    let _ = writeln!(
        out,
        "<h2>Agreement with what was done</h2>\n<p><strong>{:.1}%</strong>: {} done, \
         {} required but not done, {} done but not required.</p>",
        a.agreement_percent, a.done, a.not_done, a.not_required
    );
    out.push_str("<table>\n<thead><tr><th>Rule</th><th class=\"n\">Agreement</th>");
    out.push_str("<th class=\"n\">Done</th><th class=\"n\">Not done</th>");
    out.push_str("<th class=\"n\">Not required</th></tr></thead>\n<tbody>\n");
    for r in &a.rules {
        let rate = r
            .agreement_percent
            .map_or("–".to_string(), |p| format!("{p:.1}%"));
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"n\">{rate}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&r.rule),
            r.done,
            r.not_done,
            r.not_required
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The timelines of `subjects`: those `asked` for, or else the subjects with the most new
/// actions.
pub(super) fn write_timelines(
    out: &mut String,
    b: &Backtest,
    program: &Program,
    data: &Dataset,
    (subjects, asked): (&[String], &[String]),
) {
    out.push_str("<h2>Subjects over time</h2>\n");
    if subjects.is_empty() {
        out.push_str(
            "<p class=\"note\">No subject had a new action in this range. \
             Choose subjects to draw with <code>--subject ID</code>.</p>\n",
        );
        return;
    }
    let how = match asked.is_empty() {
        true => format!(
            "The {} with the most new actions (choose others with <code>--subject ID</code>).",
            plural(subjects.len(), "subject", "subjects")
        ),
        false => "The subjects chosen with <code>--subject</code>.".to_string(),
    };
    let _ = writeln!(
        out,
        "<p class=\"note\">{how} Each metric the policy declares, month by month (a gap is a \
         month without a value); dashed lines are the thresholds the policy compares it with. \
         Below each chart: <strong>▲</strong> an action started, <strong>○</strong> it \
         ended (hover for why).{}</p>",
        match program.schema.case_kinds.is_empty() {
            true => "",
            false => {
                " Each subject's cases come first: a bar for the months each case was open, \
                 with the markers of its actions on its row."
            }
        }
    );
    write_legend(out, b);
    out.push_str("<div class=\"subjects\">\n");
    for subject in subjects {
        let applying = rules_applying(b, program, data, subject);
        let thresholds = thresholds_of_rules(program, &applying);
        write_subject(out, b, program, data, subject, &thresholds);
    }
    out.push_str("</div>\n");
}

fn write_subject(
    out: &mut String,
    b: &Backtest,
    program: &Program,
    data: &Dataset,
    subject: &str,
    thresholds: &[Vec<Threshold>],
) {
    let events = subject_events(b, subject);
    let index = data.subject_index(subject);
    let name = index.and_then(|s| data.subject_name(s));
    let _ = writeln!(
        out,
        "<section class=\"subject\" data-subject=\"{}\">\n<h3>{}</h3>",
        escape(subject),
        escape(&subject_words(subject, name))
    );
    write_episodes(out, b, &events);
    if index.is_none() {
        out.push_str("<p class=\"note\">This subject is not in the data.</p>\n");
    }
    let cases = subject_cases(b, data, subject);
    if !cases.is_empty() {
        let timeline = CaseTimeline {
            first: b.from,
            months: b.months.len(),
            cases: &cases,
            events: &events,
        };
        let _ = writeln!(
            out,
            "<figure class=\"cases\" data-cases=\"{}\"><figcaption>Cases</figcaption>{}</figure>",
            escape(subject),
            timeline.svg()
        );
    }
    out.push_str("<div class=\"metrics\">\n");
    for (m, metric) in program.schema.metrics.iter().enumerate() {
        let values: Vec<Option<f64>> = (0..b.months.len())
            .map(|i| index.and_then(|s| data.metric_value(m, s, b.from.offset(i as i32))))
            .map(|v| v.map(|v| crate::number::Figure::from(v).to_f64()))
            .collect();
        let chart = Timeline {
            metric,
            first: b.from,
            values: &values,
            thresholds: thresholds.get(m).map(Vec::as_slice).unwrap_or(&[]),
            events: &events,
        };
        let _ =
            writeln!(
            out,
            "<figure data-metric=\"{}\"><figcaption>{} (<code>{}</code>{})</figcaption>{}</figure>",
            escape(&metric.id),
            escape(&metric.description),
            escape(&metric.id),
            if metric.kind == MetricKind::Percent { ", %" } else { "" },
            chart.svg()
        );
    }
    out.push_str("</div>\n</section>\n");
}

/// A rule's title, for a person to read (its id when the backtest does not know it).
fn title_of<'b>(b: &'b Backtest, rule: &'b str) -> &'b str {
    b.summary
        .rules
        .iter()
        .find(|r| r.rule == rule)
        .map_or(rule, |r| r.title.as_str())
}

/// The subject's actions in the range, one item each: rule, months required, how it ended.
fn write_episodes(out: &mut String, b: &Backtest, events: &[Event]) {
    let first = b.from;
    if events.is_empty() {
        out.push_str("<p class=\"note\">No action started or ended in this range.</p>\n");
        return;
    }
    out.push_str("<ul class=\"legend episodes\">");
    for episode in episodes(events) {
        let case = episode
            .case
            .map(|c| format!("&nbsp;(case <code>{}</code>)", escape(c)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li title=\"rule {}\">{}{}{case}:&nbsp;{}</li>",
            escape(episode.rule_id),
            swatch(episode.rule),
            escape(title_of(b, episode.rule_id)),
            escape(&episode.describe(first))
        );
    }
    out.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backquoted_words_become_code() {
        assert_eq!(code_spans("a `b<c` d"), "a <code>b&lt;c</code> d");
        assert_eq!(code_spans("odd ` quote"), "odd ` quote");
    }
}

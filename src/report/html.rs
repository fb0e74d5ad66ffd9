//! A backtest as one self-contained HTML page (`escalate backtest --format html`): the
//! summary and any comparison or agreement as tables, new actions per rule per month as a
//! stacked bar chart, and, for a few subjects, a timeline of each metric the policy declares
//! with the thresholds the policy compares it with and the months actions started and ended.
//!
//! The page needs nothing from outside: the styles are inline, the charts are inline SVG
//! drawn here, and there is no script. It opens offline and prints as it shows.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::format_float as format_number;
use crate::data::Dataset;
use crate::history::{Agreement, Backtest, Comparison, Status};
use crate::month::Month;
use crate::number::Figure;
use crate::program::{CmpOp, Expr, ExprKind, Program};
use crate::report::backtest::{reason_words, BacktestReport};
use crate::schema::{MetricDef, MetricKind};

/// How many subjects get a timeline when none are chosen.
const DEFAULT_TIMELINES: usize = 12;

/// One colour per rule, in file order, from Okabe and Ito's palette for colour-blind
/// readers; a policy with more rules starts the list again.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

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

/// The backtest in `report` as one HTML page. `program` and `data` are the policy and data
/// it was replayed on; `subjects` are the subjects whose timelines to show (when empty, the
/// subjects with the most new actions, at most 12).
pub fn backtest(
    report: &BacktestReport,
    program: &Program,
    data: &Dataset,
    subjects: &[String],
) -> String {
    let b = &report.backtest;
    let mut out = String::new();
    write_head(&mut out, &format!("Backtest of {}", b.policy));
    write_title(&mut out, b, program);
    write_summary(&mut out, b);
    write_new_actions(&mut out, b);
    if let Some(c) = &report.compare {
        write_comparison(&mut out, c);
    }
    if let Some(a) = &report.agreement {
        write_agreement(&mut out, a);
    }
    write_timelines(&mut out, b, program, data, subjects);
    out.push_str(
        "<footer>Made by <code>escalate backtest --format html</code>. \
         The page is self-contained: it needs no network.</footer>\n</main>\n</body>\n</html>\n",
    );
    out
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The colour of the rule at `index` in file order.
pub fn rule_colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

// ------------------------------------------------------------------------------ the page

fn write_head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
}

fn write_title(out: &mut String, b: &Backtest, program: &Program) {
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

fn write_summary(out: &mut String, b: &Backtest) {
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
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>",
        rule_colour(rule)
    )
}

fn write_legend(out: &mut String, b: &Backtest) {
    out.push_str("<ul class=\"legend\">");
    for (i, r) in b.summary.rules.iter().enumerate() {
        let _ = write!(
            out,
            "<li title=\"{}\">{}<code>{}</code></li>",
            escape(&r.title),
            swatch(i),
            escape(&r.rule)
        );
    }
    out.push_str("</ul>\n");
}

fn write_new_actions(out: &mut String, b: &Backtest) {
    out.push_str("<h2>New actions per month</h2>\n");
    if b.summary.new_actions == 0 {
        out.push_str("<p class=\"note\">No rule asked for a new action in this range.</p>\n");
    }
    write_legend(out, b);
    let _ = writeln!(out, "<div class=\"chart\">{}</div>", new_actions_chart(b));
}

fn write_comparison(out: &mut String, c: &Comparison) {
    let _ = writeln!(
        out,
        "<h2>Compared with “{}”</h2>\n<p>{}</p>\n<p class=\"note\">First: “{}” (this policy). \
         Second: “{}” (<code>--compare</code>).</p>",
        escape(&c.second),
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
    let _ = write!(
        out,
        "<details><summary>Month by month: the actions only one policy requires</summary>\n\
         <table>\n<thead><tr><th>Month</th><th>Only “{}”</th><th>Only “{}”</th></tr></thead>\n<tbody>\n",
        escape(&c.first),
        escape(&c.second)
    );
    for m in months {
        let list = |pairs: &[crate::history::SubjectRule]| {
            pairs
                .iter()
                .map(|p| format!("{} <code>{}</code>", escape(&p.subject), escape(&p.rule)))
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

fn write_agreement(out: &mut String, a: &Agreement) {
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

fn plural(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

// ------------------------------------------------------------------------- scales, axes

/// Month positions along a chart's x axis: one band per month, values at band centres.
#[derive(Clone, Copy, Debug)]
struct MonthAxis {
    first: Month,
    count: usize,
    left: f64,
    width: f64,
}

impl MonthAxis {
    fn band(&self) -> f64 {
        self.width / self.count.max(1) as f64
    }

    fn x(&self, index: usize) -> f64 {
        self.left + self.band() * (index as f64 + 0.5)
    }

    /// Every how many months a label fits, for labels about `label_width` wide.
    fn label_step(&self, label_width: f64) -> usize {
        (label_width / self.band()).ceil().max(1.0) as usize
    }
}

/// A linear map from values to y positions (larger values higher up).
#[derive(Clone, Copy, Debug)]
struct ValueScale {
    low: f64,
    high: f64,
    top: f64,
    bottom: f64,
}

impl ValueScale {
    fn y(&self, value: f64) -> f64 {
        let span = self.high - self.low;
        let t = if span > 0.0 {
            (value - self.low) / span
        } else {
            0.5
        };
        self.bottom - t * (self.bottom - self.top)
    }

    fn contains(&self, value: f64) -> bool {
        value >= self.low && value <= self.high
    }
}

/// A round step near `span / target`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|s| raw / magnitude <= *s)
        .unwrap_or(10.0);
    step * magnitude
}

/// Ticks from `low` to `high` (widened to whole steps), about `target` of them.
fn ticks(low: f64, high: f64, target: usize, whole: bool) -> Vec<f64> {
    let mut step = nice_step(high - low, target);
    if whole {
        step = step.max(1.0).round();
    }
    let first = (low / step).floor() as i64;
    let last = (high / step).ceil() as i64;
    (first..=last.max(first + 1))
        .map(|i| i as f64 * step)
        .collect()
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The month's short name, and its year under the first label and every January.
fn write_month_labels(out: &mut String, axis: &MonthAxis, y: f64, label_width: f64) {
    let step = axis.label_step(label_width);
    for i in (0..axis.count).step_by(step) {
        let month = axis.first.offset(i as i32);
        let x = axis.x(i);
        let name = MONTH_NAMES[(month.month() as usize + 11) % 12];
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{name}</text>"
        );
        if i == 0 || month.month() <= step as u32 {
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y + 13.0,
                month.year()
            );
        }
    }
}

fn write_y_axis(out: &mut String, scale: &ValueScale, ticks: &[f64], left: f64, right: f64) {
    for &t in ticks {
        let y = scale.y(t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{left:.1}\" x2=\"{right:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + 3.5,
            format_number(t)
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left:.1}\" x2=\"{left:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
         <line class=\"axis\" x1=\"{left:.1}\" x2=\"{right:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        scale.top, scale.bottom, scale.bottom, scale.bottom
    );
}

// ------------------------------------------------------------------ new actions chart

/// Stacked bars: new actions per month, one colour per rule.
fn new_actions_chart(b: &Backtest) -> String {
    let (width, height) = (1280.0, 300.0);
    let (left, right, top, bottom) = (56.0, 16.0, 18.0, 44.0);
    let axis = MonthAxis {
        first: b.from,
        count: b.months.len(),
        left,
        width: width - left - right,
    };
    let totals: Vec<usize> = (0..axis.count).map(|m| month_total(b, m)).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let ticks = ticks(0.0, max, 5, true);
    let scale = ValueScale {
        low: 0.0,
        high: *ticks.last().unwrap_or(&1.0),
        top,
        bottom: height - bottom,
    };
    let mut svg = svg_open(width, height, "New actions per rule per month").replacen(
        "<svg ",
        "<svg class=\"wide\" ",
        1,
    );
    write_y_axis(&mut svg, &scale, &ticks, left, width - right);
    let _ = write!(
        svg,
        "<text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" \
         text-anchor=\"middle\">new actions</text>",
        (top + height - bottom) / 2.0
    );
    for (m, total) in totals.iter().enumerate() {
        write_stacked_bar(&mut svg, b, m, &axis, &scale);
        if *total > 0 {
            let _ = write!(
                svg,
                "<text class=\"total\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{total}</text>",
                axis.x(m),
                scale.y(*total as f64) - 4.0
            );
        }
    }
    write_month_labels(&mut svg, &axis, height - bottom + 16.0, 34.0);
    svg.push_str("</svg>");
    svg
}

fn month_total(b: &Backtest, month: usize) -> usize {
    b.summary
        .rules
        .iter()
        .map(|r| r.new_per_month.get(month).copied().unwrap_or(0))
        .sum()
}

fn write_stacked_bar(
    out: &mut String,
    b: &Backtest,
    month: usize,
    axis: &MonthAxis,
    scale: &ValueScale,
) {
    let bar = (axis.band() * 0.7).min(64.0);
    let x = axis.x(month) - bar / 2.0;
    let mut below = 0usize;
    for (r, rule) in b.summary.rules.iter().enumerate() {
        let count = rule.new_per_month.get(month).copied().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let (y_top, y_bottom) = (scale.y((below + count) as f64), scale.y(below as f64));
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" \
             fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"><title>{}, {}: {}</title></rect>",
            y_bottom - y_top,
            rule_colour(r),
            escape(&rule.rule),
            b.from.offset(month as i32),
            plural(count, "new action", "new actions")
        );
        below += count;
    }
}

fn svg_open(width: f64, height: f64, label: &str) -> String {
    format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}\">",
        escape(label)
    )
}

// ------------------------------------------------------------------------- thresholds

/// A number the policy compares a metric with: `metric op value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// The comparison, with the metric on the left.
    pub op: CmpOp,
    /// The number.
    pub value: f64,
}

/// For each metric (by position in the schema), the distinct thresholds the policy compares
/// it with, in rules and grades, in the order first written.
pub fn thresholds(program: &Program) -> Vec<Vec<Threshold>> {
    let mut found = vec![Vec::new(); program.schema.metrics.len()];
    let rules = program
        .rules
        .iter()
        .flat_map(|r| r.applies_to.iter().chain([&r.when]));
    let arms = program
        .grades
        .iter()
        .flat_map(|g| g.arms.iter().filter_map(|a| a.condition.as_ref()));
    for expr in rules.chain(arms) {
        collect_thresholds(expr, &mut found);
    }
    found
}

fn collect_thresholds(expr: &Expr, found: &mut Vec<Vec<Threshold>>) {
    if let ExprKind::Compare(op, a, b) = &expr.kind {
        if let Some((metric, threshold)) = metric_against_number(*op, a, b) {
            if let Some(list) = found.get_mut(metric) {
                if !list.contains(&threshold) {
                    list.push(threshold);
                }
            }
        }
    }
    for child in children(expr) {
        collect_thresholds(child, found);
    }
}

/// `metric op number` or `number op metric`, written with the metric on the left.
fn metric_against_number(op: CmpOp, a: &Expr, b: &Expr) -> Option<(usize, Threshold)> {
    match (&a.kind, &b.kind) {
        (ExprKind::Metric(m), ExprKind::Number(value)) => Some((
            *m,
            Threshold {
                op,
                value: Figure::from(*value).to_f64(),
            },
        )),
        (ExprKind::Number(value), ExprKind::Metric(m)) => Some((
            *m,
            Threshold {
                op: flipped(op),
                value: Figure::from(*value).to_f64(),
            },
        )),
        _ => None,
    }
}

/// The operator with its sides swapped: `a < b` is `b > a`.
fn flipped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::For(x, _) | ExprKind::InKOfN(x, _, _) => {
            vec![x]
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b) => vec![a, b],
        ExprKind::InList(x, items) => std::iter::once(&**x).chain(items).collect(),
        ExprKind::Concerns {
            filter: Some(f), ..
        } => vec![f],
        _ => Vec::new(),
    }
}

/// `< 80%`, `>= 20`.
fn threshold_text(threshold: &Threshold, kind: MetricKind) -> String {
    let unit = if kind == MetricKind::Percent { "%" } else { "" };
    format!(
        "{} {}{unit}",
        threshold.op.symbol(),
        format_number(threshold.value)
    )
}

// ------------------------------------------------------------------------ timelines

/// The subjects to draw: those asked for (once each, in order), or else the subjects with the
/// most new actions (ties by id), at most [`DEFAULT_TIMELINES`].
fn chosen_subjects(b: &Backtest, asked: &[String]) -> Vec<String> {
    if !asked.is_empty() {
        let mut chosen: Vec<String> = Vec::new();
        for s in asked {
            if !chosen.contains(s) {
                chosen.push(s.clone());
            }
        }
        return chosen;
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in b.months.iter().flat_map(|m| &m.actions) {
        if a.status == Status::New {
            *counts.entry(a.action.subject.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    ranked
        .into_iter()
        .take(DEFAULT_TIMELINES)
        .map(|(s, _)| s.to_string())
        .collect()
}

/// An action starting or ending for one subject.
#[derive(Clone, Debug, PartialEq)]
struct Event {
    /// The month's position in the range.
    month: usize,
    /// The rule's position in file order.
    rule: usize,
    /// The rule's id.
    rule_id: String,
    /// `None` when the action started; why it ended otherwise.
    ended: Option<String>,
}

fn subject_events(b: &Backtest, subject: &str) -> Vec<Event> {
    let rule_index: HashMap<&str, usize> = b
        .summary
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rule.as_str(), i))
        .collect();
    let mut events = Vec::new();
    for (m, month) in b.months.iter().enumerate() {
        let started = month
            .actions
            .iter()
            .filter(|a| a.action.subject == subject && a.status == Status::New)
            .map(|a| (a.action.rule.as_str(), None));
        let ended = month
            .resolved
            .iter()
            .filter(|r| r.subject == subject)
            .map(|r| {
                (
                    r.rule.as_str(),
                    Some(reason_words(r.reason, r.replaced_by.as_deref())),
                )
            });
        for (rule, ended) in started.chain(ended) {
            events.push(Event {
                month: m,
                rule: rule_index.get(rule).copied().unwrap_or(0),
                rule_id: rule.to_string(),
                ended,
            });
        }
    }
    events
}

/// How many events fall in the busiest month (at least 1, so the strip always shows).
fn busiest_month(events: &[Event]) -> usize {
    let mut per_month: HashMap<usize, usize> = HashMap::new();
    for e in events {
        *per_month.entry(e.month).or_default() += 1;
    }
    per_month.values().copied().max().unwrap_or(0).max(1)
}

fn write_timelines(
    out: &mut String,
    b: &Backtest,
    program: &Program,
    data: &Dataset,
    asked: &[String],
) {
    out.push_str("<h2>Subjects over time</h2>\n");
    let subjects = chosen_subjects(b, asked);
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
         ended (hover for why).</p>"
    );
    write_legend(out, b);
    let thresholds = thresholds(program);
    out.push_str("<div class=\"subjects\">\n");
    for subject in &subjects {
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
    let _ = writeln!(
        out,
        "<section class=\"subject\" data-subject=\"{0}\">\n<h3>{0}</h3>",
        escape(subject)
    );
    write_episodes(out, &events, b.from);
    if index.is_none() {
        out.push_str("<p class=\"note\">This subject is not in the data.</p>\n");
    }
    out.push_str("<div class=\"metrics\">\n");
    for (m, metric) in program.schema.metrics.iter().enumerate() {
        let values: Vec<Option<f64>> = (0..b.months.len())
            .map(|i| index.and_then(|s| data.metric_value(m, s, b.from.offset(i as i32))))
            .map(|v| v.map(|v| Figure::from(v).to_f64()))
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

/// The subject's actions in the range, one item each: rule, months required, how it ended.
fn write_episodes(out: &mut String, events: &[Event], first: Month) {
    if events.is_empty() {
        out.push_str("<p class=\"note\">No action started or ended in this range.</p>\n");
        return;
    }
    out.push_str("<ul class=\"legend episodes\">");
    for episode in episodes(events) {
        let _ = write!(
            out,
            "<li>{}<code>{}</code>&nbsp;{}</li>",
            swatch(episode.rule),
            escape(episode.rule_id),
            escape(&episode.describe(first))
        );
    }
    out.push_str("</ul>\n");
}

/// One action of a subject, from the month it started (`None`: before the range) to the event
/// that ended it (`None`: still required in the last month).
struct Episode<'a> {
    rule: usize,
    rule_id: &'a str,
    start: Option<usize>,
    end: Option<&'a Event>,
}

impl Episode<'_> {
    /// "2026-07 to 2026-08: replaced by third_month", "in 2026-09: no longer holds",
    /// "from 2026-10, still required".
    fn describe(&self, first: Month) -> String {
        let month = |i: usize| first.offset(i as i32).to_string();
        let start = self.start.map_or("before the range".to_string(), month);
        let Some(end) = self.end else {
            return format!("from {start}, still required");
        };
        let why = end.ended.as_deref().unwrap_or_default();
        match end.month.checked_sub(1) {
            Some(last) if self.start == Some(last) => format!("in {start}: {why}"),
            Some(last) => format!("{start} to {}: {why}", month(last)),
            None => format!("before the range: {why}"),
        }
    }
}

fn episodes(events: &[Event]) -> Vec<Episode<'_>> {
    let mut list: Vec<Episode> = Vec::new();
    for e in events {
        let open = list
            .iter_mut()
            .find(|p| p.rule_id == e.rule_id && p.end.is_none());
        match (&e.ended, open) {
            (None, _) => list.push(Episode {
                rule: e.rule,
                rule_id: &e.rule_id,
                start: Some(e.month),
                end: None,
            }),
            (Some(_), Some(open)) => open.end = Some(e),
            (Some(_), None) => list.push(Episode {
                rule: e.rule,
                rule_id: &e.rule_id,
                start: None,
                end: Some(e),
            }),
        }
    }
    list
}

/// One metric of one subject over the range.
struct Timeline<'a> {
    metric: &'a MetricDef,
    first: Month,
    values: &'a [Option<f64>],
    thresholds: &'a [Threshold],
    events: &'a [Event],
}

const TIMELINE_WIDTH: f64 = 420.0;
const PLOT_HEIGHT: f64 = 130.0;
const EVENT_ROW: f64 = 13.0;
const LABEL_GAP: f64 = 11.0;

impl Timeline<'_> {
    fn svg(&self) -> String {
        let (left, right, top) = (46.0, 50.0, 10.0);
        let strip = busiest_month(self.events) as f64 * EVENT_ROW + 6.0;
        let height = top + PLOT_HEIGHT + strip + 34.0;
        let axis = MonthAxis {
            first: self.first,
            count: self.values.len(),
            left,
            width: TIMELINE_WIDTH - left - right,
        };
        let (low, high) = self.domain();
        let ticks = ticks(low, high, 4, self.metric.kind == MetricKind::Count);
        let scale = ValueScale {
            low: ticks.first().copied().unwrap_or(low),
            high: ticks.last().copied().unwrap_or(high),
            top,
            bottom: top + PLOT_HEIGHT,
        };
        let mut svg = svg_open(
            TIMELINE_WIDTH,
            height,
            &format!("{} over time", self.metric.id),
        );
        write_y_axis(&mut svg, &scale, &ticks, left, TIMELINE_WIDTH - right);
        self.write_event_lines(&mut svg, &axis, &scale);
        self.write_thresholds(&mut svg, &scale, left, TIMELINE_WIDTH - right);
        self.write_series(&mut svg, &axis, &scale);
        if self.values.iter().all(Option::is_none) {
            let _ = write!(
                svg,
                "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no values in this range</text>",
                left + axis.width / 2.0,
                top + PLOT_HEIGHT * 0.35
            );
        }
        self.write_event_strip(&mut svg, &axis, scale.bottom, strip);
        write_month_labels(&mut svg, &axis, scale.bottom + strip + 13.0, 26.0);
        svg.push_str("</svg>");
        svg
    }

    /// The values' range: 0 to 100 for percentages; otherwise the values and thresholds
    /// with a margin (never below 0 when nothing is).
    fn domain(&self) -> (f64, f64) {
        if self.metric.kind == MetricKind::Percent {
            return (0.0, 100.0);
        }
        let all: Vec<f64> = self
            .values
            .iter()
            .flatten()
            .copied()
            .chain(self.thresholds.iter().map(|t| t.value))
            .filter(|v| v.is_finite())
            .collect();
        let Some(low) = all.iter().copied().reduce(f64::min) else {
            return (0.0, 1.0);
        };
        let high = all.iter().copied().fold(low, f64::max);
        let margin = match high - low {
            span if span > 0.0 => span * 0.1,
            _ => low.abs().max(1.0) * 0.1,
        };
        let bottom = match low >= 0.0 && low - margin < 0.0 {
            true => 0.0,
            false => low - margin,
        };
        (bottom, high + margin)
    }

    fn write_series(&self, out: &mut String, axis: &MonthAxis, scale: &ValueScale) {
        let path = line_path(&segments(self.values), |i| axis.x(i), |v| scale.y(v));
        let _ = write!(out, "<path class=\"series\" d=\"{path}\"/>");
        let unit = if self.metric.kind == MetricKind::Percent {
            "%"
        } else {
            ""
        };
        for (i, value) in self.values.iter().enumerate() {
            if let Some(v) = value {
                let _ = write!(
                    out,
                    "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\"><title>{}: {}{unit}</title></circle>",
                    axis.x(i),
                    scale.y(*v),
                    self.first.offset(i as i32),
                    format_number(*v)
                );
            }
        }
    }

    /// Dashed lines, one per threshold value, labelled in the right margin with the
    /// comparisons made with it.
    fn write_thresholds(&self, out: &mut String, scale: &ValueScale, left: f64, right: f64) {
        let mut labels: Vec<(f64, String)> = Vec::new();
        for (value, texts) in self.thresholds_by_value() {
            if !scale.contains(value) {
                continue;
            }
            let y = scale.y(value);
            let _ = write!(
                out,
                "<line class=\"threshold\" x1=\"{left:.1}\" x2=\"{right:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\">\
                 <title>threshold: {}</title></line>",
                escape(&texts.join(", "))
            );
            let middle = (texts.len() as f64 - 1.0) / 2.0;
            for (k, text) in texts.into_iter().enumerate() {
                labels.push((y + 3.5 + (k as f64 - middle) * LABEL_GAP, text));
            }
        }
        labels.sort_by(|a, b| a.0.total_cmp(&b.0));
        spread(&mut labels, LABEL_GAP);
        for (y, text) in labels {
            let _ = write!(
                out,
                "<text class=\"threshold-label\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
                right + 4.0,
                escape(&text)
            );
        }
    }

    /// The thresholds grouped by value: each value with its comparisons (`< 80%`, `>= 80%`).
    fn thresholds_by_value(&self) -> Vec<(f64, Vec<String>)> {
        let mut groups: Vec<(f64, Vec<String>)> = Vec::new();
        for t in self.thresholds {
            let text = threshold_text(t, self.metric.kind);
            match groups.iter_mut().find(|(v, _)| *v == t.value) {
                Some((_, texts)) => texts.push(text),
                None => groups.push((t.value, vec![text])),
            }
        }
        groups
    }

    /// Faint vertical lines through the plot where actions started.
    fn write_event_lines(&self, out: &mut String, axis: &MonthAxis, scale: &ValueScale) {
        for e in self.events.iter().filter(|e| e.ended.is_none()) {
            let x = axis.x(e.month);
            let _ = write!(
                out,
                "<line class=\"event-line\" stroke=\"{}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                rule_colour(e.rule),
                scale.top,
                scale.bottom
            );
        }
    }

    /// The band under the plot: a triangle where an action started, a ring where it ended,
    /// stacked when a month has several.
    fn write_event_strip(&self, out: &mut String, axis: &MonthAxis, top: f64, height: f64) {
        let _ = write!(
            out,
            "<rect class=\"strip\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\"/>\
             <text class=\"strip-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">actions</text>",
            axis.left,
            top + 1.0,
            axis.width,
            axis.left - 6.0,
            top + 13.0
        );
        let mut row: HashMap<usize, usize> = HashMap::new();
        for e in self.events {
            let slot = row.entry(e.month).or_default();
            let y = top + 4.0 + EVENT_ROW * (*slot as f64 + 0.5);
            *slot += 1;
            write_marker(out, e, axis.x(e.month), y, self.first);
        }
    }
}

/// Moves labels (sorted by y) down so that none is closer than `gap` to the one above.
fn spread(labels: &mut [(f64, String)], gap: f64) {
    for i in 1..labels.len() {
        let lowest = labels[i - 1].0 + gap;
        if labels[i].0 < lowest {
            labels[i].0 = lowest;
        }
    }
}

fn write_marker(out: &mut String, e: &Event, x: f64, y: f64, first: Month) {
    let month = first.offset(e.month as i32);
    let colour = rule_colour(e.rule);
    let rule = escape(&e.rule_id);
    match &e.ended {
        None => {
            let _ = write!(
                out,
                "<path class=\"marker started\" fill=\"{colour}\" d=\"M{:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z\">\
                 <title>{rule} started {month}</title></path>",
                x,
                y - 5.0,
                x + 5.0,
                y + 4.0,
                x - 5.0,
                y + 4.0
            );
        }
        Some(why) => {
            let _ = write!(
                out,
                "<g><title>{rule} ended {month}: {}</title>\
                 <circle class=\"ring\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5.3\"/>\
                 <circle class=\"ended\" style=\"stroke:{colour}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.8\"/></g>",
                escape(why)
            );
        }
    }
}

/// The runs of consecutive present values, as (position, value) pairs: a missing value ends
/// a run, so no line is drawn across it.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current: Vec<(usize, f64)> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// SVG path data drawing each run as its own line (`M` starts a run, `L` continues it).
fn line_path(
    runs: &[Vec<(usize, f64)>],
    x: impl Fn(usize) -> f64,
    y: impl Fn(f64) -> f64,
) -> String {
    let mut d = String::new();
    for run in runs {
        for (k, (i, v)) in run.iter().enumerate() {
            let command = if k == 0 { 'M' } else { 'L' };
            let _ = write!(d, "{command}{:.1},{:.1}", x(*i), y(*v));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<script>alert('x & "y"')</script>"#),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn backquoted_words_become_code() {
        assert_eq!(code_spans("a `b<c` d"), "a <code>b&lt;c</code> d");
        assert_eq!(code_spans("odd ` quote"), "odd ` quote");
    }

    #[test]
    fn a_missing_value_splits_the_line() {
        let runs = segments(&[Some(1.0), None, Some(3.0)]);
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 3.0)]]);
        let d = line_path(&runs, |i| i as f64 * 10.0, |v| v);
        assert_eq!(d, "M0.0,1.0M20.0,3.0");
        assert!(
            !d.contains('L'),
            "no segment joins the values around the gap"
        );
    }

    #[test]
    fn present_values_join_up() {
        let runs = segments(&[None, Some(1.0), Some(2.0), None, Some(4.0), Some(5.0)]);
        let d = line_path(&runs, |i| i as f64, |v| v);
        assert_eq!(d, "M1.0,1.0L2.0,2.0M4.0,4.0L5.0,5.0");
        assert!(segments(&[None, None]).is_empty());
        assert!(segments(&[]).is_empty());
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 100.0, 5, false),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(ticks(0.0, 1.0, 5, true), vec![0.0, 1.0]);
        assert_eq!(ticks(0.0, 7.0, 5, true), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let t = ticks(1.6, 2.7, 4, false);
        assert!(t[0] <= 1.6 && *t.last().unwrap() >= 2.7);
        assert_eq!(ticks(5.0, 5.0, 4, false).len(), 2);
    }

    #[test]
    fn month_axis_places_one_month_in_the_middle() {
        let axis = MonthAxis {
            first: "2026-01".parse().unwrap(),
            count: 1,
            left: 10.0,
            width: 100.0,
        };
        assert_eq!(axis.x(0), 60.0);
        let empty = MonthAxis { count: 0, ..axis };
        assert!(empty.band().is_finite());
    }

    fn threshold(op: CmpOp, value: f64) -> Threshold {
        Threshold { op, value }
    }

    #[test]
    fn thresholds_are_found_inside_for_in_k_of_n_and_not() {
        let policy = crate::policy::Policy::parse(
            "t.policy",
            r#"policy "T"
role ops "Ops"
metric rate "Rate" percent, higher is better
metric calls "Calls" count
metric speed "Speed" number
rule a "A" {
  when (rate < 80% and calls >= 20) for 2 consecutive months
  severity low
  require "x"
  owner ops
  due 5 working days
}
rule b "B" {
  when not (20 > calls) and speed < 2 in 3 of the last 4 months or rate < 80%
  severity low
  require "x"
  owner ops
  due 5 working days
}
"#,
        )
        .unwrap_or_else(|e| panic!("{}", e.render(false)));
        let found = thresholds(policy.program());
        assert_eq!(found[0], vec![threshold(CmpOp::Lt, 80.0)]);
        assert_eq!(
            found[1],
            vec![threshold(CmpOp::Ge, 20.0), threshold(CmpOp::Lt, 20.0)]
        );
        assert_eq!(found[2], vec![threshold(CmpOp::Lt, 2.0)]);
    }

    #[test]
    fn thresholds_are_written_with_the_metric_on_the_left() {
        assert_eq!(flipped(CmpOp::Le), CmpOp::Ge);
        assert_eq!(
            threshold_text(
                &Threshold {
                    op: CmpOp::Lt,
                    value: 80.0
                },
                MetricKind::Percent
            ),
            "< 80%"
        );
    }
}

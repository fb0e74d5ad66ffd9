//! The SVG charts: month axes and value scales, stacked bars of counts per month, a metric's
//! timeline with its thresholds and the actions that started and ended, and a subject's cases
//! as bars over the months they were open.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::analysis::{busiest_month, threshold_text, CaseRow, Event, Threshold};
use super::{case_kind_colour, escape, plural, rule_colour};
use crate::month::Month;
use crate::report::format_float as format_number;
use crate::schema::{MetricDef, MetricKind};

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

// ------------------------------------------------------------------ stacked bar charts

/// One series of a stacked bar chart: a count per month.
pub(super) struct Series<'a> {
    /// Its name, in tooltips.
    pub name: &'a str,
    /// Its colour.
    pub colour: &'a str,
    /// Its count in each month of the range.
    pub values: &'a [usize],
}

/// Counts per month as stacked bars, one colour per series, each month's total above its
/// bar, across the page's width.
pub(super) struct StackedBars<'a> {
    /// What the chart shows, for screen readers.
    pub label: &'a str,
    /// The y axis's title.
    pub axis_title: &'a str,
    /// The range's first month.
    pub first: Month,
    /// How many months.
    pub months: usize,
    /// The chart's height.
    pub height: f64,
    /// The series, bottom to top.
    pub series: Vec<Series<'a>>,
    /// What is counted, in the singular and plural, for tooltips.
    pub unit: (&'a str, &'a str),
}

impl StackedBars<'_> {
    /// The chart as an SVG element.
    pub fn svg(&self) -> String {
        let (width, height) = (1280.0, self.height);
        let (left, right, top, bottom) = (56.0, 16.0, 18.0, 44.0);
        let axis = MonthAxis {
            first: self.first,
            count: self.months,
            left,
            width: width - left - right,
        };
        let totals: Vec<usize> = (0..axis.count).map(|m| self.total(m)).collect();
        let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
        let ticks = ticks(0.0, max, 5, true);
        let scale = ValueScale {
            low: 0.0,
            high: *ticks.last().unwrap_or(&1.0),
            top,
            bottom: height - bottom,
        };
        let mut svg =
            svg_open(width, height, self.label).replacen("<svg ", "<svg class=\"wide\" ", 1);
        write_y_axis(&mut svg, &scale, &ticks, left, width - right);
        let _ = write!(
            svg,
            "<text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" \
             text-anchor=\"middle\">{}</text>",
            (top + height - bottom) / 2.0,
            escape(self.axis_title)
        );
        for (m, total) in totals.iter().enumerate() {
            self.write_bar(&mut svg, m, &axis, &scale);
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

    fn total(&self, month: usize) -> usize {
        self.series
            .iter()
            .map(|s| s.values.get(month).copied().unwrap_or(0))
            .sum()
    }

    fn write_bar(&self, out: &mut String, month: usize, axis: &MonthAxis, scale: &ValueScale) {
        let bar = (axis.band() * 0.7).min(64.0);
        let x = axis.x(month) - bar / 2.0;
        let mut below = 0usize;
        for series in &self.series {
            let count = series.values.get(month).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let (y_top, y_bottom) = (scale.y((below + count) as f64), scale.y(below as f64));
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" \
                 fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"><title>{}, {}: {}</title></rect>",
                y_bottom - y_top,
                series.colour,
                escape(series.name),
                self.first.offset(month as i32),
                plural(count, self.unit.0, self.unit.1)
            );
            below += count;
        }
    }
}

fn svg_open(width: f64, height: f64, label: &str) -> String {
    format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}\">",
        escape(label)
    )
}

/// One metric of one subject over the range.
pub(super) struct Timeline<'a> {
    /// The metric.
    pub metric: &'a MetricDef,
    /// The range's first month.
    pub first: Month,
    /// Its value in each month of the range.
    pub values: &'a [Option<f64>],
    /// The thresholds the policy compares it with.
    pub thresholds: &'a [Threshold],
    /// The subject's actions starting and ending.
    pub events: &'a [Event],
}

const TIMELINE_WIDTH: f64 = 420.0;
const PLOT_HEIGHT: f64 = 130.0;
const EVENT_ROW: f64 = 16.0;
const LABEL_GAP: f64 = 11.0;
/// Space between the plot and the strip of action markers, so that the lowest value on the
/// axis and the strip's title do not touch.
const STRIP_GAP: f64 = 8.0;

impl Timeline<'_> {
    /// The chart as an SVG element.
    pub fn svg(&self) -> String {
        let (left, right, top) = (46.0, 50.0, 10.0);
        let strip = busiest_month(self.events) as f64 * EVENT_ROW + 6.0;
        let height = top + PLOT_HEIGHT + STRIP_GAP + strip + 34.0;
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
        let strip_top = scale.bottom + STRIP_GAP;
        self.write_event_strip(&mut svg, &axis, strip_top, strip);
        write_month_labels(&mut svg, &axis, strip_top + strip + 13.0, 26.0);
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
    let rule = escape(&e.action());
    match &e.ended {
        None => {
            let _ = write!(
                out,
                "<path class=\"marker started\" fill=\"{colour}\" d=\"M{:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z\">\
                 <title>{rule} started {month}</title></path>",
                x,
                y - 6.5,
                x + 6.5,
                y + 5.0,
                x - 6.5,
                y + 5.0
            );
        }
        Some(why) => {
            let _ = write!(
                out,
                "<g><title>{rule} ended {month}: {}</title>\
                 <circle class=\"ring\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6.6\"/>\
                 <circle class=\"ended\" style=\"stroke:{colour}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.8\"/></g>",
                escape(why)
            );
        }
    }
}

// ----------------------------------------------------------------------- case timeline

const CASE_ROW: f64 = 24.0;
const CASE_LABELS: f64 = 120.0;

/// A subject's cases over the range: one row per case with a bar over the months it was open
/// and the markers of its actions; then, when some action is not of a case, a row for the
/// subject's own actions.
pub(super) struct CaseTimeline<'a> {
    /// The range's first month.
    pub first: Month,
    /// How many months.
    pub months: usize,
    /// The subject's cases open in the range.
    pub cases: &'a [CaseRow],
    /// The subject's actions starting and ending.
    pub events: &'a [Event],
}

impl CaseTimeline<'_> {
    /// The chart as an SVG element.
    pub fn svg(&self) -> String {
        let subject_row = self.events.iter().any(|e| e.case.is_none());
        let rows = self.cases.len() + usize::from(subject_row);
        let (width, top) = (1280.0, 4.0);
        let height = top + rows as f64 * CASE_ROW + 32.0;
        let axis = MonthAxis {
            first: self.first,
            count: self.months,
            left: CASE_LABELS,
            width: width - CASE_LABELS - 16.0,
        };
        let mut svg =
            svg_open(width, height, "Cases over time").replacen("<svg ", "<svg class=\"wide\" ", 1);
        for (r, case) in self.cases.iter().enumerate() {
            let y = top + r as f64 * CASE_ROW;
            self.write_row_label(&mut svg, &case.id, y);
            write_case_bars(&mut svg, case, &axis, y);
            self.write_markers(&mut svg, &axis, y, Some(&case.id));
        }
        if subject_row {
            let y = top + self.cases.len() as f64 * CASE_ROW;
            self.write_row_label(&mut svg, "not in a case", y);
            self.write_markers(&mut svg, &axis, y, None);
        }
        write_month_labels(&mut svg, &axis, top + rows as f64 * CASE_ROW + 13.0, 34.0);
        svg.push_str("</svg>");
        svg
    }

    fn write_row_label(&self, out: &mut String, label: &str, y: f64) {
        let _ = write!(
            out,
            "<rect class=\"strip\" x=\"{CASE_LABELS:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            y + 2.0,
            1280.0 - CASE_LABELS - 16.0,
            CASE_ROW - 4.0,
            CASE_LABELS - 8.0,
            y + CASE_ROW / 2.0 + 4.0,
            escape(label)
        );
    }

    /// The markers of the actions of `case` (or of no case), side by side within a month.
    fn write_markers(&self, out: &mut String, axis: &MonthAxis, y: f64, case: Option<&str>) {
        let mut slot: HashMap<usize, usize> = HashMap::new();
        for e in self.events.iter().filter(|e| e.case.as_deref() == case) {
            let n = slot.entry(e.month).or_default();
            let x = axis.x(e.month) + (*n as f64 - 0.5) * 12.0 + 6.0;
            *n += 1;
            write_marker(out, e, x, y + CASE_ROW / 2.0, self.first);
        }
    }
}

/// One bar per run of months the case was open, with its dates in the tooltip.
fn write_case_bars(out: &mut String, case: &CaseRow, axis: &MonthAxis, y: f64) {
    let closed = case
        .closed_on
        .map_or("still open".to_string(), |d| format!("closed {d}"));
    let mut m = 0;
    while m < case.open.len() {
        if !case.open[m] {
            m += 1;
            continue;
        }
        let start = m;
        while m < case.open.len() && case.open[m] {
            m += 1;
        }
        let x = axis.left + axis.band() * start as f64;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" \
             fill=\"{}\" fill-opacity=\"0.35\"><title>case {}: opened {}, {closed}</title></rect>",
            y + 5.0,
            axis.band() * (m - start) as f64,
            CASE_ROW - 10.0,
            case_kind_colour(case.kind),
            escape(&case.id),
            case.opened_on
        );
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
}

//! The performance file: monthly figures per subject, wide or long.

use std::borrow::Cow;
use std::sync::Arc;

use super::cell::{
    kind_allows, parse_metric_bytes, parse_month, power_of_ten, quick_figure, quick_month,
    same_bytes, Expect, Problem,
};
use super::error::{DataError, DataErrorKind, DataWarning, DataWarningKind};
use super::store::DatasetBuilder;
use super::summary::Layout;
use super::table::{
    cell_bytes, cell_text, normalise_heading, plain_shape, trimmed_text, Cook, Cooked, Ctx,
    Handler, Header, Needed, Outcome, Row, ABSENT,
};
use super::SubjectIndex;
use crate::month::Month;
use crate::number::Packed;
use crate::schema::{MetricKind, Schema};

/// At most this many metric names of a long file are remembered (see
/// [`PerformanceHandler::metric_index`]).
const MAX_METRIC_NAMES: usize = 32;

/// Which columns hold what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    Wide {
        subject: usize,
        period: usize,
        /// The column of each declared metric, in schema order.
        metrics: Vec<usize>,
    },
    Long {
        subject: usize,
        period: usize,
        metric: usize,
        value: usize,
    },
}

fn subject_help() -> String {
    "add a column headed `subject`, holding each subject's id (such as a clinician's or \
     practice's code)"
        .into()
}

fn period_help() -> String {
    "add a column headed `period`, holding the month of each figure, such as `2026-10`".into()
}

/// Decides the layout from the header and finds the columns; reports what is missing.
pub(crate) fn plan(schema: &Schema, header: &Header, ctx: &mut Ctx) -> Option<Plan> {
    let declared: Vec<String> = schema
        .metrics
        .iter()
        .map(|m| normalise_heading(&m.id))
        .collect();
    let long = header.has("metric")
        && header.has("value")
        && !declared.iter().any(|name| header.has(name));
    let plan = if long {
        ctx.summary.layout = Some(Layout::Long);
        let needed = [
            Needed::new("subject", subject_help()),
            Needed::new("period", period_help()),
            Needed::new("metric", ""),
            Needed::new("value", ""),
        ];
        let found = ctx.require_columns_or_absent(header, &needed);
        Plan::Long {
            subject: found[0],
            period: found[1],
            metric: found[2],
            value: found[3],
        }
    } else {
        ctx.summary.layout = Some(Layout::Wide);
        let mut needed = vec![
            Needed::new("subject", subject_help()),
            Needed::new("period", period_help()),
        ];
        for metric in &schema.metrics {
            let why = format!(
                "the policy declares the metric `{}` ({})",
                metric.id, metric.description
            );
            needed.push(
                Needed::new(normalise_heading(&metric.id), why).otherwise(format!(
                    ", so the file needs a column headed `{}`; or write the figures one per row \
                 with the columns `subject,period,metric,value`",
                    metric.id
                )),
            );
        }
        let found = ctx.require_columns_or_absent(header, &needed);
        Plan::Wide {
            subject: found[0],
            period: found[1],
            metrics: found[2..].to_vec(),
        }
    };
    let used: Vec<usize> = match &plan {
        Plan::Wide {
            subject,
            period,
            metrics,
        } => [*subject, *period].iter().chain(metrics).copied().collect(),
        Plan::Long {
            subject,
            period,
            metric,
            value,
        } => vec![*subject, *period, *metric, *value],
    };
    ctx.note_unused(&used);
    Some(plan)
}

/// Reads performance rows into a dataset.
pub(crate) struct PerformanceHandler<'a> {
    schema: &'a Schema,
    data: &'a mut DatasetBuilder,
    pub plan: Option<Plan>,
    /// The last subject stored, whose rows usually come together.
    last_subject: Vec<u8>,
    last_index: Option<SubjectIndex>,
    /// The metric names met in a long file, as written, each with its index or why its rows
    /// are left out (a few names, which long files usually cycle through row by row).
    metric_names: Vec<(String, Result<usize, Arc<str>>)>,
    values: Vec<Packed>,
    /// For each metric, what its figures looked like so far (see [`FractionTally`]).
    fractions: Vec<FractionTally>,
    /// Metrics named in a long file that the policy does not declare: the name as first
    /// written (lower case as key), how many rows, and the first row's site.
    undeclared: Vec<(String, usize, Box<super::error::Site>)>,
    /// Whether the last group of cooked long rows was taken (see [`CookedRow::Joined`]).
    group_taken: bool,
}

/// At most this many columns, and metric names of a long file's rows, that the policy does not
/// declare are warned about, one warning each (the summary lists them all).
const MAX_UNDECLARED_WARNINGS: usize = 20;

/// Whether a percent metric's figures could all be fractions: none above 1, and some
/// strictly between 0 and 1 (as Excel exports a column formatted as a percentage).
#[derive(Clone, Copy, Debug, Default)]
struct FractionTally {
    /// The column (wide layout) the figures came from.
    field: Option<usize>,
    above_one: bool,
    between: bool,
}

impl FractionTally {
    #[inline]
    fn note(&mut self, value: Packed) {
        if self.above_one {
            return;
        }
        if let Some((mantissa, scale)) = value.parts() {
            // The figure is `mantissa / one`.
            let (mantissa, one) = (i128::from(mantissa), power_of_ten(scale));
            if mantissa > one {
                self.above_one = true;
            } else if mantissa > 0 && mantissa < one {
                self.between = true;
            }
        }
    }

    fn looks_like_fractions(&self) -> bool {
        self.between && !self.above_one
    }
}

/// A row's subject: the one stored last, or a new id.
enum SubjectCell<'r> {
    Last(SubjectIndex),
    New(&'r str),
}

impl<'a> PerformanceHandler<'a> {
    pub fn new(schema: &'a Schema, data: &'a mut DatasetBuilder) -> Self {
        PerformanceHandler {
            schema,
            data,
            plan: None,
            last_subject: Vec::new(),
            last_index: None,
            metric_names: Vec::new(),
            values: Vec::new(),
            fractions: vec![FractionTally::default(); schema.metrics.len()],
            undeclared: Vec::new(),
            group_taken: false,
        }
    }

    /// Adds the warnings about the whole file to the dataset: percent metrics whose figures
    /// all look like fractions, and metrics named in rows that the policy does not declare.
    pub fn finish(&mut self, ctx: &Ctx) {
        for (metric, tally) in self.schema.metrics.iter().zip(&self.fractions) {
            let absent = tally.field == Some(ABSENT);
            if metric.kind != MetricKind::Percent || !tally.looks_like_fractions() || absent {
                continue;
            }
            let mut at = ctx.site(tally.field);
            if let Some(location) = at.location.as_mut() {
                location.line = ctx.header_line.max(1);
            }
            at.anchor = super::error::Anchor::None;
            at.help = Some(format!(
                "a percentage is written from 0 to 100: `78` or `78%` for 78%, not `0.78`; in \
                 the spreadsheet, multiply the `{}` figures by 100 (or format the column as a \
                 plain number showing 78) and save the file again",
                metric.id
            ));
            let kind = DataWarningKind::PercentAsFractions {
                path: ctx.path.clone(),
                metric: metric.id.clone(),
            };
            self.data.warnings.push(DataWarning::new(kind, at));
        }
        for (metric, rows, at) in std::mem::take(&mut self.undeclared) {
            let kind = DataWarningKind::UndeclaredMetric {
                path: ctx.path.clone(),
                metric,
                rows,
            };
            self.data.warnings.push(DataWarning::new(kind, at));
        }
    }

    /// A name from the file as quoted in a message: at most 80 characters.
    fn quoted_name(name: &str) -> Cow<'_, str> {
        match name.char_indices().nth(80) {
            Some((cut, _)) => Cow::Owned(format!("{}…", &name[..cut])),
            None => Cow::Borrowed(name),
        }
    }

    /// The help for a column or metric name the policy does not declare.
    fn undeclared_help(&self, name: &str, what: &str) -> String {
        let name = &Self::quoted_name(name);
        let declared: Vec<&str> = self.schema.metrics.iter().map(|m| m.id.as_str()).collect();
        match crate::suggest::closest(&name.to_ascii_lowercase(), declared.iter().copied()) {
            Some(best) => format!(
                "did you mean `{best}`? rename the {what} to `{best}` so its figures are read, or \
                 declare a metric `{name}` in the policy"
            ),
            None if declared.is_empty() => format!(
                "the policy declares no metrics; declare `{name}` in the policy to use its \
                 figures, or remove the {what} to silence this warning"
            ),
            None => format!(
                "the policy's metrics are {}; declare `{name}` in the policy to use its figures, \
                 or remove the {what} to silence this warning",
                crate::suggest::quoted_list(&declared).replace("` or `", "` and `")
            ),
        }
    }

    /// Warns about the header's columns that are not read (wide: anything but `subject`,
    /// `period` and the declared metrics; long: anything but the four columns).
    fn warn_unused_columns(&mut self, ctx: &Ctx) {
        let used: Vec<usize> = match &self.plan {
            Some(Plan::Wide {
                subject,
                period,
                metrics,
            }) => [*subject, *period].iter().chain(metrics).copied().collect(),
            Some(Plan::Long {
                subject,
                period,
                metric,
                value,
            }) => vec![*subject, *period, *metric, *value],
            None => return,
        };
        let unused = ctx
            .columns
            .iter()
            .enumerate()
            .filter(|(field, column)| !used.contains(field) && !column.is_empty());
        for (field, column) in unused.take(MAX_UNDECLARED_WARNINGS) {
            let mut at = ctx.site(Some(field));
            at.anchor = super::error::Anchor::None;
            at.help = Some(self.undeclared_help(column, "column"));
            let kind = DataWarningKind::UndeclaredColumn {
                path: ctx.path.clone(),
                column: Self::quoted_name(column).into_owned(),
            };
            self.data.warnings.push(DataWarning::new(kind, at));
        }
    }

    /// The subject's id, reporting an empty one.
    #[inline]
    fn subject<'r, R: Row + ?Sized>(
        &self,
        row: &'r R,
        field: usize,
        ctx: &mut Ctx,
    ) -> Option<SubjectCell<'r>> {
        if let Some(index) = self.last_index {
            if cell_bytes(row, field) == self.last_subject.as_slice() {
                return Some(SubjectCell::Last(index));
            }
        }
        match cell_text(row, field, ctx) {
            Ok("") => {
                ctx.missing(
                    field,
                    "every row needs the id of the subject it is about".into(),
                );
                None
            }
            Ok(text) if ctx.id_ok(field, text) => Some(SubjectCell::New(text)),
            Ok(_) | Err(()) => None,
        }
    }

    /// The index of a row's subject, adding it if new.
    #[inline]
    fn intern(&mut self, subject: SubjectCell<'_>) -> SubjectIndex {
        match subject {
            SubjectCell::Last(index) => index,
            SubjectCell::New(id) => {
                let index = self.data.add_subject(id);
                self.last_subject.clear();
                self.last_subject.extend_from_slice(id.as_bytes());
                self.last_index = Some(index);
                index
            }
        }
    }

    fn subject_id(&self, index: SubjectIndex) -> String {
        self.data.subject_id(index).to_string()
    }

    #[inline]
    fn month<R: Row + ?Sized>(&mut self, row: &R, field: usize, ctx: &mut Ctx) -> Option<Month> {
        if let Some(month) = quick_month(cell_bytes(row, field)) {
            return Some(month);
        }
        let text = cell_text(row, field, ctx).ok()?;
        if text.is_empty() {
            ctx.missing(
                field,
                "every row needs the month its figures are for, such as `2026-10`".into(),
            );
            return None;
        }
        match parse_month(text) {
            Ok(month) => Some(month),
            Err(problem) => {
                ctx.problem(field, problem, text, Expect::Month);
                None
            }
        }
    }

    /// A metric's value from its cell: [`Packed::MISSING`] when empty, `None` (after
    /// reporting) when bad.
    #[inline]
    fn value<R: Row + ?Sized>(
        row: &R,
        field: usize,
        kind: MetricKind,
        ctx: &mut Ctx,
    ) -> Option<Packed> {
        let bytes = cell_bytes(row, field);
        if bytes.is_empty() {
            return Some(Packed::MISSING);
        }
        let parsed = parse_metric_bytes(kind, bytes).and_then(|value| match value {
            Some(value) => Packed::new(value).ok_or(Problem::TooManyDigits),
            None => Ok(Packed::MISSING),
        });
        match parsed {
            Ok(packed) => Some(packed),
            Err(problem) => {
                let text = String::from_utf8_lossy(bytes);
                ctx.problem(field, problem, text.trim(), Expect::Metric(kind));
                None
            }
        }
    }

    /// The index of a metric named in a long file, or why rows naming it are left out.
    #[inline]
    fn metric_index(&mut self, name: &str) -> Result<usize, Arc<str>> {
        if let Some((_, found)) = self.metric_names.iter().find(|(n, _)| n == name) {
            return found.clone();
        }
        let found = self
            .schema
            .metrics
            .iter()
            .position(|m| m.id.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Arc::from(format!(
                    "rows for `{name}`, which is not a metric of this policy"
                ))
            });
        // Bounded, should a file hold many different names.
        if self.metric_names.len() >= MAX_METRIC_NAMES {
            self.metric_names.clear();
        }
        self.metric_names.push((name.to_string(), found.clone()));
        found
    }

    /// Counts a row naming a metric the policy does not declare (warned about at the end).
    fn note_undeclared(&mut self, name: &str, field: usize, ctx: &Ctx) {
        if self.count_undeclared(name) {
            return;
        }
        // One warning per name, for the first few names: a file of many stray names is
        // described well enough by them (and by the summary, which counts every row).
        if self.undeclared.len() >= MAX_UNDECLARED_WARNINGS {
            return;
        }
        let mut at = ctx.site(Some(field));
        at.help = Some(self.undeclared_help(name, "metric in those rows"));
        self.undeclared
            .push((Self::quoted_name(name).into_owned(), 1, at));
    }

    /// Counts a row naming an undeclared metric already met; false for a new name.
    fn count_undeclared(&mut self, name: &str) -> bool {
        let quoted = Self::quoted_name(name);
        match self
            .undeclared
            .iter_mut()
            .find(|(n, ..)| n.eq_ignore_ascii_case(&quoted))
        {
            Some(entry) => {
                entry.1 += 1;
                true
            }
            None => false,
        }
    }

    fn duplicate(
        &self,
        subject: SubjectIndex,
        month: Month,
        metrics: &[usize],
        fields: &[usize],
        ctx: &mut Ctx,
    ) {
        let names: Vec<String> = metrics
            .iter()
            .map(|&m| self.schema.metrics[m].id.clone())
            .collect();
        let subject = self.subject_id(subject);
        ctx.report(fields.first().copied(), |mut at| {
            at.label = Some("second value".into());
            at.help = Some(
                "a subject can have only one figure for each metric and month; keep one of the \
                 two rows"
                    .into(),
            );
            DataError::new(
                DataErrorKind::DuplicateValue {
                    subject,
                    metrics: names,
                    month,
                    first_line: None,
                },
                at,
            )
        });
    }

    #[inline]
    fn wide<R: Row + ?Sized>(
        &mut self,
        row: &R,
        ctx: &mut Ctx,
        subject_field: usize,
        period_field: usize,
        columns: &[usize],
    ) -> Outcome {
        let subject = self.subject(row, subject_field, ctx);
        let month = self.month(row, period_field, ctx);
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        let mut ok = true;
        for (metric, &field) in self.schema.metrics.iter().zip(columns) {
            match Self::value(row, field, metric.kind, ctx) {
                Some(value) => values.push(value),
                None => {
                    ok = false;
                    values.push(Packed::MISSING);
                }
            }
        }
        let outcome = match (ok, subject, month) {
            (true, Some(subject), Some(month)) => {
                let index = self.intern(subject);
                let clash = values.iter().enumerate().any(|(m, v)| {
                    *v != Packed::MISSING && self.data.metric_is_set(index, m, month)
                });
                if !clash {
                    for (metric, &value) in values.iter().enumerate() {
                        if value != Packed::MISSING {
                            self.fractions[metric].note(value);
                            self.data.put_metric(index, metric, month, value);
                        }
                    }
                    Outcome::Used
                } else {
                    let clashes: Vec<usize> = (0..values.len())
                        .filter(|&m| {
                            values[m] != Packed::MISSING && self.data.metric_is_set(index, m, month)
                        })
                        .collect();
                    let fields: Vec<usize> = clashes.iter().map(|&m| columns[m]).collect();
                    self.duplicate(index, month, &clashes, &fields, ctx);
                    Outcome::Rejected
                }
            }
            _ => Outcome::Rejected,
        };
        self.values = values;
        outcome
    }

    fn long<R: Row + ?Sized>(
        &mut self,
        row: &R,
        ctx: &mut Ctx,
        [subject_field, period_field, metric_field, value_field]: [usize; 4],
    ) -> Outcome {
        let metric = match cell_text(row, metric_field, ctx) {
            Ok("") => {
                ctx.missing(
                    metric_field,
                    "every row needs the name of the metric its figure is for".into(),
                );
                None
            }
            Ok(name) => match self.metric_index(name) {
                Ok(index) => Some(index),
                Err(reason) => {
                    self.note_undeclared(name, metric_field, ctx);
                    // Not a metric of this policy: left out, but the subject still counts.
                    if let Ok(subject) = cell_text(row, subject_field, ctx) {
                        if !subject.is_empty() {
                            self.intern(SubjectCell::New(subject));
                        }
                    }
                    return Outcome::Ignored(reason);
                }
            },
            Err(()) => None,
        };
        let subject = self.subject(row, subject_field, ctx);
        let month = self.month(row, period_field, ctx);
        let value = match metric {
            Some(m) => Self::value(row, value_field, self.schema.metrics[m].kind, ctx),
            None => None,
        };
        let (Some(metric), Some(subject), Some(month), Some(value)) =
            (metric, subject, month, value)
        else {
            return Outcome::Rejected;
        };
        let index = self.intern(subject);
        if value == Packed::MISSING {
            return Outcome::Used;
        }
        if self.data.metric_is_set(index, metric, month) {
            self.duplicate(index, month, &[metric], &[value_field], ctx);
            return Outcome::Rejected;
        }
        self.fractions[metric].note(value);
        self.data.put_metric(index, metric, month, value);
        Outcome::Used
    }
}

impl Handler for PerformanceHandler<'_> {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        self.plan = plan(self.schema, header, ctx);
        if let Some(Plan::Wide { metrics, .. }) = &self.plan {
            for (tally, &field) in self.fractions.iter_mut().zip(metrics) {
                tally.field = Some(field);
            }
        }
        ctx.header_line = header.line;
        self.warn_unused_columns(ctx);
        self.plan.is_some()
    }

    #[inline]
    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        match self.plan.take() {
            Some(plan) => {
                let outcome = match &plan {
                    Plan::Wide {
                        subject,
                        period,
                        metrics,
                    } => self.wide(row, ctx, *subject, *period, metrics),
                    Plan::Long {
                        subject,
                        period,
                        metric,
                        value,
                    } => self.long(row, ctx, [*subject, *period, *metric, *value]),
                };
                self.plan = Some(plan);
                outcome
            }
            None => Outcome::Rejected,
        }
    }
}

/// What cooking a performance row needs (see [`Cook`]): the plan, when the file has every
/// column it names (otherwise every row is read the usual way, to report what is missing).
pub(crate) struct Recipe {
    plan: Option<Plan>,
    width: usize,
    kinds: Vec<MetricKind>,
    /// Each metric's id, as a long file's rows name it.
    names: Vec<String>,
    /// For a long file of just the columns `subject,period,metric,value`, in that order: each
    /// metric's id as bytes, with the index [`Cook::cook`] finds for it (the first metric of
    /// that name, whatever the case), for reading rows straight from their lines.
    line_names: Option<Vec<(Box<[u8]>, usize)>>,
}

/// A performance row cooked on any thread, its text in [`Cooked::text`] and its figures in
/// [`Cooked::numbers`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum CookedRow {
    /// A row with a subject, a month and a figure for each declared metric, from `figures`
    /// ([`Packed::MISSING`] for none): a wide file's row, or the first of a group of a long
    /// file's rows, holding the figures of the rows joined to it.
    Figures {
        subject: (u32, u32),
        month: Month,
        figures: u32,
    },
    /// A long file's row whose figure is in the group above it (the same subject and month,
    /// a metric the group has no row for yet): taken with the group, or the usual way when
    /// the group is.
    Joined,
    /// A long file's row naming a metric the policy does not declare.
    Undeclared {
        subject: (u32, u32),
        name: (u32, u32),
    },
}

/// Whether an id reads the same however it is read: not empty, UTF-8, nothing to trim and no
/// control character.
#[inline]
fn plain_id(bytes: &[u8]) -> bool {
    // Printable ASCII, the usual case, in one pass.
    if !bytes.is_empty() && bytes.iter().all(|&b| b.wrapping_sub(0x20) < 0x5f) {
        return true;
    }
    trimmed_text(bytes).is_some_and(|text| {
        !text.is_empty() && text.len() == bytes.len() && !text.chars().any(char::is_control)
    })
}

/// Where `text` is in the cooked text: the previous row's subject, when it is the same.
fn push_text(into: &mut Cooked<CookedRow>, text: &[u8]) -> (u32, u32) {
    let above = into
        .rows
        .iter()
        .rev()
        .find(|(_, row)| !matches!(row, Some(CookedRow::Joined)));
    if let Some((
        _,
        Some(CookedRow::Figures { subject, .. } | CookedRow::Undeclared { subject, .. }),
    )) = above
    {
        if same_bytes(&into.text[subject.0 as usize..subject.1 as usize], text) {
            return *subject;
        }
    }
    let start = into.text.len() as u32;
    into.text.extend_from_slice(text);
    (start, into.text.len() as u32)
}

/// A metric's figure from its cell: [`Packed::MISSING`] when empty; `None` when it is anything
/// but a plain figure of its kind.
fn plain_figure(kind: MetricKind, bytes: &[u8]) -> Option<Packed> {
    match bytes.is_empty() {
        true => Some(Packed::MISSING),
        false => quick_figure(kind, bytes),
    }
}

/// A plain figure at the start of `rest` (of a line), ended by the line end or the end of
/// `rest`, after at most one `\r`: what [`plain_figure`] reads from those bytes (without the
/// `\r`), with their length, when they are digits with at most one point between two of them
/// (no sign, no `%`, at most 15 digits) or nothing; `None` for anything else.
#[inline]
fn line_figure(kind: MetricKind, rest: &[u8]) -> Option<(Packed, usize)> {
    let (mut mantissa, mut digits, mut point, mut len) = (0i64, 0u32, None, 0);
    for &b in rest {
        let digit = b.wrapping_sub(b'0');
        if digit <= 9 && digits < 15 {
            mantissa = mantissa * 10 + i64::from(digit);
            digits += 1;
        } else if b == b'.' && point.is_none() {
            point = Some(digits);
        } else {
            break;
        }
        len += 1;
    }
    let end = match rest.get(len) {
        None | Some(b'\n') => len,
        Some(b'\r') if matches!(rest.get(len + 1), None | Some(b'\n')) => len + 1,
        _ => return None,
    };
    let scale = match point {
        _ if len == 0 => return Some((Packed::MISSING, end)),
        None => 0,
        Some(point) if point > 0 && point < digits => digits - point,
        Some(_) => return None,
    };
    Some((
        kind_allows(kind, Packed::from_parts(mantissa, scale)?)?,
        end,
    ))
}

/// A long file's row of metric `m`, cooked: joined to the group above it when that group is
/// about the same subject and month and has no row of the metric yet (the group's flags are
/// its metrics), else the first row of a group of its own.
fn join_group(
    into: &mut Cooked<CookedRow>,
    group: Option<(usize, u64)>,
    (id, month): (&[u8], Month),
    (m, figure): (usize, Packed),
    metrics: usize,
) -> CookedRow {
    let bit = 1u64.checked_shl(m as u32).unwrap_or(0);
    // The group's subject, when it is this row's (then its text is the one to point to).
    let mut same_subject = None;
    if let Some((head, flags)) = group {
        if let Some(CookedRow::Figures {
            subject,
            month: at,
            figures,
        }) = into.rows[head].1
        {
            if same_bytes(&into.text[subject.0 as usize..subject.1 as usize], id) {
                if at == month && bit != 0 && flags & bit == 0 {
                    into.numbers[figures as usize + m] = figure;
                    into.group = Some((head, flags | bit));
                    return CookedRow::Joined;
                }
                same_subject = Some(subject);
            }
        }
    }
    let figures = into.numbers.len();
    into.numbers.resize(figures + metrics, Packed::MISSING);
    into.numbers[figures + m] = figure;
    into.group = Some((into.rows.len(), bit));
    CookedRow::Figures {
        subject: same_subject.unwrap_or_else(|| push_text(into, id)),
        month,
        figures: figures as u32,
    }
}

impl Cook for PerformanceHandler<'_> {
    type Recipe = Recipe;
    type Cooked = CookedRow;

    fn recipe(&self, width: usize) -> Recipe {
        let complete = |plan: &&Plan| match plan {
            Plan::Wide {
                subject,
                period,
                metrics,
            } => ![*subject, *period]
                .iter()
                .chain(metrics)
                .any(|&f| f == ABSENT),
            Plan::Long {
                subject,
                period,
                metric,
                value,
            } => ![*subject, *period, *metric, *value].contains(&ABSENT),
        };
        let plan = self.plan.as_ref().filter(complete).cloned();
        let names: Vec<String> = self
            .schema
            .metrics
            .iter()
            .map(|m| m.id.trim().to_string())
            .collect();
        let in_order = Plan::Long {
            subject: 0,
            period: 1,
            metric: 2,
            value: 3,
        };
        let line_names = (width == 4 && plan.as_ref() == Some(&in_order)).then(|| {
            let first = |name: &String| names.iter().position(|n| n.eq_ignore_ascii_case(name));
            names
                .iter()
                .filter_map(|name| Some((Box::from(name.as_bytes()), first(name)?)))
                .collect()
        });
        Recipe {
            plan,
            width,
            kinds: self.schema.metrics.iter().map(|m| m.kind).collect(),
            names,
            line_names,
        }
    }

    fn cooks_lines(recipe: &Recipe) -> bool {
        recipe.line_names.is_some()
    }

    /// A long file's row of plain cells, read straight from its line: a subject of printable
    /// ASCII without spaces, a `YYYY-MM` month, a declared metric's id as the policy writes
    /// it and a plain figure (see [`quick_figure`]), each ended by the separator but the
    /// figure (by the line end, after at most one `\r`). Such a row cut into cells is
    /// cooked the same by [`Cook::cook`]; anything else is left to it.
    #[inline]
    fn cook_line(
        recipe: &Recipe,
        rest: &[u8],
        delimiter: u8,
        into: &mut Cooked<CookedRow>,
    ) -> Option<(CookedRow, usize)> {
        let names = recipe.line_names.as_deref()?;
        // Usually the subject of the group above (already known to be plain); else printable
        // ASCII without spaces.
        let head = into.group.and_then(|(head, _)| match into.rows[head].1 {
            Some(CookedRow::Figures { subject, .. }) => {
                Some(&into.text[subject.0 as usize..subject.1 as usize])
            }
            _ => None,
        });
        let id_len = match head {
            Some(id)
                if rest.len() > id.len()
                    && rest[id.len()] == delimiter
                    && same_bytes(&rest[..id.len()], id) =>
            {
                id.len()
            }
            _ => rest
                .iter()
                .position(|&b| b == delimiter || b.wrapping_sub(0x21) >= 0x5e)?,
        };
        let (id, rest) = (&rest[..id_len], &rest[id_len..]);
        let [sep, y0, y1, y2, y3, dash, m0, m1, sep2, rest @ ..] = rest else {
            return None;
        };
        if id.is_empty() || *sep != delimiter || *sep2 != delimiter {
            return None;
        }
        let month = quick_month(&[*y0, *y1, *y2, *y3, *dash, *m0, *m1])?;
        let (name, m) = names.iter().find(|(name, _)| {
            rest.len() > name.len()
                && rest[name.len()] == delimiter
                && same_bytes(&rest[..name.len()], name)
        })?;
        let (figure, len) = line_figure(recipe.kinds[*m], &rest[name.len() + 1..])?;
        let line = id_len + 9 + name.len() + 1 + len;
        let group = into.group;
        let metrics = recipe.kinds.len();
        Some((
            join_group(into, group, (id, month), (*m, figure), metrics),
            line,
        ))
    }

    #[inline]
    fn cook<R: Row + ?Sized>(
        recipe: &Recipe,
        row: &R,
        into: &mut Cooked<CookedRow>,
    ) -> Option<CookedRow> {
        let group = into.group.take();
        if !plain_shape(row, recipe.width) {
            return None;
        }
        match recipe.plan.as_ref()? {
            Plan::Wide {
                subject,
                period,
                metrics,
            } => {
                let id = cell_bytes(row, *subject);
                let month = quick_month(cell_bytes(row, *period)).filter(|_| plain_id(id))?;
                let figures = into.numbers.len();
                for (&field, &kind) in metrics.iter().zip(&recipe.kinds) {
                    match plain_figure(kind, cell_bytes(row, field)) {
                        Some(figure) => into.numbers.push(figure),
                        None => {
                            into.numbers.truncate(figures);
                            return None;
                        }
                    }
                }
                Some(CookedRow::Figures {
                    subject: push_text(into, id),
                    month,
                    figures: figures as u32,
                })
            }
            Plan::Long {
                subject,
                period,
                metric,
                value,
            } => {
                let id = cell_bytes(row, *subject);
                if !plain_id(id) {
                    return None;
                }
                let name = cell_bytes(row, *metric);
                // A declared name, matched as bytes, is text with nothing to trim.
                let declared = recipe
                    .names
                    .iter()
                    .position(|n| n.as_bytes().eq_ignore_ascii_case(name));
                let Some(m) = declared else {
                    let name =
                        trimmed_text(name).filter(|t| !t.is_empty() && t.len() == name.len())?;
                    let subject = push_text(into, id);
                    let start = into.text.len() as u32;
                    into.text.extend_from_slice(name.as_bytes());
                    let name = (start, into.text.len() as u32);
                    return Some(CookedRow::Undeclared { subject, name });
                };
                let month = quick_month(cell_bytes(row, *period))?;
                let figure = plain_figure(recipe.kinds[m], cell_bytes(row, *value))?;
                let metrics = recipe.kinds.len();
                Some(join_group(into, group, (id, month), (m, figure), metrics))
            }
        }
    }

    #[inline]
    fn take_cooked(
        &mut self,
        row: &CookedRow,
        from: &Cooked<CookedRow>,
        _ctx: &mut Ctx,
    ) -> Option<Outcome> {
        let text = |(start, end): (u32, u32)| &from.text[start as usize..end as usize];
        match *row {
            CookedRow::Figures {
                subject,
                month,
                figures,
            } => {
                let figures = &from.numbers[figures as usize..][..self.fractions.len()];
                let taken = self.take_figures(text(subject), month, figures);
                self.group_taken = taken.is_some();
                taken
            }
            CookedRow::Joined => self.group_taken.then_some(Outcome::Used),
            CookedRow::Undeclared { subject, name } => {
                let name = std::str::from_utf8(text(name)).ok()?;
                // The first row naming it is read the usual way, which places the warning.
                if !self.count_undeclared(name) {
                    return None;
                }
                self.cooked_subject(text(subject))?;
                self.metric_index(name).err().map(Outcome::Ignored)
            }
        }
    }
}

impl PerformanceHandler<'_> {
    /// Takes a cooked row's figures (one per declared metric, [`Packed::MISSING`] for none);
    /// `None` (storing nothing) when one of them is a second figure, which the usual reading
    /// then reports.
    #[inline]
    fn take_figures(&mut self, id: &[u8], month: Month, figures: &[Packed]) -> Option<Outcome> {
        let index = self.cooked_subject(id)?;
        if !self.data.put_new_figures(index, 0, month, figures) {
            return None;
        }
        for (tally, &figure) in self.fractions.iter_mut().zip(figures) {
            tally.note(figure);
        }
        Some(Outcome::Used)
    }

    /// The index of a cooked row's subject (see [`PerformanceHandler::intern`]).
    #[inline]
    fn cooked_subject(&mut self, id: &[u8]) -> Option<SubjectIndex> {
        match self.last_index {
            Some(index) if same_bytes(&self.last_subject, id) => Some(index),
            _ => Some(self.intern(SubjectCell::New(std::str::from_utf8(id).ok()?))),
        }
    }
}

/// A duplicate to find the first line of.
struct Target {
    error: usize,
    subject: String,
    month: Month,
    metrics: Vec<usize>,
    line: usize,
    first_line: Option<usize>,
}

/// Reads a performance file again to find, for each duplicate, the line that gave the first
/// value. Only used when there are duplicates, which are rare.
struct FirstLineFinder<'a> {
    schema: &'a Schema,
    plan: Plan,
    targets: Vec<Target>,
    rejected: &'a [usize],
}

impl Handler for FirstLineFinder<'_> {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        plan(self.schema, header, ctx).as_ref() == Some(&self.plan)
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        let line = ctx.line;
        if self.rejected.binary_search(&line).is_ok() {
            return Outcome::Rejected;
        }
        let (subject_field, period_field) = match &self.plan {
            Plan::Wide {
                subject, period, ..
            }
            | Plan::Long {
                subject, period, ..
            } => (*subject, *period),
        };
        let cell = |field: usize| {
            std::str::from_utf8(row.cell(field))
                .map(str::trim)
                .unwrap_or("")
        };
        let subject = cell(subject_field);
        let mut month = None;
        for target in &mut self.targets {
            if target.first_line.is_some() || target.line <= line || target.subject != subject {
                continue;
            }
            let month = *month.get_or_insert_with(|| parse_month(cell(period_field)).ok());
            if month != Some(target.month) {
                continue;
            }
            let gives_value = match &self.plan {
                Plan::Wide { metrics, .. } => {
                    target.metrics.iter().any(|&m| !cell(metrics[m]).is_empty())
                }
                Plan::Long { metric, value, .. } => {
                    let name = cell(*metric);
                    !cell(*value).is_empty()
                        && target
                            .metrics
                            .iter()
                            .any(|&m| self.schema.metrics[m].id.eq_ignore_ascii_case(name))
                }
            };
            if gives_value {
                target.first_line = Some(line);
            }
        }
        Outcome::Used
    }
}

/// Collects the duplicate-value errors as targets.
fn targets(schema: &Schema, errors: &[DataError]) -> Vec<Target> {
    errors
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.kind() {
            DataErrorKind::DuplicateValue {
                subject,
                metrics,
                month,
                ..
            } => Some(Target {
                error: i,
                subject: subject.clone(),
                month: *month,
                metrics: metrics
                    .iter()
                    .filter_map(|name| schema.metric_index(name))
                    .collect(),
                line: e.site().location.as_ref().map_or(0, |l| l.line),
                first_line: None,
            }),
            _ => None,
        })
        .collect()
}

/// Runs `read` (which reads the file again through the handler it is given) to find the
/// first line of each duplicate value, and writes it into the errors.
pub(crate) fn fill_first_lines(
    schema: &Schema,
    plan: Plan,
    errors: &mut [DataError],
    rejected: &[usize],
    read: impl FnOnce(&mut dyn DynHandler),
) {
    let targets = targets(schema, errors);
    if targets.is_empty() {
        return;
    }
    let mut finder = FirstLineFinder {
        schema,
        plan,
        targets,
        rejected,
    };
    read(&mut finder);
    for target in finder.targets {
        let Some(first) = target.first_line else {
            continue;
        };
        if let (
            DataErrorKind::DuplicateValue {
                first_line,
                subject,
                month,
                metrics,
            },
            at,
        ) = errors[target.error].parts_mut()
        {
            *first_line = Some(first);
            at.help = Some(format!(
                "line {first} already gives `{subject}` a figure for {} in {month}; a subject \
                 can have only one figure for each metric and month, so keep one of the two rows",
                super::error::metric_list(metrics)
            ));
        }
    }
}

/// An object-safe view of a handler, for reading a file again.
pub(crate) trait DynHandler {
    fn header_dyn(&mut self, header: &Header, ctx: &mut Ctx) -> bool;
    fn row_dyn(&mut self, row: &dyn Row, ctx: &mut Ctx) -> Outcome;
}

impl DynHandler for FirstLineFinder<'_> {
    fn header_dyn(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        self.header(header, ctx)
    }
    fn row_dyn(&mut self, row: &dyn Row, ctx: &mut Ctx) -> Outcome {
        self.row(row, ctx)
    }
}

impl Handler for &mut dyn DynHandler {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        self.header_dyn(header, ctx)
    }
    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        // A `&R` cannot become `&dyn Row` when `R` is unsized, so rows are re-borrowed
        // through a small adapter.
        struct Adapter<'r, R: ?Sized>(&'r R);
        impl<R: Row + ?Sized> Row for Adapter<'_, R> {
            fn len(&self) -> usize {
                self.0.len()
            }
            fn cell(&self, i: usize) -> &[u8] {
                self.0.cell(i)
            }
        }
        self.row_dyn(&Adapter(row), ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::summary::{FileFormat, FileKind};
    use crate::data::table::{read_csv, read_csv_in_chunks};
    use proptest::prelude::*;

    const POLICY: &str = "policy \"P\"\nrole r \"R\"\nmetric m1 \"M1\" percent\n\
        metric m2 \"M2\" count\nmetric m3 \"M3\" number\nrule a \"A\" {\n  \
        when m1 < 80% and m2 >= 20 and m3 > 1\n  severity low\n  require \"x\"\n  owner r\n  \
        due 5 working days\n}\n";

    /// What reading `text` as a performance file gives, row by row (`None`) or in chunks of
    /// about so many bytes cooked on threads: its errors, summary, rejected lines, warnings,
    /// subjects and figures.
    fn read(text: &str, chunks: Option<usize>) -> String {
        let policy = crate::policy::Policy::parse("p.policy", POLICY).expect("the policy checks");
        let schema = &policy.program().schema;
        let mut data = DatasetBuilder::new(schema);
        let mut ctx = Ctx::new("p.csv".into(), FileKind::Performance, FileFormat::Csv);
        ctx.bytes = Some(Arc::from(text.as_bytes()));
        let mut handler = PerformanceHandler::new(schema, &mut data);
        match chunks {
            Some(size) => read_csv_in_chunks(&mut handler, &mut ctx, size),
            None => read_csv(&mut handler, &mut ctx),
        }
        handler.finish(&ctx);
        let dataset = data.finish();
        let mut out = format!(
            "{:?}\n{:?}\n{:?} {:?}\n{:?}\n",
            ctx.errors,
            ctx.summary,
            ctx.rejected_lines,
            (ctx.line, &ctx.anchor),
            dataset.warnings()
        );
        for (subject, id) in dataset.subjects() {
            out.push_str(&format!("{id:?}:"));
            let Some((first, last)) = dataset.months() else {
                continue;
            };
            let mut month = first;
            while month <= last {
                for metric in 0..schema.metrics.len() {
                    if let Some(value) = dataset.metric_value(metric, subject, month) {
                        out.push_str(&format!(" {metric}/{month}={value}"));
                    }
                }
                month = month.offset(1);
            }
            out.push('\n');
        }
        out
    }

    /// A performance file of `rows`, wide or long, each cell one of a few plain or awkward
    /// values (empty, padded, quoted, out of range, misspelt, not UTF-8, a control character).
    fn file(long: bool, rows: &[(usize, usize, usize, usize, usize)], crlf: bool) -> String {
        const SUBJECTS: &[&str] = &[
            "s1", "s2", " s2 ", "", "s\u{1}x", "Zoë", "\"s,3\"", "s4", "\u{a0}s5",
        ];
        const PERIODS: &[&str] = &["2026-01", "2026-02", "2026-13", "", " 2026-03", "2026-1"];
        const VALUES: &[&str] = &[
            "", "5", "5.0", "105", "-1", "abc", "79.5%", "1e3", "0.5", "\"7\"", "20", "-0.00",
        ];
        const METRICS: &[&str] = &["m1", "M2", "m3", "other", "", " m1", "Other"];
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = match long {
            true => format!("subject,period,metric,value{end}"),
            false => format!("subject,period,m1,m2,m3{end}"),
        };
        for &(s, p, a, b, shape) in rows {
            let (s, p) = (SUBJECTS[s % SUBJECTS.len()], PERIODS[p % PERIODS.len()]);
            let (c, name) = (VALUES[(a + b) % VALUES.len()], METRICS[b % METRICS.len()]);
            let (a, b) = (VALUES[a % VALUES.len()], VALUES[b % VALUES.len()]);
            let row = match long {
                true => format!("{s},{p},{name},{a}"),
                false => format!("{s},{p},{a},{b},{c}"),
            };
            match shape % 12 {
                0 => text.push_str(end),
                1 => text.push_str(&format!("{row},{end}")),
                2 => text.push_str(&format!("{row},x{end}")),
                3 => text.push_str(&format!("{s},{p}{end}")),
                4 => text.push_str(&format!("{row}{end}{end}")),
                5 => text.push_str(&format!("\"{s}\n\",{p},{a},{b},{b}{end}")),
                // A long file's rows of one subject and month, one metric after another.
                6 if long => text.push_str(&format!(
                    "{s},{p},m1,{a}{end}{s},{p},M2,{b}{end}{s},{p},m3,{c}{end}{s},{p},{name},{c}{end}"
                )),
                _ => text.push_str(&format!("{row}{end}")),
            }
        }
        text
    }

    #[test]
    fn chunks_read_a_performance_file_as_rows_do() {
        let wide =
            "subject,period,m1,m2,m3\ns1,2026-01,70,30,2\ns1,2026-02,90,30,\ns2,2026-01,,,\n\
            s1,2026-01,71,,\ns3,2026-13,1,2,3\n\n\"s4\",\"2026-01\",\"79.5%\",20,1.50\n";
        let long = "subject,period,metric,value\ns1,2026-01,m1,70\ns1,2026-01,m2,30\n\
            s1,2026-01,other,1\ns1,2026-01,OTHER,2\ns2,2026-01,m1,\ns1,2026-01,m1,71\n\
            s3,2026-02,m2,5\ns3,2026-02,m1,70\ns3,2026-02,m1,71\ns4,2026-02,m1,\n\
            s4,2026-02,m1,1\ns3,2026-03,m1,1\ns3,2026-02,m3,2\ns3,2026-02,m2,6\n";
        for text in [wide, long] {
            let rows = read(text, None);
            for size in [1, 7, 30, 4096] {
                assert_eq!(read(text, Some(size)), rows, "chunks of {size}:\n{text}");
            }
        }
        assert!(read(wide, Some(10)).contains("DuplicateValue"));
        assert!(read(long, Some(10)).contains("UndeclaredMetric"));
    }

    /// The recipe for a long file of `subject,period,metric,value` under [`POLICY`].
    fn long_recipe() -> Recipe {
        let policy = crate::policy::Policy::parse("p.policy", POLICY).expect("the policy checks");
        let schema = &policy.program().schema;
        let mut data = DatasetBuilder::new(schema);
        let mut handler = PerformanceHandler::new(schema, &mut data);
        let mut ctx = Ctx::new("p.csv".into(), FileKind::Performance, FileFormat::Csv);
        let header = Header {
            names: ["subject", "period", "metric", "value"]
                .map(String::from)
                .to_vec(),
            line: 1,
        };
        assert!(handler.header(&header, &mut ctx));
        let recipe = handler.recipe(4);
        assert!(PerformanceHandler::cooks_lines(&recipe));
        recipe
    }

    /// Lines of a long file, each cell plain or awkward in one way, for the two ways of
    /// cooking them.
    fn long_lines(rows: &[(usize, usize, usize, usize, usize)], delimiter: char) -> String {
        const SUBJECTS: &[&str] = &["s1", "s2", "s 2", " s2", "s2 ", "Zoë", "", "s\u{1}", "s~"];
        const PERIODS: &[&str] = &[
            "2026-01", "2026-02", "2026-1", " 2026-01", "2026-13", "", "2026-011", "2026-01 ",
        ];
        const NAMES: &[&str] = &["m1", "m2", "m3", "M1", "other", " m1", "m1 ", "", "m"];
        const VALUES: &[&str] = &[
            "",
            "5",
            "5.0",
            "0.50",
            "79.5",
            "100",
            "100.01",
            "105",
            "-1",
            "-0",
            "79.5%",
            "1e3",
            " 5",
            "5 ",
            "5\r",
            "\r",
            "5\r\r",
            "1234567890123456",
            "123456789012345",
            "12345678901234.5",
            "1.",
            ".5",
            "5..0",
            "5.0.1",
            "007",
            "5%",
        ];
        let mut text = String::new();
        for &(s, p, n, v, shape) in rows {
            let cells = [
                SUBJECTS[s % SUBJECTS.len()],
                PERIODS[p % PERIODS.len()],
                NAMES[n % NAMES.len()],
                VALUES[v % VALUES.len()],
            ];
            let row = cells.join(&delimiter.to_string());
            match shape % 8 {
                0 => text.push('\n'),
                1 => text.push_str(&format!("{row}{delimiter}\n")),
                2 => text.push_str(&format!("{row}{delimiter}x\n")),
                3 => text.push_str(&format!("{row}\r\n")),
                _ => text.push_str(&format!("{row}\n")),
            }
        }
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Rows read straight from their lines are cooked as the same rows cut into cells are
        /// (and any other line is left to the usual cooking): the same rows, figures, texts,
        /// places and line count.
        #[test]
        fn lines_are_cooked_as_their_cells_are(
            rows in prop::collection::vec((0usize..20, 0usize..10, 0usize..12, 0usize..40, 0usize..16), 0..30),
            tab in any::<bool>(),
            cut in 0usize..400,
        ) {
            let recipe = long_recipe();
            let delimiter = if tab { '\t' } else { ',' };
            let text = long_lines(&rows, delimiter);
            // A chunk may end anywhere in the file (the last one without a line end).
            let text = &text.as_bytes()[..cut.min(text.len())];
            let [by_lines, by_cells] =
                crate::data::table::cooked_both_ways::<PerformanceHandler>(&recipe, text, delimiter as u8);
            prop_assert_eq!(format!("{by_lines:?}"), format!("{by_cells:?}"));
        }

        /// A figure read from a line is what the usual reading gives its cell.
        #[test]
        fn line_figures_are_read_as_cells_are(
            value in "[0-9.%\\-]{0,18}[\r]{0,2}",
            kind in prop::sample::select(vec![MetricKind::Percent, MetricKind::Count, MetricKind::Number]),
            end in prop::sample::select(vec!["", "\n", "\nx,y", ",5\n"]),
        ) {
            let rest = format!("{value}{end}");
            if let Some((figure, len)) = line_figure(kind, rest.as_bytes()) {
                let cell = &rest.as_bytes()[..len];
                prop_assert!(matches!(rest.as_bytes().get(len), None | Some(b'\n')));
                prop_assert_eq!(Some(figure), plain_figure(kind, cell.trim_ascii()));
                prop_assert_eq!(cell.strip_suffix(b"\r").unwrap_or(cell), value.trim_end_matches('\r').as_bytes());
            }
        }

        #[test]
        fn chunks_give_the_rows_errors_and_figures_that_rows_do(
            long in any::<bool>(),
            crlf in any::<bool>(),
            rows in prop::collection::vec((0usize..40, 0usize..8, 0usize..40, 0usize..40, 0usize..60), 0..40),
            size in 1usize..200,
        ) {
            let text = file(long, &rows, crlf);
            prop_assert_eq!(read(&text, Some(size)), read(&text, None), "{}", text);
        }
    }
}

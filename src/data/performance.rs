//! The performance file: monthly figures per subject, wide or long.

use std::sync::Arc;

use super::cell::{check_metric, parse_metric_bytes, parse_month, Expect, Problem};
use super::error::{DataError, DataErrorKind, DataWarning, DataWarningKind};
use super::store::DatasetBuilder;
use super::summary::Layout;
use super::table::{
    cell_bytes, cell_text, normalise_heading, Ctx, Handler, Header, MonthCache, Outcome, Prepare,
    Row,
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
            ("subject".to_string(), subject_help()),
            ("period".to_string(), period_help()),
            ("metric".to_string(), String::new()),
            ("value".to_string(), String::new()),
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
            ("subject".to_string(), subject_help()),
            ("period".to_string(), period_help()),
        ];
        let others: Vec<&str> = header
            .names
            .iter()
            .map(String::as_str)
            .filter(|name| {
                !matches!(*name, "subject" | "period") && !declared.iter().any(|d| d == name)
            })
            .collect();
        for metric in &schema.metrics {
            let id = normalise_heading(&metric.id);
            let help = match crate::suggest::closest(&id, others.iter().copied()) {
                Some(near) => format!(
                    "the policy declares the metric `{}` ({}); the file has a column headed \
                     `{near}`: if that is it, rename the heading to `{}`",
                    metric.id, metric.description, metric.id
                ),
                None => format!(
                    "the policy declares the metric `{}` ({}), so the file needs a column headed \
                     `{}`; or write the figures one per row with the columns \
                     `subject,period,metric,value`",
                    metric.id, metric.description, metric.id
                ),
            };
            needed.push((id, help));
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
    /// Periods already read, by their seven bytes.
    months: MonthCache,
    /// The metric names met in a long file, as written, each with its index or why its rows
    /// are left out (a few names, which long files usually cycle through row by row).
    metric_names: Vec<(String, Result<usize, Arc<str>>)>,
    values: Vec<Packed>,
    /// For each metric, what its figures looked like so far (see [`FractionTally`]).
    fractions: Vec<FractionTally>,
    /// Metrics named in a long file that the policy does not declare: the name as first
    /// written (lower case as key), how many rows, and the first row's site.
    undeclared: Vec<(String, usize, Box<super::error::Site>)>,
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
        if let Some(value) = value.get() {
            if value > rust_decimal::Decimal::ONE {
                self.above_one = true;
            } else if value > rust_decimal::Decimal::ZERO && value < rust_decimal::Decimal::ONE {
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
            months: MonthCache::default(),
            metric_names: Vec::new(),
            values: Vec::new(),
            fractions: vec![FractionTally::default(); schema.metrics.len()],
            undeclared: Vec::new(),
        }
    }

    /// Adds the warnings about the whole file to the dataset: percent metrics whose figures
    /// all look like fractions, and metrics named in rows that the policy does not declare.
    pub fn finish(&mut self, ctx: &Ctx) {
        for (metric, tally) in self.schema.metrics.iter().zip(&self.fractions) {
            let absent = tally.field == Some(super::table::ABSENT);
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
    fn quoted_name(name: &str) -> String {
        match name.char_indices().nth(80) {
            Some((cut, _)) => format!("{}…", &name[..cut]),
            None => name.to_string(),
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
                column: Self::quoted_name(column),
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
        if let Some(month) = row.prepared_month() {
            return Some(month);
        }
        if let Some(month) = self.months.get(cell_bytes(row, field)) {
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

    /// A metric's value from its cell (the `slot`th number parsed ahead, if it was):
    /// [`Packed::MISSING`] when empty, `None` (after reporting) when bad.
    #[inline]
    fn value<R: Row + ?Sized>(
        row: &R,
        field: usize,
        slot: usize,
        kind: MetricKind,
        ctx: &mut Ctx,
    ) -> Option<Packed> {
        if let Some(packed) = row.prepared_number(slot) {
            match packed.get() {
                None => return Some(packed),
                Some(value) if check_metric(kind, value).is_ok() => return Some(packed),
                Some(_) => {}
            }
        }
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
        let quoted = Self::quoted_name(name);
        if let Some(entry) = self
            .undeclared
            .iter_mut()
            .find(|(n, ..)| n.eq_ignore_ascii_case(&quoted))
        {
            entry.1 += 1;
            return;
        }
        // One warning per name, for the first few names: a file of many stray names is
        // described well enough by them (and by the summary, which counts every row).
        if self.undeclared.len() >= MAX_UNDECLARED_WARNINGS {
            return;
        }
        let mut at = ctx.site(Some(field));
        at.help = Some(self.undeclared_help(name, "metric in those rows"));
        self.undeclared.push((Self::quoted_name(name), 1, at));
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
        for (slot, (metric, &field)) in self.schema.metrics.iter().zip(columns).enumerate() {
            match Self::value(row, field, slot, metric.kind, ctx) {
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
                    *v != Packed::MISSING && self.data.metric_value(index, m, month).is_some()
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
                            values[m] != Packed::MISSING
                                && self.data.metric_value(index, m, month).is_some()
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
            Some(m) => Self::value(row, value_field, 0, self.schema.metrics[m].kind, ctx),
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
        if self.data.metric_value(index, metric, month).is_some() {
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

    fn prepare(&self) -> Prepare {
        match &self.plan {
            Some(Plan::Wide {
                period, metrics, ..
            }) => Prepare {
                month: Some(*period),
                numbers: metrics.clone(),
                ids: Vec::new(),
            },
            Some(Plan::Long { period, value, .. }) => Prepare {
                month: Some(*period),
                numbers: vec![*value],
                ids: Vec::new(),
            },
            None => Prepare::default(),
        }
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

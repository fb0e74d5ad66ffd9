//! Loading performance, concern, subject and event records.
//!
//! A policy's [`Schema`] says what the data must hold; [`Dataset::load`] reads the files
//! named by [`DataSources`] against it into a compact, read-only [`Dataset`], and reports
//! every problem in every file at once ([`DataErrors`]).
//!
//! The data files' layouts, values and errors are in `docs/data-files.md`, shown in the
//! documentation of [`DataSources`].

#![forbid(unsafe_code)]

mod cell;
mod concerns;
mod error;
mod events;
mod input;
mod open;
mod performance;
mod records;
mod store;
mod subjects;
mod summary;
mod table;
#[cfg(feature = "xlsx")]
mod xlsx;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use error::{DataError, DataErrorKind, DataErrors, DataLocation, DataWarning};
pub use input::DataInput;
pub use records::{ConcernRecord, EventRecord, PerformanceRecord, SubjectRecord};
pub use store::DatasetBuilder;
pub use summary::{FileFormat, FileKind, FileSummary, IgnoredRows, Layout, LoadSummary};

use crate::month::Month;
use crate::schema::{Schema, Value};
use concerns::ConcernHandler;
use events::EventHandler;
use performance::{fill_first_lines, DynHandler, PerformanceHandler};
use records::RecordTable;
use store::{Interner, MetricColumns, Texts};
use subjects::SubjectHandler;
// Also for readers of other tables (the file of actions taken, `history::load_actual`).
pub(crate) use table::{cell_text, Ctx, Handler, Header, Needed, Outcome, Row};

/// A subject's position in a [`Dataset`]: 0, 1, 2, ... in the order subjects were first
/// seen.
pub type SubjectIndex = u32;

/// A concern record.
#[derive(Clone, Debug, PartialEq)]
pub struct Concern {
    /// Its id, unique among concerns.
    pub id: Box<str>,
    /// The date it was raised.
    pub raised_on: NaiveDate,
    /// The declared concern fields, in schema order.
    pub fields: Box<[Value]>,
    /// What it is about, in words: the `summary` column of the concerns file, when it has
    /// one (whether or not the policy declares `summary` as a concern field).
    pub summary: Option<Box<str>>,
}

/// A case's position in a [`Dataset`]: cases are sorted by subject, case kind and id.
pub type CaseIndex = u32;

/// A dated event (language v1): a row of the events file, or a concern record seen as an
/// event of the built-in kind `concern`. Its id and fields are kept by the dataset (see
/// [`Dataset::event_id`] and [`Dataset::event_fields`]), so an event is 24 bytes, holds no
/// memory of its own, and is copied freely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// The day it happened.
    pub date: NaiveDate,
    /// Its kind: a position in [`Schema::event_kinds`].
    pub kind: u16,
    /// How many fields it has, from `fields` on.
    field_count: u16,
    /// Its id's number among the dataset's event ids.
    id: u32,
    /// Its case ([`Event::NONE`] for none). While a dataset is built, the key of its case id
    /// (see [`DatasetBuilder::case_key`]).
    case: u32,
    /// Where its fields start among the dataset's event field values.
    fields: u32,
    /// For a concern, its position among all concerns; else [`Event::NONE`].
    concern: u32,
}

impl Event {
    /// `case` or `concern` when there is none.
    const NONE: u32 = u32::MAX;

    /// An event whose id is the `id`th of its dataset's event ids, and whose fields are the
    /// `fields.len()` values from `fields.start` on; `case` is a case key while the dataset
    /// is built.
    pub(crate) fn new(
        id: u32,
        kind: usize,
        date: NaiveDate,
        case: Option<u32>,
        fields: std::ops::Range<u32>,
    ) -> Event {
        Event {
            date,
            kind: kind as u16,
            field_count: u16::try_from(fields.len()).unwrap_or(u16::MAX),
            id,
            case: case.unwrap_or(Event::NONE),
            fields: fields.start,
            concern: Event::NONE,
        }
    }

    /// The case it belongs to, if its kind belongs to a case kind.
    pub fn case(&self) -> Option<CaseIndex> {
        (self.case != Event::NONE).then_some(self.case)
    }

    /// For a concern, its position among all concerns (see [`Dataset::concern`]).
    pub fn concern(&self) -> Option<u32> {
        (self.concern != Event::NONE).then_some(self.concern)
    }

    /// Gives the event its case (or none): a case key while the dataset is built, then the
    /// case's position.
    pub(crate) fn set_case(&mut self, case: Option<u32>) {
        self.case = case.unwrap_or(Event::NONE);
    }

    /// The event of a concern, the `index`th of all concerns.
    pub(crate) fn with_concern(mut self, index: u32) -> Event {
        self.concern = index;
        self
    }

    /// Its id's number among its dataset's event ids.
    pub(crate) fn id_number(&self) -> u32 {
        self.id
    }

    /// Moves its id and fields along by `ids` and `fields`, for events whose ids and fields
    /// are appended after others.
    pub(crate) fn shift(&mut self, ids: u32, fields: u32) {
        self.id += ids;
        self.fields += fields;
    }

    /// Its fields, moved to start at `start` among its dataset's event field values.
    pub(crate) fn move_fields(&mut self, start: usize) {
        self.fields = u32::try_from(start).unwrap_or(u32::MAX);
    }

    /// The positions of its fields among its dataset's event field values.
    pub(crate) fn field_range(&self) -> std::ops::Range<usize> {
        let start = self.fields as usize;
        start..start + usize::from(self.field_count)
    }
}

/// A case (language v1): the events carrying one case id.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The case id.
    pub id: Box<str>,
    /// Its case kind: a position in [`Schema::case_kinds`].
    pub kind: u16,
    /// The subject its events are about.
    pub subject: SubjectIndex,
    /// The date of its opening event (`None` only for a dataset built without one).
    pub opened_on: Option<NaiveDate>,
    /// The date of its closing event, if it has one.
    pub closed_on: Option<NaiveDate>,
}

impl Case {
    /// Whether the case exists at `date`: opened on or before it.
    pub fn exists_at(&self, date: NaiveDate) -> bool {
        self.opened_on.is_some_and(|d| d <= date)
    }

    /// Whether the case is open at `date`: opened on or before it and not closed by then.
    pub fn is_open_at(&self, date: NaiveDate) -> bool {
        self.exists_at(date) && self.closed_on.is_none_or(|d| d > date)
    }
}

/// All the data a policy is evaluated against, held compactly in memory: read with
/// [`Dataset::load`] (files or text) or [`Dataset::from_records`] (typed records), checked
/// against a policy's [`Schema`].
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
/// let sources = DataSources {
///     performance: Some(DataInput::csv(
///         "performance.csv",
///         "subject,period,callbacks\nc1,2026-09,41\nc1,2026-10,17\nc2,2026-10,30\n",
///     )),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// assert_eq!(data.subject_ids().collect::<Vec<_>>(), ["c1", "c2"]);
/// let months = data.months().unwrap();
/// assert_eq!((months.0.to_string(), months.1.to_string()), ("2026-09".into(), "2026-10".into()));
/// assert_eq!(data.summary().files[0].rows_used, 3);
/// assert!(data.warnings().is_empty());
/// ```
//
// Metric values are stored month-major: for each metric, one column per month of a
// contiguous range, each column indexed by subject, so `Dataset::metric_value` is two
// bounds-checked indexing operations.
#[derive(Debug)]
pub struct Dataset {
    /// The subjects' ids, numbered.
    subjects: Interner,
    metrics: Vec<MetricColumns>,
    months: Option<(Month, Month)>,
    field_width: usize,
    subject_fields: Vec<Option<Value>>,
    has_row: Vec<bool>,
    /// Display names, by subject.
    names: Vec<Option<Box<str>>>,
    concerns: Vec<Concern>,
    concern_offsets: Vec<u32>,
    /// How many event kinds the schema has: the width of a subject's run of event offsets.
    kinds: usize,
    /// Events sorted by subject, kind, date and id.
    events: Vec<Event>,
    /// The events' ids, by [`Event::id`].
    event_ids: Texts,
    /// The events' field values ([`Event::fields`] and [`Event::field_count`]).
    event_values: Vec<Value>,
    /// `events[event_offsets[s * kinds + k]..event_offsets[s * kinds + k + 1]]` are subject
    /// `s`'s events of kind `k`.
    event_offsets: Vec<u32>,
    /// Cases sorted by subject, case kind and id.
    cases: Vec<Case>,
    /// `cases[case_offsets[s]..case_offsets[s + 1]]` are subject `s`'s cases.
    case_offsets: Vec<u32>,
    summary: LoadSummary,
    warnings: Vec<DataWarning>,
}

impl Dataset {
    /// Reads the files in `sources` against a policy's schema. Either every row is good and
    /// the dataset is returned, or every problem in every file is.
    pub fn load(schema: &Schema, sources: &DataSources) -> Result<Dataset, DataErrors> {
        let (dataset, errors) = Dataset::load_partial(schema, sources);
        if errors.is_empty() {
            Ok(dataset)
        } else {
            Err(DataErrors(errors))
        }
    }

    /// Like [`Dataset::load`], but also returns the dataset built from the rows that were
    /// good, with the problems found (empty when there were none). The summary counts the
    /// rejected rows.
    pub(crate) fn load_partial(
        schema: &Schema,
        sources: &DataSources,
    ) -> (Dataset, Vec<DataError>) {
        let mut builder = DatasetBuilder::new(schema);
        let mut errors = Vec::new();
        let events = sources.events.as_ref();
        std::thread::scope(|scope| {
            // The events file's rows are read on a thread of their own while the other files
            // load; they are checked and added last, as their ids and cases are checked against
            // the concerns. Should no thread be available, they are read in turn.
            let reading = events.filter(|_| schema.reads_events()).and_then(|input| {
                std::thread::Builder::new()
                    .name("escalate-events".into())
                    .spawn_scoped(scope, move || read_events(input, schema))
                    .ok()
            });
            let files = [
                (FileKind::Performance, &sources.performance),
                (FileKind::Concerns, &sources.concerns),
                (FileKind::Subjects, &sources.subjects),
            ];
            for (kind, input) in files {
                if let Some(input) = input {
                    errors.extend(load_file(kind, input, schema, &mut builder));
                }
            }
            let Some(input) = events else { return };
            if !schema.reads_events() {
                builder.warnings.push(events_not_read(input.name()));
                return;
            }
            let read = match reading {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => read_events(input, schema),
            };
            errors.extend(finish_events(read, &mut builder));
        });
        (builder.finish(), errors)
    }

    /// Builds a dataset from records in memory, checking them exactly as files are checked.
    /// Errors name `performance records`, `concern records`, `subject records` or
    /// `event records` as the file, and the record's position in its list (from 1) as the
    /// line. Events are read only when the policy reads events (see
    /// [`Schema::reads_events`]); otherwise a warning says they were not.
    pub fn from_records(
        schema: &Schema,
        performance: &[PerformanceRecord],
        subjects: &[SubjectRecord],
        concerns: &[ConcernRecord],
        events: &[EventRecord],
    ) -> Result<Dataset, DataErrors> {
        let mut builder = DatasetBuilder::new(schema);
        let mut errors = Vec::new();
        if !performance.is_empty() {
            let table = records::performance_table(performance);
            let mut ctx = Ctx::new(
                table.path.clone(),
                FileKind::Performance,
                FileFormat::Records,
            );
            let mut handler = PerformanceHandler::new(schema, &mut builder);
            read_record_table(&mut handler, &mut ctx, &table);
            handler.finish(&ctx);
            if let Some(plan) = handler.plan.clone() {
                let Ctx {
                    errors,
                    rejected_lines,
                    ..
                } = &mut ctx;
                fill_first_lines(schema, plan, errors, rejected_lines, |finder| {
                    let mut scratch = Ctx::new(
                        table.path.clone(),
                        FileKind::Performance,
                        FileFormat::Records,
                    );
                    let mut finder: &mut dyn DynHandler = finder;
                    read_record_table(&mut finder, &mut scratch, &table);
                });
            }
            finish_file(ctx, &mut builder, &mut errors);
        }
        if !concerns.is_empty() {
            let table = records::concern_table(concerns);
            let mut ctx = Ctx::new(table.path.clone(), FileKind::Concerns, FileFormat::Records);
            read_record_table(
                &mut ConcernHandler::new(schema, &mut builder),
                &mut ctx,
                &table,
            );
            finish_file(ctx, &mut builder, &mut errors);
        }
        if !subjects.is_empty() {
            let table = records::subject_table(subjects);
            let mut ctx = Ctx::new(table.path.clone(), FileKind::Subjects, FileFormat::Records);
            read_record_table(
                &mut SubjectHandler::new(schema, &mut builder),
                &mut ctx,
                &table,
            );
            finish_file(ctx, &mut builder, &mut errors);
        }
        if !events.is_empty() {
            read_event_records(schema, events, &mut builder, &mut errors);
        }
        if errors.is_empty() {
            Ok(builder.finish())
        } else {
            Err(DataErrors(errors))
        }
    }

    /// Starts a dataset built in memory, for tests inside policies and for embedders.
    pub(crate) fn builder(schema: &Schema) -> DatasetBuilder {
        DatasetBuilder::new(schema)
    }

    /// How many subjects there are.
    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    /// A subject's id. Panics if `subject` is not below [`Dataset::subject_count`].
    pub(crate) fn subject_id(&self, subject: SubjectIndex) -> &str {
        assert!(
            (subject as usize) < self.subjects.len(),
            "subject {subject} of {}",
            self.subjects.len()
        );
        self.subjects.name(subject)
    }

    /// Every subject's index and id, in index order.
    pub(crate) fn subjects(&self) -> impl ExactSizeIterator<Item = (SubjectIndex, &str)> + '_ {
        (0..self.subjects.len() as SubjectIndex).map(|s| (s, self.subjects.name(s)))
    }

    /// A subject's index by id (exact match).
    pub(crate) fn subject_index(&self, id: &str) -> Option<SubjectIndex> {
        self.subjects.get(id)
    }

    /// The value of a metric (by its position in the schema) for a subject and month, or
    /// `None` when there is none. Constant time; allocates nothing.
    #[inline]
    pub(crate) fn metric_value(
        &self,
        metric: usize,
        subject: SubjectIndex,
        month: Month,
    ) -> Option<rust_decimal::Decimal> {
        self.metrics.get(metric)?.get(subject, month)
    }

    /// [`Dataset::metric_value`] as it is stored: for comparing without making a decimal.
    #[inline]
    pub(crate) fn metric_figure(
        &self,
        metric: usize,
        subject: SubjectIndex,
        month: Month,
    ) -> crate::number::Packed {
        self.metrics
            .get(metric)
            .map_or(crate::number::Packed::MISSING, |m| m.packed(subject, month))
    }

    /// The name people know a subject by: the `name` column of the subjects file, when it
    /// has one and the cell is not empty. Shown beside the id where a person reads results.
    pub fn subject_name(&self, subject: SubjectIndex) -> Option<&str> {
        self.names.get(subject as usize)?.as_deref()
    }

    /// Whether the subject had a row in the subjects file (or was given fields in memory).
    pub fn has_subject_row(&self, subject: SubjectIndex) -> bool {
        self.has_row.get(subject as usize).copied().unwrap_or(false)
    }

    /// A subject's declared field (by its position in the schema); `None` when unknown
    /// (an empty cell, or no row for the subject).
    pub(crate) fn subject_field(&self, subject: SubjectIndex, field: usize) -> Option<&Value> {
        if field >= self.field_width {
            return None;
        }
        self.subject_fields
            .get(subject as usize * self.field_width + field)?
            .as_ref()
    }

    /// A subject's concerns, sorted by the date raised, then id.
    pub(crate) fn concerns(&self, subject: SubjectIndex) -> &[Concern] {
        let s = subject as usize;
        match (self.concern_offsets.get(s), self.concern_offsets.get(s + 1)) {
            (Some(&start), Some(&end)) => &self.concerns[start as usize..end as usize],
            _ => &[],
        }
    }

    /// A concern by its position among all concerns (as [`Event::concern`] gives it).
    pub(crate) fn concern(&self, index: u32) -> Option<&Concern> {
        self.concerns.get(index as usize)
    }

    /// A subject's events of one kind (a position in [`Schema::event_kinds`]), sorted by
    /// date, then id. Concerns are among them, of the `concern` kind, when the policy reads
    /// events.
    pub(crate) fn events(&self, subject: SubjectIndex, kind: usize) -> &[Event] {
        if kind >= self.kinds {
            return &[];
        }
        let at = subject as usize * self.kinds + kind;
        match (self.event_offsets.get(at), self.event_offsets.get(at + 1)) {
            (Some(&start), Some(&end)) => &self.events[start as usize..end as usize],
            _ => &[],
        }
    }

    /// An event's id, unique across the events and concerns files (for a concern, the
    /// concern's id). The event must be one of this dataset's.
    pub(crate) fn event_id(&self, event: &Event) -> &str {
        self.event_ids.get(event.id)
    }

    /// An event's fields: its kind's declared fields, in the kind's order (empty for a
    /// concern). The event must be one of this dataset's.
    pub(crate) fn event_fields(&self, event: &Event) -> &[Value] {
        self.event_values.get(event.field_range()).unwrap_or(&[])
    }

    /// A subject's cases, sorted by case kind, then id; with their positions.
    pub(crate) fn cases(
        &self,
        subject: SubjectIndex,
    ) -> impl Iterator<Item = (CaseIndex, &Case)> + '_ {
        let s = subject as usize;
        let (start, end) = match (self.case_offsets.get(s), self.case_offsets.get(s + 1)) {
            (Some(&start), Some(&end)) => (start as usize, end as usize),
            _ => (0, 0),
        };
        (start..end).map(|i| (i as CaseIndex, &self.cases[i]))
    }

    /// A case by its position.
    pub(crate) fn case(&self, case: CaseIndex) -> &Case {
        &self.cases[case as usize]
    }

    /// What was read from each file.
    pub fn summary(&self) -> &LoadSummary {
        &self.summary
    }

    /// How many concerns there are in all.
    pub fn concern_count(&self) -> usize {
        self.concerns.len()
    }

    /// How many events there are in all, concerns seen as events included.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// The subjects' ids, in the order they were first seen.
    pub fn subject_ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.subjects.len() as SubjectIndex).map(|s| self.subjects.name(s))
    }

    /// Warnings about the data, such as an events file the policy does not read.
    pub fn warnings(&self) -> &[DataWarning] {
        &self.warnings
    }

    /// The first and last months with any metric value.
    pub fn months(&self) -> Option<(Month, Month)> {
        self.months
    }
}

/// The data files to read: files (paths are used as given, and named so in errors) or text
/// in memory ([`DataInput`]).
///
/// ```
/// use escalate::{DataInput, DataSources};
///
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", "subject,period,callbacks\n")),
///     events: Some(DataInput::file("data/events.json")),
///     ..DataSources::default()
/// };
/// assert!(sources.concerns.is_none());
/// ```
#[doc = include_str!("../../docs/data-files.md")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataSources {
    /// The performance file (`.csv`, `.json` or `.xlsx`).
    pub performance: Option<DataInput>,
    /// The concerns file.
    pub concerns: Option<DataInput>,
    /// The subjects file.
    pub subjects: Option<DataInput>,
    /// The events file (language v1).
    pub events: Option<DataInput>,
}

impl DataSources {
    /// Finds `performance`, `concerns`, `subjects` and `events` files (`.csv`, `.json` or
    /// `.xlsx`, any case) in a folder. An error if the folder cannot be read, holds two files of one
    /// kind, or holds no performance, concerns or events file.
    pub fn from_dir(dir: &Path) -> Result<DataSources, DataError> {
        let entries = std::fs::read_dir(dir).map_err(|error| {
            DataError::new(
                DataErrorKind::UnreadableFile {
                    path: dir.to_path_buf(),
                    reason: error.to_string().to_lowercase(),
                },
                error::Site::nowhere(Some(
                    "--data must name a folder holding performance.csv (or .json), and optionally \
                 concerns.csv, subjects.csv and events.csv"
                        .into(),
                )),
            )
        })?;
        let kinds = [
            FileKind::Performance,
            FileKind::Concerns,
            FileKind::Subjects,
            FileKind::Events,
        ];
        let mut found: [Vec<(String, PathBuf)>; 4] = Default::default();
        let mut others = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            // A link to nothing is kept, so that reading it says so.
            let broken_link = entry.file_type().is_ok_and(|t| t.is_symlink()) && !path.exists();
            if !path.is_file() && !broken_link {
                continue;
            }
            let lower = name.to_lowercase();
            let slot = lower.rsplit_once('.').and_then(|(stem, ext)| {
                let ext_ok = matches!(ext, "csv" | "json" | "xlsx");
                kinds
                    .iter()
                    .position(|k| k.name() == stem)
                    .filter(|_| ext_ok)
            });
            match slot {
                Some(i) => found[i].push((name, path)),
                None => others.push(name),
            }
        }
        let mut chosen: [Option<DataInput>; 4] = Default::default();
        for (i, files) in found.iter_mut().enumerate() {
            files.sort();
            match files.as_slice() {
                [] => {}
                [(_, path)] => chosen[i] = Some(DataInput::file(path)),
                [(first, _), (second, _), ..] => {
                    return Err(DataError::new(
                        DataErrorKind::ConflictingFiles {
                            dir: dir.to_path_buf(),
                            first: first.clone(),
                            second: second.clone(),
                        },
                        error::Site::nowhere(Some(format!(
                            "keep only one {} file, so it is clear which to read",
                            kinds[i].name()
                        ))),
                    ));
                }
            }
        }
        let [performance, concerns, subjects, events] = chosen;
        if performance.is_none() && concerns.is_none() && events.is_none() {
            others.sort();
            let mut present: Vec<String> = others;
            if let Some(input) = &subjects {
                if let Some(name) = input.name().file_name().and_then(|n| n.to_str()) {
                    present.insert(0, name.to_string());
                }
            }
            let seen = if present.is_empty() {
                "the folder holds no files".to_string()
            } else {
                let shown: Vec<String> =
                    present.iter().take(10).map(|n| format!("`{n}`")).collect();
                format!("the folder holds only {}", shown.join(", "))
            };
            return Err(DataError::new(
                DataErrorKind::NoData {
                    dir: dir.to_path_buf(),
                },
                error::Site::nowhere(Some(format!(
                    "{seen}; put the monthly figures in `performance.csv` (or \
                     `performance.json` or `performance.xlsx`), any concerns in `concerns.csv` and any dated events in \
                     `events.csv`"
                ))),
            ));
        }
        Ok(DataSources {
            performance,
            concerns,
            subjects,
            events,
        })
    }
}

/// The reading state for one input, named as the input is.
fn input_ctx(input: &DataInput, kind: FileKind) -> Ctx {
    let mut ctx = Ctx::new(input.name().to_path_buf(), kind, input.format());
    ctx.bytes = input.shared_bytes();
    ctx
}

/// A file as read, kept to show the offending lines under errors (and to read it again).
enum Parsed {
    /// A CSV file, read again from disk for its lines.
    Csv,
    Json(table::JsonTable),
    #[cfg(feature = "xlsx")]
    Sheet(xlsx::Sheet),
    /// A file that could not be read at all (the error says why).
    Nothing,
}

impl Parsed {
    /// Reads the rows again through another handler (to find the first of two duplicates).
    fn reread(&self, handler: &mut &mut dyn DynHandler, ctx: &mut Ctx) {
        match self {
            Parsed::Csv => table::read_csv(handler, ctx),
            Parsed::Json(table) => table::read_json_table(handler, ctx, table),
            #[cfg(feature = "xlsx")]
            Parsed::Sheet(sheet) => table::read_sheet_rows(handler, ctx, sheet),
            Parsed::Nothing => {}
        }
    }

    /// Shows the offending line, record or row under each error.
    fn attach_snippets(&self, ctx: &mut Ctx) {
        match self {
            Parsed::Csv => table::attach_csv_snippets(
                &ctx.path,
                ctx.bytes.as_ref(),
                ctx.delimiter,
                &mut ctx.errors,
            ),
            Parsed::Json(table) => {
                table::attach_json_snippets(&ctx.path, &table.text, &mut ctx.errors)
            }
            #[cfg(feature = "xlsx")]
            Parsed::Sheet(sheet) => {
                let name = ctx.path.display().to_string();
                table::attach_sheet_snippets(&name, sheet, &mut ctx.errors)
            }
            Parsed::Nothing => {}
        }
    }
}

/// Reads one file through its kind's handler.
fn load_file(
    kind: FileKind,
    input: &DataInput,
    schema: &Schema,
    data: &mut DatasetBuilder,
) -> Vec<DataError> {
    let mut ctx = input_ctx(input, kind);
    let parsed = match kind {
        FileKind::Performance => {
            let mut handler = PerformanceHandler::new(schema, data);
            let parsed = read_cooked(&mut handler, &mut ctx);
            handler.finish(&ctx);
            let plan = handler.plan.clone();
            if let Some(plan) = plan {
                let Ctx {
                    errors,
                    rejected_lines,
                    ..
                } = &mut ctx;
                fill_first_lines(schema, plan, errors, rejected_lines, |finder| {
                    let mut scratch = input_ctx(input, kind);
                    let mut finder: &mut dyn DynHandler = finder;
                    parsed.reread(&mut finder, &mut scratch);
                });
            }
            parsed
        }
        FileKind::Concerns => read(&mut ConcernHandler::new(schema, data), &mut ctx),
        FileKind::Subjects => read(&mut SubjectHandler::new(schema, data), &mut ctx),
        FileKind::Events => return finish_events(read_events(input, schema), data),
        FileKind::Actual => unreachable!("the file of actions taken is read by `read_table`"),
    };
    parsed.attach_snippets(&mut ctx);
    let mut errors = Vec::new();
    finish_file(ctx, data, &mut errors);
    errors
}

/// An events file's rows, read but not yet checked against each other and the other files.
struct EventsRead<'a> {
    handler: EventHandler<'a>,
    ctx: Ctx,
    parsed: Parsed,
}

/// Reads the rows of an events file (see [`finish_events`] for the rest).
fn read_events<'a>(input: &DataInput, schema: &'a Schema) -> EventsRead<'a> {
    let mut ctx = input_ctx(input, FileKind::Events);
    let mut handler = EventHandler::new(schema);
    if let Some(bytes) = input_size(input) {
        handler.expect_bytes(bytes);
    }
    let parsed = read_cooked(&mut handler, &mut ctx);
    EventsRead {
        handler,
        ctx,
        parsed,
    }
}

/// The size of an input in bytes, when known: to size what is kept from it at once.
fn input_size(input: &DataInput) -> Option<u64> {
    match input.bytes() {
        Some(bytes) => Some(bytes.len() as u64),
        None => std::fs::metadata(input.name()).ok().map(|m| m.len()),
    }
}

/// Checks the rows of an events file between themselves and against the concerns, adds the
/// good ones to the dataset, and returns the file's errors.
fn finish_events(read: EventsRead<'_>, data: &mut DatasetBuilder) -> Vec<DataError> {
    let EventsRead {
        handler,
        mut ctx,
        parsed,
    } = read;
    handler.finish(data, &mut ctx);
    parsed.attach_snippets(&mut ctx);
    let mut errors = Vec::new();
    finish_file(ctx, data, &mut errors);
    errors
}

/// Reads one input holding records of `kind` through `handler`, as every data file is read:
/// a file or text in memory, CSV (its separator sniffed), JSON or a workbook's sheet, with the
/// same checks and error locations. Returns the problems found, with their lines shown. For
/// tables that are not part of a [`Dataset`] (the file of actions taken).
pub(crate) fn read_table<H: Handler>(
    input: &DataInput,
    kind: FileKind,
    handler: &mut H,
) -> Vec<DataError> {
    let mut ctx = input_ctx(input, kind);
    let parsed = read(handler, &mut ctx);
    parsed.attach_snippets(&mut ctx);
    ctx.into_errors().0
}

/// Adds a file's errors to `errors` and its summary to the dataset.
fn finish_file(ctx: Ctx, data: &mut DatasetBuilder, errors: &mut Vec<DataError>) {
    let (file_errors, summary) = ctx.into_errors();
    data.summary.files.push(summary);
    errors.extend(file_errors);
}

/// [`read`] with a CSV file's rows cooked in chunks on several threads (see
/// [`table::read_csv_cooked`]).
fn read_cooked<H: table::Cook>(handler: &mut H, ctx: &mut Ctx) -> Parsed {
    match ctx.format {
        FileFormat::Csv => {
            table::read_csv_cooked(handler, ctx);
            Parsed::Csv
        }
        _ => read(handler, ctx),
    }
}

/// Reads a file of the context's format.
fn read<H: Handler>(handler: &mut H, ctx: &mut Ctx) -> Parsed {
    match ctx.format {
        FileFormat::Json => table::read_json(handler, ctx).map_or(Parsed::Nothing, Parsed::Json),
        FileFormat::Xlsx => read_workbook(handler, ctx),
        _ => {
            table::read_csv(handler, ctx);
            Parsed::Csv
        }
    }
}

/// Reads the sheet of a workbook that holds the context's kind of records; errors name the
/// file and sheet (`performance.xlsx (sheet performance)`), the row and the column.
#[cfg(feature = "xlsx")]
fn read_workbook<H: Handler>(handler: &mut H, ctx: &mut Ctx) -> Parsed {
    let kind = ctx.summary.kind;
    let opened = std::fs::File::open(&ctx.path).map(std::io::BufReader::new);
    let sheet = match opened {
        Ok(file) => xlsx::read_sheet(file, kind),
        Err(error) => Err(xlsx::SheetProblem::Unreadable(
            error.to_string().to_lowercase(),
        )),
    };
    match sheet {
        Ok(sheet) => {
            let named = PathBuf::from(format!("{} (sheet {})", ctx.path.display(), sheet.name));
            ctx.summary.path = named.clone();
            ctx.path = named;
            table::read_sheet_rows(handler, ctx, &sheet);
            Parsed::Sheet(sheet)
        }
        Err(problem) => {
            let (reason, help) = sheet_problem_text(problem, kind);
            let at = error::Site::file(&ctx.path, Some(help));
            ctx.errors.push(DataError::new(
                DataErrorKind::UnreadableFile {
                    path: ctx.path.clone(),
                    reason,
                },
                at,
            ));
            Parsed::Nothing
        }
    }
}

/// Why a workbook could not be read, and the help.
#[cfg(feature = "xlsx")]
fn sheet_problem_text(problem: xlsx::SheetProblem, kind: FileKind) -> (String, String) {
    match problem {
        xlsx::SheetProblem::Unreadable(reason) => (
            reason,
            "check that the file is an Excel workbook (.xlsx) and can be opened".to_string(),
        ),
        xlsx::SheetProblem::WhichSheet(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            (
                format!(
                    "the workbook has {} sheets and none is named `{}`",
                    names.len(),
                    kind.name()
                ),
                format!(
                    "name the sheet holding the {} records `{}` (the sheets are {})",
                    kind.name(),
                    kind.name(),
                    crate::suggest::quoted_list(&names).replace("` or `", "` and `")
                ),
            )
        }
        xlsx::SheetProblem::Empty(name) => (
            format!("the sheet `{name}` is empty"),
            "the first row must name the columns, such as `subject,period,...`".to_string(),
        ),
    }
}

/// Without the `xlsx` feature, a workbook is refused with a help saying how to read it.
#[cfg(not(feature = "xlsx"))]
fn read_workbook<H: Handler>(_handler: &mut H, ctx: &mut Ctx) -> Parsed {
    let at = error::Site::file(
        &ctx.path,
        Some(
            "this escalate was built without Excel support (the `xlsx` feature): save the sheet \
             as \"CSV UTF-8\" and give that file instead"
                .into(),
        ),
    );
    ctx.errors.push(DataError::new(
        DataErrorKind::UnreadableFile {
            path: ctx.path.clone(),
            reason: "Excel workbooks cannot be read by this build".into(),
        },
        at,
    ));
    Parsed::Nothing
}

fn read_record_table<H: Handler>(handler: &mut H, ctx: &mut Ctx, table: &RecordTable) {
    table::read_rows(handler, ctx, &table.header, &table.shown, &table.rows);
}

/// Reads events handed over in memory (when the policy reads events).
fn read_event_records(
    schema: &Schema,
    events: &[EventRecord],
    builder: &mut DatasetBuilder,
    errors: &mut Vec<DataError>,
) {
    let table = records::event_table(events);
    if !schema.reads_events() {
        builder.warnings.push(events_not_read(&table.path));
        return;
    }
    let mut ctx = Ctx::new(table.path.clone(), FileKind::Events, FileFormat::Records);
    let mut handler = EventHandler::new(schema);
    read_record_table(&mut handler, &mut ctx, &table);
    handler.finish(builder, &mut ctx);
    finish_file(ctx, builder, errors);
}

/// The warning for an events file a policy that reads no events was given.
fn events_not_read(path: &Path) -> DataWarning {
    let at = error::Site::file(
        path,
        Some(
            "declare the event kinds the policy uses (`event ID \"Description\"`), or leave the \
             events file out"
                .into(),
        ),
    );
    let kind = error::DataWarningKind::EventsNotRead {
        path: path.to_path_buf(),
    };
    DataWarning::new(kind, at)
}

#[cfg(test)]
mod tests;

//! The events file (language v1): `id,subject,kind,date[,case],<event fields>`.
//!
//! Each row is first checked on its own (values, kind, fields, case column). Rows that
//! pass are kept, compactly, with their lines; once every row is read, the problems
//! between rows are looked for (duplicate ids, and cases: opened, closed, kinds, subjects,
//! dates, `once per case` kinds), each reported on the later row in file order. Only then
//! do the good rows go to the dataset.

use chrono::NaiveDate;

use super::cell::{parse_date, parse_field, Expect};
use super::error::{metric_list, Anchor, DataError, DataErrorKind, Site};
use super::store::{id_hash, DatasetBuilder, IdMap, Interner, PendingEvent, PositionsByHash};
use super::summary::FileFormat;
use super::table::{
    cell_text, normalise_heading, required_text, Ctx, Handler, Header, Outcome, Prepare, Row,
};
use super::SubjectIndex;
use crate::schema::{Schema, Value};

/// Positions of the fixed columns in [`EventHandler::columns`].
const ID: usize = 0;
const SUBJECT: usize = 1;
const KIND: usize = 2;
const DATE: usize = 3;

/// The slots of [`Prepare::ids`]: the subject ids go to [`EventHandler::subjects`], the case
/// ids to [`EventHandler::file_cases`].
const PREPARED_SUBJECT: usize = 0;
const PREPARED_CASE: usize = 1;

/// A row that passed the checks of a single row, kept until every row is read.
struct Pending {
    line: usize,
    anchor: RowAnchor,
    id: Box<str>,
    /// The subject's key in [`EventHandler::subjects`].
    subject: u32,
    kind: usize,
    date: NaiveDate,
    /// The case id's key (see [`DatasetBuilder::case_key`]).
    case: Option<u32>,
    fields: Box<[Value]>,
    rejected: bool,
}

/// Where a [`Pending`] row is in its file, for messages: a CSV record's first byte (as
/// [`Anchor::Csv`] with no field), or else a position in [`EventHandler::anchors`]. Small, as
/// a million rows may be kept.
#[derive(Clone, Copy)]
enum RowAnchor {
    Csv(u64),
    Kept(usize),
}

/// What is known of a case while the rows are checked.
struct CaseState {
    /// Its case kind.
    kind: usize,
    /// The subject of its opening event (its key in [`EventHandler::subjects`]).
    subject: u32,
    opened_on: NaiveDate,
    /// The line of the opening event; `None` when a concern opened it.
    opener_line: Option<usize>,
    /// The date and line of its closing event.
    closed: Option<(NaiveDate, usize)>,
    /// The `once per case` kinds seen in it, with their lines.
    once: Vec<(usize, usize)>,
}

/// Reads event rows, then (given the dataset: see [`EventHandler::finish`]) checks them
/// and adds the good ones to it. `D` is the dataset: `()` while the rows are read, which
/// needs nothing of the dataset, so an events file can be read while other files are.
pub(crate) struct EventHandler<'a, D = ()> {
    schema: &'a Schema,
    data: D,
    /// id, subject, kind and date.
    columns: [usize; 4],
    /// The `case` column, when the file has one.
    case_column: Option<usize>,
    /// The column of each event field (by position in `Schema::event_fields`), if present.
    field_columns: Vec<Option<usize>>,
    rows: Vec<Pending>,
    /// The subject ids of the rows, each kept once, by key.
    subjects: Interner,
    /// The case ids of the rows, each kept once, by key (numbered on the reading thread of a
    /// CSV file, in [`PREPARED_CASE`]). [`Pending::case`] holds these keys until
    /// [`EventHandler::finish`] changes them to the dataset's.
    file_cases: Interner,
    /// For each case id whose opening row was rejected, that row's line.
    rejected_openers: IdMap<usize>,
    /// The rows' ids, once indexed (see [`EventHandler::index_ids`]).
    ids: Option<IdIndex>,
    /// The anchors of rows not in a CSV file (see [`RowAnchor`]).
    anchors: Vec<Anchor>,
}

/// The rows' event ids, indexed to find those used twice: the first row of each id, by the
/// id's hash ([`id_hash`]) and, for ids whose hash an earlier different id has, by text; and
/// each later row with an id used before, with that first row, in row order.
#[derive(Default)]
struct IdIndex {
    first: PositionsByHash,
    collided: IdMap<usize>,
    repeats: Vec<(usize, usize)>,
}

impl<'a> EventHandler<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        EventHandler {
            schema,
            data: (),
            columns: [0; 4],
            case_column: None,
            field_columns: Vec::new(),
            rows: Vec::new(),
            subjects: Interner::default(),
            file_cases: Interner::default(),
            rejected_openers: IdMap::default(),
            ids: None,
            anchors: Vec::new(),
        }
    }

    /// Indexes the rows' ids (see [`IdIndex`]), so that [`EventHandler::finish`] need only look
    /// up the concerns' ids. Called once every row is read, on the thread that read them.
    pub fn index_ids(&mut self) {
        self.ids = Some(index_ids(&self.rows));
    }
}

/// See [`IdIndex`]. Ids are compared only when their hashes agree, which for unique ids is
/// almost never. The rows are taken a batch at a time, with their slots read ahead.
fn index_ids(rows: &[Pending]) -> IdIndex {
    let mut index = IdIndex {
        first: PositionsByHash::with_capacity(rows.len()),
        ..IdIndex::default()
    };
    let mut hashes = Vec::with_capacity(ID_BATCH);
    for (batch, chunk) in rows.chunks(ID_BATCH).enumerate() {
        hashes.clear();
        hashes.extend(chunk.iter().map(|row| id_hash(&row.id)));
        index.first.warm(&hashes);
        for (offset, &hash) in hashes.iter().enumerate() {
            let at = batch * ID_BATCH + offset;
            if let Some(earlier) = index_id(&mut index, rows, at, hash) {
                index.repeats.push((at, earlier));
            }
        }
    }
    index
}

/// How many ids [`index_ids`] hashes and reads ahead at a time.
const ID_BATCH: usize = 256;

/// Indexes row `at`'s id (whose hash is `hash`): the first row with that id, if another.
fn index_id(index: &mut IdIndex, rows: &[Pending], at: usize, hash: u64) -> Option<usize> {
    let id = &*rows[at].id;
    let first = index.first.first_or_insert(hash, at as u32)? as usize;
    if *rows[first].id == *id {
        return Some(first);
    }
    match index.collided.get(id) {
        Some(&earlier) => Some(earlier),
        None => {
            index.collided.insert(id.into(), at);
            None
        }
    }
}

impl<D> EventHandler<'_, D> {
    /// Whether some declared kind has the event field at `field`.
    fn field_needed(&self, field: usize) -> bool {
        self.schema
            .event_kinds
            .iter()
            .any(|k| !k.builtin && k.fields.contains(&field))
    }

    /// The columns an events file needs, with the help for their absence. The `case` and
    /// field columns are needed in CSV files only: in JSON and records, a key left out is
    /// an empty cell, reported (when a value is needed) on the rows that need it.
    fn needed(&self, csv: bool) -> Vec<(String, String)> {
        let example = self
            .schema
            .event_kinds
            .iter()
            .find(|k| !k.builtin)
            .map_or("request_accepted", |k| k.id.as_str());
        let mut needed = vec![
            (
                "id".to_string(),
                "add a column headed `id` with a reference for each event, such as `E-001`"
                    .to_string(),
            ),
            (
                "subject".to_string(),
                "add a column headed `subject` with the id of the subject each event is about"
                    .to_string(),
            ),
            (
                "kind".to_string(),
                format!("add a column headed `kind` with each event's kind, such as `{example}`"),
            ),
            (
                "date".to_string(),
                "add a column headed `date` with the day each event happened, such as \
                 `2026-03-02`"
                    .to_string(),
            ),
        ];
        if !csv {
            return needed;
        }
        if !self.schema.case_kinds.is_empty() {
            needed.push((
                "case".to_string(),
                "the policy declares case kinds, so the file needs a column headed `case` with \
                 the case id of each event that belongs to a case (empty for the others)"
                    .to_string(),
            ));
        }
        for (i, field) in self.schema.event_fields.iter().enumerate() {
            if self.field_needed(i) {
                needed.push((
                    normalise_heading(&field.name),
                    format!(
                        "the policy declares the event field `{}` ({}), so the file needs a \
                         column headed `{}` (empty in rows whose kind does not have it)",
                        field.name, field.ty, field.name
                    ),
                ));
            }
        }
        needed
    }

    /// The row's kind: a declared kind other than the built-in `concern`.
    fn kind<R: Row + ?Sized>(&self, row: &R, ctx: &mut Ctx) -> Option<usize> {
        let column = self.columns[KIND];
        let text = required_text(row, column, ctx, || {
            "every event needs its kind, as declared in the policy".into()
        })?;
        let found = self
            .schema
            .event_kinds
            .iter()
            .position(|k| !k.builtin && k.id.eq_ignore_ascii_case(text));
        if found.is_none() {
            let help = self.unknown_kind_help(text);
            let kind = text.to_string();
            ctx.report(Some(column), |mut at| {
                at.label = Some("not a declared kind".into());
                at.help = Some(help);
                DataError::new(DataErrorKind::UnknownEventKind { kind }, at)
            });
        }
        found
    }

    fn unknown_kind_help(&self, text: &str) -> String {
        let declared = self.schema.event_kinds.iter().filter(|k| !k.builtin);
        let is_concern = self
            .schema
            .event_kinds
            .iter()
            .any(|k| k.builtin && k.id.eq_ignore_ascii_case(text));
        if is_concern {
            return "concerns are read from the concerns file (`concerns.csv`), not from the \
                    events file"
                .into();
        }
        crate::suggest::did_you_mean(text, declared.map(|k| k.id.as_str())).unwrap_or_else(|| {
            "write one of the event kinds the policy declares (`event ID \"Description\"`)".into()
        })
    }

    fn date<R: Row + ?Sized>(&self, row: &R, ctx: &mut Ctx) -> Option<NaiveDate> {
        let column = self.columns[DATE];
        let text = required_text(row, column, ctx, || {
            "every event needs the day it happened, such as `2026-03-02`".into()
        })?;
        match parse_date(text) {
            Ok(date) => Some(date),
            Err(problem) => {
                ctx.problem(column, problem, text, Expect::Date);
                None
            }
        }
    }

    /// The kind's declared fields, in the kind's order; `None` (after reporting) when one
    /// is empty or wrong, or a field the kind does not declare has a value.
    fn fields<R: Row + ?Sized>(&self, row: &R, kind: usize, ctx: &mut Ctx) -> Option<Vec<Value>> {
        let def = &self.schema.event_kinds[kind];
        let mut values = Vec::with_capacity(def.fields.len());
        let mut ok = true;
        for &f in &def.fields {
            let field = &self.schema.event_fields[f];
            let Some(column) = self.field_columns.get(f).copied().flatten() else {
                ok = false;
                missing_key(ctx, &field.name, &def.id);
                continue;
            };
            let help = || {
                format!(
                    "every `{}` event needs a value for `{}` ({})",
                    def.id, field.name, field.ty
                )
            };
            match required_text(row, column, ctx, help) {
                Some(text) => match parse_field(&field.ty, text) {
                    Ok(value) => values.push(value),
                    Err(problem) => {
                        ctx.problem(column, problem, text, Expect::Field(&field.ty));
                        ok = false;
                    }
                },
                None => ok = false,
            }
        }
        ok &= self.no_unexpected_values(row, kind, ctx);
        ok.then_some(values)
    }

    /// Reports values in field columns the row's kind does not declare.
    fn no_unexpected_values<R: Row + ?Sized>(&self, row: &R, kind: usize, ctx: &mut Ctx) -> bool {
        let def = &self.schema.event_kinds[kind];
        let mut ok = true;
        for (f, column) in self.field_columns.iter().enumerate() {
            let Some(column) = *column else { continue };
            if def.fields.contains(&f) {
                continue;
            }
            match cell_text(row, column, ctx) {
                Ok("") => {}
                Ok(text) => {
                    ok = false;
                    let help = self.unexpected_help(f, &def.id);
                    let (kind, text) = (def.id.clone(), text.to_string());
                    let column_name = ctx.column(column).to_string();
                    ctx.report(Some(column), |mut at| {
                        at.label = Some("not a field of this kind".into());
                        at.help = Some(help);
                        DataError::new(
                            DataErrorKind::UnexpectedValue {
                                kind,
                                column: column_name,
                                text,
                            },
                            at,
                        )
                    });
                }
                Err(()) => ok = false,
            }
        }
        ok
    }

    fn unexpected_help(&self, field: usize, kind: &str) -> String {
        let name = &self.schema.event_fields[field].name;
        let owners: Vec<String> = self
            .schema
            .event_kinds
            .iter()
            .filter(|k| !k.builtin && k.fields.contains(&field))
            .map(|k| k.id.clone())
            .collect();
        format!(
            "leave `{name}` empty in `{kind}` rows (only {} events have it), or check the kind",
            metric_list(&owners)
        )
    }

    /// The row's case id: `Ok(Some)` for a kind in a case kind, `Ok(None)` for a subject
    /// event; `Err` (after reporting) when the `case` cell does not fit the kind.
    fn case<'r, R: Row + ?Sized>(
        &self,
        row: &'r R,
        kind: usize,
        ctx: &mut Ctx,
    ) -> Result<Option<&'r str>, ()> {
        let text = match self.case_column {
            Some(column) => {
                let text = cell_text(row, column, ctx)?;
                if !ctx.id_ok(column, text) {
                    return Err(());
                }
                text
            }
            None => "",
        };
        let column = self.case_column;
        let def = &self.schema.event_kinds[kind];
        match (def.case, text) {
            (Some(_), text) if !text.is_empty() => Ok(Some(text)),
            (None, "") => Ok(None),
            (Some(case_kind), _) => {
                let case_kind = self.schema.case_kinds[case_kind].id.clone();
                let kind = def.id.clone();
                ctx.report(column, |mut at| {
                    at.label = Some("empty".into());
                    at.help = Some(format!(
                        "write in the `case` column the id of the `{case_kind}` case this event \
                         belongs to"
                    ));
                    DataError::new(DataErrorKind::MissingCase { kind, case_kind }, at)
                });
                Err(())
            }
            (None, text) => {
                let (kind, case) = (def.id.clone(), text.to_string());
                ctx.report(column, |mut at| {
                    at.label = Some("not a case event".into());
                    at.help = Some(format!(
                        "`{kind}` events are about the subject, not a case: leave the `case` \
                         column empty (or check the kind)"
                    ));
                    DataError::new(DataErrorKind::UnexpectedCase { kind, case }, at)
                });
                Err(())
            }
        }
    }

    /// Whether events of `kind` open cases of their case kind.
    fn opens(&self, kind: usize) -> bool {
        let def = &self.schema.event_kinds[kind];
        def.case
            .is_some_and(|c| self.schema.case_kinds[c].opened_by == kind)
    }

    /// Whether events of `kind` close cases of their case kind.
    fn closes(&self, kind: usize) -> bool {
        let def = &self.schema.event_kinds[kind];
        def.case
            .is_some_and(|c| self.schema.case_kinds[c].closed_by.contains(&kind))
    }
}

impl EventHandler<'_> {
    /// The key of a row's subject id in [`EventHandler::subjects`].
    fn subject_key<R: Row + ?Sized>(&mut self, row: &R, subject: &str) -> u32 {
        row.prepared_id(PREPARED_SUBJECT)
            .unwrap_or_else(|| self.subjects.key(subject))
    }

    /// The anchor of the row being read, kept (see [`RowAnchor`]).
    fn row_anchor(&mut self, ctx: &Ctx) -> RowAnchor {
        match ctx.anchor {
            Anchor::Csv { byte, field: None } => RowAnchor::Csv(byte),
            ref anchor => {
                self.anchors.push(anchor.clone());
                RowAnchor::Kept(self.anchors.len() - 1)
            }
        }
    }

    /// The key of a row's case id in [`EventHandler::file_cases`].
    fn case_key<R: Row + ?Sized>(&mut self, row: &R, case: &str) -> u32 {
        row.prepared_id(PREPARED_CASE)
            .unwrap_or_else(|| self.file_cases.key(case))
    }
}

impl Handler for EventHandler<'_> {
    fn prepare(&self) -> Prepare {
        let mut ids = vec![self.columns[SUBJECT]];
        ids.extend(self.case_column);
        Prepare { ids }
    }

    fn lend_interners(&mut self) -> Vec<Interner> {
        vec![
            std::mem::take(&mut self.subjects),
            std::mem::take(&mut self.file_cases),
        ]
    }

    fn return_interners(&mut self, interners: Vec<Interner>) {
        let mut interners = interners.into_iter();
        self.subjects = interners.next().unwrap_or_default();
        self.file_cases = interners.next().unwrap_or_default();
    }

    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        let csv = matches!(ctx.format, FileFormat::Csv | FileFormat::Xlsx);
        // A missing column is reported once, here; the rows are still read (its cells as
        // absent), so that the problems in the other columns are reported in the same run.
        let found = ctx.require_columns_or_absent(header, &self.needed(csv));
        self.columns = [found[ID], found[SUBJECT], found[KIND], found[DATE]];
        let single = |name: &str| match header.positions(name).as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        // The columns a CSV file needs come after the fixed four, in the order `needed`
        // lists them; in JSON and records a key left out is reported on the rows needing it.
        let mut needed_columns = found[DATE + 1..].iter().copied();
        self.case_column = match csv && !self.schema.case_kinds.is_empty() {
            true => needed_columns.next(),
            false => single("case"),
        };
        self.field_columns = (0..self.schema.event_fields.len())
            .map(|f| match csv && self.field_needed(f) {
                true => needed_columns.next(),
                false => single(&normalise_heading(&self.schema.event_fields[f].name)),
            })
            .collect();
        let mut used: Vec<usize> = self.columns.to_vec();
        used.extend(self.case_column);
        used.extend(self.field_columns.iter().flatten());
        ctx.note_unused(&used);
        true
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        let id = required_text(row, self.columns[ID], ctx, || {
            "every event needs an id".into()
        })
        .filter(|id| ctx.id_ok(self.columns[ID], id));
        let subject = required_text(row, self.columns[SUBJECT], ctx, || {
            "every event needs the id of the subject it is about".into()
        })
        .filter(|subject| ctx.id_ok(self.columns[SUBJECT], subject));
        let kind = self.kind(row, ctx);
        let date = self.date(row, ctx);
        let fields = kind.and_then(|k| self.fields(row, k, ctx));
        let case = kind.map(|k| self.case(row, k, ctx));
        match (id, subject, kind, date, fields, case) {
            (Some(id), Some(subject), Some(kind), Some(date), Some(fields), Some(Ok(case))) => {
                let subject = self.subject_key(row, subject);
                let case = case.map(|case| self.case_key(row, case));
                let anchor = self.row_anchor(ctx);
                self.rows.push(Pending {
                    line: ctx.line,
                    anchor,
                    id: id.into(),
                    subject,
                    kind,
                    date,
                    case,
                    fields: fields.into_boxed_slice(),
                    rejected: false,
                });
                Outcome::Used
            }
            (_, _, Some(kind), _, _, Some(Ok(Some(case)))) => {
                if self.opens(kind) && !self.rejected_openers.contains_key(case) {
                    self.rejected_openers.insert(case.into(), ctx.line);
                }
                Outcome::Rejected
            }
            _ => Outcome::Rejected,
        }
    }
}

impl<'a> EventHandler<'a> {
    /// Checks the problems between rows, then adds every good row to the dataset. Errors
    /// are left in line order; rows rejected here are counted as rejected.
    pub fn finish(self, data: &mut DatasetBuilder, ctx: &mut Ctx) {
        let EventHandler {
            schema,
            data: (),
            columns,
            case_column,
            field_columns,
            rows,
            subjects,
            file_cases,
            rejected_openers,
            ids,
            anchors,
        } = self;
        let mut checker = EventHandler {
            schema,
            data,
            columns,
            case_column,
            field_columns,
            rows,
            subjects,
            file_cases,
            rejected_openers,
            ids,
            anchors,
        };
        checker.number_cases();
        checker.check(ctx);
    }
}

impl EventHandler<'_, &mut DatasetBuilder> {
    /// Gives the rows' cases the dataset's keys (see [`DatasetBuilder::case_key`]), in the
    /// order of each case's first row.
    fn number_cases(&mut self) {
        let mut keys = vec![u32::MAX; self.file_cases.len()];
        for row in &mut self.rows {
            let Some(local) = row.case else { continue };
            let Some(key) = keys.get_mut(local as usize) else {
                continue;
            };
            if *key == u32::MAX {
                *key = self.data.case_key(self.file_cases.name(local));
            }
            row.case = Some(*key);
        }
    }

    /// See [`EventHandler::finish`].
    fn check(mut self, ctx: &mut Ctx) {
        self.check_ids(ctx);
        self.check_cases(ctx);
        // Subjects are added in the order of their first good row, as each row is added.
        let mut subjects: Vec<Option<SubjectIndex>> = vec![None; self.subjects.len()];
        let (data, names) = (&mut *self.data, &self.subjects);
        // Collected from `into_iter().filter_map` of a list of larger rows, the events are
        // written over the rows' own memory rather than into a new list.
        let events: Vec<PendingEvent> = std::mem::take(&mut self.rows)
            .into_iter()
            .filter_map(|row| {
                if row.rejected {
                    ctx.reject_later(row.line);
                    return None;
                }
                let subject = *subjects[row.subject as usize]
                    .get_or_insert_with(|| data.add_subject(names.name(row.subject)));
                data.keyed_event(subject, row.id, row.kind, row.date, row.case, row.fields)
            })
            .collect();
        data.add_keyed_events(events);
        ctx.sort_errors();
    }

    /// Reports a problem on row `i` (rejecting it), at `column` of the file.
    fn reject(
        &mut self,
        ctx: &mut Ctx,
        i: usize,
        column: Option<usize>,
        make: impl FnOnce(Box<Site>) -> DataError,
    ) {
        let row = &mut self.rows[i];
        row.rejected = true;
        ctx.line = row.line;
        ctx.anchor = match row.anchor {
            RowAnchor::Csv(byte) => Anchor::Csv { byte, field: None },
            RowAnchor::Kept(at) => self.anchors.get(at).cloned().unwrap_or_default(),
        };
        ctx.report(column, make);
    }

    /// Event ids are unique across the events and the concerns.
    fn check_ids(&mut self, ctx: &mut Ctx) {
        for (i, first) in self.duplicate_ids() {
            let id = self.rows[i].id.to_string();
            let column = Some(self.columns[ID]);
            self.reject(ctx, i, column, |mut at| {
                at.label = Some("used before".into());
                at.help = Some(match first {
                    Some(first) => {
                        format!("line {first} has the same id; every event needs its own id")
                    }
                    None => format!(
                        "the concerns file has a concern with the id `{id}`; events and \
                         concerns need ids of their own"
                    ),
                });
                DataError::new(
                    DataErrorKind::DuplicateEvent {
                        id,
                        first_line: first,
                    },
                    at,
                )
            });
        }
    }

    /// The rows whose id was used before, each with the line that used it first (`None` for a
    /// concern), in row order.
    fn duplicate_ids(&mut self) -> Vec<(usize, Option<usize>)> {
        let index = match self.ids.take() {
            Some(index) => index,
            None => index_ids(&self.rows),
        };
        // The first rows of ids a concern has: they and their repeats are reported.
        let mut clash: Vec<bool> = Vec::new();
        for (_, concern) in self.data.added_concerns() {
            let id = &*concern.id;
            let first = match index.first.get(id_hash(id)).map(|at| at as usize) {
                Some(at) if *self.rows[at].id == *id => Some(at),
                Some(_) => index.collided.get(id).copied(),
                None => None,
            };
            if let Some(at) = first {
                if clash.len() <= at {
                    clash.resize(at + 1, false);
                }
                clash[at] = true;
            }
        }
        let clashes = |at: usize| clash.get(at).copied().unwrap_or(false);
        let mut duplicates: Vec<(usize, Option<usize>)> = index
            .repeats
            .iter()
            .map(|&(at, first)| (at, (!clashes(first)).then(|| self.rows[first].line)))
            .collect();
        duplicates.extend(
            (0..clash.len())
                .filter(|&at| clash[at])
                .map(|at| (at, None)),
        );
        duplicates.sort_unstable_by_key(|&(at, _)| at);
        duplicates
    }

    /// Checks every case: opened once, closed at most once, its events of its kind, about
    /// its subject, dated within it, and `once per case` kinds at most once.
    fn check_cases(&mut self, ctx: &mut Ctx) {
        let mut cases = self.concern_cases();
        for i in 0..self.rows.len() {
            if self.live_case(i).is_some() && self.opens(self.rows[i].kind) {
                self.open(ctx, i, &mut cases);
            }
        }
        for i in 0..self.rows.len() {
            if self.live_case(i).is_some() && self.closes(self.rows[i].kind) {
                self.close(ctx, i, &mut cases);
            }
        }
        for i in 0..self.rows.len() {
            let kind = self.rows[i].kind;
            if self.live_case(i).is_some() && !self.opens(kind) && !self.closes(kind) {
                self.follow(ctx, i, &mut cases);
            }
        }
    }

    /// The case key of a row not rejected, if it has one.
    fn live_case(&self, i: usize) -> Option<u32> {
        let row = &self.rows[i];
        row.case.filter(|_| !row.rejected)
    }

    /// The case id of row `i` (empty when it has none), for messages.
    fn case_text(&self, i: usize) -> String {
        self.rows[i]
            .case
            .map_or("", |key| self.data.case_id(key))
            .to_string()
    }

    /// What is known of each case so far, by case key: the cases opened by concerns, when a
    /// case kind is opened by `concern`.
    fn concern_cases(&mut self) -> Vec<Option<CaseState>> {
        let concern = self.schema.concern_kind();
        let kind = self
            .schema
            .case_kinds
            .iter()
            .position(|c| Some(c.opened_by) == concern);
        let opened: Vec<(Box<str>, u32, NaiveDate)> = match kind {
            None => Vec::new(),
            Some(_) => {
                let data = &*self.data;
                data.added_concerns()
                    .map(|(subject, c)| (c.id.clone(), subject, c.raised_on))
                    .collect()
            }
        };
        let mut cases: Vec<Option<CaseState>> = Vec::new();
        for (id, subject, opened_on) in opened {
            let key = self.data.case_key(&id) as usize;
            let subject = self.subjects.key(self.data.subject_id(subject));
            if cases.len() <= key {
                cases.resize_with(key + 1, || None);
            }
            cases[key] = Some(CaseState {
                kind: kind.unwrap_or(0),
                subject,
                opened_on,
                opener_line: None,
                closed: None,
                once: Vec::new(),
            });
        }
        cases
    }

    /// An opening event: its case id must be new.
    fn open(&mut self, ctx: &mut Ctx, i: usize, cases: &mut Vec<Option<CaseState>>) {
        let row = &self.rows[i];
        let key = row.case.unwrap_or_default() as usize;
        if cases.len() <= key {
            cases.resize_with(key + 1, || None);
        }
        let Some(existing) = &cases[key] else {
            cases[key] = Some(CaseState {
                kind: self.schema.event_kinds[row.kind].case.unwrap_or(0),
                subject: row.subject,
                opened_on: row.date,
                opener_line: Some(row.line),
                closed: None,
                once: Vec::new(),
            });
            return;
        };
        let first = existing.opener_line;
        let case = self.case_text(i);
        self.reject(ctx, i, self.case_column, |mut at| {
            at.label = Some("opened before".into());
            at.help = Some(match first {
                Some(line) => {
                    format!("line {line} opens case `{case}` too; give each case its own id")
                }
                None => {
                    format!("concern `{case}` opens a case with this id; give each case its own id")
                }
            });
            DataError::new(
                DataErrorKind::CaseOpenedTwice {
                    case,
                    first_line: first,
                },
                at,
            )
        });
    }

    /// A closing event: a member of its case, dated on or after its opening, and the
    /// case's only closing event.
    fn close(&mut self, ctx: &mut Ctx, i: usize, cases: &mut [Option<CaseState>]) {
        let Some(state) = self.member(ctx, i, cases) else {
            return;
        };
        let (date, line) = (self.rows[i].date, self.rows[i].line);
        let Some((_, first)) = state.closed else {
            state.closed = Some((date, line));
            return;
        };
        let case = self.case_text(i);
        self.reject(ctx, i, self.case_column, |mut at| {
            at.label = Some("closed before".into());
            at.help = Some(format!(
                "line {first} already closes case `{case}`; a case is closed only once"
            ));
            DataError::new(
                DataErrorKind::CaseClosedTwice {
                    case,
                    first_line: Some(first),
                },
                at,
            )
        });
    }

    /// Any other case event: a member of its case, dated within it, and at most one of a
    /// `once per case` kind.
    fn follow(&mut self, ctx: &mut Ctx, i: usize, cases: &mut [Option<CaseState>]) {
        let Some(state) = self.member(ctx, i, cases) else {
            return;
        };
        let row = &self.rows[i];
        let (kind, date, line) = (row.kind, row.date, row.line);
        if let Some((closed_on, _)) = state.closed.filter(|(closed_on, _)| date > *closed_on) {
            let case = self.case_text(i);
            let column = Some(self.columns[DATE]);
            self.reject(ctx, i, column, |at| {
                outside(case, date, false, closed_on, at)
            });
            return;
        }
        if !self.schema.event_kinds[kind].once_per_case {
            return;
        }
        let Some(&(_, first)) = state.once.iter().find(|(k, _)| *k == kind) else {
            state.once.push((kind, line));
            return;
        };
        let case = self.case_text(i);
        let kind = self.schema.event_kinds[kind].id.clone();
        let column = Some(self.columns[KIND]);
        self.reject(ctx, i, column, |mut at| {
            at.label = Some("second in the case".into());
            at.help = Some(format!(
                "`{kind}` happens at most once per case, and line {first} already has one \
                 for case `{case}`; remove one, or check the case id"
            ));
            DataError::new(
                DataErrorKind::RepeatedOncePerCase {
                    kind,
                    case,
                    first_line: Some(first),
                },
                at,
            )
        });
    }

    /// The case of row `i`, when the row may belong to it: the case was opened, is of the
    /// row's case kind, is about the row's subject, and was opened on or before the row's
    /// date. Otherwise reports why, rejects the row and returns `None`.
    fn member<'c>(
        &mut self,
        ctx: &mut Ctx,
        i: usize,
        cases: &'c mut [Option<CaseState>],
    ) -> Option<&'c mut CaseState> {
        let key = self.rows[i].case.unwrap_or_default() as usize;
        let Some(Some(state)) = cases.get_mut(key) else {
            self.not_opened(ctx, i);
            return None;
        };
        if !self.fits(i, state) {
            let (column, make) = self.membership(i, state);
            self.reject(ctx, i, column, make);
            return None;
        }
        Some(state)
    }

    /// Whether row `i` may belong to the case `state`: of its case kind, about its subject,
    /// and not dated before it was opened.
    fn fits(&self, i: usize, state: &CaseState) -> bool {
        let row = &self.rows[i];
        self.schema.event_kinds[row.kind].case.unwrap_or(0) == state.kind
            && row.subject == state.subject
            && row.date >= state.opened_on
    }

    /// Why row `i` cannot belong to the case `state` (see [`EventHandler::fits`]): the column
    /// to point at and the error to build.
    #[allow(clippy::type_complexity)]
    fn membership(
        &self,
        i: usize,
        state: &CaseState,
    ) -> (Option<usize>, Box<dyn FnOnce(Box<Site>) -> DataError>) {
        let row = &self.rows[i];
        let case = self.case_text(i);
        let row_case_kind = self.schema.event_kinds[row.kind].case.unwrap_or(0);
        let opened_by = |line: Option<usize>| match line {
            Some(line) => format!("on line {line}"),
            None => format!("by concern `{case}`"),
        };
        if row_case_kind != state.kind {
            let kind = self.schema.event_kinds[row.kind].id.clone();
            let case_kind = self.schema.case_kinds[row_case_kind].id.clone();
            let opened_as = self.schema.case_kinds[state.kind].id.clone();
            let help = format!(
                "case `{case}` was opened {} as a `{opened_as}` case; check the case id",
                opened_by(state.opener_line)
            );
            return (
                self.case_column,
                Box::new(move |mut at| {
                    at.label = Some("another kind of case".into());
                    at.help = Some(help);
                    DataError::new(
                        DataErrorKind::WrongCaseKind {
                            kind,
                            case_kind,
                            case,
                            opened_as,
                        },
                        at,
                    )
                }),
            );
        }
        if row.subject != state.subject {
            let subject = self.subjects.name(row.subject).to_string();
            let case_subject = self.subjects.name(state.subject).to_string();
            let help = format!(
                "case `{case}` was opened {} for `{case_subject}`; check the subject or the \
                 case id",
                opened_by(state.opener_line)
            );
            let first_line = state.opener_line;
            return (
                Some(self.columns[SUBJECT]),
                Box::new(move |mut at| {
                    at.label = Some("another subject".into());
                    at.help = Some(help);
                    DataError::new(
                        DataErrorKind::CaseSubjectMismatch {
                            case,
                            subject,
                            case_subject,
                            first_line,
                        },
                        at,
                    )
                }),
            );
        }
        let (date, bound) = (row.date, state.opened_on);
        (
            Some(self.columns[DATE]),
            Box::new(move |at| outside(case, date, true, bound, at)),
        )
    }

    /// Reports row `i`'s case as never opened.
    fn not_opened(&mut self, ctx: &mut Ctx, i: usize) {
        let row = &self.rows[i];
        let case = self.case_text(i);
        let case_kind =
            &self.schema.case_kinds[self.schema.event_kinds[row.kind].case.unwrap_or(0)];
        let opener_def = &self.schema.event_kinds[case_kind.opened_by];
        let opener = opener_def.id.clone();
        let help = match self.rejected_openers.get(case.as_str()) {
            Some(line) => format!(
                "the `{opener}` event on line {line} that opens case `{case}` was rejected; fix \
                 that row first"
            ),
            None if opener_def.builtin => format!(
                "add concern `{case}` to the concerns file (it opens the case), or check the \
                 case id"
            ),
            None => {
                format!("add the `{opener}` event that opens case `{case}`, or check the case id")
            }
        };
        self.reject(ctx, i, self.case_column, |mut at| {
            at.label = Some("never opened".into());
            at.help = Some(help);
            DataError::new(DataErrorKind::CaseNotOpened { case, opener }, at)
        });
    }
}

/// The error for an event dated before its case was opened or after it was closed.
fn outside(
    case: String,
    date: NaiveDate,
    before: bool,
    bound: NaiveDate,
    mut at: Box<Site>,
) -> DataError {
    at.label = Some("outside the case".into());
    at.help = Some(format!(
        "case `{case}` was {} on {bound}; check the event's date or its case id",
        if before { "opened" } else { "closed" }
    ));
    DataError::new(
        DataErrorKind::EventOutsideCase {
            case,
            date,
            before,
            bound,
        },
        at,
    )
}

/// Reports a declared field left out of a JSON record (or in-memory record) that needs it.
fn missing_key(ctx: &mut Ctx, field: &str, kind: &str) {
    let column = field.to_string();
    let help = format!("every `{kind}` event needs a value for `{field}`");
    ctx.report(None, |mut at| {
        at.label = Some("no value".into());
        at.help = Some(help);
        DataError::new(DataErrorKind::MissingValue { column }, at)
    });
}

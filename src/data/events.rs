//! The events file (language v1): `id,subject,kind,date[,case],<event fields>`.
//!
//! Each row is first checked on its own (values, kind, fields, case column). Rows that
//! pass are kept, compactly, with their lines; once every row is read, the problems
//! between rows are looked for (duplicate ids, and cases: opened, closed, kinds, subjects,
//! dates, `once per case` kinds), each reported on the later row in file order. Only then
//! do the good rows go to the dataset.

use chrono::NaiveDate;

use super::cell::{iso_date, parse_date, parse_field, plain_field, same_bytes, Expect};
use super::error::{metric_list, Anchor, DataError, DataErrorKind, Site};
use super::store::{
    id_hash, DatasetBuilder, EventList, IdMap, Interner, PendingEvent, PositionsByHash,
};
use super::summary::FileFormat;
use super::table::{
    cell_bytes, cell_text, is_printable_ascii, normalise_heading, plain_shape, required_text, Cook,
    Cooked, Ctx, Handler, Header, Needed, Outcome, Row,
};
use super::SubjectIndex;
use crate::schema::{FieldType, Schema, Value};

/// Positions of the fixed columns in [`Layout::columns`].
const ID: usize = 0;
const SUBJECT: usize = 1;
const KIND: usize = 2;
const DATE: usize = 3;

/// Where a kept row is in its file, for messages, in 8 bytes (a million rows may be kept): a
/// CSV record's first byte (as [`Anchor::Csv`] with no field), or, with [`RowAnchor::KEPT`]
/// set, a position in [`Kept::other_anchors`].
#[derive(Clone, Copy)]
struct RowAnchor(u64);

impl RowAnchor {
    const KEPT: u64 = 1 << 63;
}

/// What is known of a case while the rows are checked.
struct CaseState {
    /// Its case kind.
    kind: usize,
    /// The subject of its opening event (its key in [`Kept::subjects`]).
    subject: u32,
    opened_on: NaiveDate,
    /// The line of the opening event; `None` when a concern opened it.
    opener_line: Option<usize>,
    /// The date and line of its closing event.
    closed: Option<(NaiveDate, usize)>,
    /// The `once per case` kinds seen in it, with their lines.
    once: Vec<(usize, usize)>,
}

/// Where the file's columns are, and what each event kind needs of a row.
#[derive(Clone, Default)]
struct Layout {
    /// id, subject, kind and date.
    columns: [usize; 4],
    /// The `case` column, when the file has one.
    case_column: Option<usize>,
    /// The column of each event field (by position in `Schema::event_fields`), if present.
    field_columns: Vec<Option<usize>>,
    /// For each event kind, the columns of its declared fields in the kind's order, each
    /// with the field's position; `None` when the file lacks one of them.
    field_cells: Vec<Option<Vec<(usize, usize)>>>,
    /// For each event kind, the field columns its rows leave empty (the other kinds' fields).
    idle_columns: Vec<Vec<usize>>,
    /// For each event kind, whether its events open, and whether they close, a case.
    roles: Vec<(bool, bool)>,
    /// Each kind a row may have (not `concern`), as the policy writes it, with the kind a
    /// cell of that text is (the first the text names, ignoring case): most cells name their
    /// kind exactly so, and are found without comparing letter by letter ignoring case.
    exact_kinds: Vec<(Box<[u8]>, usize)>,
    /// For each event field, the texts its cells usually hold, as written, with their values
    /// (see [`exact_values`]): found without parsing.
    exact_values: Vec<Vec<(Box<[u8]>, Value)>>,
}

/// The texts a field's cells usually hold, with their values: a `one of` field's names as the
/// policy writes them, and the usual words for a flag. Each value is [`plain_field`]'s, so a
/// cell is read the same whether found here or parsed.
fn exact_values(ty: &FieldType) -> Vec<(Box<[u8]>, Value)> {
    let texts: Vec<&str> = match ty {
        FieldType::OneOf(names) => names.iter().map(|name| name.trim()).collect(),
        FieldType::Flag => vec![
            "yes", "no", "Yes", "No", "true", "false", "y", "n", "1", "0",
        ],
        _ => Vec::new(),
    };
    texts
        .into_iter()
        .filter_map(|text| Some((text.as_bytes().into(), plain_field(ty, text.as_bytes())?)))
        .collect()
}

impl Layout {
    /// The layout of a file whose columns are not known yet.
    fn new(schema: &Schema) -> Layout {
        let roles = (0..schema.event_kinds.len())
            .map(|kind| {
                let case_kind = schema.event_kinds[kind].case.map(|c| &schema.case_kinds[c]);
                (
                    case_kind.is_some_and(|c| c.opened_by == kind),
                    case_kind.is_some_and(|c| c.closed_by.contains(&kind)),
                )
            })
            .collect();
        let exact_kinds = schema
            .event_kinds
            .iter()
            .filter(|k| !k.builtin)
            .map(|k| {
                let kind = kind_named(schema, k.id.as_bytes()).unwrap_or_default();
                (k.id.as_bytes().into(), kind)
            })
            .collect();
        let exact_values = schema
            .event_fields
            .iter()
            .map(|field| exact_values(&field.ty))
            .collect();
        Layout {
            roles,
            exact_kinds,
            exact_values,
            ..Layout::default()
        }
    }

    /// The kind a kind cell's bytes name (see [`kind_named`]).
    #[inline]
    fn kind(&self, schema: &Schema, text: &[u8]) -> Option<usize> {
        match self.exact_kinds.iter().find(|(id, _)| same_bytes(id, text)) {
            Some(&(_, kind)) => Some(kind),
            None => kind_named(schema, text),
        }
    }

    /// Notes where each event field's column is (see [`Layout::field_cells`]).
    fn set_field_columns(&mut self, schema: &Schema, field_columns: Vec<Option<usize>>) {
        self.field_cells = schema
            .event_kinds
            .iter()
            .map(|kind| {
                kind.fields
                    .iter()
                    .map(|&f| Some((field_columns.get(f).copied().flatten()?, f)))
                    .collect()
            })
            .collect();
        self.idle_columns = schema
            .event_kinds
            .iter()
            .map(|kind| {
                let idle = |(f, column): (usize, &Option<usize>)| {
                    column.filter(|_| !kind.fields.contains(&f))
                };
                field_columns.iter().enumerate().filter_map(idle).collect()
            })
            .collect();
        self.field_columns = field_columns;
    }

    /// Whether events of `kind` open cases of their case kind.
    fn opens(&self, kind: usize) -> bool {
        self.roles[kind].0
    }

    /// Whether events of `kind` close cases of their case kind.
    fn closes(&self, kind: usize) -> bool {
        self.roles[kind].1
    }
}

/// The kind a row's kind cell names: the first declared kind (not `concern`) with that id,
/// ignoring case.
fn kind_named(schema: &Schema, text: &[u8]) -> Option<usize> {
    schema
        .event_kinds
        .iter()
        .position(|k| !k.builtin && k.id.as_bytes().eq_ignore_ascii_case(text))
}

/// The rows that passed the checks of a single row, kept until every row is read.
#[derive(Default)]
struct Kept {
    /// Their events, ids and fields, in row order; each event's subject is its key in
    /// [`Kept::subjects`], and its case the key of its case id in [`Kept::file_cases`] (the
    /// dataset's key once [`Checker::number_cases`] has run).
    events: EventList,
    /// Each row's line.
    lines: Vec<usize>,
    /// Each row's place in its file.
    anchors: Vec<RowAnchor>,
    /// The subject ids of the rows, each kept once, by key.
    subjects: Interner,
    /// The case ids of the rows, each kept once, by key.
    file_cases: Interner,
    /// For each case id whose opening row was rejected, that row's line.
    rejected_openers: IdMap<usize>,
    /// The rows' ids, indexed as the rows are kept.
    ids: IdIndex,
    /// The anchors of rows not in a CSV file (see [`RowAnchor`]).
    other_anchors: Vec<Anchor>,
}

impl Kept {
    /// Row `i`'s event.
    fn event(&self, i: usize) -> &PendingEvent {
        &self.events.events[i]
    }

    /// Row `i`'s id.
    fn id(&self, i: usize) -> &str {
        self.events.ids.get(self.event(i).event.id_number())
    }

    /// Row `i`'s id, as bytes (for hashing and comparing).
    fn id_bytes(&self, i: usize) -> &[u8] {
        self.events.ids.get_bytes(self.event(i).event.id_number())
    }

    fn len(&self) -> usize {
        self.events.events.len()
    }

    /// Indexes row `at`'s id, whose [`id_hash`] is `hash` (see [`IdIndex`]). Ids are compared
    /// only when their hashes agree, which for unique ids is almost never.
    fn index_id(&mut self, at: usize, hash: u64) {
        let Some(first) = self.ids.first.first_or_insert(hash, at as u32) else {
            return;
        };
        let first = first as usize;
        let earlier = if self.id_bytes(first) == self.id_bytes(at) {
            Some(first)
        } else {
            let id: Box<str> = self.id(at).into();
            match self.ids.collided.get(&id) {
                Some(&earlier) => Some(earlier),
                None => {
                    self.ids.collided.insert(id, at);
                    None
                }
            }
        };
        if let Some(earlier) = earlier {
            self.ids.repeats.push((at, earlier));
        }
    }

    /// Makes room for the rows of a file of `file` bytes, judged from its first chunk's
    /// cooked rows (the rows of a file are much alike), so that the kept rows are not copied
    /// as their lists grow: a million rows are usual.
    fn presize(&mut self, file: u64, cooked: &Cooked<CookedEvent>) {
        let Some(&(last, _)) = cooked.rows.last() else {
            return;
        };
        let span = u64::from(last.byte).max(1);
        let whole = |in_chunk: usize| {
            let estimate = file.saturating_mul(in_chunk as u64) / span;
            usize::try_from(estimate.min(file)).unwrap_or(0)
        };
        let rows = whole(cooked.rows.len());
        let id_bytes: usize = (cooked.rows.iter())
            .filter_map(|(_, row)| Some((row.as_ref()?.id.end - row.as_ref()?.id.start) as usize))
            .sum();
        (self.events).reserve(rows, whole(id_bytes), whole(cooked.values.len()));
        self.lines.reserve(rows);
        self.anchors.reserve(rows);
        if self.len() == 0 {
            self.ids.first = PositionsByHash::with_capacity(rows);
        }
    }
}

/// Reads event rows and keeps the good ones; [`EventHandler::finish`] then checks them
/// against each other and adds them to a dataset. Reading needs nothing of the dataset, so
/// an events file can be read while other files are.
pub(crate) struct EventHandler<'a> {
    schema: &'a Schema,
    layout: Layout,
    kept: Kept,
    /// The keys of the subject and case ids of the cooked rows of the chunk being taken, by
    /// the rows' positions (see [`CookedEvent::row`]).
    cooked_keys: Vec<(u32, Option<u32>)>,
    /// Room for the hashes of a chunk's ids.
    hashes: Vec<u64>,
    /// The size of the file being read, until the kept rows are sized for it.
    expected_bytes: Option<u64>,
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
            layout: Layout::new(schema),
            kept: Kept::default(),
            cooked_keys: Vec::new(),
            hashes: Vec::new(),
            expected_bytes: None,
        }
    }

    /// Says how large the file to be read is (in bytes), so that the kept rows are sized for
    /// it at the first chunk rather than grown (see [`Kept::presize`]).
    pub fn expect_bytes(&mut self, bytes: u64) {
        self.expected_bytes = Some(bytes);
    }
}

/// An id cell's bytes when they are plain: not empty, and printable ASCII only (so free of
/// control characters, UTF-8, and trimmed as [`cell_text`] trims).
#[inline]
fn plain_id(bytes: &[u8]) -> Option<&[u8]> {
    (!bytes.is_empty() && is_printable_ascii(bytes)).then_some(bytes)
}

impl EventHandler<'_> {
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
    fn needed(&self, csv: bool) -> Vec<Needed> {
        let example = self
            .schema
            .event_kinds
            .iter()
            .find(|k| !k.builtin)
            .map_or("request_accepted", |k| k.id.as_str());
        let mut needed = vec![
            Needed::new(
                "id",
                "add a column headed `id` with a reference for each event, such as `E-001`",
            ),
            Needed::new(
                "subject",
                "add a column headed `subject` with the id of the subject each event is about",
            ),
            Needed::new(
                "kind",
                format!("add a column headed `kind` with each event's kind, such as `{example}`"),
            ),
            Needed::new(
                "date",
                "add a column headed `date` with the day each event happened, such as \
                 `2026-03-02`",
            ),
        ];
        if !csv {
            return needed;
        }
        if !self.schema.case_kinds.is_empty() {
            needed.push(Needed::new(
                "case",
                "the policy declares case kinds, so the file needs a column headed `case` with \
                 the case id of each event that belongs to a case (empty for the others)",
            ));
        }
        for (i, field) in self.schema.event_fields.iter().enumerate() {
            if self.field_needed(i) {
                needed.push(Needed::new(
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
        let column = self.layout.columns[KIND];
        let text = required_text(row, column, ctx, || {
            "every event needs its kind, as declared in the policy".into()
        })?;
        let found = kind_named(self.schema, text.as_bytes());
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
        let column = self.layout.columns[DATE];
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
            let Some(column) = self.layout.field_columns.get(f).copied().flatten() else {
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
        for (f, column) in self.layout.field_columns.iter().enumerate() {
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
        let text = match self.layout.case_column {
            Some(column) => {
                let text = cell_text(row, column, ctx)?;
                if !ctx.id_ok(column, text) {
                    return Err(());
                }
                text
            }
            None => "",
        };
        let column = self.layout.case_column;
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
}

/// A plain row's cells, read by [`Layout::plain_event`].
struct PlainEvent<'r> {
    id: &'r [u8],
    subject: &'r [u8],
    kind: usize,
    date: NaiveDate,
    /// The date cell's bytes.
    date_text: &'r [u8],
    /// The case id, for a kind in a case kind.
    case: Option<&'r [u8]>,
}

/// A date cell's text (`YYYY-MM-DD`) with its date: an events file is in date order, so a
/// row's date is usually the row before's, found without parsing.
type KnownDate = ([u8; 10], NaiveDate);

impl Layout {
    /// Reads a row whose cells are all plain and right, without the machinery that reports
    /// problems, its fields onto `values`: `None`, having added nothing, when some cell needs
    /// a closer look. The row is then read by [`EventHandler::checked_row`], which keeps
    /// exactly what this would have, so the two give the same rows; this one is for speed (a
    /// million rows are usual). `known`: a date cell's text and date, taken without parsing
    /// when the row's date cell has that text.
    fn plain_event<'r, R: Row + ?Sized>(
        &self,
        schema: &Schema,
        row: &'r R,
        values: &mut Vec<Value>,
        known: Option<KnownDate>,
    ) -> Option<PlainEvent<'r>> {
        let [id, subject, kind, date] = self.columns;
        let id = plain_id(cell_bytes(row, id))?;
        let subject = plain_id(cell_bytes(row, subject))?;
        let kind = self.kind(schema, cell_bytes(row, kind))?;
        let date_text = cell_bytes(row, date);
        let date = match known {
            Some((text, date)) if *date_text == text => date,
            _ => iso_date(date_text)??,
        };
        let case = self.plain_case(schema, row, kind)?;
        let start = values.len();
        if !self.plain_fields(schema, row, kind, values) {
            values.truncate(start);
            return None;
        }
        Some(PlainEvent {
            id,
            subject,
            kind,
            date,
            date_text,
            case,
        })
    }

    /// A plain row's case id (see [`Layout::plain_event`]): `Some(Some)` for a kind in a case
    /// kind, `Some(None)` for a subject event with its `case` cell empty.
    fn plain_case<'r, R: Row + ?Sized>(
        &self,
        schema: &Schema,
        row: &'r R,
        kind: usize,
    ) -> Option<Option<&'r [u8]>> {
        let in_case = schema.event_kinds[kind].case.is_some();
        match self.case_column {
            Some(column) if in_case => plain_id(cell_bytes(row, column)).map(Some),
            Some(column) => cell_bytes(row, column).is_empty().then_some(None),
            None => (!in_case).then_some(None),
        }
    }

    /// Parses a plain row's fields (see [`Layout::plain_event`]) onto `values`: `false` when
    /// one is not plain or not right, or a field of another kind has a value.
    fn plain_fields<R: Row + ?Sized>(
        &self,
        schema: &Schema,
        row: &R,
        kind: usize,
        values: &mut Vec<Value>,
    ) -> bool {
        let Some(cells) = &self.field_cells[kind] else {
            return false;
        };
        for &(column, field) in cells {
            let bytes = cell_bytes(row, column);
            let exact = self.exact_values[field]
                .iter()
                .find(|(text, _)| same_bytes(text, bytes));
            let value = match exact {
                Some((_, value)) => value.clone(),
                None => match plain_field(&schema.event_fields[field].ty, bytes) {
                    Some(value) => value,
                    None => return false,
                },
            };
            values.push(value);
        }
        self.idle_columns[kind]
            .iter()
            .all(|&column| cell_bytes(row, column).is_empty())
    }
}

impl EventHandler<'_> {
    /// Keeps a row whose cells are all plain and right (see [`Layout::plain_event`]): `false`,
    /// having kept nothing, when some cell needs a closer look.
    fn plain_row<R: Row + ?Sized>(&mut self, row: &R, ctx: &Ctx) -> bool {
        let start = self.kept.events.values.len();
        let values = &mut self.kept.events.values;
        let Some(event) = self.layout.plain_event(self.schema, row, values, None) else {
            return false;
        };
        let subject = self.kept.subjects.key_bytes(event.subject);
        let case = event.case.map(|case| self.kept.file_cases.key_bytes(case));
        self.keep(
            ctx, subject, event.id, None, event.kind, event.date, case, start,
        );
        true
    }

    /// Reads a row cell by cell, reporting every problem found; keeps it when there is none.
    fn checked_row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        let columns = self.layout.columns;
        let id = required_text(row, columns[ID], ctx, || "every event needs an id".into())
            .filter(|id| ctx.id_ok(columns[ID], id));
        let subject = required_text(row, columns[SUBJECT], ctx, || {
            "every event needs the id of the subject it is about".into()
        })
        .filter(|subject| ctx.id_ok(columns[SUBJECT], subject));
        let kind = self.kind(row, ctx);
        let date = self.date(row, ctx);
        let fields = kind.and_then(|k| self.fields(row, k, ctx));
        let case = kind.map(|k| self.case(row, k, ctx));
        match (id, subject, kind, date, fields, case) {
            (Some(id), Some(subject), Some(kind), Some(date), Some(fields), Some(Ok(case))) => {
                let subject = self.kept.subjects.key(subject);
                let case = case.map(|case| self.kept.file_cases.key(case));
                let start = self.kept.events.values.len();
                self.kept.events.values.extend(fields);
                self.keep(ctx, subject, id.as_bytes(), None, kind, date, case, start);
                Outcome::Used
            }
            (_, _, Some(kind), _, _, Some(Ok(Some(case)))) => {
                if self.layout.opens(kind) && !self.kept.rejected_openers.contains_key(case) {
                    self.kept.rejected_openers.insert(case.into(), ctx.line);
                }
                Outcome::Rejected
            }
            _ => Outcome::Rejected,
        }
    }

    /// Keeps a row that passed the checks of a single row: its event (whose fields are the
    /// kept values from `fields` on), line and place; indexes its id (whose [`id_hash`] is
    /// `hash` when already worked out).
    #[allow(clippy::too_many_arguments)]
    fn keep(
        &mut self,
        ctx: &Ctx,
        subject: u32,
        id: &[u8],
        hash: Option<u64>,
        kind: usize,
        date: NaiveDate,
        case: Option<u32>,
        fields: usize,
    ) {
        let kept = &mut self.kept;
        kept.events
            .push_event(subject, id, kind, date, case, fields);
        let at = kept.len() - 1;
        let hash = hash.unwrap_or_else(|| id_hash(kept.id_bytes(at)));
        kept.index_id(at, hash);
        kept.lines.push(ctx.line);
        let anchor = match ctx.anchor {
            Anchor::Csv { byte, field: None } if byte < RowAnchor::KEPT => RowAnchor(byte),
            ref anchor => {
                kept.other_anchors.push(anchor.clone());
                RowAnchor(RowAnchor::KEPT | (kept.other_anchors.len() - 1) as u64)
            }
        };
        kept.anchors.push(anchor);
    }
}

impl Handler for EventHandler<'_> {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        let csv = matches!(ctx.format, FileFormat::Csv | FileFormat::Xlsx);
        // A missing column is reported once, here; the rows are still read (its cells as
        // absent), so that the problems in the other columns are reported in the same run.
        let found = ctx.require_columns_or_absent(header, &self.needed(csv));
        self.layout.columns = [found[ID], found[SUBJECT], found[KIND], found[DATE]];
        let single = |name: &str| match header.positions(name).as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        // The columns a CSV file needs come after the fixed four, in the order `needed`
        // lists them; in JSON and records a key left out is reported on the rows needing it.
        let mut needed_columns = found[DATE + 1..].iter().copied();
        self.layout.case_column = match csv && !self.schema.case_kinds.is_empty() {
            true => needed_columns.next(),
            false => single("case"),
        };
        let field_columns = (0..self.schema.event_fields.len())
            .map(|f| match csv && self.field_needed(f) {
                true => needed_columns.next(),
                false => single(&normalise_heading(&self.schema.event_fields[f].name)),
            })
            .collect();
        self.layout.set_field_columns(self.schema, field_columns);
        let mut used: Vec<usize> = self.layout.columns.to_vec();
        used.extend(self.layout.case_column);
        used.extend(self.layout.field_columns.iter().flatten());
        ctx.note_unused(&used);
        true
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        if self.plain_row(row, ctx) {
            return Outcome::Used;
        }
        self.checked_row(row, ctx)
    }
}

/// What cooking an events row needs (see [`Cook`]).
pub(crate) struct EventRecipe<'a> {
    schema: &'a Schema,
    layout: Layout,
    width: usize,
}

/// An id of a cooked row: where it is in [`Cooked::text`], and its [`id_hash`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct CookedId {
    start: u32,
    end: u32,
    hash: u64,
}

impl CookedId {
    /// Copies an id into the cooked text.
    fn new(text: &mut Vec<u8>, id: &[u8]) -> CookedId {
        let start = text.len() as u32;
        text.extend_from_slice(id);
        CookedId {
            start,
            end: text.len() as u32,
            hash: id_hash(id),
        }
    }

    fn bytes<'c>(&self, cooked: &'c Cooked<CookedEvent>) -> &'c [u8] {
        &cooked.text[self.start as usize..self.end as usize]
    }
}

/// A plain events row (see [`Layout::plain_event`]) cooked on any thread: its ids in
/// [`Cooked::text`], its fields in [`Cooked::values`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct CookedEvent {
    /// Its position among its chunk's rows, where [`Cook::before_taking`] puts the keys of
    /// its subject and case ids.
    row: u32,
    id: CookedId,
    subject: CookedId,
    case: Option<CookedId>,
    kind: u32,
    date: NaiveDate,
    /// Its date cell's text (see [`KnownDate`]).
    date_text: [u8; 10],
    /// Where its fields are in [`Cooked::values`].
    fields: (u32, u32),
}

impl<'a> Cook for EventHandler<'a> {
    type Recipe = EventRecipe<'a>;
    type Cooked = CookedEvent;
    /// Each kept row holds its line and place (see [`EventHandler::keep`]).
    const TAKES_PLACES: bool = true;

    fn recipe(&self, width: usize) -> EventRecipe<'a> {
        EventRecipe {
            schema: self.schema,
            layout: self.layout.clone(),
            width,
        }
    }

    #[inline]
    fn cook<R: Row + ?Sized>(
        recipe: &EventRecipe<'a>,
        row: &R,
        into: &mut Cooked<CookedEvent>,
    ) -> Option<CookedEvent> {
        if !plain_shape(row, recipe.width) {
            return None;
        }
        let start = into.values.len() as u32;
        let known = match into.rows.last() {
            Some((_, Some(before))) => Some((before.date_text, before.date)),
            _ => None,
        };
        let event = recipe
            .layout
            .plain_event(recipe.schema, row, &mut into.values, known)?;
        Some(CookedEvent {
            row: into.rows.len() as u32,
            id: CookedId::new(&mut into.text, event.id),
            subject: CookedId::new(&mut into.text, event.subject),
            case: event.case.map(|case| CookedId::new(&mut into.text, case)),
            kind: event.kind as u32,
            date: event.date,
            // `iso_date` read exactly ten bytes, so this is never the default.
            date_text: event.date_text.try_into().unwrap_or_default(),
            fields: (start, into.values.len() as u32),
        })
    }

    /// Numbers the chunk's subject ids, then its case ids, each looked up together (see
    /// [`Interner::warm`]), and reads ahead the slots of its event ids in the id index: the
    /// rows come in date order, so their ids are anywhere in the tables, and looked up one by
    /// one each would wait for memory. At the first chunk, sizes the kept rows for the file.
    fn before_taking(&mut self, cooked: &Cooked<CookedEvent>) {
        if let Some(file) = self.expected_bytes.take() {
            self.kept.presize(file, cooked);
        }
        self.cooked_keys.clear();
        self.cooked_keys.resize(cooked.rows.len(), (0, None));
        let rows = || cooked.rows.iter().filter_map(|(_, row)| row.as_ref());
        self.hashes.clear();
        self.hashes.extend(rows().map(|row| row.subject.hash));
        self.kept.subjects.warm(&self.hashes);
        for row in rows() {
            let (id, keys) = (row.subject, &mut self.cooked_keys[row.row as usize]);
            keys.0 = self.kept.subjects.key_hashed(id.hash, id.bytes(cooked));
        }
        self.hashes.clear();
        self.hashes
            .extend(rows().filter_map(|row| Some(row.case?.hash)));
        self.kept.file_cases.warm(&self.hashes);
        for row in rows() {
            let Some(id) = row.case else { continue };
            let key = self.kept.file_cases.key_hashed(id.hash, id.bytes(cooked));
            self.cooked_keys[row.row as usize].1 = Some(key);
        }
        self.hashes.clear();
        self.hashes.extend(rows().map(|row| row.id.hash));
        self.kept.ids.first.warm(&self.hashes);
    }

    #[inline]
    fn take_cooked(
        &mut self,
        row: &CookedEvent,
        from: &Cooked<CookedEvent>,
        ctx: &mut Ctx,
    ) -> Option<Outcome> {
        let (subject, case) = self.cooked_keys[row.row as usize];
        let start = self.kept.events.values.len();
        let fields = &from.values[row.fields.0 as usize..row.fields.1 as usize];
        self.kept.events.values.extend_from_slice(fields);
        let (id, kind) = (row.id.bytes(from), row.kind as usize);
        let hash = Some(row.id.hash);
        self.keep(ctx, subject, id, hash, kind, row.date, case, start);
        Some(Outcome::Used)
    }
}

impl<'a> EventHandler<'a> {
    /// Checks the problems between rows, then adds every good row to the dataset. Errors
    /// are left in line order; rows rejected here are counted as rejected.
    pub fn finish(self, data: &mut DatasetBuilder, ctx: &mut Ctx) {
        let rejected = vec![false; self.kept.len()];
        let mut checker = Checker {
            schema: self.schema,
            layout: self.layout,
            kept: self.kept,
            rejected,
            data,
        };
        checker.number_cases();
        checker.check(ctx);
    }
}

/// Checks the kept rows against each other and the dataset's concerns, then adds the good
/// ones to the dataset.
struct Checker<'a, 'd> {
    schema: &'a Schema,
    layout: Layout,
    kept: Kept,
    /// Each kept row found wrong here.
    rejected: Vec<bool>,
    data: &'d mut DatasetBuilder,
}

impl Checker<'_, '_> {
    /// Row `i`, as the checks read it.
    fn row(&self, i: usize) -> KeptRow {
        let PendingEvent { subject, event } = *self.kept.event(i);
        KeptRow {
            kind: event.kind as usize,
            subject,
            date: event.date,
            case: event.case(),
            line: self.kept.lines[i],
        }
    }

    /// Gives the rows' cases the dataset's keys (see [`DatasetBuilder::case_key`]), in the
    /// order of each case's first row.
    fn number_cases(&mut self) {
        let mut keys = vec![u32::MAX; self.kept.file_cases.len()];
        for row in &mut self.kept.events.events {
            let Some(local) = row.event.case() else {
                continue;
            };
            let Some(key) = keys.get_mut(local as usize) else {
                continue;
            };
            if *key == u32::MAX {
                *key = self.data.case_key(self.kept.file_cases.name(local));
            }
            row.event.set_case(Some(*key));
        }
    }

    /// See [`EventHandler::finish`].
    fn check(mut self, ctx: &mut Ctx) {
        self.check_ids(ctx);
        self.check_cases(ctx);
        self.add_good_rows(ctx);
        ctx.sort_errors();
    }

    /// Adds the rows not rejected to the dataset, in the rows' own memory; subjects are added
    /// in the order of their first good row.
    fn add_good_rows(self, ctx: &mut Ctx) {
        let Checker {
            kept,
            rejected,
            data,
            ..
        } = self;
        let Kept {
            mut events,
            lines,
            subjects: names,
            ..
        } = kept;
        let mut subjects: Vec<Option<SubjectIndex>> = vec![None; names.len()];
        let mut number_subject = |pending: &mut PendingEvent| {
            let key = pending.subject as usize;
            pending.subject =
                *subjects[key].get_or_insert_with(|| data.add_subject(names.name(key as u32)));
        };
        if rejected.contains(&true) {
            let mut row = 0;
            events.events.retain_mut(|pending| {
                let (good, line) = (!rejected[row], lines[row]);
                row += 1;
                if !good {
                    ctx.reject_later(line);
                    return false;
                }
                number_subject(pending);
                true
            });
        } else {
            events.events.iter_mut().for_each(number_subject);
        }
        data.add_events(events);
    }

    /// Reports a problem on row `i` (rejecting it), at `column` of the file.
    fn reject(
        &mut self,
        ctx: &mut Ctx,
        i: usize,
        column: Option<usize>,
        make: impl FnOnce(Box<Site>) -> DataError,
    ) {
        self.rejected[i] = true;
        ctx.line = self.kept.lines[i];
        let RowAnchor(anchor) = self.kept.anchors[i];
        ctx.anchor = if anchor & RowAnchor::KEPT == 0 {
            Anchor::Csv {
                byte: anchor,
                field: None,
            }
        } else {
            let at = (anchor & !RowAnchor::KEPT) as usize;
            self.kept.other_anchors.get(at).cloned().unwrap_or_default()
        };
        ctx.report(column, make);
    }

    /// Event ids are unique across the events and the concerns.
    fn check_ids(&mut self, ctx: &mut Ctx) {
        for (i, first) in self.duplicate_ids() {
            let id = self.kept.id(i).to_string();
            let column = Some(self.layout.columns[ID]);
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
        let index = std::mem::take(&mut self.kept.ids);
        // The first rows of ids a concern has: they and their repeats are reported.
        let mut clash: Vec<bool> = Vec::new();
        for (_, concern) in self.data.added_concerns() {
            let id = &*concern.id;
            let first = match index
                .first
                .get(id_hash(id.as_bytes()))
                .map(|at| at as usize)
            {
                Some(at) if self.kept.id_bytes(at) == id.as_bytes() => Some(at),
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
            .map(|&(at, first)| (at, (!clashes(first)).then(|| self.kept.lines[first])))
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
    /// its subject, dated within it, and `once per case` kinds at most once. Openers are
    /// checked first, then closers, then the other rows, each in row order; the rows are
    /// sorted into the three in one pass.
    fn check_cases(&mut self, ctx: &mut Ctx) {
        let mut cases = self.concern_cases();
        let (mut closers, mut followers) = (Vec::new(), Vec::new());
        for i in 0..self.kept.len() {
            let Some(kind) = self.live_case_kind(i) else {
                continue;
            };
            let (opens, closes) = (self.layout.opens(kind), self.layout.closes(kind));
            if opens {
                self.open(ctx, i, &mut cases);
            }
            if closes {
                closers.push(i);
            } else if !opens {
                followers.push(i);
            }
        }
        for i in closers {
            // An opener that also closes may have been rejected as it opened.
            if !self.rejected[i] {
                self.close(ctx, i, &mut cases);
            }
        }
        for i in followers {
            self.follow(ctx, i, &mut cases);
        }
    }

    /// The kind of row `i` when it is not rejected and has a case.
    fn live_case_kind(&self, i: usize) -> Option<usize> {
        let event = &self.kept.event(i).event;
        (!self.rejected[i] && event.case().is_some()).then_some(event.kind as usize)
    }

    /// The case id of row `i` (empty when it has none), for messages.
    fn case_text(&self, i: usize) -> String {
        self.row(i)
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
            let subject = self.kept.subjects.key(self.data.subject_id(subject));
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
        let row = self.row(i);
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
        self.reject(ctx, i, self.layout.case_column, |mut at| {
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
        let (date, line) = (self.row(i).date, self.row(i).line);
        let Some((_, first)) = state.closed else {
            state.closed = Some((date, line));
            return;
        };
        let case = self.case_text(i);
        self.reject(ctx, i, self.layout.case_column, |mut at| {
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
        let row = self.row(i);
        let (kind, date, line) = (row.kind, row.date, row.line);
        if let Some((closed_on, _)) = state.closed.filter(|(closed_on, _)| date > *closed_on) {
            let case = self.case_text(i);
            let column = Some(self.layout.columns[DATE]);
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
        let column = Some(self.layout.columns[KIND]);
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
        let key = self.row(i).case.unwrap_or_default() as usize;
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
        let row = self.row(i);
        self.schema.event_kinds[row.kind].case.unwrap_or(0) == state.kind
            && row.subject == state.subject
            && row.date >= state.opened_on
    }

    /// Why row `i` cannot belong to the case `state` (see [`Checker::fits`]): the column
    /// to point at and the error to build.
    #[allow(clippy::type_complexity)]
    fn membership(
        &self,
        i: usize,
        state: &CaseState,
    ) -> (Option<usize>, Box<dyn FnOnce(Box<Site>) -> DataError>) {
        let row = self.row(i);
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
                self.layout.case_column,
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
            let subject = self.kept.subjects.name(row.subject).to_string();
            let case_subject = self.kept.subjects.name(state.subject).to_string();
            let help = format!(
                "case `{case}` was opened {} for `{case_subject}`; check the subject or the \
                 case id",
                opened_by(state.opener_line)
            );
            let first_line = state.opener_line;
            return (
                Some(self.layout.columns[SUBJECT]),
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
            Some(self.layout.columns[DATE]),
            Box::new(move |at| outside(case, date, true, bound, at)),
        )
    }

    /// Reports row `i`'s case as never opened.
    fn not_opened(&mut self, ctx: &mut Ctx, i: usize) {
        let row = self.row(i);
        let case = self.case_text(i);
        let case_kind =
            &self.schema.case_kinds[self.schema.event_kinds[row.kind].case.unwrap_or(0)];
        let opener_def = &self.schema.event_kinds[case_kind.opened_by];
        let opener = opener_def.id.clone();
        let help = match self.kept.rejected_openers.get(case.as_str()) {
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
        self.reject(ctx, i, self.layout.case_column, |mut at| {
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

/// What the checks between rows read of a kept row.
#[derive(Clone, Copy)]
struct KeptRow {
    kind: usize,
    /// Its subject's key in [`Kept::subjects`].
    subject: u32,
    date: NaiveDate,
    /// Its case id's key (see [`DatasetBuilder::case_key`]).
    case: Option<u32>,
    line: usize,
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proptest::prelude::*;

    use super::*;
    use crate::data::summary::FileKind;
    use crate::data::table::{read_csv, read_csv_in_chunks, TextRow};

    const POLICY: &str = r#"policy "p"
version "1"
calendar england_and_wales
event request_accepted "Request accepted" {
  placement: one of usual_workplace, external
}
event review_held "Review held" {
  outcome: one of improving, no_change, worse
}
event touch_point "Touch point" {
  attended: flag
}
event visit "Visit" {
  visits: integer 1..10
  cost: number
  note: text
  next: date
}
event plan_completed "Plan completed"
case psr_plan "Plan" {
  opened by request_accepted
  closed by plan_completed
  events review_held, touch_point
}
"#;

    const COLUMNS: [&str; 12] = [
        "id",
        "subject",
        "kind",
        "date",
        "case",
        "placement",
        "outcome",
        "attended",
        "visits",
        "cost",
        "note",
        "next",
    ];

    fn schema() -> Schema {
        let policy = crate::policy::Policy::parse("p.policy", POLICY).expect("a good policy");
        policy.program().schema.clone()
    }

    /// A cell: mostly plain values, sometimes with what the plain path must leave to the
    /// checked one (spaces, quotes, other cases, characters outside ASCII, control
    /// characters, wrong values).
    fn cell(plain: &'static [&'static str]) -> impl Strategy<Value = String> {
        let tricky = prop::sample::select(vec![
            "",
            " ",
            "\u{a0}",
            "\"x\"",
            "x\u{1}y",
            "\u{85}",
            "é",
            "Yes",
            "IMPROVING",
            "2026-02-30",
            "2026/03/02",
            "02/03/2026",
            "3.50",
            "11",
            "0",
            "Review_Held",
            "concern",
            "c-1",
            " E1 ",
        ]);
        let plain = prop::sample::select(plain.to_vec());
        let decorated = (plain.clone(), 0..6usize).prop_map(|(text, how)| match how {
            0 => format!(" {text}"),
            1 => format!("{text}\u{a0}"),
            2 => format!("\"{text}\""),
            3 => text.to_uppercase(),
            4 => format!("\u{3000}{text}"),
            _ => text.to_string(),
        });
        prop_oneof![
            6 => plain.prop_map(str::to_string),
            2 => decorated,
            2 => tricky.prop_map(str::to_string),
        ]
    }

    /// A cell that the row's kind leaves empty: mostly empty.
    fn idle() -> impl Strategy<Value = String> {
        prop_oneof![8 => Just(String::new()), 1 => Just(" ".to_string()), 1 => cell(&["x"])]
    }

    /// A row: its kind drawn first, then its cells, mostly as that kind needs them.
    fn row() -> impl Strategy<Value = Vec<String>> {
        const KINDS: &[&str] = &[
            "request_accepted",
            "review_held",
            "touch_point",
            "visit",
            "plan_completed",
        ];
        (prop::sample::select(KINDS.to_vec()), cell(KINDS)).prop_flat_map(|(kind, written)| {
            let in_case = kind != "visit";
            let field = |has: bool, values: &'static [&'static str]| {
                if has {
                    cell(values).boxed()
                } else {
                    idle().boxed()
                }
            };
            (
                (
                    cell(&["E1", "E-2", "e 3", "X"]),
                    cell(&["s1", "s-2", "S 3"]),
                    prop_oneof![9 => Just(kind.to_string()), 1 => Just(written)],
                    cell(&["2026-03-02", "2025-12-31", "2024-02-29"]),
                    field(in_case, &["c-1", "c 2"]),
                ),
                (
                    field(kind == "request_accepted", &["usual_workplace", "external"]),
                    field(kind == "review_held", &["improving", "no_change", "worse"]),
                    field(kind == "touch_point", &["yes", "no", "Y", "0", "true"]),
                    field(kind == "visit", &["1", "10", "4.0", "5"]),
                    field(kind == "visit", &["3.5", "-2", "1e3"]),
                    field(kind == "visit", &["seen at home", "x"]),
                    field(kind == "visit", &["2026-04-01", "2026-13-01"]),
                ),
            )
                .prop_map(|((a, b, c, d, e), (f, g, h, i, j, k, l))| {
                    vec![a, b, c, d, e, f, g, h, i, j, k, l]
                })
        })
    }

    /// A handler that has read the header of [`COLUMNS`], and its context.
    fn handler(schema: &Schema) -> (EventHandler<'_>, Ctx) {
        let mut ctx = Ctx::new(
            PathBuf::from("events.csv"),
            FileKind::Events,
            FileFormat::Csv,
        );
        let header = Header {
            names: COLUMNS.iter().map(|c| c.to_string()).collect(),
            line: 1,
        };
        ctx.columns = header.names.clone();
        let mut handler = EventHandler::new(schema);
        assert!(handler.header(&header, &mut ctx));
        ctx.line = 2;
        (handler, ctx)
    }

    /// What a handler kept, as text.
    fn kept(handler: &EventHandler<'_>) -> Vec<String> {
        let kept = &handler.kept;
        (0..kept.len())
            .map(|i| {
                let PendingEvent { subject, event } = *kept.event(i);
                let case = event.case().map(|key| kept.file_cases.name(key));
                let fields = &kept.events.values[event.field_range()];
                format!(
                    "{} {} {} {} {case:?} {fields:?} line {}",
                    kept.id(i),
                    kept.subjects.name(subject),
                    event.kind,
                    event.date,
                    kept.lines[i]
                )
            })
            .collect()
    }

    proptest! {
        /// A row read by the plain path is kept exactly as the checked path keeps it, and the
        /// checked path finds nothing wrong with it; a row the plain path leaves is read by the
        /// checked path alone. So `EventHandler::row` keeps and reports what the checked path
        /// would on its own.
        #[test]
        fn plain_rows_are_read_as_the_checked_path_reads_them(cells in row()) {
            let schema = schema();
            let row = TextRow(cells);
            let (mut plain, plain_ctx) = handler(&schema);
            let (mut checked, mut checked_ctx) = handler(&schema);
            let outcome = checked.checked_row(&row, &mut checked_ctx);
            if plain.plain_row(&row, &plain_ctx) {
                prop_assert!(matches!(outcome, Outcome::Used));
                prop_assert!(checked_ctx.errors.is_empty());
                prop_assert_eq!(kept(&plain), kept(&checked));
            } else {
                prop_assert_eq!(plain.kept.len(), 0);
                prop_assert!(plain.kept.events.values.is_empty());
            }
            let (mut both, mut both_ctx) = handler(&schema);
            let outcome_both = both.row(&row, &mut both_ctx);
            prop_assert_eq!(
                std::mem::discriminant(&outcome_both),
                std::mem::discriminant(&outcome)
            );
            prop_assert_eq!(kept(&both), kept(&checked));
            prop_assert_eq!(both_ctx.errors.len(), checked_ctx.errors.len());
        }
    }

    /// A row of [`COLUMNS`] written as a CSV line (without quotes).
    fn text_row(line: &str) -> TextRow {
        TextRow(line.split(',').map(str::to_string).collect())
    }

    #[test]
    fn a_plain_row_is_read_without_the_checked_path() {
        let schema = schema();
        let (mut handler, ctx) = handler(&schema);
        let row = text_row("E1,s1,touch_point,2026-03-02,c-1,,,Yes,,,,");
        assert!(handler.plain_row(&row, &ctx));
        assert_eq!(
            kept(&handler),
            vec!["E1 s1 3 2026-03-02 Some(\"c-1\") [Flag(true)] line 2"]
        );
        // A kind in other letters is found too; a date not written YYYY-MM-DD is not plain.
        let row = text_row("E2,s1,Visit,2026-03-02,,,,,4,2.50,at home,2026-04-01");
        assert!(handler.plain_row(&row, &ctx));
        let row = text_row("E3,s1,visit,02/03/2026,,,,,,,,");
        assert!(!handler.plain_row(&row, &ctx));
        assert_eq!(handler.kept.len(), 2);
    }

    /// What reading `text` as an events file gives, row by row (`None`) or in chunks of about
    /// so many bytes cooked on threads: its errors, summary, rejected lines and place, and the
    /// rows kept with their places.
    fn read_file(text: &str, chunks: Option<usize>) -> String {
        let schema = schema();
        let mut ctx = Ctx::new("events.csv".into(), FileKind::Events, FileFormat::Csv);
        ctx.bytes = Some(std::sync::Arc::from(text.as_bytes()));
        let mut handler = EventHandler::new(&schema);
        match chunks {
            Some(size) => read_csv_in_chunks(&mut handler, &mut ctx, size),
            None => read_csv(&mut handler, &mut ctx),
        }
        let anchors: Vec<u64> = handler.kept.anchors.iter().map(|a| a.0).collect();
        format!(
            "{:?}\n{:?}\n{:?} {:?}\n{:?}\n{anchors:?} {}",
            ctx.errors,
            ctx.summary,
            ctx.rejected_lines,
            (ctx.line, &ctx.anchor),
            kept(&handler),
            handler.kept.rejected_openers.len(),
        )
    }

    /// An events file of `rows` (see [`row`]), each written in one of a few shapes: as it is,
    /// short, with a cell too many (empty or not), or after an empty line.
    fn file(rows: &[(Vec<String>, usize)], crlf: bool) -> String {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("{}{end}", COLUMNS.join(","));
        for (cells, shape) in rows {
            let line = cells.join(",");
            match shape % 8 {
                0 => text.push_str(&format!("{}{end}", cells[..4].join(","))),
                1 => text.push_str(&format!("{line},{end}")),
                2 => text.push_str(&format!("{line},x{end}")),
                3 => text.push_str(&format!("{end}{line}{end}")),
                _ => text.push_str(&format!("{line}{end}")),
            }
        }
        text
    }

    #[test]
    fn chunks_read_an_events_file_as_rows_do() {
        let text = "id,subject,kind,date,case,placement,outcome,attended,visits,cost,note,next\n\
            E1,s1,request_accepted,2026-03-02,c-1,external,,,,,,\n\
            E2,s1,touch_point,2026-03-03,c-1,,,yes,,,,\n\
            E2,s2,touch_point,2026-03-04,c-1,,,no,,,,\n\
            E3,s1,visit,2026-03-05,,,,,4,2.50,\"at home, late\",2026-04-01\n\
            \n\
            E4,s1,touch_point,2026-13-04,c-1,,,yes,,,,\n\
            E5,s1,review_held,2026-03-06,c-9,,improving,,,,,\n";
        let rows = read_file(text, None);
        for size in [1, 7, 30, 4096] {
            assert_eq!(read_file(text, Some(size)), rows, "chunks of {size}");
        }
        // The quoted row (read the usual way) and the plain ones are kept with their lines
        // and places; the bad date is reported at its line. (The id used twice is found once
        // every row is read, by `EventHandler::finish`.)
        assert!(rows.contains(r#"Text(\"at home, late\"), Date(2026-04-01)] line 5"#));
        assert!(rows.contains(r#""E5 s1 2 2026-03-06 Some(\"c-9\") [Enum(0)] line 8"]"#));
        assert!(rows.contains("[75, 128, 171, 213, 318]"));
        assert!(rows.contains("BadDate { text: \"2026-13-04\", column: \"date\" }"));
        assert!(rows.contains("line: 6, column: 4"));
    }

    #[test]
    fn chunks_read_dates_that_repeat_and_change_as_rows_do() {
        // A row's date is taken from the row before's when the cells have the same text
        // (`KnownDate`): repeated dates, changed ones, a bad date after a good one and the
        // good one again after it are read as row by row.
        let text = "id,subject,kind,date,case,placement,outcome,attended,visits,cost,note,next\n\
            E1,s1,touch_point,2026-03-02,c-1,,,yes,,,,\n\
            E2,s1,touch_point,2026-03-02,c-1,,,yes,,,,\n\
            E3,s2,touch_point,2026-03-02,c-1,,,no,,,,\n\
            E4,s1,touch_point,2026-03-03,c-1,,,yes,,,,\n\
            E5,s1,touch_point,2026-03-32,c-1,,,yes,,,,\n\
            E6,s1,touch_point,2026-03-03,c-1,,,yes,,,,\n\
            E7,s1,touch_point, 2026-03-03,c-1,,,yes,,,,\n\
            E8,s1,touch_point,2026-03-02,c-1,,,yes,,,,\n";
        let rows = read_file(text, None);
        for size in [1, 50, 90, 4096] {
            assert_eq!(read_file(text, Some(size)), rows, "chunks of {size}");
        }
        assert!(rows.contains(r#""E3 s2 3 2026-03-02 Some(\"c-1\") [Flag(false)] line 4""#));
        assert!(rows.contains(r#""E6 s1 3 2026-03-03 Some(\"c-1\") [Flag(true)] line 7""#));
        assert!(rows.contains(r#""E8 s1 3 2026-03-02 Some(\"c-1\") [Flag(true)] line 9""#));
        assert!(rows.contains("2026-03-32"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Reading in chunks keeps the rows, places and errors that reading row by row does,
        /// whatever the rows (plain or not) and however the file is cut.
        #[test]
        fn chunks_give_the_rows_and_errors_that_rows_do(
            rows in prop::collection::vec((row(), 0usize..8), 0..30),
            crlf in any::<bool>(),
            size in 1usize..300,
        ) {
            let text = file(&rows, crlf);
            prop_assert_eq!(read_file(&text, Some(size)), read_file(&text, None), "{}", text);
        }
    }
}

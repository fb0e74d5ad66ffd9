//! Reading a table of cells (a CSV file, a JSON array of objects, or records in memory) and
//! handing each row to a handler, with the bookkeeping every format shares: the header,
//! blank and ragged rows, error locations, the cap on errors per file, and the offending
//! line shown under each error.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use csv::ByteRecord;
use miette::SourceSpan;

use super::cell::{problem_error, Expect, Problem};
use super::error::{Anchor, DataError, DataErrorKind, DataLocation, Site, Snippet};
use super::input::Contents;
use super::open::RowLimit;
use super::summary::{FileFormat, FileKind, FileSummary};
use crate::number::Packed;
use crate::schema::Value;

/// The position of a needed column that the file lacks (see
/// [`Ctx::require_columns_or_absent`]): its cells read as empty, and their problems are not
/// reported, the missing column having been.
pub(crate) const ABSENT: usize = usize::MAX;

/// At most this many errors are listed per file; the rest are counted.
pub(crate) const MAX_ERRORS_PER_FILE: usize = 200;

/// One row of cells, whatever the format. Cells are raw (untrimmed) bytes; a cell past the
/// end of the row is empty.
pub(crate) trait Row {
    fn len(&self) -> usize;
    fn cell(&self, i: usize) -> &[u8];
}

impl Row for ByteRecord {
    #[inline]
    fn len(&self) -> usize {
        ByteRecord::len(self)
    }
    #[inline]
    fn cell(&self, i: usize) -> &[u8] {
        self.get(i).unwrap_or(b"")
    }
}

/// A row built from JSON values or records: one text per header column.
#[derive(Clone, Debug, Default)]
pub(crate) struct TextRow(pub Vec<String>);

impl Row for TextRow {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, i: usize) -> &[u8] {
        self.0.get(i).map(|s| s.as_bytes()).unwrap_or(b"")
    }
}

/// A header row: column names trimmed and in lower case (headings are matched without
/// regard to case). The names as written, for messages, are in [`Ctx::columns`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Header {
    pub names: Vec<String>,
    pub line: usize,
}

/// Normalises a heading or JSON key: trimmed, without a byte-order mark, lower case.
pub(crate) fn normalise_heading(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
}

impl Header {
    pub fn positions(&self, name: &str) -> Vec<usize> {
        self.names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_str() == name)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// What became of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Used,
    Rejected,
    /// Left out on purpose, for this reason (shared, as many rows have the same one).
    Ignored(Arc<str>),
}

/// A handler turns a file's rows into data.
pub(crate) trait Handler {
    /// Reads the header. Returns false when the rows cannot be read at all, after reporting
    /// why. (A missing column does not stop any kind of file: its rows are still read, so
    /// that every problem is reported in one run.)
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool;
    /// Reads one data row.
    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome;
}

/// The state of reading one file: where we are, the errors so far, and the summary.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub path: PathBuf,
    /// The contents, when they are in memory rather than in the file at `path`.
    pub bytes: Option<Arc<[u8]>>,
    pub format: FileFormat,
    pub line: usize,
    /// The line of the header (1 for records).
    pub header_line: usize,
    pub anchor: Anchor,
    pub columns: Vec<String>,
    /// The separator of a CSV file's values (see `sniff_delimiter`).
    pub delimiter: u8,
    pub errors: Vec<DataError>,
    pub more: usize,
    pub first_more_line: usize,
    /// Lines of rejected rows (kept up to a limit, for finding the first of two duplicates).
    pub rejected_lines: Vec<usize>,
    pub summary: FileSummary,
}

const MAX_REJECTED_LINES: usize = 100_000;

impl Ctx {
    pub fn new(path: PathBuf, kind: FileKind, format: FileFormat) -> Ctx {
        Ctx {
            summary: FileSummary::new(path.clone(), kind, format),
            path,
            bytes: None,
            format,
            line: 0,
            header_line: 1,
            anchor: Anchor::None,
            columns: Vec::new(),
            delimiter: b',',
            errors: Vec::new(),
            more: 0,
            first_more_line: 0,
            rejected_lines: Vec::new(),
        }
    }

    /// The site of a field (0-based) of the current row, or of the row as a whole.
    pub fn site(&self, field: Option<usize>) -> Box<Site> {
        let column = match self.format {
            FileFormat::Json => 1,
            _ => field.map_or(1, |f| f.saturating_add(1)),
        };
        let anchor = match &self.anchor {
            Anchor::None => Anchor::None,
            Anchor::Csv { byte, .. } => Anchor::Csv { byte: *byte, field },
            Anchor::Sheet { .. } => Anchor::Sheet { field },
            Anchor::Json { start, end, .. } => Anchor::Json {
                start: *start,
                end: *end,
                key: field.and_then(|f| self.columns.get(f).cloned()),
            },
        };
        Box::new(Site {
            location: Some(DataLocation {
                file: self.path.clone(),
                line: self.line.max(1),
                column,
            }),
            anchor,
            ..Site::default()
        })
    }

    /// Reports an error at a field of the current row (built only if it will be listed).
    pub fn report(&mut self, field: Option<usize>, make: impl FnOnce(Box<Site>) -> DataError) {
        if field == Some(ABSENT) {
            // The column is missing, which was reported once, at the header.
            return;
        }
        if self.errors.len() >= MAX_ERRORS_PER_FILE {
            if self.more == 0 {
                self.first_more_line = self.line;
            }
            self.more += 1;
            return;
        }
        let site = self.site(field);
        self.errors.push(make(site));
    }

    /// The display name of a column.
    pub fn column(&self, field: usize) -> &str {
        self.columns.get(field).map_or("?", |s| s.as_str())
    }

    #[inline]
    fn count(&mut self, outcome: Outcome) {
        self.summary.rows_read += 1;
        match outcome {
            Outcome::Used => self.summary.rows_used += 1,
            Outcome::Rejected => {
                self.summary.rows_rejected += 1;
                if self.rejected_lines.len() < MAX_REJECTED_LINES {
                    self.rejected_lines.push(self.line);
                }
            }
            Outcome::Ignored(reason) => self.summary.ignore(&reason),
        }
    }

    /// Counts as rejected a row first counted as used, for a problem found only once every
    /// row was read (a problem between two rows).
    pub fn reject_later(&mut self, line: usize) {
        self.summary.rows_used = self.summary.rows_used.saturating_sub(1);
        self.summary.rows_rejected += 1;
        if self.rejected_lines.len() < MAX_REJECTED_LINES {
            self.rejected_lines.push(line);
        }
    }

    /// Puts the errors listed so far in line order (stable: a row's errors keep their
    /// order), after errors found between rows were added at the end.
    pub fn sort_errors(&mut self) {
        self.errors
            .sort_by_key(|e| e.site().location.as_ref().map_or(0, |l| l.line));
        self.rejected_lines.sort_unstable();
    }

    /// The errors, with a final one counting those not listed.
    pub fn into_errors(mut self) -> (Vec<DataError>, FileSummary) {
        if self.more > 0 {
            let at = Box::new(Site {
                location: Some(DataLocation {
                    file: self.path.clone(),
                    line: self.first_more_line.max(1),
                    column: 1,
                }),
                help: Some(format!(
                    "only the first {MAX_ERRORS_PER_FILE} problems in this file are listed; \
                     fix those and load the data again to see the rest"
                )),
                ..Site::default()
            });
            self.errors.push(DataError::new(
                DataErrorKind::TooManyErrors {
                    file: self.path.clone(),
                    more: self.more,
                },
                at,
            ));
        }
        (self.errors, self.summary)
    }
}

impl Ctx {
    /// Whether an id (of a subject, concern, event or case) is free of control characters
    /// (a NUL, a line break, a tab, ...); reports it when not. Ids are matched exactly and
    /// printed in reports, where such a character would be invisible or break the layout.
    #[inline]
    pub fn id_ok(&mut self, field: usize, text: &str) -> bool {
        let Some(bad) = text.chars().find(|c| c.is_control()) else {
            return true;
        };
        let column = self.column(field).to_string();
        let id = crate::quote::shorten(text);
        self.report(Some(field), |mut at| {
            at.label = Some("control character".into());
            at.help = Some(
                "remove it: an id cannot hold line breaks, tabs or other invisible characters \
                 (check for a stray quote mark that joined two rows)"
                    .into(),
            );
            DataError::new(
                DataErrorKind::ControlCharacterInId {
                    id,
                    column,
                    character: control_name(bad),
                },
                at,
            )
        });
        false
    }

    /// Reports an empty cell where a value is required.
    pub fn missing(&mut self, field: usize, help: String) {
        let column = self.column(field).to_string();
        self.report(Some(field), |mut at| {
            at.label = Some("empty".into());
            at.help = Some(help);
            DataError::new(DataErrorKind::MissingValue { column }, at)
        });
    }

    /// Reports a cell whose text is not a value of its column's type.
    pub fn problem(&mut self, field: usize, problem: Problem, text: &str, expect: Expect<'_>) {
        let column = self.column(field).to_string();
        self.report(Some(field), |at| {
            problem_error(problem, text, &column, expect, at)
        });
    }

    /// Finds the columns a file needs, reporting those missing or given twice (see
    /// [`Needed`] for what a missing column's help says). A column the file lacks is given
    /// the position [`ABSENT`], so that the rows are still read and every other problem in
    /// them is reported in the same run (the file is still refused, for its missing column).
    pub fn require_columns_or_absent(&mut self, header: &Header, needed: &[Needed]) -> Vec<usize> {
        let mut found = Vec::with_capacity(needed.len());
        for column in needed {
            let positions = header.positions(&column.name);
            match positions.as_slice() {
                [] => {
                    let help = column.help(misspelt_heading(header, needed, &column.name));
                    let column = column.name.clone();
                    self.report(None, |mut at| {
                        at.label = Some("the header".into());
                        at.help = Some(help);
                        DataError::new(DataErrorKind::MissingColumn { column }, at)
                    });
                    found.push(ABSENT);
                }
                [one] => found.push(*one),
                [first, second, ..] => {
                    found.push(*first);
                    let column = self.column(*second).to_string();
                    let (first, second) = (*first, *second);
                    self.report(Some(second), |mut at| {
                        at.label = Some("second column with this heading".into());
                        at.help = Some(format!(
                            "columns {} and {} are both headed `{column}`; remove or rename one",
                            first + 1,
                            second + 1
                        ));
                        DataError::new(DataErrorKind::DuplicateColumn { column }, at)
                    });
                }
            }
        }
        found
    }

    /// Notes in the summary the columns a file has that are not used.
    pub fn note_unused(&mut self, used: &[usize]) {
        self.summary.unused_columns = self
            .columns
            .iter()
            .enumerate()
            .filter(|(i, name)| !used.contains(i) && !name.is_empty())
            .map(|(_, name)| name.clone())
            .collect();
    }
}

/// A column a file needs, by its (normalised) heading, and what to say when it is missing:
/// `why` it is needed, then either the file's heading closest to it ("the file has a column
/// headed ...: if that is it, rename the heading") or, when none is close, `otherwise`.
pub(crate) struct Needed {
    name: String,
    why: String,
    otherwise: String,
}

impl Needed {
    /// A column whose help, when it is missing, starts with `why`.
    pub fn new(name: impl Into<String>, why: impl Into<String>) -> Needed {
        Needed {
            name: name.into(),
            why: why.into(),
            otherwise: String::new(),
        }
    }

    /// What the help goes on to say when no heading of the file is close to the column's
    /// (joined to `why` as written: start it with `, ` or `; `).
    pub fn otherwise(mut self, otherwise: impl Into<String>) -> Needed {
        self.otherwise = otherwise.into();
        self
    }

    /// The help for the column missing, given the file's heading closest to it, if any.
    fn help(&self, near: Option<String>) -> String {
        let Needed {
            name,
            why,
            otherwise,
        } = self;
        let Some(near) = near else {
            return format!("{why}{otherwise}");
        };
        let rename = format!(
            "the file has a column headed `{near}`: if that is it, rename the heading to `{name}`"
        );
        match why.is_empty() {
            true => rename,
            false => format!("{why}; {rename}"),
        }
    }
}

/// A heading of the file close to a needed column's `name` that is not itself a needed
/// column's (a slip such as `subjet`), shortened for quoting.
fn misspelt_heading(header: &Header, needed: &[Needed], name: &str) -> Option<String> {
    let spare = header
        .names
        .iter()
        .map(String::as_str)
        .filter(|heading| !needed.iter().any(|n| n.name == *heading));
    crate::suggest::closest(name, spare).map(crate::quote::shorten)
}

/// A cell's bytes with ASCII spaces trimmed, and without the quotes of a value quoted
/// after spaces (`c01, "80%"`, which CSV itself does not treat as quoted).
#[inline]
pub(crate) fn cell_bytes<R: Row + ?Sized>(row: &R, field: usize) -> &[u8] {
    let bytes = row.cell(field).trim_ascii();
    match bytes {
        [b'"', inner @ .., b'"'] => inner.trim_ascii(),
        _ => bytes,
    }
}

/// The trimmed text of a cell that must have a value: `None` after reporting it as missing
/// (with `help`) when empty, or as not UTF-8.
pub(crate) fn required_text<'r, R: Row + ?Sized>(
    row: &'r R,
    field: usize,
    ctx: &mut Ctx,
    help: impl FnOnce() -> String,
) -> Option<&'r str> {
    match cell_text(row, field, ctx) {
        Ok("") => {
            ctx.missing(field, help());
            None
        }
        Ok(text) => Some(text),
        Err(()) => None,
    }
}

/// The trimmed text of a column that needs no declaration (a subject's `name`, a concern's
/// `summary`): `""` when the file has no such column. Text that is not UTF-8 is reported
/// (`Err`), unless the column is also one of the declared `fields`, whose reading reports it.
pub(crate) fn optional_text<'r, R: Row + ?Sized>(
    row: &'r R,
    column: Option<usize>,
    fields: &[usize],
    ctx: &mut Ctx,
) -> Result<&'r str, ()> {
    match column {
        None => Ok(""),
        Some(column) if fields.contains(&column) => {
            Ok(trimmed_text(cell_bytes(row, column)).unwrap_or_default())
        }
        Some(column) => cell_text(row, column, ctx),
    }
}

/// The trimmed text of a cell (see [`cell_bytes`]), `""` when empty; reports text that is
/// not UTF-8.
#[inline]
pub(crate) fn cell_text<'r, R: Row + ?Sized>(
    row: &'r R,
    field: usize,
    ctx: &mut Ctx,
) -> Result<&'r str, ()> {
    match trimmed_text(cell_bytes(row, field)) {
        Some(text) => Ok(text),
        None => {
            let column = ctx.column(field).to_string();
            ctx.report(Some(field), |mut at| {
                at.label = Some("not UTF-8".into());
                at.help = Some(
                    "save the file as UTF-8 (in Excel: Save As, then \"CSV UTF-8\")".to_string(),
                );
                DataError::new(
                    DataErrorKind::InvalidUtf8 {
                        what: format!("the value in column `{column}`"),
                    },
                    at,
                )
            });
            Err(())
        }
    }
}

/// The text of a cell's bytes (see [`cell_bytes`]), trimmed of Unicode spaces too; `None`
/// when it is not UTF-8.
#[inline]
pub(crate) fn trimmed_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    // Only text with non-ASCII at either end needs Unicode trimming.
    Some(match (bytes.first(), bytes.last()) {
        (Some(a), Some(b)) if !a.is_ascii() || !b.is_ascii() => text.trim(),
        _ => text,
    })
}

pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// A control character as people can look it up: `U+000A (a line break)`.
fn control_name(c: char) -> String {
    let name = match c {
        '\0' => " (NUL)",
        '\n' | '\r' => " (a line break)",
        '\t' => " (a tab)",
        _ => "",
    };
    format!("U+{:04X}{name}", c as u32)
}

/// Blank rows are skipped; rows with too few values, or with extra values that are not
/// blank, are rejected.
fn check_shape<R: Row + ?Sized>(row: &R, width: usize, ctx: &mut Ctx) -> Option<Outcome> {
    let len = row.len();
    if is_blank(row.cell(0)) && (0..len).all(|i| is_blank(row.cell(i))) {
        return Some(Outcome::Ignored(Arc::from("blank rows")));
    }
    if len == width || (len > width && (width..len).all(|i| is_blank(row.cell(i)))) {
        return None;
    }
    ctx.report(None, |mut at| {
        at.label = Some("this row".into());
        at.help = Some(if len < width {
            "a value is missing: check for a missing comma, or a line break inside a value \
             that is not in quotes"
                .to_string()
        } else {
            "there are extra values: check for an extra comma, or a value containing a comma \
             that is not in \"quotes\" (the opening quote must come straight after the comma)"
                .to_string()
        });
        DataError::new(
            DataErrorKind::MalformedRow {
                expected: width,
                found: len,
            },
            at,
        )
    });
    Some(Outcome::Rejected)
}

fn unreadable(path: &Path, line: usize, error: &dyn std::fmt::Display) -> DataError {
    let mut at = Site::file(
        path,
        Some("check that the file exists and can be opened".into()),
    );
    if let Some(location) = &mut at.location {
        location.line = line.max(1);
    }
    DataError::new(
        DataErrorKind::UnreadableFile {
            path: path.to_path_buf(),
            reason: error.to_string().to_lowercase(),
        },
        at,
    )
}

/// The separator of a CSV file's values, from its first line: a comma, or a semicolon or tab
/// (as Excel writes "CSV" in languages where the comma is the decimal mark) when the first
/// line has more of those than commas outside quotes. Leaves `file` at its start again.
fn sniff_delimiter<R: Read + Seek>(file: &mut R) -> std::io::Result<u8> {
    let mut first = Vec::with_capacity(1024);
    BufReader::new(&mut *file)
        .take(64 * 1024)
        .read_until(b'\n', &mut first)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(delimiter_of_line(&first))
}

/// The separator a header line uses: `,`, `;` or tab, the most frequent outside quotes
/// (comma on a tie).
fn delimiter_of_line(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    match counts {
        [c, s, t] if s > c && s >= t => b';',
        [c, s, t] if t > c && t > s => b'\t',
        _ => b',',
    }
}

/// Opens a CSV file's contents, finds their separator (into `ctx.delimiter`) and puts the limit
/// on a row's length; `None` after reporting why they cannot be read.
fn open_csv(ctx: &mut Ctx) -> Option<RowLimit<Box<dyn Contents>>> {
    let mut file = match super::open::open_data_file(&ctx.path, ctx.bytes.as_ref(), false) {
        Ok(file) => file,
        Err(error) => {
            ctx.errors.push(error);
            return None;
        }
    };
    match sniff_delimiter(&mut file) {
        Ok(delimiter) => ctx.delimiter = delimiter,
        Err(error) => {
            let e = unreadable(&ctx.path, 1, &error);
            ctx.errors.push(e);
            return None;
        }
    }
    Some(RowLimit::new(file))
}

/// A reader of CSV records from `source`, as every CSV file is read.
fn csv_reader<R: Read>(delimiter: u8, source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        // Records end at LF; a CR before it is trimmed with the other spaces. (With the
        // default CRLF terminator, record positions after CRLF point at the LF and report
        // the previous line.)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 17)
        .from_reader(source)
}

/// The error for a file that could not be read further after `line`: a row too long, or
/// what the source said.
fn read_failure(path: &Path, line: usize, error: &csv::Error) -> DataError {
    let line = error.position().map_or(line, |p| p.line() as usize);
    match error.kind() {
        csv::ErrorKind::Io(io) => io_failure(path, line, io),
        _ => unreadable(path, line, error),
    }
}

/// [`read_failure`] for an error of the source itself.
fn io_failure(path: &Path, line: usize, error: &std::io::Error) -> DataError {
    super::open::row_too_long(path, error).unwrap_or_else(|| unreadable(path, line, error))
}

/// Takes the first record read (`Ok(false)`: there was none) as the header and gives it to
/// the handler. Returns the number of columns, when the handler can read the rows.
fn take_header<H: Handler>(
    read: csv::Result<bool>,
    record: &ByteRecord,
    handler: &mut H,
    ctx: &mut Ctx,
) -> Option<usize> {
    match read {
        Ok(true) => {}
        Ok(false) => {
            let at = Site::file(
                &ctx.path,
                Some("the first line must name the columns, such as `subject,period,...`".into()),
            );
            ctx.errors
                .push(DataError::new(DataErrorKind::MissingHeader, at));
            return None;
        }
        Err(error) => {
            let e = read_failure(&ctx.path, 1, &error);
            ctx.errors.push(e);
            return None;
        }
    }
    let position = record.position().cloned();
    let header = Header {
        names: record
            .iter()
            .map(|f| normalise_heading(&String::from_utf8_lossy(f)))
            .collect(),
        line: position.as_ref().map_or(1, |p| p.line() as usize),
    };
    ctx.line = header.line;
    ctx.anchor = Anchor::Csv {
        byte: position.as_ref().map_or(0, |p| p.byte()),
        field: None,
    };
    ctx.columns = record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    let width = header.names.len();
    handler.header(&header, ctx).then_some(width)
}

/// Reads a CSV file through a handler.
pub(crate) fn read_csv<H: Handler>(handler: &mut H, ctx: &mut Ctx) {
    let Some(file) = open_csv(ctx) else {
        return;
    };
    let mut reader = csv_reader(ctx.delimiter, file);
    let mut record = ByteRecord::new();
    let read = reader.read_byte_record(&mut record);
    let Some(width) = take_header(read, &record, handler, ctx) else {
        return;
    };
    // A second thread parses batches of records while this one checks and stores the
    // previous batch. Should no thread be available, the same work is done here, one batch
    // after another.
    let threaded = std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(4);
        let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
        let reader = &mut reader;
        let spawned = std::thread::Builder::new()
            .name("escalate-csv".into())
            .spawn_scoped(scope, move || loop {
                let mut batch = empty_rx.try_recv().unwrap_or_default();
                batch.fill(reader);
                let done = batch.end.is_some();
                if full_tx.send(batch).is_err() || done {
                    break;
                }
            });
        if spawned.is_err() {
            return false;
        }
        for mut batch in full_rx {
            if !take_batch(&mut batch, width, handler, ctx) {
                break;
            }
            // The reader may have finished; then the batch is simply dropped.
            let _ = empty_tx.send(batch);
        }
        true
    });
    if !threaded {
        let mut batch = Batch::default();
        loop {
            batch.fill(&mut reader);
            if !take_batch(&mut batch, width, handler, ctx) {
                break;
            }
        }
    }
}

/// Gives one record, at `line` and `byte` of the file, to the handler (unless it is blank or
/// ragged) and counts what became of it.
fn take_record<H: Handler, R: Row + ?Sized>(
    row: &R,
    (line, byte): (usize, u64),
    width: usize,
    handler: &mut H,
    ctx: &mut Ctx,
) {
    ctx.line = line;
    ctx.anchor = Anchor::Csv { byte, field: None };
    let outcome = match check_shape(row, width, ctx) {
        Some(outcome) => outcome,
        None => handler.row(row, ctx),
    };
    ctx.count(outcome);
}

/// Hands a batch's records to the handler; false when the file has ended.
fn take_batch<H: Handler>(batch: &mut Batch, width: usize, handler: &mut H, ctx: &mut Ctx) -> bool {
    for record in &batch.records[..batch.len] {
        let place = record
            .position()
            .map_or((ctx.line, 0), |p| (p.line() as usize, p.byte()));
        take_record(record, place, width, handler, ctx);
    }
    match batch.end.take() {
        Some(Err(error)) => {
            let e = read_failure(&ctx.path, ctx.line + 1, &error);
            ctx.errors.push(e);
            false
        }
        Some(Ok(())) => false,
        None => true,
    }
}

/// Records parsed ahead by the reading thread.
#[derive(Default)]
struct Batch {
    records: Vec<ByteRecord>,
    len: usize,
    /// Set when the file ended (or could not be read further) after these records.
    end: Option<Result<(), csv::Error>>,
}

impl Batch {
    const SIZE: usize = 1024;

    fn fill<R: Read>(&mut self, reader: &mut csv::Reader<R>) {
        self.len = 0;
        self.end = None;
        while self.len < Batch::SIZE {
            if self.records.len() == self.len {
                self.records.push(ByteRecord::new());
            }
            match reader.read_byte_record(&mut self.records[self.len]) {
                Ok(true) => self.len += 1,
                Ok(false) => {
                    self.end = Some(Ok(()));
                    break;
                }
                Err(error) => {
                    self.end = Some(Err(error));
                    break;
                }
            }
        }
    }
}

/// Whether every byte is printable ASCII (a space to `~`): text that needs no UTF-8 check,
/// holds no control character, and, once trimmed by [`cell_bytes`], no more trimming by
/// [`cell_text`]. Eight bytes are checked at a time.
#[inline]
pub(crate) fn is_printable_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // No byte at 0x80 or above (no high bit); once none is, none below 0x20 (subtracting 0x20
    // from such a byte sets the high bit of the lowest one, which `!word` keeps) and none at
    // 0x7f (adding one sets its high bit, and carries nowhere else).
    let printable = |word: u64| {
        word & HIGH == 0
            && word.wrapping_sub(ONES * 0x20) & !word & HIGH == 0
            && word.wrapping_add(ONES) & HIGH == 0
    };
    let mut chunks = bytes.chunks_exact(8);
    let words_ok = chunks.all(|chunk| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        printable(u64::from_le_bytes(word))
    });
    let rest = chunks.remainder();
    let mut word = [b' '; 8];
    word[..rest.len()].copy_from_slice(rest);
    words_ok && printable(u64::from_le_bytes(word))
}

// Reading a CSV file in chunks cooked on several threads.
//
// The file is cut into chunks of whole records (at a line end when the chunk holds no quote
// mark, else where the CSV reader says a record ends). The handler's rows are cooked, a chunk
// at a time, on every thread the `parallel` feature allows: each row turned into a compact,
// checked form ([`Cook::cook`]), or left to be read the usual way when it is anything but
// plain. The chunks are then taken in file order on this thread ([`Cook::take_cooked`]), so
// that ids are numbered, duplicates found and errors listed exactly as when the rows are read
// one by one.

/// The size a chunk is read to before it is cut at its last record's end.
const CHUNK_BYTES: usize = 512 * 1024;

/// The most one read asks for: less than a row may have, so that when a row is found too long
/// every whole row before it has already been read (see `open::RowLimit`).
const READ_BYTES: usize = 128 * 1024;

/// A piece of a CSV file's rows holding whole records.
pub(crate) struct Chunk {
    bytes: Vec<u8>,
    /// Whether it holds a quote mark: then its records are found by the CSV reader; without
    /// one, each line that is not empty is a record and each separator ends a cell.
    quoted: bool,
    /// How many empty lines just before the chunk lead to its first record (a record's place
    /// is where the previous record ended, empty lines between them included, as the CSV
    /// reader gives it).
    gap: u64,
}

/// Cuts a CSV source into [`Chunk`]s.
struct Chunker<R> {
    source: R,
    delimiter: u8,
    /// The size a chunk is read to (see [`CHUNK_BYTES`]).
    size: usize,
    /// Bytes read after the last chunk: the start of a record.
    rest: Vec<u8>,
    /// How many empty lines the next chunk's [`Chunk::gap`] is.
    gap: u64,
    /// An error met after the records still to give, given after them.
    error: Option<std::io::Error>,
    done: bool,
    /// Buffers of chunks already taken, to read into again.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Chunker<R> {
    fn new(source: R, delimiter: u8, size: usize) -> Chunker<R> {
        Chunker {
            source,
            delimiter,
            size,
            rest: Vec::new(),
            gap: 0,
            error: None,
            done: false,
            spare: Vec::new(),
        }
    }

    /// The next chunk; after the last one, the error that stopped the reading, if any.
    fn next_chunk(&mut self) -> Option<std::io::Result<Chunk>> {
        if self.done {
            return self.error.take().map(Err);
        }
        // A spare buffer keeps its old bytes as room to read into: reading into a vector's
        // spare capacity would zero it first, every time.
        let mut bytes = self.spare.pop().unwrap_or_default();
        let mut filled = self.rest.len();
        if bytes.len() < filled {
            bytes.resize(filled, 0);
        }
        bytes[..filled].copy_from_slice(&self.rest);
        self.rest.clear();
        let mut size = self.size;
        loop {
            let ended = self.fill(&mut bytes, &mut filled, size);
            bytes.truncate(filled);
            let quoted = memchr::memchr(b'"', &bytes).is_some();
            if ended {
                self.done = true;
                if self.error.is_some() {
                    // The record being read when the source failed is not whole.
                    bytes.truncate(whole_records(&bytes, quoted, self.delimiter));
                }
                if bytes.is_empty() {
                    return self.error.take().map(Err);
                }
                return Some(Ok(self.cut(bytes, quoted)));
            }
            let end = match whole_records(&bytes, quoted, self.delimiter) {
                // Nothing but empty lines before a record too long yet for the chunk.
                0 => bytes.iter().take_while(|&&b| b == b'\n').count(),
                end => end,
            };
            if end > 0 {
                self.rest.extend_from_slice(&bytes[end..]);
                bytes.truncate(end);
                let quoted = quoted && memchr::memchr(b'"', &bytes).is_some();
                return Some(Ok(self.cut(bytes, quoted)));
            }
            // A record longer than the chunk: read on (the source stops it at the limit).
            size = bytes.len() * 2;
        }
    }

    /// A chunk of `bytes`. A chunk of nothing but empty lines adds them to the next one's
    /// [`Chunk::gap`]; any other ends where a record does.
    fn cut(&mut self, bytes: Vec<u8>, quoted: bool) -> Chunk {
        let gap = self.gap;
        self.gap = match bytes.iter().all(|&b| b == b'\n') {
            true => gap + bytes.len() as u64,
            false => 0,
        };
        Chunk { bytes, quoted, gap }
    }

    /// Reads into `bytes` after its first `filled` bytes until `filled` is `size`, in reads of
    /// at most [`READ_BYTES`] (`bytes` grows as needed; what is after `filled` is room); true
    /// when the source has ended (or failed: then the error is kept in `self.error`).
    fn fill(&mut self, bytes: &mut Vec<u8>, filled: &mut usize, size: usize) -> bool {
        while *filled < size {
            let end = *filled + (size - *filled).min(READ_BYTES);
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            match self.source.read(&mut bytes[*filled..end]) {
                Ok(0) => return true,
                Ok(read) => *filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.error = Some(error);
                    return true;
                }
            }
        }
        false
    }
}

/// Where the whole records at the start of `bytes` end (0 when there is none): after the line
/// end of the last record, and before any empty lines after it.
fn whole_records(bytes: &[u8], quoted: bool, delimiter: u8) -> usize {
    if !quoted {
        let Some(last) = memchr::memrchr(b'\n', bytes) else {
            return 0;
        };
        let blank = bytes[..last]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\n')
            .count();
        return match last - blank {
            0 => 0,
            end => end + 1,
        };
    }
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    let (mut output, mut ends) = (vec![0u8; 4096], [0usize; 64]);
    let (mut at, mut end) = (0, 0);
    while at < bytes.len() {
        let (result, read, _, _) = reader.read_record(&bytes[at..], &mut output, &mut ends);
        at += read;
        match result {
            csv_core::ReadRecordResult::Record => end = at,
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => break,
            // Only the records' ends are wanted: the cells are thrown away.
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
            }
        }
    }
    end
}

/// Where a record starts in its chunk: the byte and the line (counted from 0). As the CSV
/// reader gives it, that is where the record before it ended, empty lines between included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RecordAt {
    pub byte: u32,
    pub line: u32,
}

/// A record of a chunk without quote marks: a line, cut at each separator.
struct SplitRow<'a> {
    chunk: &'a [u8],
    /// Where each cell starts and ends in `chunk`.
    cells: &'a [(u32, u32)],
}

impl Row for SplitRow<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.cells.len()
    }

    #[inline]
    fn cell(&self, i: usize) -> &[u8] {
        match self.cells.get(i) {
            Some(&(start, end)) => &self.chunk[start as usize..end as usize],
            None => b"",
        }
    }
}

/// The bytes of `word` equal to `byte`: the high bit of each such byte set (and no other).
#[inline]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    !(((x & LOW) + LOW) | x | LOW)
}

/// Calls `each` with the position of every separator and line end in `bytes`, in order,
/// looking at eight bytes at a time (cells are short: a search that starts afresh at every
/// one costs more than it saves).
#[inline]
fn for_each_break(bytes: &[u8], delimiter: u8, mut each: impl FnMut(usize)) {
    let mut words = bytes.chunks_exact(8);
    for (i, chunk) in (&mut words).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let mut hits = bytes_equal(word, delimiter) | bytes_equal(word, b'\n');
        while hits != 0 {
            each(i * 8 + (hits.trailing_zeros() / 8) as usize);
            hits &= hits - 1;
        }
    }
    let done = bytes.len() - words.remainder().len();
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == delimiter || b == b'\n' {
            each(done + i);
        }
    }
}

/// Calls `each` with every record of a chunk without quote marks and its place, as the CSV
/// reader would find them; returns how many lines the chunk has (its line ends).
#[inline]
fn split_records(
    chunk: &[u8],
    delimiter: u8,
    mut each: impl FnMut(&SplitRow<'_>, RecordAt),
) -> u64 {
    let mut cells: Vec<(u32, u32)> = Vec::with_capacity(16);
    let (mut start, mut cell, mut line) = (0u32, 0u32, 0u32);
    let mut at = RecordAt::default();
    for_each_break(chunk, delimiter, |i| {
        let i = i as u32;
        if chunk[i as usize] == delimiter {
            cells.push((cell, i));
            cell = i + 1;
            return;
        }
        line += 1;
        // An empty line is no record: the next record's place stays where this one starts.
        if i > start {
            cells.push((cell, i));
            each(
                &SplitRow {
                    chunk,
                    cells: &cells,
                },
                at,
            );
            cells.clear();
            at = RecordAt { byte: i + 1, line };
        }
        start = i + 1;
        cell = start;
    });
    if (start as usize) < chunk.len() {
        cells.push((cell, chunk.len() as u32));
        each(
            &SplitRow {
                chunk,
                cells: &cells,
            },
            at,
        );
    }
    u64::from(line)
}

/// Calls `each` with every record of a chunk and its place, as the CSV reader finds them;
/// returns how many lines the chunk has (its line ends).
fn csv_records(chunk: &[u8], delimiter: u8, mut each: impl FnMut(&ByteRecord, RecordAt)) -> u64 {
    let mut reader = csv_reader(delimiter, chunk);
    let mut record = ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let at = record.position().map_or(RecordAt::default(), |p| RecordAt {
            byte: p.byte() as u32,
            line: p.line() as u32 - 1,
        });
        each(&record, at);
    }
    memchr::memchr_iter(b'\n', chunk).count() as u64
}

/// A chunk's rows as cooked by a [`Cook`] handler: each record's place and, unless it is to
/// be read the usual way, its cooked form, which may point into `numbers`, `values` and
/// `text`.
#[derive(Debug)]
pub(crate) struct Cooked<T> {
    pub rows: Vec<(RecordAt, Option<T>)>,
    pub numbers: Vec<Packed>,
    /// Values of other types than figures (an event's fields).
    pub values: Vec<Value>,
    pub text: Vec<u8>,
    /// For a handler that joins a row to the rows above it: the position (in `rows`) of the
    /// first row of the group the last row is in, and what the group holds (the handler's
    /// own flags). `None` after any other row.
    pub group: Option<(usize, u64)>,
    /// The chunk's line ends.
    lines: u64,
}

impl<T> Default for Cooked<T> {
    fn default() -> Self {
        Cooked {
            rows: Vec::new(),
            numbers: Vec::new(),
            values: Vec::new(),
            text: Vec::new(),
            group: None,
            lines: 0,
        }
    }
}

/// A handler whose rows can be read in chunks on several threads (see [`read_csv_cooked`]).
pub(crate) trait Cook: Handler {
    /// What cooking a row needs to know, from the header.
    type Recipe: Sync;
    /// A row cooked.
    type Cooked: Send;
    /// Whether [`Cook::take_cooked`] needs the context at each row's line and place (setting
    /// it costs a little for every row).
    const TAKES_PLACES: bool = false;
    /// The recipe, once the header has been read (`width` columns).
    fn recipe(&self, width: usize) -> Self::Recipe;
    /// Cooks a row, on any thread: `None` when it is to be read the usual way (anything but
    /// a plain, valid row), the same way whether cooked or not.
    fn cook<R: Row + ?Sized>(
        recipe: &Self::Recipe,
        row: &R,
        into: &mut Cooked<Self::Cooked>,
    ) -> Option<Self::Cooked>;
    /// Whether [`Cook::cook_line`] may cook the lines of chunks without quote marks.
    fn cooks_lines(_recipe: &Self::Recipe) -> bool {
        false
    }
    /// Cooks the record at the start of `rest` (a chunk without quote marks, from the start
    /// of a line that is not empty; cells cut at `delimiter`) straight from its bytes, without cutting it into cells:
    /// what [`Cook::cook`] gives that row, with the length of its line (without the line
    /// end); `None`, changing nothing, when the line is to be cut and cooked as usual.
    #[inline]
    fn cook_line(
        _recipe: &Self::Recipe,
        _rest: &[u8],
        _delimiter: u8,
        _into: &mut Cooked<Self::Cooked>,
    ) -> Option<(Self::Cooked, usize)> {
        None
    }
    /// Called with each chunk's cooked rows before they are taken (on the thread taking
    /// them): to do for the chunk at once what is quicker so, such as looking up its ids
    /// together (see [`Interner::warm`](super::store::Interner::warm)).
    fn before_taking(&mut self, _cooked: &Cooked<Self::Cooked>) {}
    /// Takes a cooked row, in file order (with the context at its line and place when
    /// [`Cook::TAKES_PLACES`]): what became of it, or `None` (having changed nothing the usual reading would not) when it
    /// is to be read the usual way after all.
    fn take_cooked(
        &mut self,
        row: &Self::Cooked,
        from: &Cooked<Self::Cooked>,
        ctx: &mut Ctx,
    ) -> Option<Outcome>;
}

/// Whether a row has the header's width (or more, blank), as the usual reading wants (see
/// `check_shape`): a row to cook.
#[inline]
pub(crate) fn plain_shape<R: Row + ?Sized>(row: &R, width: usize) -> bool {
    let len = row.len();
    len == width || (len > width && (width..len).all(|i| is_blank(row.cell(i))))
}

/// Cooks every record of a chunk.
fn cook_chunk<H: Cook>(
    recipe: &H::Recipe,
    chunk: &Chunk,
    delimiter: u8,
    cooked: &mut Cooked<H::Cooked>,
) {
    cooked.rows.clear();
    cooked.numbers.clear();
    cooked.values.clear();
    cooked.text.clear();
    cooked.group = None;
    cooked.lines = match chunk.quoted {
        true => csv_records(&chunk.bytes, delimiter, |row, at| {
            let done = H::cook(recipe, row, cooked);
            cooked.rows.push((at, done));
        }),
        false if H::cooks_lines(recipe) => cook_lines::<H>(recipe, &chunk.bytes, delimiter, cooked),
        false => split_records(&chunk.bytes, delimiter, |row, at| {
            let done = H::cook(recipe, row, cooked);
            cooked.rows.push((at, done));
        }),
    };
}

/// Cooks every record of a chunk without quote marks line by line, through
/// [`Cook::cook_line`] where it can, else cut into cells as [`split_records`] cuts them;
/// the same rows and places as [`split_records`] gives. Returns how many lines the chunk has.
fn cook_lines<H: Cook>(
    recipe: &H::Recipe,
    chunk: &[u8],
    delimiter: u8,
    cooked: &mut Cooked<H::Cooked>,
) -> u64 {
    let mut cells = Vec::with_capacity(16);
    let (mut start, mut line) = (0, 0u32);
    let mut at = RecordAt::default();
    while start < chunk.len() {
        let rest = &chunk[start..];
        let (done, len) = match rest[0] {
            // An empty line is no record: the next record's place stays where this one starts.
            b'\n' => (None, 0),
            _ => match H::cook_line(recipe, rest, delimiter, cooked) {
                Some((row, len)) => (Some(Some(row)), len),
                None => {
                    let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                    let row = split_line(&rest[..len], delimiter, &mut cells);
                    (Some(H::cook(recipe, &row, cooked)), len)
                }
            },
        };
        let end = start + len;
        if let Some(done) = done {
            cooked.rows.push((at, done));
        }
        if end < chunk.len() {
            line += 1;
            if len > 0 {
                at = RecordAt {
                    byte: end as u32 + 1,
                    line,
                };
            }
        }
        start = end + 1;
    }
    u64::from(line)
}

/// A chunk without quote marks cooked both ways: line by line ([`cook_lines`]) and cut into
/// cells ([`split_records`]), each with how many lines it counted (for tests that the two
/// agree).
#[cfg(test)]
pub(crate) fn cooked_both_ways<H: Cook>(
    recipe: &H::Recipe,
    chunk: &[u8],
    delimiter: u8,
) -> [(u64, Cooked<H::Cooked>); 2] {
    let mut by_lines = Cooked::default();
    let lines = cook_lines::<H>(recipe, chunk, delimiter, &mut by_lines);
    let mut by_cells = Cooked::default();
    let cells = split_records(chunk, delimiter, |row, at| {
        let done = H::cook(recipe, row, &mut by_cells);
        by_cells.rows.push((at, done));
    });
    [(lines, by_lines), (cells, by_cells)]
}

/// A line (without its line end) cut at each separator, into `cells`.
fn split_line<'a>(line: &'a [u8], delimiter: u8, cells: &'a mut Vec<(u32, u32)>) -> SplitRow<'a> {
    cells.clear();
    let mut start = 0;
    for end in memchr::memchr_iter(delimiter, line).chain([line.len()]) {
        cells.push((start as u32, end as u32));
        start = end + 1;
    }
    SplitRow { chunk: line, cells }
}

/// A chunk in the file: where it starts (byte, line).
#[derive(Clone, Copy, Debug)]
struct ChunkPlace {
    byte: u64,
    line: u64,
}

impl ChunkPlace {
    /// The line and byte in the file of a record at `at` in `chunk`, which starts here.
    fn of(self, chunk: &Chunk, at: RecordAt) -> (usize, u64) {
        let gap = if at.byte == 0 { chunk.gap } else { 0 };
        (
            (self.line + u64::from(at.line) - gap) as usize,
            self.byte + u64::from(at.byte) - gap,
        )
    }

    /// Where the chunk after `chunk` (of `lines` line ends), which starts here, starts.
    fn after(self, chunk: &Chunk, lines: u64) -> ChunkPlace {
        ChunkPlace {
            byte: self.byte + chunk.bytes.len() as u64,
            line: self.line + lines,
        }
    }
}

/// Takes a cooked chunk's rows, in order; returns where the next chunk starts.
fn take_chunk<H: Cook>(
    chunk: &Chunk,
    cooked: &Cooked<H::Cooked>,
    place: ChunkPlace,
    width: usize,
    handler: &mut H,
    ctx: &mut Ctx,
) -> ChunkPlace {
    let file_place = |at: RecordAt| place.of(chunk, at);
    let set_place = |ctx: &mut Ctx, (line, byte): (usize, u64)| {
        ctx.line = line;
        ctx.anchor = Anchor::Csv { byte, field: None };
    };
    handler.before_taking(cooked);
    for (at, row) in &cooked.rows {
        let taken = row.as_ref().and_then(|row| {
            if H::TAKES_PLACES {
                set_place(ctx, file_place(*at));
            }
            handler.take_cooked(row, cooked, ctx)
        });
        match taken {
            Some(outcome) => ctx.count(outcome),
            None => take_record_at(chunk, at.byte, file_place(*at), width, handler, ctx),
        }
    }
    if let Some((at, _)) = cooked.rows.last() {
        set_place(ctx, file_place(*at));
    }
    place.after(chunk, cooked.lines)
}

/// Gives the record of a chunk at `at` (where [`split_records`] or [`csv_records`] placed it) to the handler
/// the usual way, as [`take_record`] does.
fn take_record_at<H: Handler>(
    chunk: &Chunk,
    at: u32,
    place: (usize, u64),
    width: usize,
    handler: &mut H,
    ctx: &mut Ctx,
) {
    let rest = &chunk.bytes[at as usize..];
    if chunk.quoted {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(ctx.delimiter)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(256)
            .from_reader(rest);
        let mut record = ByteRecord::new();
        // The chunk was read whole before: its records read again.
        let _ = reader.read_byte_record(&mut record);
        return take_record(&record, place, width, handler, ctx);
    }
    let rest = &rest[rest.iter().take_while(|&&b| b == b'\n').count()..];
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    let mut cells = Vec::new();
    let row = split_line(line, ctx.delimiter, &mut cells);
    take_record(&row, place, width, handler, ctx);
}

/// How many chunks may be read ahead of the one being taken, for each thread cooking.
#[cfg(feature = "parallel")]
const CHUNKS_AHEAD: usize = 8;

/// Reads a CSV file through a handler whose rows can be cooked: the same rows, errors and
/// summary as [`read_csv`], with the rows cooked on every thread the `parallel` feature
/// allows (one without it).
pub(crate) fn read_csv_cooked<H: Cook>(handler: &mut H, ctx: &mut Ctx) {
    read_csv_in_chunks(handler, ctx, CHUNK_BYTES);
}

/// [`read_csv_cooked`] in chunks of about `size` bytes.
pub(crate) fn read_csv_in_chunks<H: Cook>(handler: &mut H, ctx: &mut Ctx, size: usize) {
    let Some(file) = open_csv(ctx) else {
        return;
    };
    let delimiter = ctx.delimiter;
    let mut chunker = Chunker::new(file, delimiter, size);
    let mut first = match chunker.next_chunk() {
        Some(Ok(chunk)) => chunk,
        Some(Err(error)) => {
            let e = io_failure(&ctx.path, 1, &error);
            ctx.errors.push(e);
            return;
        }
        None => Chunk {
            bytes: Vec::new(),
            quoted: false,
            gap: 0,
        },
    };
    let mut reader = csv_reader(delimiter, first.bytes.as_slice());
    let mut record = ByteRecord::new();
    let read = reader.read_byte_record(&mut record);
    let Some(width) = take_header(read, &record, handler, ctx) else {
        return;
    };
    let after = reader.position();
    let mut place = ChunkPlace {
        byte: after.byte(),
        line: after.line(),
    };
    first.bytes.drain(..after.byte() as usize);
    first.quoted = first.quoted && memchr::memchr(b'"', &first.bytes).is_some();
    let recipe = handler.recipe(width);
    let mut ahead = VecDeque::from([first]);
    let failure = cook_and_take(
        &mut chunker,
        &mut ahead,
        &recipe,
        width,
        &mut place,
        handler,
        ctx,
    );
    if let Some(error) = failure {
        let e = io_failure(&ctx.path, ctx.line + 1, &error);
        ctx.errors.push(e);
    }
}

/// Cooks the chunks (`ahead`, then the rest of the file) and takes them in order; returns the
/// error that stopped the reading, if any.
fn cook_and_take<H: Cook, R: Read + Send>(
    chunker: &mut Chunker<R>,
    ahead: &mut VecDeque<Chunk>,
    recipe: &H::Recipe,
    width: usize,
    place: &mut ChunkPlace,
    handler: &mut H,
    ctx: &mut Ctx,
) -> Option<std::io::Error> {
    #[cfg(feature = "parallel")]
    if let Some(failure) = cook_in_parallel(chunker, ahead, recipe, width, place, handler, ctx) {
        return failure;
    }
    let delimiter = chunker.delimiter;
    let mut cooked = Cooked::default();
    loop {
        let chunk = match ahead.pop_front().map(Ok).or_else(|| chunker.next_chunk()) {
            Some(Ok(chunk)) => chunk,
            Some(Err(error)) => return Some(error),
            None => return None,
        };
        cook_chunk::<H>(recipe, &chunk, delimiter, &mut cooked);
        *place = take_chunk(&chunk, &cooked, *place, width, handler, ctx);
        chunker.spare.push(chunk.bytes);
    }
}

/// What the threads of [`cook_in_parallel`] tell the thread taking the chunks.
#[cfg(feature = "parallel")]
enum Cooking<T> {
    /// The chunk numbered so, cooked.
    Cooked(usize, Chunk, Cooked<T>),
    /// A cooking thread panicked: this is its panic.
    Panicked(Box<dyn std::any::Any + Send>),
    /// The file has this many chunks, and this error stopped the reading (if any).
    End(usize, Option<std::io::Error>),
}

/// [`cook_and_take`] with the file read on a thread of its own and the chunks cooked on
/// others (as many as rayon's pool has threads), taken here in order as they are done. At most
/// a few chunks for each thread are read ahead of the one being taken. `None` when no thread
/// could be started.
#[cfg(feature = "parallel")]
fn cook_in_parallel<H: Cook, R: Read + Send>(
    chunker: &mut Chunker<R>,
    ahead: &mut VecDeque<Chunk>,
    recipe: &H::Recipe,
    width: usize,
    place: &mut ChunkPlace,
    handler: &mut H,
    ctx: &mut Ctx,
) -> Option<Option<std::io::Error>> {
    type Job<T> = (usize, Chunk, Cooked<T>);
    let threads = rayon::current_num_threads().max(1);
    let delimiter = chunker.delimiter;
    let (job_tx, job_rx) = mpsc::channel::<Job<H::Cooked>>();
    let (done_tx, done_rx) = mpsc::channel::<Cooking<H::Cooked>>();
    // Buffers of chunks taken, given back to the reading thread: it reads a chunk only with one.
    let (free_tx, free_rx) = mpsc::channel::<(Vec<u8>, Cooked<H::Cooked>)>();
    let job_rx = std::sync::Mutex::new(job_rx);
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..threads {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            let cook = move || loop {
                let job = job_rx
                    .lock()
                    .map_err(drop)
                    .and_then(|rx| rx.recv().map_err(drop));
                let Ok((number, chunk, mut cooked)) = job else {
                    break;
                };
                let cooking = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cook_chunk::<H>(recipe, &chunk, delimiter, &mut cooked)
                }));
                let message = match cooking {
                    Ok(()) => Cooking::Cooked(number, chunk, cooked),
                    Err(panic) => Cooking::Panicked(panic),
                };
                if done_tx.send(message).is_err() {
                    break;
                }
            };
            let spawned = std::thread::Builder::new()
                .name("escalate-cook".into())
                .spawn_scoped(scope, cook);
            started += usize::from(spawned.is_ok());
        }
        if started == 0 {
            return None;
        }
        for _ in 0..CHUNKS_AHEAD * started {
            let _ = free_tx.send((Vec::new(), Cooked::default()));
        }
        let read = {
            let done_tx = done_tx.clone();
            // Borrowed, not moved: should the thread not start, nothing read is lost.
            let ahead = &mut *ahead;
            move || {
                let mut chunks = ahead.drain(..).map(Ok);
                let mut count = 0;
                let mut failure = None;
                for (bytes, cooked) in free_rx.iter() {
                    chunker.spare.push(bytes);
                    let chunk = match chunks.next().or_else(|| chunker.next_chunk()) {
                        Some(Ok(chunk)) => chunk,
                        Some(Err(error)) => {
                            failure = Some(error);
                            break;
                        }
                        None => break,
                    };
                    if job_tx.send((count, chunk, cooked)).is_err() {
                        break;
                    }
                    count += 1;
                }
                let _ = done_tx.send(Cooking::End(count, failure));
            }
        };
        if std::thread::Builder::new()
            .name("escalate-read".into())
            .spawn_scoped(scope, read)
            .is_err()
        {
            // Without a reading thread the cooking threads are still there: read here.
            return None;
        }
        drop(done_tx);
        let mut done = std::collections::BTreeMap::new();
        let mut end = None;
        let mut taken = 0;
        loop {
            if let Some((chunk, cooked)) = done.remove(&taken) {
                *place = take_chunk(&chunk, &cooked, *place, width, handler, ctx);
                taken += 1;
                let _ = free_tx.send((chunk.bytes, cooked));
                continue;
            }
            if let Some((count, _)) = &end {
                if taken >= *count {
                    break;
                }
            }
            match done_rx.recv() {
                Ok(Cooking::Cooked(number, chunk, cooked)) => {
                    done.insert(number, (chunk, cooked));
                }
                Ok(Cooking::End(count, failure)) => end = Some((count, failure)),
                // The other threads stop once there are no more chunks to cook.
                Ok(Cooking::Panicked(panic)) => std::panic::resume_unwind(panic),
                Err(_) => break,
            }
        }
        // The reading thread stops when no more buffers come.
        drop(free_tx);
        Some(end.and_then(|(_, failure)| failure))
    })
}

/// A parsed JSON file: its text and its records (line, byte range, key/value pairs).
pub(crate) struct JsonTable {
    pub text: String,
    pub records: Vec<JsonRecord>,
}

pub(crate) struct JsonRecord {
    pub line: usize,
    pub start: usize,
    pub end: usize,
    pub object: Option<serde_json::Map<String, serde_json::Value>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The byte ranges of the elements of a JSON array that starts at `open` (the `[`). The
/// text must already be known to be valid JSON.
fn array_elements(text: &str, open: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut elements = Vec::new();
    let mut i = open + 1;
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b',' if depth == 0 => {
                if let Some(s) = start.take() {
                    elements.push((s, i));
                }
            }
            b']' | b'}' if depth == 0 => {
                if let Some(s) = start.take() {
                    elements.push((s, i));
                }
                break;
            }
            _ => {
                if start.is_none() {
                    start = Some(i);
                }
                match b {
                    b'"' => in_string = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => depth -= 1,
                    _ => {}
                }
            }
        }
        i += 1;
    }
    // Trim trailing whitespace from each element.
    elements
        .into_iter()
        .map(|(s, e)| (s, s + text[s..e].trim_end().len()))
        .collect()
}

/// Reads and checks a JSON file: UTF-8, valid JSON, an array. Problems are reported in
/// `ctx`; `None` means the file cannot be used.
pub(crate) fn parse_json(ctx: &mut Ctx) -> Option<JsonTable> {
    let mut bytes = Vec::new();
    let mut file = match super::open::open_data_file(&ctx.path, ctx.bytes.as_ref(), true) {
        Ok(file) => file,
        Err(error) => {
            ctx.errors.push(error);
            return None;
        }
    };
    if let Err(error) = file.read_to_end(&mut bytes) {
        let e = unreadable(&ctx.path, 1, &error);
        ctx.errors.push(e);
        return None;
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let text = match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(error) => {
            let line = body[..error.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let mut at = Site::file(&ctx.path, Some("save the file as UTF-8 text".to_string()));
            if let Some(location) = &mut at.location {
                location.line = line;
            }
            ctx.errors.push(DataError::new(
                DataErrorKind::InvalidUtf8 {
                    what: "the file".into(),
                },
                at,
            ));
            return None;
        }
    };
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
        let line = error.line().max(1);
        let reason = error.to_string();
        // serde_json appends " at line L column C"; we give the place separately.
        let reason = reason
            .rsplit_once(" at line ")
            .map_or(reason.as_str(), |(r, _)| r)
            .to_string();
        let line_text = text.lines().nth(line - 1).unwrap_or("").to_string();
        let column = error.column().max(1);
        let offset = line_text
            .char_indices()
            .nth(column - 1)
            .map_or(line_text.len(), |(i, _)| i);
        let name = ctx.path.display().to_string();
        let at = Box::new(Site {
            location: Some(DataLocation {
                file: ctx.path.clone(),
                line,
                column,
            }),
            help: Some(
                "the file must be a JSON list of records, such as \
                 [{\"subject\": \"c01\", \"period\": \"2026-10\"}]"
                    .to_string(),
            ),
            label: Some("here".into()),
            snippet: Some((
                Snippet::new(name, line_text, line),
                SourceSpan::from((offset, 0)),
            )),
            anchor: Anchor::None,
        });
        ctx.errors.push(DataError::new(
            DataErrorKind::BadJson {
                reason: format!("the file is not valid JSON: {reason}"),
            },
            at,
        ));
        return None;
    }
    let open = text.len() - text.trim_start().len();
    if !text[open..].starts_with('[') {
        let at = Site::file(
            &ctx.path,
            Some(
                "the file must be a JSON list of records, starting with `[`, such as \
                 [{\"subject\": \"c01\", \"period\": \"2026-10\"}]"
                    .to_string(),
            ),
        );
        ctx.errors.push(DataError::new(
            DataErrorKind::BadJson {
                reason: "the file is not a list of records".into(),
            },
            at,
        ));
        return None;
    }
    let mut records = Vec::new();
    let mut line = 1;
    let mut counted = 0;
    for (start, end) in array_elements(&text, open) {
        line += text.as_bytes()[counted..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = start;
        let object = match serde_json::from_str::<serde_json::Value>(&text[start..end]) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        };
        records.push(JsonRecord {
            line,
            start,
            end,
            object,
        });
    }
    Some(JsonTable { text, records })
}

/// The text of a JSON value used as a cell; `None` for a list or object.
pub(crate) fn json_cell(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => Some(String::new()),
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
    }
}

/// The header of a list of JSON objects: every key, normalised, in first-seen order.
pub(crate) fn json_header<'a>(
    objects: impl Iterator<Item = &'a serde_json::Map<String, serde_json::Value>>,
    leading: &[&str],
) -> (Header, Vec<String>) {
    let mut names: Vec<String> = leading.iter().map(|s| s.to_string()).collect();
    let mut shown: Vec<String> = names.clone();
    for object in objects {
        for key in object.keys() {
            let name = normalise_heading(key);
            if !names.contains(&name) {
                names.push(name);
                shown.push(key.trim().to_string());
            }
        }
    }
    (Header { names, line: 1 }, shown)
}

/// Reads a JSON file through a handler.
pub(crate) fn read_json<H: Handler>(handler: &mut H, ctx: &mut Ctx) -> Option<JsonTable> {
    let table = parse_json(ctx)?;
    read_json_table(handler, ctx, &table);
    Some(table)
}

pub(crate) fn read_json_table<H: Handler>(handler: &mut H, ctx: &mut Ctx, table: &JsonTable) {
    if table.records.is_empty() {
        return;
    }
    let (header, shown) = json_header(table.records.iter().filter_map(|r| r.object.as_ref()), &[]);
    ctx.columns = shown;
    ctx.line = table.records[0].line;
    ctx.anchor = Anchor::Json {
        start: table.records[0].start,
        end: table.records[0].end,
        key: None,
    };
    if !handler.header(&header, ctx) {
        return;
    }
    let mut row = TextRow(Vec::new());
    for record in &table.records {
        ctx.line = record.line;
        ctx.anchor = Anchor::Json {
            start: record.start,
            end: record.end,
            key: None,
        };
        let outcome = match &record.object {
            None => {
                ctx.report(None, |mut at| {
                    at.label = Some("not a record".into());
                    at.help = Some(
                        "each item in the list must be a record in braces, such as \
                         {\"subject\": \"c01\", \"period\": \"2026-10\"}"
                            .into(),
                    );
                    DataError::new(
                        DataErrorKind::BadJson {
                            reason: "this item is not a record".into(),
                        },
                        at,
                    )
                });
                Outcome::Rejected
            }
            Some(object) => match fill_row(&header, object, &mut row, ctx) {
                true => match check_shape(&row, row.len(), ctx) {
                    Some(outcome) => outcome,
                    None => handler.row(&row, ctx),
                },
                false => Outcome::Rejected,
            },
        };
        ctx.count(outcome);
    }
}

/// Lays out an object's values as a row under `header`. Returns false (after reporting)
/// when a value is a list or an object.
pub(crate) fn fill_row(
    header: &Header,
    object: &serde_json::Map<String, serde_json::Value>,
    row: &mut TextRow,
    ctx: &mut Ctx,
) -> bool {
    row.0.clear();
    row.0.resize(header.names.len(), String::new());
    let mut ok = true;
    for (key, value) in object {
        let name = normalise_heading(key);
        let Some(field) = header.names.iter().position(|n| *n == name) else {
            continue;
        };
        match json_cell(value) {
            Some(text) => row.0[field] = text,
            None => {
                ok = false;
                let key = key.clone();
                ctx.report(Some(field), |mut at| {
                    at.label = Some("not a single value".into());
                    at.help = Some(format!(
                        "give `{key}` a single value: a number, some text in quotes, or null"
                    ));
                    DataError::new(
                        DataErrorKind::BadJson {
                            reason: format!("the value of `{key}` is a list or a record"),
                        },
                        at,
                    )
                });
            }
        }
    }
    ok
}

/// Reads rows handed over in memory (records) through a handler.
pub(crate) fn read_rows<H: Handler>(
    handler: &mut H,
    ctx: &mut Ctx,
    header: &Header,
    shown: &[String],
    rows: &[Result<TextRow, String>],
) {
    ctx.columns = shown.to_vec();
    ctx.line = 1;
    if !handler.header(header, ctx) {
        return;
    }
    for (i, row) in rows.iter().enumerate() {
        ctx.line = i + 1;
        let outcome = match row {
            Ok(row) => match check_shape(row, row.len(), ctx) {
                Some(outcome) => outcome,
                None => handler.row(row, ctx),
            },
            Err(key) => {
                ctx.report(None, |mut at| {
                    at.help = Some(format!(
                        "give `{key}` a single value: a number, some text, or null"
                    ));
                    DataError::new(
                        DataErrorKind::BadJson {
                            reason: format!("the value of `{key}` is a list or a record"),
                        },
                        at,
                    )
                });
                Outcome::Rejected
            }
        };
        ctx.count(outcome);
    }
}

/// Reads the rows of a workbook's sheet through a handler; errors are located at the
/// sheet's rows and columns.
#[cfg(feature = "xlsx")]
pub(crate) fn read_sheet_rows<H: Handler>(
    handler: &mut H,
    ctx: &mut Ctx,
    sheet: &super::xlsx::Sheet,
) {
    ctx.columns = sheet.shown.clone();
    ctx.line = sheet.header.line;
    ctx.header_line = sheet.header.line;
    ctx.anchor = Anchor::Sheet { field: None };
    if !handler.header(&sheet.header, ctx) {
        return;
    }
    let width = sheet.header.names.len();
    for (line, row) in &sheet.rows {
        ctx.line = *line;
        let outcome = match check_shape(row, width.max(row.len()), ctx) {
            Some(outcome) => outcome,
            None => handler.row(row, ctx),
        };
        ctx.count(outcome);
    }
}

/// Fills in the offending row under each error about a sheet, its cells separated by commas,
/// with the cell's reference (`C3`) in the label.
#[cfg(feature = "xlsx")]
pub(crate) fn attach_sheet_snippets(
    name: &str,
    sheet: &super::xlsx::Sheet,
    errors: &mut [DataError],
) {
    for error in errors.iter_mut() {
        let site = error.site_mut();
        let Anchor::Sheet { field } = site.anchor else {
            continue;
        };
        let Some(line) = site.location.as_ref().map(|l| l.line) else {
            continue;
        };
        let cells: &[String] = if line == sheet.header.line {
            &sheet.shown
        } else {
            match sheet.rows.binary_search_by_key(&line, |(l, _)| *l) {
                Ok(i) => &sheet.rows[i].1 .0,
                Err(_) => continue,
            }
        };
        let mut text = String::new();
        let mut span = None;
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            if Some(i) == field {
                span = Some((text.len(), cell.len()));
            }
            text.push_str(cell);
        }
        let span = span.unwrap_or((0, text.len()));
        let column = field.map_or(1, |f| f + 1);
        if let (Some(label), Some(f)) = (&mut site.label, field) {
            label.push_str(&format!(" (cell {}{line})", super::xlsx::column_letters(f)));
        }
        site.snippet = Some((
            Snippet::in_sheet(name, text, line, column),
            SourceSpan::from(span),
        ));
    }
}

/// The byte ranges of the fields of one CSV line (quotes respected, ranges trimmed).
fn csv_field_spans(line: &str, delimiter: u8) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if in_quotes && bytes.get(i + 1) == Some(&b'"') => i += 1,
            b'"' => in_quotes = !in_quotes,
            b if b == delimiter && !in_quotes => {
                spans.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    spans.push((start, bytes.len()));
    spans
        .into_iter()
        .map(|(s, e)| {
            let field = &line[s..e];
            let lead = field.len() - field.trim_start().len();
            (s + lead, s + lead + field.trim().len())
        })
        .collect()
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Fills in the offending line under each CSV error, reading the lines back from the file.
pub(crate) fn attach_csv_snippets(
    path: &Path,
    bytes: Option<&Arc<[u8]>>,
    delimiter: u8,
    errors: &mut [DataError],
) {
    const MAX_LINE: usize = 8 * 1024;
    if !errors
        .iter()
        .any(|e| matches!(e.site().anchor, Anchor::Csv { .. }))
    {
        return;
    }
    let Ok(file) = super::open::open_data_file(path, bytes, false) else {
        return;
    };
    let mut file = BufReader::new(file);
    let name = path.display().to_string();
    for error in errors.iter_mut() {
        let site = error.site_mut();
        let Anchor::Csv { byte, field } = site.anchor else {
            continue;
        };
        let Some(line_number) = site.location.as_ref().map(|l| l.line) else {
            continue;
        };
        let mut buffer = Vec::with_capacity(256);
        if file.seek(SeekFrom::Start(byte)).is_err()
            || (&mut file)
                .take(MAX_LINE as u64)
                .read_to_end(&mut buffer)
                .is_err()
        {
            continue;
        }
        if let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            buffer.truncate(end);
        }
        let text = String::from_utf8_lossy(&buffer);
        let text = text.trim_start_matches('\u{feff}').trim_end_matches('\r');
        let spans = csv_field_spans(text, delimiter);
        let (start, end) = match field {
            Some(f) => spans.get(f).copied().unwrap_or((text.len(), text.len())),
            None => (0, text.len()),
        };
        site.snippet = Some((
            Snippet::new(name.clone(), text, line_number),
            SourceSpan::from((start, end - start)),
        ));
    }
}

/// Fills in the offending record under each JSON error.
pub(crate) fn attach_json_snippets(path: &Path, text: &str, errors: &mut [DataError]) {
    const MAX_SNIPPET: usize = 4 * 1024;
    let name = path.display().to_string();
    for error in errors.iter_mut() {
        let site = error.site_mut();
        let Anchor::Json { start, end, key } = &site.anchor else {
            continue;
        };
        let (start, end) = (*start, *end);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let cut = floor_char_boundary(text, line_end.min(line_start + MAX_SNIPPET));
        let snippet = text[line_start..cut].trim_end_matches('\r');
        let line = line_of(text, line_start);
        // Label the key and its value when the key can be found; else the record's start.
        let object_offset = start - line_start;
        let span = key
            .as_ref()
            .and_then(|key| {
                let needle = format!("\"{key}\"");
                let lower = snippet.to_ascii_lowercase();
                let at = lower[object_offset.min(lower.len())..].find(&needle)? + object_offset;
                let rest = &snippet[at..];
                let value_end = rest.find('\n').unwrap_or(rest.len());
                let value = rest[..value_end]
                    .trim_end()
                    .trim_end_matches(['}', ']'])
                    .trim_end()
                    .trim_end_matches(',');
                Some((at, value.len()))
            })
            .unwrap_or_else(|| {
                let first = snippet[object_offset.min(snippet.len())..]
                    .find('\n')
                    .unwrap_or(snippet.len() - object_offset.min(snippet.len()));
                (object_offset.min(snippet.len()), first)
            });
        site.snippet = Some((
            Snippet::new(name.clone(), snippet, line),
            SourceSpan::from(span),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A record's cells, line and byte.
    type Placed = (Vec<Vec<u8>>, u64, u64);

    #[test]
    fn a_missing_column_is_explained_by_why_then_the_near_heading_or_what_else() {
        let metric = Needed::new("callbacks", "the policy declares the metric `callbacks`")
            .otherwise(", so the file needs a column headed `callbacks`");
        assert_eq!(
            metric.help(Some("calbacks".into())),
            "the policy declares the metric `callbacks`; the file has a column headed \
             `calbacks`: if that is it, rename the heading to `callbacks`"
        );
        assert_eq!(
            metric.help(None),
            "the policy declares the metric `callbacks`, so the file needs a column headed \
             `callbacks`"
        );
        assert_eq!(
            Needed::new("value", "").help(Some("valeu".into())),
            "the file has a column headed `valeu`: if that is it, rename the heading to `value`"
        );
    }

    /// Every record of `text`, as the CSV reader finds them in the whole text.
    fn whole(text: &[u8], delimiter: u8) -> Vec<Placed> {
        let mut reader = csv_reader(delimiter, text);
        let mut record = ByteRecord::new();
        let mut records = Vec::new();
        while let Ok(true) = reader.read_byte_record(&mut record) {
            let place = record.position().expect("a place");
            let cells = record.iter().map(<[u8]>::to_vec).collect();
            records.push((cells, place.line(), place.byte()));
        }
        records
    }

    /// Every record of `text`, read in chunks of about `size` bytes (each chunk's buffer given
    /// back to be read into again, as the loaders do).
    fn chunked(text: &[u8], delimiter: u8, size: usize) -> Vec<Placed> {
        let mut chunker = Chunker::new(text, delimiter, size);
        let mut place = ChunkPlace { byte: 0, line: 1 };
        let mut records = Vec::new();
        while let Some(chunk) = chunker.next_chunk() {
            let chunk = chunk.expect("a chunk");
            let mut add = |row: &dyn Row, at: RecordAt| {
                let (line, byte) = place.of(&chunk, at);
                let cells = (0..row.len()).map(|i| row.cell(i).to_vec()).collect();
                records.push((cells, line as u64, byte));
            };
            let lines = match chunk.quoted {
                true => csv_records(&chunk.bytes, delimiter, |row, at| add(row, at)),
                false => split_records(&chunk.bytes, delimiter, |row, at| add(row, at)),
            };
            place = place.after(&chunk, lines);
            chunker.spare.push(chunk.bytes);
        }
        records
    }

    /// A reader of `text` that gives at most the next of `lengths` bytes a read (cycling
    /// through them), fails with [`std::io::ErrorKind::Interrupted`] where a length is 0, and
    /// fails for good at byte `fail_at` if given.
    struct Stutter<'a> {
        text: &'a [u8],
        lengths: Vec<usize>,
        reads: usize,
        fail_at: Option<usize>,
    }

    impl Read for Stutter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let length = self.lengths[self.reads % self.lengths.len()];
            self.reads += 1;
            if length == 0 {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            if self.fail_at == Some(0) {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let end = self.fail_at.unwrap_or(self.text.len()).min(self.text.len());
            let n = length.min(buf.len()).min(end);
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            self.fail_at = self.fail_at.map(|at| at - n);
            Ok(n)
        }
    }

    /// A chunk's bytes, whether it is quoted, and its gap.
    type CutChunk = (Vec<u8>, bool, u64);

    /// Every chunk `source` is cut into, buffers given back to be read into again; then the
    /// error that ended it, if any.
    fn chunks_of<R: Read>(source: R, size: usize) -> (Vec<CutChunk>, Option<String>) {
        let mut chunker = Chunker::new(source, b',', size);
        let mut chunks = Vec::new();
        while let Some(chunk) = chunker.next_chunk() {
            match chunk {
                Ok(chunk) => {
                    chunks.push((chunk.bytes.clone(), chunk.quoted, chunk.gap));
                    chunker.spare.push(chunk.bytes);
                }
                Err(error) => return (chunks, Some(error.to_string())),
            }
        }
        (chunks, None)
    }

    #[test]
    fn chunks_hold_whole_records_with_their_places() {
        let text = b"h,x\n\n\na,\"b\nc\"\r\n\n,\n\"q\"\"\",z\nlast";
        for size in 1..text.len() + 2 {
            assert_eq!(
                chunked(text, b',', size),
                whole(text, b','),
                "chunks of {size}"
            );
        }
        // Nothing but empty lines before a record: a chunk of them, and the record's place
        // is still the first of them.
        let text = format!("a\n{}b,c\n", "\n".repeat(100));
        assert_eq!(
            chunked(text.as_bytes(), b',', 8),
            whole(text.as_bytes(), b',')
        );
    }

    proptest! {
        #[test]
        fn chunks_read_as_the_whole_text(
            pieces in prop::collection::vec(
                prop::sample::select(vec![
                    "a", "bc", ",", ";", "\"", "\"\"", "\n", "\r\n", "\n\n", " ", "x\"y", "\r",
                ]),
                0..80,
            ),
            semicolon in any::<bool>(),
            size in 1usize..48,
        ) {
            let text = pieces.concat();
            let delimiter = if semicolon { b';' } else { b',' };
            prop_assert_eq!(
                chunked(text.as_bytes(), delimiter, size),
                whole(text.as_bytes(), delimiter)
            );
        }
    }

    proptest! {
        /// Short reads and interrupted reads give the chunks one read of everything gives; a
        /// source that fails gives the whole records read before the failure, then the error.
        #[test]
        fn chunks_do_not_depend_on_how_the_source_is_read(
            pieces in prop::collection::vec(
                prop::sample::select(vec!["a,b", "\"c\nd\"", ",", "\n", "\r\n", "\n\n", "xyz"]),
                0..80,
            ),
            lengths in prop::collection::vec(0usize..40, 1..8),
            size in 1usize..48,
            fail in prop::option::of(0usize..200),
        ) {
            let text = pieces.concat();
            let text = text.as_bytes();
            prop_assume!(lengths.iter().any(|&n| n > 0));
            let stutter = |fail_at| Stutter { text, lengths: lengths.clone(), reads: 0, fail_at };
            let (chunks, error) = chunks_of(stutter(None), size);
            prop_assert_eq!((chunks, error), chunks_of(text, size));
            if let Some(at) = fail.filter(|&at| at < text.len()) {
                let (chunks, error) = chunks_of(stutter(Some(at)), size);
                prop_assert_eq!(error.as_deref(), Some("the disk is gone"));
                let read: Vec<u8> = chunks.into_iter().flat_map(|(bytes, _, _)| bytes).collect();
                prop_assert!(text[..at].starts_with(&read));
                let rest = &text[read.len()..at];
                let quoted = memchr::memchr(b'"', rest).is_some();
                prop_assert_eq!(whole_records(rest, quoted, b','), 0, "a whole record was lost");
            }
        }
    }

    #[test]
    fn separators_are_found_eight_bytes_at_a_time() {
        let text = b"ab,c\n,,\n0123456789,abcdefgh\n";
        let mut found = Vec::new();
        for_each_break(text, b',', |i| found.push(i));
        let expected: Vec<usize> = (0..text.len())
            .filter(|&i| text[i] == b',' || text[i] == b'\n')
            .collect();
        assert_eq!(found, expected);
        assert_eq!(
            bytes_equal(u64::from_le_bytes(*b"a,b,\n\x80,\xac"), b','),
            0x0080_0000_8000_8000
        );
    }

    #[test]
    fn field_spans_respect_quotes_and_spaces() {
        let line = r#"c01, "a, b" ,  80% ,"x""y""#;
        let spans = csv_field_spans(line, b',');
        let texts: Vec<&str> = spans.iter().map(|&(s, e)| &line[s..e]).collect();
        assert_eq!(texts, vec!["c01", "\"a, b\"", "80%", "\"x\"\"y\""]);
    }

    #[test]
    fn printable_ascii_is_told_eight_bytes_at_a_time() {
        for text in [
            "",
            "c1",
            "E0000001",
            "E00000012",
            " ~ !",
            "a long id with spaces ~~",
        ] {
            assert!(is_printable_ascii(text.as_bytes()), "{text:?}");
        }
        for bad in [0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xff] {
            for at in [0, 3, 7, 8, 12] {
                let mut bytes = b"abcdefghijklm".to_vec();
                bytes[at] = bad;
                assert!(!is_printable_ascii(&bytes), "{bad:#x} at {at}");
            }
        }
        assert!(!is_printable_ascii("é".as_bytes()));
    }

    proptest::proptest! {
        #[test]
        fn printable_ascii_agrees_with_a_byte_by_byte_check(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![0x20u8..0x7f, proptest::num::u8::ANY],
                0..40,
            ),
        ) {
            let expected = bytes.iter().all(|b| (b' '..=b'~').contains(b));
            proptest::prop_assert_eq!(is_printable_ascii(&bytes), expected);
        }
    }

    #[test]
    fn delimiters_are_sniffed_from_the_header() {
        assert_eq!(delimiter_of_line(b"subject,period,callbacks\n"), b',');
        assert_eq!(delimiter_of_line(b"subject;period;callbacks\r\n"), b';');
        assert_eq!(delimiter_of_line(b"subject\tperiod\tcallbacks"), b'\t');
        assert_eq!(delimiter_of_line(b"\"a;b\",c"), b',');
        assert_eq!(delimiter_of_line(b"subject"), b',');
        let spans = csv_field_spans("c01; 79,5 ;x", b';');
        assert_eq!(spans, vec![(0, 3), (5, 9), (11, 12)]);
    }

    #[test]
    fn json_elements_and_lines() {
        let text = "[\n {\"a\": \"x,]}\"},\n {\"b\": [1, 2]}\n]";
        let elements = array_elements(text, 0);
        let texts: Vec<&str> = elements.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(texts, vec!["{\"a\": \"x,]}\"}", "{\"b\": [1, 2]}"]);
        assert_eq!(line_of(text, elements[1].0), 3);
        assert!(array_elements("[]", 0).is_empty());
        assert!(array_elements("[ ]", 0).is_empty());
    }
}

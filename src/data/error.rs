//! Errors found in data files, written for contract managers.

use std::fmt;
use std::path::{Path, PathBuf};

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::month::Month;

/// Where in a data file a problem is: the file, the 1-based line (the header is line 1) and
/// the 1-based column (the field's position in the row, as a spreadsheet numbers columns;
/// for JSON files the column is always 1 and the line is where the record's `{` is; for
/// records handed over in memory, the line is the record's position in its list).
///
/// See the example of [`DataErrors`], which reads the location of a problem.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataLocation {
    /// The file, as it was named.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The lines of a file shown under an error: just the offending row (or JSON record), with
/// its real line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    name: String,
    text: String,
    first_line: usize,
    /// The 0-based column shown, when it is not the position in `text` (a sheet's column).
    column: Option<usize>,
}

impl Snippet {
    /// A snippet of `text`, which starts at 1-based line `line` of the file `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>, line: usize) -> Snippet {
        Snippet {
            name: name.into(),
            text: text.into(),
            first_line: line.saturating_sub(1),
            column: None,
        }
    }

    /// A snippet of a sheet's row, shown at the sheet's own 1-based row and column.
    #[cfg(feature = "xlsx")]
    pub fn in_sheet(
        name: impl Into<String>,
        text: impl Into<String>,
        row: usize,
        column: usize,
    ) -> Snippet {
        Snippet {
            column: Some(column.saturating_sub(1)),
            ..Snippet::new(name, text, row)
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            self.column.unwrap_or(inner.column()),
            inner.line_count(),
        )))
    }
}

/// What the loader remembers about where an error's row is, so that the offending line can
/// be shown after the file has been read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Nothing to show.
    #[default]
    None,
    /// A CSV record starting at this byte of the file; `field` is the 0-based field.
    Csv { byte: u64, field: Option<usize> },
    /// A JSON record at these bytes of the file text; `key` is the normalised key.
    Json {
        start: usize,
        end: usize,
        key: Option<String>,
    },
    /// A row of a workbook's sheet; `field` is the 0-based column.
    #[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
    Sheet { field: Option<usize> },
}

/// The common part of every [`DataError`]: where it is, help, and the line to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub(crate) location: Option<DataLocation>,
    pub(crate) help: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) snippet: Option<(Snippet, SourceSpan)>,
    pub(crate) anchor: Anchor,
}

impl Site {
    /// A site with no location (a problem with a folder rather than a file).
    pub(crate) fn nowhere(help: Option<String>) -> Box<Site> {
        Box::new(Site {
            help,
            ..Site::default()
        })
    }

    /// A site at the start of a file.
    pub(crate) fn file(path: &Path, help: Option<String>) -> Box<Site> {
        Box::new(Site {
            location: Some(DataLocation {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
            }),
            help,
            ..Site::default()
        })
    }

    /// The help, for [`Diagnostic::help`].
    fn help_display<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
}

pub(crate) fn metric_list(metrics: &[String]) -> String {
    let quoted: Vec<String> = metrics.iter().map(|m| format!("`{m}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn other_line(line: &Option<usize>) -> String {
    match line {
        Some(line) => format!(" (the other is on line {line})"),
        None => String::new(),
    }
}

fn or_above(above: &bool) -> &'static str {
    if *above {
        "more than 100%"
    } else {
        "less than 0%"
    }
}

/// What is wrong, for one problem found in a data file (or folder). Every kind of problem has
/// its own variant and a stable code (`data::...`, see [`DataError::code`]); messages are
/// written for the people who keep the spreadsheets. Where it is, and how to fix it, are the
/// error's [`Site`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataErrorKind {
    /// A figure or number field that is not a number (`8O`, `NaN`, `1,234`).
    #[error("`{text}` is not a number")]
    NotANumber {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// A figure written with an exponent (`1e3`): figures are written out in full, in the
    /// data as in policies.
    #[error("`{text}` is written with an exponent")]
    Exponent {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// An id with a control character in it (a NUL, a line break, a tab).
    #[error("the id `{id}` in column `{column}` holds the control character {character}")]
    ControlCharacterInId {
        /// The id, shortened, its control characters shown as symbols.
        id: String,
        /// The column.
        column: String,
        /// The first control character, as `U+0000 (NUL)`.
        character: String,
    },
    /// A `period` that is not a month of the form `YYYY-MM`.
    #[error("`{text}` is not a month")]
    BadMonth {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// A percentage above 100 or below 0.
    #[error("`{text}` is {}", or_above(above))]
    PercentOutOfRange {
        /// The cell as written.
        text: String,
        /// The column (metric).
        column: String,
        /// Above 100 (rather than below 0).
        above: bool,
    },
    /// A count below zero.
    #[error("`{text}` is below zero")]
    NegativeCount {
        /// The cell as written.
        text: String,
        /// The column (metric).
        column: String,
    },
    /// A count or integer field that is not a whole number.
    #[error("`{text}` is not a whole number")]
    NotWhole {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// A second value for the same subject, metric and month.
    #[error(
        "`{subject}` has two values for {} in {month}{}",
        metric_list(metrics),
        other_line(first_line)
    )]
    DuplicateValue {
        /// The subject id.
        subject: String,
        /// The metrics given twice.
        metrics: Vec<String>,
        /// The month.
        month: Month,
        /// The line that gave the first value, when it could be found.
        first_line: Option<usize>,
    },
    /// A second row for the same subject in the subjects file.
    #[error("`{subject}` has more than one row{}", other_line(first_line))]
    DuplicateSubject {
        /// The subject id.
        subject: String,
        /// The line of the first row.
        first_line: Option<usize>,
    },
    /// A concern id used twice.
    #[error("concern id `{id}` is used more than once{}", other_line(first_line))]
    DuplicateConcern {
        /// The concern id.
        id: String,
        /// The line of the first concern with this id.
        first_line: Option<usize>,
    },
    /// An event whose kind the policy does not declare (language v1).
    #[error("`{kind}` is not an event kind the policy declares")]
    UnknownEventKind {
        /// The kind as written.
        kind: String,
    },
    /// An event id used twice, in the events file or also in the concerns file.
    #[error("event id `{id}` is used more than once{}", other_line(first_line))]
    DuplicateEvent {
        /// The event id.
        id: String,
        /// The line of the first event with this id (`None` when it is a concern's id).
        first_line: Option<usize>,
    },
    /// A value in an event field column that the row's kind does not declare.
    #[error("`{kind}` events have no `{column}`, but the row gives `{text}`")]
    UnexpectedValue {
        /// The event kind.
        kind: String,
        /// The column.
        column: String,
        /// The cell as written.
        text: String,
    },
    /// An event of a kind that belongs to a case, with no case id.
    #[error("`{kind}` events belong to a `{case_kind}` case, but the `case` column is empty")]
    MissingCase {
        /// The event kind.
        kind: String,
        /// The case kind it belongs to.
        case_kind: String,
    },
    /// An event of a kind that belongs to no case, with a case id.
    #[error("`{kind}` events belong to no case, but the row names case `{case}`")]
    UnexpectedCase {
        /// The event kind.
        kind: String,
        /// The case id as written.
        case: String,
    },
    /// A case id with no opening event.
    #[error("case `{case}` is never opened: there is no `{opener}` event for it")]
    CaseNotOpened {
        /// The case id.
        case: String,
        /// The kind whose event opens such a case.
        opener: String,
    },
    /// A second opening event for one case id.
    #[error("case `{case}` is opened more than once{}", other_line(first_line))]
    CaseOpenedTwice {
        /// The case id.
        case: String,
        /// The line of the first opening event (`None` when a concern opened it).
        first_line: Option<usize>,
    },
    /// A second closing event for one case.
    #[error("case `{case}` is closed more than once{}", other_line(first_line))]
    CaseClosedTwice {
        /// The case id.
        case: String,
        /// The line of the first closing event.
        first_line: Option<usize>,
    },
    /// An event of one case kind naming a case of another kind.
    #[error(
        "`{kind}` events belong to `{case_kind}` cases, but case `{case}` is a `{opened_as}` case"
    )]
    WrongCaseKind {
        /// The event kind.
        kind: String,
        /// The case kind the event kind belongs to.
        case_kind: String,
        /// The case id.
        case: String,
        /// The kind of case its opening event opened.
        opened_as: String,
    },
    /// Events of one case about different subjects.
    #[error(
        "case `{case}` is about `{case_subject}`, not `{subject}`{}",
        other_line(first_line)
    )]
    CaseSubjectMismatch {
        /// The case id.
        case: String,
        /// The subject of this row.
        subject: String,
        /// The subject of the case's opening event.
        case_subject: String,
        /// The line of the opening event (`None` when a concern opened the case).
        first_line: Option<usize>,
    },
    /// A case event dated before its case was opened or after it was closed.
    #[error(
        "this event is dated {date}, {} case `{case}` was {} on {bound}",
        if *before { "before" } else { "after" },
        if *before { "opened" } else { "closed" }
    )]
    EventOutsideCase {
        /// The case id.
        case: String,
        /// The event's date.
        date: chrono::NaiveDate,
        /// Before the opening (rather than after the closing).
        before: bool,
        /// The date of the opening or closing event.
        bound: chrono::NaiveDate,
    },
    /// A `once per case` kind twice in one case.
    #[error(
        "case `{case}` has more than one `{kind}` event{}",
        other_line(first_line)
    )]
    RepeatedOncePerCase {
        /// The event kind.
        kind: String,
        /// The case id.
        case: String,
        /// The line of the first such event.
        first_line: Option<usize>,
    },
    /// A column the policy needs that the file lacks.
    #[error("the file has no `{column}` column")]
    MissingColumn {
        /// The column's name.
        column: String,
    },
    /// Two columns with the same heading, where the policy needs that column.
    #[error("the file has two columns headed `{column}`")]
    DuplicateColumn {
        /// The heading.
        column: String,
    },
    /// An empty file: there is not even a header row.
    #[error("the file is empty")]
    MissingHeader,
    /// A value that is not one of a `one of` field's names.
    #[error("`{text}` is not one of the values allowed for `{column}`")]
    UnknownValue {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
        /// The names allowed.
        allowed: Vec<String>,
    },
    /// A flag that is not yes or no.
    #[error("`{text}` is not yes or no")]
    BadFlag {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// A date that is not a real date in a form we read.
    #[error("`{text}` is not a date")]
    BadDate {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
    },
    /// An empty cell where a value is required.
    #[error("no value in column `{column}`")]
    MissingValue {
        /// The column.
        column: String,
    },
    /// A whole number outside an `integer A..B` field's range.
    #[error("`{text}` is outside the range {min} to {max}")]
    OutOfRange {
        /// The cell as written.
        text: String,
        /// The column.
        column: String,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A file or folder that cannot be read.
    #[error("cannot read `{}`: {reason}", path.display())]
    UnreadableFile {
        /// The file or folder.
        path: PathBuf,
        /// Why, as the operating system put it.
        reason: String,
    },
    /// A data file that is a link to nothing.
    #[error("`{}` is a link to `{}`, which does not exist", path.display(), target.display())]
    BrokenLink {
        /// The link.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A file too large to be read whole.
    #[error(
        "`{}` has {} bytes, more than a JSON data file may have ({} bytes)",
        path.display(),
        crate::quote::thousands(*bytes),
        crate::quote::thousands(*limit)
    )]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A CSV row longer than [`crate::data::MAX_ROW_BYTES`].
    #[error(
        "the row starting on line {line} of `{}` is longer than {} bytes, the most one row may have",
        path.display(),
        crate::quote::thousands(*limit)
    )]
    RowTooLong {
        /// The file.
        path: PathBuf,
        /// The row's first line.
        line: usize,
        /// The limit.
        limit: u64,
    },
    /// A file of UTF-16 text.
    #[error("`{}` is UTF-16 text, not UTF-8", path.display())]
    Utf16 {
        /// The file.
        path: PathBuf,
    },
    /// A file whose lines end with CR alone.
    #[error("the lines of `{}` end with CR alone, so it reads as one long line", path.display())]
    CrLineEnds {
        /// The file.
        path: PathBuf,
    },
    /// Text that is not UTF-8.
    #[error("{what} is not UTF-8 text")]
    InvalidUtf8 {
        /// What is not: a column's value, or the file.
        what: String,
    },
    /// A JSON file that is not an array of objects of plain values.
    #[error("{reason}")]
    BadJson {
        /// What is wrong.
        reason: String,
    },
    /// A row with more or fewer values than the header has columns.
    #[error("the row has {found} values but the header has {expected} columns")]
    MalformedRow {
        /// Columns in the header.
        expected: usize,
        /// Values in the row.
        found: usize,
    },
    /// No data files where data was expected.
    #[error("no data files found in `{}`", dir.display())]
    NoData {
        /// The folder.
        dir: PathBuf,
    },
    /// A folder holding two files for the same records (`performance.csv` and
    /// `performance.json`).
    #[error("`{}` holds both `{first}` and `{second}`", dir.display())]
    ConflictingFiles {
        /// The folder.
        dir: PathBuf,
        /// One file's name.
        first: String,
        /// The other's.
        second: String,
    },
    /// A row of the file of actions taken (`backtest --actual`) that cannot be matched with
    /// the policy's actions: no subject, a period that is not a month, a rule the policy
    /// does not have, or a case where the rule has none (or none where it needs one).
    #[error("{message}")]
    BadActualValue {
        /// What is wrong.
        message: String,
    },
    /// More errors in a file than are worth listing.
    #[error("{more} more problems in `{}` are not listed", file.display())]
    TooManyErrors {
        /// The file.
        file: PathBuf,
        /// How many were left out.
        more: usize,
    },
}

/// One problem found in a data file (or folder): what is wrong, with a stable code
/// ([`DataError::code`]), where it is ([`DataError::location`]), how to fix it, and the line to
/// show.
///
/// See the example of [`DataErrors`].
#[derive(Debug)]
pub struct DataError {
    kind: DataErrorKind,
    at: Box<Site>,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for DataError {}

impl DataError {
    /// A problem of this kind at this site.
    pub(crate) fn new(kind: DataErrorKind, at: Box<Site>) -> DataError {
        DataError { kind, at }
    }

    /// What is wrong.
    pub(crate) fn kind(&self) -> &DataErrorKind {
        &self.kind
    }

    /// The common part: location, help and the line to show.
    pub(crate) fn site(&self) -> &Site {
        &self.at
    }

    pub(crate) fn site_mut(&mut self) -> &mut Site {
        &mut self.at
    }

    /// What is wrong and where, both to change (the loader fills in details it learns later).
    pub(crate) fn parts_mut(&mut self) -> (&mut DataErrorKind, &mut Site) {
        (&mut self.kind, &mut self.at)
    }

    /// The stable code, such as `data::not_a_number`.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            DataErrorKind::NotANumber { .. } => "data::not_a_number",
            DataErrorKind::Exponent { .. } => "data::exponent",
            DataErrorKind::ControlCharacterInId { .. } => "data::control_character",
            DataErrorKind::BadMonth { .. } => "data::bad_month",
            DataErrorKind::PercentOutOfRange { .. } => "data::percent_out_of_range",
            DataErrorKind::NegativeCount { .. } => "data::negative_count",
            DataErrorKind::NotWhole { .. } => "data::not_whole",
            DataErrorKind::DuplicateValue { .. } => "data::duplicate_value",
            DataErrorKind::DuplicateSubject { .. } => "data::duplicate_subject",
            DataErrorKind::DuplicateConcern { .. } => "data::duplicate_concern",
            DataErrorKind::UnknownEventKind { .. } => "data::unknown_event_kind",
            DataErrorKind::DuplicateEvent { .. } => "data::duplicate_event",
            DataErrorKind::UnexpectedValue { .. } => "data::unexpected_value",
            DataErrorKind::MissingCase { .. } => "data::missing_case",
            DataErrorKind::UnexpectedCase { .. } => "data::unexpected_case",
            DataErrorKind::CaseNotOpened { .. } => "data::case_not_opened",
            DataErrorKind::CaseOpenedTwice { .. } => "data::case_opened_twice",
            DataErrorKind::CaseClosedTwice { .. } => "data::case_closed_twice",
            DataErrorKind::WrongCaseKind { .. } => "data::wrong_case_kind",
            DataErrorKind::CaseSubjectMismatch { .. } => "data::case_subject_mismatch",
            DataErrorKind::EventOutsideCase { .. } => "data::event_outside_case",
            DataErrorKind::RepeatedOncePerCase { .. } => "data::repeated_once_per_case",
            DataErrorKind::MissingColumn { .. } => "data::missing_column",
            DataErrorKind::DuplicateColumn { .. } => "data::duplicate_column",
            DataErrorKind::MissingHeader => "data::missing_header",
            DataErrorKind::UnknownValue { .. } => "data::unknown_value",
            DataErrorKind::BadFlag { .. } => "data::bad_flag",
            DataErrorKind::BadDate { .. } => "data::bad_date",
            DataErrorKind::MissingValue { .. } => "data::missing_value",
            DataErrorKind::OutOfRange { .. } => "data::out_of_range",
            DataErrorKind::UnreadableFile { .. } => "data::unreadable_file",
            DataErrorKind::InvalidUtf8 { .. } => "data::invalid_utf8",
            DataErrorKind::BrokenLink { .. } => "data::broken_link",
            DataErrorKind::FileTooLarge { .. } => "data::file_too_large",
            DataErrorKind::Utf16 { .. } => "data::utf16",
            DataErrorKind::RowTooLong { .. } => "data::row_too_long",
            DataErrorKind::CrLineEnds { .. } => "data::cr_line_ends",
            DataErrorKind::BadJson { .. } => "data::bad_json",
            DataErrorKind::MalformedRow { .. } => "data::malformed_row",
            DataErrorKind::NoData { .. } => "data::no_data",
            DataErrorKind::ConflictingFiles { .. } => "data::conflicting_files",
            DataErrorKind::TooManyErrors { .. } => "data::too_many_errors",
            DataErrorKind::BadActualValue { .. } => "actual::bad_value",
        }
    }

    /// The file, line and column of the problem; `None` for a problem with a folder.
    pub fn location(&self) -> Option<DataLocation> {
        self.site().location.clone()
    }

    /// The JSON record of the problem, naming its file, line and column.
    pub fn record(&self) -> crate::diagnostic::DiagnosticRecord {
        record_at(self, self.site())
    }

    /// Advice on how to fix the problem.
    pub fn help_text(&self) -> Option<&str> {
        self.site().help.as_deref()
    }
}

impl Diagnostic for DataError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(DataError::code(self)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.site().help_display()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.site()
            .snippet
            .as_ref()
            .map(|(s, _)| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let site = self.site();
        let (_, span) = site.snippet.as_ref()?;
        let label = LabeledSpan::new_with_span(site.label.clone(), *span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// Every problem found while loading data, in file then line order (up to 200 per file).
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     metric callback_in_time "Call-backs in time" percent, higher is better
/// "#).unwrap();
/// let csv = "subject,period,callback_in_time\nc1,2026-10,78\nc2,2026-10,eighty\nc3,2026-13,90\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", csv)),
///     ..DataSources::default()
/// };
/// let errors = Dataset::load(&policy.program().schema, &sources).unwrap_err();
/// let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
/// assert_eq!(codes, ["data::not_a_number", "data::bad_month"]);
/// let first = errors.iter().next().unwrap();
/// let at = first.location().unwrap();
/// assert_eq!((at.file.to_str(), at.line, at.column), (Some("performance.csv"), 3, 3));
/// assert!(first.help_text().is_some());
/// // For people, the offending line is shown; for programs, a record.
/// assert!(escalate::render_diagnostic(first, false).contains("c2,2026-10,eighty"));
/// assert_eq!(first.record().line, 3);
/// ```
#[derive(Debug)]
pub struct DataErrors(pub Vec<DataError>);

impl DataErrors {
    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, DataError> {
        self.0.iter()
    }
}

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => fmt::Display::fmt(one, f),
            all => write!(f, "{} problems in the data files", all.len()),
        }
    }
}

impl std::error::Error for DataErrors {}

impl Diagnostic for DataErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("data::errors"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.0.iter().map(|e| e as &dyn Diagnostic)))
    }
}

impl IntoIterator for DataErrors {
    type Item = DataError;
    type IntoIter = std::vec::IntoIter<DataError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<DataError> for DataErrors {
    fn from(error: DataError) -> DataErrors {
        DataErrors(vec![error])
    }
}

/// Something about the data worth a look that does not stop the command: what it is, with a
/// stable code (`data::...`, see [`DataWarning::code`]), and where.
///
/// See the example of [`LoadSummary`](crate::LoadSummary), which reads a warning.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct DataWarning {
    kind: DataWarningKind,
    at: Box<Site>,
}

/// What a [`DataWarning`] is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum DataWarningKind {
    /// An events file given to a policy that declares no event kind and no case kind.
    #[error(
        "the policy declares no event kind or case, so `{}` was not read",
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
    )]
    EventsNotRead {
        /// The events file.
        path: PathBuf,
    },
    /// Every figure of a percent metric lies between 0 and 1: almost surely fractions, as
    /// Excel exports a column formatted as a percentage (`0.78` for 78%).
    #[error(
        "every figure of the percent metric `{metric}` in `{}` lies between 0 and 1: they look like fractions, not percentages",
        file_name(path)
    )]
    PercentAsFractions {
        /// The file (or records).
        path: PathBuf,
        /// The metric.
        metric: String,
    },
    /// A column (or JSON key) of the performance file that is not a metric the policy
    /// declares, nor `subject` or `period`: it was not read.
    #[error(
        "column `{column}` of `{}` is not a metric of the policy, so it was not read",
        file_name(path)
    )]
    UndeclaredColumn {
        /// The file (or records).
        path: PathBuf,
        /// The heading as written.
        column: String,
    },
    /// Rows of a long performance file (or performance records) naming a metric the policy
    /// does not declare: they were not read.
    #[error(
        "{rows} {} of `{}` {} for `{metric}`, which is not a metric of the policy, so {} not read",
        if *rows == 1 { "row" } else { "rows" },
        file_name(path),
        if *rows == 1 { "is" } else { "are" },
        if *rows == 1 { "it was" } else { "they were" }
    )]
    UndeclaredMetric {
        /// The file (or records).
        path: PathBuf,
        /// The metric name as written in the first such row.
        metric: String,
        /// How many rows name it.
        rows: usize,
    },
}

/// A file's name without its folder, for messages.
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl DataWarning {
    /// A warning of this kind at this site.
    pub(crate) fn new(kind: DataWarningKind, at: Box<Site>) -> DataWarning {
        DataWarning { kind, at }
    }

    /// The common part: location and help.
    pub(crate) fn site(&self) -> &Site {
        &self.at
    }

    /// The stable code, such as `data::events_not_read`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            DataWarningKind::EventsNotRead { .. } => "data::events_not_read",
            DataWarningKind::PercentAsFractions { .. } => "data::percent_as_fractions",
            DataWarningKind::UndeclaredColumn { .. } => "data::undeclared_column",
            DataWarningKind::UndeclaredMetric { .. } => "data::undeclared_metric",
        }
    }

    /// The file, line and column it is about.
    pub fn location(&self) -> Option<DataLocation> {
        self.site().location.clone()
    }

    /// The JSON record of the warning, naming its file, line and column.
    pub fn record(&self) -> crate::diagnostic::DiagnosticRecord {
        record_at(self, self.site())
    }

    /// Advice.
    pub fn help_text(&self) -> Option<&str> {
        self.site().help.as_deref()
    }
}

impl Diagnostic for DataWarning {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(DataWarning::code(self)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.site().help_display()
    }
}

/// The JSON record of a diagnostic about data, at its site's place.
fn record_at(diagnostic: &dyn Diagnostic, site: &Site) -> crate::diagnostic::DiagnosticRecord {
    let file = site.location.as_ref().map(|l| l.file.display().to_string());
    let place = site
        .location
        .as_ref()
        .zip(file.as_deref())
        .map(|(l, file)| (file, l.line, l.column));
    crate::diagnostic::record_at(diagnostic, place)
}

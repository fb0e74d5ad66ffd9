//! One way to show any problem, from any stage: as a JSON record (spec §9) or rendered for
//! people with the source line underlined, as rustc and miette do.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};
use serde::{Deserialize, Serialize};

use crate::lines::LineIndex;

/// Whether a diagnostic stops the command.
///
/// See the example of [`DiagnosticRecord`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The policy or data cannot be used.
    Error,
    /// Worth a look; the command still runs.
    Warning,
}

/// A diagnostic as printed by `--format json`: every problem has one
/// ([`PolicyError::records`](crate::PolicyError::records),
/// [`DataError::record`](crate::DataError::record), ...).
///
/// ```
/// use escalate::{check_text, Level};
///
/// let text = "policy \"P\"\nrole lead \"Lead\"\nrule r \"R\" {\n  when callbacks < 20\n}\n";
/// let records = check_text("p.policy", text);
/// let unknown = records.iter().find(|r| r.code == "check::unknown_name").unwrap();
/// assert_eq!((unknown.severity, unknown.line, unknown.column), (Level::Error, 4, 8));
/// let json = serde_json::to_value(unknown).unwrap();
/// assert_eq!(json["file"], "p.policy");
///
/// // For people, any problem renders with its line underlined.
/// let error = escalate::Policy::parse("p.policy", text).unwrap_err();
/// let shown = error.render(false);
/// assert!(shown.contains("check::unknown_name") && shown.contains("when callbacks < 20"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticRecord {
    /// `error` or `warning`.
    pub severity: Level,
    /// A stable identifier such as `check::unknown_metric`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is advice.
    pub help: Option<String>,
    /// The file it is about.
    pub file: String,
    /// 1-based line where the primary label starts (0 when the problem has no place).
    pub line: usize,
    /// 1-based column where the primary label starts (0 when the problem has no place).
    pub column: usize,
}

/// A policy's text with the name it is shown under, for diagnostics that point into it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    // Shared, so that a source (and the errors that carry one) stays small to move.
    source: NamedSource<Arc<IndexedText>>,
    name: String,
}

impl SourceFile {
    /// A source named `name` (usually its path) with its text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let name = name.into();
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile {
            source: NamedSource::new(name.clone(), Arc::new(IndexedText { text, lines })),
            name,
        }
    }

    /// The name it is shown under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its lines start.
    pub fn lines(&self) -> &LineIndex {
        &self.source.inner().lines
    }

    /// Lets a diagnostic that carries only spans be shown against this source.
    pub fn attach<'a>(&'a self, diagnostic: &'a dyn Diagnostic) -> WithSource<'a> {
        WithSource {
            diagnostic,
            source: &self.source,
        }
    }
}

/// A text with its line index. miette finds a span's lines by counting from the top of the
/// text, which made showing many diagnostics of one file quadratic; this starts from the
/// first line shown instead.
#[derive(Clone, Debug)]
struct IndexedText {
    text: Arc<str>,
    lines: LineIndex,
}

impl SourceCode for IndexedText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // miette's own reading, from the first line it will show: the same result, without
        // the lines above.
        let first_line = self
            .lines
            .line_of(span.offset())
            .saturating_sub(context_lines_before);
        let from = self.lines.line_start(first_line);
        let shifted = SourceSpan::new((span.offset() - from).into(), span.len());
        let contents =
            self.text[from..].read_span(&shifted, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = contents.data();
        let start = contents.span().offset() + from;
        Ok(Box::new(MietteSpanContents::new(
            data,
            SourceSpan::new(start.into(), contents.span().len()),
            contents.line() + first_line,
            contents.column(),
            contents.line_count() + first_line,
        )))
    }
}

/// A diagnostic shown against a source text it does not carry itself.
pub struct WithSource<'a> {
    diagnostic: &'a dyn Diagnostic,
    source: &'a NamedSource<Arc<IndexedText>>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help()
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }
}

/// The JSON record of a diagnostic; `file` names the file it is about. The line and column
/// come from the diagnostic's own source (see [`SourceFile::attach`]).
pub fn record(diagnostic: &dyn Diagnostic, file: &str) -> DiagnosticRecord {
    let (line, column) = position(diagnostic).unwrap_or((0, 0));
    DiagnosticRecord {
        severity: level(diagnostic),
        code: diagnostic.code().map(|c| c.to_string()).unwrap_or_default(),
        message: diagnostic.to_string(),
        help: diagnostic.help().map(|h| h.to_string()),
        file: file.to_string(),
        line,
        column,
    }
}

/// Whether a diagnostic is an error or a warning (errors unless it says otherwise).
pub fn level(diagnostic: &dyn Diagnostic) -> Level {
    match diagnostic.severity() {
        Some(miette::Severity::Warning | miette::Severity::Advice) => Level::Warning,
        _ => Level::Error,
    }
}

/// 1-based line and column where the primary (first) label starts.
fn position(diagnostic: &dyn Diagnostic) -> Option<(usize, usize)> {
    let label = diagnostic.labels()?.next()?;
    let source = diagnostic.source_code()?;
    let contents = source.read_span(label.inner(), 0, 0).ok()?;
    Some((contents.line() + 1, contents.column() + 1))
}

/// Renders a diagnostic for people: message, source line, underline, label and help
/// (`colour`: with terminal colours). For data problems, and any other
/// `miette::Diagnostic`; a policy's problems are rendered against its text by
/// [`PolicyError::render`](crate::PolicyError::render).
///
/// See the example of [`DataErrors`](crate::DataErrors).
pub fn render(diagnostic: &dyn Diagnostic, colour: bool) -> String {
    let theme = match colour {
        true => GraphicalTheme::unicode(),
        false => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    handler
        .render_report(&mut out, diagnostic)
        .expect("writing to a String cannot fail");
    out
}

/// The JSON record of a diagnostic whose place is known apart from any source text (a row of
/// a data file): `None` for a problem with no place (a folder), recorded as line 0, column 0.
pub fn record_at(
    diagnostic: &dyn Diagnostic,
    place: Option<(&str, usize, usize)>,
) -> DiagnosticRecord {
    let (file, line, column) = place.unwrap_or(("", 0, 0));
    DiagnosticRecord {
        file: file.to_string(),
        line,
        column,
        ..record(diagnostic, "")
    }
}

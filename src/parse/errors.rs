//! Parse errors, in words a contract manager would use.

use miette::{Diagnostic, LabeledSpan};

use super::{
    expected, slips, Rule, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_PARTS, MAX_NESTING,
    MAX_POLICY_BYTES,
};
use crate::ast::Span;
use crate::lines::LineIndex;

/// Everything wrong with a policy's text.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the policy could not be read")]
pub struct ParseErrors(#[related] pub Vec<ParseError>);

/// One problem with a policy's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum ParseError {
    /// The text does not follow the language's layout.
    #[error("{message}")]
    #[diagnostic(code(parse::unexpected))]
    Unexpected {
        /// What is wrong: what was expected and what was found, or the slip recognised.
        message: String,
        /// Where.
        #[label(primary, "{label}")]
        span: Span,
        /// The label under the text: short, since the message says the rest.
        label: String,
        /// Other places worth seeing, such as the `{` that is never closed.
        #[label(collection)]
        others: Vec<LabeledSpan>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A quoted text is not closed on its line.
    #[error("this quoted text is never closed")]
    #[diagnostic(
        code(parse::unterminated_text),
        help("add the closing `\"` at the end of the text; a quoted text must end on the line it starts")
    )]
    UnterminatedText {
        /// From the opening quote to the end of its line.
        #[label("the text starts here")]
        span: Span,
    },
    /// Brackets nested more deeply than anyone writes by hand.
    #[error("brackets are nested more than {MAX_NESTING} deep")]
    #[diagnostic(
        code(parse::too_deep),
        help("split the condition into simpler parts, for example with a grade")
    )]
    TooDeep {
        /// The bracket that went too deep.
        #[label("too deep from here")]
        span: Span,
    },
    /// One condition has too many parts, or too many levels.
    #[error("this condition is too long: it {what}: `{excerpt}`")]
    #[diagnostic(
        code(parse::too_long),
        help("a condition may have at most {MAX_EXPRESSION_PARTS} parts and {MAX_EXPRESSION_DEPTH} levels (each `and`, `or`, `not` or operator in a chain is a level, so a chain of `and`s has at most {MAX_EXPRESSION_DEPTH} terms); split the condition into several rules, or give part of it a name with a grade")
    )]
    TooLong {
        /// Which limit it passes, and by how much.
        what: String,
        /// The start of the condition.
        excerpt: String,
        /// The start of the condition.
        #[label("this condition")]
        span: Span,
    },
    /// The file is too large to be a policy.
    #[error(
        "the file has {} bytes, more than a policy may have ({} bytes)",
        crate::quote::thousands(*bytes as u64),
        crate::quote::thousands(MAX_POLICY_BYTES as u64)
    )]
    #[diagnostic(
        code(parse::file_too_large),
        help("check that this is the policy file and not a data file")
    )]
    FileTooLarge {
        /// Its size.
        bytes: usize,
    },
    /// A date that does not exist.
    #[error("`{text}` is not a date")]
    #[diagnostic(
        code(parse::invalid_date),
        help("write a date that exists, as year-month-day: `2026-12-28`")
    )]
    InvalidDate {
        /// The text written.
        text: String,
        /// Where.
        #[label("no such day")]
        span: Span,
    },
    /// A month that does not exist.
    #[error("`{text}` is not a month")]
    #[diagnostic(
        code(parse::invalid_month),
        help("write the month as year-month, with the month from 01 to 12: `2026-10`")
    )]
    InvalidMonth {
        /// The text written.
        text: String,
        /// Where.
        #[label("no such month")]
        span: Span,
    },
}

impl ParseError {
    /// The same problem found in a part of the file that starts at byte `offset` (for the
    /// lexical problems, whose spans come from that part alone).
    pub(super) fn shifted(self, offset: usize) -> ParseError {
        let shift = |span: Span| Span::new(span.start + offset, span.end + offset);
        match self {
            ParseError::UnterminatedText { span } => {
                ParseError::UnterminatedText { span: shift(span) }
            }
            ParseError::TooDeep { span } => ParseError::TooDeep { span: shift(span) },
            ParseError::TooLong {
                what,
                excerpt,
                span,
            } => ParseError::TooLong {
                what,
                excerpt,
                span: shift(span),
            },
            other => other,
        }
    }

    /// Where the problem is, when it has a place in the file.
    pub fn span(&self) -> Option<Span> {
        match self {
            ParseError::Unexpected { span, .. }
            | ParseError::UnterminatedText { span }
            | ParseError::TooDeep { span }
            | ParseError::TooLong { span, .. }
            | ParseError::InvalidDate { span, .. }
            | ParseError::InvalidMonth { span, .. } => Some(*span),
            ParseError::FileTooLarge { .. } => None,
        }
    }
}

/// Turns pest's error into one a person can act on: a common slip when one is recognised,
/// otherwise what was expected and what was found.
///
/// `error` comes from parsing the part of `source` that starts at byte `offset`; `lines`
/// indexes `source`.
pub(super) fn from_pest(
    source: &str,
    lines: &LineIndex,
    offset: usize,
    error: pest::error::Error<Rule>,
) -> ParseError {
    let at = offset
        + match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let cx = At {
        source,
        lines,
        piece_start: offset,
        at,
        positives: &positives,
        found: token_at(source, at),
    };
    slips::recognise(&cx).unwrap_or_else(|| unexpected(&cx))
}

/// "expected ..., found ...", pointing at what was found, or at the end of the line when
/// what is missing belongs on that line.
fn unexpected(cx: &At) -> ParseError {
    let expected = expected::describe(cx.positives);
    if let Some(end) = cx.end_of_unfinished_line() {
        return ParseError::Unexpected {
            message: format!("expected {expected}, found the end of the line"),
            span: Span::new(end, end),
            label: "the line ends too soon".to_string(),
            others: Vec::new(),
            help: expected::help_at_line_end(cx, end),
        };
    }
    let found = cx.found_words();
    ParseError::Unexpected {
        message: format!("expected {expected}, found {found}"),
        span: cx.found_span(),
        label: format!("unexpected {}", cx.found_short()),
        others: Vec::new(),
        help: expected::help_for(cx),
    }
}

/// Where the parse stopped, what could have come there, and what did.
pub(super) struct At<'a> {
    /// The policy's text.
    pub source: &'a str,
    /// Where the text's lines start.
    pub lines: &'a LineIndex,
    /// Where the part of the text that was being parsed starts: the file's start, or the
    /// start of the item being parsed on its own.
    pub piece_start: usize,
    /// The byte where the parse stopped.
    pub at: usize,
    /// The grammar rules that could have come next.
    pub positives: &'a [Rule],
    /// The word, number, quoted text or symbol found there; `None` at the end of the file.
    pub found: Option<&'a str>,
}

impl At<'_> {
    /// Whether `rule` could have come next.
    pub fn expects(&self, rule: Rule) -> bool {
        self.positives.contains(&rule)
    }

    /// What was found, in backticks, or "the end of the file".
    pub fn found_words(&self) -> String {
        self.found
            .map(|t| format!("`{t}`"))
            .unwrap_or_else(|| "the end of the file".to_string())
    }

    /// What was found, for a short label.
    fn found_short(&self) -> String {
        self.found
            .map(|t| format!("`{t}`"))
            .unwrap_or_else(|| "end of file".to_string())
    }

    /// The span of what was found.
    pub fn found_span(&self) -> Span {
        Span::new(self.at, self.at + self.found.map_or(0, str::len))
    }

    /// The start of the line holding byte `offset`.
    pub fn line_start(&self, offset: usize) -> usize {
        self.source[..offset].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The 1-based number of the line holding byte `offset`.
    pub fn line_number(&self, offset: usize) -> usize {
        self.lines.line_of(offset) + 1
    }

    /// The line holding the stop, from its start to the stop.
    pub fn line_before(&self) -> &str {
        &self.source[self.line_start(self.at)..self.at]
    }

    /// The whole line holding the stop, without its comment.
    pub fn line(&self) -> &str {
        let start = self.line_start(self.at);
        let end = self.source[self.at..]
            .find('\n')
            .map_or(self.source.len(), |i| self.at + i);
        let line = &self.source[start..end];
        super::comment_start(line).map_or(line, |c| &line[..c])
    }

    /// The first word of the line holding the stop.
    pub fn first_word_of_line(&self) -> &str {
        self.line().split_whitespace().next().unwrap_or("")
    }

    /// The name, number or word just before the stop on its line, with where it starts.
    pub fn word_before(&self) -> Option<(usize, &str)> {
        let (start, word) = trailing_word(self.line_before().trim_end());
        (!word.is_empty()).then(|| (self.line_start(self.at) + start, word))
    }

    /// The word, number or symbol starting at or after byte `offset`, on the same line.
    pub fn word_after(&self, offset: usize) -> Option<&str> {
        let rest = &self.source[offset..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        token_at(self.source, offset + skipped).filter(|t| !t.starts_with(['\n', '\r']))
    }

    /// When nothing expected here could start a new line and the text found is on a later
    /// line (or the file ends), the end of the unfinished line: that is where something is
    /// missing.
    fn end_of_unfinished_line(&self) -> Option<usize> {
        if self.positives.iter().any(|r| starts_a_line(*r)) {
            return None;
        }
        let end = super::without_trailing_trivia(&self.source[..self.at]).len();
        let later = self.found.is_none() || self.source[end..self.at].contains('\n');
        (later && end > 0).then_some(end)
    }
}

/// Whether text of this grammar rule begins a line of its own.
fn starts_a_line(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        EOI | close_brace
            | policy_decl
            | version_decl
            | calendar_decl
            | holiday_decl
            | role_decl
            | metric_decl
            | subjects_decl
            | concerns_decl
            | grade_decl
            | rule_decl
            | test_decl
            | when_clause
            | applies_clause
            | severity_clause
            | require_clause
            | owner_clause
            | involve_clause
            | due_clause
            | replaces_clause
            | grade_arm
            | field_decl
            | as_of
            | given_metric
            | given_field
            | given_concern
            | expect
    )
}

/// The word, number, quoted text or symbol starting at byte `at`.
pub(super) fn token_at(source: &str, at: usize) -> Option<&str> {
    let rest = source.get(at..)?;
    let first = rest.chars().next()?;
    let len = if first == '"' {
        match rest[1..].find(['"', '\n']) {
            Some(i) if rest.as_bytes()[i + 1] == b'"' => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        }
    } else if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '%' | '-')))
            .unwrap_or(rest.len())
    } else {
        match rest.get(..2) {
            Some("<=" | ">=" | "!=" | "..") => 2,
            _ => first.len_utf8(),
        }
    };
    let shown = (0..=len.min(40))
        .rev()
        .find(|&i| rest.is_char_boundary(i))
        .unwrap_or(0);
    Some(&rest[..shown])
}

/// The name or number at the end of `text`, with the byte where it starts. Safe for any
/// character before it (a byte-order mark in the middle of a line, say).
pub(super) fn trailing_word(text: &str) -> (usize, &str) {
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '%' | '.')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    (start, &text[start..])
}

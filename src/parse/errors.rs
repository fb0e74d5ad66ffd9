//! Parse errors, in words a contract manager would use.

use miette::Diagnostic;

use super::{expected, scan, Rule, MAX_EXPRESSION_PARTS, MAX_NESTING, MAX_POLICY_BYTES};
use crate::ast::Span;

/// Everything wrong with a policy's text.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the policy could not be read")]
pub struct ParseErrors(#[related] pub Vec<ParseError>);

/// One problem with a policy's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum ParseError {
    /// The text does not follow the language's layout.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(parse::unexpected))]
    Unexpected {
        /// What could have come here, in words.
        expected: String,
        /// What was written instead, in backticks, or "the end of the file".
        found: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label under the text.
        label: String,
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
    /// One condition has too many parts.
    #[error("this condition has more than {MAX_EXPRESSION_PARTS} parts")]
    #[diagnostic(
        code(parse::too_long),
        help("split the condition into several rules or grades")
    )]
    TooLong {
        /// The condition.
        #[label("this condition")]
        span: Span,
    },
    /// The file is too large to be a policy.
    #[error("the file has {bytes} bytes, more than a policy may have ({MAX_POLICY_BYTES})")]
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
    /// Where the problem is, when it has a place in the file.
    pub fn span(&self) -> Option<Span> {
        match self {
            ParseError::Unexpected { span, .. }
            | ParseError::UnterminatedText { span }
            | ParseError::TooDeep { span }
            | ParseError::TooLong { span }
            | ParseError::InvalidDate { span, .. }
            | ParseError::InvalidMonth { span, .. } => Some(*span),
            ParseError::FileTooLarge { .. } => None,
        }
    }
}

/// Turns pest's error into one a person can act on.
pub(super) fn from_pest(source: &str, error: pest::error::Error<Rule>) -> ParseError {
    let at = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let found_text = token_at(source, at);
    let found = found_text
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| "the end of the file".to_string());
    let expected = expected::describe(&positives);
    let span = Span::new(at, at + found_text.map_or(0, str::len));
    let help = missing_brace_help(source, at, &positives, found_text)
        .or_else(|| expected::help_for(&positives, found_text));
    ParseError::Unexpected {
        label: format!("expected {expected} here"),
        expected,
        found,
        span,
        help,
    }
}

/// The word, number, quoted text or symbol starting at byte `at`.
fn token_at(source: &str, at: usize) -> Option<&str> {
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

const DECLARATION_WORDS: &[&str] = &[
    "policy", "version", "calendar", "holiday", "role", "metric", "subjects", "concerns", "grade",
    "rule", "test",
];

/// When a block is still open and the next declaration (or the end) arrives, names the block.
fn missing_brace_help(
    source: &str,
    at: usize,
    positives: &[Rule],
    found: Option<&str>,
) -> Option<String> {
    if !positives.contains(&Rule::close_brace) {
        return None;
    }
    if found.is_some_and(|f| !DECLARATION_WORDS.contains(&f)) {
        return None;
    }
    let open = scan::unclosed_brace_before(source, at)?;
    let line_start = source[..open].rfind('\n').map_or(0, |i| i + 1);
    let header = source[line_start..open].trim();
    let line = source[..open].matches('\n').count() + 1;
    let what = match header.is_empty() {
        true => "the block".to_string(),
        false => format!("`{header} {{`"),
    };
    Some(format!(
        "{what} on line {line} has no closing `}}`: add one after its last line"
    ))
}

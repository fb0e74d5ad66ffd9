//! A policy read from text or a file, parsed and checked: the library's front door.

use std::path::Path;

use miette::Diagnostic;

use crate::check::{self, CheckError};
use crate::diagnostic::{self, DiagnosticRecord, SourceFile};
use crate::parse::{self, ParseError};
use crate::program::Program;

/// A checked policy, ready to evaluate: read from text with [`Policy::parse`] or from a file
/// with [`Policy::from_path`].
///
/// ```
/// use escalate::Policy;
///
/// let policy = Policy::parse("callbacks.policy", r#"
///     policy "Call-backs"
///     version "2026.1"
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
/// let program = policy.program();
/// assert_eq!(program.name, "Call-backs");
/// assert_eq!(program.version.as_deref(), Some("2026.1"));
/// assert_eq!(program.schema.metrics[0].id, "callbacks");
/// assert!(policy.warning_records().is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    source: SourceFile,
    syntax: crate::ast::PolicyFile,
    program: Program,
    warnings: Vec<CheckError>,
}

/// Why a policy could not be used. Holds every problem found (errors, and warnings found
/// with them), with the text they point into.
///
/// ```
/// let text = "policy \"P\"\nmetric rate \"Rate\" percnt\n";
/// let error = escalate::Policy::parse("p.policy", text).unwrap_err();
/// assert_eq!(error.error_count(), 1); // and a warning: `rate` is not used
/// let records = error.records();
/// let typo = records.iter().find(|r| r.code == "check::unknown_word").unwrap();
/// assert_eq!((typo.file.as_str(), typo.line, typo.column), ("p.policy", 2, 20));
/// assert_eq!(typo.help.as_deref(), Some("did you mean `percent`?"));
/// // For people: the message, the line, a label and the help.
/// assert!(error.render(false).contains("`percnt` is not a kind of metric"));
/// ```
#[derive(Debug)]
pub struct PolicyError {
    /// The policy's text (empty when the file could not be read).
    pub(crate) source: SourceFile,
    /// The problems, in order of position.
    pub(crate) problems: Vec<PolicyProblem>,
}

/// One problem with a policy.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum PolicyProblem {
    /// The file could not be read.
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(policy::unreadable),
        help("check the file's name and that you may read it")
    )]
    Unreadable {
        /// The path given.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The file is not UTF-8 text.
    #[error("`{path}` is not UTF-8 text (line {line}, column {column})")]
    #[diagnostic(
        code(policy::invalid_utf8),
        help("save the policy as UTF-8 text (in most editors: Save As, encoding UTF-8)")
    )]
    InvalidUtf8 {
        /// The path given.
        path: String,
        /// 1-based line of the first byte that is not UTF-8.
        line: usize,
        /// 1-based column (in bytes) of that byte.
        column: usize,
    },
    /// The text does not follow the language.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    /// The checker found a problem (or, among other errors, a warning).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    /// Formatting would have changed what the policy says or lost a comment: a defect of the
    /// formatter, caught before the text is given back.
    #[error("the policy was not formatted: {0}")]
    #[diagnostic(
        code(fmt::unfaithful),
        help("the policy is left as it was; this is a fault in escalate's formatter, please report it with the policy")
    )]
    Unfaithful(#[from] crate::fmt::Unfaithful),
}

impl Policy {
    /// Reads, parses and checks the policy file at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let text = read_policy_text(path)?;
        Policy::parse(path.display().to_string(), text)
    }

    /// Parses and checks a policy's text; `name` is how diagnostics refer to it.
    pub fn parse(name: impl Into<String>, text: impl Into<String>) -> Result<Policy, PolicyError> {
        Policy::analyse(name, text).0
    }

    /// As [`Policy::parse`], for editors: when the policy has errors, also the syntax tree of
    /// every item that parses (on success the tree is in the policy).
    pub(crate) fn analyse(
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> (Result<Policy, PolicyError>, Option<crate::ast::PolicyFile>) {
        Policy::analyse_cached(name, text, None)
    }

    /// As [`Policy::analyse`], parsing again only the items whose text is not in `cache`
    /// (see [`parse::parse_recovering_cached`]): what an editor does on every change.
    pub(crate) fn analyse_cached(
        name: impl Into<String>,
        text: impl Into<String>,
        cache: Option<&mut parse::ItemCache>,
    ) -> (Result<Policy, PolicyError>, Option<crate::ast::PolicyFile>) {
        let text: String = text.into();
        let source = SourceFile::new(name, text.as_str());
        let mut recovered = match cache {
            Some(cache) => parse::parse_recovering_cached(&text, cache),
            None => parse::parse_recovering(&text),
        };
        if !recovered.errors.is_empty() {
            let syntax = std::mem::replace(&mut recovered.policy, empty_syntax());
            let checked = check::check(&syntax, &text);
            let problems = problems_of_broken_policy(recovered, checked);
            return (Err(PolicyError { source, problems }), Some(syntax));
        }
        let syntax = recovered.policy;
        match check::check(&syntax, &text) {
            Ok(checked) => {
                let policy = Policy {
                    source,
                    syntax,
                    program: checked.program,
                    warnings: checked.warnings,
                };
                (Ok(policy), None)
            }
            Err(errors) => {
                let problems = errors.0.into_iter().map(PolicyProblem::Check).collect();
                (Err(PolicyError { source, problems }), Some(syntax))
            }
        }
    }

    /// The syntax tree, given up (an editor keeps it after taking the warnings).
    #[cfg(feature = "lsp")]
    pub(crate) fn into_syntax(self) -> crate::ast::PolicyFile {
        self.syntax
    }

    /// The checked program the interpreter runs.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The syntax tree, as written.
    pub(crate) fn syntax(&self) -> &crate::ast::PolicyFile {
        &self.syntax
    }

    /// The policy's text and name.
    pub(crate) fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Evaluates the policy on `data` for the month `as_of`: the required actions.
    pub fn evaluate(
        &self,
        data: &crate::data::Dataset,
        as_of: crate::month::Month,
        options: &crate::eval::EvalOptions,
    ) -> crate::eval::Evaluation {
        let mut evaluation = crate::eval::evaluate(&self.program, data, as_of, options);
        evaluation.diagnostics = self.warning_records();
        let data_warnings = data.warnings().iter().map(crate::data::DataWarning::record);
        evaluation.diagnostics.extend(data_warnings);
        evaluation
    }

    /// The checker's warnings, in order of position.
    #[cfg(feature = "lsp")]
    pub(crate) fn warnings(&self) -> &[CheckError] {
        &self.warnings
    }

    /// The warnings as JSON records.
    pub fn warning_records(&self) -> Vec<DiagnosticRecord> {
        self.warnings
            .iter()
            .map(|w| diagnostic::record(&self.source.attach(w), self.source.name()))
            .collect()
    }

    /// The warnings rendered for people.
    pub fn render_warnings(&self, colour: bool) -> String {
        self.warnings
            .iter()
            .map(|w| diagnostic::render(&self.source.attach(w), colour))
            .collect()
    }
}

/// The problems of a policy with syntax errors: those errors, and the checker's errors in the
/// items that did parse (so one broken rule does not hide the mistakes in the others), in
/// order of position. Left out, as they would only echo the syntax errors: warnings (a role
/// may look unused because the rule that uses it is broken) and errors that name a broken
/// item (`replaces` naming a rule that did not parse), and those that depend on every case
/// being known (`once per case` for an event whose case is broken).
fn problems_of_broken_policy(
    recovered: parse::Recovered,
    checked: Result<check::Checked, check::CheckErrors>,
) -> Vec<PolicyProblem> {
    let check_errors = match checked {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    };
    let echoes_a_broken_item = |error: &CheckError| {
        if let CheckError::Event(e) = error {
            if e.code == check::EventCode::OnceOutsideCase {
                return true;
            }
        }
        let message = error.to_string();
        recovered
            .broken_names
            .iter()
            .any(|name| message.contains(&format!("`{name}`")))
    };
    let mut problems: Vec<(usize, PolicyProblem)> = recovered
        .errors
        .into_iter()
        .map(|e| (e.span().map_or(0, |s| s.start), PolicyProblem::Parse(e)))
        .collect();
    problems.extend(
        check_errors
            .into_iter()
            .filter(|e| e.is_error() && !echoes_a_broken_item(e))
            .map(|e| (e.span().start, PolicyProblem::Check(e))),
    );
    problems.sort_by_key(|(at, _)| *at);
    problems.into_iter().map(|(_, p)| p).collect()
}

fn empty_syntax() -> crate::ast::PolicyFile {
    crate::ast::PolicyFile {
        name: crate::ast::Spanned::new(String::new(), crate::ast::Span::new(0, 0)),
        items: Vec::new(),
    }
}

/// Every problem in a policy's text, errors and warnings, as JSON records in order of
/// position: empty when the policy is clean. What `escalate check --format json` lists.
///
/// ```
/// use escalate::{check_text, Level};
///
/// let records = check_text("p.policy", "policy \"P\"\nmetric x \"X\" percent\n");
/// assert!(records.iter().all(|r| r.file == "p.policy"));
/// let broken = check_text("p.policy", "policy \"P\"\nrule r {");
/// assert_eq!((broken[0].line, broken[0].severity), (2, Level::Error));
/// ```
pub fn check_text(name: &str, text: &str) -> Vec<DiagnosticRecord> {
    match Policy::parse(name, text) {
        Ok(policy) => policy.warning_records(),
        Err(error) => error.records(),
    }
}

/// A policy's text in the canonical layout (what `escalate fmt` writes), its comments kept;
/// or, when it does not parse, its syntax errors (`name` is how they refer to it). Only the
/// layout changes: the formatted text is checked to parse to the same policy with the same
/// comments (code `fmt::unfaithful` if it would not: a fault of the formatter, never of the
/// policy).
///
/// ```
/// let formatted = escalate::format_policy(
///     "p.policy",
///     "policy \"P\" role lead \"Lead\"\nrole adviser \"Adviser\" # who advises\n",
/// )
/// .unwrap();
/// assert_eq!(
///     formatted,
///     "policy \"P\"\n\nrole lead    \"Lead\"\nrole adviser \"Adviser\" # who advises\n"
/// );
/// assert!(escalate::format_policy("p.policy", "policy \"P\"\nrule {").is_err());
/// ```
pub fn format_policy(name: impl Into<String>, text: &str) -> Result<String, PolicyError> {
    let fail = |problems| PolicyError {
        source: SourceFile::new(name, text),
        problems,
    };
    let formatted = match crate::fmt::format_source(text) {
        Ok(formatted) => formatted,
        Err(errors) => {
            return Err(fail(
                errors.0.into_iter().map(PolicyProblem::Parse).collect(),
            ))
        }
    };
    match formatted == text {
        true => Ok(formatted),
        false => match crate::fmt::check_faithful(text, &formatted) {
            Ok(()) => Ok(formatted),
            Err(defect) => Err(fail(vec![PolicyProblem::Unfaithful(defect)])),
        },
    }
}

/// The text of a policy file, or why it cannot be read (unreadable, or not UTF-8: with the
/// line and column of the first bad byte).
pub(crate) fn read_policy_text(path: &Path) -> Result<String, PolicyError> {
    let name = path.display().to_string();
    let fail = |problem| PolicyError {
        source: SourceFile::new(name.clone(), ""),
        problems: vec![problem],
    };
    let unreadable = |e: std::io::Error| {
        fail(PolicyProblem::Unreadable {
            path: name.clone(),
            reason: e.to_string().to_lowercase(),
        })
    };
    // The size is checked before the file is read: a data file passed by mistake, or a huge
    // one, is refused without being held in memory.
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > crate::parse::MAX_POLICY_BYTES as u64 {
        return Err(fail(PolicyProblem::Parse(ParseError::FileTooLarge {
            bytes: usize::try_from(size).unwrap_or(usize::MAX),
        })));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        fail(PolicyProblem::InvalidUtf8 {
            path: name.clone(),
            line,
            column,
        })
    })
}

impl PolicyError {
    /// Every problem as a JSON record.
    pub fn records(&self) -> Vec<DiagnosticRecord> {
        self.problems
            .iter()
            .map(|p| match p {
                PolicyProblem::InvalidUtf8 { line, column, .. } => DiagnosticRecord {
                    line: *line,
                    column: *column,
                    ..diagnostic::record(p, self.source.name())
                },
                _ => diagnostic::record(&self.source.attach(p), self.source.name()),
            })
            .collect()
    }

    /// Every problem rendered for people.
    pub fn render(&self, colour: bool) -> String {
        self.problems
            .iter()
            .map(|p| diagnostic::render(&self.source.attach(p), colour))
            .collect()
    }

    /// How many of the problems are errors (the rest are warnings).
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| diagnostic::level(*p) == diagnostic::Level::Error)
            .count()
    }
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` has {} error(s)",
            self.source.name(),
            self.error_count()
        )
    }
}

impl std::error::Error for PolicyError {}

//! escalate: a small language for escalation policies in healthcare performance management,
//! and the interpreter that runs them.
//!
//! A policy says, for each subject (a clinician, a contractor, a practice), which actions are
//! required in a month, given monthly performance figures, dated concerns and (language v1)
//! dated events. Everything the library offers is here, at the crate root.
//!
//! # Guide
//!
//! 1. **Read a policy.** [`Policy::parse`] (text) or [`Policy::from_path`] (a file) parses
//!    and checks it, or returns every problem as a [`PolicyError`]. [`check_text`] lists a
//!    text's errors and warnings without failing (what an editor shows as you type), and
//!    [`format_policy`] lays a policy out as `escalate fmt` does. The checked [`Program`]
//!    says what data the policy reads: its [`Schema`] of metrics, fields, events and cases.
//! 2. **Load the data.** [`Dataset::load`] reads [`DataSources`], each a [`DataInput`]: a
//!    file (CSV, JSON or an Excel workbook), CSV or JSON text in memory, or whatever a
//!    [`std::io::Read`] gives ([`DataSources::from_dir`] finds the files in a folder).
//!    [`Dataset::from_records`] takes typed records instead ([`PerformanceRecord`],
//!    [`SubjectRecord`], [`ConcernRecord`], [`EventRecord`]). All go through the same
//!    loaders, with the same checks: problems come back as [`DataErrors`] naming the file,
//!    line and column; the [`LoadSummary`] says what was read.
//! 3. **Evaluate.** [`Policy::evaluate`] (or [`evaluate`], which needs only the [`Program`]
//!    and the [`Dataset`]) gives the [`Evaluation`] for a month: the required [`Action`]s
//!    with their [`Evidence`], the rules left [`Undecided`] for [`Missing`] data, and the
//!    grades. [`explain`] says why each rule did or did not fire for one subject,
//!    [`run_tests`] runs a policy's own `test` blocks, [`backtest`] replays a range of
//!    months (then [`compare_backtests`] and [`agreement`] with what was done, read by
//!    [`load_actual`]).
//! 4. **Show the results.** Every result is `serde::Serialize` and `serde::Deserialize`: its
//!    JSON is the command line's `--format json`, and reads back. [`evaluation_text`],
//!    [`evaluation_csv`], [`explanation_text`], [`backtest_text`], [`backtest_csv`] and (with
//!    the `html` feature) `backtest_html` write what the command prints. Problems implement
//!    `miette::Diagnostic`: [`render_diagnostic`] shows one for people, and each has a
//!    [`DiagnosticRecord`] for programs.
//!
//! Figures are exact decimals ([`Decimal`], shown in results as a [`Figure`]), months are
//! [`Month`]s, and deadlines count working days of a [`Calendar`].
//!
//! # Features
//!
//! - `cli` (default): the `escalate` command; turns on `parallel` and `html`.
//! - `lsp` (default): the language server, `escalate lsp`.
//! - `xlsx` (default): reading Excel workbooks.
//! - `parallel`: subjects evaluated on all cores (rayon).
//! - `html`: `backtest_html`, the backtest as one HTML page.
//!
//! With `default-features = false` the library builds for `wasm32-unknown-unknown`. Python
//! bindings (`bindings/python`) and WebAssembly bindings (`bindings/wasm`) are crates of
//! their own; see the README's "Embedding".
//!
//! # Example
//!
//! ```
//! use escalate::{Dataset, EvalOptions, PerformanceRecord, Policy};
//!
//! let policy = Policy::parse("callbacks.policy", r#"
//!     policy "Call-backs"
//!     role medical_lead "Medical Lead"
//!     metric callback_in_time "Call-backs in time" percent, higher is better
//!     rule low_callbacks "Call-backs below 80% for two months" {
//!       when callback_in_time < 80% for 2 months
//!       severity moderate
//!       require "Root-cause discussion with the clinician"
//!       owner medical_lead
//!       due 10 working days
//!     }
//! "#).expect("the policy checks cleanly");
//!
//! // Figures are exact decimals, parsed from their text.
//! let record = |subject: &str, period: &str, value: &str| PerformanceRecord {
//!     subject: subject.into(),
//!     period: period.parse().unwrap(),
//!     metric: "callback_in_time".into(),
//!     value: Some(value.parse().unwrap()),
//! };
//! let performance = [
//!     record("c1", "2026-09", "78"),
//!     record("c1", "2026-10", "76.5"),
//!     record("c2", "2026-09", "91"),
//!     record("c2", "2026-10", "79"),
//! ];
//! let data = Dataset::from_records(&policy.program().schema, &performance, &[], &[], &[])
//!     .expect("the records are valid");
//!
//! let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &EvalOptions::default());
//! assert_eq!(evaluation.actions.len(), 1);
//! let action = &evaluation.actions[0];
//! assert_eq!((action.subject.as_str(), action.rule.as_str()), ("c1", "low_callbacks"));
//! assert_eq!(action.due.unwrap().to_string(), "2026-11-13");
//! let json = serde_json::to_string(&evaluation).unwrap();
//! assert!(json.contains("\"decided_on\":\"2026-10-31\""));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod calendar;
mod check;
#[cfg(feature = "cli")]
mod cli;
mod data;
mod diagnostic;
mod eval;
mod fmt;
mod history;
mod json;
mod lines;
#[cfg(feature = "lsp")]
mod lsp;
mod month;
mod number;
mod parse;
mod policy;
mod program;
mod quote;
mod report;
mod schema;
mod suggest;
mod testing;

// Policies: read, check, format and test.
pub use policy::{check_text, format_policy, Policy, PolicyError};
pub use program::{Program, Severity};
pub use schema::{
    CaseKindDef, Direction, EventKindDef, FieldDef, FieldType, MetricDef, MetricKind, Schema,
};
pub use testing::{run as run_tests, CoverageItem, TestReport, TestResult};

// Data.
pub use data::{
    ConcernRecord, DataError, DataErrors, DataInput, DataLocation, DataSources, DataWarning,
    Dataset, EventRecord, FileFormat, FileKind, FileSummary, IgnoredRows, Layout, LoadSummary,
    PerformanceRecord, SubjectRecord,
};
pub use month::{Month, MonthParseError};
pub use number::Figure;
/// The exact decimal type of figures ([`PerformanceRecord::value`], [`Figure`]), re-exported
/// from `rust_decimal` so that embedders need not depend on it themselves. Read figures from
/// their text (`"78.5".parse::<Decimal>()`), never through floating point; see the example of
/// [`Figure`].
pub use rust_decimal::Decimal;

// Working days.
pub use calendar::{
    england_and_wales_bank_holidays, holidays_from_govuk_json, Calendar, CalendarKind, Deadline,
    HolidayFileError,
};

// Evaluation and explanation.
pub use eval::{
    check_subject, evaluate, explain, Action, ArmExplanation, DeadlineEvidence, DeadlineState,
    EvalOptions, Evaluation, Evidence, Explanation, FieldValue, GradeExplanation, GradeResult,
    LookupError, Missing, Outcome as RuleOutcome, RuleExplanation, Step as ConditionStep,
    Undecided,
};

// Replaying months.
pub use history::{
    agreement, backtest, compare as compare_backtests, load_actual, ActualAction, Agreement,
    Backtest, BacktestAction, BacktestMonth, Comparison, MonthDifference, Reason as ResolvedReason,
    Resolved, RuleAgreement, RuleDifference, RuleSummary, Status as ActionStatus, SubjectMonth,
    SubjectRule, Summary as BacktestSummary,
};

// Output for people and spreadsheets.
pub use diagnostic::{render as render_diagnostic, DiagnosticRecord, Level};
#[cfg(feature = "html")]
pub use report::html::backtest as backtest_html;
pub use report::{
    backtest::{csv as backtest_csv, human as backtest_text, BacktestReport},
    csv as evaluation_csv, explanation as explanation_text, human as evaluation_text,
};

/// Not part of the library's API, and may change at any time: what the `escalate` binary
/// and the benches call.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "cli")]
    pub use crate::cli::run;
    pub use crate::history::Replay;
    #[cfg(feature = "lsp")]
    pub use crate::lsp::document::Document;
    pub use crate::parse::{parse, reads_as_the_grammar};
    #[cfg(feature = "cli")]
    pub use crate::report::write_json as write_evaluation_json;
}

//! escalate: a small language for escalation policies in healthcare performance management,
//! and the interpreter that runs them.
//!
//! A policy says, for each subject (a clinician, a contractor, a practice), which actions are
//! required in a month, given monthly performance records and dated concern records. The
//! stages are: [`parse`] (text to syntax tree) → [`check`] (names, units, types: a
//! [`program::Program`]) → [`eval`] (the interpreter, with [`data`] as input) → [`report`].
//! [`policy::Policy`] does reading, parsing and checking in one call.
//!
//! # Guide
//!
//! - **Policies**: [`policy::Policy::parse`] (text) or [`policy::Policy::from_path`];
//!   [`policy::check_text`] lists a text's errors and warnings without failing.
//! - **Data**: [`data::Dataset::load`] reads [`data::DataSources`], each a
//!   [`data::DataInput`]: a file, CSV or JSON text in memory, or whatever a
//!   [`std::io::Read`] gives; [`data::Dataset::from_records`] takes typed records. All go
//!   through the same loaders, with the same checks and error locations.
//! - **Evaluation** needs only the checked [`program::Program`] and the data
//!   ([`eval::evaluate`]); [`policy::Policy::evaluate`] adds the checker's warnings.
//!   [`eval::explain`] says why a rule did or did not fire; [`history::backtest`] replays
//!   months.
//! - **Results** ([`eval::Evaluation`] and the rest) are `serde::Serialize` and
//!   `serde::Deserialize`: their JSON is the command line's `--format json`, and reads back. Problems are concrete error types implementing
//!   `miette::Diagnostic`; [`diagnostic`] renders them or turns them into JSON records.
//!
//! # Features
//!
//! - `cli` (default): the `escalate` command and the `cli` module; turns on `parallel` and
//!   `html`.
//! - `parallel`: subjects evaluated on all cores (rayon).
//! - `html`: `report::html`, the HTML backtest report.
//!
//! With `default-features = false` the library builds for `wasm32-unknown-unknown`. Python
//! bindings (`bindings/python`) and WebAssembly bindings (`bindings/wasm`) are crates of
//! their own; see the README's "Embedding".
//!
//! ```
//! use escalate::data::{Dataset, PerformanceRecord};
//! use escalate::eval::EvalOptions;
//! use escalate::policy::Policy;
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

pub mod ast;
pub mod calendar;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod data;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod history;
pub mod lines;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod month;
pub mod number;
pub mod parse;
pub mod policy;
pub mod program;
pub mod quote;
pub mod report;
pub mod schema;
pub mod suggest;
pub mod testing;

//! escalate for JavaScript: check a policy's text and evaluate it on CSV text, in the
//! browser (the playground in `web/`) or in Node.
//!
//! Every function takes and returns strings; results are JSON documents, the same as the
//! command line's `--format json`:
//!
//! - [`check`] → a list of diagnostics (`{severity, code, message, help, file, line, column}`);
//! - [`evaluate`] → `{"status": "ok", "evaluation": {...}, "csv": "..."}` or
//!   `{"status": "policy" | "data" | "usage", "diagnostics": [...]}`.
#![forbid(unsafe_code)]

use escalate::{DataInput, DataSources, Dataset, DiagnosticRecord, EvalOptions, Level, Policy};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The name diagnostics give the policy's text.
const POLICY_NAME: &str = "policy";

/// This build's escalate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Every error and warning in a policy's text, as a JSON list (empty when it is clean).
#[wasm_bindgen]
pub fn check(policy_text: &str) -> String {
    to_json(&escalate::check_text(POLICY_NAME, policy_text))
}

#[derive(Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Outcome {
    Ok {
        evaluation: escalate::Evaluation,
        /// The required actions, one a row (`eval --format csv`).
        csv: String,
    },
    Policy {
        diagnostics: Vec<DiagnosticRecord>,
    },
    Data {
        diagnostics: Vec<DiagnosticRecord>,
    },
    Usage {
        diagnostics: Vec<DiagnosticRecord>,
    },
}

/// Evaluates a policy's text on CSV texts (`None`, `undefined` or blank: no such file) for
/// the month `as_of` (`YYYY-MM`), deadlines counted from `on` (`YYYY-MM-DD`; default the
/// month's last day). Returns the outcome as JSON (see the crate's documentation).
#[wasm_bindgen]
pub fn evaluate(
    policy_text: &str,
    performance: Option<String>,
    concerns: Option<String>,
    subjects: Option<String>,
    events: Option<String>,
    as_of: &str,
    on: Option<String>,
) -> String {
    to_json(&run(
        policy_text,
        [performance, concerns, subjects, events],
        as_of,
        on.as_deref(),
    ))
}

fn run(policy_text: &str, texts: [Option<String>; 4], as_of: &str, on: Option<&str>) -> Outcome {
    let policy = match Policy::parse(POLICY_NAME, policy_text) {
        Ok(policy) => policy,
        Err(error) => {
            return Outcome::Policy {
                diagnostics: error.records(),
            }
        }
    };
    let as_of = match as_of.trim().parse() {
        Ok(month) => month,
        Err(error) => return usage("as_of", as_of, &error),
    };
    let decided_on = match on.map(str::trim).filter(|t| !t.is_empty()).map(str::parse) {
        None => None,
        Some(Ok(date)) => Some(date),
        Some(Err(error)) => return usage("on", on.unwrap_or(""), &error),
    };
    let [performance, concerns, subjects, events] =
        texts.map(|text| text.filter(|t| !t.trim().is_empty()));
    let sources = DataSources {
        performance: performance.map(|t| DataInput::csv("performance.csv", t)),
        concerns: concerns.map(|t| DataInput::csv("concerns.csv", t)),
        subjects: subjects.map(|t| DataInput::csv("subjects.csv", t)),
        events: events.map(|t| DataInput::csv("events.csv", t)),
    };
    let data = match Dataset::load(&policy.program().schema, &sources) {
        Ok(data) => data,
        Err(errors) => {
            return Outcome::Data {
                diagnostics: errors.iter().map(escalate::DataError::record).collect(),
            }
        }
    };
    let options = EvalOptions {
        decided_on,
        ..EvalOptions::default()
    };
    let evaluation = policy.evaluate(&data, as_of, &options);
    let csv = escalate::evaluation_csv(&evaluation, policy.program());
    Outcome::Ok { evaluation, csv }
}

fn usage(what: &str, text: &str, error: &dyn std::fmt::Display) -> Outcome {
    Outcome::Usage {
        diagnostics: vec![DiagnosticRecord {
            severity: Level::Error,
            code: "usage::bad_argument".into(),
            message: format!("{what} `{text}` is not valid: {error}"),
            help: Some(match what {
                "as_of" => "write the month as YYYY-MM, such as 2026-10".into(),
                _ => "write the date as YYYY-MM-DD, such as 2026-10-31".into(),
            }),
            file: what.into(),
            line: 0,
            column: 0,
        }],
    }
}

fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("results always serialise")
}

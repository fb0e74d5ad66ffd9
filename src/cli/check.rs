//! `escalate check FILE... [--format human|json] [--deny-warnings]`

use std::path::PathBuf;

use serde::Serialize;

use super::{colour_stderr, print_json, Format, FAILURE, SUCCESS};
use crate::diagnostic::{DiagnosticRecord, Level};
use crate::policy::Policy;

/// Arguments of `escalate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policy files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How to write the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Treat warnings as errors (exit code 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Serialize)]
struct Diagnostics {
    diagnostics: Vec<DiagnosticRecord>,
}

/// Checks every file; returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let colour = colour_stderr();
    let mut records = Vec::new();
    for file in &args.files {
        let (file_records, rendered) = match Policy::from_path(file) {
            Ok(policy) => (policy.warning_records(), policy.render_warnings(colour)),
            Err(error) => (error.records(), error.render(colour)),
        };
        if args.format == Format::Human {
            eprint!("{rendered}");
            outln!(
                "{}",
                summary_line(&file.display().to_string(), &file_records)
            );
        }
        records.extend(file_records);
    }
    if args.format == Format::Json {
        print_json(&Diagnostics {
            diagnostics: records.clone(),
        });
    }
    let errors = records
        .iter()
        .filter(|r| r.severity == Level::Error)
        .count();
    let warnings = records.len() - errors;
    match errors > 0 || (args.deny_warnings && warnings > 0) {
        true => FAILURE,
        false => SUCCESS,
    }
}

fn summary_line(file: &str, records: &[DiagnosticRecord]) -> String {
    let errors = records
        .iter()
        .filter(|r| r.severity == Level::Error)
        .count();
    let warnings = records.len() - errors;
    let count = |n: usize, what: &str| match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    match (errors, warnings) {
        (0, 0) => format!("{file}: ok"),
        (0, w) => format!("{file}: ok, {}", count(w, "warning")),
        (e, 0) => format!("{file}: {}", count(e, "error")),
        (e, w) => format!("{file}: {}, {}", count(e, "error"), count(w, "warning")),
    }
}

//! Reading a policy and its data for a command, reporting problems the same way everywhere.

use std::path::PathBuf;

use serde::Serialize;

use super::{colour_stderr, print_json, Format, FAILURE, USAGE};
use crate::calendar::holidays_from_govuk_json;
use crate::data::{DataErrors, DataInput, DataSources, Dataset};
use crate::diagnostic::{self, DiagnosticRecord};
use crate::policy::Policy;

/// Where the data comes from: a folder, or files one by one.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// A folder holding performance.csv (or .json, or .xlsx), and optionally concerns, subjects
    /// and events files.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The performance file: .csv, .json, or an .xlsx workbook (its sheet named `performance`,
    /// or its only sheet); instead of, or overriding, the one in --data.
    #[arg(long, value_name = "FILE")]
    pub performance: Option<PathBuf>,
    /// The concerns file (instead of, or overriding, the one in --data).
    #[arg(long, value_name = "FILE")]
    pub concerns: Option<PathBuf>,
    /// The subjects file (instead of, or overriding, the one in --data).
    #[arg(long, value_name = "FILE")]
    pub subjects: Option<PathBuf>,
    /// The events file (instead of, or overriding, the one in --data).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Extra non-working days from the official gov.uk bank-holidays JSON file
    /// (https://www.gov.uk/bank-holidays.json), England and Wales division.
    #[arg(long, value_name = "FILE")]
    pub holidays: Option<PathBuf>,
}

#[derive(Serialize)]
struct Diagnostics {
    diagnostics: Vec<DiagnosticRecord>,
}

/// Prints problems as the format asks: JSON on standard output, rendered on standard error.
pub fn report_problems(format: Format, records: Vec<DiagnosticRecord>, rendered: String) {
    match format {
        Format::Json => print_json(&Diagnostics {
            diagnostics: records,
        }),
        Format::Human => eprint!("{rendered}"),
    }
}

/// Reads and checks the policy; on failure reports why and returns `None`.
pub fn load_policy(path: &PathBuf, format: Format) -> Option<Policy> {
    match Policy::from_path(path) {
        Ok(policy) => Some(policy),
        Err(error) => {
            report_problems(format, error.records(), error.render(colour_stderr()));
            None
        }
    }
}

/// No data the policy can read was given: a usage error (exit 2), never "0 actions".
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(usage::no_data), help("{help}"))]
pub struct NoDataGiven {
    message: String,
    help: String,
}

/// Reads the data for a policy; on failure reports every problem and returns the exit code:
/// [`USAGE`] when no data the policy reads was given, [`FAILURE`] for bad data.
pub fn load_data(policy: &Policy, args: &DataArgs, format: Format) -> Result<Dataset, u8> {
    let sources = match sources(args) {
        Ok(sources) => sources,
        Err(error) => {
            let rendered = diagnostic::render(&error, colour_stderr());
            report_problems(format, vec![error.record()], rendered);
            let no_files = matches!(error.kind(), crate::data::DataErrorKind::NoData { .. });
            return Err(if no_files { USAGE } else { FAILURE });
        }
    };
    if let Some(error) = no_data_given(policy, args, &sources) {
        let rendered = diagnostic::render(&error, colour_stderr());
        report_problems(format, vec![diagnostic::record(&error, "")], rendered);
        return Err(USAGE);
    }
    match Dataset::load(&policy.program().schema, &sources) {
        Ok(data) => {
            if format == Format::Human {
                let colour = colour_stderr();
                for warning in data.warnings() {
                    eprint!("{}", diagnostic::render(warning, colour));
                }
            }
            Ok(data)
        }
        Err(errors) => {
            report_data_errors(format, &errors);
            Err(FAILURE)
        }
    }
}

/// Prints every problem found in data files (or the file of actions taken).
pub fn report_data_errors(format: Format, errors: &DataErrors) {
    let colour = colour_stderr();
    let records = errors.iter().map(crate::data::DataError::record).collect();
    let rendered = errors
        .iter()
        .map(|e| diagnostic::render(e, colour))
        .collect();
    report_problems(format, records, rendered);
}

/// The usage error when none of the files given is one the policy reads: performance (when
/// it declares metrics), concerns, or events (when it declares event or case kinds).
fn no_data_given(policy: &Policy, args: &DataArgs, sources: &DataSources) -> Option<NoDataGiven> {
    let schema = &policy.program().schema;
    let reads_performance = !schema.metrics.is_empty() && sources.performance.is_some();
    let reads_events = schema.reads_events() && sources.events.is_some();
    if reads_performance || sources.concerns.is_some() || reads_events {
        return None;
    }
    let mut wanted = Vec::new();
    if !schema.metrics.is_empty() {
        wanted
            .push("the monthly figures (`--performance FILE`, or `performance.csv` in the folder)");
    }
    wanted.push("the concerns (`--concerns FILE`, or `concerns.csv` in the folder)");
    if schema.reads_events() {
        wanted.push("the dated events (`--events FILE`, or `events.csv` in the folder)");
    }
    let message = match &args.data {
        Some(dir) => format!(
            "`{}` holds none of the data files this policy reads",
            dir.display()
        ),
        None if sources == &DataSources::default() => {
            "no data given: say where the data is with `--data DIR`".to_string()
        }
        None => "none of the data files given is one this policy reads".to_string(),
    };
    let help = format!(
        "give the folder holding the data files with `--data DIR`, or the files one by one; \
         this policy reads {}",
        wanted.join(", ")
    );
    Some(NoDataGiven { message, help })
}

/// The data files the arguments name (`--data`'s files, overridden by those given one by one).
pub(super) fn sources(args: &DataArgs) -> Result<DataSources, crate::data::DataError> {
    let mut sources = match &args.data {
        Some(dir) => DataSources::from_dir(dir)?,
        None => DataSources::default(),
    };
    if let Some(path) = &args.performance {
        sources.performance = Some(DataInput::file(path));
    }
    if let Some(path) = &args.concerns {
        sources.concerns = Some(DataInput::file(path));
    }
    if let Some(path) = &args.subjects {
        sources.subjects = Some(DataInput::file(path));
    }
    if let Some(path) = &args.events {
        sources.events = Some(DataInput::file(path));
    }
    Ok(sources)
}

/// The extra holidays from `--holidays`; on failure reports why and returns `None`.
pub fn load_holidays(args: &DataArgs, format: Format) -> Option<Vec<chrono::NaiveDate>> {
    let Some(path) = &args.holidays else {
        return Some(Vec::new());
    };
    let name = path.display().to_string();
    // Read whole, so its size is checked first: the official file has a few kilobytes.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let text = match size > crate::parse::MAX_POLICY_BYTES as u64 {
        true => Err(std::io::Error::other(format!(
            "the file has {} bytes, more than a holidays file may have ({} bytes)",
            crate::quote::thousands(size),
            crate::quote::thousands(crate::parse::MAX_POLICY_BYTES as u64)
        ))),
        false => std::fs::read_to_string(path),
    };
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            let problem = crate::policy::PolicyProblem::Unreadable {
                path: name.clone(),
                reason: e.to_string().to_lowercase(),
            };
            report_problems(
                format,
                vec![diagnostic::record(&problem, &name)],
                diagnostic::render(&problem, colour_stderr()),
            );
            return None;
        }
    };
    match holidays_from_govuk_json(&text, "england-and-wales") {
        Ok(days) => Some(days),
        Err(error) => {
            report_problems(
                format,
                vec![diagnostic::record(&error, &name)],
                diagnostic::render(&error, colour_stderr()),
            );
            None
        }
    }
}

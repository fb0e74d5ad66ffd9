//! `escalate eval POLICY --data DIR --as-of YYYY-MM [--on DATE] [--subject ID]... [--format ...]`

use std::io::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::inputs::{load_data, load_holidays, load_policy, DataArgs};
use super::{FAILURE, SUCCESS};
use crate::eval::EvalOptions;
use crate::month::Month;
use crate::report;

/// How `eval` writes its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    /// A table for people, grouped by who owns each action.
    #[default]
    Human,
    /// One JSON document (the format of the language reference, §9).
    Json,
    /// One action a row, for spreadsheets.
    Csv,
}

impl EvalFormat {
    /// How problems are shown with this format.
    pub fn problems(self) -> super::Format {
        match self {
            EvalFormat::Json => super::Format::Json,
            _ => super::Format::Human,
        }
    }
}

/// Arguments of `escalate eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// Where the data is.
    #[command(flatten)]
    pub data: DataArgs,
    /// The month to evaluate, as YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Month,
    /// The decision date deadlines count from (default: the last day of the as-of month).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub on: Option<NaiveDate>,
    /// Evaluate only this subject (repeat for several).
    #[arg(long = "subject", value_name = "ID")]
    pub only_subjects: Vec<String>,
    /// How to write the result.
    #[arg(long, value_enum, default_value_t)]
    pub format: EvalFormat,
}

/// Evaluates the policy; returns the exit code.
pub fn run(args: &EvalArgs) -> u8 {
    let problems = args.format.problems();
    let Some(policy) = load_policy(&args.policy, problems) else {
        return FAILURE;
    };
    let Some(extra_holidays) = load_holidays(&args.data, problems) else {
        return FAILURE;
    };
    let data = match load_data(&policy, &args.data, problems) {
        Ok(data) => data,
        Err(code) => return code,
    };
    for subject in &args.only_subjects {
        if let Err(error) = crate::eval::check_subject(&data, subject) {
            let name = args.policy.display().to_string();
            let rendered = crate::diagnostic::render(&error, super::colour_stderr());
            super::inputs::report_problems(
                problems,
                vec![crate::diagnostic::record(&error, &name)],
                rendered,
            );
            return super::USAGE;
        }
    }
    let options = EvalOptions {
        decided_on: args.on,
        subjects: args.only_subjects.clone(),
        extra_holidays,
    };
    let evaluation = policy.evaluate(&data, args.as_of, &options);
    match args.format {
        EvalFormat::Json => super::print_with(|out| {
            report::write_json(&evaluation, out)?;
            out.write_all(b"\n")
        }),
        EvalFormat::Csv => outp!("{}", report::csv(&evaluation, policy.program())),
        EvalFormat::Human => {
            eprint!("{}", policy.render_warnings(super::colour_stderr()));
            outp!("{}", report::human(&evaluation, policy.program()));
        }
    }
    super::drop_in_background((evaluation, data));
    SUCCESS
}

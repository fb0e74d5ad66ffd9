//! `escalate explain POLICY --data DIR --as-of M --subject ID [--rule R]`

use std::path::PathBuf;

use chrono::NaiveDate;

use super::inputs::{load_data, load_holidays, load_policy, report_problems, DataArgs};
use super::{colour_stderr, print_json, Format, FAILURE, SUCCESS};
use crate::diagnostic;
use crate::eval::{explain, EvalOptions};
use crate::month::Month;
use crate::report;

/// Arguments of `escalate explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
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
    /// The subject to explain.
    #[arg(long, value_name = "ID")]
    pub subject: String,
    /// Explain only this rule.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// Explain only this case (for rules evaluated for each case).
    #[arg(long, value_name = "CASE")]
    pub case: Option<String>,
    /// How to write the explanation.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Explains one subject; returns the exit code.
pub fn run(args: &ExplainArgs) -> u8 {
    let Some(policy) = load_policy(&args.policy, args.format) else {
        return FAILURE;
    };
    let Some(extra_holidays) = load_holidays(&args.data, args.format) else {
        return FAILURE;
    };
    let data = match load_data(&policy, &args.data, args.format) {
        Ok(data) => data,
        Err(code) => return code,
    };
    let options = EvalOptions {
        decided_on: args.on,
        subjects: Vec::new(),
        extra_holidays,
    };
    let program = policy.program();
    match explain(
        program,
        &data,
        args.as_of,
        &options,
        &args.subject,
        args.rule.as_deref(),
        args.case.as_deref(),
    ) {
        Ok(explanation) => {
            match args.format {
                Format::Json => print_json(&explanation),
                Format::Human => outp!("{}", report::explanation(&explanation)),
            }
            SUCCESS
        }
        Err(error) => {
            let name = args.policy.display().to_string();
            report_problems(
                args.format,
                vec![diagnostic::record(&error, &name)],
                diagnostic::render(&error, colour_stderr()),
            );
            super::USAGE
        }
    }
}

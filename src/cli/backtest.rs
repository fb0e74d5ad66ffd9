//! `escalate backtest POLICY --data DIR --from YYYY-MM --to YYYY-MM [--compare OTHER]
//! [--actual FILE] [--format human|json|csv|html] [--out FILE]`

use std::io::IsTerminal;
use std::path::PathBuf;

use super::inputs::{load_data, load_policy, report_problems, DataArgs};
use super::{colour_stderr, Format, FAILURE, SUCCESS, USAGE};
use crate::data::Dataset;
use crate::diagnostic::{self, DiagnosticRecord, Level};
use crate::history::{self, Backtest};
use crate::month::Month;
use crate::policy::Policy;
use crate::report::backtest::{self as render, BacktestReport};

/// How `backtest` writes its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BacktestFormat {
    /// A summary table, then month by month.
    #[default]
    Human,
    /// One JSON document.
    Json,
    /// One row per month and action, for spreadsheets.
    Csv,
    /// One self-contained HTML page with charts, for a browser.
    Html,
}

/// Arguments of `escalate backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// Where the data is.
    #[command(flatten)]
    pub data: DataArgs,
    /// The first month to replay, as YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Month,
    /// The last month to replay, as YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Month,
    /// A second policy to replay on the same data and compare with.
    #[arg(long, value_name = "OTHER.policy")]
    pub compare: Option<PathBuf>,
    /// A CSV of what was actually done (`subject,period,rule[,note]`) to compare with.
    #[arg(long, value_name = "FILE")]
    pub actual: Option<PathBuf>,
    /// How to write the result.
    #[arg(long, value_enum, default_value_t)]
    pub format: BacktestFormat,
    /// A subject whose timelines the HTML page shows (repeatable); by default the subjects
    /// with the most new actions.
    #[arg(long = "subject", value_name = "ID")]
    pub timeline_subjects: Vec<String>,
    /// Write the result to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Replays the policy; returns the exit code.
pub fn run(args: &BacktestArgs) -> u8 {
    let problems = match args.format {
        BacktestFormat::Json => Format::Json,
        _ => Format::Human,
    };
    if args.to < args.from {
        eprintln!("error: --to ({}) is before --from ({})", args.to, args.from);
        return USAGE;
    }
    if args.format == BacktestFormat::Csv && (args.compare.is_some() || args.actual.is_some()) {
        let option = match args.compare.is_some() {
            true => "--compare",
            false => "--actual",
        };
        eprintln!(
            "error: `--format csv` has one row per month and action, with no place for what \
             `{option}` finds\n  help: use `--format human`, `json` or `html` with `{option}`, \
             or leave `{option}` out for the CSV"
        );
        return USAGE;
    }
    let Some(policy) = load_policy(&args.policy, problems) else {
        return FAILURE;
    };
    let data = match load_data(&policy, &args.data, problems) {
        Ok(data) => data,
        Err(code) => return code,
    };
    let backtest = replay(&policy, &data, args);
    let compare = match &args.compare {
        None => None,
        Some(path) => {
            let Some(other) = load_policy(path, problems) else {
                return FAILURE;
            };
            let other_data = match load_data(&other, &args.data, problems) {
                Ok(data) => data,
                Err(code) => return code,
            };
            Some(history::compare(
                &backtest,
                &replay(&other, &other_data, args),
            ))
        }
    };
    let agreement = match &args.actual {
        None => None,
        Some(path) => match history::load_actual(path, policy.program()) {
            Ok(actual) => Some(history::agreement(&backtest, &actual)),
            Err(errors) => {
                let colour = colour_stderr();
                let records = errors.0.iter().map(actual_record).collect();
                let rendered = errors
                    .0
                    .iter()
                    .map(|e| diagnostic::render(e, colour))
                    .collect();
                report_problems(problems, records, rendered);
                return FAILURE;
            }
        },
    };
    let report = BacktestReport {
        backtest,
        compare,
        agreement,
    };
    let text = match args.format {
        BacktestFormat::Human => render::human(&report),
        BacktestFormat::Json if args.out.is_none() => {
            super::print_json(&report);
            return SUCCESS;
        }
        BacktestFormat::Json => {
            serde_json::to_string_pretty(&report).expect("output types always serialize") + "\n"
        }
        BacktestFormat::Csv => render::csv(&report),
        BacktestFormat::Html => {
            crate::report::html::backtest(&report, policy.program(), &data, &args.timeline_subjects)
        }
    };
    write_output(args.out.as_ref(), &text)
}

/// Replays with a progress bar on standard error when it is a terminal.
fn replay(policy: &Policy, data: &Dataset, args: &BacktestArgs) -> Backtest {
    let months = history::month_range(args.from, args.to).count() as u64;
    let bar = match std::io::stderr().is_terminal() && months > 1 {
        true => indicatif::ProgressBar::new(months),
        false => indicatif::ProgressBar::hidden(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} months")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(format!("replaying {}", policy.program().name));
    let backtest = history::backtest(policy, data, args.from, args.to, &|done| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    backtest
}

fn actual_record(error: &history::ActualError) -> DiagnosticRecord {
    let (file, line, column) = error.location();
    DiagnosticRecord {
        severity: Level::Error,
        file: file.display().to_string(),
        line,
        column,
        ..diagnostic::record(error, "")
    }
}

fn write_output(out: Option<&PathBuf>, text: &str) -> u8 {
    match out {
        None => {
            outp!("{text}");
            SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "error: cannot write `{}`: {}",
                    path.display(),
                    e.to_string().to_lowercase()
                );
                FAILURE
            }
        },
    }
}

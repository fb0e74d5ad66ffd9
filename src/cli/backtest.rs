//! `escalate backtest POLICY --data DIR --from YYYY-MM --to YYYY-MM [--compare OTHER]
//! [--actual FILE] [--format human|json|csv|html] [--out FILE]`

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use super::inputs::{load_data, load_policy, report_data_errors, DataArgs};
use super::{files, Format, FAILURE, SUCCESS, USAGE};
use crate::data::{DataInput, Dataset};
use crate::history;
use crate::month::Month;
use crate::policy::Policy;
use crate::program::Program;
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
    /// Write the result to this file instead of standard output (never over one of the
    /// run's inputs; over an existing file only with --force).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Let --out replace a file that already exists.
    #[arg(long, requires = "out")]
    pub force: bool,
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
    if let Some(months) = too_many_months(args) {
        eprintln!("error: {months}");
        return USAGE;
    }
    if let Some(out) = &args.out {
        let inputs = inputs(args);
        if let Err(refused) = files::check_output(out, &inputs, args.force) {
            eprintln!("error: {refused}");
            return USAGE;
        }
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
    let bar = progress_bar(&policy, args);
    let progress = |done: usize| bar.set_position(done as u64);
    let replay = history::Replay::new(&policy, &data, args.from, args.to);
    if args.compare.is_none() && args.actual.is_none() {
        if let Some(streamed) = Streamed::of(args.format) {
            // Written month by month: a region's backtest is hundreds of megabytes.
            let code = match &args.out {
                None => {
                    super::print_with(|out| streamed.write(out, &replay, &progress));
                    SUCCESS
                }
                Some(path) => write_file(path, |out| streamed.write(out, &replay, &progress)),
            };
            bar.finish_and_clear();
            drop(replay);
            super::drop_in_background(data);
            return code;
        }
        if args.format == BacktestFormat::Html {
            let program = policy.program();
            let page = crate::report::html::replayed_backtest(
                &replay,
                program,
                &args.timeline_subjects,
                &progress,
            );
            bar.finish_and_clear();
            drop(replay);
            super::drop_in_background(data);
            return write_text(args, &page);
        }
    }
    // The human report shows no evidence: outlines do (JSON and HTML show it).
    let backtest = match args.format {
        BacktestFormat::Human => replay.into_outline_backtest(&progress),
        _ => replay.into_backtest(&progress),
    };
    bar.finish_and_clear();
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
            let bar = progress_bar(&other, args);
            let other_replay = history::Replay::new(&other, &other_data, args.from, args.to);
            // A comparison is of which actions each policy requires: outlines will do.
            let other_backtest =
                other_replay.into_outline_backtest(&|done: usize| bar.set_position(done as u64));
            bar.finish_and_clear();
            Some(history::compare(&backtest, &other_backtest))
        }
    };
    let agreement = match &args.actual {
        None => None,
        Some(path) => match history::load_actual(&DataInput::file(path), policy.program()) {
            Ok(actual) => {
                let agreement = history::agreement(&backtest, &actual);
                if agreement.outside_window > 0 || agreement.duplicates > 0 {
                    eprintln!(
                        "note: `{}`: {}",
                        path.display(),
                        render::agreement_note(&agreement)
                    );
                }
                Some(agreement)
            }
            Err(errors) => {
                report_data_errors(problems, &errors);
                return FAILURE;
            }
        },
    };
    let report = BacktestReport {
        backtest,
        compare,
        agreement,
    };
    let code = write_report(args, &report, policy.program(), &data);
    super::drop_in_background((report, data));
    code
}

/// Writes the report in the format asked for, to `--out` or standard output; returns the
/// exit code.
fn write_report(
    args: &BacktestArgs,
    report: &BacktestReport,
    program: &Program,
    data: &Dataset,
) -> u8 {
    let text = match args.format {
        BacktestFormat::Human => render::human(report),
        BacktestFormat::Json => {
            // Streamed, not built as one string: a region's backtest is hundreds of megabytes.
            return match &args.out {
                None => {
                    super::print_json(report);
                    SUCCESS
                }
                Some(path) => write_file(path, |out| super::write_json(out, report)),
            };
        }
        BacktestFormat::Csv => render::csv(report),
        BacktestFormat::Html => {
            crate::report::html::backtest(report, program, data, &args.timeline_subjects)
        }
    };
    write_text(args, &text)
}

/// Writes a report's text to `--out` or standard output; returns the exit code.
fn write_text(args: &BacktestArgs, text: &str) -> u8 {
    match &args.out {
        None => {
            outp!("{text}");
            SUCCESS
        }
        Some(path) => write_file(path, |out| out.write_all(text.as_bytes())),
    }
}

/// The files this run reads, which `--out` must not name.
fn inputs(args: &BacktestArgs) -> Vec<PathBuf> {
    let mut inputs = vec![args.policy.clone()];
    inputs.extend(args.compare.clone());
    inputs.extend(args.actual.clone());
    inputs.extend(args.data.holidays.clone());
    // A folder that cannot be read is reported when the data is loaded.
    if let Ok(sources) = super::inputs::sources(&args.data) {
        let files = [
            sources.performance,
            sources.concerns,
            sources.subjects,
            sources.events,
        ];
        inputs.extend(
            files
                .iter()
                .flatten()
                .map(|input| input.name().to_path_buf()),
        );
    }
    inputs
}

/// The longest backtest, in months: fifty years, the longest window a condition may have
/// ([`crate::check::MAX_WINDOW_MONTHS`]). Each month is a full evaluation and a section of
/// the output, so a mistyped year (`0001-01`) would otherwise run for hours and write
/// gigabytes.
pub const MAX_BACKTEST_MONTHS: u32 = crate::check::MAX_WINDOW_MONTHS;

/// Why the range from `--from` to `--to` is too long, if it is.
fn too_many_months(args: &BacktestArgs) -> Option<String> {
    let months = history::month_range(args.from, args.to).count();
    (months > MAX_BACKTEST_MONTHS as usize).then(|| {
        format!(
            "--from {} to --to {} is {} months, more than a backtest may have \
             ({MAX_BACKTEST_MONTHS}, fifty years); check the years, or replay a shorter range",
            args.from,
            args.to,
            crate::quote::thousands(months as u64)
        )
    })
}

/// The formats written month by month, as each month is written out in full.
#[derive(Clone, Copy)]
enum Streamed {
    Human,
    Json,
    Csv,
}

impl Streamed {
    fn of(format: BacktestFormat) -> Option<Streamed> {
        match format {
            BacktestFormat::Human => Some(Streamed::Human),
            BacktestFormat::Json => Some(Streamed::Json),
            BacktestFormat::Csv => Some(Streamed::Csv),
            BacktestFormat::Html => None,
        }
    }

    /// Writes the whole replay to `out`, telling `progress` after each month.
    fn write(
        self,
        out: &mut impl std::io::Write,
        replay: &history::Replay<'_>,
        progress: &dyn Fn(usize),
    ) -> std::io::Result<()> {
        match self {
            Streamed::Human => {
                let program = replay.policy().program();
                let width = crate::report::subject_width(replay.listed_subjects());
                let range = (replay.from(), replay.to());
                let mut human =
                    render::HumanWriter::new(out, &program.name, range, replay.summary(), width)?;
                for index in 0..replay.month_count() {
                    human.month(&replay.month_outline(index))?;
                    progress(index + 1);
                }
                Ok(())
            }
            Streamed::Json => {
                replay.write_json(out, progress)?;
                out.write_all(b"\n")
            }
            Streamed::Csv => {
                let mut csv = render::CsvWriter::new(out)?;
                for index in 0..replay.month_count() {
                    csv.month(&replay.month_outline(index))?;
                    progress(index + 1);
                }
                csv.finish().map(drop)
            }
        }
    }
}

/// A progress bar on standard error when it is a terminal, counting the months written.
fn progress_bar(policy: &Policy, args: &BacktestArgs) -> indicatif::ProgressBar {
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
    bar
}

/// Writes the result to `--out` (see [`files::write_atomically`]); returns the exit code.
fn write_file(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>) -> u8 {
    match files::write_atomically(path, write) {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            SUCCESS
        }
        Err(e) => {
            let kept = match path.exists() {
                true => "; the file is as it was",
                false => "",
            };
            eprintln!(
                "error: cannot write `{}`: {}{kept}",
                path.display(),
                e.to_string().to_lowercase()
            );
            FAILURE
        }
    }
}

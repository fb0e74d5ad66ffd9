//! `escalate backtest POLICY --data DIR --from YYYY-MM --to YYYY-MM [--compare OTHER]
//! [--actual FILE] [--format human|json|csv|html] [--out FILE]`

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};

use super::inputs::{load_data, load_policy, report_data_errors, DataArgs};
use super::{files, Format, FAILURE, SUCCESS, USAGE};
use crate::data::DataInput;
use crate::history::{self, Agreement, Comparison};
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
    let replay = history::Replay::new(&policy, &data, args.from, args.to);
    let other_policy = match &args.compare {
        None => None,
        Some(path) => match load_policy(path, problems) {
            Some(other) => Some(other),
            None => return FAILURE,
        },
    };
    // Two versions of one policy usually read the same data in the same way: the data is then
    // loaded once (and its warnings shown once); a policy that declares other metrics, fields
    // or events needs the files read for it.
    let other_data = match &other_policy {
        Some(other) if other.program().schema != policy.program().schema => {
            match load_data(other, &args.data, problems) {
                Ok(data) => Some(data),
                Err(code) => return code,
            }
        }
        _ => None,
    };
    let other_replay = other_policy.as_ref().map(|other| {
        let data = other_data.as_ref().unwrap_or(&data);
        history::Replay::new(other, data, args.from, args.to)
    });
    let actual = match &args.actual {
        None => None,
        Some(path) => match history::load_actual(&DataInput::file(path), policy.program()) {
            Ok(actual) => Some(actual),
            Err(errors) => {
                report_data_errors(problems, &errors);
                return FAILURE;
            }
        },
    };
    let findings = match other_replay.is_some() || actual.is_some() {
        true => {
            let bar = progress_bar(&policy, args);
            bar.set_message("comparing");
            let progress = |done: usize| bar.set_position(done as u64);
            let findings = replay.findings(other_replay.as_ref(), actual.as_deref(), &progress);
            bar.finish_and_clear();
            findings
        }
        false => (None, None),
    };
    drop(other_replay);
    super::drop_in_background((other_data, actual));
    if let (Some(agreement), Some(path)) = (&findings.1, &args.actual) {
        if agreement.outside_window > 0 || agreement.duplicates > 0 {
            eprintln!(
                "note: `{}`: {}",
                path.display(),
                render::agreement_note(agreement)
            );
        }
    }
    // Written month by month: a region's backtest is hundreds of megabytes.
    let report = Report {
        format: args.format,
        replay: &replay,
        findings,
        timeline_subjects: &args.timeline_subjects,
    };
    let bar = progress_bar(&policy, args);
    let progress = |done: usize| bar.set_position(done as u64);
    let code = match &args.out {
        None => {
            super::print_with(|out| report.write(out, &progress));
            SUCCESS
        }
        Some(path) => write_file(path, |out| report.write(out, &progress)),
    };
    bar.finish_and_clear();
    drop(replay);
    super::drop_in_background(data);
    code
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

/// The report of a replay, in the format asked for, with what `--compare` and `--actual`
/// found.
struct Report<'r> {
    format: BacktestFormat,
    replay: &'r history::Replay<'r>,
    findings: (Option<Comparison>, Option<Agreement>),
    timeline_subjects: &'r [String],
}

impl Report<'_> {
    /// Writes the report to `out` a month at a time (the HTML page is made a month at a
    /// time), telling `progress` after each month.
    fn write(self, out: &mut impl std::io::Write, progress: &dyn Fn(usize)) -> std::io::Result<()> {
        let replay = self.replay;
        let (compare, agreement) = self.findings;
        match self.format {
            BacktestFormat::Human => {
                let program = replay.policy().program();
                let width = crate::report::subject_width(replay.listed_subjects());
                let range = (replay.from(), replay.to());
                let mut human =
                    render::HumanWriter::new(out, &program.name, range, replay.summary(), width)?;
                for index in 0..replay.month_count() {
                    human.month(&replay.month_outline(index))?;
                    progress(index + 1);
                }
                let out = human.finish();
                let findings = render::findings_text(compare.as_ref(), agreement.as_ref());
                out.write_all(findings.as_bytes())
            }
            BacktestFormat::Json => {
                let shell = BacktestReport {
                    backtest: replay.shell(),
                    compare,
                    agreement,
                };
                replay.write_json_around(out, &shell, progress)?;
                out.write_all(b"\n")
            }
            BacktestFormat::Csv => {
                let mut csv = render::CsvWriter::new(out)?;
                for index in 0..replay.month_count() {
                    csv.month(&replay.month_outline(index))?;
                    progress(index + 1);
                }
                csv.finish().map(drop)
            }
            BacktestFormat::Html => {
                let page = crate::report::html::replayed_backtest(
                    replay,
                    self.timeline_subjects,
                    (compare, agreement),
                    progress,
                );
                out.write_all(page.as_bytes())
            }
        }
    }
}

/// A progress bar on standard error when it is a terminal and the report does not go to the
/// terminal too, counting the months.
fn progress_bar(policy: &Policy, args: &BacktestArgs) -> indicatif::ProgressBar {
    let months = history::month_range(args.from, args.to).count() as u64;
    // A report written to the terminal would be drawn over by the bar.
    let onto_the_report = args.out.is_none() && std::io::stdout().is_terminal();
    let bar = match std::io::stderr().is_terminal() && !onto_the_report && months > 1 {
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

//! The command line: `escalate check`, `escalate eval`, `escalate explain`.

/// `print!` to standard output through [`out`], so that a failed write is noticed.
macro_rules! outp {
    ($($arg:tt)*) => {
        $crate::cli::out(&format!($($arg)*))
    };
}

/// `println!` to standard output through [`out`], so that a failed write is noticed.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod backtest;
mod check;
mod conventions;
mod eval;
mod explain;
mod files;
mod fmt;
mod inputs;
mod test;

use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand, ValueEnum};

/// Escalation policies for healthcare performance management: check them, and run them
/// against performance and concern records to get the actions they require.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policy files and report every problem found.
    Check(check::CheckArgs),
    /// Evaluate a policy on data for one month: the actions it requires.
    Eval(eval::EvalArgs),
    /// Show, step by step, how a policy applies to one subject.
    Explain(explain::ExplainArgs),
    /// Rewrite policy files in the canonical layout (with --check, list those that differ).
    Fmt(fmt::FmtArgs),
    /// Replay a policy over past months: what it would have asked for, month by month.
    Backtest(backtest::BacktestArgs),
    /// Run the `test` blocks of policy files, and measure what they cover.
    Test(test::TestArgs),
    /// Serve editors over standard input and output (the Language Server Protocol).
    #[cfg(feature = "lsp")]
    Lsp,
    /// Print a shell completion script (for bash, zsh, fish, elvish or powershell).
    Completions(conventions::CompletionsArgs),
    /// Print the manual page (roff), for `man`.
    Man,
}

/// How results and problems are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: tables and underlined source lines.
    #[default]
    Human,
    /// One JSON document on standard output.
    Json,
}

/// The command finished its job.
const SUCCESS: u8 = 0;
/// A policy or data file has errors.
const FAILURE: u8 = 1;
/// The command line asks for something that cannot be done (as clap does for bad arguments).
const USAGE: u8 = 2;

/// Runs the command line and returns the process's exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        #[cfg(feature = "lsp")]
        Command::Lsp => run_lsp(),
        Command::Completions(args) => conventions::completions(&args),
        Command::Man => conventions::man(),
    };
    match OUTPUT_FAILED.load(Ordering::SeqCst) {
        true => ExitCode::from(FAILURE),
        false => ExitCode::from(code),
    }
}

/// Runs the language server until the editor closes it.
#[cfg(feature = "lsp")]
fn run_lsp() -> u8 {
    match crate::lsp::run() {
        Ok(()) => SUCCESS,
        Err(error) => {
            eprintln!("error: the language server stopped: {error}");
            FAILURE
        }
    }
}

/// Set when writing to standard output failed: the command then exits with [`FAILURE`],
/// whatever it found, so a script never takes cut-off output for a result.
static OUTPUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes text to standard output. A failure is reported once on standard error (a closed
/// pipe, as with `| head`, silently) and makes the command exit with [`FAILURE`].
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        output_failed(&error);
    }
}

/// Records a failure to write the output, saying so once.
fn output_failed(error: &std::io::Error) {
    let first = !OUTPUT_FAILED.swap(true, Ordering::SeqCst);
    if first && error.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!(
            "error: cannot write the output: {}",
            error.to_string().to_lowercase()
        );
    }
}

/// Whether to colour what goes to standard error.
fn colour_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Drops large values on a thread of their own, so a command can end without waiting for
/// millions of small frees: the process exits next and the operating system takes the memory
/// back at once. When no thread can be started, the values are dropped here.
fn drop_in_background<T: Send + 'static>(values: T) {
    let _ = std::thread::Builder::new()
        .name("escalate-drop".into())
        .spawn(move || drop(values));
}

/// Prints a JSON document on standard output.
fn print_json(value: &impl serde::Serialize) {
    // Streamed, not built as one string: a region's backtest is hundreds of megabytes.
    print_with(|out| write_json(out, value));
}

/// Writes a JSON document, laid out for people, and a last newline.
fn write_json(mut out: impl std::io::Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    crate::json::write_at(&mut out, value, 0)?;
    out.write_all(b"\n")
}

/// Writes to standard output through a buffer; a failure is noted as [`out`] notes it.
fn print_with(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = write(&mut out).and_then(|()| out.flush());
    if let Err(error) = written {
        output_failed(&error);
    }
}

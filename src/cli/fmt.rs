//! `escalate fmt [--check [--diff]] FILE...`

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{colour_stderr, FAILURE, SUCCESS};
use crate::policy::{format_policy, read_policy_text, PolicyError};

/// Arguments of `escalate fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// The policy files to format, in place.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Change no file: list the files whose layout would change, and exit with 1 if any would.
    #[arg(long)]
    pub check: bool,
    /// With --check: also show, for each file, the lines that would change (a unified diff).
    #[arg(long, requires = "check")]
    pub diff: bool,
}

/// What formatting one file came to.
enum Outcome {
    /// It is already in the canonical layout.
    Unchanged,
    /// Its layout changes (in `--check` mode, would change), from this text to that.
    Changed { before: String, after: String },
    /// It could not be formatted; the reason has been reported.
    Failed,
}

/// Formats every file (or, with `--check`, lists those that would change); returns the exit
/// code.
pub fn run(args: &FmtArgs) -> u8 {
    let mut failed = false;
    for file in &args.files {
        match format_file(file, args.check) {
            Outcome::Unchanged => {}
            Outcome::Changed { before, after } if args.check => {
                outln!("{}", file.display());
                if args.diff {
                    outp!("{}", unified_diff(file, &before, &after));
                }
                failed = true;
            }
            Outcome::Changed { .. } => outln!("{}: reformatted", file.display()),
            Outcome::Failed => failed = true,
        }
    }
    match failed {
        true => FAILURE,
        false => SUCCESS,
    }
}

/// Formats one file, writing it back when it changes unless `check_only`.
fn format_file(path: &Path, check_only: bool) -> Outcome {
    let name = path.display().to_string();
    let text = match read_policy_text(path) {
        Ok(text) => text,
        Err(error) => return report(&error),
    };
    let formatted = match format_policy(name.as_str(), &text) {
        Ok(formatted) => formatted,
        Err(error) => return report(&error),
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    if check_only {
        return Outcome::Changed {
            before: text,
            after: formatted,
        };
    }
    // Written beside the file and renamed over it, so a full disk leaves it as it was.
    match super::files::write_atomically(path, |out| out.write_all(formatted.as_bytes())) {
        Ok(()) => Outcome::Changed {
            before: text,
            after: formatted,
        },
        Err(e) => {
            eprintln!("{name}: cannot write: {}", e.to_string().to_lowercase());
            Outcome::Failed
        }
    }
}

/// The lines that change, as a unified diff (`--- FILE`, `+++ FILE (formatted)`).
fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(&name, &format!("{name} (formatted)"))
        .to_string()
}

/// Reports a file that cannot be formatted, with the diagnostics `escalate check` gives.
fn report(error: &PolicyError) -> Outcome {
    eprint!("{}", error.render(colour_stderr()));
    let count = error.error_count();
    let errors = if count == 1 { "error" } else { "errors" };
    eprintln!("{}: not formatted, {count} {errors}", error.source.name());
    Outcome::Failed
}

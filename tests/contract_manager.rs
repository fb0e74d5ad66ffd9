//! The contract manager's experience (issue 12): each case folder under
//! `tests/fixtures/cm/` holds a bad input and an `args` file; the snapshot is the exit code
//! and exactly what the command printed.

use std::path::Path;
use std::process::Command;

/// Splits an `args` line into words; `"..."` keeps spaces inside one word.
fn words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut in_word) = (false, false);
    for c in args.trim().chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Runs the binary with the case's `args` inside the case's folder: the exit code, standard
/// output and standard error.
fn run_case(case: &Path) -> String {
    let args = std::fs::read_to_string(case.join("args")).expect("the case has an `args` file");
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(words(&args))
        .current_dir(case)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the escalate binary runs");
    format!(
        "$ escalate {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.trim(),
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_case_prints_what_a_contract_manager_needs() {
    insta::glob!("fixtures/cm/*/args", |path| {
        let case = path.parent().expect("args is in a case folder");
        insta::assert_snapshot!(run_case(case));
    });
}

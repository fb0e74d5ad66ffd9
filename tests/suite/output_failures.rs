//! A failed write to standard output is never reported as success: every command and format
//! exits with 1 and says so once (`/dev/full` refuses every write).

use std::process::{Command, Stdio};

const CASE: &str = "tests/fixtures/conformance/01-callbacks";

/// Runs escalate with standard output going to `/dev/full`; its exit code and standard error.
fn run_into_full_disk(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(CASE)
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("escalate runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_command_and_format_fails_when_the_output_cannot_be_written() {
    let eval = [
        "eval",
        "policy.policy",
        "--data",
        "data",
        "--as-of",
        "2026-10",
    ];
    let explain = [
        "explain",
        "policy.policy",
        "--data",
        "data",
        "--as-of",
        "2026-10",
        "--subject",
        "c01",
    ];
    let runs: Vec<Vec<&str>> = vec![
        eval.to_vec(),
        [&eval[..], &["--format", "json"]].concat(),
        [&eval[..], &["--format", "csv"]].concat(),
        explain.to_vec(),
        [&explain[..], &["--format", "json"]].concat(),
        vec!["check", "policy.policy"],
        vec!["check", "policy.policy", "--format", "json"],
        vec![
            "backtest",
            "policy.policy",
            "--data",
            "data",
            "--from",
            "2026-08",
            "--to",
            "2026-10",
        ],
        vec!["test", "policy.policy"],
    ];
    for args in runs {
        let (code, stderr) = run_into_full_disk(&args);
        assert_eq!(code, 1, "{args:?} exited {code}; stderr: {stderr}");
        assert_eq!(
            stderr.matches("cannot write the output").count(),
            1,
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

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
    insta::glob!("../fixtures", "cm/*/args", |path| {
        let case = path.parent().expect("args is in a case folder");
        insta::assert_snapshot!(run_case(case));
    });
}

/// The `actions`, `undecided` and `grades` of an `eval --format json` run.
fn decisions(args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the escalate binary runs");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("eval prints one JSON document");
    serde_json::json!({
        "actions": json["actions"],
        "undecided": json["undecided"],
        "grades": json["grades"],
        "subjects_evaluated": json["subjects_evaluated"],
    })
}

#[test]
#[cfg(feature = "xlsx")]
fn a_workbook_gives_the_same_actions_as_its_csv_export() {
    let conformance = "tests/fixtures/conformance";
    let eval = |policy: &str, data: &[&str]| {
        let mut args = vec!["eval", policy, "--as-of", "2026-10", "--format", "json"];
        args.extend_from_slice(data);
        decisions(&args)
    };
    let callbacks = format!("{conformance}/01-callbacks/policy.policy");
    let from_csv = eval(
        &callbacks,
        &["--data", "tests/fixtures/conformance/01-callbacks/data"],
    );
    assert!(!from_csv["actions"].as_array().unwrap().is_empty());
    // A folder of workbooks, found as CSV files are.
    assert_eq!(
        from_csv,
        eval(&callbacks, &["--data", "tests/fixtures/xlsx/callbacks"])
    );
    // One workbook with a sheet per kind of data.
    let workbook = "tests/fixtures/xlsx/callbacks-workbook.xlsx";
    assert_eq!(
        from_csv,
        eval(
            &callbacks,
            &["--performance", workbook, "--subjects", workbook]
        )
    );
    // Dates typed as date cells.
    let concerns = format!("{conformance}/02-concerns/policy.policy");
    let from_csv = eval(
        &concerns,
        &["--data", "tests/fixtures/conformance/02-concerns/data"],
    );
    assert!(!from_csv["actions"].as_array().unwrap().is_empty());
    assert_eq!(
        from_csv,
        eval(
            &concerns,
            &["--concerns", "tests/fixtures/xlsx/concerns/concerns.xlsx"]
        )
    );
}

/// Standard output of a successful run.
fn stdout_of(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .output()
        .expect("the escalate binary runs");
    assert!(output.status.success(), "{args:?} failed");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for word in ["escalate", "eval", "backtest", "as-of", "performance"] {
            assert!(script.contains(word), "{shell} completions lack `{word}`");
        }
    }
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie"), "a roff page");
    for text in [".TH escalate 1", ".SH SYNOPSIS", "backtest", "completions"] {
        assert!(page.contains(text), "the manual page lacks `{text}`");
    }
}

#[test]
fn warnings_about_undeclared_columns_are_few_and_short() {
    let policy = escalate::Policy::from_path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cm/callbacks.policy"),
    )
    .expect("the fixture policy checks");
    let dir = std::env::temp_dir().join(format!("escalate-cm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let long_name = "x".repeat(200);
    let extra: Vec<String> = (0..30).map(|i| format!("extra_{i}")).collect();
    let header = format!(
        "subject,period,callback_in_time,callbacks,{long_name},{}",
        extra.join(",")
    );
    let row = format!("c01,2026-10,78,41,1,{}", vec!["1"; 30].join(","));
    let path = dir.join("performance.csv");
    std::fs::write(&path, format!("{header}\n{row}\n")).expect("the file is written");
    let sources = escalate::DataSources {
        performance: Some(escalate::DataInput::file(path)),
        ..Default::default()
    };
    let data = escalate::Dataset::load(&policy.program().schema, &sources).expect("the file loads");
    let _ = std::fs::remove_dir_all(&dir);
    let messages: Vec<String> = data.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(messages.len(), 20, "{messages:#?}");
    assert!(
        messages[0].contains(&format!("`{}…`", "x".repeat(80))),
        "{}",
        messages[0]
    );
    assert!(messages.iter().all(|m| m.chars().count() < 200));
}

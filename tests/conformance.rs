//! The founders' conformance cases (a verbatim copy of `shared/conformance/` in
//! `tests/fixtures/conformance/`), run against the built `escalate` binary exactly as
//! `shared/conformance/run` runs them.
//!
//! Each case folder holds `args` (the command line after the binary, run inside the case
//! folder) and either `expected.json` (an `eval` result) or `expected-diagnostics.json` (the
//! diagnostics a failing `check` or `eval` must print). Beyond what the runner checks, the full
//! JSON output of every case is a snapshot, so a change in evidence, wording or extra fields is
//! reviewed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The cases, as named in `tests/fixtures/conformance/`.
const CASES: &[&str] = &[
    "01-callbacks",
    "02-concerns",
    "03-scorecard",
    "04-check-errors",
    "05-parse-error",
    "06-data-errors",
];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

/// Splits a command line as a POSIX shell does (Python's `shlex.split`): words separated by
/// white space, with `'...'`, `"..."` and backslash escapes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => word.push(n),
                            Some('\n') => {}
                            Some(n) => {
                                word.push('\\');
                                word.push(n);
                            }
                            None => word.push('\\'),
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(n) => word.push(n),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Runs the binary with the case's `args`, inside the case folder.
fn run_case(case: &Path) -> Output {
    let args = std::fs::read_to_string(case.join("args")).expect("the case has an `args` file");
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(shell_words(&args))
        .current_dir(case)
        // A panic's message, not a page of backtrace, in the failure message.
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the escalate binary runs")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Standard output as one JSON document, or why not.
fn stdout_json(output: &Output) -> Result<Value, String> {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).map_err(|e| {
        let start: String = text.chars().take(300).collect();
        format!("stdout is not one JSON document ({e}): {start:?}")
    })
}

/// The end of standard error, for failure messages.
fn stderr_tail(output: &Output, chars: usize) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let skip = text.chars().count().saturating_sub(chars);
    text.chars().skip(skip).collect()
}

/// `value[key]`, or JSON null when it is missing (as Python's `dict.get`).
fn get<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// What the runner's `check_eval` checks; `Err` says what differs.
fn check_eval(output: &Output, expected: &Value) -> Result<(), String> {
    if output.status.code() != Some(0) {
        return Err(format!(
            "exit code {:?}, expected 0; stderr: {}",
            output.status.code(),
            stderr_tail(output, 500)
        ));
    }
    let got = stdout_json(output)?;
    for key in ["as_of", "decided_on"] {
        if get(&got, key) != get(expected, key) {
            return Err(format!(
                "{key} is {}, expected {}",
                get(&got, key),
                get(expected, key)
            ));
        }
    }
    const FIELDS: [&str; 7] = [
        "subject", "rule", "severity", "owner", "involve", "due", "replaces",
    ];
    let tuple = |action: &Value| -> Vec<Value> {
        FIELDS
            .iter()
            .map(|field| get(action, field).clone())
            .collect()
    };
    let want: Vec<Vec<Value>> = array(get(expected, "actions")).iter().map(tuple).collect();
    let have: Vec<Vec<Value>> = array(get(&got, "actions")).iter().map(tuple).collect();
    if want != have {
        let show = |t: &Vec<Value>| t.iter().map(Value::to_string).collect::<Vec<_>>().join(" ");
        let missing: Vec<String> = want
            .iter()
            .filter(|w| !have.contains(w))
            .map(show)
            .collect();
        let extra: Vec<String> = have
            .iter()
            .filter(|h| !want.contains(h))
            .map(show)
            .collect();
        let mut message = "actions differ".to_string();
        if !missing.is_empty() {
            message += &format!("; expected but not found: {}", missing.join("; "));
        }
        if !extra.is_empty() {
            message += &format!("; found but not expected: {}", extra.join("; "));
        }
        if missing.is_empty() && extra.is_empty() {
            message += " in order (subject, then the rule's position in the file)";
        }
        return Err(message);
    }
    let undecided = |value: &Value| -> BTreeMap<(String, String), Vec<Value>> {
        array(get(value, "undecided"))
            .iter()
            .map(|u| {
                let key = (get(u, "subject").to_string(), get(u, "rule").to_string());
                (key, array(get(u, "missing")).to_vec())
            })
            .collect()
    };
    let want_u = undecided(expected);
    let have_u = undecided(&got);
    if want_u.keys().ne(have_u.keys()) {
        return Err(format!(
            "undecided differ: expected {:?}, found {:?}",
            want_u.keys().collect::<Vec<_>>(),
            have_u.keys().collect::<Vec<_>>()
        ));
    }
    let names = |missing: &[Value]| -> BTreeSet<(String, String)> {
        missing
            .iter()
            .map(|m| (get(m, "metric").to_string(), get(m, "period").to_string()))
            .collect()
    };
    for (key, missing) in &want_u {
        if missing.is_empty() {
            continue;
        }
        let wanted = names(missing);
        let found = names(&have_u[key]);
        if wanted.is_disjoint(&found) {
            return Err(format!(
                "undecided {key:?} names no missing value from {wanted:?}"
            ));
        }
    }
    Ok(())
}

/// Whether a printed diagnostic matches an expected one (the runner's `matches`).
fn matches(diagnostic: &Value, expected: &Value) -> bool {
    if get(diagnostic, "severity") != get(expected, "severity") {
        return false;
    }
    if !array(get(expected, "lines")).contains(get(diagnostic, "line")) {
        return false;
    }
    if let Some(columns) = expected.get("columns") {
        if !array(columns).contains(get(diagnostic, "column")) {
            return false;
        }
    }
    if let Some(file) = expected.get("file").and_then(Value::as_str) {
        let printed = get(diagnostic, "file").as_str().unwrap_or_default();
        if !printed.ends_with(file) {
            return false;
        }
    }
    let contains_all = |text: &Value, wanted: &Value| {
        let text = text.as_str().unwrap_or_default().to_lowercase();
        array(wanted)
            .iter()
            .all(|w| text.contains(&w.as_str().unwrap_or_default().to_lowercase()))
    };
    contains_all(get(diagnostic, "message"), get(expected, "contains"))
        && contains_all(get(diagnostic, "help"), get(expected, "help_contains"))
}

/// What the runner's `check_diags` checks; `Err` says what differs.
fn check_diagnostics(output: &Output, expected: &Value) -> Result<(), String> {
    let exit_code = get(expected, "exit_code").as_i64();
    if output.status.code().map(i64::from) != exit_code {
        return Err(format!(
            "exit code {:?}, expected {exit_code:?}; stderr: {}",
            output.status.code(),
            stderr_tail(output, 300)
        ));
    }
    let got = stdout_json(output)?;
    let printed = array(get(&got, "diagnostics"));
    let wanted = array(get(expected, "diagnostics"));
    for e in wanted {
        if !printed.iter().any(|d| matches(d, e)) {
            return Err(format!(
                "no diagnostic matches {e}; got {}",
                serde_json::to_string_pretty(printed).expect("JSON")
            ));
        }
    }
    for d in printed {
        let is_error = get(d, "severity") == "error";
        if is_error && !wanted.iter().any(|e| matches(d, e)) {
            return Err(format!("unexpected error {d}"));
        }
    }
    Ok(())
}

/// Runs one case as the runner does, then snapshots its full JSON output.
fn conformance(name: &str) {
    let case = cases_dir().join(name);
    assert!(
        case.join("args").is_file(),
        "{} has no `args` file",
        case.display()
    );
    let output = run_case(&case);
    let eval = case.join("expected.json");
    let verdict = match eval.exists() {
        true => check_eval(&output, &read_json(&eval)),
        false => check_diagnostics(&output, &read_json(&case.join("expected-diagnostics.json"))),
    };
    if let Err(why) = verdict {
        panic!("FAIL {name}: {why}");
    }
    let json = stdout_json(&output).expect("checked above");
    let mut settings = insta::Settings::clone_current();
    settings.set_description(format!(
        "escalate {} (in tests/fixtures/conformance/{name})",
        std::fs::read_to_string(case.join("args"))
            .expect("args")
            .trim()
    ));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_json_snapshot!(name, json));
}

#[test]
fn callbacks() {
    conformance("01-callbacks");
}

#[test]
fn concerns() {
    conformance("02-concerns");
}

#[test]
fn scorecard() {
    conformance("03-scorecard");
}

#[test]
fn check_errors() {
    conformance("04-check-errors");
}

#[test]
fn parse_error() {
    conformance("05-parse-error");
}

#[test]
fn data_errors() {
    conformance("06-data-errors");
}

/// A case copied into the folder without a test of its own would be silently skipped.
#[test]
fn every_case_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("tests/fixtures/conformance exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.join("args").is_file())
        .map(|path| {
            path.file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    assert_eq!(
        found, CASES,
        "add a #[test] for each case folder (and to CASES)"
    );
}

#[test]
fn shell_words_splits_as_python_shlex() {
    assert_eq!(
        shell_words("eval policy.policy --data data --as-of 2026-10 --format json\n"),
        [
            "eval",
            "policy.policy",
            "--data",
            "data",
            "--as-of",
            "2026-10",
            "--format",
            "json"
        ]
    );
    assert_eq!(
        shell_words(r#"check "my policy.policy" 'a b' c\ d "x\"y""#),
        ["check", "my policy.policy", "a b", "c d", "x\"y"]
    );
    assert_eq!(shell_words("  "), Vec::<String>::new());
    assert_eq!(shell_words("''"), [""]);
}

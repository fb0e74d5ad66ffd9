//! The founders' conformance cases (a verbatim copy of `shared/conformance/` in
//! `tests/fixtures/conformance/`, and of `shared/conformance/v1/` in
//! `tests/fixtures/conformance/v1/`), run against the built `escalate` binary exactly as
//! `shared/conformance/run` runs them, with its version 1 rules: an action's and an undecided
//! entry's `case` is compared, undecided entries are keyed by (subject, rule, case), missing
//! events are matched on (kind, case, none recorded), and deadline evidence on deadline, due
//! date, status and days overdue.
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

/// The version 1 cases, as named in `tests/fixtures/conformance/v1/`.
const V1_CASES: &[&str] = &[
    "11-deadline-christmas",
    "12-concern-response",
    "13-review-cadence",
    "14-absent-reference",
    "15-events-with-metrics",
    "16-check-errors-v1",
    "17-data-errors-v1",
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
    const FIELDS: [&str; 8] = [
        "subject", "rule", "case", "severity", "owner", "involve", "due", "replaces",
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
    check_undecided(expected, &got)?;
    check_deadline_evidence(expected, &got)
}

/// An undecided entry's key: subject, rule and, for a case-scoped rule, case (the runner's
/// `ukey`; an absent case is JSON null).
type UndecidedKey = (String, String, String);

fn undecided(value: &Value) -> BTreeMap<UndecidedKey, Vec<Value>> {
    array(get(value, "undecided"))
        .iter()
        .map(|u| {
            let key = (
                get(u, "subject").to_string(),
                get(u, "rule").to_string(),
                get(u, "case").to_string(),
            );
            (key, array(get(u, "missing")).to_vec())
        })
        .collect()
}

/// The same undecided entries, each naming at least one of the missing metric values and at
/// least one of the missing events the expected entry lists.
fn check_undecided(expected: &Value, got: &Value) -> Result<(), String> {
    let want_u = undecided(expected);
    let have_u = undecided(got);
    if want_u.keys().ne(have_u.keys()) {
        return Err(format!(
            "undecided differ: expected {:?}, found {:?}",
            want_u.keys().collect::<Vec<_>>(),
            have_u.keys().collect::<Vec<_>>()
        ));
    }
    let is_event = |m: &&Value| m.get("event_kind").is_some();
    let metric = |m: &Value| vec![get(m, "metric").to_string(), get(m, "period").to_string()];
    let event = |m: &Value| {
        ["event_kind", "case", "none_recorded"]
            .iter()
            .map(|k| get(m, k).to_string())
            .collect::<Vec<_>>()
    };
    for (key, missing) in &want_u {
        let (events, metrics): (Vec<&Value>, Vec<&Value>) = missing.iter().partition(is_event);
        let have = &have_u[key];
        if !metrics.is_empty() {
            let wanted: BTreeSet<_> = metrics.iter().map(|m| metric(m)).collect();
            let found: BTreeSet<_> = have.iter().map(metric).collect();
            if wanted.is_disjoint(&found) {
                return Err(format!(
                    "undecided {key:?} names no missing value from {wanted:?}"
                ));
            }
        }
        if !events.is_empty() {
            let wanted: BTreeSet<_> = events.iter().map(|m| event(m)).collect();
            let found: BTreeSet<_> = have.iter().filter(is_event).map(event).collect();
            if wanted.is_disjoint(&found) {
                return Err(format!(
                    "undecided {key:?} names no missing event from {wanted:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The deadline entries of an action's evidence, as the runner compares them.
fn deadline_entries(action: &Value) -> Vec<Vec<String>> {
    array(get(action, "evidence"))
        .iter()
        .filter(|e| e.get("deadline").is_some())
        .map(|e| {
            ["deadline", "due", "status", "days_overdue"]
                .iter()
                .map(|k| get(e, k).to_string())
                .collect()
        })
        .collect()
}

/// Where an expected action lists deadline evidence, the action found has the same deadline
/// entries, in order, on `deadline`, `due`, `status` and `days_overdue`.
fn check_deadline_evidence(expected: &Value, got: &Value) -> Result<(), String> {
    let found = array(get(got, "actions"));
    for (i, action) in array(get(expected, "actions")).iter().enumerate() {
        let wanted = deadline_entries(action);
        if wanted.is_empty() {
            continue;
        }
        let have = found.get(i).map(deadline_entries).unwrap_or_default();
        if wanted != have {
            return Err(format!(
                "action {} {} {}: deadline evidence {wanted:?} expected, found {have:?}",
                get(action, "subject"),
                get(action, "rule"),
                get(action, "case")
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

/// Runs one case (its folder under `tests/fixtures/conformance/`) as the runner does, then
/// snapshots its full JSON output under the folder's name.
fn conformance(folder: &str) {
    let case = cases_dir().join(folder);
    let name = folder.rsplit('/').next().expect("a folder name");
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
        "escalate {} (in tests/fixtures/conformance/{folder})",
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

#[test]
fn deadline_christmas() {
    conformance("v1/11-deadline-christmas");
}

#[test]
fn concern_response() {
    conformance("v1/12-concern-response");
}

#[test]
fn review_cadence() {
    conformance("v1/13-review-cadence");
}

#[test]
fn absent_reference() {
    conformance("v1/14-absent-reference");
}

#[test]
fn events_with_metrics() {
    conformance("v1/15-events-with-metrics");
}

#[test]
fn check_errors_v1() {
    conformance("v1/16-check-errors-v1");
}

#[test]
fn data_errors_v1() {
    conformance("v1/17-data-errors-v1");
}

/// The case folders found in `dir`, sorted.
fn case_folders(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
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
    found
}

/// A case copied into the folder without a test of its own would be silently skipped.
#[test]
fn every_case_has_a_test() {
    assert_eq!(
        case_folders(&cases_dir()),
        CASES,
        "add a #[test] for each case folder (and to CASES)"
    );
    assert_eq!(
        case_folders(&cases_dir().join("v1")),
        V1_CASES,
        "add a #[test] for each v1 case folder (and to V1_CASES)"
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

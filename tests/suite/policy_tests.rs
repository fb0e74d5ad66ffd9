//! `escalate test`: reports of failing tests and of coverage, through the real command, and
//! the bundled policies' own tests at full coverage.

use std::process::Command;

fn escalate(args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (text, output.status.code().unwrap_or(-1))
}

#[test]
fn failing_tests_show_the_expectation_and_what_happened() {
    let (text, code) = escalate(&["test", "tests/fixtures/policy_tests/failing.policy"]);
    assert_eq!(code, 1);
    assert!(text.ends_with("1 passed, 3 failed\n"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn failing_tests_as_json() {
    let (text, code) = escalate(&[
        "test",
        "--format",
        "json",
        "tests/fixtures/policy_tests/failing.policy",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(json["failed"], 3);
    insta::assert_json_snapshot!(json);
}

#[test]
fn coverage_lists_what_no_test_exercises() {
    let (text, code) = escalate(&[
        "test",
        "--coverage",
        "tests/fixtures/policy_tests/uncovered.policy",
    ]);
    assert_eq!(code, 0, "tests pass, and no minimum was asked for");
    insta::assert_snapshot!(text);
}

#[test]
fn minimum_coverage_fails_below_it() {
    let (text, code) = escalate(&[
        "test",
        "--min-coverage",
        "90",
        "tests/fixtures/policy_tests/uncovered.policy",
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("below the minimum of 90%"), "{text}");
    let (_, code) = escalate(&[
        "test",
        "--min-coverage",
        "50",
        "tests/fixtures/policy_tests/uncovered.policy",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn bundled_policies_pass_their_tests_at_full_coverage() {
    let policies: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
        .unwrap()
        .map(|e| format!("policies/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".policy"))
        .collect();
    let mut args = vec!["test", "--min-coverage", "100"];
    args.extend(policies.iter().map(String::as_str));
    let (text, code) = escalate(&args);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

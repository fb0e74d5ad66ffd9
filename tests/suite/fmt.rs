//! `escalate fmt` and `escalate::format_policy`: the canonical layout, by example and on the
//! formatted fixtures (`tests/fixtures/fmt/`), and the command's files. The fixtures' layouts
//! are snapshots (`INSTA_UPDATE=always cargo test --test suite -- fmt::` writes new ones; read
//! every changed one before committing it). That formatting is idempotent and keeps the
//! syntax tree and every comment is checked on the tree itself, in `src/fmt/tests.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use escalate::format_policy;

// ------------------------------------------------------------------------------ helpers

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn format(source: &str) -> String {
    format_policy("p.policy", source)
        .unwrap_or_else(|e| panic!("does not format:\n{}\n{source}", e.render(false)))
}

// ------------------------------------------------------------------ the formatted fixtures

#[test]
fn formatted_fixtures() {
    insta::glob!("../fixtures", "fmt/{conformance,odd}/*.policy", |path| {
        let text = std::fs::read_to_string(path).expect("a readable fixture");
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format(&text)));
    });
}

#[test]
fn a_policy_that_does_not_parse_is_an_error() {
    let path = manifest_dir().join("tests/fixtures/fmt/unparsable/05-parse-error.policy");
    let text = std::fs::read_to_string(path).expect("the fixture is readable");
    let error = format_policy("05-parse-error.policy", &text).expect_err("it does not parse");
    assert!(error.error_count() > 0);
    assert!(error
        .records()
        .iter()
        .all(|r| r.code.starts_with("parse::")));
}

// ---------------------------------------------------------------- the layout, by example

/// The language reference's examples (§1 but for the metric columns, §6 and §8) are already
/// in the canonical layout.
#[test]
fn the_references_examples_are_already_formatted() {
    let grades = r#"policy "Grades"

grade concern_level "Grading of performance concerns" {
  performance_case when count(concerns in last 12 months) >= 3
                    and any(concerns in last 12 months where patient_safety)
  pattern          when count(concerns in last 12 months) >= 2
  isolated         when count(concerns in last 12 months) >= 1
  none             otherwise
}

grade risk "NPSA risk rating" for each concern {
  extreme  when consequence * likelihood >= 15
  high     when consequence * likelihood >= 8
  moderate when consequence * likelihood >= 4
  low      otherwise
}
"#;
    let test = r#"policy "Tests"

test "second month below 80% needs a root-cause review" {
  as of 2026-10
  given c1 callback_in_time 2026-09 = 78%, 2026-10 = 76%
  given c1 callbacks 2026-09 = 40, 2026-10 = 41
  given c1 staff_group = gp
  given concern k1 about c2 on 2026-03-02 with patient_safety = yes
  expect c1 second_month due 2026-11-13
  expect c1 not first_month
  expect c2 concern_level = isolated
  expect c3 nothing
}
"#;
    assert_eq!(format(grades), grades);
    assert_eq!(format(test), test);
    let conformance = manifest_dir().join("tests/fixtures/fmt/conformance/02-concerns.policy");
    let concerns = std::fs::read_to_string(conformance).expect("the fixture is readable");
    assert_eq!(format(&concerns), concerns);
}

#[test]
fn metric_kinds_align() {
    let source = concat!(
        "policy \"P\"\n",
        "metric callback_in_time \"Call-backs within the agreed timescale\" ",
        "percent, higher is better\n",
        "metric callbacks \"Call-backs made\" count\n",
    );
    let expected = r#"policy "P"

metric callback_in_time "Call-backs within the agreed timescale" percent, higher is better
metric callbacks        "Call-backs made"                        count
"#;
    assert_eq!(format(source), expected);
}

#[test]
fn comments_stay_where_they_were_written() {
    let source = r#"# header
policy "P" # after the name
rule r "R" {
  # before when
  when a > 1 # after when

  # before severity, after a blank line
  severity low
  # last in the block
} # after the block
# last in the file
"#;
    let expected = r#"# header
policy "P" # after the name

rule r "R" {
  # before when
  when a > 1 # after when

  # before severity, after a blank line
  severity low
  # last in the block
} # after the block
# last in the file
"#;
    assert_eq!(format(source), expected);
}

#[test]
fn crlf_line_ends_and_a_byte_order_mark_are_dropped() {
    let source = "\u{feff}# c\r\npolicy \"P\"\r\n\r\n\r\nversion \"1\" # v\r\n";
    assert_eq!(format(source), "# c\npolicy \"P\"\n\nversion \"1\" # v\n");
}

#[test]
fn singular_units_after_one() {
    let source = "policy \"P\"\nrule r \"R\" {\n\
        \x20 when a for 1 months and average(m over last 1 months) > 1\n\
        \x20 due 1 working days\n}\n";
    let formatted = format(source);
    assert!(formatted.contains("when a for 1 month and average(m over last 1 month) > 1"));
    assert!(formatted.contains("due 1 working day\n"));
}

// ------------------------------------------------------------------------------ the CLI

/// A fresh folder for one CLI test, holding copies of the given fixtures.
fn scratch(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fmt")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("a scratch file");
    }
    dir
}

fn escalate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("escalate runs");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const TIDY: &str = "policy \"Tidy\"\n\nrole lead \"Lead\"\n";
const UNTIDY: &str = "policy \"Untidy\"   role lead \"Lead\"\n";

#[test]
fn check_lists_the_files_that_would_change_and_changes_nothing() {
    let dir = scratch("check", &[("tidy.policy", TIDY), ("untidy.policy", UNTIDY)]);
    let (code, stdout, _) = escalate(&dir, &["fmt", "--check", "tidy.policy", "untidy.policy"]);
    assert_eq!((code, stdout.as_str()), (1, "untidy.policy\n"));
    let untouched = std::fs::read_to_string(dir.join("untidy.policy")).expect("still there");
    assert_eq!(untouched, UNTIDY);
    let (code, stdout, _) = escalate(&dir, &["fmt", "--check", "tidy.policy"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn without_check_files_are_rewritten_in_place() {
    let dir = scratch("write", &[("tidy.policy", TIDY), ("untidy.policy", UNTIDY)]);
    let (code, stdout, _) = escalate(&dir, &["fmt", "tidy.policy", "untidy.policy"]);
    assert_eq!((code, stdout.as_str()), (0, "untidy.policy: reformatted\n"));
    let rewritten = std::fs::read_to_string(dir.join("untidy.policy")).expect("still there");
    assert_eq!(rewritten, format(UNTIDY));
    let (code, stdout, _) = escalate(&dir, &["fmt", "--check", "untidy.policy"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn a_file_that_does_not_parse_gets_the_diagnostics_of_check() {
    let path = manifest_dir().join("tests/fixtures/fmt/unparsable/05-parse-error.policy");
    let broken = std::fs::read_to_string(path).expect("the fixture is readable");
    let dir = scratch(
        "broken",
        &[("broken.policy", &broken), ("untidy.policy", UNTIDY)],
    );
    let (_, _, from_check) = escalate(&dir, &["check", "broken.policy"]);
    let (code, stdout, stderr) = escalate(&dir, &["fmt", "broken.policy", "untidy.policy"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&from_check),
        "fmt:\n{stderr}\ncheck:\n{from_check}"
    );
    assert!(stderr.contains("broken.policy: not formatted, 1 error"));
    assert_eq!(
        stdout, "untidy.policy: reformatted\n",
        "the other files are formatted"
    );
    let left = std::fs::read_to_string(dir.join("broken.policy")).expect("still there");
    assert_eq!(left, broken);
}

#[test]
fn a_missing_file_is_reported() {
    let dir = scratch("missing", &[]);
    let (code, _, stderr) = escalate(&dir, &["fmt", "missing.policy"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read `missing.policy`"), "{stderr}");
}

//! One test per hostile input of issue 11: each asserts the exit code, that no input changed,
//! and the message (a snapshot of what escalate prints on standard error, no colour).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const POLICY: &str = "policy \"Hostile\"\nrole r \"R\"\nmetric m \"M\" percent\n\
rule a \"A\" {\n  when m < 80%\n  severity low\n  require \"x\"\n  owner r\n  due 5 working days\n}\n";

/// A fresh folder holding `files` (name, bytes).
fn folder(files: &[(&str, &[u8])]) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "hostile-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

/// Runs escalate in `dir`: exit code and standard error. Checks that no file in `dir` changed.
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let before = contents(dir);
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("escalate runs");
    assert_eq!(contents(dir), before, "an input changed");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn contents(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).ok();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

fn eval(dir: &Path, performance: &str) -> (i32, String) {
    run(
        dir,
        &[
            "eval",
            "p.policy",
            "--performance",
            performance,
            "--as-of",
            "2026-10",
        ],
    )
}

#[test]
fn nested_temporal_suffixes_are_refused_by_check() {
    let rule = "((m < 80%) in 1 of the last 600 months) in 1 of the last 600 months";
    let policy = POLICY.replace("m < 80%", &format!("{rule} in 1 of the last 600 months"));
    let dir = folder(&[("p.policy", policy.as_bytes())]);
    let (code, message) = run(&dir, &["check", "p.policy"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

#[test]
fn a_fifty_megabyte_cell_is_refused_without_being_read_whole() {
    let mut csv = b"subject,period,m\ns1,2026-01,".to_vec();
    csv.resize(csv.len() + 50 * 1024 * 1024, b'9');
    csv.push(b'\n');
    let dir = folder(&[("p.policy", POLICY.as_bytes()), ("big.csv", &csv)]);
    let (code, message) = eval(&dir, "big.csv");
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

#[test]
fn a_long_bad_cell_is_quoted_short() {
    let csv = format!("subject,period,m\ns1,2026-01,{}x\n", "9".repeat(300_000));
    let dir = folder(&[
        ("p.policy", POLICY.as_bytes()),
        ("long.csv", csv.as_bytes()),
    ]);
    let (code, message) = run(
        &dir,
        &[
            "eval",
            "p.policy",
            "--performance",
            "long.csv",
            "--as-of",
            "2026-10",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args([
            "eval",
            "p.policy",
            "--performance",
            "long.csv",
            "--as-of",
            "2026-10",
            "--format",
            "json",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = json["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.is_empty(), "{message}");
    insta::assert_snapshot!(text);
}

#[test]
fn control_characters_in_ids_are_refused_with_line_and_column() {
    let csv = b"subject,period,m\n\"s\n1\",2026-01,70\n\"a\0b\",2026-02,75\nok,2026-03,70\n";
    let dir = folder(&[("p.policy", POLICY.as_bytes()), ("ids.csv", csv)]);
    let (code, message) = eval(&dir, "ids.csv");
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

#[test]
fn an_exponent_is_named_in_policies_and_data_alike() {
    let huge = POLICY.replace("m < 80%", "m < 1e400");
    let small = POLICY
        .replace("metric m \"M\" percent", "metric m \"M\" number")
        .replace("m < 80%", "m < 1e2");
    let dir = folder(&[
        ("huge.policy", huge.as_bytes()),
        ("small.policy", small.as_bytes()),
        ("p.policy", POLICY.as_bytes()),
        ("e.csv", b"subject,period,m\ns1,2026-01,1e2\n"),
    ]);
    let (code, huge) = run(&dir, &["check", "huge.policy"]);
    assert_eq!(code, 1);
    let (code, small) = run(&dir, &["check", "small.policy"]);
    assert_eq!(code, 1);
    let (code, data) = eval(&dir, "e.csv");
    assert_eq!(code, 1);
    insta::assert_snapshot!(format!("{huge}\n{small}\n{data}"));
}

#[test]
fn cr_only_and_utf16_files_are_named_for_what_they_are() {
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "subject,period,m\ns1,2026-01,70\n"
                .bytes()
                .flat_map(|b| [b, 0]),
        )
        .collect();
    let dir = folder(&[
        ("p.policy", POLICY.as_bytes()),
        ("cr.csv", b"subject,period,m\rs1,2026-01,70\r"),
        ("utf16.csv", &utf16),
    ]);
    let (code, cr) = eval(&dir, "cr.csv");
    assert_eq!(code, 1);
    let (code, wide) = eval(&dir, "utf16.csv");
    assert_eq!(code, 1);
    insta::assert_snapshot!(format!("{cr}\n{wide}"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_data_file_is_read_and_a_broken_link_is_named() {
    let dir = folder(&[
        ("p.policy", POLICY.as_bytes()),
        ("real.csv", b"subject,period,m\ns1,2026-10,70\n"),
    ]);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::os::unix::fs::symlink("../real.csv", dir.join("data/performance.csv")).unwrap();
    let (code, message) = run(
        &dir,
        &["eval", "p.policy", "--data", "data", "--as-of", "2026-10"],
    );
    assert_eq!(code, 0, "{message}");
    std::fs::remove_file(dir.join("real.csv")).unwrap();
    let (code, message) = run(
        &dir,
        &["eval", "p.policy", "--data", "data", "--as-of", "2026-10"],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

#[test]
fn a_long_and_chain_names_the_limit_and_quotes_a_short_excerpt() {
    let chain = vec!["m < 80%"; 101].join(" and ");
    let policy = POLICY.replace("m < 80%", &chain);
    let dir = folder(&[("p.policy", policy.as_bytes())]);
    let (code, message) = run(&dir, &["check", "p.policy", "--format", "json"]);
    assert_eq!(code, 1);
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["check", "p.policy", "--format", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let record = &json["diagnostics"][0];
    assert_eq!(record["code"], "parse::too_long");
    assert!(message.is_empty(), "{message}");
    insta::assert_snapshot!(format!("{}\nhelp: {}", record["message"], record["help"]));
}

#[test]
fn a_policy_file_over_the_limit_is_refused_before_it_is_read() {
    let mut big = POLICY.as_bytes().to_vec();
    // The README's limit for a policy file: 8 MiB.
    big.resize(8 * 1024 * 1024 + 1, b'#');
    let dir = folder(&[("big.policy", &big)]);
    let (code, message) = run(&dir, &["check", "big.policy"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

#[test]
fn actual_rows_with_control_characters_or_long_values_are_refused_short() {
    let case = Path::new("tests/fixtures/conformance/01-callbacks");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = std::fs::read(root.join(case).join("policy.policy")).unwrap();
    let performance = std::fs::read(root.join(case).join("data/performance.csv")).unwrap();
    let actual = format!(
        "subject,period,rule\n\"c0\n1\",2026-09,first_month\nc01,2026-09,{}\n",
        "x".repeat(500)
    );
    let dir = folder(&[
        ("policy.policy", &policy),
        ("performance.csv", &performance),
        ("actual.csv", actual.as_bytes()),
    ]);
    let (code, message) = run(
        &dir,
        &[
            "backtest",
            "policy.policy",
            "--performance",
            "performance.csv",
            "--from",
            "2026-08",
            "--to",
            "2026-10",
            "--actual",
            "actual.csv",
        ],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

/// `eval --format json` in `dir`: exit code, standard output as JSON, standard error.
fn eval_json(dir: &Path, performance: &str, as_of: &str) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["eval", "p.policy", "--performance", performance])
        .args(["--as-of", as_of, "--format", "json"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("escalate runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), json, stderr)
}

#[test]
fn months_thousands_of_years_apart_are_read_and_evaluated() {
    // Every subject has a figure in 0001-01 and in 9999-12: a store with a column for every
    // month between would hold 120,000 months for each subject. (The store's own tests check
    // it holds two columns here.)
    let mut csv = String::from("subject,period,m\n");
    for subject in 0..20_000 {
        csv.push_str(&format!("s{subject},0001-01,70\ns{subject},9999-12,90\n"));
    }
    let dir = folder(&[("p.policy", POLICY.as_bytes()), ("far.csv", csv.as_bytes())]);
    let (code, json, stderr) = eval_json(&dir, "far.csv", "9999-12");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["subjects_evaluated"], 20_000);
    assert_eq!(json["actions"].as_array().map(Vec::len), Some(0));
    let (code, json, _) = eval_json(&dir, "far.csv", "0001-01");
    assert_eq!(code, 0);
    assert_eq!(json["actions"].as_array().map(Vec::len), Some(20_000));
}

#[test]
fn a_million_subjects_of_one_row_each_are_read() {
    let mut csv = String::with_capacity(24 * 1_000_000);
    csv.push_str("subject,period,m\n");
    for subject in 0..1_000_000 {
        csv.push_str(&format!("s{subject:07},2026-10,90\n"));
    }
    let dir = folder(&[
        ("p.policy", POLICY.as_bytes()),
        ("many.csv", csv.as_bytes()),
    ]);
    let (code, json, stderr) = eval_json(&dir, "many.csv", "2026-10");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["subjects_evaluated"], 1_000_000);
    assert_eq!(json["actions"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_hundred_megabyte_quoted_cell_over_many_lines_is_refused_early() {
    // A quote never closed: everything after it, line ends included, is one cell.
    let mut csv = b"subject,period,m\ns1,2026-01,70\ns2,2026-01,\"7".to_vec();
    csv.extend(std::iter::repeat_n(*b"0\n", 50 * 1024 * 1024).flatten());
    let dir = folder(&[("p.policy", POLICY.as_bytes()), ("open.csv", &csv)]);
    let (code, message) = eval(&dir, "open.csv");
    assert_eq!(code, 1);
    insta::assert_snapshot!(message);
}

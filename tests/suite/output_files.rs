//! Files escalate writes: never over one of the run's inputs, over an existing file only with
//! `--force`, and always through a temporary file renamed into place, so that a write that
//! fails part-way (here: a file-size limit, as a full disk would) leaves the old file whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const CASE: &str = "tests/fixtures/conformance/01-callbacks";

/// A fresh copy of conformance case 01 (`policy.policy`, `data/`) in a folder of its own.
fn case_copy() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "output-files-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        Path::new(CASE).join("policy.policy"),
        dir.join("policy.policy"),
    )
    .unwrap();
    for entry in std::fs::read_dir(Path::new(CASE).join("data")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("data").join(entry.file_name())).unwrap();
    }
    dir
}

/// Every file under `dir` with its bytes, to show nothing changed.
fn snapshot_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => folders.push(path),
                false => files.push((path.clone(), std::fs::read(&path).unwrap())),
            }
        }
    }
    files.sort();
    files
}

fn escalate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("escalate runs")
}

/// Runs escalate through `sh` with the file-size limit at `blocks` and the signal for passing
/// it ignored, so that a write past the limit fails as a write to a full disk does.
fn escalate_with_file_limit(dir: &Path, blocks: u32, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const BACKTEST: [&str; 8] = [
    "backtest",
    "policy.policy",
    "--data",
    "data",
    "--from",
    "2026-08",
    "--to",
    "2026-10",
];

fn backtest_to(out: &str, extra: &[&str]) -> Vec<String> {
    BACKTEST
        .iter()
        .chain(["--out", out].iter())
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

fn refused(out: &str, extra: &[&str]) -> String {
    let dir = case_copy();
    let before = snapshot_of(&dir);
    let args = backtest_to(out, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = escalate(&dir, &args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(snapshot_of(&dir), before, "a file changed");
    stderr(&output)
}

#[test]
fn out_over_the_policy_is_refused_even_with_force() {
    insta::assert_snapshot!(refused("policy.policy", &["--force"]));
}

#[test]
fn out_over_the_data_is_refused_however_it_is_spelt() {
    insta::assert_snapshot!(refused("data/performance.csv", &[]));
    let other_spelling = refused("./data/../data/performance.csv", &["--force"]);
    assert!(
        other_spelling.contains("is the same file as the input"),
        "{other_spelling}"
    );
}

#[test]
fn out_over_an_existing_file_needs_force() {
    let dir = case_copy();
    std::fs::write(dir.join("report.txt"), "an earlier report\n").unwrap();
    let before = snapshot_of(&dir);
    let output = escalate(
        &dir,
        &BACKTEST
            .iter()
            .copied()
            .chain(["--out", "report.txt"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(snapshot_of(&dir), before);
    insta::assert_snapshot!(stderr(&output));

    let forced = escalate(
        &dir,
        &BACKTEST
            .iter()
            .copied()
            .chain(["--out", "report.txt", "--force"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let shown = escalate(&dir, &BACKTEST);
    assert_eq!(std::fs::read(dir.join("report.txt")).unwrap(), shown.stdout);
}

#[test]
fn a_new_out_file_is_written_whole() {
    let dir = case_copy();
    let args = backtest_to("new.json", &["--format", "json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = escalate(&dir, &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::read_to_string(dir.join("new.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&written).expect("whole JSON");
    assert!(json["months"].is_array());
}

#[test]
fn a_full_disk_leaves_the_old_out_file_as_it_was() {
    for format in ["json", "human", "csv", "html"] {
        let dir = case_copy();
        std::fs::write(dir.join("report"), "an earlier report\n").unwrap();
        let before = snapshot_of(&dir);
        let args = backtest_to("report", &["--force", "--format", format]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = escalate_with_file_limit(&dir, 1, &args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
        // The old file is whole, and no temporary file is left behind.
        assert_eq!(snapshot_of(&dir), before, "{format}");
        let message = stderr(&output);
        assert!(
            message.contains("error: cannot write `report`: file too large")
                && message.contains("the file is as it was"),
            "{format}: {message}"
        );
    }
}

#[test]
fn fmt_on_a_full_disk_leaves_the_policy_as_it_was() {
    let dir = case_copy();
    let messy = "policy   \"P\"\nrole r \"R\"\nmetric m \"M\"   count\nrule a \"A\" {\n  when m > 1\n  severity low\n  require \"x\"\n  owner r\n  due 5 working days\n}\n";
    std::fs::write(dir.join("messy.policy"), messy).unwrap();
    let before = snapshot_of(&dir);
    let output = escalate_with_file_limit(&dir, 0, &["fmt", "messy.policy"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(snapshot_of(&dir), before);
    assert!(stderr(&output).contains("messy.policy: cannot write: file too large"));

    let output = escalate(&dir, &["fmt", "messy.policy"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::read_to_string(dir.join("messy.policy"))
        .unwrap()
        .starts_with("policy \"P\"\n"));
}

#[test]
fn a_backtest_of_ten_thousand_years_is_refused() {
    let dir = case_copy();
    let output = escalate(
        &dir,
        &[
            "backtest",
            "policy.policy",
            "--data",
            "data",
            "--from",
            "0001-01",
            "--to",
            "9999-12",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    insta::assert_snapshot!(stderr(&output));
}

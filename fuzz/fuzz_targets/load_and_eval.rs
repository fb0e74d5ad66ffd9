//! Feeds a policy and a small dataset together to the whole pipeline: `Policy::parse`, then
//! `Dataset::load` on the data files written to a private folder, then evaluation, explanation
//! and a short backtest. Any panic, stack overflow, timeout or out-of-memory is a bug.
//!
//! An input is the policy text and up to four data files, separated by lines holding only
//! `%%`: `POLICY %% performance.csv %% concerns.csv %% subjects.csv %% events.csv` (a file left
//! empty is not given). Data files are bytes, not necessarily UTF-8, as files on disk are.
//! Run with `cargo +nightly fuzz run load_and_eval` (see docs/fuzzing.md).

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use escalate::{DataInput, DataSources, Dataset, EvalOptions, Month, Policy};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = [
    "performance.csv",
    "concerns.csv",
    "subjects.csv",
    "events.csv",
];

/// A folder of this process's own, emptied of nothing: each input overwrites the files.
fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("escalate-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        dir
    })
}

/// Splits the input at lines holding only `%%`.
fn sections(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(found) = data[at..].windows(4).position(|w| w == b"\n%%\n") {
        let end = at + found;
        parts.push(&data[start..end]);
        start = end + 4;
        at = start;
    }
    parts.push(&data[start..]);
    parts
}

fuzz_target!(|data: &[u8]| {
    let parts = sections(data);
    let Ok(text) = std::str::from_utf8(parts[0]) else {
        return;
    };
    let Ok(policy) = Policy::parse("fuzz.policy", text) else {
        return;
    };
    let dir = folder();
    let mut paths: [Option<DataInput>; 4] = Default::default();
    for (i, name) in FILES.iter().enumerate() {
        let path = dir.join(name);
        match parts.get(i + 1).filter(|p| !p.is_empty()) {
            Some(bytes) => {
                std::fs::write(&path, bytes).expect("the temporary folder is writable");
                paths[i] = Some(DataInput::file(path));
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let [performance, concerns, subjects, events] = paths;
    let sources = DataSources {
        performance,
        concerns,
        subjects,
        events,
    };
    let data = match Dataset::load(&policy.program().schema, &sources) {
        Ok(data) => data,
        Err(errors) => {
            for error in errors.iter() {
                let record = error.record();
                assert!(!record.code.is_empty() && !record.message.is_empty());
                // Messages quote at most a short excerpt of any cell.
                assert!(record.message.len() < 2_000, "{}", record.message);
                let _ = escalate::render_diagnostic(error, false);
            }
            return;
        }
    };
    let as_of: Month = data
        .months()
        .map_or_else(|| "2026-10".parse().expect("a month"), |(_, last)| last);
    let evaluation = policy.evaluate(&data, as_of, &EvalOptions::default());
    serde_json::to_string(&evaluation).expect("an evaluation serializes");
    let options = EvalOptions::default();
    for id in data.subject_ids().take(3) {
        let explained = escalate::explain(policy.program(), &data, as_of, &options, id, None, None);
        let _ = format!("{explained:?}");
    }
    let backtest =
        escalate::backtest(&policy, &data, as_of.offset(-2), as_of, &|_| {});
    serde_json::to_string(&backtest).expect("a backtest serializes");
});

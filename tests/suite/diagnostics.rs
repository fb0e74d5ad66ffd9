//! What a contract manager sees for each common mistake.
//!
//! Every `tests/fixtures/bad/*.policy` holds one mistake, described on its first line (a `#`
//! comment). The rendered diagnostics and their JSON records are snapshots: a change in wording,
//! position or help shows up in review (`INSTA_UPDATE=always cargo test --test diagnostics`
//! writes new snapshots; read every changed one before committing it).
//!
//! Fixtures whose name ends in `_warning` hold a mistake the checker only warns about: the
//! policy is accepted, and the snapshot is of its warnings.

use std::path::Path;

use escalate::{Policy, PolicyError};

/// The fixture's file name alone, so snapshots do not depend on where the crate is checked out.
fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a fixture has a file name")
        .to_string_lossy()
        .into_owned()
}

/// The first line of the fixture: the `#` comment saying what the mistake is.
fn mistake(text: &str, name: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with('#'),
        "{name}: the first line must be a `#` comment saying what the mistake is"
    );
    first.trim_start_matches('#').trim().to_string()
}

/// Whether the fixture's mistake is one the checker only warns about.
fn warning_only(name: &str) -> bool {
    name.trim_end_matches(".policy").ends_with("_warning")
}

/// Reads, parses and checks one fixture, and checks it is the kind its name says.
fn load(path: &Path) -> (String, String, Result<Policy, PolicyError>) {
    let name = file_name(path);
    let text = std::fs::read_to_string(path).expect("the fixture is readable UTF-8");
    let description = mistake(&text, &name);
    let result = Policy::parse(name.as_str(), text);
    match (&result, warning_only(&name)) {
        (Ok(policy), true) => assert!(
            !policy.warning_records().is_empty(),
            "{name} is a warning-only fixture but the checker gives no warning"
        ),
        (Ok(_), false) => panic!("{name}: the policy was accepted, but it has a mistake"),
        (Err(e), true) => panic!(
            "{name} is a warning-only fixture but the policy was refused:\n{}",
            e.render(false)
        ),
        (Err(_), false) => {}
    }
    (name, description, result)
}

/// Snapshot settings: the mistake as the snapshot's description, no absolute paths.
fn settings(description: String) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(description);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn rendered() {
    insta::glob!("../fixtures", "bad/*.policy", |path| {
        let (_, description, result) = load(path);
        let shown = match result {
            Err(e) => e.render(false),
            Ok(policy) => policy.render_warnings(false),
        };
        settings(description).bind(|| insta::assert_snapshot!(shown));
    });
}

#[test]
fn records() {
    insta::glob!("../fixtures", "bad/*.policy", |path| {
        let (_, description, result) = load(path);
        let records = match result {
            Err(e) => e.records(),
            Ok(policy) => policy.warning_records(),
        };
        settings(description).bind(|| insta::assert_json_snapshot!(records));
    });
}

#[test]
fn every_mistake_is_an_error_and_nothing_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/bad exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "policy"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 36,
        "expected at least 36 fixtures, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let name = file_name(path);
        let text = std::fs::read_to_string(path).expect("the fixture is readable UTF-8");
        let outcome = std::panic::catch_unwind(|| Policy::parse(name.as_str(), text));
        let problem = match (outcome, warning_only(&name)) {
            (Err(_), _) => Some("parsing or checking it panicked".to_string()),
            (Ok(Ok(_)), false) => Some("it was accepted without an error".to_string()),
            (Ok(Ok(policy)), true) if policy.warning_records().is_empty() => {
                Some("it is warning-only but gave no warning".to_string())
            }
            (Ok(Ok(_)), true) => None,
            (Ok(Err(e)), true) => Some(format!(
                "it is warning-only but was refused with {} error(s)",
                e.error_count()
            )),
            (Ok(Err(e)), false) if e.error_count() == 0 => {
                Some("it was refused, but every problem is a warning".to_string())
            }
            (Ok(Err(e)), false) => {
                let records = e.records();
                let misplaced: Vec<_> = records.iter().filter(|r| r.line == 0).collect();
                match misplaced.is_empty() {
                    true => None,
                    false => Some(format!("a diagnostic has no position: {misplaced:?}")),
                }
            }
        };
        if let Some(problem) = problem {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_record_names_the_file_and_has_a_code_and_message() {
    insta::glob!("../fixtures", "bad/*.policy", |path| {
        let (name, _, result) = load(path);
        let records = match result {
            Err(e) => e.records(),
            Ok(policy) => policy.warning_records(),
        };
        for record in records {
            assert_eq!(record.file, name);
            assert!(!record.code.is_empty(), "{name}: {record:?} has no code");
            assert!(
                !record.message.trim().is_empty(),
                "{name}: {record:?} has no message"
            );
            assert!(
                !matches!(record.help.as_deref(), Some(h) if h.trim().is_empty()),
                "{name}: {record:?} has an empty help"
            );
        }
    });
}

//! Every policy snippet of the user guide (`docs/*.md`, code blocks tagged `policy`) parses and
//! checks with no error and no warning (`policy warnings`: warnings expected, as in the first
//! steps of the tutorial), and the guide's tests pass, so the documentation never teaches
//! something the tool refuses.

use std::path::Path;

use escalate::Policy;

/// A policy block of the docs: the line its text starts on, whether warnings are expected,
/// and its text.
type Block = (usize, bool, String);

/// The code blocks tagged `policy` in a Markdown text.
fn policy_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (number, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```policy") => {
                let warnings = fence.split_whitespace().any(|w| w == "warnings");
                current = Some((number + 2, warnings, String::new()));
            }
            Some(_) if fence.starts_with("```") => {
                blocks.extend(current.take());
            }
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "a policy block is never closed");
    blocks
}

#[test]
fn every_policy_snippet_in_the_docs_parses_and_checks() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&docs)
        .expect("docs/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("a readable Markdown file");
        for (line, warnings, block) in policy_blocks(&text) {
            let name = format!("{}:{line}", path.display());
            match Policy::parse(&name, block) {
                Ok(policy) => assert!(
                    warnings || policy.warning_records().is_empty(),
                    "{name} has warnings:\n{}",
                    policy.render_warnings(false)
                ),
                Err(error) => panic!("{name} does not check:\n{}", error.render(false)),
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 8,
        "only {checked} policy snippets found in docs/"
    );
}

#[test]
fn the_guides_tests_pass() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guide.md");
    let text = std::fs::read_to_string(&guide).expect("docs/guide.md exists");
    let dir = std::env::temp_dir().join(format!("escalate-guide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut with_tests = 0;
    for (line, _, block) in policy_blocks(&text) {
        if !block.contains("\ntest \"") {
            continue;
        }
        let path = dir.join(format!("guide-{line}.policy"));
        std::fs::write(&path, &block).expect("the snippet is written");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
            .args(["test", "--min-coverage", "0"])
            .arg(&path)
            .output()
            .expect("the escalate binary runs");
        assert!(
            output.status.success(),
            "the tests of docs/guide.md:{line} fail:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        with_tests += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(with_tests >= 1, "the tutorial has a policy with a test");
}

//! The policy files of the repository, for the parser's tests that read every one of them.

use std::path::{Path, PathBuf};

/// Every `.policy` file under the bundled policies, the test fixtures and the benches'
/// policies, with its text, in a stable order (files that are not UTF-8, fixtures of that
/// mistake, are left out).
pub(super) fn repository_policies() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for folder in ["policies", "tests/fixtures", "benches/policies"] {
        let mut stack = vec![root.join(folder)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "policy") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        found.push((path, text));
                    }
                }
            }
        }
    }
    found.sort();
    found
}

//! Feeds arbitrary bytes to the policy front door, `Policy::parse` (parse + check), and renders
//! whatever comes back. Any panic, stack overflow, timeout or out-of-memory is a bug.
//!
//! Run with `cargo +nightly fuzz run parse_and_check` from the crate root (see docs/fuzzing.md).

#![no_main]

use escalate::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A policy file is UTF-8 text; `Policy::from_path` refuses anything else before parsing,
    // so other bytes never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::parse("fuzz.policy", text) {
        Ok(policy) => {
            for record in policy.warning_records() {
                assert!(record.line >= 1 && record.column >= 1, "{record:?}");
                assert!(
                    !record.code.is_empty() && !record.message.is_empty(),
                    "{record:?}"
                );
            }
            let _ = policy.render_warnings(false);
        }
        Err(error) => {
            let records = error.records();
            assert!(!records.is_empty(), "an error with no problems");
            for record in records {
                assert!(record.line >= 1 && record.column >= 1, "{record:?}");
                assert!(
                    !record.code.is_empty() && !record.message.is_empty(),
                    "{record:?}"
                );
            }
            let rendered = error.render(false);
            assert!(!rendered.is_empty());
        }
    }
});

//! Feeds arbitrary text to the hand-written reader of rules and grades (`src/parse/direct.rs`)
//! as the items after a policy's first line: whatever it takes, the grammar must read as the
//! same items, with the same spans and no problem. A panic is a disagreement (or a crash).
//!
//! Run with `cargo +nightly fuzz run direct_reader -- -dict=fuzz/parse_and_check.dict` from
//! the crate root (see docs/fuzzing.md).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        escalate::__private::reads_as_the_grammar(text, 0);
    }
});

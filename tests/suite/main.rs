//! Every integration test, in one binary (one link instead of one per file): each
//! module is one area, its fixtures in `tests/fixtures/`, its snapshots in
//! `tests/suite/snapshots/`.

mod backtest;
mod calendar;
mod conformance;
mod contract_manager;
mod diagnostics;
mod embedding;
mod eval_properties;
mod exact_figures;
mod fmt;
mod fmt_eval;
mod generated;
mod guide;
mod hostile_input;
mod html_report;
mod lsp;
mod output_failures;
mod output_files;
mod policies;
mod policy_tests;
mod replaces;
mod robustness;
mod v1_properties;
mod v1_syntax;

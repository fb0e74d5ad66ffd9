//! `escalate test FILE... [--format human|json] [--coverage] [--min-coverage PERCENT]`

use std::path::PathBuf;

use serde::Serialize;

use super::inputs::load_policy;
use super::{colour_stderr, print_json, Format, FAILURE, SUCCESS};
use crate::diagnostic;
use crate::testing::{self, TestReport};

/// Arguments of `escalate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The policy files whose `test` blocks to run.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How to write the results.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Report, for each rule and grade arm, whether the tests make it fire and not fire.
    #[arg(long)]
    pub coverage: bool,
    /// Fail when a file's coverage is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_coverage: Option<u8>,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: &'a [TestReport],
    passed: usize,
    failed: usize,
}

/// Runs every test block of every file; returns the exit code.
pub fn run(args: &TestArgs) -> u8 {
    let colour = colour_stderr();
    let mut reports = Vec::new();
    let mut broken_files = 0;
    let mut below_minimum = false;
    for file in &args.files {
        let Some(policy) = load_policy(file, args.format) else {
            broken_files += 1;
            continue;
        };
        let report = testing::run(&policy);
        below_minimum |= args
            .min_coverage
            .is_some_and(|min| report.coverage_percent + 1e-9 < f64::from(min));
        if args.format == Format::Human {
            print_human(&policy, &report, args, colour);
        }
        reports.push(report);
    }
    let passed: usize = reports.iter().map(TestReport::passed).sum();
    let failed: usize = reports.iter().map(TestReport::failed).sum::<usize>() + broken_files;
    match args.format {
        Format::Json => print_json(&Summary {
            files: &reports,
            passed,
            failed,
        }),
        Format::Human => outln!("{passed} passed, {failed} failed"),
    }
    match failed > 0 || below_minimum {
        true => FAILURE,
        false => SUCCESS,
    }
}

fn print_human(policy: &crate::policy::Policy, report: &TestReport, args: &TestArgs, colour: bool) {
    outln!("{}", report.file);
    for test in &report.tests {
        let mark = if test.passed { "ok  " } else { "FAIL" };
        outln!("  {mark}  {}", test.name);
        if !test.passed {
            outp!("{}", indent(&test.render(policy, colour)));
        }
    }
    if report.tests.is_empty() {
        outln!("  (no tests)");
    }
    if args.coverage || args.min_coverage.is_some() {
        print_coverage(policy, report, args, colour);
    }
}

fn print_coverage(
    policy: &crate::policy::Policy,
    report: &TestReport,
    args: &TestArgs,
    colour: bool,
) {
    let directions = report.coverage.len() * 2;
    let covered: usize = report
        .coverage
        .iter()
        .map(|c| usize::from(c.fired) + usize::from(c.not_fired))
        .sum();
    outln!(
        "  coverage: {:.1}% ({covered} of {directions}: each rule and grade arm made to fire and not to fire)",
        report.coverage_percent
    );
    if args.coverage {
        for item in &report.coverage {
            let yes_no = |b: bool| if b { "yes" } else { "NO " };
            outln!(
                "    {:<5} {:<40} fires: {}  does not fire: {}",
                item.kind,
                item.name,
                yes_no(item.fired),
                yes_no(item.not_fired)
            );
        }
    }
    for uncovered in report.uncovered() {
        outp!(
            "{}",
            indent(&diagnostic::render(
                &policy.source().attach(&uncovered),
                colour
            ))
        );
    }
    if let Some(min) = args.min_coverage {
        if report.coverage_percent + 1e-9 < f64::from(min) {
            outln!(
                "  coverage {:.1}% is below the minimum of {min}%",
                report.coverage_percent
            );
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

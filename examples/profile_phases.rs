//! Times the phases of `escalate eval` separately: reading the policy, loading the data files
//! (all together, as `eval` does), evaluating, and writing the JSON; then loading each data
//! file on its own; then, with REPEATS above 1, the whole round again.
//!
//! ```text
//! cargo run --release --example profile_phases -- POLICY DATA_DIR YYYY-MM [REPEATS]
//! ```
//!
//! For each phase it prints the wall time, the CPU time of the whole process (all threads)
//! and the process's resident set size after it and peak so far (`VmRSS`, `VmHWM`), from
//! `/proc/self`. The first round runs in a fresh process, so the peak after its load is that
//! of loading alone.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use escalate::{DataSources, Dataset, EvalOptions, Month, Policy, Schema};

/// CPU time (user + system, all threads) of this process so far, from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let total = ticks(11) + ticks(12);
    Duration::from_millis(total * 10)
}

/// A line of `/proc/self/status` in kilobytes (`VmHWM`, `VmRSS`).
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (cpu, wall) = (cpu_time(), Instant::now());
    let value = f();
    let wall = wall.elapsed();
    let cpu = cpu_time().saturating_sub(cpu);
    println!(
        "{name:<34} wall {:>8.1} ms   cpu {:>6} ms   rss {:>6.1} MB   peak {:>6.1} MB",
        wall.as_secs_f64() * 1e3,
        cpu.as_millis(),
        status_kb("VmRSS") as f64 / 1024.0,
        status_kb("VmHWM") as f64 / 1024.0,
    );
    value
}

fn only(sources: &DataSources, which: usize) -> DataSources {
    DataSources {
        performance: (which == 0).then(|| sources.performance.clone()).flatten(),
        concerns: (which == 1).then(|| sources.concerns.clone()).flatten(),
        subjects: (which == 2).then(|| sources.subjects.clone()).flatten(),
        events: (which == 3).then(|| sources.events.clone()).flatten(),
    }
}

/// Loads each data file on its own, then drops it.
fn load_each(schema: &Schema, sources: &DataSources) {
    let names = ["performance", "concerns", "subjects", "events"];
    for (which, name) in names.iter().enumerate() {
        let part = only(sources, which);
        if part == DataSources::default() {
            continue;
        }
        let data = phase(&format!("load {name} only"), || {
            Dataset::load(schema, &part).expect("good data")
        });
        let rows: usize = data.summary().files.iter().map(|f| f.rows_read).sum();
        println!("  {rows} rows");
        phase(
            &format!("  drop ({} subjects)", data.subject_count()),
            || drop(data),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: profile_phases POLICY DATA_DIR YYYY-MM [REPEATS]");
        std::process::exit(2);
    }
    let as_of: Month = args[2].parse().expect("a month YYYY-MM");
    let repeats: usize = args.get(3).map_or(1, |r| r.parse().expect("a count"));
    let policy = phase("parse + check policy", || {
        Policy::from_path(&args[0]).unwrap_or_else(|e| panic!("{e}"))
    });
    let sources = DataSources::from_dir(Path::new(&args[1])).expect("a data folder");
    let schema = &policy.program().schema;
    // The first round runs in a fresh process, so the peak after its load is that of the
    // load alone. The files are then loaded one at a time, and the other rounds follow.
    for round in 1..=repeats.max(1) {
        println!("-- round {round}");
        let data = phase("load all files (as eval does)", || {
            Dataset::load(schema, &sources).expect("good data")
        });
        let evaluation = phase("evaluate", || {
            policy.evaluate(&data, as_of, &EvalOptions::default())
        });
        let text = phase("serialize JSON (to_string_pretty)", || {
            serde_json::to_string_pretty(&evaluation).expect("serializes")
        });
        phase("write JSON to /dev/null", || {
            let mut sink = std::fs::File::create("/dev/null").expect("/dev/null");
            sink.write_all(text.as_bytes()).expect("written");
        });
        println!(
            "   {} subjects, {} actions, {} undecided, {} grades, {:.1} MB of JSON",
            evaluation.subjects_evaluated,
            evaluation.actions.len(),
            evaluation.undecided.len(),
            evaluation.grades.len(),
            text.len() as f64 / 1e6
        );
        phase("drop evaluation, JSON and data", || {
            drop(text);
            drop(evaluation);
            drop(data);
        });
        if round == 1 {
            println!("-- each file alone");
            load_each(schema, &sources);
        }
    }
}

//! Benchmarks of backtests, and of long chains of `replaces`.
//!
//! ```text
//! cargo bench --bench backtest
//! ESCALATE_BENCH_SUBJECTS=100000 cargo bench --bench backtest   # full region scale
//! ```
//!
//! `backtest/N x36` replays the call-back policy (conformance 01) and the concerns policy
//! (conformance 02) over 36 months of the generator's data (`examples/generate.rs`, 10,000
//! clinicians unless `ESCALATE_BENCH_SUBJECTS` says otherwise, in a temporary folder removed
//! afterwards): the replay alone, and the replay written as JSON; beside them, one `eval` month
//! of the same policy, which a 36-month backtest is compared with.
//!
//! `replaces-chain/N` checks and evaluates a chain of N look-alike rules, each replacing the
//! one before (`when m < 80%`), for one subject for whom they all hold, at 400, 4,000 and
//! 40,000 rules: the time per rule should not grow with N.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use escalate::__private::Replay;
use escalate::{DataSources, Dataset, EvalOptions, Month, PerformanceRecord, Policy};

#[allow(dead_code)]
#[path = "../examples/generate.rs"]
mod generate;

const CALLBACKS: &str = include_str!("policies/callbacks.policy");
const CONCERNS: &str = include_str!("policies/concerns.policy");

/// A generated data folder, removed when dropped.
struct Data {
    dir: PathBuf,
}

impl Data {
    fn generate(subjects: usize) -> Data {
        let dir = std::env::temp_dir().join(format!(
            "escalate-bench-backtest-{}-{subjects}",
            std::process::id()
        ));
        let config = generate::Config {
            subjects,
            months: 36,
            concerns: subjects / 2,
            end: month("2026-10"),
            out: dir.clone(),
            seed: 42,
            layout: generate::Layout::Wide,
            events: 0,
        };
        generate::generate(&config).expect("the bench data is written");
        Data { dir }
    }

    fn load(&self, policy: &Policy) -> Dataset {
        let sources = DataSources {
            events: None,
            ..DataSources::from_dir(&self.dir).expect("the bench data folder is readable")
        };
        Dataset::load(&policy.program().schema, &sources)
            .unwrap_or_else(|e| panic!("the bench data loads: {e:?}"))
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn month(text: &str) -> Month {
    text.parse().expect("a month")
}

fn policy(name: &str, text: &str) -> Policy {
    Policy::parse(name, text).unwrap_or_else(|e| panic!("{e}: {:?}", e.records()))
}

fn backtests(c: &mut Criterion) {
    let subjects: usize = std::env::var("ESCALATE_BENCH_SUBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (from, to) = (month("2023-11"), month("2026-10"));
    let data = Data::generate(subjects);
    let mut group = c.benchmark_group(format!("backtest/{subjects}x36"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, text) in [("callbacks", CALLBACKS), ("concerns", CONCERNS)] {
        let policy = policy(name, text);
        let data = data.load(&policy);
        group.bench_function(format!("{name}/eval-one-month"), |b| {
            b.iter_with_large_drop(|| policy.evaluate(&data, to, &EvalOptions::default()))
        });
        group.bench_function(format!("{name}/replay"), |b| {
            b.iter_with_large_drop(|| Replay::new(&policy, &data, from, to))
        });
        group.bench_function(format!("{name}/replay-and-json"), |b| {
            b.iter_batched_ref(
                || Vec::with_capacity(1 << 20),
                |out: &mut Vec<u8>| {
                    let replay = Replay::new(&policy, &data, from, to);
                    replay.write_json(out, &|_| {}).expect("writing to memory");
                    out.clear();
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// A policy of `rules` look-alike rules, each replacing the one before.
fn chain(rules: usize) -> String {
    let mut text =
        String::from("policy \"Chain\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n");
    for id in 0..rules {
        text += &format!("rule r{id} \"Rule {id}\" {{\n  when m < 80%\n  severity low\n");
        if id > 0 {
            text += &format!("  replaces r{}\n", id - 1);
        }
        text += "  require \"x\"\n  owner r\n  due 5 working days\n}\n";
    }
    text
}

fn replaces_chains(c: &mut Criterion) {
    let mut group = c.benchmark_group("replaces-chain");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for rules in [400, 4_000, 40_000] {
        let text = chain(rules);
        group.throughput(Throughput::Elements(rules as u64));
        group.bench_function(format!("check/{rules}"), |b| {
            b.iter_with_large_drop(|| policy("chain.policy", text.as_str()))
        });
        let policy = policy("chain.policy", text.as_str());
        let figures: Vec<PerformanceRecord> = (0..3)
            .map(|back| PerformanceRecord {
                subject: "s1".into(),
                period: month("2026-10").offset(-back),
                metric: "m".into(),
                value: Some(70.into()),
            })
            .collect();
        let data = Dataset::from_records(&policy.program().schema, &figures, &[], &[], &[])
            .expect("the chain's data loads");
        group.bench_function(format!("evaluate/{rules}"), |b| {
            b.iter_with_large_drop(|| {
                policy.evaluate(&data, month("2026-10"), &EvalOptions::default())
            })
        });
        group.bench_function(format!("backtest-3-months/{rules}"), |b| {
            b.iter_with_large_drop(|| {
                escalate::backtest(&policy, &data, month("2026-08"), month("2026-10"), &|_| {})
            })
        });
    }
    group.finish();
}

criterion_group!(backtest, backtests, replaces_chains);
criterion_main!(backtest);

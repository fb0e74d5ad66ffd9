//! Benchmarks of loading data and evaluating policies on it.
//!
//! ```text
//! cargo bench --bench eval
//! ESCALATE_BENCH_SUBJECTS=100000 cargo bench --bench eval   # full region scale
//! ```
//!
//! The data is made by the generator of `examples/generate.rs` (10,000 clinicians x 36
//! months, 5,000 concerns and 100,000 events over 24 months unless `ESCALATE_BENCH_SUBJECTS`
//! says otherwise; concerns are half as many as subjects, events ten times as many) in a
//! temporary folder that is removed afterwards. The policies are copies of conformance cases
//! 01 (call-backs) and 02 (concerns), and `psr.policy`: the call-back rules plus PSR
//! action-plan rules on the events (deadlines, cadences, counts); all are kept in
//! `benches/policies/` so the bench needs nothing outside this repository.
//!
//! The `scaling` group loads and evaluates the call-back policy on 1,000, 10,000 and 100,000
//! clinicians x 36 months (1x, 10x, 100x; `cargo bench --bench eval -- scaling`): each size
//! should take ten times as long as the one before.
//!
//! The `events` groups compare, on the same subjects, loading the events file with loading the
//! performance file (rows a second), and evaluating the call-back policy with evaluating it
//! with the events rules too.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use escalate::{DataInput, DataSources, Dataset, EvalOptions, Month, Policy};

#[allow(dead_code)]
#[path = "../examples/generate.rs"]
mod generate;

const CALLBACKS: &str = include_str!("policies/callbacks.policy");
const CONCERNS: &str = include_str!("policies/concerns.policy");
const PSR: &str = include_str!("policies/psr.policy");

/// A generated data folder, removed when dropped.
struct Data {
    dir: PathBuf,
    rows: u64,
    events: u64,
}

impl Data {
    fn generate(subjects: usize, layout: generate::Layout, events: usize) -> Data {
        let dir = std::env::temp_dir().join(format!(
            "escalate-bench-{}-{subjects}-{layout:?}",
            std::process::id()
        ));
        let config = generate::Config {
            subjects,
            months: 36,
            concerns: subjects / 2,
            end: "2026-10".parse().expect("a month"),
            out: dir.clone(),
            seed: 42,
            layout,
            events,
        };
        let written = generate::generate(&config).expect("the bench data is written");
        Data {
            dir,
            rows: written.performance_rows as u64,
            events: written.event_rows as u64,
        }
    }

    fn sources(&self) -> DataSources {
        DataSources::from_dir(&self.dir).expect("the bench data folder is readable")
    }

    /// The v0 files only (no events).
    fn v0(&self) -> DataSources {
        DataSources {
            events: None,
            ..self.sources()
        }
    }

    /// Only the performance file (and the subjects), as the call-back policy needs.
    fn without_concerns(&self) -> DataSources {
        DataSources {
            concerns: None,
            ..self.v0()
        }
    }

    /// Performance, subjects and events, as the PSR policy needs.
    fn with_events(&self) -> DataSources {
        DataSources {
            concerns: None,
            ..self.sources()
        }
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn policy(name: &str, text: &str) -> Policy {
    Policy::parse(name, text).unwrap_or_else(|e| panic!("{e}: {:?}", e.records()))
}

fn load(policy: &Policy, sources: &DataSources) -> Dataset {
    Dataset::load(&policy.program().schema, sources)
        .unwrap_or_else(|e| panic!("the bench data loads: {e:?}"))
}

fn file_size(input: &Option<DataInput>) -> u64 {
    input
        .as_ref()
        .and_then(|i| std::fs::metadata(i.name()).ok())
        .map_or(0, |m| m.len())
}

fn benches(c: &mut Criterion) {
    let subjects: usize = std::env::var("ESCALATE_BENCH_SUBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let as_of: Month = "2026-10".parse().expect("a month");
    let options = EvalOptions::default();
    let callbacks = policy("callbacks.policy", CALLBACKS);
    let concerns = policy("concerns.policy", CONCERNS);
    let psr = policy("psr.policy", PSR);
    let wide = Data::generate(subjects, generate::Layout::Wide, subjects * 10);
    let long = Data::generate(subjects, generate::Layout::Long, 0);

    let mut group = c.benchmark_group(format!("load/{subjects}x36"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let sources = wide.without_concerns();
    group.throughput(Throughput::Bytes(
        file_size(&sources.performance) + file_size(&sources.subjects),
    ));
    group.bench_function("callbacks/wide", |b| {
        b.iter_with_large_drop(|| load(&callbacks, &sources))
    });
    let sources = long.without_concerns();
    group.throughput(Throughput::Bytes(
        file_size(&sources.performance) + file_size(&sources.subjects),
    ));
    group.bench_function("callbacks/long", |b| {
        b.iter_with_large_drop(|| load(&callbacks, &sources))
    });
    let sources = wide.v0();
    group.throughput(Throughput::Bytes(
        file_size(&sources.performance)
            + file_size(&sources.subjects)
            + file_size(&sources.concerns),
    ));
    group.bench_function("concerns/all-files", |b| {
        b.iter_with_large_drop(|| load(&concerns, &sources))
    });
    let sources = DataSources {
        performance: None,
        subjects: None,
        ..wide.v0()
    };
    group.throughput(Throughput::Bytes(file_size(&sources.concerns)));
    group.bench_function("concerns/concerns-file-only", |b| {
        b.iter_with_large_drop(|| load(&concerns, &sources))
    });
    group.finish();

    events_benches(c, subjects, &wide, [&callbacks, &psr]);

    let callback_data = load(&callbacks, &wide.without_concerns());
    let concern_data = load(&concerns, &wide.v0());
    let mut group = c.benchmark_group(format!("evaluate/{subjects}x36"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(wide.rows));
    group.bench_function("callbacks", |b| {
        b.iter_with_large_drop(|| callbacks.evaluate(&callback_data, as_of, &options))
    });
    group.throughput(Throughput::Elements(concern_data.concern_count() as u64));
    group.bench_function("concerns", |b| {
        b.iter_with_large_drop(|| concerns.evaluate(&concern_data, as_of, &options))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("json/{subjects}x36"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, policy, data) in [
        ("callbacks", &callbacks, &callback_data),
        ("concerns", &concerns, &concern_data),
    ] {
        let evaluation = policy.evaluate(data, as_of, &options);
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || Vec::with_capacity(1 << 20),
                |out: &mut Vec<u8>| escalate::__private::write_evaluation_json(&evaluation, out),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// Events against performance rows: loading each file alone (rows a second), loading all
/// the files, and evaluating with and without the events rules, on the same subjects.
fn events_benches(c: &mut Criterion, subjects: usize, data: &Data, [callbacks, psr]: [&Policy; 2]) {
    let as_of: Month = "2026-10".parse().expect("a month");
    let options = EvalOptions::default();
    let mut group = c.benchmark_group(format!("events/{subjects}x36"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let performance_only = DataSources {
        performance: data.sources().performance,
        ..DataSources::default()
    };
    group.throughput(Throughput::Elements(data.rows));
    group.bench_function("load/performance-file-only", |b| {
        b.iter_with_large_drop(|| load(psr, &performance_only))
    });
    let events_only = DataSources {
        events: data.sources().events,
        ..DataSources::default()
    };
    group.throughput(Throughput::Elements(data.events));
    group.bench_function("load/events-file-only", |b| {
        b.iter_with_large_drop(|| load(psr, &events_only))
    });
    group.throughput(Throughput::Elements(data.rows));
    group.bench_function("load/callbacks/performance+subjects", |b| {
        b.iter_with_large_drop(|| load(callbacks, &data.without_concerns()))
    });
    group.throughput(Throughput::Elements(data.rows + data.events));
    group.bench_function("load/psr/performance+subjects+events", |b| {
        b.iter_with_large_drop(|| load(psr, &data.with_events()))
    });
    let without = load(callbacks, &data.without_concerns());
    let with = load(psr, &data.with_events());
    group.throughput(Throughput::Elements(subjects as u64));
    group.bench_function("evaluate/callbacks", |b| {
        b.iter_with_large_drop(|| callbacks.evaluate(&without, as_of, &options))
    });
    group.bench_function("evaluate/psr", |b| {
        b.iter_with_large_drop(|| psr.evaluate(&with, as_of, &options))
    });
    group.finish();
}

/// Loading (performance and subjects files) and evaluating the call-back policy at 1x, 10x and
/// 100x sizes.
fn scaling(c: &mut Criterion) {
    let as_of: Month = "2026-10".parse().expect("a month");
    let options = EvalOptions::default();
    let callbacks = policy("callbacks.policy", CALLBACKS);
    let mut group = c.benchmark_group("scaling");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for subjects in [1_000, 10_000, 100_000] {
        let data = Data::generate(subjects, generate::Layout::Wide, 0);
        let sources = data.without_concerns();
        group.throughput(Throughput::Elements(data.rows));
        group.bench_function(format!("load/{subjects} clinicians"), |b| {
            b.iter_with_large_drop(|| load(&callbacks, &sources))
        });
        let dataset = load(&callbacks, &sources);
        group.bench_function(format!("evaluate/{subjects} clinicians"), |b| {
            b.iter_with_large_drop(|| callbacks.evaluate(&dataset, as_of, &options))
        });
    }
    group.finish();
}

criterion_group!(eval, benches, scaling);
criterion_main!(eval);

//! How long a large policy takes to parse, and to parse and check.
//!
//! The policy is generated in memory: 2,000 rules over 50 metrics, with grades (per subject and
//! per concern), subject and concern fields, `replaces` chains, temporal suffixes, windows,
//! trends and concern aggregates. The target is under 50 ms for parse + check.
//!
//! With the `lsp` feature, it also measures what the language server does on every keystroke:
//! analysing the document again after a one-character change (a threshold edited, or a typo
//! that breaks one rule's syntax), parsing again only the item that changed. The target is
//! well under 100 ms. And it measures rendering every diagnostic of a policy with 2,000 errors
//! (linear in their number, thanks to the line index).
//!
//! The `scaling` group parses and checks policies of 20, 200 and 2,000 rules (1x, 10x, 100x)
//! and renders the diagnostics of policies with about 100, 1,000 and 10,000 errors, for
//! people and as JSON: each should take ten times as long as the size before it.
//!
//! Run with `cargo bench --bench check` (`-- scaling` for the sizes alone).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use escalate::Policy;

const RULES: usize = 2_000;
const METRICS: usize = 50;
const GRADES: usize = 10;
const ROLES: usize = 8;
/// Rules come in escalation ladders of this many: each replaces the one before.
const LADDER: usize = 4;

#[derive(Clone, Copy)]
enum Kind {
    Percent,
    Count,
    Number,
}

fn metric_kind(m: usize) -> Kind {
    match m % 3 {
        0 => Kind::Percent,
        1 => Kind::Count,
        _ => Kind::Number,
    }
}

/// A threshold of the metric's unit.
fn threshold(m: usize, salt: usize) -> String {
    match metric_kind(m) {
        Kind::Percent => format!("{}%", 60 + salt % 35),
        Kind::Count => format!("{}", 5 + salt % 40),
        Kind::Number => format!("{}.5", 10 + salt % 20),
    }
}

/// A policy with `rules` rules in ladders of [`LADDER`], using every declaration kind.
fn generate(rules: usize) -> String {
    let mut p = String::with_capacity(rules * 400);
    p.push_str("# Generated for benches/check.rs\n");
    p.push_str("policy \"Generated benchmark policy\"\nversion \"bench\"\n");
    p.push_str("calendar england_and_wales\n");
    p.push_str("holiday 2026-12-24 \"Christmas Eve\"\nholiday 2026-12-31 \"New Year's Eve\"\n\n");
    for r in 0..ROLES {
        p.push_str(&format!("role role_{r} \"Role number {r}\"\n"));
    }
    p.push('\n');
    for m in 0..METRICS {
        let (kind, direction) = match metric_kind(m) {
            Kind::Percent => ("percent", ", higher is better"),
            Kind::Count => ("count", ""),
            Kind::Number => ("number", ", lower is better"),
        };
        p.push_str(&format!(
            "metric metric_{m} \"Metric number {m}\" {kind}{direction}\n"
        ));
    }
    p.push_str(
        "\nsubjects {\n  region: one of north, south, east, west\n  band: integer 1..5\n  \
         urgent: flag\n  opened: date\n  note: text\n}\n\n",
    );
    p.push_str(
        "concerns {\n  category: one of clinical, behavioural, governance, health\n  \
         patient_safety: flag\n  consequence: integer 1..5\n  likelihood: integer 1..5\n}\n\n",
    );
    p.push_str(
        "grade risk \"NPSA risk rating\" for each concern {\n  \
         extreme  when consequence * likelihood >= 15\n  \
         high     when consequence * likelihood >= 8\n  \
         moderate when consequence * likelihood >= 4\n  \
         low      otherwise\n}\n\n",
    );
    p.push_str(
        "grade concern_level \"Grading of concerns\" {\n  \
         performance_case when count(concerns in last 12 months) >= 3\n    \
         and any(concerns in last 12 months where patient_safety)\n  \
         pattern  when count(concerns in last 12 months) >= 2\n  \
         isolated when count(concerns in last 12 months) >= 1\n  \
         none     otherwise\n}\n\n",
    );
    // Grades over percent metrics: red, amber or green.
    let percent_metrics: Vec<usize> = (0..METRICS)
        .filter(|&m| matches!(metric_kind(m), Kind::Percent))
        .collect();
    for g in 0..GRADES {
        let m = percent_metrics[g % percent_metrics.len()];
        p.push_str(&format!(
            "grade rag_{g} \"Red, amber or green {g}\" {{\n  \
             red   when metric_{m} < 70% in 2 of the last 3 months\n  \
             amber when average(metric_{m} over last 3 months) < 85%\n  \
             green otherwise\n}}\n\n"
        ));
    }
    let severities = ["low", "moderate", "high", "extreme"];
    let dues = [
        "5 working days",
        "10 working days",
        "2 weeks",
        "1 month",
        "28 days",
    ];
    for i in 0..rules {
        // Every kind of condition meets every metric and every grade.
        let m = (i + i / 10) % METRICS;
        let g = (i / 10) % GRADES;
        let step = i % LADDER;
        let t = threshold(m, i);
        let metric = format!("metric_{m}");
        let condition = match i % 10 {
            0 => format!("{metric} < {t}"),
            1 => format!("({metric} < {t}) for {} consecutive months", 2 + step),
            2 => format!("{metric} < {t} in 2 of the last {} months", 3 + step),
            3 => format!("average({metric} over last 3 months) < {t} and not urgent"),
            4 => format!(
                "count(concerns in last 12 months where risk >= high) >= {}\n       \
                 or any(concerns in last 6 months where patient_safety and category = clinical)",
                1 + step
            ),
            5 => format!("rag_{} = red and region in [north, south]", i % GRADES),
            6 => match metric_kind(m) {
                Kind::Count => format!("max({metric} over last 6 months) > {t} and band >= 3"),
                _ => format!("{metric} worsened over last 3 months and {metric} < {t}"),
            },
            7 => format!("concern_level >= pattern and min({metric} over last 3 months) < {t}"),
            8 => format!(
                "all(concerns in last 3 months where consequence * likelihood >= 4)\n       \
                 and sum({metric} over last 2 months) > {t}"
            ),
            _ => format!("({metric} < {t} or rag_{g} >= amber) for 2 months"),
        };
        p.push_str(&format!("rule rule_{i} \"Generated rule {i}\" {{\n"));
        p.push_str(&format!("  when {condition}\n"));
        if i % 7 == 0 {
            p.push_str("  applies to region != west\n");
        }
        p.push_str(&format!("  severity {}\n", severities[step]));
        if step > 0 {
            p.push_str(&format!("  replaces rule_{}\n", i - 1));
        }
        p.push_str(&format!(
            "  require \"Action for rule {i}: review the data and agree a plan\"\n"
        ));
        p.push_str(&format!("  owner role_{}\n", i % ROLES));
        if i % 3 == 0 {
            p.push_str(&format!(
                "  involve role_{}, role_{}\n",
                (i + 1) % ROLES,
                (i + 2) % ROLES
            ));
        }
        p.push_str(&format!("  due {}\n}}\n\n", dues[i % dues.len()]));
    }
    p
}

fn bench_check(c: &mut Criterion) {
    let text = generate(RULES);
    // The generated policy must be valid, or the benchmark measures the error path.
    match Policy::parse("bench.policy", text.as_str()) {
        Ok(policy) => assert!(
            policy.warning_records().is_empty(),
            "the generated policy has warnings:\n{}",
            policy.render_warnings(false)
        ),
        Err(error) => panic!(
            "the generated policy does not check:\n{}",
            error.render(false)
        ),
    }
    eprintln!(
        "generated policy: {RULES} rules, {METRICS} metrics, {} bytes, {} lines",
        text.len(),
        text.lines().count()
    );

    let mut group = c.benchmark_group("check");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("parse 2000 rules", |b| {
        b.iter(|| escalate::__private::parse(black_box(&text)).expect("parses"))
    });
    group.bench_function("parse + check 2000 rules", |b| {
        b.iter(|| Policy::parse("bench.policy", black_box(text.as_str())).expect("checks"))
    });
    #[cfg(feature = "lsp")]
    bench_typing(&mut group, &text);
    bench_rendering(&mut group, &text);
    group.finish();
}

/// Re-analysing the document after one character changes, as the language server does on
/// every keystroke.
#[cfg(feature = "lsp")]
fn bench_typing(
    group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    text: &str,
) {
    use escalate::__private::Document;
    // A character removed from the first rule, and put back: every later item moves.
    let edited = text.replacen("metric_0 < 60%", "metric_0 < 6%", 1);
    assert_ne!(edited, text, "the edit applies");
    let typo = text.replacen("  severity moderate\n", "  severity moderate)\n", 1);
    assert_ne!(typo, text, "the typo applies");
    assert_eq!(
        Document::new("bench.policy", typo.clone()).problems.len(),
        1,
        "one syntax error, nothing else"
    );
    for (name, other) in [
        ("lsp: a one-character change in a 2000-rule policy", &edited),
        ("lsp: a typo that breaks one rule of 2000", &typo),
    ] {
        // The server keeps the previous version's items: alternate between the two texts.
        let mut document = Document::new("bench.policy", text.to_string());
        let mut flip = false;
        group.bench_function(name, |b| {
            b.iter(|| {
                flip = !flip;
                let next = if flip { other } else { text };
                let cache = std::mem::take(&mut document.cache);
                document = Document::changed("bench.policy", black_box(next.to_string()), cache);
            })
        });
    }
}

/// Rendering every diagnostic of a policy where each of the 2,000 rules names an unknown
/// metric.
fn bench_rendering(
    group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    text: &str,
) {
    let broken = text
        .replace("metric_", "metrik_")
        .replace("metric metrik_", "metric metric_");
    let error = Policy::parse("bench.policy", broken).expect_err("unknown metrics");
    assert!(
        error.error_count() > RULES / 2,
        "{} problems",
        error.error_count()
    );
    group.bench_function("render 2000 diagnostics", |b| {
        b.iter(|| black_box(error.render(false)))
    });
    group.bench_function("records of 2000 diagnostics", |b| {
        b.iter(|| black_box(error.records()))
    });
}

/// A policy of `rules` rules where every rule names a metric that is not declared (one or
/// more errors each).
fn broken(rules: usize) -> String {
    generate(rules)
        .replace("metric_", "metrik_")
        .replace("metric metrik_", "metric metric_")
}

/// Parse, check and render at 1x, 10x and 100x sizes: the times should grow tenfold.
fn bench_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for rules in [RULES / 100, RULES / 10, RULES] {
        let text = generate(rules);
        group.throughput(criterion::Throughput::Elements(rules as u64));
        group.bench_function(format!("parse/{rules} rules"), |b| {
            b.iter(|| escalate::__private::parse(black_box(&text)).expect("parses"))
        });
        group.bench_function(format!("parse + check/{rules} rules"), |b| {
            b.iter(|| Policy::parse("bench.policy", black_box(text.as_str())).expect("checks"))
        });
    }
    for rules in [RULES / 20, RULES / 2, RULES * 5] {
        let error = Policy::parse("bench.policy", broken(rules)).expect_err("unknown metrics");
        let count = error.records().len();
        eprintln!("{rules} broken rules: {count} diagnostics");
        group.throughput(criterion::Throughput::Elements(count as u64));
        group.bench_function(format!("render for people/{count} diagnostics"), |b| {
            b.iter(|| black_box(error.render(false)))
        });
        group.bench_function(format!("render as JSON/{count} diagnostics"), |b| {
            b.iter(|| serde_json::to_string(&error.records()).expect("serialises"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_check, bench_scaling);
criterion_main!(benches);

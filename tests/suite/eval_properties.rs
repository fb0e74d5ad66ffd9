//! Properties of evaluation on small random datasets, for the call-back policy of
//! conformance case 01 (a copy is in `tests/fixtures/properties/callbacks.policy`).
//!
//! Each case is a handful of subjects with 1 to 8 months of figures around the as-of month
//! 2026-10 (some months after it, which must not matter), rows and cells sometimes missing,
//! percents from 0 to 100 (often next to the 80% threshold) and counts (often next to 20).
//! Datasets are written as CSV to a temporary folder and read with `Dataset::load`, as
//! `escalate eval --data` reads them. The properties:
//!
//! - (a) the order of the performance rows (and columns) does not change the evaluation;
//! - (b) the wide and long layouts give the same evaluation;
//! - (c) a subject's actions and undecided rules do not depend on the other subjects;
//! - (d) every action and undecided rule agrees with an oracle written here from the
//!   language reference, independently of the interpreter.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::NaiveDate;
use escalate::{DataSources, Dataset, EvalOptions, Evaluation, Evidence, Missing, Month, Policy};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;

const POLICY: &str = include_str!("../fixtures/properties/callbacks.policy");

/// The longest run of months a case may hold.
const MAX_MONTHS: usize = 8;

fn policy() -> &'static Policy {
    static POLICY_CELL: OnceLock<Policy> = OnceLock::new();
    POLICY_CELL.get_or_init(|| {
        Policy::parse("callbacks.policy", POLICY).expect("the call-back policy checks")
    })
}

fn as_of() -> Month {
    "2026-10".parse().expect("a month")
}

/// A percent in tenths (0..=1000) and how it is written.
#[derive(Clone, Copy, Debug)]
struct Percent {
    tenths: u32,
    /// 0: `79.5` (or `80`), 1: with a `%`, 2: always with a decimal (`80.0`).
    style: u8,
}

impl Percent {
    fn text(self) -> String {
        let (whole, tenth) = (self.tenths / 10, self.tenths % 10);
        match (self.style, tenth) {
            (0, 0) => format!("{whole}"),
            (0, t) => format!("{whole}.{t}"),
            (1, 0) => format!("{whole}%"),
            (1, t) => format!("{whole}.{t}%"),
            (_, t) => format!("{whole}.{t}"),
        }
    }
}

/// One month's row: each figure may be missing (an empty cell).
#[derive(Clone, Copy, Debug)]
struct Row {
    in_time: Option<Percent>,
    callbacks: Option<u32>,
    /// A column the policy does not declare.
    cases_per_hour: Option<u32>,
}

#[derive(Clone, Debug)]
struct Subject {
    id: String,
    /// `None`: no row in the subjects file; `Some(None)`: a row with an empty staff group.
    staff_group: Option<Option<&'static str>>,
    /// A row (or none) for each month of the case's window.
    rows: Vec<Option<Row>>,
}

#[derive(Clone, Debug)]
struct Case {
    /// The window's first month, relative to the as-of month (-10 ..= 2).
    start: i32,
    /// How many months the window spans (1 ..= 8); it may run past the as-of month.
    months: usize,
    subjects: Vec<Subject>,
    /// Drives shuffles and the choices of the long layout.
    seed: u64,
}

impl Case {
    fn month(&self, k: usize) -> Month {
        as_of().offset(self.start + k as i32)
    }

    /// Rows within the window: (subject, month, row).
    fn rows(&self) -> Vec<(&Subject, Month, &Row)> {
        let mut rows = Vec::new();
        for subject in &self.subjects {
            for (k, row) in subject.rows.iter().take(self.months).enumerate() {
                if let Some(row) = row {
                    rows.push((subject, self.month(k), row));
                }
            }
        }
        rows
    }

    /// Whether the subject appears in any file (and so is a subject of the dataset).
    fn present(&self, subject: &Subject) -> bool {
        subject.staff_group.is_some() || subject.rows.iter().take(self.months).any(|r| r.is_some())
    }

    /// The row of `subject` for the month `offset` months from the as-of month.
    fn row<'a>(&self, subject: &'a Subject, offset: i32) -> Option<&'a Row> {
        let k = offset - self.start;
        if k < 0 || k as usize >= self.months {
            return None;
        }
        subject.rows[k as usize].as_ref()
    }

    /// The same case with only the subjects `keep` says.
    fn only(&self, keep: impl Fn(&Subject) -> bool) -> Case {
        Case {
            subjects: self.subjects.iter().filter(|s| keep(s)).cloned().collect(),
            ..self.clone()
        }
    }
}

fn percent() -> impl Strategy<Value = Percent> {
    let tenths = prop_oneof![
        3 => 0u32..=1000,
        2 => 500u32..800,
        2 => 790u32..=810,
        1 => Just(800u32),
        1 => Just(1000u32),
        1 => Just(0u32),
    ];
    (tenths, 0u8..3).prop_map(|(tenths, style)| Percent { tenths, style })
}

fn count() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 0u32..=60, 2 => 18u32..=22]
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop::option::weighted(0.9, percent()),
        prop::option::weighted(0.9, count()),
        prop::option::weighted(0.5, 5u32..40),
    )
        .prop_map(|(in_time, callbacks, cases_per_hour)| Row {
            in_time,
            callbacks,
            cases_per_hour,
        })
}

fn staff_group() -> impl Strategy<Value = Option<Option<&'static str>>> {
    prop_oneof![
        6 => prop::sample::select(vec!["gp", "anp", "pharmacist", "GP"]).prop_map(|g| Some(Some(g))),
        1 => Just(Some(None)),
        1 => Just(None),
    ]
}

/// Ids that sort differently as text and as numbers, with a few odd characters.
const IDS: &[&str] = &["c01", "c02", "c10", "c2", "b7", "x_1", "Z9", "c01a"];

fn case() -> impl Strategy<Value = Case> {
    let subjects = prop::sample::subsequence(IDS, 1..=5).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids),
            prop::collection::vec(staff_group(), n),
            prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.9, row()), MAX_MONTHS),
                n,
            ),
        )
            .prop_map(|(ids, groups, rows)| {
                ids.into_iter()
                    .zip(groups)
                    .zip(rows)
                    .map(|((id, staff_group), rows)| Subject {
                        id: id.to_string(),
                        staff_group,
                        rows,
                    })
                    .collect::<Vec<_>>()
            })
    });
    // The window mostly ends at or just after the as-of month, so that rules can fire;
    // sometimes it ends before, so that they are undecided.
    let end = prop_oneof![4 => 0i32..=2, 1 => -3i32..=-1];
    (end, 1usize..=MAX_MONTHS, subjects, any::<u64>()).prop_map(|(end, months, subjects, seed)| {
        Case {
            start: end + 1 - months as i32,
            months,
            subjects,
            seed,
        }
    })
}

/// How to write the performance file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Rows in order, columns in the usual order.
    Wide,
    /// Rows and columns in a random order (from the case's seed).
    WideShuffled,
    /// `subject,period,metric,value`; a missing figure is an empty value or no row at all,
    /// and rows are in a random order.
    Long,
}

/// A temporary data folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Folder {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "escalate-eval-properties-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Folder(dir)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("a temporary file");
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn performance_csv(case: &Case, layout: Layout) -> String {
    let mut rng = fastrand::Rng::with_seed(case.seed);
    let mut lines: Vec<String> = Vec::new();
    let header;
    match layout {
        Layout::Wide | Layout::WideShuffled => {
            let mut columns = vec![
                "subject",
                "period",
                "callback_in_time",
                "callbacks",
                "cases_per_hour",
            ];
            if layout == Layout::WideShuffled {
                rng.shuffle(&mut columns);
            }
            header = columns.join(",");
            for (subject, month, row) in case.rows() {
                let cells: Vec<String> = columns
                    .iter()
                    .map(|&c| match c {
                        "subject" => subject.id.clone(),
                        "period" => month.to_string(),
                        "callback_in_time" => row.in_time.map(Percent::text).unwrap_or_default(),
                        "callbacks" => row.callbacks.map(|n| n.to_string()).unwrap_or_default(),
                        _ => row
                            .cases_per_hour
                            .map(|n| format!("{}.{}", n / 10, n % 10))
                            .unwrap_or_default(),
                    })
                    .collect();
                lines.push(cells.join(","));
            }
            if layout == Layout::WideShuffled {
                rng.shuffle(&mut lines);
            }
        }
        Layout::Long => {
            header = "subject,period,metric,value".to_string();
            for (subject, month, row) in case.rows() {
                let figures = [
                    ("callback_in_time", row.in_time.map(Percent::text)),
                    ("callbacks", row.callbacks.map(|n| n.to_string())),
                    (
                        "cases_per_hour",
                        row.cases_per_hour.map(|n| format!("{}.{}", n / 10, n % 10)),
                    ),
                ];
                let mut wrote = false;
                for (i, (metric, value)) in figures.iter().enumerate() {
                    // A missing figure: an empty value, or (half the time) no row at all,
                    // except that every row of the wide file leaves at least one long row
                    // so the subject is still seen.
                    let must_write = i == figures.len() - 1 && !wrote;
                    if value.is_none() && !must_write && rng.bool() {
                        continue;
                    }
                    let value = value.clone().unwrap_or_default();
                    lines.push(format!("{},{month},{metric},{value}", subject.id));
                    wrote = true;
                }
            }
            rng.shuffle(&mut lines);
        }
    }
    let mut text = header;
    text.push('\n');
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn subjects_csv(case: &Case) -> Option<String> {
    let mut text = String::from("subject,name,staff_group\n");
    let mut any = false;
    for subject in &case.subjects {
        if let Some(group) = subject.staff_group {
            writeln!(
                text,
                "{},Clinician {},{}",
                subject.id,
                subject.id,
                group.unwrap_or("")
            )
            .expect("a string");
            any = true;
        }
    }
    any.then_some(text)
}

/// Writes the case in `layout` and loads it as `escalate eval --data` does.
fn load(case: &Case, layout: Layout) -> Dataset {
    let folder = Folder::new();
    folder.write("performance.csv", &performance_csv(case, layout));
    if let Some(subjects) = subjects_csv(case) {
        folder.write("subjects.csv", &subjects);
    }
    let sources = DataSources::from_dir(&folder.0).expect("the folder has a performance file");
    Dataset::load(&policy().program().schema, &sources).unwrap_or_else(|errors| {
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        panic!(
            "the generated data should load, but: {shown:#?}\n{}",
            performance_csv(case, layout)
        )
    })
}

fn evaluate(case: &Case, layout: Layout) -> Evaluation {
    policy().evaluate(&load(case, layout), as_of(), &EvalOptions::default())
}

/// The evaluation as JSON, without the account of the files read (`data`: their paths,
/// layouts and row counts), which differ between the layouts compared here by design.
fn json(evaluation: &Evaluation) -> Value {
    let mut value = serde_json::to_value(evaluation).expect("an evaluation serializes");
    if let Some(object) = value.as_object_mut() {
        object.remove("data");
        // Warnings about the data (a column the policy does not declare, percent figures
        // that look like fractions) point at the file's own columns, which differ between
        // the layouts compared here; they have their own tests.
        if let Some(Value::Array(diagnostics)) = object.get_mut("diagnostics") {
            diagnostics.retain(|d| !d["code"].as_str().is_some_and(|c| c.starts_with("data::")));
        }
    }
    value
}

/// The `actions` and `undecided` entries about one subject, as JSON.
fn entries_of(evaluation: &Value, subject: &str) -> (Vec<Value>, Vec<Value>) {
    let of = |key: &str| -> Vec<Value> {
        evaluation[key]
            .as_array()
            .expect("a list")
            .iter()
            .filter(|e| e["subject"] == subject)
            .cloned()
            .collect()
    };
    (of("actions"), of("undecided"))
}

// ---------------------------------------------------------------------------------------
// The oracle: the call-back policy, computed directly from the case with three-valued
// (Kleene) logic as the language reference (§4, §5) describes it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T3 {
    False,
    Unknown,
    True,
}

fn t3(b: bool) -> T3 {
    if b {
        T3::True
    } else {
        T3::False
    }
}

fn and(a: T3, b: T3) -> T3 {
    match (a, b) {
        (T3::False, _) | (_, T3::False) => T3::False,
        (T3::True, T3::True) => T3::True,
        _ => T3::Unknown,
    }
}

/// `X for N consecutive months`: false if any month is false, else unknown if any is.
fn every(months: impl IntoIterator<Item = T3>) -> T3 {
    months.into_iter().fold(T3::True, and)
}

/// What the oracle expects of one rule for one subject.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Expected {
    truth: T3,
    /// For an unknown rule, the values it looked for and did not find.
    missing: BTreeSet<String>,
}

const RULES: [&str; 3] = ["first_month", "second_month", "third_month"];

fn metric_key(metric: &str, month: Month) -> String {
    format!("{metric}@{month}")
}

/// Each rule's truth and missing values for a subject, in file order.
fn oracle(case: &Case, subject: &Subject) -> [Expected; 3] {
    let mut missing: [BTreeSet<String>; 3] = Default::default();
    // callback_in_time < 80% in the month `offset` from the as-of month.
    let below = |offset: i32, missing: &mut BTreeSet<String>| -> T3 {
        match case.row(subject, offset).and_then(|r| r.in_time) {
            Some(p) => t3(p.tenths < 800),
            None => {
                missing.insert(metric_key("callback_in_time", as_of().offset(offset)));
                T3::Unknown
            }
        }
    };
    let enough = |offset: i32, missing: &mut BTreeSet<String>| -> T3 {
        match case.row(subject, offset).and_then(|r| r.callbacks) {
            Some(n) => t3(n >= 20),
            None => {
                missing.insert(metric_key("callbacks", as_of().offset(offset)));
                T3::Unknown
            }
        }
    };
    let first = {
        let m = &mut missing[0];
        let (a, b) = (below(0, m), enough(0, m));
        and(a, b)
    };
    let second = {
        let m = &mut missing[1];
        let months: Vec<T3> = [-1, 0]
            .iter()
            .map(|&o| {
                let (a, b) = (below(o, m), enough(o, m));
                and(a, b)
            })
            .collect();
        every(months)
    };
    let third = {
        let m = &mut missing[2];
        let applies = match subject.staff_group {
            Some(Some(group)) => t3(group.eq_ignore_ascii_case("gp")),
            _ => {
                m.insert("field staff_group".to_string());
                T3::Unknown
            }
        };
        let months: Vec<T3> = [-2, -1, 0].iter().map(|&o| below(o, m)).collect();
        and(applies, every(months))
    };
    let truths = [first, second, third];
    std::array::from_fn(|i| Expected {
        truth: truths[i],
        missing: match truths[i] {
            T3::Unknown => std::mem::take(&mut missing[i]),
            _ => BTreeSet::new(),
        },
    })
}

fn missing_key(missing: &Missing) -> String {
    match missing {
        Missing::Metric { metric, period } => metric_key(metric, *period),
        Missing::Field { field } => format!("field {field}"),
        Missing::Event { event_kind, .. } => format!("event {event_kind}"),
    }
}

/// Checks the evaluation against the oracle; `Err` says how they differ.
fn check_against_oracle(case: &Case, evaluation: &Evaluation) -> Result<(), String> {
    // What each rule displaces when it fires (transitively), from the policy's `replaces`.
    let displaces: [&[usize]; 3] = [&[], &[0], &[0, 1]];
    let due = [
        NaiveDate::from_ymd_opt(2026, 11, 6),
        NaiveDate::from_ymd_opt(2026, 11, 13),
        NaiveDate::from_ymd_opt(2026, 11, 6),
    ];
    let mut subjects: Vec<&Subject> = case.subjects.iter().filter(|s| case.present(s)).collect();
    subjects.sort_by(|a, b| a.id.cmp(&b.id));
    let mut actions = Vec::new();
    let mut undecided = Vec::new();
    for subject in subjects {
        let expected = oracle(case, subject);
        let displaced =
            |i: usize| (0..3).any(|j| expected[j].truth == T3::True && displaces[j].contains(&i));
        for (i, rule) in expected.iter().enumerate() {
            if displaced(i) {
                continue;
            }
            match rule.truth {
                T3::False => {}
                T3::True => {
                    let replaces: Vec<String> = displaces[i]
                        .iter()
                        .filter(|&&d| expected[d].truth == T3::True)
                        .map(|&d| RULES[d].to_string())
                        .collect();
                    actions.push((subject.id.clone(), RULES[i], due[i], replaces));
                }
                T3::Unknown => {
                    undecided.push((subject.id.clone(), RULES[i], rule.missing.clone()));
                }
            }
        }
    }
    let got_actions: Vec<_> = evaluation
        .actions
        .iter()
        .map(|a| {
            (
                a.subject.clone(),
                a.rule.as_str(),
                a.due,
                a.replaces.clone(),
            )
        })
        .collect();
    let got_undecided: Vec<_> = evaluation
        .undecided
        .iter()
        .map(|u| {
            let missing: BTreeSet<String> = u.missing.iter().map(missing_key).collect();
            (u.subject.clone(), u.rule.as_str(), missing)
        })
        .collect();
    let expected_actions: Vec<_> = actions
        .iter()
        .map(|(s, r, d, rep)| (s.clone(), *r, *d, rep.clone()))
        .collect();
    if got_actions != expected_actions {
        return Err(format!(
            "actions differ\n expected {expected_actions:?}\n      got {got_actions:?}"
        ));
    }
    let expected_undecided: Vec<_> = undecided
        .iter()
        .map(|(s, r, m)| (s.clone(), *r, m.clone()))
        .collect();
    if got_undecided != expected_undecided {
        return Err(format!(
            "undecided differ\n expected {expected_undecided:?}\n      got {got_undecided:?}"
        ));
    }
    if evaluation.subjects_evaluated != case.subjects.iter().filter(|s| case.present(s)).count() {
        return Err(format!(
            "{} subjects evaluated, expected those present in the files",
            evaluation.subjects_evaluated
        ));
    }
    Ok(())
}

/// Checks each action's own condition and evidence against the data directly.
fn check_actions_hold(case: &Case, evaluation: &Evaluation) -> Result<(), String> {
    for action in &evaluation.actions {
        let subject = case
            .subjects
            .iter()
            .find(|s| s.id == action.subject)
            .ok_or_else(|| format!("an action for unknown subject {}", action.subject))?;
        let in_time = |o: i32| {
            case.row(subject, o)
                .and_then(|r| r.in_time)
                .map(|p| p.tenths)
        };
        let callbacks = |o: i32| case.row(subject, o).and_then(|r| r.callbacks);
        let holds =
            |o: i32| in_time(o).is_some_and(|t| t < 800) && callbacks(o).is_some_and(|n| n >= 20);
        let ok = match action.rule.as_str() {
            "first_month" => holds(0),
            "second_month" => holds(-1) && holds(0),
            "third_month" => {
                matches!(subject.staff_group, Some(Some(g)) if g.eq_ignore_ascii_case("gp"))
                    && (-2..=0).all(|o| in_time(o).is_some_and(|t| t < 800))
            }
            other => return Err(format!("an action for unknown rule {other}")),
        };
        if !ok {
            return Err(format!(
                "{} fired for {} but its condition does not hold: {:?}",
                action.rule, action.subject, subject
            ));
        }
        for evidence in &action.evidence {
            if let Evidence::Metric {
                metric,
                period,
                value,
                ..
            } = evidence
            {
                let offset = period.months_since(as_of());
                let actual = match metric.as_str() {
                    "callback_in_time" => {
                        in_time(offset).map(|t| escalate::Decimal::new(i64::from(t), 1))
                    }
                    "callbacks" => callbacks(offset).map(escalate::Decimal::from),
                    _ => None,
                };
                if actual.is_none_or(|a| a != value.0) {
                    return Err(format!(
                        "evidence {metric} {period} = {value} for {} but the data has {actual:?}",
                        action.subject
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `cases` cases per property, or `PROPTEST_CASES` when set (for a longer run).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // Failing cases are printed, not saved next to the test.
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// (a) Shuffling the performance file's rows and columns does not change the result.
    #[test]
    fn row_order_does_not_matter(case in case()) {
        let ordered = json(&evaluate(&case, Layout::Wide));
        let shuffled = json(&evaluate(&case, Layout::WideShuffled));
        prop_assert_eq!(ordered, shuffled);
    }

    /// (b) The wide and long layouts of the same figures give the same result.
    #[test]
    fn wide_and_long_agree(case in case()) {
        let wide = json(&evaluate(&case, Layout::Wide));
        let long = json(&evaluate(&case, Layout::Long));
        prop_assert_eq!(wide, long);
    }

    /// (c) A subject's actions and undecided rules are the same with or without the others.
    #[test]
    fn subjects_are_independent(case in case(), pick in any::<prop::sample::Index>()) {
        let full = json(&evaluate(&case, Layout::Wide));
        let present: Vec<&Subject> = case.subjects.iter().filter(|s| case.present(s)).collect();
        prop_assume!(!present.is_empty());
        let subject = present[pick.index(present.len())];
        let alone = json(&evaluate(&case.only(|s| s.id == subject.id), Layout::Wide));
        prop_assert_eq!(alone["subjects_evaluated"].as_u64(), Some(1));
        prop_assert_eq!(entries_of(&full, &subject.id), entries_of(&alone, &subject.id));
    }

    /// (d) Every action's condition holds in the data, its evidence is the data, and the
    /// actions and undecided rules are exactly those the oracle computes.
    #[test]
    fn actions_agree_with_the_oracle(case in case()) {
        let evaluation = evaluate(&case, Layout::Wide);
        if let Err(why) = check_actions_hold(&case, &evaluation) {
            return Err(TestCaseError::fail(format!("{why}\n{}", performance_csv(&case, Layout::Wide))));
        }
        if let Err(why) = check_against_oracle(&case, &evaluation) {
            return Err(TestCaseError::fail(format!(
                "{why}\n{}\n{}",
                performance_csv(&case, Layout::Wide),
                subjects_csv(&case).unwrap_or_default()
            )));
        }
    }
}

/// The oracle agrees with the conformance case's expected result on its own data (a check
/// of the oracle itself, on hand-computed answers).
#[test]
fn oracle_matches_a_known_case() {
    // c1: 2026-09 78%, 2026-10 76%, 40 call-backs, gp: second_month replacing first_month.
    // c2: 2026-10 missing: first and second month undecided.
    let row = |tenths: Option<u32>, callbacks: u32| {
        Some(Row {
            in_time: tenths.map(|tenths| Percent { tenths, style: 0 }),
            callbacks: Some(callbacks),
            cases_per_hour: None,
        })
    };
    let case = Case {
        start: -2,
        months: 3,
        subjects: vec![
            Subject {
                id: "c1".into(),
                staff_group: Some(Some("gp")),
                rows: vec![row(Some(850), 40), row(Some(780), 40), row(Some(760), 40)],
            },
            Subject {
                id: "c2".into(),
                staff_group: Some(Some("gp")),
                rows: vec![row(Some(850), 40), row(Some(700), 40), row(None, 40)],
            },
        ],
        seed: 1,
    };
    let evaluation = evaluate(&case, Layout::Wide);
    check_against_oracle(&case, &evaluation).unwrap();
    check_actions_hold(&case, &evaluation).unwrap();
    assert_eq!(evaluation.actions.len(), 1);
    assert_eq!(evaluation.actions[0].rule, "second_month");
    assert_eq!(
        evaluation.actions[0].replaces,
        vec!["first_month".to_string()]
    );
    let undecided: Vec<&str> = evaluation
        .undecided
        .iter()
        .map(|u| u.rule.as_str())
        .collect();
    assert_eq!(undecided, ["first_month", "second_month"]);
}

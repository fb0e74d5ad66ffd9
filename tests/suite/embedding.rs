//! What embedders rely on: results read back from their JSON unchanged (every bundled policy:
//! evaluations, explanations, backtests), and data given as text in memory or from a reader
//! loads exactly as the same file does.

use std::path::Path;

use escalate::{
    backtest, explain, Backtest, DataInput, DataSources, Dataset, EvalOptions, Evaluation,
    Explanation, FileFormat, Policy,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

const BUNDLED: &[(&str, &str, &str)] = &[
    ("ooh_callbacks", "ooh", "2026-10"),
    ("contractor_concerns", "contractors", "2026-10"),
    ("practice_scorecard", "practices", "2026-10"),
    ("action_plan_delays", "psr", "2026-12"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str, dir: &str) -> (Policy, Dataset) {
    let policy = Policy::from_path(root().join("policies").join(format!("{name}.policy")))
        .unwrap_or_else(|e| panic!("{}", e.render(false)));
    let sources = DataSources::from_dir(&root().join("examples/data").join(dir)).unwrap();
    let data = Dataset::load(&policy.program().schema, &sources).unwrap();
    (policy, data)
}

/// Serialises, reads back, serialises again: the two JSON documents must be the same.
fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> serde_json::Value {
    let first = serde_json::to_value(value).unwrap();
    let read: T = serde_json::from_value(first.clone()).unwrap();
    let second = serde_json::to_value(&read).unwrap();
    assert_eq!(first, second);
    first
}

#[test]
fn results_read_back_from_their_json_unchanged() {
    for (name, dir, month) in BUNDLED {
        let (policy, data) = load(name, dir);
        let as_of = month.parse().unwrap();
        let evaluation = policy.evaluate(&data, as_of, &EvalOptions::default());
        assert!(!evaluation.actions.is_empty(), "{name} gives actions");
        let json = round_trip::<Evaluation>(&evaluation);
        assert_eq!(
            json["actions"].as_array().unwrap().len(),
            evaluation.actions.len()
        );
        let subject = &evaluation.actions[0].subject;
        let explanation = explain(
            policy.program(),
            &data,
            as_of,
            &EvalOptions::default(),
            subject,
            None,
            None,
        )
        .unwrap();
        round_trip::<Explanation>(&explanation);
        let replay = backtest(&policy, &data, as_of.offset(-2), as_of, &|_| {});
        round_trip::<Backtest>(&replay);
    }
}

#[test]
fn text_and_readers_load_as_the_file_does() {
    let (policy, _) = load("ooh_callbacks", "ooh");
    let schema = &policy.program().schema;
    let folder = root().join("examples/data/ooh");
    let files = DataSources::from_dir(&folder).unwrap();
    let performance = std::fs::read_to_string(folder.join("performance.csv")).unwrap();
    let subjects = std::fs::read(folder.join("subjects.csv")).unwrap();
    let texts = DataSources {
        performance: Some(DataInput::csv("performance.csv", performance)),
        subjects: Some(
            DataInput::from_reader("subjects.csv", FileFormat::Csv, subjects.as_slice()).unwrap(),
        ),
        ..DataSources::default()
    };
    let as_of = "2026-10".parse().unwrap();
    let options = EvalOptions::default();
    let from_files = policy.evaluate(&Dataset::load(schema, &files).unwrap(), as_of, &options);
    let from_texts = policy.evaluate(&Dataset::load(schema, &texts).unwrap(), as_of, &options);
    assert!(!from_files.actions.is_empty());
    assert_eq!(from_texts.actions, from_files.actions);
    assert_eq!(from_texts.undecided, from_files.undecided);
    assert_eq!(from_texts.grades, from_files.grades);
}

#[test]
fn errors_in_text_name_the_given_name_line_and_column_and_show_the_line() {
    let (policy, _) = load("ooh_callbacks", "ooh");
    let text = "subject,period,callback_in_time,callbacks,cases_per_hour\n\
                gp01,2026-10,85,30,1.5\n\
                gp02,2026-10,eighty,30,1.5\n";
    let sources = DataSources {
        performance: Some(DataInput::csv("pasted performance", text)),
        ..DataSources::default()
    };
    let errors = Dataset::load(&policy.program().schema, &sources).unwrap_err();
    let record = errors.iter().next().unwrap().record();
    assert_eq!(
        (record.file.as_str(), record.line, record.column),
        ("pasted performance", 3, 3)
    );
    let rendered = escalate::render_diagnostic(errors.iter().next().unwrap(), false);
    assert!(rendered.contains("gp02,2026-10,eighty"), "{rendered}");

    let row = |subject: &str, period: &str| {
        format!(
            "{{\"subject\": \"{subject}\", \"period\": \"{period}\", \"callback_in_time\": 85, \
             \"callbacks\": 30, \"cases_per_hour\": 1.5}}"
        )
    };
    let json = format!("[{},\n{}]", row("gp01", "2026-10"), row("gp02", "2026-13"));
    let sources = DataSources {
        performance: Some(DataInput::json("rows", json)),
        ..DataSources::default()
    };
    let errors = Dataset::load(&policy.program().schema, &sources).unwrap_err();
    let record = errors.iter().next().unwrap().record();
    assert_eq!((record.file.as_str(), record.line), ("rows", 2));
}

#[test]
fn text_that_is_not_utf8_is_reported_with_its_line() {
    let (policy, _) = load("ooh_callbacks", "ooh");
    let bytes = b"subject,period,callback_in_time,callbacks,cases_per_hour\n\
                  gp01,2026-10,85,30,1.5\ngp\xff2,2026-10,85,30,1.5\n"
        .to_vec();
    let sources = DataSources {
        performance: Some(DataInput::in_memory("upload", FileFormat::Csv, bytes)),
        ..DataSources::default()
    };
    let errors = Dataset::load(&policy.program().schema, &sources).unwrap_err();
    let record = errors.iter().next().unwrap().record();
    assert_eq!(
        (record.file.as_str(), record.line),
        ("upload", 3),
        "{record:?}"
    );
}

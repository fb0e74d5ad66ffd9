//! Loading performance, concern and subject data: formats, errors and equivalences.

use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{
    ConcernRecord, DataError, DataSources, Dataset, EventRecord, FileFormat, FileKind, Layout,
    PerformanceRecord, SubjectRecord,
};
use crate::month::Month;
use crate::schema::{
    CaseKindDef, EventKindDef, FieldDef, FieldType, MetricDef, MetricKind, Schema, Value,
};
use proptest::prelude::*;

fn metric(id: &str, kind: MetricKind) -> MetricDef {
    MetricDef {
        id: id.into(),
        description: format!("the {id} figure"),
        kind,
        direction: None,
    }
}

fn field(name: &str, ty: FieldType) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
    }
}

fn one_of(names: &[&str]) -> FieldType {
    FieldType::OneOf(names.iter().map(|s| s.to_string()).collect())
}

/// The schema of the call-backs policy (conformance 01 and 06).
fn callbacks_schema() -> Schema {
    Schema {
        metrics: vec![
            metric("callback_in_time", MetricKind::Percent),
            metric("callbacks", MetricKind::Count),
        ],
        subject_fields: vec![field("staff_group", one_of(&["gp", "anp", "pharmacist"]))],
        concern_fields: vec![],
        ..Schema::default()
    }
}

/// A schema using every kind of metric and field.
fn full_schema() -> Schema {
    Schema {
        metrics: vec![
            metric("callback_in_time", MetricKind::Percent),
            metric("callbacks", MetricKind::Count),
            metric("cases_per_hour", MetricKind::Number),
        ],
        subject_fields: vec![
            field("staff_group", one_of(&["gp", "anp", "pharmacist"])),
            field("name", FieldType::Text),
            field("joined", FieldType::Date),
            field("fte", FieldType::Number),
            field("locum", FieldType::Flag),
        ],
        concern_fields: vec![
            field(
                "category",
                one_of(&["clinical", "behavioural", "governance", "health"]),
            ),
            field("patient_safety", FieldType::Flag),
            field("consequence", FieldType::Integer { min: 1, max: 5 }),
            field("likelihood", FieldType::Integer { min: 1, max: 5 }),
            field("summary", FieldType::Text),
        ],
        ..Schema::default()
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(name)
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-data-{}-{}", std::process::id(), name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn month(text: &str) -> Month {
    text.parse().unwrap()
}

fn load_dir(schema: &Schema, dir: &Path) -> Result<Dataset, Vec<DataError>> {
    let sources = DataSources::from_dir(dir).map_err(|e| vec![e])?;
    Dataset::load(schema, &sources).map_err(|e| e.0)
}

/// Everything a dataset holds, by subject id, as text (independent of subject order).
fn snapshot(schema: &Schema, data: &Dataset) -> String {
    let mut out = String::new();
    let mut ids: Vec<&str> = data.subjects().map(|(_, id)| id).collect();
    ids.sort();
    writeln!(out, "months {:?}", data.months()).unwrap();
    for id in ids {
        let s = data.subject_index(id).unwrap();
        assert_eq!(data.subject_id(s), id);
        writeln!(out, "subject {id}").unwrap();
        if let Some((first, last)) = data.months() {
            for (m, def) in schema.metrics.iter().enumerate() {
                let mut at = first;
                while at <= last {
                    if let Some(v) = data.metric_value(m, s, at) {
                        writeln!(out, "  {} {at} = {v:?}", def.id).unwrap();
                    }
                    at = at.offset(1);
                }
            }
        }
        for (f, def) in schema.subject_fields.iter().enumerate() {
            writeln!(out, "  {} = {:?}", def.name, data.subject_field(s, f)).unwrap();
        }
        for concern in data.concerns(s) {
            writeln!(
                out,
                "  concern {} {} {:?}",
                concern.id, concern.raised_on, concern.fields
            )
            .unwrap();
        }
    }
    out
}

fn render(error: &DataError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(120)
        .render_report(&mut out, error)
        .unwrap();
    out
}

fn brief(errors: &[DataError]) -> Vec<(String, usize, usize, &'static str, String)> {
    errors
        .iter()
        .map(|e| {
            let loc = e.location().expect("a location");
            (
                loc.file.file_name().unwrap().to_string_lossy().into_owned(),
                loc.line,
                loc.column,
                e.code(),
                e.to_string(),
            )
        })
        .collect()
}

#[test]
fn conformance_06_reports_all_six_errors_at_once() {
    let errors = load_dir(&callbacks_schema(), &fixture("06-data-errors")).unwrap_err();
    let got = brief(&errors);
    let expected: Vec<(&str, usize, usize, &str, &str)> = vec![
        ("performance.csv", 4, 3, "data::not_a_number", "`8O` is not a number"),
        ("performance.csv", 6, 2, "data::bad_month", "`2026-13` is not a month"),
        (
            "performance.csv",
            7,
            3,
            "data::percent_out_of_range",
            "`120%` is more than 100%",
        ),
        ("performance.csv", 8, 4, "data::not_a_number", "`forty` is not a number"),
        (
            "performance.csv",
            10,
            3,
            "data::duplicate_value",
            "`c05` has two values for `callback_in_time` and `callbacks` in 2026-10 (the other is on line 9)",
        ),
        (
            "subjects.csv",
            4,
            2,
            "data::unknown_value",
            "`consultant` is not one of the values allowed for `staff_group`",
        ),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(f, l, c, code, m)| (f.to_string(), l, c, code, m.to_string()))
        .collect();
    assert_eq!(got, expected);

    // Help speaks to contract managers and names the column.
    assert_eq!(
        errors[0].help_text(),
        Some("in column `callback_in_time`, write the figure with digits only, such as `80` or `80%`")
    );
    assert!(errors[4].help_text().unwrap().contains("line 9"));
    assert!(errors[5]
        .help_text()
        .unwrap()
        .contains("gp, anp, pharmacist"));

    // The human rendering shows the file, line and the row with the value underlined.
    let shown = render(&errors[0]);
    assert!(shown.contains("performance.csv:4:13"), "{shown}");
    assert!(shown.contains("c02,2026-09,8O,40"), "{shown}");
    assert!(shown.contains("data::not_a_number"), "{shown}");
    assert!(shown.contains("not a number"), "{shown}");
    let shown = render(&errors[5]);
    assert!(shown.contains("subjects.csv:4:5"), "{shown}");
    assert!(shown.contains("c03,consultant"), "{shown}");
}

#[test]
fn partial_load_keeps_good_rows_and_counts_rejected_ones() {
    let sources = DataSources::from_dir(&fixture("06-data-errors")).unwrap();
    let (data, errors) = Dataset::load_partial(&callbacks_schema(), &sources);
    assert_eq!(errors.len(), 6);
    let perf = &data.summary().files[0];
    assert_eq!(
        (perf.rows_read, perf.rows_used, perf.rows_rejected),
        (9, 4, 5)
    );
    let subjects = &data.summary().files[1];
    assert_eq!(
        (
            subjects.rows_read,
            subjects.rows_used,
            subjects.rows_rejected
        ),
        (5, 4, 1)
    );
    let c05 = data.subject_index("c05").unwrap();
    assert_eq!(
        data.metric_value(0, c05, month("2026-10")),
        Some(dec("75.0"))
    );
}

#[test]
fn conformance_01_wide_file_with_unused_columns() {
    let schema = callbacks_schema();
    let data = load_dir(&schema, &fixture("01-callbacks")).unwrap();
    assert_eq!(data.subject_count(), 12);
    let c02 = data.subject_index("c02").unwrap();
    assert_eq!(
        data.metric_value(0, c02, month("2026-10")),
        Some(dec("76.0"))
    );
    assert_eq!(
        data.metric_value(1, c02, month("2026-10")),
        Some(dec("40.0"))
    );
    assert_eq!(data.metric_value(0, c02, month("2026-11")), None);
    assert_eq!(data.months(), Some((month("2026-05"), month("2026-10"))));
    let c05 = data.subject_index("c05").unwrap();
    assert_eq!(data.subject_field(c05, 0), Some(&Value::Enum(1)));
    let summary = data.summary();
    assert_eq!(summary.files.len(), 2);
    assert_eq!(summary.files[0].layout, Some(Layout::Wide));
    assert_eq!(summary.files[0].unused_columns, vec!["cases_per_hour"]);
    // The subjects file's `name` column is read, undeclared, as the subjects' display names.
    assert!(summary.files[1].unused_columns.is_empty());
    assert_eq!(data.subject_name(c05), Some("Clinician 5"));
    assert_eq!(summary.files[0].rows_used, summary.files[0].rows_read);
}

#[test]
fn conformance_03_long_file() {
    let schema = Schema {
        metrics: vec![
            metric("access_2wk", MetricKind::Percent),
            metric("satisfaction", MetricKind::Percent),
            metric("ae_per_1000", MetricKind::Number),
        ],
        ..Schema::default()
    };
    let data = load_dir(&schema, &fixture("03-scorecard")).unwrap();
    let summary = &data.summary().files[0];
    assert_eq!(summary.layout, Some(Layout::Long));
    assert_eq!(summary.rows_used, summary.rows_read);
    let p2 = data.subject_index("p2").unwrap();
    assert_eq!(
        data.metric_value(0, p2, month("2026-08")),
        Some(dec("65.0"))
    );
    assert_eq!(
        data.metric_value(2, p2, month("2026-11")),
        Some(dec("34.0"))
    );

    // Rows for metrics a policy does not declare are skipped and counted.
    let fewer = Schema {
        metrics: vec![metric("access_2wk", MetricKind::Percent)],
        ..Schema::default()
    };
    let data = load_dir(&fewer, &fixture("03-scorecard")).unwrap();
    let summary = &data.summary().files[0];
    assert_eq!(summary.layout, Some(Layout::Long));
    assert!(summary.rows_ignored > 0);
    assert_eq!(summary.rows_used + summary.rows_ignored, summary.rows_read);
    let reasons: Vec<&str> = summary.ignored.iter().map(|i| i.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("`satisfaction`")),
        "{reasons:?}"
    );
}

#[test]
fn reads_bom_crlf_quotes_spaces_and_uk_dates() {
    let dir = temp_dir("bom");
    write(
        &dir,
        "performance.csv",
        "\u{feff}Subject , Period,callback_in_time,callbacks,cases_per_hour, notes \r\n\
         c01 , 2026-09 , \"79.5%\" , 40 ,2.5,\"late, then fine\"\r\n\
         \"c02\",2026-09,100,0,-1.5,\"said \"\"ok\"\"\"\r\n\
         \r\n\
         ,,,,,\r\n\
         c03,2026-09,,,,\r\n",
    );
    write(
        &dir,
        "concerns.csv",
        "\u{feff}id,subject,raised_on,category,patient_safety,consequence,likelihood,summary\r\n\
         K-2,c01,02/03/2026,Clinical,Yes,3,2,\"Delayed diagnosis, then referral\"\r\n\
         K-1,c01,2026-03-02,governance,N,1,1,\"Records\r\nincomplete\"\r\n\
         K-3,c09,1/12/2025,health,0,2,5,Sickness\r\n",
    );
    write(
        &dir,
        "subjects.csv",
        "subject,staff_group,name,joined,fte,locum\r\n\
         c01, GP ,\"Smith, J\",01/04/2020,0.8,y\r\n\
         c02,anp,,2021-09-30,,FALSE\r\n",
    );
    let schema = full_schema();
    let data = load_dir(&schema, &dir).unwrap();
    let c01 = data.subject_index("c01").unwrap();
    let c02 = data.subject_index("c02").unwrap();
    let c03 = data.subject_index("c03").unwrap();
    let c09 = data.subject_index("c09").unwrap();
    let sep = month("2026-09");
    assert_eq!(data.metric_value(0, c01, sep), Some(dec("79.5")));
    assert_eq!(data.metric_value(1, c01, sep), Some(dec("40.0")));
    assert_eq!(data.metric_value(2, c01, sep), Some(dec("2.5")));
    assert_eq!(data.metric_value(0, c02, sep), Some(dec("100.0")));
    assert_eq!(data.metric_value(1, c02, sep), Some(dec("0.0")));
    assert_eq!(data.metric_value(2, c02, sep), Some(dec("-1.5")));
    assert_eq!(data.metric_value(0, c03, sep), None);
    assert_eq!(data.subject_field(c01, 0), Some(&Value::Enum(0)));
    assert_eq!(
        data.subject_field(c01, 1),
        Some(&Value::Text("Smith, J".into()))
    );
    assert_eq!(
        data.subject_field(c01, 2),
        Some(&Value::Date(
            chrono::NaiveDate::from_ymd_opt(2020, 4, 1).unwrap()
        ))
    );
    assert_eq!(data.subject_field(c01, 3), Some(&Value::Number(dec("0.8"))));
    assert_eq!(data.subject_field(c01, 4), Some(&Value::Flag(true)));
    assert_eq!(data.subject_field(c02, 1), None);
    assert_eq!(data.subject_field(c02, 3), None);
    assert_eq!(data.subject_field(c02, 4), Some(&Value::Flag(false)));
    assert_eq!(data.subject_field(c03, 0), None);

    // Concerns are sorted by date then id; both date forms read the same.
    let ids: Vec<&str> = data.concerns(c01).iter().map(|c| &*c.id).collect();
    assert_eq!(ids, vec!["K-1", "K-2"]);
    let k1 = &data.concerns(c01)[0];
    assert_eq!(k1.raised_on.to_string(), "2026-03-02");
    assert_eq!(k1.fields[4], Value::Text("Records\r\nincomplete".into()));
    assert_eq!(data.concerns(c01)[1].fields[1], Value::Flag(true));
    assert_eq!(data.concerns(c09)[0].raised_on.to_string(), "2025-12-01");
    assert_eq!(data.concerns(c03), &[]);

    let perf = &data.summary().files[0];
    assert_eq!(
        (perf.rows_read, perf.rows_used, perf.rows_ignored),
        (5, 3, 2)
    );
    assert_eq!(perf.unused_columns, vec!["notes"]);
    assert_eq!(data.subject_count(), 4);
}

/// The same data in the wide layout, the long layout, JSON and records.
struct Same {
    wide: &'static str,
    long: &'static str,
    concerns: &'static str,
    subjects: &'static str,
}

const SAME: Same = Same {
    wide: "subject,period,callback_in_time,callbacks,cases_per_hour\n\
           c01,2026-08,91,40,2.4\n\
           c01,2026-09,88%,41,\n\
           c02,2026-09,,,3\n\
           c02,2026-10,70,12,2.5\n\
           c03,2026-10,,,\n",
    long: "subject,period,metric,value\n\
           c02,2026-10,callbacks,12\n\
           c01,2026-08,callback_in_time,91\n\
           c01,2026-08,callbacks,40\n\
           c01,2026-08,cases_per_hour,2.4\n\
           c01,2026-09,callback_in_time,88%\n\
           c01,2026-09,callbacks,41\n\
           c02,2026-09,cases_per_hour,3\n\
           c02,2026-10,callback_in_time,70\n\
           c02,2026-10,cases_per_hour,2.5\n\
           c02,2026-10,other_metric,7\n\
           c03,2026-10,callbacks,\n",
    concerns: "id,subject,raised_on,category,patient_safety,consequence,likelihood,summary\n\
               K-1,c01,2026-03-02,clinical,yes,3,2,Delayed diagnosis\n\
               K-2,c04,02/01/2026,health,no,1,1,Sickness\n",
    subjects: "subject,staff_group,name,joined,fte,locum\n\
               c01,gp,\"Smith, J\",2020-04-01,0.8,yes\n\
               c02,anp,,,,\n",
};

fn load_same(name: &str, performance: &str) -> Dataset {
    let dir = temp_dir(name);
    write(&dir, "performance.csv", performance);
    write(&dir, "concerns.csv", SAME.concerns);
    write(&dir, "subjects.csv", SAME.subjects);
    load_dir(&full_schema(), &dir).unwrap()
}

#[test]
fn wide_and_long_give_the_same_dataset() {
    let schema = full_schema();
    let wide = load_same("wide", SAME.wide);
    let long = load_same("long", SAME.long);
    assert_eq!(wide.summary().files[0].layout, Some(Layout::Wide));
    assert_eq!(long.summary().files[0].layout, Some(Layout::Long));
    assert_eq!(long.summary().files[0].rows_ignored, 1);
    let snap = snapshot(&schema, &wide);
    assert!(snap.contains("callback_in_time 2026-09 = 88\n"), "{snap}");
    assert!(snap.contains("subject c04\n"), "{snap}");
    assert_eq!(snap, snapshot(&schema, &long));
}

#[test]
fn json_gives_the_same_dataset_as_csv() {
    let schema = full_schema();
    let csv = load_same("json-csv", SAME.wide);
    let dir = temp_dir("json");
    write(
        &dir,
        "performance.json",
        r#"[
  {"subject": "c01", "period": "2026-08", "callback_in_time": 91, "callbacks": 40, "cases_per_hour": 2.4},
  {"subject": "c01", "period": "2026-09", "callback_in_time": "88%", "callbacks": 41, "cases_per_hour": null},
  {"subject": "c02", "period": "2026-09", "cases_per_hour": "3"},
  {"subject": "c02", "period": "2026-10", "callback_in_time": 70, "callbacks": 12.0, "cases_per_hour": 2.5},
  {"subject": "c03", "period": "2026-10", "Callbacks": ""}
]"#,
    );
    write(
        &dir,
        "concerns.json",
        "\u{feff}[{\"id\": \"K-1\", \"subject\": \"c01\", \"raised_on\": \"2026-03-02\", \"category\": \"clinical\",\n\
          \"patient_safety\": true, \"consequence\": 3, \"likelihood\": 2, \"summary\": \"Delayed diagnosis\"},\n\
          {\"id\": \"K-2\", \"subject\": \"c04\", \"raised_on\": \"02/01/2026\", \"category\": \"health\",\n\
          \"patient_safety\": \"no\", \"consequence\": 1, \"likelihood\": 1, \"summary\": \"Sickness\"}]",
    );
    write(
        &dir,
        "subjects.json",
        r#"[{"subject": "c01", "staff_group": "gp", "name": "Smith, J", "joined": "2020-04-01", "fte": 0.8, "locum": "yes"},
            {"subject": "c02", "staff_group": "anp", "name": null}]"#,
    );
    let json = load_dir(&schema, &dir).unwrap();
    assert_eq!(json.summary().files[0].format, FileFormat::Json);
    assert_eq!(snapshot(&schema, &csv), snapshot(&schema, &json));
}

#[test]
fn json_errors_name_the_line_of_the_record() {
    let dir = temp_dir("json-errors");
    write(
        &dir,
        "performance.json",
        "[\n  {\"subject\": \"c01\", \"period\": \"2026-10\", \"callback_in_time\": 91, \"callbacks\": [40]},\n  {\n    \"subject\": \"c02\",\n    \"period\": \"2026-10\",\n    \"callback_in_time\": \"8O\",\n    \"callbacks\": 40\n  },\n  42\n]\n",
    );
    let errors = load_dir(&callbacks_schema(), &dir).unwrap_err();
    let got = brief(&errors);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!((got[0].1, got[0].2, got[0].3), (2, 1, "data::bad_json"));
    assert_eq!((got[1].1, got[1].2, got[1].3), (3, 1, "data::not_a_number"));
    assert_eq!((got[2].1, got[2].3), (9, "data::bad_json"));
    let shown = render(&errors[0]);
    assert!(shown.contains("performance.json:2:"), "{shown}");
    assert!(shown.contains("\"callbacks\": [40]"), "{shown}");
    let shown = render(&errors[1]);
    assert!(shown.contains("performance.json:6:5"), "{shown}");
    assert!(shown.contains("\"callback_in_time\": \"8O\""), "{shown}");

    write(
        &dir,
        "performance.json",
        "[\n {\"subject\": \"c01\",\n  \"period\" \"2026-10\"}\n]",
    );
    let errors = load_dir(&callbacks_schema(), &dir).unwrap_err();
    let got = brief(&errors);
    assert_eq!((got[0].1, got[0].3), (3, "data::bad_json"));
    assert!(got[0].4.contains("not valid JSON"), "{got:?}");

    write(&dir, "performance.json", "{\"subject\": \"c01\"}");
    let got = brief(&load_dir(&callbacks_schema(), &dir).unwrap_err());
    assert_eq!(got[0].3, "data::bad_json");

    write(
        &dir,
        "performance.json",
        b"[{\"subject\": \"c\xff\"}]".as_slice(),
    );
    let got = brief(&load_dir(&callbacks_schema(), &dir).unwrap_err());
    assert_eq!(got[0].3, "data::invalid_utf8");

    // An empty list is no data, not an error.
    write(&dir, "performance.json", " [ ] ");
    let data = load_dir(&callbacks_schema(), &dir).unwrap();
    assert_eq!(data.subject_count(), 0);
}

#[test]
fn records_give_the_same_dataset_as_csv() {
    let schema = full_schema();
    let csv = load_same("records-csv", SAME.wide);
    let performance: Vec<PerformanceRecord> = serde_json::from_str(
        r#"[
          {"subject": "c01", "period": "2026-08", "metric": "callback_in_time", "value": 91},
          {"subject": "c01", "period": "2026-08", "metric": "callbacks", "value": 40},
          {"subject": "c01", "period": "2026-08", "metric": "cases_per_hour", "value": 2.4},
          {"subject": "c01", "period": "2026-09", "metric": "callback_in_time", "value": 88},
          {"subject": "c01", "period": "2026-09", "metric": "callbacks", "value": 41},
          {"subject": "c02", "period": "2026-09", "metric": "cases_per_hour", "value": 3},
          {"subject": "c02", "period": "2026-10", "metric": "callback_in_time", "value": 70},
          {"subject": "c02", "period": "2026-10", "metric": "callbacks", "value": 12},
          {"subject": "c02", "period": "2026-10", "metric": "cases_per_hour", "value": 2.5},
          {"subject": "c03", "period": "2026-10", "metric": "callbacks"}
        ]"#,
    )
    .unwrap();
    let subjects: Vec<SubjectRecord> = serde_json::from_str(
        r#"[{"subject": "c01", "staff_group": "GP", "name": "Smith, J", "joined": "01/04/2020", "fte": 0.8, "locum": true},
            {"subject": "c02", "staff_group": "anp"}]"#,
    )
    .unwrap();
    let concerns: Vec<ConcernRecord> = serde_json::from_str(
        r#"[{"id": "K-2", "subject": "c04", "raised_on": "02/01/2026", "category": "health",
             "patient_safety": "no", "consequence": 1, "likelihood": 1, "summary": "Sickness"},
            {"id": "K-1", "subject": "c01", "raised_on": "2026-03-02", "category": "clinical",
             "patient_safety": "yes", "consequence": 3, "likelihood": 2, "summary": "Delayed diagnosis"}]"#,
    )
    .unwrap();
    let records = Dataset::from_records(&schema, &performance, &subjects, &concerns, &[]).unwrap();
    assert_eq!(records.summary().files[0].format, FileFormat::Records);
    assert_eq!(snapshot(&schema, &csv), snapshot(&schema, &records));
}

#[test]
fn records_are_checked_like_files() {
    let schema = callbacks_schema();
    let record = |subject: &str, metric: &str, value: Decimal| PerformanceRecord {
        subject: subject.into(),
        period: month("2026-10"),
        metric: metric.into(),
        value: Some(value),
    };
    let performance = vec![
        record("c01", "callback_in_time", dec("120")),
        record("c01", "callbacks", dec("2.5")),
        record("c02", "callbacks", Decimal::MAX),
        record("c03", "callbacks", dec("-1")),
        record("c04", "callbacks", dec("4")),
        record("c04", "callbacks", dec("5")),
        record("c05", "unknown", dec("5")),
    ];
    let subjects = vec![SubjectRecord {
        subject: "c01".into(),
        fields: [("staff_group".to_string(), serde_json::json!("consultant"))]
            .into_iter()
            .collect(),
    }];
    let errors = Dataset::from_records(&schema, &performance, &subjects, &[], &[])
        .unwrap_err()
        .0;
    let got = brief(&errors);
    let codes: Vec<(&str, usize, &str)> = got
        .iter()
        .map(|(f, l, _, c, _)| (f.as_str(), *l, *c))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("performance records", 1, "data::percent_out_of_range"),
            ("performance records", 2, "data::not_whole"),
            ("performance records", 3, "data::not_a_number"),
            ("performance records", 4, "data::negative_count"),
            ("performance records", 6, "data::duplicate_value"),
            ("subject records", 1, "data::unknown_value"),
        ]
    );
    assert!(got[4].4.contains("(the other is on line 5)"), "{got:?}");
}

#[test]
fn empty_and_header_only_files() {
    let schema = full_schema();
    let dir = temp_dir("empty");
    write(&dir, "performance.csv", "");
    let errors = load_dir(&schema, &dir).unwrap_err();
    assert_eq!(brief(&errors)[0].3, "data::missing_header");
    assert_eq!(errors.len(), 1);

    write(&dir, "performance.csv", "\n\n");
    assert_eq!(
        brief(&load_dir(&schema, &dir).unwrap_err())[0].3,
        "data::missing_header"
    );

    write(
        &dir,
        "performance.csv",
        "subject,period,callback_in_time,callbacks,cases_per_hour\n",
    );
    write(
        &dir,
        "concerns.csv",
        "id,subject,raised_on,category,patient_safety,consequence,likelihood,summary",
    );
    write(
        &dir,
        "subjects.csv",
        "\u{feff}subject,staff_group,name,joined,fte,locum\r\n",
    );
    let data = load_dir(&schema, &dir).unwrap();
    assert_eq!(data.subject_count(), 0);
    assert_eq!(data.months(), None);
    assert_eq!(data.summary().files.len(), 3);
    assert!(data.summary().files.iter().all(|f| f.rows_read == 0));
    assert_eq!(data.metric_value(0, 0, month("2026-10")), None);
    assert_eq!(data.concerns(0), &[]);
    assert_eq!(data.subject_field(0, 0), None);

    // A header that lacks what the policy needs.
    write(&dir, "performance.csv", "subject,callbacks,Callbacks\n");
    write(&dir, "subjects.csv", "id\nc01\n");
    let got = brief(&load_dir(&schema, &dir).unwrap_err());
    let summary: Vec<(&str, usize, &str, &str)> = got
        .iter()
        .map(|(f, l, _, c, m)| (f.as_str(), *l, *c, m.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "performance.csv",
                1,
                "data::missing_column",
                "the file has no `period` column"
            ),
            (
                "performance.csv",
                1,
                "data::missing_column",
                "the file has no `callback_in_time` column"
            ),
            (
                "performance.csv",
                1,
                "data::duplicate_column",
                "the file has two columns headed `Callbacks`"
            ),
            (
                "performance.csv",
                1,
                "data::missing_column",
                "the file has no `cases_per_hour` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `subject` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `staff_group` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `name` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `joined` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `fte` column"
            ),
            (
                "subjects.csv",
                1,
                "data::missing_column",
                "the file has no `locum` column"
            ),
        ]
    );
}

#[test]
fn row_errors_of_every_kind() {
    let schema = full_schema();
    let dir = temp_dir("kinds");
    write(
        &dir,
        "performance.csv",
        "subject,period,callback_in_time,callbacks,cases_per_hour\n\
         c01,2026-10,-1,40,1\n\
         c01,2026-11,50,-2,1\n\
         c01,2026-12,50,2,NaN\n\
         ,2027-01,50,2,1\n\
         c01,,50,2,1\n\
         c01,2027-02,50\n\
         c01,2027-03,50,2,1,surplus\n\
         c01,2027-04,50,2,1,,\n\
         c01,2027-05,inf,1e400,1\n",
    );
    write(
        &dir,
        "concerns.csv",
        "id,subject,raised_on,category,patient_safety,consequence,likelihood,summary\n\
         K-1,c01,2026-02-30,clinical,yes,3,2,x\n\
         K-2,c01,2026-02-03,clinicl,maybe,6,2.5,x\n\
         K-3,c01,2026-02-03,clinical,yes,3,2,\n\
         K-4,c01,2026-02-03,clinical,yes,3,2,x\n\
         K-4,c02,2026-02-04,clinical,yes,3,2,x\n",
    );
    write(
        &dir,
        "subjects.csv",
        "subject,staff_group,name,joined,fte,locum\n\
         c01,gp,A,2020-01-01,1,no\n\
         c01,gp,A,2020-01-01,1,no\n\
         c02,gp,A,31/31/2020,x,no\n",
    );
    let errors = load_dir(&schema, &dir).unwrap_err();
    let got: Vec<(String, usize, usize, &str)> = brief(&errors)
        .into_iter()
        .map(|(f, l, c, code, _)| (f, l, c, code))
        .collect();
    let expected: Vec<(&str, usize, usize, &str)> = vec![
        ("performance.csv", 2, 3, "data::percent_out_of_range"),
        ("performance.csv", 3, 4, "data::negative_count"),
        ("performance.csv", 4, 5, "data::not_a_number"),
        ("performance.csv", 5, 1, "data::missing_value"),
        ("performance.csv", 6, 2, "data::missing_value"),
        ("performance.csv", 7, 1, "data::malformed_row"),
        ("performance.csv", 8, 1, "data::malformed_row"),
        ("performance.csv", 10, 3, "data::not_a_number"),
        ("performance.csv", 10, 4, "data::exponent"),
        ("concerns.csv", 2, 3, "data::bad_date"),
        ("concerns.csv", 3, 4, "data::unknown_value"),
        ("concerns.csv", 3, 5, "data::bad_flag"),
        ("concerns.csv", 3, 6, "data::out_of_range"),
        ("concerns.csv", 3, 7, "data::not_whole"),
        ("concerns.csv", 4, 8, "data::missing_value"),
        ("concerns.csv", 6, 1, "data::duplicate_concern"),
        ("subjects.csv", 3, 1, "data::duplicate_subject"),
        ("subjects.csv", 4, 4, "data::bad_date"),
        ("subjects.csv", 4, 5, "data::not_a_number"),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(f, l, c, code)| (f.to_string(), l, c, code))
        .collect();
    assert_eq!(got, expected);
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        messages.contains(
            &"concern id `K-4` is used more than once (the other is on line 5)".to_string()
        ),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"`c01` has more than one row (the other is on line 2)".to_string()),
        "{messages:?}"
    );
    let clinicl = errors
        .iter()
        .find(|e| e.to_string().contains("clinicl"))
        .unwrap();
    assert!(clinicl
        .help_text()
        .unwrap()
        .contains("did you mean `clinical`?"));
    // Every error renders with its line.
    for error in &errors {
        let shown = render(error);
        let loc = error.location().unwrap();
        assert!(shown.contains(&format!(":{}:", loc.line)), "{shown}");
    }
}

#[test]
fn errors_are_capped_per_file() {
    let dir = temp_dir("cap");
    let mut text = String::from("subject,period,callback_in_time,callbacks\n");
    for i in 0..250 {
        writeln!(text, "c{i},2026-10,x,1").unwrap();
    }
    write(&dir, "performance.csv", text);
    write(&dir, "subjects.csv", "subject,staff_group\nc1,nurse\n");
    let errors = load_dir(&callbacks_schema(), &dir).unwrap_err();
    assert_eq!(errors.len(), 202);
    let last_perf = &errors[200];
    assert_eq!(last_perf.code(), "data::too_many_errors");
    assert_eq!(last_perf.location().unwrap().line, 202);
    assert!(last_perf.to_string().contains("50 more problems"));
    assert_eq!(errors[201].code(), "data::unknown_value");
}

#[test]
fn lines_stay_right_across_batches_and_duplicates_name_the_first_line() {
    let dir = temp_dir("batches");
    let mut text = String::from("subject,period,callback_in_time,callbacks\n");
    for i in 0..3000 {
        let period = month("2020-01").offset(i % 50);
        let value = if i == 2500 {
            "8O".to_string()
        } else {
            format!("{}", i % 100)
        };
        writeln!(text, "c{},{period},{value},{}", i / 50, i % 7).unwrap();
    }
    // Line 3002: a second value for c1 in 2020-03, first given on line 54.
    text.push_str("c1,2020-03,,5\n");
    write(&dir, "performance.csv", &text);
    let errors = load_dir(&callbacks_schema(), &dir).unwrap_err();
    let got = brief(&errors);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].1, got[0].2, got[0].3),
        (2502, 3, "data::not_a_number")
    );
    assert_eq!(
        (got[1].1, got[1].2, got[1].3),
        (3002, 4, "data::duplicate_value")
    );
    assert_eq!(
        got[1].4,
        "`c1` has two values for `callbacks` in 2020-03 (the other is on line 54)"
    );
    let shown = render(&errors[1]);
    assert!(shown.contains("performance.csv:3002:"), "{shown}");
    assert!(shown.contains("c1,2020-03,,5"), "{shown}");

    // The same in the long layout, and in JSON.
    write(
        &dir,
        "performance.csv",
        "subject,period,metric,value\n\
         c1,2020-03,callbacks,4\n\
         c1,2020-03,callback_in_time,\n\
         c1,2020-03,callback_in_time,50\n\
         c1,2020-03,callbacks,4\n",
    );
    let got = brief(&load_dir(&callbacks_schema(), &dir).unwrap_err());
    assert_eq!(
        got,
        vec![(
            "performance.csv".to_string(),
            5,
            4,
            "data::duplicate_value",
            "`c1` has two values for `callbacks` in 2020-03 (the other is on line 2)".to_string()
        )]
    );
    std::fs::remove_file(dir.join("performance.csv")).unwrap();
    write(
        &dir,
        "performance.json",
        "[\n{\"subject\": \"c1\", \"period\": \"2020-03\", \"callbacks\": 4, \"callback_in_time\": null},\n\
         {\"subject\": \"c1\", \"period\": \"2020-03\", \"callbacks\": 4}\n]",
    );
    let got = brief(&load_dir(&callbacks_schema(), &dir).unwrap_err());
    assert_eq!((got[0].1, got[0].3), (3, "data::duplicate_value"));
    assert!(got[0].4.ends_with("(the other is on line 2)"), "{got:?}");
}

#[test]
fn finding_the_data_files() {
    let dir = temp_dir("find");
    let missing = dir.join("nope");
    let error = DataSources::from_dir(&missing).unwrap_err();
    assert_eq!(error.code(), "data::unreadable_file");
    assert!(error.location().is_none());

    let error = DataSources::from_dir(&dir).unwrap_err();
    assert_eq!(error.code(), "data::no_data");
    assert!(error.help_text().unwrap().contains("no files"));

    write(&dir, "subjects.csv", "subject\n");
    write(&dir, "notes.txt", "");
    let error = DataSources::from_dir(&dir).unwrap_err();
    assert_eq!(error.code(), "data::no_data");
    assert!(
        error
            .help_text()
            .unwrap()
            .contains("only `subjects.csv`, `notes.txt`"),
        "{:?}",
        error.help_text()
    );

    write(&dir, "Concerns.CSV", "id,subject,raised_on\n");
    let sources = DataSources::from_dir(&dir).unwrap();
    assert_eq!(sources.performance, None);
    assert_eq!(sources.concerns, Some(dir.join("Concerns.CSV").into()));
    assert_eq!(sources.subjects, Some(dir.join("subjects.csv").into()));

    write(&dir, "performance.csv", "subject,period\n");
    write(&dir, "performance.json", "[]");
    let error = DataSources::from_dir(&dir).unwrap_err();
    assert_eq!(error.code(), "data::conflicting_files");
    assert!(error.to_string().contains("performance.csv"));

    // A file that vanished between finding and reading.
    let sources = DataSources {
        performance: Some(dir.join("gone.csv").into()),
        ..DataSources::default()
    };
    let errors = Dataset::load(&callbacks_schema(), &sources).unwrap_err();
    assert_eq!(errors.0[0].code(), "data::unreadable_file");
    assert_eq!(errors.0[0].location().unwrap().line, 1);
}

#[test]
fn builder_builds_what_the_loader_would() {
    let schema = full_schema();
    let mut builder = Dataset::builder(&schema);
    let c2 = builder.add_subject("c2");
    let c1 = builder.add_subject("c1");
    assert_eq!(builder.add_subject("c2"), c2);
    let oct = month("2026-10");
    builder.set_metric(c1, 0, oct, dec("75.0")).unwrap();
    builder
        .set_metric(c1, 0, oct.offset(-30), dec("70.0"))
        .unwrap();
    assert!(builder.set_metric(c1, 0, oct, dec("76.0")).is_err());
    assert!(builder.set_metric(c1, 9, oct, dec("76.0")).is_err());
    assert!(builder.set_metric(99, 0, oct, dec("76.0")).is_err());
    assert!(builder.set_metric(c2, 0, oct, Decimal::MAX).is_err());
    builder.set_subject_fields(c2, vec![Some(Value::Enum(2))]);
    let date = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    builder.add_concern(c1, "b", date("2026-01-01"), vec![]);
    builder.add_concern(c1, "a", date("2026-01-01"), vec![]);
    builder.add_concern(c1, "c", date("2025-01-01"), vec![]);
    builder.add_concern(c2, "d", date("2024-01-01"), vec![]);
    let data = builder.finish();
    assert_eq!(data.subject_count(), 2);
    assert_eq!(data.metric_value(0, c1, oct), Some(dec("75.0")));
    assert_eq!(data.metric_value(0, c1, oct.offset(-30)), Some(dec("70.0")));
    assert_eq!(data.metric_value(0, c1, oct.offset(-29)), None);
    assert_eq!(data.metric_value(0, c2, oct), None);
    assert_eq!(data.metric_value(5, c2, oct), None);
    assert_eq!(data.months(), Some((oct.offset(-30), oct)));
    let ids: Vec<&str> = data.concerns(c1).iter().map(|c| &*c.id).collect();
    assert_eq!(ids, vec!["c", "a", "b"]);
    assert_eq!(data.concerns(c2).len(), 1);
    assert_eq!(data.concerns(7), &[]);
    assert_eq!(data.subject_field(c2, 0), Some(&Value::Enum(2)));
    assert_eq!(data.subject_field(c2, 1), None);
    assert_eq!(data.subject_field(c2, 99), None);
}

fn load_bytes(schema: &Schema, dir: &Path, name: &str, bytes: &[u8]) {
    let path = write(dir, name, bytes);
    let kind = name.split('.').next().unwrap();
    let sources = DataSources {
        performance: (kind == "performance").then(|| path.clone().into()),
        concerns: (kind == "concerns").then(|| path.clone().into()),
        subjects: (kind == "subjects").then(|| path.clone().into()),
        events: (kind == "events").then(|| path.clone().into()),
    };
    match Dataset::load(schema, &sources) {
        Ok(data) => {
            for (s, _) in data.subjects() {
                let _ = data.concerns(s);
            }
        }
        Err(errors) => {
            for error in errors.iter() {
                let _ = render(error);
                let _ = error.location();
            }
        }
    }
}

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"subject,period,callback_in_time,callbacks\n".to_vec()),
        Just(
            b"id,subject,raised_on,category,patient_safety,consequence,likelihood,summary\n"
                .to_vec()
        ),
        Just(b"subject,staff_group,name,joined,fte,locum\n".to_vec()),
        Just(b"subject,period,metric,value\n".to_vec()),
        Just(b"2026-10".to_vec()),
        Just(b"02/03/2026".to_vec()),
        Just(b"c01".to_vec()),
        Just(b"80%".to_vec()),
        Just(b"1e400".to_vec()),
        Just(b"[{\"subject\": ".to_vec()),
        Just(b"}]".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = temp_dir("prop-bytes");
        let schema = full_schema();
        for name in ["performance.csv", "concerns.csv", "subjects.csv", "performance.json"] {
            load_bytes(&schema, &dir, name, &bytes);
        }
    }

    #[test]
    fn csv_like_bytes_never_panic(bytes in csv_like()) {
        let dir = temp_dir("prop-csv");
        let schema = full_schema();
        for name in ["performance.csv", "concerns.csv", "subjects.csv", "performance.json", "subjects.json"] {
            load_bytes(&schema, &dir, name, &bytes);
        }
    }
}

/// Writes a region-sized wide file: `subjects` x `months` rows with three metrics.
fn write_big_wide(path: &Path, subjects: usize, months: usize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "subject,period,callback_in_time,callbacks,cases_per_hour"
    )
    .unwrap();
    let start = month("2024-01");
    for s in 0..subjects {
        for m in 0..months {
            let pct = (s * 7 + m * 13) % 1000;
            writeln!(
                out,
                "clin{s:06},{},{}.{},{},{}.{}",
                start.offset(m as i32),
                pct / 10,
                pct % 10,
                (s + m) % 60,
                (s + 2 * m) % 5,
                m % 10
            )
            .unwrap();
        }
    }
}

/// Region scale: 100,000 subjects x 36 months x 3 metrics and 50,000 concerns. Run with
/// `cargo test --release --test data_loading -- --ignored --nocapture`.
#[test]
#[ignore]
fn region_scale_load() {
    use std::io::Write;
    // ESCALATE_REGION_DIR keeps the generated files between runs.
    let dir = match std::env::var_os("ESCALATE_REGION_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => temp_dir("region"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    if !dir.join("concerns.csv").exists() {
        write_big_wide(&dir.join("performance.csv"), 100_000, 36);
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(dir.join("concerns.csv")).unwrap());
        writeln!(
            out,
            "id,subject,raised_on,category,patient_safety,consequence,likelihood,summary"
        )
        .unwrap();
        for i in 0..50_000 {
            writeln!(
                out,
                "K-{i:06},clin{:06},{:02}/{:02}/2025,clinical,no,{},{},Something happened",
                (i * 37) % 100_000,
                i % 28 + 1,
                i % 12 + 1,
                i % 5 + 1,
                i % 3 + 1
            )
            .unwrap();
        }
    }
    if std::env::var_os("ESCALATE_CSV_ONLY").is_some() {
        let started = std::time::Instant::now();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(dir.join("performance.csv"))
            .unwrap();
        let mut record = csv::ByteRecord::new();
        let mut rows = 0;
        while reader.read_byte_record(&mut record).unwrap() {
            rows += record.len();
        }
        println!("csv alone: {rows} fields in {:?}", started.elapsed());
    }
    let size = std::fs::metadata(dir.join("performance.csv"))
        .unwrap()
        .len();
    let schema = full_schema();
    let started = std::time::Instant::now();
    let data = load_dir(&schema, &dir).unwrap();
    let elapsed = started.elapsed();
    println!(
        "loaded {} MB, {} subjects, {} concerns in {:?}",
        size / 1_000_000,
        data.subject_count(),
        data.concern_count(),
        elapsed
    );
    assert_eq!(data.subject_count(), 100_000);
    assert_eq!(data.concern_count(), 50_000);
    assert_eq!(data.summary().files[0].rows_used, 3_600_000);
    let s = data.subject_index("clin012345").unwrap();
    assert_eq!(
        data.metric_value(1, s, month("2024-03")),
        Some(Decimal::from((12345 + 2) % 60))
    );
}

// ---------------------------------------------------------------------------------------
// The events file (language v1)
// ---------------------------------------------------------------------------------------

/// An event kind: `fields` are positions in the schema's event fields.
fn kind(id: &str, fields: &[usize], once_per_case: bool, case: Option<usize>) -> EventKindDef {
    EventKindDef {
        id: id.into(),
        description: format!("the {id} event"),
        fields: fields.to_vec(),
        once_per_case,
        case,
        builtin: false,
    }
}

/// The built-in `concern` kind, opening cases of `case` when given.
fn concern_kind(case: Option<usize>) -> EventKindDef {
    EventKindDef {
        id: "concern".into(),
        description: "a concern".into(),
        fields: vec![],
        once_per_case: case.is_some(),
        case,
        builtin: true,
    }
}

fn case_kind(id: &str, opened_by: usize, closed_by: &[usize], events: &[usize]) -> CaseKindDef {
    CaseKindDef {
        id: id.into(),
        title: format!("the {id} case"),
        opened_by,
        closed_by: closed_by.to_vec(),
        events: events.to_vec(),
    }
}

/// The schema of conformance case 17's policy, built by hand.
fn conformance_17_schema() -> Schema {
    Schema {
        event_kinds: vec![
            concern_kind(None),
            kind("request_accepted", &[], true, Some(0)),
            kind("plan_created", &[], true, Some(0)),
            kind("review_held", &[0], false, Some(0)),
            kind("plan_completed", &[], true, Some(0)),
        ],
        event_fields: vec![field(
            "outcome",
            one_of(&["improving", "no_change", "worse"]),
        )],
        case_kinds: vec![case_kind("psr_plan", 1, &[4], &[2, 3])],
        ..Schema::default()
    }
}

/// Kinds of events for the other tests: 17's, a subject event (`visit`) and a case kind
/// opened by concerns (`concern_followup`, with `response_sent` events).
fn events_schema() -> Schema {
    Schema {
        event_kinds: vec![
            concern_kind(Some(1)),
            kind("request_accepted", &[], true, Some(0)),
            kind("plan_created", &[], true, Some(0)),
            kind("review_held", &[0], false, Some(0)),
            kind("plan_completed", &[], true, Some(0)),
            kind("visit", &[1], false, None),
            kind("response_sent", &[], false, Some(1)),
        ],
        event_fields: vec![
            field("outcome", one_of(&["improving", "no_change", "worse"])),
            field("visits", FieldType::Integer { min: 1, max: 10 }),
        ],
        case_kinds: vec![
            case_kind("psr_plan", 1, &[4], &[2, 3]),
            case_kind("concern_followup", 0, &[], &[6]),
        ],
        ..Schema::default()
    }
}

/// Loads `tests/fixtures/data/events/<name>` with the events fixtures' concerns file.
fn load_events(name: &str) -> (Dataset, Vec<DataError>) {
    let sources = DataSources {
        concerns: Some(fixture("events/concerns.csv").into()),
        events: Some(fixture(&format!("events/{name}")).into()),
        ..DataSources::default()
    };
    Dataset::load_partial(&events_schema(), &sources)
}

/// (line, code) of each error.
fn lines_and_codes(errors: &[DataError]) -> Vec<(usize, &'static str)> {
    errors
        .iter()
        .map(|e| (e.location().unwrap().line, e.code()))
        .collect()
}

#[test]
fn conformance_17_reports_every_event_error() {
    let dir = fixture("17-data-errors-v1");
    let sources = DataSources::from_dir(&dir).unwrap();
    assert_eq!(sources.events, Some(dir.join("events.csv").into()));
    let (data, errors) = Dataset::load_partial(&conformance_17_schema(), &sources);
    let expected: Vec<(&str, usize, usize, &str, &str)> = vec![
        (
            "events.csv",
            3,
            4,
            "data::bad_date",
            "`2026-09-31` is not a date",
        ),
        (
            "events.csv",
            4,
            3,
            "data::unknown_event_kind",
            "`review_hold` is not an event kind the policy declares",
        ),
        (
            "events.csv",
            5,
            1,
            "data::duplicate_event",
            "event id `E1` is used more than once (the other is on line 2)",
        ),
        (
            "events.csv",
            6,
            5,
            "data::missing_case",
            "`review_held` events belong to a `psr_plan` case, but the `case` column is empty",
        ),
        (
            "events.csv",
            7,
            5,
            "data::case_not_opened",
            "case `c-9` is never opened: there is no `request_accepted` event for it",
        ),
        (
            "events.csv",
            9,
            4,
            "data::event_outside_case",
            "this event is dated 2026-09-01, before case `c-5` was opened on 2026-09-10",
        ),
        (
            "events.csv",
            11,
            3,
            "data::repeated_once_per_case",
            "case `c-5` has more than one `plan_created` event (the other is on line 10)",
        ),
        (
            "events.csv",
            12,
            6,
            "data::unknown_value",
            "`better` is not one of the values allowed for `outcome`",
        ),
        (
            "events.csv",
            13,
            6,
            "data::unexpected_value",
            "`request_accepted` events have no `outcome`, but the row gives `no_change`",
        ),
        (
            "events.csv",
            14,
            2,
            "data::case_subject_mismatch",
            "case `c-5` is about `s5`, not `s7` (the other is on line 8)",
        ),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(f, l, c, code, m)| (f.to_string(), l, c, code, m.to_string()))
        .collect();
    assert_eq!(brief(&errors), expected);

    // What the conformance case itself asks (expected-diagnostics.json): each expected
    // diagnostic matches one error by line, text and help.
    let wanted: [(&[usize], &[&str], &[&str]); 10] = [
        (&[3], &["2026-09-31"], &[]),
        (&[4], &["review_hold"], &["review_held"]),
        (&[2, 5], &["E1"], &[]),
        (&[6], &["case"], &[]),
        (&[7], &["c-9"], &[]),
        (&[9], &["c-5"], &[]),
        (&[10, 11], &["plan_created"], &[]),
        (&[12], &["better"], &[]),
        (&[13], &["outcome"], &[]),
        (&[14], &["s7"], &[]),
    ];
    for (error, (lines, contains, help)) in errors.iter().zip(wanted) {
        let line = error.location().unwrap().line;
        let message = error.to_string().to_lowercase();
        let help_text = error.help_text().unwrap_or_default().to_lowercase();
        assert!(lines.contains(&line), "{error}");
        assert!(
            contains.iter().all(|c| message.contains(&c.to_lowercase())),
            "{error}"
        );
        assert!(help.iter().all(|h| help_text.contains(h)), "{help_text}");
    }

    // Rows 2, 8 and 10 are good; the others are rejected.
    let file = &data.summary().files[0];
    assert_eq!(file.kind, FileKind::Events);
    assert_eq!(
        (file.rows_read, file.rows_used, file.rows_rejected),
        (13, 3, 10)
    );
    let s5 = data.subject_index("s5").unwrap();
    assert_eq!(data.events(s5, 2).len(), 1);
    assert_eq!(data.subject_index("s7"), None);

    // The rendered errors, with the offending row underlined.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).display().to_string();
    let rendered: String = errors
        .iter()
        .map(|e| render(e).replace(&root, "<crate>"))
        .collect();
    insta::assert_snapshot!("events_17_rendered", rendered);
}

#[test]
fn each_event_error_has_its_own_fixture() {
    let cases: [(&str, &[(usize, &str)]); 12] = [
        (
            "unknown_event_kind.csv",
            &[
                (2, "data::unknown_event_kind"),
                (3, "data::unknown_event_kind"),
            ],
        ),
        (
            "duplicate_event.csv",
            &[(3, "data::duplicate_event"), (4, "data::duplicate_event")],
        ),
        ("unexpected_value.csv", &[(2, "data::unexpected_value")]),
        ("missing_case.csv", &[(2, "data::missing_case")]),
        ("unexpected_case.csv", &[(2, "data::unexpected_case")]),
        (
            "case_not_opened.csv",
            &[
                (2, "data::case_not_opened"),
                (3, "data::bad_month_or_date"),
                (4, "data::case_not_opened"),
                (5, "data::case_not_opened"),
            ],
        ),
        (
            "case_opened_twice.csv",
            &[
                (3, "data::case_opened_twice"),
                (4, "data::case_opened_twice"),
            ],
        ),
        ("case_closed_twice.csv", &[(4, "data::case_closed_twice")]),
        (
            "wrong_case_kind.csv",
            &[(3, "data::wrong_case_kind"), (4, "data::wrong_case_kind")],
        ),
        (
            "case_subject_mismatch.csv",
            &[
                (3, "data::case_subject_mismatch"),
                (4, "data::case_subject_mismatch"),
            ],
        ),
        (
            "event_outside_case.csv",
            &[
                (3, "data::event_outside_case"),
                (5, "data::event_outside_case"),
                (6, "data::event_outside_case"),
            ],
        ),
        (
            "repeated_once_per_case.csv",
            &[(4, "data::repeated_once_per_case")],
        ),
    ];
    for (name, expected) in cases {
        let (data, errors) = load_events(name);
        let got = lines_and_codes(&errors);
        let expected: Vec<(usize, &str)> = expected
            .iter()
            .map(|&(l, c)| {
                (
                    l,
                    if c == "data::bad_month_or_date" {
                        "data::bad_date"
                    } else {
                        c
                    },
                )
            })
            .collect();
        assert_eq!(got, expected, "{name}");
        let file = data.summary().files.last().unwrap();
        assert_eq!(file.rows_rejected, errors.len(), "{name}");
        assert_eq!(
            file.rows_used + file.rows_rejected,
            file.rows_read,
            "{name}"
        );
        for error in &errors {
            let location = error.location().unwrap();
            assert!(location.file.ends_with(name), "{name}: {error}");
            assert!(error.help_text().is_some(), "{name}: {error}");
            assert!(render(error).contains(name), "{name}: {error}");
        }
    }
}

#[test]
fn event_errors_say_what_to_fix() {
    let help = |name: &str, i: usize| {
        let (_, errors) = load_events(name);
        format!("{} | {}", errors[i], errors[i].help_text().unwrap())
    };
    let got = help("unknown_event_kind.csv", 0);
    assert!(got.contains("did you mean `request_accepted`?"), "{got}");
    let got = help("unknown_event_kind.csv", 1);
    assert!(got.contains("concerns file"), "{got}");
    let got = help("duplicate_event.csv", 0);
    assert!(got.contains("line 2"), "{got}");
    let got = help("duplicate_event.csv", 1);
    assert!(
        got.contains("`K-1`") && got.contains("concerns file"),
        "{got}"
    );
    let got = help("unexpected_value.csv", 0);
    assert!(
        got.contains("`visit` events have no `outcome`") && got.contains("`review_held`"),
        "{got}"
    );
    let got = help("unexpected_case.csv", 0);
    assert!(got.contains("case `c-1`") && got.contains("leave"), "{got}");
    let got = help("case_not_opened.csv", 2);
    assert!(
        got.contains("case `c-2`") && got.contains("line 3"),
        "{got}"
    );
    let got = help("case_not_opened.csv", 3);
    assert!(
        got.contains("`K-9`") && got.contains("concerns file"),
        "{got}"
    );
    let got = help("case_opened_twice.csv", 0);
    assert!(got.contains("(the other is on line 2)"), "{got}");
    let got = help("case_opened_twice.csv", 1);
    assert!(got.contains("concern `K-1`"), "{got}");
    let got = help("case_closed_twice.csv", 0);
    assert!(got.contains("line 3"), "{got}");
    let got = help("wrong_case_kind.csv", 0);
    assert!(
        got.contains("`response_sent` events belong to `concern_followup` cases, but case `c-1` is a `psr_plan` case"),
        "{got}"
    );
    let got = help("case_subject_mismatch.csv", 1);
    assert!(got.contains("case `K-1` is about `s1`, not `s2`"), "{got}");
    let got = help("event_outside_case.csv", 1);
    assert!(
        got.contains("dated 2026-09-25, after case `c-1` was closed on 2026-09-20"),
        "{got}"
    );
    let got = help("event_outside_case.csv", 2);
    assert!(
        got.contains("before case `K-1` was opened on 2026-08-01"),
        "{got}"
    );
    let got = help("repeated_once_per_case.csv", 0);
    assert!(
        got.contains("`plan_created`") && got.contains("line 3"),
        "{got}"
    );
}

#[test]
fn events_files_need_their_columns() {
    let dir = temp_dir("events-columns");
    write(
        &dir,
        "events.csv",
        "id,subject,kind,date\nE1,s1,visit,2026-09-01\n",
    );
    let errors = load_dir(&events_schema(), &dir).unwrap_err();
    let got: Vec<(&str, String)> = errors.iter().map(|e| (e.code(), e.to_string())).collect();
    assert_eq!(
        got,
        vec![
            (
                "data::missing_column",
                "the file has no `case` column".to_string()
            ),
            (
                "data::missing_column",
                "the file has no `outcome` column".to_string()
            ),
            (
                "data::missing_column",
                "the file has no `visits` column".to_string()
            ),
        ]
    );
    // A policy with no case kinds needs no `case` column, but a value in one is an error.
    let mut schema = events_schema();
    schema.case_kinds.clear();
    for kind in &mut schema.event_kinds {
        kind.case = None;
    }
    write(
        &dir,
        "events.csv",
        "ID, Subject ,kind,date,outcome,visits,notes,case\nE1,s1,visit,02/09/2026,,2,hello,\nE2,s1,review_held,2026-09-03,,,,\nE3,s1,visit,2026-09-04,,11,,\nE4,s1,visit,2026-09-04,,3,,c-1\n",
    );
    let errors = load_dir(&schema, &dir).unwrap_err();
    assert_eq!(
        lines_and_codes(&errors),
        vec![
            (3, "data::missing_value"),
            (4, "data::out_of_range"),
            (5, "data::unexpected_case")
        ]
    );
}

/// Every event and case of a dataset, as text, by subject id.
fn events_snapshot(schema: &Schema, data: &Dataset) -> String {
    let mut out = String::new();
    let mut ids: Vec<&str> = data.subjects().map(|(_, id)| id).collect();
    ids.sort();
    for id in ids {
        let s = data.subject_index(id).unwrap();
        writeln!(out, "subject {id}").unwrap();
        for (k, def) in schema.event_kinds.iter().enumerate() {
            for event in data.events(s, k) {
                let case = event.case().map(|c| data.case(c).id.to_string());
                writeln!(
                    out,
                    "  {} {} {} case={case:?} {:?}",
                    def.id,
                    data.event_id(event),
                    event.date,
                    data.event_fields(event)
                )
                .unwrap();
            }
        }
        for (_, case) in data.cases(s) {
            writeln!(
                out,
                "  case {} {} opened={:?} closed={:?}",
                schema.case_kinds[case.kind as usize].id, case.id, case.opened_on, case.closed_on
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn good_events_make_events_and_cases() {
    let schema = events_schema();
    let (data, errors) = load_events("good.csv");
    assert!(errors.is_empty(), "{errors:?}");
    let date = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let s1 = data.subject_index("s1").unwrap();
    let s2 = data.subject_index("s2").unwrap();

    let reviews = data.events(s1, 3);
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (data.event_id(&reviews[0]), reviews[0].date),
        ("E2", date("2026-09-15"))
    );
    assert_eq!(data.event_fields(&reviews[0]), &[Value::Enum(0)]);
    let c1 = reviews[0].case().unwrap();
    assert_eq!(&*data.case(c1).id, "c-1");
    let visits = data.events(s1, 5);
    assert_eq!(data.event_fields(&visits[0]), &[Value::Number(dec("4.0"))]);
    assert_eq!(visits[0].case(), None);
    // The concerns are events of the `concern` kind, and open concern_followup cases.
    let concerns = data.events(s1, 0);
    assert_eq!(concerns.len(), 1);
    assert_eq!(data.event_id(&concerns[0]), "K-1");
    assert_eq!(concerns[0].concern(), Some(0));
    assert!(data.event_fields(&concerns[0]).is_empty());
    let response = &data.events(s1, 6)[0];
    assert_eq!(response.case(), concerns[0].case());

    let cases: Vec<_> = data
        .cases(s1)
        .map(|(_, c)| (&*c.id, c.kind, c.opened_on, c.closed_on))
        .collect();
    assert_eq!(
        cases,
        vec![
            ("c-1", 0, Some(date("2026-09-01")), Some(date("2026-09-30"))),
            ("K-1", 1, Some(date("2026-08-01")), None),
        ]
    );
    let (_, c2) = data.cases(s2).next().unwrap();
    assert_eq!((&*c2.id, c2.opened_on), ("c-2", Some(date("2026-10-01"))));
    assert!(c2.is_open_at(date("2026-10-31")) && !c2.exists_at(date("2026-09-30")));
    let (_, k2) = data.cases(s2).nth(1).unwrap();
    assert_eq!((&*k2.id, k2.kind), ("K-2", 1));

    let file = data.summary().files.last().unwrap();
    assert_eq!(file.kind, FileKind::Events);
    assert_eq!(
        (file.rows_read, file.rows_used, file.rows_rejected),
        (6, 6, 0)
    );
    insta::assert_snapshot!("events_good", events_snapshot(&schema, &data));
}

#[test]
fn json_events_give_the_same_dataset_as_csv() {
    let schema = events_schema();
    let (csv, _) = load_events("good.csv");
    let (json, errors) = load_events("good.json");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(json.summary().files[1].format, FileFormat::Json);
    assert_eq!(
        events_snapshot(&schema, &csv),
        events_snapshot(&schema, &json)
    );

    let dir = temp_dir("events-json");
    write(
        &dir,
        "events.json",
        "[\n  {\"id\": \"E1\", \"subject\": \"s1\", \"kind\": \"visit\", \"date\": \"2026-09-01\", \"visits\": 2},\n  {\"id\": \"E1\", \"subject\": \"s1\", \"kind\": \"visit\", \"date\": \"2026-09-02\", \"visits\": 3}\n]",
    );
    let errors = load_dir(&schema, &dir).unwrap_err();
    assert_eq!(lines_and_codes(&errors), vec![(3, "data::duplicate_event")]);
    assert!(
        render(&errors[0]).contains("\"E1\""),
        "{}",
        render(&errors[0])
    );
}

#[test]
fn event_records_give_the_same_dataset_as_csv() {
    let schema = events_schema();
    let (csv, _) = load_events("good.csv");
    let concerns: Vec<ConcernRecord> = serde_json::from_str(
        r#"[{"id": "K-1", "subject": "s1", "raised_on": "2026-08-01"},
            {"id": "K-2", "subject": "s2", "raised_on": "2026-08-05"}]"#,
    )
    .unwrap();
    let text = std::fs::read_to_string(fixture("events/good.json")).unwrap();
    let events: Vec<EventRecord> = serde_json::from_str(&text).unwrap();
    assert_eq!(events[0].case.as_deref(), Some("c-1"));
    assert_eq!(events[4].fields["visits"], serde_json::json!(4));
    let records = Dataset::from_records(&schema, &[], &[], &concerns, &events).unwrap();
    assert_eq!(records.summary().files[1].format, FileFormat::Records);
    assert_eq!(
        events_snapshot(&schema, &csv),
        events_snapshot(&schema, &records)
    );
    // Records round-trip through JSON, the date as `YYYY-MM-DD`.
    let again: Vec<EventRecord> =
        serde_json::from_str(&serde_json::to_string(&events).unwrap()).unwrap();
    assert_eq!(again, events);

    // Checked like files: errors name `event records` and the record's position.
    let mut bad = events.clone();
    bad[1].kind = "review_hold".into();
    bad[5].case = None;
    let errors = Dataset::from_records(&schema, &[], &[], &concerns, &bad).unwrap_err();
    let got: Vec<_> = errors
        .iter()
        .map(|e| {
            let l = e.location().unwrap();
            (l.file.display().to_string(), l.line, e.code())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("event records".to_string(), 2, "data::unknown_event_kind"),
            ("event records".to_string(), 6, "data::missing_case"),
        ]
    );

    // A policy that reads no events does not read them, and says so.
    let data = Dataset::from_records(&callbacks_schema(), &[], &[], &[], &events).unwrap();
    assert_eq!(data.warnings()[0].code(), "data::events_not_read");
    assert_eq!(data.event_count(), 0);
}

#[test]
fn an_events_file_alone_is_data() {
    let dir = temp_dir("events-only");
    write(
        &dir,
        "Events.CSV",
        "id,subject,kind,date,case,outcome,visits\nE1,s1,visit,2026-09-01,,,2\n",
    );
    let sources = DataSources::from_dir(&dir).unwrap();
    assert_eq!(sources.events, Some(dir.join("Events.CSV").into()));
    assert_eq!(
        (sources.performance.clone(), sources.concerns.clone()),
        (None, None)
    );
    let data = Dataset::load(&events_schema(), &sources).unwrap();
    assert_eq!(data.subject_count(), 1);
    assert_eq!(data.event_count(), 1);

    // A policy without events warns and does not read the file.
    let data = Dataset::load(&callbacks_schema(), &sources).unwrap();
    assert!(data.summary().files.is_empty());
    assert_eq!(data.subject_count(), 0);
    let warning = &data.warnings()[0];
    assert_eq!(warning.code(), "data::events_not_read");
    assert_eq!(
        warning.to_string(),
        "the policy declares no event kind or case, so `Events.CSV` was not read"
    );
    let record = warning.record();
    assert_eq!(record.severity, crate::diagnostic::Level::Warning);
    assert!(record.file.ends_with("Events.CSV"));

    write(&dir, "events.json", "[]");
    let error = DataSources::from_dir(&dir).unwrap_err();
    assert_eq!(error.code(), "data::conflicting_files");
}

fn events_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"id,subject,kind,date,case,outcome,visits\n".to_vec()),
        Just(b"E1".to_vec()),
        Just(b"s1".to_vec()),
        Just(b"K-1".to_vec()),
        Just(b"c-1".to_vec()),
        Just(b"request_accepted".to_vec()),
        Just(b"review_held".to_vec()),
        Just(b"plan_completed".to_vec()),
        Just(b"response_sent".to_vec()),
        Just(b"visit".to_vec()),
        Just(b"2026-09-01".to_vec()),
        Just(b"2026-09-31".to_vec()),
        Just(b"worse".to_vec()),
        Just(b"[{\"id\": ".to_vec()),
        Just(b"}]".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn load_events_bytes(dir: &Path, name: &str, bytes: &[u8]) {
    let path = write(dir, name, bytes);
    let sources = DataSources {
        concerns: Some(fixture("events/concerns.csv").into()),
        events: Some(path.into()),
        ..DataSources::default()
    };
    let (data, errors) = Dataset::load_partial(&events_schema(), &sources);
    for (s, _) in data.subjects() {
        for k in 0..8 {
            let _ = data.events(s, k);
        }
        let _ = data.cases(s).count();
    }
    for error in &errors {
        let _ = render(error);
        let _ = error.location();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_as_events_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = temp_dir("prop-events-bytes");
        for name in ["events.csv", "events.json"] {
            load_events_bytes(&dir, name, &bytes);
        }
    }

    #[test]
    fn events_like_bytes_never_panic(bytes in events_like()) {
        let dir = temp_dir("prop-events-like");
        for name in ["events.csv", "events.json"] {
            load_events_bytes(&dir, name, &bytes);
        }
    }
}

/// An exact decimal from its text.
fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

//! Records handed over in memory by programs that embed the interpreter. They are laid out
//! as rows of text and read by the same handlers as files, so they are checked exactly as
//! files are.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cell::parse_date;
use super::table::{json_cell, normalise_heading, Header, TextRow};
use crate::month::Month;

/// One figure: a subject's value of a metric for a month (the long layout of a performance
/// file). `value: None` is a missing value.
///
/// Records are read by [`Dataset::from_records`](crate::Dataset::from_records) with the same
/// checks as files. This example also shows [`SubjectRecord`] and [`ConcernRecord`], read
/// from JSON as a program would receive them:
///
/// ```
/// use escalate::{ConcernRecord, Dataset, PerformanceRecord, Policy, SubjectRecord};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs and concerns"
///     role lead "Lead"
///     metric callbacks "Call-backs made" count
///     subjects {
///       staff_group: one of gp, anp
///     }
///     concerns {
///       patient_safety: flag
///     }
///     rule gp_under_review "A GP with few call-backs and a concern" {
///       applies to staff_group = gp
///       when callbacks < 20 and count(concerns in last 12 months) >= 1
///       severity low
///       require "Talk it through with the GP"
///       owner lead
///       due 5 working days
///     }
/// "#).unwrap();
/// let performance: Vec<PerformanceRecord> = serde_json::from_str(
///     r#"[{"subject": "c1", "period": "2026-10", "metric": "callbacks", "value": 12}]"#,
/// ).unwrap();
/// let subjects: Vec<SubjectRecord> =
///     serde_json::from_str(r#"[{"subject": "c1", "staff_group": "gp"}]"#).unwrap();
/// let concerns: Vec<ConcernRecord> = serde_json::from_str(
///     r#"[{"id": "K1", "subject": "c1", "raised_on": "02/03/2026", "patient_safety": "yes"}]"#,
/// ).unwrap();
/// let schema = &policy.program().schema;
/// let data = Dataset::from_records(schema, &performance, &subjects, &concerns, &[]).unwrap();
/// let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &Default::default());
/// assert_eq!(evaluation.actions[0].rule, "gp_under_review");
///
/// // Checked as a file is: a count must be whole.
/// let half = PerformanceRecord { value: Some("12.5".parse().unwrap()), ..performance[0].clone() };
/// let errors = Dataset::from_records(schema, &[half], &[], &[], &[]).unwrap_err();
/// assert_eq!(errors.iter().next().unwrap().code(), "data::not_whole");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceRecord {
    /// The subject's id.
    pub subject: String,
    /// The month, `YYYY-MM`.
    pub period: Month,
    /// The metric's id.
    pub metric: String,
    /// The figure, exactly; `None` (JSON `null`, or left out) when missing. In JSON it may
    /// be a number or a string (`78.5` or `"78.5"`).
    #[serde(
        default,
        deserialize_with = "deserialize_figure",
        serialize_with = "serialize_figure"
    )]
    pub value: Option<rust_decimal::Decimal>,
}

/// A subject's declared fields by name. Values are JSON numbers, strings, booleans or
/// `null` (unknown), read like the cells of a subjects file.
///
/// See the example of [`PerformanceRecord`], which reads subject records from JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubjectRecord {
    /// The subject's id.
    pub subject: String,
    /// The fields, by name (in JSON, the other keys of the object).
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A concern: its id, subject, the date it was raised and its declared fields by name.
///
/// See the example of [`PerformanceRecord`], which reads concern records from JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConcernRecord {
    /// The concern's id, unique among concerns.
    pub id: String,
    /// The subject's id.
    pub subject: String,
    /// The date raised; deserialised from `2026-03-02` or `02/03/2026`.
    #[serde(
        deserialize_with = "deserialize_date",
        serialize_with = "serialize_date"
    )]
    pub raised_on: NaiveDate,
    /// The declared fields, by name (in JSON, the other keys of the object).
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A dated event (language v1): its id, subject, kind, date, case id and the kind's declared
/// fields by name.
///
/// ```
/// use escalate::{Dataset, DeadlineState, EventRecord, Evidence, Policy};
///
/// let policy = Policy::parse("psr.policy", r#"
///     policy "PSR plans"
///     role adviser "Adviser"
///     event request_accepted "Request for an action plan accepted"
///     event plan_created "Action plan created" once per case
///     case psr_plan "PSR action plan" {
///       opened by request_accepted
///       events plan_created
///     }
///     deadline plan_due "Plan within 20 working days" {
///       plan_created within 20 working days after request_accepted
///     }
///     rule plan_overdue "Plan not created within 20 working days" {
///       for each open psr_plan
///       when plan_due is overdue
///       severity moderate
///       require "Create and share the plan"
///       owner adviser
///       due 5 working days
///     }
/// "#).unwrap();
/// let events: Vec<EventRecord> = serde_json::from_str(r#"[
///     {"id": "E1", "subject": "p1", "kind": "request_accepted", "date": "2026-09-01",
///      "case": "psr-1"}
/// ]"#).unwrap();
/// let data = Dataset::from_records(&policy.program().schema, &[], &[], &[], &events).unwrap();
/// let evaluation = policy.evaluate(&data, "2026-10".parse().unwrap(), &Default::default());
/// let action = &evaluation.actions[0];
/// assert_eq!(action.case.as_deref(), Some("psr-1"));
/// // The deadline as evidence: due on the 20th working day after 1 September.
/// let deadline = action.evidence.iter().find_map(|e| match e {
///     Evidence::Deadline(d) => Some(d),
///     _ => None,
/// }).unwrap();
/// assert_eq!(deadline.status, DeadlineState::Overdue);
/// assert_eq!(deadline.due.unwrap().to_string(), "2026-09-29");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The event's id, unique among events and concerns.
    pub id: String,
    /// The subject's id.
    pub subject: String,
    /// The event kind, as declared in the policy.
    pub kind: String,
    /// The day it happened; deserialised from `2026-03-02` or `02/03/2026`.
    #[serde(
        deserialize_with = "deserialize_date",
        serialize_with = "serialize_date"
    )]
    pub date: NaiveDate,
    /// The case id, for kinds that belong to a case kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The kind's declared fields, by name (in JSON, the other keys of the object).
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A figure from JSON: a number (read from its shortest decimal form, which is the number as
/// written for figures of up to 15 significant digits) or a string, parsed exactly.
fn deserialize_figure<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    let text = match value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(text)) => text,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "`{other}` is not a figure: write a number such as 78.5"
            )))
        }
    };
    crate::number::parse_decimal(text.trim())
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a plain decimal number")))
}

fn serialize_figure<S: Serializer>(
    value: &Option<rust_decimal::Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.map(crate::number::Figure::from).serialize(serializer)
}

fn deserialize_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_date(&text).map_err(|_| {
        serde::de::Error::custom(format!(
            "`{text}` is not a date: write it as 2026-03-02 or as 02/03/2026 (day/month/year)"
        ))
    })
}

fn serialize_date<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&date.format("%Y-%m-%d"))
}

/// Rows of text under a header, ready for a handler; a row is `Err(key)` when a field's
/// value is a list or an object.
pub(crate) struct RecordTable {
    pub path: PathBuf,
    pub header: Header,
    pub shown: Vec<String>,
    pub rows: Vec<Result<TextRow, String>>,
}

/// Lays out records as rows: the `leading` cells first, then each field under the union of
/// all field names.
fn table<'a>(
    path: &str,
    leading: &[&str],
    records: impl Iterator<Item = (Vec<String>, &'a BTreeMap<String, serde_json::Value>)> + Clone,
) -> RecordTable {
    let mut names: Vec<String> = leading.iter().map(|s| s.to_string()).collect();
    let mut shown = names.clone();
    for (_, fields) in records.clone() {
        for key in fields.keys() {
            let name = normalise_heading(key);
            if !names.contains(&name) {
                names.push(name);
                shown.push(key.trim().to_string());
            }
        }
    }
    let rows = records
        .map(|(lead, fields)| {
            let mut cells = lead;
            cells.resize(names.len(), String::new());
            for (key, value) in fields {
                let name = normalise_heading(key);
                let Some(position) = names.iter().position(|n| *n == name) else {
                    continue;
                };
                if position < leading.len() {
                    continue;
                }
                cells[position] = json_cell(value).ok_or_else(|| key.clone())?;
            }
            Ok(TextRow(cells))
        })
        .collect();
    RecordTable {
        path: PathBuf::from(path),
        header: Header { names, line: 1 },
        shown,
        rows,
    }
}

static NO_FIELDS: BTreeMap<String, serde_json::Value> = BTreeMap::new();

pub(crate) fn performance_table(records: &[PerformanceRecord]) -> RecordTable {
    table(
        "performance records",
        &["subject", "period", "metric", "value"],
        records.iter().map(|r| {
            (
                vec![
                    r.subject.clone(),
                    r.period.to_string(),
                    r.metric.clone(),
                    r.value.map(|v| v.to_string()).unwrap_or_default(),
                ],
                &NO_FIELDS,
            )
        }),
    )
}

pub(crate) fn subject_table(records: &[SubjectRecord]) -> RecordTable {
    table(
        "subject records",
        &["subject"],
        records.iter().map(|r| (vec![r.subject.clone()], &r.fields)),
    )
}

pub(crate) fn concern_table(records: &[ConcernRecord]) -> RecordTable {
    table(
        "concern records",
        &["id", "subject", "raised_on"],
        records.iter().map(|r| {
            (
                vec![
                    r.id.clone(),
                    r.subject.clone(),
                    r.raised_on.format("%Y-%m-%d").to_string(),
                ],
                &r.fields,
            )
        }),
    )
}

pub(crate) fn event_table(records: &[EventRecord]) -> RecordTable {
    table(
        "event records",
        &["id", "subject", "kind", "date", "case"],
        records.iter().map(|r| {
            (
                vec![
                    r.id.clone(),
                    r.subject.clone(),
                    r.kind.clone(),
                    r.date.format("%Y-%m-%d").to_string(),
                    r.case.clone().unwrap_or_default(),
                ],
                &r.fields,
            )
        }),
    )
}

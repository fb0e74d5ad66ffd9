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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubjectRecord {
    /// The subject's id.
    pub subject: String,
    /// The fields, by name (in JSON, the other keys of the object).
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A concern: its id, subject, the date it was raised and its declared fields by name.
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

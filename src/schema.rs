//! What a policy declares about its data: metrics, subject fields and concern fields, and
//! the typed values read for them. The checker builds a [`Schema`]; the data loader reads
//! files against it.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

/// The kind of a metric, which fixes its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A percentage, 0 to 100; compared with literals such as `80%`.
    Percent,
    /// Any number.
    Number,
    /// A whole number, 0 or more.
    Count,
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricKind::Percent => "percent",
            MetricKind::Number => "number",
            MetricKind::Count => "count",
        })
    }
}

/// Which way a metric is better, for `improved` and `worsened`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `higher is better`
    HigherIsBetter,
    /// `lower is better`
    LowerIsBetter,
}

/// The declared type of a subject or concern field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// Any number.
    Number,
    /// yes or no.
    Flag,
    /// A calendar date.
    Date,
    /// A whole number from `min` to `max` inclusive.
    Integer {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// One of a fixed list of names.
    OneOf(Vec<String>),
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Text => f.write_str("text"),
            FieldType::Number => f.write_str("number"),
            FieldType::Flag => f.write_str("flag"),
            FieldType::Date => f.write_str("date"),
            FieldType::Integer { min, max } => write!(f, "integer {min}..{max}"),
            FieldType::OneOf(values) => write!(f, "one of {}", values.join(", ")),
        }
    }
}

/// A metric as the data loader needs it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricDef {
    /// The metric's identifier, also its column name in wide files.
    pub id: String,
    /// The description written in the policy.
    pub description: String,
    /// Its kind.
    pub kind: MetricKind,
    /// Which way is better, if the policy says.
    pub direction: Option<Direction>,
}

/// A declared subject or concern field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDef {
    /// The field's name, also its column name.
    pub name: String,
    /// Its declared type.
    pub ty: FieldType,
}

/// Everything a policy declares about the shape of its data.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Schema {
    /// Metrics in declaration order; a metric's position is its id in the data store.
    pub metrics: Vec<MetricDef>,
    /// Subject fields in declaration order.
    pub subject_fields: Vec<FieldDef>,
    /// Concern fields beyond `id`, `subject` and `raised_on`, in declaration order.
    pub concern_fields: Vec<FieldDef>,
}

impl Schema {
    /// The position of a metric by name.
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.id == name)
    }

    /// The position of a subject field by name.
    pub fn subject_field_index(&self, name: &str) -> Option<usize> {
        self.subject_fields.iter().position(|f| f.name == name)
    }

    /// The position of a declared concern field by name.
    pub fn concern_field_index(&self, name: &str) -> Option<usize> {
        self.concern_fields.iter().position(|f| f.name == name)
    }
}

/// A typed value of a subject or concern field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number (also whole numbers of `integer` fields).
    Number(f64),
    /// yes / no.
    Flag(bool),
    /// Free text.
    Text(Arc<str>),
    /// The position of a name in its field's `one of` list.
    Enum(u32),
    /// A date.
    Date(NaiveDate),
}

/// The words accepted for a flag in data and in tests, in any case.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "1" => Some(true),
        "no" | "false" | "n" | "0" => Some(false),
        _ => None,
    }
}

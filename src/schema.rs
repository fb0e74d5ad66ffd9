//! What a policy declares about its data: metrics, subject fields and concern fields, and
//! the typed values read for them. The checker builds a [`Schema`]; the data loader reads
//! files against it.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kind of a metric, which fixes its unit.
///
/// See the example of [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
///
/// See the example of [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `higher is better`
    HigherIsBetter,
    /// `lower is better`
    LowerIsBetter,
}

/// The declared type of a subject or concern field.
///
/// See the example of [`Schema`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
///
/// See the example of [`Schema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
///
/// See the example of [`Schema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    /// The field's name, also its column name.
    pub name: String,
    /// Its declared type.
    pub ty: FieldType,
}

/// Everything a policy declares about the shape of its data: what [`Dataset::load`] and
/// [`Dataset::from_records`] check the data against (a policy's is
/// [`Program::schema`](crate::Program::schema)).
///
/// [`Dataset::load`]: crate::Dataset::load
/// [`Dataset::from_records`]: crate::Dataset::from_records
///
/// ```
/// use escalate::{Direction, FieldType, MetricKind, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Schema"
///     metric callback_in_time "Call-backs in time" percent, higher is better
///     subjects {
///       staff_group: one of gp, anp
///     }
///     concerns {
///       consequence: integer 1..5
///     }
///     event request_accepted "Request accepted"
///     event plan_created "Plan created" once per case
///     case psr_plan "PSR action plan" {
///       opened by request_accepted
///       events plan_created
///     }
/// "#).unwrap();
/// let schema = &policy.program().schema;
/// let metric = &schema.metrics[0];
/// assert_eq!((metric.kind, metric.direction), (MetricKind::Percent, Some(Direction::HigherIsBetter)));
/// let group = &schema.subject_fields[0];
/// assert_eq!(group.ty, FieldType::OneOf(vec!["gp".into(), "anp".into()]));
/// assert_eq!(schema.concern_fields[0].ty, FieldType::Integer { min: 1, max: 5 });
/// assert!(schema.reads_events());
/// let plans = &schema.case_kinds[0];
/// let opener = &schema.event_kinds[plans.opened_by];
/// assert_eq!((plans.id.as_str(), opener.id.as_str()), ("psr_plan", "request_accepted"));
/// let created = &schema.event_kinds[schema.event_kind_index("plan_created").unwrap()];
/// assert!(created.once_per_case && created.case == Some(0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Metrics in declaration order; a metric's position is its id in the data store.
    pub metrics: Vec<MetricDef>,
    /// Subject fields in declaration order.
    pub subject_fields: Vec<FieldDef>,
    /// Concern fields beyond `id`, `subject` and `raised_on`, in declaration order.
    pub concern_fields: Vec<FieldDef>,
    /// Event kinds (language v1): the built-in `concern` first, then the declared kinds in
    /// declaration order. Empty for a schema built by hand without events.
    pub event_kinds: Vec<EventKindDef>,
    /// Every event field name declared by some kind, once each (kinds that share a name
    /// share its column and its type), in order of first declaration.
    pub event_fields: Vec<FieldDef>,
    /// Case kinds (language v1), in declaration order.
    pub case_kinds: Vec<CaseKindDef>,
}

/// The name of the built-in event kind whose events are the concern records.
pub const CONCERN_KIND: &str = "concern";

/// An event kind: `event ID "Description" [once per case] [{ FIELD: TYPE, ... }]`, or the
/// built-in `concern`.
///
/// See the example of [`Schema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventKindDef {
    /// The kind's identifier, as written in the `kind` column.
    pub id: String,
    /// The description written in the policy.
    pub description: String,
    /// Its declared fields: positions in [`Schema::event_fields`], in declaration order.
    /// Event rows hold their values in this order. Empty for `concern`, whose fields are
    /// the concern fields.
    pub fields: Vec<usize>,
    /// At most one such event per case: declared `once per case`, or the kind opens or
    /// closes its case kind.
    pub once_per_case: bool,
    /// The case kind it belongs to (opens, closes or is listed under `events`), if any: a
    /// position in [`Schema::case_kinds`]. A kind in no case kind is a subject event.
    pub case: Option<usize>,
    /// Whether this is the built-in `concern` kind, whose events come from the concerns file.
    pub builtin: bool,
}

/// A case kind: `case ID "Title" { opened by K  closed by K, ...  events K, ... }`.
///
/// See the example of [`Schema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseKindDef {
    /// The identifier.
    pub id: String,
    /// The title.
    pub title: String,
    /// The kind whose events open a case: a position in [`Schema::event_kinds`].
    pub opened_by: usize,
    /// The kinds whose events close a case.
    pub closed_by: Vec<usize>,
    /// The other kinds that belong to the case kind.
    pub events: Vec<usize>,
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

    /// The position of an event kind by name (`concern` included when present).
    pub fn event_kind_index(&self, name: &str) -> Option<usize> {
        self.event_kinds.iter().position(|k| k.id == name)
    }

    /// The position of the built-in `concern` kind, when the schema has event kinds.
    pub fn concern_kind(&self) -> Option<usize> {
        self.event_kinds.iter().position(|k| k.builtin)
    }

    /// The position of a case kind by name.
    pub fn case_kind_index(&self, name: &str) -> Option<usize> {
        self.case_kinds.iter().position(|c| c.id == name)
    }

    /// Whether the policy reads an events file: it declares an event kind or a case kind.
    pub fn reads_events(&self) -> bool {
        !self.case_kinds.is_empty() || self.event_kinds.iter().any(|k| !k.builtin)
    }

    /// Whether concern records are also events, because a case kind is opened by `concern`
    /// or the policy reads events.
    pub fn concerns_are_events(&self) -> bool {
        self.reads_events()
    }

    /// The position of an event field by name.
    pub fn event_field_index(&self, name: &str) -> Option<usize> {
        self.event_fields.iter().position(|f| f.name == name)
    }
}

/// A typed value of a subject or concern field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number, exactly as written (also whole numbers of `integer` fields).
    Number(rust_decimal::Decimal),
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
    parse_flag_bytes(text.trim().as_bytes())
}

/// [`parse_flag`] of a text's bytes, already trimmed.
pub(crate) fn parse_flag_bytes(text: &[u8]) -> Option<bool> {
    let is = |words: [&str; 4]| {
        words
            .iter()
            .any(|w| w.as_bytes().eq_ignore_ascii_case(text))
    };
    if is(["yes", "true", "y", "1"]) {
        Some(true)
    } else if is(["no", "false", "n", "0"]) {
        Some(false)
    } else {
        None
    }
}

//! Values while evaluating: known values of each type, or unknown.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;

use rust_decimal::Decimal;

use crate::number::Num;
use crate::schema::Value;

/// A value during evaluation. Missing data and division by zero give [`Val::Unknown`].
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// Not known: missing data, or a division by zero.
    Unknown,
    /// An exact number (percentages as written: 80% is 80).
    Num(Num),
    /// yes / no.
    Flag(bool),
    /// Text.
    Text(Arc<str>),
    /// A date.
    Date(NaiveDate),
    /// A `one of` value: its position in the list.
    Enum(u32),
    /// A grade level: its position (0 ranks highest).
    Level(u16),
}

/// Three-valued truth, for conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// The condition holds.
    True,
    /// It does not.
    False,
    /// Data it needs is missing.
    Unknown,
}

impl Val {
    /// The truth of a yes-or-no value.
    pub fn truth(&self) -> Truth {
        match self {
            Val::Flag(true) => Truth::True,
            Val::Flag(false) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// The value as a number, if it is one.
    pub fn num(&self) -> Option<Num> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<Truth> for Val {
    fn from(t: Truth) -> Val {
        match t {
            Truth::True => Val::Flag(true),
            Truth::False => Val::Flag(false),
            Truth::Unknown => Val::Unknown,
        }
    }
}

impl From<&Value> for Val {
    fn from(value: &Value) -> Val {
        match value {
            Value::Number(n) => Val::Num(Num::new(*n)),
            Value::Flag(b) => Val::Flag(*b),
            Value::Text(t) => Val::Text(t.clone()),
            Value::Enum(i) => Val::Enum(*i),
            Value::Date(d) => Val::Date(*d),
        }
    }
}

impl fmt::Display for Truth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        })
    }
}

/// Writes a number the way people write it: exactly, with no trailing zeros (`2.5`, `78`).
pub fn format_number(n: Decimal) -> String {
    n.normalize().to_string()
}

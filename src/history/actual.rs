//! The file of what was actually done: `subject,period,rule[,case][,note]`, one action a row.
//! The `case` column names the case of an action of a rule evaluated for each case.

use std::path::{Path, PathBuf};

use miette::Diagnostic;

use crate::month::Month;
use crate::program::Program;
use crate::quote::shorten;

/// An action that was actually taken.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActualAction {
    /// The subject.
    pub subject: String,
    /// The month it was done.
    pub period: Month,
    /// The rule it answered.
    pub rule: String,
    /// The case, for a rule evaluated for each case.
    pub case: Option<String>,
    /// Free text, if the file has a fourth column.
    pub note: Option<String>,
}

/// A problem with the file of actions taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum ActualError {
    /// The file could not be read.
    #[error("cannot read `{}`: {reason}", file.display())]
    #[diagnostic(
        code(actual::unreadable_file),
        help("check the file's name and that you may read it")
    )]
    Unreadable {
        /// The file.
        file: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A column the file needs is missing.
    #[error("`{}` has no `{column}` column", file.display())]
    #[diagnostic(
        code(actual::missing_column),
        help("the first line must name the columns `subject,period,rule` (and optionally `case` and a free-text column)")
    )]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column.
        column: &'static str,
    },
    /// A row's value is wrong.
    #[error("{message} (`{}`, line {line}, column {column})", file.display())]
    #[diagnostic(code(actual::bad_value))]
    BadValue {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

impl ActualError {
    /// The file, line and column (0 when the problem is with the whole file).
    pub fn location(&self) -> (&Path, usize, usize) {
        match self {
            ActualError::Unreadable { file, .. } | ActualError::MissingColumn { file, .. } => {
                (file, 0, 0)
            }
            ActualError::BadValue {
                file, line, column, ..
            } => (file, *line, *column),
        }
    }
}

/// Every problem found in the file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the file of actions taken has {} problem(s)", .0.len())]
pub struct ActualErrors(#[related] pub Vec<ActualError>);

/// Reads the file of actions taken, checking each rule against the policy.
pub fn load_actual(path: &Path, program: &Program) -> Result<Vec<ActualAction>, ActualErrors> {
    let one = |e| ActualErrors(vec![e]);
    // Read whole, so its size is checked first, with the limit of a JSON data file.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if size > crate::data::MAX_JSON_BYTES {
        return Err(one(ActualError::Unreadable {
            file: path.to_path_buf(),
            reason: format!(
                "the file has {} bytes, more than a file of actions may have ({} bytes)",
                crate::quote::thousands(size),
                crate::quote::thousands(crate::data::MAX_JSON_BYTES)
            ),
        }));
    }
    let text = std::fs::read(path).map_err(|e| {
        one(ActualError::Unreadable {
            file: path.to_path_buf(),
            reason: e.to_string().to_lowercase(),
        })
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(strip_bom(&text));
    let headers = reader
        .byte_headers()
        .map_err(|e| one(bad_csv(path, &e)))?
        .clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| ActualError::MissingColumn {
                file: path.to_path_buf(),
                column: name,
            })
    };
    let columns = [column("subject"), column("period"), column("rule")];
    let missing: Vec<ActualError> = columns.iter().filter_map(|c| c.clone().err()).collect();
    if !missing.is_empty() {
        return Err(ActualErrors(missing));
    }
    let [subject, period, rule] = columns.map(|c| c.expect("checked above"));
    let case = column("case").ok();
    let note =
        (0..headers.len()).find(|i| ![subject, period, rule].contains(i) && Some(*i) != case);
    let columns = Columns {
        subject,
        period,
        rule,
        case,
        note,
    };
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for record in reader.byte_records() {
        let row = record
            .map_err(|e| bad_csv(path, &e))
            .and_then(|r| read_row(&r, &columns, program, path));
        match row {
            Ok(action) => actions.push(action),
            Err(e) => errors.push(e),
        }
    }
    match errors.is_empty() {
        true => Ok(actions),
        false => Err(ActualErrors(errors)),
    }
}

/// Where each column of the file is (0-based).
struct Columns {
    subject: usize,
    period: usize,
    rule: usize,
    case: Option<usize>,
    note: Option<usize>,
}

/// One row of the file, checked against the policy: a subject, a month, one of its rules, and
/// a case exactly when the rule is evaluated for each case.
fn read_row(
    record: &csv::ByteRecord,
    columns: &Columns,
    program: &Program,
    path: &Path,
) -> Result<ActualAction, ActualError> {
    let line = record.position().map_or(0, |p| p.line() as usize);
    let cell = |i: usize| {
        String::from_utf8_lossy(record.get(i).unwrap_or_default())
            .trim()
            .to_string()
    };
    let bad = |column: usize, message: String, help: &str| ActualError::BadValue {
        file: path.to_path_buf(),
        line,
        column: column + 1,
        message,
        help: Some(help.to_string()),
    };
    let (subject, period, rule) = (
        cell(columns.subject),
        cell(columns.period),
        cell(columns.rule),
    );
    if subject.is_empty() {
        return Err(bad(
            columns.subject,
            "the subject is empty".to_string(),
            "give the subject's id",
        ));
    }
    let case_cell = columns.case.map(cell);
    let mut ids = vec![(columns.subject, "subject", subject.as_str())];
    if let (Some(column), Some(case)) = (columns.case, &case_cell) {
        ids.push((column, "case", case.as_str()));
    }
    for (column, what, id) in ids {
        if let Some(control) = id.chars().find(|c| c.is_control()) {
            return Err(bad(
                column,
                format!(
                    "the {what} `{}` holds the control character U+{:04X}",
                    shorten(id),
                    control as u32
                ),
                "remove it: an id cannot hold line breaks, tabs or other invisible characters",
            ));
        }
    }
    let Ok(month) = period.parse::<Month>() else {
        return Err(bad(
            columns.period,
            format!("`{}` is not a month", shorten(&period)),
            "write the month as YYYY-MM, e.g. `2026-10`",
        ));
    };
    let Some(index) = program.rule_index(&rule) else {
        let help = crate::suggest::did_you_mean(&rule, program.rules.iter().map(|r| r.id.as_str()))
            .unwrap_or_else(|| "use the id of one of the policy's rules".to_string());
        return Err(bad(
            columns.rule,
            format!("the policy has no rule `{}`", shorten(&rule)),
            &help,
        ));
    };
    let case = case_cell.filter(|c| !c.is_empty());
    let case_column = columns.case.unwrap_or(columns.rule);
    match (program.rules[index].for_each.is_some(), &case) {
        (true, None) => Err(bad(
            case_column,
            format!("rule `{rule}` is followed for each case, and this row names no case"),
            "give the case's id in a `case` column",
        )),
        (false, Some(c)) => Err(bad(
            case_column,
            format!("rule `{rule}` is followed once per subject, not per case, but this row names case `{}`", shorten(c)),
            "leave the case empty for this rule",
        )),
        _ => Ok(ActualAction {
            subject,
            period: month,
            rule,
            case,
            note: columns.note.map(cell).filter(|n| !n.is_empty()),
        }),
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

fn bad_csv(path: &Path, error: &csv::Error) -> ActualError {
    let line = error.position().map_or(0, |p| p.line() as usize);
    ActualError::BadValue {
        file: path.to_path_buf(),
        line,
        column: 1,
        message: "this line cannot be read as CSV".to_string(),
        help: Some("check the quotes on this line".to_string()),
    }
}

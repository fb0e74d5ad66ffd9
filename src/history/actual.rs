//! The file of what was actually done: `subject,period,rule[,note]`, one action a row.

use std::path::{Path, PathBuf};

use miette::Diagnostic;

use crate::month::Month;
use crate::program::Program;

/// An action that was actually taken.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ActualAction {
    /// The subject.
    pub subject: String,
    /// The month it was done.
    pub period: Month,
    /// The rule it answered.
    pub rule: String,
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
        help("the first line must name the columns `subject,period,rule` (and optionally a fourth, free-text column)")
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
    let note = (0..headers.len()).find(|i| ![subject, period, rule].contains(i));
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for record in reader.byte_records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(bad_csv(path, &e));
                continue;
            }
        };
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
        let (subject_id, period_text, rule_id) = (cell(subject), cell(period), cell(rule));
        if subject_id.is_empty() {
            errors.push(bad(
                subject,
                "the subject is empty".to_string(),
                "give the subject's id",
            ));
            continue;
        }
        let Ok(month) = period_text.parse::<Month>() else {
            errors.push(bad(
                period,
                format!("`{period_text}` is not a month"),
                "write the month as YYYY-MM, e.g. `2026-10`",
            ));
            continue;
        };
        if program.rule_index(&rule_id).is_none() {
            let help =
                crate::suggest::did_you_mean(&rule_id, program.rules.iter().map(|r| r.id.as_str()))
                    .unwrap_or_else(|| "use the id of one of the policy's rules".to_string());
            errors.push(bad(
                rule,
                format!("the policy has no rule `{rule_id}`"),
                &help,
            ));
            continue;
        }
        actions.push(ActualAction {
            subject: subject_id,
            period: month,
            rule: rule_id,
            note: note.map(cell).filter(|n| !n.is_empty()),
        });
    }
    match errors.is_empty() {
        true => Ok(actions),
        false => Err(ActualErrors(errors)),
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

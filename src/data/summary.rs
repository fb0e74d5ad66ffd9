//! What was read from each data file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which kind of records a file holds.
///
/// See the example of [`LoadSummary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Monthly performance figures.
    Performance,
    /// Dated concern records.
    Concerns,
    /// Subject attributes.
    Subjects,
    /// Dated events (language v1).
    Events,
    /// What was actually done (`backtest --actual`; not part of a dataset).
    Actual,
}

impl FileKind {
    /// The file's base name (and a workbook's sheet name): `performance`, `concerns`,
    /// `subjects`, `events` or `actual`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Performance => "performance",
            FileKind::Concerns => "concerns",
            FileKind::Subjects => "subjects",
            FileKind::Events => "events",
            FileKind::Actual => "actual",
        }
    }
}

/// How a file was written.
///
/// See the example of [`LoadSummary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Records handed over in memory ([`Dataset::from_records`](super::Dataset::from_records)).
    Records,
    /// A sheet of an Excel workbook (`.xlsx`).
    Xlsx,
}

/// The layout of a performance file.
///
/// See the example of [`LoadSummary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `subject,period,<metric>,...`: one column per metric.
    Wide,
    /// `subject,period,metric,value`: one row per figure.
    Long,
}

/// Rows left out for one reason, such as rows of a metric the policy does not declare.
///
/// See the example of [`LoadSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredRows {
    /// Why they were left out, in words for a contract manager.
    pub reason: String,
    /// How many rows.
    pub rows: usize,
}

/// What happened to the rows of one file.
///
/// See the example of [`LoadSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    /// The file as it was named (for records: `performance records` and so on).
    pub path: PathBuf,
    /// Which records it holds.
    pub kind: FileKind,
    /// How it was written.
    pub format: FileFormat,
    /// Wide or long, for performance files whose header was read.
    pub layout: Option<Layout>,
    /// Data rows read (the header is not counted).
    pub rows_read: usize,
    /// Rows that feed the evaluation.
    pub rows_used: usize,
    /// Rows rejected with an error.
    pub rows_rejected: usize,
    /// Rows left out on purpose; see `ignored`.
    pub rows_ignored: usize,
    /// Why rows were left out, with counts.
    pub ignored: Vec<IgnoredRows>,
    /// Columns in the file that the policy does not use.
    pub unused_columns: Vec<String>,
}

impl FileSummary {
    pub(crate) fn new(path: PathBuf, kind: FileKind, format: FileFormat) -> FileSummary {
        FileSummary {
            path,
            kind,
            format,
            layout: None,
            rows_read: 0,
            rows_used: 0,
            rows_rejected: 0,
            rows_ignored: 0,
            ignored: Vec::new(),
            unused_columns: Vec::new(),
        }
    }

    /// Counts an ignored row under a reason (at most 50 distinct reasons are kept; the
    /// rest are counted under "other reasons").
    pub(crate) fn ignore(&mut self, reason: impl AsRef<str>) {
        self.rows_ignored += 1;
        let reason = reason.as_ref();
        if let Some(entry) = self.ignored.iter_mut().find(|e| e.reason == reason) {
            entry.rows += 1;
            return;
        }
        const OTHER: &str = "other reasons";
        if self.ignored.len() >= 50 {
            if let Some(entry) = self.ignored.iter_mut().find(|e| e.reason == OTHER) {
                entry.rows += 1;
                return;
            }
            self.ignored.push(IgnoredRows {
                reason: OTHER.to_string(),
                rows: 1,
            });
            return;
        }
        self.ignored.push(IgnoredRows {
            reason: reason.to_string(),
            rows: 1,
        });
    }
}

/// What was read from each file, in the order the files were read
/// ([`Dataset::summary`](crate::Dataset::summary), and in each
/// [`Evaluation`](crate::Evaluation)).
///
/// ```
/// use escalate::{DataInput, DataSources, Dataset, FileFormat, FileKind, Layout, Policy};
///
/// let policy = Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     metric callbacks "Call-backs made" count
/// "#).unwrap();
/// let long = "subject,period,metric,value\nc1,2026-10,callbacks,41\nc1,2026-10,sickness,2\n";
/// let sources = DataSources {
///     performance: Some(DataInput::csv("performance.csv", long)),
///     ..DataSources::default()
/// };
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let file = &data.summary().files[0];
/// assert_eq!(file.kind, FileKind::Performance);
/// assert_eq!((file.format, file.layout), (FileFormat::Csv, Some(Layout::Long)));
/// assert_eq!((file.rows_read, file.rows_used, file.rows_ignored), (2, 1, 1));
/// assert_eq!(file.ignored[0].rows, 1);
/// // The row of a metric the policy does not declare is left out, with a warning.
/// let warning = &data.warnings()[0];
/// assert_eq!(warning.code(), "data::undeclared_metric");
/// assert_eq!(warning.location().unwrap().line, 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// One entry per file (or list of records) read.
    pub files: Vec<FileSummary>,
}

//! Where one data file's text comes from: a file on disk, or text already in memory (a
//! string, or whatever a reader gives). Both are read by the same loaders.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::summary::FileFormat;

/// One data file's contents: a path read when the data is loaded, or text in memory.
///
/// ```
/// use escalate::{DataInput, FileFormat};
///
/// let from_disk = DataInput::file("data/performance.csv");
/// let in_memory = DataInput::csv("performance.csv", "subject,period,callbacks\nc1,2026-10,41\n");
/// let from_reader = DataInput::from_reader(
///     "performance.json",
///     FileFormat::Json,
///     &b"[{\"subject\": \"c1\", \"period\": \"2026-10\", \"callbacks\": 41}]"[..],
/// )
/// .unwrap();
/// assert_eq!(in_memory.name(), std::path::Path::new("performance.csv"));
/// assert!(from_disk.bytes().is_none() && from_reader.bytes().is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataInput {
    name: PathBuf,
    format: FileFormat,
    /// The contents, when in memory: bytes, so that text which is not UTF-8 is reported
    /// with its line when loaded, as for a file.
    bytes: Option<Arc<[u8]>>,
}

impl DataInput {
    /// A file, read when the data is loaded: JSON when its name ends in `.json`, an Excel
    /// workbook when it ends in `.xlsx` (any case), CSV otherwise. Errors name it by its path.
    pub fn file(path: impl Into<PathBuf>) -> DataInput {
        let name = path.into();
        let format = format_of(&name);
        DataInput {
            name,
            format,
            bytes: None,
        }
    }

    /// CSV text in memory; errors call it `name`.
    pub fn csv(name: impl Into<PathBuf>, text: impl Into<String>) -> DataInput {
        DataInput::in_memory(name, FileFormat::Csv, text.into().into_bytes())
    }

    /// JSON text in memory (a list of objects); errors call it `name`.
    pub fn json(name: impl Into<PathBuf>, text: impl Into<String>) -> DataInput {
        DataInput::in_memory(name, FileFormat::Json, text.into().into_bytes())
    }

    /// Bytes in memory of the given format ([`FileFormat::Records`] and
    /// [`FileFormat::Xlsx`] are read as CSV text: workbooks are read from files only).
    pub fn in_memory(
        name: impl Into<PathBuf>,
        format: FileFormat,
        bytes: impl Into<Arc<[u8]>>,
    ) -> DataInput {
        let format = match format {
            FileFormat::Json => FileFormat::Json,
            FileFormat::Csv | FileFormat::Records | FileFormat::Xlsx => FileFormat::Csv,
        };
        DataInput {
            name: name.into(),
            format,
            bytes: Some(bytes.into()),
        }
    }

    /// Everything `reader` gives, as text of the given format; errors call it `name`. Fails
    /// only when the reader does; text that is not UTF-8 is reported when the data is
    /// loaded, with its line, as for a file.
    pub fn from_reader(
        name: impl Into<PathBuf>,
        format: FileFormat,
        mut reader: impl Read,
    ) -> std::io::Result<DataInput> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(DataInput::in_memory(name, format, bytes))
    }

    /// How errors name it: the path, or the name given with the text.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// CSV or JSON.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// The contents, when they are in memory (`None` for a file).
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref()
    }

    /// The contents, shared, when they are in memory.
    pub(crate) fn shared_bytes(&self) -> Option<Arc<[u8]>> {
        self.bytes.clone()
    }
}

impl From<PathBuf> for DataInput {
    fn from(path: PathBuf) -> DataInput {
        DataInput::file(path)
    }
}

impl From<&Path> for DataInput {
    fn from(path: &Path) -> DataInput {
        DataInput::file(path)
    }
}

/// A file's format, by its extension: `.json`, `.xlsx`, or CSV for any other.
pub(crate) fn format_of(path: &Path) -> FileFormat {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension.eq_ignore_ascii_case("json") {
        FileFormat::Json
    } else if extension.eq_ignore_ascii_case("xlsx") {
        FileFormat::Xlsx
    } else {
        FileFormat::Csv
    }
}

/// Something to read a data file's contents from, and seek in (to show an offending line).
pub(crate) trait Contents: Read + std::io::Seek + Send {}

impl<T: Read + std::io::Seek + Send> Contents for T {}

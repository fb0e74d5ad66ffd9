//! Opening a data file: why it cannot be used, said plainly (a link to nothing, UTF-16 text,
//! lines ending in CR alone, too large to read whole), before any row is read; and the limit
//! on one CSV row, checked as the file streams past.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::error::{DataError, DataErrorKind, Site};
use super::input::Contents;

/// The most bytes a JSON data file may have: it is read whole (and its values take several
/// times that in memory). CSV files are read row by row and have no such limit.
pub const MAX_JSON_BYTES: u64 = 256 * 1024 * 1024;

/// The most bytes one CSV row may have (a quoted cell may span lines): far more than any real
/// row, and small enough that a runaway quote or a binary file is stopped early.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// How much of the start of a file is looked at for its encoding and line ends.
const PEEK_BYTES: usize = 64 * 1024;

/// Opens a data file's contents for reading from their start (the bytes in memory when
/// given, else the file at `path`), or says why they cannot be used. `read_whole`: the
/// contents will be read whole (JSON), so their size is limited.
pub(crate) fn open_data_file(
    path: &Path,
    bytes: Option<&Arc<[u8]>>,
    read_whole: bool,
) -> Result<Box<dyn Contents>, DataError> {
    let (mut file, size): (Box<dyn Contents>, u64) = match bytes {
        Some(bytes) => (
            Box::new(std::io::Cursor::new(bytes.clone())),
            bytes.len() as u64,
        ),
        None => {
            let file = open_file(path)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            (Box::new(file), size)
        }
    };
    if read_whole && size > MAX_JSON_BYTES {
        return Err(unusable(
            path,
            DataErrorKind::FileTooLarge {
                path: path.to_path_buf(),
                bytes: size,
                limit: MAX_JSON_BYTES,
            },
            "a JSON data file may have at most 256 MiB: write large data as CSV, which is read \
             row by row",
        ));
    }
    let mut start = Vec::with_capacity(PEEK_BYTES.min(size as usize));
    let peeked = (&mut file)
        .take(PEEK_BYTES as u64)
        .read_to_end(&mut start)
        .and_then(|_| file.seek(SeekFrom::Start(0)));
    if let Err(error) = peeked {
        return Err(unusable(
            path,
            DataErrorKind::UnreadableFile {
                path: path.to_path_buf(),
                reason: error.to_string().to_lowercase(),
            },
            "check that the file can be read",
        ));
    }
    if is_utf16(&start) {
        return Err(unusable(
            path,
            DataErrorKind::Utf16 {
                path: path.to_path_buf(),
            },
            "save it as UTF-8 (in Excel: Save As, then \"CSV UTF-8\"; in Notepad: Save As, \
             Encoding \"UTF-8\")",
        ));
    }
    if start.contains(&b'\r') && !start.contains(&b'\n') {
        return Err(unusable(
            path,
            DataErrorKind::CrLineEnds {
                path: path.to_path_buf(),
            },
            "save it again with Windows (CR LF) or Unix (LF) line ends; lines ending in CR \
             alone come from old Mac software",
        ));
    }
    Ok(file)
}

/// The file at `path`, or why it cannot be opened (a link to nothing named as such).
fn open_file(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|error| match broken_link(path) {
        Some(target) => unusable(
            path,
            DataErrorKind::BrokenLink {
                path: path.to_path_buf(),
                target,
            },
            "point the link at the data file, or name the file itself",
        ),
        None => unusable(
            path,
            DataErrorKind::UnreadableFile {
                path: path.to_path_buf(),
                reason: error.to_string().to_lowercase(),
            },
            "check that the file exists and can be opened",
        ),
    })
}

/// Where `path` points, when it is a symbolic link to nothing.
fn broken_link(path: &Path) -> Option<std::path::PathBuf> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_symlink() || path.exists() {
        return None;
    }
    std::fs::read_link(path).ok()
}

/// UTF-16 text: a byte-order mark of either order, or a zero byte in every other place of the
/// first characters (plain ASCII written as UTF-16 without a mark).
fn is_utf16(start: &[u8]) -> bool {
    if start.starts_with(&[0xff, 0xfe]) || start.starts_with(&[0xfe, 0xff]) {
        return true;
    }
    let pairs = start.chunks_exact(2).take(32);
    let count = pairs.len();
    let zeros = |i: usize| start.chunks_exact(2).take(32).filter(|p| p[i] == 0).count();
    count >= 4 && (zeros(0) == count || zeros(1) == count)
}

fn unusable(path: &Path, kind: DataErrorKind, help: &str) -> DataError {
    DataError::new(kind, Site::file(path, Some(help.to_string())))
}

/// A CSV source that fails, with a message naming the row's first line and the limit, when a
/// row (up to a line end outside quotes) passes [`MAX_ROW_BYTES`]; so a single enormous cell
/// is refused before it is held in memory.
pub(crate) struct RowLimit<R> {
    inner: R,
    /// Bytes of the current row so far.
    row: usize,
    /// Inside a quoted cell.
    quoted: bool,
    /// Line ends seen so far, and the line the current row started on.
    lines: usize,
    row_line: usize,
}

impl<R: Read> RowLimit<R> {
    /// Wraps a CSV source.
    pub(crate) fn new(inner: R) -> RowLimit<R> {
        RowLimit {
            inner,
            row: 0,
            quoted: false,
            lines: 0,
            row_line: 1,
        }
    }

    fn too_long(&self) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            RowTooLong {
                line: self.row_line,
            },
        )
    }
}

/// What [`RowLimit`] fails with.
#[derive(Debug)]
struct RowTooLong {
    line: usize,
}

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the row starting on line {} is too long", self.line)
    }
}

impl std::error::Error for RowTooLong {}

/// The error for a CSV row over [`MAX_ROW_BYTES`], when `error` is that.
pub(crate) fn row_too_long(path: &Path, error: &std::io::Error) -> Option<DataError> {
    let line = error.get_ref()?.downcast_ref::<RowTooLong>()?.line;
    let mut at = Site::file(
        path,
        Some(
            "look for a quote mark that is never closed (everything after it reads as one \
             cell), or check that this is a CSV file"
                .to_string(),
        ),
    );
    if let Some(location) = &mut at.location {
        location.line = line;
    }
    Some(DataError::new(
        DataErrorKind::RowTooLong {
            path: path.to_path_buf(),
            line,
            limit: MAX_ROW_BYTES as u64,
        },
        at,
    ))
}

impl<R: Read> RowLimit<R> {
    /// What [`Read::read`] does with `data` (at most [`MAX_ROW_BYTES`] bytes) outside quotes
    /// and holding no quote mark, in a few passes over it: no row within it can be too long,
    /// only the one it continues.
    fn unquoted(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let (Some(first), Some(last)) = (memchr::memchr(b'\n', data), memchr::memrchr(b'\n', data))
        else {
            self.row += data.len();
            return match self.row > MAX_ROW_BYTES {
                true => Err(self.too_long()),
                false => Ok(data.len()),
            };
        };
        if self.row + first > MAX_ROW_BYTES {
            return Err(self.too_long());
        }
        self.lines += memchr::memchr_iter(b'\n', data).count();
        self.row = data.len() - last - 1;
        self.row_line = self.lines + 1;
        Ok(data.len())
    }
}

impl<R: Read> Read for RowLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        if !self.quoted && n <= MAX_ROW_BYTES && memchr::memchr(b'"', data).is_none() {
            return self.unquoted(data);
        }
        let mut last = 0;
        // Quotes and line ends are rare next to other bytes: only they are looked at.
        for i in memchr::memchr2_iter(b'"', b'\n', data) {
            if data[i] == b'"' {
                self.quoted = !self.quoted;
                continue;
            }
            self.lines += 1;
            if !self.quoted {
                self.row += i - last;
                if self.row > MAX_ROW_BYTES {
                    return Err(self.too_long());
                }
                self.row = 0;
                self.row_line = self.lines + 1;
                last = i + 1;
            }
        }
        self.row += n - last;
        if self.row > MAX_ROW_BYTES {
            return Err(self.too_long());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        RowLimit::new(text).read_to_end(&mut out).map(|_| out)
    }

    #[test]
    fn rows_under_the_limit_pass_through() {
        let row = format!("a,\"{}\nb\"\n", "x".repeat(MAX_ROW_BYTES - 10));
        let text = row.repeat(3);
        assert_eq!(read_all(text.as_bytes()).unwrap(), text.as_bytes());
    }

    #[test]
    fn a_row_over_the_limit_is_refused_with_its_line() {
        let text = format!("h\nok\n\"{}\n", "x\n".repeat(MAX_ROW_BYTES));
        let error = read_all(text.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), "the row starting on line 3 is too long");
    }

    #[test]
    fn utf16_is_recognised() {
        assert!(is_utf16(&[0xff, 0xfe, b's', 0]));
        let plain: Vec<u8> = "subject,period".bytes().flat_map(|b| [b, 0]).collect();
        assert!(is_utf16(&plain));
        assert!(!is_utf16(b"subject,period\n"));
    }
}

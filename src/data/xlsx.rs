//! Excel workbooks (`.xlsx`): one sheet read as a table of text cells, typed as a CSV
//! export of it would be, so the same workbook gives exactly the same data as its CSV.
//!
//! The sheet read is the one named like the data kind (`performance`, `concerns`,
//! `subjects`, `events`, in any case), or the only sheet. Cells become text:
//!
//! - a number as the decimal Excel shows in a General cell and writes in a CSV: rounded to
//!   15 significant digits (the precision Excel keeps), so `79.5` is `79.5` and `0.1 + 0.2`
//!   computed by a formula is `0.3`;
//! - a date cell as `YYYY-MM-DD` (a date with a time of day keeps only the date when the time
//!   is midnight, else it is written `YYYY-MM-DDTHH:MM:SS` and refused as a date);
//! - text as written, `TRUE`/`FALSE` as `true`/`false`, an error such as `#N/A` as its text.
//!
//! Rows and columns are the sheet's own (row 1 and column A are the first, even when the
//! table starts further down or right), and errors name the sheet.

use std::io::{Read, Seek};

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;

use super::summary::FileKind;
use super::table::{normalise_heading, Header, TextRow};

/// A sheet read as rows of text.
#[derive(Debug)]
pub(crate) struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// The header row (the first row of the used range), normalised.
    pub header: Header,
    /// The headings as written.
    pub shown: Vec<String>,
    /// The data rows with their 1-based row numbers, in order.
    pub rows: Vec<(usize, TextRow)>,
}

/// Why a workbook could not be read.
#[derive(Debug)]
pub(crate) enum SheetProblem {
    /// Not a workbook calamine can open.
    Unreadable(String),
    /// Several sheets, none named like the data kind.
    WhichSheet(Vec<String>),
    /// The sheet holds no cells.
    Empty(String),
}

/// Reads the sheet holding `kind`'s records from a workbook.
pub(crate) fn read_sheet<R: Read + Seek>(reader: R, kind: FileKind) -> Result<Sheet, SheetProblem> {
    let mut workbook: Xlsx<R> =
        Xlsx::new(reader).map_err(|e| SheetProblem::Unreadable(e.to_string().to_lowercase()))?;
    let names = workbook.sheet_names();
    let name = match names
        .iter()
        .find(|n| n.trim().eq_ignore_ascii_case(kind.name()))
    {
        Some(name) => name.clone(),
        None if names.len() == 1 => names[0].clone(),
        None => return Err(SheetProblem::WhichSheet(names)),
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| SheetProblem::Unreadable(e.to_string().to_lowercase()))?;
    let Some((first_row, first_column)) = range.start() else {
        return Err(SheetProblem::Empty(name));
    };
    let lead = first_column as usize;
    let mut rows = range.rows();
    let header_cells: Vec<String> = match rows.next() {
        Some(cells) => padded(lead, cells),
        None => return Err(SheetProblem::Empty(name)),
    };
    let shown: Vec<String> = header_cells
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let header = Header {
        names: header_cells.iter().map(|h| normalise_heading(h)).collect(),
        line: first_row as usize + 1,
    };
    let rows = rows
        .enumerate()
        .map(|(i, cells)| (first_row as usize + i + 2, TextRow(padded(lead, cells))))
        .collect();
    Ok(Sheet {
        name,
        header,
        shown,
        rows,
    })
}

/// A row's cells as text, after `lead` empty cells for the columns left of the used range.
fn padded(lead: usize, cells: &[Data]) -> Vec<String> {
    std::iter::repeat_n(String::new(), lead)
        .chain(cells.iter().map(cell_text))
        .collect()
}

/// A cell as a CSV export writes it (see the module's documentation).
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(date) => match date.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
            Some(at) => at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => number_text(date.as_f64()),
        },
        Data::DateTimeIso(text) => match text.strip_suffix("T00:00:00") {
            Some(date) => date.to_string(),
            None => text.clone(),
        },
        Data::DurationIso(text) => text.clone(),
        Data::Error(error) => error.to_string(),
    }
}

/// A number rounded to 15 significant digits, written as a plain decimal (`79.5`, `41`,
/// `0.3`); as Rust writes it when beyond what a decimal holds (it is then refused as too
/// long, as in a CSV).
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let scientific = format!("{f:.14e}");
    match Decimal::from_scientific(&scientific) {
        Ok(d) => d.normalize().to_string(),
        Err(_) => f.to_string(),
    }
}

/// The letters of a 0-based column, as a spreadsheet names it (`A`, `Z`, `AA`).
pub(crate) fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_excel_shows_them() {
        assert_eq!(number_text(79.5), "79.5");
        assert_eq!(number_text(41.0), "41");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-2.25), "-2.25");
        assert_eq!(number_text(0.78), "0.78");
        assert_eq!(number_text(123456789012345.0), "123456789012345");
        assert_eq!(number_text(0.0), "0");
    }

    #[test]
    fn columns_are_lettered() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}

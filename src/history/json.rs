//! A replay written as the backtest's JSON document, laid out exactly as
//! `serde_json::to_writer_pretty` lays out [`super::Backtest`], with each month's actions and
//! undecided rules worked out and written on all cores, a few hundred at a time, and dropped
//! as soon as written: a region's backtest is hundreds of megabytes of JSON.
//!
//! The document's and each month's own fields come from serialising them with empty lists
//! (so their names and order are the derived ones); each list is then written in its place.

use std::io::{self, Write};

use serde::Serialize;

use super::{Backtest, BacktestMonth, Replay};

/// How many list items one task works out and writes.
const CHUNK: usize = 256;

/// The nesting level of a month (inside the document and its `months`), of a month's lists,
/// and of their items.
const MONTH_LEVEL: usize = 2;

impl Replay<'_> {
    /// Writes the replay as the [`Backtest`] JSON document (without a last newline): the same
    /// bytes as `serde_json::to_writer_pretty` of [`Replay::into_backtest`]'s result, without
    /// holding every month at once. `progress` is told after each month.
    pub fn write_json(&self, out: &mut impl Write, progress: &dyn Fn(usize)) -> io::Result<()> {
        let shell = Backtest {
            policy: self.policy.program().name.clone(),
            from: self.from,
            to: self.to,
            months: Vec::new(),
            summary: self.summary.clone(),
        };
        let shell = rendered(&shell, 0)?;
        let [before, after] = split_at_lists(&shell, 0, ["months"])?;
        out.write_all(before)?;
        let mut months = ListWriter::new(out, 1);
        for index in 0..self.month_count() {
            months.next()?;
            self.write_month(months.out, index)?;
            progress(index + 1);
        }
        months.end()?;
        out.write_all(after)
    }

    /// Month `index`, as it stands in the document's `months`.
    fn write_month(&self, out: &mut impl Write, index: usize) -> io::Result<()> {
        let kept = &self.months[index];
        let month = self.from.offset(index as i32);
        let shell = BacktestMonth {
            as_of: month,
            decided_on: month.last_day(),
            actions: Vec::new(),
            resolved: Vec::new(),
            undecided: Vec::new(),
        };
        let shell = rendered(&shell, MONTH_LEVEL)?;
        let [head, after_actions, after_resolved, tail] =
            split_at_lists(&shell, MONTH_LEVEL, ["actions", "resolved", "undecided"])?;
        let items = MONTH_LEVEL + 2;
        out.write_all(head)?;
        let actions = in_chunks(&kept.actions, items, |a| self.action(month, a))?;
        write_list(out, MONTH_LEVEL + 1, &actions)?;
        drop(actions);
        out.write_all(after_actions)?;
        let resolved = in_chunks(&kept.resolved, items, |r| self.resolved(r))?;
        write_list(out, MONTH_LEVEL + 1, &resolved)?;
        out.write_all(after_resolved)?;
        let undecided = in_chunks(&kept.undecided, items, |&(subject, key)| {
            self.by_month.undecided(subject, month, key)
        })?;
        write_list(out, MONTH_LEVEL + 1, &undecided)?;
        out.write_all(tail)
    }
}

/// `value` laid out at nesting level `level`.
fn rendered(value: &impl Serialize, level: usize) -> io::Result<Vec<u8>> {
    let mut json = Vec::new();
    write_at(&mut json, value, level)?;
    Ok(json)
}

fn write_at(out: &mut Vec<u8>, value: &impl Serialize, level: usize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, PrettyAt::new(level));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// The text of an object laid out at `level` around its empty lists named `keys`, in the
/// order they come: the text up to each list (`"key": `) and after the last.
fn split_at_lists<'s, const N: usize, const M: usize>(
    shell: &'s [u8],
    level: usize,
    keys: [&str; N],
) -> io::Result<[&'s [u8]; M]> {
    debug_assert_eq!(M, N + 1);
    let mut pieces: Vec<&[u8]> = Vec::with_capacity(M);
    let mut rest = shell;
    for key in keys {
        // A field of the object is at the next level, on a line of its own; a quote inside a
        // text is escaped, so this cannot be found inside one.
        let mut field = b"\n".to_vec();
        field.extend(std::iter::repeat_n(b' ', (level + 1) * 2));
        field.extend_from_slice(format!("\"{key}\": []").as_bytes());
        let at = find(rest, &field).ok_or_else(|| {
            io::Error::other(format!("the backtest's `{key}` is missing from its JSON"))
        })?;
        let list = at + field.len() - 2;
        pieces.push(&rest[..list]);
        rest = &rest[list + 2..];
    }
    pieces.push(rest);
    pieces
        .try_into()
        .map_err(|_| io::Error::other("the backtest's JSON has the wrong lists"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Each item of `items` made by `make`, laid out at `level`, each after its separator (`,`,
/// a new line and the indentation), in chunks of [`CHUNK`] items worked out and written on
/// all cores.
fn in_chunks<T: Sync, R: Serialize>(
    items: &[T],
    level: usize,
    make: impl Fn(&T) -> R + Sync + Send,
) -> io::Result<Vec<Vec<u8>>> {
    let chunk = |items: &[T]| -> io::Result<Vec<u8>> {
        let mut json = Vec::new();
        for item in items {
            json.push(b',');
            new_line(&mut json, level)?;
            write_at(&mut json, &make(item), level)?;
        }
        Ok(json)
    };
    let chunks = items.chunks(CHUNK);
    #[cfg(feature = "parallel")]
    let written: Vec<io::Result<Vec<u8>>> = {
        use rayon::prelude::*;
        chunks
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(chunk)
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let written: Vec<io::Result<Vec<u8>>> = chunks.map(chunk).collect();
    written.into_iter().collect()
}

/// A list whose items were written by [`in_chunks`] for the level inside it.
fn write_list(out: &mut impl Write, level: usize, chunks: &[Vec<u8>]) -> io::Result<()> {
    let mut list = ListWriter::new(out, level);
    for chunk in chunks.iter().filter(|c| !c.is_empty()) {
        list.separated(chunk)?;
    }
    list.end()
}

/// Writes a list at `level` as the pretty layout does: `[]` when empty, else `[`, each item
/// on a line of its own one level in, and `]` on a line at the list's level.
struct ListWriter<'w, W: Write> {
    out: &'w mut W,
    level: usize,
    empty: bool,
}

impl<'w, W: Write> ListWriter<'w, W> {
    fn new(out: &'w mut W, level: usize) -> ListWriter<'w, W> {
        ListWriter {
            out,
            level,
            empty: true,
        }
    }

    /// Starts the next item, to be written at the level inside the list.
    fn next(&mut self) -> io::Result<()> {
        if !self.empty {
            self.out.write_all(b",")?;
        }
        self.opened()?;
        new_line(self.out, self.level + 1)
    }

    /// Items each already after its separator (a comma, a new line and the indentation).
    fn separated(&mut self, json: &[u8]) -> io::Result<()> {
        let json = match self.empty {
            true => &json[1..],
            false => json,
        };
        self.opened()?;
        self.out.write_all(json)
    }

    fn opened(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.empty, false) {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    fn end(self) -> io::Result<()> {
        match self.empty {
            true => self.out.write_all(b"[]"),
            false => {
                new_line(self.out, self.level)?;
                self.out.write_all(b"]")
            }
        }
    }
}

/// A new line and the indentation of `level` (two spaces a level).
fn new_line(out: &mut (impl Write + ?Sized), level: usize) -> io::Result<()> {
    const SPACES: &[u8; 65] = b"\n                                                                ";
    let mut width = level * 2 + 1;
    let mut piece: &[u8] = SPACES;
    while width > 0 {
        let n = width.min(piece.len());
        out.write_all(&piece[..n])?;
        width -= n;
        piece = &SPACES[1..];
    }
    Ok(())
}

/// `serde_json`'s pretty layout (two spaces a level), starting `level` levels in, so that a
/// piece laid out on its own fits where it goes in the document; each indentation is written
/// at once rather than a level at a time.
struct PrettyAt {
    level: usize,
    has_value: bool,
}

impl PrettyAt {
    fn new(level: usize) -> PrettyAt {
        PrettyAt {
            level,
            has_value: false,
        }
    }

    fn opened<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn closed<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            new_line(writer, self.level)?;
        }
        writer.write_all(bracket)
    }

    fn next<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        new_line(writer, self.level)
    }
}

impl serde_json::ser::Formatter for PrettyAt {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.opened(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.closed(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.opened(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.closed(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

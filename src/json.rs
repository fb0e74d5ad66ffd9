//! JSON in `serde_json`'s pretty layout (two spaces a level), written faster than its own
//! formatter writes it: each new line and its indentation at once, texts that need no escaping
//! copied whole. Every JSON document escalate writes goes through here; the bytes are
//! `serde_json::to_writer_pretty`'s (tested below). Below every stage.

use std::io::{self, Write};

use serde::Serialize;

/// `text` as a JSON string, exactly as serde_json writes it: most texts need no escaping,
/// and are copied at once rather than a byte at a time.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &str) {
    // Every byte tested, without stopping at the first to escape, so that the compiler tests
    // many at a time.
    let escaped = text.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if escaped {
        serde_json::to_writer(out, text).expect("a text written to memory");
    } else {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// [`new_line`] into memory, which cannot fail.
pub(crate) fn push_new_line(out: &mut Vec<u8>, level: usize) {
    match NEW_LINE.get(..level * 2 + 1) {
        Some(piece) => out.extend_from_slice(piece),
        None => {
            out.push(b'\n');
            out.resize(out.len() + level * 2, b' ');
        }
    }
}

/// A new line and the indentation of up to 32 levels.
const NEW_LINE: &[u8; 65] = b"\n                                                                ";

/// A new line and the indentation of `level` (two spaces a level).
pub(crate) fn new_line(out: &mut (impl Write + ?Sized), level: usize) -> io::Result<()> {
    let mut width = level * 2 + 1;
    let mut piece: &[u8] = NEW_LINE;
    while width > 0 {
        let n = width.min(piece.len());
        out.write_all(&piece[..n])?;
        width -= n;
        piece = &NEW_LINE[1..];
    }
    Ok(())
}

/// `serde_json`'s pretty layout (two spaces a level), starting `level` levels in, so that a
/// piece laid out on its own fits where it goes in the document; each indentation is written
/// at once rather than a level at a time.
pub(crate) struct PrettyAt {
    level: usize,
    has_value: bool,
}

impl PrettyAt {
    /// The layout of a value that starts `level` levels in.
    pub(crate) fn new(level: usize) -> PrettyAt {
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

/// How many list items one task works out and writes (see [`in_chunks`]).
const CHUNK: usize = 256;

/// How many chunks [`write_list`] works out at once: what it holds of a list's JSON.
const CHUNKS_AT_ONCE: usize = 8;

/// The most room [`in_chunks`] makes at once for a chunk's JSON, in bytes.
const ROOM_AT_ONCE: usize = 4 << 20;

/// `value` laid out at nesting level `level`.
pub(crate) fn rendered(value: &impl Serialize, level: usize) -> io::Result<Vec<u8>> {
    let mut json = Vec::new();
    write_at(&mut json, value, level)?;
    Ok(json)
}

/// `value` laid out at nesting level `level`, after what `out` holds: at level 0, the bytes
/// of `serde_json::to_writer_pretty`.
pub(crate) fn write_at(out: impl Write, value: &impl Serialize, level: usize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, PrettyAt::new(level));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// The text of an object laid out at `level` around its empty lists named `keys`, in the
/// order they come: the text up to each list (`"key": `) and after the last.
pub(crate) fn split_at_lists<'s, const N: usize, const M: usize>(
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
            io::Error::other(format!("`{key}` is missing from the JSON document"))
        })?;
        let list = at + field.len() - 2;
        pieces.push(&rest[..list]);
        rest = &rest[list + 2..];
    }
    pieces.push(rest);
    pieces
        .try_into()
        .map_err(|_| io::Error::other("the JSON document has the wrong lists"))
}

/// Where `needle` first is in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Each item of `items` written by `write` at `level` (the level of a list's items), each
/// after its separator (`,`, a new line and the indentation), in chunks of [`CHUNK`] items
/// worked out and written on all cores.
fn in_chunks<T: Sync>(
    items: &[T],
    level: usize,
    write: &(impl Fn(&mut Vec<u8>, &T) -> io::Result<()> + Sync),
) -> io::Result<Vec<Vec<u8>>> {
    let chunk = |items: &[T]| -> io::Result<Vec<u8>> {
        let mut json = Vec::new();
        for (index, item) in items.iter().enumerate() {
            json.push(b',');
            push_new_line(&mut json, level);
            write(&mut json, item)?;
            if index == 0 {
                // The items of a list are much alike: room for all of them at the first one's
                // length, rather than growing (and copying) a step at a time; up to a few
                // megabytes, should the first be far longer than the rest.
                json.reserve((json.len() * (items.len() - 1)).min(ROOM_AT_ONCE));
            }
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

/// A list at `level` of `items`, each written by `write` at the level inside it: laid out on
/// all cores ([`in_chunks`]) a few thousand items at a time, so that only those items' JSON is
/// held at once (a region's list is tens of megabytes).
pub(crate) fn write_list<T: Sync>(
    out: &mut impl Write,
    level: usize,
    items: &[T],
    write: impl Fn(&mut Vec<u8>, &T) -> io::Result<()> + Sync,
) -> io::Result<()> {
    let mut list = ListWriter::new(out, level);
    for batch in items.chunks(CHUNK * CHUNKS_AT_ONCE) {
        for chunk in in_chunks(batch, level + 1, &write)? {
            list.separated(&chunk)?;
        }
    }
    list.end()
}

/// Writes a list at `level` as the pretty layout does: `[]` when empty, else `[`, each item
/// on a line of its own one level in, and `]` on a line at the list's level.
pub(crate) struct ListWriter<'w, W: Write> {
    /// Where the list is written.
    pub(crate) out: &'w mut W,
    level: usize,
    empty: bool,
}

impl<'w, W: Write> ListWriter<'w, W> {
    /// A list at `level`, written to `out`.
    pub(crate) fn new(out: &'w mut W, level: usize) -> ListWriter<'w, W> {
        ListWriter {
            out,
            level,
            empty: true,
        }
    }

    /// Starts the next item, to be written at the level inside the list.
    pub(crate) fn next(&mut self) -> io::Result<()> {
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

    /// Closes the list (`[]` when nothing was written in it).
    pub(crate) fn end(self) -> io::Result<()> {
        match self.empty {
            true => self.out.write_all(b"[]"),
            false => {
                new_line(self.out, self.level)?;
                self.out.write_all(b"]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_written_as_serde_json_writes_them() {
        for text in [
            "",
            "Call-backs below 80% this month",
            "a \"quoted\" summary, with commas",
            "back\\slash",
            "tab\tnew line\ncarriage\rbell\u{7}",
            "delete \u{7f} stays",
            "Dr Zoë O’Brien — 80%",
        ] {
            let mut written = Vec::new();
            write_text(&mut written, text);
            assert_eq!(written, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn documents_are_laid_out_as_serde_json_lays_them_out() {
        let value = serde_json::json!({
            "policy": "p",
            "empty_list": [],
            "empty_object": {},
            "months": [
                {"as_of": "2026-10", "actions": [{"rule": "r", "involve": ["a", "b"], "due": null}]},
                {"as_of": "2026-11", "actions": [], "nested": [[1, 2.5, -3], [[]], [{}]]}
            ],
            "text": "a \"quoted\" line\nand a tab\t",
            "number": 78.5,
            "flag": true
        });
        let mut written = Vec::new();
        write_at(&mut written, &value, 0).unwrap();
        assert_eq!(written, serde_json::to_vec_pretty(&value).unwrap());
    }

    #[test]
    fn deep_documents_are_laid_out_as_serde_json_lays_them_out() {
        // Deeper than the indentation written at once (32 levels).
        let mut value = serde_json::json!({"leaf": [1]});
        for level in 0..40 {
            value = serde_json::json!({ format!("level{level}"): [value] });
        }
        let mut written = Vec::new();
        write_at(&mut written, &value, 0).unwrap();
        assert_eq!(written, serde_json::to_vec_pretty(&value).unwrap());
    }
}

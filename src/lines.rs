//! Where each line of a text starts, found once per text: byte offsets to lines and columns
//! (in bytes for people, in UTF-16 code units for editors) without counting from the top of
//! the file each time, so that showing many diagnostics of one file stays linear.
//!
//! A line ends at `\n`, `\r\n` or a lone `\r`, as in miette and the Language Server Protocol.

/// The start of every line of one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
}

impl LineIndex {
    /// Indexes `text`: one pass over its bytes.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 0-based line holding byte `offset` (offsets past the end are on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The byte offset where 0-based `line` starts (the text's end for lines past the last).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// The 0-based line and byte column of byte `offset`.
    #[cfg(feature = "lsp")]
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        (line, offset - self.starts[line])
    }

    /// The 0-based line and UTF-16 column of byte `offset` in `text` (the text indexed), as
    /// the Language Server Protocol counts them. An offset inside a character counts as that
    /// character's start.
    #[cfg(feature = "lsp")]
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let (line, _) = self.line_column(offset);
        let column = text[self.starts[line]..]
            .char_indices()
            .take_while(|(i, _)| self.starts[line] + i < offset)
            .map(|(_, c)| c.len_utf16())
            .sum();
        (line, column)
    }

    /// The byte offset of a 0-based line and UTF-16 column in `text` (the text indexed). A
    /// column past the end of its line means the line's end; a line past the last, the text's.
    #[cfg(feature = "lsp")]
    pub fn utf16_offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.line_end(text, line);
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= column {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// Where 0-based `line`'s text ends, before its line break.
    #[cfg(feature = "lsp")]
    fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self.line_start(line + 1);
        let line_text = &text[self.starts[line]..next];
        self.starts[line] + line_text.trim_end_matches(['\n', '\r']).len()
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_end_at_every_kind_of_break() {
        let text = "a\nbc\r\nd\re";
        let index = LineIndex::new(text);
        let lines: Vec<usize> = (0..=text.len()).map(|at| index.line_of(at)).collect();
        assert_eq!(lines, [0, 0, 1, 1, 1, 1, 2, 2, 3, 3]);
        let starts: Vec<usize> = (0..5).map(|line| index.line_start(line)).collect();
        assert_eq!(starts, [0, 2, 6, 8, text.len()]);
    }

    #[cfg(feature = "lsp")]
    #[test]
    fn utf16_columns_count_code_units() {
        // `é` is two bytes and one UTF-16 unit; `𝄞` four bytes and two units.
        let text = "x\né𝄞 = 1\n";
        let index = LineIndex::new(text);
        let equals = text.find('=').unwrap();
        assert_eq!(index.utf16_position(text, equals), (1, 4));
        assert_eq!(index.utf16_offset(text, 1, 4), equals);
        assert_eq!(index.utf16_offset(text, 1, 99), text.len() - 1);
        assert_eq!(index.utf16_offset(text, 7, 0), text.len());
    }
}

//! Finding the `#` comments of a policy (outside quoted text) and the code around them.
//!
//! The parser drops comments, so the formatter reads them from the source text itself. A
//! comment is either on a line of its own or after code on the same line; for the second kind
//! the position of the last code byte before it says which printed line it belongs to.

/// One `#` comment as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Comment {
    /// The byte of the `#`.
    pub start: usize,
    /// One past the comment's last byte that is not trailing whitespace.
    pub end: usize,
    /// Nothing but whitespace comes before it on its line.
    pub own_line: bool,
    /// The last byte of code before it on its line (meaningful only when not `own_line`).
    pub code_before: usize,
}

impl Comment {
    /// The comment's text, from `#` to the end of its line, without trailing whitespace.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        &source[self.start..self.end]
    }
}

/// Every comment in the source, in order.
pub(crate) fn scan(source: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut scanner = Scanner::default();
    let mut chars = source.char_indices();
    while let Some((at, c)) = chars.next() {
        if scanner.in_text {
            scanner.step_in_text(c);
            continue;
        }
        match c {
            '#' => {
                let end = line_end(source, at);
                comments.push(Comment {
                    start: at,
                    end: at + source[at..end].trim_end().len(),
                    own_line: scanner.last_code_on_line.is_none(),
                    code_before: scanner.last_code_on_line.unwrap_or(at),
                });
                // Skip to the newline, which the loop then sees.
                for _ in source[at + 1..end].chars() {
                    chars.next();
                }
            }
            '\n' => scanner.last_code_on_line = None,
            c if is_blank(c) => {}
            c => {
                scanner.in_text = c == '"';
                scanner.last_code_on_line = Some(at);
            }
        }
    }
    comments
}

/// Where the line holding byte `at` ends (its `\n`, or the end of the source).
fn line_end(source: &str, at: usize) -> usize {
    source[at..].find('\n').map_or(source.len(), |i| at + i)
}

/// Whitespace as the grammar counts it (the byte-order mark included).
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{feff}')
}

/// Where the scan is: inside quoted text or not, and the last code seen on the current line.
#[derive(Default)]
struct Scanner {
    in_text: bool,
    escaped: bool,
    last_code_on_line: Option<usize>,
}

impl Scanner {
    /// One character of quoted text (the quotes are code; their content is not looked at).
    fn step_in_text(&mut self, c: char) {
        match c {
            _ if self.escaped => self.escaped = false,
            '\\' => self.escaped = true,
            '"' => self.in_text = false,
            _ => {}
        }
    }
}

/// The first byte at or after `from` that is neither whitespace nor part of a comment
/// (`source.len()` when there is none). `from` must not be inside quoted text or a comment.
pub(crate) fn next_code_byte(source: &str, from: usize) -> usize {
    let mut at = from;
    while let Some(c) = source[at..].chars().next() {
        match c {
            '#' => at = line_end(source, at),
            c if is_blank(c) => at += c.len_utf8(),
            _ => return at,
        }
    }
    source.len()
}

/// Whether the text holds a blank line: two line ends with only spaces between them.
pub(crate) fn has_blank_line(text: &str) -> bool {
    let mut after_newline = false;
    for c in text.chars() {
        match c {
            '\n' if after_newline => return true,
            '\n' => after_newline = true,
            ' ' | '\t' | '\r' => {}
            _ => after_newline = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_own_line_and_trailing_comments_but_not_hashes_in_text() {
        let source = "# head\npolicy \"a # b\" # tail\n  # inside \n";
        let comments = scan(source);
        let texts: Vec<_> = comments.iter().map(|c| c.text(source)).collect();
        assert_eq!(texts, ["# head", "# tail", "# inside"]);
        assert!(comments[0].own_line);
        assert!(!comments[1].own_line);
        assert_eq!(
            &source[comments[1].code_before..=comments[1].code_before],
            "\""
        );
        assert!(comments[2].own_line);
    }

    #[test]
    fn escaped_quotes_do_not_end_text() {
        let source = "policy \"a \\\" # not a comment\" # one\n";
        let texts: Vec<_> = scan(source).iter().map(|c| c.text(source)).collect();
        assert_eq!(texts, ["# one"]);
    }

    #[test]
    fn next_code_skips_comments_and_blanks() {
        let source = "a  # x\n\n  b";
        assert_eq!(next_code_byte(source, 1), source.len() - 1);
        assert_eq!(next_code_byte(source, 0), 0);
        assert_eq!(next_code_byte("  # only", 0), 8);
    }

    #[test]
    fn blank_lines() {
        assert!(has_blank_line("x\n  \n y"));
        assert!(has_blank_line("\r\n\r\n"));
        assert!(!has_blank_line("x\n # c\n y"));
        assert!(!has_blank_line(""));
    }
}

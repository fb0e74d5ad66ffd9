//! The formatted file as a list of lines, each tied to where its code starts in the source;
//! placing the comments and blank lines among them; and writing the result out.
//!
//! Comments are placed by position alone. A comment after code stays at the end of the printed
//! line that holds that code; a comment on a line of its own goes before the first printed line
//! whose code comes after it (at that line's comment indentation), which is the end of its
//! block or of the file when nothing follows. Printed lines are in source order, so comments
//! keep their order, and none is lost or printed twice.

use super::comments::{has_blank_line, is_blank, Comment};

/// Whether a blank line goes before a line (or before the comments that lead it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Gap {
    /// Never: the line follows the one before directly.
    Never,
    /// When the author left at least one blank line there.
    AsWritten,
    /// Always one blank line.
    Always,
}

/// What a printed line is to the lines around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// The first line of a declaration, clause, field, arm or statement, with the gap before
    /// it (before its leading comments, if it has any).
    Start(Gap),
    /// A later line of the same clause or arm: a wrapped condition goes on without blank lines.
    Continuation,
    /// A block's closing brace: comments before it are the block's last lines.
    Close,
    /// The end of the file: prints nothing, and collects the comments after the last code.
    End,
}

/// One printed line.
#[derive(Clone, Debug)]
pub(super) struct Line {
    /// Where the code it prints starts in the source.
    pub anchor: usize,
    /// Where the code it prints ends in the source.
    pub end: usize,
    /// The text, indentation included.
    pub text: String,
    /// The indentation of comments placed before it.
    pub comment_indent: usize,
    /// What it is to the lines around it.
    pub place: Place,
    /// It ends with the `{` of a block (so an empty block can close on the same line).
    pub opens_block: bool,
}

impl Line {
    /// A line that starts a declaration, clause, field, arm or statement.
    pub fn start(anchor: usize, end: usize, indent: usize, text: String, gap: Gap) -> Line {
        Line {
            anchor,
            end,
            text: format!("{:indent$}{text}", ""),
            comment_indent: indent,
            place: Place::Start(gap),
            opens_block: false,
        }
    }

    /// The pseudo-line at the end of the file.
    fn end_of_file(source_len: usize) -> Line {
        Line {
            anchor: usize::MAX,
            end: source_len,
            text: String::new(),
            comment_indent: 0,
            place: Place::End,
            opens_block: false,
        }
    }
}

/// The comments placed on one line.
#[derive(Default)]
struct Placed {
    /// Printed on lines of their own before it.
    leading: Vec<Comment>,
    /// Printed at its end.
    trailing: Option<Comment>,
}

/// Writes the lines with their comments and blank lines: the formatted file.
pub(super) fn render(source: &str, mut lines: Vec<Line>, comments: &[Comment]) -> String {
    debug_assert!(lines.windows(2).all(|w| w[0].anchor < w[1].anchor));
    lines.push(Line::end_of_file(source.len()));
    let placed = place_comments(&lines, comments);
    let mut out = Output::new(source, comments);
    for (line, placed) in lines.iter().zip(placed) {
        out.line(line, &placed);
    }
    out.finish()
}

/// Which line each comment belongs to.
fn place_comments(lines: &[Line], comments: &[Comment]) -> Vec<Placed> {
    let mut leading: Vec<Vec<Comment>> = vec![Vec::new(); lines.len()];
    let mut trailing: Vec<Vec<Comment>> = vec![Vec::new(); lines.len()];
    for comment in comments {
        match comment.own_line {
            true => leading[first_line_after(lines, comment.start)].push(*comment),
            false => trailing[line_holding(lines, comment.code_before)].push(*comment),
        }
    }
    leading
        .into_iter()
        .zip(trailing)
        .map(|(mut leading, mut trailing)| {
            // A line has room for one comment at its end; earlier ones (from code the line
            // joined up) go before it, after its own leading comments.
            let last = trailing.pop();
            leading.extend(trailing);
            Placed {
                leading,
                trailing: last,
            }
        })
        .collect()
}

/// The first line whose code starts after byte `at` (the end-of-file line at worst).
fn first_line_after(lines: &[Line], at: usize) -> usize {
    lines
        .partition_point(|l| l.anchor <= at)
        .min(lines.len() - 1)
}

/// The last line whose code starts at or before byte `at`.
fn line_holding(lines: &[Line], at: usize) -> usize {
    lines.partition_point(|l| l.anchor <= at).saturating_sub(1)
}

/// The text being written, and where in the source the last thing written came from.
struct Output<'s> {
    source: &'s str,
    comments: &'s [Comment],
    lines: Vec<String>,
    /// The source end of the last line or comment written.
    previous_end: Option<usize>,
    /// The written line that opened a block, while nothing has followed it.
    open_block: Option<usize>,
}

impl<'s> Output<'s> {
    fn new(source: &'s str, comments: &'s [Comment]) -> Output<'s> {
        Output {
            source,
            comments,
            lines: Vec::new(),
            previous_end: None,
            open_block: None,
        }
    }

    /// Writes one line with its leading and trailing comments.
    fn line(&mut self, line: &Line, placed: &Placed) {
        self.leading_comments(line, &placed.leading);
        if line.place != Place::End {
            self.code(line, placed);
        }
    }

    /// The comments on lines of their own before a line, at its comment indentation.
    fn leading_comments(&mut self, line: &Line, comments: &[Comment]) {
        let (first_gap, between_gap) = match line.place {
            Place::Start(gap) => (gap, Gap::AsWritten),
            Place::Continuation => (Gap::Never, Gap::Never),
            Place::Close | Place::End => (Gap::AsWritten, Gap::AsWritten),
        };
        for (i, comment) in comments.iter().enumerate() {
            // A comment from after the line's start (one of several that ended up on it) is
            // spaced as the line would be.
            let position = comment.start.min(line.anchor);
            self.gap(if i == 0 { first_gap } else { between_gap }, position);
            let indent = line.comment_indent;
            let text = format!("{:indent$}{}", "", comment.text(self.source));
            self.push(text, comment.end);
        }
    }

    /// The line's code with its trailing comment; a block's `}` goes on the line of its `{`
    /// when nothing comes between them.
    fn code(&mut self, line: &Line, placed: &Placed) {
        let code_gap = match (placed.leading.is_empty(), line.place) {
            (true, Place::Start(gap)) => gap,
            (false, Place::Start(_)) => Gap::AsWritten,
            _ => Gap::Never,
        };
        let end = placed.trailing.map_or(line.end, |c| c.end.max(line.end));
        let closes_at_once = line.place == Place::Close && placed.leading.is_empty();
        if closes_at_once && self.close_empty_block(placed, end) {
            return;
        }
        self.gap(code_gap, line.anchor);
        self.push(with_trailing(&line.text, placed.trailing, self.source), end);
        if line.opens_block && placed.trailing.is_none() {
            self.open_block = Some(self.lines.len() - 1);
        }
    }

    /// Closes a block that has nothing in it on the line that opened it (`subjects {}`);
    /// false when the block is not empty.
    fn close_empty_block(&mut self, placed: &Placed, end: usize) -> bool {
        let Some(at) = self.open_block.take() else {
            return false;
        };
        let opened = std::mem::take(&mut self.lines[at]);
        self.lines[at] = with_trailing(&format!("{opened}}}"), placed.trailing, self.source);
        self.previous_end = Some(end);
        true
    }

    /// Writes a blank line if `gap` calls for one before something starting at byte `start`.
    fn gap(&mut self, gap: Gap, start: usize) {
        let blank = match (gap, self.previous_end) {
            (_, None) | (Gap::Never, _) => false,
            (Gap::Always, _) => true,
            (Gap::AsWritten, Some(end)) => {
                let from = end.max(self.trivia_start(start));
                from < start && has_blank_line(&self.source[from..start])
            }
        };
        if blank {
            self.lines.push(String::new());
        }
    }

    /// Where the whitespace and comments just before byte `at` start: the end of the code
    /// before it. Only blank lines there count as the author's, so a comment that moved out of
    /// the middle of a declaration does not bring the blank lines of that declaration along.
    fn trivia_start(&self, at: usize) -> usize {
        let mut at = at;
        loop {
            at = self.source[..at].trim_end_matches(is_blank).len();
            match self.comments.binary_search_by_key(&at, |c| c.end) {
                Ok(i) => at = self.comments[i].start,
                Err(_) => return at,
            }
        }
    }

    fn push(&mut self, text: String, source_end: usize) {
        self.lines.push(text);
        self.previous_end = Some(source_end);
        self.open_block = None;
    }

    fn finish(self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

/// The line's text with its trailing comment, one space apart.
fn with_trailing(text: &str, comment: Option<Comment>, source: &str) -> String {
    match comment {
        Some(comment) => format!("{text} {}", comment.text(source)),
        None => text.to_string(),
    }
}

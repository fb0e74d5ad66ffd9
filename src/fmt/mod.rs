//! `escalate fmt`: one canonical layout for policy files.
//!
//! The layout is the one the language reference's examples use:
//!
//! - header comments, then `policy "..."`, then every declaration in the order written;
//! - `policy`, `version`, `calendar` and `holiday` lines together; one blank line between
//!   groups of different kinds of declaration and around every block;
//! - consecutive `role` lines (no blank line between them) align their display names, and
//!   consecutive `metric` lines their descriptions and kinds;
//! - inside blocks, two spaces of indentation and one clause, field, grade arm or test
//!   statement per line, in the order written; field names padded so the types align, grade
//!   levels padded so `when`/`otherwise` align;
//! - conditions printed from the syntax tree with only the parentheses the meaning needs;
//!   a condition wider than [`MAX_WIDTH`] columns, or one the author already broke before a
//!   top-level `and`/`or`, goes on one line per top-level part: in rules the operator starts
//!   under the condition's first column, in grades the operand does (as in the reference's
//!   grade example);
//! - numbers, percentages, dates, names and quoted texts exactly as written; `yes`/`no`/
//!   `true`/`false` as written; `month`/`day`/`week` singular after a count of one, plural
//!   otherwise (the tree does not record which was written).
//!
//! Comments stay where they were written: a comment after code stays at the end of the line
//! that prints that code, and a comment on a line of its own stays before the code that
//! followed it, at that code's indentation (or at the end of its block or file). Runs of blank
//! lines become one; a blank line the author left between declarations, clauses, comments or
//! statements stays, except just inside a block's braces.
//!
//! Formatting is idempotent, and the result parses to the same syntax tree (spans aside) with
//! the same comments: [`check_faithful`] verifies both, and `escalate fmt` refuses to write a
//! file if it ever fails.

mod comments;
mod events;
mod expr;
mod items;
mod lines;

use crate::ast::PolicyFile;
use crate::parse::{self, ParseErrors};

/// Lines longer than this many columns have their condition wrapped.
pub const MAX_WIDTH: usize = 100;

/// Formats a policy's source text; fails, with the parser's errors, when it does not parse
/// (see [`crate::format_policy`]).
pub fn format_source(source: &str) -> Result<String, ParseErrors> {
    let file = parse::parse(source)?;
    Ok(format_parsed(source, &file))
}

/// Formats a policy already parsed from `source` (which must be the text it was parsed from).
pub fn format_parsed(source: &str, file: &PolicyFile) -> String {
    let lines = items::layout(source, file);
    lines::render(source, lines, &comments::scan(source))
}

/// Every `#` comment in a policy's text (outside quoted text), in order, without trailing
/// whitespace.
pub fn comment_texts(source: &str) -> Vec<&str> {
    comments::scan(source)
        .iter()
        .map(|c| c.text(source))
        .collect()
}

/// How a formatted text differs from its original in something formatting must keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfaithful {
    /// The original does not parse, so there is nothing to compare with.
    #[error("the original text does not parse")]
    OriginalDoesNotParse,
    /// The formatted text does not parse.
    #[error("the formatted text does not parse")]
    DoesNotParse,
    /// It parses to a different syntax tree.
    #[error("the formatted text means something else")]
    TreeChanged,
    /// Its comments are not the original's (some lost, added or changed).
    #[error("the formatted text does not keep every comment")]
    CommentsChanged,
}

/// Checks that `formatted` keeps what formatting must keep from `original`: the same syntax
/// tree (spans aside) and the same comments (compared as a multiset: a comment may move to
/// another line, but none is lost, added or changed).
pub fn check_faithful(original: &str, formatted: &str) -> Result<(), Unfaithful> {
    let before = parse::parse(original).map_err(|_| Unfaithful::OriginalDoesNotParse)?;
    let after = parse::parse(formatted).map_err(|_| Unfaithful::DoesNotParse)?;
    if without_spans(&before) != without_spans(&after) {
        return Err(Unfaithful::TreeChanged);
    }
    let mut comments_before = comment_texts(original);
    let mut comments_after = comment_texts(formatted);
    comments_before.sort_unstable();
    comments_after.sort_unstable();
    match comments_before == comments_after {
        true => Ok(()),
        false => Err(Unfaithful::CommentsChanged),
    }
}

/// The tree as JSON with every span left out.
fn without_spans(file: &PolicyFile) -> serde_json::Value {
    let mut value = serde_json::to_value(file).expect("syntax trees always serialize");
    remove_spans(&mut value);
    value
}

fn remove_spans(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|key, _| !matches!(key.as_str(), "span" | "close" | "start" | "end"));
            map.values_mut().for_each(remove_spans);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(remove_spans),
        _ => {}
    }
}

#[cfg(test)]
mod tests;

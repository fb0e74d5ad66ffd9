//! A quick lexical pass before the grammar runs: it finds quoted texts that are never closed
//! (so the error can point at where the text started) and brackets nested too deeply for the
//! parser's recursion, and it records where each block opens for "missing `}`" hints.

use super::{ParseError, MAX_NESTING, MAX_POLICY_BYTES};
use crate::ast::Span;

/// Refuses a source that is too large, too deeply nested, or has an unclosed quoted text.
pub(super) fn check_lexical_limits(source: &str) -> Result<(), ParseError> {
    if source.len() > MAX_POLICY_BYTES {
        return Err(ParseError::FileTooLarge {
            bytes: source.len(),
        });
    }
    // Only brackets nest in conditions; braces open blocks, which do not nest, so they do
    // not count towards the limit.
    let mut depth = 0usize;
    for token in tokens(source) {
        match token {
            Token::Open(at, b'(' | b'[') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ParseError::TooDeep {
                        span: Span::new(at, at + 1),
                    });
                }
            }
            Token::Close(b')' | b']') => depth = depth.saturating_sub(1),
            Token::Open(..) | Token::Close(_) => {}
            Token::UnclosedText(at) => {
                let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
                return Err(ParseError::UnterminatedText {
                    span: Span::new(at, line_end.max(at + 1)),
                });
            }
        }
    }
    Ok(())
}

/// The `{` that opens the innermost block still open at byte `at`, if any.
pub(super) fn unclosed_brace_before(source: &str, at: usize) -> Option<usize> {
    let mut open = Vec::new();
    for (offset, byte) in brackets(source) {
        if offset >= at {
            break;
        }
        match byte {
            b'{' => open.push(offset),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

enum Token {
    /// An opening bracket or brace, with where it is.
    Open(usize, u8),
    /// A closing bracket or brace.
    Close(u8),
    /// A quoted text not closed on its line, with where it starts.
    UnclosedText(usize),
}

fn tokens(source: &str) -> impl Iterator<Item = Token> + '_ {
    let mut state = Lexer::new(source);
    std::iter::from_fn(move || state.next_token())
}

fn brackets(source: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut lexer = Lexer::new(source);
    std::iter::from_fn(move || loop {
        let before = lexer.last_bracket;
        match lexer.next_token()? {
            Token::UnclosedText(_) => return None,
            _ if lexer.last_bracket != before => return lexer.last_bracket,
            _ => continue,
        }
    })
}

/// Walks the source skipping comments and quoted texts.
struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    last_bracket: Option<(usize, u8)>,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Lexer<'a> {
        Lexer {
            bytes: source.as_bytes(),
            pos: 0,
            last_bracket: None,
        }
    }

    fn next_token(&mut self) -> Option<Token> {
        while self.pos < self.bytes.len() {
            let at = self.pos;
            self.pos += 1;
            let byte = self.bytes[at];
            if byte == b'"' && !self.skip_text() {
                return Some(Token::UnclosedText(at));
            }
            match byte {
                b'#' => self.skip_comment(),
                b @ (b'(' | b'[' | b'{') => {
                    self.last_bracket = Some((at, b));
                    return Some(Token::Open(at, b));
                }
                b @ (b')' | b']' | b'}') => {
                    self.last_bracket = Some((at, b));
                    return Some(Token::Close(b));
                }
                _ => {}
            }
        }
        None
    }

    fn skip_comment(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    /// Skips to just after the closing quote; false when the line or file ends first.
    fn skip_text(&mut self) -> bool {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            self.pos += 1;
            match b {
                b'"' => return true,
                b'\n' => return false,
                b'\\' if self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' => {
                    self.pos += 1
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_with_brackets(depth: usize) -> String {
        format!(
            "rule r \"t\" {{\n  when {}callbacks < 20{}\n}}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    }

    #[test]
    fn the_rules_own_brace_does_not_count_towards_the_nesting_limit() {
        assert!(check_lexical_limits(&rule_with_brackets(MAX_NESTING)).is_ok());
    }

    #[test]
    fn one_bracket_more_than_the_limit_is_refused() {
        let source = rule_with_brackets(MAX_NESTING + 1);
        assert!(matches!(
            check_lexical_limits(&source),
            Err(ParseError::TooDeep { .. })
        ));
    }
}

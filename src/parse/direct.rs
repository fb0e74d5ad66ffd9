//! A hand-written reader for the items that make up most of a large policy: rules and grades
//! whose conditions use language version 0's forms, metrics, roles, holidays, the version and
//! the calendar. It builds exactly the tree the grammar's pairs build (`Builder::build_item`),
//! reading each character once instead of trying the grammar's choices one after another.
//!
//! It never decides anything the grammar would decide differently: it reads whole words where
//! the grammar reads keywords, and wherever the text could mean something else (a version 1
//! form, a word glued to a keyword, a date that does not exist, a mistake of any kind) it gives
//! up with `None`, and the caller parses the item through the grammar, which also makes every
//! error message. `direct_tests.rs` holds it to that: whatever it reads, the grammar reads the
//! same.

use chrono::NaiveDate;

use super::expr::{aggregate_fn, depth, window_fn};
use super::{flag, unescape, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_PARTS, RESERVED};
use crate::ast::{
    BinaryOp, Clause, ClauseKind, Due, DueUnit, Expr, ExprKind, Grade, GradeArm, Holiday, Ident,
    Item, Metric, Role, Rule, Span, Spanned,
};
use crate::schema::Direction;

/// The items of `piece` (text after the `policy` line, starting at byte `offset` of the file),
/// or `None` when any of them is not one this reader takes.
pub(super) fn items(piece: &str, offset: usize) -> Option<Vec<Item>> {
    let mut reader = Reader {
        text: piece,
        bytes: piece.as_bytes(),
        at: 0,
        end: 0,
        offset,
    };
    let mut items = Vec::new();
    loop {
        reader.skip_trivia();
        if reader.at == reader.bytes.len() {
            return Some(items);
        }
        items.push(reader.item()?);
    }
}

/// Names that start a version 1 form (`working days since ...`, `first review`, ...): a
/// condition starting with one is left to the grammar.
fn starts_version_1_form(word: &str) -> bool {
    matches!(
        word,
        "working" | "days" | "day" | "weeks" | "week" | "first" | "latest"
    )
}

/// One part of a condition in written order, before precedence groups them.
enum Part {
    Not(Span),
    Neg(Span),
    Operand(Expr),
    /// A suffix (`for N months`, `in K of the last N months`, `in [...]`): the node it makes
    /// around the operand before it, and its own span.
    Suffix(Suffix, Span),
    Infix(BinaryOp, Span),
}

enum Suffix {
    For {
        months: Spanned<String>,
        consecutive: bool,
    },
    InKOfN {
        k: Spanned<String>,
        n: Spanned<String>,
    },
    InList(Vec<Expr>),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The next byte to read, in `text`.
    at: usize,
    /// The end of the last word or mark read: where what was read ends, before any spaces or
    /// comments after it.
    end: usize,
    /// Where `text` starts in the file.
    offset: usize,
}

impl Reader<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Skips what the grammar skips between words (see [`after_trivia`]).
    fn skip_trivia(&mut self) {
        self.at = after_trivia(self.bytes, self.at);
    }

    /// Reads up to `to`, the end of a word or mark.
    fn advance_to(&mut self, to: usize) {
        self.at = to;
        self.end = to;
    }

    /// The whole word starting at the next byte (letters, digits and `_`, starting with a
    /// letter or `_`), after trivia; the reader stays before it.
    fn peek_word(&mut self) -> Option<(usize, usize)> {
        self.skip_trivia();
        let start = self.at;
        match self.peek() {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
            _ => return None,
        }
        let end = start
            + self.bytes[start..]
                .iter()
                .position(|&b| !is_ident_char(b))
                .unwrap_or(self.bytes.len() - start);
        Some((start, end))
    }

    fn peek_word_is(&mut self, word: &str) -> bool {
        self.peek_word()
            .is_some_and(|(start, end)| &self.text[start..end] == word)
    }

    /// Reads `word` as a whole word; `None` when something else comes next.
    fn keyword(&mut self, word: &str) -> Option<Span> {
        let (start, end) = self.peek_word()?;
        (&self.text[start..end] == word).then(|| {
            self.advance_to(end);
            self.span(start, end)
        })
    }

    /// Reads one of `words` as a whole word, giving its index.
    fn one_of(&mut self, words: &[&str]) -> Option<(usize, Span)> {
        let (start, end) = self.peek_word()?;
        let index = words.iter().position(|w| *w == &self.text[start..end])?;
        self.advance_to(end);
        Some((index, self.span(start, end)))
    }

    /// Reads a name: a lower-case word that is not a keyword, as the grammar's `ident`.
    fn ident(&mut self) -> Option<Ident> {
        let (start, end) = self.peek_word()?;
        let word = &self.text[start..end];
        if !is_ident(word) {
            return None;
        }
        self.advance_to(end);
        Some(Spanned::new(word.to_string(), self.span(start, end)))
    }

    fn ident_list(&mut self) -> Option<Vec<Ident>> {
        let mut list = vec![self.ident()?];
        while self.symbol(b",") {
            list.push(self.ident()?);
        }
        Some(list)
    }

    /// Reads `symbol` after trivia.
    fn symbol(&mut self, symbol: &[u8]) -> bool {
        self.skip_trivia();
        let found = self.bytes[self.at..].starts_with(symbol);
        if found {
            self.advance_to(self.at + symbol.len());
        }
        found
    }

    /// A quoted text with its escapes resolved; its span includes the quotes.
    fn text(&mut self) -> Option<Spanned<String>> {
        self.skip_trivia();
        let start = self.at;
        if self.peek() != Some(b'"') {
            return None;
        }
        let mut at = start + 1;
        loop {
            match self.bytes.get(at)? {
                b'"' => break,
                b'\\' => match self.bytes.get(at + 1)? {
                    b'"' | b'\\' => at += 2,
                    _ => return None,
                },
                b'\n' => return None,
                _ => at += 1,
            }
        }
        self.advance_to(at + 1);
        let body = &self.text[start + 1..at];
        Some(Spanned::new(unescape(body), self.span(start, self.end)))
    }

    /// The digits (and a fraction) at the reader, without reading them: `(start, end)` and
    /// whether a fraction was read.
    fn peek_digits(&mut self) -> Option<(usize, usize, bool)> {
        self.skip_trivia();
        let start = self.at;
        let whole = digits_from(self.bytes, start);
        if whole == start {
            return None;
        }
        let fraction = match self.bytes.get(whole) {
            Some(b'.') => digits_from(self.bytes, whole + 1),
            _ => whole,
        };
        match fraction > whole + 1 {
            true => Some((start, fraction, true)),
            false => Some((start, whole, false)),
        }
    }

    /// A whole number as the grammar's `integer`: digits not followed by a letter, `_` or `.`.
    fn integer(&mut self) -> Option<Spanned<String>> {
        let (start, end, fraction) = self.peek_digits()?;
        if fraction || matches!(self.bytes.get(end), Some(&b) if is_ident_char(b) || b == b'.') {
            return None;
        }
        self.advance_to(end);
        Some(Spanned::new(
            self.text[start..end].to_string(),
            self.span(start, end),
        ))
    }

    /// `months` or `month`.
    fn months_word(&mut self) -> Option<Span> {
        self.one_of(&["months", "month"]).map(|(_, span)| span)
    }

    fn item(&mut self) -> Option<Item> {
        let (start, end) = self.peek_word()?;
        let word = &self.text[start..end];
        self.advance_to(end);
        let item = match word {
            "version" => Item::Version(self.text()?),
            "calendar" => Item::Calendar(self.ident()?),
            "holiday" => {
                let date = self.date()?;
                let reason = self.text()?;
                Item::Holiday(Holiday {
                    date,
                    reason,
                    span: self.span(start, self.end),
                })
            }
            "role" => {
                let id = self.ident()?;
                let display = self.text()?;
                Item::Role(Role {
                    id,
                    display,
                    span: self.span(start, self.end),
                })
            }
            "metric" => Item::Metric(self.metric(start)?),
            "grade" => Item::Grade(self.grade(start)?),
            "rule" => Item::Rule(self.rule(start)?),
            _ => return None,
        };
        Some(item)
    }

    fn metric(&mut self, start: usize) -> Option<Metric> {
        let id = self.ident()?;
        let description = self.text()?;
        let kind = self.ident()?;
        let direction = match self.symbol(b",") {
            true => {
                let (which, first) = self.one_of(&["higher", "lower"])?;
                self.keyword("is")?;
                let last = self.keyword("better")?;
                let value = match which {
                    0 => Direction::HigherIsBetter,
                    _ => Direction::LowerIsBetter,
                };
                Some(Spanned::new(value, first.to(last)))
            }
            false => None,
        };
        Some(Metric {
            id,
            description,
            kind,
            direction,
            span: self.span(start, self.end),
        })
    }

    fn grade(&mut self, start: usize) -> Option<Grade> {
        let id = self.ident()?;
        let title = self.text()?;
        let for_each_concern = match self.keyword("for") {
            Some(first) => {
                self.keyword("each")?;
                Some(first.to(self.keyword("concern")?))
            }
            None => None,
        };
        if !self.symbol(b"{") {
            return None;
        }
        let mut arms = Vec::new();
        while !self.symbol(b"}") {
            let start = self.at;
            let level = self.ident()?;
            let condition = match self.one_of(&["otherwise", "when"])? {
                (0, _) => None,
                _ => Some(self.expr()?),
            };
            arms.push(GradeArm {
                level,
                condition,
                span: self.span(start, self.end),
            });
        }
        Some(Grade {
            id,
            title,
            for_each_concern,
            arms,
            span: self.span(start, self.end),
        })
    }

    fn rule(&mut self, start: usize) -> Option<Rule> {
        let id = self.ident()?;
        let title = self.text()?;
        if !self.symbol(b"{") {
            return None;
        }
        let mut clauses = Vec::new();
        loop {
            self.skip_trivia();
            let before = self.at;
            if self.symbol(b"}") {
                return Some(Rule {
                    id,
                    title,
                    clauses,
                    span: self.span(start, self.end),
                    close: self.span(before, self.end),
                });
            }
            let kind = self.clause()?;
            clauses.push(Clause {
                kind,
                span: self.span(before, self.end),
            });
        }
    }

    fn clause(&mut self) -> Option<ClauseKind> {
        const CLAUSES: [&str; 8] = [
            "when", "applies", "severity", "require", "owner", "involve", "replaces", "due",
        ];
        let kind = match self.one_of(&CLAUSES)?.0 {
            0 => ClauseKind::When(self.expr()?),
            1 => {
                self.keyword("to")?;
                ClauseKind::AppliesTo(self.expr()?)
            }
            2 => ClauseKind::Severity(self.ident()?),
            3 => ClauseKind::Require(self.text()?),
            4 => ClauseKind::Owner(self.ident()?),
            5 => ClauseKind::Involve(self.ident_list()?),
            6 => ClauseKind::Replaces(self.ident_list()?),
            _ => {
                let amount = self.integer()?;
                ClauseKind::Due(Due {
                    amount,
                    unit: self.due_unit()?,
                })
            }
        };
        Some(kind)
    }

    fn due_unit(&mut self) -> Option<Spanned<DueUnit>> {
        const UNITS: [&str; 7] = ["working", "days", "day", "weeks", "week", "months", "month"];
        let (which, first) = self.one_of(&UNITS)?;
        let (unit, span) = match which {
            0 => {
                let (_, last) = self.one_of(&["days", "day"])?;
                (DueUnit::WorkingDays, first.to(last))
            }
            1 | 2 => (DueUnit::Days, first),
            3 | 4 => (DueUnit::Weeks, first),
            _ => (DueUnit::Months, first),
        };
        Some(Spanned::new(unit, span))
    }

    /// A date as the grammar's `date`, which must exist.
    fn date(&mut self) -> Option<Spanned<NaiveDate>> {
        self.skip_trivia();
        let end = date_end(self.bytes, self.at)?;
        let date = NaiveDate::parse_from_str(&self.text[self.at..end], "%Y-%m-%d").ok()?;
        let span = self.span(self.at, end);
        self.advance_to(end);
        Some(Spanned::new(date, span))
    }

    /// A condition, as the grammar's `expr` and the builder's precedence and limits.
    fn expr(&mut self) -> Option<Expr> {
        let mut parts = Vec::new();
        loop {
            self.prefixes(&mut parts);
            parts.push(Part::Operand(self.primary()?));
            self.suffixes(&mut parts)?;
            match self.infix() {
                Some((op, span)) => parts.push(Part::Infix(op, span)),
                None => break,
            }
        }
        let prefixes = parts
            .iter()
            .filter(|p| matches!(p, Part::Not(_) | Part::Neg(_)))
            .count();
        if parts.len() > MAX_EXPRESSION_PARTS || prefixes > MAX_EXPRESSION_DEPTH {
            return None;
        }
        let mut parts = parts.into_iter().peekable();
        let expr = by_precedence(&mut parts, 0);
        (depth(&expr) <= MAX_EXPRESSION_DEPTH).then_some(expr)
    }

    fn prefixes(&mut self, parts: &mut Vec<Part>) {
        loop {
            self.skip_trivia();
            let start = self.at;
            if let Some(span) = self.keyword("not") {
                parts.push(Part::Not(span));
            } else if self.symbol(b"-") {
                parts.push(Part::Neg(self.span(start, self.end)));
            } else {
                return;
            }
        }
    }

    fn infix(&mut self) -> Option<(BinaryOp, Span)> {
        self.skip_trivia();
        let start = self.at;
        if let Some((which, span)) = self.one_of(&["or", "and"]) {
            let op = [BinaryOp::Or, BinaryOp::And][which];
            return Some((op, span));
        }
        const SYMBOLS: [(&[u8], BinaryOp); 10] = [
            (b"<=", BinaryOp::Le),
            (b">=", BinaryOp::Ge),
            (b"!=", BinaryOp::Ne),
            (b"<", BinaryOp::Lt),
            (b">", BinaryOp::Gt),
            (b"=", BinaryOp::Eq),
            (b"+", BinaryOp::Add),
            (b"-", BinaryOp::Sub),
            (b"*", BinaryOp::Mul),
            (b"/", BinaryOp::Div),
        ];
        let (symbol, op) = SYMBOLS
            .iter()
            .find(|(symbol, _)| self.bytes[start..].starts_with(symbol))?;
        self.advance_to(start + symbol.len());
        Some((*op, self.span(start, self.end)))
    }

    /// The suffixes after an operand. `None` when one is started and not finished: the
    /// grammar would then stop the condition before it and fail on what follows.
    fn suffixes(&mut self, parts: &mut Vec<Part>) -> Option<()> {
        loop {
            self.skip_trivia();
            let start = self.at;
            if self.peek_word_is("for") {
                let after_for = self.peek_word()?.1;
                if !matches!(self.bytes.get(after_trivia(self.bytes, after_for)), Some(b) if b.is_ascii_digit())
                {
                    // `for each ...`: a clause of its own, after the condition.
                    return Some(());
                }
                self.advance_to(after_for);
                let months = self.integer()?;
                let consecutive = self.keyword("consecutive").is_some();
                self.months_word()?;
                let suffix = Suffix::For {
                    months,
                    consecutive,
                };
                parts.push(Part::Suffix(suffix, self.span(start, self.end)));
            } else if self.keyword("in").is_some() {
                let suffix = match self.symbol(b"[") {
                    true => Suffix::InList(self.list_items()?),
                    false => {
                        let k = self.integer()?;
                        self.keyword("of")?;
                        self.keyword("the")?;
                        self.keyword("last")?;
                        let n = self.integer()?;
                        self.months_word()?;
                        Suffix::InKOfN { k, n }
                    }
                };
                parts.push(Part::Suffix(suffix, self.span(start, self.end)));
            } else {
                return Some(());
            }
        }
    }

    /// The items of `in [...]`, after its `[`, up to and including its `]`.
    fn list_items(&mut self) -> Option<Vec<Expr>> {
        let mut items = Vec::new();
        if self.symbol(b"]") {
            return Some(items);
        }
        loop {
            items.push(self.list_item()?);
            if self.symbol(b"]") {
                return Some(items);
            }
            if !self.symbol(b",") {
                return None;
            }
        }
    }

    /// A text, date, percent, number, flag or name.
    fn list_item(&mut self) -> Option<Expr> {
        self.skip_trivia();
        match self.peek()? {
            b'"' => self.quoted(),
            b if b.is_ascii_digit() => self.literal(),
            _ => {
                let (start, end) = self.peek_word()?;
                let word = &self.text[start..end];
                let kind = match flag(word) {
                    Some(value) => ExprKind::Flag(value),
                    None if is_ident(word) => ExprKind::Name(word.to_string()),
                    None => return None,
                };
                self.advance_to(end);
                Some(Expr {
                    kind,
                    span: self.span(start, end),
                })
            }
        }
    }

    fn quoted(&mut self) -> Option<Expr> {
        let text = self.text()?;
        Some(Expr {
            kind: ExprKind::Text(text.value),
            span: text.span,
        })
    }

    /// A date, percent or number, as the grammar tries them in that order.
    fn literal(&mut self) -> Option<Expr> {
        self.skip_trivia();
        let start = self.at;
        if date_end(self.bytes, start).is_some() {
            let date = self.date()?;
            return Some(Expr {
                kind: ExprKind::Date(date.value),
                span: date.span,
            });
        }
        let (_, end, _) = self.peek_digits()?;
        let (kind, to) = match self.bytes.get(end) {
            Some(b'%') => (
                ExprKind::Percent(self.text[start..end].to_string()),
                end + 1,
            ),
            Some(&b) if is_ident_char(b) => return None,
            _ => (ExprKind::Number(self.text[start..end].to_string()), end),
        };
        self.advance_to(to);
        Some(Expr {
            kind,
            span: self.span(start, to),
        })
    }

    fn primary(&mut self) -> Option<Expr> {
        self.skip_trivia();
        match self.peek()? {
            b'"' => self.quoted(),
            b'(' => self.paren(),
            b if b.is_ascii_digit() => self.literal(),
            _ => self.word_primary(),
        }
    }

    /// `( condition )`, when the grammar's fast mode reads the bracket as one (`plain_paren`):
    /// a bracket that starts with a word followed by `,`, `)`, `(`, `in`, `since`, `within` or
    /// `where` may hold a set of events, and one starting with `(` a deadline.
    fn paren(&mut self) -> Option<Expr> {
        let start = self.at;
        self.advance_to(self.at + 1);
        self.skip_trivia();
        match self.peek()? {
            b'(' => return None,
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let (_, end) = self.peek_word()?;
                let next = &self.bytes[after_trivia(self.bytes, end)..];
                let set_words: [&[u8]; 7] =
                    [b",", b")", b"(", b"in", b"since", b"within", b"where"];
                if set_words.iter().any(|w| next.starts_with(w)) {
                    return None;
                }
            }
            _ => {}
        }
        let inner = self.expr()?;
        if !self.symbol(b")") {
            return None;
        }
        Some(Expr {
            span: self.span(start, self.end),
            ..inner
        })
    }

    /// A flag, a name, a window (`average(...)`), an aggregate of concerns (`count(...)`) or a
    /// trend (`m improved over last 3 months`).
    fn word_primary(&mut self) -> Option<Expr> {
        let (start, end) = self.peek_word()?;
        let word = &self.text[start..end];
        if let Some(value) = flag(word) {
            // `no K within ...` awaits events: left to the grammar.
            let next = self.bytes.get(after_trivia(self.bytes, end));
            if word == "no"
                && matches!(next, Some(&b) if b == b'(' || b.is_ascii_alphabetic() || b == b'_')
            {
                return None;
            }
            self.advance_to(end);
            return Some(Expr {
                kind: ExprKind::Flag(value),
                span: self.span(start, end),
            });
        }
        if !is_ident(word) || starts_version_1_form(word) {
            return None;
        }
        let after = after_trivia(self.bytes, end);
        let next = &self.bytes[after..];
        let kind = if next.first() == Some(&b'(') {
            self.call(word, start, end)?
        } else if next.starts_with(b"improved") || next.starts_with(b"worsened") {
            self.trend(start, end)?
        } else {
            let next_word = &next[..next
                .iter()
                .position(|&b| !is_ident_char(b))
                .unwrap_or(next.len())];
            if matches!(next_word, b"within" | b"is" | b"of") {
                return None;
            }
            self.advance_to(end);
            ExprKind::Name(word.to_string())
        };
        Some(Expr {
            kind,
            span: self.span(start, self.end),
        })
    }

    /// `average(m over last N months)` and its kin, or `count(concerns ...)` and its kin.
    fn call(&mut self, word: &str, start: usize, end: usize) -> Option<ExprKind> {
        let func_span = self.span(start, end);
        self.advance_to(end);
        if !self.symbol(b"(") {
            return None;
        }
        if let Some(func) = window_fn(word) {
            let metric = self.ident()?;
            self.keyword("over")?;
            self.keyword("last")?;
            let months = self.integer()?;
            self.months_word()?;
            if !self.symbol(b")") {
                return None;
            }
            return Some(ExprKind::Window {
                func: Spanned::new(func, func_span),
                metric,
                months,
            });
        }
        let func = aggregate_fn(word)?;
        self.keyword("concerns")?;
        let months = match self.keyword("in") {
            Some(_) => {
                self.keyword("last")?;
                let months = self.integer()?;
                self.months_word()?;
                Some(months)
            }
            None => None,
        };
        let filter = match self.keyword("where") {
            Some(_) => Some(Box::new(self.expr()?)),
            None => None,
        };
        if !self.symbol(b")") {
            return None;
        }
        Some(ExprKind::Concerns {
            func: Spanned::new(func, func_span),
            months,
            filter,
        })
    }

    /// `m improved over last N months` or `m worsened over last N months`.
    fn trend(&mut self, start: usize, end: usize) -> Option<ExprKind> {
        let metric = Spanned::new(self.text[start..end].to_string(), self.span(start, end));
        self.advance_to(end);
        let (which, _) = self.one_of(&["improved", "worsened"])?;
        self.keyword("over")?;
        self.keyword("last")?;
        let months = self.integer()?;
        self.months_word()?;
        Some(ExprKind::Trend {
            metric,
            improved: which == 0,
            months,
        })
    }
}

/// Groups the parts of a condition by precedence, exactly as the builder's Pratt parser
/// (`expr.rs`, pest's algorithm): loosest first `or`; `and`; `not`; `for`/`in K of N`;
/// comparisons and `in [...]`; `+ -`; `* /`; unary `-`. Every infix is left-associative.
fn by_precedence(parts: &mut std::iter::Peekable<std::vec::IntoIter<Part>>, right: u8) -> Expr {
    let mut lhs = match parts.next().expect("a condition has an operand") {
        Part::Operand(expr) => expr,
        Part::Not(span) => {
            let rhs = by_precedence(parts, NOT - 1);
            Expr {
                span: span.to(rhs.span),
                kind: ExprKind::Not(Box::new(rhs)),
            }
        }
        Part::Neg(span) => {
            let rhs = by_precedence(parts, NEG - 1);
            Expr {
                span: span.to(rhs.span),
                kind: ExprKind::Neg(Box::new(rhs)),
            }
        }
        Part::Suffix(..) | Part::Infix(..) => unreachable!("a condition starts with an operand"),
    };
    while let Some(left) = parts.peek().map(binding) {
        if right >= left {
            break;
        }
        lhs = match parts.next().expect("peeked") {
            Part::Infix(op, op_span) => {
                let rhs = by_precedence(parts, left);
                Expr {
                    span: lhs.span.to(rhs.span),
                    kind: ExprKind::Binary {
                        op: Spanned::new(op, op_span),
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                }
            }
            Part::Suffix(suffix, span) => with_suffix(lhs, suffix, span),
            _ => unreachable!("an operand is followed by an operator or a suffix"),
        };
    }
    lhs
}

const OR: u8 = 10;
const AND: u8 = 20;
const NOT: u8 = 30;
const TEMPORAL: u8 = 40;
const COMPARISON: u8 = 50;
const SUM: u8 = 60;
const PRODUCT: u8 = 70;
const NEG: u8 = 80;

/// How tightly an operator or suffix binds the operand before it.
fn binding(part: &Part) -> u8 {
    match part {
        Part::Infix(op, _) => match op {
            BinaryOp::Or => OR,
            BinaryOp::And => AND,
            BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Eq
            | BinaryOp::Ne => COMPARISON,
            BinaryOp::Add | BinaryOp::Sub => SUM,
            BinaryOp::Mul | BinaryOp::Div => PRODUCT,
        },
        Part::Suffix(Suffix::InList(_), _) => COMPARISON,
        Part::Suffix(..) => TEMPORAL,
        Part::Not(_) | Part::Neg(_) | Part::Operand(_) => {
            unreachable!("an operand is followed by an operator or a suffix")
        }
    }
}

fn with_suffix(lhs: Expr, suffix: Suffix, span: Span) -> Expr {
    let span = lhs.span.to(span);
    let expr = Box::new(lhs);
    let kind = match suffix {
        Suffix::For {
            months,
            consecutive,
        } => ExprKind::For {
            expr,
            months,
            consecutive,
        },
        Suffix::InKOfN { k, n } => ExprKind::InKOfN { expr, k, n },
        Suffix::InList(items) => ExprKind::InList { expr, items },
    };
    Expr { kind, span }
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A lower-case word, starting with a letter or `_`, that is not a keyword.
fn is_ident(word: &str) -> bool {
    let mut bytes = word.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !RESERVED.contains(&word)
}

fn digits_from(bytes: &[u8], start: usize) -> usize {
    start
        + bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(bytes.len() - start)
}

/// Where a date written `YYYY-MM-DD` at `start` ends, when one is (not followed by a letter,
/// digit or `_`).
fn date_end(bytes: &[u8], start: usize) -> Option<usize> {
    let shape = b"dddd-dd-dd";
    let text = bytes.get(start..start + shape.len())?;
    let fits = text.iter().zip(shape).all(|(&b, &s)| match s {
        b'd' => b.is_ascii_digit(),
        _ => b == s,
    });
    let end = start + shape.len();
    (fits && !bytes.get(end).is_some_and(|&b| is_ident_char(b))).then_some(end)
}

/// The first byte at or after `at` that is not a space, a new line, a tab or in a `#` comment:
/// what the grammar's `WHITESPACE` and `COMMENT` skip between words. The grammar also skips a
/// byte-order mark, but a span ending before one keeps it (it is not white space to
/// `trim_end`), so an item with one is left to the grammar.
fn after_trivia(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(b' ' | b'\n' | b'\t' | b'\r') => at += 1,
            Some(b'#') => {
                at += bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len() - at)
            }
            _ => return at,
        }
    }
}

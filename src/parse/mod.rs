//! Policy text to syntax tree: the pest grammar in `grammar/escalate.pest`, then one `build_*`
//! function per grammar rule turning pest pairs into [`crate::ast`] nodes with byte spans.
//! Rules, grades and the one-line declarations in the common forms are first read by a
//! hand-written reader (`direct.rs`) that builds the same nodes without the grammar; whatever
//! it does not take, the grammar reads.

mod direct;
#[cfg(test)]
mod direct_tests;
mod errors;
mod events;
mod expected;
mod expr;
#[cfg(test)]
mod fast_tests;
mod items;
mod scan;
mod shift;
mod slips;
#[cfg(test)]
mod test_policies;
#[cfg(test)]
mod thread_tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use crate::ast::*;
use crate::lines::LineIndex;
use crate::month::Month;
use crate::schema::Direction;

pub use errors::{ParseError, ParseErrors};

/// The most bytes a policy file may have. Real policies are a few kilobytes; this bound keeps
/// a mistaken file (a data file passed as a policy, say) from exhausting memory.
pub const MAX_POLICY_BYTES: usize = 8 * 1024 * 1024;

/// How deeply brackets (`(` and `[`) may nest before the file is refused.
pub const MAX_NESTING: usize = 64;

/// How many operators and operands one condition may have.
pub const MAX_EXPRESSION_PARTS: usize = 4096;

/// How many levels one condition may have (`a and b and c` has one level per `and`). Real
/// conditions have a handful; the bound keeps checking and evaluation well within any stack.
pub const MAX_EXPRESSION_DEPTH: usize = 100;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/escalate.pest"]
    pub(crate) struct PolicyGrammar;
}
use grammar::{PolicyGrammar, Rule};

/// Parses a policy's source text into its syntax tree.
///
/// Returns every problem found: a syntax error in one item (declaration, grade, rule, test)
/// does not hide those in the others, and values that do not fit (a date that does not
/// exist, say) are collected across the whole file.
pub fn parse(source: &str) -> Result<PolicyFile, ParseErrors> {
    let recovered = parse_recovering(source);
    match recovered.errors.is_empty() {
        true => Ok(recovered.policy),
        false => Err(ParseErrors(recovered.errors)),
    }
}

/// What [`parse_recovering`] could read of a policy.
#[derive(Clone, Debug)]
pub struct Recovered {
    /// Every item that parses; an item with a syntax error is left out.
    pub policy: PolicyFile,
    /// Every problem found, in file order.
    pub errors: Vec<ParseError>,
    /// The names of the items left out (`low_callbacks` for a broken `rule low_callbacks`),
    /// so that later stages need not report them as unknown.
    pub broken_names: Vec<String>,
}

/// Parses as much of a policy as can be parsed: the tree of every item that parses (an item
/// with a syntax error is left out) and every problem found, in file order. Editors use the
/// partial tree to keep checking, hovering and completing around a broken item.
pub fn parse_recovering(source: &str) -> Recovered {
    parse_items(source, None, PIECES_WORTH_THREADS)
}

/// Items parsed before, by their text: what an editor keeps between changes, so that only the
/// items whose text changed are parsed again.
#[derive(Clone, Debug, Default)]
pub struct ItemCache {
    /// An item's text → where it was, and what it parsed to (items without problems only).
    items: HashMap<String, (usize, Vec<Item>)>,
}

/// As [`parse_recovering`], parsing again only the items not in `cache` (and the first, the
/// `policy` line's); `cache` then holds the items of `source`.
pub fn parse_recovering_cached(source: &str, cache: &mut ItemCache) -> Recovered {
    parse_items(source, Some(cache), PIECES_WORTH_THREADS)
}

/// The language's own words, which cannot name anything: the grammar's `keyword` rule
/// (`grammar/escalate.pest`), for the hand-written reader and the messages about slips.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "for",
    "of",
    "the",
    "last",
    "over",
    "where",
    "when",
    "otherwise",
    "months",
    "month",
    "consecutive",
    "improved",
    "worsened",
    "concerns",
    "yes",
    "no",
    "true",
    "false",
    "nothing",
    "each",
];

/// Whether the hand-written reader takes `piece`, the text of items after the `policy` line
/// starting at byte `offset` of a file; panics when it reads them otherwise than the grammar
/// and the builder, or when the grammar finds a problem in what it took. For tests and fuzzing.
#[doc(hidden)]
pub fn reads_as_the_grammar(piece: &str, offset: usize) -> bool {
    if scan::check_lexical_limits(piece).is_err() {
        return false;
    }
    let Some(direct) = direct::items(piece, offset) else {
        return false;
    };
    let mut builder = Builder {
        offset,
        ..Builder::default()
    };
    let grammar = PolicyGrammar::parse(Rule::items, piece)
        .ok()
        .map(|pairs| builder.build_items(pairs));
    assert!(
        builder.errors.is_empty(),
        "the grammar finds problems the reader missed in:\n{piece}\n{:?}",
        builder.errors
    );
    assert_eq!(
        Some(&direct),
        grammar.as_ref(),
        "the reader and the grammar differ on:\n{piece}"
    );
    true
}

/// Parses the items of `source`, on all cores when at least `pieces_worth_threads` pieces are
/// to be parsed (tests lower it to compare the threads' parse with this thread's).
fn parse_items(
    source: &str,
    mut cache: Option<&mut ItemCache>,
    pieces_worth_threads: usize,
) -> Recovered {
    let mut builder = Builder::default();
    let empty = || PolicyFile {
        name: Spanned::new(String::new(), Span::new(0, 0)),
        items: Vec::new(),
    };
    if source.len() > MAX_POLICY_BYTES {
        builder.errors.push(ParseError::FileTooLarge {
            bytes: source.len(),
        });
        return builder.recovered(empty());
    }
    // Each item is parsed on its own, which costs no more than parsing the whole file and
    // keeps the errors of every item. Where an item had to be started inside a block (one
    // left open, or a name at the start of a line), the whole file is tried first, so that a
    // valid policy never depends on that guess.
    let (mut starts, guessed) = items::item_starts(source);
    if guessed {
        let whole = scan::check_lexical_limits(source)
            .ok()
            .and_then(|()| PolicyGrammar::parse(Rule::file, source).ok());
        if let Some(mut pairs) = whole {
            let policy = builder.build_file(pairs.next().expect("the file rule yields one pair"));
            return builder.recovered(policy);
        }
    }
    starts.push(source.len());
    let mut previous = cache.as_deref_mut().map(|c| std::mem::take(&mut c.items));
    let mut from = 0;
    let slots: Vec<Slot> = starts
        .into_iter()
        .enumerate()
        .map(|(index, to)| {
            let range = from..to;
            from = to;
            let cached = match index {
                0 => None,
                _ => previous
                    .as_mut()
                    .and_then(|p| p.remove(&source[range.clone()])),
            };
            match cached {
                Some((at, items)) => Slot::Cached { range, at, items },
                None => Slot::Parse {
                    range,
                    rule: if index == 0 { Rule::file } else { Rule::items },
                },
            }
        })
        .collect();
    let lines = OnceLock::new();
    let parsed = parse_slots(source, &slots, &lines, pieces_worth_threads);
    let mut policy = empty();
    let mut kept = HashMap::new();
    for (slot, piece) in slots.into_iter().zip(parsed) {
        match (slot, piece) {
            (Slot::Cached { range, at, items }, _) => {
                let by = range.start as isize - at as isize;
                policy.items.extend(items.iter().cloned().map(|mut item| {
                    shift::Shift::shift(&mut item, by);
                    item
                }));
                kept.insert(source[range].to_string(), (at, items));
            }
            (Slot::Parse { range, rule }, Some(piece)) => {
                let clean =
                    piece.builder.errors.is_empty() && piece.builder.broken_names.is_empty();
                if cache.is_some() && rule == Rule::items && clean {
                    kept.insert(
                        source[range.clone()].to_string(),
                        (range.start, piece.items.clone()),
                    );
                }
                if let Some(name) = piece.name {
                    policy.name = name;
                }
                policy.items.extend(piece.items);
                builder.errors.extend(piece.builder.errors);
                builder.broken_names.extend(piece.builder.broken_names);
            }
            (Slot::Parse { .. }, None) => unreachable!("every piece to parse is parsed"),
        }
    }
    if let Some(cache) = cache {
        cache.items = kept;
    }
    builder.recovered(policy)
}

/// One piece of the file between two item starts: parsed before (its items kept by an editor's
/// cache, from where the piece was then) or to be parsed now.
enum Slot {
    Cached {
        range: std::ops::Range<usize>,
        at: usize,
        items: Vec<Item>,
    },
    Parse {
        range: std::ops::Range<usize>,
        rule: Rule,
    },
}

/// What one piece parsed to: the policy's name (from the first piece), its items, and the
/// problems found in it.
struct Piece {
    name: Option<Spanned<String>>,
    items: Vec<Item>,
    builder: Builder,
}

/// Below this many pieces to parse, the pieces are parsed on this thread: starting other
/// threads costs more than a small policy's parse.
const PIECES_WORTH_THREADS: usize = 64;

/// Parses every piece that is not cached, on all cores when there are many: the pieces are
/// independent, and each keeps its own problems, put back in file order by the caller.
#[cfg_attr(not(feature = "parallel"), allow(unused_variables))]
fn parse_slots(
    source: &str,
    slots: &[Slot],
    lines: &OnceLock<LineIndex>,
    pieces_worth_threads: usize,
) -> Vec<Option<Piece>> {
    let parse = |slot: &Slot| match slot {
        Slot::Cached { .. } => None,
        Slot::Parse { range, rule } => Some(parse_piece(source, range.clone(), *rule, lines)),
    };
    #[cfg(feature = "parallel")]
    {
        let to_parse = slots
            .iter()
            .filter(|s| matches!(s, Slot::Parse { .. }))
            .count();
        if to_parse >= pieces_worth_threads {
            return on_all_cores(slots, &parse);
        }
    }
    slots.iter().map(parse).collect()
}

/// The stack of each thread parsing pieces: as large as a program's main thread usually has,
/// so that a piece nested as deeply as the language allows parses on any thread.
#[cfg(feature = "parallel")]
const PARSING_STACK_BYTES: usize = 8 * 1024 * 1024;

/// `parse` of every slot, the slots split into one run of about the same bytes per core, each
/// run parsed on its own thread (the first on this one). Plain threads rather than rayon's pool:
/// a pool's threads keep looking for work after the parse, taking a loaded machine's cores
/// from the checking that follows. A thread that cannot be started leaves its run to this one.
#[cfg(feature = "parallel")]
fn on_all_cores<F>(slots: &[Slot], parse: &F) -> Vec<Option<Piece>>
where
    F: Fn(&Slot) -> Option<Piece> + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = runs_of_equal_bytes(slots, cores);
    std::thread::scope(|scope| {
        let started: Vec<_> = runs[1..]
            .iter()
            .map(|run| {
                let spawned = std::thread::Builder::new()
                    .stack_size(PARSING_STACK_BYTES)
                    .spawn_scoped(scope, move || run.iter().map(parse).collect::<Vec<_>>());
                (run, spawned.ok())
            })
            .collect();
        let mut parsed: Vec<Option<Piece>> = runs[0].iter().map(parse).collect();
        for (run, thread) in started {
            match thread {
                Some(thread) => match thread.join() {
                    Ok(pieces) => parsed.extend(pieces),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                None => parsed.extend(run.iter().map(parse)),
            }
        }
        parsed
    })
}

/// `slots` cut into at most `count` runs in order, each of about the same number of bytes.
#[cfg(feature = "parallel")]
fn runs_of_equal_bytes(slots: &[Slot], count: usize) -> Vec<&[Slot]> {
    let bytes = |slot: &Slot| match slot {
        Slot::Cached { .. } => 0,
        Slot::Parse { range, .. } => range.len(),
    };
    let total: usize = slots.iter().map(bytes).sum();
    let per_run = total.div_ceil(count.max(1)).max(1);
    let mut runs = Vec::with_capacity(count);
    let (mut start, mut in_run) = (0, 0);
    for (i, slot) in slots.iter().enumerate() {
        in_run += bytes(slot);
        if in_run >= per_run && runs.len() + 1 < count {
            runs.push(&slots[start..=i]);
            (start, in_run) = (i + 1, 0);
        }
    }
    runs.push(&slots[start..]);
    runs
}

/// Parses `source[range]` as the grammar's `rule` (`file` for the first piece, `items` after
/// it). `lines` is the file's line index, made at the first error of any piece: messages name
/// lines ("the `{` on line 12"), and counting from the top for each would be quadratic.
fn parse_piece(
    source: &str,
    range: std::ops::Range<usize>,
    rule: Rule,
    lines: &OnceLock<LineIndex>,
) -> Piece {
    let piece = &source[range.clone()];
    let mut builder = Builder {
        offset: range.start,
        ..Builder::default()
    };
    let limits = scan::check_lexical_limits(piece);
    if limits.is_ok() && rule == Rule::items {
        if let Some(items) = direct::items(piece, range.start) {
            return Piece {
                name: None,
                items,
                builder,
            };
        }
    }
    let parsed =
        limits
            .map_err(|error| error.shifted(range.start))
            .and_then(|()| match parse_fast(rule, piece) {
                Some(pairs) => Ok(pairs),
                None => PolicyGrammar::parse(rule, piece).map_err(|error| {
                    let lines = lines.get_or_init(|| LineIndex::new(source));
                    errors::from_pest(source, lines, range.start, error)
                }),
            });
    let mut pairs = match parsed {
        Ok(pairs) => pairs,
        Err(error) => {
            builder.errors.push(error);
            builder.broken_names.extend(items::item_name(piece));
            return Piece {
                name: None,
                items: Vec::new(),
                builder,
            };
        }
    };
    let (name, items) = match rule {
        Rule::file => {
            let file = builder.build_file(pairs.next().expect("a file yields one pair"));
            (Some(file.name), file.items)
        }
        _ => (None, builder.build_items(pairs)),
    };
    Piece {
        name,
        items,
        builder,
    }
}

/// Parses `piece` as `rule` in the grammar's fast mode (`fast_items`), which reads the same
/// pairs with fewer attempts; `None` when it does not parse, or for the `file` piece (a single
/// line), so that the caller parses it through `rule` for the errors.
fn parse_fast(rule: Rule, piece: &str) -> Option<Pairs<'_, Rule>> {
    match rule {
        Rule::items => PolicyGrammar::parse(Rule::fast_items, piece).ok(),
        _ => None,
    }
}

/// The pair's span without the spaces and comments pest may keep at its end (after a
/// repetition that found nothing more).
fn relative_span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(
        s.start(),
        s.start() + without_trailing_trivia(pair.as_str()).len(),
    )
}

fn without_trailing_trivia(text: &str) -> &str {
    let mut text = text.trim_end();
    loop {
        let line_start = text.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&text[line_start..]) {
            Some(at) => text = text[..line_start + at].trim_end(),
            None => return text,
        }
    }
}

/// Where a `#` comment starts in one line, outside quoted text.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    // Most lines have no `#`: a byte search says so without walking the characters.
    if !line.as_bytes().contains(&b'#') {
        return None;
    }
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_text => escaped = true,
            '"' => in_text = !in_text,
            '#' if !in_text => return Some(i),
            _ => {}
        }
    }
    None
}

fn first_inner(pair: Pair<Rule>) -> Pair<Rule> {
    pair.into_inner()
        .next()
        .expect("the grammar guarantees an inner pair")
}

/// Collects the problems with values while it builds the tree.
#[derive(Default)]
struct Builder {
    errors: Vec<ParseError>,
    /// The names of items that did not parse.
    broken_names: Vec<String>,
    /// Where the text being built starts in the file (items are parsed one by one).
    offset: usize,
}

impl Builder {
    fn recovered(self, policy: PolicyFile) -> Recovered {
        Recovered {
            policy,
            errors: self.errors,
            broken_names: self.broken_names,
        }
    }

    /// The pair's span in the whole file.
    fn span_of(&self, pair: &Pair<Rule>) -> Span {
        let s = relative_span(pair);
        Span::new(s.start + self.offset, s.end + self.offset)
    }

    fn build_file(&mut self, file: Pair<Rule>) -> PolicyFile {
        let mut inner = file.into_inner();
        let policy = inner.next().expect("a file starts with its policy line");
        let name = self.build_text(first_inner(policy));
        let items = self.build_items(inner);
        PolicyFile { name, items }
    }

    /// The items among `pairs` (the grammar's end of input left out).
    fn build_items(&mut self, pairs: Pairs<Rule>) -> Vec<Item> {
        pairs
            .filter(|p| p.as_rule() != Rule::EOI)
            .map(|pair| self.build_item(pair))
            .collect()
    }

    fn build_item(&mut self, pair: Pair<Rule>) -> Item {
        let span = self.span_of(&pair);
        match pair.as_rule() {
            Rule::version_decl => Item::Version(self.build_text(first_inner(pair))),
            Rule::calendar_decl => Item::Calendar(self.build_ident(first_inner(pair))),
            Rule::holiday_decl => {
                let mut inner = pair.into_inner();
                let date = self.build_date(inner.next().expect("holiday date"));
                let reason = self.build_text(inner.next().expect("holiday name"));
                Item::Holiday(Holiday { date, reason, span })
            }
            Rule::role_decl => {
                let mut inner = pair.into_inner();
                let id = self.build_ident(inner.next().expect("role id"));
                let display = self.build_text(inner.next().expect("role name"));
                Item::Role(Role { id, display, span })
            }
            Rule::metric_decl => Item::Metric(self.build_metric(pair)),
            Rule::subjects_decl => Item::Subjects(self.build_field_block(pair)),
            Rule::concerns_decl => Item::Concerns(self.build_field_block(pair)),
            Rule::grade_decl => Item::Grade(self.build_grade(pair)),
            Rule::rule_decl => Item::Rule(self.build_rule(pair)),
            Rule::test_decl => Item::Test(self.build_test(pair)),
            Rule::event_decl => Item::Event(self.build_event_decl(pair)),
            Rule::case_decl => Item::Case(self.build_case_decl(pair)),
            Rule::deadline_decl => Item::Deadline(self.build_deadline_decl(pair)),
            other => unreachable!("the grammar has no declaration {other:?}"),
        }
    }

    fn build_grade(&mut self, pair: Pair<Rule>) -> Grade {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("grade id"));
        let title = self.build_text(inner.next().expect("grade title"));
        let mut for_each_concern = None;
        let mut arms = Vec::new();
        for part in inner {
            match part.as_rule() {
                Rule::for_each_concern => for_each_concern = Some(self.span_of(&part)),
                Rule::grade_arm => arms.push(self.build_grade_arm(part)),
                _ => {}
            }
        }
        Grade {
            id,
            title,
            for_each_concern,
            arms,
            span,
        }
    }

    fn build_grade_arm(&mut self, pair: Pair<Rule>) -> GradeArm {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let level = self.build_ident(inner.next().expect("grade level"));
        let condition_pair = inner.next().expect("when or otherwise");
        let condition = match condition_pair.as_rule() {
            Rule::otherwise => None,
            _ => Some(self.build_expr(condition_pair)),
        };
        GradeArm {
            level,
            condition,
            span,
        }
    }

    fn build_rule(&mut self, pair: Pair<Rule>) -> Rule_ {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("rule id"));
        let title = self.build_text(inner.next().expect("rule title"));
        let mut clauses = Vec::new();
        let mut close = span;
        for part in inner {
            match part.as_rule() {
                Rule::open_brace => {}
                Rule::close_brace => close = self.span_of(&part),
                _ => clauses.push(self.build_clause(part)),
            }
        }
        Rule_ {
            id,
            title,
            clauses,
            span,
            close,
        }
    }

    fn build_clause(&mut self, pair: Pair<Rule>) -> Clause {
        let span = self.span_of(&pair);
        let rule = pair.as_rule();
        if rule == Rule::for_each_clause {
            let kind = self.build_for_each(pair);
            return Clause { kind, span };
        }
        let mut inner = pair.into_inner();
        let mut next = || inner.next().expect("the grammar guarantees a clause body");
        let kind = match rule {
            Rule::when_clause => ClauseKind::When(self.build_expr(next())),
            Rule::applies_clause => ClauseKind::AppliesTo(self.build_expr(next())),
            Rule::severity_clause => ClauseKind::Severity(self.build_ident(next())),
            Rule::require_clause => ClauseKind::Require(self.build_text(next())),
            Rule::owner_clause => ClauseKind::Owner(self.build_ident(next())),
            Rule::involve_clause => ClauseKind::Involve(self.build_ident_list(next())),
            Rule::replaces_clause => ClauseKind::Replaces(self.build_ident_list(next())),

            Rule::due_clause => {
                let amount = self.build_raw(next());
                let unit = self.build_due_unit(next());
                ClauseKind::Due(Due { amount, unit })
            }
            other => unreachable!("the grammar has no clause {other:?}"),
        };
        Clause { kind, span }
    }

    fn build_test(&mut self, pair: Pair<Rule>) -> Test {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.build_text(inner.next().expect("test name"));
        let statements = inner
            .filter(|p| !matches!(p.as_rule(), Rule::open_brace | Rule::close_brace))
            .map(|p| self.build_test_statement(p))
            .collect();
        Test {
            name,
            statements,
            span,
        }
    }

    fn build_test_statement(&mut self, pair: Pair<Rule>) -> TestStatement {
        let span = self.span_of(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::as_of => TestStatementKind::AsOf(self.build_month(inner.next().expect("month"))),
            Rule::given_metric => {
                let subject = self.build_test_subject(inner.next().expect("subject"));
                let metric = self.build_ident(inner.next().expect("metric"));
                let values = inner.map(|mv| self.build_month_value(mv)).collect();
                TestStatementKind::GivenMetric {
                    subject,
                    metric,
                    values,
                }
            }
            Rule::given_field => {
                let subject = self.build_test_subject(inner.next().expect("subject"));
                let field = self.build_ident(inner.next().expect("field"));
                let value = self.build_literal(inner.next().expect("value"));
                TestStatementKind::GivenField {
                    subject,
                    field,
                    value,
                }
            }
            Rule::given_concern => {
                let id = self.build_test_subject(inner.next().expect("concern id"));
                let subject = self.build_test_subject(inner.next().expect("subject"));
                let raised_on = self.build_date(inner.next().expect("date"));
                let fields = inner.map(|fv| self.build_field_value(fv)).collect();
                TestStatementKind::GivenConcern {
                    id,
                    subject,
                    raised_on,
                    fields,
                }
            }
            Rule::given_event => {
                let id = self.build_test_subject(inner.next().expect("event id"));
                let kind = self.build_ident(inner.next().expect("kind"));
                let subject = self.build_test_subject(inner.next().expect("subject"));
                let date = self.build_date(inner.next().expect("date"));
                let mut case = None;
                let mut fields = Vec::new();
                for part in inner {
                    match part.as_rule() {
                        Rule::test_subject => case = Some(self.build_test_subject(part)),
                        _ => fields.push(self.build_field_value(part)),
                    }
                }
                TestStatementKind::GivenEvent {
                    id,
                    kind,
                    subject,
                    date,
                    case,
                    fields,
                }
            }
            Rule::expect => {
                let subject = self.build_test_subject(inner.next().expect("subject"));
                let expectation = self.build_expectation(inner.next().expect("expectation"));
                TestStatementKind::Expect {
                    subject,
                    expectation,
                }
            }
            other => unreachable!("the grammar has no test statement {other:?}"),
        };
        TestStatement { kind, span }
    }

    fn build_expectation(&mut self, pair: Pair<Rule>) -> Expectation {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::expect_nothing => Expectation::Nothing,
            Rule::expect_not => Expectation::DoesNotFire {
                rule: self.build_ident(inner.next().expect("rule")),
            },
            Rule::expect_grade => Expectation::Grade {
                grade: self.build_ident(inner.next().expect("grade")),
                level: self.build_ident(inner.next().expect("level")),
            },
            Rule::expect_rule => {
                let rule = self.build_ident(inner.next().expect("rule"));
                let mut case = None;
                let mut due = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::for_case => case = Some(self.build_test_subject(first_inner(part))),
                        _ => due = Some(self.build_date(part)),
                    }
                }
                Expectation::Fires { rule, case, due }
            }
            Rule::expect_deadline => {
                let deadline = self.build_ident(inner.next().expect("deadline"));
                let status = self.build_status(inner.next().expect("status"));
                let case = inner
                    .next()
                    .map(|p| self.build_test_subject(first_inner(p)));
                Expectation::Deadline {
                    deadline,
                    status,
                    case,
                }
            }
            other => unreachable!("the grammar has no expectation {other:?}"),
        }
    }

    fn build_month_value(&mut self, pair: Pair<Rule>) -> (Spanned<Month>, Literal) {
        let mut inner = pair.into_inner();
        let month = self.build_month(inner.next().expect("month"));
        let value = self.build_literal(inner.next().expect("value"));
        (month, value)
    }

    fn build_field_value(&mut self, pair: Pair<Rule>) -> (Ident, Literal) {
        let mut inner = pair.into_inner();
        let field = self.build_ident(inner.next().expect("field"));
        let value = self.build_literal(inner.next().expect("value"));
        (field, value)
    }

    fn build_literal(&mut self, pair: Pair<Rule>) -> Literal {
        let value = first_inner(pair);
        let span = self.span_of(&value);
        let kind = match value.as_rule() {
            Rule::date => LiteralKind::Date(self.build_date(value).value),
            Rule::percent => LiteralKind::Percent(value.as_str().trim_end_matches('%').to_string()),
            Rule::negative_number | Rule::number => LiteralKind::Number(value.as_str().to_string()),
            Rule::flag => LiteralKind::Flag(build_flag(&value)),
            Rule::string => LiteralKind::Text(self.build_text(value).value),
            Rule::ident => LiteralKind::Name(value.as_str().to_string()),
            other => unreachable!("the grammar has no literal {other:?}"),
        };
        Literal { kind, span }
    }

    fn build_date(&mut self, pair: Pair<Rule>) -> Spanned<NaiveDate> {
        let span = self.span_of(&pair);
        let text = pair.as_str();
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| {
            self.errors.push(ParseError::InvalidDate {
                text: text.to_string(),
                span,
            });
            NaiveDate::default()
        });
        Spanned::new(date, span)
    }

    fn build_month(&mut self, pair: Pair<Rule>) -> Spanned<Month> {
        let span = self.span_of(&pair);
        let text = pair.as_str();
        let month = text.parse::<Month>().unwrap_or_else(|_| {
            self.errors.push(ParseError::InvalidMonth {
                text: text.to_string(),
                span,
            });
            Month::of_date(NaiveDate::default())
        });
        Spanned::new(month, span)
    }
}

// `Rule` is pest's name for grammar rules; the policy rule is called `Rule_` inside this module.
use crate::ast::Rule as Rule_;

impl Builder {
    fn build_metric(&self, pair: Pair<Rule>) -> Metric {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let id = self.build_ident(inner.next().expect("metric id"));
        let description = self.build_text(inner.next().expect("metric description"));
        let kind = self.build_ident(inner.next().expect("metric kind"));
        let direction = inner.next().map(|d| {
            let span = self.span_of(&d);
            let value = match first_inner(d).as_rule() {
                Rule::higher_is_better => Direction::HigherIsBetter,
                _ => Direction::LowerIsBetter,
            };
            Spanned::new(value, span)
        });
        Metric {
            id,
            description,
            kind,
            direction,
            span,
        }
    }

    fn build_field_block(&self, pair: Pair<Rule>) -> FieldBlock {
        let span = self.span_of(&pair);
        FieldBlock {
            span,
            ..self.build_field_block_body(first_inner(pair))
        }
    }

    /// A `field_block` pair: `{ FIELD: TYPE, ... }`.
    fn build_field_block_body(&self, block: Pair<Rule>) -> FieldBlock {
        let span = self.span_of(&block);
        let fields = block
            .into_inner()
            .filter(|p| p.as_rule() == Rule::field_decl)
            .map(|p| self.build_field_decl(p))
            .collect();
        FieldBlock { fields, span }
    }

    fn build_field_decl(&self, pair: Pair<Rule>) -> FieldDecl {
        let mut inner = pair.into_inner();
        let name = self.build_ident(inner.next().expect("field name"));
        let ty_pair = inner.next().expect("field type");
        let ty_span = self.span_of(&ty_pair);
        let ty_inner = first_inner(ty_pair);
        let ty = match ty_inner.as_rule() {
            Rule::integer_type => {
                let mut bounds = ty_inner.into_inner();
                TypeExpr::Integer {
                    min: self.build_raw(bounds.next().expect("lower bound")),
                    max: self.build_raw(bounds.next().expect("upper bound")),
                }
            }
            Rule::one_of_type => {
                TypeExpr::OneOf(ty_inner.into_inner().map(|p| self.build_ident(p)).collect())
            }
            _ => TypeExpr::Named(ty_inner.as_str().to_string()),
        };
        FieldDecl {
            name,
            ty: Spanned::new(ty, ty_span),
        }
    }

    fn build_due_unit(&self, pair: Pair<Rule>) -> Spanned<DueUnit> {
        let span = self.span_of(&pair);
        let unit = match first_inner(pair).as_rule() {
            Rule::working_days => DueUnit::WorkingDays,
            Rule::days => DueUnit::Days,
            Rule::weeks => DueUnit::Weeks,
            _ => DueUnit::Months,
        };
        Spanned::new(unit, span)
    }

    fn build_ident(&self, pair: Pair<Rule>) -> Ident {
        self.build_raw(pair)
    }

    fn build_ident_list(&self, pair: Pair<Rule>) -> Vec<Ident> {
        pair.into_inner().map(|p| self.build_ident(p)).collect()
    }

    /// The text of a pair exactly as written.
    fn build_raw(&self, pair: Pair<Rule>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_string(), self.span_of(&pair))
    }

    /// A quoted text with its escapes resolved; the span includes the quotes.
    fn build_text(&self, pair: Pair<Rule>) -> Spanned<String> {
        let span = self.span_of(&pair);
        let body = first_inner(pair).as_str();
        Spanned::new(unescape(body), span)
    }

    fn build_test_subject(&self, pair: Pair<Rule>) -> Spanned<String> {
        let inner = first_inner(pair);
        match inner.as_rule() {
            Rule::string => self.build_text(inner),
            _ => self.build_raw(inner),
        }
    }
}

fn build_flag(pair: &Pair<Rule>) -> bool {
    flag(pair.as_str()).expect("the grammar's flags")
}

/// The value a flag word gives (`yes`, `true`, `no`, `false`).
fn flag(word: &str) -> Option<bool> {
    match word {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

fn unescape(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.extend(chars.next()),
            c => text.push(c),
        }
    }
    text
}

//! Policy text to syntax tree: the pest grammar in `grammar/escalate.pest`, then one `build_*`
//! function per grammar rule turning pest pairs into [`crate::ast`] nodes with byte spans.

mod errors;
mod events;
mod expected;
mod expr;
mod scan;
mod slips;

use chrono::NaiveDate;
use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::*;
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
/// Returns every problem found: a syntax error stops the parse, but values that do not fit
/// (a date that does not exist, say) are collected across the whole file.
pub fn parse(source: &str) -> Result<PolicyFile, ParseErrors> {
    scan::check_lexical_limits(source).map_err(|e| ParseErrors(vec![e]))?;
    let mut pairs = PolicyGrammar::parse(Rule::file, source)
        .map_err(|e| ParseErrors(vec![errors::from_pest(source, e)]))?;
    let file = pairs.next().expect("the file rule always yields one pair");
    let mut builder = Builder::default();
    let policy = builder.build_file(file);
    match builder.errors.is_empty() {
        true => Ok(policy),
        false => Err(ParseErrors(builder.errors)),
    }
}

/// The pair's span without the spaces and comments pest may keep at its end (after a
/// repetition that found nothing more).
fn span_of(pair: &Pair<Rule>) -> Span {
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
fn comment_start(line: &str) -> Option<usize> {
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
}

impl Builder {
    fn build_file(&mut self, file: Pair<Rule>) -> PolicyFile {
        let mut inner = file.into_inner();
        let policy = inner.next().expect("a file starts with its policy line");
        let name = build_text(first_inner(policy));
        let items = inner
            .filter(|p| p.as_rule() != Rule::EOI)
            .map(|p| self.build_item(p))
            .collect();
        PolicyFile { name, items }
    }

    fn build_item(&mut self, pair: Pair<Rule>) -> Item {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::version_decl => Item::Version(build_text(first_inner(pair))),
            Rule::calendar_decl => Item::Calendar(build_ident(first_inner(pair))),
            Rule::holiday_decl => {
                let mut inner = pair.into_inner();
                let date = self.build_date(inner.next().expect("holiday date"));
                let reason = build_text(inner.next().expect("holiday name"));
                Item::Holiday(Holiday { date, reason, span })
            }
            Rule::role_decl => {
                let mut inner = pair.into_inner();
                let id = build_ident(inner.next().expect("role id"));
                let display = build_text(inner.next().expect("role name"));
                Item::Role(Role { id, display, span })
            }
            Rule::metric_decl => Item::Metric(build_metric(pair)),
            Rule::subjects_decl => Item::Subjects(build_field_block(pair)),
            Rule::concerns_decl => Item::Concerns(build_field_block(pair)),
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
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let id = build_ident(inner.next().expect("grade id"));
        let title = build_text(inner.next().expect("grade title"));
        let mut for_each_concern = None;
        let mut arms = Vec::new();
        for part in inner {
            match part.as_rule() {
                Rule::for_each_concern => for_each_concern = Some(span_of(&part)),
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
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let level = build_ident(inner.next().expect("grade level"));
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
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let id = build_ident(inner.next().expect("rule id"));
        let title = build_text(inner.next().expect("rule title"));
        let mut clauses = Vec::new();
        let mut close = span;
        for part in inner {
            match part.as_rule() {
                Rule::open_brace => {}
                Rule::close_brace => close = span_of(&part),
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
        let span = span_of(&pair);
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
            Rule::severity_clause => ClauseKind::Severity(build_ident(next())),
            Rule::require_clause => ClauseKind::Require(build_text(next())),
            Rule::owner_clause => ClauseKind::Owner(build_ident(next())),
            Rule::involve_clause => ClauseKind::Involve(build_ident_list(next())),
            Rule::replaces_clause => ClauseKind::Replaces(build_ident_list(next())),

            Rule::due_clause => {
                let amount = build_raw(next());
                let unit = build_due_unit(next());
                ClauseKind::Due(Due { amount, unit })
            }
            other => unreachable!("the grammar has no clause {other:?}"),
        };
        Clause { kind, span }
    }

    fn build_test(&mut self, pair: Pair<Rule>) -> Test {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = build_text(inner.next().expect("test name"));
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
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::as_of => TestStatementKind::AsOf(self.build_month(inner.next().expect("month"))),
            Rule::given_metric => {
                let subject = build_test_subject(inner.next().expect("subject"));
                let metric = build_ident(inner.next().expect("metric"));
                let values = inner.map(|mv| self.build_month_value(mv)).collect();
                TestStatementKind::GivenMetric {
                    subject,
                    metric,
                    values,
                }
            }
            Rule::given_field => {
                let subject = build_test_subject(inner.next().expect("subject"));
                let field = build_ident(inner.next().expect("field"));
                let value = self.build_literal(inner.next().expect("value"));
                TestStatementKind::GivenField {
                    subject,
                    field,
                    value,
                }
            }
            Rule::given_concern => {
                let id = build_test_subject(inner.next().expect("concern id"));
                let subject = build_test_subject(inner.next().expect("subject"));
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
                let id = build_test_subject(inner.next().expect("event id"));
                let kind = build_ident(inner.next().expect("kind"));
                let subject = build_test_subject(inner.next().expect("subject"));
                let date = self.build_date(inner.next().expect("date"));
                let mut case = None;
                let mut fields = Vec::new();
                for part in inner {
                    match part.as_rule() {
                        Rule::test_subject => case = Some(build_test_subject(part)),
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
                let subject = build_test_subject(inner.next().expect("subject"));
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
                rule: build_ident(inner.next().expect("rule")),
            },
            Rule::expect_grade => Expectation::Grade {
                grade: build_ident(inner.next().expect("grade")),
                level: build_ident(inner.next().expect("level")),
            },
            Rule::expect_rule => {
                let rule = build_ident(inner.next().expect("rule"));
                let mut case = None;
                let mut due = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::for_case => case = Some(build_test_subject(first_inner(part))),
                        _ => due = Some(self.build_date(part)),
                    }
                }
                Expectation::Fires { rule, case, due }
            }
            Rule::expect_deadline => {
                let deadline = build_ident(inner.next().expect("deadline"));
                let status = self.build_status(inner.next().expect("status"));
                let case = inner.next().map(|p| build_test_subject(first_inner(p)));
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
        let field = build_ident(inner.next().expect("field"));
        let value = self.build_literal(inner.next().expect("value"));
        (field, value)
    }

    fn build_literal(&mut self, pair: Pair<Rule>) -> Literal {
        let value = first_inner(pair);
        let span = span_of(&value);
        let kind = match value.as_rule() {
            Rule::date => LiteralKind::Date(self.build_date(value).value),
            Rule::percent => LiteralKind::Percent(value.as_str().trim_end_matches('%').to_string()),
            Rule::negative_number | Rule::number => LiteralKind::Number(value.as_str().to_string()),
            Rule::flag => LiteralKind::Flag(build_flag(&value)),
            Rule::string => LiteralKind::Text(build_text(value).value),
            Rule::ident => LiteralKind::Name(value.as_str().to_string()),
            other => unreachable!("the grammar has no literal {other:?}"),
        };
        Literal { kind, span }
    }

    fn build_date(&mut self, pair: Pair<Rule>) -> Spanned<NaiveDate> {
        let span = span_of(&pair);
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
        let span = span_of(&pair);
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

fn build_metric(pair: Pair<Rule>) -> Metric {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let id = build_ident(inner.next().expect("metric id"));
    let description = build_text(inner.next().expect("metric description"));
    let kind = build_ident(inner.next().expect("metric kind"));
    let direction = inner.next().map(|d| {
        let span = span_of(&d);
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

fn build_field_block(pair: Pair<Rule>) -> FieldBlock {
    let span = span_of(&pair);
    FieldBlock {
        span,
        ..build_field_block_body(first_inner(pair))
    }
}

/// A `field_block` pair: `{ FIELD: TYPE, ... }`.
fn build_field_block_body(block: Pair<Rule>) -> FieldBlock {
    let span = span_of(&block);
    let fields = block
        .into_inner()
        .filter(|p| p.as_rule() == Rule::field_decl)
        .map(build_field_decl)
        .collect();
    FieldBlock { fields, span }
}

fn build_field_decl(pair: Pair<Rule>) -> FieldDecl {
    let mut inner = pair.into_inner();
    let name = build_ident(inner.next().expect("field name"));
    let ty_pair = inner.next().expect("field type");
    let ty_span = span_of(&ty_pair);
    let ty_inner = first_inner(ty_pair);
    let ty = match ty_inner.as_rule() {
        Rule::integer_type => {
            let mut bounds = ty_inner.into_inner();
            TypeExpr::Integer {
                min: build_raw(bounds.next().expect("lower bound")),
                max: build_raw(bounds.next().expect("upper bound")),
            }
        }
        Rule::one_of_type => TypeExpr::OneOf(ty_inner.into_inner().map(build_ident).collect()),
        _ => TypeExpr::Named(ty_inner.as_str().to_string()),
    };
    FieldDecl {
        name,
        ty: Spanned::new(ty, ty_span),
    }
}

fn build_due_unit(pair: Pair<Rule>) -> Spanned<DueUnit> {
    let span = span_of(&pair);
    let unit = match first_inner(pair).as_rule() {
        Rule::working_days => DueUnit::WorkingDays,
        Rule::days => DueUnit::Days,
        Rule::weeks => DueUnit::Weeks,
        _ => DueUnit::Months,
    };
    Spanned::new(unit, span)
}

fn build_ident(pair: Pair<Rule>) -> Ident {
    build_raw(pair)
}

fn build_ident_list(pair: Pair<Rule>) -> Vec<Ident> {
    pair.into_inner().map(build_ident).collect()
}

/// The text of a pair exactly as written.
fn build_raw(pair: Pair<Rule>) -> Spanned<String> {
    Spanned::new(pair.as_str().to_string(), span_of(&pair))
}

fn build_flag(pair: &Pair<Rule>) -> bool {
    matches!(pair.as_str(), "yes" | "true")
}

/// A quoted text with its escapes resolved; the span includes the quotes.
fn build_text(pair: Pair<Rule>) -> Spanned<String> {
    let span = span_of(&pair);
    let body = first_inner(pair).as_str();
    Spanned::new(unescape(body), span)
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

fn build_test_subject(pair: Pair<Rule>) -> Spanned<String> {
    let inner = first_inner(pair);
    match inner.as_rule() {
        Rule::string => build_text(inner),
        _ => build_raw(inner),
    }
}

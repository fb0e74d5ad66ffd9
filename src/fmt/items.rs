//! The declarations of a policy laid out as printed lines: one per declaration, clause, field,
//! grade arm and test statement, with columns aligned within groups.

use super::comments::{has_blank_line, next_code_byte};
use super::expr::{flag_as_written, is_one, quoted, Chain, Printer};
use super::lines::{Gap, Line, Place};
use super::MAX_WIDTH;
use crate::ast::*;
use crate::schema::Direction;

/// How deep the inside of a block is indented.
const INDENT: usize = 2;

/// Lays out a whole file: the policy line, then every declaration in order.
pub(super) fn layout(source: &str, file: &PolicyFile) -> Vec<Line> {
    let mut layout = Layout {
        source,
        printer: Printer::new(source),
        lines: Vec::new(),
    };
    let policy_line = format!("policy {}", quoted(&file.name.value));
    let anchor = next_code_byte(source, 0);
    layout.push(Line::start(
        anchor,
        file.name.span.end,
        0,
        policy_line,
        Gap::Never,
    ));
    let anchors = item_anchors(source, file);
    let columns = column_widths(source, &file.items, &anchors);
    let mut previous = Group::Header;
    for ((item, anchor), columns) in file.items.iter().zip(anchors).zip(columns) {
        let group = group_of(item);
        let gap = gap_between(previous, group);
        layout.item(item, anchor, gap, columns);
        previous = group;
    }
    layout.lines
}

/// Kinds of top-level declaration that sit together without blank lines between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    /// `policy`, `version`, `calendar`, `holiday`.
    Header,
    Role,
    Metric,
    /// `event` declarations, with or without a block of fields.
    Event,
    /// Any block: each stands apart.
    Block,
}

fn group_of(item: &Item) -> Group {
    match item {
        Item::Version(_) | Item::Calendar(_) | Item::Holiday(_) => Group::Header,
        Item::Role(_) => Group::Role,
        Item::Metric(_) => Group::Metric,
        Item::Event(_) => Group::Event,
        _ => Group::Block,
    }
}

/// One blank line between groups of different kinds and around blocks; as written otherwise.
fn gap_between(previous: Group, next: Group) -> Gap {
    match previous == next && next != Group::Block {
        true => Gap::AsWritten,
        false => Gap::Always,
    }
}

/// Where each declaration's source ends.
fn item_end(item: &Item) -> usize {
    match item {
        Item::Version(text) => text.span.end,
        Item::Calendar(name) => name.span.end,
        Item::Holiday(holiday) => holiday.span.end,
        Item::Role(role) => role.span.end,
        Item::Metric(metric) => metric.span.end,
        Item::Subjects(block) | Item::Concerns(block) => block.span.end,
        Item::Grade(grade) => grade.span.end,
        Item::Rule(rule) => rule.span.end,
        Item::Test(test) => test.span.end,
        Item::Event(event) => event.span.end,
        Item::Case(case) => case.span.end,
        Item::Deadline(deadline) => deadline.span.end,
    }
}

/// Where each declaration's keyword is: the first code after the one before (some spans in the
/// tree leave the keyword out).
fn item_anchors(source: &str, file: &PolicyFile) -> Vec<usize> {
    let mut previous_end = file.name.span.end;
    file.items
        .iter()
        .map(|item| {
            let anchor = next_code_byte(source, previous_end);
            previous_end = item_end(item);
            anchor
        })
        .collect()
}

/// The padded widths of a declaration's columns, shared by its alignment group.
#[derive(Clone, Copy, Debug, Default)]
struct Columns {
    /// The identifier.
    id: usize,
    /// A metric's quoted description.
    description: usize,
}

/// The column widths of each declaration: consecutive `role` (or `metric`) lines without a
/// blank line between them align.
fn column_widths(source: &str, items: &[Item], anchors: &[usize]) -> Vec<Columns> {
    let mut widths = vec![Columns::default(); items.len()];
    let mut start = 0;
    while start < items.len() {
        let mut end = start + 1;
        while end < items.len()
            && same_alignment_group(source, &items[end - 1], &items[end], anchors[end])
        {
            end += 1;
        }
        let group = Columns {
            id: items[start..end].iter().map(id_width).max().unwrap_or(0),
            description: items[start..end]
                .iter()
                .map(description_width)
                .max()
                .unwrap_or(0),
        };
        widths[start..end].fill(group);
        start = end;
    }
    widths
}

fn same_alignment_group(source: &str, previous: &Item, next: &Item, next_anchor: usize) -> bool {
    let aligned_kind = matches!(
        (previous, next),
        (Item::Role(_), Item::Role(_)) | (Item::Metric(_), Item::Metric(_))
    ) || matches!((previous, next), (Item::Event(_), Item::Event(_)));
    let end = item_end(previous).min(next_anchor);
    aligned_kind && !has_blank_line(&source[end..next_anchor])
}

fn id_width(item: &Item) -> usize {
    match item {
        Item::Role(role) => width(&role.id.value),
        Item::Metric(metric) => width(&metric.id.value),
        Item::Event(event) => width(&event.id.value),
        _ => 0,
    }
}

fn description_width(item: &Item) -> usize {
    match item {
        Item::Metric(metric) => width(&quoted(&metric.description.value)),
        _ => 0,
    }
}

/// Width in characters.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` padded with spaces to `columns` characters.
fn padded(text: &str, columns: usize) -> String {
    format!("{text:columns$}")
}

/// How a wrapped condition's later lines line up under its first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continuation {
    /// The operator starts under the condition (rules: `when a` / `     and b`).
    OperatorUnderCondition,
    /// The operand after the operator starts under the condition (grades, as in the
    /// language reference: `x when a` / `     and b`).
    OperandUnderCondition,
}

/// The lines being built.
struct Layout<'s> {
    source: &'s str,
    printer: Printer<'s>,
    lines: Vec<Line>,
}

impl Layout<'_> {
    fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    fn item(&mut self, item: &Item, anchor: usize, gap: Gap, columns: Columns) {
        let end = item_end(item);
        let single = |text: String| Line::start(anchor, end, 0, text, gap);
        match item {
            Item::Version(text) => self.push(single(format!("version {}", quoted(&text.value)))),
            Item::Calendar(name) => self.push(single(format!("calendar {}", name.value))),
            Item::Holiday(holiday) => self.push(single(holiday_line(holiday))),
            Item::Role(role) => self.push(single(role_line(role, columns))),
            Item::Metric(metric) => self.push(single(metric_line(metric, columns))),
            Item::Subjects(block) => self.field_block("subjects", block, anchor, gap),
            Item::Concerns(block) => self.field_block("concerns", block, anchor, gap),
            Item::Grade(grade) => self.grade(grade, anchor, gap),
            Item::Rule(rule) => self.rule(rule, anchor, gap),
            Item::Test(test) => self.test(test, anchor, gap),
            Item::Event(event) => self.event(event, anchor, gap, columns),
            Item::Case(case) => self.case(case, anchor, gap),
            Item::Deadline(deadline) => self.deadline(deadline, anchor, gap),
        }
    }

    /// The line that opens a block: `header {`, where the `{` is the first code after
    /// `header_end` in the source.
    fn open_block(&mut self, header: String, anchor: usize, header_end: usize, gap: Gap) {
        let brace = next_code_byte(self.source, header_end);
        let mut line = Line::start(anchor, brace + 1, 0, format!("{header} {{"), gap);
        line.opens_block = true;
        self.push(line);
    }

    /// The `}` that closes a block.
    fn close_block(&mut self, brace: usize) {
        self.push(Line {
            anchor: brace,
            end: brace + 1,
            text: "}".to_string(),
            comment_indent: INDENT,
            place: Place::Close,
            opens_block: false,
        });
    }

    /// The gap before the `index`th line inside a block: none after the `{`, as written after.
    fn inner_gap(index: usize) -> Gap {
        match index {
            0 => Gap::Never,
            _ => Gap::AsWritten,
        }
    }

    fn field_block(&mut self, keyword: &str, block: &FieldBlock, anchor: usize, gap: Gap) {
        self.open_block(keyword.to_string(), anchor, anchor + keyword.len(), gap);
        self.fields(block);
        self.close_block(block.span.end - 1);
    }

    /// The fields of a block, one per line, types aligned.
    fn fields(&mut self, block: &FieldBlock) {
        let name_width = block
            .fields
            .iter()
            .map(|f| width(&f.name.value) + 1)
            .max()
            .unwrap_or(0);
        for (i, field) in block.fields.iter().enumerate() {
            let name = padded(&format!("{}:", field.name.value), name_width);
            let text = format!("{name} {}", type_text(&field.ty.value));
            let (start, end) = (field.name.span.start, field.ty.span.end);
            self.push(Line::start(start, end, INDENT, text, Self::inner_gap(i)));
        }
    }

    fn grade(&mut self, grade: &Grade, anchor: usize, gap: Gap) {
        let mut header = format!("grade {} {}", grade.id.value, quoted(&grade.title.value));
        let mut header_end = grade.title.span.end;
        if let Some(span) = grade.for_each_concern {
            header.push_str(" for each concern");
            header_end = span.end;
        }
        self.open_block(header, anchor, header_end, gap);
        let level_width = grade
            .arms
            .iter()
            .map(|a| width(&a.level.value))
            .max()
            .unwrap_or(0);
        for (i, arm) in grade.arms.iter().enumerate() {
            let level = padded(&arm.level.value, level_width);
            match &arm.condition {
                None => {
                    let text = format!("{level} otherwise");
                    let line = Line::start(
                        arm.span.start,
                        arm.span.end,
                        INDENT,
                        text,
                        Self::inner_gap(i),
                    );
                    self.push(line);
                }
                Some(condition) => self.condition(
                    format!("{level} when "),
                    condition,
                    arm.span,
                    Self::inner_gap(i),
                    Continuation::OperandUnderCondition,
                ),
            }
        }
        self.close_block(grade.span.end - 1);
    }

    fn rule(&mut self, rule: &Rule, anchor: usize, gap: Gap) {
        let header = format!("rule {} {}", rule.id.value, quoted(&rule.title.value));
        self.open_block(header, anchor, rule.title.span.end, gap);
        for (i, clause) in rule.clauses.iter().enumerate() {
            self.clause(clause, Self::inner_gap(i));
        }
        self.close_block(rule.close.start);
    }

    fn clause(&mut self, clause: &Clause, gap: Gap) {
        let text = match &clause.kind {
            ClauseKind::When(condition) | ClauseKind::AppliesTo(condition) => {
                let prefix = format!("{} ", clause.kind.keyword());
                let style = Continuation::OperatorUnderCondition;
                return self.condition(prefix, condition, clause.span, gap, style);
            }
            ClauseKind::Severity(level) => format!("severity {}", level.value),
            ClauseKind::Require(text) => format!("require {}", quoted(&text.value)),
            ClauseKind::Owner(role) => format!("owner {}", role.value),
            ClauseKind::Involve(roles) => format!("involve {}", names(roles)),
            ClauseKind::Due(due) => format!("due {} {}", due.amount.value, due_unit(due)),
            ClauseKind::Replaces(rules) => format!("replaces {}", names(rules)),
            ClauseKind::ForEach { open, case } => match open {
                Some(_) => format!("for each open {}", case.value),
                None => format!("for each {}", case.value),
            },
        };
        self.push(Line::start(
            clause.span.start,
            clause.span.end,
            INDENT,
            text,
            gap,
        ));
    }

    /// A line inside a block that ends with a condition: `prefix` then the condition, wrapped
    /// before each top-level `and`/`or` when it does not fit in [`MAX_WIDTH`] columns or the
    /// author already broke it there.
    fn condition(
        &mut self,
        prefix: String,
        condition: &Expr,
        span: Span,
        gap: Gap,
        style: Continuation,
    ) {
        let one_line = format!("{prefix}{}", self.printer.expr(condition));
        match self.printer.chain(condition) {
            Some(chain) if self.should_wrap(&one_line, &chain) => {
                self.wrapped_condition(prefix, &chain, span, gap, style)
            }
            _ => self.push(Line::start(span.start, span.end, INDENT, one_line, gap)),
        }
    }

    /// Whether a condition goes on one line per top-level part.
    fn should_wrap(&self, one_line: &str, chain: &Chain) -> bool {
        INDENT + width(one_line) > MAX_WIDTH || self.printer.written_across_lines(chain)
    }

    /// A condition on one line per top-level part: the first after `prefix`, each later one
    /// starting with its operator, lined up as `style` says.
    fn wrapped_condition(
        &mut self,
        prefix: String,
        chain: &Chain,
        span: Span,
        gap: Gap,
        style: Continuation,
    ) {
        let column = INDENT + width(&prefix);
        let first = format!("{prefix}{}", self.printer.chain_first(chain));
        let first_end = chain.first.span.end;
        self.push(Line::start(span.start, first_end, INDENT, first, gap));
        let symbol = chain.op.symbol();
        let indent = match style {
            Continuation::OperatorUnderCondition => column,
            Continuation::OperandUnderCondition => column.saturating_sub(symbol.len() + 1),
        };
        for (i, (op, part)) in chain.rest.iter().enumerate() {
            let text = format!("{symbol} {}", self.printer.chain_part(chain, part));
            let last = i + 1 == chain.rest.len();
            let end = if last { span.end } else { part.span.end };
            self.push(Line {
                place: Place::Continuation,
                ..Line::start(op.span.start, end, indent, text, gap)
            });
        }
    }

    fn event(&mut self, event: &EventDecl, anchor: usize, gap: Gap, columns: Columns) {
        let id = padded(&event.id.value, columns.id);
        let description = quoted(&event.description.value);
        let mut header = format!("event {id} {description}");
        let mut header_end = event.description.span.end;
        if let Some(span) = event.once_per_case {
            header.push_str(" once per case");
            header_end = span.end;
        }
        let Some(block) = &event.fields else {
            let end = event.once_per_case.unwrap_or(event.description.span).end;
            self.push(Line::start(
                anchor,
                end,
                0,
                header.trim_end().to_string(),
                gap,
            ));
            return;
        };
        self.open_block(header, anchor, header_end, gap);
        self.fields(block);
        self.close_block(block.span.end - 1);
    }

    fn case(&mut self, case: &CaseDecl, anchor: usize, gap: Gap) {
        let header = format!("case {} {}", case.id.value, quoted(&case.title.value));
        self.open_block(header, anchor, case.title.span.end, gap);
        for (i, item) in case.items.iter().enumerate() {
            let text = match &item.kind {
                CaseItemKind::OpenedBy(kind) => format!("opened by {}", kind.value),
                CaseItemKind::ClosedBy(kinds) => format!("closed by {}", names(kinds)),
                CaseItemKind::Events(kinds) => format!("events {}", names(kinds)),
            };
            let line = Line::start(
                item.span.start,
                item.span.end,
                INDENT,
                text,
                Self::inner_gap(i),
            );
            self.push(line);
        }
        self.close_block(case.close.start);
    }

    fn deadline(&mut self, deadline: &DeadlineDecl, anchor: usize, gap: Gap) {
        let header = format!(
            "deadline {} {}",
            deadline.id.value,
            quoted(&deadline.title.value)
        );
        self.open_block(header, anchor, deadline.title.span.end, gap);
        let mut text = String::new();
        self.printer.write_deadline(&deadline.body, &mut text);
        let body = deadline.body.span;
        self.push(Line::start(body.start, body.end, INDENT, text, Gap::Never));
        self.close_block(deadline.span.end - 1);
    }

    fn test(&mut self, test: &Test, anchor: usize, gap: Gap) {
        self.open_block(
            format!("test {}", quoted(&test.name.value)),
            anchor,
            test.name.span.end,
            gap,
        );
        for (i, statement) in test.statements.iter().enumerate() {
            let text = self.statement(&statement.kind);
            let span = statement.span;
            self.push(Line::start(
                span.start,
                span.end,
                INDENT,
                text,
                Self::inner_gap(i),
            ));
        }
        self.close_block(test.span.end - 1);
    }

    fn statement(&self, statement: &TestStatementKind) -> String {
        match statement {
            TestStatementKind::AsOf(month) => format!("as of {}", month.value),
            TestStatementKind::GivenMetric {
                subject,
                metric,
                values,
            } => {
                let values: Vec<String> = values
                    .iter()
                    .map(|(month, value)| format!("{} = {}", month.value, self.literal(value)))
                    .collect();
                format!(
                    "given {} {} {}",
                    self.subject(subject),
                    metric.value,
                    values.join(", ")
                )
            }
            TestStatementKind::GivenField {
                subject,
                field,
                value,
            } => {
                format!(
                    "given {} {} = {}",
                    self.subject(subject),
                    field.value,
                    self.literal(value)
                )
            }
            TestStatementKind::GivenConcern {
                id,
                subject,
                raised_on,
                fields,
            } => {
                let mut text = format!(
                    "given concern {} about {} on {}",
                    self.subject(id),
                    self.subject(subject),
                    raised_on.value
                );
                text.push_str(&self.with_fields(fields));
                text
            }
            TestStatementKind::GivenEvent {
                id,
                kind,
                subject,
                date,
                case,
                fields,
            } => {
                let mut text = format!(
                    "given event {} {} about {} on {}",
                    self.subject(id),
                    kind.value,
                    self.subject(subject),
                    date.value
                );
                if let Some(case) = case {
                    text.push_str(&format!(" in case {}", self.subject(case)));
                }
                text.push_str(&self.with_fields(fields));
                text
            }
            TestStatementKind::Expect {
                subject,
                expectation,
            } => {
                format!(
                    "expect {} {}",
                    self.subject(subject),
                    self.expectation(expectation)
                )
            }
        }
    }

    /// ` with F = V, ...`, or nothing when there are no fields.
    fn with_fields(&self, fields: &[(Ident, Literal)]) -> String {
        if fields.is_empty() {
            return String::new();
        }
        let fields: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!("{} = {}", name.value, self.literal(value)))
            .collect();
        format!(" with {}", fields.join(", "))
    }

    fn expectation(&self, expectation: &Expectation) -> String {
        let for_case = |case: &Option<Spanned<String>>| match case {
            Some(case) => format!(" for case {}", self.subject(case)),
            None => String::new(),
        };
        match expectation {
            Expectation::Fires { rule, case, due } => {
                let due = due.as_ref().map(|d| format!(" due {}", d.value));
                format!(
                    "{}{}{}",
                    rule.value,
                    for_case(case),
                    due.unwrap_or_default()
                )
            }
            Expectation::Deadline {
                deadline,
                status,
                case,
            } => {
                let mut status_text = String::new();
                self.printer.write_status(&status.value, &mut status_text);
                format!("{} is {status_text}{}", deadline.value, for_case(case))
            }
            Expectation::DoesNotFire { rule } => format!("not {}", rule.value),
            Expectation::Nothing => "nothing".to_string(),
            Expectation::Grade { grade, level } => format!("{} = {}", grade.value, level.value),
        }
    }

    /// A subject or concern id in a test: quoted when the author quoted it (the tree keeps only
    /// the text).
    fn subject(&self, subject: &Spanned<String>) -> String {
        match self.source[subject.span.start..].starts_with('"') {
            true => quoted(&subject.value),
            false => subject.value.clone(),
        }
    }

    fn literal(&self, literal: &Literal) -> String {
        match &literal.kind {
            LiteralKind::Number(text) => text.clone(),
            LiteralKind::Percent(text) => format!("{text}%"),
            LiteralKind::Flag(value) => {
                let written = &self.source[literal.span.start..literal.span.end];
                flag_as_written(written, *value).to_string()
            }
            LiteralKind::Text(text) => quoted(text),
            LiteralKind::Date(date) => date.to_string(),
            LiteralKind::Name(name) => name.clone(),
        }
    }
}

fn holiday_line(holiday: &Holiday) -> String {
    format!(
        "holiday {} {}",
        holiday.date.value,
        quoted(&holiday.reason.value)
    )
}

fn role_line(role: &Role, columns: Columns) -> String {
    format!(
        "role {} {}",
        padded(&role.id.value, columns.id),
        quoted(&role.display.value)
    )
}

fn metric_line(metric: &Metric, columns: Columns) -> String {
    let id = padded(&metric.id.value, columns.id);
    let description = padded(&quoted(&metric.description.value), columns.description);
    let direction = match metric.direction.as_ref().map(|d| d.value) {
        Some(Direction::HigherIsBetter) => ", higher is better",
        Some(Direction::LowerIsBetter) => ", lower is better",
        None => "",
    };
    format!("metric {id} {description} {}{direction}", metric.kind.value)
}

fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(name) => name.clone(),
        TypeExpr::Integer { min, max } => format!("integer {}..{}", min.value, max.value),
        TypeExpr::OneOf(values) => format!("one of {}", names(values)),
    }
}

/// Identifiers separated by commas.
fn names(names: &[Ident]) -> String {
    let names: Vec<&str> = names.iter().map(|n| n.value.as_str()).collect();
    names.join(", ")
}

/// The unit of a `due` clause, singular after a count of one.
fn due_unit(due: &Due) -> &'static str {
    due.unit.value.word(is_one(&due.amount.value))
}

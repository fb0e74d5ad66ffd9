//! One open policy, analysed once per change: its diagnostics (from [`Policy::parse`], as
//! `escalate check` reports them), the syntax tree of every item that parses, and the names
//! it declares, for hover, definitions, references, rename and completion.

use miette::Diagnostic;

use crate::ast::{CaseItemKind, FieldBlock, Item, PolicyFile, Span, TypeExpr};
use crate::diagnostic::{self, Level};
use crate::lines::LineIndex;
use crate::parse;
use crate::policy::Policy;
use crate::schema::Direction;

/// What sort of thing a name names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// `role`
    Role,
    /// `metric`
    Metric,
    /// `grade`
    Grade,
    /// `rule`
    Rule,
    /// A field of subjects, concerns or an event kind.
    Field,
    /// `event`
    Event,
    /// `case`
    Case,
    /// `deadline`
    Deadline,
}

impl NameKind {
    /// The word people use for it.
    pub fn word(self) -> &'static str {
        match self {
            NameKind::Role => "role",
            NameKind::Metric => "metric",
            NameKind::Grade => "grade",
            NameKind::Rule => "rule",
            NameKind::Field => "field",
            NameKind::Event => "event kind",
            NameKind::Case => "case kind",
            NameKind::Deadline => "deadline",
        }
    }
}

/// A name declared in the policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// The name.
    pub name: String,
    /// What it names.
    pub kind: NameKind,
    /// Where it is declared (the name itself).
    pub span: Span,
    /// The whole declaration.
    pub item: Span,
    /// What hovering over it shows (Markdown).
    pub hover: String,
    /// For a grade, its levels, highest first.
    pub levels: Vec<String>,
}

/// One problem, as the editor shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Error or warning.
    pub level: Level,
    /// The stable code (`check::unknown_metric`).
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The primary label: its place and text (`None` for a problem with no place).
    pub primary: Option<(Span, Option<String>)>,
    /// The other labels.
    pub others: Vec<(Span, Option<String>)>,
}

impl Problem {
    /// The name to write instead, when the help is a "did you mean `x`?" suggestion.
    pub fn suggestion(&self) -> Option<&str> {
        let help = self.help.as_deref()?;
        let rest = help.strip_prefix("did you mean `")?;
        rest.strip_suffix("`?")
    }
}

/// An open policy.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its text.
    pub text: String,
    /// Where its lines start.
    pub lines: LineIndex,
    /// Every item that parses.
    pub syntax: PolicyFile,
    /// Its problems, as `escalate check` reports them.
    pub problems: Vec<Problem>,
    /// The names it declares, in file order.
    pub names: Vec<Declared>,
    /// Its items by their text, so that the next version parses only what changed.
    pub cache: parse::ItemCache,
}

impl Document {
    /// Analyses a policy's text; `name` is how diagnostics refer to it.
    pub fn new(name: &str, text: String) -> Document {
        Document::changed(name, text, parse::ItemCache::default())
    }

    /// Analyses a new version of a policy's text, parsing again only the items not in
    /// `cache` (the previous version's).
    pub fn changed(name: &str, text: String, mut cache: parse::ItemCache) -> Document {
        let lines = LineIndex::new(&text);
        let analysis = Policy::analyse_cached(name, text.as_str(), Some(&mut cache));
        let (syntax, problems) = match analysis {
            (Ok(policy), _) => {
                let problems = policy.warnings().iter().map(|w| problem(w)).collect();
                (policy.into_syntax(), problems)
            }
            (Err(error), partial) => {
                let problems = error.problems.iter().map(|p| problem(p)).collect();
                // Only a file that cannot be read has no tree.
                let syntax = partial.unwrap_or_else(|| parse::parse_recovering(&text).policy);
                (syntax, problems)
            }
        };
        let names = declared_names(&syntax, &text);
        Document {
            text,
            lines,
            syntax,
            problems,
            names,
            cache,
        }
    }

    /// The name (or word) at byte `offset`, with its span.
    pub fn word_at(&self, offset: usize) -> Option<(Span, &str)> {
        word_at(&self.text, offset)
    }

    /// The declaration of `name`, if the policy declares it.
    pub fn declaration(&self, name: &str) -> Option<&Declared> {
        self.names.iter().find(|d| d.name == name)
    }

    /// Every place `name` is written as a name (not inside quoted text or a comment).
    pub fn occurrences(&self, name: &str) -> Vec<Span> {
        words(&self.text)
            .filter(|span| &self.text[span.start..span.end] == name)
            .collect()
    }

    /// Byte offset of an LSP position.
    pub fn offset(&self, position: lsp_types::Position) -> usize {
        self.lines.utf16_offset(
            &self.text,
            position.line as usize,
            position.character as usize,
        )
    }

    /// LSP position of a byte offset.
    pub fn position(&self, offset: usize) -> lsp_types::Position {
        let (line, column) = self.lines.utf16_position(&self.text, offset);
        lsp_types::Position::new(line as u32, column as u32)
    }

    /// LSP range of a span.
    pub fn range(&self, span: Span) -> lsp_types::Range {
        lsp_types::Range::new(self.position(span.start), self.position(span.end))
    }
}

fn problem(diagnostic: &dyn Diagnostic) -> Problem {
    let mut labels = diagnostic
        .labels()
        .into_iter()
        .flatten()
        .map(|l| {
            let span = Span::new(l.offset(), l.offset() + l.len());
            (l.primary(), (span, l.label().map(str::to_string)))
        })
        .collect::<Vec<_>>();
    // The primary label, or the first when none is marked (as miette does).
    let primary_at = labels.iter().position(|(p, _)| *p).unwrap_or(0);
    let primary = (!labels.is_empty()).then(|| labels.remove(primary_at).1);
    Problem {
        level: diagnostic::level(diagnostic),
        code: diagnostic.code().map(|c| c.to_string()).unwrap_or_default(),
        message: diagnostic.to_string(),
        help: diagnostic.help().map(|h| h.to_string()),
        primary,
        others: labels.into_iter().map(|(_, l)| l).collect(),
    }
}

/// Every name the policy declares, with what hovering shows.
fn declared_names(syntax: &PolicyFile, text: &str) -> Vec<Declared> {
    let mut names = Vec::new();
    let mut add = |name: &crate::ast::Ident, kind, item: Span, hover: String| {
        names.push(Declared {
            name: name.value.clone(),
            kind,
            span: name.span,
            item,
            hover,
            levels: Vec::new(),
        });
    };
    for item in &syntax.items {
        match item {
            Item::Role(r) => add(
                &r.id,
                NameKind::Role,
                r.span,
                format!("**role** `{}`: {}", r.id.value, r.display.value),
            ),
            Item::Metric(m) => {
                let direction = match m.direction.as_ref().map(|d| d.value) {
                    Some(Direction::HigherIsBetter) => ", higher is better",
                    Some(Direction::LowerIsBetter) => ", lower is better",
                    None => "",
                };
                let hover = format!(
                    "**metric** `{}`: {}\n\nunit: {}{direction}",
                    m.id.value, m.description.value, m.kind.value
                );
                add(&m.id, NameKind::Metric, m.span, hover);
            }
            Item::Subjects(block) => add_fields(&mut add, block, "subjects", text),
            Item::Concerns(block) => add_fields(&mut add, block, "concerns", text),
            Item::Grade(g) => {
                let levels: Vec<String> = g.arms.iter().map(|a| a.level.value.clone()).collect();
                let hover = format!(
                    "**grade** `{}`: {}\n\nlevels, highest first: {}",
                    g.id.value,
                    g.title.value,
                    quoted(&levels)
                );
                add(&g.id, NameKind::Grade, g.span, hover);
            }
            Item::Rule(r) => add(
                &r.id,
                NameKind::Rule,
                r.span,
                format!("**rule** `{}`: {}", r.id.value, r.title.value),
            ),
            Item::Event(e) => {
                let fields = match &e.fields {
                    Some(block) if !block.fields.is_empty() => block
                        .fields
                        .iter()
                        .map(|f| format!("- `{}`: {}", f.name.value, type_text(&f.ty.value)))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => "no fields of its own".to_string(),
                };
                let once = match e.once_per_case {
                    Some(_) => " (once per case)",
                    None => "",
                };
                let hover = format!(
                    "**event kind** `{}`: {}{once}\n\n{fields}",
                    e.id.value, e.description.value
                );
                add(&e.id, NameKind::Event, e.span, hover);
                if let Some(block) = &e.fields {
                    add_fields(&mut add, block, &format!("event `{}`", e.id.value), text);
                }
            }
            Item::Case(c) => {
                let lifecycle = c
                    .items
                    .iter()
                    .map(|i| match &i.kind {
                        CaseItemKind::OpenedBy(k) => format!("- opened by `{}`", k.value),
                        CaseItemKind::ClosedBy(ks) => format!("- closed by {}", quoted_idents(ks)),
                        CaseItemKind::Events(ks) => format!("- events {}", quoted_idents(ks)),
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let hover = format!(
                    "**case kind** `{}`: {}\n\n{lifecycle}",
                    c.id.value, c.title.value
                );
                add(&c.id, NameKind::Case, c.span, hover);
            }
            Item::Deadline(d) => {
                let rule = one_line(&text[d.body.span.start..d.body.span.end]);
                let hover = format!(
                    "**deadline** `{}`: {}\n\n`{rule}`",
                    d.id.value, d.title.value
                );
                add(&d.id, NameKind::Deadline, d.span, hover);
            }
            Item::Version(_) | Item::Calendar(_) | Item::Holiday(_) | Item::Test(_) => {}
        }
    }
    for declared in names.iter_mut().filter(|d| d.kind == NameKind::Grade) {
        declared.levels = grade_levels(syntax, &declared.name);
    }
    names
}

fn grade_levels(syntax: &PolicyFile, name: &str) -> Vec<String> {
    syntax
        .items
        .iter()
        .find_map(|item| match item {
            Item::Grade(g) if g.id.value == name => {
                Some(g.arms.iter().map(|a| a.level.value.clone()).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn add_fields(
    add: &mut impl FnMut(&crate::ast::Ident, NameKind, Span, String),
    block: &FieldBlock,
    owner: &str,
    text: &str,
) {
    for field in &block.fields {
        let declared_as = &text[field.ty.span.start..field.ty.span.end];
        let hover = format!(
            "**field** `{}` of {owner}: {}",
            field.name.value,
            one_line(declared_as)
        );
        add(&field.name, NameKind::Field, block.span, hover);
    }
}

fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(name) => name.clone(),
        TypeExpr::Integer { min, max } => format!("integer {}..{}", min.value, max.value),
        TypeExpr::OneOf(values) => format!("one of {}", quoted_idents(values)),
    }
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted_idents(idents: &[crate::ast::Ident]) -> String {
    idents
        .iter()
        .map(|i| format!("`{}`", i.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text written over several lines, on one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a character can be part of a name or word.
pub fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The word around byte `offset` (touching it on either side), with its span.
pub fn word_at(text: &str, offset: usize) -> Option<(Span, &str)> {
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .find(|c: char| !is_word_char(c))
        .map_or(text.len(), |i| offset + i);
    (start < end).then(|| (Span::new(start, end), &text[start..end]))
}

/// The spans of every word outside quoted text and comments, in order.
pub fn words(text: &str) -> impl Iterator<Item = Span> + '_ {
    let mut spans = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            c if is_word_char(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, c)) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    end = j + c.len_utf8();
                    chars.next();
                }
                spans.push(Span::new(i, end));
            }
            _ => {}
        }
    }
    spans.into_iter()
}

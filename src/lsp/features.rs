//! What the server answers, as plain functions of a [`Document`]: no I/O, so each is tested
//! on its own.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CompletionItem, CompletionItemKind, DiagnosticRelatedInformation,
    DiagnosticSeverity, DocumentSymbol, FoldingRange, Hover, HoverContents, InsertTextFormat,
    Location, MarkupContent, MarkupKind, NumberOrString, Position, Range, SymbolKind, TextEdit,
    Url, WorkspaceEdit,
};

use super::document::{is_word_char, Declared, Document, NameKind};
use super::words;
use crate::ast::{Item, Span};
use crate::diagnostic::Level;

/// The document's problems as LSP diagnostics: the help after the message, the other labels
/// as related information.
pub fn diagnostics(doc: &Document, uri: &Url) -> Vec<lsp_types::Diagnostic> {
    doc.problems
        .iter()
        .map(|p| {
            let (range, label) = match &p.primary {
                Some((span, label)) => (doc.range(*span), label.clone()),
                None => (Range::default(), None),
            };
            let mut message = p.message.clone();
            if let Some(label) = label.filter(|l| !p.message.contains(l.as_str())) {
                message.push_str(&format!(" ({label})"));
            }
            if let Some(help) = &p.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = p
                .others
                .iter()
                .map(|(span, label)| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), doc.range(*span)),
                    message: label.clone().unwrap_or_else(|| "here".to_string()),
                })
                .collect();
            lsp_types::Diagnostic {
                range,
                severity: Some(match p.level {
                    Level::Error => DiagnosticSeverity::ERROR,
                    Level::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(p.code.clone())),
                source: Some("escalate".to_string()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Default::default()
            }
        })
        .collect()
}

/// The declaration under the cursor, if the word there is a declared name.
fn declared_at(doc: &Document, position: Position) -> Option<&Declared> {
    let (_, word) = doc.word_at(doc.offset(position))?;
    doc.declaration(word)
}

/// What hovering shows: a declared name's details, or a word's meaning.
pub fn hover(doc: &Document, position: Position) -> Option<Hover> {
    let (span, word) = doc.word_at(doc.offset(position))?;
    let text = match doc.declaration(word) {
        Some(declared) => declared.hover.clone(),
        None => format!("`{word}`: {}", words::meaning(word)?),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.range(span)),
    })
}

/// Where the name under the cursor is declared.
pub fn definition(doc: &Document, uri: &Url, position: Position) -> Option<Location> {
    let declared = declared_at(doc, position)?;
    Some(Location::new(uri.clone(), doc.range(declared.span)))
}

/// Every place the name under the cursor is written (with its declaration, if asked).
pub fn references(
    doc: &Document,
    uri: &Url,
    position: Position,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(declared) = declared_at(doc, position) else {
        return Vec::new();
    };
    doc.occurrences(&declared.name)
        .into_iter()
        .filter(|span| include_declaration || *span != declared.span)
        .map(|span| Location::new(uri.clone(), doc.range(span)))
        .collect()
}

/// Why a rename cannot be done.
#[derive(Debug, PartialEq, Eq)]
pub struct RenameRefused(pub String);

/// Renames the name under the cursor everywhere in the file.
pub fn rename(
    doc: &Document,
    uri: &Url,
    position: Position,
    new_name: &str,
) -> Result<WorkspaceEdit, RenameRefused> {
    let declared = declared_at(doc, position).ok_or_else(|| {
        RenameRefused("only a role, metric, grade, rule, field, event kind, case kind or deadline declared in this policy can be renamed".to_string())
    })?;
    if !is_name(new_name) {
        return Err(RenameRefused(format!(
            "`{new_name}` is not a name: use lower-case letters, digits and `_`, starting with a letter or `_`"
        )));
    }
    if let Some(other) = doc.declaration(new_name) {
        return Err(RenameRefused(format!(
            "`{new_name}` is already the name of a {}",
            other.kind.word()
        )));
    }
    let edits = doc
        .occurrences(&declared.name)
        .into_iter()
        .map(|span| TextEdit::new(doc.range(span), new_name.to_string()))
        .collect();
    Ok(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    })
}

fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && words::meaning(text).is_none()
}

/// What can be written at the cursor.
pub fn completion(doc: &Document, position: Position) -> Vec<CompletionItem> {
    let offset = doc.offset(position);
    let line_start = doc.lines.line_start(doc.lines.line_of(offset));
    let line = &doc.text[line_start..offset];
    // What comes before the word being typed.
    let before = line.trim_end_matches(is_word_char);
    let words_before: Vec<&str> = before
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let first = words_before.first().copied().unwrap_or("");
    let last = words_before.last().copied().unwrap_or("");
    let names = |kinds: &[NameKind]| -> Vec<CompletionItem> {
        doc.names
            .iter()
            .filter(|d| kinds.contains(&d.kind))
            .map(name_item)
            .collect()
    };
    if words_before.is_empty() {
        return match enclosing_item(doc, offset) {
            Some(Item::Rule(_)) => keyword_items(words::CLAUSE_WORDS),
            Some(Item::Test(_)) => keyword_items(words::TEST_WORDS),
            Some(Item::Grade(g)) => {
                let mut items = keyword_items(&["when", "otherwise"]);
                items.extend(g.arms.iter().map(|a| plain(&a.level.value, "level")));
                items
            }
            _ => {
                let mut items = keyword_items(words::ITEM_WORDS);
                items.extend(snippets());
                items
            }
        };
    }
    match (first, last) {
        ("owner", _) | ("involve", _) => return names(&[NameKind::Role]),
        ("replaces", _) => return names(&[NameKind::Rule]),
        ("due", _) if last.chars().all(|c| c.is_ascii_digit()) => {
            return keyword_items(words::DUE_UNITS)
        }
        ("metric", _) if before.trim_end().ends_with('"') => {
            return keyword_items(words::METRIC_KINDS)
        }
        ("metric", _) if before.trim_end().ends_with(',') => {
            return keyword_items(&["higher is better", "lower is better"])
        }
        _ => {}
    }
    if let Some(levels) = grade_comparison(doc, before) {
        return levels.iter().map(|l| plain(l, "level")).collect();
    }
    if words_before.contains(&"where") {
        let mut items = names(&[NameKind::Field]);
        items.extend(keyword_items(&["and", "or", "not", "in"]));
        return items;
    }
    let mut items = names(&[
        NameKind::Metric,
        NameKind::Grade,
        NameKind::Field,
        NameKind::Event,
        NameKind::Deadline,
    ]);
    items.extend(keyword_items(words::CONDITION_WORDS));
    items
}

/// The levels of the grade compared just before the cursor (`pattern = `, `pattern >= `,
/// `pattern in [`).
fn grade_comparison<'d>(doc: &'d Document, before: &str) -> Option<&'d [String]> {
    let trimmed = before.trim_end();
    let rest = ["in [", ">=", "<=", "!=", "=", "<", ">", "in [ ", ","]
        .iter()
        .find_map(|op| trimmed.strip_suffix(op))?;
    let rest = rest.trim_end();
    // Inside a list, the grade comes before its `in [`.
    let rest = match rest.rfind(" in [") {
        Some(at) if !rest[at..].contains(']') => &rest[..at],
        _ => rest.strip_suffix(" in").unwrap_or(rest),
    };
    let start = rest.rfind(|c: char| !is_word_char(c)).map_or(0, |i| i + 1);
    let declared = doc.declaration(&rest[start..])?;
    (declared.kind == NameKind::Grade).then_some(declared.levels.as_slice())
}

fn enclosing_item(doc: &Document, offset: usize) -> Option<&Item> {
    doc.syntax
        .items
        .iter()
        .find(|item| item_span(item).is_some_and(|s| s.start < offset && offset <= s.end))
}

fn item_span(item: &Item) -> Option<Span> {
    Some(match item {
        Item::Rule(r) => r.span,
        Item::Grade(g) => g.span,
        Item::Test(t) => t.span,
        Item::Role(r) => r.span,
        Item::Metric(m) => m.span,
        Item::Subjects(b) | Item::Concerns(b) => b.span,
        Item::Event(e) => e.span,
        Item::Case(c) => c.span,
        Item::Deadline(d) => d.span,
        Item::Holiday(h) => h.span,
        Item::Version(v) => v.span,
        Item::Calendar(c) => c.span,
    })
}

fn name_item(declared: &Declared) -> CompletionItem {
    CompletionItem {
        label: declared.name.clone(),
        kind: Some(match declared.kind {
            NameKind::Role => CompletionItemKind::CONSTANT,
            NameKind::Metric => CompletionItemKind::VARIABLE,
            NameKind::Grade => CompletionItemKind::ENUM,
            NameKind::Rule => CompletionItemKind::FUNCTION,
            NameKind::Field => CompletionItemKind::FIELD,
            NameKind::Event => CompletionItemKind::EVENT,
            NameKind::Case => CompletionItemKind::CLASS,
            NameKind::Deadline => CompletionItemKind::CONSTANT,
        }),
        detail: Some(declared.kind.word().to_string()),
        ..Default::default()
    }
}

fn plain(label: &str, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::ENUM_MEMBER),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

fn keyword_items(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| CompletionItem {
            label: w.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: words::meaning(w.split(' ').next().unwrap_or(w)).map(str::to_string),
            ..Default::default()
        })
        .collect()
}

fn snippets() -> Vec<CompletionItem> {
    let snippet = |label: &str, body: &str| CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..Default::default()
    };
    vec![
        snippet(
            "new rule",
            "rule ${1:name} \"${2:Title}\" {\n  when ${3:condition}\n  severity ${4:moderate}\n  require \"${5:Action}\"\n  owner ${6:role}\n  due ${7:10} working days\n}\n",
        ),
        snippet(
            "new grade",
            "grade ${1:name} \"${2:Title}\" {\n  ${3:high} when ${4:condition}\n  ${5:low} otherwise\n}\n",
        ),
    ]
}

/// The whole file in `escalate fmt`'s layout (nothing when it does not parse, or is already so).
pub fn formatting(doc: &Document) -> Vec<TextEdit> {
    match crate::fmt::format_source(&doc.text) {
        Ok(formatted) if formatted != doc.text => vec![TextEdit::new(
            doc.range(Span::new(0, doc.text.len())),
            formatted,
        )],
        _ => Vec::new(),
    }
}

/// The outline: every declaration, rule and grade, in file order.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
pub fn symbols(doc: &Document) -> Vec<DocumentSymbol> {
    doc.names
        .iter()
        .filter(|d| d.kind != NameKind::Field)
        .map(|d| DocumentSymbol {
            name: d.name.clone(),
            detail: Some(d.kind.word().to_string()),
            kind: match d.kind {
                NameKind::Rule => SymbolKind::FUNCTION,
                NameKind::Grade => SymbolKind::ENUM,
                NameKind::Metric => SymbolKind::VARIABLE,
                NameKind::Role | NameKind::Deadline => SymbolKind::CONSTANT,
                NameKind::Event => SymbolKind::EVENT,
                NameKind::Case => SymbolKind::CLASS,
                NameKind::Field => SymbolKind::FIELD,
            },
            tags: None,
            deprecated: None,
            range: doc.range(d.item),
            selection_range: doc.range(d.span),
            children: None,
        })
        .collect()
}

/// Every item that spans more than one line can be folded.
pub fn folding(doc: &Document) -> Vec<FoldingRange> {
    doc.syntax
        .items
        .iter()
        .filter_map(item_span)
        .filter_map(|span| {
            let start = doc.lines.line_of(span.start) as u32;
            let end = doc.lines.line_of(span.end) as u32;
            (end > start).then(|| FoldingRange {
                start_line: start,
                end_line: end,
                ..Default::default()
            })
        })
        .collect()
}

/// One-click fixes for the "did you mean" suggestions whose problem touches `range`.
pub fn code_actions(doc: &Document, uri: &Url, range: Range) -> Vec<CodeAction> {
    let (from, to) = (doc.offset(range.start), doc.offset(range.end));
    doc.problems
        .iter()
        .filter_map(|p| {
            let (span, _) = p.primary.as_ref()?;
            let fix = p.suggestion()?;
            (span.start <= to && from <= span.end).then(|| {
                let edit = TextEdit::new(doc.range(*span), fix.to_string());
                CodeAction {
                    title: format!("Change to `{fix}`"),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(diagnostics_of(doc, uri, p)),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                }
            })
        })
        .collect()
}

fn diagnostics_of(
    doc: &Document,
    uri: &Url,
    problem: &super::document::Problem,
) -> Vec<lsp_types::Diagnostic> {
    let index = doc.problems.iter().position(|p| p == problem);
    let all = diagnostics(doc, uri);
    index.map(|i| vec![all[i].clone()]).unwrap_or_default()
}

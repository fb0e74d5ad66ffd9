//! Common slips, recognised where the parse stopped: each gets a message that names the slip
//! and a help that shows the line as it should be written.

use miette::LabeledSpan;

use super::errors::At;
use super::{scan, ParseError, Rule, RESERVED};
use crate::ast::Span;

/// The slip at the stop, if it is one of the common ones.
pub(super) fn recognise(cx: &At) -> Option<ParseError> {
    const RECOGNISERS: &[fn(&At) -> Option<ParseError>] = &[
        number_with_exponent,
        unclosed_brace,
        upper_case_word,
        number_in_words,
        display_name_unquoted,
        colon_after_keyword,
        out_of_the_last,
        percent_in_words,
        symbol_comparison,
        space_before_percent,
        in_a_row,
        due_in,
        single_quotes,
        operator_from_elsewhere,
        unknown_function,
        reserved_word_as_name,
        display_name_as_role,
        direction_without_comma,
        working_weeks,
        names_without_commas,
        policy_line_twice,
        date_not_year_first,
        newer_language,
    ];
    RECOGNISERS.iter().find_map(|recognise| recognise(cx))
}

fn slip(message: String, span: Span, label: &str, help: String) -> ParseError {
    ParseError::Unexpected {
        message,
        span,
        label: label.to_string(),
        others: Vec::new(),
        help: Some(help),
    }
}

// ------------------------------------------------------------------ numbers

/// `1e3` or `2.5E-2` where the parse stopped (at its start, or inside it): numbers in a
/// policy, as in the data, are written out in full.
fn number_with_exponent(cx: &At) -> Option<ParseError> {
    let bytes = cx.source.as_bytes();
    let is_number_byte = |b: u8| b.is_ascii_digit() || b == b'.';
    let mut start = cx.at.min(bytes.len());
    while start > 0 && is_number_byte(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = start;
    while end < bytes.len() && is_number_byte(bytes[end]) {
        end += 1;
    }
    if end == start || !bytes[start..end].iter().any(u8::is_ascii_digit) {
        return None;
    }
    if !matches!(bytes.get(end), Some(b'e' | b'E')) {
        return None;
    }
    end += 1;
    if matches!(bytes.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = bytes[end..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || end + digits < cx.at {
        return None;
    }
    let end = end + digits;
    let written = &cx.source[start..end];
    Some(slip(
        format!(
            "`{}` is written with an exponent",
            crate::quote::shorten(written)
        ),
        Span::new(start, end),
        "written with an exponent",
        crate::number::EXPONENT_HELP.to_string(),
    ))
}

// ------------------------------------------------------------------ people's ways of writing

/// `AND`, `OR`, `NOT` (and other words of the language) in capitals, as spreadsheet formulas
/// write them.
fn upper_case_word(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let lower = found.to_ascii_lowercase();
    let capitals = found.len() > 1 && found.bytes().all(|b| b.is_ascii_uppercase());
    let capitalised = found.as_bytes()[0].is_ascii_uppercase()
        && found[1..].bytes().all(|b| b.is_ascii_lowercase());
    let keyword = RESERVED.contains(&lower.as_str())
        || ((capitals || capitalised)
            && (DECLARATIONS.contains(&lower.as_str()) || CLAUSES.contains(&lower.as_str())));
    if !(capitals || capitalised) || found == lower || !keyword {
        return None;
    }
    let span = cx.found_span();
    let mut help = format!("the words of the language are written in lower case: `{lower}`");
    if let Some(line) = rewritten_line(cx, span, &lower) {
        help.push_str(&format!(", as in `{line}`"));
    }
    Some(slip(
        format!("write `{lower}` in lower case, not `{found}`"),
        span,
        &format!("write `{lower}`"),
        help,
    ))
}

/// `due five working days`: a number in words.
fn number_in_words(cx: &At) -> Option<ParseError> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let found = cx.found?;
    let n = WORDS.iter().position(|w| w.eq_ignore_ascii_case(found))?;
    if !cx.expects(Rule::integer) {
        return None;
    }
    let span = cx.found_span();
    let mut help = format!("write the number in digits: `{n}`");
    if let Some(line) = rewritten_line(cx, span, &n.to_string()) {
        help.push_str(&format!(", as in `{line}`"));
    }
    Some(slip(
        format!("write numbers in digits: `{n}`, not `{found}`"),
        span,
        &format!("write `{n}`"),
        help,
    ))
}

/// `owner Medical Lead`: a role's display name, unquoted, where its id goes.
fn display_name_unquoted(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let keyword = cx.first_word_of_line();
    if !matches!(keyword, "owner" | "involve") || !found.starts_with(|c: char| c.is_uppercase()) {
        return None;
    }
    let line_start = cx.line_start(cx.at);
    let rest = cx.line()[cx.at - line_start..].trim_end();
    let name = rest.split(',').next()?.trim();
    let id = role_with_display_name(cx.source, name)?;
    let span = Span::new(cx.at, cx.at + name.len());
    Some(slip(
        format!("`{name}` is the display name of the role `{id}`; write its id"),
        span,
        "a display name, not an id",
        format!("write the role's id: `{keyword} {id}`"),
    ))
}

/// `when: ...`, `owner: ...`: a colon after a clause's word.
fn colon_after_keyword(cx: &At) -> Option<ParseError> {
    if cx.found != Some(":") {
        return None;
    }
    let (_, word) = cx.word_before()?;
    if !CLAUSES.contains(&word) && !DECLARATIONS.contains(&word) && word != "to" {
        return None;
    }
    let span = cx.found_span();
    let mut help = format!("write the clause without a colon after `{word}`");
    if let Some(line) = rewritten_line(cx, span, "") {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("no colon after `{word}`"),
        span,
        "leave out the colon",
        help,
    ))
}

/// `in 2 out of the last 3 months`, where the language says `in 2 of the last 3 months`.
fn out_of_the_last(cx: &At) -> Option<ParseError> {
    let line_start = cx.line_start(cx.at);
    let line = cx.line();
    let at = line.find(" out of the last ")?;
    let span = Span::new(line_start + at + 1, line_start + at + " out of".len());
    if cx.at + 1 < line_start + line[..at].rfind(" in ")? {
        return None;
    }
    let mut help = "write `in K of the last N months`".to_string();
    if let Some(fixed) = rewritten_line(cx, span, "of") {
        help.push_str(&format!(": `{fixed}`"));
    }
    Some(slip(
        "`out of the last` is written `of the last`".to_string(),
        span,
        "write `of`",
        help,
    ))
}

/// `80 percent`, where the language says `80%`.
fn percent_in_words(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    if !matches!(found, "percent" | "per") {
        return None;
    }
    let (start, number) = cx.word_before()?;
    if !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let end = match found {
        "per" => {
            let rest = &cx.source[cx.at + 3..];
            let cent = rest.trim_start_matches([' ', '\t']);
            if !cent.starts_with("cent") {
                return None;
            }
            cx.at + 3 + (rest.len() - cent.len()) + 4
        }
        _ => cx.at + found.len(),
    };
    let span = Span::new(start, end);
    let mut help = format!("write `{number}%`");
    if let Some(line) = rewritten_line(cx, span, &format!("{number}%")) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("write a percentage with `%`: `{number}%`"),
        span,
        &format!("write `{number}%`"),
        help,
    ))
}

/// `≤`, `≥` and `≠`, as a word processor writes them.
fn symbol_comparison(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let operator = match found {
        "≤" => "<=",
        "≥" => ">=",
        "≠" => "!=",
        _ => return None,
    };
    let span = cx.found_span();
    let mut help = format!("write `{operator}` with the keyboard's own characters");
    if let Some(line) = rewritten_line(cx, span, operator) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("`{found}` is not an operator here; write `{operator}`"),
        span,
        &format!("write `{operator}`"),
        help,
    ))
}

/// `80.5 %`: a space between a number and its percent sign.
fn space_before_percent(cx: &At) -> Option<ParseError> {
    if cx.found != Some("%") {
        return None;
    }
    let before = &cx.source[..cx.at];
    let number = before.trim_end_matches([' ', '\t']);
    if number.len() == before.len() {
        return None;
    }
    let (start, word) = super::errors::trailing_word(number);
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let span = Span::new(start, cx.at + 1);
    let written = &cx.source[span.start..span.end];
    let mut help = format!("write `{word}%`, with no space before `%`");
    if let Some(line) = rewritten_line(cx, span, &format!("{word}%")) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("`{written}` has a space before `%`; write `{word}%`"),
        span,
        &format!("write `{word}%`"),
        help,
    ))
}

/// `for 3 months in a row`, where the language says `for 3 consecutive months`.
fn in_a_row(cx: &At) -> Option<ParseError> {
    let line_start = cx.line_start(cx.at);
    let line = cx.line();
    let phrase_end = line.find(" in a row")? + " in a row".len();
    let head = &line[..phrase_end - " in a row".len()];
    let months_at = head.trim_end().rfind(' ')? + 1;
    let unit = head[months_at..].trim_end();
    if !matches!(unit, "months" | "month") {
        return None;
    }
    let (count_at, count) = super::errors::trailing_word(head[..months_at].trim_end());
    let for_at = head[..count_at].trim_end().strip_suffix("for")?.len();
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let span = Span::new(line_start + for_at, line_start + phrase_end);
    if cx.at < span.start || cx.at > span.end {
        return None;
    }
    let fixed = format!("for {count} consecutive months");
    let mut help = format!("write `{fixed}`");
    if let Some(line) = rewritten_line(cx, span, &fixed) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("`for {count} {unit} in a row` is written `{fixed}`"),
        span,
        &format!("write `{fixed}`"),
        help,
    ))
}

/// `due in 3 working days`: the span follows `due` directly.
fn due_in(cx: &At) -> Option<ParseError> {
    if cx.found != Some("in") || cx.word_before().map(|(_, w)| w) != Some("due") {
        return None;
    }
    let after = &cx.source[cx.at + 2..];
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    let span = Span::new(cx.at, cx.at + 2 + spaces);
    let mut help = "write the time allowed straight after `due`".to_string();
    if let Some(line) = rewritten_line(cx, span, "") {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        "write `due` and then the time allowed, without `in`".to_string(),
        span,
        "leave out `in`",
        help,
    ))
}

/// `'Call-backs below 80%'`: text in single quotes.
fn single_quotes(cx: &At) -> Option<ParseError> {
    if cx.found != Some("'") {
        return None;
    }
    let rest = &cx.line()[cx.at - cx.line_start(cx.at) + 1..];
    let inner = &rest[..rest.find('\'')?];
    if inner.contains('"') {
        return None;
    }
    let span = Span::new(cx.at, cx.at + inner.len() + 2);
    let fixed = format!("\"{inner}\"");
    let mut help = format!("write `{fixed}`");
    if let Some(line) = rewritten_line(cx, span, &fixed) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        "text is written in double quotes (`\"`), not single quotes (`'`)".to_string(),
        span,
        "write this in double quotes",
        help,
    ))
}

// ------------------------------------------------------------------ newer versions

/// The version of the language this escalate reads (reference §1 to §18).
const LANGUAGE_VERSION: u32 = 1;

/// The words that start a declaration, and those that start a rule's clause.
const DECLARATIONS: &[&str] = &[
    "policy", "version", "calendar", "holiday", "role", "metric", "subjects", "concerns", "grade",
    "rule", "test", "event", "case", "deadline",
];
const CLAUSES: &[&str] = &[
    "when", "applies", "severity", "require", "owner", "involve", "due", "replaces", "for",
];

/// A word starting a line where a declaration or a rule's clause goes, that is no slip of a
/// known one: most likely a construct of a later version of the language.
fn newer_language(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let is_word = found.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !is_word || !cx.line_before().trim().is_empty() {
        return None;
    }
    let (what, known) = if cx.expects(Rule::role_decl) {
        ("declaration", DECLARATIONS)
    } else if cx.expects(Rule::when_clause) {
        ("rule clause", CLAUSES)
    } else {
        return None;
    };
    if crate::suggest::closest(found, known.iter().copied()).is_some() {
        return None;
    }
    Some(slip(
        format!(
            "`{found}` is not a {what} of version {LANGUAGE_VERSION} of the policy language, the \
             version this escalate reads"
        ),
        cx.found_span(),
        &format!("not a {what} this escalate knows"),
        format!(
            "if the policy was written for a newer version of the language, update escalate \
             (`escalate --version` says which release this is); otherwise, a {what} starts with \
             one of {}",
            crate::suggest::quoted_list(known)
        ),
    ))
}

// ------------------------------------------------------------------ operators

/// `==`, `&&`, `||`, `!`, `<>`, `=>` and `=<`, as other languages write them.
fn operator_from_elsewhere(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let after = cx.source.as_bytes().get(cx.at + 1).copied();
    let before = previous_symbol(cx);
    match (before.map(|(_, b)| b), found, after) {
        (_, "&", Some(b'&')) => joiner(cx, 2, "and"),
        (_, "&", _) => joiner(cx, 1, "and"),
        (_, "|", Some(b'|')) => joiner(cx, 2, "or"),
        (_, "|", _) => joiner(cx, 1, "or"),
        (_, "!", _) => not_slip(cx),
        (Some(b'='), "=", _) => comparison(cx, before?.0, "=", "write a single `=`"),
        (Some(b'<'), ">", _) => comparison(cx, before?.0, "!=", "write `!=`"),
        (Some(b'='), ">", _) => comparison(cx, before?.0, ">=", "write `>=`"),
        (Some(b'='), "<", _) => comparison(cx, before?.0, "<=", "write `<=`"),
        _ => None,
    }
}

/// The symbol just before the stop on its line, if it is `=` or `<`, with where it is.
fn previous_symbol(cx: &At) -> Option<(usize, u8)> {
    let before = cx.line_before().trim_end();
    let last = *before.as_bytes().last()?;
    matches!(last, b'=' | b'<').then(|| (cx.line_start(cx.at) + before.len() - 1, last))
}

/// `&&` or `||` (`len` bytes) where `and` or `or` joins conditions.
fn joiner(cx: &At, len: usize, word: &str) -> Option<ParseError> {
    let span = Span::new(cx.at, cx.at + len);
    let written = &cx.source[span.start..span.end];
    let mut help = format!("join conditions with `{word}`, not `{written}`");
    if let Some(line) = rewritten_line(cx, span, word) {
        help.push_str(&format!(": `{line}`"));
    }
    Some(slip(
        format!("`{written}` is not an operator here; join conditions with `{word}`"),
        span,
        &format!("write `{word}`"),
        help,
    ))
}

/// `!` where `not` is meant.
fn not_slip(cx: &At) -> Option<ParseError> {
    let span = Span::new(cx.at, cx.at + 1);
    let spaced = cx.source[cx.at + 1..].starts_with([' ', '\t']);
    let replacement = if spaced { "not" } else { "not " };
    let help = match rewritten_line(cx, span, replacement) {
        Some(line) => format!("write `not` before the condition: `{line}`"),
        None => "write `not` before the condition, as in `not patient_safety`".to_string(),
    };
    Some(slip(
        "`!` is not an operator here; write `not`".to_string(),
        span,
        "write `not`",
        help,
    ))
}

/// A comparison written with two symbols (`==`, `<>`, `=>`, `=<`) where `operator` is meant.
fn comparison(cx: &At, start: usize, operator: &str, fix: &str) -> Option<ParseError> {
    let span = Span::new(start, cx.at + 1);
    let written = &cx.source[span.start..span.end];
    let left = word_ending_at(cx.source, start);
    let right = cx.word_after(cx.at + 1);
    let help = match (left, right) {
        (Some(l), Some(r)) => format!("write it as `{l} {operator} {r}`"),
        _ => format!("{fix}, as in `staff_group {operator} gp`"),
    };
    Some(slip(
        format!("`{written}` is not an operator here; {fix}"),
        span,
        fix,
        help,
    ))
}

/// The name or number ending just before byte `end` (spaces between allowed).
fn word_ending_at(source: &str, end: usize) -> Option<&str> {
    let before = source.get(..end)?.trim_end_matches([' ', '\t']);
    let (_, word) = super::errors::trailing_word(before);
    (!word.is_empty()).then_some(word)
}

/// The stop's line with `span` replaced, when short enough to show in full.
fn rewritten_line(cx: &At, span: Span, with: &str) -> Option<String> {
    let start = cx.line_start(cx.at);
    let line = cx.line();
    let fixed = format!(
        "{}{with}{}",
        &line[..span.start - start],
        line.get(span.end - start..).unwrap_or("")
    );
    let fixed = fixed.trim().to_string();
    (fixed.len() <= 80).then_some(fixed)
}

// ------------------------------------------------------------------ functions

const FUNCTIONS: [&str; 7] = ["average", "min", "max", "sum", "count", "any", "all"];

/// Other names for the functions, as people write them elsewhere.
const FUNCTION_SYNONYMS: &[(&str, &str)] = &[
    ("mean", "average"),
    ("avg", "average"),
    ("minimum", "min"),
    ("maximum", "max"),
    ("total", "sum"),
    ("number", "count"),
    ("num", "count"),
    ("some", "any"),
    ("exists", "any"),
    ("every", "all"),
];

/// A name followed by `(` that is not one of the functions.
fn unknown_function(cx: &At) -> Option<ParseError> {
    if cx.found != Some("(") || !cx.expects(Rule::and_op) {
        return None;
    }
    let (start, word) = cx.word_before()?;
    if !word.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        return None;
    }
    let best = FUNCTION_SYNONYMS
        .iter()
        .find(|(other, _)| *other == word)
        .map(|(_, f)| *f)
        .or_else(|| crate::suggest::closest(word, FUNCTIONS));
    let list = "the functions are `average`, `min`, `max` and `sum` over a metric, as in \
                `average(callbacks over last 3 months)`, and `count`, `any` and `all` over concerns";
    let help = match best {
        Some(f) => format!("did you mean `{f}`? ({list})"),
        None => list.to_string(),
    };
    Some(slip(
        format!("there is no function `{word}`"),
        Span::new(start, start + word.len()),
        "not a function",
        help,
    ))
}

// ------------------------------------------------------------------ names

/// A reserved word where a name is expected: `rule last "..."`.
fn reserved_word_as_name(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let structural = matches!(found, "when" | "otherwise" | "not");
    if !cx.expects(Rule::ident) || !RESERVED.contains(&found) || structural {
        return None;
    }
    let kind = match cx.first_word_of_line() {
        w @ ("rule" | "role" | "metric" | "grade") => w,
        "owner" | "involve" => "role",
        "replaces" => "rule",
        w if w.trim_end_matches(':') == found => "field",
        _ => "name",
    };
    let mut examples = vec![format!("`{found}_{kind}`")];
    if !found.starts_with("month") {
        examples.insert(0, format!("`{found}_month`"));
    }
    Some(slip(
        format!("`{found}` is a reserved word and cannot be a name"),
        cx.found_span(),
        "reserved word",
        format!(
            "rename it, for example {}: `{found}` has its own meaning in the language",
            examples.join(" or ")
        ),
    ))
}

/// A role's display name (in quotes) where its id is expected: `owner "Operations Manager"`.
fn display_name_as_role(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let keyword = cx.first_word_of_line();
    let is_role_place = matches!(keyword, "owner" | "involve");
    if !found.starts_with('"') || !cx.expects(Rule::ident) || !is_role_place {
        return None;
    }
    let display = found.trim_matches('"');
    let (label, help) = match role_with_display_name(cx.source, display) {
        Some(id) => (
            "a display name, not an id",
            format!("write the role's id, not its display name: `{keyword} {id}`"),
        ),
        None => (
            "quoted text, not an id",
            "write the role's id, the name after `role` where it is declared, without quotes"
                .to_string(),
        ),
    };
    Some(slip(
        format!(
            "expected a role's id, found the quoted text {}",
            cx.found_words()
        ),
        cx.found_span(),
        label,
        help,
    ))
}

/// The id of the role declared with this display name (`role ID "Display name"`).
fn role_with_display_name<'s>(source: &'s str, display: &str) -> Option<&'s str> {
    source.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("role")?;
        let (id, name) = rest.trim_start().split_once(char::is_whitespace)?;
        let name = name.trim().strip_prefix('"')?.split('"').next()?;
        name.trim()
            .eq_ignore_ascii_case(display.trim())
            .then_some(id)
    })
}

// ------------------------------------------------------------------ lists and clauses

/// `percent higher is better`, without the comma before the direction.
fn direction_without_comma(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    if !matches!(found, "higher" | "lower") || cx.first_word_of_line() != "metric" {
        return None;
    }
    let phrase = format!("{found} is better");
    let written = cx.source[cx.at..].starts_with(&phrase);
    let shown = if written { phrase.as_str() } else { found };
    let kind = cx.word_before().map_or("percent", |(_, w)| w);
    Some(slip(
        format!("expected `,` before `{shown}`"),
        Span::new(cx.at, cx.at + shown.len()),
        "add `,` before this",
        format!("write `{kind}, {phrase}`"),
    ))
}

/// `due 2 working weeks`: only days can be working days.
fn working_weeks(cx: &At) -> Option<ParseError> {
    if cx.found != Some("working") || !cx.expects(Rule::due_unit) {
        return None;
    }
    let after = cx.at + "working".len();
    let unit = cx
        .word_after(after)
        .filter(|w| matches!(*w, "weeks" | "week" | "months" | "month"))?;
    let unit_end = cx.source[after..].find(unit)? + after + unit.len();
    let n: u64 = cx.word_before()?.1.parse().ok()?;
    let (message, help) = match unit.starts_with("week") {
        true => (
            format!(
                "`working {unit}` is not a unit; use `{} working days` or `{n} {unit}`",
                n.saturating_mul(5)
            ),
            format!(
                "write `due {} working days` (five working days to a week) or `due {n} {unit}`",
                n.saturating_mul(5)
            ),
        ),
        false => (
            format!("`working {unit}` is not a unit; use `{n} {unit}` or a number of working days"),
            format!(
                "write `due {n} {unit}` (calendar months) or working days, such as `due {} working days`",
                n.saturating_mul(20)
            ),
        ),
    };
    Some(slip(
        message,
        Span::new(cx.at, unit_end),
        "not a unit",
        help,
    ))
}

/// `involve medical_lead clinical_services_manager`, without the comma between the names.
fn names_without_commas(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let keyword = cx.first_word_of_line();
    let what = match keyword {
        "involve" => "roles",
        "replaces" => "rules",
        _ => return None,
    };
    let is_name = found.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    if !is_name || !cx.expects(Rule::close_brace) {
        return None;
    }
    let line = cx.line().trim_start();
    let names: Vec<&str> = line[keyword.len()..]
        .split([' ', '\t', ','])
        .filter(|n| !n.is_empty())
        .collect();
    Some(slip(
        format!(
            "expected `,` between the {what} after `{keyword}`, found {}",
            cx.found_words()
        ),
        cx.found_span(),
        "`,` missing before this",
        format!(
            "separate {what} with commas: `{keyword} {}`",
            names.join(", ")
        ),
    ))
}

// ------------------------------------------------------------------ file layout

/// A second `policy` line.
fn policy_line_twice(cx: &At) -> Option<ParseError> {
    if cx.found != Some("policy") || !cx.expects(Rule::EOI) {
        return None;
    }
    let first = first_policy_word(cx.source)?;
    let line = cx.line_number(first);
    Some(ParseError::Unexpected {
        message: format!("the `policy` line is written twice (first on line {line})"),
        span: cx.found_span(),
        label: "written again here".to_string(),
        others: vec![LabeledSpan::new_with_span(
            Some("first here".to_string()),
            Span::new(first, first + "policy".len()),
        )],
        help: Some(
            "keep one `policy` line; put other details in `version \"...\"` or in a `#` comment"
                .to_string(),
        ),
    })
}

/// Where the first line starting with the word `policy` starts its word.
fn first_policy_word(source: &str) -> Option<usize> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let text = line.trim_start();
        let is_policy = text
            .strip_prefix("policy")
            .is_some_and(|rest| rest.starts_with([' ', '\t', '"']));
        if is_policy {
            return Some(offset + line.len() - text.len());
        }
        offset += line.len();
    }
    None
}

/// A date or month not written year first: `24/12/2026`, `10/2026`.
fn date_not_year_first(cx: &At) -> Option<ParseError> {
    let found = cx.found?;
    let (what, shape) = match (cx.expects(Rule::date), cx.expects(Rule::month)) {
        (true, _) => ("a date", "year-month-day"),
        (_, true) => ("a month", "year-month"),
        _ => return None,
    };
    if !found.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = &cx.source[cx.at..];
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '/' | '.' | '-')))
        .unwrap_or(rest.len());
    let written = &rest[..len];
    let example = year_first(written).unwrap_or_else(|| match what {
        "a date" => "2026-12-28".to_string(),
        _ => "2026-10".to_string(),
    });
    let plural = if what == "a date" { "dates" } else { "months" };
    Some(slip(
        format!("expected {what} as {shape}, found `{written}`"),
        Span::new(cx.at, cx.at + len),
        &format!("not {shape}"),
        format!("write {plural} as {shape}: `{example}`"),
    ))
}

/// `24/12/2026` as `2026-12-24`, `10/2026` as `2026-10`.
fn year_first(written: &str) -> Option<String> {
    let parts: Vec<&str> = written.split(['/', '.', '-']).collect();
    let number = |p: &str| p.parse::<u32>().ok();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => Some(format!("{y}-{:02}-{:02}", number(m)?, number(d)?)),
        [y, m, d] if y.len() == 4 => Some(format!("{y}-{:02}-{:02}", number(m)?, number(d)?)),
        [m, y] if y.len() == 4 => Some(format!("{y}-{:02}", number(m)?)),
        _ => None,
    }
}

const DECLARATION_WORDS: &[&str] = &[
    "policy", "version", "calendar", "holiday", "role", "metric", "subjects", "concerns", "grade",
    "rule", "test",
];

/// A block still open when the next declaration, or the end of the file, arrives.
fn unclosed_brace(cx: &At) -> Option<ParseError> {
    if !cx.expects(Rule::close_brace) {
        return None;
    }
    if cx.found.is_some_and(|f| !DECLARATION_WORDS.contains(&f)) {
        return None;
    }
    // Blocks do not span items, so the search starts at the item's start, not the file's.
    let piece = &cx.source[cx.piece_start..];
    let open = cx.piece_start + scan::unclosed_brace_before(piece, cx.at - cx.piece_start)?;
    let line_start = cx.line_start(open);
    let header = cx.source[line_start..open].trim();
    let line = cx.line_number(open);
    let what = match header.is_empty() {
        true => "the block".to_string(),
        false => format!("`{header} {{`"),
    };
    let help = format!("{what} on line {line} has no closing `}}`: add one after its last line");
    let brace = Span::new(open, open + 1);
    let error = match cx.found {
        None => slip(
            "this `{` is never closed: the file ends before its `}`".to_string(),
            brace,
            "never closed",
            help,
        ),
        Some(_) => ParseError::Unexpected {
            message: format!(
                "expected {}, found {}",
                super::expected::describe(cx.positives),
                cx.found_words()
            ),
            span: cx.found_span(),
            label: format!("unexpected {}", cx.found_words()),
            others: vec![LabeledSpan::new_with_span(
                Some("this `{` is never closed".to_string()),
                brace,
            )],
            help: Some(help),
        },
    };
    Some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_months_are_turned_year_first() {
        assert_eq!(year_first("24/12/2026").as_deref(), Some("2026-12-24"));
        assert_eq!(year_first("1.2.2026").as_deref(), Some("2026-02-01"));
        assert_eq!(year_first("2026/12/24").as_deref(), Some("2026-12-24"));
        assert_eq!(year_first("10/2026").as_deref(), Some("2026-10"));
        assert_eq!(year_first("24"), None);
    }

    #[test]
    fn a_role_is_found_by_its_display_name() {
        let source = "policy \"p\"\nrole operations_manager \"Operations Manager\"\n";
        assert_eq!(
            role_with_display_name(source, "operations manager"),
            Some("operations_manager")
        );
        assert_eq!(role_with_display_name(source, "Medical Lead"), None);
    }
}

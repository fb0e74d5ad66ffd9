//! The formatter's promises, checked on the syntax tree: the canonical layout is idempotent,
//! keeps the syntax tree (spans aside) and every comment. On every policy in `policies/`, on
//! copies of the conformance policies (`tests/fixtures/fmt/conformance/`), on fixtures with odd
//! layouts and comments in awkward places (`tests/fixtures/fmt/odd/`), on random conditions,
//! and on random re-spacings of all of those with comments and blank lines inserted between
//! tokens. (The layout by example, the formatted fixtures and `escalate fmt` are in
//! `tests/suite/fmt.rs`.)

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

use super::format_source;
use crate::parse::{comment_start, parse};

// ------------------------------------------------------------------------------ helpers

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `*.policy` files in a folder of the crate, sorted.
fn policies_in(folder: &str) -> Vec<PathBuf> {
    let dir = manifest_dir().join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "policy"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no policies in {folder}");
    paths
}

/// Every policy that parses: the bundled ones, the conformance copies and the odd layouts.
fn all_policies() -> Vec<(String, String)> {
    [
        "policies",
        "tests/fixtures/fmt/conformance",
        "tests/fixtures/fmt/odd",
    ]
    .iter()
    .flat_map(|folder| policies_in(folder))
    .map(|path| {
        let text = std::fs::read_to_string(&path).expect("a readable UTF-8 policy");
        (path.display().to_string(), text)
    })
    .collect()
}

/// The syntax tree as JSON with every span (`span`, `start`, `end`) left out.
fn tree_without_spans(source: &str) -> Value {
    let file = parse(source).unwrap_or_else(|e| panic!("does not parse: {e:?}\n{source}"));
    let mut value = serde_json::to_value(&file).expect("a syntax tree serializes");
    strip_spans(&mut value);
    value
}

fn strip_spans(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !matches!(key.as_str(), "span" | "start" | "end"));
            map.values_mut().for_each(strip_spans);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

/// Every `#` comment outside quoted text, trimmed, sorted: a multiset to compare. (Found
/// line by line, as the parser finds them, not by the formatter's own comment scanner.)
fn comments(source: &str) -> Vec<String> {
    let mut found: Vec<String> = source
        .lines()
        .filter_map(|line| comment_start(line).map(|at| line[at..].trim_end().to_string()))
        .collect();
    found.sort();
    found
}

fn format(source: &str) -> String {
    format_source(source).unwrap_or_else(|e| panic!("does not format: {e:?}\n{source}"))
}

/// The three properties, as a message naming the first that fails.
fn check_properties(source: &str) -> Result<String, String> {
    let once = format_source(source).map_err(|e| format!("does not format: {e:?}"))?;
    let twice =
        format_source(&once).map_err(|e| format!("output does not parse: {e:?}\n{once}"))?;
    if twice != once {
        return Err(format!(
            "not idempotent:\n--- source\n{source}\n--- once\n{once}\n--- twice\n{twice}"
        ));
    }
    if tree_without_spans(source) != tree_without_spans(&once) {
        return Err(format!(
            "the syntax tree changed:\n--- source\n{source}\n--- formatted\n{once}"
        ));
    }
    if comments(source) != comments(&once) {
        return Err(format!(
            "comments changed: {:?} became {:?}\n--- formatted\n{once}",
            comments(source),
            comments(&once)
        ));
    }
    Ok(once)
}

// ------------------------------------------------------------------------ the properties

#[test]
fn every_policy_is_formatted_idempotently_keeping_tree_and_comments() {
    for (name, text) in all_policies() {
        if let Err(problem) = check_properties(&text) {
            panic!("{name}: {problem}");
        }
    }
}

#[test]
fn formatted_policies_have_a_tidy_shape() {
    for (name, text) in all_policies() {
        let formatted = format(&text);
        assert!(
            formatted.ends_with('\n') && !formatted.ends_with("\n\n"),
            "{name}: file end"
        );
        assert!(
            !formatted.starts_with('\n'),
            "{name}: starts with a blank line"
        );
        assert!(
            !formatted.contains("\n\n\n"),
            "{name}: a run of blank lines"
        );
        assert!(
            !formatted.contains("{\n\n"),
            "{name}: a blank line after `{{`"
        );
        assert!(
            !formatted.contains("\n\n}"),
            "{name}: a blank line before `}}`"
        );
        for line in formatted.lines() {
            assert_eq!(line, line.trim_end(), "{name}: trailing whitespace");
            assert!(!line.starts_with('\t'), "{name}: a tab");
        }
    }
}

#[test]
fn two_comments_for_one_line_keep_the_last_at_its_end() {
    let source =
        "policy \"P\"\nrule r \"R\" {\n  when (a > 1 # one\n    or b > 1) for 2 months # two\n}\n";
    let expected =
        "policy \"P\"\n\nrule r \"R\" {\n  # one\n  when (a > 1 or b > 1) for 2 months # two\n}\n";
    assert_eq!(format(source), expected);
    assert!(check_properties(source).is_ok());
}

// ------------------------------------------------------------------- random conditions

/// A condition as tokens, every compound part in parentheses so it parses as generated.
type Tokens = Vec<String>;

fn tokens(words: &[&str]) -> Tokens {
    words.iter().map(|w| w.to_string()).collect()
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "m",
        "callback_in_time",
        "staff_group",
        "x_1",
        "nothing_else",
    ])
    .prop_map(str::to_string)
}

fn months() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["1", "2", "3", "12", "01"]).prop_map(str::to_string)
}

fn months_word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["month", "months"])
}

/// A value that can be an item of `in [...]`.
fn list_item() -> impl Strategy<Value = String> {
    prop_oneof![
        name(),
        "[0-9]{1,3}(\\.[0-9]{1,2})?",
        "[0-9]{1,2}%",
        prop::sample::select(vec!["yes", "no", "true", "false"]).prop_map(str::to_string),
        "\"[a-z #]{0,6}(\\\\\"|\\\\\\\\)?\"",
        prop::sample::select(vec!["2026-01-31", "2025-12-01"]).prop_map(str::to_string),
    ]
}

fn window_function() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["average", "min", "max", "sum"])
}

fn leaf() -> impl Strategy<Value = Tokens> {
    prop_oneof![
        4 => list_item().prop_map(|item| vec![item]),
        1 => (window_function(), name(), months(), months_word())
            .prop_map(|(f, m, n, w)| tokens(&[f, "(", &m, "over", "last", &n, w, ")"])),
        1 => (name(), prop::sample::select(vec!["improved", "worsened"]), months(), months_word())
            .prop_map(|(m, d, n, w)| tokens(&[&m, d, "over", "last", &n, w])),
        1 => (prop::sample::select(vec!["count", "any", "all"]), prop::option::of(months()))
            .prop_map(|(f, n)| match n {
                Some(n) => tokens(&[f, "(", "concerns", "in", "last", &n, "months", ")"]),
                None => tokens(&[f, "(", "concerns", ")"]),
            }),
    ]
}

/// `tokens` in parentheses when it is more than one token (and sometimes when it is one).
fn parenthesised(mut inner: Tokens, always: bool) -> Tokens {
    if inner.len() == 1 && !always {
        return inner;
    }
    inner.insert(0, "(".to_string());
    inner.push(")".to_string());
    inner
}

fn condition() -> impl Strategy<Value = Tokens> {
    let operators = vec![
        "or", "and", "<", "<=", ">", ">=", "=", "!=", "+", "-", "*", "/",
    ];
    leaf().prop_recursive(4, 40, 3, move |inner| {
        let operators = operators.clone();
        prop_oneof![
            4 => (inner.clone(), prop::sample::select(operators), inner.clone(), any::<bool>())
                .prop_map(|(lhs, op, rhs, extra)| {
                    let mut out = parenthesised(lhs, extra);
                    out.push(op.to_string());
                    out.extend(parenthesised(rhs, false));
                    out
                }),
            1 => inner.clone().prop_map(|e| [tokens(&["not"]), parenthesised(e, false)].concat()),
            1 => inner.clone().prop_map(|e| [tokens(&["-"]), parenthesised(e, false)].concat()),
            1 => (inner.clone(), months(), any::<bool>(), months_word()).prop_map(|(e, n, c, w)| {
                let consecutive: &[&str] = if c { &["consecutive"] } else { &[] };
                let suffix = [tokens(&["for", &n]), tokens(consecutive), tokens(&[w])].concat();
                [parenthesised(e, false), suffix].concat()
            }),
            1 => (inner.clone(), months(), months(), months_word()).prop_map(|(e, k, n, w)| {
                [parenthesised(e, false), tokens(&["in", &k, "of", "the", "last", &n, w])].concat()
            }),
            1 => (inner.clone(), prop::collection::vec(list_item(), 0..4)).prop_map(|(e, items)| {
                let mut out = parenthesised(e, false);
                out.push("in".to_string());
                out.push("[".to_string());
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(",".to_string());
                    }
                    out.push(item);
                }
                out.push("]".to_string());
                out
            }),
            1 => (prop::sample::select(vec!["count", "any", "all"]), inner)
                .prop_map(|(f, e)| {
                    [tokens(&[f, "(", "concerns", "where"]), e, tokens(&[")"])].concat()
                }),
        ]
    })
}

/// What may separate two tokens: spaces, line breaks, comments, blank lines.
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ",
        " ",
        " ",
        " ",
        "  ",
        "\n      ",
        " # after a token\n      ",
        "\n  # on its own line\n      ",
        "\n\n\t",
    ])
}

/// The tokens joined by the separators (cycled).
fn join(tokens: &[String], separators: &[&str]) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            out.push_str(separators[i % separators.len()]);
        }
        out.push_str(token);
    }
    out
}

/// A policy using the condition in a rule's `when` and in a grade arm.
fn policy_with(condition: &str) -> String {
    format!(
        "policy \"Random\"\nrule r \"R\" {{\n  when {condition}\n  severity low\n}}\n\
         grade g \"G\" {{\n  first when {condition}\n  second otherwise\n}}\n"
    )
}

/// `for each open CASE` may have a comment (and a line break) between `open` and the case
/// kind, as anywhere else between two words (found by the property below).
#[test]
fn a_comment_after_open_in_for_each_keeps_the_case_open() {
    let policy = |gap: &str| {
        format!(
            "policy \"p\"\nversion \"1\"\nrole r \"R\"\nevent opened_it \"Opened\"\n\
             case plan \"Plan\" {{\n  opened by opened_it\n}}\n\
             rule late \"Late\" {{\n  for each open{gap}plan\n  \
             when days since opened_it > 3\n  severity low\n  require \"Act\"\n  owner r\n  \
             due 5 days\n}}\n"
        )
    };
    let plain = tree_without_spans(&policy(" "));
    assert_eq!(
        tree_without_spans(&policy(" # after a token\n      ")),
        plain
    );
    // `open` was written (a span, emptied above), not left out (`null`).
    assert!(plain.to_string().contains("\"open\":{}"), "{plain}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_conditions_keep_their_tree_and_comments_and_format_idempotently(
        condition in condition(),
        separators in prop::collection::vec(separator(), 1..8),
    ) {
        let spaced = policy_with(&condition.join(" "));
        let policy = policy_with(&join(&condition, &separators));
        prop_assert!(parse(&policy).is_ok(), "the generated policy does not parse:\n{}", policy);
        prop_assert_eq!(tree_without_spans(&spaced), tree_without_spans(&policy));
        if let Err(problem) = check_properties(&policy) {
            prop_assert!(false, "{}", problem);
        }
    }
}

// --------------------------------------------------------- random re-spacings of policies

/// The runs of whitespace between two tokens (after code, outside quoted text and comments):
/// any mix of spaces, line breaks and comments may stand there instead.
fn token_gaps(source: &str) -> Vec<(usize, usize)> {
    let mut gaps = Vec::new();
    let (mut in_text, mut escaped, mut in_comment) = (false, false, false);
    let mut run_start: Option<usize> = None;
    let mut after_code = false;
    for (i, c) in source.char_indices() {
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
            continue;
        }
        if in_comment {
            in_comment = c != '\n';
            after_code = false;
            continue;
        }
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if after_code && run_start.is_none() {
                    run_start = Some(i);
                }
            }
            _ => {
                if let Some(start) = run_start.take() {
                    gaps.push((start, i));
                }
                after_code = c != '#';
                in_comment = c == '#';
                in_text = c == '"';
                if in_comment {
                    run_start = None;
                }
            }
        }
    }
    gaps
}

fn respaced(source: &str, changes: &[(prop::sample::Index, &str)]) -> String {
    let gaps = token_gaps(source);
    let mut chosen: Vec<(usize, usize, &str)> = changes
        .iter()
        .map(|(index, separator)| {
            let (start, end) = gaps[index.index(gaps.len())];
            (start, end, *separator)
        })
        .collect();
    chosen.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    chosen.dedup_by_key(|(start, _, _)| *start);
    let mut out = source.to_string();
    for (start, end, separator) in chosen {
        out.replace_range(start..end, separator);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn respaced_policies_with_inserted_comments_format_faithfully(
        which in any::<prop::sample::Index>(),
        changes in prop::collection::vec((any::<prop::sample::Index>(), separator()), 1..24),
    ) {
        let policies = all_policies();
        let (name, original) = &policies[which.index(policies.len())];
        let mutated = respaced(original, &changes);
        prop_assert_eq!(
            tree_without_spans(original),
            tree_without_spans(&mutated),
            "{}: re-spacing changed the tree:\n{}",
            name,
            mutated
        );
        if let Err(problem) = check_properties(&mutated) {
            prop_assert!(false, "{}: {}", name, problem);
        }
    }
}

// ------------------------------------------------------------------------ the safety check

#[test]
fn the_safety_check_names_each_way_a_layout_can_go_wrong() {
    use super::{check_faithful, Unfaithful};
    let original = "policy \"P\"\nrole lead \"Lead\" # who leads\n";
    let verdict = |formatted| check_faithful(original, formatted);
    assert_eq!(
        verdict("policy \"P\"\n\nrole lead \"Lead\" # who leads\n"),
        Ok(())
    );
    assert_eq!(
        verdict("policy \"P\"\nrole lead \"Leader\" # who leads\n"),
        Err(Unfaithful::TreeChanged)
    );
    assert_eq!(
        verdict("policy \"P\"\nrole lead \"Lead\"\n"),
        Err(Unfaithful::CommentsChanged)
    );
    assert_eq!(
        verdict("policy \"P\"\nrole lead # who leads\n"),
        Err(Unfaithful::DoesNotParse)
    );
    assert_eq!(
        check_faithful("policy \"P\"\nrole {", original),
        Err(Unfaithful::OriginalDoesNotParse)
    );
}

#[test]
fn an_unsafe_layout_reaches_the_library_user_as_an_error_of_the_formatter() {
    use crate::policy::{PolicyError, PolicyProblem};
    let text = "policy \"P\"\n";
    let error = PolicyError {
        source: crate::diagnostic::SourceFile::new("p.policy", text),
        problems: vec![PolicyProblem::Unfaithful(
            super::Unfaithful::CommentsChanged,
        )],
    };
    assert_eq!(error.error_count(), 1);
    let record = &error.records()[0];
    assert_eq!(record.code, "fmt::unfaithful");
    assert_eq!(
        record.message,
        "the policy was not formatted: the formatted text does not keep every comment"
    );
    let help = record.help.as_deref().unwrap_or_default();
    assert!(
        help.contains("left as it was") && help.contains("report it"),
        "{help}"
    );
}

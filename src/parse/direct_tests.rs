//! The hand-written reader (`direct.rs`) reads exactly what the grammar reads: for every text
//! it takes, the grammar builds the same items with the same spans, without a problem; and it
//! takes the common forms, so that large policies are read quickly.

use proptest::prelude::*;

use super::items::item_starts;
use super::test_policies::repository_policies;
use super::{direct, reads_as_the_grammar};

fn agrees(piece: &str, offset: usize) -> bool {
    agrees_in(piece, offset, "")
}

/// As [`agrees`], naming where the piece comes from when it fails.
fn agrees_in(piece: &str, offset: usize, source: &str) -> bool {
    let result = std::panic::catch_unwind(|| reads_as_the_grammar(piece, offset));
    result.unwrap_or_else(|_| panic!("the reader and the grammar differ on this piece {source}"))
}

/// The pieces of `source` after its first (the `policy` line), with where each starts.
fn pieces(source: &str) -> Vec<(usize, &str)> {
    let (mut starts, _) = item_starts(source);
    starts.push(source.len());
    starts
        .windows(2)
        .skip(1)
        .map(|w| (w[0], &source[w[0]..w[1]]))
        .collect()
}

fn rule_with(condition: &str) -> String {
    format!(
        "rule r \"R\" {{\n  when {condition}\n  severity high\n  require \"x\"\n  owner a\n  due 5 days\n}}\n"
    )
}

#[test]
fn every_piece_of_every_policy_is_read_as_the_grammar_reads_it() {
    let (mut taken, mut rules) = (0, 0);
    for (path, text) in repository_policies() {
        for (offset, piece) in pieces(&text) {
            let is_rule = piece.starts_with("rule ");
            rules += usize::from(is_rule);
            let took = agrees_in(piece, offset, &format!("of {}", path.display()));
            taken += usize::from(took && is_rule);
        }
    }
    // Most rules of the repository are version 0's, which the reader takes.
    assert!(
        taken * 2 > rules,
        "the reader took {taken} of {rules} rules"
    );
}

#[test]
fn the_common_forms_are_taken() {
    let conditions = [
        "metric_1 < 60% and not urgent",
        "(metric_1 < 60%) for 2 consecutive months",
        "count (concerns in last 12 months where risk >= high) >= 1",
        "any(concerns)",
        "all(concerns where category = clinical and patient_safety)",
        "average (m over last 3 months) < 5%",
        "maximum > 3 and min(m over last 2 months) < 4",
        "sum(m over last 1 month) >= 2.5",
        "m improved over last 3 months",
        "m worsened over last 3 months and m < 5",
        "region in [north, south] and band >= 3",
        "region in []",
        "code in [\"a\", 2026-01-01, 5%, 3.5, 4, yes, name]",
        "(x < 1 in 2 of the last 3 months)",
        "(a < 1) or (b > 2 + (c * 3)) and c = 3",
        "( # a comment\n a < 1)",
        "a # a comment\n < 1",
        "(index < 3)",
        "-3 < a",
        "- - 3 < a * -b / c + d - e",
        "not not a or b and c",
        "not a < b for 3 months",
        "a < b for 3 months in 2 of the last 4 months",
        "a + b in [1, 2] for 2 months",
        "2026-01-01 < opened",
        "2026-01-015 > 3",
        "flag_yes = yes and no_show != false and true",
        "no = x",
        "month_1 > 2",
        "a <= b and c >= d and e != f",
        "\"text\" = note",
    ];
    for condition in conditions {
        let text = rule_with(condition);
        assert!(agrees(&text, 7), "the reader left to the grammar:\n{text}");
    }
    let declarations = [
        "metric m \"M\" percent, higher is better\n",
        "metric m \"M\" count\n",
        "metric m \"M \\\"quoted\\\" \\\\ \" number, lower is better\n",
        "role lead \"Medical Lead\"\nrole other \"Other\"\n",
        "holiday 2026-12-24 \"Christmas Eve\"\n",
        "version \"2\"\ncalendar england_and_wales\n",
        "grade g \"G\" for each concern {\n  high when a * b >= 8\n  low otherwise\n}\n",
        "grade g \"G\" {}\n",
        "rule r \"R\" {}\n",
        "rule r \"R\" {\n  applies to region != west\n  involve a, b, c\n  replaces q\n  due 10 working days\n  due 2 weeks\n  due 1 month\n  due 1 working\n day\n}\n",
        "# a comment before\nrule r \"R\" { when a severity b } # after\n\n",
    ];
    for text in declarations {
        assert!(agrees(text, 0), "the reader left to the grammar:\n{text}");
    }
}

#[test]
fn what_could_be_read_otherwise_is_left_to_the_grammar() {
    let conditions = [
        // Version 1's forms.
        "(a, b) within 5 days after opened is met",
        "(plan within 10 working days after referral) is overdue",
        "plan within 10 working days after referral",
        "plan_due is late",
        "no (a) within 3 days after b",
        "no a within 3 days after b",
        "count(referral in last 3 months) > 2",
        "days since opened > 5",
        "working days between referral and first(plan) > 10",
        "first (plan) > 2026-01-01",
        "date of referral > 2026-01-01",
        "(a) and b",
        "(x in 2 of the last 3 months)",
        "((a) within 3 days after b) is met",
        // Words glued to keywords, which the grammar reads as two.
        "a < 5 for3 months",
        "average(m overlast 3 months) < 2",
        "a improvedx over last 3 months",
        // Mistakes.
        "a < ",
        "a <> b",
        "a == b",
        "5x > 3",
        "2026-02-30 < opened",
        "a in [-1]",
        "count(concerns in [x])",
        "x\u{0b} = 1",
        "x\u{feff} = 1",
        "A > 1",
        "a.b > 1",
    ];
    for condition in conditions {
        let text = rule_with(condition);
        assert!(!agrees(&text, 0), "the reader took:\n{text}");
    }
    let declarations = [
        "rules \"x\" {}\n",
        "rule r \"R\" { whenever a }\n",
        "rule r \"R\" { for each open plan }\n",
        "rule r \"R\" { when a for each plan }\n",
        "grade g \"G\" { low otherwisex }\n",
        "grade g \"G\" for each concerns {}\n",
        "metric m \"M\" percent, higher is\n",
        "holiday 2026-02-30 \"No such day\"\n",
        "role r \"bad \\n escape\"\n",
        "subjects { region: text }\n",
        "test \"t\" { as of 2026-01 }\n",
        "event e \"E\"\n",
        "rule r \"R\" {\n",
        "rule r \"R\" { due 5 days. }\n",
        "rule r \"R\" { due 5.5 days }\n",
    ];
    for text in declarations {
        assert!(!agrees(text, 0), "the reader took:\n{text}");
    }
}

#[test]
fn conditions_at_the_limits_are_left_to_the_grammar() {
    let deep = format!("{}a", "not ".repeat(super::MAX_EXPRESSION_DEPTH + 1));
    assert!(!agrees(&rule_with(&deep), 0));
    let long = vec!["a"; super::MAX_EXPRESSION_DEPTH + 2].join(" and ");
    assert!(!agrees(&rule_with(&long), 0));
    let fine = vec!["a"; super::MAX_EXPRESSION_DEPTH - 1].join(" and ");
    assert!(agrees(&rule_with(&fine), 0));
}

/// Words and marks a mutation may put into a policy besides the reserved words
/// ([`super::RESERVED`]): names, numbers and signs of both versions of the language.
const OTHER_WORDS: &[&str] = &[
    "within",
    "is",
    "days",
    "working",
    "first",
    "(",
    ")",
    "[",
    "]",
    ",",
    "<",
    "<=",
    "=",
    "-",
    "*",
    "3",
    "2.5",
    "40%",
    "2026-01-01",
    "\"t\"",
    "# c\n",
    "\n",
    "x",
    "\t",
    "\r\n",
    "\u{feff}",
    "\u{0b}",
    "%",
    "!",
    "!=",
    ">=",
    "+",
    "/",
    ".",
    "\"",
    "\\",
    "_",
    "A",
    "é",
    "{",
    "}",
    ":",
    "..",
    "applies",
    "to",
    "due",
    "severity",
    "rule",
    "grade",
    "metric",
    "count",
    "average",
    "since",
    "latest",
    "higher",
    "better",
    "2026-02-30",
    "0",
    "average(",
];

/// A piece with one change: a word or mark replaced, removed, doubled or added, or two
/// neighbouring characters glued or split.
fn mutated(piece: &str, at: usize, pick: usize, how: u8) -> String {
    let boundaries: Vec<usize> = piece
        .char_indices()
        .filter(|&(i, c)| i == 0 || !c.is_ascii_alphanumeric() || c == ' ')
        .map(|(i, _)| i)
        .chain([piece.len()])
        .collect();
    let i = boundaries[at % boundaries.len()];
    let next = boundaries
        .iter()
        .copied()
        .find(|&b| b > i)
        .unwrap_or(piece.len());
    let words: Vec<&str> = super::RESERVED.iter().chain(OTHER_WORDS).copied().collect();
    let word = words[pick % words.len()];
    match how % 5 {
        0 => format!("{}{word}{}", &piece[..i], &piece[next..]),
        1 => format!("{}{}", &piece[..i], &piece[next..]),
        2 => format!("{}{}{}", &piece[..next], &piece[i..next], &piece[next..]),
        3 => format!("{}{word}{}", &piece[..i], &piece[i..]),
        _ => format!("{} {word} {}", &piece[..i], &piece[i..]),
    }
}

/// The pieces of the repository's policies that the reader takes.
fn taken_pieces() -> Vec<String> {
    repository_policies()
        .iter()
        .flat_map(|(_, text)| pieces(text).into_iter().map(|(_, p)| p.to_string()))
        .filter(|piece| direct::items(piece, 0).is_some())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Broken and altered copies of real items are read as the grammar reads them, or left to it.
    #[test]
    fn altered_items_are_read_as_the_grammar_reads_them(
        which in any::<usize>(),
        changes in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..4),
    ) {
        static PIECES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let pieces = PIECES.get_or_init(taken_pieces);
        let mut piece = pieces[which % pieces.len()].clone();
        for (at, pick, how) in changes {
            piece = mutated(&piece, at, pick, how);
        }
        agrees(&piece, 3);
    }
}

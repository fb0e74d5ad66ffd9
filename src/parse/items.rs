//! Where each top-level item starts, so that one broken item does not hide the others: the
//! parser reads each item on its own when the whole file does not parse.

/// The words that begin a top-level item (declaration, grade, rule, test) at the start of a
/// line.
const ITEM_WORDS: &[&str] = &[
    "policy", "version", "calendar", "holiday", "role", "metric", "subjects", "concerns", "grade",
    "rule", "test", "event", "case", "deadline",
];

/// The byte offsets where the second and later items start, in order. An item starts at a
/// line whose first word is an item word, outside any block, or at the very start of a line
/// even inside a block (a block left open by mistake must not swallow the rest of the file).
/// The first item (normally the `policy` line) starts at offset 0 and is not listed.
///
/// Also says whether any item was started inside a block: such a split is a guess (the
/// block may be one left open, or the word may be a name at the start of a line).
pub(super) fn item_starts(source: &str) -> (Vec<usize>, bool) {
    let mut starts = Vec::new();
    let mut guessed = false;
    let mut depth = 0usize;
    let mut seen_text = false;
    let mut line_start = 0;
    // The code of the last line that had any (for a declaration split over lines).
    let mut previous_code = "";
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t', '\r', '\u{feff}']);
        let indent = line.len() - trimmed.len();
        if seen_text
            && starts_item(trimmed)
            && (depth == 0 || indent == 0)
            && !continues(previous_code, trimmed)
        {
            starts.push(line_start + indent);
            guessed |= depth > 0;
            depth = 0;
        }
        let (net, code_end) = braces_and_code(trimmed);
        let code = &trimmed[..code_end];
        let has_text = !code.trim_end().is_empty();
        seen_text |= has_text;
        depth = depth.saturating_add_signed(net);
        line_start += line.len();
        if has_text {
            previous_code = code;
        }
    }
    (starts, guessed)
}

/// Whether a line beginning with an item word goes on with the declaration before it: the
/// `case` of `once per case`, when an event declaration is split after `per` (a line break
/// may stand wherever a space may).
fn continues(previous_code: &str, line: &str) -> bool {
    previous_code.split_whitespace().next_back() == Some("per") && first_word(line) == "case"
}

/// The name an item declares: the word after its first (`low_callbacks` in
/// `rule low_callbacks "..." {`), when it is a name.
pub(super) fn item_name(item: &str) -> Option<String> {
    let mut words = item
        .lines()
        .flat_map(|line| {
            let code = super::comment_start(line).map_or(line, |at| &line[..at]);
            code.split_whitespace()
        })
        // The `policy "Name"` line, when the piece is the first of the file.
        .skip_while(|word| *word == "policy" || word.starts_with('"'));
    words.next()?;
    let name = words.next()?;
    let is_name = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| name.to_string())
}

/// Whether a line (without its indentation) begins with an item word as a whole word.
fn starts_item(line: &str) -> bool {
    ITEM_WORDS.contains(&first_word(line))
}

/// The word a line (without its indentation) begins with; empty when it begins otherwise.
fn first_word(line: &str) -> &str {
    let word_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    &line[..word_end]
}

/// The change in block depth over one line (braces outside quoted text and comments), and
/// where its code ends: at its `#` comment, or at its end. Read byte by byte: the marks that
/// matter are ASCII, and no byte of a longer character is one of them.
fn braces_and_code(line: &str) -> (isize, usize) {
    let mut net = 0isize;
    let mut in_text = false;
    let mut escaped = false;
    for (i, &b) in line.as_bytes().iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_text => escaped = true,
            b'"' => in_text = !in_text,
            _ if in_text => {}
            b'#' => return (net, i),
            b'{' => net += 1,
            b'}' => net -= 1,
            _ => {}
        }
    }
    (net, line.len())
}

#[cfg(test)]
mod tests {
    use super::item_starts;

    #[test]
    fn items_start_at_their_words_outside_blocks() {
        let source = "# a comment\npolicy \"P\"\nrole a \"A\"\nrule r \"R\" {\n  when x > 1\n  owner a\n}\n  grade g \"G\" { a otherwise }\n";
        let (starts, guessed) = item_starts(source);
        assert!(!guessed);
        let words: Vec<&str> = starts.iter().map(|&s| &source[s..s + 4]).collect();
        assert_eq!(words, ["role", "rule", "grad"]);
    }

    #[test]
    fn words_inside_blocks_and_texts_do_not_start_items() {
        let source = "policy \"P\"\nrule r \"R {\" {\n  require \"rule the { world\"\n  test\n}\n";
        assert_eq!(item_starts(source), (vec![11], false));
    }

    #[test]
    fn an_item_is_named_by_its_second_word() {
        let name = |text| super::item_name(text);
        assert_eq!(name("# note\nrule low \"Low\" {"), Some("low".to_string()));
        assert_eq!(
            name("policy \"P\"\nrole lead \"Lead\""),
            Some("lead".to_string())
        );
        assert_eq!(name("test \"a test\" {"), None);
    }

    #[test]
    fn once_per_case_may_be_split_over_lines() {
        let source =
            "policy \"P\"\nevent e \"E\" once per # the case kind\n  case\ncase c \"C\" {\n}\n";
        let (starts, guessed) = item_starts(source);
        let words: Vec<&str> = starts.iter().map(|&s| &source[s..s + 6]).collect();
        assert_eq!((words, guessed), (vec!["event ", "case c"], false));
    }

    #[test]
    fn a_block_left_open_ends_at_the_next_item_at_the_start_of_a_line() {
        let source = "policy \"P\"\nrule r \"R\" {\n  owner a\nrule s \"S\" {\n}\n";
        assert_eq!(item_starts(source), (vec![11, 34], true));
    }
}

//! Shortening what messages quote, shared by every stage: a bad value or condition is shown
//! in at most about 80 characters, so that a 50 MB cell or a 100,000-part condition makes a
//! one-line message, not a copy of the input.

/// The most characters of a value a message quotes.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text` unchanged when it has at most [`MAX_QUOTED_CHARS`] characters; otherwise its start,
/// an ellipsis and its full length: `aaaa… (50,000,000 characters)`. Line breaks and other
/// control characters are shown as `␊`-style symbols, so the quote stays on one line.
pub fn shorten(text: &str) -> String {
    let visible = |c: char| match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
        '\u{7f}' => '\u{2421}',
        c => c,
    };
    let mut chars = text.char_indices();
    let cut = chars.nth(MAX_QUOTED_CHARS).map(|(at, _)| at);
    match cut {
        None => text.chars().map(visible).collect(),
        Some(_) => {
            let start: String = text
                .chars()
                .take(MAX_QUOTED_CHARS - 20)
                .map(visible)
                .collect();
            let length = text.chars().count() as u64;
            format!("{start}… ({} characters)", thousands(length))
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept() {
        assert_eq!(shorten("8O"), "8O");
        assert_eq!(shorten(&"x".repeat(80)), "x".repeat(80));
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        let quoted = shorten(&"é".repeat(50_000));
        assert_eq!(quoted, format!("{}… (50,000 characters)", "é".repeat(60)));
    }

    #[test]
    fn control_characters_are_shown() {
        assert_eq!(shorten("a\nb\0"), "a␊b␀");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(216_000_000), "216,000,000");
    }
}

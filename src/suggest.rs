//! "Did you mean ...?" suggestions, shared by every stage (parse, check, data, eval): it sits
//! below all of them.

/// The candidate closest to `name`, if any is close enough to be a likely slip: a normalised
/// Damerau-Levenshtein similarity of at least 0.6, or at most two edits.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let longest = length.max(c.chars().count());
            // At least as many edits as the lengths differ: a candidate too long or too
            // short for either bound is left out without being compared.
            let fewest = length.abs_diff(c.chars().count());
            if fewest > 2 && 1.0 - (fewest as f64) / (longest as f64) < 0.6 {
                return None;
            }
            let edits = strsim::damerau_levenshtein(name, c);
            // As `strsim::normalized_damerau_levenshtein`, from the one count of edits.
            let score = match longest {
                0 => 1.0,
                _ => 1.0 - (edits as f64) / (longest as f64),
            };
            (score >= 0.6 || edits <= 2).then_some((score, c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A help line: "did you mean `x`?", or the list of choices when there are few and none is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    choice_help(closest(name, candidates.iter().copied()), &candidates)
}

/// [`did_you_mean`] for a name whose [`closest`] candidate is already known (`best`).
pub fn choice_help(best: Option<&str>, candidates: &[&str]) -> Option<String> {
    if let Some(best) = best {
        return Some(format!("did you mean `{best}`?"));
    }
    match candidates.len() {
        0 => None,
        1..=8 => Some(format!("choose one of {}", quoted_list(candidates))),
        _ => None,
    }
}

/// `a`, `b` and `c`.
pub fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names = ["callback_in_time", "callbacks", "cases_per_hour"];
        assert_eq!(closest("callback_in_tme", names), Some("callback_in_time"));
        assert_eq!(
            closest("medical_laed", ["medical_lead", "operations_manager"]),
            Some("medical_lead")
        );
        assert_eq!(closest("zzz", names), None);
    }

    #[test]
    fn closest_agrees_with_the_normalised_distance() {
        let names = [
            "a",
            "ab",
            "abc",
            "abcdef",
            "zzzzzzzzzz",
            "",
            "é",
            "éa",
            "metric_12",
        ];
        for name in names {
            let expected = names
                .iter()
                .copied()
                .filter(|c| *c != name)
                .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
                .filter(|(score, c)| *score >= 0.6 || strsim::damerau_levenshtein(name, c) <= 2)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c);
            assert_eq!(closest(name, names), expected, "{name}");
        }
    }

    #[test]
    fn lists_few_choices_when_nothing_is_close() {
        let help = did_you_mean("urgent", ["low", "moderate", "high", "extreme"]).unwrap();
        assert_eq!(help, "choose one of `low`, `moderate`, `high` or `extreme`");
    }
}

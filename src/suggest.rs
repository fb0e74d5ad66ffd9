//! "Did you mean ...?" suggestions, shared by every stage (parse, check, data, eval): it sits
//! below all of them.

/// The candidate closest to `name`, if any is close enough to be a likely slip.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
        .filter(|(score, c)| *score >= 0.6 || strsim::damerau_levenshtein(name, c) <= 2)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A help line: "did you mean `x`?", or the list of choices when there are few and none is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(best) = closest(name, candidates.iter().copied()) {
        return Some(format!("did you mean `{best}`?"));
    }
    match candidates.len() {
        0 => None,
        1..=8 => Some(format!("choose one of {}", quoted_list(&candidates))),
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
    fn lists_few_choices_when_nothing_is_close() {
        let help = did_you_mean("urgent", ["low", "moderate", "high", "extreme"]).unwrap();
        assert_eq!(help, "choose one of `low`, `moderate`, `high` or `extreme`");
    }
}

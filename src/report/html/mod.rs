//! A backtest as one self-contained HTML page (`escalate backtest --format html`): the
//! summary and any comparison or agreement as tables, new actions per rule per month as a
//! stacked bar chart, and, for a few subjects, a timeline of each metric the policy declares
//! with the thresholds the policy compares it with and the months actions started and ended.
//! For a policy with cases (language v1), also the cases open each month, the actions citing
//! a missed deadline each month, and each chosen subject's cases as a timeline.
//!
//! The page needs nothing from outside: the styles are inline, the charts are inline SVG
//! drawn here, and there is no script. It opens offline and prints as it shows.
//!
//! `page` writes the sections, `charts` draws the SVG, and `analysis` works out what to
//! draw from the backtest, the policy and the data.

mod analysis;
mod charts;
mod page;

use std::collections::HashSet;

use crate::data::Dataset;
use crate::history::{Agreement, Backtest, Comparison, Replay};
use crate::program::Program;
use crate::report::backtest::BacktestReport;
use crate::report::plural;

/// One colour per rule, in file order, from Okabe and Ito's palette for colour-blind
/// readers; a policy with more rules starts the list again.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

/// One colour per case kind, in file order: purples and greens, apart from the rules' colours.
pub const CASE_KIND_PALETTE: [&str; 6] = [
    "#6A51A3", "#41AB5D", "#9E9AC8", "#006D2C", "#CBC9E2", "#A1D99B",
];

/// The backtest in `report` as one HTML page. `program` and `data` are the policy and data
/// it was replayed on; `subjects` are the subjects whose timelines to show (when empty, the
/// subjects with the most new actions, at most 12).
///
/// See the example of [`BacktestReport`].
pub fn backtest(
    report: &BacktestReport,
    program: &Program,
    data: &Dataset,
    subjects: &[String],
) -> String {
    let b = &report.backtest;
    let drawn = Drawn {
        subjects: analysis::chosen_subjects(b.new_action_subjects(), subjects),
        missed: analysis::missed_deadlines(b),
    };
    page(report, program, data, subjects, &drawn)
}

/// The page of [`backtest`] for a replay, with what `--compare` and `--actual` found, made without
/// holding the whole backtest (a region's holds millions of actions): the months are worked
/// out one at a time, the charts' counts taken from each, and only the actions of the
/// subjects drawn are kept. The same page, byte for byte. `progress` is told after each
/// month.
pub(crate) fn replayed_backtest(
    replay: &Replay<'_>,
    subjects: &[String],
    (compare, agreement): (Option<Comparison>, Option<Agreement>),
    progress: &dyn Fn(usize),
) -> String {
    let program = replay.policy().program();
    let chosen = analysis::chosen_subjects(replay.new_action_subjects(), subjects);
    let drawn_subjects: HashSet<&str> = chosen.iter().map(String::as_str).collect();
    // Only a policy with cases draws the missed deadlines, read from the actions' evidence.
    let with_evidence = !program.schema.case_kinds.is_empty();
    let mut missed = analysis::MissedDeadlines::new(replay.summary(), replay.month_count());
    let months = (0..replay.month_count())
        .map(|m| {
            let mut month = match with_evidence {
                true => replay.month(m),
                false => replay.month_outline(m),
            };
            missed.count(m, &month);
            month
                .actions
                .retain(|a| drawn_subjects.contains(a.action.subject.as_str()));
            month
                .resolved
                .retain(|r| drawn_subjects.contains(r.subject.as_str()));
            month.undecided = Vec::new();
            month.actions.shrink_to_fit();
            month.resolved.shrink_to_fit();
            progress(m + 1);
            month
        })
        .collect();
    let report = BacktestReport {
        backtest: Backtest {
            months,
            ..replay.shell()
        },
        compare,
        agreement,
    };
    let drawn = Drawn {
        subjects: chosen,
        missed: missed.counts,
    };
    page(&report, program, replay.data(), subjects, &drawn)
}

/// What the page draws that needs every action of the range: the subjects to draw and, for
/// each rule, each month's count of actions citing a missed deadline.
struct Drawn {
    subjects: Vec<String>,
    missed: Vec<Vec<usize>>,
}

/// The page, from a backtest whose months hold at least the actions of the subjects drawn.
fn page(
    report: &BacktestReport,
    program: &Program,
    data: &Dataset,
    asked: &[String],
    drawn: &Drawn,
) -> String {
    let b = &report.backtest;
    let mut out = String::new();
    page::write_head(&mut out, &format!("Backtest of {}", b.policy));
    page::write_title(&mut out, b, program);
    page::write_summary(&mut out, b);
    page::write_new_actions(&mut out, b);
    if !program.schema.case_kinds.is_empty() {
        page::write_cases(&mut out, b, program, data, &drawn.missed);
    }
    if let Some(c) = &report.compare {
        page::write_comparison(&mut out, c);
    }
    if let Some(a) = &report.agreement {
        page::write_agreement(&mut out, a);
    }
    page::write_timelines(&mut out, b, program, data, (&drawn.subjects, asked));
    out.push_str(
        "<footer>Made by <code>escalate backtest --format html</code>. \
         The page is self-contained: it needs no network.</footer>\n</main>\n</body>\n</html>\n",
    );
    out
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The colour of the rule at `index` in file order.
pub fn rule_colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// The colour of the case kind at `index` in file order.
pub fn case_kind_colour(index: usize) -> &'static str {
    CASE_KIND_PALETTE[index % CASE_KIND_PALETTE.len()]
}

/// "1 month", "3 months".
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<script>alert('x & "y"')</script>"#),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn colours_repeat_after_the_palette() {
        assert_eq!(rule_colour(0), rule_colour(PALETTE.len()));
        assert_eq!(
            case_kind_colour(1),
            case_kind_colour(1 + CASE_KIND_PALETTE.len())
        );
        assert!(!PALETTE.contains(&case_kind_colour(0)));
    }
}

//! `escalate backtest --format html`: one self-contained page, its texts escaped, a timeline
//! per chosen subject, and no line drawn across a month without a value.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `escalate backtest POLICY --data examples/data/ooh --format html` with `extra`
/// arguments; returns the page.
fn html(policy: &str, from: &str, to: &str, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["backtest", policy, "--data", "examples/data/ooh"])
        .args(["--from", from, "--to", to, "--format", "html"])
        .args(extra)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "escalate failed: {stderr}");
    String::from_utf8(output.stdout).expect("the page is UTF-8")
}

fn ooh(extra: &[&str]) -> String {
    html("policies/ooh_callbacks.policy", "2025-10", "2026-10", extra)
}

/// The text of each `<section class="subject" ...>` of the page, by subject id.
fn subject_sections(page: &str) -> Vec<(String, String)> {
    let marker = "<section class=\"subject\" data-subject=\"";
    page.split(marker)
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().unwrap_or_default().to_string();
            let body = rest
                .split("</section>")
                .next()
                .unwrap_or_default()
                .to_string();
            (id, body)
        })
        .collect()
}

/// The `d` of the series path in the figure for `metric` within `section`.
fn series_path<'a>(section: &'a str, metric: &str) -> &'a str {
    let figure = section
        .split(&format!("<figure data-metric=\"{metric}\">"))
        .nth(1)
        .unwrap_or_else(|| panic!("no figure for {metric}"));
    let figure = figure.split("</figure>").next().unwrap();
    figure
        .split("<path class=\"series\" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no series path for {metric}"))
}

#[test]
fn the_page_is_html_with_charts() {
    let page = ooh(&[]);
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100]);
    assert!(page.trim_end().ends_with("</html>"));
    assert!(page.contains("<svg"));
    assert!(page.contains("OOH clinician call-backs and productivity"));
    assert!(page.contains("Summary by rule"));
    assert!(page.contains("<code>first_month</code>"));
    // The new-actions chart has a bar with its tooltip.
    assert!(page.contains("<title>first_month, 2026-08: 5 new actions</title>"));
}

#[test]
fn the_page_needs_nothing_from_outside() {
    let page = ooh(&[]);
    for attribute in ["src=", "href=", "url("] {
        for (at, _) in page.match_indices(attribute) {
            let value = page[at + attribute.len()..].trim_start_matches(['"', '\'', ' ']);
            for outside in ["http://", "https://", "//"] {
                assert!(
                    !value.starts_with(outside),
                    "`{attribute}` loads from outside: {}",
                    &page[at..(at + 80).min(page.len())]
                );
            }
        }
    }
    for tag in ["<script", "<link", "<img", "<iframe", "@import"] {
        assert!(!page.contains(tag), "the page has {tag}");
    }
}

#[test]
fn texts_from_the_policy_are_escaped() {
    let page = html(
        "tests/fixtures/html/script_name.policy",
        "2026-06",
        "2026-10",
        &[],
    );
    assert!(
        !page.contains("<script"),
        "a policy text reached the page unescaped"
    );
    assert!(!page.contains("<img"));
    assert!(!page.contains("<i>in time</i>"));
    assert!(
        page.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; &quot;co&quot;")
    );
    assert!(page.contains("Below 80% &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("Call-backs &lt;i&gt;in time&lt;/i&gt;"));
}

#[test]
fn the_summary_table_is_stable() {
    let page = html(
        "tests/fixtures/html/script_name.policy",
        "2026-06",
        "2026-10",
        &[],
    );
    let start = page.find("<h1>").expect("a title");
    let end = page[start..].find("</table>").expect("a summary table") + start;
    insta::assert_snapshot!("script_name_summary", &page[start..end + "</table>".len()]);
}

#[test]
fn a_chosen_subject_gets_a_timeline_per_metric() {
    let page = ooh(&["--subject", "gp05"]);
    let sections = subject_sections(&page);
    let ids: Vec<&str> = sections.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["gp05"]);
    let gp05 = &sections[0].1;
    // The heading names the subject as the subjects file's `name` column does.
    assert!(
        gp05.contains("<h3>Dr Sarah Whitfield (gp05)</h3>"),
        "{}",
        &gp05[..200.min(gp05.len())]
    );
    for metric in ["callback_in_time", "callbacks", "cases_per_hour"] {
        assert!(
            gp05.contains(&format!("<figure data-metric=\"{metric}\">")),
            "no timeline of {metric}"
        );
        // Thirteen months of values, all present: one unbroken line.
        let d = series_path(gp05, metric);
        assert_eq!(d.matches('M').count(), 1, "{metric}: {d}");
        assert_eq!(d.matches('L').count(), 12, "{metric}: {d}");
    }
    // Thresholds as dashed lines, labelled.
    assert!(gp05.contains("class=\"threshold\""));
    assert!(gp05.contains("&lt; 80%"));
    assert!(gp05.contains("&gt;= 20"));
    // gp05: first_month started in 2026-08 and was replaced in 2026-09.
    assert!(gp05.contains("<title>“Call-backs below 80% this month” started 2026-08</title>"));
    assert!(gp05.contains(
        "<title>“Call-backs below 80% this month” ended 2026-09: \
         replaced by “Second consecutive month below 80% (GP)”</title>"
    ));
}

/// The threshold lines drawn in the figure for `metric` within `section`, by their tooltips.
fn threshold_lines(section: &str, metric: &str) -> Vec<String> {
    let figure = section
        .split(&format!("<figure data-metric=\"{metric}\">"))
        .nth(1)
        .and_then(|f| f.split("</figure>").next())
        .unwrap_or_else(|| panic!("no figure for {metric}"));
    figure
        .split("<line class=\"threshold\"")
        .skip(1)
        .filter_map(|line| line.split("<title>").nth(1)?.split("</title>").next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_rule_draws_its_thresholds_only_for_the_subjects_it_applies_to() {
    // `cases_per_hour < 2` is only in the rules that apply to GPs (`staff_group = "gp"`).
    let page = ooh(&["--subject", "gp05", "--subject", "anp04"]);
    let sections = subject_sections(&page);
    let section = |id: &str| &sections.iter().find(|(s, _)| s == id).unwrap().1;
    assert_eq!(
        threshold_lines(section("gp05"), "cases_per_hour"),
        ["threshold: &lt; 2"]
    );
    assert!(threshold_lines(section("anp04"), "cases_per_hour").is_empty());
    // Call-backs are compared in rules for everyone.
    assert_eq!(
        threshold_lines(section("anp04"), "callback_in_time"),
        ["threshold: &lt; 80%, &gt;= 80%"]
    );
}

#[test]
fn subjects_can_be_chosen_several_times_and_may_be_missing() {
    let page = ooh(&[
        "--subject",
        "gp05",
        "--subject",
        "anp04",
        "--subject",
        "gp05",
    ]);
    let ids: Vec<String> = subject_sections(&page)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["gp05", "anp04"]);
    let page = ooh(&["--subject", "nobody"]);
    let sections = subject_sections(&page);
    assert_eq!(sections.len(), 1);
    assert!(sections[0].1.contains("<h3>nobody</h3>"));
    assert!(sections[0].1.contains("not in the data"));
    assert!(sections[0].1.contains("no values in this range"));
}

#[test]
fn by_default_the_busiest_twelve_subjects_are_drawn() {
    let page = ooh(&[]);
    let ids: Vec<String> = subject_sections(&page)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len(), 12, "{ids:?}");
    // anp04 and gp13 have four new actions each, more than anyone else; ties go by id.
    assert_eq!(ids[..2], ["anp04", "gp13"]);
}

#[test]
fn no_line_crosses_a_missing_month() {
    // gp11 has no call-back figure for 2026-08.
    let page = html(
        "policies/ooh_callbacks.policy",
        "2026-06",
        "2026-10",
        &["--subject", "gp11"],
    );
    let sections = subject_sections(&page);
    let d = series_path(&sections[0].1, "callback_in_time");
    // June and July joined, then a gap, then September and October joined.
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert_eq!(d.matches('L').count(), 2, "{d}");
    // The other metrics have every month.
    assert_eq!(
        series_path(&sections[0].1, "callbacks")
            .matches('M')
            .count(),
        1
    );
}

#[test]
fn empty_and_single_month_ranges_still_make_a_page() {
    let quiet = html("policies/ooh_callbacks.policy", "2025-10", "2025-12", &[]);
    assert!(quiet.contains("No rule asked for a new action in this range."));
    assert!(quiet.contains("No subject had a new action in this range."));
    assert!(quiet.contains("<svg"));
    let one = ooh_one_month();
    assert!(one.starts_with("<!DOCTYPE html>"));
    assert_eq!(subject_sections(&one).len(), 1);
    assert!(!one.contains("NaN"));
    let future = html(
        "policies/ooh_callbacks.policy",
        "2030-01",
        "2030-02",
        &["--subject", "gp05"],
    );
    assert!(future.contains("no values in this range"));
    assert!(!future.contains("NaN"));
}

fn ooh_one_month() -> String {
    html(
        "policies/ooh_callbacks.policy",
        "2026-10",
        "2026-10",
        &["--subject", "gp05"],
    )
}

#[test]
fn a_comparison_and_an_agreement_get_tables() {
    let page = ooh(&[
        "--compare",
        "tests/fixtures/backtest/ooh_85.policy",
        "--actual",
        "tests/fixtures/backtest/actual.csv",
    ]);
    assert!(page.contains("<h2>Compared with “OOH clinician call-backs at 85%”</h2>"));
    assert!(page.contains("<h2>Agreement with what was done</h2>"));
    assert!(page.contains("<code>first_month</code>: 37 against 17"));
}

/// The HTML backtest of the PSR fixture (cases and deadlines), 2026-09 to 2027-04.
fn psr(extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["backtest", "tests/fixtures/backtest/psr/policy.policy"])
        .args(["--data", "tests/fixtures/backtest/psr/data"])
        .args(["--from", "2026-09", "--to", "2027-04", "--format", "html"])
        .args(extra)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "escalate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the page is UTF-8")
}

/// The page's text from `start` up to (not including) `end`.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("no {start}"));
    let to = page[from..].find(end).unwrap_or_else(|| panic!("no {end}")) + from;
    &page[from..to]
}

#[test]
fn a_policy_with_cases_charts_open_cases_and_missed_deadlines() {
    let page = psr(&[]);
    let open = between(
        &page,
        "<h2>Open cases per month</h2>",
        "<h2>Missed deadlines",
    );
    // psr-02a (1 Sep to 7 Dec), psr-01 (5 Oct to 15 Mar), psr-02b (from 2 Nov), psr-03
    // (from 4 Jan), open on each month's last day; psr-04 opens after the range.
    let counts: Vec<&str> = open
        .split("<title>psr_plan, ")
        .skip(1)
        .map(|t| t.split("</title>").next().unwrap())
        .collect();
    assert_eq!(
        counts,
        [
            "2026-09: 1 open case",
            "2026-10: 2 open cases",
            "2026-11: 3 open cases",
            "2026-12: 2 open cases",
            "2027-01: 3 open cases",
            "2027-02: 3 open cases",
            "2027-03: 2 open cases",
            "2027-04: 2 open cases",
        ]
    );
    let missed = between(
        &page,
        "<h2>Missed deadlines per month</h2>",
        "<h2>Subjects over time</h2>",
    );
    // Overdue plans (psr-02a from 2026-09; psr-01 in 2026-11; psr-02b in 2026-12 and 2027-01)
    // and late ones (psr-01 from 2026-12 until it closed; psr-02b from 2027-02).
    for bar in [
        "plan_overdue, 2026-09: 1 action",
        "plan_overdue, 2026-11: 2 actions",
        "plan_overdue, 2026-12: 1 action",
        "plan_was_late, 2026-12: 1 action",
        "plan_was_late, 2027-02: 2 actions",
        "plan_was_late, 2027-03: 1 action",
    ] {
        assert!(missed.contains(&format!("<title>{bar}</title>")), "{bar}");
    }
    assert!(
        !missed.contains("plan_due_soon,"),
        "a pending deadline is not missed"
    );
    assert!(
        !missed.contains("review_overdue,"),
        "review_overdue tests no deadline"
    );
}

#[test]
fn a_subject_timeline_shows_its_cases() {
    let page = psr(&["--subject", "p02"]);
    let sections = subject_sections(&page);
    assert_eq!(sections.len(), 1);
    let p02 = &sections[0].1;
    let episodes = between(p02, "<ul class=\"legend episodes\">", "</ul>");
    insta::assert_snapshot!("psr_p02_episodes", episodes.replace("</li>", "</li>\n"));
    let figure = between(p02, "<figure class=\"cases\"", "</figure>");
    // One row per case, and one for the action that is not of a case.
    for label in ["psr-02a", "psr-02b", "not in a case"] {
        assert!(
            figure.contains(&format!("text-anchor=\"end\">{label}</text>")),
            "{label}"
        );
    }
    assert!(figure.contains("<title>case psr-02a: opened 2026-09-01, closed 2026-12-07</title>"));
    assert!(figure.contains("<title>case psr-02b: opened 2026-11-02, still open</title>"));
    assert!(
        figure.contains("<title>“Plan not created within 20 working days” for case psr-02a ended 2026-12: case closed</title>")
    );
    assert!(figure.contains(
        "<title>“Plan not created within 20 working days” for case psr-02b started 2026-12</title>"
    ));
    assert!(figure.contains(
        "<title>“Two requests for an action plan within 6 months” started 2026-11</title>"
    ));
    // The policy declares no metric: no metric charts.
    assert!(!p02.contains("<figure data-metric="));
}

#[test]
fn a_policy_without_cases_has_no_case_charts() {
    let page = ooh(&["--subject", "gp05"]);
    assert!(!page.contains("Open cases per month"));
    assert!(!page.contains("Missed deadlines per month"));
    assert!(!page.contains("class=\"cases\""));
}

//! Version 1's words are contextual (spec §14, §18): a v0 policy whose metrics, fields and
//! subjects are called `firstname`, `latest_score`, `dayssince_x`, `open`, `days`, `event`,
//! `case`, `first`, `latest`, `since` or `within` still parses as v0, checks without a
//! warning, and evaluates exactly as the same policy with names that are not v1 words.
//!
//! The policy is written once as a template: `@name@` is replaced by the v1 word for the
//! policy under test, and by the same word with one letter changed (`days` → `dxys`) for the
//! policy it is compared with. The changed words are chosen so that changing them back in any
//! output (formatted text, evaluation JSON) gives the output of the policy under test.

use escalate::{format_policy, run_tests, Dataset, EvalOptions, Month, Policy, Schema};
use proptest::prelude::*;

use crate::generated::Shape;

/// Each name the template uses: the v1 word, and a name of the same length that is not one.
const NAMES: &[(&str, &str)] = &[
    ("firstname", "fxrstname"),
    ("latest_score", "lxtest_score"),
    ("dayssince_x", "dxyssince_x"),
    ("open", "opxn"),
    ("days", "dxys"),
    ("event", "evxnt"),
    ("case", "cxse"),
    ("first", "fxrst"),
    ("latest", "lxtest"),
    ("since", "sxnce"),
    ("within", "wxthin"),
];

/// A v0 policy over metrics, subject fields, concern fields and test subjects named with
/// v1's words; its tests say what it decides.
const TEMPLATE: &str = r#"# A v0 policy whose names begin with, or are, the words of version 1.
policy "Names that begin with the new words"

role operations_manager "Operations Manager"
role medical_lead       "Medical Lead"

metric @firstname@    "Patients seen for the first time" count
metric @latest_score@ "Latest audit score" percent, higher is better
metric @dayssince_x@  "Days since the last audit" count
metric @open@         "Complaints still open" count
metric @days@         "Days absent" count
metric @event@        "Incidents reported" count
metric @case@         "Cases reviewed" count
metric @first@        "First-contact resolution rate" number

subjects {
  @within@: one of gp, nurse
  @since@:  flag
}

concerns {
  @latest@: flag
}

rule low_score "Low audit score with new patients" {
  when @firstname@ > 3 and @latest_score@ < 50%
  severity low
  require "Check the audit with the clinician"
  owner operations_manager
  due 5 working days
}

rule audit_gap "A long gap since the audit, or repeated absence" {
  applies to @within@ = gp
  when @dayssince_x@ >= 10 or @days@ >= 2 for 2 consecutive months
  severity moderate
  replaces low_score
  require "Review the audit and absence with the clinician"
  owner medical_lead
  involve operations_manager
  due 10 working days
}

rule open_items "Open complaints and many incidents or cases" {
  when @open@ > 0 and @event@ + @case@ >= 3 and @first@ < 2.5
  severity moderate
  require "Go through the open complaints"
  owner operations_manager
  due 5 working days
}

rule recent_concerns "Recent concerns marked as latest" {
  applies to @since@
  when count(concerns in last 3 months where @latest@) >= 2 or @days@ >= 1 in 2 of the last 3 months
  severity high
  require "Meet the clinician about the recent concerns"
  owner medical_lead
  due 2 working days
}

test "each new word is still a name" {
  as of 2026-10
  given @event@ @firstname@ 2026-10 = 5
  given @event@ @latest_score@ 2026-10 = 40%
  given @event@ @dayssince_x@ 2026-10 = 3
  given @event@ @days@ 2026-09 = 2, 2026-10 = 1
  given @event@ @open@ 2026-10 = 1
  given @event@ @event@ 2026-10 = 1
  given @event@ @case@ 2026-10 = 1
  given @event@ @first@ 2026-10 = 2.4
  given @event@ @within@ = gp
  given @event@ @since@ = no
  expect @event@ low_score due 2026-11-06
  expect @event@ not audit_gap
  expect @event@ not open_items
  given @case@ @firstname@ 2026-10 = 0
  given @case@ @latest_score@ 2026-10 = 90%
  given @case@ @dayssince_x@ 2026-10 = 12
  given @case@ @days@ 2026-09 = 0, 2026-10 = 0
  given @case@ @open@ 2026-10 = 2
  given @case@ @event@ 2026-10 = 2
  given @case@ @case@ 2026-10 = 1
  given @case@ @first@ 2026-10 = 1.5
  given @case@ @within@ = gp
  given @case@ @since@ = yes
  given concern k1 about @case@ on 2026-09-02 with @latest@ = yes
  given concern k2 about @case@ on 2026-10-14 with @latest@ = yes
  expect @case@ audit_gap due 2026-11-13
  expect @case@ open_items
  expect @case@ recent_concerns due 2026-11-03
}
"#;

/// The template with each `@name@` replaced by the v1 word (`words`) or the other name.
fn policy_text(words: bool) -> String {
    NAMES
        .iter()
        .fold(TEMPLATE.to_string(), |text, (word, other)| {
            let name = if words { word } else { other };
            text.replace(&format!("@{word}@"), name)
        })
}

/// Output of the comparison policy with its names changed back to the v1 words.
fn back_to_words(output: &str) -> String {
    NAMES
        .iter()
        .fold(output.to_string(), |text, (word, other)| {
            text.replace(other, word)
        })
}

fn checked(words: bool) -> Policy {
    let text = policy_text(words);
    match Policy::parse("names.policy", text.as_str()) {
        Ok(policy) => policy,
        Err(e) => panic!("the policy is refused:\n{}", e.render(false)),
    }
}

#[test]
fn the_template_names_every_word() {
    let text = policy_text(true);
    assert!(
        !text.contains('@'),
        "a name in the template is not in NAMES"
    );
    for (word, _) in NAMES {
        assert!(
            TEMPLATE.contains(&format!("@{word}@")),
            "`{word}` is never used"
        );
    }
}

#[test]
fn v1_words_as_v0_names_check_without_warnings() {
    let policy = checked(true);
    assert!(
        policy.warning_records().is_empty(),
        "{}",
        policy.render_warnings(false)
    );
    let program = policy.program();
    assert!(program.schema.event_kinds.iter().all(|k| k.builtin));
    assert!(program.schema.case_kinds.is_empty());
}

#[test]
fn v1_words_as_v0_names_parse_as_v0() {
    let words = format_policy("words.policy", &policy_text(true)).expect("the policy parses");
    let others =
        format_policy("others.policy", &policy_text(false)).expect("the comparison policy parses");
    assert_eq!(words, back_to_words(&others));
}

#[test]
fn the_policy_tests_pass() {
    let policy = checked(true);
    let report = run_tests(&policy);
    let failures: Vec<String> = report
        .tests
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.render(&policy, false))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.passed(), 1);
    assert_eq!(report.coverage_percent, 100.0, "{:?}", report.coverage);
}

/// A small random dataset for the schema: a few subjects, six months of figures with gaps,
/// subject fields and concerns.
fn generate(schema: &Schema, seed: u64) -> Dataset {
    let shape = Shape {
        subjects: 1..5,
        first: "2026-05",
        months: 6,
        gap_one_in: 8,
        percent: 30..=100,
        count: 0..15,
        no_fields_one_in: 4,
        concerns: 0..4,
        concern_days: 183,
    };
    crate::generated::dataset(schema, seed, &shape)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The policy decides exactly what the same policy with other names decides: the same
    /// actions, due dates, evidence, undecided rules and missing values.
    #[test]
    fn v1_words_evaluate_as_other_names(seed in any::<u64>()) {
        let words = checked(true);
        let others = checked(false);
        let data = generate(&words.program().schema, seed);
        for month in ["2026-09", "2026-10"] {
            let as_of: Month = month.parse().expect("a month");
            let options = EvalOptions::default();
            let got = serde_json::to_string_pretty(&words.evaluate(&data, as_of, &options))
                .expect("JSON");
            let expected = serde_json::to_string_pretty(&others.evaluate(&data, as_of, &options))
                .expect("JSON");
            prop_assert_eq!(&got, &back_to_words(&expected), "as of {}", month);
        }
    }
}

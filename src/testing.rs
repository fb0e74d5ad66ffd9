//! Runs a policy's `test` blocks (spec §8): builds each block's data in memory, evaluates it,
//! and compares with every `expect` line; measures which rules and grade arms the tests
//! exercise (coverage).

use chrono::NaiveDate;
use miette::Diagnostic;
use serde::Serialize;

use crate::ast::{Item, Span};
use crate::data::{Dataset, SubjectIndex};
use crate::diagnostic::{self, DiagnosticRecord};
use crate::eval::{explain, EvalOptions, Evaluation, Exercised, Outcome};
use crate::month::Month;
use crate::policy::Policy;
use crate::program::{ExpectKind, GivenKind, TestDef};
use crate::report::describe_missing;
use crate::schema::Value;

/// Why an `expect` line (or a `given` line) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum TestFailure {
    /// An action was expected and not required.
    #[error("expected `{subject}` to need `{rule}`, but {happened}")]
    #[diagnostic(code(test::expected_action))]
    ActionMissing {
        /// The subject.
        subject: String,
        /// The rule.
        rule: String,
        /// What happened instead.
        happened: String,
        /// The `expect` line.
        #[label("this expectation failed")]
        span: Span,
        /// Which rules were required instead.
        #[help]
        help: Option<String>,
    },
    /// The action was required with another due date.
    #[error("`{rule}` for `{subject}` is due {found}, not {expected}")]
    #[diagnostic(
        code(test::wrong_due_date),
        help(
            "check the `due` clause and the calendar; working days skip weekends and bank holidays"
        )
    )]
    WrongDueDate {
        /// The subject.
        subject: String,
        /// The rule.
        rule: String,
        /// The date expected.
        expected: NaiveDate,
        /// The date found.
        found: String,
        /// The `expect` line.
        #[label("expected {expected}")]
        span: Span,
    },
    /// A deadline was not in the status expected.
    #[error("expected `{deadline}` for `{subject}` to be {expected}, but {found}")]
    #[diagnostic(
        code(test::wrong_deadline_status),
        help("check the deadline's start event, its span and the calendar; working days skip weekends and bank holidays")
    )]
    WrongDeadlineStatus {
        /// The subject.
        subject: String,
        /// The deadline.
        deadline: String,
        /// The status expected, as written.
        expected: String,
        /// What was found.
        found: String,
        /// The `expect` line.
        #[label("this expectation failed")]
        span: Span,
    },
    /// An action was required that should not have been.
    #[error("expected `{subject}` not to need `{rule}`, but it is required")]
    #[diagnostic(code(test::unexpected_action))]
    UnexpectedAction {
        /// The subject.
        subject: String,
        /// The rule.
        rule: String,
        /// The `expect` line.
        #[label("this expectation failed")]
        span: Span,
        /// The evidence that made it required.
        #[help]
        because: Option<String>,
    },
    /// `expect S nothing`, and something was required or undecided.
    #[error("expected nothing for `{subject}`, but {found}")]
    #[diagnostic(code(test::expected_nothing))]
    NotNothing {
        /// The subject.
        subject: String,
        /// What was found.
        found: String,
        /// The `expect` line.
        #[label("this expectation failed")]
        span: Span,
    },
    /// A grade came out at another level.
    #[error("expected `{subject}` to be graded `{expected}` on `{grade}`, but {found}")]
    #[diagnostic(code(test::wrong_grade))]
    WrongGrade {
        /// The subject.
        subject: String,
        /// The grade.
        grade: String,
        /// The level expected.
        expected: String,
        /// The level found, in words.
        found: String,
        /// The `expect` line.
        #[label("this expectation failed")]
        span: Span,
    },
    /// A `given` line contradicts another.
    #[error("{message}")]
    #[diagnostic(code(test::bad_given), help("give each value once"))]
    BadGiven {
        /// What is wrong.
        message: String,
        /// The `given` line.
        #[label("here")]
        span: Span,
    },
}

/// A rule or grade arm that no test exercises in one direction.
#[cfg(feature = "cli")]
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
#[error("{what} {never}")]
#[diagnostic(code(test::uncovered), severity(Warning))]
pub struct Uncovered {
    /// "rule `x`" or "arm `high` of grade `risk`".
    pub what: String,
    /// What no test does, e.g. "never fires in any test".
    pub never: String,
    /// The rule's name or the arm.
    #[label("not covered")]
    pub span: Span,
    /// How to cover it.
    #[help]
    pub help: Option<String>,
}

/// The result of one `test` block.
///
/// See the example of [`run_tests`](crate::run_tests).
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// 1-based line of the test.
    pub line: usize,
    /// Whether every expectation held.
    pub passed: bool,
    /// The failures, as diagnostics.
    pub failures: Vec<DiagnosticRecord>,
    #[serde(skip)]
    failures_raw: Vec<TestFailure>,
}

/// Coverage of one rule or grade arm.
///
/// See the example of [`run_tests`](crate::run_tests).
#[derive(Debug, Clone, Serialize)]
pub struct CoverageItem {
    /// `rule` or `arm`.
    pub kind: &'static str,
    /// The rule's id, or `grade.level`.
    pub name: String,
    /// Some test made it fire (or be chosen).
    pub fired: bool,
    /// Some test made it not fire (or another arm be chosen).
    pub not_fired: bool,
    /// The rule's name or the arm, for the warning when it is not covered.
    #[cfg(feature = "cli")]
    #[serde(skip)]
    span: Span,
}

/// Every test of one policy file, and what they cover.
///
/// See the example of [`run_tests`](crate::run_tests).
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// The policy file.
    pub file: String,
    /// Each test, in file order.
    pub tests: Vec<TestResult>,
    /// Each rule and grade arm.
    pub coverage: Vec<CoverageItem>,
    /// Covered directions over all directions (two per item), as a percentage.
    pub coverage_percent: f64,
}

impl TestReport {
    /// How many tests passed.
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.passed).count()
    }

    /// How many tests failed.
    pub fn failed(&self) -> usize {
        self.tests.len() - self.passed()
    }

    /// The rules and arms not covered in both directions, as warnings.
    #[cfg(feature = "cli")]
    pub(crate) fn uncovered(&self) -> Vec<Uncovered> {
        self.coverage.iter().flat_map(uncovered_of).collect()
    }
}

/// Runs every `test` block of a checked policy (what `escalate test` does): each block's
/// data, built from its `given` lines, is evaluated and compared with its `expect` lines.
///
/// ```
/// let policy = escalate::Policy::parse("p.policy", r#"
///     policy "Call-backs"
///     role lead "Clinical Lead"
///     metric callbacks "Call-backs made" count
///     rule few_callbacks "Fewer than 20 call-backs" {
///       when callbacks < 20
///       severity low
///       require "Check the rota"
///       owner lead
///       due 5 working days
///     }
///     test "a quiet month needs a look at the rota" {
///       as of 2026-10
///       given c1 callbacks 2026-10 = 12
///       given c2 callbacks 2026-10 = 30
///       expect c1 few_callbacks due 2026-11-06
///       expect c2 not few_callbacks
///     }
///     test "a wrong expectation" {
///       as of 2026-10
///       given c1 callbacks 2026-10 = 12
///       expect c1 nothing
///     }
/// "#).unwrap();
/// let report = escalate::run_tests(&policy);
/// assert_eq!((report.passed(), report.failed()), (1, 1));
/// let failed = &report.tests[1];
/// assert_eq!((failed.name.as_str(), failed.passed), ("a wrong expectation", false));
/// assert_eq!(failed.failures[0].code, "test::expected_nothing");
/// assert!(failed.render(&policy, false).contains("expected nothing for `c1`"));
/// // The rule both fires and does not fire in some test: covered both ways.
/// let rule = &report.coverage[0];
/// assert!(rule.fired && rule.not_fired);
/// assert_eq!(report.coverage_percent, 100.0);
/// ```
pub fn run(policy: &Policy) -> TestReport {
    let program = policy.program();
    let mut exercised = Exercised::new(program);
    let tests = program
        .tests
        .iter()
        .map(|test| {
            let (failures, data, as_of) = run_test(policy, test);
            if let Some(data) = data {
                exercised.record(program, &data, as_of);
            }
            let source = policy.source();
            TestResult {
                name: test.name.clone(),
                line: source.lines().line_of(test.span.start) + 1,
                passed: failures.is_empty(),
                failures: failures
                    .iter()
                    .map(|f| diagnostic::record(&source.attach(f), source.name()))
                    .collect(),
                failures_raw: failures,
            }
        })
        .collect();
    let coverage = coverage_items(policy, &exercised);
    let halves = coverage.len() * 2;
    let covered: usize = coverage
        .iter()
        .map(|c| usize::from(c.fired) + usize::from(c.not_fired))
        .sum();
    TestReport {
        file: policy.source().name().to_string(),
        tests,
        coverage_percent: match halves {
            0 => 100.0,
            n => covered as f64 * 100.0 / n as f64,
        },
        coverage,
    }
}

impl TestResult {
    /// The failures rendered for people, against the policy's source.
    pub fn render(&self, policy: &Policy, colour: bool) -> String {
        self.failures_raw
            .iter()
            .map(|f| diagnostic::render(&policy.source().attach(f), colour))
            .collect()
    }
}

/// Runs one test: its failures, and the data it built with its as-of month.
fn run_test(policy: &Policy, test: &TestDef) -> (Vec<TestFailure>, Option<Dataset>, Month) {
    let as_of = test.as_of;
    let (data, mut failures) = build_data(policy, test);
    let evaluation = policy.evaluate(&data, as_of, &EvalOptions::default());
    for expect in &test.expects {
        let check = Expect {
            policy,
            data: &data,
            evaluation: &evaluation,
            as_of,
            subject: &expect.subject,
            span: expect.span,
        };
        failures.extend(check.failure(&expect.kind));
    }
    (failures, Some(data), as_of)
}

/// Builds a test's data from its `given` lines (every subject an `expect` line names is in
/// it too, with no data).
fn build_data(policy: &Policy, test: &TestDef) -> (Dataset, Vec<TestFailure>) {
    let program = policy.program();
    let schema = &program.schema;
    let mut builder = Dataset::builder(schema);
    let mut failures = Vec::new();
    let mut fields: Vec<(SubjectIndex, Vec<Option<Value>>)> = Vec::new();
    for given in &test.givens {
        match &given.kind {
            GivenKind::Metric {
                subject,
                metric,
                values,
            } => {
                let s = builder.add_subject(subject);
                for (month, value) in values {
                    if builder.set_metric(s, *metric, *month, *value).is_err() {
                        failures.push(TestFailure::BadGiven {
                            message: format!(
                                "`{subject}` is given two values for `{}` in {month}",
                                schema.metrics[*metric].id
                            ),
                            span: given.span,
                        });
                    }
                }
            }
            GivenKind::Field {
                subject,
                field,
                value,
            } => {
                let s = builder.add_subject(subject);
                let row = match fields.iter_mut().find(|(id, _)| *id == s) {
                    Some((_, row)) => row,
                    None => {
                        fields.push((s, vec![None; schema.subject_fields.len()]));
                        &mut fields.last_mut().expect("just pushed").1
                    }
                };
                row[*field] = Some(value.clone());
            }
            GivenKind::Concern {
                id,
                subject,
                raised_on,
                fields: values,
            } => {
                let s = builder.add_subject(subject);
                builder.add_concern(s, id, *raised_on, values.clone());
            }
            GivenKind::Event {
                id,
                subject,
                kind,
                date,
                case,
                fields: values,
            } => {
                let s = builder.add_subject(subject);
                builder.add_event(s, id, *kind, *date, case.as_deref(), values.clone());
            }
        }
    }
    for expect in &test.expects {
        builder.add_subject(&expect.subject);
    }
    for (subject, row) in fields {
        builder.set_subject_fields(subject, row);
    }
    (builder.finish(), failures)
}

/// One `expect` line against an evaluation.
struct Expect<'a> {
    policy: &'a Policy,
    data: &'a Dataset,
    evaluation: &'a Evaluation,
    as_of: Month,
    subject: &'a str,
    span: Span,
}

impl Expect<'_> {
    fn failure(&self, expectation: &ExpectKind) -> Option<TestFailure> {
        match expectation {
            ExpectKind::Fires { rule, case, due } => self.fires(rule, case.as_deref(), *due),
            ExpectKind::Deadline {
                deadline,
                test,
                written,
                case,
            } => self.deadline(*deadline, test, written, case.as_deref()),
            ExpectKind::DoesNotFire { rule } => self.does_not_fire(rule),
            ExpectKind::Nothing => self.nothing(),
            ExpectKind::Grade { grade, level } => self.grade(grade, level),
        }
    }

    /// The subject's action for `rule` (for case `case` when given).
    fn action(&self, rule: &str, case: Option<&str>) -> Option<&crate::eval::Action> {
        self.evaluation.actions.iter().find(|a| {
            a.subject == self.subject
                && a.rule == rule
                && case.is_none_or(|c| a.case.as_deref() == Some(c))
        })
    }

    /// `expect S D is STATUS [for case C]`.
    fn deadline(
        &self,
        index: usize,
        test: &crate::program::StatusTest,
        written: &str,
        case: Option<&str>,
    ) -> Option<TestFailure> {
        let program = self.policy.program();
        let name = program.deadlines[index].name.clone().unwrap_or_default();
        let expected = written.to_string();
        let found = crate::eval::check_deadline(
            program,
            self.data,
            self.as_of,
            &EvalOptions::default(),
            &crate::eval::DeadlineQuery {
                subject: self.subject,
                deadline: index,
                test,
                case,
            },
        );
        let found = match found {
            Some(check) if check.holds == crate::eval::Truth::True => return None,
            Some(check) => match (check.state, check.due) {
                (Some(state), Some(due)) => {
                    format!("it is {} (due {due})", state.word().replace('_', " "))
                }
                (Some(state), None) => format!("it is {}", state.word().replace('_', " ")),
                (None, _) => "it is unknown: an event it needs is not recorded".to_string(),
            },
            None => match case {
                Some(case) => format!("`{}` has no case `{case}`", self.subject),
                None => format!("`{}` is not in the test's data", self.subject),
            },
        };
        Some(TestFailure::WrongDeadlineStatus {
            subject: self.subject.to_string(),
            deadline: name.to_string(),
            expected,
            found,
            span: self.span,
        })
    }

    fn required_rules(&self) -> Vec<String> {
        self.evaluation
            .actions
            .iter()
            .filter(|a| a.subject == self.subject)
            .map(|a| format!("`{}`", a.rule))
            .collect()
    }

    fn fires(&self, rule: &str, case: Option<&str>, due: Option<NaiveDate>) -> Option<TestFailure> {
        let Some(action) = self.action(rule, case) else {
            let required = self.required_rules();
            return Some(TestFailure::ActionMissing {
                subject: self.subject.to_string(),
                rule: rule.to_string(),
                happened: self.what_happened(rule),
                span: self.span,
                help: match required.is_empty() {
                    true => Some(format!("no action was required for `{}`", self.subject)),
                    false => Some(format!(
                        "required for `{}`: {}",
                        self.subject,
                        required.join(", ")
                    )),
                },
            });
        };
        let expected = due?;
        (action.due != Some(expected)).then(|| TestFailure::WrongDueDate {
            subject: self.subject.to_string(),
            rule: rule.to_string(),
            expected,
            found: action
                .due
                .map_or("never (after the year 9999)".to_string(), |d| d.to_string()),
            span: self.span,
        })
    }

    /// Why a rule's action was not required, in words.
    fn what_happened(&self, rule: &str) -> String {
        let program = self.policy.program();
        let explained = explain(
            program,
            self.data,
            self.as_of,
            &EvalOptions::default(),
            self.subject,
            Some(rule),
            None,
        );
        let Some(explanation) = explained.ok().and_then(|e| e.rules.into_iter().next()) else {
            return "it was not required".to_string();
        };
        match explanation.outcome {
            Outcome::Replaced => format!(
                "it was replaced by `{}`",
                explanation.replaced_by.unwrap_or_default()
            ),
            Outcome::DoesNotApply => {
                "the rule does not apply to this subject (`applies to` is false)".to_string()
            }
            Outcome::NotRequired => "its condition does not hold".to_string(),
            Outcome::Undecided => {
                let missing = self
                    .evaluation
                    .undecided
                    .iter()
                    .find(|u| u.subject == self.subject && u.rule == rule)
                    .map(|u| describe_missing(&u.missing))
                    .unwrap_or_default();
                format!("it is undecided: no {missing}")
            }
            Outcome::Required => "it was not required".to_string(),
        }
    }

    fn does_not_fire(&self, rule: &str) -> Option<TestFailure> {
        let action = self.action(rule, None)?;
        let because = crate::report::evidence_lines(&action.evidence);
        Some(TestFailure::UnexpectedAction {
            subject: self.subject.to_string(),
            rule: rule.to_string(),
            span: self.span,
            because: (!because.is_empty())
                .then(|| format!("it holds because {}", because.join("; "))),
        })
    }

    fn nothing(&self) -> Option<TestFailure> {
        let required = self.required_rules();
        let undecided: Vec<String> = self
            .evaluation
            .undecided
            .iter()
            .filter(|u| u.subject == self.subject)
            .map(|u| format!("`{}`", u.rule))
            .collect();
        let found = match (required.is_empty(), undecided.is_empty()) {
            (true, true) => return None,
            (false, true) => format!("it needs {}", required.join(", ")),
            (true, false) => format!("{} undecided for lack of data", undecided.join(", ")),
            (false, false) => format!(
                "it needs {} and {} undecided",
                required.join(", "),
                undecided.join(", ")
            ),
        };
        Some(TestFailure::NotNothing {
            subject: self.subject.to_string(),
            found,
            span: self.span,
        })
    }

    fn grade(&self, grade: &str, level: &str) -> Option<TestFailure> {
        let result = self
            .evaluation
            .grades
            .iter()
            .find(|g| g.subject == self.subject && g.grade == grade);
        let found = match result.and_then(|g| g.level.as_deref()) {
            Some(found) if found == level => return None,
            Some(found) => format!("it is `{found}`"),
            None => match result {
                Some(g) => format!("it is unknown: no {}", describe_missing(&g.missing)),
                None => "it was not graded".to_string(),
            },
        };
        Some(TestFailure::WrongGrade {
            subject: self.subject.to_string(),
            grade: grade.to_string(),
            expected: level.to_string(),
            found,
            span: self.span,
        })
    }
}

/// Coverage items in file order, each with the span of its name.
fn coverage_items(policy: &Policy, exercised: &Exercised) -> Vec<CoverageItem> {
    let program = policy.program();
    let mut items = Vec::new();
    for item in &policy.syntax().items {
        match item {
            Item::Rule(rule) => {
                let Some(index) = program.rule_index(&rule.id.value) else {
                    continue;
                };
                items.push(CoverageItem {
                    kind: "rule",
                    name: rule.id.value.clone(),
                    fired: exercised.rule_held[index],
                    not_fired: exercised.rule_failed[index],
                    #[cfg(feature = "cli")]
                    span: rule.id.span,
                });
            }
            Item::Grade(grade) => {
                let Some(index) = program.grade_index(&grade.id.value) else {
                    continue;
                };
                for (arm, written) in grade.arms.iter().enumerate() {
                    items.push(CoverageItem {
                        kind: "arm",
                        name: format!("{}.{}", grade.id.value, written.level.value),
                        fired: exercised.arm_chosen[index][arm],
                        not_fired: exercised.arm_passed_over[index][arm],
                        #[cfg(feature = "cli")]
                        span: written.span,
                    });
                }
            }
            _ => {}
        }
    }
    items
}

#[cfg(feature = "cli")]
fn uncovered_of(item: &CoverageItem) -> Vec<Uncovered> {
    let (what, yes, no, help_yes, help_no) = match item.kind {
        "rule" => (
            format!("rule `{}`", item.name),
            "never fires in any test",
            "fires in every test: no test makes it not fire",
            "add a test with data that makes its condition hold, and `expect SUBJECT RULE`",
            "add a test where its condition does not hold, and `expect SUBJECT not RULE`",
        ),
        _ => {
            let (grade, level) = item.name.split_once('.').unwrap_or((&item.name, ""));
            (
                format!("arm `{level}` of grade `{grade}`"),
                "is never chosen in any test",
                "is chosen in every test: no test gives another level",
                "add a test whose data gives this level, and `expect SUBJECT GRADE = LEVEL`",
                "add a test whose data gives another level",
            )
        }
    };
    let mut found = Vec::new();
    if !item.fired {
        found.push(Uncovered {
            what: what.clone(),
            never: yes.to_string(),
            span: item.span,
            help: Some(help_yes.to_string()),
        });
    }
    if !item.not_fired {
        found.push(Uncovered {
            what,
            never: no.to_string(),
            span: item.span,
            help: Some(help_no.to_string()),
        });
    }
    found
}

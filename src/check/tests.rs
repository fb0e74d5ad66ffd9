//! Test blocks: every name they use exists, and every value fits its declaration.

use super::names::in_order;
use super::{CheckError, Checker};
use crate::ast::{
    self, Expectation, Item, LiteralKind, PolicyFile, Span, Spanned, TestStatementKind,
};
use crate::number::parse_decimal;
use crate::program::{ExpectDef, ExpectKind, Given, GivenKind, TestDef};
use crate::schema::{FieldType, MetricKind};
use crate::suggest::did_you_mean;
use rust_decimal::Decimal;

impl Checker<'_> {
    pub(super) fn check_tests(&mut self, file: &PolicyFile) -> Vec<TestDef> {
        let mut names: std::collections::HashMap<String, Span> = Default::default();
        let mut tests = Vec::new();
        for item in &file.items {
            let Item::Test(test) = item else { continue };
            if let Some(&first) = names.get(&test.name.value) {
                self.error(CheckError::DuplicateName {
                    name: test.name.value.clone(),
                    span: test.name.span,
                    first,
                    help: Some(
                        "give each test its own name, so a failure says which one".to_string(),
                    ),
                });
            }
            names.insert(test.name.value.clone(), test.name.span);
            self.check_test(test);
            tests.push(self.test_def(test));
        }
        tests
    }

    /// A checked test block resolved for running. Anything the checker refused (reported
    /// already, so the program is never run) is left out.
    fn test_def(&mut self, test: &ast::Test) -> TestDef {
        let mut def = TestDef {
            name: test.name.value.clone(),
            as_of: crate::month::Month::of_date(chrono::NaiveDate::default()),
            givens: Vec::new(),
            expects: Vec::new(),
            span: test.span,
        };
        for statement in &test.statements {
            let span = statement.span;
            match &statement.kind {
                TestStatementKind::AsOf(month) => def.as_of = month.value,
                TestStatementKind::Expect {
                    subject,
                    expectation,
                } => def
                    .expects
                    .extend(self.expect_def(expectation).map(|kind| ExpectDef {
                        subject: subject.value.clone(),
                        kind,
                        span,
                    })),
                given => def
                    .givens
                    .extend(self.given_kind(given).map(|kind| Given { kind, span })),
            }
        }
        def
    }

    fn given_kind(&self, given: &TestStatementKind) -> Option<GivenKind> {
        let schema = &self.schema;
        let field_values = |defs: Vec<&crate::schema::FieldDef>,
                            given: &[(ast::Ident, ast::Literal)]| {
            defs.into_iter()
                .map(|def| {
                    let (_, literal) = given.iter().find(|(name, _)| name.value == def.name)?;
                    Some(literal_value(&def.ty, &literal.kind))
                })
                .collect::<Option<Vec<_>>>()
        };
        Some(match given {
            TestStatementKind::GivenMetric {
                subject,
                metric,
                values,
            } => GivenKind::Metric {
                subject: subject.value.clone(),
                metric: schema.metric_index(&metric.value)?,
                values: values
                    .iter()
                    .map(|(month, literal)| (month.value, literal_number(&literal.kind)))
                    .collect(),
            },
            TestStatementKind::GivenField {
                subject,
                field,
                value,
            } => {
                let index = schema.subject_field_index(&field.value)?;
                GivenKind::Field {
                    subject: subject.value.clone(),
                    field: index,
                    value: literal_value(&schema.subject_fields[index].ty, &value.kind),
                }
            }
            TestStatementKind::GivenConcern {
                id,
                subject,
                raised_on,
                fields,
            } => GivenKind::Concern {
                id: id.value.clone(),
                subject: subject.value.clone(),
                raised_on: raised_on.value,
                fields: field_values(schema.concern_fields.iter().collect(), fields)?,
            },
            TestStatementKind::GivenEvent {
                id,
                kind,
                subject,
                date,
                case,
                fields,
            } => {
                let index = schema.event_kind_index(&kind.value)?;
                let defs = schema.event_kinds[index]
                    .fields
                    .iter()
                    .map(|&g| &schema.event_fields[g])
                    .collect();
                GivenKind::Event {
                    id: id.value.clone(),
                    subject: subject.value.clone(),
                    kind: index,
                    date: date.value,
                    case: case.as_ref().map(|c| c.value.clone()),
                    fields: field_values(defs, fields)?,
                }
            }
            TestStatementKind::AsOf(_) | TestStatementKind::Expect { .. } => return None,
        })
    }

    /// What an `expect` line asks; its status word (`is ...`) is checked here.
    fn expect_def(&mut self, expectation: &Expectation) -> Option<ExpectKind> {
        let case_id = |case: &Option<Spanned<String>>| case.as_ref().map(|c| c.value.clone());
        Some(match expectation {
            Expectation::Fires { rule, case, due } => ExpectKind::Fires {
                rule: rule.value.clone(),
                case: case_id(case),
                due: due.as_ref().map(|d| d.value),
            },
            Expectation::DoesNotFire { rule } => ExpectKind::DoesNotFire {
                rule: rule.value.clone(),
            },
            Expectation::Nothing => ExpectKind::Nothing,
            Expectation::Grade { grade, level } => ExpectKind::Grade {
                grade: grade.value.clone(),
                level: level.value.clone(),
            },
            Expectation::Deadline {
                deadline,
                status,
                case,
            } => {
                let mut cx = super::expr::ExprChecker::new(
                    self,
                    super::expr::Scope::Subject,
                    None,
                    super::events::CaseCtx::Subject,
                );
                let test = cx.status(status);
                let written = super::events::collapse(cx.text(status.span));
                ExpectKind::Deadline {
                    deadline: self.deadline_index(&deadline.value)?,
                    test: test?,
                    written,
                    case: case_id(case),
                }
            }
        })
    }

    fn check_test(&mut self, test: &ast::Test) {
        let as_of: Vec<Span> = test
            .statements
            .iter()
            .filter(|s| matches!(s.kind, TestStatementKind::AsOf(_)))
            .map(|s| s.span)
            .collect();
        match as_of.as_slice() {
            [] => self.bad_test(
                format!("test \"{}\" has no `as of` line", test.name.value),
                test.name.span,
                "which month does this test evaluate?",
                "add a line such as `as of 2026-10`",
            ),
            [_] => {}
            [first, again, ..] => self.duplicate_clause(
                "as of",
                format!(" in test \"{}\"", test.name.value),
                *again,
                *first,
            ),
        }
        for statement in &test.statements {
            self.check_test_statement(&statement.kind);
        }
    }

    fn bad_test(&mut self, message: String, span: Span, label: &str, help: &str) {
        self.error(CheckError::BadTest {
            message,
            span,
            label: label.to_string(),
            help: Some(help.to_string()),
        });
    }

    fn check_test_statement(&mut self, kind: &TestStatementKind) {
        match kind {
            TestStatementKind::AsOf(_) => {}
            TestStatementKind::GivenEvent {
                id,
                kind,
                case,
                fields,
                ..
            } => self.check_given_event(id, kind, case.as_ref(), fields),
            TestStatementKind::GivenMetric { metric, values, .. } => {
                let Some(&index) = self.symbols.metrics.get(&metric.value) else {
                    let metrics = in_order(&self.symbols.metrics);
                    let help = self.suggest(&metric.value, &metrics);
                    self.error(CheckError::UnknownMetric {
                        name: metric.value.clone(),
                        span: metric.span,
                        help,
                    });
                    return;
                };
                for (_, value) in values {
                    self.check_metric_literal(index, &metric.value, value);
                }
            }
            TestStatementKind::GivenField { field, value, .. } => {
                let Some(&index) = self.symbols.subject_fields.get(&field.value) else {
                    let help = did_you_mean(
                        &field.value,
                        self.symbols.subject_fields.keys().map(String::as_str),
                    );
                    self.error(CheckError::UnknownField {
                        name: field.value.clone(),
                        span: field.span,
                        help,
                    });
                    return;
                };
                let ty = self.schema.subject_fields[index].ty.clone();
                self.check_field_literal(&ty, &field.value, value);
            }
            TestStatementKind::GivenConcern { id, fields, .. } => {
                self.check_given_concern(id, fields)
            }
            TestStatementKind::Expect { expectation, .. } => self.check_expectation(expectation),
        }
    }

    fn check_given_concern(
        &mut self,
        id: &ast::Spanned<String>,
        fields: &[(ast::Ident, ast::Literal)],
    ) {
        let mut given = vec![false; self.schema.concern_fields.len()];
        for (field, value) in fields {
            let Some(&index) = self.symbols.concern_fields.get(&field.value) else {
                let help = did_you_mean(
                    &field.value,
                    self.symbols.concern_fields.keys().map(String::as_str),
                );
                self.error(CheckError::UnknownConcernField {
                    name: field.value.clone(),
                    span: field.span,
                    help,
                });
                continue;
            };
            given[index] = true;
            let ty = self.schema.concern_fields[index].ty.clone();
            self.check_field_literal(&ty, &field.value, value);
        }
        let missing: Vec<String> = self
            .schema
            .concern_fields
            .iter()
            .zip(&given)
            .filter(|(_, g)| !**g)
            .map(|(f, _)| format!("`{}`", f.name))
            .collect();
        if !missing.is_empty() {
            self.bad_test(
                format!(
                    "concern `{}` has no value for {}",
                    id.value,
                    missing.join(", ")
                ),
                id.span,
                "every concern needs a value for each declared field",
                &format!("add `with {} = ...`", missing[0].trim_matches('`')),
            );
        }
    }

    /// `given event ID KIND about S on D [in case C] [with F = V, ...]`: a declared kind, a
    /// case exactly when the kind belongs to one, and a value of the right type for each of
    /// its fields.
    fn check_given_event(
        &mut self,
        id: &Spanned<String>,
        kind: &ast::Ident,
        case: Option<&Spanned<String>>,
        fields: &[(ast::Ident, ast::Literal)],
    ) {
        let Some(index) = self.declared_kind(kind) else {
            return;
        };
        let def = self.schema.event_kinds[index].clone();
        match (def.case, case) {
            (Some(c), None) => self.bad_test(
                format!("event `{}` needs its case", id.value),
                kind.span,
                "an event of a case kind",
                &format!(
                    "add `in case ...` with the id of its `{}` case",
                    self.schema.case_kinds[c].id
                ),
            ),
            (None, Some(case)) => self.bad_test(
                format!(
                    "`{}` belongs to no case, so event `{}` cannot have one",
                    kind.value, id.value
                ),
                case.span,
                "no case for this kind",
                "remove `in case ...`",
            ),
            _ => {}
        }
        let mut given: Vec<String> = Vec::new();
        let mut unknown = false;
        for (name, value) in fields {
            let declared = def
                .fields
                .iter()
                .copied()
                .find(|&g| self.schema.event_fields[g].name == name.value);
            let Some(g) = declared else {
                let names: Vec<String> = def
                    .fields
                    .iter()
                    .map(|&g| self.schema.event_fields[g].name.clone())
                    .collect();
                let help = match names.is_empty() {
                    true => Some(format!("`{}` has no fields: remove `with ...`", kind.value)),
                    false => self.suggest(&name.value, &names),
                };
                self.error(super::events::event_error(
                    super::EventCode::UnknownEventField,
                    format!("`{}` is not a field of `{}`", name.value, kind.value),
                    name.span,
                    "not a field of this event",
                    help,
                ));
                unknown = true;
                continue;
            };
            given.push(self.schema.event_fields[g].name.clone());
            let ty = self.schema.event_fields[g].ty.clone();
            self.check_field_literal(&ty, &name.value, value);
        }
        let missing: Vec<String> = def
            .fields
            .iter()
            .map(|&g| self.schema.event_fields[g].name.clone())
            .filter(|n| !given.contains(n))
            .collect();
        // A misspelt field is reported once, not again as the field it should have been.
        if let Some(first) = missing.first().filter(|_| !unknown) {
            self.bad_test(
                format!("event `{}` has no value for `{first}`", id.value),
                id.span,
                "every event needs a value for each field of its kind",
                &format!("add `with {first} = ...`"),
            );
        }
    }

    fn check_expectation(&mut self, expectation: &Expectation) {
        match expectation {
            Expectation::Nothing => {}
            Expectation::Deadline { deadline, case, .. } => {
                // The status word is checked where the line is resolved (`expect_def`).
                if let Some(index) = self.deadline_index(&deadline.value) {
                    self.check_deadline_scope(deadline, index, case.as_ref());
                } else {
                    let names = self.deadline_names();
                    let help = self.suggest(&deadline.value, &names);
                    self.error(super::events::event_error(
                        super::EventCode::UnknownDeadline,
                        format!("there is no deadline called `{}`", deadline.value),
                        deadline.span,
                        "not a deadline of this policy",
                        help,
                    ));
                }
            }
            Expectation::Fires { rule, .. } | Expectation::DoesNotFire { rule } => {
                self.resolve_rule(rule);
            }
            Expectation::Grade { grade, level } => {
                let Some(&g) = self.symbols.grades.get(&grade.value) else {
                    let grades = in_order(&self.symbols.grades);
                    let help = self.suggest(&grade.value, &grades);
                    self.error(CheckError::UnknownGrade {
                        name: grade.value.clone(),
                        span: grade.span,
                        help,
                    });
                    return;
                };
                if self.grades[g].per_concern {
                    self.bad_test(
                        format!(
                            "grade `{}` is given to each concern, not to a subject",
                            grade.value
                        ),
                        grade.span,
                        "a grade for each concern",
                        "expect a grade that is given to subjects",
                    );
                    return;
                }
                if !self.grades[g].levels.contains(&level.value) {
                    let help = did_you_mean(
                        &level.value,
                        self.grades[g].levels.iter().map(String::as_str),
                    );
                    self.error(CheckError::UnknownLevel {
                        name: level.value.clone(),
                        grade: grade.value.clone(),
                        span: level.span,
                        help,
                    });
                }
            }
        }
    }

    /// `for case C` exactly when the rules that test the deadline are for each case.
    fn check_deadline_scope(
        &mut self,
        deadline: &ast::Ident,
        index: usize,
        case: Option<&Spanned<String>>,
    ) {
        use super::events::CaseCtx;
        let scopes = self.deadline_scopes(index).to_vec();
        let per_subject = scopes.contains(&CaseCtx::Subject);
        let per_case = scopes.iter().find_map(|s| match s {
            CaseCtx::Case(c) => Some(*c),
            _ => None,
        });
        match (case, per_subject, per_case) {
            (None, false, Some(c)) => self.bad_test(
                format!(
                    "`{}` is tested for each `{}` case, so the test must say which case",
                    deadline.value, self.schema.case_kinds[c].id
                ),
                deadline.span,
                "which case?",
                "add `for case ...` with the case id, as in `expect p01 plan_due is overdue for case psr-01`",
            ),
            (Some(case), true, None) => self.bad_test(
                format!(
                    "`{}` is tested only in rules about the whole subject, so it has no case",
                    deadline.value
                ),
                case.span,
                "no case here",
                "remove `for case ...`",
            ),
            _ => {}
        }
    }

    fn check_metric_literal(&mut self, index: usize, metric: &str, value: &ast::Literal) {
        let Some(kind) = self.metric_kinds[index] else {
            return; // its kind is unknown, and already reported
        };
        let problem = match (&value.kind, kind) {
            (LiteralKind::Percent(text) | LiteralKind::Number(text), MetricKind::Percent) => {
                let fits = parse_decimal(text)
                    .is_ok_and(|n| n >= Decimal::ZERO && n <= Decimal::ONE_HUNDRED);
                (!fits).then(|| format!("`{text}%` is not a percentage from 0% to 100%"))
            }
            (LiteralKind::Number(text), MetricKind::Count) => {
                let whole = text.parse::<u64>().is_ok();
                (!whole).then(|| format!("`{text}` is not a count (a whole number, 0 or more)"))
            }
            (LiteralKind::Number(text), MetricKind::Number) => {
                let ok = parse_decimal(text).is_ok();
                (!ok).then(|| format!("`{text}` is not a number"))
            }
            (LiteralKind::Percent(text), _) => Some(format!(
                "`{metric}` is not a percentage, so `{text}%` does not fit"
            )),
            _ => Some(format!(
                "`{metric}` is a {kind} metric; this value is not a number"
            )),
        };
        if let Some(message) = problem {
            let help = metric_value_help(metric, kind, &value.kind);
            self.bad_test(message, value.span, "does not fit the metric", &help);
        }
    }

    fn check_field_literal(&mut self, ty: &FieldType, field: &str, value: &ast::Literal) {
        let fits = match (ty, &value.kind) {
            (FieldType::Text, LiteralKind::Text(_) | LiteralKind::Name(_)) => true,
            (FieldType::Number, LiteralKind::Number(t)) => parse_decimal(t).is_ok(),
            (FieldType::Flag, LiteralKind::Flag(_)) => true,
            (FieldType::Date, LiteralKind::Date(_)) => true,
            (FieldType::Integer { min, max }, LiteralKind::Number(t)) => {
                t.parse::<i64>().is_ok_and(|n| (*min..=*max).contains(&n))
            }
            (FieldType::OneOf(values), LiteralKind::Name(name)) => {
                if !values.contains(name) {
                    self.error(CheckError::UnknownValue {
                        name: name.clone(),
                        field: field.to_string(),
                        span: value.span,
                        help: did_you_mean(name, values.iter().map(String::as_str)),
                    });
                }
                true
            }
            _ => false,
        };
        if !fits {
            self.bad_test(
                format!(
                    "this value does not fit `{field}`, which is {}",
                    describe_type(ty)
                ),
                value.span,
                "wrong kind of value",
                "give a value of the field's type",
            );
        }
    }
}

/// How to write a value of a metric's kind, with an example close to what was written.
fn metric_value_help(metric: &str, kind: MetricKind, written: &LiteralKind) -> String {
    let number = match written {
        LiteralKind::Number(t) | LiteralKind::Percent(t) => parse_decimal(t).ok(),
        _ => None,
    };
    match kind {
        MetricKind::Count => {
            let example = number
                .filter(|n| !n.is_sign_negative())
                .map_or(Decimal::from(40), |n| n.trunc());
            format!("`{metric}` is a count: write a whole number such as `{example}`")
        }
        MetricKind::Percent => {
            let example = number
                .filter(|n| *n >= Decimal::ZERO && *n <= Decimal::ONE_HUNDRED)
                .unwrap_or(Decimal::from(80));
            format!("`{metric}` is a percentage: write one from 0% to 100% such as `{example}%`")
        }
        MetricKind::Number => {
            let example = number.unwrap_or(Decimal::new(25, 1));
            format!("`{metric}` is a number: write a number such as `{example}`")
        }
    }
}

fn describe_type(ty: &FieldType) -> String {
    match ty {
        FieldType::Text => "a text".to_string(),
        FieldType::Number => "a number".to_string(),
        FieldType::Flag => "yes or no".to_string(),
        FieldType::Date => "a date".to_string(),
        FieldType::Integer { min, max } => format!("a whole number from {min} to {max}"),
        FieldType::OneOf(values) => format!("one of {}", values.join(", ")),
    }
}

/// A test literal as an exact number (the checker made sure it is one).
fn literal_number(literal: &LiteralKind) -> Decimal {
    match literal {
        LiteralKind::Number(t) | LiteralKind::Percent(t) => parse_decimal(t).unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// A test literal as a typed value of a field (the checker made sure it fits).
fn literal_value(ty: &FieldType, literal: &LiteralKind) -> crate::schema::Value {
    use crate::schema::Value;
    match (ty, literal) {
        (FieldType::OneOf(values), LiteralKind::Name(name)) => {
            Value::Enum(values.iter().position(|v| v == name).unwrap_or(0) as u32)
        }
        (_, LiteralKind::Flag(b)) => Value::Flag(*b),
        (_, LiteralKind::Date(d)) => Value::Date(*d),
        (_, LiteralKind::Number(t) | LiteralKind::Percent(t)) => {
            Value::Number(parse_decimal(t).unwrap_or_default())
        }
        (_, LiteralKind::Text(t) | LiteralKind::Name(t)) => Value::Text(t.as_str().into()),
    }
}

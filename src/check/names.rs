//! What a name in a condition means where it stands: a value to read, a declared name in the
//! wrong place, a value of the other side's type (`gp`, `high`), or nothing declared.

use super::expr::{field_ty, placeholder, ExprChecker, Scope, Ty};
use super::CheckError;
use crate::ast::Span;
use crate::program::{ConcernAttr, Expr, ExprKind};
use crate::schema::FieldType;
use crate::suggest::closest;

/// A declared name, before deciding whether it may be read where it stands.
#[derive(Clone, Copy, Debug)]
enum Declared {
    Metric(usize),
    SubjectField(usize),
    SubjectGrade(usize),
    Concern(ConcernAttr),
}

/// What a declared name means where it stands.
enum Meaning {
    /// A value that can be read here.
    Value(ExprKind, Ty),
    /// Declared, but not readable here: the error, and the type the name has where it
    /// belongs, so the rest of the condition is checked as if it stood in the right place.
    OutOfPlace(CheckError, Ty),
}

impl ExprChecker<'_, '_> {
    /// Resolves a name standing alone, reporting it when it means nothing here.
    pub(super) fn resolve_name(&mut self, name: &str, span: Span) -> (Expr, Ty) {
        if self.scope == Scope::Event {
            return self.filter_field(name, span);
        }
        match self.lookup(name, span) {
            Some(Meaning::Value(kind, ty)) => (Expr { kind, span }, ty),
            Some(Meaning::OutOfPlace(error, ty)) => {
                self.checker.error(error);
                (placeholder(), ty)
            }
            None => match self.event_name(name, span) {
                Some(checked) => checked,
                None => self.unknown_name(name, span),
            },
        }
    }

    /// Whether `name` is declared as something a condition can read (here or elsewhere).
    pub(super) fn is_declared(&self, name: &str) -> bool {
        self.declared(name).is_some()
    }

    /// A bare name compared with a value of type `other`: one of that type's values (`gp`
    /// beside `staff_group`, `high` beside a grade), or else whatever the name means.
    pub(super) fn name_beside(&mut self, other: &Ty, name: &str, span: Span) -> (Expr, Ty) {
        if self.quiet_beside_error(other, name) {
            return (placeholder(), Ty::Error);
        }
        self.value_of(other, name, span)
            .unwrap_or_else(|| self.resolve_name(name, span))
    }

    /// Beside a part already reported (`staf_group = gp`), a name that is not declared most
    /// likely names one of that part's values: it is not reported as well, unless it looks
    /// like a misspelt declaration.
    fn quiet_beside_error(&self, other: &Ty, name: &str) -> bool {
        if *other != Ty::Error || self.is_declared(name) {
            return false;
        }
        let names = self.names_in_scope();
        self.is_some_value_name(name) || closest(name, names.iter().map(String::as_str)).is_none()
    }

    /// Whether `name` is a value of some `one of` field or a level of some grade.
    fn is_some_value_name(&self, name: &str) -> bool {
        let schema = &self.checker.schema;
        let in_field = schema
            .subject_fields
            .iter()
            .chain(&schema.concern_fields)
            .chain(&schema.event_fields)
            .any(|f| matches!(&f.ty, FieldType::OneOf(values) if values.iter().any(|v| v == name)));
        let in_grade = self
            .checker
            .grades
            .iter()
            .any(|g| g.levels.iter().any(|l| l == name));
        in_field || in_grade
    }

    fn lookup(&mut self, name: &str, span: Span) -> Option<Meaning> {
        let declared = self.declared(name)?;
        self.mark_used(declared);
        let ty = self.declared_ty(declared);
        if let Some(error) = self.place_error(name, declared, span) {
            return Some(Meaning::OutOfPlace(error, ty));
        }
        self.record_grade_dependency(declared, span);
        Some(Meaning::Value(read(declared), ty))
    }

    /// What `name` was declared as, preferring the namespace of the current scope.
    fn declared(&self, name: &str) -> Option<Declared> {
        let value = self.value_name(name);
        let concern = self.concern_name(name);
        match self.scope {
            Scope::Concern => concern.or(value),
            Scope::Subject | Scope::AppliesTo | Scope::Event => value.or(concern),
        }
    }

    /// A metric, subject field or subject grade.
    fn value_name(&self, name: &str) -> Option<Declared> {
        let symbols = &self.checker.symbols;
        if let Some(&i) = symbols.subject_fields.get(name) {
            return Some(Declared::SubjectField(i));
        }
        if let Some(&i) = symbols.metrics.get(name) {
            return Some(Declared::Metric(i));
        }
        let grade = symbols.grades.get(name).copied();
        grade
            .filter(|&g| !self.checker.per_concern[g])
            .map(Declared::SubjectGrade)
    }

    /// A built-in or declared concern field, or a `for each concern` grade.
    fn concern_name(&self, name: &str) -> Option<Declared> {
        let symbols = &self.checker.symbols;
        let attr = match name {
            "id" => Some(ConcernAttr::Id),
            "subject" => Some(ConcernAttr::Subject),
            "raised_on" => Some(ConcernAttr::RaisedOn),
            _ => symbols
                .concern_fields
                .get(name)
                .map(|&i| ConcernAttr::Field(i)),
        };
        let grade = symbols.grades.get(name).copied();
        let grade = grade.filter(|&g| self.checker.per_concern[g]);
        attr.or(grade.map(ConcernAttr::Grade))
            .map(Declared::Concern)
    }

    /// Counts the declaration as used wherever it is named, even where it cannot stand.
    fn mark_used(&mut self, declared: Declared) {
        let usage = &mut self.checker.usage;
        match declared {
            Declared::Metric(i) => usage.metrics[i] = true,
            Declared::SubjectGrade(g) | Declared::Concern(ConcernAttr::Grade(g)) => {
                usage.grades[g] = true
            }
            _ => {}
        }
    }

    /// Records that the grade being checked reads grade `g`, with where it first does.
    fn record_grade_dependency(&mut self, declared: Declared, span: Span) {
        let (Declared::SubjectGrade(g) | Declared::Concern(ConcernAttr::Grade(g))) = declared
        else {
            return;
        };
        let Some(current) = self.grade else { return };
        let deps = &mut self.checker.grade_deps[current];
        if !deps.iter().any(|(d, _)| *d == g) {
            deps.push((g, span));
        }
    }

    fn declared_ty(&self, declared: Declared) -> Ty {
        let schema = &self.checker.schema;
        match declared {
            Declared::Metric(i) => self.metric_ty(i),
            Declared::SubjectField(i) => field_ty(&schema.subject_fields[i].ty, false, i),
            Declared::SubjectGrade(g) | Declared::Concern(ConcernAttr::Grade(g)) => Ty::Level(g),
            Declared::Concern(ConcernAttr::Id | ConcernAttr::Subject) => Ty::Text,
            Declared::Concern(ConcernAttr::RaisedOn) => Ty::Date,
            Declared::Concern(ConcernAttr::Field(i)) => {
                field_ty(&schema.concern_fields[i].ty, true, i)
            }
        }
    }

    // ---------------------------------------------------------------- out of place

    /// The error for a declared name that cannot be read where it stands, if it cannot.
    fn place_error(&self, name: &str, declared: Declared, span: Span) -> Option<CheckError> {
        match (self.scope, declared) {
            (Scope::Concern, Declared::Concern(_)) => None,
            (Scope::Event, _) => Some(not_a_concern_field(name, declared, span)),
            (Scope::Concern, _) => Some(not_a_concern_field(name, declared, span)),
            (_, Declared::Concern(attr)) => Some(self.concern_outside_filter(name, attr, span)),
            (Scope::AppliesTo, Declared::Metric(_) | Declared::SubjectGrade(_)) => {
                Some(not_a_subject_field(name, declared, span))
            }
            _ => None,
        }
    }

    fn concern_outside_filter(&self, name: &str, attr: ConcernAttr, span: Span) -> CheckError {
        CheckError::OutOfPlace {
            message: format!(
                "`{name}` is {}, so it can only be used inside a concern filter",
                describe(Declared::Concern(attr))
            ),
            span,
            label: "only meaningful for one concern at a time".to_string(),
            help: Some(format!(
                "use it inside `where`, for example `{}`",
                self.concern_example(name, attr)
            )),
        }
    }

    /// A concern aggregate whose filter uses `name` as a yes-or-no condition.
    fn concern_example(&self, name: &str, attr: ConcernAttr) -> String {
        let schema = &self.checker.schema;
        let condition = match attr {
            ConcernAttr::Grade(g) => {
                // The second level of several (`high` of extreme, high, moderate, low); the
                // first of two, since `>=` the lowest level always holds.
                let levels = &self.checker.grades[g].levels;
                let at = usize::from(levels.len() > 2);
                let level = levels.get(at).map_or("high", String::as_str);
                return format!("count(concerns in last 12 months where {name} >= {level})");
            }
            ConcernAttr::RaisedOn => format!("{name} >= 2026-01-01"),
            ConcernAttr::Id | ConcernAttr::Subject => format!("{name} = \"c1\""),
            ConcernAttr::Field(i) => match &schema.concern_fields[i].ty {
                FieldType::Flag => name.to_string(),
                FieldType::OneOf(values) => format!("{name} = {}", values[0]),
                FieldType::Integer { max, .. } => format!("{name} >= {max}"),
                FieldType::Number => format!("{name} >= 1"),
                FieldType::Date => format!("{name} >= 2026-01-01"),
                FieldType::Text => format!("{name} = \"...\""),
            },
        };
        format!("any(concerns in last 12 months where {condition})")
    }

    // ---------------------------------------------------------------- not declared

    /// The names a condition can read in the current scope, in declaration order.
    pub(super) fn names_in_scope(&self) -> Vec<String> {
        let symbols = &self.checker.symbols;
        let grades = |per_concern: bool| {
            self.checker
                .grades
                .iter()
                .filter(move |g| g.per_concern == per_concern)
                .map(|g| g.id.clone())
        };
        match self.scope {
            Scope::Concern => {
                let mut names = in_order(&symbols.concern_fields);
                names.extend(["id", "subject", "raised_on"].map(String::from));
                names.extend(grades(true));
                names
            }
            Scope::AppliesTo => in_order(&symbols.subject_fields),
            Scope::Event => self
                .filter_kinds
                .iter()
                .flat_map(|&k| self.checker.schema.event_kinds[k].fields.iter())
                .map(|&g| self.checker.schema.event_fields[g].name.clone())
                .collect(),
            Scope::Subject => {
                let mut names = in_order(&symbols.metrics);
                names.extend(in_order(&symbols.subject_fields));
                names.extend(grades(false));
                names
            }
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) -> (Expr, Ty) {
        let names = self.names_in_scope();
        let help = self.checker.suggest(name, &names);
        let name = name.to_string();
        let error = match self.scope {
            Scope::Concern | Scope::Event => CheckError::UnknownConcernField { name, span, help },
            Scope::AppliesTo => CheckError::UnknownField { name, span, help },
            Scope::Subject => {
                let best = self.checker.closest(&name, &names);
                match best
                    .as_ref()
                    .is_some_and(|b| self.checker.symbols.metrics.contains_key(b))
                {
                    true => CheckError::UnknownMetric { name, span, help },
                    false => CheckError::UnknownName {
                        name,
                        span,
                        help: help.filter(|_| best.is_some()).or_else(|| {
                            Some(
                                "declare it with `metric`, in the `subjects` block, or as a `grade`"
                                    .to_string(),
                            )
                        }),
                    },
                }
            }
        };
        self.error(error)
    }

    // ---------------------------------------------------------------- values

    /// A name standing for a value of the other side's type: an enumeration value or a level.
    /// `None` when the other side has no such values, or the name is declared as something.
    fn value_of(&mut self, ty: &Ty, name: &str, span: Span) -> Option<(Expr, Ty)> {
        let values = self.values_of(ty)?;
        if let Some(position) = values.iter().position(|v| v == name) {
            let kind = match ty {
                Ty::Level(_) => ExprKind::Level(position as u16),
                _ => ExprKind::EnumValue(position as u32),
            };
            return Some((Expr { kind, span }, ty.clone()));
        }
        if self.is_declared(name) {
            return None;
        }
        let help = self.checker.suggest(name, &values);
        let name = name.to_string();
        let error = match ty {
            Ty::Level(g) => CheckError::UnknownLevel {
                name,
                grade: self.checker.grades[*g].id.clone(),
                span,
                help,
            },
            _ => CheckError::UnknownValue {
                name,
                field: self.type_owner(ty),
                span,
                help,
            },
        };
        Some(self.error(error))
    }

    /// The values of an enumeration or the levels of a grade.
    pub(super) fn values_of(&self, ty: &Ty) -> Option<Vec<String>> {
        match ty {
            Ty::Enum { concern, field } => {
                let schema = &self.checker.schema;
                let fields = match concern {
                    true => &schema.concern_fields,
                    false => &schema.subject_fields,
                };
                match &fields[*field].ty {
                    FieldType::OneOf(values) => Some(values.clone()),
                    _ => None,
                }
            }
            Ty::Level(g) => Some(self.checker.grades[*g].levels.clone()),
            Ty::EventEnum(g) => match &self.checker.schema.event_fields[*g].ty {
                FieldType::OneOf(values) => Some(values.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}

fn read(declared: Declared) -> ExprKind {
    match declared {
        Declared::Metric(i) => ExprKind::Metric(i),
        Declared::SubjectField(i) => ExprKind::SubjectField(i),
        Declared::SubjectGrade(g) => ExprKind::Grade(g),
        Declared::Concern(attr) => ExprKind::Concern(attr),
    }
}

fn describe(declared: Declared) -> &'static str {
    match declared {
        Declared::Metric(_) => "a metric",
        Declared::SubjectField(_) => "a subject field",
        Declared::SubjectGrade(_) => "a grade of the subject",
        Declared::Concern(ConcernAttr::Grade(_)) => "a grade given to each concern",
        Declared::Concern(_) => "a field of concern records",
    }
}

fn not_a_concern_field(name: &str, declared: Declared, span: Span) -> CheckError {
    CheckError::OutOfPlace {
        message: format!(
            "`{name}` is {}, which cannot be used in a condition on a single concern",
            describe(declared)
        ),
        span,
        label: "not a field of the concern".to_string(),
        help: Some(
            "inside `where` and in `for each concern` grades, use the concern's own fields; move this part outside the concern filter"
                .to_string(),
        ),
    }
}

fn not_a_subject_field(name: &str, declared: Declared, span: Span) -> CheckError {
    CheckError::OutOfPlace {
        message: format!(
            "`applies to` can only use subject fields, and `{name}` is {}",
            describe(declared)
        ),
        span,
        label: "not a subject field".to_string(),
        help: Some("move this part into the rule's `when` condition".to_string()),
    }
}

/// The keys of a name table in declaration order.
pub(super) fn in_order(names: &std::collections::HashMap<String, usize>) -> Vec<String> {
    let mut pairs: Vec<(&String, &usize)> = names.iter().collect();
    pairs.sort_by_key(|(_, i)| **i);
    pairs.into_iter().map(|(n, _)| n.clone()).collect()
}

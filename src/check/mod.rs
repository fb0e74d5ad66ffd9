//! Syntax tree to [`Program`]: name resolution, units, types and the rules' structure, with
//! every problem collected in one pass and sorted by position.

pub mod cost;
mod errors;
mod event_errors;
mod events;
mod expr;
mod names;
mod rules;
mod tests;
mod units;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use miette::LabeledSpan;

use crate::ast::{self, Item, PolicyFile, Span, Spanned, TypeExpr};
use crate::calendar::{Calendar, CalendarKind};
use crate::program::{ArmDef, GradeDef, Program, RoleDef, RuleDef};
use crate::schema::{FieldDef, FieldType, MetricDef, MetricKind, Schema};

use crate::suggest::choice_help;
pub use crate::suggest::{closest, did_you_mean};
pub use errors::{CheckError, CheckErrors, EventCode};

/// The longest window, in months, a condition may look back over: fifty years.
pub const MAX_WINDOW_MONTHS: u32 = 600;

/// A policy that passed the checker, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The program to run.
    pub program: Program,
    /// Warnings, sorted by position.
    pub warnings: Vec<CheckError>,
}

/// Checks a parsed policy. `source` is the text it was parsed from.
///
/// On success returns the program and any warnings; on failure, every error and warning,
/// sorted by position.
pub fn check(file: &PolicyFile, source: &str) -> Result<Checked, CheckErrors> {
    let mut checker = Checker::new(source);
    let program = checker.check_file(file);
    let mut diagnostics = checker.errors;
    diagnostics.sort_by_key(|d| (d.span().start, d.span().end));
    // A deadline's body is checked once per rule that tests it: say each problem once.
    diagnostics.dedup_by(|a, b| a == b);
    if diagnostics.iter().any(CheckError::is_error) {
        return Err(CheckErrors(diagnostics));
    }
    Ok(Checked {
        program,
        warnings: diagnostics,
    })
}

/// What each declared name is, for resolving names in conditions.
#[derive(Default)]
struct Symbols {
    roles: HashMap<String, usize>,
    metrics: HashMap<String, usize>,
    subject_fields: HashMap<String, usize>,
    concern_fields: HashMap<String, usize>,
    grades: HashMap<String, usize>,
    rules: HashMap<String, usize>,
}

/// Which declarations something uses, for "never used" warnings.
#[derive(Default)]
struct Usage {
    metrics: Vec<bool>,
    roles: Vec<bool>,
    grades: Vec<bool>,
}

/// Candidates, and the one closest to a name among them (see `Checker::closest`).
type ClosestFound = (Vec<String>, Option<String>);

struct Checker<'s> {
    source: &'s str,
    errors: Vec<CheckError>,
    symbols: Symbols,
    schema: Schema,
    grades: Vec<GradeDef>,
    per_concern: Vec<bool>,
    /// For each metric, its kind; `None` when the kind written is unknown (and reported).
    metric_kinds: Vec<Option<MetricKind>>,
    usage: Usage,
    /// Names some "did you mean ...?" suggested: their declarations are not called unused.
    suggested: HashSet<String>,
    /// The closest candidate found for a name, with the candidates, kept because a policy
    /// with a slip often repeats it (comparing with every candidate each time is most of the
    /// work of checking a policy with thousands of errors).
    closest_found: HashMap<String, Vec<ClosestFound>>,
    /// For each grade, the grades its arms read, with where each is first read.
    grade_deps: Vec<Vec<(usize, Span)>>,
    /// Where each name of the shared value namespace (metrics, subject fields, subject
    /// grades) and of the concern namespace was first declared.
    value_names: HashMap<String, Span>,
    concern_names: HashMap<String, Span>,
    /// Event kinds, case kinds and deadlines (v1).
    events: events::EventSymbols,
}

impl<'s> Checker<'s> {
    fn new(source: &'s str) -> Checker<'s> {
        Checker {
            source,
            errors: Vec::new(),
            symbols: Symbols::default(),
            schema: Schema::default(),
            grades: Vec::new(),
            per_concern: Vec::new(),
            metric_kinds: Vec::new(),
            usage: Usage::default(),
            suggested: HashSet::new(),
            closest_found: HashMap::new(),
            grade_deps: Vec::new(),
            value_names: HashMap::new(),
            concern_names: ["id", "subject", "raised_on"]
                .into_iter()
                .map(|n| (n.to_string(), Span::default()))
                .collect(),
            events: events::EventSymbols::default(),
        }
    }

    fn error(&mut self, error: CheckError) {
        self.errors.push(error);
    }

    /// "did you mean ...?" (or the choices) for `name`, remembering the name suggested so
    /// that its declaration is not also reported as unused.
    fn suggest(&mut self, name: &str, candidates: &[String]) -> Option<String> {
        let best = self.closest(name, candidates);
        if let Some(best) = &best {
            self.suggested.insert(best.clone());
        }
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        choice_help(best.as_deref(), &candidates)
    }

    /// [`closest`], remembered for the same name and candidates.
    fn closest(&mut self, name: &str, candidates: &[String]) -> Option<String> {
        let found = self.closest_found.entry(name.to_string()).or_default();
        if let Some((_, best)) = found.iter().find(|(c, _)| c.as_slice() == candidates) {
            return best.clone();
        }
        let best = closest(name, candidates.iter().map(String::as_str)).map(str::to_string);
        found.push((candidates.to_vec(), best.clone()));
        best
    }

    fn check_file(&mut self, file: &PolicyFile) -> Program {
        let settings = self.check_settings(file);
        let roles = self.declare_roles(file);
        self.declare_metrics(file);
        self.declare_fields(file);
        self.declare_events(file);
        self.declare_grades(file);
        let rule_decls: Vec<&ast::Rule> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Rule(r) => Some(r),
                _ => None,
            })
            .collect();
        self.declare_rules(&rule_decls);
        self.check_grade_arms(file);
        let rules: Vec<RuleDef> = rule_decls
            .iter()
            .filter_map(|r| self.check_rule(r))
            .collect();
        let graph = self.replaces_graph(&rule_decls);
        let has_cycle = self.report_replaces_cycles(&rule_decls, &graph);
        if rules.len() == rule_decls.len() && !has_cycle {
            self.warn_never_reported(&rule_decls, &rules, &graph);
        }
        self.check_grade_cycles();
        let deadlines = self.finish_deadlines();
        let tests = self.check_tests(file);
        self.warn_unused(file);
        let program = Program {
            name: file.name.value.clone(),
            version: settings.version,
            calendar: settings.calendar,
            schema: std::mem::take(&mut self.schema),
            roles,
            grades: std::mem::take(&mut self.grades),
            rules,
            deadlines,
            tests,
            source: std::sync::Arc::from(self.source),
        };
        if !self.errors.iter().any(CheckError::is_error) {
            self.errors.extend(cost::too_much_work(&program));
        }
        program
    }

    // ------------------------------------------------------------ settings

    fn check_settings(&mut self, file: &PolicyFile) -> Settings {
        let mut version: Option<&Spanned<String>> = None;
        let mut calendar: Option<&ast::Ident> = None;
        let mut kind = CalendarKind::default();
        let mut holidays: Vec<NaiveDate> = Vec::new();
        for item in &file.items {
            match item {
                Item::Version(v) => {
                    if let Some(first) = version {
                        self.duplicate_clause("version", String::new(), v.span, first.span);
                    }
                    version = Some(v);
                }
                Item::Calendar(c) => {
                    if let Some(first) = calendar {
                        self.duplicate_clause("calendar", String::new(), c.span, first.span);
                    }
                    calendar = Some(c);
                    match CalendarKind::from_name(&c.value) {
                        Some(k) => kind = k,
                        None => self.error(CheckError::UnknownWord {
                            name: c.value.clone(),
                            what: "calendar",
                            span: c.span,
                            help: did_you_mean(&c.value, ["england_and_wales", "weekends_only"]),
                        }),
                    }
                }
                Item::Holiday(h) => holidays.push(h.date.value),
                _ => {}
            }
        }
        Settings {
            version: version.map(|v| v.value.clone()),
            calendar: Calendar::new(kind, holidays),
        }
    }

    fn duplicate_clause(&mut self, keyword: &str, place: String, span: Span, first: Span) {
        let help = match keyword {
            "opened by" => "keep one of them: each case is opened by one kind of event; list the other kinds under `events`",
            _ if place.starts_with(" in rule") => "keep one of them; a rule has each clause at most once",
            _ => "keep one of them",
        };
        self.error(CheckError::DuplicateClause {
            keyword: keyword.to_string(),
            place,
            help: help.to_string(),
            span,
            first,
        });
    }

    // ------------------------------------------------------------ declarations

    fn declare_roles(&mut self, file: &PolicyFile) -> Vec<RoleDef> {
        let mut roles = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for item in &file.items {
            let Item::Role(role) = item else { continue };
            if let Some(&i) = self.symbols.roles.get(&role.id.value) {
                self.duplicate_name(&role.id, spans[i], "give each role its own name");
                continue;
            }
            self.symbols
                .roles
                .insert(role.id.value.clone(), roles.len());
            spans.push(role.id.span);
            roles.push(RoleDef {
                id: role.id.value.clone(),
                display: role.display.value.clone(),
            });
        }
        self.usage.roles = vec![false; roles.len()];
        roles
    }

    fn duplicate_name(&mut self, name: &ast::Ident, first: Span, help: &str) {
        self.error(CheckError::DuplicateName {
            name: name.value.clone(),
            span: name.span,
            first,
            help: Some(help.to_string()),
        });
    }

    /// Claims a name in the namespace shared by metrics, subject fields and subject grades.
    fn claim_value_name(&mut self, name: &ast::Ident) -> bool {
        claim(&mut self.value_names, &mut self.errors, name)
    }

    /// Claims a name in the namespace of concern fields and per-concern grades.
    fn claim_concern_name(&mut self, name: &ast::Ident) -> bool {
        claim(&mut self.concern_names, &mut self.errors, name)
    }

    fn declare_metrics(&mut self, file: &PolicyFile) {
        for item in &file.items {
            let Item::Metric(metric) = item else { continue };
            let kind = self.metric_kind(&metric.kind);
            if !self.claim_value_name(&metric.id) {
                continue;
            }
            self.symbols
                .metrics
                .insert(metric.id.value.clone(), self.schema.metrics.len());
            self.metric_kinds.push(kind);
            self.schema.metrics.push(MetricDef {
                id: metric.id.value.clone(),
                description: metric.description.value.clone(),
                kind: kind.unwrap_or(MetricKind::Number),
                direction: metric.direction.as_ref().map(|d| d.value),
            });
        }
        self.usage.metrics = vec![false; self.schema.metrics.len()];
    }

    /// The kind of a metric as written; `None` (reported) when it is not a kind.
    fn metric_kind(&mut self, kind: &ast::Ident) -> Option<MetricKind> {
        let found = match kind.value.as_str() {
            "percent" => Some(MetricKind::Percent),
            "number" => Some(MetricKind::Number),
            "count" => Some(MetricKind::Count),
            _ => None,
        };
        if found.is_none() {
            self.error(CheckError::UnknownWord {
                name: kind.value.clone(),
                what: "kind of metric",
                span: kind.span,
                help: did_you_mean(&kind.value, ["percent", "number", "count"]),
            });
        }
        found
    }

    fn declare_fields(&mut self, file: &PolicyFile) {
        let mut subjects_block: Option<Span> = None;
        let mut concerns_block: Option<Span> = None;
        for item in &file.items {
            match item {
                Item::Subjects(block) => {
                    if let Some(first) = subjects_block {
                        self.duplicate_clause("subjects", String::new(), block.span, first);
                        continue;
                    }
                    subjects_block = Some(block.span);
                    for field in &block.fields {
                        let ty = self.check_field_type(&field.ty);
                        if self.claim_value_name(&field.name) {
                            let index = self.schema.subject_fields.len();
                            self.symbols
                                .subject_fields
                                .insert(field.name.value.clone(), index);
                            self.schema.subject_fields.push(FieldDef {
                                name: field.name.value.clone(),
                                ty,
                            });
                        }
                    }
                }
                Item::Concerns(block) => {
                    if let Some(first) = concerns_block {
                        self.duplicate_clause("concerns", String::new(), block.span, first);
                        continue;
                    }
                    concerns_block = Some(block.span);
                    for field in &block.fields {
                        let ty = self.check_field_type(&field.ty);
                        if self.claim_concern_name(&field.name) {
                            let index = self.schema.concern_fields.len();
                            self.symbols
                                .concern_fields
                                .insert(field.name.value.clone(), index);
                            self.schema.concern_fields.push(FieldDef {
                                name: field.name.value.clone(),
                                ty,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn check_field_type(&mut self, ty: &Spanned<TypeExpr>) -> FieldType {
        match &ty.value {
            TypeExpr::Named(name) => match name.as_str() {
                "text" => FieldType::Text,
                "number" => FieldType::Number,
                "flag" => FieldType::Flag,
                "date" => FieldType::Date,
                other => {
                    self.error(CheckError::UnknownWord {
                        name: other.to_string(),
                        what: "type",
                        span: ty.span,
                        help: did_you_mean(other, ["text", "number", "flag", "date"])
                            .map(|h| format!("{h} (or `integer 1..5`, `one of a, b, c`)")),
                    });
                    FieldType::Text
                }
            },
            TypeExpr::Integer { min, max } => self.check_integer_range(min, max),
            TypeExpr::OneOf(values) => {
                let mut seen: HashMap<String, Span> = HashMap::new();
                for value in values {
                    claim(&mut seen, &mut self.errors, value);
                }
                FieldType::OneOf(values.iter().map(|v| v.value.clone()).collect())
            }
        }
    }

    fn check_integer_range(&mut self, min: &Spanned<String>, max: &Spanned<String>) -> FieldType {
        let lo = self.parse_bound(min);
        let hi = self.parse_bound(max);
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => FieldType::Integer { min: lo, max: hi },
            (Some(lo), Some(hi)) => {
                self.error(CheckError::BadNumber {
                    message: format!("the range `{lo}..{hi}` is empty"),
                    span: min.span.to(max.span),
                    label: "the first number must not be above the second".to_string(),
                    help: Some(format!(
                        "write the smaller number first: `integer {hi}..{lo}`"
                    )),
                });
                FieldType::Integer { min: hi, max: lo }
            }
            _ => FieldType::Integer {
                min: i64::MIN,
                max: i64::MAX,
            },
        }
    }

    fn parse_bound(&mut self, text: &Spanned<String>) -> Option<i64> {
        let parsed = text.value.parse::<i64>().ok();
        if parsed.is_none() {
            self.error(too_large(text));
        }
        parsed
    }

    fn declare_grades(&mut self, file: &PolicyFile) {
        for item in &file.items {
            let Item::Grade(grade) = item else { continue };
            let per_concern = grade.for_each_concern.is_some();
            let claimed = match per_concern {
                true => self.claim_concern_name(&grade.id),
                false => self.claim_value_name(&grade.id),
            };
            if !claimed {
                continue;
            }
            let mut levels: Vec<String> = Vec::new();
            for arm in &grade.arms {
                if !levels.contains(&arm.level.value) {
                    levels.push(arm.level.value.clone());
                }
            }
            self.symbols
                .grades
                .insert(grade.id.value.clone(), self.grades.len());
            self.per_concern.push(per_concern);
            self.grades.push(GradeDef {
                id: grade.id.value.clone(),
                title: grade.title.value.clone(),
                per_concern,
                levels,
                arms: Vec::new(),
                span: grade.span,
            });
        }
        self.usage.grades = vec![false; self.grades.len()];
        self.grade_deps = vec![Vec::new(); self.grades.len()];
    }

    fn declare_rules(&mut self, rules: &[&ast::Rule]) {
        let mut first_spans: Vec<Span> = Vec::new();
        for rule in rules {
            match self.symbols.rules.get(&rule.id.value) {
                Some(&i) => {
                    self.duplicate_name(&rule.id, first_spans[i], "give each rule its own name")
                }
                None => {
                    self.symbols
                        .rules
                        .insert(rule.id.value.clone(), first_spans.len());
                    first_spans.push(rule.id.span);
                }
            }
        }
    }

    // ------------------------------------------------------------ grades

    fn check_grade_arms(&mut self, file: &PolicyFile) {
        for item in &file.items {
            let Item::Grade(grade) = item else { continue };
            let Some(&index) = self.symbols.grades.get(&grade.id.value) else {
                continue;
            };
            if self.grades[index].span != grade.span {
                continue; // a duplicate, already reported
            }
            let arms = self.check_arms(grade, index);
            self.grades[index].arms = arms;
        }
    }

    fn check_arms(&mut self, grade: &ast::Grade, index: usize) -> Vec<ArmDef> {
        let scope = match self.per_concern[index] {
            true => expr::Scope::Concern,
            false => expr::Scope::Subject,
        };
        let levels = self.grades[index].levels.clone();
        let mut arms = Vec::new();
        for (position, arm) in grade.arms.iter().enumerate() {
            let level = levels
                .iter()
                .position(|l| *l == arm.level.value)
                .expect("levels were collected from these arms") as u16;
            let condition = arm
                .condition
                .as_ref()
                .map(|c| self.check_condition(c, scope, Some(index)));
            let is_last = position + 1 == grade.arms.len();
            if condition.is_none() && !is_last {
                self.error(CheckError::Otherwise {
                    message: format!(
                        "`otherwise` must be the last arm of grade `{}`",
                        grade.id.value
                    ),
                    span: arm.span,
                    label: "arms after this one could never be chosen".to_string(),
                    help: Some("move this arm to the end of the grade".to_string()),
                });
            }
            arms.push(ArmDef { level, condition });
        }
        if grade.arms.iter().all(|a| a.condition.is_some()) {
            self.error(CheckError::Otherwise {
                message: format!("grade `{}` has no `otherwise` arm", grade.id.value),
                span: grade.id.span,
                label: "some subjects would get no level".to_string(),
                help: Some(
                    "add a last arm such as `none otherwise`, for when no other arm holds"
                        .to_string(),
                ),
            });
        }
        arms
    }

    fn check_grade_cycles(&mut self) {
        let deps: Vec<Vec<usize>> = self
            .grade_deps
            .iter()
            .map(|uses| uses.iter().map(|(g, _)| *g).collect())
            .collect();
        for cycle in find_cycles(&deps) {
            self.report_grade_cycle(&cycle);
        }
    }

    /// Reports a cycle of grades, underlining where each uses the next.
    fn report_grade_cycle(&mut self, cycle: &[usize]) {
        let name = |g: usize| format!("`{}`", self.grades[g].id);
        let mut uses = cycle.iter().enumerate().map(|(i, &g)| {
            let next = cycle[(i + 1) % cycle.len()];
            let span = self.grade_deps[g]
                .iter()
                .find(|(d, _)| *d == next)
                .map_or(self.grades[g].span, |(_, s)| *s);
            let label = match g == next {
                true => format!("{} uses itself here", name(g)),
                false => format!("{} uses {} here", name(g), name(next)),
            };
            (span, label)
        });
        let (span, label) = uses.next().expect("a cycle has at least one grade");
        let others = uses
            .map(|(s, l)| LabeledSpan::new_with_span(Some(l), s))
            .collect();
        let message = match cycle {
            [g] => format!("grade {} is defined in terms of itself", name(*g)),
            _ => {
                let names: Vec<String> =
                    cycle.iter().chain(&cycle[..1]).map(|&g| name(g)).collect();
                format!(
                    "grades are defined in terms of each other: {}",
                    names.join(" → ")
                )
            }
        };
        let help = match cycle.len() {
            1 => "a grade cannot depend on itself: remove this use",
            _ => "a grade cannot depend on itself, directly or through other grades: remove one of these uses",
        };
        self.error(CheckError::GradeCycle {
            message,
            span,
            label,
            others,
            help: Some(help.to_string()),
        });
    }

    // ------------------------------------------------------------ warnings

    /// Warns about roles, metrics and grades nothing uses, except those an error's "did you
    /// mean ...?" already points to.
    fn warn_unused(&mut self, file: &PolicyFile) {
        for item in &file.items {
            let warning = match item {
                Item::Role(role) => self
                    .first_unused(&role.id, |c| (&c.symbols.roles, &mut c.usage.roles))
                    .then(|| CheckError::UnusedRole {
                        name: role.id.value.clone(),
                        span: role.id.span,
                    }),
                Item::Metric(metric) => self
                    .first_unused(&metric.id, |c| (&c.symbols.metrics, &mut c.usage.metrics))
                    .then(|| CheckError::UnusedMetric {
                        name: metric.id.value.clone(),
                        span: metric.id.span,
                    }),
                Item::Grade(grade) => self
                    .first_unused(&grade.id, |c| (&c.symbols.grades, &mut c.usage.grades))
                    .then(|| CheckError::UnusedGrade {
                        name: grade.id.value.clone(),
                        span: grade.id.span,
                    }),
                _ => None,
            };
            if let Some(warning) = warning {
                self.error(warning);
            }
        }
    }

    /// Whether `name` is declared, unused and not suggested by an error; marks it used, so a
    /// name declared twice is reported once.
    fn first_unused(
        &mut self,
        name: &ast::Ident,
        table: impl FnOnce(&mut Self) -> (&HashMap<String, usize>, &mut Vec<bool>),
    ) -> bool {
        let suggested = self.suggested.contains(&name.value);
        let (names, used) = table(self);
        let Some(&i) = names.get(&name.value) else {
            return false;
        };
        !std::mem::replace(&mut used[i], true) && !suggested
    }
}

struct Settings {
    version: Option<String>,
    calendar: Calendar,
}

/// Records `name` in a namespace, reporting a duplicate; true when newly claimed.
fn claim(
    names: &mut HashMap<String, Span>,
    errors: &mut Vec<CheckError>,
    name: &ast::Ident,
) -> bool {
    if let Some(&first) = names.get(&name.value) {
        let help = match first.is_empty() {
            true => format!(
                "`{}` is built into every concern record; choose another name",
                name.value
            ),
            false => "choose a different name for one of them".to_string(),
        };
        errors.push(CheckError::DuplicateName {
            name: name.value.clone(),
            span: name.span,
            first,
            help: Some(help),
        });
        return false;
    }
    names.insert(name.value.clone(), name.span);
    true
}

fn too_large(text: &Spanned<String>) -> CheckError {
    CheckError::BadNumber {
        message: format!("`{}` is too large", text.value),
        span: text.span,
        label: "this number is too large".to_string(),
        help: Some("use a smaller number".to_string()),
    }
}

/// One cycle for each group of nodes that reach each other (and each node that reaches
/// itself), listed from the group's smallest node; linear in the size of the graph.
fn find_cycles(graph: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut cycles = Vec::new();
    for component in strongly_connected(graph) {
        let start = component[0];
        let looped = component.len() > 1 || graph[start].contains(&start);
        if looped {
            cycles.push(cycle_through(graph, &component, start));
        }
    }
    cycles.sort();
    cycles
}

/// The strongly connected components (Kosaraju), each sorted, without recursion.
fn strongly_connected(graph: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = graph.len();
    let mut order = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for root in 0..n {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.pop() {
            match graph[node].get(next) {
                Some(&child) => {
                    stack.push((node, next + 1));
                    if !visited[child] {
                        visited[child] = true;
                        stack.push((child, 0));
                    }
                }
                None => order.push(node),
            }
        }
    }
    let mut reverse = vec![Vec::new(); n];
    for (from, targets) in graph.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    let mut component_of = vec![usize::MAX; n];
    let mut components: Vec<Vec<usize>> = Vec::new();
    for &root in order.iter().rev() {
        if component_of[root] != usize::MAX {
            continue;
        }
        let id = components.len();
        let mut members = vec![root];
        component_of[root] = id;
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            for &prev in &reverse[node] {
                if component_of[prev] == usize::MAX {
                    component_of[prev] = id;
                    members.push(prev);
                    stack.push(prev);
                }
            }
        }
        members.sort_unstable();
        components.push(members);
    }
    components
}

/// A shortest cycle from `start` back to itself inside one component (breadth first).
fn cycle_through(graph: &[Vec<usize>], component: &[usize], start: usize) -> Vec<usize> {
    let inside = |n: usize| component.binary_search(&n).is_ok();
    let mut parent: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &graph[node] {
            if next == start {
                let mut cycle = vec![node];
                let mut at = node;
                while at != start {
                    at = parent[&at];
                    cycle.push(at);
                }
                cycle.reverse();
                cycle.dedup();
                return cycle;
            }
            if inside(next) && next != start && !parent.contains_key(&next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}

#[cfg(test)]
mod cycle_tests {
    use super::*;

    #[test]
    fn finds_each_cycle_once() {
        let graph = vec![vec![1], vec![0], vec![2], vec![]];
        assert_eq!(find_cycles(&graph), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn names_a_cycle_through_a_dense_graph_quickly() {
        // Every node replaces every later one, and the last replaces the first: one group.
        let n = 60;
        let mut graph: Vec<Vec<usize>> = (0..n).map(|i| ((i + 1)..n).collect()).collect();
        graph[n - 1].push(0);
        let cycles = find_cycles(&graph);
        assert_eq!(cycles, vec![vec![0, n - 1]]);
    }
}

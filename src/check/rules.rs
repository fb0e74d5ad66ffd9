//! Rules: their clauses, the roles and rules they name, deadlines, and `replaces`.

use std::collections::HashMap;

use miette::LabeledSpan;

use super::events::CaseCtx;
use super::names::in_order;
use super::{did_you_mean, expr, find_cycles, CheckError, Checker};
use crate::ast::{self, ClauseKind, DueUnit, Span, Spanned};
use crate::calendar::Deadline;
use crate::program::{RuleDef, Severity};

impl Checker<'_> {
    pub(super) fn check_rule(&mut self, rule: &ast::Rule) -> Option<RuleDef> {
        let clauses = self.index_clauses(rule);
        let mut when = None;
        let mut applies_to = None;
        let mut severity = None;
        let mut require = None;
        let mut owner = None;
        let mut involve = Vec::new();
        let mut due = None;
        let mut replaces = Vec::new();
        let mut ok = true;
        let (case, for_each) = self.rule_scope(rule);
        ok &= case != CaseCtx::Unknown;
        for clause in &clauses {
            match &clause.kind {
                ClauseKind::When(e) => {
                    when = Some(self.check_condition_in(e, expr::Scope::Subject, None, case))
                }
                ClauseKind::ForEach { .. } => {}
                ClauseKind::AppliesTo(e) => {
                    applies_to = Some(self.check_condition(e, expr::Scope::AppliesTo, None))
                }
                ClauseKind::Severity(s) => severity = self.check_severity(s),
                ClauseKind::Require(text) => require = self.check_require(text),
                ClauseKind::Owner(role) => owner = self.resolve_role(role),
                ClauseKind::Involve(roles) => {
                    involve = roles.iter().filter_map(|r| self.resolve_role(r)).collect();
                    ok &= involve.len() == roles.len();
                }
                ClauseKind::Due(d) => due = self.check_due(d, clause.span),
                ClauseKind::Replaces(names) => {
                    replaces = names.iter().filter_map(|n| self.resolve_rule(n)).collect();
                    ok &= replaces.len() == names.len();
                }
            }
        }
        self.warn_owner_involved(&clauses);
        let owner = owner.or_else(|| self.missing_clause(rule, "owner"));
        let when = when.or_else(|| self.missing_clause(rule, "when"));
        let severity = severity.or_else(|| self.missing_clause(rule, "severity"));
        let require = require.or_else(|| self.missing_clause(rule, "require"));
        let due = due.or_else(|| self.missing_clause(rule, "due"));
        Some(RuleDef {
            id: rule.id.value.clone(),
            title: rule.title.value.clone(),
            applies_to,
            when: when?,
            severity: severity?,
            require: require?,
            owner: owner?,
            involve,
            due: due?,
            replaces,
            for_each,
        })
        .filter(|_| ok)
    }

    /// The rule's clauses, reporting any written twice (the first one counts).
    fn index_clauses<'r>(&mut self, rule: &'r ast::Rule) -> Vec<&'r ast::Clause> {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut kept = Vec::new();
        for clause in &rule.clauses {
            let keyword = clause.kind.keyword();
            match seen.get(keyword) {
                Some(&first) => self.duplicate_clause(
                    keyword,
                    format!(" in rule `{}`", rule.id.value),
                    clause.span,
                    first,
                ),
                None => {
                    seen.insert(keyword, clause.span);
                    kept.push(clause);
                }
            }
        }
        kept
    }

    /// Reports a missing clause, unless the clause was written (and its error reported).
    /// Always `None`, standing for the clause's missing value.
    fn missing_clause<T>(&mut self, rule: &ast::Rule, keyword: &'static str) -> Option<T> {
        if rule.clauses.iter().any(|c| c.kind.keyword() == keyword) {
            return None;
        }
        let example = match keyword {
            "when" => "`when callbacks < 20`, the condition that calls for the action".to_string(),
            "severity" => "`severity low` (or `moderate`, `high`, `extreme`)".to_string(),
            "require" => "`require \"What must be done\"`".to_string(),
            "owner" => {
                let role = self
                    .symbols
                    .roles
                    .iter()
                    .min_by_key(|(_, i)| **i)
                    .map(|(n, _)| n.as_str());
                format!(
                    "`owner {}`, the role that owns the action",
                    role.unwrap_or("medical_lead")
                )
            }
            _ => "`due 10 working days` (or days, weeks, months)".to_string(),
        };
        self.error(CheckError::MissingClause {
            rule: rule.id.value.clone(),
            keyword,
            span: rule.id.span,
            help: Some(format!("add a line such as {example}")),
        });
        None
    }

    /// The action text: something must be said.
    fn check_require(&mut self, text: &Spanned<String>) -> Option<String> {
        if text.value.trim().is_empty() {
            self.error(CheckError::EmptyText {
                message: "the action text is empty".to_string(),
                span: text.span,
                help: Some(
                    "say what must be done, for example `require \"Root-cause discussion with the clinician\"`"
                        .to_string(),
                ),
            });
            return None;
        }
        Some(text.value.clone())
    }

    /// Warns when the owner is also listed in `involve`.
    fn warn_owner_involved(&mut self, clauses: &[&ast::Clause]) {
        let owner = clauses.iter().find_map(|c| match &c.kind {
            ClauseKind::Owner(role) => Some(role),
            _ => None,
        });
        let involve = clauses.iter().find_map(|c| match &c.kind {
            ClauseKind::Involve(roles) => Some(roles),
            _ => None,
        });
        let (Some(owner), Some(involve)) = (owner, involve) else {
            return;
        };
        if let Some(again) = involve.iter().find(|r| r.value == owner.value) {
            self.error(CheckError::OwnerInvolved {
                role: owner.value.clone(),
                span: again.span,
                owner: owner.span,
            });
        }
    }

    fn check_severity(&mut self, severity: &ast::Ident) -> Option<Severity> {
        let found = Severity::ALL
            .into_iter()
            .find(|s| s.name() == severity.value);
        if found.is_none() {
            self.error(CheckError::UnknownWord {
                name: severity.value.clone(),
                what: "severity",
                span: severity.span,
                help: did_you_mean(&severity.value, Severity::ALL.map(Severity::name)),
            });
        }
        found
    }

    fn resolve_role(&mut self, role: &ast::Ident) -> Option<usize> {
        match self.symbols.roles.get(&role.value) {
            Some(&i) => {
                self.usage.roles[i] = true;
                Some(i)
            }
            None => {
                let roles = in_order(&self.symbols.roles);
                let help = self.suggest(&role.value, &roles).or_else(|| {
                    Some(format!(
                        "declare it: `role {} \"Display name\"`",
                        role.value
                    ))
                });
                self.error(CheckError::UnknownRole {
                    name: role.value.clone(),
                    span: role.span,
                    help,
                });
                None
            }
        }
    }

    pub(super) fn resolve_rule(&mut self, rule: &ast::Ident) -> Option<usize> {
        let found = self.symbols.rules.get(&rule.value).copied();
        if found.is_none() {
            let rules = in_order(&self.symbols.rules);
            let help = self.suggest(&rule.value, &rules);
            self.error(CheckError::UnknownRule {
                name: rule.value.clone(),
                span: rule.span,
                help,
            });
        }
        found
    }

    /// A deadline, at most ten years ahead.
    fn check_due(&mut self, due: &ast::Due, clause: Span) -> Option<Deadline> {
        let limit = ten_years(due.unit.value);
        let n = due.amount.value.parse::<u32>().ok().filter(|n| *n <= limit);
        let Some(n) = n else {
            self.due_too_far(due, clause, limit);
            return None;
        };
        Some(match due.unit.value {
            DueUnit::WorkingDays => Deadline::WorkingDays(n),
            DueUnit::Days => Deadline::Days(n),
            DueUnit::Weeks => Deadline::Weeks(n),
            DueUnit::Months => Deadline::Months(n),
        })
    }

    fn due_too_far(&mut self, due: &ast::Due, clause: Span, limit: u32) {
        let written = self.source[clause.start..clause.end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let unit = self.source[due.unit.span.start..due.unit.span.end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        self.error(CheckError::BadNumber {
            message: format!("`{written}` is more than ten years ahead"),
            span: due.amount.span.to(due.unit.span),
            label: format!("more than {limit} {unit}"),
            help: Some(format!(
                "a deadline can be at most ten years ahead, `due {limit} {unit}`; check the number"
            )),
        });
    }

    /// For each rule (by position), the rules its `replaces` names.
    pub(super) fn replaces_graph(&self, decls: &[&ast::Rule]) -> Vec<Vec<usize>> {
        decls
            .iter()
            .map(|rule| {
                rule.clauses
                    .iter()
                    .filter_map(|c| match &c.kind {
                        ClauseKind::Replaces(names) => Some(names),
                        _ => None,
                    })
                    .flatten()
                    .filter_map(|name| self.symbols.rules.get(&name.value).copied())
                    .collect()
            })
            .collect()
    }

    /// Reports every cycle of `replaces`; true when there is one.
    pub(super) fn report_replaces_cycles(
        &mut self,
        decls: &[&ast::Rule],
        graph: &[Vec<usize>],
    ) -> bool {
        let cycles = find_cycles(graph);
        for cycle in &cycles {
            if let [rule] = cycle.as_slice() {
                self.replaces_itself(decls[*rule]);
                continue;
            }
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|&r| format!("`{}`", decls[r].id.value))
                .collect();
            let spans: Vec<Span> = cycle.iter().map(|&r| replaces_span(decls[r])).collect();
            self.error(CheckError::ReplacesCycle {
                cycle: names.join(" → "),
                span: spans[0],
                others: spans[1..]
                    .iter()
                    .map(|s| {
                        LabeledSpan::new_with_span(Some("and this continues it".to_string()), *s)
                    })
                    .collect(),
            });
        }
        !cycles.is_empty()
    }

    fn replaces_itself(&mut self, rule: &ast::Rule) {
        let own_name = rule
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ClauseKind::Replaces(names) => Some(names),
                _ => None,
            })
            .flatten()
            .find(|n| n.value == rule.id.value);
        self.error(CheckError::ReplacesItself {
            name: rule.id.value.clone(),
            span: own_name.map_or(rule.id.span, |n| n.span),
            help: Some(format!(
                "remove `{}` from its own `replaces`",
                rule.id.value
            )),
        });
    }

    /// Warns once for each rule that can never be reported: a rule that replaces it (directly
    /// or through others) has the same condition and applies at least as widely. The first
    /// such rule in the file is named; a long chain of look-alike rules gives one warning per
    /// rule, not one per pair. Warnings come in the order of the rule named, then of the rule
    /// warned about.
    pub(super) fn warn_never_reported(
        &mut self,
        decls: &[&ast::Rule],
        rules: &[RuleDef],
        graph: &[Vec<usize>],
    ) {
        let when = self.condition_texts(decls, "when");
        let applies = self.condition_texts(decls, "applies to");
        let mut warnings: Vec<(usize, usize)> = first_look_alike_replacers(graph, &when, &applies)
            .into_iter()
            .enumerate()
            .filter_map(|(replaced, by)| Some((by?, replaced)))
            .collect();
        warnings.sort_unstable();
        for (a, b) in warnings {
            self.error(CheckError::NeverReported {
                name: rules[b].id.clone(),
                by: rules[a].id.clone(),
                span: decls[b].id.span,
                by_span: replaces_span(decls[a]),
            });
        }
    }

    /// Each rule's condition for one clause, spacing aside, as a number: rules whose
    /// conditions are written the same get the same number.
    fn condition_texts(&self, decls: &[&ast::Rule], keyword: &str) -> Vec<Option<usize>> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        decls
            .iter()
            .map(|rule| {
                let span = clause_expr(rule, keyword)?;
                let words = self.source[span.start..span.end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let next = seen.len();
                Some(*seen.entry(words).or_insert(next))
            })
            .collect()
    }
}

/// The most of each unit a deadline may be: ten years.
fn ten_years(unit: DueUnit) -> u32 {
    match unit {
        DueUnit::WorkingDays => 2_600,
        DueUnit::Days => 3_650,
        DueUnit::Weeks => 520,
        DueUnit::Months => 120,
    }
}

fn clause_expr(rule: &ast::Rule, keyword: &str) -> Option<Span> {
    rule.clauses
        .iter()
        .find(|c| c.kind.keyword() == keyword)
        .and_then(|c| match &c.kind {
            ClauseKind::When(e) | ClauseKind::AppliesTo(e) => Some(e.span),
            _ => None,
        })
}

fn replaces_span(rule: &ast::Rule) -> Span {
    rule.clauses
        .iter()
        .find(|c| matches!(c.kind, ClauseKind::Replaces(_)))
        .map_or(rule.id.span, |c| c.span)
}

/// For each rule, the first rule in the file that replaces it, directly or through others,
/// with the same `when` and an `applies to` that is absent or the same (`when` and `applies`
/// number each rule's conditions: the same number for the same text).
///
/// Replacers are taken a group at a time: the rules with one `when` and one `applies to`. A
/// search down `replaces` from each rule of the group, in file order, labels the rules not yet
/// labelled, so each rule is visited once a group and is labelled by the first replacer that
/// reaches it. A group is searched from only when it could find a rule other than its own
/// first one, so a chain of rules with distinct conditions, or of look-alike rules, takes time
/// linear in its length.
fn first_look_alike_replacers(
    graph: &[Vec<usize>],
    when: &[Option<usize>],
    applies: &[Option<usize>],
) -> Vec<Option<usize>> {
    let mut groups: HashMap<(usize, Option<usize>), Vec<usize>> = HashMap::new();
    let mut same_when: HashMap<usize, Vec<usize>> = HashMap::new();
    for (rule, w) in when.iter().enumerate() {
        if let Some(w) = *w {
            groups.entry((w, applies[rule])).or_default().push(rule);
            same_when.entry(w).or_default().push(rule);
        }
    }
    let mut keys: Vec<(usize, Option<usize>)> = groups.keys().copied().collect();
    keys.sort_unstable();
    let mut first: Vec<Option<usize>> = vec![None; graph.len()];
    let mut label: Vec<Option<usize>> = vec![None; graph.len()];
    for key in keys {
        let replacers = &groups[&key];
        // A replacer without `applies to` applies at least as widely as any rule.
        let candidates = match key.1 {
            None => &same_when[&key.0],
            Some(_) => replacers,
        };
        if candidates.len() < 2 {
            continue;
        }
        let reached = label_reached(graph, replacers, &mut label);
        for &rule in candidates {
            if let Some(by) = label[rule] {
                first[rule] = Some(first[rule].map_or(by, |f| f.min(by)));
            }
        }
        for rule in reached {
            label[rule] = None;
        }
    }
    first
}

/// Labels each rule reached down `replaces` from `starts` (in file order, not counting a
/// start itself unless another reaches it) with the first start that reaches it; returns the
/// rules labelled.
fn label_reached(
    graph: &[Vec<usize>],
    starts: &[usize],
    label: &mut [Option<usize>],
) -> Vec<usize> {
    let mut reached = Vec::new();
    for &start in starts {
        let mut stack = graph[start].clone();
        while let Some(rule) = stack.pop() {
            if label[rule].is_some() {
                continue;
            }
            label[rule] = Some(start);
            reached.push(rule);
            stack.extend(&graph[rule]);
        }
    }
    reached
}

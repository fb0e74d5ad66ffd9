//! Rules: their clauses, the roles and rules they name, deadlines, and `replaces`.

use std::collections::HashMap;

use miette::LabeledSpan;

use super::{expr, find_cycles, too_large, CheckError, Checker};
use crate::ast::{self, ClauseKind, DueUnit, Span};
use crate::calendar::Deadline;
use crate::program::{RuleDef, Severity};

impl Checker<'_> {
    fn check_rule(&mut self, rule: &ast::Rule) -> Option<RuleDef> {
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
        for clause in clauses {
            match &clause.kind {
                ClauseKind::When(e) => {
                    when = Some(self.check_condition(e, expr::Scope::Subject, None))
                }
                ClauseKind::AppliesTo(e) => {
                    applies_to = Some(self.check_condition(e, expr::Scope::AppliesTo, None))
                }
                ClauseKind::Severity(s) => severity = self.check_severity(s),
                ClauseKind::Require(text) => require = Some(text.value.clone()),
                ClauseKind::Owner(role) => owner = self.resolve_role(role),
                ClauseKind::Involve(roles) => {
                    involve = roles.iter().filter_map(|r| self.resolve_role(r)).collect();
                    ok &= involve.len() == roles.len();
                }
                ClauseKind::Due(d) => due = self.check_due(d),
                ClauseKind::Replaces(names) => {
                    replaces = names.iter().filter_map(|n| self.resolve_rule(n)).collect();
                    ok &= replaces.len() == names.len();
                }
            }
        }
        let owner = owner.or_else(|| {
            self.missing_clause(rule, &["owner"], "owner");
            None
        });
        let when = when.or_else(|| {
            self.missing_clause(rule, &["when"], "when");
            None
        });
        let severity = severity.or_else(|| {
            self.missing_clause(rule, &["severity"], "severity");
            None
        });
        let require = require.or_else(|| {
            self.missing_clause(rule, &["require"], "require");
            None
        });
        let due = due.or_else(|| {
            self.missing_clause(rule, &["due"], "due");
            None
        });
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
            displaces: Vec::new(),
            span: rule.span,
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
    fn missing_clause(&mut self, rule: &ast::Rule, _written: &[&str], keyword: &'static str) {
        if rule.clauses.iter().any(|c| c.kind.keyword() == keyword) {
            return;
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
                let help = did_you_mean(&role.value, self.symbols.roles.keys().map(String::as_str))
                    .or_else(|| {
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

    fn resolve_rule(&mut self, rule: &ast::Ident) -> Option<usize> {
        let found = self.symbols.rules.get(&rule.value).copied();
        if found.is_none() {
            self.error(CheckError::UnknownRule {
                name: rule.value.clone(),
                span: rule.span,
                help: did_you_mean(&rule.value, self.symbols.rules.keys().map(String::as_str)),
            });
        }
        found
    }

    fn check_due(&mut self, due: &ast::Due) -> Option<Deadline> {
        let Ok(n) = due.amount.value.parse::<u32>() else {
            self.error(too_large(&due.amount));
            return None;
        };
        Some(match due.unit.value {
            DueUnit::WorkingDays => Deadline::WorkingDays(n),
            DueUnit::Days => Deadline::Days(n),
            DueUnit::Weeks => Deadline::Weeks(n),
            DueUnit::Months => Deadline::Months(n),
        })
    }

    /// For each rule (by position), the rules its `replaces` names.
    fn replaces_graph(&self, decls: &[&ast::Rule]) -> Vec<Vec<usize>> {
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
    fn report_replaces_cycles(&mut self, decls: &[&ast::Rule], graph: &[Vec<usize>]) -> bool {
        let cycles = find_cycles(graph);
        for cycle in &cycles {
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

    fn warn_never_reported(&mut self, decls: &[&ast::Rule], rules: &[RuleDef]) {
        for (a, rule) in rules.iter().enumerate() {
            for &b in &rule.displaces {
                let same_when =
                    self.same_text(clause_expr(decls[a], "when"), clause_expr(decls[b], "when"));
                let applies_a = clause_expr(decls[a], "applies to");
                let same_scope = applies_a.is_none()
                    || self.same_text(applies_a, clause_expr(decls[b], "applies to"));
                if same_when && same_scope {
                    self.error(CheckError::NeverReported {
                        name: rules[b].id.clone(),
                        by: rule.id.clone(),
                        span: decls[b].id.span,
                        by_span: replaces_span(decls[a]),
                    });
                }
            }
        }
    }

    /// Whether two conditions are written the same, spacing aside.
    fn same_text(&self, a: Option<Span>, b: Option<Span>) -> bool {
        let words = |s: Span| {
            self.source[s.start..s.end]
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        match (a, b) {
            (Some(a), Some(b)) => words(a) == words(b),
            _ => false,
        }
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


//! `replaces`: which rule instances are displaced by a held instance of a rule that replaces
//! them, directly or through others, and which rules an action replaced.
//!
//! What a rule inherits from the rules that replace it is passed down the `replaces` graph
//! once, rule by rule, never pair by pair: a chain of 400 look-alike rules that all hold
//! costs about 400 steps for a subject, not the 80,000 pairs of the chain.

use super::{Instance, Truth};
use crate::data::CaseIndex;
use crate::program::Program;

/// The program's rules in an order where each comes before every rule it replaces, worked out
/// once for an evaluation.
pub(super) struct ReplacesOrder {
    order: Vec<usize>,
    /// Whether any rule replaces another.
    any: bool,
}

impl ReplacesOrder {
    /// The order of `program`'s rules. A rule on a cycle of `replaces` (which the checker
    /// refuses) is left out: it displaces nothing and nothing displaces it.
    pub fn new(program: &Program) -> ReplacesOrder {
        let rules = &program.rules;
        let mut replacers = vec![0usize; rules.len()];
        for rule in rules {
            for &replaced in &rule.replaces {
                replacers[replaced] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..rules.len())
            .rev()
            .filter(|&r| replacers[r] == 0)
            .collect();
        let mut order = Vec::with_capacity(rules.len());
        while let Some(rule) = ready.pop() {
            order.push(rule);
            for &replaced in &rules[rule].replaces {
                replacers[replaced] -= 1;
                if replacers[replaced] == 0 {
                    ready.push(replaced);
                }
            }
        }
        ReplacesOrder {
            order,
            any: rules.iter().any(|r| !r.replaces.is_empty()),
        }
    }

    /// For each of a subject's instances (in rule order, as [`super::instances`] gives them),
    /// the first instance, by position, that held and displaces it: its rule replaces the
    /// instance's rule, directly or through others, and it is for the same subject and, when
    /// both rules are for each case of one kind, the same case.
    /// They are written to `displacers` (emptied first), which can be kept from one subject
    /// to the next.
    pub fn displacers(
        &self,
        program: &Program,
        found: &[Instance],
        displacers: &mut Vec<Option<usize>>,
    ) {
        displacers.clear();
        displacers.resize(found.len(), None);
        if !self.any || found.iter().all(|i| i.truth != Truth::True) {
            return;
        }
        let starts = rule_starts(found, program.rules.len());
        let mut inherited: Vec<Held> = vec![Held::default(); program.rules.len()];
        for &rule in &self.order {
            let held = std::mem::take(&mut inherited[rule]);
            let kind = case_kind(program, rule);
            let own = starts[rule]..starts[rule + 1];
            for position in own.clone() {
                displacers[position] = held.first_displacing(kind, found[position].case);
            }
            let replaced = &program.rules[rule].replaces;
            if replaced.is_empty() {
                continue;
            }
            let mut passed = held;
            for position in own.filter(|&p| found[p].truth == Truth::True) {
                passed.add(position, kind, found[position].case);
            }
            for &next in replaced {
                inherited[next].merge(&passed);
            }
        }
    }

    /// The rules that `found[position]`'s rule replaces, directly or through others, that have
    /// an instance that held and that its action displaces, in file order.
    pub fn replaced_rules(
        &self,
        program: &Program,
        found: &[Instance],
        position: usize,
    ) -> Vec<usize> {
        let by = &found[position];
        let rules = &program.rules;
        if rules[by.rule].replaces.is_empty() {
            return Vec::new();
        }
        let starts = rule_starts(found, rules.len());
        let mut seen = vec![false; rules.len()];
        let mut stack = rules[by.rule].replaces.clone();
        let mut replaced = Vec::new();
        while let Some(rule) = stack.pop() {
            if std::mem::replace(&mut seen[rule], true) {
                continue;
            }
            let held = found[starts[rule]..starts[rule + 1]]
                .iter()
                .any(|other| other.truth == Truth::True && super::same_target(program, by, other));
            if held {
                replaced.push(rule);
            }
            stack.extend(&rules[rule].replaces);
        }
        replaced.sort_unstable();
        replaced
    }
}

/// For each rule, where its instances start in `found` (which is in rule order); one more
/// entry for the end.
fn rule_starts(found: &[Instance], rules: usize) -> Vec<usize> {
    let mut starts = vec![0; rules + 1];
    for instance in found {
        starts[instance.rule + 1] += 1;
    }
    for rule in 0..rules {
        starts[rule + 1] += starts[rule];
    }
    starts
}

/// The case kind of a rule evaluated for each case.
fn case_kind(program: &Program, rule: usize) -> Option<usize> {
    program.rules[rule].for_each.map(|s| s.case_kind)
}

/// The held instances of the rules that replace a rule (directly or through others), as far
/// as displacing goes: the first position of those that displace any instance, and the first
/// of each case for those that displace only instances of their own case.
#[derive(Clone, Debug, Default)]
struct Held {
    /// The first held instance of a rule for the subject.
    wide: Option<usize>,
    /// By (case kind, case), sorted: the first held instance of a rule for each case.
    cases: Vec<(usize, CaseIndex, usize)>,
}

impl Held {
    fn add(&mut self, position: usize, kind: Option<usize>, case: Option<CaseIndex>) {
        let (Some(kind), Some(case)) = (kind, case) else {
            self.wide = Some(self.wide.map_or(position, |w| w.min(position)));
            return;
        };
        match self
            .cases
            .binary_search_by_key(&(kind, case), |&(k, c, _)| (k, c))
        {
            Ok(i) => self.cases[i].2 = self.cases[i].2.min(position),
            Err(i) => self.cases.insert(i, (kind, case, position)),
        }
    }

    fn merge(&mut self, other: &Held) {
        if let Some(wide) = other.wide {
            self.add(wide, None, None);
        }
        for &(kind, case, position) in &other.cases {
            self.add(position, Some(kind), Some(case));
        }
    }

    /// The first held instance that displaces an instance of a rule of this case kind (if for
    /// each case) and this case: any rule's for the subject; a case rule's only for its own
    /// case when both rules are for each case of the same kind.
    fn first_displacing(&self, kind: Option<usize>, case: Option<CaseIndex>) -> Option<usize> {
        let by_case = self
            .cases
            .iter()
            .filter(|&&(k, c, _)| match (kind, case) {
                (Some(own_kind), Some(own_case)) if own_kind == k => c == own_case,
                _ => true,
            })
            .map(|&(_, _, position)| position);
        self.wide.into_iter().chain(by_case).min()
    }
}

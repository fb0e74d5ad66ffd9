//! `replaces`: which rules' actions are displaced, what an action lists as replaced, what
//! `explain` says replaced a rule, and the warning about rules that can never be reported;
//! for a long chain of look-alike rules worked out by hand, and for random graphs of
//! `replaces` against the transitive closure computed here pair by pair.

use std::collections::{BTreeMap, BTreeSet};

use escalate::{
    explain, Dataset, EvalOptions, Month, PerformanceRecord, Policy, RuleOutcome as Outcome,
    SubjectRecord,
};
use proptest::prelude::*;

fn as_of() -> Month {
    "2026-10".parse().expect("a month")
}

const HEADER: &str = "policy \"Chain\"\nrole r \"R\"\nmetric m \"M\" percent, higher is better\n\
    metric n \"N\" count\nsubjects {\n  g: one of a, b\n}\n";

fn rule(id: usize, when: &str, applies: Option<&str>, replaces: &[usize]) -> String {
    let mut text = format!("rule r{id} \"Rule {id}\" {{\n");
    if let Some(applies) = applies {
        text += &format!("  applies to {applies}\n");
    }
    text += &format!("  when {when}\n  severity low\n");
    if !replaces.is_empty() {
        let names: Vec<String> = replaces.iter().map(|r| format!("r{r}")).collect();
        text += &format!("  replaces {}\n", names.join(", "));
    }
    text + "  require \"x\"\n  owner r\n  due 5 working days\n}\n"
}

/// A subject: `m` and `n` for each month back from the as-of month (`None`: no row), and its
/// value of `g` (`None`: no row in the subjects file).
type Subject = (Vec<Option<(u32, u32)>>, Option<usize>);

/// The subjects' figures and fields.
fn data(policy: &Policy, subjects: &[Subject]) -> Dataset {
    let mut performance = Vec::new();
    let mut fields = Vec::new();
    for (s, (months, group)) in subjects.iter().enumerate() {
        let subject = format!("s{s}");
        for (back, figures) in months.iter().enumerate() {
            let Some((m, n)) = figures else { continue };
            let period = as_of().offset(-(back as i32));
            for (metric, value) in [("m", m), ("n", n)] {
                performance.push(PerformanceRecord {
                    subject: subject.clone(),
                    period,
                    metric: metric.to_string(),
                    value: Some((*value).into()),
                });
            }
        }
        if let Some(g) = group {
            let mut values = BTreeMap::new();
            values.insert("g".to_string(), serde_json::json!(["a", "b"][*g]));
            fields.push(SubjectRecord {
                subject,
                fields: values,
            });
        }
    }
    Dataset::from_records(&policy.program().schema, &performance, &fields, &[], &[])
        .expect("generated records are valid")
}

#[test]
fn a_chain_of_four_hundred_look_alike_rules() {
    let rules: usize = 400;
    let mut text = HEADER.to_string();
    for id in 0..rules {
        let replaces: Vec<usize> = id.checked_sub(1).into_iter().collect();
        text += &rule(id, "m < 80%", None, &replaces);
    }
    let policy = Policy::parse("chain.policy", text).expect("the chain checks");
    // One warning for each rule but the last, naming the rule that replaces it directly.
    let warnings: Vec<String> = policy
        .warning_records()
        .into_iter()
        .map(|w| w.message)
        .filter(|w| w.contains("can never be reported"))
        .collect();
    assert_eq!(warnings.len(), rules - 1);
    for (id, warning) in warnings.iter().enumerate() {
        let expected = format!(
            "rule `r{id}` can never be reported: `r{}` has the same condition and replaces it",
            id + 1
        );
        assert_eq!(warning, &expected);
    }
    // Every rule holds; only the last is reported, replacing all the others.
    let data = data(&policy, &[(vec![Some((70, 30))], Some(0))]);
    let evaluation = policy.evaluate(&data, as_of(), &EvalOptions::default());
    assert_eq!(evaluation.actions.len(), 1);
    let action = &evaluation.actions[0];
    assert_eq!(action.rule, format!("r{}", rules - 1));
    let replaced: Vec<String> = (0..rules - 1).map(|r| format!("r{r}")).collect();
    assert_eq!(action.replaces, replaced);
    let explained = explain(
        policy.program(),
        &data,
        as_of(),
        &EvalOptions::default(),
        "s0",
        None,
        None,
    )
    .expect("s0 is in the data");
    // Only the action lists what it replaced: a displaced rule lists nothing, so the
    // explanation of a chain grows with the chain, not with its square.
    for rule in &explained.rules[..rules - 1] {
        assert_eq!(rule.outcome, Outcome::Replaced, "{}", rule.rule);
        assert_eq!(rule.replaced_by.as_deref(), Some("r399"));
        assert_eq!(rule.replaces, Vec::<String>::new(), "{}", rule.rule);
    }
    assert_eq!(explained.rules[rules - 1].outcome, Outcome::Required);
    assert_eq!(explained.rules[rules - 1].replaces, replaced);
}

/// A random policy: each rule's condition, `applies to` and the rules it replaces (only
/// rules earlier in a random order, so that there is no cycle).
#[derive(Clone, Debug)]
struct Graph {
    whens: Vec<usize>,
    applies: Vec<Option<usize>>,
    replaces: Vec<Vec<usize>>,
}

const WHENS: [&str; 4] = [
    "m < 80%",
    "n >= 20",
    "(m < 80%) for 2 consecutive months",
    "m < 80% and n >= 20",
];
const APPLIES: [&str; 2] = ["g = a", "g = b"];

fn graph() -> impl Strategy<Value = Graph> {
    (2usize..8).prop_flat_map(|rules| {
        (
            proptest::collection::vec(0..WHENS.len(), rules),
            proptest::collection::vec(proptest::option::weighted(0.3, 0..APPLIES.len()), rules),
            Just((0..rules).collect::<Vec<usize>>()).prop_shuffle(),
            proptest::collection::vec(proptest::collection::vec(any::<bool>(), rules), rules),
        )
            .prop_map(|(whens, applies, rank, edges)| {
                let rules = whens.len();
                let replaces = (0..rules)
                    .map(|a| {
                        (0..rules)
                            .filter(|&b| rank[b] < rank[a] && edges[a][b])
                            .collect()
                    })
                    .collect();
                Graph {
                    whens,
                    applies,
                    replaces,
                }
            })
    })
}

impl Graph {
    fn text(&self, with_replaces: bool) -> String {
        let mut text = HEADER.to_string();
        for id in 0..self.whens.len() {
            let replaces = match with_replaces {
                true => self.replaces[id].as_slice(),
                false => &[],
            };
            let applies = self.applies[id].map(|a| APPLIES[a]);
            text += &rule(id, WHENS[self.whens[id]], applies, replaces);
        }
        text
    }

    /// Every rule each rule replaces, directly or through others.
    fn closure(&self) -> Vec<BTreeSet<usize>> {
        (0..self.whens.len())
            .map(|start| {
                let mut seen = BTreeSet::new();
                let mut stack = self.replaces[start].clone();
                while let Some(rule) = stack.pop() {
                    if seen.insert(rule) {
                        stack.extend(&self.replaces[rule]);
                    }
                }
                seen
            })
            .collect()
    }
}

fn subjects() -> impl Strategy<Value = Vec<Subject>> {
    let month = proptest::option::weighted(0.85, (60u32..100, 10u32..30));
    let subject = (
        proptest::collection::vec(month, 1..4),
        proptest::option::weighted(0.8, 0usize..2),
    );
    proptest::collection::vec(subject, 1..4)
}

/// What a subject's rules came to: true (an action without `replaces`), unknown or false.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Held {
    True,
    Unknown,
    False,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn displacement_follows_the_transitive_closure(graph in graph(), subjects in subjects()) {
        let policy = Policy::parse("graph.policy", graph.text(true)).expect("the graph checks");
        let plain = Policy::parse("plain.policy", graph.text(false)).expect("the rules check");
        let data = data(&policy, &subjects);
        let closure = graph.closure();
        let rules = graph.whens.len();
        let options = EvalOptions::default();
        let without = plain.evaluate(&data, as_of(), &options);
        let with = policy.evaluate(&data, as_of(), &options);
        for s in 0..subjects.len() {
            let subject = format!("s{s}");
            if !data.subject_ids().any(|id| id == subject) {
                continue;
            }
            let held: Vec<Held> = (0..rules)
                .map(|r| {
                    let id = format!("r{r}");
                    let is = |(x, y): (&String, &String)| *x == subject && *y == id;
                    if without.actions.iter().map(|a| (&a.subject, &a.rule)).any(is) {
                        Held::True
                    } else if without.undecided.iter().map(|u| (&u.subject, &u.rule)).any(is) {
                        Held::Unknown
                    } else {
                        Held::False
                    }
                })
                .collect();
            // The first rule (in file order) that held and replaces `r`, directly or not.
            let displacer = |r: usize| (0..rules).find(|&a| held[a] == Held::True && closure[a].contains(&r));
            let mut actions = Vec::new();
            let mut undecided = Vec::new();
            for r in 0..rules {
                match (held[r], displacer(r)) {
                    (Held::True, None) => {
                        let replaced: Vec<String> = closure[r]
                            .iter()
                            .filter(|&&d| held[d] == Held::True)
                            .map(|d| format!("r{d}"))
                            .collect();
                        actions.push((format!("r{r}"), replaced));
                    }
                    (Held::Unknown, None) => undecided.push(format!("r{r}")),
                    _ => {}
                }
            }
            let found_actions: Vec<(String, Vec<String>)> = with
                .actions
                .iter()
                .filter(|a| a.subject == subject)
                .map(|a| (a.rule.clone(), a.replaces.clone()))
                .collect();
            let found_undecided: Vec<String> = with
                .undecided
                .iter()
                .filter(|u| u.subject == subject)
                .map(|u| u.rule.clone())
                .collect();
            prop_assert_eq!(&found_actions, &actions);
            prop_assert_eq!(found_undecided, undecided);
            let explained = explain(policy.program(), &data, as_of(), &options, &subject, None, None)
                .expect("the subject is in the data");
            for (r, explanation) in explained.rules.iter().enumerate() {
                // The action seen instead: the displacer's own displacer, and so on.
                let mut seen = displacer(r);
                while let Some(next) = seen.and_then(displacer) {
                    seen = Some(next);
                }
                let replaced = explanation.outcome == Outcome::Replaced;
                prop_assert_eq!(replaced, held[r] != Held::False && seen.is_some(), "r{}", r);
                prop_assert_eq!(explanation.replaced_by.clone(), seen.map(|a| format!("r{a}")));
                // What it replaced: its action's list, nothing for a rule without an action.
                let listed = actions.iter().find(|(rule, _)| *rule == format!("r{r}"));
                prop_assert_eq!(
                    &explanation.replaces,
                    &listed.map(|(_, replaced)| replaced.clone()).unwrap_or_default()
                );
            }
        }
        // Each rule replaced by a look-alike rule (the same `when`, and an `applies to` that
        // is absent or the same) is warned about once, naming the first such rule; warnings
        // come in the order of the rules warned about.
        let mut warnings = Vec::new();
        for b in 0..rules {
            for a in 0..rules {
                let alike = graph.whens[a] == graph.whens[b]
                    && (graph.applies[a].is_none() || graph.applies[a] == graph.applies[b]);
                let first = (0..rules).find(|&x| {
                    closure[x].contains(&b)
                        && graph.whens[x] == graph.whens[b]
                        && (graph.applies[x].is_none() || graph.applies[x] == graph.applies[b])
                });
                if alike && closure[a].contains(&b) && first == Some(a) {
                    warnings.push(format!(
                        "rule `r{b}` can never be reported: `r{a}` has the same condition and replaces it"
                    ));
                }
            }
        }
        let found: Vec<String> = policy
            .warning_records()
            .into_iter()
            .map(|w| w.message)
            .filter(|w| w.contains("can never be reported"))
            .collect();
        prop_assert_eq!(found, warnings);
    }
}

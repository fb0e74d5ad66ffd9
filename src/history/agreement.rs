//! The policy's history against what was actually done (`--actual`).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{key, ActionKey, ActualAction, Backtest, BacktestMonth, Status, Summary};
use crate::month::Month;

/// How the policy's history agrees with what was actually done.
///
/// See the example of [`agreement`](crate::agreement).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Agreement {
    /// Per rule.
    pub rules: Vec<RuleAgreement>,
    /// Required actions done in the same or the next month, all rules.
    pub done: usize,
    /// Required and not done.
    pub not_done: usize,
    /// Done and not required.
    pub not_required: usize,
    /// done / (done + not done + done but not required), as a percentage rounded to one
    /// decimal place (`5.6`), so that it prints the same everywhere; the counts beside it are
    /// exact.
    pub agreement_percent: f64,
    /// Rows of the file not compared because their month is outside the backtest's window
    /// (`--from` to the month after `--to`: an action required in the last month may be done
    /// in the next).
    pub outside_window: usize,
    /// Rows that repeat an earlier row (same subject, month, rule and case): each action is
    /// counted once.
    pub duplicates: usize,
}

/// Agreement for one rule.
///
/// See the example of [`agreement`](crate::agreement).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleAgreement {
    /// The rule.
    pub rule: String,
    /// New actions the policy required that were done in the same or the next month.
    pub done: usize,
    /// New actions the policy required that were not done.
    pub not_done: usize,
    /// Actions done that the policy did not require.
    pub not_required: usize,
    /// done / (done + not done + not required), as a percentage rounded to one decimal
    /// place; `None` when all are 0.
    pub agreement_percent: Option<f64>,
    /// The required-but-not-done actions.
    pub missed: Vec<SubjectMonth>,
    /// The done-but-not-required actions.
    pub unrequired: Vec<SubjectMonth>,
}

/// A subject (and, for a rule evaluated for each case, a case) in a month.
///
/// See the example of [`agreement`](crate::agreement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectMonth {
    /// The subject.
    pub subject: String,
    /// The case (absent for a rule evaluated once per subject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The month.
    pub period: Month,
}

/// Compares the backtest's new actions with what was done. A required action counts as done
/// when the file has the same subject, rule and case in the month it became required or the
/// next. Rows outside the window and repeated rows are counted, not compared (see
/// [`Agreement::outside_window`] and [`Agreement::duplicates`]); a row of the month after
/// `--to` that answers no action is outside the window, not "done but not required".
///
/// ```
/// # use escalate::{DataInput, DataSources, Dataset, Policy};
/// # let text = |threshold: &str| format!(r#"
/// #     policy "Call-backs at {threshold}%"
/// #     role lead "Clinical Lead"
/// #     metric callback_in_time "Call-backs in time" percent, higher is better
/// #     rule low_callbacks "Call-backs below {threshold}%" {{
/// #       when callback_in_time < {threshold}%
/// #       severity moderate
/// #       require "Discuss with the clinician"
/// #       owner lead
/// #       due 10 working days
/// #     }}
/// # "#);
/// # let csv = "subject,period,callback_in_time\n\
/// #            c1,2026-08,76\nc1,2026-09,70\nc1,2026-10,90\n\
/// #            c2,2026-08,90\nc2,2026-09,75\nc2,2026-10,72\n";
/// # let sources = DataSources {
/// #     performance: Some(DataInput::csv("performance.csv", csv)),
/// #     ..DataSources::default()
/// # };
/// let policy = Policy::parse("80.policy", text("80")).unwrap();
/// let data = Dataset::load(&policy.program().schema, &sources).unwrap();
/// let (september, october) = ("2026-09".parse().unwrap(), "2026-10".parse().unwrap());
/// let backtest = escalate::backtest(&policy, &data, september, october, &|_| {});
/// // What was done: c2's new action in September, and a meeting with c1 in October that
/// // the policy did not ask for (c1's action was not new).
/// let done = "subject,period,rule,note\nc2,2026-09,low_callbacks,rota changed\nc1,2026-10,low_callbacks,\n";
/// let input = DataInput::csv("actual.csv", done);
/// let actual = escalate::load_actual(&input, policy.program()).unwrap();
/// assert_eq!(actual[0].note.as_deref(), Some("rota changed"));
/// let agreement = escalate::agreement(&backtest, &actual);
/// assert_eq!((agreement.done, agreement.not_done, agreement.not_required), (1, 0, 1));
/// assert_eq!(agreement.agreement_percent, 50.0);
/// assert_eq!(agreement.rules[0].unrequired[0].subject, "c1");
/// ```
pub fn agreement(backtest: &Backtest, actual: &[ActualAction]) -> Agreement {
    let mut agreer = Agreer::new(actual, &backtest.summary, (backtest.from, backtest.to));
    for month in &backtest.months {
        agreer.month(month);
    }
    agreer.finish()
}

/// [`agreement`] a month at a time, as the months of a replay come, so that the backtest is
/// never held whole.
pub(crate) struct Agreer<'a> {
    actual: &'a [ActualAction],
    /// The last month of the range.
    to: Month,
    /// Whether each row may still answer a required action.
    unused: Vec<bool>,
    /// The rows of each subject, rule and case.
    by_key: HashMap<ActionKey<'a>, Vec<usize>>,
    rules: Vec<RuleAgreement>,
    outside_window: usize,
    duplicates: usize,
}

impl<'a> Agreer<'a> {
    /// Nothing compared yet with `actual`, for a backtest of the rules of `summary` over
    /// the months `from` to `to`.
    pub fn new(
        actual: &'a [ActualAction],
        summary: &Summary,
        (from, to): (Month, Month),
    ) -> Agreer<'a> {
        let window = |m: Month| m >= from && m <= to.offset(1);
        let mut seen = HashSet::new();
        let mut duplicates = 0;
        let mut outside_window = 0;
        let mut unused: Vec<bool> = Vec::with_capacity(actual.len());
        for a in actual {
            let fresh = seen.insert((&a.subject, a.period, &a.rule, &a.case));
            duplicates += usize::from(!fresh);
            outside_window += usize::from(fresh && !window(a.period));
            unused.push(fresh && window(a.period));
        }
        let mut by_key: HashMap<ActionKey, Vec<usize>> = HashMap::new();
        for (i, a) in actual.iter().enumerate() {
            by_key
                .entry((a.subject.as_str(), a.rule.as_str(), a.case.as_deref()))
                .or_default()
                .push(i);
        }
        let rules = summary
            .rules
            .iter()
            .map(|r| RuleAgreement {
                rule: r.rule.clone(),
                done: 0,
                not_done: 0,
                not_required: 0,
                agreement_percent: None,
                missed: Vec::new(),
                unrequired: Vec::new(),
            })
            .collect();
        Agreer {
            actual,
            to,
            unused,
            by_key,
            rules,
            outside_window,
            duplicates,
        }
    }

    /// Compares the new actions of the next month of the range with what was done.
    pub fn month(&mut self, month: &BacktestMonth) {
        for a in month.actions.iter().filter(|a| a.status == Status::New) {
            let Some(r) = self.rules.iter().position(|r| r.rule == a.action.rule) else {
                continue;
            };
            let matched = self.by_key.get(&key(&a.action)).and_then(|candidates| {
                candidates.iter().copied().find(|&i| {
                    self.unused[i]
                        && (self.actual[i].period == month.as_of
                            || self.actual[i].period == month.as_of.offset(1))
                })
            });
            match matched {
                Some(i) => {
                    self.unused[i] = false;
                    self.rules[r].done += 1;
                }
                None => {
                    self.rules[r].not_done += 1;
                    self.rules[r].missed.push(SubjectMonth {
                        subject: a.action.subject.clone(),
                        case: a.action.case.clone(),
                        period: month.as_of,
                    });
                }
            }
        }
    }

    /// The agreement, once every month of the range is compared.
    pub fn finish(self) -> Agreement {
        let Agreer {
            actual,
            to,
            unused,
            mut rules,
            mut outside_window,
            duplicates,
            ..
        } = self;
        for a in actual
            .iter()
            .zip(&unused)
            .filter(|(_, u)| **u)
            .map(|(a, _)| a)
        {
            if a.period > to {
                outside_window += 1;
                continue;
            }
            if let Some(r) = rules.iter().position(|r| r.rule == a.rule) {
                rules[r].not_required += 1;
                rules[r].unrequired.push(SubjectMonth {
                    subject: a.subject.clone(),
                    case: a.case.clone(),
                    period: a.period,
                });
            }
        }
        for r in &mut rules {
            r.agreement_percent = percent(r.done, r.done + r.not_done + r.not_required);
        }
        let done = rules.iter().map(|r| r.done).sum();
        let not_done = rules.iter().map(|r| r.not_done).sum();
        let not_required = rules.iter().map(|r| r.not_required).sum();
        Agreement {
            agreement_percent: percent(done, done + not_done + not_required).unwrap_or(100.0),
            rules,
            done,
            not_done,
            not_required,
            outside_window,
            duplicates,
        }
    }
}

/// `part` of `whole` as a percentage rounded half up to one decimal place, worked out in
/// whole numbers so that it is the same on every machine: 1 of 18 is 5.6, not
/// 5.555555555555555.
fn percent(part: usize, whole: usize) -> Option<f64> {
    let (part, whole) = (part as u128, whole as u128);
    (whole > 0).then(|| ((part * 2000 + whole) / (2 * whole)) as f64 / 10.0)
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_are_rounded_to_one_place_half_up() {
        assert_eq!(percent(1, 18), Some(5.6));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 16), Some(6.3));
        assert_eq!(percent(18, 18), Some(100.0));
        assert_eq!(percent(0, 7), Some(0.0));
        assert_eq!(percent(0, 0), None);
    }
}

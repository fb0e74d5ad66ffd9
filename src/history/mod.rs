//! Replaying a policy over past months: what it would have asked for, month by month, which
//! actions were new and which continued, what stopped being required and why; compared with
//! a second policy, and with what was actually done.
//!
//! The data is loaded once; each month is decided as `eval --as-of` decides it (on the
//! month's last day), so a backtest month always agrees with `eval` that month. Each subject
//! is replayed over all the months at once, reusing the truths of earlier months, and the
//! months are kept small (positions, no texts) until written out one at a time.

mod actual;
mod agreement;
mod comparison;
mod json;

#[cfg(feature = "parallel")]
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, SubjectIndex};
use crate::eval::{Action, MonthByMonth, Outcome, RuleCase, SubjectInMonth, Undecided};
use crate::month::Month;
use crate::policy::Policy;

pub use actual::{load_actual, ActualAction};
pub use agreement::{agreement, Agreement, RuleAgreement, SubjectMonth};
pub use comparison::{compare, Comparison, MonthDifference, RuleDifference, SubjectRule};

/// The replay of a policy over a range of months.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backtest {
    /// The policy's name.
    pub policy: String,
    /// The first month replayed.
    pub from: Month,
    /// The last month replayed.
    pub to: Month,
    /// Each month, oldest first.
    pub months: Vec<BacktestMonth>,
    /// Counts per rule over the range.
    pub summary: Summary,
}

impl Backtest {
    /// The subject of each new action of the range, month by month.
    #[cfg(feature = "html")]
    pub(crate) fn new_action_subjects(&self) -> impl Iterator<Item = &str> {
        self.months.iter().flat_map(|month| {
            let new = month.actions.iter().filter(|a| a.status == Status::New);
            new.map(|a| a.action.subject.as_str())
        })
    }

    /// The subjects a report for people lists, month by month and with repeats, as ids and
    /// names: those of each month's new actions, then of its resolved actions.
    pub(crate) fn listed_subjects(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.months.iter().flat_map(|month| {
            let new = month.actions.iter().filter(|a| a.status == Status::New);
            let new = new.map(|a| (a.action.subject.as_str(), a.action.subject_name.as_deref()));
            let resolved = month.resolved.iter();
            new.chain(resolved.map(|r| (r.subject.as_str(), r.subject_name.as_deref())))
        })
    }
}

/// One month of a backtest.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BacktestMonth {
    /// The month.
    pub as_of: Month,
    /// Its decision date (the month's last day).
    #[serde(serialize_with = "crate::month::serialize_date")]
    pub decided_on: chrono::NaiveDate,
    /// Exactly what `eval` gives for the month, each with its status.
    pub actions: Vec<BacktestAction>,
    /// The previous month's actions that are no longer required, and why.
    pub resolved: Vec<Resolved>,
    /// The rules left undecided for lack of data.
    pub undecided: Vec<Undecided>,
}

/// An action of a backtest month.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BacktestAction {
    /// The action, as `eval` gives it.
    #[serde(flatten)]
    pub action: Action,
    /// Whether it was already required the month before.
    pub status: Status,
}

/// Whether an action is new this month.
///
/// See the example of [`backtest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not required the month before.
    New,
    /// Also required the month before.
    Continuing,
}

/// An action required the month before and not this month.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The subject.
    pub subject: String,
    /// The subject's display name, when the subjects file has a `name` column (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The rule.
    pub rule: String,
    /// The case, for a rule evaluated for each case (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Why it is no longer required.
    pub reason: Reason,
    /// The rule that replaced it, when replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Why an action stopped being required.
///
/// See the example of [`backtest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A rule that now holds replaces it (an escalation, usually).
    Replaced,
    /// Its condition no longer holds.
    NoLongerHolds,
    /// Data it needs is missing this month.
    NowUndecided,
    /// Its case was closed by the month's decision date.
    CaseClosed,
}

/// Counts per rule over the range.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// One entry per rule, in file order.
    pub rules: Vec<RuleSummary>,
    /// New actions over the range, all rules.
    pub new_actions: usize,
    /// Subjects with at least one action in the range.
    pub subjects_affected: usize,
}

/// A rule's history over the range.
///
/// See the example of [`backtest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleSummary {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// New actions in each month of the range, oldest first.
    pub new_per_month: Vec<usize>,
    /// New actions over the range.
    pub new_actions: usize,
    /// Subjects with an action of this rule in the range.
    pub subjects_affected: usize,
    /// The median number of consecutive months an action stays required (an action still
    /// required in the last month counts the months seen so far); `None` with no actions.
    pub median_months_open: Option<f64>,
}

/// Replays `policy` on `data` for every month from `from` to `to`. `progress` is told after
/// each month (for a progress bar). Each month is what [`Policy::evaluate`] gives for it,
/// each action marked new or continuing, with the actions of the month before that are no
/// longer required and why.
///
/// ```
/// use escalate::{ActionStatus, ResolvedReason};
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
/// let [sep, oct] = &backtest.months[..] else { panic!() };
/// let status = |m: &escalate::BacktestMonth, subject: &str| {
///     m.actions.iter().find(|a| a.action.subject == subject).map(|a| a.status)
/// };
/// // c1 was already required in August; c2 is new in September.
/// assert_eq!(status(sep, "c1"), Some(ActionStatus::Continuing));
/// assert_eq!(status(sep, "c2"), Some(ActionStatus::New));
/// assert_eq!(status(oct, "c2"), Some(ActionStatus::Continuing));
/// assert_eq!((oct.resolved[0].subject.as_str(), oct.resolved[0].reason), ("c1", ResolvedReason::NoLongerHolds));
/// let rule = &backtest.summary.rules[0];
/// assert_eq!((rule.new_per_month.as_slice(), backtest.summary.new_actions), (&[1, 0][..], 1));
/// ```
pub fn backtest(
    policy: &Policy,
    data: &Dataset,
    from: Month,
    to: Month,
    progress: &dyn Fn(usize),
) -> Backtest {
    Replay::new(policy, data, from, to).into_backtest(progress)
}

/// The months from `from` to `to`, inclusive.
pub fn month_range(from: Month, to: Month) -> impl Iterator<Item = Month> {
    (0..=to.months_since(from).max(-1)).map(move |i| from.offset(i))
}

/// What identifies an action from month to month: its subject, its rule and, for a rule
/// evaluated for each case, its case.
pub type ActionKey<'a> = (&'a str, &'a str, Option<&'a str>);

/// The key of an action: an action of another case is another action.
pub fn key(action: &Action) -> ActionKey<'_> {
    (
        action.subject.as_str(),
        action.rule.as_str(),
        action.case.as_deref(),
    )
}

/// A policy replayed over a range of months, kept small: for each month, the actions it
/// requires (with their status), the actions it resolved (with the reason) and the rules it
/// left undecided, each as positions of the subject, the rule and the case, with no texts
/// and no evidence; and the summary. Each month is written out in full, evidence and all,
/// only when asked for ([`Replay::month`]), so a long replay can be written month by month
/// without holding every month's actions at once.
///
/// Subjects are replayed one at a time (in parallel with the `parallel` feature), each over
/// every month in turn, so that a condition over several months reuses the truths of the
/// months before (`X for 3 consecutive months` in one month needs `X` only for that month).
pub struct Replay<'a> {
    policy: &'a Policy,
    data: &'a Dataset,
    by_month: MonthByMonth<'a>,
    from: Month,
    to: Month,
    months: Vec<KeptMonth>,
    summary: Summary,
}

/// How many subjects are replayed before what they found is filed by month.
const SUBJECTS_AT_ONCE: usize = 4096;

/// One month of a [`Replay`], as positions.
#[derive(Default)]
struct KeptMonth {
    actions: Vec<KeptAction>,
    resolved: Vec<KeptResolved>,
    undecided: Vec<(SubjectIndex, RuleCase)>,
}

impl KeptMonth {
    /// The subject of each of its new actions.
    fn new_action_subjects(&self) -> impl Iterator<Item = SubjectIndex> + '_ {
        let new = self.actions.iter().filter(|a| a.status == Status::New);
        new.map(|a| a.subject)
    }
}

struct KeptAction {
    subject: SubjectIndex,
    key: RuleCase,
    status: Status,
    /// The rules whose held instances it displaced, in file order.
    replaced: Box<[usize]>,
}

struct KeptResolved {
    subject: SubjectIndex,
    key: RuleCase,
    reason: Reason,
    replaced_by: Option<usize>,
}

/// What one subject's replay found: for each month (counted from the first of the range),
/// its actions, resolved actions and undecided rules, in that order; and the lengths of the
/// runs of consecutive months its actions stayed required, by rule.
#[derive(Default)]
struct SubjectReplay {
    kept: Vec<(usize, Kept)>,
    episodes: Vec<(usize, usize)>,
}

enum Kept {
    Action(KeptAction),
    Resolved(KeptResolved),
    Undecided(RuleCase),
}

impl<'a> Replay<'a> {
    /// Replays `policy` on `data` for every month from `from` to `to` (the month before
    /// `from` is evaluated too, to tell new actions from continuing ones).
    pub fn new(policy: &'a Policy, data: &'a Dataset, from: Month, to: Month) -> Replay<'a> {
        let program = policy.program();
        let by_month = MonthByMonth::new(program, data, from.offset(-1), to.max(from.offset(-1)));
        let subjects = crate::eval::subjects_in_order(data, &[]);
        // Each thread's memo, and room for as many findings as its last subject had: subjects
        // are much alike, so the list seldom grows a step at a time.
        let replay_one = |(memo, room): &mut (crate::eval::Memo<'_>, usize), subject| {
            let replayed = replay_subject(&by_month, data, subject, memo, from, *room);
            *room = replayed.kept.len();
            replayed
        };
        let month_count = month_range(from, to).count();
        let mut months: Vec<KeptMonth> = (0..month_count).map(|_| KeptMonth::default()).collect();
        let mut tally = Tally::new(program.rules.len(), month_count);
        let replay_block = |block: &[SubjectIndex]| -> Vec<SubjectReplay> {
            #[cfg(feature = "parallel")]
            return block
                .par_iter()
                .map_init(|| (by_month.memo(), 0), |state, &s| replay_one(state, s))
                .collect();
            #[cfg(not(feature = "parallel"))]
            {
                let mut state = (by_month.memo(), 0);
                block.iter().map(|&s| replay_one(&mut state, s)).collect()
            }
        };
        let mut file_block = |block: &[SubjectIndex], replayed: Vec<SubjectReplay>| {
            for (&subject, replayed) in block.iter().zip(replayed) {
                tally.subject(&replayed);
                for (month, kept) in replayed.kept {
                    let into = &mut months[month];
                    match kept {
                        Kept::Action(action) => into.actions.push(action),
                        Kept::Resolved(resolved) => into.resolved.push(resolved),
                        Kept::Undecided(key) => into.undecided.push((subject, key)),
                    }
                }
            }
        };
        // A block of subjects at a time, so that what each found is filed by month before
        // long; each block is filed while the next one is replayed.
        let mut filing: (&[SubjectIndex], Vec<SubjectReplay>) = (&[], Vec::new());
        for block in subjects.chunks(SUBJECTS_AT_ONCE) {
            let (filed, replaying) = filing;
            #[cfg(feature = "parallel")]
            let ((), replayed) =
                rayon::join(|| file_block(filed, replaying), || replay_block(block));
            #[cfg(not(feature = "parallel"))]
            let replayed = {
                file_block(filed, replaying);
                replay_block(block)
            };
            filing = (block, replayed);
        }
        file_block(filing.0, filing.1);
        for month in &mut months {
            month.actions.shrink_to_fit();
            month.resolved.shrink_to_fit();
            month.undecided.shrink_to_fit();
        }
        Replay {
            policy,
            data,
            summary: tally.summary(program),
            by_month,
            from,
            to,
            months,
        }
    }

    /// The summary: counts per rule over the range.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The policy replayed.
    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// The first month replayed.
    pub fn from(&self) -> Month {
        self.from
    }

    /// The last month replayed.
    pub fn to(&self) -> Month {
        self.to
    }

    /// How many months were replayed.
    pub fn month_count(&self) -> usize {
        self.months.len()
    }

    /// What `--compare` and `--actual` find, worked out from the months' outlines one month
    /// at a time: the comparison with `other`, a replay of the same range (as [`compare`]
    /// finds it), and the agreement with what was done, `actual` (as [`agreement`] finds it).
    /// `progress` is told after each month.
    ///
    /// # Panics
    ///
    /// When `other` replays another range of months.
    pub fn findings(
        &self,
        other: Option<&Replay<'_>>,
        actual: Option<&[ActualAction]>,
        progress: &dyn Fn(usize),
    ) -> (Option<Comparison>, Option<Agreement>) {
        let range = (self.from, self.to);
        if let Some(other) = other {
            assert_eq!(
                (other.from, other.to),
                range,
                "a comparison is of the same months"
            );
        }
        let mut comparer = other.map(|other| (other, comparison::Comparer::default()));
        let mut agreer = actual.map(|actual| agreement::Agreer::new(actual, &self.summary, range));
        if comparer.is_some() || agreer.is_some() {
            for index in 0..self.month_count() {
                let month = self.month_outline(index);
                if let Some((other, comparer)) = &mut comparer {
                    comparer.month(&month, &other.month_outline(index));
                }
                if let Some(agreer) = &mut agreer {
                    agreer.month(&month);
                }
                progress(index + 1);
            }
        }
        let comparison = comparer.map(|(other, comparer)| {
            let first = (self.policy.program().name.as_str(), &self.summary);
            let second = (other.policy.program().name.as_str(), &other.summary);
            comparer.finish(first, second, range)
        });
        (comparison, agreer.map(agreement::Agreer::finish))
    }

    /// The backtest without its months (an empty list): the rest of its document.
    pub fn shell(&self) -> Backtest {
        Backtest {
            policy: self.policy.program().name.clone(),
            from: self.from,
            to: self.to,
            months: Vec::new(),
            summary: self.summary.clone(),
        }
    }

    /// The data replayed.
    pub fn data(&self) -> &'a Dataset {
        self.data
    }

    /// The subject of each new action of the range, month by month, as ids (as
    /// [`Backtest::new_action_subjects`] gives them).
    pub fn new_action_subjects(&self) -> impl Iterator<Item = &str> + '_ {
        self.months
            .iter()
            .flat_map(KeptMonth::new_action_subjects)
            .map(|subject| self.data.subject_id(subject))
    }

    /// The subjects a report for people lists, as ids and names (as
    /// [`Backtest::listed_subjects`] gives them): its column of subjects must fit them all
    /// before the first month is written.
    pub fn listed_subjects(&self) -> impl Iterator<Item = (&str, Option<&str>)> + '_ {
        let listed = self.months.iter().flat_map(|month| {
            let resolved = month.resolved.iter().map(|r| r.subject);
            month.new_action_subjects().chain(resolved)
        });
        listed.map(|subject| {
            (
                self.data.subject_id(subject),
                self.data.subject_name(subject),
            )
        })
    }

    /// Month `index` of the range (0 is `from`) in full: exactly what `eval` gives for it,
    /// each action with its status, and what was resolved since the month before, and why.
    pub fn month(&self, index: usize) -> BacktestMonth {
        let kept = &self.months[index];
        let month = self.from.offset(index as i32);
        let by_month = &self.by_month;
        BacktestMonth {
            as_of: month,
            decided_on: month.last_day(),
            actions: map_in_order(&kept.actions, |a| self.action(month, a)),
            resolved: kept.resolved.iter().map(|r| self.resolved(r)).collect(),
            undecided: map_in_order(&kept.undecided, |&(subject, key)| {
                by_month.undecided(subject, month, key)
            }),
        }
    }

    /// Month `index` without its evidence and missing values (every list of them empty), for
    /// outputs that show neither, such as the CSV: it is worked out without evaluating any
    /// condition again.
    pub fn month_outline(&self, index: usize) -> BacktestMonth {
        let kept = &self.months[index];
        let month = self.from.offset(index as i32);
        BacktestMonth {
            as_of: month,
            decided_on: month.last_day(),
            actions: kept
                .actions
                .iter()
                .map(|a| BacktestAction {
                    action: self
                        .by_month
                        .action_outline(a.subject, month, a.key, &a.replaced),
                    status: a.status,
                })
                .collect(),
            resolved: kept.resolved.iter().map(|r| self.resolved(r)).collect(),
            undecided: kept
                .undecided
                .iter()
                .map(|&(subject, key)| self.by_month.undecided_outline(subject, month, key))
                .collect(),
        }
    }

    fn action(&self, month: Month, kept: &KeptAction) -> BacktestAction {
        BacktestAction {
            action: self
                .by_month
                .action(kept.subject, month, kept.key, &kept.replaced),
            status: kept.status,
        }
    }

    fn resolved(&self, kept: &KeptResolved) -> Resolved {
        let rules = &self.policy.program().rules;
        Resolved {
            subject: self.data.subject_id(kept.subject).to_string(),
            subject_name: self.data.subject_name(kept.subject).map(str::to_string),
            rule: rules[kept.key.rule].id.clone(),
            case: self.case_id(kept.key.case),
            reason: kept.reason,
            replaced_by: kept.replaced_by.map(|by| rules[by].id.clone()),
        }
    }

    fn case_id(&self, case: Option<crate::data::CaseIndex>) -> Option<String> {
        case.map(|c| self.data.case(c).id.to_string())
    }

    /// Every month in full, oldest first, telling `progress` after each.
    pub fn into_backtest(self, progress: &dyn Fn(usize)) -> Backtest {
        self.into_backtest_of(Replay::month, progress)
    }

    /// Every month's outline ([`Replay::month_outline`]: no evidence, no missing values),
    /// oldest first, telling `progress` after each: for uses that need neither (comparing
    /// whole backtests), in a fraction of the memory.
    pub fn into_outline_backtest(self, progress: &dyn Fn(usize)) -> Backtest {
        self.into_backtest_of(Replay::month_outline, progress)
    }

    fn into_backtest_of(
        self,
        month: impl Fn(&Replay<'a>, usize) -> BacktestMonth,
        progress: &dyn Fn(usize),
    ) -> Backtest {
        let months = (0..self.months.len())
            .map(|index| {
                let month = month(&self, index);
                progress(index + 1);
                month
            })
            .collect();
        Backtest {
            policy: self.policy.program().name.clone(),
            from: self.from,
            to: self.to,
            months,
            summary: self.summary,
        }
    }
}

/// `f` of each item, in order (on all cores with the `parallel` feature).
fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    return items.par_iter().map(f).collect();
    #[cfg(not(feature = "parallel"))]
    return items.iter().map(f).collect();
}

/// Replays one subject: each month's actions (new or continuing), the actions of the month
/// before that it no longer requires (and why), and its undecided rules; `room`: how many
/// findings to make room for at first.
fn replay_subject(
    by_month: &MonthByMonth<'_>,
    data: &Dataset,
    subject: SubjectIndex,
    memo: &mut crate::eval::Memo<'_>,
    from: Month,
    room: usize,
) -> SubjectReplay {
    let mut replayed = SubjectReplay {
        kept: Vec::with_capacity(room),
        episodes: Vec::new(),
    };
    // The month before's actions (in key order, as months give them), with the number of
    // months of the range each has been required so far.
    let mut open: Vec<(RuleCase, usize)> = Vec::new();
    // This month's actions, becoming `open` for the next month (the two lists swap places).
    let mut now: Vec<(RuleCase, usize)> = Vec::new();
    by_month.subject(subject, memo, |month| {
        now.clear();
        let Ok(index) = usize::try_from(month.month.months_since(from)) else {
            now.extend(month.required().map(|(key, _)| (key, 0)));
            std::mem::swap(&mut open, &mut now);
            return;
        };
        for (key, position) in month.required() {
            let before = open
                .binary_search_by_key(&key, |&(k, _)| k)
                .ok()
                .map(|i| open[i].1);
            let status = match before {
                Some(_) => Status::Continuing,
                None => Status::New,
            };
            replayed.kept.push((
                index,
                Kept::Action(KeptAction {
                    subject,
                    key,
                    status,
                    replaced: month.replaced_rules(position).into(),
                }),
            ));
            now.push((key, before.unwrap_or(0) + 1));
        }
        for &(key, months_open) in &open {
            if now.binary_search_by_key(&key, |&(k, _)| k).is_ok() {
                continue;
            }
            if months_open > 0 {
                replayed.episodes.push((key.rule, months_open));
            }
            let (reason, replaced_by) = why_resolved(data, month, key);
            replayed.kept.push((
                index,
                Kept::Resolved(KeptResolved {
                    subject,
                    key,
                    reason,
                    replaced_by,
                }),
            ));
        }
        for key in month.undecided() {
            replayed.kept.push((index, Kept::Undecided(key)));
        }
        std::mem::swap(&mut open, &mut now);
    });
    replayed.episodes.extend(
        open.iter()
            .filter(|&&(_, months_open)| months_open > 0)
            .map(|&(key, months_open)| (key.rule, months_open)),
    );
    replayed
}

/// Why an action required the month before is not required in `month`: replaced (and by the
/// rule whose action is seen instead), its case closed, now undecided, or its condition no
/// longer holds; as `explain` tells it for that month.
fn why_resolved(
    data: &Dataset,
    month: &SubjectInMonth<'_>,
    key: RuleCase,
) -> (Reason, Option<usize>) {
    let decided_on = month.month.last_day();
    let closed = key
        .case
        .is_some_and(|case| data.case(case).closed_on.is_some_and(|d| d <= decided_on));
    match month.outcome_of(key) {
        Some((Outcome::Replaced, by)) => (Reason::Replaced, by),
        _ if closed => (Reason::CaseClosed, None),
        Some((Outcome::Undecided, _)) => (Reason::NowUndecided, None),
        _ => (Reason::NoLongerHolds, None),
    }
}

/// The counts of the summary, gathered subject by subject.
struct Tally {
    new_per_month: Vec<Vec<usize>>,
    subjects_per_rule: Vec<usize>,
    subjects: usize,
    episodes: Vec<Vec<usize>>,
}

impl Tally {
    fn new(rules: usize, months: usize) -> Tally {
        Tally {
            new_per_month: vec![vec![0; months]; rules],
            subjects_per_rule: vec![0; rules],
            subjects: 0,
            episodes: vec![Vec::new(); rules],
        }
    }

    fn subject(&mut self, replayed: &SubjectReplay) {
        let mut rules: Vec<usize> = Vec::new();
        for (month, kept) in &replayed.kept {
            let Kept::Action(action) = kept else { continue };
            if action.status == Status::New {
                self.new_per_month[action.key.rule][*month] += 1;
            }
            rules.push(action.key.rule);
        }
        rules.sort_unstable();
        rules.dedup();
        for &rule in &rules {
            self.subjects_per_rule[rule] += 1;
        }
        self.subjects += usize::from(!rules.is_empty());
        for &(rule, length) in &replayed.episodes {
            self.episodes[rule].push(length);
        }
    }

    fn summary(self, program: &crate::program::Program) -> Summary {
        let rules: Vec<RuleSummary> = program
            .rules
            .iter()
            .zip(self.new_per_month)
            .zip(self.subjects_per_rule)
            .zip(self.episodes)
            .map(
                |(((rule, new_per_month), subjects_affected), lengths)| RuleSummary {
                    rule: rule.id.clone(),
                    title: rule.title.clone(),
                    new_actions: new_per_month.iter().sum(),
                    new_per_month,
                    subjects_affected,
                    median_months_open: median(lengths),
                },
            )
            .collect();
        Summary {
            new_actions: rules.iter().map(|r| r.new_actions).sum(),
            subjects_affected: self.subjects,
            rules,
        }
    }
}

fn median(mut values: Vec<usize>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(match values.len() % 2 {
        1 => values[mid] as f64,
        _ => (values[mid - 1] + values[mid]) as f64 / 2.0,
    })
}

#[cfg(test)]
mod tests;

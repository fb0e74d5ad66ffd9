//! Truths kept from month to month while one subject is evaluated for consecutive months (a
//! backtest): `X for 3 consecutive months` in month m needs `X` in m−2 and m−1, which the
//! evaluations of those months already worked out, and a grade read by several rules is
//! worked out once a month.
//!
//! Only untraced evaluation reads and fills the memo, and only for the subject itself (not
//! inside a case, a concern or an event). A month's value does not depend on the month being
//! decided, as long as each month is decided on its last day: the evaluation date of an
//! earlier month is its last day whatever the as-of month.

use std::cell::Cell;
use std::collections::HashMap;

use crate::month::Month;
use crate::program::{Expr, ExprKind, Program};

/// The parts of a program's conditions whose month-by-month truths are kept: what `for N
/// months` and `in K of the last N months` apply to, and the rules' conditions written the
/// same as another kept part (the `when` of `first_month` is the part of `second_month`'s
/// `for 2 consecutive months`; the rules of a chain of look-alike rules share one `when`),
/// and the rules' conditions that read only subject fields (`applies to staff_group = gp`),
/// kept once for all months. Parts written alike share their truths.
pub(crate) struct MemoKeys {
    /// By address, sorted: each part's place among the kept truths, and whether it is the
    /// same in every month.
    parts: Vec<(usize, usize, bool)>,
    /// How many distinct truths a month keeps.
    slots: usize,
    /// The most months any `for` or `in K of N` looks back.
    lookback: u32,
}

impl MemoKeys {
    /// The keys of `program`: every `for` and `in K of N` part of the rules' conditions and of
    /// the per-subject grades' arms, and each rule's `when` and `applies to` written like
    /// another of them.
    pub fn new(program: &Program) -> MemoKeys {
        let mut windowed: Vec<&Expr> = Vec::new();
        let mut lookback = 0;
        let mut conditions: Vec<&Expr> = Vec::new();
        for rule in &program.rules {
            conditions.push(&rule.when);
            conditions.extend(rule.applies_to.as_ref());
        }
        for grade in program.grades.iter().filter(|g| !g.per_concern) {
            conditions.extend(grade.arms.iter().filter_map(|a| a.condition.as_ref()));
        }
        for condition in &conditions {
            collect_windowed(condition, &mut windowed, &mut lookback);
        }
        // Parts written alike, spacing aside, are compared part by part.
        let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
        let mut representatives: Vec<&Expr> = Vec::new();
        let mut members: Vec<usize> = Vec::new();
        let mut placed: Vec<(usize, usize, bool)> = Vec::new();
        let candidates = windowed
            .iter()
            .map(|&e| (e, true))
            .chain(conditions.iter().map(|&e| (e, false)));
        for (part, windowed) in candidates {
            let alike = by_text.entry(program.text(part.span)).or_default();
            let slot = match alike.iter().find(|&&s| same(representatives[s], part)) {
                Some(&slot) => slot,
                None => {
                    representatives.push(part);
                    members.push(0);
                    alike.push(representatives.len() - 1);
                    representatives.len() - 1
                }
            };
            members[slot] += 1;
            placed.push((address(part), slot, windowed));
        }
        // A rule's condition written once is evaluated once a month anyway: not kept, unless
        // it reads only subject fields (then once for all months).
        let constant: Vec<bool> = representatives.iter().map(|r| only_fields(r)).collect();
        placed.retain(|&(_, slot, windowed)| windowed || members[slot] > 1 || constant[slot]);
        let mut renumbered: HashMap<usize, usize> = HashMap::new();
        let mut parts: Vec<(usize, usize, bool)> = placed
            .into_iter()
            .map(|(part, slot, _)| {
                let next = renumbered.len();
                (
                    part,
                    *renumbered.entry(slot).or_insert(next),
                    constant[slot],
                )
            })
            .collect();
        parts.sort_unstable();
        parts.dedup_by_key(|&mut (part, _, _)| part);
        MemoKeys {
            parts,
            slots: renumbered.len(),
            lookback,
        }
    }

    /// Where `part` is kept, and whether it is the same in every month.
    fn slot(&self, part: &Expr) -> Option<(usize, bool)> {
        let index = self
            .parts
            .binary_search_by_key(&address(part), |&(p, _, _)| p)
            .ok()?;
        let (_, slot, constant) = self.parts[index];
        Some((slot, constant))
    }
}

/// For a program whose conditions read nothing but subject fields and concerns (no metric,
/// no event, no `for` over months, no rule for each case): the windows of its concern counts
/// (`None` for all the concerns). A subject's truths then change only in the months where one
/// of its concerns comes into a window or leaves one; in any other month they are the month
/// before's.
pub(crate) struct ConcernWindows {
    windows: Vec<Option<u32>>,
}

impl ConcernWindows {
    /// The windows of `program`, or `None` when its truths can change in any month.
    pub fn of(program: &Program) -> Option<ConcernWindows> {
        if program.rules.iter().any(|r| r.for_each.is_some()) {
            return None;
        }
        let mut windows = Vec::new();
        let conditions = program
            .rules
            .iter()
            .flat_map(|r| std::iter::once(&r.when).chain(r.applies_to.as_ref()))
            .chain(
                program
                    .grades
                    .iter()
                    .flat_map(|g| g.arms.iter().filter_map(|a| a.condition.as_ref())),
            );
        for condition in conditions {
            if !only_fields_and_concerns(condition, &mut windows) {
                return None;
            }
        }
        windows.sort_unstable();
        windows.dedup();
        Some(ConcernWindows { windows })
    }

    /// The months in which a subject with these concerns may have truths other than the month
    /// before's, sorted.
    pub fn changes(&self, concerns: &[crate::data::Concern]) -> Vec<Month> {
        let mut months: Vec<Month> = Vec::new();
        for concern in concerns {
            let raised = Month::of_date(concern.raised_on);
            months.push(raised);
            months.extend(
                self.windows
                    .iter()
                    .flatten()
                    .map(|&n| raised.offset(n as i32)),
            );
        }
        months.sort_unstable();
        months.dedup();
        months
    }
}

/// Whether `e` reads nothing but subject fields, concerns (their windows added to
/// `windows`) and grades (whose own arms are checked apart).
fn only_fields_and_concerns(e: &Expr, windows: &mut Vec<Option<u32>>) -> bool {
    use ExprKind as K;
    let mut only = true;
    each_part(e, &mut |part| match &part.kind {
        K::Number(_)
        | K::Flag(_)
        | K::Text(_)
        | K::Date(_)
        | K::EnumValue(_)
        | K::Level(_)
        | K::SubjectField(_)
        | K::Grade(_)
        | K::Concern(_)
        | K::Neg(_)
        | K::Not(_)
        | K::And(..)
        | K::Or(..)
        | K::Arith(..)
        | K::Compare(..)
        | K::InList(..) => {}
        K::Concerns { months, .. } => windows.push(*months),
        _ => only = false,
    });
    only
}

/// Whether `e` reads nothing but subject fields: the same in every month.
fn only_fields(e: &Expr) -> bool {
    use ExprKind as K;
    let mut only = true;
    each_part(e, &mut |part| {
        only &= matches!(
            part.kind,
            K::Number(_)
                | K::Flag(_)
                | K::Text(_)
                | K::Date(_)
                | K::EnumValue(_)
                | K::Level(_)
                | K::SubjectField(_)
                | K::Neg(_)
                | K::Not(_)
                | K::And(..)
                | K::Or(..)
                | K::Arith(..)
                | K::Compare(..)
                | K::InList(..)
        )
    });
    only
}

/// Every part of `e` that a `for` or `in K of N` applies to, and the most months they look
/// back.
fn collect_windowed<'p>(e: &'p Expr, found: &mut Vec<&'p Expr>, lookback: &mut u32) {
    each_part(e, &mut |part| {
        if let ExprKind::For(inner, n) | ExprKind::InKOfN(inner, _, n) = &part.kind {
            found.push(inner);
            *lookback = (*lookback).max(*n);
        }
    });
}

/// Calls `f` on `e` and on each of its parts, inside out: through literals, metrics, fields,
/// grades, arithmetic, comparisons, `and`, `or`, `not`, lists, windows, trends, `for`, `in K
/// of N` and concern counts with their filters; the parts of anything else (events,
/// deadlines, elapsed times) are not visited.
pub(crate) fn each_part<'p>(e: &'p Expr, f: &mut impl FnMut(&'p Expr)) {
    use ExprKind as K;
    f(e);
    match &e.kind {
        K::Neg(a) | K::Not(a) | K::For(a, _) | K::InKOfN(a, _, _) => each_part(a, f),
        K::And(a, b) | K::Or(a, b) | K::Arith(_, a, b) | K::Compare(_, a, b) => {
            each_part(a, f);
            each_part(b, f);
        }
        K::InList(a, items) => {
            each_part(a, f);
            items.iter().for_each(|item| each_part(item, f));
        }
        K::Concerns {
            filter: Some(filter),
            ..
        } => each_part(filter, f),
        _ => {}
    }
}

/// Whether two parts of conditions compute the same thing for a subject in a month, being
/// written alike (where aside). Only parts made of literals, metrics, subject fields, grades,
/// arithmetic, comparisons, `and`, `or`, `not`, lists, windows, trends, `for` and `in K of N`
/// are compared; a part with anything else is never the same as another.
fn same(a: &Expr, b: &Expr) -> bool {
    use ExprKind as K;
    match (&a.kind, &b.kind) {
        (K::Number(x), K::Number(y)) => x == y,
        (K::Flag(x), K::Flag(y)) => x == y,
        (K::Text(x), K::Text(y)) => x == y,
        (K::Date(x), K::Date(y)) => x == y,
        (K::EnumValue(x), K::EnumValue(y)) => x == y,
        (K::Level(x), K::Level(y)) => x == y,
        (K::Metric(x), K::Metric(y))
        | (K::SubjectField(x), K::SubjectField(y))
        | (K::Grade(x), K::Grade(y)) => x == y,
        (K::Neg(x), K::Neg(y)) | (K::Not(x), K::Not(y)) => same(x, y),
        (K::And(a1, b1), K::And(a2, b2)) | (K::Or(a1, b1), K::Or(a2, b2)) => {
            same(a1, a2) && same(b1, b2)
        }
        (K::Arith(o1, a1, b1), K::Arith(o2, a2, b2)) => o1 == o2 && same(a1, a2) && same(b1, b2),
        (K::Compare(o1, a1, b1), K::Compare(o2, a2, b2)) => {
            o1 == o2 && same(a1, a2) && same(b1, b2)
        }
        (K::InList(x, xs), K::InList(y, ys)) => {
            same(x, y) && xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (K::For(x, n), K::For(y, m)) => n == m && same(x, y),
        (K::InKOfN(x, k, n), K::InKOfN(y, l, m)) => k == l && n == m && same(x, y),
        (K::Window(f, x, n), K::Window(g, y, m)) => f == g && x == y && n == m,
        (
            K::Trend {
                metric,
                improved,
                months,
                direction,
            },
            K::Trend {
                metric: metric2,
                improved: improved2,
                months: months2,
                direction: direction2,
            },
        ) => {
            metric == metric2
                && improved == improved2
                && months == months2
                && direction == direction2
        }
        _ => false,
    }
}

fn address(e: &Expr) -> usize {
    e as *const Expr as usize
}

/// One subject's kept truths and grade levels, for the months from `first` on.
pub(crate) struct Memo<'k> {
    keys: &'k MemoKeys,
    first: Month,
    months: usize,
    /// By part, then month: 0 not worked out yet, else [`Truth`](super::Truth) code + 1.
    truths: Vec<Cell<u8>>,
    /// By grade, then month: 0 not worked out yet, 1 unknown, else the level + 2.
    levels: Vec<Cell<u32>>,
}

impl<'k> Memo<'k> {
    /// An empty memo for evaluating the months from `from` to `to` of one subject at a time
    /// (the months a `for` looks back before `from` are kept too).
    pub fn new(keys: &'k MemoKeys, program: &Program, from: Month, to: Month) -> Memo<'k> {
        let first = from.offset(-(keys.lookback as i32));
        let months = (to.months_since(first) + 1).max(0) as usize;
        Memo {
            keys,
            first,
            months,
            truths: vec![Cell::new(0); keys.slots * months],
            levels: vec![Cell::new(0); program.grades.len() * months],
        }
    }

    /// Forgets everything, for the next subject.
    pub fn clear(&mut self) {
        self.truths.iter_mut().for_each(|c| *c.get_mut() = 0);
        self.levels.iter_mut().for_each(|c| *c.get_mut() = 0);
    }

    fn month_index(&self, month: Month) -> Option<usize> {
        let index = month.months_since(self.first);
        (0..self.months as i32)
            .contains(&index)
            .then_some(index as usize)
    }

    /// Where the truth of `part` in `month` is kept, when it is.
    pub(super) fn truth_cell(&self, part: &Expr, month: Month) -> Option<&Cell<u8>> {
        let (slot, constant) = self.keys.slot(part)?;
        let month = match constant {
            true => self.month_index(self.first)?,
            false => self.month_index(month)?,
        };
        Some(&self.truths[slot * self.months + month])
    }

    /// Where the level of grade `grade` in `month` is kept, when it is.
    pub(super) fn level_cell(&self, grade: usize, month: Month) -> Option<&Cell<u32>> {
        Some(&self.levels[grade * self.months + self.month_index(month)?])
    }
}

//! Evaluating version 1's expressions for one subject (and case): event sets and their
//! windows, references, fields, elapsed time and deadlines (spec §12–13).
//!
//! A subject's events of each kind are sorted by date then id, so a window is found by binary
//! search and a deadline costs a search and a short scan, never a pass over the whole log.

use std::cell::RefCell;

use chrono::{Datelike, Days, NaiveDate};

use super::interp::{Ctx, Interp};
use super::trace::{DeadlineSeen, DeadlineState, EventSeen, Read, Tracer};
use super::value::{Truth, Val};
use crate::ast::{AggregateFn, DueUnit, Span};
use crate::calendar::Deadline;
use crate::data::{CaseIndex, Event};
use crate::month::Month;
use crate::number::Num;
use crate::program::{
    DateRefDef, EventField, EventRefDef, EventSetDef, FieldRead, RefPick, SpanAmountDef, SpanDef,
    StatusTest, WindowDef,
};

/// Where an event set's members are: on or after `from` (if set; never the `anchor` event
/// itself, and only after its day when the anchor is of a kind the set reads), and on or
/// before `until`.
#[derive(Clone, Copy)]
struct Window<'a> {
    from: Option<NaiveDate>,
    anchor: Option<&'a Event>,
    until: NaiveDate,
}

/// A subject's events of one kind in a condition's scope, dated on or before a day, sorted
/// by date then id: a slice of the dataset, read for one case when `case` is set. Nothing is
/// copied or allocated.
#[derive(Clone, Copy)]
struct Scoped<'a> {
    events: &'a [Event],
    case: Option<CaseIndex>,
}

impl<'a> Scoped<'a> {
    /// The events, in order.
    fn iter(self) -> impl DoubleEndedIterator<Item = &'a Event> {
        let case = self.case;
        self.events
            .iter()
            .filter(move |e| case.is_none() || e.case() == case)
    }

    /// The events dated on or after `start` (a binary search).
    fn from(self, start: NaiveDate) -> Scoped<'a> {
        let first = self.events.partition_point(|e| e.date < start);
        Scoped {
            events: &self.events[first..],
            case: self.case,
        }
    }
}

/// A date from a date reference.
enum DateOf<'a> {
    Known(NaiveDate, Option<&'a Event>),
    /// The reference found no event of these kinds.
    Absent(Vec<usize>),
}

/// Where a deadline stands, or why it cannot be said.
enum Outcome<'a> {
    NotArmed,
    /// A span read from an absent event: the kinds looked for.
    Unknown(Vec<usize>),
    Status {
        start: NaiveDate,
        start_event: Option<&'a Event>,
        due: NaiveDate,
        met_by: Option<&'a Event>,
        state: DeadlineState,
    },
}

/// The deadlines worked out for one subject, each by its position, case and month: several
/// rules usually test the same deadline (due soon, overdue, late), and each would otherwise
/// find its start, due date and awaited event again. Only untraced evaluation uses it (a
/// traced one records what the deadline reads).
#[derive(Default)]
pub(crate) struct DeadlineMemo(RefCell<Vec<(DeadlineKey, Standing)>>);

impl DeadlineMemo {
    /// How many deadlines it keeps: a subject usually has a few, and a bound keeps a subject
    /// with thousands of cases from searching a long list for each (past it, a deadline is
    /// worked out each time it is tested, as without the memo).
    const ROOM: usize = 64;
}

/// A deadline (by position) for a case, in a month.
type DeadlineKey = (usize, Option<CaseIndex>, Month);

/// Where a deadline stands: its state and due date (none when not armed); `None` when it
/// cannot be said.
type Standing = Option<(DeadlineState, Option<NaiveDate>)>;

impl<'a> Interp<'a> {
    /// The subject's events of `kind` that a condition sees: in a case-scoped rule, only the
    /// case's own events for kinds of its case kind; dated on or before `until`.
    fn scoped_events(&self, kind: usize, ctx: Ctx, until: NaiveDate) -> Scoped<'a> {
        let all = self.data.events(self.subject, kind);
        let end = all.partition_point(|e| e.date <= until);
        let case = ctx.case.filter(|&c| {
            let case_kind = self.data.case(c).kind as usize;
            self.program.schema.event_kinds[kind].case == Some(case_kind)
        });
        Scoped {
            events: &all[..end],
            case,
        }
    }

    /// An event set's window; `Err` with the kinds looked for when its anchor is absent.
    fn set_window<T: Tracer>(
        &self,
        set: &EventSetDef,
        ctx: Ctx,
        t: &mut T,
    ) -> Result<Window<'a>, Vec<usize>> {
        let today = self.evaluation_date(ctx.month);
        let (from, anchor, until) = match set.window.as_deref() {
            None => (None, None, today),
            Some(WindowDef::LastMonths(n)) => {
                let first = ctx.month.offset(1 - *n as i32).first_day();
                (Some(first), None, ctx.month.last_day().min(today))
            }
            Some(WindowDef::LastWeeks(n)) => (days_before(today, 7 * u64::from(*n)), None, today),
            Some(WindowDef::LastDays(n)) => (days_before(today, u64::from(*n)), None, today),
            Some(WindowDef::Since(start)) => match self.date_of(start, ctx, t) {
                DateOf::Known(date, event) => (Some(date), event, today),
                DateOf::Absent(kinds) => return Err(kinds),
            },
            Some(WindowDef::WithinAfter(span, start)) => match self.date_of(start, ctx, t) {
                DateOf::Known(date, event) => match self.add_span(date, span, ctx, t)? {
                    Some(end) => (Some(date), event, end.min(today)),
                    None => (Some(date), event, today),
                },
                DateOf::Absent(kinds) => return Err(kinds),
            },
        };
        Ok(Window {
            from,
            anchor,
            until,
        })
    }

    /// A set's members of one of its kinds (in scope and in its window, before the filter),
    /// by date then id: a scan of the dataset's slice, nothing collected.
    fn kind_members<'s>(
        &self,
        set: &'s EventSetDef,
        kind: usize,
        window: Window<'a>,
        ctx: Ctx,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + 's
    where
        'a: 's,
    {
        let events = self.scoped_events(kind, ctx, window.until);
        let events = match window.from {
            Some(from) => events.from(from),
            None => events,
        };
        events.iter().filter(move |e| {
            window
                .from
                .is_none_or(|from| after_start(e, from, window.anchor, &set.kinds))
        })
    }

    /// A set's members of all its kinds, before the filter, sorted by date then id.
    fn members(&self, set: &EventSetDef, window: Window<'a>, ctx: Ctx) -> Vec<&'a Event> {
        let mut members: Vec<&'a Event> = set
            .kinds
            .iter()
            .flat_map(|&kind| self.kind_members(set, kind, window, ctx))
            .collect();
        if set.kinds.len() > 1 {
            members.sort_by(|a, b| self.order(a).cmp(&self.order(b)));
        }
        members
    }

    /// What events are sorted by: date, then id.
    fn order(&self, event: &'a Event) -> (NaiveDate, &'a str) {
        (event.date, self.data.event_id(event))
    }

    /// Each member's truth under the set's filter (true when it has none).
    fn filtered<T: Tracer>(
        &self,
        set: &EventSetDef,
        members: &[&'a Event],
        ctx: Ctx,
        t: &mut T,
    ) -> Vec<Truth> {
        members
            .iter()
            .map(|event| self.filter_truth(set, event, ctx, t))
            .collect()
    }

    /// An event's truth under a set's filter (true when it has none).
    fn filter_truth<T: Tracer>(
        &self,
        set: &EventSetDef,
        event: &'a Event,
        ctx: Ctx,
        t: &mut T,
    ) -> Truth {
        match &set.filter {
            Some(filter) => self
                .eval(filter, self.event_ctx(event, filter, ctx), t)
                .truth(),
            None => Truth::True,
        }
    }

    /// Where a filter is evaluated for one event: the event (and, for a concern, its record).
    fn event_ctx(&self, event: &'a Event, filter: &crate::program::Expr, ctx: Ctx<'a>) -> Ctx<'a> {
        Ctx {
            event: Some(event),
            concern: event.concern().and_then(|i| self.data.concern(i)),
            context: filter.span,
            negated: None,
            ..ctx
        }
    }

    /// `count`, `any` or `all` over an event set.
    pub(super) fn event_aggregate<T: Tracer>(
        &self,
        func: AggregateFn,
        set: &EventSetDef,
        ctx: Ctx,
        _span: Span,
        t: &mut T,
    ) -> Val {
        let window = match self.set_window(set, ctx, t) {
            Ok(window) => window,
            Err(kinds) => {
                self.none_recorded(kinds, ctx, t);
                return Val::Unknown;
            }
        };
        let mut counts = [0u32; 3];
        let mut count = |truth: Truth| {
            counts[match truth {
                Truth::True => 0,
                Truth::False => 1,
                Truth::Unknown => 2,
            }] += 1;
        };
        if T::ACTIVE {
            // The filter is evaluated on every member, then the members are recorded, in date
            // order across the kinds.
            let members = self.members(set, window, ctx);
            let truths = self.filtered(set, &members, ctx, t);
            for (event, &truth) in members.iter().zip(&truths) {
                count(truth);
                if func == AggregateFn::All || truth == Truth::True {
                    t.read(Read::Event(self.seen(event)));
                }
            }
        } else {
            // Nothing is recorded, so the order does not matter: each kind's slice is read as
            // it is.
            for &kind in &set.kinds {
                for event in self.kind_members(set, kind, window, ctx) {
                    count(self.filter_truth(set, event, ctx, t));
                }
            }
        }
        let [trues, falses, unknowns] = counts;
        super::interp::aggregate(func, trues, falses, unknowns)
    }

    /// The event a reference picks, or the kinds it looked for when it finds none.
    fn pick<T: Tracer>(
        &self,
        reference: &EventRefDef,
        ctx: Ctx,
        t: &mut T,
    ) -> Result<&'a Event, Vec<usize>> {
        let set = &reference.set;
        let Ok(window) = self.set_window(set, ctx, t) else {
            return Err(set.kinds.clone());
        };
        let picked = if T::ACTIVE {
            // The filter is evaluated on every member, whatever it records.
            let members = self.members(set, window, ctx);
            let truths = self.filtered(set, &members, ctx, t);
            let mut matching = members
                .into_iter()
                .zip(truths)
                .filter(|(_, truth)| *truth == Truth::True)
                .map(|(event, _)| event);
            match reference.pick {
                RefPick::First | RefPick::Only => matching.next(),
                RefPick::Latest => matching.next_back(),
            }
        } else {
            self.pick_untraced(reference, window, ctx, t)
        };
        picked.ok_or_else(|| set.kinds.clone())
    }

    /// [`Interp::pick`] when nothing is recorded: each kind's slice is read from the end the
    /// reference picks from, only until a member passes the filter, and the kinds' picks are
    /// compared. Picks the same event as reading every member in date order.
    fn pick_untraced<T: Tracer>(
        &self,
        reference: &EventRefDef,
        window: Window<'a>,
        ctx: Ctx,
        t: &mut T,
    ) -> Option<&'a Event> {
        let set = &reference.set;
        let latest = reference.pick == RefPick::Latest;
        let mut picked: Option<&'a Event> = None;
        for &kind in &set.kinds {
            let mut members = self.kind_members(set, kind, window, ctx);
            let mut passes =
                |event: &&'a Event| self.filter_truth(set, event, ctx, t) == Truth::True;
            let found = if latest {
                members.rev().find(&mut passes)
            } else {
                members.find(&mut passes)
            };
            // On a tie (the same date and id), the later kind comes later in date order.
            picked = match (picked, found) {
                (Some(best), Some(found)) if latest => {
                    Some(if self.order(found) >= self.order(best) {
                        found
                    } else {
                        best
                    })
                }
                (Some(best), Some(found)) => Some(if self.order(found) < self.order(best) {
                    found
                } else {
                    best
                }),
                (best, found) => best.or(found),
            };
        }
        picked
    }

    /// A reference used as a value: the event's date, or unknown (recorded) when absent.
    pub(super) fn event_date<T: Tracer>(
        &self,
        reference: &EventRefDef,
        ctx: Ctx,
        t: &mut T,
    ) -> Val {
        match self.pick(reference, ctx, t) {
            Ok(event) => {
                self.saw(event, t);
                Val::Date(event.date)
            }
            Err(kinds) => {
                self.none_recorded(kinds, ctx, t);
                Val::Unknown
            }
        }
    }

    /// `FIELD of REF`.
    pub(super) fn event_field<T: Tracer>(&self, read: &FieldRead, ctx: Ctx, t: &mut T) -> Val {
        match self.pick(&read.of, ctx, t) {
            Ok(event) => {
                self.saw(event, t);
                self.field_of_event(event, read.field, ctx, t)
            }
            Err(kinds) => {
                self.none_recorded(kinds, ctx, t);
                Val::Unknown
            }
        }
    }

    /// A field of one event.
    pub(super) fn field_of_event<T: Tracer>(
        &self,
        event: &'a Event,
        field: EventField,
        ctx: Ctx,
        t: &mut T,
    ) -> Val {
        match field {
            EventField::Declared(global) => {
                let kind = &self.program.schema.event_kinds[event.kind as usize];
                let local = kind.fields.iter().position(|&g| g == global);
                local
                    .and_then(|i| self.data.event_fields(event).get(i))
                    .map_or(Val::Unknown, Val::from)
            }
            EventField::Concern(attr) => {
                let concern = event.concern().and_then(|i| self.data.concern(i));
                let ctx = Ctx {
                    concern,
                    event: Some(event),
                    ..ctx
                };
                self.eval_concern_attr(attr, ctx, t)
            }
        }
    }

    /// A date reference's date, with the event it came from.
    fn date_of<T: Tracer>(&self, date: &DateRefDef, ctx: Ctx, t: &mut T) -> DateOf<'a> {
        match date {
            DateRefDef::Literal(d) => DateOf::Known(*d, None),
            DateRefDef::Event(reference) => match self.pick(reference, ctx, t) {
                Ok(event) => DateOf::Known(event.date, Some(event)),
                Err(kinds) => DateOf::Absent(kinds),
            },
            DateRefDef::Field(read) => match self.pick(&read.of, ctx, t) {
                Ok(event) => match self.field_of_event(event, read.field, ctx, t) {
                    Val::Date(d) => DateOf::Known(d, None),
                    _ => DateOf::Absent(read.of.set.kinds.clone()),
                },
                Err(kinds) => DateOf::Absent(kinds),
            },
        }
    }

    /// `date ⊕ span`; `Ok(None)` past the year 9999; `Err` with the kinds looked for when the
    /// span is a field of an absent event.
    fn add_span<T: Tracer>(
        &self,
        date: NaiveDate,
        span: &SpanDef,
        ctx: Ctx,
        t: &mut T,
    ) -> Result<Option<NaiveDate>, Vec<usize>> {
        let n = match &span.amount {
            SpanAmountDef::Fixed(n) => *n,
            SpanAmountDef::Field(read) => {
                let event = self.pick(&read.of, ctx, t)?;
                match self.field_of_event(event, read.field, ctx, t) {
                    Val::Num(n) => match n.to_i64().map(u32::try_from) {
                        Some(Ok(n)) => n,
                        _ => return Err(read.of.set.kinds.clone()),
                    },
                    _ => return Err(read.of.set.kinds.clone()),
                }
            }
        };
        let deadline = match span.unit {
            DueUnit::WorkingDays => Deadline::WorkingDays(n),
            DueUnit::Days => Deadline::Days(n),
            DueUnit::Weeks => Deadline::Weeks(n),
            DueUnit::Months => Deadline::Months(n),
        };
        Ok(self.calendar.due_date(date, deadline))
    }

    /// `UNIT since X` or `UNIT between X and Y`.
    pub(super) fn elapsed<T: Tracer>(
        &self,
        unit: DueUnit,
        from: &DateRefDef,
        to: Option<&DateRefDef>,
        ctx: Ctx,
        t: &mut T,
    ) -> Val {
        let from = self.date_value(from, ctx, t);
        let to = match to {
            Some(to) => self.date_value(to, ctx, t),
            None => Some(self.evaluation_date(ctx.month)),
        };
        let (Some(from), Some(to)) = (from, to) else {
            return Val::Unknown;
        };
        let count = match unit {
            DueUnit::Days => (to - from).num_days(),
            DueUnit::Weeks => (to - from).num_days() / 7,
            DueUnit::Months => whole_months(from, to),
            DueUnit::WorkingDays => self.calendar.working_days_between(from, to),
        };
        Val::Num(Num::from_i64(count))
    }

    /// A date reference's date for elapsed time, recording the event or its absence.
    fn date_value<T: Tracer>(&self, date: &DateRefDef, ctx: Ctx, t: &mut T) -> Option<NaiveDate> {
        match self.date_of(date, ctx, t) {
            DateOf::Known(d, event) => {
                if let Some(event) = event {
                    self.saw(event, t);
                }
                Some(d)
            }
            DateOf::Absent(kinds) => {
                self.none_recorded(kinds, ctx, t);
                None
            }
        }
    }

    /// A deadline's status test.
    pub(super) fn deadline_test<T: Tracer>(
        &self,
        deadline: usize,
        test: &StatusTest,
        ctx: Ctx,
        t: &mut T,
    ) -> Val {
        let Some((state, due)) = self.standing(deadline, ctx, t) else {
            return Val::Unknown;
        };
        let today = self.evaluation_date(ctx.month);
        let holds = match test {
            StatusTest::Met => state == DeadlineState::Met,
            StatusTest::Late => state == DeadlineState::Late,
            StatusTest::Pending => state == DeadlineState::Pending,
            StatusTest::Overdue => state == DeadlineState::Overdue,
            StatusTest::Missed => matches!(state, DeadlineState::Late | DeadlineState::Overdue),
            StatusTest::DueWithin(span) => {
                if state != DeadlineState::Pending {
                    false
                } else {
                    match self.add_span(today, span, ctx, t) {
                        Ok(Some(limit)) => due.is_some_and(|due| due <= limit),
                        Ok(None) => true,
                        Err(kinds) => {
                            self.none_recorded(kinds, ctx, t);
                            return Val::Unknown;
                        }
                    }
                }
            }
        };
        Val::Flag(holds)
    }

    /// Where a deadline stands (see [`Standing`]), recorded when traced; worked out once per
    /// case and month when not (see [`DeadlineMemo`]).
    fn standing<T: Tracer>(&self, deadline: usize, ctx: Ctx, t: &mut T) -> Standing {
        let key = (deadline, ctx.case, ctx.month);
        if !T::ACTIVE {
            let known = self
                .deadlines
                .0
                .borrow()
                .iter()
                .find(|(k, _)| *k == key)
                .map(|&(_, s)| s);
            if let Some(standing) = known {
                return standing;
            }
        }
        let outcome = self.deadline(deadline, ctx, t);
        let standing = match &outcome {
            Outcome::NotArmed => Some((DeadlineState::NotArmed, None)),
            Outcome::Unknown(kinds) => {
                self.none_recorded(kinds.clone(), ctx, t);
                None
            }
            Outcome::Status { state, due, .. } => Some((*state, Some(*due))),
        };
        if T::ACTIVE && standing.is_some() && ctx.month == self.as_of {
            let today = self.evaluation_date(ctx.month);
            self.record_deadline(deadline, &outcome, today, t);
        }
        if !T::ACTIVE {
            let mut known = self.deadlines.0.borrow_mut();
            if known.len() < DeadlineMemo::ROOM {
                known.push((key, standing));
            }
        }
        standing
    }

    /// Where a deadline stands at the evaluation date of `ctx`'s month (spec §12.4).
    fn deadline<T: Tracer>(&self, index: usize, ctx: Ctx, t: &mut T) -> Outcome<'a> {
        let def = &self.program.deadlines[index];
        let (start, start_event) = match self.date_of(&def.start, ctx, t) {
            DateOf::Known(date, event) => (date, event),
            DateOf::Absent(_) => return Outcome::NotArmed,
        };
        let due = match self.add_span(start, &def.within, ctx, t) {
            Ok(Some(due)) => due,
            Ok(None) => NaiveDate::MAX,
            Err(kinds) => return Outcome::Unknown(kinds),
        };
        let today = self.evaluation_date(ctx.month);
        let mut met_by: Option<&Event> = None;
        for &kind in &def.awaited.kinds {
            let candidates = self.scoped_events(kind, ctx, today).from(start);
            for event in candidates.iter() {
                if !after_start(event, start, start_event, &def.awaited.kinds) {
                    continue;
                }
                if met_by.is_some_and(|m| self.order(m) <= self.order(event)) {
                    break;
                }
                if self.awaited_matches(def.awaited.filter.as_deref(), event, ctx, t) {
                    met_by = Some(event);
                    break;
                }
            }
        }
        let state = match met_by {
            Some(event) if event.date <= due => DeadlineState::Met,
            Some(_) => DeadlineState::Late,
            None if today <= due => DeadlineState::Pending,
            None => DeadlineState::Overdue,
        };
        Outcome::Status {
            start,
            start_event,
            due,
            met_by,
            state,
        }
    }

    fn awaited_matches<T: Tracer>(
        &self,
        filter: Option<&crate::program::Expr>,
        event: &'a Event,
        ctx: Ctx,
        t: &mut T,
    ) -> bool {
        let Some(filter) = filter else { return true };
        let ctx = self.event_ctx(event, filter, ctx);
        let start = t.mark();
        let holds = self.eval(filter, ctx, t).truth() == Truth::True;
        t.forget(start, t.mark());
        holds
    }

    fn record_deadline<T: Tracer>(
        &self,
        deadline: usize,
        outcome: &Outcome,
        on: NaiveDate,
        t: &mut T,
    ) {
        let seen_deadline = match outcome {
            Outcome::Status {
                start,
                start_event,
                due,
                met_by,
                state,
            } => {
                if let Some(event) = start_event {
                    self.saw(event, t);
                }
                if let Some(event) = met_by {
                    self.saw(event, t);
                }
                DeadlineSeen {
                    deadline,
                    on,
                    start: Some((*start, start_event.map(|e| self.seen(e)))),
                    due: Some(*due).filter(|d| *d != NaiveDate::MAX),
                    state: *state,
                    met_by: met_by.map(|e| self.seen(e)),
                }
            }
            _ => DeadlineSeen {
                deadline,
                on,
                start: None,
                due: None,
                state: DeadlineState::NotArmed,
                met_by: None,
            },
        };
        t.read(Read::Deadline(Box::new(seen_deadline)));
    }

    fn saw<T: Tracer>(&self, event: &Event, t: &mut T) {
        if T::ACTIVE {
            t.read(Read::Event(self.seen(event)));
        }
    }

    /// An event, as evidence.
    fn seen(&self, event: &Event) -> EventSeen {
        EventSeen {
            id: self.data.event_id(event).into(),
            kind: event.kind as usize,
            date: event.date,
            case: event.case(),
        }
    }

    fn none_recorded<T: Tracer>(&self, kinds: Vec<usize>, ctx: Ctx, t: &mut T) {
        if T::ACTIVE {
            t.read(Read::NoneRecorded {
                kinds,
                case: ctx.case,
            });
        }
    }
}

/// Whether an event falls on or after a window's or deadline's start: never the anchor event
/// itself; only on a later day when the anchor is of a kind the window awaits (a cadence).
fn after_start(event: &Event, start: NaiveDate, anchor: Option<&Event>, kinds: &[usize]) -> bool {
    match anchor {
        Some(anchor) if std::ptr::eq(anchor, event) => false,
        Some(anchor) if kinds.contains(&(anchor.kind as usize)) => event.date > start,
        _ => event.date >= start,
    }
}

/// `date - n days`, for the open start of a sliding window; `None` before the calendar began.
fn days_before(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(n))
        .and_then(|d| d.succ_opt())
}

/// Whole months from `from` to `to` (the largest n with from ⊕ n months ≤ to), negative when
/// `to` is before `from`.
fn whole_months(from: NaiveDate, to: NaiveDate) -> i64 {
    if to < from {
        return -whole_months(to, from);
    }
    let mut n =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    while n > 0 && add_months(from, n).is_none_or(|d| d > to) {
        n -= 1;
    }
    n
}

fn add_months(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    date.checked_add_months(chrono::Months::new(u32::try_from(n).ok()?))
}

//! A replay written as the backtest's JSON document, laid out exactly as
//! `serde_json::to_writer_pretty` lays out [`super::Backtest`], with each month's actions and
//! undecided rules worked out and written on all cores, a few hundred at a time, and dropped
//! as soon as written: a region's backtest is hundreds of megabytes of JSON.
//!
//! The document's and each month's own fields come from serialising them with empty lists
//! (so their names and order are the derived ones); each list is then written in its place.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::{BacktestMonth, KeptResolved, Replay, Status};
use crate::eval::{ActionView, EvidenceView, Missing, UndecidedView};
use crate::json::{
    push_new_line, rendered, split_at_lists, write_at, write_list, write_text, ListWriter,
};
use crate::month::Month;
use crate::number::Figure;
use crate::program::{Program, RuleDef};

/// The room on the stack for a field's separator, indentation and name ([`Fields::key`]).
const KEY_PIECE: usize = 64;

/// The nesting level of a month (inside the document and its `months`), of a month's lists,
/// and of their items.
const MONTH_LEVEL: usize = 2;

impl Replay<'_> {
    /// Writes the replay as the [`Backtest`](super::Backtest) JSON document (without a last newline): the same
    /// bytes as `serde_json::to_writer_pretty` of [`Replay::into_backtest`]'s result, without
    /// holding every month at once. `progress` is told after each month.
    pub fn write_json(&self, out: &mut impl Write, progress: &dyn Fn(usize)) -> io::Result<()> {
        self.write_json_around(out, &self.shell(), progress)
    }

    /// Writes the JSON document `shell` with the replay's months in its top-level `months`
    /// list, which `shell` has empty: [`Replay::shell`], or a document holding it flattened
    /// (with a comparison or an agreement after it). `progress` is told after each month.
    pub fn write_json_around(
        &self,
        out: &mut impl Write,
        shell: &impl Serialize,
        progress: &dyn Fn(usize),
    ) -> io::Result<()> {
        let shell = rendered(shell, 0)?;
        let [before, after] = split_at_lists(&shell, 0, ["months"])?;
        out.write_all(before)?;
        let rules = rule_fields(self.policy.program(), MONTH_LEVEL + 2);
        let mut months = ListWriter::new(out, 1);
        for index in 0..self.month_count() {
            months.next()?;
            self.write_month(months.out, index, &rules)?;
            progress(index + 1);
        }
        months.end()?;
        out.write_all(after)
    }

    /// Month `index`, as it stands in the document's `months`; `rules`: [`rule_fields`] of
    /// the actions.
    fn write_month(&self, out: &mut impl Write, index: usize, rules: &[Vec<u8>]) -> io::Result<()> {
        let kept = &self.months[index];
        let month = self.from.offset(index as i32);
        let shell = BacktestMonth {
            as_of: month,
            decided_on: month.last_day(),
            actions: Vec::new(),
            resolved: Vec::new(),
            undecided: Vec::new(),
        };
        let shell = rendered(&shell, MONTH_LEVEL)?;
        let [head, after_actions, after_resolved, tail] =
            split_at_lists(&shell, MONTH_LEVEL, ["actions", "resolved", "undecided"])?;
        let items = MONTH_LEVEL + 2;
        out.write_all(head)?;
        let mut dues = vec![None; rules.len()];
        for a in &kept.actions {
            dues[a.key.rule].get_or_insert_with(|| self.by_month.due(month, a.key.rule));
        }
        write_list(out, MONTH_LEVEL + 1, &kept.actions, |json, a| {
            let action = self
                .by_month
                .action_view(a.subject, month, a.key, &a.replaced);
            let written = (&rules[a.key.rule][..], dues[a.key.rule].flatten());
            write_action(json, items, &action, written, a.status)
        })?;
        out.write_all(after_actions)?;
        write_list(out, MONTH_LEVEL + 1, &kept.resolved, |json, r| {
            self.write_resolved(json, items, r)
        })?;
        out.write_all(after_resolved)?;
        write_list(
            out,
            MONTH_LEVEL + 1,
            &kept.undecided,
            |json, &(subject, key)| {
                write_undecided(
                    json,
                    items,
                    &self.by_month.undecided_view(subject, month, key),
                )
            },
        )?;
        out.write_all(tail)
    }

    /// A [`super::Resolved`] at `level`, written field by field as serde lays it out, from
    /// texts borrowed rather than copied (the reason by serde, for its name).
    fn write_resolved(
        &self,
        out: &mut Vec<u8>,
        level: usize,
        resolved: &KeptResolved,
    ) -> io::Result<()> {
        let (data, rules) = (self.data, &self.policy.program().rules);
        let mut fields = Fields::open(out, level);
        fields.text("subject", data.subject_id(resolved.subject));
        if let Some(name) = data.subject_name(resolved.subject) {
            fields.text("subject_name", name);
        }
        fields.text("rule", &rules[resolved.key.rule].id);
        if let Some(case) = resolved.key.case {
            fields.text("case", &data.case(case).id);
        }
        fields.scalar("reason", &resolved.reason)?;
        if let Some(by) = resolved.replaced_by {
            fields.text("replaced_by", &rules[by].id);
        }
        fields.close();
        Ok(())
    }
}

/// The fields of an action at `level` that are the same for every action of a rule, from
/// `title` to `involve`, laid out once for each rule of `program`, in its order (after other
/// fields: each starts with its separator).
fn rule_fields(program: &Program, level: usize) -> Vec<Vec<u8>> {
    let lay_out = |rule: &RuleDef| {
        let mut out = Vec::new();
        let mut fields = Fields {
            out: &mut out,
            level: level + 1,
            empty: false,
        };
        fields.text("title", &rule.title);
        fields.text("severity", rule.severity.name());
        fields.text("require", &rule.require);
        fields.text("owner", &program.roles[rule.owner].id);
        fields.text("owner_name", &program.roles[rule.owner].display);
        fields.list("involve", &rule.involve, |out, _, &role| {
            write_text(out, &program.roles[role].id);
            Ok(())
        })?;
        Ok::<_, io::Error>(out)
    };
    program
        .rules
        .iter()
        .map(lay_out)
        .collect::<io::Result<_>>()
        .expect("texts written to memory")
}

/// A [`super::BacktestAction`] at `level`, written field by field as serde lays it out
/// (the fields of [`crate::Action`], then the status), from texts borrowed rather than
/// copied; `(rule_fields, due)`: [`rule_fields`] of its rule, and when it is due.
fn write_action(
    out: &mut Vec<u8>,
    level: usize,
    action: &ActionView<'_>,
    (rule_fields, due): (&[u8], Option<NaiveDate>),
    status: Status,
) -> io::Result<()> {
    let (rule, program) = (action.rule, action.program);
    let mut fields = Fields::open(out, level);
    fields.text("subject", action.subject);
    if let Some(name) = action.subject_name {
        fields.text("subject_name", name);
    }
    fields.text("rule", &rule.id);
    if let Some(case) = action.case {
        fields.text("case", case);
    }
    fields.out.extend_from_slice(rule_fields);
    fields.key("due");
    crate::month::write_quoted_optional_date(due, fields.out);
    fields.list("replaces", action.replaced, |out, _, &replaced| {
        write_text(out, &program.rules[replaced].id);
        Ok(())
    })?;
    fields.list("evidence", &action.evidence, write_evidence)?;
    fields.scalar("status", &status)?;
    fields.close();
    Ok(())
}

/// A piece of evidence at `level`: a metric's value, a subject field and a comparison (nearly
/// all of it) written field by field, the others by serde.
fn write_evidence(out: &mut Vec<u8>, level: usize, evidence: &EvidenceView<'_>) -> io::Result<()> {
    match *evidence {
        EvidenceView::Metric {
            ref metric,
            period,
            value,
            ref condition,
        } => {
            let mut fields = Fields::open(out, level);
            fields.text("metric", metric);
            fields.month("period", period);
            fields.figure("value", value);
            fields.text("condition", condition);
            fields.close();
        }
        EvidenceView::Comparison {
            ref expression,
            period,
            value,
            ref operator,
            threshold,
            percent,
            ref condition,
            holds,
        } => {
            let mut fields = Fields::open(out, level);
            fields.text("expression", expression);
            fields.month("period", period);
            fields.figure("value", value);
            fields.text("operator", operator);
            fields.figure("threshold", threshold);
            if percent {
                fields.raw("percent", b"true");
            }
            fields.text("condition", condition);
            fields.raw("holds", if holds { b"true" } else { b"false" });
            fields.close();
        }
        EvidenceView::Field {
            ref field,
            ref value,
        } => {
            let mut fields = Fields::open(out, level);
            fields.text("field", field);
            fields.text("value", value);
            fields.close();
        }
        EvidenceView::Owned(ref owned) => match EvidenceView::of(owned) {
            Some(view) => write_evidence(out, level, &view)?,
            None => write_at(out, owned, level)?,
        },
    }
    Ok(())
}

/// An [`crate::Undecided`] at `level`, written field by field as serde lays it out, from
/// texts borrowed rather than copied.
fn write_undecided(
    out: &mut Vec<u8>,
    level: usize,
    undecided: &UndecidedView<'_>,
) -> io::Result<()> {
    let mut fields = Fields::open(out, level);
    fields.text("subject", undecided.subject);
    if let Some(name) = undecided.subject_name {
        fields.text("subject_name", name);
    }
    fields.text("rule", undecided.rule);
    if let Some(case) = undecided.case {
        fields.text("case", case);
    }
    fields.list(
        "missing",
        &undecided.missing,
        |out, level, missing| match missing {
            Missing::Metric { metric, period } => {
                let mut fields = Fields::open(out, level);
                fields.text("metric", metric);
                fields.month("period", *period);
                fields.close();
                Ok(())
            }
            _ => write_at(out, missing, level),
        },
    )?;
    fields.close();
    Ok(())
}

/// The fields of an object written one at a time in the pretty layout: `{`, each field on
/// a line of its own one level in, and `}` on a line at the object's level (`{}` when it has
/// none).
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    /// The level of the fields.
    level: usize,
    empty: bool,
}

impl<'o> Fields<'o> {
    /// An object at `level`.
    fn open(out: &'o mut Vec<u8>, level: usize) -> Fields<'o> {
        out.push(b'{');
        Fields {
            out,
            level: level + 1,
            empty: true,
        }
    }

    /// Starts the field `key` (a name that needs no escaping): its separator and name, put
    /// together on the stack and copied at once (a backtest writes millions of fields).
    /// Inlined, so that the name's length is known where it is copied; the whole piece is
    /// copied (a size known beforehand, copied without a call) and what lies past the field
    /// cut off.
    #[inline(always)]
    fn key(&mut self, key: &str) {
        let first = std::mem::replace(&mut self.empty, false);
        // `,` and a new line, or (for the first field) only the new line.
        let lead = 2 - usize::from(first);
        let name = lead + self.level * 2;
        let end = name + key.len() + 4;
        if end > KEY_PIECE {
            self.long_key(first, key);
            return;
        }
        let mut piece = [b' '; KEY_PIECE];
        piece[..2].copy_from_slice(if first { b"\n " } else { b",\n" });
        piece[name] = b'"';
        piece[name + 1..end - 3].copy_from_slice(key.as_bytes());
        piece[end - 3..end].copy_from_slice(b"\": ");
        let start = self.out.len();
        self.out.extend_from_slice(&piece);
        self.out.truncate(start + end);
    }

    /// [`Fields::key`] of a field deeper than any the backtest writes, or of a long name.
    #[cold]
    fn long_key(&mut self, first: bool, key: &str) {
        if !first {
            self.out.push(b',');
        }
        push_new_line(self.out, self.level);
        self.out
            .extend_from_slice(format!("\"{key}\": ").as_bytes());
    }

    #[inline(always)]
    fn text(&mut self, key: &str, value: &str) {
        self.key(key);
        write_text(self.out, value);
    }

    /// A field whose value is written as it is (`true`, a number).
    #[inline(always)]
    fn raw(&mut self, key: &str, value: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(value);
    }

    /// A field whose value is a month (`"2026-10"`), written as serde writes it.
    #[inline(always)]
    fn month(&mut self, key: &str, month: Month) {
        self.key(key);
        month.write_quoted(self.out);
    }

    /// A field whose value is a number, written as serde writes it.
    #[inline(always)]
    fn figure(&mut self, key: &str, figure: Figure) {
        self.key(key);
        figure.write_json(self.out);
    }

    /// A field whose value serde writes on one line (a number, a date, a name).
    fn scalar(&mut self, key: &str, value: &impl Serialize) -> io::Result<()> {
        self.key(key);
        serde_json::to_writer(&mut *self.out, value).map_err(io::Error::from)
    }

    /// A list of `items`, each written by `write` at the level inside the list.
    fn list<T>(
        &mut self,
        key: &str,
        items: &[T],
        mut write: impl FnMut(&mut Vec<u8>, usize, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.key(key);
        if items.is_empty() {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            push_new_line(self.out, self.level + 1);
            write(self.out, self.level + 1, item)?;
        }
        push_new_line(self.out, self.level);
        self.out.push(b']');
        Ok(())
    }

    fn close(self) {
        if !self.empty {
            push_new_line(self.out, self.level - 1);
        }
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::{write_at, Fields};

    #[test]
    fn fields_are_laid_out_as_serde_json_lays_them_out_at_any_depth() {
        let long = "a_name_longer_than_any_field_the_backtest_writes_".repeat(2);
        for level in [0, 1, 7, 20, 40] {
            let mut ours = Vec::new();
            let mut fields = Fields::open(&mut ours, level);
            fields.text(&long, "first");
            fields.text("b", "second");
            fields.text("c", "third");
            fields.close();
            let mut serde = Vec::new();
            let value = serde_json::json!({ &long: "first", "b": "second", "c": "third" });
            write_at(&mut serde, &value, level).unwrap();
            assert_eq!(String::from_utf8(ours), String::from_utf8(serde), "{level}");
        }
    }
}

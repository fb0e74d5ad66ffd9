//! The file of what was actually done: `subject,period,rule[,case][,note]`, one action a row.
//! The `case` column names the case of an action of a rule evaluated for each case; the first
//! other column, if any, is a free-text note.
//!
//! It is read as every data file is (CSV with its separator sniffed, JSON, or a workbook's
//! sheet named `actual`; from a file or from memory), with the same checks and the same error
//! locations. Each row is then checked against the policy (`actual::bad_value`).

use crate::data::{
    cell_text, read_table, DataError, DataErrorKind, DataErrors, DataInput, FileKind, Header,
    Outcome, Row,
};
use crate::month::Month;
use crate::program::Program;
use crate::quote::shorten;

/// An action that was actually taken.
///
/// See the example of [`agreement`](crate::agreement), which reads actions taken.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActualAction {
    /// The subject.
    pub subject: String,
    /// The month it was done.
    pub period: Month,
    /// The rule it answered.
    pub rule: String,
    /// The case, for a rule evaluated for each case.
    pub case: Option<String>,
    /// Free text, if the file has a column besides the others.
    pub note: Option<String>,
}

/// Reads the actions taken from `input`, checking each row against the policy: a subject, a
/// month, one of its rules, and a case exactly when the rule is evaluated for each case.
/// Either every row is good, or every problem in the file is returned, as for data files.
///
/// See the example of [`agreement`](crate::agreement), which reads actions taken from CSV
/// text. Problems:
///
/// ```
/// # let policy = escalate::Policy::parse("p.policy", r#"
/// #     policy "Call-backs"
/// #     role lead "Clinical Lead"
/// #     metric callbacks "Call-backs made" count
/// #     rule few_callbacks "Fewer than 20 call-backs" {
/// #       when callbacks < 20
/// #       severity low
/// #       require "Check the rota"
/// #       owner lead
/// #       due 5 working days
/// #     }
/// # "#).unwrap();
/// let done = "subject,period,rule\nc1,2026-10,few_calbacks\n";
/// let input = escalate::DataInput::csv("actual.csv", done);
/// let errors = escalate::load_actual(&input, policy.program()).unwrap_err();
/// let record = errors.iter().next().unwrap().record();
/// assert_eq!((record.code.as_str(), record.line, record.column), ("actual::bad_value", 2, 3));
/// assert_eq!(record.help.as_deref(), Some("did you mean `few_callbacks`?"));
/// ```
pub fn load_actual(input: &DataInput, program: &Program) -> Result<Vec<ActualAction>, DataErrors> {
    let mut handler = ActualHandler {
        program,
        columns: None,
        actions: Vec::new(),
    };
    let errors = read_table(input, FileKind::Actual, &mut handler);
    match errors.is_empty() {
        true => Ok(handler.actions),
        false => Err(DataErrors(errors)),
    }
}

/// Where each column of the file is (0-based).
struct Columns {
    subject: usize,
    period: usize,
    rule: usize,
    case: Option<usize>,
    note: Option<usize>,
}

/// Turns the file's rows into actions taken.
struct ActualHandler<'a> {
    program: &'a Program,
    columns: Option<Columns>,
    actions: Vec<ActualAction>,
}

impl crate::data::Handler for ActualHandler<'_> {
    fn header(&mut self, header: &Header, ctx: &mut crate::data::Ctx) -> bool {
        let help = "the first line must name the columns `subject,period,rule` (and optionally \
                    `case` and a free-text column)";
        let needed = ["subject", "period", "rule"].map(|c| (c.to_string(), help.to_string()));
        let found = ctx.require_columns_or_absent(header, &needed);
        if found.contains(&crate::data::ABSENT) {
            return false;
        }
        let [subject, period, rule] = [found[0], found[1], found[2]];
        let case = header.positions("case").first().copied();
        let note = (0..header.names.len())
            .find(|i| ![subject, period, rule].contains(i) && Some(*i) != case);
        self.columns = Some(Columns {
            subject,
            period,
            rule,
            case,
            note,
        });
        true
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut crate::data::Ctx) -> Outcome {
        match self.read_row(row, ctx) {
            Some(action) => {
                self.actions.push(action);
                Outcome::Used
            }
            None => Outcome::Rejected,
        }
    }
}

impl ActualHandler<'_> {
    /// One row, checked against the policy; `None` after reporting what is wrong with it.
    fn read_row<R: Row + ?Sized>(
        &self,
        row: &R,
        ctx: &mut crate::data::Ctx,
    ) -> Option<ActualAction> {
        let columns = self.columns.as_ref()?;
        let subject = cell_text(row, columns.subject, ctx).ok()?.to_string();
        let period = cell_text(row, columns.period, ctx).ok()?.to_string();
        let rule = cell_text(row, columns.rule, ctx).ok()?.to_string();
        let case = match columns.case {
            Some(column) => Some(cell_text(row, column, ctx).ok()?.to_string()),
            None => None,
        };
        if subject.is_empty() {
            bad(
                ctx,
                columns.subject,
                "the subject is empty".to_string(),
                "give the subject's id",
            );
            return None;
        }
        let mut ids = vec![(columns.subject, "subject", subject.as_str())];
        if let (Some(column), Some(case)) = (columns.case, &case) {
            ids.push((column, "case", case.as_str()));
        }
        for (column, what, id) in ids {
            if let Some(control) = id.chars().find(|c| c.is_control()) {
                let message = format!(
                    "the {what} `{}` holds the control character U+{:04X}",
                    shorten(id),
                    control as u32
                );
                let help =
                    "remove it: an id cannot hold line breaks, tabs or other invisible characters";
                bad(ctx, column, message, help);
                return None;
            }
        }
        let Ok(month) = period.parse::<Month>() else {
            let message = format!("`{}` is not a month", shorten(&period));
            bad(
                ctx,
                columns.period,
                message,
                "write the month as YYYY-MM, e.g. `2026-10`",
            );
            return None;
        };
        let program = self.program;
        let Some(index) = program.rule_index(&rule) else {
            let rules = program.rules.iter().map(|r| r.id.as_str());
            let help = crate::suggest::did_you_mean(&rule, rules)
                .unwrap_or_else(|| "use the id of one of the policy's rules".to_string());
            let message = format!("the policy has no rule `{}`", shorten(&rule));
            bad(ctx, columns.rule, message, &help);
            return None;
        };
        let case = case.filter(|c| !c.is_empty());
        let case_column = columns.case.unwrap_or(columns.rule);
        let problem = match (program.rules[index].for_each.is_some(), &case) {
            (true, None) => Some((
                format!("rule `{rule}` is followed for each case, and this row names no case"),
                "give the case's id in a `case` column",
            )),
            (false, Some(c)) => Some((
                format!(
                    "rule `{rule}` is followed once per subject, not per case, but this row \
                     names case `{}`",
                    shorten(c)
                ),
                "leave the case empty for this rule",
            )),
            _ => None,
        };
        if let Some((message, help)) = problem {
            bad(ctx, case_column, message, help);
            return None;
        }
        let note = match columns.note {
            Some(column) => cell_text(row, column, ctx).ok()?,
            None => "",
        };
        Some(ActualAction {
            subject,
            period: month,
            rule,
            case,
            note: Some(note.to_string()).filter(|n| !n.is_empty()),
        })
    }
}

/// Reports a value of the row that cannot be used, at its column.
fn bad(ctx: &mut crate::data::Ctx, column: usize, message: String, help: &str) {
    ctx.report(Some(column), |mut at| {
        at.help = Some(help.to_string());
        DataError::new(DataErrorKind::BadActualValue { message }, at)
    });
}

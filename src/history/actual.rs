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
        let needed = ["subject", "period", "rule"].map(|c| crate::data::Needed::new(c, help));
        // A missing column is reported once, here; the rows are still read (its cells as
        // absent), so that the problems in the other columns are reported in the same run.
        let found = ctx.require_columns_or_absent(header, &needed);
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
    /// Each column is checked on its own, so that a row with several mistakes (or a file
    /// lacking a column, reported once at its header) has all of them reported.
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
        let note = match columns.note {
            Some(column) => cell_text(row, column, ctx).ok()?,
            None => "",
        };
        let subject_ok = subject_is_usable(ctx, columns, &subject, case.as_deref());
        let month = read_month(ctx, columns.period, &period);
        let index = self.rule_index(ctx, columns.rule, &rule);
        let case = case.filter(|c| !c.is_empty());
        let case_ok = index.is_some_and(|index| self.case_fits(ctx, columns, index, &rule, &case));
        match (subject_ok && case_ok, month) {
            (true, Some(month)) => Some(ActualAction {
                subject,
                period: month,
                rule,
                case,
                note: Some(note.to_string()).filter(|n| !n.is_empty()),
            }),
            _ => None,
        }
    }

    /// The position of the rule a row names; `None` after reporting a rule the policy lacks.
    fn rule_index(&self, ctx: &mut crate::data::Ctx, column: usize, rule: &str) -> Option<usize> {
        let index = self.program.rule_index(rule);
        if index.is_none() {
            let rules = self.program.rules.iter().map(|r| r.id.as_str());
            let help = crate::suggest::did_you_mean(rule, rules)
                .unwrap_or_else(|| "use the id of one of the policy's rules".to_string());
            let message = format!("the policy has no rule `{}`", shorten(rule));
            bad(ctx, column, message, &help);
        }
        index
    }

    /// Whether the row names a case exactly when its rule is followed for each case;
    /// reports it when not.
    fn case_fits(
        &self,
        ctx: &mut crate::data::Ctx,
        columns: &Columns,
        index: usize,
        rule: &str,
        case: &Option<String>,
    ) -> bool {
        let case_column = columns.case.unwrap_or(columns.rule);
        let problem = match (self.program.rules[index].for_each.is_some(), case) {
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
        match problem {
            Some((message, help)) => {
                bad(ctx, case_column, message, help);
                false
            }
            None => true,
        }
    }
}

/// Whether the row's subject (and case) ids can be used: the subject given, neither holding
/// a control character; reports each that cannot.
fn subject_is_usable(
    ctx: &mut crate::data::Ctx,
    columns: &Columns,
    subject: &str,
    case: Option<&str>,
) -> bool {
    if subject.is_empty() {
        bad(
            ctx,
            columns.subject,
            "the subject is empty".to_string(),
            "give the subject's id",
        );
        return false;
    }
    let mut ids = vec![(columns.subject, "subject", subject)];
    if let (Some(column), Some(case)) = (columns.case, case) {
        ids.push((column, "case", case));
    }
    let mut usable = true;
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
            usable = false;
        }
    }
    usable
}

/// The month of a row's period; `None` after reporting one that is not a month.
fn read_month(ctx: &mut crate::data::Ctx, column: usize, period: &str) -> Option<Month> {
    let month = period.parse::<Month>().ok();
    if month.is_none() {
        let message = format!("`{}` is not a month", shorten(period));
        let help = "write the month as YYYY-MM, e.g. `2026-10`";
        bad(ctx, column, message, help);
    }
    month
}

/// Reports a value of the row that cannot be used, at its column.
fn bad(ctx: &mut crate::data::Ctx, column: usize, message: String, help: &str) {
    ctx.report(Some(column), |mut at| {
        at.help = Some(help.to_string());
        DataError::new(DataErrorKind::BadActualValue { message }, at)
    });
}

//! The concerns file: `id,subject,raised_on,<declared fields>`, and optionally a `summary`
//! column: what each concern is about, in words, shown with its id and date in evidence.
//! `summary` needs no declaration; a policy that declares a concern field `summary` reads
//! the same column as that field too.

use super::cell::{parse_date, parse_field, Expect};
use super::error::{DataError, DataErrorKind};
use super::store::{DatasetBuilder, IdMap};
use super::table::{
    normalise_heading, optional_text, required_text, Ctx, Handler, Header, Needed, Outcome, Row,
};
use crate::schema::{Schema, Value};

/// Reads concern rows into a dataset.
pub(crate) struct ConcernHandler<'a> {
    schema: &'a Schema,
    data: &'a mut DatasetBuilder,
    /// id, subject, raised_on, then each declared field.
    columns: Vec<usize>,
    /// The `summary` column, when the file has one.
    summary_column: Option<usize>,
    /// The line of each concern id seen, to report duplicates.
    seen: IdMap<usize>,
}

impl<'a> ConcernHandler<'a> {
    pub fn new(schema: &'a Schema, data: &'a mut DatasetBuilder) -> Self {
        ConcernHandler {
            schema,
            data,
            columns: Vec::new(),
            summary_column: None,
            seen: IdMap::default(),
        }
    }
}

impl Handler for ConcernHandler<'_> {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        let mut needed = vec![
            Needed::new(
                "id",
                "add a column headed `id` with a reference for each concern, such as `K-001`",
            ),
            Needed::new(
                "subject",
                "add a column headed `subject` with the id of the subject each concern is about",
            ),
            Needed::new(
                "raised_on",
                "add a column headed `raised_on` with the date each concern was raised",
            ),
        ];
        for field in &self.schema.concern_fields {
            needed.push(Needed::new(
                normalise_heading(&field.name),
                format!(
                    "the policy declares the concern field `{}` ({}), so the file needs a column \
                     headed `{}`",
                    field.name, field.ty, field.name
                ),
            ));
        }
        let mut columns = ctx.require_columns_or_absent(header, &needed);
        self.summary_column = header.positions("summary").first().copied();
        self.columns = columns.clone();
        columns.extend(self.summary_column);
        ctx.note_unused(&columns);
        true
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        let id = required_text(row, self.columns[0], ctx, || {
            "every concern needs an id".into()
        })
        .filter(|id| ctx.id_ok(self.columns[0], id));
        let subject = required_text(row, self.columns[1], ctx, || {
            "every concern needs the id of the subject it is about".into()
        })
        .filter(|subject| ctx.id_ok(self.columns[1], subject));
        let raised_field = self.columns[2];
        let raised_on = required_text(row, raised_field, ctx, || {
            "every concern needs the date it was raised, such as `2026-03-02`".into()
        })
        .and_then(|text| match parse_date(text) {
            Ok(date) => Some(date),
            Err(problem) => {
                ctx.problem(raised_field, problem, text, Expect::Date);
                None
            }
        });
        let mut fields: Vec<Value> = Vec::with_capacity(self.schema.concern_fields.len());
        let mut ok = true;
        for (def, &field) in self.schema.concern_fields.iter().zip(&self.columns[3..]) {
            let help = || {
                format!(
                    "every concern needs a value for `{}` ({})",
                    def.name, def.ty
                )
            };
            match required_text(row, field, ctx, help) {
                Some(text) => match parse_field(&def.ty, text) {
                    Ok(value) => fields.push(value),
                    Err(problem) => {
                        ctx.problem(field, problem, text, Expect::Field(&def.ty));
                        ok = false;
                    }
                },
                None => ok = false,
            }
        }
        let summary =
            optional_text(row, self.summary_column, &self.columns, ctx).unwrap_or_else(|()| {
                ok = false;
                ""
            });
        let (true, Some(id), Some(subject), Some(raised_on)) = (ok, id, subject, raised_on) else {
            return Outcome::Rejected;
        };
        if let Some(&first) = self.seen.get(id) {
            let id = id.to_string();
            ctx.report(Some(self.columns[0]), |mut at| {
                at.label = Some("used before".into());
                at.help = Some(format!(
                    "line {first} has the same id; every concern needs its own id"
                ));
                DataError::new(
                    DataErrorKind::DuplicateConcern {
                        id,
                        first_line: Some(first),
                    },
                    at,
                )
            });
            return Outcome::Rejected;
        }
        self.seen.insert(id.into(), ctx.line);
        let subject = self.data.add_subject(subject);
        self.data
            .add_concern_with_summary(subject, id, raised_on, fields, summary);
        Outcome::Used
    }
}

//! The subjects file: `subject,<declared fields>`, one row per subject, and optionally a
//! `name` column: the name people know each subject by, shown beside its id. `name` needs
//! no declaration; a policy that declares a subject field `name` reads the same column as
//! that field too.

use super::cell::{parse_field, Expect};
use super::error::{DataError, DataErrorKind};
use super::store::DatasetBuilder;
use super::table::{
    cell_text, normalise_heading, optional_text, Ctx, Handler, Header, Needed, Outcome, Row,
};
use crate::schema::{Schema, Value};

/// Reads subject rows into a dataset.
pub(crate) struct SubjectHandler<'a> {
    schema: &'a Schema,
    data: &'a mut DatasetBuilder,
    /// subject, then each declared field.
    columns: Vec<usize>,
    /// The `name` column, when the file has one.
    name_column: Option<usize>,
    /// The line of each subject's row (by subject; 0 for none), to report a second row.
    lines: Vec<usize>,
}

impl<'a> SubjectHandler<'a> {
    pub fn new(schema: &'a Schema, data: &'a mut DatasetBuilder) -> Self {
        SubjectHandler {
            schema,
            data,
            columns: Vec::new(),
            name_column: None,
            lines: Vec::new(),
        }
    }
}

impl Handler for SubjectHandler<'_> {
    fn header(&mut self, header: &Header, ctx: &mut Ctx) -> bool {
        let mut needed = vec![Needed::new(
            "subject",
            "add a column headed `subject` with each subject's id",
        )];
        for field in &self.schema.subject_fields {
            needed.push(Needed::new(
                normalise_heading(&field.name),
                format!(
                    "the policy declares the subject field `{}` ({}), so the file needs a column \
                     headed `{}` (cells may be left empty where it is not known)",
                    field.name, field.ty, field.name
                ),
            ));
        }
        let mut columns = ctx.require_columns_or_absent(header, &needed);
        self.name_column = header.positions("name").first().copied();
        self.columns = columns.clone();
        columns.extend(self.name_column);
        ctx.note_unused(&columns);
        true
    }

    fn row<R: Row + ?Sized>(&mut self, row: &R, ctx: &mut Ctx) -> Outcome {
        let subject_field = self.columns[0];
        let subject = match cell_text(row, subject_field, ctx) {
            Ok("") => {
                ctx.missing(subject_field, "every row needs the subject's id".into());
                None
            }
            Ok(text) if ctx.id_ok(subject_field, text) => Some(text),
            Ok(_) | Err(()) => None,
        };
        let mut fields: Vec<Option<Value>> = Vec::with_capacity(self.schema.subject_fields.len());
        let mut ok = subject.is_some();
        for (def, &field) in self.schema.subject_fields.iter().zip(&self.columns[1..]) {
            match cell_text(row, field, ctx) {
                Ok("") => fields.push(None),
                Ok(text) => match parse_field(&def.ty, text) {
                    Ok(value) => fields.push(Some(value)),
                    Err(problem) => {
                        ctx.problem(field, problem, text, Expect::Field(&def.ty));
                        ok = false;
                    }
                },
                Err(()) => ok = false,
            }
        }
        let name = optional_text(row, self.name_column, &self.columns, ctx).unwrap_or_else(|()| {
            ok = false;
            ""
        });
        let (true, Some(subject)) = (ok, subject) else {
            return Outcome::Rejected;
        };
        let index = self.data.add_subject(subject);
        if self.data.has_subject_row(index) {
            let first = self.lines.get(index as usize).copied().filter(|&l| l > 0);
            let id = subject.to_string();
            ctx.report(Some(subject_field), |mut at| {
                at.label = Some("second row".into());
                at.help = Some(match first {
                    Some(first) => {
                        format!("line {first} is also about `{id}`; keep one row per subject")
                    }
                    None => "keep one row per subject".to_string(),
                });
                DataError::new(
                    DataErrorKind::DuplicateSubject {
                        subject: id,
                        first_line: first,
                    },
                    at,
                )
            });
            return Outcome::Rejected;
        }
        if self.lines.len() <= index as usize {
            self.lines.resize(index as usize + 1, 0);
        }
        self.lines[index as usize] = ctx.line;
        self.data.set_subject_fields(index, fields);
        self.data.set_subject_name(index, name);
        Outcome::Used
    }
}

//! The native half of the `escalate` Python package: a thin shell over the library.
//!
//! Everything crosses the boundary as text: data as (name, format, contents) triples, results
//! and problems as JSON (the same documents the command line prints), so the Python half
//! (`python/escalate/__init__.py`) only converts Python values and raises its exceptions.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use escalate::{DataErrors, DataInput, DataSources, Dataset, DiagnosticRecord, EvalOptions, Month};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// What a call gives back: `("ok", json)`, or `("policy" | "data", diagnostics json)`.
type Outcome = (&'static str, String);

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("results always serialise")
}

fn problems(kind: &'static str, records: &[DiagnosticRecord]) -> Outcome {
    (kind, to_json(&records))
}

/// Every problem in a policy's text, as a JSON list of diagnostics.
#[pyfunction]
fn check(name: &str, text: &str) -> String {
    to_json(&escalate::check_text(name, text))
}

/// A checked policy.
#[pyclass(frozen, module = "escalate._escalate")]
struct Policy {
    inner: escalate::Policy,
}

/// One data file: `(kind, name, format, contents)`, where format is `file` (contents is a
/// path), `csv` or `json` (contents is the text), or `dir` (a folder, kind `data`).
type Source = (String, String, String, String);

fn sources(given: Vec<Source>) -> PyResult<Result<DataSources, Outcome>> {
    let mut sources = DataSources::default();
    for (kind, name, format, contents) in given {
        if format == "dir" {
            match DataSources::from_dir(&PathBuf::from(&contents)) {
                Ok(found) => sources = found,
                Err(error) => return Ok(Err(problems("data", &[error.record()]))),
            }
            continue;
        }
        let input = match format.as_str() {
            "file" => DataInput::file(contents),
            "csv" => DataInput::csv(name, contents),
            "json" => DataInput::json(name, contents),
            other => return Err(PyValueError::new_err(format!("unknown format `{other}`"))),
        };
        let slot = match kind.as_str() {
            "performance" => &mut sources.performance,
            "concerns" => &mut sources.concerns,
            "subjects" => &mut sources.subjects,
            "events" => &mut sources.events,
            other => return Err(PyValueError::new_err(format!("unknown data `{other}`"))),
        };
        *slot = Some(input);
    }
    Ok(Ok(sources))
}

fn month(text: &str, what: &str) -> PyResult<Month> {
    text.parse()
        .map_err(|e| PyValueError::new_err(format!("{what} `{text}`: {e}")))
}

fn date(text: Option<&str>) -> PyResult<Option<chrono::NaiveDate>> {
    text.map(|t| {
        t.parse()
            .map_err(|e| PyValueError::new_err(format!("on `{t}`: {e}")))
    })
    .transpose()
}

fn data_records(errors: &DataErrors) -> Vec<DiagnosticRecord> {
    errors.iter().map(escalate::DataError::record).collect()
}

impl Policy {
    /// The data, or the problems with it as an outcome.
    fn load(&self, given: Vec<Source>) -> PyResult<Result<Dataset, Outcome>> {
        let sources = match sources(given)? {
            Ok(sources) => sources,
            Err(outcome) => return Ok(Err(outcome)),
        };
        Ok(Dataset::load(&self.inner.program().schema, &sources)
            .map_err(|errors| problems("data", &data_records(&errors))))
    }
}

#[pymethods]
impl Policy {
    /// Parses and checks a policy: `(policy, "")`, or `(None, diagnostics json)`.
    #[staticmethod]
    fn from_text(name: &str, text: &str) -> (Option<Policy>, String) {
        match escalate::Policy::parse(name, text) {
            Ok(inner) => (Some(Policy { inner }), String::new()),
            Err(error) => (None, to_json(&error.records())),
        }
    }

    /// Reads, parses and checks a policy file: as [`Policy::from_text`].
    #[staticmethod]
    fn from_path(path: PathBuf) -> (Option<Policy>, String) {
        match escalate::Policy::from_path(path) {
            Ok(inner) => (Some(Policy { inner }), String::new()),
            Err(error) => (None, to_json(&error.records())),
        }
    }

    /// The policy's name (its `policy "..."` line).
    #[getter]
    fn name(&self) -> String {
        self.inner.program().name.clone()
    }

    /// The checker's warnings, as a JSON list of diagnostics.
    fn warnings(&self) -> String {
        to_json(&self.inner.warning_records())
    }

    /// Evaluates the policy: the `eval --format json` document.
    #[pyo3(signature = (sources, as_of, on=None, subjects=Vec::new()))]
    fn evaluate(
        &self,
        py: Python<'_>,
        sources: Vec<Source>,
        as_of: &str,
        on: Option<&str>,
        subjects: Vec<String>,
    ) -> PyResult<Outcome> {
        let as_of = month(as_of, "as_of")?;
        let options = EvalOptions {
            decided_on: date(on)?,
            subjects,
            extra_holidays: Vec::new(),
        };
        let data = match self.load(sources)? {
            Ok(data) => data,
            Err(outcome) => return Ok(outcome),
        };
        for subject in &options.subjects {
            if let Err(error) = escalate::check_subject(&data, subject) {
                return Err(PyValueError::new_err(error.to_string()));
            }
        }
        let evaluation = py.detach(|| self.inner.evaluate(&data, as_of, &options));
        Ok(("ok", to_json(&evaluation)))
    }

    /// Why each rule did or did not fire for one subject: the `explain --format json` document.
    #[pyo3(signature = (sources, as_of, subject, on=None, rule=None, case=None))]
    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        sources: Vec<Source>,
        as_of: &str,
        subject: &str,
        on: Option<&str>,
        rule: Option<&str>,
        case: Option<&str>,
    ) -> PyResult<Outcome> {
        let as_of = month(as_of, "as_of")?;
        let options = EvalOptions {
            decided_on: date(on)?,
            ..EvalOptions::default()
        };
        let data = match self.load(sources)? {
            Ok(data) => data,
            Err(outcome) => return Ok(outcome),
        };
        let program = self.inner.program();
        match escalate::explain(program, &data, as_of, &options, subject, rule, case) {
            Ok(explanation) => Ok(("ok", to_json(&explanation))),
            Err(error) => Err(PyValueError::new_err(error.to_string())),
        }
    }

    /// Replays the policy month by month: the `backtest --format json` document.
    fn backtest(
        &self,
        py: Python<'_>,
        sources: Vec<Source>,
        from_month: &str,
        to_month: &str,
    ) -> PyResult<Outcome> {
        let (from, to) = (
            month(from_month, "from_month")?,
            month(to_month, "to_month")?,
        );
        if to < from {
            return Err(PyValueError::new_err(format!(
                "to_month ({to}) is before from_month ({from})"
            )));
        }
        let data = match self.load(sources)? {
            Ok(data) => data,
            Err(outcome) => return Ok(outcome),
        };
        let backtest = py.detach(|| escalate::backtest(&self.inner, &data, from, to, &|_| {}));
        Ok(("ok", to_json(&backtest)))
    }
}

/// The native module `escalate._escalate`.
#[pymodule]
fn _escalate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_class::<Policy>()?;
    Ok(())
}

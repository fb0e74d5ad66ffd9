//! The in-memory store behind [`Dataset`](super::Dataset) and the builder that fills it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;

use super::summary::LoadSummary;
use super::{Concern, Dataset, SubjectIndex};
use crate::month::Month;
use crate::schema::{Schema, Value};

/// A small, fast, non-cryptographic hasher for subject ids (the FxHash mix followed by a
/// final avalanche, so that the high bits the hash table uses are well spread).
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // murmur3's fmix64
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub(crate) type IdMap<V> = HashMap<Box<str>, V, BuildHasherDefault<IdHasher>>;

/// One metric's values, month-major: `columns[m][s]` is the value for subject `s` in month
/// `start + m`; NaN (or a column too short to reach `s`) means "no value".
#[derive(Clone, Debug, Default)]
pub(crate) struct MetricColumns {
    /// The month index (see [`Month::index`]) of `columns[0]`.
    pub start: i32,
    pub columns: Vec<Vec<f64>>,
}

impl MetricColumns {
    #[inline]
    pub fn get(&self, subject: SubjectIndex, month: Month) -> Option<f64> {
        let offset = usize::try_from(month.index().checked_sub(self.start)?).ok()?;
        let value = *self.columns.get(offset)?.get(subject as usize)?;
        (!value.is_nan()).then_some(value)
    }

    /// The column for a month, widening the month range as needed.
    #[inline]
    fn column_mut(&mut self, month: Month) -> &mut Vec<f64> {
        let m = month.index();
        if self.columns.is_empty() {
            self.start = m;
            self.columns.push(Vec::new());
        } else if m < self.start {
            let extra = (self.start - m) as usize;
            self.columns
                .splice(0..0, std::iter::repeat_with(Vec::new).take(extra));
            self.start = m;
        }
        let offset = (m - self.start) as usize;
        if offset >= self.columns.len() {
            self.columns.resize_with(offset + 1, Vec::new);
        }
        &mut self.columns[offset]
    }

    #[inline]
    fn set(&mut self, subject: SubjectIndex, month: Month, value: f64) {
        // The common case: the month's column exists and already reaches the subject.
        let offset = month.index().wrapping_sub(self.start) as usize;
        if let Some(slot) = self
            .columns
            .get_mut(offset)
            .and_then(|column| column.get_mut(subject as usize))
        {
            *slot = value;
            return;
        }
        let column = self.column_mut(month);
        let s = subject as usize;
        if column.len() <= s {
            column.resize(s + 1, f64::NAN);
        }
        column[s] = value;
    }

    fn shrink(&mut self) {
        for column in &mut self.columns {
            column.shrink_to_fit();
        }
        self.columns.shrink_to_fit();
    }
}

/// Why [`DatasetBuilder::set_metric`] refused a value.
#[derive(Clone, Debug, PartialEq)]
pub enum SetMetricError {
    /// The subject already has a value for this metric in this month.
    AlreadySet {
        /// The value set earlier.
        existing: f64,
    },
    /// The value is NaN or infinite.
    NotFinite,
    /// There is no metric at this position in the schema.
    NoSuchMetric,
    /// The subject index was not returned by [`DatasetBuilder::add_subject`].
    NoSuchSubject,
}

impl fmt::Display for SetMetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetMetricError::AlreadySet { existing } => {
                write!(f, "there is already a value ({existing}) for this month")
            }
            SetMetricError::NotFinite => f.write_str("the value is not a finite number"),
            SetMetricError::NoSuchMetric => f.write_str("the policy declares no such metric"),
            SetMetricError::NoSuchSubject => f.write_str("no such subject"),
        }
    }
}

impl std::error::Error for SetMetricError {}

/// Builds a [`Dataset`] in memory, one value at a time. The file loaders use it too, so a
/// dataset built by hand behaves exactly like one read from files.
///
/// ```
/// use escalate::data::Dataset;
/// use escalate::schema::{MetricDef, MetricKind, Schema};
///
/// let schema = Schema {
///     metrics: vec![MetricDef {
///         id: "callbacks".into(),
///         description: "Call-backs made".into(),
///         kind: MetricKind::Count,
///         direction: None,
///     }],
///     ..Schema::default()
/// };
/// let mut builder = Dataset::builder(&schema);
/// let c1 = builder.add_subject("c1");
/// let october = "2026-10".parse().unwrap();
/// builder.set_metric(c1, 0, october, 41.0).unwrap();
/// assert!(builder.set_metric(c1, 0, october, 42.0).is_err());
/// let data = builder.finish();
/// assert_eq!(data.metric_value(0, c1, october), Some(41.0));
/// ```
#[derive(Debug)]
pub struct DatasetBuilder {
    ids: Vec<Box<str>>,
    index: IdMap<SubjectIndex>,
    metrics: Vec<MetricColumns>,
    first_month: Option<Month>,
    last_month: Option<Month>,
    field_width: usize,
    subject_fields: Vec<Option<Value>>,
    has_row: Vec<bool>,
    concerns: Vec<(SubjectIndex, Concern)>,
    pub(crate) summary: LoadSummary,
}

impl DatasetBuilder {
    pub(crate) fn new(schema: &Schema) -> DatasetBuilder {
        DatasetBuilder {
            ids: Vec::new(),
            index: IdMap::default(),
            metrics: vec![MetricColumns::default(); schema.metrics.len()],
            first_month: None,
            last_month: None,
            field_width: schema.subject_fields.len(),
            subject_fields: Vec::new(),
            has_row: Vec::new(),
            concerns: Vec::new(),
            summary: LoadSummary::default(),
        }
    }

    /// The index of a subject, adding it if it is new. Ids are compared exactly (case and
    /// all); the loaders trim surrounding spaces before calling this.
    pub fn add_subject(&mut self, id: &str) -> SubjectIndex {
        if let Some(&index) = self.index.get(id) {
            return index;
        }
        let index = SubjectIndex::try_from(self.ids.len()).unwrap_or(SubjectIndex::MAX);
        let id: Box<str> = id.into();
        self.ids.push(id.clone());
        self.index.insert(id, index);
        index
    }

    /// The id of a subject already added.
    pub(crate) fn subject_id(&self, subject: SubjectIndex) -> &str {
        self.ids.get(subject as usize).map_or("", |id| id)
    }

    /// The index of a subject already added.
    pub fn subject_index(&self, id: &str) -> Option<SubjectIndex> {
        self.index.get(id).copied()
    }

    /// How many subjects have been added so far.
    pub fn subject_count(&self) -> usize {
        self.ids.len()
    }

    /// The value already set for a metric, if any.
    pub fn metric_value(&self, subject: SubjectIndex, metric: usize, month: Month) -> Option<f64> {
        self.metrics.get(metric)?.get(subject, month)
    }

    /// Sets a subject's value of a metric (by its position in the schema) for a month.
    /// A second value for the same subject, metric and month is refused, as are NaN and
    /// infinities; the value is not otherwise checked against the metric's kind.
    pub fn set_metric(
        &mut self,
        subject: SubjectIndex,
        metric: usize,
        month: Month,
        value: f64,
    ) -> Result<(), SetMetricError> {
        if metric >= self.metrics.len() {
            return Err(SetMetricError::NoSuchMetric);
        }
        if subject as usize >= self.ids.len() {
            return Err(SetMetricError::NoSuchSubject);
        }
        if !value.is_finite() {
            return Err(SetMetricError::NotFinite);
        }
        if let Some(existing) = self.metrics[metric].get(subject, month) {
            return Err(SetMetricError::AlreadySet { existing });
        }
        self.put_metric(subject, metric, month, value);
        Ok(())
    }

    /// Stores a value already checked (finite, not a duplicate, indices in range).
    #[inline]
    pub(crate) fn put_metric(
        &mut self,
        subject: SubjectIndex,
        metric: usize,
        month: Month,
        value: f64,
    ) {
        self.metrics[metric].set(subject, month, value);
        match self.first_month {
            Some(first) if first <= month => {}
            _ => self.first_month = Some(month),
        }
        match self.last_month {
            Some(last) if last >= month => {}
            _ => self.last_month = Some(month),
        }
    }

    /// Records a subject's row of declared subject fields, in schema order (`None` for an
    /// unknown value). Missing trailing entries are unknown; extra entries are dropped.
    /// A later call for the same subject replaces the earlier row.
    pub fn set_subject_fields(&mut self, subject: SubjectIndex, mut fields: Vec<Option<Value>>) {
        let s = subject as usize;
        if s >= self.ids.len() {
            return;
        }
        if self.has_row.len() <= s {
            self.has_row.resize(s + 1, false);
        }
        self.has_row[s] = true;
        fields.resize(self.field_width, None);
        let start = s * self.field_width;
        if self.subject_fields.len() < start + self.field_width {
            self.subject_fields.resize(start + self.field_width, None);
        }
        for (slot, value) in self.subject_fields[start..].iter_mut().zip(fields) {
            *slot = value;
        }
    }

    /// Whether a subject already has a row of subject fields.
    pub fn has_subject_row(&self, subject: SubjectIndex) -> bool {
        self.has_row.get(subject as usize).copied().unwrap_or(false)
    }

    /// Adds a concern about a subject: its id, the date it was raised and its declared
    /// fields in schema order (missing trailing fields are dropped from the row; extra ones
    /// are kept). Ids are not checked for uniqueness here.
    pub fn add_concern(
        &mut self,
        subject: SubjectIndex,
        id: &str,
        raised_on: NaiveDate,
        fields: Vec<Value>,
    ) {
        if subject as usize >= self.ids.len() {
            return;
        }
        self.concerns.push((
            subject,
            Concern {
                id: id.into(),
                raised_on,
                fields: fields.into_boxed_slice(),
            },
        ));
    }

    /// Finishes the dataset: sorts concerns by subject, date and id, and trims spare memory.
    pub fn finish(mut self) -> Dataset {
        let count = self.ids.len();
        for metric in &mut self.metrics {
            metric.shrink();
        }
        self.has_row.resize(count, false);
        self.subject_fields.resize(count * self.field_width, None);
        self.subject_fields.shrink_to_fit();

        self.concerns.sort_unstable_by(|(sa, a), (sb, b)| {
            (sa, a.raised_on, &a.id).cmp(&(sb, b.raised_on, &b.id))
        });
        let mut offsets = Vec::with_capacity(count + 1);
        offsets.push(0u32);
        let mut next = 0usize;
        for subject in 0..count {
            while next < self.concerns.len() && (self.concerns[next].0 as usize) <= subject {
                next += 1;
            }
            offsets.push(u32::try_from(next).unwrap_or(u32::MAX));
        }
        let concerns = self.concerns.into_iter().map(|(_, c)| c).collect();
        self.ids.shrink_to_fit();

        Dataset {
            ids: self.ids,
            index: self.index,
            metrics: self.metrics,
            months: self.first_month.zip(self.last_month),
            field_width: self.field_width,
            subject_fields: self.subject_fields,
            has_row: self.has_row,
            concerns,
            concern_offsets: offsets,
            summary: self.summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_grow_both_ways() {
        let mut columns = MetricColumns::default();
        let oct: Month = "2026-10".parse().unwrap();
        let jan: Month = "2026-01".parse().unwrap();
        columns.set(3, oct, 1.0);
        columns.set(0, jan, 2.0);
        assert_eq!(columns.get(3, oct), Some(1.0));
        assert_eq!(columns.get(0, jan), Some(2.0));
        assert_eq!(columns.get(0, oct), None);
        assert_eq!(columns.get(9, oct), None);
        assert_eq!(columns.get(3, oct.offset(1)), None);
        assert_eq!(columns.get(3, jan.offset(-1)), None);
        assert_eq!(columns.columns.len(), 10);
    }

    #[test]
    fn hasher_spreads_similar_ids() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<IdHasher>::default();
        let a = build.hash_one("c0001");
        let b = build.hash_one("c0002");
        assert_ne!(a >> 57, b >> 57);
    }
}

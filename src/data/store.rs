//! The in-memory store behind [`Dataset`](super::Dataset) and the builder that fills it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use chrono::NaiveDate;

use super::error::DataWarning;
use super::summary::LoadSummary;
use super::{Case, CaseIndex, Concern, Dataset, Event, SubjectIndex};
use crate::month::Month;
use crate::number::Packed;
use crate::schema::{Schema, Value};
use rust_decimal::Decimal;

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

/// The [`IdHasher`] hash of an id.
#[inline]
pub(crate) fn id_hash(id: &str) -> u64 {
    BuildHasherDefault::<IdHasher>::default().hash_one(id)
}

/// Positions (of rows, say) keyed by an id's [`id_hash`]: the first position given for each
/// hash. The table is open-addressed (linear probing, at most half full) and each slot holds
/// the hash and the position in 16 bytes, so that, as with [`Interner`], a batch of lookups can
/// have its slots read ahead ([`PositionsByHash::warm`]).
#[derive(Debug, Default)]
pub(crate) struct PositionsByHash {
    /// A power of two in length (or empty); a position of `u32::MAX` marks a free slot.
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl PositionsByHash {
    const FREE: (u64, u32) = (0, u32::MAX);

    /// A table with room for `count` hashes.
    pub fn with_capacity(count: usize) -> PositionsByHash {
        let size = (count * 2).next_power_of_two().max(64);
        PositionsByHash {
            slots: vec![PositionsByHash::FREE; size],
            len: 0,
        }
    }

    /// The position first given for `hash`; `None` (recording `position` for it) when it is
    /// new.
    pub fn first_or_insert(&mut self, hash: u64, position: u32) -> Option<u32> {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let at = self.find(hash);
        match self.slots[at] {
            (_, u32::MAX) => {
                self.slots[at] = (hash, position);
                self.len += 1;
                None
            }
            (_, first) => Some(first),
        }
    }

    /// The position first given for `hash`.
    pub fn get(&self, hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (_, position) = self.slots[self.find(hash)];
        (position != u32::MAX).then_some(position)
    }

    /// Reads the first slot of each hash, so that lookups that follow find them in the cache
    /// (see [`Interner::warm`]).
    pub fn warm(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        let sum = hashes.iter().fold(0u32, |sum, &hash| {
            sum.wrapping_add(self.slots[(hash as usize) & mask].1)
        });
        std::hint::black_box(sum);
    }

    /// The slot holding `hash`, or the free slot where it would go.
    fn find(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = (hash as usize) & mask;
        while self.slots[at].1 != u32::MAX && self.slots[at].0 != hash {
            at = (at + 1) & mask;
        }
        at
    }

    /// Doubles the table (or makes its first), placing every entry again.
    fn grow(&mut self) {
        let mut bigger = PositionsByHash::with_capacity(self.slots.len().max(32));
        for &(hash, position) in self.slots.iter().filter(|s| s.1 != u32::MAX) {
            let at = bigger.find(hash);
            bigger.slots[at] = (hash, position);
        }
        bigger.len = self.len;
        *self = bigger;
    }
}

/// Text ids, each kept once in one buffer and numbered in the order first seen. The table is
/// open-addressed (linear probing, at most half full), and each slot holds an id's hash, its
/// number and, for ids of up to [`INLINE`] bytes (almost all), its text, in 32 bytes aligned to
/// 32: a lookup usually reads one cache line and nothing else. This keeps interning fast when
/// ids come in no particular order, as in an events file sorted by date, where each lookup in a
/// table of 100,000 subjects misses the cache.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    /// A power of two in length (or empty); [`Slot::EMPTY`] marks a free slot.
    slots: Vec<Slot>,
    text: String,
    /// `ends[k]` is where id `k` ends in `text`; it starts where id `k - 1` ends.
    ends: Vec<usize>,
}

/// Ids up to this many bytes are kept in the table itself.
const INLINE: usize = 16;

/// An id's hash, its number and, when it is short, its bytes.
#[derive(Clone, Copy, Debug)]
#[repr(align(32))]
struct Slot {
    hash: u64,
    key: u32,
    /// The id's length when at most [`INLINE`], else `u8::MAX`.
    len: u8,
    bytes: [u8; INLINE],
}

impl Slot {
    const EMPTY: Slot = Slot {
        hash: 0,
        key: u32::MAX,
        len: 0,
        bytes: [0; INLINE],
    };

    fn new(hash: u64, key: u32, id: &str) -> Slot {
        let mut slot = Slot {
            hash,
            key,
            len: u8::MAX,
            bytes: [0; INLINE],
        };
        if id.len() <= INLINE {
            slot.len = id.len() as u8;
            slot.bytes[..id.len()].copy_from_slice(id.as_bytes());
        }
        slot
    }

    fn is_empty(&self) -> bool {
        self.key == u32::MAX
    }
}

impl Interner {
    /// The number of an id, adding it if it is new.
    pub fn key(&mut self, id: &str) -> u32 {
        self.key_hashed(id_hash(id), id)
    }

    /// [`Interner::key`] of an id whose [`id_hash`] is `hash`.
    pub fn key_hashed(&mut self, hash: u64, id: &str) -> u32 {
        if self.ends.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let at = self.find(hash, id);
        let slot = self.slots[at];
        if !slot.is_empty() {
            return slot.key;
        }
        let next = u32::try_from(self.ends.len()).unwrap_or(u32::MAX - 1);
        self.slots[at] = Slot::new(hash, next, id);
        self.text.push_str(id);
        self.ends.push(self.text.len());
        next
    }

    /// Reads the first slot each hash would look at, and nothing else. The reads do not
    /// depend on each other, so the processor makes many at once; lookups of a batch of ids
    /// that follow then find their slots in the cache, instead of waiting for memory one id
    /// at a time (the ids of an events file come in no particular order).
    pub fn warm(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        let sum = hashes.iter().fold(0u32, |sum, &hash| {
            sum.wrapping_add(self.slots[(hash as usize) & mask].key)
        });
        std::hint::black_box(sum);
    }

    /// The position of `id`'s slot, or of the free slot where it would go.
    #[inline]
    fn find(&self, hash: u64, id: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = (hash as usize) & mask;
        loop {
            let slot = &self.slots[at];
            if slot.is_empty() || (slot.hash == hash && self.holds(slot, id)) {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table (or makes its first), placing every id again.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![Slot::EMPTY; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| !s.is_empty()) {
            let mut at = (slot.hash as usize) & mask;
            while !self.slots[at].is_empty() {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Whether `slot` is that of `id` (rather than of another id with the same hash).
    #[inline]
    fn holds(&self, slot: &Slot, id: &str) -> bool {
        match slot.len {
            u8::MAX => self.name(slot.key) == id,
            len => &slot.bytes[..usize::from(len)] == id.as_bytes(),
        }
    }

    /// The id numbered `key` (empty for a number never given).
    pub fn name(&self, key: u32) -> &str {
        let k = key as usize;
        let Some(&end) = self.ends.get(k) else {
            return "";
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..end]
    }

    /// How many ids there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
}

/// One metric's values, month-major: `columns[m][s]` is the value for subject `s` in month
/// `start + m`; [`Packed::MISSING`] (or a column too short to reach `s`) means "no value".
#[derive(Clone, Debug, Default)]
pub(crate) struct MetricColumns {
    /// The month index (see [`Month::index`]) of `columns[0]`.
    pub start: i32,
    pub columns: Vec<Vec<Packed>>,
}

impl MetricColumns {
    #[inline]
    pub fn get(&self, subject: SubjectIndex, month: Month) -> Option<Decimal> {
        let offset = usize::try_from(month.index().checked_sub(self.start)?).ok()?;
        self.columns.get(offset)?.get(subject as usize)?.get()
    }

    /// The column for a month, widening the month range as needed.
    #[inline]
    fn column_mut(&mut self, month: Month) -> &mut Vec<Packed> {
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
    fn set(&mut self, subject: SubjectIndex, month: Month, value: Packed) {
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
            column.resize(s + 1, Packed::MISSING);
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
        existing: Decimal,
    },
    /// The value has more significant digits than a figure may have.
    TooManyDigits,
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
            SetMetricError::TooManyDigits => write!(
                f,
                "the value has more than {} significant digits",
                crate::number::MAX_DIGITS
            ),
            SetMetricError::NoSuchMetric => f.write_str("the policy declares no such metric"),
            SetMetricError::NoSuchSubject => f.write_str("no such subject"),
        }
    }
}

impl std::error::Error for SetMetricError {}

/// Builds a [`Dataset`] in memory, one value at a time (for the `test` blocks of policies).
/// The file loaders use it too, so a dataset built by hand behaves exactly like one read
/// from files.
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
    /// Display names, by subject (shorter than `ids` when the last subjects have none).
    names: Vec<Option<Box<str>>>,
    concerns: Vec<(SubjectIndex, Concern)>,
    events: Vec<PendingEvent>,
    /// Case ids met so far, numbered: their keys.
    case_ids: Interner,
    event_kinds: Vec<KindShape>,
    concern_kind: Option<usize>,
    concerns_are_events: bool,
    pub(crate) summary: LoadSummary,
    pub(crate) warnings: Vec<DataWarning>,
}

/// What the builder needs to know of an event kind.
#[derive(Clone, Copy, Debug)]
struct KindShape {
    /// The case kind it belongs to.
    case: Option<usize>,
    /// Whether its events open a case.
    opens: bool,
    /// Whether its events close a case.
    closes: bool,
}

/// An event as added, with the key of its case id (see [`DatasetBuilder::case_key`]).
#[derive(Debug)]
pub(crate) struct PendingEvent {
    subject: SubjectIndex,
    event: Event,
    case: Option<u32>,
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
            names: Vec::new(),
            concerns: Vec::new(),
            events: Vec::new(),
            case_ids: Interner::default(),
            event_kinds: schema
                .event_kinds
                .iter()
                .enumerate()
                .map(|(index, kind)| KindShape {
                    case: kind.case,
                    opens: schema.case_kinds.iter().any(|c| c.opened_by == index),
                    closes: schema
                        .case_kinds
                        .iter()
                        .any(|c| c.closed_by.contains(&index)),
                })
                .collect(),
            concern_kind: schema.concern_kind(),
            concerns_are_events: schema.concerns_are_events(),
            summary: LoadSummary::default(),
            warnings: Vec::new(),
        }
    }

    /// Adds a dated event of a declared kind (a position in
    /// [`Schema::event_kinds`](crate::schema::Schema::event_kinds)) about a subject, with
    /// its case id (for kinds that belong to a case kind) and its declared fields in the
    /// kind's order. Nothing is checked here: the loaders check ids, kinds and cases first
    /// (a case is opened by its kind's opener, closed by a closer, and so on).
    pub fn add_event(
        &mut self,
        subject: SubjectIndex,
        id: &str,
        kind: usize,
        date: NaiveDate,
        case: Option<&str>,
        fields: Vec<Value>,
    ) {
        let case = case.map(|case| self.case_key(case));
        let event = self.keyed_event(
            subject,
            id.into(),
            kind,
            date,
            case,
            fields.into_boxed_slice(),
        );
        self.events.extend(event);
    }

    /// An event to add with [`DatasetBuilder::add_keyed_events`]: [`DatasetBuilder::add_event`]
    /// with the id already owned and the case id already turned into its key, for the loaders.
    /// `None` for a subject not added or a kind not declared.
    pub(crate) fn keyed_event(
        &self,
        subject: SubjectIndex,
        id: Box<str>,
        kind: usize,
        date: NaiveDate,
        case: Option<u32>,
        fields: Box<[Value]>,
    ) -> Option<PendingEvent> {
        if subject as usize >= self.ids.len() || kind >= self.event_kinds.len() {
            return None;
        }
        Some(PendingEvent {
            subject,
            event: Event {
                id,
                kind: kind as u16,
                date,
                case: None,
                fields,
                concern: None,
            },
            case,
        })
    }

    /// Adds events made by [`DatasetBuilder::keyed_event`]; the list is kept as it is when no
    /// event was added before (as when the events file is added), rather than copied.
    pub(crate) fn add_keyed_events(&mut self, events: Vec<PendingEvent>) {
        if self.events.is_empty() {
            self.events = events;
        } else {
            self.events.extend(events);
        }
    }

    /// The key of a case id: the same number for the same id (compared exactly), so the
    /// loaders and [`DatasetBuilder::finish`] hash each case id once.
    pub(crate) fn case_key(&mut self, id: &str) -> u32 {
        self.case_ids.key(id)
    }

    /// The case id of a key from [`DatasetBuilder::case_key`].
    pub(crate) fn case_id(&self, key: u32) -> &str {
        self.case_ids.name(key)
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

    /// The value already set for a metric, if any.
    pub fn metric_value(
        &self,
        subject: SubjectIndex,
        metric: usize,
        month: Month,
    ) -> Option<Decimal> {
        self.metrics.get(metric)?.get(subject, month)
    }

    /// Sets a subject's value of a metric (by its position in the schema) for a month.
    /// A second value for the same subject, metric and month is refused, as is one with more
    /// significant digits than a figure may have; the value is not otherwise checked against
    /// the metric's kind.
    pub fn set_metric(
        &mut self,
        subject: SubjectIndex,
        metric: usize,
        month: Month,
        value: Decimal,
    ) -> Result<(), SetMetricError> {
        if metric >= self.metrics.len() {
            return Err(SetMetricError::NoSuchMetric);
        }
        if subject as usize >= self.ids.len() {
            return Err(SetMetricError::NoSuchSubject);
        }
        let Some(packed) = Packed::new(value) else {
            return Err(SetMetricError::TooManyDigits);
        };
        if let Some(existing) = self.metrics[metric].get(subject, month) {
            return Err(SetMetricError::AlreadySet { existing });
        }
        self.put_metric(subject, metric, month, packed);
        Ok(())
    }

    /// Stores a value already checked (not a duplicate, indices in range).
    #[inline]
    pub(crate) fn put_metric(
        &mut self,
        subject: SubjectIndex,
        metric: usize,
        month: Month,
        value: Packed,
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

    /// Gives a subject the name people know it by (the `name` column of the subjects file),
    /// shown beside its id where a person reads the results. Control characters (a line
    /// break in a spreadsheet cell) become spaces; an empty name is no name.
    pub fn set_subject_name(&mut self, subject: SubjectIndex, name: &str) {
        let s = subject as usize;
        if s >= self.ids.len() {
            return;
        }
        if self.names.len() <= s {
            self.names.resize(s + 1, None);
        }
        self.names[s] = display_text(name);
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
        self.add_concern_with_summary(subject, id, raised_on, fields, "");
    }

    /// Like [`DatasetBuilder::add_concern`], with the concern's summary in words (the
    /// `summary` column of the concerns file), shown with its id and date in evidence.
    /// Control characters become spaces; an empty summary is none.
    pub fn add_concern_with_summary(
        &mut self,
        subject: SubjectIndex,
        id: &str,
        raised_on: NaiveDate,
        fields: Vec<Value>,
        summary: &str,
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
                summary: display_text(summary),
            },
        ));
    }

    /// The concerns added so far, with their subjects, in the order added.
    pub(crate) fn added_concerns(&self) -> impl Iterator<Item = (SubjectIndex, &Concern)> + '_ {
        self.concerns.iter().map(|(s, c)| (*s, c))
    }

    /// Finishes the dataset: sorts concerns by subject, date and id, and trims spare memory.
    pub fn finish(mut self) -> Dataset {
        let count = self.ids.len();
        for metric in &mut self.metrics {
            metric.shrink();
        }
        self.has_row.resize(count, false);
        self.names.resize(count, None);
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
        let concerns_are_events = self.concerns_are_events();
        let concerns: Vec<Concern> = std::mem::take(&mut self.concerns)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        if concerns_are_events {
            let subjects = offsets
                .windows(2)
                .enumerate()
                .flat_map(|(s, w)| (w[0]..w[1]).map(move |i| (s as SubjectIndex, i)));
            let concern_kind = self.concern_kind.unwrap_or(0);
            let opens = self.event_kinds.get(concern_kind).is_some_and(|k| k.opens);
            for (subject, i) in subjects {
                let concern = &concerns[i as usize];
                let case = opens.then(|| self.case_key(&concern.id));
                self.events.push(PendingEvent {
                    subject,
                    event: Event {
                        id: concern.id.clone(),
                        kind: concern_kind as u16,
                        date: concern.raised_on,
                        case: None,
                        fields: Box::default(),
                        concern: Some(i),
                    },
                    case,
                });
            }
        }
        let kinds = self.event_kinds.len();
        let (events, event_offsets, cases, case_offsets) = group_events(
            std::mem::take(&mut self.events),
            &self.event_kinds,
            &self.case_ids,
            count,
        );
        self.ids.shrink_to_fit();

        Dataset {
            ids: self.ids,
            index: self.index,
            metrics: self.metrics,
            months: self.first_month.zip(self.last_month),
            field_width: self.field_width,
            subject_fields: self.subject_fields,
            has_row: self.has_row,
            names: self.names,
            concerns,
            concern_offsets: offsets,
            kinds,
            events,
            event_offsets,
            cases,
            case_offsets,
            summary: self.summary,
            warnings: self.warnings,
        }
    }

    fn concerns_are_events(&self) -> bool {
        self.concerns_are_events && self.concern_kind.is_some()
    }
}

/// Text shown to people as given, but on one line: control characters (line breaks, tabs)
/// become spaces, and surrounding spaces go; `None` when nothing is left.
fn display_text(text: &str) -> Option<Box<str>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Some(one_line.trim().into())
}

/// Sorts events by subject, kind, date and id, and builds the cases they belong to (sorted
/// by subject, case kind and id). Returns the events, the offsets of each (subject, kind)
/// slice, the cases and the offsets of each subject's cases.
fn group_events(
    mut pending: Vec<PendingEvent>,
    kinds: &[KindShape],
    case_ids: &Interner,
    subjects: usize,
) -> (Vec<Event>, Vec<u32>, Vec<Case>, Vec<u32>) {
    let (cases, case_offsets, new_index) = build_cases(&pending, kinds, case_ids, subjects);
    for p in &mut pending {
        p.event.case = p.case.and_then(|key| new_index[key as usize]);
    }
    let (events, event_offsets) = sort_events(pending, kinds.len(), subjects);
    (events, event_offsets, cases, case_offsets)
}

/// The cases the events belong to: one per case key used by an event of a kind in a case
/// kind, with its subject, kind and dates, sorted by subject, case kind and id; the offsets of
/// each subject's cases; and each case key's position among the sorted cases.
fn build_cases(
    pending: &[PendingEvent],
    kinds: &[KindShape],
    case_ids: &Interner,
    subjects: usize,
) -> (Vec<Case>, Vec<u32>, Vec<Option<CaseIndex>>) {
    let mut by_key: Vec<Option<usize>> = vec![None; case_ids.len()];
    let mut cases: Vec<Case> = Vec::new();
    for p in pending {
        let (Some(key), Some(case_kind)) = (p.case, kinds[p.event.kind as usize].case) else {
            continue;
        };
        let index = *by_key[key as usize].get_or_insert_with(|| {
            cases.push(Case {
                id: case_ids.name(key).into(),
                kind: case_kind as u16,
                subject: p.subject,
                opened_on: None,
                closed_on: None,
            });
            cases.len() - 1
        });
        let shape = kinds[p.event.kind as usize];
        let case = &mut cases[index];
        if shape.opens {
            case.opened_on = Some(p.event.date);
        }
        if shape.closes {
            case.closed_on = Some(p.event.date);
        }
    }
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&cases[a], &cases[b]);
        (a.subject, a.kind, &a.id).cmp(&(b.subject, b.kind, &b.id))
    });
    let mut new_index = vec![0 as CaseIndex; cases.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as CaseIndex;
    }
    let mut slots: Vec<Option<Case>> = cases.into_iter().map(Some).collect();
    let cases: Vec<Case> = order
        .iter()
        .map(|&old| slots[old].take().expect("each case is taken once"))
        .collect();
    let by_key = by_key
        .into_iter()
        .map(|old| old.map(|old| new_index[old]))
        .collect();
    let mut case_offsets = Vec::with_capacity(subjects + 1);
    let mut next = 0usize;
    case_offsets.push(0u32);
    for subject in 0..subjects {
        while next < cases.len() && (cases[next].subject as usize) <= subject {
            next += 1;
        }
        case_offsets.push(next as u32);
    }
    (cases, case_offsets, by_key)
}

/// Sorts events by subject, kind, date and id: a counting sort of the events' positions into
/// one run per (subject, kind), the events moved once into that order, then each run (a few
/// events) sorted by date and id. Returns the events and the offsets of the runs.
fn sort_events(
    mut pending: Vec<PendingEvent>,
    width: usize,
    subjects: usize,
) -> (Vec<Event>, Vec<u32>) {
    let bucket = |p: &PendingEvent| p.subject as usize * width + p.event.kind as usize;
    let mut event_offsets = vec![0u32; subjects * width + 1];
    for p in &pending {
        event_offsets[bucket(p) + 1] += 1;
    }
    for i in 1..event_offsets.len() {
        event_offsets[i] += event_offsets[i - 1];
    }
    let mut next: Vec<u32> = event_offsets.clone();
    let mut order = vec![0u32; pending.len()];
    for (i, p) in pending.iter().enumerate() {
        let at = &mut next[bucket(p)];
        order[*at as usize] = i as u32;
        *at += 1;
    }
    drop(next);
    let mut events: Vec<Event> = Vec::with_capacity(order.len());
    for chunk in order.chunks(64) {
        warm_events(&pending, chunk);
        events.extend(
            chunk
                .iter()
                .map(|&i| std::mem::take(&mut pending[i as usize].event)),
        );
    }
    for run in event_offsets.windows(2) {
        let run = &mut events[run[0] as usize..run[1] as usize];
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        }
    }
    (events, event_offsets)
}

/// Reads a word of each event at `positions`, and nothing else: the reads do not depend on
/// each other, so the processor makes them all at once, and the events are then in the cache
/// when they are moved (the positions jump about a list too large for the cache).
fn warm_events(pending: &[PendingEvent], positions: &[u32]) {
    let sum = positions.iter().fold(0u32, |sum, &i| {
        sum.wrapping_add(pending[i as usize].subject)
    });
    std::hint::black_box(sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_grow_both_ways() {
        let mut columns = MetricColumns::default();
        let oct: Month = "2026-10".parse().unwrap();
        let jan: Month = "2026-01".parse().unwrap();
        let packed = |n: i64| Packed::new(Decimal::from(n)).unwrap();
        columns.set(3, oct, packed(1));
        columns.set(0, jan, packed(2));
        assert_eq!(columns.get(3, oct), Some(Decimal::from(1)));
        assert_eq!(columns.get(0, jan), Some(Decimal::from(2)));
        assert_eq!(columns.get(0, oct), None);
        assert_eq!(columns.get(9, oct), None);
        assert_eq!(columns.get(3, oct.offset(1)), None);
        assert_eq!(columns.get(3, jan.offset(-1)), None);
        assert_eq!(columns.columns.len(), 10);
    }

    #[test]
    fn interner_numbers_ids_once_short_or_long() {
        let mut ids = Interner::default();
        let long = "a-case-id-longer-than-sixteen-bytes";
        assert_eq!(ids.key("c1"), 0);
        assert_eq!(ids.key(long), 1);
        assert_eq!(ids.key("c2"), 2);
        assert_eq!(ids.key("c1"), 0);
        assert_eq!(ids.key(long), 1);
        assert_eq!((ids.name(1), ids.name(2), ids.name(9)), (long, "c2", ""));
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn interner_keeps_numbers_as_its_table_grows() {
        let mut ids = Interner::default();
        let names: Vec<String> = (0..5_000).map(|i| format!("c{i:06}")).collect();
        let keys: Vec<u32> = names.iter().map(|n| ids.key(n)).collect();
        assert_eq!(keys, (0..5_000).collect::<Vec<u32>>());
        for (name, key) in names.iter().zip(&keys).rev() {
            assert_eq!(ids.key_hashed(id_hash(name), name), *key);
            assert_eq!(ids.name(*key), name);
        }
        ids.warm(&[0, u64::MAX, id_hash("c000001")]);
        assert_eq!(ids.len(), 5_000);
    }

    #[test]
    fn positions_by_hash_keep_the_first_position() {
        let mut table = PositionsByHash::default();
        assert_eq!(table.get(7), None);
        table.warm(&[7]);
        for position in 0..1_000u32 {
            assert_eq!(
                table.first_or_insert(u64::from(position) * 64, position),
                None
            );
        }
        // Hashes that share their low bits, and so their first slot, are told apart.
        assert_eq!(table.first_or_insert(64, 5_000), Some(1));
        assert_eq!(table.first_or_insert(1_000 * 64, 5_001), None);
        assert_eq!(table.get(999 * 64), Some(999));
        assert_eq!(table.get(1_000 * 64), Some(5_001));
        assert_eq!(table.get(3), None);
        let sized = PositionsByHash::with_capacity(10);
        assert_eq!(sized.get(0), None);
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

//! The in-memory store behind [`Dataset`](super::Dataset) and the builder that fills it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;

use super::error::DataWarning;
use super::summary::LoadSummary;
use super::{Case, CaseIndex, Concern, Dataset, Event, SubjectIndex};
use crate::month::Month;
use crate::number::{Narrow, Packed};
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

/// The [`IdHasher`] hash of an id's bytes.
#[inline]
pub(crate) fn id_hash(id: &[u8]) -> u64 {
    let mut hasher = IdHasher::default();
    hasher.write(id);
    hasher.finish()
}

/// Positions (of rows, say) keyed by an id's [`id_hash`]: the first position given for each
/// hash's tag (its high 32 bits; callers tell apart ids whose tags agree). The table is
/// open-addressed (linear probing from the slot the tag gives, at most half full) and each slot
/// holds the tag and the position in 8 bytes, so that, as with [`Interner`], a batch of lookups
/// can have its slots read ahead ([`PositionsByHash::warm`]).
#[derive(Debug, Default)]
pub(crate) struct PositionsByHash {
    /// A power of two in length (or empty); a position of `u32::MAX` marks a free slot.
    slots: Vec<(u32, u32)>,
    len: usize,
}

/// The part of an id's hash that [`PositionsByHash`] keeps.
#[inline]
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

impl PositionsByHash {
    const FREE: (u32, u32) = (0, u32::MAX);

    /// A table with room for `count` hashes.
    pub fn with_capacity(count: usize) -> PositionsByHash {
        let size = (count * 2).next_power_of_two().max(64);
        PositionsByHash {
            slots: vec![PositionsByHash::FREE; size],
            len: 0,
        }
    }

    /// The position first given for `hash`'s tag; `None` (recording `position` for it) when it
    /// is new.
    pub fn first_or_insert(&mut self, hash: u64, position: u32) -> Option<u32> {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let at = self.find(tag(hash));
        match self.slots[at] {
            (_, u32::MAX) => {
                self.slots[at] = (tag(hash), position);
                self.len += 1;
                None
            }
            (_, first) => Some(first),
        }
    }

    /// The position first given for `hash`'s tag.
    pub fn get(&self, hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (_, position) = self.slots[self.find(tag(hash))];
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
            sum.wrapping_add(self.slots[tag(hash) as usize & mask].1)
        });
        std::hint::black_box(sum);
    }

    /// The slot holding `tag`, or the free slot where it would go.
    fn find(&self, tag: u32) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = tag as usize & mask;
        while self.slots[at].1 != u32::MAX && self.slots[at].0 != tag {
            at = (at + 1) & mask;
        }
        at
    }

    /// Doubles the table (or makes its first), placing every entry again.
    fn grow(&mut self) {
        let mut bigger = PositionsByHash::with_capacity(self.slots.len().max(32));
        for &(tag, position) in self.slots.iter().filter(|s| s.1 != u32::MAX) {
            let at = bigger.find(tag);
            bigger.slots[at] = (tag, position);
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
    /// The ids, by number.
    texts: Texts,
}

/// Texts kept one after another in one buffer, numbered in the order added: a list of
/// strings without an allocation for each.
#[derive(Clone, Debug, Default)]
pub(crate) struct Texts {
    /// The texts' bytes, each text UTF-8.
    bytes: Vec<u8>,
    /// `ends[k]` is where text `k` ends in `bytes`; it starts where text `k - 1` ends.
    ends: Vec<usize>,
}

impl Texts {
    /// Adds a text; returns its number.
    #[inline]
    pub fn push(&mut self, text: &str) -> u32 {
        self.push_unchecked(text.as_bytes())
    }

    /// Adds a text given as its UTF-8 bytes (anything else is kept as the text
    /// `String::from_utf8_lossy` makes of it); returns its number. ASCII, the usual case, needs
    /// no other check, so this is quicker than [`Texts::push`] after `std::str::from_utf8`.
    #[inline]
    pub fn push_bytes(&mut self, bytes: &[u8]) -> u32 {
        if bytes.is_ascii() {
            self.push_unchecked(bytes)
        } else {
            self.push(&String::from_utf8_lossy(bytes))
        }
    }

    /// Adds bytes known to be UTF-8.
    #[inline]
    fn push_unchecked(&mut self, bytes: &[u8]) -> u32 {
        let number = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(bytes);
        self.ends.push(self.bytes.len());
        number
    }

    /// The text numbered `k` (empty for a number never given).
    pub fn get(&self, k: u32) -> &str {
        std::str::from_utf8(self.get_bytes(k)).unwrap_or_default()
    }

    /// The bytes of the text numbered `k` (empty for a number never given): for comparing
    /// and hashing, where [`Texts::get`]'s check of the bytes would be wasted.
    #[inline]
    pub fn get_bytes(&self, k: u32) -> &[u8] {
        let k = k as usize;
        let Some(&end) = self.ends.get(k) else {
            return &[];
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.bytes[start..end]
    }

    /// How many texts there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Frees the spare room of the buffers.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Makes room for `texts` more texts of `bytes` bytes in all.
    pub fn reserve(&mut self, texts: usize, bytes: usize) {
        self.bytes.reserve(bytes);
        self.ends.reserve(texts);
    }

    /// Adds every text of `other`, in order; the first gets the number `self.len()` had.
    pub fn append(&mut self, other: &Texts) {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.ends.extend(other.ends.iter().map(|end| base + end));
    }
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

    fn new(hash: u64, key: u32, id: &[u8]) -> Slot {
        let mut slot = Slot {
            hash,
            key,
            len: u8::MAX,
            bytes: [0; INLINE],
        };
        if id.len() <= INLINE {
            slot.len = id.len() as u8;
            slot.bytes[..id.len()].copy_from_slice(id);
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
        self.key_bytes(id.as_bytes())
    }

    /// [`Interner::key`] of an id given as its UTF-8 bytes (see [`Texts::push_bytes`]).
    pub fn key_bytes(&mut self, id: &[u8]) -> u32 {
        self.key_hashed(id_hash(id), id)
    }

    /// [`Interner::key_bytes`] of an id whose [`id_hash`] is `hash`.
    pub fn key_hashed(&mut self, hash: u64, id: &[u8]) -> u32 {
        if self.texts.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let at = self.find(hash, id);
        let slot = self.slots[at];
        if !slot.is_empty() {
            return slot.key;
        }
        let next = self.texts.push_bytes(id).min(u32::MAX - 1);
        self.slots[at] = Slot::new(hash, next, id);
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
    fn find(&self, hash: u64, id: &[u8]) -> usize {
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
    fn holds(&self, slot: &Slot, id: &[u8]) -> bool {
        match slot.len {
            u8::MAX => self.texts.get_bytes(slot.key) == id,
            len if usize::from(len) == id.len() => {
                // The bytes after a short id are zero, so whole arrays compare without a call.
                let mut padded = [0u8; INLINE];
                padded[..id.len()].copy_from_slice(id);
                slot.bytes == padded
            }
            _ => false,
        }
    }

    /// The number of an id, if it has one.
    pub fn get(&self, id: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let slot = self.slots[self.find(id_hash(id.as_bytes()), id.as_bytes())];
        (!slot.is_empty()).then_some(slot.key)
    }

    /// Frees the spare room of the ids' text (the table stays as it is, for lookups).
    pub fn shrink_to_fit(&mut self) {
        self.texts.shrink_to_fit();
    }

    /// The id numbered `key` (empty for a number never given).
    pub fn name(&self, key: u32) -> &str {
        self.texts.get(key)
    }

    /// How many ids there are.
    pub fn len(&self) -> usize {
        self.texts.len()
    }
}

/// How many months a store can hold: those of the years 0000 to 9999, as months are written.
pub(crate) const MONTH_LIMIT: i32 = 10_000 * 12;

/// The slot of a month that has no column.
const NO_COLUMN: u32 = u32::MAX;

/// One metric's values, month-major: a [`Column`] for each month that has values, indexed by
/// subject. A month's column is found through a table covering the months from the first to
/// the last seen (4 bytes a month, so at most 480 KB for 0000-01 to 9999-12): months far apart
/// cost a column each, not a column for every month between them.
#[derive(Clone, Debug, Default)]
pub(crate) struct MetricColumns {
    /// The month index (see [`Month::index`]) of `slots[0]`.
    base: i32,
    /// For each month from `base`, the position of its column in `columns`, or [`NO_COLUMN`].
    slots: Vec<u32>,
    columns: Vec<Column>,
}

/// One month's values of a metric, by subject: dense (a place for every subject up to the
/// last with a value) while at least about half the places hold a value, else sparse (a
/// table of the subjects with a value), so that memory grows with the values held whatever
/// subjects and months they are spread over.
#[derive(Clone, Debug, Default)]
struct Column {
    values: ColumnValues,
    /// How many values it holds.
    count: usize,
    /// One past the last subject with a value.
    end: usize,
}

#[derive(Clone, Debug)]
enum ColumnValues {
    /// Figures that all fit in 4 bytes ([`Narrow::MISSING`] for a subject without one): half
    /// the memory to write and read. A figure that does not fit widens the column.
    Narrow(Vec<Narrow>),
    /// [`Packed::MISSING`] for a subject without a value.
    Wide(Vec<Packed>),
    Sparse(HashMap<u32, Packed, BuildHasherDefault<IdHasher>>),
}

impl Default for ColumnValues {
    fn default() -> Self {
        ColumnValues::Narrow(Vec::new())
    }
}

impl Column {
    /// A dense column is lengthened this many places at a time: the new places are written
    /// together, and the values of the subjects that follow land in memory just written,
    /// rather than each in memory not touched before.
    const BLOCK: usize = 1024;

    /// A column whose places would be more than twice its values, and this many more, is
    /// made sparse.
    const SLACK: usize = 4096;

    /// Whether a subject comes after every subject with a value. Subjects
    /// usually come one after another: a new one does, and finding that it has no value
    /// reads none of the values.
    #[inline]
    fn past_the_end(&self, subject: usize) -> bool {
        subject >= self.end
    }

    /// A subject's value.
    #[inline]
    fn get(&self, subject: usize) -> Packed {
        if subject >= self.end {
            return Packed::MISSING;
        }
        match &self.values {
            ColumnValues::Narrow(values) => values.get(subject).map(|v| v.widen()),
            ColumnValues::Wide(values) => values.get(subject).copied(),
            ColumnValues::Sparse(values) => values.get(&(subject as u32)).copied(),
        }
        .unwrap_or(Packed::MISSING)
    }

    /// Sets a subject's value (not [`Packed::MISSING`]).
    #[inline]
    fn set(&mut self, subject: usize, value: Packed) {
        let new = match &mut self.values {
            ColumnValues::Narrow(values) => match (values.get_mut(subject), Narrow::new(value)) {
                (Some(place), Some(narrow)) => std::mem::replace(place, narrow) == Narrow::MISSING,
                _ => return self.set_further(subject, value),
            },
            ColumnValues::Wide(values) => match values.get_mut(subject) {
                Some(place) => std::mem::replace(place, value) == Packed::MISSING,
                None => return self.set_further(subject, value),
            },
            ColumnValues::Sparse(_) => return self.set_further(subject, value),
        };
        self.count += usize::from(new);
        self.end = self.end.max(subject + 1);
    }

    /// [`Column::set`] past the end of a dense column, of a figure too wide for a narrow
    /// one, or in a sparse one.
    fn set_further(&mut self, subject: usize, value: Packed) {
        let new = self.get(subject) == Packed::MISSING;
        self.count += usize::from(new);
        self.end = self.end.max(subject + 1);
        let narrow = Narrow::new(value);
        if narrow.is_none() {
            self.widen();
        }
        let length = (subject + 1).next_multiple_of(Column::BLOCK);
        let too_sparse = length > 2 * self.count + Column::SLACK;
        match (&mut self.values, narrow) {
            (ColumnValues::Narrow(values), Some(narrow))
                if subject < values.len() || !too_sparse =>
            {
                place(values, subject, narrow, Narrow::MISSING);
            }
            (ColumnValues::Wide(values), _) if subject < values.len() || !too_sparse => {
                place(values, subject, value, Packed::MISSING);
            }
            (ColumnValues::Sparse(_), _) => self.set_sparse(subject, value),
            _ => {
                self.make_sparse();
                self.set_sparse(subject, value);
            }
        }
    }

    fn set_sparse(&mut self, subject: usize, value: Packed) {
        if let ColumnValues::Sparse(values) = &mut self.values {
            values.insert(subject as u32, value);
        }
        // Filled in since: dense again.
        if self.end <= 2 * self.count {
            self.make_dense();
        }
    }

    /// Makes a narrow column wide, for a figure that does not fit in 4 bytes.
    #[cold]
    fn widen(&mut self) {
        if let ColumnValues::Narrow(values) = &self.values {
            self.values = ColumnValues::Wide(values.iter().map(|v| v.widen()).collect());
        }
    }

    #[cold]
    fn make_sparse(&mut self) {
        let sparse = match &self.values {
            ColumnValues::Narrow(values) => figures(values.iter().map(|v| v.widen())),
            ColumnValues::Wide(values) => figures(values.iter().copied()),
            ColumnValues::Sparse(_) => return,
        };
        self.values = ColumnValues::Sparse(sparse);
    }

    #[cold]
    fn make_dense(&mut self) {
        if let ColumnValues::Sparse(values) = &self.values {
            let length = self.end.next_multiple_of(Column::BLOCK);
            let narrow: Option<Vec<(u32, Narrow)>> = values
                .iter()
                .map(|(&s, &v)| Narrow::new(v).map(|n| (s, n)))
                .collect();
            self.values = match narrow {
                Some(narrow) => {
                    let mut dense = vec![Narrow::MISSING; length];
                    for (s, v) in narrow {
                        dense[s as usize] = v;
                    }
                    ColumnValues::Narrow(dense)
                }
                None => {
                    let mut dense = vec![Packed::MISSING; length];
                    for (&s, &v) in values {
                        dense[s as usize] = v;
                    }
                    ColumnValues::Wide(dense)
                }
            };
        }
    }

    /// Frees spare room: a dense column's places past its last value, a table's empty slots.
    fn shrink(&mut self) {
        match &mut self.values {
            ColumnValues::Narrow(values) => {
                values.truncate(self.end);
                values.shrink_to_fit();
            }
            ColumnValues::Wide(values) => {
                values.truncate(self.end);
                values.shrink_to_fit();
            }
            ColumnValues::Sparse(values) => values.shrink_to_fit(),
        }
    }

    /// The bytes it holds in memory, roughly.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        match &self.values {
            ColumnValues::Narrow(values) => values.capacity() * std::mem::size_of::<Narrow>(),
            ColumnValues::Wide(values) => values.capacity() * std::mem::size_of::<Packed>(),
            // A key, a value and a control byte per place.
            ColumnValues::Sparse(values) => values.capacity() * 17,
        }
    }
}

/// Puts a value in a dense column's place, lengthening the column by whole blocks of
/// `missing` to reach it.
#[inline]
fn place<T: Copy>(values: &mut Vec<T>, subject: usize, value: T, missing: T) {
    if subject >= values.len() {
        values.resize((subject + 1).next_multiple_of(Column::BLOCK), missing);
    }
    values[subject] = value;
}

/// The figures of a dense column, by subject, as a sparse table.
fn figures(
    values: impl Iterator<Item = Packed>,
) -> HashMap<u32, Packed, BuildHasherDefault<IdHasher>> {
    values
        .enumerate()
        .filter(|&(_, v)| v != Packed::MISSING)
        .map(|(s, v)| (s as u32, v))
        .collect()
}

impl MetricColumns {
    #[inline]
    pub fn get(&self, subject: SubjectIndex, month: Month) -> Option<Decimal> {
        self.packed(subject, month).get()
    }

    /// Whether the subject has a value in the month.
    #[inline]
    pub fn is_set(&self, subject: SubjectIndex, month: Month) -> bool {
        self.packed(subject, month) != Packed::MISSING
    }

    /// Whether the subject comes after every subject with a value in the month (see
    /// [`Column::past_the_end`]).
    #[inline]
    fn past_the_end(&self, subject: SubjectIndex, month: Month) -> bool {
        self.column(month)
            .is_none_or(|column| column.past_the_end(subject as usize))
    }

    #[inline]
    pub(super) fn packed(&self, subject: SubjectIndex, month: Month) -> Packed {
        self.column(month)
            .map_or(Packed::MISSING, |column| column.get(subject as usize))
    }

    #[inline]
    fn column(&self, month: Month) -> Option<&Column> {
        let offset = usize::try_from(month.index().checked_sub(self.base)?).ok()?;
        // `NO_COLUMN` is past the end of `columns`.
        self.columns.get(*self.slots.get(offset)? as usize)
    }

    /// The slot of a month's column (in `0..MONTH_LIMIT`), made if it is the month's first
    /// value.
    #[inline]
    fn slot(&mut self, month: Month) -> u32 {
        let offset = month.index().wrapping_sub(self.base) as usize;
        match self.slots.get(offset) {
            Some(&slot) if slot != NO_COLUMN => slot,
            _ => self.new_column(month),
        }
    }

    /// Makes a month's column, widening the table of months to reach it.
    #[cold]
    fn new_column(&mut self, month: Month) -> u32 {
        let m = month.index();
        debug_assert!(
            (0..MONTH_LIMIT).contains(&m),
            "a month of the years 0000 to 9999"
        );
        self.cover(m);
        let slot = u32::try_from(self.columns.len()).unwrap_or(NO_COLUMN - 1);
        self.slots[(m - self.base) as usize] = slot;
        self.columns.push(Column::default());
        slot
    }

    /// Widens the table of months to reach month index `m`, by at least its own length each
    /// time, so that months met in falling order do not cost a shift of the table each.
    fn cover(&mut self, m: i32) {
        if self.slots.is_empty() {
            self.base = m;
            self.slots.push(NO_COLUMN);
            return;
        }
        let length = self.slots.len() as i32;
        let end = self.base + length;
        if m < self.base {
            let start = m.min(self.base - length).max(0);
            let extra = (self.base - start) as usize;
            self.slots
                .splice(0..0, std::iter::repeat_n(NO_COLUMN, extra));
            self.base = start;
        } else if m >= end {
            let end = (m + 1).max(end + length).min(MONTH_LIMIT);
            self.slots.resize((end - self.base) as usize, NO_COLUMN);
        }
    }

    /// Sets a subject's value in a month (not [`Packed::MISSING`]).
    #[inline]
    fn set(&mut self, subject: SubjectIndex, month: Month, value: Packed) {
        let slot = self.slot(month);
        self.columns[slot as usize].set(subject as usize, value);
    }

    /// Frees spare room: in the columns, and the table's months before the first column
    /// and after the last.
    fn shrink(&mut self) {
        for column in &mut self.columns {
            column.shrink();
        }
        self.columns.shrink_to_fit();
        let first = self.slots.iter().position(|&s| s != NO_COLUMN);
        let last = self.slots.iter().rposition(|&s| s != NO_COLUMN);
        match first.zip(last) {
            Some((first, last)) => {
                self.slots.truncate(last + 1);
                self.slots.drain(..first);
                self.base += first as i32;
            }
            None => self.slots.clear(),
        }
        self.slots.shrink_to_fit();
    }

    /// The bytes this store holds in memory, roughly.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        let columns: usize = self.columns.iter().map(Column::heap_bytes).sum();
        columns
            + self.columns.capacity() * std::mem::size_of::<Column>()
            + self.slots.capacity() * std::mem::size_of::<u32>()
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
    /// The month is not in the years 0000 to 9999, where months written `YYYY-MM` are.
    MonthOutOfRange,
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
            SetMetricError::MonthOutOfRange => {
                f.write_str("the month is not in the years 0000 to 9999")
            }
        }
    }
}

impl std::error::Error for SetMetricError {}

/// Builds a [`Dataset`] in memory, one value at a time (for the `test` blocks of policies).
/// The file loaders use it too, so a dataset built by hand behaves exactly like one read
/// from files.
#[derive(Debug)]
pub struct DatasetBuilder {
    /// The subjects' ids, numbered in the order first seen.
    subjects: Interner,
    /// The subject [`DatasetBuilder::add_subject`] gave last (`u32::MAX` before the first).
    last_subject: SubjectIndex,
    metrics: Vec<MetricColumns>,
    first_month: Option<Month>,
    last_month: Option<Month>,
    field_width: usize,
    subject_fields: Vec<Option<Value>>,
    has_row: Vec<bool>,
    /// Display names, by subject (shorter than `ids` when the last subjects have none).
    names: Vec<Option<Box<str>>>,
    concerns: Vec<(SubjectIndex, Concern)>,
    events: EventList,
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

/// An event as added, about a subject; its case is the key of its case id (see
/// [`DatasetBuilder::case_key`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingEvent {
    pub subject: SubjectIndex,
    pub event: Event,
}

/// Events as added, with their ids and field values (which each [`Event`] finds by number):
/// what the builder holds until [`DatasetBuilder::finish`], and what a loader gathers and
/// hands over whole ([`DatasetBuilder::add_events`]).
#[derive(Debug, Default)]
pub(crate) struct EventList {
    pub events: Vec<PendingEvent>,
    pub ids: Texts,
    pub values: Vec<Value>,
}

impl EventList {
    /// Adds an event, its id and its fields.
    pub fn push(
        &mut self,
        subject: SubjectIndex,
        id: &str,
        kind: usize,
        date: NaiveDate,
        case: Option<u32>,
        fields: impl IntoIterator<Item = Value>,
    ) {
        let start = self.values.len();
        self.values.extend(fields);
        self.push_event(subject, id.as_bytes(), kind, date, case, start);
    }

    /// Adds an event and its id (UTF-8 bytes: see [`Texts::push_bytes`]); its fields are the
    /// values from `fields` on, already added.
    #[inline]
    pub fn push_event(
        &mut self,
        subject: SubjectIndex,
        id: &[u8],
        kind: usize,
        date: NaiveDate,
        case: Option<u32>,
        fields: usize,
    ) {
        let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let fields = number(fields)..number(self.values.len());
        let event = Event::new(self.ids.push_bytes(id), kind, date, case, fields);
        self.events.push(PendingEvent { subject, event });
    }

    /// Makes room for `events` more events, with `id_bytes` bytes of ids and `values` field
    /// values in all, so that a large file's events are not copied as their lists grow.
    pub fn reserve(&mut self, events: usize, id_bytes: usize, values: usize) {
        self.events.reserve(events);
        self.ids.reserve(events, id_bytes);
        self.values.reserve(values);
    }

    /// Adds the events of `other` after these: their ids and fields numbered after these.
    fn append(&mut self, mut other: EventList) {
        if self.events.is_empty() && self.ids.len() == 0 && self.values.is_empty() {
            *self = other;
            return;
        }
        let ids = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        let values = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        for pending in &mut other.events {
            pending.event.shift(ids, values);
        }
        self.events.append(&mut other.events);
        self.ids.append(&other.ids);
        self.values.append(&mut other.values);
    }
}

impl DatasetBuilder {
    pub(crate) fn new(schema: &Schema) -> DatasetBuilder {
        DatasetBuilder {
            subjects: Interner::default(),
            last_subject: SubjectIndex::MAX,
            metrics: vec![MetricColumns::default(); schema.metrics.len()],
            first_month: None,
            last_month: None,
            field_width: schema.subject_fields.len(),
            subject_fields: Vec::new(),
            has_row: Vec::new(),
            names: Vec::new(),
            concerns: Vec::new(),
            events: EventList::default(),
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
        if subject as usize >= self.subjects.len() || kind >= self.event_kinds.len() {
            return;
        }
        let case = case.map(|case| self.case_key(case));
        self.events.push(subject, id, kind, date, case, fields);
    }

    /// Adds the events a loader gathered, whose subjects were added and whose kinds are
    /// declared; the lists are kept as they are when no event was added before (as when the
    /// events file is added), rather than copied.
    pub(crate) fn add_events(&mut self, events: EventList) {
        self.events.append(events);
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
        // Files often list the subjects in the same order: try the one after the last found
        // before looking the id up.
        let next = self.last_subject.wrapping_add(1);
        if (next as usize) < self.subjects.len() && self.subjects.name(next) == id {
            self.last_subject = next;
            return next;
        }
        self.last_subject = self.subjects.key(id);
        self.last_subject
    }

    /// The id of a subject already added.
    pub(crate) fn subject_id(&self, subject: SubjectIndex) -> &str {
        self.subjects.name(subject)
    }

    /// Whether a value is already set for a metric (by its position in the schema).
    #[inline]
    pub(crate) fn metric_is_set(&self, subject: SubjectIndex, metric: usize, month: Month) -> bool {
        self.metrics
            .get(metric)
            .is_some_and(|columns| columns.is_set(subject, month))
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
        if subject as usize >= self.subjects.len() {
            return Err(SetMetricError::NoSuchSubject);
        }
        if !(0..MONTH_LIMIT).contains(&month.index()) {
            return Err(SetMetricError::MonthOutOfRange);
        }
        let Some(packed) = Packed::new(value) else {
            return Err(SetMetricError::TooManyDigits);
        };
        if self.metric_is_set(subject, metric, month) {
            let existing = self.metrics[metric].get(subject, month).unwrap_or_default();
            return Err(SetMetricError::AlreadySet { existing });
        }
        self.put_metric(subject, metric, month, packed);
        Ok(())
    }

    /// Stores figures of the metrics from `first` on (by position in the schema; one each,
    /// [`Packed::MISSING`] for none) of a subject for a month, unless one of them is set
    /// already: then nothing is stored and the answer is false.
    #[inline]
    pub(crate) fn put_new_figures(
        &mut self,
        subject: SubjectIndex,
        first: usize,
        month: Month,
        figures: &[Packed],
    ) -> bool {
        let metrics = first..first + figures.len();
        // Usually the subject comes after every subject with a value: nothing to look up.
        let past = metrics.clone().zip(figures).all(|(m, &figure)| {
            figure == Packed::MISSING || self.metrics[m].past_the_end(subject, month)
        });
        let clash = !past
            && metrics.clone().zip(figures).any(|(m, &figure)| {
                figure != Packed::MISSING && self.metric_is_set(subject, m, month)
            });
        if clash {
            return false;
        }
        for (m, &figure) in metrics.zip(figures) {
            if figure != Packed::MISSING {
                self.put_metric(subject, m, month, figure);
            }
        }
        true
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
        if s >= self.subjects.len() {
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
        if s >= self.subjects.len() {
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
        if subject as usize >= self.subjects.len() {
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
        let count = self.subjects.len();
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
                let case = opens.then(|| self.case_ids.key(&concern.id));
                let id = self.events.ids.push(&concern.id);
                let date = concern.raised_on;
                let event = Event::new(id, concern_kind, date, case, 0..0).with_concern(i);
                self.events.events.push(PendingEvent { subject, event });
            }
        }
        let kinds = self.event_kinds.len();
        let EventList {
            events: pending,
            ids: event_ids,
            values: event_values,
        } = std::mem::take(&mut self.events);
        let (cases, case_offsets, case_index) =
            build_cases(&pending, &self.event_kinds, &self.case_ids, count);
        let (mut events, event_offsets) =
            sort_events(pending, &case_index, &event_ids, kinds, count);
        let event_values = gather_values(&mut events, event_values);
        self.subjects.shrink_to_fit();

        Dataset {
            subjects: self.subjects,
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
            event_ids,
            event_values,
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
    if !text.chars().any(char::is_control) {
        // Almost every name and summary is on one line already: no second copy to make.
        return (!text.is_empty()).then(|| text.into());
    }
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = one_line.trim();
    (!one_line.is_empty()).then(|| one_line.into())
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
        let (Some(key), Some(case_kind)) = (p.event.case(), kinds[p.event.kind as usize].case)
        else {
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

/// Sorts events by subject, kind, date and id, giving each its case's position (from
/// `case_index`, by case key): a counting sort into one run per (subject, kind), each event
/// copied once into its place, then each run (a few events, usually in date order already)
/// sorted by date and id. Returns the events and the offsets of the runs.
fn sort_events(
    pending: Vec<PendingEvent>,
    case_index: &[Option<CaseIndex>],
    ids: &Texts,
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
    let placeholder = Event::new(0, 0, NaiveDate::MIN, None, 0..0);
    let mut events: Vec<Event> = vec![placeholder; pending.len()];
    for chunk in pending.chunks(WARM_AHEAD) {
        warm(chunk.iter().map(|p| next[bucket(p)]));
        for p in chunk {
            let at = &mut next[bucket(p)];
            let mut event = p.event;
            event.set_case(event.case().and_then(|key| case_index[key as usize]));
            events[*at as usize] = event;
            *at += 1;
        }
    }
    drop(next);
    drop(pending);
    let order = |a: &Event, b: &Event| {
        let id = |e: &Event| ids.get_bytes(e.id_number());
        a.date.cmp(&b.date).then_with(|| id(a).cmp(id(b)))
    };
    for run in event_offsets.windows(2) {
        let run = &mut events[run[0] as usize..run[1] as usize];
        if !run.is_sorted_by(|a, b| order(a, b).is_le()) {
            run.sort_unstable_by(order);
        }
    }
    (events, event_offsets)
}

/// The events' field values in the events' order, each event pointed at its own: a subject's
/// events are read together, and so, now, are their fields (in the file's order they were
/// scattered across the whole list).
fn gather_values(events: &mut [Event], mut values: Vec<Value>) -> Vec<Value> {
    let mut gathered = Vec::with_capacity(values.len());
    for chunk in events.chunks_mut(WARM_AHEAD) {
        let first_field = |event: &Event| values.get(event.field_range().start);
        warm(chunk.iter().map(|event| match first_field(event) {
            Some(Value::Flag(flag)) => u32::from(*flag),
            Some(_) | None => 0,
        }));
        for event in chunk {
            let start = gathered.len();
            let fields = values[event.field_range()].iter_mut();
            gathered.extend(fields.map(|value| std::mem::replace(value, Value::Flag(false))));
            event.move_fields(start);
        }
    }
    gathered
}

/// How many places [`sort_events`] and [`gather_values`] read ahead (see [`warm`]).
const WARM_AHEAD: usize = 64;

/// Reads values at places that jump about a list too large for the cache, and nothing else
/// with them: the reads do not depend on each other, so the processor makes them all at once,
/// and the work that follows on the same places finds them in the cache rather than waiting
/// for memory one place at a time.
fn warm(reads: impl Iterator<Item = u32>) {
    std::hint::black_box(reads.fold(0u32, u32::wrapping_add));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The shortcut for text already on one line gives what the definition does: control
        /// characters become spaces, surrounding spaces go, and nothing left is no text.
        #[test]
        fn display_text_is_the_text_on_one_line(
            text in "[ \t\r\n\u{0}\u{7f}\u{85}\u{9c}\u{a0}a-zé-]{0,12}"
        ) {
            let one_line: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let one_line = one_line.trim();
            let expected = (!one_line.is_empty()).then_some(one_line);
            let shown = display_text(&text);
            prop_assert_eq!(shown.as_deref(), expected);
        }
    }

    #[test]
    fn a_text_of_control_characters_only_is_no_text() {
        assert_eq!(display_text("\u{1}\u{7}"), None);
        assert_eq!(
            display_text(" Dr Kiran Roberts "),
            Some("Dr Kiran Roberts".into())
        );
        assert_eq!(display_text("line\nbreak"), Some("line break".into()));
    }

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
        // A column for each month with values, not for the months between.
        assert_eq!(columns.columns.len(), 2);
        assert!(columns.is_set(3, oct) && !columns.is_set(3, jan));
    }

    #[test]
    fn months_far_apart_cost_a_column_each() {
        let mut columns = MetricColumns::default();
        let first: Month = "0001-01".parse().unwrap();
        let last: Month = "9999-12".parse().unwrap();
        let packed = Packed::new(Decimal::from(70)).unwrap();
        for subject in 0..20_000 {
            columns.set(subject, last, packed);
            columns.set(subject, first, packed);
        }
        // Months met in falling order widen the table by its length, not one at a time.
        for back in 0..1_000 {
            columns.set(0, last.offset(-back), packed);
        }
        columns.shrink();
        assert_eq!(columns.get(19_999, first), Some(Decimal::from(70)));
        assert_eq!(columns.get(19_999, last), Some(Decimal::from(70)));
        assert_eq!(columns.get(0, last.offset(-999)), Some(Decimal::from(70)));
        assert_eq!(columns.get(1, last.offset(-999)), None);
        assert_eq!(columns.get(0, first.offset(1)), None);
        // Two columns of 20,000 figures, 1,000 one-figure columns and the table of months.
        assert!(
            columns.heap_bytes() < 1024 * 1024,
            "{}",
            columns.heap_bytes()
        );
    }

    #[test]
    fn columns_of_subjects_far_apart_are_sparse() {
        let mut columns = MetricColumns::default();
        let first: Month = "2026-01".parse().unwrap();
        let packed = |n: i64| Packed::new(Decimal::from(n)).unwrap();
        // A million subjects, each with one value in one of 1,000 months.
        for subject in (0..1_000_000).step_by(7) {
            columns.set(subject, first.offset((subject % 1_000) as i32), packed(1));
        }
        // A month that fills in: sparse first, dense once most places hold a value.
        for subject in (0..20_000).rev() {
            columns.set(subject, first.offset(2_000), packed(i64::from(subject)));
        }
        columns.shrink();
        assert_eq!(columns.get(7, first.offset(7)), Some(Decimal::from(1)));
        assert_eq!(columns.get(8, first.offset(7)), None);
        assert_eq!(
            columns.get(999_999, first.offset(999)),
            Some(Decimal::from(1))
        );
        assert_eq!(
            columns.get(19_999, first.offset(2_000)),
            Some(Decimal::from(19_999))
        );
        let filled = columns.column(first.offset(2_000)).unwrap();
        assert!(matches!(filled.values, ColumnValues::Narrow(_)));
        // About 143,000 values: a few megabytes, not a column of a million places a month.
        assert!(
            columns.heap_bytes() < 8 * 1024 * 1024,
            "{}",
            columns.heap_bytes()
        );
    }

    #[test]
    fn a_figure_too_wide_for_four_bytes_widens_its_column() {
        let mut columns = MetricColumns::default();
        let oct: Month = "2026-10".parse().unwrap();
        let figure = |text: &str| Packed::new(crate::number::parse_decimal(text).unwrap()).unwrap();
        for subject in 0..3_000 {
            columns.set(subject, oct, figure("78.5"));
        }
        assert!(matches!(
            columns.column(oct).unwrap().values,
            ColumnValues::Narrow(_)
        ));
        columns.set(1_500, oct, figure("123456789.125"));
        columns.set(2_999, oct, figure("-0.5"));
        columns.shrink();
        assert!(matches!(
            columns.column(oct).unwrap().values,
            ColumnValues::Wide(_)
        ));
        assert_eq!(columns.get(0, oct), Some(Decimal::new(785, 1)));
        assert_eq!(
            columns.get(1_500, oct),
            Some(Decimal::new(123_456_789_125, 3))
        );
        assert_eq!(columns.get(2_999, oct), Some(Decimal::new(-5, 1)));
        assert_eq!(columns.get(3_000, oct), None);
    }

    #[test]
    fn a_sparse_column_filled_in_with_a_wide_figure_becomes_wide() {
        let mut column = Column::default();
        let wide = Packed::from_parts(1 << 40, 2).unwrap();
        let narrow = |n: i64| Packed::from_parts(n, 0).unwrap();
        column.set(20_000, wide);
        assert!(matches!(column.values, ColumnValues::Sparse(_)));
        for subject in (0..20_000).rev() {
            column.set(subject, narrow(subject as i64));
        }
        assert!(matches!(column.values, ColumnValues::Wide(_)));
        assert_eq!((column.get(20_000), column.get(7)), (wide, narrow(7)));
        assert_eq!(
            (column.count, column.get(20_001)),
            (20_001, Packed::MISSING)
        );
    }

    proptest! {
        /// Whatever the subjects, their order and the widths of the figures, a column gives
        /// back the last figure set for each subject, and nothing for the others; as it
        /// turns narrow, wide, sparse and dense again.
        #[test]
        fn columns_keep_every_figure_set(
            sets in proptest::collection::vec(
                (
                    prop_oneof![0usize..2_000, 0usize..200_000],
                    prop_oneof![-1_000i64..1_000, any::<i64>()],
                    0u32..4,
                ),
                0..400,
            )
        ) {
            let mut column = Column::default();
            let mut model = HashMap::new();
            for (subject, mantissa, scale) in sets {
                let Some(figure) = Packed::from_parts(mantissa, scale) else { continue };
                if figure == Packed::MISSING {
                    continue;
                }
                column.set(subject, figure);
                model.insert(subject, figure);
            }
            prop_assert_eq!(column.count, model.len());
            for (&subject, &figure) in &model {
                prop_assert_eq!(column.get(subject), figure);
            }
            column.shrink();
            for subject in (0..200_000).step_by(97).chain(model.keys().copied()) {
                prop_assert_eq!(column.get(subject), model.get(&subject).copied().unwrap_or(Packed::MISSING));
            }
        }
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
            let name = name.as_bytes();
            assert_eq!(ids.key_hashed(id_hash(name), name), *key);
            assert_eq!(ids.name(*key).as_bytes(), name);
        }
        ids.warm(&[0, u64::MAX, id_hash(b"c000001")]);
        assert_eq!(ids.len(), 5_000);
    }

    #[test]
    fn positions_by_hash_keep_the_first_position() {
        let mut table = PositionsByHash::default();
        assert_eq!(table.get(7 << 32), None);
        table.warm(&[7 << 32]);
        // Tags (the high 32 bits) that share their low bits, and so their first slot.
        let hash = |n: u64| (n * 64) << 32;
        for position in 0..1_000u32 {
            assert_eq!(
                table.first_or_insert(hash(u64::from(position)), position),
                None
            );
        }
        assert_eq!(table.first_or_insert(hash(1), 5_000), Some(1));
        // Only the tag counts.
        assert_eq!(table.first_or_insert(hash(2) | 123, 5_000), Some(2));
        assert_eq!(table.first_or_insert(hash(1_000), 5_001), None);
        assert_eq!(table.get(hash(999)), Some(999));
        assert_eq!(table.get(hash(1_000)), Some(5_001));
        assert_eq!(table.get(3 << 32), None);
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

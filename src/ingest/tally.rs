//! Per-input accumulators: what one block, one file or one export adds up to. Keys are byte
//! strings so that the per-row path looks groups up without allocating.

use crate::error::RowError;
use crate::model::{Day, Overflow};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// Hash maps of the per-row path. foldhash instead of std's SipHash: the keys come from the
/// user's own files, so resistance to hash flooding buys nothing, and SipHash was a visible
/// share of the per-row time.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Separates the values inside a group key. A control character no export uses.
pub const KEY_SEPARATOR: u8 = 0x1f;

/// An exact running sum whose overflow verdict does not depend on the order of additions:
/// charges (positive amounts) and credits (negative amounts) are summed apart as 128-bit
/// integers at the finest scale seen, and the 28-digit limit of `Decimal` is checked once, on
/// the net (`value`). Each side only grows, so it overflows 128 bits in some order of
/// additions iff it does in every order; blocks merged as they finish (in any order) give the
/// verdict, and the figure, of one sequential fold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exact {
    up: i128,
    down: i128,
    /// The scale of `up` and `down`: the finest of the terms without their trailing zeros.
    scale: u32,
    /// The finest scale of the terms as written: the scale of the result when it fits.
    shown: u32,
}

fn power_of_ten(exponent: u32) -> Result<i128, Overflow> {
    10i128.checked_pow(exponent).ok_or(Overflow)
}

impl Exact {
    fn rescale(&mut self, scale: u32) -> Result<(), Overflow> {
        if scale > self.scale {
            let factor = power_of_ten(scale - self.scale)?;
            self.up = self.up.checked_mul(factor).ok_or(Overflow)?;
            self.down = self.down.checked_mul(factor).ok_or(Overflow)?;
            self.scale = scale;
        }
        Ok(())
    }

    pub fn add(&mut self, value: Decimal) -> Result<(), Overflow> {
        self.shown = self.shown.max(value.scale());
        // Trailing zeros are not digits: `1.000…0` (28 places) adds as 1.
        let value = if value.scale() > 0 && value.mantissa() % 10 == 0 {
            value.normalize()
        } else {
            value
        };
        self.rescale(value.scale())?;
        let mut mantissa = value.mantissa();
        if value.scale() < self.scale {
            mantissa = mantissa
                .checked_mul(power_of_ten(self.scale - value.scale())?)
                .ok_or(Overflow)?;
        }
        let side = if mantissa < 0 {
            &mut self.down
        } else {
            &mut self.up
        };
        *side = side.checked_add(mantissa).ok_or(Overflow)?;
        Ok(())
    }

    pub fn merge(&mut self, other: &Exact) -> Result<(), Overflow> {
        let mut other = *other;
        self.shown = self.shown.max(other.shown);
        let scale = self.scale.max(other.scale);
        self.rescale(scale)?;
        other.rescale(scale)?;
        self.up = self.up.checked_add(other.up).ok_or(Overflow)?;
        self.down = self.down.checked_add(other.down).ok_or(Overflow)?;
        Ok(())
    }

    /// The net sum, at the finest scale of its terms as written (fewer places only when
    /// trailing zeros must go to fit); an error when it needs more than 28 significant digits.
    pub fn value(&self) -> Result<Decimal, Overflow> {
        // Opposite signs: the net cannot overflow.
        let net = self.up + self.down;
        for scale in (self.scale..=self.shown.max(self.scale)).rev() {
            let padded = power_of_ten(scale - self.scale)
                .ok()
                .and_then(|factor| net.checked_mul(factor));
            if let Some(value) =
                padded.and_then(|padded| Decimal::try_from_i128_with_scale(padded, scale).ok())
            {
                return Ok(value);
            }
        }
        let (mut net, mut scale) = (net, self.scale);
        loop {
            if scale == 0 || net % 10 != 0 {
                return Err(Overflow);
            }
            net /= 10;
            scale -= 1;
            if let Ok(value) = Decimal::try_from_i128_with_scale(net, scale) {
                return Ok(value);
            }
        }
    }
}

/// Exact sums of one group on one day, while inputs are read (see `Exact`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub quantity: Exact,
    pub cost: Exact,
    pub rows: u64,
}

impl Sums {
    pub fn add(&mut self, quantity: Decimal, cost: Decimal) -> Result<(), Overflow> {
        self.quantity.add(quantity)?;
        self.cost.add(cost)?;
        self.rows += 1;
        Ok(())
    }

    pub fn merge(&mut self, other: &Sums) -> Result<(), Overflow> {
        self.quantity.merge(&other.quantity)?;
        self.cost.merge(&other.cost)?;
        self.rows += other.rows;
        Ok(())
    }
}

/// The final sums of one group on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub quantity: Decimal,
    pub cost: Decimal,
    pub rows: u64,
}

/// Rows of one day: how many parsed, and how many of those passed the range and filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRows {
    pub valid: u64,
    pub passing: u64,
}

/// How many skipped rows' errors are kept in memory (for stderr); the rest are counted.
pub const REJECTS_SAMPLE: usize = 100;

/// Rows `--skip-bad-rows` left out. A block holds its own (a block is bounded); an input folds
/// its blocks' in as they are merged, in row order: counted, their readable costs summed, the
/// first [`REJECTS_SAMPLE`] errors kept, and, when the run writes `rejects.csv`, each written as
/// a `rejects.csv` row to an anonymous temporary file. Memory stays flat however many rows are
/// bad; the temporary files take about as much disk as `rejects.csv` will.
#[derive(Debug, Default)]
pub struct Rejects {
    /// Rows not folded in yet (a block's, or the last few token records'), in row order.
    pub(crate) held: Vec<Reject>,
    /// Write folded rows to temporary files (only a run with `--out` lists them).
    spill: bool,
    rows: u64,
    cost: Exact,
    rows_with_cost: u64,
    /// Some cost sum would have lost digits: the sum is not shown.
    inexact: bool,
    /// The currency of the readable costs, while they share one.
    currency: Option<Box<str>>,
    /// Readable costs in several currencies: no sum is shown.
    mixed: bool,
    sample: Vec<RowError>,
    /// `rejects.csv` rows of the rows folded in, in row order: finished files first.
    spills: Vec<std::fs::File>,
    writer: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
    /// Why writing a temporary file failed (the run then stops before writing outputs).
    spill_error: Option<String>,
}

impl Rejects {
    /// Rejects whose rows are written out for `rejects.csv` (`spill`) or only counted.
    pub fn new(spill: bool) -> Rejects {
        Rejects {
            spill,
            ..Rejects::default()
        }
    }

    /// Holds one more row (later than every row held or folded in).
    pub fn push(&mut self, reject: Reject) {
        self.held.push(reject);
    }

    /// Folds the held rows in when there are many (for inputs that are not read in blocks).
    pub fn fold_if_large(&mut self) {
        if self.held.len() >= 4096 {
            self.fold_held();
        }
    }

    fn fold_held(&mut self) {
        for reject in std::mem::take(&mut self.held) {
            self.fold(reject);
        }
    }

    fn fold(&mut self, reject: Reject) {
        self.rows += 1;
        if let Some((cost, currency)) = &reject.cost {
            self.rows_with_cost += 1;
            self.inexact |= self.cost.add(*cost).is_err();
            self.note_currency(currency);
        }
        if self.spill
            && self.spill_error.is_none()
            && let Err(error) = self.write(&reject)
        {
            self.spill_error = Some(error.to_string());
        }
        if self.sample.len() < REJECTS_SAMPLE {
            self.sample.push(reject.error);
        }
    }

    fn note_currency(&mut self, currency: &str) {
        match &self.currency {
            Some(seen) if &**seen != currency => self.mixed = true,
            Some(_) => {}
            None => self.currency = Some(currency.into()),
        }
    }

    fn write(&mut self, reject: &Reject) -> Result<(), csv::Error> {
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => self.writer.insert(
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(std::io::BufWriter::with_capacity(
                        1 << 16,
                        tempfile::tempfile()?,
                    )),
            ),
        };
        let error = &reject.error;
        writer.write_record([
            error.location.source.as_str(),
            &error.location.place(),
            error.column.as_deref().unwrap_or(""),
            error.value.as_deref().unwrap_or(""),
            &error.reason,
            &reject.record,
        ])
    }

    /// Ends the file being written, so that every row folded in is in `spills`.
    fn finish_writer(&mut self) {
        if let Some(writer) = self.writer.take() {
            match writer.into_inner() {
                Ok(buffered) => match buffered.into_inner() {
                    Ok(file) => self.spills.push(file),
                    Err(error) => self.spill_error = Some(error.error().to_string()),
                },
                Err(error) => self.spill_error = Some(error.error().to_string()),
            }
        }
    }

    /// Folds `other` (the rows after this one's) in.
    pub fn append(&mut self, mut other: Rejects) {
        self.spill |= other.spill;
        self.fold_held();
        // What `other` folded in came before what it still holds.
        self.rows += other.rows;
        self.rows_with_cost += other.rows_with_cost;
        self.inexact |= other.inexact || self.cost.merge(&other.cost).is_err();
        self.mixed |= other.mixed;
        if let Some(currency) = other.currency.take() {
            self.note_currency(&currency);
        }
        let room = REJECTS_SAMPLE.saturating_sub(self.sample.len());
        self.sample.extend(other.sample.drain(..).take(room));
        if other.writer.is_some() || !other.spills.is_empty() {
            self.finish_writer();
            other.finish_writer();
            self.spills.append(&mut other.spills);
        }
        self.spill_error = self.spill_error.take().or(other.spill_error.take());
        for reject in other.held {
            self.fold(reject);
        }
    }

    /// Folds every held row in and ends the temporary file: called once an input is read.
    /// An error when a row could not be written out.
    pub fn seal(&mut self) -> Result<(), String> {
        self.fold_held();
        self.finish_writer();
        match &self.spill_error {
            Some(error) => Err(format!(
                "cannot keep the skipped rows for rejects.csv in a temporary file ({error}); \
                 free space where TMPDIR points, or set TMPDIR to a folder with room"
            )),
            None => Ok(()),
        }
    }

    /// How many rows were skipped (held or folded in).
    pub fn rows(&self) -> u64 {
        self.rows + self.held.len() as u64
    }

    /// The first skipped rows' errors (of those folded in), at most [`REJECTS_SAMPLE`].
    pub fn sample(&self) -> &[RowError] {
        &self.sample
    }

    /// The sum of the readable costs (of the rows folded in) and how many rows it covers;
    /// `None` for the sum when it would not be exact.
    pub fn cost(&self) -> (Option<Exact>, u64) {
        let cost = (!self.inexact).then_some(self.cost);
        (cost, self.rows_with_cost)
    }

    /// The currency of the readable costs: `Ok(None)` when there are none, `Err(())` when they
    /// are in several currencies (and so have no sum).
    pub fn currency(&self) -> Result<Option<&str>, ()> {
        if self.mixed {
            Err(())
        } else {
            Ok(self.currency.as_deref())
        }
    }

    /// Copies the `rejects.csv` rows (without a header) of a sealed input to `out`.
    pub fn copy_rows(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        for file in &self.spills {
            let mut file: &std::fs::File = file;
            file.seek(SeekFrom::Start(0))?;
            std::io::copy(&mut file, out)?;
        }
        Ok(())
    }
}

/// A row that was skipped under `--skip-bad-rows`, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub error: RowError,
    /// The row as CSV text, for `rejects.csv`.
    pub record: String,
    /// Its cost and currency, when both could be read (what the skipped row would have
    /// added, whatever its day or filters).
    pub cost: Option<(Decimal, Box<str>)>,
}

/// Most distinct values of one filtered field a `FilterProbe` keeps for its hints.
pub const PROBE_VALUES: usize = 256;

/// What the filters met among the rows in range, each filter judged alone: kept only when a
/// filter is set, and bounded, so that an empty result can say which filter matched nothing
/// and which values were there instead.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FilterProbe {
    /// Per filter value given (`Filters::items` order): a row in range holds it.
    pub matched: Vec<bool>,
    /// Per filtered field (`Filters::fields` order): distinct values of the rows in range, at
    /// most `PROBE_VALUES`.
    pub values: Vec<BTreeSet<String>>,
    /// Per filtered field: more values were seen than kept.
    pub truncated: Vec<bool>,
}

impl FilterProbe {
    /// Notes one row in range. `tag` gives a row's tag value. Values are compared as the
    /// filters compare them: ASCII case-insensitively, tags exactly.
    pub fn observe<E>(
        &mut self,
        filters: &crate::config::Filters,
        sku: &str,
        projects: [&str; 2],
        service: &str,
        mut tag: impl FnMut(&str) -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        if self.matched.is_empty() {
            let fields = filters.fields().len();
            self.matched = vec![false; filters.items().len()];
            self.values = vec![BTreeSet::new(); fields];
            self.truncated = vec![false; fields];
        }
        let (mut item, mut field) = (0, 0);
        for (wanted, candidates) in [
            (&filters.skus, &[sku, ""]),
            (&filters.projects, &projects),
            (&filters.services, &[service, ""]),
        ] {
            if wanted.is_empty() {
                continue;
            }
            for (n, w) in wanted.iter().enumerate() {
                if candidates
                    .iter()
                    .any(|c| !c.is_empty() && c.eq_ignore_ascii_case(w))
                {
                    self.matched[item + n] = true;
                }
            }
            for candidate in candidates.iter().filter(|c| !c.is_empty()) {
                self.keep(field, candidate);
            }
            item += wanted.len();
            field += 1;
        }
        let mut tag_keys: Vec<&str> = Vec::new();
        for (n, (key, wanted)) in filters.tags.iter().enumerate() {
            let value = tag(key)?;
            if value.as_deref() == Some(wanted.as_str()) {
                self.matched[item + n] = true;
            }
            let tag_field = match tag_keys.iter().position(|k| k == key) {
                Some(position) => field + position,
                None => {
                    tag_keys.push(key);
                    field + tag_keys.len() - 1
                }
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                self.keep(tag_field, &value);
            }
        }
        Ok(())
    }

    fn keep(&mut self, field: usize, value: &str) {
        let values = &mut self.values[field];
        if values.contains(value) {
            return;
        }
        if values.len() < PROBE_VALUES {
            values.insert(value.to_string());
        } else {
            self.truncated[field] = true;
        }
    }

    /// Folds another block's or input's probe into this one.
    pub fn merge(&mut self, other: &FilterProbe) {
        if other.matched.is_empty() {
            return;
        }
        if self.matched.is_empty() {
            *self = other.clone();
            return;
        }
        for (mine, theirs) in self.matched.iter_mut().zip(&other.matched) {
            *mine |= theirs;
        }
        for (field, values) in other.values.iter().enumerate() {
            self.truncated[field] |= other.truncated[field];
            for value in values {
                self.keep(field, value);
            }
        }
    }
}

/// What a block, a file or an export adds up to.
#[derive(Debug, Default)]
pub struct Tally {
    pub rows_read: u64,
    pub days: FastMap<Day, DayRows>,
    /// `day (4 bytes) ++ group values` → sums, for rows that passed the range and filters.
    pub groups: FastMap<Box<[u8]>, Sums>,
    /// (day, project, service, sku, region, resource) over all valid rows: the keys by which
    /// two billed inputs overlap.
    pub overlap_keys: OverlapKeys,
    pub rejects: Rejects,
    /// The first bad row, when the run stops at it (no `--skip-bad-rows`).
    pub first_error: Option<RowError>,
    /// A sum would have lost digits: the run must stop.
    pub overflow: bool,
    /// A block cut by quote parity held a quote the fast splitter does not read: its bounds
    /// may be wrong, and the input must be read again with exact boundaries.
    pub needs_exact: bool,
    /// Rows counted elsewhere already (token records repeating a response id).
    pub superseded: u64,
    /// Warnings for the terminal, such as repeated response ids.
    pub warnings: Vec<String>,
    /// Indexes into the rate card of the rates that priced a row.
    pub rates_used: BTreeSet<usize>,
    /// What the filters met in range (empty without filters).
    pub probe: FilterProbe,
    /// The physical lines a CSV block holds (its line ends), counted by the worker that read
    /// it; the lines of its errors count from the block's first byte until `place_lines`.
    pub lines: u64,
    /// With `ScanPlan::export`: the rows that passed, in input order, until handed out.
    pub exported: Vec<ExportRow>,
}

/// One normalized row, as `tally export` writes it: the values the per-row path reads, after
/// FOCUS nulls, fallback chains and the UTC day. Empty texts are "no value".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportRow {
    pub day: Day,
    /// The line of a CSV record (its first line), or the row number in a Parquet row group.
    pub line: u64,
    /// The Parquet row group (1-based), for a Parquet input.
    pub row_group: Option<u64>,
    /// The project as reports show it: the name, else the ID.
    pub project: String,
    /// The project ID column, which `--project` also matches.
    pub project_id: String,
    pub service: String,
    pub sku: String,
    pub region: String,
    pub resource: String,
    /// `None` when the row has no quantity (a report counts 0).
    pub quantity: Option<Decimal>,
    pub unit: String,
    pub cost: Decimal,
    pub currency: String,
    /// The first non-null tag column's text, as written (`k=v;k=v` or a JSON object).
    pub tags: String,
}

impl Tally {
    /// The tally of one input read with `plan`.
    pub fn for_input(plan: &crate::config::ScanPlan) -> Tally {
        Tally {
            rejects: Rejects::new(plan.spill_rejects),
            ..Tally::default()
        }
    }

    /// Folds another tally (a later or earlier block of the same input) into this one.
    pub fn merge(&mut self, other: Tally) {
        self.rows_read += other.rows_read;
        for (day, rows) in other.days {
            let entry = self.days.entry(day).or_default();
            entry.valid += rows.valid;
            entry.passing += rows.passing;
        }
        for (key, sums) in other.groups {
            match self.groups.get_mut(&key) {
                Some(existing) => {
                    if existing.merge(&sums).is_err() {
                        self.overflow = true;
                    }
                }
                None => {
                    self.groups.insert(key, sums);
                }
            }
        }
        self.overlap_keys.merge(other.overlap_keys);
        self.rejects.append(other.rejects);
        self.first_error = match (self.first_error.take(), other.first_error) {
            (Some(a), Some(b)) => Some(if b.location < a.location { b } else { a }),
            (a, b) => a.or(b),
        };
        self.overflow |= other.overflow;
        self.needs_exact |= other.needs_exact;
        self.superseded += other.superseded;
        self.warnings.extend(other.warnings);
        self.rates_used.extend(other.rates_used);
        self.probe.merge(&other.probe);
        self.exported.extend(other.exported);
        self.lines += other.lines;
    }

    /// Turns the block-relative lines of a block's errors (its first byte on line 0) into
    /// physical lines, the block starting on `first_line`. Called by the merge in file order,
    /// the only place that knows how many lines the blocks before held, before the block's
    /// rejects are folded in (and its exported rows handed out).
    pub fn place_lines(&mut self, first_line: u64) {
        let held = self.rejects.held.iter_mut().map(|reject| &mut reject.error);
        for error in held.chain(self.first_error.as_mut()) {
            error.location.line += first_line;
        }
        for row in &mut self.exported {
            row.line += first_line;
        }
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rejects.rows()
    }
}

/// Encodes a day as 4 big-endian bytes, so keys sort by day first.
pub fn day_bytes(day: Day) -> [u8; 4] {
    use chrono::Datelike;
    // Offset keeps the sign bit clear for any day chrono can hold.
    ((day.num_days_from_ce() as i64 + (1 << 30)) as u32).to_be_bytes()
}

pub fn day_from_bytes(bytes: [u8; 4]) -> Day {
    let days = i64::from(u32::from_be_bytes(bytes)) - (1 << 30);
    Day::from_num_days_from_ce_opt(days as i32).unwrap_or_default()
}

/// The set of (day, combination) keys of one input, where a combination is the bytes of
/// `project, service, sku, region, resource`, each followed by `KEY_SEPARATOR`.
///
/// An input repeats few combinations over many days, so each distinct combination is stored
/// once and numbered, and a key is 8 bytes: the day's `day_bytes` in the high half, the
/// combination's number in the low half. Keys are equal exactly when their day and
/// combination bytes are; numbers are local to one set (`merge` renumbers).
#[derive(Default)]
pub struct OverlapKeys {
    /// The combinations, one after another, in the order they were numbered.
    bytes: Vec<u8>,
    /// Where each combination ends in `bytes`, by number.
    ends: Vec<usize>,
    /// Combination numbers, found by the combination's bytes.
    ids: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    keys: FastSet<u64>,
}

impl std::fmt::Debug for OverlapKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverlapKeys")
            .field("combinations", &self.ends.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl OverlapKeys {
    /// Adds a key; allocates only for a combination not seen before (or to grow the set).
    pub fn insert(&mut self, day: Day, combination: &[u8]) {
        let id = self.intern(combination);
        self.keys.insert(pack(day, id));
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether `day` and `combination` are a key.
    #[cfg(test)]
    pub fn contains(&self, day: Day, combination: &[u8]) -> bool {
        self.find(combination)
            .is_some_and(|id| self.keys.contains(&pack(day, id)))
    }

    /// Every key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (Day, &[u8])> {
        self.keys.iter().map(|&key| {
            let (day, id) = unpack(key);
            (day, self.combination(id))
        })
    }

    /// The keys both sets hold, in no particular order.
    pub fn shared<'a>(&'a self, other: &'a OverlapKeys) -> impl Iterator<Item = (Day, &'a [u8])> {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        // The small set's numbers, as the large set numbers the same combinations.
        let numbers: Vec<Option<u32>> = (0..small.ends.len() as u32)
            .map(|id| large.find(small.combination(id)))
            .collect();
        small.keys.iter().filter_map(move |&key| {
            let (day, id) = unpack(key);
            let theirs = numbers[id as usize]?;
            large
                .keys
                .contains(&pack(day, theirs))
                .then(|| (day, small.combination(id)))
        })
    }

    /// Adds another set's keys (of another block of the same input).
    pub fn merge(&mut self, other: OverlapKeys) {
        if self.ends.is_empty() {
            *self = other;
            return;
        }
        let numbers: Vec<u32> = (0..other.ends.len() as u32)
            .map(|id| self.intern(other.combination(id)))
            .collect();
        self.keys.reserve(other.keys.len());
        for key in other.keys {
            let (day, id) = unpack(key);
            self.keys.insert(pack(day, numbers[id as usize]));
        }
    }

    fn combination(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.bytes[start..self.ends[id]]
    }

    fn find(&self, combination: &[u8]) -> Option<u32> {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(combination);
        self.ids
            .find(hash, |&id| self.combination(id) == combination)
            .copied()
    }

    /// The number of `combination`, numbering it when it is new.
    fn intern(&mut self, combination: &[u8]) -> u32 {
        use std::hash::BuildHasher;
        if let Some(id) = self.find(combination) {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("fewer than 2^32 combinations");
        self.bytes.extend_from_slice(combination);
        self.ends.push(self.bytes.len());
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        let hash = hasher.hash_one(combination);
        self.ids.insert_unique(hash, id, |&id| {
            let id = id as usize;
            let start = if id == 0 { 0 } else { ends[id - 1] };
            hasher.hash_one(&bytes[start..ends[id]])
        });
        id
    }
}

fn pack(day: Day, id: u32) -> u64 {
    (u64::from(u32::from_be_bytes(day_bytes(day))) << 32) | u64::from(id)
}

fn unpack(key: u64) -> (Day, u32) {
    (
        day_from_bytes(((key >> 32) as u32).to_be_bytes()),
        key as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use std::str::FromStr;

    fn reject(line: u64, cost: Option<&str>) -> Reject {
        Reject {
            error: RowError {
                location: Location {
                    source: "f.csv".to_string(),
                    row_group: None,
                    line,
                },
                column: Some("Quantity".to_string()),
                value: Some("x".to_string()),
                reason: "is not a number".to_string(),
            },
            record: format!("row {line}"),
            cost: cost.map(|c| (Decimal::from_str(c).unwrap(), "USD".into())),
        }
    }

    /// Blocks appended in file order, some already folded into their own spill (a zip
    /// member), keep row order in the rows written, the sample and the count.
    #[test]
    fn rejects_appended_in_order_keep_row_order_count_and_cost() {
        let mut input = Rejects::new(true);
        let mut line = 1;
        let mut block = |rows: u64, input: &mut Rejects| {
            let mut part = Rejects::default();
            for _ in 0..rows {
                line += 1;
                part.push(reject(line, (line % 2 == 0).then_some("0.10")));
            }
            input.append(part);
        };
        block(3, &mut input);
        block(150, &mut input);
        let mut member = Rejects::new(true);
        block(2, &mut member);
        member.seal().unwrap();
        input.append(member);
        block(1, &mut input);
        input.seal().unwrap();

        assert_eq!(input.rows(), 156);
        let sampled: Vec<u64> = input.sample().iter().map(|e| e.location.line).collect();
        assert_eq!(sampled, (2..102).collect::<Vec<u64>>());
        // Lines 2, 4, …, 156 have a cost of 0.10: 78 rows, 7.80.
        let (cost, with_cost) = input.cost();
        assert_eq!(with_cost, 78);
        assert_eq!(cost.unwrap().value().unwrap().to_string(), "7.80");
        let mut text = Vec::new();
        input.copy_rows(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        let lines: Vec<u64> = text
            .lines()
            .map(|row| row.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(lines, (2..158).collect::<Vec<u64>>());
        assert!(text.starts_with("f.csv,2,Quantity,x,is not a number,row 2\n"));
    }

    /// Without `--out` nothing is written: rows are counted and sampled only.
    #[test]
    fn rejects_without_spill_count_and_sample_only() {
        let mut input = Rejects::new(false);
        let mut part = Rejects::default();
        part.push(reject(2, Some("1.5")));
        input.append(part);
        input.seal().unwrap();
        assert_eq!(input.rows(), 1);
        let mut text = Vec::new();
        input.copy_rows(&mut text).unwrap();
        assert!(text.is_empty());
        assert_eq!(input.cost().0.unwrap().value().unwrap().to_string(), "1.5");
    }

    #[test]
    fn overlap_keys_merged_from_blocks_keep_their_identity() {
        let day = |s: &str| Day::from_str(s).unwrap();
        let mut first = OverlapKeys::default();
        first.insert(day("2026-10-01"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f");
        first.insert(day("2026-10-02"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f");
        let mut second = OverlapKeys::default();
        // Numbered 0 here, 1 in `first`.
        second.insert(day("2026-10-03"), b"q\x1fdb\x1fS1\x1fr\x1f\x1f");
        second.insert(day("2026-10-01"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f");
        second.insert(day("2026-10-01"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f");
        first.merge(second);
        assert_eq!(first.len(), 3);
        assert!(first.contains(day("2026-10-03"), b"q\x1fdb\x1fS1\x1fr\x1f\x1f"));
        assert!(!first.contains(day("2026-10-03"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f"));
        assert!(!first.contains(day("2026-10-01"), b"p\x1fdb\x1fS1\x1fr2\x1f\x1f"));

        let mut other = OverlapKeys::default();
        other.insert(day("2026-10-02"), b"x\x1f\x1f\x1f\x1f\x1f");
        other.insert(day("2026-10-03"), b"q\x1fdb\x1fS1\x1fr\x1f\x1f");
        other.insert(day("2026-10-02"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f");
        let mut shared: Vec<(Day, &[u8])> = first.shared(&other).collect();
        shared.sort();
        let expected: Vec<(Day, &[u8])> = vec![
            (day("2026-10-02"), b"p\x1fdb\x1fS1\x1fr\x1f\x1f"),
            (day("2026-10-03"), b"q\x1fdb\x1fS1\x1fr\x1f\x1f"),
        ];
        assert_eq!(shared, expected);
        assert_eq!(other.shared(&first).count(), 2);
    }

    #[test]
    fn day_bytes_round_trip_and_sort() {
        let a = Day::from_str("2024-09-30").unwrap();
        let b = Day::from_str("2026-10-01").unwrap();
        assert_eq!(day_from_bytes(day_bytes(a)), a);
        assert!(day_bytes(a) < day_bytes(b));
    }

    #[test]
    fn merge_adds_sums_and_keeps_the_earliest_error() {
        let key: Box<[u8]> = b"k".to_vec().into_boxed_slice();
        let mut first = Tally::default();
        let mut sums = Sums::default();
        sums.add(Decimal::ONE, Decimal::from_str("0.10").unwrap())
            .unwrap();
        first.groups.insert(key.clone(), sums);
        let error = |line| RowError {
            location: Location {
                source: "f.csv".into(),
                row_group: None,
                line,
            },
            column: None,
            value: None,
            reason: "bad".into(),
        };
        first.first_error = Some(error(9));
        let mut second = Tally::default();
        let mut sums = Sums::default();
        sums.add(Decimal::ONE, Decimal::from_str("0.2").unwrap())
            .unwrap();
        sums.add(Decimal::ONE, Decimal::from_str("0.005").unwrap())
            .unwrap();
        second.groups.insert(key.clone(), sums);
        second.first_error = Some(error(4));
        first.merge(second);
        let sums = first.groups[&key];
        assert_eq!(
            sums.cost.value().unwrap(),
            Decimal::from_str("0.305").unwrap()
        );
        assert_eq!(
            (sums.quantity.value().unwrap(), sums.rows),
            (Decimal::from(3), 3)
        );
        assert_eq!(first.first_error.unwrap().location.line, 4);
    }

    #[test]
    fn exact_sums_have_one_verdict_in_every_order() {
        let big = Decimal::from_str("70000000000000000000000000000").unwrap();
        let tiny = Decimal::from_str("0.00001").unwrap();
        let terms = [big, big, -big, tiny, -tiny];
        // Every order of the five terms, one at a time and merged pairwise.
        let mut orders: Vec<Vec<usize>> = vec![vec![]];
        for _ in 0..terms.len() {
            let mut longer = Vec::new();
            for order in &orders {
                for i in (0..terms.len()).filter(|i| !order.contains(i)) {
                    longer.push([order.clone(), vec![i]].concat());
                }
            }
            orders = longer;
        }
        for order in orders {
            let mut folded = Exact::default();
            let mut halves = [Exact::default(), Exact::default()];
            for (n, &i) in order.iter().enumerate() {
                folded.add(terms[i]).unwrap();
                halves[n % 2].add(terms[i]).unwrap();
            }
            halves[1].merge(&halves[0].clone()).unwrap();
            assert_eq!(folded.value().unwrap(), big);
            assert_eq!(halves[1].value().unwrap(), big);
        }
        // The net itself past 28 digits is refused whatever the order.
        let mut sum = Exact::default();
        sum.add(big).unwrap();
        sum.add(big).unwrap();
        assert_eq!(sum.value(), Err(Overflow));
        // Trailing zeros of the finest scale go when they must.
        let mut padded = Exact::default();
        padded
            .add(Decimal::from_str("5.0000000000000000000000000000").unwrap())
            .unwrap();
        padded
            .add(Decimal::from_str("5.0000000000000000000000000000").unwrap())
            .unwrap();
        assert_eq!(padded.value().unwrap(), Decimal::from(10));
    }
}

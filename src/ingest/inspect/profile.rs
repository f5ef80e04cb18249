//! The profile of one input: what its rows hold, built one record at a time. Memory does not
//! grow with rows: days live in a bitset bounded by the calendar, and every collection of
//! distinct values keeps at most `VALUES_KEPT` values (the rest are counted as "other").
//!
//! The profiler takes a header and text records with their places, however they were read:
//! CSV blocks (lines), or Parquet rows (row group and row) handed to a [`Profiler`] one at a
//! time.

use super::super::columns::{CsvKind, Schema};
use super::super::row::{charge_period_days, find_tag};
use super::focus::{FocusVersion, focus_version};
use crate::config::CostColumn;
use crate::error::{Location, RowError};
use crate::model::{Day, exact_add};
use crate::primitives::date::{DateFormat, parse_day_as, parse_instant_as};
use chrono::Datelike;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

/// Distinct values kept with their own counts (currencies, charge categories, models).
pub const VALUES_KEPT: usize = 50;
/// Values beyond `VALUES_KEPT` remembered only to count how many distinct ones there were.
const OTHER_DISTINCT_KEPT: usize = 1000;
/// Bad rows kept with their location and reason; the rest are only counted.
pub const BAD_ROWS_KEPT: usize = 5;

/// One record handed to the profiler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextRecord {
    /// The record's fields as text. `line` is the physical line it starts on, the header
    /// being line 1; in a Parquet file `row_group` is the row group (from 1) and `line` the
    /// row within it (from 1), as in [`Location`].
    Fields {
        row_group: Option<u64>,
        line: u64,
        fields: Vec<String>,
    },
    /// A record that could not be read as text: a bad row.
    Unreadable {
        row_group: Option<u64>,
        line: u64,
        column: Option<usize>,
        value: Option<String>,
        reason: String,
    },
}

/// An exact sum that remembers that it overflowed instead of losing digits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Money {
    pub value: Decimal,
    /// A sum exceeded the 28 significant digits kept exactly; `value` is then meaningless.
    pub overflow: bool,
}

impl Money {
    pub fn add(&mut self, amount: Decimal) {
        if self.overflow {
            return;
        }
        match exact_add(self.value, amount) {
            Ok(sum) => self.value = sum,
            Err(_) => self.overflow = true,
        }
    }

    fn merge(&mut self, other: Money) {
        if other.overflow {
            self.overflow = true;
        } else {
            self.add(other.value);
        }
    }

    /// The sum, or `None` after an overflow.
    pub fn exact(&self) -> Option<Decimal> {
        (!self.overflow).then_some(self.value)
    }
}

/// Rows and (where it applies) the cost of one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stat {
    pub rows: u64,
    pub cost: Money,
}

/// Values beyond the kept ones: their rows, and how many distinct values they were (counted
/// exactly up to a bound).
#[derive(Debug, Clone)]
pub struct Other<K> {
    pub rows: u64,
    seen: HashSet<K>,
    /// More distinct values than `OTHER_DISTINCT_KEPT` were seen.
    pub more: bool,
}

impl<K> Default for Other<K> {
    fn default() -> Self {
        Other {
            rows: 0,
            seen: HashSet::new(),
            more: false,
        }
    }
}

impl<K: Eq + Hash> Other<K> {
    /// Distinct values counted (a lower bound when `more`).
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }

    fn note(&mut self, key: K, rows: u64) {
        self.rows += rows;
        if !self.seen.contains(&key) {
            if self.seen.len() < OTHER_DISTINCT_KEPT {
                self.seen.insert(key);
            } else {
                self.more = true;
            }
        }
    }
}

/// Counts per distinct value, keeping the first `VALUES_KEPT` values seen.
#[derive(Debug, Clone)]
pub struct Counts<K> {
    pub values: BTreeMap<K, Stat>,
    pub other: Other<K>,
}

impl<K> Default for Counts<K> {
    fn default() -> Self {
        Counts {
            values: BTreeMap::new(),
            other: Other::default(),
        }
    }
}

impl<K: Ord + Eq + Hash + Clone> Counts<K> {
    /// One more row of `key`, without a cost.
    pub(super) fn add_row(&mut self, key: K) {
        self.add(key, None);
    }

    fn add(&mut self, key: K, cost: Option<Decimal>) {
        let stat = Stat {
            rows: 1,
            cost: Money {
                value: cost.unwrap_or_default(),
                overflow: false,
            },
        };
        self.add_stat(key, stat);
    }

    fn add_stat(&mut self, key: K, stat: Stat) {
        if let Some(kept) = self.values.get_mut(&key) {
            kept.rows += stat.rows;
            kept.cost.merge(stat.cost);
        } else if self.values.len() < VALUES_KEPT {
            self.values.insert(key, stat);
        } else {
            self.other.note(key, stat.rows);
        }
    }

    fn merge(&mut self, other: Counts<K>) {
        for (key, stat) in other.values {
            self.add_stat(key, stat);
        }
        // Values beyond the other side's kept ones stay "other" here.
        self.other.rows += other.other.rows;
        self.other.more |= other.other.more;
        for key in other.other.seen {
            self.other.note(key, 0);
        }
    }
}

/// UTC days with at least one good row, as a bitset over day numbers: at most one bit per
/// calendar day between the first and the last, whatever the number of rows.
#[derive(Debug, Clone, Default)]
pub struct DaySet {
    /// Day number (days from 0001-01-01) of bit 0 of `words[0]`; a multiple of 64.
    base: i64,
    words: Vec<u64>,
}

/// The days of a profile: the first and last, and what is missing between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySummary {
    pub first: Day,
    pub last: Day,
    pub with_rows: u64,
    /// The first missing ranges (inclusive), at most the number asked for.
    pub missing: Vec<(Day, Day)>,
    pub missing_ranges: u64,
    pub missing_days: u64,
}

impl DaySet {
    pub fn insert(&mut self, day: Day) {
        let number = i64::from(day.num_days_from_ce());
        let word_start = number.div_euclid(64) * 64;
        if self.words.is_empty() {
            self.base = word_start;
            self.words.push(0);
        } else if word_start < self.base {
            let extra = ((self.base - word_start) / 64) as usize;
            self.words.splice(0..0, std::iter::repeat_n(0, extra));
            self.base = word_start;
        }
        let index = ((number - self.base) / 64) as usize;
        if index >= self.words.len() {
            self.words.resize(index + 1, 0);
        }
        self.words[index] |= 1 << ((number - self.base) % 64);
    }

    fn contains_number(&self, number: i64) -> bool {
        if number < self.base {
            return false;
        }
        let index = ((number - self.base) / 64) as usize;
        self.words
            .get(index)
            .is_some_and(|word| word & (1 << ((number - self.base) % 64)) != 0)
    }

    fn numbers(&self) -> impl Iterator<Item = i64> + '_ {
        self.words.iter().enumerate().flat_map(move |(i, &word)| {
            (0..64)
                .filter(move |bit| word & (1u64 << bit) != 0)
                .map(move |bit| self.base + i as i64 * 64 + bit)
        })
    }

    fn merge(&mut self, other: &DaySet) {
        for number in other.numbers() {
            if let Some(day) = day_of(number) {
                self.insert(day);
            }
        }
    }

    /// First and last day and the missing ranges between them (the first `limit` listed).
    /// `None` when no day was seen.
    pub fn summary(&self, limit: usize) -> Option<DaySummary> {
        let first = self.numbers().next()?;
        let last = self.words.iter().enumerate().rev().find_map(|(i, &word)| {
            (word != 0).then(|| self.base + i as i64 * 64 + 63 - i64::from(word.leading_zeros()))
        })?;
        let mut summary = DaySummary {
            first: day_of(first)?,
            last: day_of(last)?,
            with_rows: self.words.iter().map(|w| u64::from(w.count_ones())).sum(),
            missing: Vec::new(),
            missing_ranges: 0,
            missing_days: 0,
        };
        let mut number = first;
        while number < last {
            if self.contains_number(number) {
                number += 1;
                continue;
            }
            let start = number;
            while !self.contains_number(number) {
                number += 1;
            }
            summary.missing_ranges += 1;
            summary.missing_days += (number - start) as u64;
            if summary.missing.len() < limit
                && let (Some(from), Some(to)) = (day_of(start), day_of(number - 1))
            {
                summary.missing.push((from, to));
            }
        }
        Some(summary)
    }
}

fn day_of(number: i64) -> Option<Day> {
    Day::from_num_days_from_ce_opt(i32::try_from(number).ok()?)
}

/// How a field is read from its candidate columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The first candidate with a value supplies the field.
    FirstNonNull,
    /// Every candidate is read (tag columns: each tag from the most specific column that has
    /// it).
    Each,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::FirstNonNull => "first-non-null",
            Rule::Each => "each",
        }
    }
}

/// Which columns give one field, and how often each did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldUse {
    pub field: &'static str,
    pub rule: Rule,
    /// Candidate columns in order, with the rows each supplied the value in (for `Each`: the
    /// rows in which it had a value).
    pub supplied: Vec<(String, u64)>,
    /// Rows in which no candidate had a value.
    pub none: u64,
    /// How the field is found when no column gives it, or another remark.
    pub note: Option<String>,
}

/// Bad rows: how many, and the first few with their place and reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRows {
    pub count: u64,
    pub first: Vec<RowError>,
}

impl BadRows {
    pub fn add(&mut self, error: RowError) {
        self.count += 1;
        if self.first.len() < BAD_ROWS_KEPT {
            self.first.push(error);
        }
    }

    fn merge(&mut self, other: BadRows) {
        self.count += other.count;
        for error in other.first {
            if self.first.len() < BAD_ROWS_KEPT {
                self.first.push(error);
            }
        }
    }
}

/// What one input (or one member of an export, or a whole export) holds.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The header as written (empty for token records).
    pub header: Vec<String>,
    /// FOCUS files: the version their columns show.
    pub focus_version: Option<FocusVersion>,
    pub fields: Vec<FieldUse>,
    /// Records read, bad ones included.
    pub rows: u64,
    pub bad: BadRows,
    /// Days of good rows.
    pub days: DaySet,
    /// Good rows and their exact cost per currency (CSV inputs).
    pub currencies: Counts<String>,
    /// FOCUS `ChargeCategory` values: rows and cost per (category, currency).
    pub charge_categories: Option<Counts<(String, String)>>,
    /// Token records: rows per endpoint and per model.
    pub endpoints: Option<Counts<String>>,
    pub models: Option<Counts<String>>,
    /// FOCUS files: good rows whose charge period (`ChargePeriodStart` to `ChargePeriodEnd`)
    /// touches more than one UTC day, with their cost per currency: what `--spread-charges`
    /// would spread.
    pub multi_day: Option<Counts<String>>,
    /// FOCUS files: good rows whose period `--spread-charges` would refuse (an end it cannot
    /// read, or more than a century after the start). Not bad rows: `report` without
    /// `--spread-charges` reads them.
    pub spread_refused: BadRows,
    /// Nulls per mapped column, in header order, over every record with the header's number
    /// of fields.
    pub nulls: Vec<(String, u64)>,
    /// Reading stopped here: the input could not be read to its end.
    pub read_error: Option<String>,
}

impl Profile {
    /// Adds another part of the same export.
    pub fn merge(&mut self, other: Profile) {
        if self.header.is_empty() {
            self.header = other.header.clone();
        }
        self.focus_version = match (self.focus_version.take(), other.focus_version) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for field in other.fields {
            match self.fields.iter_mut().find(|f| f.field == field.field) {
                Some(mine) => {
                    mine.none += field.none;
                    for (column, rows) in field.supplied {
                        match mine.supplied.iter_mut().find(|(c, _)| *c == column) {
                            Some((_, mine)) => *mine += rows,
                            None => mine.supplied.push((column, rows)),
                        }
                    }
                }
                None => self.fields.push(field),
            }
        }
        self.rows += other.rows;
        self.bad.merge(other.bad);
        self.days.merge(&other.days);
        self.currencies.merge(other.currencies);
        if let Some(theirs) = other.charge_categories {
            self.charge_categories
                .get_or_insert_with(Counts::default)
                .merge(theirs);
        }
        if let Some(theirs) = other.multi_day {
            self.multi_day
                .get_or_insert_with(Counts::default)
                .merge(theirs);
        }
        self.spread_refused.merge(other.spread_refused);
        for (mine, theirs) in [
            (&mut self.endpoints, other.endpoints),
            (&mut self.models, other.models),
        ] {
            if let Some(theirs) = theirs {
                mine.get_or_insert_with(Counts::default).merge(theirs);
            }
        }
        for (column, nulls) in other.nulls {
            match self.nulls.iter_mut().find(|(c, _)| *c == column) {
                Some((_, mine)) => *mine += nulls,
                None => self.nulls.push((column, nulls)),
            }
        }
        if self.read_error.is_none() {
            self.read_error = other.read_error;
        }
    }
}

/// One field's candidate columns (indexes into the header) and how they are read.
struct FieldSpec {
    field: &'static str,
    rule: Rule,
    columns: Vec<usize>,
    note: Option<String>,
}

/// The order of `Schema::sources`, for placing the fields it leaves out.
const FIELD_ORDER: &[&str] = &[
    "date", "date_end", "cost", "sku", "project", "service", "region", "resource", "quantity",
    "unit", "currency", "tags",
];

/// Each field's candidate columns in order, as the schema lists them, plus the fields of a
/// usage CSV that no column gives but that still have a value (service, currency).
fn field_specs(schema: &Schema) -> Vec<FieldSpec> {
    let index = |name: &str| schema.headers.iter().position(|h| h == name);
    let mut specs: Vec<FieldSpec> = schema
        .sources()
        .into_iter()
        .map(|(field, columns)| FieldSpec {
            field,
            rule: if field == "tags" {
                Rule::Each
            } else {
                Rule::FirstNonNull
            },
            columns: columns.iter().filter_map(|c| index(c)).collect(),
            note: None,
        })
        .collect();
    if schema.kind == CsvKind::Usage {
        for (field, note) in [
            ("service", "none: derived from the SKU"),
            ("currency", "none: USD"),
        ] {
            if specs.iter().all(|s| s.field != field) {
                specs.push(FieldSpec {
                    field,
                    rule: Rule::FirstNonNull,
                    columns: Vec::new(),
                    note: Some(note.to_string()),
                });
            }
        }
        // In the schema's order; a field it may add later goes last.
        let rank = |field: &str| {
            FIELD_ORDER
                .iter()
                .position(|f| *f == field)
                .unwrap_or(FIELD_ORDER.len())
        };
        specs.sort_by_key(|s| rank(s.field));
    }
    specs
}

/// Builds a profile from a header and its records, one at a time.
pub struct Profiler {
    source: String,
    schema: Schema,
    specs: Vec<FieldSpec>,
    /// Mapped columns (header order) whose nulls are counted.
    null_columns: Vec<usize>,
    charge_category: Option<usize>,
    /// `--date-format`: how `date` (and, for spans, `date_end`) is read.
    date_format: Option<DateFormat>,
    note: Option<String>,
    profile: Profile,
}

/// A finished profile and what the header was detected as.
pub struct Profiled {
    pub kind: CsvKind,
    /// Says when `--cost` did not apply (a usage CSV has one cost column).
    pub note: Option<String>,
    pub profile: Profile,
}

impl Profiler {
    /// Maps the header. The error says what the header lacks (and what it looks like).
    pub fn new(
        source: &str,
        headers: &[String],
        cost: CostColumn,
        date_format: Option<DateFormat>,
    ) -> Result<Profiler, String> {
        let (schema, note) = match Schema::detect(headers, cost) {
            Ok(schema) => (schema, None),
            Err(error) => match Schema::detect(headers, CostColumn::Billed) {
                // A usage CSV has one cost column, whatever --cost says.
                Ok(schema) if schema.kind == CsvKind::Usage => {
                    let column = headers[schema.cost].clone();
                    let note = format!(
                        "--cost {} applies to FOCUS files; this usage CSV's cost column \"{column}\" is read",
                        format!("{cost:?}").to_lowercase()
                    );
                    (schema, Some(note))
                }
                _ => return Err(describe_header_problem(headers, error)),
            },
        };
        let specs = field_specs(&schema);
        let mut null_columns: Vec<usize> = specs.iter().flat_map(|s| s.columns.clone()).collect();
        null_columns.sort_unstable();
        null_columns.dedup();
        let focus = schema.kind == CsvKind::Focus;
        let charge_category = if focus {
            schema.column("ChargeCategory")
        } else {
            None
        };
        let profile = Profile {
            header: headers.to_vec(),
            focus_version: focus.then(|| focus_version(headers)),
            fields: specs
                .iter()
                .map(|spec| FieldUse {
                    field: spec.field,
                    rule: spec.rule,
                    supplied: spec
                        .columns
                        .iter()
                        .map(|&i| (headers[i].clone(), 0))
                        .collect(),
                    none: 0,
                    note: spec.note.clone(),
                })
                .collect(),
            charge_categories: focus.then(Counts::default),
            multi_day: focus.then(Counts::default),
            nulls: null_columns
                .iter()
                .map(|&i| (headers[i].clone(), 0))
                .collect(),
            ..Profile::default()
        };
        Ok(Profiler {
            source: source.to_string(),
            schema,
            specs,
            null_columns,
            charge_category,
            date_format,
            note,
            profile,
        })
    }

    /// Reading stopped before the end: kept in the profile, which is still returned.
    pub fn stop(&mut self, error: String) {
        self.profile.read_error = Some(error);
    }

    pub fn finish(self) -> Profiled {
        Profiled {
            kind: self.schema.kind,
            note: self.note,
            profile: self.profile,
        }
    }

    fn row_error(
        &self,
        place: (Option<u64>, u64),
        column: Option<usize>,
        value: Option<String>,
        reason: String,
    ) -> RowError {
        let column = column.map(|i| {
            self.schema
                .headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("#{}", i + 1))
        });
        RowError {
            location: Location {
                row_group: place.0,
                source: self.source.clone(),
                line: place.1,
            },
            column,
            value,
            reason,
        }
    }

    fn bad(
        &mut self,
        place: (Option<u64>, u64),
        column: Option<usize>,
        value: Option<String>,
        reason: String,
    ) {
        let error = self.row_error(place, column, value, reason);
        self.profile.bad.add(error);
    }

    pub fn add(&mut self, record: TextRecord) {
        self.profile.rows += 1;
        let (place, fields) = match record {
            TextRecord::Fields {
                row_group,
                line,
                fields,
            } => ((row_group, line), fields),
            TextRecord::Unreadable {
                row_group,
                line,
                column,
                value,
                reason,
            } => return self.bad((row_group, line), column, value, reason),
        };
        let expected = self.schema.headers.len();
        if fields.len() != expected {
            let reason = format!(
                "has {} fields; expected {expected} as in the header",
                fields.len()
            );
            return self.bad(place, None, None, reason);
        }
        let focus = self.schema.kind == CsvKind::Focus;
        // FOCUS: the rule report reads by (`NULL` in any case, or only white space); usage
        // CSVs: empty only.
        let is_null = |text: &str| {
            if focus {
                super::super::row::is_null(text.as_bytes())
            } else {
                text.trim_ascii().is_empty()
            }
        };
        // The trimmed value of a column, "" for a null.
        let value = |index: usize| -> &str {
            let text = fields[index].trim_ascii();
            if is_null(text) { "" } else { text }
        };
        for (slot, &index) in self.null_columns.iter().enumerate() {
            if is_null(&fields[index]) {
                self.profile.nulls[slot].1 += 1;
            }
        }
        for (spec, usage) in self.specs.iter().zip(&mut self.profile.fields) {
            let mut any = false;
            for (slot, &index) in spec.columns.iter().enumerate() {
                if !is_null(&fields[index]) {
                    usage.supplied[slot].1 += 1;
                    any = true;
                    if spec.rule == Rule::FirstNonNull {
                        break;
                    }
                }
            }
            if !any {
                usage.none += 1;
            }
        }

        let schema = &self.schema;
        let date_format = self.date_format.as_ref();
        let problem =
            |index: usize, reason: String| (Some(index), Some(fields[index].clone()), reason);
        let checked = (|| {
            let day = parse_day_as(value(schema.date), date_format)
                .map_err(|r| problem(schema.date, r))?;
            if focus && value(schema.cost).is_empty() {
                let reason = "is null; expected the cost as a number".to_string();
                return Err(problem(schema.cost, reason));
            }
            let cost = schema
                .number(value(schema.cost))
                .map_err(|r| problem(schema.cost, r))?;
            if let Some(index) = schema.quantity
                && !value(index).is_empty()
            {
                schema.number(value(index)).map_err(|r| problem(index, r))?;
            }
            if schema.sku.iter().all(|&i| value(i).is_empty()) {
                let empty = if focus { "is null" } else { "is empty" };
                let others: Vec<&str> = schema.sku[1..]
                    .iter()
                    .map(|&i| schema.headers[i].as_str())
                    .collect();
                let reason = if others.is_empty() {
                    format!("{empty}; expected a SKU")
                } else {
                    format!("{empty}, and so are {}; expected a SKU", others.join(", "))
                };
                return Err(problem(schema.sku[0], reason));
            }
            if focus
                && let Some(index) = schema.currency
                && value(index).is_empty()
            {
                let reason = "is null; FOCUS requires the billing currency on every row";
                return Err(problem(index, reason.to_string()));
            }
            for &index in &schema.tags {
                if !value(index).is_empty() {
                    find_tag(value(index), "").map_err(|r| problem(index, r))?;
                }
            }
            Ok((day, cost))
        })();
        let (day, cost) = match checked {
            Ok(good) => good,
            Err((column, value, reason)) => return self.bad(place, column, value, reason),
        };
        // What --spread-charges would make of the charge period, judged as `report` judges
        // it: an empty end counts on the start day; an end it cannot use is refused there.
        let span = match schema.end {
            Some(end) if focus && !value(end).is_empty() => {
                parse_instant_as(value(schema.date), date_format)
                    .map_err(|r| problem(schema.date, r))
                    .and_then(|start| {
                        let end_time = parse_instant_as(value(end), date_format)
                            .map_err(|r| problem(end, r))?;
                        charge_period_days(start, end_time).map_err(|r| problem(end, r))
                    })
            }
            _ => Ok(1),
        };
        let currency = match schema.currency.map(value) {
            None | Some("") => "USD",
            Some(currency) => currency,
        }
        .to_string();
        let category = self.charge_category.map(|index| value(index).to_string());
        self.profile.days.insert(day);
        if let (Some(categories), Some(category)) = (&mut self.profile.charge_categories, category)
        {
            categories.add((category, currency.clone()), Some(cost));
        }
        match span {
            Ok(1) => {}
            Ok(_) => {
                if let Some(multi_day) = &mut self.profile.multi_day {
                    multi_day.add(currency.clone(), Some(cost));
                }
            }
            Err((column, value, reason)) => {
                let error = self.row_error(place, column, value, reason);
                self.profile.spread_refused.add(error);
            }
        }
        self.profile.currencies.add(currency, Some(cost));
    }
}

/// Profiles a header and its records (in file order). Any tabular reader can use this: it
/// needs only the header and each record's fields as text with its line (or row) number.
/// An `Err` item stops reading; the profile keeps it as `read_error`.
pub fn profile_records(
    source: &str,
    headers: &[String],
    cost: CostColumn,
    date_format: Option<DateFormat>,
    records: impl IntoIterator<Item = Result<TextRecord, String>>,
) -> Result<Profiled, String> {
    let mut profiler = Profiler::new(source, headers, cost, date_format)?;
    for record in records {
        match record {
            Ok(record) => profiler.add(record),
            Err(error) => {
                profiler.stop(error);
                break;
            }
        }
    }
    Ok(profiler.finish())
}

/// The detection error, with the columns the header has. (A CSV header read as one column
/// that another separator would split is refused before, as `report` refuses it.)
fn describe_header_problem(headers: &[String], error: String) -> String {
    let shown: Vec<&str> = headers.iter().take(8).map(String::as_str).collect();
    let more = if headers.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    format!(
        "{error} (the header has {} column(s): {}{more})",
        headers.len(),
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn day_set_grows_both_ways_and_lists_missing_ranges() {
        let mut days = DaySet::default();
        for d in [
            "2026-10-10",
            "2026-01-01",
            "2026-10-12",
            "1999-12-31",
            "2026-10-10",
        ] {
            days.insert(day(d));
        }
        let summary = days.summary(2).unwrap();
        assert_eq!(
            (summary.first, summary.last),
            (day("1999-12-31"), day("2026-10-12"))
        );
        assert_eq!(summary.with_rows, 4);
        assert_eq!(summary.missing_ranges, 3);
        assert_eq!(
            summary.missing,
            vec![
                (day("2000-01-01"), day("2025-12-31")),
                (day("2026-01-02"), day("2026-10-09"))
            ]
        );
        let total = summary.missing_days + summary.with_rows;
        assert_eq!(total as i64, (summary.last - summary.first).num_days() + 1);
        assert!(DaySet::default().summary(5).is_none());
    }

    #[test]
    fn day_sets_merge() {
        let (mut a, mut b) = (DaySet::default(), DaySet::default());
        a.insert(day("2026-10-01"));
        b.insert(day("2026-10-03"));
        b.insert(day("2026-09-01"));
        a.merge(&b);
        let summary = a.summary(10).unwrap();
        assert_eq!(
            (summary.first, summary.last),
            (day("2026-09-01"), day("2026-10-03"))
        );
        assert_eq!(summary.with_rows, 3);
    }

    #[test]
    fn money_reports_overflow_instead_of_rounding() {
        let mut money = Money::default();
        money.add(Decimal::MAX);
        assert_eq!(money.exact(), Some(Decimal::MAX));
        money.add(Decimal::ONE);
        assert!(money.overflow);
        assert_eq!(money.exact(), None);
    }
}

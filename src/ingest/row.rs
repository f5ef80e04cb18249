//! Normalizes one CSV record (usage export or FOCUS) into a day, exact amounts and the byte
//! keys it is counted under. This is the per-row hot path: it borrows fields and writes keys
//! into reused buffers; it allocates only to describe an error.

use super::blocks::{Block, Boundaries, MAX_RECORD, TooLong, count_lines, open_quote};
use super::columns::Schema;
use super::split;
use super::tally::{FilterProbe, KEY_SEPARATOR, Reject, Tally, day_bytes};
use crate::config::{Filters, ScanPlan};
use crate::error::{Location, RowError};
use crate::model::{Day, KeyKind, Source, spread};
use crate::primitives::date::{parse_day_as, parse_instant_as};
use rust_decimal::Decimal;

/// What one file needs to turn its records into tallies.
pub struct FileRows<'a> {
    /// The input as users name it, for errors (`export.zip:part-2-of-3.csv`).
    pub source: &'a str,
    pub schema: &'a Schema,
    pub plan: &'a ScanPlan,
    /// For each `--by` key that is a plain column, where that column is in this file.
    pub key_columns: Vec<Option<usize>>,
    /// How the blocks were cut (see `process_block`).
    pub boundaries: Boundaries,
    needs: Needs,
}

/// Which optional fields the per-row path must read: the others are never decoded.
struct Needs {
    project: bool,
    service: bool,
    region: bool,
    resource: bool,
    unit: bool,
    /// Tag columns are read (so checked on every row, in range or not).
    tags: bool,
}

impl Needs {
    fn of(plan: &ScanPlan) -> Needs {
        let key = |kind: KeyKind| plan.keys.contains(&kind);
        // An exported row carries every field.
        let overlap = plan.track_overlap || plan.export;
        Needs {
            project: overlap || key(KeyKind::Project) || !plan.filters.projects.is_empty(),
            service: overlap || key(KeyKind::Service) || !plan.filters.services.is_empty(),
            region: overlap || key(KeyKind::Region),
            resource: overlap || key(KeyKind::Resource),
            unit: plan.export || key(KeyKind::Sku),
            tags: !plan.filters.tags.is_empty()
                || plan.keys.iter().any(|k| matches!(k, KeyKind::Tag(_))),
        }
    }
}

/// A record's values that are not written into key buffers.
struct Row {
    day: Day,
    /// The UTC days the charge is counted on, from `day` on: 1 unless `--spread-charges`
    /// spreads a charge whose period spans several days.
    span: u32,
    quantity: Decimal,
    cost: Decimal,
    /// Passes the filters and has a day in the range.
    passes: bool,
    /// With `ScanPlan::export`, for a row that passes: its normalized values (no line yet).
    export: Option<Box<super::tally::ExportRow>>,
}

/// A field problem before its line is known.
struct FieldError {
    column: Option<usize>,
    value: Option<String>,
    reason: String,
}

impl FieldError {
    fn at(column: usize, value: &[u8], reason: impl Into<String>) -> FieldError {
        FieldError {
            column: Some(column),
            value: Some(String::from_utf8_lossy(value).into_owned()),
            reason: reason.into(),
        }
    }
}

impl<'a> FileRows<'a> {
    pub fn new(
        source: &'a str,
        schema: &'a Schema,
        plan: &'a ScanPlan,
        boundaries: Boundaries,
    ) -> FileRows<'a> {
        let key_columns = plan
            .keys
            .iter()
            .map(|key| match key {
                KeyKind::Column(name) => schema.column(name),
                _ => None,
            })
            .collect();
        FileRows {
            source,
            schema,
            plan,
            key_columns,
            boundaries,
            needs: Needs::of(plan),
        }
    }

    /// Parses every record of a block into a fresh tally. Lines are counted from the block's
    /// first byte, which is line 0: the merge in file order, which knows how many lines the
    /// blocks before held, places them (`Tally::place_lines`). The tally's `lines` is the
    /// block's count of lines.
    pub fn process_block(&self, block: &Block) -> Tally {
        let mut scratch = Scratch {
            tally: Tally::default(),
            key: Vec::with_capacity(256),
            overlap: Vec::with_capacity(256),
            cache: DayCache::default(),
        };
        // Most blocks are valid UTF-8 that the fast splitter reads exactly; the csv crate
        // takes the rest (and reports what is wrong with them).
        let fast = std::str::from_utf8(block.bytes()).ok().and_then(|text| {
            split::for_each_record(text, 0, self.plan.delimiter, |record| {
                if record.text.len() > MAX_RECORD {
                    self.too_long(&mut scratch.tally, record.text.as_bytes(), record.line);
                    return true;
                }
                self.count(&mut scratch, record, record.line)
            })
            .ok()
        });
        if let Some(lines) = fast {
            // A block that stopped at a bad row counted only its lines up to there: the lines
            // of the blocks after it must still be placed right (the earliest error wins).
            scratch.tally.lines = if scratch.tally.first_error.is_some() {
                count_lines(block.bytes())
            } else {
                lines
            };
        }
        let fast = fast.is_some();
        if !fast {
            // Whatever the fast splitter counted before it gave up is dropped.
            scratch.tally = Tally::default();
            scratch.cache = DayCache::default();
            if self.boundaries == Boundaries::Parity {
                // This block's bounds came from quote parity, which this block may have
                // upset: the whole input is read again with exact boundaries.
                scratch.tally.needs_exact = true;
            } else {
                self.csv_records(block, &mut scratch);
                scratch.tally.lines = count_lines(block.bytes());
            }
        }
        scratch.tally
    }

    /// Any RFC 4180 records, read by the csv crate.
    fn csv_records(&self, block: &Block, scratch: &mut Scratch) {
        let data = block.bytes();
        // The csv crate drops a byte-order mark at the start of what it reads: here that is a
        // block's first record, which elsewhere in a block keeps it. An empty line before it
        // (skipped, as every empty line is) keeps the mark, so the block size cannot matter.
        let shift = usize::from(data.starts_with(b"\xEF\xBB\xBF"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.plan.delimiter)
            .from_reader(std::io::Read::chain(&b"\n"[..shift], data));
        let offset_of = |position: Option<&csv::Position>| {
            (position.map_or(0, |p| p.byte()) as usize)
                .saturating_sub(shift)
                .min(data.len())
        };
        let mut record = csv::ByteRecord::new();
        // Physical lines are counted here, as line ends before the record's first byte: the
        // csv crate positions a record at the end of the previous one (which, after a CRLF,
        // is before its LF). Returns the record's first byte and its line.
        let mut counted = (0usize, 0u64);
        let mut line_at = |offset: usize| {
            let mut offset = offset.max(counted.0);
            while matches!(data.get(offset), Some(b'\r' | b'\n')) {
                offset += 1;
            }
            counted.1 += count_lines(&data[counted.0..offset]);
            counted.0 = offset;
            counted
        };
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => {
                    let (_, line) = line_at(offset_of(error.position()));
                    scratch.tally.rows_read += 1;
                    let error = FieldError {
                        column: None,
                        value: None,
                        reason: format!("is not valid CSV: {error}"),
                    };
                    if self.reject(&mut scratch.tally, error, line, &record) {
                        break;
                    }
                    continue;
                }
            }
            let (start, line) = line_at(offset_of(record.position()));
            let end = offset_of(Some(reader.position()));
            let text = &data[start..end.max(start)];
            // Only the block's last record can end inside quotes: blocks end on record ends,
            // so that is a quote left open at the end of the input.
            let open = if end == data.len() {
                open_quote(text, self.plan.delimiter)
            } else {
                None
            };
            let length = match open {
                Some(_) => text.len(),
                None => {
                    text.len()
                        - text
                            .iter()
                            .rev()
                            .take_while(|b| matches!(b, b'\r' | b'\n'))
                            .count()
                }
            };
            if length > MAX_RECORD {
                self.too_long(&mut scratch.tally, text, line);
                break;
            }
            let stop = match open {
                Some(field) => {
                    scratch.tally.rows_read += 1;
                    let error = FieldError {
                        column: Some(field),
                        value: None,
                        reason: "opens a quote that is never closed: an unterminated quote \
                                 (the field would run to the end of the input)"
                            .to_string(),
                    };
                    self.reject(&mut scratch.tally, error, line, &record)
                }
                None => self.count(scratch, &record, line),
            };
            if stop {
                break;
            }
        }
    }

    /// A record longer than [`MAX_RECORD`] (`record` from its first byte) stops the run,
    /// `--skip-bad-rows` or not: where it ends cannot be trusted.
    fn too_long(&self, tally: &mut Tally, record: &[u8], line: u64) {
        let long = TooLong::at(record, line, self.plan.delimiter);
        tally.first_error = Some(RowError {
            location: Location {
                source: self.source.to_string(),
                row_group: None,
                line,
            },
            column: None,
            value: None,
            reason: long.reason(|i| self.column_name(i)),
        });
    }

    /// Counts one record that is not a CSV line (a Parquet row) into `scratch`, with the same
    /// semantics as a CSV record; a bad row is placed at `location`. Returns true when the scan
    /// must stop.
    pub(crate) fn count_record<R: Fields>(
        &self,
        scratch: &mut Scratch,
        record: &R,
        location: &Location,
    ) -> bool {
        let rejected = scratch.tally.rejects.held.len();
        let exported = scratch.tally.exported.len();
        let stopped_before = scratch.tally.first_error.is_some();
        let stop = self.count(scratch, record, location.line);
        for reject in &mut scratch.tally.rejects.held[rejected..] {
            reject.error.location = location.clone();
        }
        for row in &mut scratch.tally.exported[exported..] {
            row.row_group = location.row_group;
        }
        if let Some(error) = &mut scratch.tally.first_error
            && !stopped_before
        {
            error.location = location.clone();
        }
        stop
    }

    /// Counts one record into the block's tally; returns true when the scan must stop.
    fn count<R: Fields>(&self, scratch: &mut Scratch, record: &R, line: u64) -> bool {
        let tally = &mut scratch.tally;
        tally.rows_read += 1;
        match self.row(
            record,
            &mut scratch.key,
            &mut scratch.overlap,
            &mut tally.probe,
            &mut scratch.cache,
        ) {
            Ok(row) => {
                let day_rows = tally.days.entry(row.day).or_default();
                day_rows.valid += 1;
                if self.plan.track_overlap {
                    tally.overlap_keys.insert(row.day, &scratch.overlap);
                }
                if !row.passes {
                    return false;
                }
                day_rows.passing += 1;
                if let Some(mut export) = row.export {
                    export.line = line;
                    tally.exported.push(*export);
                }
                if row.span == 1 {
                    return add_to_group(tally, &scratch.key, row.quantity, row.cost);
                }
                let (first_cost, cost) = spread(row.cost, row.span);
                let (first_quantity, quantity) = spread(row.quantity, row.span);
                let key = &mut scratch.key;
                // Only the days inside the range: a row costs O(days in range), whatever
                // its span.
                let range = self.plan.range;
                let skip = (range.from - row.day).num_days().max(0) as usize;
                let days = row.day.iter_days().take(row.span as usize).enumerate();
                for (offset, day) in days.skip(skip) {
                    if day > range.to {
                        break;
                    }
                    key[..4].copy_from_slice(&day_bytes(self.plan.key_day(day)));
                    let (quantity, cost) = if offset == 0 {
                        (first_quantity, first_cost)
                    } else {
                        (quantity, cost)
                    };
                    if add_to_group(tally, key, quantity, cost) {
                        return true;
                    }
                }
                false
            }
            Err(error) => self.reject(tally, error, line, record),
        }
    }

    /// Records a bad row; returns true when the scan must stop at it.
    fn reject<R: Fields>(
        &self,
        tally: &mut Tally,
        error: FieldError,
        line: u64,
        record: &R,
    ) -> bool {
        let error = RowError {
            location: Location {
                source: self.source.to_string(),
                row_group: None,
                line,
            },
            column: error.column.map(|i| self.column_name(i)),
            value: error.value,
            reason: error.reason,
        };
        if self.plan.skip_bad_rows {
            tally.rejects.push(Reject {
                error,
                // Only a run that lists the rows in rejects.csv needs their text.
                record: if self.plan.spill_rejects {
                    record.text()
                } else {
                    String::new()
                },
                cost: self.readable_cost(record),
            });
            false
        } else {
            tally.first_error = Some(error);
            true
        }
    }

    /// The cost of a bad row, when its cost column holds a number.
    /// The cost of a bad row and its currency, when both can be read (the currency column,
    /// else the cost header's unit, else USD for a usage export; FOCUS rows need theirs).
    fn readable_cost<R: Fields>(&self, record: &R) -> Option<(Decimal, Box<str>)> {
        let schema = self.schema;
        // A record with more or fewer fields than the header has its fields shifted (an
        // unquoted `1,234.50` puts "1" where the cost is): no field is known to be the cost.
        if record.len() != schema.headers.len() {
            return None;
        }
        let text = record.get_str(schema.cost).ok()?.trim_ascii();
        let cost = schema.number(text).ok()?;
        let column = match schema.currency {
            Some(index) => record.get_str(index).ok()?.trim_ascii(),
            None => "",
        };
        let currency = match (column, &schema.header_currency) {
            ("", Some(unit)) => unit.as_str(),
            ("", None) if schema.focus => return None,
            ("", None) => "USD",
            (column, _) => column,
        };
        Some((cost, currency.to_ascii_uppercase().into()))
    }

    pub(crate) fn column_name(&self, index: usize) -> String {
        self.schema
            .headers
            .get(index)
            .cloned()
            .unwrap_or_else(|| format!("#{}", index + 1))
    }

    fn row<R: Fields>(
        &self,
        record: &R,
        key: &mut Vec<u8>,
        overlap: &mut Vec<u8>,
        probe: &mut FilterProbe,
        cache: &mut DayCache,
    ) -> Result<Row, FieldError> {
        let schema = self.schema;
        if record.len() != schema.headers.len() {
            return Err(FieldError {
                column: None,
                value: None,
                reason: format!(
                    "has {} fields; expected {} as in the header",
                    record.len(),
                    schema.headers.len()
                ),
            });
        }
        let raw = |index: usize| -> &[u8] {
            let field = record.get(index).unwrap_or_default();
            if schema.focus && is_null(field) {
                b""
            } else {
                field
            }
        };
        // Trimmed text of a field. Trimming bytes first keeps the UTF-8 check (and the trim)
        // off the padding; only ASCII white space is trimmed.
        let text = |index: usize| -> Result<&str, FieldError> {
            let field = record
                .get_str(index)
                .map_err(|_| FieldError::at(index, raw(index), "is not valid UTF-8"))?
                .trim_ascii();
            Ok(if schema.focus && is_null(field.as_bytes()) {
                ""
            } else {
                field
            })
        };
        // A field read only when the report needs it: keys, filters or overlap detection.
        let optional = |wanted: bool, index: Option<usize>| -> Result<&str, FieldError> {
            match index {
                Some(i) if wanted => text(i),
                _ => Ok(""),
            }
        };
        let first_of = |indexes: &[usize]| -> Result<&str, FieldError> {
            for &index in indexes {
                let value = text(index)?;
                if !value.is_empty() {
                    return Ok(value);
                }
            }
            Ok("")
        };
        let needs = &self.needs;

        let date_raw = raw(schema.date);
        let day = match cache.get(date_raw) {
            Some(day) => day,
            None => {
                let date = text(schema.date)?;
                if date.is_empty() {
                    return Err(FieldError::at(
                        schema.date,
                        record.get(schema.date).unwrap_or_default(),
                        self.null_date_reason(),
                    ));
                }
                let day = parse_day_as(date, self.plan.date_format.as_ref())
                    .map_err(|reason| FieldError::at(schema.date, date_raw, reason))?;
                cache.put(date_raw, day);
                day
            }
        };
        let number = |index: usize| -> Result<Decimal, FieldError> {
            schema.number(text(index)?).map_err(|reason| {
                FieldError::at(index, record.get(index).unwrap_or_default(), reason)
            })
        };
        if schema.focus && text(schema.cost)?.is_empty() {
            return Err(FieldError::at(
                schema.cost,
                record.get(schema.cost).unwrap_or_default(),
                "is null; the cost column the report uses must hold a number on every row \
                 (pass --skip-bad-rows to skip such rows, or --cost to report another cost \
                 column)",
            ));
        }
        let cost = number(schema.cost)?;
        let quantity = match schema.quantity {
            Some(index) if !raw(index).trim_ascii().is_empty() => number(index)?,
            _ => Decimal::ZERO,
        };
        let sku = first_of(&schema.sku)?;
        if sku.is_empty() {
            let names: Vec<String> = schema.sku.iter().map(|&i| self.column_name(i)).collect();
            let empty = if schema.focus { "is null" } else { "is empty" };
            let reason = match names.len() {
                0 | 1 => format!("{empty}; expected a SKU"),
                _ => format!(
                    "{empty}, and so are {}; expected a SKU",
                    names[1..].join(", ")
                ),
            };
            let index = schema.sku.first().copied().unwrap_or(schema.cost);
            return Err(FieldError::at(
                index,
                record.get(index).unwrap_or_default(),
                reason,
            ));
        }
        let project_name = optional(needs.project, schema.project_name)?;
        let project_id = optional(needs.project, schema.project_id)?;
        let project = if project_name.is_empty() {
            project_id
        } else {
            project_name
        };
        let service = match schema.service.as_slice() {
            _ if !needs.service => "",
            [] if !schema.focus => service_from_sku(sku),
            columns => first_of(columns)?,
        };
        let region = if needs.region {
            first_of(&schema.region)?
        } else {
            ""
        };
        let resource = if needs.resource {
            first_of(&schema.resource)?
        } else {
            ""
        };
        let unit = optional(needs.unit, schema.unit)?;
        let currency = match optional(true, schema.currency)? {
            "" if schema.focus => {
                let index = schema.currency.unwrap_or(schema.cost);
                return Err(FieldError::at(
                    index,
                    record.get(index).unwrap_or_default(),
                    "is null; FOCUS requires the billing currency on every row",
                ));
            }
            "" => schema.header_currency.as_deref().unwrap_or("USD"),
            currency => match &schema.header_currency {
                Some(unit) if !unit.eq_ignore_ascii_case(currency) => {
                    let index = schema.currency.unwrap_or(schema.cost);
                    return Err(FieldError::at(
                        index,
                        record.get(index).unwrap_or_default(),
                        format!(
                            "disagrees with the cost column \"{}\", whose unit is {unit}; \
                             fix the header or the row",
                            self.column_name(schema.cost)
                        ),
                    ));
                }
                _ => currency,
            },
        };
        // ISO 4217 codes are upper case, as the cost header's unit and a bad row's currency
        // are read: `usd` on one row and `USD` on another is one currency, not two totals.
        let currency: std::borrow::Cow<str> = if currency.bytes().any(|b| b.is_ascii_lowercase()) {
            currency.to_ascii_uppercase().into()
        } else {
            currency.into()
        };
        let span = match schema.end {
            Some(end) if self.plan.spread_charges => {
                let end = text(end)?;
                if end.is_empty() {
                    1
                } else {
                    self.span(record, end)?
                }
            }
            _ => 1,
        };
        let in_range = if span == 1 {
            self.plan.range.contains(day)
        } else {
            let last = day
                .checked_add_days(chrono::Days::new(u64::from(span) - 1))
                .unwrap_or(Day::MAX);
            day <= self.plan.range.to && last >= self.plan.range.from
        };

        if self.plan.track_overlap {
            // The combination only: the day is kept apart (see `OverlapKeys`).
            overlap.clear();
            let identity = if project_id.is_empty() {
                project_name
            } else {
                project_id
            };
            for value in [identity, service, sku, region, resource] {
                overlap.extend_from_slice(value.as_bytes());
                overlap.push(KEY_SEPARATOR);
            }
        }

        if needs.tags {
            // Checked on every row, so that a malformed tag list outside the range is a bad
            // row too, as any other bad field is.
            for &index in &schema.tags {
                let value = text(index)?;
                if !value.is_empty() {
                    find_tag(value, "")
                        .map_err(|reason| FieldError::at(index, raw(index), reason))?;
                }
            }
        }
        let filters = &self.plan.filters;
        if in_range && !filters.is_empty() {
            probe.observe(filters, sku, [project_name, project_id], service, |tag| {
                self.tag_value(record, tag)
            })?;
        }
        let passes = in_range
            && matches_any(&filters.skus, &[sku])
            && matches_any(&filters.projects, &[project_name, project_id])
            && matches_any(&filters.services, &[service])
            && self.tags_match(filters, record)?;
        if passes {
            key.clear();
            key.extend_from_slice(&day_bytes(self.plan.key_day(day)));
            for (position, kind) in self.plan.keys.iter().enumerate() {
                let value: std::borrow::Cow<str> = match kind {
                    KeyKind::Sku => sku.into(),
                    KeyKind::Project => project.into(),
                    KeyKind::Service => service.into(),
                    KeyKind::Region => region.into(),
                    KeyKind::Resource => resource.into(),
                    KeyKind::Currency => currency.as_ref().into(),
                    KeyKind::Source => Source::Billed.as_str().into(),
                    KeyKind::Assistant | KeyKind::Model | KeyKind::Endpoint => "".into(),
                    KeyKind::Tag(tag) => self.tag_value(record, tag)?.unwrap_or_default().into(),
                    KeyKind::Column(_) => match self.key_columns[position] {
                        Some(index) => text(index)?.into(),
                        None => "".into(),
                    },
                };
                key.extend_from_slice(value.as_bytes());
                key.push(KEY_SEPARATOR);
            }
            key.extend_from_slice(currency.as_bytes());
            key.push(KEY_SEPARATOR);
            if self.plan.keys.contains(&KeyKind::Sku) {
                key.extend_from_slice(unit.as_bytes());
            }
            key.push(KEY_SEPARATOR);
            key.extend_from_slice(Source::Billed.as_str().as_bytes());
            // A value holding the separator would shift every value after it.
            let separators = memchr::memchr_iter(KEY_SEPARATOR, &key[4..]).count();
            if separators != self.plan.keys.len() + 2 {
                return Err(FieldError {
                    column: None,
                    value: None,
                    reason: "has a field with the control character U+001F, which cannot be \
                             grouped by"
                        .to_string(),
                });
            }
        }
        let export = (passes && self.plan.export)
            .then(|| -> Result<_, FieldError> {
                let mut tags = "";
                for &index in &schema.tags {
                    tags = text(index)?;
                    if !tags.is_empty() {
                        break;
                    }
                }
                let has_quantity = schema
                    .quantity
                    .is_some_and(|index| !raw(index).trim_ascii().is_empty());
                Ok(Box::new(super::tally::ExportRow {
                    day,
                    line: 0,
                    row_group: None,
                    project: project.to_string(),
                    project_id: project_id.to_string(),
                    service: service.to_string(),
                    sku: sku.to_string(),
                    region: region.to_string(),
                    resource: resource.to_string(),
                    quantity: has_quantity.then_some(quantity),
                    unit: unit.to_string(),
                    cost,
                    currency: currency.to_string(),
                    tags: tags.to_string(),
                }))
            })
            .transpose()?;
        Ok(Row {
            day,
            span,
            quantity,
            cost,
            passes,
            export,
        })
    }

    /// Why a row without a date cannot be counted, and what to do.
    fn null_date_reason(&self) -> String {
        let empty = if self.schema.focus {
            "is null"
        } else {
            "is empty"
        };
        if self.plan.date_basis == crate::config::DateBasis::Billing {
            format!(
                "{empty}; --date-basis billing needs BillingPeriodStart on every row (use \
                 --date-basis charge, or --skip-bad-rows to skip such rows)"
            )
        } else {
            format!(
                "{empty}; expected the day the cost was incurred (--skip-bad-rows skips such rows)"
            )
        }
    }

    /// How many UTC days `[start, end)` touches: the days from the start's to that of the
    /// last instant before the end. An end at or before the start counts on the start day.
    fn span<R: Fields>(&self, record: &R, end_text: &str) -> Result<u32, FieldError> {
        let schema = self.schema;
        let field = |index: usize| record.get(index).unwrap_or_default();
        let start = std::str::from_utf8(field(schema.date))
            .map_err(|_| "is not valid UTF-8".to_string())
            .and_then(|text| parse_instant_as(text, self.plan.date_format.as_ref()))
            .map_err(|reason| FieldError::at(schema.date, field(schema.date), reason))?;
        let end_index = schema.end.unwrap_or(schema.date);
        let end = parse_instant_as(end_text, self.plan.date_format.as_ref())
            .map_err(|reason| FieldError::at(end_index, field(end_index), reason))?;
        charge_period_days(start, end)
            .map_err(|reason| FieldError::at(end_index, field(end_index), reason))
    }

    fn tags_match<R: Fields>(&self, filters: &Filters, record: &R) -> Result<bool, FieldError> {
        for (tag, wanted) in &filters.tags {
            if self.tag_value(record, tag)?.as_deref() != Some(wanted.as_str()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The value of one tag: row tags first, then index tags, then project tags.
    fn tag_value<R: Fields>(&self, record: &R, tag: &str) -> Result<Option<String>, FieldError> {
        for &index in &self.schema.tags {
            let field = record.get(index).unwrap_or_default();
            if field.is_empty() || (self.schema.focus && is_null(field)) {
                continue;
            }
            let text = std::str::from_utf8(field)
                .map_err(|_| FieldError::at(index, field, "is not valid UTF-8"))?;
            let found =
                find_tag(text, tag).map_err(|reason| FieldError::at(index, field, reason))?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}

/// Adds one amount to its group; returns true when the sum overflowed and the scan must stop.
fn add_to_group(tally: &mut Tally, key: &[u8], quantity: Decimal, cost: Decimal) -> bool {
    let added = match tally.groups.get_mut(key) {
        Some(sums) => sums.add(quantity, cost),
        None => {
            let mut sums = super::tally::Sums::default();
            let added = sums.add(quantity, cost);
            tally.groups.insert(key.to_vec().into_boxed_slice(), sums);
            added
        }
    };
    if added.is_err() {
        tally.overflow = true;
    }
    added.is_err()
}

/// A FOCUS null: `NULL` in any case, or nothing but white space. On the per-row path: the
/// common field (a value without padding) is decided by its length and ends alone.
/// The longest charge period `--spread-charges` spreads, in days: a century.
pub const MAX_SPREAD_DAYS: i64 = 36_600;

/// How many UTC days the charge period `[start, end)` touches: the days from the start's to
/// that of the last instant before the end (an end at 00:00 does not touch its day). An end at
/// or before the start counts on the start day (1). A period longer than
/// [`MAX_SPREAD_DAYS`] is not a charge period: the error says so, to follow the end's value.
/// Shared by `report --spread-charges` and `inspect`, so that both judge a period alike.
pub fn charge_period_days(
    start: chrono::NaiveDateTime,
    end: chrono::NaiveDateTime,
) -> Result<u32, String> {
    if end <= start {
        return Ok(1);
    }
    let last_day = end
        .checked_sub_signed(chrono::TimeDelta::nanoseconds(1))
        .map_or(start.date(), |last| last.date());
    let days = (last_day - start.date()).num_days() + 1;
    if days > MAX_SPREAD_DAYS {
        return Err(
            "is more than a century after ChargePeriodStart, too long a charge period to \
             spread (fix the row, skip it with --skip-bad-rows, or report without \
             --spread-charges)"
                .to_string(),
        );
    }
    Ok(days.max(1) as u32)
}

/// A FOCUS null: `NULL` in any case, or nothing but white space. On the per-row path: the
/// common field (a value without padding) is decided by its length and ends alone. Shared with
/// `inspect`, so that both count the same nulls.
pub(crate) fn is_null(field: &[u8]) -> bool {
    let padded = |b: Option<&u8>| b.is_some_and(u8::is_ascii_whitespace);
    if field.len() == 4 {
        return field.eq_ignore_ascii_case(b"null");
    }
    if field.is_empty() || padded(field.first()) || padded(field.last()) {
        let field = field.trim_ascii();
        return field.is_empty() || field.eq_ignore_ascii_case(b"null");
    }
    false
}

/// True when no filter values are given, or one of `candidates` equals one of them
/// (ignoring ASCII case).
fn matches_any(wanted: &[String], candidates: &[&str]) -> bool {
    wanted.is_empty()
        || wanted.iter().any(|w| {
            candidates
                .iter()
                .any(|c| !c.is_empty() && c.eq_ignore_ascii_case(w))
        })
}

/// Reads one tag from `k=v;k=v` or a JSON object.
pub fn find_tag(text: &str, tag: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.starts_with('{') {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("is not a JSON object of tags: {e}"))?;
        return Ok(map.get(tag).map(|value| match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
    }
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err("is not a tag list; expected k=v;k=v or a JSON object".to_string());
        };
        if key.trim() == tag {
            return Ok(Some(value.trim().to_string()));
        }
    }
    Ok(None)
}

/// The service of a SKU, for usage exports without a service column. The console names SKUs
/// after their product; anything that is not an assistant, inference or collection SKU is a
/// database SKU (including backup and restore).
pub fn service_from_sku(sku: &str) -> &'static str {
    let lower = sku.to_ascii_lowercase();
    if lower.contains("assistant") {
        "assistants"
    } else if ["inference", "embed", "rerank"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "inference"
    } else if lower.contains("collection") {
        "collections"
    } else {
        "database"
    }
}

/// The per-block buffers the per-row path reuses.
pub(crate) struct Scratch {
    tally: Tally,
    key: Vec<u8>,
    overlap: Vec<u8>,
    /// Date texts already read and their days.
    cache: DayCache,
}

/// Date texts and their days, 256 of them, each in the slot its text hashes to: exports sorted
/// by day hit the last one read, and unsorted ones (overlapping daily downloads put together)
/// hold a few months of days, each parsed once per block rather than once per row. Only texts
/// that parsed are kept, so a hit gives what parsing would give.
#[derive(Clone)]
pub(crate) struct DayCache {
    slots: Box<[DaySlot; DAY_SLOTS]>,
}

const DAY_SLOTS: usize = 256;

/// One cached date: its text (up to 24 bytes, zero-padded, in three words), length and day.
#[derive(Clone, Copy, Default)]
struct DaySlot {
    words: [u64; 3],
    /// The text's length; 0 when the slot is empty (an empty date never parses).
    len: usize,
    day: Day,
}

impl Default for DayCache {
    fn default() -> Self {
        DayCache {
            slots: Box::new([DaySlot::default(); DAY_SLOTS]),
        }
    }
}

impl DayCache {
    /// The text as three words, and its slot; `None` for a text too long to cache.
    fn key(text: &[u8]) -> Option<([u64; 3], usize)> {
        if text.is_empty() || text.len() > 24 {
            return None;
        }
        let mut padded = [0u8; 24];
        padded[..text.len()].copy_from_slice(text);
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&padded[8 * i..8 * i + 8]);
            u64::from_le_bytes(bytes)
        };
        let words = [word(0), word(1), word(2)];
        let mixed = words[0] ^ words[1].rotate_left(21) ^ words[2].rotate_left(42);
        let slot = (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
        Some((words, slot))
    }

    fn get(&self, text: &[u8]) -> Option<Day> {
        let (words, slot) = Self::key(text)?;
        let entry = &self.slots[slot];
        (entry.len == text.len() && entry.words == words).then_some(entry.day)
    }

    fn put(&mut self, text: &[u8], day: Day) {
        if let Some((words, slot)) = Self::key(text) {
            self.slots[slot] = DaySlot {
                words,
                len: text.len(),
                day,
            };
        }
    }
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            tally: Tally::default(),
            key: Vec::with_capacity(256),
            overlap: Vec::with_capacity(256),
            cache: DayCache::default(),
        }
    }

    /// What the records counted so far add up to.
    pub(crate) fn into_tally(self) -> Tally {
        self.tally
    }
}

/// The fields of one record, however it was split (CSV line or Parquet row).
pub(crate) trait Fields {
    fn len(&self) -> usize;
    fn get(&self, index: usize) -> Option<&[u8]>;
    /// The field as text; `Err(())` when it is not UTF-8.
    fn get_str(&self, index: usize) -> Result<&str, ()> {
        std::str::from_utf8(self.get(index).unwrap_or_default()).map_err(|_| ())
    }
    /// The record as one CSV line, for `rejects.csv`.
    fn text(&self) -> String;
}

impl Fields for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }

    fn get(&self, index: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, index)
    }

    fn text(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        if writer.write_byte_record(self).is_err() {
            return String::new();
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .trim_end_matches('\n')
            .to_string()
    }
}

impl Fields for split::Record<'_> {
    fn len(&self) -> usize {
        split::Record::len(self)
    }

    fn get(&self, index: usize) -> Option<&[u8]> {
        self.field(index).map(str::as_bytes)
    }

    fn get_str(&self, index: usize) -> Result<&str, ()> {
        Ok(self.field(index).unwrap_or_default())
    }

    fn text(&self) -> String {
        self.text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_from_pairs_and_json() {
        assert_eq!(
            find_tag("team=search; env=prod", "env").unwrap(),
            Some("prod".into())
        );
        assert_eq!(find_tag("team=search", "env").unwrap(), None);
        assert_eq!(
            find_tag(r#"{"tier":"gold","n":3}"#, "n").unwrap(),
            Some("3".into())
        );
        assert!(find_tag("team", "env").is_err());
        assert!(find_tag("{oops", "env").is_err());
    }

    #[test]
    fn the_day_cache_gives_what_parsing_gives_for_any_order() {
        let mut cache = DayCache::default();
        // Two years of days and timestamps, three passes in a scrambled order: many slots are
        // shared, so entries are replaced and found again.
        let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let texts: Vec<String> = (0..730)
            .flat_map(|i| {
                let day = first + chrono::Days::new(i);
                [day.to_string(), format!("{day}T{:02}:00:00Z", i % 24)]
            })
            .collect();
        let (mut hits, mut state) = (0, 7usize);
        for _ in 0..3 * texts.len() {
            state = (state * 1_103_515_245 + 12_345) % (1 << 31);
            let text = &texts[state % texts.len()];
            let parsed = parse_day_as(text, None).unwrap();
            match cache.get(text.as_bytes()) {
                Some(day) => {
                    assert_eq!(day, parsed, "{text}");
                    hits += 1;
                }
                None => cache.put(text.as_bytes(), parsed),
            }
        }
        assert!(hits > 0);
        // A few months of plain days all fit: after one pass, every lookup hits.
        let mut cache = DayCache::default();
        for text in texts.iter().step_by(2).take(92) {
            cache.put(text.as_bytes(), parse_day_as(text, None).unwrap());
        }
        let kept = texts.iter().step_by(2).take(92);
        let found = kept.filter(|t| cache.get(t.as_bytes()).is_some()).count();
        assert!(found >= 70, "{found} of 92 days kept");
        // Empty and over-long texts are never cached.
        let long = "2026-03-01T00:00:00.000000000Z";
        cache.put(long.as_bytes(), first);
        assert_eq!(cache.get(long.as_bytes()), None);
        cache.put(b"", first);
        assert_eq!(cache.get(b""), None);
        // Texts that share their first 24 bytes' words but not their length differ.
        cache.put(b"2026-03-01", first);
        assert_eq!(cache.get(b"2026-03-01\0"), None);
    }

    #[test]
    fn services_derived_from_sku_names() {
        assert_eq!(service_from_sku("Assistants Input Tokens"), "assistants");
        assert_eq!(
            service_from_sku("Embedding Tokens (multilingual-e5-large)"),
            "inference"
        );
        assert_eq!(
            service_from_sku("Collections Storage (aws us-east-1)"),
            "collections"
        );
        assert_eq!(
            service_from_sku("Backup Storage (aws us-east-1)"),
            "database"
        );
    }
}

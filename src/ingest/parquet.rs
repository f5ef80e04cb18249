//! Reads Parquet files (FOCUS exports of AWS Data Exports and Azure cost exports): each row's
//! top-level columns become text fields that go through the same per-row path as a CSV record,
//! so a Parquet row means exactly what the same row written as CSV would mean.
//!
//! Values become the text a careful CSV export would hold: a DOUBLE becomes the shortest text
//! that reads back as the same double (never summed as a float), a DECIMAL the exact digits of
//! its unscaled integer and scale, a timestamp RFC 3339 UTC text, null an empty field, and a
//! map, list or struct a JSON text. Row groups are read one at a time per worker (rayon), never
//! the whole file.

use super::columns::{CsvKind, Schema};
use super::row::{Fields, FileRows, Scratch};
use super::tally::Tally;
use super::{HashingReader, InputFile, InputScan, NoProgress, Progress};
use crate::config::ScanPlan;
use crate::error::Location;
use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::file::reader::FileReader;
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::record::Field;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The first (and last) four bytes of a Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// What a top-level column's values need beyond what the record API says: the unit and zone
/// of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Column {
    /// For a TIMESTAMP column: its unit and whether it is adjusted to UTC.
    timestamp: Option<(Unit, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Millis,
    Micros,
    Nanos,
}

/// A file that the readers of several row groups share. `File`'s own `ChunkReader` hands out
/// clones that share one file offset, which races when row groups are read in parallel: here
/// every read seeks under a lock first.
#[derive(Clone)]
struct SharedFile {
    file: Arc<Mutex<File>>,
    len: u64,
}

impl SharedFile {
    fn read_at(&self, position: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(position))?;
        file.read(buf)
    }
}

impl Length for SharedFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for SharedFile {
    type T = BufReader<SharedRead>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(BufReader::new(SharedRead {
            file: self.clone(),
            position: start,
        }))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let mut buffer = vec![0; length];
        let mut filled = 0;
        while filled < length {
            match self.read_at(start + filled as u64, &mut buffer[filled..])? {
                0 => {
                    return Err(parquet::errors::ParquetError::EOF(format!(
                        "expected {length} bytes at offset {start}, the file ends after {filled}"
                    )));
                }
                n => filled += n,
            }
        }
        Ok(buffer.into())
    }
}

/// A reader of a `SharedFile` from its own position.
struct SharedRead {
    file: SharedFile,
    position: u64,
}

impl Read for SharedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(self.position, buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

/// One open Parquet file: its reader, its header (top-level column names) and their types.
struct ParquetFile {
    reader: SerializedFileReader<SharedFile>,
    headers: Vec<String>,
    columns: Vec<Column>,
}

/// The top-level columns that are read (ascending); the others are left null. Decoding a
/// column costs time whether it is used or not (a wide AWS export has 50 and more).
struct Projection {
    schema: parquet::schema::types::Type,
    columns: Vec<usize>,
}

impl ParquetFile {
    fn open(path: &Path, name: &str) -> Result<ParquetFile> {
        let file = File::open(path).map_err(|e| anyhow!("{name}: cannot open: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| anyhow!("{name}: cannot read: {e}"))?
            .len();
        let file = SharedFile {
            file: Arc::new(Mutex::new(file)),
            len,
        };
        let reader = SerializedFileReader::new(file)
            .map_err(|e| anyhow!("{name}: not a readable Parquet file: {e}"))?;
        let schema = reader.metadata().file_metadata().schema_descr();
        // The record reader cannot convert these (it would panic): refuse them up front.
        for leaf in schema.columns() {
            let converted = leaf.converted_type();
            let readable = match leaf.physical_type() {
                Physical::INT32 => matches!(
                    converted,
                    ConvertedType::NONE
                        | ConvertedType::INT_8
                        | ConvertedType::INT_16
                        | ConvertedType::INT_32
                        | ConvertedType::UINT_8
                        | ConvertedType::UINT_16
                        | ConvertedType::UINT_32
                        | ConvertedType::DATE
                        | ConvertedType::TIME_MILLIS
                        | ConvertedType::DECIMAL
                ),
                Physical::INT64 => matches!(
                    converted,
                    ConvertedType::NONE
                        | ConvertedType::INT_64
                        | ConvertedType::UINT_64
                        | ConvertedType::TIME_MICROS
                        | ConvertedType::TIMESTAMP_MILLIS
                        | ConvertedType::TIMESTAMP_MICROS
                        | ConvertedType::DECIMAL
                ),
                Physical::BYTE_ARRAY => matches!(
                    converted,
                    ConvertedType::NONE
                        | ConvertedType::UTF8
                        | ConvertedType::ENUM
                        | ConvertedType::JSON
                        | ConvertedType::BSON
                        | ConvertedType::DECIMAL
                ),
                Physical::FIXED_LEN_BYTE_ARRAY => {
                    matches!(converted, ConvertedType::NONE | ConvertedType::DECIMAL)
                }
                Physical::BOOLEAN | Physical::INT96 | Physical::FLOAT | Physical::DOUBLE => true,
            };
            if !readable {
                bail!(
                    "{name}: column \"{}\" is a {} {}, which tally cannot read",
                    leaf.path(),
                    leaf.physical_type(),
                    converted
                );
            }
        }
        let fields = schema.root_schema().get_fields();
        let headers = fields.iter().map(|f| f.name().to_string()).collect();
        let columns = fields
            .iter()
            .map(|field| {
                if field.is_group() {
                    return Column::default();
                }
                let info = field.get_basic_info();
                let timestamp = match info.logical_type_ref() {
                    Some(LogicalType::Timestamp(t)) => Some((
                        match t.unit {
                            TimeUnit::MILLIS => Unit::Millis,
                            TimeUnit::MICROS => Unit::Micros,
                            TimeUnit::NANOS => Unit::Nanos,
                        },
                        t.is_adjusted_to_u_t_c,
                    )),
                    _ => match info.converted_type() {
                        ConvertedType::TIMESTAMP_MILLIS => Some((Unit::Millis, true)),
                        ConvertedType::TIMESTAMP_MICROS => Some((Unit::Micros, true)),
                        _ => None,
                    },
                };
                Column { timestamp }
            })
            .collect();
        Ok(ParquetFile {
            reader,
            headers,
            columns,
        })
    }

    fn row_groups(&self) -> usize {
        self.reader.num_row_groups()
    }

    /// Reads only `wanted` top-level columns (indexes into the header).
    fn projection(&self, wanted: &[usize]) -> Result<Projection, String> {
        let mut columns: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&i| i < self.headers.len())
            .collect();
        columns.sort_unstable();
        columns.dedup();
        let root = self.reader.metadata().file_metadata().schema();
        let fields = columns
            .iter()
            .map(|&i| root.get_fields()[i].clone())
            .collect();
        let schema = parquet::schema::types::Type::group_type_builder(root.name())
            .with_fields(fields)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Projection { schema, columns })
    }

    /// Refuses a row group whose footer gives a column chunk a negative offset or size: the
    /// Parquet reader asserts on those (`ColumnChunkMetaData::byte_range`), and although that
    /// panic is caught, the panic hook has already printed it (found by the fuzz harness).
    fn check_column_chunks(&self, group: usize) -> Result<(), String> {
        for column in self.reader.metadata().row_group(group).columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or_else(|| column.data_page_offset());
            if start < 0 || column.compressed_size() < 0 {
                return Err(format!(
                    "column \"{}\": the file's footer gives it a negative offset or size",
                    column.column_path()
                ));
            }
        }
        Ok(())
    }

    /// Reads row group `group` (from 0), handing each row as text fields with its row number
    /// (from 1) to `on_row`, until it returns true. A file that cannot be read is an error
    /// (never a panic).
    fn each_row(
        &self,
        group: usize,
        projection: Option<&Projection>,
        mut on_row: impl FnMut(u64, &TextRecord) -> bool,
    ) -> Result<(), String> {
        let read = || -> Result<(), String> {
            self.check_column_chunks(group)?;
            let reader = self
                .reader
                .get_row_group(group)
                .map_err(|e| e.to_string())?;
            let rows = reader
                .get_row_iter(projection.map(|p| p.schema.clone()))
                .map_err(|e| e.to_string())?;
            let mut record = TextRecord::default();
            for (index, row) in rows.enumerate() {
                let row = row.map_err(|e| e.to_string())?;
                record.clear();
                match projection {
                    None => {
                        for ((_, field), column) in row.get_column_iter().zip(&self.columns) {
                            record.push(field, column);
                        }
                    }
                    Some(projection) => {
                        let mut values = projection.columns.iter().zip(row.get_column_iter());
                        let mut next = values.next();
                        for (index, column) in self.columns.iter().enumerate() {
                            match next {
                                Some((&read, (_, field))) if read == index => {
                                    record.push(field, column);
                                    next = values.next();
                                }
                                _ => record.push(&Field::Null, column),
                            }
                        }
                    }
                }
                if on_row(index as u64 + 1, &record) {
                    break;
                }
            }
            Ok(())
        };
        // The reader reports damage as errors; should a corner of it panic instead, the file
        // is still reported as unreadable rather than ending the run.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("the Parquet reader failed");
            Err(message.to_string())
        })
        .map_err(|message| match message.split_once("Disabled feature at compile time: ") {
            Some((_, codec)) => format!(
                "compressed with {codec}, which this build of tally does not read (it reads \
                 snappy, gzip and uncompressed files; build with --features parquet-zstd for \
                 zstd)"
            ),
            None => message,
        })
    }
}

/// Reads one Parquet file into a scan: the header (top-level column names) detects the kind as
/// for a CSV, and each row group is counted by one rayon task.
pub(super) fn scan_parquet(
    file: &InputFile,
    plan: &ScanPlan,
    progress: &dyn Progress,
) -> Result<InputScan> {
    let name = &file.name;
    let (size, sha256) = if plan.hash_inputs {
        let mut hashing = HashingReader::new(
            File::open(&file.path).map_err(|e| anyhow!("{name}: cannot open: {e}"))?,
            true,
            &NoProgress,
        );
        std::io::copy(&mut hashing, &mut std::io::sink())
            .map_err(|e| anyhow!("{name}: cannot read: {e}"))?;
        (hashing.bytes, hashing.digest())
    } else {
        let size = std::fs::metadata(&file.path)
            .map_err(|e| anyhow!("{name}: cannot read: {e}"))?
            .len();
        (size, None)
    };
    let parquet = ParquetFile::open(&file.path, name)?;
    let schema =
        super::detect_schema(&parquet.headers, plan).map_err(|e| anyhow!("{name}: {e}"))?;
    let rows = FileRows::new(name, &schema, plan, super::blocks::Boundaries::Exact);
    // Only the columns the per-row path reads, unless bad rows are kept for rejects.csv,
    // which shows every field.
    let projection = if plan.spill_rejects {
        None
    } else {
        let wanted = columns_read(&schema, &rows);
        Some(
            parquet
                .projection(&wanted)
                .map_err(|e| anyhow!("{name}: {e}"))?,
        )
    };
    let metadata = parquet.reader.metadata();
    // Row groups in parallel, a few at a time, merged in order: skipped rows stay in row
    // order and at most a few row groups' tallies are held at once.
    let chunk = rayon::current_num_threads() * 2;
    let groups: Vec<usize> = (0..parquet.row_groups()).collect();
    let mut file_tally = Tally::for_input(plan);
    for groups in groups.chunks(chunk) {
        let parts: Vec<Result<Tally, String>> = groups
            .par_iter()
            .map(|&group| {
                let mut scratch = Scratch::new();
                let mut location = Location {
                    source: name.clone(),
                    row_group: Some(group as u64 + 1),
                    line: 0,
                };
                parquet
                    .each_row(group, projection.as_ref(), |row, record| {
                        location.line = row;
                        rows.count_record(&mut scratch, record, &location)
                    })
                    .map_err(|e| format!("{name}: row group {}: cannot read: {e}", group + 1))?;
                let row_group = metadata.row_group(group);
                progress.lines(row_group.num_rows().max(0) as u64);
                progress.read(row_group.compressed_size().max(0) as u64);
                Ok(scratch.into_tally())
            })
            .collect();
        for part in parts {
            file_tally.merge(part.map_err(|e| anyhow!(e))?);
            if !file_tally.exported.is_empty() {
                progress.rows(name, std::mem::take(&mut file_tally.exported));
            }
        }
        if file_tally.first_error.is_some() || file_tally.overflow {
            break;
        }
    }
    if file_tally.overflow {
        bail!("{name}: {}", crate::model::Overflow);
    }
    if let Some(error) = file_tally.first_error.take() {
        return Err(anyhow!(error));
    }
    let kind = match schema.kind {
        CsvKind::Focus => "focus-parquet",
        CsvKind::Usage => "usage-parquet",
    };
    Ok(InputScan {
        file: file.clone(),
        size,
        sha256,
        kind: kind.to_string(),
        members: Vec::new(),
        columns: super::columns_of(&schema),
        headers: schema.headers.clone(),
        tally: file_tally,
    })
}

/// Every column the per-row path may read: the schema's fields and the `--by COLUMN` keys.
/// The destructuring is exhaustive on purpose: a field added to `Schema` must be added here,
/// or its column would silently read as null.
fn columns_read(schema: &Schema, rows: &FileRows) -> Vec<usize> {
    let Schema {
        kind: _,
        headers: _,
        date,
        end,
        cost,
        sku,
        project_name,
        project_id,
        service,
        region,
        resource,
        quantity,
        unit,
        currency,
        tags,
        focus: _,
        header_currency: _,
    } = schema;
    let mut columns = vec![*date, *cost];
    columns.extend(
        sku.iter()
            .chain(resource)
            .chain(tags)
            .chain(service)
            .chain(region)
            .copied(),
    );
    columns.extend(
        [end, project_name, project_id, quantity, unit, currency]
            .into_iter()
            .flatten(),
    );
    columns.extend(rows.key_columns.iter().flatten());
    columns
}

/// Reads a Parquet file's rows as text records, in order, as tally reads them: `on_header` gets
/// the top-level column names, `on_record` each row's fields (`None` for null) with its place
/// (`row_group` and `line` from 1). Either stops the reading by returning an error.
pub fn for_each_record(
    path: &Path,
    mut on_header: impl FnMut(&[String]) -> Result<()>,
    mut on_record: impl FnMut(&Location, &[Option<String>]) -> Result<()>,
) -> Result<()> {
    let name = path.display().to_string();
    let parquet = ParquetFile::open(path, &name)?;
    on_header(&parquet.headers)?;
    let mut fields: Vec<Option<String>> = Vec::new();
    for group in 0..parquet.row_groups() {
        let mut location = Location {
            source: name.clone(),
            row_group: Some(group as u64 + 1),
            line: 0,
        };
        let mut outcome = Ok(());
        parquet
            .each_row(group, None, |row, record| {
                location.line = row;
                fields.clear();
                fields.extend((0..record.len()).map(|i| {
                    record
                        .field(i)
                        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                }));
                outcome = on_record(&location, &fields);
                outcome.is_err()
            })
            .map_err(|e| anyhow!("{name}: row group {}: cannot read: {e}", group + 1))?;
        outcome?;
    }
    Ok(())
}

/// One row's fields as text, in one reused buffer.
#[derive(Debug, Default)]
struct TextRecord {
    bytes: Vec<u8>,
    /// Each field's end in `bytes`, and whether it is null.
    ends: Vec<(usize, bool)>,
}

impl TextRecord {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn push(&mut self, field: &Field, column: &Column) {
        let null = write_text(&mut self.bytes, field, column);
        self.ends.push((self.bytes.len(), null));
    }

    /// The field's text; `None` when it is null.
    fn field(&self, index: usize) -> Option<&[u8]> {
        let (end, null) = *self.ends.get(index)?;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1].0,
        };
        (!null).then(|| &self.bytes[start..end])
    }
}

impl Fields for TextRecord {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Null reads as an empty field, as tally reads an empty CSV field.
    fn get(&self, index: usize) -> Option<&[u8]> {
        (index < self.ends.len()).then(|| self.field(index).unwrap_or_default())
    }

    fn text(&self) -> String {
        let mut record = csv::ByteRecord::new();
        for index in 0..self.ends.len() {
            record.push_field(self.field(index).unwrap_or_default());
        }
        Fields::text(&record)
    }
}

/// Appends the text of one value; returns true when the value is null (nothing written).
///
/// A NaN or infinite float writes `NaN`, `inf` or `-inf`, which the per-row path rejects as
/// "not a decimal number" when it reads that column, as it would in a CSV.
fn write_text(out: &mut Vec<u8>, field: &Field, column: &Column) -> bool {
    // Writing to a Vec cannot fail.
    let _ = match field {
        Field::Null => return true,
        Field::Bool(b) => write!(out, "{b}"),
        Field::Byte(n) => write!(out, "{n}"),
        Field::Short(n) => write!(out, "{n}"),
        Field::Int(n) => write!(out, "{n}"),
        Field::Long(n) => match column.timestamp {
            Some((unit, utc)) => write!(out, "{}", timestamp_text(*n, unit, utc)),
            None => write!(out, "{n}"),
        },
        Field::UByte(n) => write!(out, "{n}"),
        Field::UShort(n) => write!(out, "{n}"),
        Field::UInt(n) => write!(out, "{n}"),
        Field::ULong(n) => write!(out, "{n}"),
        // Display of a float is the shortest text that reads back as the same value, in
        // plain (not exponent) notation: the digits the writer of the file meant.
        Field::Float16(x) => write!(out, "{}", x.to_f32()),
        Field::Float(x) => write!(out, "{x}"),
        Field::Double(x) => write!(out, "{x}"),
        Field::Decimal(d) => write!(out, "{}", decimal_text(d.data(), d.scale())),
        Field::Str(s) => out.write_all(s.as_bytes()),
        Field::Bytes(b) => out.write_all(b.data()),
        Field::Date(days) => match date_text(*days) {
            Some(text) => write!(out, "{text}"),
            None => write!(out, "{days}"),
        },
        Field::TimeMillis(ms) => write!(out, "{}", time_text(i64::from(*ms) * 1_000_000)),
        Field::TimeMicros(us) => write!(out, "{}", time_text(us.saturating_mul(1_000))),
        Field::TimestampMillis(ms) => {
            let utc = column.timestamp.is_none_or(|(_, utc)| utc);
            write!(out, "{}", timestamp_text(*ms, Unit::Millis, utc))
        }
        Field::TimestampMicros(us) => {
            let utc = column.timestamp.is_none_or(|(_, utc)| utc);
            write!(out, "{}", timestamp_text(*us, Unit::Micros, utc))
        }
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => {
            write!(out, "{}", json_value(field))
        }
    };
    false
}

/// The exact decimal text of a big-endian two's complement unscaled integer and a scale,
/// without trailing zeros after the point (`1234500`, scale 4 → `123.45`). Digits beyond what
/// tally keeps are still written: the per-row path then says the value is too large.
fn decimal_text(unscaled: &[u8], scale: i32) -> String {
    let negative = unscaled.first().is_some_and(|b| b & 0x80 != 0);
    // The magnitude, big-endian: two's complement negated when negative.
    let mut magnitude: Vec<u8> = unscaled.to_vec();
    if negative {
        let mut carry = true;
        for byte in magnitude.iter_mut().rev() {
            let (value, overflow) = (!*byte).overflowing_add(u8::from(carry));
            *byte = value;
            carry = overflow;
        }
    }
    let mut digits = if magnitude.len() <= 16 {
        let mut bytes = [0u8; 16];
        bytes[16 - magnitude.len()..].copy_from_slice(&magnitude);
        u128::from_be_bytes(bytes).to_string()
    } else {
        big_digits(&mut magnitude)
    };
    let scale = scale.max(0) as usize;
    if scale > 0 {
        if digits.len() <= scale {
            digits.insert_str(0, &"0".repeat(scale + 1 - digits.len()));
        }
        digits.insert(digits.len() - scale, '.');
        let trimmed = digits.trim_end_matches('0').trim_end_matches('.').len();
        digits.truncate(trimmed);
    }
    if negative && digits != "0" {
        digits.insert(0, '-');
    }
    digits
}

/// Decimal digits of a big-endian magnitude of any length, by long division (consumes it).
fn big_digits(magnitude: &mut [u8]) -> String {
    let mut digits = Vec::new();
    while magnitude.iter().any(|b| *b != 0) {
        let mut remainder = 0u32;
        for byte in magnitude.iter_mut() {
            let value = (remainder << 8) | u32::from(*byte);
            *byte = (value / 10) as u8;
            remainder = value % 10;
        }
        digits.push(b'0' + remainder as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// RFC 3339 text of a timestamp: `2026-10-01T00:00:00Z`, with a fraction of 3, 6 or 9 digits
/// when there is one; without the `Z` when the column is not adjusted to UTC (tally reads
/// zone-less text as UTC). Out of range: the raw number, which the date parser rejects.
fn timestamp_text(value: i64, unit: Unit, utc: bool) -> String {
    let per_second: i64 = match unit {
        Unit::Millis => 1_000,
        Unit::Micros => 1_000_000,
        Unit::Nanos => 1_000_000_000,
    };
    let seconds = value.div_euclid(per_second);
    let nanos = value.rem_euclid(per_second) * (1_000_000_000 / per_second);
    match DateTime::from_timestamp(seconds, nanos as u32) {
        Some(time) if utc => time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Some(time) => time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        None => value.to_string(),
    }
}

/// `YYYY-MM-DD` of a DATE (days since 1970-01-01).
fn date_text(days: i32) -> Option<String> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let date = epoch.checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// `hh:mm:ss[.fff]` of a time of day in nanoseconds.
fn time_text(nanos: i64) -> String {
    let seconds = nanos.div_euclid(1_000_000_000);
    let fraction = nanos.rem_euclid(1_000_000_000);
    u32::try_from(seconds)
        .ok()
        .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, fraction as u32))
        .map_or_else(
            || nanos.to_string(),
            |time| time.format("%H:%M:%S%.f").to_string(),
        )
}

/// A nested value as JSON: a map or struct as an object (so that `Tags` reads as a JSON
/// object of tags), a list as an array; integers and booleans as JSON numbers and booleans,
/// every other value as its text.
fn json_value(field: &Field) -> serde_json::Value {
    use serde_json::Value;
    let text = |field: &Field| {
        let mut bytes = Vec::new();
        write_text(&mut bytes, field, &Column::default());
        String::from_utf8_lossy(&bytes).into_owned()
    };
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(n) => Value::from(*n),
        Field::Short(n) => Value::from(*n),
        Field::Int(n) => Value::from(*n),
        Field::Long(n) => Value::from(*n),
        Field::UByte(n) => Value::from(*n),
        Field::UShort(n) => Value::from(*n),
        Field::UInt(n) => Value::from(*n),
        Field::ULong(n) => Value::from(*n),
        Field::Str(s) => Value::String(s.clone()),
        Field::Group(row) => Value::Object(
            row.get_column_iter()
                .map(|(name, value)| (name.clone(), json_value(value)))
                .collect(),
        ),
        Field::ListInternal(list) => Value::Array(list.elements().iter().map(json_value).collect()),
        Field::MapInternal(map) => Value::Object(
            map.entries()
                .iter()
                .map(|(key, value)| (text(key), json_value(value)))
                .collect(),
        ),
        other => Value::String(text(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::decimal::parse_decimal;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn text(field: Field, column: Column) -> Option<String> {
        let mut out = Vec::new();
        let null = write_text(&mut out, &field, &column);
        (!null).then(|| String::from_utf8(out).unwrap())
    }

    fn plain(field: Field) -> Option<String> {
        text(field, Column::default())
    }

    #[test]
    fn doubles_become_their_shortest_round_trip_decimal() {
        assert_eq!(
            plain(Field::Double(0.1 + 0.2)).unwrap(),
            "0.30000000000000004"
        );
        assert_eq!(plain(Field::Double(1e-7)).unwrap(), "0.0000001");
        assert_eq!(plain(Field::Double(0.1)).unwrap(), "0.1");
        assert_eq!(plain(Field::Double(-2.5)).unwrap(), "-2.5");
        assert_eq!(plain(Field::Double(12.0)).unwrap(), "12");
        assert_eq!(
            plain(Field::Double(1e21)).unwrap(),
            "1000000000000000000000"
        );
        assert_eq!(plain(Field::Float(0.1)).unwrap(), "0.1");
        for value in [0.1 + 0.2, 1e-7, 123.456789, 5e-324, 1.7976931348623157e308] {
            let shown = plain(Field::Double(value)).unwrap();
            assert!(!shown.contains('e'), "{shown}");
            assert_eq!(
                shown.parse::<f64>().unwrap(),
                value,
                "round trip of {shown}"
            );
        }
        // Exact decimals of those digits, never a float sum.
        let sum = parse_decimal(&plain(Field::Double(0.1)).unwrap()).unwrap()
            + parse_decimal(&plain(Field::Double(0.2)).unwrap()).unwrap();
        assert_eq!(sum, Decimal::from_str("0.3").unwrap());
        assert_eq!(
            parse_decimal(&plain(Field::Double(0.1 + 0.2)).unwrap()).unwrap(),
            Decimal::from_str("0.30000000000000004").unwrap()
        );
    }

    #[test]
    fn nan_and_infinity_are_not_decimals() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let shown = plain(Field::Double(value)).unwrap();
            assert!(parse_decimal(&shown).is_err(), "{shown}");
        }
        assert!(parse_decimal(&plain(Field::Float(f32::NAN)).unwrap()).is_err());
        // Too small or too large for 28 digits: an error, not a rounded value.
        assert!(parse_decimal(&plain(Field::Double(5e-324)).unwrap()).is_err());
        assert!(parse_decimal(&plain(Field::Double(1e300)).unwrap()).is_err());
    }

    #[test]
    fn decimals_are_exact_from_unscaled_and_scale() {
        let int32 = |v: i32, s| {
            plain(Field::Decimal(parquet::data_type::Decimal::from_i32(
                v, 9, s,
            )))
        };
        assert_eq!(int32(1234500, 4).unwrap(), "123.45");
        assert_eq!(int32(-5, 3).unwrap(), "-0.005");
        assert_eq!(int32(0, 2).unwrap(), "0");
        assert_eq!(int32(700, 0).unwrap(), "700");
        let int64 = plain(Field::Decimal(parquet::data_type::Decimal::from_i64(
            i64::MIN,
            18,
            18,
        )));
        assert_eq!(int64.unwrap(), "-9.223372036854775808");
        // DECIMAL(38,18) as Azure writes it: 16 big-endian bytes.
        let bytes = |v: i128| {
            parquet::data_type::Decimal::from_bytes(v.to_be_bytes().to_vec().into(), 38, 18)
        };
        let azure = plain(Field::Decimal(bytes(
            12_345_678_901_234_567_890_123_456_789,
        )))
        .unwrap();
        assert_eq!(azure, "12345678901.234567890123456789");
        assert_eq!(
            parse_decimal(&azure).unwrap(),
            Decimal::from_str("12345678901.234567890123456789").unwrap()
        );
        let wide = plain(Field::Decimal(bytes(
            123_456_789_012_345_678_901_234_567_891,
        )))
        .unwrap();
        assert_eq!(wide, "123456789012.345678901234567891");
        let err = parse_decimal(&wide).unwrap_err();
        assert!(err.contains("28"), "30 digits do not fit: {err}");
        let small = plain(Field::Decimal(bytes(-1_250_000_000_000_000_000))).unwrap();
        assert_eq!(small, "-1.25");
        assert_eq!(
            parse_decimal(&small).unwrap(),
            Decimal::from_str("-1.25").unwrap()
        );
        // Larger than 128 bits: long division, then "too large" from the decimal parser.
        let mut huge = vec![0x01];
        huge.extend([0u8; 16]);
        let huge = plain(Field::Decimal(parquet::data_type::Decimal::from_bytes(
            huge.into(),
            40,
            0,
        )))
        .unwrap();
        assert_eq!(huge, "340282366920938463463374607431768211456");
        assert_eq!(decimal_text(&[0xff; 17], 0), "-1");
        let err = parse_decimal(&decimal_text(&[0x7f; 20], 2)).unwrap_err();
        assert!(err.contains("too large"), "{err}");
    }

    #[test]
    fn timestamps_become_rfc3339_utc() {
        let utc = |unit| Column {
            timestamp: Some((unit, true)),
        };
        assert_eq!(
            plain(Field::TimestampMillis(1_790_812_800_000)).unwrap(),
            "2026-10-01T00:00:00Z"
        );
        assert_eq!(
            plain(Field::TimestampMillis(1_790_812_800_250)).unwrap(),
            "2026-10-01T00:00:00.250Z"
        );
        assert_eq!(
            plain(Field::TimestampMicros(1_790_812_800_000_001)).unwrap(),
            "2026-10-01T00:00:00.000001Z"
        );
        assert_eq!(
            text(Field::Long(1_790_812_800_000_000_007), utc(Unit::Nanos)).unwrap(),
            "2026-10-01T00:00:00.000000007Z"
        );
        assert_eq!(
            text(Field::Long(-1), utc(Unit::Millis)).unwrap(),
            "1969-12-31T23:59:59.999Z"
        );
        let local = Column {
            timestamp: Some((Unit::Micros, false)),
        };
        assert_eq!(
            text(Field::TimestampMicros(1_790_812_800_000_000), local).unwrap(),
            "2026-10-01T00:00:00"
        );
        assert_eq!(
            text(
                Field::Long(1_790_812_800_500_000_000),
                Column {
                    timestamp: Some((Unit::Nanos, false))
                }
            )
            .unwrap(),
            "2026-10-01T00:00:00.500"
        );
        assert_eq!(plain(Field::Date(20_362)).unwrap(), "2025-10-01");
        assert_eq!(plain(Field::Date(0)).unwrap(), "1970-01-01");
        assert_eq!(plain(Field::TimeMillis(3_723_004)).unwrap(), "01:02:03.004");
        // Every form reads as the intended day.
        for shown in ["2026-10-01T00:00:00.250Z", "2026-10-01T00:00:00"] {
            assert_eq!(
                crate::primitives::date::parse_day(shown)
                    .unwrap()
                    .to_string(),
                "2026-10-01"
            );
        }
    }

    #[test]
    fn plain_values_and_null() {
        assert_eq!(plain(Field::Null), None);
        assert_eq!(plain(Field::Str("AmazonEC2".into())).unwrap(), "AmazonEC2");
        assert_eq!(plain(Field::Str(String::new())).unwrap(), "");
        assert_eq!(plain(Field::Long(-42)).unwrap(), "-42");
        assert_eq!(
            plain(Field::ULong(u64::MAX)).unwrap(),
            "18446744073709551615"
        );
        assert_eq!(plain(Field::Bool(true)).unwrap(), "true");
        assert_eq!(plain(Field::Bool(false)).unwrap(), "false");
    }

    #[test]
    fn nested_values_become_json_objects_of_tags() {
        // A map reads the same (its entries as an object); the record API builds maps only
        // from files, so the AWS fixture's MAP<string,string> tags cover them.
        let group = Field::Group(parquet::record::Row::new(vec![
            ("team".into(), Field::Str("search".into())),
            ("env".into(), Field::Null),
            ("n".into(), Field::Int(3)),
            ("cost".into(), Field::Double(0.5)),
        ]));
        let shown = plain(group).unwrap();
        assert_eq!(shown, r#"{"team":"search","env":null,"n":3,"cost":"0.5"}"#);
        assert_eq!(
            crate::ingest::row::find_tag(&shown, "team").unwrap(),
            Some("search".to_string())
        );
    }

    #[test]
    fn record_fields_read_null_as_empty() {
        let mut record = TextRecord::default();
        record.push(&Field::Str("a".into()), &Column::default());
        record.push(&Field::Null, &Column::default());
        record.push(&Field::Double(1.5), &Column::default());
        assert_eq!(Fields::len(&record), 3);
        assert_eq!(record.field(1), None);
        assert_eq!(Fields::get(&record, 1), Some(&b""[..]));
        assert_eq!(Fields::get(&record, 2), Some(&b"1.5"[..]));
        assert_eq!(Fields::get(&record, 3), None);
        assert_eq!(Fields::text(&record), "a,,1.5");
    }

    #[test]
    fn records_are_read_in_order_with_their_place() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/parquet/doubles.gz.parquet");
        let mut header = Vec::new();
        let mut rows = Vec::new();
        for_each_record(
            &path,
            |names| {
                header = names.to_vec();
                Ok(())
            },
            |location, fields| {
                rows.push((location.place(), fields.to_vec()));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            header,
            [
                "BilledCost",
                "ChargePeriodStart",
                "ServiceName",
                "SkuId",
                "BillingCurrency",
                "Tags"
            ]
        );
        assert_eq!(rows.len(), 8);
        let text = |s: &str| Some(s.to_string());
        assert_eq!(rows[0].0, "row group 1, row 1");
        // INT96 timestamps read as UTC.
        assert_eq!(
            rows[0].1,
            [
                text("0.1"),
                text("2026-10-01T12:00:00Z"),
                text("doubles"),
                text("SKU0"),
                text("USD"),
                None
            ]
        );
        assert_eq!(rows[2].1[0], text("0.0000001"));
        assert_eq!(rows[3].1[0], text("0.30000000000000004"));
        assert_eq!(rows[7].0, "row group 1, row 8");
    }
}

//! `tally export --to parquet`: the normalized rows of a scan (`ingest::tally::ExportRow`)
//! written as a Parquet dataset, one file per billing month (`month=YYYY-MM/part-00000.parquet`,
//! hive-style). Rows are streamed: each month buffers at most one row group, and all months
//! together at most `BUFFER_BYTES`, so memory does not grow with the input. The bytes depend on
//! the rows and their order only (fixed `created_by`, no time stamps): the same inputs give the
//! same files.

use crate::ingest::tally::{Exact, ExportRow};
use crate::model::Day;
use anyhow::{Context, Result, anyhow};
use chrono::Datelike;
use parquet::data_type::{ByteArray, ByteArrayType, FixedLenByteArray, FixedLenByteArrayType};
use parquet::data_type::{Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The widest exact DECIMAL Spark, Trino and DuckDB share, as `tally sql` writes it.
pub const PRECISION: u32 = 38;

/// Rows per row group (a month's file has as many groups as it needs).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The rows buffered for all months together, in bytes (about): past it, the month holding
/// the most is written out as a row group.
pub const BUFFER_BYTES: usize = 64 << 20;

/// The dataset's columns, in file order, with their Parquet and SQL types; `{scale}` is the
/// decimal scale. `month`, the partition, is in the folder names, not in the files.
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("day", "REQUIRED INT32 day (DATE)", "DATE"),
    ("project", "OPTIONAL BYTE_ARRAY project (STRING)", "VARCHAR"),
    (
        "project_id",
        "OPTIONAL BYTE_ARRAY project_id (STRING)",
        "VARCHAR",
    ),
    ("service", "OPTIONAL BYTE_ARRAY service (STRING)", "VARCHAR"),
    ("sku", "REQUIRED BYTE_ARRAY sku (STRING)", "VARCHAR"),
    ("region", "OPTIONAL BYTE_ARRAY region (STRING)", "VARCHAR"),
    (
        "resource",
        "OPTIONAL BYTE_ARRAY resource (STRING)",
        "VARCHAR",
    ),
    (
        "quantity",
        "OPTIONAL FIXED_LEN_BYTE_ARRAY (16) quantity (DECIMAL(38, {scale}))",
        "DECIMAL(38, {scale})",
    ),
    ("unit", "OPTIONAL BYTE_ARRAY unit (STRING)", "VARCHAR"),
    (
        "cost",
        "REQUIRED FIXED_LEN_BYTE_ARRAY (16) cost (DECIMAL(38, {scale}))",
        "DECIMAL(38, {scale})",
    ),
    (
        "currency",
        "REQUIRED BYTE_ARRAY currency (STRING)",
        "VARCHAR",
    ),
    ("source", "REQUIRED BYTE_ARRAY source (STRING)", "VARCHAR"),
    ("tags", "OPTIONAL BYTE_ARRAY tags (STRING)", "VARCHAR"),
    ("input", "REQUIRED BYTE_ARRAY input (STRING)", "VARCHAR"),
    ("row_group", "OPTIONAL INT64 row_group", "BIGINT"),
    ("line", "REQUIRED INT64 line", "BIGINT"),
];

/// The Parquet schema of the files, at decimal scale `scale`.
fn message_type(scale: u32) -> String {
    let fields: Vec<String> = COLUMNS
        .iter()
        .map(|(_, field, _)| format!("  {};", field.replace("{scale}", &scale.to_string())))
        .collect();
    format!("message tally_rows {{\n{}\n}}", fields.join("\n"))
}

/// `value` as a DECIMAL(38, scale) in Parquet's form: the unscaled integer, 16 bytes,
/// big-endian two's complement. An error (never a rounding) when it has more than `scale`
/// decimals or more than `38 - scale` integer digits.
pub fn decimal_bytes(value: Decimal, scale: u32) -> Result<[u8; 16], String> {
    let value = value.normalize();
    if value.scale() > scale {
        return Err(format!(
            "has {} decimals, more than --scale {scale}: pass --scale {} or more",
            value.scale(),
            value.scale()
        ));
    }
    let unscaled = 10i128
        .checked_pow(scale - value.scale())
        .and_then(|factor| value.mantissa().checked_mul(factor))
        .filter(|m| m.unsigned_abs() < 10u128.pow(PRECISION))
        .ok_or_else(|| {
            format!(
                "has more than {} integer digits, which DECIMAL({PRECISION}, {scale}) cannot \
                 hold: pass a smaller --scale",
                PRECISION - scale
            )
        })?;
    Ok(unscaled.to_be_bytes())
}

/// A row as buffered for its month: the decimals already encoded.
struct Buffered {
    day: i32,
    row: ExportRow,
    quantity: Option<[u8; 16]>,
    cost: [u8; 16],
    input: Arc<str>,
}

impl Buffered {
    fn bytes(&self) -> usize {
        let row = &self.row;
        std::mem::size_of::<Buffered>()
            + [
                &row.project,
                &row.project_id,
                &row.service,
                &row.sku,
                &row.region,
                &row.resource,
                &row.unit,
                &row.currency,
                &row.tags,
            ]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
    }
}

/// One month's file being written.
struct MonthFile {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    buffered: Vec<Buffered>,
    bytes: usize,
    rows: u64,
    row_groups: u64,
    /// Exact cost per currency.
    costs: BTreeMap<String, Exact>,
}

/// What one month's file holds, for `_manifest.json`.
#[derive(Debug, Clone)]
pub struct Partition {
    /// `YYYY-MM`.
    pub month: String,
    /// Relative to the dataset's folder, with `/`.
    pub path: String,
    pub rows: u64,
    pub row_groups: u64,
    pub bytes: u64,
    pub sha256: String,
    /// Exact cost per currency (`None` when a sum overflowed).
    pub costs: BTreeMap<String, Option<Decimal>>,
}

/// The dataset being written into a folder.
pub struct Dataset {
    dir: PathBuf,
    scale: u32,
    props: Arc<WriterProperties>,
    schema: parquet::schema::types::TypePtr,
    months: BTreeMap<(i32, u32), MonthFile>,
    buffered_bytes: usize,
    /// The input names handed out so far, shared by their rows.
    inputs: BTreeMap<String, Arc<str>>,
}

/// The compression the files are written with.
pub fn compression() -> (&'static str, parquet::basic::Compression) {
    #[cfg(feature = "parquet-zstd")]
    {
        let level = parquet::basic::ZstdLevel::try_new(3).unwrap_or_default();
        ("zstd", parquet::basic::Compression::ZSTD(level))
    }
    #[cfg(not(feature = "parquet-zstd"))]
    {
        ("snappy", parquet::basic::Compression::SNAPPY)
    }
}

impl Dataset {
    pub fn new(dir: &Path, scale: u32) -> Result<Dataset> {
        let schema = parquet::schema::parser::parse_message_type(&message_type(scale))
            .map_err(|e| anyhow!("the dataset's schema: {e}"))?;
        let props = WriterProperties::builder()
            .set_compression(compression().1)
            // No version that changes with the parquet crate: the bytes depend on the rows.
            .set_created_by(format!("tally {}", env!("CARGO_PKG_VERSION")))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
                "tally.scale".to_string(),
                scale.to_string(),
            )]))
            .build();
        Ok(Dataset {
            dir: dir.to_path_buf(),
            scale,
            props: Arc::new(props),
            schema: Arc::new(schema),
            months: BTreeMap::new(),
            buffered_bytes: 0,
            inputs: BTreeMap::new(),
        })
    }

    /// Adds the next rows of `source`, in input order.
    pub fn push(&mut self, source: &str, rows: Vec<ExportRow>) -> Result<()> {
        let input = match self.inputs.get(source) {
            Some(name) => name.clone(),
            None => {
                let name: Arc<str> = source.into();
                self.inputs.insert(source.to_string(), name.clone());
                name
            }
        };
        for row in rows {
            let place = match row.row_group {
                Some(group) => format!("{source}: row group {group}, row {}", row.line),
                None => format!("{source}:{}", row.line),
            };
            let cost = decimal_bytes(row.cost, self.scale)
                .map_err(|e| anyhow!("{place}: the cost {} {e}", row.cost))?;
            let quantity = row
                .quantity
                .map(|q| decimal_bytes(q, self.scale))
                .transpose()
                .map_err(|e| anyhow!("{place}: the quantity {e}"))?;
            let month = (row.day.year(), row.day.month());
            if !self.months.contains_key(&month) {
                let file = self.open(month)?;
                self.months.insert(month, file);
            }
            let file = self.months.get_mut(&month).expect("opened above");
            let currency_sum = file.costs.entry(row.currency.clone()).or_default();
            // An overflowing sum is reported as null in the manifest, never wrapped.
            let _ = currency_sum.add(row.cost);
            let buffered = Buffered {
                day: days_since_epoch(row.day),
                row,
                quantity,
                cost,
                input: input.clone(),
            };
            let bytes = buffered.bytes();
            file.buffered.push(buffered);
            file.bytes += bytes;
            self.buffered_bytes += bytes;
            if file.buffered.len() >= ROW_GROUP_ROWS {
                self.flush(month)?;
            }
            if self.buffered_bytes > BUFFER_BYTES {
                let largest = self
                    .months
                    .iter()
                    .max_by_key(|(key, file)| (file.bytes, std::cmp::Reverse(**key)))
                    .map(|(key, _)| *key);
                if let Some(largest) = largest {
                    self.flush(largest)?;
                }
            }
        }
        Ok(())
    }

    fn open(&self, (year, month): (i32, u32)) -> Result<MonthFile> {
        let folder = self.dir.join(format!("month={year:04}-{month:02}"));
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("{}: cannot create", folder.display()))?;
        let path = folder.join("part-00000.parquet");
        let file =
            File::create(&path).with_context(|| format!("{}: cannot create", path.display()))?;
        let writer = SerializedFileWriter::new(
            BufWriter::with_capacity(1 << 20, file),
            self.schema.clone(),
            self.props.clone(),
        )
        .with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(MonthFile {
            path,
            writer,
            buffered: Vec::new(),
            bytes: 0,
            rows: 0,
            row_groups: 0,
            costs: BTreeMap::new(),
        })
    }

    /// Writes a month's buffered rows as one row group.
    fn flush(&mut self, month: (i32, u32)) -> Result<()> {
        let Some(file) = self.months.get_mut(&month) else {
            return Ok(());
        };
        if file.buffered.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut file.buffered);
        self.buffered_bytes -= file.bytes;
        file.bytes = 0;
        let path = file.path.display().to_string();
        write_row_group(&mut file.writer, &rows)
            .with_context(|| format!("{path}: cannot write"))?;
        file.rows += rows.len() as u64;
        file.row_groups += 1;
        Ok(())
    }

    /// Writes what is buffered and closes every file; the partitions in month order.
    pub fn finish(mut self) -> Result<Vec<Partition>> {
        let months: Vec<(i32, u32)> = self.months.keys().copied().collect();
        for month in &months {
            self.flush(*month)?;
        }
        let mut partitions = Vec::new();
        for ((year, month), file) in std::mem::take(&mut self.months) {
            let path = file.path.clone();
            let name = path.display().to_string();
            let writer = file
                .writer
                .into_inner()
                .with_context(|| format!("{name}: cannot write"))?;
            let handle = writer
                .into_inner()
                .map_err(|e| anyhow!("{name}: cannot write: {}", e.error()))?;
            handle
                .sync_all()
                .with_context(|| format!("{name}: cannot write"))?;
            let bytes = std::fs::read(&path).with_context(|| format!("{name}: cannot read"))?;
            use sha2::Digest;
            let sha256 = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            partitions.push(Partition {
                month: format!("{year:04}-{month:02}"),
                path: format!("month={year:04}-{month:02}/part-00000.parquet"),
                rows: file.rows,
                row_groups: file.row_groups,
                bytes: bytes.len() as u64,
                sha256,
                costs: file
                    .costs
                    .iter()
                    .map(|(currency, sum)| (currency.clone(), sum.value().ok()))
                    .collect(),
            });
        }
        Ok(partitions)
    }
}

fn days_since_epoch(day: Day) -> i32 {
    (day - Day::from_ymd_opt(1970, 1, 1).expect("a valid day")).num_days() as i32
}

/// One row group: every column of `rows`, in schema order.
fn write_row_group(
    writer: &mut SerializedFileWriter<BufWriter<File>>,
    rows: &[Buffered],
) -> parquet::errors::Result<()> {
    let mut group = writer.next_row_group()?;
    let text = |value: &str| ByteArray::from(value.as_bytes().to_vec());
    // An optional text column: the values present, and 1/0 definition levels.
    let optional = |get: &dyn Fn(&Buffered) -> &str| -> (Vec<ByteArray>, Vec<i16>) {
        let mut values = Vec::new();
        let levels = rows
            .iter()
            .map(|row| {
                let value = get(row);
                if value.is_empty() {
                    0
                } else {
                    values.push(text(value));
                    1
                }
            })
            .collect();
        (values, levels)
    };
    for (name, _, _) in COLUMNS {
        let Some(mut column) = group.next_column()? else {
            break;
        };
        match *name {
            "day" => {
                let values: Vec<i32> = rows.iter().map(|r| r.day).collect();
                column
                    .typed::<Int32Type>()
                    .write_batch(&values, None, None)?;
            }
            "quantity" | "cost" => {
                let mut values = Vec::new();
                let mut levels = Vec::new();
                for row in rows {
                    let value = if *name == "cost" {
                        Some(row.cost)
                    } else {
                        row.quantity
                    };
                    levels.push(i16::from(value.is_some()));
                    if let Some(bytes) = value {
                        values.push(FixedLenByteArray::from(bytes.to_vec()));
                    }
                }
                let levels = (*name == "quantity").then_some(&levels[..]);
                column
                    .typed::<FixedLenByteArrayType>()
                    .write_batch(&values, levels, None)?;
            }
            "row_group" => {
                let values: Vec<i64> = rows
                    .iter()
                    .filter_map(|r| r.row.row_group.map(|g| g as i64))
                    .collect();
                let levels: Vec<i16> = rows
                    .iter()
                    .map(|r| i16::from(r.row.row_group.is_some()))
                    .collect();
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, Some(&levels), None)?;
            }
            "line" => {
                let values: Vec<i64> = rows.iter().map(|r| r.row.line as i64).collect();
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, None, None)?;
            }
            "sku" | "currency" | "source" | "input" => {
                let values: Vec<ByteArray> = rows
                    .iter()
                    .map(|r| match *name {
                        "sku" => text(&r.row.sku),
                        "currency" => text(&r.row.currency),
                        "source" => text(crate::model::Source::Billed.as_str()),
                        _ => text(&r.input),
                    })
                    .collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, None, None)?;
            }
            other => {
                let get: &dyn Fn(&Buffered) -> &str = match other {
                    "project" => &|r| &r.row.project,
                    "project_id" => &|r| &r.row.project_id,
                    "service" => &|r| &r.row.service,
                    "region" => &|r| &r.row.region,
                    "resource" => &|r| &r.row.resource,
                    "unit" => &|r| &r.row.unit,
                    _ => &|r| &r.row.tags,
                };
                let (values, levels) = optional(get);
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, Some(&levels), None)?;
            }
        }
        column.close()?;
    }
    group.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_are_held_exactly_or_refused() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            i128::from_be_bytes(decimal_bytes(d("12.5"), 16).unwrap()),
            125_000_000_000_000_000
        );
        assert_eq!(
            i128::from_be_bytes(decimal_bytes(d("-0.0000016"), 16).unwrap()),
            -16_000_000_000
        );
        // Trailing zeros are not decimals that count.
        assert_eq!(
            i128::from_be_bytes(decimal_bytes(d("1.50000000000000000000"), 2).unwrap()),
            150
        );
        let err = decimal_bytes(d("0.123"), 2).unwrap_err();
        assert!(err.contains("pass --scale 3 or more"), "{err}");
        // 37 decimals leave one integer digit.
        let err = decimal_bytes(d("12"), 37).unwrap_err();
        assert!(err.contains("more than 1 integer digits"), "{err}");
    }

    #[test]
    fn the_schema_parses_at_every_scale() {
        for scale in [2, 16, 37] {
            let schema = parquet::schema::parser::parse_message_type(&message_type(scale))
                .expect("a valid schema");
            assert_eq!(schema.get_fields().len(), COLUMNS.len());
        }
    }
}

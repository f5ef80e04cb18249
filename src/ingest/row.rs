//! Normalizes one CSV record (usage export or FOCUS) into a day, exact amounts and the byte
//! keys it is counted under. This is the per-row hot path: it borrows fields and writes keys
//! into reused buffers; it allocates only to describe an error.

use super::blocks::Block;
use super::columns::Schema;
use super::fields::{parse_day, parse_decimal};
use super::tally::{KEY_SEPARATOR, Reject, Tally, day_bytes};
use crate::config::{Filters, ScanPlan};
use crate::error::{Location, RowError};
use crate::model::{Day, KeyKind, Source};
use rust_decimal::Decimal;

/// What one file needs to turn its records into tallies.
pub struct FileRows<'a> {
    /// The input as users name it, for errors (`export.zip:part-2-of-3.csv`).
    pub source: &'a str,
    pub schema: &'a Schema,
    pub plan: &'a ScanPlan,
    /// For each `--by` key that is a plain column, where that column is in this file.
    pub key_columns: Vec<Option<usize>>,
}

/// A record's values that are not written into key buffers.
struct Row {
    day: Day,
    quantity: Decimal,
    cost: Decimal,
    passes: bool,
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
    pub fn new(source: &'a str, schema: &'a Schema, plan: &'a ScanPlan) -> FileRows<'a> {
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
        }
    }

    /// Parses every record of a block into a fresh tally.
    pub fn process_block(&self, block: &Block) -> Tally {
        let mut tally = Tally::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&block.data[..]);
        let mut record = csv::ByteRecord::new();
        let mut key = Vec::with_capacity(256);
        let mut overlap = Vec::with_capacity(256);
        let mut cache: Option<(Vec<u8>, Day)> = None;
        loop {
            let line_of = |line: u64| block.first_line + line.saturating_sub(1);
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => {
                    let line = error
                        .position()
                        .map_or(block.first_line, |p| line_of(p.line()));
                    tally.rows_read += 1;
                    let error = FieldError {
                        column: None,
                        value: None,
                        reason: format!("is not valid CSV: {error}"),
                    };
                    if self.reject(&mut tally, error, line, &record) {
                        break;
                    }
                    continue;
                }
            }
            let line = line_of(record.position().map_or(1, |p| p.line()));
            tally.rows_read += 1;
            match self.row(&record, &mut key, &mut overlap, &mut cache) {
                Ok(row) => {
                    let day_rows = tally.days.entry(row.day).or_default();
                    day_rows.valid += 1;
                    if self.plan.track_overlap && !tally.overlap_keys.contains(&overlap[..]) {
                        tally
                            .overlap_keys
                            .insert(overlap.clone().into_boxed_slice());
                    }
                    if !row.passes {
                        continue;
                    }
                    day_rows.passing += 1;
                    let added = match tally.groups.get_mut(&key[..]) {
                        Some(sums) => sums.add(row.quantity, row.cost),
                        None => {
                            let mut sums = super::tally::Sums::default();
                            let added = sums.add(row.quantity, row.cost);
                            tally.groups.insert(key.clone().into_boxed_slice(), sums);
                            added
                        }
                    };
                    if added.is_err() {
                        tally.overflow = true;
                        break;
                    }
                }
                Err(error) => {
                    if self.reject(&mut tally, error, line, &record) {
                        break;
                    }
                }
            }
        }
        tally
    }

    /// Records a bad row; returns true when the scan must stop at it.
    fn reject(
        &self,
        tally: &mut Tally,
        error: FieldError,
        line: u64,
        record: &csv::ByteRecord,
    ) -> bool {
        let error = RowError {
            location: Location {
                source: self.source.to_string(),
                line,
            },
            column: error.column.map(|i| self.column_name(i)),
            value: error.value,
            reason: error.reason,
        };
        if self.plan.skip_bad_rows {
            tally.rejects.push(Reject {
                error,
                record: record_text(record),
            });
            false
        } else {
            tally.first_error = Some(error);
            true
        }
    }

    fn column_name(&self, index: usize) -> String {
        self.schema
            .headers
            .get(index)
            .cloned()
            .unwrap_or_else(|| format!("#{}", index + 1))
    }

    fn row(
        &self,
        record: &csv::ByteRecord,
        key: &mut Vec<u8>,
        overlap: &mut Vec<u8>,
        cache: &mut Option<(Vec<u8>, Day)>,
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
            if schema.null_is_empty && field == b"NULL" {
                b""
            } else {
                field
            }
        };
        let text = |index: usize| -> Result<&str, FieldError> {
            let field = raw(index);
            std::str::from_utf8(field)
                .map_err(|_| FieldError::at(index, field, "is not valid UTF-8"))
        };
        let optional = |index: Option<usize>| -> Result<&str, FieldError> {
            index.map_or(Ok(""), |i| text(i).map(str::trim))
        };
        let first_of = |indexes: &[usize]| -> Result<&str, FieldError> {
            for &index in indexes {
                let value = text(index)?.trim();
                if !value.is_empty() {
                    return Ok(value);
                }
            }
            Ok("")
        };

        let day = match cache {
            Some((bytes, day)) if bytes[..] == *raw(schema.date) => *day,
            _ => {
                let day = parse_day(text(schema.date)?)
                    .map_err(|reason| FieldError::at(schema.date, raw(schema.date), reason))?;
                *cache = Some((raw(schema.date).to_vec(), day));
                day
            }
        };
        let cost = parse_decimal(text(schema.cost)?)
            .map_err(|reason| FieldError::at(schema.cost, raw(schema.cost), reason))?;
        let quantity = match schema.quantity {
            Some(index) if !raw(index).trim_ascii().is_empty() => parse_decimal(text(index)?)
                .map_err(|reason| FieldError::at(index, raw(index), reason))?,
            _ => Decimal::ZERO,
        };
        let sku = first_of(&schema.sku)?;
        if sku.is_empty() {
            let index = schema.sku[0];
            return Err(FieldError::at(
                index,
                raw(index),
                "is empty; expected a SKU",
            ));
        }
        let project_name = optional(schema.project_name)?;
        let project_id = optional(schema.project_id)?;
        let project = if project_name.is_empty() {
            project_id
        } else {
            project_name
        };
        let service = match schema.service {
            Some(index) => text(index)?.trim(),
            None => service_from_sku(sku),
        };
        let region = optional(schema.region)?;
        let resource = first_of(&schema.resource)?;
        let unit = optional(schema.unit)?;
        let currency = match optional(schema.currency)? {
            "" => "USD",
            currency => currency,
        };

        if self.plan.track_overlap {
            overlap.clear();
            overlap.extend_from_slice(&day_bytes(day));
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

        let filters = &self.plan.filters;
        let passes = self.plan.range.contains(day)
            && matches_any(&filters.skus, &[sku])
            && matches_any(&filters.projects, &[project_name, project_id])
            && matches_any(&filters.services, &[service])
            && self.tags_match(filters, record)?;
        if passes {
            key.clear();
            key.extend_from_slice(&day_bytes(day));
            for (position, kind) in self.plan.keys.iter().enumerate() {
                let value: std::borrow::Cow<str> = match kind {
                    KeyKind::Sku => sku.into(),
                    KeyKind::Project => project.into(),
                    KeyKind::Service => service.into(),
                    KeyKind::Region => region.into(),
                    KeyKind::Resource => resource.into(),
                    KeyKind::Currency => currency.into(),
                    KeyKind::Source => Source::Billed.as_str().into(),
                    KeyKind::Assistant | KeyKind::Model | KeyKind::Endpoint => "".into(),
                    KeyKind::Tag(tag) => self.tag_value(record, tag)?.unwrap_or_default().into(),
                    KeyKind::Column(_) => match self.key_columns[position] {
                        Some(index) => text(index)?.trim().into(),
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
        }
        Ok(Row {
            day,
            quantity,
            cost,
            passes,
        })
    }

    fn tags_match(&self, filters: &Filters, record: &csv::ByteRecord) -> Result<bool, FieldError> {
        for (tag, wanted) in &filters.tags {
            if self.tag_value(record, tag)?.as_deref() != Some(wanted.as_str()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The value of one tag: row tags first, then index tags, then project tags.
    fn tag_value(&self, record: &csv::ByteRecord, tag: &str) -> Result<Option<String>, FieldError> {
        for &index in &self.schema.tags {
            let field = record.get(index).unwrap_or_default();
            if field.is_empty() || (self.schema.null_is_empty && field == b"NULL") {
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

/// The record as one CSV line, for `rejects.csv`.
fn record_text(record: &csv::ByteRecord) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if writer.write_byte_record(record).is_err() {
        return String::new();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string()
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

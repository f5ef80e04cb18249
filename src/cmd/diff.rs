//! `tally diff OLD NEW`: what changed between two `report --out` folders, per day and group,
//! from their `daily.csv` (exact figures) and `manifest.json` (as-of). A row is `added` (only
//! in NEW), `removed` (only in OLD) or `restated` (in both, another cost); a row that was
//! provisional in OLD and is final in NEW is marked `became final`, with or without a change.
//! Exit 0 when every figure is equal, 3 when any differs (for cron).

use crate::config::Format;
use crate::error::Exit;
use crate::model::{exact_add, money_text};
use crate::output;
use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One `daily.csv`: its key columns (date first) and `key → (cost, status)`.
struct Daily {
    keys: Vec<String>,
    rows: BTreeMap<Vec<String>, (Decimal, String)>,
    as_of: Option<String>,
}

fn read_daily(dir: &Path) -> Result<Daily> {
    let path = dir.join("daily.csv");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: cannot read (give two folders written by `tally report --out`)",
            path.display()
        )
    })?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let cost = header.iter().position(|h| h == "cost");
    let status = header.iter().position(|h| h == "status");
    let (Some(cost), Some(status)) = (cost, status) else {
        bail!(
            "{}: line 1: not a tally daily.csv (no cost and status columns)",
            path.display()
        );
    };
    // Key columns: date and the --by keys before `cost`, and the currency after it.
    let mut keys: Vec<usize> = (0..cost).collect();
    if let Some(currency) = header.iter().position(|h| h == "currency")
        && currency > cost
    {
        keys.push(currency);
    }
    let mut rows = BTreeMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record =
            record.with_context(|| format!("{}: line {line}: cannot read", path.display()))?;
        let key: Vec<String> = keys
            .iter()
            .map(|&i| record.get(i).unwrap_or_default().to_string())
            .collect();
        let value = record.get(cost).unwrap_or_default();
        let amount = Decimal::from_str(value).map_err(|_| {
            anyhow::anyhow!(
                "{}: line {line}, column {}: \"{}\" is not a decimal cost",
                path.display(),
                cost + 1,
                output::visible(value)
            )
        })?;
        let status = record.get(status).unwrap_or_default().to_string();
        rows.insert(key, (amount, status));
    }
    let as_of = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|manifest| manifest["as_of"].as_str().map(str::to_string));
    Ok(Daily {
        keys: keys.iter().map(|&i| header[i].clone()).collect(),
        rows,
        as_of,
    })
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub key: Vec<String>,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
    /// `added`, `removed`, `restated`, `became final` (same figure) or `restated, became
    /// final`.
    pub what: String,
}

impl DiffRow {
    fn change(&self) -> Decimal {
        self.new.unwrap_or_default() - self.old.unwrap_or_default()
    }
    /// Whether a figure differs (a day that only became final does not).
    pub fn differs(&self) -> bool {
        self.what != "became final"
    }
}

fn compare(old: &Daily, new: &Daily) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    let keys: std::collections::BTreeSet<&Vec<String>> =
        old.rows.keys().chain(new.rows.keys()).collect();
    for key in keys {
        let before = old.rows.get(key);
        let after = new.rows.get(key);
        let what = match (before, after) {
            (None, Some(_)) => "added".to_string(),
            (Some(_), None) => "removed".to_string(),
            (Some((a, sa)), Some((b, sb))) => {
                let finalized = sa == "provisional" && sb == "final";
                match (a == b, finalized) {
                    (true, false) => continue,
                    (true, true) => "became final".to_string(),
                    (false, false) => "restated".to_string(),
                    (false, true) => "restated, became final".to_string(),
                }
            }
            (None, None) => continue,
        };
        rows.push(DiffRow {
            key: key.clone(),
            old: before.map(|(c, _)| *c),
            new: after.map(|(c, _)| *c),
            what,
        });
    }
    rows
}

pub fn run(old_dir: PathBuf, new_dir: PathBuf, format: Format) -> Result<Exit> {
    let old = read_daily(&old_dir)?;
    let new = read_daily(&new_dir)?;
    if old.keys != new.keys {
        bail!(
            "{} and {} are grouped differently ({} vs {}): run both reports with the same --by",
            old_dir.display(),
            new_dir.display(),
            old.keys[1..].join(","),
            new.keys[1..].join(",")
        );
    }
    let rows = compare(&old, &new);
    let differs = rows.iter().any(DiffRow::differs);
    let total = |daily: &Daily| -> Result<Decimal> {
        daily
            .rows
            .values()
            .try_fold(Decimal::ZERO, |sum, (cost, _)| {
                exact_add(sum, *cost).map_err(|o| anyhow::anyhow!("{o}"))
            })
    };
    let (old_total, new_total) = (total(&old)?, total(&new)?);
    let bytes = match format {
        Format::Table => {
            let mut lines = vec![{
                let mut header = old.keys.clone();
                header.extend(["old", "new", "change", "what"].map(String::from));
                header
            }];
            for row in &rows {
                let mut line: Vec<String> = row
                    .key
                    .iter()
                    .map(|k| output::visible(k).into_owned())
                    .collect();
                let shown = |v: Option<Decimal>| {
                    v.map_or("-".to_string(), crate::render::table::display_money)
                };
                line.extend([
                    shown(row.old),
                    shown(row.new),
                    crate::render::table::display_money(row.change()),
                    row.what.clone(),
                ]);
                lines.push(line);
            }
            let n = old.keys.len();
            let mut right = vec![false; n];
            right.extend([true, true, true, false]);
            let mut text = format!(
                "Old: {} (as of {})\nNew: {} (as of {})\n\n",
                old_dir.display(),
                old.as_of.as_deref().unwrap_or("unknown"),
                new_dir.display(),
                new.as_of.as_deref().unwrap_or("unknown")
            );
            if rows.is_empty() {
                text.push_str("No difference: every day and group has the same cost.\n");
            } else {
                for line in crate::render::table::aligned(&lines, &right) {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            let count = |what: &str| rows.iter().filter(|r| r.what.starts_with(what)).count();
            text.push_str(&format!(
                "\n{} added, {} removed, {} restated, {} became final; total {} → {} ({})\n",
                count("added"),
                count("removed"),
                count("restated"),
                rows.iter()
                    .filter(|r| r.what.ends_with("became final"))
                    .count(),
                crate::render::table::display_money(old_total),
                crate::render::table::display_money(new_total),
                crate::render::table::display_money(new_total - old_total),
            ));
            text.into_bytes()
        }
        Format::Csv => {
            let mut out = ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let mut header = old.keys.clone();
            header.extend(["old_cost", "new_cost", "change", "what"].map(String::from));
            out.write_record(&header)?;
            for row in &rows {
                let mut record = row.key.clone();
                record.extend([
                    row.old.map(money_text).unwrap_or_default(),
                    row.new.map(money_text).unwrap_or_default(),
                    money_text(row.change()),
                    row.what.clone(),
                ]);
                out.write_record(&record)?;
            }
            out.into_inner()
                .map_err(|e| anyhow::anyhow!("cannot render CSV: {}", e.error()))?
        }
        Format::Json => {
            let changes: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let mut entry = serde_json::Map::new();
                    for (name, value) in old.keys.iter().zip(&row.key) {
                        entry.insert(name.clone(), serde_json::json!(value));
                    }
                    entry.insert(
                        "old_cost".into(),
                        serde_json::json!(row.old.map(money_text)),
                    );
                    entry.insert(
                        "new_cost".into(),
                        serde_json::json!(row.new.map(money_text)),
                    );
                    entry.insert("change".into(), serde_json::json!(money_text(row.change())));
                    entry.insert("what".into(), serde_json::json!(row.what));
                    serde_json::Value::Object(entry)
                })
                .collect();
            let document = serde_json::json!({
                "old": {"dir": old_dir.display().to_string(), "as_of": old.as_of, "total": money_text(old_total)},
                "new": {"dir": new_dir.display().to_string(), "as_of": new.as_of, "total": money_text(new_total)},
                "equal": !differs,
                "changes": changes,
            });
            let mut bytes = serde_json::to_vec_pretty(&document)?;
            bytes.push(b'\n');
            bytes
        }
    };
    output::stdout(&bytes)?;
    Ok(if differs { Exit::AlertFired } else { Exit::Ok })
}

//! `tally diff OLD NEW`: what changed between two runs, per day and group. OLD and NEW are
//! either two `report --out` folders, read from their `daily.csv` (exact figures) and
//! `manifest.json` (as-of), or two inputs, each read as `report` reads it with the same options
//! (OLD as of `--old-as-of` when given), into the same daily rows. A row is `added` (only in
//! NEW), `removed` (only in OLD) or `restated` (in both, another cost); a row that was
//! provisional in OLD and is final in NEW is marked `became final`, with or without a change.
//! Exit 0 when every figure is equal, 3 when any differs (for cron).

use crate::cli::{DiffArgs, ReportArgs};
use crate::config::{Format, ReportConfig};
use crate::error::Exit;
use crate::error::UsageError;
use crate::model::{exact_add, money_text};
use crate::output;
use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// One `daily.csv`: its key columns (date first) and `key → (cost, status)`.
struct Daily {
    keys: Vec<String>,
    rows: BTreeMap<Vec<String>, (Decimal, String)>,
    as_of: Option<String>,
    /// The rows `--skip-bad-rows` left out of an input, as report's scope line says it.
    skipped: crate::scope::Skipped,
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
        skipped: crate::scope::Skipped::default(),
    })
}

/// A side's totals, one per source and currency (the values of its key columns of those
/// names, such as `billed USD` or `EUR`): two currencies, or a bill and an estimate, are never
/// added. `side` names the sum in an overflow error.
fn totals(daily: &Daily, side: &str) -> Result<BTreeMap<String, Decimal>> {
    let columns: Vec<usize> = ["source", "currency"]
        .iter()
        .filter_map(|name| daily.keys.iter().position(|k| k == name))
        .collect();
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for (key, (cost, _)) in &daily.rows {
        let label: Vec<&str> = columns
            .iter()
            .map(|&i| key.get(i).map_or("", String::as_str))
            .collect();
        let label = label.join(" ");
        let sum = totals.entry(label.clone()).or_default();
        *sum = exact_add(*sum, *cost)
            .map_err(|o| anyhow::anyhow!("the {side} total in {label}: {o}"))?;
    }
    Ok(totals)
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub key: Vec<String>,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
    /// `new - old`, exact.
    pub change: Decimal,
    /// `added`, `removed`, `restated`, `became final` (same figure) or `restated, became
    /// final`.
    pub what: String,
}

impl DiffRow {
    /// Whether a figure differs (a day that only became final does not).
    pub fn differs(&self) -> bool {
        self.what != "became final"
    }
}

fn compare(old: &Daily, new: &Daily) -> Result<Vec<DiffRow>> {
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
        let (old, new) = (before.map(|(c, _)| *c), after.map(|(c, _)| *c));
        // Exact, and an error naming the row rather than a panic or a rounded change.
        let change = exact_add(new.unwrap_or_default(), -old.unwrap_or_default()).map_err(|o| {
            anyhow::anyhow!("the change of {}: {o}", output::visible(&key.join(", ")))
        })?;
        rows.push(DiffRow {
            key: key.clone(),
            old,
            new,
            change,
            what,
        });
    }
    Ok(rows)
}

/// Whether `path` is a `report --out` folder: a folder holding tally's `manifest.json` (with
/// its `tally_version`) and a `daily.csv`. A provider's manifest.json in an export folder is
/// not one.
fn is_out_folder(path: &Path) -> bool {
    path.is_dir()
        && path.join("daily.csv").is_file()
        && std::fs::read(path.join("manifest.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|manifest| manifest.get("tally_version").is_some())
}

/// The report options given (those that apply to inputs only), by name.
fn input_options_given(args: &DiffArgs) -> Vec<&'static str> {
    let mut given = Vec::new();
    let mut check = |name: &'static str, present: bool| {
        if present {
            given.push(name);
        }
    };
    check("--old-as-of", args.old_as_of.is_some());
    check("--from", args.range.from.is_some());
    check("--to", args.range.to.is_some());
    check("--month", args.range.month.is_some());
    check("--last", args.range.last.is_some());
    check("--by", args.by.is_some());
    check("--sku", !args.filters.sku.is_empty());
    check("--project", !args.filters.project.is_empty());
    check("--service", !args.filters.service.is_empty());
    check("--tag", !args.filters.tag.is_empty());
    check("--date-format", args.input.date_format.is_some());
    check("--delimiter", args.input.delimiter.is_some());
    check("--exclude", !args.input.exclude.is_empty());
    check("--as-of", args.as_of.is_some());
    check("--delay-days", args.delay_days.is_some());
    check("--on-overlap", args.on_overlap.is_some());
    check("--spread-charges", args.spread_charges);
    check("--date-basis", args.date_basis.is_some());
    check("--cost", args.cost.is_some());
    check("--rates", args.rates.is_some());
    check("--tz", args.tz.is_some());
    check("--skip-bad-rows", args.skip_bad_rows);
    given
}

/// One side read from an input with report's options (and its parsing and checks), as the
/// daily rows `report --out` would write to daily.csv.
fn read_input(
    args: &DiffArgs,
    path: &Path,
    as_of: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Daily> {
    let defaults = ReportArgs {
        inputs: vec![path.to_path_buf()],
        range: args.range.clone(),
        by: args.by.clone().unwrap_or_else(|| vec!["sku".to_string()]),
        period: crate::model::Period::Total,
        filters: args.filters.clone(),
        input: args.input.clone(),
        as_of,
        delay_days: args.delay_days.unwrap_or(3),
        compare: None,
        final_only: false,
        format: crate::options::ReportFormat::Csv,
        output: None,
        out: None,
        no_charts: true,
        chart_top: 7,
        skip_bad_rows: args.skip_bad_rows,
        on_overlap: args.on_overlap.unwrap_or(crate::options::OnOverlap::Error),
        spread_charges: args.spread_charges,
        date_basis: args.date_basis.unwrap_or(crate::options::DateBasis::Charge),
        cost: args.cost.unwrap_or(crate::options::CostColumn::Billed),
        rates: args.rates.clone(),
        tz: args.tz.clone(),
        fail_on_empty: false,
        quiet: args.quiet,
    };
    let config = ReportConfig::from_args(defaults, now)?;
    let mut plan = config.plan.clone();
    plan.hash_inputs = false;
    plan.spill_rejects = false;
    let mut scanned = super::scan_inputs(
        &config.inputs,
        &plan,
        config.on_overlap,
        config.rates_path.as_deref(),
        config.quiet,
    )?;
    super::tell_rejects(&scanned.rejects(), None, config.quiet);
    let groups = crate::aggregate::decode_groups(
        std::mem::take(&mut scanned.resolved.groups),
        scanned.plan.keys.len(),
    )?;
    let summary = crate::aggregate::summarize(
        &groups,
        &scanned.plan.keys,
        config.period,
        scanned.plan.range,
        config.delay,
        true,
        scanned.resolved.last_day,
    )?;
    // The key columns daily.csv has: date, the --by keys, and the currency unless a key.
    let currency_column = !summary.key_names.iter().any(|k| k == "currency");
    let mut keys = vec!["date".to_string()];
    keys.extend(summary.key_names.iter().cloned());
    if currency_column {
        keys.push("currency".into());
    }
    let mut rows = BTreeMap::new();
    for row in &summary.daily {
        let mut key = vec![row.day.to_string()];
        key.extend(row.keys.iter().cloned());
        if currency_column {
            key.push(row.currency.clone());
        }
        rows.insert(key, (row.cost, row.status.as_str().to_string()));
    }
    Ok(Daily {
        keys,
        rows,
        as_of: Some(config.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        skipped: crate::scope::Skipped::of(&scanned.rejects()),
    })
}

pub fn run(args: DiffArgs, now: chrono::DateTime<chrono::Utc>) -> Result<Exit> {
    let (old_dir, new_dir, format) = (args.old.clone(), args.new.clone(), args.format);
    let stdin = |path: &Path| path.as_os_str() == "-";
    if stdin(&old_dir) && stdin(&new_dir) {
        return Err(UsageError(
            "OLD and NEW are both `-`: standard input can be read once; save one side to a file"
                .to_string(),
        )
        .into());
    }
    for path in [&old_dir, &new_dir] {
        if !stdin(path) && !path.exists() {
            bail!(
                "{}: no such file or folder (give two `report --out` folders or two inputs)",
                path.display()
            );
        }
    }
    let (old, new) = match (is_out_folder(&old_dir), is_out_folder(&new_dir)) {
        (true, true) => {
            let given = input_options_given(&args);
            if !given.is_empty() {
                return Err(UsageError(format!(
                    "{} {} to inputs, but {} and {} are `report --out` folders, compared as \
                     they were written: drop {}, or give the inputs instead",
                    given.join(", "),
                    if given.len() == 1 { "applies" } else { "apply" },
                    old_dir.display(),
                    new_dir.display(),
                    if given.len() == 1 { "it" } else { "them" }
                ))
                .into());
            }
            (read_daily(&old_dir)?, read_daily(&new_dir)?)
        }
        (false, false) => {
            let old_as_of = args.old_as_of.clone().or_else(|| args.as_of.clone());
            (
                read_input(&args, &old_dir, old_as_of, now)?,
                read_input(&args, &new_dir, args.as_of.clone(), now)?,
            )
        }
        (old_is_out, _) => {
            let (out, input) = if old_is_out {
                (&old_dir, &new_dir)
            } else {
                (&new_dir, &old_dir)
            };
            return Err(UsageError(format!(
                "{} is a `report --out` folder but {} is not: give two --out folders, or two \
                 inputs read with the same options",
                out.display(),
                input.display()
            ))
            .into());
        }
    };
    if old.keys != new.keys {
        // A side with both billed rows and token records (estimated) is grouped by source as
        // well, whatever --by says: the same --by does not help then, `--by source,…` does.
        let sourced = |keys: &[String]| keys.iter().any(|k| k == "source");
        let without = |keys: &[String]| -> Vec<String> {
            keys.iter().filter(|k| *k != "source").cloned().collect()
        };
        let what_to_do = if sourced(&old.keys) != sourced(&new.keys)
            && without(&old.keys) == without(&new.keys)
        {
            let keys = without(if sourced(&old.keys) {
                &old.keys
            } else {
                &new.keys
            });
            let by: Vec<&str> = keys[1..]
                .iter()
                .map(String::as_str)
                .filter(|k| *k != "currency")
                .collect();
            format!(
                "one side holds both billed rows and token records (estimated), which a report \
                 keeps apart by source: group both sides by source, --by source{}{}",
                if by.is_empty() { "" } else { "," },
                by.join(",")
            )
        } else {
            "run both reports with the same --by".to_string()
        };
        bail!(
            "{} and {} are grouped differently ({} vs {}): {what_to_do}",
            old_dir.display(),
            new_dir.display(),
            old.keys[1..].join(","),
            new.keys[1..].join(",")
        );
    }
    let rows = compare(&old, &new)?;
    let differs = rows.iter().any(DiffRow::differs);
    let (old_totals, new_totals) = (totals(&old, "old")?, totals(&new, "new")?);
    // Every source and currency of either side, each with its two totals (zero where a side
    // has none); one figure only when there is one.
    let labels: std::collections::BTreeSet<&String> =
        old_totals.keys().chain(new_totals.keys()).collect();
    let pairs: Vec<(&String, Decimal, Decimal)> = labels
        .into_iter()
        .map(|label| {
            let of =
                |totals: &BTreeMap<String, Decimal>| totals.get(label).copied().unwrap_or_default();
            (label, of(&old_totals), of(&new_totals))
        })
        .collect();
    let single = match pairs.as_slice() {
        [] => Some((Decimal::ZERO, Decimal::ZERO)),
        [(_, old, new)] => Some((*old, *new)),
        _ => None,
    };
    let side_line = |name: &str, dir: &Path, daily: &Daily| {
        let mut line = format!(
            "{name}: {} (as of {})",
            dir.display(),
            daily.as_of.as_deref().unwrap_or("unknown")
        );
        if let Some(skipped) = daily.skipped.text() {
            line.push_str(&format!(" · {skipped}"));
        }
        line
    };
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
                    crate::render::table::display_money(row.change),
                    row.what.clone(),
                ]);
                lines.push(line);
            }
            let n = old.keys.len();
            let mut right = vec![false; n];
            right.extend([true, true, true, false]);
            let mut text = format!(
                "{}\n{}\n\n",
                side_line("Old", &old_dir, &old),
                side_line("New", &new_dir, &new)
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
            let money = crate::render::table::display_money;
            let change = |old: Decimal, new: Decimal| -> Result<String> {
                let change = exact_add(new, -old)
                    .map_err(|o| anyhow::anyhow!("the change of the total: {o}"))?;
                Ok(format!(
                    "{} → {} ({})",
                    money(old),
                    money(new),
                    money(change)
                ))
            };
            let totals = match single {
                Some((old, new)) => format!("total {}", change(old, new)?),
                // Never one sum of two currencies, or of a bill and an estimate.
                None => pairs
                    .iter()
                    .map(|(label, old, new)| Ok(format!("total {label} {}", change(*old, *new)?)))
                    .collect::<Result<Vec<_>>>()?
                    .join(", "),
            };
            text.push_str(&format!(
                "\n{} added, {} removed, {} restated, {} became final; {totals}\n",
                count("added"),
                count("removed"),
                count("restated"),
                rows.iter()
                    .filter(|r| r.what.ends_with("became final"))
                    .count(),
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
                    money_text(row.change),
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
                    entry.insert("change".into(), serde_json::json!(money_text(row.change)));
                    entry.insert("what".into(), serde_json::json!(row.what));
                    serde_json::Value::Object(entry)
                })
                .collect();
            // `total` is null with several sources or currencies; `totals` has one per label.
            let side = |dir: &Path,
                        daily: &Daily,
                        total: Option<Decimal>,
                        pick: fn(&(&String, Decimal, Decimal)) -> Decimal| {
                let totals: serde_json::Map<String, serde_json::Value> = pairs
                    .iter()
                    .map(|pair| (pair.0.clone(), serde_json::json!(money_text(pick(pair)))))
                    .collect();
                serde_json::json!({
                    "dir": dir.display().to_string(),
                    "as_of": daily.as_of,
                    "total": total.map(money_text),
                    "totals": totals,
                    "rows_skipped": daily.skipped.rows,
                })
            };
            let document = serde_json::json!({
                "old": side(&old_dir, &old, single.map(|t| t.0), |pair| pair.1),
                "new": side(&new_dir, &new, single.map(|t| t.1), |pair| pair.2),
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

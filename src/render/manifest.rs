//! `manifest.json` of `report` and `reconcile`: what was read (size, SHA-256, detected kind, row accounting), every option,
//! the as-of time, and the tally version. The run time is the only field that changes between
//! identical runs.

use crate::aggregate::{RowCounts, Summary};
use crate::config::ReportConfig;
use crate::ingest::InputScan;
use crate::rates::{RateCard, RateOrigin};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub struct ManifestInput<'a> {
    pub scans: &'a [InputScan],
    pub counts: &'a [RowCounts],
    pub duplicate_of: &'a [Option<usize>],
    /// Files the walk of a folder input left out, and why.
    pub skipped: &'a [crate::ingest::Skipped],
}

pub fn render(
    config: &ReportConfig,
    rates: &RateCard,
    summary: &Summary,
    scope: &crate::scope::Scope,
    inputs: ManifestInput<'_>,
    outputs: &[&str],
    generated_at: DateTime<Utc>,
) -> Vec<u8> {
    let files = input_entries(&inputs);
    let plan = &config.plan;
    let mut document = json!({
        "tally_version": env!("CARGO_PKG_VERSION"),
        "generated_at": generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "as_of": config.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "range": {"from": plan.range.from.to_string(), "to": plan.range.to.to_string()},
        "provisional_days": summary.provisional_days.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "options": {
            "by": plan.keys.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "period": config.period,
            "filters": filters(&plan.filters),
            "delay_days": config.delay.delay_days,
            "final_only": config.final_only,
            "skip_bad_rows": plan.skip_bad_rows,
            "on_overlap": config.on_overlap,
            "cost": plan.cost,
            "date_basis": plan.date_basis,
            "spread_charges": plan.spread_charges,
        },
        "rate_card": rate_card(rates, inputs.scans),
        "time_zone": plan.tz.name(),
        "inputs": files,
        "skipped": skipped_entries(inputs.skipped),
        "outputs": outputs,
        "total": summary.total.map(crate::model::money_text),
        "currency": summary.currency,
        "scope": scope.json(),
    });
    input_options(plan, &mut document["options"]);
    let totals = summary.totals();
    if totals.len() > 1 {
        // As in the JSON output: never one total that adds what must not be added.
        document["total"] = Value::Null;
        document["totals"] = crate::render::json::totals_json(&totals);
    }
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// What `tally reconcile` adds up to, for its manifest.
pub struct ReconcileFigures<'a> {
    /// As the user wrote it.
    pub tolerance: &'a str,
    pub fail_on_flag: bool,
    pub rows: usize,
    pub flagged: usize,
    pub provisional_days: Vec<crate::model::Day>,
}

/// The manifest of `tally reconcile --out`: the same inputs, row accounting, rate card and
/// as-of as `report`'s, with reconcile's own options and how many rows were flagged.
pub fn render_reconcile(
    config: &ReportConfig,
    rates: &RateCard,
    figures: &ReconcileFigures<'_>,
    inputs: ManifestInput<'_>,
    outputs: &[&str],
    generated_at: DateTime<Utc>,
) -> Vec<u8> {
    let plan = &config.plan;
    let mut document = json!({
        "tally_version": env!("CARGO_PKG_VERSION"),
        "command": "reconcile",
        "generated_at": generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "as_of": config.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "range": {"from": plan.range.from.to_string(), "to": plan.range.to.to_string()},
        "provisional_days": figures.provisional_days.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "options": {
            "tolerance": figures.tolerance,
            "fail_on_flag": figures.fail_on_flag,
            "filters": filters(&plan.filters),
            "delay_days": config.delay.delay_days,
            "skip_bad_rows": plan.skip_bad_rows,
            "on_overlap": config.on_overlap,
        },
        "rate_card": rate_card(rates, inputs.scans),
        "time_zone": plan.tz.name(),
        "inputs": input_entries(&inputs),
        "skipped": skipped_entries(inputs.skipped),
        "outputs": outputs,
        "rows": figures.rows,
        "flagged": figures.flagged,
    });
    input_options(plan, &mut document["options"]);
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `--date-format` and `--delimiter`, when given: how the inputs were read.
pub(crate) fn input_options(plan: &crate::config::ScanPlan, options: &mut Value) {
    if let Some(format) = &plan.date_format {
        options["date_format"] = json!(format.as_str());
    }
    if plan.delimiter != b',' {
        options["delimiter"] = json!((plan.delimiter as char).to_string());
    }
}

/// One entry per input: path, size, SHA-256, detected kind, row accounting (and zip members,
/// and the earlier input it duplicates).
pub(crate) fn input_entries(inputs: &ManifestInput<'_>) -> Vec<Value> {
    inputs
        .scans
        .iter()
        .enumerate()
        .map(|(i, scan)| {
            let mut entry = json!({
                "path": scan.file.name,
                "size": scan.size,
                "sha256": scan.sha256,
                "kind": scan.kind,
                "rows": inputs.counts[i],
            });
            if !scan.columns.is_empty() {
                entry["columns"] = scan
                    .columns
                    .iter()
                    .map(|(field, names)| (field.to_string(), json!(names)))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            if !scan.members.is_empty() {
                entry["members"] = scan
                    .members
                    .iter()
                    .map(|(name, rows)| json!({"name": name, "rows_read": rows}))
                    .collect();
            }
            if let Some(first) = inputs.duplicate_of[i] {
                entry["duplicate_of"] = json!(inputs.scans[first].file.name);
            }
            entry
        })
        .collect()
}

pub(crate) fn filters(filters: &crate::config::Filters) -> Value {
    crate::scope::filters_json(filters)
}

/// The rate card: where it came from and every rate that priced a row of this run.
fn rate_card(rates: &RateCard, scans: &[InputScan]) -> Value {
    let used: std::collections::BTreeSet<usize> = scans
        .iter()
        .flat_map(|scan| scan.tally.rates_used.iter().copied())
        .collect();
    let used: Vec<Value> = used
        .into_iter()
        .filter_map(|index| rates.rates.get(index))
        .map(|rate| {
            json!({
                "sku": rate.sku,
                "unit": rate.unit,
                "price": rate.price.to_string(),
                "per": rate.per,
                "effective_from": rate.from.map(|d| d.to_string()),
                "effective_to": rate.to.map(|d| d.to_string()),
            })
        })
        .collect();
    let mut card = match &rates.origin {
        RateOrigin::BuiltIn => json!({"source": "built-in"}),
        RateOrigin::File { path, sha256 } => json!({"source": path, "sha256": sha256}),
    };
    card["currency"] = json!(rates.currency);
    card["rates_used"] = json!(used);
    card
}

/// `[{"path", "reason"}]`: what the walk of a folder input left out (tally's own outputs,
/// `--exclude`); an empty list when nothing was.
pub(crate) fn skipped_entries(skipped: &[crate::ingest::Skipped]) -> Value {
    skipped
        .iter()
        .map(|skip| json!({"path": skip.path, "reason": skip.reason}))
        .collect()
}

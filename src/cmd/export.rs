//! `tally export --to parquet DIR INPUT...`: scans the inputs as `report` does, handing each
//! row that passes the range and filters to `export::Dataset` as it is read (never the whole
//! input in memory), into a staging folder that replaces DIR once `_manifest.json` is written.

use crate::cli::{ExportArgs, InputArgs, RangeArgs, ReportArgs};
use crate::config::{Format, OnOverlap, ReportConfig};
use crate::error::{Exit, UsageError};
use crate::export::{self, Dataset, Partition};
use crate::ingest::{self, Progress, tally::ExportRow};
use crate::model::{DateRange, Day};
use crate::output;
use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Mutex;

/// What DIR may hold: an earlier export's files.
const OUTPUTS: &[&str] = &["_manifest.json", "month=*"];

/// Receives the scan's rows (as `ingest::Progress`) and passes them to the dataset; the
/// progress bar's calls go on to the bar.
struct Sink<'a> {
    bar: &'a output::ProgressBar,
    state: Mutex<SinkState>,
}

struct SinkState {
    dataset: Dataset,
    /// The input being read (inputs are read one after another).
    current: usize,
    /// Rows handed to the dataset, per input.
    exported: Vec<u64>,
    /// The first error writing the dataset: the scan goes on, the export fails after it.
    error: Option<anyhow::Error>,
}

impl Progress for Sink<'_> {
    fn read(&self, bytes: u64) {
        self.bar.read(bytes);
    }
    fn lines(&self, lines: u64) {
        self.bar.lines(lines);
    }
    fn rewind(&self, bytes: u64) {
        self.bar.rewind(bytes);
    }
    fn rows(&self, source: &str, rows: Vec<ExportRow>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.error.is_some() {
            return;
        }
        let count = rows.len() as u64;
        let current = state.current;
        state.exported[current] += count;
        if let Err(error) = state.dataset.push(source, rows) {
            state.error = Some(error);
        }
    }
}

pub fn run(args: ExportArgs, now: DateTime<Utc>) -> Result<Exit> {
    let scale = args.scale;
    if !(2..export::PRECISION).contains(&scale) {
        return Err(UsageError(format!(
            "--scale {scale}: expected 2 to {}: money keeps at least two decimals, and a \
             DECIMAL({}, s) needs one integer digit",
            export::PRECISION - 1,
            export::PRECISION
        ))
        .into());
    }
    let RangeArgs {
        from,
        to,
        month,
        last,
    } = &args.range;
    let every_day = from.is_none() && to.is_none() && month.is_none() && last.is_none();
    let quiet = args.quiet;
    // The as-of time is in the manifest only when given: a default (now) would change its
    // bytes from run to run.
    let as_of_given = args.as_of.is_some();
    let report = ReportArgs {
        inputs: args.inputs,
        range: args.range,
        by: vec!["sku".to_string()],
        period: crate::model::Period::Total,
        filters: args.filters,
        input: InputArgs {
            date_format: args.input.date_format,
            delimiter: args.input.delimiter,
            exclude: args.input.exclude,
        },
        as_of: args.as_of,
        delay_days: 3,
        final_only: false,
        format: Format::Csv.into(),
        output: None,
        compare: None,
        out: None,
        no_charts: true,
        chart_top: 8,
        skip_bad_rows: args.skip_bad_rows,
        on_overlap: OnOverlap::Error,
        spread_charges: false,
        date_basis: args.date_basis,
        cost: args.cost,
        rates: None,
        tz: None,
        fail_on_empty: false,
        quiet,
    };
    let config = ReportConfig::from_args(report, now)?;
    let mut plan = config.plan.clone();
    if every_day {
        plan.range = DateRange {
            from: Day::MIN,
            to: Day::MAX,
        };
    }
    plan.export = true;
    plan.hash_inputs = true;
    // Groups per day and currency only: the rows themselves go to the dataset.
    plan.keys = Vec::new();

    let claim = output::OutDir::claim(&args.dir)?;
    let ingest::Discovered { files, skipped } = ingest::discover(&config.inputs, &plan.exclude)?;
    super::tell_skipped(&skipped, quiet);
    plan.track_overlap = files.len() > 1;
    let out = output::OutDir::begin(claim, "export", OUTPUTS, quiet)?;
    let total: u64 = files
        .iter()
        .filter_map(|file| std::fs::metadata(&file.path).ok())
        .map(|metadata| metadata.len())
        .sum();
    let bar = output::ProgressBar::new(total, quiet);
    let sink = Sink {
        bar: &bar,
        state: Mutex::new(SinkState {
            dataset: Dataset::new(out.path(), scale)?,
            current: 0,
            exported: vec![0; files.len()],
            error: None,
        }),
    };
    let mut seen = ingest::tokens::SeenIds::new();
    let mut scans = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        sink.state.lock().unwrap_or_else(|e| e.into_inner()).current = i;
        let scan = ingest::scan_input(file, &plan, &mut seen, &sink);
        if let Some(error) = sink
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .error
            .take()
        {
            bar.finish();
            return Err(error);
        }
        let scan = scan.inspect_err(|_| bar.finish())?;
        if !scan.is_billed() {
            bar.finish();
            return Err(anyhow!(
                "{}: token records are estimates priced by a rate card, not billed rows; \
                 tally export writes billed rows only: leave this input out",
                scan.file.name
            ));
        }
        scans.push(scan);
    }
    bar.finish();
    let state = sink.state.into_inner().unwrap_or_else(|e| e.into_inner());
    let resolved = crate::aggregate::resolve(&mut scans, OnOverlap::Error)?;
    if let Some((later, first)) = resolved
        .duplicate_of
        .iter()
        .enumerate()
        .find_map(|(i, first)| first.map(|f| (i, f)))
    {
        return Err(anyhow!(
            "{} has the same content as {}: its rows would be exported twice; give it once",
            scans[later].file.name,
            scans[first].file.name
        ));
    }
    // Every row read is exported, rejected, or outside the range and filters.
    for (i, count) in resolved.counts.iter().enumerate() {
        if count.used != state.exported[i]
            || count.read != count.used + count.filtered + count.rejected + count.superseded
        {
            return Err(anyhow!(
                "{}: the row accounting does not add up ({} read, {} counted, {} exported); \
                 please report this",
                scans[i].file.name,
                count.read,
                count.used,
                state.exported[i]
            ));
        }
    }
    let partitions = state.dataset.finish()?;
    let manifest = manifest(
        &config,
        &plan,
        every_day,
        as_of_given,
        scale,
        &partitions,
        crate::render::manifest::ManifestInput {
            scans: &scans,
            counts: &resolved.counts,
            duplicate_of: &resolved.duplicate_of,
            skipped: &skipped,
        },
    );
    output::write_atomic(out.path(), "_manifest.json", &manifest)?;
    out.commit()?;

    let rejects: Vec<&ingest::tally::Rejects> =
        scans.iter().map(|scan| &scan.tally.rejects).collect();
    super::tell_rejects(&rejects, None, quiet);
    if !quiet {
        let rows: u64 = partitions.iter().map(|p| p.rows).sum();
        let read: u64 = resolved.counts.iter().map(|c| c.read).sum();
        let rejected: u64 = resolved.counts.iter().map(|c| c.rejected).sum();
        let months = match (partitions.first(), partitions.last()) {
            (Some(first), Some(last)) if partitions.len() > 1 => {
                format!(
                    "{} months ({} to {})",
                    partitions.len(),
                    first.month,
                    last.month
                )
            }
            (Some(first), _) => format!("1 month ({})", first.month),
            _ => "no month".to_string(),
        };
        output::stdout(
            format!(
                "{}: {rows} rows exported of {read} read ({rejected} rejected, {} outside the \
                 range or filters), {months}; see _manifest.json\n",
                args.dir.display(),
                read - rows - rejected
            )
            .as_bytes(),
        )?;
    }
    Ok(Exit::Ok)
}

/// `_manifest.json`: what was read (as in report's manifest: size, SHA-256, kind, row
/// accounting), the options, the schema and each partition's rows, bytes, SHA-256 and cost
/// per currency. No run time: the same inputs give the same bytes.
fn manifest(
    config: &ReportConfig,
    plan: &crate::config::ScanPlan,
    every_day: bool,
    as_of_given: bool,
    scale: u32,
    partitions: &[Partition],
    inputs: crate::render::manifest::ManifestInput<'_>,
) -> Vec<u8> {
    use crate::render::manifest as m;
    let columns: Vec<Value> = export::COLUMNS
        .iter()
        .map(|(name, _, sql)| json!({"name": name, "type": sql.replace("{scale}", &scale.to_string())}))
        .collect();
    let mut totals: std::collections::BTreeMap<String, Option<rust_decimal::Decimal>> =
        Default::default();
    for partition in partitions {
        for (currency, cost) in &partition.costs {
            let entry = totals
                .entry(currency.clone())
                .or_insert(Some(rust_decimal::Decimal::ZERO));
            *entry = match (*entry, cost) {
                (Some(a), Some(b)) => a.checked_add(*b),
                _ => None,
            };
        }
    }
    let money = |costs: &std::collections::BTreeMap<String, Option<rust_decimal::Decimal>>| {
        costs
            .iter()
            .map(|(currency, cost)| (currency.clone(), json!(cost.map(crate::model::money_text))))
            .collect::<serde_json::Map<_, _>>()
    };
    let mut document = json!({
        "tally_version": env!("CARGO_PKG_VERSION"),
        "format": "parquet",
        "partitioning": "hive: month=YYYY-MM (the month of the row's UTC day)",
        "compression": export::compression().0,
        "scale": scale,
        "columns": columns,
        "range": if every_day {
            Value::Null
        } else {
            json!({"from": plan.range.from.to_string(), "to": plan.range.to.to_string()})
        },
        "options": {
            "filters": m::filters(&plan.filters),
            "skip_bad_rows": plan.skip_bad_rows,
            "cost": plan.cost,
            "date_basis": plan.date_basis,
        },
        "inputs": m::input_entries(&inputs),
        "skipped": m::skipped_entries(inputs.skipped),
        "rows": {
            "read": inputs.counts.iter().map(|c| c.read).sum::<u64>(),
            "exported": partitions.iter().map(|p| p.rows).sum::<u64>(),
            "outside_range_or_filters": inputs.counts.iter().map(|c| c.filtered).sum::<u64>(),
            "rejected": inputs.counts.iter().map(|c| c.rejected).sum::<u64>(),
        },
        "cost": money(&totals),
        "partitions": partitions.iter().map(|p| json!({
            "month": p.month,
            "path": p.path,
            "rows": p.rows,
            "row_groups": p.row_groups,
            "bytes": p.bytes,
            "sha256": p.sha256,
            "cost": money(&p.costs),
        })).collect::<Vec<_>>(),
    });
    if as_of_given {
        document["as_of"] = json!(config.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    m::input_options(plan, &mut document["options"]);
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

//! `tally sql`: prints the query that computes `tally report --format csv`'s summary over a
//! FOCUS table. The options are parsed by the report's own `ReportConfig::from_args`, so the
//! range, the as-of day and the keys cannot drift from the report's; `crate::sql` writes the
//! text.

use crate::cli::{InputArgs, ReportArgs, SqlArgs};
use crate::config::{DateBasis, Format, OnOverlap, ReportConfig};
use crate::error::{Exit, UsageError};
use crate::sql::{self, Target};
use anyhow::Result;
use chrono::{DateTime, Utc};

pub fn run(args: SqlArgs, now: DateTime<Utc>) -> Result<Exit> {
    let dialect = args.dialect;
    let table = args.table.as_deref().unwrap_or("focus").trim().to_string();
    if table.is_empty() || table.contains([';', '\n', '\r']) {
        return Err(UsageError(format!(
            "--table \"{table}\": expected a table name such as focus or billing.focus"
        ))
        .into());
    }
    let dataset = args.dataset.clone();
    let explicit_table = args.table.is_some();
    let (header, scale) = (args.header.clone(), args.scale);
    let report = ReportArgs {
        inputs: Vec::new(),
        range: args.range,
        by: args.by,
        period: args.period,
        filters: args.filters,
        input: InputArgs {
            delimiter: args.delimiter,
            ..InputArgs::default()
        },
        as_of: args.as_of,
        delay_days: args.delay_days,
        final_only: args.final_only,
        format: Format::Csv.into(),
        output: None,
        compare: None,
        out: None,
        no_charts: true,
        chart_top: 8,
        skip_bad_rows: false,
        on_overlap: OnOverlap::Error,
        spread_charges: args.spread_charges,
        date_basis: args.date_basis,
        cost: args.cost,
        rates: None,
        tz: None,
        fail_on_empty: false,
        quiet: true,
    };
    let config = ReportConfig::from_args(report, now)?;
    sql::check_expressible(&config)?;
    if let Some(dir) = &dataset {
        let text = dataset_query(
            &config,
            dialect,
            dir,
            explicit_table.then_some(&*table),
            scale,
        )?;
        crate::output::stdout(text.as_bytes())?;
        return Ok(Exit::Ok);
    }
    let headers = match &header {
        Some(path) => read_header(path, config.plan.delimiter)?,
        None => sql::FOCUS_COLUMNS.iter().map(|c| c.to_string()).collect(),
    };
    let schema = sql::schema_of(
        &headers,
        config.plan.cost,
        config.plan.date_basis == DateBasis::Billing,
    )
    .map_err(|e| match &header {
        Some(path) => UsageError(format!("{}:1: {}", path.display(), e.0)),
        None => e,
    })?;
    let text = sql::query(
        &config,
        &Target {
            dialect,
            table: &table,
            schema: &schema,
            scale,
        },
    )?;
    crate::output::stdout(text.as_bytes())?;
    Ok(Exit::Ok)
}

/// The query over `tally export`'s dataset in `dir`: FROM the table when given, else the
/// files themselves (DuckDB, Spark). The scale must hold the dataset's, which its
/// `_manifest.json` says when the folder is local.
fn dataset_query(
    config: &ReportConfig,
    dialect: sql::Dialect,
    dir: &str,
    table: Option<&str>,
    scale: u32,
) -> Result<String> {
    let from = match table {
        Some(table) => table.to_string(),
        None => sql::dataset_from(dialect, dir).ok_or_else(|| {
            UsageError(
                "--dataset with --dialect trino needs --table NAME: Trino (and Athena) read a \
                 table over the dataset's folder, e.g. a Hive table partitioned by month \
                 (docs/sql.md shows the CREATE TABLE)"
                    .to_string(),
            )
        })?,
    };
    let manifest = std::path::Path::new(dir).join("_manifest.json");
    if let Ok(bytes) = std::fs::read(&manifest) {
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: not valid JSON: {e}", manifest.display()))?;
        let exported = value.get("scale").and_then(|s| s.as_u64()).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no \"scale\"; expected the manifest of tally export",
                manifest.display()
            )
        })?;
        if exported > u64::from(scale) {
            return Err(UsageError(format!(
                "--scale {scale}: the dataset holds DECIMAL(38, {exported}) ({}); pass --scale \
                 {exported} or more, so that no value is rounded",
                manifest.display()
            ))
            .into());
        }
    }
    Ok(sql::dataset_query(
        config,
        &sql::DatasetTarget {
            dialect,
            from: &from,
            scale,
        },
    )?)
}

/// The first line of a CSV file, as column names (a byte-order mark dropped).
fn read_header(path: &std::path::Path, delimiter: u8) -> Result<Vec<String>, UsageError> {
    use std::io::{BufRead, Read};
    let name = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError(format!("--header {name}: cannot read: {e}")))?;
    let mut line = Vec::new();
    std::io::BufReader::new(file)
        .take(1 << 20)
        .read_until(b'\n', &mut line)
        .map_err(|e| UsageError(format!("--header {name}: cannot read: {e}")))?;
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(line);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record.iter().map(str::to_string).collect()),
        Ok(false) => Err(UsageError(format!(
            "{name}:1: the file is empty; expected a FOCUS header line"
        ))),
        Err(e) => Err(UsageError(format!(
            "{name}:1: the header is not valid UTF-8 CSV: {e}"
        ))),
    }
}

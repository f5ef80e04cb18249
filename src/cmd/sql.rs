//! `tally sql`: prints the query that computes `tally report --format csv`'s summary over a
//! FOCUS table. The options are parsed by the report's own `ReportConfig::from_args`, so the
//! range, the as-of day and the keys cannot drift from the report's; `crate::sql` writes the
//! text.

use crate::cli::{FilterArgs, InputArgs, RangeArgs, ReportArgs};
use crate::config::{CostColumn, DateBasis, Format, OnOverlap, ReportConfig};
use crate::error::{Exit, UsageError};
use crate::model::Period;
use crate::sql::{self, Dialect, Target};
use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The engine the query is written for (Athena is Trino).
    #[arg(long, value_enum)]
    pub dialect: Dialect,

    /// The FOCUS table the query reads, as written after FROM (e.g. billing.focus).
    #[arg(long, value_name = "NAME", default_value = "focus")]
    pub table: String,

    /// A FOCUS CSV (or a file holding just its header line) whose columns the table has: the
    /// query then uses tally's fallback chains over exactly those columns. Default: the FOCUS
    /// 1.2 columns (SkuMeter, SubAccountName, ConsumedQuantity…).
    #[arg(long, value_name = "FILE")]
    pub header: Option<PathBuf>,

    /// Decimal places of money and quantities in the query: DECIMAL(38, SCALE). A value with
    /// more decimals stops the query rather than being rounded.
    #[arg(long, value_name = "SCALE", default_value_t = 16)]
    pub scale: u32,

    #[command(flatten)]
    pub range: RangeArgs,

    /// Grouping keys, as for report: sku, project, service, region, resource, currency,
    /// source, or a column of the table.
    #[arg(
        long,
        value_name = "KEYS",
        default_value = "sku",
        value_delimiter = ','
    )]
    pub by: Vec<String>,

    /// Time buckets: total, day, week (ISO, Monday first) or month.
    #[arg(long, value_enum, default_value_t = Period::Total)]
    pub period: Period,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// The time the report is made at, as for report. Default: now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Days that cost data may arrive late.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub delay_days: u32,

    /// Drop provisional days.
    #[arg(long)]
    pub final_only: bool,

    /// Which FOCUS cost column to report.
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,

    /// The period a row's day comes from: charge (ChargePeriodStart) or billing
    /// (BillingPeriodStart).
    #[arg(long, value_enum, default_value_t = DateBasis::Charge)]
    pub date_basis: DateBasis,

    /// Not expressible in SQL: refused with a message (run tally report).
    #[arg(long, hide = true)]
    pub spread_charges: bool,

    /// The field separator of the --header file.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
}

pub fn run(args: SqlArgs, now: DateTime<Utc>) -> Result<Exit> {
    let dialect = args.dialect;
    let table = args.table.trim().to_string();
    if table.is_empty() || table.contains([';', '\n', '\r']) {
        return Err(UsageError(format!(
            "--table \"{}\": expected a table name such as focus or billing.focus",
            args.table
        ))
        .into());
    }
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
        format: Format::Csv,
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

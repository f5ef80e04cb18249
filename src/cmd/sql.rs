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

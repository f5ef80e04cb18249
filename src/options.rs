//! The values of the command line's enumerated options (`--format`, `--cost`, `--on-overlap`,
//! `--date-basis`). `cli` parses them and `config` carries them; this module imports nothing of
//! tally, so that neither of those two depends on the other for them.

/// `--format` of `report`, `alerts` and `reconcile`: what stdout gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `tally report --format`: the forms of a summary. `xlsx` is a workbook (binary): it goes to
/// `--output FILE`, or to standard output when that is not a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
    /// A GitHub-flavoured Markdown table, for docs, tickets and chat.
    Markdown,
    /// An Excel workbook (the `report.xlsx` of `--out`).
    Xlsx,
}

impl From<Format> for ReportFormat {
    fn from(format: Format) -> ReportFormat {
        match format {
            Format::Table => ReportFormat::Table,
            Format::Csv => ReportFormat::Csv,
            Format::Json => ReportFormat::Json,
        }
    }
}

/// `tally sql --dialect`: the engines whose SQL it writes (`crate::sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Duckdb,
    Spark,
    /// Trino, and Amazon Athena (engine version 3), which is Trino.
    Trino,
}

/// `tally inspect --format`: there is no CSV form of a description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    Table,
    Json,
}

/// `--on-overlap`: what to do when two billed inputs hold rows for the same day and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnOverlap {
    /// Stop with an error naming both files, the day and the key.
    Error,
    /// The later input's rows replace the earlier's for each day both cover.
    Latest,
    /// Keep every row.
    Sum,
}

/// `--cost`: which FOCUS cost column is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CostColumn {
    Billed,
    Effective,
    List,
    Contracted,
}

/// Which FOCUS period a row's day comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateBasis {
    /// The UTC day of `ChargePeriodStart`: when the cost was incurred.
    Charge,
    /// The UTC day of `BillingPeriodStart`: the invoice the row is on.
    Billing,
}

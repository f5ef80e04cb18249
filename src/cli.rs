//! The command line, as clap derive structs. Doc comments are the help text; no logic here.

use crate::config::{CostColumn, DateBasis, Format, InspectFormat, OnOverlap, ReportFormat};
use crate::model::Period;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Exact, auditable cost reports from usage exports (console CSV, FOCUS, cost usage export zips)
/// and token-usage records (JSON, JSON Lines) priced by a rate card.
#[derive(Debug, Parser)]
#[command(name = "tally", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Aggregate cost by SKU, project, service, region, resource or tag over a UTC date range.
    Report(ReportArgs),
    /// Spend alerts for cron: thresholds and a spike check on one month (or the last N days).
    /// Exit code 3 when at least one alert fires, 0 when none does.
    Alerts(AlertsArgs),
    /// Set billed assistants usage beside token-record estimates, per UTC day and SKU, and flag
    /// the differences beyond a tolerance. Exit code 3 with --fail-on-flag when a row is
    /// flagged.
    Reconcile(ReconcileArgs),
    /// Describe inputs before reporting on them: kind (and FOCUS version), which column gives
    /// each field, rows, UTC days and the days missing, currencies and exact cost totals,
    /// FOCUS charge categories and charges spanning several days (for --spread-charges),
    /// nulls, and bad rows (counted, never fatal). Reads CSV, gzip, zip exports, token records
    /// and Parquet, with report's --delimiter and --date-format. Exit code 0 when every input
    /// could be read, 1 when one could not or has no header tally reads.
    #[command(after_help = "Examples:\n  \
        tally inspect fixtures/focus-sample/focus_sample.csv\n  \
        tally inspect exports/ --cost effective --format json > inspect.json\n  \
        tally inspect focus/data/ # an AWS Data Exports Parquet tree\n  \
        tally inspect saved.csv --delimiter ';' --date-format %d.%m.%Y")]
    Inspect(InspectArgs),
    /// Compare two `report --out` folders (daily.csv and manifest.json): per day and group,
    /// what was added, removed or restated and by how much, and which provisional days became
    /// final. Exit code 0 when every figure is equal, 3 when any differs.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run's --out folder.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later run's --out folder (same --by).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Output on stdout: an aligned table, CSV or JSON (exact figures).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Input files or directories, found as `report` finds them (*.csv, *.json, *.jsonl, the
    /// same with .gz, *.zip exports, whose parts are described one by one and in total, and
    /// *.parquet; provider *manifest.json files are skipped).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output on stdout: an aligned table or JSON (exact decimal strings).
    #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,

    /// Which FOCUS cost column to total (usage CSVs have one cost column).
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Inputs holding both sides: usage exports (billed) and token records (estimated).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub range: RangeArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// Largest difference that is not flagged, relative to the billed figure (cost, then
    /// quantity): a percentage (`0.5%`) or a fraction (`0.005`).
    #[arg(long, value_name = "TOLERANCE", default_value = "0.5%")]
    pub tolerance: String,

    /// Keep only these projects, by name or ID (repeatable).
    #[arg(long, value_name = "PROJECT")]
    pub project: Vec<String>,

    /// The time of the reconciliation (YYYY-MM-DD or RFC 3339); decides provisional days.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Days that cost data may arrive late.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub delay_days: u32,

    /// Output on stdout: an aligned table, CSV or JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write reconcile.csv, reconcile.json and manifest.json (and rejects.csv) into this
    /// folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Skip bad rows (listed in rejects.csv, or on stderr without --out) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// Exit with code 3 when any row is flagged (anything but `ok`), for cron; without it the
    /// exit code is 0 whether or not rows are flagged.
    #[arg(long)]
    pub fail_on_flag: bool,

    /// Rate card (TOML) that prices the token records; replaces the built-in list prices.
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,

    /// Time zone (IANA name) for token-record timestamps written without an offset.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// What to do when two billed inputs hold rows for the same day and key.
    #[arg(long, value_enum, default_value_t = OnOverlap::Error)]
    pub on_overlap: OnOverlap,

    /// When no row is counted (none in the range, or none passing the filters), exit with
    /// code 1 instead of 0, for cron. The message on stderr says what the inputs cover and
    /// which filter matched nothing either way.
    #[arg(long)]
    pub fail_on_empty: bool,

    /// Print no warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Input files or directories (read recursively: *.csv, *.json, *.jsonl, the same with .gz,
    /// *.zip exports and *.parquet; provider *manifest.json files are skipped), or - for
    /// standard input. The kind of each file is detected from its content.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub range: RangeArgs,

    /// Grouping keys, comma-separated for nested groups: sku, project, service, region,
    /// resource, currency, source, assistant, model, endpoint (the last three from token
    /// records; empty for CSV rows), tag:KEY, or any column name of the input.
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

    #[command(flatten)]
    pub input: InputArgs,

    /// The time the report is made at: YYYY-MM-DD (00:00 UTC) or an RFC 3339 time.
    /// Default: now. Decides which days are provisional and what `current` means.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Days that cost data may arrive late; a day is final once this many whole days have
    /// passed since it ended.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub delay_days: u32,

    /// Set each group beside its cost in another period: `previous` (the month before a
    /// whole month, the same days of the month before a month to date, else the as many days
    /// before), a month YYYY-MM, or FROM..TO. Adds the difference and the change in percent.
    /// With --period total only.
    #[arg(long, value_name = "PERIOD")]
    pub compare: Option<String>,

    /// Drop provisional days from the report.
    #[arg(long)]
    pub final_only: bool,

    /// Output on stdout: an aligned table, CSV, JSON, a Markdown table, or an Excel workbook
    /// (xlsx: with --output, or stdout redirected to a file).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write the --format output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write summary.csv, daily.csv, charts (chart-daily and chart-share, SVG and PNG),
    /// report.html, report.xlsx and manifest.json (and rejects.csv) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --out, do not draw chart-daily and chart-share (SVG and PNG) nor embed them in
    /// report.html: for cron jobs that only need the CSV files.
    #[arg(long)]
    pub no_charts: bool,

    /// How many keys the charts show by name (by cost, for the first --by key); the rest are
    /// summed as "other".
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=50))]
    pub chart_top: u16,

    /// Skip bad rows (listed in rejects.csv, or on stderr without --out) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// What to do when two billed inputs hold rows for the same day and key.
    #[arg(long, value_enum, default_value_t = OnOverlap::Error)]
    pub on_overlap: OnOverlap,

    /// Spread a FOCUS charge whose period (ChargePeriodStart to ChargePeriodEnd) spans several
    /// UTC days evenly over those days, exactly (the first day takes the remainder), instead
    /// of counting it on its first day: a monthly fee shows as a band, not a spike.
    #[arg(long)]
    pub spread_charges: bool,

    /// FOCUS only: the period a row's day comes from: `charge` (ChargePeriodStart, when the
    /// cost was incurred) or `billing` (BillingPeriodStart, the invoice it is on: a month's
    /// total then equals that month's invoice, corrections of earlier months included).
    #[arg(long, value_enum, default_value_t = DateBasis::Charge,
          conflicts_with = "spread_charges")]
    pub date_basis: DateBasis,

    /// Which FOCUS cost column to report.
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,

    /// Rate card (TOML) that prices token-usage records; replaces the built-in list prices.
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,

    /// Time zone (IANA name) for token-record timestamps written without an offset.
    /// Default: UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// When no row is counted (none in the range, or none passing the filters), exit with
    /// code 1 instead of 0, for cron. The message on stderr says what the inputs cover and
    /// which filter matched nothing either way.
    #[arg(long)]
    pub fail_on_empty: bool,

    /// Print no warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Input files or directories, as for `report`. Include the previous month's exports for
    /// the spike check.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// The watched month: YYYY-MM, `current` or `previous` (relative to --as-of).
    /// Default: current.
    #[arg(long, value_name = "MONTH", conflicts_with = "last")]
    pub month: Option<String>,

    /// Watch the last N days ending on the as-of day instead of a month, e.g. 7d or 30d; the
    /// spike then compares with the N days before them.
    #[arg(long, value_name = "Nd")]
    pub last: Option<String>,

    /// Fire when spend to date reaches this amount (repeatable), e.g. --threshold 5000.
    #[arg(long, value_name = "AMOUNT")]
    pub threshold: Vec<String>,

    /// Fire when spend to date is strictly greater than this many times the previous
    /// month's total. Default: 2.
    #[arg(long, value_name = "FACTOR")]
    pub spike_factor: Option<String>,

    /// Also fire a forecast alert for each threshold the month-end projection reaches before
    /// actual spend does (said to be a projection). Not with --last.
    #[arg(long)]
    pub forecast: bool,

    /// The previous month's invoice amount (plain decimal, in the report's currency): the
    /// spike then compares month-to-date spend with it instead of the previous month's usage
    /// total, and is checked on every day of the month. Not with --last or --by.
    #[arg(long, value_name = "AMOUNT")]
    pub previous_invoice: Option<String>,

    /// Read named alerts (thresholds, factor, filters) from this TOML file; options given on
    /// the command line override the file's.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Which alert of --config to run (needed when the file names more than one).
    #[arg(long, value_name = "NAME", requires = "config")]
    pub alert: Option<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// Evaluate every group of this key on its own (one key, as in report's --by: sku,
    /// project, service, region, resource, tag:KEY or a column name): each threshold applies
    /// to each group's spend to date, and the spike compares each group with its own previous
    /// total. A group that spent nothing in the previous period gets no spike check.
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,

    /// The time the check is made at: YYYY-MM-DD (00:00 UTC) or an RFC 3339 time.
    /// Default: now. Decides which days are provisional and what `current` means.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Days that cost data may arrive late. Default: 3.
    #[arg(long, value_name = "N")]
    pub delay_days: Option<u32>,

    /// Output on stdout: an aligned table, CSV or JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write alerts.json, alerts.csv, the month-to-date chart (chart-mtd, SVG and PNG)
    /// and rejects.csv (when rows were skipped) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --out, do not draw chart-mtd (SVG and PNG): for cron jobs that only need the
    /// JSON and CSV files.
    #[arg(long)]
    pub no_charts: bool,

    /// Notify once: record in this JSON file which alerts fired in the billing month, and
    /// exit 3 only for an alert not recorded yet ("already fired on DAY" otherwise). Created
    /// on the first run; a damaged or another alert's file is an error (exit 1).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Skip bad rows (listed in rejects.csv, or on stderr without --out) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// What to do when two billed inputs hold rows for the same day and key.
    #[arg(long, value_enum, default_value_t = OnOverlap::Error)]
    pub on_overlap: OnOverlap,

    /// Spread a FOCUS charge whose period (ChargePeriodStart to ChargePeriodEnd) spans several
    /// UTC days evenly over those days, exactly (the first day takes the remainder), instead
    /// of counting it on its first day: a monthly fee shows as a band, not a spike.
    #[arg(long)]
    pub spread_charges: bool,

    /// FOCUS only: the period a row's day comes from: `charge` (ChargePeriodStart, when the
    /// cost was incurred) or `billing` (BillingPeriodStart, the invoice it is on: a month's
    /// total then equals that month's invoice, corrections of earlier months included).
    #[arg(long, value_enum, default_value_t = DateBasis::Charge,
          conflicts_with = "spread_charges")]
    pub date_basis: DateBasis,

    /// Which FOCUS cost column to watch.
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,

    /// When no row is counted (none in the range, or none passing the filters), exit with
    /// code 1 instead of 0, for cron. The message on stderr says what the inputs cover and
    /// which filter matched nothing either way.
    #[arg(long)]
    pub fail_on_empty: bool,

    /// Print no warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The row filters shared by `report` and `alerts`.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Keep only these SKUs (repeatable; exact, ignoring ASCII case).
    #[arg(long, value_name = "SKU")]
    pub sku: Vec<String>,

    /// Keep only these projects, by name or ID (repeatable).
    #[arg(long, value_name = "PROJECT")]
    pub project: Vec<String>,

    /// Keep only these services (repeatable): database, assistants, inference, collections.
    #[arg(long, value_name = "SERVICE")]
    pub service: Vec<String>,

    /// Keep only rows with this tag (repeatable; all must match), as KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<String>,
}

/// How CSV inputs are read, for files a spreadsheet saved: shared by every subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct InputArgs {
    /// Read the date column of usage CSVs (and FOCUS ChargePeriodStart) with this chrono
    /// strftime format instead of YYYY-MM-DD / RFC 3339, e.g. %m/%d/%Y, %m/%d/%y, %d.%m.%Y or
    /// "%m/%d/%Y %H:%M" (a time without %z is UTC; with %z it is converted to UTC). A value
    /// that does not match is a bad row.
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,

    /// The field separator of CSV inputs: `,` (default), `;`, `|` or `tab` (also `\t`).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Leave out files (and folders) of a folder input whose path relative to that folder,
    /// or whose name, matches this glob (repeatable): --exclude 'old/**' --exclude '*.bak.csv'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// A date range: `--from`/`--to` or `--month`. Default: the current month up to the as-of day.
#[derive(Debug, Clone, Default, Args)]
pub struct RangeArgs {
    /// First UTC day of the range (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DAY", conflicts_with = "month")]
    pub from: Option<String>,

    /// Last UTC day of the range (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DAY", conflicts_with = "month")]
    pub to: Option<String>,

    /// A calendar month: YYYY-MM, `current` or `previous` (relative to --as-of).
    #[arg(long, value_name = "MONTH")]
    pub month: Option<String>,

    /// The last N days ending on the as-of day, e.g. 7d or 30d, as in alerts.
    #[arg(long, value_name = "Nd", conflicts_with_all = ["month", "from", "to"])]
    pub last: Option<String>,
}

//! The command line, as clap derive structs. Doc comments and the `*_AFTER_HELP` texts are the
//! help, the man page and the completions; no logic here.

use crate::model::Period;
use crate::options::{CostColumn, DateBasis, Format, InspectFormat, OnOverlap, ReportFormat};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Exact, auditable cost reports from usage exports (console CSV, FOCUS CSV and Parquet, cost
/// usage export zips) and token-usage records (JSON, JSON Lines) priced by a rate card.
#[derive(Debug, Parser)]
#[command(name = "tally", version, propagate_version = true, after_help = TALLY_AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Each subcommand's help ends with examples that run as written from the repository's root
// (tests/help.rs runs every one; `# exit N` states an exit code other than 0) and its exit
// codes (src/error.rs, `Exit`). Example lines stay under 80 columns: clap wraps longer ones.

const TALLY_AFTER_HELP: &str = "\
Start with `tally inspect` on an unknown export, then `tally report`. Each subcommand's --help
describes its inputs, its default range, examples and exit codes; the user guide is
docs/README.md in the repository, and `tally man` prints the man page.

Examples:
  tally inspect fixtures/export/cost-usage-export-2026-10.zip
  tally report fixtures/console --month 2026-10 --by service
  tally alerts fixtures/console --month 2026-10 --threshold 2500  # exit 3

Exit codes:
  0  success; `alerts`: no alert fired
  1  bad input or a runtime error (a bad row, an unreadable file, overlapping
     exports, an --out folder held by another run); with --fail-on-empty: no row
     counted
  2  usage error: a bad option or value (`alerts`: a bad --config file too)
  3  `alerts`: at least one alert fired; `reconcile --fail-on-flag`: a row was
     flagged";

const REPORT_AFTER_HELP: &str = "\
Examples:
  tally report fixtures/console --month 2026-10 --by service --period week
  tally report fixtures/console --from 2026-10-03 --to 2026-10-17 \\
      --project search-prod --format csv
  tally report fixtures/tokens --month 2026-10 --by assistant,model
  tally report fixtures/export --month 2026-10 --by service --out reports/oct

Exit codes:
  0  the report was made (also when no row is counted: a warning says why)
  1  bad input or a runtime error: a bad row (without --skip-bad-rows), an
     unreadable file, overlapping exports (with --on-overlap error), an --out
     folder held by another run or holding other files; with --fail-on-empty:
     no row counted
  2  usage error: a bad option or value (also a --by name that no input has)";

const ALERTS_AFTER_HELP: &str = "\
Examples:
  tally alerts fixtures/console --month 2026-10 --threshold 500  # exit 3
  tally alerts fixtures/console --config fixtures/alerts.toml --alert org \\
      --month 2026-10 --as-of 2026-11-02 --format json  # exit 3
  tally alerts fixtures/console --month 2026-10 --by project \\
      --threshold 2000  # exit 0

Exit codes:
  0  no alert fired
  1  bad input or a runtime error (as for report); with --fail-on-empty: the
     watched period has no row
  2  usage error: a bad option or value, or a bad --config file
  3  at least one alert fired (provisional or not)";

const RECONCILE_AFTER_HELP: &str = "\
Examples:
  tally reconcile fixtures/reconcile --month 2026-10
  tally reconcile fixtures/reconcile --month 2026-10 --tolerance 1% --format csv
  tally reconcile fixtures/reconcile --month 2026-10 --fail-on-flag  # exit 3

Exit codes:
  0  the rows were compared, flagged or not
  1  bad input or a runtime error (as for report); with --fail-on-empty: no row
     in the range
  2  usage error: a bad option or value
  3  with --fail-on-flag: at least one row is flagged";

const INSPECT_AFTER_HELP: &str = "\
Examples:
  tally inspect fixtures/focus-sample/focus_sample.csv
  tally inspect fixtures/export --cost effective --format json
  tally inspect fixtures/parquet/aws  # an AWS Data Exports Parquet tree
  tally inspect fixtures/real-world/focus-semicolon.csv --delimiter ';'

Exit codes:
  0  every input could be read (bad rows are counted, never fatal)
  1  an input could not be read, or has no header tally reads
  2  usage error: a bad option or value";

const SQL_AFTER_HELP: &str = "\
Examples:
  tally sql --dialect duckdb --month 2026-10 --as-of 2026-11-20 --by service
  tally sql --dialect trino --table billing.focus --month 2026-10 --by sku --period week
  tally sql --dialect spark --header fixtures/focus-sample/focus_sample.csv --last 7d
  tally export rows fixtures/focus-sample -q && \\
    tally sql --dialect duckdb --dataset rows --by service

Exit codes:
  0  the query was printed
  1  an input (--header) could not be read
  2  usage error: a bad option or value, or one SQL cannot express (tags)";

const EXPORT_AFTER_HELP: &str = "\
Examples:
  tally export rows fixtures/focus-sample
  tally export --format parquet sept fixtures/focus-sample --from 2024-09-01 --to 2024-09-30
  tally export rows fixtures/focus-sample --skip-bad-rows --exclude 'old/**' -q && ls rows
  tally export rows fixtures/focus-sample -q && \\
    tally sql --dialect duckdb --dataset rows --month 2024-09

Exit codes:
  0  the dataset was written (DIR replaced as a whole)
  1  an input could not be read, a bad row (without --skip-bad-rows), inputs that overlap or
     repeat, a value beyond --scale, or DIR could not be written; DIR is left as it was
  2  usage error: a bad option or value";

const DIFF_AFTER_HELP: &str = "\
Examples:
  tally report fixtures/console --month 2026-10 --as-of 2026-11-02 --out old -q && \\
    tally report fixtures/console --month 2026-10 --as-of 2026-11-10 --out new -q && \\
    tally diff old new
  tally diff fixtures/console fixtures/export --month 2026-10 --as-of 2026-11-28 \\
    --by service  # exit 3
  tally diff fixtures/console fixtures/console --month 2026-10 --old-as-of 2026-11-02 \\
    --as-of 2026-11-28 --format csv
  tally report fixtures/console --month 2026-10 --out a -q && tally diff a a --format json

Exit codes:
  0  every figure is equal
  1  a folder or input could not be read, or the two runs have different --by keys
  2  usage error: a bad option or value, OLD and NEW of different kinds, or input options
     given with two --out folders
  3  a figure was added, removed or restated";

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  tally completions bash > tally.bash  # then: source tally.bash
  tally completions zsh > _tally       # a file named _tally in a $fpath folder
  tally completions fish > tally.fish  # into ~/.config/fish/completions/

Exit codes:
  0  the script was printed
  2  usage error: an unknown shell";

const MAN_AFTER_HELP: &str = "\
Examples:
  tally man > tally.1  # then: man ./tally.1
  tally man report > tally-report.1
  tally man | gzip > tally.1.gz  # for a man1 folder, e.g. /usr/local/share/man/man1

Exit codes:
  0  the page was printed
  2  usage error: no such subcommand";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Aggregate cost by SKU, project, service, region, resource or tag over a UTC date range.
    ///
    /// Inputs: files, directories (read recursively, entries in name order: *.csv, *.json,
    /// *.jsonl, the same with .gz, *.zip and *.parquet; provider *manifest.json files are
    /// skipped) or - for standard input. Each file's kind is detected from its content, never
    /// its name: console usage CSVs, FOCUS 1.0-1.4 CSV or Parquet files, cost usage export
    /// zips, any of the CSVs gzip-compressed, and token-usage records (JSON, JSON Lines),
    /// which are estimates priced by the rate card (--rates) and never added to billed rows.
    ///
    /// Range: --month, or --from and --to (inclusive UTC days). Default: the current month
    /// of the as-of time (--as-of, default now), from its 1st to the as-of day. --from alone
    /// runs to the as-of day; --to alone starts on the 1st of its month. Days after the
    /// as-of day are never counted. A day is provisional until --delay-days (default 3) whole
    /// days have passed since it ended; every row says whether it is.
    #[command(after_help = REPORT_AFTER_HELP)]
    Report(ReportArgs),
    /// Spend alerts for cron: thresholds and a spike check on one month (or the last N days).
    ///
    /// Inputs: as for `report` (usage CSVs, FOCUS CSV or Parquet, export zips, token
    /// records). Include the previous month's exports: the spike check compares with its
    /// total, and is skipped (and says why) when that month is missing, incomplete or not yet
    /// final. Named alerts can be read from a TOML file (--config, --alert).
    ///
    /// Range: --month (YYYY-MM, current or previous; default: current, relative to --as-of),
    /// its days up to the as-of day; or --last Nd (1 to 366 days, e.g. 7d) ending on the
    /// as-of day. A threshold fires when
    /// spend to date reaches it; the spike when spend to date is strictly greater than
    /// --spike-factor (default 2) times the previous period's total.
    #[command(after_help = ALERTS_AFTER_HELP)]
    Alerts(AlertsArgs),
    /// Set billed assistants usage beside token-record estimates, per UTC day and SKU, and flag
    /// the differences beyond a tolerance.
    ///
    /// Inputs: as for `report`, both sides in one run: usage exports and FOCUS files are the
    /// billed side, token records (JSON, JSON Lines) the estimated side, priced by the rate
    /// card (--rates, default the built-in list prices). Only the assistants service is
    /// compared.
    ///
    /// Range: as for `report`: --month, or --from and --to. Default: the current month of the
    /// as-of time (--as-of, default now), from its 1st to the as-of day. Each row is flagged
    /// billed-only, estimated-only, differs (cost), quantity-differs, or ok.
    #[command(after_help = RECONCILE_AFTER_HELP)]
    Reconcile(ReconcileArgs),
    /// Describe inputs before reporting on them: kind, columns, rows, days, totals, bad rows.
    ///
    /// For each input: the kind (and the FOCUS version its columns show), which column gives
    /// each field, rows, the UTC days and the days missing, currencies and exact cost totals,
    /// FOCUS charge categories and charges spanning several days (for --spread-charges),
    /// nulls, and bad rows (counted, never fatal).
    ///
    /// Inputs: found and read as `report` finds and reads them: CSV, gzip, zip exports (part
    /// by part and in total), token records and Parquet files or hive trees, with report's
    /// --delimiter and --date-format. There is no range: every row of every input is
    /// described.
    #[command(after_help = INSPECT_AFTER_HELP)]
    Inspect(InspectArgs),
    /// Print the SQL (DuckDB, Spark, Trino/Athena) that computes `report --format csv`'s
    /// summary over a FOCUS table, with report's options; see docs/sql.md.
    #[command(after_help = SQL_AFTER_HELP)]
    Sql(SqlArgs),
    /// Write the normalized rows tally reads as a Parquet dataset, one folder per billing
    /// month (DIR/month=YYYY-MM/part-00000.parquet) and DIR/_manifest.json; see docs/sql.md.
    ///
    /// Each row that a report would count (in the range, passing the filters) is written with
    /// its UTC day, project, service, SKU, region, resource, quantity, unit, cost, currency,
    /// source, tags and the input and line it came from; money and quantities as
    /// DECIMAL(38, --scale), never rounded. Without a range option every row is exported.
    /// The same inputs give the same bytes. DIR is replaced as a whole, only once complete.
    #[command(after_help = EXPORT_AFTER_HELP)]
    Export(ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    ///
    /// The script is generated from the same definitions as --help, so it knows every
    /// subcommand, option and option value of this version of tally.
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout: tally(1), or tally-SUBCOMMAND(1) for one.
    ///
    /// The page is generated from the same definitions as --help: the descriptions, options,
    /// examples and exit codes.
    #[command(after_help = MAN_AFTER_HELP)]
    Man(ManArgs),
    /// Compare two runs per day and group: what was added, removed or restated and by how
    /// much, and which provisional days became final. Exit code 0 when every figure is equal,
    /// 3 when any differs.
    ///
    /// OLD and NEW are either two `report --out` folders (their daily.csv and manifest.json
    /// are read; a folder is one when it holds tally's manifest.json and daily.csv), or two
    /// inputs (files or folders as `report` reads them), each read with the same report
    /// options (range, --by, filters, --as-of ...; OLD as of --old-as-of when given).
    #[command(after_help = DIFF_AFTER_HELP)]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (tally-SUBCOMMAND(1)); without it, tally(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier side: a `report --out` folder (recognised by tally's manifest.json and
    /// daily.csv), or an input (a file or folder as `report` reads them).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later side, of the same kind as OLD: a `report --out` folder made with the same
    /// --by, or an input read with the same options.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Output on stdout: an aligned table, CSV or JSON (exact figures).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Inputs only: the time OLD is read as of (the report that was sent), so that its days
    /// are provisional as they were then. Default: --as-of.
    #[arg(long, value_name = "TIME")]
    pub old_as_of: Option<String>,

    #[command(flatten)]
    pub range: RangeArgs,

    /// Inputs only: grouping keys as for `report` (default sku).
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub by: Option<Vec<String>>,

    #[command(flatten)]
    pub filters: FilterArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// Inputs only: the time both sides are read as of (NEW always; OLD unless --old-as-of):
    /// YYYY-MM-DD (00:00 UTC) or an RFC 3339 time. Default: now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Inputs only: days cost data may arrive late (default 3), as for `report`.
    #[arg(long, value_name = "N")]
    pub delay_days: Option<u32>,

    /// Inputs only: as for `report`.
    #[arg(long, value_enum)]
    pub on_overlap: Option<OnOverlap>,

    /// Inputs only: as for `report`.
    #[arg(long)]
    pub spread_charges: bool,

    /// Inputs only: as for `report` (FOCUS: charge or billing).
    #[arg(long, value_enum, conflicts_with = "spread_charges")]
    pub date_basis: Option<DateBasis>,

    /// Inputs only: which FOCUS cost column, as for `report`.
    #[arg(long, value_enum)]
    pub cost: Option<CostColumn>,

    /// Inputs only: the rate card for token records, as for `report`.
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,

    /// Inputs only: the time zone of token-record timestamps, as for `report`.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Inputs only: skip bad rows (shown on stderr, with their count) instead of stopping, as
    /// for `report`.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// Print no warnings.
    #[arg(long, short)]
    pub quiet: bool,
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

    /// Also write summary.csv, daily.csv, charts (chart-daily and chart-share, SVG and PNG;
    /// chart-compare and compare.csv with --compare), report.html, report.xlsx and
    /// manifest.json (and rejects.csv) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --out, do not draw chart-daily, chart-share and chart-compare (SVG and PNG) nor
    /// embed them in report.html: for cron jobs that only need the CSV files.
    #[arg(long)]
    pub no_charts: bool,

    /// How many keys the charts show by name (by cost, for the first --by key), at most 7:
    /// one colour each of a colour-blind-safe palette; the rest are summed as "other".
    #[arg(long, value_name = "N", default_value_t = 7,
          value_parser = clap::value_parser!(u16).range(1..=7))]
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

/// The formats `tally export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A hive-partitioned Parquet dataset.
    Parquet,
}

/// `tally export`: report's input, range and filter options, and the dataset's folder.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format written. (Not `--to`, which is the range's last day, as in report.)
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ExportFormat,

    /// The dataset's folder (replaced as a whole; it may hold only an earlier export).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Input files or directories, found and read as `report` reads them (billed rows: usage
    /// CSVs, FOCUS CSV or Parquet, export zips; token records are refused).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub range: RangeArgs,

    #[command(flatten)]
    pub filters: FilterArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// The time --month current/previous and --last are relative to. Default: now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Skip rows that cannot be read (counted in _manifest.json) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// Which FOCUS cost column is exported as cost.
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,

    /// The period a row's day comes from: charge (ChargePeriodStart) or billing
    /// (BillingPeriodStart).
    #[arg(long, value_enum, default_value_t = DateBasis::Charge)]
    pub date_basis: DateBasis,

    /// Decimal places of cost and quantity: DECIMAL(38, SCALE), 2 to 37. A value with more
    /// decimals stops the export (it is never rounded).
    #[arg(long, value_name = "SCALE", default_value_t = 16)]
    pub scale: u32,

    /// No progress bar, no summary line on stdout, no warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `tally sql`: report's options (those SQL can express) and the query's target.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The engine the query is written for (Athena is Trino).
    #[arg(long, value_enum)]
    pub dialect: crate::options::Dialect,

    /// The table the query reads, as written after FROM (e.g. billing.focus): a FOCUS table
    /// (default `focus`), or with --dataset a table over the exported dataset.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// Query the dataset `tally export` wrote to DIR instead of a FOCUS table: DuckDB reads
    /// DIR/month=*/*.parquet, Spark parquet.`DIR` (DIR may be s3://…); Trino needs --table,
    /// a table over DIR (docs/sql.md shows one).
    #[arg(long, value_name = "DIR", conflicts_with = "header")]
    pub dataset: Option<String>,

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

//! Turns parsed arguments into a validated configuration: the date range, the as-of time,
//! grouping keys and filters. Everything that can be wrong with a flag is found here.

use crate::cli::{FilterArgs, InputArgs, ReconcileArgs, ReportArgs};
use crate::error::UsageError;
use crate::model::{DateRange, Day, Delay, KeyKind, Period, last_day_of_month};
// Option values live in `options`, which `cli` uses too: `cli` imports nothing from here.
pub use crate::options::{
    CostColumn, DateBasis, Dialect, Format, InspectFormat, OnOverlap, ReportFormat,
};
use crate::primitives::date::DateFormat;
use crate::rates::RateCard;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use std::path::PathBuf;

/// A validated `tally inspect`.
#[derive(Debug, Clone)]
pub struct InspectConfig {
    pub inputs: Vec<PathBuf>,
    pub format: InspectFormat,
    pub cost: CostColumn,
    /// Bytes per CSV block read at a time (bounds the records held in memory).
    pub block_size: usize,
    /// `--date-format`, as for `report`.
    pub date_format: Option<DateFormat>,
    /// `--delimiter`, as for `report`.
    pub delimiter: u8,
    /// `--exclude`, as for `report`.
    pub exclude: crate::primitives::glob::Excludes,
}

impl InspectConfig {
    pub fn from_args(args: crate::cli::InspectArgs) -> Result<InspectConfig, UsageError> {
        let input = InputOptions::from_args(&args.input)?;
        Ok(InspectConfig {
            inputs: args.inputs,
            format: args.format,
            cost: args.cost,
            // Records of one block are held as owned text: a smaller block than a report's.
            block_size: block_size_from_env().min(1 << 20),
            date_format: input.date_format,
            delimiter: input.delimiter,
            exclude: input.exclude,
        })
    }
}

/// Row filters; an empty list keeps everything.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Filters {
    pub skus: Vec<String>,
    pub projects: Vec<String>,
    pub services: Vec<String>,
    pub tags: Vec<(String, String)>,
}

/// A field a filter applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterField {
    Sku,
    Project,
    Service,
    Tag(String),
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.skus.is_empty()
            && self.projects.is_empty()
            && self.services.is_empty()
            && self.tags.is_empty()
    }

    /// Every filter value given, with its field: SKUs, projects, services, then tags (the
    /// order of `FilterProbe::matched`).
    pub fn items(&self) -> Vec<(FilterField, &str)> {
        let mut items = Vec::new();
        for (field, values) in [
            (FilterField::Sku, &self.skus),
            (FilterField::Project, &self.projects),
            (FilterField::Service, &self.services),
        ] {
            items.extend(values.iter().map(|v| (field.clone(), v.as_str())));
        }
        items.extend(
            self.tags
                .iter()
                .map(|(key, value)| (FilterField::Tag(key.clone()), value.as_str())),
        );
        items
    }

    /// The filtered fields, each once, in the order of `items` (the order of
    /// `FilterProbe::values`).
    pub fn fields(&self) -> Vec<FilterField> {
        let mut fields: Vec<FilterField> = Vec::new();
        for (field, _) in self.items() {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        fields
    }

    /// `sku=A`, `project=a,b`, `tag:team=search`: how outputs state the filters.
    pub fn texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        for (name, values) in [
            ("sku", &self.skus),
            ("project", &self.projects),
            ("service", &self.services),
        ] {
            if !values.is_empty() {
                texts.push(format!("{name}={}", values.join(",")));
            }
        }
        texts.extend(self.tags.iter().map(|(k, v)| format!("tag:{k}={v}")));
        texts
    }
}

/// What the per-row path needs: shared, read-only, by every block of every input.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    pub range: DateRange,
    pub keys: Vec<KeyKind>,
    pub filters: Filters,
    pub skip_bad_rows: bool,
    /// Keep every skipped row for `rejects.csv` (in temporary files): only a run that writes
    /// `--out` lists them; otherwise they are counted and the first few kept for stderr.
    pub spill_rejects: bool,
    pub cost: CostColumn,
    /// Collect overlap keys (only needed with more than one billed input).
    pub track_overlap: bool,
    /// Bytes per parallel block.
    pub block_size: usize,
    /// Compute each input's SHA-256 (for the manifest and to find inputs given twice).
    pub hash_inputs: bool,
    /// Count rows under the start of their period instead of their day: far fewer groups,
    /// for reports that need no daily rows. `None` keeps days (daily.csv, charts, alerts,
    /// overlap resolution by day).
    pub bucket: Option<Period>,
    /// With `bucket`: the first provisional day. A period's provisional days are counted under
    /// their own start (the later of the period's start and this day), so that each group's
    /// provisional part stays known.
    pub provisional_from: Option<Day>,
    /// Prices token records (the built-in card until `--rates` is read).
    pub rates: std::sync::Arc<RateCard>,
    /// The zone naive token-record timestamps are read in.
    pub tz: Tz,
    /// Spread a FOCUS charge whose period spans several UTC days evenly over those days
    /// (`--spread-charges`) instead of counting it on its first day.
    pub spread_charges: bool,
    /// `--date-basis`: the FOCUS period a row's day comes from.
    pub date_basis: DateBasis,
    /// `--date-format`: how the date column is read (`None`: YYYY-MM-DD or RFC 3339).
    pub date_format: Option<DateFormat>,
    /// `--delimiter`: the CSV field separator.
    pub delimiter: u8,
    /// `--exclude`: what the walk of a folder input leaves out.
    pub exclude: crate::primitives::glob::Excludes,
    /// `tally export`: every row that passes the range and filters is also handed out as an
    /// `ExportRow`, in input order (`ingest::Progress::rows`). CSV is then cut with exact
    /// record boundaries from the start: rows handed out are never read a second time.
    pub export: bool,
}

impl ScanPlan {
    /// The day a row of `day` is counted under: its day, or with `bucket` the start of its
    /// period (its provisional days apart, from `provisional_from` on).
    pub fn key_day(&self, day: Day) -> Day {
        let Some(period) = self.bucket else {
            return day;
        };
        let mut range = self.range;
        if let Some(first) = self.provisional_from {
            if day >= first {
                range.from = range.from.max(first);
            } else if let Some(before) = first.pred_opt() {
                range.to = range.to.min(before);
            }
        }
        period.bucket(day, range).from
    }
}

/// `--date-format`, `--delimiter` and `--exclude`, validated.
pub struct InputOptions {
    pub date_format: Option<DateFormat>,
    pub delimiter: u8,
    pub exclude: crate::primitives::glob::Excludes,
}

impl InputOptions {
    pub fn from_args(args: &InputArgs) -> Result<InputOptions, UsageError> {
        let date_format = match &args.date_format {
            Some(text) => Some(
                DateFormat::new(text)
                    .map_err(|e| UsageError(format!("--date-format \"{text}\": {e}")))?,
            ),
            None => None,
        };
        let delimiter = match &args.delimiter {
            Some(text) => parse_delimiter(text)?,
            None => b',',
        };
        Ok(InputOptions {
            date_format,
            delimiter,
            exclude: crate::primitives::glob::Excludes::new(&args.exclude).map_err(UsageError)?,
        })
    }
}

/// `--delimiter`: one ASCII punctuation character, or a tab (`tab`, `\t` or the character).
fn parse_delimiter(text: &str) -> Result<u8, UsageError> {
    match text {
        "tab" | "TAB" | "\\t" | "\t" => return Ok(b'\t'),
        _ => {}
    }
    match text.as_bytes() {
        [byte] if byte.is_ascii_punctuation() && !matches!(byte, b'"') => Ok(*byte),
        _ => Err(UsageError(format!(
            "--delimiter \"{text}\": expected one character such as , or ; or |, or tab"
        ))),
    }
}

/// A validated `tally report`.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub inputs: Vec<PathBuf>,
    pub plan: ScanPlan,
    pub delay: Delay,
    pub final_only: bool,
    pub period: Period,
    pub format: ReportFormat,
    /// `--output FILE`: the `--format` output goes to this file (written atomically) instead
    /// of standard output.
    pub output: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub on_overlap: OnOverlap,
    pub quiet: bool,
    /// `--rates FILE`: replaces the built-in rate card.
    pub rates_path: Option<PathBuf>,
    /// Charts to draw with `--out`: `None` for `--no-charts`.
    pub charts: Option<ChartOptions>,
    /// The days of the requested range after the as-of day, which no figure includes.
    pub after_as_of: Option<DateRange>,
    /// `--fail-on-empty`: exit 1 when no row is counted.
    pub fail_on_empty: bool,
    /// `--compare PERIOD`.
    pub compare: Option<CompareArg>,
}

/// What the charts show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ChartOptions {
    /// Keys shown by name; the rest are summed as "other".
    pub top: usize,
}

/// Default block size: large enough to amortize task overhead, small enough that a few
/// blocks in flight stay well under the memory target.
const BLOCK_SIZE: usize = 4 << 20;

impl ReportConfig {
    pub fn from_args(args: ReportArgs, now: DateTime<Utc>) -> Result<ReportConfig, UsageError> {
        let as_of = match &args.as_of {
            Some(text) => parse_as_of(text)?,
            None => now,
        };
        let delay = Delay {
            as_of,
            delay_days: args.delay_days,
        };
        let as_of_day = as_of.date_naive();
        let mut range = match (&args.range.month, &args.range.from, &args.range.to) {
            _ if args.range.last.is_some() => {
                last_days_range(args.range.last.as_deref().unwrap_or_default(), as_of_day)?.1
            }
            (Some(month), _, _) => month_range(month, as_of_day)?,
            (None, None, None) => DateRange {
                from: as_of_day.with_day(1).unwrap_or(as_of_day),
                to: as_of_day,
            },
            (None, from, to) => {
                let to = match to {
                    Some(text) => parse_day_arg("--to", text)?,
                    None => as_of_day,
                };
                let from = match from {
                    Some(text) => parse_day_arg("--from", text)?,
                    None => to.with_day(1).unwrap_or(to),
                };
                DateRange { from, to }
            }
        };
        if range.from > range.to {
            return Err(UsageError(format!(
                "the range is empty: --from {} is after --to {}",
                range.from, range.to
            )));
        }
        // Nothing after the as-of day is part of any figure: it cannot be known at that time
        // (alerts and reconcile cut there too). The days cut are remembered for a warning.
        if range.from > as_of_day {
            return Err(UsageError(format!(
                "the range {} to {} starts after the as-of day {as_of_day}: nothing in it can \
                 be known yet (pass --as-of to report as of a later time)",
                range.from, range.to
            )));
        }
        let after_as_of = (range.to > as_of_day).then(|| DateRange {
            from: as_of_day.succ_opt().unwrap_or(as_of_day),
            to: range.to,
        });
        range.to = range.to.min(as_of_day);
        if args.final_only {
            let last_final = delay.first_provisional_day().pred_opt();
            range.to = last_final.map_or(range.to, |last| range.to.min(last));
            if last_final.is_none() || range.to < range.from {
                return Err(UsageError(format!(
                    "--final-only leaves no day: every day from {} on is still provisional as of {}",
                    range.from,
                    as_of.format("%Y-%m-%dT%H:%M:%SZ")
                )));
            }
        }
        if args.format == ReportFormat::Xlsx && args.output.is_none() && {
            use std::io::IsTerminal;
            std::io::stdout().is_terminal()
        } {
            return Err(UsageError(
                "--format xlsx writes a workbook, not text: add --output FILE (e.g. --output \
                 report.xlsx), or redirect standard output to a file"
                    .into(),
            ));
        }
        let compare = match &args.compare {
            Some(text) => Some(CompareArg::parse(text)?),
            None => None,
        };
        if compare.is_some() {
            let refuse = |why: &str| Err(UsageError(format!("--compare {why}")));
            if args.period != Period::Total {
                return refuse("compares whole periods: use it with --period total (the default)");
            }
            if args.inputs.iter().any(|p| p.as_os_str() == "-") {
                return refuse(
                    "reads the inputs a second time for the compared period: standard input \
                     (-) cannot be read twice; save it to a file",
                );
            }
        }
        if let Some(path) = args.output.as_deref().filter(|path| path.is_dir()) {
            return Err(UsageError(format!(
                "--output {}: names a folder; give a file name (--out takes a folder)",
                path.display()
            )));
        }
        let mut keys = Vec::new();
        for item in &args.by {
            let key = KeyKind::from_arg(item).map_err(|e| UsageError(format!("--by: {e}")))?;
            if keys.contains(&key) {
                return Err(UsageError(format!("--by names \"{item}\" twice")));
            }
            keys.push(key);
        }
        let tags = parse_tags(&args.filters.tag)?;
        let input = InputOptions::from_args(&args.input)?;
        let tz = match &args.tz {
            Some(name) => name.trim().parse::<Tz>().map_err(|_| {
                UsageError(format!(
                    "--tz \"{name}\": not an IANA time zone name, e.g. America/New_York or UTC"
                ))
            })?,
            None => Tz::UTC,
        };
        Ok(ReportConfig {
            inputs: args.inputs,
            plan: ScanPlan {
                range,
                keys,
                filters: Filters {
                    skus: args.filters.sku,
                    projects: args.filters.project,
                    services: args.filters.service,
                    tags,
                },
                skip_bad_rows: args.skip_bad_rows,
                spill_rejects: args.skip_bad_rows && args.out.is_some(),
                cost: args.cost,
                track_overlap: false,
                block_size: block_size_from_env(),
                hash_inputs: false,
                bucket: None,
                provisional_from: None,
                rates: std::sync::Arc::new(RateCard::built_in()),
                tz,
                spread_charges: args.spread_charges,
                date_basis: args.date_basis,
                date_format: input.date_format,
                delimiter: input.delimiter,
                exclude: input.exclude,
                export: false,
            },
            delay,
            final_only: args.final_only,
            after_as_of,
            fail_on_empty: args.fail_on_empty,
            compare,
            period: args.period,
            format: args.format,
            output: args.output,
            out: args.out,
            on_overlap: args.on_overlap,
            quiet: args.quiet,
            rates_path: args.rates,
            charts: (!args.no_charts).then_some(ChartOptions {
                top: usize::from(args.chart_top),
            }),
        })
    }
}

/// What `--compare` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareArg {
    Previous,
    Month(Day),
    Range(DateRange),
}

impl CompareArg {
    /// `previous`, `YYYY-MM` or `FROM..TO` (days as YYYY-MM-DD, inclusive).
    pub fn parse(text: &str) -> Result<CompareArg, UsageError> {
        let text = text.trim();
        let error = || {
            UsageError(format!(
                "--compare \"{text}\": expected previous, a month (YYYY-MM) or a range \
                 FROM..TO (YYYY-MM-DD..YYYY-MM-DD)"
            ))
        };
        if text == "previous" {
            return Ok(CompareArg::Previous);
        }
        if let Some((from, to)) = text.split_once("..") {
            let day = |t: &str| Day::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| error());
            let (from, to) = (day(from)?, day(to)?);
            if from > to {
                return Err(UsageError(format!(
                    "--compare {text}: the range is empty ({from} is after {to})"
                )));
            }
            return Ok(CompareArg::Range(DateRange { from, to }));
        }
        Day::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
            .map(CompareArg::Month)
            .map_err(|_| error())
    }
}

/// `--tag KEY=VALUE` items.
pub fn parse_tags(items: &[String]) -> Result<Vec<(String, String)>, UsageError> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(UsageError(format!(
                "--tag \"{item}\": expected KEY=VALUE, e.g. --tag team=search"
            ))),
        })
        .collect()
}

/// A validated `tally reconcile`: a report configuration grouped by SKU and source over the
/// assistants service, and the tolerance.
#[derive(Debug, Clone)]
pub struct ReconcileConfig {
    pub report: ReportConfig,
    /// A fraction of the billed cost (0.005 for 0.5%).
    pub tolerance: rust_decimal::Decimal,
    /// As the user wrote it, for display.
    pub tolerance_text: String,
    /// `--fail-on-flag`: exit 3 when any row is flagged.
    pub fail_on_flag: bool,
    /// `--format`: reconcile's own forms (table, CSV, JSON).
    pub format: Format,
}

impl ReconcileConfig {
    pub fn from_args(
        args: ReconcileArgs,
        now: DateTime<Utc>,
    ) -> Result<ReconcileConfig, UsageError> {
        let tolerance_text = args.tolerance.trim().to_string();
        let tolerance = parse_tolerance(&tolerance_text)?;
        let format = args.format;
        let report = ReportArgs {
            inputs: args.inputs,
            range: args.range,
            input: args.input,
            by: vec!["sku".to_string(), "source".to_string()],
            period: Period::Total,
            filters: FilterArgs {
                project: args.project,
                service: vec!["assistants".to_string()],
                ..FilterArgs::default()
            },
            as_of: args.as_of,
            delay_days: args.delay_days,
            final_only: false,
            format: args.format.into(),
            output: None,
            out: args.out,
            skip_bad_rows: args.skip_bad_rows,
            on_overlap: args.on_overlap,
            cost: CostColumn::Billed,
            spread_charges: false,
            date_basis: DateBasis::Charge,
            rates: args.rates,
            tz: args.tz,
            quiet: args.quiet,
            fail_on_empty: args.fail_on_empty,
            compare: None,
            no_charts: true,
            chart_top: 7,
        };
        Ok(ReconcileConfig {
            report: ReportConfig::from_args(report, now)?,
            tolerance,
            tolerance_text,
            fail_on_flag: args.fail_on_flag,
            format,
        })
    }
}

/// `0.5%` or `0.005`: a non-negative fraction.
fn parse_tolerance(text: &str) -> Result<rust_decimal::Decimal, UsageError> {
    use std::str::FromStr;
    let error = || {
        UsageError(format!(
            "--tolerance \"{text}\": expected a percentage such as 0.5% or a fraction such as 0.005"
        ))
    };
    let (number, percent) = match text.strip_suffix('%') {
        Some(number) => (number.trim(), true),
        None => (text, false),
    };
    let value = rust_decimal::Decimal::from_str(number).map_err(|_| error())?;
    if value.is_sign_negative() {
        return Err(error());
    }
    // A bare number is a fraction: `5` would be 500%, which flags no cost difference short of
    // five times the bill. Such a value is a `%` left out, not a tolerance anyone means.
    if !percent && value > rust_decimal::Decimal::ONE {
        return Err(UsageError(format!(
            "--tolerance \"{text}\": a fraction above 1 ({}%) flags almost nothing; for \
             {text} percent write {text}%, or write a percentage above 100% as such",
            (value * rust_decimal::Decimal::ONE_HUNDRED).normalize()
        )));
    }
    Ok(if percent {
        value / rust_decimal::Decimal::ONE_HUNDRED
    } else {
        value
    })
}

/// `TALLY_BLOCK_SIZE` lets tests force tiny blocks, so that the parallel path and its record
/// boundaries are exercised on small fixtures.
pub fn block_size_from_env() -> usize {
    std::env::var("TALLY_BLOCK_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(BLOCK_SIZE)
}

fn parse_day_arg(flag: &str, text: &str) -> Result<Day, UsageError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        UsageError(format!(
            "{flag} \"{text}\": expected a UTC day as YYYY-MM-DD, e.g. 2026-11-03"
        ))
    })
}

/// `--as-of`: `YYYY-MM-DD` (00:00 UTC) or RFC 3339 with or without seconds, `Z` or an offset.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, UsageError> {
    let text = text.trim();
    let error = || {
        UsageError(format!(
            "--as-of \"{text}\": expected YYYY-MM-DD or an RFC 3339 time such as \
             2026-11-28T10:30:00Z"
        ))
    };
    if text.len() == 10 {
        let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| error())?;
        return Ok(day.and_hms_opt(0, 0, 0).ok_or_else(error)?.and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    // Without seconds: 2026-11-28T10:30Z or 2026-11-28T10:30+01:00.
    if text.len() > 16 && text.is_char_boundary(16) && text.as_bytes()[16] != b':' {
        let with_seconds = format!("{}:00{}", &text[..16], &text[16..]);
        if let Ok(time) = DateTime::parse_from_rfc3339(&with_seconds) {
            return Ok(time.with_timezone(&Utc));
        }
    }
    Err(error())
}

/// `--last Nd` (`7d`, `30d`): a number of days from 1 to 366.
pub fn parse_last(text: &str) -> Result<u32, UsageError> {
    text.trim()
        .strip_suffix('d')
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=366).contains(n))
        .ok_or_else(|| {
            UsageError(format!(
                "--last \"{text}\": expected a number of days from 1 to 366, e.g. 7d or 30d"
            ))
        })
}

/// `--last Nd`: the N UTC days ending on the as-of day, that day included (provisional days
/// are marked, as in any range). Returns N and the range.
pub fn last_days_range(text: &str, as_of_day: Day) -> Result<(u32, DateRange), UsageError> {
    let days = parse_last(text)?;
    let from = as_of_day
        .checked_sub_days(chrono::Days::new(u64::from(days) - 1))
        .ok_or_else(|| UsageError(format!("--last {text}: out of range")))?;
    Ok((
        days,
        DateRange {
            from,
            to: as_of_day,
        },
    ))
}

/// `--month`: YYYY-MM, `current` or `previous`.
pub fn month_range(text: &str, as_of_day: Day) -> Result<DateRange, UsageError> {
    let first_of = |day: Day| day.with_day(1).unwrap_or(day);
    let from = match text.trim() {
        "current" => first_of(as_of_day),
        "previous" => first_of(as_of_day)
            .checked_sub_months(Months::new(1))
            .unwrap_or(as_of_day),
        other => NaiveDate::parse_from_str(&format!("{other}-01"), "%Y-%m-%d").map_err(|_| {
            UsageError(format!(
                "--month \"{other}\": expected YYYY-MM, current or previous"
            ))
        })?,
    };
    Ok(DateRange {
        from,
        to: last_day_of_month(from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    #[test]
    fn as_of_accepts_days_and_times_with_or_without_seconds() {
        let expected = DateTime::parse_from_rfc3339("2026-11-28T10:30:00Z").unwrap();
        assert_eq!(parse_as_of("2026-11-28T10:30Z").unwrap(), expected);
        assert_eq!(parse_as_of("2026-11-28T10:30:00Z").unwrap(), expected);
        assert_eq!(parse_as_of("2026-11-28T11:30+01:00").unwrap(), expected);
        assert_eq!(
            parse_as_of("2026-11-28").unwrap(),
            DateTime::parse_from_rfc3339("2026-11-28T00:00:00Z").unwrap()
        );
        assert!(parse_as_of("28/11/2026").is_err());
    }

    #[test]
    fn delimiters_by_name_or_character() {
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter("\\t").unwrap(), b'\t');
        assert_eq!(parse_delimiter("\t").unwrap(), b'\t');
        assert_eq!(parse_delimiter("|").unwrap(), b'|');
        assert!(parse_delimiter("\"").is_err());
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_delimiter("a").is_err());
    }

    #[test]
    fn months_relative_to_as_of() {
        let as_of = day("2026-01-15");
        let previous = month_range("previous", as_of).unwrap();
        assert_eq!(
            (previous.from, previous.to),
            (day("2025-12-01"), day("2025-12-31"))
        );
        let feb = month_range("2028-02", as_of).unwrap();
        assert_eq!(feb.to, day("2028-02-29"));
        assert!(month_range("2026-13", as_of).is_err());
    }
}

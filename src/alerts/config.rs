//! `tally alerts` arguments and the `--config` TOML file → one validated `AlertsConfig`: the
//! watched period and the one before it, thresholds, spike factor, filters and the scan plan.
//! Options on the command line override the file's. Reads the config file; nothing else.

use crate::cli::AlertsArgs;
use crate::config::{
    Filters, Format, InputOptions, OnOverlap, ScanPlan, block_size_from_env, last_days_range,
    month_range, parse_as_of, parse_tags,
};
use crate::error::UsageError;
use crate::model::{DateRange, Delay, KeyKind};
use anyhow::Result;
use chrono::{DateTime, Days, Months, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The period an alert watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// A calendar month, `YYYY-MM`.
    Month(String),
    /// The last N days ending on the as-of day.
    LastDays(u32),
}

/// A validated `tally alerts`.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    pub inputs: Vec<PathBuf>,
    /// The alert's name in `--config`, when one was used.
    pub name: Option<String>,
    pub window: Window,
    pub watched: DateRange,
    pub previous: DateRange,
    pub previous_label: String,
    pub thresholds: Vec<Decimal>,
    /// The thresholds that also get a forecast alert (`--forecast`, `forecast = true`).
    pub forecast_thresholds: Vec<Decimal>,
    pub spike_factor: Decimal,
    /// `--previous-invoice` (or `previous_invoice`): the spike's base instead of the previous
    /// month's usage total.
    pub previous_invoice: Option<Decimal>,
    pub delay: Delay,
    /// `--by`: evaluate every group of this key on its own (also in `plan.keys`).
    pub by: Option<KeyKind>,
    /// Scans the previous period through the end of the watched one.
    pub plan: ScanPlan,
    pub format: Format,
    pub out: Option<PathBuf>,
    /// With `--out`, draw `chart-mtd` (false for `--no-charts`).
    pub charts: bool,
    pub on_overlap: OnOverlap,
    pub quiet: bool,
    /// `--fail-on-empty`: exit 1 when the watched period has no row.
    pub fail_on_empty: bool,
    /// Where `by` was given when it came from `--config` (`FILE: [alert.NAME] by`), for errors.
    pub by_place: Option<String>,
    /// `--state FILE` (or `state` in the config file): notify once per alert per period.
    pub state: Option<PathBuf>,
}

/// The `--config` file: `[alert.NAME]` tables.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    alert: BTreeMap<String, FileAlert>,
}

/// One named alert. Amounts are strings (a TOML float cannot hold money exactly); whole
/// numbers may be TOML integers.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAlert {
    month: Option<String>,
    last: Option<String>,
    #[serde(default)]
    thresholds: Vec<toml::Value>,
    spike_factor: Option<toml::Value>,
    /// Forecast alerts for every threshold.
    forecast: Option<bool>,
    previous_invoice: Option<toml::Value>,
    delay_days: Option<u32>,
    /// One grouping key, as `--by`.
    by: Option<String>,
    #[serde(default)]
    sku: Vec<String>,
    #[serde(default)]
    project: Vec<String>,
    #[serde(default)]
    service: Vec<String>,
    #[serde(default)]
    tag: Vec<String>,
    /// The `--state` file, relative to the working directory as on the command line.
    state: Option<PathBuf>,
}

impl AlertsConfig {
    pub fn from_args(args: AlertsArgs, now: DateTime<Utc>) -> Result<AlertsConfig> {
        let (name, file) = match &args.config {
            Some(path) => {
                // A config file that cannot be read is a config error (exit 2), as a bad one is.
                let text = std::fs::read_to_string(path)
                    .map_err(|e| UsageError(format!("{}: cannot read: {e}", path.display())))?;
                let (name, alert) = select_alert(path, &text, args.alert.as_deref())?;
                (Some(name), alert)
            }
            None => (None, FileAlert::default()),
        };
        let place = |field: &str| match (&args.config, &name) {
            (Some(path), Some(name)) => format!("{}: [alert.{name}] {field}", path.display()),
            _ => field.to_string(),
        };

        let as_of = match &args.as_of {
            Some(text) => parse_as_of(text)?,
            None => now,
        };
        let delay = Delay {
            as_of,
            delay_days: args.delay_days.or(file.delay_days).unwrap_or(3),
        };
        let as_of_day = as_of.date_naive();
        // The command line's window replaces the file's, whichever kind each is.
        let (month, last) = if args.month.is_some() || args.last.is_some() {
            (args.month.clone(), args.last.clone())
        } else {
            (file.month.clone(), file.last.clone())
        };
        if month.is_some() && last.is_some() {
            return Err(UsageError(format!(
                "{}: give month or last, not both",
                place("month/last")
            ))
            .into());
        }
        let (window, watched, previous, previous_label) = match last {
            Some(text) => {
                let (days, watched) = last_days_range(&text, as_of_day)?;
                let from = watched.from;
                let previous = DateRange {
                    from: from
                        .checked_sub_days(Days::new(u64::from(days)))
                        .ok_or_else(|| UsageError(format!("--last {text}: out of range")))?,
                    to: from.pred_opt().unwrap_or(from),
                };
                let label = format!(
                    "the previous {days} days ({} to {})",
                    previous.from, previous.to
                );
                (Window::LastDays(days), watched, previous, label)
            }
            None => {
                let watched = month_range(month.as_deref().unwrap_or("current"), as_of_day)?;
                let previous_first = watched
                    .from
                    .checked_sub_months(Months::new(1))
                    .ok_or_else(|| UsageError("--month: out of range".to_string()))?;
                let previous = DateRange::month_of(previous_first);
                let label = format!("previous month {}", previous.from.format("%Y-%m"));
                (
                    Window::Month(watched.from.format("%Y-%m").to_string()),
                    watched,
                    previous,
                    label,
                )
            }
        };

        // Each threshold with whether it also gets a forecast alert: `--forecast` or the file's
        // `forecast = true` for all, `{ amount = "5000", forecast = true }` for one.
        let all_forecast = args.forecast || file.forecast == Some(true);
        let marked: Vec<(Decimal, bool)> = if args.threshold.is_empty() {
            file.thresholds
                .iter()
                .map(|value| threshold_from_toml(value, &place("thresholds")))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            args.threshold
                .iter()
                .map(|text| amount_from_text(text, "--threshold").map(|t| (t, false)))
                .collect::<Result<Vec<_>, _>>()?
        };
        if let Some((amount, _)) = marked.iter().find(|(t, _)| *t <= Decimal::ZERO) {
            let place = if args.threshold.is_empty() {
                place("thresholds")
            } else {
                "--threshold".to_string()
            };
            return Err(UsageError(format!(
                "{place} \"{amount}\": a threshold must be above zero (0 or less is reached \
                 by any spend, so the alert would fire every run); give the amount of spend \
                 that should alert, such as 5000"
            ))
            .into());
        }
        let thresholds: Vec<Decimal> = marked.iter().map(|(t, _)| *t).collect();
        let forecast_thresholds: Vec<Decimal> = marked
            .iter()
            .filter(|(_, forecast)| *forecast || all_forecast)
            .map(|(t, _)| *t)
            .collect();
        if all_forecast && thresholds.is_empty() {
            return Err(UsageError(
                "--forecast: forecast alerts are per threshold; give at least one --threshold"
                    .to_string(),
            )
            .into());
        }
        if !forecast_thresholds.is_empty() && matches!(window, Window::LastDays(_)) {
            return Err(UsageError(format!(
                "{}: the forecast projects a calendar month's end; with --last there is none, \
                 so watch a month (--month)",
                if args.forecast {
                    "--forecast".to_string()
                } else {
                    place("forecast")
                }
            ))
            .into());
        }
        let spike_factor = match (&args.spike_factor, &file.spike_factor) {
            (Some(text), _) => amount_from_text(text, "--spike-factor")?,
            (None, Some(value)) => amount_from_toml(value, &place("spike_factor"))?,
            (None, None) => Decimal::TWO,
        };
        if spike_factor < Decimal::ZERO {
            return Err(
                UsageError(format!("spike factor {spike_factor}: must not be negative")).into(),
            );
        }
        let by = match (&args.by, &file.by) {
            (Some(text), _) => Some(parse_by(text, "--by")?),
            (None, Some(text)) => Some(parse_by(text, &place("by"))?),
            (None, None) => None,
        };
        let previous_invoice = match (&args.previous_invoice, &file.previous_invoice) {
            (Some(text), _) => Some(amount_from_text(text, "--previous-invoice")?),
            (None, Some(value)) => Some(amount_from_toml(value, &place("previous_invoice"))?),
            (None, None) => None,
        };
        if let Some(invoice) = previous_invoice {
            let given = if args.previous_invoice.is_some() {
                "--previous-invoice".to_string()
            } else {
                place("previous_invoice")
            };
            // The spike's limit is factor × invoice: refused here when it cannot be kept
            // exactly, rather than as a runtime overflow after reading every input.
            if crate::model::exact_mul(spike_factor, invoice).is_err() {
                return Err(UsageError(format!(
                    "{given} {invoice}: {spike_factor} × the invoice cannot be kept exactly in \
                     the 28 significant digits tally keeps; give the invoice as billed (a \
                     plain amount such as 1300.00)"
                ))
                .into());
            }
            if invoice < Decimal::ZERO {
                return Err(UsageError(format!(
                    "{given} {invoice}: an invoice to compare with must not be negative"
                ))
                .into());
            }
            if matches!(window, Window::LastDays(_)) {
                return Err(UsageError(format!(
                    "{given}: an invoice is a month's; with --last the spike compares with the \
                     days before, so watch a month (--month) to compare with the invoice"
                ))
                .into());
            }
            if by.is_some() {
                return Err(UsageError(format!(
                    "{given}: the invoice is the whole bill's, and --by compares each group \
                     with its own previous month; leave one of them out"
                ))
                .into());
            }
        }
        let by_place = (args.by.is_none() && file.by.is_some()).then(|| place("by"));
        let pick = |cli: Vec<String>, file: &[String]| {
            if cli.is_empty() { file.to_vec() } else { cli }
        };
        let tags = if args.filters.tag.is_empty() {
            parse_tags(&file.tag).map_err(|e| UsageError(format!("{}: {e}", place("tag"))))?
        } else {
            parse_tags(&args.filters.tag)?
        };
        let input = InputOptions::from_args(&args.input)?;
        Ok(AlertsConfig {
            inputs: args.inputs,
            name,
            window,
            watched,
            previous,
            previous_label,
            thresholds,
            forecast_thresholds,
            spike_factor,
            previous_invoice,
            delay,
            by: by.clone(),
            plan: ScanPlan {
                range: DateRange {
                    from: previous.from,
                    to: watched.to,
                },
                keys: by.into_iter().collect(),
                filters: Filters {
                    skus: pick(args.filters.sku, &file.sku),
                    projects: pick(args.filters.project, &file.project),
                    services: pick(args.filters.service, &file.service),
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
                // Alerts watch billed spend; token records are priced only to be refused
                // cleanly in cmd::alerts (an estimate is never added to a bill).
                rates: std::sync::Arc::new(crate::rates::RateCard::built_in()),
                tz: chrono_tz::Tz::UTC,
                spread_charges: args.spread_charges,
                date_basis: args.date_basis,
                date_format: input.date_format,
                delimiter: input.delimiter,
                exclude: input.exclude,
                export: false,
            },
            format: args.format,
            out: args.out,
            charts: !args.no_charts,
            on_overlap: args.on_overlap,
            quiet: args.quiet,
            fail_on_empty: args.fail_on_empty,
            by_place,
            state: args.state.or(file.state),
        })
    }

    /// What a `--state` file records the alert as: a file written by another alert (another
    /// name, window kind, filters or grouping key) is refused rather than mixed with this one.
    pub fn state_identity(&self) -> serde_json::Value {
        let window = match &self.window {
            Window::Month(_) => "month".to_string(),
            Window::LastDays(days) => format!("last {days}d"),
        };
        serde_json::json!({
            "name": self.name,
            "window": window,
            "filters": self.plan.filters.texts(),
            "by": self.by.as_ref().map(|key| key.name()),
        })
    }

    /// The billing month a `--state` file's records belong to: the watched month, or with
    /// `--last` the as-of day's month. An alert notifies once per alert per such month.
    pub fn state_period(&self) -> String {
        match &self.window {
            Window::Month(month) => month.clone(),
            Window::LastDays(_) => self.delay.as_of.format("%Y-%m").to_string(),
        }
    }

    /// `2026-10`, or `last 7d`.
    pub fn period_label(&self) -> String {
        match &self.window {
            Window::Month(month) => month.clone(),
            Window::LastDays(days) => format!("last {days}d"),
        }
    }
}

/// Parses the file and picks the alert: the one named, or the only one.
fn select_alert(
    path: &Path,
    text: &str,
    wanted: Option<&str>,
) -> Result<(String, FileAlert), UsageError> {
    check_keys(path, text)?;
    let file: ConfigFile = toml::from_str(text)
        .map_err(|e| UsageError(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
    let names = || {
        file.alert
            .keys()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(name) => match file.alert.get(name) {
            Some(alert) => Ok((name.to_string(), alert.clone())),
            None => Err(UsageError(format!(
                "{}: no [alert.{name}]; the file names: {}",
                path.display(),
                names()
            ))),
        },
        None => match file.alert.len() {
            1 => {
                let (name, alert) = file.alert.iter().next().expect("one alert");
                Ok((name.clone(), alert.clone()))
            }
            0 => Err(UsageError(format!(
                "{}: no alerts; add an [alert.NAME] table",
                path.display()
            ))),
            _ => Err(UsageError(format!(
                "{}: names several alerts ({}); pick one with --alert NAME",
                path.display(),
                names()
            ))),
        },
    }
}

/// The keys an `[alert.NAME]` table may hold (as `FileAlert`).
const ALERT_KEYS: &[&str] = &[
    "month",
    "last",
    "thresholds",
    "spike_factor",
    "forecast",
    "previous_invoice",
    "delay_days",
    "by",
    "sku",
    "project",
    "service",
    "tag",
    "state",
];

/// An unknown key (a misspelt filter such as `projects`, or `treshold`) is a usage error
/// naming the closest key: left unread, it would silently widen or change the alert.
fn check_keys(path: &Path, text: &str) -> Result<(), UsageError> {
    let Ok(table) = text.parse::<toml::Table>() else {
        // The parse error is reported with its line by the typed parse.
        return Ok(());
    };
    let unknown = |place: String, key: &str, known: &[&str]| {
        let closest = known
            .iter()
            .map(|k| (strsim::levenshtein(key, k), *k))
            .filter(|(distance, _)| *distance <= (key.len() / 3).max(2))
            .min();
        let hint = match closest {
            Some((_, k)) => format!("did you mean \"{k}\"?"),
            None => format!("expected one of {}", known.join(", ")),
        };
        UsageError(format!(
            "{}: {place}unknown key \"{key}\"; {hint}",
            path.display()
        ))
    };
    for (key, value) in &table {
        if key != "alert" {
            return Err(unknown(String::new(), key, &["alert"]));
        }
        let Some(alerts) = value.as_table() else {
            continue;
        };
        for (name, alert) in alerts {
            let Some(alert) = alert.as_table() else {
                continue;
            };
            if let Some(key) = alert.keys().find(|k| !ALERT_KEYS.contains(&k.as_str())) {
                return Err(unknown(format!("[alert.{name}] "), key, ALERT_KEYS));
            }
        }
    }
    Ok(())
}

/// One grouping key. Alerts group by a single key: nested groups would multiply the alerts
/// to read, and a filter on the outer key does the same job.
fn parse_by(text: &str, place: &str) -> Result<KeyKind, UsageError> {
    if text.contains(',') {
        return Err(UsageError(format!(
            "{place} \"{text}\": alerts group by one key; watch the others with filters \
             (--project, --service, --sku, --tag)"
        )));
    }
    let key = KeyKind::from_arg(text).map_err(|e| UsageError(format!("{place}: {e}")))?;
    // The key's name becomes a field of each JSON group and the first CSV column: it must not
    // shadow the fields already there.
    if RESERVED_FIELDS.contains(&key.name().as_str()) {
        return Err(UsageError(format!(
            "{place} \"{text}\": a column of that name would clash with the alerts output's \
             own \"{}\" field",
            key.name()
        )));
    }
    Ok(key)
}

/// Field names of the alerts JSON groups and CSV rows.
const RESERVED_FIELDS: &[&str] = &[
    "alerts",
    "period",
    "as_of",
    "kind",
    "threshold",
    "factor",
    "fired",
    "first_day",
    "month_to_date",
    "previous_month_total",
    "base",
    "previous_invoice",
    "currency",
    "provisional",
    "note",
    "already_fired_on",
    "forecast",
    "projected_day",
    "projected_month_end",
];

/// An amount typed as text: plain decimal notation, `.` as the separator.
fn amount_from_text(text: &str, place: &str) -> Result<Decimal, UsageError> {
    let trimmed = text.trim();
    let plain = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    // rust_decimal rounds a 29th decimal place away (0.000…01 would be read as 0): refuse it.
    let places = trimmed
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.trim_end_matches('0').len());
    if plain && places > 28 {
        return Err(UsageError(format!(
            "{place} \"{text}\": more than 28 decimal places (after dropping trailing zeros), \
             more than tally keeps exactly; round it to the cent or a few more places"
        )));
    }
    match Decimal::from_str(trimmed) {
        Ok(value) if plain => Ok(value),
        _ => Err(UsageError(format!(
            "{place} \"{text}\": expected a plain decimal number such as 5000 or 1250.50 \
             (no currency symbol or thousands separator, \".\" as the decimal separator)"
        ))),
    }
}

/// A `thresholds` entry: an amount, or `{ amount = "5000", forecast = true }` (whether it also
/// gets a forecast alert).
fn threshold_from_toml(value: &toml::Value, place: &str) -> Result<(Decimal, bool), UsageError> {
    let toml::Value::Table(table) = value else {
        return amount_from_toml(value, place).map(|amount| (amount, false));
    };
    if let Some(key) = table.keys().find(|k| *k != "amount" && *k != "forecast") {
        return Err(UsageError(format!(
            "{place}: unknown key \"{key}\" in a threshold; expected amount and forecast, \
             e.g. {{ amount = \"5000\", forecast = true }}"
        )));
    }
    let amount = match table.get("amount") {
        Some(amount) => amount_from_toml(amount, place)?,
        None => {
            return Err(UsageError(format!(
                "{place}: a threshold table needs an amount, e.g. {{ amount = \"5000\", \
                 forecast = true }}"
            )));
        }
    };
    let forecast = match table.get("forecast") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(other) => {
            return Err(UsageError(format!(
                "{place}: forecast is true or false, found {}",
                other.type_str()
            )));
        }
    };
    Ok((amount, forecast))
}

/// An amount in the config file: a string, or a whole number; never a float.
fn amount_from_toml(value: &toml::Value, place: &str) -> Result<Decimal, UsageError> {
    match value {
        toml::Value::String(text) => amount_from_text(text, place),
        toml::Value::Integer(n) => Ok(Decimal::from(*n)),
        toml::Value::Float(f) => Err(UsageError(format!(
            "{place}: {f} is a TOML float, which cannot hold money exactly; quote it: \"{f}\""
        ))),
        other => Err(UsageError(format!(
            "{place}: expected an amount as a string such as \"5000\", found {}",
            other.type_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_config_amounts_refuse_floats_and_separators() {
        let value: toml::Table = toml::from_str("a = \"500.50\"\nb = 500\nc = 500.5").unwrap();
        assert_eq!(
            amount_from_toml(&value["a"], "t").unwrap(),
            Decimal::from_str("500.50").unwrap()
        );
        assert_eq!(
            amount_from_toml(&value["b"], "t").unwrap(),
            Decimal::from(500)
        );
        let error = amount_from_toml(&value["c"], "t").unwrap_err().0;
        assert!(error.contains("quote it: \"500.5\""), "{error}");
        assert!(amount_from_text("1,000", "--threshold").is_err());
        assert!(amount_from_text("$5", "--threshold").is_err());
        assert!(amount_from_text("1e3", "--threshold").is_err());
    }

    #[test]
    fn alerts_config_last_days() {
        assert_eq!(crate::config::parse_last("7d").unwrap(), 7);
        assert_eq!(crate::config::parse_last("30d").unwrap(), 30);
        assert!(crate::config::parse_last("0d").is_err());
        assert!(crate::config::parse_last("7").is_err());
        assert!(crate::config::parse_last("1w").is_err());
    }

    #[test]
    fn alerts_config_picks_the_only_or_the_named_alert() {
        let path = Path::new("alerts.toml");
        let text = "[alert.a]\nthresholds = [\"1\"]\n[alert.b]\nproject = [\"x\"]\n";
        assert!(
            select_alert(path, text, None)
                .unwrap_err()
                .0
                .contains("--alert")
        );
        let (name, alert) = select_alert(path, text, Some("b")).unwrap();
        assert_eq!((name.as_str(), alert.project), ("b", vec!["x".to_string()]));
        let typo = "[alert.a]\nthreshold = [\"1\"]\n";
        assert_eq!(
            select_alert(path, typo, None).unwrap_err().0,
            "alerts.toml: [alert.a] unknown key \"threshold\"; did you mean \"thresholds\"?"
        );
    }

    #[test]
    fn alerts_config_by_takes_one_key() {
        assert_eq!(parse_by("project", "--by").unwrap(), KeyKind::Project);
        assert_eq!(
            parse_by("tag:team", "--by").unwrap(),
            KeyKind::Tag("team".into())
        );
        let error = parse_by("project,sku", "--by").unwrap_err().0;
        assert!(error.contains("one key"), "{error}");
        assert!(parse_by(" ", "--by").is_err());
        assert!(parse_by("note", "--by").unwrap_err().0.contains("clash"));
        let (_, alert) =
            select_alert(Path::new("a.toml"), "[alert.a]\nby = \"service\"\n", None).unwrap();
        assert_eq!(alert.by.as_deref(), Some("service"));
    }

    /// `tally alerts ARGS…` as the command line gives it, with `toml` (when given) as the
    /// `--config` file `alerts.toml` of a temporary folder; as of 2026-10-20 12:00 UTC unless
    /// `--as-of` says otherwise.
    fn from_cli(args: &[&str], toml: Option<&str>) -> Result<AlertsConfig, String> {
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.toml");
        let mut line = vec![
            "tally".to_string(),
            "alerts".to_string(),
            "in.csv".to_string(),
        ];
        if let Some(text) = toml {
            std::fs::write(&path, text).unwrap();
            line.extend(["--config".to_string(), path.display().to_string()]);
        }
        line.extend(args.iter().map(|a| a.to_string()));
        let cli = crate::cli::Cli::try_parse_from(line).map_err(|e| e.to_string())?;
        let crate::cli::Command::Alerts(args) = cli.command else {
            panic!("not alerts");
        };
        let now = DateTime::parse_from_rfc3339("2026-10-20T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        AlertsConfig::from_args(args, now).map_err(|e| {
            e.to_string()
                .replace(&path.display().to_string(), "alerts.toml")
        })
    }

    fn amounts(texts: &[&str]) -> Vec<Decimal> {
        texts
            .iter()
            .map(|t| Decimal::from_str(t).unwrap())
            .collect()
    }

    #[test]
    fn alerts_config_windows_their_previous_periods_and_labels() {
        let month = from_cli(&["--month", "2026-09", "--threshold", "100"], None).unwrap();
        assert_eq!(month.window, Window::Month("2026-09".into()));
        assert_eq!(
            (month.watched.from.to_string(), month.watched.to.to_string()),
            ("2026-09-01".to_string(), "2026-09-30".to_string())
        );
        assert_eq!(
            (
                month.previous.from.to_string(),
                month.previous.to.to_string()
            ),
            ("2026-08-01".to_string(), "2026-08-31".to_string())
        );
        assert_eq!(month.previous_label, "previous month 2026-08");
        assert_eq!(month.period_label(), "2026-09");
        assert_eq!(month.state_period(), "2026-09");
        assert_eq!(
            (
                month.plan.range.from.to_string(),
                month.plan.range.to.to_string()
            ),
            ("2026-08-01".to_string(), "2026-09-30".to_string())
        );
        assert_eq!(month.delay.delay_days, 3);
        assert_eq!(month.spike_factor, Decimal::TWO);
        assert!(month.charts && !month.plan.spill_rejects);
        // Without a window: the as-of day's month.
        let current = from_cli(&[], None).unwrap();
        assert_eq!(current.window, Window::Month("2026-10".into()));

        let last = from_cli(&["--last", "7d", "--delay-days", "1"], None).unwrap();
        assert_eq!(last.window, Window::LastDays(7));
        assert_eq!(
            (last.watched.from.to_string(), last.watched.to.to_string()),
            ("2026-10-14".to_string(), "2026-10-20".to_string())
        );
        assert_eq!(
            last.previous_label,
            "the previous 7 days (2026-10-07 to 2026-10-13)"
        );
        assert_eq!(last.period_label(), "last 7d");
        assert_eq!(last.state_period(), "2026-10");
        assert_eq!(last.delay.delay_days, 1);
        assert_eq!(
            last.state_identity(),
            serde_json::json!({"name": null, "window": "last 7d", "filters": last.plan.filters.texts(), "by": null})
        );
        assert_eq!(month.state_identity()["window"], "month");
    }

    #[test]
    fn alerts_config_command_line_replaces_the_file_and_errors_name_their_place() {
        let file = "[alert.a]\nlast = \"7d\"\nthresholds = [\"50\", 70]\nby = \"project\"\n\
                    delay_days = 2\nspike_factor = \"3\"\nproject = [\"p1\"]\n";
        let from_file = from_cli(&[], Some(file)).unwrap();
        assert_eq!(from_file.name.as_deref(), Some("a"));
        assert_eq!(from_file.window, Window::LastDays(7));
        assert_eq!(from_file.thresholds, amounts(&["50", "70"]));
        assert_eq!(from_file.by, Some(KeyKind::Project));
        let by_place = from_file.by_place.clone().unwrap();
        assert!(
            by_place.ends_with("/alerts.toml: [alert.a] by"),
            "{by_place}"
        );
        assert_eq!(from_file.delay.delay_days, 2);
        assert_eq!(from_file.spike_factor, Decimal::from(3));
        assert_eq!(from_file.plan.filters.projects, vec!["p1".to_string()]);
        assert_eq!(from_file.plan.keys, vec![KeyKind::Project]);
        assert_eq!(from_file.state_identity()["name"], "a");
        assert_eq!(from_file.state_identity()["by"], "project");
        // The command line's month replaces the file's last; its options replace the file's.
        let args = [
            "--month",
            "2026-09",
            "--threshold",
            "90",
            "--by",
            "service",
            "--project",
            "p2",
            "--spike-factor",
            "1.5",
            "--delay-days",
            "0",
        ];
        let both = from_cli(&args, Some(file)).unwrap();
        assert_eq!(both.window, Window::Month("2026-09".into()));
        assert_eq!(both.thresholds, amounts(&["90"]));
        assert_eq!(both.by, Some(KeyKind::Service));
        assert_eq!(both.by_place, None);
        assert_eq!(both.plan.filters.projects, vec!["p2".to_string()]);
        assert_eq!(both.spike_factor, Decimal::from_str("1.5").unwrap());
        assert_eq!(both.delay.delay_days, 0);
        let error = from_cli(&[], Some("[alert.a]\nmonth = \"2026-09\"\nlast = \"7d\"\n"));
        assert_eq!(
            error.unwrap_err(),
            "alerts.toml: [alert.a] month/last: give month or last, not both"
        );
        let error = from_cli(&[], Some("[alert.a]\nthresholds = [\"0\"]\n")).unwrap_err();
        assert!(
            error.starts_with(
                "alerts.toml: [alert.a] thresholds \"0\": a threshold must be above zero"
            ),
            "{error}"
        );
        let error = from_cli(&["--threshold=-5"], None).unwrap_err();
        assert!(
            error.starts_with("--threshold \"-5\": a threshold must"),
            "{error}"
        );
        assert_eq!(
            from_cli(&["--threshold", "0.01"], None).unwrap().thresholds,
            amounts(&["0.01"])
        );
        let error = from_cli(&[], Some("[alert.a]\nspike_factor = 2.5\n")).unwrap_err();
        assert_eq!(
            error,
            "alerts.toml: [alert.a] spike_factor: 2.5 is a TOML float, which cannot hold money \
             exactly; quote it: \"2.5\""
        );
    }

    #[test]
    fn alerts_config_forecast_thresholds() {
        let all = from_cli(
            &["--threshold", "10", "--threshold", "20", "--forecast"],
            None,
        );
        assert_eq!(all.unwrap().forecast_thresholds, amounts(&["10", "20"]));
        let none = from_cli(&["--threshold", "10"], None).unwrap();
        assert!(none.forecast_thresholds.is_empty());
        let file = "[alert.a]\nthresholds = [\"10\", { amount = \"20\", forecast = true }, \
                    { amount = 30, forecast = false }]\n";
        let one = from_cli(&[], Some(file)).unwrap();
        assert_eq!(one.thresholds, amounts(&["10", "20", "30"]));
        assert_eq!(one.forecast_thresholds, amounts(&["20"]));
        let every = from_cli(
            &[],
            Some("[alert.a]\nforecast = true\nthresholds = [\"5\", 6]\n"),
        );
        assert_eq!(every.unwrap().forecast_thresholds, amounts(&["5", "6"]));
        let off = from_cli(
            &[],
            Some("[alert.a]\nforecast = false\nthresholds = [\"5\"]\n"),
        );
        assert!(off.unwrap().forecast_thresholds.is_empty());
        assert_eq!(
            from_cli(&["--forecast"], None).unwrap_err(),
            "--forecast: forecast alerts are per threshold; give at least one --threshold"
        );
        let error = from_cli(&["--forecast", "--threshold", "5", "--last", "7d"], None);
        assert!(
            error
                .unwrap_err()
                .starts_with("--forecast: the forecast projects a calendar month's end"),
        );
        let file = "[alert.a]\nlast = \"7d\"\nthresholds = [{ amount = \"5\", forecast = true }]\n";
        let error = from_cli(&[], Some(file)).unwrap_err();
        assert!(
            error.starts_with("alerts.toml: [alert.a] forecast: the forecast projects"),
            "{error}"
        );
        // A --last window without forecasts is fine.
        assert!(from_cli(&["--threshold", "5", "--last", "7d"], None).is_ok());
    }

    #[test]
    fn alerts_config_spike_factor_and_previous_invoice() {
        assert_eq!(
            from_cli(&["--spike-factor=-1"], None).unwrap_err(),
            "spike factor -1: must not be negative"
        );
        assert_eq!(
            from_cli(&["--spike-factor", "0"], None)
                .unwrap()
                .spike_factor,
            Decimal::ZERO
        );
        let invoice = from_cli(&["--previous-invoice", "1300.00"], None).unwrap();
        assert_eq!(invoice.previous_invoice, Some(Decimal::new(130000, 2)));
        let zero = from_cli(&["--previous-invoice", "0"], None).unwrap();
        assert_eq!(zero.previous_invoice, Some(Decimal::ZERO));
        let from_file = from_cli(&[], Some("[alert.a]\nprevious_invoice = 1300\n")).unwrap();
        assert_eq!(from_file.previous_invoice, Some(Decimal::from(1300)));
        assert_eq!(
            from_cli(&["--previous-invoice=-5"], None).unwrap_err(),
            "--previous-invoice -5: an invoice to compare with must not be negative"
        );
        let error = from_cli(&[], Some("[alert.a]\nprevious_invoice = \"-5\"\n")).unwrap_err();
        assert_eq!(
            error,
            "alerts.toml: [alert.a] previous_invoice -5: an invoice to compare with must not \
             be negative"
        );
        let error = from_cli(&["--previous-invoice", "5", "--last", "7d"], None).unwrap_err();
        assert!(
            error.starts_with("--previous-invoice: an invoice is a month's"),
            "{error}"
        );
        let error = from_cli(&["--previous-invoice", "5", "--by", "sku"], None).unwrap_err();
        assert!(
            error.starts_with("--previous-invoice: the invoice is the whole bill's"),
            "{error}"
        );
        let big = "79228162514264337593543950335";
        let error = from_cli(&["--previous-invoice", big], None).unwrap_err();
        assert!(
            error.starts_with(&format!(
                "--previous-invoice {big}: 2 × the invoice cannot be kept"
            )),
            "{error}"
        );
    }

    #[test]
    fn alerts_config_outputs_and_rejects() {
        let out = from_cli(&["--out", "dir", "--skip-bad-rows", "--no-charts"], None).unwrap();
        assert!(out.plan.spill_rejects && out.plan.skip_bad_rows && !out.charts);
        let no_out = from_cli(&["--skip-bad-rows"], None).unwrap();
        assert!(!no_out.plan.spill_rejects && no_out.plan.skip_bad_rows && no_out.charts);
        let state = from_cli(&[], Some("[alert.a]\nstate = \"s.json\"\n")).unwrap();
        assert_eq!(state.state, Some(PathBuf::from("s.json")));
        let given = from_cli(
            &["--state", "t.json"],
            Some("[alert.a]\nstate = \"s.json\"\n"),
        );
        assert_eq!(given.unwrap().state, Some(PathBuf::from("t.json")));
    }

    #[test]
    fn alerts_config_files_name_their_alerts_and_unknown_keys() {
        let path = Path::new("alerts.toml");
        assert_eq!(
            select_alert(path, "", None).unwrap_err().0,
            "alerts.toml: no alerts; add an [alert.NAME] table"
        );
        let (name, alert) =
            select_alert(path, "[alert.only]\nmonth = \"2026-09\"\n", None).unwrap();
        assert_eq!(
            (name.as_str(), alert.month.as_deref()),
            ("only", Some("2026-09"))
        );
        let two = "[alert.a]\n[alert.b]\n";
        assert_eq!(
            select_alert(path, two, Some("c")).unwrap_err().0,
            "alerts.toml: no [alert.c]; the file names: a, b"
        );
        assert_eq!(
            select_alert(path, two, None).unwrap_err().0,
            "alerts.toml: names several alerts (a, b); pick one with --alert NAME"
        );
        assert_eq!(
            select_alert(path, "[alrt.a]\n", None).unwrap_err().0,
            "alerts.toml: unknown key \"alrt\"; did you mean \"alert\"?"
        );
        // Close enough: within a third of the key's length (at least 2 edits).
        assert_eq!(
            select_alert(path, "[alert.a]\nspikefctr = 2\n", None)
                .unwrap_err()
                .0,
            "alerts.toml: [alert.a] unknown key \"spikefctr\"; did you mean \"spike_factor\"?"
        );
        let far = select_alert(path, "[alert.a]\nzzzzzz = 2\n", None)
            .unwrap_err()
            .0;
        assert_eq!(
            far,
            format!(
                "alerts.toml: [alert.a] unknown key \"zzzzzz\"; expected one of {}",
                ALERT_KEYS.join(", ")
            )
        );
        // Every known key is accepted.
        let known = "[alert.a]\nmonth = \"2026-09\"\nthresholds = []\nspike_factor = 2\n\
                     forecast = false\nprevious_invoice = 1\ndelay_days = 3\nby = \"sku\"\n\
                     sku = []\nproject = []\nservice = []\ntag = []\nstate = \"s\"\n";
        assert!(select_alert(path, known, None).is_ok());
    }

    #[test]
    fn alerts_config_amount_texts() {
        let ok = |text: &str| amount_from_text(text, "--threshold").map_err(|e| e.0);
        assert_eq!(ok(" 12.50 "), Ok(Decimal::new(1250, 2)));
        assert_eq!(ok("-5"), Ok(Decimal::from(-5)));
        assert_eq!(ok("7"), Ok(Decimal::from(7)));
        let places28 = "0.0000000000000000000000000001";
        assert_eq!(ok(places28), Ok(Decimal::new(1, 28)));
        assert_eq!(
            ok("0.00000000000000000000000000010"),
            Ok(Decimal::new(1, 28))
        );
        let error = ok("0.00000000000000000000000000001").unwrap_err();
        assert!(error.contains("more than 28 decimal places"), "{error}");
        for text in ["", " ", "+5", "1_000", "1.2.3", "5 USD", "1e3", "--"] {
            let error = ok(text).unwrap_err();
            assert_eq!(
                error,
                format!(
                    "--threshold \"{text}\": expected a plain decimal number such as 5000 or \
                     1250.50 (no currency symbol or thousands separator, \".\" as the decimal \
                     separator)"
                )
            );
        }
    }

    #[test]
    fn alerts_config_threshold_tables() {
        let table: toml::Table = toml::from_str(
            "a = { amount = \"5\", forecast = true }\nb = { amount = 6 }\n\
             c = { amount = \"5\", when = 1 }\nd = { forecast = true }\n\
             e = { amount = \"5\", forecast = \"yes\" }\nf = true\n",
        )
        .unwrap();
        let read = |key: &str| threshold_from_toml(&table[key], "t").map_err(|e| e.0);
        assert_eq!(read("a"), Ok((Decimal::from(5), true)));
        assert_eq!(read("b"), Ok((Decimal::from(6), false)));
        assert_eq!(
            read("c").unwrap_err(),
            "t: unknown key \"when\" in a threshold; expected amount and forecast, e.g. \
             { amount = \"5000\", forecast = true }"
        );
        assert_eq!(
            read("d").unwrap_err(),
            "t: a threshold table needs an amount, e.g. { amount = \"5000\", forecast = true }"
        );
        assert_eq!(
            read("e").unwrap_err(),
            "t: forecast is true or false, found string"
        );
        assert_eq!(
            read("f").unwrap_err(),
            "t: expected an amount as a string such as \"5000\", found boolean"
        );
    }
}

//! `tally alerts` output: the JSON document of docs/alerts.md, `alerts.csv` and the terminal
//! table. Pure: alert results in, bytes or text out. Amounts are strings in JSON and exact in
//! CSV; the table rounds spend half-even to cents.
//!
//! With `--by KEY` every output carries the groups, sorted by value: JSON a `by` field and a
//! `groups` list in place of the top-level `alerts` (whose absence tells a reader unaware of
//! groups that it cannot read this document, rather than an empty list telling it that nothing
//! fired); CSV a leading KEY column; the table a leading KEY column and each group's spend.
//! Without `--by`, every output is exactly what it was before groups existed.

use crate::alerts::config::{AlertsConfig, Window};
use crate::alerts::{Alerts, ForecastAlert, GroupAlerts, SpikeBase, state};
use crate::forecast::Reach;
use crate::model::Day;
use crate::model::money_text;
use crate::render::forecast;
use crate::render::table::{Column, display_money, layout, output_width};
use anyhow::Result;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What every alert renderer needs.
pub struct AlertReport<'a> {
    pub config: &'a AlertsConfig,
    pub currency: &'a str,
    /// The whole watched spend: the alerts without `--by`; with it, the source of the
    /// document's total spend to date and provisional days.
    pub alerts: &'a Alerts,
    /// With `--by`: each group's alerts, sorted by value.
    pub groups: Option<&'a [GroupAlerts]>,
    /// With `--state`: the fired alerts the state already recorded in this period, and the
    /// day each was first notified.
    pub already: &'a BTreeMap<state::Key, Day>,
    /// The rows `--skip-bad-rows` left out (before filters), and their readable cost.
    pub skipped: crate::scope::Skipped,
}

/// `skipped 3 bad rows (10.00 USD readable in 2 of them, not counted)`; `None` when no row
/// was skipped.
pub fn skipped_text(skipped: &crate::scope::Skipped, currency: &str) -> Option<String> {
    if skipped.rows == 0 {
        return None;
    }
    let rows = if skipped.rows == 1 { "row" } else { "rows" };
    let mut text = format!("skipped {} bad {rows}", skipped.rows);
    if let Some(cost) = skipped.cost {
        let of = if skipped.rows_with_cost == skipped.rows {
            String::new()
        } else {
            format!(" readable in {} of them", skipped.rows_with_cost)
        };
        text.push_str(&format!(
            " ({} {currency}{of}, not counted)",
            display_money(cost)
        ));
    }
    Some(text)
}

impl AlertReport<'_> {
    /// The `--by` key's name and the groups, when grouped.
    fn by(&self) -> Option<(String, &[GroupAlerts])> {
        let key = self.config.by.as_ref()?;
        Some((key.name(), self.groups.unwrap_or_default()))
    }

    /// The day the state first recorded this fired alert, when it did (`--state`).
    fn already(&self, group: Option<&str>, name: &str) -> Option<Day> {
        self.already
            .get(&(group.map(str::to_string), name.to_string()))
            .copied()
    }

    /// A note with `already fired on DAY` added when the state recorded the alert.
    fn note(&self, group: Option<&str>, name: &str, note: &str) -> String {
        match self.already(group, name) {
            Some(day) if note.is_empty() => format!("already fired on {day}"),
            Some(day) => format!("{note}; already fired on {day}"),
            None => note.to_string(),
        }
    }

    fn as_of(&self) -> String {
        self.config
            .delay
            .as_of
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// `{month, as_of, currency, month_to_date, provisional_days, alerts:[…]}`. With `--last`,
/// `month` gives way to `window` (`last 7d`), `from` and `to`; the other keys keep their
/// names. With `--by KEY`, `alerts` gives way to `by: KEY` and
/// `groups: [{KEY: value, month_to_date, alerts:[…]}, …]`; `month_to_date` and
/// `provisional_days` stay the whole watched spend's (the sum over the groups).
pub fn json(report: &AlertReport) -> Vec<u8> {
    let alerts = report.alerts;
    let mut document = Map::new();
    match &report.config.window {
        Window::Month(month) => {
            document.insert("month".into(), json!(month));
        }
        Window::LastDays(_) => {
            document.insert("window".into(), json!(report.config.period_label()));
            document.insert("from".into(), json!(alerts.watched.from.to_string()));
            document.insert("to".into(), json!(alerts.watched.to.to_string()));
        }
    }
    document.insert("as_of".into(), json!(report.as_of()));
    let filters = report.config.plan.filters.texts();
    if !filters.is_empty() {
        document.insert("filters".into(), json!(filters));
    }
    document.insert("currency".into(), json!(report.currency));
    document.insert(
        "month_to_date".into(),
        json!(money_text(alerts.spend_to_date)),
    );
    document.insert(
        "provisional_days".into(),
        json!(
            alerts
                .provisional_days
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        ),
    );
    // Rows --skip-bad-rows left out: a count, and their cost where it could be read.
    document.insert("rows_skipped".into(), json!(report.skipped.rows));
    document.insert(
        "skipped_cost".into(),
        json!(report.skipped.cost.map(money_text)),
    );
    document.insert("forecast".into(), forecast_json(alerts));
    match report.by() {
        None => {
            document.insert(
                "alerts".into(),
                Value::Array(alert_list(report, None, alerts)),
            );
        }
        Some((key, groups)) => {
            document.insert("by".into(), json!(key));
            let groups = groups
                .iter()
                .map(|group| {
                    let mut object = Map::new();
                    object.insert(key.clone(), json!(group.value));
                    object.insert(
                        "month_to_date".into(),
                        json!(money_text(group.alerts.spend_to_date)),
                    );
                    object.insert("forecast".into(), forecast_json(&group.alerts));
                    object.insert(
                        "alerts".into(),
                        Value::Array(alert_list(report, Some(&group.value), &group.alerts)),
                    );
                    Value::Object(object)
                })
                .collect();
            document.insert("groups".into(), Value::Array(groups));
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(document)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The alert objects of one evaluation: thresholds in the order given, then the spike. With
/// `--state`, each also says `already_fired_on`: the day the state first recorded it, or null.
fn alert_list(report: &AlertReport, group: Option<&str>, alerts: &Alerts) -> Vec<Value> {
    let with_state = |mut object: Value, name: &str| {
        if report.config.state.is_some()
            && let Value::Object(map) = &mut object
        {
            map.insert(
                "already_fired_on".into(),
                json!(report.already(group, name).map(|d| d.to_string())),
            );
        }
        object
    };
    let mut list: Vec<Value> = alerts
        .thresholds
        .iter()
        .map(|t| {
            with_state(
                json!({
                    "kind": "threshold",
                    "threshold": t.threshold.to_string(),
                    "fired": t.fired,
                    "first_day": t.first_day.map(|d| d.to_string()),
                    "provisional": t.provisional,
                }),
                &state::threshold_key(t.threshold),
            )
        })
        .collect();
    let spike = &alerts.spike;
    list.push(with_state(
        json!({
            "kind": "spike",
            "factor": spike.factor.to_string(),
            "base": spike.base.name(),
            "previous_invoice": match spike.base {
                SpikeBase::Invoice(amount) => Some(money_text(amount)),
                SpikeBase::Usage => None,
            },
            "previous_month_total": spike.previous_total.map(money_text),
            "fired": spike.fired,
            "provisional": spike.provisional,
            "note": spike.note,
        }),
        state::SPIKE_KEY,
    ));
    for alert in &alerts.forecast_alerts {
        list.push(with_state(
            json!({
                "kind": "forecast",
                "threshold": alert.threshold.to_string(),
                "fired": alert.fired,
                "projected_day": match alert.reach {
                    Some(Reach::On(day)) => Some(day.to_string()),
                    _ => None,
                },
                "projected_month_end": alerts.forecast.as_ref().map(|f| forecast::cents(f.projected)),
                "note": forecast_note(report, alerts, alert),
            }),
            &state::forecast_key(alert.threshold),
        ));
    }
    list
}

/// Each threshold with the day actual spend reached it.
fn reached(alerts: &Alerts) -> Vec<(rust_decimal::Decimal, Option<Day>)> {
    alerts
        .thresholds
        .iter()
        .map(|t| (t.threshold, t.first_day))
        .collect()
}

/// The forecast object, or null when there is none.
fn forecast_json(alerts: &Alerts) -> Value {
    match &alerts.forecast {
        Some(f) => forecast::json(f, &reached(alerts)),
        None => Value::Null,
    }
}

/// Why there is no forecast.
fn no_forecast(report: &AlertReport, alerts: &Alerts) -> String {
    let delay = report.config.delay;
    let month = alerts.watched;
    if matches!(report.config.window, Window::LastDays(_)) {
        "no forecast for a --last window (it projects a calendar month's end)".to_string()
    } else if !alerts.forecast_gaps.is_empty() {
        format!(
            "no forecast: the inputs hold no row for {} (missing data is not a day without \
             spend)",
            crate::alerts::day_list(&alerts.forecast_gaps)
        )
    } else if alerts.through.is_none() {
        format!(
            "no forecast: {} has not started",
            report.config.period_label()
        )
    } else if delay.status(month.to) == crate::model::Status::Final {
        "no forecast: every day of the month is final".to_string()
    } else {
        format!(
            "no forecast yet: no day of the month is final (the first is on {})",
            delay.final_at(month.from)
        )
    }
}

/// A forecast alert's note: always says it is a projection.
fn forecast_note(report: &AlertReport, alerts: &Alerts, alert: &ForecastAlert) -> String {
    let Some(f) = &alerts.forecast else {
        return no_forecast(report, alerts);
    };
    let end = display_money(f.projected);
    match alert.reach {
        Some(Reach::On(day)) => format!(
            "projection: reaches {} on {day} at the run-rate ({end} at month end)",
            alert.threshold
        ),
        Some(Reach::Already(day)) => format!(
            "actual spend reached {} on {day} (see the threshold alert); no projection needed",
            alert.threshold
        ),
        _ => format!("projection: {end} at month end, below {}", alert.threshold),
    }
}

/// `period,as_of,kind,threshold,factor,fired,first_day,month_to_date,previous_month_total,
/// currency,provisional,note`: one row per alert, thresholds in the order given, then the
/// spike. With `--by KEY`, a leading KEY column and each group's rows in turn, its own spend
/// to date in `month_to_date`.
pub fn csv(report: &AlertReport) -> Result<Vec<u8>> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let header = [
        "period",
        "as_of",
        "kind",
        "threshold",
        "factor",
        "fired",
        "first_day",
        "month_to_date",
        "previous_month_total",
        "currency",
        "provisional",
        "note",
        // New columns go last: tally recognises its own alerts.csv by the leading ones.
        "rows_skipped",
        "skipped_cost",
    ];
    let skipped = [
        report.skipped.rows.to_string(),
        report.skipped.cost.map(money_text).unwrap_or_default(),
    ];
    match report.by() {
        None => {
            out.write_record(header)?;
            for row in csv_rows(report, None, report.alerts) {
                out.write_record(row.iter().chain(&skipped))?;
            }
        }
        Some((key, groups)) => {
            out.write_record(std::iter::once(key.as_str()).chain(header))?;
            for group in groups {
                for row in csv_rows(report, Some(&group.value), &group.alerts) {
                    out.write_record(std::iter::once(&group.value).chain(&row).chain(&skipped))?;
                }
            }
        }
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot render CSV: {}", e.error()))
}

/// The CSV rows of one evaluation, without a group column.
fn csv_rows(report: &AlertReport, group: Option<&str>, alerts: &Alerts) -> Vec<[String; 12]> {
    let period = report.config.period_label();
    let as_of = report.as_of();
    let spend = money_text(alerts.spend_to_date);
    let mut rows = Vec::new();
    for t in &alerts.thresholds {
        rows.push([
            period.clone(),
            as_of.clone(),
            "threshold".into(),
            t.threshold.to_string(),
            String::new(),
            bool_text(t.fired).into(),
            t.first_day.map(|d| d.to_string()).unwrap_or_default(),
            spend.clone(),
            String::new(),
            report.currency.into(),
            bool_text(t.provisional).into(),
            report.note(group, &state::threshold_key(t.threshold), ""),
        ]);
    }
    let spike = &alerts.spike;
    rows.push([
        period,
        as_of,
        "spike".into(),
        String::new(),
        spike.factor.to_string(),
        bool_text(spike.fired).into(),
        String::new(),
        spend,
        spike.previous_total.map(money_text).unwrap_or_default(),
        report.currency.into(),
        bool_text(spike.provisional).into(),
        report.note(group, state::SPIKE_KEY, &spike.note),
    ]);
    for alert in &alerts.forecast_alerts {
        rows.push([
            report.config.period_label(),
            report.as_of(),
            "forecast".into(),
            alert.threshold.to_string(),
            String::new(),
            bool_text(alert.fired).into(),
            match alert.reach {
                Some(Reach::On(day)) => day.to_string(),
                _ => String::new(),
            },
            money_text(alerts.spend_to_date),
            String::new(),
            report.currency.into(),
            // A projection rests on final days only.
            "false".into(),
            report.note(
                group,
                &state::forecast_key(alert.threshold),
                &forecast_note(report, alerts, alert),
            ),
        ]);
    }
    rows
}

/// A header line, then one aligned line per alert. With `--by KEY`, the header names the key,
/// and two leading columns give each group's value and spend to date on its first line.
pub fn table(report: &AlertReport) -> String {
    let alerts = report.alerts;
    let config = report.config;
    let name = config
        .name
        .as_ref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    let through = match alerts.through {
        Some(day) => format!("{} to {day}", alerts.watched.from),
        None => "no day yet".to_string(),
    };
    let by = report.by();
    let by_text = match &by {
        Some((key, _)) => format!(", by {key}"),
        None => String::new(),
    };
    // Filters are part of the scope: a filtered spend must not read as the whole bill's.
    let filters: String = config
        .plan
        .filters
        .texts()
        .iter()
        .map(|filter| format!(", {filter}"))
        .collect();
    let skipped = skipped_text(&report.skipped, report.currency)
        .map(|text| format!("; {text}"))
        .unwrap_or_default();
    let mut text = format!(
        "alerts{name} for {} as of {}: spend {} {} ({through}){filters}{by_text}{skipped}\n",
        config.period_label(),
        report.as_of(),
        display_money(alerts.spend_to_date),
        report.currency,
    );
    match &alerts.forecast {
        Some(f) => {
            text.push_str(&forecast::line(f, report.currency));
            text.push('\n');
            if by.is_none()
                && let Some(line) = forecast::thresholds_line(f, &reached(alerts))
            {
                text.push_str(&line);
                text.push('\n');
            }
        }
        // A month in progress without a forecast says why; a closed month or a --last
        // window needs none.
        None if matches!(config.window, Window::Month(_))
            && alerts.through.is_some()
            && config.delay.status(alerts.watched.to) == crate::model::Status::Provisional =>
        {
            text.push_str(&no_forecast(report, alerts));
            text.push('\n');
        }
        None => {}
    }
    let header: Vec<String> = ["alert", "fired", "since", "status", "note"]
        .map(String::from)
        .into();
    let rows: Vec<Vec<String>> = match by {
        None => std::iter::once(header)
            .chain(table_rows(report, None, alerts))
            .collect(),
        Some((key, groups)) => {
            let mut rows = vec![[key, "spend".into()].into_iter().chain(header).collect()];
            for group in groups {
                for (i, row) in table_rows(report, Some(&group.value), &group.alerts)
                    .into_iter()
                    .enumerate()
                {
                    let lead: [String; 2] = if i == 0 {
                        let value = if group.value.is_empty() {
                            "-".into()
                        } else {
                            group.value.clone()
                        };
                        [value, display_money(group.alerts.spend_to_date)]
                    } else {
                        Default::default()
                    };
                    rows.push(lead.into_iter().chain(row).collect());
                }
            }
            rows
        }
    };
    // The spend of each group is a figure: right-aligned like every figure of tally.
    let mut columns = Vec::new();
    if report.by().is_some() {
        columns.extend([Column::NAME, Column::FIGURE]);
    }
    columns.extend([Column::TEXT; 5]);
    let (lines, _) = layout(&rows, &columns, output_width());
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The table lines of one evaluation: `alert, fired, since, status, note`.
fn table_rows(report: &AlertReport, group: Option<&str>, alerts: &Alerts) -> Vec<Vec<String>> {
    let status = |provisional: bool| if provisional { "provisional" } else { "final" };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for t in &alerts.thresholds {
        rows.push(vec![
            format!("threshold {}", t.threshold),
            if t.fired { "FIRED" } else { "no" }.into(),
            t.first_day.map(|d| d.to_string()).unwrap_or("-".into()),
            status(t.provisional).into(),
            report.note(group, &state::threshold_key(t.threshold), ""),
        ]);
    }
    let spike = &alerts.spike;
    rows.push(vec![
        format!("spike ×{}", spike.factor),
        if spike.fired { "FIRED" } else { "no" }.into(),
        "-".into(),
        status(spike.provisional).into(),
        report.note(group, state::SPIKE_KEY, &spike.note),
    ]);
    for alert in &alerts.forecast_alerts {
        rows.push(vec![
            format!("forecast {}", alert.threshold),
            if alert.fired { "FIRED" } else { "no" }.into(),
            match alert.reach {
                Some(Reach::On(day)) => day.to_string(),
                _ => "-".into(),
            },
            "projection".into(),
            report.note(
                group,
                &state::forecast_key(alert.threshold),
                &forecast_note(report, alerts, alert),
            ),
        ]);
    }
    rows
}

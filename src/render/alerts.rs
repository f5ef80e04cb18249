//! `tally alerts` output: the JSON document of DESIGN.md, `alerts.csv` and the terminal
//! table. Pure: alert results in, bytes or text out. Amounts are strings in JSON and exact in
//! CSV; the table rounds spend half-even to cents.

use crate::alerts::Alerts;
use crate::alerts_config::{AlertsConfig, Window};
use crate::model::money_text;
use crate::render::table::display_money;
use anyhow::Result;
use serde_json::{Map, Value, json};

/// What every alert renderer needs.
pub struct AlertReport<'a> {
    pub config: &'a AlertsConfig,
    pub currency: &'a str,
    pub alerts: &'a Alerts,
}

impl AlertReport<'_> {
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
/// names.
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
    let mut list: Vec<Value> = alerts
        .thresholds
        .iter()
        .map(|t| {
            json!({
                "kind": "threshold",
                "threshold": t.threshold.to_string(),
                "fired": t.fired,
                "first_day": t.first_day.map(|d| d.to_string()),
                "provisional": t.provisional,
            })
        })
        .collect();
    let spike = &alerts.spike;
    list.push(json!({
        "kind": "spike",
        "factor": spike.factor.to_string(),
        "previous_month_total": spike.previous_total.map(money_text),
        "fired": spike.fired,
        "provisional": spike.provisional,
        "note": spike.note,
    }));
    document.insert("alerts".into(), Value::Array(list));
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(document)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `period,as_of,kind,threshold,factor,fired,first_day,month_to_date,previous_month_total,
/// currency,provisional,note`: one row per alert, thresholds in the order given, then the
/// spike.
pub fn csv(report: &AlertReport) -> Result<Vec<u8>> {
    let alerts = report.alerts;
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record([
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
    ])?;
    let period = report.config.period_label();
    let as_of = report.as_of();
    let spend = money_text(alerts.spend_to_date);
    for t in &alerts.thresholds {
        out.write_record([
            period.as_str(),
            as_of.as_str(),
            "threshold",
            &t.threshold.to_string(),
            "",
            bool_text(t.fired),
            &t.first_day.map(|d| d.to_string()).unwrap_or_default(),
            &spend,
            "",
            report.currency,
            bool_text(t.provisional),
            "",
        ])?;
    }
    let spike = &alerts.spike;
    out.write_record([
        period.as_str(),
        as_of.as_str(),
        "spike",
        "",
        &spike.factor.to_string(),
        bool_text(spike.fired),
        "",
        &spend,
        &spike.previous_total.map(money_text).unwrap_or_default(),
        report.currency,
        bool_text(spike.provisional),
        &spike.note,
    ])?;
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot render CSV: {}", e.error()))
}

/// A header line, then one aligned line per alert.
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
    let mut text = format!(
        "alerts{name} for {} as of {}: spend {} {} ({through})\n",
        config.period_label(),
        report.as_of(),
        display_money(alerts.spend_to_date),
        report.currency,
    );
    let mut rows: Vec<[String; 5]> = vec![[
        "alert".into(),
        "fired".into(),
        "since".into(),
        "status".into(),
        "note".into(),
    ]];
    let status = |provisional: bool| if provisional { "provisional" } else { "final" };
    for t in &alerts.thresholds {
        rows.push([
            format!("threshold {}", t.threshold),
            if t.fired { "FIRED" } else { "no" }.into(),
            t.first_day.map(|d| d.to_string()).unwrap_or("-".into()),
            status(t.provisional).into(),
            String::new(),
        ]);
    }
    let spike = &alerts.spike;
    rows.push([
        format!("spike ×{}", spike.factor),
        if spike.fired { "FIRED" } else { "no" }.into(),
        "-".into(),
        status(spike.provisional).into(),
        spike.note.clone(),
    ]);
    let mut widths = [0usize; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(width - cell.chars().count() + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

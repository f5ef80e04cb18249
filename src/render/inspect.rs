//! `tally inspect` output: a readable, aligned description of each input, or one JSON
//! document (`"inspect_format": 1`, documented in docs/inspect.md). Money in JSON is an exact
//! decimal string; in the table it is rounded to cents for display (half to even), with the
//! exact figure beside it when they differ.

use super::table::{aligned, display_money};
use crate::config::CostColumn;
use crate::error::RowError;
use crate::ingest::inspect::InputReport;
use crate::ingest::inspect::profile::{Counts, DaySummary, Money, Profile};
use crate::model::money_text;
use serde_json::{Value, json};
use std::fmt::Write;

/// Missing-day ranges listed by name; the rest are counted.
const MISSING_RANGES_SHOWN: usize = 50;

fn cost_name(cost: CostColumn) -> String {
    format!("{cost:?}").to_lowercase()
}

// ---------------------------------------------------------------------------------------
// JSON

pub fn json(reports: &[InputReport], cost: CostColumn) -> Vec<u8> {
    let document = json!({
        "inspect_format": 1,
        "cost": cost_name(cost),
        "failed": reports.iter().any(InputReport::failed),
        "inputs": reports.iter().map(input_json).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn input_json(report: &InputReport) -> Value {
    let profile = report.profile.as_ref();
    json!({
        "name": report.name,
        "kind": report.kind,
        "error": report.error,
        "read_error": profile.and_then(|p| p.read_error.clone()),
        "notes": report.notes,
        "focus_version": profile.and_then(|p| p.focus_version.as_ref()).map(|v| json!({
            "at_least": v.at_least,
            "text": v.text(),
            "evidence": v.evidence,
        })),
        "columns": profile.filter(|p| !p.header.is_empty()).map(|p| p.header.clone()),
        "fields": profile.map(|p| p.fields.iter().map(|f| json!({
            "field": f.field,
            "rule": f.rule.as_str(),
            "columns": f.supplied.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
            "supplied_by": f.supplied.iter().map(|(c, rows)| json!({"column": c, "rows": rows})).collect::<Vec<_>>(),
            "none": f.none,
            "note": f.note,
        })).collect::<Vec<_>>()),
        "rows": profile.map(|p| p.rows),
        "bad_rows": profile.map(|p| json!({
            "count": p.bad.count,
            "first": p.bad.first.iter().map(bad_row_json).collect::<Vec<_>>(),
        })),
        "days": profile.and_then(|p| p.days.summary(MISSING_RANGES_SHOWN)).map(|d| days_json(&d)),
        "currencies": profile.filter(|p| p.endpoints.is_none()).map(|p| counts_json(&p.currencies, |currency| json!({"currency": currency}), true)),
        "charge_categories": profile.and_then(|p| p.charge_categories.as_ref()).map(|c| counts_json(c, |(category, currency)| json!({"charge_category": category, "currency": currency}), true)),
        "multi_day": profile.and_then(|p| p.multi_day.as_ref().map(|m| multi_day_json(m, p))),
        "endpoints": profile.and_then(|p| p.endpoints.as_ref()).map(|c| counts_json(c, |e| json!({"endpoint": e}), false)),
        "models": profile.and_then(|p| p.models.as_ref()).map(|c| counts_json(c, |m| json!({"model": m}), false)),
        "nulls": profile.map(|p| p.nulls.iter().map(|(c, n)| json!({"column": c, "nulls": n})).collect::<Vec<_>>()),
        "members": report.members.iter().map(input_json).collect::<Vec<_>>(),
    })
}

/// `{"rows", "currencies": counts, "spread_refused": {"count", "first": [bad row]}}`.
fn multi_day_json(multi_day: &Counts<String>, profile: &Profile) -> Value {
    let rows: u64 = multi_day.values.values().map(|s| s.rows).sum::<u64>() + multi_day.other.rows;
    json!({
        "rows": rows,
        "currencies": counts_json(multi_day, |currency| json!({"currency": currency}), true),
        "spread_refused": {
            "count": profile.spread_refused.count,
            "first": profile.spread_refused.first.iter().map(bad_row_json).collect::<Vec<_>>(),
        },
    })
}

fn bad_row_json(error: &RowError) -> Value {
    json!({
        "location": error.location.to_string(),
        "source": error.location.source,
        "row_group": error.location.row_group,
        "line": error.location.line,
        "column": error.column,
        "value": error.value,
        "reason": error.reason,
    })
}

fn days_json(days: &DaySummary) -> Value {
    json!({
        "first": days.first.to_string(),
        "last": days.last.to_string(),
        "with_rows": days.with_rows,
        "missing_days": days.missing_days,
        "missing_ranges": days.missing_ranges,
        "missing": days.missing.iter().map(|(from, to)| json!({
            "from": from.to_string(),
            "to": to.to_string(),
            "days": (*to - *from).num_days() + 1,
        })).collect::<Vec<_>>(),
    })
}

fn money_json(money: &Money) -> Value {
    match money.exact() {
        Some(value) => json!(money_text(value)),
        None => Value::Null,
    }
}

/// `{"values": [{…key, rows[, cost, overflow]}], "other": null | {rows, distinct,
/// distinct_is_lower_bound}}`.
fn counts_json<K>(counts: &Counts<K>, key: impl Fn(&K) -> Value, with_cost: bool) -> Value
where
    K: Ord + Eq + std::hash::Hash + Clone,
{
    let values: Vec<Value> = counts
        .values
        .iter()
        .map(|(k, stat)| {
            let mut value = key(k);
            value["rows"] = json!(stat.rows);
            if with_cost {
                value["cost"] = money_json(&stat.cost);
                value["overflow"] = json!(stat.cost.overflow);
            }
            value
        })
        .collect();
    let other = (counts.other.rows > 0).then(|| {
        json!({
            "rows": counts.other.rows,
            "distinct": counts.other.distinct(),
            "distinct_is_lower_bound": counts.other.more,
        })
    });
    json!({"values": values, "other": other})
}

// ---------------------------------------------------------------------------------------
// Table

pub fn table(reports: &[InputReport], cost: CostColumn) -> String {
    let mut out = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        input_table(&mut out, report, cost);
    }
    out
}

/// Writes `label` then the lines, the first beside the label, the rest indented under it.
fn section(out: &mut String, label: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        let text = format!("  {label:<9} {line}");
        out.push_str(text.trim_end());
        out.push('\n');
    }
}

/// Money as table cells: rounded figure, currency, and the exact figure when it differs.
fn money_cells(money: &Money, currency: &str) -> [String; 3] {
    match money.exact() {
        None => [
            "overflow".to_string(),
            currency.to_string(),
            "(the sum exceeds 28 significant digits)".to_string(),
        ],
        Some(value) => {
            let shown = display_money(value);
            let exact = money_text(value);
            let note = if shown.replace(',', "") == exact {
                String::new()
            } else {
                format!("(exact {exact})")
            };
            [shown, currency.to_string(), note]
        }
    }
}

fn money_display(money: &Money, currency: &str) -> String {
    money_cells(money, currency)
        .join(" ")
        .trim_end()
        .to_string()
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn day_range(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}..{to}")
    }
}

fn input_table(out: &mut String, report: &InputReport, cost: CostColumn) {
    let _ = writeln!(out, "{}", report.name);
    let profile = report.profile.as_ref();
    let mut kind = report
        .kind
        .clone()
        .unwrap_or_else(|| "not recognized".into());
    if let Some(version) = profile.and_then(|p| p.focus_version.as_ref()) {
        let _ = write!(kind, ", FOCUS {}", version.text());
        if !version.evidence.is_empty() {
            let _ = write!(kind, " (has {})", version.evidence.join(", "));
        }
    }
    if let Some(p) = profile.filter(|p| !p.header.is_empty()) {
        let _ = write!(
            kind,
            "; {}",
            count(p.header.len() as u64, "column", "columns")
        );
    }
    section(out, "kind", &[kind]);
    if let Some(error) = &report.error {
        section(out, "error", std::slice::from_ref(error));
    }
    if !report.notes.is_empty() {
        section(out, "note", &report.notes);
    }
    let Some(profile) = profile else {
        return;
    };
    if let Some(error) = &profile.read_error {
        section(
            out,
            "error",
            &[format!(
                "{error} (reading stopped; the figures cover what was read)"
            )],
        );
    }
    section(
        out,
        "rows",
        &[format!("{} ({} bad)", profile.rows, profile.bad.count)],
    );
    section(out, "days", &days_lines(profile));
    let is_csv = profile.endpoints.is_none();
    if is_csv {
        section(out, "cost", &currency_lines(profile, cost));
    }
    if let Some(categories) = &profile.charge_categories {
        let mut rows: Vec<Vec<String>> = categories
            .values
            .iter()
            .map(|((category, currency), stat)| {
                let mut row = vec![
                    if category.is_empty() {
                        "(null)".into()
                    } else {
                        category.clone()
                    },
                    count(stat.rows, "row", "rows"),
                ];
                row.extend(money_cells(&stat.cost, currency));
                row
            })
            .collect();
        if categories.other.rows > 0 {
            rows.push(vec![
                other_label(categories.other.distinct(), categories.other.more),
                count(categories.other.rows, "row", "rows"),
                String::new(),
            ]);
        }
        if rows.is_empty() {
            rows.push(vec!["-".into()]);
        }
        section(out, "charges", &aligned(&rows, &[false, true, true]));
    }
    if let Some(multi_day) = &profile.multi_day {
        section(out, "multi-day", &[multi_day_line(multi_day)]);
    }
    for (label, counts) in [
        ("endpoints", &profile.endpoints),
        ("models", &profile.models),
    ] {
        if let Some(counts) = counts {
            let mut rows: Vec<Vec<String>> = counts
                .values
                .iter()
                .map(|(value, stat)| {
                    vec![
                        if value.is_empty() {
                            "(none)".into()
                        } else {
                            value.clone()
                        },
                        count(stat.rows, "record", "records"),
                    ]
                })
                .collect();
            if counts.other.rows > 0 {
                rows.push(vec![
                    other_label(counts.other.distinct(), counts.other.more),
                    count(counts.other.rows, "record", "records"),
                ]);
            }
            if rows.is_empty() {
                rows.push(vec!["-".into()]);
            }
            section(out, label, &aligned(&rows, &[false, true]));
        }
    }
    if !profile.fields.is_empty() {
        let mut rows = vec![vec![
            "field".to_string(),
            "columns, in order".to_string(),
            "value from".to_string(),
            "no value".to_string(),
        ]];
        for field in &profile.fields {
            let columns = if field.supplied.is_empty() {
                field.note.clone().unwrap_or_else(|| "-".into())
            } else {
                field
                    .supplied
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" → ")
            };
            let from = field
                .supplied
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            rows.push(vec![
                field.field.to_string(),
                columns,
                if from.is_empty() { "-".into() } else { from },
                if field.supplied.is_empty() {
                    "-".into()
                } else {
                    field.none.to_string()
                },
            ]);
        }
        section(out, "fields", &aligned(&rows, &[false, false, false, true]));
    }
    if !profile.nulls.is_empty() {
        let with_nulls: Vec<String> = profile
            .nulls
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let line = if with_nulls.is_empty() {
            "none in the mapped columns".to_string()
        } else {
            with_nulls.join(", ")
        };
        section(out, "nulls", &[line]);
    }
    if profile.bad.count > 0 {
        let mut lines: Vec<String> = profile.bad.first.iter().map(|e| e.to_string()).collect();
        let more = profile.bad.count - profile.bad.first.len() as u64;
        if more > 0 {
            lines.push(format!("… and {more} more"));
        }
        section(out, "bad rows", &lines);
    }
    if !report.members.is_empty() {
        let rows: Vec<Vec<String>> = report.members.iter().map(member_row).collect();
        section(
            out,
            "members",
            &aligned(&rows, &[false, false, true, true, false, false]),
        );
    }
}

/// `charges: 3 rows, cost 310.00 USD (exact …)`, after the `multi-day` label.
fn multi_day_line(multi_day: &Counts<String>) -> String {
    let rows: u64 = multi_day.values.values().map(|s| s.rows).sum::<u64>() + multi_day.other.rows;
    if rows == 0 {
        return "charges: none (every charge period is within one UTC day)".to_string();
    }
    let mut costs: Vec<String> = multi_day
        .values
        .iter()
        .map(|(currency, stat)| money_display(&stat.cost, currency))
        .collect();
    if multi_day.other.rows > 0 {
        costs.push(other_label(
            multi_day.other.distinct(),
            multi_day.other.more,
        ));
    }
    format!(
        "charges: {}, cost {} (counted on their start day; report --spread-charges spreads them)",
        count(rows, "row", "rows"),
        costs.join(", ")
    )
}

fn other_label(distinct: usize, more: bool) -> String {
    let plus = if more { "+" } else { "" };
    format!("other ({distinct}{plus} values)")
}

fn days_lines(profile: &Profile) -> Vec<String> {
    let Some(days) = profile.days.summary(MISSING_RANGES_SHOWN) else {
        return vec!["none (no good rows)".to_string()];
    };
    let mut lines = vec![format!(
        "{} to {}: {} with rows, {}",
        days.first,
        days.last,
        count(days.with_rows, "day", "days"),
        if days.missing_days == 0 {
            "none missing".to_string()
        } else {
            format!("{} missing", count(days.missing_days, "day", "days"))
        }
    )];
    if !days.missing.is_empty() {
        let ranges: Vec<String> = days
            .missing
            .iter()
            .map(|(a, b)| day_range(*a, *b))
            .collect();
        let mut line = format!("missing: {}", ranges.join(", "));
        let more = days.missing_ranges - days.missing.len() as u64;
        if more > 0 {
            let _ = write!(line, " and {more} more ranges");
        }
        lines.push(line);
    }
    lines
}

fn currency_lines(profile: &Profile, cost: CostColumn) -> Vec<String> {
    let mut rows: Vec<Vec<String>> = profile
        .currencies
        .values
        .iter()
        .map(|(currency, stat)| {
            let [shown, currency, exact] = money_cells(&stat.cost, currency);
            vec![
                shown,
                currency,
                format!("from {}", count(stat.rows, "row", "rows")),
                exact,
            ]
        })
        .collect();
    if profile.currencies.other.rows > 0 {
        rows.push(vec![
            other_label(
                profile.currencies.other.distinct(),
                profile.currencies.other.more,
            ),
            String::new(),
            format!(
                "from {}",
                count(profile.currencies.other.rows, "row", "rows")
            ),
        ]);
    }
    if rows.is_empty() {
        return vec![format!("none (no good rows; --cost {})", cost_name(cost))];
    }
    let mut lines = aligned(&rows, &[true, false, false, false]);
    if profile.focus_version.is_some()
        && let Some(first) = lines.first_mut()
    {
        let _ = write!(first, "  ({} cost)", cost_name(cost));
    }
    lines
}

fn member_row(member: &InputReport) -> Vec<String> {
    let mut row = vec![
        member.name.clone(),
        member
            .kind
            .clone()
            .unwrap_or_else(|| "not recognized".into()),
    ];
    match (&member.profile, &member.error) {
        (_, Some(error)) => row.push(format!("error: {error}")),
        (Some(p), None) => {
            row.push(count(p.rows, "row", "rows"));
            row.push(format!("{} bad", p.bad.count));
            row.push(
                p.days
                    .summary(0)
                    .map_or("-".into(), |d| format!("{}..{}", d.first, d.last)),
            );
            row.push(
                p.currencies
                    .values
                    .iter()
                    .map(|(currency, stat)| money_display(&stat.cost, currency))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        (None, None) => {}
    }
    row
}

//! `report --compare`: the comparison as a table, CSV, JSON or Markdown. Costs and differences
//! are exact in CSV and JSON (rounded half-even to cents in the table and Markdown); the change
//! in percent is rounded half-even, to 1 place for reading and 4 in CSV and JSON (see
//! `crate::compare`).

use crate::compare::{CompareRow, Comparison};
use crate::model::money_text;
use crate::render::table::display_money;
use crate::scope::Scope;
use serde_json::{Map, Value, json};

/// `Compared with 2026-09-01 to 2026-09-30 (the previous month, 2026-09)`.
pub fn heading(comparison: &Comparison) -> String {
    let period = &comparison.period;
    let mut text = format!(
        "Compared with {} to {} ({})",
        period.range.from, period.range.to, period.how
    );
    if comparison.comparison_empty {
        text.push_str(
            "; the inputs hold no row for that period (after filters): every group shows as new",
        );
    }
    text
}

fn signed_money(value: rust_decimal::Decimal) -> String {
    let text = display_money(value);
    if value.is_sign_positive() && !text.chars().all(|c| matches!(c, '0' | '.' | ',')) {
        format!("+{text}")
    } else {
        text
    }
}

fn key_cells(row: &CompareRow, visible: impl Fn(&str) -> String) -> Vec<String> {
    let mut cells: Vec<String> = row
        .keys
        .iter()
        .map(|k| if k.is_empty() { "-".into() } else { visible(k) })
        .collect();
    if let Some(unit) = &row.unit {
        cells.push(visible(unit));
    }
    cells
}

fn header(key_names: &[String], with_units: bool) -> Vec<String> {
    let mut header: Vec<String> = key_names.to_vec();
    if with_units {
        header.push("unit".into());
    }
    header.extend(
        [
            "cost", "compared", "change", "change %", "currency", "status",
        ]
        .into_iter()
        .map(String::from),
    );
    header
}

/// A total that holds a provisional group says so, as the report's total row does.
fn total_status(comparison: &Comparison, total: &crate::compare::CompareTotal) -> &'static str {
    let provisional = comparison.rows.iter().any(|row| {
        row.currency == total.currency && row.status == crate::model::Status::Provisional
    });
    if provisional { "provisional" } else { "final" }
}

/// Rows of display cells: groups, then totals.
fn display_rows(
    comparison: &Comparison,
    key_names: &[String],
    with_units: bool,
    visible: impl Fn(&str) -> String,
) -> (Vec<String>, Vec<Vec<String>>, Vec<Vec<String>>) {
    let header = header(key_names, with_units);
    let rows = comparison
        .rows
        .iter()
        .map(|row| {
            let mut cells = key_cells(row, &visible);
            cells.extend([
                display_money(row.current),
                display_money(row.comparison),
                signed_money(row.delta),
                row.change.text(1),
                visible(&row.currency),
                row.status.as_str().to_string(),
            ]);
            cells
        })
        .collect();
    let cost = header.iter().position(|h| h == "cost").unwrap_or(0);
    let totals = comparison
        .totals
        .iter()
        .map(|total| {
            let mut cells = vec![String::new(); header.len()];
            cells[0] = total.label.clone();
            cells[cost] = display_money(total.current);
            cells[cost + 1] = display_money(total.comparison);
            cells[cost + 2] = signed_money(total.delta);
            cells[cost + 3] = total.change.text(1);
            cells[cost + 4] = visible(&total.currency);
            cells[cost + 5] = total_status(comparison, total).to_string();
            cells
        })
        .collect();
    (header, rows, totals)
}

/// The terminal table: the scope line, the comparison heading, groups and totals.
pub fn table(
    comparison: &Comparison,
    summary: &crate::aggregate::Summary,
    scope: &Scope,
) -> String {
    let visible = |t: &str| crate::output::visible(t).into_owned();
    let (header, rows, totals) =
        display_rows(comparison, &summary.key_names, summary.with_units, visible);
    let numeric: Vec<bool> = header
        .iter()
        .map(|h| matches!(h.as_str(), "cost" | "compared" | "change" | "change %"))
        .collect();
    let mut all = vec![header];
    let body = rows.len();
    all.extend(rows);
    all.extend(totals);
    let columns: Vec<crate::render::table::Column> = numeric
        .iter()
        .map(|&right| {
            if right {
                crate::render::table::Column::FIGURE
            } else {
                crate::render::table::Column::TEXT
            }
        })
        .collect();
    let (lines, widths) = crate::render::table::layout(&all, &columns, None);
    let rule: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ");
    let mut out = format!(
        "{}: {}\n{}\n\n",
        scope.title(),
        scope.line(),
        heading(comparison)
    );
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        if i == 0 || i == body {
            out.push_str(&rule);
            out.push('\n');
        }
    }
    out.push_str(
        "change % = (cost - compared) / compared, rounded half to even to 0.1%; new: no cost \
         in the compared period; gone: none in this one\n",
    );
    out
}

/// The Markdown form: as the table, cells escaped.
pub fn markdown(
    comparison: &Comparison,
    summary: &crate::aggregate::Summary,
    scope: &Scope,
) -> String {
    let cell = crate::render::markdown::cell;
    let (header, rows, totals) =
        display_rows(comparison, &summary.key_names, summary.with_units, cell);
    let align: Vec<&str> = header
        .iter()
        .map(|h| {
            if matches!(h.as_str(), "cost" | "compared" | "change" | "change %") {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = format!(
        "**{}**: {}  \n{}\n\n",
        scope.title(),
        cell(&scope.line()),
        cell(&heading(comparison))
    );
    out.push_str(&line(&header));
    out.push_str(&format!("|{}|\n", align.join("|")));
    for row in &rows {
        out.push_str(&line(row));
    }
    for total in &totals {
        let mut total = total.clone();
        total[0] = format!("**{}**", total[0]);
        out.push_str(&line(&total));
    }
    out.push_str(
        "\nchange % = (cost − compared) / compared, rounded half to even to 0.1%; *new*: no \
         cost in the compared period; *gone*: none in this one.\n",
    );
    out
}

/// CSV: `<keys…>,[unit,]cost,compare_cost,change,change_percent,currency,status`, exact
/// figures, the percent to 4 places (or `new`/`gone`). Totals are not rows (as summary.csv).
pub fn csv(
    comparison: &Comparison,
    summary: &crate::aggregate::Summary,
) -> anyhow::Result<Vec<u8>> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header: Vec<String> = summary.key_names.clone();
    if summary.with_units {
        header.push("unit".into());
    }
    header.extend(
        [
            "cost",
            "compare_cost",
            "change",
            "change_percent",
            "currency",
            "status",
        ]
        .into_iter()
        .map(String::from),
    );
    out.write_record(&header)?;
    for row in &comparison.rows {
        let mut record: Vec<String> = row.keys.clone();
        if let Some(unit) = &row.unit {
            record.push(unit.clone());
        }
        record.extend([
            money_text(row.current),
            money_text(row.comparison),
            money_text(row.delta),
            row.change.plain(),
            row.currency.clone(),
            row.status.as_str().to_string(),
        ]);
        out.write_record(&record)?;
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot render CSV: {}", e.error()))
}

/// JSON: the scope, the comparison period, groups and totals; money and percents as strings.
pub fn json(
    comparison: &Comparison,
    summary: &crate::aggregate::Summary,
    scope: &Scope,
) -> Vec<u8> {
    let groups: Vec<Value> = comparison
        .rows
        .iter()
        .map(|row| {
            let mut group = Map::new();
            for (name, value) in summary.key_names.iter().zip(&row.keys) {
                group.insert(name.clone(), json!(value));
            }
            if let Some(unit) = &row.unit {
                group.insert("unit".into(), json!(unit));
            }
            group.insert("cost".into(), json!(money_text(row.current)));
            group.insert("compare_cost".into(), json!(money_text(row.comparison)));
            group.insert("change".into(), json!(money_text(row.delta)));
            group.insert("change_percent".into(), json!(row.change.plain()));
            group.insert("currency".into(), json!(row.currency));
            group.insert("status".into(), json!(row.status.as_str()));
            Value::Object(group)
        })
        .collect();
    let totals: Vec<Value> = comparison
        .totals
        .iter()
        .map(|t| {
            json!({
                "label": t.label,
                "currency": t.currency,
                "cost": money_text(t.current),
                "compare_cost": money_text(t.comparison),
                "change": money_text(t.delta),
                "change_percent": t.change.plain(),
            })
        })
        .collect();
    let document = json!({
        "from": summary.range.from.to_string(),
        "to": summary.range.to.to_string(),
        "as_of": summary.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "compare": {
            "from": comparison.period.range.from.to_string(),
            "to": comparison.period.range.to.to_string(),
            "how": comparison.period.how,
            "no_rows": comparison.comparison_empty,
            "percent_rule": "(cost - compare_cost) / |compare_cost| x 100, rounded half to even to 4 places; new: no cost in the compared period; gone: none in this one",
        },
        "groups": groups,
        "totals": totals,
        "scope": scope.json(),
    });
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The comparison as a section of report.html: its chart (when drawn), a table of the groups with the compared
/// cost, the change and the change in percent (exact figures in the tooltips).
pub fn html(
    comparison: &Comparison,
    summary: &crate::aggregate::Summary,
    chart: Option<&crate::render::html::EmbeddedChart>,
) -> String {
    use crate::render::html::escape;
    use std::fmt::Write;
    let money = |value: rust_decimal::Decimal, shown: String| {
        format!(
            "<td class=\"num\" title=\"{}\">{}</td>",
            escape(&money_text(value)),
            escape(&shown)
        )
    };
    let mut out = String::from("<section>\n<h2>Comparison</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(&heading(comparison)));
    if let Some(chart) = chart {
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            chart.svg.trim(),
            escape(&chart.title)
        );
    }
    out.push_str("<table id=\"compare\">\n<thead><tr>");
    for name in header(&summary.key_names, summary.with_units) {
        let class = if matches!(name.as_str(), "cost" | "compared" | "change" | "change %") {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(&name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &comparison.rows {
        let _ = write!(out, "<tr class=\"{}\">", row.status.as_str());
        for cell in key_cells(row, |t| crate::output::visible(t).into_owned()) {
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str(&money(row.current, display_money(row.current)));
        out.push_str(&money(row.comparison, display_money(row.comparison)));
        out.push_str(&money(row.delta, signed_money(row.delta)));
        let _ = writeln!(
            out,
            "<td class=\"num\" title=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.change.plain()),
            escape(&row.change.text(1)),
            escape(&row.currency),
            row.status.as_str()
        );
    }
    let keys = summary.key_names.len() + usize::from(summary.with_units);
    for total in &comparison.totals {
        let _ = write!(
            out,
            "<tr class=\"total\"><td colspan=\"{}\">{}</td>",
            keys.max(1),
            escape(&total.label)
        );
        out.push_str(&money(total.current, display_money(total.current)));
        out.push_str(&money(total.comparison, display_money(total.comparison)));
        out.push_str(&money(total.delta, signed_money(total.delta)));
        let _ = writeln!(
            out,
            "<td class=\"num\" title=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&total.change.plain()),
            escape(&total.change.text(1)),
            escape(&total.currency),
            total_status(comparison, total)
        );
    }
    out.push_str(
        "</tbody>\n</table>\n<p>change % = (cost − compared) / compared, rounded half to even \
         to 0.1%; new: no cost in the compared period; gone: none in this one.</p>\n</section>\n",
    );
    out
}

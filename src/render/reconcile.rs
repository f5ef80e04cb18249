//! Renders reconciliation rows as CSV, JSON or a terminal table. Pure.

use crate::model::{money_text, quantity_text};
use crate::reconcile::{ReconcileRow, Side};
use crate::render::table::{Column, display_money, group_thousands, layout, output_width};
use anyhow::Result;
use serde_json::json;

/// Columns of `reconcile.csv` and `--format csv`. `quantity_difference` came last, after
/// `status`, so that readers that go by position keep working.
const HEADER: [&str; 12] = [
    "date",
    "sku",
    "unit",
    "billed_quantity",
    "billed_cost",
    "estimated_quantity",
    "estimated_cost",
    "difference",
    "currency",
    "flag",
    "status",
    "quantity_difference",
];

fn quantity(side: Option<Side>) -> String {
    side.map_or(String::new(), |s| quantity_text(s.quantity))
}

fn cost(side: Option<Side>) -> String {
    side.map_or(String::new(), |s| money_text(s.cost))
}

/// One line per day and SKU; exact figures; a side without data is empty.
pub fn csv(rows: &[ReconcileRow]) -> Result<Vec<u8>> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record(HEADER)?;
    for row in rows {
        out.write_record([
            row.day.to_string(),
            row.sku.clone(),
            row.unit.clone(),
            quantity(row.billed),
            cost(row.billed),
            quantity(row.estimated),
            cost(row.estimated),
            money_text(row.difference),
            row.currency.clone(),
            row.flag.as_str().to_string(),
            row.status.as_str().to_string(),
            quantity_text(row.quantity_difference),
        ])?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// `{tolerance, rows: [{date, sku, unit, billed, estimated, difference, quantity_difference,
/// currency, flag, status}]}`; a missing side is `null`; figures are exact strings.
/// The report's frame for JSON: range, as-of time and provisional days.
pub struct Frame<'a> {
    pub range: crate::model::DateRange,
    pub delay: crate::model::Delay,
    pub provisional_days: &'a [crate::model::Day],
}

pub fn json(rows: &[ReconcileRow], tolerance: &str, frame: &Frame<'_>) -> Vec<u8> {
    let side = |side: Option<Side>| {
        side.map(|s| json!({"quantity": quantity_text(s.quantity), "cost": money_text(s.cost)}))
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "date": row.day.to_string(),
                "sku": row.sku,
                "unit": row.unit,
                "billed": side(row.billed),
                "estimated": side(row.estimated),
                "difference": money_text(row.difference),
                "quantity_difference": quantity_text(row.quantity_difference),
                "currency": row.currency,
                "flag": row.flag.as_str(),
                "status": row.status.as_str(),
            })
        })
        .collect();
    let document = json!({
        "from": frame.range.from.to_string(),
        "to": frame.range.to.to_string(),
        "as_of": frame.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "provisional_days": frame
            .provisional_days
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        "tolerance": tolerance,
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Aligned columns, costs rounded to cents for reading; the flagged count last, with the
/// tolerance (a fraction) as a percentage: `--tolerance 0.5` is 50%, not 0.5%, and the table
/// must show which one it flagged at.
pub fn table(rows: &[ReconcileRow], tolerance: rust_decimal::Decimal) -> String {
    let header = [
        "date",
        "sku",
        "billed",
        "estimated",
        "difference",
        "quantity difference",
        "currency",
        "flag",
        "status",
    ];
    let money = |side: Option<Side>| side.map_or("-".to_string(), |s| display_money(s.cost));
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for row in rows {
        lines.push(vec![
            row.day.to_string(),
            row.sku.clone(),
            money(row.billed),
            money(row.estimated),
            display_money(row.difference),
            group_thousands(&quantity_text(row.quantity_difference)),
            row.currency.clone(),
            row.flag.as_str().to_string(),
            row.status.as_str().to_string(),
        ]);
    }
    let t = Column::TEXT;
    let f = Column::FIGURE;
    let columns = [t, Column::NAME, f, f, f, f, t, t, t];
    let (lines, _) = layout(&lines, &columns, output_width());
    let mut text = String::new();
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    let flagged = rows.iter().filter(|r| r.flag.is_flagged()).count();
    text.push_str(&format!(
        "{flagged} of {} day/SKU row(s) flagged at a tolerance of {}%\n",
        rows.len(),
        (tolerance * rust_decimal::Decimal::ONE_HUNDRED).normalize()
    ));
    text
}

//! The terminal table: groups by cost (descending), costs rounded half-even to cents with
//! thousands separators, and a total row. For reading, not for parsing (use CSV or JSON).

use crate::aggregate::{Summary, SummaryRow};
use crate::model::quantity_text;
use crate::scope::Scope;
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents, half to even, and groups thousands: `1234.565` → `1,234.56`.
pub fn display_money(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    let text = format!("{:.2}", rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// The table, under a heading that states its scope (`Scope::line`), with the split of each
/// provisional total into its final and provisional parts below it.
/// The rows as the terminal table and report.html show them: periods in order; inside a
/// period, the largest cost first; equal costs by their keys.
pub fn display_order(summary: &Summary) -> Vec<&SummaryRow> {
    let mut rows: Vec<&SummaryRow> = summary.rows.iter().collect();
    rows.sort_by(|a, b| {
        let period = |r: &SummaryRow| r.period.map(|p| (p.from, p.to));
        period(a)
            .cmp(&period(b))
            .then(b.cost.cmp(&a.cost))
            .then_with(|| a.keys.cmp(&b.keys))
    });
    rows
}

/// The width of each column in characters: its widest cell. Rows may differ in length.
pub fn column_widths<'a>(rows: impl IntoIterator<Item = &'a Vec<String>>) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        if widths.len() < row.len() {
            widths.resize(row.len(), 0);
        }
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    widths
}

/// One row as a line of text: each cell padded to its column's width, on the right or (where
/// `right` says) on the left, two spaces apart, without trailing spaces.
pub fn aligned_line(row: &[String], widths: &[usize], right: &[bool]) -> String {
    let mut line = String::new();
    for (c, cell) in row.iter().enumerate() {
        if c > 0 {
            line.push_str("  ");
        }
        let pad = " ".repeat(widths[c] - cell.chars().count());
        if right.get(c).copied().unwrap_or(false) {
            line.push_str(&pad);
            line.push_str(cell);
        } else {
            line.push_str(cell);
            line.push_str(&pad);
        }
    }
    line.trim_end().to_string()
}

/// Rows as lines of aligned columns (see `aligned_line`).
pub fn aligned(rows: &[Vec<String>], right: &[bool]) -> Vec<String> {
    let widths = column_widths(rows);
    rows.iter()
        .map(|row| aligned_line(row, &widths, right))
        .collect()
}

pub fn render(summary: &Summary, scope: &Scope) -> String {
    let mut header: Vec<String> = Vec::new();
    let periodic = summary.period != crate::model::Period::Total;
    if periodic {
        header.push("period".into());
    }
    header.extend(summary.key_names.iter().cloned());
    if summary.with_units {
        header.extend(["quantity".into(), "unit".into()]);
    }
    header.extend(["cost".into(), "currency".into(), "status".into()]);
    let numeric: Vec<bool> = header
        .iter()
        .map(|h| h == "cost" || h == "quantity")
        .collect();

    let rows = display_order(summary);
    let mut lines: Vec<Vec<String>> = vec![header.clone()];
    for row in rows {
        let mut line = Vec::new();
        if let Some(period) = row.period {
            line.push(if period.from == period.to {
                period.from.to_string()
            } else {
                format!("{}..{}", period.from, period.to)
            });
        }
        line.extend(row.keys.iter().map(|k| {
            if k.is_empty() {
                "-".into()
            } else {
                crate::output::visible(k).into_owned()
            }
        }));
        if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
            line.push(quantity_text(quantity));
            line.push(crate::output::visible(unit).into_owned());
        }
        line.push(display_money(row.cost));
        line.push(row.currency.clone());
        line.push(row.status.as_str().into());
        lines.push(line);
    }
    // One total row; with billed and estimated rows or several currencies, one per source
    // and currency (never their sum).
    let cost_column = header.iter().position(|h| h == "cost").unwrap_or(0);
    let status = if summary.provisional_days.is_empty() {
        "final"
    } else {
        "provisional"
    };
    let totals = summary.totals();
    let several = totals.len() > 1;
    let totals: Vec<Vec<String>> = totals
        .iter()
        .map(|total| {
            let mut row = vec![String::new(); header.len()];
            row[0] = total.label(several, summary.mixed_sources());
            row[cost_column] = display_money(total.cost);
            row[cost_column + 1] = total.currency.clone();
            row[header.len() - 1] = status.into();
            row
        })
        .collect();

    let widths = column_widths(lines.iter().chain(&totals));
    let format_line = |line: &[String]| aligned_line(line, &widths, &numeric);
    let rule: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ");
    let mut out = format!("{}: {}\n\n", scope.title(), scope.line());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&format_line(line));
        out.push('\n');
        if i == 0 {
            out.push_str(&rule);
            out.push('\n');
        }
    }
    out.push_str(&rule);
    out.push('\n');
    for total in &totals {
        out.push_str(&format_line(total));
        out.push('\n');
    }
    if status == "provisional" {
        for total in summary.totals() {
            let label = if several {
                format!("{}: ", total.label(several, summary.mixed_sources()))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{label}final {} + provisional {} = {} {}\n",
                display_money(total.final_cost),
                display_money(total.provisional),
                display_money(total.cost),
                total.currency
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn columns_align_by_characters_and_rows_may_be_ragged() {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let rows = [
            row(&["day", "cost", "note"]),
            row(&["2026-10-01", "1,234.50", ""]),
            // `é` and `×` are one character each but two bytes.
            row(&["été", "9.00"]),
            row(&["×", "10.00", "late", "extra"]),
        ];
        assert_eq!(column_widths(&rows), [10, 8, 4, 5]);
        assert_eq!(
            aligned(&rows, &[false, true]),
            [
                "day             cost  note",
                "2026-10-01  1,234.50",
                "été             9.00",
                "×              10.00  late  extra",
            ]
        );
    }

    #[test]
    fn display_rounds_half_even_with_thousands() {
        let d = |s: &str| display_money(Decimal::from_str(s).unwrap());
        assert_eq!(d("1234.565"), "1,234.56");
        assert_eq!(d("1234.575"), "1,234.58");
        assert_eq!(d("0.005"), "0.00");
        assert_eq!(d("0.015"), "0.02");
        assert_eq!(d("-1000000"), "-1,000,000.00");
        assert_eq!(d("-0.001"), "0.00");
        assert_eq!(d("999.999"), "1,000.00");
    }
}

//! The terminal table: groups by cost (descending), costs rounded half-even to cents with
//! thousands separators, quantities with thousands separators, and a total row. For reading,
//! not for parsing (use `--format csv` or `--format json`).
//!
//! Every table of tally is laid out by `layout`: text measured by display width (wide CJK
//! characters count two columns, combining marks none), figures right-aligned, and, when
//! stdout is a terminal, key cells cut in the middle so that a row fits the terminal's width
//! (`output_width`). Figures are never cut.

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

/// How a column of a table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Right-aligned (a figure) or left-aligned (text).
    pub right: bool,
    /// May be narrowed to fit the width, its cells cut in the middle (names, keys).
    pub shrink: bool,
}

impl Column {
    pub const TEXT: Column = Column {
        right: false,
        shrink: false,
    };
    pub const FIGURE: Column = Column {
        right: true,
        shrink: false,
    };
    pub const NAME: Column = Column {
        right: false,
        shrink: true,
    };
}

/// The fewest columns a narrowed name keeps.
const MIN_NAME: usize = 10;

/// The width, in terminal columns, that tables fit; `None`: as wide as their cells.
///
/// `TALLY_COLUMNS=N` sets it for any output (tests, or a script that wants a set width);
/// otherwise, when stdout is a terminal, its width (`terminal_size`), or `COLUMNS` when the
/// terminal does not say. When stdout is a file or a pipe, tables are never narrowed, so their
/// bytes do not depend on where they are written.
pub fn output_width() -> Option<usize> {
    use std::io::IsTerminal;
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|w| *w >= 20)
    };
    if let Some(width) = from_env("TALLY_COLUMNS") {
        return Some(width);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .filter(|w| *w >= 20)
        .or_else(|| from_env("COLUMNS"))
}

/// The display width of `text` in a terminal.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` cut in the middle with "…" to at most `width` terminal columns, keeping its start
/// and its end (where names tend to differ: "… (aws us-east-1)").
#[cfg(test)]
pub fn cut_middle(text: &str, width: usize) -> String {
    cut_middle_keeping(text, width, 45)
}

/// `cut_middle`, keeping `tail` percent of the room for the end.
fn cut_middle_keeping(text: &str, width: usize, tail: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    let chars: Vec<(char, usize)> = text
        .chars()
        .map(|c| (c, unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)))
        .collect();
    let room = width.saturating_sub(1);
    let back_room = room * tail / 100;
    let mut back = Vec::new();
    let mut used = 0;
    for (c, w) in chars.iter().rev() {
        if used + w > back_room {
            break;
        }
        used += w;
        back.push(*c);
    }
    let mut front = String::new();
    for (c, w) in &chars {
        if used + w > room {
            break;
        }
        used += w;
        front.push(*c);
    }
    let back: String = back.into_iter().rev().collect();
    format!("{}…{}", front.trim_end(), back.trim_start())
}

/// Lays out `rows` in columns two spaces apart, each as wide as its widest cell (display
/// width); figures right-aligned. When `max_width` is given and the rows are wider, the
/// `shrink` columns are narrowed, widest first, to no fewer than 10 columns, and their cells
/// cut in the middle. Returns the lines (trailing spaces trimmed) and the column widths.
pub fn layout(
    rows: &[Vec<String>],
    columns: &[Column],
    max_width: Option<usize>,
) -> (Vec<String>, Vec<usize>) {
    let mut widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| display_width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    if let Some(max) = max_width {
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
        while total(&widths) > max {
            let widest = (0..columns.len())
                .filter(|c| columns[*c].shrink && widths[*c] > MIN_NAME)
                .max_by_key(|c| (widths[*c], std::cmp::Reverse(*c)));
            let Some(c) = widest else { break };
            widths[c] -= 1;
        }
    }
    // Per narrowed column, how much of the end its cuts keep: the least that keeps the
    // column's different names different ("…tier 1 (aws us-east-1)", "…tier 2 (…)").
    let tails: Vec<usize> = (0..columns.len())
        .map(|c| {
            let cells: Vec<&String> = rows.iter().filter_map(|r| r.get(c)).collect();
            [45, 60, 75, 90]
                .into_iter()
                .find(|tail| {
                    let mut seen = std::collections::HashMap::new();
                    cells.iter().all(|cell| {
                        let cut = cut_middle_keeping(cell, widths[c], *tail);
                        *seen.entry(cut).or_insert(cell.as_str()) == cell.as_str()
                    })
                })
                .unwrap_or(45)
        })
        .collect();
    let lines = rows
        .iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(columns.iter().zip(&widths).zip(&tails))
                .map(|(cell, ((column, width), tail))| {
                    let cell = if column.shrink {
                        cut_middle_keeping(cell, *width, *tail)
                    } else {
                        cell.clone()
                    };
                    let pad = " ".repeat(width.saturating_sub(display_width(&cell)));
                    if column.right {
                        format!("{pad}{cell}")
                    } else {
                        format!("{cell}{pad}")
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect();
    (lines, widths)
}

/// A number's text with its whole part grouped by thousands: `1257050222.5` →
/// `1,257,050,222.5`; the decimals stay as they are.
pub fn group_thousands(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    if !int.chars().all(|c| c.is_ascii_digit()) {
        return text.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(frac) => format!("{sign}{grouped}.{frac}"),
        None => format!("{sign}{grouped}"),
    }
}

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

/// Rows as lines of columns laid out by `layout`, left-aligned or (where `right` says)
/// right-aligned, never narrowed to the terminal. Rows may differ in length.
pub fn aligned(rows: &[Vec<String>], right: &[bool]) -> Vec<String> {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let columns: Vec<Column> = (0..count)
        .map(|c| {
            if right.get(c).copied().unwrap_or(false) {
                Column::FIGURE
            } else {
                Column::TEXT
            }
        })
        .collect();
    layout(rows, &columns, None).0
}

/// The table, under a heading that states its scope (`Scope::line`), with the split of each
/// provisional total into its final and provisional parts below it.
pub fn render(summary: &Summary, scope: &Scope) -> String {
    render_to_width(summary, scope, output_width())
}

/// The table fitted to `max_width` columns (see `layout`); `None`: as wide as its cells.
pub fn render_to_width(summary: &Summary, scope: &Scope, max_width: Option<usize>) -> String {
    let mut header: Vec<String> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let periodic = summary.period != crate::model::Period::Total;
    if periodic {
        header.push("period".into());
        columns.push(Column::TEXT);
    }
    header.extend(summary.key_names.iter().cloned());
    columns.extend(summary.key_names.iter().map(|_| Column::NAME));
    if summary.with_units {
        header.extend(["quantity".into(), "unit".into()]);
        columns.extend([Column::FIGURE, Column::TEXT]);
    }
    header.extend(["cost".into(), "currency".into(), "status".into()]);
    columns.extend([Column::FIGURE, Column::TEXT, Column::TEXT]);

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
            line.push(group_thousands(&quantity_text(quantity)));
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

    let body = lines.len();
    let all: Vec<Vec<String>> = lines.into_iter().chain(totals).collect();
    let (formatted, widths) = layout(&all, &columns, max_width);
    let rule: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ");
    let mut out = format!("{}: {}\n\n", scope.title(), scope.line());
    for (i, line) in formatted.iter().enumerate() {
        if i == body {
            out.push_str(&rule);
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        if i == 0 {
            out.push_str(&rule);
            out.push('\n');
        }
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
        let columns = [Column::TEXT, Column::FIGURE, Column::TEXT, Column::TEXT];
        assert_eq!(layout(&rows, &columns, None).1, [10, 8, 4, 5]);
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

    #[test]
    fn table_cells_by_display_width() {
        assert_eq!(display_width("東京"), 4);
        assert_eq!(display_width("abc"), 3);
        assert_eq!(
            cut_middle("Serverless Read Units (aws us-east-1)", 20),
            "Serverless…-east-1)"
        );
        // Two-column characters: 11 of 12 columns used, never 13.
        assert_eq!(
            cut_middle("東京リージョン 読み取りユニット", 12),
            "東京リ…ット"
        );
        assert!(display_width(&cut_middle("東京リージョン 読み取りユニット", 11)) <= 11);
        assert_eq!(group_thousands("1257050222.5"), "1,257,050,222.5");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("999.123456"), "999.123456");
        let rows = vec![
            vec!["name".to_string(), "cost".to_string()],
            vec!["東京".to_string(), "1.00".to_string()],
            vec![
                "a much longer name here".to_string(),
                "1,000.00".to_string(),
            ],
        ];
        let (lines, _) = layout(&rows, &[Column::NAME, Column::FIGURE], None);
        assert_eq!(lines[1], "東京                         1.00");
        let (lines, widths) = layout(&rows, &[Column::NAME, Column::FIGURE], Some(22));
        assert_eq!(widths, [12, 8]);
        assert_eq!(lines[2], "a much…here   1,000.00");
        assert!(lines.iter().all(|l| display_width(l) <= 22));
    }
}

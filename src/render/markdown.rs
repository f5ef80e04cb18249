//! `--format markdown`: the terminal table as a GitHub-flavoured Markdown table, for docs,
//! tickets and chat. The same heading (scope line), rows in the same order, the same figures
//! (rounded half-even to cents, thousands grouped), the total rows and the final + provisional
//! split. Text from inputs is made visible (control characters) and escaped (`|`, and the
//! characters Markdown would read as emphasis, code, links or HTML), so that a value is shown
//! as it is and never breaks a row.

use crate::aggregate::Summary;
use crate::model::quantity_text;
use crate::render::table::{display_money, display_order};
use crate::scope::Scope;

/// A value from an input (or any text) as one Markdown table cell: control characters made
/// visible, then every character Markdown gives a meaning inside a cell escaped with a
/// backslash.
pub fn cell(text: &str) -> String {
    let visible = crate::output::visible(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if matches!(
            c,
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~' | '#' | '!' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Markdown document: `**Cost**: scope line`, a blank line, the table (groups, then one
/// total row per source and currency in bold), and for a provisional report the split of each
/// total into its final and provisional parts.
pub fn render(summary: &Summary, scope: &Scope) -> String {
    let periodic = summary.period != crate::model::Period::Total;
    let mut header: Vec<String> = Vec::new();
    if periodic {
        header.push("period".into());
    }
    header.extend(summary.key_names.iter().map(|k| cell(k)));
    if summary.with_units {
        header.extend(["quantity".into(), "unit".into()]);
    }
    header.extend(["cost".into(), "currency".into(), "status".into()]);
    let align: Vec<&str> = header
        .iter()
        .map(|h| {
            if h == "cost" || h == "quantity" {
                "---:"
            } else {
                "---"
            }
        })
        .collect();

    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in display_order(summary) {
        let mut line = Vec::with_capacity(header.len());
        if let Some(period) = row.period {
            line.push(if period.from == period.to {
                period.from.to_string()
            } else {
                format!("{}..{}", period.from, period.to)
            });
        }
        line.extend(row.keys.iter().map(|k| {
            if k.is_empty() {
                "-".to_string()
            } else {
                cell(k)
            }
        }));
        if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
            line.push(quantity_text(quantity));
            line.push(cell(unit));
        }
        line.push(display_money(row.cost));
        line.push(cell(&row.currency));
        line.push(match row.status {
            crate::model::Status::Provisional => "*provisional*".to_string(),
            crate::model::Status::Final => "final".to_string(),
        });
        rows.push(line);
    }
    let cost_column = header.iter().position(|h| h == "cost").unwrap_or(0);
    let provisional = !summary.provisional_days.is_empty();
    let totals = summary.totals();
    let several = totals.len() > 1;
    for total in &totals {
        let mut line = vec![String::new(); header.len()];
        line[0] = format!(
            "**{}**",
            cell(&total.label(several, summary.mixed_sources()))
        );
        line[cost_column] = format!("**{}**", display_money(total.cost));
        line[cost_column + 1] = cell(&total.currency);
        line[header.len() - 1] = if provisional {
            "*provisional*".into()
        } else {
            "final".into()
        };
        rows.push(line);
    }

    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = format!("**{}**: {}\n\n", scope.title(), cell(&scope.line()));
    out.push_str(&line(&header));
    out.push_str(&format!("|{}|\n", align.join("|")));
    for row in &rows {
        out.push_str(&line(row));
    }
    if provisional {
        out.push('\n');
        for total in &totals {
            let label = if several {
                format!("{}: ", cell(&total.label(several, summary.mixed_sources())))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{label}final {} + provisional {} = {} {}  \n",
                display_money(total.final_cost),
                display_money(total.provisional),
                display_money(total.cost),
                cell(&total.currency)
            ));
        }
        out.push_str(&format!(
            "\n*provisional*: cost data can arrive up to {} days late; these figures may still \
             grow.\n",
            summary.delay.delay_days
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_escape_pipes_markup_and_controls() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("analytics, EMEA"), "analytics, EMEA");
        assert_eq!(cell("*x*_y_`z`"), "\\*x\\*\\_y\\_\\`z\\`");
        assert_eq!(cell("back\\slash"), "back\\\\slash");
        assert_eq!(cell("<b>"), "\\<b\\>");
        // A line break would end the row: it is shown as an escape, its backslash escaped.
        assert_eq!(cell("a\nb"), "a\\\\u{a}b");
        assert_eq!(cell("esc\u{1b}[0m"), "esc\\\\u{1b}\\[0m");
    }
}

//! `report.html`: one self-contained page (inline CSS, inline SVG charts, no script, no
//! external request) with a header, the totals, the charts, the summary table (by cost, with
//! a total row) and the daily table. Pure: a summary and the chart SVGs in, bytes out.
//!
//! Every value that comes from input data (names, keys, units, file names) goes through
//! `escape`. Money is shown rounded half-even to cents with thousands separators
//! (`display_money`); each cell's `title` holds the exact figure. The page holds no run time,
//! so the same inputs give the same bytes.

use crate::aggregate::{DailyRow, Summary, SummaryRow};
use crate::model::{Status, money_text, quantity_text};
use crate::render::table::{display_money, display_order};
use crate::scope::Scope;
use rust_decimal::Decimal;
use std::fmt::Write;

/// One input file as the header lists it.
#[derive(Debug, Clone)]
pub struct InputLine {
    pub name: String,
    /// The detected kind (`usage-csv`, `focus-csv`, …).
    pub kind: String,
}

/// One chart to embed: a heading and the SVG document.
#[derive(Debug, Clone)]
pub struct EmbeddedChart {
    pub title: String,
    /// The SVG as plotters writes it: an `<svg>` element with no XML prolog.
    pub svg: String,
}

/// What the page shows besides the summary.
#[derive(Debug, Clone)]
pub struct HtmlReport<'a> {
    pub summary: &'a Summary,
    /// What the figures cover, stated in the header (and "Estimated cost" in the title when
    /// every figure is an estimate).
    pub scope: &'a Scope,
    pub inputs: &'a [InputLine],
    pub charts: &'a [EmbeddedChart],
    /// Why there are no charts (for example `--no-charts`), shown in their place.
    pub charts_note: Option<String>,
    /// `--compare`: the comparison section, rendered (`render::compare::html`), after the
    /// summary table.
    pub comparison: Option<String>,
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML and HTML allow no NUL or ESC, not even as a reference: made visible.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&crate::output::visible(c.encode_utf8(&mut [0; 4])))
            }
            other => out.push(other),
        }
    }
    out
}

/// Groups the integer part of a plain decimal by thousands: `1234567.5` → `1,234,567.5`.
pub fn group_thousands(plain: &str) -> String {
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
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

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1280px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.meta dt { color: #666; }
dl.meta dd { margin: 0; }
.notice { background: #fff6db; border-left: 4px solid #e0a800; padding: 8px 12px; margin: 12px 0; }
p.notice-final { background: #eef7ee; border-left: 4px solid #009e73; padding: 8px 12px;
  margin: 12px 0; }
.totals { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0; }
.totals > div { border: 1px solid #ddd; border-radius: 4px; padding: 8px 16px; min-width: 200px; }
.totals .label { color: #666; font-size: 12px; }
.totals .value { font-size: 22px; font-variant-numeric: tabular-nums; }
figure { margin: 16px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; max-width: 1200px; display: block; border: 1px solid #eee; }
figcaption { color: #666; font-size: 12px; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f4f4f4; border-bottom: 1px solid #ccc; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.provisional td { color: #7a5b00; }
td.credit, tr.provisional td.credit { color: #a3322f; }
.tag { display: inline-block; font-size: 11px; line-height: 1.2; font-weight: normal;
  border: 1px solid currentColor; border-radius: 3px; padding: 0 4px; margin-right: 6px; }
td.empty { color: #666; font-style: italic; }
tr.subtotal td { font-weight: bold; background: #f7f7f7; }
td.share { color: #444; }
tfoot td { font-weight: bold; border-top: 2px solid #999; border-bottom: none; }
footer { margin-top: 32px; color: #595959; font-size: 12px; }
.print-only { display: none; }
@media print {
  body { padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  /* The total row once, at the end of the table, not at the foot of every page. */
  tfoot { display: table-row-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  figure svg { border: none; max-width: none; }
  .notice, p.notice-final, tr.subtotal td { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  /* The daily table runs to many pages: printed, it is left out (daily.csv has it). */
  #daily-section { display: none; }
  .print-only { display: block; }
  span.print-only { display: inline; }
  .screen-only { display: none; }
}
/* Landscape with 10 mm margins: a chart across the page keeps its text at 8 pt or more on
   A4 and Letter. */
@page { size: landscape; margin: 10mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 9pt;
    color: #595959; } }
"#;

/// A money cell: rounded to cents with separators and the currency; the exact figure in the
/// tooltip. A negative amount (a credit or refund) keeps its minus sign, is set in red and is
/// tagged "credit" in words, so that colour is never the only sign.
fn money_cell(value: Decimal, currency: &str) -> String {
    let (class, tag) = if value.is_sign_negative() && !value.is_zero() {
        ("num credit", "<span class=\"tag\">credit</span>")
    } else {
        ("num", "")
    };
    format!(
        "<td class=\"{class}\" title=\"{}\">{tag}{}&nbsp;{}</td>",
        escape(&money_text(value)),
        display_money(value),
        escape(currency)
    )
}

fn key_text(value: &str) -> String {
    if value.is_empty() {
        "–".to_string()
    } else {
        escape(value)
    }
}

/// A period as a table cell: one day, or `from to to`.
fn period_text(from: crate::model::Day, to: crate::model::Day) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} to {to}")
    }
}

/// `part` as a share of `whole`, rounded half-even to one decimal: `35.8%`.
fn share_text(part: Decimal, whole: Decimal) -> String {
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .map(|p| p.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven))
        .map_or(String::new(), |p| format!("{p:.1}%"))
}

fn days_in_words(days: &[crate::model::Day]) -> String {
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if first == last => first.to_string(),
        (Some(first), Some(last)) => format!("{first} to {last} ({} days)", days.len()),
        _ => String::new(),
    }
}

/// Renders the page.
pub fn render(report: &HtmlReport<'_>) -> Vec<u8> {
    let summary = report.summary;
    let mut out = String::with_capacity(64 * 1024);
    let range = format!("{} to {}", summary.range.from, summary.range.to);
    let as_of = summary.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let by = summary.key_names.join(", ");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} report {range} by {by_title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        title = report.scope.title(),
        by_title = escape(&by),
    );

    // Header.
    let _ = writeln!(
        out,
        "<header>\n<h1>{} report, {range}</h1>",
        report.scope.title()
    );
    out.push_str("<dl class=\"meta\">\n");
    let _ = writeln!(
        out,
        "<dt>Scope</dt><dd id=\"scope\">{}</dd>",
        escape(&report.scope.line())
    );
    let _ = writeln!(out, "<dt>Range</dt><dd>{range} (UTC days, inclusive)</dd>");
    let _ = writeln!(out, "<dt>As of</dt><dd>{as_of}</dd>");
    let _ = writeln!(out, "<dt>Grouped by</dt><dd>{}</dd>", escape(&by));
    out.push_str("<dt>Inputs</dt><dd>");
    if report.inputs.is_empty() {
        out.push_str("none");
    }
    for (i, input) in report.inputs.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        let _ = write!(
            out,
            "{} <span style=\"color:#666\">({})</span>",
            escape(&input.name),
            escape(&input.kind)
        );
    }
    out.push_str("</dd>\n</dl>\n");
    let empty = summary.rows.is_empty();
    if empty {
        let _ = writeln!(
            out,
            "<p class=\"notice\" id=\"no-data\"><strong>No data in this range</strong> \
             ({range}): no input row falls in it, so every total is zero and there is \
             nothing to chart.</p>"
        );
    }
    match (
        summary.provisional_days.first(),
        summary.provisional_days.last(),
    ) {
        (Some(_), Some(last)) => {
            let _ = writeln!(
                out,
                "<p class=\"notice\"><strong>Provisional:</strong> costs for {} are \
                 provisional: cost data can arrive up to {} days late. Re-run on or after \
                 {}T00:00Z for final figures.</p>",
                days_in_words(&summary.provisional_days),
                summary.delay.delay_days,
                summary.delay.final_at(*last)
            );
        }
        _ if empty => {}
        _ => out.push_str("<p class=\"notice-final\">Every day in this report is final.</p>\n"),
    }
    out.push_str("</header>\n");

    // Totals as the summary gives them (one, or one per source and currency: an estimate is
    // never added to a bill), each with the part that rests on provisional days.
    let source_at = summary
        .key_names
        .iter()
        .position(|k| k == "source")
        .filter(|_| summary.mixed_sources());
    out.push_str("<section>\n<h2>Totals</h2>\n<div class=\"totals\">\n");
    for total in summary.totals() {
        let label = match source_at {
            Some(_) => format!("Total {}", escape(&total.source)),
            None => "Total".to_string(),
        };
        let _ = writeln!(
            out,
            "<div><div class=\"label\">{label}</div><div class=\"value\" id=\"total\" \
             title=\"{exact}\">{shown}&nbsp;{cur}</div></div>",
            exact = money_text(total.cost),
            shown = display_money(total.cost),
            cur = escape(&total.currency)
        );
        // The split, summed exactly: final + provisional = total.
        if !summary.provisional_days.is_empty() {
            for (label, part) in [
                ("of which final", total.final_cost),
                ("of which provisional", total.provisional),
            ] {
                let _ = writeln!(
                    out,
                    "<div><div class=\"label\">{label}</div><div class=\"value\" \
                     title=\"{exact}\">{shown}&nbsp;{cur}</div></div>",
                    exact = money_text(part),
                    shown = display_money(part),
                    cur = escape(&total.currency)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "<div><div class=\"label\">Groups</div><div class=\"value\">{}</div></div>",
        summary.rows.len()
    );
    out.push_str("</div>\n</section>\n");

    // Charts.
    if !report.charts.is_empty() || report.charts_note.is_some() {
        out.push_str("<section>\n<h2>Charts</h2>\n");
        if let Some(note) = &report.charts_note {
            let _ = writeln!(out, "<p>{}</p>", escape(note));
        }
        for chart in report.charts {
            let _ = writeln!(
                out,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                chart.svg.trim(),
                escape(&chart.title)
            );
        }
        out.push_str("</section>\n");
    }

    summary_table(&mut out, summary);
    if let Some(section) = &report.comparison {
        out.push_str(section);
    }
    daily_table(&mut out, summary);

    let _ = writeln!(
        out,
        "<footer>Made by tally {}. Amounts are rounded half to even to cents for display; \
         <span class=\"screen-only\">each figure's tooltip holds the exact amount, as do \
         summary.csv and daily.csv.</span><span class=\"print-only\">summary.csv and \
         daily.csv hold the exact amounts.</span></footer>\n\
         </body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out.into_bytes()
}

/// Rows of the summary table under one period and one first key: (period, first key, rows).
type Group<'a> = (
    Option<(crate::model::Day, crate::model::Day)>,
    String,
    Vec<&'a SummaryRow>,
);

fn summary_table(out: &mut String, summary: &Summary) {
    let periodic = summary.period != crate::model::Period::Total;
    out.push_str("<section>\n<h2>Summary</h2>\n<table id=\"summary\">\n<thead><tr>");
    if periodic {
        out.push_str("<th>period</th>");
    }
    for name in &summary.key_names {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    if summary.with_units {
        out.push_str("<th class=\"num\">quantity</th><th>unit</th>");
    }
    // A share of the total when there is one total (one currency, one source) to share and
    // every row is a charge: with credits, a share of a net total is no share (a charge can
    // be 108% of it).
    let totals = summary.totals();
    let no_credit = summary.rows.iter().all(|r| !r.cost.is_sign_negative());
    let whole = match totals.as_slice() {
        [total] if total.cost > Decimal::ZERO && no_credit => Some(total.cost),
        _ => None,
    };
    out.push_str("<th class=\"num\">cost</th>");
    if whole.is_some() {
        out.push_str("<th class=\"num\">share</th>");
    }
    out.push_str("<th>status</th></tr></thead>\n<tbody>\n");
    let share_cell = |cost: Decimal| match whole {
        Some(whole) => format!("<td class=\"num share\">{}</td>", share_text(cost, whole)),
        None => String::new(),
    };
    let period_of = |r: &SummaryRow| r.period.map(|p| (p.from, p.to));
    let nested = summary.key_names.len() > 1;
    // Groups: per period (in order), per first key when keys are nested, largest first;
    // inside a group, the rows in the terminal table's order (`display_order`).
    let mut groups: Vec<Group> = Vec::new();
    for row in display_order(summary) {
        let first = if nested {
            row.keys.first().cloned().unwrap_or_default()
        } else {
            String::new()
        };
        let period = period_of(row);
        match groups
            .iter_mut()
            .find(|(p, f, _)| *p == period && *f == first)
        {
            Some((_, _, rows)) => rows.push(row),
            None => groups.push((period, first, vec![row])),
        }
    }
    let sum = |rows: &[&SummaryRow]| -> Option<Decimal> {
        rows.iter()
            .try_fold(Decimal::ZERO, |acc, r| acc.checked_add(r.cost))
    };
    groups.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(sum(&b.2).cmp(&sum(&a.2)))
            .then_with(|| a.1.cmp(&b.1))
    });
    let one_currency = summary.currency.clone();
    let status_of = |rows: &[&SummaryRow]| {
        if rows.iter().any(|r| r.status == Status::Provisional) {
            Status::Provisional
        } else {
            Status::Final
        }
    };
    let cells_after_keys = 2 * usize::from(summary.with_units);
    for (g, (period, first, rows)) in groups.iter().enumerate() {
        for row in rows {
            let _ = write!(out, "<tr class=\"{}\">", row.status.as_str());
            if let Some(period) = row.period {
                if period.from == period.to {
                    let _ = write!(out, "<td>{}</td>", period.from);
                } else {
                    let _ = write!(out, "<td>{} to {}</td>", period.from, period.to);
                }
            }
            for key in &row.keys {
                let _ = write!(out, "<td>{}</td>", key_text(key));
            }
            if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
                let _ = write!(
                    out,
                    "<td class=\"num\">{}</td><td>{}</td>",
                    group_thousands(&quantity_text(quantity)),
                    escape(unit)
                );
            }
            out.push_str(&money_cell(row.cost, &row.currency));
            out.push_str(&share_cell(row.cost));
            let _ = writeln!(out, "<td>{}</td></tr>", row.status.as_str());
        }
        // A subtotal for a first key of several rows, in one currency.
        let (Some(total), Some(currency)) = (sum(rows), one_currency.as_ref()) else {
            continue;
        };
        if nested && rows.len() > 1 {
            out.push_str("<tr class=\"subtotal\">");
            if let Some((from, to)) = period {
                let _ = write!(out, "<td>{}</td>", period_text(*from, *to));
            }
            let _ = write!(
                out,
                "<td>{}</td><td colspan=\"{}\">subtotal</td>",
                key_text(first),
                summary.key_names.len() - 1 + cells_after_keys
            );
            out.push_str(&money_cell(total, currency));
            out.push_str(&share_cell(total));
            let _ = writeln!(out, "<td>{}</td></tr>", status_of(rows).as_str());
        }
        // A subtotal per period, after its last group.
        let last_of_period = groups.get(g + 1).is_none_or(|next| next.0 != *period);
        if let (Some((from, to)), true) = (period, last_of_period) {
            let in_period: Vec<&SummaryRow> = groups
                .iter()
                .filter(|(p, _, _)| p == &Some((*from, *to)))
                .flat_map(|(_, _, rows)| rows.iter().copied())
                .collect();
            if let Some(total) = sum(&in_period) {
                let _ = write!(
                    out,
                    "<tr class=\"subtotal\"><td>{}</td><td colspan=\"{}\">period subtotal</td>",
                    period_text(*from, *to),
                    summary.key_names.len() + cells_after_keys
                );
                out.push_str(&money_cell(total, currency));
                out.push_str(&share_cell(total));
                let _ = writeln!(out, "<td>{}</td></tr>", status_of(&in_period).as_str());
            }
        }
    }
    let span =
        usize::from(periodic) + summary.key_names.len() + 2 * usize::from(summary.with_units);
    if summary.rows.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td class=\"empty\" colspan=\"{}\">No data in this range.</td></tr>",
            span + 2
        );
    }
    out.push_str("</tbody>\n<tfoot>");
    let status = if summary.provisional_days.is_empty() {
        Status::Final
    } else {
        Status::Provisional
    };
    // One total row; with billed and estimated rows or several currencies, one per source
    // and currency (never their sum).
    let several = totals.len() > 1;
    let totals: Vec<(String, Decimal, String)> = totals
        .iter()
        .map(|t| {
            (
                t.label(several, summary.mixed_sources()),
                t.cost,
                t.currency.clone(),
            )
        })
        .collect();
    for (label, total, currency) in totals {
        let _ = write!(
            out,
            "<tr><td colspan=\"{}\">{}</td>",
            span.max(1),
            escape(&label)
        );
        out.push_str(&money_cell(total, &currency));
        out.push_str(&share_cell(total));
        let _ = writeln!(out, "<td>{}</td></tr>", status.as_str());
    }
    out.push_str("</tfoot>\n</table>\n</section>\n");
}

fn daily_table(out: &mut String, summary: &Summary) {
    out.push_str(
        "<p class=\"print-only\">The daily table is left out of the printed page; \
         daily.csv holds every day.</p>\n",
    );
    out.push_str("<section id=\"daily-section\">\n<h2>Daily</h2>\n<table id=\"daily\">\n<thead><tr><th>date</th>");
    for name in &summary.key_names {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    out.push_str("<th class=\"num\">cost</th><th>status</th></tr></thead>\n<tbody>\n");
    for row in &summary.daily {
        let DailyRow {
            day,
            keys,
            cost,
            currency,
            status,
        } = row;
        let _ = write!(out, "<tr class=\"{}\"><td>{day}</td>", status.as_str());
        for key in keys {
            let _ = write!(out, "<td>{}</td>", key_text(key));
        }
        out.push_str(&money_cell(*cost, currency));
        let _ = writeln!(out, "<td>{}</td></tr>", status.as_str());
    }
    if summary.daily.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td class=\"empty\" colspan=\"{}\">No data in this range.</td></tr>",
            summary.key_names.len() + 3
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KeyKind;
    use crate::render::chart::usage::tests::summary_of;

    fn page(summary: &Summary) -> String {
        let inputs = [InputLine {
            name: "usage <2026>.csv".into(),
            kind: "usage-csv".into(),
        }];
        let scope = Scope::new(summary, &Default::default(), false, &[], &[]);
        let html = render(&HtmlReport {
            summary,
            scope: &scope,
            inputs: &inputs,
            charts: &[],
            charts_note: None,
            comparison: None,
        });
        String::from_utf8(html).unwrap()
    }

    #[test]
    fn html_escapes_input_values_and_totals_match() {
        let summary = summary_of(
            KeyKind::Project,
            &[
                ("2026-10-01", "<b>&\"x\"", "1234.565"),
                ("2026-10-02", "it's", "1000"),
                ("2026-10-04", "plain", "0.001"),
            ],
        );
        let html = page(&summary);
        assert!(html.contains("<td>&lt;b&gt;&amp;&quot;x&quot;</td>"));
        assert!(html.contains("<td>it&#39;s</td>"));
        assert!(!html.contains("<b>&"));
        assert!(html.contains("usage &lt;2026&gt;.csv"));
        // Total = 2234.566, shown half-even to cents with separators; exact in the title.
        assert_eq!(summary.total.unwrap().to_string(), "2234.566");
        assert!(html.contains(
            "<div class=\"value\" id=\"total\" title=\"2234.566\">2,234.57&nbsp;USD</div>"
        ));
        let footer = html.split("<tfoot>").nth(1).unwrap();
        assert!(footer.contains(">2,234.57&nbsp;USD</td>"));
        // Summary rows by cost, descending; 1234.565 rounds half-even to 1,234.56.
        let summary_table = html.split("id=\"summary\"").nth(1).unwrap();
        let first = summary_table.find("1,234.56&nbsp;USD").unwrap();
        let second = summary_table.find("1,000.00&nbsp;USD").unwrap();
        assert!(first < second);
        // Self-contained: no external reference of any kind.
        for needle in ["http://", "https://", "src=", "<link", "<script", "@import"] {
            assert!(!html.contains(needle), "{needle}");
        }
    }

    #[test]
    fn html_says_which_days_are_provisional() {
        let summary = summary_of(KeyKind::Sku, &[("2026-10-01", "a", "1")]);
        let html = page(&summary);
        assert!(html.contains(
            "costs for 2026-10-03 to 2026-10-05 (3 days) are provisional: cost data can \
             arrive up to 3 days late. Re-run on or after 2026-10-09T00:00Z"
        ));
    }

    #[test]
    fn html_groups_thousands() {
        assert_eq!(group_thousands("1234567.891"), "1,234,567.891");
        assert_eq!(group_thousands("-1000"), "-1,000");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(escape("<'&\">"), "&lt;&#39;&amp;&quot;&gt;");
    }

    #[test]
    fn html_marks_credits_in_words_not_colour_alone() {
        // Before: "-300.00&nbsp;USD" in a plain cell, like any charge.
        let summary = summary_of(
            KeyKind::Service,
            &[
                ("2026-10-01", "database", "90"),
                ("2026-10-01", "credits", "-300"),
            ],
        );
        let html = page(&summary);
        let credit = "<td class=\"num credit\" title=\"-300.00\"><span class=\"tag\">credit</span>\
                      -300.00&nbsp;USD</td>";
        let daily = html.split("id=\"daily\"").nth(1).unwrap();
        let summary_table = html.split("id=\"summary\"").nth(1).unwrap();
        assert!(daily.contains(credit), "{daily}");
        assert!(
            summary_table
                .split("id=\"daily\"")
                .next()
                .unwrap()
                .contains(credit)
        );
        // A charge has neither the style nor the tag; the net total is negative, so tagged.
        assert!(html.contains("<td class=\"num\" title=\"90.00\">90.00&nbsp;USD</td>"));
        let footer = html.split("<tfoot>").nth(1).unwrap();
        assert!(footer.contains("<span class=\"tag\">credit</span>-210.00&nbsp;USD"));
        assert!(html.contains("td.credit"));
    }

    #[test]
    fn html_empty_range_says_no_data_not_final() {
        // Before: a green "Every day in this report is final." over empty charts and tables.
        let mut summary = summary_of(KeyKind::Sku, &[]);
        summary.provisional_days.clear();
        let html = page(&summary);
        assert!(html.contains(
            "<p class=\"notice\" id=\"no-data\"><strong>No data in this range</strong> \
             (2026-10-01 to 2026-10-05)"
        ));
        assert!(!html.contains("Every day in this report is final"));
        assert_eq!(html.matches("No data in this range.</td>").count(), 2);
        // Provisional days still say that data can arrive late.
        let late = page(&summary_of(KeyKind::Sku, &[]));
        assert!(late.contains("No data in this range"));
        assert!(late.contains("are provisional"));
    }
}

//! `report.xlsx` (and `--format xlsx`): the report as an Excel workbook for closing the month
//! in a spreadsheet. Sheets: Summary (groups, subtotals per first key, totals per source and
//! currency, share), Compare (with `--compare`), one sheet for the `--period` when given (`By
//! month`: a row per group, a column per month), Daily, Inputs (the manifest's files, hashes,
//! kinds and row accounting) and Notes (range, as-of, filters, provisional days, the rounding
//! rule).
//!
//! Money is written as numbers with a currency number format. A spreadsheet number is a binary
//! double that holds 15 significant digits: a figure with more is written as the nearest number
//! and its exact decimal text goes into the `exact cost` column beside it (the column exists
//! when at least one figure of the sheet needs it, and then holds every row's exact text).
//! Provisional rows are marked in their status column and shaded. The bytes depend only on the
//! inputs and options: the document's creation time is the as-of time, zip entries carry a
//! fixed time (the writer's), rows come in the summary's order. The Daily sheet, the one that
//! grows with the data, is written in the writer's constant-memory mode (row by row through a
//! temporary file), so its cells are never all held in memory.

use crate::aggregate::{RowCounts, Summary, SummaryRow, Total};
use crate::model::{Day, Status, money_text, quantity_text};
use crate::scope::Scope;
use anyhow::{Context, Result};
use chrono::{Datelike, Timelike};
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet,
};
use std::collections::BTreeMap;

/// The most significant digits a spreadsheet number keeps exactly.
pub const SPREADSHEET_DIGITS: u32 = 15;

/// Rows a worksheet holds (Excel's limit).
const MAX_ROWS: usize = 1_048_576;

/// Columns a worksheet holds (Excel's limit).
const MAX_COLUMNS: usize = 16_384;

/// One input, as the manifest lists it.
pub struct InputRow<'a> {
    pub path: &'a str,
    pub kind: &'a str,
    pub size: u64,
    pub sha256: Option<&'a str>,
    pub rows: RowCounts,
    pub duplicate_of: Option<&'a str>,
}

/// Everything the workbook shows.
pub struct XlsxReport<'a> {
    pub summary: &'a Summary,
    pub scope: &'a Scope,
    pub inputs: Vec<InputRow<'a>>,
    /// Options as `name = value` lines for the Notes sheet (grouping, period, cost column...).
    pub options: Vec<(String, String)>,
    /// `--compare`: a Compare sheet after Summary.
    pub comparison: Option<&'a crate::compare::Comparison>,
}

/// The number of significant digits of an exact value (`0.0012` has 2, `1200` has 2 after
/// normalization... trailing integer zeros count: `1200` has 4).
pub fn significant_digits(value: Decimal) -> u32 {
    let normalized = value.normalize();
    let mantissa = normalized.mantissa().unsigned_abs();
    if mantissa == 0 {
        return 1;
    }
    mantissa.to_string().len() as u32
}

/// Whether a spreadsheet number can hold `value` exactly as written (15 significant digits).
pub fn fits_spreadsheet(value: Decimal) -> bool {
    significant_digits(value) <= SPREADSHEET_DIGITS
}

/// The nearest double to an exact decimal (Rust's float parser rounds correctly).
fn number(value: Decimal) -> f64 {
    value.normalize().to_string().parse().unwrap_or(0.0)
}

/// `#,##0.00 "USD"`: cents shown, the code after the figure. A code that is not plain letters
/// and digits (it comes from the inputs) is left out of the format rather than escaped.
fn money_format(currency: &str) -> String {
    let plain = !currency.is_empty()
        && currency.len() <= 8
        && currency.chars().all(|c| c.is_ascii_alphanumeric());
    if plain {
        format!("#,##0.00 \"{currency}\";-#,##0.00 \"{currency}\"")
    } else {
        "#,##0.00;-#,##0.00".to_string()
    }
}

/// Excel cell text: control characters made visible (XML forbids most of them).
fn text(value: &str) -> String {
    crate::output::visible(value).into_owned()
}

struct Styles {
    header: Format,
    title: Format,
    bold: Format,
    provisional_fill: Color,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xDDEBF7)),
            title: Format::new().set_bold(),
            bold: Format::new().set_bold(),
            provisional_fill: Color::RGB(0xFFF2CC),
        }
    }

    fn money(&self, currency: &str, status: Status, bold: bool) -> Format {
        let mut format = Format::new().set_num_format(money_format(currency));
        if status == Status::Provisional {
            format = format
                .set_italic()
                .set_background_color(self.provisional_fill);
        }
        if bold {
            format = format.set_bold();
        }
        format
    }

    fn cell(&self, status: Status, bold: bool) -> Format {
        let mut format = Format::new();
        if status == Status::Provisional {
            format = format
                .set_italic()
                .set_background_color(self.provisional_fill);
        }
        if bold {
            format = format.set_bold();
        }
        format
    }
}

/// Keeps the widest text per column, to size the columns once a sheet is written.
#[derive(Default)]
struct Widths(BTreeMap<u16, usize>);

impl Widths {
    fn see(&mut self, col: u16, text: &str) {
        let width = text.chars().count();
        let entry = self.0.entry(col).or_default();
        *entry = (*entry).max(width);
    }

    fn apply(&self, sheet: &mut Worksheet) -> Result<()> {
        for (col, width) in &self.0 {
            let width = (*width as f64 + 2.0).clamp(8.0, 60.0);
            sheet.set_column_width(*col, width)?;
        }
        Ok(())
    }
}

/// A sheet being written: the cursor row and the widths seen.
struct Sheet<'s> {
    sheet: &'s mut Worksheet,
    widths: Widths,
}

impl<'s> Sheet<'s> {
    fn string(&mut self, row: usize, col: u16, value: &str, format: Option<&Format>) -> Result<()> {
        let value = text(value);
        self.widths.see(col, &value);
        let row = row as u32;
        match format {
            Some(format) => self
                .sheet
                .write_string_with_format(row, col, &value, format)?,
            None => self.sheet.write_string(row, col, &value)?,
        };
        Ok(())
    }

    fn number(&mut self, row: usize, col: u16, value: f64, format: &Format) -> Result<()> {
        self.sheet
            .write_number_with_format(row as u32, col, value, format)?;
        Ok(())
    }

    fn money(&mut self, row: usize, col: u16, value: Decimal, format: &Format) -> Result<()> {
        // `1,234,567.89 USD`: the width the format shows.
        self.widths.see(
            col,
            &format!("{} XXX", crate::render::table::display_money(value)),
        );
        self.number(row, col, number(value), format)
    }

    fn blank(&mut self, row: usize, col: u16, format: &Format) -> Result<()> {
        self.sheet.write_blank(row as u32, col, format)?;
        Ok(())
    }
}

/// The workbook's bytes.
pub fn render(report: &XlsxReport<'_>) -> Result<Vec<u8>> {
    build(report).context("cannot write the workbook (report.xlsx)")
}

fn build(report: &XlsxReport<'_>) -> Result<Vec<u8>> {
    let summary = report.summary;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let as_of = summary.delay.as_of;
    let created = ExcelDateTime::from_ymd(
        u16::try_from(as_of.year()).unwrap_or(1900),
        as_of.month() as u8,
        as_of.day() as u8,
    )?
    .and_hms(
        as_of.hour() as u16,
        as_of.minute() as u8,
        f64::from(as_of.second()),
    )?;
    let properties = DocProperties::new()
        .set_title(format!(
            "{} {} to {}",
            report.scope.title(),
            summary.range.from,
            summary.range.to
        ))
        .set_author("tally")
        .set_comment(text(&report.scope.line()))
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);

    let mut notes: Vec<(String, String)> = Vec::new();
    summary_sheet(workbook.add_worksheet(), report, &styles, &mut notes)?;
    if let Some(comparison) = report.comparison {
        compare_sheet(
            workbook.add_worksheet(),
            comparison,
            summary,
            &styles,
            &mut notes,
        )?;
    }
    if summary.period != crate::model::Period::Total {
        period_sheet(workbook.add_worksheet(), report, &styles, &mut notes)?;
    }
    // Row by row through a temporary file: memory does not grow with the daily rows.
    daily_sheet(
        workbook.add_worksheet_with_constant_memory()?,
        summary,
        &styles,
        &mut notes,
    )?;
    inputs_sheet(workbook.add_worksheet(), &report.inputs, &styles)?;
    notes_sheet(workbook.add_worksheet(), report, &styles, notes)?;
    Ok(workbook.save_to_buffer()?)
}

fn exact_note(sheet: &str, count: usize) -> (String, String) {
    (
        format!("{sheet}: exact cost"),
        format!(
            "{count} figure(s) have more than {SPREADSHEET_DIGITS} significant digits, more than a \
             spreadsheet number holds: the cost column holds the nearest number, the \"exact \
             cost\" column the exact decimal text (use it for checks)."
        ),
    )
}

/// A period (none for `--period total`), a key value or source, and a currency.
type PeriodKey = (Option<(Day, Day)>, String, String);

/// The share of `cost` in `whole`, for display (a ratio, rounded to a double).
fn share(cost: Decimal, whole: Decimal) -> Option<f64> {
    if whole.is_zero() {
        return None;
    }
    cost.checked_div(whole).map(number)
}

fn summary_sheet(
    sheet: &mut Worksheet,
    report: &XlsxReport<'_>,
    styles: &Styles,
    notes: &mut Vec<(String, String)>,
) -> Result<()> {
    let summary = report.summary;
    sheet.set_name("Summary")?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    let periodic = summary.period != crate::model::Period::Total;
    let totals = summary.totals();
    let several = totals.len() > 1;
    let exact_column = summary
        .rows
        .iter()
        .map(|r| r.cost)
        .chain(totals.iter().map(|t| t.cost))
        .any(|c| !fits_spreadsheet(c));

    let mut header: Vec<String> = Vec::new();
    if periodic {
        header.extend(["period_start".into(), "period_end".into()]);
    }
    header.extend(summary.key_names.iter().cloned());
    if summary.with_units {
        header.extend(["quantity".into(), "unit".into()]);
    }
    header.push("cost".into());
    if exact_column {
        header.push("exact cost".into());
    }
    header.extend([
        "currency".into(),
        "status".into(),
        "provisional part".into(),
        "share".into(),
    ]);
    let col = |name: &str| header.iter().rposition(|h| h == name).unwrap_or(0) as u16;
    let (cost_col, currency_col, status_col, prov_col, share_col) = (
        col("cost"),
        col("currency"),
        col("status"),
        col("provisional part"),
        col("share"),
    );
    let last_col = (header.len() - 1) as u16;

    // Row 0: the scope, as every output states it. Row 1: the header, frozen.
    s.sheet.write_string_with_format(
        0,
        0,
        text(&format!(
            "{}: {}",
            report.scope.title(),
            report.scope.line()
        )),
        &styles.title,
    )?;
    for (c, name) in header.iter().enumerate() {
        s.string(1, c as u16, name, Some(&styles.header))?;
    }
    s.sheet.set_freeze_panes(2, 0)?;

    // The share's whole: the total of the row's period, source and currency.
    let mut wholes: BTreeMap<PeriodKey, Decimal> = BTreeMap::new();
    let source_of = |row: &SummaryRow| -> String {
        match summary.key_names.iter().position(|k| k == "source") {
            Some(i) => row.keys.get(i).cloned().unwrap_or_default(),
            None => totals.first().map(|t| t.source.clone()).unwrap_or_default(),
        }
    };
    for row in &summary.rows {
        let key = (
            row.period.map(|p| (p.from, p.to)),
            source_of(row),
            row.currency.clone(),
        );
        let whole = wholes.entry(key).or_default();
        *whole = crate::model::exact_add(*whole, row.cost).map_err(|o| anyhow::anyhow!("{o}"))?;
    }

    let write_exact = |s: &mut Sheet, r: usize, value: Decimal, format: &Format| -> Result<()> {
        if exact_column {
            s.string(r, cost_col + 1, &money_text(value), Some(format))?;
        }
        Ok(())
    };
    let mut r = 2;
    let mut exact_needed = 0;
    for row in &summary.rows {
        let plain = styles.cell(row.status, false);
        let mut c = 0u16;
        if let Some(period) = row.period {
            let date = styles.cell(row.status, false).set_num_format("yyyy-mm-dd");
            write_day(&mut s, r, 0, period.from, &date)?;
            write_day(&mut s, r, 1, period.to, &date)?;
            c = 2;
        }
        for key in &row.keys {
            s.string(r, c, key, Some(&plain))?;
            c += 1;
        }
        if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
            s.number(r, c, number(quantity), &plain)?;
            s.widths.see(c, &quantity_text(quantity));
            s.string(r, c + 1, unit, Some(&plain))?;
        }
        s.money(
            r,
            cost_col,
            row.cost,
            &styles.money(&row.currency, row.status, false),
        )?;
        if !fits_spreadsheet(row.cost) {
            exact_needed += 1;
        }
        write_exact(&mut s, r, row.cost, &plain)?;
        s.string(r, currency_col, &row.currency, Some(&plain))?;
        s.string(r, status_col, row.status.as_str(), Some(&plain))?;
        s.money(
            r,
            prov_col,
            row.provisional_cost,
            &styles.money(&row.currency, row.status, false),
        )?;
        let whole = wholes
            .get(&(
                row.period.map(|p| (p.from, p.to)),
                source_of(row),
                row.currency.clone(),
            ))
            .copied()
            .unwrap_or_default();
        match share(row.cost, whole) {
            Some(ratio) => {
                let format = styles.cell(row.status, false).set_num_format("0.00%");
                s.number(r, share_col, ratio, &format)?;
            }
            None => s.blank(r, share_col, &plain)?,
        }
        r += 1;
    }
    if summary.rows.is_empty() {
        s.string(r, 0, "(no rows in range)", None)?;
        r += 1;
    }
    s.sheet.autofilter(1, 0, (r - 1) as u32, last_col)?;

    // Subtotals per first key (with more than one key: with one, each group is its own).
    let first_key = summary.key_names.first().cloned().unwrap_or_default();
    if summary.key_names.len() > 1 && !summary.rows.is_empty() {
        r += 1;
        s.string(
            r,
            0,
            &format!("Subtotals by {first_key}"),
            Some(&styles.title),
        )?;
        r += 1;
        let mut subtotals: BTreeMap<PeriodKey, (Decimal, Decimal)> = BTreeMap::new();
        for row in &summary.rows {
            let entry = subtotals
                .entry((
                    row.period.map(|p| (p.from, p.to)),
                    row.keys.first().cloned().unwrap_or_default(),
                    row.currency.clone(),
                ))
                .or_default();
            let overflow = |o| anyhow::anyhow!("{o}");
            entry.0 = crate::model::exact_add(entry.0, row.cost).map_err(overflow)?;
            entry.1 = crate::model::exact_add(entry.1, row.provisional_cost).map_err(overflow)?;
        }
        for ((period, key, currency), (cost, provisional)) in subtotals {
            let status = if provisional.is_zero() && !period_provisional(summary, period) {
                Status::Final
            } else {
                Status::Provisional
            };
            let plain = styles.cell(status, true);
            if let Some((from, to)) = period {
                let date = styles.cell(status, true).set_num_format("yyyy-mm-dd");
                write_day(&mut s, r, 0, from, &date)?;
                write_day(&mut s, r, 1, to, &date)?;
            }
            s.string(r, if periodic { 2 } else { 0 }, &key, Some(&plain))?;
            s.money(r, cost_col, cost, &styles.money(&currency, status, true))?;
            if !fits_spreadsheet(cost) {
                exact_needed += 1;
            }
            write_exact(&mut s, r, cost, &plain)?;
            s.string(r, currency_col, &currency, Some(&plain))?;
            s.string(r, status_col, status.as_str(), Some(&plain))?;
            s.money(
                r,
                prov_col,
                provisional,
                &styles.money(&currency, status, true),
            )?;
            r += 1;
        }
    }

    // Totals: one, or one per source and currency (never their sum).
    r += 1;
    let status = if summary.provisional_days.is_empty() {
        Status::Final
    } else {
        Status::Provisional
    };
    for total in &totals {
        total_row(&mut s, r, total, several, summary, status, styles, &header)?;
        if !fits_spreadsheet(total.cost) {
            exact_needed += 1;
        }
        write_exact(&mut s, r, total.cost, &styles.cell(status, true))?;
        r += 1;
    }
    if exact_needed > 0 {
        notes.push(exact_note("Summary", exact_needed));
    }
    s.widths.apply(s.sheet)?;
    Ok(())
}

/// The Compare sheet: row 0 the comparison heading, row 1 the header, then each group's cost,
/// compared cost, change and change in percent (a number, or `new` / `gone`), then totals.
fn compare_sheet(
    sheet: &mut Worksheet,
    comparison: &crate::compare::Comparison,
    summary: &Summary,
    styles: &Styles,
    notes: &mut Vec<(String, String)>,
) -> Result<()> {
    use crate::compare::Change;
    sheet.set_name("Compare")?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    let figures = |c: &crate::compare::CompareRow| [c.current, c.comparison, c.delta];
    let exact_columns = comparison
        .rows
        .iter()
        .flat_map(figures)
        .chain(
            comparison
                .totals
                .iter()
                .flat_map(|t| [t.current, t.comparison, t.delta]),
        )
        .any(|v| !fits_spreadsheet(v));
    let mut header: Vec<String> = summary.key_names.clone();
    if summary.with_units {
        header.push("unit".into());
    }
    let first = header.len() as u16;
    header.extend(
        [
            "cost", "compared", "change", "change %", "currency", "status",
        ]
        .into_iter()
        .map(String::from),
    );
    if exact_columns {
        header.extend(
            ["exact cost", "exact compared", "exact change"]
                .into_iter()
                .map(String::from),
        );
        notes.push((
            "Compare: exact figures".into(),
            format!(
                "some figures have more than {SPREADSHEET_DIGITS} significant digits: the \
                 \"exact\" columns hold every figure's exact decimal text"
            ),
        ));
    }
    s.sheet.write_string_with_format(
        0,
        0,
        text(&crate::render::compare::heading(comparison)),
        &styles.title,
    )?;
    for (c, name) in header.iter().enumerate() {
        s.string(1, c as u16, name, Some(&styles.header))?;
    }
    s.sheet.set_freeze_panes(2, 0)?;
    let write_change = |s: &mut Sheet, r: usize, change: Change, format: &Format| -> Result<()> {
        match change {
            Change::Percent(p) => {
                let format = format.clone().set_num_format("+0.0%;-0.0%;0.0%");
                s.number(r, first + 3, number(p / Decimal::ONE_HUNDRED), &format)
            }
            Change::Unchanged => {
                let format = format.clone().set_num_format("0.0%");
                s.number(r, first + 3, 0.0, &format)
            }
            other => s.string(r, first + 3, &other.text(1), Some(format)),
        }
    };
    let mut r = 2;
    for row in &comparison.rows {
        let plain = styles.cell(row.status, false);
        for (c, key) in row.keys.iter().chain(row.unit.as_ref()).enumerate() {
            s.string(r, c as u16, key, Some(&plain))?;
        }
        let money = styles.money(&row.currency, row.status, false);
        for (offset, value) in figures(row).into_iter().enumerate() {
            s.money(r, first + offset as u16, value, &money)?;
        }
        write_change(&mut s, r, row.change, &plain)?;
        s.string(r, first + 4, &row.currency, Some(&plain))?;
        s.string(r, first + 5, row.status.as_str(), Some(&plain))?;
        if exact_columns {
            for (offset, value) in figures(row).into_iter().enumerate() {
                s.string(
                    r,
                    first + 6 + offset as u16,
                    &money_text(value),
                    Some(&plain),
                )?;
            }
        }
        r += 1;
    }
    s.sheet
        .autofilter(1, 0, (r - 1).max(2) as u32, (header.len() - 1) as u16)?;
    r += 1;
    for total in &comparison.totals {
        let bold = styles.cell(Status::Final, true);
        s.string(r, 0, &total.label, Some(&bold))?;
        let money = styles.money(&total.currency, Status::Final, true);
        let values = [total.current, total.comparison, total.delta];
        for (offset, value) in values.into_iter().enumerate() {
            s.money(r, first + offset as u16, value, &money)?;
        }
        write_change(&mut s, r, total.change, &bold)?;
        s.string(r, first + 4, &total.currency, Some(&bold))?;
        if exact_columns {
            for (offset, value) in values.into_iter().enumerate() {
                s.string(
                    r,
                    first + 6 + offset as u16,
                    &money_text(value),
                    Some(&bold),
                )?;
            }
        }
        r += 1;
    }
    s.widths.apply(s.sheet)?;
    Ok(())
}

/// The name of the `--period` sheet: `By day`, `By week`, `By month`.
pub fn period_sheet_name(period: crate::model::Period) -> &'static str {
    match period {
        crate::model::Period::Day => "By day",
        crate::model::Period::Week => "By week",
        _ => "By month",
    }
}

/// `day`, `week`, `month`.
fn period_word(period: crate::model::Period) -> &'static str {
    match period {
        crate::model::Period::Day => "day",
        crate::model::Period::Week => "week",
        crate::model::Period::Month => "month",
        crate::model::Period::Total => "total",
    }
}

/// A period's column heading: the day, `2026-10` for a whole month, else `from..to` (a week,
/// or a month cut by the range).
fn period_label(from: Day, to: Day) -> String {
    if from == to {
        from.to_string()
    } else if from.day() == 1 && to == crate::model::last_day_of_month(from) {
        from.format("%Y-%m").to_string()
    } else {
        format!("{from}..{to}")
    }
}

/// One cell of the `--period` sheet: the exact cost and whether it reaches a provisional day.
#[derive(Clone, Copy)]
struct PeriodCell {
    cost: Decimal,
    status: Status,
}

/// The `--period` sheet, a crosstab: row 0 the scope, row 1 the header (the keys, currency,
/// one column per period, total, status), then one row per group (largest total first), then
/// the totals per source and currency. A group with no row in a period has an empty cell.
/// Money columns get an `exact …` text column beside them when one of their figures has more
/// than 15 significant digits.
fn period_sheet(
    sheet: &mut Worksheet,
    report: &XlsxReport<'_>,
    styles: &Styles,
    notes: &mut Vec<(String, String)>,
) -> Result<()> {
    let summary = report.summary;
    let name = period_sheet_name(summary.period);
    sheet.set_name(name)?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    let overflow = |o| anyhow::anyhow!("{o}");
    let periods: Vec<(Day, Day)> = summary
        .rows
        .iter()
        .filter_map(|r| r.period.map(|p| (p.from, p.to)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: BTreeMap<(Day, Day), usize> =
        periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    // Groups: keys, unit and currency, each with its cell per period and its total.
    type Group = (Vec<String>, Option<String>, String);
    type Cells = (Vec<Option<PeriodCell>>, Decimal);
    let mut groups: BTreeMap<Group, Cells> = BTreeMap::new();
    let source_at = summary.key_names.iter().position(|k| k == "source");
    let default_source = summary
        .totals()
        .first()
        .map(|t| t.source.clone())
        .unwrap_or_default();
    // Totals per source and currency: a cell per period and the whole.
    let mut totals: BTreeMap<(String, String), (Vec<Decimal>, Decimal)> = BTreeMap::new();
    for row in &summary.rows {
        let Some(p) = row.period else { continue };
        let i = index[&(p.from, p.to)];
        let entry = groups
            .entry((row.keys.clone(), row.unit.clone(), row.currency.clone()))
            .or_insert_with(|| (vec![None; periods.len()], Decimal::ZERO));
        let cell = entry.0[i].get_or_insert(PeriodCell {
            cost: Decimal::ZERO,
            status: Status::Final,
        });
        cell.cost = crate::model::exact_add(cell.cost, row.cost).map_err(overflow)?;
        if row.status == Status::Provisional {
            cell.status = Status::Provisional;
        }
        entry.1 = crate::model::exact_add(entry.1, row.cost).map_err(overflow)?;
        let source = source_at
            .and_then(|i| row.keys.get(i).cloned())
            .unwrap_or_else(|| default_source.clone());
        let total = totals
            .entry((source, row.currency.clone()))
            .or_insert_with(|| (vec![Decimal::ZERO; periods.len()], Decimal::ZERO));
        total.0[i] = crate::model::exact_add(total.0[i], row.cost).map_err(overflow)?;
        total.1 = crate::model::exact_add(total.1, row.cost).map_err(overflow)?;
    }
    let mut ordered: Vec<(Group, Cells)> = groups.into_iter().collect();
    ordered.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(&b.0)));

    // Money columns: each period, then the total; an exact column after any that needs one.
    let money_count = periods.len() + 1;
    let mut needs_exact = vec![false; money_count];
    for (_, (cells, total)) in &ordered {
        for (i, cell) in cells.iter().enumerate() {
            if cell.is_some_and(|c| !fits_spreadsheet(c.cost)) {
                needs_exact[i] = true;
            }
        }
        needs_exact[periods.len()] |= !fits_spreadsheet(*total);
    }
    for (cells, total) in totals.values() {
        for (i, cost) in cells.iter().enumerate() {
            needs_exact[i] |= !fits_spreadsheet(*cost);
        }
        needs_exact[periods.len()] |= !fits_spreadsheet(*total);
    }
    let mut header: Vec<String> = summary.key_names.clone();
    if summary.with_units {
        header.push("unit".into());
    }
    header.push("currency".into());
    let keys_width = header.len() as u16;
    let mut money_cols: Vec<u16> = Vec::with_capacity(money_count);
    let labels = periods
        .iter()
        .map(|(from, to)| period_label(*from, *to))
        .chain(["total".to_string()]);
    for (i, label) in labels.enumerate() {
        money_cols.push(header.len() as u16);
        if needs_exact[i] {
            header.push(label.clone());
            header.push(format!("exact {label}"));
        } else {
            header.push(label);
        }
    }
    if header.len() + 1 > MAX_COLUMNS {
        // Decades of days: more columns than a sheet holds. The other sheets still hold every
        // figure.
        s.string(
            0,
            0,
            &format!(
                "{} {}s with cost need {} columns, more than the {MAX_COLUMNS} a sheet holds: see \
                 the Summary sheet or summary.csv",
                periods.len(),
                period_word(summary.period),
                header.len() + 1
            ),
            Some(&styles.title),
        )?;
        notes.push((
            format!("{name}: not drawn"),
            format!(
                "more {}s than a sheet has columns",
                period_word(summary.period)
            ),
        ));
        return Ok(());
    }
    let status_col = header.len() as u16;
    header.push("status".into());

    s.sheet.write_string_with_format(
        0,
        0,
        text(&format!(
            "{} by {}: {}",
            report.scope.title(),
            period_word(summary.period),
            report.scope.line()
        )),
        &styles.title,
    )?;
    for (c, name) in header.iter().enumerate() {
        s.string(1, c as u16, name, Some(&styles.header))?;
    }
    s.sheet.set_freeze_panes(2, keys_width)?;

    let period_status: Vec<Status> = periods
        .iter()
        .map(|p| {
            if period_provisional(summary, Some(*p)) {
                Status::Provisional
            } else {
                Status::Final
            }
        })
        .collect();
    let mut exact_needed = 0;
    let mut write_money = |s: &mut Sheet,
                           r: usize,
                           i: usize,
                           cost: Decimal,
                           currency: &str,
                           status: Status,
                           bold: bool|
     -> Result<()> {
        let col = money_cols[i];
        s.money(r, col, cost, &styles.money(currency, status, bold))?;
        if needs_exact[i] {
            s.string(
                r,
                col + 1,
                &money_text(cost),
                Some(&styles.cell(status, bold)),
            )?;
            if !fits_spreadsheet(cost) {
                exact_needed += 1;
            }
        }
        Ok(())
    };
    let mut r = 2;
    for ((keys, unit, currency), (cells, total)) in &ordered {
        let status = if cells
            .iter()
            .flatten()
            .any(|c| c.status == Status::Provisional)
        {
            Status::Provisional
        } else {
            Status::Final
        };
        let plain = styles.cell(status, false);
        let mut c = 0u16;
        for key in keys.iter().chain(unit) {
            s.string(r, c, key, Some(&plain))?;
            c += 1;
        }
        s.string(r, c, currency, Some(&plain))?;
        for (i, cell) in cells.iter().enumerate() {
            match cell {
                Some(cell) => write_money(&mut s, r, i, cell.cost, currency, cell.status, false)?,
                None => s.blank(r, money_cols[i], &styles.cell(period_status[i], false))?,
            }
        }
        write_money(&mut s, r, periods.len(), *total, currency, status, false)?;
        s.string(r, status_col, status.as_str(), Some(&plain))?;
        r += 1;
    }
    if ordered.is_empty() {
        s.string(r, 0, "(no rows in range)", None)?;
        r += 1;
    }
    s.sheet.autofilter(1, 0, (r - 1) as u32, status_col)?;

    // Totals: one per source and currency (never their sum).
    r += 1;
    let several = totals.len() > 1;
    let mixed = totals
        .keys()
        .map(|(source, _)| source)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    for ((source, currency), (cells, total)) in &totals {
        let status = if period_status.contains(&Status::Provisional) {
            Status::Provisional
        } else {
            Status::Final
        };
        let bold = styles.cell(status, true);
        let label = match (several, mixed) {
            (false, _) => "total".to_string(),
            (true, true) => format!("total {source} {currency}"),
            (true, false) => format!("total {currency}"),
        };
        s.string(r, 0, &label, Some(&bold))?;
        s.string(r, keys_width - 1, currency, Some(&bold))?;
        for (i, cost) in cells.iter().enumerate() {
            write_money(&mut s, r, i, *cost, currency, period_status[i], true)?;
        }
        write_money(&mut s, r, periods.len(), *total, currency, status, true)?;
        s.string(r, status_col, status.as_str(), Some(&bold))?;
        r += 1;
    }
    notes.push((
        format!("{name}: layout"),
        format!(
            "one row per group and one column per {} (a week or a month cut by the range shows \
             its days, from..to); an empty cell: no cost in that {}; shaded cells reach a \
             provisional day. The total column adds the group's {}s exactly.",
            period_word(summary.period),
            period_word(summary.period),
            period_word(summary.period)
        ),
    ));
    if exact_needed > 0 {
        notes.push(exact_note(name, exact_needed));
    }
    s.widths.apply(s.sheet)?;
    Ok(())
}

/// Whether a period (or the whole range) reaches a provisional day.
fn period_provisional(summary: &Summary, period: Option<(Day, Day)>) -> bool {
    let last = period.map_or(summary.range.to, |(_, to)| to);
    summary.delay.status(last) == Status::Provisional
        && summary.provisional_days.first().is_some_and(|d| *d <= last)
}

#[allow(clippy::too_many_arguments)]
fn total_row(
    s: &mut Sheet,
    r: usize,
    total: &Total,
    several: bool,
    summary: &Summary,
    status: Status,
    styles: &Styles,
    header: &[String],
) -> Result<()> {
    let col = |name: &str| header.iter().rposition(|h| h == name).unwrap_or(0) as u16;
    let plain = styles.cell(status, true);
    s.string(
        r,
        0,
        &total.label(several, summary.mixed_sources()),
        Some(&plain),
    )?;
    s.money(
        r,
        col("cost"),
        total.cost,
        &styles.money(&total.currency, status, true),
    )?;
    s.string(r, col("currency"), &total.currency, Some(&plain))?;
    s.string(r, col("status"), status.as_str(), Some(&plain))?;
    s.money(
        r,
        col("provisional part"),
        total.provisional,
        &styles.money(&total.currency, status, true),
    )?;
    Ok(())
}

fn write_day(s: &mut Sheet, r: usize, c: u16, day: Day, format: &Format) -> Result<()> {
    let date = ExcelDateTime::from_ymd(
        u16::try_from(day.year()).unwrap_or(1900),
        day.month() as u8,
        day.day() as u8,
    )?;
    s.sheet
        .write_datetime_with_format(r as u32, c, &date, format)?;
    s.widths.see(c, "2026-10-01");
    Ok(())
}

fn daily_sheet(
    sheet: &mut Worksheet,
    summary: &Summary,
    styles: &Styles,
    notes: &mut Vec<(String, String)>,
) -> Result<()> {
    sheet.set_name("Daily")?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    let exact_column = summary.daily.iter().any(|d| !fits_spreadsheet(d.cost));
    let mut header = vec!["date".to_string()];
    header.extend(summary.key_names.iter().cloned());
    header.push("cost".into());
    if exact_column {
        header.push("exact cost".into());
    }
    header.extend(["currency".into(), "status".into()]);
    for (c, name) in header.iter().enumerate() {
        s.string(0, c as u16, name, Some(&styles.header))?;
    }
    s.sheet.set_freeze_panes(1, 0)?;
    let room = MAX_ROWS - 1;
    let shown = summary.daily.len().min(room);
    if shown < summary.daily.len() {
        notes.push((
            "Daily: rows".into(),
            format!(
                "the first {shown} of {} daily rows (a sheet holds {MAX_ROWS} rows); daily.csv \
                 has them all",
                summary.daily.len()
            ),
        ));
    }
    let mut exact_needed = 0;
    // Formats made once per status (and currency), not per cell.
    let plain_of = [Status::Final, Status::Provisional].map(|status| styles.cell(status, false));
    let date_of = plain_of.clone().map(|f| f.set_num_format("yyyy-mm-dd"));
    let mut money_of: BTreeMap<(&str, bool), Format> = BTreeMap::new();
    for (i, row) in summary.daily.iter().take(shown).enumerate() {
        let r = i + 1;
        let at = usize::from(row.status == Status::Provisional);
        let (plain, date) = (&plain_of[at], &date_of[at]);
        let money = money_of
            .entry((row.currency.as_str(), at == 1))
            .or_insert_with(|| styles.money(&row.currency, row.status, false));
        write_day(&mut s, r, 0, row.day, date)?;
        let mut c = 1u16;
        for key in &row.keys {
            s.string(r, c, key, Some(plain))?;
            c += 1;
        }
        s.money(r, c, row.cost, money)?;
        c += 1;
        if exact_column {
            s.string(r, c, &money_text(row.cost), Some(plain))?;
            c += 1;
            if !fits_spreadsheet(row.cost) {
                exact_needed += 1;
            }
        }
        s.string(r, c, &row.currency, Some(plain))?;
        s.string(r, c + 1, row.status.as_str(), Some(plain))?;
    }
    s.sheet
        .autofilter(0, 0, shown.max(1) as u32, (header.len() - 1) as u16)?;
    if exact_needed > 0 {
        notes.push(exact_note("Daily", exact_needed));
    }
    s.widths.apply(s.sheet)?;
    Ok(())
}

fn inputs_sheet(sheet: &mut Worksheet, inputs: &[InputRow<'_>], styles: &Styles) -> Result<()> {
    sheet.set_name("Inputs")?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    let header = [
        "path",
        "kind",
        "size (bytes)",
        "sha256",
        "rows read",
        "used",
        "filtered",
        "superseded",
        "rejected",
        "duplicate of",
    ];
    for (c, name) in header.iter().enumerate() {
        s.string(0, c as u16, name, Some(&styles.header))?;
    }
    s.sheet.set_freeze_panes(1, 0)?;
    let integer = Format::new().set_num_format("#,##0");
    for (i, input) in inputs.iter().enumerate() {
        let r = i + 1;
        s.string(r, 0, input.path, None)?;
        s.string(r, 1, input.kind, None)?;
        let counts = [
            input.size,
            input.rows.read,
            input.rows.used,
            input.rows.filtered,
            input.rows.superseded,
            input.rows.rejected,
        ];
        for (c, value) in [2u16, 4, 5, 6, 7, 8].into_iter().zip(counts) {
            // Counts stay far below 2^53: exact as spreadsheet numbers.
            s.number(r, c, value as f64, &integer)?;
            s.widths.see(c, &format!("{value},"));
        }
        s.string(r, 3, input.sha256.unwrap_or(""), None)?;
        s.string(r, 9, input.duplicate_of.unwrap_or(""), None)?;
    }
    s.sheet
        .autofilter(0, 0, inputs.len().max(1) as u32, (header.len() - 1) as u16)?;
    s.widths.apply(s.sheet)?;
    Ok(())
}

fn notes_sheet(
    sheet: &mut Worksheet,
    report: &XlsxReport<'_>,
    styles: &Styles,
    extra: Vec<(String, String)>,
) -> Result<()> {
    let summary = report.summary;
    let scope = report.scope;
    sheet.set_name("Notes")?;
    let mut s = Sheet {
        sheet,
        widths: Widths::default(),
    };
    s.string(0, 0, "item", Some(&styles.header))?;
    s.string(0, 1, "value", Some(&styles.header))?;
    s.sheet.set_freeze_panes(1, 0)?;
    let provisional = match (
        summary.provisional_days.first(),
        summary.provisional_days.last(),
    ) {
        (Some(first), Some(last)) if first == last => format!(
            "{first} (cost data can arrive up to {} days late; final on or after {}T00:00Z)",
            summary.delay.delay_days,
            summary.delay.final_at(*last)
        ),
        (Some(first), Some(last)) => format!(
            "{first} to {last} (cost data can arrive up to {} days late; final on or after \
             {}T00:00Z)",
            summary.delay.delay_days,
            summary.delay.final_at(*last)
        ),
        _ => "none: every figure is final".to_string(),
    };
    let filters = scope.filters.texts();
    let mut lines: Vec<(String, String)> = vec![
        ("scope".into(), scope.line()),
        (
            "range".into(),
            format!("{} to {} (UTC days)", scope.range.from, scope.range.to),
        ),
        (
            "as of".into(),
            scope.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        ("figures".into(), scope.figures.as_str().to_string()),
        (
            "filters".into(),
            if filters.is_empty() {
                "none".into()
            } else {
                filters.join("; ")
            },
        ),
        ("provisional days".into(), provisional),
    ];
    lines.extend(report.options.iter().cloned());
    lines.push((
        "rounding".into(),
        format!(
            "Figures are exact sums of the inputs' decimal costs, never rounded. Each money \
             cell holds the figure as a spreadsheet number (a double: up to {SPREADSHEET_DIGITS} \
             significant digits exact); its format shows cents, so the cell shows the figure \
             rounded to cents while its value keeps every digit a number holds. tally's own \
             table and Markdown round half to even; summary.csv and daily.csv hold the exact \
             text."
        ),
    ));
    lines.push((
        "share".into(),
        "Each group's cost divided by the total of its period, source and currency (a ratio, \
         for reading)."
            .into(),
    ));
    lines.push((
        "provisional rows".into(),
        "Shaded and in italics, status \"provisional\": they include days whose cost data may \
         still arrive; \"provisional part\" is the cost on those days."
            .into(),
    ));
    lines.extend(extra);
    lines.push(("tally version".into(), env!("CARGO_PKG_VERSION").into()));
    let wrap = Format::new().set_text_wrap();
    for (i, (item, value)) in lines.iter().enumerate() {
        s.string(i + 1, 0, item, Some(&styles.bold))?;
        s.sheet
            .write_string_with_format((i + 1) as u32, 1, text(value), &wrap)?;
    }
    s.widths.apply(s.sheet)?;
    s.sheet.set_column_width(1, 100)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn digits_decide_the_exact_text_column() {
        assert_eq!(significant_digits(d("3103.45954429")), 12);
        assert_eq!(significant_digits(d("0.0012")), 2);
        assert_eq!(significant_digits(d("1200")), 4);
        assert_eq!(significant_digits(d("0.00")), 1);
        assert!(fits_spreadsheet(d("123456789012.345")));
        assert!(!fits_spreadsheet(d("1234567890123.456")));
        assert!(!fits_spreadsheet(d("0.1234567890123456")));
    }

    #[test]
    fn numbers_are_the_nearest_double() {
        assert_eq!(number(d("3103.45954429")), 3103.45954429);
        assert_eq!(number(d("-0.10")), -0.1);
    }

    #[test]
    fn currency_codes_from_inputs_never_break_the_format() {
        assert_eq!(money_format("USD"), "#,##0.00 \"USD\";-#,##0.00 \"USD\"");
        assert_eq!(money_format("U\"SD"), "#,##0.00;-#,##0.00");
        assert_eq!(money_format(""), "#,##0.00;-#,##0.00");
    }
}

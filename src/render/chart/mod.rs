//! Charts: what every chart of tally shares. Each chart is pure data first (built with exact
//! decimals), then drawn with plotters to SVG and PNG bytes by the pieces here: the canvas and
//! `render`, the fonts, the palette, text fitting, the legend, the day axis, provisional bands,
//! the zero line and the figures under a legend. Owns no files: `output.rs` writes what
//! `render` returns.
//!
//! - `usage`: the charts of `tally report` (`chart-daily`, `chart-share`).
//! - `alerts`: the month-to-date chart of `tally alerts` (`chart-mtd`).
//!
//! Money stays `Decimal` until a shape is placed on the canvas: only pixel coordinates go
//! through `f64`; every label is the exact figure rounded half-even to cents (`display_money`).
//! A new chart implements `Figure`, lays out with `split_legend`, builds a plot with
//! `day_axis_chart_below_zero`, marks days with `shade_days`, and calls `render`.

pub mod alerts;
pub mod usage;

use crate::model::Day;
use crate::render::table::display_money;
use anyhow::{Result, anyhow, bail};
use chrono::Datelike;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::element::BackendCoordOnly;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::sync::OnceLock;

/// Canvas size of every chart, in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 600;

/// Why a summary has no charts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoChart {
    #[error("there is no data in this range ({from} to {to})")]
    NoData { from: Day, to: Day },
    #[error("the report holds several currencies, and a chart adds one currency only")]
    SeveralCurrencies,
    #[error(
        "the report holds billed and estimated rows, and a chart of their costs would add an \
         estimate to a bill"
    )]
    MixedSources,
    #[error("a sum exceeds the 28 significant digits that tally keeps exactly")]
    Overflow,
    #[error(
        "the chart would span {days} days ({from} to {to}), more than the 3,660 a daily chart \
         draws; narrow the range (--from/--to) for charts"
    )]
    TooManyDays { days: i64, from: Day, to: Day },
}

/// The most days a daily chart draws (ten years and a few leap days): beyond it a bar is
/// narrower than a pixel, and drawing costs time per day with or without data.
pub const MAX_CHART_DAYS: i64 = 3660;

/// The font family name given to plotters. The embedded DejaVu Sans is registered under this
/// name for the PNG; the SVG writes it as its `font-family`, so a viewer uses DejaVu Sans when
/// installed and its own sans-serif otherwise.
pub const FONT: &str = "DejaVu Sans, sans-serif";

/// Registers the embedded fonts once. Text needs no system font library or installed font.
fn ensure_fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if !ok {
        bail!("the embedded chart font could not be loaded");
    }
    Ok(())
}

/// What drawing on a backend returns.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can draw itself on any plotters backend (so one drawing gives SVG and PNG).
pub trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// A chart as SVG text and PNG bytes.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub svg: Vec<u8>,
    pub png: Vec<u8>,
}

/// Draws `figure` at `WIDTH`×`HEIGHT` to SVG and PNG, in memory.
pub fn render(figure: &impl Figure) -> Result<Rendered> {
    ensure_fonts()?;
    let mut svg = String::new();
    draw_on(
        SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)),
        figure,
        "SVG",
    )?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw_on(
        BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)),
        figure,
        "PNG",
    )?;
    Ok(Rendered {
        svg: svg.into_bytes(),
        png: encode_png(&pixels, WIDTH, HEIGHT)?,
    })
}

/// Draws `figure` on `backend` and finishes it (the SVG backend writes its text, the bitmap
/// backend its pixels, when the drawing area is dropped at the end).
fn draw_on<DB: DrawingBackend>(backend: DB, figure: &impl Figure, format: &str) -> Result<()> {
    let root = backend.into_drawing_area();
    figure
        .draw(&root)
        .map_err(|e| anyhow!("drawing the {format} chart: {e}"))?;
    root.present()
        .map_err(|e| anyhow!("drawing the {format} chart: {e}"))?;
    Ok(())
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer
        .finish()
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    Ok(bytes)
}

/// Colour-blind-friendly categorical colours (Tableau 10, without its grey).
const PALETTE: [RGBColor; 9] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
];
/// The "other" bucket.
pub const OTHER_COLOR: RGBColor = RGBColor(186, 176, 172);
pub const TEXT_COLOR: RGBColor = RGBColor(40, 40, 40);
/// The background band behind provisional days.
pub const PROVISIONAL_BAND: RGBColor = RGBColor(238, 238, 238);

/// The colour of the `index`th key (cycling), or grey for "other".
pub fn series_color(index: usize, is_other: bool) -> RGBColor {
    if is_other {
        OTHER_COLOR
    } else {
        PALETTE[index % PALETTE.len()]
    }
}

/// A colour mixed halfway to white: how provisional bars are drawn.
pub fn lighter(color: RGBColor) -> RGBColor {
    let mix = |c: u8| ((u16::from(c) + 255) / 2) as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// The text style of labels, `size` in pixels.
pub fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&TEXT_COLOR)
}

/// The style of a chart's title.
pub fn caption_style() -> TextStyle<'static> {
    (FONT, 20).into_font().color(&TEXT_COLOR)
}

/// The bold style of a legend's or a side column's title.
pub fn title_style() -> TextStyle<'static> {
    (FONT, 15)
        .into_font()
        .style(FontStyle::Bold)
        .color(&TEXT_COLOR)
}

/// An amount and its currency as every chart writes it: `1,234.50 USD` (half-even to cents).
pub fn money_label(value: Decimal, currency: &str) -> String {
    format!("{} {currency}", display_money(value))
}

/// `text`, cut with an ellipsis so that it is at most `max_width` pixels wide in `style`.
pub fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> String {
    let width = |t: &str| area.estimate_text_size(t, style).map_or(0, |(w, _)| w);
    if width(text) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    // Binary search for the longest prefix that fits with the ellipsis.
    let (mut low, mut high) = (0usize, chars.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if width(&candidate) <= max_width {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    chars[..low]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
        + "…"
}

/// How a legend entry's swatch looks.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled square.
    Solid(RGBColor),
    /// A lighter, hatched square on the provisional band: provisional days.
    Provisional,
    /// A line, for line charts and threshold lines.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A ring: a marked point, such as the day a threshold was first reached.
    Ring(RGBColor),
    /// A black tick with a white edge: a day's net (charges plus credits).
    Tick,
    /// A black line with a bar hanging below it: amounts below zero.
    Zero,
}

/// One legend line.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

/// Draws the scope line in a band across the top of `root` and returns the area below it
/// (all of `root` when there is no line).
fn scope_band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scope: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    if scope.is_empty() {
        return Ok(root.clone());
    }
    let (width, _) = root.dim_in_pixel();
    let (band, rest) = root.split_vertically(24);
    let style = text_style(13);
    let text = fit_text(&band, scope, &style, width.saturating_sub(24));
    band.draw(&Text::new(text, (12, 6), style))?;
    Ok(rest)
}

/// Splits the canvas into the plot (left) and a legend column `legend_width` pixels wide.
pub fn split_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend_width: u32,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (width, _) = root.dim_in_pixel();
    root.split_horizontally(width.saturating_sub(legend_width))
}

/// Draws a legend: a title, then one swatch and label per entry, labels cut to fit.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    entries: &[LegendEntry],
) -> DrawResult<DB> {
    let (width, _) = area.dim_in_pixel();
    let style = text_style(14);
    let title_style = title_style();
    let max_label = width.saturating_sub(48);
    let mut y = 40i32;
    area.draw(&Text::new(
        fit_text(area, title, &title_style, width.saturating_sub(16)),
        (8, y),
        title_style.clone(),
    ))?;
    y += 28;
    for entry in entries {
        let (x0, y0, x1, y1) = (8, y - 7, 24, y + 9);
        match entry.swatch {
            Swatch::Solid(color) => {
                area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))?;
            }
            Swatch::Provisional => {
                area.draw(&Rectangle::new(
                    [(x0 - 3, y0 - 3), (x1 + 3, y1 + 3)],
                    PROVISIONAL_BAND.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    lighter(PALETTE[0]).filled(),
                ))?;
                hatch(area, (x0, y0), (x1, y1))?;
            }
            Swatch::Line(color) => {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x1, y)],
                    color.stroke_width(3),
                ))?;
            }
            Swatch::Dashed(color) => {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 6, y)],
                    color.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x1 - 6, y), (x1, y)],
                    color.stroke_width(2),
                ))?;
            }
            Swatch::Ring(color) => {
                area.draw(&Circle::new(((x0 + x1) / 2, y), 6, color.stroke_width(2)))?;
            }
            Swatch::Tick => {
                area.draw(&Rectangle::new([(x0, y0), (x1, y1)], OTHER_COLOR.filled()))?;
                net_tick(area, (x0 - 2, x1 + 2), y)?;
            }
            Swatch::Zero => {
                area.draw(&Rectangle::new(
                    [(x0 + 3, y0), (x1 - 3, y1)],
                    OTHER_COLOR.filled(),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x0 - 3, y0), (x1 + 3, y0)],
                    BLACK.stroke_width(2),
                ))?;
            }
        }
        area.draw(&Text::new(
            fit_text(area, &entry.label, &style, max_label),
            (x1 + 10, y),
            style.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        y += 26;
    }
    Ok(())
}

/// White diagonal hatching over the pixel rectangle `top_left`–`bottom_right`.
pub fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top_left: (i32, i32),
    bottom_right: (i32, i32),
) -> DrawResult<DB> {
    let (x0, y0) = top_left;
    let (x1, y1) = bottom_right;
    if x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    let step = 7;
    // Lines x - y = c (going down-right), clipped to the rectangle.
    let mut c = x0 - y1;
    while c < x1 - y0 {
        let start_x = (c + y0).max(x0);
        let end_x = (c + y1).min(x1);
        if start_x < end_x {
            area.draw(&PathElement::new(
                vec![(start_x, start_x - c), (end_x, end_x - c)],
                WHITE.stroke_width(2),
            ))?;
        }
        c += step;
    }
    Ok(())
}

/// Formats an axis tick (a pixel-scale value, not a money figure) with thousands separators,
/// without cents when the axis spans more than a few units.
pub fn tick_label(value: f64, with_cents: bool) -> String {
    let text = Decimal::from_f64_retain(value)
        .map(display_money)
        .unwrap_or_default();
    if with_cents {
        text
    } else {
        text.trim_end_matches(".00").to_string()
    }
}

/// The top of a money axis: the largest value plus headroom (at least 1, so an empty chart
/// still has an axis).
pub fn axis_top(largest: Decimal, headroom: f64) -> f64 {
    largest.to_f64().unwrap_or(0.0).max(0.0) * headroom
}

/// A UTC day as an x-axis label: the day of the month, or month-day when the range spans
/// several months.
pub fn day_label(day: Day, several_months: bool) -> String {
    if several_months {
        day.format("%m-%d").to_string()
    } else {
        day.format("%-d").to_string()
    }
}

/// Axis words for a range of days: `UTC day, 2026-10-01 to 2026-10-31`.
pub fn day_axis_description(days: &[Day]) -> String {
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if first != last => format!("UTC day, {first} to {last}"),
        (Some(first), _) => format!("UTC day, {first}"),
        _ => "UTC day".to_string(),
    }
}

/// A chart with one segment per day on x and money on y. Bars go from
/// `SegmentValue::Exact(i)` to `Exact(i + 1)`; the points of a line sit at `CenterOf(i)`.
pub type DayChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<SegmentedCoord<RangedCoordusize>, RangedCoordf64>>;

/// `count` segments, `0..count` (plotters' segmented range includes its end, so `0..count - 1`).
fn segments(count: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..count.max(2) - 1).into_segmented()
}

/// A bar or band of a day chart.
type DayRect = Rectangle<(SegmentValue<usize>, f64)>;

/// Builds a day chart on `area` and draws its frame: a title, date labels (UTC), the currency
/// on the y axis, a light grid. The y axis runs from `y_bottom` (zero or less: credits can
/// bring a stack or a running sum below zero) to `y_top`.
pub fn day_axis_chart_below_zero<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    days: &[Day],
    currency: &str,
    y_bottom: f64,
    y_top: f64,
) -> Result<DayChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let y_bottom = y_bottom.min(0.0);
    let several_months = match (days.first(), days.last()) {
        (Some(a), Some(b)) => (a.year(), a.month()) != (b.year(), b.month()),
        _ => false,
    };
    let y_top = if y_top > 0.0 { y_top } else { 1.0 };
    let with_cents = y_top - y_bottom < 5.0;
    let mut chart = ChartBuilder::on(area)
        .caption(title, caption_style())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(86)
        .build_cartesian_2d(segments(days.len()), y_bottom..y_top)?;
    let day_labels: Vec<String> = days
        .iter()
        .map(|day| day_label(*day, several_months))
        .collect();
    // Label every `step`th day when every label would not fit side by side (month-day labels
    // over a month or more).
    let widest = day_labels
        .iter()
        .filter_map(|label| area.estimate_text_size(label, &text_style(13)).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    let plot_width = area.dim_in_pixel().0.saturating_sub(86 + 24).max(1);
    let step = ((widest + 8) as usize * days.len())
        .div_ceil(plot_width as usize)
        .max(1);
    let x_formatter = |value: &SegmentValue<usize>| match value {
        SegmentValue::CenterOf(i) if i % step == 0 => {
            day_labels.get(*i).cloned().unwrap_or_default()
        }
        _ => String::new(),
    };
    let y_formatter = |value: &f64| tick_label(*value, with_cents);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(222, 222, 222))
        .x_labels(days.len().clamp(1, 31))
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .x_desc(day_axis_description(days))
        .y_desc(format!("cost ({currency})"))
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    Ok(chart)
}

/// Shades the columns of the marked days (provisional days) with a light band, from the
/// bottom of the y axis to `y_top`, and writes `label` at the top of the first band.
pub fn shade_days<DB: DrawingBackend>(
    chart: &mut DayChart<'_, DB>,
    marked: &[bool],
    y_top: f64,
    label: &str,
) -> DrawResult<DB> {
    let y_bottom = chart.y_range().start;
    let bands = marked
        .iter()
        .enumerate()
        .filter(|(_, m)| **m)
        .map(|(i, _)| {
            Rectangle::new(
                [
                    (SegmentValue::Exact(i), y_top),
                    (SegmentValue::Exact(i + 1), y_bottom),
                ],
                PROVISIONAL_BAND.filled(),
            )
        });
    chart.draw_series::<BackendCoordOnly, DayRect, _, _>(bands)?;
    if let Some(first) = marked.iter().position(|m| *m) {
        let (x, y) = chart.backend_coord(&(SegmentValue::Exact(first), y_top));
        let area = chart.plotting_area().strip_coord_spec();
        let (left, top) = area.get_base_pixel();
        let style = text_style(12).pos(Pos::new(HPos::Right, VPos::Top));
        area.draw(&Text::new(
            label.to_string(),
            (x - left - 4, y - top + 4),
            style,
        ))?;
    }
    Ok(())
}

/// Draws a thin black line at zero across the plot, when the y axis reaches below zero: the
/// line from which credits go down.
pub fn zero_line<DB: DrawingBackend>(chart: &mut DayChart<'_, DB>) -> DrawResult<DB> {
    if chart.y_range().start >= 0.0 {
        return Ok(());
    }
    let area = chart.plotting_area().strip_coord_spec();
    let (_, top) = area.get_base_pixel();
    let (width, _) = area.dim_in_pixel();
    let (_, y) = chart.backend_coord(&(SegmentValue::Exact(0), 0.0));
    area.draw(&PathElement::new(
        vec![(0, y - top), (width as i32, y - top)],
        BLACK.stroke_width(1),
    ))?;
    Ok(())
}

/// The net marker of a day: a black bar with a white edge, `x0`–`x1` wide at `y` (pixels).
pub fn net_tick<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, x1): (i32, i32),
    y: i32,
) -> DrawResult<DB> {
    area.draw(&Rectangle::new(
        [(x0 - 1, y - 3), (x1 + 1, y + 3)],
        WHITE.filled(),
    ))?;
    area.draw(&Rectangle::new([(x0, y - 2), (x1, y + 2)], BLACK.filled()))?;
    Ok(())
}

/// Writes charges, credits and their net total at the bottom of a legend column, the amounts
/// right aligned, the last line at 60 pixels from the bottom.
fn draw_net_figures<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    currency: &str,
    [charges, credits, net]: [Decimal; 3],
) -> DrawResult<DB> {
    let (width, height) = area.dim_in_pixel();
    let style = text_style(14);
    let right = style.pos(Pos::new(HPos::Right, VPos::Top));
    let lines = [
        ("charges", charges),
        ("credits", credits),
        ("net total", net),
    ];
    let mut y = height as i32 - 60 - 20 * (lines.len() as i32 - 1);
    for (label, amount) in lines {
        area.draw(&Text::new(label, (8, y), style.clone()))?;
        area.draw(&Text::new(
            money_label(amount, currency),
            (width as i32 - 24, y),
            right.clone(),
        ))?;
        y += 20;
    }
    Ok(())
}

/// Writes `{label} {amount} {currency}` at the bottom of a legend column, 60 pixels from the
/// bottom: the one figure of a chart without credits.
fn draw_total<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    amount: Decimal,
    currency: &str,
) -> DrawResult<DB> {
    area.draw(&Text::new(
        format!("{label} {}", money_label(amount, currency)),
        (8, area.dim_in_pixel().1 as i32 - 60),
        text_style(14),
    ))
}

/// The legend entry of provisional days, when some day is.
fn provisional_entry(provisional: &[bool]) -> Option<LegendEntry> {
    provisional.iter().any(|p| *p).then(|| LegendEntry {
        label: "provisional (may change)".to_string(),
        swatch: Swatch::Provisional,
    })
}

/// The bottom of a money axis: the lowest value (zero or less; credits can bring a stack or a
/// running sum below zero) plus headroom.
pub fn axis_bottom(lowest: Decimal, headroom: f64) -> f64 {
    lowest.min(Decimal::ZERO).to_f64().unwrap_or(0.0) * headroom
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    pub(crate) fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    pub(crate) fn money(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn chart_ticks() {
        assert_eq!(tick_label(1500.0, false), "1,500");
        assert_eq!(tick_label(0.5, true), "0.50");
    }
}

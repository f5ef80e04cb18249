//! Charts: what every chart of tally shares. Each chart is pure data first (built with exact
//! decimals), then drawn with plotters to SVG and PNG bytes by the pieces here: the canvas and
//! `render`, the fonts, the palette, text fitting, the legend, the day axis, provisional bands,
//! the zero line and the figures under a legend. Owns no files: `output.rs` writes what
//! `render` returns.
//!
//! - `usage`: the charts of `tally report` (`chart-daily`, `chart-share`).
//! - `alerts`: the month-to-date chart of `tally alerts` (`chart-mtd`).
//! - `compare`: the chart of `report --compare` (`chart-compare`).
//!
//! Money stays `Decimal` until a shape is placed on the canvas: only pixel coordinates go
//! through `f64`; every label is the exact figure rounded half-even to cents (`display_money`).
//! A new chart implements `Figure`, lays out with `split_legend`, builds a plot with
//! `day_axis_chart_below_zero`, marks days with `shade_days`, and calls `render`.

pub mod alerts;
pub mod compare;
mod glyphs;
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
use std::cell::RefCell;
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

    /// The chart's accessible name: the SVG's `<title>`.
    fn title(&self) -> String;

    /// What the chart shows in words (range, totals): the SVG's `<desc>`.
    fn description(&self) -> String;
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
    CUT.with(|cut| cut.borrow_mut().clear());
    draw_on(
        SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)),
        figure,
        "SVG",
    )?;
    let cut = CUT.with(|cut| std::mem::take(&mut *cut.borrow_mut()));
    let svg = annotate_svg(svg, &figure.title(), &figure.description(), &cut);
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw_on(
        glyphs::GlyphBackend {
            inner: BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)),
        },
        figure,
        "PNG",
    )?;
    Ok(Rendered {
        svg: svg.into_bytes(),
        png: encode_png(&pixels, WIDTH, HEIGHT)?,
    })
    .inspect(|_| CUT.with(|cut| cut.borrow_mut().clear()))
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

/// Encodes the pixels as a PNG: with a palette when the chart has 256 colours or fewer
/// (lossless, a third of the bytes), else RGB; best compression, adaptive filters.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut index: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
    let mut indexed = Vec::with_capacity(rgb.len() / 3);
    for pixel in rgb.chunks_exact(3) {
        let colour = [pixel[0], pixel[1], pixel[2]];
        let i = match index.get(&colour) {
            Some(i) => *i,
            None if palette.len() < 256 => {
                let i = palette.len() as u8;
                palette.push(colour);
                index.insert(colour, i);
                i
            }
            None => {
                indexed.clear();
                break;
            }
        };
        indexed.push(i);
    }
    let with_palette = indexed.len() * 3 == rgb.len();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    if with_palette {
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_palette(palette.concat());
    } else {
        encoder.set_color(png::ColorType::Rgb);
    }
    let mut writer = encoder
        .write_header()
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer
        .write_image_data(if with_palette { &indexed } else { rgb })
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer
        .finish()
        .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    Ok(bytes)
}

/// The categorical colours of the series: the Okabe–Ito palette (Okabe and Ito, "Color
/// Universal Design", 2002) without its black, which marks the net of a day and the zero line.
/// Its colours stay apart under protanopia, deuteranopia and tritanopia. Seven colours: a chart
/// names at most `MAX_SERIES` keys, so no colour is used twice.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
];
/// The most keys a chart names (`--chart-top`): one palette colour each.
pub const MAX_SERIES: usize = PALETTE.len();
/// The "other" bucket: a neutral grey that no series uses, lighter than the palette's darker
/// colours and darker than its yellow, so it stays apart from each under colour blindness.
pub const OTHER_COLOR: RGBColor = RGBColor(187, 187, 187);
pub const TEXT_COLOR: RGBColor = RGBColor(40, 40, 40);
/// The background band behind provisional days.
pub const PROVISIONAL_BAND: RGBColor = RGBColor(238, 238, 238);
/// The hatching over provisional bars: dark lines over the lightened colour, at least 3:1
/// against every lightened palette colour (WCAG's contrast for graphical objects).
pub const HATCH_COLOR: RGBColor = RGBColor(85, 85, 85);

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

/// WCAG 2 contrast ratio of two colours (1 to 21).
#[cfg(test)]
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let luminance = |c: RGBColor| {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.0) + 0.7152 * channel(c.1) + 0.0722 * channel(c.2)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// The size of every chart text but the title, in pixels (SVG font-size 13.7): a chart
/// printed across a landscape A4 or Letter page (report.html's print layout, 10 mm margins,
/// scaled to about 0.82) still sets it at 8 pt or more.
pub const TEXT: u32 = 17;

/// The text style of labels, `size` in pixels.
pub fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&TEXT_COLOR)
}

thread_local! {
    /// The labels `fit_text` cut while a chart was drawn, as (shown, full): `render` gives each
    /// cut label of the SVG its full name in a `<title>` (a tooltip and an accessible name).
    static CUT: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// The share of a cut label's characters kept from its end: most names differ at the end
/// ("… (aws us-east-1)", "… tier 2"), so the tail stays.
const TAIL: f64 = 0.45;

/// The style of a chart's title.
pub fn caption_style() -> TextStyle<'static> {
    (FONT, 22).into_font().color(&TEXT_COLOR)
}

/// The bold style of a legend's or a side column's title.
pub fn title_style() -> TextStyle<'static> {
    (FONT, TEXT + 1)
        .into_font()
        .style(FontStyle::Bold)
        .color(&TEXT_COLOR)
}

/// An amount and its currency as every chart writes it: `1,234.50 USD` (half-even to cents).
pub fn money_label(value: Decimal, currency: &str) -> String {
    format!("{} {currency}", display_money(value))
}

/// `text` cut in the middle with "…" so that it is at most `max_width` pixels wide in
/// `style`: the start and the end stay, and the full text is kept for the SVG `<title>`.
pub fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> String {
    fit_labels(area, &[text], style, max_width)
        .pop()
        .unwrap_or_default()
}

/// `texts`, each cut in the middle to `max_width` pixels like `fit_text`, so that texts that
/// differ stay different: when two cuts coincide, more of the end is kept.
pub fn fit_labels<DB: DrawingBackend, S: AsRef<str>>(
    area: &DrawingArea<DB, Shift>,
    texts: &[S],
    style: &TextStyle,
    max_width: u32,
) -> Vec<String> {
    let width = |t: &str| area.estimate_text_size(t, style).map_or(0, |(w, _)| w);
    let mut cut = Vec::new();
    for tail in [TAIL, 0.6, 0.75, 0.9] {
        cut = texts
            .iter()
            .map(|t| shorten(t.as_ref(), max_width, &width, tail))
            .collect();
        if distinct_as_given(texts, &cut) {
            break;
        }
    }
    CUT.with(|record| {
        let mut record = record.borrow_mut();
        for (text, shown) in texts.iter().zip(&cut) {
            if text.as_ref() != shown {
                record.push((shown.clone(), text.as_ref().to_string()));
            }
        }
    });
    cut
}

/// True when texts that differ in `given` also differ in `shown`.
fn distinct_as_given<S: AsRef<str>>(given: &[S], shown: &[String]) -> bool {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (g, s) in given.iter().zip(shown) {
        if let Some(previous) = seen.insert(s.as_str(), g.as_ref())
            && previous != g.as_ref()
        {
            return false;
        }
    }
    true
}

/// `text` cut in the middle with "…" to at most `max_width` as measured by `width`, keeping
/// the share `tail` of the kept characters from the end.
pub fn shorten(text: &str, max_width: u32, width: &dyn Fn(&str) -> u32, tail: f64) -> String {
    if width(text) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |keep: usize| {
        let back = ((keep as f64) * tail).round() as usize;
        let front = keep - back;
        let head: String = chars[..front].iter().collect();
        let end: String = chars[chars.len() - back..].iter().collect();
        format!("{}…{}", head.trim_end(), end.trim_start())
    };
    // Binary search for the most characters that fit with the ellipsis.
    let (mut low, mut high) = (0usize, chars.len().saturating_sub(1));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if width(&cut(mid)) <= max_width {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    cut(low)
}

/// `text` escaped as the SVG backend escapes text.
fn svg_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Makes the SVG accessible: `role="img"` with a `<title>` and `<desc>` on the root, and
/// each cut label's full text in a `<title>` inside its `<text>`.
fn annotate_svg(svg: String, title: &str, desc: &str, cut: &[(String, String)]) -> String {
    let mut svg = svg;
    if svg.starts_with("<svg ")
        && let Some(end) = svg.find('>')
    {
        svg.insert_str(
            end + 1,
            &format!(
                "\n<title>{}</title>\n<desc>{}</desc>",
                svg_escape(title),
                svg_escape(desc)
            ),
        );
        svg.insert_str(4, " role=\"img\"");
    }
    let mut done = std::collections::HashSet::new();
    for (shown, full) in cut {
        if !done.insert(shown) {
            continue;
        }
        let shown = svg_escape(shown);
        svg = svg.replace(
            &format!(">\n{shown}\n</text>"),
            &format!("><title>{}</title>\n{shown}\n</text>", svg_escape(full)),
        );
    }
    svg
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
    let (band, rest) = root.split_vertically(30);
    let style = text_style(TEXT);
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
    let style = text_style(TEXT);
    let title_style = title_style();
    let max_label = width.saturating_sub(48);
    let mut y = 40i32;
    area.draw(&Text::new(
        fit_text(area, title, &title_style, width.saturating_sub(16)),
        (8, y),
        title_style.clone(),
    ))?;
    y += 28;
    let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
    let labels = fit_labels(area, &labels, &style, max_label);
    for (entry, label) in entries.iter().zip(labels) {
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
            label,
            (x1 + 10, y),
            style.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        y += 28;
    }
    Ok(())
}

/// Dark diagonal hatching over the pixel rectangle `top_left`–`bottom_right`.
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
                HATCH_COLOR.stroke_width(1),
            ))?;
        }
        c += step;
    }
    Ok(())
}

/// How the ticks of a money axis are written: compact (`1.2 k`, `3.4 M`, `1.2 B`, `5 T`) once
/// the axis reaches ten thousand, with as many decimals as the ticks need, the same for every
/// tick; the currency is in the axis title. Tick values are pixel-scale `f64`, not money.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyTicks {
    unit: f64,
    suffix: &'static str,
    decimals: usize,
}

impl MoneyTicks {
    /// The tick values plotters draws on the axis from `low` to `high` (10 at most).
    pub fn values(low: f64, high: f64) -> Vec<f64> {
        RangedCoordf64::from(low..high).key_points(AXIS_TICKS)
    }

    /// The format for `ticks`, the values of an axis.
    pub fn for_ticks(ticks: &[f64]) -> MoneyTicks {
        let largest = ticks.iter().fold(0f64, |m, t| m.max(t.abs()));
        let (unit, suffix) = if largest >= 1e12 {
            (1e12, " T")
        } else if largest >= 1e9 {
            (1e9, " B")
        } else if largest >= 1e6 {
            (1e6, " M")
        } else if largest >= 1e4 {
            (1e3, " k")
        } else {
            (1.0, "")
        };
        let exact = |d: usize| {
            ticks.iter().all(|t| {
                let scaled = t / unit * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
            })
        };
        let mut decimals = (0..=3).find(|d| exact(*d)).unwrap_or(3);
        // Plain amounts below one unit are cents: 0.50, not 0.5.
        if unit == 1.0 && decimals == 1 {
            decimals = 2;
        }
        MoneyTicks {
            unit,
            suffix,
            decimals,
        }
    }

    /// One tick: `1,500`, `0.25`, `12.5 k`, `-300`, `1.2 B`.
    pub fn label(&self, value: f64) -> String {
        if value == 0.0 {
            return "0".to_string();
        }
        let text = format!("{:.*}", self.decimals, value / self.unit);
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) if rest.chars().any(|c| matches!(c, '1'..='9')) => ("-", rest),
            Some(rest) => ("", rest),
            None => ("", text.as_str()),
        };
        let (int, frac) = digits
            .split_once('.')
            .map_or((digits, None), |(i, f)| (i, Some(f)));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match frac {
            Some(frac) => format!("{sign}{grouped}.{frac}{}", self.suffix),
            None => format!("{sign}{grouped}{}", self.suffix),
        }
    }
}

/// How many ticks a money axis has at most.
const AXIS_TICKS: usize = 10;

/// The width of a money axis's label area: the widest tick label, the tick, and the rotated
/// axis title, so that labels never run into the title whatever the amounts.
pub fn money_label_area<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ticks: &[f64],
    format: &MoneyTicks,
) -> u32 {
    let widest = ticks
        .iter()
        .filter_map(|t| {
            area.estimate_text_size(&format.label(*t), &text_style(TEXT))
                .ok()
        })
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    widest + 12 + 34
}

/// The top of a money axis: the largest value plus headroom (at least 1, so an empty chart
/// still has an axis).
pub fn axis_top(largest: Decimal, headroom: f64) -> f64 {
    largest.to_f64().unwrap_or(0.0).max(0.0) * headroom
}

/// Axis words for a range of days: `UTC day, 2026-10-01 to 2026-10-31`.
pub fn day_axis_description(days: &[Day]) -> String {
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if first != last => format!("UTC day, {first} to {last}"),
        (Some(first), _) => format!("UTC day, {first}"),
        _ => "UTC day".to_string(),
    }
}

/// Which days of a day axis carry a label, and the label: chosen by the length of the range
/// so labels never crowd. Up to 31 days: day numbers (`7`, or `10-07` over two months), every
/// day or every few days; up to 18 weeks: Mondays (`10-05`); longer: month starts (`Oct`, with
/// the year on the first and on January: `Jan 2027`), every month or every 2, 3, 6 or 12. A label is `(index in days, text)`.
/// `fits` is how many labels of `width` pixels the axis holds.
pub fn day_ticks(days: &[Day], fits: &dyn Fn(usize, usize) -> bool) -> Vec<(usize, String)> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Vec::new();
    };
    let several_months = (first.year(), first.month()) != (last.year(), last.month());
    let n = days.len();
    if n <= 31 {
        let fmt = if several_months { "%m-%d" } else { "%-d" };
        let width = if several_months { 5 } else { 2 };
        let step = [1, 2, 3, 5, 7]
            .into_iter()
            .find(|step| fits(n.div_ceil(*step), width))
            .unwrap_or(7);
        return (0..n)
            .step_by(step)
            .map(|i| (i, days[i].format(fmt).to_string()))
            .collect();
    }
    if n <= 126 {
        let mondays: Vec<usize> = (0..n)
            .filter(|i| days[*i].weekday() == chrono::Weekday::Mon)
            .collect();
        let step = if fits(mondays.len(), 5) { 1 } else { 2 };
        return mondays
            .into_iter()
            .step_by(step)
            .map(|i| (i, days[i].format("%m-%d").to_string()))
            .collect();
    }
    let starts: Vec<usize> = (0..n).filter(|i| days[*i].day() == 1).collect();
    let step = [1u32, 2, 3, 6, 12]
        .into_iter()
        .find(|step| {
            let count = starts
                .iter()
                .filter(|i| (days[**i].month() - 1).is_multiple_of(*step))
                .count();
            fits(count, 5)
        })
        .unwrap_or(12);
    starts
        .into_iter()
        .filter(|i| (days[*i].month() - 1).is_multiple_of(step))
        .enumerate()
        .map(|(n, i)| {
            // The year on the first label and on each January.
            let fmt = if n == 0 || days[i].month() == 1 {
                "%b %Y"
            } else {
                "%b"
            };
            (i, days[i].format(fmt).to_string())
        })
        .collect()
}

/// The x axis of a day chart: one slot per day, `count` slots across the plot. A bar of day
/// `i` goes from `SegmentValue::Exact(i)` to `Exact(i + 1)`; a point sits at `CenterOf(i)`.
/// Unlike plotters' segmented range it has no empty slot after the last day, so a one-day
/// chart is one slot wide. Its labels are drawn by `day_axis_chart_below_zero`.
#[derive(Debug, Clone, Copy)]
pub struct DayAxis {
    count: usize,
}

impl Ranged for DayAxis {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = SegmentValue<usize>;

    fn map(&self, value: &SegmentValue<usize>, limit: (i32, i32)) -> i32 {
        let count = self.count.max(1) as f64;
        let at = match value {
            SegmentValue::Exact(i) => *i as f64,
            SegmentValue::CenterOf(i) => *i as f64 + 0.5,
            SegmentValue::Last => count,
        };
        limit.0 + ((f64::from(limit.1 - limit.0)) * at / count).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(
        &self,
        _hint: Hint,
    ) -> Vec<SegmentValue<usize>> {
        Vec::new()
    }

    fn range(&self) -> std::ops::Range<SegmentValue<usize>> {
        SegmentValue::Exact(0)..SegmentValue::Exact(self.count)
    }
}

impl plotters::coord::ranged1d::ValueFormatter<SegmentValue<usize>> for DayAxis {
    fn format(_value: &SegmentValue<usize>) -> String {
        String::new()
    }
}

/// A chart with one slot per day on x and money on y. Bars go from
/// `SegmentValue::Exact(i)` to `Exact(i + 1)`; the points of a line sit at `CenterOf(i)`.
pub type DayChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<DayAxis, RangedCoordf64>>;

/// `count` segments, `0..count` (plotters' segmented range includes its end, so `0..count - 1`).
fn segments(count: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..count.max(2) - 1).into_segmented()
}

/// A bar or band of a day chart.
type DayRect = Rectangle<(SegmentValue<usize>, f64)>;

/// Builds a day chart on `area` and draws its frame: a title, date labels (UTC) chosen by the
/// range's length, compact money ticks with the currency in the y axis title, a light grid.
/// The y axis runs from `y_bottom` (zero or less: credits can bring a stack or a running sum
/// below zero) to `y_top`.
pub fn day_axis_chart_below_zero<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    days: &[Day],
    currency: &str,
    y_bottom: f64,
    y_top: f64,
) -> Result<DayChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let y_bottom = y_bottom.min(0.0);
    let y_top = if y_top > 0.0 { y_top } else { 1.0 };
    let ticks = MoneyTicks::values(y_bottom, y_top);
    let format = MoneyTicks::for_ticks(&ticks);
    let label_area = money_label_area(area, &ticks, &format);
    let mut chart = ChartBuilder::on(area)
        .caption(title, caption_style())
        .margin(12)
        .x_label_area_size(58)
        .y_label_area_size(label_area)
        .build_cartesian_2d(
            DayAxis {
                count: days.len().max(1),
            },
            y_bottom..y_top,
        )?;
    let y_formatter = |value: &f64| format.label(*value);
    let x_formatter = |_: &SegmentValue<usize>| String::new();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(222, 222, 222))
        .x_labels(0)
        .y_labels(AXIS_TICKS)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .x_desc(day_axis_description(days))
        .y_desc(format!("cost ({currency})"))
        .label_style(text_style(TEXT))
        .axis_desc_style(text_style(TEXT))
        .draw()?;
    // The day labels, centred under their day, with a tick from the axis.
    let style = text_style(TEXT);
    let digit = area
        .estimate_text_size("0", &style)
        .map_or(8, |(w, _)| w.max(1)) as usize;
    let plot = chart.plotting_area().strip_coord_spec();
    let plot_width = plot.dim_in_pixel().0 as usize;
    let fits = |count: usize, chars: usize| count * (chars * digit + 8) <= plot_width;
    let (left, top) = area.get_base_pixel();
    let label_style = style.pos(Pos::new(HPos::Center, VPos::Top));
    for (i, text) in day_ticks(days, &fits) {
        let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i), y_bottom));
        let (x, y) = (x - left, y - top);
        area.draw(&PathElement::new(
            vec![(x, y), (x, y + 5)],
            BLACK.stroke_width(1),
        ))?;
        area.draw(&Text::new(text, (x, y + 8), label_style.clone()))?;
    }
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
        let style = text_style(TEXT).pos(Pos::new(HPos::Right, VPos::Top));
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
    let style = text_style(TEXT);
    let right = style.pos(Pos::new(HPos::Right, VPos::Top));
    let lines = [
        ("charges", charges),
        ("credits", credits),
        ("net total", net),
    ];
    let mut y = height as i32 - 60 - 24 * (lines.len() as i32 - 1);
    for (label, amount) in lines {
        area.draw(&Text::new(label, (8, y), style.clone()))?;
        area.draw(&Text::new(
            money_label(amount, currency),
            (width as i32 - 24, y),
            right.clone(),
        ))?;
        y += 24;
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
        text_style(TEXT),
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

    fn labels(low: f64, high: f64) -> Vec<String> {
        let ticks = MoneyTicks::values(low, high);
        let format = MoneyTicks::for_ticks(&ticks);
        ticks.iter().map(|t| format.label(*t)).collect()
    }

    #[test]
    fn chart_money_ticks_are_compact_and_alike() {
        assert_eq!(
            MoneyTicks::for_ticks(&[0.0, 500.0, 1500.0]).label(1500.0),
            "1,500"
        );
        assert_eq!(labels(0.0, 1.0)[..3], ["0", "0.20", "0.40"]);
        assert_eq!(labels(0.0, 150.0)[..3], ["0", "20", "40"]);
        assert_eq!(labels(-300.0, 100.0)[0], "-300");
        assert_eq!(labels(0.0, 9_000.0)[1], "1,000");
        assert_eq!(labels(0.0, 45_000.0)[..3], ["0", "5 k", "10 k"]);
        assert_eq!(labels(0.0, 3.5e6)[..3], ["0", "0.5 M", "1.0 M"]);
        assert_eq!(labels(0.0, 1.08e9)[5], "1.0 B");
        assert_eq!(labels(0.0, 1.3e11)[..3], ["0", "20 B", "40 B"]);
        assert_eq!(labels(-1.2e11, 1.2e11)[..2], ["-100 B", "-50 B"]);
        assert_eq!(labels(-1.0, 1.0)[..2], ["-1.00", "-0.50"]);
        // No tick label longer than 7 characters, whatever the amounts.
        for top in [1.0, 99.0, 1e5, 1.2e11, 7.9e15] {
            assert!(
                labels(-top, top).iter().all(|l| l.chars().count() <= 8),
                "{top}"
            );
        }
    }

    #[test]
    fn chart_day_ticks_follow_the_range_length() {
        let range =
            |from: &str, count: usize| -> Vec<Day> { day(from).iter_days().take(count).collect() };
        let all = |_: usize, _: usize| true;
        let october = range("2026-10-01", 31);
        let ticks = day_ticks(&october, &all);
        assert_eq!(ticks.len(), 31);
        assert_eq!(ticks[9], (9, "10".to_string()));
        // Weeks: Mondays (2026-10-05 is a Monday).
        let quarter = range("2026-10-01", 92);
        let ticks = day_ticks(&quarter, &all);
        assert_eq!(ticks[0], (4, "10-05".to_string()));
        assert!(
            ticks
                .iter()
                .all(|(i, _)| quarter[*i].weekday() == chrono::Weekday::Mon)
        );
        // A year: the first of each month, all 12 when they fit, quarters when they do not.
        let year = range("2026-01-01", 365);
        let ticks = day_ticks(&year, &all);
        assert_eq!(ticks.len(), 12);
        assert_eq!(ticks[0], (0, "Jan 2026".to_string()));
        assert_eq!(ticks[9], (273, "Oct".to_string()));
        let few = |count: usize, _: usize| count <= 4;
        let ticks: Vec<String> = day_ticks(&year, &few).into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["Jan 2026", "Apr", "Jul", "Oct"]);
        let over_new_year = range("2026-11-15", 120 + 60);
        let ticks: Vec<String> = day_ticks(&over_new_year, &all)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(ticks[..3], ["Dec 2026", "Jan 2027", "Feb"]);
        // 183 days from mid-April: every tick on a month start.
        let half = range("2026-04-15", 183);
        assert!(
            day_ticks(&half, &all)
                .iter()
                .all(|(i, _)| half[*i].day() == 1)
        );
        assert_eq!(
            day_ticks(&range("2026-10-07", 1), &all),
            [(0, "7".to_string())]
        );
    }

    #[test]
    fn chart_palette_is_distinct_and_hatching_has_contrast() {
        for (i, color) in PALETTE.iter().enumerate() {
            assert_ne!(*color, OTHER_COLOR);
            assert!(PALETTE[i + 1..].iter().all(|c| c != color));
            let ratio = contrast(lighter(*color), HATCH_COLOR);
            assert!(ratio >= 3.0, "{color:?}: {ratio}");
        }
        assert!(contrast(lighter(OTHER_COLOR), HATCH_COLOR) >= 3.0);
        assert!((contrast(WHITE, BLACK) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn chart_labels_are_cut_in_the_middle_and_stay_distinct() {
        // One pixel per character.
        let width = |t: &str| t.chars().count() as u32;
        assert_eq!(shorten("short", 10, &width, TAIL), "short");
        let cut = shorten("Serverless Read Units (aws us-east-1)", 20, &width, TAIL);
        assert_eq!(cut, "Serverless…s-east-1)");
        assert!(width(&cut) <= 20);
        let names: Vec<String> = (1..=4)
            .map(|n| format!("Serverless Read Units - dedicated read nodes tier {n}"))
            .collect();
        let cut: Vec<String> = names.iter().map(|n| shorten(n, 24, &width, TAIL)).collect();
        let mut unique = cut.clone();
        unique.dedup();
        assert_eq!(unique.len(), 4, "{cut:?}");
        assert!(distinct_as_given(&names, &cut));
        assert!(!distinct_as_given(
            &["a", "b"],
            &["x".to_string(), "x".to_string()]
        ));
    }
}

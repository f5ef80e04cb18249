//! The month-to-date chart of `tally alerts` (`chart-mtd.svg`, `chart-mtd.png`): first the pure
//! data (`MtdChart`, built from the alert results and the daily totals with exact decimals),
//! then its drawing with the shared pieces of `render::chart`.
//!
//! The running sum is exact `Decimal`, summed in the same order as `alerts::evaluate` sums it,
//! so the chart's last point is the reported spend to date and each marked day is the reported
//! first day. Only pixel coordinates go through `f64`. Owns no files.

use super::{
    DrawResult, Figure, LegendEntry, NoChart, Swatch, TEXT, TEXT_COLOR, axis_bottom, axis_top,
    day_axis_chart_below_zero, draw_legend, draw_total, fit_text, lighter, money_label,
    provisional_entry, series_color, shade_days, split_legend, text_style, zero_line,
};
use crate::alerts::{Alerts, SpikeBase};
use crate::model::{Day, exact_add, money_text};
use crate::render::table::display_money;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// One threshold, drawn as a horizontal dashed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdLine {
    pub value: Decimal,
    /// `threshold 2,500.00 USD`: the text written on the line and in the legend.
    pub label: String,
    /// The index in `MtdChart::days` of the day it was first reached, when it fired.
    pub first_day: Option<usize>,
}

/// The spike limit (factor × the previous period's total), drawn when the check ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpikeLine {
    pub value: Decimal,
    /// `spike limit 1,200.00 USD` (rounded half-even to cents): the legend's text.
    pub label: String,
    /// `2 × previous month 2026-09`: added to the label on the line.
    pub detail: String,
}

/// The month-end projection (`crate::forecast`), drawn as a dashed line from the last final
/// day to the month's end, apart from the spend line: a projection is never spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastLine {
    /// The index in `MtdChart::days` of the last final day, where the projection starts.
    pub from: usize,
    /// The projected running sum at the end of each later day of the month, in order:
    /// `final + S × k / n` on the k-th day (each division rounded half-even to 28 digits).
    pub values: Vec<Decimal>,
    /// The projected running sum on the last final day: its final spend.
    pub start: Decimal,
    /// `projected month end 310.00 USD` (rounded half-even to cents): the legend's text.
    pub label: String,
}

/// The data of `chart-mtd`: spend to date at the end of each UTC day of the watched period,
/// up to the as-of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtdChart {
    /// `Spend to date, 2026-10 ("org")`.
    pub title: String,
    pub currency: String,
    /// Every counted UTC day, in order, with or without data.
    pub days: Vec<Day>,
    /// Per day: the running sum through the end of that day.
    pub cumulative: Vec<Decimal>,
    /// Per day: still provisional.
    pub provisional: Vec<bool>,
    pub thresholds: Vec<ThresholdLine>,
    pub spike: Option<SpikeLine>,
    /// Why there is no spike line, when the check did not run (the previous period missing or
    /// incomplete): the alert's own note.
    pub spike_note: Option<String>,
    pub spend_to_date: Decimal,
    /// The days of the x axis: `days`, extended to the month's end when there is a forecast.
    pub axis_days: Vec<Day>,
    pub forecast: Option<ForecastLine>,
}

/// An amount as written on the chart: cents with thousands separators, or every digit when the
/// amount has more than two decimals (a threshold is shown as given, never rounded).
fn amount_label(value: Decimal) -> String {
    if value.round_dp(2) == value {
        return display_money(value);
    }
    // More than two decimals: every digit, thousands grouped as `display_money` groups them.
    let text = money_text(value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if value.is_sign_negative() { "-" } else { "" };
    let whole = display_money(Decimal::from_str_exact(int).unwrap_or_default());
    let whole = whole.trim_end_matches(".00");
    format!("{sign}{whole}.{frac}")
}

impl MtdChart {
    /// The chart behind `alerts`: `daily` is the cost per UTC day after filters (the same map
    /// the alerts were evaluated from), `heading` names the period (and the alert), and
    /// `previous_label` the period the spike compares with.
    pub fn from_alerts(
        alerts: &Alerts,
        daily: &BTreeMap<Day, Decimal>,
        currency: &str,
        heading: &str,
        previous_label: &str,
    ) -> Result<MtdChart, NoChart> {
        let days: Vec<Day> = match alerts.through {
            Some(through) => alerts
                .watched
                .from
                .iter_days()
                .take_while(|d| *d <= through)
                .collect(),
            None => Vec::new(),
        };
        let mut cumulative = Vec::with_capacity(days.len());
        let mut running = Decimal::ZERO;
        for day in &days {
            if let Some(cost) = daily.get(day) {
                running = exact_add(running, *cost).map_err(|_| NoChart::Overflow)?;
            }
            cumulative.push(running);
        }
        let provisional = days
            .iter()
            .map(|d| alerts.provisional_days.contains(d))
            .collect();
        let thresholds = alerts
            .thresholds
            .iter()
            .map(|t| ThresholdLine {
                value: t.threshold,
                label: format!("threshold {} {currency}", amount_label(t.threshold)),
                first_day: t
                    .first_day
                    .and_then(|first| days.iter().position(|d| *d == first)),
            })
            .collect();
        // The line says which base the spike compares with: the invoice, or the usage total.
        let base = match alerts.spike.base {
            SpikeBase::Invoice(amount) => Some((amount, "the previous invoice".to_string())),
            SpikeBase::Usage => alerts
                .spike
                .previous_total
                .map(|total| (total, format!("the usage total of {previous_label}"))),
        };
        let spike = match base {
            Some((amount, base)) => {
                let factor = alerts.spike.factor;
                let value = factor.checked_mul(amount).ok_or(NoChart::Overflow)?;
                Some(SpikeLine {
                    value,
                    // A computed figure, not one the user typed: rounded half-even to cents
                    // like every other chart label.
                    label: format!("spike limit {}", money_label(value, currency)),
                    detail: format!("{factor} × {base}"),
                })
            }
            None => None,
        };
        let mut axis_days = days.clone();
        let forecast = match &alerts.forecast {
            Some(f) => {
                let from = days
                    .iter()
                    .position(|d| *d == f.final_through)
                    .ok_or(NoChart::Overflow)?;
                let values = f.running().ok_or(NoChart::Overflow)?;
                axis_days = alerts
                    .watched
                    .from
                    .iter_days()
                    .take_while(|d| *d <= f.month.to)
                    .collect();
                Some(ForecastLine {
                    from,
                    values,
                    start: f.final_spend,
                    label: format!("projected month end {}", money_label(f.projected, currency)),
                })
            }
            None => None,
        };
        Ok(MtdChart {
            title: format!("Spend to date, {heading}"),
            currency: currency.to_string(),
            days,
            cumulative,
            provisional,
            thresholds,
            spike_note: spike.is_none().then(|| alerts.spike.note.clone()),
            spike,
            spend_to_date: running,
            axis_days,
            forecast,
        })
    }
}

/// The line of spend to date: the palette's first colour.
const SPEND_COLOR: RGBColor = super::PALETTE[0];
/// The spike line: darker than any threshold colour so the two kinds differ.
const SPIKE_COLOR: RGBColor = RGBColor(120, 80, 140);
/// The projection: a grey, so it never reads as spend.
const FORECAST_COLOR: RGBColor = RGBColor(110, 110, 110);

/// A dashed polyline through `points` (pixels of `area`).
fn dashed_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    color: RGBColor,
) -> DrawResult<DB> {
    let (dash, gap) = (8.0, 5.0);
    // How far into the current dash (or gap) the pattern is, carried across segments.
    let mut phase = 0.0f64;
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let length = dx.hypot(dy);
        let mut at = 0.0f64;
        while at < length {
            let period = dash + gap;
            let into = phase % period;
            let step = if into < dash {
                dash - into
            } else {
                period - into
            };
            let end = (at + step).min(length);
            if into < dash {
                let point = |t: f64| {
                    (
                        x0 + (dx * t / length).round() as i32,
                        y0 + (dy * t / length).round() as i32,
                    )
                };
                area.draw(&PathElement::new(
                    vec![point(at), point(end)],
                    color.stroke_width(2),
                ))?;
            }
            phase += end - at;
            at = end;
        }
    }
    Ok(())
}

/// The colour of the `index`th threshold: the palette after the spend line's blue.
fn threshold_color(index: usize) -> RGBColor {
    series_color(index + 1, false)
}

/// A colour darkened by a third: text in a line's colour, readable on white.
fn darker(color: RGBColor) -> RGBColor {
    let mix = |c: u8| (u16::from(c) * 2 / 3) as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Draws a horizontal dashed line from `x0` to `x1` at `y`, in pixels of `area`.
fn dashed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, x1): (i32, i32),
    y: i32,
    color: RGBColor,
) -> DrawResult<DB> {
    let (dash, gap) = (10, 6);
    let mut x = x0;
    while x < x1 {
        let end = (x + dash).min(x1);
        area.draw(&PathElement::new(
            vec![(x, y), (end, y)],
            color.stroke_width(2),
        ))?;
        x += dash + gap;
    }
    Ok(())
}

/// `text` broken at spaces into at most `max_lines` lines of at most `max_width` pixels; the
/// last line is cut with an ellipsis when the text does not fit.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
    max_lines: usize,
) -> Vec<String> {
    let width = |t: &str| area.estimate_text_size(t, style).map_or(0, |(w, _)| w);
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split(' ').peekable();
    while words.peek().is_some() {
        if lines.len() + 1 == max_lines {
            let rest: Vec<&str> = words.collect();
            lines.push(fit_text(area, &rest.join(" "), style, max_width));
            break;
        }
        let mut line = String::new();
        while let Some(word) = words.peek() {
            let candidate = if line.is_empty() {
                (*word).to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && width(&candidate) > max_width {
                break;
            }
            line = candidate;
            words.next();
        }
        lines.push(fit_text(area, &line, style, max_width));
    }
    lines
}

/// A pixel rectangle taken by a label: `(left, top, right, bottom)`.
type LabelBox = (i32, i32, i32, i32);

fn overlaps(a: LabelBox, b: LabelBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The first of `candidates` (top-left corners) where a `size` label overlaps none of `taken`,
/// or the first candidate when every one overlaps; the chosen box is added to `taken`.
/// Candidates that would leave `bounds` (the plot's width and height) are skipped.
fn place(
    candidates: &[(i32, i32)],
    size: (i32, i32),
    bounds: (i32, i32),
    taken: &mut Vec<LabelBox>,
) -> (i32, i32) {
    let boxed = |(x, y): (i32, i32)| (x, y, x + size.0, y + size.1);
    let inside = |b: LabelBox| b.0 >= 0 && b.1 >= 0 && b.2 <= bounds.0 && b.3 <= bounds.1;
    let chosen = candidates
        .iter()
        .copied()
        .find(|c| inside(boxed(*c)) && taken.iter().all(|t| !overlaps(boxed(*c), *t)))
        .unwrap_or(candidates[0]);
    taken.push(boxed(chosen));
    chosen
}

impl MtdChart {
    /// The legend column's width: 300 pixels, wider (up to 440) when a label with an amount
    /// would not fit (`projected month end 1,234,567.89 USD` was cut to `projected month…d`).
    fn legend_width<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> u32 {
        let style = text_style(TEXT);
        let labels = self
            .thresholds
            .iter()
            .map(|t| t.label.as_str())
            .chain(self.spike.iter().map(|s| s.label.as_str()))
            .chain(self.forecast.iter().map(|f| f.label.as_str()));
        let widest = labels
            .map(|label| root.estimate_text_size(label, &style).map_or(0, |(w, _)| w))
            .max()
            .unwrap_or(0);
        // A label starts 40 pixels in and keeps 8 clear of the edge (see `draw_legend`).
        (widest + 56).clamp(300, 440)
    }
}

impl Figure for MtdChart {
    fn title(&self) -> String {
        self.title.clone()
    }

    fn description(&self) -> String {
        let mut text = format!(
            "A line of the spend to date at the end of each UTC day, {} {} so far",
            display_money(self.spend_to_date),
            self.currency
        );
        for threshold in &self.thresholds {
            text.push_str(&format!("; {}", threshold.label));
        }
        if let Some(spike) = &self.spike {
            text.push_str(&format!("; {}", spike.label));
        }
        text.push('.');
        text
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let (plot, legend) = split_legend(root, self.legend_width(root));
        let largest = self
            .cumulative
            .iter()
            .copied()
            .chain(self.thresholds.iter().map(|t| t.value))
            .chain(self.spike.iter().map(|s| s.value))
            .chain(self.forecast.iter().flat_map(|f| f.values.iter().copied()))
            .max()
            .unwrap_or_default();
        let y_top = axis_top(largest, 1.12);
        // A credit can bring the running sum (or its projection) below zero; the axis then
        // reaches down to it.
        let lowest = self
            .cumulative
            .iter()
            .copied()
            .chain(self.forecast.iter().flat_map(|f| f.values.iter().copied()))
            .min()
            .unwrap_or_default();
        let y_bottom = axis_bottom(lowest, 1.12);
        let mut chart = day_axis_chart_below_zero(
            &plot,
            &self.title,
            &self.axis_days,
            &self.currency,
            y_bottom,
            y_top,
        )?;
        let y_end = chart.y_range().end;
        shade_days(&mut chart, &self.provisional, y_end, "provisional ▸")?;
        // Below zero only after a credit: the zero line shows where the sum crossed it.
        zero_line(&mut chart)?;

        let area = chart.plotting_area().strip_coord_spec();
        let (left, top) = area.get_base_pixel();
        let (width, height) = area.dim_in_pixel();
        let bounds = (width as i32, height as i32);
        let pixel_y = |value: Decimal| {
            let at = (SegmentValue::Exact(0), value.to_f64().unwrap_or(0.0));
            chart.backend_coord(&at).1 - top
        };
        let label_style = text_style(TEXT).pos(Pos::new(HPos::Left, VPos::Top));
        let text_size = |text: &str, style: &TextStyle| {
            let (w, h) = area.estimate_text_size(text, style).unwrap_or((0, 0));
            (w as i32, h as i32)
        };
        // Labels already drawn, so that later ones move aside instead of overwriting them.
        let mut taken: Vec<LabelBox> = Vec::new();

        // Horizontal lines first, so the spend line is drawn over them; each labelled just
        // above its left end, moved right along the line when a closer one took the place.
        let mut lines: Vec<(Decimal, String, String, RGBColor)> = self
            .thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    t.value,
                    t.label.clone(),
                    t.label.clone(),
                    threshold_color(i),
                )
            })
            .collect();
        if let Some(spike) = &self.spike {
            lines.push((
                spike.value,
                format!("{} ({})", spike.label, spike.detail),
                spike.label.clone(),
                SPIKE_COLOR,
            ));
        }
        for (value, _, _, color) in &lines {
            dashed(&area, (0, width as i32), pixel_y(*value), *color)?;
        }
        for (value, on_line, _, color) in &lines {
            let y = pixel_y(*value);
            let text = fit_text(&area, on_line, &label_style, width.saturating_sub(16));
            let size = text_size(&text, &label_style);
            let row = y - size.1 - 3;
            let mut candidates = vec![(6, row)];
            candidates.extend(
                taken
                    .iter()
                    .filter(|t| t.1 < row + size.1 && row < t.3)
                    .map(|t| (t.2 + 16, row)),
            );
            candidates.push((6, y + 4));
            let at = place(&candidates, size, bounds, &mut taken);
            area.draw(&Text::new(text, at, label_style.color(&darker(*color))))?;
        }

        // The projection, before the spend line so that the spend is drawn over it.
        if let Some(forecast) = &self.forecast {
            let projected: Vec<(i32, i32)> = std::iter::once(forecast.start)
                .chain(forecast.values.iter().copied())
                .enumerate()
                .map(|(k, value)| {
                    let at = (
                        SegmentValue::CenterOf(forecast.from + k),
                        value.to_f64().unwrap_or(0.0),
                    );
                    let (x, y) = chart.backend_coord(&at);
                    (x - left, y - top)
                })
                .collect();
            dashed_path(&area, &projected, FORECAST_COLOR)?;
            if let Some(&(x, y)) = projected.last() {
                area.draw(&Circle::new((x, y), 4, FORECAST_COLOR.stroke_width(2)))?;
            }
        }

        // The spend line: a point at the centre of each day; segments and points that end
        // on a provisional day are lighter and the points hollow.
        let points: Vec<(i32, i32)> = self
            .cumulative
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let at = (SegmentValue::CenterOf(i), value.to_f64().unwrap_or(0.0));
                let (x, y) = chart.backend_coord(&at);
                (x - left, y - top)
            })
            .collect();
        for (i, pair) in points.windows(2).enumerate() {
            let color = if self.provisional[i + 1] {
                lighter(SPEND_COLOR)
            } else {
                SPEND_COLOR
            };
            area.draw(&PathElement::new(pair.to_vec(), color.stroke_width(3)))?;
        }
        for (i, point) in points.iter().enumerate() {
            if self.provisional[i] {
                area.draw(&Circle::new(*point, 4, WHITE.filled()))?;
                area.draw(&Circle::new(
                    *point,
                    4,
                    lighter(SPEND_COLOR).stroke_width(2),
                ))?;
            } else {
                area.draw(&Circle::new(*point, 4, SPEND_COLOR.filled()))?;
            }
        }

        // The day each fired threshold was first reached: a ring in the threshold's colour
        // and the date, above-left of the ring or, when taken, below-right and so on.
        let date_style = text_style(TEXT).pos(Pos::new(HPos::Left, VPos::Top));
        // The line's points, and the rings about to be drawn, are not to be covered either.
        taken.extend(points.iter().map(|&(x, y)| (x - 5, y - 5, x + 5, y + 5)));
        for threshold in &self.thresholds {
            if let Some(&(x, y)) = threshold.first_day.and_then(|i| points.get(i)) {
                taken.push((x - 11, y - 11, x + 11, y + 11));
            }
        }
        for (n, threshold) in self.thresholds.iter().enumerate() {
            let Some(index) = threshold.first_day else {
                continue;
            };
            let Some(&(x, y)) = points.get(index) else {
                continue;
            };
            let color = threshold_color(n);
            area.draw(&Circle::new((x, y), 9, color.stroke_width(3)))?;
            let text = format!("reached {}", self.days[index].format("%m-%d"));
            let (w, h) = text_size(&text, &date_style);
            let candidates = [
                (x - 12 - w, y - 12 - h),
                (x + 12, y + 12),
                (x - 12 - w, y + 12),
                (x + 12, y - 12 - h),
                (x - w / 2, y - 14 - 2 * h),
                (x - w / 2, y + 12 + h),
            ];
            let at = place(&candidates, (w, h), bounds, &mut taken);
            area.draw(&Text::new(text, at, date_style.color(&darker(color))))?;
        }

        if self.days.is_empty() {
            let style = text_style(16).pos(Pos::new(HPos::Center, VPos::Center));
            let (w, h) = area.dim_in_pixel();
            area.draw(&Text::new(
                "no day of the period has begun by the as-of time",
                (w as i32 / 2, h as i32 / 2),
                style,
            ))?;
        }

        let mut entries = vec![LegendEntry {
            label: "spend to date".to_string(),
            swatch: Swatch::Line(SPEND_COLOR),
        }];
        for (_, _, in_legend, color) in &lines {
            entries.push(LegendEntry {
                label: in_legend.clone(),
                swatch: Swatch::Dashed(*color),
            });
        }
        if let Some(forecast) = &self.forecast {
            entries.push(LegendEntry {
                label: forecast.label.clone(),
                swatch: Swatch::Dashed(FORECAST_COLOR),
            });
        }
        if self.thresholds.iter().any(|t| t.first_day.is_some()) {
            entries.push(LegendEntry {
                label: "day first reached".to_string(),
                swatch: Swatch::Ring(TEXT_COLOR),
            });
        }
        entries.extend(provisional_entry(&self.provisional));
        draw_legend(&legend, "alerts", &entries)?;
        if let Some(note) = &self.spike_note {
            let style = text_style(TEXT);
            let (legend_width, legend_height) = legend.dim_in_pixel();
            let lines = wrap(&legend, note, &style, legend_width.saturating_sub(16), 3);
            let mut y = legend_height as i32 - 96 - 17 * lines.len() as i32;
            for line in lines {
                legend.draw(&Text::new(line, (8, y), style.clone()))?;
                y += 17;
            }
        }
        draw_total(&legend, "to date", self.spend_to_date, &self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{AlertInput, evaluate};
    use crate::model::{DateRange, Delay};
    use crate::render::chart::render;
    use crate::render::chart::tests::{day, money};
    use chrono::{DateTime, Utc};
    use std::collections::BTreeSet;

    /// September: one row, 3.333 on the 15th, every day covered (so the spike check runs).
    /// October as of the 5th (delay 3, so the 2nd..5th are provisional): 10.005 on the 1st,
    /// nothing on the 2nd, 0.995 on the 3rd, a credit of -1.00 on the 4th, 2.50 on the 5th,
    /// and 99 on the 6th, after the as-of day.
    fn mtd(thresholds: &[Decimal], as_of: &str) -> MtdChart {
        let daily: BTreeMap<Day, Decimal> = [
            ("2026-09-15", "3.333"),
            ("2026-10-01", "10.005"),
            ("2026-10-03", "0.995"),
            ("2026-10-04", "-1.00"),
            ("2026-10-05", "2.50"),
            ("2026-10-06", "99"),
        ]
        .iter()
        .map(|(d, c)| (day(d), money(c)))
        .collect();
        let covered: BTreeSet<Day> = day("2026-09-01").iter_days().take(36).collect();
        let alerts = evaluate(&AlertInput {
            watched: DateRange {
                from: day("2026-10-01"),
                to: day("2026-10-31"),
            },
            previous: DateRange {
                from: day("2026-09-01"),
                to: day("2026-09-30"),
            },
            previous_label: "previous month 2026-09".into(),
            daily: &daily,
            covered_days: &covered,
            thresholds,
            spike_factor: money("2"),
            previous_invoice: None,
            delay: Delay {
                as_of: DateTime::parse_from_rfc3339(&format!("{as_of}T00:00:00Z"))
                    .unwrap()
                    .with_timezone(&Utc),
                delay_days: 3,
            },
            month: true,
            forecast_thresholds: &[],
        })
        .unwrap();
        MtdChart::from_alerts(&alerts, &daily, "USD", "2026-10", "previous month 2026-09").unwrap()
    }

    #[test]
    fn alerts_chart_cumulative_spend_is_exact_up_to_the_as_of_day() {
        let chart = mtd(&[], "2026-10-05");
        // Every day of October up to the as-of day, the 5th; none after it.
        let october: Vec<Day> = day("2026-10-01").iter_days().take(5).collect();
        assert_eq!(chart.days, october);
        assert_eq!(chart.days.last(), Some(&day("2026-10-05")));
        // 10.005; + nothing; + 0.995 = 11.000; - 1.00 = 10.000; + 2.50 = 12.500.
        assert_eq!(
            chart.cumulative,
            ["10.005", "10.005", "11.000", "10.000", "12.500"].map(money)
        );
        assert_eq!(chart.spend_to_date, money("12.500"));
        assert_eq!(chart.title, "Spend to date, 2026-10");
    }

    #[test]
    fn alerts_chart_marks_provisional_days() {
        let chart = mtd(&[], "2026-10-05");
        assert_eq!(chart.provisional, [false, true, true, true, true]);
        // Four days later every one of them is final.
        let later = mtd(&[], "2026-10-09");
        assert_eq!(later.days.len(), 9);
        assert_eq!(&later.provisional[..5], [false; 5]);
        assert_eq!(&later.provisional[5..], [true; 4]);
    }

    #[test]
    fn alerts_chart_threshold_lines_and_first_days() {
        let chart = mtd(
            &[money("11"), money("12.5"), money("1000.005"), money("2500")],
            "2026-10-05",
        );
        let lines: Vec<(Decimal, &str, Option<usize>)> = chart
            .thresholds
            .iter()
            .map(|t| (t.value, t.label.as_str(), t.first_day))
            .collect();
        assert_eq!(
            lines,
            [
                // Reached on the 3rd (11.000), then lost with the credit: still marked.
                (money("11"), "threshold 11.00 USD", Some(2)),
                (money("12.5"), "threshold 12.50 USD", Some(4)),
                (money("1000.005"), "threshold 1,000.005 USD", None),
                (money("2500"), "threshold 2,500.00 USD", None),
            ]
        );
    }

    #[test]
    fn alerts_chart_spike_line_only_when_the_check_ran() {
        let ran = mtd(&[], "2026-10-05");
        assert_eq!(
            ran.spike,
            Some(SpikeLine {
                value: money("6.666"),
                label: "spike limit 6.67 USD".into(),
                detail: "2 × the usage total of previous month 2026-09".into(),
            })
        );
        // As of October 2nd, September 29th..30th are still provisional: no check, no line.
        assert_eq!(ran.spike_note, None);
        let early = mtd(&[], "2026-10-02");
        assert_eq!(early.spike, None);
        assert_eq!(
            early.spike_note.as_deref(),
            Some(
                "previous month 2026-09 is incomplete: 2026-09-29 to 2026-09-30 still \
                 provisional (final on 2026-10-04); no spike check"
            )
        );
        assert_eq!(early.cumulative, [money("10.005"), money("10.005")]);
    }

    #[test]
    fn alerts_chart_before_the_period_has_no_days() {
        let chart = mtd(&[money("1")], "2026-09-20");
        assert!(chart.days.is_empty());
        assert!(chart.cumulative.is_empty());
        assert_eq!(chart.thresholds[0].first_day, None);
        assert_eq!(chart.spend_to_date, Decimal::ZERO);
        // It still draws: an empty axis and a sentence.
        let rendered = render(&chart).unwrap();
        let svg = String::from_utf8(rendered.svg).unwrap();
        assert!(svg.contains("no day of the period has begun"));
    }

    #[test]
    fn alerts_chart_renders_labels_deterministically() {
        let chart = mtd(&[money("11"), money("12.5")], "2026-10-05");
        let first = render(&chart).unwrap();
        let svg = String::from_utf8(first.svg.clone()).unwrap();
        for text in [
            "threshold 11.00 USD",
            "threshold 12.50 USD",
            "spike limit 6.67 USD (2 × the usage total of previous month 2026-09)",
            "reached 10-03",
            "reached 10-05",
            "provisional (may change)",
            "to date 12.50 USD",
        ] {
            assert!(svg.contains(text), "{text} not in the SVG");
        }
        assert_eq!(&first.png[..8], b"\x89PNG\r\n\x1a\n");
        let again = render(&chart).unwrap();
        assert_eq!(first.svg, again.svg);
        assert_eq!(first.png, again.png);
    }

    #[test]
    fn alerts_chart_projects_to_the_month_end() {
        // As of October 5th (delay 3) only the 1st is final: 10.005, a run-rate of 10.005 a
        // day over the 2nd..31st (30 days). The projection starts at 10.005 on the 1st and
        // reaches 10.005 × 31 = 310.155 on the 31st: "310.16" rounded half-even to cents.
        let chart = mtd(&[money("11")], "2026-10-05");
        let forecast = chart.forecast.clone().unwrap();
        assert_eq!(forecast.from, 0);
        assert_eq!(forecast.start, money("10.005"));
        assert_eq!(forecast.values.len(), 30);
        assert_eq!(forecast.values[0], money("20.010"));
        assert_eq!(forecast.values[29], money("310.155"));
        assert_eq!(forecast.label, "projected month end 310.16 USD");
        // The axis runs to the month's end; the spend line stops at the as-of day.
        assert_eq!(chart.axis_days.len(), 31);
        assert_eq!(chart.days.len(), 5);
        let svg = String::from_utf8(render(&chart).unwrap().svg).unwrap();
        assert!(svg.contains("projected month end 310.16 USD"));
        // Before any final day, no projection and the axis ends at the as-of day.
        let early = mtd(&[], "2026-10-03");
        assert_eq!(early.forecast, None);
        assert_eq!(early.axis_days, early.days);
    }

    #[test]
    fn alerts_chart_widens_its_legend_for_a_long_amount() {
        // Before: a 300-pixel legend cut this label to "projected month…d 1,234,567.89 USD",
        // the full text only in the SVG's <title>.
        let mut chart = mtd(&[money("11")], "2026-10-05");
        let label = "projected month end 1,234,567.89 USD".to_string();
        chart.forecast.as_mut().unwrap().label = label.clone();
        let svg = String::from_utf8(render(&chart).unwrap().svg).unwrap();
        assert!(
            svg.contains(&format!("\n{label}\n</text>")),
            "{label} cut in the SVG"
        );
        assert!(!svg.contains('…'), "a label was cut");
    }

    #[test]
    fn alerts_chart_amount_labels() {
        assert_eq!(amount_label(money("2500")), "2,500.00");
        assert_eq!(amount_label(money("1234567.125")), "1,234,567.125");
        assert_eq!(amount_label(money("0.001")), "0.001");
    }
}

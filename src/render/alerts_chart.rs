//! The month-to-date chart of `tally alerts` (`chart-mtd.svg`, `chart-mtd.png`): first the pure
//! data (`MtdChart`, built from the alert results and the daily totals with exact decimals),
//! then its drawing with the shared pieces of `render::chart`.
//!
//! The running sum is exact `Decimal`, summed in the same order as `alerts::evaluate` sums it,
//! so the chart's last point is the reported spend to date and each marked day is the reported
//! first day. Only pixel coordinates go through `f64`. Owns no files.

use crate::alerts::Alerts;
use crate::model::{Day, exact_add, money_text};
use crate::render::chart::{
    DrawResult, Figure, LegendEntry, NoChart, Swatch, TEXT_COLOR, axis_top, day_axis_chart,
    draw_legend, fit_text, lighter, series_color, shade_days, split_legend, text_style,
};
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
    pub spend_to_date: Decimal,
}

/// An amount as written on the chart: cents with thousands separators, or every digit when the
/// amount has more than two decimals (a threshold is shown as given, never rounded).
fn amount_label(value: Decimal) -> String {
    if value.round_dp(2) == value {
        display_money(value)
    } else {
        money_text(value)
    }
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
        let spike = match alerts.spike.previous_total {
            Some(previous_total) => {
                let factor = alerts.spike.factor;
                let value = factor
                    .checked_mul(previous_total)
                    .ok_or(NoChart::Overflow)?;
                Some(SpikeLine {
                    value,
                    label: format!(
                        "spike {factor} × {previous_label} = {} {currency}",
                        amount_label(value)
                    ),
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
            spike,
            spend_to_date: running,
        })
    }
}

/// The line of spend to date.
const SPEND_COLOR: RGBColor = RGBColor(78, 121, 167);
/// The spike line: darker than any threshold colour so the two kinds differ.
const SPIKE_COLOR: RGBColor = RGBColor(120, 80, 140);

/// The colour of the `index`th threshold: the palette after the spend line's blue.
fn threshold_color(index: usize) -> RGBColor {
    series_color(index + 1, false)
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

impl Figure for MtdChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let (plot, legend) = split_legend(root, 300);
        let largest = self
            .cumulative
            .iter()
            .copied()
            .chain(self.thresholds.iter().map(|t| t.value))
            .chain(self.spike.iter().map(|s| s.value))
            .max()
            .unwrap_or_default();
        let y_top = axis_top(largest, 1.12);
        let mut chart = day_axis_chart(&plot, &self.title, &self.days, &self.currency, y_top)?;
        let y_end = chart.y_range().end;
        shade_days(&mut chart, &self.provisional, y_end, "provisional ▸")?;

        let area = chart.plotting_area().strip_coord_spec();
        let (left, top) = area.get_base_pixel();
        let (width, _) = area.dim_in_pixel();
        let pixel_y = |value: Decimal| {
            let (_, y) =
                chart.backend_coord(&(SegmentValue::Exact(0), value.to_f64().unwrap_or(0.0)));
            y - top
        };
        let label_style = text_style(13).pos(Pos::new(HPos::Left, VPos::Bottom));
        let max_label = width.saturating_sub(16);

        // Horizontal lines first, so the spend line is drawn over them.
        let mut lines: Vec<(Decimal, &str, RGBColor)> = self
            .thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| (t.value, t.label.as_str(), threshold_color(i)))
            .collect();
        if let Some(spike) = &self.spike {
            lines.push((spike.value, spike.label.as_str(), SPIKE_COLOR));
        }
        for (value, label, color) in &lines {
            let y = pixel_y(*value);
            dashed(&area, (0, width as i32), y, *color)?;
            area.draw(&Text::new(
                fit_text(&area, label, &label_style, max_label),
                (6, y - 3),
                label_style.color(color),
            ))?;
        }

        // The spend line: a point at the centre of each day; segments and points that end
        // on a provisional day are lighter and the points hollow.
        let points: Vec<(i32, i32)> = self
            .cumulative
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let (x, y) = chart
                    .backend_coord(&(SegmentValue::CenterOf(i), value.to_f64().unwrap_or(0.0)));
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
        // and the date.
        let date_style = text_style(12).pos(Pos::new(HPos::Right, VPos::Bottom));
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
            area.draw(&Text::new(text, (x - 10, y - 10), date_style.color(&color)))?;
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
        for (_, label, color) in &lines {
            entries.push(LegendEntry {
                label: (*label).to_string(),
                swatch: Swatch::Dashed(*color),
            });
        }
        if self.thresholds.iter().any(|t| t.first_day.is_some()) {
            entries.push(LegendEntry {
                label: "day first reached".to_string(),
                swatch: Swatch::Ring(TEXT_COLOR),
            });
        }
        if self.provisional.iter().any(|p| *p) {
            entries.push(LegendEntry {
                label: "provisional (may change)".to_string(),
                swatch: Swatch::Provisional,
            });
        }
        draw_legend(&legend, "alerts", &entries)?;
        let total = format!(
            "to date {} {}",
            display_money(self.spend_to_date),
            self.currency
        );
        legend.draw(&Text::new(
            total,
            (8, legend.dim_in_pixel().1 as i32 - 60),
            text_style(14),
        ))?;
        Ok(())
    }
}

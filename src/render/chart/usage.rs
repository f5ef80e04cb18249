//! The charts of `tally report`: first the pure data (`DailyChart`, stacked daily cost by the
//! first grouping key; `ShareChart`, each key's share of the charges), built from a `Summary`
//! with exact decimals, then their drawing with the shared pieces of `render::chart`.

use super::{
    DayRect, DrawResult, Figure, LegendEntry, MAX_CHART_DAYS, MAX_SERIES, MoneyTicks, NoChart,
    Swatch, TEXT, axis_bottom, axis_top, caption_style, day_axis_chart_below_zero, draw_legend,
    draw_net_figures, draw_total, fit_labels, fit_text, hatch, lighter, money_label, net_tick,
    provisional_entry, scope_band, segments, series_color, shade_days, split_legend, text_style,
    title_style, zero_line,
};
use crate::aggregate::Summary;
use crate::model::{Day, exact_add};
use crate::render::table::display_money;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::element::BackendCoordOnly;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// The label of the bucket that gathers every key outside the top N.
pub const OTHER: &str = "other";
/// How an empty key value (a row without the grouping column) is shown.
pub const EMPTY_KEY: &str = "(none)";

/// One stacked series of the daily chart: a key (or "other") and its cost on each day.
///
/// A day's charges (positive amounts) and credits or refunds (negative amounts) are kept
/// apart, so that a credit is drawn below zero instead of being netted into a charge: `up`
/// holds the positive part and `down` the negative part of each day, each summed exactly from
/// the report's daily rows, and `values` their net.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub label: String,
    /// True for the "other" bucket.
    pub is_other: bool,
    /// How many keys the series holds (more than one only for "other").
    pub keys: usize,
    /// Net cost over the whole range.
    pub total: Decimal,
    /// Net cost per day, aligned with `DailyChart::days`.
    pub values: Vec<Decimal>,
    /// Per day: the sum of the positive daily rows (zero or more).
    pub up: Vec<Decimal>,
    /// Per day: the sum of the negative daily rows, credits and refunds (zero or less).
    pub down: Vec<Decimal>,
}

/// One bar piece of a day's stack, from `bottom` to `top` (`bottom < top`), in exact money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The index in `DailyChart::series`.
    pub series: usize,
    pub bottom: Decimal,
    pub top: Decimal,
}

/// A day's stacks: charges upward from zero, credits downward from zero, and the net.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayStack {
    /// Positive pieces (series order, from zero up), then negative pieces (series order, from
    /// zero down).
    pub segments: Vec<Segment>,
    /// The top of the positive stack: the day's charges (zero or more).
    pub up: Decimal,
    /// The bottom of the negative stack: the day's credits (zero or less).
    pub down: Decimal,
    /// `up + down`: the day's net cost, where the net marker is drawn.
    pub net: Decimal,
}

/// The data of `chart-daily`: stacked daily cost by the report's first grouping key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyChart {
    /// The first grouping key (`service`, `sku`, …).
    pub key_name: String,
    pub currency: String,
    /// Every UTC day shown, in order, with or without data.
    pub days: Vec<Day>,
    /// Per day: still provisional (cost data may arrive late).
    pub provisional: Vec<bool>,
    /// The keys with the largest amounts (charges plus credits, by size), ordered by charges
    /// then by credits (descending), then "other" when some keys are left.
    pub series: Vec<Series>,
    /// Per day: the stacks to draw, summed exactly.
    pub stacks: Vec<DayStack>,
    /// Per day: the net sum of every series.
    pub day_totals: Vec<Decimal>,
    /// Sum of every positive part: the charges before credits.
    pub charges: Decimal,
    /// Sum of every negative part: credits and refunds (zero or less).
    pub credits: Decimal,
    /// Net total: `charges + credits`.
    pub total: Decimal,
    /// The report's scope (range, as-of, filters, billed or estimated), drawn under the
    /// title so that a chart shown alone still says what it covers. Empty: no line.
    pub scope: String,
}

/// One bar of `chart-share` (a charge), or one line of its credits list (a credit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareBar {
    pub label: String,
    pub is_other: bool,
    /// Positive for a bar, negative for a credit.
    pub cost: Decimal,
    /// How many keys the bar holds (more than one only for "other").
    pub keys: usize,
}

/// The data of `chart-share`: gross cost (charges, positive amounts only) by key over the whole
/// range, largest first, "other" last; each bar's share is of `gross`, so shares add to 100%.
/// Credits and refunds are listed apart in `credits` (largest first, "other" last) and never
/// drawn as a slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareChart {
    pub key_name: String,
    pub currency: String,
    pub bars: Vec<ShareBar>,
    pub credits: Vec<ShareBar>,
    /// Sum of the bars: every positive amount.
    pub gross: Decimal,
    /// Sum of the credits (zero or less).
    pub credits_total: Decimal,
    /// Net total: `gross + credits_total`.
    pub total: Decimal,
    /// The report's scope, drawn under the title (see `DailyChart::scope`).
    pub scope: String,
}

/// A charge part and a credit part, each summed exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Parts {
    up: Decimal,
    down: Decimal,
}

impl Parts {
    fn add(&mut self, cost: Decimal) -> Result<(), NoChart> {
        let part = if cost.is_sign_negative() {
            &mut self.down
        } else {
            &mut self.up
        };
        *part = exact_add(*part, cost).map_err(|_| NoChart::Overflow)?;
        Ok(())
    }

    fn merge(&mut self, other: Parts) -> Result<(), NoChart> {
        self.up = exact_add(self.up, other.up).map_err(|_| NoChart::Overflow)?;
        self.down = exact_add(self.down, other.down).map_err(|_| NoChart::Overflow)?;
        Ok(())
    }

    fn net(self) -> Result<Decimal, NoChart> {
        exact_add(self.up, self.down).map_err(|_| NoChart::Overflow)
    }

    /// How much the key weighs in a chart: charges plus credits by size.
    fn size(self) -> Decimal {
        self.up.saturating_sub(self.down)
    }
}

/// Charges and credits per first-key value over the range, and per (day, value). Each daily
/// row of the summary goes whole to one side, by its sign.
struct ByKey {
    totals: BTreeMap<String, Parts>,
    per_day: BTreeMap<(Day, String), Parts>,
}

fn by_first_key(summary: &Summary) -> Result<ByKey, NoChart> {
    if summary.daily.is_empty() {
        return Err(NoChart::NoData {
            from: summary.range.from,
            to: summary.range.to,
        });
    }
    let mut totals: BTreeMap<String, Parts> = BTreeMap::new();
    let mut per_day: BTreeMap<(Day, String), Parts> = BTreeMap::new();
    for row in &summary.daily {
        let key = match row.keys.first().map(String::as_str) {
            None | Some("") => EMPTY_KEY.to_string(),
            Some(value) => value.to_string(),
        };
        totals.entry(key.clone()).or_default().add(row.cost)?;
        per_day.entry((row.day, key)).or_default().add(row.cost)?;
    }
    Ok(ByKey { totals, per_day })
}

/// Keys by `weight`, descending; equal weights by name so the order is stable. Keys of weight
/// zero are left out unless `keep_zero`.
fn ranked(
    totals: &BTreeMap<String, Parts>,
    weight: impl Fn(Parts) -> Decimal,
    keep_zero: bool,
) -> Vec<(&String, Parts)> {
    let mut ranked: Vec<(&String, Parts)> = totals
        .iter()
        .map(|(k, v)| (k, *v))
        .filter(|(_, v)| keep_zero || !weight(*v).is_zero())
        .collect();
    ranked.sort_by(|a, b| weight(b.1).cmp(&weight(a.1)).then_with(|| a.0.cmp(b.0)));
    ranked
}

/// How many of `count` ranked keys keep their own name: all when at most one would be left for
/// "other" (a single leftover key is shown under its own name), else `top`.
fn kept(count: usize, top: usize) -> usize {
    if count <= top + 1 { count } else { top }
}

fn currency_of(summary: &Summary) -> Result<String, NoChart> {
    if summary.mixed_sources() {
        return Err(NoChart::MixedSources);
    }
    summary.currency.clone().ok_or(NoChart::SeveralCurrencies)
}

/// The days a daily chart shows: the range up to the as-of day (or the last day with data,
/// when later), so that a month-to-date report does not show empty future days.
/// Refused (`NoChart::TooManyDays`) when they are more than `MAX_CHART_DAYS`, before any
/// per-day work.
pub fn shown_days(summary: &Summary) -> Result<Vec<Day>, NoChart> {
    let last_data = summary.daily.iter().map(|row| row.day).max();
    let as_of_day = summary.delay.as_of.date_naive();
    let from = summary.range.from;
    let last = as_of_day
        .max(last_data.unwrap_or(from))
        .min(summary.range.to)
        .max(from);
    let days = (last - from).num_days() + 1;
    if days > MAX_CHART_DAYS {
        return Err(NoChart::TooManyDays {
            days,
            from,
            to: last,
        });
    }
    Ok(from.iter_days().take_while(|day| *day <= last).collect())
}

/// Stacks each day of `series`: positive parts upward from zero, then negative parts downward
/// from zero, both in series order; every edge is an exact sum.
fn stack(series: &[Series], days: usize) -> Result<Vec<DayStack>, NoChart> {
    let add = |a: Decimal, b: Decimal| exact_add(a, b).map_err(|_| NoChart::Overflow);
    let mut stacks = Vec::with_capacity(days);
    for i in 0..days {
        let mut day = DayStack::default();
        for (s, series) in series.iter().enumerate() {
            let part = series.up[i];
            if part > Decimal::ZERO {
                let top = add(day.up, part)?;
                day.segments.push(Segment {
                    series: s,
                    bottom: day.up,
                    top,
                });
                day.up = top;
            }
        }
        for (s, series) in series.iter().enumerate() {
            let part = series.down[i];
            if part < Decimal::ZERO {
                let bottom = add(day.down, part)?;
                day.segments.push(Segment {
                    series: s,
                    bottom,
                    top: day.down,
                });
                day.down = bottom;
            }
        }
        day.net = add(day.up, day.down)?;
        stacks.push(day);
    }
    Ok(stacks)
}

impl DailyChart {
    /// Stacked daily cost: the `top` keys with the largest amounts over the range (charges
    /// plus credits by size), each a series, and the rest summed into "other" (only when it
    /// holds two or more keys: a single leftover key is shown under its own name). "other"
    /// keeps its charges and its credits apart like every series.
    pub fn from_summary(summary: &Summary, top: usize) -> Result<DailyChart, NoChart> {
        let top = top.clamp(1, MAX_SERIES);
        let by_key = by_first_key(summary)?;
        let currency = currency_of(summary)?;
        let ranked = ranked(&by_key.totals, Parts::size, true);
        let days = shown_days(summary)?;
        let keep = kept(ranked.len(), top);
        // The kept keys in the share chart's order (largest charges first, then the largest
        // credits), so that a key has the same colour in both charts.
        let mut shown = ranked[..keep].to_vec();
        shown.sort_by(|a, b| {
            (b.1.up.cmp(&a.1.up))
                .then(a.1.down.cmp(&b.1.down))
                .then_with(|| a.0.cmp(b.0))
        });
        let empty = |label: String, is_other: bool| Series {
            label,
            is_other,
            keys: if is_other { ranked.len() - keep } else { 1 },
            total: Decimal::ZERO,
            values: vec![Decimal::ZERO; days.len()],
            up: vec![Decimal::ZERO; days.len()],
            down: vec![Decimal::ZERO; days.len()],
        };
        let mut series: Vec<Series> = shown
            .iter()
            .map(|(key, _)| empty((*key).clone(), false))
            .collect();
        if keep < ranked.len() {
            series.push(empty(OTHER.to_string(), true));
        }
        let mut slot: BTreeMap<&str, usize> =
            ranked.iter().map(|(key, _)| (key.as_str(), keep)).collect();
        for (i, (key, _)) in shown.iter().enumerate() {
            slot.insert(key.as_str(), i);
        }
        let first_day = days.first().copied();
        let mut parts = vec![vec![Parts::default(); days.len()]; series.len()];
        let mut all = Parts::default();
        for ((day, key), cost) in &by_key.per_day {
            let (Some(first), Some(&s)) = (first_day, slot.get(key.as_str())) else {
                continue;
            };
            let Ok(index) = usize::try_from((*day - first).num_days()) else {
                continue;
            };
            if index >= days.len() {
                continue;
            }
            parts[s][index].merge(*cost)?;
            all.merge(*cost)?;
        }
        let mut day_totals = vec![Decimal::ZERO; days.len()];
        for (series, parts) in series.iter_mut().zip(&parts) {
            let mut sum = Parts::default();
            for (i, part) in parts.iter().enumerate() {
                series.up[i] = part.up;
                series.down[i] = part.down;
                series.values[i] = part.net()?;
                day_totals[i] =
                    exact_add(day_totals[i], series.values[i]).map_err(|_| NoChart::Overflow)?;
                sum.merge(*part)?;
            }
            series.total = sum.net()?;
        }
        let stacks = stack(&series, days.len())?;
        // The provisional days are consecutive and sorted: a range check per day, not a search.
        let provisional = days
            .iter()
            .map(|day| {
                match (
                    summary.provisional_days.first(),
                    summary.provisional_days.last(),
                ) {
                    (Some(first), Some(last)) => first <= day && day <= last,
                    _ => false,
                }
            })
            .collect();
        Ok(DailyChart {
            key_name: summary.key_names.first().cloned().unwrap_or_default(),
            currency,
            days,
            provisional,
            series,
            stacks,
            day_totals,
            charges: all.up,
            credits: all.down,
            total: all.net()?,
            scope: String::new(),
        })
    }

    /// The money range the y axis must hold: the lowest credit stack (zero or less) and the
    /// highest charge stack (zero or more), exact.
    pub fn y_range(&self) -> (Decimal, Decimal) {
        let low = self.stacks.iter().map(|s| s.down).min().unwrap_or_default();
        let high = self.stacks.iter().map(|s| s.up).max().unwrap_or_default();
        (low.min(Decimal::ZERO), high.max(Decimal::ZERO))
    }

    /// True when some day holds a credit or refund.
    pub fn has_credits(&self) -> bool {
        self.credits < Decimal::ZERO
    }
}

/// The top `top` of `ranked` by `part`, then "other" (when two or more keys are left).
fn share_bars(
    ranked: &[(&String, Parts)],
    top: usize,
    part: impl Fn(Parts) -> Decimal,
) -> Result<(Vec<ShareBar>, Decimal), NoChart> {
    let keep = kept(ranked.len(), top);
    let mut bars: Vec<ShareBar> = ranked[..keep]
        .iter()
        .map(|(key, parts)| ShareBar {
            label: (*key).clone(),
            is_other: false,
            cost: part(*parts),
            keys: 1,
        })
        .collect();
    let mut other = Decimal::ZERO;
    for (_, parts) in &ranked[keep..] {
        other = exact_add(other, part(*parts)).map_err(|_| NoChart::Overflow)?;
    }
    if keep < ranked.len() {
        bars.push(ShareBar {
            label: OTHER.to_string(),
            is_other: true,
            cost: other,
            keys: ranked.len() - keep,
        });
    }
    let mut total = Decimal::ZERO;
    for bar in &bars {
        total = exact_add(total, bar.cost).map_err(|_| NoChart::Overflow)?;
    }
    Ok((bars, total))
}

impl ShareChart {
    /// Gross cost by key over the whole range: the top keys by charges, largest first, then
    /// "other" (when it holds two or more keys); and apart, the keys with credits, largest
    /// credit first, then "other".
    pub fn from_summary(summary: &Summary, top: usize) -> Result<ShareChart, NoChart> {
        let top = top.clamp(1, MAX_SERIES);
        let by_key = by_first_key(summary)?;
        let currency = currency_of(summary)?;
        let charged = ranked(&by_key.totals, |p| p.up, false);
        let credited = ranked(&by_key.totals, |p| -p.down, false);
        let (bars, gross) = share_bars(&charged, top, |p| p.up)?;
        let (credits, credits_total) = share_bars(&credited, top, |p| p.down)?;
        Ok(ShareChart {
            key_name: summary.key_names.first().cloned().unwrap_or_default(),
            currency,
            bars,
            credits,
            gross,
            credits_total,
            total: exact_add(gross, credits_total).map_err(|_| NoChart::Overflow)?,
            scope: String::new(),
        })
    }

    /// Each bar's share of the charges, in percent, before rounding (to 28 digits): every
    /// bar is a part of `gross`, so they add to 100. `None` when nothing was charged.
    pub fn shares(&self) -> Vec<Option<Decimal>> {
        self.bars
            .iter()
            .map(|bar| share_of(bar.cost, self.gross))
            .collect()
    }
}

impl Figure for DailyChart {
    fn title(&self) -> String {
        format!("Daily cost by {} ({})", self.key_name, self.currency)
    }

    fn description(&self) -> String {
        let range = match (self.days.first(), self.days.last()) {
            (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
            (Some(first), _) => first.to_string(),
            _ => String::new(),
        };
        let names: Vec<&str> = self.series.iter().map(|s| s.label.as_str()).collect();
        let mut text = format!(
            "Stacked bars of the cost of each UTC day, {range}, by {}: {}. Total {} {}",
            self.key_name,
            names.join(", "),
            display_money(self.total),
            self.currency
        );
        if self.has_credits() {
            text.push_str(&format!(
                " (charges {}, credits {})",
                display_money(self.charges),
                display_money(self.credits)
            ));
        }
        text.push('.');
        if let Some(first) = self.provisional.iter().position(|p| *p) {
            text.push_str(&format!(
                " Days from {} on are provisional.",
                self.days[first]
            ));
        }
        text
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = scope_band(root, &self.scope)?;
        let (plot, legend) = split_legend(&body, 300);
        // The axis holds the highest charge stack and the lowest credit stack.
        let (low, high) = self.y_range();
        let y_top = axis_top(high, 1.08);
        let y_bottom = axis_bottom(low, 1.08);
        let title = format!("Daily cost by {} ({})", self.key_name, self.currency);
        let mut chart =
            day_axis_chart_below_zero(&plot, &title, &self.days, &self.currency, y_bottom, y_top)?;
        let y_end = chart.y_range().end;
        shade_days(&mut chart, &self.provisional, y_end, "provisional ▸")?;
        // Charges stack up from zero, the largest key first and "other" on top; credits stack
        // down from zero in the same order. The edges were summed exactly (`stack`): pixel
        // positions are the only place money becomes f64.
        // A gap of 3 pixels each side of a bar, less when days are narrow (a year is about 2
        // pixels a day), and bars at most 80 pixels wide, centred, when days are few.
        let slot = chart.plotting_area().dim_in_pixel().0 / self.days.len().max(1) as u32;
        let gap = match slot {
            0..=4 => 0,
            5..=11 => 1,
            _ => 3.max(slot.saturating_sub(80) / 2),
        };
        let gap_px = gap as i32;
        let mut hatches = Vec::new();
        let mut bars = Vec::new();
        for (i, stack) in self.stacks.iter().enumerate() {
            for segment in &stack.segments {
                let series = &self.series[segment.series];
                let color = series_color(segment.series, series.is_other);
                let fill = if self.provisional[i] {
                    lighter(color)
                } else {
                    color
                };
                let corners = [
                    (SegmentValue::Exact(i), segment.top.to_f64().unwrap_or(0.0)),
                    (
                        SegmentValue::Exact(i + 1),
                        segment.bottom.to_f64().unwrap_or(0.0),
                    ),
                ];
                if self.provisional[i] {
                    hatches.push(corners.clone());
                }
                let mut bar = Rectangle::new(corners, fill.filled());
                bar.set_margin(0, 0, gap, gap);
                bars.push(bar);
            }
        }
        chart.draw_series::<BackendCoordOnly, DayRect, _, _>(bars)?;
        let area = chart.plotting_area().strip_coord_spec();
        let (left, top) = area.get_base_pixel();
        for [a, b] in hatches {
            let (x0, y0) = chart.backend_coord(&a);
            let (x1, y1) = chart.backend_coord(&b);
            hatch(
                &area,
                (x0 - left + gap_px, y0 - top),
                (x1 - left - gap_px, y1 - top),
            )?;
        }
        zero_line(&mut chart)?;
        let credits = self.has_credits();
        if credits {
            // Each day's net (charges plus credits) as a black tick across its bar.
            for (i, stack) in self.stacks.iter().enumerate() {
                if stack.segments.is_empty() {
                    continue;
                }
                let net = stack.net.to_f64().unwrap_or(0.0);
                let (x0, y) = chart.backend_coord(&(SegmentValue::Exact(i), net));
                let (x1, _) = chart.backend_coord(&(SegmentValue::Exact(i + 1), net));
                net_tick(&area, (x0 - left + gap_px, x1 - left - gap_px), y - top)?;
            }
        }
        // The legend reads top-down like the stacks: the charges from the top down, then the
        // keys that only have credits, from zero down.
        let entry = |(s, series): (usize, &Series)| LegendEntry {
            label: if series.is_other {
                format!("{} ({} keys)", series.label, series.keys)
            } else {
                series.label.clone()
            },
            swatch: Swatch::Solid(series_color(s, series.is_other)),
        };
        let charged = |series: &Series| series.up.iter().any(|v| !v.is_zero());
        let mut entries: Vec<LegendEntry> = self
            .series
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, series)| charged(series))
            .map(entry)
            .collect();
        entries.extend(
            self.series
                .iter()
                .enumerate()
                .filter(|(_, series)| !charged(series))
                .map(entry),
        );
        if credits {
            entries.push(LegendEntry {
                label: "below 0: credits, refunds".to_string(),
                swatch: Swatch::Zero,
            });
            entries.push(LegendEntry {
                label: "net of the day".to_string(),
                swatch: Swatch::Tick,
            });
        }
        entries.extend(provisional_entry(&self.provisional));
        draw_legend(&legend, &self.key_name, &entries)?;
        if credits {
            let figures = [self.charges, self.credits, self.total];
            draw_net_figures(&legend, &self.currency, figures)
        } else {
            draw_total(&legend, "total", self.total, &self.currency)
        }
    }
}

impl Figure for ShareChart {
    fn title(&self) -> String {
        format!("Cost by {} ({})", self.key_name, self.currency)
    }

    fn description(&self) -> String {
        let bars: Vec<String> = self
            .bars
            .iter()
            .zip(self.shares())
            .map(|(bar, share)| {
                format!(
                    "{} {} ({})",
                    bar.label,
                    display_money(bar.cost),
                    percent_text(share)
                )
            })
            .collect();
        let mut text = format!(
            "Horizontal bars of the charges by {}, largest first: {}.",
            self.key_name,
            bars.join("; ")
        );
        if !self.credits.is_empty() {
            text.push_str(&format!(
                " Credits and refunds {}, net total {} {}.",
                display_money(self.credits_total),
                display_money(self.total),
                self.currency
            ));
        }
        text
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = scope_band(root, &self.scope)?;
        // Credits are listed in a column of their own, never drawn as a bar or slice.
        let split = (!self.credits.is_empty()).then(|| split_legend(&body, 300));
        let plot = split.as_ref().map_or(&body, |(plot, _)| plot);
        let label_width = if self.credits.is_empty() { 330u32 } else { 260 };
        let label_style = text_style(TEXT);
        let labels: Vec<String> = self
            .bars
            .iter()
            .map(|bar| {
                if bar.is_other {
                    format!("{} ({} keys)", bar.label, bar.keys)
                } else {
                    bar.label.clone()
                }
            })
            .collect();
        let labels = fit_labels(plot, &labels, &label_style, label_width - 16);
        let largest = self.bars.iter().map(|b| b.cost).max().unwrap_or_default();
        // Room on the right for the value labels.
        let x_top = axis_top(largest, 1.32);
        let x_top = if x_top > 0.0 { x_top } else { 1.0 };
        let count = self.bars.len().max(1);
        let title = if self.credits.is_empty() {
            format!(
                "Cost by {}, total {}",
                self.key_name,
                money_label(self.total, &self.currency)
            )
        } else {
            format!(
                "Charges by {}, {} before credits (shares of charges)",
                self.key_name,
                money_label(self.gross, &self.currency)
            )
        };
        let mut chart = ChartBuilder::on(plot)
            .caption(title, caption_style())
            .margin(16)
            .margin_right(44)
            .x_label_area_size(54)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0f64..x_top, segments(count))?;
        // The largest bar at the top: bar n sits at segment count - 1 - n.
        let y_formatter = |value: &SegmentValue<usize>| match value {
            SegmentValue::CenterOf(i) if *i < count => {
                labels.get(count - 1 - i).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        let ticks = MoneyTicks::for_ticks(&MoneyTicks::values(0.0, x_top));
        let x_formatter = |value: &f64| ticks.label(*value);
        let x_desc = if self.credits.is_empty() {
            format!("cost ({})", self.currency)
        } else {
            format!("charges ({})", self.currency)
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(222, 222, 222))
            .y_labels(count)
            .x_labels(10)
            .y_label_formatter(&y_formatter)
            .x_label_formatter(&x_formatter)
            .x_desc(x_desc)
            .label_style(label_style.clone())
            .axis_desc_style(text_style(TEXT))
            .draw()?;
        // Bars at most 44 pixels thick: one or two keys do not fill the plot with a slab.
        let slot = chart.plotting_area().dim_in_pixel().1 / count as u32;
        let bar_margin = if count > 12 {
            2
        } else {
            6.max(slot.saturating_sub(44) / 2)
        };
        chart.draw_series::<BackendCoordOnly, Rectangle<(f64, SegmentValue<usize>)>, _, _>(
            self.bars.iter().enumerate().map(|(n, bar)| {
                let slot = count - 1 - n;
                let mut rect = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(slot + 1)),
                        (bar.cost.to_f64().unwrap_or(0.0), SegmentValue::Exact(slot)),
                    ],
                    series_color(n, bar.is_other).filled(),
                );
                rect.set_margin(bar_margin, bar_margin, 0, 0);
                rect
            }),
        )?;
        // Value labels just right of each bar, in pixels so the gap does not depend on scale.
        let value_style = text_style(TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        let area = chart.plotting_area().strip_coord_spec();
        let (left, top) = area.get_base_pixel();
        for (n, (bar, share)) in self.bars.iter().zip(self.shares()).enumerate() {
            let slot = count - 1 - n;
            let (x, y) = chart.backend_coord(&(
                bar.cost.to_f64().unwrap_or(0.0),
                SegmentValue::CenterOf(slot),
            ));
            let text = format!(
                "{}   {}",
                money_label(bar.cost, &self.currency),
                percent_text(share)
            );
            area.draw(&Text::new(
                text,
                (x - left + 8, y - top),
                value_style.clone(),
            ))?;
        }
        if let Some((_, side)) = &split {
            self.draw_credits(side)?;
        }
        Ok(())
    }
}

impl ShareChart {
    /// The credits column: each key's credits, then charges, credits and the net total.
    fn draw_credits<DB: DrawingBackend>(&self, side: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, _) = side.dim_in_pixel();
        let style = text_style(TEXT);
        let right = style.pos(Pos::new(HPos::Right, VPos::Top));
        let mut y = 56i32;
        side.draw(&Text::new("Credits and refunds", (8, y), title_style()))?;
        y += 22;
        side.draw(&Text::new(
            "(not a share: below zero)",
            (8, y),
            text_style(TEXT),
        ))?;
        y += 28;
        for credit in &self.credits {
            let amount = money_label(credit.cost, &self.currency);
            let amount_width = side
                .estimate_text_size(&amount, &style)
                .map_or(0, |(w, _)| w);
            let label = if credit.is_other {
                format!("{} ({} keys)", credit.label, credit.keys)
            } else {
                credit.label.clone()
            };
            let label = fit_text(
                side,
                &label,
                &style,
                width.saturating_sub(40 + amount_width),
            );
            side.draw(&Text::new(label, (8, y), style.clone()))?;
            side.draw(&Text::new(amount, (width as i32 - 24, y), right.clone()))?;
            y += 26;
        }
        let figures = [self.gross, self.credits_total, self.total];
        draw_net_figures(side, &self.currency, figures)
    }
}

/// `part` as a percentage of `whole`, to 28 digits; `None` when `whole` is zero.
fn share_of(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
}

/// A percentage rounded half-even to one decimal, `34.5%`; empty for `None`.
fn percent_text(share: Option<Decimal>) -> String {
    share
        .map(|p| p.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven))
        .map_or(String::new(), |p| format!("{p:.1}%"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aggregate::{DayGroup, summarize};
    use crate::ingest::tally::Totals;
    use crate::model::{DateRange, Delay, KeyKind, Period};
    use crate::render::chart::render;
    use crate::render::chart::tests::{day, money};
    use chrono::{DateTime, Utc};

    /// A summary by `key` over 2026-10-01..05, as of 2026-10-06T10:30Z (delay 3: 10-03 on is
    /// provisional), from `(day, key value, cost)` rows.
    pub(crate) fn summary_of(key: KeyKind, rows: &[(&str, &str, &str)]) -> Summary {
        let groups: Vec<DayGroup> = rows
            .iter()
            .map(|(d, value, cost)| DayGroup {
                day: day(d),
                keys: vec![value.to_string()],
                currency: "USD".into(),
                unit: "RU".into(),
                source: "billed".into(),
                sums: Totals {
                    quantity: Decimal::ONE,
                    cost: money(cost),
                    rows: 1,
                },
            })
            .collect();
        let as_of: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-10-06T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        summarize(
            &groups,
            &[key],
            Period::Total,
            DateRange {
                from: day("2026-10-01"),
                to: day("2026-10-05"),
            },
            Delay {
                as_of,
                delay_days: 3,
            },
            true,
            None,
        )
        .unwrap()
    }

    fn five_keys() -> Summary {
        summary_of(
            KeyKind::Sku,
            &[
                ("2026-10-01", "a", "10.005"),
                ("2026-10-01", "b", "5"),
                ("2026-10-02", "c", "1.10"),
                ("2026-10-02", "d", "0.90"),
                ("2026-10-03", "a", "2"),
                ("2026-10-04", "e", "0.000001"),
                ("2026-10-05", "b", "7.5"),
            ],
        )
    }

    #[test]
    fn chart_daily_keeps_top_keys_and_sums_the_rest_as_other() {
        let chart = DailyChart::from_summary(&five_keys(), 2).unwrap();
        let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["b", "a", "other"]);
        assert_eq!(chart.series[0].total, money("12.5"));
        assert_eq!(chart.series[1].total, money("12.005"));
        assert_eq!(chart.series[2].total, money("2.000001"));
        assert!(chart.series[2].is_other);
        assert_eq!(chart.series[2].values[1], money("2.00"));
        assert_eq!(chart.series[2].values[3], money("0.000001"));
        assert_eq!(chart.key_name, "sku");
        assert_eq!(chart.currency, "USD");
    }

    #[test]
    fn chart_daily_sums_equal_the_summary_exactly() {
        let summary = five_keys();
        for top in 1..=6 {
            let chart = DailyChart::from_summary(&summary, top).unwrap();
            assert_eq!(chart.total, summary.total.unwrap(), "top {top}");
            let mut from_series = Decimal::ZERO;
            for series in &chart.series {
                let sum: Decimal = series.values.iter().sum();
                assert_eq!(sum, series.total, "series {}", series.label);
                from_series += series.total;
            }
            assert_eq!(from_series, summary.total.unwrap());
            let by_days: Decimal = chart.day_totals.iter().sum();
            assert_eq!(by_days, summary.total.unwrap());
            let share = ShareChart::from_summary(&summary, top).unwrap();
            let bars: Decimal = share.bars.iter().map(|b| b.cost).sum();
            assert_eq!(bars, summary.total.unwrap());
            assert_eq!(share.total, summary.total.unwrap());
        }
    }

    #[test]
    fn chart_other_needs_two_keys() {
        // With 5 keys and top 4, the one key left is shown under its own name.
        let chart = DailyChart::from_summary(&five_keys(), 4).unwrap();
        assert_eq!(chart.series.len(), 5);
        assert!(chart.series.iter().all(|s| !s.is_other));
        let share = ShareChart::from_summary(&five_keys(), 3).unwrap();
        let other = share.bars.last().unwrap();
        assert!(other.is_other);
        assert_eq!(other.keys, 2);
    }

    #[test]
    fn chart_marks_provisional_days() {
        let chart = DailyChart::from_summary(&five_keys(), 8).unwrap();
        assert_eq!(
            chart.days,
            [
                "2026-10-01",
                "2026-10-02",
                "2026-10-03",
                "2026-10-04",
                "2026-10-05"
            ]
            .map(day)
            .to_vec()
        );
        assert_eq!(chart.provisional, [false, false, true, true, true]);
    }

    #[test]
    fn chart_share_is_sorted_by_cost_with_other_last() {
        let share = ShareChart::from_summary(&five_keys(), 3).unwrap();
        let labels: Vec<&str> = share.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["b", "a", "c", "other"]);
        assert_eq!(share.bars[3].cost, money("0.900001"));
    }

    #[test]
    fn chart_empty_key_and_several_currencies() {
        let summary = summary_of(KeyKind::Resource, &[("2026-10-01", "", "1")]);
        let chart = DailyChart::from_summary(&summary, 8).unwrap();
        assert_eq!(chart.series[0].label, EMPTY_KEY);
        let mut mixed = summary.clone();
        mixed.currency = None;
        assert_eq!(
            DailyChart::from_summary(&mixed, 8),
            Err(NoChart::SeveralCurrencies)
        );
    }

    #[test]
    fn chart_percent() {
        assert_eq!(percent_text(share_of(money("1"), money("3"))), "33.3%");
        assert_eq!(percent_text(share_of(money("1"), money("0"))), "");
    }

    #[test]
    fn chart_renders_svg_and_png_with_long_names() {
        let long =
            "Serverless Read Units (a very long region name that cannot fit, aws us-east-1) <&>";
        let summary = summary_of(
            KeyKind::Sku,
            &[("2026-10-01", long, "12.34"), ("2026-10-04", "b", "1")],
        );
        let daily = render(&DailyChart::from_summary(&summary, 8).unwrap()).unwrap();
        let share = render(&ShareChart::from_summary(&summary, 8).unwrap()).unwrap();
        for rendered in [&daily, &share] {
            let svg = String::from_utf8(rendered.svg.clone()).unwrap();
            assert!(svg.starts_with("<svg"));
            // The long name is cut with an ellipsis and escaped.
            assert!(svg.contains("…"));
            assert!(!svg.contains("<&>"));
            assert_eq!(&rendered.png[..8], b"\x89PNG\r\n\x1a\n");
        }
        let svg = String::from_utf8(daily.svg).unwrap();
        assert!(svg.contains("provisional (may change)"));
        assert!(svg.contains("13.34 USD"));
        // Rendering is deterministic: the same summary gives the same bytes.
        let again = render(&DailyChart::from_summary(&summary, 8).unwrap()).unwrap();
        assert_eq!(svg.as_bytes(), &again.svg[..]);
        assert_eq!(
            again.png,
            render(&DailyChart::from_summary(&summary, 8).unwrap())
                .unwrap()
                .png
        );
    }

    /// 10-01: database 40, storage 50 and a credit of -300 (net -210); 10-02: database 60.125;
    /// 10-04: database 30, a refund of -20.005 on storage (net 9.995).
    fn with_credits() -> Summary {
        summary_of(
            KeyKind::Service,
            &[
                ("2026-10-01", "database", "40"),
                ("2026-10-01", "storage", "50"),
                ("2026-10-01", "credits", "-300"),
                ("2026-10-02", "database", "60.125"),
                ("2026-10-04", "database", "30"),
                ("2026-10-04", "storage", "-20.005"),
            ],
        )
    }

    /// True when `text` is the whole text of an SVG `<text>` element (plotters writes it on a
    /// line of its own).
    fn svg_text(svg: &str, text: &str) -> bool {
        svg.lines().any(|line| line.trim() == text)
    }

    fn segment(series: usize, bottom: &str, top: &str) -> Segment {
        Segment {
            series,
            bottom: money(bottom),
            top: money(top),
        }
    }

    #[test]
    fn chart_daily_stacks_charges_up_and_credits_down_from_zero() {
        // Before: the credit was stacked on the charges (a 90 bar coloured "credits") and the
        // axis started at zero.
        let chart = DailyChart::from_summary(&with_credits(), 8).unwrap();
        let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
        // By charges (database 130.125, storage 50), then the key that only has credits.
        assert_eq!(labels, ["database", "storage", "credits"]);
        assert_eq!(
            chart.stacks[0].segments,
            [
                segment(0, "0", "40"),
                segment(1, "40", "90"),
                segment(2, "-300", "0"),
            ]
        );
        assert_eq!(
            (chart.stacks[0].up, chart.stacks[0].down),
            (money("90"), money("-300"))
        );
        assert_eq!(chart.stacks[1].segments, [segment(0, "0", "60.125")]);
        assert!(chart.stacks[2].segments.is_empty());
        assert_eq!(
            chart.stacks[3].segments,
            [segment(0, "0", "30"), segment(1, "-20.005", "0")]
        );
        // Storage keeps its charge and its refund apart.
        assert_eq!(chart.series[1].up[0], money("50"));
        assert_eq!(chart.series[1].down[3], money("-20.005"));
        assert_eq!(chart.series[1].total, money("29.995"));
        // The axis holds the lowest credit stack and the highest charge stack.
        assert_eq!(chart.y_range(), (money("-300"), money("90")));
        // The net marker of each day is the exact sum of that day's rows in the summary.
        let summary = with_credits();
        for (i, day) in chart.days.iter().enumerate() {
            let rows: Decimal = summary
                .daily
                .iter()
                .filter(|row| row.day == *day)
                .map(|row| row.cost)
                .sum();
            assert_eq!(chart.stacks[i].net, rows, "{day}");
            assert_eq!(chart.day_totals[i], rows, "{day}");
        }
        assert_eq!(
            chart.stacks.iter().map(|s| s.net).collect::<Vec<_>>(),
            ["-210", "60.125", "0", "9.995", "0"].map(money)
        );
        assert_eq!(chart.charges, money("180.125"));
        assert_eq!(chart.credits, money("-320.005"));
        assert_eq!(chart.total, money("-139.880"));
        assert_eq!(chart.total, summary.total.unwrap());
        assert!(chart.has_credits());
    }

    #[test]
    fn chart_other_keeps_charges_and_credits_apart() {
        let summary = summary_of(
            KeyKind::Sku,
            &[
                ("2026-10-01", "a", "100"),
                ("2026-10-01", "b", "10"),
                ("2026-10-01", "c", "-7"),
                ("2026-10-01", "d", "3"),
            ],
        );
        let chart = DailyChart::from_summary(&summary, 1).unwrap();
        let other = chart.series.last().unwrap();
        assert!(other.is_other);
        // Not netted to 6.
        assert_eq!((other.up[0], other.down[0]), (money("13"), money("-7")));
        assert_eq!(
            chart.stacks[0].segments,
            [
                segment(0, "0", "100"),
                segment(1, "100", "113"),
                segment(1, "-7", "0"),
            ]
        );
        assert_eq!(chart.stacks[0].net, money("106"));
        let share = ShareChart::from_summary(&summary, 1).unwrap();
        assert_eq!(share.bars[1].cost, money("13"));
        assert_eq!(share.bars[1].keys, 2);
        assert_eq!(share.credits[0].label, "c");
        assert_eq!(share.credits[0].cost, money("-7"));
    }

    #[test]
    fn chart_share_is_of_charges_and_lists_credits_apart() {
        // Before: database 130.125 was 93.0% of a -139.88 net, the credit a negative share.
        let share = ShareChart::from_summary(&with_credits(), 8).unwrap();
        let bars: Vec<(&str, Decimal)> = share
            .bars
            .iter()
            .map(|b| (b.label.as_str(), b.cost))
            .collect();
        assert_eq!(
            bars,
            [("database", money("130.125")), ("storage", money("50"))]
        );
        let credits: Vec<(&str, Decimal)> = share
            .credits
            .iter()
            .map(|b| (b.label.as_str(), b.cost))
            .collect();
        assert_eq!(
            credits,
            [("credits", money("-300")), ("storage", money("-20.005"))]
        );
        assert_eq!(share.gross, money("180.125"));
        assert_eq!(share.credits_total, money("-320.005"));
        assert_eq!(share.total, money("-139.880"));
        // Every bar is a part of the gross: the bars add up to it exactly, so the shares add
        // to 100%, none is negative and none is above 100%.
        assert_eq!(
            share.bars.iter().map(|b| b.cost).sum::<Decimal>(),
            share.gross
        );
        let shares: Vec<Decimal> = share.shares().into_iter().map(Option::unwrap).collect();
        let sum: Decimal = shares.iter().sum();
        assert!(
            (sum - Decimal::ONE_HUNDRED).abs() < money("0.000000000000000001"),
            "{sum}"
        );
        assert!(
            shares
                .iter()
                .all(|p| *p >= Decimal::ZERO && *p <= Decimal::ONE_HUNDRED)
        );
        assert_eq!(percent_text(Some(shares[0])), "72.2%");
        assert_eq!(percent_text(Some(shares[1])), "27.8%");
        // Drawn: the shares of charges, the credits in words with their minus, and the net.
        let svg = String::from_utf8(render(&share).unwrap().svg).unwrap();
        for text in [
            "Charges by service, 180.12 USD before credits (shares of charges)",
            "130.12 USD   72.2%",
            "50.00 USD   27.8%",
            "Credits and refunds",
            "-300.00 USD",
            "-20.00 USD",
            "-320.00 USD",
            "net total",
            "-139.88 USD",
        ] {
            assert!(svg_text(&svg, text), "{text} not in the share SVG");
        }
        assert!(
            !svg.contains("-166.") && !svg.contains("-93."),
            "a negative share"
        );
    }

    #[test]
    fn chart_daily_draws_below_zero_with_net_ticks() {
        let chart = DailyChart::from_summary(&with_credits(), 8).unwrap();
        let svg = String::from_utf8(render(&chart).unwrap().svg).unwrap();
        // The axis has ticks below zero, the legend names the tick and the split.
        for text in [
            "-300",
            "net of the day",
            "below 0: credits, refunds",
            "charges",
            "180.12 USD",
            "-320.00 USD",
            "-139.88 USD",
        ] {
            assert!(svg_text(&svg, text), "{text} not in the daily SVG");
        }
    }

    #[test]
    fn chart_no_data_in_the_range_draws_nothing() {
        let summary = summary_of(KeyKind::Sku, &[]);
        let no_data = NoChart::NoData {
            from: day("2026-10-01"),
            to: day("2026-10-05"),
        };
        assert_eq!(DailyChart::from_summary(&summary, 8), Err(no_data.clone()));
        assert_eq!(ShareChart::from_summary(&summary, 8), Err(no_data.clone()));
        assert_eq!(
            no_data.to_string(),
            "there is no data in this range (2026-10-01 to 2026-10-05)"
        );
    }
}

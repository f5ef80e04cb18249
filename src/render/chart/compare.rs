//! `chart-compare`: the chart of `report --compare`. For each value of the first grouping key
//! (the top ones by the larger of their two costs, the rest as "other"), two horizontal bars:
//! the report's period above, the compared period below, each labelled with its amount, the
//! report's bar also with the change in percent. Built from a `Comparison` with exact
//! decimals; drawn with the shared pieces of `render::chart` (palette, legend, money ticks).

use super::{
    DrawResult, Figure, LegendEntry, MAX_SERIES, MoneyTicks, NoChart, PALETTE, Swatch, TEXT,
    axis_bottom, axis_top, caption_style, draw_legend, fit_labels, hatch, lighter, money_label,
    scope_band, segments, split_legend, text_style,
};
use crate::aggregate::Summary;
use crate::compare::{Change, Comparison};
use crate::model::{Status, exact_add};
use crate::render::table::display_money;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::element::BackendCoordOnly;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// The report's period: the first Okabe–Ito colour (blue).
pub const CURRENT_COLOR: RGBColor = PALETTE[0];
/// The compared period: orange, apart from blue under every colour blindness.
pub const COMPARED_COLOR: RGBColor = PALETTE[1];

/// One key's pair of bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparePair {
    pub label: String,
    pub is_other: bool,
    /// How many keys the pair holds (more than one only for "other").
    pub keys: usize,
    pub current: Decimal,
    pub comparison: Decimal,
    pub change: Change,
    /// Some of `current` is on a provisional day: drawn lighter and hatched.
    pub provisional: bool,
}

/// The data of `chart-compare`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareChart {
    pub key_name: String,
    pub currency: String,
    /// `2026-10-16 to 2026-10-31`.
    pub current_range: String,
    pub compared_range: String,
    pub pairs: Vec<ComparePair>,
    pub total_current: Decimal,
    pub total_comparison: Decimal,
    /// The report's scope, drawn under the title.
    pub scope: String,
}

fn range_text(from: crate::model::Day, to: crate::model::Day) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} to {to}")
    }
}

impl CompareChart {
    /// The pairs by first key, largest (by the larger of the two costs, by size) first, at most
    /// `top` named and the rest summed as "other" (when two or more are left). One currency
    /// and one source only: a chart never adds two currencies or an estimate to a bill.
    pub fn from_comparison(
        comparison: &Comparison,
        summary: &Summary,
        top: usize,
    ) -> Result<CompareChart, NoChart> {
        if summary.mixed_sources() {
            return Err(NoChart::MixedSources);
        }
        let currencies: std::collections::BTreeSet<&str> = comparison
            .rows
            .iter()
            .map(|r| r.currency.as_str())
            .collect();
        if currencies.len() > 1 {
            return Err(NoChart::SeveralCurrencies);
        }
        let Some(currency) = currencies.into_iter().next().map(str::to_string) else {
            return Err(NoChart::NoData {
                from: summary.range.from,
                to: summary.range.to,
            });
        };
        let top = top.clamp(1, MAX_SERIES);
        let add = |a: Decimal, b: Decimal| exact_add(a, b).map_err(|_| NoChart::Overflow);
        // Per first-key value: (current, comparison, provisional).
        let mut by_key: BTreeMap<String, (Decimal, Decimal, bool)> = BTreeMap::new();
        for row in &comparison.rows {
            let key = match row.keys.first().map(String::as_str) {
                None | Some("") => super::usage::EMPTY_KEY.to_string(),
                Some(value) => value.to_string(),
            };
            let entry = by_key.entry(key).or_default();
            entry.0 = add(entry.0, row.current)?;
            entry.1 = add(entry.1, row.comparison)?;
            entry.2 |= row.status == Status::Provisional;
        }
        let size = |(current, comparison, _): &(Decimal, Decimal, bool)| {
            current.abs().max(comparison.abs())
        };
        let mut ranked: Vec<(String, (Decimal, Decimal, bool))> = by_key.into_iter().collect();
        ranked.sort_by(|a, b| size(&b.1).cmp(&size(&a.1)).then_with(|| a.0.cmp(&b.0)));
        let keep = if ranked.len() <= top + 1 {
            ranked.len()
        } else {
            top
        };
        let mut pairs: Vec<ComparePair> = ranked[..keep]
            .iter()
            .map(|(label, (current, comparison, provisional))| ComparePair {
                label: label.clone(),
                is_other: false,
                keys: 1,
                current: *current,
                comparison: *comparison,
                change: Change::of(*current, *comparison),
                provisional: *provisional,
            })
            .collect();
        if keep < ranked.len() {
            let (mut current, mut compared, mut provisional) =
                (Decimal::ZERO, Decimal::ZERO, false);
            for (_, (c, p, prov)) in &ranked[keep..] {
                current = add(current, *c)?;
                compared = add(compared, *p)?;
                provisional |= *prov;
            }
            pairs.push(ComparePair {
                label: super::usage::OTHER.to_string(),
                is_other: true,
                keys: ranked.len() - keep,
                current,
                comparison: compared,
                change: Change::of(current, compared),
                provisional,
            });
        }
        let (mut total_current, mut total_comparison) = (Decimal::ZERO, Decimal::ZERO);
        for pair in &pairs {
            total_current = add(total_current, pair.current)?;
            total_comparison = add(total_comparison, pair.comparison)?;
        }
        Ok(CompareChart {
            key_name: summary.key_names.first().cloned().unwrap_or_default(),
            currency,
            current_range: range_text(summary.range.from, summary.range.to),
            compared_range: range_text(comparison.period.range.from, comparison.period.range.to),
            pairs,
            total_current,
            total_comparison,
            scope: String::new(),
        })
    }

    fn pair_label(pair: &ComparePair) -> String {
        if pair.is_other {
            format!("{} ({} keys)", pair.label, pair.keys)
        } else {
            pair.label.clone()
        }
    }
}

impl Figure for CompareChart {
    fn title(&self) -> String {
        format!(
            "Cost by {}, {} compared with {} ({})",
            self.key_name, self.current_range, self.compared_range, self.currency
        )
    }

    fn description(&self) -> String {
        let pairs: Vec<String> = self
            .pairs
            .iter()
            .map(|pair| {
                format!(
                    "{} {} vs {} ({})",
                    Self::pair_label(pair),
                    display_money(pair.current),
                    display_money(pair.comparison),
                    pair.change.text(1)
                )
            })
            .collect();
        format!(
            "Pairs of horizontal bars by {}, the largest first: the cost from {} above, from {} \
             below: {}. Total {} vs {} {} ({}).",
            self.key_name,
            self.current_range,
            self.compared_range,
            pairs.join("; "),
            display_money(self.total_current),
            display_money(self.total_comparison),
            self.currency,
            Change::of(self.total_current, self.total_comparison).text(1)
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = scope_band(root, &self.scope)?;
        let (plot, legend) = split_legend(&body, 300);
        let label_style = text_style(TEXT);
        let labels: Vec<String> = self.pairs.iter().map(Self::pair_label).collect();
        let label_width = 240u32;
        let labels = fit_labels(&plot, &labels, &label_style, label_width - 16);
        let values = self.pairs.iter().flat_map(|p| [p.current, p.comparison]);
        let largest = values.clone().max().unwrap_or_default();
        let lowest = values.min().unwrap_or_default();
        // Room on the right for the value labels (amount and change), on the left for credits.
        let x_top = axis_top(largest, 1.5);
        let x_top = if x_top > 0.0 { x_top } else { 1.0 };
        let x_bottom = axis_bottom(lowest, 1.1);
        let count = self.pairs.len().max(1);
        let title = format!(
            "Cost by {}: {} vs {}",
            self.key_name, self.current_range, self.compared_range
        );
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, caption_style())
            .margin(16)
            .margin_right(20)
            .x_label_area_size(54)
            .y_label_area_size(label_width)
            .build_cartesian_2d(x_bottom..x_top, segments(count))?;
        let y_formatter = |value: &SegmentValue<usize>| match value {
            SegmentValue::CenterOf(i) if *i < count => {
                labels.get(count - 1 - i).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        let ticks = MoneyTicks::for_ticks(&MoneyTicks::values(x_bottom, x_top));
        let x_formatter = |value: &f64| ticks.label(*value);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(222, 222, 222))
            .y_labels(count)
            .x_labels(10)
            .y_label_formatter(&y_formatter)
            .x_label_formatter(&x_formatter)
            .x_desc(format!("cost ({})", self.currency))
            .label_style(label_style.clone())
            .axis_desc_style(text_style(TEXT))
            .draw()?;
        // Each key's slot holds two bars at most 26 pixels thick: the report's period above,
        // the compared period below, 2 pixels apart.
        let slot = chart.plotting_area().dim_in_pixel().1 / count as u32;
        let thick = (slot.saturating_sub(12) / 2).clamp(4, 26);
        let outer = slot.saturating_sub(2 * thick + 2) / 2;
        let x = |value: Decimal| value.to_f64().unwrap_or(0.0);
        let mut bars = Vec::new();
        for (n, pair) in self.pairs.iter().enumerate() {
            let s = count - 1 - n;
            let (top, bottom) = (SegmentValue::Exact(s + 1), SegmentValue::Exact(s));
            let current_color = if pair.provisional {
                lighter(CURRENT_COLOR)
            } else {
                CURRENT_COLOR
            };
            let mut current = Rectangle::new(
                [(0.0, top.clone()), (x(pair.current), bottom.clone())],
                current_color.filled(),
            );
            current.set_margin(outer, slot - outer - thick, 0, 0);
            let mut compared = Rectangle::new(
                [(0.0, top), (x(pair.comparison), bottom)],
                COMPARED_COLOR.filled(),
            );
            compared.set_margin(outer + thick + 2, slot - outer - 2 * thick - 2, 0, 0);
            bars.push(current);
            bars.push(compared);
        }
        chart.draw_series::<BackendCoordOnly, Rectangle<(f64, SegmentValue<usize>)>, _, _>(bars)?;
        // The zero line, when credits take a bar below zero.
        if x_bottom < 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![
                    (0.0, SegmentValue::Exact(0)),
                    (0.0, SegmentValue::Exact(count)),
                ],
                BLACK.stroke_width(1),
            )))?;
        }
        // Hatching over provisional bars and the value labels, in pixels.
        let area = chart.plotting_area().strip_coord_spec();
        let (left, top_px) = area.get_base_pixel();
        let value_style = text_style(TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        for (n, pair) in self.pairs.iter().enumerate() {
            let s = count - 1 - n;
            let (_, slot_top) = chart.backend_coord(&(0.0, SegmentValue::Exact(s + 1)));
            let y0 = slot_top - top_px + outer as i32;
            let y1 = y0 + thick as i32;
            let (zero, _) = chart.backend_coord(&(0.0, SegmentValue::Exact(s)));
            let (end, _) = chart.backend_coord(&(x(pair.current), SegmentValue::Exact(s)));
            if pair.provisional {
                hatch(
                    &area,
                    (zero.min(end) - left, y0),
                    (zero.max(end) - left, y1),
                )?;
            }
            let current_text = format!(
                "{}   {}",
                money_label(pair.current, &self.currency),
                pair.change.text(1)
            );
            area.draw(&Text::new(
                current_text,
                (zero.max(end) - left + 8, (y0 + y1) / 2),
                value_style.clone(),
            ))?;
            let (end, _) = chart.backend_coord(&(x(pair.comparison), SegmentValue::Exact(s)));
            let y2 = y1 + 2;
            let y3 = y2 + thick as i32;
            area.draw(&Text::new(
                money_label(pair.comparison, &self.currency),
                (zero.max(end) - left + 8, (y2 + y3) / 2),
                value_style.clone(),
            ))?;
        }
        let mut entries = vec![
            LegendEntry {
                label: self.current_range.clone(),
                swatch: Swatch::Solid(CURRENT_COLOR),
            },
            // The title says which is compared ("A vs B"): a range alone fits the column.
            LegendEntry {
                label: self.compared_range.clone(),
                swatch: Swatch::Solid(COMPARED_COLOR),
            },
        ];
        if self.pairs.iter().any(|p| p.provisional) {
            entries.push(LegendEntry {
                label: "provisional (may change)".to_string(),
                swatch: Swatch::Provisional,
            });
        }
        draw_legend(&legend, "Period (upper bar first)", &entries)?;
        // The totals at the bottom of the legend column.
        let (width, height) = legend.dim_in_pixel();
        let style = text_style(TEXT);
        let right = style.pos(Pos::new(HPos::Right, VPos::Top));
        let lines = [
            ("total", money_label(self.total_current, &self.currency)),
            (
                "compared",
                money_label(self.total_comparison, &self.currency),
            ),
            (
                "change",
                Change::of(self.total_current, self.total_comparison).text(1),
            ),
        ];
        let mut y = height as i32 - 60 - 24 * (lines.len() as i32 - 1);
        for (label, value) in lines {
            legend.draw(&Text::new(label, (8, y), style.clone()))?;
            legend.draw(&Text::new(value, (width as i32 - 24, y), right.clone()))?;
            y += 24;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{ComparePeriod, CompareRow};
    use crate::model::DateRange;
    use crate::render::chart::render;
    use crate::render::chart::tests::{day, money};

    fn row(key: &str, current: &str, comparison: &str) -> CompareRow {
        let (current, comparison) = (money(current), money(comparison));
        CompareRow {
            keys: vec![key.to_string()],
            unit: None,
            currency: "USD".into(),
            current,
            comparison,
            delta: current - comparison,
            change: Change::of(current, comparison),
            status: Status::Final,
        }
    }

    fn comparison(rows: Vec<CompareRow>) -> Comparison {
        Comparison {
            period: ComparePeriod {
                range: DateRange {
                    from: day("2026-09-01"),
                    to: day("2026-09-30"),
                },
                how: "the previous month, 2026-09".into(),
            },
            rows,
            totals: Vec::new(),
            comparison_empty: false,
        }
    }

    #[test]
    fn chart_compare_ranks_keys_and_sums_the_rest_as_other() {
        let summary = crate::render::chart::usage::tests::summary_of(
            crate::model::KeyKind::Sku,
            &[("2026-10-01", "a", "1")],
        );
        let c = comparison(vec![
            row("a", "10", "4"),
            row("b", "1", "20"),
            row("c", "3", "0"),
            row("d", "0", "2.5"),
            row("e", "0.5", "0.25"),
        ]);
        let chart = CompareChart::from_comparison(&c, &summary, 2).unwrap();
        let labels: Vec<&str> = chart.pairs.iter().map(|p| p.label.as_str()).collect();
        // By the larger cost: b (20), a (10), then c, d, e as other.
        assert_eq!(labels, ["b", "a", "other"]);
        assert_eq!(chart.pairs[2].current, money("3.5"));
        assert_eq!(chart.pairs[2].comparison, money("2.75"));
        assert_eq!(chart.pairs[2].keys, 3);
        assert_eq!(chart.total_current, money("14.5"));
        assert_eq!(chart.total_comparison, money("26.75"));
        assert_eq!(chart.pairs[0].change.text(1), "-95.0%");
        let rendered = render(&chart).unwrap();
        let svg = String::from_utf8(rendered.svg).unwrap();
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains(">\nb\n</text>") || svg.contains(">b<"),
            "{svg}"
        );
        assert!(rendered.png.starts_with(b"\x89PNG"));
    }
}

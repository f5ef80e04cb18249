//! Pure reconciliation: daily groups keyed by (SKU, source) → one row per UTC day and
//! assistants SKU with the billed and the estimated figures side by side, their differences
//! in cost and in quantity, and a flag. No I/O.

use crate::aggregate::DayGroup;
use crate::model::{Day, Delay, Overflow, Status, exact_add};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What the comparison of one day and SKU found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Both sides, and the difference is within the tolerance.
    Ok,
    /// Both sides, and the cost difference exceeds the tolerance (whatever the quantities).
    Differs,
    /// Both sides, costs within the tolerance, but the quantity difference exceeds it: the
    /// bill and the rate card price the day differently (a stale `--rates`, a price change).
    QuantityDiffers,
    BilledOnly,
    EstimatedOnly,
}

impl Flag {
    /// Whether the row needs a look: anything but `ok`. Counted by the table's last line and
    /// by `--fail-on-flag`.
    pub fn is_flagged(self) -> bool {
        self != Flag::Ok
    }

    /// The text of the `flag` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Ok => "ok",
            Flag::Differs => "differs",
            Flag::QuantityDiffers => "quantity-differs",
            Flag::BilledOnly => "billed-only",
            Flag::EstimatedOnly => "estimated-only",
        }
    }
}

/// Quantity and cost of one side, when that side has the day and SKU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Side {
    pub quantity: Decimal,
    pub cost: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileRow {
    pub day: Day,
    pub sku: String,
    pub unit: String,
    pub currency: String,
    pub billed: Option<Side>,
    pub estimated: Option<Side>,
    /// Estimated cost − billed cost (a missing side counts as 0).
    pub difference: Decimal,
    /// Estimated quantity − billed quantity (a missing side counts as 0).
    pub quantity_difference: Decimal,
    pub flag: Flag,
    pub status: Status,
}

/// Pairs billed and estimated groups (keys `[sku, source]`) by day and SKU. A difference is
/// beyond the tolerance when |estimated − billed| > tolerance × |billed| (strictly); cost is
/// checked first, then quantity, so one row carries one flag.
pub fn reconcile(
    groups: &[DayGroup],
    tolerance: Decimal,
    delay: Delay,
) -> Result<Vec<ReconcileRow>, Overflow> {
    // Paired on day, SKU and currency only: a usage export's unit is optional free text
    // ("", "Tokens"), and must not keep a bill from meeting its estimate.
    type Key = (Day, String, String);
    type Entry = (Option<Side>, Option<Side>, String);
    let mut sides: BTreeMap<Key, Entry> = BTreeMap::new();
    for group in groups {
        let sku = group.keys.first().cloned().unwrap_or_default();
        let entry = sides
            .entry((group.day, sku, group.currency.clone()))
            .or_default();
        if entry.2.is_empty() {
            entry.2 = group.unit.clone();
        }
        let side = if group.source == crate::model::Source::Estimated.as_str() {
            // The estimate's unit is the rate card's, always set: it names the row.
            entry.2 = group.unit.clone();
            &mut entry.1
        } else {
            &mut entry.0
        };
        let current = side.get_or_insert_with(Side::default);
        current.quantity = exact_add(current.quantity, group.sums.quantity)?;
        current.cost = exact_add(current.cost, group.sums.cost)?;
    }
    let mut rows = Vec::with_capacity(sides.len());
    for ((day, sku, currency), (billed, estimated, unit)) in sides {
        let billed_cost = billed.map_or(Decimal::ZERO, |s| s.cost);
        let estimated_cost = estimated.map_or(Decimal::ZERO, |s| s.cost);
        let difference = exact_add(estimated_cost, -billed_cost)?;
        let billed_quantity = billed.map_or(Decimal::ZERO, |s| s.quantity);
        let estimated_quantity = estimated.map_or(Decimal::ZERO, |s| s.quantity);
        let quantity_difference = exact_add(estimated_quantity, -billed_quantity)?;
        let flag = match (billed, estimated) {
            (Some(_), None) => Flag::BilledOnly,
            (None, _) => Flag::EstimatedOnly,
            (Some(_), Some(_)) => {
                if beyond(difference, billed_cost, tolerance)? {
                    Flag::Differs
                } else if beyond(quantity_difference, billed_quantity, tolerance)? {
                    Flag::QuantityDiffers
                } else {
                    Flag::Ok
                }
            }
        };
        rows.push(ReconcileRow {
            day,
            sku,
            unit,
            currency,
            billed,
            estimated,
            difference,
            quantity_difference,
            flag,
            status: delay.status(day),
        });
    }
    Ok(rows)
}

/// Whether |difference| > tolerance × |billed| (strictly: a difference of exactly the
/// tolerance is not flagged).
fn beyond(difference: Decimal, billed: Decimal, tolerance: Decimal) -> Result<bool, Overflow> {
    let allowed = billed.abs().checked_mul(tolerance).ok_or(Overflow)?;
    Ok(difference.abs() > allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::tally::Totals;
    use std::str::FromStr;

    fn group(day: &str, sku: &str, source: &str, cost: &str) -> DayGroup {
        group_with_quantity(day, sku, source, "1000", cost)
    }

    fn group_with_quantity(
        day: &str,
        sku: &str,
        source: &str,
        quantity: &str,
        cost: &str,
    ) -> DayGroup {
        DayGroup {
            day: Day::from_str(day).unwrap(),
            keys: vec![sku.into(), source.into()],
            currency: "USD".into(),
            unit: "tokens".into(),
            source: source.into(),
            sums: Totals {
                quantity: Decimal::from_str(quantity).unwrap(),
                cost: Decimal::from_str(cost).unwrap(),
                rows: 1,
            },
        }
    }

    fn delay() -> Delay {
        Delay {
            as_of: chrono::DateTime::parse_from_rfc3339("2026-11-28T00:00:00Z")
                .unwrap()
                .to_utc(),
            delay_days: 3,
        }
    }

    #[test]
    fn reconcile_flags_quantities_beyond_tolerance_when_costs_agree() {
        let groups = [
            // Same cost, 5 of 1000 tokens apart: exactly 0.5%, not flagged.
            group_with_quantity("2026-10-01", "A", "billed", "1000", "8.00"),
            group_with_quantity("2026-10-01", "A", "estimated", "1005", "8.00"),
            // Same cost, 6 of 1000 tokens apart: beyond 0.5%.
            group_with_quantity("2026-10-02", "A", "billed", "1000", "8.00"),
            group_with_quantity("2026-10-02", "A", "estimated", "994", "8.00"),
            // Cost and quantity both apart: the cost flag wins.
            group_with_quantity("2026-10-03", "A", "billed", "1000", "8.00"),
            group_with_quantity("2026-10-03", "A", "estimated", "2000", "16.00"),
        ];
        let rows = reconcile(&groups, Decimal::from_str("0.005").unwrap(), delay()).unwrap();
        let flags: Vec<&str> = rows.iter().map(|r| r.flag.as_str()).collect();
        assert_eq!(flags, ["ok", "quantity-differs", "differs"]);
        let quantities: Vec<String> = rows
            .iter()
            .map(|r| r.quantity_difference.to_string())
            .collect();
        assert_eq!(quantities, ["5", "-6", "1000"]);
        assert_eq!(rows[1].difference, Decimal::ZERO);
    }

    #[test]
    fn reconcile_flags_beyond_tolerance_and_one_sided_days() {
        let delay = delay();
        let groups = [
            group("2026-10-01", "A", "billed", "10.00"),
            group("2026-10-01", "A", "estimated", "10.05"), // 0.05 = 0.5% of 10: not flagged
            group("2026-10-02", "A", "billed", "10.00"),
            group("2026-10-02", "A", "estimated", "10.06"), // 0.06 > 0.05: flagged
            group("2026-10-03", "A", "billed", "1.00"),
            group("2026-10-04", "A", "estimated", "2.00"),
        ];
        let rows = reconcile(&groups, Decimal::from_str("0.005").unwrap(), delay).unwrap();
        let flags: Vec<&str> = rows.iter().map(|r| r.flag.as_str()).collect();
        assert_eq!(flags, ["ok", "differs", "billed-only", "estimated-only"]);
        assert_eq!(rows[1].difference, Decimal::from_str("0.06").unwrap());
        assert_eq!(rows[2].difference, Decimal::from_str("-1.00").unwrap());
        assert_eq!(rows[2].quantity_difference, Decimal::from(-1000));
        assert_eq!(rows[3].quantity_difference, Decimal::from(1000));
        // Everything but `ok` needs a look (the table's last line and --fail-on-flag count it).
        let flagged: Vec<bool> = rows.iter().map(|r| r.flag.is_flagged()).collect();
        assert_eq!(flagged, [false, true, true, true]);
        assert!(Flag::QuantityDiffers.is_flagged());
    }
}

//! Pure reconciliation: daily groups keyed by (SKU, source) → one row per UTC day and
//! assistants SKU with the billed and the estimated figures side by side, their difference,
//! and a flag. No I/O.

use crate::aggregate::DayGroup;
use crate::model::{Day, Delay, Overflow, Status, exact_add};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What the comparison of one day and SKU found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Both sides, and the difference is within the tolerance.
    Ok,
    /// Both sides, and the difference exceeds the tolerance.
    Differs,
    BilledOnly,
    EstimatedOnly,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Ok => "ok",
            Flag::Differs => "differs",
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
    pub flag: Flag,
    pub status: Status,
}

/// Pairs billed and estimated groups (keys `[sku, source]`) by day and SKU. A difference is
/// flagged when |estimated − billed| > tolerance × |billed| (strictly).
pub fn reconcile(
    groups: &[DayGroup],
    tolerance: Decimal,
    delay: Delay,
) -> Result<Vec<ReconcileRow>, Overflow> {
    type Key = (Day, String, String, String);
    let mut sides: BTreeMap<Key, (Option<Side>, Option<Side>)> = BTreeMap::new();
    for group in groups {
        let sku = group.keys.first().cloned().unwrap_or_default();
        let entry = sides
            .entry((group.day, sku, group.unit.clone(), group.currency.clone()))
            .or_default();
        let side = if group.source == crate::model::Source::Estimated.as_str() {
            &mut entry.1
        } else {
            &mut entry.0
        };
        let current = side.get_or_insert_with(Side::default);
        current.quantity = exact_add(current.quantity, group.sums.quantity)?;
        current.cost = exact_add(current.cost, group.sums.cost)?;
    }
    let mut rows = Vec::with_capacity(sides.len());
    for ((day, sku, unit, currency), (billed, estimated)) in sides {
        let billed_cost = billed.map_or(Decimal::ZERO, |s| s.cost);
        let estimated_cost = estimated.map_or(Decimal::ZERO, |s| s.cost);
        let difference = estimated_cost.checked_sub(billed_cost).ok_or(Overflow)?;
        let flag = match (billed, estimated) {
            (Some(_), None) => Flag::BilledOnly,
            (None, _) => Flag::EstimatedOnly,
            (Some(_), Some(_)) => {
                let allowed = billed_cost.abs().checked_mul(tolerance).ok_or(Overflow)?;
                if difference.abs() > allowed {
                    Flag::Differs
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
            flag,
            status: delay.status(day),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::tally::Sums;
    use std::str::FromStr;

    fn group(day: &str, sku: &str, source: &str, cost: &str) -> DayGroup {
        DayGroup {
            day: Day::from_str(day).unwrap(),
            keys: vec![sku.into(), source.into()],
            currency: "USD".into(),
            unit: "tokens".into(),
            source: source.into(),
            sums: Sums {
                quantity: Decimal::from(1000),
                cost: Decimal::from_str(cost).unwrap(),
                rows: 1,
            },
        }
    }

    #[test]
    fn reconcile_flags_beyond_tolerance_and_one_sided_days() {
        let delay = Delay {
            as_of: chrono::DateTime::parse_from_rfc3339("2026-11-28T00:00:00Z")
                .unwrap()
                .to_utc(),
            delay_days: 3,
        };
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
    }
}

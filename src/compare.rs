//! `report --compare PERIOD`: each group's cost beside its cost in another period, the
//! difference and the change in percent. Pure: the comparison period from the report's range,
//! and the rows from both sets of groups. No I/O.
//!
//! Costs and differences are exact. The change in percent is a quotient: it is computed with
//! rust_decimal's 28 digits and rounded half to even, to 1 decimal place for the table and
//! Markdown and to 4 in CSV and JSON. A group with no cost in the comparison period is `new`,
//! one with no cost in the report's period `gone`: never a division by zero.

use crate::aggregate::{DayGroup, Summary};
pub use crate::config::CompareArg;
use crate::error::UsageError;
use crate::model::{DateRange, Day, exact_add, last_day_of_month};
use chrono::{Datelike, Months};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// The comparison period, and how it was chosen (for the heading).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparePeriod {
    pub range: DateRange,
    /// `month to date (18 days) vs the same days of 2026-09`, `the previous 7 days`, ...
    pub how: String,
}

/// Whether `range` is the start of a month that ends before the month does: month to date.
fn month_to_date(range: DateRange) -> bool {
    range.from.day() == 1
        && range.to.year() == range.from.year()
        && range.to.month() == range.from.month()
        && range.to < last_day_of_month(range.from)
}

fn whole_month(range: DateRange) -> bool {
    range.from.day() == 1 && range.to == last_day_of_month(range.from)
}

/// The first `days` days of the month starting `first`, cut at its last day.
fn first_days(first: Day, days: i64) -> DateRange {
    let end = first + chrono::Duration::days(days - 1);
    DateRange {
        from: first,
        to: end.min(last_day_of_month(first)),
    }
}

/// The comparison period for a report over `range`:
/// - `previous`: a whole month → the month before; a month to date (the 1st to a day before
///   the month's end) → the same days of the month before (cut at its end); any other range
///   of N days → the N days before it.
/// - a month: that month, or for a month to date its same first days.
/// - a range: that range.
pub fn period(arg: &CompareArg, range: DateRange) -> Result<ComparePeriod, UsageError> {
    let days = (range.to - range.from).num_days() + 1;
    let month_name = |day: Day| day.format("%Y-%m").to_string();
    let out_of_range = || UsageError("--compare: the comparison period is out of range".into());
    Ok(match arg {
        CompareArg::Previous if whole_month(range) => {
            let first = range
                .from
                .checked_sub_months(Months::new(1))
                .ok_or_else(out_of_range)?;
            ComparePeriod {
                range: DateRange {
                    from: first,
                    to: last_day_of_month(first),
                },
                how: format!("the previous month, {}", month_name(first)),
            }
        }
        CompareArg::Previous if month_to_date(range) => {
            let first = range
                .from
                .checked_sub_months(Months::new(1))
                .ok_or_else(out_of_range)?;
            ComparePeriod {
                range: first_days(first, days),
                how: format!(
                    "month to date, {days} days, vs the same days of {}",
                    month_name(first)
                ),
            }
        }
        CompareArg::Previous => {
            let to = range.from.pred_opt().ok_or_else(out_of_range)?;
            let from = to - chrono::Duration::days(days - 1);
            ComparePeriod {
                range: DateRange { from, to },
                how: format!("the previous {days} days"),
            }
        }
        CompareArg::Month(first) if month_to_date(range) => ComparePeriod {
            range: first_days(*first, days),
            how: format!(
                "month to date, {days} days, vs the same days of {}",
                month_name(*first)
            ),
        },
        CompareArg::Month(first) => ComparePeriod {
            range: DateRange {
                from: *first,
                to: last_day_of_month(*first),
            },
            how: format!("the month {}", month_name(*first)),
        },
        CompareArg::Range(given) => ComparePeriod {
            range: *given,
            how: "the range given".to_string(),
        },
    })
}

/// The change from the comparison period to the report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `(current - comparison) / comparison × 100`, to 28 significant digits.
    Percent(Decimal),
    /// No cost in the comparison period, some now.
    New,
    /// Some cost in the comparison period, none now.
    Gone,
    /// Zero in both (a group whose credits cancel its charges).
    Unchanged,
}

impl Change {
    pub fn of(current: Decimal, comparison: Decimal) -> Change {
        match (current.is_zero(), comparison.is_zero()) {
            (true, true) => Change::Unchanged,
            (false, true) => Change::New,
            (true, false) => Change::Gone,
            (false, false) => {
                let delta = current - comparison;
                match delta
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .and_then(|d| d.checked_div(comparison.abs()))
                {
                    Some(percent) => Change::Percent(percent),
                    // Beyond 28 digits: no percent is shown rather than a wrong one.
                    None => Change::Unchanged,
                }
            }
        }
    }

    /// `+12.3%`, `-4.0%`, `new`, `gone`, `0.0%`: rounded half to even to `places`.
    pub fn text(self, places: u32) -> String {
        match self {
            Change::Percent(p) => {
                let rounded =
                    p.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
                let mut text = format!("{:.*}", places as usize, rounded.abs());
                let sign = if rounded.is_zero() {
                    ""
                } else if rounded.is_sign_negative() {
                    "-"
                } else {
                    "+"
                };
                text.insert_str(0, sign);
                text.push('%');
                text
            }
            Change::New => "new".into(),
            Change::Gone => "gone".into(),
            Change::Unchanged => format!("{:.*}%", places as usize, Decimal::ZERO),
        }
    }

    /// For CSV and JSON: the percent rounded half-even to 4 places, without sign or `%`
    /// (`12.3457`, `-4.0000`), or `new` / `gone`.
    pub fn plain(self) -> String {
        match self {
            Change::Percent(p) => {
                let rounded = p.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
                format!("{rounded:.4}")
            }
            Change::New => "new".into(),
            Change::Gone => "gone".into(),
            Change::Unchanged => "0.0000".into(),
        }
    }
}

/// One group in both periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareRow {
    pub keys: Vec<String>,
    pub unit: Option<String>,
    pub currency: String,
    pub current: Decimal,
    pub comparison: Decimal,
    /// `current - comparison`, exact.
    pub delta: Decimal,
    pub change: Change,
    /// The status of the group in the report's period (`final` for a gone group: nothing of
    /// it is on a provisional day).
    pub status: crate::model::Status,
}

/// The comparison of a report: rows sorted by current cost (largest first), gone groups
/// last by their comparison cost; totals per source and currency.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub period: ComparePeriod,
    pub rows: Vec<CompareRow>,
    /// `(label, currency, current, comparison, delta, change)`, as the summary's totals.
    pub totals: Vec<CompareTotal>,
    /// The comparison period holds no row of the inputs (after filters): every group is
    /// `new`, which says nothing about spend then.
    pub comparison_empty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareTotal {
    pub label: String,
    pub currency: String,
    pub current: Decimal,
    pub comparison: Decimal,
    pub delta: Decimal,
    pub change: Change,
}

type GroupKey = (Vec<String>, Option<String>, String);

/// Builds the comparison from the report's summary (`--period total`) and the comparison
/// period's decoded groups, keyed as the summary keys its rows (with `source` first when the
/// summary added it).
pub fn compare(
    summary: &Summary,
    comparison_groups: &[DayGroup],
    period: ComparePeriod,
    source_added: bool,
) -> anyhow::Result<Comparison> {
    let overflow = |o: crate::model::Overflow| anyhow::anyhow!("{o}");
    let mut before: BTreeMap<GroupKey, Decimal> = BTreeMap::new();
    let mut before_totals: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for group in comparison_groups {
        let mut keys = group.keys.clone();
        if source_added {
            keys.insert(0, group.source.clone());
        }
        let unit = summary.with_units.then(|| group.unit.clone());
        let entry = before
            .entry((keys, unit, group.currency.clone()))
            .or_default();
        *entry = exact_add(*entry, group.sums.cost).map_err(overflow)?;
        let total = before_totals
            .entry((group.source.clone(), group.currency.clone()))
            .or_default();
        *total = exact_add(*total, group.sums.cost).map_err(overflow)?;
    }
    let mut rows = Vec::new();
    for row in &summary.rows {
        let key = (row.keys.clone(), row.unit.clone(), row.currency.clone());
        let comparison = before.remove(&key).unwrap_or_default();
        rows.push(CompareRow {
            keys: row.keys.clone(),
            unit: row.unit.clone(),
            currency: row.currency.clone(),
            current: row.cost,
            comparison,
            delta: row
                .cost
                .checked_sub(comparison)
                .ok_or_else(|| overflow(crate::model::Overflow))?,
            change: Change::of(row.cost, comparison),
            status: row.status,
        });
    }
    rows.sort_by(|a, b| b.current.cmp(&a.current).then_with(|| a.keys.cmp(&b.keys)));
    let mut gone: Vec<CompareRow> = before
        .into_iter()
        .map(|((keys, unit, currency), comparison)| CompareRow {
            keys,
            unit,
            currency,
            current: Decimal::ZERO,
            comparison,
            delta: -comparison,
            change: Change::of(Decimal::ZERO, comparison),
            status: crate::model::Status::Final,
        })
        .collect();
    gone.sort_by(|a, b| {
        b.comparison
            .cmp(&a.comparison)
            .then_with(|| a.keys.cmp(&b.keys))
    });
    rows.extend(gone);

    // Totals per source and currency, over both periods.
    let mut now_totals: BTreeMap<(String, String), Decimal> = summary
        .totals
        .iter()
        .map(|t| ((t.source.clone(), t.currency.clone()), t.cost))
        .collect();
    for key in before_totals.keys() {
        now_totals.entry(key.clone()).or_default();
    }
    let several = now_totals.len() > 1;
    let mixed = now_totals
        .keys()
        .map(|(source, _)| source)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    let totals = now_totals
        .into_iter()
        .map(|((source, currency), current)| {
            let comparison = before_totals
                .get(&(source.clone(), currency.clone()))
                .copied()
                .unwrap_or_default();
            let label = match (several, mixed) {
                (false, _) => "total".to_string(),
                (true, true) => format!("total {source} {currency}"),
                (true, false) => format!("total {currency}"),
            };
            CompareTotal {
                label,
                currency,
                current,
                comparison,
                delta: current - comparison,
                change: Change::of(current, comparison),
            }
        })
        .collect();
    Ok(Comparison {
        period,
        rows,
        totals,
        comparison_empty: comparison_groups.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }
    fn range(from: &str, to: &str) -> DateRange {
        DateRange {
            from: day(from),
            to: day(to),
        }
    }

    #[test]
    fn previous_is_the_month_before_the_same_days_or_the_days_before() {
        let p = period(&CompareArg::Previous, range("2026-10-01", "2026-10-31")).unwrap();
        assert_eq!(p.range, range("2026-09-01", "2026-09-30"));
        // Month to date: Oct 1-18 vs Sep 1-18.
        let p = period(&CompareArg::Previous, range("2026-10-01", "2026-10-18")).unwrap();
        assert_eq!(p.range, range("2026-09-01", "2026-09-18"));
        assert!(p.how.starts_with("month to date, 18 days,"));
        // Mar 1-30 vs Feb 1-28: cut at February's end.
        let p = period(&CompareArg::Previous, range("2026-03-01", "2026-03-30")).unwrap();
        assert_eq!(p.range, range("2026-02-01", "2026-02-28"));
        // Any other range: the days just before.
        let p = period(&CompareArg::Previous, range("2026-10-16", "2026-10-31")).unwrap();
        assert_eq!(p.range, range("2026-09-30", "2026-10-15"));
        let p = period(
            &CompareArg::Month(day("2026-08-01")),
            range("2026-10-01", "2026-10-18"),
        );
        assert_eq!(p.unwrap().range, range("2026-08-01", "2026-08-18"));
    }

    #[test]
    fn arguments_parse_or_say_what_is_expected() {
        assert_eq!(CompareArg::parse("previous").unwrap(), CompareArg::Previous);
        assert_eq!(
            CompareArg::parse("2026-09").unwrap(),
            CompareArg::Month(day("2026-09-01"))
        );
        assert_eq!(
            CompareArg::parse("2026-10-01..2026-10-15").unwrap(),
            CompareArg::Range(range("2026-10-01", "2026-10-15"))
        );
        assert!(CompareArg::parse("last").is_err());
        assert!(CompareArg::parse("2026-10-15..2026-10-01").is_err());
    }

    #[test]
    fn change_is_never_a_division_by_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(Change::of(d("150"), d("120")).text(1), "+25.0%");
        assert_eq!(Change::of(d("100"), d("300")).text(1), "-66.7%");
        assert_eq!(Change::of(d("100"), d("300")).plain(), "-66.6667");
        assert_eq!(Change::of(d("5"), d("0")).text(1), "new");
        assert_eq!(Change::of(d("0"), d("5")).text(1), "gone");
        assert_eq!(Change::of(d("0"), d("0")).text(1), "0.0%");
        // Half to even: 0.05% → 0.0%, 0.15% → +0.2%.
        assert_eq!(Change::of(d("100.05"), d("100")).text(1), "0.0%");
        assert_eq!(Change::of(d("100.15"), d("100")).text(1), "+0.2%");
    }
}

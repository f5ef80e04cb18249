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
    /// A percent beyond 28 digits (a cost of 10^27 against 1): shown as `too large`, never
    /// as a rounded or made-up figure.
    TooLarge,
}

impl Change {
    pub fn of(current: Decimal, comparison: Decimal) -> Change {
        match (current.is_zero(), comparison.is_zero()) {
            (true, true) => Change::Unchanged,
            (false, true) => Change::New,
            (true, false) => Change::Gone,
            (false, false) => {
                match current
                    .checked_sub(comparison)
                    .and_then(|delta| delta.checked_mul(Decimal::ONE_HUNDRED))
                    .and_then(|d| d.checked_div(comparison.abs()))
                {
                    Some(percent) => Change::Percent(percent),
                    // Beyond 28 digits: no percent is shown rather than a wrong one (it
                    // showed 0.0%, as if nothing had changed).
                    None => Change::TooLarge,
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
                let mut text = fixed(rounded.abs(), places);
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
            Change::TooLarge => "too large".into(),
        }
    }

    /// For CSV and JSON: the percent rounded half-even to 4 places, without sign or `%`
    /// (`12.3457`, `-4.0000`), or `new` / `gone`.
    pub fn plain(self) -> String {
        match self {
            Change::Percent(p) => fixed(
                p.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven),
                4,
            ),
            Change::New => "new".into(),
            Change::Gone => "gone".into(),
            Change::Unchanged => "0.0000".into(),
            Change::TooLarge => "too large".into(),
        }
    }
}

/// `value` (at most `places` decimals) with exactly `places` decimals. rust_decimal's own
/// `{:.4}` panics ("insufficient capacity") on a 29-digit value such as a percent of 10^26.
fn fixed(value: Decimal, places: u32) -> String {
    let mut text = value.to_string();
    let have = text
        .split_once('.')
        .map_or(0, |(_, decimals)| decimals.len());
    if have == 0 && places > 0 {
        text.push('.');
    }
    text.extend(std::iter::repeat_n(
        '0',
        (places as usize).saturating_sub(have),
    ));
    text
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
    // A change is `current - comparison`, exact (never rounded, never a panic) and named.
    let change = |current: Decimal, comparison: Decimal, place: &dyn Fn() -> String| {
        exact_add(current, -comparison)
            .map_err(|o| anyhow::anyhow!("the change of {}: {o}", place()))
    };
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
            delta: change(row.cost, comparison, &|| {
                let keys: Vec<String> = summary
                    .key_names
                    .iter()
                    .zip(&row.keys)
                    .map(|(name, value)| format!("{name} \"{}\"", crate::output::visible(value)))
                    .collect();
                format!("{} ({})", keys.join(", "), row.currency)
            })?,
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
        .map(
            |((source, currency), current)| -> anyhow::Result<CompareTotal> {
                let comparison = before_totals
                    .get(&(source.clone(), currency.clone()))
                    .copied()
                    .unwrap_or_default();
                let label = match (several, mixed) {
                    (false, _) => "total".to_string(),
                    (true, true) => format!("total {source} {currency}"),
                    (true, false) => format!("total {currency}"),
                };
                Ok(CompareTotal {
                    delta: change(current, comparison, &|| {
                        format!("the {source} total in {currency}")
                    })?,
                    label,
                    currency,
                    current,
                    comparison,
                    change: Change::of(current, comparison),
                })
            },
        )
        .collect::<anyhow::Result<_>>()?;
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
    fn a_change_beyond_28_digits_is_too_large_not_zero() {
        let big = Decimal::from_str("7922816251426433759354395033").unwrap();
        assert_eq!(Change::of(big, Decimal::ONE), Change::TooLarge);
        assert_eq!(Change::of(big, Decimal::ONE).text(1), "too large");
        assert_eq!(Change::of(big, Decimal::ONE).plain(), "too large");
        // The difference itself beyond 28 digits: no panic.
        assert_eq!(Change::of(Decimal::MAX, -Decimal::ONE), Change::TooLarge);
        // Just inside: a percent.
        let inside = Decimal::from_str("792281625142643375935439503").unwrap();
        assert_eq!(
            Change::of(inside, Decimal::ONE).plain(),
            "79228162514264337593543950200.0000"
        );
        assert_eq!(
            Change::of(inside, Decimal::ONE).text(1),
            "+79228162514264337593543950200.0%"
        );
        assert_eq!(fixed(Decimal::from_str("-4").unwrap(), 4), "-4.0000");
        assert_eq!(fixed(Decimal::from_str("12.35").unwrap(), 4), "12.3500");
        // No places: the integer as it is, without a trailing point.
        assert_eq!(fixed(Decimal::from(5), 0), "5");
        assert_eq!(fixed(Decimal::from_str("0.5").unwrap(), 1), "0.5");
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

    #[test]
    fn previous_of_days_not_from_the_1st_and_a_month_beside_a_whole_month() {
        // October 5..20 is no month to date (not from the 1st): the 16 days before it.
        let p = period(&CompareArg::Previous, range("2026-10-05", "2026-10-20")).unwrap();
        assert_eq!(p.range, range("2026-09-19", "2026-10-04"));
        assert_eq!(p.how, "the previous 16 days");
        let p = period(&CompareArg::Previous, range("2026-10-01", "2026-10-31")).unwrap();
        assert_eq!(p.how, "the previous month, 2026-09");
        let p = period(&CompareArg::Previous, range("2026-10-01", "2026-10-18")).unwrap();
        assert_eq!(p.how, "month to date, 18 days, vs the same days of 2026-09");
        // A month beside a whole month, or beside days not from the 1st: that whole month.
        let p = period(
            &CompareArg::Month(day("2026-08-01")),
            range("2026-10-01", "2026-10-31"),
        )
        .unwrap();
        assert_eq!(p.range, range("2026-08-01", "2026-08-31"));
        assert_eq!(p.how, "the month 2026-08");
        let p = period(
            &CompareArg::Month(day("2026-09-01")),
            range("2026-10-16", "2026-10-31"),
        )
        .unwrap();
        assert_eq!(p.range, range("2026-09-01", "2026-09-30"));
        let p = period(
            &CompareArg::Month(day("2026-08-01")),
            range("2026-10-01", "2026-10-18"),
        )
        .unwrap();
        assert_eq!(p.how, "month to date, 18 days, vs the same days of 2026-08");
        let given = range("2026-01-10", "2026-02-20");
        let p = period(&CompareArg::Range(given), range("2026-10-01", "2026-10-31")).unwrap();
        assert_eq!(p.range, given);
        assert_eq!(p.how, "the range given");
    }

    fn money(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// A `--period total` summary of October: rows `(keys, currency, cost)` and totals
    /// `(source, currency, cost)`.
    fn summary(
        key_names: &[&str],
        rows: &[(&[&str], &str, &str)],
        totals: &[(&str, &str, &str)],
    ) -> Summary {
        let rows: Vec<crate::aggregate::SummaryRow> = rows
            .iter()
            .map(|(keys, currency, cost)| crate::aggregate::SummaryRow {
                period: None,
                keys: keys.iter().map(|k| k.to_string()).collect(),
                unit: None,
                quantity: None,
                cost: money(cost),
                provisional_cost: Decimal::ZERO,
                currency: currency.to_string(),
                status: crate::model::Status::Final,
            })
            .collect();
        let totals: Vec<crate::aggregate::Total> = totals
            .iter()
            .map(|(source, currency, cost)| crate::aggregate::Total {
                source: source.to_string(),
                currency: currency.to_string(),
                cost: money(cost),
                final_cost: money(cost),
                provisional: Decimal::ZERO,
            })
            .collect();
        Summary {
            key_names: key_names.iter().map(|k| k.to_string()).collect(),
            with_units: false,
            period: crate::model::Period::Total,
            range: range("2026-10-01", "2026-10-31"),
            delay: crate::model::Delay {
                as_of: "2026-11-10T00:00:00Z".parse().unwrap(),
                delay_days: 3,
            },
            // As summarize: one total, or none for several sources or currencies.
            total: (totals.len() <= 1).then(|| totals.iter().map(|t| t.cost).sum()),
            rows,
            daily: Vec::new(),
            totals,
            currency: None,
            provisional_days: Vec::new(),
        }
    }

    /// A group of September: `(day, keys, source, currency, cost)`.
    fn groups(list: &[(&str, &[&str], &str, &str, &str)]) -> Vec<DayGroup> {
        list.iter()
            .map(|(d, keys, source, currency, cost)| DayGroup {
                day: day(d),
                keys: keys.iter().map(|k| k.to_string()).collect(),
                currency: currency.to_string(),
                unit: String::new(),
                source: source.to_string(),
                sums: crate::ingest::tally::Totals {
                    quantity: Decimal::ZERO,
                    cost: money(cost),
                    rows: 1,
                },
            })
            .collect()
    }

    fn september() -> ComparePeriod {
        ComparePeriod {
            range: range("2026-09-01", "2026-09-30"),
            how: "the previous month, 2026-09".into(),
        }
    }

    #[test]
    fn compare_sets_each_group_beside_its_cost_then_and_sums_the_totals() {
        let summary = summary(
            &["project"],
            &[
                (&["new"], "USD", "5.00"),
                (&["db"], "USD", "100.00"),
                (&["search"], "USD", "150.00"),
            ],
            &[("billed", "USD", "255.00")],
        );
        let before = groups(&[
            ("2026-09-01", &["search"], "billed", "USD", "70.00"),
            ("2026-09-02", &["search"], "billed", "USD", "50.00"),
            ("2026-09-02", &["db"], "billed", "USD", "300.00"),
            ("2026-09-03", &["old"], "billed", "USD", "40.00"),
        ]);
        let c = compare(&summary, &before, september(), false).unwrap();
        assert!(!c.comparison_empty);
        let rows: Vec<(&str, Decimal, Decimal, Decimal, String)> = c
            .rows
            .iter()
            .map(|r| {
                (
                    r.keys[0].as_str(),
                    r.current,
                    r.comparison,
                    r.delta,
                    r.change.text(1),
                )
            })
            .collect();
        // Largest current cost first, the gone group last: search 150.00 vs 70.00 + 50.00
        // (+30.00 of 120.00: +25%), db 100.00 vs 300.00 (-200.00: -66.7%), new, then old.
        assert_eq!(
            rows,
            vec![
                (
                    "search",
                    money("150.00"),
                    money("120.00"),
                    money("30.00"),
                    "+25.0%".into()
                ),
                (
                    "db",
                    money("100.00"),
                    money("300.00"),
                    money("-200.00"),
                    "-66.7%".into()
                ),
                (
                    "new",
                    money("5.00"),
                    Decimal::ZERO,
                    money("5.00"),
                    "new".into()
                ),
                (
                    "old",
                    Decimal::ZERO,
                    money("40.00"),
                    money("-40.00"),
                    "gone".into()
                ),
            ]
        );
        assert_eq!(c.rows[3].status, crate::model::Status::Final);
        // One total: 255.00 vs 460.00, -205.00, -44.565...%.
        assert_eq!(
            c.totals,
            vec![CompareTotal {
                label: "total".into(),
                currency: "USD".into(),
                current: money("255.00"),
                comparison: money("460.00"),
                delta: money("-205.00"),
                change: c.totals[0].change,
            }]
        );
        assert_eq!(c.totals[0].change.text(1), "-44.6%");
        assert_eq!(c.totals[0].change.plain(), "-44.5652");

        let empty = compare(&summary, &[], september(), false).unwrap();
        assert!(empty.comparison_empty);
        assert!(empty.rows.iter().all(|r| r.change == Change::New));
    }

    #[test]
    fn compare_totals_are_labelled_by_currency_and_by_source_when_several() {
        // One source, two currencies: `total EUR`, `total USD`.
        let summary_two = summary(
            &["project"],
            &[(&["search"], "EUR", "20.00"), (&["search"], "USD", "10.00")],
            &[("billed", "EUR", "20.00"), ("billed", "USD", "10.00")],
        );
        let before = groups(&[("2026-09-01", &["search"], "billed", "USD", "5.00")]);
        let c = compare(&summary_two, &before, september(), false).unwrap();
        let totals: Vec<(&str, String)> = c
            .totals
            .iter()
            .map(|t| (t.label.as_str(), t.change.text(1)))
            .collect();
        assert_eq!(
            totals,
            [("total EUR", "new".into()), ("total USD", "+100.0%".into())]
        );

        // Two sources, `source` added as the first key: the comparison's groups are keyed
        // the same way, and a source and currency only the comparison period holds gets a
        // total of its own.
        let summary_sources = summary(
            &["source", "project"],
            &[
                (&["billed", "search"], "USD", "100.00"),
                (&["estimated", "search"], "USD", "30.00"),
            ],
            &[("billed", "USD", "100.00"), ("estimated", "USD", "30.00")],
        );
        let before = groups(&[
            ("2026-09-01", &["search"], "billed", "USD", "80.00"),
            ("2026-09-01", &["search"], "estimated", "EUR", "7.00"),
        ]);
        let c = compare(&summary_sources, &before, september(), true).unwrap();
        let rows: Vec<(Vec<String>, String, String)> = c
            .rows
            .iter()
            .map(|r| (r.keys.clone(), r.currency.clone(), r.change.text(1)))
            .collect();
        let keys = |k: &[&str]| k.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            [
                (keys(&["billed", "search"]), "USD".into(), "+25.0%".into()),
                (keys(&["estimated", "search"]), "USD".into(), "new".into()),
                (keys(&["estimated", "search"]), "EUR".into(), "gone".into()),
            ]
        );
        let totals: Vec<(&str, Decimal, Decimal, Decimal)> = c
            .totals
            .iter()
            .map(|t| (t.label.as_str(), t.current, t.comparison, t.delta))
            .collect();
        assert_eq!(
            totals,
            [
                (
                    "total billed USD",
                    money("100.00"),
                    money("80.00"),
                    money("20.00")
                ),
                (
                    "total estimated EUR",
                    Decimal::ZERO,
                    money("7.00"),
                    money("-7.00")
                ),
                (
                    "total estimated USD",
                    money("30.00"),
                    Decimal::ZERO,
                    money("30.00")
                ),
            ]
        );
    }
}

//! Pure spend alerts: daily totals of the watched period and of the period before it, plus
//! thresholds, a spike factor and the delay rule → which alerts fire, since when, and whether
//! they rest on provisional days. No I/O, no parsing, no rendering.
//!
//! The rules (docs/alerts.md):
//! - Spend to date is the sum of the watched period's UTC days up to the as-of day.
//! - A threshold fires when spend to date reaches it (`>=`); its first day is the first UTC day
//!   on which the running sum reached it. Once reached it stays fired for the period, even if
//!   a later credit brings the sum back below.
//! - The spike fires when spend to date is strictly greater than `factor × previous total`
//!   (at exactly 2.00× with factor 2 it does not fire).
//! - The spike is only checked when the previous period is complete in the inputs: every one
//!   of its days holds at least one row in some input (before filters, so a filter that
//!   matches nothing on a day does not make the day "missing"), and every one of its days is
//!   final under the delay rule. Otherwise it reports the previous period as missing (no day
//!   has a row) or incomplete (the days without rows, or the days still provisional) and does
//!   not fire.
//! - Per group (`--by`): each group's daily totals go through the same rules, against the same
//!   coverage of the inputs. One difference: a group that spent nothing in a complete previous
//!   period (a total of exactly 0, or no rows at all) gets no spike check ("no spend in
//!   previous month 2026-09 for this group") instead of firing on its first cent, so a new project
//!   does not page on its first day.

pub mod config;
pub mod state;

use crate::forecast::{self, Forecast, Reach};
use crate::model::{DateRange, Day, Delay, Overflow, Status, exact_add, money_text};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// What the alerts are computed from.
#[derive(Debug, Clone)]
pub struct AlertInput<'a> {
    /// The watched period (a calendar month, or the last N days).
    pub watched: DateRange,
    /// The period the spike compares with (the month before, or the N days before).
    pub previous: DateRange,
    /// How the previous period is named in notes, e.g. `previous month 2026-09`.
    pub previous_label: String,
    /// Cost per UTC day after filters; days outside both periods are ignored.
    pub daily: &'a BTreeMap<Day, Decimal>,
    /// Days on which the inputs hold any row at all (before filters).
    pub covered_days: &'a BTreeSet<Day>,
    pub thresholds: &'a [Decimal],
    pub spike_factor: Decimal,
    /// `--previous-invoice`: the spike compares with this amount instead of the previous
    /// period's usage, so it is checked on every day, whatever the inputs hold.
    pub previous_invoice: Option<Decimal>,
    pub delay: Delay,
    /// Whether the watched period is a calendar month, which gets a month-end forecast.
    pub month: bool,
    /// The thresholds (of `thresholds`) that also get a forecast alert.
    pub forecast_thresholds: &'a [Decimal],
}

/// A forecast alert: the month-end projection reaches a threshold that actual spend has not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastAlert {
    pub threshold: Decimal,
    pub fired: bool,
    /// When the projection reaches the threshold; `None` without a forecast.
    pub reach: Option<Reach>,
}

/// One threshold's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdAlert {
    pub threshold: Decimal,
    pub fired: bool,
    /// The first UTC day on which the running sum reached the threshold.
    pub first_day: Option<Day>,
    /// Whether the result can still change when provisional days settle: for a fired
    /// threshold, whether its first day is provisional; otherwise whether any day counted
    /// so far is.
    pub provisional: bool,
}

/// Whether the previous period can be compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousPeriod {
    Complete,
    /// No input holds a row on any of its days.
    Missing,
    /// Some days hold no row in any input.
    Gaps(Vec<Day>),
    /// Every day holds rows, but these are still provisional.
    Provisional(Vec<Day>),
}

/// What the spike compares spend to date with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeBase {
    /// The previous period's usage total (checked only when that period is complete).
    Usage,
    /// `--previous-invoice AMOUNT`.
    Invoice(Decimal),
}

impl SpikeBase {
    /// `previous_usage` or `previous_invoice`: the JSON and CSV name of the base.
    pub fn name(self) -> &'static str {
        match self {
            SpikeBase::Usage => "previous_usage",
            SpikeBase::Invoice(_) => "previous_invoice",
        }
    }
}

/// The spike check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpikeAlert {
    pub factor: Decimal,
    pub base: SpikeBase,
    pub previous: PreviousPeriod,
    /// The previous period's usage total; `None` unless that period is complete.
    pub previous_total: Option<Decimal>,
    pub fired: bool,
    /// Whether the result can still change when provisional days settle (in either period).
    pub provisional: bool,
    /// One line for a human: the comparison, or why there is none.
    pub note: String,
}

/// Every alert of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alerts {
    pub watched: DateRange,
    /// The last day counted: the as-of day, or the period's end when that is earlier.
    /// `None` when the period starts after the as-of day.
    pub through: Option<Day>,
    pub spend_to_date: Decimal,
    /// The watched period's provisional days up to the as-of day (with or without rows).
    pub provisional_days: Vec<Day>,
    pub thresholds: Vec<ThresholdAlert>,
    pub spike: SpikeAlert,
    /// The month-end projection (calendar months in progress with a final day).
    pub forecast: Option<Forecast>,
    /// The month's final days without a row in any input: no forecast while there are any.
    pub forecast_gaps: Vec<Day>,
    pub forecast_alerts: Vec<ForecastAlert>,
}

impl Alerts {
    #[cfg(test)]
    pub fn any_fired(&self) -> bool {
        !self.fired_names().is_empty()
    }

    /// The `--state` names of the alerts that fired (see `state`).
    pub fn fired_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .thresholds
            .iter()
            .filter(|t| t.fired)
            .map(|t| state::threshold_key(t.threshold))
            .collect();
        if self.spike.fired {
            names.push(state::SPIKE_KEY.to_string());
        }
        names.extend(
            self.forecast_alerts
                .iter()
                .filter(|f| f.fired)
                .map(|f| state::forecast_key(f.threshold)),
        );
        names
    }
}

/// One group's alerts under `--by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAlerts {
    /// The group's value of the `--by` key (empty when rows lack it).
    pub value: String,
    pub alerts: Alerts,
}

/// Computes every alert for each group on its own: `input` with its `daily` replaced by each
/// group's daily totals, in the order of `groups` (sorted by value). A group whose previous
/// period is complete but holds no spend gets no spike check (see the module comment).
pub fn evaluate_groups(
    input: &AlertInput,
    groups: &BTreeMap<String, BTreeMap<Day, Decimal>>,
) -> anyhow::Result<Vec<GroupAlerts>> {
    groups
        .iter()
        .map(|(value, daily)| {
            // An overflow names the group whose sums it is in.
            let mut alerts = evaluate(&AlertInput {
                daily,
                ..input.clone()
            })
            .map_err(|o| anyhow::anyhow!("the spend of the group \"{value}\": {o}"))?;
            let spike = &mut alerts.spike;
            if spike.base == SpikeBase::Usage
                && spike.previous == PreviousPeriod::Complete
                && spike.previous_total == Some(Decimal::ZERO)
            {
                spike.fired = false;
                spike.provisional = false;
                spike.note = format!(
                    "no spend in {} for this group; no spike check",
                    input.previous_label
                );
            }
            Ok(GroupAlerts {
                value: value.clone(),
                alerts,
            })
        })
        .collect()
}

/// Computes every alert. Fails only when a sum or the spike product cannot be kept exactly.
pub fn evaluate(input: &AlertInput) -> Result<Alerts, Overflow> {
    let delay = input.delay;
    let as_of_day = delay.as_of.date_naive();
    let through = Some(input.watched.to.min(as_of_day)).filter(|d| *d >= input.watched.from);
    let counted = |day: &Day| through.is_some_and(|t| input.watched.from <= *day && *day <= t);
    let provisional_days: Vec<Day> = match through {
        Some(through) => input
            .watched
            .from
            .iter_days()
            .take_while(|d| *d <= through)
            .filter(|d| delay.status(*d) == Status::Provisional)
            .collect(),
        None => Vec::new(),
    };
    let any_provisional = !provisional_days.is_empty();

    // The running sum, day by day, for the thresholds' first days.
    let mut running = Vec::new();
    let mut spend_to_date = Decimal::ZERO;
    for (day, cost) in input.daily.iter().filter(|(day, _)| counted(day)) {
        spend_to_date = exact_add(spend_to_date, *cost)?;
        running.push((*day, spend_to_date));
    }
    let thresholds: Vec<ThresholdAlert> = input
        .thresholds
        .iter()
        .map(|&threshold| {
            // Once the running sum has reached the threshold the alert stays fired for the
            // month, even if a later credit (a negative cost) brings the sum back below it:
            // the first day, and whether it is final, then decide everything.
            let first_day = running
                .iter()
                .find(|(_, sum)| *sum >= threshold)
                .map(|(day, _)| *day)
                // A threshold of zero or less is reached before any row: on the first day.
                .or_else(|| {
                    (through.is_some() && threshold <= Decimal::ZERO).then_some(input.watched.from)
                });
            let fired = first_day.is_some();
            let provisional = match first_day {
                Some(day) => delay.status(day) == Status::Provisional,
                None => any_provisional,
            };
            ThresholdAlert {
                threshold,
                fired,
                first_day,
                provisional,
            }
        })
        .collect();

    let spike = spike(input, spend_to_date, any_provisional)?;
    let forecast_gaps = match through {
        Some(_) if input.month => forecast::gaps(input.watched, input.covered_days, delay),
        _ => Vec::new(),
    };
    let forecast = match through {
        Some(_) if input.month && forecast_gaps.is_empty() => {
            forecast::project(input.watched, input.daily, delay)?
        }
        _ => None,
    };
    let forecast_alerts = input
        .forecast_thresholds
        .iter()
        .map(|&threshold| {
            let actual = thresholds
                .iter()
                .find(|t: &&ThresholdAlert| t.threshold == threshold)
                .and_then(|t| t.first_day);
            let reach = forecast.as_ref().map(|f| f.reach(threshold, actual));
            ForecastAlert {
                threshold,
                // Once actual spend reached it, the threshold alert speaks, not the forecast.
                fired: matches!(reach, Some(Reach::On(_))),
                reach,
            }
        })
        .collect();
    Ok(Alerts {
        watched: input.watched,
        through,
        spend_to_date,
        provisional_days,
        thresholds,
        spike,
        forecast,
        forecast_gaps,
        forecast_alerts,
    })
}

fn spike(
    input: &AlertInput,
    spend: Decimal,
    any_provisional: bool,
) -> Result<SpikeAlert, Overflow> {
    let previous_days: Vec<Day> = input
        .previous
        .from
        .iter_days()
        .take_while(|d| *d <= input.previous.to)
        .collect();
    let gaps: Vec<Day> = previous_days
        .iter()
        .filter(|d| !input.covered_days.contains(d))
        .copied()
        .collect();
    let unsettled: Vec<Day> = previous_days
        .iter()
        .filter(|d| input.delay.status(**d) == Status::Provisional)
        .copied()
        .collect();
    let label = &input.previous_label;
    let factor = input.spike_factor;
    let previous = if gaps.len() == previous_days.len() {
        PreviousPeriod::Missing
    } else if !gaps.is_empty() {
        PreviousPeriod::Gaps(gaps)
    } else if !unsettled.is_empty() {
        PreviousPeriod::Provisional(unsettled)
    } else {
        PreviousPeriod::Complete
    };
    let mut previous_total = None;
    if previous == PreviousPeriod::Complete {
        let mut total = Decimal::ZERO;
        for (_, cost) in input.daily.range(input.previous.from..=input.previous.to) {
            total = exact_add(total, *cost)?;
        }
        previous_total = Some(total);
    }
    // The invoice is known whatever the inputs hold: the check runs on every day.
    if let Some(invoice) = input.previous_invoice {
        return compare(
            factor,
            SpikeBase::Invoice(invoice),
            previous,
            previous_total,
            spend,
            invoice,
            "the previous invoice".to_string(),
            any_provisional,
        );
    }
    let no_check = |why: String, provisional: bool| SpikeAlert {
        factor,
        base: SpikeBase::Usage,
        previous: previous.clone(),
        previous_total: None,
        fired: false,
        provisional,
        note: format!("{why}; no spike check"),
    };
    match &previous {
        PreviousPeriod::Missing => {
            return Ok(no_check(
                format!("{label} is missing from the inputs"),
                false,
            ));
        }
        PreviousPeriod::Gaps(days) => {
            return Ok(no_check(
                format!(
                    "{label} is incomplete in the inputs: no rows for {}",
                    day_list(days)
                ),
                false,
            ));
        }
        PreviousPeriod::Provisional(days) => {
            let last = days.last().copied().unwrap_or(input.previous.to);
            return Ok(no_check(
                format!(
                    "{label} is incomplete: {} still provisional (final on {})",
                    day_list(days),
                    input.delay.final_at(last)
                ),
                true,
            ));
        }
        PreviousPeriod::Complete => {}
    }
    let total = previous_total.unwrap_or_default();
    compare(
        factor,
        SpikeBase::Usage,
        previous,
        previous_total,
        spend,
        total,
        format!("the usage total of {label}"),
        any_provisional,
    )
}

/// The spike's comparison: fires when `spend > factor × base_amount`; the note names the base.
#[allow(clippy::too_many_arguments)]
fn compare(
    factor: Decimal,
    base: SpikeBase,
    previous: PreviousPeriod,
    previous_total: Option<Decimal>,
    spend: Decimal,
    base_amount: Decimal,
    base_text: String,
    provisional: bool,
) -> Result<SpikeAlert, Overflow> {
    // Exact, or an error: rust_decimal's checked_mul rounds a product beyond 28 places, and a
    // rounded limit can flip the decision (2e-28 > 1.5 × 1e-28, but not > 2e-28).
    let limit = crate::model::exact_mul(factor, base_amount)?;
    let fired = spend > limit;
    let sign = if fired { ">" } else { "≤" };
    Ok(SpikeAlert {
        factor,
        base,
        previous,
        previous_total,
        fired,
        provisional,
        note: format!(
            "{} {sign} {factor} × {}, {base_text}",
            money_text(spend),
            money_text(base_amount)
        ),
    })
}

/// `2026-09-30`, `2026-09-28 to 2026-09-30` for a run of days, or a count with the first and
/// last day when the days are scattered.
pub fn day_list(days: &[Day]) -> String {
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if first == last => first.to_string(),
        (Some(first), Some(last)) => {
            let contiguous = (*last - *first).num_days() + 1 == days.len() as i64;
            if contiguous {
                format!("{first} to {last}")
            } else {
                format!("{} days between {first} and {last}", days.len())
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use std::str::FromStr;

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    fn money(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn as_of(s: &str, delay_days: u32) -> Delay {
        Delay {
            as_of: DateTime::parse_from_rfc3339(&format!("{s}T00:00:00Z"))
                .unwrap()
                .with_timezone(&Utc),
            delay_days,
        }
    }

    fn range(from: &str, to: &str) -> DateRange {
        DateRange {
            from: day(from),
            to: day(to),
        }
    }

    /// September: 30 × 20.00 = 600.00. October: 1..11 at 40.00 (440.00), the 12th 60.00
    /// (500.00 exactly), 13..19 at 60.00 (920.00), the 20th 80.00 (1000.00 exactly), 21..31
    /// at 10.00 (1110.00).
    fn two_months() -> BTreeMap<Day, Decimal> {
        let mut daily = BTreeMap::new();
        for d in day("2026-09-01").iter_days().take(30) {
            daily.insert(d, money("20.00"));
        }
        for (n, d) in day("2026-10-01").iter_days().take(31).enumerate() {
            let cost = match n + 1 {
                1..=11 => "40.00",
                12..=19 => "60.00",
                20 => "80.00",
                _ => "10.00",
            };
            daily.insert(d, money(cost));
        }
        daily
    }

    fn run(
        daily: &BTreeMap<Day, Decimal>,
        covered: &BTreeSet<Day>,
        thresholds: &[Decimal],
        factor: &str,
        delay: Delay,
    ) -> Alerts {
        evaluate(&AlertInput {
            watched: range("2026-10-01", "2026-10-31"),
            previous: range("2026-09-01", "2026-09-30"),
            previous_label: "previous month 2026-09".into(),
            daily,
            covered_days: covered,
            thresholds,
            spike_factor: money(factor),
            previous_invoice: None,
            delay,
            month: true,
            forecast_thresholds: &[],
        })
        .unwrap()
    }

    fn all_days(daily: &BTreeMap<Day, Decimal>) -> BTreeSet<Day> {
        daily.keys().copied().collect()
    }

    #[test]
    fn alerts_threshold_first_days_are_the_crossing_days() {
        let daily = two_months();
        let thresholds = [
            money("500"),
            money("1000"),
            money("499.99"),
            money("500.01"),
            money("1200"),
        ];
        let alerts = run(
            &daily,
            &all_days(&daily),
            &thresholds,
            "2",
            as_of("2026-11-10", 3),
        );
        assert_eq!(alerts.spend_to_date, money("1110.00"));
        assert!(alerts.provisional_days.is_empty());
        let first_days: Vec<Option<Day>> = alerts.thresholds.iter().map(|t| t.first_day).collect();
        assert_eq!(
            first_days,
            vec![
                Some(day("2026-10-12")),
                Some(day("2026-10-20")),
                Some(day("2026-10-12")),
                Some(day("2026-10-13")),
                None
            ]
        );
        let fired: Vec<bool> = alerts.thresholds.iter().map(|t| t.fired).collect();
        assert_eq!(fired, vec![true, true, true, true, false]);
        assert!(alerts.thresholds.iter().all(|t| !t.provisional));
        assert!(alerts.any_fired());
    }

    #[test]
    fn alerts_spend_to_date_stops_at_the_as_of_day() {
        let daily = two_months();
        // As of the 12th, the 12th counts (500.00 reached) but nothing later does.
        let alerts = run(
            &daily,
            &all_days(&daily),
            &[money("500"), money("1000")],
            "2",
            as_of("2026-10-12", 3),
        );
        assert_eq!(alerts.through, Some(day("2026-10-12")));
        assert_eq!(alerts.spend_to_date, money("500.00"));
        assert_eq!(alerts.thresholds[0].first_day, Some(day("2026-10-12")));
        assert!(!alerts.thresholds[1].fired);
        assert_eq!(
            alerts.provisional_days,
            vec![
                day("2026-10-09"),
                day("2026-10-10"),
                day("2026-10-11"),
                day("2026-10-12")
            ]
        );
    }

    #[test]
    fn alerts_spike_fires_above_the_factor_not_at_it() {
        let mut daily: BTreeMap<Day, Decimal> = two_months()
            .into_iter()
            .filter(|(d, _)| *d < day("2026-10-01"))
            .collect();
        let covered = all_days(&daily);
        let delay = as_of("2026-10-05", 3);

        daily.insert(day("2026-10-01"), money("1200.00")); // exactly 2.00 × 600.00
        let at_factor = run(&daily, &covered, &[], "2", delay);
        assert_eq!(at_factor.spike.previous_total, Some(money("600.00")));
        assert!(!at_factor.spike.fired);
        assert_eq!(
            at_factor.spike.note,
            "1200.00 ≤ 2 × 600.00, the usage total of previous month 2026-09"
        );
        assert!(!at_factor.any_fired());

        daily.insert(day("2026-10-01"), money("1206.00")); // 2.01 × 600.00
        let above = run(&daily, &covered, &[], "2", delay);
        assert!(above.spike.fired);
        assert_eq!(
            above.spike.note,
            "1206.00 > 2 × 600.00, the usage total of previous month 2026-09"
        );
        // October 2..5 are provisional as of the 5th, so the spike rests on them.
        assert!(above.spike.provisional);

        // The same spend against a factor of 2.01 sits exactly on it again.
        let exact = run(&daily, &covered, &[], "2.01", delay);
        assert!(!exact.spike.fired);
    }

    #[test]
    fn alerts_provisional_until_as_of_moves_forward_four_days() {
        let daily = two_months();
        let covered = all_days(&daily);
        let thresholds = [money("500")];
        // As of the 12th, the 12th is provisional (final on 12 + 1 + 3 = the 16th).
        let early = run(&daily, &covered, &thresholds, "2", as_of("2026-10-12", 3));
        assert!(early.thresholds[0].fired);
        assert!(early.thresholds[0].provisional);
        let later = run(&daily, &covered, &thresholds, "2", as_of("2026-10-16", 3));
        assert_eq!(later.thresholds[0].first_day, Some(day("2026-10-12")));
        assert!(!later.thresholds[0].provisional);
        // The spike compares to-date spend that includes the 13th..16th: still provisional.
        assert!(later.spike.provisional);
        // A threshold not reached yet may still be reached by late data.
        let unreached = run(
            &daily,
            &covered,
            &[money("5000")],
            "2",
            as_of("2026-10-16", 3),
        );
        assert!(!unreached.thresholds[0].fired);
        assert!(unreached.thresholds[0].provisional);
    }

    #[test]
    fn alerts_missing_previous_month_is_said_and_does_not_fire() {
        let daily: BTreeMap<Day, Decimal> = two_months()
            .into_iter()
            .filter(|(d, _)| *d >= day("2026-10-01"))
            .collect();
        let alerts = run(&daily, &all_days(&daily), &[], "2", as_of("2026-11-10", 3));
        assert_eq!(alerts.spike.previous, PreviousPeriod::Missing);
        assert!(!alerts.spike.fired);
        assert_eq!(alerts.spike.previous_total, None);
        assert_eq!(
            alerts.spike.note,
            "previous month 2026-09 is missing from the inputs; no spike check"
        );
    }

    #[test]
    fn alerts_previous_month_with_gaps_or_provisional_days_is_incomplete() {
        let daily = two_months();
        let mut covered = all_days(&daily);
        covered.remove(&day("2026-09-29"));
        covered.remove(&day("2026-09-30"));
        let gaps = run(&daily, &covered, &[], "1", as_of("2026-11-10", 3));
        assert_eq!(
            gaps.spike.previous,
            PreviousPeriod::Gaps(vec![day("2026-09-29"), day("2026-09-30")])
        );
        assert!(!gaps.spike.fired);
        assert!(
            gaps.spike
                .note
                .contains("no rows for 2026-09-29 to 2026-09-30")
        );

        // As of October 3rd, September 29th and 30th are still provisional.
        let unsettled = run(&daily, &all_days(&daily), &[], "0", as_of("2026-10-03", 3));
        assert_eq!(
            unsettled.spike.previous,
            PreviousPeriod::Provisional(vec![day("2026-09-30")])
        );
        assert!(!unsettled.spike.fired);
        assert!(unsettled.spike.provisional);
        assert!(unsettled.spike.note.contains("final on 2026-10-04"));
    }

    #[test]
    fn alerts_filters_matching_nothing_give_a_zero_previous_total() {
        // The inputs cover September, but the watched project spent nothing in it.
        let daily: BTreeMap<Day, Decimal> = [(day("2026-10-01"), money("0.01"))].into();
        let covered: BTreeSet<Day> = day("2026-09-01").iter_days().take(31).collect();
        let alerts = run(&daily, &covered, &[], "2", as_of("2026-11-10", 3));
        assert_eq!(alerts.spike.previous_total, Some(Decimal::ZERO));
        assert!(alerts.spike.fired);
        assert_eq!(
            alerts.spike.note,
            "0.01 > 2 × 0.00, the usage total of previous month 2026-09"
        );
    }

    #[test]
    fn alerts_threshold_stays_fired_after_a_credit() {
        let daily: BTreeMap<Day, Decimal> = [
            (day("2026-10-01"), money("600.00")),
            (day("2026-10-02"), money("-200.00")),
        ]
        .into();
        let alerts = run(
            &daily,
            &all_days(&daily),
            &[money("500")],
            "2",
            as_of("2026-11-10", 3),
        );
        assert_eq!(alerts.spend_to_date, money("400.00"));
        assert!(alerts.thresholds[0].fired);
        assert_eq!(alerts.thresholds[0].first_day, Some(day("2026-10-01")));
    }

    #[test]
    fn alerts_period_after_the_as_of_day_counts_nothing() {
        let daily = two_months();
        let alerts = run(
            &daily,
            &all_days(&daily),
            &[money("1")],
            "2",
            as_of("2026-09-15", 3),
        );
        assert_eq!(alerts.through, None);
        assert_eq!(alerts.spend_to_date, Decimal::ZERO);
        assert!(!alerts.any_fired());
    }

    /// Two groups over `two_months()`'s calendar: `big` spends 30.00 a day in September
    /// (900.00) and 50.00 a day on October 1..10 (500.00 on the 10th, 1550.00 by the 31st);
    /// `small` spends 10.00 a day in September (300.00) and 5.00 a day in October (155.00);
    /// `new` has no September rows and 1.00 a day in October (31.00).
    fn three_groups() -> BTreeMap<String, BTreeMap<Day, Decimal>> {
        let mut big = BTreeMap::new();
        let mut small = BTreeMap::new();
        let mut new = BTreeMap::new();
        for d in day("2026-09-01").iter_days().take(30) {
            big.insert(d, money("30.00"));
            small.insert(d, money("10.00"));
        }
        for d in day("2026-10-01").iter_days().take(31) {
            big.insert(d, money("50.00"));
            small.insert(d, money("5.00"));
            new.insert(d, money("1.00"));
        }
        [
            ("big".to_string(), big),
            ("small".to_string(), small),
            ("new".to_string(), new),
        ]
        .into()
    }

    #[test]
    fn alerts_groups_are_evaluated_each_on_its_own() {
        let groups = three_groups();
        let covered: BTreeSet<Day> = day("2026-09-01").iter_days().take(61).collect();
        let empty = BTreeMap::new();
        let thresholds = [money("500"), money("150")];
        let input = AlertInput {
            watched: range("2026-10-01", "2026-10-31"),
            previous: range("2026-09-01", "2026-09-30"),
            previous_label: "previous month 2026-09".into(),
            daily: &empty,
            covered_days: &covered,
            thresholds: &thresholds,
            spike_factor: money("1.5"),
            previous_invoice: None,
            delay: as_of("2026-11-10", 3),
            month: true,
            forecast_thresholds: &[],
        };
        let results = evaluate_groups(&input, &groups).unwrap();
        let values: Vec<&str> = results.iter().map(|g| g.value.as_str()).collect();
        assert_eq!(values, ["big", "new", "small"]);

        // big: 10 × 50.00 = 500.00 on the 10th; 150 on the 3rd (3 × 50.00); 1550.00 >
        // 1.5 × 900.00 = 1350.00.
        let big = &results[0].alerts;
        assert_eq!(big.spend_to_date, money("1550.00"));
        assert_eq!(big.thresholds[0].first_day, Some(day("2026-10-10")));
        assert_eq!(big.thresholds[1].first_day, Some(day("2026-10-03")));
        assert!(big.spike.fired);
        assert_eq!(big.spike.previous_total, Some(money("900.00")));
        assert_eq!(
            big.spike.note,
            "1550.00 > 1.5 × 900.00, the usage total of previous month 2026-09"
        );
        assert!(big.any_fired());

        // new: 31.00 reaches neither threshold; no September spend, so no spike check.
        let new = &results[1].alerts;
        assert_eq!(new.spend_to_date, money("31.00"));
        assert!(!new.any_fired());
        assert_eq!(new.spike.previous, PreviousPeriod::Complete);
        assert_eq!(new.spike.previous_total, Some(Decimal::ZERO));
        assert_eq!(
            new.spike.note,
            "no spend in previous month 2026-09 for this group; no spike check"
        );

        // small: 31 × 5.00 = 155.00 reaches 150 on the 30th (150.00), not 500; 155.00 ≤
        // 1.5 × 300.00 = 450.00.
        let small = &results[2].alerts;
        assert_eq!(small.spend_to_date, money("155.00"));
        assert!(!small.thresholds[0].fired);
        assert_eq!(small.thresholds[1].first_day, Some(day("2026-10-30")));
        assert!(!small.spike.fired);
        assert_eq!(
            small.spike.note,
            "155.00 ≤ 1.5 × 300.00, the usage total of previous month 2026-09"
        );

        // The groups' spend adds up to what one evaluation of the sum gives.
        let total: Decimal = results.iter().map(|g| g.alerts.spend_to_date).sum();
        assert_eq!(total, money("1736.00"));
    }

    #[test]
    fn alerts_group_without_previous_coverage_says_the_period_is_missing() {
        // Coverage is the inputs', not the group's: without September in the inputs every
        // group reports it missing, not "no spend".
        let groups = three_groups();
        let covered: BTreeSet<Day> = day("2026-10-01").iter_days().take(31).collect();
        let empty = BTreeMap::new();
        let input = AlertInput {
            watched: range("2026-10-01", "2026-10-31"),
            previous: range("2026-09-01", "2026-09-30"),
            previous_label: "previous month 2026-09".into(),
            daily: &empty,
            covered_days: &covered,
            thresholds: &[],
            spike_factor: money("2"),
            previous_invoice: None,
            delay: as_of("2026-11-10", 3),
            month: true,
            forecast_thresholds: &[],
        };
        for group in evaluate_groups(&input, &groups).unwrap() {
            assert_eq!(group.alerts.spike.previous, PreviousPeriod::Missing);
            assert!(!group.alerts.spike.fired);
        }
    }

    /// The alerts of October as of the 12th (delay 3: October 1..8 final) over `two_months()`,
    /// with every threshold also a forecast threshold.
    fn october_12th(
        daily: &BTreeMap<Day, Decimal>,
        covered: &BTreeSet<Day>,
        thresholds: &[Decimal],
        factor: &str,
    ) -> Alerts {
        evaluate(&AlertInput {
            watched: range("2026-10-01", "2026-10-31"),
            previous: range("2026-09-01", "2026-09-30"),
            previous_label: "previous month 2026-09".into(),
            daily,
            covered_days: covered,
            thresholds,
            spike_factor: money(factor),
            previous_invoice: None,
            delay: as_of("2026-10-12", 3),
            month: true,
            forecast_thresholds: thresholds,
        })
        .unwrap()
    }

    #[test]
    fn alerts_forecast_alerts_fire_on_the_projected_day_and_name_every_fired_alert() {
        let daily = two_months();
        let thresholds = [money("500"), money("1000"), money("2000")];
        let alerts = october_12th(&daily, &all_days(&daily), &thresholds, "0.5");
        // Final October 1..8: 8 × 40.00 = 320.00; the run-rate is October 2..8, 280.00 / 7
        // = 40.00 a day. Of the provisional 9th..12th only the 12th (60.00 > 40.00) counts at
        // its actual spend; the other 22 of the 23 days after the 8th at 40.00:
        // 320.00 + 60.00 + 22 × 40.00 = 1260.00.
        assert!(alerts.forecast_gaps.is_empty());
        let forecast = alerts.forecast.as_ref().unwrap();
        assert_eq!(forecast.final_through, day("2026-10-08"));
        assert_eq!(forecast.final_spend, money("320.00"));
        assert_eq!(forecast.projected, money("1260.00"));
        // 500 was reached by actual spend on the 12th (440.00 + 60.00): the threshold alert
        // speaks, not the forecast. 1000: the projected running sum is 320.00 + 40.00 × 3 +
        // 60.00 = 500.00 on the 12th, + 40.00 a day: 980.00 on the 24th, 1020.00 on the 25th.
        // 2000 is above the month's 1260.00.
        assert_eq!(
            alerts.forecast_alerts,
            vec![
                ForecastAlert {
                    threshold: money("500"),
                    fired: false,
                    reach: Some(Reach::Already(day("2026-10-12"))),
                },
                ForecastAlert {
                    threshold: money("1000"),
                    fired: true,
                    reach: Some(Reach::On(day("2026-10-25"))),
                },
                ForecastAlert {
                    threshold: money("2000"),
                    fired: false,
                    reach: Some(Reach::NotThisMonth),
                },
            ]
        );
        // 500.00 > 0.5 × 600.00 = 300.00: the spike fired too. The state names come in the
        // order thresholds, spike, forecasts.
        assert!(alerts.spike.fired);
        assert_eq!(
            alerts.fired_names(),
            ["threshold 500", "spike", "forecast 1000"]
        );
    }

    #[test]
    fn alerts_no_forecast_with_a_final_day_missing_nor_for_the_last_days() {
        let daily = two_months();
        let thresholds = [money("1000")];
        // October 3rd is final as of the 12th but holds no row in any input: missing data,
        // so no forecast and no forecast alert.
        let mut covered = all_days(&daily);
        covered.remove(&day("2026-10-03"));
        let gap = october_12th(&daily, &covered, &thresholds, "2");
        assert_eq!(gap.forecast_gaps, vec![day("2026-10-03")]);
        assert_eq!(gap.forecast, None);
        assert_eq!(
            gap.forecast_alerts,
            vec![ForecastAlert {
                threshold: money("1000"),
                fired: false,
                reach: None,
            }]
        );
        assert!(gap.fired_names().is_empty());

        // `--last 10`: October 3..12 is not a calendar month, so neither gaps nor a forecast,
        // although its 3rd..8th are final and the 5th holds no row.
        covered = all_days(&daily);
        covered.remove(&day("2026-10-05"));
        let last = evaluate(&AlertInput {
            watched: range("2026-10-03", "2026-10-12"),
            previous: range("2026-09-23", "2026-10-02"),
            previous_label: "the previous 10 days".into(),
            daily: &daily,
            covered_days: &covered,
            thresholds: &thresholds,
            spike_factor: money("2"),
            previous_invoice: None,
            delay: as_of("2026-10-12", 3),
            month: false,
            forecast_thresholds: &thresholds,
        })
        .unwrap();
        // October 3..11 at 40.00 (360.00) and the 12th at 60.00.
        assert_eq!(last.spend_to_date, money("420.00"));
        assert!(last.forecast_gaps.is_empty());
        assert_eq!(last.forecast, None);
        assert_eq!(last.forecast_alerts[0].reach, None);
    }

    #[test]
    fn alerts_zero_threshold_is_reached_on_the_first_day() {
        // No spend at all, then a credit: a threshold of 0 is reached before any row.
        let covered: BTreeSet<Day> = day("2026-09-01").iter_days().take(61).collect();
        for daily in [
            BTreeMap::new(),
            [(day("2026-10-02"), money("-10.00"))].into(),
        ] {
            let alerts = run(&daily, &covered, &[money("0")], "2", as_of("2026-11-10", 3));
            assert!(alerts.thresholds[0].fired);
            assert_eq!(alerts.thresholds[0].first_day, Some(day("2026-10-01")));
        }
        // Not for a period that has not started.
        let alerts = run(
            &BTreeMap::new(),
            &covered,
            &[money("0")],
            "2",
            as_of("2026-09-15", 3),
        );
        assert!(!alerts.thresholds[0].fired);
        assert_eq!(alerts.thresholds[0].first_day, None);
    }

    #[test]
    fn alerts_invoice_base_is_checked_every_day_and_for_every_group() {
        assert_eq!(SpikeBase::Usage.name(), "previous_usage");
        assert_eq!(SpikeBase::Invoice(money("1")).name(), "previous_invoice");

        // No September in the inputs: the usage base has nothing to compare with, the invoice
        // does. 1110.00 > 2 × 500.00 = 1000.00.
        let daily: BTreeMap<Day, Decimal> = two_months()
            .into_iter()
            .filter(|(d, _)| *d >= day("2026-10-01"))
            .collect();
        let covered = all_days(&daily);
        let mut input = AlertInput {
            watched: range("2026-10-01", "2026-10-31"),
            previous: range("2026-09-01", "2026-09-30"),
            previous_label: "previous month 2026-09".into(),
            daily: &daily,
            covered_days: &covered,
            thresholds: &[],
            spike_factor: money("2"),
            previous_invoice: Some(money("500.00")),
            delay: as_of("2026-11-10", 3),
            month: true,
            forecast_thresholds: &[],
        };
        let alerts = evaluate(&input).unwrap();
        assert_eq!(alerts.spike.base, SpikeBase::Invoice(money("500.00")));
        assert_eq!(alerts.spike.previous, PreviousPeriod::Missing);
        assert_eq!(alerts.spike.previous_total, None);
        assert!(alerts.spike.fired);
        assert_eq!(
            alerts.spike.note,
            "1110.00 > 2 × 500.00, the previous invoice"
        );
        assert_eq!(alerts.fired_names(), ["spike"]);

        // A group without September spend is compared with the invoice like any other: only
        // a usage base of zero gets no check. new: 31.00 > 2 × 10.00 = 20.00.
        let groups = three_groups();
        let all: BTreeSet<Day> = day("2026-09-01").iter_days().take(61).collect();
        input.covered_days = &all;
        input.previous_invoice = Some(money("10.00"));
        let results = evaluate_groups(&input, &groups).unwrap();
        let new = &results[1].alerts;
        assert_eq!(results[1].value, "new");
        assert_eq!(new.spike.previous, PreviousPeriod::Complete);
        assert_eq!(new.spike.previous_total, Some(Decimal::ZERO));
        assert!(new.spike.fired);
        assert_eq!(new.spike.note, "31.00 > 2 × 10.00, the previous invoice");
    }

    #[test]
    fn alerts_day_lists_name_one_day_a_run_or_a_count() {
        assert_eq!(day_list(&[]), "");
        assert_eq!(day_list(&[day("2026-09-30")]), "2026-09-30");
        assert_eq!(
            day_list(&[day("2026-09-28"), day("2026-09-29"), day("2026-09-30")]),
            "2026-09-28 to 2026-09-30"
        );
        assert_eq!(
            day_list(&[day("2026-09-01"), day("2026-09-03"), day("2026-09-04")]),
            "3 days between 2026-09-01 and 2026-09-04"
        );

        // As of October 3rd (delay 3) only September 30th is still provisional; it is final
        // on 30 + 1 + 3 days: October 4th.
        let daily = two_months();
        let alerts = run(&daily, &all_days(&daily), &[], "2", as_of("2026-10-03", 3));
        assert_eq!(
            alerts.spike.note,
            "previous month 2026-09 is incomplete: 2026-09-30 still provisional (final on \
             2026-10-04); no spike check"
        );
        // Scattered gaps are counted.
        let mut covered = all_days(&daily);
        for gap in ["2026-09-02", "2026-09-10", "2026-09-11"] {
            covered.remove(&day(gap));
        }
        let alerts = run(&daily, &covered, &[], "2", as_of("2026-11-10", 3));
        assert_eq!(
            alerts.spike.note,
            "previous month 2026-09 is incomplete in the inputs: no rows for 3 days between \
             2026-09-02 and 2026-09-11; no spike check"
        );
    }

    #[test]
    fn alerts_spike_limit_is_exact_or_an_error_never_rounded() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let spike = |spend: &str, base: &str| {
            compare(
                d("1.5"),
                SpikeBase::Usage,
                PreviousPeriod::Complete,
                Some(d(base)),
                d(spend),
                d(base),
                "the usage total of 2026-09".to_string(),
                false,
            )
        };
        let fired = spike("150.01", "100").unwrap();
        assert!(fired.fired);
        assert_eq!(
            fired.note,
            "150.01 > 1.5 × 100.00, the usage total of 2026-09"
        );
        assert!(!spike("150", "100").unwrap().fired);
        // 1.5 × 1e-28 needs 29 places: rounded, the limit would be 2e-28 and 2e-28 would not
        // fire; exactly, it fires. tally keeps 28 places, so it is an error, not a guess.
        let tiny = "0.0000000000000000000000000001";
        assert!(spike("0.0000000000000000000000000002", tiny).is_err());
    }
}

//! Month-end forecast of a month in progress: spend of its final days plus a run-rate for the
//! rest of the month. Pure: daily totals and the delay rule in, exact decimals out.
//!
//! The method (docs/alerts.md, *Forecast*):
//! - **Final spend**: the month's days that are final under the delay rule (`model::Delay`),
//!   summed exactly. Provisional days are left out of the forecast altogether: their costs are
//!   still arriving, so they would pull the run-rate down.
//! - **Run-rate**: the mean of the last `RATE_DAYS` (7) final days of the month, or of all of
//!   them when fewer are final (early in the month). Seven days hold each weekday once, so a
//!   quiet weekend neither lowers nor raises the rate, and a week is short enough to follow a
//!   change made this month. A final day without rows counts as a day without spend. The
//!   previous month's days are not used: a new month often starts at a new rate (a new plan, a
//!   new project), and the forecast then says how few days it rests on.
//! - **Provisional days** up to the as-of day count at the **larger of their actual (partial)
//!   spend and the run-rate**: a day whose costs are still arriving has spent at least what
//!   it already shows, so the projection is never below spend to date unless credits make the
//!   run-rate negative. A credit on a provisional day lowers that day's actual; when that
//!   takes it below the run-rate, the day counts at the run-rate (the credit is not projected).
//! - **Projection** = final spend + the provisional days counted at their actual spend + run-rate
//!   × the other remaining days (every day after the last final day to the month's end: the
//!   provisional days below the run-rate and the days still to come). Computed as
//!   `final + A + (S × R) / n` (A the provisional days' actual spend counted, S the sum of the
//!   n rate days, R the days at the run-rate): the sums and the product are exact, the one
//!   division is rounded half-even to the 28 significant digits rust_decimal holds, and the
//!   outputs round the projection half-even to cents. It is never added to actual spend: it
//!   is its own figure.
//! - **The day a threshold is reached**: the first day whose projected running sum
//!   (final spend plus each day after the last final day at its counted value) reaches it,
//!   decided exactly in units of 1/n (a day at the run-rate adds S, a day at its actual adds
//!   n × actual) against `n × (threshold − final)`, with no rounding; "already reached" when
//!   actual spend reached it, "not this month" when the projection stays below.
//! - No forecast before the month's first final day (nothing to project from), for a month
//!   whose days are all final (nothing left to project), or for a month after the as-of day;
//!   nor when a final day of the month has no row in any input (`gaps`): a day the inputs miss
//!   is missing data, not a day without spend, and would pull the projection down.

use crate::model::{DateRange, Day, Delay, Overflow, Status, exact_add};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// How many final days the run-rate is the mean of, at most.
pub const RATE_DAYS: u32 = 7;

/// The forecast of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub month: DateRange,
    /// The month's last final day: the projection starts after it.
    pub final_through: Day,
    /// The month's spend through `final_through`, exact.
    pub final_spend: Decimal,
    /// The days the run-rate is the mean of (`n`, 1 to `RATE_DAYS`).
    pub rate_days: u32,
    /// Their spend (`S`), exact.
    pub rate_sum: Decimal,
    /// Days from `final_through` (excluded) to the month's end (at least 1).
    pub remaining_days: u32,
    /// The provisional days (up to the as-of day) whose actual spend is above the run-rate:
    /// they count at their actual spend, every other remaining day at the run-rate.
    pub at_actual: BTreeMap<Day, Decimal>,
    /// Their sum (`A`), exact.
    pub actual_spend: Decimal,
    /// `final + A + S × (remaining − at_actual) / n` (the division rounded half-even to 28
    /// digits).
    pub projected: Decimal,
}

/// When a threshold is reached, by the projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Actual spend reached it on this day (the threshold alert fired).
    Already(Day),
    /// The projected running sum reaches it on this day.
    On(Day),
    /// The projection stays below it through the month's end.
    NotThisMonth,
}

impl Forecast {
    /// The run-rate per day, `S / n` (rounded half-even to 28 digits): for display.
    pub fn run_rate(&self) -> Decimal {
        self.rate_sum
            .checked_div(Decimal::from(self.rate_days))
            .unwrap_or_default()
    }

    /// The projected running sum on each remaining day (the k-th day after `final_through`
    /// first): final spend + the days so far at their counted values, one division by n per
    /// day (rounded half-even to 28 digits). `None` when a figure cannot be kept.
    pub fn running(&self) -> Option<Vec<Decimal>> {
        let n = Decimal::from(self.rate_days);
        let mut scaled = Decimal::ZERO;
        (1..=self.remaining_days)
            .map(|k| {
                let day = self
                    .final_through
                    .checked_add_days(chrono::Days::new(u64::from(k)))?;
                let step = match self.at_actual.get(&day) {
                    Some(actual) => actual.checked_mul(n)?,
                    None => self.rate_sum,
                };
                scaled = scaled.checked_add(step)?;
                self.final_spend.checked_add(scaled.checked_div(n)?)
            })
            .collect()
    }

    /// The remaining days projected at the run-rate (`R`).
    pub fn rate_remaining(&self) -> u32 {
        self.remaining_days - self.at_actual.len() as u32
    }

    /// When `threshold` is reached: `actual` is the day actual spend reached it, if it did.
    pub fn reach(&self, threshold: Decimal, actual: Option<Day>) -> Reach {
        if let Some(day) = actual {
            return Reach::Already(day);
        }
        let Some(need) = threshold
            .checked_sub(self.final_spend)
            .and_then(|gap| gap.checked_mul(Decimal::from(self.rate_days)))
        else {
            return Reach::NotThisMonth;
        };
        if need <= Decimal::ZERO {
            // Reached by final spend (actual would normally say so first).
            return Reach::Already(self.final_through);
        }
        // The projected running sum after the last final day, in units of 1/n.
        let n = Decimal::from(self.rate_days);
        let mut sum = Decimal::ZERO;
        for k in 1..=self.remaining_days {
            let Some(day) = self
                .final_through
                .checked_add_days(chrono::Days::new(u64::from(k)))
            else {
                break;
            };
            let step = match self.at_actual.get(&day) {
                Some(actual) => actual.checked_mul(n),
                None => Some(self.rate_sum),
            };
            match step.and_then(|step| sum.checked_add(step)) {
                Some(next) => sum = next,
                None => break,
            }
            if sum >= need {
                return Reach::On(day);
            }
        }
        Reach::NotThisMonth
    }
}

/// The month's final days (up to `month.to`) on which no input holds a row: while there are
/// any, there is no forecast.
pub fn gaps(month: DateRange, covered: &BTreeSet<Day>, delay: Delay) -> Vec<Day> {
    month
        .from
        .iter_days()
        .take_while(|d| *d <= month.to && delay.status(*d) == Status::Final)
        .filter(|d| !covered.contains(d))
        .collect()
}

/// The forecast of `month` as of `delay.as_of`, from the cost per UTC day; `None` when there is
/// nothing to forecast (see the module comment).
pub fn project(
    month: DateRange,
    daily: &BTreeMap<Day, Decimal>,
    delay: Delay,
) -> Result<Option<Forecast>, Overflow> {
    let final_days: Vec<Day> = month
        .from
        .iter_days()
        .take_while(|d| *d <= month.to && delay.status(*d) == Status::Final)
        .collect();
    let Some(&final_through) = final_days.last() else {
        return Ok(None);
    };
    if final_through >= month.to {
        return Ok(None);
    }
    let cost = |day: &Day| daily.get(day).copied().unwrap_or_default();
    let mut final_spend = Decimal::ZERO;
    for day in &final_days {
        final_spend = exact_add(final_spend, cost(day))?;
    }
    let rate: Vec<Day> = final_days
        .iter()
        .rev()
        .take(RATE_DAYS as usize)
        .copied()
        .collect();
    let mut rate_sum = Decimal::ZERO;
    for day in rate.iter().rev() {
        rate_sum = exact_add(rate_sum, cost(day))?;
    }
    let rate_days = rate.len() as u32;
    let remaining_days = (month.to - final_through).num_days() as u32;
    // A provisional day up to the as-of day counts at its actual spend when that is above the
    // run-rate (actual × n > S, exactly), else at the run-rate.
    let as_of_day = delay.as_of.date_naive();
    let n = Decimal::from(rate_days);
    let mut at_actual = BTreeMap::new();
    let mut actual_spend = Decimal::ZERO;
    for (day, actual) in daily.range(final_through.succ_opt().unwrap_or(final_through)..) {
        if *day > month.to.min(as_of_day) || *day <= final_through {
            continue;
        }
        if actual.checked_mul(n).ok_or(Overflow)? > rate_sum {
            at_actual.insert(*day, *actual);
            actual_spend = exact_add(actual_spend, *actual)?;
        }
    }
    let at_rate = remaining_days - at_actual.len() as u32;
    let rest = rate_sum
        .checked_mul(Decimal::from(at_rate))
        .and_then(|product| product.checked_div(n))
        .ok_or(Overflow)?;
    let projected = exact_add(final_spend, actual_spend)?
        .checked_add(rest)
        .ok_or(Overflow)?;
    Ok(Some(Forecast {
        month,
        final_through,
        final_spend,
        rate_days,
        rate_sum,
        remaining_days,
        at_actual,
        actual_spend,
        projected,
    }))
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

    fn delay(as_of: &str) -> Delay {
        Delay {
            as_of: DateTime::parse_from_rfc3339(&format!("{as_of}T06:30:00Z"))
                .unwrap()
                .with_timezone(&Utc),
            delay_days: 3,
        }
    }

    fn october() -> DateRange {
        DateRange {
            from: day("2026-10-01"),
            to: day("2026-10-31"),
        }
    }

    #[test]
    fn forecast_of_a_constant_rate_month() {
        // 10.00 a day on the 1st to the 20th. As of the 21st (delay 3), the 1st..17th are
        // final (170.00); the run-rate is the mean of the 11th..17th = 70.00 / 7 = 10.00; the
        // remaining days are the 18th..31st = 14: 170.00 + 70.00 × 14 / 7 = 310.00.
        let daily: BTreeMap<Day, Decimal> = day("2026-10-01")
            .iter_days()
            .take(20)
            .map(|d| (d, money("10.00")))
            .collect();
        let forecast = project(october(), &daily, delay("2026-10-21"))
            .unwrap()
            .unwrap();
        assert_eq!(forecast.final_through, day("2026-10-17"));
        assert_eq!(forecast.final_spend, money("170.00"));
        assert_eq!((forecast.rate_days, forecast.rate_sum), (7, money("70.00")));
        assert_eq!(forecast.remaining_days, 14);
        assert_eq!(forecast.projected, money("310.00"));
        assert_eq!(forecast.run_rate(), money("10.00"));
        // 250 needs 80.00 more: 8 days after the 17th, the 25th (170 + 80 = 250 exactly).
        assert_eq!(
            forecast.reach(money("250"), None),
            Reach::On(day("2026-10-25"))
        );
        assert_eq!(
            forecast.reach(money("250.01"), None),
            Reach::On(day("2026-10-26"))
        );
        assert_eq!(
            forecast.reach(money("310"), None),
            Reach::On(day("2026-10-31"))
        );
        assert_eq!(forecast.reach(money("310.01"), None), Reach::NotThisMonth);
        assert_eq!(
            forecast.reach(money("100"), Some(day("2026-10-10"))),
            Reach::Already(day("2026-10-10"))
        );
    }

    #[test]
    fn forecast_counts_a_provisional_day_equal_to_the_run_rate_at_the_run_rate() {
        // 10.00 a day on the 1st..17th (final as of the 21st, rate 10.00); the provisional
        // 18th holds exactly 10.00: not above the rate, so no day is "at its actual" (the
        // text would say "actual on 1 provisional day above the run-rate"); the projection is
        // 170.00 + 10.00 × 14 = 310.00 either way.
        let mut daily: BTreeMap<Day, Decimal> = day("2026-10-01")
            .iter_days()
            .take(17)
            .map(|d| (d, money("10.00")))
            .collect();
        daily.insert(day("2026-10-18"), money("10.00"));
        let forecast = project(october(), &daily, delay("2026-10-21"))
            .unwrap()
            .unwrap();
        assert_eq!(forecast.at_actual, BTreeMap::new());
        assert_eq!(forecast.actual_spend, Decimal::ZERO);
        assert_eq!(forecast.rate_remaining(), 14);
        assert_eq!(forecast.projected, money("310.00"));
    }

    #[test]
    fn forecast_counts_a_provisional_day_at_its_actual_when_above_the_run_rate() {
        // 10.00 a day on the 1st..17th (final as of the 21st: 170.00, rate 10.00); the
        // provisional 18th holds 50.00 (above the rate: counts 50.00), the 19th 4.00 (below:
        // counts 10.00), the 20th a credit of -5.00 (below: counts 10.00). The 21st..31st are
        // 11 days at 10.00. Projection: 170.00 + 50.00 + 10.00 × 13 = 350.00; spend to date
        // is 170 + 50 + 4 - 5 = 219.00, below it.
        let mut daily: BTreeMap<Day, Decimal> = day("2026-10-01")
            .iter_days()
            .take(17)
            .map(|d| (d, money("10.00")))
            .collect();
        daily.insert(day("2026-10-18"), money("50.00"));
        daily.insert(day("2026-10-19"), money("4.00"));
        daily.insert(day("2026-10-20"), money("-5.00"));
        // A row after the as-of day is not counted as a provisional day's actual.
        daily.insert(day("2026-10-25"), money("1000.00"));
        let forecast = project(october(), &daily, delay("2026-10-21"))
            .unwrap()
            .unwrap();
        assert_eq!(forecast.final_spend, money("170.00"));
        assert_eq!(forecast.remaining_days, 14);
        assert_eq!(
            forecast.at_actual,
            BTreeMap::from([(day("2026-10-18"), money("50.00"))])
        );
        assert_eq!(forecast.actual_spend, money("50.00"));
        assert_eq!(forecast.rate_remaining(), 13);
        assert_eq!(forecast.projected, money("350.00"));
        // The running sum: 220.00 on the 18th, 230.00 on the 19th, then 10.00 a day.
        let running = forecast.running().unwrap();
        assert_eq!(running[0], money("220.00"));
        assert_eq!(running[1], money("230.00"));
        assert_eq!(running[13], money("350.00"));
        assert_eq!(
            forecast.reach(money("220"), None),
            Reach::On(day("2026-10-18"))
        );
        assert_eq!(
            forecast.reach(money("230.01"), None),
            Reach::On(day("2026-10-20"))
        );
        assert_eq!(
            forecast.reach(money("350"), None),
            Reach::On(day("2026-10-31"))
        );
        assert_eq!(forecast.reach(money("350.01"), None), Reach::NotThisMonth);

        // A month over (as of November 2nd, the 30th and 31st provisional, both above the
        // rate): the projection is the actual spend, never below it.
        let mut daily: BTreeMap<Day, Decimal> = day("2026-10-01")
            .iter_days()
            .take(31)
            .map(|d| (d, money("10.00")))
            .collect();
        daily.insert(day("2026-10-30"), money("30.00"));
        daily.insert(day("2026-10-31"), money("12.00"));
        let forecast = project(october(), &daily, delay("2026-11-02"))
            .unwrap()
            .unwrap();
        assert_eq!(forecast.final_through, day("2026-10-29"));
        assert_eq!(forecast.rate_remaining(), 0);
        assert_eq!(forecast.projected, money("332.00"));
    }

    #[test]
    fn forecast_early_month_uses_the_final_days_there_are() {
        // As of the 6th only the 1st and 2nd are final: 3.00 and 4.00, a rate of 3.50; the
        // provisional 3rd counts at its 100.00 (above the rate), the other 28 remaining days
        // at 3.50: 7.00 + 100.00 + 7.00 × 28 / 2 = 205.00.
        let daily: BTreeMap<Day, Decimal> = [
            (day("2026-10-01"), money("3.00")),
            (day("2026-10-02"), money("4.00")),
            (day("2026-10-03"), money("100.00")),
        ]
        .into();
        let forecast = project(october(), &daily, delay("2026-10-06"))
            .unwrap()
            .unwrap();
        assert_eq!(forecast.rate_days, 2);
        assert_eq!(forecast.projected, money("205.00"));
        // A rate of 1/3 a day: the division keeps 28 digits, rounded half-even.
        let thirds: BTreeMap<Day, Decimal> = [(day("2026-10-01"), money("1"))].into();
        let forecast = project(october(), &thirds, delay("2026-10-07"))
            .unwrap()
            .unwrap();
        // Final: 1st..3rd (1.00), rate 1/3 over 28 days: 1 + 28/3.
        assert_eq!(forecast.rate_days, 3);
        assert_eq!(forecast.projected, money("10.333333333333333333333333333"));
        // The final days the inputs miss.
        let covered: BTreeSet<Day> = [day("2026-10-02")].into();
        assert_eq!(
            gaps(october(), &covered, delay("2026-10-06")),
            [day("2026-10-01")]
        );
        // No final day yet, or no day left to project: no forecast.
        assert_eq!(
            project(october(), &daily, delay("2026-10-04")).unwrap(),
            None
        );
        assert_eq!(
            project(october(), &daily, delay("2026-11-04")).unwrap(),
            None
        );
    }
}

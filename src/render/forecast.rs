//! The month-end forecast (`crate::forecast`) as JSON and as table lines, for `alerts` and
//! `report`. The projection and the run-rate are rounded half-even to cents here, and only here;
//! the figures it is made of (final spend, the run-rate's sum and days) are exact.

use crate::forecast::{Forecast, RATE_DAYS, Reach};
use crate::model::{Day, money_text};
use crate::render::table::display_money;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

/// How the projection is made, in one line (the JSON's `method`).
pub const METHOD: &str = "final spend + run-rate × remaining days; run-rate = mean of the \
                          last 7 final days (fewer when fewer are final); a provisional day \
                          counts at the larger of its actual spend and the run-rate";

/// A projected figure for JSON: rounded half-even to cents.
pub fn cents(value: Decimal) -> String {
    money_text(value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
}

/// `{method, final_through, final_spend, run_rate_days, run_rate_sum, run_rate,
/// remaining_days, provisional_at_actual_days, provisional_at_actual_spend,
/// projected_month_end, thresholds: [{threshold, reach, day}]}`, where `reach`
/// is `already` (actual spend reached it on `day`), `projected` (on `day`) or
/// `not_this_month` (`day` null). `thresholds` pairs each threshold with the day actual spend
/// reached it.
pub fn json(forecast: &Forecast, thresholds: &[(Decimal, Option<Day>)]) -> Value {
    debug_assert_eq!(RATE_DAYS, 7, "METHOD names 7 days");
    let thresholds: Vec<Value> = thresholds
        .iter()
        .map(|(threshold, actual)| {
            let (reach, day) = match forecast.reach(*threshold, *actual) {
                Reach::Already(day) => ("already", Some(day)),
                Reach::On(day) => ("projected", Some(day)),
                Reach::NotThisMonth => ("not_this_month", None),
            };
            json!({
                "threshold": threshold.to_string(),
                "reach": reach,
                "day": day.map(|d| d.to_string()),
            })
        })
        .collect();
    json!({
        "method": METHOD,
        "final_through": forecast.final_through.to_string(),
        "final_spend": money_text(forecast.final_spend),
        "run_rate_days": forecast.rate_days,
        "run_rate_sum": money_text(forecast.rate_sum),
        "run_rate": cents(forecast.run_rate()),
        "remaining_days": forecast.remaining_days,
        "provisional_at_actual_days": forecast.at_actual.len(),
        "provisional_at_actual_spend": money_text(forecast.actual_spend),
        "projected_month_end": cents(forecast.projected),
        "thresholds": thresholds,
    })
}

/// `forecast: 310.00 USD at month end (a projection: 170.00 final through 2026-10-17 + 10.00
/// a day × 14 days, the mean of the last 7 final days)`; provisional days above the run-rate
/// add `+ 238.93 actual on 2 provisional days above the run-rate` before the run-rate part,
/// which says `run-rate 106.94 a day` alone when no day is left at it.
pub fn line(forecast: &Forecast, currency: &str) -> String {
    let days = |n: u32| if n == 1 { "day" } else { "days" };
    let mut text = format!(
        "forecast: {} {currency} at month end (a projection: {} final through {}",
        display_money(forecast.projected),
        display_money(forecast.final_spend),
        forecast.final_through,
    );
    let at_actual = forecast.at_actual.len() as u32;
    if at_actual > 0 {
        text.push_str(&format!(
            " + {} actual on {at_actual} provisional {} above the run-rate",
            display_money(forecast.actual_spend),
            days(at_actual),
        ));
    }
    let at_rate = forecast.rate_remaining();
    if at_rate > 0 {
        text.push_str(&format!(
            " + {} a day × {at_rate} {}",
            display_money(forecast.run_rate()),
            days(at_rate),
        ));
    } else {
        text.push_str(&format!(
            "; run-rate {} a day",
            display_money(forecast.run_rate())
        ));
    }
    text.push_str(&format!(
        ", the mean of the last {} final {})",
        forecast.rate_days,
        days(forecast.rate_days)
    ));
    text
}

/// `projected: threshold 250 on 2026-10-25, threshold 500 not this month`; `None` without
/// thresholds.
pub fn thresholds_line(
    forecast: &Forecast,
    thresholds: &[(Decimal, Option<Day>)],
) -> Option<String> {
    if thresholds.is_empty() {
        return None;
    }
    let parts: Vec<String> = thresholds
        .iter()
        .map(
            |(threshold, actual)| match forecast.reach(*threshold, *actual) {
                Reach::Already(day) => format!("threshold {threshold} already reached on {day}"),
                Reach::On(day) => format!("threshold {threshold} on {day}"),
                Reach::NotThisMonth => format!("threshold {threshold} not this month"),
            },
        )
        .collect();
    Some(format!("projected: {}", parts.join(", ")))
}

//! The values that flow through the pipeline: days, money, grouping keys, the delay rule.
//! Owns no I/O; every function here is pure.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::fmt;

/// A UTC calendar day.
pub type Day = NaiveDate;

/// Adds two exact amounts. `rust_decimal` silently drops scale (rounds) when a sum no longer
/// fits its 96-bit mantissa; for money that is a loss, so it is an error here, like overflow.
pub fn exact_add(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    let sum = a.checked_add(b).ok_or(Overflow)?;
    if sum.scale() >= a.scale().max(b.scale()) {
        return Ok(sum);
    }
    // The scale dropped: either digits were lost, or only trailing zeros were. Without
    // their trailing zeros the operands need fewer digits; if the sum still keeps every
    // significant digit then, it is exact.
    let (a, b) = (a.normalize(), b.normalize());
    let sum = a.checked_add(b).ok_or(Overflow)?;
    if sum.scale() < a.scale().max(b.scale()) {
        return Err(Overflow);
    }
    Ok(sum)
}

/// Multiplies two exact amounts. `rust_decimal` rounds a product whose digits do not fit its
/// 96-bit mantissa or 28 decimal places; here that is an error, like overflow.
pub fn exact_mul(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    let mut mantissa = a.mantissa().checked_mul(b.mantissa()).ok_or(Overflow)?;
    let mut scale = a.scale() + b.scale();
    // Trailing zeros are no digits lost.
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    let exact = Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| Overflow)?;
    // The same value with rust_decimal's own multiplication (which keeps the scale it can).
    match a.checked_mul(b) {
        Some(product) if product == exact => Ok(product),
        _ => Err(Overflow),
    }
}

/// A sum that would not fit exactly in 28 significant digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a sum exceeds the 28 significant digits that tally keeps exactly (amounts far \
             apart in size, such as 1000 and 0.0000000000000000000000000001, need more); round \
             the inputs' amounts to fewer decimal places, or report a shorter range",
        )
    }
}

impl std::error::Error for Overflow {}

/// Splits `amount` into `days` exact parts for a charge spread over several days: every day
/// gets `amount / days` truncated toward zero to six more decimals than `amount` has (at most
/// 28), and the first day also gets the remainder, so the parts add up to `amount` exactly.
/// Returns (first day's part, every other day's part).
pub fn spread(amount: Decimal, days: u32) -> (Decimal, Decimal) {
    if days <= 1 {
        return (amount, Decimal::ZERO);
    }
    let n = i128::from(days);
    // Six more decimals where the mantissa has room (it holds 96 bits); fewer, down to the
    // amount's own scale, for amounts with very many digits.
    for extra in (0..=6u32).rev() {
        let scale = (amount.scale() + extra).min(28);
        let Some(scaled) = 10i128
            .checked_pow(scale - amount.scale())
            .and_then(|factor| amount.mantissa().checked_mul(factor))
        else {
            continue;
        };
        let part = scaled / n;
        let first = scaled - part * (n - 1);
        if let (Ok(first), Ok(part)) = (
            Decimal::try_from_i128_with_scale(first, scale),
            Decimal::try_from_i128_with_scale(part, scale),
        ) {
            return (first, part);
        }
    }
    // Unreachable for any Decimal (extra = 0 keeps the amount's own mantissa), but never a
    // panic: the whole amount on the first day.
    (amount, Decimal::ZERO)
}

/// Exact figure for CSV and JSON: plain notation, trailing zeros dropped, but money keeps at
/// least two decimals (`12.5` → `12.50`, `0.00000160000` → `0.0000016`).
pub fn money_text(value: Decimal) -> String {
    let v = value.normalize();
    if v.scale() >= 2 {
        return v.to_string();
    }
    // Two decimals where the 28 digits leave room for them; otherwise the digits as they are
    // (a 28-digit integer is written as the integer, never with a made-up `.0`).
    let mut cents = v;
    cents.rescale(2);
    if cents.scale() == 2 { cents } else { v }.to_string()
}

/// Exact quantity: plain notation, trailing zeros dropped.
pub fn quantity_text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Whether a figure can still change because cost data arrives late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Final,
    Provisional,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Final => "final",
            Status::Provisional => "provisional",
        }
    }
}

/// The cost-delay rule: day D is final once `as_of >= D + 1 day + delay_days` (00:00 UTC).
#[derive(Debug, Clone, Copy)]
pub struct Delay {
    pub as_of: DateTime<Utc>,
    pub delay_days: u32,
}

impl Delay {
    /// The first day that is still provisional; every earlier day is final.
    pub fn first_provisional_day(&self) -> Day {
        // D is final iff as_of >= (D + 1 + N) at 00:00, i.e. iff D + 1 + N <= as_of's UTC day
        // (a later time of day changes nothing): the first provisional day is as_of's day - N.
        let as_of_day = self.as_of.date_naive();
        as_of_day
            .checked_sub_days(Days::new(u64::from(self.delay_days)))
            .unwrap_or(NaiveDate::MIN)
    }

    pub fn status(&self, day: Day) -> Status {
        if day < self.first_provisional_day() {
            Status::Final
        } else {
            Status::Provisional
        }
    }

    /// When a provisional day becomes final: 00:00 UTC of `day + 1 + delay_days`.
    pub fn final_at(&self, day: Day) -> Day {
        day.checked_add_days(Days::new(1 + u64::from(self.delay_days)))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// An inclusive range of UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Day,
    pub to: Day,
}

impl DateRange {
    pub fn contains(&self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }

    pub fn month_of(day: Day) -> DateRange {
        let from = day.with_day(1).unwrap_or(day);
        DateRange {
            from,
            to: last_day_of_month(from),
        }
    }
}

pub fn last_day_of_month(day: Day) -> Day {
    let first = day.with_day(1).unwrap_or(day);
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// How rows are bucketed in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Total,
    Day,
    Week,
    Month,
}

impl Period {
    /// The bucket of `day`, clipped to `range` so that a bucket never claims days outside it.
    pub fn bucket(self, day: Day, range: DateRange) -> DateRange {
        let (start, end) = match self {
            Period::Total => return range,
            Period::Day => (day, day),
            Period::Week => {
                let back = u64::from(day.weekday().num_days_from_monday());
                let start = day.checked_sub_days(Days::new(back)).unwrap_or(day);
                (start, start.checked_add_days(Days::new(6)).unwrap_or(day))
            }
            Period::Month => {
                let month = DateRange::month_of(day);
                (month.from, month.to)
            }
        };
        DateRange {
            from: start.max(range.from),
            to: end.min(range.to),
        }
    }
}

/// Where a figure comes from. Usage exports and FOCUS files are invoice-grade (`billed`);
/// token records priced by a rate card are `estimated`, and a report never adds the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Billed,
    Estimated,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Billed => "billed",
            Source::Estimated => "estimated",
        }
    }
}

/// One grouping key of `--by`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Sku,
    Project,
    Service,
    Region,
    Resource,
    Currency,
    Source,
    /// The assistant of a token record (empty for CSV rows).
    Assistant,
    /// The model of a token record (empty for CSV rows).
    Model,
    /// The endpoint of a token record: chat, context or evaluation (empty for CSV rows).
    Endpoint,
    /// `tag:KEY`: the value of a project, index or row tag.
    Tag(String),
    /// Any other column of the input, matched by normalized header name.
    Column(String),
}

impl KeyKind {
    /// Parses one `--by` item. Canonical names and their aliases become the standard keys;
    /// anything else is a column name.
    pub fn from_arg(text: &str) -> Result<KeyKind, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty grouping key".to_string());
        }
        if let Some(tag) = text.strip_prefix("tag:") {
            if tag.is_empty() {
                return Err("\"tag:\" needs a tag key, e.g. tag:team".to_string());
            }
            return Ok(KeyKind::Tag(tag.to_string()));
        }
        Ok(
            match crate::primitives::header::normalize_header(text).as_str() {
                "sku" | "product" | "lineitem" => KeyKind::Sku,
                "project" | "projectname" => KeyKind::Project,
                "service" => KeyKind::Service,
                "region" | "cloudregion" => KeyKind::Region,
                "resource" | "index" | "indexname" => KeyKind::Resource,
                "assistant" => KeyKind::Assistant,
                "model" => KeyKind::Model,
                "endpoint" => KeyKind::Endpoint,
                "currency" => KeyKind::Currency,
                "source" => KeyKind::Source,
                // Output columns of their own: as a key they would be written twice.
                "cost" | "status" | "unit" | "quantity" | "date" | "periodstart" | "periodend"
                | "provisionalcost" => {
                    return Err(format!(
                        "\"{text}\" is an output column of the report, not a grouping key"
                    ));
                }
                _ => KeyKind::Column(text.to_string()),
            },
        )
    }

    /// The column header used for this key in outputs.
    pub fn name(&self) -> String {
        match self {
            KeyKind::Sku => "sku".into(),
            KeyKind::Project => "project".into(),
            KeyKind::Service => "service".into(),
            KeyKind::Region => "region".into(),
            KeyKind::Resource => "resource".into(),
            KeyKind::Currency => "currency".into(),
            KeyKind::Source => "source".into(),
            KeyKind::Assistant => "assistant".into(),
            KeyKind::Model => "model".into(),
            KeyKind::Endpoint => "endpoint".into(),
            KeyKind::Tag(key) => format!("tag:{key}"),
            KeyKind::Column(name) => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn exact_mul_refuses_a_rounded_product() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(exact_mul(d("2"), d("1300.00")), Ok(d("2600.00")));
        assert_eq!(exact_mul(d("1.5"), d("0.2")), Ok(d("0.3")));
        // 2^95 × 2 = 2^96: one past the 96-bit mantissa.
        assert_eq!(
            exact_mul(d("2"), d("39614081257132168796771975168")),
            Err(Overflow)
        );
        assert_eq!(
            exact_mul(d("1"), d("39614081257132168796771975168")),
            Ok(d("39614081257132168796771975168"))
        );
        // 28 places × 1 place = 29: rounded by rust_decimal, refused here.
        assert_eq!(
            exact_mul(d("0.0000000000000000000000000001"), d("1.5")),
            Err(Overflow)
        );
        assert_eq!(
            exact_mul(d("0.0000000000000000000000000001"), d("2.0")),
            Ok(d("0.0000000000000000000000000002"))
        );
    }

    #[test]
    fn spread_parts_add_up_exactly_and_the_first_day_takes_the_remainder() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // 100.00 / 31 = 3.2258064516…: six more decimals → 3.22580645, and 31 × that is
        // 99.99999995, so the first day gets 3.22580650.
        assert_eq!(spread(d("100.00"), 31), (d("3.22580650"), d("3.22580645")));
        assert_eq!(spread(d("-90"), 4), (d("-22.5"), d("-22.5")));
        assert_eq!(spread(d("1"), 3), (d("0.333334"), d("0.333333")));
        assert_eq!(spread(d("12.34"), 1), (d("12.34"), d("0")));
        assert_eq!(spread(d("0"), 365), (d("0"), d("0")));
        for (amount, days) in [
            ("1200.00", 365u32),
            ("-0.01", 30),
            ("79228162514264337593543950335", 7),
            ("0.0000000000000000000000000001", 3),
            ("4.9999999999999999999999999999", 29),
        ] {
            let amount = d(amount);
            let (first, rest) = spread(amount, days);
            let mut sum = first;
            for _ in 1..days {
                sum = exact_add(sum, rest).unwrap();
            }
            assert_eq!(sum, amount, "{amount} over {days} days");
            assert!(rest.abs() <= amount.abs(), "{amount}");
        }
    }

    use super::*;
    use std::str::FromStr;

    fn day(s: &str) -> Day {
        NaiveDate::from_str(s).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn delay_boundary_matches_design_example() {
        let delay = Delay {
            as_of: at("2026-11-28T10:30:00Z"),
            delay_days: 3,
        };
        assert_eq!(delay.status(day("2026-11-24")), Status::Final);
        assert_eq!(delay.status(day("2026-11-25")), Status::Provisional);
        assert_eq!(delay.status(day("2026-11-28")), Status::Provisional);
        assert_eq!(delay.final_at(day("2026-11-25")), day("2026-11-29"));
    }

    #[test]
    fn delay_day_turns_final_exactly_at_midnight() {
        // 2026-11-25 + 1 + 3 days = 2026-11-29T00:00Z.
        let before = Delay {
            as_of: at("2026-11-28T23:59:59Z"),
            delay_days: 3,
        };
        let at_midnight = Delay {
            as_of: at("2026-11-29T00:00:00Z"),
            delay_days: 3,
        };
        assert_eq!(before.status(day("2026-11-25")), Status::Provisional);
        assert_eq!(at_midnight.status(day("2026-11-25")), Status::Final);
        let zero = Delay {
            as_of: at("2026-11-29T00:00:00Z"),
            delay_days: 0,
        };
        assert_eq!(zero.status(day("2026-11-28")), Status::Final);
        assert_eq!(zero.status(day("2026-11-29")), Status::Provisional);
    }

    #[test]
    fn exact_add_refuses_to_round() {
        let big = Decimal::from_str("79228162514264337593543950335").unwrap();
        assert_eq!(exact_add(big, Decimal::ONE), Err(Overflow));
        let precise = Decimal::from_str("7922816251426433759354395033.5").unwrap();
        assert_eq!(exact_add(precise, Decimal::from(10)), Err(Overflow));
        // Trailing zeros are not digits: 28 of them may be dropped without loss.
        let padded = Decimal::from_str("5.0000000000000000000000000000").unwrap();
        assert_eq!(exact_add(padded, padded).unwrap(), Decimal::from(10));
        let a = Decimal::from_str("0.00000080000").unwrap();
        assert_eq!(
            exact_add(a, a).unwrap(),
            Decimal::from_str("0.0000016").unwrap()
        );
    }

    #[test]
    fn money_text_keeps_cents_and_drops_noise() {
        assert_eq!(money_text(Decimal::from_str("12.5").unwrap()), "12.50");
        assert_eq!(
            money_text(Decimal::from_str("0.00000160000").unwrap()),
            "0.0000016"
        );
        assert_eq!(money_text(Decimal::from_str("-3").unwrap()), "-3.00");
        // No room for cents in 28 digits: the digits as they are, never a lone ".0".
        let big = "1234567890123456789012345678";
        assert_eq!(money_text(Decimal::from_str(big).unwrap()), big);
        let tenths = "7123456789012345678901234567.8";
        assert_eq!(money_text(Decimal::from_str(tenths).unwrap()), tenths);
        assert_eq!(
            money_text(Decimal::from_str("12345678901234567890123456.7").unwrap()),
            "12345678901234567890123456.70"
        );
        assert_eq!(quantity_text(Decimal::from_str("2.000000").unwrap()), "2");
    }

    #[test]
    fn grouping_keys_read_their_aliases_and_name_their_columns() {
        let cases = [
            ("SKU", KeyKind::Sku, "sku"),
            ("Product", KeyKind::Sku, "sku"),
            ("line item", KeyKind::Sku, "sku"),
            ("project", KeyKind::Project, "project"),
            ("Project Name", KeyKind::Project, "project"),
            ("service", KeyKind::Service, "service"),
            ("region", KeyKind::Region, "region"),
            ("cloud_region", KeyKind::Region, "region"),
            ("resource", KeyKind::Resource, "resource"),
            ("index", KeyKind::Resource, "resource"),
            ("Index Name", KeyKind::Resource, "resource"),
            ("assistant", KeyKind::Assistant, "assistant"),
            ("model", KeyKind::Model, "model"),
            ("endpoint", KeyKind::Endpoint, "endpoint"),
            ("currency", KeyKind::Currency, "currency"),
            ("source", KeyKind::Source, "source"),
            (" tag:team ", KeyKind::Tag("team".into()), "tag:team"),
            (
                "tag:Team Name",
                KeyKind::Tag("Team Name".into()),
                "tag:Team Name",
            ),
            (
                "Billing Account",
                KeyKind::Column("Billing Account".into()),
                "Billing Account",
            ),
        ];
        for (arg, kind, name) in cases {
            assert_eq!(KeyKind::from_arg(arg), Ok(kind.clone()), "{arg}");
            assert_eq!(kind.name(), name, "{arg}");
        }
        assert_eq!(
            KeyKind::from_arg("  "),
            Err("an empty grouping key".to_string())
        );
        assert_eq!(
            KeyKind::from_arg("tag:"),
            Err("\"tag:\" needs a tag key, e.g. tag:team".to_string())
        );
        for column in [
            "cost",
            "Status",
            "unit",
            "quantity",
            "date",
            "period_start",
            "Period End",
            "provisional_cost",
        ] {
            assert_eq!(
                KeyKind::from_arg(column),
                Err(format!(
                    "\"{column}\" is an output column of the report, not a grouping key"
                )),
            );
        }
    }

    #[test]
    fn statuses_and_sources_have_their_output_names() {
        assert_eq!(Status::Final.as_str(), "final");
        assert_eq!(Status::Provisional.as_str(), "provisional");
        assert!(Status::Final < Status::Provisional);
        assert_eq!(Source::Billed.as_str(), "billed");
        assert_eq!(Source::Estimated.as_str(), "estimated");
        assert!(Source::Billed < Source::Estimated);
    }

    #[test]
    fn ranges_hold_both_ends_and_months_end_on_their_last_day() {
        let range = DateRange {
            from: day("2026-10-03"),
            to: day("2026-10-17"),
        };
        assert!(range.contains(day("2026-10-03")));
        assert!(range.contains(day("2026-10-17")));
        assert!(range.contains(day("2026-10-10")));
        assert!(!range.contains(day("2026-10-02")));
        assert!(!range.contains(day("2026-10-18")));
        for (inside, first, last) in [
            ("2026-02-14", "2026-02-01", "2026-02-28"),
            ("2028-02-29", "2028-02-01", "2028-02-29"),
            ("2026-12-31", "2026-12-01", "2026-12-31"),
            ("2026-04-01", "2026-04-01", "2026-04-30"),
        ] {
            let month = DateRange::month_of(day(inside));
            assert_eq!((month.from, month.to), (day(first), day(last)), "{inside}");
            assert_eq!(last_day_of_month(day(inside)), day(last), "{inside}");
        }
        // The last month chrono knows has no next month to step back from.
        assert_eq!(last_day_of_month(NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn day_and_total_buckets_and_the_calendar_edges_of_the_delay() {
        let range = DateRange {
            from: day("2026-10-03"),
            to: day("2026-10-17"),
        };
        let one = Period::Day.bucket(day("2026-10-09"), range);
        assert_eq!((one.from, one.to), (day("2026-10-09"), day("2026-10-09")));
        assert_eq!(Period::Total.bucket(day("2026-10-09"), range), range);
        // A week reaching past the range's end is clipped there.
        let last = Period::Week.bucket(day("2026-10-16"), range);
        assert_eq!((last.from, last.to), (day("2026-10-12"), day("2026-10-17")));
        let early = Delay {
            as_of: NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            delay_days: 3,
        };
        assert_eq!(early.first_provisional_day(), NaiveDate::MIN);
        assert_eq!(early.status(NaiveDate::MIN), Status::Provisional);
        let late = Delay {
            as_of: at("2026-11-28T10:30:00Z"),
            delay_days: 3,
        };
        assert_eq!(late.final_at(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(late.final_at(day("2026-12-31")), day("2027-01-04"));
    }

    #[test]
    fn the_overflow_error_says_why_and_what_to_do() {
        let text = Overflow.to_string();
        assert!(
            text.starts_with("a sum exceeds the 28 significant digits"),
            "{text}"
        );
        assert!(text.ends_with("or report a shorter range"), "{text}");
    }

    #[test]
    fn iso_weeks_start_monday_and_clip_to_range() {
        let range = DateRange {
            from: day("2026-10-01"),
            to: day("2026-10-31"),
        };
        let first = Period::Week.bucket(day("2026-10-02"), range);
        assert_eq!(
            (first.from, first.to),
            (day("2026-10-01"), day("2026-10-04"))
        );
        let mid = Period::Week.bucket(day("2026-10-07"), range);
        assert_eq!((mid.from, mid.to), (day("2026-10-05"), day("2026-10-11")));
        let month = Period::Month.bucket(day("2026-10-07"), range);
        assert_eq!(
            (month.from, month.to),
            (day("2026-10-01"), day("2026-10-31"))
        );
    }
}

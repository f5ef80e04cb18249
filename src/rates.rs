//! The rate card: prices that turn token counts into money, each for a SKU, per a stated
//! number of units, with an optional inclusive validity window of UTC days. Parses the TOML
//! card (`--rates FILE`) or provides the built-in list prices, and prices a quantity exactly.
//! Knows nothing of token records or files other than the card's own text.

use crate::model::Day;
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// One price of a SKU, valid from `from` to `to` (inclusive UTC days; `None` = open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    pub sku: String,
    pub unit: String,
    pub price: Decimal,
    pub per: u64,
    pub from: Option<Day>,
    pub to: Option<Day>,
}

impl Rate {
    fn covers(&self, day: Day) -> bool {
        self.from.is_none_or(|from| from <= day) && self.to.is_none_or(|to| day <= to)
    }

    /// `price per N unit [from … to …]`, as the manifest and errors show it.
    pub fn describe(&self) -> String {
        let window = match (self.from, self.to) {
            (None, None) => String::new(),
            (from, to) => format!(
                ", {} to {}",
                from.map_or("(open)".to_string(), |d| d.to_string()),
                to.map_or("(open)".to_string(), |d| d.to_string())
            ),
        };
        format!(
            "\"{}\": {} per {} {}{window}",
            self.sku, self.price, self.per, self.unit
        )
    }
}

/// Where a rate card came from, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateOrigin {
    BuiltIn,
    File { path: String, sha256: String },
}

/// A validated rate card: one currency, and for each SKU windows that do not overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCard {
    pub currency: String,
    pub rates: Vec<Rate>,
    pub origin: RateOrigin,
}

/// Why a rate card cannot be used, or a quantity cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// A problem at a line of the rate card file.
    #[error("{line}: {message}")]
    At { line: usize, message: String },
    #[error(
        "no rate for SKU \"{sku}\" on {day} in the rate card; add one whose effective_from/\
         effective_to window covers that day (tally never prices at $0)"
    )]
    Missing { sku: String, day: Day },
    #[error(
        "{quantity} × {price} / {per} is not exact in 28 significant digits; tally does not \
         round costs"
    )]
    Inexact {
        quantity: Decimal,
        price: Decimal,
        per: u64,
    },
}

/// The documented list prices, USD per million tokens.
const BUILT_IN: &[(&str, &str)] = &[
    ("Assistants Input Tokens", "8"),
    ("Assistants Output Tokens", "15"),
    ("Assistants Context Tokens Processed", "5"),
    ("Assistants Evaluation Tokens Processed", "8"),
    ("Assistants Evaluation Tokens Out", "15"),
];

impl RateCard {
    pub fn built_in() -> RateCard {
        RateCard {
            currency: "USD".to_string(),
            rates: BUILT_IN
                .iter()
                .map(|(sku, price)| Rate {
                    sku: sku.to_string(),
                    unit: "tokens".to_string(),
                    price: Decimal::from_str(price).unwrap_or_default(),
                    per: 1_000_000,
                    from: None,
                    to: None,
                })
                .collect(),
            origin: RateOrigin::BuiltIn,
        }
    }

    /// Parses a TOML rate card. Prices must be strings (a float would lose exactness), `per`
    /// a positive integer, windows valid days; two windows of one SKU must not overlap.
    pub fn from_toml(text: &str, origin: RateOrigin) -> Result<RateCard, RateError> {
        // Errors name the line: of the TOML error, of the [[rate]] table, or of the key.
        let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let line_of = |prefix: &str, nth: usize| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| line.trim_start().starts_with(prefix))
                .nth(nth)
                .map_or(1, |(index, _)| index + 1)
        };
        let invalid = |m: String| RateError::At {
            line: m
                .strip_prefix("rate #")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
                .map_or_else(
                    || line_of(m.split([' ', '=']).next().unwrap_or(""), 0),
                    |n| line_of("[[rate]]", n.saturating_sub(1)),
                ),
            message: m,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| RateError::At {
            line: e.span().map_or(1, |span| line_at(span.start)),
            message: format!("is not valid TOML: {}", e.message().trim_end()),
        })?;
        let mut currency = "USD".to_string();
        let mut rates = Vec::new();
        for (key, value) in &table {
            match key.as_str() {
                "currency" => {
                    currency = value
                        .as_str()
                        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
                        .ok_or_else(|| {
                            invalid(format!(
                                "currency = {value}: expected an ISO 4217 code as a string, e.g. \
                                 currency = \"USD\""
                            ))
                        })?
                        .to_string();
                }
                "rate" => {
                    let list = value.as_array().ok_or_else(|| {
                        invalid("\"rate\" must be an array of tables: [[rate]]".to_string())
                    })?;
                    for (index, item) in list.iter().enumerate() {
                        let table = item.as_table().ok_or_else(|| {
                            invalid(format!("rate #{}: expected a table ([[rate]])", index + 1))
                        })?;
                        rates.push(
                            parse_rate(table)
                                .map_err(|m| invalid(format!("rate #{}: {m}", index + 1)))?,
                        );
                    }
                }
                other => {
                    return Err(RateError::At {
                        line: line_of(other, 0),
                        message: format!(
                            "unknown key \"{other}\"; a rate card has currency and [[rate]] \
                             tables"
                        ),
                    });
                }
            }
        }
        if rates.is_empty() {
            return Err(invalid("holds no [[rate]] tables".to_string()));
        }
        check_overlaps(&rates).map_err(invalid)?;
        Ok(RateCard {
            currency,
            rates,
            origin,
        })
    }

    /// The rate of `sku` on UTC day `day`, and its index in the card.
    pub fn price_on(&self, sku: &str, day: Day) -> Result<(usize, &Rate), RateError> {
        self.rates
            .iter()
            .enumerate()
            .find(|(_, rate)| rate.sku == sku && rate.covers(day))
            .ok_or_else(|| RateError::Missing {
                sku: sku.to_string(),
                day,
            })
    }
}

/// `quantity × price / per`, exactly: an error rather than a rounded figure.
///
/// Computed on integers: `quantity × price` as a 128-bit mantissa, then the smallest power of
/// ten that makes it divisible by `per`. rust_decimal's own multiply and divide round when a
/// result needs more than 28 digits, and multiplying back does not prove they did not (the
/// multiplication rounds too).
pub fn cost_of(quantity: Decimal, rate: &Rate) -> Result<Decimal, RateError> {
    let inexact = || RateError::Inexact {
        quantity,
        price: rate.price,
        per: rate.per,
    };
    let quantity = quantity.normalize();
    let price = rate.price.normalize();
    let numerator = quantity
        .mantissa()
        .checked_mul(price.mantissa())
        .ok_or_else(inexact)?;
    let scale = quantity.scale() + price.scale();
    let per = i128::from(rate.per);
    let mut scaled = numerator;
    for extra in 0..=28u32.saturating_sub(scale) {
        if scaled % per == 0 {
            return Decimal::try_from_i128_with_scale(scaled / per, scale + extra)
                .map(|cost| cost.normalize())
                .map_err(|_| inexact());
        }
        scaled = match scaled.checked_mul(10) {
            Some(next) => next,
            None => break,
        };
    }
    Err(inexact())
}

fn parse_rate(table: &toml::Table) -> Result<Rate, String> {
    let mut sku = None;
    let mut unit = "tokens".to_string();
    let mut price = None;
    let mut per = None;
    let mut from = None;
    let mut to = None;
    for (key, value) in table {
        match key.as_str() {
            "sku" => match value.as_str().map(str::trim) {
                Some(text) if !text.is_empty() => sku = Some(text.to_string()),
                _ => return Err(format!("sku = {value}: expected a non-empty string")),
            },
            "unit" => match value.as_str() {
                Some(text) => unit = text.trim().to_string(),
                None => return Err(format!("unit = {value}: expected a string")),
            },
            "price" => {
                price = Some(match value {
                    // The strict parser of usage exports: no separators, exponents or
                    // digits beyond what is kept exactly.
                    toml::Value::String(text) => crate::primitives::decimal::parse_decimal(text)
                        .ok()
                        .filter(|p| !p.is_sign_negative())
                        .ok_or_else(|| {
                            format!(
                                "price \"{text}\" is not a non-negative decimal number \
                                 (use \".\" as the decimal separator)"
                            )
                        })?,
                    toml::Value::Float(_) | toml::Value::Integer(_) => {
                        return Err(format!(
                            "price = {value} is a TOML number, which tally does not read (a \
                             float loses exactness); quote it: price = \"{value}\""
                        ));
                    }
                    other => return Err(format!("price = {other}: expected a quoted decimal")),
                })
            }
            "per" => {
                per = Some(
                    value
                        .as_integer()
                        .filter(|n| *n > 0)
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| {
                            format!("per = {value}: expected a positive integer, e.g. 1000000")
                        })?,
                )
            }
            "effective_from" => from = Some(parse_day(key, value)?),
            "effective_to" => to = Some(parse_day(key, value)?),
            other => {
                return Err(format!(
                    "unknown key \"{other}\"; a rate has sku, unit, price, per, effective_from \
                     and effective_to"
                ));
            }
        }
    }
    let sku = sku.ok_or("missing sku")?;
    let price = price.ok_or_else(|| format!("\"{sku}\": missing price"))?;
    let per = per.ok_or_else(|| format!("\"{sku}\": missing per (e.g. per = 1000000)"))?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(format!(
            "\"{sku}\": effective_from {from} is after effective_to {to}"
        ));
    }
    Ok(Rate {
        sku,
        unit,
        price,
        per,
        from,
        to,
    })
}

/// A UTC day written as a string ("2026-10-15") or a TOML local date (2026-10-15).
fn parse_day(key: &str, value: &toml::Value) -> Result<Day, String> {
    let text = match value {
        toml::Value::String(text) => text.trim().to_string(),
        toml::Value::Datetime(datetime) if datetime.time.is_none() => datetime.to_string(),
        _ => String::new(),
    };
    Day::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| format!("{key} = {value}: expected a UTC day, e.g. \"2026-10-15\""))
}

fn check_overlaps(rates: &[Rate]) -> Result<(), String> {
    for (i, a) in rates.iter().enumerate() {
        for b in &rates[i + 1..] {
            if a.sku != b.sku {
                continue;
            }
            let starts_before_b_ends = match (a.from, b.to) {
                (Some(from), Some(to)) => from <= to,
                _ => true,
            };
            let b_starts_before_a_ends = match (b.from, a.to) {
                (Some(from), Some(to)) => from <= to,
                _ => true,
            };
            if starts_before_b_ends && b_starts_before_a_ends {
                return Err(format!(
                    "two rates for \"{}\" are valid on the same days ({} and {}); make their \
                     effective_from/effective_to windows disjoint",
                    a.sku,
                    a.describe(),
                    b.describe()
                ));
            }
        }
    }
    Ok(())
}

impl fmt::Display for RateOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateOrigin::BuiltIn => f.write_str("built-in"),
            RateOrigin::File { path, .. } => f.write_str(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn card(text: &str) -> Result<RateCard, RateError> {
        RateCard::from_toml(text, RateOrigin::BuiltIn)
    }

    #[test]
    fn rates_built_in_list_prices_by_hand() {
        let card = RateCard::built_in();
        let on = day("2026-10-03");
        let (_, input) = card.price_on("Assistants Input Tokens", on).unwrap();
        // 23,626 × 8 / 1,000,000 = 189,008 / 1,000,000 = 0.189008
        assert_eq!(
            cost_of(Decimal::from(23_626), input).unwrap(),
            dec("0.189008")
        );
        let (_, output) = card.price_on("Assistants Output Tokens", on).unwrap();
        // 21 × 15 / 1,000,000 = 0.000315
        assert_eq!(cost_of(Decimal::from(21), output).unwrap(), dec("0.000315"));
        let (_, context) = card
            .price_on("Assistants Context Tokens Processed", on)
            .unwrap();
        // 22,914 × 5 / 1,000,000 = 0.11457
        assert_eq!(
            cost_of(Decimal::from(22_914), context).unwrap(),
            dec("0.11457")
        );
        assert!(matches!(
            card.price_on("Unknown SKU", on),
            Err(RateError::Missing { .. })
        ));
    }

    const DATED: &str = r#"
currency = "USD"
[[rate]]
sku = "Assistants Input Tokens"
price = "8.00"
per = 1000000
effective_to = "2026-10-14"
[[rate]]
sku = "Assistants Input Tokens"
unit = "tokens"
price = "6.50"
per = 1000000
effective_from = 2026-10-15
"#;

    #[test]
    fn rates_windows_are_inclusive_utc_days() {
        let card = card(DATED).unwrap();
        let sku = "Assistants Input Tokens";
        assert_eq!(
            card.price_on(sku, day("2026-10-14")).unwrap().1.price,
            dec("8.00")
        );
        assert_eq!(
            card.price_on(sku, day("2026-10-15")).unwrap().1.price,
            dec("6.50")
        );
        assert_eq!(card.price_on(sku, day("2030-01-01")).unwrap().0, 1);
        // 1,000 × 6.50 / 1,000,000 = 0.0065
        let (_, rate) = card.price_on(sku, day("2026-10-15")).unwrap();
        assert_eq!(cost_of(Decimal::from(1000), rate).unwrap(), dec("0.0065"));
    }

    #[test]
    fn rates_float_price_is_refused_with_advice_to_quote() {
        let error = card("[[rate]]\nsku = \"A\"\nprice = 8.0\nper = 1000000\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("quote it: price = \"8.0\""), "{error}");
        let error = card("[[rate]]\nsku = \"A\"\nprice = 8\nper = 1000000\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("quote it"), "{error}");
    }

    #[test]
    fn rates_overlapping_windows_and_bad_fields_are_refused() {
        let overlapping = r#"
[[rate]]
sku = "A"
price = "1"
per = 1
effective_to = "2026-10-15"
[[rate]]
sku = "A"
price = "2"
per = 1
effective_from = "2026-10-15"
"#;
        let error = card(overlapping).unwrap_err().to_string();
        assert!(error.contains("valid on the same days"), "{error}");
        let open = "[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\n\
                    [[rate]]\nsku = \"A\"\nprice = \"2\"\nper = 1\neffective_from = \"2027-01-01\"\n";
        assert!(card(open).is_err());
        assert!(card("[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 0\n").is_err());
        assert!(card("[[rate]]\nsku = \"A\"\nprice = \"1,5\"\nper = 1\n").is_err());
        assert!(card("[[rate]]\nsku = \"A\"\nprice = \"1\"\n").is_err());
        assert!(card("[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\nprise = 3\n").is_err());
        assert!(card("currency = \"USD\"\n").is_err());
    }

    /// The currency must be three upper-case ASCII letters: "usd", "US" and "USDX" are refused
    /// (a mutant turning the `&&` of that check into `||` would accept "usd"), "EUR" is kept.
    #[test]
    fn rates_currency_is_an_upper_case_iso_code() {
        let rate = "[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\n";
        for bad in ["usd", "US", "USDX", "U$D", "12"] {
            let error = card(&format!("currency = \"{bad}\"\n{rate}")).unwrap_err();
            assert_eq!(
                error,
                RateError::At {
                    line: 1,
                    message: format!(
                        "currency = \"{bad}\": expected an ISO 4217 code as a string, e.g. \
                         currency = \"USD\""
                    ),
                },
                "{bad}"
            );
        }
        assert_eq!(
            card(&format!("currency = \"EUR\"\n{rate}"))
                .unwrap()
                .currency,
            "EUR"
        );
        assert_eq!(card(rate).unwrap().currency, "USD");
    }

    /// Errors name the line of the [[rate]] table (or of the key) they are about.
    #[test]
    fn rates_errors_name_their_line() {
        let text = "currency = \"USD\"\n\n[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\n\n\
                    [[rate]]\nsku = \"\"\nprice = \"1\"\nper = 1\n";
        let error = card(text).unwrap_err();
        match &error {
            RateError::At { line, message } => {
                assert_eq!(*line, 8, "{message}");
                assert!(message.starts_with("rate #2: sku = \"\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let error = card("[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\nbogus = 1\n").unwrap_err();
        assert!(matches!(error, RateError::At { line: 1, .. }), "{error:?}");
        let error = card("\n\nnonsense = 3\n").unwrap_err();
        assert!(matches!(error, RateError::At { line: 3, .. }), "{error:?}");
        // Where a card came from, as reports name it.
        assert_eq!(RateOrigin::BuiltIn.to_string(), "built-in");
        let file = RateOrigin::File {
            path: "rates/q4.toml".to_string(),
            sha256: "00".to_string(),
        };
        assert_eq!(file.to_string(), "rates/q4.toml");
        // A TOML syntax error names its own line: the unclosed string on line 4.
        let error = card("currency = \"USD\"\n\n[[rate]]\nsku = \"A\n").unwrap_err();
        match &error {
            RateError::At { line, message } => {
                assert_eq!(*line, 4, "{message}");
                assert!(message.starts_with("is not valid TOML"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// Windows: a reversed one is refused with both days; a one-day window covers exactly its
    /// day; overlaps are found whichever of the two windows the card lists first.
    #[test]
    fn rates_windows_reversed_one_day_and_listed_in_any_order() {
        let rate = |sku: &str, price: &str, from: &str, to: &str| {
            let mut text = format!("[[rate]]\nsku = \"{sku}\"\nprice = \"{price}\"\nper = 1\n");
            if !from.is_empty() {
                text.push_str(&format!("effective_from = \"{from}\"\n"));
            }
            if !to.is_empty() {
                text.push_str(&format!("effective_to = \"{to}\"\n"));
            }
            text
        };
        let reversed = card(&rate("A", "1", "2026-10-20", "2026-10-10")).unwrap_err();
        assert!(
            reversed
                .to_string()
                .contains("\"A\": effective_from 2026-10-20 is after effective_to 2026-10-10"),
            "{reversed}"
        );
        let one_day = card(&rate("A", "1", "2026-10-15", "2026-10-15")).unwrap();
        assert!(one_day.price_on("A", day("2026-10-15")).is_ok());
        assert!(one_day.price_on("A", day("2026-10-14")).is_err());
        assert!(one_day.price_on("A", day("2026-10-16")).is_err());

        let older = rate("A", "1", "", "2026-10-15");
        let newer = rate("A", "2", "2026-10-15", "");
        for text in [format!("{older}{newer}"), format!("{newer}{older}")] {
            let error = card(&text).unwrap_err().to_string();
            assert!(error.contains("valid on the same days"), "{error}");
        }
        // Adjacent windows, in either order, are fine and each prices its own days.
        let newer = rate("A", "2", "2026-10-16", "");
        for text in [format!("{older}{newer}"), format!("{newer}{older}")] {
            let card = card(&text).unwrap();
            assert_eq!(
                card.price_on("A", day("2026-10-15")).unwrap().1.price,
                dec("1")
            );
            assert_eq!(
                card.price_on("A", day("2026-10-16")).unwrap().1.price,
                dec("2")
            );
        }
        // A different SKU never overlaps.
        assert!(card(&format!("{older}{}", rate("B", "2", "2026-10-01", ""))).is_ok());
    }

    #[test]
    fn rates_describe_shows_price_unit_and_window() {
        let rate = |from: Option<&str>, to: Option<&str>| Rate {
            sku: "Assistants Input Tokens".to_string(),
            unit: "tokens".to_string(),
            price: dec("8.00"),
            per: 1_000_000,
            from: from.map(day),
            to: to.map(day),
        };
        assert_eq!(
            rate(None, None).describe(),
            "\"Assistants Input Tokens\": 8.00 per 1000000 tokens"
        );
        assert_eq!(
            rate(Some("2026-10-01"), None).describe(),
            "\"Assistants Input Tokens\": 8.00 per 1000000 tokens, 2026-10-01 to (open)"
        );
        assert_eq!(
            rate(None, Some("2026-10-31")).describe(),
            "\"Assistants Input Tokens\": 8.00 per 1000000 tokens, (open) to 2026-10-31"
        );
    }

    #[test]
    fn rates_inexact_division_is_an_error_not_a_rounding() {
        let rate = Rate {
            sku: "A".into(),
            unit: "tokens".into(),
            price: dec("1"),
            per: 3,
            from: None,
            to: None,
        };
        assert!(matches!(
            cost_of(Decimal::from(1), &rate),
            Err(RateError::Inexact { .. })
        ));
        // 3 × 1 / 3 = 1: a per of 3 is fine when it divides.
        assert_eq!(cost_of(Decimal::from(3), &rate).unwrap(), dec("1"));
        // Cases rust_decimal's divide-then-multiply-back check let through, rounded.
        let rate_of = |price: &str, per: u64| Rate {
            price: dec(price),
            per,
            ..rate.clone()
        };
        for (tokens, price, per) in [
            (1, "8", 7),
            (8, "1", 7),
            (80, "0.1", 7),
            (1, "8", 3),
            (2, "8", 3),
        ] {
            assert!(
                cost_of(Decimal::from(tokens), &rate_of(price, per)).is_err(),
                "{tokens} x {price} / {per}"
            );
        }
        // Exact ones, by hand: 23,626 x 8 / 1,000,000 = 0.189008; 7 x 8 / 7 = 8;
        // 1 x 0.1 / 4 = 0.025.
        assert_eq!(
            cost_of(Decimal::from(23_626), &rate_of("8", 1_000_000)).unwrap(),
            dec("0.189008")
        );
        assert_eq!(
            cost_of(Decimal::from(7), &rate_of("8", 7)).unwrap(),
            dec("8")
        );
        assert_eq!(
            cost_of(Decimal::from(1), &rate_of("0.1", 4)).unwrap(),
            dec("0.025")
        );
    }

    #[test]
    fn rates_prices_are_parsed_strictly() {
        for price in [
            "8_000",
            "1e3",
            "0.00000000000000000000000000001",
            "1,5",
            "$8",
        ] {
            let text = format!("[[rate]]\nsku = \"A\"\nprice = \"{price}\"\nper = 1\n");
            assert!(card(&text).is_err(), "{price}");
        }
    }
}

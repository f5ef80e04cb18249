//! Strict parsers for the text of one field: decimals and UTC days. They never guess: a value
//! that could be read two ways is an error that says why.

use crate::model::Day;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

/// Parses money or a quantity from its text, exactly. The error follows the quoted value in a
/// message: `"12,50" is not a decimal number (use "." as the decimal separator)`.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err("is empty; expected a decimal number".to_string());
    }
    if let Some(value) = plain_decimal(text.as_bytes()) {
        return Ok(value);
    }
    let bytes = text.as_bytes();
    let plain = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || *b == b'.' || (i == 0 && (*b == b'-' || *b == b'+')));
    if plain {
        return Decimal::from_str_exact(text).map_err(|e| explain_decimal_error(&e));
    }
    Err(explain_not_plain(text))
}

/// `[+-]digits[.digits]` with at most 19 digits, read straight into a mantissa and a scale
/// (the scale is the number of digits after the point, as `Decimal::from_str` keeps it).
/// `None` for anything else, which the general parser then reads or explains.
fn plain_decimal(text: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // 19 digits always fit a u64: the common case needs no 128-bit arithmetic.
    if digits.len() > 20 {
        return None;
    }
    let (mut mantissa, mut count, mut scale, mut point) = (0u64, 0u32, 0u32, false);
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                count += 1;
                scale += u32::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if count == 0 || count > 19 {
        return None;
    }
    let mut value = Decimal::from(mantissa);
    value.set_scale(scale).ok()?;
    value.set_sign_negative(negative);
    Some(value)
}

fn explain_decimal_error(error: &rust_decimal::Error) -> String {
    match error {
        rust_decimal::Error::Underflow => {
            "has more than 28 decimal places; tally keeps every digit or none".to_string()
        }
        rust_decimal::Error::ExceedsMaximumPossibleValue
        | rust_decimal::Error::LessThanMinimumPossibleValue => {
            "is too large: tally keeps at most 28 significant digits exactly".to_string()
        }
        // "Invalid decimal: overflow from too many digits": more integer digits than fit.
        rust_decimal::Error::ErrorString(message) if message.contains("overflow") => {
            "is too large: tally keeps at most 28 significant digits exactly".to_string()
        }
        _ => "is not a decimal number".to_string(),
    }
}

fn explain_not_plain(text: &str) -> String {
    const SYMBOLS: &[char] = &['$', '€', '£', '¥', '₹', '¤'];
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    let has_code = text
        .split(|c: char| !c.is_ascii_uppercase())
        .any(|word| word.len() == 3);
    if text.contains(SYMBOLS) || (has_digit && has_code) {
        return "is not a decimal number (remove the currency symbol or code; the currency \
                belongs in the currency column)"
            .to_string();
    }
    if text.contains(',') {
        let thousands = text
            .trim_start_matches(['-', '+'])
            .split('.')
            .next()
            .is_some_and(|int| {
                let mut groups = int.split(',');
                let first = groups.next().unwrap_or("");
                (1..=3).contains(&first.len())
                    && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
            });
        if thousands && !text.contains('.') && text.matches(',').count() == 1 {
            return "is not a decimal number (a comma is either a thousands separator or a \
                    decimal comma; neither is accepted: write plain digits with \".\" as the \
                    decimal separator)"
                .to_string();
        }
        if thousands {
            return "is not a decimal number (remove the thousands separator)".to_string();
        }
        return "is not a decimal number (use \".\" as the decimal separator)".to_string();
    }
    if text.contains(['e', 'E']) {
        return "is not a decimal number (exponent notation is not accepted; write the plain \
                digits)"
            .to_string();
    }
    if text.contains(char::is_whitespace) || text.contains('\'') || text.contains('_') {
        return "is not a decimal number (remove the digit-group separator)".to_string();
    }
    "is not a decimal number".to_string()
}

/// Parses the UTC day of a date or timestamp: `YYYY-MM-DD`, an RFC 3339 time with `Z` or an
/// offset (converted to UTC first), or a zone-less `YYYY-MM-DD[T ]hh:mm[:ss[.f]]`, which is
/// read as UTC (FOCUS says its timestamps are UTC; the console exports UTC days).
pub fn parse_day(text: &str) -> Result<Day, String> {
    let text = text.trim_ascii();
    if let Some(day) = utc_day_fast(text.as_bytes()) {
        return day.ok_or_else(|| "is not a valid date (no such day)".to_string());
    }
    let expected = "is not a date; expected YYYY-MM-DD or an RFC 3339 timestamp";
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
            if matches!(e.kind(), chrono::format::ParseErrorKind::OutOfRange) {
                "is not a valid date (no such day)".to_string()
            } else {
                expected.to_string()
            }
        });
    }
    if text.len() < 16 {
        return Err(expected.to_string());
    }
    if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
        return Ok(zoned.with_timezone(&Utc).date_naive());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(naive.date());
        }
    }
    // A well-formed shape with impossible values deserves the sharper message.
    if NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").is_err()
        && text.as_bytes()[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    {
        return Err("is not a valid date (no such day)".to_string());
    }
    Err(expected.to_string())
}

/// The common shapes, without chrono's format machinery: `YYYY-MM-DD`, optionally followed by
/// `T` or a space, `hh:mm`, optional `:ss` and fraction, and an optional `Z`, all UTC. `None`
/// when the text has another shape (an offset, say): the general parser decides then.
/// `Some(None)` when the shape is right but the day does not exist.
fn utc_day_fast(text: &[u8]) -> Option<Option<Day>> {
    fn number(digits: &[u8]) -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    }
    if text.len() < 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let (year, month, day) = (
        number(&text[..4])?,
        number(&text[5..7])?,
        number(&text[8..10])?,
    );
    let rest = &text[10..];
    if !rest.is_empty() {
        let time = rest
            .strip_suffix(b"Z")
            .or_else(|| rest.strip_suffix(b"z"))
            .unwrap_or(rest);
        if time.len() < 6 || !matches!(time[0], b'T' | b't' | b' ') || time[3] != b':' {
            return None;
        }
        let (hour, minute) = (number(&time[1..3])?, number(&time[4..6])?);
        let seconds = &time[6..];
        let fine = match seconds {
            [] => true,
            [b':', s1, s2, fraction @ ..] => {
                number(&[*s1, *s2])? <= 60
                    && (fraction.is_empty()
                        || (fraction[0] == b'.'
                            && fraction.len() > 1
                            && fraction[1..].iter().all(u8::is_ascii_digit)))
            }
            _ => false,
        };
        if !fine || hour > 23 || minute > 59 {
            return None;
        }
    }
    Some(NaiveDate::from_ymd_opt(year as i32, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn fast_and_general_parsers_agree_on_value_and_scale() {
        for text in [
            "0",
            "12.50",
            "-0.00000080000",
            "+7",
            ".5",
            "5.",
            "1234567890123456789",
            "0.000000000000000001",
            "-99.999",
            "007.10",
            "9999999999999999999",
        ] {
            let general = Decimal::from_str_exact(text).unwrap();
            let fast = plain_decimal(text.as_bytes()).unwrap();
            assert_eq!((fast, fast.scale()), (general, general.scale()), "{text}");
        }
        for text in ["", ".", "-", "1.2.3", "1e5", "12345678901234567890"] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn plain_decimals_parse_exactly() {
        assert_eq!(parse_decimal("12.50").unwrap(), dec("12.50"));
        assert_eq!(
            parse_decimal(" -0.00000080000 ").unwrap(),
            dec("-0.0000008")
        );
        assert_eq!(parse_decimal("+7").unwrap(), dec("7"));
        assert_eq!(parse_decimal(".5").unwrap(), dec("0.5"));
    }

    #[test]
    fn ambiguous_or_decorated_numbers_are_rejected_with_reason() {
        assert!(
            parse_decimal("12,50")
                .unwrap_err()
                .contains("use \".\" as the decimal separator")
        );
        assert!(
            parse_decimal("1,234.50")
                .unwrap_err()
                .contains("thousands separator")
        );
        assert!(
            parse_decimal("1,234")
                .unwrap_err()
                .contains("neither is accepted")
        );
        assert!(
            parse_decimal("$12.50")
                .unwrap_err()
                .contains("currency symbol")
        );
        assert!(parse_decimal("12.50 USD").unwrap_err().contains("currency"));
        assert!(parse_decimal("1e-7").unwrap_err().contains("exponent"));
        assert!(parse_decimal("").unwrap_err().contains("empty"));
        assert_eq!(
            parse_decimal("oops").unwrap_err(),
            "is not a decimal number"
        );
        assert!(parse_decimal("EUR 5").unwrap_err().contains("currency"));
        assert!(
            parse_decimal("1.2.3")
                .unwrap_err()
                .contains("not a decimal")
        );
        assert!(
            parse_decimal("0.00000000000000000000000000001")
                .unwrap_err()
                .contains("28 decimal")
        );
    }

    #[test]
    fn days_from_dates_and_timestamps() {
        let d = |s: &str| NaiveDate::from_str(s).unwrap();
        assert_eq!(parse_day("2026-10-03").unwrap(), d("2026-10-03"));
        assert_eq!(parse_day("2024-09-18 22:00:00").unwrap(), d("2024-09-18"));
        assert_eq!(
            parse_day("2026-10-31T23:30:00-05:00").unwrap(),
            d("2026-11-01")
        );
        assert_eq!(
            parse_day("2026-11-01T00:30:00+01:00").unwrap(),
            d("2026-10-31")
        );
        assert_eq!(parse_day("2026-10-03T00:00:00Z").unwrap(), d("2026-10-03"));
        assert!(parse_day("2026-02-30").unwrap_err().contains("no such day"));
        assert!(
            parse_day("2026-02-30T00:00:00Z")
                .unwrap_err()
                .contains("no such day")
        );
        assert!(
            parse_day("03/10/2026")
                .unwrap_err()
                .contains("expected YYYY-MM-DD")
        );
        assert!(parse_day("").is_err());
        assert_eq!(parse_day("2024-09-18T22:00Z").unwrap(), d("2024-09-18"));
        assert_eq!(
            parse_day("2024-09-18 22:00:00.123").unwrap(),
            d("2024-09-18")
        );
        assert!(parse_day("2024-09-18 25:00:00").is_err());
        assert!(parse_day("2024-09-18 22:00:00 junk").is_err());
        assert!(parse_day("2026-13-01").unwrap_err().contains("no such day"));
    }
}

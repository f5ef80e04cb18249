//! Strict decimal parsers for the text of one field: money and quantities, exactly. They
//! never guess: a value that could be read two ways is an error that says why. Ground floor:
//! imports nothing of tally.

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
        return Decimal::from_str_exact(text).or_else(|_| {
            without_trailing_zeros(text)
                .into_iter()
                .flatten()
                .find_map(|shorter| Decimal::from_str_exact(shorter).ok())
                .ok_or_else(|| explain_plain(text))
        });
    }
    Err(explain_not_plain(text))
}

/// Trailing zeros of a fraction carry no value: `1.` followed by 40 zeros is exactly 1. For a
/// plain number that does not fit as written (asked only after `from_str_exact` failed, never
/// on the hot path), the texts to try instead: first with the zeros beyond 28 places dropped,
/// which keeps as much of the written scale as tally can hold, then with every trailing zero
/// dropped (`1234567890123456789012345678.000` fits without decimals only). Slices, no
/// allocation.
fn without_trailing_zeros(text: &str) -> [Option<&str>; 2] {
    let Some(point) = text.find('.') else {
        return [None, None];
    };
    let places = text.len() - point - 1;
    // Stops at the point: zeros of the integer part carry value.
    let zeros = text.len() - text.trim_end_matches('0').len();
    if zeros == 0 {
        return [None, None];
    }
    let to_28 = (places > 28 && places - zeros <= 28).then(|| &text[..point + 1 + 28]);
    let all = text[..text.len() - zeros].trim_end_matches('.');
    [to_28, Some(all)]
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
    // At most 19 digits and a point: 19 digits always fit a u64, so the loop needs no
    // overflow checks (the count is checked after it).
    if digits.len() > 20 {
        return None;
    }
    let (mut mantissa, mut point) = (0u64, None);
    for (i, &byte) in digits.iter().enumerate() {
        let digit = byte.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        } else if byte == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let count = digits.len() - usize::from(point.is_some());
    if count == 0 || count > 19 {
        return None;
    }
    // The scale is the number of digits after the point, as `Decimal::from_str` keeps it.
    let scale = point.map_or(0, |at| digits.len() - at - 1) as u32;
    let mut value = Decimal::from_parts(mantissa as u32, (mantissa >> 32) as u32, 0, false, scale);
    value.set_sign_negative(negative);
    Some(value)
}

/// Parses a number in the FOCUS numeric format, exactly: what `parse_decimal` reads, plus an
/// exponent (`35.2E-7` = `0.00000352`, `1e3` = `1000`). Written by hand rather than with
/// `Decimal::from_scientific` so that a value that cannot be held exactly is an error, never
/// rounded.
pub fn parse_focus_decimal(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim_ascii();
    if let Some(value) = plain_decimal(trimmed.as_bytes()) {
        return Ok(value);
    }
    let Some(at) = trimmed.find(['e', 'E']) else {
        return parse_decimal(trimmed);
    };
    let (mantissa, exponent) = (&trimmed[..at], &trimmed[at + 1..]);
    let not_a_number = || {
        "is not a decimal number (FOCUS numbers are digits with an optional \".\" and \
         exponent, e.g. 35.2E-7)"
            .to_string()
    };
    let (negative, digits) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let exponent_is_negative = exponent.starts_with('-');
    if int.len() + frac.len() == 0
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || exponent_digits.is_empty()
        || !exponent_digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let too_large =
        || "is too large: tally keeps at most 28 significant digits exactly".to_string();
    // Significant digits only: leading zeros carry no value.
    let significant = format!("{int}{frac}");
    let significant = significant.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(Decimal::ZERO);
    }
    // Trailing zeros carry no value either: beyond 38 digits they are dropped, each one a
    // place less of scale (`2.` and 40 zeros `E0` is exactly 2), and the steps below put back
    // what the value needs.
    let mut dropped = 0;
    let significant = if significant.len() > 38 {
        let trimmed = significant.trim_end_matches('0');
        dropped = (significant.len() - trimmed.len()) as i64;
        trimmed
    } else {
        significant
    };
    // Leading zeros of the exponent carry no value either (`1e007` = 1e7).
    let exponent_value = exponent_digits.trim_start_matches('0');
    let places = || "has more than 28 decimal places; tally keeps every digit or none".to_string();
    if significant.len() > 38 || exponent_value.len() > 6 {
        return Err(if exponent_is_negative && significant.len() <= 38 {
            places()
        } else {
            too_large()
        });
    }
    let mut mantissa: i128 = significant.parse().map_err(|_| not_a_number())?;
    let magnitude: i64 = exponent_value.parse().unwrap_or(0);
    let exponent = if exponent_is_negative {
        -magnitude
    } else {
        magnitude
    };
    // value = mantissa × 10^(exponent − frac.len())
    let mut scale = frac.len() as i64 - exponent - dropped;
    while scale < 0 {
        mantissa = mantissa.checked_mul(10).ok_or_else(too_large)?;
        scale += 1;
    }
    while scale > 28 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if scale > 28 {
        return Err(places());
    }
    let mut value =
        Decimal::try_from_i128_with_scale(mantissa, scale as u32).map_err(|_| too_large())?;
    value.set_sign_negative(negative);
    Ok(value)
}

/// Why a plain number (`[+-]digits[.digits]`) that `Decimal` cannot hold exactly was refused,
/// judged on its digits rather than on `rust_decimal`'s error (which calls a fraction with one
/// digit too many for the mantissa an underflow): a fraction longer than 28 places without its
/// trailing zeros is "more than 28 decimal places"; any other number that does not fit has too
/// many significant digits. Malformed texts (`1.2.3`, `.`, `-`) are not numbers at all.
fn explain_plain(text: &str) -> String {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.contains('.') || int.len() + frac.len() == 0 || digits.contains(['-', '+']) {
        return "is not a decimal number".to_string();
    }
    if frac.trim_end_matches('0').len() > 28 {
        "has more than 28 decimal places; tally keeps every digit or none".to_string()
    } else {
        "is too large: tally keeps at most 28 significant digits exactly".to_string()
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
            "12345678901234567.89",
            "-0.0",
            "18446744073709551.61",
            ".1234567890123456789",
        ] {
            let general = Decimal::from_str_exact(text).unwrap();
            let fast = plain_decimal(text.as_bytes()).unwrap();
            assert_eq!((fast, fast.scale()), (general, general.scale()), "{text}");
        }
        for text in [
            "",
            ".",
            "-",
            "1.2.3",
            "1e5",
            "12345678901234567890",
            "99999999999999999999",
            "18446744073709551615",
            "1.2345678901234567890",
            "1844674407370955161.5",
            "+-1",
            "1-",
        ] {
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
        // Twenty digits overflow the fast path's u64 (a panic in debug builds, found by
        // tests/fuzz.rs): the general parser reads them.
        assert_eq!(
            parse_decimal("99999999999999999999").unwrap(),
            dec("99999999999999999999")
        );
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
        // Trailing zeros beyond 28 places carry no value: exact, at 28 places.
        let zeros = "0".repeat(40);
        let one = parse_decimal(&format!("1.{zeros}")).unwrap();
        assert_eq!((one, one.scale()), (dec("1"), 28));
        assert_eq!(parse_decimal(&format!("-0.{zeros}")).unwrap(), dec("0"));
        assert_eq!(parse_decimal(&format!(".{zeros}")).unwrap(), dec("0"));
        assert_eq!(
            parse_decimal("1234567890123456789012345678.000").unwrap(),
            dec("1234567890123456789012345678")
        );
        assert!(
            parse_decimal(&format!("0.{zeros}1"))
                .unwrap_err()
                .contains("28 decimal")
        );
        assert!(
            parse_decimal("99999999999999999999999999999.0")
                .unwrap_err()
                .contains("too large")
        );
    }

    /// Each size error names its cause: "is too large" for too many significant digits
    /// (the integer part, or the digits in all), "more than 28 decimal places" only when the
    /// fraction itself is too long. A 29-digit integer used to be "not a decimal number".
    #[test]
    fn size_errors_say_which_limit_a_number_passes() {
        for (text, error) in [
            ("99999999999999999999999999999", "is too large"),
            ("-99999999999999999999999999999", "is too large"),
            ("123456789012345678901234567890", "is too large"),
            ("9999999999999999999999999999.9", "is too large"),
            ("-79228162514264337593543950336", "is too large"),
            (
                "0.00000000000000000000000000001",
                "has more than 28 decimal places",
            ),
            (
                "-1.00000000000000000000000000001",
                "has more than 28 decimal places",
            ),
            ("1.2.3", "is not a decimal number"),
            (".", "is not a decimal number"),
            ("-", "is not a decimal number"),
            ("+.", "is not a decimal number"),
        ] {
            let message = parse_decimal(text).unwrap_err();
            assert!(message.starts_with(error), "{text}: {message}");
        }
        // The largest values that fit are read exactly, whatever their sign.
        for text in [
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "12345678901234567890123456789",
            "7.9228162514264337593543950335",
        ] {
            assert_eq!(parse_decimal(text).unwrap(), dec(text), "{text}");
        }
    }

    /// Past the fast path's 19 digits the sign is still read: `-` negative, `+` positive.
    #[test]
    fn long_numbers_keep_their_sign() {
        assert_eq!(
            parse_decimal("-12345678901234567890.5").unwrap(),
            dec("-12345678901234567890.5")
        );
        assert_eq!(
            parse_decimal("+12345678901234567890.5").unwrap(),
            dec("12345678901234567890.5")
        );
        assert!(
            parse_decimal("-12345678901234567890.5")
                .unwrap()
                .is_sign_negative()
        );
    }

    #[test]
    fn digit_group_separators_are_named() {
        for text in ["1 000", "1'000", "1_000", "1 000.50"] {
            let message = parse_decimal(text).unwrap_err();
            assert!(
                message.contains("(remove the digit-group separator)"),
                "{text}: {message}"
            );
        }
        assert!(
            parse_decimal("1e5")
                .unwrap_err()
                .contains("exponent notation")
        );
    }

    /// Edges the mutation tests found unpinned (scripts/mutants.sh): each value is written out
    /// by hand, not computed by the parser under test.
    #[test]
    fn edges_of_the_fast_path_and_of_trailing_zeros() {
        // ':' is the byte after '9': not a digit, on the fast path or after it.
        assert_eq!(plain_decimal(b"1:"), None);
        assert_eq!(plain_decimal(b"9:"), None);
        assert_eq!(parse_decimal("1:").unwrap_err(), "is not a decimal number");
        // 27 significant places then zeros to 40 places: kept at 28 places, the most tally
        // can hold of the scale as written.
        let text = format!("1.{}{}", "1".repeat(27), "0".repeat(13));
        let value = parse_decimal(&text).unwrap();
        assert_eq!(
            (value, value.scale()),
            (dec("1.1111111111111111111111111110"), 28)
        );
        // 38 significant places are never cut to 28: an error, not a rounding.
        let text = format!("0.{}00", "1".repeat(38));
        assert!(
            parse_decimal(&text)
                .unwrap_err()
                .starts_with("has more than 28 decimal places"),
            "{text}"
        );
        // Too many digits in all (20 + 20), none of them past 28 places: too large.
        assert!(
            parse_decimal("12345678901234567890.12345678901234567890")
                .unwrap_err()
                .starts_with("is too large")
        );
        // Exactly 28 places, but 29 digits above the largest mantissa: too large, not "more
        // than 28 decimal places".
        assert!(
            parse_decimal("9.9999999999999999999999999999")
                .unwrap_err()
                .starts_with("is too large")
        );
    }

    #[test]
    fn focus_exponent_edges_keep_value_and_scale() {
        // 38 digits: read whole, then reduced to 28 places (1 at scale 28).
        let text = format!("1{}e-37", "0".repeat(37));
        let value = parse_focus_decimal(&text).unwrap();
        assert_eq!(
            (value, value.scale()),
            (dec("1.0000000000000000000000000000"), 28)
        );
        // At 28 places a trailing zero is kept: 10e-28 has scale 28.
        let value = parse_focus_decimal("10e-28").unwrap();
        assert_eq!(
            (value, value.scale()),
            (dec("0.0000000000000000000000000010"), 28)
        );
        // 40 significant digits: too large, whatever the exponent.
        assert!(
            parse_focus_decimal("1234567890123456789012345678901234567891e0")
                .unwrap_err()
                .starts_with("is too large")
        );
        // A six-digit exponent is read: 10^-100000 × 10^100000 = 1.
        let text = format!("0.{}1e100000", "0".repeat(99_999));
        assert_eq!(parse_focus_decimal(&text).unwrap(), dec("1"));
    }

    #[test]
    fn focus_numbers_with_exponents_are_exact() {
        let cases = [
            ("35.2E-7", "0.00000352"),
            ("1e3", "1000"),
            ("-4.5e-2", "-0.045"),
            ("1.50E2", "150"),
            ("+2E+0", "2"),
            ("0.0e-5", "0"),
            ("0e999999", "0"),
            ("12.50", "12.50"),
            ("7E-28", "0.0000000000000000000000000007"),
            ("100000000000000000000000000000e-29", "1"),
            ("  3e1 ", "30"),
            // Trailing zeros beyond what tally holds carry no value.
            ("2.0000000000000000000000000000000000000000E0", "2"),
            ("2.0000000000000000000000000000000000000000", "2"),
            ("10000000000000000000000000000000000000000e-40", "1"),
            ("-0.00000000000000000000000000000000000000000", "0"),
        ];
        for (text, want) in cases {
            let got = parse_focus_decimal(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got, dec(want), "{text}");
        }
        // Scale follows the digits written: 1.50E2 has none left after the point.
        assert_eq!(parse_focus_decimal("1.50E2").unwrap().scale(), 0);
        assert_eq!(parse_focus_decimal("35.2E-7").unwrap().scale(), 8);
        assert!(
            parse_focus_decimal("1e-29")
                .unwrap_err()
                .contains("more than 28 decimal places")
        );
        assert!(
            parse_focus_decimal("1E+40")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            parse_focus_decimal("1e1234567")
                .unwrap_err()
                .contains("too large")
        );
        // Tiny, not large; and an exponent's leading zeros are no digits.
        assert!(
            parse_focus_decimal("1e-999999999999")
                .unwrap_err()
                .contains("more than 28 decimal places")
        );
        assert_eq!(
            parse_focus_decimal("1e0000000000000000001").unwrap(),
            dec("10")
        );
        assert_eq!(
            parse_focus_decimal("1e-0000000000000000000000001").unwrap(),
            dec("0.1")
        );
        for bad in [
            "e5", "1e", "1.2.3e1", "--1e1", "1e+-1", "1,5e3", "0x1e3", "1e2.5",
        ] {
            assert!(
                parse_focus_decimal(bad)
                    .unwrap_err()
                    .contains("is not a decimal number"),
                "{bad}"
            );
        }
        // The console's strict parser still refuses exponents.
        assert!(parse_decimal("1e3").unwrap_err().contains("exponent"));
    }
}

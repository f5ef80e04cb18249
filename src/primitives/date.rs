//! Strict UTC day and instant parsers for the text of one field, and `--date-format`. They
//! never guess: a value that could be read two ways is an error that says why. Ground floor:
//! imports nothing of tally.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A UTC calendar day: the same type as `model::Day`, named here so that this module needs
/// nothing of tally.
type Day = NaiveDate;

/// The UTC instant of a date or timestamp, in the forms `parse_day` reads (a date alone is its
/// 00:00): for the charge periods that `--spread-charges` spreads.
pub fn parse_instant(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim_ascii();
    let expected = "is not a date; expected YYYY-MM-DD or an ISO 8601 timestamp";
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|day| day.and_time(chrono::NaiveTime::MIN))
            .map_err(|_| expected.to_string());
    }
    if let Some(zoned) = zoned_time(text) {
        return Ok(zoned.with_timezone(&Utc).naive_utc());
    }
    let text = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    zoneless_time(text).ok_or_else(|| expected.to_string())
}

/// A timestamp without an offset, `YYYY-MM-DD[T ]hh:mm[:ss[.f]]`, which tally reads as UTC.
fn zoneless_time(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .into_iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// A timestamp with an offset: RFC 3339 (`T` or a space), or ISO 8601's `+hhmm` / `+hh`
/// offsets that providers also write.
fn zoned_time(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
        return Some(zoned);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(zoned) = DateTime::parse_from_str(text, format) {
            return Some(zoned);
        }
    }
    // `+hh` alone: chrono's %z wants minutes too.
    let bytes = text.as_bytes();
    if bytes.len() > 3
        && matches!(bytes[bytes.len() - 3], b'+' | b'-')
        && bytes[bytes.len() - 2..].iter().all(u8::is_ascii_digit)
    {
        return zoned_time(&format!("{text}:00"));
    }
    None
}

/// Parses the UTC day of a date or timestamp: `YYYY-MM-DD`, an RFC 3339 time with `Z` or an
/// offset (converted to UTC first), or a zone-less `YYYY-MM-DD[T ]hh:mm[:ss[.f]]`, which is
/// read as UTC (FOCUS says its timestamps are UTC; the console exports UTC days).
pub fn parse_day(text: &str) -> Result<Day, String> {
    let text = text.trim_ascii();
    if let Some(day) = utc_day_fast(text.as_bytes()) {
        return day.ok_or_else(|| "is not a valid date (no such day)".to_string());
    }
    let expected = "is not a date; expected YYYY-MM-DD or an RFC 3339 timestamp; if a \
                    spreadsheet rewrote the dates, pass --date-format, e.g. --date-format %m/%d/%Y";
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
    if let Some(zoned) = zoned_time(text) {
        return Ok(zoned.with_timezone(&Utc).date_naive());
    }
    if let Some(naive) = zoneless_time(text) {
        return Ok(naive.date());
    }
    // A well-formed shape with impossible values deserves the sharper message. The shape is
    // checked on bytes first: only then are the first ten bytes ASCII, so that slicing the text
    // there cannot cut a character (`２０２６-10-01` has a full-width digit across byte 10).
    let head = &text.as_bytes()[..10];
    let date_shaped = head.iter().enumerate().all(|(i, b)| {
        if i == 4 || i == 7 {
            *b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    if date_shaped
        && text
            .get(..10)
            .is_some_and(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err())
    {
        return Err("is not a valid date (no such day)".to_string());
    }
    Err(expected.to_string())
}

/// `--date-format`: a chrono strftime format the date column is read with instead of
/// YYYY-MM-DD / RFC 3339, for files a spreadsheet rewrote (`%m/%d/%Y`, `%d.%m.%Y`). Never
/// guessed: a value that does not match it is a bad row. The format is parsed once.
#[derive(Debug, Clone)]
pub struct DateFormat {
    text: String,
    items: Vec<chrono::format::Item<'static>>,
}

impl DateFormat {
    /// Checks the format: it must be valid strftime and name a whole day (year, month and
    /// day, or an equivalent); the error follows `--date-format "FMT": `.
    pub fn new(text: &str) -> Result<DateFormat, String> {
        use std::fmt::Write;
        let items = chrono::format::StrftimeItems::new(text)
            .parse_to_owned()
            .map_err(|_| "is not a valid strftime format (see chrono's strftime)".to_string())?;
        let format = DateFormat {
            text: text.to_string(),
            items,
        };
        // A round trip of a known time proves the format holds a whole day.
        let probe =
            DateTime::parse_from_rfc3339("2026-10-31T12:34:56Z").map_err(|e| e.to_string())?;
        let mut written = String::new();
        let round_trip = write!(written, "{}", probe.format_with_items(format.items.iter()))
            .ok()
            .and_then(|()| format.parse_day(&written).ok());
        if round_trip != Some(probe.date_naive()) {
            return Err(
                "does not name a whole day (year, month and day), e.g. %m/%d/%Y".to_string(),
            );
        }
        Ok(format)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The UTC day of `text` read with this format: with an offset (`%z`) the time is
    /// converted to UTC first; without one it is UTC already.
    pub fn parse_day(&self, text: &str) -> Result<Day, String> {
        let text = text.trim_ascii();
        let mismatch = || format!("does not match --date-format \"{}\"", self.text);
        let mut parsed = chrono::format::Parsed::new();
        // A field out of its range (month 20 of `2026-10-31` read as %m) is a mismatch too;
        // "no such day" is for whole dates that do not exist (02/30/2026).
        chrono::format::parse(&mut parsed, text, self.items.iter()).map_err(|_| mismatch())?;
        let day = if parsed.offset().is_some() {
            parsed
                .to_datetime()
                .map(|time| time.with_timezone(&Utc).date_naive())
        } else {
            parsed.to_naive_date()
        };
        day.map_err(|e| {
            if matches!(
                e.kind(),
                chrono::format::ParseErrorKind::OutOfRange
                    | chrono::format::ParseErrorKind::Impossible
            ) {
                format!(
                    "is not a valid date (no such day) in --date-format \"{}\"",
                    self.text
                )
            } else {
                mismatch()
            }
        })
    }
}

impl DateFormat {
    /// The UTC instant of `text` read with this format (00:00 when it has no time).
    pub fn parse_instant(&self, text: &str) -> Result<NaiveDateTime, String> {
        let mut parsed = chrono::format::Parsed::new();
        chrono::format::parse(&mut parsed, text.trim_ascii(), self.items.iter())
            .map_err(|_| format!("does not match --date-format \"{}\"", self.text))?;
        if parsed.offset().is_some()
            && let Ok(time) = parsed.to_datetime()
        {
            return Ok(time.with_timezone(&Utc).naive_utc());
        }
        parsed
            .to_naive_datetime_with_offset(0)
            .or_else(|_| {
                parsed
                    .to_naive_date()
                    .map(|day| day.and_time(chrono::NaiveTime::MIN))
            })
            .map_err(|_| format!("is not a valid date in --date-format \"{}\"", self.text))
    }
}

/// Reads an instant with `--date-format` when one was given, else as [`parse_instant`] does.
pub fn parse_instant_as(text: &str, format: Option<&DateFormat>) -> Result<NaiveDateTime, String> {
    match format {
        None => parse_instant(text),
        Some(format) => format.parse_instant(text),
    }
}

/// Reads a day with `--date-format` when one was given, else as [`parse_day`] does.
pub fn parse_day_as(text: &str, format: Option<&DateFormat>) -> Result<Day, String> {
    match format {
        None => parse_day(text),
        Some(format) => format.parse_day(text),
    }
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

    /// The fast path for UTC timestamps accepts only what it can read whole: each malformed
    /// part is refused (by the general parser then), and short texts after the date never
    /// index past their end.
    #[test]
    fn the_fast_timestamp_path_refuses_malformed_stamps() {
        for text in [
            "2026-10x03",
            "2026x10-03",
            "2026-1a-03",
            "2026-10-03Z",
            "2026-10-03T",
            "2026-10-03T1",
            "2026-10-03T10",
            "2026-10-03T10:0",
            "2026-10-03T10-00",
            "2026-10-03X10:00",
            "2026-10-03T24:00:00Z",
            "2026-10-03T10:60:00Z",
            "2026-10-03T10:75:00Z",
            "2026-10-03T10:00:61Z",
            "2026-10-03T10:00:6xZ",
            "2026-10-03T10:00:00.Z",
            "2026-10-03T10:00:00.",
            "2026-10-03T10:00:00.1x",
            "2026-10-03T10:00:00x",
            "2026-10-03T10:00:00ZZ",
        ] {
            assert_eq!(utc_day_fast(text.as_bytes()), None, "{text}");
            assert!(parse_day(text).is_err(), "{text}");
        }
        let day = Some(Some(NaiveDate::from_str("2026-10-03").unwrap()));
        for text in [
            "2026-10-03",
            "2026-10-03T23:59",
            "2026-10-03 00:00:00",
            "2026-10-03T10:00:60Z",
            "2026-10-03t10:00:00z",
            "2026-10-03T10:00:00.5",
            "2026-10-03T10:00:00.123456789Z",
        ] {
            assert_eq!(utc_day_fast(text.as_bytes()), day, "{text}");
        }
        assert_eq!(utc_day_fast(b"2026-02-30T00:00"), Some(None));
    }

    /// A timestamp with an offset takes the general parser: an impossible day there is also
    /// "no such day", not "not a date".
    #[test]
    fn the_general_path_names_impossible_days() {
        for text in ["2026-02-30T00:00:00+01:00", "2026-04-31 12:00:00-0500"] {
            assert_eq!(utc_day_fast(text.as_bytes()), None, "{text}");
            let message = parse_day(text).unwrap_err();
            assert!(message.contains("no such day"), "{text}: {message}");
        }
    }

    #[test]
    fn instants_for_charge_periods() {
        let midnight =
            NaiveDateTime::parse_from_str("2026-10-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        for text in [
            "2026-10-01",
            "2026-10-01T00:00:00Z",
            "2026-10-01T00:00:00.0000000Z",
            "2026-10-01 02:00:00+02:00",
            "2026-09-30T17:00:00-0700",
            "2026-09-30T17:00:00-07",
        ] {
            assert_eq!(parse_instant(text).unwrap(), midnight, "{text}");
        }
        assert!(parse_instant("10/1/2026").is_err());
        assert!(parse_instant("2026-10-01T25:00:00Z").is_err());
    }

    #[test]
    fn days_from_dates_and_timestamps() {
        // (text, its UTC day)
        for (text, day) in [
            ("2026-10-03", "2026-10-03"),
            ("2024-09-18 22:00:00", "2024-09-18"),
            ("2026-10-31T23:30:00-05:00", "2026-11-01"),
            ("2026-11-01T00:30:00+01:00", "2026-10-31"),
            ("2026-10-03T00:00:00Z", "2026-10-03"),
            ("2024-09-18T22:00Z", "2024-09-18"),
            ("2024-09-18 22:00:00.123", "2024-09-18"),
            // ISO 8601 offsets without a colon, or hours only, and a space before an offset.
            ("2026-10-31T23:30:00-0500", "2026-11-01"),
            ("2026-10-31T23:30:00-05", "2026-11-01"),
            ("2026-11-01 00:30:00+01:00", "2026-10-31"),
            ("2026-10-03T00:00:00.0000000Z", "2026-10-03"),
        ] {
            assert_eq!(
                parse_day(text).unwrap(),
                NaiveDate::from_str(day).unwrap(),
                "{text}"
            );
        }
        // (text, a part of its error)
        for (text, error) in [
            ("2026-02-30", "no such day"),
            ("2026-02-30T00:00:00Z", "no such day"),
            ("2026-13-01", "no such day"),
            ("03/10/2026", "expected YYYY-MM-DD"),
            ("4/1/25", "pass --date-format, e.g. --date-format %m/%d/%Y"),
            ("", "expected YYYY-MM-DD"),
            ("2024-09-18 25:00:00", "expected YYYY-MM-DD"),
            ("2024-09-18 22:00:00 junk", "expected YYYY-MM-DD"),
        ] {
            let message = parse_day(text).unwrap_err();
            assert!(message.contains(error), "{text}: {message}");
        }
        assert!(
            parse_day("4/1/25")
                .unwrap_err()
                .ends_with("pass --date-format, e.g. --date-format %m/%d/%Y")
        );
        // A multi-byte character across byte 10 is a bad date, never a panic.
        for text in [
            "２０２６-10-01",
            "２０２６-10-01T00:00:00Z",
            "2026-10-0１T00:00:00Z",
            "2026-10-01ｚ00:00:00",
        ] {
            assert!(
                parse_day(text).unwrap_err().contains("expected YYYY-MM-DD"),
                "{text}"
            );
            assert!(parse_instant(text).is_err(), "{text}");
        }
    }

    /// Instants with `--date-format` (charge periods of files a spreadsheet rewrote), and the
    /// `+hh` offset on a timestamp without seconds. Expected instants written out by hand.
    #[test]
    fn instants_with_a_date_format_and_short_offsets() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let us = DateFormat::new("%m/%d/%Y").unwrap();
        assert_eq!(us.as_str(), "%m/%d/%Y");
        assert_eq!(
            us.parse_instant(" 10/31/2026 ").unwrap(),
            at("2026-10-31 00:00")
        );
        assert_eq!(
            parse_instant_as("10/31/2026", Some(&us)).unwrap(),
            at("2026-10-31 00:00")
        );
        assert_eq!(
            parse_day_as("10/31/2026", Some(&us)).unwrap(),
            NaiveDate::from_str("2026-10-31").unwrap()
        );
        assert_eq!(
            parse_instant_as("2026-10-31T23:30:00Z", None).unwrap(),
            at("2026-10-31 23:30")
        );
        assert_eq!(
            us.parse_instant("2026-10-31").unwrap_err(),
            "does not match --date-format \"%m/%d/%Y\""
        );
        assert_eq!(
            us.parse_instant("02/30/2026").unwrap_err(),
            "is not a valid date in --date-format \"%m/%d/%Y\""
        );
        let time = DateFormat::new("%m/%d/%Y %H:%M").unwrap();
        assert_eq!(
            time.parse_instant("10/31/2026 23:30").unwrap(),
            at("2026-10-31 23:30")
        );
        // With an offset the instant is converted to UTC: 23:30 at -05:00 is 04:30 next day.
        let zoned = DateFormat::new("%m/%d/%Y %H:%M %z").unwrap();
        assert_eq!(
            zoned.parse_instant("10/31/2026 23:30 -0500").unwrap(),
            at("2026-11-01 04:30")
        );
        // `+hh` / `-hh` after minutes only: 17:00 at -07 is midnight UTC the next day.
        assert_eq!(
            parse_day("2026-09-30T17:00-07").unwrap(),
            NaiveDate::from_str("2026-10-01").unwrap()
        );
        assert_eq!(
            parse_instant("2026-09-30T17:00-07").unwrap(),
            at("2026-10-01 00:00")
        );
        // Zone-less instants are UTC, with a `T` or a space, with or without seconds.
        for (text, want) in [
            ("2026-10-01 02:00:00", "2026-10-01 02:00"),
            ("2026-10-01T02:00:00.000", "2026-10-01 02:00"),
            ("2026-10-01T02:00", "2026-10-01 02:00"),
            ("2026-10-01 23:59", "2026-10-01 23:59"),
            ("2026-10-01T02:00:00z", "2026-10-01 02:00"),
        ] {
            assert_eq!(parse_instant(text).unwrap(), at(want), "{text}");
        }
        // A one-digit hour is no shape the fast path reads; chrono's zone-less formats do.
        assert_eq!(
            parse_day("2026-10-03 9:00:00").unwrap(),
            NaiveDate::from_str("2026-10-03").unwrap()
        );
        // A 16-byte stamp of an impossible day is "no such day" on the general path too.
        assert!(
            parse_day("2026-02-30 1:00Z")
                .unwrap_err()
                .contains("no such day")
        );
    }

    #[test]
    fn days_with_a_date_format() {
        let d = |s: &str| NaiveDate::from_str(s).unwrap();
        let us = DateFormat::new("%m/%d/%Y").unwrap();
        assert_eq!(us.parse_day(" 10/31/2026 ").unwrap(), d("2026-10-31"));
        assert_eq!(us.parse_day("4/1/2025").unwrap(), d("2025-04-01"));
        assert_eq!(
            us.parse_day("2026-10-31").unwrap_err(),
            "does not match --date-format \"%m/%d/%Y\""
        );
        assert!(
            us.parse_day("02/30/2026")
                .unwrap_err()
                .contains("no such day")
        );
        let short = DateFormat::new("%m/%d/%y").unwrap();
        assert_eq!(short.parse_day("4/1/25").unwrap(), d("2025-04-01"));
        let german = DateFormat::new("%d.%m.%Y").unwrap();
        assert_eq!(german.parse_day("31.10.2026").unwrap(), d("2026-10-31"));
        // Date and time: zone-less is UTC; an offset is converted to UTC.
        let time = DateFormat::new("%m/%d/%Y %H:%M").unwrap();
        assert_eq!(time.parse_day("10/31/2026 23:30").unwrap(), d("2026-10-31"));
        let zoned = DateFormat::new("%m/%d/%Y %H:%M %z").unwrap();
        assert_eq!(
            zoned.parse_day("10/31/2026 23:30 -0500").unwrap(),
            d("2026-11-01")
        );
        assert_eq!(
            zoned.parse_day("11/01/2026 00:30 +0100").unwrap(),
            d("2026-10-31")
        );
        assert!(DateFormat::new("%m/%Y").unwrap_err().contains("whole day"));
        assert!(DateFormat::new("%H:%M").unwrap_err().contains("whole day"));
        assert!(DateFormat::new("%Q").unwrap_err().contains("strftime"));
        assert_eq!(parse_day_as("2026-10-31", None).unwrap(), d("2026-10-31"));
    }
}

//! Token-usage records (JSON Lines, a JSON array, or one JSON object): validates each record,
//! maps its `usage` to the assistants SKUs, prices it with the rate card and adds it to a
//! `Tally` under the same group keys as CSV rows, with `source = estimated`. Does not read
//! files (it gets the text) and knows nothing of reports.

use super::tally::{KEY_SEPARATOR, Reject, Tally, day_bytes};
use crate::config::ScanPlan;
use crate::error::{Location, RowError};
use crate::model::{Day, KeyKind, Source};
use crate::rates::cost_of;
use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Which assistant endpoint a record's usage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Context,
    Evaluation,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat",
            Endpoint::Context => "context",
            Endpoint::Evaluation => "evaluation",
        }
    }

    /// The invoice SKUs of (prompt tokens, completion tokens); context bills no completion.
    pub fn skus(self) -> (&'static str, Option<&'static str>) {
        match self {
            Endpoint::Chat => ("Assistants Input Tokens", Some("Assistants Output Tokens")),
            Endpoint::Context => ("Assistants Context Tokens Processed", None),
            Endpoint::Evaluation => (
                "Assistants Evaluation Tokens Processed",
                Some("Assistants Evaluation Tokens Out"),
            ),
        }
    }
}

/// One validated record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub day: Day,
    pub project: String,
    pub assistant: String,
    pub model: String,
    pub endpoint: Endpoint,
    pub id: Option<String>,
    /// (SKU, tokens): one or two lines.
    pub lines: Vec<(&'static str, u64)>,
}

/// Response ids already counted in this run, and where.
pub type SeenIds = HashMap<String, Location>;

/// Reads every record of `text` into `tally`. Returns the detected kind for the manifest.
pub fn scan_tokens(
    text: &str,
    source: &str,
    plan: &ScanPlan,
    seen: &mut SeenIds,
    tally: &mut Tally,
) -> Result<&'static str> {
    let (values, kind, broken) = split_records(text, source)?;
    // A JSON Lines record that is not JSON: a bad row like any other.
    for (line, record, reason) in broken {
        let error = RowError {
            location: Location {
                source: source.to_string(),
                row_group: None,
                line,
            },
            column: None,
            value: None,
            reason,
        };
        if !plan.skip_bad_rows {
            return Err(anyhow!(error));
        }
        tally.rows_read += 1;
        tally.rejects.push(Reject {
            error,
            record,
            cost: None,
        });
    }
    let mut duplicates: Vec<(u64, String, Location)> = Vec::new();
    for (line, value) in values {
        tally.rows_read += 1;
        let location = Location {
            source: source.to_string(),
            row_group: None,
            line,
        };
        let outcome = TokenRecord::from_value(&value, plan.tz)
            .and_then(|record| add_record(&record, &location, plan, seen, tally));
        match outcome {
            Ok(None) => {}
            Ok(Some((id, first))) => duplicates.push((line, id, first)),
            Err(reason) => {
                let error = RowError {
                    location,
                    column: None,
                    value: None,
                    reason,
                };
                if plan.skip_bad_rows {
                    tally.rejects.push(Reject {
                        error,
                        record: value.to_string(),
                        cost: None,
                    });
                } else {
                    return Err(anyhow!(error));
                }
            }
        }
    }
    if let Some((line, id, first)) = duplicates.first() {
        tally.warnings.push(format!(
            "{source}: {} record(s) repeat a response id already counted (first: line {line}, \
             id \"{id}\", counted at {first}); each id is counted once",
            duplicates.len()
        ));
    }
    if tally.overflow {
        bail!("{source}: {}", crate::model::Overflow);
    }
    Ok(kind)
}

/// A JSON Lines record that is not valid JSON: its line, its text and what is wrong.
type Broken = (u64, String, String);

/// Splits the text into (line where the record starts, record). A JSON array gives its
/// elements; otherwise every top-level value (one object, or one per line) is a record. In
/// JSON Lines a line that is not valid JSON is returned as broken and reading goes on at the
/// next line; in an array it stops the run (its end cannot be known).
#[allow(clippy::type_complexity)]
pub(crate) fn split_records(
    text: &str,
    source: &str,
) -> Result<(Vec<(u64, Value)>, &'static str, Vec<Broken>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    };
    let mut line = 1u64;
    let mut counted = 0usize;
    let mut line_at = |at: usize| {
        line += bytes[counted..at].iter().filter(|b| **b == b'\n').count() as u64;
        counted = at;
        line
    };
    let mut at = skip_space(0);
    let array = bytes.get(at) == Some(&b'[');
    if array {
        at = skip_space(at + 1);
    }
    let mut records = Vec::new();
    let mut broken = Vec::new();
    loop {
        if at >= bytes.len() {
            if array {
                bail!(
                    "{source}:{}: the JSON array is not closed with ]",
                    line_at(at)
                );
            }
            break;
        }
        if array && bytes[at] == b']' {
            let end = skip_space(at + 1);
            if end < bytes.len() {
                bail!(
                    "{source}:{}: unexpected text after the JSON array",
                    line_at(end)
                );
            }
            break;
        }
        let start_line = line_at(at);
        let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        let value = match stream.next() {
            Some(Ok(value)) => value,
            Some(Err(error)) => {
                // serde_json counts lines from the record's start; report file lines.
                let message = error.to_string();
                let message = message
                    .rfind(" at line ")
                    .map_or(message.as_str(), |end| &message[..end]);
                let reason = format!(
                    "the record is not valid JSON: {message} (line {}, column {})",
                    start_line + error.line() as u64 - 1,
                    error.column()
                );
                if array {
                    bail!("{source}:{start_line}: {reason}");
                }
                // JSON Lines: the broken line is one bad record; the next line is the next.
                let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                broken.push((start_line, text[at..end].trim_end().to_string(), reason));
                at = skip_space(end);
                continue;
            }
            None => break,
        };
        at = skip_space(at + stream.byte_offset());
        records.push((start_line, value));
        if array {
            match bytes.get(at) {
                Some(b',') => at = skip_space(at + 1),
                Some(b']') => {}
                _ => bail!(
                    "{source}:{}: expected , or ] after an element of the JSON array",
                    line_at(at)
                ),
            }
        }
    }
    let kind = match (array, records.len() + broken.len()) {
        (true, _) => "token-records (json array)",
        (false, 1) => "token-records (json)",
        (false, _) => "token-records (json lines)",
    };
    Ok((records, kind, broken))
}

impl TokenRecord {
    /// Validates one record; the error is the reason, to follow `file:line:`.
    pub fn from_value(value: &Value, tz: Tz) -> Result<TokenRecord, String> {
        let record = value
            .as_object()
            .ok_or("is not a JSON object; expected a token-usage record {\"timestamp\": …}")?;
        let response = match record.get("response") {
            None | Some(Value::Null) => None,
            Some(Value::Object(response)) => Some(response),
            Some(_) => return Err("\"response\" is not a JSON object".to_string()),
        };
        let usage = response
            .and_then(|r| r.get("usage"))
            .or_else(|| record.get("usage"))
            .ok_or("has no usage object (expected response.usage or usage)")?
            .as_object()
            .ok_or("\"usage\" is not a JSON object")?;
        let prompt = count(usage, "prompt_tokens")?;
        let completion = count(usage, "completion_tokens")?;
        let total = count(usage, "total_tokens")?;
        if prompt.checked_add(completion) != Some(total) {
            return Err(format!(
                "total_tokens {total} is not prompt_tokens {prompt} + completion_tokens \
                 {completion} = {}; the usage block is inconsistent",
                u128::from(prompt) + u128::from(completion)
            ));
        }
        let shape = response.unwrap_or(record);
        let endpoint = match record.get("endpoint") {
            Some(Value::String(name)) => match name.trim() {
                "chat" => Endpoint::Chat,
                "context" => Endpoint::Context,
                "evaluation" => Endpoint::Evaluation,
                other => {
                    return Err(format!(
                        "endpoint \"{other}\" is unknown; expected chat, context or evaluation"
                    ));
                }
            },
            None | Some(Value::Null) => infer_endpoint(shape).ok_or(
                "the endpoint is unknown: no \"endpoint\" field, and the response has none of \
                 message/finish_reason (chat), snippets (context) or metrics (evaluation)",
            )?,
            Some(other) => return Err(format!("endpoint {other} is not a string")),
        };
        if endpoint == Endpoint::Context && completion > 0 {
            return Err(format!(
                "a context record has completion_tokens {completion}; context retrieval bills \
                 no completion tokens (expected 0)"
            ));
        }
        let day = match record.get("timestamp") {
            Some(Value::String(text)) => utc_day(text, tz)?,
            None | Some(Value::Null) if response.is_none() => {
                return Err(
                    "has no timestamp: an API response must be logged inside a record \
                            such as {\"timestamp\": \"2026-10-03T14:22:05Z\", \"response\": …}"
                        .to_string(),
                );
            }
            None | Some(Value::Null) => {
                return Err("has no timestamp (RFC 3339, e.g. 2026-10-03T14:22:05Z)".to_string());
            }
            Some(other) => return Err(format!("timestamp {other} is not a string")),
        };
        let text_of = |map: Option<&Map<String, Value>>, key: &str| -> Result<String, String> {
            match map.and_then(|m| m.get(key)) {
                None | Some(Value::Null) => Ok(String::new()),
                // Control characters have no place in a name, and U+001F separates the
                // values of a group key.
                Some(Value::String(text)) if text.chars().any(char::is_control) => Err(format!(
                    "{key} {} contains a control character",
                    Value::String(text.clone())
                )),
                Some(Value::String(text)) => Ok(text.trim().to_string()),
                Some(other) => Err(format!("{key} {other} is not a string")),
            }
        };
        let mut model = text_of(Some(record), "model")?;
        if model.is_empty() {
            model = text_of(response, "model")?;
        }
        let mut id = text_of(response, "id")?;
        if id.is_empty() {
            id = text_of(Some(record), "id")?;
        }
        let (prompt_sku, completion_sku) = endpoint.skus();
        let mut lines = vec![(prompt_sku, prompt)];
        if let Some(sku) = completion_sku {
            lines.push((sku, completion));
        }
        Ok(TokenRecord {
            day,
            project: text_of(Some(record), "project")?,
            assistant: text_of(Some(record), "assistant")?,
            model,
            endpoint,
            id: (!id.is_empty()).then_some(id),
            lines,
        })
    }
}

fn infer_endpoint(shape: &Map<String, Value>) -> Option<Endpoint> {
    if shape.contains_key("message") || shape.contains_key("finish_reason") {
        Some(Endpoint::Chat)
    } else if shape.contains_key("snippets") {
        Some(Endpoint::Context)
    } else if shape.contains_key("metrics") {
        Some(Endpoint::Evaluation)
    } else {
        None
    }
}

/// A token count: a JSON integer ≥ 0, read without passing through a float.
fn count(usage: &Map<String, Value>, key: &str) -> Result<u64, String> {
    match usage.get(key) {
        Some(Value::Number(number)) => {
            if let Some(n) = number.as_u64() {
                Ok(n)
            } else if number.is_i64() {
                Err(format!(
                    "usage.{key} {number} is negative; token counts are ≥ 0"
                ))
            } else {
                // serde_json holds any other number as a float: used here only to say what
                // is wrong with it, never as a count.
                let float = number.as_f64().unwrap_or(f64::NAN);
                if float.fract() == 0.0 && float >= 1.8e19 {
                    Err(format!(
                        "usage.{key} is too large for a token count (at most {})",
                        u64::MAX
                    ))
                } else if float < 0.0 {
                    Err(format!(
                        "usage.{key} {number} is negative; token counts are ≥ 0"
                    ))
                } else {
                    Err(format!(
                        "usage.{key} {number} is not an integer; token counts are whole numbers written without a decimal point or exponent"
                    ))
                }
            }
        }
        None | Some(Value::Null) => Err(format!("usage.{key} is missing")),
        Some(other) => Err(format!(
            "usage.{key} {other} is not a number; expected an integer token count"
        )),
    }
}

/// The UTC day of a timestamp: RFC 3339 with `Z` or an offset, or a naive local time read in
/// `tz` (DST-aware; a time the clocks skipped is an error, and a repeated one is accepted only
/// when both readings fall on the same UTC day).
fn utc_day(text: &str, tz: Tz) -> Result<Day, String> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc).date_naive());
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .ok_or_else(|| {
        format!(
            "timestamp \"{text}\" is not an RFC 3339 time (e.g. 2026-10-03T14:22:05Z) or a \
                 local time YYYY-MM-DDTHH:MM:SS"
        )
    })?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(time) => Ok(time.with_timezone(&Utc).date_naive()),
        LocalResult::Ambiguous(early, late) => {
            let (a, b) = (
                early.with_timezone(&Utc).date_naive(),
                late.with_timezone(&Utc).date_naive(),
            );
            if a == b {
                Ok(a)
            } else {
                Err(format!(
                    "timestamp \"{text}\" happens twice in {tz} (clocks went back) and the two \
                     readings fall on different UTC days; write it with an offset"
                ))
            }
        }
        LocalResult::None => Err(format!(
            "timestamp \"{text}\" does not exist in {tz} (clocks skipped it); write it with an \
             offset"
        )),
    }
}

/// Prices one record and adds it under its group keys. Registers its id; a repeated id adds
/// nothing, counts as superseded, and returns the id and where it was first counted.
fn add_record(
    record: &TokenRecord,
    location: &Location,
    plan: &ScanPlan,
    seen: &mut SeenIds,
    tally: &mut Tally,
) -> Result<Option<(String, Location)>, String> {
    if let Some(id) = &record.id
        && let Some(first) = seen.get(id)
    {
        tally.superseded += 1;
        return Ok(Some((id.clone(), first.clone())));
    }
    let filters = &plan.filters;
    if plan.range.contains(record.day) && !filters.is_empty() {
        for &(sku, _) in &record.lines {
            // Token records have no tags.
            tally
                .probe
                .observe(filters, sku, [&record.project, ""], "assistants", |_| {
                    Ok::<_, String>(None)
                })?;
        }
    }
    let record_passes = plan.range.contains(record.day)
        && matches_any(&filters.projects, &record.project)
        && matches_any(&filters.services, "assistants")
        && filters.tags.is_empty();
    // Only the lines the report uses are priced: a record outside the range needs no rate
    // (the rate card may not cover it), but every line used must have one.
    let mut priced = Vec::with_capacity(record.lines.len());
    for &(sku, tokens) in &record.lines {
        if !(record_passes && matches_any(&filters.skus, sku)) {
            continue;
        }
        let (index, rate) = plan
            .rates
            .price_on(sku, record.day)
            .map_err(|e| e.to_string())?;
        let quantity = Decimal::from(tokens);
        let cost = cost_of(quantity, rate).map_err(|e| e.to_string())?;
        priced.push((sku, index, quantity, cost));
    }
    if let Some(id) = &record.id {
        seen.insert(id.clone(), location.clone());
    }
    let passes = !priced.is_empty();
    let mut key = Vec::with_capacity(128);
    for (sku, index, quantity, cost) in priced {
        tally.rates_used.insert(index);
        if quantity.is_zero() {
            continue;
        }
        write_key(&mut key, record, sku, plan);
        let sums = tally
            .groups
            .entry(key.clone().into_boxed_slice())
            .or_default();
        if sums.add(quantity, cost).is_err() {
            tally.overflow = true;
        }
    }
    let day_rows = tally.days.entry(record.day).or_default();
    day_rows.valid += 1;
    if passes {
        day_rows.passing += 1;
    }
    Ok(None)
}

fn matches_any(wanted: &[String], value: &str) -> bool {
    wanted.is_empty() || (!value.is_empty() && wanted.iter().any(|w| w.eq_ignore_ascii_case(value)))
}

/// The group key of one SKU line, in the layout of `row.rs`: day, each `--by` value, currency,
/// unit (when grouped by SKU), source.
fn write_key(key: &mut Vec<u8>, record: &TokenRecord, sku: &str, plan: &ScanPlan) {
    key.clear();
    key.extend_from_slice(&day_bytes(record.day));
    for kind in &plan.keys {
        let value = match kind {
            KeyKind::Sku => sku,
            KeyKind::Project => &record.project,
            KeyKind::Service => "assistants",
            KeyKind::Resource | KeyKind::Assistant => &record.assistant,
            KeyKind::Model => &record.model,
            KeyKind::Endpoint => record.endpoint.as_str(),
            KeyKind::Currency => &plan.rates.currency,
            KeyKind::Source => Source::Estimated.as_str(),
            KeyKind::Region | KeyKind::Tag(_) | KeyKind::Column(_) => "",
        };
        key.extend_from_slice(value.as_bytes());
        key.push(KEY_SEPARATOR);
    }
    key.extend_from_slice(plan.rates.currency.as_bytes());
    key.push(KEY_SEPARATOR);
    if plan.keys.contains(&KeyKind::Sku) {
        key.extend_from_slice(b"tokens");
    }
    key.push(KEY_SEPARATOR);
    key.extend_from_slice(Source::Estimated.as_str().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    fn parse(value: Value) -> Result<TokenRecord, String> {
        TokenRecord::from_value(&value, Tz::UTC)
    }

    #[test]
    fn tokens_chat_record_maps_to_input_and_output() {
        let record = parse(
            json!({"timestamp": "2026-10-03T14:22:05Z", "project": "support",
            "assistant": "faq", "response": {"finish_reason": "stop", "message": {}, "id": "x",
            "model": "gpt-4o", "usage": {"prompt_tokens": 23626, "completion_tokens": 21,
            "total_tokens": 23647}}}),
        )
        .unwrap();
        assert_eq!(record.day, day("2026-10-03"));
        assert_eq!(record.endpoint, Endpoint::Chat);
        assert_eq!(record.model, "gpt-4o");
        assert_eq!(record.id.as_deref(), Some("x"));
        assert_eq!(
            record.lines,
            vec![
                ("Assistants Input Tokens", 23626),
                ("Assistants Output Tokens", 21)
            ]
        );
    }

    #[test]
    fn tokens_counts_are_integers_read_without_floats() {
        let usage = |p: Value| {
            json!({"timestamp": "2026-10-03T00:00:00Z", "endpoint": "chat",
                   "usage": {"prompt_tokens": p, "completion_tokens": 0, "total_tokens": p}})
        };
        assert!(parse(usage(json!(-1))).unwrap_err().contains("negative"));
        assert!(
            parse(usage(json!(1.5)))
                .unwrap_err()
                .contains("is not an integer")
        );
        assert!(
            parse(usage(json!("12")))
                .unwrap_err()
                .contains("not a number")
        );
        let big = parse(usage(json!(9_007_199_254_740_993u64))).unwrap();
        assert_eq!(big.lines[0].1, 9_007_199_254_740_993);
    }

    #[test]
    fn tokens_offsets_and_naive_times_land_on_their_utc_day() {
        assert_eq!(
            utc_day("2026-10-31T23:30:00-05:00", Tz::UTC).unwrap(),
            day("2026-11-01")
        );
        let new_york = Tz::America__New_York;
        // EDT (UTC-4) before 2026-11-01 02:00, EST (UTC-5) after.
        assert_eq!(
            utc_day("2026-10-31T20:30:00", new_york).unwrap(),
            day("2026-11-01")
        );
        assert_eq!(
            utc_day("2026-10-31T19:30:00", new_york).unwrap(),
            day("2026-10-31")
        );
        assert_eq!(
            utc_day("2026-11-01T19:30:00", new_york).unwrap(),
            day("2026-11-02")
        );
        assert_eq!(
            utc_day("2026-11-01T18:30:00", new_york).unwrap(),
            day("2026-11-01")
        );
        // 01:30 happens twice on 2026-11-01, both readings on the same UTC day.
        assert_eq!(
            utc_day("2026-11-01T01:30:00", new_york).unwrap(),
            day("2026-11-01")
        );
        assert!(utc_day("2026-03-08T02:30:00", new_york).is_err());
        assert!(utc_day("yesterday", Tz::UTC).is_err());
    }

    #[test]
    fn tokens_records_start_lines_in_arrays_and_lines() {
        let (records, kind, _) =
            split_records("[\n {\"a\":1},\n\n {\"b\":\n 2}\n]\n", "f").unwrap();
        assert_eq!(kind, "token-records (json array)");
        assert_eq!(records.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4]);
        let (records, kind, _) = split_records("{\"a\":1}\n\n{\"b\":2}\n", "f").unwrap();
        assert_eq!(kind, "token-records (json lines)");
        assert_eq!(records.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 3]);
        // A broken JSON Lines record is returned with its line; reading goes on.
        let (records, _, broken) = split_records("{\"a\":1}\n{\"b\":\n{\"c\":3}\n", "f").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(broken[0].0, 2);
        assert!(
            broken[0].2.starts_with("the record is not valid JSON"),
            "{:?}",
            broken
        );
        // In an array the end of a broken element cannot be known: the run stops.
        let error = split_records("[{\"a\":1},\n{\"b\":]\n", "f")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("f:2"), "{error}");
    }
}

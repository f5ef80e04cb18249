//! Token-usage records (JSON Lines, a JSON array, or one JSON object): validates each record,
//! maps its `usage` to the assistants SKUs, prices it with the rate card and adds it to a
//! `Tally` under the same group keys as CSV rows, with `source = estimated`. Reads records one
//! at a time from a reader it is given, never a whole file, and knows nothing of reports.

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
use std::io::BufRead;

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

/// Reads every record of `reader` into `tally`, one record at a time. Returns the detected
/// kind for the manifest. Memory stays flat in the number of records, except for `seen`,
/// which holds every distinct response id of the run (to count a repeated one once).
pub fn scan_tokens<R: BufRead>(
    reader: R,
    source: &str,
    plan: &ScanPlan,
    seen: &mut SeenIds,
    tally: &mut Tally,
) -> Result<&'static str> {
    let mut records = Records::new(reader, source)?;
    let mut duplicates = 0usize;
    let mut first_duplicate: Option<(u64, String, Location)> = None;
    while let Some(item) = records.next_item()? {
        tally.rows_read += 1;
        let (line, value) = match item {
            Item::Record(line, value) => (line, value),
            // A JSON Lines record that is not JSON: a bad row like any other.
            Item::Broken((line, record, reason)) => {
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
                tally.rejects.push(Reject {
                    error,
                    record,
                    cost: None,
                });
                tally.rejects.fold_if_large();
                continue;
            }
        };
        let location = Location {
            source: source.to_string(),
            row_group: None,
            line,
        };
        let outcome = TokenRecord::from_value(&value, plan.tz)
            .and_then(|record| add_record(&record, &location, plan, seen, tally));
        match outcome {
            Ok(None) => {}
            Ok(Some((id, first))) => {
                duplicates += 1;
                first_duplicate.get_or_insert((line, id, first));
            }
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
                    tally.rejects.fold_if_large();
                } else {
                    return Err(anyhow!(error));
                }
            }
        }
    }
    if let Some((line, id, first)) = first_duplicate {
        tally.warnings.push(format!(
            "{source}: {duplicates} record(s) repeat a response id already counted (first: line {line}, \
             id \"{id}\", counted at {first}); each id is counted once"
        ));
    }
    if tally.overflow {
        bail!("{source}: {}", crate::model::Overflow);
    }
    Ok(records.kind())
}

/// The longest record read: a JSON Lines line, a record spanning lines, or an element of a JSON
/// array. Records are a few kilobytes; the bound keeps memory flat whatever the input holds.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// A JSON Lines record that is not valid JSON: its line, its text and what is wrong.
type Broken = (u64, String, String);

/// One item of a token-record input, in file order.
pub(crate) enum Item {
    /// A record that is JSON, with the line where it starts.
    Record(u64, Value),
    /// A JSON Lines record that is not JSON (reading goes on at the next line).
    Broken(Broken),
}

/// Reads the records of a token-record input one at a time from a reader, so memory stays flat
/// in the number of records. A JSON array gives its elements; otherwise every top-level value
/// (one object, or one per line) is a record. In JSON Lines a line that is not valid JSON is a
/// broken record and reading goes on at the next line; in an array it stops the run (its end
/// cannot be known).
pub(crate) struct Records<'s, R> {
    reader: R,
    source: &'s str,
    /// Lines of the reader consumed so far (the line of the next byte is `line + 1`).
    line: u64,
    array: bool,
    done: bool,
    /// Records and broken records seen, for the kind.
    count: usize,
    /// JSON Lines: text read but not yet parsed (after a broken record), and its first line.
    pending: Vec<u8>,
    pending_at: usize,
    pending_line: u64,
    /// JSON Lines: parsed items of the current group, not yet handed out.
    ready: std::collections::VecDeque<Item>,
    buffer: Vec<u8>,
}

impl<'s, R: BufRead> Records<'s, R> {
    pub(crate) fn new(mut reader: R, source: &'s str) -> Result<Self> {
        let read_error = |e: std::io::Error| anyhow!("{source}: cannot read: {e}");
        // A byte-order mark is not part of the records.
        let start = reader.fill_buf().map_err(read_error)?;
        if start.first() == Some(&0xEF) {
            for expected in [0xEF, 0xBB, 0xBF] {
                let byte = reader.fill_buf().map_err(read_error)?.first().copied();
                if byte != Some(expected) {
                    bail!("{source}:1: token-usage records are not valid UTF-8");
                }
                reader.consume(1);
            }
        }
        let mut records = Records {
            reader,
            source,
            line: 0,
            array: false,
            done: false,
            count: 0,
            pending: Vec::new(),
            pending_at: 0,
            pending_line: 0,
            ready: std::collections::VecDeque::new(),
            buffer: Vec::new(),
        };
        records.skip_space()?;
        if records.peek()? == Some(b'[') {
            records.array = true;
            records.reader.consume(1);
        }
        Ok(records)
    }

    /// The kind of input, for the manifest; final once `next` has returned `None`.
    pub(crate) fn kind(&self) -> &'static str {
        match (self.array, self.count) {
            (true, _) => "token-records (json array)",
            (false, 1) => "token-records (json)",
            (false, _) => "token-records (json lines)",
        }
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next_item(&mut self) -> Result<Option<Item>> {
        let item = if self.array {
            self.next_element()?
        } else {
            self.next_line_record()?
        };
        if item.is_some() {
            self.count += 1;
        }
        Ok(item)
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        let source = self.source;
        Ok(self
            .reader
            .fill_buf()
            .map_err(|e| anyhow!("{source}: cannot read: {e}"))?
            .first()
            .copied())
    }

    /// Consumes one byte already peeked.
    fn bump(&mut self, byte: u8) {
        if byte == b'\n' {
            self.line += 1;
        }
        self.reader.consume(1);
    }

    fn skip_space(&mut self) -> Result<()> {
        while let Some(byte) = self.peek()? {
            if !byte.is_ascii_whitespace() {
                break;
            }
            self.bump(byte);
        }
        Ok(())
    }

    fn too_long(&self, line: u64) -> anyhow::Error {
        anyhow!(
            "{}:{line}: the record is longer than {} MiB; token-usage records are expected to \
             be a few kilobytes each (is this a token-record file?)",
            self.source,
            MAX_RECORD_BYTES >> 20
        )
    }

    /// The next element of a JSON array: its bytes are found by tracking strings, escapes
    /// and nesting, then handed to serde_json.
    fn next_element(&mut self) -> Result<Option<Item>> {
        let source = self.source;
        if self.done {
            return Ok(None);
        }
        self.skip_space()?;
        match self.peek()? {
            None => bail!(
                "{source}:{}: the JSON array is not closed with ]",
                self.line + 1
            ),
            Some(b']') => {
                self.bump(b']');
                self.skip_space()?;
                if self.peek()?.is_some() {
                    bail!(
                        "{source}:{}: unexpected text after the JSON array",
                        self.line + 1
                    );
                }
                self.done = true;
                return Ok(None);
            }
            Some(_) => {}
        }
        let start_line = self.line + 1;
        let mut element = std::mem::take(&mut self.buffer);
        element.clear();
        let first = self.peek()?.unwrap_or(b' ');
        let mut nest = Nesting::default();
        while let Some(byte) = self.peek()? {
            let ends_before = !nest.in_string
                && nest.depth == 0
                && !element.is_empty()
                && !matches!(first, b'{' | b'[' | b'"')
                && (byte.is_ascii_whitespace() || b",]}[{\"".contains(&byte));
            if ends_before {
                break;
            }
            if element.len() >= MAX_RECORD_BYTES {
                return Err(self.too_long(start_line));
            }
            element.push(byte);
            self.bump(byte);
            nest.feed(byte);
            if nest.depth <= 0 && !nest.in_string && matches!(first, b'{' | b'[' | b'"') {
                break;
            }
        }
        if std::str::from_utf8(&element).is_err() {
            bail!("{source}:{start_line}: token-usage records are not valid UTF-8");
        }
        let value = match serde_json::from_slice::<Value>(&element) {
            Ok(value) => value,
            Err(error) => bail!("{source}:{start_line}: {}", invalid(&error, start_line)),
        };
        self.buffer = element;
        self.skip_space()?;
        match self.peek()? {
            Some(b',') => self.bump(b','),
            Some(b']') => {}
            _ => bail!(
                "{source}:{}: expected , or ] after an element of the JSON array",
                self.line + 1
            ),
        }
        Ok(Some(Item::Record(start_line, value)))
    }

    /// The next line of JSON Lines (with its `\n`) and its number: first what a broken record
    /// gave back, then the reader's. At most `MAX_RECORD_BYTES` long.
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<Option<u64>> {
        line.clear();
        if self.pending_at < self.pending.len() {
            let rest = &self.pending[self.pending_at..];
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            line.extend_from_slice(&rest[..end]);
            self.pending_at += end;
            self.pending_line += 1;
            return Ok(Some(self.pending_line));
        }
        let number = self.line + 1;
        let source = self.source;
        loop {
            let available = self
                .reader
                .fill_buf()
                .map_err(|e| anyhow!("{source}: cannot read: {e}"))?;
            if available.is_empty() {
                break;
            }
            let (take, complete) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if line.len() + take > MAX_RECORD_BYTES + 1 {
                return Err(self.too_long(number));
            }
            line.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if complete {
                break;
            }
        }
        if line.is_empty() {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some(number))
    }

    /// The next JSON Lines record. Lines are gathered until every value begun is closed
    /// (usually one line; a pretty-printed object spans several), then parsed.
    fn next_line_record(&mut self) -> Result<Option<Item>> {
        if let Some(item) = self.ready.pop_front() {
            return Ok(Some(item));
        }
        let mut group = std::mem::take(&mut self.buffer);
        group.clear();
        let mut line = Vec::new();
        let mut start_line = 0;
        let mut nest = Nesting::default();
        while let Some(number) = self.read_line(&mut line)? {
            if group.is_empty() && line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if std::str::from_utf8(&line).is_err() {
                bail!(
                    "{}:{number}: token-usage records are not valid UTF-8",
                    self.source
                );
            }
            if group.is_empty() {
                start_line = number;
            }
            group.extend_from_slice(&line);
            for &byte in &line {
                nest.feed(byte);
            }
            // A string cannot go on past the end of its line: parse, and let serde_json say.
            if nest.depth <= 0 || nest.in_string || group.len() > MAX_RECORD_BYTES {
                break;
            }
        }
        if group.is_empty() {
            self.buffer = group;
            return Ok(None);
        }
        self.parse_group(&group, start_line)?;
        self.buffer = group;
        Ok(self.ready.pop_front())
    }

    /// Parses the values of `group` (lines from `start_line`) into `ready`. At a value that
    /// is not JSON, the rest of its line is the broken record and the lines after it are
    /// read again.
    fn parse_group(&mut self, group: &[u8], start_line: u64) -> Result<()> {
        let skip_space = |mut at: usize| {
            while at < group.len() && group[at].is_ascii_whitespace() {
                at += 1;
            }
            at
        };
        let line_of =
            |at: usize| start_line + memchr::memchr_iter(b'\n', &group[..at]).count() as u64;
        let mut at = skip_space(0);
        while at < group.len() {
            let value_line = line_of(at);
            let mut stream =
                serde_json::Deserializer::from_slice(&group[at..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(value)) => self.ready.push_back(Item::Record(value_line, value)),
                Some(Err(error)) => {
                    if error.is_eof() && group.len() > MAX_RECORD_BYTES {
                        return Err(self.too_long(value_line));
                    }
                    let end = memchr::memchr(b'\n', &group[at..]).map_or(group.len(), |i| at + i);
                    let text = String::from_utf8_lossy(&group[at..end])
                        .trim_end()
                        .to_string();
                    self.ready.push_back(Item::Broken((
                        value_line,
                        text,
                        invalid(&error, value_line),
                    )));
                    // What follows the broken line is read again, line by line.
                    let rest = &group[(end + 1).min(group.len())..];
                    let mut pending = std::mem::take(&mut self.pending);
                    let unread = pending.split_off(self.pending_at.min(pending.len()));
                    pending.clear();
                    pending.extend_from_slice(rest);
                    pending.extend_from_slice(&unread);
                    self.pending = pending;
                    self.pending_at = 0;
                    self.pending_line = value_line;
                    return Ok(());
                }
                None => break,
            }
            at = skip_space(at + stream.byte_offset());
        }
        Ok(())
    }
}

/// Why a record is not valid JSON, with the file's line: serde_json counts lines from the
/// record's start.
fn invalid(error: &serde_json::Error, start_line: u64) -> String {
    let message = error.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |end| &message[..end]);
    format!(
        "the record is not valid JSON: {message} (line {}, column {})",
        start_line + error.line() as u64 - 1,
        error.column()
    )
}

/// Reads every record of `text` (for `inspect`): the records, the kind, and the broken JSON
/// Lines records.
#[allow(clippy::type_complexity)]
pub(crate) fn split_records(
    text: &str,
    source: &str,
) -> Result<(Vec<(u64, Value)>, &'static str, Vec<Broken>)> {
    let mut reader = Records::new(text.as_bytes(), source)?;
    let (mut records, mut broken) = (Vec::new(), Vec::new());
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Record(line, value) => records.push((line, value)),
            Item::Broken(b) => broken.push(b),
        }
    }
    Ok((records, reader.kind(), broken))
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
        let (inner, outer) = (response.and_then(|r| r.get("usage")), record.get("usage"));
        // Two usage blocks that disagree: which one the bill counted cannot be known, and
        // reading one silently would price the other's tokens away.
        if let (Some(inner), Some(outer)) = (inner, outer)
            && inner != outer
        {
            return Err(
                "has both response.usage and usage, and they differ; keep the one the API \
                 returned"
                    .to_string(),
            );
        }
        let usage = inner
            .or(outer)
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

/// Where a JSON text stands after the bytes fed so far: nesting depth (below 0 after stray
/// closers), inside a string or not, after a backslash or not. Enough to find where a record
/// ends; serde_json judges the record itself.
#[derive(Default)]
struct Nesting {
    depth: i64,
    in_string: bool,
    escape: bool,
}

impl Nesting {
    fn feed(&mut self, byte: u8) {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if byte == b'\\' {
                self.escape = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
        } else {
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
    }
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

    #[test]
    fn tokens_streamed_edges_keep_their_meaning() {
        let lines = |text: &str| {
            let (records, kind, broken) = split_records(text, "f").unwrap();
            let starts: Vec<u64> = records.iter().map(|r| r.0).collect();
            let broken: Vec<u64> = broken.iter().map(|b| b.0).collect();
            (starts, kind, broken)
        };
        assert_eq!(lines("[]").1, "token-records (json array)");
        assert_eq!(lines("\u{feff} [ {\"a\":1}, ]\n").0, vec![1]);
        assert_eq!(lines(" \n\n").0, Vec::<u64>::new());
        // A pretty-printed object is one record; brackets inside strings are text.
        let (starts, kind, _) = lines("\n{\n \"a\": \"}]\\\"{\"\n}\n");
        assert_eq!((starts, kind), (vec![2], "token-records (json)"));
        // Lines after an unclosed record are read again with their own numbers.
        let (starts, _, broken) = lines("{\"a\":1}\n{\"b\": {\"c\": [\n{\"d\":1}\n\n{\"e\":\n2}\n");
        assert_eq!((starts, broken), (vec![1, 3, 5], vec![2]));
        let error = split_records("[1 2]", "f").unwrap_err().to_string();
        assert!(error.contains("expected , or ]"), "{error}");
        let error = split_records("[{\"a\":1}] x", "f").unwrap_err().to_string();
        assert!(error.contains("unexpected text after"), "{error}");
        let error = split_records("[{\"a\":1},\n", "f").unwrap_err().to_string();
        assert!(
            error.starts_with("f:2: the JSON array is not closed"),
            "{error}"
        );
    }
}

//! Never panic, on any input (issue 9): a seeded fuzz harness over the whole binary.
//!
//! Every case builds one or more input files (fixtures from `fixtures/` mutated byte-wise, or
//! rows from a small grammar), runs the real `tally` with a timeout and checks that it ends
//! the way a batch tool must: exit code 0, 1 or 2 (3 where `alerts` or `reconcile
//! --fail-on-flag` may report), never 101, never `panicked at` on stderr, never killed by a
//! signal, never running past the timeout (a hang).
//!
//! - `TALLY_FUZZ_CASES=N` (default `DEFAULT_CASES`, sized for CI): how many cases; a soak is
//!   `TALLY_FUZZ_CASES=5000 cargo test --locked fuzz`.
//! - `TALLY_FUZZ_SEED=N`: the base seed (default fixed, so CI runs the same cases each time).
//! - `TALLY_FUZZ_CASE=SEED`: run exactly the one case with this seed, as printed on failure.
//!
//! A failing case prints its seed, the command line and stderr, and keeps its input files in
//! a directory under the system temp dir (printed) so that it can be re-run by hand.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::util::repo;

const DEFAULT_CASES: usize = 300;
const DEFAULT_SEED: u64 = 0x7a11_f022;
/// A run longer than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, so that a seed means the same case on every machine and version.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of case `index` under `base`.
fn case_seed(base: u64, index: usize) -> u64 {
    Rng(base ^ (index as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)).next()
}

// ---------------------------------------------------------------------------------------------
// Fixtures, read once.

struct Fixtures {
    usage: Vec<Vec<u8>>,
    focus: Vec<Vec<u8>>,
    export_part: Vec<Vec<u8>>,
    export_manifest: Vec<u8>,
    jsonl: Vec<Vec<u8>>,
    responses: Vec<Vec<u8>>,
    rates: Vec<u8>,
    alerts: Vec<u8>,
    billed: Vec<u8>,
    /// Every committed Parquet file, by its path under `fixtures/parquet/`.
    parquet: Vec<(String, Vec<u8>)>,
    parquet_manifests: Vec<(String, Vec<u8>)>,
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// The committed Parquet fixtures (AWS hive folder, Azure export, doubles, a NaN cost) and the
/// manifests beside them, which a folder copy carries along.
const PARQUET_FIXTURES: &[&str] = &[
    "aws/focus/data/BILLING_PERIOD=2026-09/focus-00001.snappy.parquet",
    "aws/focus/data/BILLING_PERIOD=2026-10/focus-00001.snappy.parquet",
    "azure/part_1_0001.snappy.parquet",
    "bad/nan-cost.parquet",
    "doubles.gz.parquet",
];
const PARQUET_MANIFESTS: &[&str] = &[
    "aws/focus/metadata/BILLING_PERIOD=2026-10/focus-Manifest.json",
    "azure/manifest.json",
];

fn fixtures() -> &'static Fixtures {
    static FIXTURES: std::sync::OnceLock<Fixtures> = std::sync::OnceLock::new();
    FIXTURES.get_or_init(|| {
        let read = |path: &str| std::fs::read(repo().join("fixtures").join(path)).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(read(
            "export/cost-usage-export-2026-10.zip",
        )))
        .unwrap();
        let mut member = |name: &str| {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut bytes).unwrap();
            bytes
        };
        let export_part = lines(&member("part-1-of-3.csv"));
        let export_manifest = member("manifest.json");
        Fixtures {
            usage: lines(&read("console/usage-2026-10.csv")),
            focus: lines(&read("focus-sample/focus_sample.csv")),
            export_part,
            export_manifest,
            jsonl: lines(&read("tokens/2026-10.jsonl")),
            responses: ["chat", "context", "evaluation"]
                .iter()
                .map(|name| read(&format!("token-examples/{name}-response.json")))
                .collect(),
            rates: read("tokens/rates-2026.toml"),
            alerts: read("alerts.toml"),
            billed: read("reconcile/billed.csv"),
            parquet: PARQUET_FIXTURES
                .iter()
                .map(|path| (path.to_string(), read(&format!("parquet/{path}"))))
                .collect(),
            parquet_manifests: PARQUET_MANIFESTS
                .iter()
                .map(|path| (path.to_string(), read(&format!("parquet/{path}"))))
                .collect(),
        }
    })
}

/// Drops random columns from a CSV (quoted fields and all), now and then every SKU column
/// of a FOCUS file: FOCUS files from other vendors carry fewer columns.
fn drop_columns(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let records: Vec<csv::ByteRecord> = reader.byte_records().filter_map(Result::ok).collect();
    let Some(header) = records.first() else {
        return data.to_vec();
    };
    let without_sku = rng.chance(50);
    let keep: Vec<bool> = header
        .iter()
        .map(|name| {
            let sku = matches!(name, b"SkuMeter" | b"SkuId" | b"ChargeDescription");
            // The columns that make a file FOCUS stay, so that the rows are read.
            let kind = matches!(
                name,
                b"BilledCost" | b"ChargePeriodStart" | b"EffectiveCost"
            );
            let dropped = (without_sku && sku) || rng.chance(20);
            kind || !dropped
        })
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for record in &records {
        let fields = record
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(f, _)| f);
        writer.write_record(fields).unwrap();
    }
    writer.into_inner().unwrap()
}

/// The header and a random run of rows: small files keep cases fast.
fn sample(rng: &mut Rng, rows: &[Vec<u8>], most: usize) -> Vec<u8> {
    let mut out = rows[0].clone();
    let body = &rows[1..];
    let count = 1 + rng.below(most.min(body.len()));
    let start = rng.below(body.len() - count + 1);
    for row in &body[start..start + count] {
        out.extend_from_slice(row);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// Values that have broken parsers elsewhere: huge and tiny numbers, exponents, odd dates,
/// control characters, encodings.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\0",
    b",",
    b";",
    b"\t",
    b"\x1f",
    b"NULL",
    b"",
    b" ",
    b"99999999999999999999999999999999999999",
    b"79228162514264337593543950335",
    b"-79228162514264337593543950335",
    b"0.00000000000000000000000000001",
    b"0.0000000000000000000000000001",
    b"18446744073709551616",
    b"18446744073709551615",
    b"-9223372036854775809",
    b"1e308",
    b"1E+5",
    b"-1e-7",
    b"NaN",
    b"inf",
    b"-0",
    b"+.",
    b"1,234.50",
    b"12,50",
    b"$12.50",
    b"9999-12-31",
    b"0000-01-01",
    b"+275760-09-13",
    b"-262144-01-01",
    b"262143-12-31",
    b"2026-02-29",
    b"2024-02-29T24:00:00Z",
    b"2026-10-31T23:59:60Z",
    b"2026-10-31T23:30:00-23:59",
    b"2026-10-31T23:30:00+99:99",
    b"9999-12-31T23:59:59-23:59",
    b"0000-01-01T00:00:00+23:59",
    b"2026-10-01 00:00:00.99999999999999999999",
    b"4/1/25",
    b"\xC3",
    b"\xED\xA0\x80",
    b"\xF4\x90\x80\x80",
    b"\xE2\x80\xAE",
    b"{}",
    b"[]",
    b"{\"k\":",
    b"{\"a\":{\"b\":[1,2,{\"c\":null}]}}",
    b"k=v;;=;k",
    b"=",
    b"part-0-of-0.csv",
];

fn token(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(10) {
        // A long run of one token: deep nesting, huge fields.
        let unit = *rng.pick(&[&b"["[..], b"{\"a\":", b"9", b"\"", b"x", b",", b"\n"]);
        return unit.repeat(1 + rng.below(5000));
    }
    rng.pick(TOKENS).to_vec()
}

/// Applies one to four byte-wise mutations.
fn mutate(rng: &mut Rng, mut data: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        let at = if len == 0 { 0 } else { rng.below(len + 1) };
        match rng.below(11) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 => data.truncate(at),
            3 if len > 0 => {
                // Duplicate a range somewhere.
                let start = rng.below(len);
                let end = (start + 1 + rng.below(200)).min(len);
                let copy = data[start..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(100)).min(len);
                data.drain(start..end);
            }
            5 | 6 => {
                let insert = token(rng);
                data.splice(at..at, insert);
            }
            7 => replace_field(rng, &mut data),
            8 => shuffle_fields(rng, &mut data),
            9 => swap_lines(rng, &mut data),
            _ => {
                // Overwrite a run with one token.
                let insert = token(rng);
                let end = (at + insert.len()).min(len);
                data.splice(at..end, insert);
            }
        }
    }
    data
}

/// `(start, end)` of every line (without its `\n`).
fn line_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' {
            spans.push((start, i));
            start = i + 1;
        }
    }
    if start < data.len() {
        spans.push((start, data.len()));
    }
    spans
}

/// Replaces one comma-separated field of one line with a token.
fn replace_field(rng: &mut Rng, data: &mut Vec<u8>) {
    let spans = line_spans(data);
    if spans.is_empty() {
        return;
    }
    let (start, end) = *rng.pick(&spans);
    let mut fields: Vec<Vec<u8>> = data[start..end]
        .split(|b| *b == b',')
        .map(<[u8]>::to_vec)
        .collect();
    let i = rng.below(fields.len());
    fields[i] = token(rng);
    data.splice(start..end, fields.join(&b","[..]));
}

/// Shuffles the comma-separated fields of one line (the header, often).
fn shuffle_fields(rng: &mut Rng, data: &mut Vec<u8>) {
    let spans = line_spans(data);
    if spans.is_empty() {
        return;
    }
    let (start, end) = if rng.chance(50) {
        spans[0]
    } else {
        *rng.pick(&spans)
    };
    let mut fields: Vec<Vec<u8>> = data[start..end]
        .split(|b| *b == b',')
        .map(<[u8]>::to_vec)
        .collect();
    for i in (1..fields.len()).rev() {
        let j = rng.below(i + 1);
        fields.swap(i, j);
    }
    if rng.chance(30) && fields.len() > 1 {
        fields.pop();
    }
    data.splice(start..end, fields.join(&b","[..]));
}

fn swap_lines(rng: &mut Rng, data: &mut Vec<u8>) {
    let mut rows = lines(data);
    if rows.len() > 1 {
        let (a, b) = (rng.below(rows.len()), rng.below(rows.len()));
        rows.swap(a, b);
        *data = rows.concat();
    }
}

// ---------------------------------------------------------------------------------------------
// Grammar-generated inputs.

fn gen_date(rng: &mut Rng) -> String {
    let day = 1 + rng.below(31);
    match rng.below(12) {
        0..=4 => format!("2026-10-{day:02}"),
        5 => format!(
            "2026-10-{day:02}T{:02}:{:02}:00Z",
            rng.below(25),
            rng.below(61)
        ),
        6 => format!(
            "2026-10-{day:02}T23:30:00{}{:02}:{:02}",
            rng.pick(&["+", "-"]),
            rng.below(30),
            rng.below(70)
        ),
        7 => format!("2026-10-{day:02} {:02}:{:02}", rng.below(24), rng.below(60)),
        8 => format!("10/{day}/2026"),
        9 => format!(
            "{:04}-{:02}-{:02}",
            rng.below(10000),
            rng.below(14),
            rng.below(33)
        ),
        10 => String::from_utf8_lossy(&token(rng)).into_owned(),
        _ => format!("2026-11-{day:02}"),
    }
}

fn gen_amount(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=4 => format!(
            "{}{}.{:0width$}",
            if rng.chance(10) { "-" } else { "" },
            rng.below(100_000),
            rng.below(1_000_000),
            width = 1 + rng.below(6)
        ),
        5 => "9".repeat(1 + rng.below(40)),
        6 => format!("0.{}1", "0".repeat(rng.below(40))),
        7 => format!("{}e{}", rng.below(100), rng.below(400)),
        8 => format!("7922816251426433759354395033{}", rng.below(10)),
        _ => String::from_utf8_lossy(&token(rng)).into_owned(),
    }
}

fn gen_text(rng: &mut Rng) -> String {
    match rng.below(8) {
        0..=3 => rng
            .pick(&["alpha", "beta", "search-prod", "Read Units", "Storage"])
            .to_string(),
        4 => "\"quoted, with comma\"".to_string(),
        5 => "\"multi\nline\"".to_string(),
        6 => "\"say \"\"hi\"\"\"".to_string(),
        _ => String::from_utf8_lossy(&token(rng)).into_owned(),
    }
}

/// A usage CSV from the grammar: a header with columns in any order, rows of mixed shapes.
fn gen_usage_csv(rng: &mut Rng) -> Vec<u8> {
    let mut columns = vec!["date", "sku", "cost"];
    for extra in [
        "project",
        "project_id",
        "service",
        "region",
        "index",
        "quantity",
        "unit",
        "currency",
        "tags",
        "index_tags",
    ] {
        if rng.chance(50) {
            columns.push(extra);
        }
    }
    for i in (1..columns.len()).rev() {
        let j = rng.below(i + 1);
        columns.swap(i, j);
    }
    let mut out = String::new();
    if rng.chance(10) {
        out.push('\u{feff}');
    }
    out.push_str(&columns.join(","));
    let newline = if rng.chance(30) { "\r\n" } else { "\n" };
    out.push_str(newline);
    for _ in 0..1 + rng.below(40) {
        let fields: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "date" => gen_date(rng),
                "cost" | "quantity" => gen_amount(rng),
                "currency" => rng.pick(&["USD", "USD", "EUR", "", "usd"]).to_string(),
                "tags" | "index_tags" => rng
                    .pick(&[
                        "team=a;env=prod",
                        "\"{\"\"team\"\":\"\"a\"\"}\"",
                        "team",
                        "",
                        "{",
                    ])
                    .to_string(),
                _ => gen_text(rng),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str(newline);
    }
    out.into_bytes()
}

/// A token record from the grammar.
fn gen_token_record(rng: &mut Rng) -> String {
    let number = |rng: &mut Rng| -> String {
        match rng.below(7) {
            0..=2 => rng.below(100_000).to_string(),
            3 => "18446744073709551616".to_string(),
            4 => "-1".to_string(),
            5 => "1.5e3".to_string(),
            _ => "\"12\"".to_string(),
        }
    };
    let timestamp = match rng.below(6) {
        0..=2 => format!("2026-10-{:02}T10:00:00Z", 1 + rng.below(31)),
        3 => format!("2026-10-{:02}T10:00:00", 1 + rng.below(31)),
        4 => "2026-03-08T02:30:00".to_string(),
        _ => gen_date(rng),
    };
    let endpoint = rng.pick(&[
        "\"chat\"",
        "\"context\"",
        "\"evaluation\"",
        "\"other\"",
        "null",
        "7",
    ]);
    format!(
        "{{\"timestamp\":{},\"endpoint\":{endpoint},\"project\":\"p\",\"usage\":{{\"prompt_tokens\":{},\"completion_tokens\":{}}},\"id\":\"{}\"}}",
        serde_json::Value::String(timestamp),
        number(rng),
        number(rng),
        rng.below(50)
    )
}

fn gen_rates(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    if rng.chance(30) {
        out.push_str(&format!(
            "currency = {}\n",
            rng.pick(&["\"USD\"", "\"EUR\"", "5", "\"usd\""])
        ));
    }
    for _ in 0..1 + rng.below(6) {
        out.push_str("[[rate]]\n");
        out.push_str(&format!(
            "sku = \"{}\"\n",
            rng.pick(&[
                "Assistants Input Tokens",
                "Assistants Output Tokens",
                "Assistants Context Tokens Processed",
                ""
            ])
        ));
        out.push_str(&format!("price = \"{}\"\n", gen_amount(rng)));
        out.push_str(&format!(
            "per = {}\n",
            rng.pick(&[
                "1000000",
                "1",
                "0",
                "-1",
                "3",
                "7",
                "9223372036854775807",
                "\"1\""
            ])
        ));
        if rng.chance(50) {
            out.push_str(&format!("effective_from = \"{}\"\n", gen_date(rng)));
        }
        if rng.chance(50) {
            out.push_str(&format!(
                "effective_to = {}\n",
                rng.pick(&[
                    "2026-10-14",
                    "\"2026-12-31\"",
                    "\"9999-12-31\"",
                    "1979-05-27T07:32:00Z"
                ])
            ));
        }
    }
    out.into_bytes()
}

fn gen_alerts(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    for name in ["a", "b"].iter().take(1 + rng.below(2)) {
        out.push_str(&format!("[alert.{name}]\n"));
        if rng.chance(50) {
            out.push_str(&format!(
                "month = \"{}\"\n",
                rng.pick(&[
                    "current", "previous", "2026-10", "0000-01", "9999-12", "2026-13"
                ])
            ));
        }
        if rng.chance(40) {
            out.push_str(&format!(
                "last = \"{}\"\n",
                rng.pick(&["7d", "0d", "30d", "4294967295d", "99999999d", "-1d"])
            ));
        }
        out.push_str(&format!(
            "thresholds = [{}]\n",
            rng.pick(&[
                "\"2500\"",
                "5000",
                "1.5",
                "\"-1\"",
                "\"1e9\"",
                "\"79228162514264337593543950335\"",
                ""
            ])
        ));
        if rng.chance(60) {
            out.push_str(&format!(
                "spike_factor = {}\n",
                rng.pick(&[
                    "\"2\"",
                    "0",
                    "\"0\"",
                    "\"-1\"",
                    "\"79228162514264337593543950335\"",
                    "\"0.0000000000000000000000000001\"",
                    "2.5"
                ])
            ));
        }
        if rng.chance(40) {
            out.push_str(&format!(
                "delay_days = {}\n",
                rng.pick(&["3", "0", "4294967295", "-1", "99999"])
            ));
        }
        if rng.chance(40) {
            out.push_str(&format!(
                "by = \"{}\"\n",
                rng.pick(&["project", "sku", "tag:team", "cost", "", "x_IndexName"])
            ));
        }
        if rng.chance(30) {
            out.push_str("project = [\"search-prod\"]\ntag = [\"team=search\"]\n");
        }
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Parquet: damage where a Parquet reader trusts the bytes.

/// Applies one to three Parquet-aware mutations: bit flips anywhere or in the footer (the
/// thrift metadata), truncation, a wrong footer length, duplicated ranges, zeroed pages,
/// thrift varints made endless, and now and then the plain byte-wise ones.
fn mutate_parquet(rng: &mut Rng, mut data: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(3) {
        let len = data.len();
        if len < 16 {
            data.extend_from_slice(b"PAR1");
            continue;
        }
        // The footer: metadata, its length (u32 LE) and `PAR1`.
        let footer_len = u32::from_le_bytes(data[len - 8..len - 4].try_into().unwrap()) as usize;
        let footer_start = len.saturating_sub(8 + footer_len.min(len - 8));
        let in_footer = |rng: &mut Rng| footer_start + rng.below(len - footer_start);
        match rng.below(10) {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(len);
                    data[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let i = in_footer(rng);
                    data[i] ^= 1 << rng.below(8);
                }
            }
            2 => {
                // Truncated: anywhere, or just short of the end.
                let at = if rng.chance(50) {
                    rng.below(len)
                } else {
                    len - 1 - rng.below(16.min(len))
                };
                data.truncate(at);
            }
            3 => {
                let value: u32 = match rng.below(6) {
                    0 => 0,
                    1 => u32::MAX,
                    2 => len as u32,
                    3 => (len - 8) as u32,
                    4 => (footer_len as u32)
                        .wrapping_add(rng.below(64) as u32)
                        .wrapping_sub(32),
                    _ => rng.next() as u32,
                };
                data[len - 8..len - 4].copy_from_slice(&value.to_le_bytes());
            }
            4 => {
                // A range (often from the footer) duplicated somewhere.
                let start = if rng.chance(50) {
                    in_footer(rng)
                } else {
                    rng.below(len)
                };
                let end = (start + 1 + rng.below(400)).min(len);
                let copy = data[start..end].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, copy);
            }
            5 => {
                // A zeroed page (or part of one) between the magic and the footer.
                let start = 4 + rng.below(footer_start.max(5) - 4);
                let end = (start + 16 + rng.below(4096)).min(len);
                data[start..end].fill(0);
            }
            6 => {
                // Thrift varints that never end, or huge lengths and counts.
                let at = in_footer(rng);
                let run = 1 + rng.below(12);
                let end = (at + run).min(len);
                let fill = *rng.pick(&[0xFFu8, 0x7F, 0x80, 0x00, 0x19, 0x1C]);
                data[at..end].fill(fill);
            }
            7 => {
                // A field of the footer overwritten with a random byte: types, codecs, offsets.
                for _ in 0..1 + rng.below(3) {
                    let i = in_footer(rng);
                    data[i] = rng.next() as u8;
                }
            }
            8 => {
                // The footer of another fixture, or this footer twice.
                let other = &rng.pick(&fixtures().parquet).1;
                let tail = other.len().min(64 + rng.below(2048));
                let tail = other[other.len() - tail..].to_vec();
                let at = if rng.chance(50) { len } else { footer_start };
                data.splice(at.., tail);
            }
            _ => data = mutate(rng, data),
        }
    }
    data
}

/// One Parquet fixture, damaged (now and then intact: the options still vary).
fn gen_parquet(rng: &mut Rng) -> Vec<u8> {
    let bytes = rng.pick(&fixtures().parquet).1.clone();
    if rng.chance(10) {
        bytes
    } else {
        mutate_parquet(rng, bytes)
    }
}

/// A copy of the AWS hive folder (or the Azure export folder) with its manifest, one file of
/// it damaged; returns the files and the folder to read.
fn gen_parquet_dir(rng: &mut Rng) -> (Vec<(String, Vec<u8>)>, String) {
    let f = fixtures();
    let root = if rng.chance(70) { "aws" } else { "azure" };
    let mut files: Vec<(String, Vec<u8>)> = f
        .parquet
        .iter()
        .chain(&f.parquet_manifests)
        .filter(|(path, _)| path.starts_with(root))
        .cloned()
        .collect();
    let parquet: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].0.ends_with(".parquet"))
        .collect();
    let victim = *rng.pick(&parquet);
    files[victim].1 = mutate_parquet(rng, std::mem::take(&mut files[victim].1));
    if rng.chance(20) {
        // A stray file beside the data: a second copy under another partition, or a damaged
        // manifest.
        let (path, bytes) = files[victim].clone();
        files.push((path.replace(".parquet", "-copy.parquet"), bytes));
    }
    if rng.chance(20) {
        for (path, bytes) in &mut files {
            if path.ends_with(".json") {
                *bytes = mutate(rng, std::mem::take(bytes));
            }
        }
    }
    (files, root.to_string())
}

// ---------------------------------------------------------------------------------------------
// FOCUS rows from a grammar: charge periods, billing periods and exponent numbers.

/// An instant as FOCUS files write them, `day` days from 2026-10-01 (far ones are the far
/// future and the distant past), with every offset form: `Z`, none, `+hh`, `+hhmm`,
/// `+hh:mm`; a noisy one also writes offsets that are no offsets.
fn gen_instant(rng: &mut Rng, noisy: bool, day: i64, hour: i64) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let date = date
        .checked_add_signed(chrono::TimeDelta::days(day))
        .unwrap_or(date);
    let separator = if rng.chance(30) { " " } else { "T" };
    let sign = *rng.pick(&["+", "-"]);
    let offset = match rng.below(if noisy { 8 } else { 7 }) {
        0..=2 => "Z".to_string(),
        3 => String::new(),
        4 => format!("{sign}{:02}", rng.below(15)),
        5 => format!("{sign}{:02}{:02}", rng.below(15), rng.pick(&[0, 30, 45])),
        6 => format!("{sign}{:02}:{:02}", rng.below(24), rng.below(60)),
        _ => rng
            .pick(&[
                "+00", "-00", "+0000", "+24", "+9999", "+1", "+123", "+:", "+-1",
            ])
            .to_string(),
    };
    format!(
        "{date}{separator}{:02}:{:02}:00{offset}",
        hour.rem_euclid(24),
        rng.below(60)
    )
}

/// A FOCUS number: plain, or with an exponent (tiny, huge, zero-padded, negative zero); a
/// noisy one also writes numbers that are none or too large.
fn gen_focus_number(rng: &mut Rng, noisy: bool) -> String {
    const EXPONENTS: &[&str] = &[
        "1e0000001",
        "-0e-0",
        "35.2E-7",
        "1.5e3",
        "1E-28",
        "0.0e-5",
        "+2E+0",
    ];
    // Near the largest decimal (a few of them overflow a sum), or below the smallest.
    const HUGE: &[&str] = &["9.9E+27", "1e28", "-9.9E+27", "1E+000028", "1e-999999"];
    const BROKEN: &[&str] = &[
        "7.9228162514264337593543950335E+28",
        "7.9228162514264337593543950336E+28",
        "1e-29",
        "9.9E+28",
        "0e999999",
        "1e+",
        "e5",
        "1e-0000000000000000000000001",
        "1.e2",
        ".5e1",
        "1e2.5",
        "123456789012345678901234567890123456789e-10",
        "1e9999999",
        "NULL",
        "",
    ];
    match rng.below(if noisy { 10 } else { 8 }) {
        0..=3 => format!("{}.{:05}", rng.below(1000), rng.below(100_000)),
        4..=6 if rng.chance(5) => rng.pick(HUGE).to_string(),
        4..=6 => rng.pick(EXPONENTS).to_string(),
        7 => format!(
            "{}e{}{}",
            rng.below(1000),
            rng.pick(&["", "+", "-"]),
            rng.below(28)
        ),
        8 => rng.pick(BROKEN).to_string(),
        _ => gen_amount(rng),
    }
}

/// A FOCUS CSV from the grammar: charge periods of every length (an hour, a month, ending
/// before they start, in the year 9999, null), billing periods (null, garbage, offsets) and
/// exponent numbers in the cost columns. Most files are clean, so that the rows reach
/// `--spread-charges` and `--date-basis`; a noisy one has bad values anywhere.
fn gen_focus_csv(rng: &mut Rng) -> Vec<u8> {
    let noisy = rng.chance(30);
    let mut columns = vec![
        "BilledCost",
        "ChargePeriodStart",
        "EffectiveCost",
        "SkuId",
        "BillingCurrency",
    ];
    for extra in [
        "ChargePeriodEnd",
        "ChargePeriodEnd",
        "BillingPeriodStart",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ListCost",
        "ChargeCategory",
        "ServiceName",
        "SubAccountName",
        "ResourceId",
        "RegionId",
        "ConsumedQuantity",
        "Tags",
    ] {
        if rng.chance(60) && !columns.contains(&extra) {
            columns.push(extra);
        }
    }
    for i in (1..columns.len()).rev() {
        let j = rng.below(i + 1);
        columns.swap(i, j);
    }
    let mut out = columns.join(",");
    out.push('\n');
    for _ in 0..1 + rng.below(30) {
        let day = match rng.below(40) {
            0..=31 => rng.below(31) as i64,
            32..=38 => -(rng.below(60) as i64),
            _ => *rng.pick(&[2_913_000i64, -739_000, 1_000_000, 36_500]),
        };
        let hour = rng.below(24) as i64;
        let start = gen_instant(rng, noisy, day, hour);
        let fields: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "ChargePeriodStart" if noisy && rng.chance(10) => gen_date(rng),
                "ChargePeriodStart" => start.clone(),
                "ChargePeriodEnd" => match rng.below(if noisy { 12 } else { 10 }) {
                    0..=2 => gen_instant(rng, noisy, day, hour + 1),
                    3 | 4 => {
                        let end = day + 1 + rng.below(40) as i64;
                        gen_instant(rng, noisy, end, hour)
                    }
                    5 => {
                        let end = day + rng.below(3_000_000) as i64;
                        gen_instant(rng, noisy, end, hour)
                    }
                    6 => {
                        let end = day - 1 - rng.below(400) as i64;
                        gen_instant(rng, noisy, end, hour)
                    }
                    7 => start.clone(),
                    8 => rng
                        .pick(&["", "NULL", "9999-12-31T23:59:59Z", "9999-12-31"])
                        .to_string(),
                    9 => gen_instant(rng, noisy, 31 - day.rem_euclid(31), 0),
                    _ => gen_date(rng),
                },
                "BillingPeriodStart" | "BillingPeriodEnd" => {
                    match rng.below(if noisy { 8 } else { 6 }) {
                        0..=2 => gen_instant(rng, noisy, 0, 0),
                        3 => gen_instant(rng, noisy, -31, 0),
                        4 => gen_instant(rng, noisy, day, 0),
                        5 => rng.pick(&["", "NULL"]).to_string(),
                        6 => rng
                            .pick(&["2026-10", "garbage", "0", "2026-13-01"])
                            .to_string(),
                        _ => gen_date(rng),
                    }
                }
                "BilledCost" | "EffectiveCost" | "ListCost" | "ConsumedQuantity" => {
                    gen_focus_number(rng, noisy)
                }
                "BillingCurrency" if noisy => {
                    rng.pick(&["USD", "USD", "EUR", "", "NULL"]).to_string()
                }
                "BillingCurrency" => "USD".to_string(),
                "ChargeCategory" => rng
                    .pick(&["Usage", "Purchase", "Tax", "Credit", "Adjustment", "NULL"])
                    .to_string(),
                "Tags" if noisy => rng
                    .pick(&["\"{\"\"team\"\": \"\"search\"\"}\"", "NULL", "{", "\"[]\""])
                    .to_string(),
                "Tags" => rng
                    .pick(&["\"{\"\"team\"\": \"\"search\"\"}\"", "NULL", "\"{}\""])
                    .to_string(),
                _ if noisy => gen_text(rng),
                _ => rng
                    .pick(&["alpha", "beta", "search-prod", "Storage"])
                    .to_string(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// What a case feeds tally. A new reader gets its own target, listed in `TARGETS` and built
/// in `build_case` (its inputs in `gen_inputs`, so that `inspect` reads them too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    UsageCsv,
    UsageCsvGrammar,
    FocusCsv,
    /// FOCUS rows from a grammar: charge and billing periods, offsets, exponent numbers.
    FocusCsvGrammar,
    ExportZip,
    Gzip,
    TokenJson,
    TokenJsonl,
    Rates,
    AlertsConfig,
    /// A committed Parquet fixture, damaged byte-wise and in its footer.
    Parquet,
    /// A copy of a Parquet export folder (hive partitions, manifest) with one file damaged.
    ParquetDir,
    /// `tally inspect` (table or JSON) on the inputs of any reader.
    Inspect,
}

/// The case mix: one entry per share. The readers added last (Parquet, FOCUS periods,
/// `inspect`) get two shares each so that the CI default covers them as well as the older
/// ones; `ParquetDir` reads several files and is slower, so it has one.
const TARGETS: &[Target] = &[
    Target::UsageCsv,
    Target::UsageCsvGrammar,
    Target::FocusCsv,
    Target::FocusCsvGrammar,
    Target::FocusCsvGrammar,
    Target::ExportZip,
    Target::Gzip,
    Target::TokenJson,
    Target::TokenJsonl,
    Target::Rates,
    Target::AlertsConfig,
    Target::Parquet,
    Target::Parquet,
    Target::ParquetDir,
    Target::Inspect,
    Target::Inspect,
];

/// The readers `inspect` is run on.
const INSPECTED: &[Target] = &[
    Target::UsageCsv,
    Target::UsageCsvGrammar,
    Target::FocusCsv,
    Target::FocusCsvGrammar,
    Target::ExportZip,
    Target::Gzip,
    Target::TokenJson,
    Target::TokenJsonl,
    Target::Parquet,
    Target::ParquetDir,
];

/// One run of tally: its files and arguments (file names relative to the case directory).
struct Case {
    target: Target,
    files: Vec<(String, Vec<u8>)>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Exit codes that mean "ran fine" besides 0, 1 and 2.
    also_ok: Vec<i32>,
    /// `inspect` (and on which reader's inputs): only 0 and 1 are fine, and with `--format
    /// json` stdout on exit 0 must be JSON.
    inspect: Option<(Inspect, Target)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inspect {
    Table,
    Json,
}

fn zip_bytes(members: &[(String, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut names = std::collections::HashSet::new();
    for (name, bytes) in members {
        // The zip writer refuses a name twice; so would any tool that makes exports.
        if !names.insert(name) {
            continue;
        }
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A cost usage export: parts cut from the fixture's part, mutated, with a manifest that may
/// be right, wrong or mangled, and part names that may be wrong; sometimes the archive's own
/// bytes are mutated.
fn gen_export(rng: &mut Rng) -> Vec<u8> {
    let f = fixtures();
    let parts = 1 + rng.below(3);
    let mut members = Vec::new();
    let mut manifest_files = Vec::new();
    for k in 1..=parts {
        let mut body = sample(rng, &f.export_part, 20);
        if rng.chance(60) {
            body = mutate(rng, body);
        }
        let rows = body
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            .saturating_sub(1);
        let name = if rng.chance(15) {
            rng.pick(&[
                format!("part-{k}-of-4294967295.csv"),
                format!("part-{k}-of-99999999999.csv"),
                "part-0-of-0.csv".to_string(),
                format!("part-{k}-of-{parts}.CSV"),
                format!("dir/part-{k}-of-{parts}.csv"),
                format!("part-{k}of-{parts}.csv"),
                "notes.csv".to_string(),
                "part--of-.csv".to_string(),
            ])
            .clone()
        } else {
            format!("part-{k}-of-{parts}.csv")
        };
        manifest_files.push(
            serde_json::json!({"name": name, "rows": rows as u64 + u64::from(rng.chance(10))}),
        );
        members.push((name, body));
    }
    if rng.chance(80) {
        let manifest = if rng.chance(50) {
            serde_json::to_vec(&serde_json::json!({"files": manifest_files})).unwrap()
        } else {
            mutate(rng, f.export_manifest.clone())
        };
        members.insert(
            rng.below(members.len() + 1),
            ("manifest.json".to_string(), manifest),
        );
    }
    let bytes = zip_bytes(&members, rng.chance(70));
    if rng.chance(25) {
        mutate(rng, bytes)
    } else {
        bytes
    }
}

/// The common `report` arguments, varied.
fn report_args(rng: &mut Rng, inputs: &[String]) -> Vec<String> {
    let mut args = vec!["report".to_string()];
    args.extend(inputs.iter().cloned());
    const RANGES: &[&[&str]] = &[
        &["--from", "2024-01-01", "--to", "2026-12-31"],
        &["--month", "2026-10"],
        &["--month", "2024-09"],
        &["--from", "2026-10-03", "--to", "2026-10-17"],
        &["--from", "2000-01-01", "--to", "2099-12-31"],
    ];
    let range = rng.pick(RANGES);
    args.extend(range.iter().map(|s| s.to_string()));
    args.extend(["--as-of".to_string(), "2026-11-02T10:30Z".to_string()]);
    let by = rng.pick(&[
        "sku",
        "project,sku",
        "service",
        "region,resource",
        "tag:team",
        "ChargeCategory",
        "currency",
        "source,sku",
        "assistant,model,endpoint",
        "x_IndexName",
        "ServiceName,tag:team",
        "BillingPeriodStart",
        "ChargePeriodEnd,sku",
        "SubAccountName,region,service",
    ]);
    args.extend(["--by".to_string(), by.to_string()]);
    let period = rng.pick(&["total", "day", "week", "month"]);
    args.extend(["--period".to_string(), period.to_string()]);
    let format = rng.pick(&["table", "csv", "json"]);
    args.extend(["--format".to_string(), format.to_string()]);
    if rng.chance(50) {
        args.push("--skip-bad-rows".to_string());
    }
    if rng.chance(30) {
        args.extend(["--tag".to_string(), "team=search".to_string()]);
    }
    if rng.chance(20) {
        args.extend([
            "--cost".to_string(),
            rng.pick(&["effective", "list"]).to_string(),
        ]);
    }
    if rng.chance(25) {
        args.extend(["--out".to_string(), "out".to_string()]);
        // Charts are drawn in one case of ten: PNG encoding is slow in a debug build.
        if !rng.chance(10) {
            args.push("--no-charts".to_string());
        }
    }
    // FOCUS charge periods: spread over their days, or days from the billing period (the
    // two conflict, so a case takes one; now and then both, a usage error).
    match rng.below(10) {
        0..=2 => args.push("--spread-charges".to_string()),
        3 | 4 => args.extend([
            "--date-basis".to_string(),
            rng.pick(&["billing", "billing", "charge"]).to_string(),
        ]),
        5 if rng.chance(10) => {
            args.extend(["--spread-charges", "--date-basis", "billing"].map(String::from))
        }
        _ => {}
    }
    if inputs.len() > 1 {
        let overlap = rng.pick(&["error", "latest", "sum"]);
        args.extend(["--on-overlap".to_string(), overlap.to_string()]);
    }
    if rng.chance(10) {
        let format = rng.pick(&[
            "%m/%d/%Y",
            "%m/%d/%y",
            "%d.%m.%Y",
            "%Y-%m-%d %H:%M:%S%z",
            "%Y-%m-%dT%H:%M:%SZ",
            "%s",
            "%j/%Y",
            "%G-W%V-%u",
            "%Y",
        ]);
        args.extend(["--date-format".to_string(), format.to_string()]);
    }
    if rng.chance(5) {
        let delimiter = rng.pick(&[";", "tab", "|", ","]);
        args.extend(["--delimiter".to_string(), delimiter.to_string()]);
    }
    args.push("--quiet".to_string());
    args
}

/// Runs `alerts` instead of `report` on the same inputs, now and then.
fn alerts_args(rng: &mut Rng, inputs: &[String]) -> Vec<String> {
    let mut args = vec!["alerts".to_string()];
    args.extend(inputs.iter().cloned());
    args.extend(["--as-of".to_string(), "2026-10-20".to_string()]);
    args.extend(["--threshold".to_string(), "100".to_string()]);
    if rng.chance(50) {
        args.extend([
            "--by".to_string(),
            rng.pick(&["project", "sku", "tag:team"]).to_string(),
        ]);
    }
    if rng.chance(50) {
        args.push("--skip-bad-rows".to_string());
    }
    if rng.chance(30) {
        args.extend(["--last".to_string(), "7d".to_string()]);
    }
    match rng.below(10) {
        0 | 1 => args.push("--spread-charges".to_string()),
        2 => args.extend(["--date-basis".to_string(), "billing".to_string()]),
        _ => {}
    }
    args.extend([
        "--format".to_string(),
        rng.pick(&["table", "json", "csv"]).to_string(),
    ]);
    args
}

/// The input files of one reader's case and the inputs to name on the command line.
type Inputs = (Vec<(String, Vec<u8>)>, Vec<String>);

fn gen_inputs(rng: &mut Rng, target: Target) -> Inputs {
    let f = fixtures();
    let mut files = Vec::new();
    let mut inputs = Vec::new();
    match target {
        Target::UsageCsv
        | Target::UsageCsvGrammar
        | Target::FocusCsv
        | Target::FocusCsvGrammar
        | Target::Gzip => {
            let count = if rng.chance(15) { 2 } else { 1 };
            for i in 0..count {
                let plain = match target {
                    Target::UsageCsvGrammar => gen_usage_csv(rng),
                    Target::FocusCsvGrammar => gen_focus_csv(rng),
                    Target::FocusCsv if rng.chance(25) => {
                        let rows = sample(rng, &f.focus, 30);
                        drop_columns(rng, &rows)
                    }
                    Target::FocusCsv => sample(rng, &f.focus, 30),
                    Target::Gzip if rng.chance(50) => sample(rng, &f.focus, 30),
                    _ => sample(rng, &f.usage, 40),
                };
                // Grammar files are mutated less often: their rows are to reach the report.
                let intact = match target {
                    Target::UsageCsvGrammar => 50,
                    Target::FocusCsvGrammar => 70,
                    _ => 0,
                };
                let plain = if rng.chance(intact) {
                    plain
                } else {
                    mutate(rng, plain)
                };
                // Semicolons or tabs for commas: what spreadsheets in many locales save.
                let plain = if rng.chance(10) {
                    let separator = *rng.pick(b";\t");
                    let swapped = plain.iter().map(|&b| if b == b',' { separator } else { b });
                    swapped.collect()
                } else {
                    plain
                };
                let (name, bytes) = if matches!(target, Target::Gzip) {
                    let packed = gzip_bytes(&plain);
                    // Now and then the compressed stream itself is damaged.
                    let packed = if rng.chance(30) {
                        mutate(rng, packed)
                    } else {
                        packed
                    };
                    (format!("in{i}.csv.gz"), packed)
                } else {
                    (format!("in{i}.csv"), plain)
                };
                files.push((name.clone(), bytes));
                inputs.push(name);
            }
        }
        Target::ExportZip => {
            files.push(("export.zip".to_string(), gen_export(rng)));
            inputs.push("export.zip".to_string());
        }
        Target::TokenJson | Target::TokenJsonl => {
            let text = if matches!(target, Target::TokenJsonl) {
                if rng.chance(30) {
                    (0..1 + rng.below(30))
                        .map(|_| gen_token_record(rng) + "\n")
                        .collect::<String>()
                        .into_bytes()
                } else {
                    sample(rng, &f.jsonl, 30)
                }
            } else if rng.chance(40) {
                // A response on its own, or wrapped in a record.
                let response = rng.pick(&f.responses).clone();
                if rng.chance(50) {
                    let mut record =
                        b"{\"timestamp\":\"2026-10-03T14:22:05Z\",\"response\":".to_vec();
                    record.extend_from_slice(&response);
                    record.push(b'}');
                    record
                } else {
                    response
                }
            } else {
                let records: Vec<String> = (0..1 + rng.below(20))
                    .map(|_| {
                        if rng.chance(50) {
                            gen_token_record(rng)
                        } else {
                            String::from_utf8_lossy(rng.pick::<Vec<u8>>(&f.jsonl))
                                .trim_end()
                                .to_string()
                        }
                    })
                    .collect();
                format!("[{}]", records.join(",\n")).into_bytes()
            };
            let text = if rng.chance(80) {
                mutate(rng, text)
            } else {
                text
            };
            files.push(("tokens.jsonl".to_string(), text));
            inputs.push("tokens.jsonl".to_string());
            if rng.chance(30) {
                files.push(("billed.csv".to_string(), f.billed.clone()));
                inputs.push("billed.csv".to_string());
            }
        }
        Target::Parquet => {
            let count = if rng.chance(15) { 2 } else { 1 };
            for i in 0..count {
                // Some of the names say `.gz.parquet`, as one fixture's does.
                let name = format!("in{i}.{}parquet", if rng.chance(20) { "gz." } else { "" });
                files.push((name.clone(), gen_parquet(rng)));
                inputs.push(name);
            }
        }
        Target::ParquetDir => {
            let (dir_files, root) = gen_parquet_dir(rng);
            files = dir_files;
            inputs.push(root);
        }
        Target::Rates | Target::AlertsConfig | Target::Inspect => {
            unreachable!("{target:?} has no inputs of its own")
        }
    }
    (files, inputs)
}

fn build_case(seed: u64) -> Case {
    let mut rng = Rng(seed);
    let f = fixtures();
    let target = *rng.pick(TARGETS);
    let mut also_ok = Vec::new();
    let mut env = Vec::new();
    let mut inspect = None;
    if rng.chance(50) {
        // Tiny blocks: the parallel splitter, quote parity and the exact re-read.
        env.push((
            "TALLY_BLOCK_SIZE".to_string(),
            (16 + rng.below(2048)).to_string(),
        ));
    }
    let (files, args) = match target {
        Target::Inspect => {
            let inspected = *rng.pick(INSPECTED);
            let (files, inputs) = gen_inputs(&mut rng, inspected);
            let mut args = vec!["inspect".to_string()];
            args.extend(inputs);
            let format = if rng.chance(50) {
                Inspect::Json
            } else {
                Inspect::Table
            };
            if format == Inspect::Json {
                args.extend(["--format".to_string(), "json".to_string()]);
            }
            if rng.chance(30) {
                args.extend([
                    "--cost".to_string(),
                    rng.pick(&["billed", "effective", "list"]).to_string(),
                ]);
            }
            inspect = Some((format, inspected));
            (files, args)
        }
        Target::TokenJson | Target::TokenJsonl => {
            let (files, inputs) = gen_inputs(&mut rng, target);
            let args = if rng.chance(30) {
                let mut args = vec!["reconcile".to_string()];
                args.extend(inputs);
                args.extend(["--month", "2026-10", "--as-of", "2026-11-10"].map(String::from));
                if rng.chance(50) {
                    args.push("--fail-on-flag".to_string());
                    also_ok.push(3);
                }
                if rng.chance(50) {
                    args.push("--skip-bad-rows".to_string());
                }
                if rng.chance(30) {
                    args.extend(["--tz".to_string(), "America/New_York".to_string()]);
                }
                args
            } else {
                let mut args = report_args(&mut rng, &inputs);
                if rng.chance(30) {
                    args.extend(["--tz".to_string(), "America/New_York".to_string()]);
                }
                args
            };
            (files, args)
        }
        Target::UsageCsv
        | Target::UsageCsvGrammar
        | Target::FocusCsv
        | Target::FocusCsvGrammar
        | Target::Gzip
        | Target::ExportZip
        | Target::Parquet
        | Target::ParquetDir => {
            let (files, inputs) = gen_inputs(&mut rng, target);
            let args = if target != Target::ExportZip && rng.chance(20) {
                also_ok.push(3);
                alerts_args(&mut rng, &inputs)
            } else {
                report_args(&mut rng, &inputs)
            };
            (files, args)
        }
        Target::Rates => {
            let mut files = Vec::new();
            let card = if rng.chance(50) {
                gen_rates(&mut rng)
            } else {
                f.rates.clone()
            };
            let card = if rng.chance(80) {
                mutate(&mut rng, card)
            } else {
                card
            };
            files.push(("rates.toml".to_string(), card));
            files.push(("tokens.jsonl".to_string(), sample(&mut rng, &f.jsonl, 30)));
            let mut args = report_args(&mut rng, &["tokens.jsonl".to_string()]);
            args.extend(["--rates".to_string(), "rates.toml".to_string()]);
            (files, args)
        }
        Target::AlertsConfig => {
            let mut files = Vec::new();
            let config = if rng.chance(50) {
                gen_alerts(&mut rng)
            } else {
                f.alerts.clone()
            };
            let config = if rng.chance(80) {
                mutate(&mut rng, config)
            } else {
                config
            };
            files.push(("alerts.toml".to_string(), config));
            files.push(("usage.csv".to_string(), sample(&mut rng, &f.usage, 60)));
            let mut args = vec![
                "alerts".to_string(),
                "usage.csv".to_string(),
                "--config".to_string(),
                "alerts.toml".to_string(),
                "--as-of".to_string(),
                "2026-10-20T08:00Z".to_string(),
            ];
            if rng.chance(70) {
                let name = rng.pick(&[
                    "org",
                    "search-prod-database",
                    "weekly-assistants",
                    "per-project",
                    "a",
                    "b",
                ]);
                args.extend(["--alert".to_string(), name.to_string()]);
            }
            if rng.chance(30) {
                args.extend([
                    "--out".to_string(),
                    "out".to_string(),
                    "--no-charts".to_string(),
                ]);
            }
            args.extend([
                "--format".to_string(),
                rng.pick(&["table", "json", "csv"]).to_string(),
            ]);
            also_ok.push(3);
            (files, args)
        }
    };
    Case {
        target,
        files,
        args,
        env,
        also_ok,
        inspect,
    }
}

// ---------------------------------------------------------------------------------------------
// Running.

enum Outcome {
    /// Ended well, with this exit code.
    Fine(i32),
    Failed(String),
}

/// Writes the case's files (some in folders: a hive tree) into `dir`.
fn write_files(case: &Case, dir: &Path) {
    for (name, bytes) in &case.files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Runs the case in `dir`; kills it at the timeout.
fn run_case(case: &Case, dir: &Path) -> Outcome {
    write_files(case, dir);
    let mut command = Command::new(env!("CARGO_BIN_EXE_tally"));
    command
        .args(&case.args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(
            if case
                .inspect
                .is_some_and(|(format, _)| format == Inspect::Json)
            {
                Stdio::piped()
            } else {
                Stdio::null()
            },
        )
        .stderr(Stdio::piped());
    for (key, value) in &case.env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("running tally");
    // Read stderr on a thread so that a chatty child cannot block on a full pipe.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr_pipe, &mut text);
        text
    });
    let stdout_reader = child.stdout.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = std::io::Read::read_to_end(&mut pipe, &mut text);
            text
        })
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let stdout = stdout_reader.map(|reader| reader.join().unwrap());
    let Some(status) = status else {
        return Outcome::Failed(format!("hang: killed after {TIMEOUT:?}\nstderr:\n{stderr}"));
    };
    let code = status.code();
    let panicked = stderr.contains("panicked at") || code == Some(101);
    let expected = match case.inspect {
        // inspect counts bad rows and reports unreadable inputs: 0 or 1, nothing else.
        Some(_) => matches!(code, Some(0 | 1)),
        None => matches!(code, Some(0..=2)) || code.is_some_and(|c| case.also_ok.contains(&c)),
    };
    if !panicked
        && code == Some(0)
        && let Some(stdout) = &stdout
        && let Err(error) = serde_json::from_slice::<serde_json::Value>(stdout)
    {
        return Outcome::Failed(format!(
            "exit 0 but stdout is not JSON: {error}\nstdout:\n{}",
            tail(&String::from_utf8_lossy(stdout), 4000)
        ));
    }
    if panicked || !expected {
        let code = code.map_or_else(
            || format!("killed by a signal ({status})"),
            |c| c.to_string(),
        );
        return Outcome::Failed(format!("exit {code}\nstderr:\n{}", tail(&stderr, 4000)));
    }
    Outcome::Fine(code.unwrap_or_default())
}

fn tail(text: &str, most: usize) -> &str {
    let mut start = text.len().saturating_sub(most);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Keeps a failing case's files where the developer can find them.
fn keep(case: &Case, seed: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tally-fuzz-{seed:016x}"));
    std::fs::create_dir_all(&dir).unwrap();
    write_files(case, &dir);
    let command = std::iter::once("tally".to_string())
        .chain(case.args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let env: String = case.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    std::fs::write(
        dir.join("command.sh"),
        format!("cd {}\n{env}{command}\n", dir.display()),
    )
    .unwrap();
    dir
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[test]
fn fuzz_no_input_makes_tally_panic_or_hang() {
    let seeds: Vec<u64> = match env_number("TALLY_FUZZ_CASE") {
        Some(seed) => vec![seed],
        None => {
            let base = env_number("TALLY_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
            let cases = env_number("TALLY_FUZZ_CASES").map_or(DEFAULT_CASES, |n| n as usize);
            (0..cases).map(|i| case_seed(base, i)).collect()
        }
    };
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // Per target, how many cases ended with each exit code: a target whose cases all exit 1
    // tests little beyond the first error.
    let exits = Mutex::new(std::collections::BTreeMap::<String, [usize; 4]>::new());
    let started = Instant::now();
    // Two workers: tally itself uses every core, and CI machines have two.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(index) else { break };
                    let case = build_case(seed);
                    let dir = tempfile::tempdir().unwrap();
                    match run_case(&case, dir.path()) {
                        Outcome::Fine(code) => {
                            let name = match case.inspect {
                                Some((_, inspected)) => format!("Inspect({inspected:?})"),
                                None => format!("{:?}", case.target),
                            };
                            exits.lock().unwrap().entry(name).or_default()
                                [(code as usize).min(3)] += 1;
                        }
                        Outcome::Failed(what) => {
                            let kept = keep(&case, seed);
                            failures.lock().unwrap().push(format!(
                                "case seed {seed:#x} ({:?}): {what}\n  input kept in {}\n  \
                                 re-run: TALLY_FUZZ_CASE={seed:#x} cargo test --locked fuzz",
                                case.target,
                                kept.display()
                            ));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    for (target, codes) in exits.into_inner().unwrap() {
        eprintln!("fuzz: {target:<24} exit 0/1/2/3: {codes:?}");
    }
    eprintln!(
        "fuzz: {} cases in {:.1?}, {} failed",
        seeds.len(),
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} fuzz cases failed:\n\n{}",
        failures.len(),
        seeds.len(),
        failures.join("\n\n")
    );
}

/// A panic in a block's task must end the run, not leave the reader waiting for that block
/// forever (found by this harness: a FOCUS file without SKU columns, read in many small blocks,
/// hung instead of failing). That panic is fixed: such a header is refused at line 1; the
/// case still must not hang.
#[test]
fn fuzz_a_panic_in_a_block_task_ends_the_run_instead_of_hanging() {
    let mut focus = b"BilledCost,ChargePeriodStart,SubAccountName\n".to_vec();
    for day in 1..=28 {
        focus.extend_from_slice(format!("1.{day:02},2026-10-{day:02},alpha\n").as_bytes());
    }
    let case = Case {
        target: Target::FocusCsv,
        files: vec![("focus.csv".to_string(), focus)],
        args: [
            "report",
            "focus.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ]
        .map(String::from)
        .to_vec(),
        env: vec![("TALLY_BLOCK_SIZE".to_string(), "32".to_string())],
        also_ok: Vec::new(),
        inspect: None,
    };
    let dir = tempfile::tempdir().unwrap();
    if let Outcome::Failed(what) = run_case(&case, dir.path()) {
        panic!("{what}");
    }
}

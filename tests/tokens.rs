//! Token-usage records: the vendor's API examples, validation errors with file:line, UTC days
//! from offsets and `--tz`, the dated rate card, and billed + estimated in one run.

use crate::util::{Workdir, assert_golden, costs_by_key, fixture, independent, records};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

const OCTOBER: &[&str] = &["--month", "2026-10", "--as-of", "2026-11-28T10:30Z"];

fn shared_example(name: &str) -> serde_json::Value {
    // The vendor's documented example responses, copied unmodified into fixtures/.
    let text = std::fs::read_to_string(fixture(&format!("token-examples/{name}"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// Runs `tally report` on the October fixture priced by the fixture rate card.
fn fixture_report(extra: &[&str]) -> String {
    let tokens = fixture("tokens/2026-10.jsonl");
    let rates = fixture("tokens/rates-2026.toml");
    let mut args = vec!["report", tokens.as_str(), "--rates", rates.as_str()];
    args.extend_from_slice(OCTOBER);
    args.extend_from_slice(extra);
    Workdir::new().run(&args).ok()
}

#[test]
fn tokens_fixture_month_matches_independent_computation() {
    for (by, pinned) in [
        ("sku", "tokens-2026-10-by-sku.csv"),
        ("assistant", "tokens-2026-10-by-assistant.csv"),
        ("model", "tokens-2026-10-by-model.csv"),
    ] {
        let csv = fixture_report(&["--by", by, "--format", "csv"]);
        assert_eq!(costs_by_key(&csv), independent(pinned), "--by {by}");
        assert_golden(&format!("tokens-2026-10-by-{by}.csv"), &csv);
    }
    let daily = fixture_report(&["--by", "service", "--period", "day", "--format", "csv"]);
    let by_day: BTreeMap<String, Decimal> = records(&daily)[1..]
        .iter()
        .map(|row| (row[0].clone(), dec(&row[3])))
        .collect();
    assert_eq!(by_day, independent("tokens-2026-10-by-day.csv"));
}

/// The chat and context examples, logged as records with and without `endpoint`.
fn example_records(with_endpoint: bool) -> String {
    let mut lines = String::new();
    for (name, endpoint) in [
        ("chat-response.json", "chat"),
        ("context-response.json", "context"),
    ] {
        let mut record = serde_json::json!({
            "timestamp": "2026-10-03T14:22:05Z",
            "project": "support",
            "assistant": "faq",
            "response": shared_example(name),
        });
        if with_endpoint {
            record["endpoint"] = endpoint.into();
        }
        lines.push_str(&format!("{record}\n"));
    }
    lines
}

#[test]
fn tokens_api_examples_parse_with_and_without_endpoint() {
    let mut outputs = Vec::new();
    for with_endpoint in [true, false] {
        let dir = Workdir::new();
        let input = dir.create("calls.jsonl", example_records(with_endpoint));
        let csv = dir
            .run(&[
                "report",
                &input,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
                "--by",
                "sku,model,endpoint",
                "--format",
                "csv",
            ])
            .ok();
        let csv = csv.replace(&input, "calls.jsonl");
        outputs.push(csv);
    }
    assert_eq!(outputs[0], outputs[1]);
    let rows = records(&outputs[0]);
    assert_eq!(
        rows[0],
        [
            "sku",
            "model",
            "endpoint",
            "unit",
            "quantity",
            "cost",
            "currency",
            "status",
            "provisional_cost"
        ]
    );
    // Built-in list prices, by hand:
    //   chat input    23,626 × $8 / 1,000,000  = $0.189008
    //   chat output       21 × $15 / 1,000,000 = $0.000315
    //   context       22,914 × $5 / 1,000,000  = $0.11457
    let cells: Vec<[&str; 4]> = rows[1..]
        .iter()
        .map(|r| [r[0].as_str(), r[1].as_str(), r[4].as_str(), r[5].as_str()])
        .collect();
    assert_eq!(
        cells,
        [
            [
                "Assistants Context Tokens Processed",
                "",
                "22914",
                "0.11457"
            ],
            [
                "Assistants Input Tokens",
                "gpt-4o-2024-11-20",
                "23626",
                "0.189008"
            ],
            [
                "Assistants Output Tokens",
                "gpt-4o-2024-11-20",
                "21",
                "0.000315"
            ],
        ]
    );
    assert!(rows[1..].iter().all(|r| r[7] == "final"));
}

#[test]
fn tokens_evaluation_example_total_is_rejected() {
    let dir = Workdir::new();
    let evaluation = shared_example("evaluation-response.json");
    let mut text = example_records(false);
    let record = serde_json::json!({"timestamp": "2026-10-03T15:00:00Z", "response": evaluation});
    text.push_str(&format!("{record}\n"));
    let input = dir.create("calls.jsonl", &text);
    let stderr = dir.run(&["report", &input]).fails();
    assert!(
        stderr.contains(
            "calls.jsonl:3: total_tokens 123 is not prompt_tokens 123 + completion_tokens 123 = 246"
        ),
        "{stderr}"
    );
    // The raw example file itself is rejected for the same reason, at its first line.
    let raw = dir.create("evaluation-response.json", evaluation.to_string());
    let stderr = dir.run(&["report", &raw]).fails();
    assert!(
        stderr.contains("evaluation-response.json:1: total_tokens 123"),
        "{stderr}"
    );

    // With a consistent total it maps to the evaluation SKUs (with or without endpoint):
    //   123 × $8 / 1,000,000 = $0.000984 and 123 × $15 / 1,000,000 = $0.001845.
    for endpoint in [None, Some("evaluation")] {
        let mut fixed = record.clone();
        fixed["response"]["usage"]["total_tokens"] = 246.into();
        if let Some(endpoint) = endpoint {
            fixed["endpoint"] = endpoint.into();
        }
        let input = dir.create("fixed.json", fixed.to_string());
        let csv = dir
            .run(&["report", &input, "--month", "2026-10", "--format", "csv"])
            .ok();
        let costs = costs_by_key(&csv);
        assert_eq!(
            costs["Assistants Evaluation Tokens Processed"],
            dec("0.000984")
        );
        assert_eq!(costs["Assistants Evaluation Tokens Out"], dec("0.001845"));
    }
}

const GOOD: &str = r#"{"timestamp":"2026-10-03T10:00:00Z","endpoint":"chat","usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}"#;

#[test]
fn tokens_each_validation_error_exits_1_with_file_and_line() {
    let usage = |p: &str, c: &str, t: &str| {
        format!(r#""usage":{{"prompt_tokens":{p},"completion_tokens":{c},"total_tokens":{t}}}"#)
    };
    let ts = r#""timestamp":"2026-10-03T10:00:00Z""#;
    let cases = [
        (
            format!(r#"{{{ts},"endpoint":"chat",{}}}"#, usage("10", "2", "13")),
            "total_tokens 13 is not prompt_tokens 10 + completion_tokens 2 = 12",
        ),
        (
            format!(r#"{{{ts},"endpoint":"chat",{}}}"#, usage("-10", "2", "-8")),
            "usage.prompt_tokens -10 is negative",
        ),
        (
            format!(
                r#"{{{ts},"endpoint":"chat",{}}}"#,
                usage("10.5", "2", "12.5")
            ),
            "usage.prompt_tokens 10.5 is not an integer",
        ),
        (
            format!(
                r#"{{{ts},"endpoint":"chat",{}}}"#,
                usage("\"10\"", "2", "12")
            ),
            "usage.prompt_tokens \"10\" is not a number",
        ),
        (
            format!(
                r#"{{{ts},"endpoint":"context",{}}}"#,
                usage("10", "2", "12")
            ),
            "a context record has completion_tokens 2",
        ),
        (
            format!(r#"{{"endpoint":"chat",{}}}"#, usage("10", "2", "12")),
            "has no timestamp",
        ),
        (
            format!(
                r#"{{"timestamp":"03/10/2026 10:00","endpoint":"chat",{}}}"#,
                usage("10", "2", "12")
            ),
            "timestamp \"03/10/2026 10:00\" is not an RFC 3339 time",
        ),
        (
            format!(r#"{{{ts},"endpoint":"embed",{}}}"#, usage("10", "2", "12")),
            "endpoint \"embed\" is unknown",
        ),
        (
            format!(
                r#"{{{ts},"response":{{"answer":"x",{}}}}}"#,
                usage("10", "2", "12")
            ),
            "the endpoint is unknown",
        ),
    ];
    for (record, expected) in &cases {
        let dir = Workdir::new();
        let input = dir.create("t.jsonl", format!("{GOOD}\n{record}\n{GOOD}\n"));
        let stderr = dir.run(&["report", &input]).fails();
        assert!(
            stderr.contains("t.jsonl:2: ") && stderr.contains(expected),
            "{record}\nexpected {expected:?}\ngot {stderr}"
        );
        // In a JSON array, the line where the element starts.
        let array = dir.create("t.json", format!("[\n  {GOOD},\n\n  {record}\n]\n"));
        let stderr = dir.run(&["report", &array]).fails();
        assert!(stderr.contains("t.json:4: "), "{stderr}");
    }
}

#[test]
fn tokens_skip_bad_rows_lists_rejected_records() {
    let dir = Workdir::new();
    let bad = GOOD.replace("\"total_tokens\":12", "\"total_tokens\":99");
    let input = dir.create("t.jsonl", format!("{GOOD}\n{bad}\n"));
    let run = dir.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--skip-bad-rows",
        "--out",
        "out",
        "--format",
        "csv",
    ]);
    run.ok();
    let rejects = records(&dir.read("out/rejects.csv"));
    assert_eq!(rejects.len(), 2);
    assert_eq!(rejects[1][1], "2");
    assert!(
        rejects[1][4].contains("total_tokens 99"),
        "{:?}",
        rejects[1]
    );
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    let rows = &manifest["inputs"][0]["rows"];
    assert_eq!(
        (rows["read"].as_u64(), rows["used"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(rows["rejected"].as_u64(), Some(1));
}

#[test]
fn tokens_offset_near_midnight_lands_on_next_utc_day() {
    let dir = Workdir::new();
    let input = dir.create(
        "t.jsonl",
        GOOD.replace("2026-10-03T10:00:00Z", "2026-10-31T23:30:00-05:00"),
    );
    let csv = dir
        .run(&[
            "report",
            &input,
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-30",
            "--period",
            "day",
            "--by",
            "service",
            "--format",
            "csv",
        ])
        .ok();
    let rows = records(&csv);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[1][0].as_str(), rows[1][1].as_str()),
        ("2026-11-01", "2026-11-01")
    );
}

#[test]
fn tokens_naive_timestamps_read_in_tz_across_dst() {
    let dir = Workdir::new();
    // America/New_York: EDT (UTC−4) until 2026-11-01 02:00 local, EST (UTC−5) after.
    //   2026-10-31T20:30 EDT = 2026-11-01T00:30Z
    //   2026-11-01T18:30 EST = 2026-11-01T23:30Z
    //   2026-11-01T19:30 EST = 2026-11-02T00:30Z
    let mut text = String::new();
    for (n, local) in [
        "2026-10-31T20:30:00",
        "2026-11-01T18:30:00",
        "2026-11-01T19:30:00",
    ]
    .iter()
    .enumerate()
    {
        let tokens = 1_000_000 * (n + 1);
        text.push_str(&format!(
            r#"{{"timestamp":"{local}","endpoint":"context","usage":{{"prompt_tokens":{tokens},"completion_tokens":0,"total_tokens":{tokens}}}}}"#
        ));
        text.push('\n');
    }
    let input = dir.create("t.jsonl", &text);
    let days = |extra: &[&str]| {
        let mut args = vec![
            "report",
            &input,
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-30",
            "--period",
            "day",
            "--by",
            "service",
            "--format",
            "csv",
        ];
        args.extend_from_slice(extra);
        records(&dir.run(&args).ok())[1..]
            .iter()
            .map(|r| (r[0].clone(), r[3].clone()))
            .collect::<Vec<_>>()
    };
    // Context at $5/M: 1M → $5, 2M → $10, 3M → $15.
    assert_eq!(
        days(&["--tz", "America/New_York"]),
        [
            ("2026-11-01".to_string(), "15.00".to_string()),
            ("2026-11-02".to_string(), "15.00".to_string())
        ]
    );
    // Read as UTC (the default) the same local times fall on other days.
    assert_eq!(
        days(&[]),
        [
            ("2026-10-31".to_string(), "5.00".to_string()),
            ("2026-11-01".to_string(), "25.00".to_string())
        ]
    );
    let stderr = dir
        .run(&["report", &input, "--tz", "Mars/Olympus"])
        .0
        .status
        .code();
    assert_eq!(stderr, Some(2));
}

#[test]
fn tokens_price_change_costs_each_day_at_its_rate() {
    let dir = Workdir::new();
    let chat = |timestamp: &str| {
        format!(
            r#"{{"timestamp":"{timestamp}","endpoint":"chat","usage":{{"prompt_tokens":1000000,"completion_tokens":200000,"total_tokens":1200000}}}}"#
        )
    };
    let text = format!(
        "{}\n{}\n{}\n",
        chat("2026-10-14T12:00:00Z"),
        chat("2026-10-15T12:00:00Z"),
        // 01:00 on the 15th at +03:00 is 22:00 UTC on the 14th: the old price.
        chat("2026-10-15T01:00:00+03:00"),
    );
    let input = dir.create("t.jsonl", text);
    let rates = fixture("tokens/rates-2026.toml");
    let csv = dir
        .run(&[
            "report", &input, "--rates", &rates, "--month", "2026-10", "--period", "day", "--by",
            "sku", "--format", "csv", "--out", "out",
        ])
        .ok();
    let cells: Vec<[String; 3]> = records(&csv)[1..]
        .iter()
        .map(|r| [r[0].clone(), r[2].clone(), r[5].clone()])
        .collect();
    // 10-14 (two records): input 2,000,000 × $8.00/M = $16.00; output 400,000 × $15.00/M = $6.00
    // 10-15 (one record):  input 1,000,000 × $6.40/M = $6.40;  output 200,000 × $12.50/M = $2.50
    let expected = [
        ["2026-10-14", "Assistants Input Tokens", "16.00"],
        ["2026-10-14", "Assistants Output Tokens", "6.00"],
        ["2026-10-15", "Assistants Input Tokens", "6.40"],
        ["2026-10-15", "Assistants Output Tokens", "2.50"],
    ];
    assert_eq!(cells, expected.map(|row| row.map(str::to_string)).to_vec());
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    let card = &manifest["rate_card"];
    assert_eq!(card["source"], serde_json::json!(rates));
    assert_eq!(card["sha256"].as_str().map(str::len), Some(64));
    let used: Vec<&str> = card["rates_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["price"].as_str().unwrap())
        .collect();
    assert_eq!(used, ["8.00", "6.40", "15.00", "12.50"]);
}

#[test]
fn tokens_rate_card_errors() {
    let dir = Workdir::new();
    let input = dir.create("t.jsonl", GOOD);
    let float = dir.create(
        "float.toml",
        "[[rate]]\nsku = \"Assistants Input Tokens\"\nprice = 8.0\nper = 1000000\n",
    );
    // A bad card is a config error (exit 2), like a bad alerts --config.
    let run = dir.run(&["report", &input, "--rates", &float]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(
        stderr.contains("float.toml:1: rate #1: price = 8.0"),
        "{stderr}"
    );
    assert!(stderr.contains("quote it: price = \"8.0\""), "{stderr}");
    // A card without the output SKU: no $0, an error naming the record.
    let partial = dir.create(
        "partial.toml",
        "[[rate]]\nsku = \"Assistants Input Tokens\"\nprice = \"8\"\nper = 1000000\n",
    );
    let in_range = ["--month", "2026-10", "--as-of", "2026-11-28"];
    let stderr = dir
        .run(
            &[
                &["report", input.as_str(), "--rates", partial.as_str()][..],
                &in_range[..],
            ]
            .concat(),
        )
        .fails();
    assert!(
        stderr.contains("t.jsonl:1: no rate for SKU \"Assistants Output Tokens\" on 2026-10-03"),
        "{stderr}"
    );
    let overlap = dir.create(
        "overlap.toml",
        "[[rate]]\nsku = \"A\"\nprice = \"1\"\nper = 1\neffective_to = \"2026-10-15\"\n\
         [[rate]]\nsku = \"A\"\nprice = \"2\"\nper = 1\neffective_from = \"2026-10-15\"\n",
    );
    let run = dir.run(&["report", &input, "--rates", &overlap]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(stderr.contains("valid on the same days"), "{stderr}");
    // A record outside the range is not priced: a card that does not cover it is fine.
    let out_of_range = ["--month", "2026-09", "--as-of", "2026-11-28"];
    dir.run(
        &[
            &["report", input.as_str(), "--rates", partial.as_str()][..],
            &out_of_range[..],
        ]
        .concat(),
    )
    .ok();
}

#[test]
fn tokens_with_billed_usage_group_by_source_first() {
    let console = fixture("console");
    let tokens = fixture("tokens/2026-10.jsonl");
    let rates = fixture("tokens/rates-2026.toml");
    let mut args = vec![
        "report",
        console.as_str(),
        tokens.as_str(),
        "--rates",
        rates.as_str(),
        "--by",
        "service",
        "--format",
        "csv",
    ];
    args.extend_from_slice(OCTOBER);
    let csv = Workdir::new().run(&args).ok();
    let rows = records(&csv);
    assert_eq!(rows[0][..2], ["source", "service"]);
    let costs = costs_by_key(&csv);
    assert_eq!(
        costs["billed | assistants"],
        independent("console-by-service.csv")["assistants"]
    );
    let estimated: Decimal = independent("tokens-2026-10-by-sku.csv").values().sum();
    assert_eq!(costs["estimated | assistants"], estimated);
    assert!(
        costs
            .keys()
            .all(|k| k.starts_with("billed | ") || k.starts_with("estimated | "))
    );
}

#[test]
fn tokens_repeated_response_id_counts_once_with_a_warning() {
    let dir = Workdir::new();
    let record = GOOD.replace("\"endpoint\"", "\"id\":\"r-1\",\"endpoint\"");
    let first = dir.create("a.jsonl", format!("{record}\n"));
    let second = dir.create("b.jsonl", format!("{GOOD}\n{record}\n"));
    let run = dir.run(&[
        "report", &first, &second, "--month", "2026-10", "--by", "service", "--format", "csv",
        "--out", "out",
    ]);
    let csv = run.ok();
    // Two distinct calls of 10 input + 2 output tokens: 2 × (10 × 8 + 2 × 15) / 1,000,000.
    assert_eq!(costs_by_key(&csv)["assistants"], dec("0.00022"));
    assert!(
        run.stderr()
            .contains("b.jsonl: 1 record(s) repeat a response id"),
        "{}",
        run.stderr()
    );
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"][1]["rows"]["superseded"].as_u64(),
        Some(1)
    );
    assert_eq!(manifest["inputs"][1]["kind"], "token-records (json lines)");
    assert_eq!(manifest["rate_card"]["source"], "built-in");
}

#[test]
fn tokens_broken_json_line_is_a_bad_row() {
    // A logger cut off mid-write leaves a broken line: without --skip-bad-rows it stops the
    // run at its line; with it, the line is rejected and the next lines are read.
    let dir = Workdir::new();
    let log = format!("{GOOD}\n{{\"timestamp\": \"2026-10-03T11:00:00Z\", \"usage\": {{\n{GOOD}\n");
    let input = dir.create("cut.jsonl", &log);
    let args = [
        "report",
        input.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
    ];
    let stderr = dir.run(&args).fails();
    assert!(
        stderr.contains("cut.jsonl:2: the record is not valid JSON"),
        "{stderr}"
    );
    let skip = [&args[..], &["--skip-bad-rows", "--out", "out"][..]].concat();
    dir.run(&skip).ok();
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"][0]["rows"],
        serde_json::json!({"read": 3, "used": 2, "filtered": 0, "superseded": 0, "rejected": 1})
    );
    let rejects = crate::util::records(&dir.read("out/rejects.csv"));
    assert_eq!(rejects[1][1], "2");
    assert!(
        rejects[1][5].starts_with("{\"timestamp\""),
        "{:?}",
        rejects[1]
    );
}

/// A record of `i`: spread over days, projects and endpoints, with strings holding the
/// characters a streaming reader must not take for structure.
fn varied_record(i: usize) -> serde_json::Value {
    let endpoint = ["chat", "context", "evaluation"][i % 3];
    let completion = if endpoint == "context" { 0 } else { i % 7 };
    serde_json::json!({
        "timestamp": format!("2026-10-{:02}T12:00:00Z", 1 + i % 31),
        "project": format!("p{}", i % 5),
        "assistant": format!("a \"quoted\" ], {{ \\ [{}]", i % 3),
        "endpoint": endpoint,
        "usage": {"prompt_tokens": 100 + i, "completion_tokens": completion,
                  "total_tokens": 100 + i + completion},
    })
}

fn report_csv(dir: &Workdir, input: &str) -> String {
    dir.run(&[
        "report",
        input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--by",
        "project",
        "--period",
        "day",
        "--format",
        "csv",
    ])
    .ok()
}

#[test]
fn tokens_json_array_of_100k_records_streams_to_the_jsonl_totals() {
    // Records are read one at a time from the reader; an array and JSON Lines of the same
    // records give the same report, pretty-printed elements and brackets in strings included.
    let dir = Workdir::new();
    let records: Vec<serde_json::Value> = (0..100_000).map(varied_record).collect();
    let mut lines = String::new();
    for record in &records {
        lines.push_str(&format!("{record}\n"));
    }
    let jsonl = dir.create("records.jsonl", &lines);
    let mut array = String::from("\u{feff}[\n");
    for (i, record) in records.iter().enumerate() {
        let text = if i % 1000 == 0 {
            serde_json::to_string_pretty(record).unwrap()
        } else {
            record.to_string()
        };
        array.push_str(&text);
        array.push_str(if i + 1 < records.len() {
            ",\n"
        } else {
            "\n]\n"
        });
    }
    let json = dir.create("records.json", &array);
    let from_lines = report_csv(&dir, &jsonl);
    assert!(from_lines.lines().count() > 100, "{from_lines}");
    assert_eq!(report_csv(&dir, &json), from_lines);
}

#[test]
fn tokens_over_long_record_line_is_an_error_with_file_and_line() {
    // A line over 1 MiB is not a token record: the run stops at its line instead of holding
    // the line (or the file) in memory.
    let dir = Workdir::new();
    let long = GOOD.replace(
        "\"endpoint\"",
        &format!("\"project\":\"{}\",\"endpoint\"", "x".repeat(1_100_000)),
    );
    let input = dir.create("long.jsonl", format!("{GOOD}\n{long}\n{GOOD}\n"));
    let stderr = dir
        .run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(
        stderr.contains("long.jsonl:2: the record is longer than 1 MiB"),
        "{stderr}"
    );
    // The same in an array element.
    let input = dir.create("long.json", format!("[{GOOD},\n{GOOD},\n{long}]"));
    let stderr = dir
        .run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(
        stderr.contains("long.json:3: the record is longer than 1 MiB"),
        "{stderr}"
    );
}

#[test]
fn tokens_unclosed_record_in_json_lines_rejects_one_line_and_reads_on() {
    // A record cut off inside nested braces, with more records after it: the broken line is
    // one bad row and every record after it is read, line numbers intact.
    let dir = Workdir::new();
    let pretty = serde_json::to_string_pretty(&varied_record(3)).unwrap();
    let log = format!("{GOOD}\n{{\"usage\": {{\"a\": [1,\n{GOOD}\n{pretty}\n{GOOD}\n");
    let input = dir.create("cut.jsonl", &log);
    dir.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
        "--skip-bad-rows",
        "--out",
        "out",
    ])
    .ok();
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"][0]["rows"],
        serde_json::json!({"read": 5, "used": 4, "filtered": 0, "superseded": 0, "rejected": 1})
    );
    let rejects = crate::util::records(&dir.read("out/rejects.csv"));
    assert_eq!(rejects[1][1], "2");
}

#[test]
fn a_record_with_two_usage_blocks_that_differ_is_a_bad_row() {
    // Before: response.usage (99 tokens) was priced and usage (10 tokens) ignored, exit 0.
    let work = Workdir::new();
    let file = work.create(
        "two.jsonl",
        concat!(
            r#"{"timestamp":"2026-10-01T00:00:00Z","endpoint":"chat","usage":{"prompt_tokens":10,"completion_tokens":0,"total_tokens":10},"response":{"usage":{"prompt_tokens":99,"completion_tokens":0,"total_tokens":99}}}"#,
            "\n",
            r#"{"timestamp":"2026-10-01T00:00:00Z","endpoint":"chat","usage":{"prompt_tokens":7,"completion_tokens":0,"total_tokens":7},"response":{"usage":{"prompt_tokens":7,"completion_tokens":0,"total_tokens":7}}}"#,
            "\n"
        ),
    );
    let mut args = vec!["report", file.as_str(), "--by", "sku", "--format", "csv"];
    args.extend_from_slice(OCTOBER);
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "two.jsonl:1: has both response.usage and usage, and they differ; keep the one the \
             API returned"
        ),
        "{stderr}"
    );
    // Skipped, the second record (two equal blocks) still counts: 7 tokens.
    args.push("--skip-bad-rows");
    let csv = work.run(&args).ok();
    assert!(csv.contains("Assistants Input Tokens,tokens,7,"), "{csv}");
}

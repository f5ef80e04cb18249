//! `tally reconcile`: billed assistants usage beside token-record estimates.

use crate::util::{Workdir, assert_golden, fixture, records};

fn reconcile(extra: &[&str]) -> String {
    let dir = fixture("reconcile");
    let mut args = vec![
        "reconcile",
        dir.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ];
    args.extend_from_slice(extra);
    Workdir::new().run(&args).ok()
}

#[test]
fn reconcile_flags_only_the_day_where_bill_and_logs_differ() {
    let csv = reconcile(&["--format", "csv"]);
    assert_golden("reconcile-2026-10.csv", &csv);
    let flags: Vec<(String, String, String, String)> = records(&csv)[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[7].clone(), r[9].clone()))
        .collect();
    let row = |day: &str, sku: &str, difference: &str, flag: &str| {
        (day.into(), sku.into(), difference.into(), flag.into())
    };
    // Built-in prices. 10-02: billed 2,000,000 input tokens ($16.00), logged 1,500,000
    // (1,500,000 × $8 / 1,000,000 = $12.00): −$4.00, beyond 0.5% of $16.00 = $0.08.
    assert_eq!(
        flags,
        [
            row("2026-10-01", "Assistants Input Tokens", "0.00", "ok"),
            row("2026-10-01", "Assistants Output Tokens", "0.00", "ok"),
            row("2026-10-02", "Assistants Input Tokens", "-4.00", "differs"),
            row("2026-10-02", "Assistants Output Tokens", "0.00", "ok"),
            row(
                "2026-10-03",
                "Assistants Context Tokens Processed",
                "-1.00",
                "billed-only"
            ),
            row("2026-10-03", "Assistants Input Tokens", "0.00", "ok"),
            row(
                "2026-10-04",
                "Assistants Context Tokens Processed",
                "0.50",
                "estimated-only"
            ),
        ]
    );
    // The database row of the bill is not an assistants SKU: it is not reconciled.
    assert!(!csv.contains("Read Units"));
}

#[test]
fn reconcile_tolerance_is_relative_to_the_bill() {
    // $4.00 of $16.00 is 25%: within 30%, beyond 0.2 (20%).
    let wide = reconcile(&["--tolerance", "30%", "--format", "csv"]);
    assert!(!wide.contains(",differs,"), "{wide}");
    let narrow = reconcile(&["--tolerance", "0.2", "--format", "csv"]);
    assert!(narrow.contains(",differs,"), "{narrow}");
    let json: serde_json::Value = serde_json::from_str(&reconcile(&["--format", "json"])).unwrap();
    assert_eq!(json["tolerance"], "0.5%");
    assert_eq!(json["rows"][2]["estimated"]["cost"], "12.00");
    let table = reconcile(&[]);
    assert!(table.contains("3 of 7 day/SKU row(s) flagged"), "{table}");
    let bad = Workdir::new().run(&["reconcile", &fixture("reconcile"), "--tolerance", "-1%"]);
    assert_eq!(bad.code(), 2);
}

/// Every input's rows add up: read = used + filtered + superseded + rejected.
fn assert_rows_accounted(manifest: &serde_json::Value) {
    for input in manifest["inputs"].as_array().unwrap() {
        let rows = &input["rows"];
        let count = |name: &str| rows[name].as_u64().unwrap();
        assert_eq!(
            count("read"),
            count("used") + count("filtered") + count("superseded") + count("rejected"),
            "{input}"
        );
    }
}

#[test]
fn reconcile_out_writes_the_printed_csv_json_and_a_manifest() {
    let work = Workdir::new();
    let dir = fixture("reconcile");
    let args = [
        "reconcile",
        dir.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "out",
    ];
    let csv = work.run(&[&args[..], &["--format", "csv"]].concat()).ok();
    let written = work.read("out/reconcile.csv");
    assert_eq!(written, csv);
    assert_golden("reconcile-2026-10.csv", &written);
    assert!(written.starts_with(
        "date,sku,unit,billed_quantity,billed_cost,estimated_quantity,estimated_cost,\
         difference,currency,flag,status,quantity_difference\n\
         2026-10-01,Assistants Input Tokens,tokens,1000000,8.00,1000000,8.00,0.00,USD,ok,final,0\n"
    ));

    let json = work.run(&[&args[..], &["--format", "json"]].concat()).ok();
    assert_eq!(work.read("out/reconcile.json"), json);

    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["command"], "reconcile");
    assert_eq!(manifest["as_of"], "2026-11-28T00:00:00Z");
    assert_eq!(manifest["options"]["tolerance"], "0.5%");
    assert_eq!(manifest["rate_card"]["source"], "built-in");
    assert_eq!(
        (manifest["rows"].as_u64(), manifest["flagged"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(
        manifest["outputs"],
        serde_json::json!(["reconcile.csv", "reconcile.json", "manifest.json"])
    );
    let inputs = &manifest["inputs"];
    assert_eq!(inputs[0]["kind"], "usage-csv");
    assert_eq!(inputs[0]["sha256"].as_str().map(str::len), Some(64));
    // The database row of the bill is filtered out: only assistants SKUs are reconciled.
    assert_eq!(
        inputs[0]["rows"],
        serde_json::json!({"read": 7, "used": 6, "filtered": 1, "superseded": 0, "rejected": 0})
    );
    assert_eq!(inputs[1]["kind"], "token-records (json lines)");
    assert_eq!(
        inputs[1]["rows"],
        serde_json::json!({"read": 5, "used": 5, "filtered": 0, "superseded": 0, "rejected": 0})
    );
    assert_rows_accounted(&manifest);
    assert!(!work.path().join("out/rejects.csv").exists());
    assert!(!work.path().join("out/.tally.lock").exists());
}

/// The reconcile fixture copied into `work`, with `extra` appended to the token records.
fn fixture_copy(work: &Workdir, extra: &str) -> String {
    let source = fixture("reconcile");
    let read = |name: &str| std::fs::read_to_string(format!("{source}/{name}")).unwrap();
    work.create("in/billed.csv", read("billed.csv"));
    work.create("in/logs.jsonl", format!("{}{extra}", read("logs.jsonl")));
    work.path().join("in").display().to_string()
}

#[test]
fn reconcile_skip_bad_rows_lists_a_bad_token_record() {
    let work = Workdir::new();
    let bad = r#"{"timestamp":"2026-10-01T12:00:00Z","endpoint":"chat","id":"r6","usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":99}}"#;
    let input = fixture_copy(&work, &format!("{bad}\n"));
    let args = [
        "reconcile",
        input.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ];

    // Default: the bad record stops the run, naming file and line.
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "logs.jsonl:6: total_tokens 99 is not prompt_tokens 10 + completion_tokens 2 = 12"
        ),
        "{stderr}"
    );

    // Without --out, each skipped record goes to stderr; the figures are the fixture's own.
    let run = work.run(&[&args[..], &["--skip-bad-rows", "--format", "csv"]].concat());
    let csv = run.ok();
    assert_golden("reconcile-2026-10.csv", &csv);
    assert!(run.stderr().contains("skipped: "), "{}", run.stderr());
    assert!(run.stderr().contains("logs.jsonl:6:"), "{}", run.stderr());
    assert!(
        run.stderr().contains("skipped 1 bad row(s)"),
        "{}",
        run.stderr()
    );

    // With --out, they go to rejects.csv and the manifest counts them.
    work.run(&[&args[..], &["--skip-bad-rows", "--out", "out"]].concat())
        .ok();
    let rejects = records(&work.read("out/rejects.csv"));
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert_eq!(rejects[1][1], "6");
    assert!(
        rejects[1][4].contains("total_tokens 99"),
        "{:?}",
        rejects[1]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["options"]["skip_bad_rows"], true);
    assert_eq!(
        manifest["inputs"][1]["rows"],
        serde_json::json!({"read": 6, "used": 5, "filtered": 0, "superseded": 0, "rejected": 1})
    );
    assert_rows_accounted(&manifest);
    assert!(
        manifest["outputs"]
            .as_array()
            .unwrap()
            .contains(&"rejects.csv".into())
    );

    // A clean re-run into the same folder removes the stale rejects.csv.
    let clean = fixture("reconcile");
    work.run(&[
        "reconcile",
        &clean,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "out",
    ])
    .ok();
    assert!(!work.path().join("out/rejects.csv").exists());
}

#[test]
fn reconcile_flags_a_quantity_only_difference() {
    // The bill prices input tokens at $9/M; the rate card at $10/M. 1,000,000 billed tokens
    // cost $9.00; 900,000 logged tokens × $10 / 1,000,000 = $9.00 too: the costs agree, but
    // 100,000 tokens (10%) are missing from the logs, far beyond 0.5% of 1,000,000 (5,000).
    // 10-02: 1,000,000 billed, 1,004,000 logged ($10.04 against $9.00 is a cost difference).
    let work = Workdir::new();
    let bill = work.create(
        "in/bill.csv",
        "date,service,sku,quantity,unit,cost\n\
         2026-10-01,assistants,Assistants Input Tokens,1000000,tokens,9.00\n\
         2026-10-02,assistants,Assistants Input Tokens,1000000,tokens,10.00\n\
         2026-10-03,assistants,Assistants Input Tokens,1000000,tokens,10.00\n",
    );
    let record = |day: &str, id: &str, tokens: u64| {
        format!(
            r#"{{"timestamp":"{day}T10:00:00Z","endpoint":"chat","id":"{id}","usage":{{"prompt_tokens":{tokens},"completion_tokens":0,"total_tokens":{tokens}}}}}"#
        )
    };
    let logs = work.create(
        "in/logs.jsonl",
        [
            record("2026-10-01", "a", 900_000),
            record("2026-10-02", "b", 1_004_000),
            record("2026-10-03", "c", 1_000_000),
        ]
        .join("\n"),
    );
    let rates = work.create(
        "rates.toml",
        "currency = \"USD\"\n[[rate]]\nsku = \"Assistants Input Tokens\"\nunit = \"tokens\"\n\
         price = \"10\"\nper = 1000000\n\
         [[rate]]\nsku = \"Assistants Output Tokens\"\nunit = \"tokens\"\n\
         price = \"15\"\nper = 1000000\n",
    );
    let csv = work
        .run(&[
            "reconcile",
            &bill,
            &logs,
            "--rates",
            &rates,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(
        csv,
        "date,sku,unit,billed_quantity,billed_cost,estimated_quantity,estimated_cost,\
         difference,currency,flag,status,quantity_difference\n\
         2026-10-01,Assistants Input Tokens,tokens,1000000,9.00,900000,9.00,0.00,USD,quantity-differs,final,-100000\n\
         2026-10-02,Assistants Input Tokens,tokens,1000000,10.00,1004000,10.04,0.04,USD,ok,final,4000\n\
         2026-10-03,Assistants Input Tokens,tokens,1000000,10.00,1000000,10.00,0.00,USD,ok,final,0\n"
    );
    let json: serde_json::Value = serde_json::from_str(
        &work
            .run(&[
                "reconcile",
                &bill,
                &logs,
                "--rates",
                &rates,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
            ])
            .ok(),
    )
    .unwrap();
    assert_eq!(json["rows"][0]["flag"], "quantity-differs");
    assert_eq!(json["rows"][0]["quantity_difference"], "-100000");
}

#[test]
fn reconcile_fail_on_flag_exits_3_only_when_a_row_is_flagged() {
    let work = Workdir::new();
    let dir = fixture("reconcile");
    let base = [
        "reconcile",
        dir.as_str(),
        "--as-of",
        "2026-11-28",
        "--fail-on-flag",
    ];
    // October has flagged rows: exit 3, the report still printed and written.
    let flagged = work.run(&[&base[..], &["--month", "2026-10", "--out", "out"]].concat());
    assert_eq!(flagged.code(), 3, "{}", flagged.stderr());
    assert!(flagged.stdout().contains("3 of 7 day/SKU row(s) flagged"));
    assert!(work.path().join("out/manifest.json").exists());
    // 10-01 agrees everywhere: exit 0.
    let clean = work.run(&[&base[..], &["--from", "2026-10-01", "--to", "2026-10-01"]].concat());
    assert_eq!(clean.code(), 0, "{}", clean.stderr());
    assert!(clean.stdout().contains("0 of 2 day/SKU row(s) flagged"));
    // Without --fail-on-flag, flagged rows still exit 0.
    reconcile(&[]);
}

#[test]
fn reconcile_pairs_a_bill_without_unit_with_its_estimate() {
    // A usage export need not have a unit column (or may write "Tokens"): the bill and the
    // estimate of the same day and SKU still meet on one row.
    let work = Workdir::new();
    work.create(
        "bill.csv",
        "date,sku,quantity,cost\n2026-10-01,Assistants Input Tokens,1000000,8.00\n",
    );
    work.create(
        "log.jsonl",
        "{\"timestamp\":\"2026-10-01T12:00:00Z\",\"endpoint\":\"chat\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0,\"total_tokens\":1000000}}\n",
    );
    let csv = work
        .run(&[
            "reconcile",
            "bill.csv",
            "log.jsonl",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
        ])
        .ok();
    let rows = crate::util::records(&csv);
    assert_eq!(rows.len(), 2, "{csv}");
    assert_eq!(
        rows[1][..3],
        ["2026-10-01", "Assistants Input Tokens", "tokens"]
    );
    assert_eq!(rows[1][9], "ok", "{csv}");
}

#[test]
fn reconcile_json_states_its_range_and_provisional_days() {
    let work = Workdir::new();
    let dir = fixture("reconcile");
    let run = work.run(&[
        "reconcile",
        dir.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-05",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.ok()).unwrap();
    assert_eq!(json["from"], "2026-10-01");
    // Nothing after the as-of day is part of a figure: the range ends there.
    assert_eq!(json["to"], "2026-10-05");
    assert_eq!(json["as_of"], "2026-10-05T00:00:00Z");
    assert_eq!(
        json["provisional_days"],
        serde_json::json!(["2026-10-02", "2026-10-03", "2026-10-04"])
    );
    assert!(
        run.stderr()
            .contains("2026-10-02 to 2026-10-04 are provisional"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_tolerance_missing_its_percent_sign_is_refused_and_the_table_names_the_tolerance() {
    // Before: `--tolerance 5` meant 500% and flagged nothing, with exit 0; the table never said
    // which tolerance it flagged at, so `--tolerance 0.5` (50%) passed for 0.5%.
    let run = Workdir::new().run(&["reconcile", &fixture("reconcile"), "--tolerance", "5"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("--tolerance \"5\": a fraction above 1 (500%) flags almost nothing; for 5 percent write 5%"),
        "{}",
        run.stderr()
    );
    // 1 (100%) is still a fraction anyone may mean; 150% written as such too.
    assert!(reconcile(&["--tolerance", "150%"]).contains("at a tolerance of 150%"));
    let half = reconcile(&["--tolerance", "0.5"]);
    assert!(
        half.contains("day/SKU row(s) flagged at a tolerance of 50%"),
        "{half}"
    );
    let default = reconcile(&[]);
    assert!(
        default.contains("3 of 7 day/SKU row(s) flagged at a tolerance of 0.5%"),
        "{default}"
    );
}

/// Before: a filter that matched nothing printed "every row is estimated-only" and "every row
/// is billed-only" together, before the real cause.
#[test]
fn reconcile_with_no_row_in_range_does_not_contradict_itself() {
    let dir = fixture("reconcile");
    let run = Workdir::new().run(&[
        "reconcile",
        dir.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--project",
        "nope",
    ]);
    let stderr = run.stderr();
    assert!(!stderr.contains("every row is estimated-only"), "{stderr}");
    assert!(!stderr.contains("every row is billed-only"), "{stderr}");
    assert!(stderr.contains("--project nope matches no row"), "{stderr}");
    // One side alone still says so.
    let billed_only = Workdir::new().run(&[
        "reconcile",
        &format!("{dir}/billed.csv"),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ]);
    assert!(
        billed_only
            .stderr()
            .contains("no token records in range: every row is billed-only"),
        "{}",
        billed_only.stderr()
    );
}

//! `tally report` on the bundled fixtures: golden outputs, independent totals, the delay rule.

use crate::util::{Workdir, assert_golden, costs_by_key, fixture, independent, records};
use rust_decimal::Decimal;
use std::str::FromStr;

const OCTOBER: &[&str] = &["--month", "2026-10", "--as-of", "2026-11-28T10:30Z"];

fn console_report(extra: &[&str]) -> String {
    let console = fixture("console");
    let mut args = vec!["report", console.as_str()];
    args.extend_from_slice(OCTOBER);
    args.extend_from_slice(extra);
    Workdir::new().run(&args).ok()
}

#[test]
fn report_console_totals_by_each_scope_match_independent_computation() {
    for (by, pinned) in [
        ("sku", "console-by-sku.csv"),
        ("project", "console-by-project.csv"),
        ("service", "console-by-service.csv"),
        ("project,sku", "console-by-project-sku.csv"),
    ] {
        let csv = console_report(&["--by", by, "--format", "csv"]);
        assert_eq!(costs_by_key(&csv), independent(pinned), "--by {by}");
    }
}

#[test]
fn report_console_by_sku_golden_csv_and_table() {
    let csv = console_report(&["--format", "csv"]);
    assert_golden("console-2026-10-by-sku.csv", &csv);
    let table = console_report(&["--by", "service"]);
    assert_golden("console-2026-10-by-service.txt", &table);
}

#[test]
fn report_nested_project_sku_golden() {
    let csv = console_report(&["--by", "project,sku", "--format", "csv"]);
    assert_golden("console-2026-10-by-project-sku.csv", &csv);
    // Quantities are summed within one SKU and unit only.
    let rows = records(&csv);
    assert_eq!(
        rows[0],
        [
            "project",
            "sku",
            "unit",
            "quantity",
            "cost",
            "currency",
            "status",
            "provisional_cost"
        ]
    );
}

#[test]
fn report_periods_day_week_month_golden() {
    for period in ["day", "week", "month"] {
        let csv = console_report(&["--by", "service", "--period", period, "--format", "csv"]);
        assert_golden(&format!("console-2026-10-service-by-{period}.csv"), &csv);
        // Every period split adds up to the same month total.
        let total: Decimal = records(&csv)[1..]
            .iter()
            .map(|r| Decimal::from_str(&r[3]).unwrap())
            .sum();
        assert_eq!(
            total,
            independent("console-total.csv")["total"],
            "--period {period}"
        );
    }
    let weeks = console_report(&["--by", "service", "--period", "week", "--format", "csv"]);
    let first = &records(&weeks)[1];
    // 2026-10-01 is a Thursday: the first ISO week is clipped to the month.
    assert_eq!(
        (first[0].as_str(), first[1].as_str()),
        ("2026-10-01", "2026-10-04")
    );
}

#[test]
fn report_filters_project_and_range() {
    let console = fixture("console");
    let csv = Workdir::new()
        .run(&[
            "report",
            &console,
            "--from",
            "2026-10-03",
            "--to",
            "2026-10-17",
            "--project",
            "search-prod",
            "--by",
            "sku",
            "--format",
            "csv",
            "--as-of",
            "2026-11-28",
        ])
        .ok();
    assert_eq!(
        costs_by_key(&csv),
        independent("console-2026-10-03_to_2026-10-17-search-prod-by-sku.csv")
    );
    // The project filter takes the ID too.
    let by_id = Workdir::new()
        .run(&[
            "report",
            &console,
            "--from",
            "2026-10-03",
            "--to",
            "2026-10-17",
            "--project",
            "proj-7f3a",
            "--by",
            "sku",
            "--format",
            "csv",
            "--as-of",
            "2026-11-28",
        ])
        .ok();
    assert_eq!(by_id, csv);
    let services = console_report(&[
        "--service",
        "assistants",
        "--service",
        "inference",
        "--by",
        "service",
        "--format",
        "csv",
    ]);
    let expected = independent("console-by-service.csv");
    let got = costs_by_key(&services);
    assert_eq!(got.len(), 2);
    assert_eq!(got["assistants"], expected["assistants"]);
    assert_eq!(got["inference"], expected["inference"]);
    let tagged = console_report(&["--tag", "env=staging", "--by", "project", "--format", "csv"]);
    assert_eq!(
        costs_by_key(&tagged).keys().collect::<Vec<_>>(),
        ["search-staging"]
    );
}

#[test]
fn report_json_golden() {
    let json = console_report(&["--by", "service", "--format", "json"]);
    assert_golden("console-2026-10-by-service.json", &json);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["total"], "3103.45954429");
    assert_eq!(value["provisional_days"], serde_json::json!([]));
}

/// Six days of one SKU at 1.00 a day, ending on the as-of day of the README's cost-delay example.
fn late_november() -> String {
    let mut csv = String::from("date,sku,cost\n");
    for day in 23..=28 {
        csv.push_str(&format!(
            "2026-11-{day},Serverless Read Units (aws us-east-1),1.00\n"
        ));
    }
    csv
}

#[test]
fn report_delay_rule_at_its_boundary() {
    let work = Workdir::new();
    let input = work.create("late.csv", late_november());
    let run = work.run(&[
        "report",
        &input,
        "--month",
        "current",
        "--as-of",
        "2026-11-28T10:30Z",
        "--period",
        "day",
        "--format",
        "csv",
    ]);
    let rows = records(&run.ok());
    let status: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("2026-11-23", "final"),
            ("2026-11-24", "final"),
            ("2026-11-25", "provisional"),
            ("2026-11-26", "provisional"),
            ("2026-11-27", "provisional"),
            ("2026-11-28", "provisional"),
        ]
    );
    assert!(
        run.stderr()
            .contains("costs for 2026-11-25 to 2026-11-28 are provisional")
            && run
                .stderr()
                .contains("re-run on or after 2026-12-02T00:00Z"),
        "{}",
        run.stderr()
    );
    // One second before 2026-11-29T00:00Z, the 25th is still provisional; at midnight it is final.
    for (as_of, expected) in [
        ("2026-11-28T23:59:59Z", "provisional"),
        ("2026-11-29T00:00Z", "final"),
    ] {
        let csv = work
            .run(&[
                "report",
                &input,
                "--from",
                "2026-11-25",
                "--to",
                "2026-11-25",
                "--as-of",
                as_of,
                "--format",
                "csv",
            ])
            .ok();
        assert_eq!(records(&csv)[1][5], expected, "as of {as_of}");
    }
}

#[test]
fn report_final_only_drops_provisional_days() {
    let work = Workdir::new();
    let input = work.create("late.csv", late_november());
    let json = work
        .run(&[
            "report",
            &input,
            "--month",
            "current",
            "--as-of",
            "2026-11-28T10:30Z",
            "--final-only",
            "--format",
            "json",
        ])
        .ok();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["total"], "2.00");
    assert_eq!(value["to"], "2026-11-24");
    assert_eq!(value["groups"][0]["status"], "final");
    let total = work
        .run(&[
            "report",
            &input,
            "--month",
            "current",
            "--as-of",
            "2026-11-28T10:30Z",
            "--format",
            "json",
        ])
        .ok();
    let value: serde_json::Value = serde_json::from_str(&total).unwrap();
    assert_eq!(value["total"], "6.00");
    assert_eq!(value["groups"][0]["status"], "provisional");
    assert_eq!(
        value["provisional_days"],
        serde_json::json!(["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"])
    );
}

#[test]
fn report_focus_sample_matches_independent_computation() {
    let sample = fixture("focus-sample/focus_sample.csv");
    let run = |by: &str, extra: &[&str]| {
        let mut args = vec![
            "report",
            sample.as_str(),
            "--month",
            "2024-09",
            "--as-of",
            "2026-11-28",
            "--by",
            by,
            "--format",
            "csv",
        ];
        args.extend_from_slice(extra);
        Workdir::new().run(&args).ok()
    };
    assert_eq!(
        costs_by_key(&run("service", &[])),
        independent("focus-sample-by-service.csv")
    );
    assert_eq!(
        costs_by_key(&run("project", &[])),
        independent("focus-sample-by-project.csv")
    );
    let daily = run("service", &["--period", "day"]);
    let mut by_day = std::collections::BTreeMap::<String, Decimal>::new();
    for row in &records(&daily)[1..] {
        *by_day.entry(row[0].clone()).or_default() += Decimal::from_str(&row[3]).unwrap();
    }
    assert_eq!(by_day, independent("focus-sample-by-day.csv"));
    let json = |extra: &[&str]| {
        let mut args = vec![
            "report",
            sample.as_str(),
            "--month",
            "2024-09",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = Workdir::new().run(&args).ok();
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["total"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let total = independent("focus-sample-total.csv")["total"];
    assert_eq!(Decimal::from_str(&json(&[])).unwrap(), total);
    let effective = independent("focus-sample-effective-total.csv")["total"];
    assert_eq!(
        Decimal::from_str(&json(&["--cost", "effective"])).unwrap(),
        effective
    );
    // FOCUS columns are grouping keys too.
    let categories = run("ChargeCategory", &[]);
    assert_eq!(
        costs_by_key(&categories).keys().collect::<Vec<_>>(),
        ["Adjustment", "Credit", "Usage"]
    );
}

#[test]
fn report_export_zip_agrees_with_console_csv() {
    let export = fixture("export/cost-usage-export-2026-10.zip");
    let csv = Workdir::new()
        .run(&[
            "report",
            &export,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "project",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(costs_by_key(&csv), independent("export-by-project.csv"));
    // The export's usage rows are the console's rows: same figures by project and SKU.
    let nested = |input: &str| {
        Workdir::new()
            .run(&[
                "report",
                input,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
                "--by",
                "project,sku",
                "--format",
                "csv",
            ])
            .ok()
    };
    let mut from_export = costs_by_key(&nested(&export));
    assert_eq!(
        from_export.remove(" | Support Plan (Standard)"),
        Some(Decimal::from(100))
    );
    assert_eq!(from_export, costs_by_key(&nested(&fixture("console"))));
    // x_ vendor columns group like any column.
    let by_index = Workdir::new()
        .run(&[
            "report",
            &export,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "x_IndexName",
            "--format",
            "csv",
        ])
        .ok();
    assert!(
        costs_by_key(&by_index).contains_key("faq-bot"),
        "{by_index}"
    );
}

#[test]
fn report_out_dir_is_complete_and_byte_identical_on_rerun() {
    let work = Workdir::new();
    let console = fixture("console");
    let args = [
        "report",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02T10:30Z",
        "--by",
        "service",
        "--out",
        "out",
    ];
    work.run(&args).ok();
    let first = (work.read("out/summary.csv"), work.read("out/daily.csv"));
    assert_golden("console-2026-10-summary-as-of-11-02.csv", &first.0);
    assert_golden("console-2026-10-daily-as-of-11-02.csv", &first.1);
    work.run(&args).ok();
    assert_eq!(
        (work.read("out/summary.csv"), work.read("out/daily.csv")),
        first
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let input = &manifest["inputs"][0];
    assert_eq!(input["kind"], "usage-csv");
    assert_eq!(input["rows"]["read"], 853);
    assert_eq!(input["rows"]["used"], 853);
    assert_eq!(input["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["as_of"], "2026-11-02T10:30:00Z");
    assert_eq!(
        manifest["provisional_days"],
        serde_json::json!(["2026-10-30", "2026-10-31"])
    );
    assert_eq!(manifest["options"]["by"], serde_json::json!(["service"]));
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(work.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn report_period_merge_without_out_matches_the_daily_path() {
    // Without --out, days are merged into periods before decoding; with --out they are not
    // (daily.csv needs them). Both must print the same bytes, statuses and provisional days
    // included, with the as-of day inside the data.
    let console = fixture("console");
    for period in ["total", "week", "month", "day"] {
        for format in ["json", "csv", "table"] {
            let args = |out: bool| {
                let mut args = vec![
                    "report",
                    console.as_str(),
                    "--month",
                    "2026-10",
                    "--as-of",
                    "2026-10-20T08:00Z",
                    "--by",
                    "project,sku",
                    "--period",
                    period,
                    "--format",
                    format,
                ];
                if out {
                    args.extend_from_slice(&["--out", "out", "--no-charts"]);
                }
                args
            };
            let work = Workdir::new();
            assert_eq!(
                work.run(&args(false)).ok(),
                work.run(&args(true)).ok(),
                "{period} {format}"
            );
        }
    }
}

#[test]
fn report_mixed_sources_never_add_an_estimate_to_a_bill() {
    // The console fixture (billed) and the token fixture (estimated) in one run: groups lead
    // with `source`, and every total is given per source, never as their sum.
    let work = Workdir::new();
    let (console, tokens) = (fixture("console"), fixture("tokens"));
    let args = |format: &str| {
        vec![
            "report".to_string(),
            console.clone(),
            tokens.clone(),
            "--month".into(),
            "2026-10".into(),
            "--as-of".into(),
            "2026-11-28".into(),
            "--by".into(),
            "service".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format: &str| {
        let args = args(format);
        work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .ok()
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["total"], serde_json::Value::Null);
    assert_eq!(
        json["totals"][0],
        serde_json::json!({"source": "billed", "currency": "USD", "total": "3103.45954429",
                           "final": "3103.45954429", "provisional": "0.00"})
    );
    assert_eq!(json["totals"][1]["source"], "estimated");
    let estimated = json["totals"][1]["total"].as_str().unwrap().to_string();
    let table = run("table");
    let last: Vec<&str> = table.lines().rev().take(2).collect();
    assert!(
        last[1].starts_with("total billed") && last[1].contains("3,103.46"),
        "{table}"
    );
    assert!(last[0].starts_with("total estimated"), "{table}");
    // The estimated total is the sum of the estimated groups only.
    let csv = records(&run("csv"));
    let sum: Decimal = csv[1..]
        .iter()
        .filter(|r| r[0] == "estimated")
        .map(|r| Decimal::from_str(&r[2]).unwrap())
        .sum();
    assert_eq!(sum, Decimal::from_str(&estimated).unwrap());
    let mut out = args("csv");
    out.extend(["--out".to_string(), "out".to_string()]);
    let stderr = work
        .run(&out.iter().map(String::as_str).collect::<Vec<_>>())
        .stderr();
    assert!(
        stderr.contains("would add an estimate to a bill"),
        "{stderr}"
    );
    let html = work.read("out/report.html");
    assert!(html.contains("Total billed") && html.contains("Total estimated"));
    assert!(!work.path().join("out/chart-daily.svg").exists());
    // A folder that held charts from an earlier run loses them when this run draws none.
    let charted = [
        "report",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "out",
    ];
    work.run(&charted).ok();
    assert!(work.path().join("out/chart-share.svg").exists());
    work.run(&out.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert!(!work.path().join("out/chart-share.svg").exists());
    assert!(!work.path().join("out/chart-daily.png").exists());
}

#[test]
fn report_by_currency_totals_each_currency_apart() {
    let work = Workdir::new();
    let input = work.create(
        "fx.csv",
        "date,sku,cost,currency\n2026-10-01,S1,10.00,USD\n2026-10-02,S1,7.50,EUR\n2026-10-03,S2,1.25,USD\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec![
            "report",
            input.as_str(),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ];
        args.extend_from_slice(extra);
        work.run(&args)
    };
    // Without --by currency, several currencies are an error.
    let stderr = run(&[]).fails();
    assert!(stderr.contains("several currencies (EUR, USD)"), "{stderr}");
    // The currency is a key column, so it is not written a second time.
    let csv = run(&["--by", "currency,sku", "--format", "csv"]).ok();
    assert_eq!(
        records(&csv)[0],
        [
            "currency",
            "sku",
            "unit",
            "quantity",
            "cost",
            "status",
            "provisional_cost"
        ]
    );
    let table = run(&["--by", "currency,sku"]).ok();
    let last: Vec<&str> = table.lines().rev().take(2).collect();
    assert!(
        last[1].starts_with("total EUR") && last[1].contains("7.50"),
        "{table}"
    );
    assert!(
        last[0].starts_with("total USD") && last[0].contains("11.25"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--by", "currency", "--format", "json"]).ok()).unwrap();
    assert_eq!(json["total"], serde_json::Value::Null);
    assert_eq!(json["currency"], serde_json::Value::Null);
    assert_eq!(
        json["totals"],
        serde_json::json!([
            {"source": "billed", "currency": "EUR", "total": "7.50", "final": "7.50",
             "provisional": "0.00"},
            {"source": "billed", "currency": "USD", "total": "11.25", "final": "11.25",
             "provisional": "0.00"}
        ])
    );
}

#[test]
fn report_edge_ranges_and_trailing_zeros() {
    let work = Workdir::new();
    // Trailing zeros are not lost digits: these sums are exact.
    let padded = work.create(
        "padded.csv",
        "date,sku,cost\n2026-01-01,A,5.0000000000000000000000000000\n2026-01-02,A,5.0000000000000000000000000000\n",
    );
    let json = work
        .run(&[
            "report",
            &padded,
            "--month",
            "2026-01",
            "--as-of",
            "2026-02-10",
            "--format",
            "json",
        ])
        .ok();
    assert!(json.contains("\"total\": \"10.00\""), "{json}");
    // --final-only with a delay reaching before any day: no day is left.
    let err = work.run(&[
        "report",
        &padded,
        "--month",
        "2026-01",
        "--as-of",
        "2026-02-10",
        "--final-only",
        "--delay-days",
        "4294967295",
    ]);
    assert_eq!(err.code(), 2, "{}", err.stderr());
    // A range entirely after the as-of day: nothing in it can be known, which is said rather
    // than reported as a total of zero.
    let future = work.run(&[
        "report",
        &padded,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--as-of",
        "2026-01-02",
        "--format",
        "json",
    ]);
    assert_eq!(future.code(), 2, "{}", future.stderr());
    assert!(
        future.stderr().contains(
            "the range 2026-03-01 to 2026-03-31 starts after the as-of day 2026-01-02: nothing \
             in it can be known yet"
        ),
        "{}",
        future.stderr()
    );
}

//! `tally alerts`: exit codes, first days, the spike boundary, provisional marking, the
//! missing previous month, --out with its lock, --config, and --by.

use crate::util::{Workdir, fixture, records};
use serde_json::Value;

const HEADER: &str =
    "Date,Project ID,Project Name,Service,SKU,Region,Index,Quantity,Unit,Cost (USD),Currency\n";

fn row(day: &str, project: &str, cost: &str) -> String {
    let (id, service, sku) = match project {
        "search-prod" => (
            "proj-7f3a",
            "database",
            "Serverless Read Units (aws us-east-1)",
        ),
        _ => ("proj-c2d4", "assistants", "Assistants Input Tokens"),
    };
    format!("{day},{id},{project},{service},{sku},aws us-east-1,products,1000,RU,{cost},USD\n")
}

fn days(month: &str, count: u32) -> impl Iterator<Item = String> {
    let month = month.to_string();
    (1..=count).map(move |d| format!("{month}-{d:02}"))
}

/// September 2026: 30 days × 20.00 = 600.00 for search-prod.
fn september() -> String {
    let mut text = HEADER.to_string();
    for day in days("2026-09", 30) {
        text.push_str(&row(&day, "search-prod", "20.00"));
    }
    text
}

/// October 2026 for search-prod: 1..11 at 40.00 (440.00), the 12th 60.00 (500.00 exactly),
/// 13..19 at 60.00 (920.00), the 20th 80.00 (1000.00 exactly), 21..31 at 10.00 (1110.00);
/// plus support-bot at 1.00 a day (31.00), which the --project filter removes.
fn october() -> String {
    let mut text = HEADER.to_string();
    for (n, day) in days("2026-10", 31).enumerate() {
        let cost = match n + 1 {
            1..=11 => "40.00",
            12..=19 => "60.00",
            20 => "80.00",
            _ => "10.00",
        };
        text.push_str(&row(&day, "search-prod", cost));
        text.push_str(&row(&day, "support-bot", "1.00"));
    }
    text
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn two_months() -> Workdir {
    let work = Workdir::new();
    work.create("exports/2026-09.csv", september());
    work.create("exports/2026-10.csv", october());
    work
}

#[test]
fn alerts_thresholds_report_their_first_days_and_exit_3() {
    let work = two_months();
    let run = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--project",
        "search-prod",
        "--threshold",
        "500",
        "--threshold",
        "1000",
        "--threshold",
        "2000",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["month"], "2026-10");
    assert_eq!(doc["as_of"], "2026-11-10T00:00:00Z");
    assert_eq!(doc["currency"], "USD");
    assert_eq!(doc["month_to_date"], "1110.00");
    assert_eq!(doc["provisional_days"], serde_json::json!([]));
    let alerts = doc["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 4);
    assert_eq!(
        alerts[0],
        serde_json::json!({"kind": "threshold", "threshold": "500", "fired": true,
                           "first_day": "2026-10-12", "provisional": false})
    );
    assert_eq!(alerts[1]["first_day"], "2026-10-20");
    assert_eq!(alerts[2]["fired"], false);
    assert_eq!(alerts[2]["first_day"], Value::Null);
    assert_eq!(
        alerts[3],
        serde_json::json!({"kind": "spike", "factor": "2", "base": "previous_usage",
                 "previous_invoice": null, "previous_month_total": "600.00",
                           "fired": false, "provisional": false,
                           "note": "1110.00 ≤ 2 × 600.00, the usage total of previous month 2026-09"})
    );
    // The keys come in the documented order (with the filters, as this run has some).
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "month",
            "as_of",
            "filters",
            "currency",
            "month_to_date",
            "provisional_days",
            "rows_skipped",
            "skipped_cost",
            "forecast",
            "alerts"
        ]
    );
}

#[test]
fn alerts_exit_0_when_nothing_fires() {
    let work = two_months();
    let run = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--threshold",
        "5000",
    ]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stdout().contains("threshold 5000"), "{}", run.stdout());
}

fn spike_run(october_total: &str) -> (i32, Value) {
    let work = Workdir::new();
    work.create("sep.csv", september());
    work.create(
        "oct.csv",
        format!(
            "{HEADER}{}",
            row("2026-10-01", "search-prod", october_total)
        ),
    );
    let run = work.run(&[
        "alerts",
        "sep.csv",
        "oct.csv",
        "--as-of",
        "2026-10-10",
        "--format",
        "json",
    ]);
    (run.code(), json(&run.stdout()))
}

#[test]
fn alerts_spike_fires_at_2_01_times_not_at_2_00() {
    let (code, doc) = spike_run("1200.00");
    assert_eq!(code, 0);
    assert_eq!(doc["alerts"][0]["fired"], false);
    assert_eq!(
        doc["alerts"][0]["note"],
        "1200.00 ≤ 2 × 600.00, the usage total of previous month 2026-09"
    );

    let (code, doc) = spike_run("1206.00");
    assert_eq!(code, 3);
    let spike = &doc["alerts"][0];
    assert_eq!(spike["fired"], true);
    assert_eq!(spike["previous_month_total"], "600.00");
    assert_eq!(
        spike["note"],
        "1206.00 > 2 × 600.00, the usage total of previous month 2026-09"
    );
    // October 7th..10th are provisional as of the 10th.
    assert_eq!(spike["provisional"], true);
}

#[test]
fn alerts_provisional_until_as_of_moves_forward_four_days() {
    let work = two_months();
    let check = |as_of: &str| {
        let run = work.run(&[
            "alerts",
            "exports",
            "--project",
            "search-prod",
            "--threshold",
            "500",
            "--as-of",
            as_of,
            "--format",
            "json",
        ]);
        assert_eq!(run.code(), 3, "{}", run.stderr());
        json(&run.stdout())
    };
    let early = check("2026-10-12");
    assert_eq!(early["alerts"][0]["first_day"], "2026-10-12");
    assert_eq!(early["alerts"][0]["provisional"], true);
    assert_eq!(
        early["provisional_days"],
        serde_json::json!(["2026-10-09", "2026-10-10", "2026-10-11", "2026-10-12"])
    );
    let later = check("2026-10-16");
    assert_eq!(later["alerts"][0]["first_day"], "2026-10-12");
    assert_eq!(later["alerts"][0]["provisional"], false);
}

#[test]
fn alerts_missing_previous_month_does_not_fire_the_spike() {
    let work = Workdir::new();
    work.create("oct.csv", october());
    let run = work.run(&[
        "alerts",
        "oct.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let spike = &json(&run.stdout())["alerts"][0];
    assert_eq!(spike["fired"], false);
    assert_eq!(spike["previous_month_total"], Value::Null);
    assert_eq!(
        spike["note"],
        "previous month 2026-09 is missing from the inputs; no spike check"
    );
}

#[test]
fn alerts_bad_input_exits_1_and_bad_options_exit_2() {
    let work = Workdir::new();
    let bad = work.create(
        "bad.csv",
        format!("{HEADER}{}", row("2026-10-01", "search-prod", "\"12,50\"")),
    );
    let stderr = work
        .run(&["alerts", &bad, "--threshold", "1", "--as-of", "2026-10-05"])
        .fails();
    assert!(stderr.contains("bad.csv:2"), "{stderr}");

    let good = work.create("oct.csv", october());
    let run = work.run(&["alerts", &good, "--threshold", "1,000"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("thousands separator"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");
}

#[test]
fn alerts_out_writes_json_and_csv_identically_on_rerun() {
    let work = two_months();
    let args = [
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--project",
        "search-prod",
        "--threshold",
        "500",
        "--out",
        "out",
    ];
    assert_eq!(work.run(&args).code(), 3);
    let first = (work.read("out/alerts.json"), work.read("out/alerts.csv"));
    assert_eq!(json(&first.0)["alerts"][0]["first_day"], "2026-10-12");
    let rows = records(&first.1);
    assert_eq!(rows[0][..4], ["period", "as_of", "kind", "threshold"]);
    assert_eq!(
        rows[1][..7],
        [
            "2026-10",
            "2026-11-10T00:00:00Z",
            "threshold",
            "500",
            "",
            "true",
            "2026-10-12"
        ]
    );
    assert_eq!(rows[2][2], "spike");
    assert!(!work.path().join("out/.tally.lock").exists());
    assert_eq!(work.run(&args).code(), 3);
    assert_eq!(
        (work.read("out/alerts.json"), work.read("out/alerts.csv")),
        first
    );
}

#[test]
fn alerts_out_draws_the_month_to_date_chart_identically_on_rerun() {
    let work = two_months();
    let args = [
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-22",
        "--project",
        "search-prod",
        "--threshold",
        "500",
        "--threshold",
        "1000",
        "--threshold",
        "5000",
        "--out",
        "out",
    ];
    assert_eq!(work.run(&args).code(), 3);
    let svg = work.read("out/chart-mtd.svg");
    assert!(svg.starts_with("<svg"), "{svg}");
    for label in [
        "threshold 500.00 USD",
        "threshold 1,000.00 USD",
        "threshold 5,000.00 USD",
        // September is complete and final as of October 22nd: the spike line is drawn.
        "spike limit 1,200.00 USD",
        "reached 10-12",
        "reached 10-20",
        "provisional (may change)",
    ] {
        assert!(svg.contains(label), "no {label:?} in chart-mtd.svg");
    }
    let png = std::fs::read(work.path().join("out/chart-mtd.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(work.run(&args).code(), 3);
    assert_eq!(work.read("out/chart-mtd.svg"), svg);
    assert_eq!(
        std::fs::read(work.path().join("out/chart-mtd.png")).unwrap(),
        png
    );

    // --no-charts writes no chart, and removes the one an earlier run left.
    let mut no_charts = args.to_vec();
    no_charts.push("--no-charts");
    assert_eq!(work.run(&no_charts).code(), 3);
    assert!(work.path().join("out/alerts.json").exists());
    assert!(!work.path().join("out/chart-mtd.svg").exists());
    assert!(!work.path().join("out/chart-mtd.png").exists());
}

#[test]
fn alerts_out_refuses_a_folder_another_run_holds() {
    let work = two_months();
    // The lock lies beside the folder (the folder itself is replaced as a whole); the test
    // process is a live holder of the OS lock.
    let pid = std::process::id();
    work.create(".out.tally.lock", format!("{pid}\n"));
    let held = std::fs::File::open(work.path().join(".out.tally.lock")).unwrap();
    held.try_lock().unwrap();
    let stderr = work
        .run(&["alerts", "exports", "--as-of", "2026-11-10", "--out", "out"])
        .fails();
    assert!(
        stderr.contains(&format!("another tally run (process {pid})")),
        "{stderr}"
    );
    assert!(!work.path().join("out/alerts.json").exists());
}

#[test]
fn alerts_config_file_with_command_line_overrides() {
    let work = two_months();
    let config = work.create(
        "alerts.toml",
        "[alert.search]\nmonth = \"2026-10\"\nthresholds = [\"1000\"]\nproject = [\"search-prod\"]\n",
    );
    let run = work.run(&[
        "alerts",
        "exports",
        "--config",
        &config,
        "--as-of",
        "2026-11-10",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["month_to_date"], "1110.00");
    assert_eq!(doc["alerts"][0]["first_day"], "2026-10-20");

    // --threshold and --project replace the file's.
    let run = work.run(&[
        "alerts",
        "exports",
        "--config",
        &config,
        "--as-of",
        "2026-11-10",
        "--threshold",
        "31",
        "--project",
        "support-bot",
        "--format",
        "json",
    ]);
    let doc = json(&run.stdout());
    assert_eq!(doc["month_to_date"], "31.00");
    assert_eq!(doc["alerts"][0]["threshold"], "31");
    assert_eq!(doc["alerts"][0]["first_day"], "2026-10-31");
    // support-bot spent nothing in September, which the inputs cover: 31.00 > 2 × 0.00.
    assert_eq!(
        doc["alerts"][1]["note"],
        "31.00 > 2 × 0.00, the usage total of previous month 2026-09"
    );
}

#[test]
fn alerts_config_refuses_float_amounts() {
    let work = two_months();
    let config = work.create("alerts.toml", "[alert.a]\nthresholds = [500.5]\n");
    let run = work.run(&["alerts", "exports", "--config", &config]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("quote it: \"500.5\""),
        "{}",
        run.stderr()
    );
}

/// Before: a threshold of 0 or below was accepted and fired on any spend, every run.
#[test]
fn alerts_a_threshold_of_zero_or_below_is_refused() {
    let work = two_months();
    for (value, shown) in [("\"-1\"", "-1"), ("\"0\"", "0"), ("\"0.00\"", "0.00")] {
        let config = work.create(
            "alerts.toml",
            format!("[alert.a]\nthresholds = [{value}]\n"),
        );
        let run = work.run(&["alerts", "exports", "--config", &config]);
        assert_eq!(run.code(), 2, "{value}: {}", run.stderr());
        assert!(
            run.stderr().contains(&format!(
                "alerts.toml: [alert.a] thresholds \"{shown}\": a threshold must be above zero"
            )),
            "{}",
            run.stderr()
        );
    }
    let run = work.run(&["alerts", "exports", "--threshold", "100", "--threshold=-5"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("--threshold \"-5\": a threshold must be above zero"),
        "{}",
        run.stderr()
    );
    // The smallest amount above zero is a threshold like any other.
    let run = work.run(&[
        "alerts",
        "exports",
        "--threshold",
        "0.01",
        "--month",
        "2026-10",
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
}

#[test]
fn alerts_example_config_runs_on_the_console_fixture() {
    let work = Workdir::new();
    let run = work.run(&[
        "alerts",
        &fixture("console/usage-2026-10.csv"),
        "--config",
        &fixture("alerts.toml"),
        "--alert",
        "search-prod-database",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["alerts"][0]["threshold"], "1000.00");
    assert_eq!(doc["alerts"][1]["factor"], "1.5");
}

#[test]
fn alerts_last_days_compare_with_the_days_before() {
    let work = two_months();
    let run = work.run(&[
        "alerts",
        "exports",
        "--project",
        "search-prod",
        "--last",
        "7d",
        "--as-of",
        "2026-10-31T12:00Z",
        "--spike-factor",
        "0.5",
        "--format",
        "json",
    ]);
    // Oct 25..31 at 10.00 = 70.00; Oct 18..24: 18, 19 at 60.00, the 20th 80.00, 21..24 at
    // 10.00 = 240.00; 70.00 ≤ 0.5 × 240.00.
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["window"], "last 7d");
    assert_eq!(doc["from"], "2026-10-25");
    assert_eq!(doc["to"], "2026-10-31");
    assert_eq!(doc["month_to_date"], "70.00");
    assert_eq!(doc["alerts"][0]["previous_month_total"], "240.00");
    assert_eq!(
        doc["alerts"][0]["note"],
        "70.00 ≤ 0.5 × 240.00, the usage total of the previous 7 days (2026-10-18 to 2026-10-24)"
    );
}

/// `--by project` over `two_months()` with thresholds 500 and 1000, as of 2026-11-10.
fn by_project(extra: &[&str]) -> crate::util::Run {
    let work = two_months();
    let mut args = vec![
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--threshold",
        "500",
        "--threshold",
        "1000",
        "--by",
        "project",
    ];
    args.extend_from_slice(extra);
    work.run(&args)
}

#[test]
fn alerts_by_project_fires_only_the_group_that_crossed() {
    let run = by_project(&["--format", "json"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "month",
            "as_of",
            "currency",
            "month_to_date",
            "provisional_days",
            "rows_skipped",
            "skipped_cost",
            "forecast",
            "by",
            "groups"
        ]
    );
    // The whole spend: 1110.00 for search-prod + 31 × 1.00 for support-bot.
    assert_eq!(doc["month_to_date"], "1141.00");
    assert_eq!(doc["by"], "project");
    assert_eq!(
        doc["groups"],
        serde_json::json!([
            {"project": "search-prod", "month_to_date": "1110.00", "forecast": null, "alerts": [
                {"kind": "threshold", "threshold": "500", "fired": true,
                 "first_day": "2026-10-12", "provisional": false},
                {"kind": "threshold", "threshold": "1000", "fired": true,
                 "first_day": "2026-10-20", "provisional": false},
                {"kind": "spike", "factor": "2", "base": "previous_usage",
                 "previous_invoice": null, "previous_month_total": "600.00",
                 "fired": false, "provisional": false, "note": "1110.00 ≤ 2 × 600.00, the usage total of previous month 2026-09"}]},
            {"project": "support-bot", "month_to_date": "31.00", "forecast": null, "alerts": [
                {"kind": "threshold", "threshold": "500", "fired": false,
                 "first_day": null, "provisional": false},
                {"kind": "threshold", "threshold": "1000", "fired": false,
                 "first_day": null, "provisional": false},
                // September is covered (search-prod's rows) but support-bot spent nothing in
                // it: no spike check, where without --by 31.00 > 2 × 0.00 would fire.
                {"kind": "spike", "factor": "2", "base": "previous_usage",
                 "previous_invoice": null, "previous_month_total": "0.00",
                 "fired": false, "provisional": false,
                 "note": "no spend in previous month 2026-09 for this group; no spike check"}]}
        ])
    );
}

#[test]
fn alerts_by_applies_each_threshold_to_each_group() {
    let work = two_months();
    let args = [
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--threshold",
        "1120",
    ];
    // The whole spend (1141.00) reaches 1120; neither project's does (1110.00 and 31.00).
    // The spend of each group is right-aligned, like every figure (it was left-aligned).
    assert_eq!(work.run(&args).code(), 3);
    let grouped = work.run(&[&args[..], &["--by", "project"]].concat());
    assert_eq!(grouped.code(), 0, "{}", grouped.stderr());
    assert_eq!(
        grouped.stdout(),
        "alerts for 2026-10 as of 2026-11-10T00:00:00Z: spend 1,141.00 USD \
         (2026-10-01 to 2026-10-31), by project\n\
         project         spend  alert           fired  since  status  note\n\
         search-prod  1,110.00  threshold 1120  no     -      final\n\
         \x20                      spike ×2        no     -      final   1110.00 ≤ 2 × 600.00, the usage total of previous month 2026-09\n\
         support-bot     31.00  threshold 1120  no     -      final\n\
         \x20                      spike ×2        no     -      final   no spend in previous \
         month 2026-09 for this group; no spike check\n"
    );
}

#[test]
fn alerts_by_csv_leads_with_the_key_column() {
    let run = by_project(&["--format", "csv"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let rows = records(&run.stdout());
    assert_eq!(rows[0][..4], ["project", "period", "as_of", "kind"]);
    let fired: Vec<(&str, &str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[3].as_str(), r[6].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        fired,
        [
            ("search-prod", "threshold", "true", "2026-10-12"),
            ("search-prod", "threshold", "true", "2026-10-20"),
            ("search-prod", "spike", "false", ""),
            ("support-bot", "threshold", "false", ""),
            ("support-bot", "threshold", "false", ""),
            ("support-bot", "spike", "false", ""),
        ]
    );
    assert!(rows[1..4].iter().all(|r| r[8] == "1110.00"));
    assert!(rows[4..].iter().all(|r| r[8] == "31.00"));
}

#[test]
fn alerts_by_in_config_file_and_overridden_on_the_command_line() {
    let work = two_months();
    let config = work.create(
        "alerts.toml",
        "[alert.teams]\nmonth = \"2026-10\"\nthresholds = [\"500\"]\nby = \"project\"\n",
    );
    let base = [
        "alerts",
        "exports",
        "--config",
        &config,
        "--as-of",
        "2026-11-10",
    ];
    let run = work.run(&[&base[..], &["--format", "json"]].concat());
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["by"], "project");
    let fired: Vec<(&str, &Value)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["project"].as_str().unwrap(), &g["alerts"][0]["first_day"]))
        .collect();
    assert_eq!(
        fired,
        [
            ("search-prod", &Value::from("2026-10-12")),
            ("support-bot", &Value::Null)
        ]
    );

    // --by on the command line replaces the file's key.
    let run = work.run(&[&base[..], &["--by", "service", "--format", "json"]].concat());
    let doc = json(&run.stdout());
    assert_eq!(doc["by"], "service");
    let services: Vec<&str> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["assistants", "database"]);
}

#[test]
fn alerts_by_out_writes_no_chart_and_says_why() {
    let work = two_months();
    let run = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--threshold",
        "500",
        "--by",
        "project",
        "--out",
        "out",
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("no chart: chart-mtd draws one running total, and --by project"),
        "{}",
        run.stderr()
    );
    assert!(!work.path().join("out/chart-mtd.svg").exists());
    assert_eq!(json(&work.read("out/alerts.json"))["by"], "project");
}

#[test]
fn alerts_by_takes_one_key() {
    let run = by_project(&["--by", "project,sku"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

/// `two_months()` plus November 1..3 at 300.00 a day for search-prod (900.00).
fn three_months() -> Workdir {
    let work = two_months();
    let mut november = HEADER.to_string();
    for day in days("2026-11", 3) {
        november.push_str(&row(&day, "search-prod", "300.00"));
    }
    work.create("exports/2026-11.csv", november);
    work
}

fn state_run(work: &Workdir, as_of: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "alerts",
        "exports",
        "--month",
        "current",
        "--as-of",
        as_of,
        "--project",
        "search-prod",
        "--threshold",
        "500",
        "--threshold",
        "1000",
        "--state",
        "state/search.json",
    ];
    args.extend_from_slice(extra);
    work.run(&args)
}

#[test]
fn alerts_state_notifies_once_per_alert_per_month() {
    let work = three_months();
    // As of October 19th: 920.00 to date (the 12th reached 500.00), 1000 not reached; the
    // spike compares with September's 600.00 (920.00 ≤ 1200.00). New: exit 3.
    let first = state_run(&work, "2026-10-19", &["--format", "json"]);
    assert_eq!(first.code(), 3, "{}", first.stderr());
    let doc = json(&first.stdout());
    assert_eq!(doc["month_to_date"], "920.00");
    assert_eq!(doc["alerts"][0]["fired"], true);
    assert_eq!(doc["alerts"][0]["already_fired_on"], Value::Null);
    let state = json(&work.read("state/search.json"));
    assert_eq!(state["kind"], "tally alerts state");
    assert_eq!(
        state["periods"]["2026-10"],
        serde_json::json!([{"alert": "threshold 500", "on": "2026-10-19"}])
    );

    // The same day again: nothing new, exit 0, and the table says when it fired.
    let second = state_run(&work, "2026-10-19", &[]);
    assert_eq!(second.code(), 0, "{}", second.stderr());
    let line = second
        .stdout()
        .lines()
        .find(|l| l.starts_with("threshold 500 "))
        .unwrap()
        .to_string();
    assert!(line.contains("FIRED"), "{line}");
    assert!(line.ends_with("already fired on 2026-10-19"), "{line}");

    // October 20th: 1000.00 exactly reaches the second threshold, first seen now: exit 3;
    // the first threshold keeps its day.
    let third = state_run(&work, "2026-10-20", &["--format", "json"]);
    assert_eq!(third.code(), 3, "{}", third.stderr());
    let doc = json(&third.stdout());
    assert_eq!(doc["alerts"][0]["already_fired_on"], "2026-10-19");
    assert_eq!(doc["alerts"][1]["fired"], true);
    assert_eq!(doc["alerts"][1]["already_fired_on"], Value::Null);
    assert_eq!(state_run(&work, "2026-10-21", &[]).code(), 0);

    // November: the period changed, November's records start empty (October's are kept).
    // 300.00 a day reaches 500 on the 2nd (600.00); 900.00 by the 3rd.
    let november = state_run(&work, "2026-11-05", &["--format", "csv"]);
    assert_eq!(november.code(), 3, "{}", november.stderr());
    let state = json(&work.read("state/search.json"));
    assert_eq!(
        state["periods"]["2026-11"],
        serde_json::json!([{"alert": "threshold 500", "on": "2026-11-05"}])
    );
    assert!(
        november
            .stdout()
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-11,2026-11-05T00:00:00Z,threshold,500,,true,2026-11-02,900.00,")
    );
    // Without --state, every run fires as before.
    let args = [
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-19",
        "--project",
        "search-prod",
        "--threshold",
        "500",
    ];
    assert_eq!(work.run(&args).code(), 3);
    assert_eq!(work.run(&args).code(), 3);
}

#[test]
fn alerts_state_concurrent_runs_notify_once() {
    let work = three_months();
    let codes: Vec<i32> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| state_run(&work, "2026-10-19", &[]).code()))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 0, 0, 3], "{codes:?}");
    let state = json(&work.read("state/search.json"));
    assert_eq!(state["periods"]["2026-10"].as_array().unwrap().len(), 1);
}

#[test]
fn alerts_state_damaged_or_foreign_is_an_error_and_left_alone() {
    let work = three_months();
    let damaged = "{\"kind\": \"tally alerts state\", \"version\": 1,\n  \"period\": 2026-10\n";
    work.create("state/search.json", damaged);
    let run = state_run(&work, "2026-10-19", &[]);
    let stderr = run.fails();
    assert!(
        stderr.contains("state/search.json:2:17: not a tally alerts state file"),
        "{stderr}"
    );
    assert!(run.stdout().is_empty());
    assert_eq!(work.read("state/search.json"), damaged);

    // A state another alert wrote (here: without the project filter) is refused too.
    let mut other = vec![
        "alerts",
        "exports",
        "--month",
        "current",
        "--as-of",
        "2026-10-19",
        "--threshold",
        "500",
        "--state",
        "state/org.json",
    ];
    assert_eq!(work.run(&other).code(), 3);
    let written = work.read("state/org.json");
    other.extend(["--project", "search-prod"]);
    let stderr = work.run(&other).fails();
    assert!(
        stderr.contains("state/org.json: the state of another alert"),
        "{stderr}"
    );
    assert_eq!(work.read("state/org.json"), written);

    // An alerts.json given as the state is not one.
    work.create("state/alerts.json", "{\"month\": \"2026-10\"}\n");
    let mut args = other.clone();
    args[9] = "state/alerts.json";
    let stderr = work.run(&args).fails();
    assert!(stderr.contains("not a tally alerts state file"), "{stderr}");
}

#[test]
fn alerts_state_from_the_config_file() {
    let work = three_months();
    work.create(
        "alerts.toml",
        "[alert.search]\nthresholds = [\"500\"]\nproject = [\"search-prod\"]\nstate = \"state/s.json\"\n",
    );
    let args = [
        "alerts",
        "exports",
        "--config",
        "alerts.toml",
        "--as-of",
        "2026-10-19",
    ];
    assert_eq!(work.run(&args).code(), 3);
    assert_eq!(work.run(&args).code(), 0);
    let state = json(&work.read("state/s.json"));
    assert_eq!(state["alert"]["name"], "search");
}

fn invoice_run(work: &Workdir, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "alerts",
        "exports",
        "--month",
        "current",
        "--as-of",
        "2026-10-02T06:30:00Z",
        "--project",
        "search-prod",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    work.run(&args)
}

#[test]
fn alerts_spike_on_day_2_against_the_previous_invoice() {
    let work = two_months();
    // As of October 2nd, September 28..30 are still provisional: against the usage total
    // there is no spike check yet.
    let usage = invoice_run(&work, &[]);
    assert_eq!(usage.code(), 0, "{}", usage.stderr());
    let spike = json(&usage.stdout())["alerts"][0].clone();
    assert_eq!(spike["base"], "previous_usage");
    assert!(
        spike["note"]
            .as_str()
            .unwrap()
            .contains("still provisional"),
        "{spike}"
    );

    // October 1st and 2nd: 40.00 + 40.00 = 80.00. Against an invoice of 39.99 the limit is
    // 2 × 39.99 = 79.98 < 80.00: the spike fires on day 2.
    let fired = invoice_run(&work, &["--previous-invoice", "39.99"]);
    assert_eq!(fired.code(), 3, "{}", fired.stderr());
    let doc = json(&fired.stdout());
    assert_eq!(doc["month_to_date"], "80.00");
    assert_eq!(
        doc["alerts"][0],
        serde_json::json!({"kind": "spike", "factor": "2", "base": "previous_invoice",
                           "previous_invoice": "39.99", "previous_month_total": null,
                           "fired": true, "provisional": true,
                           "note": "80.00 > 2 × 39.99, the previous invoice"})
    );
    // Exactly 2 × 40.00 = 80.00 does not fire.
    let at = invoice_run(&work, &["--previous-invoice", "40"]);
    assert_eq!(at.code(), 0, "{}", at.stderr());
    assert_eq!(
        json(&at.stdout())["alerts"][0]["note"],
        "80.00 ≤ 2 × 40.00, the previous invoice"
    );

    // From the config file, overridden by the command line.
    work.create(
        "alerts.toml",
        "[alert.a]\nproject = [\"search-prod\"]\nprevious_invoice = \"39.99\"\n",
    );
    let from_file = invoice_run(&work, &["--config", "alerts.toml"]);
    assert_eq!(from_file.code(), 3, "{}", from_file.stderr());
    let overridden = invoice_run(
        &work,
        &["--config", "alerts.toml", "--previous-invoice", "40"],
    );
    assert_eq!(overridden.code(), 0, "{}", overridden.stderr());

    // An invoice is a month's and the whole bill's: not with --last or --by; never a float
    // or a negative amount.
    for extra in [
        &["--previous-invoice", "40", "--last", "7d"][..],
        &["--previous-invoice", "40", "--by", "project"],
        &["--previous-invoice=-1"],
        &["--previous-invoice", "1,000"],
    ] {
        let run = work.run(
            &["alerts", "exports", "--as-of", "2026-10-02"]
                .iter()
                .chain(extra)
                .copied()
                .collect::<Vec<_>>(),
        );
        assert_eq!(run.code(), 2, "{extra:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("previous-invoice"),
            "{}",
            run.stderr()
        );
    }
    work.create("bad.toml", "[alert.a]\nprevious_invoice = 39.99\n");
    let run = work.run(&["alerts", "exports", "--config", "bad.toml"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("[alert.a] previous_invoice: 39.99 is a TOML float")
    );
}

/// October 2026 at a constant 10.00 a day on the 1st to the 20th (search-prod), nothing after.
fn constant_rate() -> Workdir {
    let work = Workdir::new();
    let mut text = HEADER.to_string();
    for day in days("2026-10", 20) {
        text.push_str(&row(&day, "search-prod", "10.00"));
    }
    work.create("exports/2026-10.csv", text);
    work
}

/// The forecast, computed by hand. As of 2026-10-21 06:30 UTC with the 3-day delay, the 18th
/// is the first provisional day (21 − 3), so the 1st..17th are final: final spend 17 × 10.00 =
/// 170.00. Run-rate: the mean of the last 7 final days (11th..17th) = 70.00 / 7 = 10.00 a day.
/// Remaining days: the 18th..31st = 14. Projection: 170.00 + 10.00 × 14 = 310.00 (the
/// provisional 18th..20th, 30.00 of actual spend, are projected at the run-rate instead).
/// Thresholds: 150 was reached by actual spend on the 15th (150.00); 250 needs 80.00 more =
/// 8 days after the 17th = the 25th; 500 > 310.00: not this month. Actual spend to date is
/// 20 × 10.00 = 200.00, below 250: the forecast alert for 250 fires, as a projection.
#[test]
fn alerts_forecast_of_a_constant_rate_month() {
    let work = constant_rate();
    work.create(
        "alerts.toml",
        "[alert.c]\nthresholds = [\"150\", { amount = \"250\", forecast = true }, \"500\"]\n",
    );
    let base = [
        "alerts",
        "exports",
        "--config",
        "alerts.toml",
        "--month",
        "current",
        "--as-of",
        "2026-10-21T06:30:00Z",
    ];
    let run = work.run(&[&base[..], &["--format", "json"]].concat());
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let doc = json(&run.stdout());
    assert_eq!(doc["month_to_date"], "200.00");
    assert_eq!(
        doc["forecast"],
        serde_json::json!({
            "method": "final spend + run-rate × remaining days; run-rate = mean of the last 7 \
                       final days (fewer when fewer are final); a provisional day counts at the larger \
                       of its actual spend and the run-rate",
            "final_through": "2026-10-17",
            "final_spend": "170.00",
            "run_rate_days": 7,
            "run_rate_sum": "70.00",
            "run_rate": "10.00",
            "remaining_days": 14,
            // The provisional 18th..20th spent 10.00 each: the run-rate, not above it.
            "provisional_at_actual_days": 0,
            "provisional_at_actual_spend": "0.00",
            "projected_month_end": "310.00",
            "thresholds": [
                {"threshold": "150", "reach": "already", "day": "2026-10-15"},
                {"threshold": "250", "reach": "projected", "day": "2026-10-25"},
                {"threshold": "500", "reach": "not_this_month", "day": null}
            ]
        })
    );
    let alerts = doc["alerts"].as_array().unwrap();
    assert_eq!(
        alerts[1]["fired"], false,
        "actual spend has not reached 250"
    );
    assert_eq!(
        alerts[4],
        serde_json::json!({"kind": "forecast", "threshold": "250", "fired": true,
                           "projected_day": "2026-10-25", "projected_month_end": "310.00",
                           "note": "projection: reaches 250 on 2026-10-25 at the run-rate \
                                    (310.00 at month end)"})
    );

    let table = work.run(&base);
    assert_eq!(table.code(), 3);
    let lines: Vec<String> = table.stdout().lines().map(String::from).collect();
    assert_eq!(
        lines[1],
        "forecast: 310.00 USD at month end (a projection: 170.00 final through 2026-10-17 + \
         10.00 a day × 14 days, the mean of the last 7 final days)"
    );
    assert_eq!(
        lines[2],
        "projected: threshold 150 already reached on 2026-10-15, threshold 250 on 2026-10-25, \
         threshold 500 not this month"
    );
    let forecast_row = lines
        .iter()
        .find(|l| l.starts_with("forecast 250"))
        .unwrap();
    assert!(
        forecast_row.contains("FIRED  2026-10-25  projection"),
        "{forecast_row}"
    );

    // --forecast gives every threshold a forecast alert; on the 14th (final through the 10th,
    // 100.00, 21 days left) the projection 100.00 + 10.00 × 21 = 310.00 reaches 150 on the
    // 15th and 250 on the 25th, while actual spend (140.00) reached neither.
    let early = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-14",
        "--threshold",
        "150",
        "--threshold",
        "250",
        "--forecast",
        "--format",
        "csv",
    ]);
    assert_eq!(early.code(), 3, "{}", early.stderr());
    let csv = early.stdout();
    let forecast_rows: Vec<&str> = csv.lines().filter(|l| l.contains(",forecast,")).collect();
    assert_eq!(forecast_rows.len(), 2, "{csv}");
    assert!(
        forecast_rows[0].starts_with(
            "2026-10,2026-10-14T00:00:00Z,forecast,150,,true,2026-10-15,140.00,,USD,false,"
        ),
        "{csv}"
    );
    assert!(
        forecast_rows[1].contains(",forecast,250,,true,2026-10-25,140.00,"),
        "{csv}"
    );
    // chart-mtd draws the projection to the month's end, and the spike line names its base.
    let out = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-21T06:30:00Z",
        "--previous-invoice",
        "60",
        "--out",
        "out",
    ]);
    assert_eq!(out.code(), 3, "{}", out.stderr());
    let svg = work.read("out/chart-mtd.svg");
    for label in [
        "projected month end 310.00 USD",
        "spike limit 120.00 USD (2 × the previous invoice)",
        // The axis runs to the month's end, past the as-of day.
        "2026-10-01 to 2026-10-31",
    ] {
        assert!(svg.contains(label), "no {label:?} in chart-mtd.svg");
    }
    // Forecasts are for months: not with --last.
    let last = work.run(&[
        "alerts",
        "exports",
        "--last",
        "7d",
        "--threshold",
        "1",
        "--forecast",
    ]);
    assert_eq!(last.code(), 2, "{}", last.stderr());
}

/// `report` gives the same forecast for a month in progress (see
/// `alerts_forecast_of_a_constant_rate_month` for the figures): a footer line, a `forecast`
/// key in the JSON and in `manifest.json`; none for a closed month or another range.
#[test]
fn report_forecast_of_a_constant_rate_month() {
    let work = constant_rate();
    let base = [
        "report",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-21T06:30:00Z",
    ];
    let table = work.run(&base).ok();
    assert_eq!(
        table.lines().last().unwrap(),
        "forecast: 310.00 USD at month end (a projection: 170.00 final through 2026-10-17 + \
         10.00 a day × 14 days, the mean of the last 7 final days)"
    );
    // The figures of the table itself are unchanged: actual spend 200.00, 170.00 final.
    assert!(
        table.contains("final 170.00 + provisional 30.00 = 200.00 USD"),
        "{table}"
    );
    let doc = json(&work.run(&[&base[..], &["--format", "json"]].concat()).ok());
    assert_eq!(doc["total"], "200.00");
    assert_eq!(doc["forecast"]["projected_month_end"], "310.00");
    assert_eq!(doc["forecast"]["final_through"], "2026-10-17");
    assert_eq!(doc["forecast"]["run_rate_days"], 7);
    work.run(&[&base[..], &["--out", "out"]].concat()).ok();
    let manifest = json(&work.read("out/manifest.json"));
    assert_eq!(manifest["forecast"], doc["forecast"]);

    // A closed month, or a range that is not the month to date: no forecast.
    let closed = work
        .run(&[
            "report",
            "exports",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
            "--format",
            "json",
        ])
        .ok();
    assert!(json(&closed).get("forecast").is_none(), "{closed}");
    let part = work
        .run(&[
            "report",
            "exports",
            "--from",
            "2026-10-05",
            "--to",
            "2026-10-20",
            "--as-of",
            "2026-10-21T06:30:00Z",
        ])
        .ok();
    assert!(!part.contains("forecast"), "{part}");
}

/// A final day without a row in any input is missing data, not a day without spend: no
/// forecast (it would be too low), and both commands say which day is missing.
#[test]
fn alerts_and_report_no_forecast_over_a_gap_in_the_inputs() {
    let work = Workdir::new();
    let mut text = HEADER.to_string();
    for day in days("2026-10", 20).filter(|d| d != "2026-10-05") {
        text.push_str(&row(&day, "search-prod", "10.00"));
    }
    work.create("exports/2026-10.csv", text);
    let alerts = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-21",
        "--threshold",
        "250",
        "--forecast",
    ]);
    assert_eq!(alerts.code(), 0, "{}", alerts.stderr());
    let note = "no forecast: the inputs hold no row for 2026-10-05 (missing data is not a day \
                without spend)";
    assert_eq!(
        alerts.stdout().lines().nth(1),
        Some(note),
        "{}",
        alerts.stdout()
    );
    let report = work
        .run(&[
            "report",
            "exports",
            "--month",
            "2026-10",
            "--as-of",
            "2026-10-21",
        ])
        .ok();
    assert_eq!(report.lines().last(), Some(note), "{report}");
    // A filter that leaves covered days empty is spend of 0.00, not a gap: support-bot has no
    // row in the gapless fixture, and its projection is 0.00.
    let work = constant_rate();
    let filtered = work.run(&[
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-21",
        "--project",
        "support-bot",
        "--format",
        "json",
    ]);
    let doc = json(&filtered.stdout());
    assert_eq!(doc["forecast"]["projected_month_end"], "0.00", "{doc}");
    assert_eq!(doc["forecast"]["final_through"], "2026-10-17");
}

fn month_state_run(work: &Workdir, month: &str, as_of: &str) -> crate::util::Run {
    work.run(&[
        "alerts",
        "exports",
        "--month",
        month,
        "--as-of",
        as_of,
        "--project",
        "search-prod",
        "--threshold",
        "500",
        "--state",
        "state/search.json",
    ])
}

#[test]
fn alerts_state_keeps_each_period_apart() {
    // October reaches 500 (920.00 by the 19th); September's 600.00 reached it too. A closing
    // run for September sharing the file must not reset October's records, nor October's
    // runs September's: each run reads and writes its own period only.
    let work = three_months();
    assert_eq!(month_state_run(&work, "2026-10", "2026-10-19").code(), 3);
    assert_eq!(month_state_run(&work, "2026-10", "2026-10-20").code(), 0);
    let september = month_state_run(&work, "2026-09", "2026-10-29");
    assert_eq!(september.code(), 3, "{}", september.stderr());
    assert_eq!(month_state_run(&work, "2026-10", "2026-10-29").code(), 0);
    assert_eq!(month_state_run(&work, "2026-09", "2026-10-30").code(), 0);
    let state = json(&work.read("state/search.json"));
    assert_eq!(state["version"], 2);
    assert_eq!(
        state["periods"],
        serde_json::json!({
            "2026-09": [{"alert": "threshold 500", "on": "2026-10-29"}],
            "2026-10": [{"alert": "threshold 500", "on": "2026-10-19"}],
        })
    );
}

#[test]
fn alerts_state_prunes_old_periods_and_refuses_a_damaged_one() {
    let work = three_months();
    assert_eq!(month_state_run(&work, "2026-10", "2026-10-19").code(), 3);
    let identity = json(&work.read("state/search.json"))["alert"].clone();
    // A version 1 file (one period) is read as that period's records.
    let v1 = serde_json::json!({
        "kind": "tally alerts state", "version": 1, "alert": identity, "period": "2026-10",
        "fired": [{"alert": "threshold 500", "on": "2026-10-12"}]
    });
    work.create("state/search.json", v1.to_string());
    let run = month_state_run(&work, "2026-10", "2026-10-19");
    assert_eq!(run.code(), 0, "{}", run.stderr());

    // Periods more than 13 months before the newest are dropped on the next write; 2025-09
    // (13 months before 2026-10) stays.
    let old = serde_json::json!({
        "kind": "tally alerts state", "version": 2, "alert": identity,
        "periods": {
            "2025-08": [{"alert": "threshold 500", "on": "2025-08-20"}],
            "2025-09": [{"alert": "threshold 500", "on": "2025-09-20"}],
            "2026-09": [{"alert": "threshold 500", "on": "2026-09-20"}],
        }
    });
    work.create("state/search.json", old.to_string());
    assert_eq!(month_state_run(&work, "2026-10", "2026-10-19").code(), 3);
    let state = json(&work.read("state/search.json"));
    let periods: Vec<&String> = state["periods"].as_object().unwrap().keys().collect();
    assert_eq!(periods, ["2025-09", "2026-09", "2026-10"]);

    // A period that is no month is an error, and the file is left as it is.
    let damaged = serde_json::json!({
        "kind": "tally alerts state", "version": 2, "alert": identity,
        "periods": {"2027-13": [{"alert": "threshold 500", "on": "2026-09-20"}]}
    })
    .to_string();
    work.create("state/search.json", &damaged);
    let run = month_state_run(&work, "2026-10", "2026-10-19");
    let stderr = run.fails();
    assert!(
        stderr.contains("period \"2027-13\" is not a month (YYYY-MM)"),
        "{stderr}"
    );
    assert_eq!(work.read("state/search.json"), damaged);
}

#[test]
fn report_on_a_month_already_over_has_no_forecast() {
    // The README quick start: October as of November 2nd, 10:30Z. October is over (the 30th
    // and 31st provisional): no forecast line, key or manifest entry, where one said 3,078.40
    // under the 3,103.46 spent.
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
    ];
    let table = work.run(&args).ok();
    assert!(table.contains("3,103.46"), "{table}");
    assert!(!table.contains("forecast"), "{table}");
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json"]);
    let doc = json(&work.run(&with_json).ok());
    assert!(doc.get("forecast").is_none(), "{doc}");

    // The alerts of the same month still project it: of the provisional 30th and 31st, one
    // (142.024104) is above the run-rate (748.55566883 / 7 = 106.94…) and counts at its actual
    // spend, the other (96.91…) at the run-rate: 2864.53006713 + 142.024104 + 106.936524…
    // = 3113.49, never below the 3103.46 spent.
    let run = work.run(&[
        "alerts",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02T10:30Z",
        "--threshold",
        "5000",
        "--format",
        "json",
    ]);
    let doc = json(&run.stdout());
    assert_eq!(doc["month_to_date"], "3103.45954429");
    assert_eq!(doc["forecast"]["projected_month_end"], "3113.49", "{doc}");
    assert_eq!(doc["forecast"]["provisional_at_actual_days"], 1, "{doc}");
    assert_eq!(doc["forecast"]["provisional_at_actual_spend"], "142.024104");
}

#[test]
fn alerts_previous_invoice_that_cannot_be_kept_exactly_is_a_usage_error() {
    let work = two_months();
    // 2^95: the invoice fits, twice it does not (more than 96 bits); 29 decimal places are
    // more than tally keeps (it was read as 0.00). Both: exit 2 naming the option, before
    // any input is read.
    for (extra, says) in [
        (
            &["--previous-invoice=39614081257132168796771975168"][..],
            "--previous-invoice 39614081257132168796771975168: 2 × the invoice cannot be kept \
             exactly",
        ),
        (
            &["--previous-invoice", "1e6", "--spike-factor", "1.5"][..],
            "--previous-invoice \"1e6\": expected a plain decimal",
        ),
        (
            &["--previous-invoice", "0.00000000000000000000000000001"],
            "--previous-invoice \"0.00000000000000000000000000001\": more than 28 decimal places",
        ),
    ] {
        let run = invoice_run(&work, extra);
        assert_eq!(run.code(), 2, "{extra:?}: {}", run.stderr());
        assert!(run.stderr().contains(says), "{}", run.stderr());
        assert!(run.stdout().is_empty());
    }
    // 28 places, trailing zeros aside, are kept: 2 × 0.000…01 (28 places) < 80.00 fires.
    let run = invoice_run(
        &work,
        &["--previous-invoice", "0.0000000000000000000000000001000"],
    );
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert_eq!(
        json(&run.stdout())["alerts"][0]["previous_invoice"],
        "0.0000000000000000000000000001"
    );
    // In the config file: named with its place there.
    work.create(
        "alerts.toml",
        "[alert.a]\nspike_factor = \"3\"\nprevious_invoice = \"39614081257132168796771975168\"\n",
    );
    let run = invoice_run(&work, &["--config", "alerts.toml"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains(
            "alerts.toml: [alert.a] previous_invoice 39614081257132168796771975168: 3 × the \
             invoice cannot be kept exactly"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn alerts_skip_bad_rows_says_how_many_were_skipped() {
    let work = two_months();
    // Three bad rows: two with a date that is no day (their cost, 7.00 + 3.00, readable), one
    // with a cost that is no number.
    let mut bad = HEADER.to_string();
    bad.push_str(&row("2026-10-40", "search-prod", "7.00"));
    bad.push_str(&row("2026-13-01", "search-prod", "3.00"));
    bad.push_str(&row("2026-10-05", "search-prod", "x"));
    work.create("exports/late.csv", bad);
    let args = [
        "alerts",
        "exports",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--project",
        "search-prod",
        "--threshold",
        "5000",
        "--skip-bad-rows",
        "--out",
        "out",
    ];
    // Quiet, nothing fired (1110.00 < 5000; 1110.00 ≤ 2 × 600.00): one line on stderr all
    // the same, since rows were lost.
    let quiet = work.run(&[&args[..], &["-q"]].concat());
    assert_eq!(quiet.code(), 0, "{}", quiet.stderr());
    assert!(quiet.stdout().is_empty());
    let rejects = std::path::Path::new("out").join("rejects.csv");
    assert_eq!(
        quiet.stderr(),
        format!("skipped 3 bad rows; listed in {}\n", rejects.display())
    );
    let doc = json(&work.read("out/alerts.json"));
    assert_eq!(doc["rows_skipped"], 3);
    assert_eq!(doc["skipped_cost"], "10.00");
    let csv = work.read("out/alerts.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "period,as_of,kind,threshold,factor,fired,first_day,month_to_date,\
         previous_month_total,currency,provisional,note,rows_skipped,skipped_cost"
    );
    for line in lines {
        assert!(line.ends_with(",3,10.00"), "{line}");
    }
    // The table's heading line says it too.
    let table = work.run(&args);
    assert_eq!(table.code(), 0, "{}", table.stderr());
    let heading = table.stdout().lines().next().unwrap().to_string();
    assert!(
        heading.ends_with(
            "spend 1,110.00 USD (2026-10-01 to 2026-10-31), project=search-prod; skipped 3 bad \
             rows (10.00 USD readable in 2 of them, not counted)"
        ),
        "{heading}"
    );
    // Without skipped rows: 0 and null, and the CSV column is 0.
    work.create("exports/late.csv", HEADER);
    let clean = work.run(&[&args[..], &["-q"]].concat());
    assert_eq!(clean.code(), 0, "{}", clean.stderr());
    assert_eq!(clean.stderr(), "");
    let doc = json(&work.read("out/alerts.json"));
    assert_eq!(doc["rows_skipped"], 0);
    assert_eq!(doc["skipped_cost"], Value::Null);
    assert!(
        work.read("out/alerts.csv")
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(",0,")
    );
}

#[test]
fn alerts_state_behind_a_symbolic_link_is_written_where_it_points() {
    // Before: the state was renamed over the link, which became a plain file.
    let work = three_months();
    std::fs::create_dir_all(work.path().join("volume")).unwrap();
    std::fs::create_dir_all(work.path().join("state")).unwrap();
    std::os::unix::fs::symlink(
        "../volume/search.json",
        work.path().join("state/search.json"),
    )
    .unwrap();
    assert_eq!(state_run(&work, "2026-10-19", &[]).code(), 3);
    let link = work.path().join("state/search.json");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let state = json(&work.read("volume/search.json"));
    assert_eq!(
        state["periods"]["2026-10"],
        serde_json::json!([{"alert": "threshold 500", "on": "2026-10-19"}])
    );
    // Read back through the link: already notified, exit 0.
    assert_eq!(state_run(&work, "2026-10-19", &[]).code(), 0);
    // A link loop is refused by name.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("search.json", &link).unwrap();
    let looped = state_run(&work, "2026-10-19", &[]);
    assert_eq!(looped.code(), 1);
    assert!(
        looped
            .stderr()
            .contains("too many levels of symbolic links"),
        "{}",
        looped.stderr()
    );
}

#[test]
fn a_previous_invoice_with_last_or_by_is_refused_in_one_readable_sentence() {
    // Before: both messages held a run of 22 spaces mid-sentence (a lost line continuation).
    let work = Workdir::new();
    let file = work.create("u.csv", "date,sku,cost\n2026-10-01,A,1\n");
    let last = work.run(&[
        "alerts",
        &file,
        "--last",
        "7d",
        "--previous-invoice",
        "10",
        "--as-of",
        "2026-10-05",
    ]);
    assert_eq!(last.code(), 2, "{}", last.stderr());
    assert!(
        last.stderr().contains(
            "--previous-invoice: an invoice is a month's; with --last the spike compares with \
             the days before, so watch a month (--month) to compare with the invoice"
        ),
        "{}",
        last.stderr()
    );
    let by = work.run(&[
        "alerts",
        &file,
        "--by",
        "sku",
        "--previous-invoice",
        "10",
        "--as-of",
        "2026-10-05",
    ]);
    assert_eq!(by.code(), 2, "{}", by.stderr());
    assert!(
        by.stderr().contains(
            "--previous-invoice: the invoice is the whole bill's, and --by compares each group \
             with its own previous month; leave one of them out"
        ),
        "{}",
        by.stderr()
    );
}

#[test]
fn alerts_by_a_tag_key_no_row_has_is_named() {
    // Before: `--by tag:tema` (for `team`) fired the threshold of one empty group holding the
    // whole spend, exit 3, with no word of the key matching nothing.
    let work = Workdir::new();
    let file = work.create(
        "tags.csv",
        "date,sku,cost,tags\n2026-10-01,A,4.00,team=a\n2026-10-02,B,2.50,team=b\n",
    );
    let args = |key: &'static str| {
        vec![
            "alerts".to_string(),
            file.clone(),
            "--month".into(),
            "2026-10".into(),
            "--as-of".into(),
            "2026-11-10".into(),
            "--by".into(),
            key.into(),
            "--threshold".into(),
            "5".into(),
        ]
    };
    let typo: Vec<String> = args("tag:tema");
    let run = work.run(&typo.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr().contains(
            "warning: --by tag:tema: no watched row has the tag \"tema\", so all the spend is \
             one group with an empty value"
        ),
        "{}",
        run.stderr()
    );
    let right: Vec<String> = args("tag:team");
    let run = work.run(&right.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code(), 0, "{}", run.stdout());
    assert!(
        !run.stderr().contains("no watched row has the tag"),
        "{}",
        run.stderr()
    );
}

#[test]
fn alerts_over_two_currencies_say_how_to_watch_each() {
    let work = Workdir::new();
    work.create(
        "usd.csv",
        "date,sku,cost,project,currency\n2026-10-01,s1,10,p1,USD\n",
    );
    work.create(
        "eur.csv",
        "date,sku,cost,project,currency\n2026-10-02,s1,3,p2,EUR\n",
    );
    let args = [
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--threshold",
        "5",
    ];
    let both = [&["alerts", "usd.csv", "eur.csv"][..], &args[..]].concat();
    let stderr = work.run(&both).fails();
    assert!(
        stderr.contains("several currencies (EUR, USD)")
            && stderr.contains("passing only the inputs in one currency")
            && stderr.contains("--project"),
        "{stderr}"
    );
    // What the message offers works: one file, or one project.
    let one = [&["alerts", "usd.csv"][..], &args[..]].concat();
    assert_eq!(work.run(&one).code(), 3);
    let kept = [
        &["alerts", "usd.csv", "eur.csv", "--project", "p2"][..],
        &args[..],
    ]
    .concat();
    let run = work.run(&kept);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

/// An alert's sum that needs more than 28 digits names the sum: a day's spend, or the spend
/// watched (its running sum), not a bare "a sum exceeds".
#[test]
fn alerts_overflow_names_the_sum() {
    let work = Workdir::new();
    let tiny = "0.0000000000000000000000000001";
    work.create(
        "day.csv",
        format!("date,sku,cost,project\n2026-10-01,s1,1000,p1\n2026-10-01,s2,{tiny},p2\n"),
    );
    work.create(
        "month.csv",
        format!("date,sku,cost,project\n2026-10-01,s1,1000,p1\n2026-10-02,s2,{tiny},p1\n"),
    );
    let args = [
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--threshold",
        "5",
    ];
    let day = work.run(&[&["alerts", "day.csv", "--by", "project"][..], &args[..]].concat());
    assert!(
        day.fails()
            .starts_with("error: the spend of 2026-10-01: a sum exceeds the 28 significant"),
        "{}",
        day.stderr()
    );
    let month = work.run(&[&["alerts", "month.csv"][..], &args[..]].concat());
    assert!(
        month.fails().starts_with(
            "error: the spend watched (its running sum, the previous period's total or the \
             spike's limit): a sum exceeds"
        ),
        "{}",
        month.stderr()
    );
}

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
        serde_json::json!({"kind": "spike", "factor": "2", "previous_month_total": "600.00",
                           "fired": false, "provisional": false,
                           "note": "1110.00 ≤ 2 × 600.00"})
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
    assert_eq!(doc["alerts"][0]["note"], "1200.00 ≤ 2 × 600.00");

    let (code, doc) = spike_run("1206.00");
    assert_eq!(code, 3);
    let spike = &doc["alerts"][0];
    assert_eq!(spike["fired"], true);
    assert_eq!(spike["previous_month_total"], "600.00");
    assert_eq!(spike["note"], "1206.00 > 2 × 600.00");
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
    // process is a live holder.
    let pid = std::process::id();
    work.create(".out.tally.lock", format!("{pid}\n"));
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
    assert_eq!(doc["alerts"][1]["note"], "31.00 > 2 × 0.00");
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
    assert_eq!(doc["alerts"][0]["note"], "70.00 ≤ 0.5 × 240.00");
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
            {"project": "search-prod", "month_to_date": "1110.00", "alerts": [
                {"kind": "threshold", "threshold": "500", "fired": true,
                 "first_day": "2026-10-12", "provisional": false},
                {"kind": "threshold", "threshold": "1000", "fired": true,
                 "first_day": "2026-10-20", "provisional": false},
                {"kind": "spike", "factor": "2", "previous_month_total": "600.00",
                 "fired": false, "provisional": false, "note": "1110.00 ≤ 2 × 600.00"}]},
            {"project": "support-bot", "month_to_date": "31.00", "alerts": [
                {"kind": "threshold", "threshold": "500", "fired": false,
                 "first_day": null, "provisional": false},
                {"kind": "threshold", "threshold": "1000", "fired": false,
                 "first_day": null, "provisional": false},
                // September is covered (search-prod's rows) but support-bot spent nothing in
                // it: no spike check, where without --by 31.00 > 2 × 0.00 would fire.
                {"kind": "spike", "factor": "2", "previous_month_total": "0.00",
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
         \x20                      spike ×2        no     -      final   1110.00 ≤ 2 × 600.00\n\
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

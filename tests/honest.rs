//! No figure that misleads: each case printed a plausible figure with exit 0 before its guard.

use crate::util::{Workdir, costs_by_key, fixture};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn currency_written_in_the_cost_header_is_the_currency() {
    // Before: reported as 12.50 USD.
    let work = Workdir::new();
    let file = work.create("eur.csv", "Date,SKU,Cost (EUR)\n2026-10-01,A,12.50\n");
    let json = work
        .run(&[
            "report",
            &file,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
        ])
        .ok();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["currency"], "EUR");
    assert_eq!(json["total"], "12.50");
    // A currency column that disagrees with the header's unit is a bad row naming both.
    let both = work.create(
        "both.csv",
        "Date,SKU,Cost (EUR),Currency\n2026-10-01,A,12.50,EUR\n2026-10-02,A,1.00,USD\n",
    );
    let stderr = work
        .run(&[
            "report",
            &both,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(
        stderr.contains(
            "both.csv:3: column \"Currency\": \"USD\" disagrees with the cost column \
             \"Cost (EUR)\", whose unit is EUR; fix the header or the row"
        ),
        "{stderr}"
    );
}

#[test]
fn report_and_alerts_agree_on_month_to_date_for_one_as_of() {
    // Before: report counted the rows after the as-of day (3,103.46) and alerts did not
    // (1,369.60). The console fixture's rows of 2026-10-01..15 sum to 1369.60 (Python decimal
    // over fixtures/console/usage-2026-10.csv: 1369.59707365).
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "current",
        "--as-of",
        "2026-10-15",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.ok()).unwrap();
    assert_eq!(report["to"], "2026-10-15");
    assert_eq!(report["total"], "1369.59707365");
    assert!(
        run.stderr().contains(
            "446 row(s) dated 2026-10-16 to 2026-10-31, after the as-of day, are not counted: \
             they cannot be known as of 2026-10-15T00:00:00Z"
        ),
        "{}",
        run.stderr()
    );
    let alerts = work
        .run(&[
            "alerts",
            &console,
            "--month",
            "current",
            "--as-of",
            "2026-10-15",
            "--format",
            "json",
        ])
        .ok();
    let alerts: serde_json::Value = serde_json::from_str(&alerts).unwrap();
    assert_eq!(
        dec(alerts["month_to_date"].as_str().unwrap()),
        dec("1369.59707365")
    );
}

#[test]
fn a_typo_in_by_is_a_usage_error_with_the_closest_name() {
    // Before: one group named "-" (report) and an alert that fired with exit 3 (alerts).
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--by",
        "servce",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains(
            "--by \"servce\": no input has such a column, and it is not a grouping key; did you \
             mean \"service\"?"
        ),
        "{}",
        run.stderr()
    );
    let run = work.run(&[
        "alerts",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--threshold",
        "1000",
        "--by",
        "projet",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("did you mean \"project\"?"),
        "{}",
        run.stderr()
    );
    // A column of the input is a key, in any spelling of its header.
    let focus = fixture("focus-sample/focus_sample.csv");
    let csv = work
        .run(&[
            "report",
            &focus,
            "--month",
            "2024-09",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
            "--by",
            "charge_category",
        ])
        .ok();
    assert!(costs_by_key(&csv).contains_key("Usage"), "{csv}");
}

/// The console fixture holds rows for October 2026 only.
const COVERAGE: &str = "usage-2026-10.csv: 2026-10-01 to 2026-10-31";

#[test]
fn an_empty_range_says_what_the_inputs_cover() {
    // Before: a table of nothing, total 0.00, exit 0, no word on stderr.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&["report", &console, "--as-of", "2026-11-20"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains(&format!(
            "warning: the range 2026-11-01 to 2026-11-20 has no data: no row of the inputs \
             falls in it; the inputs hold rows for {console}"
        )) && run.stderr().contains(COVERAGE),
        "{}",
        run.stderr()
    );
    // For cron: exit 1, the message as an error, even with --quiet.
    let run = work.run(&[
        "report",
        &console,
        "--as-of",
        "2026-11-20",
        "--fail-on-empty",
        "--quiet",
    ]);
    let stderr = run.fails();
    assert!(
        stderr.starts_with("error: the range 2026-11-01 to 2026-11-20 has no data")
            && stderr.trim_end().ends_with(
                "(--fail-on-empty: nothing was written; an --out folder keeps its previous files)"
            ),
        "{stderr}"
    );
    // A report with rows is not empty: --fail-on-empty changes nothing.
    work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--fail-on-empty",
    ])
    .ok();
}

#[test]
fn a_filter_that_matches_nothing_names_the_closest_value() {
    // Before: total 0.00 with exit 0 for a misspelt project.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--project",
        "search-prd",
    ]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains(&format!(
            "warning: no row of the range 2026-10-01 to 2026-10-31 passes the filters: \
             --project search-prd matches no row there; did you mean \"search-prod\"? (the \
             inputs hold rows for {console}: 2026-10-01 to 2026-10-31)"
        )),
        "{}",
        run.stderr()
    );
    // Several filters: each one that matches nothing is named, with its closest value.
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--project",
        "search-prod",
        "--service",
        "databse",
        "--tag",
        "env=prd",
        "--fail-on-empty",
    ]);
    let stderr = run.fails();
    assert!(
        stderr.contains(
            "--service databse matches no row there; did you mean \"database\"?; --tag env=prd \
             matches no row there; did you mean \"env=prod\"?"
        ),
        "{stderr}"
    );
    // Each filter matches rows, but not together.
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--project",
        "support-bot",
        "--service",
        "collections",
    ]);
    assert!(
        run.stderr().contains(
            "passes the filters: each filter matches rows there, but no row matches all of \
             them together"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_sku_filter_on_part_of_a_name_lists_the_whole_names() {
    // Before: total 0.00 with exit 0 ("serverless read units" is no SKU: SKUs name a region).
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--sku",
        "serverless read units",
        "--fail-on-empty",
    ]);
    let stderr = run.fails();
    assert!(
        stderr.contains(
            "error: no row of the range 2026-10-01 to 2026-10-31 passes the filters: --sku \
             \"serverless read units\" matches no row there (a filter matches a whole value, \
             ignoring ASCII case); did you mean one of \"Serverless Read Units (aws \
             eu-west-1)\", \"Serverless Read Units (aws us-east-1)\", \"Serverless Read Units \
             (azure eastus2)\", \"Serverless Read Units (gcp us-central1)\"?"
        ),
        "{stderr}"
    );
    // The match ignores ASCII case: a whole name in lower case is no empty report.
    work.run(&[
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--sku",
        "serverless read units (aws us-east-1)",
        "--fail-on-empty",
    ])
    .ok();
}

#[test]
fn alerts_on_a_month_without_data_say_so() {
    // Before: "spend 0.00 USD", nothing fired, exit 0, not a word about missing data.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let args = [
        "alerts",
        console.as_str(),
        "--month",
        "current",
        "--as-of",
        "2026-11-20",
        "--threshold",
        "2500",
    ];
    let run = work.run(&args);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains(&format!(
            "warning: the month 2026-11 (2026-11-01 to 2026-11-20) has no data: no row of the \
             inputs falls in it; the inputs hold rows for {console}: 2026-10-01 to 2026-10-31"
        )),
        "{}",
        run.stderr()
    );
    let mut failing = args.to_vec();
    failing.push("--fail-on-empty");
    let stderr = work.run(&failing).fails();
    assert!(
        stderr.contains("error: the month 2026-11 (2026-11-01 to 2026-11-20) has no data"),
        "{stderr}"
    );
}

#[test]
fn reconcile_with_nothing_in_range_says_so() {
    // Before: "0 of 0 day/SKU row(s) flagged", exit 0.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let run = work.run(&[
        "reconcile",
        &console,
        "--as-of",
        "2026-11-20",
        "--fail-on-empty",
    ]);
    let stderr = run.fails();
    assert!(
        stderr.contains(&format!(
            "error: the range 2026-11-01 to 2026-11-20 has no data: no row of the inputs falls \
             in it; the inputs hold rows for {console}: 2026-10-01 to 2026-10-31"
        )),
        "{stderr}"
    );
}

#[test]
fn every_report_output_states_its_scope() {
    // Before: no heading, no scope in JSON, the HTML header without filters.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let out = work.path().join("out").display().to_string();
    let args = [
        "report",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02T10:30Z",
        "--by",
        "service",
        "--project",
        "search-prod",
    ];
    let line = "2026-10-01 to 2026-10-31 · as of 2026-11-02T10:30Z · project=search-prod · billed";
    let table = work.run(&args).ok();
    assert_eq!(
        table.lines().next().unwrap(),
        format!("Cost: {line}"),
        "{table}"
    );
    let with = |extra: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        work.run(&all).ok()
    };
    // CSV stays data only.
    let csv = with(&["--format", "csv"]);
    assert!(
        csv.starts_with("service,cost,currency,status,provisional_cost\n"),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&with(&["--format", "json"])).unwrap();
    assert_eq!(
        json["scope"],
        serde_json::json!({
            "from": "2026-10-01", "to": "2026-10-31", "as_of": "2026-11-02T10:30:00Z",
            "filters": {"sku": [], "project": ["search-prod"], "service": [], "tag": []},
            "final_only": false,
            "rows_skipped": {"count": 0, "cost": null, "currency": null, "mixed_currencies": false, "rows_with_cost": 0},
            "source": "billed"
        })
    );
    with(&["--out", &out, "--no-charts"]);
    let html = work.read("out/report.html");
    assert!(
        html.contains(&format!("<dt>Scope</dt><dd id=\"scope\">{line}</dd>")),
        "{html}"
    );
    assert!(html.contains("<title>Cost report 2026-10-01 to 2026-10-31"));
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["scope"], json["scope"]);

    // Skipped rows (with the cost of those whose cost was readable) and --final-only.
    let bad = work.create(
        "bad.csv",
        "date,sku,cost\n2026-10-01,A,1.00\n2026-10-02,A,abc\n2026-13-01,A,2.50\n",
    );
    let run = work.run(&[
        "report",
        &bad,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
        "--final-only",
    ]);
    assert_eq!(
        run.ok().lines().next().unwrap(),
        "Cost: 2026-10-01 to 2026-10-31 · as of 2026-11-28T00:00Z · final days only · 2 bad \
         rows skipped (cost 2.50 USD in the 1 row with a readable cost) · billed"
    );
}

#[test]
fn a_report_of_estimates_only_is_titled_as_estimates() {
    // Before: "Cost report" and a bare table, as if billed.
    let work = Workdir::new();
    let tokens = fixture("tokens/2026-10.jsonl");
    let rates = fixture("tokens/rates-2026.toml");
    let out = work.path().join("out").display().to_string();
    let table = work
        .run(&[
            "report",
            &tokens,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--rates",
            &rates,
            "--out",
            &out,
            "--no-charts",
        ])
        .ok();
    assert_eq!(
        table.lines().next().unwrap(),
        "Estimated cost: 2026-10-01 to 2026-10-31 · as of 2026-11-28T00:00Z · estimated"
    );
    let html = work.read("out/report.html");
    assert!(
        html.contains("<title>Estimated cost report 2026-10-01 to 2026-10-31")
            && html.contains("<h1>Estimated cost report, 2026-10-01 to 2026-10-31</h1>"),
        "{html}"
    );
}

#[test]
fn each_figure_says_how_much_of_it_is_provisional() {
    // Before: "provisional" with no amount. As of 2026-11-02T10:30Z, 2026-10-30 and -31 are
    // provisional; search-prod's rows of those days sum to 132.40035442 (Python decimal over
    // fixtures/console/usage-2026-10.csv).
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let args = [
        "report",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02T10:30Z",
        "--by",
        "service",
        "--project",
        "search-prod",
    ];
    let run = |extra: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        work.run(&all).ok()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert_eq!(json["total"], "1678.12298907");
    assert_eq!(json["final_total"], "1545.72263465");
    assert_eq!(json["provisional_total"], "132.40035442");
    assert_eq!(
        dec("1545.72263465") + dec("132.40035442"),
        dec("1678.12298907")
    );
    let provisional: Decimal = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| dec(g["provisional_cost"].as_str().unwrap()))
        .sum();
    assert_eq!(provisional, dec("132.40035442"));
    let csv = run(&["--format", "csv"]);
    assert!(
        csv.contains("database,1318.88372459,USD,provisional,99.35236381\n"),
        "{csv}"
    );
    // By week: the final week's provisional part only (the same whether or not daily rows
    // are kept, i.e. with or without --out).
    let weekly = run(&["--format", "csv", "--period", "week"]);
    assert!(
        weekly.contains("2026-10-19,2026-10-25,database,")
            && weekly.contains("2026-10-26,2026-10-31,database,"),
        "{weekly}"
    );
    let out_week = work.path().join("week").display().to_string();
    let stdout = run(&["--format", "csv", "--period", "week", "--out", &out_week]);
    assert_eq!(stdout, weekly);
    assert_eq!(work.read("week/summary.csv"), weekly);
    for row in weekly.lines().skip(1) {
        let fields: Vec<&str> = row.split(',').collect();
        let (from, status, part) = (fields[0], fields[5], fields[6]);
        match from {
            "2026-10-26" => assert_eq!(status, "provisional", "{row}"),
            _ => assert_eq!((status, part), ("final", "0.00"), "{row}"),
        }
    }
    let table = run(&[]);
    // October as of November 2nd is over: no forecast (its provisional days are said), where
    // one projected its provisional days at the run-rate and fell below actual spend.
    assert!(
        table.contains("final 1,545.72 + provisional 132.40 = 1,678.12 USD"),
        "{table}"
    );
    assert!(!table.contains("forecast"), "{table}");
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert!(json.get("forecast").is_none(), "{json}");
    let out = work.path().join("out").display().to_string();
    run(&["--out", &out, "--no-charts"]);
    let html = work.read("out/report.html");
    for (label, exact, shown) in [
        ("of which final", "1545.72263465", "1,545.72"),
        ("of which provisional", "132.40035442", "132.40"),
    ] {
        assert!(
            html.contains(&format!(
                "<div class=\"label\">{label}</div><div class=\"value\" title=\"{exact}\">\
                 {shown}&nbsp;USD</div>"
            )),
            "{label}"
        );
    }
}

#[test]
fn an_unknown_key_in_the_alerts_config_names_the_closest() {
    // Before: `projects` was a TOML error listing every key; a `by` naming no column was
    // reported as `--by`, not at its place in the file.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let config = work.create(
        "alerts.toml",
        "[alert.a]\nmonth = \"2026-10\"\nthresholds = [100]\nprojects = [\"search-prod\"]\n",
    );
    let run = work.run(&[
        "alerts",
        &console,
        "--config",
        &config,
        "--as-of",
        "2026-11-20",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(
        run.stderr(),
        format!("error: {config}: [alert.a] unknown key \"projects\"; did you mean \"project\"?\n")
    );
    let config = work.create(
        "by.toml",
        "[alert.a]\nmonth = \"2026-10\"\nthresholds = [100]\nby = \"projct\"\n",
    );
    let run = work.run(&[
        "alerts",
        &console,
        "--config",
        &config,
        "--as-of",
        "2026-11-20",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains(&format!(
            "{config}: [alert.a] by \"projct\": no input has such a column, and it is not a \
             grouping key; did you mean \"project\"?"
        )),
        "{}",
        run.stderr()
    );
}

#[test]
fn alerts_state_their_filters_with_the_spend() {
    // Before: a filtered month-to-date read like the whole bill's.
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let args = [
        "alerts",
        console.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--threshold",
        "500",
        "--project",
        "search-prod",
    ];
    let run = work.run(&args);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stdout().starts_with(
            "alerts for 2026-10 as of 2026-11-10T00:00:00Z: spend 1,678.12 USD (2026-10-01 to \
             2026-10-31), project=search-prod\n"
        ),
        "{}",
        run.stdout()
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&work.run(&json_args).stdout()).unwrap();
    assert_eq!(json["filters"], serde_json::json!(["project=search-prod"]));
}

#[test]
fn a_filter_whose_rows_were_all_superseded_says_so() {
    // Before: "each filter matches rows there, but no row matches all of them together" for
    // a single filter, whose only rows --on-overlap latest had replaced.
    let work = Workdir::new();
    let a = work.create(
        "a.csv",
        "date,sku,project,cost\n2026-10-01,A,p1,1\n2026-10-02,A,p1,2\n2026-10-02,B,p2,5\n",
    );
    let b = work.create(
        "b.csv",
        "date,sku,project,cost\n2026-10-02,A,p1,2.5\n2026-10-03,A,p1,3\n",
    );
    let args = [
        "report",
        &a,
        &b,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--on-overlap",
        "latest",
        "--project",
        "p2",
        "--fail-on-empty",
    ];
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "--project p2 matches rows there, but none of them is counted: 2 rows replaced by \
             a later input (--on-overlap latest) held them"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("all of them together"), "{stderr}");
    // Two filters that each match: the superseded rows are named as a possible cause.
    let mut two = args.to_vec();
    two.extend(["--sku", "B"]);
    let stderr = work.run(&two).fails();
    assert!(
        stderr.contains(
            "each filter matches rows there, but no counted row matches all of them together: \
             2 rows replaced by a later input (--on-overlap latest) may have held the ones that \
             did"
        ),
        "{stderr}"
    );
}

#[test]
fn a_by_tag_key_no_row_has_is_named() {
    // Before: `--by tag:tema` (for `team`) printed every row under "-" with exit 0 and no word.
    let work = Workdir::new();
    let file = work.create(
        "tags.csv",
        "date,sku,cost,tags\n2026-10-01,A,1.25,team=a\n2026-10-02,B,2.50,team=b\n",
    );
    let run = work.run(&[
        "report",
        &file,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--by",
        "tag:tema",
        "--format",
        "csv",
    ]);
    let stdout = run.ok();
    assert!(stdout.contains(",3.75,USD,"), "{stdout}");
    assert!(
        run.stderr().contains(
            "warning: --by tag:tema: no counted row has the tag \"tema\", so every row is \
             grouped under an empty value"
        ),
        "{}",
        run.stderr()
    );
    // The right key: no warning.
    let run = work.run(&[
        "report",
        &file,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--by",
        "tag:team",
        "--format",
        "csv",
    ]);
    let stdout = run.ok();
    assert!(stdout.contains("a,1.25,USD,final"), "{stdout}");
    assert!(
        !run.stderr().contains("no counted row has the tag"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_currency_written_in_lower_case_is_the_same_currency() {
    // Before: `usd` and `USD` rows were two currencies: `--by currency` gave two totals, and
    // without it the run stopped with "several currencies (USD, usd)".
    let work = Workdir::new();
    let file = work.create(
        "case.csv",
        "date,sku,cost,currency\n2026-10-01,A,1.10,usd\n2026-10-02,A,2.20,USD\n2026-10-02,B,0.05,Usd\n",
    );
    let json = work
        .run(&[
            "report",
            &file,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
            "--by",
            "currency",
            "--format",
            "json",
        ])
        .ok();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["currency"], "USD");
    assert_eq!(json["total"], "3.35");
    assert_eq!(json["groups"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["groups"][0]["currency"], "USD");
}

#[test]
fn a_skipped_row_with_shifted_fields_has_no_readable_cost() {
    // Before: "2026-10-02,A,1,234.50" (an unquoted thousands separator) was skipped for its
    // 4 fields, and its cost read as 1.00 from the third field: the scope line said 1.00 USD
    // of skipped cost where 1,234.50 was left out.
    let work = Workdir::new();
    let bad = work.create(
        "shifted.csv",
        "date,sku,cost\n2026-10-01,A,1.00\n2026-10-02,A,1,234.50\n2026-10-03,A,abc\n2026-13-01,A,2.50\n",
    );
    let run = work.run(&[
        "report",
        &bad,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.ok()).unwrap();
    let skipped = &json["scope"]["rows_skipped"];
    assert_eq!(skipped["count"], 3, "{skipped}");
    assert_eq!(skipped["rows_with_cost"], 1, "{skipped}");
    assert_eq!(skipped["cost"], "2.50", "{skipped}");
    assert_eq!(json["total"], "1.00");
}

/// Before: a value holding a line break was printed raw inside the "did you mean" warning,
/// breaking it over two lines.
#[test]
fn a_filter_hint_shows_a_value_with_a_line_break_on_one_line() {
    let work = Workdir::new();
    let input = work.create(
        "usage.csv",
        "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost (USD)\n\
         2026-10-01,p1,\"search\nprod\",db,s1,r,1,RU,1.00\n",
    );
    let run = work.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--project",
        "searchprod",
    ]);
    let stderr = run.stderr();
    let line = stderr
        .lines()
        .find(|l| l.contains("--project searchprod matches no row"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("did you mean \"search\\u{a}prod\"?"),
        "{line}"
    );
}

#[test]
fn a_zip_member_that_is_not_read_is_named_by_report_and_inspect() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let part =
        "BilledCost,ChargePeriodStart,SkuId,BillingCurrency\n1.5,2026-10-01T00:00:00Z,A,USD\n";
    for (name, text) in [
        (
            "manifest.json",
            "{\"files\": [{\"name\": \"part-1-of-1.csv\", \"rows\": 1}]}",
        ),
        ("part-1-of-1.csv", part),
        ("README.txt", "Cost usage export\n"),
        ("extra/usage.tsv", "date\tcost\n2026-10-02\t9.99\n"),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    let work = Workdir::new();
    work.create("export.zip", zip.finish().unwrap().into_inner());
    let run = work.run(&[
        "report",
        "export.zip",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
    ]);
    assert!(run.ok().contains("1.50"), "{}", run.stdout());
    let stderr = run.stderr();
    for name in ["README.txt", "extra/usage.tsv"] {
        assert!(
            stderr.contains(&format!(
                "export.zip: member \"{name}\" is not a CSV file, so its content is not read"
            )),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("\"manifest.json\""), "{stderr}");
    let inspect = work.run(&["inspect", "export.zip"]).ok();
    assert!(
        inspect.contains("member \"extra/usage.tsv\" is not a CSV file"),
        "{inspect}"
    );
}

#[test]
fn zip_members_not_read_are_named_on_their_own_lines_ten_at_most() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut members = vec![
        (
            "usage.csv".to_string(),
            "date,sku,cost\n2026-10-01,s1,1.50\n".to_string(),
        ),
        (
            "README\nwarning: every member was read.txt".to_string(),
            "hi".to_string(),
        ),
    ];
    for i in 0..11 {
        members.push((format!("notes/n{i:02}.txt"), String::new()));
    }
    for (name, text) in &members {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    let work = Workdir::new();
    work.create("odd.zip", zip.finish().unwrap().into_inner());
    let run = work.run(&["report", "odd.zip", "--month", "2026-10", "--format", "csv"]);
    assert!(run.ok().contains("1.50"), "{}", run.stdout());
    let stderr = run.stderr();
    // The line break in a name is shown escaped, never as a line that reads as tally's own.
    assert!(
        stderr.contains("member \"README\\nwarning: every member was read.txt\""),
        "{stderr}"
    );
    assert!(
        !stderr
            .lines()
            .any(|l| l.starts_with("warning: every member")),
        "{stderr}"
    );
    // 12 members not read: ten named, then one line for the other two.
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("odd.zip")).collect();
    assert_eq!(lines.len(), 11, "{stderr}");
    assert!(stderr.contains("\"notes/n08.txt\""), "{stderr}");
    assert!(!stderr.contains("\"notes/n09.txt\""), "{stderr}");
    assert!(
        lines[10].ends_with(
            "odd.zip: and 2 more members that are not CSV files are not read (`unzip -l` lists them)"
        ),
        "{stderr}"
    );
    let inspect = work.run(&["inspect", "odd.zip"]).ok();
    assert!(inspect.contains("and 2 more members"), "{inspect}");
    assert!(!inspect.contains("n09.txt"), "{inspect}");
}

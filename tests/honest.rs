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

//! Behaviour no test pinned before (issue 18, from mutation testing): the `--by` keys region,
//! resource (and its aliases), endpoint and source; the overflow message; which key an
//! overlap error names; the currency of an empty report; parser messages a user sees. Each
//! expectation is computed here from the fixture's own rows, not by tally.

use crate::util::{Workdir, costs_by_key, fixture, records};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

const CONSOLE: &str = "console/usage-2026-10.csv";

/// Sums the console fixture's October cost by one column (by header name).
fn console_costs_by(column: &str) -> BTreeMap<String, Decimal> {
    let text = std::fs::read_to_string(fixture(CONSOLE)).unwrap();
    let rows = records(text.trim_start_matches('\u{feff}'));
    let at = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (key, cost, date) = (at(column), at("Cost (USD)"), at("Date"));
    let mut sums = BTreeMap::new();
    for row in &rows[1..] {
        if row[date].starts_with("2026-10") {
            *sums.entry(row[key].clone()).or_insert(Decimal::ZERO) +=
                Decimal::from_str(&row[cost]).unwrap();
        }
    }
    sums
}

fn report_csv(args: &[&str]) -> String {
    let work = Workdir::new();
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend(["--as-of", "2026-11-20", "--format", "csv"]);
    work.run(&all).ok()
}

#[test]
fn by_region_and_resource_group_the_columns_they_name() {
    let console = fixture(CONSOLE);
    let by_region = costs_by_key(&report_csv(&[
        &console, "--month", "2026-10", "--by", "region",
    ]));
    assert_eq!(by_region, console_costs_by("Region"));
    let expected = console_costs_by("Index");
    for key in ["resource", "index", "indexname", "Resource"] {
        let got = costs_by_key(&report_csv(&[&console, "--month", "2026-10", "--by", key]));
        assert_eq!(got, expected, "--by {key}");
    }
}

/// `--by endpoint` of token records: each SKU belongs to one endpoint (chat: input and
/// output tokens; context; evaluation: processed and out), so the endpoint totals are the
/// sums of the SKU totals by that mapping.
#[test]
fn by_endpoint_follows_the_sku_mapping_of_token_records() {
    let tokens = fixture("tokens/2026-10.jsonl");
    let rates = fixture("tokens/rates-2026.toml");
    let common = [
        tokens.as_str(),
        "--month",
        "2026-10",
        "--rates",
        rates.as_str(),
    ];
    let mut args = common.to_vec();
    args.extend(["--by", "sku"]);
    let by_sku = costs_by_key(&report_csv(&args));
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for (sku, cost) in &by_sku {
        let endpoint = match sku.as_str() {
            "Assistants Input Tokens" | "Assistants Output Tokens" => "chat",
            "Assistants Context Tokens Processed" => "context",
            "Assistants Evaluation Tokens Processed" | "Assistants Evaluation Tokens Out" => {
                "evaluation"
            }
            other => panic!("unexpected SKU {other}"),
        };
        *expected
            .entry(endpoint.to_string())
            .or_insert(Decimal::ZERO) += cost;
    }
    let mut args = common.to_vec();
    args.extend(["--by", "endpoint"]);
    assert_eq!(costs_by_key(&report_csv(&args)), expected);
    assert!(expected.len() >= 2, "{expected:?}");
}

/// `--by source` keeps billed usage and estimates apart: billed is the console total, and
/// the estimate is what the token records cost alone.
#[test]
fn by_source_keeps_the_bill_and_the_estimate_apart() {
    let console = fixture(CONSOLE);
    let tokens = fixture("tokens/2026-10.jsonl");
    let estimate: Decimal = costs_by_key(&report_csv(&[
        &tokens, "--month", "2026-10", "--by", "service",
    ]))
    .values()
    .sum();
    let billed: Decimal = console_costs_by("Service").values().sum();
    let got = costs_by_key(&report_csv(&[
        &console, &tokens, "--month", "2026-10", "--by", "source",
    ]));
    let expected: BTreeMap<String, Decimal> = [
        ("billed".to_string(), billed),
        ("estimated".to_string(), estimate),
    ]
    .into();
    assert_eq!(got, expected);
}

#[test]
fn an_overflowing_sum_says_so_in_words() {
    let work = Workdir::new();
    let header = "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost (USD)\n";
    let big = "70000000000000000000000000000";
    work.create(
        "big.csv",
        format!("{header}2026-10-01,p1,a,db,s1,r,1,RU,{big}\n2026-10-02,p1,a,db,s1,r,1,RU,{big}\n"),
    );
    let stderr = work
        .run(&[
            "report",
            "big.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
        ])
        .fails();
    assert!(
        stderr.contains(
            "error: \"s1\" (USD, RU, billed) from 2026-10-01: a sum exceeds the 28 significant \
             digits that tally keeps exactly"
        ),
        "{stderr}"
    );
}

/// Two currencies are never added, so amounts too far apart in size to add exactly are fine
/// there; before, the single total no report shows for them failed the run.
#[test]
fn amounts_far_apart_in_two_currencies_are_reported() {
    let work = Workdir::new();
    work.create(
        "two.csv",
        "Date,SKU,Cost,Currency\n2026-10-01,s1,1000,USD\n2026-10-02,s1,0.0000000000000000000000000001,EUR\n",
    );
    let csv = work
        .run(&[
            "report",
            "two.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
            "--by",
            "currency",
            "--format",
            "csv",
        ])
        .ok();
    assert!(
        csv.contains("EUR,0.0000000000000000000000000001,final,0.00"),
        "{csv}"
    );
    assert!(csv.contains("USD,1000.00,final,0.00"), "{csv}");
}

/// Two inputs sharing several days and keys: the error names the earliest day and, on it,
/// the first combination of project, service, SKU, region and resource.
#[test]
fn an_overlap_error_names_the_earliest_shared_key() {
    let work = Workdir::new();
    let header = "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost (USD)\n";
    work.create(
        "a.csv",
        format!(
            "{header}2026-10-05,p2,b,db,s2,r,1,RU,1\n2026-10-03,p9,z,db,s9,r,1,RU,1\n\
             2026-10-03,p1,a,db,s1,r,1,RU,1\n2026-10-01,p1,a,db,only-a,r,1,RU,1\n"
        ),
    );
    work.create(
        "b.csv",
        format!(
            "{header}2026-10-05,p2,b,db,s2,r,1,RU,1\n2026-10-03,p1,a,db,s1,r,1,RU,1\n\
             2026-10-03,p9,z,db,s9,r,1,RU,1\n2026-10-01,p1,a,db,only-b,r,1,RU,1\n"
        ),
    );
    let stderr = work
        .run(&[
            "report",
            "a.csv",
            "b.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
        ])
        .fails();
    assert!(stderr.contains("a.csv and b.csv overlap"), "{stderr}");
    assert!(
        stderr.contains(
            "both hold rows for 2026-10-03, project \"p1\", service \"db\", sku \"s1\", \
             region \"r\";"
        ),
        "{stderr}"
    );
}

/// A report with no rows names no currency beside its 0.00: it used to say USD whatever the
/// inputs held, so a EUR export filtered to nothing showed "0.00 USD".
#[test]
fn an_empty_report_names_no_currency() {
    let console = fixture(CONSOLE);
    let work = Workdir::new();
    let json = work
        .run(&[
            "report",
            &console,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
            "--project",
            "nosuch",
            "--format",
            "json",
        ])
        .ok();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["currency"], serde_json::Value::Null);
    assert_eq!(value["total"], "0.00");
    assert_eq!(value["groups"].as_array().unwrap().len(), 0);

    let eur = fixture("real-world/azure-focus-1.2-2026-10-eur.csv");
    let run = work.run(&["report", &eur, "--from", "2020-01-01", "--to", "2020-01-31"]);
    let table = run.ok();
    let total = table.lines().find(|l| l.starts_with("total")).unwrap();
    assert_eq!(
        total.split_whitespace().collect::<Vec<_>>(),
        ["total", "0.00", "final"]
    );
    assert!(!table.contains("USD"), "{table}");
    assert!(run.stderr().contains("has no data"), "{}", run.stderr());
}

/// Parser messages as a user meets them in a bad row.
#[test]
fn a_cost_too_large_for_tally_is_told_it_is_too_large() {
    let work = Workdir::new();
    let header = "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost (USD)\n";
    work.create(
        "big.csv",
        format!("{header}2026-10-01,p1,a,db,s1,r,1,RU,9999999999999999999999999999.9\n"),
    );
    let stderr = work
        .run(&[
            "report",
            "big.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
        ])
        .fails();
    assert!(stderr.contains("big.csv:2"), "{stderr}");
    assert!(
        stderr.contains("is too large: tally keeps at most 28 significant digits exactly"),
        "{stderr}"
    );
}

/// The skipped rows' cost is summed only within one currency, and says which (found by
/// review: 500 EUR and 0.5 JPY were shown as "cost 500.50" in a USD report).
#[test]
fn skipped_costs_are_summed_in_one_currency_only() {
    let work = Workdir::new();
    let header = "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost,Currency\n";
    let good = "2026-10-01,p1,a,db,s1,r,1,RU,10,USD\n";
    work.create(
        "mixed.csv",
        format!(
            "{header}{good}2026-13-01,p1,a,db,s1,r,1,RU,500,EUR\nbad,p1,a,db,s1,r,1,RU,0.5,JPY\n"
        ),
    );
    work.create(
        "one.csv",
        format!(
            "{header}{good}2026-13-01,p1,a,db,s1,r,1,RU,500,EUR\nbad,p1,a,db,s1,r,1,RU,0.5,eur\n"
        ),
    );
    let scope = |file: &str| -> serde_json::Value {
        let json = work
            .run(&[
                "report",
                file,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-20",
                "--skip-bad-rows",
                "--format",
                "json",
            ])
            .ok();
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["scope"]["rows_skipped"].clone()
    };
    let mixed = scope("mixed.csv");
    assert_eq!(mixed["count"], 2);
    assert_eq!(mixed["cost"], serde_json::Value::Null);
    assert_eq!(mixed["mixed_currencies"], true);
    let one = scope("one.csv");
    assert_eq!(one["cost"], "500.50");
    assert_eq!(one["currency"], "EUR");
    let table = work
        .run(&[
            "report",
            "mixed.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
            "--skip-bad-rows",
        ])
        .ok();
    assert!(
        table.contains("2 bad rows skipped (costs in several currencies, not summed)"),
        "{table}"
    );
}

/// Quantities too far apart to add exactly are named as the quantities, not as a sum of costs
/// (the error said to round the amounts, whose costs of 1 and 1 were fine).
#[test]
fn a_quantity_sum_beyond_28_digits_is_named_as_the_quantity() {
    let work = Workdir::new();
    work.create(
        "qty.csv",
        "date,sku,cost,quantity,unit\n\
         2026-10-01,s1,1,100000000000000000000,GB\n\
         2026-10-01,s1,1,0.0000000000001,GB\n",
    );
    let stderr = work
        .run(&["report", "qty.csv", "--month", "2026-10"])
        .fails();
    assert!(
        stderr.starts_with(
            "error: \"s1\" (USD, GB, billed) from 2026-10-01: the sum of its quantities (not its \
             costs) needs more than the 28 significant digits"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("round the quantity column"), "{stderr}");
}

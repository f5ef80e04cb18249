//! FOCUS as its specification defines it: nulls, exponent numbers, timestamps with offsets,
//! fallback chains for optional columns, charge categories and spreading multi-day charges.
//! Expected figures are worked out by hand in the comments.

use crate::util::{Workdir, costs_by_key};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const MONTH: &[&str] = &["--month", "2026-10", "--as-of", "2026-11-28"];

fn report(
    work: &Workdir,
    file: &str,
    extra: &[&str],
) -> std::collections::BTreeMap<String, Decimal> {
    let mut args = vec!["report", file, "--format", "csv"];
    args.extend_from_slice(MONTH);
    args.extend_from_slice(extra);
    costs_by_key(&work.run(&args).ok())
}

/// A FOCUS 1.0 file as a provider writes it, without SkuMeter or SkuId (the SKU comes from
/// ChargeDescription, else ChargeCategory), with every spelling of null, exponent numbers
/// and offsets that move a charge to another UTC day.
const CHAIN: &str = "\
ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency,ChargeCategory,ChargeClass,ChargeDescription,ServiceName,ServiceCategory,SubAccountId,SubAccountName,RegionId,RegionName,ConsumedQuantity,ConsumedUnit\r
2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,1.5E1,15,USD,Usage,NULL,Read units,Vector DB,Databases,p-1,NULL,us-east-1,NULL,3e3,RU\r
2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,35.2E-7,0,USD,Usage,null,Read units,Vector DB,Databases,p-1,Null,,US East,2,RU\r
2026-10-02 10:00:00,2026-10-02 11:00:00,2.25,2.25,USD,Tax,,NULL,NULL,Databases,p-2,Search,NULL,NULL,NULL,NULL\r
2026-09-30T23:30:00-05:00,2026-10-01T00:30:00-05:00,-4.5e-1,-0.45,USD,Credit,,Promo credit,Vector DB,,p-1,,us-east-1,,,\r
2026-10-31T23:30:00-0200,2026-11-01T00:30:00-0200,100,100,USD,Usage,,Read units,Vector DB,Databases,p-1,,us-east-1,,1,RU\r
2026-10-05T00:00:00Z,2026-10-06T00:00:00Z,-1.00,-1.00,USD,Usage,Correction,Read units,Vector DB,Databases,p-1,,us-east-1,,-1,RU\r
";

#[test]
fn focus_nulls_exponents_and_fallback_chains() {
    let work = Workdir::new();
    let file = work.create("focus.csv", CHAIN);
    // By SKU: "Read units" = 15 + 0.00000352 − 1.00 (the correction); the 100 row starts at
    // 2026-11-01T01:30Z, outside October. The tax row has no description: ChargeCategory.
    // The credit starts at 2026-10-01T04:30Z, in October.
    let by_sku = report(&work, &file, &["--by", "sku"]);
    assert_eq!(by_sku["Read units"], dec("14.00000352"));
    assert_eq!(by_sku["Tax"], dec("2.25"));
    assert_eq!(by_sku["Promo credit"], dec("-0.45"));
    assert_eq!(by_sku.len(), 3);
    // Service falls back to ServiceCategory; project to SubAccountId; region to RegionName.
    let by_service = report(&work, &file, &["--by", "service"]);
    assert_eq!(by_service["Vector DB"], dec("13.55000352"));
    assert_eq!(by_service["Databases"], dec("2.25"));
    let by_project = report(&work, &file, &["--by", "project"]);
    assert_eq!(by_project["p-1"], dec("13.55000352"));
    assert_eq!(by_project["Search"], dec("2.25"));
    let by_region = report(&work, &file, &["--by", "region"]);
    assert_eq!(by_region["us-east-1"], dec("13.55"));
    assert_eq!(by_region["US East"], dec("0.00000352"));
    assert_eq!(by_region[""], dec("2.25"));
    // Every charge category counts; --by takes the FOCUS column itself.
    let by_category = report(&work, &file, &["--by", "ChargeCategory,ChargeClass"]);
    assert_eq!(by_category["Usage | "], dec("15.00000352"));
    assert_eq!(by_category["Usage | Correction"], dec("-1.00"));
    assert_eq!(by_category["Tax | "], dec("2.25"));
    assert_eq!(by_category["Credit | "], dec("-0.45"));
}

#[test]
fn focus_quantities_are_exact_and_a_null_quantity_is_zero() {
    let work = Workdir::new();
    let file = work.create("focus.csv", CHAIN);
    let out = work
        .run(&[
            "report", &file, "--format", "json", "--by", "sku", "--month", "2026-10",
        ])
        .ok();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let read = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["sku"] == "Read units")
        .unwrap()
        .clone();
    // 3e3 + 2 − 1 RU.
    assert_eq!(read["quantity"], "3001");
    assert_eq!(read["unit"], "RU");
    assert_eq!(json["total"], "15.80000352");
}

#[test]
fn focus_effective_cost_is_its_own_column() {
    let work = Workdir::new();
    let file = work.create("focus.csv", CHAIN);
    let by_sku = report(&work, &file, &["--by", "sku", "--cost", "effective"]);
    assert_eq!(by_sku["Read units"], dec("14"));
}

#[test]
fn focus_null_cost_names_the_column_and_the_ways_forward() {
    let work = Workdir::new();
    let file = work.create(
        "focus.csv",
        "ChargePeriodStart,BilledCost,BillingCurrency,SkuId\n\
         2026-10-01T00:00:00Z,1.25,USD,A\n\
         2026-10-02T00:00:00Z,null,USD,A\n\
         2026-10-03T00:00:00Z,2.00,USD,A\n",
    );
    let mut args = vec!["report", file.as_str()];
    args.extend_from_slice(MONTH);
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "focus.csv:3: column \"BilledCost\": \"null\" is null; the cost column the report \
             uses must hold a number on every row (pass --skip-bad-rows to skip such rows, or \
             --cost to report another cost column)"
        ),
        "{stderr}"
    );
    args.extend_from_slice(&["--skip-bad-rows", "--format", "csv"]);
    let run = work.run(&args);
    assert_eq!(costs_by_key(&run.ok())["A"], dec("3.25"));
    assert!(
        run.stderr().contains("skipped 1 bad row"),
        "{}",
        run.stderr()
    );
}

#[test]
fn focus_header_without_a_sku_column_is_refused_at_line_one() {
    let work = Workdir::new();
    let file = work.create(
        "focus.csv",
        "ChargePeriodStart,BilledCost,BillingCurrency,ServiceName\n2026-10-01,1,USD,X\n",
    );
    let mut args = vec!["report", file.as_str()];
    args.extend_from_slice(MONTH);
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "focus.csv:1: FOCUS file lacks the column one of SkuMeter, SkuId, \
             ChargeDescription, ChargeCategory (for the SKU); FOCUS requires it"
        ),
        "{stderr}"
    );
}

#[test]
fn focus_null_currency_is_a_bad_row_not_dollars() {
    let work = Workdir::new();
    let file = work.create(
        "focus.csv",
        "ChargePeriodStart,BilledCost,BillingCurrency,SkuId\n2026-10-01,1,NULL,A\n",
    );
    let mut args = vec!["report", file.as_str()];
    args.extend_from_slice(MONTH);
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "focus.csv:2: column \"BillingCurrency\": \"NULL\" is null; FOCUS requires the billing \
             currency on every row"
        ),
        "{stderr}"
    );
}

/// A monthly support fee, a one-year commitment purchase and an hourly usage row that does
/// not cross midnight.
const SPANS: &str = "\
ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,ChargeCategory,SkuId,ConsumedQuantity
2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,100.00,USD,Purchase,Support,1
2026-01-01T00:00:00Z,2027-01-01T00:00:00Z,365.00,USD,Purchase,Commitment,NULL
2026-10-07T22:00:00Z,2026-10-07T23:00:00Z,0.50,USD,Usage,Reads,10
";

#[test]
fn spread_charges_keeps_the_total_and_draws_a_band() {
    let work = Workdir::new();
    let file = work.create("spans.csv", SPANS);
    // Default: each charge on the day of its ChargePeriodStart; the annual purchase is in
    // January, outside October.
    let plain = report(&work, &file, &["--by", "sku"]);
    assert_eq!(plain["Support"], dec("100.00"));
    assert!(!plain.contains_key("Commitment"));
    // Spread: October gets 31 of 365 days of the purchase (1.00 a day) and all of the fee.
    let spread = report(&work, &file, &["--by", "sku", "--spread-charges"]);
    assert_eq!(spread["Support"], dec("100.00"));
    assert_eq!(spread["Commitment"], dec("31.00"));
    assert_eq!(spread["Reads"], dec("0.50"));
    // Day by day: 100.00 / 31 = 3.22580645 (truncated to 2 + 6 decimals); the first day also
    // takes the remainder 100.00 − 31 × 3.22580645 = 0.00000005.
    let daily = report(
        &work,
        &file,
        &["--by", "sku", "--spread-charges", "--period", "day"],
    );
    assert_eq!(
        daily["2026-10-01 | 2026-10-01 | Support"],
        dec("3.22580650")
    );
    assert_eq!(
        daily["2026-10-02 | 2026-10-02 | Support"],
        dec("3.22580645")
    );
    assert_eq!(
        daily["2026-10-31 | 2026-10-31 | Support"],
        dec("3.22580645")
    );
    assert_eq!(daily["2026-10-15 | 2026-10-15 | Commitment"], dec("1.00"));
    // A range inside the period gets its days' parts only.
    let mut args = vec!["report", file.as_str(), "--format", "csv", "--by", "sku"];
    args.extend_from_slice(&["--from", "2026-10-05", "--to", "2026-10-07"]);
    args.extend_from_slice(&["--as-of", "2026-11-28", "--spread-charges"]);
    let part = costs_by_key(&work.run(&args).ok());
    assert_eq!(part["Support"], dec("9.67741935"));
    assert_eq!(part["Commitment"], dec("3.00"));
    assert_eq!(part["Reads"], dec("0.50"));
}

#[test]
fn manifest_records_which_column_gives_each_field() {
    let work = Workdir::new();
    let file = work.create("focus.csv", CHAIN);
    let mut args = vec!["report", file.as_str(), "--out", "out"];
    args.extend_from_slice(MONTH);
    work.run(&args).ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let columns = &manifest["inputs"][0]["columns"];
    assert_eq!(
        columns["sku"],
        serde_json::json!(["ChargeDescription", "ChargeCategory"])
    );
    assert_eq!(
        columns["project"],
        serde_json::json!(["SubAccountName", "SubAccountId"])
    );
    assert_eq!(columns["quantity"], serde_json::json!(["ConsumedQuantity"]));
    assert_eq!(columns["date"], serde_json::json!(["ChargePeriodStart"]));
    assert_eq!(manifest["inputs"][0]["rows"]["read"], 6);
}

#[test]
fn date_basis_billing_matches_each_months_invoice() {
    // Sums of BilledCost by BillingPeriodStart over the corpus's AWS files (Python decimal):
    // October's invoice 17.6672008 holds a −1.25 correction of September usage; November's
    // 12.40 holds a +0.50 correction of October usage. By charge period, October is
    // 18.9172008 + 0.50 and November 11.90.
    let work = Workdir::new();
    let october = crate::util::fixture("real-world/aws-focus-1.0-2026-10.csv");
    let november = crate::util::fixture("real-world/aws-focus-1.0-2026-11.csv");
    let total = |month: &str, basis: &str| -> Decimal {
        let out = work
            .run(&[
                "report",
                &october,
                &november,
                "--month",
                month,
                "--as-of",
                "2026-12-28",
                "--format",
                "json",
                "--date-basis",
                basis,
            ])
            .ok();
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        dec(json["total"].as_str().unwrap())
    };
    assert_eq!(total("2026-10", "billing"), dec("17.6672008"));
    assert_eq!(total("2026-11", "billing"), dec("12.40"));
    assert_eq!(total("2026-10", "charge"), dec("19.4172008"));
    assert_eq!(total("2026-11", "charge"), dec("11.90"));
    // Usage CSVs have no billing period: said, not ignored.
    let console = crate::util::fixture("console/usage-2026-10.csv");
    let stderr = work
        .run(&[
            "report",
            &console,
            "--month",
            "2026-10",
            "--date-basis",
            "billing",
        ])
        .fails();
    assert!(
        stderr.contains("--date-basis billing applies to FOCUS files"),
        "{stderr}"
    );
}

#[test]
fn spread_charges_with_latest_overlap_is_refused_rather_than_counted_twice() {
    let work = Workdir::new();
    let header = "BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,SkuMeter\n";
    let first = work.create(
        "o1.csv",
        format!("{header}31,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,USD,fee\n"),
    );
    let second = work.create(
        "o2.csv",
        format!("{header}62,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,USD,fee\n"),
    );
    let run = work.run(&[
        "report",
        &first,
        &second,
        "--month",
        "2026-10",
        "--as-of",
        "2026-12-01",
        "--spread-charges",
        "--on-overlap",
        "latest",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("--spread-charges cannot be combined"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_null_date_says_what_is_needed() {
    let work = Workdir::new();
    let file = work.create(
        "b.csv",
        "BilledCost,ChargePeriodStart,BillingPeriodStart,BillingCurrency,SkuMeter\n\
         3,2026-10-05,NULL,USD,a\n\
         4,null,2026-10-01,USD,a\n",
    );
    let stderr = work
        .run(&[
            "report",
            &file,
            "--month",
            "2026-10",
            "--as-of",
            "2026-12-01",
            "--date-basis",
            "billing",
        ])
        .fails();
    assert!(
        stderr.contains(
            "b.csv:2: column \"BillingPeriodStart\": \"NULL\" is null; --date-basis billing \
             needs BillingPeriodStart on every row (use --date-basis charge, or \
             --skip-bad-rows to skip such rows)"
        ),
        "{stderr}"
    );
    let stderr = work
        .run(&[
            "report",
            &file,
            "--month",
            "2026-10",
            "--as-of",
            "2026-12-01",
        ])
        .fails();
    assert!(
        stderr.contains(
            "b.csv:3: column \"ChargePeriodStart\": \"null\" is null; expected the day the cost \
             was incurred (--skip-bad-rows skips such rows)"
        ),
        "{stderr}"
    );
}

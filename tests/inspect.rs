//! `tally inspect`: the description of each bundled fixture and of small files with bad rows,
//! nulls and missing days; the JSON shape; exit codes.
//!
//! The fixture figures were computed independently with Python's `decimal` module (context
//! precision 60) over the fixture files read with the `csv` module: row counts, the sum of
//! the cost column per currency and per ChargeCategory, first/last `Date` or the first ten
//! characters of `ChargePeriodStart`, and nulls (`NULL`/`null` in any case or empty for
//! FOCUS, empty for usage CSVs). Token records: endpoints as `endpoint`, else the response's
//! shape; days from `timestamp` converted to UTC with `datetime.fromisoformat`.

use crate::util::{Workdir, fixture};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

fn inspect_json(dir: &Workdir, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["inspect", "--format", "json"];
    all.extend_from_slice(args);
    let run = dir.run(&all);
    let json: Value = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout(), run.stderr()));
    (run.code(), json)
}

fn field<'a>(input: &'a Value, name: &str) -> &'a Value {
    input["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn nulls(input: &Value, column: &str) -> u64 {
    input["nulls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["column"] == column)
        .unwrap_or_else(|| panic!("no nulls for {column}"))["nulls"]
        .as_u64()
        .unwrap()
}

#[test]
fn console_usage_csv() {
    let dir = Workdir::new();
    let (code, json) = inspect_json(&dir, &[&fixture("console/usage-2026-10.csv")]);
    assert_eq!(code, 0);
    assert_eq!(json["inspect_format"], 1);
    assert_eq!(json["cost"], "billed");
    assert_eq!(json["failed"], false);
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "usage-csv");
    assert_eq!(input["error"], Value::Null);
    assert_eq!(input["focus_version"], Value::Null);
    assert_eq!(input["charge_categories"], Value::Null);
    assert_eq!(input["rows"], 853);
    assert_eq!(input["bad_rows"]["count"], 0);
    assert_eq!(input["days"]["first"], "2026-10-01");
    assert_eq!(input["days"]["last"], "2026-10-31");
    assert_eq!(input["days"]["with_rows"], 31);
    assert_eq!(input["days"]["missing_days"], 0);
    let usd = &input["currencies"]["values"][0];
    assert_eq!(
        (&usd["currency"], &usd["rows"], &usd["cost"]),
        (
            &Value::from("USD"),
            &Value::from(853),
            &Value::from("3103.45954429")
        )
    );
    assert_eq!(input["currencies"]["other"], Value::Null);
    let region = field(input, "region");
    assert_eq!(region["columns"], serde_json::json!(["Region"]));
    assert_eq!(region["supplied_by"][0]["rows"], 853 - 279);
    assert_eq!(region["none"], 279);
    assert_eq!(nulls(input, "Region"), 279);
    assert_eq!(nulls(input, "Index"), 152);
    assert_eq!(
        field(input, "project")["columns"],
        serde_json::json!(["Project Name", "Project ID"])
    );
}

#[test]
fn focus_sample_charge_categories_and_fallbacks() {
    let dir = Workdir::new();
    let (code, json) = inspect_json(&dir, &[&fixture("focus-sample/focus_sample.csv")]);
    assert_eq!(code, 0);
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "focus-csv");
    // The sample has none of the columns 1.1 and later introduced.
    assert_eq!(input["focus_version"]["at_least"], "1.0");
    assert_eq!(input["focus_version"]["text"], "1.0 or later");
    assert_eq!(input["columns"].as_array().unwrap().len(), 44);
    assert_eq!(input["rows"], 1000);
    assert_eq!(input["bad_rows"]["count"], 0);
    assert_eq!(
        (&input["days"]["first"], &input["days"]["last"]),
        (&Value::from("2024-09-01"), &Value::from("2024-09-30"))
    );
    assert_eq!(input["currencies"]["values"][0]["cost"], "20.52022672899");
    let categories: Vec<(String, u64, String)> = input["charge_categories"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["currency"], "USD");
            (
                c["charge_category"].as_str().unwrap().to_string(),
                c["rows"].as_u64().unwrap(),
                c["cost"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        categories,
        vec![
            ("Adjustment".into(), 2, "0.272".into()),
            ("Credit".into(), 1, "-2.6137".into()),
            ("Usage".into(), 997, "22.86192672899".into()),
        ]
    );
    // resource = ResourceName, else ResourceId: 51 rows have a name, 874 only an id.
    let resource = field(input, "resource");
    assert_eq!(
        resource["supplied_by"],
        serde_json::json!([
            {"column": "ResourceName", "rows": 51},
            {"column": "ResourceId", "rows": 874}
        ])
    );
    assert_eq!(resource["none"], 75);
    assert_eq!(nulls(input, "ResourceName"), 949);
    assert_eq!(nulls(input, "RegionId"), 7);
    assert_eq!(nulls(input, "Tags"), 289);

    let (_, json) = inspect_json(
        &dir,
        &[
            &fixture("focus-sample/focus_sample.csv"),
            "--cost",
            "effective",
        ],
    );
    assert_eq!(json["cost"], "effective");
    assert_eq!(
        json["inputs"][0]["currencies"]["values"][0]["cost"],
        "14.97651418586"
    );
}

#[test]
fn export_zip_per_member_and_in_total() {
    let dir = Workdir::new();
    let (code, json) = inspect_json(&dir, &[&fixture("export/cost-usage-export-2026-10.zip")]);
    assert_eq!(code, 0);
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "cost-usage-export (focus-csv)");
    assert_eq!(input["focus_version"]["at_least"], "1.1");
    assert_eq!(
        input["focus_version"]["evidence"],
        serde_json::json!(["SkuMeter"])
    );
    assert!(
        input["notes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("manifest.json says focus_version 1.4")),
        "{}",
        input["notes"]
    );
    let members: Vec<(String, u64, String)> = input["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["rows"].as_u64().unwrap(),
                m["currencies"]["values"][0]["cost"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        members,
        vec![
            ("part-1-of-3.csv".into(), 285, "1000.68523074".into()),
            ("part-2-of-3.csv".into(), 285, "1077.62632123".into()),
            ("part-3-of-3.csv".into(), 284, "1125.14799232".into()),
        ]
    );
    assert_eq!(input["rows"], 854);
    assert_eq!(input["currencies"]["values"][0]["cost"], "3203.45954429");
    let categories = &input["charge_categories"]["values"];
    assert_eq!(categories[0]["charge_category"], "Purchase");
    assert_eq!(categories[0]["cost"], "100.00");
    assert_eq!(categories[1]["charge_category"], "Usage");
    assert_eq!(categories[1]["rows"], 853);
    assert_eq!(categories[1]["cost"], "3103.45954429");
    assert_eq!(input["days"]["with_rows"], 31);
    assert_eq!(input["members"][0]["days"]["last"], "2026-10-11");
}

#[test]
fn token_records() {
    let dir = Workdir::new();
    let (code, json) = inspect_json(&dir, &[&fixture("tokens/2026-10.jsonl")]);
    assert_eq!(code, 0);
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "token-records (json lines)");
    assert_eq!(input["rows"], 216);
    assert_eq!(input["bad_rows"]["count"], 0);
    assert_eq!(input["currencies"], Value::Null);
    assert_eq!(input["fields"], serde_json::json!([]));
    assert_eq!(input["days"]["first"], "2026-09-30");
    assert_eq!(input["days"]["last"], "2026-11-01");
    assert_eq!(input["days"]["with_rows"], 33);
    let endpoints: Vec<(String, u64)> = input["endpoints"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["endpoint"].as_str().unwrap().to_string(),
                e["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        endpoints,
        vec![
            ("chat".into(), 142),
            ("context".into(), 55),
            ("evaluation".into(), 19)
        ]
    );
}

/// A usage CSV with a blank line, bad rows of every kind and days missing.
const BAD_USAGE: &str = "date,sku,cost,currency\n\
2026-10-01,a,1.50,USD\n\
2026-10-02,b,12,50,USD\n\
\n\
2026-10-05,c,x,USD\n\
2026-10-04,\"d\",\"2.25\",EUR\n\
2026-10-10,,1,USD\n\
2026-02-30,e,1,USD\n\
2026-10-11,f,\"1,234\",USD\n\
2026-10-12,g,0.10,USD\n\
2026-10-13,h,$3,USD\n";

#[test]
fn bad_rows_are_counted_with_the_first_five_located() {
    let dir = Workdir::new();
    let path = dir.create("usage.csv", BAD_USAGE);
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0, "bad rows are not fatal");
    let input = &json["inputs"][0];
    assert_eq!(input["rows"], 9);
    assert_eq!(input["bad_rows"]["count"], 6);
    let first: Vec<(u64, Value, Value, String)> = input["bad_rows"]["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["source"], path.as_str());
            assert_eq!(
                b["location"],
                format!("{path}:{}", b["line"].as_u64().unwrap())
            );
            (
                b["line"].as_u64().unwrap(),
                b["column"].clone(),
                b["value"].clone(),
                b["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(first.len(), 5);
    assert_eq!(
        (first[0].0, &first[0].1, &first[0].3[..]),
        (3, &Value::Null, "has 5 fields; expected 4 as in the header")
    );
    // Line 4 is blank: the next record is on line 5.
    assert_eq!(
        (first[1].0, &first[1].1, &first[1].2),
        (5, &Value::from("cost"), &Value::from("x"))
    );
    assert_eq!(first[1].3, "is not a decimal number");
    assert_eq!((first[2].0, &first[2].1), (7, &Value::from("sku")));
    assert_eq!(first[2].3, "is empty; expected a SKU");
    assert_eq!((first[3].0, &first[3].1), (8, &Value::from("date")));
    assert!(first[3].3.contains("no such day"), "{}", first[3].3);
    assert_eq!((first[4].0, &first[4].2), (9, &Value::from("1,234")));
    // Good rows: 10-01 (USD 1.50), 10-04 (EUR 2.25), 10-12 (USD 0.10).
    let days = &input["days"];
    assert_eq!(
        (&days["first"], &days["last"]),
        (&"2026-10-01".into(), &"2026-10-12".into())
    );
    assert_eq!(days["with_rows"], 3);
    assert_eq!(days["missing_days"], 9);
    assert_eq!(days["missing_ranges"], 2);
    assert_eq!(
        days["missing"],
        serde_json::json!([
            {"from": "2026-10-02", "to": "2026-10-03", "days": 2},
            {"from": "2026-10-05", "to": "2026-10-11", "days": 7}
        ])
    );
    assert_eq!(
        input["currencies"]["values"],
        serde_json::json!([
            {"currency": "EUR", "rows": 1, "cost": "2.25", "overflow": false},
            {"currency": "USD", "rows": 2, "cost": "1.60", "overflow": false}
        ])
    );
    assert_eq!(nulls(input, "sku"), 1);

    // The table says the same, readably.
    let table = dir.run(&["inspect", &path]).ok();
    assert!(table.contains("rows      9 (6 bad)"), "{table}");
    assert!(
        table.contains("missing: 2026-10-02..2026-10-03, 2026-10-05..2026-10-11"),
        "{table}"
    );
    assert!(table.contains(&format!(
        "{path}:5: column \"cost\": \"x\" is not a decimal number"
    )));
    assert!(table.contains("… and 1 more"), "{table}");
    assert!(
        table.contains("service   none: derived from the SKU"),
        "{table}"
    );
}

#[test]
fn tiny_blocks_give_the_same_description() {
    // Records split into many blocks: lines must still be physical lines.
    let dir = Workdir::new();
    let path = dir.create("usage.csv", BAD_USAGE.replace('\n', "\r\n"));
    let (_, whole) = inspect_json(&dir, &[&path]);
    let tiny = Workdir::new().env("TALLY_BLOCK_SIZE", "16");
    let (_, blocks) = inspect_json(&tiny, &[&path]);
    assert_eq!(whole, blocks);
    assert_eq!(whole["inputs"][0]["bad_rows"]["first"][1]["line"], 5);
}

#[test]
fn focus_nulls_chains_and_version_markers() {
    let dir = Workdir::new();
    let path = dir.create(
        "focus.csv",
        "BilledCost,ChargePeriodStart,BillingCurrency,SkuMeter,SkuId,ChargeCategory,InvoiceId,SubAccountName\n\
         1.5,2026-10-01T00:00:00Z,USD,Reads,SKU-1,Usage,INV-1,p\n\
         2,2026-10-01T00:00:00Z,USD,NULL,SKU-2,Usage,INV-1,null\n\
         0.5,2026-10-02T00:00:00Z,USD,,SKU-3,Usage,INV-1,\n\
         NULL,2026-10-02T00:00:00Z,USD,Reads,SKU-1,Usage,INV-1,p\n\
         -1,2026-10-03T00:00:00Z,USD,nuLL,NULL,Credit,INV-1,p\n\
         1E+1,2026-10-03T00:00:00Z,null,Reads,SKU-1,Usage,INV-1,p\n",
    );
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0);
    let input = &json["inputs"][0];
    assert_eq!(input["focus_version"]["at_least"], "1.2");
    assert_eq!(
        input["focus_version"]["evidence"],
        serde_json::json!(["InvoiceId"])
    );
    assert_eq!(input["rows"], 6);
    // The null cost (line 5) and the null currency (line 7) are bad rows.
    let bad: Vec<(u64, String)> = input["bad_rows"]["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_u64().unwrap(),
                b["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bad,
        vec![(5, "BilledCost".into()), (7, "BillingCurrency".into())]
    );
    // sku: SkuMeter where it has a value, else SkuId, else ChargeCategory (all six rows).
    assert_eq!(
        field(input, "sku")["supplied_by"],
        serde_json::json!([
            {"column": "SkuMeter", "rows": 3},
            {"column": "SkuId", "rows": 2},
            {"column": "ChargeCategory", "rows": 1}
        ])
    );
    assert_eq!(nulls(input, "SkuMeter"), 3);
    assert_eq!(nulls(input, "SubAccountName"), 2);
    assert_eq!(field(input, "project")["none"], 2);
    assert_eq!(input["currencies"]["values"][0]["cost"], "3.00");
    assert_eq!(
        input["charge_categories"]["values"],
        serde_json::json!([
            {"charge_category": "Credit", "currency": "USD", "rows": 1, "cost": "-1.00", "overflow": false},
            {"charge_category": "Usage", "currency": "USD", "rows": 3, "cost": "4.00", "overflow": false}
        ])
    );
}

#[test]
fn gzip_and_directories_are_found_like_report_finds_them() {
    use std::io::Write;
    let dir = Workdir::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"date,sku,cost\n2026-10-01,a,1\n2026-10-03,a,2\n")
        .unwrap();
    dir.create("in/a.csv.gz", gz.finish().unwrap());
    dir.create("in/b.csv", "date,sku,cost\n2026-10-01,a,1\n");
    dir.create("in/notes.txt", "not an input");
    let (code, json) = inspect_json(&dir, &["in"]);
    assert_eq!(code, 0);
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0]["kind"], "usage-csv+gzip");
    assert_eq!(inputs[0]["days"]["missing"][0]["from"], "2026-10-02");
    assert_eq!(inputs[1]["kind"], "usage-csv");
}

#[test]
fn distinct_values_are_bounded_and_sums_never_panic() {
    let dir = Workdir::new();
    let mut text = String::from("date,sku,cost,currency\n");
    for i in 0..55 {
        text.push_str(&format!("2026-10-01,a,1,C{i:02}\n"));
    }
    text.push_str("2026-10-01,a,1,C54\n");
    let path = dir.create("many.csv", &text);
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0);
    let currencies = &json["inputs"][0]["currencies"];
    assert_eq!(currencies["values"].as_array().unwrap().len(), 50);
    assert_eq!(
        currencies["other"],
        serde_json::json!({"rows": 6, "distinct": 5, "distinct_is_lower_bound": false})
    );

    let max = "79228162514264337593543950335";
    let path = dir.create(
        "big.csv",
        format!("date,sku,cost\n2026-10-01,a,{max}\n2026-10-01,a,{max}\n"),
    );
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0);
    let usd = &json["inputs"][0]["currencies"]["values"][0];
    assert_eq!(
        (&usd["cost"], &usd["overflow"]),
        (&Value::Null, &Value::Bool(true))
    );
    let table = dir.run(&["inspect", &path]).ok();
    assert!(table.contains("overflow"), "{table}");
}

#[test]
fn unreadable_inputs_exit_1_but_the_others_are_still_described() {
    let dir = Workdir::new();
    let semi = dir.create("semi.csv", "date;sku;cost\n2026-10-01;a;1\n");
    let good = dir.create("good.csv", "date,sku,cost\n2026-10-01,a,1\n");
    let empty = dir.create("empty.csv", "");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("date,sku,cost\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16 = dir.create("utf16.csv", utf16);
    let run = dir.run(&[
        "inspect",
        "--format",
        "json",
        &semi,
        "missing.csv",
        &good,
        &empty,
        &utf16,
    ]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("4 input(s) could not be read"),
        "{}",
        run.stderr()
    );
    let json: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json["failed"], true);
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 5);
    assert_eq!(inputs[0]["kind"], Value::Null);
    let error = inputs[0]["error"].as_str().unwrap();
    assert_eq!(
        error,
        "line 1: the header is separated by \";\" — pass --delimiter ';'"
    );
    assert!(inputs[1]["error"].as_str().unwrap().contains("cannot read"));
    assert_eq!(inputs[2]["error"], Value::Null);
    assert_eq!(inputs[2]["rows"], 1);
    assert!(inputs[3]["error"].as_str().unwrap().contains("empty"));
    assert!(
        inputs[4]["error"]
            .as_str()
            .unwrap()
            .starts_with("the file is UTF-16 (little-endian, with a byte-order mark)")
    );

    // Usage errors exit 2.
    assert_eq!(dir.run(&["inspect", &good, "--format", "csv"]).code(), 2);
    assert_eq!(dir.run(&["inspect"]).code(), 2);
}

#[test]
fn help_shows_an_example() {
    let help = Workdir::new().run(&["inspect", "--help"]).ok();
    assert!(help.contains("tally inspect fixtures/export "), "{help}");
    assert!(help.contains("--cost"), "{help}");
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// The exact cost of an input's only currency, USD.
fn usd_cost(input: &Value) -> Decimal {
    let values = input["currencies"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0]["currency"], "USD");
    dec(values[0]["cost"].as_str().unwrap())
}

/// `tally report INPUT… --format json` over a range, with more options: the total.
fn report_total(dir: &Workdir, inputs: &[&str], range: &[&str], options: &[&str]) -> Decimal {
    let mut args = vec!["report", "--format", "json", "--as-of", "2026-12-15"];
    args.extend_from_slice(range);
    args.extend_from_slice(options);
    args.extend_from_slice(inputs);
    let json: Value = serde_json::from_str(&dir.run(&args).ok()).unwrap();
    dec(json["total"].as_str().unwrap())
}

fn parquet_expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("parquet/expected.json")).unwrap())
        .unwrap()
}

// Parquet. Independent figures: `scripts/gen_parquet_fixtures.py`'s expected.json (totals of
// October 2026 and rows per file), and, for the AWS files (whose September partition also
// holds September rows), pyarrow's `read_table(...).to_pylist()` summed with Python's
// `decimal` from `repr(float)`: the 2026-09 file 357687.5872550084 (of which its five
// late 2026-10-01 rows 419.7465112991), the 2026-10 file 1205878.2012516694; days and nulls
// counted the same way.

#[test]
fn parquet_files_are_described_and_agree_with_report_and_expected_totals() {
    let dir = Workdir::new();
    let expected = parquet_expected();
    for (name, key) in [
        ("azure/part_1_0001.snappy.parquet", "azure"),
        ("doubles.gz.parquet", "doubles"),
    ] {
        let path = fixture(&format!("parquet/{name}"));
        let (code, json) = inspect_json(&dir, &[&path]);
        assert_eq!(code, 0, "{json}");
        let input = &json["inputs"][0];
        assert_eq!(input["kind"], "focus-parquet");
        assert_eq!(input["error"], Value::Null);
        assert_eq!(input["read_error"], Value::Null);
        assert_eq!(input["rows"], expected["rows"][name]);
        assert_eq!(input["bad_rows"]["count"], 0);
        let total = dec(expected[key]["total"].as_str().unwrap());
        assert_eq!(usd_cost(input), total, "{name}");
        let month = ["--month", "2026-10"];
        assert_eq!(report_total(&dir, &[&path], &month, &[]), total, "{name}");
    }
    let (_, json) = inspect_json(&dir, &[&fixture("parquet/azure")]);
    let azure = &json["inputs"][0];
    assert_eq!(
        json["inputs"].as_array().unwrap().len(),
        1,
        "manifest.json is skipped"
    );
    assert_eq!(
        (&azure["days"]["first"], &azure["days"]["last"]),
        (&Value::from("2026-10-01"), &Value::from("2026-10-31"))
    );
    assert_eq!(azure["days"]["with_rows"], 30);
    assert_eq!(nulls(azure, "RegionId"), 31);
    assert_eq!(nulls(azure, "Tags"), 26);
    assert_eq!(azure["focus_version"]["at_least"], "1.0");
    // No charge period end in this export: nothing to spread.
    assert_eq!(azure["multi_day"]["rows"], 0);
}

#[test]
fn parquet_hive_tree_is_found_like_report_finds_it() {
    let dir = Workdir::new();
    let tree = fixture("parquet/aws");
    let (code, json) = inspect_json(&dir, &[&tree]);
    assert_eq!(code, 0);
    let inputs = json["inputs"].as_array().unwrap();
    // The metadata's focus-Manifest.json is skipped; the two partitions are read.
    assert_eq!(inputs.len(), 2, "{json}");
    let expected = parquet_expected();
    let (september, october) = (&inputs[0], &inputs[1]);
    for (input, partition) in [(september, "2026-09"), (october, "2026-10")] {
        let name = input["name"].as_str().unwrap();
        assert!(
            name.ends_with(&format!(
                "BILLING_PERIOD={partition}/focus-00001.snappy.parquet"
            )),
            "{name}"
        );
        assert_eq!(input["kind"], "focus-parquet");
        let relative =
            format!("aws/focus/data/BILLING_PERIOD={partition}/focus-00001.snappy.parquet");
        assert_eq!(input["rows"], expected["rows"][&relative]);
        assert_eq!(input["bad_rows"]["count"], 0);
        assert_eq!(field(input, "sku")["supplied_by"][0]["column"], "SkuId");
    }
    assert_eq!(usd_cost(september), dec("357687.5872550084"));
    assert_eq!(usd_cost(october), dec("1205878.2012516694"));
    assert_eq!(
        (&september["days"]["first"], &september["days"]["last"]),
        (&Value::from("2026-09-01"), &Value::from("2026-10-01"))
    );
    assert_eq!(september["days"]["with_rows"], 30);
    assert_eq!(october["days"]["with_rows"], 31);
    assert_eq!(october["days"]["missing_days"], 0);
    assert_eq!(nulls(october, "RegionId"), 89);
    assert_eq!(nulls(october, "Tags"), 53);
    assert_eq!(nulls(october, "ConsumedQuantity"), 43);
    // The October report reads the October partition and the September one's late rows.
    let october_total = usd_cost(october) + dec("419.7465112991");
    assert_eq!(
        october_total,
        dec(expected["aws"]["total"].as_str().unwrap())
    );
    assert_eq!(
        report_total(&dir, &[&tree], &["--month", "2026-10"], &[]),
        october_total
    );
    // Over both months, report's total is inspect's two totals.
    let both = ["--from", "2026-09-01", "--to", "2026-10-31"];
    assert_eq!(
        report_total(&dir, &[&tree], &both, &[]),
        usd_cost(september) + usd_cost(october)
    );
    // One-hour charge periods never touch two UTC days (an end at 00:00 does not).
    assert_eq!(october["multi_day"]["rows"], 0);
    assert_eq!(october["multi_day"]["spread_refused"]["count"], 0);

    let table = dir.run(&["inspect", &tree]).ok();
    assert!(
        table.contains("kind      focus-parquet, FOCUS 1.0 or later; 22 columns"),
        "{table}"
    );
    assert!(
        table.contains("1,205,878.20  USD  from 300 rows  (exact 1205878.2012516694)"),
        "{table}"
    );
}

#[test]
fn parquet_bad_rows_are_located_by_row_group_and_row() {
    let dir = Workdir::new();
    let path = fixture("parquet/bad/nan-cost.parquet");
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0, "bad rows are counted, never fatal");
    let input = &json["inputs"][0];
    assert_eq!(input["rows"], 3);
    assert_eq!(input["bad_rows"]["count"], 1);
    let bad = &input["bad_rows"]["first"][0];
    assert_eq!(bad["location"], format!("{path}: row group 1, row 2"));
    assert_eq!(
        (&bad["row_group"], &bad["line"]),
        (&Value::from(1), &Value::from(2))
    );
    assert_eq!(
        (&bad["column"], &bad["value"]),
        (&Value::from("BilledCost"), &Value::from("NaN"))
    );
    assert_eq!(bad["reason"], "is not a decimal number");
    // 1.5 + 2.25, as report --skip-bad-rows counts it.
    assert_eq!(usd_cost(input), dec("3.75"));
    assert_eq!(
        report_total(
            &dir,
            &[&path],
            &["--month", "2026-10"],
            &["--skip-bad-rows"]
        ),
        dec("3.75")
    );
    let table = dir.run(&["inspect", &path]).ok();
    assert!(
        table.contains(&format!(
            "bad rows  {path}: row group 1, row 2: column \"BilledCost\": \"NaN\" is not a decimal number"
        )),
        "{table}"
    );
}

#[test]
fn parquet_damaged_file_is_unreadable() {
    let dir = Workdir::new();
    let bytes = std::fs::read(fixture("parquet/doubles.gz.parquet")).unwrap();
    let cut = dir.create("cut.parquet", &bytes[..bytes.len() / 2]);
    let good = fixture("parquet/doubles.gz.parquet");
    let (code, json) = inspect_json(&dir, &[&cut, &good]);
    assert_eq!(code, 1);
    let inputs = json["inputs"].as_array().unwrap();
    assert!(inputs[0]["error"].is_string(), "{json}");
    assert!(
        !inputs[0]["error"].as_str().unwrap().starts_with(&cut),
        "{json}"
    );
    assert_eq!(inputs[1]["rows"], 8);
}

// --delimiter and --date-format, as report reads them.

#[test]
fn delimiter_and_date_format_read_like_report() {
    let dir = Workdir::new();
    // A usage CSV a spreadsheet saved: ';' separators, day.month.year dates.
    let saved = dir.create(
        "saved.csv",
        "date;sku;cost;project\n\
         01.10.2026;Storage;1.25;p1\n\
         02.10.2026;\"Read; units\";2.5;p1\n\
         05.10.2026;Storage;0.005;p2\n\
         2026-10-06;Storage;7;p2\n",
    );
    let options = ["--delimiter", ";", "--date-format", "%d.%m.%Y"];
    let mut args = options.to_vec();
    args.push(&saved);
    let (code, json) = inspect_json(&dir, &args);
    assert_eq!(code, 0, "{json}");
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "usage-csv");
    assert_eq!(input["rows"], 4);
    // The ISO date does not match the format given: a bad row, as report says.
    assert_eq!(input["bad_rows"]["count"], 1);
    let bad = &input["bad_rows"]["first"][0];
    assert_eq!(bad["line"], 5);
    assert_eq!(bad["reason"], "does not match --date-format \"%d.%m.%Y\"");
    assert_eq!(
        (&input["days"]["first"], &input["days"]["last"]),
        (&Value::from("2026-10-01"), &Value::from("2026-10-05"))
    );
    assert_eq!(input["days"]["missing_days"], 2);
    // 1.25 + 2.5 + 0.005
    assert_eq!(usd_cost(input), dec("3.755"));
    let mut skipping = options.to_vec();
    skipping.push("--skip-bad-rows");
    assert_eq!(
        report_total(&dir, &[&saved], &["--month", "2026-10"], &skipping),
        dec("3.755")
    );

    // Tabs.
    let tabs = dir.create(
        "tabs.csv",
        "date\tsku\tcost\n2026-10-01\ta\t1.5\n2026-10-02\tb\t2\n",
    );
    let (code, json) = inspect_json(&dir, &["--delimiter", "tab", &tabs]);
    assert_eq!(code, 0);
    assert_eq!(usd_cost(&json["inputs"][0]), dec("3.5"));
    assert_eq!(
        report_total(
            &dir,
            &[&tabs],
            &["--month", "2026-10"],
            &["--delimiter", "tab"]
        ),
        dec("3.5")
    );

    // Without --delimiter: refused with what to pass, as report refuses it.
    let (code, json) = inspect_json(&dir, &[&saved]);
    assert_eq!(code, 1);
    assert_eq!(
        json["inputs"][0]["error"],
        "line 1: the header is separated by \";\" — pass --delimiter ';'"
    );
    let stderr = dir
        .run(&[
            "report",
            "--month",
            "2026-10",
            "--as-of",
            "2026-12-15",
            &saved,
        ])
        .fails();
    assert!(
        stderr.contains("the header is separated by \";\" — pass --delimiter ';'"),
        "{stderr}"
    );
    // A comma file read with ';' says to drop the option.
    let commas = dir.create("commas.csv", "date,sku,cost\n2026-10-01,a,1\n");
    let (code, json) = inspect_json(&dir, &["--delimiter", ";", &commas]);
    assert_eq!(code, 1);
    assert!(
        json["inputs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("drop --delimiter")
    );

    // Bad option values are usage errors, as for report.
    assert_eq!(dir.run(&["inspect", "--delimiter", "ab", &saved]).code(), 2);
    assert_eq!(
        dir.run(&["inspect", "--date-format", "%H:%M", &saved])
            .code(),
        2
    );
    let help = dir.run(&["inspect", "--help"]).ok();
    assert!(
        help.contains("--delimiter") && help.contains("--date-format"),
        "{help}"
    );
}

#[test]
fn utf16_is_refused_as_report_refuses_it() {
    let dir = Workdir::new();
    let utf16: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(
            "date\tsku\tcost\n"
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        )
        .collect();
    let path = dir.create("unicode.txt", utf16);
    let (code, json) = inspect_json(&dir, &["--delimiter", "tab", &path]);
    assert_eq!(code, 1);
    let error = json["inputs"][0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("the file is UTF-16 (big-endian, with a byte-order mark)"),
        "{error}"
    );
    let stderr = dir
        .run(&[
            "report",
            "--delimiter",
            "tab",
            "--month",
            "2026-10",
            "--as-of",
            "2026-12-15",
            &path,
        ])
        .fails();
    assert!(stderr.contains(error), "{stderr}");
    // Without a byte-order mark: NUL bytes in the header.
    let bare: Vec<u8> = "date,sku,cost\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let bare = dir.create("bare.csv", bare);
    let (code, json) = inspect_json(&dir, &[&bare]);
    assert_eq!(code, 1);
    assert!(
        json["inputs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("NUL bytes"),
        "{json}"
    );
}

// Charges that span several UTC days, and ends --spread-charges would refuse.

const SPANS: &str = "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,SkuId,ChargeCategory\n\
    10.5,USD,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,fee,Purchase\n\
    1.25,USD,2026-10-02T23:00:00Z,2026-10-03T00:00:00Z,a,Usage\n\
    2,USD,2026-10-02T23:00:00Z,2026-10-03T00:30:00Z,a,Usage\n\
    3,USD,2026-10-03,9999-01-01,a,Usage\n\
    4,USD,2026-10-04,soon,a,Usage\n\
    5,USD,2026-10-04,,a,Usage\n\
    0.75,USD,2026-10-05T12:00:00Z,2026-10-05T11:00:00Z,a,Usage\n";

#[test]
fn multi_day_charges_are_counted_and_refused_ends_noted() {
    let dir = Workdir::new();
    let path = dir.create("spans.csv", SPANS);
    let (code, json) = inspect_json(&dir, &[&path]);
    assert_eq!(code, 0, "never fails on a charge period");
    let input = &json["inputs"][0];
    assert_eq!(input["rows"], 7);
    assert_eq!(input["bad_rows"]["count"], 0);
    // Every row counts on its start day without --spread-charges: 26.5 in all.
    assert_eq!(usd_cost(input), dec("26.5"));
    // The month-long fee and the 23:00–00:30 charge touch more than one UTC day; the hour
    // ending at 00:00, the empty end and the end before the start do not.
    let multi = &input["multi_day"];
    assert_eq!(multi["rows"], 2);
    assert_eq!(multi["currencies"]["values"][0]["rows"], 2);
    assert_eq!(
        dec(multi["currencies"]["values"][0]["cost"].as_str().unwrap()),
        dec("12.5")
    );
    let refused = &multi["spread_refused"];
    assert_eq!(refused["count"], 2);
    assert_eq!(
        (&refused["first"][0]["line"], &refused["first"][1]["line"]),
        (&Value::from(5), &Value::from(6))
    );
    assert_eq!(refused["first"][0]["column"], "ChargePeriodEnd");
    assert_eq!(refused["first"][0]["value"], "9999-01-01");
    assert_eq!(
        refused["first"][0]["reason"],
        "is more than a century after ChargePeriodStart, too long a charge period to spread \
         (fix the row, skip it with --skip-bad-rows, or report without --spread-charges)"
    );
    assert_eq!(refused["first"][1]["value"], "soon");
    let notes = input["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.starts_with("report --spread-charges would refuse 2 rows"),
        "{note}"
    );
    assert!(
        note.contains(&format!(
            "{path}:5: column \"ChargePeriodEnd\": \"9999-01-01\""
        )),
        "{note}"
    );

    // report agrees: without --spread-charges every row counts; with it, those two rows are
    // refused (line 5 first), and skipping them leaves the rest.
    let wide = ["--from", "2026-10-01", "--to", "2026-12-31"];
    assert_eq!(report_total(&dir, &[&path], &wide, &[]), dec("26.5"));
    let mut args = vec!["report", "--as-of", "2026-12-15", "--spread-charges", &path];
    args.extend_from_slice(&wide);
    let stderr = dir.run(&args).fails();
    assert!(
        stderr.contains(&format!("{path}:5: column \"ChargePeriodEnd\"")),
        "{stderr}"
    );
    assert_eq!(
        report_total(
            &dir,
            &[&path],
            &wide,
            &["--spread-charges", "--skip-bad-rows"]
        ),
        dec("19.5")
    );

    let table = dir.run(&["inspect", &path]).ok();
    assert!(
        table.contains("  multi-day charges: 2 rows, cost 12.50 USD (counted on their start day; report --spread-charges spreads them)"),
        "{table}"
    );
    assert!(
        table.contains("  note      report --spread-charges would refuse 2 rows"),
        "{table}"
    );
    // Usage CSVs have no charge period.
    let (_, json) = inspect_json(&dir, &[&fixture("console/usage-2026-10.csv")]);
    assert_eq!(json["inputs"][0]["multi_day"], Value::Null);
}

#[test]
fn multi_day_charges_in_an_export_total_over_its_parts() {
    let dir = Workdir::new();
    let zip_path = dir.path().join("export.zip");
    let file = std::fs::File::create(&zip_path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    let (header, rows) = SPANS.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    for (k, part) in [&rows[..3], &rows[3..]].iter().enumerate() {
        use std::io::Write;
        zip.start_file(format!("part-{}-of-2.csv", k + 1), options)
            .unwrap();
        writeln!(zip, "{header}\n{}", part.join("\n")).unwrap();
    }
    zip.finish().unwrap();
    let zip_path = zip_path.display().to_string();
    let (code, json) = inspect_json(&dir, &[&zip_path]);
    assert_eq!(code, 0);
    let input = &json["inputs"][0];
    assert_eq!(input["multi_day"]["rows"], 2);
    assert_eq!(input["multi_day"]["spread_refused"]["count"], 2);
    assert_eq!(input["members"][0]["multi_day"]["rows"], 2);
    assert_eq!(
        input["members"][1]["multi_day"]["spread_refused"]["count"],
        2
    );
    let notes = input["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "one note for the export: {notes:?}");
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains("part-2-of-2.csv:2: column"),
        "{notes:?}"
    );
}

#[test]
fn export_unzipped_is_described_as_its_zip_and_checked_against_its_manifest() {
    // Before: each part was described on its own and a missing part went unmentioned, while
    // `report` refused the folder.
    let dir = Workdir::new();
    let zip_path = fixture("export/cost-usage-export-2026-10.zip");
    dir.unzip(&zip_path, "export");
    let folder = dir.path().join("export").display().to_string();
    let refusals = |json: &Value| -> Vec<String> {
        json["inputs"][0]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| {
                n.as_str()?
                    .strip_prefix("report would refuse this export: ")
            })
            .map(str::to_string)
            .collect()
    };
    let (code, json) = inspect_json(&dir, &[&folder]);
    assert_eq!(code, 0);
    assert_eq!(json["inputs"].as_array().unwrap().len(), 1);
    let input = &json["inputs"][0];
    assert_eq!(input["kind"], "cost-usage-export-folder (focus-csv)");
    let members: Vec<(&str, u64)> = input["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        members,
        [
            ("part-1-of-3.csv", 285),
            ("part-2-of-3.csv", 285),
            ("part-3-of-3.csv", 284)
        ]
    );
    assert_eq!(input["rows"], 854);
    assert_eq!(input["currencies"]["values"][0]["cost"], "3203.45954429");
    assert!(refusals(&json).is_empty(), "{}", input["notes"]);

    let manifest = dir.read("export/manifest.json");
    dir.create(
        "export/manifest.json",
        manifest.replace("\"rows\": 284", "\"rows\": 283"),
    );
    let (code, json) = inspect_json(&dir, &[&folder]);
    assert_eq!(code, 0);
    assert_eq!(
        refusals(&json),
        [
            "part-3-of-3.csv holds 284 rows but manifest.json says 283: the export is incomplete or altered"
        ]
    );
    dir.create("export/manifest.json", manifest);
    std::fs::remove_file(dir.path().join("export/part-2-of-3.csv")).unwrap();
    let (_, json) = inspect_json(&dir, &[&folder]);
    let refusals = refusals(&json);
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(
        refusals[1].contains("manifest.json lists part-2-of-3.csv, which the folder lacks"),
        "{refusals:?}"
    );
    assert_eq!(json["inputs"][0]["rows"], 569);
}

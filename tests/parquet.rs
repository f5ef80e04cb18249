//! Parquet inputs: FOCUS exports shaped like AWS Data Exports (hive folders, DOUBLE money,
//! MAP tags) and Azure (DECIMAL money), checked against totals computed independently by
//! `scripts/gen_parquet_fixtures.py` with Python's decimal module.

use crate::util::{Workdir, fixture};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("parquet/expected.json")).unwrap())
        .unwrap()
}

fn decimal(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().expect("a decimal as text")).unwrap()
}

/// `tally report INPUT --month 2026-10 --by KEY --format json`: key value → cost, and the total.
fn report(input: &str, key: &str) -> (BTreeMap<String, Decimal>, Decimal) {
    let work = Workdir::new();
    let mut args = vec![
        "report",
        input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
        "--by",
        key,
    ];
    let stdout = work.run(&args).ok();
    // Without --skip-bad-rows only the columns used are decoded; with it, every column (for
    // rejects.csv). Both must read the same.
    args.push("--skip-bad-rows");
    assert_eq!(work.run(&args).ok(), stdout, "{input} --by {key}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let groups = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group[key].as_str().unwrap().to_string(),
                decimal(&group["cost"]),
            )
        })
        .collect();
    (groups, decimal(&json["total"]))
}

fn expected_groups(expected: &Value) -> BTreeMap<String, Decimal> {
    expected
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, cost)| (key.clone(), decimal(cost)))
        .collect()
}

fn assert_totals(input: &str, expected: &Value) {
    let (by_service, total) = report(input, "service");
    assert_eq!(by_service, expected_groups(&expected["by_service"]));
    assert_eq!(total, decimal(&expected["total"]));
    let (by_team, total) = report(input, "tag:team");
    assert_eq!(by_team, expected_groups(&expected["by_tag_team"]));
    assert_eq!(total, decimal(&expected["total"]));
}

#[test]
fn parquet_aws_hive_folder_totals_are_exact() {
    // The September partition holds late October rows: both files are read, the metadata
    // folder's Manifest.json is not.
    assert_totals(&fixture("parquet/aws"), &expected()["aws"]);
}

#[test]
fn parquet_azure_decimal_money_is_exact() {
    // The folder holds Azure's manifest.json too: skipped during the walk.
    assert_totals(&fixture("parquet/azure"), &expected()["azure"]);
}

#[test]
fn parquet_doubles_sum_their_shortest_round_trip_text() {
    let expected = expected();
    let (_, total) = report(&fixture("parquet/doubles.gz.parquet"), "service");
    assert_eq!(total, decimal(&expected["doubles"]["total"]));
    // 0.1 + 0.2 + 1e-7 + 0.30000000000000004 + … as written, not as float sums.
    assert_eq!(
        total,
        Decimal::from_str("1234692.74700010049999994").unwrap()
    );
}

#[test]
fn parquet_manifest_counts_rows_per_file() {
    let work = Workdir::new();
    work.run(&[
        "report",
        &fixture("parquet/aws"),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--no-charts",
        "--out",
        "out",
    ])
    .ok();
    let manifest: Value = serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        2,
        "two data files, no Manifest.json: {inputs:?}"
    );
    let expected = expected();
    for input in inputs {
        assert_eq!(input["kind"], "focus-parquet");
        let path = input["path"].as_str().unwrap();
        let relative = path.split("fixtures/parquet/").nth(1).unwrap();
        let rows = expected["rows"][relative].as_u64().unwrap();
        assert_eq!(input["rows"]["read"], rows, "{path}");
        assert_eq!(input["rows"]["rejected"], 0, "{path}");
        let used = input["rows"]["used"].as_u64().unwrap();
        if path.contains("BILLING_PERIOD=2026-10") {
            assert_eq!(used, rows);
        } else {
            // Only the late October rows of the September partition are in range.
            assert_eq!(used, 5);
        }
        let size = std::fs::metadata(path).unwrap().len();
        assert_eq!(input["size"], size);
        assert_eq!(input["sha256"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn parquet_nan_cost_is_a_bad_row() {
    let work = Workdir::new();
    let input = fixture("parquet/bad/nan-cost.parquet");
    let args = [
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
    ];
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "nan-cost.parquet: row group 1, row 2: column \"BilledCost\": \"NaN\" is not a \
             decimal number"
        ),
        "{stderr}"
    );

    let mut skipping = args.to_vec();
    skipping.extend(["--skip-bad-rows", "--no-charts", "--out", "out"]);
    let stdout = work.run(&skipping).ok();
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(decimal(&json["total"]), Decimal::from_str("3.75").unwrap());
    let rejects = crate::util::records(&work.read("out/rejects.csv"));
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert_eq!(rejects[1][1], "row group 1, row 2");
    assert_eq!(rejects[1][2], "BilledCost");
    assert_eq!(rejects[1][3], "NaN");
    let manifest: Value = serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let rows = &manifest["inputs"][0]["rows"];
    assert_eq!(
        (rows["read"].as_u64(), rows["used"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(rows["rejected"], 1);
}

#[test]
fn parquet_truncated_or_corrupt_file_is_an_error() {
    let work = Workdir::new();
    let bytes = std::fs::read(fixture("parquet/azure/part_1_0001.snappy.parquet")).unwrap();
    let truncated = work.create("truncated.parquet", &bytes[..bytes.len() / 2]);
    let args = |input: &str| {
        [
            "report",
            input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ]
        .map(str::to_string)
    };
    let run = |input: &str| {
        let args = args(input);
        work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .fails()
    };
    let stderr = run(&truncated);
    assert!(
        stderr.contains("truncated.parquet: not a readable Parquet file"),
        "{stderr}"
    );
    // Damage inside the data pages, footer intact: an error naming the file, never a panic.
    let mut damaged = bytes.clone();
    for byte in &mut damaged[4..200] {
        *byte ^= 0x5a;
    }
    let damaged = work.create("damaged.parquet", damaged);
    let stderr = run(&damaged);
    assert!(stderr.contains("damaged.parquet: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A column chunk whose offset in the footer reads negative (one footer byte changed, found by
/// the fuzz harness): the Parquet crate asserts on it, which printed "panicked at" with a
/// backtrace note before the error. It is an error naming the file and the row group, and
/// nothing else on stderr.
#[test]
fn parquet_negative_column_offset_is_an_error_not_a_panic() {
    let work = Workdir::new();
    let path = "parquet/aws/focus/data/BILLING_PERIOD=2026-10/focus-00001.snappy.parquet";
    let mut bytes = std::fs::read(fixture(path)).unwrap();
    // A byte of a column chunk's data_page_offset (a zigzag varint) in row group 2's metadata.
    assert_eq!(bytes[27272], 162, "the fixture changed; find the byte anew");
    bytes[27272] = 207;
    let damaged = work.create("negative.parquet", bytes);
    let stderr = work
        .run(&[
            "report",
            &damaged,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("negative.parquet: row group 2: cannot read: "),
        "{stderr}"
    );
}

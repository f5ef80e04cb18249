//! `tally export`: the Parquet dataset's bytes are the same run after run, every row read is
//! exported, rejected or outside the range (and the manifest says how many), values are held
//! exactly or refused, and DIR is replaced only by a complete dataset.

use crate::util::{Workdir, fixture};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

const FOCUS: &str = "\
ChargePeriodStart,BilledCost,BillingCurrency,SkuId,SubAccountName,ServiceName,ConsumedQuantity,ConsumedUnit,Tags
2026-09-30T23:00:00-02:00,1.25,USD,sku-a,alpha,Compute,2,Hours,team=x
2026-10-02,0.0000000000000001,USD,sku-b,,Storage,,,
2026-10-03,NULL,USD,sku-a,alpha,Compute,1,Hours,
2026-11-01,10,USD,sku-a,beta,Compute,3.50,Hours,
2026-12-01,7,USD,sku-c,beta,Compute,1,Hours,
";

/// Every file under `dir`, relative path → bytes, sorted.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The rows of one Parquet file, each as `column=value` texts.
fn rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(name, field)| match field {
                    Field::Decimal(d) => {
                        let bytes: [u8; 16] = d.data().try_into().unwrap();
                        format!("{name}={}/10^{}", i128::from_be_bytes(bytes), d.scale())
                    }
                    other => format!("{name}={other}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn export_writes_the_same_bytes_twice_and_replaces_dir() {
    let work = Workdir::new();
    let input = fixture("focus-sample/focus_sample.csv");
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    work.run(&["export", &a.display().to_string(), &input, "-q"])
        .ok();
    work.run(&["export", &b.display().to_string(), &input, "-q"])
        .ok();
    let first = files(&a);
    assert_eq!(
        first.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["_manifest.json", "month=2024-09/part-00000.parquet"]
    );
    assert_eq!(first, files(&b), "two exports of the same input differ");
    // Again into the same folder: replaced as a whole, the same bytes.
    work.run(&["export", &a.display().to_string(), &input, "-q"])
        .ok();
    assert_eq!(first, files(&a));
    let manifest: serde_json::Value = serde_json::from_slice(&first[0].1).unwrap();
    assert_eq!(manifest["rows"]["read"], 1000);
    assert_eq!(manifest["rows"]["exported"], 1000);
    assert_eq!(manifest["compression"], "zstd");
    // The report's total of the same rows.
    assert_eq!(manifest["cost"]["USD"], "20.52022672899");
    assert_eq!(manifest["partitions"][0]["rows"], 1000);
}

#[test]
fn export_counts_every_row_and_partitions_by_month() {
    let work = Workdir::new();
    let input = work.create("focus.csv", FOCUS);
    let dir = work.path().join("rows");
    let out = work
        .run(&[
            "export",
            &dir.display().to_string(),
            &input,
            "--skip-bad-rows",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-30",
        ])
        .ok();
    assert!(
        out.contains("3 rows exported of 5 read (1 rejected, 1 outside the range or filters)"),
        "{out}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("_manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["rows"],
        serde_json::json!({"read": 5, "exported": 3, "outside_range_or_filters": 1, "rejected": 1})
    );
    assert_eq!(manifest["range"]["from"], "2026-10-01");
    let months: Vec<&str> = manifest["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-10", "2026-11"]);
    assert_eq!(
        manifest["partitions"][0]["cost"]["USD"],
        "1.2500000000000001"
    );
    // The UTC day: 23:00 at -02:00 on the 30th is October 1st.
    let october = rows(&dir.join("month=2026-10/part-00000.parquet"));
    assert_eq!(october.len(), 2);
    let first = october[0].join(" ");
    for expected in [
        "day=2026-10-01",
        "project=\"alpha\"",
        "sku=\"sku-a\"",
        "quantity=20000000000000000/10^16",
        "unit=\"Hours\"",
        "cost=12500000000000000/10^16",
        "currency=\"USD\"",
        "source=\"billed\"",
        "tags=\"team=x\"",
        "line=2",
    ] {
        assert!(first.contains(expected), "{expected} not in {first}");
    }
    // No project, no quantity: nulls, not empty texts or zeros.
    let second = october[1].join(" ");
    assert!(second.contains("project=null"), "{second}");
    assert!(second.contains("quantity=null"), "{second}");
    assert!(second.contains("cost=1/10^16"), "{second}");
    let november = rows(&dir.join("month=2026-11/part-00000.parquet"));
    assert!(
        november[0]
            .join(" ")
            .contains("quantity=35000000000000000/10^16")
    );
}

#[test]
fn export_refuses_what_it_would_round_and_leaves_dir_as_it_was() {
    let work = Workdir::new();
    let dir = work.path().join("rows");
    let dir_text = dir.display().to_string();
    let good = fixture("focus-sample/focus_sample.csv");
    work.run(&["export", &dir_text, &good, "-q"]).ok();
    let before = files(&dir);
    // 0.0000000000000001 has 16 decimals: --scale 15 cannot hold it.
    let input = work.create("focus.csv", FOCUS);
    let err = work
        .run(&[
            "export",
            &dir_text,
            &input,
            "--skip-bad-rows",
            "--scale",
            "15",
        ])
        .fails();
    assert!(err.contains("focus.csv:3: the cost"), "{err}");
    assert!(err.contains("pass --scale 16 or more"), "{err}");
    assert_eq!(files(&dir), before, "a failed export changed DIR");
    // A bad row without --skip-bad-rows stops it, naming the place.
    let err = work.run(&["export", &dir_text, &input]).fails();
    assert!(err.contains("focus.csv:4"), "{err}");
    assert_eq!(files(&dir), before);
    // The same input twice would export its rows twice.
    let err = work.run(&["export", &dir_text, &good, &good]).fails();
    assert!(err.contains("exported twice"), "{err}");
    // A folder holding what tally does not write is not replaced.
    let other = work.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let err = work
        .run(&["export", &other.display().to_string(), &good])
        .fails();
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(std::fs::read(other.join("notes.txt")).unwrap(), b"mine");
    // --scale outside 2..=37 is a usage error.
    assert_eq!(
        work.run(&["export", &dir_text, &good, "--scale", "38"])
            .code(),
        2
    );
}

/// The `line` column names each row's physical first line whatever the block size: the reader
/// cuts a file into blocks whose lines are placed when they are merged in file order.
#[test]
fn export_lines_are_physical_lines_across_blocks() {
    let mut csv = String::from(
        "ChargePeriodStart,BilledCost,BillingCurrency,SkuId,SubAccountName,ServiceName\r\n",
    );
    let mut expected = Vec::new();
    let mut line = 2u64;
    for i in 0..60u64 {
        expected.push(line);
        if i % 7 == 3 {
            // A quoted SKU over two lines, then a blank line (skipped, but counted).
            csv.push_str(&format!(
                "2026-10-{:02},1,USD,\"sku\r\n{i}\",p,s\r\n\r\n",
                i % 28 + 1
            ));
            line += 3;
        } else {
            csv.push_str(&format!("2026-10-{:02},1,USD,sku-{i},p,s\r\n", i % 28 + 1));
            line += 1;
        }
    }
    for size in ["64", "333", "4194304"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        let input = work.create("focus.csv", &csv);
        let dir = work.path().join("rows");
        work.run(&[
            "export",
            &dir.display().to_string(),
            &input,
            "--month",
            "2026-10",
        ])
        .ok();
        let mut lines: Vec<u64> = rows(&dir.join("month=2026-10/part-00000.parquet"))
            .iter()
            .map(|row| {
                let field = row.iter().find(|f| f.starts_with("line=")).unwrap();
                field["line=".len()..].parse().unwrap()
            })
            .collect();
        lines.sort_unstable();
        assert_eq!(lines, expected, "block size {size}");
    }
}

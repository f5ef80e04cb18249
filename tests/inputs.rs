//! Input handling: compression, directories, duplicates, overlapping exports, block sizes.

use crate::util::{Workdir, costs_by_key, fixture, records};
use std::io::Write;

const HEADER: &str = "date,project,service,sku,region,cost\n";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn inputs_gzip_is_detected_by_content() {
    let work = Workdir::new();
    let plain = std::fs::read(fixture("console/usage-2026-10.csv")).unwrap();
    // Named without .gz: the kind comes from the content.
    let packed = work.create("usage-download", gzip(&plain));
    let args = |input: &str| {
        vec![
            "report".to_string(),
            input.to_string(),
            "--month".into(),
            "2026-10".into(),
            "--as-of".into(),
            "2026-11-28".into(),
            "--format".into(),
            "csv".into(),
            "--out".into(),
            "out".into(),
        ]
    };
    let a: Vec<String> = args(&packed);
    let from_gzip = work
        .run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["inputs"][0]["kind"], "usage-csv+gzip");
    let b = args(&fixture("console/usage-2026-10.csv"));
    let from_plain = Workdir::new()
        .run(&b.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert_eq!(from_gzip, from_plain);
}

#[test]
fn inputs_directories_are_read_recursively_in_name_order() {
    let work = Workdir::new();
    work.create(
        "in/a/one.csv",
        format!("{HEADER}2026-10-01,p,database,S1,r,1.10\n"),
    );
    work.create(
        "in/b/two.csv.gz",
        gzip(format!("{HEADER}2026-10-02,p,database,S1,r,2.20\n").as_bytes()),
    );
    work.create("in/notes.txt", "ignored: not a data file");
    let csv = work
        .run(&[
            "report",
            "in",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(records(&csv)[1][3], "3.30");
}

#[test]
fn inputs_same_file_twice_is_read_once() {
    let work = Workdir::new();
    let a = work.create(
        "a.csv",
        format!("{HEADER}2026-10-01,p,database,S1,r,1.10\n"),
    );
    let b = work.create(
        "copy.csv",
        format!("{HEADER}2026-10-01,p,database,S1,r,1.10\n"),
    );
    let run = work.run(&[
        "report",
        &a,
        &b,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
    ]);
    assert_eq!(records(&run.ok())[1][3], "1.10");
    assert!(
        run.stderr().contains("has the same content as"),
        "{}",
        run.stderr()
    );
    // The copy's rows are accounted for as superseded by the first copy.
    work.run(&[
        "report",
        &a,
        &b,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "out",
    ])
    .ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["inputs"][1]["duplicate_of"], a.as_str());
    assert_eq!(
        manifest["inputs"][1]["rows"],
        serde_json::json!({"read": 1, "used": 0, "filtered": 0, "superseded": 1, "rejected": 0})
    );
}

/// Two daily "last days" downloads: the later one restates 10-02.
fn overlapping(work: &Workdir) -> (String, String) {
    let first = work.create(
        "d1.csv",
        format!("{HEADER}2026-10-01,p,database,S1,r,1.00\n2026-10-02,p,database,S1,r,2.00\n2026-10-02,q,database,S1,r,0.50\n"),
    );
    let second = work.create(
        "d2.csv",
        format!("{HEADER}2026-10-02,p,database,S1,r,2.25\n2026-10-03,p,database,S1,r,3.00\n"),
    );
    (first, second)
}

#[test]
fn inputs_overlap_is_an_error_by_default() {
    let work = Workdir::new();
    let (first, second) = overlapping(&work);
    let stderr = work
        .run(&[
            "report",
            &first,
            &second,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(stderr.contains("d1.csv and"), "{stderr}");
    assert!(stderr.contains("d2.csv overlap: both hold rows for 2026-10-02, project \"p\", service \"database\", sku \"S1\", region \"r\""), "{stderr}");
}

#[test]
fn inputs_overlap_latest_replaces_whole_days_and_sum_keeps_all() {
    let work = Workdir::new();
    let (first, second) = overlapping(&work);
    let run = |mode: &str| {
        work.run(&[
            "report",
            &first,
            &second,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "project",
            "--period",
            "day",
            "--format",
            "csv",
            "--on-overlap",
            mode,
            "--out",
            mode,
        ])
    };
    let latest = run("latest");
    let rows = records(&latest.ok());
    let got: Vec<(String, String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[2].clone(), r[3].clone()))
        .collect();
    // 10-02 comes from d2 only: d1's rows of that day, q's included, are superseded.
    assert_eq!(
        got,
        [
            ("2026-10-01".into(), "p".into(), "1.00".into()),
            ("2026-10-02".into(), "p".into(), "2.25".into()),
            ("2026-10-03".into(), "p".into(), "3.00".into()),
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("latest/manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"][0]["rows"],
        serde_json::json!({"read": 3, "used": 1, "filtered": 0, "superseded": 2, "rejected": 0})
    );
    assert_eq!(manifest["inputs"][1]["rows"]["used"], 2);
    // Without --out rows are counted per period, except that `latest` needs days: same answer.
    let no_out = work
        .run(&[
            "report",
            &first,
            &second,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "project",
            "--period",
            "day",
            "--format",
            "csv",
            "--on-overlap",
            "latest",
        ])
        .ok();
    assert_eq!(records(&no_out), rows);
    let sum = run("sum");
    let total: rust_decimal::Decimal = costs_by_key(&sum.ok()).values().sum();
    assert_eq!(total.to_string(), "8.75");
}

#[test]
fn inputs_parallel_blocks_equal_a_sequential_fold() {
    // Tiny blocks force many parallel tasks and splits next to quoted commas.
    let console = fixture("console");
    let export = fixture("export");
    for args in [
        vec![
            "report",
            console.as_str(),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-02",
            "--by",
            "project,sku",
            "--period",
            "day",
            "--format",
            "csv",
        ],
        vec![
            "report",
            export.as_str(),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-02",
            "--by",
            "service,tag:team",
            "--format",
            "csv",
        ],
    ] {
        // One block on one thread: the plain sequential fold.
        let whole = Workdir::new().env("RAYON_NUM_THREADS", "1").run(&args).ok();
        for size in ["1", "97", "4096"] {
            for threads in ["1", "2", "4"] {
                let small = Workdir::new()
                    .env("TALLY_BLOCK_SIZE", size)
                    .env("RAYON_NUM_THREADS", threads)
                    .run(&args)
                    .ok();
                assert_eq!(small, whole, "block size {size}, {threads} threads");
            }
        }
    }
}

#[test]
fn inputs_manifest_accounts_for_every_row() {
    let work = Workdir::new();
    let input = work.create(
        "u.csv",
        format!("{HEADER}2026-09-30,p,database,S1,r,1\n2026-10-01,p,database,S1,r,1\n2026-10-01,q,database,S1,r,1\n2026-10-01,p,database,S1,r,12,5\n2026-10-02,p,database,S1,r,x\n"),
    );
    work.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--project",
        "p",
        "--skip-bad-rows",
        "--out",
        "out",
    ])
    .ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"][0]["rows"],
        serde_json::json!({"read": 5, "used": 1, "filtered": 2, "superseded": 0, "rejected": 2})
    );
    let rejects = records(&work.read("out/rejects.csv"));
    assert_eq!(
        rejects[0],
        ["file", "line", "column", "value", "reason", "record"]
    );
    assert_eq!(rejects[1][1], "5");
    assert_eq!(rejects[1][4], "has 7 fields; expected 6 as in the header");
    assert_eq!(
        (
            rejects[2][1].as_str(),
            rejects[2][2].as_str(),
            rejects[2][3].as_str()
        ),
        ("6", "cost", "x")
    );
    assert_eq!(rejects[2][5], "2026-10-02,p,database,S1,r,x");
}

#[test]
fn inputs_plain_fast_path_reads_like_the_csv_reader() {
    // Quote-free blocks are split on commas and line feeds without the csv crate; the last
    // line's quotes send the whole file through the csv crate when it is one block. Blank
    // lines, CRLF, a lone CR, invalid UTF-8 and a bad row must come out the same either way.
    let mut bytes = b"date,project,sku,cost,note\r\n".to_vec();
    for day in 1..=20 {
        bytes.extend_from_slice(
            format!(
                "2026-10-{day:02},p{},S{},1.{day:02},x\r\n",
                day % 3,
                day % 2
            )
            .as_bytes(),
        );
        if day == 5 {
            bytes.extend_from_slice(b"\r\n\n");
        }
        if day == 9 {
            bytes.extend_from_slice(b"2026-10-09,p1,S1,2.00,bad \xff byte\n");
        }
        if day == 12 {
            bytes.extend_from_slice(b"2026-10-12,p1,S1,oops,x\n");
        }
        if day == 15 {
            bytes.extend_from_slice(b"2026-10-15,p\rlone,S1,0.50,x\n");
        }
    }
    bytes.extend_from_slice(b"2026-10-21,\"p1\",S1,3.00,\"quoted, at last\"\n");
    // Text after a closing quote: the fast splitter gives up mid-block and the csv crate reads
    // the block again (as project "p1x"); nothing counted before the surprise may remain.
    bytes.extend_from_slice(b"2026-10-22,\"p1\"x,S1,4.00,y\n");
    let run = |size: &str| {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        work.create("u.csv", &bytes);
        let out = work
            .run(&[
                "report",
                "u.csv",
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
                "--by",
                "project,sku",
                "--format",
                "csv",
                "--skip-bad-rows",
                "--out",
                "out",
            ])
            .ok();
        (out, work.read("out/rejects.csv"))
    };
    let (whole, rejects) = run("1000000");
    // Header 1, days 1-5 on 2-6, blank lines 7-8, days 6-9 on 9-12, the bad byte on 13,
    // days 10-12 on 14-16: "oops" is on line 17.
    assert!(
        rejects.contains("u.csv,17,cost,oops,is not a decimal number,"),
        "{rejects}"
    );
    assert!(rejects.contains("u.csv,21,,,has 2 fields"), "{rejects}");
    for size in ["16", "64", "300"] {
        assert_eq!(
            run(size),
            (whole.clone(), rejects.clone()),
            "block size {size}"
        );
    }
}

#[test]
fn inputs_stray_quote_sends_the_scan_back_to_exact_boundaries() {
    // A quote inside an unquoted field is literal for the csv crate but flips quote parity,
    // so blocks cut by parity after it would split records in the wrong place. The scan must
    // notice and read the input again with exact boundaries: every block size gives the same
    // answer, and the quoted line breaks and commas stay inside their fields.
    let mut csv = String::from("date,project,sku,cost\n");
    for day in 1..=9 {
        csv.push_str(&format!(
            "2026-10-0{day},p,\"Read Units,\nmulti-line\",1.0{day}\n"
        ));
        if day == 3 {
            csv.push_str("2026-10-03,p,Monitor 27\" screen,2.00\n");
        }
        csv.push_str(&format!(
            "2026-10-0{day},q,\"Storage \"\"hot\"\"\",0.5{day}\n"
        ));
    }
    let run = |size: &str| {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        work.create("u.csv", &csv);
        work.run(&[
            "report",
            "u.csv",
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
    let whole = run("1000000");
    let rows = records(&whole);
    assert_eq!(rows.len(), 4, "{whole}");
    assert_eq!(rows[1][1], "Monitor 27\" screen");
    assert_eq!(rows[2][1], "Read Units,\nmulti-line");
    assert_eq!(rows[2][4], "9.45");
    assert_eq!(rows[3][1], "Storage \"hot\"");
    for size in ["1", "40", "100", "333"] {
        assert_eq!(run(size), whole, "block size {size}");
    }
}

/// Item 14: overlap keys are stored as a day and a per-input number for the rest, to save
/// memory. What counts as the same key must not change: the same day and the same project,
/// service, sku, region and resource; and the error names the smallest shared key.
#[test]
fn inputs_overlap_keys_are_the_day_and_every_identity_value() {
    // Small blocks: each input's keys are numbered in several blocks, then merged.
    let work = Workdir::new().env("TALLY_BLOCK_SIZE", "64");
    let mut rows = HEADER.to_string();
    for day in 1..=9 {
        for sku in ["S1", "S2", "S3"] {
            rows.push_str(&format!("2026-10-0{day},p,database,{sku},r,1.00\n"));
        }
    }
    let first = work.create("k1.csv", rows);
    let same = "project \"p\", service \"database\"";
    let cases = [
        (
            "2026-10-05,p,database,S2,r",
            Some(format!("2026-10-05, {same}, sku \"S2\", region \"r\"")),
        ),
        ("2026-10-05,p,database,S2,r2", None),
        ("2026-10-05,p,database,S2,", None),
        ("2026-10-05,q,database,S2,r", None),
        ("2026-10-05,p,storage,S2,r", None),
        ("2026-10-05,p,database,S4,r", None),
        ("2026-10-10,p,database,S2,r", None),
        (
            "2026-10-07,p,database,S1,r\n2026-10-03,p,database,S3,r\n2026-10-03,p,database,S2,r",
            Some(format!("2026-10-03, {same}, sku \"S2\", region \"r\"")),
        ),
    ];
    for (n, (lines, expected)) in cases.iter().enumerate() {
        let text: String = lines.lines().map(|l| format!("{l},2.00\n")).collect();
        let second = work.create(&format!("k2-{n}.csv"), format!("{HEADER}{text}"));
        let run = work.run(&[
            "report",
            &first,
            &second,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ]);
        match expected {
            Some(key) => {
                let stderr = run.fails();
                assert!(
                    stderr.contains(&format!("k2-{n}.csv overlap: both hold rows for {key};")),
                    "{lines}: {stderr}"
                );
            }
            None => {
                run.ok();
            }
        }
    }
}

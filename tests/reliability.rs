//! Reliability: defects found by an adversarial test pass (issue 11). Each test names the
//! item it covers; every one failed before its fix.

use crate::util::{Workdir, records, run_within};
use std::time::Duration;

const REPORT: &[&str] = &["--month", "2026-10", "--as-of", "2026-11-28"];
const FOCUS_HEADER: &str = "BilledCost,ChargePeriodStart,SkuId,BillingCurrency\n";

fn report(work: &Workdir, inputs: &[&str], extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["report"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(REPORT);
    args.extend_from_slice(extra);
    work.run(&args)
}

/// A zip of `members`, in order, stored or deflated by the zip crate's defaults.
fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`: renames a member in
/// both its local header and the central directory, which the zip writer would not let us
/// name twice.
fn rename_in_place(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    let mut replaced = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            replaced += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert_eq!(
        replaced, 2,
        "the name should be in the local header and the directory"
    );
}

fn part(rows: &[&str]) -> String {
    let mut text = FOCUS_HEADER.to_string();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

// Item 4: a zip with two members of the same name.

#[test]
fn reliability_zip_with_duplicate_member_names_is_refused() {
    let work = Workdir::new();
    let one = part(&["1.5,2026-10-01T00:00:00Z,A,USD"]);
    let other = part(&["100,2026-10-02T00:00:00Z,A,USD"]);
    let manifest = r#"{"files": [{"name": "part-1-of-1.csv", "rows": 1}], "total_rows": 1}"#;
    let mut bytes = zip_of(&[
        ("manifest.json", manifest),
        ("part-1-of-1.csv", &one),
        ("part-1-of-1.csX", &other),
    ]);
    rename_in_place(&mut bytes, b"part-1-of-1.csX", b"part-1-of-1.csv");
    work.create("export.zip", bytes);
    let stderr = report(&work, &["export.zip"], &[]).fails();
    assert!(
        stderr.contains("export.zip: the zip holds 2 members named \"part-1-of-1.csv\""),
        "{stderr}"
    );
    // inspect says that report would refuse it.
    let out = work.run(&["inspect", "export.zip"]).stdout();
    assert!(
        out.contains("report would refuse this export: the zip holds 2 members named"),
        "{out}"
    );
}

// Item 5: manifest.json checks that could be bypassed.

fn manifest_run(manifest: &str, parts: &[(&str, &str)]) -> crate::util::Run {
    let work = Workdir::new();
    let mut members = vec![("manifest.json", manifest)];
    members.extend_from_slice(parts);
    work.create("export.zip", zip_of(&members));
    report(&work, &["export.zip"], &["--format", "csv"])
}

#[test]
fn reliability_export_manifest_cannot_be_bypassed() {
    let one = part(&[
        "1.5,2026-10-01T00:00:00Z,A,USD",
        "2.5,2026-10-02T00:00:00Z,A,USD",
    ]);
    let two = part(&["3,2026-10-03T00:00:00Z,A,USD"]);
    let parts = [
        ("part-1-of-2.csv", one.as_str()),
        ("part-2-of-2.csv", two.as_str()),
    ];
    let files = |rows1: &str, rows2: &str| {
        format!(
            r#"{{"files": [{{"name": "part-1-of-2.csv", "rows": {rows1}}}, {{"name": "part-2-of-2.csv", "rows": {rows2}}}]"#
        )
    };
    // The honest manifest passes, with or without total_rows.
    let ok = manifest_run(&format!("{}, \"total_rows\": 3}}", files("2", "1")), &parts).ok();
    assert!(ok.contains("7.0"), "{ok}");
    manifest_run(&format!("{}}}", files("2", "1")), &parts).ok();
    // Rows given as a string.
    let stderr = manifest_run(&format!("{}}}", files("\"5\"", "1")), &parts).fails();
    assert!(
        stderr.contains(
            "export.zip: manifest.json gives \"rows\" of part-1-of-2.csv as \"5\"; expected a \
             non-negative integer"
        ),
        "{stderr}"
    );
    // A negative or fractional count.
    let stderr = manifest_run(&format!("{}}}", files("-2", "1")), &parts).fails();
    assert!(
        stderr.contains("expected a non-negative integer"),
        "{stderr}"
    );
    let stderr = manifest_run(&format!("{}}}", files("2.5", "1")), &parts).fails();
    assert!(
        stderr.contains("expected a non-negative integer"),
        "{stderr}"
    );
    // A part the manifest omits.
    let stderr = manifest_run(
        r#"{"files": [{"name": "part-1-of-2.csv", "rows": 2}]}"#,
        &parts,
    )
    .fails();
    assert!(
        stderr.contains("export.zip: manifest.json does not list part-2-of-2.csv"),
        "{stderr}"
    );
    // A file entry without a name.
    let stderr = manifest_run(
        r#"{"files": [{"name": "part-1-of-2.csv", "rows": 2}, {"rows": 1}]}"#,
        &parts,
    )
    .fails();
    assert!(stderr.contains("manifest.json"), "{stderr}");
    // A wrong total.
    let stderr = manifest_run(&format!("{}, \"total_rows\": 4}}", files("2", "1")), &parts).fails();
    assert!(
        stderr.contains("export.zip: the parts hold 3 rows but manifest.json says total_rows 4"),
        "{stderr}"
    );
    let stderr = manifest_run(
        &format!("{}, \"total_rows\": \"3\"}}", files("2", "1")),
        &parts,
    )
    .fails();
    assert!(
        stderr.contains("manifest.json gives \"total_rows\" as \"3\""),
        "{stderr}"
    );
    // A total alone is checked too.
    let stderr = manifest_run(r#"{"total_rows": 2}"#, &parts).fails();
    assert!(
        stderr.contains("hold 3 rows but manifest.json says total_rows 2"),
        "{stderr}"
    );
    // The real export's manifest still passes.
    let work = Workdir::new();
    report(
        &work,
        &[&crate::util::fixture(
            "export/cost-usage-export-2026-10.zip",
        )],
        &[],
    )
    .ok();
}

// Item 6: a multi-byte character at byte 10 of a date.

#[test]
fn reliability_full_width_digits_in_a_date_are_a_bad_row_not_a_panic() {
    let work = Workdir::new();
    let usage = "Date,SKU,Cost\n2026-10-01,A,1.00\n２０２６-10-01,A,2.00\n２０２６-10-01T00:00:00Z,A,2.00\n";
    work.create("usage.csv", usage);
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(
        stderr.contains("usage.csv:3: column \"Date\": \"２０２６-10-01\" is not a date"),
        "{stderr}"
    );
    let csv = report(
        &work,
        &["usage.csv"],
        &["--skip-bad-rows", "--format", "csv"],
    )
    .ok();
    assert!(csv.contains("1.00"), "{csv}");
    let focus = "BilledCost,ChargePeriodStart,ChargePeriodEnd,SkuId,BillingCurrency\n\
         1,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,A,USD\n\
         2,２０２６-10-01T00:00:00Z,2026-10-02T00:00:00Z,A,USD\n\
         3,2026-10-01T00:00:00Z,２０２６-10-02T00:00:00Z,A,USD\n\
         4,2026-10-01 00:00:00ｚ,2026-10-02,A,USD\n";
    work.create("focus.csv", focus);
    let stderr = report(&work, &["focus.csv"], &[]).fails();
    assert!(
        stderr.contains("focus.csv:3: column \"ChargePeriodStart\""),
        "{stderr}"
    );
    for extra in [
        &["--skip-bad-rows"][..],
        &["--skip-bad-rows", "--spread-charges"],
        &["--skip-bad-rows", "--date-format", "%Y-%m-%dT%H:%M:%SZ"],
        &["--skip-bad-rows", "--date-basis", "billing"],
    ] {
        let run = report(&work, &["focus.csv"], extra);
        assert!(matches!(run.code(), 0 | 1), "{extra:?}: {}", run.stderr());
        assert!(
            !run.stderr().contains("panicked"),
            "{extra:?}: {}",
            run.stderr()
        );
    }
    let run = work.run(&["inspect", "focus.csv", "usage.csv"]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

// Item 8: directory symlinks that lead back to where they are.

#[cfg(unix)]
#[test]
fn reliability_symlinked_directories_are_walked_once() {
    let work = Workdir::new();
    work.create("in/usage.csv", "Date,SKU,Cost\n2026-10-01,A,1.25\n");
    work.create("in/sub/more.csv", "Date,SKU,Cost\n2026-10-02,A,2.00\n");
    for (name, target) in [("l1", "."), ("l2", "."), ("l3", ".."), ("again", "sub")] {
        std::os::unix::fs::symlink(target, work.path().join("in").join(name)).unwrap();
    }
    let args = [
        "report",
        "in",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "out",
    ];
    let (code, stderr) = run_within(work.path(), &args, Duration::from_secs(30))
        .expect("tally did not finish within 30 s");
    assert_eq!(code, 0, "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let inputs: Vec<&str> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    let summary = records(&work.read("out/summary.csv"));
    assert!(
        summary.iter().any(|r| r.iter().any(|f| f == "3.25")),
        "{summary:?}"
    );
}

// Item 10: a huge header.

#[test]
fn reliability_a_header_of_200k_columns_is_refused_at_once() {
    let work = Workdir::new();
    // 100k columns, not 200k: a header past 1 MiB is refused by the record limit first.
    let mut header = String::from("Date,SKU,Cost");
    for i in 0..100_000 {
        header.push_str(&format!(",c{i}"));
    }
    work.create("wide.csv", format!("{header}\n"));
    let args = [
        "report",
        "wide.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ];
    let (code, stderr) = run_within(work.path(), &args, Duration::from_secs(20))
        .expect("tally did not finish within 20 s");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("wide.csv:1: the header has 100003 columns; tally reads at most 10000"),
        "{stderr}"
    );
    // At the limit, a duplicate pair is still found and named, quickly.
    let mut header = String::from("Date,SKU,Cost");
    for i in 0..9_996 {
        header.push_str(&format!(",c{i}"));
    }
    header.push_str(",C 5");
    work.create("wide.csv", format!("{header}\n2026-10-01,A,1\n"));
    let (code, stderr) = run_within(work.path(), &args, Duration::from_secs(20))
        .expect("tally did not finish within 20 s");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("columns \"c5\" and \"C 5\" have the same name"),
        "{stderr}"
    );
}

// Item 22: messages that said something else than what was wrong.

#[test]
fn reliability_a_leading_blank_line_is_named() {
    let work = Workdir::new();
    work.create("usage.csv", "\nDate,SKU,Cost\n2026-10-01,A,1.00\n");
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(
        stderr.contains("usage.csv:1: the first line is blank; the header must be on line 1"),
        "{stderr}"
    );
    let out = work.run(&["inspect", "usage.csv"]).stdout();
    assert!(out.contains("the first line is blank"), "{out}");
    // A file of blank lines only is empty.
    work.create("usage.csv", "\n\r\n  \n");
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(stderr.contains("the file is empty"), "{stderr}");
}

#[test]
fn reliability_out_naming_a_file_says_so() {
    let work = Workdir::new();
    work.create("usage.csv", "Date,SKU,Cost\n2026-10-01,A,1.00\n");
    work.create("taken", "not a folder");
    let stderr = report(&work, &["usage.csv"], &["--out", "taken"]).fails();
    assert!(
        stderr.contains("taken: --out names a file; it must be a folder"),
        "{stderr}"
    );
    assert!(!stderr.contains("File exists"), "{stderr}");
}

#[test]
fn reliability_an_empty_zip_is_named_a_zip() {
    let work = Workdir::new();
    let empty = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()))
        .finish()
        .unwrap()
        .into_inner();
    assert!(empty.starts_with(b"PK\x05\x06"));
    work.create("export.zip", empty);
    let stderr = report(&work, &["export.zip"], &[]).fails();
    assert!(
        stderr.contains("export.zip: the zip archive is empty"),
        "{stderr}"
    );
    let out = work.run(&["inspect", "export.zip"]).stdout();
    assert!(out.contains("the zip archive is empty"), "{out}");
}

#[test]
fn reliability_trailing_zeros_beyond_28_places_are_exact() {
    let work = Workdir::new();
    let zeros = "0".repeat(40);
    work.create(
        "usage.csv",
        format!(
            "Date,SKU,Cost\n2026-10-01,A,1.{zeros}\n2026-10-01,A,0.{zeros}\n\
             2026-10-01,A,1234567890123456789012345678.000\n"
        ),
    );
    let csv = report(&work, &["usage.csv"], &["--format", "csv"]).ok();
    assert!(csv.contains("1234567890123456789012345679"), "{csv}");
    work.create(
        "focus.csv",
        format!(
            "{FOCUS_HEADER}1.{zeros},2026-10-01,A,USD\n2.{zeros}E0,2026-10-01,A,USD\n\
             0.{zeros},2026-10-01,A,USD\n"
        ),
    );
    let csv = report(&work, &["focus.csv"], &["--format", "csv"]).ok();
    assert!(
        records(&csv)[1].iter().any(|f| f.starts_with("3.00")),
        "{csv}"
    );
    // A digit that is not zero beyond 28 places is still refused.
    work.create(
        "usage.csv",
        "Date,SKU,Cost\n2026-10-01,A,1.00000000000000000000000000001\n",
    );
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(stderr.contains("more than 28 decimal places"), "{stderr}");
}

#[test]
fn reliability_token_records_filtered_away_do_not_cover_the_previous_month() {
    // Issue 11, item 18. Before: September's token records (service assistants, removed by
    // --service database) made September look covered, and the spike fired against 0.00.
    let work = Workdir::new();
    let billed = work.create(
        "billed.csv",
        "date,service,sku,cost\n2026-10-01,database,Read Units,50.00\n2026-10-02,database,Read Units,60.00\n",
    );
    let mut records = String::new();
    for day in 1..=30 {
        records.push_str(&format!(
            "{{\"timestamp\":\"2026-09-{day:02}T12:00:00Z\",\"endpoint\":\"chat\",\
             \"usage\":{{\"prompt_tokens\":1000,\"completion_tokens\":10,\"total_tokens\":1010}}}}\n"
        ));
    }
    let tokens = work.create("tokens.jsonl", records);
    let run = work.run(&[
        "alerts",
        &billed,
        &tokens,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--service",
        "database",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let spike = &json["alerts"][0];
    assert_eq!(spike["kind"], "spike");
    assert_eq!(spike["fired"], false);
    assert_eq!(
        spike["note"],
        "previous month 2026-09 is missing from the inputs; no spike check"
    );
}

/// Runs tally with `input` on its standard input.
fn run_with_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running tally");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from a thread: a pipe holds only so much before tally reads it.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn reliability_pipes_are_read_once_and_whole() {
    // Issue 11, item 21. Before: `-` was "No such file or directory", and /dev/stdin lost its
    // first 4 bytes (opened once to tell the kind, again to read) and so its header.
    let console = std::fs::read(crate::util::fixture("console/usage-2026-10.csv")).unwrap();
    for input in ["-", "/dev/stdin"] {
        let args = [
            "report",
            input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
        ];
        let (code, stdout, stderr) = run_with_stdin(&args, &console);
        assert_eq!(code, 0, "{input}: {stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        // The fixture's total (fixtures/README.md).
        assert_eq!(json["total"], "3103.45954429", "{input}");
    }
    // A zip export is read by seeking: spooled to a temporary file, then read as the file is
    // (tests/cron.rs covers every kind through stdin and a FIFO).
    let zip = std::fs::read(crate::util::fixture("export/cost-usage-export-2026-10.zip")).unwrap();
    let args = [
        "report",
        "-",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
    ];
    let (code, stdout, stderr) = run_with_stdin(&args, &zip);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["total"], "3203.45954429");
}

#[test]
fn a_zip_holding_data_files_tally_would_not_read_is_refused() {
    // Before: a zip in the zip (or a .csv.gz, .parquet, .jsonl member) was passed over in
    // silence: the report counted the CSV member alone, exit 0, rows missing.
    let work = Workdir::new();
    let usage = "date,sku,cost\n2026-10-01,A,1.00\n";
    let inner = zip_of(&[("part-1-of-1.csv", "date,sku,cost\n2026-10-02,A,2.00\n")]);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("part-1-of-1.csv", options).unwrap();
    std::io::Write::write_all(&mut zip, usage.as_bytes()).unwrap();
    zip.start_file("more/october.zip", options).unwrap();
    std::io::Write::write_all(&mut zip, &inner).unwrap();
    work.create("nested.zip", zip.finish().unwrap().into_inner());
    let args = [
        "report",
        "nested.zip",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ];
    let stderr = work.run(&args).fails();
    assert!(
        stderr.contains(
            "nested.zip: member \"more/october.zip\" is a zip archive inside the zip, whose rows \
             tally would not read"
        ),
        "{stderr}"
    );
    work.create(
        "gz.zip",
        zip_of(&[("usage.csv", usage), ("usage-2.CSV.GZ", "not read")]),
    );
    let stderr = work
        .run(&["report", "gz.zip", "--month", "2026-10"])
        .fails();
    assert!(
        stderr.contains("member \"usage-2.CSV.GZ\" is a gzip file inside the zip"),
        "{stderr}"
    );
    // A README beside the parts is no data: still read as before (1.00).
    work.create(
        "readme.zip",
        zip_of(&[("part-1-of-1.csv", usage), ("README.txt", "hello")]),
    );
    let out = work
        .run(&[
            "report",
            "readme.zip",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
        ])
        .ok();
    assert!(out.contains(",1.00,USD,"), "{out}");
}

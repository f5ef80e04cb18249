//! Bad input: the first bad row stops the run with exit 1 and names file, line, column, value
//! and what was expected.

use crate::util::Workdir;

fn first_error(contents: &str) -> String {
    let work = Workdir::new();
    work.create("usage.csv", contents);
    work.run(&[
        "report",
        "usage.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ])
    .fails()
}

const HEADER: &str = "Date,Project,SKU,Cost (USD)\n";

fn with_row(row: &str) -> String {
    format!("{HEADER}2026-10-01,p,S1,1.00\n{row}\n")
}

#[test]
fn bad_input_decimal_comma() {
    let stderr = first_error(&with_row("2026-10-02,p,S1,\"12,50\""));
    assert!(
        stderr.contains("usage.csv:3: column \"Cost (USD)\": \"12,50\" is not a decimal number (use \".\" as the decimal separator)"),
        "{stderr}"
    );
}

#[test]
fn bad_input_currency_symbol() {
    let stderr = first_error(&with_row("2026-10-02,p,S1,$12.50"));
    assert!(stderr.contains("usage.csv:3: column \"Cost (USD)\": \"$12.50\" is not a decimal number (remove the currency symbol"), "{stderr}");
}

#[test]
fn bad_input_thousands_separator() {
    let stderr = first_error(&with_row("2026-10-02,p,S1,\"1,234.50\""));
    assert!(stderr.contains("usage.csv:3: column \"Cost (USD)\": \"1,234.50\" is not a decimal number (remove the thousands separator)"), "{stderr}");
}

#[test]
fn bad_input_impossible_date() {
    let stderr = first_error(&with_row("2026-02-30,p,S1,1.00"));
    assert!(
        stderr.contains(
            "usage.csv:3: column \"Date\": \"2026-02-30\" is not a valid date (no such day)"
        ),
        "{stderr}"
    );
}

#[test]
fn bad_input_too_many_decimal_places() {
    let stderr = first_error(&with_row("2026-10-02,p,S1,0.00000000000000000000000000001"));
    assert!(
        stderr.contains("usage.csv:3: column \"Cost (USD)\""),
        "{stderr}"
    );
    assert!(stderr.contains("more than 28 decimal places"), "{stderr}");
}

#[test]
fn bad_input_line_counts_quoted_line_breaks() {
    // The second record spans lines 3-4; the bad one starts on line 5.
    let stderr = first_error(&format!(
        "{HEADER}2026-10-01,p,S1,1.00\n2026-10-01,\"two\nlines\",S1,1.00\n2026-10-01,p,S1,abc\n"
    ));
    assert!(
        stderr.contains("usage.csv:5: column \"Cost (USD)\": \"abc\""),
        "{stderr}"
    );
}

#[test]
fn bad_input_first_bad_row_wins_across_blocks() {
    let mut csv = String::from(HEADER);
    for _ in 0..200 {
        csv.push_str("2026-10-01,p,S1,1.00\n");
    }
    csv.push_str("2026-10-01,p,S1,oops\n");
    csv.push_str("2026-10-01,p,S1,1.00\n");
    csv.push_str("2026-10-01,p,S1,later\n");
    let work = Workdir::new().env("TALLY_BLOCK_SIZE", "64");
    work.create("usage.csv", &csv);
    let stderr = work
        .run(&[
            "report",
            "usage.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(
        stderr.contains("usage.csv:202: column \"Cost (USD)\": \"oops\""),
        "{stderr}"
    );
}

#[test]
fn bad_input_missing_required_column() {
    let stderr = first_error("Date,SKU,Quantity\n2026-10-01,S1,3\n");
    assert!(
        stderr.contains(
            "usage.csv:1: usage CSV header lacks the required column \"cost\" (or amount, cost_usd)"
        ),
        "{stderr}"
    );
}

#[test]
fn bad_input_empty_file() {
    let stderr = first_error("");
    assert!(
        stderr.contains("usage.csv: the file is empty; expected a header row"),
        "{stderr}"
    );
}

#[test]
fn bad_input_unknown_kind() {
    let stderr = first_error("name,age\nann,3\n");
    assert!(
        stderr.contains("usage.csv:1: unknown kind of CSV"),
        "{stderr}"
    );
}

#[test]
fn bad_input_wrong_field_count() {
    let stderr = first_error(&with_row("2026-10-02,p,S1"));
    assert!(
        stderr.contains("usage.csv:3: has 3 fields; expected 4 as in the header"),
        "{stderr}"
    );
}

#[test]
fn bad_input_in_a_zip_member_names_the_member() {
    let work = Workdir::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("part-1-of-1.csv", options).unwrap();
    std::io::Write::write_all(
        &mut zip,
        b"BilledCost,ChargePeriodStart,SkuId,BillingCurrency\n1.5,2026-10-01T00:00:00Z,A,USD\n1;5,2026-10-01T00:00:00Z,A,USD\n",
    )
    .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    work.create("export.zip", bytes);
    let stderr = work
        .run(&[
            "report",
            "export.zip",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .fails();
    assert!(
        stderr.contains(
            "export.zip:part-1-of-1.csv:3: column \"BilledCost\": \"1;5\" is not a decimal number"
        ),
        "{stderr}"
    );
}

#[test]
fn bad_input_usage_errors_exit_2() {
    let work = Workdir::new();
    work.create("usage.csv", with_row("2026-10-02,p,S1,1"));
    for args in [
        vec!["report", "usage.csv", "--month", "2026-13"],
        vec![
            "report",
            "usage.csv",
            "--from",
            "2026-10-05",
            "--to",
            "2026-10-01",
        ],
        vec!["report", "usage.csv", "--as-of", "yesterday"],
        vec!["report", "usage.csv", "--tag", "novalue"],
        vec!["report", "usage.csv", "--period", "year"],
        vec!["report", "usage.csv", "--by", "status"],
        vec!["report", "usage.csv", "--by", "sku,unit"],
    ] {
        assert_eq!(work.run(&args).code(), 2, "{args:?}");
    }
}

#[test]
fn bad_input_skip_bad_rows_without_out_lists_them_on_stderr() {
    let work = Workdir::new();
    work.create("usage.csv", with_row("2026-10-02,p,S1,\"12,50\""));
    let run = work.run(&[
        "report",
        "usage.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
        "--format",
        "csv",
    ]);
    assert!(run.ok().contains("1.00"));
    assert!(
        run.stderr()
            .contains("skipped: usage.csv:3: column \"Cost (USD)\": \"12,50\""),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("skipped 1 bad row(s)"),
        "{}",
        run.stderr()
    );
}

#[test]
fn bad_input_key_separator_in_a_value_is_refused() {
    // U+001F separates the values of a group key: a value holding it must not shift others.
    let work = Workdir::new();
    work.create(
        "usage.csv",
        "Date,Project,SKU,Cost (USD)\n2026-10-01,p,A\u{1f}B,1.00\n",
    );
    let stderr = work
        .run(&[
            "report",
            "usage.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "sku,project",
        ])
        .fails();
    assert!(
        stderr.contains("usage.csv:2: has a field with the control character U+001F"),
        "{stderr}"
    );
    work.create(
        "log.jsonl",
        "{\"timestamp\":\"2026-10-01T00:00:00Z\",\"project\":\"a\\u001fb\",\"endpoint\":\"chat\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":0,\"total_tokens\":1}}\n",
    );
    let stderr = work
        .run(&[
            "report",
            "log.jsonl",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "project,sku",
        ])
        .fails();
    assert!(
        stderr.contains("log.jsonl:1:") && stderr.contains("control character"),
        "{stderr}"
    );
}

#[test]
fn bad_input_tags_are_checked_outside_the_range_too() {
    let work = Workdir::new();
    work.create(
        "usage.csv",
        "date,sku,cost,tags\n2025-06-01,A,1.00,{oops\n2026-10-01,A,2.00,team=x\n",
    );
    let stderr = work
        .run(&[
            "report",
            "usage.csv",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--by",
            "tag:team",
        ])
        .fails();
    assert!(
        stderr.contains("usage.csv:2: column \"tags\": \"{oops\" is not a JSON object of tags"),
        "{stderr}"
    );
}

#[test]
fn bad_input_export_zip_checked_against_its_manifest() {
    let zip_of = |members: &[(&str, &str)]| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in members {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let part = "BilledCost,ChargePeriodStart,SkuId,BillingCurrency\n1.5,2026-10-01T00:00:00Z,A,USD\n2.5,2026-10-02T00:00:00Z,A,USD\n";
    let manifest =
        |rows: u64| format!("{{\"files\": [{{\"name\": \"part-1-of-1.csv\", \"rows\": {rows}}}]}}");
    let work = Workdir::new();
    let run = |bytes: Vec<u8>| {
        work.create("export.zip", bytes);
        work.run(&[
            "report",
            "export.zip",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
        ])
    };
    assert!(
        run(zip_of(&[
            ("manifest.json", &manifest(2)),
            ("part-1-of-1.csv", part)
        ]))
        .ok()
        .contains("4.00")
    );
    let stderr = run(zip_of(&[
        ("manifest.json", &manifest(3)),
        ("part-1-of-1.csv", part),
    ]))
    .fails();
    assert!(
        stderr.contains("export.zip: part-1-of-1.csv holds 2 rows but manifest.json says 3"),
        "{stderr}"
    );
    let stderr = run(zip_of(&[("part-1-of-1.csv", part), ("extra.csv", part)])).fails();
    assert!(
        stderr.contains("member \"extra.csv\" is not a part-K-of-N.csv"),
        "{stderr}"
    );
}

//! Files a spreadsheet saved (issue 9, item 4): rewritten dates (`--date-format`), semicolon
//! and tab separators (`--delimiter`), and UTF-16. Totals are written out by hand; errors are
//! checked word for word.

use crate::util::{Workdir, costs_by_key};
use rust_decimal::Decimal;
use std::io::Write;
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// `report IN --month 2026-10 --as-of 2026-11-28 --format csv` plus `extra`.
fn october(work: &Workdir, input: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "report",
        input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    work.run(&args)
}

#[test]
fn spreadsheet_us_dates_read_with_date_format() {
    let work = Workdir::new();
    // 9/30 and 11/1 are outside October; the rest is in.
    let input = work.create(
        "us.csv",
        "date,sku,cost\n\
         9/30/2026,Storage,100.00\n\
         10/1/2026,Storage,1.25\n\
         10/01/2026,Read Units,0.10\n\
         10/31/2026,Storage,2.005\n\
         11/1/2026,Storage,50.00\n",
    );
    let csv = october(&work, &input, &["--date-format", "%m/%d/%Y"]).ok();
    let costs = costs_by_key(&csv);
    // Storage: 1.25 + 2.005; Read Units: 0.10.
    assert_eq!(costs["Storage"], dec("3.255"));
    assert_eq!(costs["Read Units"], dec("0.10"));
    assert_eq!(costs.len(), 2);

    // Two-digit years and day-first dates, the same rows.
    let short = work.create(
        "short.csv",
        "date,sku,cost\n9/30/26,Storage,100.00\n10/1/26,Storage,1.25\n10/31/26,Storage,2.005\n",
    );
    let costs = costs_by_key(&october(&work, &short, &["--date-format", "%m/%d/%y"]).ok());
    assert_eq!(costs["Storage"], dec("3.255"));
    let german = work.create(
        "de.csv",
        "date,sku,cost\n30.09.2026,Storage,100.00\n01.10.2026,Storage,1.25\n31.10.2026,Storage,2.005\n",
    );
    let costs = costs_by_key(&october(&work, &german, &["--date-format", "%d.%m.%Y"]).ok());
    assert_eq!(costs["Storage"], dec("3.255"));
}

#[test]
fn spreadsheet_date_time_formats_are_utc_or_converted_to_utc() {
    let work = Workdir::new();
    // With %z: 10/31 23:30 -05:00 is 11/01 04:30 UTC (out); 11/01 00:30 +01:00 is 10/31
    // 23:30 UTC (in); 10/01 00:30 +02:00 is 09/30 (out).
    let zoned = work.create(
        "zoned.csv",
        "date,sku,cost\n\
         10/31/2026 23:30 -0500,Storage,7.00\n\
         11/01/2026 00:30 +0100,Storage,0.30\n\
         10/01/2026 00:30 +0200,Storage,9.00\n\
         10/15/2026 12:00 +0000,Storage,1.20\n",
    );
    let csv = october(
        &work,
        &zoned,
        &["--date-format", "%m/%d/%Y %H:%M %z", "--period", "day"],
    )
    .ok();
    let costs = costs_by_key(&csv);
    assert_eq!(
        costs,
        [
            ("2026-10-15 | 2026-10-15 | Storage".to_string(), dec("1.20")),
            ("2026-10-31 | 2026-10-31 | Storage".to_string(), dec("0.30")),
        ]
        .into_iter()
        .collect()
    );
    // Without %z the time is UTC: 10/31 23:30 stays on the 31st.
    let naive = work.create(
        "naive.csv",
        "date,sku,cost\n31.10.2026 23:30,Storage,7.00\n01.11.2026 00:30,Storage,0.30\n",
    );
    let costs = costs_by_key(&october(&work, &naive, &["--date-format", "%d.%m.%Y %H:%M"]).ok());
    assert_eq!(costs["Storage"], dec("7.00"));
}

#[test]
fn spreadsheet_dates_are_never_guessed() {
    let work = Workdir::new();
    let input = work.create(
        "in.csv",
        "date,sku,cost\n2026-10-01,Storage,1\n4/1/25,Storage,2\n",
    );
    let stderr = october(&work, &input, &[]).fails();
    assert_eq!(
        stderr,
        format!(
            "error: {input}:3: column \"date\": \"4/1/25\" is not a date; expected YYYY-MM-DD or \
             an RFC 3339 timestamp; if a spreadsheet rewrote the dates, pass --date-format, e.g. \
             --date-format %m/%d/%Y\n"
        )
    );
    // With a format, an ISO date is a bad row naming the format: one reading per run.
    let stderr = october(&work, &input, &["--date-format", "%m/%d/%y"]).fails();
    assert_eq!(
        stderr,
        format!(
            "error: {input}:2: column \"date\": \"2026-10-01\" does not match --date-format \
             \"%m/%d/%y\"\n"
        )
    );
    let bad_day = work.create("feb.csv", "date,sku,cost\n02/30/2026,Storage,1\n");
    let stderr = october(&work, &bad_day, &["--date-format", "%m/%d/%Y"]).fails();
    assert_eq!(
        stderr,
        format!(
            "error: {bad_day}:2: column \"date\": \"02/30/2026\" is not a valid date (no such \
             day) in --date-format \"%m/%d/%Y\"\n"
        )
    );
    // A format that cannot name a day is a usage error (exit 2).
    let run = october(&work, &input, &["--date-format", "%m/%Y"]);
    assert_eq!(run.code(), 2);
    assert_eq!(
        run.stderr(),
        "error: --date-format \"%m/%Y\": does not name a whole day (year, month and day), e.g. \
         %m/%d/%Y\n"
    );
}

#[test]
fn spreadsheet_date_format_reads_focus_charge_period_start() {
    let work = Workdir::new();
    let input = work.create(
        "focus.csv",
        "BilledCost,ChargePeriodStart,SkuId,SubAccountName,BillingCurrency\n\
         0.50,10/01/2026 00:00,S1,alpha,USD\n\
         0.25,10/31/2026 23:00,S1,beta,USD\n\
         9.00,11/01/2026 00:00,S1,alpha,USD\n",
    );
    let csv = october(
        &work,
        &input,
        &["--date-format", "%m/%d/%Y %H:%M", "--by", "project"],
    )
    .ok();
    let costs = costs_by_key(&csv);
    assert_eq!(costs["alpha"], dec("0.50"));
    assert_eq!(costs["beta"], dec("0.25"));
}

#[test]
fn spreadsheet_date_format_in_alerts_and_reconcile() {
    let work = Workdir::new();
    let billed = work.create(
        "billed.csv",
        "Date,Service,SKU,Quantity,Unit,Cost (USD)\n\
         10/01/2026,assistants,Assistants Input Tokens,1000000,tokens,8.00\n\
         10/02/2026,assistants,Assistants Input Tokens,2000000,tokens,16.00\n\
         10/02/2026,database,Read Units,1000,RU,0.016\n",
    );
    let json = work
        .run(&[
            "alerts",
            &billed,
            "--as-of",
            "2026-10-20",
            "--threshold",
            "100",
            "--format",
            "json",
            "--date-format",
            "%m/%d/%Y",
        ])
        .ok();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    // 8.00 + 16.00 + 0.016
    assert_eq!(value["month_to_date"], "24.016");

    let logs = work.create(
        "logs.jsonl",
        "{\"timestamp\":\"2026-10-01T10:00:00Z\",\"endpoint\":\"chat\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0,\"total_tokens\":1000000}}\n",
    );
    let csv = work
        .run(&[
            "reconcile",
            &billed,
            &logs,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
            "--format",
            "csv",
            "--date-format",
            "%m/%d/%Y",
        ])
        .ok();
    let rows = crate::util::records(&csv);
    let row = |day: &str| {
        rows.iter()
            .find(|r| r[0] == day && r[1] == "Assistants Input Tokens")
    };
    // Billed 8.00 on 10/01 against the estimate of 1M tokens at 8.00 per million.
    assert_eq!(row("2026-10-01").unwrap()[4], "8.00");
    assert_eq!(row("2026-10-01").unwrap()[9], "ok");
    assert_eq!(row("2026-10-02").unwrap()[4], "16.00");
}

/// The same rows, semicolon-separated, with quoted separators and a quoted line break.
const SEMICOLON: &str = "Date;Project;SKU;Cost\r\n\
     2026-10-01;\"alpha; inc\";Storage;1.25\r\n\
     2026-10-02;beta;\"Read\nUnits\";0.10\r\n\
     2026-10-03;\"say \"\"hi\"\"\";Storage;2.005\r\n\
     2026-10-04;beta;Storage;0.000001\r\n";

#[test]
fn spreadsheet_semicolon_and_tab_files_with_delimiter() {
    // The quoted separator stays in the value: "alpha; inc", or "alpha<TAB> inc".
    let expected_by_project = |csv: &str, separator: &str| {
        let costs = costs_by_key(csv);
        assert_eq!(costs[&format!("alpha{separator} inc")], dec("1.25"));
        assert_eq!(costs["beta"], dec("0.100001"));
        assert_eq!(costs["say \"hi\""], dec("2.005"));
        assert_eq!(costs.len(), 3);
    };
    // Every block size: boundaries found with ';' as the separator, by parity and exactly.
    for block in ["8", "16", "33", "100000"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", block);
        let input = work.create("semi.csv", SEMICOLON);
        let csv = october(&work, &input, &["--delimiter", ";", "--by", "project"]).ok();
        expected_by_project(&csv, ";");
        let tabbed = work.create("tab.tsv", SEMICOLON.replace(';', "\t"));
        for name in ["tab", "\\t", "\t"] {
            let csv = october(&work, &tabbed, &["--delimiter", name, "--by", "project"]).ok();
            expected_by_project(&csv, "\t");
        }
    }
}

#[test]
fn spreadsheet_semicolon_errors_name_the_physical_line() {
    let work = Workdir::new().env("TALLY_BLOCK_SIZE", "16");
    // The record with the quoted line break starts on line 3, so the bad cost is on line 5.
    let input = work.create(
        "semi.csv",
        "Date;SKU;Cost\n2026-10-01;A;1\n2026-10-02;\"B\nC\";2\n2026-10-03;A;12,50\n",
    );
    let stderr = october(&work, &input, &["--delimiter", ";"]).fails();
    assert_eq!(
        stderr,
        format!(
            "error: {input}:5: column \"Cost\": \"12,50\" is not a decimal number (use \".\" as \
             the decimal separator)\n"
        )
    );
}

#[test]
fn spreadsheet_other_separators_are_refused_with_what_to_pass() {
    let work = Workdir::new();
    let semi = work.create("semi.csv", SEMICOLON);
    assert_eq!(
        october(&work, &semi, &[]).fails(),
        format!("error: {semi}:1: the header is separated by \";\" — pass --delimiter ';'\n")
    );
    let tab = work.create("tab.csv", SEMICOLON.replace(';', "\t"));
    assert_eq!(
        october(&work, &tab, &[]).fails(),
        format!("error: {tab}:1: the header is separated by tabs — pass --delimiter tab\n")
    );
    let comma = work.create("comma.csv", "date,sku,cost\n2026-10-01,A,1\n");
    assert_eq!(
        october(&work, &comma, &["--delimiter", ";"]).fails(),
        format!(
            "error: {comma}:1: the header is separated by \",\", not \";\": drop --delimiter (or \
             pass --delimiter ',')\n"
        )
    );
    let run = october(&work, &comma, &["--delimiter", "ab"]);
    assert_eq!(run.code(), 2);
    assert_eq!(
        run.stderr(),
        "error: --delimiter \"ab\": expected one character such as , or ; or |, or tab\n"
    );
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    bytes
}

#[test]
fn spreadsheet_utf16_is_refused_with_how_to_convert() {
    let work = Workdir::new();
    let text = "date\tsku\tcost\r\n2026-10-01\tStorage\t1.25\r\n";
    let message = |name: &str, endian: &str| {
        format!(
            "error: {name}: the file is UTF-16 ({endian}, with a byte-order mark), as a \
             spreadsheet's \"Unicode text\" save writes it; tally reads UTF-8: convert it first, \
             e.g. iconv -f UTF-16 -t UTF-8 IN > OUT.csv (then pass --delimiter tab if it is \
             tab-separated)\n"
        )
    };
    let le = work.create("le.txt", utf16(text, true));
    assert_eq!(
        october(&work, &le, &[]).fails(),
        message(&le, "little-endian")
    );
    let be = work.create("be.csv", utf16(text, false));
    assert_eq!(october(&work, &be, &[]).fails(), message(&be, "big-endian"));
    // Compressed, the same.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&utf16(text, true)).unwrap();
    let gz = work.create("le.csv.gz", encoder.finish().unwrap());
    assert_eq!(
        october(&work, &gz, &[]).fails(),
        message(&gz, "little-endian")
    );
    // Without a byte-order mark, the NULs of the header give it away.
    let mut bare = utf16(text, true);
    bare.drain(..2);
    let bare = work.create("bare.csv", bare);
    assert_eq!(
        october(&work, &bare, &[]).fails(),
        format!(
            "error: {bare}:1: the header holds NUL bytes: the file may be UTF-16 without a \
             byte-order mark; tally reads UTF-8: convert it first, e.g. iconv -f UTF-16LE -t \
             UTF-8 IN > OUT.csv\n"
        )
    );
    // Converted as the message says, with --delimiter tab: read.
    let utf8 = work.create("converted.csv", text);
    let costs = costs_by_key(&october(&work, &utf8, &["--delimiter", "tab"]).ok());
    assert_eq!(costs["Storage"], dec("1.25"));
}

#[test]
fn spreadsheet_options_are_recorded_in_the_manifest() {
    let work = Workdir::new();
    let input = work.create("us.csv", "date;sku;cost\n10/01/2026;Storage;1.25\n");
    october(
        &work,
        &input,
        &[
            "--date-format",
            "%m/%d/%Y",
            "--delimiter",
            ";",
            "--out",
            "out",
            "--no-charts",
        ],
    )
    .ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["options"]["date_format"], "%m/%d/%Y");
    assert_eq!(manifest["options"]["delimiter"], ";");
    assert_eq!(manifest["total"], "1.25");
}

#[test]
fn spreadsheet_date_format_reads_both_ends_of_a_spread_charge() {
    // A monthly fee of 31.00 from 10/01 to 11/01 read with the format, spread: 1.00 a day,
    // so the first ten days of October get 10.00.
    let work = Workdir::new();
    let input = work.create(
        "focus.csv",
        "BilledCost,ChargePeriodStart,ChargePeriodEnd,SkuId,BillingCurrency\n\
         31.00,10/01/2026 00:00,11/01/2026 00:00,Support,USD\n",
    );
    let csv = work
        .run(&[
            "report",
            &input,
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "csv",
            "--spread-charges",
            "--date-format",
            "%m/%d/%Y %H:%M",
        ])
        .ok();
    assert_eq!(costs_by_key(&csv)["Support"], dec("10.00"));
}

//! Record splitting (issue 11): unterminated quotes, CR-only line endings, results that must
//! not depend on where block boundaries fall, and the limit on a record's length. Each test
//! names the item it covers; every one failed before its fix.

use crate::util::{Workdir, records};
use proptest::prelude::*;
use std::process::{Command, Stdio};

const REPORT: &[&str] = &[
    "--month",
    "2026-10",
    "--as-of",
    "2026-11-28",
    "--format",
    "csv",
];

fn report(work: &Workdir, input: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["report", input];
    args.extend_from_slice(REPORT);
    args.extend_from_slice(extra);
    work.run(&args)
}

/// The total cost of a `--format csv` report.
fn total(csv: &str) -> String {
    let rows = records(csv);
    let cost = rows[0].iter().position(|h| h == "cost").unwrap();
    let sum: rust_decimal::Decimal = rows[1..]
        .iter()
        .map(|r| r[cost].parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    sum.to_string()
}

fn manifest_rows(work: &Workdir) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    manifest["inputs"][0]["rows"].clone()
}

/// Item 1: a quote opened in the last column and never closed used to swallow the rest of the
/// file silently (exit 0, `read = 2` for three rows).
#[test]
fn splitting_an_unterminated_quote_is_a_bad_row() {
    let text = "date,project,sku,cost,note\n\
                2026-10-01,a,x,1.00,ok\n\
                2026-10-02,a,x,1.00,\"oops\n\
                2026-10-03,a,x,1.00,ok\n";
    for size in ["1", "7", "4194304"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        let input = work.create("u.csv", text);
        let stderr = report(&work, &input, &[]).fails();
        assert!(
            stderr.contains("u.csv:3: column \"note\":") && stderr.contains("unterminated quote"),
            "block size {size}: {stderr}"
        );
        report(&work, &input, &["--skip-bad-rows", "--out", "out"]).ok();
        let rejects = records(&work.read("out/rejects.csv"));
        assert_eq!(rejects.len(), 2, "{rejects:?}");
        assert_eq!(rejects[1][1..3], ["3", "note"], "{rejects:?}");
        assert!(rejects[1][4].contains("unterminated quote"), "{rejects:?}");
        let rows = manifest_rows(&work);
        assert_eq!(rows["read"], 2, "{rows}");
        assert_eq!(rows["used"], 1, "{rows}");
        assert_eq!(rows["rejected"], 1, "{rows}");
    }
}

/// Item 1 at scale: the quote runs on past the record limit, so the run stops there (it used
/// to read the whole file into one record).
#[test]
fn splitting_an_unterminated_quote_stops_at_the_record_limit() {
    let work = Workdir::new();
    let mut text = String::from("date,project,sku,cost,note\n2026-10-01,a,x,1.00,\"oops\n");
    while text.len() < 1_200_000 {
        text.push_str("2026-10-03,a,x,1.00,ok\n");
    }
    let input = work.create("u.csv", text);
    for extra in [&[][..], &["--skip-bad-rows"]] {
        let stderr = report(&work, &input, extra).fails();
        assert!(
            stderr.contains("u.csv:2: a record longer than 1 MiB")
                && stderr.contains("column \"note\"")
                && stderr.contains("unterminated quote"),
            "{stderr}"
        );
    }
}

/// Item 2: CR-only line endings ("CSV (Macintosh)") used to give an empty report.
#[test]
fn splitting_cr_only_line_endings_are_read() {
    let text =
        "date,project,sku,cost\r2026-10-01,a,x,1.00\r2026-10-02,a,x,1.00\r2026-10-03,a,x,1.00\r";
    for size in ["1", "5", "4194304"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        let input = work.create("mac.csv", text);
        assert_eq!(
            total(&report(&work, &input, &[]).ok()),
            "3.00",
            "block size {size}"
        );
        // Lines are counted at CRs too.
        let bad = work.create("bad.csv", text.replace("2026-10-03", "2026-13-03"));
        let stderr = report(&work, &bad, &[]).fails();
        assert!(stderr.contains("bad.csv:4: column \"date\""), "{stderr}");
    }
}

/// Item 2: a header ending in a lone CR used to take the first data row with it.
#[test]
fn splitting_a_header_ending_in_a_lone_cr_keeps_the_first_row() {
    let text =
        "date,project,sku,cost\r2026-10-01,a,x,1.00\n2026-10-02,a,x,1.00\n2026-10-03,a,x,1.00\n";
    for size in ["1", "4194304"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        let input = work.create("h.csv", text);
        assert_eq!(
            total(&report(&work, &input, &[]).ok()),
            "3.00",
            "block size {size}"
        );
        let bad = work.create("bad.csv", text.replace("2026-10-02", "2026-10-32"));
        let stderr = report(&work, &bad, &[]).fails();
        assert!(stderr.contains("bad.csv:3: column \"date\""), "{stderr}");
    }
}

/// Everything a run prints: exit code, stdout, stderr.
fn outcome(work: &Workdir, input: &str, size: Option<usize>, skip: bool) -> (i32, String, String) {
    let mut args = vec!["report", input];
    args.extend_from_slice(REPORT);
    args.extend_from_slice(&["--by", "project,sku"]);
    if skip {
        args.push("--skip-bad-rows");
    }
    // TALLY_TEST_BIN: another build, as in util.rs (to see this fail before the fix).
    let binary =
        std::env::var("TALLY_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
    let mut command = Command::new(binary);
    command
        .args(&args)
        .current_dir(work.path())
        .env_clear()
        .stdin(Stdio::null());
    if let Some(size) = size {
        command.env("TALLY_BLOCK_SIZE", size.to_string());
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts that every block size from 1 to 64 gives the bytes of the default one.
fn same_for_every_block_size(text: &[u8], skip: bool) -> Result<(), TestCaseError> {
    let work = Workdir::new();
    let input = work.create("p.csv", text);
    let expected = outcome(&work, &input, None, skip);
    let sizes: Vec<usize> = (1..=64).collect();
    let results: Vec<(usize, (i32, String, String))> = std::thread::scope(|scope| {
        let handles: Vec<_> = sizes
            .chunks(16)
            .map(|chunk| {
                let (work, input) = (&work, &input);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&size| (size, outcome(work, input, Some(size), skip)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (size, got) in results {
        prop_assert_eq!(
            &got,
            &expected,
            "block size {} differs on {:?}",
            size,
            String::from_utf8_lossy(text)
        );
    }
    Ok(())
}

/// Item 3: lone CRs and BOMs at row starts used to make results depend on block boundaries.
#[test]
fn splitting_known_boundary_cases_do_not_depend_on_the_block_size() {
    let cases: &[&[u8]] = &[
        b"date,project,sku,cost\n2026-10-01,a,x,1\n\xEF\xBB\xBF2026-10-02,a,\"x\"y,2\n2026-10-03,a,x,4\n",
        b"date,project,sku,cost\n2026-10-01,a,\"x\"\r\"2026-10-02\",a,\"y\nz\",2\n2026-10-03,a,x,4\n",
        b"date,project,sku,cost\n2026-10-01,a,x\r2026-10-02,a,\"y\nz\",2\n2026-10-03,a,x,4\n",
        b"date,project,sku,cost\r\n2026-10-01,a,x,1\r\r\n2026-10-02,a,\"q\r\",2\r\n",
    ];
    for case in cases {
        for skip in [false, true] {
            same_for_every_block_size(case, skip).unwrap();
        }
    }
}

/// Rows built from pieces that upset record splitting.
fn messy_csv() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        4 => Just("a".to_string()),
        2 => Just("1.5".to_string()),
        1 => Just("\"q,\"\"r\"".to_string()),
        1 => Just("\"multi\nline\"".to_string()),
        1 => Just("\"cr\rin\"".to_string()),
        1 => Just("x\"y".to_string()),
        1 => Just("\"x\"y".to_string()),
        1 => Just("\"open".to_string()),
    ];
    let end = prop_oneof![
        3 => Just("\n"),
        2 => Just("\r\n"),
        2 => Just("\r"),
        1 => Just("\r\r\n"),
        1 => Just("\n\n"),
    ];
    let row = (
        any::<bool>(),
        1u32..=4,
        proptest::collection::vec(field, 0..3),
        end,
    )
        .prop_map(|(bom, day, extra, end)| {
            let mut row = String::new();
            if bom {
                row.push('\u{FEFF}');
            }
            row.push_str(&format!("2026-10-0{day},p,s,1.25"));
            for field in extra {
                row.push(',');
                row.push_str(&field);
            }
            row.push_str(end);
            row
        });
    (
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        proptest::collection::vec(row, 1..8),
    )
        .prop_map(|(header_end, rows)| {
            let mut text = format!("date,project,sku,cost{header_end}");
            for row in rows {
                text.push_str(&row);
            }
            text.into_bytes()
        })
}

proptest! {
    // Each case runs the binary 65 times (twice with --skip-bad-rows); soak with more:
    // TALLY_SPLIT_CASES=200 cargo test --locked splitting
    #![proptest_config(ProptestConfig {
        cases: std::env::var("TALLY_SPLIT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4),
        max_shrink_iters: 64,
        .. ProptestConfig::default()
    })]

    /// Item 3: the report (or the error) is byte-identical for block sizes 1..=64 and the
    /// default.
    #[test]
    fn splitting_property_block_size_does_not_change_the_output(
        text in messy_csv(),
        skip in any::<bool>(),
    ) {
        same_for_every_block_size(&text, skip)?;
    }
}

/// Item 12: a record longer than 1 MiB is refused by name, whatever the block size.
#[test]
fn splitting_a_record_longer_than_1_mib_is_refused() {
    let long = "z".repeat(1_100_000);
    let text = format!("date,project,sku,cost,note\n2026-10-01,a,x,1,\n2026-10-02,a,x,1,{long}\n");
    for size in ["64", "4194304"] {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
        let input = work.create("long.csv", &text);
        for extra in [&[][..], &["--skip-bad-rows"]] {
            let stderr = report(&work, &input, extra).fails();
            assert!(
                stderr.contains("long.csv:3: a record longer than 1 MiB")
                    && stderr.contains("is this a CSV?"),
                "block size {size}: {stderr}"
            );
        }
        // Compressed, too: one long line of a small .gz.
        let input = work.create("long.csv.gz", gzip(text.as_bytes()));
        let stderr = report(&work, &input, &[]).fails();
        assert!(
            stderr.contains("long.csv.gz:3: a record longer than 1 MiB"),
            "{stderr}"
        );
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Item 12: `tally report /dev/zero` ends with the record-limit error, in bounded memory (it
/// used to grow one record until the allocator aborted).
#[test]
fn splitting_dev_zero_ends_with_the_record_limit() {
    let work = Workdir::new();
    // 1 GiB of address space: far more than a bounded run needs, far less than the old one.
    let script = format!(
        "ulimit -v 1048576; exec \"{}\" report /dev/zero --month 2026-10",
        env!("CARGO_BIN_EXE_tally")
    );
    let output = Command::new("sh")
        .args(["-c", &script])
        .current_dir(work.path())
        .env_clear()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("/dev/zero:1: a record longer than 1 MiB")
            && stderr.contains("is this a CSV?"),
        "{stderr}"
    );
}

/// Physical lines in `text` as a person counts them in an editor: a CRLF, a lone CR and a
/// lone LF each end one.
fn physical_lines(text: &str) -> usize {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\r')
        .count()
}

/// A file of many blocks mixing CRLF rows, quoted fields over two lines (LF and CRLF inside),
/// escaped quotes and empty lines, with bad rows at the given row numbers; with `lone_cr`, one
/// stretch of rows ends in lone CRs (those blocks go to the csv crate). Returns the text and
/// each bad row's physical line, counted as the file is written.
fn deep_file(rows: usize, bad: &[usize], lone_cr: bool) -> (String, Vec<usize>) {
    let mut text = String::from("date,project,sku,cost,note\r\n");
    let mut lines = Vec::new();
    for row in 0..rows {
        let cost = if bad.contains(&row) {
            lines.push(physical_lines(&text) + 1);
            format!("oops{row}")
        } else {
            "1.25".to_string()
        };
        let note = match row % 5 {
            0 => "ok".to_string(),
            1 => "\"two\nlines\"".to_string(),
            2 => "\"crlf\r\ninside, \"\"quoted\"\"\"".to_string(),
            3 => "\"x\"".to_string(),
            _ => String::new(),
        };
        let end = if lone_cr && (rows / 3..rows / 3 + 40).contains(&row) {
            "\r"
        } else if row % 7 == 0 {
            "\r\n\r\n"
        } else {
            "\r\n"
        };
        text.push_str(&format!(
            "2026-10-0{},p,s{},{cost},{note}{end}",
            1 + row % 9,
            row % 4
        ));
    }
    (text, lines)
}

/// Lines are counted by the workers and placed by the merge in file order: an error deep in a
/// file of many blocks (CRLF, lone CRs, quoted line breaks) names its physical line, for any
/// block size, read from a file, from a pipe and gzipped; so do the rows of rejects.csv.
#[test]
fn splitting_lines_deep_in_a_multi_block_file_are_placed_right() {
    let bad = [431, 520, 977, 1203, 1499];
    for lone_cr in [false, true] {
        let (text, lines) = deep_file(1500, &bad, lone_cr);
        for size in ["1", "64", "333", "4096", "65536", "4194304"] {
            let work = Workdir::new().env("TALLY_BLOCK_SIZE", size);
            let plain = work.create("deep.csv", &text);
            let gz = work.create("deep.csv.gz", gzip(text.as_bytes()));
            // Standard input: read once, as a stream, with exact boundaries.
            let stderr = piped(&work, &text, size);
            let expected = format!("-:{}: column \"cost\": \"oops431\"", lines[0]);
            assert!(stderr.contains(&expected), "block size {size}: {stderr}");
            for input in [&plain, &gz] {
                let stderr = report(&work, input, &[]).fails();
                let expected = format!("{input}:{}: column \"cost\": \"oops431\"", lines[0]);
                assert!(
                    stderr.contains(&expected),
                    "block size {size}, lone CR {lone_cr}: {stderr}"
                );
                report(&work, input, &["--skip-bad-rows", "--out", "out"]).ok();
                let rejects = records(&work.read("out/rejects.csv"));
                let placed: Vec<String> = rejects[1..].iter().map(|r| r[1].clone()).collect();
                let wanted: Vec<String> = lines.iter().map(usize::to_string).collect();
                assert_eq!(
                    placed, wanted,
                    "block size {size}, lone CR {lone_cr}, {input}"
                );
            }
        }
    }
}

/// The stderr of `report -` fed `text` on standard input.
fn piped(work: &Workdir, text: &str, block_size: &str) -> String {
    use std::io::Write;
    let mut args = vec!["report", "-"];
    args.extend_from_slice(REPORT);
    let binary =
        std::env::var("TALLY_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
    let mut child = Command::new(binary)
        .args(&args)
        .current_dir(work.path())
        .env_clear()
        .env("TALLY_BLOCK_SIZE", block_size)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A run that stops at the first bad row may close its end early: ignore that.
    let _ = stdin.write_all(text.as_bytes());
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

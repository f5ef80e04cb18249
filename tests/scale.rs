//! Scale: inputs whose size (days in the range, bad rows, rows per group, near-limit sums,
//! replaced projects) once made a run slow, large, nondeterministic or silent (issue 11,
//! items 9, 13, 14, 19, 23). Each test names its item; every one failed before its fix.

use crate::util::{Workdir, peak_memory, run_within};
use std::time::Duration;

const HEADER: &str = "Date,Project ID,Project Name,Service,SKU,Region,Quantity,Unit,Cost (USD)\n";

/// Item 9: a row dated 9999-12-31 made the daily chart span 2.9 million days (and its
/// provisional check compare each with every provisional day): the run took minutes. Now a
/// chart of more than 3,660 days is not drawn, with a warning and a note in report.html.
#[test]
fn scale_a_range_of_millions_of_days_draws_no_chart_and_finishes() {
    let work = Workdir::new();
    work.create(
        "two.csv",
        format!("{HEADER}2026-10-01,p1,a,db,s1,r,1,RU,1.5\n9999-12-31,p1,a,db,s1,r,1,RU,2.5\n"),
    );
    let args = [
        "report",
        "two.csv",
        "--from",
        "0001-01-01",
        "--to",
        "9999-12-31",
        "--as-of",
        "9999-12-31T23:00:00Z",
        "--delay-days",
        "5000",
        "--out",
        "out",
    ];
    let (code, stderr) = run_within(work.path(), &args, Duration::from_secs(60))
        .expect("a two-row report over the whole calendar must finish within 60 s");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("no charts: the chart would span 3652059 days"),
        "{stderr}"
    );
    let html = work.read("out/report.html");
    assert!(
        html.contains("more than the 3,660 a daily chart draws"),
        "{html}"
    );
    assert!(!work.path().join("out/chart-daily.svg").exists());
    assert!(work.read("out/summary.csv").contains("4.0"));
}

/// Item 13 (in part): with `--skip-bad-rows` and no `--out`, every rejected row was printed.
/// Now stderr shows the first 100 and the count; rejects.csv still lists every row, in file
/// order, and the counts stay exact.
#[test]
fn scale_skipped_rows_all_in_rejects_csv_and_a_sample_on_stderr() {
    let work = Workdir::new();
    let mut text = HEADER.to_string();
    for n in 0..250 {
        text.push_str(&format!("2026-10-0{},p1,a,db,s1,r,1,RU,{n}x\n", n % 9 + 1));
    }
    text.push_str("2026-10-01,p1,a,db,s1,r,1,RU,1.25\n");
    work.create("bad.csv", text);
    let common = [
        "report",
        "bad.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
    ];
    let plain = work.run(&common);
    plain.ok();
    let stderr = plain.stderr();
    assert_eq!(stderr.matches("skipped: bad.csv").count(), 100, "{stderr}");
    assert!(stderr.contains("and 150 more"), "{stderr}");
    assert!(stderr.contains("skipped 250 bad row(s)"), "{stderr}");

    let mut with_out = common.to_vec();
    with_out.extend(["--out", "out"]);
    let work = work.env("TALLY_BLOCK_SIZE", "64");
    let run = work.run(&with_out);
    run.ok();
    let rejects = crate::util::records(&work.read("out/rejects.csv"));
    assert_eq!(rejects.len(), 251);
    // In file order, whatever order the blocks finished in.
    let lines: Vec<u64> = rejects[1..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(lines, (2..252).collect::<Vec<u64>>());
    assert!(!run.stderr().contains("skipped: "));
}

/// Item 13, memory: every skipped row was held until the end of the run (2 M bad rows took
/// 918 MB). Now an input's skipped rows are counted and summed as its blocks are merged, the
/// first 100 kept for stderr, and, with `--out`, written to a temporary file that becomes
/// rejects.csv. 40,000 bad rows of 4 KB (160 MB) must not be held: with and without `--out`,
/// the run stays far below the input's size, and rejects.csv still lists every row, in order,
/// with its cost summed in the manifest.
#[test]
fn scale_skipped_rows_are_not_held_in_memory() {
    let work = Workdir::new();
    let long = "s".repeat(4000);
    let mut text = String::with_capacity(170_000_000);
    text.push_str(HEADER);
    for n in 0..40_000 {
        // Quantity is bad; the cost column is readable (0.25 each).
        text.push_str(&format!(
            "2026-10-0{},p1,a,db,{long},r,q{n},RU,0.25\n",
            n % 9 + 1
        ));
    }
    text.push_str("2026-10-01,p1,a,db,s1,r,1,RU,1.25\n");
    let input_size = text.len() as u64;
    work.create("bad.csv", text);
    let common = [
        "report",
        "bad.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
    ];
    let (code, plain) = peak_memory(work.path(), &common);
    assert_eq!(code, 0);
    let mut with_out = common.to_vec();
    with_out.extend(["--out", "out"]);
    let (code, listed) = peak_memory(work.path(), &with_out);
    assert_eq!(code, 0);
    for peak in [plain, listed] {
        assert!(
            peak < input_size / 2,
            "peak {peak} bytes for a {input_size}-byte input: skipped rows are held"
        );
    }
    let rejects = std::fs::read_to_string(work.path().join("out/rejects.csv")).unwrap();
    let lines: Vec<u64> = rejects
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines, (2..40_002).collect::<Vec<u64>>());
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let text = manifest.to_string();
    // 40,000 × 0.25 = 10000.00, the cost the skipped rows would have added.
    assert!(text.contains("\"10000.00\""), "{text}");
}

/// Item 13: the skipped rows of a run with `--out` go to temporary files (TMPDIR); when
/// those cannot be written the run stops with the reason and the way out, before it writes
/// anything, rather than leave rows out of rejects.csv.
#[test]
fn scale_skipped_rows_that_cannot_be_kept_stop_the_run() {
    let work = Workdir::new().env("TMPDIR", "/nonexistent/tally-tmp");
    work.create(
        "bad.csv",
        format!("{HEADER}2026-10-01,p1,a,db,s1,r,x,RU,0.25\n2026-10-01,p1,a,db,s1,r,1,RU,1.25\n"),
    );
    let args = [
        "report",
        "bad.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
    ];
    let mut with_out = args.to_vec();
    with_out.extend(["--out", "out"]);
    let stderr = work.run(&with_out).fails();
    assert!(
        stderr.contains("bad.csv: cannot keep the skipped rows"),
        "{stderr}"
    );
    assert!(stderr.contains("TMPDIR"), "{stderr}");
    assert!(!work.path().join("out").exists());
    // Without --out nothing is written to disk: the run needs no temporary file.
    let run = work.run(&args);
    run.ok();
    assert!(
        run.stderr().contains("skipped 1 bad row(s)"),
        "{}",
        run.stderr()
    );
}

/// Item 19: whether a near-limit sum overflowed depended on the order in which blocks were
/// merged. Now charges and credits are summed apart in 128 bits and the 28-digit limit is
/// checked on the net: the verdict is the same in every order and equals a sequential fold.
#[test]
fn scale_a_near_limit_sum_has_one_verdict_in_every_order() {
    let big = "70000000000000000000000000000";
    let mut text = HEADER.to_string();
    for cost in [big, big, &format!("-{big}"), "0.5", "-0.5"] {
        text.push_str(&format!("2026-10-01,p1,a,db,s1,r,1,RU,{cost}\n"));
    }
    let args = [
        "report",
        "near.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "csv",
    ];
    let sequential = Workdir::new();
    sequential.create("near.csv", &text);
    let expected = sequential.run(&args).ok();
    assert!(expected.contains(&format!(",{big},")), "{expected}");
    for _ in 0..6 {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", "40");
        work.create("near.csv", &text);
        assert_eq!(work.run(&args).ok(), expected);
    }
}

/// Item 23: `--on-overlap latest` replaced whole days, so a project the later file did not
/// have on those days vanished without a word. Now a warning names the projects and days.
#[test]
fn scale_latest_names_projects_replaced_by_nothing() {
    let work = Workdir::new();
    let mut early = HEADER.to_string();
    let mut late = HEADER.to_string();
    for day in 1..=9 {
        early.push_str(&format!("2026-10-0{day},p1,a,db,s1,r,1,RU,1\n"));
        early.push_str(&format!("2026-10-0{day},p2,b,db,s1,r,1,RU,2\n"));
        early.push_str(&format!("2026-10-0{day},p3,c,db,s1,r,1,RU,2\n"));
        late.push_str(&format!("2026-10-0{day},p1,a,db,s1,r,1,RU,1\n"));
    }
    early.push_str("2026-10-10,p2,b,db,s1,r,1,RU,2\n");
    work.create("a-early.csv", early);
    work.create("b-late.csv", late);
    let run = work.run(&[
        "report",
        "a-early.csv",
        "b-late.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--on-overlap",
        "latest",
    ]);
    run.ok();
    let stderr = run.stderr();
    assert!(
        stderr.contains(
            "b-late.csv has no rows for 2 project(s) that a-early.csv had on 9 of the days it \
             replaces; their rows there are dropped: p2 on 2026-10-01, p2 on 2026-10-02"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("and 8 more"), "{stderr}");
    assert!(!stderr.contains("2026-10-10"), "{stderr}");
}

//! Cron-grade operation (issue 13): quiet output, consistent exit codes, `report --last`,
//! folders walked with `--exclude` and tally's own outputs skipped, pipes of every kind.

use crate::util::{Workdir, fixture};

/// Runs tally and asserts that it wrote nothing at all, on stdout or stderr.
fn assert_silent(work: &Workdir, args: &[&str], code: i32) {
    let run = work.run(args);
    assert_eq!(run.code(), code, "{args:?}\n{}", run.stderr());
    assert_eq!(run.stdout(), "", "stdout of {args:?}");
    assert_eq!(run.stderr(), "", "stderr of {args:?}");
}

#[test]
fn cron_quiet_runs_with_out_are_byte_empty() {
    let work = Workdir::new();
    let console = fixture("console");
    // As of 2026-11-02 the last days of October are provisional: a warning without -q.
    let report = [
        "report",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02",
        "--out",
        "mtd",
    ];
    let loud = work.run(&report);
    assert!(loud.stdout().contains("3,103.46"), "{}", loud.stdout());
    assert!(loud.stderr().contains("provisional"), "{}", loud.stderr());
    assert_silent(&work, &[&report[..], &["-q"]].concat(), 0);
    assert!(work.read("mtd/summary.csv").starts_with("sku,"));
    // Any --format: the files are the output.
    assert_silent(
        &work,
        &[&report[..], &["-q", "--format", "json"]].concat(),
        0,
    );

    // alerts: nothing fired, -q: silence, with or without --out.
    let alerts = [
        "alerts",
        &console,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02",
        "--threshold",
        "5000",
    ];
    assert_silent(&work, &[&alerts[..], &["-q"]].concat(), 0);
    assert_silent(
        &work,
        &[&alerts[..], &["-q", "--out", "alerts"]].concat(),
        0,
    );
    assert!(work.read("alerts/alerts.csv").contains("5000"));
    // One fired: its text still goes to stdout, and nothing to stderr.
    let fired = work.run(
        &[
            &alerts[..],
            &["--threshold", "2500", "-q", "--out", "alerts"],
        ]
        .concat(),
    );
    assert_eq!(fired.code(), 3, "{}", fired.stderr());
    assert!(
        fired.stdout().contains("threshold 2500  FIRED  2026-10-26"),
        "{}",
        fired.stdout()
    );
    assert_eq!(fired.stderr(), "");

    // reconcile: quiet with --out; a flagged row under --fail-on-flag still shows.
    let reconcile = [
        "reconcile",
        &fixture("reconcile"),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--out",
        "rec",
        "-q",
    ];
    assert_silent(&work, &reconcile, 0);
    let flagged = work.run(&[&reconcile[..], &["--fail-on-flag"]].concat());
    assert_eq!(flagged.code(), 3, "{}", flagged.stderr());
    assert!(flagged.stdout().contains("differs"), "{}", flagged.stdout());
}

#[test]
fn cron_an_empty_period_is_quiet_unless_it_fails_the_run() {
    let work = Workdir::new();
    let console = fixture("console");
    // September has no row in the console export.
    let empty = [
        "report",
        &console,
        "--month",
        "2026-09",
        "--as-of",
        "2026-11-02",
        "--out",
        "out",
    ];
    let loud = work.run(&empty);
    assert_eq!(loud.code(), 0);
    assert!(
        loud.stderr().contains("2026-10-01 to 2026-10-31"),
        "{}",
        loud.stderr()
    );
    assert_silent(&work, &[&empty[..], &["-q"]].concat(), 0);
    let failed = work.run(&[&empty[..], &["-q", "--fail-on-empty"]].concat());
    assert_eq!(failed.code(), 1);
    assert_eq!(failed.stdout(), "");
    assert!(
        failed.stderr().starts_with("error: "),
        "{}",
        failed.stderr()
    );
    assert!(
        failed.stderr().contains("--fail-on-empty"),
        "{}",
        failed.stderr()
    );

    let alerts = [
        "alerts",
        &console,
        "--month",
        "2026-09",
        "--as-of",
        "2026-11-02",
        "--threshold",
        "1",
    ];
    assert_silent(&work, &[&alerts[..], &["-q"]].concat(), 0);
    let failed = work.run(&[&alerts[..], &["-q", "--fail-on-empty"]].concat());
    assert_eq!(failed.code(), 1);
    assert!(
        failed.stderr().contains("--fail-on-empty"),
        "{}",
        failed.stderr()
    );
}

#[test]
fn cron_config_files_that_cannot_be_read_are_config_errors() {
    let work = Workdir::new();
    let console = fixture("console");
    // A missing --config or --rates file exits 2 like a bad one (fix the cron line), not 1.
    let run = work.run(&["alerts", &console, "--config", "missing.toml"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("missing.toml: cannot read"),
        "{}",
        run.stderr()
    );
    let run = work.run(&["report", &fixture("tokens"), "--rates", "missing.toml"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("missing.toml: cannot read the rate card"),
        "{}",
        run.stderr()
    );
    // An input that cannot be read stays a data error.
    assert_eq!(work.run(&["report", "missing.csv"]).code(), 1);
    assert_eq!(work.run(&["inspect", "missing.csv"]).code(), 1);
}

/// The cost of the console fixture's rows dated `from` to `to` (inclusive), summed here from
/// the CSV itself.
fn console_cost(from: &str, to: &str) -> rust_decimal::Decimal {
    let text = std::fs::read_to_string(fixture("console/usage-2026-10.csv")).unwrap();
    let rows = crate::util::records(text.trim_start_matches('\u{feff}'));
    let cost = rows[0].iter().position(|h| h == "Cost (USD)").unwrap();
    rows[1..]
        .iter()
        .filter(|row| (from..=to).contains(&row[0].as_str()))
        .map(|row| row[cost].parse::<rust_decimal::Decimal>().unwrap())
        .sum()
}

#[test]
fn cron_report_last_days_ends_on_the_as_of_day() {
    let work = Workdir::new();
    let console = fixture("console");
    let total = |args: &[&str]| -> (serde_json::Value, String) {
        let json: serde_json::Value = serde_json::from_str(
            &work
                .run(&[&["report", &console, "--format", "json", "-q"][..], args].concat())
                .ok(),
        )
        .unwrap();
        let total = json["total"].as_str().unwrap().to_string();
        (json, total)
    };
    // As in alerts: the 7 days ending on the as-of day, that day included, whatever the time.
    let (json, seven) = total(&["--last", "7d", "--as-of", "2026-10-20T10:00Z"]);
    assert_eq!(
        (json["from"].as_str(), json["to"].as_str()),
        (Some("2026-10-14"), Some("2026-10-20"))
    );
    assert_eq!(seven, console_cost("2026-10-14", "2026-10-20").to_string());
    assert_eq!(seven, "681.34650069");
    let (_, same) = total(&[
        "--from",
        "2026-10-14",
        "--to",
        "2026-10-20",
        "--as-of",
        "2026-10-20T10:00Z",
    ]);
    assert_eq!(same, seven);
    // 30 days ending on the 5th of November reach back to October 7th; the fixture ends on
    // the 31st.
    let (json, thirty) = total(&["--last", "30d", "--as-of", "2026-11-05"]);
    assert_eq!(json["from"].as_str(), Some("2026-10-07"));
    assert_eq!(thirty, console_cost("2026-10-07", "2026-10-31").to_string());
    // 1d is the as-of day alone.
    let (_, one) = total(&["--last", "1d", "--as-of", "2026-10-09"]);
    assert_eq!(one, console_cost("2026-10-09", "2026-10-09").to_string());
    // A window and a month (or --from) together are a usage error, as is a bad length.
    for bad in [
        &["--last", "7d", "--month", "2026-10"][..],
        &["--last", "7d", "--from", "2026-10-01"],
        &["--last", "0d"],
        &["--last", "7"],
    ] {
        let run = work.run(&[&["report", &console][..], bad].concat());
        assert_eq!(run.code(), 2, "{bad:?}: {}", run.stderr());
    }
}

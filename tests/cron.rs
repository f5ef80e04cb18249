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

/// `total` and the manifest's `skipped` list of `report DIR --out OUT` (as of 2026-11-10).
fn report_total(work: &Workdir, input: &str, extra: &[&str]) -> (String, serde_json::Value) {
    let args = [
        &[
            "report",
            input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
        ][..],
        &["--out", "result", "-q"],
        extra,
    ]
    .concat();
    let run = work.run(&args);
    assert_eq!(run.code(), 0, "{args:?}\n{}", run.stderr());
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("result/manifest.json")).unwrap();
    std::fs::remove_dir_all(work.path().join("result")).unwrap();
    (
        manifest["total"].as_str().unwrap().to_string(),
        manifest["skipped"].clone(),
    )
}

fn skipped_paths(skipped: &serde_json::Value) -> Vec<(String, String)> {
    skipped
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn cron_a_folder_holding_earlier_outputs_gives_the_same_totals() {
    let work = Workdir::new();
    let console = std::fs::read(fixture("console/usage-2026-10.csv")).unwrap();
    work.create("in/usage.csv", &console);
    // A bad row (skipped under --skip-bad-rows, so that rejects.csv is written), no cost.
    work.create(
        "in/extra.csv",
        "date,sku,cost\n2026-10-05,Backup,0.50\nnot-a-date,Backup,1\n",
    );
    let (before, skipped) = report_total(&work, "in", &["--skip-bad-rows"]);
    assert_eq!(before, "3103.95954429"); // the console's 3103.45954429 plus 0.50
    assert_eq!(skipped, serde_json::json!([]));

    // Every output of report (by day, so daily.csv has rows of its own), alerts and reconcile
    // inside the input folder, as a cron job writing next to its downloads would leave them.
    let month = ["--month", "2026-10", "--as-of", "2026-11-10"];
    let runs: [&[&str]; 4] = [
        &[
            "report",
            "in",
            "--by",
            "service,sku",
            "--period",
            "day",
            "--out",
            "in/reports",
            "--skip-bad-rows",
        ],
        &[
            "report",
            "in",
            "--by",
            "currency",
            "--out",
            "in/by-currency",
            "--skip-bad-rows",
        ],
        &[
            "alerts",
            "in",
            "--by",
            "project",
            "--threshold",
            "10",
            "--out",
            "in/alerts",
            "--skip-bad-rows",
        ],
        &["reconcile", &fixture("reconcile"), "--out", "in/reconcile"],
    ];
    for args in runs {
        let run = work.run(&[args, &month[..], &["-q"]].concat());
        assert!(matches!(run.code(), 0 | 3), "{args:?}: {}", run.stderr());
    }
    assert!(work.path().join("in/reports/rejects.csv").exists());
    let (after, skipped) = report_total(&work, "in", &["--skip-bad-rows"]);
    assert_eq!(after, before);
    let skipped = skipped_paths(&skipped);
    let names: Vec<&str> = skipped.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        names,
        [
            "in/alerts/alerts.csv",
            "in/alerts/alerts.json",
            "in/alerts/rejects.csv",
            "in/by-currency/daily.csv",
            "in/by-currency/manifest.json",
            "in/by-currency/rejects.csv",
            "in/by-currency/summary.csv",
            "in/reconcile/manifest.json",
            "in/reconcile/reconcile.csv",
            "in/reconcile/reconcile.json",
            "in/reports/daily.csv",
            "in/reports/manifest.json",
            "in/reports/rejects.csv",
            "in/reports/summary.csv",
        ]
    );
    assert!(
        skipped
            .iter()
            .all(|(_, reason)| reason.starts_with("written by tally ("))
    );
    assert_eq!(
        skipped[10].1,
        "written by tally (daily.csv of tally report)"
    );
    // Recognised by content, not name: renamed, an output is still skipped; a usage export
    // named like an output is still read.
    std::fs::rename(
        work.path().join("in/reports/summary.csv"),
        work.path().join("in/reports/sum.csv"),
    )
    .unwrap();
    work.create("in/daily.csv", "date,sku,cost\n2026-10-06,Backup,0.25\n");
    let (renamed, skipped) = report_total(&work, "in", &["--skip-bad-rows"]);
    assert_eq!(renamed, "3104.20954429");
    assert!(
        skipped_paths(&skipped)
            .iter()
            .any(|(path, _)| path == "in/reports/sum.csv")
    );
    // A line on stderr for each, unless quiet.
    let loud = work.run(&[
        "report",
        "in",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--skip-bad-rows",
    ]);
    assert!(
        loud.stderr().contains("warning: in/alerts/alerts.json: skipped: written by tally (alerts.json of tally alerts)"),
        "{}",
        loud.stderr()
    );
}

#[test]
fn cron_an_unzipped_export_is_read_as_that_export() {
    let work = Workdir::new();
    let zip_path = fixture("export/cost-usage-export-2026-10.zip");
    work.unzip(&zip_path, "export");
    let (zip_total, _) = report_total(&work, &zip_path, &[]);
    assert_eq!(zip_total, "3203.45954429");
    let (total, skipped) = report_total(&work, "export", &[]);
    assert_eq!(total, zip_total);
    assert_eq!(skipped, serde_json::json!([]));
    // One input, its parts listed with their rows as the zip's are.
    let run = work.run(&[
        "report",
        "export",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--out",
        "out",
        "-q",
    ]);
    run.ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 1);
    assert_eq!(
        manifest["inputs"][0]["kind"],
        "cost-usage-export-folder (focus-csv)"
    );
    assert_eq!(
        manifest["inputs"][0]["members"],
        serde_json::json!([
            {"name": "part-1-of-3.csv", "rows_read": 285},
            {"name": "part-2-of-3.csv", "rows_read": 285},
            {"name": "part-3-of-3.csv", "rows_read": 284}
        ])
    );
    // Checked as the zip is: rows per part, and the complete set of parts.
    let manifest = work.read("export/manifest.json");
    work.create(
        "export/manifest.json",
        manifest.replace("\"rows\": 284", "\"rows\": 283"),
    );
    let stderr = work
        .run(&[
            "report",
            "export",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
        ])
        .fails();
    assert!(
        stderr.contains("export: part-3-of-3.csv holds 284 rows but manifest.json says 283"),
        "{stderr}"
    );
    work.create("export/manifest.json", manifest);
    std::fs::remove_file(work.path().join("export/part-2-of-3.csv")).unwrap();
    let stderr = work
        .run(&[
            "report",
            "export",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
        ])
        .fails();
    assert!(stderr.contains("incomplete"), "{stderr}");
    assert!(!stderr.contains("usage object"), "{stderr}");
}

#[test]
fn cron_exclude_leaves_files_out_and_the_manifest_says_so() {
    let work = Workdir::new();
    let console = std::fs::read(fixture("console/usage-2026-10.csv")).unwrap();
    work.create("in/usage.csv", &console);
    work.create(
        "in/old/september.csv",
        "date,sku,cost\n2026-10-03,Backup,7.00\n",
    );
    work.create(
        "in/new/extra.bak.csv",
        "date,sku,cost\n2026-10-04,Backup,9.00\n",
    );
    let (all, _) = report_total(&work, "in", &[]);
    assert_eq!(all, "3119.45954429"); // 3103.45954429 + 7 + 9
    // Relative to the folder given; `**` crosses folders, `*` does not.
    let (total, skipped) = report_total(&work, "in", &["--exclude", "old/**"]);
    assert_eq!(total, "3112.45954429");
    assert_eq!(
        skipped_paths(&skipped),
        [(
            "in/old/september.csv".to_string(),
            "--exclude old/**".to_string()
        )]
    );
    // A folder's name leaves the whole folder out; a file's name matches wherever it lies.
    let (total, skipped) =
        report_total(&work, "in", &["--exclude", "old", "--exclude", "*.bak.csv"]);
    assert_eq!(total, "3103.45954429");
    assert_eq!(
        skipped_paths(&skipped),
        [
            (
                "in/new/extra.bak.csv".to_string(),
                "--exclude *.bak.csv".to_string()
            ),
            ("in/old".to_string(), "--exclude old".to_string()),
        ]
    );
    // A file named on the command line is read whatever --exclude says.
    let (total, _) = report_total(&work, "in/old/september.csv", &["--exclude", "*.csv"]);
    assert_eq!(total, "7.00");
    // The same option on alerts, reconcile and inspect; a bad glob is a usage error.
    for command in ["alerts", "reconcile", "inspect"] {
        let run = work.run(&[command, "in", "--exclude", "a["]);
        assert_eq!(run.code(), 2, "{command}: {}", run.stderr());
    }
    let inspect = work
        .run(&["inspect", "in", "--exclude", "old", "--exclude", "new"])
        .ok();
    assert!(
        inspect.contains("in/usage.csv") && !inspect.contains("september"),
        "{inspect}"
    );
}

/// Runs tally with `input` written to its stdin (from a thread: a pipe holds only so much).
fn run_piped(args: &[&str], input: Vec<u8>, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running tally");
    let mut stdin = child.stdin.take().unwrap();
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

/// The JSON total of a report over everything up to the end of 2026.
fn piped_total(
    input: &str,
    stdin: Option<Vec<u8>>,
    fifo: Option<(&std::path::Path, Vec<u8>)>,
) -> String {
    let args = [
        "report",
        input,
        "--from",
        "2000-01-01",
        "--to",
        "2026-12-31",
        "--as-of",
        "2027-01-10",
        "--format",
        "json",
        "-q",
    ];
    // A FIFO is written from a thread once tally opens it for reading.
    let writer = fifo.map(|(path, bytes)| {
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let mut fifo = std::fs::OpenOptions::new().write(true).open(path).unwrap();
            let _ = std::io::Write::write_all(&mut fifo, &bytes);
        })
    });
    let (code, stdout, stderr) = run_piped(&args, stdin.unwrap_or_default(), &[]);
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    assert_eq!(code, 0, "{input}: {stderr}");
    assert_eq!(stderr, "", "{input}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    json["total"].as_str().unwrap().to_string()
}

#[cfg(unix)]
#[test]
fn cron_every_input_kind_reads_from_stdin_and_a_fifo() {
    let work = Workdir::new();
    let console = fixture("console/usage-2026-10.csv");
    let gzip = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &std::fs::read(&console).unwrap()).unwrap();
        work.create("usage.csv.gz", encoder.finish().unwrap())
    };
    let kinds = [
        ("console CSV", console.clone()),
        ("FOCUS CSV", fixture("focus-sample/focus_sample.csv")),
        ("gzip", gzip),
        (
            "zip export",
            fixture("export/cost-usage-export-2026-10.zip"),
        ),
        ("token JSONL", fixture("tokens/2026-10.jsonl")),
        (
            "Parquet",
            fixture("parquet/azure/part_1_0001.snappy.parquet"),
        ),
    ];
    for (i, (kind, path)) in kinds.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let direct = piped_total(path, None, None);
        assert_eq!(
            piped_total("-", Some(bytes.clone()), None),
            direct,
            "{kind} on -"
        );
        assert_eq!(
            piped_total("/dev/stdin", Some(bytes.clone()), None),
            direct,
            "{kind} on /dev/stdin"
        );
        let fifo = work.path().join(format!("fifo-{i}"));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let name = fifo.display().to_string();
        assert_eq!(
            piped_total(&name, None, Some((&fifo, bytes))),
            direct,
            "{kind} on a FIFO"
        );
    }
    // The totals the fixtures' READMEs give, for the two that have one.
    assert_eq!(piped_total(&console, None, None), "3103.45954429");
}

#[test]
fn cron_a_pipe_larger_than_the_spool_limit_is_refused_by_name() {
    let zip = std::fs::read(fixture("export/cost-usage-export-2026-10.zip")).unwrap();
    let args = ["report", "-", "--month", "2026-10", "--as-of", "2026-11-10"];
    let limit = (zip.len() - 1).to_string();
    let (code, stdout, stderr) =
        run_piped(&args, zip.clone(), &[("TALLY_SPOOL_LIMIT", limit.as_str())]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!(
            "-: a zip export from a pipe is copied to a temporary file to be read (it needs \
             seeking), up to {limit} bytes; this one is larger"
        )),
        "{stderr}"
    );
    // Exactly the limit is enough.
    let limit = zip.len().to_string();
    let (code, _, stderr) = run_piped(&args, zip, &[("TALLY_SPOOL_LIMIT", limit.as_str())]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn cron_inspect_reads_every_kind_from_stdin() {
    let kinds = [
        fixture("console/usage-2026-10.csv"),
        fixture("focus-sample/focus_sample.csv"),
        fixture("export/cost-usage-export-2026-10.zip"),
        fixture("tokens/2026-10.jsonl"),
        fixture("parquet/azure/part_1_0001.snappy.parquet"),
    ];
    for path in kinds {
        let described = |input: &str, stdin: Vec<u8>| -> serde_json::Value {
            let (code, stdout, stderr) =
                run_piped(&["inspect", input, "--format", "json"], stdin, &[]);
            assert_eq!(code, 0, "{input}: {stderr}");
            let mut json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            json["inputs"][0]["name"] = serde_json::Value::Null;
            json
        };
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            described("-", bytes),
            described(&path, Vec::new()),
            "{path}"
        );
    }
}

/// The fenced block of `docs/cron.md` that follows the line starting with `after`.
fn doc_block(doc: &str, after: &str) -> String {
    let start = doc
        .find(after)
        .unwrap_or_else(|| panic!("docs/cron.md lacks {after:?}"));
    let rest = &doc[start..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

/// docs/cron.md's "Try the jobs on the fixtures", run as written (its folder moved into a
/// scratch one), prints what the page says it prints.
#[cfg(unix)]
#[test]
fn cron_the_documented_recipe_runs_as_written() {
    let doc = std::fs::read_to_string(crate::util::repo().join("docs/cron.md")).unwrap();
    let work = Workdir::new();
    let scratch = work.path().join("finops").display().to_string();
    let script =
        doc_block(&doc, "### Try the jobs on the fixtures").replace("/tmp/finops", &scratch);
    let expected = doc_block(&doc, "prints only");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_tally"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(crate::util::repo())
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        expected,
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(work.path().join("finops/reports/mtd/summary.csv").exists());
}

/// A cron run that fails for want of data (`--fail-on-empty`) must not replace the last good
/// `--out` set with empty files: report, alerts and reconcile leave the folder as it was.
#[test]
fn cron_a_run_failing_on_empty_keeps_the_previous_outputs() {
    let work = Workdir::new();
    let console = crate::util::fixture("console");
    let tokens = crate::util::fixture("tokens/2026-10.jsonl");
    let commands: [(&str, Vec<&str>); 3] = [
        ("report", vec![&console, "--by", "service"]),
        ("alerts", vec![&console, "--threshold", "100000"]),
        ("reconcile", vec![&console, &tokens]),
    ];
    for (command, inputs) in commands {
        let out = format!("out-{command}");
        let run = |month: &str| {
            let mut args = vec![command];
            args.extend(inputs.iter().copied());
            args.extend([
                "--month",
                month,
                "--as-of",
                "2026-11-10T00:00Z",
                "--out",
                &out,
            ]);
            args.extend(["--fail-on-empty", "-q"]);
            work.run(&args)
        };
        run("2026-10").ok();
        let before = snapshot(&work.path().join(&out));
        assert!(!before.is_empty(), "{command}");
        let stderr = run("2026-08").fails();
        assert!(
            stderr.contains("nothing was written"),
            "{command}: {stderr}"
        );
        assert_eq!(snapshot(&work.path().join(&out)), before, "{command}");
    }
}

/// File name → bytes of a folder's files.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// A FIFO named like an input inside a walked folder used to hang the run (opening it waits
/// for a writer) while it held the --out lock. It is skipped and listed; the rest is read.
#[cfg(unix)]
#[test]
fn cron_a_fifo_inside_an_input_folder_is_skipped_not_waited_for() {
    let work = Workdir::new();
    std::fs::create_dir(work.path().join("in")).unwrap();
    std::fs::copy(
        fixture("console/usage-2026-10.csv"),
        work.path().join("in/usage.csv"),
    )
    .unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(work.path().join("in/stray.csv"))
        .status()
        .unwrap();
    assert!(status.success());
    let args = [
        "report",
        "in",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--out",
        "out",
        "-q",
    ];
    let (code, stderr) =
        crate::util::run_within(work.path(), &args, std::time::Duration::from_secs(60))
            .expect("the run hung on the FIFO");
    assert_eq!(code, 0, "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    let skipped = manifest["skipped"].to_string();
    assert!(
        skipped.contains("stray.csv") && skipped.contains("not a regular file"),
        "{skipped}"
    );
}

#[test]
fn cron_a_spool_limit_that_is_not_a_number_is_refused_by_name() {
    // Before: "abc" (or "8G") was silently read as the 4 GiB default.
    let zip = std::fs::read(fixture("export/cost-usage-export-2026-10.zip")).unwrap();
    let args = ["report", "-", "--month", "2026-10", "--as-of", "2026-11-10"];
    for value in ["abc", "8G", "-1", ""] {
        let (code, stdout, stderr) = run_piped(&args, zip.clone(), &[("TALLY_SPOOL_LIMIT", value)]);
        assert_eq!(code, 1, "{value}: {stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains(&format!(
                "TALLY_SPOOL_LIMIT={value}: expected a whole number of bytes"
            )),
            "{value}: {stderr}"
        );
    }
    let (code, _, stderr) = run_piped(&args, zip, &[("TALLY_SPOOL_LIMIT", " 99999999 ")]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn cron_standard_input_given_twice_is_refused() {
    // Before: the second `-` read nothing and was reported as "the file is empty".
    let csv = std::fs::read(fixture("console/usage-2026-10.csv")).unwrap();
    let (code, stdout, stderr) = run_piped(&["report", "-", "-", "--month", "2026-10"], csv, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "-: standard input is given twice; it can be read only once (the second read \
             would find nothing): give `-` once"
        ),
        "{stderr}"
    );
}

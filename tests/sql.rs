//! `tally sql`: the emitted DuckDB query, run by DuckDB over the FOCUS fixtures, gives the same
//! CSV bytes as `tally report --format csv`; the Spark and Trino texts use their dialect's
//! functions; what SQL cannot express is refused with exit 2.

use crate::util::{Workdir, fixture, repo};
use std::process::Command;

/// The Python that has the `duckdb` module: `TALLY_SQL_PYTHON` (scripts/sql-check.sh sets
/// it to its venv), else `python3`. `None` (and a notice) when neither imports duckdb.
fn duckdb_python() -> Option<String> {
    let required = std::env::var("TALLY_SQL_PYTHON").ok();
    let python = required.clone().unwrap_or_else(|| "python3".to_string());
    let works = Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|out| out.status.success());
    // scripts/sql-check.sh names its venv's Python: there the check must run, not skip.
    assert!(
        works || required.is_none(),
        "TALLY_SQL_PYTHON={python} cannot import duckdb"
    );
    if !works {
        eprintln!(
            "NOTICE: skipping the DuckDB equality checks: `{python} -c \"import duckdb\"` fails \
             (scripts/sql-check.sh installs duckdb in a venv and runs them)"
        );
        return None;
    }
    Some(python)
}

/// Runs `tally sql --dialect duckdb` with `args` over `input` in DuckDB and `tally report
/// --format csv` with the same args, and asserts the two CSVs are the same bytes. Returns
/// the report's CSV.
fn same_in_duckdb(python: &str, input: &str, delimiter: &str, args: &[&str]) -> String {
    let work = Workdir::new();
    // An input named with " (no --header)" is queried with FOCUS 1.2's default columns.
    let (input, header) = match input.strip_suffix(" (no --header)") {
        Some(input) => (input, false),
        None => (input, true),
    };
    let mut sql_args = vec!["sql", "--dialect", "duckdb"];
    if header {
        sql_args.extend(["--header", input]);
    }
    if delimiter != "," {
        sql_args.extend(["--delimiter", delimiter]);
    }
    sql_args.extend(args);
    let query = work.run(&sql_args).ok();
    let query_path = work.create("query.sql", &query);
    let out = work.path().join("duckdb.csv");
    let run = Command::new(python)
        .arg(repo().join("scripts/sql_duckdb.py"))
        .args([&query_path, input, &out.display().to_string(), delimiter])
        .output()
        .expect("running python");
    assert!(
        run.status.success(),
        "DuckDB failed on {input} {args:?}:\n{}\n{query}",
        String::from_utf8_lossy(&run.stderr)
    );
    let engine = std::fs::read_to_string(&out).unwrap();
    let mut report_args = vec!["report", input, "--format", "csv", "-q"];
    if delimiter != "," {
        report_args.extend(["--delimiter", delimiter]);
    }
    report_args.extend(args);
    let tally = work.run(&report_args).ok();
    assert_eq!(engine, tally, "{input} {args:?}\n{query}");
    tally
}

#[test]
fn sql_duckdb_equals_report_on_focus_fixtures() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let as_of = ["--as-of", "2026-11-28"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        as_of.iter().copied().chain(extra.iter().copied()).collect()
    };
    let cases: &[(&str, Vec<&str>)] = &[
        (
            "real-world/aws-focus-1.0-2026-10.csv",
            with(&["--month", "2026-10"]),
        ),
        (
            "real-world/aws-focus-1.0-2026-10.csv",
            with(&["--month", "2026-10", "--by", "ChargeCategory,service"]),
        ),
        (
            "real-world/aws-focus-1.0-2026-10.csv",
            with(&[
                "--from",
                "2026-09-01",
                "--to",
                "2026-10-31",
                "--period",
                "month",
            ]),
        ),
        (
            "real-world/aws-focus-1.0-2026-10.csv",
            with(&[
                "--month",
                "2026-10",
                "--by",
                "project,region",
                "--period",
                "week",
            ]),
        ),
        (
            "real-world/aws-focus-1.0-2026-10.csv",
            with(&[
                "--month",
                "2026-10",
                "--by",
                "resource",
                "--cost",
                "effective",
            ]),
        ),
        (
            "real-world/aws-focus-1.0-2026-11.csv",
            with(&[
                "--month",
                "2026-11",
                "--period",
                "day",
                "--by",
                "sku,project",
            ]),
        ),
        (
            "real-world/aws-focus-1.0-2026-11.csv",
            with(&["--last", "30d", "--by", "source,region,assistant"]),
        ),
        (
            "real-world/aws-focus-1.0-2026-11.csv",
            // Provisional days: as of the 28th with a three-day delay, the 25th on is.
            with(&["--month", "2026-11", "--final-only", "--by", "service"]),
        ),
        (
            "real-world/azure-focus-1.0-2026-10.csv",
            with(&[
                "--month",
                "2026-10",
                "--by",
                "service,sku",
                "--period",
                "week",
            ]),
        ),
        (
            "real-world/azure-focus-1.2-2026-10-eur.csv",
            with(&["--month", "2026-10", "--by", "currency,project"]),
        ),
        (
            "real-world/gcp-focus-offsets.csv",
            with(&[
                "--from",
                "2026-09-28",
                "--to",
                "2026-10-05",
                "--period",
                "day",
            ]),
        ),
        (
            "real-world/focus-offset-hhmm.csv",
            with(&["--month", "2026-10", "--period", "day"]),
        ),
        (
            "real-world/focus-exponents.csv",
            with(&["--month", "2026-10", "--by", "sku,resource"]),
        ),
        (
            "real-world/focus-null-spellings.csv",
            with(&["--month", "2026-10", "--by", "project,service,region"]),
        ),
        (
            "real-world/focus-null-spellings.csv",
            with(&[
                "--month",
                "2026-10",
                "--project",
                "SEARCH-PROD",
                "--sku",
                "read units",
            ]),
        ),
        (
            "focus-sample/focus_sample.csv",
            vec![
                "--as-of",
                "2024-10-02T12:00:00Z",
                "--month",
                "2024-09",
                "--by",
                "service,sku",
                "--period",
                "week",
            ],
        ),
        (
            "focus-sample/focus_sample.csv",
            vec![
                "--as-of",
                "2024-10-02",
                "--from",
                "2024-09-20",
                "--to",
                "2024-09-30",
                "--by",
                "project",
                "--service",
                "Compute",
                "--delay-days",
                "5",
            ],
        ),
    ];
    for (input, args) in cases {
        same_in_duckdb(&python, &fixture(input), ",", args);
    }
    // A FOCUS 1.2 export has every column of the default list: no --header needed.
    let eur = fixture("real-world/azure-focus-1.2-2026-10-eur.csv");
    same_in_duckdb(
        &python,
        &format!("{eur} (no --header)"),
        ",",
        &with(&["--month", "2026-10", "--by", "project,sku"]),
    );
    let semicolon = same_in_duckdb(
        &python,
        &fixture("real-world/focus-semicolon.csv"),
        ";",
        &with(&["--month", "2026-10", "--by", "project"]),
    );
    assert!(semicolon.contains("\"search, EMEA\""), "{semicolon}");
    // Final and provisional rows side by side: October as of the 20th (the 17th on is
    // provisional), by day, and by week with a provisional part in a week's figures.
    let provisional = same_in_duckdb(
        &python,
        &fixture("real-world/azure-focus-1.0-2026-10.csv"),
        ",",
        &[
            "--as-of",
            "2026-10-20T08:00:00Z",
            "--month",
            "2026-10",
            "--period",
            "day",
        ],
    );
    same_in_duckdb(
        &python,
        &fixture("real-world/azure-focus-1.0-2026-10.csv"),
        ",",
        &[
            "--as-of",
            "2026-10-20",
            "--period",
            "week",
            "--by",
            "service",
            "--delay-days",
            "1",
        ],
    );
    // Nothing in range: the header alone, from both.
    let empty = same_in_duckdb(
        &python,
        &fixture("real-world/aws-focus-1.0-2026-10.csv"),
        ",",
        &with(&["--month", "2026-08", "--period", "day", "--sku", "O'Brien"]),
    );
    assert_eq!(
        empty,
        "period_start,period_end,sku,unit,quantity,cost,currency,status,provisional_cost\n"
    );
    // The invoice's period instead of the charge's: September's correction counts in October.
    let billing = same_in_duckdb(
        &python,
        &fixture("real-world/aws-focus-1.0-2026-10.csv"),
        ",",
        &with(&[
            "--month",
            "2026-10",
            "--date-basis",
            "billing",
            "--by",
            "ChargeCategory",
        ]),
    );
    assert!(billing.contains("Adjustment,"), "{billing}");
    assert!(provisional.contains(",provisional,"), "{provisional}");
    assert!(provisional.contains(",final,"), "{provisional}");
}

#[test]
fn sql_duckdb_stops_at_rows_tally_refuses() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let work = Workdir::new();
    for (input, expected) in [
        (
            "real-world/refuse-null-billedcost.csv",
            "BilledCost is null",
        ),
        (
            "real-world/refuse-null-currency.csv",
            "BillingCurrency is null",
        ),
    ] {
        let input = fixture(input);
        let query = work
            .run(&[
                "sql",
                "--dialect",
                "duckdb",
                "--header",
                &input,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
            ])
            .ok();
        let query_path = work.create("query.sql", &query);
        let out = work.path().join("out.csv").display().to_string();
        let run = Command::new(&python)
            .arg(repo().join("scripts/sql_duckdb.py"))
            .args([&query_path, &input, &out])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{input}");
        assert!(stderr.contains(expected), "{input}: {stderr}");
    }
    // Days tally cannot read: an hour out of range, a date in another shape.
    for bad in [
        "2026-10-01T24:00:00Z",
        "2026/10/01",
        "2026-10-01T10:61Z",
        "2026-02-30",
    ] {
        let input = work.create(
            "bad-day.csv",
            format!("BilledCost,BillingCurrency,ChargePeriodStart,SkuId\n1.00,USD,{bad},A\n"),
        );
        let report = work.run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ]);
        assert_eq!(report.code(), 1, "{bad}: tally reads it");
        let query = work
            .run(&[
                "sql",
                "--dialect",
                "duckdb",
                "--header",
                &input,
                "--month",
                "2026-10",
                "--as-of",
                "2026-11-28",
            ])
            .ok();
        let query_path = work.create("query.sql", &query);
        let out = work.path().join("out.csv").display().to_string();
        let run = Command::new(&python)
            .arg(repo().join("scripts/sql_duckdb.py"))
            .args([&query_path, &input, &out])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("is not a date"), "{bad}: {stderr}");
    }
    // Two currencies without --by currency: the report's refusal, from the engine.
    let input = work.create(
        "two.csv",
        "BilledCost,BillingCurrency,ChargePeriodStart,SkuId\n\
         1.00,USD,2026-10-01T00:00:00Z,A\n\
         2.00,EUR,2026-10-02T00:00:00Z,A\n",
    );
    let query = work
        .run(&[
            "sql",
            "--dialect",
            "duckdb",
            "--header",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ])
        .ok();
    let query_path = work.create("query.sql", &query);
    let out = work.path().join("out.csv").display().to_string();
    let run = Command::new(&python)
        .arg(repo().join("scripts/sql_duckdb.py"))
        .args([&query_path, &input, &out])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("several currencies"), "{stderr}");
    // A cost with more decimals than the scale holds stops the query: never rounded.
    let input = work.create(
        "fine.csv",
        "BilledCost,BillingCurrency,ChargePeriodStart,SkuId\n\
         0.123456789,USD,2026-10-01T00:00:00Z,A\n",
    );
    let query = work
        .run(&[
            "sql",
            "--dialect",
            "duckdb",
            "--header",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--scale",
            "4",
        ])
        .ok();
    let query_path = work.create("query.sql", &query);
    let out = work.path().join("out.csv").display().to_string();
    let run = Command::new(&python)
        .arg(repo().join("scripts/sql_duckdb.py"))
        .args([&query_path, &input, &out])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("has more than 4 decimals"),
        "{stderr}\n{query}"
    );
}

#[test]
fn sql_refuses_what_it_cannot_express() {
    let work = Workdir::new();
    for (args, expected) in [
        (vec!["--by", "tag:team"], "cannot express tags"),
        (vec!["--tag", "team=search"], "cannot express tags"),
        (vec!["--spread-charges"], "--spread-charges"),
        (vec!["--by", "NoSuchColumn"], "no such column"),
        (vec!["--scale", "1"], "--scale 1"),
        (vec!["--table", "x; DROP TABLE y"], "--table"),
    ] {
        let mut all = vec![
            "sql",
            "--dialect",
            "trino",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ];
        all.extend(&args);
        let run = work.run(&all);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(run.stdout().is_empty(), "{args:?}");
        assert!(
            run.stderr().contains(expected),
            "{args:?}: {}",
            run.stderr()
        );
    }
}

#[test]
fn sql_dialects_use_their_own_functions() {
    let work = Workdir::new();
    let text = |dialect: &str| {
        work.run(&[
            "sql",
            "--dialect",
            dialect,
            "--table",
            "billing.focus",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--period",
            "month",
            "--by",
            "sku,project",
        ])
        .ok()
    };
    let (duckdb, spark, trino) = (text("duckdb"), text("spark"), text("trino"));
    for query in [&duckdb, &spark, &trino] {
        assert!(query.contains("FROM billing.focus\n"), "{query}");
        assert!(query.contains("DECIMAL(38, 16)"), "{query}");
        assert!(
            query.contains("day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
            "{query}"
        );
        // As of the 28th with a three-day delay, the 25th is the first provisional day.
        assert!(
            query.contains("WHEN period_end >= DATE '2026-11-25' THEN 'provisional'"),
            "{query}"
        );
        // No backslash anywhere: Spark would read it as an escape.
        assert!(!query.contains("\\\\"), "{query}");
    }
    // Quoting of identifiers, the text type, the month's end, errors and back-references.
    assert!(duckdb.contains("CAST(\"SkuMeter\" AS VARCHAR)"));
    assert!(spark.contains("CAST(`SkuMeter` AS STRING)"));
    assert!(trino.contains("CAST(\"SkuMeter\" AS VARCHAR)"));
    assert!(duckdb.contains("last_day(day)") && spark.contains("last_day(day)"));
    assert!(trino.contains("last_day_of_month(day)"));
    assert!(duckdb.contains("CAST(date_trunc('month', day) AS DATE)"));
    assert!(spark.contains("CAST(date_trunc('MONTH', day) AS DATE)"));
    assert!(duckdb.contains("CAST(error('bad row: '"));
    assert!(spark.contains("CAST(raise_error('bad row: '"));
    assert!(trino.contains("CAST(fail('bad row: '"));
    assert!(duckdb.contains("0+$', '\\1')"));
    assert!(spark.contains("0+$', '$1')") && trino.contains("0+$', '$1')"));
    // The UTC day: a day shifted by the offset's sign, each engine's date arithmetic.
    assert!(duckdb.contains("(TRY_CAST(s_date AS DATE) + CAST(CASE WHEN (s_hour"));
    assert!(spark.contains("date_add(TRY_CAST(s_date AS DATE), CASE WHEN (s_hour"));
    assert!(trino.contains("date_add('day', CASE WHEN (s_hour"));
    // Weeks: ISO weeks from Monday, six days added per dialect.
    let week = |dialect: &str| {
        work.run(&[
            "sql",
            "--dialect",
            dialect,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--period",
            "week",
        ])
        .ok()
    };
    assert!(week("trino").contains("date_add('day', 6, CAST(date_trunc('week', day) AS DATE))"));
    assert!(week("spark").contains("date_add(CAST(date_trunc('WEEK', day) AS DATE), 6)"));
}

/// A made-up FOCUS file with what real ones rarely hold all at once: keys that sort differently
/// by bytes than by letters (case, accents, padding, null spellings), amounts with up to 12
/// decimals, negatives, exponents, and offsets that move a row across midnight (UTC).
fn generated_focus(rows: usize) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let skus = [
        "alpha", "Alpha", "beta", "Écu", "ecu", "zeta", "", "NULL", " padded ",
    ];
    let projects = ["p1", "P1", "ß-team", "", "null", "search, EMEA", "q\"uote"];
    let regions = ["us-east-1", "eu-west-1", "", "ap-south-1"];
    let offsets = ["Z", "+05:30", "-07:00", "+0530", "", "-11", "+14:00"];
    let mut text = String::from(
        "BilledCost,BillingCurrency,ChargeCategory,ChargePeriodStart,ConsumedQuantity,\
         ConsumedUnit,RegionId,SkuId,SubAccountId,SubAccountName\n",
    );
    for _ in 0..rows {
        let day = 1 + next(31);
        let hour = next(24);
        let offset = offsets[next(offsets.len() as u64) as usize];
        let scale = next(13) as u32;
        let mantissa = next(2_000_000) as i64 - 500_000;
        let mut cost = rust_decimal::Decimal::new(mantissa, scale).to_string();
        if next(10) == 0 {
            // The same value in the FOCUS exponent form.
            cost = format!("{mantissa}E-{scale}");
        }
        let quantity = match next(4) {
            0 => "NULL".to_string(),
            _ => rust_decimal::Decimal::new(next(10_000_000) as i64, next(8) as u32).to_string(),
        };
        let sku = skus[next(skus.len() as u64) as usize];
        let project = projects[next(projects.len() as u64) as usize];
        let project_id = if next(2) == 0 { "id-7" } else { "" };
        let region = regions[next(regions.len() as u64) as usize];
        let unit = ["GB", "", "Hrs"][next(3) as usize];
        let csv = |v: &str| {
            if v.contains([',', '"']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_string()
            }
        };
        text.push_str(&format!(
            "{cost},USD,Usage,2026-10-{day:02}T{hour:02}:30:00{offset},{quantity},{unit},{},{},{},{}\n",
            csv(region),
            csv(sku),
            project_id,
            csv(project)
        ));
    }
    text
}

#[test]
fn sql_duckdb_equals_report_on_generated_focus() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let work = Workdir::new();
    let input = work.create("generated.csv", generated_focus(600));
    for args in [
        &["--month", "2026-10", "--by", "sku,project,region"][..],
        &["--month", "2026-10", "--by", "project", "--period", "day"],
        &[
            "--from",
            "2026-09-30",
            "--to",
            "2026-10-20",
            "--by",
            "region,sku",
            "--period",
            "week",
        ],
        &[
            "--month",
            "2026-10",
            "--by",
            "SubAccountName",
            "--project",
            "p1",
        ],
    ] {
        let mut all = vec!["--as-of", "2026-10-27T06:00:00Z"];
        all.extend(args);
        let csv = same_in_duckdb(&python, &input, ",", &all);
        assert!(csv.lines().count() >= 3, "{args:?}: {csv}");
    }
    // The first set sorts bytes, not letters: "Alpha" before "alpha" before "Écu".
    let csv = same_in_duckdb(
        &python,
        &input,
        ",",
        &[
            "--as-of",
            "2026-10-27T06:00:00Z",
            "--month",
            "2026-10",
            "--by",
            "sku",
        ],
    );
    let skus: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    for pair in [("Alpha", "alpha"), ("alpha", "ecu"), ("zeta", "Écu")] {
        let at = |sku: &str| {
            skus.iter()
                .position(|s| *s == sku)
                .unwrap_or_else(|| panic!("{sku}: {csv}"))
        };
        assert!(at(pair.0) < at(pair.1), "{pair:?}: {csv}");
    }
    assert!(csv.contains(",provisional,"), "{csv}");
}

/// Exports `inputs` (every row) once into `dir`, then for each option set runs `tally sql
/// --dialect duckdb --dataset` in DuckDB and asserts its CSV is the bytes of `tally report
/// --format csv` over the original inputs.
fn same_over_dataset(python: &str, inputs: &[String], cases: &[Vec<&str>]) {
    let work = Workdir::new();
    let dir = work.path().join("rows").display().to_string();
    let mut export = vec!["export", "--format", "parquet", &dir, "-q"];
    export.extend(inputs.iter().map(String::as_str));
    work.run(&export).ok();
    for args in cases {
        let mut sql_args = vec!["sql", "--dialect", "duckdb", "--dataset", &dir];
        sql_args.extend(args);
        let query = work.run(&sql_args).ok();
        let query_path = work.create("query.sql", &query);
        let out = work.path().join("duckdb.csv");
        let run = Command::new(python)
            .arg(repo().join("scripts/sql_duckdb.py"))
            .args([&query_path, "-", &out.display().to_string()])
            .output()
            .expect("running python");
        assert!(
            run.status.success(),
            "DuckDB failed on {inputs:?} {args:?}:\n{}\n{query}",
            String::from_utf8_lossy(&run.stderr)
        );
        let engine = std::fs::read_to_string(&out).unwrap();
        let mut report_args = vec!["report", "--format", "csv", "-q"];
        report_args.extend(inputs.iter().map(String::as_str));
        report_args.extend(args);
        let tally = work.run(&report_args).ok();
        assert!(tally.lines().count() > 1, "{inputs:?} {args:?}: no rows");
        assert_eq!(engine, tally, "{inputs:?} {args:?}\n{query}");
    }
}

#[test]
fn sql_dataset_duckdb_equals_report_on_exported_focus() {
    let Some(python) = duckdb_python() else {
        return;
    };
    // October and November: two partitions; November's last days provisional at the as-of.
    let inputs = [
        fixture("real-world/aws-focus-1.0-2026-10.csv"),
        fixture("real-world/aws-focus-1.0-2026-11.csv"),
    ];
    let cases: Vec<Vec<&str>> = vec![
        vec!["--as-of", "2026-11-28", "--month", "2026-10"],
        vec![
            "--as-of",
            "2026-11-28",
            "--from",
            "2026-10-15",
            "--to",
            "2026-11-20",
            "--by",
            "service,sku",
            "--period",
            "week",
        ],
        vec![
            "--as-of",
            "2026-11-28",
            "--month",
            "2026-11",
            "--period",
            "day",
            "--by",
            "project,region",
        ],
        vec![
            "--as-of",
            "2026-11-28",
            "--month",
            "2026-11",
            "--final-only",
            "--by",
            "resource",
        ],
        vec![
            "--as-of",
            "2026-11-28T12:00:00Z",
            "--from",
            "2026-09-01",
            "--to",
            "2026-11-28",
            "--period",
            "month",
            "--by",
            "currency,source",
            "--delay-days",
            "5",
        ],
    ];
    same_over_dataset(&python, &inputs, &cases);
}

#[test]
fn sql_dataset_duckdb_equals_report_with_filters_and_other_inputs() {
    let Some(python) = duckdb_python() else {
        return;
    };
    // A FOCUS sample, null spellings, exponents: the rows as tally normalized them.
    same_over_dataset(
        &python,
        &[fixture("focus-sample/focus_sample.csv")],
        &[
            vec![
                "--as-of",
                "2024-10-02",
                "--from",
                "2024-09-20",
                "--to",
                "2024-09-30",
                "--by",
                "project",
                "--service",
                "Compute",
                "--delay-days",
                "5",
            ],
            vec![
                "--as-of",
                "2024-10-02T12:00:00Z",
                "--month",
                "2024-09",
                "--by",
                "service,sku",
                "--period",
                "week",
            ],
        ],
    );
    same_over_dataset(
        &python,
        &[fixture("real-world/focus-null-spellings.csv")],
        &[
            vec![
                "--as-of",
                "2026-11-28",
                "--month",
                "2026-10",
                "--by",
                "project,service,region",
            ],
            vec![
                "--as-of",
                "2026-11-28",
                "--month",
                "2026-10",
                "--project",
                "SEARCH-PROD",
                "--sku",
                "read units",
            ],
        ],
    );
    // A usage CSV (not FOCUS) and a Parquet export: the dataset is tally's rows, whatever the
    // input was.
    same_over_dataset(
        &python,
        &[fixture("console/usage-2026-10.csv")],
        &[vec![
            "--as-of",
            "2026-11-02",
            "--month",
            "2026-10",
            "--by",
            "project,sku",
            "--period",
            "day",
        ]],
    );
    same_over_dataset(
        &python,
        &[fixture("parquet/aws/focus")],
        &[vec![
            "--as-of",
            "2026-11-28",
            "--from",
            "2026-09-01",
            "--to",
            "2026-10-31",
            "--by",
            "service",
            "--period",
            "month",
        ]],
    );
}

#[test]
fn sql_dataset_needs_a_table_for_trino_and_the_datasets_scale() {
    let work = Workdir::new();
    let dir = work.path().join("rows").display().to_string();
    let input = fixture("focus-sample/focus_sample.csv");
    work.run(&["export", &dir, &input, "--scale", "20", "-q"])
        .ok();
    let month = ["--month", "2024-09", "--as-of", "2024-10-30"];
    let mut args = vec!["sql", "--dialect", "trino", "--dataset", &dir];
    args.extend(month);
    let err = work.run(&args).stderr();
    assert!(err.contains("needs --table NAME"), "{err}");
    // The manifest says DECIMAL(38, 20): a query at 16 would round.
    let mut args = vec!["sql", "--dialect", "duckdb", "--dataset", &dir];
    args.extend(month);
    let run = work.run(&args);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("pass --scale 20 or more"),
        "{}",
        run.stderr()
    );
    args.extend(["--scale", "20"]);
    let query = work.run(&args).ok();
    assert!(
        query.contains("CAST(\"cost\" AS DECIMAL(38, 20)) AS cost"),
        "{query}"
    );
    // Spark reads the folder; Trino the table named.
    let spark = work
        .run(&[
            "sql",
            "--dialect",
            "spark",
            "--dataset",
            "s3://bucket/rows",
            "--scale",
            "20",
        ])
        .ok();
    assert!(spark.contains("FROM parquet.`s3://bucket/rows`"), "{spark}");
    let trino = work
        .run(&[
            "sql",
            "--dialect",
            "trino",
            "--dataset",
            "s3://b/rows",
            "--table",
            "billing.tally_rows",
        ])
        .ok();
    assert!(trino.contains("FROM billing.tally_rows\n"), "{trino}");
    // --by COLUMN names an input column the dataset does not hold.
    let mut args = vec![
        "sql",
        "--dialect",
        "duckdb",
        "--dataset",
        &dir,
        "--scale",
        "20",
    ];
    args.extend(["--by", "ChargeCategory"]);
    let run = work.run(&args);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("the dataset holds tally's fields"),
        "{}",
        run.stderr()
    );
}

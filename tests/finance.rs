//! The finance pack (issue 16): `--format markdown`, the workbook (`report.xlsx` in `--out`,
//! `--format xlsx --output FILE`) read back with an independent reader (calamine), and
//! `--compare`. Figures are checked against `--format csv` of the same run, the fixture's
//! documented total, or sums written out by hand.

use crate::util::{Workdir, fixture, records};
use calamine::{Data, Reader, Xlsx};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const CONSOLE: &str = "console/usage-2026-10.csv";

/// `report console --month 2026-10 --as-of 2026-11-02` (Oct 30 and 31 provisional) + `extra`.
fn october(work: &Workdir, extra: &[&str]) -> crate::util::Run {
    let input = fixture(CONSOLE);
    let mut args = vec![
        "report",
        input.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02",
        "-q",
    ];
    args.extend_from_slice(extra);
    work.run(&args)
}

/// Splits a Markdown table line on its unescaped pipes: the cells, trimmed.
fn markdown_cells(line: &str) -> Vec<String> {
    let inner = line
        .trim()
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or_else(|| panic!("not a table line: {line}"));
    let mut cells = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // An escape: the next character is literal.
                let next = chars.next().expect("escape at the end of a line");
                cells.last_mut().unwrap().push(next);
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// The table of a Markdown document: header, delimiter row and body, each as cells; every
/// row must have as many cells as the header.
fn markdown_table(text: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert!(lines.len() >= 3, "no table in:\n{text}");
    let rows: Vec<Vec<String>> = lines.iter().map(|l| markdown_cells(l)).collect();
    let width = rows[0].len();
    for (row, line) in rows.iter().zip(&lines) {
        assert_eq!(row.len(), width, "ragged row: {line}");
    }
    assert!(
        rows[1]
            .iter()
            .all(|c| c.trim_matches(':').chars().all(|c| c == '-')),
        "second line is not the delimiter row: {:?}",
        rows[1]
    );
    rows
}

fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

fn shown(text: &str) -> Decimal {
    dec(&text.trim_matches('*').replace(',', ""))
}

#[test]
fn finance_markdown_table_matches_csv_figures() {
    let work = Workdir::new();
    let markdown = october(&work, &["--by", "project,service", "--format", "markdown"]).ok();
    let csv = october(&work, &["--by", "project,service", "--format", "csv"]).ok();
    assert!(
        markdown.starts_with(
            "**Cost**: 2026-10-01 to 2026-10-31 · as of 2026-11-02T00:00Z · billed\n\n"
        ),
        "{markdown}"
    );
    let table = markdown_table(&markdown);
    assert_eq!(
        table[0],
        ["project", "service", "cost", "currency", "status"]
    );
    // Every CSV group is one Markdown row with the same cost, rounded half-even to cents.
    let csv_rows = records(&csv);
    let body: Vec<&Vec<String>> = table[2..].iter().filter(|r| r[0] != "**total**").collect();
    assert_eq!(body.len(), csv_rows.len() - 1);
    for record in &csv_rows[1..] {
        let (project, service, cost) = (&record[0], &record[1], dec(&record[2]));
        let row = body
            .iter()
            .find(|r| &r[0] == project && &r[1] == service)
            .unwrap_or_else(|| panic!("{project}/{service} missing from:\n{markdown}"));
        assert_eq!(shown(&row[2]), cents(cost), "{project}/{service}");
        // October 30 and 31 are provisional as of Nov 2: every month row is.
        assert_eq!(row[4], "*provisional*");
    }
    // The project with a comma in its name stays one cell.
    assert!(body.iter().any(|r| r[0] == "analytics, EMEA"));
    let total = table.iter().find(|r| r[0] == "**total**").unwrap();
    // The fixture's documented total, 3103.45954429 USD.
    assert_eq!(shown(&total[2]), dec("3103.46"));
    assert!(markdown.contains("+ provisional "), "{markdown}");
}

#[test]
fn finance_markdown_escapes_pipes_markup_and_control_characters() {
    let work = Workdir::new();
    let input = work.create(
        "odd.csv",
        "date,sku,cost\n\
         2026-10-01,a|b,1.005\n\
         2026-10-01,esc\u{1b}[31m,2.015\n\
         2026-10-02,*bold*,3\n",
    );
    let markdown = work
        .run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--format",
            "markdown",
        ])
        .ok();
    assert!(!markdown.contains('\u{1b}'), "{markdown}");
    let table = markdown_table(&markdown);
    // Grouped by SKU: quantity and unit come before the cost.
    let cost = table[0].iter().position(|h| h == "cost").unwrap();
    let cost_of = |sku: &str| {
        let row = table
            .iter()
            .find(|r| r[0] == sku)
            .unwrap_or_else(|| panic!("{sku} missing:\n{markdown}"));
        shown(&row[cost])
    };
    // Half to even: 1.005 → 1.00, 2.015 → 2.02.
    assert_eq!(cost_of("a|b"), dec("1.00"));
    assert_eq!(cost_of("esc\\u{1b}[31m"), dec("2.02"));
    assert_eq!(cost_of("*bold*"), dec("3.00"));
    assert!(markdown.contains("| a\\|b |"), "{markdown}");
    assert!(markdown.contains("| \\*bold\\* |"), "{markdown}");
    // Every day is final as of Nov 28: no provisional line.
    assert!(!markdown.contains("provisional"), "{markdown}");
}

/// A workbook's sheets as rows of cells.
fn workbook(bytes: &[u8]) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx")
}

fn sheet(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).expect(name);
    assert_eq!(range.start(), Some((0, 0)), "{name} starts at A1");
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn float(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn column(header: &[Data], name: &str) -> usize {
    header
        .iter()
        .position(|c| text(c) == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// The nearest double to an exact decimal.
fn double(value: Decimal) -> f64 {
    value.to_string().parse().unwrap()
}

#[test]
fn finance_workbook_reads_back_with_exact_totals_and_identical_bytes() {
    let work = Workdir::new();
    october(&work, &["--by", "project,sku", "--out", "pack"]).ok();
    october(&work, &["--by", "project,sku", "--out", "again"]).ok();
    let first = std::fs::read(work.path().join("pack/report.xlsx")).unwrap();
    let second = std::fs::read(work.path().join("again/report.xlsx")).unwrap();
    assert!(first == second, "two runs gave different workbooks");
    // --format xlsx --output gives the same workbook.
    october(
        &work,
        &[
            "--by",
            "project,sku",
            "--format",
            "xlsx",
            "--output",
            "alone.xlsx",
        ],
    )
    .ok();
    assert!(std::fs::read(work.path().join("alone.xlsx")).unwrap() == first);
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("pack/manifest.json")).unwrap();
    assert!(
        manifest["outputs"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("report.xlsx"))
    );

    let mut book = workbook(&first);
    assert_eq!(book.sheet_names(), ["Summary", "Daily", "Inputs", "Notes"]);

    // Summary: row 0 the scope, row 1 the header, then one row per summary.csv group.
    let summary = sheet(&mut book, "Summary");
    assert!(text(&summary[0][0]).starts_with("Cost: 2026-10-01 to 2026-10-31 · as of"));
    let header = summary[1].clone();
    let (cost, status, share) = (
        column(&header, "cost"),
        column(&header, "status"),
        column(&header, "share"),
    );
    // No figure of this fixture needs more than 15 digits: no exact-text column.
    assert!(!header.iter().any(|c| text(c) == "exact cost"));
    let csv = records(&work.read("pack/summary.csv"));
    let groups = &summary[2..2 + csv.len() - 1];
    let mut share_sum = 0.0;
    for (row, record) in groups.iter().zip(&csv[1..]) {
        // Rows in summary.csv's order: project, sku.
        assert_eq!(text(&row[0]), record[0]);
        assert_eq!(text(&row[1]), record[1]);
        assert_eq!(float(&row[cost]), double(dec(&record[4])), "{record:?}");
        assert_eq!(text(&row[status]), "provisional");
        share_sum += float(&row[share]);
    }
    assert!((share_sum - 1.0).abs() < 1e-9, "shares add to {share_sum}");
    // The total row: the fixture's documented 3103.45954429 USD.
    let total = summary
        .iter()
        .find(|r| text(&r[0]) == "total")
        .expect("a total row");
    assert_eq!(float(&total[cost]), 3103.45954429);
    assert_eq!(text(&total[status]), "provisional");
    // Subtotals per project add up to the total exactly (as decimals from summary.csv).
    let subtotal_at = summary
        .iter()
        .position(|r| text(&r[0]) == "Subtotals by project")
        .expect("a subtotal block");
    let mut by_project = std::collections::BTreeMap::<String, Decimal>::new();
    for record in &csv[1..] {
        *by_project.entry(record[0].clone()).or_default() += dec(&record[4]);
    }
    for (offset, (project, sum)) in by_project.iter().enumerate() {
        let row = &summary[subtotal_at + 1 + offset];
        assert_eq!(&text(&row[0]), project);
        assert_eq!(float(&row[cost]), double(*sum), "{project}");
    }

    // Daily: as daily.csv, dates as spreadsheet dates.
    let daily = sheet(&mut book, "Daily");
    let daily_csv = records(&work.read("pack/daily.csv"));
    assert_eq!(daily.len(), daily_csv.len());
    let day_serial = |day: &str| {
        let day = chrono::NaiveDate::from_str(day).unwrap();
        (day - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
    };
    for (row, record) in daily.iter().zip(&daily_csv).skip(1) {
        match &row[0] {
            Data::DateTime(date) => assert_eq!(date.as_f64(), day_serial(&record[0])),
            other => panic!("not a date: {other:?}"),
        }
        assert_eq!(float(&row[3]), double(dec(&record[3])), "{record:?}");
        assert_eq!(text(&row[5]), record[5]);
    }

    // Inputs: the manifest's file, hash and row accounting.
    let inputs = sheet(&mut book, "Inputs");
    let entry = &manifest["inputs"][0];
    assert_eq!(inputs.len(), 2);
    assert_eq!(text(&inputs[1][1]), entry["kind"].as_str().unwrap());
    assert_eq!(text(&inputs[1][3]), entry["sha256"].as_str().unwrap());
    assert_eq!(float(&inputs[1][4]), 853.0); // the fixture's 853 rows
    assert_eq!(float(&inputs[1][5]), 853.0);

    // Notes: the range, as-of and provisional days.
    let notes = sheet(&mut book, "Notes");
    let note = |item: &str| {
        notes
            .iter()
            .find(|r| text(&r[0]) == item)
            .map(|r| text(&r[1]))
            .unwrap_or_else(|| panic!("no note {item}"))
    };
    assert_eq!(note("range"), "2026-10-01 to 2026-10-31 (UTC days)");
    assert_eq!(note("as of"), "2026-11-02T00:00:00Z");
    assert!(note("provisional days").starts_with("2026-10-30 to 2026-10-31"));
    assert!(note("rounding").contains("never rounded"));
}

#[test]
fn finance_workbook_keeps_exact_text_beyond_fifteen_digits() {
    let work = Workdir::new();
    let input = work.create(
        "long.csv",
        "date,sku,cost\n\
         2026-10-01,Long,1234567.123456789012\n\
         2026-10-02,Short,0.10\n",
    );
    work.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--format",
        "xlsx",
        "--output",
        "long.xlsx",
    ])
    .ok();
    let mut book = workbook(&std::fs::read(work.path().join("long.xlsx")).unwrap());
    let summary = sheet(&mut book, "Summary");
    let header = summary[1].clone();
    let (cost, exact) = (column(&header, "cost"), column(&header, "exact cost"));
    assert_eq!(exact, cost + 1);
    let row = |key: &str| summary.iter().find(|r| text(&r[0]) == key).unwrap().clone();
    assert_eq!(text(&row("Long")[exact]), "1234567.123456789012");
    // The nearest double: what Rust's parser gives for the exact text.
    assert_eq!(
        float(&row("Long")[cost]),
        "1234567.123456789012".parse::<f64>().unwrap()
    );
    assert_eq!(text(&row("Short")[exact]), "0.10");
    // 1234567.123456789012 + 0.10, by hand.
    assert_eq!(text(&row("total")[exact]), "1234567.223456789012");
    assert_eq!(text(&row("total")[column(&header, "status")]), "final");
    let notes = sheet(&mut book, "Notes");
    assert!(
        notes
            .iter()
            .any(|r| text(&r[0]) == "Summary: exact cost" && text(&r[1]).starts_with("2 figure(s)")),
        "{notes:?}"
    );
    let daily = sheet(&mut book, "Daily");
    assert_eq!(text(&daily[0][3]), "exact cost");
    assert_eq!(text(&daily[1][3]), "1234567.123456789012");
}

#[test]
fn finance_xlsx_needs_a_file_and_refuses_a_folder() {
    let work = Workdir::new();
    std::fs::create_dir(work.path().join("folder")).unwrap();
    let run = october(&work, &["--format", "xlsx", "--output", "folder"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("--output folder: names a folder"),
        "{}",
        run.stderr()
    );
    // Redirected stdout is not a terminal: the workbook goes there.
    let run = october(&work, &["--format", "xlsx"]);
    assert_eq!(run.code(), 0);
    assert!(run.0.stdout.starts_with(b"PK"));
}

/// September and October rows: Read falls, Write grows, Store is gone in October, Index new.
const TWO_MONTHS: &str = "date,sku,cost\n\
    2026-09-01,Read,10.00\n\
    2026-09-02,Read,5.50\n\
    2026-09-03,Write,4.00\n\
    2026-09-20,Read,100.00\n\
    2026-09-20,Store,7.25\n\
    2026-10-01,Read,12.10\n\
    2026-10-02,Write,6.00\n\
    2026-10-02,Index,1.005\n\
    2026-10-03,Read,3.40\n";

/// `sku → [cost, compare_cost, change, change_percent, status]` from `--compare` CSV.
fn compare_rows(csv: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let rows = records(csv);
    assert_eq!(
        rows[0],
        [
            "sku",
            "unit",
            "cost",
            "compare_cost",
            "change",
            "change_percent",
            "currency",
            "status"
        ]
    );
    rows[1..]
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                vec![
                    r[2].clone(),
                    r[3].clone(),
                    r[4].clone(),
                    r[5].clone(),
                    r[7].clone(),
                ],
            )
        })
        .collect()
}

#[test]
fn finance_compare_whole_month_with_previous_by_hand() {
    let work = Workdir::new();
    let input = work.create("two.csv", TWO_MONTHS);
    let args = |format: &'static str| {
        vec![
            "report".to_string(),
            input.clone(),
            "--month".into(),
            "2026-10".into(),
            "--as-of".into(),
            "2026-11-28".into(),
            "--compare".into(),
            "previous".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format| {
        let a = args(format);
        work.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
            .ok()
    };
    let rows = compare_rows(&run("csv"));
    // October vs September, by hand: Read 12.10 + 3.40 = 15.50 vs 10.00 + 5.50 + 100.00 =
    // 115.50, -100.00, -100/115.5 = -86.58008…% → -86.5801; Write 6.00 vs 4.00, +50%.
    assert_eq!(
        rows["Read"],
        ["15.50", "115.50", "-100.00", "-86.5801", "final"]
    );
    assert_eq!(rows["Write"], ["6.00", "4.00", "2.00", "50.0000", "final"]);
    // Index only in October: new; Store only in September: gone (never a division by zero).
    assert_eq!(rows["Index"], ["1.005", "0.00", "1.005", "new", "final"]);
    assert_eq!(rows["Store"], ["0.00", "7.25", "-7.25", "gone", "final"]);

    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["compare"]["from"], "2026-09-01");
    assert_eq!(json["compare"]["to"], "2026-09-30");
    // 22.505 vs 126.75: -104.245, -82.24457…% → -82.2446.
    assert_eq!(json["totals"][0]["cost"], "22.505");
    assert_eq!(json["totals"][0]["compare_cost"], "126.75");
    assert_eq!(json["totals"][0]["change"], "-104.245");
    assert_eq!(json["totals"][0]["change_percent"], "-82.2446");

    let table = run("table");
    assert!(
        table.contains("Compared with 2026-09-01 to 2026-09-30 (the previous month, 2026-09)"),
        "{table}"
    );
    // Display: cents half-even and 0.1%: -86.6%, gone, new.
    let line = |sku: &str| {
        table
            .lines()
            .find(|l| l.starts_with(sku))
            .unwrap_or_else(|| panic!("{sku}:\n{table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        line("Read").contains("15.50 115.50 -100.00 -86.6%"),
        "{table}"
    );
    assert!(line("Store").contains("0.00 7.25 -7.25 gone"), "{table}");
    assert!(line("Index").contains("1.00 0.00 +1.00 new"), "{table}");
    assert!(
        line("total").contains("22.50 126.75 -104.24 -82.2%"),
        "{table}"
    );

    let markdown = run("markdown");
    let table = markdown_table(&markdown);
    assert_eq!(
        table[0],
        [
            "sku", "unit", "cost", "compared", "change", "change %", "currency", "status"
        ]
    );
    assert!(table.iter().any(|r| r[0] == "Store" && r[5] == "gone"));
}

#[test]
fn finance_compare_month_to_date_uses_the_same_days() {
    let work = Workdir::new();
    let input = work.create("two.csv", TWO_MONTHS);
    let csv = work
        .run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-10-03T12:00Z",
            "--compare",
            "previous",
            "--format",
            "csv",
            "-q",
        ])
        .ok();
    let rows = compare_rows(&csv);
    // Oct 1-3 vs Sep 1-3: Read 15.50 vs 15.50 (0%), Write 6.00 vs 4.00 (+50%), Index new;
    // Store (Sep 20) and Sep 20's 100.00 are outside the same days.
    assert_eq!(
        rows["Read"],
        ["15.50", "15.50", "0.00", "0.0000", "provisional"]
    );
    assert_eq!(
        rows["Write"],
        ["6.00", "4.00", "2.00", "50.0000", "provisional"]
    );
    assert_eq!(rows["Index"][3], "new");
    assert!(!rows.contains_key("Store"), "{csv}");
    let table = work
        .run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-10-03T12:00Z",
            "--compare",
            "previous",
            "-q",
        ])
        .ok();
    assert!(
        table.contains(
            "Compared with 2026-09-01 to 2026-09-03 (month to date, 3 days, vs the same days \
             of 2026-09)"
        ),
        "{table}"
    );
}

#[test]
fn finance_compare_refusals_and_missing_data() {
    let work = Workdir::new();
    let input = work.create("two.csv", TWO_MONTHS);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "report",
            input.as_str(),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
        ];
        args.extend_from_slice(extra);
        work.run(&args)
    };
    let refused = run(&["--compare", "2026-09", "--period", "day"]);
    assert_eq!(refused.code(), 2);
    assert!(
        refused.stderr().contains("--period total"),
        "{}",
        refused.stderr()
    );
    let refused = run(&["--compare", "last"]);
    assert_eq!(refused.code(), 2);
    assert!(
        refused.stderr().contains("expected previous, a month"),
        "{}",
        refused.stderr()
    );
    // No row in August: every group is new, and a warning says missing data is not no spend.
    let missing = run(&["--compare", "2026-08", "--format", "csv"]);
    assert_eq!(missing.code(), 0);
    assert!(
        missing
            .stderr()
            .contains("hold no row for 2026-08-01 to 2026-08-31")
    );
    assert!(
        compare_rows(&missing.stdout())
            .values()
            .all(|r| r[3] == "new")
    );
}

#[test]
fn finance_compare_in_the_out_set_html_and_workbook() {
    let work = Workdir::new();
    let input = work.create("two.csv", TWO_MONTHS);
    work.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--compare",
        "previous",
        "--out",
        "pack",
        "-q",
    ])
    .ok();
    // compare.csv is the --format csv comparison.
    let rows = compare_rows(&work.read("pack/compare.csv"));
    assert_eq!(
        rows["Read"],
        ["15.50", "115.50", "-100.00", "-86.5801", "final"]
    );
    let html = work.read("pack/report.html");
    assert!(
        html.contains("<h2>Comparison</h2>"),
        "no comparison section"
    );
    assert!(html.contains(">-86.6%</td>"), "no Read change in the HTML");
    assert!(html.contains(">gone</td>"));

    let mut book = workbook(&std::fs::read(work.path().join("pack/report.xlsx")).unwrap());
    assert_eq!(
        book.sheet_names(),
        ["Summary", "Compare", "Daily", "Inputs", "Notes"]
    );
    let compare = sheet(&mut book, "Compare");
    assert!(text(&compare[0][0]).starts_with("Compared with 2026-09-01 to 2026-09-30"));
    let header = compare[1].clone();
    let (cost, compared, change, percent) = (
        column(&header, "cost"),
        column(&header, "compared"),
        column(&header, "change"),
        column(&header, "change %"),
    );
    let row = |key: &str| compare.iter().find(|r| text(&r[0]) == key).unwrap().clone();
    assert_eq!(float(&row("Read")[cost]), 15.5);
    assert_eq!(float(&row("Read")[compared]), 115.5);
    assert_eq!(float(&row("Read")[change]), -100.0);
    // -100 / 115.5 as a ratio (the cell's format shows -86.6%).
    assert!((float(&row("Read")[percent]) + 0.865800865800866).abs() < 1e-12);
    assert_eq!(text(&row("Store")[percent]), "gone");
    assert_eq!(text(&row("Index")[percent]), "new");
    assert_eq!(float(&row("total")[change]), -104.245);
}

#[test]
fn finance_diff_finds_three_restated_days_and_exits_3() {
    let work = Workdir::new();
    let old = work.create(
        "old.csv",
        "date,sku,cost\n2026-10-01,A,1.00\n2026-10-02,A,2.00\n2026-10-03,A,3.00\n\
         2026-10-03,B,0.50\n2026-10-04,A,4.00\n2026-10-05,A,5.00\n",
    );
    // Oct 3, 4 and 5 restated for A; B gone on the 3rd and new on the 5th.
    let new = work.create(
        "new.csv",
        "date,sku,cost\n2026-10-01,A,1.00\n2026-10-02,A,2.00\n2026-10-03,A,3.25\n\
         2026-10-04,A,4.10\n2026-10-05,A,4.95\n2026-10-05,B,0.75\n",
    );
    let report = |input: &str, as_of: &str, out: &str| {
        work.run(&[
            "report", input, "--month", "2026-10", "--as-of", as_of, "--out", out, "-q",
        ])
        .ok();
    };
    // As of Oct 6, Oct 3-5 are provisional; as of Oct 20 every day is final.
    report(&old, "2026-10-06", "sent");
    report(&new, "2026-10-20", "final");
    let run = work.run(&["diff", "sent", "final", "--format", "csv"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert_eq!(
        run.stdout(),
        "date,sku,currency,old_cost,new_cost,change,what\n\
         2026-10-03,A,USD,3.00,3.25,0.25,\"restated, became final\"\n\
         2026-10-03,B,USD,0.50,,-0.50,removed\n\
         2026-10-04,A,USD,4.00,4.10,0.10,\"restated, became final\"\n\
         2026-10-05,A,USD,5.00,4.95,-0.05,\"restated, became final\"\n\
         2026-10-05,B,USD,,0.75,0.75,added\n"
    );
    let json: serde_json::Value = serde_json::from_str(
        &work
            .run(&["diff", "sent", "final", "--format", "json"])
            .stdout(),
    )
    .unwrap();
    // 15.50 → 16.05, by hand.
    assert_eq!(json["old"]["total"], "15.50");
    assert_eq!(json["new"]["total"], "16.05");
    assert_eq!(json["equal"], false);
    let table = work.run(&["diff", "sent", "final"]).stdout();
    assert!(
        table.contains("1 added, 1 removed, 3 restated, 3 became final; total 15.50 → 16.05"),
        "{table}"
    );

    // The same folder: equal, exit 0. A day that only became final is no difference.
    let same = work.run(&["diff", "sent", "sent"]);
    assert_eq!(same.code(), 0);
    assert!(same.stdout().contains("No difference"));
    report(&old, "2026-10-20", "later");
    let finalized = work.run(&["diff", "sent", "later", "--format", "csv"]);
    assert_eq!(finalized.code(), 0, "{}", finalized.stdout());
    assert!(
        finalized
            .stdout()
            .contains("2026-10-03,A,USD,3.00,3.00,0.00,became final")
    );

    // A path that is not there: exit 1 naming it.
    let missing = work.run(&["diff", "sent", "nowhere"]);
    assert_eq!(
        missing.fails(),
        "error: nowhere: no such file or folder (give two `report --out` folders or two \
         inputs)\n"
    );
}

/// A quarter of rows: Read every month, Write in October and (a figure of 19 significant
/// digits) December, Store once in November.
const QUARTER: &str = "date,sku,cost\n\
    2026-10-05,Read,10.00\n\
    2026-10-20,Write,2.50\n\
    2026-11-03,Read,20.25\n\
    2026-11-30,Store,1.005\n\
    2026-12-01,Read,5.00\n\
    2026-12-31,Write,1234567.123456789012\n";

#[test]
fn finance_workbook_period_sheet_is_a_group_by_month_crosstab() {
    let work = Workdir::new();
    let input = work.create("quarter.csv", QUARTER);
    let args = [
        "report",
        input.as_str(),
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--as-of",
        "2027-01-02",
        "--period",
        "month",
        "--format",
        "xlsx",
        "--output",
        "q4.xlsx",
        "-q",
    ];
    work.run(&args).ok();
    let bytes = std::fs::read(work.path().join("q4.xlsx")).unwrap();
    work.run(&args).ok();
    assert!(bytes == std::fs::read(work.path().join("q4.xlsx")).unwrap());
    let mut book = workbook(&bytes);
    assert_eq!(
        book.sheet_names(),
        ["Summary", "By month", "Daily", "Inputs", "Notes"]
    );
    let months = sheet(&mut book, "By month");
    assert!(text(&months[0][0]).starts_with("Cost by month: 2026-10-01 to 2026-12-31"));
    let header: Vec<String> = months[1].iter().map(text).collect();
    // December and the total hold a figure beyond 15 digits: each gets its exact column.
    assert_eq!(
        header,
        [
            "sku",
            "unit",
            "currency",
            "2026-10",
            "2026-11",
            "2026-12",
            "exact 2026-12",
            "total",
            "exact total",
            "status"
        ]
    );
    let row = |key: &str| {
        months
            .iter()
            .find(|r| text(&r[0]) == key)
            .unwrap_or_else(|| panic!("no row {key}"))
            .clone()
    };
    // Largest total first: Write, Read, Store (Write's December row is on the 31st).
    assert_eq!(text(&months[2][0]), "Write");
    assert_eq!(text(&months[3][0]), "Read");
    assert_eq!(text(&months[4][0]), "Store");
    // Read: 10.00 + 20.25 + 5.00 = 35.25.
    let read = row("Read");
    assert_eq!(
        [float(&read[3]), float(&read[4]), float(&read[5])],
        [10.0, 20.25, 5.0]
    );
    assert_eq!(float(&read[7]), 35.25);
    assert_eq!(text(&read[8]), "35.25");
    // As of Jan 2 (3 days' delay) Dec 30 and 31 are provisional, and so is December; Store, only in November, is not.
    assert_eq!(text(&read[9]), "provisional");
    assert_eq!(text(&row("Store")[9]), "final");
    // Write: 2.50 in October, none in November (an empty cell), the long figure in December.
    let write = row("Write");
    assert_eq!(float(&write[3]), 2.5);
    assert_eq!(write[4], Data::Empty);
    assert_eq!(text(&write[6]), "1234567.123456789012");
    // 2.50 + 1234567.123456789012, by hand.
    assert_eq!(text(&write[8]), "1234569.623456789012");
    assert_eq!(
        float(&write[7]),
        "1234569.623456789012".parse::<f64>().unwrap()
    );
    // Totals per month: 12.50, 21.255, 5.00 + 1234567.123456789012; all 1234605.878456789012.
    let total = row("total");
    assert_eq!(float(&total[3]), 12.5);
    assert_eq!(float(&total[4]), 21.255);
    assert_eq!(text(&total[6]), "1234572.123456789012");
    assert_eq!(text(&total[8]), "1234605.878456789012");
    assert_eq!(text(&total[9]), "provisional");
    let notes = sheet(&mut book, "Notes");
    assert!(
        notes.iter().any(
            |r| text(&r[0]) == "By month: exact cost" && text(&r[1]).starts_with("4 figure(s)")
        ),
        "{notes:?}"
    );
}

/// The text of every SVG `<text>` element (plotters writes each on a line of its own).
fn svg_texts(svg: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("<text") {
            texts.push(lines.next().unwrap_or_default().trim().to_string());
        }
    }
    texts
}

#[test]
fn finance_compare_chart_in_the_out_set_is_valid_svg_png_and_deterministic() {
    let work = Workdir::new();
    let input = work.create("two.csv", TWO_MONTHS);
    let run = |out: &str| {
        work.run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-28",
            "--compare",
            "previous",
            "--out",
            out,
            "-q",
        ])
        .ok();
    };
    run("pack");
    run("again");
    for name in ["chart-compare.svg", "chart-compare.png"] {
        let first = std::fs::read(work.path().join("pack").join(name)).unwrap();
        let second = std::fs::read(work.path().join("again").join(name)).unwrap();
        assert!(first == second, "{name} differs between two runs");
    }
    assert!(
        std::fs::read(work.path().join("pack/chart-compare.png"))
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    let svg = work.read("pack/chart-compare.svg");
    // Well-formed XML, read by an independent parser.
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
        ])
        .arg(work.path().join("pack/chart-compare.svg"))
        .status()
        .expect("python3 runs");
    assert!(parsed.success(), "chart-compare.svg is not well-formed XML");
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains(
        "<title>Cost by sku, 2026-10-01 to 2026-10-31 compared with 2026-09-01 to 2026-09-30 \
         (USD)</title>"
    ));
    let texts = svg_texts(&svg);
    // Every group, its amounts and change (by hand, as in compare.csv): Read 15.50 vs 115.50
    // (-86.6%), Write 6.00 vs 4.00 (+50.0%), Index new, Store gone; totals 22.50 vs 126.75.
    for text in [
        "Read",
        "Write",
        "Index",
        "Store",
        "15.50 USD   -86.6%",
        "115.50 USD",
        "6.00 USD   +50.0%",
        "1.00 USD   new",
        "0.00 USD   gone",
        "7.25 USD",
        "22.50 USD",
        "126.75 USD",
        "-82.2%",
    ] {
        assert!(texts.iter().any(|t| t == text), "{text} not in {texts:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("pack/manifest.json")).unwrap();
    let outputs = manifest["outputs"].as_array().unwrap();
    assert!(outputs.contains(&serde_json::json!("chart-compare.svg")));
    assert!(outputs.contains(&serde_json::json!("chart-compare.png")));
    // report.html shows it inside the comparison section, before its table.
    let html = work.read("pack/report.html");
    let section = html.find("<h2>Comparison</h2>").unwrap();
    let chart = html[section..]
        .find("<svg")
        .expect("the chart in the section");
    let table = html[section..].find("<table id=\"compare\">").unwrap();
    assert!(chart < table);
    // --no-charts: no comparison chart either.
    work.run(&[
        "report",
        &input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--compare",
        "previous",
        "--out",
        "bare",
        "--no-charts",
        "-q",
    ])
    .ok();
    assert!(!work.path().join("bare/chart-compare.svg").exists());
}

/// The export as sent (read as of Oct 6: Oct 3-5 provisional).
const EXPORT_SENT: &str = "date,sku,cost\n\
    2026-10-01,A,1.00\n\
    2026-10-02,A,2.00\n\
    2026-10-03,A,3.00\n\
    2026-10-03,B,0.50\n\
    2026-10-04,A,4.00\n\
    2026-10-05,A,5.00\n\
    2026-10-05,B,1.00\n";

#[test]
fn finance_diff_of_two_exports_read_with_report_options() {
    let work = Workdir::new();
    let sent = work.create("sent.csv", EXPORT_SENT);
    // The later export, in a folder of two files: Oct 3, 4 and 5 restated (A +0.25, B -0.10;
    // A +0.10; A -0.05), Oct 5's B unchanged, and Oct 6 new.
    work.create(
        "later/part-1.csv",
        "date,sku,cost\n2026-10-01,A,1.00\n2026-10-02,A,2.00\n2026-10-03,A,3.25\n\
         2026-10-03,B,0.40\n",
    );
    work.create(
        "later/part-2.csv",
        "date,sku,cost\n2026-10-04,A,4.10\n2026-10-05,A,4.95\n2026-10-05,B,1.00\n\
         2026-10-06,A,6.00\n",
    );
    let diff = |format: &str| {
        work.run(&[
            "diff",
            &sent,
            "later",
            "--month",
            "2026-10",
            "--old-as-of",
            "2026-10-06",
            "--as-of",
            "2026-10-20",
            "--format",
            format,
        ])
    };
    let csv = diff("csv");
    assert_eq!(csv.code(), 3, "{}", csv.stderr());
    let expected = "date,sku,currency,old_cost,new_cost,change,what\n\
         2026-10-03,A,USD,3.00,3.25,0.25,\"restated, became final\"\n\
         2026-10-03,B,USD,0.50,0.40,-0.10,\"restated, became final\"\n\
         2026-10-04,A,USD,4.00,4.10,0.10,\"restated, became final\"\n\
         2026-10-05,A,USD,5.00,4.95,-0.05,\"restated, became final\"\n\
         2026-10-05,B,USD,1.00,1.00,0.00,became final\n\
         2026-10-06,A,USD,,6.00,6.00,added\n";
    assert_eq!(csv.stdout(), expected);
    let json: serde_json::Value = serde_json::from_str(&diff("json").stdout()).unwrap();
    // 16.50 → 22.70 by hand: +0.25 - 0.10 + 0.10 - 0.05 + 6.00 = +6.20.
    assert_eq!(json["old"]["total"], "16.50");
    assert_eq!(json["new"]["total"], "22.70");
    assert_eq!(json["old"]["as_of"], "2026-10-06T00:00:00Z");
    assert_eq!(json["new"]["as_of"], "2026-10-20T00:00:00Z");
    assert_eq!(json["equal"], false);
    let table = diff("table").stdout();
    assert!(
        table.contains("1 added, 0 removed, 4 restated, 5 became final; total 16.50 → 22.70"),
        "{table}"
    );

    // The same as two --out folders made from them with the same options.
    for (input, as_of, out) in [
        (&sent, "2026-10-06", "a"),
        (&"later".to_string(), "2026-10-20", "b"),
    ] {
        work.run(&[
            "report", input, "--month", "2026-10", "--as-of", as_of, "--out", out, "-q",
        ])
        .ok();
    }
    let folders = work.run(&["diff", "a", "b", "--format", "csv"]);
    assert_eq!(folders.code(), 3);
    assert_eq!(folders.stdout(), expected);

    // One input against itself: equal, exit 0; with --old-as-of, the 5 rows of Oct 3-5 only
    // became final.
    let same = work.run(&[
        "diff",
        &sent,
        &sent,
        "--month",
        "2026-10",
        "--as-of",
        "2026-10-20",
    ]);
    assert_eq!(same.code(), 0, "{}", same.stderr());
    assert!(same.stdout().contains("No difference"));
    let finalized = work.run(&[
        "diff",
        &sent,
        &sent,
        "--month",
        "2026-10",
        "--old-as-of",
        "2026-10-06",
        "--as-of",
        "2026-10-20",
        "--format",
        "csv",
    ]);
    assert_eq!(finalized.code(), 0);
    assert_eq!(
        records(&finalized.stdout())
            .iter()
            .skip(1)
            .filter(|r| r[6] == "became final")
            .count(),
        5
    );

    // A folder and an input, or input options with two folders: usage errors (exit 2).
    let mixed = work.run(&["diff", "a", &sent]);
    assert_eq!(mixed.code(), 2);
    assert!(
        mixed.stderr().contains("a is a `report --out` folder but"),
        "{}",
        mixed.stderr()
    );
    let options = work.run(&["diff", "a", "b", "--month", "2026-10"]);
    assert_eq!(options.code(), 2);
    assert!(
        options.stderr().contains("--month applies to inputs"),
        "{}",
        options.stderr()
    );
}

#[test]
fn finance_workbook_period_sheet_beyond_a_sheets_columns_says_so() {
    // 16,400 days with cost, --period day: one column each would pass Excel's 16,384.
    let work = Workdir::new();
    let mut csv = String::from("date,sku,cost\n");
    let first = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    for n in 0..16_400 {
        csv.push_str(&format!("{},A,1.5\n", first + chrono::Duration::days(n)));
    }
    let input = work.create("decades.csv", csv);
    work.run(&[
        "report",
        &input,
        "--from",
        "1980-01-01",
        "--to",
        "2026-12-31",
        "--as-of",
        "2027-01-10",
        "--period",
        "day",
        "--format",
        "xlsx",
        "--output",
        "decades.xlsx",
        "-q",
    ])
    .ok();
    let mut book = workbook(&std::fs::read(work.path().join("decades.xlsx")).unwrap());
    let days = sheet(&mut book, "By day");
    assert_eq!(days.len(), 1);
    assert!(
        text(&days[0][0])
            .starts_with("16400 days with cost need 16405 columns, more than the 16384"),
        "{days:?}"
    );
    // The Summary sheet still holds every figure: 16,400 × 1.5 = 24,600.
    let summary = sheet(&mut book, "Summary");
    let cost = column(&summary[1], "cost");
    let total = summary.iter().find(|r| text(&r[0]) == "total").unwrap();
    assert_eq!(float(&total[cost]), 24600.0);
}

/// `diff` over inputs takes report's `--skip-bad-rows` (the skipped rows shown and counted on
/// stderr) and `-` for one side; `- -` is refused.
#[test]
fn finance_diff_of_inputs_skips_bad_rows_and_reads_standard_input() {
    let work = Workdir::new();
    work.create(
        "sent.csv",
        "Date,SKU,Cost\n2026-10-01,A,1.50\nnot-a-day,A,2\n2026-10-02,A,2.25\n",
    );
    let now = b"Date,SKU,Cost\n2026-10-01,A,1.50\n2026-10-02,A,3.00\n";
    let args = [
        "diff",
        "sent.csv",
        "-",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
    ];
    let stopped = work.run_with_stdin(&args, now);
    assert_eq!(stopped.code(), 1, "{}", stopped.stderr());
    assert!(
        stopped
            .stderr()
            .contains("sent.csv:3: column \"Date\": \"not-a-day\" is not a date"),
        "{}",
        stopped.stderr()
    );
    let mut skipping = args.to_vec();
    skipping.extend(["--skip-bad-rows", "--format", "csv"]);
    let run = work.run_with_stdin(&skipping, now);
    // Exit 3: the reports differ (2026-10-02 restated from 2.25 to 3.00).
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let rows = records(&run.stdout());
    let restated: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.contains(&"restated".to_string()))
        .collect();
    assert_eq!(restated.len(), 1, "{rows:?}");
    assert!(restated[0].contains(&"2026-10-02".to_string()));
    assert!(restated[0].contains(&"2.25".to_string()) && restated[0].contains(&"3.00".to_string()));
    let stderr = run.stderr();
    assert!(stderr.contains("skipped: sent.csv:3:"), "{stderr}");
    assert!(stderr.contains("skipped 1 bad row(s)"), "{stderr}");
    let twice = work.run_with_stdin(&["diff", "-", "-"], now);
    assert_eq!(twice.code(), 2);
    assert!(twice.stderr().contains("standard input can be read once"));
}

#[test]
fn finance_workbook_by_currency_keeps_its_currency_column_and_total_labels() {
    let work = Workdir::new();
    work.create(
        "two.csv",
        "date,sku,cost,project,currency\n\
         2026-10-01,s1,1000,p1,USD\n\
         2026-10-02,s1,2.50,p1,EUR\n\
         2026-10-03,s2,5,p2,EUR\n",
    );
    work.run(&[
        "report",
        "two.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--by",
        "currency,project",
        "--format",
        "xlsx",
        "--output",
        "two.xlsx",
    ])
    .ok();
    let mut book = workbook(&std::fs::read(work.path().join("two.xlsx")).unwrap());
    let rows = sheet(&mut book, "Summary");
    let header = &rows[1];
    assert_eq!(text(&header[0]), "currency");
    // The currency column after cost, not the key column of the same name.
    let currency = header.iter().rposition(|c| text(c) == "currency").unwrap();
    assert!(currency > column(header, "cost"), "{header:?}");
    let shown: Vec<(String, String, String)> = rows
        .iter()
        .skip(2)
        .filter(|r| !text(&r[0]).is_empty())
        .map(|r| (text(&r[0]), text(&r[1]), text(&r[currency])))
        .collect();
    for group in [("EUR", "p1"), ("EUR", "p2"), ("USD", "p1")] {
        assert!(
            shown.contains(&(group.0.into(), group.1.into(), group.0.into())),
            "{shown:?}"
        );
    }
    // Each total keeps its label (the currency was written over it).
    let cost = column(header, "cost");
    for (label, amount, unit) in [("total EUR", 7.5, "EUR"), ("total USD", 1000.0, "USD")] {
        let row = rows
            .iter()
            .find(|r| text(&r[0]) == label)
            .unwrap_or_else(|| panic!("no {label} row in {rows:?}"));
        assert_eq!(float(&row[cost]), amount);
        assert_eq!(text(&row[currency]), unit);
    }
}

/// `diff` never adds two currencies into one total: each has its own, in the table's last line
/// and in JSON (`total` null, `totals` by currency), for inputs and for `--out` folders alike.
#[test]
fn finance_diff_totals_are_per_currency() {
    let work = Workdir::new();
    work.create(
        "old.csv",
        "date,sku,cost,currency\n2026-10-01,s1,1000,USD\n2026-10-02,s1,1.25,EUR\n",
    );
    work.create(
        "new.csv",
        "date,sku,cost,currency\n2026-10-01,s1,1000,USD\n2026-10-02,s1,2.50,EUR\n",
    );
    let args = [
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--by",
        "currency",
    ];
    let table = work.run(&[&["diff", "old.csv", "new.csv"][..], &args[..]].concat());
    assert_eq!(table.code(), 3, "{}", table.stderr());
    let last = table
        .stdout()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.ends_with("; total EUR 1.25 → 2.50 (1.25), total USD 1,000.00 → 1,000.00 (0.00)"),
        "{last}"
    );
    for (side, dir) in [("old", "o1"), ("new", "o2")] {
        let input = format!("{side}.csv");
        work.run(
            &[
                &["report", input.as_str(), "--out", dir, "-q"][..],
                &args[..],
            ]
            .concat(),
        )
        .ok();
    }
    let folders = work.run(&["diff", "o1", "o2", "--format", "json"]);
    assert_eq!(folders.code(), 3, "{}", folders.stderr());
    let json: serde_json::Value = serde_json::from_str(&folders.stdout()).unwrap();
    assert!(json["old"]["total"].is_null(), "{json}");
    assert_eq!(json["old"]["totals"]["EUR"], "1.25");
    assert_eq!(json["new"]["totals"]["EUR"], "2.50");
    assert_eq!(json["new"]["totals"]["USD"], "1000.00");
    // Amounts too far apart to add, in two currencies, are no sum at all: no overflow.
    work.create(
        "tiny.csv",
        "date,sku,cost,currency\n2026-10-01,s1,1000,USD\n2026-10-02,s1,0.0000000000000000000000000001,EUR\n",
    );
    let tiny = work.run(&[&["diff", "old.csv", "tiny.csv"][..], &args[..]].concat());
    assert_eq!(tiny.code(), 3, "{}", tiny.stderr());
    assert!(
        tiny.stdout().contains("total EUR 1.25 → 0.00 (-1.25)"),
        "{}",
        tiny.stdout()
    );
    // One currency: one total, as before.
    let one = work.run(&["diff", "o1", "o1"]);
    assert!(
        one.ok().contains("total EUR 1.25 → 1.25 (0.00), total USD"),
        "{}",
        one.stdout()
    );
}

/// Rows `--skip-bad-rows` left out of a side are said beside its figures, on the `Old:`/`New:`
/// line and in JSON, not only on stderr (which `-q` or a cron job's redirection loses).
#[test]
fn finance_diff_says_beside_each_side_how_many_rows_were_skipped() {
    let work = Workdir::new();
    work.create(
        "old.csv",
        "date,sku,cost\n2026-10-01,s1,1.50\n2026-10-02,s1,bad\n",
    );
    work.create(
        "new.csv",
        "date,sku,cost\n2026-10-01,s1,1.75\n2026-10-03,s1,2\n",
    );
    let args = [
        "diff",
        "old.csv",
        "new.csv",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--skip-bad-rows",
        "-q",
    ];
    let table = work.run(&args);
    assert_eq!(table.code(), 3, "{}", table.stderr());
    let stdout = table.stdout();
    assert!(
        stdout.contains(
            "Old: old.csv (as of 2026-11-28T00:00:00Z) · 1 bad row skipped (no readable cost)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("New: new.csv (as of 2026-11-28T00:00:00Z)\n"),
        "{stdout}"
    );
    let json = work.run(&[&args[..], &["--format", "json"][..]].concat());
    let json: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(json["old"]["rows_skipped"], 1, "{json}");
    assert_eq!(json["new"]["rows_skipped"], 0, "{json}");
    assert_eq!(json["old"]["total"], "1.50", "{json}");
}

/// One side with token records (estimated) as well as billed rows is grouped by source too:
/// the refusal says to group both by source, which then works.
#[test]
fn finance_diff_of_a_side_with_estimates_says_to_group_by_source() {
    let work = Workdir::new();
    work.create(
        "bill/usage.csv",
        "date,sku,cost,project\n2026-10-01,s1,1.50,p1\n",
    );
    work.create(
        "both/usage.csv",
        "date,sku,cost,project\n2026-10-01,s1,1.50,p1\n",
    );
    work.create(
        "both/tokens.jsonl",
        "{\"timestamp\":\"2026-10-01T10:00:00Z\",\"project\":\"p1\",\"endpoint\":\"chat\",\"response\":{\"id\":\"r1\",\"model\":\"gpt-4o-2024-11-20\",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":10,\"total_tokens\":1010}}}\n",
    );
    let rates = fixture("tokens/rates-2026.toml");
    let args = [
        "diff",
        "both",
        "bill",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
        "--rates",
        &rates,
        "--by",
        "project",
        "-q",
    ];
    let refused = work.run(&args);
    assert_eq!(refused.code(), 1, "{}", refused.stdout());
    assert!(
        refused.stderr().contains(
            "(source,project,currency vs project,currency): one side holds both billed rows and \
             token records (estimated), which a report keeps apart by source: group both sides \
             by source, --by source,project"
        ),
        "{}",
        refused.stderr()
    );
    let mut by_source = args.to_vec();
    by_source[10] = "source,project";
    let run = work.run(&by_source);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stdout()
            .contains("total billed USD 1.50 → 1.50 (0.00), total estimated USD"),
        "{}",
        run.stdout()
    );
}

/// A change too large for 28 digits (the largest cost against -1) is an error that names the
/// row or total, never a panic: in `diff` and in `report --compare`, per row and per total.
#[test]
fn finance_a_change_beyond_28_digits_is_a_named_error_not_a_panic() {
    let work = Workdir::new();
    let big = "79228162514264337593543950335";
    work.create("neg.csv", "date,sku,cost\n2026-10-01,s1,-1\n");
    work.create("big.csv", format!("date,sku,cost\n2026-10-01,s1,{big}\n"));
    let diff = work.run(&["diff", "neg.csv", "big.csv", "--month", "2026-10"]);
    assert_eq!(diff.code(), 1, "{}", diff.stderr());
    assert!(
        diff.stderr()
            .starts_with("error: the change of 2026-10-01, s1, USD: a sum exceeds"),
        "{}",
        diff.stderr()
    );
    work.create(
        "row.csv",
        format!("date,sku,cost,project\n2026-09-01,s1,-1,p1\n2026-10-01,s1,{big},p1\n"),
    );
    work.create(
        "total.csv",
        format!("date,sku,cost,project\n2026-09-01,s1,-1,p2\n2026-10-01,s1,{big},p1\n"),
    );
    for (input, place) in [
        ("row.csv", "the change of project \"p1\" (USD)"),
        ("total.csv", "the change of the billed total in USD"),
    ] {
        let run = work.run(&[
            "report",
            input,
            "--month",
            "2026-10",
            "--compare",
            "previous",
            "--by",
            "project",
        ]);
        assert_eq!(run.code(), 1, "{}", run.stderr());
        assert!(
            run.stderr()
                .starts_with(&format!("error: {place}: a sum exceeds")),
            "{}",
            run.stderr()
        );
    }
}

/// A change in percent beyond 28 digits is `too large` (it showed 0.0%, as if nothing had
/// changed); one of 29 digits is written out in CSV (it panicked formatting it to 4 places).
#[test]
fn finance_compare_percent_beyond_28_digits_is_too_large_and_29_digits_print() {
    let work = Workdir::new();
    for (name, cost) in [
        ("large.csv", "7922816251426433759354395033"),
        ("wide.csv", "792281625142643375935439503"),
    ] {
        work.create(
            name,
            format!("date,sku,cost\n2026-09-01,s1,1\n2026-10-01,s1,{cost}\n"),
        );
    }
    let args = [
        "--month",
        "2026-10",
        "--compare",
        "previous",
        "--format",
        "csv",
    ];
    let large = work
        .run(&[&["report", "large.csv"][..], &args[..]].concat())
        .ok();
    let rows = records(&large);
    assert_eq!(rows[1][5], "too large", "{large}");
    let table = work
        .run(&[
            "report",
            "large.csv",
            "--month",
            "2026-10",
            "--compare",
            "previous",
        ])
        .ok();
    assert!(!table.contains("0.0%"), "{table}");
    assert!(table.contains("too large"), "{table}");
    let wide = work
        .run(&[&["report", "wide.csv"][..], &args[..]].concat())
        .ok();
    assert_eq!(
        records(&wide)[1][5],
        "79228162514264337593543950200.0000",
        "{wide}"
    );
}

/// The total row of a `--compare` table says whether it may still grow, as the report's own
/// total row does (it had no status while every group above it was provisional).
#[test]
fn finance_compare_total_row_states_provisional_or_final() {
    let work = Workdir::new();
    let input = fixture("console/usage-2026-10.csv");
    for (as_of, status) in [("2026-10-20", "provisional"), ("2026-11-28", "final")] {
        for format in ["table", "markdown"] {
            let run = work.run(&[
                "report",
                &input,
                "--month",
                "2026-10",
                "--as-of",
                as_of,
                "--by",
                "service",
                "--compare",
                "previous",
                "--format",
                format,
                "-q",
            ]);
            let stdout = run.ok();
            let total = stdout
                .lines()
                .find(|l| l.starts_with("total") || l.starts_with("| **total**"))
                .unwrap_or_else(|| panic!("no total row in {stdout}"));
            let last = total.trim_end_matches([' ', '|']).split_whitespace().last();
            assert_eq!(last, Some(status), "{total}");
        }
        let out = format!("pack-{status}");
        work.run(&[
            "report",
            &input,
            "--month",
            "2026-10",
            "--as-of",
            as_of,
            "--by",
            "service",
            "--compare",
            "previous",
            "--out",
            &out,
            "--no-charts",
            "-q",
        ])
        .ok();
        let html = work.read(&format!("{out}/report.html"));
        let totals: Vec<&str> = html
            .lines()
            .filter(|l| l.starts_with("<tr class=\"total\"><td colspan"))
            .collect();
        assert!(!totals.is_empty(), "{html}");
        for total in totals {
            assert!(
                total.ends_with(&format!("<td>USD</td><td>{status}</td></tr>")),
                "{total}"
            );
        }
    }
}

//! Credits in charts and report.html, and a report of a range with no row (issue 10).

use crate::util::{Workdir, assert_golden};

/// Five October days by service: 10-01 holds 90.00 of charges and a -300.00 promotional credit
/// (net -210.00), 10-04 a -20.00 refund; charges 387.75, credits -320.00, net 67.75.
const CREDIT_CSV: &str = "\
Date,Service,SKU,Cost (USD)
2026-10-01,database,Read Units,40.00
2026-10-01,storage,Storage,50.00
2026-10-01,credits,Promo credit,-300.00
2026-10-02,database,Read Units,60.00
2026-10-02,storage,Storage,45.50
2026-10-03,database,Read Units,70.25
2026-10-03,network,Egress,12.00
2026-10-04,database,Read Units,30.00
2026-10-04,credits,Refund,-20.00
2026-10-05,database,Read Units,80.00
";

fn report(work: &Workdir, file: &str, from: &str, to: &str) -> crate::util::Run {
    work.run(&[
        "report",
        file,
        "--from",
        from,
        "--to",
        to,
        "--as-of",
        "2026-10-07",
        "--by",
        "service",
        "--out",
        "out",
    ])
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

fn outputs(work: &Workdir) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&work.read("out/manifest.json")).unwrap();
    manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn report_draws_a_credit_below_zero_and_apart_from_the_shares() {
    // Before: day 1 was a 90 bar coloured "credits" on an axis from 0; the share chart gave
    // database 413.7% and the credit -472.3%; report.html showed -300.00 like any charge.
    let work = Workdir::new();
    let file = work.create("credit.csv", CREDIT_CSV);
    report(&work, &file, "2026-10-01", "2026-10-05").ok();

    let daily = work.read("out/chart-daily.svg");
    let texts = svg_texts(&daily);
    for text in [
        "-300",
        "credits",
        "below 0: credits, refunds",
        "net of the day",
        "387.75 USD",
        "-320.00 USD",
        "67.75 USD",
    ] {
        assert!(texts.iter().any(|t| t == text), "{text} not in {texts:?}");
    }
    // Checked by eye (headless Chromium) before it was pinned.
    assert_golden("chart-daily-credits.svg", &daily);

    let share = work.read("out/chart-share.svg");
    let texts = svg_texts(&share);
    assert!(
        texts.contains(&"Credits and refunds".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"-320.00 USD".to_string()), "{texts:?}");
    // Shares of the charges only: none negative or above 100, adding to 100 (to rounding).
    let shares: Vec<f64> = texts
        .iter()
        .filter_map(|t| t.strip_suffix('%'))
        .map(|t| t.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(shares, [72.3, 24.6, 3.1]);
    assert!(shares.iter().all(|p| (0.0..=100.0).contains(p)));

    let html = work.read("out/report.html");
    assert!(html.contains(
        "<td class=\"num credit\" title=\"-300.00\"><span class=\"tag\">credit</span>\
         -300.00&nbsp;USD</td>"
    ));
    assert!(html.contains("<span class=\"tag\">credit</span>-320.00&nbsp;USD"));
    // The charts in the page are the files.
    assert!(html.contains(daily.trim()));
    assert!(html.contains(share.trim()));
}

#[test]
fn report_of_an_empty_range_says_no_data_and_draws_no_chart() {
    // Before: "Every day in this report is final." over two empty charts.
    let work = Workdir::new();
    let file = work.create("credit.csv", CREDIT_CSV);
    // A first run leaves charts in the folder; the empty run must not keep them.
    report(&work, &file, "2026-10-01", "2026-10-05").ok();
    assert!(work.path().join("out/chart-daily.svg").exists());
    let run = report(&work, &file, "2026-09-01", "2026-09-05");
    run.ok();
    assert!(
        run.stderr()
            .contains("no charts: there is no data in this range (2026-09-01 to 2026-09-05)"),
        "{}",
        run.stderr()
    );
    let html = work.read("out/report.html");
    assert!(html.contains("<strong>No data in this range</strong> (2026-09-01 to 2026-09-05)"));
    assert!(html.contains("No charts: there is no data in this range (2026-09-01 to 2026-09-05)."));
    assert!(!html.contains("Every day in this report is final"));
    assert!(!html.contains("<svg"));
    for chart in [
        "chart-daily.svg",
        "chart-daily.png",
        "chart-share.svg",
        "chart-share.png",
    ] {
        assert!(!work.path().join("out").join(chart).exists(), "{chart}");
    }
    assert_eq!(
        outputs(&work),
        [
            "summary.csv",
            "daily.csv",
            "report.html",
            "report.xlsx",
            "manifest.json"
        ]
    );
}

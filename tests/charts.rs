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
    // No share column: with credits, shares of a net total would run past 100%.
    assert!(!html.contains(">share</th>"));
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

/// Runs `report` on `csv` by `by` from `from` to `to` (as of 2027-01-10, every day final) and
/// returns the daily and share SVGs.
fn chart_of(csv: &str, by: &str, from: &str, to: &str) -> (Workdir, String, String) {
    let work = Workdir::new();
    let file = work.create("usage.csv", csv);
    work.run(&[
        "report",
        &file,
        "--from",
        from,
        "--to",
        to,
        "--as-of",
        "2027-01-10",
        "--by",
        by,
        "--out",
        "out",
    ])
    .ok();
    let daily = work.read("out/chart-daily.svg");
    let share = work.read("out/chart-share.svg");
    (work, daily, share)
}

/// The `<title>` texts inside `<text>` elements: the full names of cut labels.
fn cut_titles(svg: &str) -> Vec<String> {
    svg.lines()
        .filter(|line| line.starts_with("<text"))
        .filter_map(|line| line.split_once("<title>"))
        .filter_map(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title.to_string())
        .collect()
}

#[test]
fn chart_of_forty_keys_names_seven_and_sums_the_rest() {
    let mut csv = String::from("Date,Service,SKU,Cost (USD)\n");
    for k in 1..=40 {
        for d in 1..=3 {
            csv.push_str(&format!(
                "2026-10-0{d},svc,SKU number {k:02},{}.00\n",
                41 - k
            ));
        }
    }
    let (work, daily, share) = chart_of(&csv, "sku", "2026-10-01", "2026-10-03");
    let texts = svg_texts(&daily);
    // Seven colours, seven names, then "other": the legend fits its column.
    for k in 1..=7 {
        assert!(texts.contains(&format!("SKU number {k:02}")), "{texts:?}");
    }
    assert!(!texts.contains(&"SKU number 08".to_string()));
    assert!(texts.contains(&"other (33 keys)".to_string()), "{texts:?}");
    assert!(svg_texts(&share).contains(&"other (33 keys)".to_string()));
    // 3 × (40 + 39 + … + 1) = 2,460.00
    assert!(
        texts.contains(&"total 2,460.00 USD".to_string()),
        "{texts:?}"
    );
    assert!(daily.starts_with("<svg role=\"img\""));
    assert!(daily.contains("<title>Daily cost by sku (USD)</title>"));
    assert_golden("chart-daily-40-keys.svg", &daily);
    // More names than colours is refused, naming the limit.
    let file = work.path().join("usage.csv").display().to_string();
    let run = work.run(&["report", &file, "--chart-top", "8", "--out", "out2"]);
    assert_eq!(run.code(), 2);
    let err = run.stderr();
    assert!(
        err.contains("--chart-top") && err.contains("1..=7"),
        "{err}"
    );
}

#[test]
fn chart_of_one_day_centres_its_bar() {
    let csv = "Date,Service,SKU,Cost (USD)\n2026-10-07,database,Read,12.50\n";
    let (_work, daily, share) = chart_of(csv, "service", "2026-10-07", "2026-10-07");
    let texts = svg_texts(&daily);
    assert!(texts.contains(&"7".to_string()), "{texts:?}");
    assert!(texts.contains(&"UTC day, 2026-10-07".to_string()));
    // The one bar is centred in the plot: its middle is the middle of the plot's frame.
    let bar = daily
        .lines()
        .find(|l| l.starts_with("<rect") && l.contains("fill=\"#0072B2\""))
        .expect("a blue bar");
    let attr = |name: &str| -> f64 {
        let start = bar.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        bar[start..].split('"').next().unwrap().parse().unwrap()
    };
    // Before: the bar filled the left half of the plot and the right half was an empty slot.
    // Now one slot fills the plot and the bar, 80 pixels at most, sits in its middle, over
    // the day's label.
    let middle = attr("x") + attr("width") / 2.0;
    assert!(attr("width") <= 81.0 && attr("width") >= 70.0, "{bar}");
    let label_x: f64 = daily
        .lines()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[1].trim() == "7")
        .and_then(|w| w[0].split("x=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((middle - label_x).abs() <= 1.0, "{middle} {label_x}");
    assert!(label_x > 400.0, "{label_x}");
    assert!(svg_texts(&share).contains(&"12.50 USD   100.0%".to_string()));
    assert_golden("chart-daily-one-day.svg", &daily);
}

#[test]
fn chart_of_a_year_labels_month_starts() {
    let mut csv = String::from("Date,Service,SKU,Cost (USD)\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for (i, day) in start.iter_days().take(365).enumerate() {
        csv.push_str(&format!("{day},database,Read,{}.25\n", 10 + i % 7));
        csv.push_str(&format!("{day},storage,Disk,{}.50\n", 3 + i % 5));
    }
    let (_work, daily, _share) = chart_of(&csv, "service", "2026-01-01", "2026-12-31");
    let texts = svg_texts(&daily);
    let months = [
        "Jan 2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // In order, each once: every month start is labelled (before: one label for the year).
    let at: Vec<usize> = months
        .iter()
        .map(|m| {
            texts
                .iter()
                .position(|t| t == m)
                .unwrap_or_else(|| panic!("{m}: {texts:?}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{texts:?}");
    assert_golden("chart-daily-365-days.svg", &daily);
}

#[test]
fn chart_of_1e11_has_compact_ticks_clear_of_the_axis_title() {
    let csv = "Date,Service,SKU,Cost (USD)\n\
               2026-10-01,compute,VM,120000000000.00\n\
               2026-10-02,compute,VM,95000000000.00\n\
               2026-10-02,storage,Disk,1000000000.00\n\
               2026-10-03,compute,VM,-20000000000.00\n";
    let (_work, daily, share) = chart_of(csv, "service", "2026-10-01", "2026-10-03");
    let texts = svg_texts(&daily);
    for tick in ["0", "40 B", "80 B", "120 B", "-20 B"] {
        assert!(texts.contains(&tick.to_string()), "{tick} not in {texts:?}");
    }
    assert!(texts.contains(&"cost (USD)".to_string()));
    // The rotated axis title sits left of every tick label's right edge minus its width: the
    // label area was sized from the widest label.
    let title_x: f64 = daily
        .lines()
        .find(|l| l.contains("rotate(270"))
        .and_then(|l| l.split("x=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(title_x < 30.0, "{title_x}");
    assert!(
        svg_texts(&share).iter().any(|t| t == "100 B"),
        "{:?}",
        svg_texts(&share)
    );
    assert_golden("chart-daily-1e11.svg", &daily);
}

#[test]
fn chart_keeps_names_distinct_with_full_names_in_titles() {
    let mut csv = String::from("Date,Service,SKU,Cost (USD)\n");
    for tier in 1..=4 {
        csv.push_str(&format!(
            "2026-10-01,db,Serverless Read Units - dedicated read nodes tier {tier} (aws us-east-1),{tier}0.00\n"
        ));
    }
    csv.push_str("2026-10-02,db,東京リージョン 読み取りユニット,5.00\n");
    csv.push_str("2026-10-02,db,大阪リージョン 書き込みユニット,4.00\n");
    let (_work, daily, share) = chart_of(&csv, "sku", "2026-10-01", "2026-10-02");
    for svg in [&daily, &share] {
        let texts = svg_texts(svg);
        let cut: Vec<&String> = texts.iter().filter(|t| t.contains('…')).collect();
        assert_eq!(cut.len(), 4, "{texts:?}");
        let mut unique = cut.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4, "names cut alike: {cut:?}");
        // Each keeps its tier.
        for tier in 1..=4 {
            assert!(
                cut.iter().any(|t| t.contains(&format!("{tier} (aws"))),
                "{cut:?}"
            );
        }
        let titles = cut_titles(svg);
        for tier in 1..=4 {
            let full =
                format!("Serverless Read Units - dedicated read nodes tier {tier} (aws us-east-1)");
            assert!(titles.contains(&full), "{titles:?}");
        }
        // CJK names are written as given (the SVG viewer's fonts draw them).
        assert!(texts.contains(&"東京リージョン 読み取りユニット".to_string()));
    }
    assert_golden("chart-daily-cjk-and-long-names.svg", &daily);
}

fn console_report(work: &Workdir, extra: &[&str]) -> String {
    let fixture = crate::util::fixture("console");
    let args = [
        &[
            "report",
            fixture.as_str(),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-02T10:30Z",
            "--out",
            "out",
        ][..],
        extra,
    ]
    .concat();
    work.run(&args).ok();
    work.read("out/report.html")
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> f64 {
    let lum = |hex: &str| {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn report_html_has_subtotals_shares_and_a_print_layout() {
    let work = Workdir::new();
    let html = console_report(&work, &["--by", "service,sku"]);
    // A share column and a subtotal per first key (by-service golden: database 1,899.36 of
    // 3,103.46 = 61.2%; assistants 785.03 = 25.3%).
    assert!(html.contains("<th class=\"num\">share</th>"));
    assert!(
        html.contains(
            "<tr class=\"subtotal\"><td>database</td><td colspan=\"3\">subtotal</td>\
         <td class=\"num\" title=\"1899.36242561\">1,899.36&nbsp;USD</td>\
         <td class=\"num share\">61.2%</td><td>provisional</td></tr>"
        ),
        "no database subtotal"
    );
    assert!(html.contains("<td class=\"num share\">25.3%</td>"));
    // collections has one row: no subtotal for it.
    assert_eq!(html.matches("<tr class=\"subtotal\">").count(), 3);
    // The "final" notice style is its own class: no row is painted by it.
    assert!(html.contains("p.notice-final {"));
    assert!(!html.contains(".final {") && !html.contains("p.final"));
    // Print: the total row once, the daily table left out, page numbers, landscape.
    for rule in [
        "tfoot { display: table-row-group; }",
        "#daily-section { display: none; }",
        "counter(page)",
        "size: landscape",
    ] {
        assert!(html.contains(rule), "{rule}");
    }
    assert!(!html.contains("hover"));
    // Every chart is an image with a name.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 2);
    assert!(html.contains("<title>Daily cost by service (USD)</title>"));
    // WCAG AA: every text colour of the page has 4.5:1 on the darkest background text sits
    // on (the header cells, #f4f4f4). Before: the footer's #888 had 3.5:1.
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    let colours: Vec<String> = style
        .match_indices("color: #")
        .filter(|(at, _)| !style[..*at].ends_with("background-"))
        .map(|(at, _)| {
            let hex: String = style[at + 8..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            match hex.len() {
                3 => format!("#{}", hex.chars().flat_map(|c| [c, c]).collect::<String>()),
                _ => format!("#{hex}"),
            }
        })
        .collect();
    assert!(colours.contains(&"#595959".to_string()), "{colours:?}");
    assert!(colours.len() >= 8, "{colours:?}");
    for colour in colours {
        let ratio = contrast(&colour, "#f4f4f4");
        assert!(ratio >= 4.5, "{colour}: {ratio:.2}");
    }
}

#[test]
fn report_html_has_a_subtotal_per_period() {
    let work = Workdir::new();
    let html = console_report(&work, &["--by", "service", "--period", "week"]);
    let summary = work.read("out/summary.csv");
    let mut periods: Vec<&str> = summary
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    periods.dedup();
    assert!(periods.len() >= 5, "{periods:?}");
    assert_eq!(html.matches("period subtotal").count(), periods.len());
}

#[test]
fn chart_pngs_are_palette_pngs_a_tenth_of_the_rgb_size() {
    // Before: 24-bit RGB at default compression, 214 KB and 79 KB for the fixture's charts.
    let work = Workdir::new();
    console_report(&work, &["--by", "service"]);
    for (name, limit) in [("chart-daily.png", 40_000), ("chart-share.png", 30_000)] {
        let bytes = std::fs::read(work.path().join("out").join(name)).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: 1200 × 600, 8 bits, colour type 3 (indexed).
        assert_eq!(&bytes[16..24], &[0, 0, 4, 176, 0, 0, 2, 88]);
        assert_eq!((bytes[24], bytes[25]), (8, 3), "{name}");
        assert!(bytes.len() < limit, "{name}: {} bytes", bytes.len());
    }
}

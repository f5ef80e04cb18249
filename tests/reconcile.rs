//! `tally reconcile`: billed assistants usage beside token-record estimates.

use crate::util::{Workdir, assert_golden, fixture, records};

fn reconcile(extra: &[&str]) -> String {
    let dir = fixture("reconcile");
    let mut args = vec![
        "reconcile",
        dir.as_str(),
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-28",
    ];
    args.extend_from_slice(extra);
    Workdir::new().run(&args).ok()
}

#[test]
fn reconcile_flags_only_the_day_where_bill_and_logs_differ() {
    let csv = reconcile(&["--format", "csv"]);
    assert_golden("reconcile-2026-10.csv", &csv);
    let flags: Vec<(String, String, String, String)> = records(&csv)[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[7].clone(), r[9].clone()))
        .collect();
    let row = |day: &str, sku: &str, difference: &str, flag: &str| {
        (day.into(), sku.into(), difference.into(), flag.into())
    };
    // Built-in prices. 10-02: billed 2,000,000 input tokens ($16.00), logged 1,500,000
    // (1,500,000 × $8 / 1,000,000 = $12.00): −$4.00, beyond 0.5% of $16.00 = $0.08.
    assert_eq!(
        flags,
        [
            row("2026-10-01", "Assistants Input Tokens", "0.00", "ok"),
            row("2026-10-01", "Assistants Output Tokens", "0.00", "ok"),
            row("2026-10-02", "Assistants Input Tokens", "-4.00", "differs"),
            row("2026-10-02", "Assistants Output Tokens", "0.00", "ok"),
            row(
                "2026-10-03",
                "Assistants Context Tokens Processed",
                "-1.00",
                "billed-only"
            ),
            row("2026-10-03", "Assistants Input Tokens", "0.00", "ok"),
            row(
                "2026-10-04",
                "Assistants Context Tokens Processed",
                "0.50",
                "estimated-only"
            ),
        ]
    );
    // The database row of the bill is not an assistants SKU: it is not reconciled.
    assert!(!csv.contains("Read Units"));
}

#[test]
fn reconcile_tolerance_is_relative_to_the_bill() {
    // $4.00 of $16.00 is 25%: within 30%, beyond 0.2 (20%).
    let wide = reconcile(&["--tolerance", "30%", "--format", "csv"]);
    assert!(!wide.contains(",differs,"), "{wide}");
    let narrow = reconcile(&["--tolerance", "0.2", "--format", "csv"]);
    assert!(narrow.contains(",differs,"), "{narrow}");
    let json: serde_json::Value = serde_json::from_str(&reconcile(&["--format", "json"])).unwrap();
    assert_eq!(json["tolerance"], "0.5%");
    assert_eq!(json["rows"][2]["estimated"]["cost"], "12.00");
    let table = reconcile(&[]);
    assert!(table.contains("3 of 7 day/SKU row(s) flagged"), "{table}");
    let bad = Workdir::new().run(&["reconcile", &fixture("reconcile"), "--tolerance", "-1%"]);
    assert_eq!(bad.code(), 2);
}

//! The terminal table at a set width (issue 14): `TALLY_COLUMNS` fits it as a terminal of
//! that width would; key cells are cut in the middle, figures never; text is measured by
//! display width (a CJK character takes two columns); figures are right-aligned, quantities
//! grouped by thousands.

use crate::util::Workdir;

const USAGE: &str = "\
Date,Project Name,Service,SKU,Quantity,Unit,Cost (USD)
2026-10-01,search-prod,database,Serverless Read Units (aws us-east-1),69390230,RU,1110.24
2026-10-01,search-prod,database,Serverless Read Units (aws us-east-1) dedicated read nodes tier 2,1257050222.5,RU,100.56
2026-10-01,東京チーム,推論,東京リージョン 埋め込みトークン（多言語モデル大）,1500,tokens,12.50
2026-10-02,東京チーム,推論,大阪リージョン 埋め込みトークン（多言語モデル小）,250,tokens,3.75
";

fn table(columns: Option<&str>) -> String {
    let mut work = Workdir::new();
    if let Some(columns) = columns {
        work = work.env("TALLY_COLUMNS", columns);
    }
    let file = work.create("usage.csv", USAGE);
    work.run(&[
        "report",
        &file,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--by",
        "project,sku",
    ])
    .ok()
}

fn width(line: &str) -> usize {
    // East Asian wide characters (and the full-width parentheses) take two columns.
    line.chars()
        .map(|c| match c as u32 {
            0x3000..=0x30FF | 0x4E00..=0x9FFF | 0xFF01..=0xFF60 => 2,
            _ => 1,
        })
        .sum()
}

/// The table's lines: from the header to the total row.
fn rows(out: &str) -> Vec<&str> {
    out.lines()
        .skip_while(|l| !l.starts_with("project"))
        .take_while(|l| !l.starts_with("final"))
        .collect()
}

/// The display column where each row's cost ends: the same for every row when right-aligned.
fn cost_ends(out: &str, cost: &str) -> usize {
    let line = rows(out)
        .into_iter()
        .find(|l| l.contains(cost))
        .unwrap_or_else(|| panic!("{cost} not in {out}"));
    let at = line.find(cost).unwrap() + cost.len();
    width(&line[..at])
}

#[test]
fn table_fits_80_columns_cutting_names_not_figures() {
    let out = table(Some("80"));
    for line in rows(&out) {
        assert!(width(line) <= 80, "{} columns: {line}\n{out}", width(line));
    }
    // Every figure whole, grouped by thousands, right-aligned in its column.
    for figure in ["1,110.24", "100.56", "12.50", "3.75", "1,227.05"] {
        assert!(out.contains(figure), "{figure} cut in\n{out}");
    }
    let end = cost_ends(&out, "1,110.24");
    for figure in ["100.56", "12.50", "3.75", "1,227.05"] {
        assert_eq!(cost_ends(&out, figure), end, "{figure}\n{out}");
    }
    assert!(
        out.contains("69,390,230") && out.contains("1,257,050,222.5"),
        "{out}"
    );
    // Long names cut in the middle: their start and their distinguishing end stay.
    let cut: Vec<&str> = rows(&out).into_iter().filter(|l| l.contains('…')).collect();
    assert!(cut.len() >= 2, "{out}");
    // Two names that differ only at the end stay different.
    let sku = |line: &str| {
        line.split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let mut skus: Vec<String> = rows(&out)[2..6].iter().map(|l| sku(l)).collect();
    skus.sort();
    skus.dedup();
    assert_eq!(skus.len(), 4, "{out}");
    assert!(out.contains("st-1)") && out.contains("ier 2"), "{out}");
    assert!(out.contains("小）") && out.contains("大）"), "{out}");
}

#[test]
fn table_at_120_columns_keeps_what_fits() {
    let out = table(Some("120"));
    for line in rows(&out) {
        assert!(width(line) <= 120, "{line}");
    }
    // The short names are whole; the wide-character rows line up with the others.
    assert!(
        out.contains("Serverless Read Units (aws us-east-1)"),
        "{out}"
    );
    assert!(out.contains("東京チーム"));
    assert_eq!(
        cost_ends(&out, "12.50"),
        cost_ends(&out, "1,110.24"),
        "{out}"
    );
}

#[test]
fn table_to_a_pipe_is_never_cut() {
    // Tests run tally with stdout piped and without TALLY_COLUMNS: as wide as the cells.
    let out = table(None);
    assert!(!out.contains('…'), "{out}");
    assert!(out.contains("Serverless Read Units (aws us-east-1) dedicated read nodes tier 2"));
    assert!(out.contains("東京リージョン 埋め込みトークン（多言語モデル大）"));
    assert!(rows(&out).iter().any(|l| width(l) > 120));
    assert_eq!(
        cost_ends(&out, "3.75"),
        cost_ends(&out, "1,110.24"),
        "{out}"
    );
}

//! Properties of the whole binary on random inputs: groups add up to the total, and neither
//! the order of rows nor splitting a file in two changes any output byte.

use crate::util::{Workdir, costs_by_key};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

const HEADER: &str = "date,project,sku,cost\n";

fn row() -> impl Strategy<Value = String> {
    (
        1u32..=31,
        0usize..3,
        0usize..4,
        -50_000i64..5_000_000,
        0u32..7,
    )
        .prop_map(|(day, project, sku, units, scale)| {
            let cost = Decimal::new(units, scale);
            format!(
                "2026-10-{day:02},{},{},{cost}\n",
                ["alpha", "\"beta, inc\"", "gamma"][project],
                [
                    "Read Units",
                    "Write Units",
                    "Storage",
                    "Assistants Input Tokens"
                ][sku]
            )
        })
}

fn report(work: &Workdir, inputs: &[&str], by: &str) -> String {
    let mut args = vec!["report"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&[
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-10",
        "--by",
        by,
        "--period",
        "week",
        "--format",
        "csv",
        "--on-overlap",
        "sum",
    ]);
    work.run(&args).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn property_groups_sum_to_total_and_order_does_not_matter(
        rows in proptest::collection::vec(row(), 1..60),
        seed in any::<u64>(),
        split in any::<prop::sample::Index>(),
    ) {
        let work = Workdir::new().env("TALLY_BLOCK_SIZE", "128");
        let whole = work.create("whole.csv", format!("{HEADER}{}", rows.concat()));
        let mut shuffled = rows.clone();
        // A deterministic Fisher-Yates shuffle from the generated seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled_path = work.create("shuffled.csv", format!("{HEADER}{}", shuffled.concat()));
        let at = split.index(rows.len() + 1);
        let first = work.create("part1.csv", format!("{HEADER}{}", rows[..at].concat()));
        let second = work.create("part2.csv", format!("{HEADER}{}", rows[at..].concat()));

        let expected = report(&work, &[&whole], "project,sku");
        prop_assert_eq!(&report(&work, &[&shuffled_path], "project,sku"), &expected);
        prop_assert_eq!(&report(&work, &[&first, &second], "project,sku"), &expected);

        let total: Decimal = rows
            .iter()
            .map(|r| Decimal::from_str(r.trim_end().rsplit(',').next().unwrap()).unwrap())
            .sum();
        let json = work
            .run(&["report", &whole, "--month", "2026-10", "--as-of", "2026-11-10", "--by", "project", "--format", "json"])
            .ok();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Decimal::from_str(value["total"].as_str().unwrap()).unwrap(), total);
        let groups: Decimal = costs_by_key(&report(&work, &[&whole], "sku")).values().sum();
        prop_assert_eq!(groups, total);
    }
}

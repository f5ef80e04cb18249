//! Reliability: defects found by an adversarial test pass (issue 11). Each test names the
//! item it covers; every one failed before its fix.

use crate::util::{Workdir, records};

const REPORT: &[&str] = &["--month", "2026-10", "--as-of", "2026-11-28"];
const FOCUS_HEADER: &str = "BilledCost,ChargePeriodStart,SkuId,BillingCurrency\n";

fn report(work: &Workdir, inputs: &[&str], extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["report"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(REPORT);
    args.extend_from_slice(extra);
    work.run(&args)
}

// Item 6: a multi-byte character at byte 10 of a date.

#[test]
fn reliability_full_width_digits_in_a_date_are_a_bad_row_not_a_panic() {
    let work = Workdir::new();
    let usage = "Date,SKU,Cost\n2026-10-01,A,1.00\n２０２６-10-01,A,2.00\n２０２６-10-01T00:00:00Z,A,2.00\n";
    work.create("usage.csv", usage);
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(
        stderr.contains("usage.csv:3: column \"Date\": \"２０２６-10-01\" is not a date"),
        "{stderr}"
    );
    let csv = report(
        &work,
        &["usage.csv"],
        &["--skip-bad-rows", "--format", "csv"],
    )
    .ok();
    assert!(csv.contains("1.00"), "{csv}");
    let focus = "BilledCost,ChargePeriodStart,ChargePeriodEnd,SkuId,BillingCurrency\n\
         1,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,A,USD\n\
         2,２０２６-10-01T00:00:00Z,2026-10-02T00:00:00Z,A,USD\n\
         3,2026-10-01T00:00:00Z,２０２６-10-02T00:00:00Z,A,USD\n\
         4,2026-10-01 00:00:00ｚ,2026-10-02,A,USD\n";
    work.create("focus.csv", focus);
    let stderr = report(&work, &["focus.csv"], &[]).fails();
    assert!(
        stderr.contains("focus.csv:3: column \"ChargePeriodStart\""),
        "{stderr}"
    );
    for extra in [
        &["--skip-bad-rows"][..],
        &["--skip-bad-rows", "--spread-charges"],
        &["--skip-bad-rows", "--date-format", "%Y-%m-%dT%H:%M:%SZ"],
        &["--skip-bad-rows", "--date-basis", "billing"],
    ] {
        let run = report(&work, &["focus.csv"], extra);
        assert!(matches!(run.code(), 0 | 1), "{extra:?}: {}", run.stderr());
        assert!(
            !run.stderr().contains("panicked"),
            "{extra:?}: {}",
            run.stderr()
        );
    }
    let run = work.run(&["inspect", "focus.csv", "usage.csv"]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

// Item 22: messages that said something else than what was wrong.

#[test]
fn reliability_trailing_zeros_beyond_28_places_are_exact() {
    let work = Workdir::new();
    let zeros = "0".repeat(40);
    work.create(
        "usage.csv",
        format!(
            "Date,SKU,Cost\n2026-10-01,A,1.{zeros}\n2026-10-01,A,0.{zeros}\n\
             2026-10-01,A,1234567890123456789012345678.000\n"
        ),
    );
    let csv = report(&work, &["usage.csv"], &["--format", "csv"]).ok();
    assert!(csv.contains("1234567890123456789012345679"), "{csv}");
    work.create(
        "focus.csv",
        format!(
            "{FOCUS_HEADER}1.{zeros},2026-10-01,A,USD\n2.{zeros}E0,2026-10-01,A,USD\n\
             0.{zeros},2026-10-01,A,USD\n"
        ),
    );
    let csv = report(&work, &["focus.csv"], &["--format", "csv"]).ok();
    assert!(
        records(&csv)[1].iter().any(|f| f.starts_with("3.00")),
        "{csv}"
    );
    // A digit that is not zero beyond 28 places is still refused.
    work.create(
        "usage.csv",
        "Date,SKU,Cost\n2026-10-01,A,1.00000000000000000000000000001\n",
    );
    let stderr = report(&work, &["usage.csv"], &[]).fails();
    assert!(stderr.contains("more than 28 decimal places"), "{stderr}");
}

//! `tally reconcile`: ingest both sides → pair them by day and SKU → render → write.

use crate::aggregate;
use crate::config::{Format, ReconcileConfig};
use crate::error::Exit;
use crate::model::Status;
use crate::output;
use crate::reconcile::{ReconcileRow, reconcile};
use crate::render;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// Every file `reconcile --out` may write: the folder may hold these and nothing else.
const OUTPUTS: &[&str] = &[
    "reconcile.csv",
    "reconcile.json",
    "rejects.csv",
    "manifest.json",
];

pub fn run(config: ReconcileConfig, now: DateTime<Utc>) -> Result<Exit> {
    let report = &config.report;
    // The --out folder is locked for the whole run: a second run stops before reading.
    let claim = report
        .out
        .as_deref()
        .map(output::OutDir::claim)
        .transpose()?;
    let mut plan = report.plan.clone();
    // Hashing costs a tenth of a scan: only for the manifest (and, in scan_inputs, to find
    // inputs given twice).
    plan.hash_inputs = report.out.is_some();
    let mut scanned = super::scan_inputs(
        &report.inputs,
        &plan,
        report.on_overlap,
        report.rates_path.as_deref(),
        report.quiet,
    )?;
    let groups = aggregate::decode_groups(
        std::mem::take(&mut scanned.resolved.groups),
        scanned.plan.keys.len(),
    )?;
    let rows = reconcile(&groups, config.tolerance, report.delay)
        .map_err(|overflow| anyhow::anyhow!("{overflow}"))?;
    let rejects = scanned.rejects();
    let csv = render::reconcile::csv(&rows)?;
    let provisional = provisional_days(&rows);
    let json = render::reconcile::json(
        &rows,
        &config.tolerance_text,
        &render::reconcile::Frame {
            range: scanned.plan.range,
            delay: report.delay,
            provisional_days: &provisional,
        },
    );

    // A run that fails for want of data leaves the previous --out set as it was.
    let failing_empty = report.fail_on_empty && super::nothing_counted(&scanned.resolved);
    if let Some(claim) = claim.filter(|_| !failing_empty) {
        let out = output::OutDir::begin(claim, "reconcile", OUTPUTS, report.quiet)?;
        let dir = out.path();
        let mut written = vec!["reconcile.csv", "reconcile.json"];
        output::write_atomic(dir, "reconcile.csv", &csv)?;
        output::write_atomic(dir, "reconcile.json", &json)?;
        if super::write_rejects(dir, &rejects)? {
            written.push("rejects.csv");
        }
        written.push("manifest.json");
        let manifest = render::manifest::render_reconcile(
            report,
            &scanned.plan.rates,
            &render::manifest::ReconcileFigures {
                tolerance: &config.tolerance_text,
                fail_on_flag: config.fail_on_flag,
                rows: rows.len(),
                flagged: flagged(&rows),
                provisional_days: provisional.clone(),
            },
            render::manifest::ManifestInput {
                scans: &scanned.scans,
                counts: &scanned.resolved.counts,
                duplicate_of: &scanned.resolved.duplicate_of,
                skipped: &scanned.skipped,
            },
            &written,
            now,
        );
        output::write_atomic(dir, "manifest.json", &manifest)?;
        out.commit()?;
    }

    super::tell_rejects(&rejects, report.out.as_deref(), report.quiet);
    if !report.quiet {
        for warning in &scanned.resolved.warnings {
            output::warn(warning);
        }
        // One side missing makes every row of the other one-sided. With neither, there are no
        // rows: the warning below on the empty range says why, and these two would contradict
        // each other ("every row is estimated-only", "every row is billed-only").
        let has = |source: &str| groups.iter().any(|g| g.source == source);
        if !has("billed") && has("estimated") {
            output::warn("no billed assistants usage in range: every row is estimated-only");
        }
        if !has("estimated") && has("billed") {
            output::warn("no token records in range: every row is billed-only");
        }
        if let (Some(first), Some(last)) = (provisional.first(), provisional.last()) {
            let days = if first == last {
                format!("{first} is")
            } else {
                format!("{first} to {last} are")
            };
            output::warn(&format!(
                "{days} provisional: the bill may still grow, so estimated-only rows there are \
                 expected; re-run on or after {}T00:00Z",
                report.delay.final_at(*last)
            ));
        }
    }
    let mut empty = None;
    if super::nothing_counted(&scanned.resolved) {
        let question = crate::scope::EmptyQuestion {
            what: format!(
                "the range {} to {}",
                scanned.plan.range.from, scanned.plan.range.to
            ),
            range: scanned.plan.range,
            filters: &scanned.plan.filters,
            implicit_service: true,
        };
        empty = super::tell_empty(&question, &scanned, report.fail_on_empty, report.quiet);
    }
    let exit = if let Some(exit) = empty {
        exit
    } else if config.fail_on_flag && flagged(&rows) > 0 {
        Exit::FLAGGED
    } else {
        Exit::Ok
    };
    // Quiet cron: with --out and -q the files are the output; stdout stays empty unless
    // --fail-on-flag found a row to show.
    if report.quiet && report.out.is_some() && exit != Exit::FLAGGED {
        return Ok(exit);
    }
    let bytes = match config.format {
        Format::Table => output::visible_lines(&render::reconcile::table(&rows, config.tolerance))
            .into_owned()
            .into_bytes(),
        Format::Csv => csv,
        Format::Json => json,
    };
    output::stdout(&bytes)?;
    Ok(exit)
}

fn flagged(rows: &[ReconcileRow]) -> usize {
    rows.iter().filter(|row| row.flag.is_flagged()).count()
}

/// The days of provisional rows, ascending, each once.
fn provisional_days(rows: &[ReconcileRow]) -> Vec<crate::model::Day> {
    let days: std::collections::BTreeSet<_> = rows
        .iter()
        .filter(|row| row.status == Status::Provisional)
        .map(|row| row.day)
        .collect();
    days.into_iter().collect()
}

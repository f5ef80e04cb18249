//! `tally reconcile`: ingest both sides → pair them by day and SKU → render.

use crate::aggregate;
use crate::config::{Format, ReconcileConfig};
use crate::error::Exit;
use crate::output;
use crate::reconcile::reconcile;
use crate::render;
use anyhow::Result;

pub fn run(config: ReconcileConfig) -> Result<Exit> {
    let report = &config.report;
    let mut scanned = super::scan_inputs(
        &report.inputs,
        &report.plan,
        report.on_overlap,
        report.rates_path.as_deref(),
        report.quiet,
    )?;
    let groups = aggregate::decode_groups(
        std::mem::take(&mut scanned.resolved.groups),
        scanned.plan.keys.len(),
    );
    let resolved = &scanned.resolved;
    let rows = reconcile(&groups, config.tolerance, report.delay)
        .map_err(|overflow| anyhow::anyhow!("{overflow}"))?;
    if !report.quiet {
        for warning in &resolved.warnings {
            output::warn(warning);
        }
        let has = |source: &str| groups.iter().any(|g| g.source == source);
        if !has("billed") {
            output::warn("no billed assistants usage in range: every row is estimated-only");
        }
        if !has("estimated") {
            output::warn("no token records in range: every row is billed-only");
        }
    }
    let bytes = match report.format {
        Format::Table => render::reconcile::table(&rows).into_bytes(),
        Format::Csv => render::reconcile::csv(&rows)?,
        Format::Json => render::reconcile::json(&rows, &config.tolerance_text),
    };
    output::stdout(&bytes)?;
    Ok(Exit::Ok)
}

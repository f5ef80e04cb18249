//! One module per subcommand: each wires the pipeline stages together and owns no logic of
//! its own beyond that. The ingest → resolve step they share lives here.

pub mod alerts;
pub mod report;

use crate::aggregate::{self, Resolved};
use crate::config::{OnOverlap, ScanPlan};
use crate::ingest::{self, InputScan, tally::Reject};
use anyhow::Result;
use std::path::PathBuf;

/// The inputs read and their duplicates and overlaps resolved.
pub struct Scanned {
    pub scans: Vec<InputScan>,
    pub resolved: Resolved,
}

impl Scanned {
    /// The rows skipped under `--skip-bad-rows`, from inputs that were not read-once duplicates.
    pub fn rejects(&self) -> Vec<&Reject> {
        self.scans
            .iter()
            .zip(&self.resolved.duplicate_of)
            .filter(|(_, duplicate)| duplicate.is_none())
            .flat_map(|(scan, _)| &scan.tally.rejects)
            .collect()
    }
}

/// Finds the input files, scans each with `plan` and resolves duplicates and overlaps.
pub fn scan_inputs(inputs: &[PathBuf], plan: &ScanPlan, on_overlap: OnOverlap) -> Result<Scanned> {
    let files = ingest::discover(inputs)?;
    let mut plan = plan.clone();
    plan.track_overlap = files.len() > 1 && on_overlap != OnOverlap::Sum;
    plan.hash_inputs |= files.len() > 1;
    let scans = files
        .iter()
        .map(|file| ingest::scan_input(file, &plan))
        .collect::<Result<Vec<_>>>()?;
    let resolved = aggregate::resolve(&scans, on_overlap)?;
    Ok(Scanned { scans, resolved })
}

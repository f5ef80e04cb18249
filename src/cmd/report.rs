//! `tally report`: ingest → resolve overlaps → aggregate → render → write.

use crate::aggregate::{self, Resolved, Summary};
use crate::config::{Format, OnOverlap, ReportConfig, ScanPlan};
use crate::error::Exit;
use crate::ingest::{self, InputScan, tally::Reject};
use crate::output;
use crate::rates::{RateCard, RateOrigin};
use crate::render;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Reads every input (with the rate card of `--rates`) and resolves duplicates and overlaps.
pub fn scan_all(config: &ReportConfig) -> Result<(ScanPlan, Vec<InputScan>, Resolved)> {
    let files = ingest::discover(&config.inputs)?;
    let mut plan = config.plan.clone();
    plan.track_overlap = files.len() > 1 && config.on_overlap != OnOverlap::Sum;
    if let Some(path) = &config.rates_path {
        plan.rates = std::sync::Arc::new(read_rate_card(path)?);
    }
    let mut seen_ids = ingest::tokens::SeenIds::new();
    let scans = files
        .iter()
        .map(|file| ingest::scan_input(file, &plan, &mut seen_ids))
        .collect::<Result<Vec<_>>>()?;
    let resolved = aggregate::resolve(&scans, config.on_overlap)?;
    Ok((plan, scans, resolved))
}

pub fn run(config: ReportConfig, now: DateTime<Utc>) -> Result<Exit> {
    let (plan, scans, resolved) = scan_all(&config)?;
    let groups = aggregate::decode_groups(&resolved.groups, plan.keys.len());
    let summary =
        aggregate::summarize(&groups, &plan.keys, config.period, plan.range, config.delay)?;
    let rejects: Vec<&Reject> = scans
        .iter()
        .zip(&resolved.duplicate_of)
        .filter(|(_, duplicate)| duplicate.is_none())
        .flat_map(|(scan, _)| &scan.tally.rejects)
        .collect();

    if let Some(dir) = &config.out {
        output::ensure_dir(dir)?;
        let mut written = vec!["summary.csv", "daily.csv"];
        output::write_atomic(dir, "summary.csv", &render::csv::summary(&summary)?)?;
        output::write_atomic(dir, "daily.csv", &render::csv::daily(&summary)?)?;
        let rejects_path = dir.join("rejects.csv");
        if rejects.is_empty() {
            // A rejects.csv left by an earlier run would describe rows this run did not skip.
            if rejects_path.exists() {
                std::fs::remove_file(&rejects_path).ok();
            }
        } else {
            let owned: Vec<Reject> = rejects.iter().map(|r| (*r).clone()).collect();
            output::write_atomic(dir, "rejects.csv", &render::csv::rejects(&owned)?)?;
            written.push("rejects.csv");
        }
        written.push("manifest.json");
        let manifest = render::manifest::render(
            &config,
            &plan.rates,
            &summary,
            render::manifest::ManifestInput {
                scans: &scans,
                counts: &resolved.counts,
                duplicate_of: &resolved.duplicate_of,
            },
            &written,
            now,
        );
        output::write_atomic(dir, "manifest.json", &manifest)?;
    } else {
        for reject in &rejects {
            eprintln!("skipped: {}", reject.error);
        }
    }

    if !config.quiet {
        for warning in &resolved.warnings {
            output::warn(warning);
        }
        if !rejects.is_empty() {
            let place = match &config.out {
                Some(dir) => format!("listed in {}", dir.join("rejects.csv").display()),
                None => "listed above".to_string(),
            };
            output::warn(&format!("skipped {} bad row(s), {place}", rejects.len()));
        }
        if let Some(message) = provisional_warning(&summary) {
            output::warn(&message);
        }
    }

    let bytes = match config.format {
        Format::Table => render::table::render(&summary).into_bytes(),
        Format::Csv => render::csv::summary(&summary)?,
        Format::Json => render::json::summary(&summary),
    };
    output::stdout(&bytes)?;
    Ok(Exit::Ok)
}

/// Reads and validates `--rates FILE`, remembering its SHA-256 for the manifest.
fn read_rate_card(path: &std::path::Path) -> Result<RateCard> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).with_context(|| format!("{name}: cannot read the rate card"))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("{name}: the rate card is not valid UTF-8"))?;
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let card = RateCard::from_toml(
        text,
        RateOrigin::File {
            path: name.clone(),
            sha256,
        },
    )
    .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok(card)
}

/// One line naming the provisional days and when a re-run gives final figures.
fn provisional_warning(summary: &Summary) -> Option<String> {
    let first = summary.provisional_days.first()?;
    let last = summary.provisional_days.last()?;
    let days = if first == last {
        first.to_string()
    } else {
        format!("{first} to {last}")
    };
    Some(format!(
        "costs for {days} are provisional (cost data can arrive up to {} days late); re-run \
         on or after {}T00:00Z for final figures",
        summary.delay.delay_days,
        summary.delay.final_at(*last)
    ))
}

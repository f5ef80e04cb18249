//! One module per subcommand: each wires the pipeline stages together and owns no logic of
//! its own beyond that. The ingest → resolve step they share lives here.

pub mod alerts;
pub mod diff;
pub mod export;
pub mod inspect;
pub mod reconcile;
pub mod report;
pub mod sql;

use crate::aggregate::{self, Resolved};
use crate::config::{OnOverlap, ScanPlan};
use crate::ingest::{self, InputScan, tally::Rejects};
use crate::rates::{RateCard, RateOrigin};
use anyhow::Result;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The inputs read and their duplicates and overlaps resolved.
pub struct Scanned {
    /// The plan the inputs were read with (holding the rate card actually used).
    pub plan: ScanPlan,
    pub scans: Vec<InputScan>,
    pub resolved: Resolved,
    /// Files the walk of a folder input left out (tally's own outputs, `--exclude`).
    pub skipped: Vec<ingest::Skipped>,
}

impl Scanned {
    /// The rows skipped under `--skip-bad-rows`, from inputs that were not read-once duplicates.
    pub fn rejects(&self) -> Vec<&Rejects> {
        self.scans
            .iter()
            .zip(&self.resolved.duplicate_of)
            .filter(|(_, duplicate)| duplicate.is_none())
            .map(|(scan, _)| &scan.tally.rejects)
            .collect()
    }
}

/// Finds the input files, scans each with `plan` (and the rate card of `--rates`, when given)
/// and resolves duplicates and overlaps.
pub fn scan_inputs(
    inputs: &[PathBuf],
    plan: &ScanPlan,
    on_overlap: OnOverlap,
    rates_path: Option<&Path>,
    quiet: bool,
) -> Result<Scanned> {
    let ingest::Discovered { files, skipped } = ingest::discover(inputs, &plan.exclude)?;
    tell_skipped(&skipped, quiet);
    if plan.spread_charges && on_overlap == OnOverlap::Latest && files.len() > 1 {
        // `latest` replaces whole days, and a spread charge has parts on days its own row
        // does not mark as covered: the replaced input's other parts would still count.
        return Err(crate::error::UsageError(
            "--spread-charges cannot be combined with --on-overlap latest over several inputs \
             yet: give one input, or use --on-overlap error or sum"
                .to_string(),
        )
        .into());
    }
    let mut plan = plan.clone();
    plan.track_overlap = files.len() > 1 && on_overlap != OnOverlap::Sum;
    plan.hash_inputs |= files.len() > 1;
    if on_overlap == OnOverlap::Latest && files.len() > 1 {
        // Later inputs replace earlier ones day by day: groups must keep their days.
        plan.bucket = None;
    }
    if let Some(path) = rates_path {
        plan.rates = std::sync::Arc::new(read_rate_card(path)?);
    }
    let mut seen_ids = ingest::tokens::SeenIds::new();
    let total: u64 = files
        .iter()
        .filter_map(|file| std::fs::metadata(&file.path).ok())
        .map(|metadata| metadata.len())
        .sum();
    let progress = crate::output::ProgressBar::new(total, quiet);
    let scans = files
        .iter()
        .map(|file| ingest::scan_input(file, &plan, &mut seen_ids, &progress))
        .collect::<Result<Vec<_>>>();
    progress.finish();
    let mut scans = scans?;
    check_key_columns(&plan.keys, &scans)?;
    let resolved = aggregate::resolve(&mut scans, on_overlap)?;
    Ok(Scanned {
        plan,
        scans,
        resolved,
        skipped,
    })
}

/// One line on stderr for each file a folder walk left out, unless quiet (the manifest lists
/// them either way).
pub fn tell_skipped(skipped: &[ingest::Skipped], quiet: bool) {
    if quiet {
        return;
    }
    for skip in skipped {
        crate::output::warn(&format!("{}: skipped: {}", skip.path, skip.reason));
    }
}

/// Reads and validates `--rates FILE`, remembering its SHA-256 for the manifest. The card is
/// configuration: one that cannot be read or is invalid is a config error (exit 2), as a bad
/// `alerts --config` is; a record the card cannot price stays a data error (exit 1).
fn read_rate_card(path: &std::path::Path) -> Result<RateCard> {
    use crate::error::UsageError;
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("{name}: cannot read the rate card: {e}")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| UsageError(format!("{name}: the rate card is not valid UTF-8")))?;
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
    .map_err(|e| match e {
        crate::rates::RateError::At { .. } => UsageError(format!("{name}:{e}")),
        _ => UsageError(format!("{name}: {e}")),
    })?;
    Ok(card)
}

/// Writes `rejects.csv` into the run's new folder `dir` when rows were skipped. Returns
/// whether it wrote one.
pub fn write_rejects(dir: &Path, rejects: &[&Rejects]) -> Result<bool> {
    if skipped_rows(rejects) == 0 {
        return Ok(false);
    }
    crate::output::write_atomic_with(dir, "rejects.csv", |out| {
        crate::render::csv::rejects(rejects, out)
    })?;
    Ok(true)
}

fn skipped_rows(rejects: &[&Rejects]) -> u64 {
    rejects.iter().map(|r| r.rows()).sum()
}

/// How many skipped rows stderr names without `--out`.
pub const REJECTS_SHOWN: usize = crate::ingest::tally::REJECTS_SAMPLE;

/// Says what was skipped: the first `REJECTS_SHOWN` rows on stderr when there is no `--out`
/// folder, then (unless quiet) a warning with the count.
pub fn tell_rejects(rejects: &[&Rejects], out: Option<&Path>, quiet: bool) {
    let rows = skipped_rows(rejects);
    if out.is_none() {
        let sample = rejects.iter().flat_map(|r| r.sample()).take(REJECTS_SHOWN);
        for error in sample {
            eprintln!(
                "skipped: {}",
                crate::output::visible_lines(&error.to_string())
            );
        }
        if rows > REJECTS_SHOWN as u64 {
            eprintln!(
                "skipped: … and {} more (--out DIR lists every one in rejects.csv)",
                rows - REJECTS_SHOWN as u64
            );
        }
    }
    if !quiet && rows > 0 {
        let place = match out {
            Some(dir) => format!("listed in {}", dir.join("rejects.csv").display()),
            None => "listed above".to_string(),
        };
        crate::output::warn(&format!("skipped {rows} bad row(s), {place}"));
    }
}

/// The rows `--on-overlap latest` replaced, over the inputs read (not the copies of an input
/// given twice, nor token records repeating a response id, whose first copy still counts).
fn overlap_superseded(scanned: &Scanned) -> u64 {
    let resolved = &scanned.resolved;
    (0..scanned.scans.len())
        .filter(|&i| resolved.duplicate_of.get(i).is_some_and(|d| d.is_none()))
        .map(|i| {
            let count = resolved.counts.get(i).map_or(0, |c| c.superseded);
            count.saturating_sub(scanned.scans[i].tally.superseded)
        })
        .sum()
}

/// Says why nothing was counted: as an error with `--fail-on-empty`, which makes the run exit 1
/// without writing its outputs (said even with `--quiet`), otherwise as a warning, which `--quiet` silences like any other
/// (a quiet cron job that must hear of an empty period passes `--fail-on-empty`). Returns the
/// exit code the run ends with.
pub fn tell_empty(
    question: &crate::scope::EmptyQuestion<'_>,
    scanned: &Scanned,
    fail_on_empty: bool,
    quiet: bool,
) -> Option<crate::error::Exit> {
    let message = crate::scope::explain_empty(
        question,
        &scanned.scans,
        &scanned.resolved.duplicate_of,
        overlap_superseded(scanned),
    );
    if fail_on_empty {
        eprintln!(
            "error: {} (--fail-on-empty: nothing was written; an --out folder keeps its \
             previous files)",
            crate::output::visible_lines(&message)
        );
        Some(crate::error::Exit::Failure)
    } else {
        if !quiet {
            crate::output::warn(&message);
        }
        None
    }
}

/// Whether no row of any input was counted.
pub fn nothing_counted(resolved: &Resolved) -> bool {
    resolved.counts.iter().all(|count| count.used == 0)
}

/// Says how many rows the inputs hold for days after the as-of day that the requested range
/// covered: they are not counted, since they cannot be known as of then.
pub fn after_as_of_warning(
    after: Option<crate::model::DateRange>,
    delay: crate::model::Delay,
    scans: &[InputScan],
) -> Option<String> {
    let after = after?;
    let (mut rows, mut first, mut last) = (0u64, None, None);
    for scan in scans {
        for (day, counts) in &scan.tally.days {
            if after.contains(*day) && counts.valid > 0 {
                rows += counts.valid;
                first = Some(first.map_or(*day, |f: crate::model::Day| f.min(*day)));
                last = Some(last.map_or(*day, |l: crate::model::Day| l.max(*day)));
            }
        }
    }
    let (first, last) = (first?, last?);
    Some(format!(
        "{rows} row(s) dated {first} to {last}, after the as-of day, are not counted: they \
         cannot be known as of {} (pass a later --as-of to include them)",
        delay.as_of.format("%Y-%m-%dT%H:%M:%SZ")
    ))
}

/// A `--by` name that is neither a grouping key nor a column of any input is a typo, not a
/// group of empty values: a usage error naming the closest key or column.
fn check_key_columns(keys: &[crate::model::KeyKind], scans: &[InputScan]) -> Result<()> {
    use crate::primitives::header::normalize_header;
    for key in keys {
        let crate::model::KeyKind::Column(name) = key else {
            continue;
        };
        let wanted = normalize_header(name);
        let headers = scans.iter().flat_map(|scan| &scan.headers);
        if headers
            .clone()
            .any(|header| normalize_header(header) == wanted)
        {
            continue;
        }
        const KEYS: &[&str] = &[
            "sku",
            "project",
            "service",
            "region",
            "resource",
            "currency",
            "source",
            "assistant",
            "model",
            "endpoint",
        ];
        let closest = KEYS
            .iter()
            .copied()
            .chain(headers.map(String::as_str))
            .enumerate()
            .map(|(order, candidate)| {
                let distance = strsim::levenshtein(&wanted, &normalize_header(candidate));
                // On a tie the grouping keys (listed first) win over column names.
                (distance, order, candidate)
            })
            .filter(|(distance, _, _)| *distance <= (wanted.len() / 3).max(2))
            .min();
        let hint = match closest {
            Some((_, _, candidate)) => format!("; did you mean \"{candidate}\"?"),
            None => format!(
                "; grouping keys are {}, tag:KEY, or a column of the input",
                KEYS.join(", ")
            ),
        };
        return Err(crate::error::UsageError(format!(
            "--by \"{name}\": no input has such a column, and it is not a grouping key{hint}"
        ))
        .into());
    }
    Ok(())
}

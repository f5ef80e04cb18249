//! `tally inspect`: find the inputs → inspect each → render → stdout. Exit 1 when an input
//! could not be read (or has no header tally reads); bad rows are counted, never fatal.

use crate::config::{InspectConfig, InspectFormat};
use crate::error::Exit;
use crate::ingest::{
    self,
    inspect::{InputReport, InspectOptions},
};
use crate::output;
use crate::render;
use anyhow::Result;

pub fn run(config: InspectConfig) -> Result<Exit> {
    let options = InspectOptions {
        cost: config.cost,
        block_size: config.block_size,
        date_format: config.date_format.clone(),
        delimiter: config.delimiter,
    };
    let mut reports = Vec::new();
    // One input at a time, so that a missing path is described like an unreadable file
    // instead of hiding every other input.
    for input in &config.inputs {
        match ingest::discover(std::slice::from_ref(input), &config.exclude) {
            Ok(found) => {
                super::tell_skipped(&found.skipped, false);
                for file in &found.files {
                    // An unzipped export: described as its zip is (parts, total, and the
                    // manifest's check).
                    if file.path.is_dir() {
                        reports.push(ingest::inspect::inspect_export_dir(file, &options));
                    } else {
                        reports.push(ingest::inspect::inspect(file, &options));
                    }
                }
            }
            Err(error) => {
                let name = input.display().to_string();
                let message = format!("{error:#}");
                let message = message
                    .strip_prefix(&format!("{name}: "))
                    .unwrap_or(&message)
                    .to_string();
                reports.push(InputReport::unreadable(&name, message));
            }
        }
    }
    let bytes = match config.format {
        InspectFormat::Table => {
            output::visible_lines(&render::inspect::table(&reports, config.cost))
                .into_owned()
                .into_bytes()
        }
        InspectFormat::Json => render::inspect::json(&reports, config.cost),
    };
    output::stdout(&bytes)?;
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.name.as_str())
        .collect();
    if failed.is_empty() {
        Ok(Exit::Ok)
    } else {
        eprintln!(
            "error: {} input(s) could not be read completely: {}",
            failed.len(),
            output::visible(&failed.join(", "))
        );
        Ok(Exit::Failure)
    }
}

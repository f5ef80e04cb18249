//! Finds the input files: directories walked recursively, `--exclude` globs applied, the files
//! tally itself wrote (an earlier run's `--out` inside an input folder) recognised by their
//! content and skipped, and an unzipped export (a folder holding the export's `manifest.json`
//! and its part CSVs) kept together as one input.

use super::InputFile;
use anyhow::{Context, Result, bail};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use crate::primitives::glob::Excludes;

/// A file (or folder) found while walking that is not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The inputs found, and what the walk left out.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<InputFile>,
    pub skipped: Vec<Skipped>,
}

const EXTENSIONS: &[&str] = &["csv", "json", "jsonl", "zip"];

/// Expands directories recursively (entries in name order) into the files tally reads:
/// `*.csv`, `*.json`, `*.jsonl`, the same with `.gz`, `*.zip` and `*.parquet` (so also
/// `*.snappy.parquet`; a hive tree such as `BILLING_PERIOD=2026-10/` is just folders). A
/// provider's manifest (`*manifest.json`, any case: AWS Data Exports' `…-Manifest.json`,
/// Azure's `manifest.json`) describes an export and is skipped; a folder holding the vendor's
/// export `manifest.json` is one input, its parts checked against it (`export_parts`). Files
/// tally wrote (`own_output`) and those `exclude` matches are skipped and listed. Files named
/// explicitly are read whatever their name.
pub fn discover(inputs: &[PathBuf], exclude: &Excludes) -> Result<Discovered> {
    let mut found = Discovered::default();
    let mut stdin_given = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_given, true) {
                bail!(
                    "-: standard input is given twice; it can be read only once (the second \
                     read would find nothing): give `-` once"
                );
            }
            found.files.push(InputFile {
                path: input.clone(),
                name: "-".to_string(),
            });
            continue;
        }
        let metadata = std::fs::metadata(input)
            .with_context(|| format!("{}: cannot read", input.display()))?;
        if metadata.is_dir() {
            walk(input, input, exclude, &mut found, &mut HashSet::new())?;
        } else {
            found.files.push(InputFile {
                path: input.clone(),
                name: input.display().to_string(),
            });
        }
    }
    if found.files.is_empty() {
        let skipped = match found.skipped.len() {
            0 => String::new(),
            n => format!(" ({n} skipped: tally's own outputs or --exclude)"),
        };
        bail!(
            "no input files: the directories given hold no *.csv, *.json, *.jsonl, *.zip, \
             *.parquet (or .gz) files{skipped}"
        );
    }
    Ok(found)
}

/// Walks `dir` (inside the folder `root` given) in name order. Symbolic links are followed,
/// but each directory is read once: `visited` holds the canonical paths of the directories
/// read so far, so a link back to an ancestor (`ln -s . loop`) or a second link to a directory
/// already read adds nothing. Two links to `.` used to make the walk exponential.
fn walk(
    root: &Path,
    dir: &Path,
    exclude: &Excludes,
    found: &mut Discovered,
    visited: &mut HashSet<PathBuf>,
) -> Result<()> {
    let canonical = std::fs::canonicalize(dir)
        .with_context(|| format!("{}: cannot resolve directory", dir.display()))?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list directory", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("{}: cannot list directory", dir.display()))?;
    entries.sort();
    // An unzipped export is one input, read whole (its parts are checked as a set).
    let parts = export_parts(&entries).unwrap_or_default();
    if !parts.is_empty() {
        found.files.push(InputFile {
            path: dir.to_path_buf(),
            name: dir.display().to_string(),
        });
    }
    for path in entries {
        if parts.contains(&path) {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        if let Some(glob) = exclude.matching(relative) {
            found.skipped.push(Skipped {
                path: path.display().to_string(),
                reason: format!("--exclude {glob}"),
            });
            continue;
        }
        if path.is_dir() {
            walk(root, &path, exclude, found, visited)?;
        } else if wanted(&path) || is_manifest_name(&path) {
            // A FIFO, socket or device met in a folder is not read: opening a FIFO waits for
            // a writer, and a cron run would hang holding its lock. Named on the command
            // line, it is read as a stream.
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                found.skipped.push(Skipped {
                    path: path.display().to_string(),
                    reason: "not a regular file (a FIFO, socket or device met in a folder is \
                             not read; name it on the command line to read it)"
                        .to_string(),
                });
                continue;
            }
            if let Some(what) = own_output(&path) {
                found.skipped.push(Skipped {
                    path: path.display().to_string(),
                    reason: format!("written by tally ({what})"),
                });
                continue;
            }
            if wanted(&path) {
                found.files.push(InputFile {
                    name: path.display().to_string(),
                    path,
                });
            }
        }
    }
    Ok(())
}

/// `*manifest.json`: a provider's (skipped without a word) or tally's own (listed).
fn is_manifest_name(path: &Path) -> bool {
    path.file_name().is_some_and(|name| {
        name.to_string_lossy()
            .to_lowercase()
            .ends_with("manifest.json")
    })
}

pub(super) fn wanted(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with("manifest.json") {
        return false;
    }
    if name.len() > ".parquet".len() && name.ends_with(".parquet") {
        return true;
    }
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    EXTENSIONS
        .iter()
        .any(|ext| name.len() > ext.len() + 1 && name.ends_with(&format!(".{ext}")))
}

fn is_export_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == "manifest.json")
}

/// When `entries` (of `dir`) hold an export's own `manifest.json` (the vendor's cost usage
/// export: a `files` list naming `part-K-of-N.csv` parts, or `"export_type"`), the folder is
/// that export unzipped: its `.csv` files are its parts, read together as one input and
/// checked against the manifest as the zip's are. `None` for any other folder (a provider
/// manifest of another shape is skipped as before).
fn export_parts(entries: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let manifest = entries.iter().find(|path| is_export_manifest(path))?;
    let value = read_small_json(manifest)?;
    let names_parts = value
        .get("files")
        .and_then(|files| files.as_array())
        .is_some_and(|files| {
            files.iter().any(|file| {
                file.get("name")
                    .and_then(|name| name.as_str())
                    .is_some_and(|name| name.starts_with("part-") && name.ends_with(".csv"))
            })
        });
    if !(names_parts || value.get("export_type").is_some()) {
        return None;
    }
    let parts: Vec<PathBuf> = entries
        .iter()
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
                && path.is_file()
        })
        .cloned()
        .collect();
    Some(parts)
}

/// A JSON file of at most 1 MiB, parsed; `None` when larger or not JSON.
fn read_small_json(path: &Path) -> Option<serde_json::Value> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(1 << 20).read_to_end(&mut bytes).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The part CSVs of the export folder `dir` (found by `export_parts`), in name order.
pub fn export_dir_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list directory", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("{}: cannot list directory", dir.display()))?;
    entries.sort();
    export_parts(&entries)
        .filter(|parts| !parts.is_empty())
        .with_context(|| format!("{}: no export manifest.json any more", dir.display()))
}

/// Which of tally's own outputs the file at `path` is, recognised by its content (the first
/// bytes), never by its name: a summary.csv renamed is still skipped, a usage export named
/// `daily.csv` is still read.
pub fn own_output(path: &Path) -> Option<&'static str> {
    let mut head = Vec::with_capacity(8192);
    std::fs::File::open(path)
        .ok()?
        .take(8192)
        .read_to_end(&mut head)
        .ok()?;
    own_output_of(&head)
}

/// `own_output` on a file's first bytes.
pub fn own_output_of(head: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(head);
    if text.starts_with('{') {
        return own_json(&text);
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let first_row = lines.next();
    own_csv(&header, first_row)
}

/// tally's JSON outputs are pretty-printed objects: their top-level keys sit on lines indented
/// by exactly two spaces. A token-records file is JSON Lines (one object per line) or an
/// array, never this shape.
fn own_json(text: &str) -> Option<&'static str> {
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("  \""))
        .filter(|rest| !rest.starts_with(' '))
        .filter_map(|rest| rest.split_once("\":").map(|(key, _)| key))
        .collect();
    match keys.first().copied()? {
        // The manifest's own marker field, first in report's and reconcile's manifest.json.
        "tally_version" => Some("manifest.json of tally report or reconcile"),
        "month" | "window" if keys.contains(&"as_of") && keys.contains(&"month_to_date") => {
            Some("alerts.json of tally alerts")
        }
        "from" if keys.starts_with(&["from", "to", "as_of", "provisional_days", "tolerance"]) => {
            Some("reconcile.json of tally reconcile")
        }
        _ => None,
    }
}

/// tally's CSV outputs by their header line (and, for daily.csv, the status of the first row).
fn own_csv(header: &[&str], first_row: Option<&str>) -> Option<&'static str> {
    const REJECTS: &[&str] = &["file", "line", "column", "value", "reason", "record"];
    const ALERTS: &[&str] = &[
        "period",
        "as_of",
        "kind",
        "threshold",
        "factor",
        "fired",
        "first_day",
    ];
    const RECONCILE: &[&str] = &[
        "date",
        "sku",
        "unit",
        "billed_quantity",
        "billed_cost",
        "estimated_quantity",
        "estimated_cost",
    ];
    let ends_with_status = |before: usize| {
        let end = header.len() - before;
        let body = &header[..end];
        body.ends_with(&["cost", "currency", "status"]) || body.ends_with(&["cost", "status"])
    };
    if header == REJECTS {
        return Some("rejects.csv");
    }
    if header.starts_with(RECONCILE) {
        return Some("reconcile.csv of tally reconcile");
    }
    // alerts.csv, with --by a leading key column.
    if header.starts_with(ALERTS) || header.get(1..).is_some_and(|h| h.starts_with(ALERTS)) {
        return Some("alerts.csv of tally alerts");
    }
    if header.last() == Some(&"provisional_cost") && header.len() >= 3 && ends_with_status(1) {
        return Some("summary.csv of tally report");
    }
    if header.first() == Some(&"date") && header.len() >= 4 && ends_with_status(0) {
        let status = first_row.map(|row| row.rsplit(',').next().unwrap_or_default().trim_end());
        if matches!(status, None | Some("final" | "provisional")) {
            return Some("daily.csv of tally report");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_entries_by_extension() {
        assert!(wanted(Path::new("a/usage.CSV")));
        assert!(wanted(Path::new("a/usage.csv.gz")));
        assert!(wanted(Path::new("export.zip")));
        assert!(!wanted(Path::new("README.md")));
        assert!(!wanted(Path::new(".csv")));
        assert!(wanted(Path::new(
            "p/BILLING_PERIOD=2026-10/x-00001.snappy.parquet"
        )));
        assert!(wanted(Path::new("part_0_0001.PARQUET")));
        assert!(!wanted(Path::new(".parquet")));
        assert!(!wanted(Path::new("x.parquet.crc")));
        // Provider manifests describe an export; they are not token records.
        assert!(!wanted(Path::new(
            "metadata/BILLING_PERIOD=2026-10/focus-Manifest.json"
        )));
        assert!(!wanted(Path::new("run/manifest.json")));
        assert!(wanted(Path::new("tokens.json")));
    }

    #[test]
    fn own_outputs_by_content() {
        let own = |text: &str| own_output_of(text.as_bytes());
        assert_eq!(
            own("sku,unit,quantity,cost,currency,status,provisional_cost\nA,u,1,2,USD,final,0\n"),
            Some("summary.csv of tally report")
        );
        assert_eq!(
            own("period_start,period_end,currency,cost,status,provisional_cost\n"),
            Some("summary.csv of tally report")
        );
        assert_eq!(
            own("date,service,cost,currency,status\n2026-10-01,database,1.5,USD,provisional\n"),
            Some("daily.csv of tally report")
        );
        assert_eq!(
            own("file,line,column,value,reason,record\n"),
            Some("rejects.csv")
        );
        assert_eq!(
            own("project,period,as_of,kind,threshold,factor,fired,first_day,month_to_date\n"),
            Some("alerts.csv of tally alerts")
        );
        assert_eq!(
            own("{\n  \"tally_version\": \"0.1.0\",\n  \"generated_at\": \"x\"\n}\n"),
            Some("manifest.json of tally report or reconcile")
        );
        assert_eq!(
            own(
                "{\n  \"month\": \"2026-10\",\n  \"as_of\": \"x\",\n  \"currency\": \"USD\",\n  \"month_to_date\": \"1\"\n"
            ),
            Some("alerts.json of tally alerts")
        );
        // Inputs stay inputs: a usage CSV with a status column of its own, token records.
        assert_eq!(
            own("date,sku,cost,currency,status\n2026-10-01,A,1,USD,paid\n"),
            None
        );
        assert_eq!(own("Date,SKU,Cost (USD)\n2026-10-01,A,1\n"), None);
        assert_eq!(
            own("{\"tally_version\": \"0.1.0\", \"input_tokens\": 3}\n"),
            None
        );
        assert_eq!(own("[\n  {\"tally_version\": 1}\n]\n"), None);
    }

    #[test]
    fn excludes_match_the_relative_path_or_the_name() {
        let exclude = Excludes::new(&["old/**".to_string(), "*.tmp.csv".to_string()]).unwrap();
        assert_eq!(exclude.matching(Path::new("old/a.csv")), Some("old/**"));
        assert_eq!(exclude.matching(Path::new("old/x/a.csv")), Some("old/**"));
        assert_eq!(
            exclude.matching(Path::new("new/b.tmp.csv")),
            Some("*.tmp.csv")
        );
        assert_eq!(exclude.matching(Path::new("new/b.csv")), None);
        // `*` does not cross a folder: only the name matches it.
        let star = Excludes::new(&["n*/b.csv".to_string()]).unwrap();
        assert_eq!(star.matching(Path::new("new/b.csv")), Some("n*/b.csv"));
        assert_eq!(star.matching(Path::new("new/x/b.csv")), None);
        assert!(Excludes::new(&["a[".to_string()]).is_err());
    }
}

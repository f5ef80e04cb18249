//! Reads inputs into tallies: finds files (directories recursively), detects each file's kind
//! from its content, decompresses `.gz`, opens `.zip` exports, and runs the parallel scan.
//! Knows nothing of reports or rendering.

pub mod blocks;
pub mod columns;
pub mod inspect;
pub mod parquet;
pub mod row;
pub mod split;
mod spool;
pub mod tally;
pub mod tokens;
pub mod walk;

pub use walk::{Discovered, Skipped, discover};

use crate::config::ScanPlan;
use anyhow::{Context, Result, anyhow, bail};
use blocks::{BlockSplitter, Boundaries};
use columns::Schema;
use row::FileRows;
use sha2::{Digest, Sha256};

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use tally::Tally;

/// One input file, named as the user would recognise it.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path as given, or `dir/…/name` for a file found in a directory.
    pub name: String,
}

/// What reading one input produced.
#[derive(Debug)]
pub struct InputScan {
    pub file: InputFile,
    pub size: u64,
    /// Computed when the run needs it: for the manifest, or to find inputs given twice.
    pub sha256: Option<String>,
    /// `usage-csv`, `focus-csv`, `cost-usage-export (focus-csv)`, with `+gzip` when compressed.
    pub kind: String,
    /// For a zip export: its CSV members in part order, with their rows read.
    pub members: Vec<(String, u64)>,
    /// For CSV inputs: each field and the columns it is read from, in fallback order (of the
    /// first member, for a zip export).
    pub columns: Columns,
    /// The header of a CSV or Parquet input as written (of every member, for a zip export),
    /// to check `--by COLUMN` against.
    pub headers: Vec<String>,
    pub tally: Tally,
}

impl InputScan {
    /// Billed rows (usage exports, FOCUS), as opposed to token records that a rate card
    /// prices into estimates.
    pub fn is_billed(&self) -> bool {
        !self.kind.starts_with("token-records")
    }
}

/// Fields and the header names they are read from (`Schema::sources`).
pub type Columns = Vec<(&'static str, Vec<String>)>;

/// The schema of a header under the plan's options (`--cost`, `--date-basis`).
fn detect_schema(headers: &[String], plan: &ScanPlan) -> Result<Schema, String> {
    let mut schema = Schema::detect(headers, plan.cost)?;
    if plan.date_basis == crate::config::DateBasis::Billing {
        schema.use_billing_period()?;
    }
    Ok(schema)
}

fn columns_of(schema: &Schema) -> Columns {
    schema
        .sources()
        .into_iter()
        .map(|(field, names)| (field, names.into_iter().map(str::to_string).collect()))
        .collect()
}

/// Told how far the scan has got, for a progress display. The caller implements it; ingest
/// never writes to the terminal itself.
pub trait Progress: Sync {
    /// `bytes` more of an input file (as stored, compressed or not) have been read.
    fn read(&self, bytes: u64);
    /// About `lines` more lines have been handed to the parser.
    fn lines(&self, lines: u64);
    /// `bytes` already counted will be read again.
    fn rewind(&self, bytes: u64);
    /// With `ScanPlan::export`: the next rows of `source` that passed, in input order. Each
    /// row is handed out once.
    fn rows(&self, _source: &str, _rows: Vec<tally::ExportRow>) {}
}

/// A `Progress` that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn read(&self, _: u64) {}
    fn lines(&self, _: u64) {}
    fn rewind(&self, _: u64) {}
}

/// Passes bytes through while counting and (when asked) hashing them, so a file is read once
/// for both.
struct HashingReader<'p, R> {
    inner: R,
    hasher: Option<Sha256>,
    bytes: u64,
    progress: &'p dyn Progress,
}

impl<'p, R> HashingReader<'p, R> {
    fn new(inner: R, hash: bool, progress: &'p dyn Progress) -> Self {
        HashingReader {
            inner,
            hasher: hash.then(Sha256::new),
            bytes: 0,
            progress,
        }
    }

    fn digest(self) -> Option<String> {
        self.hasher.map(|hasher| hex(&hasher.finalize()))
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        self.bytes += n as u64;
        self.progress.read(n as u64);
        Ok(n)
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads one input completely. `seen` holds the token-record response ids already counted by
/// earlier inputs of the run, so that a repeated id counts once.
pub fn scan_input(
    file: &InputFile,
    plan: &ScanPlan,
    seen: &mut tokens::SeenIds,
    progress: &dyn Progress,
) -> Result<InputScan> {
    let mut scan = read_input(file, plan, seen, progress)?;
    scan.tally
        .rejects
        .seal()
        .map_err(|e| anyhow!("{}: {e}", file.name))?;
    Ok(scan)
}

fn read_input(
    file: &InputFile,
    plan: &ScanPlan,
    seen: &mut tokens::SeenIds,
    progress: &dyn Progress,
) -> Result<InputScan> {
    if std::fs::metadata(&file.path).is_ok_and(|m| m.is_dir()) {
        return scan_export_dir(file, plan, progress);
    }
    if file.path.as_os_str() == "-" || !std::fs::metadata(&file.path).is_ok_and(|m| m.is_file()) {
        return scan_stream(file, plan, seen, progress);
    }
    let open = || File::open(&file.path).with_context(|| format!("{}: cannot open", file.name));
    let mut magic = [0u8; 4];
    let magic_len = read_prefix(&mut open()?, &mut magic)
        .with_context(|| format!("{}: cannot read", file.name))?;
    if is_zip(&magic[..magic_len]) {
        return scan_zip(file, plan, progress);
    }
    if magic[..magic_len] == *parquet::MAGIC {
        return parquet::scan_parquet(file, plan, progress);
    }
    let gzip = magic[..magic_len].starts_with(&[0x1f, 0x8b]);
    // Quote parity first; exact boundaries when a block shows that parity cannot be trusted.
    for &boundaries in boundary_passes(plan) {
        let scanned = scan_text(open()?, gzip, file, plan, seen, progress, boundaries)?;
        if let Some(scan) = scanned {
            return Ok(scan);
        }
    }
    bail!("{}: a scan with exact boundaries did not finish", file.name)
}

/// Standard input (`-`), a pipe, `/dev/stdin` or a process substitution: opened once and read
/// once, as a stream, with exact record boundaries from the start (there is no second pass).
/// Zip exports and Parquet files need to seek: they are spooled to a temporary file first.
fn scan_stream(
    file: &InputFile,
    plan: &ScanPlan,
    seen: &mut tokens::SeenIds,
    progress: &dyn Progress,
) -> Result<InputScan> {
    let mut source: Box<dyn Read> = if file.path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(File::open(&file.path).with_context(|| format!("{}: cannot open", file.name))?)
    };
    let mut magic = [0u8; 4];
    let magic_len = read_prefix(&mut source, &mut magic)
        .with_context(|| format!("{}: cannot read", file.name))?;
    let magic = &magic[..magic_len];
    if is_zip(magic) || magic == parquet::MAGIC {
        // Read by seeking: spooled to a temporary file (bounded), then read from there.
        let what = if is_zip(magic) {
            "zip export"
        } else {
            "Parquet file"
        };
        let spooled = spool::spool(&file.name, what, magic, source, spool::limit()?)?;
        let copy = InputFile {
            path: spooled.path.clone(),
            name: file.name.clone(),
        };
        let mut scan = if is_zip(magic) {
            scan_zip(&copy, plan, progress)?
        } else {
            parquet::scan_parquet(&copy, plan, progress)?
        };
        scan.file = file.clone();
        return Ok(scan);
    }
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    // The bytes read to tell the kind come first again: nothing of the stream is lost.
    let source = std::io::Cursor::new(magic.to_vec()).chain(source);
    scan_text(source, gzip, file, plan, seen, progress, Boundaries::Exact)?
        .ok_or_else(|| anyhow!("{}: a scan with exact boundaries did not finish", file.name))
}

/// Reads one text input (CSV or token records, gzip or not) from `source`. `None` when blocks
/// cut by quote parity turned out unsafe: the caller reads the input again with exact
/// boundaries.
fn scan_text<R: Read>(
    source: R,
    gzip: bool,
    file: &InputFile,
    plan: &ScanPlan,
    seen: &mut tokens::SeenIds,
    progress: &dyn Progress,
    boundaries: Boundaries,
) -> Result<Option<InputScan>> {
    let mut hashing = HashingReader::new(source, plan.hash_inputs, progress);
    let mut tally = Tally::for_input(plan);
    let mut columns = Columns::new();
    let mut headers = Vec::new();
    let kind = {
        let reader: Box<dyn Read + '_> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(&mut hashing))
        } else {
            Box::new(&mut hashing)
        };
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let peek = reader
            .fill_buf()
            .with_context(|| format!("{}: cannot read", file.name))?;
        let first = peek
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
            .copied()
            .next();
        if matches!(first, Some(b'{' | b'[')) {
            // Streamed one record at a time: memory stays flat in the file's size.
            Some(tokens::scan_tokens(
                &mut reader,
                &file.name,
                plan,
                seen,
                &mut tally,
            )?)
        } else {
            scan_csv(reader, &file.name, plan, &mut tally, progress, boundaries)?.map(|schema| {
                columns = columns_of(&schema);
                headers = schema.headers.clone();
                schema.kind.as_str()
            })
        }
    };
    let Some(kind) = kind else {
        // To be read again with exact boundaries: the bar goes back to where it began.
        progress.rewind(hashing.bytes);
        return Ok(None);
    };
    // Drain what a decoder may leave unread so that the hash covers the whole file.
    std::io::copy(&mut hashing, &mut std::io::sink())
        .with_context(|| format!("{}: cannot read", file.name))?;
    let kind = if gzip {
        format!("{kind}+gzip")
    } else {
        kind.to_string()
    };
    Ok(Some(InputScan {
        file: file.clone(),
        size: hashing.bytes,
        sha256: hashing.digest(),
        kind,
        members: Vec::new(),
        columns,
        headers,
        tally,
    }))
}

/// How a CSV is cut into blocks: by quote parity, then (when parity cannot be trusted) again
/// with exact boundaries. An export hands rows out as it reads: exact boundaries at once, so
/// that no row is read twice.
fn boundary_passes(plan: &ScanPlan) -> &'static [Boundaries] {
    if plan.export {
        &[Boundaries::Exact]
    } else {
        &[Boundaries::Parity, Boundaries::Exact]
    }
}

/// A zip archive's first bytes: a member's local header, or the end of the central directory
/// when the archive holds no member at all (an empty zip is 22 bytes of it). Said to be a zip
/// either way, so an empty one is named as such rather than read as a CSV.
pub(crate) fn is_zip(magic: &[u8]) -> bool {
    magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06")
}

/// Why a zip without members is refused (after its name).
pub(crate) const EMPTY_ZIP: &str =
    "the zip archive is empty; an export holds part-1-of-N.csv … (and manifest.json)";

fn read_prefix(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// A cost usage export: `part-K-of-N.csv` FOCUS files (read in part order) and a manifest.
fn scan_zip(file: &InputFile, plan: &ScanPlan, progress: &dyn Progress) -> Result<InputScan> {
    // Always hashed: a zip is read through its central directory, not as one stream. Progress
    // counts each member's compressed size once it is parsed, not this quick pass.
    let mut hashing = HashingReader::new(
        File::open(&file.path).with_context(|| format!("{}: cannot open", file.name))?,
        true,
        &NoProgress,
    );
    std::io::copy(&mut hashing, &mut std::io::sink())
        .with_context(|| format!("{}: cannot read", file.name))?;
    let archive_file =
        File::open(&file.path).with_context(|| format!("{}: cannot open", file.name))?;
    let mut archive = zip::ZipArchive::new(archive_file)
        .with_context(|| format!("{}: not a readable zip archive", file.name))?;
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}: cannot list the zip's members", file.name))?;
    check_unique_names(&archive, &file.path).map_err(|e| anyhow!("{}: {e}", file.name))?;
    let members = zip_members(&names).map_err(|e| anyhow!("{}: {e}", file.name))?;
    let mut tally = Tally::for_input(plan);
    tally.warnings.extend(
        passed_over_notes(&names, &members)
            .into_iter()
            .map(|note| format!("{}: {note}", file.name)),
    );
    let mut member_rows = Vec::new();
    let mut kinds = Vec::new();
    let mut columns = Columns::new();
    let mut headers: Vec<String> = Vec::new();
    // The union of the members' headers, kept in order; the set keeps it linear.
    let mut header_set = HashSet::new();
    for member in &members {
        let before = tally.rows_read;
        let source = format!("{}:{member}", file.name);
        let mut kind = None;
        for &boundaries in boundary_passes(plan) {
            let entry = archive
                .by_name(member)
                .with_context(|| format!("{}:{member}: cannot read", file.name))?;
            let compressed = entry.compressed_size();
            let schema = scan_csv(entry, &source, plan, &mut tally, progress, boundaries)?;
            kind = schema.map(|schema| {
                if columns.is_empty() {
                    columns = columns_of(&schema);
                }
                for header in &schema.headers {
                    if header_set.insert(header.clone()) {
                        headers.push(header.clone());
                    }
                }
                schema.kind
            });
            if kind.is_some() {
                progress.read(compressed);
                break;
            }
        }
        let kind = kind.ok_or_else(|| anyhow!("{source}: exact boundaries must not fail"))?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
        member_rows.push((member.clone(), tally.rows_read - before));
    }
    check_export_manifest(&mut archive, &member_rows).map_err(|e| anyhow!("{}: {e}", file.name))?;
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    Ok(InputScan {
        file: file.clone(),
        size: hashing.bytes,
        sha256: hashing.digest(),
        kind: format!("cost-usage-export ({})", kinds.join(", ")),
        members: member_rows,
        columns,
        headers,
        tally,
    })
}

/// An unzipped export: a folder holding the vendor's export `manifest.json` and its
/// `part-K-of-N.csv` files (as `walk` finds it), read as the zip is: parts in part order, all
/// N of them, each checked against the manifest's rows. Its SHA-256 is taken over the
/// manifest's bytes and then each part's SHA-256, in part order.
fn scan_export_dir(
    file: &InputFile,
    plan: &ScanPlan,
    progress: &dyn Progress,
) -> Result<InputScan> {
    let dir = &file.path;
    let manifest_path = dir.join("manifest.json");
    let manifest_bytes = std::fs::read(&manifest_path)
        .with_context(|| format!("{}: cannot read", manifest_path.display()))?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| anyhow!("{}: not valid JSON: {e}", manifest_path.display()))?;
    let names: Vec<String> = walk::export_dir_files(dir)?
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    let members = zip_members(&names).map_err(|e| anyhow!("{}: {e}", file.name))?;
    let mut hasher = Sha256::new();
    hasher.update(&manifest_bytes);
    let mut size = manifest_bytes.len() as u64;
    let mut tally = Tally::for_input(plan);
    let (mut member_rows, mut kinds) = (Vec::new(), Vec::new());
    let (mut columns, mut headers, mut header_set) = (Columns::new(), Vec::new(), HashSet::new());
    for member in &members {
        let path = dir.join(member);
        let source = path.display().to_string();
        let before = tally.rows_read;
        let mut kind = None;
        for &boundaries in boundary_passes(plan) {
            let part = File::open(&path).with_context(|| format!("{source}: cannot open"))?;
            let mut hashing = HashingReader::new(part, true, progress);
            let schema = scan_csv(
                &mut hashing,
                &source,
                plan,
                &mut tally,
                progress,
                boundaries,
            )?;
            if let Some(schema) = schema {
                std::io::copy(&mut hashing, &mut std::io::sink())
                    .with_context(|| format!("{source}: cannot read"))?;
                size += hashing.bytes;
                if let Some(digest) = hashing.hasher.take() {
                    hasher.update(digest.finalize());
                }
                if columns.is_empty() {
                    columns = columns_of(&schema);
                }
                for header in &schema.headers {
                    if header_set.insert(header.clone()) {
                        headers.push(header.clone());
                    }
                }
                kind = Some(schema.kind);
                break;
            }
            progress.rewind(hashing.bytes);
        }
        let kind = kind.ok_or_else(|| anyhow!("{source}: exact boundaries must not fail"))?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
        member_rows.push((member.clone(), tally.rows_read - before));
    }
    check_manifest(&manifest, &member_rows, "folder").map_err(|e| anyhow!("{}: {e}", file.name))?;
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    Ok(InputScan {
        file: file.clone(),
        size,
        sha256: Some(hex(&hasher.finalize())),
        kind: format!("cost-usage-export-folder ({})", kinds.join(", ")),
        members: member_rows,
        columns,
        headers,
        tally,
    })
}

/// A zip may hold two members of the same name; the archive reader keeps one of them, so
/// the other's rows would be silently left out (and a manifest check would pass). Refused,
/// with the names repeated.
pub(crate) fn check_unique_names<R: Read + std::io::Seek>(
    archive: &zip::ZipArchive<R>,
    path: &Path,
) -> Result<(), String> {
    if !archive.has_duplicate_names() {
        return Ok(());
    }
    // The archive keeps one entry per name: list the central directory again, every entry.
    let refusal = "the zip holds several members of the same name; refusing to pick one";
    let Ok(mut entries) = File::open(path)
        .map_err(zip::result::ZipError::from)
        .and_then(|f| zip::unstable::read::ZipIterable::try_new(f, Default::default()))
    else {
        return Err(refusal.to_string());
    };
    let Ok(entries) = entries.files() else {
        return Err(refusal.to_string());
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    for entry in entries {
        let Ok(entry) = entry else {
            return Err(refusal.to_string());
        };
        let raw = entry.name_raw().to_vec();
        match index.get(&raw) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(raw, counts.len());
                let name = entry
                    .name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(entry.name_raw()).into_owned());
                counts.push((name, 1));
            }
        }
    }
    let repeated: Vec<String> = counts
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(name, count)| format!("{count} members named \"{name}\""))
        .collect();
    if repeated.is_empty() {
        return Err(refusal.to_string());
    }
    Err(format!(
        "the zip holds {}: one would hide the other's rows; an export names each part once",
        repeated.join(", ")
    ))
}

/// Checks an export against its `manifest.json`, so that a part cut short, left out or added
/// is an incomplete export, not a smaller bill:
///
/// - `"files": [{"name", "rows"}]`, when present, must list every CSV member read, each once,
///   with `rows` a non-negative integer equal to the rows read from it; it may list no member
///   the zip lacks;
/// - `"total_rows"`, when present, must be a non-negative integer equal to the rows read from
///   all members.
///
/// A manifest with neither field is not checked; a zip without `manifest.json` neither.
fn check_export_manifest<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    member_rows: &[(String, u64)],
) -> Result<(), String> {
    let Ok(manifest) = archive.by_name("manifest.json") else {
        return Ok(());
    };
    let Ok(manifest) = serde_json::from_reader::<_, serde_json::Value>(manifest) else {
        return Err("manifest.json is not valid JSON".to_string());
    };
    check_manifest(&manifest, member_rows, "zip")
}

/// Checks the parts read (`member_rows`) against an export's parsed `manifest.json`, as
/// `check_export_manifest` describes; `container` names what holds them (`zip`, `folder`).
fn check_manifest(
    manifest: &serde_json::Value,
    member_rows: &[(String, u64)],
    container: &str,
) -> Result<(), String> {
    let count = |value: &serde_json::Value, what: &str| -> Result<u64, String> {
        value.as_u64().ok_or_else(|| {
            format!("manifest.json gives {what} as {value}; expected a non-negative integer")
        })
    };
    if let Some(files) = manifest.get("files") {
        let Some(files) = files.as_array() else {
            return Err("manifest.json: \"files\" is not a list".to_string());
        };
        let read: HashMap<&str, u64> = member_rows
            .iter()
            .map(|(member, rows)| (member.as_str(), *rows))
            .collect();
        let mut listed: HashSet<&str> = HashSet::with_capacity(files.len());
        for file in files {
            let Some(name) = file.get("name").and_then(|n| n.as_str()) else {
                return Err(format!(
                    "manifest.json lists a file without a \"name\": {file}"
                ));
            };
            let Some(rows) = file.get("rows") else {
                return Err(format!("manifest.json gives no \"rows\" for {name}"));
            };
            let rows = count(rows, &format!("\"rows\" of {name}"))?;
            if !listed.insert(name) {
                return Err(format!("manifest.json lists {name} twice"));
            }
            match read.get(name) {
                Some(read) if *read == rows => {}
                Some(read) => {
                    return Err(format!(
                        "{name} holds {read} rows but manifest.json says {rows}: the export is \
                         incomplete or altered"
                    ));
                }
                None => {
                    return Err(format!(
                        "manifest.json lists {name}, which the {container} lacks"
                    ));
                }
            }
        }
        if let Some((missing, _)) = member_rows
            .iter()
            .find(|(member, _)| !listed.contains(member.as_str()))
        {
            return Err(format!(
                "manifest.json does not list {missing}, which the {container} holds: the \
                 export is incomplete or altered"
            ));
        }
    }
    if let Some(total) = manifest.get("total_rows") {
        let total = count(total, "\"total_rows\"")?;
        let read: u64 = member_rows.iter().map(|(_, rows)| rows).sum();
        if read != total {
            return Err(format!(
                "the parts hold {read} rows but manifest.json says total_rows {total}: the \
                 export is incomplete or altered"
            ));
        }
    }
    Ok(())
}

/// The CSV members of an export in reading order: `part-K-of-N.csv` by K (all N parts must be
/// there), else every `.csv` member by name.
fn zip_members(names: &[String]) -> Result<Vec<String>, String> {
    if names.is_empty() {
        return Err(EMPTY_ZIP.to_string());
    }
    let names: Vec<String> = names
        .iter()
        .filter(|name| !is_macos_metadata(name))
        .cloned()
        .collect();
    let names = names.as_slice();
    // A member that is itself data tally could read (a zip in the zip, a gzipped CSV, a
    // Parquet or JSON Lines file) would otherwise be passed over with its rows uncounted.
    const NESTED: [(&str, &str); 5] = [
        (".zip", "a zip archive"),
        (".gz", "a gzip file"),
        (".parquet", "a Parquet file"),
        (".jsonl", "a JSON Lines file"),
        (".ndjson", "a JSON Lines file"),
    ];
    for name in names {
        let lower = name.to_lowercase();
        if let Some((_, what)) = NESTED.iter().find(|(ext, _)| lower.ends_with(ext)) {
            return Err(format!(
                "member \"{name}\" is {what} inside the zip, whose rows tally would not read \
                 (it reads a zip's CSV members); extract the zip and pass its files instead"
            ));
        }
    }
    let mut parts: Vec<(u32, u32, String)> = Vec::new();
    for name in names {
        let base = name.rsplit('/').next().unwrap_or(name);
        let Some(numbers) = base
            .strip_prefix("part-")
            .and_then(|rest| rest.strip_suffix(".csv"))
        else {
            continue;
        };
        let parsed = numbers
            .split_once("-of-")
            .and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)));
        match parsed {
            Some((k, n)) => parts.push((k, n, name.clone())),
            None => return Err(format!("member \"{name}\" is not named part-K-of-N.csv")),
        }
    }
    if parts.is_empty() {
        let mut csvs: Vec<String> = names
            .iter()
            .filter(|n| n.to_lowercase().ends_with(".csv"))
            .cloned()
            .collect();
        csvs.sort();
        if csvs.is_empty() {
            return Err("the zip holds no CSV files (expected part-1-of-N.csv …)".to_string());
        }
        return Ok(csvs);
    }
    if let Some(stray) = names.iter().find(|name| {
        name.to_lowercase().ends_with(".csv") && !parts.iter().any(|part| &part.2 == *name)
    }) {
        return Err(format!(
            "member \"{stray}\" is not a part-K-of-N.csv; an export's CSV files are its parts"
        ));
    }
    parts.sort();
    let total = parts[0].1;
    // Compared part by part: `part-1-of-4294967295.csv` must not make tally list four
    // billion numbers.
    let complete = parts.len() == total as usize
        && parts
            .iter()
            .enumerate()
            .all(|(i, p)| p.1 == total && p.0 as usize == i + 1);
    if !complete {
        return Err(format!(
            "the export's parts are incomplete or inconsistent: found {}, expected part-1-of-{total}.csv to part-{total}-of-{total}.csv",
            parts
                .iter()
                .map(|p| p.2.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(parts.into_iter().map(|p| p.2).collect())
}

/// A zip made with macOS's Finder holds a `__MACOSX/` folder of `._name` resource forks: file
/// metadata, not data, never a part.
fn is_macos_metadata(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("__MACOSX/") || name.contains("/__MACOSX/") || base.starts_with("._")
}

/// The members of a zip that tally neither reads nor checks: not a CSV it reads, not the
/// export's `manifest.json`, not a folder entry or macOS metadata (`__MACOSX/`, `._name`).
/// A README is harmless, but a `usage.tsv` would be data left out: the run says so.
fn passed_over<'a>(names: &'a [String], members: &[String]) -> Vec<&'a str> {
    // A set: a zip of 60,000 CSV members must not cost 60,000² comparisons.
    let members: HashSet<&str> = members.iter().map(String::as_str).collect();
    names
        .iter()
        .filter(|name| {
            !(members.contains(name.as_str())
                || name.as_str() == "manifest.json"
                || name.ends_with('/')
                || is_macos_metadata(name))
        })
        .map(String::as_str)
        .collect()
}

/// How many members not read are named one by one; the rest are counted in one more note, so
/// a zip of thousands of small files does not bury the report under thousands of lines.
const PASSED_OVER_NAMED: usize = 10;

/// The notes on the members `passed_over` finds: one per member up to `PASSED_OVER_NAMED`,
/// each name escaped as Rust writes it (a line break in a name must not start a line of its own;
/// `output::visible` would be a loop from ingest to output).
fn passed_over_notes(names: &[String], members: &[String]) -> Vec<String> {
    let skipped = passed_over(names, members);
    let mut notes: Vec<String> = skipped
        .iter()
        .take(PASSED_OVER_NAMED)
        .map(|name| {
            format!(
                "member \"{}\" is not a CSV file, so its content is not read (tally reads a \
                 zip's CSV members); if it holds rows, extract it and pass it as its own input",
                name.escape_debug()
            )
        })
        .collect();
    if skipped.len() > PASSED_OVER_NAMED {
        notes.push(format!(
            "and {} more members that are not CSV files are not read (`unzip -l` lists them)",
            skipped.len() - PASSED_OVER_NAMED
        ));
    }
    notes
}

/// Scans one CSV stream into `tally`: the header on this thread, then blocks parsed in
/// parallel by rayon while this thread reads ahead. Returns the file's schema, or `None` when
/// blocks cut by quote parity turned out unsafe: the caller then reads the stream again with
/// `Boundaries::Exact` (`tally` is untouched in that case).
fn scan_csv<R: Read>(
    reader: R,
    source: &str,
    plan: &ScanPlan,
    tally: &mut Tally,
    progress: &dyn Progress,
    boundaries: Boundaries,
) -> Result<Option<Schema>> {
    let mut reader = BufReader::new(reader);
    let start = reader
        .fill_buf()
        .with_context(|| format!("{source}: cannot read"))?;
    if let Some(encoding) = utf16_bom(start) {
        bail!("{source}: {}", utf16_refusal(encoding));
    }
    let mut splitter = BlockSplitter::new(reader, plan.block_size, boundaries, plan.delimiter);
    let header = splitter
        .header()
        .map_err(|error| match too_long(&error) {
            Some(long) => anyhow!(
                "{source}:{}: {}",
                long.line.unwrap_or(1),
                long.reason(|i| format!("#{}", i + 1))
            ),
            None => anyhow!(error).context(format!("{source}: cannot read")),
        })?
        .ok_or_else(|| anyhow!("{source}: the file is empty; expected a header row"))?;
    if header.iter().all(u8::is_ascii_whitespace) {
        bail!("{source}:1: {BLANK_FIRST_LINE}");
    }
    if header.contains(&0) {
        bail!("{source}:1: {NUL_HEADER}");
    }
    let mut header_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(plan.delimiter)
        .from_reader(&header[..]);
    let mut record = csv::StringRecord::new();
    header_reader
        .read_record(&mut record)
        .map_err(|e| anyhow!("{source}:1: the header is not valid UTF-8 CSV: {e}"))?;
    let headers: Vec<String> = record.iter().map(str::to_string).collect();
    if let [only] = &headers[..]
        && let Some(found) = other_delimiter(only, plan.delimiter)
    {
        bail!("{source}:1: {found}");
    }
    let schema = detect_schema(&headers, plan).map_err(|e| anyhow!("{source}:1: {e}"))?;
    let rows = FileRows::new(source, &schema, plan, boundaries);

    // Enough blocks in flight to keep every worker busy while bounding memory. Blocks finish
    // in any order but are merged in file order (skipped rows must stay in row order): a
    // block waiting for an earlier one still counts as in flight.
    let max_in_flight = rayon::current_num_threads() + 2;
    let mut file_tally = Tally::for_input(plan);
    let mut read_error = None;
    // The physical line the next block to merge starts on: blocks count their own lines, and
    // their errors' lines are placed here, in file order.
    let mut next_line = splitter.first_body_line();
    rayon::in_place_scope(|scope| {
        // A task that panics still reports (its panic, passed on here): otherwise this thread
        // would wait for its block forever, and a bug would look like a hang.
        type Done = (u64, std::thread::Result<(Tally, Vec<u8>)>);
        let (sender, receiver) = std::sync::mpsc::channel::<Done>();
        let mut waiting: std::collections::BTreeMap<u64, Tally> = std::collections::BTreeMap::new();
        let (mut spawned, mut merged) = (0u64, 0u64);
        let mut receive = |file_tally: &mut Tally,
                           splitter: &mut BlockSplitter<_>,
                           merged: &mut u64|
         -> Option<bool> {
            let (index, done) = receiver.recv().ok()?;
            let (part, buffer) = done.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let stop = part.first_error.is_some() || part.overflow || part.needs_exact;
            splitter.recycle(buffer);
            waiting.insert(index, part);
            while let Some(mut part) = waiting.remove(merged) {
                part.place_lines(next_line);
                next_line += part.lines;
                progress.lines(part.lines);
                file_tally.merge(part);
                *merged += 1;
                if !file_tally.exported.is_empty() {
                    progress.rows(source, std::mem::take(&mut file_tally.exported));
                }
            }
            Some(stop)
        };
        let mut stop = false;
        while !stop {
            if spawned - merged >= max_in_flight as u64 {
                stop = receive(&mut file_tally, &mut splitter, &mut merged).unwrap_or(true);
                continue;
            }
            match splitter.next_block() {
                Ok(Some(block)) => {
                    let sender = sender.clone();
                    let rows = &rows;
                    let index = spawned;
                    spawned += 1;
                    scope.spawn(move |_| {
                        // The receiver outlives every task: a failed send cannot happen.
                        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            rows.process_block(&block)
                        }));
                        let _ = sender.send((index, done.map(|part| (part, block.data))));
                    });
                }
                Ok(None) => break,
                Err(error) => {
                    read_error = Some(error);
                    break;
                }
            }
        }
        drop(sender);
        while merged < spawned {
            if receive(&mut file_tally, &mut splitter, &mut merged).is_none() {
                break;
            }
        }
    });
    if let Some(error) = read_error {
        match too_long(&error) {
            // Blocks cut by parity may have run past the record's end: read exactly.
            Some(long) if !long.exact => return Ok(None),
            // The same error as a worker gives for a long record inside a block, so that
            // the earliest problem wins whatever the block size.
            Some(long) => {
                let part = Tally {
                    first_error: Some(crate::error::RowError {
                        location: crate::error::Location {
                            source: source.to_string(),
                            row_group: None,
                            // After the last block: every block has been merged.
                            line: long.line.unwrap_or(next_line),
                        },
                        column: None,
                        value: None,
                        reason: long.reason(|i| rows.column_name(i)),
                    }),
                    ..Tally::default()
                };
                file_tally.merge(part);
            }
            None => return Err(anyhow!(error).context(format!("{source}: cannot read"))),
        }
    }
    if file_tally.needs_exact {
        return Ok(None);
    }
    if file_tally.overflow {
        bail!("{source}: {}", crate::model::Overflow);
    }
    if let Some(error) = file_tally.first_error.take() {
        return Err(anyhow!(error));
    }
    tally.merge(file_tally);
    if tally.overflow {
        bail!("{source}: {}", crate::model::Overflow);
    }
    Ok(Some(schema))
}

/// The record-length error inside a read error, if that is what it is.
fn too_long(error: &std::io::Error) -> Option<&blocks::TooLong> {
    error.get_ref()?.downcast_ref::<blocks::TooLong>()
}

/// Why a file with a UTF-16 byte-order mark is refused (after its name), and what to do.
pub(crate) fn utf16_refusal(encoding: &str) -> String {
    format!(
        "the file is UTF-16 ({encoding}, with a byte-order mark), as a spreadsheet's \
         \"Unicode text\" save writes it; tally reads UTF-8: convert it first, e.g. \
         iconv -f UTF-16 -t UTF-8 IN > OUT.csv (then pass --delimiter tab if it is \
         tab-separated)"
    )
}

/// Why a file whose first line is blank, with more after it, is refused (after `file:1: `):
/// not "empty", and not read from wherever its header may be.
pub(crate) const BLANK_FIRST_LINE: &str = "the first line is blank; the header must be on line 1 \
     (remove the blank lines before it)";

/// Why a header holding NUL bytes is refused (after `file:1: `).
pub(crate) const NUL_HEADER: &str = "the header holds NUL bytes: the file may be UTF-16 without \
     a byte-order mark; tally reads UTF-8: convert it first, e.g. \
     iconv -f UTF-16LE -t UTF-8 IN > OUT.csv";

/// The encoding named by a UTF-16 byte-order mark at the start of `bytes`.
pub(crate) fn utf16_bom(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xFF\xFE") {
        Some("little-endian")
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some("big-endian")
    } else {
        None
    }
}

/// A header read as one column that another separator would split: what was found and the
/// option to pass. Never guessed: the user says how the file is separated.
pub(crate) fn other_delimiter(header: &str, used: u8) -> Option<String> {
    let name = |byte: u8| match byte {
        b'\t' => ("tabs".to_string(), "tab".to_string()),
        other => (
            format!("\"{}\"", other as char),
            format!("'{}'", other as char),
        ),
    };
    let found = [b',', b';', b'\t', b'|']
        .into_iter()
        .filter(|&byte| byte != used)
        .max_by_key(|&byte| header.bytes().filter(|&b| b == byte).count())
        .filter(|&byte| header.as_bytes().contains(&byte))?;
    let (found_name, option) = name(found);
    Some(if found == b',' {
        format!(
            "the header is separated by \",\", not {}: drop --delimiter (or pass --delimiter ',')",
            name(used).0
        )
    } else {
        format!("the header is separated by {found_name} — pass --delimiter {option}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_column_header_names_the_separator_it_holds() {
        assert_eq!(
            other_delimiter("date;sku;cost", b','),
            Some("the header is separated by \";\" — pass --delimiter ';'".to_string())
        );
        assert_eq!(
            other_delimiter("date\tsku\tcost", b','),
            Some("the header is separated by tabs — pass --delimiter tab".to_string())
        );
        assert!(
            other_delimiter("date,sku,cost", b';')
                .unwrap()
                .contains("drop --delimiter")
        );
        assert_eq!(other_delimiter("date", b','), None);
    }

    #[test]
    fn zip_parts_are_read_in_part_order_and_must_be_complete() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            zip_members(&names(&[
                "manifest.json",
                "part-2-of-2.csv",
                "part-1-of-2.csv"
            ]))
            .unwrap(),
            names(&["part-1-of-2.csv", "part-2-of-2.csv"])
        );
        let err = zip_members(&names(&["part-1-of-3.csv", "part-3-of-3.csv"])).unwrap_err();
        assert!(err.contains("incomplete"), "{err}");
        let err = zip_members(&names(&["part-10-of-2.csv", "part-1-of-2.csv"])).unwrap_err();
        assert!(err.contains("incomplete"), "{err}");
        // A huge N in a part name is an incomplete export, at once (found by tests/fuzz.rs: it
        // used to build the list 1..=N first).
        let err = zip_members(&names(&["part-1-of-4294967295.csv"])).unwrap_err();
        assert!(err.contains("incomplete"), "{err}");
        let err = zip_members(&names(&["part-0-of-0.csv"])).unwrap_err();
        assert!(err.contains("incomplete"), "{err}");
    }

    #[test]
    fn zip_macos_resource_forks_are_not_parts() {
        // Before: "__MACOSX/._part-1-of-2.csv" made the export "incomplete or inconsistent".
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            zip_members(&names(&[
                "export/part-1-of-2.csv",
                "export/part-2-of-2.csv",
                "__MACOSX/export/._part-1-of-2.csv",
                "__MACOSX/export/._part-2-of-2.csv",
                "export/._manifest.json",
            ]))
            .unwrap(),
            names(&["export/part-1-of-2.csv", "export/part-2-of-2.csv"])
        );
        // Usage CSVs: a resource fork is not one of them either.
        assert_eq!(
            zip_members(&names(&["usage.csv", "__MACOSX/._usage.csv"])).unwrap(),
            names(&["usage.csv"])
        );
        let err = zip_members(&names(&["__MACOSX/._usage.csv"])).unwrap_err();
        assert!(err.contains("holds no CSV files"), "{err}");
    }

    #[test]
    fn zip_members_not_read_are_counted_past_ten() {
        let mut names = vec!["usage.csv".to_string()];
        names.extend((0..12).map(|i| format!("n{i:02}.txt")));
        let notes = passed_over_notes(&names, &zip_members(&names).unwrap());
        assert_eq!(notes.len(), 11, "{notes:?}");
        assert!(notes[9].starts_with("member \"n09.txt\""), "{notes:?}");
        assert_eq!(
            notes[10],
            "and 2 more members that are not CSV files are not read (`unzip -l` lists them)"
        );
        let ten = &names[..11];
        assert_eq!(passed_over_notes(ten, &zip_members(ten).unwrap()).len(), 10);
        let odd = vec!["u.csv".to_string(), "a\nb.txt".to_string()];
        assert!(
            passed_over_notes(&odd, &zip_members(&odd).unwrap())[0]
                .starts_with("member \"a\\nb.txt\"")
        );
    }

    #[test]
    fn zip_members_not_read_are_named() {
        let names: Vec<String> = [
            "manifest.json",
            "part-1-of-1.csv",
            "README.txt",
            "docs/",
            "docs/usage.tsv",
            "__MACOSX/._part-1-of-1.csv",
            "docs/._usage.tsv",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let members = zip_members(&names).unwrap();
        assert_eq!(members, vec!["part-1-of-1.csv".to_string()]);
        assert_eq!(
            passed_over(&names, &members),
            vec!["README.txt", "docs/usage.tsv"]
        );
        // A manifest in a folder is not the export's: named too.
        let nested = vec!["usage.csv".to_string(), "old/manifest.json".to_string()];
        assert_eq!(
            passed_over(&nested, &zip_members(&nested).unwrap()),
            vec!["old/manifest.json"]
        );
    }
}

//! `tally inspect`: what an unknown input holds, without a report and without stopping at a
//! bad row. Opens each input as `report` does (kind from the content; `.gz` decompressed; a
//! zip export part by part; Parquet row group by row group; `--delimiter` and `--date-format`
//! as `report` reads them), streams its records once, single-threaded, into a
//! [`profile::Profile`], and never fails on a row: bad rows are counted.

pub mod focus;
pub mod profile;

use super::blocks::{Block, BlockSplitter, Boundaries, TooLong, count_lines};
use super::columns::CsvKind;
use super::{
    BLANK_FIRST_LINE, InputFile, NUL_HEADER, other_delimiter, parquet, read_prefix, tokens,
    utf16_bom, utf16_refusal, zip_members,
};
use crate::config::CostColumn;
use crate::error::{Location, RowError};
use crate::primitives::date::DateFormat;
use profile::{Counts, Profile, Profiled, Profiler, TextRecord, profile_records};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

/// How inputs are read: `report`'s reading options.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// `--cost`: the FOCUS cost column totalled.
    pub cost: CostColumn,
    /// Bytes per CSV block read at a time (bounds the records held in memory).
    pub block_size: usize,
    /// `--date-format`: how the date column is read.
    pub date_format: Option<DateFormat>,
    /// `--delimiter`: the CSV field separator.
    pub delimiter: u8,
}

/// What inspecting one input (or one member of an export) found.
#[derive(Debug, Clone, Default)]
pub struct InputReport {
    /// The input as named (for a zip member, the member's name).
    pub name: String,
    /// `usage-csv`, `focus-csv`, `cost-usage-export (focus-csv)`, `token-records (…)`, with
    /// `+gzip` when compressed, `focus-parquet`, `usage-parquet`; `None` when not recognized.
    pub kind: Option<String>,
    /// Remarks that are not errors: `--cost` not applying, an export's manifest, charge
    /// periods `--spread-charges` would refuse.
    pub notes: Vec<String>,
    /// The input could not be opened or has no header tally reads: what was found instead.
    pub error: Option<String>,
    /// For an export, the total over its members.
    pub profile: Option<Profile>,
    /// A zip export's CSV members, in reading order.
    pub members: Vec<InputReport>,
}

impl InputReport {
    /// An input that could not be read at all.
    pub fn unreadable(name: &str, error: String) -> InputReport {
        InputReport {
            name: name.to_string(),
            error: Some(error),
            ..InputReport::default()
        }
    }

    /// A profiled CSV or Parquet input: its kind, notes and profile.
    fn profiled(name: &str, kind: &str, profiled: Profiled) -> InputReport {
        let mut notes: Vec<String> = profiled.note.into_iter().collect();
        notes.extend(spread_note(&profiled.profile));
        InputReport {
            name: name.to_string(),
            kind: Some(kind.to_string()),
            notes,
            error: None,
            profile: Some(profiled.profile),
            members: Vec::new(),
        }
    }

    /// Notes what `report` would refuse in this export (it reads what is there).
    fn refused(&mut self, problem: &str) {
        self.notes
            .push(format!("report would refuse this export: {problem}"));
    }

    /// The input (or a member) could not be read, or read to its end.
    pub fn failed(&self) -> bool {
        self.error.is_some()
            || self
                .profile
                .as_ref()
                .is_some_and(|p| p.read_error.is_some())
            || self.members.iter().any(InputReport::failed)
    }
}

/// The start of the note on charge periods `--spread-charges` would refuse.
const SPREAD_NOTE: &str = "report --spread-charges would refuse";

/// Says how many rows' charge periods `report --spread-charges` would refuse, and the first.
fn spread_note(profile: &Profile) -> Option<String> {
    let refused = &profile.spread_refused;
    let first = refused.first.first()?;
    let rows = if refused.count == 1 {
        "1 row".to_string()
    } else {
        format!("{} rows", refused.count)
    };
    Some(format!(
        "{SPREAD_NOTE} {rows} (a charge period end it cannot read, or more than a century \
         after the start); the first: {first}"
    ))
}

/// Inspects one input file. Never fails: what went wrong is in the report.
pub fn inspect(file: &InputFile, options: &InspectOptions) -> InputReport {
    let name = file.name.as_str();
    if file.path.as_os_str() == "-" || !std::fs::metadata(&file.path).is_ok_and(|m| m.is_file()) {
        return inspect_pipe(file, options);
    }
    let open = || File::open(&file.path).map_err(|e| format!("cannot open: {e}"));
    let mut magic = [0u8; 4];
    let magic_len = match open()
        .and_then(|mut f| read_prefix(&mut f, &mut magic).map_err(|e| format!("cannot read: {e}")))
    {
        Ok(n) => n,
        Err(error) => return InputReport::unreadable(name, error),
    };
    if super::is_zip(&magic[..magic_len]) {
        return inspect_zip(file, options);
    }
    if magic[..magic_len] == *parquet::MAGIC {
        return inspect_parquet(file, options);
    }
    let gzip = magic[..magic_len].starts_with(&[0x1f, 0x8b]);
    let file_reader = match open() {
        Ok(f) => f,
        Err(error) => return InputReport::unreadable(name, error),
    };
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file_reader))
    } else {
        Box::new(file_reader)
    };
    let mut report = inspect_stream(reader, name, options);
    if gzip && let Some(kind) = &mut report.kind {
        kind.push_str("+gzip");
    }
    report
}

/// Standard input (`-`), a pipe, `/dev/stdin` or a FIFO: opened once and read once. A zip
/// export or a Parquet file is spooled to a temporary file first (as `report` does).
fn inspect_pipe(file: &InputFile, options: &InspectOptions) -> InputReport {
    let name = file.name.as_str();
    let mut source: Box<dyn Read> = if file.path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match File::open(&file.path) {
            Ok(f) => Box::new(f),
            Err(e) => return InputReport::unreadable(name, format!("cannot open: {e}")),
        }
    };
    let mut magic = [0u8; 4];
    let magic_len = match read_prefix(&mut source, &mut magic) {
        Ok(n) => n,
        Err(e) => return InputReport::unreadable(name, format!("cannot read: {e}")),
    };
    let magic = &magic[..magic_len];
    if super::is_zip(magic) || magic == parquet::MAGIC {
        let what = if super::is_zip(magic) {
            "zip export"
        } else {
            "Parquet file"
        };
        let spooled = super::spool::limit()
            .and_then(|limit| super::spool::spool(name, what, magic, source, limit));
        let spooled = match spooled {
            Ok(spooled) => spooled,
            Err(e) => {
                let message = format!("{e:#}");
                let message = message
                    .strip_prefix(&format!("{name}: "))
                    .unwrap_or(&message);
                return InputReport::unreadable(name, message.to_string());
            }
        };
        let copy = InputFile {
            path: spooled.path.clone(),
            name: file.name.clone(),
        };
        return inspect(&copy, options);
    }
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let source = std::io::Cursor::new(magic.to_vec()).chain(source);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(source))
    } else {
        Box::new(source)
    };
    let mut report = inspect_stream(reader, name, options);
    if gzip && let Some(kind) = &mut report.kind {
        kind.push_str("+gzip");
    }
    report
}

/// A CSV or token-record stream, decompressed.
fn inspect_stream(reader: impl Read, name: &str, options: &InspectOptions) -> InputReport {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let first = match reader.fill_buf() {
        Ok(peek) => {
            // Refused as `report` refuses it.
            if let Some(encoding) = utf16_bom(peek) {
                return InputReport::unreadable(name, utf16_refusal(encoding));
            }
            peek.iter()
                .find(|b| !(b.is_ascii_whitespace() || matches!(**b, 0xEF | 0xBB | 0xBF)))
                .copied()
        }
        Err(e) => return InputReport::unreadable(name, format!("cannot read: {e}")),
    };
    if matches!(first, Some(b'{' | b'[')) {
        inspect_tokens(reader, name)
    } else {
        inspect_csv(reader, name, options)
    }
}

/// A CSV stream: the header, then every record through the profiler.
fn inspect_csv(reader: impl Read, name: &str, options: &InspectOptions) -> InputReport {
    let delimiter = options.delimiter;
    let mut splitter = BlockSplitter::new(reader, options.block_size, Boundaries::Exact, delimiter);
    let header = match splitter.header() {
        Ok(Some(header)) => header,
        Ok(None) => {
            return InputReport::unreadable(
                name,
                "the file is empty; expected a header row".to_string(),
            );
        }
        Err(e) => return InputReport::unreadable(name, format!("cannot read: {e}")),
    };
    if header.iter().all(u8::is_ascii_whitespace) {
        return InputReport::unreadable(name, format!("line 1: {BLANK_FIRST_LINE}"));
    }
    if header.contains(&0) {
        return InputReport::unreadable(name, format!("line 1: {NUL_HEADER}"));
    }
    let mut header_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(&header[..]);
    let mut record = csv::StringRecord::new();
    if let Err(e) = header_reader.read_record(&mut record) {
        return InputReport::unreadable(
            name,
            format!("line 1: the header is not valid UTF-8 CSV: {e}"),
        );
    }
    let headers: Vec<String> = record.iter().map(str::to_string).collect();
    // A header another separator would split: say which, and the option to pass.
    if let [only] = &headers[..]
        && let Some(found) = other_delimiter(only, delimiter)
    {
        return InputReport::unreadable(name, format!("line 1: {found}"));
    }
    let records = CsvRecords {
        next_line: splitter.first_body_line(),
        splitter,
        delimiter,
        pending: VecDeque::new(),
        done: false,
    };
    match profile_records(
        name,
        &headers,
        options.cost,
        options.date_format.clone(),
        records,
    ) {
        Ok(profiled) => {
            let kind = profiled.kind.as_str();
            InputReport::profiled(name, kind, profiled)
        }
        Err(problem) => InputReport::unreadable(name, format!("line 1: {problem}")),
    }
}

/// A Parquet file: its schema's top-level column names are the header, and each row (nulls
/// as empty fields) goes through the profiler as a CSV record would, located by row group
/// and row. Rows are read one row group at a time, never the whole file.
fn inspect_parquet(file: &InputFile, options: &InspectOptions) -> InputReport {
    let name = file.name.as_str();
    let path_name = file.path.display().to_string();
    // Both callbacks reach the profiler: the header makes it, each row feeds it.
    let profiler: RefCell<Option<Profiler>> = RefCell::new(None);
    let mut header_problem: Option<String> = None;
    let outcome = parquet::for_each_record(
        &file.path,
        |headers| {
            match Profiler::new(name, headers, options.cost, options.date_format.clone()) {
                Ok(new) => *profiler.borrow_mut() = Some(new),
                Err(problem) => header_problem = Some(problem),
            }
            // Without a header tally reads, the rows are not worth decoding.
            match &header_problem {
                Some(problem) => Err(anyhow::anyhow!("{problem}")),
                None => Ok(()),
            }
        },
        |location, fields| {
            if let Some(profiler) = profiler.borrow_mut().as_mut() {
                profiler.add(TextRecord::Fields {
                    row_group: location.row_group,
                    line: location.line,
                    fields: fields
                        .iter()
                        .map(|field| field.clone().unwrap_or_default())
                        .collect(),
                });
            }
            Ok(())
        },
    );
    let profiler = profiler.into_inner();
    // The reader names the file by its path: the report names it as the user did.
    let message = |error: anyhow::Error| {
        let message = format!("{error:#}");
        message
            .strip_prefix(&format!("{path_name}: "))
            .unwrap_or(&message)
            .to_string()
    };
    if let Some(problem) = header_problem {
        return InputReport::unreadable(name, problem);
    }
    let Some(mut profiler) = profiler else {
        let error = outcome
            .err()
            .map_or_else(|| "cannot read".to_string(), message);
        return InputReport::unreadable(name, error);
    };
    if let Err(error) = outcome {
        profiler.stop(message(error));
    }
    let profiled = profiler.finish();
    let kind = match profiled.kind {
        CsvKind::Focus => "focus-parquet",
        CsvKind::Usage => "usage-parquet",
    };
    InputReport::profiled(name, kind, profiled)
}

/// The records of a CSV stream, a block at a time: memory holds one block's records.
struct CsvRecords<R> {
    splitter: BlockSplitter<R>,
    delimiter: u8,
    /// The physical line the next block starts on (the splitter does not count lines).
    next_line: u64,
    pending: VecDeque<TextRecord>,
    done: bool,
}

impl<R: Read> Iterator for CsvRecords<R> {
    type Item = Result<TextRecord, String>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.pending.pop_front() {
                return Some(Ok(record));
            }
            if self.done {
                return None;
            }
            match self.splitter.next_block() {
                Ok(Some(block)) => {
                    block_records(&block, self.next_line, self.delimiter, &mut self.pending);
                    self.next_line += count_lines(block.bytes());
                    self.splitter.recycle(block.data);
                }
                Ok(None) => self.done = true,
                Err(mut e) => {
                    self.done = true;
                    // A record too long to read starts just after the last block.
                    if let Some(long) = e
                        .get_mut()
                        .and_then(|inner| inner.downcast_mut::<TooLong>())
                    {
                        long.line = long.line.or(Some(self.next_line));
                    }
                    return Some(Err(format!("cannot read: {e}")));
                }
            }
        }
    }
}

/// Splits a block of whole records, whose first byte is on `first_line`, with the csv crate,
/// each with the physical line it starts on.
fn block_records(block: &Block, first_line: u64, delimiter: u8, out: &mut VecDeque<TextRecord>) {
    let data = block.bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(data);
    // The csv crate puts a record's position at the end of the record before it: skip the
    // line break (and any empty lines) to its first byte, and count line feeds up to there.
    let mut counted = (0usize, first_line);
    let mut line_at = |position: u64| {
        let mut at = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(data.len())
            .max(counted.0);
        while matches!(data.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        counted.1 += memchr::memchr_iter(b'\n', &data[counted.0..at]).count() as u64;
        counted.0 = at;
        counted.1
    };
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(record.position().map_or(0, |p| p.byte()));
                out.push_back(text_record(&record, line));
            }
            Err(error) => {
                let line = line_at(error.position().map_or(0, |p| p.byte()));
                out.push_back(TextRecord::Unreadable {
                    row_group: None,
                    line,
                    column: None,
                    value: None,
                    reason: format!("is not valid CSV: {error}"),
                });
            }
        }
    }
}

fn text_record(record: &csv::ByteRecord, line: u64) -> TextRecord {
    let mut fields = Vec::with_capacity(record.len());
    for (index, field) in record.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(text) => fields.push(text.to_string()),
            Err(_) => {
                return TextRecord::Unreadable {
                    row_group: None,
                    line,
                    column: Some(index),
                    value: Some(String::from_utf8_lossy(field).into_owned()),
                    reason: "is not valid UTF-8".to_string(),
                };
            }
        }
    }
    TextRecord::Fields {
        row_group: None,
        line,
        fields,
    }
}

/// Token-usage records (JSON Lines, an array, one object), read whole as `report` reads
/// them. Timestamps without an offset are read as UTC.
fn inspect_tokens(mut reader: impl Read, name: &str) -> InputReport {
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return InputReport::unreadable(name, format!("cannot read: {e}"));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return InputReport::unreadable(
            name,
            "token-usage records are not valid UTF-8".to_string(),
        );
    };
    let mut report = InputReport {
        name: name.to_string(),
        kind: Some("token-records".to_string()),
        ..InputReport::default()
    };
    let (values, kind, broken) = match tokens::split_records(&text, name) {
        Ok(split) => split,
        Err(error) => {
            // The text is not JSON a reader can go on in: say where it stops.
            let message = error.to_string();
            let message = message
                .strip_prefix(name)
                .and_then(|m| m.strip_prefix(':'))
                .unwrap_or(&message);
            report.error = Some(format!("line {message}"));
            return report;
        }
    };
    report.kind = Some(kind.to_string());
    let mut profile = Profile {
        endpoints: Some(Counts::default()),
        models: Some(Counts::default()),
        ..Profile::default()
    };
    let bad = |line: u64, reason: String| RowError {
        location: Location {
            row_group: None,
            source: name.to_string(),
            line,
        },
        column: None,
        value: None,
        reason,
    };
    for (line, _, reason) in broken {
        profile.rows += 1;
        profile.bad.add(bad(line, reason));
    }
    for (line, value) in values {
        profile.rows += 1;
        match tokens::TokenRecord::from_value(&value, chrono_tz::Tz::UTC) {
            Ok(record) => {
                profile.days.insert(record.day);
                if let Some(endpoints) = &mut profile.endpoints {
                    endpoints.add_row(record.endpoint.as_str().to_string());
                }
                if let Some(models) = &mut profile.models {
                    models.add_row(record.model);
                }
            }
            Err(reason) => profile.bad.add(bad(line, reason)),
        }
    }
    report.profile = Some(profile);
    report
}

/// A cost usage export: each CSV member profiled on its own, and their total.
fn inspect_zip(file: &InputFile, options: &InspectOptions) -> InputReport {
    let name = file.name.as_str();
    let archive = File::open(&file.path)
        .map_err(|e| format!("cannot open: {e}"))
        .and_then(|f| {
            zip::ZipArchive::new(f).map_err(|e| format!("not a readable zip archive: {e}"))
        });
    let mut archive = match archive {
        Ok(archive) => archive,
        Err(error) => return InputReport::unreadable(name, error),
    };
    let names: Vec<String> = match archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
    {
        Ok(names) => names,
        Err(e) => {
            return InputReport::unreadable(name, format!("cannot list the zip's members: {e}"));
        }
    };
    let mut report = InputReport {
        name: name.to_string(),
        ..InputReport::default()
    };
    if let Err(problem) = super::check_unique_names(&archive, &file.path) {
        report.refused(&problem);
    }
    if names.is_empty() {
        report.error = Some(super::EMPTY_ZIP.into());
        return report;
    }
    let members = match zip_members(&names) {
        Ok(members) => members,
        Err(problem) => {
            // `report` refuses such an export; inspect says so and reads what is there.
            report.refused(&problem);
            let mut csvs: Vec<String> = names
                .iter()
                .filter(|n| n.to_lowercase().ends_with(".csv"))
                .cloned()
                .collect();
            csvs.sort();
            csvs
        }
    };
    if members.is_empty() {
        report.error = Some("the zip holds no CSV files (expected part-1-of-N.csv …)".into());
        return report;
    }
    let mut parts = ExportParts::default();
    for member in &members {
        let source = format!("{name}:{member}");
        let member_report = match archive.by_name(member) {
            Ok(entry) => inspect_stream(entry, &source, options),
            Err(e) => InputReport::unreadable(&source, format!("cannot read: {e}")),
        };
        parts.add(&mut report, member, member_report);
    }
    let checked = super::check_export_manifest(&mut archive, &parts.rows(&report));
    let manifest = archive
        .by_name("manifest.json")
        .ok()
        .and_then(|manifest| serde_json::from_reader::<_, serde_json::Value>(manifest).ok());
    parts.finish("cost-usage-export", &mut report, checked, manifest.as_ref());
    report
        .notes
        .extend(super::passed_over_notes(&names, &members));
    report
}

/// An unzipped export (a folder holding the export's `manifest.json`; see
/// `walk::export_parts`): described as its zip is, its parts one by one and their total, with
/// what `report` would refuse (a part missing, rows the manifest does not give) in its notes.
pub fn inspect_export_dir(file: &InputFile, options: &InspectOptions) -> InputReport {
    let name = file.name.as_str();
    let dir = &file.path;
    let mut report = InputReport {
        name: name.to_string(),
        ..InputReport::default()
    };
    let manifest_path = dir.join("manifest.json");
    let manifest = std::fs::read(&manifest_path)
        .map_err(|e| format!("manifest.json: cannot read: {e}"))
        .and_then(|bytes| {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| format!("manifest.json is not valid JSON: {e}"))
        });
    let names: Vec<String> = match super::walk::export_dir_files(dir) {
        Ok(paths) => paths
            .iter()
            .filter_map(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect(),
        Err(e) => return InputReport::unreadable(name, format!("{e:#}")),
    };
    let members = match zip_members(&names) {
        Ok(members) => members,
        Err(problem) => {
            report.refused(&problem);
            names
        }
    };
    let mut parts = ExportParts::default();
    for member in &members {
        let part = InputFile {
            path: dir.join(member),
            name: dir.join(member).display().to_string(),
        };
        parts.add(&mut report, member, inspect(&part, options));
    }
    let checked = match &manifest {
        Ok(manifest) => super::check_manifest(manifest, &parts.rows(&report), "folder"),
        Err(problem) => Err(problem.clone()),
    };
    parts.finish(
        "cost-usage-export-folder",
        &mut report,
        checked,
        manifest.as_ref().ok(),
    );
    report
}

/// The parts of an export (a zip's CSV members or an unzipped export's CSV files) as they are
/// described: their kinds and the total of their profiles.
#[derive(Default)]
struct ExportParts {
    total: Option<Profile>,
    kinds: Vec<String>,
}

impl ExportParts {
    /// Adds the description of the part `member` to the export's `report`.
    fn add(&mut self, report: &mut InputReport, member: &str, mut part: InputReport) {
        part.name = member.to_string();
        if let Some(kind) = &part.kind
            && !self.kinds.contains(kind)
        {
            self.kinds.push(kind.clone());
        }
        if let Some(profile) = &part.profile {
            match &mut self.total {
                Some(total) => total.merge(profile.clone()),
                None => self.total = Some(profile.clone()),
            }
        }
        for note in &part.notes {
            // The export's own note on charge periods covers every part (in `finish`).
            if !report.notes.contains(note) && !note.starts_with(SPREAD_NOTE) {
                report.notes.push(note.clone());
            }
        }
        report.members.push(part);
    }

    /// The rows read from each part, for the manifest check.
    fn rows(&self, report: &InputReport) -> Vec<(String, u64)> {
        report
            .members
            .iter()
            .filter_map(|m| Some((m.name.clone(), m.profile.as_ref()?.rows)))
            .collect()
    }

    /// The export's kind (`kind`, then the parts' kinds), the manifest check's verdict, the FOCUS version the manifest gives,
    /// the note on charge periods, and the total.
    fn finish(
        self,
        kind: &str,
        report: &mut InputReport,
        checked: Result<(), String>,
        manifest: Option<&serde_json::Value>,
    ) {
        report.kind = Some(format!("{kind} ({})", self.kinds.join(", ")));
        if let Err(problem) = checked {
            report.refused(&problem);
        }
        if let Some(version) = manifest
            .and_then(|m| m.get("focus_version"))
            .and_then(|v| v.as_str())
        {
            report
                .notes
                .push(format!("manifest.json says focus_version {version}"));
        }
        report
            .notes
            .extend(self.total.as_ref().and_then(spread_note));
        report.profile = self.total;
    }
}

//! The only place that creates files or writes to stdout. An `--out` run writes its files
//! into a new folder beside the target and swaps it in as a whole (`OutDir`), under an OS lock
//! beside the folder (`lock_exclusive`); each file is written to a temporary name and renamed, so no
//! reader sees half a file. Text from inputs is made visible (`visible`) before it reaches a
//! person.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `dir/name` atomically.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    write_atomic_with(dir, name, |out| Ok(out.write_all(bytes)?))
}

/// As [`write_atomic`], with the bytes written by `write` (for files too large to hold).
pub fn write_atomic_with(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let target = dir.join(name);
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A temporary file is private (0600) by default; a report is for sharing, so it gets the
    // mode a plain file would (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut temp);
        write(&mut buffered)
            .and_then(|_| Ok(buffered.flush()?))
            .with_context(|| format!("{}: cannot write", target.display()))?;
    }
    temp.as_file()
        .sync_all()
        .with_context(|| format!("{}: cannot write", target.display()))?;
    temp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot rename into place", target.display()))?;
    Ok(())
}

/// Writes to stdout; a closed pipe (`tally … | head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// A warning on stderr, control characters from inputs made visible.
pub fn warn(message: &str) {
    eprintln!("warning: {}", visible_lines(message));
}

/// Text from inputs made safe to show: every control character (C0, DEL, C1: ESC would start
/// a terminal escape sequence, NUL and most others are not allowed in XML) becomes a visible
/// escape, `\u{1b}`, as Rust writes it.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text, false)
}

/// An SVG document with any control character XML forbids made visible (a catch-all: labels
/// from inputs are made visible before drawing).
pub fn visible_svg(svg: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(svg) {
        Ok(text) => match visible_lines(&text) {
            std::borrow::Cow::Owned(fixed) => fixed.into_bytes(),
            std::borrow::Cow::Borrowed(_) => text.into_bytes(),
        },
        Err(e) => e.into_bytes(),
    }
}

/// As `visible`, for text of several lines: tabs and line breaks stay.
pub fn visible_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text, true)
}

fn escape_controls(text: &str, keep_layout: bool) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !(keep_layout && matches!(c, '\t' | '\n' | '\r'));
    if !text.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An output folder being written: the run's files go into a fresh folder beside the target
/// (`.NAME.tally-new`), which replaces the target as a whole in `commit`. A run that fails or
/// is killed before then leaves the previous set untouched; one killed during the swap is
/// completed by the next run. The folder is held under the lock `.NAME.tally.lock`, beside it
/// (`OutDir::claim`).
#[derive(Debug)]
pub struct OutDir {
    target: PathBuf,
    staging: PathBuf,
    backup: PathBuf,
    committed: bool,
    _lock: LockGuard,
}

impl OutDir {
    /// Finishes what an interrupted run left, checks that the claimed folder holds only files
    /// `command` writes (`names`), and creates the folder the run writes into.
    pub fn begin(claim: OutClaim, command: &str, names: &[&str], quiet: bool) -> Result<OutDir> {
        let OutClaim { dir, target, lock } = claim;
        let dir = dir.as_path();
        let (parent, name) = match (target.parent(), target.file_name()) {
            (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_string_lossy()),
            _ => anyhow::bail!("{}: --out cannot be the root folder", dir.display()),
        };
        let sibling = |suffix: &str| parent.join(format!(".{name}.{suffix}"));
        let (staging, backup) = (sibling("tally-new"), sibling("tally-old"));
        recover(&target, &staging, &backup, quiet)?;
        if target.exists() {
            refuse_foreign_files(&target, dir, command, names)?;
        }
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o777); // less the umask, as mkdir gives
        }
        builder
            .create(&staging)
            .with_context(|| format!("{}: cannot create", staging.display()))?;
        // A folder the user gave a mode (0750, a group's setgid bit) keeps it.
        if let Ok(meta) = std::fs::metadata(&target) {
            std::fs::set_permissions(&staging, meta.permissions()).ok();
        }
        Ok(OutDir {
            target,
            staging,
            backup,
            committed: false,
            _lock: lock,
        })
    }

    /// The folder the run writes its files into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Puts the run's folder in the target's place: rename the old set aside, rename the new
    /// one in, remove the old. A directory cannot be renamed over a non-empty one, so the swap
    /// takes two renames; between them the target is briefly absent, never mixed, and a run
    /// killed there is completed by the next one (`recover`).
    pub fn commit(mut self) -> Result<()> {
        sync_dir(&self.staging);
        if self.target.exists() {
            std::fs::rename(&self.target, &self.backup).with_context(|| {
                format!(
                    "{}: cannot move the previous outputs aside",
                    self.target.display()
                )
            })?;
            if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                std::fs::rename(&self.backup, &self.target).ok();
                return Err(e).with_context(|| {
                    format!("{}: cannot rename into place", self.target.display())
                });
            }
            self.committed = true;
            std::fs::remove_dir_all(&self.backup).with_context(|| {
                format!(
                    "{}: cannot remove the previous outputs",
                    self.backup.display()
                )
            })?;
        } else {
            std::fs::rename(&self.staging, &self.target)
                .with_context(|| format!("{}: cannot rename into place", self.target.display()))?;
            self.committed = true;
        }
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        // A run that failed before `commit` leaves nothing behind: the previous set stays.
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// The `--out` folder as an absolute path, symbolic links resolved (the folder a link points
/// to is replaced, not the link); its parents are created.
fn target_path(dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        return std::fs::canonicalize(dir)
            .with_context(|| format!("{}: cannot resolve", dir.display()));
    }
    // A link that leads nowhere: replacing "the folder it points to" has no folder to
    // replace, and the run would write every file only to fail at the last rename.
    if let Ok(link) = std::fs::read_link(dir) {
        anyhow::bail!(
            "{}: --out is a symbolic link to {}, which does not exist; create that folder or \
             remove the link",
            dir.display(),
            link.display()
        );
    }
    let name = dir
        .file_name()
        .filter(|name| *name != "." && *name != "..")
        .with_context(|| format!("{}: --out must name a folder", dir.display()))?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
        anyhow::bail!(
            "{}: --out must be a folder, but {} is a file",
            dir.display(),
            file.display()
        );
    }
    std::fs::create_dir_all(parent)
        .with_context(|| format!("{}: cannot create", parent.display()))?;
    let parent = std::fs::canonicalize(parent)
        .with_context(|| format!("{}: cannot resolve", parent.display()))?;
    Ok(parent.join(name))
}

/// Finishes what a run killed while writing left (the caller holds the lock): an unfinished
/// new folder is removed; an old set moved aside is put back when the swap did not happen,
/// and removed when it did.
fn recover(target: &Path, staging: &Path, backup: &Path, quiet: bool) -> Result<()> {
    if backup.exists() {
        if target.exists() {
            std::fs::remove_dir_all(backup)
                .with_context(|| format!("{}: cannot remove", backup.display()))?;
        } else {
            std::fs::rename(backup, target)
                .with_context(|| format!("{}: cannot restore", target.display()))?;
            if !quiet {
                warn(&format!(
                    "{}: restored the outputs an interrupted run had moved aside",
                    target.display()
                ));
            }
        }
    }
    if staging.exists() {
        std::fs::remove_dir_all(staging)
            .with_context(|| format!("{}: cannot remove", staging.display()))?;
    }
    Ok(())
}

/// Refuses a target folder holding anything `command` does not write: the folder is replaced
/// as a whole, and what tally did not write is not tally's to delete.
fn refuse_foreign_files(target: &Path, dir: &Path, command: &str, names: &[&str]) -> Result<()> {
    let entries =
        std::fs::read_dir(target).with_context(|| format!("{}: cannot read", dir.display()))?;
    let mut foreign = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot read", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        // Earlier versions kept their lock and temporary files inside the folder.
        // A name ending in `*` is a folder prefix (`month=*`: an export's partitions).
        let ours_folder = entry.file_type().is_ok_and(|t| t.is_dir())
            && names.iter().any(|known| {
                known
                    .strip_suffix('*')
                    .is_some_and(|prefix| name.starts_with(prefix))
            });
        if ours_folder {
            continue;
        }
        let ours = names.contains(&name.as_str())
            || name == LOCK_FILE
            || names.iter().any(|known| {
                name.strip_prefix(&format!(".{known}."))
                    .is_some_and(|rest| rest.ends_with(".tmp"))
            });
        if !(ours && is_file) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let shown: Vec<String> = foreign
        .iter()
        .take(5)
        .map(|name| format!("\"{}\"", visible(name)))
        .collect();
    let more = match foreign.len() {
        n if n > 5 => format!(" and {} more", n - 5),
        _ => String::new(),
    };
    anyhow::bail!(
        "{}: holds {}{more}, which tally {command} does not write; --out replaces the whole \
         folder on every run, so give it a folder of its own",
        dir.display(),
        shown.join(", ")
    )
}

/// Flushes a folder's entries to disk, where the platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Name of the lock file earlier versions kept inside the output folder.
pub const LOCK_FILE: &str = ".tally.lock";

/// An exclusive OS advisory lock on a file (`flock` on Unix, `LockFileEx` on Windows), held
/// while the guard lives. The operating system releases it when the process ends, however it
/// ends (a crash, `kill -9`): a killed run never leaves a lock that blocks the next one. The
/// file itself stays on disk: removing it while held would let a run that opened the old file
/// and a run that creates a new one both hold "the" lock.
#[derive(Debug)]
pub struct LockGuard {
    _file: std::fs::File,
}

/// Another process holds the lock at `path` (its process id, when it wrote one). Callers may
/// downcast to it to say what the lock protects.
#[derive(Debug, thiserror::Error)]
#[error("{}: another tally run{} holds this lock", .path.display(), holder_text(*.holder))]
pub struct LockHeld {
    pub path: PathBuf,
    pub holder: Option<u32>,
}

fn holder_text(holder: Option<u32>) -> String {
    holder.map_or(String::new(), |pid| format!(" (process {pid})"))
}

/// Takes the exclusive lock on `path` (created when absent), without waiting: fails at once
/// with `LockHeld` when another process holds it. The holder's process id is written into
/// the file, for the message a second run gives; the lock itself is the OS's, not the file.
pub fn lock_exclusive(path: &Path) -> Result<LockGuard> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("{}: cannot create the lock file", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut text);
            return Err(LockHeld {
                path: path.to_path_buf(),
                holder: text.trim().parse().ok(),
            }
            .into());
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("{}: cannot lock", path.display()));
        }
    }
    // Who holds it, for the message of a run that finds it held (best effort: the lock is
    // held either way).
    let _ = file
        .set_len(0)
        .and_then(|_| writeln!(&file, "{}", std::process::id()));
    Ok(LockGuard { _file: file })
}

/// The `--out` folder claimed for a run: its lock (`.NAME.tally.lock`, beside it, since the
/// folder itself is replaced) is taken before any input is read and held until the run ends,
/// so a second run aimed at the same folder stops at once.
#[derive(Debug)]
pub struct OutClaim {
    dir: PathBuf,
    target: PathBuf,
    lock: LockGuard,
}

impl OutDir {
    /// Locks the `--out` folder `dir` for this run; fails with a clear message when another
    /// run holds it. `begin` then prepares the folder the run writes into.
    pub fn claim(dir: &Path) -> Result<OutClaim> {
        if dir.exists() && !dir.is_dir() {
            anyhow::bail!(
                "{}: --out names a file; it must be a folder (tally writes several files into it)",
                dir.display()
            );
        }
        let target = target_path(dir)?;
        let (parent, name) = match (target.parent(), target.file_name()) {
            (Some(parent), Some(name)) => (parent, name.to_string_lossy()),
            _ => anyhow::bail!("{}: --out cannot be the root folder", dir.display()),
        };
        let path = parent.join(format!(".{name}.tally.lock"));
        let lock = lock_exclusive(&path).map_err(|e| match e.downcast::<LockHeld>() {
            Ok(held) => anyhow::anyhow!(
                "{}: another tally run{} is writing to {}; try again when it is done (the \
                 lock is released when that run ends, even if it is killed)",
                held.path.display(),
                holder_text(held.holder),
                dir.display()
            ),
            Err(other) => other,
        })?;
        Ok(OutClaim {
            dir: dir.to_path_buf(),
            target,
            lock,
        })
    }
}

/// A progress bar on stderr for large inputs: bytes read, lines parsed, rate. Hidden when the
/// inputs are small, stderr is not a terminal, or `--quiet` is given.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    rows: AtomicU64,
}

/// Inputs below this size finish before a bar would be worth drawing.
const PROGRESS_MIN_BYTES: u64 = 256 << 20;

impl ProgressBar {
    pub fn new(total_bytes: u64, quiet: bool) -> ProgressBar {
        use std::io::IsTerminal;
        let shown = !quiet && total_bytes >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal();
        if !shown {
            return ProgressBar {
                bar: indicatif::ProgressBar::hidden(),
                rows: AtomicU64::new(0),
            };
        }
        let bar = indicatif::ProgressBar::new(total_bytes);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} · {msg} · {bytes_per_sec} · ETA {eta}",
        ) {
            bar.set_style(style);
        }
        ProgressBar {
            bar,
            rows: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl crate::ingest::Progress for ProgressBar {
    fn read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn rewind(&self, bytes: u64) {
        self.bar
            .set_position(self.bar.position().saturating_sub(bytes));
    }

    fn lines(&self, lines: u64) {
        // Rows are counted as lines: exact for the unquoted exports large enough to show a bar.
        let rows = self.rows.fetch_add(lines, Ordering::Relaxed) + lines;
        self.bar.set_message(format!("{rows} rows"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exclusive_lock_is_refused_while_held_and_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let held = lock_exclusive(&path).unwrap();
        let error = lock_exclusive(&path).unwrap_err();
        let refused = error.downcast_ref::<LockHeld>().expect("a LockHeld error");
        assert_eq!(refused.holder, Some(std::process::id()));
        assert!(
            error.to_string().ends_with(&format!(
                "another tally run (process {}) holds this lock",
                std::process::id()
            )),
            "{error}"
        );
        drop(held);
        let again = lock_exclusive(&path).unwrap();
        drop(again);
        // The file stays: removing it could let two runs each hold "the" lock.
        assert!(path.exists());
    }
}

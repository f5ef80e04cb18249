//! The only place that creates files or writes to stdout. Files are written to a temporary
//! name in the target folder and renamed into place, so a reader never sees half a file.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `dir/name` atomically.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
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
    temp.write_all(bytes)
        .and_then(|_| temp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", target.display()))?;
    temp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot rename into place", target.display()))?;
    Ok(())
}

/// Removes files an earlier run left in `dir` that this run does not write, so that the
/// folder never mixes two runs.
pub fn remove_stale(dir: &Path, names: &[&str]) {
    for name in names {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path).ok();
        }
    }
}

/// Creates the `--out` folder (and its parents). A file of that name is refused by name:
/// the operating system's "File exists" would not say what is wrong.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "{}: --out names a file; it must be a folder (tally writes several files into it)",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))
}

/// Writes to stdout; a closed pipe (`tally … | head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// A warning on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Name of the lock file that keeps two runs from writing one output folder at once.
pub const LOCK_FILE: &str = ".tally.lock";

/// An exclusive claim on an output folder, released (the file removed) when dropped.
/// Every file is still renamed into place atomically; the lock keeps two runs from
/// interleaving their files, so a folder always holds one run's complete set.
#[derive(Debug)]
pub struct OutLock {
    path: std::path::PathBuf,
}

impl OutLock {
    /// Creates `dir/.tally.lock`; fails with a clear message when another run holds it.
    pub fn acquire(dir: &Path) -> Result<OutLock> {
        let path = dir.join(LOCK_FILE);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                // The holder's process id helps whoever finds a stale lock.
                let _ = writeln!(file, "{}", std::process::id());
                Ok(OutLock { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let by = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (process {holder})")
                };
                anyhow::bail!(
                    "{}: another tally run{by} is writing to {}; try again when it is done, or \
                     delete the lock file if no run is active",
                    path.display(),
                    dir.display()
                )
            }
            Err(e) => Err(e).with_context(|| format!("{}: cannot create", path.display())),
        }
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
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

//! `tally alerts --state FILE`: which alerts already fired in this period, so that a daily
//! cron run notifies (exit 3) once per alert per period instead of every day.
//!
//! The file is JSON written by tally only:
//!
//! ```json
//! {"kind": "tally alerts state", "version": 1,
//!  "alert": {"name": "org", "window": "month", "filters": [], "by": null},
//!  "period": "2026-10",
//!  "fired": [{"alert": "threshold 2500", "on": "2026-10-26"},
//!            {"group": "search-prod", "alert": "spike", "on": "2026-10-27"}]}
//! ```
//!
//! - `period` is the billing month the records belong to: the watched month, or with `--last`
//!   the as-of day's month. A state of another period is replaced (the period reset), never
//!   an error.
//! - `alert` is the identity of the alert that wrote it. A file of another alert (another
//!   name, window kind, filters or `--by` key), of another kind, of another version, or that
//!   is not JSON is an error naming the file, and the file is left as it is: a silent reset
//!   would notify again, a silent reuse would mix two alerts' records.
//! - The read-modify-write runs under an advisory lock on the sibling `FILE.lock` (the state
//!   file itself is replaced by a rename, so it cannot carry the lock); the lock waits for a
//!   concurrent run to finish, then that run's records are read. The OS releases it when the
//!   process ends, however it ends.
//! - The new state is written to a temporary file in the same folder, flushed, and renamed
//!   over the old one: a reader sees the old or the new file, never a part.

use crate::model::Day;
use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

const KIND: &str = "tally alerts state";
const VERSION: u64 = 1;

/// One alert's place in the state: the group (with `--by`) and the alert's name.
pub type Key = (Option<String>, String);

/// The state name of a threshold alert: `threshold 2500` (trailing zeros dropped, so 2500 and
/// 2500.00 are one threshold).
pub fn threshold_key(threshold: rust_decimal::Decimal) -> String {
    format!("threshold {}", threshold.normalize())
}

/// The state name of a forecast alert of a threshold.
pub fn forecast_key(threshold: rust_decimal::Decimal) -> String {
    format!("forecast {}", threshold.normalize())
}

pub const SPIKE_KEY: &str = "spike";

/// A state file held under its lock for one read-modify-write.
pub struct Held {
    path: PathBuf,
    /// Keeps the advisory lock until dropped.
    _lock: File,
    /// The alerts recorded for this period, and the day each was first notified.
    pub fired: BTreeMap<Key, Day>,
    /// Whether the file needs writing: new records, a new period, or no file yet.
    changed: bool,
    identity: Value,
    period: String,
}

impl Held {
    /// Locks `path` (waiting up to 30 s for a concurrent run), then reads it. A missing file is an empty
    /// state; a state of another period is an empty one that replaces it.
    pub fn open(path: &Path, identity: Value, period: &str) -> Result<Held> {
        let lock_path = lock_path(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        }
        let lock = acquire(&lock_path, LOCK_WAIT)
            .with_context(|| format!("the lock of the state file {}", path.display()))?;
        let mut held = Held {
            path: path.to_path_buf(),
            _lock: lock,
            fired: BTreeMap::new(),
            changed: true,
            identity,
            period: period.to_string(),
        };
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(held),
            Err(e) => {
                return Err(anyhow!(e).context(format!("{}: cannot read", path.display())));
            }
        };
        let (period, fired) = parse(path, &text, &held.identity)?;
        if period == held.period {
            held.fired = fired;
            held.changed = false;
        }
        Ok(held)
    }

    /// The day `key` was first notified in this period, if it was.
    pub fn already(&self, key: &Key) -> Option<Day> {
        self.fired.get(key).copied()
    }

    /// Records `key` as notified on `day`, unless it already is.
    pub fn record(&mut self, key: Key, day: Day) {
        if let std::collections::btree_map::Entry::Vacant(entry) = self.fired.entry(key) {
            entry.insert(day);
            self.changed = true;
        }
    }

    /// Writes the state when it changed (atomically), then releases the lock.
    pub fn commit(self) -> Result<()> {
        if !self.changed {
            return Ok(());
        }
        let fired: Vec<Value> = self
            .fired
            .iter()
            .map(|((group, alert), day)| match group {
                Some(group) => json!({"group": group, "alert": alert, "on": day.to_string()}),
                None => json!({"alert": alert, "on": day.to_string()}),
            })
            .collect();
        let document = json!({
            "kind": KIND,
            "version": VERSION,
            "alert": self.identity,
            "period": self.period,
            "fired": fired,
        });
        let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
        bytes.push(b'\n');
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = self
            .path
            .file_name()
            .ok_or_else(|| anyhow!("{}: not a file name", self.path.display()))?
            .to_string_lossy()
            .into_owned();
        crate::output::write_atomic(dir, &name, &bytes)
    }
}

/// How long a run waits for another run's read-modify-write of the same state: that takes
/// milliseconds, so a lock held longer belongs to a run that hangs.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Opens (creating) and locks `lock_path`, waiting up to `wait` for another holder.
fn acquire(lock_path: &Path, wait: std::time::Duration) -> Result<File> {
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .with_context(|| format!("{}: cannot open", lock_path.display()))?;
    let start = std::time::Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(lock),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(anyhow!(
                    "{}: another tally alerts run has held this lock for more than {} s; \
                     if no run is left (ps), this is a lock the system has not released",
                    lock_path.display(),
                    wait.as_secs()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(anyhow!(e).context(format!("{}: cannot lock", lock_path.display())));
            }
        }
    }
}

/// `state.json` → `state.json.lock`.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Reads a state file: its period and records. Anything but a state this alert wrote is an
/// error naming the file and what to do.
fn parse(path: &Path, bytes: &[u8], identity: &Value) -> Result<(String, BTreeMap<Key, Day>)> {
    let file = path.display();
    let leave = "it was left as it is; if it is damaged, move it away to start over (the \
                 alerts already fired this period will then notify once more)";
    let document: Value = serde_json::from_slice(bytes).map_err(|e| {
        anyhow!(
            "{file}:{}:{}: not a tally alerts state file ({}); {leave}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })?;
    if document.get("kind").and_then(Value::as_str) != Some(KIND) {
        return Err(anyhow!(
            "{file}: not a tally alerts state file (no \"kind\": \"{KIND}\"); give --state a \
             file of its own, which tally creates on the first run"
        ));
    }
    let version = document.get("version").and_then(Value::as_u64);
    if version != Some(VERSION) {
        return Err(anyhow!(
            "{file}: a tally alerts state of version {}, this tally reads version {VERSION}; \
             {leave}",
            version.map_or("(none)".to_string(), |v| v.to_string())
        ));
    }
    let theirs = document.get("alert").cloned().unwrap_or(Value::Null);
    if &theirs != identity {
        return Err(anyhow!(
            "{file}: the state of another alert ({theirs}; this run is {identity}); give each \
             alert its own state file"
        ));
    }
    let bad = |what: &str| anyhow!("{file}: {what}; {leave}");
    let period = document
        .get("period")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no \"period\""))?
        .to_string();
    let mut fired = BTreeMap::new();
    for (i, entry) in document
        .get("fired")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"fired\" list"))?
        .iter()
        .enumerate()
    {
        let alert = entry.get("alert").and_then(Value::as_str);
        let on = entry
            .get("on")
            .and_then(Value::as_str)
            .and_then(|t| Day::from_str(t).ok());
        let group = match entry.get("group") {
            None => Some(None),
            Some(Value::String(g)) => Some(Some(g.clone())),
            Some(_) => None,
        };
        match (alert, on, group) {
            (Some(alert), Some(on), Some(group)) => {
                fired.insert((group, alert.to_string()), on);
            }
            _ => {
                return Err(bad(&format!(
                    "\"fired\" entry {} is not {{\"alert\": NAME, \"on\": YYYY-MM-DD}}",
                    i + 1
                )));
            }
        }
    }
    Ok((period, fired))
}

/// serde_json appends ` at line L column C`; the position is already in front.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Value {
        json!({"name": "org", "window": "month", "filters": [], "by": null})
    }

    #[test]
    fn alerts_state_round_trips_and_resets_with_the_period() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.json");
        let day = Day::from_str("2026-10-26").unwrap();
        let mut held = Held::open(&path, identity(), "2026-10").unwrap();
        assert!(held.fired.is_empty());
        held.record((None, threshold_key("2500.00".parse().unwrap())), day);
        held.record((Some("p".into()), SPIKE_KEY.into()), day);
        held.commit().unwrap();

        let held = Held::open(&path, identity(), "2026-10").unwrap();
        assert_eq!(held.already(&(None, "threshold 2500".into())), Some(day));
        assert_eq!(held.already(&(Some("p".into()), "spike".into())), Some(day));
        assert_eq!(held.already(&(None, "spike".into())), None);
        drop(held);

        let held = Held::open(&path, identity(), "2026-11").unwrap();
        assert!(held.fired.is_empty());
    }

    #[test]
    fn alerts_state_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json.lock");
        let held = acquire(&path, std::time::Duration::ZERO).unwrap();
        let error = acquire(&path, std::time::Duration::from_millis(100))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("held this lock for more than 0 s"),
            "{error}"
        );
        drop(held);
        acquire(&path, std::time::Duration::ZERO).unwrap();
    }

    #[test]
    fn alerts_state_refuses_foreign_and_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{\"kind\": \"tally alerts state\",").unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("s.json:1:30: not a tally alerts state file"),
            "{error}"
        );

        std::fs::write(&path, "{\"month\": \"2026-10\"}").unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no \"kind\""), "{error}");

        let other = json!({"kind": KIND, "version": 1, "period": "2026-10", "fired": [],
                           "alert": {"name": "other", "window": "month", "filters": [], "by": null}});
        std::fs::write(&path, other.to_string()).unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("the state of another alert"), "{error}");
    }
}

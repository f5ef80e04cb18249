//! `tally alerts --state FILE`: which alerts already fired in each period, so that a daily
//! cron run notifies (exit 3) once per alert per period instead of every day.
//!
//! The file is JSON written by tally only:
//!
//! ```json
//! {"kind": "tally alerts state", "version": 2,
//!  "alert": {"name": "org", "window": "month", "filters": [], "by": null},
//!  "periods": {
//!    "2026-09": [{"alert": "threshold 2500", "on": "2026-09-24"}],
//!    "2026-10": [{"alert": "threshold 2500", "on": "2026-10-26"},
//!                {"group": "search-prod", "alert": "spike", "on": "2026-10-27"}]}}
//! ```
//!
//! - A period is the billing month the records belong to: the watched month, or with `--last`
//!   the as-of day's month. A run reads and writes only its own period's records and leaves
//!   the others as they are, so a closing run for last month (`--month previous`) sharing the
//!   file with the daily run for this month does not reset this month's records, nor the
//!   reverse. Periods more than 13 months before the newest one are dropped when the file is
//!   written. A period that is not a month (`2027-13`) is an error, like any damage.
//! - A version 1 file (one `period` and its `fired` list) is read as that period's records and
//!   written back as version 2.
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
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

const KIND: &str = "tally alerts state";
const VERSION: u64 = 2;

/// Periods more than this many months before the newest are dropped on write.
const KEEP_MONTHS: i32 = 13;

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
    /// The other periods' records, written back as they were read.
    others: BTreeMap<String, Value>,
    /// Whether the file needs writing: new records, no file yet, an old version, or periods
    /// to prune.
    changed: bool,
    identity: Value,
    period: String,
}

impl Held {
    /// Locks `path` (waiting up to 30 s for a concurrent run), then reads it. A missing file is an
    /// empty state; a file without records for `period` is an empty state for it, and the
    /// other periods' records are kept.
    pub fn open(path: &Path, identity: Value, period: &str) -> Result<Held> {
        // A state file that is a symbolic link (kept on a shared volume, say) is written where
        // the link points: renaming over the link itself would replace it with a plain file.
        // The lock follows it too, so two names of one state share one lock.
        let resolved = follow_links(path)?;
        let path = resolved.as_path();
        let lock_path = lock_path(path);
        let dir = folder(path);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        let lock = acquire(&lock_path, LOCK_WAIT)
            .with_context(|| format!("the lock of the state file {}", path.display()))?;
        let mut held = Held {
            path: path.to_path_buf(),
            _lock: lock,
            fired: BTreeMap::new(),
            others: BTreeMap::new(),
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
        let (version, mut periods) = parse(path, &text, &held.identity)?;
        held.changed = version != VERSION;
        if let Some((list, _)) = periods.remove(&held.period) {
            held.fired = list;
        }
        held.others = periods.into_iter().map(|(p, (_, raw))| (p, raw)).collect();
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
    pub fn commit(mut self) -> Result<()> {
        // Keep the newest period and the 13 months before it.
        let newest = self
            .others
            .keys()
            .filter_map(|p| month_index(p))
            .chain(month_index(&self.period))
            .max();
        if let Some(newest) = newest {
            let before = self.others.len();
            self.others
                .retain(|p, _| month_index(p).is_some_and(|m| m >= newest - KEEP_MONTHS));
            self.changed |= self.others.len() != before;
        }
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
        let mut sorted = self.others.clone();
        sorted.insert(self.period.clone(), Value::Array(fired));
        let periods: serde_json::Map<String, Value> = sorted.into_iter().collect();
        let document = json!({
            "kind": KIND,
            "version": VERSION,
            "alert": self.identity,
            "periods": periods,
        });
        let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
        bytes.push(b'\n');
        let dir = folder(&self.path);
        let name = self
            .path
            .file_name()
            .ok_or_else(|| anyhow!("{}: not a file name", self.path.display()))?
            .to_string_lossy()
            .into_owned();
        crate::output::write_atomic(dir, &name, &bytes)
    }
}

/// The folder of the state file, where its temporary file is made: `.` for a bare file name,
/// whose parent is the empty path, so that messages name `./state.json`.
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `path` with every symbolic link of its last component followed (a link to a link, a
/// relative target read from the link's folder); a missing target is fine (it is created),
/// a loop is an error.
fn follow_links(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)
                    .with_context(|| format!("{}: cannot read the link", path.display()))?;
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    bail!(
        "{}: too many levels of symbolic links (a loop?): give the state file itself",
        path.display()
    )
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

/// `2026-10` → months since year 0; `None` for anything but a month.
fn month_index(period: &str) -> Option<i32> {
    let (year, month) = period.split_once('-')?;
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month: i32 = month.parse().ok()?;
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

/// One period's records, and the JSON they were read from (written back unchanged when the
/// run is for another period).
type Records = (BTreeMap<Key, Day>, Value);

/// Reads a state file: its version and each period's records. Anything but a state this alert
/// wrote is an error naming the file and what to do.
fn parse(path: &Path, bytes: &[u8], identity: &Value) -> Result<(u64, BTreeMap<String, Records>)> {
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
    let version = match version {
        Some(v @ (1 | VERSION)) => v,
        _ => {
            return Err(anyhow!(
                "{file}: a tally alerts state of version {}, this tally reads versions 1 and \
                 {VERSION}; {leave}",
                version.map_or("(none)".to_string(), |v| v.to_string())
            ));
        }
    };
    let theirs = document.get("alert").cloned().unwrap_or(Value::Null);
    if &theirs != identity {
        return Err(anyhow!(
            "{file}: the state of another alert ({theirs}; this run is {identity}); give each \
             alert its own state file"
        ));
    }
    let bad = |what: &str| anyhow!("{file}: {what}; {leave}");
    // Version 1 held one period: `"period"` and its `"fired"` list.
    let lists: Vec<(String, Value)> = if version == 1 {
        let period = document
            .get("period")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no \"period\""))?;
        let fired = document
            .get("fired")
            .cloned()
            .ok_or_else(|| bad("no \"fired\" list"))?;
        vec![(period.to_string(), fired)]
    } else {
        document
            .get("periods")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no \"periods\" object"))?
            .iter()
            .map(|(period, list)| (period.clone(), list.clone()))
            .collect()
    };
    let mut periods = BTreeMap::new();
    for (period, list) in lists {
        if month_index(&period).is_none() {
            return Err(bad(&format!(
                "period \"{period}\" is not a month (YYYY-MM)"
            )));
        }
        let entries = list
            .as_array()
            .ok_or_else(|| bad(&format!("period {period}: not a list of alerts")))?;
        let mut fired = BTreeMap::new();
        for (i, entry) in entries.iter().enumerate() {
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
                        "period {period}: entry {} is not {{\"alert\": NAME, \"on\": \
                         YYYY-MM-DD}}",
                        i + 1
                    )));
                }
            }
        }
        periods.insert(period, (fired, list));
    }
    Ok((version, periods))
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
    fn state_names_of_alerts_drop_trailing_zeros_and_keep_kinds_apart() {
        // The names the state file records: a threshold and its forecast are two alerts, and
        // 2500 and 2500.00 are one threshold.
        let amount = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(threshold_key(amount("2500.00")), "threshold 2500");
        assert_eq!(forecast_key(amount("2500.00")), "forecast 2500");
        assert_eq!(forecast_key(amount("0.50")), "forecast 0.5");
        assert_ne!(forecast_key(amount("1")), forecast_key(amount("2")));
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
        held.commit().unwrap();
        // November's run kept October's records.
        let held = Held::open(&path, identity(), "2026-10").unwrap();
        assert_eq!(held.already(&(None, "threshold 2500".into())), Some(day));
    }

    #[test]
    fn alerts_state_periods_are_months() {
        assert_eq!(month_index("2026-10"), Some(2026 * 12 + 9));
        assert_eq!(month_index("2027-13"), None);
        assert_eq!(month_index("2027-00"), None);
        assert_eq!(month_index("2027-1"), None);
        assert_eq!(month_index("last 7d"), None);
    }

    #[test]
    fn alerts_state_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json.lock");
        let held = acquire(&path, std::time::Duration::ZERO).unwrap();
        // In a thread, so that a wait that never gives up fails the test instead of hanging it.
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = path.clone();
        std::thread::spawn(move || {
            let result = acquire(&waiter, std::time::Duration::from_millis(100));
            sender.send(result.err().map(|e| e.to_string())).ok();
        });
        let error = receiver
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("still waiting for the lock 20 s after a wait of 100 ms")
            .expect("the lock was taken while held");
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
        // serde_json's message, without the position it appends (already in front).
        assert!(
            error.contains(
                "s.json:1:30: not a tally alerts state file (EOF while parsing a value); it was \
                 left as it is"
            ),
            "{error}"
        );
        assert!(!error.contains(" at line "), "{error}");

        std::fs::write(&path, "{\"month\": \"2026-10\"}").unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no \"kind\""), "{error}");

        let other = json!({"kind": KIND, "version": 2, "periods": {},
                           "alert": {"name": "other", "window": "month", "filters": [], "by": null}});
        std::fs::write(&path, other.to_string()).unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("the state of another alert"), "{error}");
    }

    /// A state file written by hand, as tally would read it: compact, so that a rewrite (always
    /// pretty) shows.
    fn state_text(periods: Value) -> String {
        json!({"kind": KIND, "version": 2, "alert": identity(), "periods": periods}).to_string()
    }

    fn read_json(path: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn alerts_state_is_written_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let text =
            state_text(json!({"2026-10": [{"alert": "threshold 2500", "on": "2026-10-26"}]}));
        std::fs::write(&path, &text).unwrap();
        let mut held = Held::open(&path, identity(), "2026-10").unwrap();
        let key = (None, "threshold 2500".to_string());
        let day = Day::from_str("2026-10-26").unwrap();
        assert_eq!(held.already(&key), Some(day));
        // Recorded again on a later day: it keeps its first day, and nothing is written.
        held.record(key, Day::from_str("2026-10-27").unwrap());
        held.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn alerts_state_of_version_1_is_written_back_as_version_2() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let v1 = json!({"kind": KIND, "version": 1, "alert": identity(), "period": "2026-09",
                        "fired": [{"alert": "spike", "on": "2026-09-20"}]});
        std::fs::write(&path, v1.to_string()).unwrap();
        let held = Held::open(&path, identity(), "2026-10").unwrap();
        assert!(held.fired.is_empty());
        held.commit().unwrap();
        assert_eq!(
            read_json(&path),
            json!({"kind": KIND, "version": 2, "alert": identity(), "periods": {
                "2026-09": [{"alert": "spike", "on": "2026-09-20"}],
                "2026-10": []}})
        );
    }

    #[test]
    fn alerts_state_keeps_the_newest_period_and_the_13_months_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        // 2025-09 is 13 months before 2026-10 and stays; 2025-08, 14 months before, goes,
        // although this run records nothing new.
        let entry = |on: &str| json!([{"alert": "threshold 10", "on": on}]);
        std::fs::write(
            &path,
            state_text(json!({
                "2025-08": entry("2025-08-05"),
                "2025-09": entry("2025-09-05"),
                "2026-10": entry("2026-10-05")})),
        )
        .unwrap();
        Held::open(&path, identity(), "2026-10")
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(
            read_json(&path)["periods"],
            json!({"2025-09": entry("2025-09-05"), "2026-10": entry("2026-10-05")})
        );
    }

    #[test]
    fn alerts_state_in_a_new_folder_or_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("folder").join("s.json");
        let mut held = Held::open(&path, identity(), "2026-10").unwrap();
        held.record(
            (None, SPIKE_KEY.into()),
            Day::from_str("2026-10-02").unwrap(),
        );
        held.commit().unwrap();
        assert_eq!(
            read_json(&path)["periods"],
            json!({"2026-10": [{"alert": "spike", "on": "2026-10-02"}]})
        );
        assert!(dir.path().join("new/folder/s.json.lock").exists());
        // The temporary file of a bare name goes to the current folder, named `.`.
        assert_eq!(folder(Path::new("s.json")), Path::new("."));
        assert_eq!(folder(Path::new("states/s.json")), Path::new("states"));
        assert_eq!(folder(&path), dir.path().join("new/folder"));
    }

    #[test]
    fn alerts_state_that_cannot_be_read_is_an_error() {
        // A folder where the state file should be: an error naming it, not an empty state.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::create_dir(&path).unwrap();
        let error = Held::open(&path, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert_eq!(error, format!("{}: cannot read", path.display()));
    }

    #[test]
    fn alerts_state_refuses_other_versions_periods_and_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let error = |text: String| {
            std::fs::write(&path, text).unwrap();
            Held::open(&path, identity(), "2026-10")
                .err()
                .unwrap()
                .to_string()
        };
        let v3 = json!({"kind": KIND, "version": 3, "alert": identity(), "periods": {}});
        let message = error(v3.to_string());
        assert!(
            message
                .contains("a tally alerts state of version 3, this tally reads versions 1 and 2"),
            "{message}"
        );
        let message = error(state_text(json!({"2027-13": []})));
        assert!(
            message.contains("period \"2027-13\" is not a month (YYYY-MM)"),
            "{message}"
        );
        let message = error(state_text(
            json!({"2026-10": [{"alert": "spike", "on": "26.10."}]}),
        ));
        assert!(
            message
                .contains("period 2026-10: entry 1 is not {\"alert\": NAME, \"on\": YYYY-MM-DD}"),
            "{message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn alerts_state_behind_symbolic_links_is_written_where_they_point() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let day = Day::from_str("2026-10-02").unwrap();
        let record = |path: &Path, alert: &str| {
            let mut held = Held::open(path, identity(), "2026-10").unwrap();
            held.record((None, alert.into()), day);
            held.commit().unwrap();
        };
        // An absolute target.
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let absolute = dir.path().join("absolute.json");
        symlink(shared.join("a.json"), &absolute).unwrap();
        record(&absolute, "spike");
        assert!(
            std::fs::symlink_metadata(&absolute)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            read_json(&shared.join("a.json"))["periods"],
            json!({"2026-10": [{"alert": "spike", "on": "2026-10-02"}]})
        );
        assert!(shared.join("a.json.lock").exists());

        // A link to a link whose target is relative to the link's folder, not to the current one.
        let relative = dir.path().join("relative.json");
        symlink("shared/b.json", &relative).unwrap();
        let twice = dir.path().join("twice.json");
        symlink("relative.json", &twice).unwrap();
        record(&twice, "threshold 10");
        assert!(
            std::fs::symlink_metadata(&twice)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::symlink_metadata(&relative)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            read_json(&shared.join("b.json"))["periods"],
            json!({"2026-10": [{"alert": "threshold 10", "on": "2026-10-02"}]})
        );

        // A loop is an error, not a hang.
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        symlink(&b, &a).unwrap();
        symlink(&a, &b).unwrap();
        let error = Held::open(&a, identity(), "2026-10")
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("too many levels of symbolic links"),
            "{error}"
        );
    }

    #[test]
    fn alerts_state_lock_is_taken_once_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json.lock");
        let held = acquire(&path, std::time::Duration::ZERO).unwrap();
        let start = std::time::Instant::now();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(held);
        });
        acquire(&path, std::time::Duration::from_secs(20)).unwrap();
        assert!(start.elapsed() >= std::time::Duration::from_millis(200));
        holder.join().unwrap();
    }
}

//! Test helpers: a scratch directory that runs the real binary, and golden-file comparison.

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> String {
    repo().join("fixtures").join(path).display().to_string()
}

/// A unique directory in which `tally` runs with a clean environment.
pub struct Workdir {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn env(mut self, key: &str, value: &str) -> Workdir {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Writes a file inside the work dir and returns its path.
    /// Unzips the bundled export `zip` (a fixture path) into the folder `dir` of the workdir,
    /// as a user who double-clicks the download would.
    pub fn unzip(&self, zip: &str, dir: &str) {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
        for i in 0..archive.len() {
            let mut member = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut member, &mut bytes).unwrap();
            self.create(&format!("{dir}/{}", member.name().unwrap()), bytes);
        }
    }

    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        // TALLY_TEST_BIN runs the tests against another build (an older binary, to see a
        // guard's test fail before the guard).
        let binary = std::env::var("TALLY_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        Run(command.output().expect("running tally"))
    }

    /// As `run`, with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let binary = std::env::var("TALLY_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
        let mut child = Command::new(binary)
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("running tally");
        // Written from a thread: a child that stops reading must not block the test.
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("waiting for tally");
        writer.join().unwrap();
        Run(output)
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).unwrap()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).unwrap()
    }
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> String {
        assert_eq!(self.code(), 0, "tally failed:\n{}", self.stderr());
        self.stdout()
    }
    /// Asserts exit code 1 and returns stderr.
    pub fn fails(&self) -> String {
        assert_eq!(
            self.code(),
            1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self.stderr()
    }
}

/// Compares `actual` with `fixtures/expected/golden/<name>`; `UPDATE_GOLDEN=1` rewrites it.
pub fn assert_golden(name: &str, actual: &str) {
    let path = repo().join("fixtures/expected/golden").join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let mut diff = String::new();
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        for i in 0..e.len().max(a.len()) {
            let (el, al) = (e.get(i).copied(), a.get(i).copied());
            if el != al {
                diff.push_str(&format!(
                    "line {}:\n  - {}\n  + {}\n",
                    i + 1,
                    el.unwrap_or("<none>"),
                    al.unwrap_or("<none>")
                ));
            }
        }
        panic!("{} differs from the output:\n{diff}", path.display());
    }
}

/// Reads CSV text into records.
pub fn records(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// `key → cost` from tally's CSV: the key columns (all columns before `unit`/`cost`, after
/// any period columns) joined by ` | `.
pub fn costs_by_key(csv_text: &str) -> BTreeMap<String, Decimal> {
    let rows = records(csv_text);
    let header = &rows[0];
    let cost = header.iter().position(|h| h == "cost").unwrap();
    let end = header.iter().position(|h| h == "unit").unwrap_or(cost);
    let mut map = BTreeMap::new();
    for row in &rows[1..] {
        let key = row[..end].join(" | ");
        let value = Decimal::from_str(&row[cost]).unwrap();
        assert!(map.insert(key, value).is_none(), "duplicate key");
    }
    map
}

/// `key → cost` from a pinned independent computation (`fixtures/expected/independent`).
pub fn independent(name: &str) -> BTreeMap<String, Decimal> {
    let text =
        std::fs::read_to_string(repo().join("fixtures/expected/independent").join(name)).unwrap();
    records(&text)[1..]
        .iter()
        .map(|r| (r[0].clone(), Decimal::from_str(&r[1]).unwrap()))
        .collect()
}

/// Runs tally in `dir` and kills it after `limit`: `None` when it did not finish in time.
pub fn run_within(
    dir: &std::path::Path,
    args: &[&str],
    limit: std::time::Duration,
) -> Option<(i32, String)> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running tally");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return Some((status.code().unwrap_or(-1), stderr));
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Runs tally in `dir` (output discarded) and returns its exit code and its peak resident
/// memory in bytes, read from `/proc/PID/status` (`VmHWM`, a high-water mark) while it runs:
/// only growth in its last few milliseconds could be missed.
pub fn peak_memory(dir: &std::path::Path, args: &[&str]) -> (i32, u64) {
    let binary =
        std::env::var("TALLY_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
    let mut child = std::process::Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("running tally");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let kib = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                });
            peak = peak.max(kib.unwrap_or(0) * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

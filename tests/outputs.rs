//! The `--out` folder as a whole: one run's complete set or the previous one, never a mix
//! (issue 11, item 16); one run at a time per folder, for every command (item 17); and no
//! raw control character from an input in any output shown to a person (item 20).

use crate::util::{Workdir, fixture};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn binary() -> String {
    std::env::var("TALLY_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string())
}

/// `name → bytes` of every entry of `dir` (a sub-folder is recorded as such).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|_| b"<folder>".to_vec());
            (name, bytes)
        })
        .collect()
}

/// Asserts that `dir` holds exactly the files its `manifest.json` lists as outputs.
fn assert_one_set(dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = manifest["outputs"]
        .as_array()
        .unwrap_or_else(|| panic!("no outputs list in {manifest}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let present: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(
        present, listed,
        "the folder is not the set its manifest lists"
    );
}

fn report_args<'a>(by: &'a str, input: &'a str) -> Vec<&'a str> {
    vec![
        "report",
        input,
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-02T10:30Z",
        "--by",
        by,
        "--out",
        "out",
        "-q",
    ]
}

/// Entries of the work dir other than the inputs, the `--out` folder and its lock file (which
/// stays, unlocked: see `outputs_a_lock_held_by_a_killed_run_frees_itself`): what a run left.
fn leftovers(work: &Workdir) -> Vec<String> {
    std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "out" && name != "in" && name != LOCK)
        .collect()
}

#[test]
fn outputs_a_run_failing_mid_write_leaves_the_previous_set() {
    let work = Workdir::new();
    let input = fixture("console");
    work.run(&report_args("sku", &input)).ok();
    let before = snapshot(&work.path().join("out"));
    assert_one_set(&work.path().join("out"));

    // A file size limit (as a quota would) lets the CSVs through and stops the 250 kB chart.
    // SIGXFSZ is ignored, so the write fails with EFBIG and tally reports it.
    let mut args = vec![
        "-c".to_string(),
        "trap '' XFSZ; ulimit -f 100; exec \"$0\" \"$@\"".to_string(),
        binary(),
    ];
    args.extend(report_args("service", &input).iter().map(|s| s.to_string()));
    let run = Command::new("sh")
        .args(&args)
        .current_dir(work.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        snapshot(&work.path().join("out")),
        before,
        "a failed run changed the folder"
    );
    assert_eq!(leftovers(&work), Vec::<String>::new());
}

#[test]
fn outputs_a_run_killed_mid_write_leaves_one_runs_set() {
    let work = Workdir::new();
    let input = fixture("console");
    work.run(&report_args("sku", &input)).ok();
    let first = snapshot(&work.path().join("out"));
    let second = {
        let other = Workdir::new();
        other.run(&report_args("service", &input)).ok();
        snapshot(&other.path().join("out"))
    };
    let out = work.path().join("out");
    let summary = first["summary.csv"].clone();

    let mut child = Command::new(binary())
        .args(report_args("service", &input))
        .current_dir(work.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as it has started writing: its folder of new files appears (or, before
    // the fix, the first new file lands in the folder).
    let started = Instant::now();
    loop {
        let staging = leftovers(&work)
            .iter()
            .any(|name| name.contains("tally-new"));
        let changed = std::fs::read(out.join("summary.csv")).is_ok_and(|s| s != summary);
        if staging || changed || started.elapsed() > Duration::from_secs(20) {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let now = snapshot(&out);
    let same = |set: &BTreeMap<String, Vec<u8>>| {
        now.keys().eq(set.keys())
            && now
                .iter()
                .all(|(name, bytes)| name == "manifest.json" || set[name] == *bytes)
    };
    assert!(
        same(&first) || same(&second),
        "the folder mixes two runs: {:?}",
        now.keys().collect::<Vec<_>>()
    );
    assert_one_set(&out);

    // The next run cleans up after the killed one (its lock and its unfinished folder).
    let run = work.run(&report_args("service", &input));
    run.ok();
    assert_eq!(snapshot(&out).len(), second.len());
    assert_one_set(&out);
    assert_eq!(leftovers(&work), Vec::<String>::new());
}

#[test]
fn outputs_refuse_a_folder_holding_files_tally_did_not_write() {
    let work = Workdir::new();
    work.create("out/notes.txt", "mine");
    let stderr = work.run(&report_args("sku", &fixture("console"))).fails();
    assert!(stderr.contains("notes.txt"), "{stderr}");
    assert!(stderr.contains("a folder of its own"), "{stderr}");
    assert_eq!(work.read("out/notes.txt"), "mine");
    assert_eq!(snapshot(&work.path().join("out")).len(), 1);

    // The same for alerts and reconcile.
    let alerts = work
        .run(&[
            "alerts",
            &fixture("console"),
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-02",
            "--threshold",
            "100",
            "--out",
            "out",
        ])
        .fails();
    assert!(alerts.contains("notes.txt"), "{alerts}");
    let reconcile = work
        .run(&[
            "reconcile",
            &fixture("reconcile"),
            "--as-of",
            "2026-11-02",
            "--out",
            "out",
        ])
        .fails();
    assert!(reconcile.contains("notes.txt"), "{reconcile}");
    assert_eq!(snapshot(&work.path().join("out")).len(), 1);

    // A folder of another command's outputs is not this command's to replace either.
    let work = Workdir::new();
    work.run(&report_args("sku", &fixture("console"))).ok();
    let stderr = work
        .run(&[
            "reconcile",
            &fixture("reconcile"),
            "--as-of",
            "2026-11-02",
            "--out",
            "out",
        ])
        .fails();
    assert!(stderr.contains("chart-daily.png"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn outputs_folder_and_files_have_plain_permissions_and_keep_the_folders_mode() {
    use std::os::unix::fs::PermissionsExt;
    let work = Workdir::new();
    let mut args = vec![
        "-c".to_string(),
        "umask 022; exec \"$0\" \"$@\"".to_string(),
        binary(),
    ];
    args.extend(
        report_args("sku", &fixture("console"))
            .iter()
            .map(|s| s.to_string()),
    );
    let run = || {
        let status = Command::new("sh")
            .args(&args)
            .current_dir(work.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    run();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o7777;
    let out = work.path().join("out");
    assert_eq!(mode(&out), 0o755);
    for name in snapshot(&out).keys() {
        assert_eq!(mode(&out.join(name)), 0o644, "{name}");
    }
    // A folder the user restricted stays restricted.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o750)).unwrap();
    run();
    assert_eq!(mode(&out), 0o750);
}

/// The lock file of `--out out`, beside the folder.
const LOCK: &str = ".out.tally.lock";

/// Takes the lock of `--out out` as a run would (an OS advisory lock), writing `pid` into it.
fn hold_lock(work: &Workdir, pid: u32) -> std::fs::File {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(work.path().join(LOCK))
        .unwrap();
    file.try_lock().unwrap();
    writeln!(file, "{pid}").unwrap();
    file
}

/// Whether some process holds the OS lock on `path`.
fn is_locked(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

#[test]
fn outputs_report_refuses_a_folder_a_live_run_holds() {
    let work = Workdir::new();
    // The test itself is a live process holding the lock.
    let held = hold_lock(&work, std::process::id());
    let started = Instant::now();
    let stderr = work.run(&report_args("sku", &fixture("console"))).fails();
    assert!(
        stderr.contains(&format!(
            "another tally run (process {}) is writing to out",
            std::process::id()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(LOCK), "{stderr}");
    // Fails fast: it does not wait for the lock.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!work.path().join("out/summary.csv").exists());
    assert!(
        work.path().join(LOCK).exists(),
        "another run's lock removed"
    );
    drop(held);
    // Released: the next run goes ahead; the lock file stays, unlocked.
    work.run(&report_args("sku", &fixture("console"))).ok();
    assert!(work.path().join("out/summary.csv").exists());
    assert!(work.path().join(LOCK).exists());
    assert!(!is_locked(&work.path().join(LOCK)));
}

/// A run killed while it holds the lock (kill -9: no clean-up of its own) does not block the
/// next run: the OS releases the lock with the process. A lock file an older version left
/// (a pid file) is no obstacle either.
#[cfg(unix)]
#[test]
fn outputs_a_lock_held_by_a_killed_run_frees_itself() {
    let work = Workdir::new();
    let input = fixture("console");
    let fifo = work.path().join("never-written.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let alerts = |input: &str| -> Vec<String> {
        [
            "alerts",
            input,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-02",
            "--threshold",
            "100",
            "--out",
            "out",
            "-q",
        ]
        .map(String::from)
        .to_vec()
    };
    let runs = |input: &str| -> [Vec<String>; 2] {
        [
            report_args("sku", input)
                .iter()
                .map(|s| s.to_string())
                .collect(),
            alerts(input),
        ]
    };
    for (blocked, next) in runs("never-written.csv").into_iter().zip(runs(&input)) {
        // A run whose input is a FIFO nobody writes blocks on it, holding the lock.
        let mut child = Command::new(binary())
            .args(&blocked)
            .current_dir(work.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lock = work.path().join(LOCK);
        let started = Instant::now();
        while !is_locked(&lock) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the blocked run never took the lock"
            );
            assert!(child.try_wait().unwrap().is_none(), "the blocked run ended");
            std::thread::sleep(Duration::from_millis(20));
        }
        // While it lives, a second run is refused.
        let stderr = work.run(&report_args("sku", &input)).fails();
        assert!(stderr.contains("another tally run"), "{stderr}");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(lock.exists(), "the lock file stays on disk");
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        let run = work.run(&next);
        assert!(matches!(run.code(), 0 | 3), "{}", run.stderr());
        assert_eq!(run.stderr(), "");
        // Give the next command a clean folder.
        std::fs::remove_dir_all(work.path().join("out")).unwrap();
    }
    // A pid file of an older version, naming a process that is gone, is just a file now.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    work.create(LOCK, format!("{pid}\n"));
    work.run(&report_args("sku", &input)).ok();
}

#[test]
fn outputs_concurrent_reports_never_mix_their_files() {
    let work = Workdir::new();
    let input = fixture("console");
    for _ in 0..3 {
        let children: Vec<_> = ["sku", "service"]
            .iter()
            .map(|by| {
                Command::new(binary())
                    .args(report_args(by, &input))
                    .current_dir(work.path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            match output.status.code() {
                Some(0) => {}
                Some(1) => assert!(stderr.contains("another tally run"), "{stderr}"),
                other => panic!("exit {other:?}: {stderr}"),
            }
        }
        let out = work.path().join("out");
        assert_one_set(&out);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let by = manifest["options"]["by"].to_string();
        let header = work.read("out/summary.csv");
        let header = header.lines().next().unwrap().to_string();
        assert!(
            (by.contains("sku") && header.starts_with("sku"))
                || (by.contains("service") && header.starts_with("service")),
            "manifest by {by}, summary.csv header {header}"
        );
    }
}

/// A usage export whose SKU holds ESC (a terminal colour sequence) and NUL.
const HOSTILE: &str = "date,sku,cost\n\
    2026-10-01,Read\u{1b}[31mUnits\u{0}x,1.50\n\
    2026-10-02,Read\u{1b}[31mUnits\u{0}x,2.00\n\
    2026-10-02,Storage,0.25\n";

/// Control characters an XML 1.0 document may not hold, raw or as a character reference.
fn assert_xml_text(name: &str, text: &str) {
    for (i, c) in text.char_indices() {
        assert!(
            !c.is_control() || matches!(c, '\t' | '\n' | '\r'),
            "{name}: raw control character U+{:04X} at byte {i}",
            c as u32
        );
    }
    let lower = text.to_ascii_lowercase();
    for reference in ["&#0;", "&#27;", "&#x0;", "&#x1b;", "&#x00;", "&#x1b;"] {
        assert!(!lower.contains(reference), "{name}: holds {reference}");
    }
    // A minimal well-formedness check: tags nest and close.
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("an unclosed tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let tag_name = |t: &str| t.split_whitespace().next().unwrap_or("").to_string();
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(closing.trim()),
                "{name}: bad nesting"
            );
        } else {
            open.push(tag_name(tag));
        }
    }
    assert!(open.is_empty(), "{name}: unclosed {open:?}");
}

fn assert_no_raw_controls(name: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        "{name} holds a raw control character: {text:?}"
    );
}

#[test]
fn outputs_control_characters_from_inputs_are_escaped() {
    let work = Workdir::new();
    work.create("in/usage.csv", HOSTILE);
    let run = work.run(&[
        "report",
        "in",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--out",
        "out",
    ]);
    let table = run.ok();
    assert_no_raw_controls("the table", &table);
    assert!(table.contains("Read\\u{1b}[31mUnits\\u{0}x"), "{table}");
    assert_no_raw_controls("stderr", &run.stderr());
    for svg in ["chart-daily.svg", "chart-share.svg"] {
        let text = work.read(&format!("out/{svg}"));
        assert_xml_text(svg, &text);
        assert!(text.contains("Read\\u{1b}[31mUnits"), "{svg}");
    }
    let html = work.read("out/report.html");
    assert_no_raw_controls("report.html", &html);
    assert!(!html.to_ascii_lowercase().contains("&#x1b;"));
    assert!(!html.contains("&#27;"));
    // CSV keeps the data as it came (documented); JSON escapes it.
    assert!(
        work.read("out/summary.csv")
            .contains("Read\u{1b}[31mUnits\u{0}x")
    );
    let json = work
        .run(&[
            "report",
            "in",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
            "--format",
            "json",
        ])
        .ok();
    assert_no_raw_controls("json", &json);

    // Error values, skipped rows and the inspect table are escaped too.
    work.create(
        "bad/usage.csv",
        "date,sku,cost\n2026-10-01,Storage,1\u{1b}[2J\n2026-10-02,Sto\u{1b}rage,1\n",
    );
    let error = work
        .run(&[
            "report",
            "bad",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
        ])
        .fails();
    assert_no_raw_controls("the error", &error);
    assert!(error.contains("\\u{1b}"), "{error}");
    let skipped = work.run(&[
        "report",
        "bad",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-20",
        "--skip-bad-rows",
    ]);
    assert_no_raw_controls("skipped rows", &skipped.stderr());
    assert_no_raw_controls("the table", &skipped.stdout());
    assert!(skipped.stderr().contains("\\u{1b}"), "{}", skipped.stderr());
    let inspect = work.run(&["inspect", "bad", "in"]);
    assert_no_raw_controls("inspect", &inspect.stdout());
    assert_no_raw_controls("inspect", &inspect.stderr());
    // A file name with ESC in it.
    work.create(
        "named/a\u{1b}[31m.csv",
        "date,sku,cost\n2026-10-01,Storage,x\n",
    );
    let error = work
        .run(&[
            "report",
            "named",
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-20",
        ])
        .fails();
    assert_no_raw_controls("the error", &error);
}

#[cfg(unix)]
#[test]
fn out_through_a_dangling_link_or_under_a_file_is_refused_up_front() {
    // Before: a link to a missing folder wrote every file, then failed with "cannot rename
    // into place: Not a directory"; `--out usage.csv/x` said "usage.csv: cannot create: File
    // exists".
    let work = Workdir::new();
    let file = work.create("usage.csv", "date,sku,cost\n2026-10-01,A,1\n");
    std::os::unix::fs::symlink("nowhere", work.path().join("dangling")).unwrap();
    let run = |out: &str| {
        work.run(&[
            "report",
            &file,
            "--month",
            "2026-10",
            "--as-of",
            "2026-11-10",
            "--out",
            out,
        ])
    };
    let stderr = run("dangling").fails();
    assert!(
        stderr.contains(
            "dangling: --out is a symbolic link to nowhere, which does not exist; create that \
             folder or remove the link"
        ),
        "{stderr}"
    );
    assert!(!work.path().join("nowhere").exists());
    let stderr = run("usage.csv/x").fails();
    assert!(
        stderr.contains("usage.csv/x: --out must be a folder, but usage.csv is a file"),
        "{stderr}"
    );
    let stderr = run("usage.csv/x/y").fails();
    assert!(stderr.contains("but usage.csv is a file"), "{stderr}");
    // Neither left anything behind beside the file.
    let mut names: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["dangling", "usage.csv"]);
}

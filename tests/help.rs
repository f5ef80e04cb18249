//! `--help`, `tally completions` and `tally man`: every subcommand's help has examples and exit
//! codes, and every example runs as written on the bundled fixtures.

use crate::util::{Workdir, repo};
use std::path::Path;
use std::process::Command;

/// The subcommands `tally --help` lists (but `help`).
fn subcommands() -> Vec<String> {
    let help = Workdir::new().run(&["--help"]).ok();
    let listing = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .unwrap();
    let names: Vec<String> = listing
        .lines()
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    names
}

/// One example of a help text: the command line (continuation lines joined by the shell) and
/// the exit code it states with `# exit N` (0 when it states none).
struct Example {
    command: String,
    exit: i32,
}

/// The lines under `Examples:` up to the next blank line; a line ending in `\` goes on.
fn examples(help: &str) -> Vec<Example> {
    let section = help
        .split("\nExamples:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no Examples section in:\n{help}"));
    let mut examples = Vec::new();
    let mut current = String::new();
    for line in section.lines() {
        if line.trim().is_empty() {
            break;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line.trim_start());
        if !line.ends_with('\\') {
            let exit = current
                .rsplit_once("# exit ")
                .map(|(_, code)| code.trim().parse().expect("# exit N"))
                .unwrap_or(0);
            examples.push(Example {
                command: std::mem::take(&mut current),
                exit,
            });
        }
    }
    examples
}

/// Runs `command` with `sh` in a fresh folder holding a link to the fixtures, `tally` being the
/// binary under test.
fn run_example(command: &str) -> (i32, String, String) {
    let work = Workdir::new();
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let binary =
        std::env::var("TALLY_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tally").to_string());
    std::os::unix::fs::symlink(&binary, bin.join("tally")).unwrap();
    std::os::unix::fs::symlink(repo().join("fixtures"), work.path().join("fixtures")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", path)
        .output()
        .expect("running sh");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_examples_run(what: &str, help: &str) {
    for example in examples(help) {
        assert!(
            example.command.starts_with("tally "),
            "{what}: {}",
            example.command
        );
        let (code, stdout, stderr) = run_example(&example.command);
        assert_eq!(
            code, example.exit,
            "{what}: `{}` exited {code}, its help says {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            example.command, example.exit
        );
        assert!(
            !stdout.is_empty() || example.command.contains('>'),
            "{what}: `{}` printed nothing",
            example.command
        );
    }
}

#[test]
fn every_subcommand_help_has_a_description_examples_and_exit_codes() {
    for name in subcommands() {
        let help = Workdir::new().run(&[&name, "--help"]).ok();
        assert!(help.contains("\nExamples:\n"), "{name}:\n{help}");
        assert!(help.contains("\nExit codes:\n"), "{name}:\n{help}");
        assert!(help.contains("\n  0  "), "{name}:\n{help}");
        assert!(help.contains("\n  2  usage error"), "{name}:\n{help}");
        let count = examples(&help).len();
        assert!(count >= 3, "{name}: {count} examples:\n{help}");
    }
    // What each data subcommand reads, and over which days.
    for name in ["report", "alerts", "reconcile", "inspect"] {
        let help = Workdir::new().run(&[name, "--help"]).ok();
        assert!(help.contains("\nInputs: "), "{name}:\n{help}");
    }
    for name in ["report", "reconcile"] {
        let help = Workdir::new().run(&[name, "--help"]).ok();
        // clap wraps the paragraph to the terminal: compare with single spaces.
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(
                "Default: the current month of the as-of time (--as-of, default now), from its \
                 1st to the as-of day."
            ),
            "{name}:\n{help}"
        );
    }
    let alerts = Workdir::new().run(&["alerts", "--help"]).ok();
    assert!(
        alerts.contains("\n  3  at least one alert fired"),
        "{alerts}"
    );
    let reconcile = Workdir::new().run(&["reconcile", "--help"]).ok();
    assert!(
        reconcile.contains("\n  3  with --fail-on-flag: at least one row is flagged"),
        "{reconcile}"
    );
}

#[test]
fn top_level_help_lists_exit_codes_and_examples() {
    let help = Workdir::new().run(&["--help"]).ok();
    for code in [
        "\n  0  success",
        "\n  1  bad input",
        "\n  2  usage error",
        "\n  3  ",
    ] {
        assert!(help.contains(code), "{code:?}:\n{help}");
    }
    assert_examples_run("tally --help", &help);
}

#[test]
fn help_examples_run_as_written() {
    for name in subcommands() {
        let help = Workdir::new().run(&[&name, "--help"]).ok();
        assert_examples_run(&name, &help);
    }
}

#[test]
fn the_examples_parser_reads_continuations_and_exit_codes() {
    let help =
        "x\n\nExamples:\n  tally a \\\n      --b  # exit 3\n  tally c\n\nExit codes:\n  0  ok\n";
    let found = examples(help);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].command, "tally a \\\n--b  # exit 3");
    assert_eq!(found[0].exit, 3);
    assert_eq!((found[1].command.as_str(), found[1].exit), ("tally c", 0));
}

#[test]
fn completions_for_every_shell() {
    let work = Workdir::new();
    let bash = work.run(&["completions", "bash"]).ok();
    for word in [
        "report",
        "alerts",
        "reconcile",
        "inspect",
        "--by",
        "--month",
        "--on-overlap",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    // Option values come from the same definitions: --format's choices.
    assert!(
        bash.contains("table csv json"),
        "bash completion lacks --format values"
    );
    assert!(
        work.run(&["completions", "zsh"])
            .ok()
            .starts_with("#compdef tally")
    );
    assert!(
        work.run(&["completions", "fish"])
            .ok()
            .contains("complete -c tally -n \"__fish_tally_needs_command\" -f -a \"report\"")
    );
    for shell in ["elvish", "powershell"] {
        let script = work.run(&["completions", shell]).ok();
        assert!(script.contains("--by"), "{shell}");
    }
    assert_eq!(work.run(&["completions", "tcsh"]).code(), 2);
    assert_eq!(work.run(&["completions"]).code(), 2);
}

#[test]
fn man_page_names_every_subcommand() {
    let work = Workdir::new();
    let page = work.run(&["man"]).ok();
    // roff's two-line apostrophe preamble, then the title.
    let title = page
        .lines()
        .find(|line| line.starts_with('.') && !line.starts_with(".ie") && !line.starts_with(".el"));
    assert!(
        title.is_some_and(|line| line.starts_with(".TH tally 1 ")),
        "{page}"
    );
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for name in subcommands() {
        assert!(page.contains(&format!("tally\\-{name}(1)")), "{name}");
    }
    assert!(page.contains("Exit codes:"), "{page}");

    let report = work.run(&["man", "report"]).ok();
    assert!(report.contains("\n.TH tally-report 1 "), "{report}");
    assert!(report.contains("\\-\\-by"), "{report}");
    assert!(report.contains("Exit codes:"), "{report}");
    let error = work.run(&["man", "nope"]);
    assert_eq!(error.code(), 2);
    assert!(
        error.stderr().contains("no subcommand \"nope\""),
        "{}",
        error.stderr()
    );
}

#[test]
fn the_readme_names_commands_that_exist() {
    // The README's runnable blocks are run by scripts/readme-check.sh (CI); here, cheaply, the
    // subcommands it names must be ones tally has.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let names = subcommands();
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        if let Some(rest) = line.trim_start().strip_prefix("tally ") {
            let word = rest.split_whitespace().next().unwrap_or("");
            if !word.starts_with('-') {
                assert!(names.iter().any(|n| n == word), "README: {line}");
            }
        }
    }
    assert!(Path::new(&repo().join("scripts/readme-check.sh")).exists());
}

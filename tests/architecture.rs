//! The module map: `scripts/modgraph.py` on tally's own sources finds no loop between
//! top-level modules, and on small made-up trees it finds exactly the loops there are.

use crate::util::{Workdir, repo};
use std::process::Command;

/// (exit code, stdout) of the graph script on a source directory.
fn modgraph(src: &std::path::Path) -> (i32, String) {
    let output = Command::new("python3")
        .arg(repo().join("scripts/modgraph.py"))
        .arg(src)
        .output()
        .expect("python3 runs scripts/modgraph.py");
    assert!(
        output.stderr.is_empty(),
        "modgraph.py wrote to stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn cycles(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| line.starts_with("CYCLE"))
        .collect()
}

#[test]
fn tally_has_no_module_loop() {
    let (code, stdout) = modgraph(&repo().join("src"));
    assert!(cycles(&stdout).is_empty(), "module loops:\n{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("# no cycle;"), "{stdout}");
    // The command line imports no configuration: `config` turns `cli`'s arguments into it.
    assert!(
        stdout.lines().any(|line| line == "cli -> model, options"),
        "{stdout}"
    );
    // The ground floor names nothing of tally.
    assert!(
        !stdout.lines().any(|line| line.starts_with("primitives ->")),
        "{stdout}"
    );
    assert!(!stdout.contains("GROUND FLOOR"), "{stdout}");
}

#[test]
fn modgraph_finds_a_loop_through_use_trees_and_inline_paths() {
    let dir = Workdir::new();
    dir.create("src/main.rs", "mod a;\nmod b;\nmod c;\nfn main() {}\n");
    // a -> b through a brace tree, b -> c through an inline path, c -> a through `super`.
    // A quote in a char literal opens no string: the `use` after it still counts.
    dir.create(
        "src/a.rs",
        "const P: [char; 2] = ['\\'','\"'];\nuse crate::{b::{Thing, Other as O}};\n",
    );
    dir.create("src/b.rs", "fn f() { let _ = crate::c::make(); }\n");
    dir.create("src/c/mod.rs", "mod leaf;\n");
    dir.create("src/c/leaf.rs", "use super::super::a::Item;\n");
    let (code, stdout) = modgraph(&dir.path().join("src"));
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        cycles(&stdout),
        ["CYCLE among {a, b, c}; the loops through each of them:"]
    );
    assert!(stdout.contains("  a -> b -> c -> a\n"), "{stdout}");
    assert!(stdout.contains("    c -> a: src/c/leaf.rs:1\n"), "{stdout}");
    assert!(stdout.contains("\na -> b\nb -> c\nc -> a\n"), "{stdout}");
}

#[test]
fn modgraph_allows_a_folder_and_ignores_comments_strings_and_a_test_modules_super() {
    let dir = Workdir::new();
    dir.create("src/main.rs", "mod low;\nmod high;\nfn main() {}\n");
    // Parent and child of one folder name each other: one module in two files.
    dir.create(
        "src/high/mod.rs",
        "mod part;\nuse self::part::Piece;\nuse crate::low::Base;\n",
    );
    dir.create("src/high/part.rs", "use super::Whole;\n");
    dir.create(
        "src/low.rs",
        concat!(
            "// use crate::high::Nothing;\n",
            "/* crate::high::Nothing */\n",
            "const S: &str = \"crate::high::Nothing\";\n",
            "const R: &str = r#\"crate::high::Nothing\"#;\n",
            "const C: char = '\"';\n",
            "const Q: char = '\\''; const T: &str = \"'crate::high::Nothing\";\n",
            "fn f<'a>(x: &'a str) -> &'a str { x }\n",
            "#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    );
    let (code, stdout) = modgraph(&dir.path().join("src"));
    assert_eq!(code, 0, "{stdout}");
    assert!(cycles(&stdout).is_empty(), "{stdout}");
    assert!(stdout.contains("\nhigh -> low\n"), "{stdout}");
    assert!(!stdout.contains("low ->"), "{stdout}");
    assert!(stdout.contains("0: low\n1: high\n"), "{stdout}");
}

#[test]
fn modgraph_finds_a_loop_between_the_files_of_one_folder() {
    let dir = Workdir::new();
    dir.create("src/main.rs", "mod ingest;\nfn main() {}\n");
    dir.create(
        "src/ingest/mod.rs",
        "mod columns;\nmod row;\npub struct Plan;\n",
    );
    // Each file may name the folder's mod.rs, but not each other both ways.
    dir.create(
        "src/ingest/row.rs",
        "use super::Plan;\nuse super::columns::Schema;\n",
    );
    dir.create(
        "src/ingest/columns.rs",
        "use super::Plan;\n\nfn f() { crate::ingest::row::parse(); }\n",
    );
    let (code, stdout) = modgraph(&dir.path().join("src"));
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        cycles(&stdout),
        ["CYCLE among {ingest/columns, ingest/row}; the loops through each of them:"]
    );
    assert!(
        stdout.contains("    ingest/columns -> ingest/row: src/ingest/columns.rs:3\n"),
        "{stdout}"
    );
}

#[test]
fn modgraph_refuses_an_import_from_the_ground_floor() {
    let dir = Workdir::new();
    dir.create("src/main.rs", "mod model;\nmod primitives;\nfn main() {}\n");
    dir.create("src/model.rs", "pub struct Day;\n");
    // No loop: only the ground floor naming another module of the crate.
    dir.create("src/primitives/mod.rs", "pub mod date;\n");
    dir.create("src/primitives/date.rs", "\nuse crate::model::Day;\n");
    let (code, stdout) = modgraph(&dir.path().join("src"));
    assert_eq!(code, 1, "{stdout}");
    assert!(cycles(&stdout).is_empty(), "{stdout}");
    assert!(
        stdout.contains("GROUND FLOOR primitives imports model: src/primitives/date.rs:2\n"),
        "{stdout}"
    );
}

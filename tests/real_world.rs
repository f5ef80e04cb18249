//! The real-world corpus: `fixtures/real-world/cases.json` lists files in each provider's shape
//! with their expected results, computed independently by `scripts/gen_real_world.py`. One test
//! runs every case and reports every failing case at once.

use crate::util::{Workdir, fixture};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

struct Outcome {
    name: String,
    problems: Vec<String>,
}

fn dec(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text).map_err(|e| format!("{text:?} is not a decimal: {e}"))
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Trims tally's output for a readable report: the first lines, each at most 200 characters.
fn excerpt(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(4)
        .map(|l| l.chars().take(200).collect())
        .collect();
    if lines.is_empty() {
        "<empty>".into()
    } else {
        lines.join("\n        ")
    }
}

/// `key → decimal` from an expectation object such as `"groups": {"a / b": "1.5"}`.
fn expected_map(case: &Value, field: &str) -> Option<BTreeMap<String, Decimal>> {
    case.get(field)?.as_object().map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), dec(v.as_str().expect("string")).unwrap()))
            .collect()
    })
}

/// Compares two maps and describes every difference.
fn diff_maps(
    what: &str,
    expected: &BTreeMap<String, Decimal>,
    actual: &BTreeMap<String, Decimal>,
    problems: &mut Vec<String>,
) {
    let mut lines = Vec::new();
    for (k, e) in expected {
        match actual.get(k) {
            Some(a) if a == e => {}
            Some(a) => lines.push(format!("  {k:?}: expected {e}, got {a}")),
            None => lines.push(format!("  {k:?}: expected {e}, missing")),
        }
    }
    for (k, a) in actual {
        if !expected.contains_key(k) {
            lines.push(format!("  {k:?}: not expected, got {a}"));
        }
    }
    if !lines.is_empty() {
        problems.push(format!("{what} differ:\n    {}", lines.join("\n    ")));
    }
}

fn check(case: &Value) -> Outcome {
    let name = case["name"].as_str().unwrap().to_string();
    let mut problems = Vec::new();
    let mut args: Vec<String> = vec!["report".into()];
    for f in case["files"].as_array().unwrap() {
        args.push(fixture(&format!("real-world/{}", f.as_str().unwrap())));
    }
    let extra: Vec<String> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    args.extend(extra.iter().cloned());
    args.extend(["--format".into(), "json".into()]);
    let keys: Vec<String> = extra
        .iter()
        .position(|a| a == "--by")
        .map(|i| extra[i + 1].split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec!["sku".into()]);

    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = Workdir::new().run(&refs);
    let (stdout, stderr) = (run.stdout(), run.stderr());
    let want_exit = case["exit"].as_i64().unwrap() as i32;
    if run.code() != want_exit {
        problems.push(format!(
            "exit: expected {want_exit}, got {}\n    stderr: {}{}",
            run.code(),
            excerpt(&stderr),
            if run.code() == 0 {
                format!("\n    stdout total: {}", total_of(&stdout))
            } else {
                String::new()
            }
        ));
    }
    let missing: Vec<&str> = case
        .get("stderr")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| f.as_str().unwrap())
        .filter(|f| !stderr.contains(f))
        .collect();
    if !missing.is_empty() {
        let shown = if run.code() == want_exit {
            format!("; stderr: {}", excerpt(&stderr))
        } else {
            String::new() // already shown with the exit code
        };
        problems.push(format!("stderr lacks {missing:?}{shown}"));
    }
    if want_exit == 0 && run.code() == 0 {
        compare_json(case, &stdout, &keys, &mut problems);
    }
    Outcome { name, problems }
}

fn total_of(stdout: &str) -> String {
    match serde_json::from_str::<Value>(stdout) {
        Ok(v) => match (&v["total"], &v["totals"]) {
            (Value::String(s), _) => s.clone(),
            (_, Value::Array(a)) => a
                .iter()
                .map(|t| format!("{} {}", json_text(&t["total"]), json_text(&t["currency"])))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "<none>".into(),
        },
        Err(_) => "<not JSON>".into(),
    }
}

fn compare_json(case: &Value, stdout: &str, keys: &[String], problems: &mut Vec<String>) {
    let out: Value = match serde_json::from_str(stdout) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("stdout is not JSON ({e}): {}", excerpt(stdout)));
            return;
        }
    };
    if let Some(want) = case.get("total").and_then(Value::as_str) {
        let want = dec(want).unwrap();
        match out["total"].as_str().map(dec) {
            Some(Ok(got)) if got == want => {}
            Some(Ok(got)) => problems.push(format!("total: expected {want}, got {got}")),
            _ => problems.push(format!("total: expected {want}, got {}", out["total"])),
        }
    }
    if let Some(want) = expected_map(case, "totals") {
        let mut got = BTreeMap::new();
        for t in out["totals"].as_array().into_iter().flatten() {
            let currency = json_text(&t["currency"]);
            let value = dec(&json_text(&t["total"])).unwrap_or_default();
            *got.entry(currency).or_insert(Decimal::ZERO) += value;
        }
        diff_maps("totals per currency", &want, &got, problems);
    }
    let groups = out["groups"].as_array().cloned().unwrap_or_default();
    let mut costs = BTreeMap::new();
    let mut quantities = BTreeMap::new();
    for g in &groups {
        let key = keys
            .iter()
            .map(|k| json_text(&g[k.as_str()]))
            .collect::<Vec<_>>()
            .join(" / ");
        let cost = dec(&json_text(&g["cost"])).unwrap_or_default();
        *costs.entry(key.clone()).or_insert(Decimal::ZERO) += cost;
        if let Ok(q) = dec(&json_text(&g["quantity"])) {
            *quantities.entry(key).or_insert(Decimal::ZERO) += q;
        }
    }
    if let Some(want) = expected_map(case, "groups") {
        diff_maps("groups", &want, &costs, problems);
    }
    if let Some(want) = expected_map(case, "quantities") {
        diff_maps("quantities", &want, &quantities, problems);
    }
}

#[test]
fn every_real_world_case() {
    let path = crate::util::repo().join("fixtures/real-world/cases.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!cases.is_empty(), "no cases in {}", path.display());
    let outcomes: Vec<Outcome> = cases.iter().map(check).collect();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.problems.is_empty()).collect();
    let mut report = format!(
        "real-world corpus: {} of {} cases pass\n",
        outcomes.len() - failed.len(),
        outcomes.len()
    );
    for o in &outcomes {
        report.push_str(&format!(
            "  {} {}\n",
            if o.problems.is_empty() {
                "pass"
            } else {
                "FAIL"
            },
            o.name
        ));
    }
    for o in &failed {
        let args = cases.iter().find(|c| c["name"] == o.name.as_str()).unwrap();
        report.push_str(&format!(
            "\n--- {} (tally report {} {})\n",
            o.name,
            args["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(json_text)
                .collect::<Vec<_>>()
                .join(" "),
            args["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(json_text)
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for p in &o.problems {
            report.push_str(&format!("  {p}\n"));
        }
    }
    if failed.is_empty() {
        eprintln!("{report}");
    }
    assert!(
        failed.is_empty(),
        "{} real-world case(s) failed:\n{report}",
        failed.len()
    );
}

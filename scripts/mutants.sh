#!/usr/bin/env bash
# Mutation testing of tally's pure core with cargo-mutants: every mutant of the files below is
# built and tested; a mutant no test catches ("missed") is behaviour no test pins down.
#
#   scripts/mutants.sh [--threshold PERCENT] [--pass1-only] [--rerun-missed] [--out DIR] [FILE...]
#
# Two passes per file, so that a mutant costs seconds instead of minutes:
#   pass 1  every mutant of the file, built as the unit-test binary only (`--bin tally`, no
#           debug info for tally itself) and tested with the unit tests minus the slow chart
#           renderers: 15-30 s per mutant on two busy cores, against about 9 minutes with the
#           whole suite;
#   pass 2  only the mutants pass 1 missed, with the whole suite (unit tests and the
#           integration tests that run the binary; about 9 minutes per mutant).
# A mutant counts as caught when either pass caught it; the table says which pass did.
# Prints per file: caught in pass 1, caught in pass 2, missed, unviable (does not build),
# timeout, skipped (excluded in .cargo/mutants.toml) and the score caught / (caught + missed);
# exits 1 when a file scores below the threshold (default 95) or was not run whole.
#   --pass1-only     skip pass 2 (pass 1's misses then count as missed)
#   --rerun-missed   after adding tests: run only the mutants the file's earlier runs missed
#                    or timed out, and merge with those runs
#   --out DIR        where the outcomes are kept (default target/mutants/out/<file>/run-N)
# Not run in CI: the whole core is about 600 mutants, hours of pass 1 on two cores. Run it
# before a release, or on the files a change touched: scripts/mutants.sh src/rates.rs.
# The mutants are built in a copy of the working tree (MUTANTS_TREE, default
# target/mutants/tree, synced by content; CARGO_TARGET_DIR default target/, so dependencies
# are not rebuilt): you can keep editing meanwhile. Two runs at once need two trees and two
# target directories.
# Equivalent mutants (they cannot change behaviour) are skipped in the source with
# #[cfg_attr(any(), mutants::skip)] and a comment that says why, or listed with their reason
# in .cargo/mutants.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
threshold=95
pass2=1
rerun=0
outroot=$repo/target/mutants/out
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threshold) threshold=$2; shift 2 ;;
    --pass1-only) pass2=0; shift ;;
    --rerun-missed) rerun=1; shift ;;
    --out) outroot=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=(src/primitives/decimal.rs src/primitives/date.rs src/primitives/header.rs
         src/primitives/glob.rs src/rates.rs src/model.rs src/aggregate.rs src/reconcile.rs
         src/alerts/mod.rs src/alerts/state.rs src/alerts/config.rs src/forecast.rs
         src/compare.rs)
fi
if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install cargo-mutants --locked
fi
# A copy of the working tree (tracked and untracked-but-not-ignored files), at a fixed path so
# that its incremental build is reused from one run to the next. Only files whose content
# differs are copied, with a new mtime: cargo then rebuilds exactly what changed (an old mtime
# on a file the last mutant touched would leave that mutant in the binary).
tree=${MUTANTS_TREE:-$repo/target/mutants/tree}
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
  if [ -f "$path" ] && ! cmp -s "$path" "$tree/$path"; then
    mkdir -p "$tree/$(dirname "$path")"
    cp "$path" "$tree/$path"
  fi
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
# mold, when installed, links the 120 MB test binary faster (measured: about 15 % less CPU per
# mutant); `mold -run` needs no change to the flags, so the dependencies are not rebuilt.
wrap=()
if command -v mold >/dev/null 2>&1; then wrap=(mold -run); fi
pass1_args=(--cargo-arg=--bin=tally --cargo-arg=--config=profile.test.package.tally.debug=0
            -- -- --skip render::chart)
run() { # cargo mutants in the copy; 2 (missed) and 3 (timeouts) are verdicts, not failures
  local rc=0
  (cd "$tree" && "${wrap[@]}" cargo mutants --in-place --no-shuffle --minimum-test-timeout 60 "$@") || rc=$?
  case $rc in 0|2|3) ;; *) echo "mutants: cargo mutants exited $rc" >&2; exit "$rc" ;; esac
}
# Each run of a file is kept in $out/run-N (pass1, pass2); --rerun-missed adds a run with only
# the mutants the earlier runs left missed (after you added tests), and the table merges all.
regexes() { # the exact names in file $1 as anchored --re arguments
  while IFS= read -r name; do
    res+=(--re "^$(printf '%s' "$name" | sed 's/[][\\.^$*+?(){}|]/\\&/g')\$")
  done <"$1"
}
results=()
for file in "${files[@]}"; do
  out=$outroot/${file//\//_}
  if [ "$rerun" = 0 ]; then rm -rf "$out"; fi
  mkdir -p "$out"
  n=1
  while [ -d "$out/run-$n" ]; do n=$((n + 1)); done
  run_dir=$out/run-$n
  mkdir -p "$run_dir/pass1" "$run_dir/pass2"
  # What cargo-mutants generates now (skips and exclusions applied), and without the config's
  # exclusions, for the table's "skipped" column.
  (cd "$tree" && cargo mutants --list -f "$file") >"$run_dir/listed.txt"
  (cd "$tree" && cargo mutants --list --no-config -f "$file") >"$run_dir/unconfigured.txt"
  res=()
  if [ "$rerun" = 1 ]; then
    # Timeouts too: on a busy machine a test run can pass its time limit without a hang.
    cat "$out/missed.txt" "$out/timeout.txt" 2>/dev/null | grep -Fxf "$run_dir/listed.txt" >"$run_dir/rerun.txt" || true
    if [ ! -s "$run_dir/rerun.txt" ]; then results+=("$file" "$out"); continue; fi
    regexes "$run_dir/rerun.txt"
    echo "== $file: pass 1 (unit tests) on $(wc -l <"$run_dir/rerun.txt") mutants missed before" >&2
  else
    echo "== $file: pass 1 (unit tests)" >&2
  fi
  run -f "$file" -o "$run_dir/pass1" "${res[@]}" "${pass1_args[@]}"
  missed=$run_dir/pass1/mutants.out/missed.txt
  if [ "$pass2" = 1 ] && [ -s "$missed" ]; then
    echo "== $file: pass 2 (whole suite) on $(wc -l <"$missed") mutants pass 1 missed" >&2
    res=()
    regexes "$missed"
    run -f "$file" -o "$run_dir/pass2" "${res[@]}"
  fi
  results+=("$file" "$out")
done
python3 - "$threshold" "${results[@]}" <<'PY'
import glob, json, os, sys
threshold = float(sys.argv[1])
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
def outcomes(path):
    path = os.path.join(path, "mutants.out", "outcomes.json")
    if not os.path.exists(path):
        return {}
    found = {}
    for outcome in json.load(open(path))["outcomes"]:
        scenario = outcome.get("scenario")
        if isinstance(scenario, dict) and "Mutant" in scenario:
            found[scenario["Mutant"]["name"]] = outcome["summary"]
    return found
def lines(path):
    return set(open(path).read().splitlines()) if os.path.exists(path) else set()
failed = False
print(f"{'file':28} {'pass1':>6} {'pass2':>6} {'missed':>7} {'unviable':>9} {'timeout':>8} "
      f"{'skipped':>8} {'score':>7}")
missed_lists = []
for file, out in pairs:
    runs = sorted(glob.glob(os.path.join(out, "run-*")), key=lambda p: int(p.rsplit("-", 1)[1]))
    if not runs:
        continue
    listed = lines(os.path.join(runs[-1], "listed.txt"))
    skipped = len(lines(os.path.join(runs[-1], "unconfigured.txt")) - listed)
    verdict = {}
    for run in runs:
        for phase in ("pass1", "pass2"):
            for name, summary in outcomes(os.path.join(run, phase)).items():
                if name not in listed or verdict.get(name, ("",))[0] in ("pass1", "pass2"):
                    continue
                if summary == "CaughtMutant":
                    verdict[name] = (phase,)
                elif summary == "Unviable":
                    verdict[name] = ("unviable",)
                elif summary == "Timeout":
                    verdict[name] = ("timeout",)
                else:
                    verdict[name] = ("missed",)
    counts = dict.fromkeys(["pass1", "pass2", "missed", "unviable", "timeout"], 0)
    for (kind,) in verdict.values():
        counts[kind] += 1
    missed = sorted(n for n, (kind,) in verdict.items() if kind == "missed")
    with open(os.path.join(out, "missed.txt"), "w") as f:
        f.writelines(n + "\n" for n in missed)
    with open(os.path.join(out, "timeout.txt"), "w") as f:
        f.writelines(n + "\n" for n in sorted(n for n, (k,) in verdict.items() if k == "timeout"))
    untested = len(listed - set(verdict))
    caught = counts["pass1"] + counts["pass2"]
    viable = caught + counts["missed"]
    score = 100.0 * caught / viable if viable else 100.0
    failed |= score < threshold or untested > 0
    print(f"{file:28} {counts['pass1']:6} {counts['pass2']:6} {counts['missed']:7} "
          f"{counts['unviable']:9} {counts['timeout']:8} {skipped:8} {score:6.1f}%"
          + (f"  ({untested} not run)" if untested else ""))
    if missed:
        missed_lists.append(os.path.join(out, "missed.txt"))
print("pass1/pass2: caught by the unit tests / only by the whole suite; unviable and timeouts "
      "are left out of the score; skipped: excluded in .cargo/mutants.toml")
for path in missed_lists:
    print(f"missed: {path}")
sys.exit(1 if failed else 0)
PY

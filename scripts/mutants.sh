#!/usr/bin/env bash
# Mutation testing of tally's pure core with cargo-mutants: every mutant of the files below is
# built and tested; a mutant no test catches ("missed") is behaviour no test pins down.
#
#   scripts/mutants.sh [--threshold PERCENT] [--pass1-only] [--out DIR] [FILE...]
#
# Two passes per file, so that a mutant costs seconds instead of minutes:
#   pass 1  every mutant of the file, built as the unit-test binary only (`--bin tally`, no
#           debug info for tally itself) and tested with the unit tests minus the slow chart
#           renderers: about 10 s per mutant on two busy cores;
#   pass 2  only the mutants pass 1 missed, with the whole suite (unit tests and the
#           integration tests that run the binary; about 9 minutes per mutant).
# A mutant counts as caught when either pass caught it; the table says which pass did.
# Prints per file: caught in pass 1, caught in pass 2, missed, unviable (does not build),
# timeout, and the score caught / (caught + missed); exits 1 when a file scores below the
# threshold (default 95). --pass1-only skips pass 2 (its misses then count as missed).
# Not run in CI: the whole core is about 600 mutants, an hour or two for pass 1 alone.
# Run it before a release, or on the files a change touched: scripts/mutants.sh src/rates.rs.
# The mutants run in a copy of the working tree (target/mutants/tree, sharing target/ so the
# dependencies are not rebuilt), so you can keep editing meanwhile. Outcomes are kept in
# --out (default target/mutants/out/<file>/pass1|pass2/mutants.out).
# Mutants that cannot change behaviour are skipped in the source with
# #[cfg_attr(any(), mutants::skip)] and a comment that says why, or listed with their reason
# in .cargo/mutants.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
threshold=95
pass2=1
outroot=$repo/target/mutants/out
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threshold) threshold=$2; shift 2 ;;
    --pass1-only) pass2=0; shift ;;
    --out) outroot=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=(src/primitives/decimal.rs src/primitives/date.rs src/primitives/header.rs
         src/primitives/glob.rs src/rates.rs src/model.rs src/aggregate.rs src/reconcile.rs
         src/alerts/mod.rs src/alerts/state.rs src/forecast.rs)
fi
if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install cargo-mutants --locked
fi
# A copy of the working tree (tracked and untracked-but-not-ignored files), at a fixed path so
# that its incremental build is reused from one run to the next. Only files whose content
# differs are copied, with a new mtime: cargo then rebuilds exactly what changed (an old mtime
# on a file the last mutant touched would leave that mutant in the binary).
tree=$repo/target/mutants/tree
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
  if [ -f "$path" ] && ! cmp -s "$path" "$tree/$path"; then
    mkdir -p "$tree/$(dirname "$path")"
    cp "$path" "$tree/$path"
  fi
done
export CARGO_TARGET_DIR=$repo/target
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
results=()
for file in "${files[@]}"; do
  out=$outroot/${file//\//_}
  rm -rf "$out"
  mkdir -p "$out/pass1" "$out/pass2"
  echo "== $file: pass 1 (unit tests)" >&2
  run -f "$file" -o "$out/pass1" "${pass1_args[@]}"
  missed=$out/pass1/mutants.out/missed.txt
  if [ "$pass2" = 1 ] && [ -s "$missed" ]; then
    echo "== $file: pass 2 (whole suite) on $(wc -l <"$missed") mutants pass 1 missed" >&2
    res=()
    while IFS= read -r name; do
      res+=(--re "^$(printf '%s' "$name" | sed 's/[][\\.^$*+?(){}|]/\\&/g')\$")
    done <"$missed"
    run -f "$file" -o "$out/pass2" "${res[@]}"
  fi
  results+=("$file" "$out")
done
python3 - "$threshold" "${results[@]}" <<'PY'
import json, os, sys
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
failed = False
header = f"{'file':28} {'pass1':>6} {'pass2':>6} {'missed':>7} {'unviable':>9} {'timeout':>8} {'score':>7}"
print(header)
missed_lists = []
for file, out in pairs:
    first, second = outcomes(os.path.join(out, "pass1")), outcomes(os.path.join(out, "pass2"))
    counts = dict.fromkeys(["pass1", "pass2", "missed", "unviable", "timeout"], 0)
    for key, summary in first.items():
        if summary == "CaughtMutant":
            counts["pass1"] += 1
        elif summary == "Unviable":
            counts["unviable"] += 1
        elif summary == "Timeout":
            counts["timeout"] += 1
        elif second.get(key) == "CaughtMutant":
            counts["pass2"] += 1
        else:
            counts["missed"] += 1
    caught = counts["pass1"] + counts["pass2"]
    viable = caught + counts["missed"]
    score = 100.0 * caught / viable if viable else 100.0
    failed |= score < threshold
    print(f"{file:28} {counts['pass1']:6} {counts['pass2']:6} {counts['missed']:7} "
          f"{counts['unviable']:9} {counts['timeout']:8} {score:6.1f}%")
    final = os.path.join(out, "pass2" if second else "pass1", "mutants.out", "missed.txt")
    if counts["missed"]:
        missed_lists.append(final)
print("pass1/pass2: caught by the unit tests / only by the whole suite; timeouts are left out of the score")
for path in missed_lists:
    print(f"missed: {path}")
sys.exit(1 if failed else 0)
PY

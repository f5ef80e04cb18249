#!/usr/bin/env bash
# Mutation testing of tally's pure core with cargo-mutants: every mutant of the files below is
# built and tested; a mutant the tests do not catch ("missed") is behaviour no test pins down.
#
#   scripts/mutants.sh [--threshold PERCENT] [--jobs N] [FILE...]
#
# Prints the score per file (caught / (caught + missed); mutants that do not build or time out
# are not viable and are left out) and exits 1 when a file's score is below the threshold
# (default 95). Not run in CI: on two cores it takes hours for the whole core (each mutant is
# an incremental build plus the unit tests and the integration tests of the binary). Run it
# before a release, or on the files a change touched: scripts/mutants.sh src/rates.rs.
# Mutants that cannot change behaviour are skipped in the source with #[mutants::skip] and a
# comment that says why, or listed in .cargo/mutants.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
threshold=95
jobs=1
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threshold) threshold=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=(src/model.rs src/primitives/decimal.rs src/primitives/date.rs src/primitives/header.rs
         src/primitives/glob.rs src/rates.rs src/aggregate.rs src/alerts/mod.rs
         src/alerts/state.rs src/forecast.rs src/reconcile.rs)
fi
if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install cargo-mutants --locked
fi
out=$(mktemp -d)
args=()
for file in "${files[@]}"; do args+=(--file "$file"); done
# Exit status 2 (mutants missed) and 3 (timeouts) leave the verdict to the score below; any
# other failure (4: the tests fail without a mutant) stops here.
rc=0
cargo mutants --no-shuffle --jobs "$jobs" --output "$out" "${args[@]}" || rc=$?
case $rc in 0|2|3) ;; *) echo "mutants: cargo mutants exited $rc" >&2; exit "$rc" ;; esac
python3 - "$out/mutants.out/outcomes.json" "$threshold" <<'PY'
import json, sys, collections
outcomes = json.load(open(sys.argv[1]))["outcomes"]
threshold = float(sys.argv[2])
per_file = collections.defaultdict(collections.Counter)
for outcome in outcomes:
    scenario = outcome.get("scenario")
    if not isinstance(scenario, dict) or "Mutant" not in scenario:
        continue
    mutant = scenario["Mutant"]
    per_file[mutant["file"]][outcome["summary"]] += 1
failed = False
print(f"{'file':40} {'caught':>7} {'missed':>7} {'unviable':>9} {'timeout':>8} {'score':>7}")
for file, counts in sorted(per_file.items()):
    caught, missed = counts["CaughtMutant"], counts["MissedMutant"]
    viable = caught + missed
    score = 100.0 * caught / viable if viable else 100.0
    failed |= score < threshold
    print(f"{file:40} {caught:7} {missed:7} {counts['Unviable']:9} {counts['Timeout']:8} {score:6.1f}%")
print(f"missed mutants: see {sys.argv[1].rsplit('/', 1)[0]}/missed.txt")
sys.exit(1 if failed else 0)
PY

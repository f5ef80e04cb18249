#!/usr/bin/env bash
# One-command benchmark: generates deterministic inputs, installs DuckDB and polars in a local
# virtual environment, runs the same queries in tally, DuckDB and polars, checks that the
# answers are equal to the last decimal, and writes bench/results/<date>.md.
# Usage: bash bench/run.sh [SIZE_MB]   (default 1024; also runs 4x that for scaling)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
# FOCUS_MB: a smaller FOCUS file when disk is short (default: the same size).
focus_size=${FOCUS_MB:-$size}
data=bench/data
mkdir -p "$data" bench/results
cargo build --release --locked
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet duckdb polars
fi
py=.venv/bin/python
[ -f "$data/console-$size.csv" ] || python3 bench/gen.py console "$data/console-$size.csv" "$size"
for shape in console-quoted console-minimal; do
  [ -f "$data/$shape-$size.csv" ] || python3 bench/gen.py "$shape" "$data/$shape-$size.csv" "$size"
done
[ -f "$data/focus-$focus_size.csv" ] || python3 bench/gen.py focus "$data/focus-$focus_size.csv" "$focus_size" fixtures/focus-sample/focus_sample.csv
# The gzip copy and the 4x file for scaling only where the disk has room for them.
free_mb() { df -Pm "$data" | awk 'NR==2{print $4}'; }
[ -f "$data/console-$size.csv.gz" ] || { [ "$(free_mb)" -gt $((size / 2 + 512)) ] &&
  gzip -1 -k -c "$data/console-$size.csv" > "$data/console-$size.csv.gz"; } || rm -f "$data/console-$size.csv.gz"
big=$((size * 4))
if [ ! -f "$data/console-$big.csv" ] && [ "$(free_mb)" -gt $((big + 512)) ]; then
  cp "$data/console-$size.csv" "$data/console-$big.csv"
  for _ in 1 2 3; do tail -n +2 "$data/console-$size.csv" >> "$data/console-$big.csv"; done
fi
out="bench/results/$(date -u +%Y-%m-%d).md"
{
  echo "# tally benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; tally $(target/release/tally --version | cut -d' ' -f2);" \
       "$($py -c 'import duckdb, polars; print("duckdb", duckdb.__version__, "· polars", polars.__version__)')."
  echo "Median of 3 runs after a warm-up; peak RSS from /usr/bin/time. Load before the run: $(uptime | sed 's/.*load/load/')."
  $py bench/compare.py console "$data/console-$size.csv"
  $py bench/compare.py console-quoted "$data/console-quoted-$size.csv"
  $py bench/compare.py console-minimal "$data/console-minimal-$size.csv"
  $py bench/compare.py focus "$data/focus-$focus_size.csv" tally,duckdb
  if [ -f "$data/console-$size.csv.gz" ]; then
    $py bench/compare.py console-gz "$data/console-$size.csv.gz" tally
  else
    printf '\n(console-gz skipped: no disk room for the gzip copy)\n'
  fi
  if [ -f "$data/console-$big.csv" ]; then
    $py bench/compare.py console "$data/console-$big.csv" tally
  else
    printf '\n(%s MB scaling run skipped: no disk room for the file)\n' "$big"
  fi
} | tee "$out"
echo "written: $out"

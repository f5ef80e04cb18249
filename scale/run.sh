#!/usr/bin/env bash
# Not in CI. The same report on Spark (local mode) over tally's exported dataset, checked
# against tally, with times, at 1 GB and (with room and time) 10 GB of FOCUS CSV.
#   1. installs Java from Debian (default-jre-headless) and PySpark from PyPI into .venv-spark;
#   2. generates FOCUS CSVs with bench/gen.py and exports them with `tally export`;
#   3. times `tally report --format csv` over the CSVs and Spark SQL (`tally sql --dialect spark
#      --dataset`) over the dataset, and compares the two CSVs byte for byte;
#   4. writes scale/results-<date>.md and deletes the data.
# Usage: nice -n 19 bash scale/run.sh [SIZES_MB...]   (default: 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1024}")
data=scale/data
mkdir -p "$data"
trap 'rm -rf "$data"' EXIT
command -v java >/dev/null || { apt-get update -q && apt-get install -y -q default-jre-headless; }
[ -x .venv-spark/bin/python ] || { python3 -m venv .venv-spark && .venv-spark/bin/pip install --quiet pyspark; }
cargo build --release --locked
tally=target/release/tally
out="scale/results-$(date -u +%Y-%m-%d).md"
{
  echo "# tally and Spark (local mode) on $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| FOCUS CSV | tally report | tally export | dataset | Spark SQL over the dataset | equal |"
  echo "|---|---|---|---|---|---|"
} > "$out"
args=(--from 2026-01-01 --to 2026-12-31 --as-of 2027-01-10 --by service,sku --period month)
for mb in "${sizes[@]}"; do
  free=$(df -Pm "$data" | awk 'NR==2{print $4}')
  if [ "$free" -lt $((mb * 2 + 2048)) ]; then echo "skipping $mb MB: $free MB free"; continue; fi
  csv="$data/focus-$mb.csv"
  python3 bench/gen.py focus "$csv" "$mb" fixtures/focus-sample/focus_sample.csv
  t0=$(date +%s.%N); "$tally" report "$csv" --format csv -q "${args[@]}" > "$data/tally.csv"
  t1=$(date +%s.%N); "$tally" export "$data/rows" "$csv" -q
  t2=$(date +%s.%N)
  "$tally" sql --dialect spark --dataset "$PWD/$data/rows" "${args[@]}" > "$data/q.sql"
  t3=$(date +%s.%N)
  .venv-spark/bin/python - "$data/q.sql" "$data/spark" <<'PY'
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[*]").config("spark.sql.ansi.enabled", "true")
         .config("spark.driver.memory", "4g").getOrCreate())
query = open(sys.argv[1]).read().strip().rstrip(";")
(spark.sql(query).coalesce(1).write.mode("overwrite")
 .option("header", True).option("emptyValue", "").csv(sys.argv[2]))
PY
  t4=$(date +%s.%N)
  cat "$data"/spark/part-*.csv > "$data/spark.csv"
  if cmp -s "$data/spark.csv" "$data/tally.csv"; then equal=yes; else equal=NO; diff "$data/spark.csv" "$data/tally.csv" | head; fi
  size=$(du -sm "$data/rows" | cut -f1)
  printf '| %s MB | %.1f s | %.1f s | %s MB | %.1f s | %s |\n' "$mb" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$size" "$(echo "$t4 - $t3" | bc)" "$equal" >> "$out"
  rm -rf "$data"/*
done
cat "$out"

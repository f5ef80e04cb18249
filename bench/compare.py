"""Runs the same queries in tally, DuckDB and polars, checks that the answers are equal to the
last decimal, and prints a Markdown table of median wall time (3 runs after a warm-up), MB/s,
peak RSS, and tally's speed ratio to each tool. Called by bench/run.sh."""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

TALLY = os.environ.get("TALLY", "target/release/tally")
PY = sys.executable

DUCK = {
    "console": {
        "range-by-sku": """SELECT "SKU" AS k, sum("Cost (USD)") AS c FROM read_csv('{f}', header=true,
            types={{'Cost (USD)':'DECIMAL(38,10)','Date':'DATE'}}) WHERE "Date" BETWEEN '2026-03-01' AND '2026-03-30' GROUP BY 1""",
        "month-project-sku": """SELECT strftime("Date", '%Y-%m') || ' | ' || "Project Name" || ' | ' || "SKU" AS k, sum("Cost (USD)") AS c
            FROM read_csv('{f}', header=true, types={{'Cost (USD)':'DECIMAL(38,10)','Date':'DATE'}}) GROUP BY 1""",
    },
    "focus": {
        "range-by-sku": """SELECT coalesce("SkuId", "ChargeDescription") AS k, sum("BilledCost") AS c FROM read_csv('{f}', header=true,
            nullstr='NULL', all_varchar=true, types={{'BilledCost':'DECIMAL(38,11)'}})
            WHERE CAST("ChargePeriodStart" AS DATE) BETWEEN '2026-03-01' AND '2026-03-30' GROUP BY 1""",
        "month-project-sku": """SELECT strftime(CAST("ChargePeriodStart" AS DATE), '%Y-%m') || ' | ' || coalesce("SubAccountName", "SubAccountId") || ' | ' || coalesce("SkuId", "ChargeDescription") AS k,
            sum("BilledCost") AS c FROM read_csv('{f}', header=true, nullstr='NULL', all_varchar=true,
            types={{'BilledCost':'DECIMAL(38,11)'}}) GROUP BY 1""",
    },
}

POLARS = {
    "console": {
        "range-by-sku": """
lf = pl.scan_csv(F, schema_overrides={"Cost (USD)": pl.Decimal(38, 10), "Date": pl.Date})
out = (lf.filter(pl.col("Date").is_between(date(2026,3,1), date(2026,3,30)))
         .group_by(pl.col("SKU").alias("k")).agg(pl.col("Cost (USD)").sum().alias("c")).collect())""",
        "month-project-sku": """
lf = pl.scan_csv(F, schema_overrides={"Cost (USD)": pl.Decimal(38, 10), "Date": pl.Date})
out = (lf.group_by((pl.col("Date").dt.strftime("%Y-%m") + " | " + pl.col("Project Name") + " | " + pl.col("SKU")).alias("k"))
         .agg(pl.col("Cost (USD)").sum().alias("c")).collect())""",
    },
    "focus": {
        "range-by-sku": """
lf = pl.scan_csv(F, infer_schema=False, null_values=["NULL"], schema_overrides={"BilledCost": pl.Decimal(38, 11)})
day = pl.col("ChargePeriodStart").str.slice(0, 10).str.to_date("%Y-%m-%d")
out = (lf.filter(day.is_between(date(2026,3,1), date(2026,3,30)))
         .group_by(pl.coalesce("SkuId", "ChargeDescription").alias("k")).agg(pl.col("BilledCost").sum().alias("c")).collect())""",
        "month-project-sku": """
lf = pl.scan_csv(F, infer_schema=False, null_values=["NULL"], schema_overrides={"BilledCost": pl.Decimal(38, 11)})
out = (lf.group_by((pl.col("ChargePeriodStart").str.slice(0, 7) + " | " + pl.coalesce("SubAccountName", "SubAccountId") + " | " + pl.coalesce("SkuId", "ChargeDescription")).alias("k"))
         .agg(pl.col("BilledCost").sum().alias("c")).collect())""",
    },
}

TALLY_ARGS = {
    "range-by-sku": ["--from", "2026-03-01", "--to", "2026-03-30", "--by", "sku"],
    "month-project-sku": ["--from", "2026-01-01", "--to", "2026-12-31", "--by", "project,sku", "--period", "month"],
}


def run_child(argv):
    """Runs a command; returns (seconds, peak RSS in MB, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed:\n{proc.stderr}")
    # ru_maxrss of children is the max over all children so far: run each measurement in a
    # fresh `time`-like wrapper instead.
    return elapsed, proc.stdout


def measure(argv, runs=3):
    """Median wall time and max peak RSS over `runs` runs after a warm-up, via /usr/bin/time."""
    subprocess.run(argv, capture_output=True, check=True)
    times, rss, out = [], [], ""
    for _ in range(runs):
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + argv, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed:\n{proc.stderr}")
        wall, kb = proc.stderr.strip().splitlines()[-1].split()
        times.append(float(wall))
        rss.append(int(kb) / 1024)
        out = proc.stdout
    return statistics.median(times), max(rss), out


def tally_answer(text):
    lines = text.strip().splitlines()
    import csv
    rows = list(csv.reader(lines))
    header = rows[0]
    cost = header.index("cost")
    end = header.index("unit") if "unit" in header else cost
    keys = [i for i in range(end) if header[i] != "period_end"]
    answer = {}
    for row in rows[1:]:
        parts = [row[i] for i in keys]
        if header[0] == "period_start":
            parts[0] = parts[0][:7]
        k = " | ".join(parts)
        answer[k] = answer.get(k, Decimal(0)) + Decimal(row[cost])
    return answer


def other_answer(text):
    # The answer is the last line: a progress bar a tool draws on a slow query comes before it.
    line = [l for l in text.splitlines() if l.startswith("{")][-1]
    return {k: Decimal(v) for k, v in json.loads(line).items()}


def script(tool, body, path):
    if tool == "duckdb":
        return f"""
import duckdb, json
duckdb.sql("SET enable_progress_bar = false")
rows = duckdb.sql({body.format(f=path)!r}).fetchall()
print(json.dumps({{str(k): str(c) for k, c in rows}}))
"""
    return f"""
import polars as pl, json
from datetime import date
F = {str(path)!r}
{body}
print(json.dumps({{str(k): str(c) for k, c in out.iter_rows()}}))
"""


def main():
    kind, path = sys.argv[1], Path(sys.argv[2])
    tools = sys.argv[3].split(",") if len(sys.argv) > 3 else ["tally", "duckdb", "polars"]
    # MB/s counts the CSV bytes parsed: for a .gz, the size of the uncompressed file beside it.
    plain = path.with_suffix("") if path.suffix == ".gz" else path
    size_mb = (plain if plain.exists() else path).stat().st_size / 1e6
    results = []
    for query, args in TALLY_ARGS.items():
        row = {"query": query}
        t, rss, out = measure([TALLY, "report", str(path), *args, "--as-of", "2027-01-01", "--format", "csv", "-q"])
        reference = tally_answer(out)
        row["tally"] = (t, rss)
        for tool in [t for t in tools if t != "tally"]:
            # Every console shape (gzip, quoted, unsorted) asks the console queries.
            shape = "console" if kind.startswith("console") else kind
            body = (DUCK if tool == "duckdb" else POLARS)[shape][query]
            t2, rss2, out2 = measure([PY, "-c", script(tool, body, path)])
            answer = other_answer(out2)
            if {k: v.normalize() for k, v in answer.items()} != {k: v.normalize() for k, v in reference.items()}:
                diff = set(answer.items()) ^ set(reference.items())
                sys.exit(f"{tool} disagrees with tally on {query}: {sorted(diff)[:6]}")
            row[tool] = (t2, rss2)
        results.append(row)
    print(f"\n### {kind}: {path.name}, {size_mb:.0f} MB\n")
    print("| query | tool | median s | MB/s | peak RSS MB | tally speed-up |")
    print("|---|---|---:|---:|---:|---:|")
    for row in results:
        tally_t = row["tally"][0]
        for tool in tools:
            if tool not in row:
                continue
            t, rss = row[tool]
            ratio = "" if tool == "tally" else f"{t / tally_t:.2f}×"
            print(f"| {row['query']} | {tool} | {t:.2f} | {size_mb / t:.0f} | {rss:.0f} | {ratio} |")
    print("\nAll answers equal to the last decimal.")


if __name__ == "__main__":
    main()

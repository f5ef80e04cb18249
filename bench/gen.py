"""Deterministic benchmark inputs for tally (bench/run.sh).

console: a console-style usage CSV (the fixture's header), rows spread over 2026, costs with up
to 8 decimals. focus: a FOCUS CSV with the real sample's 44 columns, made by cycling the real
sample's rows (fixtures/focus-sample/focus_sample.csv) over 2026 with fresh dates and costs.
console-quoted and console-minimal: exports as they come. The same console columns, with
dates in random order over three months (2026-03-01 to 2026-05-31), as a folder of overlapping
daily downloads concatenated would be; console-quoted quotes every text field (as many writers
do, numbers bare), console-minimal quotes only the fields that need it (SKU names holding a
comma, about 1 row in 17). Both are written in large chunks; the same arguments always give the
same bytes.
"""

import csv
import io
import random
import sys
from datetime import date, timedelta
from pathlib import Path

START = date(2026, 1, 1)
DAYS = 365


def console(path: Path, target_bytes: int) -> None:
    rng = random.Random(42)
    projects = [(f"proj-{i:04x}", f"project-{i}") for i in range(12)]
    skus = []
    for region in ["aws us-east-1", "aws eu-west-1", "gcp us-central1", "azure eastus2"]:
        skus += [
            ("database", f"Serverless Read Units ({region})", "RU", region),
            ("database", f"Serverless Write Units ({region})", "WU", region),
            ("database", f"Serverless Storage ({region})", "GB-month", region),
        ]
    skus += [
        ("assistants", "Assistants Input Tokens", "tokens", ""),
        ("assistants", "Assistants Output Tokens", "tokens", ""),
        ("inference", "Embedding Tokens (multilingual-e5-large)", "tokens", ""),
        ("collections", "Collections Storage (aws us-east-1)", "GB-month", "aws us-east-1"),
    ]
    indexes = ["products", "docs-v2", "faq", "search", "events", "logs"]
    header = "Date,Project ID,Project Name,Service,SKU,Region,Index,Quantity,Unit,Cost (USD),Currency\n"
    written = 0
    rows_per_day = 0
    with open(path, "w", newline="") as out:
        out.write(header)
        written += len(header)
        day = 0
        while written < target_bytes:
            lines = []
            d = (START + timedelta(days=day % DAYS)).isoformat()
            for _ in range(2000):
                pid, pname = projects[rng.randrange(len(projects))]
                service, sku, unit, region = skus[rng.randrange(len(skus))]
                quantity = rng.randrange(1, 5_000_000)
                cents = rng.randrange(0, 10**10)
                lines.append(
                    f"{d},{pid},{pname},{service},{sku},{region},{indexes[rng.randrange(6)]},"
                    f"{quantity},{unit},{cents // 10**8}.{cents % 10**8:08d},USD\n"
                )
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk)
            day += 1
            rows_per_day += 2000
    print(f"{path}: {written} bytes, {rows_per_day} rows", file=sys.stderr)


def console_unsorted(path: Path, target_bytes: int, quote_all: bool) -> None:
    rng = random.Random(99)
    projects = [(f"proj-{i:04x}", f"project-{i}") for i in range(12)]
    skus = []
    for region in ["aws us-east-1", "aws eu-west-1", "gcp us-central1", "azure eastus2"]:
        skus += [
            ("database", f"Serverless Read Units ({region})", "RU", region),
            ("database", f"Serverless Write Units ({region})", "WU", region),
            ("database", f"Serverless Storage ({region})", "GB-month", region),
        ]
    skus += [
        ("assistants", "Assistants Input Tokens", "tokens", ""),
        ("assistants", "Assistants Output Tokens", "tokens", ""),
        ("inference", "Embedding Tokens (multilingual-e5-large, 1024 dims)", "tokens", ""),
        ("collections", "Collections Storage (aws us-east-1)", "GB-month", "aws us-east-1"),
    ]
    indexes = ["products", "docs-v2", "faq", "search", "events", "logs"]
    days = [(date(2026, 3, 1) + timedelta(days=i)).isoformat() for i in range(92)]

    def text(value: str) -> str:
        if quote_all or any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    header = "Date,Project ID,Project Name,Service,SKU,Region,Index,Quantity,Unit,Cost (USD),Currency\n"
    # Every text value quoted (or not) once: rows are joined from the prepared pieces.
    projects = [(text(a), text(b)) for a, b in projects]
    skus = [tuple(text(v) for v in sku) for sku in skus]
    indexes = [text(i) for i in indexes]
    days = [text(d) for d in days]
    usd = text("USD")
    written = len(header)
    count = 0
    with open(path, "w", newline="") as out:
        out.write(header)
        while written < target_bytes:
            lines = []
            for _ in range(2000):
                pid, pname = projects[rng.randrange(len(projects))]
                service, sku, unit, region = skus[rng.randrange(len(skus))]
                quantity = rng.randrange(1, 5_000_000)
                cents = rng.randrange(0, 10**10)
                lines.append(
                    f"{days[rng.randrange(len(days))]},{pid},{pname},{service},{sku},{region},"
                    f"{indexes[rng.randrange(6)]},{quantity},{unit},"
                    f"{cents // 10**8}.{cents % 10**8:08d},{usd}\n"
                )
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk)
            count += 2000
    print(f"{path}: {written} bytes, {count} rows", file=sys.stderr)


def focus(path: Path, sample: Path, target_bytes: int) -> None:
    rng = random.Random(7)
    with open(sample, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    start_col = header.index("ChargePeriodStart")
    end_col = header.index("ChargePeriodEnd")
    cost_col = header.index("BilledCost")
    written = 0
    count = 0
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        out.write(buf.getvalue())
        written += len(buf.getvalue())
        day = 0
        while written < target_bytes:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            d = START + timedelta(days=day % DAYS)
            for i in range(2000):
                row = list(rows[(count + i) % len(rows)])
                hour = rng.randrange(24)
                row[start_col] = f"{d.isoformat()} {hour:02d}:00:00"
                row[end_col] = f"{d.isoformat()} {hour:02d}:59:59"
                micro = rng.randrange(0, 10**11)
                row[cost_col] = f"{micro // 10**11}.{micro % 10**11:011d}"
                w.writerow(row)
            chunk = buf.getvalue()
            out.write(chunk)
            written += len(chunk)
            count += 2000
            day += 1
    del writer
    print(f"{path}: {written} bytes, {count} rows", file=sys.stderr)


if __name__ == "__main__":
    kind, out, size_mb = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if kind == "console":
        console(out, size_mb << 20)
    elif kind in ("console-quoted", "console-minimal"):
        console_unsorted(out, size_mb << 20, quote_all=kind == "console-quoted")
    else:
        focus(out, Path(sys.argv[4]), size_mb << 20)

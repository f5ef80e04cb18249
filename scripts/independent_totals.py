#!/usr/bin/env python3
"""Independent expected totals for the `tally` fixtures.

Run from the repository root (after scripts/gen_fixtures.py):

    python3 scripts/independent_totals.py

Reads the fixture files *as text* (it does not import gen_fixtures.py and shares
no code with the Rust implementation), sums costs with Python's `decimal`
module only -- every amount is parsed from the CSV string with Decimal(text),
never through float -- and writes the pinned results to
fixtures/expected/independent/*.csv.

Why this is independent of the Rust code: it is a different language, a
different CSV parser (Python's csv module), a different decimal implementation,
and it reads the fixture bytes on disk rather than anything produced by
`tally`. If `tally` and this script agree, both are likely right.

Output format: header `key,cost`, rows sorted by key ascending (Python string
order, i.e. by code point), nested keys joined with " | ", cost is the exact
sum, Decimal.normalize()'d and printed with format(d, 'f') (so 100.00 -> 100,
0 -> 0, never exponent notation).

Files written:
  console-by-sku.csv, console-by-project.csv (Project Name),
  console-by-service.csv, console-total.csv, console-by-project-sku.csv,
  console-2026-10-03_to_2026-10-17-search-prod-by-sku.csv   (console CSV, October 2026)
  focus-sample-by-service.csv, focus-sample-by-project.csv,
  focus-sample-total.csv, focus-sample-by-day.csv,
  focus-sample-effective-total.csv                           (real FOCUS 1.0 sample)
  export-by-project.csv, export-total.csv                    (FOCUS export zip)

Self-checks (the script exits non-zero if one fails):
  * console file starts with a UTF-8 BOM and every line ends in CRLF;
  * each console cost equals quantity x the published unit price (price table
    typed in here, independently of the generator);
  * every usage row of the export matches a console row (day, project, SKU,
    resource, cost), and export total == console total + 100.00 (the
    export-only support-plan Purchase);
  * the export's manifest row counts match its parts.
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import re
import sys
import zipfile
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
CONSOLE = FIX / "console" / "usage-2026-10.csv"
EXPORT = FIX / "export" / "cost-usage-export-2026-10.zip"
FOCUS_SAMPLE = FIX / "focus-sample" / "focus_sample.csv"
OUT = FIX / "expected" / "independent"

# Big enough that no sum here is ever rounded; rounding raises.
decimal.setcontext(decimal.Context(prec=80, traps=[decimal.Inexact, decimal.Rounded,
                                                   decimal.InvalidOperation]))

SEP = " | "

# Published unit prices in USD per unit (checked against every console row).
PRICE_PER_UNIT = {
    "Serverless Read Units": Decimal("0.000016"),    # $16.00 / million RU
    "Serverless Write Units": Decimal("0.000004"),   # $4.00 / million WU
    "Serverless Storage": Decimal("0.33"),           # per GB-month
    "Backup Storage": Decimal("0.10"),               # per GB-month
    "Collections Storage": Decimal("0.33"),          # per GB-month
    "Assistants Input Tokens": Decimal("0.000008"),  # $8 / million
    "Assistants Output Tokens": Decimal("0.000015"),  # $15 / million
    "Assistants Context Tokens Processed": Decimal("0.000005"),  # $5 / million
    "Embedding Tokens (multilingual-e5-large)": Decimal("0.00000008"),  # $0.08 / million
    "Rerank Requests (bge-reranker-v2-m3)": Decimal("0.002"),  # $2.00 / 1k requests
}

failures: list[str] = []


def check(cond: bool, message: str) -> None:
    if not cond:
        failures.append(message)


def money(text: str) -> Decimal:
    """Parse a money/quantity string exactly. Rejects anything Decimal would
    accept but a money column should not contain (NaN, Infinity, exponents)."""
    text = text.strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(f"not a plain decimal: {text!r}")
    return Decimal(text)


def fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def write_expected(name: str, sums: dict[str, Decimal]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["key", "cost"])
    for key in sorted(sums):
        w.writerow([key, fmt(sums[key])])
    (OUT / name).write_text(buf.getvalue(), encoding="utf-8", newline="")


def group(rows, key_fn, cost_fn) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        sums[key_fn(r)] += cost_fn(r)
    return dict(sums)


# ---------------------------------------------------------------------------
# Console CSV
# ---------------------------------------------------------------------------

def read_console() -> list[dict]:
    raw = CONSOLE.read_bytes()
    check(raw.startswith(b"\xef\xbb\xbf"), "console CSV has no UTF-8 BOM")
    body = raw[3:]
    check(body.endswith(b"\r\n"), "console CSV does not end with CRLF")
    check(body.count(b"\n") == body.count(b"\r\n"), "console CSV has a bare LF")
    text = body.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for r in rows:
        r["_cost"] = money(r["Cost (USD)"])
        r["_qty"] = money(r["Quantity"])
        family = re.sub(r" \((aws|gcp|azure) [^)]*\)$", "", r["SKU"])
        expected = r["_qty"] * PRICE_PER_UNIT[family]
        check(expected == r["_cost"],
              f"console cost {r['Cost (USD)']} != {r['Quantity']} x price for {r['SKU']}")
        check(r["Currency"] == "USD", f"non-USD row: {r}")
    return rows


def console_expected(rows: list[dict]) -> Decimal:
    october = [r for r in rows if r["Date"].startswith("2026-10-")]
    check(len(october) == len(rows), "console CSV has rows outside October 2026")
    cost = lambda r: r["_cost"]  # noqa: E731
    write_expected("console-by-sku.csv", group(october, lambda r: r["SKU"], cost))
    write_expected("console-by-project.csv", group(october, lambda r: r["Project Name"], cost))
    write_expected("console-by-service.csv", group(october, lambda r: r["Service"], cost))
    total = sum((r["_cost"] for r in october), Decimal(0))
    write_expected("console-total.csv", {"total": total})
    write_expected("console-by-project-sku.csv",
                   group(october, lambda r: r["Project Name"] + SEP + r["SKU"], cost))
    window = [r for r in october
              if r["Project Name"] == "search-prod" and "2026-10-03" <= r["Date"] <= "2026-10-17"]
    write_expected("console-2026-10-03_to_2026-10-17-search-prod-by-sku.csv",
                   group(window, lambda r: r["SKU"], cost))
    days = Counter(r["Date"] for r in october)
    print(f"console: {len(october)} rows, {len(days)} days "
          f"({min(days.values())}..{max(days.values())} rows/day), total {fmt(total)} USD; "
          f"search-prod 10-03..10-17: {len(window)} rows, "
          f"{fmt(sum((r['_cost'] for r in window), Decimal(0)))} USD")
    return total


# ---------------------------------------------------------------------------
# Real FOCUS 1.0 sample
# ---------------------------------------------------------------------------

def is_null(value: str) -> bool:
    return value == "NULL" or value == ""


def focus_sample_expected() -> None:
    raw = FOCUS_SAMPLE.read_text(encoding="utf-8")
    # The csv module cannot tell a bare NULL from a quoted "NULL"; the sample
    # has no quoted "NULL", so treating the text NULL as null is exact here.
    check('"NULL"' not in raw, 'focus sample contains a quoted "NULL"')
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    null_billed = sum(1 for r in rows if is_null(r["BilledCost"]))
    null_effective = sum(1 for r in rows if is_null(r["EffectiveCost"]))

    def billed(r):
        return Decimal(0) if is_null(r["BilledCost"]) else money(r["BilledCost"])

    def effective(r):
        return Decimal(0) if is_null(r["EffectiveCost"]) else money(r["EffectiveCost"])

    def service(r):
        return "" if is_null(r["ServiceName"]) else r["ServiceName"]

    def project(r):
        if not is_null(r["SubAccountName"]):
            return r["SubAccountName"]
        return "" if is_null(r["SubAccountId"]) else r["SubAccountId"]

    def day(r):
        start = r["ChargePeriodStart"]
        check(re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", start) is not None,
              f"unexpected ChargePeriodStart {start!r}")
        return start[:10]

    write_expected("focus-sample-by-service.csv", group(rows, service, billed))
    write_expected("focus-sample-by-project.csv", group(rows, project, billed))
    total = sum((billed(r) for r in rows), Decimal(0))
    write_expected("focus-sample-total.csv", {"total": total})
    by_day = group(rows, day, billed)
    write_expected("focus-sample-by-day.csv", by_day)
    eff = sum((effective(r) for r in rows), Decimal(0))
    write_expected("focus-sample-effective-total.csv", {"total": eff})
    print(f"focus sample: {len(rows)} rows ({null_billed} null BilledCost, "
          f"{null_effective} null EffectiveCost), {len(by_day)} days, "
          f"BilledCost total {fmt(total)}, EffectiveCost total {fmt(eff)}")


# ---------------------------------------------------------------------------
# FOCUS export zip
# ---------------------------------------------------------------------------

def read_export() -> list[dict]:
    with zipfile.ZipFile(EXPORT) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        parts = []
        for name in zf.namelist():
            m = re.fullmatch(r"part-(\d+)-of-(\d+)\.csv", name)
            if m:
                parts.append((int(m.group(1)), int(m.group(2)), name))
        parts.sort()  # by part number, not archive order
        check([p[0] for p in parts] == list(range(1, len(parts) + 1)), "missing export part")
        check(all(p[1] == len(parts) for p in parts), "inconsistent part-N-of-M names")
        counts = {f["name"]: f["rows"] for f in manifest["files"]}
        rows = []
        for _, _, name in parts:
            data = zf.read(name)
            check(not data.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM")
            check(b"\r" not in data, f"{name} has CR characters")
            part_rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
            check(counts.get(name) == len(part_rows),
                  f"manifest says {counts.get(name)} rows for {name}, found {len(part_rows)}")
            rows.extend(part_rows)
    starts = [r["ChargePeriodStart"] for r in rows]
    check(starts == sorted(starts), "export rows are not ordered by ChargePeriodStart")
    return rows


def export_expected(console_rows: list[dict], console_total: Decimal) -> None:
    rows = read_export()
    for r in rows:
        r["_cost"] = money(r["BilledCost"])
        check(r["EffectiveCost"] == r["ListCost"] == r["ContractedCost"] == r["BilledCost"],
              f"export cost columns differ: {r['BilledCost']}")
    write_expected("export-by-project.csv",
                   group(rows, lambda r: r["SubAccountName"], lambda r: r["_cost"]))
    total = sum((r["_cost"] for r in rows), Decimal(0))
    write_expected("export-total.csv", {"total": total})

    # Cross-check against the console CSV.
    usage = [r for r in rows if r["ChargeCategory"] == "Usage"]
    other = [r for r in rows if r["ChargeCategory"] != "Usage"]
    export_keys = Counter((r["ChargePeriodStart"][:10], r["SubAccountId"], r["SkuMeter"],
                           r["ResourceName"], r["_cost"]) for r in usage)
    console_keys = Counter((r["Date"], r["Project ID"], r["SKU"], r["Index"], r["_cost"])
                           for r in console_rows)
    check(export_keys == console_keys, "export usage rows differ from console rows")
    check(len(other) == 1 and other[0]["ChargeCategory"] == "Purchase"
          and other[0]["_cost"] == Decimal("100.00"), "expected exactly one $100 Purchase row")
    check(total == console_total + Decimal("100.00"),
          f"export total {fmt(total)} != console total {fmt(console_total)} + 100.00")
    print(f"export: {len(rows)} rows ({len(usage)} Usage + {len(other)} Purchase), "
          f"total {fmt(total)} USD (= console total + 100.00: "
          f"{total == console_total + Decimal('100.00')})")


def main() -> int:
    console_rows = read_console()
    console_total = console_expected(console_rows)
    focus_sample_expected()
    export_expected(console_rows, console_total)
    print(f"wrote {len(list(OUT.glob('*.csv')))} files to {OUT.relative_to(ROOT)}/")
    if failures:
        print(f"{len(failures)} CHECK(S) FAILED:", file=sys.stderr)
        for f in failures[:20]:
            print("  " + f, file=sys.stderr)
        return 1
    print("all self-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

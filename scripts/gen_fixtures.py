#!/usr/bin/env python3
"""Generate the deterministic test fixtures for `tally`.

Run from the repository root:

    python3 scripts/gen_fixtures.py

Writes (overwriting):

  fixtures/console/usage-2026-10.csv
      A synthetic vector-database console "Settings > Usage > Download" CSV for
      October 2026: UTF-8 with a BOM, CRLF line endings, one row per
      (UTC day, project, SKU, region, resource).

  fixtures/export/cost-usage-export-2026-10.zip
      The same usage as the Admin API "cost usage export": manifest.json plus
      three FOCUS 1.4 CSV parts (LF endings, no BOM). Archive member order is
      manifest.json, part-2, part-1, part-3 on purpose, so a reader has to sort
      the parts by part number instead of trusting archive order.
      It contains ONE extra row that is not in the console CSV: a
      `Purchase` charge for the monthly support plan, $100.00, whose charge
      period spans the whole month (2026-10-01T00:00:00Z .. 2026-11-01T00:00:00Z),
      SkuMeter `Support Plan (Standard)`, ServiceName `support`, billed to the
      organization (SubAccountId / SubAccountName empty). It exists to exercise
      multi-day charges. Export total = console total + 100.00.

  fixtures/focus-sample/{focus_sample.csv,README.md,LICENSE.md}
      Unmodified copy of the FinOps Foundation FOCUS 1.0 sample (CC BY 4.0)
      from /work/shared/data/focus/.

Determinism: a fixed random seed, sorted output, fixed zip timestamps and
attributes, so re-running produces byte-identical files.

Money is never a float: every price, quantity and cost is a decimal.Decimal
built from a string (or from integers), and every cost is the *exact* product
quantity x unit price (checked with the Inexact/Rounded traps).
"""

from __future__ import annotations

import csv
import decimal
import hashlib
import io
import json
import random
import shutil
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FOCUS_SAMPLE_SRC = Path("/work/shared/data/focus")

SEED = 20261001
YEAR, MONTH = 2026, 10
DAYS_IN_MONTH = 31
FIRST_DAY = date(YEAR, MONTH, 1)
NEXT_MONTH = date(2026, 11, 1)

# Exact arithmetic: any rounding while computing a cost is a bug.
EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.Rounded,
                                        decimal.InvalidOperation])

MILLION = Decimal(1_000_000)

CONSOLE_HEADER = [
    "Date", "Project ID", "Project Name", "Service", "SKU", "Region", "Index",
    "Quantity", "Unit", "Cost (USD)", "Currency", "Project Tags", "Index Tags",
]

FOCUS_HEADER = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodStart", "BillingPeriodEnd", "ChargeCategory",
    "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd",
    "ConsumedQuantity", "ConsumedUnit", "EffectiveCost", "ListCost",
    "ContractedCost", "ProviderName", "PublisherName", "InvoiceIssuerName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ServiceCategory",
    "ServiceName", "SkuId", "SkuMeter", "SubAccountId", "SubAccountName",
    "Tags", "x_ProjectTags", "x_IndexName",
]

# ---------------------------------------------------------------------------
# Organization, projects, regions, price list
# ---------------------------------------------------------------------------

BILLING_ACCOUNT_ID = "org-5521"
BILLING_ACCOUNT_NAME = "Acme Search, Inc."  # contains a comma on purpose
PROVIDER = "VectorCloud"                     # fictional vendor name
INVOICE_ISSUER = "VectorCloud, Inc."

PROJECTS = {
    # id: (name, console "Project Tags" string)
    "proj-7f3a": ("search-prod", "team=search;env=prod"),
    "proj-19bc": ("search-staging", "team=search;env=staging"),
    "proj-c2d4": ("support-bot", "team=support;env=prod;cost-center=cc-210"),
    "proj-88e1": ("analytics, EMEA", ""),  # comma in name; no project tags
}

# console region string -> (FOCUS RegionId, FOCUS RegionName)
REGIONS = {
    "aws us-east-1": ("us-east-1", "AWS US East (N. Virginia)"),
    "gcp us-central1": ("us-central1", "GCP Iowa (us-central1)"),
    "azure eastus2": ("eastus2", "Azure East US 2"),
    "aws eu-west-1": ("eu-west-1", "AWS Europe (Ireland)"),
}

# SKU family -> (service, unit, price per unit as an exact Decimal, FOCUS ServiceCategory)
SKU_FAMILIES = {
    "Serverless Read Units": ("database", "RU", Decimal("16.00") / MILLION, "Databases"),
    "Serverless Write Units": ("database", "WU", Decimal("4.00") / MILLION, "Databases"),
    "Serverless Storage": ("database", "GB-month", Decimal("0.33"), "Databases"),
    "Backup Storage": ("database", "GB-month", Decimal("0.10"), "Databases"),
    "Collections Storage": ("collections", "GB-month", Decimal("0.33"), "Storage"),
    "Assistants Input Tokens": ("assistants", "tokens", Decimal("8.00") / MILLION,
                                "AI and Machine Learning"),
    "Assistants Output Tokens": ("assistants", "tokens", Decimal("15.00") / MILLION,
                                 "AI and Machine Learning"),
    "Assistants Context Tokens Processed": ("assistants", "tokens", Decimal("5.00") / MILLION,
                                            "AI and Machine Learning"),
    "Embedding Tokens (multilingual-e5-large)": ("inference", "tokens",
                                                 Decimal("0.08") / MILLION,
                                                 "AI and Machine Learning"),
    "Rerank Requests (bge-reranker-v2-m3)": ("inference", "requests",
                                             Decimal("2.00") / Decimal(1000),
                                             "AI and Machine Learning"),
}
# Regional families carry the region in the SKU name: "Serverless Storage (aws us-east-1)".
REGIONAL_FAMILIES = {"Serverless Read Units", "Serverless Write Units",
                     "Serverless Storage", "Backup Storage", "Collections Storage"}

# Index tags (console "Index Tags" column, a JSON object or empty).
INDEX_TAGS = {
    "products": {"tier": "gold"},
    "docs-v2": {"tier": "silver", "owner": "docs"},
    "faq": {},
    "events-eu": {"tier": "bronze", "pii": "false"},
    "sessions-eu": {},
}

# Line items: one potential row per day each.
#   (project, family, region or "", index/assistant or "", base daily amount, p(present))
# Base amount: units/tokens/requests per day (integers), or GB stored for
# storage families (converted to a daily GB-month fraction below).
LINE_ITEMS = [
    # search-prod: the big one
    ("proj-7f3a", "Serverless Read Units", "aws us-east-1", "products", 1_450_000, 0.97),
    ("proj-7f3a", "Serverless Read Units", "aws us-east-1", "docs-v2", 520_000, 0.90),
    ("proj-7f3a", "Serverless Write Units", "aws us-east-1", "products", 780_000, 0.90),
    ("proj-7f3a", "Serverless Write Units", "aws us-east-1", "docs-v2", 240_000, 0.75),
    ("proj-7f3a", "Serverless Storage", "aws us-east-1", "products", "118.5", 1.0),
    ("proj-7f3a", "Serverless Storage", "aws us-east-1", "docs-v2", "41.25", 1.0),
    ("proj-7f3a", "Backup Storage", "aws us-east-1", "products", "118.5", 1.0),
    ("proj-7f3a", "Collections Storage", "aws us-east-1", "", "36.8", 1.0),
    ("proj-7f3a", "Embedding Tokens (multilingual-e5-large)", "", "", 28_000_000, 0.95),
    ("proj-7f3a", "Rerank Requests (bge-reranker-v2-m3)", "", "", 4_800, 0.90),
    # search-staging: small, bursty
    ("proj-19bc", "Serverless Read Units", "gcp us-central1", "products", 95_000, 0.70),
    ("proj-19bc", "Serverless Write Units", "gcp us-central1", "products", 60_000, 0.55),
    ("proj-19bc", "Serverless Storage", "gcp us-central1", "products", "14.2", 1.0),
    ("proj-19bc", "Embedding Tokens (multilingual-e5-large)", "", "", 2_500_000, 0.50),
    # support-bot: an index plus two assistants
    ("proj-c2d4", "Serverless Read Units", "azure eastus2", "faq", 380_000, 0.95),
    ("proj-c2d4", "Serverless Write Units", "azure eastus2", "faq", 45_000, 0.65),
    ("proj-c2d4", "Serverless Storage", "azure eastus2", "faq", "7.9", 1.0),
    ("proj-c2d4", "Assistants Input Tokens", "", "faq-bot", 820_000, 0.95),
    ("proj-c2d4", "Assistants Output Tokens", "", "faq-bot", 190_000, 0.95),
    ("proj-c2d4", "Assistants Context Tokens Processed", "", "faq-bot", 1_450_000, 0.95),
    ("proj-c2d4", "Assistants Input Tokens", "", "triage", 410_000, 0.80),
    ("proj-c2d4", "Assistants Output Tokens", "", "triage", 95_000, 0.80),
    ("proj-c2d4", "Assistants Context Tokens Processed", "", "triage", 700_000, 0.80),
    ("proj-c2d4", "Embedding Tokens (multilingual-e5-large)", "", "", 6_000_000, 0.85),
    # analytics, EMEA
    ("proj-88e1", "Serverless Read Units", "aws eu-west-1", "events-eu", 310_000, 0.90),
    ("proj-88e1", "Serverless Read Units", "aws eu-west-1", "sessions-eu", 120_000, 0.60),
    ("proj-88e1", "Serverless Write Units", "aws eu-west-1", "events-eu", 420_000, 0.90),
    ("proj-88e1", "Serverless Write Units", "aws eu-west-1", "sessions-eu", 150_000, 0.60),
    ("proj-88e1", "Serverless Storage", "aws eu-west-1", "events-eu", "61.4", 1.0),
    ("proj-88e1", "Serverless Storage", "aws eu-west-1", "sessions-eu", "9.75", 1.0),
    ("proj-88e1", "Backup Storage", "aws eu-west-1", "events-eu", "61.4", 1.0),
    ("proj-88e1", "Rerank Requests (bge-reranker-v2-m3)", "", "", 900, 0.50),
]

SUPPORT_PLAN_COST = Decimal("100.00")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def sku_name(family: str, region: str) -> str:
    return f"{family} ({region})" if family in REGIONAL_FAMILIES else family


def fmt_decimal(d: Decimal) -> str:
    """Plain notation, trailing zeros stripped, but at least 2 decimal places
    for money (so 24 -> "24.00", 0.1976480 -> "0.197648"). Value-preserving."""
    d = d.normalize(EXACT)
    if d == 0:
        d = Decimal("0")
    if d.as_tuple().exponent > -2:
        d = d.quantize(Decimal("0.01"), context=EXACT)
    s = format(d, "f")
    assert "E" not in s and "e" not in s
    assert Decimal(s) == d
    return s


def fmt_quantity(q: Decimal) -> str:
    """Quantities: integers as integers, fractional GB-month with up to 6 decimals."""
    s = format(q, "f")
    assert Decimal(s) == q
    return s


def index_tags_json(index: str) -> str:
    tags = INDEX_TAGS.get(index)
    return json.dumps(tags, separators=(",", ":")) if tags else ""


def project_tags_json(tag_string: str) -> str:
    """`team=search;env=prod` -> `{"team":"search","env":"prod"}` (order kept)."""
    if not tag_string:
        return ""
    pairs = [kv.split("=", 1) for kv in tag_string.split(";")]
    return json.dumps({k: v for k, v in pairs}, separators=(",", ":"))


def sku_id(sku: str) -> str:
    """Opaque but stable id per SKU (deterministic, independent of run)."""
    return "SKU-" + hashlib.sha256(sku.encode("utf-8")).hexdigest()[:12].upper()


def iso_z(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


# ---------------------------------------------------------------------------
# Generate the usage rows
# ---------------------------------------------------------------------------

def generate_usage() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for day_index in range(DAYS_IN_MONTH):
        day = FIRST_DAY + timedelta(days=day_index)
        # spend grows ~45% over the month; weekends a bit quieter
        # (Decimal throughout: no float anywhere near a number we write)
        growth = 1 + Decimal("0.45") * day_index / (DAYS_IN_MONTH - 1)
        weekend = Decimal("0.8") if day.weekday() >= 5 else Decimal(1)
        for project_id, family, region, index, base, p_present in LINE_ITEMS:
            # always draw both numbers so the random stream does not depend
            # on which rows were skipped
            present_draw = rng.random()
            noise_permille = rng.randint(850, 1150)
            if present_draw >= p_present:
                continue
            service, unit, price, _cat = SKU_FAMILIES[family]
            if unit == "GB-month":
                # stored GB grows linearly over the month (storage has no
                # weekend dip); one day's share of a month, 6 decimals.
                gb = Decimal(base) * (Decimal(1000 + 12 * day_index) / Decimal(1000))
                gb = gb * Decimal(noise_permille + 9000) / Decimal(10000)  # +-1.5%
                quantity = (gb / Decimal(DAYS_IN_MONTH)).quantize(
                    Decimal("0.000001"), rounding=decimal.ROUND_HALF_EVEN)
            else:
                amount = Decimal(base) * growth * weekend * noise_permille / 1000
                quantity = amount.quantize(Decimal(1), rounding=decimal.ROUND_HALF_EVEN)
            cost = EXACT.multiply(quantity, price)
            project_name, project_tags = PROJECTS[project_id]
            rows.append({
                "date": day,
                "project_id": project_id,
                "project_name": project_name,
                "service": service,
                "sku": sku_name(family, region),
                "family": family,
                "region": region,
                "index": index,
                "quantity": quantity,
                "unit": unit,
                "cost": cost,
                "project_tags": project_tags,
                "index_tags": index_tags_json(index) if service == "database" else "",
            })
    # ordered by date, then project (by Project ID), then SKU; Index breaks ties
    rows.sort(key=lambda r: (r["date"], r["project_id"], r["sku"], r["index"]))
    keys = [(r["date"], r["project_id"], r["sku"], r["region"], r["index"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate (day, project, SKU, region, resource)"
    return rows


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def write_console_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(CONSOLE_HEADER)
    for r in rows:
        w.writerow([
            r["date"].isoformat(), r["project_id"], r["project_name"], r["service"],
            r["sku"], r["region"], r["index"], fmt_quantity(r["quantity"]), r["unit"],
            fmt_decimal(r["cost"]), "USD", r["project_tags"], r["index_tags"],
        ])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def focus_rows(rows: list[dict]) -> list[list[str]]:
    billing_start, billing_end = iso_z(FIRST_DAY), iso_z(NEXT_MONTH)
    out = []
    for r in rows:
        service, unit, price, category = SKU_FAMILIES[r["family"]]
        region_id, region_name = REGIONS[r["region"]] if r["region"] else ("", "")
        cost = fmt_decimal(r["cost"])
        if r["index"]:
            kind = "assistants" if service == "assistants" else "indexes"
            resource_id = f"{r['project_id']}/{kind}/{r['index']}"
            description = f"{r['sku']} for {r['index']}"
        elif service == "collections":
            resource_id = f"{r['project_id']}/collections"
            description = r["sku"]
        else:
            resource_id = ""
            description = r["sku"]
        out.append([
            cost, BILLING_ACCOUNT_ID, BILLING_ACCOUNT_NAME, "USD",
            billing_start, billing_end, "Usage", description,
            iso_z(r["date"]), iso_z(r["date"] + timedelta(days=1)),
            fmt_quantity(r["quantity"]), r["unit"], cost, cost, cost,
            PROVIDER, PROVIDER, INVOICE_ISSUER,
            region_id, region_name, resource_id, r["index"], category,
            service, sku_id(r["sku"]), r["sku"], r["project_id"], r["project_name"],
            project_tags_json(r["project_tags"]), r["project_tags"], r["index"],
        ])
    # The one extra, export-only row: a month-long Purchase (support plan),
    # billed to the organization (no project). Appended after the usage rows;
    # the stable sort below keeps it after the 2026-10-01 usage rows.
    plan = fmt_decimal(SUPPORT_PLAN_COST)
    out.append([
        plan, BILLING_ACCOUNT_ID, BILLING_ACCOUNT_NAME, "USD",
        billing_start, billing_end, "Purchase", "Support Plan (Standard), October 2026",
        iso_z(FIRST_DAY), iso_z(NEXT_MONTH), "", "", plan, plan, plan,
        PROVIDER, PROVIDER, INVOICE_ISSUER, "", "", "", "", "Other",
        "support", sku_id("Support Plan (Standard)"), "Support Plan (Standard)",
        "", "", "", "", "",
    ])
    start_col = FOCUS_HEADER.index("ChargePeriodStart")
    out.sort(key=lambda row: row[start_col])  # stable
    return out


def csv_text_lf(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def split_three(rows: list) -> list[list]:
    n = len(rows)
    sizes = [n // 3 + (1 if i < n % 3 else 0) for i in range(3)]
    parts, start = [], 0
    for size in sizes:
        parts.append(rows[start:start + size])
        start += size
    return parts


def write_export_zip(rows: list[dict], path: Path) -> list[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = split_three(focus_rows(rows))
    names = [f"part-{i}-of-3.csv" for i in (1, 2, 3)]
    manifest = {
        "export_type": "cost_usage",
        "focus_version": "1.4",
        "organization_id": BILLING_ACCOUNT_ID,
        "currency": "USD",
        "period_start": iso_z(FIRST_DAY),
        "period_end": iso_z(NEXT_MONTH),
        "generated_at": "2026-11-02T00:00:00Z",
        "files": [{"name": n, "rows": len(p)} for n, p in zip(names, parts)],
        "total_rows": sum(len(p) for p in parts),
    }
    members = {
        "manifest.json": (json.dumps(manifest, indent=2) + "\n").encode("utf-8"),
    }
    for n, p in zip(names, parts):
        members[n] = csv_text_lf(FOCUS_HEADER, p)
    # deliberately not in part order
    order = ["manifest.json", "part-2-of-3.csv", "part-1-of-3.csv", "part-3-of-3.csv"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3               # Unix, regardless of host
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            zf.writestr(info, members[name], compresslevel=9)
    path.write_bytes(buf.getvalue())
    return [len(p) for p in parts]


def copy_focus_sample(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("focus_sample.csv", "README.md", "LICENSE.md"):
        shutil.copyfile(FOCUS_SAMPLE_SRC / name, dest / name)
        (dest / name).chmod(0o644)


def main() -> None:
    rows = generate_usage()
    write_console_csv(rows, FIXTURES / "console" / "usage-2026-10.csv")
    part_sizes = write_export_zip(rows, FIXTURES / "export" / "cost-usage-export-2026-10.zip")
    copy_focus_sample(FIXTURES / "focus-sample")

    per_day: dict[date, int] = {}
    for r in rows:
        per_day[r["date"]] = per_day.get(r["date"], 0) + 1
    total = sum((r["cost"] for r in rows), Decimal(0))
    print(f"console rows: {len(rows)} (per day {min(per_day.values())}..{max(per_day.values())})")
    print(f"console total: {fmt_decimal(total)} USD")
    print(f"export rows: {sum(part_sizes)} in parts {part_sizes} "
          f"(console rows + 1 support-plan Purchase)")
    print(f"export total: {fmt_decimal(total + SUPPORT_PLAN_COST)} USD")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate the Parquet test fixtures for `tally` (needs pyarrow; CI does not have it, so the
generated files are committed).

Run from the repository root:

    pip install pyarrow
    python3 scripts/gen_parquet_fixtures.py

Writes (overwriting) under fixtures/parquet/:

  aws/focus/data/BILLING_PERIOD=2026-09/focus-00001.snappy.parquet
  aws/focus/data/BILLING_PERIOD=2026-10/focus-00001.snappy.parquet
  aws/focus/metadata/BILLING_PERIOD=2026-10/focus-Manifest.json
      Shaped like an AWS Data Exports FOCUS 1.0 export: a hive folder tree, money as DOUBLE,
      timestamps as TIMESTAMP(MILLIS, UTC), Tags as MAP<string,string>, snappy, 100-row row
      groups, some nulls (RegionId, ResourceId, Tags, ConsumedQuantity). The September file
      holds September rows plus a few on 2026-10-01 (late data), so a report for October must
      read both.

  azure/part_1_0001.snappy.parquet, azure/manifest.json
      Shaped like an Azure cost export: money as DECIMAL(38,18), timestamps as TIMESTAMP(MICROS)
      not adjusted to UTC, Tags as a JSON string.

  doubles.gz.parquet
      DOUBLE costs such as 0.1, 1e-7 and 0.30000000000000004, timestamps as legacy INT96,
      gzip-compressed.

  bad/nan-cost.parquet
      Three rows; the second has a NaN BilledCost.

  expected.json
      Totals computed here independently, with Python's decimal module from repr(float) (also
      the shortest round-trip text): per file set, the October 2026 total, by service and by
      tag:team, and the rows of each file.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "parquet"
SEED = 20261129

SERVICES = [
    ("Amazon Elastic Compute Cloud", "Compute"),
    ("Amazon Simple Storage Service", "Storage"),
    ("AWS Lambda", "Compute"),
    ("Amazon Relational Database Service", "Databases"),
]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", None]
TEAMS = ["search", "ads", "infra"]


def money(rng: random.Random) -> float:
    """A cost as a provider writes it to a DOUBLE: a decimal of up to 10 places, as a float."""
    digits = rng.choice([2, 4, 6, 8, 10])
    return float(Decimal(rng.randint(0, 5_000_000)) / Decimal(10) ** digits)


def aws_rows(rng: random.Random, days: list[datetime], count: int) -> list[dict]:
    rows = []
    for i in range(count):
        start = rng.choice(days) + timedelta(hours=rng.randint(0, 23))
        service, category = rng.choice(SERVICES)
        tags = None
        if rng.random() < 0.8:
            tags = [("team", rng.choice(TEAMS))]
            if rng.random() < 0.5:
                tags.append(("env", rng.choice(["prod", "dev"])))
        cost = money(rng)
        rows.append(
            {
                "BilledCost": cost,
                "BillingAccountId": "123456789012",
                "BillingCurrency": "USD",
                "BillingPeriodStart": start.replace(day=1, hour=0),
                "ChargeCategory": "Usage",
                "ChargeDescription": f"{service} usage",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": start + timedelta(hours=1),
                "ConsumedQuantity": None if i % 7 == 0 else float(rng.randint(1, 1000)),
                "ConsumedUnit": "Hrs",
                "EffectiveCost": cost,
                "ListCost": cost,
                "ProviderName": "AWS",
                "RegionId": rng.choice(REGIONS),
                "ResourceId": None if i % 5 == 0 else f"arn:aws:ec2:i-{i:05d}",
                "ServiceCategory": category,
                "ServiceName": service,
                "SkuId": f"SKU{rng.randint(1, 9)}",
                "SubAccountId": rng.choice(["111111111111", "222222222222"]),
                "SubAccountName": None,
                "Tags": tags,
                "x_ServiceCode": service.replace(" ", ""),
            }
        )
    rows.sort(key=lambda r: r["ChargePeriodStart"])
    return rows


AWS_SCHEMA = pa.schema(
    [
        ("BilledCost", pa.float64()),
        ("BillingAccountId", pa.string()),
        ("BillingCurrency", pa.string()),
        ("BillingPeriodStart", pa.timestamp("ms", tz="UTC")),
        ("ChargeCategory", pa.string()),
        ("ChargeDescription", pa.string()),
        ("ChargePeriodStart", pa.timestamp("ms", tz="UTC")),
        ("ChargePeriodEnd", pa.timestamp("ms", tz="UTC")),
        ("ConsumedQuantity", pa.float64()),
        ("ConsumedUnit", pa.string()),
        ("EffectiveCost", pa.float64()),
        ("ListCost", pa.float64()),
        ("ProviderName", pa.string()),
        ("RegionId", pa.string()),
        ("ResourceId", pa.string()),
        ("ServiceCategory", pa.string()),
        ("ServiceName", pa.string()),
        ("SkuId", pa.string()),
        ("SubAccountId", pa.string()),
        ("SubAccountName", pa.string()),
        ("Tags", pa.map_(pa.string(), pa.string())),
        ("x_ServiceCode", pa.string()),
    ]
)


def write(rows: list[dict], schema: pa.Schema, path: Path, **options) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, row_group_size=100, **options)


def expected(rows: list[dict], cost_text, tag_of) -> dict:
    """October 2026 totals from the cost texts, exactly."""
    total = Decimal(0)
    by_service: dict[str, Decimal] = {}
    by_team: dict[str, Decimal] = {}
    for row in rows:
        start = row["ChargePeriodStart"]
        if (start.year, start.month) != (2026, 10):
            continue
        cost = Decimal(cost_text(row["BilledCost"]))
        total += cost
        service = row["ServiceName"]
        by_service[service] = by_service.get(service, Decimal(0)) + cost
        team = tag_of(row) or ""
        by_team[team] = by_team.get(team, Decimal(0)) + cost
    return {
        "total": str(total),
        "by_service": {k: str(v) for k, v in sorted(by_service.items())},
        "by_tag_team": {k: str(v) for k, v in sorted(by_team.items())},
    }


def aws_team(row: dict) -> str | None:
    return dict(row["Tags"] or []).get("team")


def main() -> None:
    rng = random.Random(SEED)
    if OUT.exists():
        shutil.rmtree(OUT)
    result: dict = {"rows": {}}

    # AWS Data Exports: one hive partition per billing period.
    utc = timezone.utc
    september = [datetime(2026, 9, d, tzinfo=utc) for d in range(1, 31)]
    october = [datetime(2026, 10, d, tzinfo=utc) for d in range(1, 32)]
    sep_rows = aws_rows(rng, september, 80) + aws_rows(rng, october[:1], 5)
    oct_rows = aws_rows(rng, october, 300)
    aws = OUT / "aws" / "focus"
    files = {
        "2026-09": sep_rows,
        "2026-10": oct_rows,
    }
    for period, rows in files.items():
        path = aws / "data" / f"BILLING_PERIOD={period}" / "focus-00001.snappy.parquet"
        write(rows, AWS_SCHEMA, path, compression="snappy")
        result["rows"][str(path.relative_to(OUT))] = len(rows)
    manifest = aws / "metadata" / "BILLING_PERIOD=2026-10" / "focus-Manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(
            {
                "exportName": "focus",
                "billingPeriod": {"start": "2026-10-01T00:00:00Z"},
                "dataFiles": ["data/BILLING_PERIOD=2026-10/focus-00001.snappy.parquet"],
                "schema": [{"name": f.name, "type": str(f.type)} for f in AWS_SCHEMA],
            },
            indent=2,
        )
        + "\n"
    )
    result["aws"] = expected(sep_rows + oct_rows, repr, aws_team)

    # Azure: DECIMAL(38,18) money, zone-less microsecond timestamps, JSON tags.
    azure_rows = []
    for row in aws_rows(rng, october, 120):
        cost = Decimal(rng.randint(0, 10**12)) / Decimal(10) ** rng.choice([6, 12, 18])
        team = aws_team(row)
        azure_rows.append(
            {
                "BilledCost": cost,
                "BillingCurrency": "USD",
                "ChargePeriodStart": row["ChargePeriodStart"].replace(tzinfo=None),
                "ConsumedQuantity": Decimal(rng.randint(0, 10**6)) / 1000,
                "EffectiveCost": cost,
                "RegionId": row["RegionId"],
                "ResourceId": row["ResourceId"],
                "ServiceName": row["ServiceName"].replace("Amazon", "Azure"),
                "SkuId": row["SkuId"],
                "SubAccountId": "sub-0001",
                "Tags": None if team is None else json.dumps({"team": team}),
            }
        )
    azure_schema = pa.schema(
        [
            ("BilledCost", pa.decimal128(38, 18)),
            ("BillingCurrency", pa.string()),
            ("ChargePeriodStart", pa.timestamp("us")),
            ("ConsumedQuantity", pa.decimal128(38, 18)),
            ("EffectiveCost", pa.decimal128(38, 18)),
            ("RegionId", pa.string()),
            ("ResourceId", pa.string()),
            ("ServiceName", pa.string()),
            ("SkuId", pa.string()),
            ("SubAccountId", pa.string()),
            ("Tags", pa.string()),
        ]
    )
    path = OUT / "azure" / "part_1_0001.snappy.parquet"
    write(azure_rows, azure_schema, path, compression="snappy")
    result["rows"][str(path.relative_to(OUT))] = len(azure_rows)
    (OUT / "azure" / "manifest.json").write_text(
        json.dumps(
            {
                "manifestVersion": "2024-04-01",
                "blobCount": 1,
                "dataRowCount": len(azure_rows),
                "blobs": [{"blobName": "part_1_0001.snappy.parquet", "dataRowCount": len(azure_rows)}],
            },
            indent=2,
        )
        + "\n"
    )
    result["azure"] = expected(
        azure_rows, str, lambda r: r["Tags"] and json.loads(r["Tags"])["team"]
    )

    # Doubles whose shortest round-trip text is what must be summed.
    values = [0.1, 0.2, 1e-7, 0.30000000000000004, 123.456, 5e-10, 0.1 + 0.7, 1234567.891]
    doubles = [
        {
            "BilledCost": value,
            "ChargePeriodStart": datetime(2026, 10, 1 + i, 12, tzinfo=utc),
            "ServiceName": "doubles",
            "SkuId": f"SKU{i % 2}",
            "BillingCurrency": "USD",
            "Tags": None,
        }
        for i, value in enumerate(values)
    ]
    doubles_schema = pa.schema(
        [
            ("BilledCost", pa.float64()),
            ("ChargePeriodStart", pa.timestamp("ns", tz="UTC")),
            ("ServiceName", pa.string()),
            ("SkuId", pa.string()),
            ("BillingCurrency", pa.string()),
            ("Tags", pa.string()),
        ]
    )
    path = OUT / "doubles.gz.parquet"
    write(
        doubles,
        doubles_schema,
        path,
        compression="gzip",
        use_deprecated_int96_timestamps=True,
    )
    result["rows"][str(path.relative_to(OUT))] = len(doubles)
    result["doubles"] = expected(doubles, repr, lambda r: None)
    result["doubles"]["texts"] = [repr(v) for v in values]

    # A NaN cost: a bad row.
    bad = [
        {"BilledCost": v, "ChargePeriodStart": datetime(2026, 10, 2, tzinfo=utc),
         "ServiceName": "nan", "SkuId": "SKU1", "BillingCurrency": "USD", "Tags": None}
        for v in [1.5, float("nan"), 2.25]
    ]
    path = OUT / "bad" / "nan-cost.parquet"
    write(bad, doubles_schema, path, compression="snappy")
    result["rows"][str(path.relative_to(OUT))] = len(bad)

    (OUT / "expected.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    for file in sorted(OUT.rglob("*")):
        if file.is_file():
            print(f"{file.stat().st_size:>8}  {file.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

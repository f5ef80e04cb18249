#!/usr/bin/env python3
"""Generate fixtures/real-world/: small FOCUS and console files in each provider's shape,
plus cases.json with the expected results, computed from the same in-memory rows.

Run from anywhere:

    python3 scripts/gen_real_world.py

Only the Python standard library is used. Money and quantities are `decimal.Decimal`
parsed from the text exactly as it is written into the files; no float is involved.
The expectations follow the FOCUS reading rules of docs/inputs.md (day = UTC day of
ChargePeriodStart, every ChargeCategory counts, null spellings, exponent numbers, field
fallback chains, `--spread-charges`), implemented here independently of tally: this
script never runs tally.

Output is deterministic (fixed zip timestamps, no randomness): re-running rewrites
byte-identical files.
"""

from __future__ import annotations

import calendar
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "real-world"
AS_OF = "2026-11-28"


# --------------------------------------------------------------------------------------
# Values


class NullTok(str):
    """A cell written verbatim that means null (`null`, `Null`, `NULL`, empty)."""


def is_null(v) -> bool:
    if v is None or isinstance(v, NullTok):
        return True
    return v == "" or v.lower() == "null"


NUMERIC = {
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity",
    "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "x_BilledCostInUsd",
    "x_EffectiveCostInUsd", "PricingCurrencyEffectiveCost",
}

TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_ts(text: str) -> datetime:
    """An ISO 8601 timestamp as FOCUS files write it, to an aware UTC datetime."""
    m = TS_RE.match(text)
    if not m:
        raise ValueError(f"bad timestamp {text!r}")
    y, mo, d, hh, mm, ss, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0), micro)
    if zone in (None, "Z"):
        return dt.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (dt - sign * offset).replace(tzinfo=timezone.utc)


def scale_of(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)


def plain(d: Decimal) -> str:
    """Exact decimal text without exponent or trailing zeros (`1E+3` -> `1000`)."""
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


# --------------------------------------------------------------------------------------
# Files


@dataclass
class CsvFile:
    name: str
    kind: str                     # "focus" or "console"
    header: list[str]
    rows: list[dict]
    style: str = "plain"          # "aws": strings quoted, NULL bare; "plain": minimal quoting
    null: str = ""                # how a None cell is written
    delimiter: str = ","
    newline: str = "\n"
    bom: bool = False
    encoding: str = "utf-8"
    what: str = ""               # one line for the README

    def cell(self, col: str, v) -> str:
        if isinstance(v, NullTok):
            return str(v)
        if v is None:
            return self.null
        v = str(v)
        if self.style == "aws" and col not in NUMERIC:
            return '"' + v.replace('"', '""') + '"'
        if any(c in v for c in (self.delimiter, '"', "\r", "\n")):
            return '"' + v.replace('"', '""') + '"'
        return v

    def text(self) -> str:
        head = [('"' + h + '"') if self.style == "aws" else h for h in self.header]
        lines = [self.delimiter.join(head)]
        for row in self.rows:
            unknown = set(row) - set(self.header)
            assert not unknown, (self.name, unknown)
            lines.append(self.delimiter.join(self.cell(c, row.get(c)) for c in self.header))
        return self.newline.join(lines) + self.newline

    def data(self) -> bytes:
        body = self.text()
        if self.encoding == "utf-16":
            return body.encode("utf-16")          # with its BOM, little-endian
        raw = body.encode("utf-8")
        return (b"\xef\xbb\xbf" + raw) if self.bom else raw


@dataclass
class ZipExport:
    name: str
    manifest: dict
    parts: list[CsvFile]
    what: str = ""

    def data(self) -> bytes:
        members = {"manifest.json": (json.dumps(self.manifest, indent=2) + "\n").encode()}
        for p in self.parts:
            members[p.name] = p.data()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            # part 2 before part 1: a reader must order by part number, not archive order
            for name in ["manifest.json"] + [p.name for p in reversed(self.parts)]:
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 2, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                zf.writestr(info, members[name], compresslevel=9)
        return buf.getvalue()

    @property
    def rows(self) -> list[dict]:
        return [r for p in self.parts for r in p.rows]

    @property
    def header(self) -> list[str]:
        return self.parts[0].header

    kind = "focus"


# --------------------------------------------------------------------------------------
# Headers

AWS_10 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
]

AZURE_10 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
    "x_BilledCostInUsd", "x_EffectiveCostInUsd", "x_SkuMeterName",
]

AZURE_12 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountId", "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit",
    "ContractedCost", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
    "PricingCategory", "PricingCurrency", "PricingCurrencyEffectiveCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId",
    "ResourceName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
    "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags", "x_SkuMeterName",
]

# GCP-shaped: no SkuMeter/SkuId (sku only in ChargeDescription), no ResourceName,
# no SubAccountName, no ConsumedQuantity/ConsumedUnit (PricingQuantity/PricingUnit only).
GCP = [
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "ListCost",
    "PricingQuantity", "PricingUnit", "ProviderName", "RegionId", "RegionName", "ResourceId",
    "ServiceCategory", "ServiceName", "SubAccountId", "Tags",
]

# This vendor's cost usage export (same columns as fixtures/export/).
VENDOR_14 = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodStart", "BillingPeriodEnd", "ChargeCategory", "ChargeDescription",
    "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit",
    "EffectiveCost", "ListCost", "ContractedCost", "ProviderName", "PublisherName",
    "InvoiceIssuerName", "RegionId", "RegionName", "ResourceId", "ResourceName",
    "ServiceCategory", "ServiceName", "SkuId", "SkuMeter", "SubAccountId", "SubAccountName",
    "Tags", "x_ProjectTags", "x_IndexName",
]

SMALL = [
    "BilledCost", "BillingCurrency", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit",
    "EffectiveCost", "RegionId", "RegionName", "ResourceId", "ResourceName",
    "ServiceCategory", "ServiceName", "SkuId", "SkuMeter", "SubAccountId", "SubAccountName",
    "Tags",
]

CONSOLE = [
    "Date", "Project ID", "Project Name", "Service", "SKU", "Region", "Index", "Quantity",
    "Unit", "Cost (USD)", "Currency", "Project Tags", "Index Tags",
]


def z(day: date, hour: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


D = date


def month_bounds(y: int, m: int) -> tuple[date, date]:
    first = date(y, m, 1)
    last = date(y, m, calendar.monthrange(y, m)[1])
    return first, last


# --------------------------------------------------------------------------------------
# AWS Data Exports "FOCUS 1.0 with AWS columns", CSV: strings quoted, NULL bare.


def aws_row(**kw) -> dict:
    base = {
        "BillingAccountId": "111122223333", "BillingAccountName": "Acme Search",
        "BillingCurrency": "USD", "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "BillingPeriodEnd": "2026-11-01T00:00:00Z", "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based", "InvoiceIssuerName": "Amazon Web Services, Inc.",
        "ProviderName": "AWS", "PublisherName": "Amazon Web Services, Inc.",
        "PricingCategory": "Standard", "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)", "SubAccountId": "444455556666",
        "SubAccountName": "search-prod",
    }
    base.update(kw)
    for cost in ("EffectiveCost", "ListCost", "ContractedCost"):
        base.setdefault(cost, base["BilledCost"])
    return base


def aws_files() -> list[CsvFile]:
    oct_rows = [
        aws_row(BilledCost="12.3456000000", ChargeDescription="$0.023 per GB-Month of storage used",
                ChargePeriodStart=z(D(2026, 10, 1)), ChargePeriodEnd=z(D(2026, 10, 2)),
                ConsumedQuantity="536.7652173913", ConsumedUnit="GB-Mo",
                PricingQuantity="536.7652173913", PricingUnit="GB-Mo",
                ResourceId="arn:aws:s3:::acme-vectors-backup", ResourceName=None,
                ResourceType="Bucket", ServiceCategory="Storage",
                ServiceName="Amazon Simple Storage Service", SkuId="SKU-S3-STD-USE1",
                SkuPriceId="SKU-S3-STD-USE1.RATE1", Tags='{"team":"search","env":"prod"}'),
        aws_row(BilledCost="0.0416000000", ChargeDescription="$0.0416 per On Demand Linux m7g.medium Instance Hour",
                ChargePeriodStart="2026-10-05T13:00:00Z", ChargePeriodEnd="2026-10-05T14:00:00Z",
                AvailabilityZone="us-east-1a", ConsumedQuantity="1.0000000000", ConsumedUnit="Hrs",
                PricingQuantity="1.0000000000", PricingUnit="Hrs",
                ResourceId="i-0a1b2c3d4e5f60718", ResourceName="ingest-worker-1",
                ResourceType="Instance", ServiceCategory="Compute",
                ServiceName="Amazon Elastic Compute Cloud", SkuId="SKU-EC2-M7G-MED",
                SkuPriceId="SKU-EC2-M7G-MED.OD", Tags='{"team":"infra"}'),
        aws_row(BilledCost="0.00000080000", ChargeDescription="$0.40 per million standard requests",
                ChargePeriodStart="2026-10-20T07:00:00Z", ChargePeriodEnd="2026-10-20T08:00:00Z",
                ConsumedQuantity="2.000000000000000", ConsumedUnit="Requests",
                PricingQuantity="2.00000000000", PricingUnit="Requests",
                ResourceId="arn:aws:sqs:us-east-1:444455556666:reindex-queue", ResourceName=None,
                ResourceType="Queue", ServiceCategory="Integration",
                ServiceName="Amazon Simple Queue Service", SkuId="SKU-SQS-STD",
                SkuPriceId="SKU-SQS-STD.T1", Tags='{"team":"search"}'),
        aws_row(BilledCost="7.3100000000", ChargeDescription="$0.023 per GB-Month of storage used",
                ChargePeriodStart="2026-10-31T23:00:00Z", ChargePeriodEnd="2026-11-01T00:00:00Z",
                ConsumedQuantity="317.8260869565", ConsumedUnit="GB-Mo",
                PricingQuantity="317.8260869565", PricingUnit="GB-Mo",
                ResourceId="arn:aws:s3:::acme-vectors-backup", ResourceName=None,
                ResourceType="Bucket", ServiceCategory="Storage",
                ServiceName="Amazon Simple Storage Service", SkuId="SKU-S3-STD-USE1",
                SkuPriceId="SKU-S3-STD-USE1.RATE1", Tags='{"team":"search","env":"prod"}'),
        # Tax for the month, account level: no sub account, no SKU, no resource.
        aws_row(BilledCost="4.2100000000", ChargeCategory="Tax", ChargeFrequency="Recurring",
                ChargeDescription="Tax for October 2026", ChargePeriodStart=z(D(2026, 10, 1)),
                ChargePeriodEnd=z(D(2026, 11, 1)), ServiceCategory="Other", ServiceName="Tax",
                SubAccountId=None, SubAccountName=None, RegionId=None, RegionName=None),
        # Promotional credit: negative, stays negative.
        aws_row(BilledCost="-5.0000000000", ChargeCategory="Credit", ChargeFrequency="One-Time",
                ChargeDescription="Promotional credit: startup program", ChargePeriodStart=z(D(2026, 10, 1)),
                ChargePeriodEnd=z(D(2026, 11, 1)), ServiceCategory="Other",
                ServiceName="Amazon Simple Storage Service", RegionId=None, RegionName=None),
        # A rounding adjustment.
        aws_row(BilledCost="0.0100000000", ChargeCategory="Adjustment", ChargeFrequency="One-Time",
                ChargeDescription="Rounding adjustment", ChargePeriodStart=z(D(2026, 10, 31)),
                ChargePeriodEnd=z(D(2026, 11, 1)), ServiceCategory="Other",
                ServiceName="Amazon Simple Storage Service", RegionId=None, RegionName=None),
        # Correction, billed on the October invoice, for September usage: ChargeClass set,
        # ChargePeriod = when the cost was incurred (September), BillingPeriod = October.
        aws_row(BilledCost="-1.2500000000", ChargeClass="Correction",
                ChargeDescription="$0.023 per GB-Month of storage used",
                ChargePeriodStart=z(D(2026, 9, 14)), ChargePeriodEnd=z(D(2026, 9, 15)),
                ConsumedQuantity=None, ConsumedUnit=None, PricingQuantity="-54.3478260870",
                PricingUnit="GB-Mo", ResourceId="arn:aws:s3:::acme-vectors-backup",
                ResourceType="Bucket", ServiceCategory="Storage",
                ServiceName="Amazon Simple Storage Service", SkuId="SKU-S3-STD-USE1",
                SkuPriceId="SKU-S3-STD-USE1.RATE1", Tags='{"team":"search","env":"prod"}'),
    ]
    nov = dict(BillingPeriodStart="2026-11-01T00:00:00Z", BillingPeriodEnd="2026-12-01T00:00:00Z")
    nov_rows = [
        aws_row(BilledCost="11.9000000000", ChargeDescription="$0.023 per GB-Month of storage used",
                ChargePeriodStart=z(D(2026, 11, 2)), ChargePeriodEnd=z(D(2026, 11, 3)),
                ConsumedQuantity="517.3913043478", ConsumedUnit="GB-Mo",
                PricingQuantity="517.3913043478", PricingUnit="GB-Mo",
                ResourceId="arn:aws:s3:::acme-vectors-backup", ResourceType="Bucket",
                ServiceCategory="Storage", ServiceName="Amazon Simple Storage Service",
                SkuId="SKU-S3-STD-USE1", SkuPriceId="SKU-S3-STD-USE1.RATE1",
                Tags='{"team":"search","env":"prod"}', **nov),
        # Correction on the November invoice for October usage: counts on 2026-10-20.
        aws_row(BilledCost="0.5000000000", ChargeClass="Correction",
                ChargeDescription="$0.0416 per On Demand Linux m7g.medium Instance Hour",
                ChargePeriodStart="2026-10-20T00:00:00Z", ChargePeriodEnd="2026-10-21T00:00:00Z",
                ConsumedQuantity=None, ConsumedUnit=None, PricingQuantity="12.0192307692",
                PricingUnit="Hrs", ResourceId="i-0a1b2c3d4e5f60718",
                ResourceName="ingest-worker-1", ResourceType="Instance",
                ServiceCategory="Compute", ServiceName="Amazon Elastic Compute Cloud",
                SkuId="SKU-EC2-M7G-MED", SkuPriceId="SKU-EC2-M7G-MED.OD",
                Tags='{"team":"infra"}', **nov),
    ]
    return [
        CsvFile("aws-focus-1.0-2026-10.csv", "focus", AWS_10, oct_rows, style="aws", null="NULL",
                what="AWS Data Exports FOCUS 1.0 CSV, billing period 2026-10: strings quoted, `NULL` bare, "
                     "numbers with trailing zeros, no SkuMeter (1.0); usage, Tax, Credit, Adjustment, "
                     "and a `Correction` for September usage"),
        CsvFile("aws-focus-1.0-2026-11.csv", "focus", AWS_10, nov_rows, style="aws", null="NULL",
                what="AWS FOCUS 1.0 CSV, billing period 2026-11, holding a `Correction` of October usage "
                     "(counts on 2026-10-20, not in November)"),
    ]


# --------------------------------------------------------------------------------------
# Microsoft Cost Management FocusCost 1.0: empty nulls, `.0000000Z` timestamps,
# actual and amortized cost in one file (commitment purchase + covered usage).


def az_ts(day: date, hour: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00.0000000Z"


def azure10_row(**kw) -> dict:
    base = {
        "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/8608480",
        "BillingAccountName": "Acme Search", "BillingCurrency": "USD",
        "BillingPeriodStart": az_ts(D(2026, 10, 1)), "BillingPeriodEnd": az_ts(D(2026, 11, 1)),
        "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
        "InvoiceIssuerName": "Microsoft", "ProviderName": "Microsoft", "PublisherName": "Microsoft",
        "PricingCategory": "Standard", "RegionId": "eastus2", "RegionName": "East US 2",
        "SubAccountId": "/subscriptions/0f1e2d3c-aaaa-bbbb-cccc-000000000001",
        "SubAccountName": "search-prod",
    }
    base.update(kw)
    base.setdefault("EffectiveCost", base["BilledCost"])
    base.setdefault("ListCost", base["BilledCost"])
    base.setdefault("ContractedCost", base["BilledCost"])
    base.setdefault("x_BilledCostInUsd", base["BilledCost"])
    base.setdefault("x_EffectiveCostInUsd", base["EffectiveCost"])
    return base


def azure10_file() -> CsvFile:
    rid = "/subscriptions/0f1e2d3c-aaaa-bbbb-cccc-000000000001/resourceGroups/search/providers/Microsoft.Compute/virtualMachines/vec-node-{}"
    ri = "/providers/Microsoft.Capacity/reservationOrders/7d1c0001/reservations/5e2f0002"
    rows = [
        # One-year all-upfront reservation bought 2026-10-15: billed once, EffectiveCost 0;
        # its amortized share (8760 / 365 = 24.00 a day) sits on the covered usage rows.
        azure10_row(BilledCost="8760.00", EffectiveCost="0", ChargeCategory="Purchase",
                    ChargeFrequency="One-Time", ChargeDescription="Reserved VM Instance, D4s v5, 1 Year",
                    ChargePeriodStart=az_ts(D(2026, 10, 15)), ChargePeriodEnd=az_ts(D(2027, 10, 15)),
                    CommitmentDiscountCategory="Usage", CommitmentDiscountId=ri,
                    CommitmentDiscountName="vec-nodes-1y", CommitmentDiscountType="Reservation",
                    PricingQuantity="1", PricingUnit="Units", RegionId=None, RegionName=None,
                    ServiceCategory="Compute", ServiceName="Virtual Machines",
                    SkuId="DZH318Z0BQ4L", SkuPriceId="DZH318Z0BQ4L/00KL", x_SkuMeterName="D4s v5"),
    ]
    for n in range(1, 32):
        day = D(2026, 10, n)
        common = dict(ChargeDescription="D4s v5 Linux compute hours", ChargePeriodStart=az_ts(day),
                      ChargePeriodEnd=az_ts(day + timedelta(days=1)), ConsumedQuantity="24",
                      ConsumedUnit="1 Hour", PricingQuantity="24", PricingUnit="1 Hour",
                      ResourceId=rid.format(1), ResourceName="vec-node-1",
                      ResourceType="Virtual machine", ServiceCategory="Compute",
                      ServiceName="Virtual Machines", SkuId="DZH318Z0BQ4L",
                      x_SkuMeterName="D4s v5", Tags='{"team":"search","env":"prod"}')
        if n < 15:
            rows.append(azure10_row(BilledCost="4.6080", ListCost="4.6080", ContractedCost="4.6080",
                                    SkuPriceId="DZH318Z0BQ4L/PAYG", **common))
        else:
            # covered by the reservation: billed 0, amortized 24.00
            rows.append(azure10_row(BilledCost="0", EffectiveCost="24.00", ListCost="4.6080",
                                    ContractedCost="4.6080", CommitmentDiscountCategory="Usage",
                                    CommitmentDiscountId=ri, CommitmentDiscountName="vec-nodes-1y",
                                    CommitmentDiscountStatus="Used",
                                    CommitmentDiscountType="Reservation",
                                    PricingCategory="Committed", SkuPriceId="DZH318Z0BQ4L/00KL",
                                    **common))
    rows += [
        azure10_row(BilledCost="1.37", ChargeDescription="Premium SSD v2 capacity",
                    ChargePeriodStart=az_ts(D(2026, 10, 9)), ChargePeriodEnd=az_ts(D(2026, 10, 10)),
                    ConsumedQuantity="512", ConsumedUnit="1 GiB/Month", PricingQuantity="512",
                    PricingUnit="1 GiB/Month", ResourceId=rid.format(1) + "-disk",
                    ResourceName="vec-node-1-disk", ResourceType="Disk", ServiceCategory="Storage",
                    ServiceName="Storage", SkuId="DZH318Z0BP04", SkuPriceId="DZH318Z0BP04/0001",
                    x_SkuMeterName="Premium SSD v2 Capacity", Tags=None),
        azure10_row(BilledCost="25.00", ChargeCategory="Tax", ChargeFrequency="Recurring",
                    ChargeDescription="Sales tax", ChargePeriodStart=az_ts(D(2026, 10, 1)),
                    ChargePeriodEnd=az_ts(D(2026, 11, 1)), RegionId=None, RegionName=None,
                    ServiceCategory="Other", ServiceName="Tax", SubAccountId=None,
                    SubAccountName=None),
        azure10_row(BilledCost="-30.00", ChargeCategory="Credit", ChargeFrequency="One-Time",
                    ChargeDescription="Azure credit offer", ChargePeriodStart=az_ts(D(2026, 10, 1)),
                    ChargePeriodEnd=az_ts(D(2026, 11, 1)), RegionId=None, RegionName=None,
                    ServiceCategory="Other", ServiceName="Azure Credits", SubAccountId=None,
                    SubAccountName=None),
    ]
    return CsvFile("azure-focus-1.0-2026-10.csv", "focus", AZURE_10, rows, null="",
                   what="Microsoft Cost Management FocusCost 1.0 CSV: empty nulls, timestamps "
                        "`2026-10-01T00:00:00.0000000Z`, `x_` columns, a one-year all-upfront "
                        "reservation (BilledCost 8760, EffectiveCost 0) and covered usage rows "
                        "(BilledCost 0, EffectiveCost 24.00), Tax and Credit")


# --------------------------------------------------------------------------------------
# FocusCost 1.2-style, EUR billing, UTF-8 BOM, CRLF, `YYYY-MM-DD HH:MM:SS` timestamps.


def sp(day: date, hour: int = 0) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00"


def azure12_file() -> CsvFile:
    def row(**kw):
        base = {
            "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/9912001",
            "BillingAccountName": "Acme Search GmbH", "BillingAccountType": "Billing Profile",
            "BillingCurrency": "EUR", "BillingPeriodStart": sp(D(2026, 10, 1)),
            "BillingPeriodEnd": sp(D(2026, 11, 1)), "ChargeCategory": "Usage",
            "ChargeFrequency": "Usage-Based", "InvoiceId": "G012345678",
            "InvoiceIssuerName": "Microsoft", "PricingCategory": "Standard",
            "PricingCurrency": "EUR", "ProviderName": "Microsoft", "PublisherName": "Microsoft",
            "RegionId": "germanywestcentral", "RegionName": "Germany West Central",
            "SubAccountId": "/subscriptions/5a6b7c8d-0000-1111-2222-000000000002",
            "SubAccountName": "search-eu", "SubAccountType": "Subscription",
        }
        base.update(kw)
        base.setdefault("EffectiveCost", base["BilledCost"])
        base.setdefault("ListCost", base["BilledCost"])
        base.setdefault("ContractedCost", base["BilledCost"])
        base.setdefault("PricingCurrencyEffectiveCost", base["EffectiveCost"])
        return base

    rid = "/subscriptions/5a6b7c8d-0000-1111-2222-000000000002/resourceGroups/eu/providers/Microsoft.Search/searchServices/vec-eu"
    rows = []
    for n, (cost, qty) in enumerate([("3.1875", "25.5"), ("2.75", "22"), ("4.0625", "32.5")], start=3):
        rows.append(row(BilledCost=cost, ChargeDescription="Search units, Standard S1",
                        ChargePeriodStart=sp(D(2026, 10, n)), ChargePeriodEnd=sp(D(2026, 10, n + 1)),
                        ConsumedQuantity=qty, ConsumedUnit="1 Hour", PricingQuantity=qty,
                        PricingUnit="1 Hour", ResourceId=rid, ResourceName="vec-eu",
                        ServiceCategory="AI and Machine Learning", ServiceName="Azure AI Search",
                        ServiceSubcategory="AI Platforms", SkuId="DZH318Z0C2JK",
                        SkuMeter="Standard S1 Unit", SkuPriceId="DZH318Z0C2JK/0003",
                        SkuPriceDetails='{"CoreCount":1}', x_SkuMeterName="Standard S1 Unit",
                        Tags='{"team":"search-eu"}'))
    rows.append(row(BilledCost="0.42", ChargeDescription="Bandwidth, inter-region, Europe",
                    ChargePeriodStart=sp(D(2026, 10, 4)), ChargePeriodEnd=sp(D(2026, 10, 5)),
                    ConsumedQuantity="21", ConsumedUnit="1 GB", PricingQuantity="21",
                    PricingUnit="1 GB", ResourceId=rid, ResourceName="vec-eu",
                    ServiceCategory="Networking", ServiceName="Bandwidth",
                    ServiceSubcategory="Network Connectivity", SkuId="DZH318Z0BNVX",
                    SkuMeter="Inter-Region Data Transfer Out", SkuPriceId="DZH318Z0BNVX/0001",
                    x_SkuMeterName="Inter-Region Data Transfer Out", Tags=None))
    rows.append(row(BilledCost="-1.10", ChargeCategory="Credit", ChargeFrequency="One-Time",
                    ChargeDescription="Service level credit, Azure AI Search, September outage",
                    ChargePeriodStart=sp(D(2026, 10, 6)), ChargePeriodEnd=sp(D(2026, 10, 7)),
                    ServiceCategory="AI and Machine Learning", ServiceName="Azure AI Search",
                    RegionId=None, RegionName=None))
    return CsvFile("azure-focus-1.2-2026-10-eur.csv", "focus", AZURE_12, rows, null="",
                   newline="\r\n", bom=True,
                   what="FocusCost 1.2-style CSV billed in EUR: UTF-8 BOM, CRLF, timestamps "
                        "`2026-10-03 00:00:00` (no `T`, no zone = UTC), empty nulls, 1.2 columns "
                        "(InvoiceId, BillingAccountType, PricingCurrency, SkuMeter, SkuPriceDetails)")


# --------------------------------------------------------------------------------------
# GCP-style: offset timestamps, missing optional columns.


def gcp_file() -> CsvFile:
    def row(**kw):
        base = {
            "BillingAccountId": "01A2B3-C4D5E6-F7A8B9", "BillingCurrency": "USD",
            "BillingPeriodStart": "2026-10-01T00:00:00-07:00",
            "BillingPeriodEnd": "2026-11-01T00:00:00-07:00", "ChargeCategory": "Usage",
            "ProviderName": "Google Cloud", "RegionId": "us-west1", "RegionName": "Oregon",
            "ServiceCategory": "Databases", "ServiceName": "Vertex AI Vector Search",
            "SubAccountId": "acme-search-prod", "PricingUnit": "hour",
        }
        base.update(kw)
        for cost in ("EffectiveCost", "ListCost", "ContractedCost"):
            base.setdefault(cost, base["BilledCost"])
        return base

    rows = [
        # 2026-09-30 16:00 PDT = 2026-09-30T23:00Z: September, outside an October report.
        row(BilledCost="1.10", ChargeDescription="Index serving e2-standard-16",
            ChargePeriodStart="2026-09-30T16:00:00-07:00", ChargePeriodEnd="2026-09-30T17:00:00-07:00",
            PricingQuantity="1", ResourceId="projects/acme-search-prod/indexes/prod-a"),
        # 2026-09-30 17:00 PDT = 2026-10-01T00:00Z: October 1.
        row(BilledCost="1.20", ChargeDescription="Index serving e2-standard-16",
            ChargePeriodStart="2026-09-30T17:00:00-07:00", ChargePeriodEnd="2026-09-30T18:00:00-07:00",
            PricingQuantity="1", ResourceId="projects/acme-search-prod/indexes/prod-a"),
        # 2026-10-15 01:00 IST = 2026-10-14T19:30Z: October 14.
        row(BilledCost="0.35", ChargeDescription="Index build",
            ChargePeriodStart="2026-10-15T01:00:00+05:30", ChargePeriodEnd="2026-10-15T02:00:00+05:30",
            PricingQuantity="0.5", ResourceId="projects/acme-search-prod/indexes/prod-b",
            RegionId="asia-south1", RegionName="Mumbai"),
        # No zone: UTC.
        row(BilledCost="2.40", ChargeDescription="Index serving e2-standard-16",
            ChargePeriodStart="2026-10-12T08:00:00", ChargePeriodEnd="2026-10-12T10:00:00",
            PricingQuantity="2", ResourceId="projects/acme-search-prod/indexes/prod-a"),
        # Null region (empty), sub account only as an ID, network egress, day 2026-10-14 UTC.
        row(BilledCost="0.0875", ChargeDescription="Network egress, Americas",
            ChargePeriodStart="2026-10-14T10:00:00-07:00", ChargePeriodEnd="2026-10-14T11:00:00-07:00",
            PricingQuantity="0.7", PricingUnit="gibibyte", RegionId=None, RegionName=None,
            ResourceId=None, ServiceCategory="Networking", ServiceName="Networking"),
        # 2026-10-31 16:59:59 PDT = 23:59:59Z: still October 31.
        row(BilledCost="1.30", ChargeDescription="Index serving e2-standard-16",
            ChargePeriodStart="2026-10-31T16:59:59-07:00", ChargePeriodEnd="2026-10-31T17:59:59-07:00",
            PricingQuantity="1", ResourceId="projects/acme-search-prod/indexes/prod-a"),
        # 2026-10-31 17:30 PDT = 2026-11-01T00:30Z: November 1.
        row(BilledCost="1.40", ChargeDescription="Index serving e2-standard-16",
            ChargePeriodStart="2026-10-31T17:30:00-07:00", ChargePeriodEnd="2026-10-31T18:30:00-07:00",
            PricingQuantity="1", ResourceId="projects/acme-search-prod/indexes/prod-a"),
        # A Credit (negative), account level.
        row(BilledCost="-0.50", ChargeCategory="Credit", ChargeDescription="Free tier",
            ChargePeriodStart="2026-10-01T00:00:00-07:00", ChargePeriodEnd="2026-11-01T00:00:00-07:00",
            PricingQuantity=None, PricingUnit=None, ResourceId=None, RegionId=None, RegionName=None),
    ]
    return CsvFile("gcp-focus-offsets.csv", "focus", GCP, rows, null="",
                   what="GCP-style FOCUS CSV: timestamps with offsets (`-07:00`, `+05:30`, none) that "
                        "cross UTC days and month ends; no SkuMeter/SkuId (sku = ChargeDescription), no "
                        "ResourceName, no SubAccountName, no ConsumedQuantity (PricingQuantity instead)")


# --------------------------------------------------------------------------------------
# This vendor's FOCUS 1.4 cost usage export zip.


def vendor_zip() -> ZipExport:
    def row(**kw):
        base = {
            "BillingAccountId": "org-7730", "BillingAccountName": "Borealis Labs, Inc.",
            "BillingCurrency": "USD", "BillingPeriodStart": "2026-10-01T00:00:00Z",
            "BillingPeriodEnd": "2026-11-01T00:00:00Z", "ChargeCategory": "Usage",
            "ProviderName": "VectorCloud", "PublisherName": "VectorCloud",
            "InvoiceIssuerName": "VectorCloud, Inc.", "ServiceCategory": "Databases",
            "ServiceName": "database", "SubAccountId": "proj-a1b2", "SubAccountName": "recs-prod",
            "RegionId": "us-east-1", "RegionName": "AWS US East (N. Virginia)",
        }
        base.update(kw)
        for cost in ("EffectiveCost", "ListCost", "ContractedCost"):
            base.setdefault(cost, base["BilledCost"])
        return base

    usage = []
    price_ru = Decimal("0.000016")   # per read unit
    price_wu = Decimal("0.000004")
    for n in range(1, 11):
        day = D(2026, 10, n)
        ru = 40000 + 1250 * n
        wu = 9000 + 500 * n
        common = dict(ChargePeriodStart=z(day), ChargePeriodEnd=z(day + timedelta(days=1)),
                      ResourceId="proj-a1b2/indexes/catalog", ResourceName="catalog",
                      Tags='{"team":"recs","env":"prod"}', x_ProjectTags="team=recs;env=prod",
                      x_IndexName="catalog")
        usage.append(row(BilledCost=plain(price_ru * ru), ChargeDescription="Serverless Read Units for catalog",
                         ConsumedQuantity=str(ru), ConsumedUnit="RU", SkuId="SKU-RU-USE1",
                         SkuMeter="Serverless Read Units (aws us-east-1)", **common))
        usage.append(row(BilledCost=plain(price_wu * wu), ChargeDescription="Serverless Write Units for catalog",
                         ConsumedQuantity=str(wu), ConsumedUnit="WU", SkuId="SKU-WU-USE1",
                         SkuMeter="Serverless Write Units (aws us-east-1)", **common))
    extra = [
        # Monthly support fee over the whole month: [2026-10-01, 2026-11-01).
        row(BilledCost="100.00", ChargeCategory="Purchase",
            ChargeDescription="Support Plan (Standard), October 2026",
            ChargePeriodStart="2026-10-01T00:00:00Z", ChargePeriodEnd="2026-11-01T00:00:00Z",
            ServiceCategory="Other", ServiceName="support", SkuId="SKU-SUPPORT-STD",
            SkuMeter="Support Plan (Standard)", SubAccountId=None, SubAccountName=None,
            RegionId=None, RegionName=None),
        row(BilledCost="-10.00", ChargeCategory="Credit", ChargeDescription="Onboarding credit",
            ChargePeriodStart="2026-10-01T00:00:00Z", ChargePeriodEnd="2026-11-01T00:00:00Z",
            ServiceCategory="Other", ServiceName="credits", SkuId=None, SkuMeter=None,
            SubAccountId=None, SubAccountName=None, RegionId=None, RegionName=None),
        row(BilledCost="8.47", ChargeCategory="Tax", ChargeDescription="US sales tax",
            ChargePeriodStart="2026-10-01T00:00:00Z", ChargePeriodEnd="2026-11-01T00:00:00Z",
            ServiceCategory="Other", ServiceName="tax", SkuId=None, SkuMeter=None,
            SubAccountId=None, SubAccountName=None, RegionId=None, RegionName=None),
    ]
    rows = usage + extra
    half = len(rows) // 2
    parts = [
        CsvFile("part-1-of-2.csv", "focus", VENDOR_14, rows[:half], null=""),
        CsvFile("part-2-of-2.csv", "focus", VENDOR_14, rows[half:], null=""),
    ]
    manifest = {
        "export_type": "cost_usage",
        "focus_version": "1.4",
        "organization_id": "org-7730",
        "currency": "USD",
        "period_start": "2026-10-01T00:00:00Z",
        "period_end": "2026-11-01T00:00:00Z",
        "generated_at": "2026-11-02T00:00:00Z",
        "files": [{"name": p.name, "rows": len(p.rows)} for p in parts],
        "total_rows": len(rows),
    }
    return ZipExport("vendor-focus-1.4-2026-10.zip", manifest, parts,
                     what="this vendor's cost usage export (FOCUS 1.4): `manifest.json` with per-part "
                          "row counts, `part-1-of-2.csv`, `part-2-of-2.csv` (stored part 2 first); a "
                          "monthly support Purchase `[2026-10-01, 2026-11-01)`, a Credit, a Tax")


# --------------------------------------------------------------------------------------
# Null spellings, exponent numbers, semicolons.


def small_row(**kw) -> dict:
    base = {"BillingCurrency": "USD", "ChargeCategory": "Usage",
            "ServiceCategory": "Databases", "ServiceName": "database"}
    base.update(kw)
    base.setdefault("EffectiveCost", base["BilledCost"])
    return base


def nulls_file() -> CsvFile:
    N = NullTok
    rows = [
        # every chain resolved at its first column
        small_row(BilledCost="1.50", ChargeDescription="reads", ChargePeriodStart=z(D(2026, 10, 2)),
                  ChargePeriodEnd=z(D(2026, 10, 3)), ConsumedQuantity="100", ConsumedUnit="RU",
                  RegionId="us-east-1", RegionName="Virginia", ResourceId="idx/1", ResourceName="products",
                  SkuId="SKU-RU", SkuMeter="Read Units", SubAccountId="proj-1", SubAccountName="search-prod",
                  Tags='{"team":"search"}'),
        # SkuMeter `null` -> SkuId; SubAccountName `NULL` -> SubAccountId; RegionId `Null` -> RegionName;
        # ResourceName empty -> ResourceId; ConsumedQuantity `null` -> 0; Tags `NULL`
        small_row(BilledCost="2.25", ChargeDescription="writes", ChargePeriodStart=z(D(2026, 10, 3)),
                  ChargePeriodEnd=z(D(2026, 10, 4)), ConsumedQuantity=N("null"), ConsumedUnit=N("null"),
                  RegionId=N("Null"), RegionName="Virginia", ResourceId="idx/2", ResourceName=N(""),
                  SkuId="SKU-WU", SkuMeter=N("null"), SubAccountId="proj-2", SubAccountName=N("NULL"),
                  Tags=N("NULL")),
        # SkuMeter and SkuId null -> ChargeDescription; ServiceName null -> ServiceCategory
        small_row(BilledCost="0.75", ChargeDescription="Storage, October", ChargeCategory="Usage",
                  ChargePeriodStart=z(D(2026, 10, 4)), ChargePeriodEnd=z(D(2026, 10, 5)),
                  ConsumedQuantity="3", ConsumedUnit="GB-month", RegionId="us-east-1", RegionName=N(""),
                  ResourceId=N("NULL"), ResourceName="docs", SkuId=N("NULL"), SkuMeter=N("NULL"),
                  SubAccountId="proj-1", SubAccountName="search-prod", ServiceName=N("null"),
                  ServiceCategory="Storage", Tags=N("")),
        # the whole sku chain null -> ChargeCategory; no project, region, resource at all
        small_row(BilledCost="0.40", ChargeDescription=N("Null"), ChargeCategory="Tax",
                  ChargePeriodStart=z(D(2026, 10, 5)), ChargePeriodEnd=z(D(2026, 10, 6)),
                  ConsumedQuantity=N(""), ConsumedUnit=N(""), RegionId=N(""), RegionName=N("NULL"),
                  ResourceId=N("null"), ResourceName=N("NULL"), SkuId=N("Null"), SkuMeter=N(""),
                  SubAccountId=N("NULL"), SubAccountName=N("null"), ServiceName="Tax",
                  ServiceCategory="Other", Tags=N("null")),
        # ChargeClass spelled null in four ways across rows (it is nullable)
        small_row(BilledCost="1.00", ChargeClass=N("NULL"), ChargeDescription="reads",
                  ChargePeriodStart=z(D(2026, 10, 6)), ChargePeriodEnd=z(D(2026, 10, 7)),
                  ConsumedQuantity="50", ConsumedUnit="RU", RegionId="us-east-1", RegionName="Virginia",
                  ResourceId="idx/1", ResourceName="products", SkuId="SKU-RU", SkuMeter="Read Units",
                  SubAccountId="proj-1", SubAccountName="search-prod", Tags='{"team":"search"}'),
    ]
    for r in rows:
        r.setdefault("ChargeClass", N(""))
    return CsvFile("focus-null-spellings.csv", "focus", SMALL, rows, null="",
                   what="FOCUS CSV with `null`, `NULL`, `Null` and empty cells in every nullable column "
                        "tally reads: each fallback chain (sku, project, service, region, resource) is "
                        "exercised down to its last link; a null ConsumedQuantity is 0")


def offset_hhmm_file() -> CsvFile:
    rows = [
        # 2026-10-15 01:00 +0530 = 2026-10-14T19:30Z
        small_row(BilledCost="0.60", ChargeDescription="Index build",
                  ChargePeriodStart="2026-10-15T01:00:00+0530", ChargePeriodEnd="2026-10-15T02:00:00+0530",
                  SkuMeter="Index build", SubAccountId="proj-in"),
        # 2026-11-01 03:00 +0400 = 2026-10-31T23:00Z
        small_row(BilledCost="0.90", ChargeDescription="Index serving",
                  ChargePeriodStart="2026-11-01T03:00:00+0400", ChargePeriodEnd="2026-11-01T04:00:00+0400",
                  SkuMeter="Index serving", SubAccountId="proj-in"),
        # 2026-10-01 00:30 +0100 = 2026-09-30T23:30Z: September
        small_row(BilledCost="0.25", ChargeDescription="Index serving",
                  ChargePeriodStart="2026-10-01T00:30:00+0100", ChargePeriodEnd="2026-10-01T01:30:00+0100",
                  SkuMeter="Index serving", SubAccountId="proj-in"),
    ]
    return CsvFile("focus-offset-hhmm.csv", "focus", SMALL, rows, null="",
                   what="FOCUS CSV with `+hhmm` offsets (no colon) crossing UTC days and month ends")


def exponents_file() -> CsvFile:
    def r(cost, eff, qty, sku, day):
        return small_row(BilledCost=cost, EffectiveCost=eff, ChargeDescription=sku,
                         ChargePeriodStart=z(D(2026, 10, day)), ChargePeriodEnd=z(D(2026, 10, day + 1)),
                         ConsumedQuantity=qty, ConsumedUnit="units", SkuMeter=sku,
                         SubAccountId="proj-1", SubAccountName="search-prod")
    rows = [
        r("35.2E-7", "35.2E-7", "8.8E-2", "Embedding tokens", 1),
        r("1e3", "9.5e2", "1E4", "Dedicated pod p2.x1", 2),
        r("-4.5e-2", "-4.5e-2", "0", "Embedding tokens", 3),
        r("2.5E2", "2.5E2", "2.5e1", "Storage", 4),
        r("1.25E-1", "1.25E-1", "125E-2", "Storage", 5),
        r("0E0", "0", "3E0", "Dedicated pod p2.x1", 6),
        r("12.5", "1.2E1", "5", "Storage", 7),
    ]
    return CsvFile("focus-exponents.csv", "focus", SMALL, rows, null="",
                   what="FOCUS CSV with E-notation numbers in the cost and quantity columns: `35.2E-7`, "
                        "`1e3`, `-4.5e-2`, `2.5E2`, `125E-2`, `0E0` (FOCUS NumericFormat allows `mEn`)")


def semicolon_file() -> CsvFile:
    rows = [
        small_row(BilledCost="3.20", ChargeDescription="Read units, Acme Search, Inc.",
                  ChargePeriodStart=z(D(2026, 10, 7)), ChargePeriodEnd=z(D(2026, 10, 8)),
                  ConsumedQuantity="200000", ConsumedUnit="RU", SkuMeter="Read Units",
                  SubAccountId="proj-1", SubAccountName="search, EMEA"),
        small_row(BilledCost="0.80", ChargeDescription="Write units",
                  ChargePeriodStart=z(D(2026, 10, 8)), ChargePeriodEnd=z(D(2026, 10, 9)),
                  ConsumedQuantity="200000", ConsumedUnit="WU", SkuMeter="Write Units",
                  SubAccountId="proj-1", SubAccountName="search, EMEA"),
        small_row(BilledCost="1.05", ChargeDescription="Storage; standard",
                  ChargePeriodStart=z(D(2026, 10, 9)), ChargePeriodEnd=z(D(2026, 10, 10)),
                  ConsumedQuantity="3.5", ConsumedUnit="GB-month", SkuMeter="Storage",
                  SubAccountId="proj-1", SubAccountName="search, EMEA"),
    ]
    return CsvFile("focus-semicolon.csv", "focus", SMALL, rows, null="", delimiter=";",
                   what="FOCUS CSV separated by `;` (a European spreadsheet save): commas inside fields "
                        "are plain text, a `;` inside a field is quoted")


# --------------------------------------------------------------------------------------
# Console usage CSV saved by a spreadsheet: US dates, CRLF, BOM, trailing zeros dropped.


def console_file() -> CsvFile:
    def row(d, sku, qty, unit, cost, idx="products", proj=("proj-7f3a", "search-prod")):
        return {"Date": d, "Project ID": proj[0], "Project Name": proj[1], "Service": "database",
                "SKU": sku, "Region": "aws us-east-1", "Index": idx, "Quantity": qty, "Unit": unit,
                "Cost (USD)": cost, "Currency": "USD", "Project Tags": "team=search;env=prod",
                "Index Tags": '{"tier":"gold"}'}
    rows = [
        row("9/30/2026", "Serverless Read Units (aws us-east-1)", "98000", "RU", "1.568"),
        row("10/1/2026", "Serverless Read Units (aws us-east-1)", "99750", "RU", "1.596"),
        row("10/1/2026", "Serverless Storage (aws us-east-1)", "0.456599", "GB-month", "0.15067767"),
        row("10/2/2026", "Serverless Write Units (aws us-east-1)", "12500", "WU", "0.05"),
        row("10/13/2026", "Serverless Read Units (aws us-east-1)", "101000", "RU", "1.616"),
        row("10/31/2026", "Serverless Storage (aws us-east-1)", "0.5", "GB-month", "0.165"),
        row("11/1/2026", "Serverless Read Units (aws us-east-1)", "100000", "RU", "1.6"),
    ]
    return CsvFile("console-spreadsheet.csv", "console", CONSOLE, rows, newline="\r\n", bom=True,
                   what="console usage CSV re-saved by a spreadsheet: dates `10/1/2026` "
                        "(needs `--date-format %m/%d/%Y`), BOM, CRLF, trailing zeros dropped")


# --------------------------------------------------------------------------------------
# Files that must be refused.


def refusal_files() -> list[CsvFile]:
    ok = lambda cost, day, **kw: aws_row(
        BilledCost=cost, ChargeDescription="$0.023 per GB-Month of storage used",
        ChargePeriodStart=z(D(2026, 10, day)), ChargePeriodEnd=z(D(2026, 10, day + 1)),
        ConsumedQuantity="100.0000000000", ConsumedUnit="GB-Mo", PricingQuantity="100.0000000000",
        PricingUnit="GB-Mo", ResourceId="arn:aws:s3:::acme-vectors-backup", ResourceType="Bucket",
        ServiceCategory="Storage", ServiceName="Amazon Simple Storage Service",
        SkuId="SKU-S3-STD-USE1", SkuPriceId="SKU-S3-STD-USE1.RATE1", **kw)
    null_billed = [ok("2.3000000000", 1), ok(None, 2, EffectiveCost="2.3000000000",
                                               ListCost="2.3000000000", ContractedCost="2.3000000000"),
                   ok("2.3100000000", 3)]
    null_currency = [ok("2.3000000000", 1), ok("2.3100000000", 2, BillingCurrency=None)]
    no_sku_hdr = ["BilledCost", "ChargePeriodStart", "ChargePeriodEnd", "ServiceName",
                  "SubAccountId", "RegionId"]
    no_sku_rows = [{"BilledCost": "5.00", "ChargePeriodStart": z(D(2026, 10, 1)),
                    "ChargePeriodEnd": z(D(2026, 10, 2)), "ServiceName": "database",
                    "SubAccountId": "proj-1", "RegionId": "us-east-1"}]
    utf16_rows = [small_row(BilledCost="1.00", ChargeDescription="reads",
                            ChargePeriodStart=z(D(2026, 10, 1)), ChargePeriodEnd=z(D(2026, 10, 2)),
                            SkuMeter="Read Units")]
    return [
        CsvFile("refuse-null-billedcost.csv", "focus", AWS_10, null_billed, style="aws", null="NULL",
                what="AWS-style FOCUS CSV whose line 3 has `NULL` in BilledCost (a mandatory, "
                     "non-nullable column); EffectiveCost is present there"),
        CsvFile("refuse-null-currency.csv", "focus", AWS_10, null_currency, style="aws", null="NULL",
                what="AWS-style FOCUS CSV whose line 3 has `NULL` in BillingCurrency"),
        CsvFile("refuse-no-sku-no-currency.csv", "focus", no_sku_hdr, no_sku_rows, null="",
                what="a FOCUS header with BilledCost and ChargePeriodStart but none of SkuMeter, "
                     "SkuId, ChargeDescription, ChargeCategory, and no BillingCurrency"),
        CsvFile("refuse-utf16.csv", "focus", SMALL, utf16_rows, null="", encoding="utf-16",
                newline="\r\n",
                what="a valid FOCUS CSV saved as UTF-16 (little-endian, with BOM), as some Windows "
                     "tools save 'Unicode text'"),
    ]


# --------------------------------------------------------------------------------------
# Expectations (the FOCUS rules of docs/inputs.md, implemented independently of tally)

COST_COLUMN = {"billed": "BilledCost", "effective": "EffectiveCost", "list": "ListCost",
               "contracted": "ContractedCost"}


def val(rec: dict, header: list[str], col: str):
    if col not in header:
        return None
    v = rec.get(col)
    return None if is_null(v) else v


def chain(rec, header, cols, last=""):
    for c in cols:
        v = val(rec, header, c)
        if v is not None:
            return v
    return last


def focus_key(rec, header, key):
    if key == "sku":
        return chain(rec, header, ["SkuMeter", "SkuId", "ChargeDescription", "ChargeCategory"])
    if key == "project":
        return chain(rec, header, ["SubAccountName", "SubAccountId"])
    if key == "service":
        return chain(rec, header, ["ServiceName", "ServiceCategory"])
    if key == "region":
        return chain(rec, header, ["RegionId", "RegionName"])
    if key == "resource":
        return chain(rec, header, ["ResourceName", "ResourceId"])
    if key == "currency":
        return val(rec, header, "BillingCurrency")
    if key.startswith("tag:"):
        tags = val(rec, header, "Tags")
        return json.loads(tags).get(key[4:], "") if tags else ""
    return chain(rec, header, [key])


def focus_quantity(rec, header) -> Decimal:
    col = "ConsumedQuantity" if "ConsumedQuantity" in header else "PricingQuantity"
    v = val(rec, header, col)
    return Decimal(v) if v is not None else Decimal(0)


def spread(amount: Decimal, start: datetime, end, spread_on: bool) -> list[tuple[date, Decimal]]:
    first = start.date()
    if not spread_on or end is None or end <= start:
        return [(first, amount)]
    last = (end - timedelta(microseconds=1)).date()
    n = (last - first).days + 1
    if n <= 1:
        return [(first, amount)]
    s2 = min(scale_of(amount) + 6, 28)
    with localcontext() as ctx:
        ctx.prec = 80
        part = (amount / n).quantize(Decimal(1).scaleb(-s2), rounding=ROUND_DOWN)
        rest = amount - part * n
    out = [(first + timedelta(days=i), part) for i in range(n)]
    out[0] = (first, part + rest)
    return out


def parse_console_date(text: str, fmt: str | None) -> date:
    if fmt is None:
        return date.fromisoformat(text)
    return datetime.strptime(text, fmt).date()


@dataclass
class Case:
    name: str
    files: list[str]
    by: list[str] = field(default_factory=lambda: ["sku"])
    month: str | None = "2026-10"
    frm: str | None = None
    to: str | None = None
    cost: str | None = None
    extra: list[str] = field(default_factory=list)
    spread: bool = False
    date_format: str | None = None
    exit: int = 0
    stderr: list[str] = field(default_factory=list)
    groups: bool = False
    quantities: bool = False
    note: str = ""

    def args(self) -> list[str]:
        a = []
        if self.month:
            a += ["--month", self.month]
        if self.frm:
            a += ["--from", self.frm]
        if self.to:
            a += ["--to", self.to]
        a += ["--as-of", AS_OF]
        if self.by != ["sku"] or self.groups:
            a += ["--by", ",".join(self.by)]
        if self.cost:
            a += ["--cost", self.cost]
        if self.spread:
            a += ["--spread-charges"]
        if self.date_format:
            a += ["--date-format", self.date_format]
        return a + self.extra

    def range(self) -> tuple[date, date]:
        if self.month:
            y, m = map(int, self.month.split("-"))
            return month_bounds(y, m)
        return date.fromisoformat(self.frm), date.fromisoformat(self.to)


def expect(case: Case, files: dict) -> dict:
    lo, hi = case.range()
    hi = min(hi, date.fromisoformat(AS_OF))
    totals: dict[str, Decimal] = {}
    groups: dict[str, Decimal] = {}
    qty: dict[str, Decimal] = {}
    for name in case.files:
        f = files[name]
        for rec in f.rows:
            if f.kind == "console":
                day = parse_console_date(rec["Date"], case.date_format)
                parts = [(day, Decimal(rec["Cost (USD)"]))]
                q_parts = [(day, Decimal(rec["Quantity"]))]
                cur = rec["Currency"]
                keyvals = [{"sku": rec["SKU"], "project": rec["Project Name"]}[k] for k in case.by]
            else:
                col = COST_COLUMN[case.cost or "billed"]
                text = val(rec, f.header, col)
                if text is None:
                    assert "--skip-bad-rows" in case.extra, (case.name, "null cost")
                    continue
                amount = Decimal(text)
                start = parse_ts(val(rec, f.header, "ChargePeriodStart"))
                end_text = val(rec, f.header, "ChargePeriodEnd")
                end = parse_ts(end_text) if end_text else None
                parts = spread(amount, start, end, case.spread)
                q_parts = spread(focus_quantity(rec, f.header), start, end, case.spread)
                cur = val(rec, f.header, "BillingCurrency")
                keyvals = [focus_key(rec, f.header, k) for k in case.by]
            key = " / ".join(keyvals)
            for (day, amt), (_, q) in zip(parts, q_parts):
                if lo <= day <= hi:
                    totals[cur] = totals.get(cur, Decimal(0)) + amt
                    groups[key] = groups.get(key, Decimal(0)) + amt
                    qty[key] = qty.get(key, Decimal(0)) + q
    out: dict = {}
    if len(totals) > 1 or "currency" in case.by:
        out["totals"] = {c: plain(v) for c, v in sorted(totals.items())}
    else:
        out["total"] = plain(next(iter(totals.values()), Decimal(0)))
    if case.groups:
        out["groups"] = {k: plain(v) for k, v in sorted(groups.items())}
    if case.quantities:
        out["quantities"] = {k: plain(v) for k, v in sorted(qty.items())}
    return out


# --------------------------------------------------------------------------------------


def cases() -> list[Case]:
    aws10, aws11 = "aws-focus-1.0-2026-10.csv", "aws-focus-1.0-2026-11.csv"
    az10, az12 = "azure-focus-1.0-2026-10.csv", "azure-focus-1.2-2026-10-eur.csv"
    gcp, vend = "gcp-focus-offsets.csv", "vendor-focus-1.4-2026-10.zip"
    nulls, expo, semi = "focus-null-spellings.csv", "focus-exponents.csv", "focus-semicolon.csv"
    cons = "console-spreadsheet.csv"
    return [
        Case("aws-1.0-by-sku", [aws10], groups=True,
             note="no SkuMeter in 1.0: sku = SkuId, else ChargeDescription (Tax, Credit, Adjustment rows); "
                  "the September Correction is outside October"),
        Case("aws-1.0-by-charge-category", [aws10], by=["ChargeCategory"], groups=True),
        Case("aws-1.0-by-tag-team", [aws10], by=["tag:team"], groups=True),
        Case("aws-1.0-september-correction", [aws10], month="2026-09",
             note="the Correction billed in October for September usage counts on its ChargePeriodStart day"),
        Case("aws-1.0-two-billing-periods", [aws10, aws11], groups=True,
             note="the November invoice's Correction of October usage counts in October"),
        Case("aws-1.0-november", [aws10, aws11], month="2026-11"),
        Case("azure-1.0-billed", [az10], by=["ChargeCategory"], groups=True,
             note="BilledCost: the reservation purchase counts in full on 2026-10-15"),
        Case("azure-1.0-effective", [az10], cost="effective", by=["ChargeCategory"], groups=True,
             note="EffectiveCost: purchase 0, covered usage carries 24.00 a day; nothing counted twice"),
        Case("azure-1.0-spread-charges", [az10], spread=True, groups=True, by=["ChargeCategory"],
             note="the annual purchase spread over 365 days: 17 days (Oct 15-31) in October; "
                  "the month-long Tax and Credit stay whole"),
        Case("azure-1.2-eur-bom-crlf", [az12], groups=True, quantities=True),
        Case("multi-currency-by-currency", [aws10, az12], by=["currency"], groups=True),
        Case("multi-currency-refused-without-by-currency", [aws10, az12], exit=1,
             stderr=["several currencies", "--by currency"]),
        Case("gcp-offsets-october", [gcp], groups=True, quantities=True,
             note="offsets converted to UTC before taking the day; PricingQuantity used as the quantity"),
        Case("gcp-offsets-one-day", [gcp], month=None, frm="2026-10-14", to="2026-10-14",
             note="2026-10-15T01:00:00+05:30 and 2026-10-14T10:00:00-07:00 are both 2026-10-14 UTC"),
        Case("gcp-offsets-by-project-region", [gcp], by=["project", "region"], groups=True,
             note="no SubAccountName column: project = SubAccountId; null RegionId and RegionName: empty"),
        Case("gcp-offsets-november", [gcp], month="2026-11"),
        Case("offset-hhmm-october", ["focus-offset-hhmm.csv"], groups=True,
             note="+0530 and +0400 move rows to the previous UTC day; +0100 moves one into September"),
        Case("offset-hhmm-one-day", ["focus-offset-hhmm.csv"], month=None, frm="2026-10-14",
             to="2026-10-14"),
        Case("vendor-zip-1.4", [vend], groups=True, quantities=True),
        Case("vendor-zip-first-ten-days", [vend], month=None, frm="2026-10-01", to="2026-10-10",
             note="without --spread-charges the month-long fee, credit and tax count on 2026-10-01"),
        Case("vendor-zip-first-ten-days-spread", [vend], month=None, frm="2026-10-01", to="2026-10-10",
             spread=True,
             note="spread: 10 of 31 parts of each month-long row, remainder on 2026-10-01"),
        Case("vendor-zip-spread-whole-month", [vend], spread=True,
             note="spreading conserves the amount: same total as without"),
        Case("null-spellings-by-sku", [nulls], groups=True, quantities=True),
        Case("null-spellings-by-project", [nulls], by=["project"], groups=True),
        Case("null-spellings-by-service-region-resource", [nulls], by=["service", "region", "resource"],
             groups=True),
        Case("exponents-billed", [expo], groups=True, quantities=True),
        Case("exponents-effective", [expo], cost="effective"),
        Case("semicolon-delimiter", [semi], extra=["--delimiter", ";"], by=["project", "sku"], groups=True),
        Case("semicolon-without-delimiter-refused", [semi], exit=1,
             stderr=["focus-semicolon.csv:1", "--delimiter"]),
        Case("console-us-dates", [cons], date_format="%m/%d/%Y", groups=True),
        Case("console-us-dates-without-format-refused", [cons], exit=1,
             stderr=["console-spreadsheet.csv:2", "9/30/2026", "--date-format"]),
        Case("console-us-dates-wrong-format-refused", [cons], date_format="%d/%m/%Y", exit=1,
             stderr=["console-spreadsheet.csv:2", "9/30/2026", "%d/%m/%Y"],
             note="9/30/2026 has no month 30: the message names the format given"),
        Case("refuse-null-billedcost", ["refuse-null-billedcost.csv"], exit=1,
             stderr=["refuse-null-billedcost.csv:3", "BilledCost", "--skip-bad-rows", "--cost"]),
        Case("null-billedcost-skip-bad-rows", ["refuse-null-billedcost.csv"], extra=["--skip-bad-rows"],
             note="the bad row is skipped; the other two count"),
        Case("null-billedcost-effective", ["refuse-null-billedcost.csv"], cost="effective",
             note="EffectiveCost is not null on any row"),
        Case("refuse-null-currency", ["refuse-null-currency.csv"], exit=1,
             stderr=["refuse-null-currency.csv:3", "BillingCurrency"]),
        Case("refuse-no-sku-no-currency", ["refuse-no-sku-no-currency.csv"], exit=1,
             stderr=["refuse-no-sku-no-currency.csv:1", "BillingCurrency", "SkuMeter"]),
        Case("refuse-utf16", ["refuse-utf16.csv"], exit=1,
             stderr=["refuse-utf16.csv", "UTF-16", "UTF-8"]),
    ]


README_HEAD = """# Real-world corpus

Small files in the shapes that providers and tools really produce, for `tally report`'s
FOCUS and console readers. **Everything here is synthetic**: the rows were written for this
repository by `scripts/gen_real_world.py` from the FOCUS specification and the providers'
published export descriptions (column sets, null spellings, timestamp and number styles);
no provider's rows were copied. The data is ours, under the repository's licence; account
names, IDs and ARNs are made up.

Regenerate (files, `cases.json` and this README) from the repository root with:

```sh
python3 scripts/gen_real_world.py
```

The script uses only the Python standard library and is deterministic. It computes every
expectation with `decimal.Decimal` from the same in-memory rows it writes, following the
FOCUS reading rules of docs/inputs.md (never by running tally):

- day = UTC day of `ChargePeriodStart` (offsets converted; no zone = UTC); ranges are
  inclusive UTC days; every ChargeCategory and ChargeClass counts, credits stay negative;
- `NULL`, `null`, `Null` and empty are null; numbers may use E notation (`35.2E-7`);
- fallback chains: sku `SkuMeter` > `SkuId` > `ChargeDescription` > `ChargeCategory`;
  project `SubAccountName` > `SubAccountId`; service `ServiceName` > `ServiceCategory`;
  region `RegionId` > `RegionName`; resource `ResourceName` > `ResourceId`; quantity
  `ConsumedQuantity` (null = 0), or `PricingQuantity` when the file has no ConsumedQuantity;
- `--spread-charges`: a row spanning n UTC days gives each day `A / n` truncated to
  min(scale + 6, 28) decimals, the first day also the remainder.

## cases.json

A list of cases, each run by `tests/real_world.rs` as
`tally report <files…> <args…> --format json` (files relative to this folder):

| field | meaning |
|---|---|
| `name` | the case |
| `files` | inputs, relative to `fixtures/real-world/` |
| `args` | extra arguments; always `--as-of 2026-11-28` |
| `exit` | expected exit code (0 success, 1 refused input) |
| `total` | expected JSON `total` (one currency) |
| `totals` | expected total per currency (with `--by currency` or several currencies) |
| `groups` | optional: group key values joined by ` / ` (in `--by` order) → cost; must match exactly (no missing or extra group) |
| `quantities` | optional: group key → summed quantity |
| `stderr` | fragments that must appear on stderr (file and line, column, the way forward) |
| `note` | why the case exists |

**Amounts are compared as decimals, not as strings**: `"1.5"` in cases.json equals tally's
`"1.50"`. The generator writes them normalized (no exponent, no trailing zeros). The test
reports every failing case at once, with tally's actual output.

Every case passes; a failure is a regression. Parquet shapes live in `fixtures/parquet/`
(with their own generator, `scripts/gen_parquet_fixtures.py`), not here.

## Files
"""


def readme(files: dict, cases_out: list) -> str:
    lines = [README_HEAD, "| file | what it represents |", "|---|---|"]
    for name in sorted(files):
        lines.append(f"| `{name}` | {files[name].what} |")
    lines += ["", "## Cases", "", "| case | files | args | expected |", "|---|---|---|---|"]
    for c in cases_out:
        if c["exit"] != 0:
            want = "exit " + str(c["exit"]) + ": " + ", ".join(f"`{f}`" for f in c.get("stderr", []))
        elif "totals" in c:
            want = ", ".join(f"{v} {k}" for k, v in c["totals"].items())
        else:
            want = c["total"]
        args = " ".join(a for a in c["args"])
        lines.append(f"| {c['name']} | {', '.join(c['files'])} | `{args}` | {want} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {}
    for f in aws_files() + [azure10_file(), azure12_file(), gcp_file(), vendor_zip(), nulls_file(), offset_hhmm_file(),
                            exponents_file(), semicolon_file(), console_file()] + refusal_files():
        files[f.name] = f
    for name, f in files.items():
        data = f.data()
        assert len(data) < 30_000, (name, len(data))
        (OUT / name).write_bytes(data)

    out = []
    for c in cases():
        entry = {"name": c.name, "files": c.files, "args": c.args(), "exit": c.exit}
        if c.exit == 0:
            entry.update(expect(c, files))
        if c.stderr:
            entry["stderr"] = c.stderr
        if c.note:
            entry["note"] = c.note
        out.append(entry)
    (OUT / "cases.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    (OUT / "README.md").write_text(readme(files, out))
    for name in sorted(files):
        print(f"{name}: {len(files[name].data())} bytes")
    print(f"cases.json: {len(out)} cases")


if __name__ == "__main__":
    main()

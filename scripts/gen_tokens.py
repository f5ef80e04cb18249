#!/usr/bin/env python3
"""Generate the deterministic token-usage fixtures for `tally`.

Run from the repository root:

    python3 scripts/gen_tokens.py

Writes (overwriting):

  fixtures/tokens/2026-10.jsonl
      One JSON object per line: a month (October 2026) of logged assistant API
      calls for two projects (support-bot, search-prod) and three assistants
      (faq, onboarding, research), in several UTC offsets. Around midnight UTC
      on purpose: the first record (2026-10-01T01:10:00+02:00) is on
      2026-09-30 in UTC and the last (2026-10-31T23:30:00-05:00) on
      2026-11-01, so neither counts in October; records on either side of the
      2026-10-15 price change are written in offsets that move them across
      the UTC day boundary. Records log either the raw `response` (endpoint
      inferred from its shape) or a bare `usage` with an `endpoint`. One
      record repeats an earlier response id (a retried log write): tally
      counts it once.

  fixtures/tokens/rates-2026.toml
      A rate card with a price change on 2026-10-15 for the chat and context
      SKUs (evaluation prices unchanged).

  fixtures/expected/independent/tokens-2026-10-by-{sku,assistant,model,day}.csv
      `key,cost` computed here with decimal.Decimal from the records and the
      rate card, independently of tally: the October report must match.

Standard library only; fixed seed, so re-running gives byte-identical files.
"""

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

SEED = 20261015
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "tokens"
EXPECTED = ROOT / "fixtures" / "expected" / "independent"

CHANGE = dt.date(2026, 10, 15)
# (sku, price before the change, price from the change on), per million tokens.
RATES = [
    ("Assistants Input Tokens", "8.00", "6.40"),
    ("Assistants Output Tokens", "15.00", "12.50"),
    ("Assistants Context Tokens Processed", "5.00", "4.25"),
    ("Assistants Evaluation Tokens Processed", "8.00", None),
    ("Assistants Evaluation Tokens Out", "15.00", None),
]
PER = 1_000_000
SKUS = {
    "chat": ("Assistants Input Tokens", "Assistants Output Tokens"),
    "context": ("Assistants Context Tokens Processed", None),
    "evaluation": (
        "Assistants Evaluation Tokens Processed",
        "Assistants Evaluation Tokens Out",
    ),
}
ASSISTANTS = [
    ("support-bot", "faq", "gpt-4o-2024-11-20"),
    ("support-bot", "onboarding", "claude-3-5-sonnet"),
    ("search-prod", "research", "gpt-4o-2024-11-20"),
]
OFFSETS = [0, 2 * 60, -5 * 60, 5 * 60 + 30, -7 * 60, 9 * 60]


def price(sku, day):
    for name, before, after in RATES:
        if name == sku:
            return Decimal(after if after is not None and day >= CHANGE else before)
    raise KeyError(sku)


def stamp(utc, offset_minutes):
    """RFC 3339 text of the UTC instant `utc` written in a fixed offset."""
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    text = utc.astimezone(zone).isoformat()
    return text.replace("+00:00", "Z") if offset_minutes == 0 else text


def record(rng, utc, offset, project, assistant, model, endpoint, ids):
    prompt = rng.randint(800, 30000)
    completion = 0 if endpoint == "context" else rng.randint(5, 900)
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    response_id = "%032x" % rng.getrandbits(128)
    ids.append(response_id)
    out = {"timestamp": stamp(utc, offset), "project": project, "assistant": assistant}
    if rng.random() < 0.3:
        # A bare usage block: the endpoint must be given.
        out.update({"model": model, "endpoint": endpoint, "id": response_id, "usage": usage})
        return out
    if endpoint == "chat":
        response = {
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "..."},
            "id": response_id,
            "model": model,
            "usage": usage,
        }
    elif endpoint == "context":
        response = {"snippets": [{"type": "text", "content": "..."}], "usage": usage, "id": response_id}
    else:
        response = {"metrics": {"correctness": 0.9}, "reasoning": {}, "usage": usage, "id": response_id}
        out["model"] = model
    if rng.random() < 0.25:
        out["endpoint"] = endpoint
    out["response"] = response
    return out


def main():
    rng = random.Random(SEED)
    records = []
    ids = []
    utc = dt.timezone.utc

    def add(when, offset, who, endpoint):
        project, assistant, model = who
        records.append(record(rng, when, offset, project, assistant, model, endpoint, ids))

    # Before the month in UTC although its local date is 2026-10-01.
    add(dt.datetime(2026, 9, 30, 23, 10, tzinfo=utc), 120, ASSISTANTS[0], "chat")
    for day in range(1, 32):
        date = dt.date(2026, 10, day)
        for _ in range(rng.randint(5, 9)):
            who = rng.choice(ASSISTANTS)
            endpoint = rng.choices(["chat", "context", "evaluation"], [6, 3, 1])[0]
            seconds = rng.randint(3600, 22 * 3600)
            when = dt.datetime(date.year, date.month, date.day, tzinfo=utc) + dt.timedelta(seconds=seconds)
            add(when, rng.choice(OFFSETS), who, endpoint)
        if date == dt.date(2026, 10, 14):
            # 23:40 UTC on the 14th written as the 15th in +05:30: the old price.
            add(dt.datetime(2026, 10, 14, 23, 40, tzinfo=utc), 330, ASSISTANTS[2], "chat")
        if date == dt.date(2026, 10, 15):
            # 00:20 UTC on the 15th written as the 14th in -05:00: the new price.
            add(dt.datetime(2026, 10, 15, 0, 20, tzinfo=utc), -300, ASSISTANTS[0], "chat")
    # After the month in UTC although its local date is 2026-10-31.
    add(dt.datetime(2026, 11, 1, 4, 30, tzinfo=utc), -300, ASSISTANTS[1], "chat")
    # A retried log write: the same response again, a few seconds later.
    retry = dict(records[40])
    records.append(retry)

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "2026-10.jsonl", "w", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

    lines = ['currency = "USD"', ""]
    for sku, before, after in RATES:
        if after is None:
            windows = [(before, "2026-01-01", "2026-12-31")]
        else:
            windows = [(before, "2026-01-01", "2026-10-14"), (after, "2026-10-15", "2026-12-31")]
        for value, start, end in windows:
            lines += [
                "[[rate]]",
                f'sku = "{sku}"',
                'unit = "tokens"',
                f'price = "{value}"',
                f"per = {PER}",
                f'effective_from = "{start}"',
                f'effective_to = "{end}"',
                "",
            ]
    (OUT / "rates-2026.toml").write_text("\n".join(lines))

    # Independent October totals.
    totals = {k: defaultdict(Decimal) for k in ("sku", "assistant", "model", "day")}
    seen = set()
    for r in records:
        response = r.get("response", {})
        rid = response.get("id", r.get("id"))
        if rid in seen:
            continue
        seen.add(rid)
        day = dt.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).astimezone(utc).date()
        if not (dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 31)):
            continue
        usage = response.get("usage", r.get("usage"))
        endpoint = r.get("endpoint") or (
            "chat" if "message" in response else "context" if "snippets" in response else "evaluation"
        )
        model = r.get("model") or response.get("model", "")
        prompt_sku, completion_sku = SKUS[endpoint]
        for sku, tokens in ((prompt_sku, usage["prompt_tokens"]), (completion_sku, usage["completion_tokens"])):
            if sku is None or tokens == 0:
                continue
            cost = Decimal(tokens) * price(sku, day) / PER
            for key, value in (("sku", sku), ("assistant", r["assistant"]), ("model", model), ("day", day.isoformat())):
                totals[key][value] += cost
    for key, table in totals.items():
        text = "key,cost\n" + "".join(f"{k},{v.normalize():f}\n" for k, v in sorted(table.items()))
        (EXPECTED / f"tokens-2026-10-by-{key}.csv").write_text(text)
    print(f"{len(records)} records; October total {sum(totals['sku'].values()).normalize():f} USD")


if __name__ == "__main__":
    main()

"""Turn the shared Azure price extract into the catalog's shipped package data.

Why a tool and not a runtime CSV reader: the catalog must work from an installed wheel with no
access to the extract, so the extract is transcribed once into
`src/spotkeeper/catalog/data/vm_sizes.json` and committed. Re-running this tool on the same CSV
reproduces that file byte for byte (a unit test checks it), so the JSON never drifts from its
source silently.

Usage::

    python tools/build_catalog.py PATH/TO/azure-vm-prices.csv [--as-of YYYY-MM-DD] [--output FILE]

Only the facts the CSV states are written (name, vCPUs, memory, Hyper-V generations, prices);
capabilities such as temp storage or disk limits are derived at load time by
`spotkeeper.catalog.capabilities`, so they have one home.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The extract records no upstream snapshot date. This is the day it was taken into the project,
# which is the only date we can vouch for; the note below says so in the data itself.
DEFAULT_AS_OF = dt.date(2026, 11, 27)

SOURCE = (
    "Azure public retail prices (pay-as-you-go and Spot, Linux, USD/hour) from the SkyPilot catalog "
    "file catalogs/v6/azure/vms.csv in skypilot-org/skypilot-catalog at commit "
    "098741e70562f65d7af1cceb81e33b284f742604; filtered to 5 US regions and 25 non-GPU families, "
    "extract described in the project's shared data README (azure-vm-prices.csv)."
)
AS_OF_NOTE = (
    "as_of is the date the extract was taken into the project; the upstream snapshot date is not "
    "recorded, so treat prices as indicative of their order of magnitude, not as current."
)

COLUMNS = (
    "size",
    "vcpus",
    "memory_gib",
    "od_price_hour_usd",
    "spot_price_hour_usd",
    "region",
    "hyperv_generations",
)
GENERATIONS = frozenset({"V1", "V2"})
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "src/spotkeeper/catalog/data/vm_sizes.json"


class ExtractError(ValueError):
    """The CSV does not have the shape the README describes; the message names row and column."""


def _number(text: str, *, row: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ExtractError(f"row {row}, column {column}: {text!r} is not a number") from None
    if value < 0:
        raise ExtractError(f"row {row}, column {column}: {text!r} is negative")
    return value


def _plain(value: float) -> int | float:
    # "8" and "3.5" stay as written: integral values are written as JSON integers.
    return int(value) if value.is_integer() else value


def build_catalog_document(csv_path: Path, *, as_of: dt.date = DEFAULT_AS_OF) -> dict[str, Any]:
    """Read the extract and return the JSON document (sizes sorted by name, regions by name)."""
    sizes: dict[str, dict[str, Any]] = {}
    prices: dict[str, dict[str, list[float | None]]] = {}
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ExtractError(f"{csv_path}: missing column(s) {', '.join(missing)}")
        for line, record in enumerate(reader, start=2):
            name = record["size"].strip()
            if not name.startswith("Standard_"):
                raise ExtractError(f"row {line}, column size: {name!r} lacks the Standard_ prefix")
            region = record["region"].strip()
            if not region:
                raise ExtractError(f"row {line}, column region: empty")
            vcpus = _number(record["vcpus"], row=line, column="vcpus")
            if not vcpus.is_integer() or vcpus < 1:
                raise ExtractError(f"row {line}, column vcpus: {record['vcpus']!r} is not a positive integer")
            memory = _number(record["memory_gib"], row=line, column="memory_gib")
            generations = sorted(g.strip() for g in record["hyperv_generations"].split(";") if g.strip())
            if not generations or not set(generations) <= GENERATIONS:
                raise ExtractError(
                    f"row {line}, column hyperv_generations: {record['hyperv_generations']!r} "
                    "is not a ;-separated list of V1/V2"
                )
            facts = {
                "name": name,
                "vcpus": int(vcpus),
                "memory_gib": _plain(memory),
                "hyperv_generations": generations,
            }
            known = sizes.setdefault(name, facts)
            if known != facts:
                raise ExtractError(f"row {line}: {name} disagrees with an earlier row ({known} vs {facts})")
            od = _number(record["od_price_hour_usd"], row=line, column="od_price_hour_usd")
            spot_text = record["spot_price_hour_usd"].strip()
            spot = _number(spot_text, row=line, column="spot_price_hour_usd") if spot_text else None
            by_size = prices.setdefault(region, {})
            if name in by_size:
                raise ExtractError(f"row {line}: duplicate row for {name} in {region}")
            by_size[name] = [od, spot]
    if not sizes:
        raise ExtractError(f"{csv_path}: no rows")
    return {
        "as_of": as_of.isoformat(),
        "as_of_note": AS_OF_NOTE,
        "source": SOURCE,
        "sizes": [sizes[name] for name in sorted(sizes)],
        "prices": {
            region: {name: prices[region][name] for name in sorted(prices[region])}
            for region in sorted(prices)
        },
    }


def render(document: dict[str, Any]) -> str:
    """Serialise deterministically: one size or price per line keeps diffs of a refresh readable."""
    lines = ["{"]
    lines.append(f'  "as_of": {json.dumps(document["as_of"])},')
    lines.append(f'  "as_of_note": {json.dumps(document["as_of_note"])},')
    lines.append(f'  "source": {json.dumps(document["source"])},')
    lines.append('  "sizes": [')
    size_lines = [f"    {json.dumps(size)}" for size in document["sizes"]]
    lines.append(",\n".join(size_lines))
    lines.append("  ],")
    lines.append('  "prices": {')
    region_blocks = []
    for region, by_size in document["prices"].items():
        rows = ",\n".join(f"      {json.dumps(name)}: {json.dumps(pair)}" for name, pair in by_size.items())
        region_blocks.append(f"    {json.dumps(region)}: {{\n{rows}\n    }}")
    lines.append(",\n".join(region_blocks))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv_path", type=Path, help="the azure-vm-prices.csv extract")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=DEFAULT_AS_OF,
        help=f"date recorded as as_of (default {DEFAULT_AS_OF.isoformat()}, the day the extract came in)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write")
    args = parser.parse_args(argv)
    try:
        document = build_catalog_document(args.csv_path, as_of=args.as_of)
    except (OSError, ExtractError) as error:
        parser.exit(2, f"build_catalog: {error}\n")
    args.output.write_text(render(document), encoding="utf-8")
    sys.stderr.write(
        f"wrote {args.output}: {len(document['sizes'])} sizes, {len(document['prices'])} regions\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay of recorded market conditions: a CSV trace that overrides the simulated market.

A what-if run often wants a known history ("eastus zone 2 lost D4s_v5 capacity at 14:00 for
three hours, and the price doubled") rather than a random one. A trace lists rows

    time,region,zone,size,spot_price,available
    2026-01-05T14:00:00Z,eastus,2,Standard_D4s_v5,0.0423,false

and `sim.market.Market(trace=...)` takes the price and the Spot availability of every market the
trace names from it, piecewise constant from each row to that market's next row (the last row
holds forever; before a market's first row the scenario's model applies). A row that turns a
market unavailable is a capacity loss: the market evicts every Spot VM there, like a drought.
An empty `spot_price` keeps the modelled price and overrides only availability. Zone "" is
the regional (non-zonal) market. Every row is validated; an error names the line and column.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MarketKey = tuple[str, str, str]  # (region, zone, size), region and size lower-cased

COLUMNS: tuple[str, ...] = ("time", "region", "zone", "size", "spot_price", "available")

_REGION = re.compile(r"^[a-z][a-z0-9]*$")
_ZONE = re.compile(r"^[0-9]*$")
_SIZE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class TraceError(ValueError):
    """A trace row is malformed; `line` is 1-based (the header is line 1), `column` its name."""

    def __init__(self, line: int, column: str | None, message: str) -> None:
        where = f"line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"trace {where}: {message}")
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class TracePoint:
    """One market's recorded state from `at` (epoch seconds) until its next point."""

    at: float
    spot_price: float | None  # None: keep the modelled price
    available: bool


class Trace:
    """Recorded states per market, sorted by time. Built by `load_trace`."""

    def __init__(self, points: Mapping[MarketKey, Sequence[TracePoint]]) -> None:
        self._points = {key: sorted(rows, key=lambda p: p.at) for key, rows in points.items() if rows}
        self._times = {key: [p.at for p in rows] for key, rows in self._points.items()}
        self._losses = {key: _capacity_losses(rows) for key, rows in self._points.items()}

    @property
    def markets(self) -> frozenset[MarketKey]:
        return frozenset(self._points)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._points.values())

    def covers(self, key: MarketKey) -> bool:
        return key in self._points

    def point_at(self, key: MarketKey, at: float) -> TracePoint | None:
        """The row in force at `at`; None if the trace does not name the market or starts later."""
        times = self._times.get(key)
        if times is None:
            return None
        index = bisect.bisect_right(times, at) - 1
        return self._points[key][index] if index >= 0 else None

    def starts_at(self, key: MarketKey) -> float | None:
        times = self._times.get(key)
        return times[0] if times else None

    def next_capacity_loss(self, key: MarketKey, after: float) -> float | None:
        """The first time strictly after `after` at which the market becomes unavailable."""
        losses = self._losses.get(key, [])
        index = bisect.bisect_right(losses, after)
        return losses[index] if index < len(losses) else None


def _capacity_losses(rows: Sequence[TracePoint]) -> list[float]:
    losses: list[float] = []
    was_available = True  # before its first row a market is assumed to have had capacity
    for point in rows:
        if was_available and not point.available:
            losses.append(point.at)
        was_available = point.available
    return losses


def load_trace(source: str | Path) -> Trace:
    """Parse a trace from a file path or from CSV text (a string with a newline, or one that
    starts with the header's first column)."""
    is_text = isinstance(source, str) and ("\n" in source or source.lstrip().lower().startswith("time,"))
    if not is_text:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"trace file not found: {path}")
        text = path.read_text(encoding="utf-8")
    else:
        text = str(source)
    return Trace(_parse_rows(csv.reader(io.StringIO(text))))


def _parse_rows(reader: Iterable[list[str]]) -> dict[MarketKey, list[TracePoint]]:
    rows = iter(reader)
    header = next(rows, None)
    if header is None:
        raise TraceError(1, None, f"empty trace; expected a header {','.join(COLUMNS)}")
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise TraceError(1, unknown[0], f"unknown column; expected {','.join(COLUMNS)}")
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise TraceError(1, missing[0], "missing column in the header")
    index = {name: names.index(name) for name in COLUMNS}
    points: dict[MarketKey, list[TracePoint]] = {}
    seen: dict[tuple[MarketKey, float], int] = {}
    for line, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise TraceError(line, None, f"expected {len(names)} fields, got {len(row)}")
        cells = {name: row[index[name]].strip() for name in COLUMNS}
        key, point = _parse_row(line, cells)
        earlier = seen.get((key, point.at))
        if earlier is not None:
            raise TraceError(
                line, "time", f"duplicate row for this market at this time (first on line {earlier})"
            )
        seen[(key, point.at)] = line
        points.setdefault(key, []).append(point)
    return points


def _parse_row(line: int, cells: Mapping[str, str]) -> tuple[MarketKey, TracePoint]:
    at = _parse_time(line, cells["time"])
    region = cells["region"].lower()
    if not _REGION.match(region):
        raise TraceError(
            line, "region", f"expected an Azure region name like 'eastus', got {cells['region']!r}"
        )
    zone = cells["zone"]
    if not _ZONE.match(zone):
        raise TraceError(line, "zone", f"expected a zone number or empty (regional), got {zone!r}")
    size = cells["size"]
    if not _SIZE.match(size):
        raise TraceError(line, "size", f"expected a VM size like 'Standard_D2s_v5', got {size!r}")
    price = _parse_price(line, cells["spot_price"])
    available = cells["available"].lower()
    if available not in _TRUE | _FALSE:
        raise TraceError(line, "available", f"expected true or false, got {cells['available']!r}")
    key = (region, zone, size.lower())
    return key, TracePoint(at=at, spot_price=price, available=available in _TRUE)


def _parse_time(line: int, text: str) -> float:
    # RFC 3339 needs a date, a time and an offset; fromisoformat alone would accept a bare date.
    if "T" not in text.upper() and " " not in text:
        raise TraceError(line, "time", f"expected an RFC 3339 time like 2026-01-05T14:00:00Z, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TraceError(
            line, "time", f"expected an RFC 3339 time like 2026-01-05T14:00:00Z, got {text!r}"
        ) from None
    if parsed.tzinfo is None:
        raise TraceError(line, "time", f"time needs a UTC offset (Z or +hh:mm), got {text!r}")
    return parsed.astimezone(UTC).timestamp()


def _parse_price(line: int, text: str) -> float | None:
    if not text:
        return None
    try:
        price = float(text)
    except ValueError:
        raise TraceError(line, "spot_price", f"expected a price in USD per hour, got {text!r}") from None
    if not math.isfinite(price) or price <= 0:
        raise TraceError(line, "spot_price", f"price must be a positive number, got {text!r}")
    return price

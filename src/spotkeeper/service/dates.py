"""Reading the time values clients put in query strings, and writing times the way they read them.

The log and cost routes take `fromDate`/`toDate` as an ISO 8601 date (`2026-01-05`), an ISO
8601 date-time (`2026-01-05T10:00:00Z`), or Unix milliseconds (`1767607200000`), as the public
clients send them (spot-api.md §2 rows 16-19). A bare date as the *end* of a window means the
whole of that day, so `fromDate=2026-01-05&toDate=2026-01-05` is one full day. Times without
an offset are UTC. Every time we emit is RFC 3339 with milliseconds and `Z`
(`2026-01-05T10:00:00.000Z`), the one shape Go's `time.Time` and the SDKs all parse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from spotkeeper.engine.costs import wire_time
from spotkeeper.spec.problems import Problem, SpecError

_MILLIS = re.compile(r"^-?\d{1,15}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Unix ms beyond year 9999 cannot become a datetime
_MAX_MILLIS = 253402300799999


def parse_instant(value: str, *, field: str, end_of_window: bool = False) -> datetime:
    """The UTC instant `value` names; a bare date as a window end means the next midnight."""
    text = value.strip()
    try:
        if _MILLIS.match(text):
            millis = int(text)
            if not 0 <= millis <= _MAX_MILLIS:
                raise ValueError("out of range")
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
        if _DATE.match(text):
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0), UTC)
            return start + timedelta(days=1) if end_of_window and day < date.max else start
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        raise SpecError(
            [
                Problem(
                    "INVALID_VALUE",
                    field,
                    f"{field} must be an ISO 8601 date (2026-01-05), date-time (2026-01-05T10:00:00Z) or "
                    f"Unix milliseconds, got {value!r}",
                )
            ]
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_window(from_date: str, to_date: str) -> tuple[datetime, datetime]:
    start = parse_instant(from_date, field="fromDate")
    end = parse_instant(to_date, field="toDate", end_of_window=True)
    if end < start:
        raise SpecError(
            [Problem("INVALID_VALUE", "toDate", f"toDate ({to_date}) is before fromDate ({from_date})")]
        )
    return start, end


__all__ = ["parse_instant", "parse_window", "wire_time"]

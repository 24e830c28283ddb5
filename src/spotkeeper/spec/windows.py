"""Weekly time windows (`optimizationWindows`, `odWindows`): parsing and membership.

A window is written `ddd:hh:mm-ddd:hh:mm` (e.g. `Mon:09:00-Fri:20:00`), in UTC. The seed is
explicit that a window is ONE CONTINUOUS SPAN from its start to its end, not a daily range:
`Mon:09:00-Fri:20:00` covers Tuesday 22:00; somebody who wants "weekdays 09:00-20:00" must
write five windows. A span whose end falls before its start in the week wraps over the week
boundary (`Fri:22:00-Mon:06:00` is the weekend). Spans are half-open: the start minute is
inside, the end minute is not, so back-to-back windows never both claim an instant.

The spec rules use `parse_window` to reject bad text with a precise message; the engine uses
the membership and boundary functions to decide reverts and odWindows recycling. Everything
here is pure: callers pass the time in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DAYS: tuple[str, ...] = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
WEEK = timedelta(days=7)
_MINUTES_PER_WEEK = 7 * 24 * 60

_SHAPE = re.compile(r"([A-Za-z]{3}):(\d{2}):(\d{2})-([A-Za-z]{3}):(\d{2}):(\d{2})")
_DAY_INDEX = {name.lower(): i for i, name in enumerate(DAYS)}


@dataclass(frozen=True, order=True)
class Window:
    """A weekly span from `start` to `end`, both in minutes since Sunday 00:00 UTC."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if not 0 <= value < _MINUTES_PER_WEEK:
                last = _MINUTES_PER_WEEK - 1
                raise ValueError(f"window {name} {value} is not a minute of the week (0-{last})")
        if self.start == self.end:
            raise ValueError("window starts and ends at the same time, so its length is ambiguous")

    @property
    def wraps(self) -> bool:
        """True when the span runs over the Saturday/Sunday week boundary."""
        return self.end < self.start

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=(self.end - self.start) % _MINUTES_PER_WEEK)

    def contains(self, at: datetime) -> bool:
        offset = _minutes_into_week(at)
        if self.wraps:
            return offset >= self.start or offset < self.end
        return self.start <= offset < self.end

    def next_start(self, after: datetime) -> datetime:
        """The first time strictly after `after` at which this window opens."""
        return _next_occurrence(self.start, after)

    def next_end(self, after: datetime) -> datetime:
        """The first time strictly after `after` at which this window closes."""
        return _next_occurrence(self.end, after)

    def __str__(self) -> str:
        return f"{_format_minute(self.start)}-{_format_minute(self.end)}"


@dataclass(frozen=True)
class WindowBoundary:
    """A moment where being inside any of a set of windows changes: `entering` True when the
    node goes from outside every window to inside one, False when it leaves the last one."""

    at: datetime
    entering: bool


def parse_window(text: str) -> Window:
    """Parse `ddd:hh:mm-ddd:hh:mm`; days `Sun`..`Sat` in any case, hours 00-23, minutes 00-59.

    Raises `ValueError` naming what is wrong and quoting the text."""
    if not isinstance(text, str):
        raise ValueError(f"window must be a string like 'Mon:09:00-Fri:20:00', got {type(text).__name__}")
    match = _SHAPE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"window {text!r} must have the form ddd:hh:mm-ddd:hh:mm, e.g. 'Mon:09:00-Fri:20:00'"
        )
    start_day, start_hour, start_minute, end_day, end_hour, end_minute = match.groups()
    start = _minute_of_week(text, "start", start_day, start_hour, start_minute)
    end = _minute_of_week(text, "end", end_day, end_hour, end_minute)
    if start == end:
        raise ValueError(f"window {text!r} starts and ends at the same time; give it a length")
    return Window(start, end)


def parse_windows(texts: Iterable[str]) -> tuple[Window, ...]:
    return tuple(parse_window(text) for text in texts)


def in_any_window(windows: Iterable[Window], at: datetime) -> bool:
    return any(window.contains(at) for window in windows)


def next_window_start(windows: Iterable[Window], after: datetime) -> datetime | None:
    """The first time strictly after `after` at which one of `windows` opens (None if there are
    none). A window that opens while another is already open still counts: it is a start."""
    starts = [window.next_start(after) for window in windows]
    return min(starts) if starts else None


def next_boundary(windows: Sequence[Window], after: datetime) -> WindowBoundary | None:
    """The first time strictly after `after` at which `in_any_window` changes value.

    Overlapping or back-to-back windows are treated as their union, so a window opening inside
    another is not a boundary. None when there are no windows or they cover the whole week."""
    if not windows:
        return None
    candidates = sorted(
        {window.next_start(after) for window in windows} | {window.next_end(after) for window in windows}
    )
    inside = in_any_window(windows, after)
    # Membership is constant between consecutive candidates, so testing each candidate itself
    # finds the first change; candidates span exactly one week ahead, which covers every case.
    for moment in candidates:
        now_inside = in_any_window(windows, moment)
        if now_inside != inside:
            return WindowBoundary(at=moment, entering=now_inside)
    return None


# ----------------------------------------------------------------------------- helpers


def _minute_of_week(text: str, which: str, day: str, hour: str, minute: str) -> int:
    day_index = _DAY_INDEX.get(day.lower())
    if day_index is None:
        raise ValueError(
            f"window {text!r}: {which} day {day!r} is not one of {', '.join(DAYS)}"
        )
    hours, minutes = int(hour), int(minute)
    if hours > 23:
        raise ValueError(f"window {text!r}: {which} hour {hour} is out of range 00-23")
    if minutes > 59:
        raise ValueError(f"window {text!r}: {which} minute {minute} is out of range 00-59")
    return (day_index * 24 + hours) * 60 + minutes


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("window times must be timezone-aware (UTC)")
    return at.astimezone(UTC)


def _week_start(at: datetime) -> datetime:
    """Sunday 00:00 UTC at or before `at`."""
    at = _utc(at)
    days_since_sunday = (at.weekday() + 1) % 7
    return at.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_since_sunday)


def _minutes_into_week(at: datetime) -> float:
    at = _utc(at)
    return (at - _week_start(at)) / timedelta(minutes=1)


def _next_occurrence(minute_of_week: int, after: datetime) -> datetime:
    candidate = _week_start(after) + timedelta(minutes=minute_of_week)
    if candidate <= _utc(after):
        candidate += WEEK
    return candidate


def _format_minute(minute_of_week: int) -> str:
    day, rest = divmod(minute_of_week, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return f"{DAYS[day]}:{hours:02d}:{minutes:02d}"

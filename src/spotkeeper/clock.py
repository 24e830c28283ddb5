"""Time as a seam.

Every component that reads time (engine, store leases, the simulated Azure, cost accounting)
takes a `Clock` instead of calling `datetime.now()`. Tests and what-if runs use `ManualClock`
(30 simulated days in seconds); production uses `SystemClock`; demos of the simulated Azure
use `ScaledClock`, real time running `speed` times faster. All times are timezone-aware UTC.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to. Thread-safe so a worker thread can read it."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday, so windows read naturally
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by `delta` (a timedelta or seconds). Time never runs backwards."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock cannot move backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when`; moving backwards is refused so event ordering stays sound."""
        when = when.astimezone(UTC)
        with self._lock:
            if when < self._now:
                raise ValueError(f"cannot move the clock back from {self._now} to {when}")
            self._now = when
            return self._now


class ScaledClock:
    """Real time sped up by `speed` from `start` (demos: an hour of market in a minute)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_wall = time.monotonic()
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_wall) * self.speed
        return self._origin + timedelta(seconds=elapsed)

"""The simulated Azure's timeline: a heap of future events and the trace of what happened.

Nothing in the simulator runs on its own. An operation that takes time in Azure (a VM create,
a snapshot, an eviction after its 30-second notice) puts an event on this heap for the moment
it completes, and the simulator applies every due event whenever it is asked anything
(`SimAzure.catch_up`). Events due at the same instant run in the order they were scheduled (a
sequence number breaks ties), so the same seed and the same calls always give the same run.

`TraceEntry` rows (time, kind, resource, detail) record every state change in order; two runs
are identical exactly when their traces are.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


class TraceEntry(NamedTuple):
    time: datetime
    kind: str  # dotted, e.g. "vm.create.accepted", "vm.evicted", "market.wave"
    resource: str  # lower-cased resource id (or market key for market events)
    detail: str


@dataclass(order=True)
class ScheduledAction:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    resource: str = field(compare=False)
    action: Callable[[], None] = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Cancelled actions stay on the heap (removal is O(n)) and are skipped when due."""
        self.cancelled = True


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[ScheduledAction] = []
        self._seq = 0

    def schedule(self, at: datetime, kind: str, resource: str, action: Callable[[], None]) -> ScheduledAction:
        self._seq += 1
        item = ScheduledAction(at=at, seq=self._seq, kind=kind, resource=resource, action=action)
        heapq.heappush(self._heap, item)
        return item

    def next_at(self) -> datetime | None:
        self._drop_cancelled()
        return self._heap[0].at if self._heap else None

    def pop_due(self, now: datetime) -> ScheduledAction | None:
        """The earliest live event due at or before `now`, removed from the heap."""
        self._drop_cancelled()
        if self._heap and self._heap[0].at <= now:
            return heapq.heappop(self._heap)
        return None

    def pending(self) -> list[ScheduledAction]:
        """Live events in the order they will run (for inspection and tests)."""
        return sorted(item for item in self._heap if not item.cancelled)

    def __len__(self) -> int:
        return sum(1 for item in self._heap if not item.cancelled)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)

"""Cron-scheduled pause/resume/recycle tasks: which are due, when the next one fires, and
what an expression means in words.

`scheduling.tasks[]` carries 5-field cron expressions evaluated in UTC (minute hour
day-of-month month day-of-week, day-of-week 0-6 = Sun-Sat; when both day fields are
restricted either may match, as in classic cron). The worker asks `due_tasks` for the window
since its last pass and `next_fire` to know when to wake the node next.

Missed firings collapse: if the worker was down across several firings of one task, only the
latest one runs. The tasks are idempotent state requests (pause, resume, recycle), so running
a pause three times in a row buys nothing, and replaying a backlog of recycles would churn
the VM for no reason; the latest firing is the one that expresses the user's current intent.
Different tasks still run in time order, so a pause at 20:00 followed by a resume at 08:00
leaves the node running, as the schedule says it should be after 08:00.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from croniter import croniter

TaskType = Literal["pause", "resume", "recycle"]

_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DOW_ALIASES = {name[:3].lower(): str(i) for i, name in enumerate(_DAY_NAMES)}
_MONTH_ALIASES = {name[:3].lower(): str(i + 1) for i, name in enumerate(_MONTH_NAMES)}


@dataclass(frozen=True)
class ScheduledTask:
    type: TaskType
    cron: str
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.type not in ("pause", "resume", "recycle"):
            raise ValueError(f"task type must be pause, resume or recycle, got {self.type!r}")
        check_cron(self.cron)


def check_cron(expr: str) -> None:
    """Raise `ValueError` unless `expr` is a valid 5-field cron expression."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expr!r} must have 5 fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)}"
        )
    if not croniter.is_valid(expr):
        raise ValueError(f"cron expression {expr!r} is not valid")


def due_tasks(
    tasks: Sequence[ScheduledTask], *, after: datetime, until: datetime
) -> list[tuple[datetime, ScheduledTask]]:
    """Enabled tasks that fired in (`after`, `until`], each once at its latest firing, in time
    order (ties keep the tasks' order)."""
    due: list[tuple[datetime, int, ScheduledTask]] = []
    for index, task in enumerate(tasks):
        if not task.enabled:
            continue
        # croniter's get_prev is strictly before its start, so start just after `until`.
        latest: datetime = croniter(task.cron, until + timedelta(microseconds=1)).get_prev(datetime)
        if latest > after:
            due.append((latest, index, task))
    due.sort(key=lambda item: (item[0], item[1]))
    return [(fire, task) for fire, _, task in due]


def next_fire(tasks: Sequence[ScheduledTask], after: datetime) -> datetime | None:
    """The first firing of any enabled task strictly after `after` (None: nothing enabled)."""
    fires = [croniter(t.cron, after).get_next(datetime) for t in tasks if t.enabled]
    return min(fires) if fires else None


# ----------------------------------------------------------------------------- in words


def describe_cron(expr: str) -> str:
    """A cron expression in words for the console, e.g. "at 20:00, Monday through Friday",
    "every 15 minutes"."""
    check_cron(expr)
    minute, hour, dom, month, dow = expr.split()
    time_part, daily = _describe_time(minute, hour)
    days: list[str] = []
    if dom != "*":
        days.append(f"on day {_describe_values(dom, str, {}, (1, 31))} of the month")
    if dow != "*":
        weekdays = _describe_values(dow, _day_name, _DOW_ALIASES, (0, 6))
        # Both day fields restricted means either may match (classic cron).
        days.append(f"on {weekdays}" if days else weekdays)
    day_part = ", " + " or ".join(days) if days else (", every day" if daily else "")
    month_part = ""
    if month != "*":
        month_part = f", in {_describe_values(month, _month_name, _MONTH_ALIASES, (1, 12))}"
    return f"{time_part}{day_part}{month_part}"


def _describe_time(minute: str, hour: str) -> tuple[str, bool]:
    """The time-of-day words, and whether they name specific times (so "every day" reads well)."""
    minutes = _plain_values(minute)
    hours = _plain_values(hour)
    if minutes is not None and hours is not None and len(minutes) * len(hours) <= 6:
        return f"at {_join([f'{h:02d}:{m:02d}' for h in hours for m in minutes])}", True
    if minute == "*":
        every = "every minute"
    elif minute.startswith("*/"):
        every = f"every {minute[2:]} minutes"
    elif minutes is not None:
        every = f"at minute {_join([str(m) for m in minutes])}"
    else:
        every = f"at minutes {minute}"
    if hour == "*":
        return (every if minutes is None else f"{every} of every hour"), False
    if hour.startswith("*/"):
        return f"{every}, every {hour[2:]} hours", False
    if hours is not None:
        return f"{every}, during hour {_join([f'{h:02d}' for h in hours])}", False
    span = re.fullmatch(r"(\d+)-(\d+)", hour)
    if span is not None:
        return f"{every}, between {int(span[1]):02d}:00 and {int(span[2]):02d}:59", False
    return f"{every}, during hours {hour}", False


def _describe_values(
    field: str, name: Callable[[int], str], aliases: dict[str, str], bounds: tuple[int, int]
) -> str:
    """A field's values in words: "Monday through Friday", "1 and 15", stepped ranges listed."""
    items: list[str] = []
    for raw in field.lower().split(","):
        part = raw
        for alias, number in aliases.items():
            part = part.replace(alias, number)
        base, _, step = part.partition("/")
        if base == "*":
            low, high = bounds
        elif "-" in base:
            low_text, high_text = base.split("-", 1)
            low, high = int(low_text), int(high_text)
        else:
            low = high = int(base)
            if step:  # "5/10" means from 5 to the end in steps of 10
                high = bounds[1]
        if step:
            items.extend(name(v) for v in range(low, high + 1, int(step)))
        elif low == high:
            items.append(name(low))
        else:
            items.append(f"{name(low)} through {name(high)}")
    return _join(items)


def _day_name(value: int) -> str:
    return _DAY_NAMES[value % 7]  # croniter also accepts 7 for Sunday


def _month_name(value: int) -> str:
    return _MONTH_NAMES[value - 1]


def _plain_values(field: str) -> list[int] | None:
    """The values of a field made only of numbers and commas, else None."""
    parts = field.split(",")
    if not all(p.isdigit() for p in parts):
        return None
    return sorted({int(p) for p in parts})


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"

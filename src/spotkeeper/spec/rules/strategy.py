"""Create rules for the node's strategy: fallback, reverting to Spot, windows, signals, CRGs.

Bounds used (spot-api.md §3.2 unless noted):
- `availabilityVsCost` 0..100 (100 = availability, 0 = cost).
- `drainingTimeout` 1..1800 s. The node schema documents only "default 120, min 1"; the upper
  bound is the one OpenAPI gives the same field of the import body (§4.2, 0..1800).
- `signals[].timeout` at least 1 s; each signal type at most once (a second one would be
  ambiguous: which timeout applies?).
- `interruptionToleration`: `cooldown` 120..10080 min, `evaluationPeriod` 30..1440 min,
  `threshold` at least 3; all three are required when it is enabled.
- Windows (`optimizationWindows`, `odWindows`) are parsed by `spec.windows.parse_window`, which
  reads `Mon:09:00-Fri:20:00` as ONE continuous span, as the seed insists. `revertToSpot`
  `timeWindow` needs at least one optimization window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import combinations

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import Rule, RuleContext, at, error, is_blank, warning
from spotkeeper.spec.windows import Window, parse_window

AVAILABILITY_VS_COST = (0, 100)
DRAINING_TIMEOUT = (1, 1800)
SIGNAL_TIMEOUT_MIN = 1
_MINUTES_PER_WEEK = 7 * 24 * 60
TOLERATION_BOUNDS = {
    "cooldown": (120, 10080),
    "evaluationPeriod": (30, 1440),
    "threshold": (3, None),
}


def _range_problem(
    field: str, value: int | None, low: int, high: int | None, unit: str = ""
) -> Problem | None:
    if value is None or (value >= low and (high is None or value <= high)):
        return None
    suffix = f" {unit}" if unit else ""
    wanted = f"between {low} and {high}{suffix}" if high is not None else f"at least {low}{suffix}"
    return error("OUT_OF_RANGE", field, f"must be {wanted} (got {value})")


def check_numbers(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    if strategy is None:
        return
    for problem in (
        _range_problem("strategy.availabilityVsCost", strategy.availability_vs_cost, *AVAILABILITY_VS_COST),
        _range_problem(
            "strategy.drainingTimeout", strategy.draining_timeout, *DRAINING_TIMEOUT, unit="seconds"
        ),
    ):
        if problem is not None:
            yield problem


def check_revert(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    if strategy is None:
        return
    revert = strategy.revert_to_spot
    if revert is not None and revert.perform_at is None:
        yield error(
            "REQUIRED",
            "strategy.revertToSpot.performAt",
            'revertToSpot needs performAt: "always", "timeWindow" or "never"',
        )
    perform_at = revert.perform_at if revert else None
    if perform_at == "timeWindow" and not strategy.optimization_windows:
        yield error(
            "TIME_WINDOW_NEEDS_WINDOWS",
            "strategy.optimizationWindows",
            'revertToSpot.performAt "timeWindow" needs at least one optimization window, '
            "e.g. Mon:09:00-Mon:20:00",
        )
    if strategy.optimization_windows and perform_at != "timeWindow":
        yield warning(
            "WINDOWS_UNUSED",
            "strategy.optimizationWindows",
            'optimization windows apply only when revertToSpot.performAt is "timeWindow"; they are ignored',
        )


def check_windows(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    if strategy is None:
        return
    yield from _parsed("strategy.optimizationWindows", strategy.optimization_windows or [])[1]
    od_windows = _parsed("strategy.odWindows", strategy.od_windows or [])
    yield from od_windows[1]
    for (i, first), (j, second) in combinations(od_windows[0], 2):
        if overlaps(first, second):
            yield warning(
                "OVERLAPPING_WINDOWS",
                at("strategy.odWindows", j),
                f"{second} overlaps odWindows[{i}] ({first}); overlapping on-demand windows act as one",
            )


def _parsed(path: str, texts: Sequence[str]) -> tuple[list[tuple[int, Window]], list[Problem]]:
    windows: list[tuple[int, Window]] = []
    problems: list[Problem] = []
    for i, text in enumerate(texts):
        try:
            windows.append((i, parse_window(text)))
        except ValueError as problem:
            problems.append(error("INVALID_TIME_WINDOW", at(path, i), str(problem)))
    return windows, problems


def overlaps(first: Window, second: Window) -> bool:
    """True when two weekly spans share at least one minute."""
    return any(a[0] < b[1] and b[0] < a[1] for a in _intervals(first) for b in _intervals(second))


def _intervals(window: Window) -> list[tuple[int, int]]:
    """The span as half-open minute intervals of one week; a span over the week's end is split."""
    if not window.wraps:
        return [(window.start, window.end)]
    return [(window.start, _MINUTES_PER_WEEK), (0, window.end)]


def check_signals(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    if strategy is None:
        return
    seen: dict[str, int] = {}
    for i, signal in enumerate(strategy.signals or []):
        base = at("strategy.signals", i)
        if signal.type in seen:
            yield error(
                "DUPLICATE_SIGNAL",
                f"{base}.type",
                f"signal {signal.type} is already defined at signals[{seen[signal.type]}]; "
                "give each type once",
            )
        seen.setdefault(signal.type, i)
        problem = _range_problem(f"{base}.timeout", signal.timeout, SIGNAL_TIMEOUT_MIN, None, unit="seconds")
        if problem is not None:
            yield problem


def check_capacity_reservation(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    reservation = strategy.capacity_reservation if strategy else None
    if reservation is None:
        return
    base = "strategy.capacityReservation"
    if reservation.should_utilize is None:
        yield error(
            "REQUIRED", f"{base}.shouldUtilize", "capacityReservation needs shouldUtilize (true or false)"
        )
    if reservation.utilization_strategy is None:
        yield error(
            "REQUIRED",
            f"{base}.utilizationStrategy",
            'capacityReservation needs utilizationStrategy: "utilizeOverSpot" or "utilizeOverOD"',
        )
    seen: set[tuple[str, str]] = set()
    for i, group in enumerate(reservation.capacity_reservation_groups or []):
        field = at(f"{base}.capacityReservationGroups", i)
        for key, value in (("name", group.name), ("resourceGroupName", group.resource_group_name)):
            if is_blank(value):
                yield error("REQUIRED", f"{field}.{key}", f"a capacity reservation group needs {key}")
        identity = (group.resource_group_name.lower(), group.name.lower())
        if identity in seen:
            yield warning("DUPLICATE_CAPACITY_RESERVATION_GROUP", field, f"{group.name} is listed twice")
        seen.add(identity)


def check_interruption_toleration(ctx: RuleContext) -> Iterator[Problem]:
    strategy = ctx.node.strategy
    toleration = strategy.interruption_toleration if strategy else None
    if toleration is None:
        return
    base = "strategy.interruptionToleration"
    values = {
        "cooldown": toleration.cooldown,
        "evaluationPeriod": toleration.evaluation_period,
        "threshold": toleration.threshold,
    }
    for key, value in values.items():
        if value is None and toleration.is_enabled:
            yield error("REQUIRED", f"{base}.{key}", f"interruption toleration is enabled, so it needs {key}")
        low, high = TOLERATION_BOUNDS[key]
        problem = _range_problem(
            f"{base}.{key}", value, low, high, unit="" if key == "threshold" else "minutes"
        )
        if problem is not None:
            yield problem


RULES: tuple[Rule, ...] = (
    check_numbers,
    check_revert,
    check_windows,
    check_signals,
    check_capacity_reservation,
    check_interruption_toleration,
)

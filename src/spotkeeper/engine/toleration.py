"""Interruption toleration: after too many evictions in a short time, stay on-demand a while.

`strategy.interruptionToleration` {isEnabled, threshold, evaluationPeriod (min), cooldown
(min)}: when `threshold` interruptions happen within `evaluationPeriod` minutes, the node runs
on-demand for `cooldown` minutes, counted from the interruption that reached the threshold.
A node that keeps being evicted spends its time recovering rather than working; a short
on-demand stretch is cheaper than that churn. `decide_revert` takes the `until` this returns
so it does not move the node back to spot early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple


@dataclass(frozen=True)
class TolerationPolicy:
    enabled: bool
    threshold: int
    evaluation_period_min: int
    cooldown_min: int

    def __post_init__(self) -> None:
        if self.enabled and (self.threshold < 1 or self.evaluation_period_min < 1 or self.cooldown_min < 1):
            raise ValueError("interruption toleration needs threshold, evaluation period and cooldown >= 1")


class TolerationVerdict(NamedTuple):
    forced: bool
    until: datetime | None
    reason: str


def toleration_forces_od(
    policy: TolerationPolicy, evictions: Sequence[datetime], now: datetime
) -> TolerationVerdict:
    """Whether interruption toleration holds the node on-demand at `now`, and until when.

    A burst counts when `threshold` evictions fall within `evaluation_period_min` minutes of
    each other (inclusive); the hold ends `cooldown_min` minutes after the eviction that
    completed the burst. The latest-ending hold wins. Evictions after `now` are ignored."""
    if not policy.enabled:
        return TolerationVerdict(False, None, "interruption toleration is off")
    times = sorted(t for t in evictions if t <= now)
    period = timedelta(minutes=policy.evaluation_period_min)
    cooldown = timedelta(minutes=policy.cooldown_min)
    hold_until: datetime | None = None
    for last in range(policy.threshold - 1, len(times)):
        if times[last] - times[last - policy.threshold + 1] <= period:
            candidate = times[last] + cooldown
            if hold_until is None or candidate > hold_until:
                hold_until = candidate
    if hold_until is not None and now < hold_until:
        return TolerationVerdict(
            True,
            hold_until,
            f"{policy.threshold} interruptions within {policy.evaluation_period_min} min; "
            f"running on-demand for {policy.cooldown_min} min, until {hold_until:%Y-%m-%d %H:%M} UTC",
        )
    window_start = now - period
    recent = sum(1 for t in times if t >= window_start)
    return TolerationVerdict(
        False,
        None,
        f"{recent} interruption(s) in the last {policy.evaluation_period_min} min; "
        f"on-demand after {policy.threshold}",
    )

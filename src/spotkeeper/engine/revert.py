"""When a node running on-demand goes back to Spot, and what odWindows force.

`revertToSpot.performAt` says when a node that fell back to on-demand may move back to Spot:
`always` (as soon as spot capacity is there), `timeWindow` (only inside `optimizationWindows`,
each a continuous weekly span — see `spec.windows`), or `never`. A revert replaces the VM, so
we refuse it when it would not pay: inside an odWindow (the strategy is paused there), within
a cooldown after an eviction (the market just proved unreliable), or when the saving is below
a threshold. Every "no" carries a sentence for the node log, and when waiting will change the
answer, `retry_at` says when to look again so the worker can schedule the node instead of
polling.

`od_window_action` is the other half of odWindows: inside a window the node must be
on-demand; leaving the window ends that hold (both boundaries recycle the node).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.cloud.port import Lifecycle
from spotkeeper.engine.placement import Candidate
from spotkeeper.spec.windows import Window, in_any_window, next_boundary, next_window_start

PerformAt = Literal["always", "timeWindow", "never"]
OdWindowAction = Literal["force_od", "leave_od"]

DEFAULT_MIN_SAVING_FRACTION = 0.10
DEFAULT_EVICTION_COOLDOWN = timedelta(minutes=30)


@dataclass(frozen=True)
class RevertPolicy:
    perform_at: PerformAt = "always"
    optimization_windows: tuple[Window, ...] = ()
    od_windows: tuple[Window, ...] = ()
    min_saving_fraction: float = DEFAULT_MIN_SAVING_FRACTION
    cooldown: timedelta = DEFAULT_EVICTION_COOLDOWN

    def __post_init__(self) -> None:
        if self.perform_at not in ("always", "timeWindow", "never"):
            raise ValueError(f"perform_at must be always, timeWindow or never, got {self.perform_at!r}")
        if self.perform_at == "timeWindow" and not self.optimization_windows:
            raise ValueError("perform_at timeWindow needs at least one optimization window")
        if not 0.0 <= self.min_saving_fraction < 1.0:
            raise ValueError(f"min_saving_fraction must be in [0, 1), got {self.min_saving_fraction}")
        if self.cooldown < timedelta(0):
            raise ValueError("cooldown must not be negative")


@dataclass(frozen=True)
class RevertDecision:
    revert: bool
    reason: str
    retry_at: datetime | None = None


def decide_revert(
    policy: RevertPolicy,
    *,
    now: datetime,
    current_lifecycle: Lifecycle,
    current_price_hour: float,
    best_spot: Candidate | None,
    last_eviction_at: datetime | None,
    od_forced_until: datetime | None = None,
    last_refused_revert_at: datetime | None = None,
) -> RevertDecision:
    """Should the node, now on `current_lifecycle` at `current_price_hour`, move to `best_spot`?

    `od_forced_until` is the end of an interruption-toleration hold (see `engine.toleration`),
    which also keeps the node on-demand. `last_refused_revert_at` is when a revert last found
    its spot market refusing the VM (and went back to on-demand): that market is as unreliable
    as one that just evicted the node, so the same cooldown applies."""
    if current_lifecycle == "spot":
        return RevertDecision(False, "already on spot")
    if policy.perform_at == "never":
        return RevertDecision(False, "revertToSpot is 'never': the node stays on-demand")
    if in_any_window(policy.od_windows, now):
        boundary = next_boundary(policy.od_windows, now)
        return RevertDecision(
            False,
            "inside an odWindow: the node runs on-demand and the strategy is paused",
            boundary.at if boundary is not None else None,
        )
    if od_forced_until is not None and now < od_forced_until:
        return RevertDecision(
            False,
            f"interruption toleration holds on-demand until {_when(od_forced_until)}",
            od_forced_until,
        )
    if policy.perform_at == "timeWindow" and not in_any_window(policy.optimization_windows, now):
        opens = next_window_start(policy.optimization_windows, now)
        when = f"; next window opens {_when(opens)}" if opens is not None else ""
        return RevertDecision(False, f"outside the optimization windows{when}", opens)
    if last_eviction_at is not None and now < last_eviction_at + policy.cooldown:
        until = last_eviction_at + policy.cooldown
        minutes = int(policy.cooldown / timedelta(minutes=1))
        return RevertDecision(
            False,
            f"evicted {_ago(now - last_eviction_at)} ago; waiting {minutes} min after an eviction "
            f"before returning to spot (until {_when(until)})",
            until,
        )
    if last_refused_revert_at is not None and now < last_refused_revert_at + policy.cooldown:
        until = last_refused_revert_at + policy.cooldown
        return RevertDecision(
            False,
            f"a revert {_ago(now - last_refused_revert_at)} ago found spot refusing the VM; not trying "
            f"again before {_when(until)}",
            until,
        )
    if best_spot is None:
        return RevertDecision(False, "no spot market has capacity for the node's sizes now")
    if current_price_hour <= 0:
        return RevertDecision(False, "the current on-demand price is unknown, so the saving cannot be judged")
    saving = current_price_hour - best_spot.price_hour
    fraction = saving / current_price_hour
    # The tolerance keeps float noise from refusing a saving of exactly the threshold.
    if fraction < policy.min_saving_fraction - 1e-9:
        return RevertDecision(
            False,
            f"spot {best_spot.size} at ${best_spot.price_hour:.3f}/h saves only {fraction:.0%} against "
            f"${current_price_hour:.3f}/h on-demand (threshold {policy.min_saving_fraction:.0%})",
        )
    return RevertDecision(
        True,
        f"reverting to spot: {best_spot.reason}; saves {fraction:.0%} "
        f"(${saving:.3f}/h) against ${current_price_hour:.3f}/h on-demand",
    )


def od_window_action(
    policy: RevertPolicy,
    now: datetime,
    current_lifecycle: Lifecycle,
    *,
    held_by_window: bool = False,
) -> OdWindowAction | None:
    """What odWindows require now. "force_od": inside a window on spot, recycle onto on-demand.
    "leave_od": outside every window while on-demand because of one (`held_by_window`, which
    the caller records when it acts on "force_od"), recycle back so the strategy resumes.
    None otherwise: in particular a node on-demand for another reason (fallback, preferred
    lifecycle) is left to `decide_revert`."""
    inside = in_any_window(policy.od_windows, now)
    if inside and current_lifecycle == "spot":
        return "force_od"
    if not inside and current_lifecycle == "od" and held_by_window:
        return "leave_od"
    return None


def _when(at: datetime) -> str:
    return at.strftime("%a %Y-%m-%d %H:%M UTC")


def _ago(delta: timedelta) -> str:
    minutes = int(delta / timedelta(minutes=1))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"

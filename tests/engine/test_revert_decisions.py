"""Revert to spot: performAt, optimization windows (continuous spans), odWindows, cooldown
after an eviction, the saving threshold, and what odWindows force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.engine.placement import Candidate
from spotkeeper.engine.revert import RevertDecision, RevertPolicy, decide_revert, od_window_action
from spotkeeper.spec.windows import parse_windows

MON = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
TUESDAY_22 = MON + timedelta(days=1, hours=22)
OD_PRICE = 0.096
SPOT = Candidate("Standard_D2s_v5", "1", "spot", 0.012, 0.9, "spot Standard_D2s_v5 zone 1 at $0.012/h")


def decide(policy: RevertPolicy, now: datetime, **overrides: object) -> RevertDecision:
    args: dict[str, object] = {
        "now": now,
        "current_lifecycle": "od",
        "current_price_hour": OD_PRICE,
        "best_spot": SPOT,
        "last_eviction_at": None,
    }
    args.update(overrides)
    return decide_revert(policy, **args)  # type: ignore[arg-type]


def test_always_reverts_when_spot_is_there_and_saves_enough() -> None:
    decision = decide(RevertPolicy("always"), TUESDAY_22)
    assert decision.revert
    assert "saves 88%" in decision.reason and SPOT.reason in decision.reason


def test_never_keeps_the_node_on_demand() -> None:
    decision = decide(RevertPolicy("never"), TUESDAY_22)
    assert not decision.revert and "never" in decision.reason and decision.retry_at is None


def test_a_node_already_on_spot_is_not_reverted() -> None:
    decision = decide(RevertPolicy("always"), TUESDAY_22, current_lifecycle="spot")
    assert not decision.revert and decision.reason == "already on spot"


def test_continuous_span_window_allows_revert_on_tuesday_night() -> None:
    span = RevertPolicy("timeWindow", optimization_windows=parse_windows(["Mon:09:00-Fri:20:00"]))
    assert decide(span, TUESDAY_22).revert


def test_daily_windows_refuse_tuesday_night_and_say_when_the_next_one_opens() -> None:
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri")
    daily = RevertPolicy(
        "timeWindow", optimization_windows=parse_windows(f"{d}:09:00-{d}:20:00" for d in weekdays)
    )
    decision = decide(daily, TUESDAY_22)
    assert not decision.revert
    assert decision.retry_at == MON + timedelta(days=2, hours=9)
    assert "outside the optimization windows" in decision.reason and "Wed 2026-01-07 09:00" in decision.reason
    assert decide(daily, decision.retry_at).revert


@pytest.mark.parametrize(
    ("now", "reverts"),
    [
        (MON + timedelta(hours=8, minutes=59), False),
        (MON + timedelta(hours=9), True),
        (MON + timedelta(days=4, hours=19, minutes=59), True),
        (MON + timedelta(days=4, hours=20), False),
        (MON + timedelta(days=5, hours=12), False),
    ],
)
def test_time_window_edges(now: datetime, reverts: bool) -> None:
    span = RevertPolicy("timeWindow", optimization_windows=parse_windows(["Mon:09:00-Fri:20:00"]))
    assert decide(span, now).revert is reverts


def test_no_revert_inside_an_od_window_until_it_ends() -> None:
    policy = RevertPolicy("always", od_windows=parse_windows(["Tue:20:00-Wed:06:00"]))
    decision = decide(policy, TUESDAY_22)
    assert not decision.revert
    assert "odWindow" in decision.reason
    assert decision.retry_at == MON + timedelta(days=2, hours=6)
    assert decide(policy, decision.retry_at).revert


def test_cooldown_after_an_eviction_delays_the_revert() -> None:
    evicted = TUESDAY_22 - timedelta(minutes=10)
    decision = decide(RevertPolicy("always"), TUESDAY_22, last_eviction_at=evicted)
    assert not decision.revert
    assert decision.retry_at == evicted + timedelta(minutes=30)
    assert "evicted 10 min ago" in decision.reason
    assert decide(RevertPolicy("always"), decision.retry_at, last_eviction_at=evicted).revert


def test_custom_cooldown_is_honoured() -> None:
    evicted = TUESDAY_22 - timedelta(minutes=10)
    policy = RevertPolicy("always", cooldown=timedelta(minutes=5))
    assert decide(policy, TUESDAY_22, last_eviction_at=evicted).revert


@pytest.mark.parametrize(
    ("spot_price", "threshold", "reverts"),
    [
        (0.090, 0.10, False),  # 6 % saving
        (0.0864, 0.10, True),  # exactly 10 %
        (0.080, 0.20, False),  # 17 % against a 20 % bar
        (0.012, 0.10, True),
        (0.095, 0.0, True),  # any saving at all when the bar is 0
    ],
)
def test_saving_threshold(spot_price: float, threshold: float, reverts: bool) -> None:
    candidate = Candidate("Standard_D2s_v5", "1", "spot", spot_price, 0.9, "r")
    policy = RevertPolicy("always", min_saving_fraction=threshold)
    decision = decide(policy, TUESDAY_22, best_spot=candidate)
    assert decision.revert is reverts
    if not reverts:
        assert "saves only" in decision.reason and f"threshold {threshold:.0%}" in decision.reason


def test_no_spot_capacity_means_no_revert() -> None:
    decision = decide(RevertPolicy("always"), TUESDAY_22, best_spot=None)
    assert not decision.revert and "no spot market" in decision.reason


def test_interruption_toleration_hold_blocks_the_revert_until_it_ends() -> None:
    until = TUESDAY_22 + timedelta(hours=2)
    decision = decide(RevertPolicy("always"), TUESDAY_22, od_forced_until=until)
    assert not decision.revert and decision.retry_at == until
    assert "interruption toleration" in decision.reason
    assert decide(RevertPolicy("always"), until, od_forced_until=until).revert


def test_time_window_policy_needs_windows() -> None:
    with pytest.raises(ValueError, match="optimization window"):
        RevertPolicy("timeWindow")


@pytest.mark.parametrize(
    ("now", "lifecycle", "held", "action"),
    [
        (TUESDAY_22, "spot", False, "force_od"),
        (TUESDAY_22, "od", True, None),  # already on-demand inside the window
        (TUESDAY_22, "od", False, None),
        (MON + timedelta(days=2, hours=7), "od", True, "leave_od"),
        (MON + timedelta(days=2, hours=7), "od", False, None),  # on-demand for another reason
        (MON + timedelta(days=2, hours=7), "spot", False, None),
    ],
)
def test_od_windows_force_on_demand_inside_and_release_outside(
    now: datetime, lifecycle: str, held: bool, action: str | None
) -> None:
    policy = RevertPolicy("always", od_windows=parse_windows(["Tue:20:00-Wed:06:00"]))
    assert od_window_action(policy, now, lifecycle, held_by_window=held) == action  # type: ignore[arg-type]

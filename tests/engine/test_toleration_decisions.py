"""Interruption toleration: a burst of evictions holds the node on-demand for the cooldown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.engine.toleration import TolerationPolicy, toleration_forces_od

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
POLICY = TolerationPolicy(enabled=True, threshold=3, evaluation_period_min=60, cooldown_min=120)


def test_threshold_evictions_within_the_period_force_on_demand_for_the_cooldown() -> None:
    evictions = [T0, T0 + 20 * M, T0 + 50 * M]
    forced, until, reason = toleration_forces_od(POLICY, evictions, T0 + 51 * M)
    assert forced
    assert until == T0 + 50 * M + 120 * M
    assert "3 interruptions within 60 min" in reason


def test_the_hold_ends_after_the_cooldown() -> None:
    evictions = [T0, T0 + 20 * M, T0 + 50 * M]
    assert toleration_forces_od(POLICY, evictions, T0 + 169 * M).forced
    assert not toleration_forces_od(POLICY, evictions, T0 + 170 * M).forced


@pytest.mark.parametrize(
    ("offsets", "forced"),
    [
        ([0, 30], False),  # below the threshold
        ([0, 30, 60], True),  # exactly the period apart counts
        ([0, 30, 61], False),  # spread just too wide
        ([0, 61, 70, 100], True),  # the last three fit
        ([0, 100, 200, 300], False),
    ],
)
def test_only_bursts_within_the_evaluation_period_count(offsets: list[int], forced: bool) -> None:
    evictions = [T0 + o * M for o in offsets]
    assert toleration_forces_od(POLICY, evictions, T0 + (offsets[-1] + 1) * M).forced is forced


def test_order_of_evictions_does_not_matter_and_future_ones_are_ignored() -> None:
    shuffled = [T0 + 50 * M, T0, T0 + 20 * M, T0 + 500 * M]
    verdict = toleration_forces_od(POLICY, shuffled, T0 + 60 * M)
    assert verdict.forced and verdict.until == T0 + 170 * M


def test_disabled_toleration_never_forces() -> None:
    off = TolerationPolicy(enabled=False, threshold=3, evaluation_period_min=60, cooldown_min=120)
    assert toleration_forces_od(off, [T0, T0 + M, T0 + 2 * M], T0 + 3 * M) == (
        False,
        None,
        "interruption toleration is off",
    )


def test_not_forced_reason_counts_recent_interruptions() -> None:
    verdict = toleration_forces_od(POLICY, [T0, T0 + 10 * M], T0 + 30 * M)
    assert not verdict.forced and verdict.until is None
    assert verdict.reason.startswith("2 interruption(s) in the last 60 min")


def test_enabled_policy_needs_positive_numbers() -> None:
    with pytest.raises(ValueError, match="threshold"):
        TolerationPolicy(enabled=True, threshold=0, evaluation_period_min=60, cooldown_min=120)

"""Health verdicts: grace period, combining checks, the unhealthy timer, and when auto-healing
may replace the VM (continuously unhealthy long enough, and healthy at least once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.engine.health import HealthObservation, HealthPolicy, HealthVerdict, evaluate_health

LAUNCHED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
ALL_CHECKS = HealthPolicy(
    frozenset({"vmState", "vmAgent", "applicationGateway"}),
    grace_period_s=300,
    unhealthy_duration_s=180,
    auto_healing=True,
)
GOOD = HealthObservation("running", "Ready", "Healthy")
STOPPED = HealthObservation("stopped", "NotReady", "Unhealthy")


def judge(
    observation: HealthObservation,
    now: datetime,
    *,
    policy: HealthPolicy = ALL_CHECKS,
    unhealthy_since: datetime | None = None,
    ever_healthy: bool = True,
) -> HealthVerdict:
    return evaluate_health(
        policy,
        observation,
        launched_at=LAUNCHED,
        unhealthy_since=unhealthy_since,
        ever_healthy=ever_healthy,
        now=now,
    )


def test_nothing_is_judged_during_the_grace_period() -> None:
    verdict = judge(STOPPED, LAUNCHED + 299 * S)
    assert verdict.status == "UNKNOWN" and not verdict.heal
    assert "grace period" in verdict.reason and "1 s left" in verdict.reason
    assert verdict.unhealthy_since is None


def test_checks_start_when_the_grace_period_ends() -> None:
    assert judge(GOOD, LAUNCHED + 300 * S).status == "HEALTHY"


def test_healthy_observation_marks_the_vm_as_having_been_healthy_and_clears_the_timer() -> None:
    verdict = judge(GOOD, LAUNCHED + 400 * S, unhealthy_since=LAUNCHED + 350 * S, ever_healthy=False)
    assert verdict == HealthVerdict("HEALTHY", False, verdict.reason, None, True)


@pytest.mark.parametrize(
    ("observation", "status"),
    [
        (HealthObservation("running", "Ready", "Healthy"), "HEALTHY"),
        (HealthObservation("deallocated", "Ready", "Healthy"), "UNHEALTHY"),
        (HealthObservation("running", "NotReady", "Healthy"), "UNHEALTHY"),
        (HealthObservation("running", "Ready", "Unhealthy"), "UNHEALTHY"),
        (HealthObservation("running", "Ready", "Unknown"), "UNKNOWN"),
        (HealthObservation("starting", "Ready", "Healthy"), "UNKNOWN"),
        (HealthObservation(None, "Ready", "Healthy"), "UNKNOWN"),
        (HealthObservation("running", None, "Healthy"), "UNKNOWN"),
        (HealthObservation("stopped", None, None), "UNHEALTHY"),  # a failure outweighs missing answers
    ],
)
def test_checks_combine_failure_first_then_unknown(observation: HealthObservation, status: str) -> None:
    assert judge(observation, LAUNCHED + 600 * S).status == status


def test_only_configured_checks_count() -> None:
    vm_state_only = HealthPolicy(frozenset({"vmState"}), grace_period_s=0, unhealthy_duration_s=120)
    verdict = judge(HealthObservation("running", "NotReady", "Unhealthy"), LAUNCHED, policy=vm_state_only)
    assert verdict.status == "HEALTHY"


def test_without_checks_the_status_is_unknown() -> None:
    verdict = judge(STOPPED, LAUNCHED + 600 * S, policy=HealthPolicy())
    assert verdict.status == "UNKNOWN" and not verdict.heal and "no health checks" in verdict.reason


def test_unhealthy_timer_starts_at_the_first_bad_observation_and_heals_after_the_duration() -> None:
    first = judge(STOPPED, LAUNCHED + 600 * S)
    assert first.status == "UNHEALTHY" and not first.heal
    assert first.unhealthy_since == LAUNCHED + 600 * S
    assert "replacing after 180 s" in first.reason
    almost = judge(STOPPED, LAUNCHED + 779 * S, unhealthy_since=first.unhealthy_since)
    assert not almost.heal
    due = judge(STOPPED, LAUNCHED + 780 * S, unhealthy_since=first.unhealthy_since)
    assert due.heal and "replacing the VM" in due.reason


def test_a_healthy_observation_in_between_restarts_the_timer() -> None:
    recovered = judge(GOOD, LAUNCHED + 700 * S, unhealthy_since=LAUNCHED + 600 * S)
    again = judge(STOPPED, LAUNCHED + 790 * S, unhealthy_since=recovered.unhealthy_since)
    assert again.unhealthy_since == LAUNCHED + 790 * S and not again.heal


def test_an_unknown_observation_keeps_the_timer_but_does_not_heal() -> None:
    since = LAUNCHED + 600 * S
    blip = judge(HealthObservation(None, None, None), LAUNCHED + 900 * S, unhealthy_since=since)
    assert blip.status == "UNKNOWN" and not blip.heal and blip.unhealthy_since == since
    after = judge(STOPPED, LAUNCHED + 901 * S, unhealthy_since=blip.unhealthy_since)
    assert after.heal


def test_never_replaces_a_vm_that_was_never_healthy() -> None:
    verdict = judge(STOPPED, LAUNCHED + 3600 * S, unhealthy_since=LAUNCHED + 300 * S, ever_healthy=False)
    assert verdict.status == "UNHEALTHY" and not verdict.heal
    assert "never been healthy" in verdict.reason
    assert verdict.ever_healthy is False


def test_without_auto_healing_an_unhealthy_vm_is_only_reported() -> None:
    policy = HealthPolicy(
        frozenset({"vmState"}), grace_period_s=0, unhealthy_duration_s=120, auto_healing=False
    )
    verdict = judge(STOPPED, LAUNCHED + 3600 * S, policy=policy, unhealthy_since=LAUNCHED)
    assert verdict.status == "UNHEALTHY" and not verdict.heal and "auto-healing is off" in verdict.reason


def test_unknown_check_type_is_refused() -> None:
    with pytest.raises(ValueError, match="ping"):
        HealthPolicy(frozenset({"ping"}))  # type: ignore[arg-type]

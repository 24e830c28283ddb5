"""Is the node's VM healthy, and should auto-healing replace it?

The seed's health checks look at the VM's state in Azure (`vmState`), its VM agent
(`vmAgent`, described by the console docs though no public wire value names it) and the
application gateway's view of its private IP (`applicationGateway`). `evaluate_health` turns
one observation of those into the public `vmHealthStatus` and a heal decision:

* during the grace period after launch nothing is judged: the status is UNKNOWN;
* any configured check failing makes the VM UNHEALTHY; a check without an answer makes it
  UNKNOWN (never HEALTHY on missing evidence);
* auto-healing replaces the VM only after it has been unhealthy continuously for
  `unhealthyDuration`, and only if it has been healthy at least once — the Spot docs' rule,
  which stops a node whose image never boots from being replaced in a loop forever.

An UNKNOWN observation neither proves the VM recovered nor extends the evidence: the
unhealthy timer keeps its start, and no heal is decided on that pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.cloud.port import AgentStatus, PowerState

CheckType = Literal["vmState", "vmAgent", "applicationGateway"]
HealthStatus = Literal["HEALTHY", "UNHEALTHY", "UNKNOWN"]
BackendHealth = Literal["Healthy", "Unhealthy", "Unknown"]
_Check = Literal["HEALTHY", "UNHEALTHY", "UNKNOWN"]


@dataclass(frozen=True)
class HealthPolicy:
    check_types: frozenset[CheckType] = frozenset()
    grace_period_s: int = 120
    unhealthy_duration_s: int = 120
    auto_healing: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.check_types) - {"vmState", "vmAgent", "applicationGateway"}
        if unknown:
            raise ValueError(f"unknown health check types: {', '.join(sorted(unknown))}")
        if self.grace_period_s < 0 or self.unhealthy_duration_s < 0:
            raise ValueError("grace_period_s and unhealthy_duration_s must not be negative")


@dataclass(frozen=True)
class HealthObservation:
    """What the cloud says now; None = not observed (e.g. the gateway could not be read)."""

    vm_power: PowerState | None = None
    vm_agent: AgentStatus | None = None
    appgw_backend: BackendHealth | None = None


@dataclass(frozen=True)
class HealthVerdict:
    status: HealthStatus
    heal: bool
    reason: str
    unhealthy_since: datetime | None  # carry into the next evaluation
    ever_healthy: bool  # carry into the next evaluation


def evaluate_health(
    policy: HealthPolicy,
    observation: HealthObservation,
    *,
    launched_at: datetime,
    unhealthy_since: datetime | None,
    ever_healthy: bool,
    now: datetime,
) -> HealthVerdict:
    """Judge one observation of the VM launched at `launched_at`. `unhealthy_since` and
    `ever_healthy` are what the previous verdict returned (None / False for a new VM)."""
    if not policy.check_types:
        return HealthVerdict("UNKNOWN", False, "no health checks configured", None, ever_healthy)
    first_check = launched_at + timedelta(seconds=policy.grace_period_s)
    if now < first_check:
        left = int((first_check - now).total_seconds())
        return HealthVerdict(
            "UNKNOWN", False, f"in the {policy.grace_period_s} s grace period after launch ({left} s left)",
            None, ever_healthy,
        )

    results = {check: _judge(check, observation) for check in sorted(policy.check_types)}
    failing = [f"{check}: {detail}" for check, (verdict, detail) in results.items() if verdict == "UNHEALTHY"]
    unknown = [f"{check}: {detail}" for check, (verdict, detail) in results.items() if verdict == "UNKNOWN"]

    if failing:
        since = unhealthy_since or now
        return _unhealthy(policy, since, ever_healthy, now, "; ".join(failing))
    if unknown:
        reason = "no answer from " + "; ".join(unknown)
        return HealthVerdict("UNKNOWN", False, reason, unhealthy_since, ever_healthy)
    passed = ", ".join(results)
    return HealthVerdict("HEALTHY", False, f"all checks pass ({passed})", None, True)


def _unhealthy(
    policy: HealthPolicy, since: datetime, ever_healthy: bool, now: datetime, failing: str
) -> HealthVerdict:
    duration = now - since
    limit = timedelta(seconds=policy.unhealthy_duration_s)
    seconds = int(duration.total_seconds())
    reason = f"unhealthy for {seconds} s ({failing})"
    heal = False
    if not policy.auto_healing:
        reason += "; auto-healing is off"
    elif not ever_healthy:
        reason += "; not replacing: the VM has never been healthy, a replacement would fail the same way"
    elif duration < limit:
        reason += f"; replacing after {policy.unhealthy_duration_s} s"
    else:
        heal = True
        reason += f"; replacing the VM (unhealthy for at least {policy.unhealthy_duration_s} s)"
    return HealthVerdict("UNHEALTHY", heal, reason, since, ever_healthy)


def _judge(check: CheckType, observation: HealthObservation) -> tuple[_Check, str]:
    if check == "vmState":
        power = observation.vm_power
        if power is None or power == "unknown":
            return "UNKNOWN", "power state not observed"
        if power == "running":
            return "HEALTHY", "running"
        if power == "starting":
            return "UNKNOWN", "still starting"
        return "UNHEALTHY", f"VM is {power}"
    if check == "vmAgent":
        agent = observation.vm_agent
        if agent is None or agent == "Unknown":
            return "UNKNOWN", "agent status not reported"
        if agent == "Ready":
            return "HEALTHY", "agent ready"
        return "UNHEALTHY", "agent not ready"
    backend = observation.appgw_backend
    if backend is None or backend == "Unknown":
        return "UNKNOWN", "gateway backend health unknown"
    if backend == "Healthy":
        return "HEALTHY", "gateway backend healthy"
    return "UNHEALTHY", "gateway backend unhealthy"

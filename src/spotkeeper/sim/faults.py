"""Fault injection for the simulated Azure: throttling, server errors, allocation failures.

Why it exists: the engine's retry, backoff and fallback paths only run when Azure misbehaves,
and a test must be able to make it misbehave on cue. A `FaultPlan` holds rules; the backend
asks `check(op, ...)` before it accepts a request (a matching rule raises the `ArmError` real
ARM would return) and `async_failure(op, ...)` when a long-running operation finishes (a
matching rule makes it end `Failed` with that ARM code).

Rules fire either a fixed number of times (one-shot by default, consumed as they fire) or with a
probability per matching call (`rate=`), drawn deterministically from the plan's seed, the rule
and the rule's own call counter, so a run replays exactly. Allocation failures last until
`clear()` unless given `times`. Operation names match exactly or by glob (`vm.*`, `*`); size,
zone and lifecycle filters match only when set. Rules are checked in the order they were added.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from spotkeeper.sim.draws import uniform
from spotkeeper.sim.errors import ArmError

Lifecycle = Literal["spot", "od"]
_RuleKind = Literal["throttle", "transient", "allocation", "request", "operation"]

_TRANSIENT_CODES = {
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
ALLOCATING_OPS: tuple[str, ...] = ("vm.create", "vm.start")


@dataclass(slots=True)
class FaultRule:
    """One injected fault. `remaining` None = until cleared (or rate-based)."""

    serial: int
    kind: _RuleKind
    ops: tuple[str, ...]
    remaining: int | None
    rate: float | None
    status: int = 0
    code: str = ""
    message: str = ""
    retry_after: float | None = None
    size: str | None = None
    zone: str | None = None
    lifecycle: Lifecycle | None = None
    calls: int = 0

    def applies_to(self, op: str, zone: str | None, size: str | None, lifecycle: Lifecycle | None) -> bool:
        if not any(fnmatch.fnmatchcase(op, pattern) for pattern in self.ops):
            return False
        if self.size is not None and (size is None or size.lower() != self.size.lower()):
            return False
        if self.zone is not None and zone != self.zone:
            return False
        return self.lifecycle is None or lifecycle == self.lifecycle


class FaultPlan:
    """The faults the simulated Azure injects; empty by default. Thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rules: list[FaultRule] = []
        self._serial = 0
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        """The rules still armed, in the order they are checked."""
        with self._lock:
            return tuple(self._rules)

    # ------------------------------------------------------------ arming rules

    def throttle(
        self, op: str = "*", *, retry_after: float = 5.0, times: int | None = None, rate: float | None = None
    ) -> FaultPlan:
        """Answer matching requests 429 `TooManyRequests` with a Retry-After of `retry_after` s."""
        if retry_after <= 0:
            raise ValueError(f"throttle: retry_after must be > 0 seconds, got {retry_after}")
        message = f"The request is being throttled; retry after {retry_after:g} seconds."
        return self._arm(
            "throttle", (op,), _once_unless_rate(times, rate), rate,
            status=429, code="TooManyRequests", message=message, retry_after=retry_after,
        )  # fmt: skip

    def fail_transient(
        self, op: str = "*", *, status: int = 500, times: int | None = None, rate: float | None = None
    ) -> FaultPlan:
        """Answer matching requests with a retryable server error (500, 502, 503 or 504)."""
        code = _TRANSIENT_CODES.get(status)
        if code is None:
            raise ValueError(
                f"fail_transient: status must be one of {sorted(_TRANSIENT_CODES)}, got {status}"
            )
        message = "An internal error occurred; the request may be retried."
        return self._arm(
            "transient",
            (op,),
            _once_unless_rate(times, rate),
            rate,
            status=status,
            code=code,
            message=message,
        )

    def fail_allocation(
        self,
        size: str | None = None,
        zone: str | None = None,
        lifecycle: Lifecycle | None = None,
        times: int | None = None,
        *,
        rate: float | None = None,
        ops: Sequence[str] = ALLOCATING_OPS,
    ) -> FaultPlan:
        """Refuse capacity for matching VM allocations: 409 `SkuNotAvailable` for Spot,
        409 `AllocationFailed` for on-demand. Lasts until `clear()` unless `times` is given."""
        if lifecycle not in (None, "spot", "od"):
            raise ValueError(f"fail_allocation: lifecycle must be 'spot', 'od' or None, got {lifecycle!r}")
        return self._arm("allocation", tuple(ops), times, rate, size=size, zone=zone, lifecycle=lifecycle)

    def fail_request(
        self,
        op: str,
        *,
        status: int,
        code: str,
        message: str = "",
        times: int | None = None,
        rate: float | None = None,
    ) -> FaultPlan:
        """Answer matching requests with any ARM error, e.g. 400 `NicReservedForAnotherVm`."""
        if not 400 <= status <= 599:
            raise ValueError(f"fail_request: status must be an HTTP error status, got {status}")
        if not code:
            raise ValueError("fail_request: code must be a non-empty ARM error code")
        text = message or f"Injected failure {code}."
        return self._arm(
            "request", (op,), _once_unless_rate(times, rate), rate, status=status, code=code, message=text
        )

    def fail_operation(
        self,
        op: str,
        code: str,
        times: int | None = 1,
        *,
        rate: float | None = None,
        size: str | None = None,
        zone: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> FaultPlan:
        """Make matching long-running operations end `Failed` with ARM error `code`
        (e.g. "OSProvisioningTimedOut", "AllocationFailed"), reported by `async_failure`."""
        if not code:
            raise ValueError("fail_operation: code must be a non-empty ARM error code")
        remaining = None if rate is not None else times
        return self._arm(
            "operation", (op,), remaining, rate, code=code, size=size, zone=zone, lifecycle=lifecycle
        )

    def clear(self) -> None:
        """Disarm every rule."""
        with self._lock:
            self._rules.clear()

    # --------------------------------------------------------------- querying

    def check(
        self,
        op: str,
        *,
        region: str,
        zone: str | None = None,
        size: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        """Raise the `ArmError` of the first armed rule that fires for this request, if any."""
        with self._lock:
            rule = self._fire(op, zone, size, lifecycle, operation=False)
        if rule is None:
            return
        if rule.kind == "allocation":
            raise _allocation_error(region, zone, size, lifecycle)
        raise ArmError(rule.status, rule.code, rule.message, retry_after=rule.retry_after)

    def async_failure(
        self,
        op: str,
        *,
        region: str,
        zone: str | None = None,
        size: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> str | None:
        """The ARM error code a finishing long-running operation fails with, or None."""
        del region  # accepted for symmetry with `check`; rules do not filter on it
        with self._lock:
            rule = self._fire(op, zone, size, lifecycle, operation=True)
        return rule.code if rule is not None else None

    # --------------------------------------------------------------- internals

    def _arm(
        self,
        kind: _RuleKind,
        ops: tuple[str, ...],
        times: int | None,
        rate: float | None,
        **details: object,
    ) -> FaultPlan:
        if not ops or any(not op for op in ops):
            raise ValueError(f"{kind}: op must be an operation name or glob such as 'vm.*'")
        if times is not None and rate is not None:
            raise ValueError(f"{kind}: give times or rate, not both")
        if times is not None and (isinstance(times, bool) or times < 1):
            raise ValueError(f"{kind}: times must be a positive integer, got {times!r}")
        if rate is not None and not 0.0 < rate <= 1.0:
            raise ValueError(f"{kind}: rate must be in (0, 1], got {rate}")
        with self._lock:
            self._serial += 1
            rule = FaultRule(serial=self._serial, kind=kind, ops=ops, remaining=times, rate=rate)
            for name, value in details.items():
                setattr(rule, name, value)
            self._rules.append(rule)
        return self

    def _fire(
        self, op: str, zone: str | None, size: str | None, lifecycle: Lifecycle | None, *, operation: bool
    ) -> FaultRule | None:
        for rule in self._rules:
            if (rule.kind == "operation") != operation or not rule.applies_to(op, zone, size, lifecycle):
                continue
            rule.calls += 1
            if rule.rate is not None:
                if uniform(self.seed, "fault", rule.serial, rule.calls) < rule.rate:
                    return rule
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
            return rule
        return None


def _once_unless_rate(times: int | None, rate: float | None) -> int | None:
    return 1 if times is None and rate is None else times


def _allocation_error(
    region: str, zone: str | None, size: str | None, lifecycle: Lifecycle | None
) -> ArmError:
    where = f"location '{region}'" + (f" zone '{zone}'" if zone else "")
    what = size or "the requested VM size"
    if lifecycle == "spot":
        return ArmError(
            409,
            "SkuNotAvailable",
            f"The requested VM size {what} is currently not available for Spot in {where}. "
            "Please try another size or deploy to a different location or zone.",
        )
    return ArmError(
        409,
        "AllocationFailed",
        f"Allocation failed. We do not have sufficient capacity for {what} in {where}. "
        "Please try another size or zone, or try again later.",
    )

"""The control API beside the emulated ARM one, under `/_sim/` (moto's "backend control"):
what a test or a demo needs to steer the simulated Azure from outside the process, and what
no real Azure offers. It needs no bearer token.

    GET    /_sim                                   what this server is: subscription, clock, routes
    GET    /_sim/clock                             {"now", "manual", "nextEventAt"}
    POST   /_sim/clock/advance                     {"seconds": n} | {"until": iso} | {"toNextEvent": true}
                                                   (ManualClock only) -> {"now", "applied"}
    GET    /_sim/faults                            the armed fault rules
    POST   /_sim/faults                            arm one rule, see `add_fault`
    DELETE /_sim/faults                            disarm every rule
    PUT    /_sim/disks/{disk id}/content           {"text": "..."} | {"base64": "..."} [, "append": true]
    GET    /_sim/disks/{disk id}/content           {"fingerprint", "size", "base64"}
    GET    /_sim/trace?since=N&kind=prefix         {"entries": [...], "next": M}
    GET    /_sim/vms/{group}/{name}/scheduledevents   IMDS scheduled events of the VM
    POST   /_sim/vms/{group}/{name}/scheduledevents   {"StartRequests": [{"EventId": ...}]}
    GET    /_sim/vms/{group}/{name}/instance          IMDS instance metadata of the VM
    POST   /_sim/vms/{group}/{name}/unhealthy         {"unhealthy": true|false} (gateway probe)
    PUT    /_sim/vms/{group}/{name}/disks/{os|lun}/content   what the VM's workload writes
                                                   (running VMs only) -> {"fingerprint"}
    PUT    /_sim/quotas                            {"region", "family", "vcpus", "lifecycle": "od"|"spot"}

Faults also apply to the facade's own HTTP layer: every ARM request is first checked as
operation `arm.<method>` ("arm.get", "arm.put", "arm.post", "arm.patch", "arm.delete"), so a
rule on "*" or "arm.*" throttles or fails reads and polls too, as ARM's own limits do; rules on
the simulator's operations ("vm.create", "disk.copy", ...) apply where the simulator checks
them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal, cast

from spotkeeper.clock import ManualClock
from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import Json, bad_field, flag, integer, iso, number, pick, required_text, text
from spotkeeper.sim.errors import ArmError


def describe(call: Call) -> Reply:
    from spotkeeper.sim.arm.urls import CONTROL_ROUTES, ROUTES

    return Reply(
        200,
        {
            "subscriptionId": call.sim.subscription_id,
            "clock": _clock(call),
            "autoAdvance": call.operations.auto_advance,
            "routes": [f"{method} {template}" for method, template, _ in ROUTES],
            "control": [f"{method} {template}" for method, template, _ in CONTROL_ROUTES],
        },
    )


def _clock(call: Call) -> Json:
    sim = call.sim
    upcoming = sim.next_event_at()
    return {
        "now": iso(sim.now()),
        "kind": type(sim.clock).__name__,
        "manual": isinstance(sim.clock, ManualClock),
        "nextEventAt": iso(upcoming),
    }


def get_clock(call: Call) -> Reply:
    return Reply(200, _clock(call))


def advance_clock(call: Call) -> Reply:
    sim = call.sim
    if not isinstance(sim.clock, ManualClock):
        raise ArmError(
            409,
            "ClockNotManual",
            f"The simulated Azure runs on a {type(sim.clock).__name__}; only a ManualClock can be advanced.",
        )
    body = call.json_body()
    seconds, until = number(body, "seconds"), text(body, "until")
    if flag(body, "toNextEvent"):
        upcoming = sim.next_event_at()
        applied = 0 if upcoming is None else sim.run_until(upcoming)
    elif seconds is not None:
        if seconds < 0:
            raise bad_field("seconds", "must not be negative")
        applied = sim.advance(seconds)
    elif until is not None:
        try:
            when = datetime.fromisoformat(until)
        except ValueError:
            raise bad_field("until", "must be an ISO 8601 time with an offset") from None
        if when.tzinfo is None:
            raise bad_field("until", "must carry a UTC offset")
        if when < sim.now():
            raise bad_field("until", "is in the past; the clock never runs backwards")
        applied = sim.run_until(when)
    else:
        raise bad_field("seconds", "or 'until' or 'toNextEvent' is required")
    return Reply(200, {"now": iso(sim.now()), "applied": applied})


# ----------------------------------------------------------------------------- faults

_LIFECYCLES = ("spot", "od")


def add_fault(call: Call) -> Reply:
    """Arm one rule of the simulator's fault plan. Body: {"kind": "throttle" | "transient" |
    "allocation" | "request" | "operation", "op", "times", "rate", and per kind "retryAfter"
    (throttle), "status" (transient, request), "code" and "message" (request, operation),
    "size", "zone", "lifecycle" (allocation, operation)}."""
    body = call.json_body()
    plan = call.sim.faults
    kind = required_text(body, "kind").lower()
    op = text(body, "op") or "*"
    times, rate = integer(body, "times"), number(body, "rate")
    lifecycle = text(body, "lifecycle")
    if lifecycle is not None and lifecycle not in _LIFECYCLES:
        raise bad_field("lifecycle", "must be 'spot' or 'od'")
    spot_or_od = cast(Literal["spot", "od"] | None, lifecycle)
    try:
        if kind == "throttle":
            plan.throttle(op, retry_after=number(body, "retryAfter") or 5.0, times=times, rate=rate)
        elif kind == "transient":
            plan.fail_transient(op, status=integer(body, "status") or 500, times=times, rate=rate)
        elif kind == "allocation":
            plan.fail_allocation(text(body, "size"), text(body, "zone"), spot_or_od, times, rate=rate)
        elif kind == "request":
            plan.fail_request(
                op,
                status=integer(body, "status") or 400,
                code=required_text(body, "code"),
                message=text(body, "message") or "",
                times=times,
                rate=rate,
            )
        elif kind == "operation":
            plan.fail_operation(
                op,
                required_text(body, "code"),
                1 if times is None and rate is None else times,
                rate=rate,
                size=text(body, "size"),
                zone=text(body, "zone"),
                lifecycle=spot_or_od,
            )
        else:
            raise bad_field("kind", "must be throttle, transient, allocation, request or operation")
    except ValueError as error:
        raise ArmError(400, "InvalidParameter", str(error)) from None
    return Reply(201, {"rules": _rules(call)})


def _rules(call: Call) -> list[Json]:
    return [
        {
            "kind": rule.kind,
            "ops": list(rule.ops),
            "remaining": rule.remaining,
            "rate": rule.rate,
            "status": rule.status or None,
            "code": rule.code or None,
            "retryAfter": rule.retry_after,
            "size": rule.size,
            "zone": rule.zone,
            "lifecycle": rule.lifecycle,
        }
        for rule in call.sim.faults.rules
    ]


def list_faults(call: Call) -> Reply:
    return Reply(200, {"rules": _rules(call)})


def clear_faults(call: Call) -> Reply:
    call.sim.faults.clear()
    return Reply(204)


# ----------------------------------------------------------------------------- disks, trace, VMs


def _disk_id(call: Call) -> str:
    return "/" + call.param("disk_path").strip("/")


def write_disk(call: Call) -> Reply:
    body = call.json_body()
    raw: str | None = text(body, "base64")
    if raw is not None:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise bad_field("base64", "is not valid base64") from None
    else:
        data = required_text(body, "text").encode()
    fingerprint = call.sim.write_disk(_disk_id(call), data, append=flag(body, "append"))
    return Reply(200, {"fingerprint": fingerprint, "size": len(call.sim.read_disk(_disk_id(call)))})


def read_disk(call: Call) -> Reply:
    data = call.sim.read_disk(_disk_id(call))
    return Reply(
        200,
        {
            "fingerprint": call.sim.disk_fingerprint(_disk_id(call)),
            "size": len(data),
            "base64": base64.b64encode(data).decode(),
        },
    )


def read_trace(call: Call) -> Reply:
    sim = call.sim
    since_text = call.query.get("since", "0")
    if not since_text.isdigit():
        raise bad_field("since", "must be a trace index (a non-negative integer)")
    since, prefix = int(since_text), call.query.get("kind", "")
    with sim.ctx.lock:
        trace = list(sim.trace)
    entries = [
        {
            "index": index,
            "time": iso(entry.time),
            "kind": entry.kind,
            "resource": entry.resource,
            "detail": entry.detail,
        }
        for index, entry in enumerate(trace[since:], start=since)
        if entry.kind.startswith(prefix)
    ]
    return Reply(200, {"entries": entries, "next": len(trace)})


def scheduled_events(call: Call) -> Reply:
    return Reply(200, call.sim.imds_scheduled_events(call.param("group"), call.param("name")))


def approve_event(call: Call) -> Reply:
    body: Any = call.json_body()
    requests = pick(body, "StartRequests")
    if not isinstance(requests, list) or not requests:
        raise bad_field("StartRequests", 'must list at least one {"EventId": ...}')
    for request in requests:
        call.sim.approve_event(call.param("group"), call.param("name"), required_text(request, "EventId"))
    return Reply(200, {})


def imds_instance(call: Call) -> Reply:
    return Reply(200, call.sim.imds_instance(call.param("group"), call.param("name")))


def set_unhealthy(call: Call) -> Reply:
    body = call.json_body()
    call.sim.compute.set_vm_unhealthy(
        call.param("group"), call.param("name"), flag(body, "unhealthy", default=True)
    )
    return Reply(204)


def write_from_vm(call: Call) -> Reply:
    """What a workload on the running VM writes to its OS disk ("os") or the data disk at a LUN."""
    body = call.json_body()
    target_text = call.param("target").lower()
    if target_text != "os" and not target_text.isdigit():
        raise bad_field("target", "must be 'os' or a data disk LUN")
    target: int | Literal["os"] = "os" if target_text == "os" else int(target_text)
    raw = text(body, "base64")
    try:
        data = (
            base64.b64decode(raw, validate=True) if raw is not None else required_text(body, "text").encode()
        )
    except (binascii.Error, ValueError):
        raise bad_field("base64", "is not valid base64") from None
    fingerprint = call.sim.write_to_vm_disk(
        call.param("group"), call.param("name"), target, data, append=flag(body, "append")
    )
    return Reply(200, {"fingerprint": fingerprint})


def set_quota(call: Call) -> Reply:
    body = call.json_body()
    lifecycle = text(body, "lifecycle") or "od"
    if lifecycle not in _LIFECYCLES:
        raise bad_field("lifecycle", "must be 'spot' or 'od'")
    vcpus = integer(body, "vcpus")
    if vcpus is None or vcpus < 0:
        raise bad_field("vcpus", "must be a non-negative integer")
    region = call.sim.ctx.require_region(required_text(body, "region")).name
    family = required_text(body, "family")
    call.sim.quotas.set_limit(region, family, vcpus, lifecycle=cast(Literal["spot", "od"], lifecycle))
    return Reply(200, {"region": region, "family": family, "lifecycle": lifecycle, "vcpus": vcpus})

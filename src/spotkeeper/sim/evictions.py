"""Spot evictions in the simulated Azure: market waves, `Preempt` notices, evictions.

The market (`sim.market`) decides when a (region, zone, size) market evicts: a pure function
of seed and time that answers "the next eviction wave after t". The simulator asks it lazily:
it keeps one pending wave on the event heap for each market that has a running Spot VM, never
enumerating markets nobody uses. When a wave fires, each running Spot VM of that market the
wave does not spare (`wave.notice_offset(vm)`, co-evictions spread over ~3 minutes, F9) gets
a `Preempt` Scheduled Event with `NotBefore` 30 s after its notice (F11, Azure's minimum), and
is evicted at `NotBefore`: with eviction policy Deallocate it is deallocated and marked
`evicted` (disks kept); with Delete it is deleted together with its disks, as Azure does. Then
the market's next wave is scheduled.

`simulate_eviction` (Azure's `simulateEviction`) issues the same notice at once. Approving the
event (IMDS `StartRequests`) starts it: the eviction happens immediately. Events vanish when
complete, and the VM's `DocumentIncarnation` increments on every change, as IMDS does.

Eviction for price (a max price below the current Spot price) is not modelled: a VM created
with a max price is checked against it only when it is allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from spotkeeper.sim.context import EvictionWaveView, SimContext
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.events import ScheduledAction
from spotkeeper.sim.ids import key_of

if TYPE_CHECKING:
    from spotkeeper.sim.compute import ComputeService
    from spotkeeper.sim.vm_models import VirtualMachine

PREEMPT_NOTICE = timedelta(seconds=30)
MarketKey = tuple[str, str, str]  # (region, zone or "", size), lower-cased


@dataclass
class SimScheduledEvent:
    event_id: str
    event_type: Literal["Preempt", "Reboot", "Redeploy", "Freeze", "Terminate"]
    resources: tuple[str, ...]
    status: Literal["Scheduled", "Started"]
    not_before: datetime | None
    source: Literal["Platform", "User"] = "Platform"
    duration_s: int = -1
    description: str = ""
    cause: str = ""  # "market", "drought", "simulated" (not part of the IMDS document)


def market_of(vm: VirtualMachine) -> MarketKey:
    return (vm.location.lower(), vm.zone or "", vm.size.lower())


class EvictionService:
    def __init__(self, ctx: SimContext, compute: ComputeService) -> None:
        self.ctx = ctx
        self.compute = compute
        self._waves: dict[MarketKey, ScheduledAction] = {}

    def watch(self, vm: VirtualMachine) -> None:
        """A Spot VM is running: make sure its market has its next wave scheduled."""
        if vm.priority == "Spot" and vm.power_state == "running":
            key = market_of(vm)
            if key not in self._waves:
                self._schedule_wave(key, after=self.ctx.now())

    def pending_waves(self) -> dict[MarketKey, datetime]:
        return {key: item.at for key, item in sorted(self._waves.items())}

    def preempt(self, vm: VirtualMachine, *, cause: str) -> SimScheduledEvent:
        """Issue a Preempt notice now (or return the one already pending)."""
        pending = next((e for e in vm.events if e.event_type == "Preempt"), None)
        return pending or self._issue_notice(vm, cause)

    def approve(self, vm: VirtualMachine, event_id: str) -> None:
        """IMDS `StartRequests`: the event starts now (a Preempt evicts at once)."""
        event = next((e for e in vm.events if e.event_id.lower() == event_id.lower()), None)
        if event is None:
            raise ArmError(404, "NotFound", f"Scheduled event {event_id} is not pending on VM {vm.name}.")
        if event.status == "Started":
            return
        event.status, event.not_before = "Started", None
        vm.document_incarnation += 1
        self.ctx.record("vm.event.started", vm.id, f"{event.event_type} {event.event_id}")
        self.ctx.schedule(self.ctx.now(), "vm.evict", vm.id, self._evict_when_due(vm, event))

    def clear(self, vm: VirtualMachine) -> None:
        """The VM stopped running: its pending events go away."""
        if vm.events:
            vm.events.clear()
            vm.document_incarnation += 1

    # waves -------------------------------------------------------------------

    def _schedule_wave(self, key: MarketKey, *, after: datetime) -> None:
        region, zone, size = key
        wave = self.ctx.market.next_eviction_wave(region, zone, size, after)
        if wave is not None and wave.at <= after:  # a market must answer strictly after `after`
            wave = self.ctx.market.next_eviction_wave(region, zone, size, after + timedelta(microseconds=1))
        if wave is None:
            return
        resource = f"market/{region}/{zone or '-'}/{size}"
        self._waves[key] = self.ctx.schedule(
            wave.at, "market.wave", resource, self._fire(key, wave, resource)
        )

    def _fire(self, key: MarketKey, wave: EvictionWaveView, resource: str) -> Callable[[], None]:
        def fire() -> None:
            self._waves.pop(key, None)
            victims = sorted(
                (
                    vm
                    for vm in self.ctx.state.vms.values()
                    if vm.priority == "Spot" and vm.power_state == "running" and market_of(vm) == key
                ),
                key=lambda vm: key_of(vm.id),
            )
            noticed = 0
            for vm in victims:
                offset = wave.notice_offset(key_of(vm.id))
                if offset is not None:
                    noticed += 1
                    self.ctx.schedule(
                        wave.at + offset, "vm.preempt", vm.id, self._notice_when_due(vm, vm.vm_id, wave.cause)
                    )
            self.ctx.record("market.wave", resource, f"{wave.cause} running={len(victims)} noticed={noticed}")
            if victims:
                self._schedule_wave(key, after=wave.at)

        return fire

    def _notice_when_due(self, vm: VirtualMachine, instance: str, cause: str) -> Callable[[], None]:
        def notice() -> None:
            current = self.ctx.state.vms.get(key_of(vm.id))
            if current is not vm or vm.vm_id != instance or vm.power_state != "running":
                return
            if not any(e.event_type == "Preempt" for e in vm.events):
                self._issue_notice(vm, cause)

        return notice

    def _issue_notice(self, vm: VirtualMachine, cause: str) -> SimScheduledEvent:
        now = self.ctx.now()
        event = SimScheduledEvent(
            event_id=self.ctx.new_guid().upper(),
            event_type="Preempt",
            resources=(vm.name,),
            status="Scheduled",
            not_before=now + PREEMPT_NOTICE,
            cause=cause,
        )
        vm.events.append(event)
        vm.document_incarnation += 1
        assert event.not_before is not None
        self.ctx.record(
            "vm.event.scheduled",
            vm.id,
            f"Preempt {event.event_id} cause={cause} not_before={event.not_before.isoformat()}",
        )
        self.ctx.schedule(event.not_before, "vm.evict", vm.id, self._evict_when_due(vm, event))
        return event

    def _evict_when_due(self, vm: VirtualMachine, event: SimScheduledEvent) -> Callable[[], None]:
        def evict() -> None:
            if self.ctx.state.vms.get(key_of(vm.id)) is not vm or event not in vm.events:
                return
            self.compute.apply_eviction(vm, cause=event.cause)

        return evict

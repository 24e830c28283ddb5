"""`SimAzure`: one in-memory Azure subscription, deterministic for a seed.

This is the backend both doors open onto: `cloud.sim.SimCloudProvider` calls it directly (fast
engine tests), and the ARM facade serves it over HTTPS to the real Azure driver. It is organised
like ARM, one service per resource provider (moto's backend-per-service), sharing one state and
one timeline (`context`):

    sim.groups        resource groups
    sim.network       virtual networks/subnets, NSGs/ASGs, public IPs, NICs
    sim.gateways      application gateways, backend pools and their health
    sim.load_balancers  Standard load balancers and their backend pools
    sim.images        custom images, galleries (marketplace images come from the catalog)
    sim.storage       managed disks (with content) and snapshots
    sim.reservations  capacity reservation groups;  sim.quotas  vCPU quotas
    sim.compute       VMs, attach/detach, Spot evictions (sim.compute.evictions)

and, on the facade itself, the control surface a test or a demo needs: time (`catch_up`,
`next_event_at`, `run_until`, `advance`), disk content (`write_disk`, `read_disk`,
`disk_fingerprint`, `write_to_vm_disk`), the in-VM view (`imds_instance`,
`imds_scheduled_events`, `approve_event`), `list_tagged` and the `trace` of everything that
happened. The market, latency model and fault plan (`sim.market`, `sim.latency`, `sim.faults`)
are public so a test can arm faults or ask the market what it will do.

Time only moves when the clock does. Every operation first applies the events that have come
due (`catch_up`), so reads are consistent with the clock; `run_until` (ManualClock only) walks
the clock forward event by event so each event sees the simulated time it was due at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import Clock, ManualClock
from spotkeeper.sim.compute import ComputeService
from spotkeeper.sim.context import SimContext, settled
from spotkeeper.sim.events import TraceEntry
from spotkeeper.sim.evictions import SimScheduledEvent
from spotkeeper.sim.faults import FaultPlan
from spotkeeper.sim.gateways import GatewayService
from spotkeeper.sim.images import ImageService
from spotkeeper.sim.imds import instance_document, scheduled_events_document
from spotkeeper.sim.latency import LatencyModel, LatencyProfile
from spotkeeper.sim.load_balancers import LoadBalancerService
from spotkeeper.sim.market import Market
from spotkeeper.sim.network import NetworkService
from spotkeeper.sim.reservations import QuotaLedger, ReservationService
from spotkeeper.sim.resource_groups import ResourceGroupService
from spotkeeper.sim.scenarios import Scenario
from spotkeeper.sim.storage import StorageService
from spotkeeper.sim.trace import Trace
from spotkeeper.sim.vm_models import VirtualMachine

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
TaggedKind = Literal["vm", "disk", "snapshot", "nic", "public_ip"]


@dataclass(frozen=True)
class TaggedResource:
    id: str
    kind: TaggedKind
    resource_group: str
    name: str
    tags: dict[str, str]


class SimAzure:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        seed: int = 0,
        scenario: str | Scenario = "calm",
        latency: LatencyProfile = "instant",
        faults: FaultPlan | None = None,
        trace: Trace | None = None,
        subscription_id: str = DEFAULT_SUBSCRIPTION,
        catalog: Catalog | None = None,
    ) -> None:
        self.clock: Clock = clock or ManualClock()
        self.seed = seed
        self.catalog = catalog or load_catalog()
        self.market = Market(self.catalog, scenario=scenario, seed=seed, trace=trace)
        self.latency = LatencyModel(latency, seed=seed)
        self.faults = faults or FaultPlan(seed=seed)
        self.ctx = SimContext(
            clock=self.clock,
            seed=seed,
            subscription_id=subscription_id,
            catalog=self.catalog,
            market=self.market,
            latency=self.latency,
            faults=self.faults,
        )
        self.groups = ResourceGroupService(self.ctx)
        self.gateways = GatewayService(self.ctx)
        self.load_balancers = LoadBalancerService(self.ctx)
        self.network = NetworkService(self.ctx)
        self.images = ImageService(self.ctx)
        self.storage = StorageService(self.ctx, self.images)
        self.reservations = ReservationService(self.ctx)
        self.quotas = QuotaLedger(self.ctx)
        self.compute = ComputeService(
            self.ctx,
            storage=self.storage,
            network=self.network,
            images=self.images,
            reservations=self.reservations,
            quotas=self.quotas,
        )

    @property
    def subscription_id(self) -> str:
        return self.ctx.subscription_id

    @property
    def trace(self) -> list[TraceEntry]:
        """Every state change so far, in order: (time, kind, resource, detail) tuples."""
        return self.ctx.trace

    # time ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self.ctx.now()

    def catch_up(self) -> int:
        """Apply every event due by the clock's now; returns how many were applied."""
        return self.ctx.settle()

    def next_event_at(self) -> datetime | None:
        with self.ctx.lock:
            self.ctx.settle()
            return self.ctx.events.next_at()

    def run_until(self, when: datetime) -> int:
        """Move a ManualClock to `when`, stopping at every event on the way so each is applied
        at the time it was due. Returns how many events were applied."""
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("run_until needs a ManualClock; with another clock, call catch_up()")
        when = when.astimezone(UTC)
        applied = 0
        with self.ctx.lock:
            applied += self.ctx.settle()
            while (at := self.ctx.events.next_at()) is not None and at <= when:
                if at > clock.now():
                    clock.set(at)
                applied += self.ctx.settle()
            if when > clock.now():
                clock.set(when)
            applied += self.ctx.settle()
        return applied

    def advance(self, seconds: float | timedelta) -> int:
        """`run_until(now + seconds)`."""
        step = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        return self.run_until(self.clock.now() + step)

    # disk content --------------------------------------------------------------

    def write_disk(self, disk_id: str, data: bytes, *, append: bool = False) -> str:
        """Put `data` on the disk (a test's hand, not a workload's); returns the fingerprint."""
        return self.storage.write_disk(disk_id, data, append=append)

    def read_disk(self, disk_id: str) -> bytes:
        return self.storage.read_disk(disk_id)

    def disk_fingerprint(self, disk_id: str) -> str:
        """SHA-256 (hex) of the disk's content."""
        return self.storage.disk_fingerprint(disk_id)

    def write_to_vm_disk(
        self,
        resource_group: str,
        vm_name: str,
        target: int | Literal["os"],
        data: bytes,
        *,
        append: bool = False,
    ) -> str:
        """What a workload on the running VM writes to its OS disk or data disk at LUN `target`."""
        return self.compute.write_to_vm_disk(resource_group, vm_name, target, data, append=append)

    # the view from inside a VM -------------------------------------------------

    @settled
    def scheduled_events(self, resource_group: str, vm_name: str) -> list[SimScheduledEvent]:
        return list(self.compute.get_vm(resource_group, vm_name).events)

    @settled
    def imds_scheduled_events(self, resource_group: str, vm_name: str) -> dict[str, Any]:
        """`GET /metadata/scheduledevents` as the VM would see it."""
        return scheduled_events_document(self.compute.get_vm(resource_group, vm_name))

    @settled
    def approve_event(self, resource_group: str, vm_name: str, event_id: str) -> None:
        """`POST /metadata/scheduledevents` with `{"StartRequests": [{"EventId": ...}]}`."""
        vm = self.compute.get_vm(resource_group, vm_name)
        self.compute.evictions.approve(vm, event_id)

    @settled
    def imds_instance(self, resource_group: str, vm_name: str) -> dict[str, Any]:
        """`GET /metadata/instance` as the VM would see it."""
        return instance_document(self.ctx, self.compute.get_vm(resource_group, vm_name))

    # cross-cutting reads -------------------------------------------------------

    @settled
    def list_tagged(self, key: str, value: str | None = None) -> list[TaggedResource]:
        """Every VM, disk, snapshot, NIC and public IP with tag `key` (equal to `value` if
        given). Tag names match case-insensitively, values exactly, as in ARM."""
        state = self.ctx.state
        tables: list[tuple[TaggedKind, dict[str, Any]]] = [
            ("vm", state.vms), ("disk", state.disks), ("snapshot", state.snapshots), ("nic", state.nics),
            ("public_ip", state.public_ips),
        ]  # fmt: skip
        found = []
        for kind, table in tables:
            for resource_key in sorted(table):
                resource = table[resource_key]
                tags: dict[str, str] = resource.tags
                match = next((v for k, v in tags.items() if k.lower() == key.lower()), None)
                if match is not None and (value is None or match == value):
                    found.append(
                        TaggedResource(resource.id, kind, resource.resource_group, resource.name, dict(tags))
                    )
        return found

    def vm(self, resource_group: str, name: str) -> VirtualMachine:
        """Shorthand for `sim.compute.get_vm`."""
        return self.compute.get_vm(resource_group, name)

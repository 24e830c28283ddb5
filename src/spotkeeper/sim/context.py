"""What every part of the simulated Azure shares: time, randomness, the models it consults,
the resource tables, the event heap and the trace.

The simulator is split by Azure resource provider (compute, storage, network, gateways,
images, reservations), moto-style: each service module holds its models and the operations on
them, and they all read and write one `SimState` (ARM is one namespace, and a VM create has to
see disks, NICs and images). `SimContext` carries that state plus the seams: the clock, a seeded
`random.Random` for ids and MAC addresses, and the market, latency model and fault plan, typed
here as protocols so a test can hand in its own.

Every public operation of a service is wrapped in `settled`: it takes the simulator lock and
applies every event that has come due before it runs and after it returns, so a read always
reflects the simulated present and an instant latency finishes an operation before its caller
sees the result. Operations called from inside another operation or an event do not settle,
so no event ever runs half-way through an operation.
"""

from __future__ import annotations

import functools
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from spotkeeper.catalog import Catalog, Region, VmSize
from spotkeeper.clock import Clock
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.events import EventQueue, ScheduledAction, TraceEntry
from spotkeeper.sim.ids import key_of, parse_id

if TYPE_CHECKING:
    from spotkeeper.sim.gateways import ApplicationGateway
    from spotkeeper.sim.images import CustomImage, Gallery, GalleryImage, GalleryImageVersion
    from spotkeeper.sim.load_balancers import LoadBalancer
    from spotkeeper.sim.network import NetworkInterface, PublicIpAddress, SecurityGroup, VirtualNetwork
    from spotkeeper.sim.reservations import CapacityReservationGroup
    from spotkeeper.sim.resource_groups import ResourceGroup
    from spotkeeper.sim.storage import DiskSnapshot, ManagedDisk
    from spotkeeper.sim.vm_models import VirtualMachine


# ----------------------------------------------------------------------------- the models we consult


class EvictionWaveView(Protocol):
    @property
    def at(self) -> datetime: ...

    @property
    def cause(self) -> str: ...

    def notice_offset(self, vm_key: str) -> timedelta | None: ...


class MarketModel(Protocol):
    """Prices, capacity and eviction waves per (region, zone, size); zone "" = regional."""

    def od_price(self, region: str, size: str) -> float | None: ...

    def spot_price(self, region: str, zone: str, size: str, at: datetime) -> float | None: ...

    def spot_available(self, region: str, zone: str, size: str, at: datetime) -> bool: ...

    def od_available(self, region: str, zone: str, size: str, at: datetime) -> bool: ...

    def eviction_band(self, region: str, size: str) -> str | None: ...

    def next_eviction_wave(
        self, region: str, zone: str, size: str, after: datetime
    ) -> EvictionWaveView | None: ...


class LatencyProfile(Protocol):
    def duration(self, op: str, key: str) -> timedelta: ...


Lifecycle = Literal["spot", "od"]


class FaultChecks(Protocol):
    def check(
        self,
        op: str,
        *,
        region: str,
        zone: str | None = None,
        size: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> None: ...

    def async_failure(
        self,
        op: str,
        *,
        region: str,
        zone: str | None = None,
        size: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> str | None: ...


T = TypeVar("T")

# ----------------------------------------------------------------------------- state


@dataclass
class SimState:
    """Every resource, keyed by lower-cased resource id (resource groups by lower-cased name)."""

    resource_groups: dict[str, ResourceGroup] = field(default_factory=dict)
    vnets: dict[str, VirtualNetwork] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)  # NSGs and ASGs
    public_ips: dict[str, PublicIpAddress] = field(default_factory=dict)
    nics: dict[str, NetworkInterface] = field(default_factory=dict)
    app_gateways: dict[str, ApplicationGateway] = field(default_factory=dict)
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    disks: dict[str, ManagedDisk] = field(default_factory=dict)
    snapshots: dict[str, DiskSnapshot] = field(default_factory=dict)
    images: dict[str, CustomImage] = field(default_factory=dict)
    galleries: dict[str, Gallery] = field(default_factory=dict)
    gallery_images: dict[str, GalleryImage] = field(default_factory=dict)
    gallery_versions: dict[str, GalleryImageVersion] = field(default_factory=dict)
    vms: dict[str, VirtualMachine] = field(default_factory=dict)
    reservation_groups: dict[str, CapacityReservationGroup] = field(default_factory=dict)


class SimContext:
    def __init__(
        self,
        *,
        clock: Clock,
        seed: int,
        subscription_id: str,
        catalog: Catalog,
        market: MarketModel,
        latency: LatencyProfile,
        faults: FaultChecks,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.subscription_id = subscription_id
        self.catalog = catalog
        self.market = market
        self.latency = latency
        self.faults = faults
        self.state = SimState()
        self.events = EventQueue()
        self.trace: list[TraceEntry] = []
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._op_counts: dict[str, int] = {}
        self.busy = False  # inside an operation or an event: nested calls must not settle
        self._event_time: datetime | None = None

    # time and events ---------------------------------------------------------

    def now(self) -> datetime:
        """The simulated present: while an event is applied, the time it was due (so a
        catch-up over an hour stamps each change when it happened), otherwise the clock."""
        return self._event_time or self.clock.now()

    def record(self, kind: str, resource: str, detail: str = "") -> None:
        self.trace.append(TraceEntry(self.now(), kind, key_of(resource), detail))

    def schedule(self, at: datetime, kind: str, resource: str, action: Callable[[], None]) -> ScheduledAction:
        return self.events.schedule(at, kind, key_of(resource), action)

    def duration(self, op: str, resource: str) -> timedelta:
        """How long `op` takes on `resource` this time. The key counts operations per resource
        so the latency model draws afresh for every operation, deterministically."""
        key = f"{op}:{key_of(resource)}"
        self._op_counts[key] = count = self._op_counts.get(key, 0) + 1
        return self.latency.duration(op, f"{key_of(resource)}#{count}")

    def settle(self) -> int:
        """Apply every event due at or before now (events may schedule further due events).
        Re-entrant calls (an event handler using a public operation) do nothing."""
        applied = 0
        with self.lock:
            if self.busy:
                return 0
            self.busy = True
            try:
                while (item := self.events.pop_due(self.clock.now())) is not None:
                    self._event_time = item.at
                    try:
                        item.action()
                    finally:
                        self._event_time = None
                    applied += 1
            finally:
                self.busy = False
        return applied

    # ids ---------------------------------------------------------------------

    def new_guid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_mac(self) -> str:
        """Azure NICs carry Microsoft's 00-0D-3A prefix."""
        tail = self._rng.getrandbits(24)
        return "00-0D-3A-" + "-".join(f"{(tail >> shift) & 0xFF:02X}" for shift in (16, 8, 0))

    # lookups shared by every service -----------------------------------------

    def require_group(self, resource_group: str) -> ResourceGroup:
        group = self.state.resource_groups.get(resource_group.lower())
        if group is None:
            raise ArmError(
                404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found."
            )
        return group

    def require_region(self, location: str) -> Region:
        region = self.catalog.region(location)
        if region is None:
            known = ", ".join(sorted(self.catalog.regions))
            raise ArmError(
                400,
                "LocationNotAvailableForResourceType",
                f"The provided location '{location}' is not available. Available locations: {known}.",
                target="location",
            )
        return region

    def require_zone(self, region: Region, zone: str | None) -> None:
        if zone is not None and zone not in region.zones:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Zone '{zone}' is not available in location '{region.name}' "
                f"(zones: {', '.join(region.zones) or 'none'}).",
                target="zones",
            )

    def require_size(self, name: str) -> VmSize:
        size = self.catalog.size(name)
        if size is None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"The value {name} provided for the VM size is not valid.",
                target="hardwareProfile.vmSize",
            )
        return size

    def check_fault(
        self,
        op: str,
        *,
        region: str,
        zone: str | None = None,
        size: str | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self.faults.check(op, region=region, zone=zone, size=size, lifecycle=lifecycle)


def not_found(type_name: str, resource_group: str, name: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_name}/{name}' under resource group '{resource_group}' was not found.",
    )


def missing(type_name: str, resource: str) -> ArmError:
    """404 for the resource id `resource` (400 when it is not a resource id at all)."""
    parsed = parse_id(resource)
    if parsed is None:
        return ArmError(
            400, "InvalidResourceReference", f"'{resource}' is not a resource id of a {type_name}."
        )
    return not_found(type_name, parsed.resource_group, "/".join(parsed.names))


def sorted_values(table: Mapping[str, T]) -> list[T]:
    """A resource table's values in key order (lower-cased id): the order every list uses."""
    return [table[key] for key in sorted(table)]


def check_tags(tags: object) -> dict[str, str]:
    """ARM tags: at most 50, names ≤ 512 characters, values ≤ 256."""
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise ArmError(400, "InvalidTagNameCharacters", "Tags must map strings to strings.", target="tags")
    if len(tags) > 50:
        raise ArmError(400, "InvalidTemplate", "A resource can have at most 50 tags.", target="tags")
    for name, value in tags.items():
        if not name or len(name) > 512 or len(value) > 256:
            raise ArmError(
                400, "InvalidTagNameCharacters", f"Tag '{name[:40]}' is empty or too long.", target="tags"
            )
    return dict(tags)


# ----------------------------------------------------------------------------- the settle-on-call wrapper


class HasContext(Protocol):
    @property
    def ctx(self) -> SimContext: ...


S = TypeVar("S", bound=HasContext)
P = ParamSpec("P")
R = TypeVar("R")


def settled(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run a public operation under the simulator lock, with the timeline caught up before and
    after it (see the module docstring)."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        ctx = self.ctx
        with ctx.lock:
            if ctx.busy:  # called from another operation or an event: the outer call settles
                return method(self, *args, **kwargs)
            ctx.settle()
            ctx.busy = True
            try:
                result = method(self, *args, **kwargs)
            finally:
                ctx.busy = False
            ctx.settle()
            return result

    return wrapper

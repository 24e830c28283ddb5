"""Capacity the subscription owns in the simulated Azure: vCPU quotas and capacity reservations.

Quotas. Azure caps the vCPUs a subscription may hold per VM family per region, counting every
VM that exists, allocated or deallocated; Spot VMs draw on a separate low-priority quota. The
simulator keeps one limit per (region, family, lifecycle), `DEFAULT_VCPU_QUOTA` = 350 unless a
test sets another, and refuses a VM that would exceed it with Azure's 409
`OperationNotAllowed` "... exceeding approved ... Cores quota" (the port reads it as
`QuotaExceeded`).

Capacity reservation groups. A group holds at most one reservation per (size, zone); a Regular
VM that names the group and finds a reservation with room is placed on reserved capacity
(no market check: that is what a reservation buys); once a reservation is full, further VMs
are over-allocated and need ordinary on-demand capacity, as in Azure. Spot VMs cannot use
capacity reservations at all (400). A deallocated VM gives its reserved slot back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from spotkeeper.catalog import VmSize
from spotkeeper.sim.context import SimContext, check_tags, missing, not_found, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of, resource_id

if TYPE_CHECKING:
    from spotkeeper.sim.vm_models import VirtualMachine

DEFAULT_VCPU_QUOTA = 350
QuotaLifecycle = Literal["spot", "od"]


@dataclass
class CapacityReservation:
    id: str
    name: str
    size: str
    zone: str | None
    capacity: int
    vm_ids: set[str] = field(default_factory=set)  # lower-cased ids of VMs on reserved capacity

    @property
    def used(self) -> int:
        return len(self.vm_ids)


@dataclass
class CapacityReservationGroup:
    id: str
    resource_group: str
    name: str
    location: str
    zones: tuple[str, ...]
    reservations: dict[str, CapacityReservation] = field(default_factory=dict)  # lower-cased name ->
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


class QuotaLedger:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._limits: dict[tuple[str, str, str], int] = {}

    def set_limit(self, region: str, family: str, vcpus: int, *, lifecycle: QuotaLifecycle = "od") -> None:
        if vcpus < 0:
            raise ValueError("a quota cannot be negative")
        self._limits[(region.lower(), family.lower(), lifecycle)] = vcpus

    def limit(self, region: str, family: str, lifecycle: QuotaLifecycle) -> int:
        return self._limits.get((region.lower(), family.lower(), lifecycle), DEFAULT_VCPU_QUOTA)

    def usage(
        self, region: str, family: str, lifecycle: QuotaLifecycle, *, excluding: str | None = None
    ) -> int:
        total = 0
        for key, vm in self.ctx.state.vms.items():
            size = self.ctx.catalog.size(vm.size)
            if key == excluding or size is None or vm.provisioning_state == "Failed":
                continue
            if (
                vm.location == region.lower()
                and size.family.lower() == family.lower()
                and vm.lifecycle == lifecycle
            ):
                total += size.vcpus
        return total

    def check(
        self, region: str, size: VmSize, lifecycle: QuotaLifecycle, *, excluding: str | None = None
    ) -> None:
        """Raise Azure's quota error if one more VM of `size` would exceed the limit."""
        limit = self.limit(region, size.family, lifecycle)
        used = self.usage(region, size.family, lifecycle, excluding=excluding)
        if used + size.vcpus > limit:
            kind = "LowPriority " if lifecycle == "spot" else ""
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation could not be completed as it results in exceeding approved {kind}standard"
                f"{size.family}Family Cores quota. Additional details - Deployment Model: Resource Manager, "
                f"Location: {region}, Current Limit: {limit}, Current Usage: {used}, Additional Required: "
                f"{size.vcpus}, (Minimum) New Limit Required: {used + size.vcpus}.",
            )


class ReservationService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    @settled
    def create_or_update_group(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        zones: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> CapacityReservationGroup:
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        for zone in zones:
            ctx.require_zone(region, zone)
        crg_id = resource_id(ctx.subscription_id, group.name, COMPUTE, "capacityReservationGroups", name)
        crg = ctx.state.reservation_groups.get(key_of(crg_id))
        if crg is not None and tuple(sorted(zones)) != crg.zones:
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Changing property 'zones' of capacity reservation group {name} is not allowed.",
                target="zones",
            )
        if crg is None:
            crg = CapacityReservationGroup(crg_id, group.name, name, region.name, tuple(sorted(zones)))
            ctx.state.reservation_groups[key_of(crg_id)] = crg
        crg.tags = check_tags(dict(tags or {}))
        ctx.record("crg.put", crg_id, ",".join(crg.zones))
        return crg

    @settled
    def create_or_update_reservation(
        self, resource_group: str, group: str, name: str, *, size: str, capacity: int, zone: str | None = None
    ) -> CapacityReservation:
        ctx = self.ctx
        crg = self.get_group(resource_group, group)
        vm_size = ctx.require_size(size)
        if capacity < 0:
            raise ArmError(
                400, "InvalidParameter", "sku.capacity must be zero or more.", target="sku.capacity"
            )
        if crg.zones and zone not in crg.zones:
            raise ArmError(
                400,
                "InvalidParameter",
                f"A reservation in zonal group {crg.name} needs one of its zones ({', '.join(crg.zones)}).",
                target="zones",
            )
        if not crg.zones and zone is not None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Group {crg.name} is regional; its reservations take no zone.",
                target="zones",
            )
        for other in crg.reservations.values():
            if (
                other.name.lower() != name.lower()
                and other.size.lower() == vm_size.name.lower()
                and other.zone == zone
            ):
                raise ArmError(
                    409,
                    "Conflict",
                    f"Group {crg.name} already has reservation {other.name} for "
                    f"{vm_size.name} in zone {zone}.",
                )
        reservation = crg.reservations.get(name.lower())
        if reservation is None:
            reservation = CapacityReservation(
                f"{crg.id}/capacityReservations/{name}", name, vm_size.name, zone, capacity
            )
            crg.reservations[name.lower()] = reservation
        elif reservation.size.lower() != vm_size.name.lower() or reservation.zone != zone:
            raise ArmError(409, "PropertyChangeNotAllowed", f"Reservation {name} cannot change size or zone.")
        reservation.capacity = capacity
        ctx.record("crg.reservation.put", reservation.id, f"{vm_size.name} zone={zone} capacity={capacity}")
        return reservation

    @settled
    def get_group(self, resource_group: str, name: str) -> CapacityReservationGroup:
        crg_id = resource_id(
            self.ctx.subscription_id, resource_group, COMPUTE, "capacityReservationGroups", name
        )
        crg = self.ctx.state.reservation_groups.get(key_of(crg_id))
        if crg is None:
            raise not_found("Microsoft.Compute/capacityReservationGroups", resource_group, name)
        return crg

    @settled
    def list_groups(self, *, location: str | None = None) -> list[CapacityReservationGroup]:
        groups = [self.ctx.state.reservation_groups[k] for k in sorted(self.ctx.state.reservation_groups)]
        return [g for g in groups if location is None or g.location == location.lower()]

    # used by compute ---------------------------------------------------------

    def require_usable(
        self, group_id: str, *, priority: str, size: str, zone: str | None, location: str
    ) -> None:
        """Validate that a VM of this shape may name the group (raises Azure's errors)."""
        if priority != "Regular":
            raise ArmError(
                400,
                "InvalidParameter",
                "Spot VMs and Azure Dedicated Host Nodes aren't supported with Capacity Reservation; use the "
                "capacity reservation group only for Regular (on-demand) VMs.",
                target="capacityReservation.capacityReservationGroup.id",
            )
        crg = self.ctx.state.reservation_groups.get(key_of(group_id))
        if crg is None:
            raise missing("Microsoft.Compute/capacityReservationGroups", group_id)
        if crg.location != location:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Capacity reservation group {crg.name} is in {crg.location}, the VM in {location}.",
                target="capacityReservation",
            )
        if bool(crg.zones) != (zone is not None) or (zone is not None and zone not in crg.zones):
            raise ArmError(
                400,
                "InvalidParameter",
                f"VM zone {zone} does not match capacity reservation group "
                f"{crg.name} zones ({', '.join(crg.zones) or 'regional'}).",
                target="capacityReservation",
            )
        if self._reservation_for(crg, size, zone) is None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Capacity reservation group {crg.name} has no reservation for {size} in zone {zone}.",
                target="capacityReservation",
            )

    def has_room(self, group_id: str, size: str, zone: str | None) -> bool:
        crg = self.ctx.state.reservation_groups.get(key_of(group_id))
        reservation = None if crg is None else self._reservation_for(crg, size, zone)
        return reservation is not None and reservation.used < reservation.capacity

    def claim(self, group_id: str, vm: VirtualMachine) -> bool:
        """Put `vm` on reserved capacity if there is room; False = over-allocated."""
        crg = self.ctx.state.reservation_groups.get(key_of(group_id))
        reservation = None if crg is None else self._reservation_for(crg, vm.size, vm.zone)
        if reservation is None or reservation.used >= reservation.capacity:
            return False
        reservation.vm_ids.add(key_of(vm.id))
        self.ctx.record("crg.claimed", reservation.id, key_of(vm.id))
        return True

    def release(self, vm: VirtualMachine) -> None:
        for crg in self.ctx.state.reservation_groups.values():
            for reservation in crg.reservations.values():
                if key_of(vm.id) in reservation.vm_ids:
                    reservation.vm_ids.discard(key_of(vm.id))
                    self.ctx.record("crg.released", reservation.id, key_of(vm.id))

    @staticmethod
    def _reservation_for(
        crg: CapacityReservationGroup, size: str, zone: str | None
    ) -> CapacityReservation | None:
        return next(
            (r for r in crg.reservations.values() if r.size.lower() == size.lower() and r.zone == zone), None
        )

"""Virtual machines of the simulated Azure: create, update, start, deallocate, delete, attach
and detach disks, and what a Spot eviction does to a VM.

State transitions are explicit and asynchronous, like ARM's: an accepted operation sets
`provisioning_state` ("Creating"/"Updating"/"Deleting") and the power state it passes through
(`starting`, `deallocating`, `stopping`) and schedules its completion at
`now + latency.duration(op)`; on completion the fault plan may fail it (`provisioning_state`
"Failed" with Azure's code, e.g. `AllocationFailed`), otherwise the VM reaches `running`,
`deallocated` or `stopped`. One operation runs at a time per VM (another is refused with 409
and the seconds left as retry_after); a delete cancels whatever was in flight. The model and
the agent's Ready delay are in `vm_models`; creation in `vm_create`; updates in `vm_updates`.

Capacity: a Spot VM needs `market.spot_available` (else 409 `SkuNotAvailable`); a Regular VM
needs room in its capacity reservation or `market.od_available` (else 409 `AllocationFailed`
/ `ZonalAllocationFailed`); both count against the vCPU quota (`reservations.QuotaLedger`).
Request rules live in `vm_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from spotkeeper.catalog import VmSize
from spotkeeper.sim.context import SimContext, not_found, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.evictions import EvictionService, SimScheduledEvent
from spotkeeper.sim.ids import COMPUTE, key_of, resource_id
from spotkeeper.sim.images import ImageService
from spotkeeper.sim.network import NetworkService
from spotkeeper.sim.requests import VmRequest
from spotkeeper.sim.reservations import QuotaLedger, ReservationService
from spotkeeper.sim.storage import StorageService
from spotkeeper.sim.vm_models import AGENT_READY_AFTER, PowerState, VirtualMachine
from spotkeeper.sim.vm_rules import (
    od_capacity_error,
    size_not_offered,
    spot_capacity_error,
    spot_price_error,
)


class ComputeService:
    def __init__(
        self,
        ctx: SimContext,
        *,
        storage: StorageService,
        network: NetworkService,
        images: ImageService,
        reservations: ReservationService,
        quotas: QuotaLedger,
    ) -> None:
        self.ctx = ctx
        self.storage = storage
        self.network = network
        self.images = images
        self.reservations = reservations
        self.quotas = quotas
        self.evictions = EvictionService(ctx, self)

    # reads -------------------------------------------------------------------

    @settled
    def get_vm(self, resource_group: str, name: str) -> VirtualMachine:
        vm = self.ctx.state.vms.get(key_of(self._id(resource_group, name)))
        if vm is None:
            raise not_found("Microsoft.Compute/virtualMachines", resource_group, name)
        return vm

    @settled
    def list_vms(
        self, *, resource_group: str | None = None, location: str | None = None
    ) -> list[VirtualMachine]:
        vms = [self.ctx.state.vms[key] for key in sorted(self.ctx.state.vms)]
        return [
            vm
            for vm in vms
            if (resource_group is None or vm.resource_group.lower() == resource_group.lower())
            and (location is None or vm.location == location.lower())
        ]

    # create / update ---------------------------------------------------------

    @settled
    def create_or_update_vm(self, resource_group: str, name: str, request: VmRequest) -> VirtualMachine:
        """ARM's VM PUT. A new VM is validated against Azure's rules, then starts "Creating"
        and is running after "vm.create"; an existing one is updated (`vm_updates`)."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(request.location)
        ctx.require_zone(region, request.zone)
        vm_id = self._id(group.name, name)
        existing = ctx.state.vms.get(key_of(vm_id))
        if existing is not None:
            from spotkeeper.sim.vm_updates import update_vm

            return update_vm(self, existing, request)
        from spotkeeper.sim.vm_create import create_vm

        return create_vm(self, group.name, name, region, request)

    def check_capacity(
        self,
        region: str,
        zone: str | None,
        size: VmSize,
        priority: str,
        max_price: float | None,
        crg: str | None,
    ) -> None:
        """Is there room for one more VM of `size` in (region, zone) for this priority now?"""
        ctx = self.ctx
        if size.name.lower() not in {s.name.lower() for s in ctx.catalog.sizes_in(region)}:
            raise size_not_offered(region, zone, size.name)
        now, market_zone = ctx.now(), zone or ""
        if priority == "Spot":
            if not ctx.market.spot_available(region, market_zone, size.name, now):
                raise spot_capacity_error(region, zone, size.name)
            if max_price is not None and max_price != -1:
                price = ctx.market.spot_price(region, market_zone, size.name, now)
                if price is not None and price > max_price:
                    raise spot_price_error(size.name, max_price, price)
            return
        if crg is not None and self.reservations.has_room(crg, size.name, zone):
            return
        if not ctx.market.od_available(region, market_zone, size.name, now):
            raise od_capacity_error(region, zone, size.name)

    # power -------------------------------------------------------------------

    @settled
    def start_vm(self, resource_group: str, name: str) -> VirtualMachine:
        """Start a deallocated or stopped VM (a running one is left alone)."""
        ctx = self.ctx
        vm = self.get_vm(resource_group, name)
        if vm.power_state in ("running", "starting") and vm.provisioning_state != "Failed":
            return vm
        if vm.generalized:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation 'start' is not allowed on VM '{vm.name}' since the VM is generalized.",
            )
        self.require_idle(vm)
        size = ctx.require_size(vm.size)
        ctx.check_fault("vm.start", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle)
        if vm.power_state != "stopped":  # a stopped VM still holds its hardware
            self.check_capacity(
                vm.location, vm.zone, size, vm.priority, vm.max_price, vm.capacity_reservation_group_id
            )
        vm.evicted, vm.failure_code = False, None
        vm.power_state, vm.provisioning_state = "starting", "Updating"
        if vm.capacity_reservation_group_id is not None and not vm.on_reserved_capacity:
            vm.on_reserved_capacity = self.reservations.claim(vm.capacity_reservation_group_id, vm)
        ctx.record("vm.start.accepted", vm.id)
        self.run(vm, "vm.start", on_success=self.now_running, failed_power="deallocated")
        return vm

    @settled
    def deallocate_vm(self, resource_group: str, name: str) -> VirtualMachine:
        """Stop the VM and release its hardware (disks stay attached, `diskState` Reserved)."""
        vm = self.get_vm(resource_group, name)
        if vm.power_state == "deallocated" and vm.pending is None:
            return vm
        if vm.os_disk_ephemeral:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation 'deallocate' is not supported for VM '{vm.name}' with an ephemeral OS disk.",
            )
        self.require_idle(vm)
        self.ctx.check_fault(
            "vm.deallocate", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle
        )
        self._stop(vm, "deallocating", "deallocated", "vm.deallocate")
        return vm

    @settled
    def power_off_vm(self, resource_group: str, name: str) -> VirtualMachine:
        """Stop the VM but keep its hardware (still billed). Takes as long as a deallocate."""
        vm = self.get_vm(resource_group, name)
        if vm.power_state in ("stopped", "deallocated") and vm.pending is None:
            return vm
        self.require_idle(vm)
        self.ctx.check_fault(
            "vm.deallocate", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle
        )
        self._stop(vm, "stopping", "stopped", "vm.deallocate")
        return vm

    @settled
    def generalize_vm(self, resource_group: str, name: str) -> VirtualMachine:
        """`POST .../generalize` after sysprep/waagent deprovisioning: the VM must be stopped or
        deallocated, and from then on it can be captured as an image or deleted, not started."""
        vm = self.get_vm(resource_group, name)
        if vm.power_state not in ("stopped", "deallocated") or vm.pending is not None:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"VM '{vm.name}' must be stopped or deallocated to be generalized; it is {vm.power_state}.",
            )
        vm.generalized = True
        self.ctx.record("vm.generalized", vm.id)
        return vm

    @settled
    def keep_disks_on_delete(self, resource_group: str, name: str) -> VirtualMachine:
        """Set every disk's `deleteOption` to Detach (ARM's VM PATCH of
        `storageProfile.*.deleteOption`), so deleting the VM keeps its disks. A model-only
        change: Azure applies it without an operation on the VM, so it is accepted while the VM
        is busy and takes no time here."""
        vm = self.get_vm(resource_group, name)
        options = [vm.os_disk_delete_option, *(d.delete_option for d in vm.data_disks)]
        changed = any(option != "Detach" for option in options)
        if changed:
            vm.os_disk_delete_option = "Detach"
            for disk in vm.data_disks:
                disk.delete_option = "Detach"
            self.ctx.record("vm.patched", vm.id, "deleteOption=Detach")
        return vm

    @settled
    def delete_vm(self, resource_group: str, name: str) -> None:
        """Delete the VM after "vm.delete". Its disks, NICs and public IPs stay (unless a disk's
        delete option says Delete); its NICs are reserved for it for 180 s. Gone is success."""
        ctx = self.ctx
        vm = ctx.state.vms.get(key_of(self._id(resource_group, name)))
        if vm is None or vm.provisioning_state == "Deleting":
            return
        ctx.check_fault("vm.delete", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle)
        if vm.pending is not None:
            vm.pending.cancel()
            vm.pending = None
        vm.provisioning_state = "Deleting"
        ctx.record("vm.delete.accepted", vm.id)

        def gone() -> None:
            vm.pending = None
            if ctx.state.vms.get(key_of(vm.id)) is not vm:
                return
            code = ctx.faults.async_failure(
                "vm.delete", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle
            )
            if code is not None:  # the delete failed: the VM stays, Failed, and may be deleted again
                vm.provisioning_state, vm.failure_code = "Failed", code
                ctx.record("vm.delete.failed", vm.id, code)
                return
            self.remove_vm(vm, delete_disks=False, reason="deleted")

        vm.pending = ctx.schedule(ctx.now() + ctx.duration("vm.delete", vm.id), "vm.delete", vm.id, gone)

    # disks and workload ------------------------------------------------------

    @settled
    def attach_data_disk(
        self, resource_group: str, vm_name: str, *, lun: int, disk_id: str, caching: str = "None"
    ) -> VirtualMachine:
        """Attach an existing disk at `lun` (the same disk at the same LUN again is a no-op)."""
        from spotkeeper.sim.vm_updates import attach_disk

        return attach_disk(
            self, self.get_vm(resource_group, vm_name), lun=lun, disk_id=disk_id, caching=caching
        )

    @settled
    def detach_data_disk(self, resource_group: str, vm_name: str, disk_id: str) -> VirtualMachine:
        """Detach; a disk not attached to this VM is success."""
        from spotkeeper.sim.vm_updates import detach_disk

        return detach_disk(self, self.get_vm(resource_group, vm_name), disk_id)

    @settled
    def write_to_vm_disk(
        self,
        resource_group: str,
        vm_name: str,
        target: int | Literal["os"],
        data: bytes,
        *,
        append: bool = False,
    ) -> str:
        """What a workload on the VM writes to its OS disk or the data disk at LUN `target`;
        refused unless the VM is running. Returns the disk's new fingerprint."""
        vm = self.get_vm(resource_group, vm_name)
        if vm.power_state != "running":
            raise ArmError(
                409, "OperationNotAllowed", f"VM {vm.name} is {vm.power_state}; only a running VM writes."
            )
        if target == "os":
            disk_id = vm.os_disk_id
        else:
            found = next((d for d in vm.data_disks if d.lun == target), None)
            if found is None:
                raise ArmError(400, "InvalidParameter", f"VM {vm.name} has no data disk at LUN {target}.")
            disk_id = found.disk_id
        return self.storage.write_disk(disk_id, data, append=append)

    @settled
    def set_vm_unhealthy(self, resource_group: str, vm_name: str, unhealthy: bool = True) -> None:
        """Make the application gateway probe see this VM as unhealthy (or healthy again)."""
        vm = self.get_vm(resource_group, vm_name)
        vm.forced_unhealthy = unhealthy
        self.ctx.record("vm.health.forced", vm.id, "unhealthy" if unhealthy else "cleared")

    # Spot --------------------------------------------------------------------

    @settled
    def simulate_eviction(self, resource_group: str, name: str) -> SimScheduledEvent:
        vm = self.get_vm(resource_group, name)
        if vm.priority != "Spot":
            raise ArmError(
                400,
                "OperationNotAllowed",
                f"Eviction can only be simulated on an Azure Spot VM; {vm.name} is a Regular VM.",
            )
        if vm.power_state != "running":
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Eviction can only be simulated on a running VM; {vm.name} is {vm.power_state}.",
            )
        return self.evictions.preempt(vm, cause="simulated")

    def apply_eviction(self, vm: VirtualMachine, *, cause: str) -> None:
        """Azure evicts the Spot VM now (called by `evictions` when its notice runs out)."""
        ctx = self.ctx
        ctx.record("vm.evicted", vm.id, f"{cause} policy={vm.eviction_policy}")
        if vm.pending is not None:
            vm.pending.cancel()
            vm.pending = None
        if vm.eviction_policy == "Delete":
            self.remove_vm(vm, delete_disks=True, reason=f"evicted ({cause})")
            return
        self.evictions.clear(vm)
        vm.power_state, vm.provisioning_state, vm.evicted = "deallocated", "Succeeded", True
        vm.running_since = vm.agent_ready_at = None
        self.reservations.release(vm)
        vm.on_reserved_capacity = False

    # helpers shared with vm_updates / disks ----------------------------------

    def require_idle(self, vm: VirtualMachine) -> None:
        if vm.provisioning_state == "Deleting":
            raise ArmError(409, "OperationNotAllowed", f"VM {vm.name} is being deleted.")
        if vm.pending is not None:
            left = max(0.0, (vm.pending.at - self.ctx.now()).total_seconds())
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed since VM {vm.name} is busy with '{vm.pending.kind}' "
                f"(provisioning state {vm.provisioning_state}); retry later.",
                retry_after=max(1.0, round(left)),
            )

    def run(
        self,
        vm: VirtualMachine,
        op: str,
        *,
        on_success: Callable[[VirtualMachine, timedelta], None],
        failed_power: PowerState | None = None,
    ) -> None:
        """Schedule the completion of `op` on `vm` (success, or the fault plan's failure)."""
        ctx = self.ctx
        duration = ctx.duration(op, vm.id)

        def done() -> None:
            vm.pending = None
            if ctx.state.vms.get(key_of(vm.id)) is not vm:
                return
            code = ctx.faults.async_failure(
                op, region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle
            )
            if code is None:
                on_success(vm, duration)
                ctx.record(f"{op}.succeeded", vm.id, vm.power_state)
                return
            vm.provisioning_state, vm.failure_code = "Failed", code
            if failed_power == "deallocated":
                vm.power_state = failed_power
                vm.running_since = vm.agent_ready_at = None
                self.evictions.clear(vm)
                self.reservations.release(vm)
                vm.on_reserved_capacity = False
            elif failed_power is not None:
                vm.power_state, vm.agent_ready_at = failed_power, ctx.now()
            ctx.record(f"{op}.failed", vm.id, code)

        vm.pending = ctx.schedule(ctx.now() + duration, op, vm.id, done)

    def remove_vm(self, vm: VirtualMachine, *, delete_disks: bool, reason: str) -> None:
        """The VM is gone: detach (or delete) its disks, reserve its NICs for 180 s."""
        ctx = self.ctx
        now = ctx.now()
        options = {key_of(vm.os_disk_id): vm.os_disk_delete_option}
        options.update({key_of(d.disk_id): d.delete_option for d in vm.data_disks})
        for disk_key, option in options.items():
            disk = ctx.state.disks.get(disk_key)
            if disk is None:
                continue
            disk.managed_by = None
            if delete_disks or option == "Delete":
                self.storage.remove_disk(disk, reason=f"with VM {vm.name} ({reason})")
        for nic_id in vm.nic_ids:
            nic = ctx.state.nics.get(key_of(nic_id))
            if nic is not None and nic.vm_id is not None and key_of(nic.vm_id) == key_of(vm.id):
                nic.release(vm.id, now)
        self.reservations.release(vm)
        self.evictions.clear(vm)
        ctx.state.vms.pop(key_of(vm.id), None)
        ctx.record("vm.deleted", vm.id, reason)

    def now_running(self, vm: VirtualMachine, took: timedelta) -> None:
        now = self.ctx.now()
        vm.provisioning_state, vm.power_state, vm.failure_code = "Succeeded", "running", None
        vm.running_since = now
        vm.agent_delay = min(AGENT_READY_AFTER, took)
        vm.agent_ready_at = now + vm.agent_delay
        self.ctx.record("vm.running", vm.id, f"{vm.size} {vm.priority} zone={vm.zone}")
        self.evictions.watch(vm)

    def _stop(self, vm: VirtualMachine, passing: PowerState, final: PowerState, op: str) -> None:
        previous = vm.power_state
        vm.power_state, vm.provisioning_state = passing, "Updating"
        self.evictions.clear(vm)
        self.ctx.record(f"{op}.accepted", vm.id, final)

        def stopped(target: VirtualMachine, _took: timedelta) -> None:
            target.power_state, target.provisioning_state = final, "Succeeded"
            target.running_since = target.agent_ready_at = None
            if final == "deallocated":
                self.reservations.release(target)
                target.on_reserved_capacity = False
            self.ctx.record("vm.stopped", target.id, final)

        self.run(vm, op, on_success=stopped, failed_power=None if previous != "running" else "running")

    def _id(self, resource_group: str, name: str) -> str:
        return resource_id(self.ctx.subscription_id, resource_group, COMPUTE, "virtualMachines", name)

    def _disk_id(self, resource_group: str, name: str) -> str:
        return resource_id(self.ctx.subscription_id, resource_group, COMPUTE, "disks", name)

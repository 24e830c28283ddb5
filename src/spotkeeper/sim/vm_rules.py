"""Azure's rules for a VM request, as the simulated Azure enforces them.

Each function checks one rule and raises the `ArmError` real Azure returns (status, code and
wording from `../shared/reference/azure.md` §2.2 and Azure's error-code pages), before the
simulator changes anything. They are the rules a stateful-node manager trips over when it
re-creates a VM around existing disks and NICs: one VM per disk, the zone rule, the 180 s NIC
reservation, no `osProfile` with an attached OS disk, no capacity reservation for Spot, the
data-disk limit of the size, and the Spot-only billing fields.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

from spotkeeper.catalog import VmSize
from spotkeeper.sim.context import SimContext
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import key_of
from spotkeeper.sim.network import NetworkInterface, nic_reserved_error
from spotkeeper.sim.requests import DataDiskRequest, VmRequest
from spotkeeper.sim.storage import ManagedDisk

MAX_USER_DATA_BYTES = 64 * 1024
MAX_LUN = 63


def check_priority(request: VmRequest, size: VmSize) -> None:
    if request.priority == "Spot":
        if not size.spot_capable:
            raise ArmError(
                400,
                "BadRequest",
                f"The VM size {size.name} is not supported for Azure Spot VMs (no low-priority capacity).",
                target="priority",
            )
        price = request.max_price
        if price is not None and price != -1 and (price <= 0 or round(price, 5) != price):
            raise ArmError(
                400,
                "MaxPriceValueInvalid",
                f"Max price {price} is invalid: use -1 (never evict for price) or a positive USD/hour value "
                f"with at most 5 decimals.",
                target="billingProfile.maxPrice",
            )
        return
    if request.eviction_policy is not None:
        raise ArmError(
            400,
            "EvictionPolicyCanBeSetOnlyOnAzureSpotVirtualMachines",
            "Eviction policy can be set only on Azure Spot Virtual Machines.",
            target="evictionPolicy",
        )
    if request.max_price is not None:
        raise ArmError(
            400,
            "MaxPriceIsSupportedOnlyForAzureSpotVirtualMachines",
            "Max price is supported only for Azure Spot Virtual Machines.",
            target="billingProfile.maxPrice",
        )


def check_base64(value: str | None, *, target: str, limit: int = MAX_USER_DATA_BYTES) -> None:
    if value is None:
        return
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ArmError(
            400, "InvalidParameter", f"The value of parameter {target} must be base64-encoded.", target=target
        ) from None
    if len(decoded) > limit:
        raise ArmError(400, "InvalidParameter", f"{target} is larger than {limit // 1024} KB.", target=target)


def check_boot(size: VmSize, *, generation: str | None, architecture: str | None, security_type: str) -> None:
    """The size must boot the image's (or OS disk's) generation and architecture, and support
    the requested security type."""
    if generation is not None and generation not in size.hyperv_generations:
        raise ArmError(
            400,
            "BadRequest",
            f"The selected VM size '{size.name}' cannot boot Hypervisor Generation '{generation[-1]}'. "
            "If this was a Create operation please check that the Hypervisor Generation of the Image "
            "matches the Hypervisor Generation of the selected VM Size.",
            target="hardwareProfile.vmSize",
        )
    if architecture is not None and architecture != size.architecture:
        raise ArmError(
            400,
            "BadRequest",
            f"The image architecture {architecture} does not match VM size {size.name} "
            f"({size.architecture}).",
            target="hardwareProfile.vmSize",
        )
    if security_type == "TrustedLaunch":
        if not size.trusted_launch:
            raise ArmError(
                400,
                "BadRequest",
                f"VM size {size.name} does not support Trusted Launch.",
                target="securityProfile.securityType",
            )
        if generation == "V1":
            raise ArmError(
                400,
                "BadRequest",
                "Trusted Launch needs a Generation 2 image or OS disk.",
                target="securityProfile.securityType",
            )
    if security_type == "ConfidentialVM" and not size.confidential:
        raise ArmError(
            400,
            "BadRequest",
            f"VM size {size.name} is not a confidential VM size.",
            target="securityProfile.securityType",
        )


def check_data_disk_layout(
    disks: Sequence[DataDiskRequest], size: VmSize, *, image_luns: Sequence[int] = ()
) -> None:
    luns = [d.lun for d in disks] + list(image_luns)
    for lun in luns:
        if not 0 <= lun <= MAX_LUN:
            raise ArmError(
                400,
                "InvalidParameter",
                f"LUN {lun} is outside 0..{MAX_LUN}.",
                target="storageProfile.dataDisks.lun",
            )
    if len(set(luns)) != len(luns):
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"Two data disks use the same LUN ({sorted(luns)}).",
            target="storageProfile.dataDisks",
        )
    ids = [key_of(d.disk_id) for d in disks]
    if len(set(ids)) != len(ids):
        raise ArmError(
            400, "InvalidParameter", "The same disk is listed twice.", target="storageProfile.dataDisks"
        )
    if len(luns) > size.max_data_disks:
        raise data_disk_limit(size)


def data_disk_limit(size: VmSize) -> ArmError:
    return ArmError(
        409,
        "OperationNotAllowed",
        "The maximum number of data disks allowed to be attached to a VM of this size is "
        f"{size.max_data_disks}.",
        target="dataDisks",
    )


def check_attachable(
    ctx: SimContext, disk: ManagedDisk, *, vm_id: str, zone: str | None, location: str, size: VmSize
) -> None:
    if disk.location != location:
        raise ArmError(400, "BadRequest", f"Disk {disk.id} is in {disk.location}; the VM is in {location}.")
    if disk.provisioning_state != "Succeeded":
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"Disk {disk.name} is in provisioning state '{disk.provisioning_state}' and cannot be "
            f"attached yet.",
            retry_after=5.0,
        )
    if disk.managed_by is not None and key_of(disk.managed_by) != key_of(vm_id):
        raise ArmError(
            409, "OperationNotAllowed", f"Disk {disk.name} is already attached to VM {disk.managed_by}."
        )
    if not disk.zone_redundant:
        if disk.zone is not None and disk.zone != zone:
            raise ArmError(
                400,
                "BadRequest",
                f"Disk {disk.name} is in zone {disk.zone} and cannot be attached to a VM "
                f"{'in zone ' + zone if zone else 'that is not in an availability zone'}.",
            )
        if disk.zone is None and zone is not None:
            raise ArmError(
                400,
                "BadRequest",
                f"Regional disk {disk.name} ({disk.sku}) cannot be attached to a VM in zone {zone}; only "
                f"zone-redundant (ZRS) or zone-{zone} disks can.",
            )
    if disk.sku.startswith(("Premium", "UltraSSD")) and not size.premium_storage:
        raise ArmError(
            400,
            "BadRequest",
            f"Requested operation cannot be performed because the VM size {size.name} does not support the "
            f"storage account type {disk.sku} of disk '{disk.name}'.",
        )


def check_nics(
    ctx: SimContext,
    nics: Sequence[NetworkInterface],
    *,
    vm_id: str,
    location: str,
    size: VmSize,
    now: datetime,
) -> None:
    if not nics:
        raise ArmError(
            400,
            "InvalidParameter",
            "A VM needs at least one network interface.",
            target="networkProfile.networkInterfaces",
        )
    if len({key_of(n.id) for n in nics}) != len(nics):
        raise ArmError(
            400,
            "InvalidParameter",
            "The same network interface is listed twice.",
            target="networkProfile.networkInterfaces",
        )
    if len(nics) > size.max_nics:
        raise ArmError(
            400,
            "NetworkInterfaceCountExceeded",
            f"VM size {size.name} supports at most {size.max_nics} network interfaces, {len(nics)} given.",
            target="networkProfile.networkInterfaces",
        )
    for nic in nics:
        if nic.location != location:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Network interface {nic.id} is in {nic.location}; the VM is in {location}.",
            )
        if nic.vm_id is not None and key_of(nic.vm_id) != key_of(vm_id):
            raise ArmError(
                400, "NicInUse", f"Network interface {nic.id} is used by virtual machine {nic.vm_id}."
            )
        # The reservation holds the NIC for the deleted VM ("Reserved VM: <id>"): only another
        # VM is refused; re-creating the same VM (same resource id) takes its NIC back.
        seconds = nic.reserved_seconds(now)
        if seconds is not None and key_of(nic.reserved_for_vm_id or "") != key_of(vm_id):
            raise nic_reserved_error(nic, seconds)
        if nic.provisioning_state == "Deleting":
            raise ArmError(409, "OperationNotAllowed", f"Network interface {nic.id} is being deleted.")
    del ctx


def spot_capacity_error(region: str, zone: str | None, size: str) -> ArmError:
    return ArmError(
        409,
        "SkuNotAvailable",
        f"The requested VM size for resource '{size}' is currently not available in location '{region}' "
        f"zones '{zone or ''}' for priority Spot. Please try another size or deploy to a different location "
        f"or different zone.",
    )


def od_capacity_error(region: str, zone: str | None, size: str) -> ArmError:
    if zone:
        return ArmError(
            409,
            "ZonalAllocationFailed",
            f"Allocation failed. We do not have sufficient capacity for the requested VM size {size} "
            f"in zone {zone} of {region}. Please try another size or zone.",
        )
    return ArmError(
        409,
        "AllocationFailed",
        f"Allocation failed. We do not have sufficient capacity for the requested VM size {size} in "
        f"region {region}. Please try another size.",
    )


def spot_price_error(size: str, max_price: float, price: float) -> ArmError:
    return ArmError(
        409,
        "SpotPriceGreaterThanProvidedMaxPrice",
        f"Unable to perform operation since the provided max price '{max_price} USD' is lower than "
        f"the current spot price '{price} USD' for Azure Spot VM size '{size}'.",
    )


def size_not_offered(region: str, zone: str | None, size: str) -> ArmError:
    return ArmError(
        409,
        "SkuNotAvailable",
        f"The requested size for resource '{size}' is currently not available in location '{region}' zones "
        f"'{zone or ''}' for subscription. Please try another size or deploy to a different location.",
    )


def check_no_os_profile_with_attach(request: VmRequest) -> None:
    if request.os_profile is not None:
        raise ArmError(400, "InvalidParameter", "Parameter 'osProfile' is not allowed.", target="osProfile")
    if request.image is not None:
        raise ArmError(
            400,
            "InvalidParameter",
            "Cannot attach an existing OS disk if the VM is created from a platform, user or a shared "
            "gallery image.",
            target="storageProfile.imageReference",
        )

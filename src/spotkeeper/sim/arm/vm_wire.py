"""A virtual machine read from the ARM wire: the PUT body as the simulator's `VmRequest`
(`../shared/reference/azure.md` §2.2).

Reading follows Azure's rules where they are about the request's shape: `osDisk.createOption`
Attach refuses an `imageReference`; data disks are attached (`createOption: Attach`) or come
from the image (`FromImage`, which the simulator keeps by itself); `toBeDetached: true` leaves
a data disk out, which is how a PUT or PATCH detaches; `priority: Low` is refused (Azure
deprecated it for Spot). Writing is `vm_documents`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from spotkeeper.sim.arm.wire import (
    bad_field,
    choice,
    flag,
    integer,
    number,
    objects,
    pick,
    required_text,
    single_zone,
    tags,
    text,
)
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.images import ImageReference
from spotkeeper.sim.requests import (
    DataDiskRequest,
    OsDiskRequest,
    OsProfileRequest,
    SecuritySettings,
    VmExtension,
    VmRequest,
)
from spotkeeper.sim.vm_models import VirtualMachine

_SECURITY_TYPES = ("Standard", "TrustedLaunch", "ConfidentialVM")
_DELETE_OPTIONS = ("Detach", "Delete")


def parse_vm_request(body: Mapping[str, Any], *, existing: VirtualMachine | None = None) -> VmRequest:
    """ARM's VM PUT body as the simulator's request. `existing` supplies the extensions (ARM
    keeps them as child resources, not in the body)."""
    props = pick(body, "properties")
    priority = choice(text(props, "priority"), ("Regular", "Low", "Spot", "SpotPlus"), "properties.priority")
    if priority in ("Low", "SpotPlus"):
        raise bad_field("properties.priority", f"'{priority}' is not supported by the simulator; use Spot")
    eviction = choice(text(props, "evictionPolicy"), ("Deallocate", "Delete"), "properties.evictionPolicy")
    storage = pick(props, "storageProfile")
    os_disk, image = _os_disk(storage)
    return VmRequest(
        location=required_text(body, "location"),
        size=required_text(props, "hardwareProfile.vmSize"),
        os_disk=os_disk,
        nic_ids=_nic_ids(props),
        image=image,
        priority=cast(Literal["Regular", "Spot"], priority or "Regular"),
        eviction_policy=cast(Literal["Deallocate", "Delete"] | None, eviction),
        max_price=number(props, "billingProfile.maxPrice"),
        zone=single_zone(body),
        data_disks=_data_disks(storage),
        os_profile=_os_profile(pick(props, "osProfile")),
        user_data=text(props, "userData"),
        security=_security(pick(props, "securityProfile")),
        capacity_reservation_group_id=text(props, "capacityReservation.capacityReservationGroup.id"),
        boot_diagnostics=flag(props, "diagnosticsProfile.bootDiagnostics.enabled"),
        boot_diagnostics_storage_uri=text(props, "diagnosticsProfile.bootDiagnostics.storageUri"),
        license_type=text(props, "licenseType"),
        extensions=existing.extensions if existing is not None else (),
        identity_ids=tuple(sorted((pick(body, "identity.userAssignedIdentities") or {}).keys())),
        proximity_placement_group_id=text(props, "proximityPlacementGroup.id"),
        tags=tags(body) or {},
    )


def _os_disk(storage: Any) -> tuple[OsDiskRequest, ImageReference | None]:
    where = "properties.storageProfile.osDisk"
    disk = pick(storage, "osDisk")
    option = choice(
        text(disk, "createOption") or "FromImage", ("FromImage", "Attach"), f"{where}.createOption"
    )
    image = _image_reference(pick(storage, "imageReference"))
    if option == "Attach" and image is not None:
        raise ArmError(
            400,
            "InvalidParameter",
            "Cannot attach an existing OS disk if the VM is created from a platform, user or a shared "
            "gallery image.",
            target="imageReference",
        )
    ephemeral = (text(disk, "diffDiskSettings.option") or "").lower() == "local"
    return (
        OsDiskRequest(
            cast(Literal["FromImage", "Attach"], option),
            name=text(disk, "name"),
            disk_id=text(disk, "managedDisk.id"),
            sku=text(disk, "managedDisk.storageAccountType") or "Premium_LRS",
            size_gb=integer(disk, "diskSizeGB"),
            caching=text(disk, "caching") or "ReadWrite",
            os_type=cast(
                Literal["Linux", "Windows"] | None,
                choice(text(disk, "osType"), ("Linux", "Windows"), f"{where}.osType"),
            ),
            delete_option=cast(
                Literal["Detach", "Delete"],
                choice(text(disk, "deleteOption"), _DELETE_OPTIONS, f"{where}.deleteOption") or "Detach",
            ),
            ephemeral=ephemeral,
        ),
        image,
    )


def _image_reference(ref: Any) -> ImageReference | None:
    if ref is None:
        return None
    where = "properties.storageProfile.imageReference"
    for unsupported in ("sharedGalleryImageId", "communityGalleryImageId"):
        if text(ref, unsupported):
            raise bad_field(f"{where}.{unsupported}", "is not supported by the simulator; use id")
    image_id = text(ref, "id")
    if image_id:
        return ImageReference(id=image_id)
    return ImageReference(
        publisher=required_text(ref, "publisher"),
        offer=required_text(ref, "offer"),
        sku=required_text(ref, "sku"),
        version=text(ref, "version") or "latest",
    )


def _data_disks(storage: Any) -> tuple[DataDiskRequest, ...]:
    disks = []
    for index, disk in enumerate(objects(storage, "dataDisks")):
        where = f"properties.storageProfile.dataDisks[{index}]"
        if flag(disk, "toBeDetached"):
            continue
        option = choice(
            text(disk, "createOption") or "Attach", ("Attach", "FromImage", "Empty"), f"{where}.createOption"
        )
        if option == "FromImage":  # the image's own data disks: the simulator keeps them
            continue
        if option == "Empty":
            raise bad_field(
                f"{where}.createOption",
                "Empty is not supported by the simulator; create the disk first and attach it",
            )
        lun = integer(disk, "lun")
        if lun is None:
            raise bad_field(f"{where}.lun", "is required")
        disks.append(
            DataDiskRequest(
                lun=lun,
                disk_id=required_text(disk, "managedDisk.id"),
                caching=text(disk, "caching") or "None",
                delete_option=cast(
                    Literal["Detach", "Delete"],
                    choice(text(disk, "deleteOption"), _DELETE_OPTIONS, f"{where}.deleteOption") or "Detach",
                ),
            )
        )
    return tuple(disks)


def _nic_ids(props: Any) -> tuple[str, ...]:
    if pick(props, "networkProfile.networkInterfaceConfigurations"):
        raise bad_field(
            "properties.networkProfile.networkInterfaceConfigurations",
            "is not supported by the simulator; create the NIC first and reference it by id",
        )
    nics = objects(props, "networkProfile.networkInterfaces")
    ids = [
        (not flag(nic, "properties.primary", default=index == 0), index, required_text(nic, "id"))
        for index, nic in enumerate(nics)
    ]
    return tuple(nic_id for _, _, nic_id in sorted(ids))


def _os_profile(profile: Any) -> OsProfileRequest | None:
    if profile is None:
        return None
    keys = objects(profile, "linuxConfiguration.ssh.publicKeys")
    user = required_text(profile, "adminUsername")
    return OsProfileRequest(
        computer_name=text(profile, "computerName") or "",
        admin_username=user,
        admin_password=text(profile, "adminPassword"),
        ssh_public_key=text(keys[0], "keyData") if keys else None,
        custom_data=text(profile, "customData"),
    )


def _security(profile: Any) -> SecuritySettings:
    if profile is None:
        return SecuritySettings()
    kind = choice(text(profile, "securityType"), _SECURITY_TYPES, "properties.securityProfile.securityType")
    return SecuritySettings(
        security_type=cast(Literal["Standard", "TrustedLaunch", "ConfidentialVM"], kind or "Standard"),
        secure_boot=flag(profile, "uefiSettings.secureBootEnabled"),
        vtpm=flag(profile, "uefiSettings.vTpmEnabled"),
        encryption_at_host=flag(profile, "encryptionAtHost"),
    )


def with_computer_name(request: VmRequest, name: str) -> VmRequest:
    """Azure names the guest after the VM when `osProfile.computerName` is not given."""
    from dataclasses import replace

    profile = request.os_profile
    if profile is None or profile.computer_name:
        return request
    return replace(request, os_profile=replace(profile, computer_name=name[:64]))


def requested_delete_options(body: Mapping[str, Any]) -> tuple[str, dict[int, str]]:
    """What the body asks to happen to each disk when the VM is deleted: the OS disk's
    `deleteOption` and the data disks' by LUN (image data disks included)."""
    storage = pick(body, "properties.storageProfile")
    where = "properties.storageProfile"
    os_option = choice(text(storage, "osDisk.deleteOption"), _DELETE_OPTIONS, f"{where}.osDisk.deleteOption")
    by_lun: dict[int, str] = {}
    for index, disk in enumerate(objects(storage, "dataDisks")):
        lun = integer(disk, "lun")
        option = choice(
            text(disk, "deleteOption"), _DELETE_OPTIONS, f"{where}.dataDisks[{index}].deleteOption"
        )
        if lun is not None and not flag(disk, "toBeDetached"):
            by_lun[lun] = option or "Detach"
    return os_option or "Detach", by_lun


def check_nic_delete_options(body: Mapping[str, Any]) -> None:
    """The simulator's NICs always outlive their VM (Azure's `Detach`)."""
    for index, nic in enumerate(objects(body, "properties.networkProfile.networkInterfaces")):
        if (text(nic, "properties.deleteOption") or "Detach").lower() == "delete":
            raise ArmError(
                400,
                "NotSupportedBySimulator",
                "NIC deleteOption 'Delete' is not modelled: the simulator's NICs always outlive their VM.",
                target=f"properties.networkProfile.networkInterfaces[{index}].properties.deleteOption",
            )


def parse_extension(name: str, body: Mapping[str, Any]) -> VmExtension:
    """`PUT .../virtualMachines/{vm}/extensions/{name}` as the simulator's extension."""
    settings = pick(body, "properties.settings") or {}
    protected = pick(body, "properties.protectedSettings") or {}
    if not isinstance(settings, Mapping) or not isinstance(protected, Mapping):
        raise bad_field("properties.settings", "and protectedSettings must be JSON objects")
    return VmExtension(
        name=name,
        publisher=required_text(body, "properties.publisher"),
        type=required_text(body, "properties.type"),
        type_handler_version=required_text(body, "properties.typeHandlerVersion"),
        auto_upgrade_minor_version=flag(body, "properties.autoUpgradeMinorVersion", default=True),
        settings=dict(settings),
        protected_settings=dict(protected),
    )

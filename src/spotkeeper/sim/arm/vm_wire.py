"""A virtual machine on the ARM wire: the PUT body read into the simulator's `VmRequest`, and
the simulator's `VirtualMachine` written back as ARM's document and instance view
(`../shared/reference/azure.md` §2.2 and §2.3).

Reading follows Azure's rules where they are about the request's shape: `osDisk.createOption`
Attach refuses an `imageReference`; data disks are attached (`createOption: Attach`) or come
from the image (`FromImage`, which the simulator keeps by itself); `toBeDetached: true` leaves
a data disk out, which is how a PUT or PATCH detaches; `priority: Low` is refused (Azure
deprecated it for Spot). Writing fills the read-only fields the SDK strips from requests
(`vmId`, `timeCreated`, `provisioningState`, disk names and sizes) and never echoes secrets
(`adminPassword`, `customData`); `userData` only with `$expand=userData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from spotkeeper.sim.arm.wire import (
    Json,
    bad_field,
    choice,
    envelope,
    flag,
    integer,
    iso,
    number,
    objects,
    pick,
    prune,
    required_text,
    single_zone,
    tags,
    text,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.context import SimContext
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import key_of
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

VM_TYPE = "Microsoft.Compute/virtualMachines"
AGENT_VERSION = "2.13.1.1"
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


# ----------------------------------------------------------------------------- writing


def vm_document(sim: SimAzure, vm: VirtualMachine, *, expand: str = "") -> Json:
    """The VM as `GET .../virtualMachines/{name}` returns it (`expand`: "instanceView",
    "userData", or both comma-separated)."""
    ctx = sim.ctx
    wanted = {part.strip().lower() for part in expand.split(",") if part.strip()}
    spot = vm.priority == "Spot"
    props: Json = {
        "vmId": vm.vm_id,
        "timeCreated": iso(vm.time_created),
        "provisioningState": vm.provisioning_state,
        "hardwareProfile": {"vmSize": vm.size},
        "priority": vm.priority,
        "evictionPolicy": vm.eviction_policy if spot else None,
        "billingProfile": {"maxPrice": -1 if vm.max_price is None else vm.max_price} if spot else None,
        "securityProfile": _security_document(vm.security),
        "storageProfile": _storage_document(ctx, vm),
        "osProfile": _os_profile_document(vm),
        "networkProfile": {
            "networkInterfaces": [
                {"id": nic_id, "properties": {"primary": index == 0, "deleteOption": "Detach"}}
                for index, nic_id in enumerate(vm.nic_ids)
            ]
        },
        "capacityReservation": None
        if vm.capacity_reservation_group_id is None
        else {"capacityReservationGroup": {"id": vm.capacity_reservation_group_id}},
        "diagnosticsProfile": {
            "bootDiagnostics": {"enabled": vm.boot_diagnostics, "storageUri": vm.boot_diagnostics_storage_uri}
        },
        "licenseType": vm.license_type,
        "proximityPlacementGroup": None
        if vm.proximity_placement_group_id is None
        else {"id": vm.proximity_placement_group_id},
    }
    if "userdata" in wanted:
        props["userData"] = vm.user_data
    if "instanceview" in wanted:
        props["instanceView"] = instance_view(sim, vm)
    identity = (
        None
        if not vm.identity_ids
        else {"type": "UserAssigned", "userAssignedIdentities": {i: {} for i in vm.identity_ids}}
    )
    return envelope(
        vm.id,
        vm.name,
        VM_TYPE,
        location=vm.location,
        tags=vm.tags,
        zones=[vm.zone] if vm.zone else None,
        properties=props,
        identity=identity,
        resources=[extension_document(vm, e) for e in vm.extensions] or None,
    )


def extension_document(vm: VirtualMachine, extension: VmExtension) -> Json:
    return envelope(
        f"{vm.id}/extensions/{extension.name}",
        extension.name,
        f"{VM_TYPE}/extensions",
        location=vm.location,
        properties={
            "publisher": extension.publisher,
            "type": extension.type,
            "typeHandlerVersion": extension.type_handler_version,
            "autoUpgradeMinorVersion": extension.auto_upgrade_minor_version,
            "settings": dict(extension.settings),
            "provisioningState": "Succeeded",
        },
    )


def _security_document(security: SecuritySettings) -> Json:
    doc: Json = {"securityType": security.security_type}
    if security.security_type != "Standard":
        doc["uefiSettings"] = {"secureBootEnabled": security.secure_boot, "vTpmEnabled": security.vtpm}
    if security.encryption_at_host:
        doc["encryptionAtHost"] = True
    return doc


def _storage_document(ctx: SimContext, vm: VirtualMachine) -> Json:
    os_disk = ctx.state.disks.get(key_of(vm.os_disk_id))
    image = vm.image
    image_doc: Json | None = None
    if image is not None:
        image_doc = (
            {"id": image.id}
            if image.id
            else {
                "publisher": image.publisher,
                "offer": image.offer,
                "sku": image.sku,
                "version": image.version,
                "exactVersion": "1.0.0" if image.version.lower() == "latest" else image.version,
            }
        )
    data = []
    for attached in vm.data_disks:
        disk = ctx.state.disks.get(key_of(attached.disk_id))
        data.append(
            {
                "lun": attached.lun,
                "name": attached.disk_id.rsplit("/", 1)[-1] if disk is None else disk.name,
                "createOption": "FromImage" if attached.from_image else "Attach",
                "caching": attached.caching,
                "managedDisk": {
                    "id": attached.disk_id,
                    "storageAccountType": None if disk is None else disk.sku,
                },
                "deleteOption": attached.delete_option,
                "diskSizeGB": None if disk is None else disk.size_gb,
                "toBeDetached": False,
            }
        )
    return prune(
        {
            "imageReference": image_doc,
            "osDisk": {
                "osType": vm.os_type,
                "name": vm.os_disk_id.rsplit("/", 1)[-1] if os_disk is None else os_disk.name,
                "createOption": "FromImage" if image is not None else "Attach",
                "caching": vm.os_disk_caching,
                "managedDisk": {
                    "id": vm.os_disk_id,
                    "storageAccountType": None if os_disk is None else os_disk.sku,
                },
                "deleteOption": vm.os_disk_delete_option,
                "diskSizeGB": None if os_disk is None else os_disk.size_gb,
                "diffDiskSettings": {"option": "Local"} if vm.os_disk_ephemeral else None,
            },
            "dataDisks": data,
            "diskControllerType": "SCSI",
        }
    )


def _os_profile_document(vm: VirtualMachine) -> Json | None:
    profile = vm.os_profile
    if profile is None:
        return None
    doc: Json = {
        "computerName": profile.computer_name or vm.name,
        "adminUsername": profile.admin_username,
        "secrets": [],
        "allowExtensionOperations": True,
        "requireGuestProvisionSignal": True,
    }
    if vm.os_type == "Linux":
        keys = (
            []
            if profile.ssh_public_key is None
            else [
                {
                    "path": f"/home/{profile.admin_username}/.ssh/authorized_keys",
                    "keyData": profile.ssh_public_key,
                }
            ]
        )
        doc["linuxConfiguration"] = {
            "disablePasswordAuthentication": profile.admin_password is None,
            "ssh": {"publicKeys": keys},
            "provisionVMAgent": True,
        }
    else:
        doc["windowsConfiguration"] = {"provisionVMAgent": True, "enableAutomaticUpdates": True}
    return doc


_POWER_DISPLAY = {
    "starting": "VM starting",
    "running": "VM running",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}


def instance_view(sim: SimAzure, vm: VirtualMachine) -> Json:
    """`GET .../instanceView`: provisioning and power state as status codes (parse them by
    prefix: during a transition Azure may omit the PowerState entry), the guest agent, disks."""
    ctx = sim.ctx
    now = sim.now()
    state = vm.provisioning_state
    if state == "Failed":
        provisioning: Json = {
            "code": f"ProvisioningState/failed/{vm.failure_code or 'InternalOperationError'}",
            "level": "Error",
            "displayStatus": "Provisioning failed",
            "message": f"The last operation on the VM failed: {vm.failure_code or 'unknown error'}.",
            "time": iso(now),
        }
    else:
        provisioning = {
            "code": f"ProvisioningState/{state.lower()}",
            "level": "Info",
            "displayStatus": "Provisioning succeeded" if state == "Succeeded" else state,
            "time": iso(now),
        }
    statuses: list[Json] = [provisioning]
    if vm.provisioning_state != "Deleting":
        statuses.append(
            {
                "code": f"PowerState/{vm.power_state}",
                "level": "Info",
                "displayStatus": _POWER_DISPLAY[vm.power_state],
            }
        )
    view: Json = {
        "computerName": vm.os_profile.computer_name or vm.name if vm.os_profile else vm.name,
        "osName": "ubuntu" if vm.os_type == "Linux" else "Windows Server",
        "hyperVGeneration": vm.hyperv_generation,
        "disks": [
            {
                "name": (
                    ctx.state.disks[key_of(d)].name if key_of(d) in ctx.state.disks else d.rsplit("/", 1)[-1]
                ),
                "statuses": [
                    {
                        "code": "ProvisioningState/succeeded",
                        "level": "Info",
                        "displayStatus": "Provisioning succeeded",
                        "time": iso(vm.time_created),
                    }
                ],
            }
            for d in vm.disk_ids()
        ],
        "statuses": statuses,
    }
    agent = vm.agent_status(now)
    if agent != "Unknown":
        view["vmAgent"] = {
            "vmAgentVersion": AGENT_VERSION if agent == "Ready" else "Unknown",
            "statuses": [
                {
                    "code": "ProvisioningState/succeeded"
                    if agent == "Ready"
                    else "ProvisioningState/Unavailable",
                    "level": "Info" if agent == "Ready" else "Warning",
                    "displayStatus": "Ready" if agent == "Ready" else "Not Ready",
                    "message": "Guest Agent is running"
                    if agent == "Ready"
                    else "VM status blob is found but not yet populated.",
                    "time": iso(now),
                }
            ],
        }
    return prune(view)

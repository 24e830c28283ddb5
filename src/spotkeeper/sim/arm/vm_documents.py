"""A virtual machine written on the ARM wire: the simulator's `VirtualMachine` as ARM's
document (`GET .../virtualMachines/{name}`), its extensions, and its instance view
(`../shared/reference/azure.md` §2.2 and §2.3).

Writing fills the read-only fields the SDK strips from requests (`vmId`, `timeCreated`,
`provisioningState`, disk names and sizes) and never echoes secrets (`adminPassword`,
`customData`, extensions' `protectedSettings`); `userData` only with `$expand=userData`.
"""

from __future__ import annotations

from spotkeeper.sim.arm.wire import Json, envelope, iso, prune
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.context import SimContext
from spotkeeper.sim.ids import key_of
from spotkeeper.sim.requests import SecuritySettings, VmExtension
from spotkeeper.sim.vm_models import VirtualMachine

VM_TYPE = "Microsoft.Compute/virtualMachines"
AGENT_VERSION = "2.13.1.1"


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
    """`GET .../instanceView`: provisioning state, `OSState/generalized` once the VM is
    generalized, and power state as status codes (parse them by prefix: during a transition
    Azure may omit the PowerState entry), the guest agent, disks."""
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
    if vm.generalized:
        statuses.append({"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"})
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

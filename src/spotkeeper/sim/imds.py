"""The Instance Metadata Service (IMDS) documents a VM of the simulated Azure would see.

spotkeeper's in-VM agent reads two IMDS endpoints: `/metadata/scheduledevents` (the `Preempt`
notice that precedes a Spot eviction) and `/metadata/instance` (who am I: name, vmId, size,
zone, priority, eviction policy, security profile, user data). These functions render them in
Azure's own JSON shapes (`../shared/reference/azure.md` §2.5): RFC 1123 `NotBefore` in GMT,
blank once an event has started; booleans in `securityProfile` as the strings "true"/"false";
MAC addresses as twelve upper-case hex digits; tags both as "k:v;k2:v2" and as `tagsList`.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from spotkeeper.sim.context import SimContext
from spotkeeper.sim.ids import key_of

if TYPE_CHECKING:
    from spotkeeper.sim.vm_models import VirtualMachine


def scheduled_events_document(vm: VirtualMachine) -> dict[str, Any]:
    return {
        "DocumentIncarnation": vm.document_incarnation,
        "Events": [
            {
                "EventId": event.event_id,
                "EventType": event.event_type,
                "ResourceType": "VirtualMachine",
                "Resources": list(event.resources),
                "EventStatus": event.status,
                "NotBefore": ""
                if event.not_before is None
                else format_datetime(event.not_before, usegmt=True),
                "Description": event.description,
                "EventSource": event.source,
                "DurationInSeconds": event.duration_s,
            }
            for event in vm.events
        ],
    }


def instance_document(ctx: SimContext, vm: VirtualMachine) -> dict[str, Any]:
    state = ctx.state
    os_disk = state.disks.get(key_of(vm.os_disk_id))
    image = vm.image
    compute: dict[str, Any] = {
        "azEnvironment": "AzurePublicCloud",
        "location": vm.location,
        "name": vm.name,
        "osType": vm.os_type,
        "priority": vm.priority,
        "evictionPolicy": vm.eviction_policy or "",
        "resourceGroupName": vm.resource_group,
        "resourceId": vm.id,
        "subscriptionId": ctx.subscription_id,
        "vmId": vm.vm_id,
        "vmSize": vm.size,
        "zone": vm.zone or "",
        "computerName": vm.os_profile.computer_name if vm.os_profile else vm.name,
        "userData": vm.user_data or "",
        "customData": "",  # IMDS never returns customData
        "tags": ";".join(f"{k}:{v}" for k, v in sorted(vm.tags.items())),
        "tagsList": [{"name": k, "value": v} for k, v in sorted(vm.tags.items())],
        "securityProfile": {
            "secureBootEnabled": _flag(vm.security.secure_boot),
            "virtualTpmEnabled": _flag(vm.security.vtpm),
            "encryptionAtHost": _flag(vm.security.encryption_at_host),
            "securityType": vm.security.security_type,
        },
        "storageProfile": {
            "imageReference": {
                "id": (image.id or "") if image else "",
                "publisher": image.publisher if image else "",
                "offer": image.offer if image else "",
                "sku": image.sku if image else "",
                "version": image.version if image and not image.id else "",
            },
            "osDisk": {
                "name": os_disk.name if os_disk else "",
                "osType": vm.os_type,
                "caching": vm.os_disk_caching,
                "diskSizeGB": str(os_disk.size_gb) if os_disk else "",
                "managedDisk": {"id": vm.os_disk_id, "storageAccountType": os_disk.sku if os_disk else ""},
            },
            "dataDisks": [
                {
                    "lun": str(d.lun),
                    "caching": d.caching,
                    "managedDisk": {"id": d.disk_id},
                    "name": d.disk_id.rsplit("/", 1)[-1],
                }
                for d in vm.data_disks
            ],
        },
    }
    interfaces = []
    for nic_id in vm.nic_ids:
        nic = state.nics.get(key_of(nic_id))
        if nic is None:
            continue
        vnet = state.vnets.get(key_of(nic.subnet_id).rsplit("/subnets/", 1)[0])
        subnet = None if vnet is None else vnet.subnets.get(nic.subnet_id.rsplit("/", 1)[-1].lower())
        network, prefix = subnet.address_prefix.split("/") if subnet else ("", "")
        pip = state.public_ips.get(key_of(nic.public_ip_id)) if nic.public_ip_id else None
        addresses = [{"privateIpAddress": nic.private_ip, "publicIpAddress": pip.address if pip else ""}]
        addresses += [
            {"privateIpAddress": c.address, "publicIpAddress": ""}
            for c in nic.additional_ip_configs
            if c.version == "IPv4"
        ]
        interfaces.append(
            {
                "ipv4": {"ipAddress": addresses, "subnet": [{"address": network, "prefix": prefix}]},
                "ipv6": {"ipAddress": []},
                "macAddress": nic.mac_address.replace("-", "").upper(),
            }
        )
    return {"compute": compute, "network": {"interface": interfaces}}


def _flag(value: bool) -> str:
    return "true" if value else "false"

"""ARM request bodies built from the port's specs, in ARM's own camelCase wire shape.

Kept apart from the SDK's models on purpose: these are the documents Azure's REST reference
describes (`../shared/reference/azure.md` §2.2, §2.6, §2.7), so each rule the port promises is
visible where the body is written:

* every VM keeps its disks and NICs: `deleteOption: "Detach"` on the OS disk, every data disk
  and every NIC;
* a Spot VM is `evictionPolicy: "Deallocate"` (unless the spec says otherwise) with
  `billingProfile.maxPrice` from the spec (-1: never evicted for price); a Regular VM carries
  neither, as Azure refuses both on it;
* `osProfile` is sent only with an image (Azure refuses it with an attached OS disk) and never
  on an update (it is first-boot data Azure will not change); `customData` and `userData`
  pass through as given (base64 on the port already).
"""

from __future__ import annotations

from collections.abc import Mapping

from spotkeeper.cloud.azure.ids import resource_id
from spotkeeper.cloud.port import (
    DiskSpec,
    ImageRef,
    NicSpec,
    OsDiskAttach,
    PublicIpSpec,
    SnapshotSpec,
    VmSpec,
)

Json = dict[str, object]
COMPUTE = "Microsoft.Compute"
# Zone-redundant: a restore from the snapshot may land in any zone of the region.
SNAPSHOT_SKU = "Standard_ZRS"
PRIMARY_IP_CONFIG = "ipconfig1"


def image_id(ref: ImageRef, subscription_id: str) -> str:
    """The ARM id of a custom or gallery image ("latest" gallery: the image definition)."""
    if ref.kind == "custom":
        return resource_id(subscription_id, ref.resource_group, COMPUTE, "images", ref.name)
    if ref.kind == "gallery":
        path = ["galleries", ref.gallery, "images", ref.name]
        if ref.version and ref.version.lower() != "latest":
            path += ["versions", ref.version]
        return resource_id(subscription_id, ref.resource_group, COMPUTE, *path)
    raise ValueError("a marketplace image has no resource id in the subscription")


def platform_image_id(ref: ImageRef, region: str, subscription_id: str, version: str) -> str:
    """The id a disk's `creationData.imageReference` takes for a marketplace image version."""
    return (
        f"/Subscriptions/{subscription_id}/Providers/Microsoft.Compute/Locations/{region}"
        f"/Publishers/{ref.publisher}/ArtifactTypes/VMImage/Offers/{ref.offer}"
        f"/Skus/{ref.sku}/Versions/{version}"
    )


def image_reference(ref: ImageRef, subscription_id: str) -> Json:
    if ref.kind == "marketplace":
        return {
            "publisher": ref.publisher,
            "offer": ref.offer,
            "sku": ref.sku,
            "version": ref.version or "latest",
        }
    return {"id": image_id(ref, subscription_id)}


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    return dict(tags)


# ----------------------------------------------------------------------------- disks


def disk_body(spec: DiskSpec, *, image_creation: Json | None = None) -> Json:
    """A managed disk PUT. `image_creation` is the `creationData` image part for "FromImage"
    (resolved by the caller: a marketplace image needs a concrete version)."""
    creation: Json = {"createOption": spec.create_option}
    if spec.create_option == "Copy":
        if not spec.source_id:
            raise ValueError("a Copy disk needs source_id")
        creation["sourceResourceId"] = spec.source_id
    elif spec.create_option == "FromImage":
        if image_creation is None:
            raise ValueError("a FromImage disk needs its image")
        creation.update(image_creation)
    properties: Json = {"creationData": creation}
    if spec.size_gb is not None:
        properties["diskSizeGB"] = spec.size_gb
    if spec.os_type is not None:
        properties["osType"] = spec.os_type
    if spec.hyperv_generation is not None:
        properties["hyperVGeneration"] = spec.hyperv_generation
    body: Json = {
        "location": spec.region,
        "sku": {"name": spec.sku},
        "properties": properties,
        "tags": _tags(spec.tags),
    }
    if spec.zone:
        body["zones"] = [spec.zone]
    return body


def snapshot_body(spec: SnapshotSpec) -> Json:
    return {
        "location": spec.region,
        "sku": {"name": SNAPSHOT_SKU},
        "properties": {
            "incremental": spec.incremental,
            "creationData": {"createOption": "Copy", "sourceResourceId": spec.source_disk_id},
        },
        "tags": _tags(spec.tags),
    }


# ----------------------------------------------------------------------------- network


def public_ip_body(spec: PublicIpSpec) -> Json:
    body: Json = {
        "location": spec.region,
        "sku": {"name": spec.sku, "tier": "Regional"},
        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
        "tags": _tags(spec.tags),
    }
    if spec.zones:
        body["zones"] = list(spec.zones)
    return body


def nic_body(
    spec: NicSpec,
    *,
    subnet_id: str,
    kept_private_ip: str | None = None,
    primary_config_name: str = PRIMARY_IP_CONFIG,
) -> Json:
    """A NIC PUT. `kept_private_ip` is the address an existing NIC already has: re-sent so an
    update never moves a dynamically allocated address."""
    address = spec.private_ip or kept_private_ip
    primary: Json = {
        "primary": True,
        "subnet": {"id": subnet_id},
        "privateIPAllocationMethod": "Static" if spec.private_ip else "Dynamic",
        "privateIPAddressVersion": "IPv4",
    }
    if address:
        primary["privateIPAddress"] = address
    if spec.public_ip_id:
        primary["publicIPAddress"] = {"id": spec.public_ip_id}
    if spec.application_security_group_ids:
        primary["applicationSecurityGroups"] = [{"id": i} for i in spec.application_security_group_ids]
    gateway_pools = [i for i in spec.backend_pool_ids if "/applicationgateways/" in i.lower()]
    balancer_pools = [i for i in spec.backend_pool_ids if i not in gateway_pools]
    if gateway_pools:
        primary["applicationGatewayBackendAddressPools"] = [{"id": i} for i in gateway_pools]
    if balancer_pools:
        primary["loadBalancerBackendAddressPools"] = [{"id": i} for i in balancer_pools]
    configs: list[Json] = [{"name": primary_config_name, "properties": primary}]
    for extra in spec.additional_ip_configs:
        configs.append(
            {
                "name": extra.name,
                "properties": {
                    "primary": False,
                    "subnet": {"id": subnet_id},
                    "privateIPAllocationMethod": "Dynamic",
                    "privateIPAddressVersion": extra.version,
                },
            }
        )
    properties: Json = {"ipConfigurations": configs, "enableIPForwarding": spec.enable_ip_forwarding}
    if spec.network_security_group_id:
        properties["networkSecurityGroup"] = {"id": spec.network_security_group_id}
    return {"location": spec.region, "properties": properties, "tags": _tags(spec.tags)}


# ----------------------------------------------------------------------------- VMs


def vm_body(
    spec: VmSpec,
    subscription_id: str,
    *,
    attached_os_type: str | None = None,
    update: bool = False,
) -> Json:
    """A VM PUT. `attached_os_type` is the OS type of the disk an `OsDiskAttach` boots from
    (Azure requires `osType` with an attached OS disk); `update` leaves out `osProfile`."""
    spot = spec.priority == "Spot"
    storage: Json = {
        "dataDisks": [
            {
                "lun": disk.lun,
                "createOption": "Attach",
                "managedDisk": {"id": disk.disk_id},
                "caching": disk.caching,
                "deleteOption": "Detach",
            }
            for disk in spec.data_disks
        ]
    }
    if isinstance(spec.os_disk, OsDiskAttach):
        storage["osDisk"] = {
            "createOption": "Attach",
            "osType": attached_os_type or "Linux",
            "managedDisk": {"id": spec.os_disk.disk_id},
            "caching": spec.os_disk.caching,
            "deleteOption": "Detach",
        }
    else:
        os_disk: Json = {
            "createOption": "FromImage",
            "name": spec.os_disk.name,
            "managedDisk": {"storageAccountType": spec.os_disk.sku},
            "caching": spec.os_disk.caching,
            "deleteOption": "Detach",
        }
        if spec.os_disk.size_gb is not None:
            os_disk["diskSizeGB"] = spec.os_disk.size_gb
        storage["osDisk"] = os_disk
        storage["imageReference"] = image_reference(spec.os_disk.image, subscription_id)
    properties: Json = {
        "hardwareProfile": {"vmSize": spec.size},
        "priority": spec.priority,
        "storageProfile": storage,
        "networkProfile": {
            "networkInterfaces": [
                {"id": nic_id, "properties": {"primary": index == 0, "deleteOption": "Detach"}}
                for index, nic_id in enumerate(spec.nic_ids)
            ]
        },
    }
    if spot:
        properties["evictionPolicy"] = spec.eviction_policy or "Deallocate"
        properties["billingProfile"] = {"maxPrice": spec.max_price}
    if spec.os_profile is not None and not update and not isinstance(spec.os_disk, OsDiskAttach):
        properties["osProfile"] = os_profile_body(spec)
    if spec.user_data is not None:
        properties["userData"] = spec.user_data
    security = spec.security
    if security.security_type != "Standard" or security.encryption_at_host:
        profile: Json = {"encryptionAtHost": security.encryption_at_host}
        if security.security_type != "Standard":
            profile["securityType"] = security.security_type
            profile["uefiSettings"] = {
                "secureBootEnabled": security.secure_boot,
                "vTpmEnabled": security.vtpm,
            }
        properties["securityProfile"] = profile
    if spec.capacity_reservation_group_id:
        properties["capacityReservation"] = {
            "capacityReservationGroup": {"id": spec.capacity_reservation_group_id}
        }
    if spec.boot_diagnostics:
        boot: Json = {"enabled": True}
        if spec.boot_diagnostics_storage_uri:
            boot["storageUri"] = spec.boot_diagnostics_storage_uri
        properties["diagnosticsProfile"] = {"bootDiagnostics": boot}
    if spec.license_type:
        properties["licenseType"] = spec.license_type
    if spec.proximity_placement_group_id:
        properties["proximityPlacementGroup"] = {"id": spec.proximity_placement_group_id}
    body: Json = {"location": spec.region, "properties": properties, "tags": _tags(spec.tags)}
    if spec.zone:
        body["zones"] = [spec.zone]
    if spec.identity_ids:
        body["identity"] = {
            "type": "UserAssigned",
            "userAssignedIdentities": {identity: {} for identity in spec.identity_ids},
        }
    return body


def os_profile_body(spec: VmSpec) -> Json:
    profile = spec.os_profile
    if profile is None:
        raise ValueError("the VM spec has no os_profile")
    body: Json = {"computerName": profile.computer_name, "adminUsername": profile.admin_username}
    if profile.admin_password:
        body["adminPassword"] = profile.admin_password
    if profile.custom_data:
        body["customData"] = profile.custom_data
    if profile.ssh_public_key:
        body["linuxConfiguration"] = {
            "disablePasswordAuthentication": not profile.admin_password,
            "ssh": {
                "publicKeys": [
                    {
                        "path": f"/home/{profile.admin_username}/.ssh/authorized_keys",
                        "keyData": profile.ssh_public_key,
                    }
                ]
            },
            "provisionVMAgent": True,
        }
    return body


def extension_body(spec: VmSpec, index: int) -> Json:
    extension = spec.extensions[index]
    properties: Json = {
        "publisher": extension.publisher,
        "type": extension.type,
        "typeHandlerVersion": extension.type_handler_version,
        "autoUpgradeMinorVersion": extension.auto_upgrade_minor_version,
    }
    if extension.settings:
        properties["settings"] = dict(extension.settings)
    if extension.protected_settings:
        properties["protectedSettings"] = dict(extension.protected_settings)
    return {"location": spec.region, "properties": properties}


__all__ = [
    "PRIMARY_IP_CONFIG",
    "SNAPSHOT_SKU",
    "Json",
    "disk_body",
    "extension_body",
    "image_id",
    "image_reference",
    "nic_body",
    "os_profile_body",
    "platform_image_id",
    "public_ip_body",
    "snapshot_body",
    "vm_body",
]

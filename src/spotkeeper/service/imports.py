"""Bringing an existing Azure VM under management (spot-api.md §4.2, §5.3, §2 rows 10-12).

`import_configuration` reads the VM, its NICs and its disks through the cloud port and writes
the node config that would manage it as it is: same size (on-demand and spot), zone, image,
security profile, network (virtual network, subnet, security groups, public IP) and disks, with
every persistence on by reattach (so the VM keeps its disks and addresses) and `vmName` set to
the VM's name. A person edits that and posts it as `node` in the import body; the import merges
their `node` over the same config (deep merge, like an update), validates the result with the
create rules, stores the node in phase `importing` with an import record (`sin-…`) the client
polls, and leaves the take-over itself to the engine (see `IMPORT_SOURCE_KEY`).
"""

from __future__ import annotations

import re
from typing import Any

from spotkeeper.cloud.port import Disk, Nic, Vm
from spotkeeper.engine import naming
from spotkeeper.engine.phases import Phase, public_status
from spotkeeper.engine.state import NodeState
from spotkeeper.service.arm import read_arm_id
from spotkeeper.service.context import ServiceContext, cloud_errors
from spotkeeper.service.errors import ImportNotFound
from spotkeeper.service.nodes import unwrap, validated_node
from spotkeeper.service.views import import_view, node_view
from spotkeeper.spec.edits import merge_update
from spotkeeper.spec.models import StatefulNodeImport, node_to_wire, parse_body

# Where the import's parameters wait for the engine in the node's state JSON: the original VM
# (resource group + name), the import id, the draining timeout and how long the original
# resources are kept. The engine's import operation reads them from here.
IMPORT_SOURCE_KEY = "importSource"
IMPORT_ID = re.compile(r"sin-[0-9a-f]{8}")
# The imported VM keeps its OS disk, so nothing is booted from the image or provisioned with a
# login: Spot made both optional for imports (spot-api.md §9, Terraform changelog).
IMPORT_MOOT: frozenset[tuple[str, str]] = frozenset(
    {
        ("REQUIRED", "compute.launchSpecification.image"),
        ("REQUIRED", "compute.launchSpecification.login"),
        ("LOGIN_REQUIRED", "compute.launchSpecification.login"),
    }
)
_OUR_TAGS = {naming.NODE_TAG.lower(), naming.ROLE_TAG.lower()}


def import_configuration(ctx: ServiceContext, resource_group: str, vm_name: str) -> dict[str, Any]:
    """A node config (create schema) that manages VM `vm_name` of `resource_group` as it is."""
    what = f"reading VM {vm_name} in {resource_group}"
    with cloud_errors(what):
        vm = ctx.cloud.get_vm(resource_group, vm_name)
        nics = [_get_nic(ctx, nic_id) for nic_id in vm.nic_ids]
        os_disk = _get_disk(ctx, vm.os_disk_id)
        data_disks = [
            (attach.lun, attach.caching, _get_disk(ctx, attach.disk_id)) for attach in vm.data_disks
        ]
    launch: dict[str, Any] = {"vmName": vm.name}
    image = _image_wire(vm)
    if image is not None:
        launch["image"] = image
    launch["security"] = _security_wire(vm)
    if nics:
        launch["network"] = _network_wire(nics)
    launch["osDisk"] = {"type": os_disk.sku, "sizeGB": os_disk.size_gb}
    if data_disks:
        launch["dataDisks"] = [
            {"lun": lun, "sizeGB": disk.size_gb, "type": disk.sku, "caching": caching}
            for lun, caching, disk in sorted(data_disks, key=lambda item: item[0])
        ]
    tags = [{"tagKey": k, "tagValue": v} for k, v in sorted(vm.tags.items()) if k.lower() not in _OUR_TAGS]
    if tags:
        launch["tags"] = tags
    size = vm.size.lower()
    compute: dict[str, Any] = {"os": vm.os_type, "vmSizes": {"odSizes": [size], "spotSizes": [size]}}
    if vm.zone:
        compute["zones"] = [vm.zone]
        compute["preferredZone"] = vm.zone
    compute["launchSpecification"] = launch
    return {
        "name": vm.name,
        "region": vm.region,
        "resourceGroupName": vm.resource_group,
        "strategy": {
            "fallbackToOd": True,
            "preferredLifecycle": vm.lifecycle,
            "drainingTimeout": 120,
            "revertToSpot": {"performAt": "always"},
        },
        "compute": compute,
        "persistence": {
            "shouldPersistOsDisk": True,
            "osDiskPersistenceMode": "reattach",
            "shouldPersistDataDisks": True,
            "dataDisksPersistenceMode": "reattach",
            "shouldPersistNetwork": True,
        },
        "health": {
            "healthCheckTypes": ["vmState"],
            "autoHealing": True,
            "gracePeriod": 600,
            "unhealthyDuration": 360,
        },
    }


def _get_nic(ctx: ServiceContext, nic_id: str) -> Nic:
    ref = read_arm_id(nic_id)
    return ctx.cloud.get_nic(ref.resource_group, ref.name)


def _get_disk(ctx: ServiceContext, disk_id: str) -> Disk:
    ref = read_arm_id(disk_id)
    return ctx.cloud.get_disk(ref.resource_group, ref.name)


def _image_wire(vm: Vm) -> dict[str, Any] | None:
    ref = vm.image
    if ref is None:
        return None
    if ref.kind == "marketplace":
        return {
            "marketplace": {
                "publisher": ref.publisher,
                "offer": ref.offer,
                "sku": ref.sku,
                "version": ref.version or "latest",
            }
        }
    if ref.kind == "custom":
        return {"custom": {"resourceGroupName": ref.resource_group, "name": ref.name}}
    return {
        "gallery": {
            "resourceGroupName": ref.resource_group,
            "galleryName": ref.gallery,
            "imageName": ref.name,
            "versionName": ref.version or "latest",
        }
    }


def _security_wire(vm: Vm) -> dict[str, Any]:
    security: dict[str, Any] = {"securityType": vm.security.security_type}
    if vm.security.security_type != "Standard":
        security["secureBootEnabled"] = vm.security.secure_boot
        security["vTpmEnabled"] = vm.security.vtpm
    if vm.security.encryption_at_host:
        security["encryptionAtHost"] = True
    return security


def _network_wire(nics: list[Nic]) -> dict[str, Any]:
    subnet = read_arm_id(nics[0].subnet_id)
    interfaces = []
    for index, nic in enumerate(nics):
        interface: dict[str, Any] = {
            "isPrimary": index == 0,
            "subnetName": read_arm_id(nic.subnet_id).name,
            "assignPublicIp": nic.public_ip_id is not None,
        }
        if nic.public_ip_id is not None:
            pip = read_arm_id(nic.public_ip_id)
            interface["publicIpSku"] = "Standard"
            interface["publicIps"] = [{"name": pip.name, "resourceGroupName": pip.resource_group}]
        if nic.network_security_group_id:
            nsg = read_arm_id(nic.network_security_group_id)
            interface["networkSecurityGroup"] = {"name": nsg.name, "resourceGroupName": nsg.resource_group}
        if nic.application_security_group_ids:
            interface["applicationSecurityGroups"] = [
                {"name": asg.name, "resourceGroupName": asg.resource_group}
                for asg in map(read_arm_id, nic.application_security_group_ids)
            ]
        interface["privateIpAddresses"] = [nic.private_ip]
        interfaces.append(interface)
    return {
        "resourceGroupName": subnet.resource_group,
        "virtualNetworkName": subnet.names[0],
        "networkInterfaces": interfaces,
    }


def import_vm(ctx: ServiceContext, account_id: str, body: object) -> dict[str, Any]:
    """Create the node that will take over the VM, and the import record the client polls."""
    request = parse_body(StatefulNodeImport, unwrap(body, "statefulNodeImport"), root="statefulNodeImport")
    base = import_configuration(ctx, request.resource_group_name, request.original_vm_name)
    wire = (
        base if request.node is None else merge_update(base, node_to_wire(request.node, include_secrets=True))
    )
    node, _warnings = validated_node(ctx, wire, moot=IMPORT_MOOT)
    now = ctx.now()
    state = NodeState(phase=Phase.IMPORTING.value).to_json()
    record = ctx.store.nodes.create(
        account_id=account_id,
        name=node.name or request.original_vm_name,
        region=node.region or "",
        resource_group_name=node.resource_group_name or request.resource_group_name,
        spec=node_to_wire(node, include_secrets=True),
        phase=Phase.IMPORTING.value,
        status=public_status(Phase.IMPORTING),
        now=now,
        status_json=state,
        next_due_at=now,
    )
    started = ctx.store.imports.create(
        node_id=record.id,
        vm_name=request.original_vm_name,
        resource_group_name=request.resource_group_name,
        now=now,
    )
    source = {
        "importId": started.id,
        "resourceGroupName": request.resource_group_name,
        "originalVmName": request.original_vm_name,
        "drainingTimeout": request.draining_timeout,
        "resourcesRetentionTime": request.resources_retention_time,
        "convertUnmanagedDisks": request.convert_unmanaged_disks,
    }
    ctx.store.nodes.update_node(
        record.id, expected_version=record.version, now=now, status_json={**state, IMPORT_SOURCE_KEY: source}
    )
    ctx.store.events.append(
        record.id,
        time=now,
        message=(
            f"import of VM {request.original_vm_name} ({request.resource_group_name}) started ({started.id})"
        ),
    )
    return {
        "statefulImportId": started.id,
        "resourceGroupName": request.resource_group_name,
        "originalVmName": request.original_vm_name,
        "drainingTimeout": request.draining_timeout,
        "resourcesRetentionTime": request.resources_retention_time,
        "convertUnmanagedDisks": request.convert_unmanaged_disks,
        "node": node_view(record),
    }


def import_status(ctx: ServiceContext, account_id: str, import_id: str) -> dict[str, Any]:
    record = ctx.store.imports.get(import_id) if IMPORT_ID.fullmatch(import_id) else None
    if record is None or record.account_id != account_id:
        raise ImportNotFound(import_id)
    return import_view(record, ctx.store.nodes.get(record.node_id))

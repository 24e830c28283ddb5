"""Public IP addresses and network interfaces over HTTPS: what a stateful node keeps across VM
replacements to keep its addresses (`../shared/reference/azure.md` §2.7).

PUT answers 201 (new) or 200 with `Azure-AsyncOperation` pointing at
`.../providers/Microsoft.Network/locations/{location}/operations/{id}`, as ARM does; the
resource is `Updating` until the latency model's "nic.create"/"pip.create" has passed (at once
with the instant profile, so the body already says `Succeeded`). DELETE answers 202 (204 when
already gone). The simulator names a NIC's primary ip configuration `ipconfig1`, whatever the
request called it; further ip configurations keep their names.
"""

from __future__ import annotations

from typing import Literal, cast

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.network_responses import guid_for
from spotkeeper.sim.arm.operations import accepted
from spotkeeper.sim.arm.wire import (
    Json,
    bad_field,
    choice,
    envelope,
    flag,
    listing,
    objects,
    required_text,
    strings,
    tags,
    text,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import NETWORK, key_of, resource_id
from spotkeeper.sim.network_models import NetworkInterface, PublicIpAddress

PIP_TYPE = "Microsoft.Network/publicIPAddresses"
NIC_TYPE = "Microsoft.Network/networkInterfaces"


def _exists(sim: SimAzure, table: str, group: str, kind: str, name: str) -> bool:
    key = key_of(resource_id(sim.subscription_id, group, NETWORK, kind, name))
    return key in getattr(sim.ctx.state, table)


# ----------------------------------------------------------------------------- public IPs


def public_ip_document(pip: PublicIpAddress) -> Json:
    return envelope(
        pip.id,
        pip.name,
        PIP_TYPE,
        location=pip.location,
        tags=pip.tags,
        zones=list(pip.zones) or None,
        sku={"name": pip.sku, "tier": "Regional"},
        properties={
            "provisioningState": pip.provisioning_state,
            "resourceGuid": guid_for(pip.id),
            "ipAddress": pip.address,
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": pip.allocation_method,
            "idleTimeoutInMinutes": 4,
            "ipConfiguration": None
            if pip.nic_id is None
            else {"id": f"{pip.nic_id}/ipConfigurations/ipconfig1"},
        },
    )


def put_public_ip(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    body = call.json_body()
    existed = _exists(sim, "public_ips", group, "publicIPAddresses", name)
    mark = call.operations.mark()
    pip = sim.network.create_or_update_public_ip(
        group,
        name,
        location=required_text(body, "location"),
        sku=text(body, "sku.name") or "Standard",
        zones=strings(body, "zones"),
        allocation_method=text(body, "properties.publicIPAllocationMethod") or "Static",
        tags=tags(body),
    )
    operation = call.operations.started(pip.id, mark, namespace=NETWORK, location=pip.location)
    return accepted(call, operation, status=200 if existed else 201, body=public_ip_document(pip))


def get_public_ip(call: Call) -> Reply:
    return Reply(
        200, public_ip_document(call.sim.network.get_public_ip(call.param("group"), call.param("name")))
    )


def delete_public_ip(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    if not _exists(sim, "public_ips", group, "publicIPAddresses", name):
        sim.groups.get(group)
        return Reply(204)
    pip = sim.network.get_public_ip(group, name)
    mark = call.operations.mark()
    sim.network.delete_public_ip(group, name)
    operation = call.operations.started(pip.id, mark, namespace=NETWORK, location=pip.location)
    return accepted(call, operation, status=202, location_header=True)


def list_public_ips_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    found = [p for p in call.sim.network.list_public_ips() if p.resource_group.lower() == group]
    return Reply(200, listing(public_ip_document(p) for p in found))


def list_public_ips(call: Call) -> Reply:
    return Reply(200, listing(public_ip_document(p) for p in call.sim.network.list_public_ips()))


# ----------------------------------------------------------------------------- NICs


def _ip_configuration(nic: NetworkInterface, name: str, version: str, address: str, *, primary: bool) -> Json:
    return envelope(
        f"{nic.id}/ipConfigurations/{name}",
        name,
        f"{NIC_TYPE}/ipConfigurations",
        properties={
            "provisioningState": nic.provisioning_state,
            "privateIPAddress": address or None,
            "privateIPAllocationMethod": nic.allocation_method if primary else "Dynamic",
            "privateIPAddressVersion": version,
            "subnet": {"id": nic.subnet_id},
            "primary": primary,
            "publicIPAddress": {"id": nic.public_ip_id} if primary and nic.public_ip_id else None,
            "applicationSecurityGroups": [{"id": a} for a in nic.application_security_group_ids]
            if primary
            else None,
            "applicationGatewayBackendAddressPools": [{"id": p} for p in nic.backend_pool_ids]
            if primary
            else None,
        },
    )


def nic_document(sim: SimAzure, nic: NetworkInterface) -> Json:
    configs = [_ip_configuration(nic, "ipconfig1", "IPv4", nic.private_ip, primary=True)]
    configs += [
        _ip_configuration(nic, c.name, c.version, c.address, primary=False) for c in nic.additional_ip_configs
    ]
    vm = None if nic.vm_id is None else sim.ctx.state.vms.get(key_of(nic.vm_id))
    return envelope(
        nic.id,
        nic.name,
        NIC_TYPE,
        location=nic.location,
        tags=nic.tags,
        properties={
            "provisioningState": nic.provisioning_state,
            "resourceGuid": guid_for(nic.id),
            "macAddress": nic.mac_address,
            "primary": None if vm is None else key_of(vm.nic_ids[0]) == key_of(nic.id),
            "virtualMachine": None if nic.vm_id is None else {"id": nic.vm_id},
            "networkSecurityGroup": None
            if nic.network_security_group_id is None
            else {"id": nic.network_security_group_id},
            "enableIPForwarding": nic.enable_ip_forwarding,
            "enableAcceleratedNetworking": False,
            "nicType": "Standard",
            "ipConfigurations": configs,
        },
    )


def put_nic(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    body = call.json_body()
    configs = objects(body, "properties.ipConfigurations")
    if not configs:
        raise bad_field("properties.ipConfigurations", "must list at least one ip configuration")
    primary_index = next((i for i, c in enumerate(configs) if flag(c, "properties.primary")), 0)
    primary = configs[primary_index]
    where = f"properties.ipConfigurations[{primary_index}].properties"
    if objects(primary, "properties.loadBalancerBackendAddressPools"):
        raise bad_field(f"{where}.loadBalancerBackendAddressPools", "is not supported (no load balancers)")
    method = choice(
        text(primary, "properties.privateIPAllocationMethod") or "Dynamic",
        ("Static", "Dynamic"),
        f"{where}.privateIPAllocationMethod",
    )
    private_ip = text(primary, "properties.privateIPAddress") if method == "Static" else None
    if method == "Static" and private_ip is None:
        raise bad_field(f"{where}.privateIPAddress", "is required when privateIPAllocationMethod is Static")
    extra: list[tuple[str, Literal["IPv4", "IPv6"]]] = []
    for index, config in enumerate(configs):
        if index != primary_index:
            version = choice(
                text(config, "properties.privateIPAddressVersion") or "IPv4",
                ("IPv4", "IPv6"),
                f"properties.ipConfigurations[{index}].properties.privateIPAddressVersion",
            )
            extra.append((required_text(config, "name"), cast(Literal["IPv4", "IPv6"], version)))
    existed = _exists(sim, "nics", group, "networkInterfaces", name)
    mark = call.operations.mark()
    nic = sim.network.create_or_update_nic(
        group,
        name,
        location=required_text(body, "location"),
        subnet_id=required_text(primary, "properties.subnet.id"),
        private_ip=private_ip,
        public_ip_id=text(primary, "properties.publicIPAddress.id"),
        network_security_group_id=text(body, "properties.networkSecurityGroup.id"),
        application_security_group_ids=[
            required_text(a, "id") for a in objects(primary, "properties.applicationSecurityGroups")
        ],
        backend_pool_ids=[
            required_text(p, "id")
            for p in objects(primary, "properties.applicationGatewayBackendAddressPools")
        ],
        enable_ip_forwarding=flag(body, "properties.enableIPForwarding"),
        additional_ip_configs=extra,
        tags=tags(body),
    )
    operation = call.operations.started(nic.id, mark, namespace=NETWORK, location=nic.location)
    return accepted(call, operation, status=200 if existed else 201, body=nic_document(sim, nic))


def get_nic(call: Call) -> Reply:
    return Reply(
        200, nic_document(call.sim, call.sim.network.get_nic(call.param("group"), call.param("name")))
    )


def delete_nic(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    if not _exists(sim, "nics", group, "networkInterfaces", name):
        sim.groups.get(group)
        return Reply(204)
    nic = sim.network.get_nic(group, name)
    mark = call.operations.mark()
    sim.network.delete_nic(group, name)
    operation = call.operations.started(nic.id, mark, namespace=NETWORK, location=nic.location)
    return accepted(call, operation, status=202, location_header=True)


def list_nics_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group"))
    return Reply(
        200, listing(nic_document(call.sim, n) for n in call.sim.network.list_nics(resource_group=group.name))
    )


def list_nics(call: Call) -> Reply:
    return Reply(200, listing(nic_document(call.sim, n) for n in call.sim.network.list_nics()))


def get_ip_configuration(call: Call) -> Reply:
    nic = call.sim.network.get_nic(call.param("group"), call.param("name"))
    wanted = call.param("config").lower()
    for config in nic_document(call.sim, nic)["properties"]["ipConfigurations"]:
        if config["name"].lower() == wanted:
            return Reply(200, config)
    raise ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{NIC_TYPE}/ipConfigurations/{nic.name}/{call.param('config')}' was not found.",
    )

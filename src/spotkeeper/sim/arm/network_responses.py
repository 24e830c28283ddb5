"""Microsoft.Network's shared infrastructure over HTTPS: virtual networks and subnets, network
and application security groups, application gateways (with backend health) and load
balancers.

These are the things a node refers to but does not own. Their PUTs complete at once in the
simulator, so they answer 201 (new) or 200 with `provisioningState: Succeeded` and no polling
headers (the SDK's body polling is then done). As in ARM, a vnet PUT states the whole subnet
list: subnets left out are removed (refused while addresses are in use). The simulator models
no load balancers: GET is a 404 and lists are empty. NSG security rules are not modelled
either, so an NSG PUT with rules is refused rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.operations import accepted
from spotkeeper.sim.arm.wire import (
    Json,
    bad_field,
    envelope,
    listing,
    objects,
    required_text,
    strings,
    tags,
    text,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.context import not_found
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.gateways import ApplicationGateway
from spotkeeper.sim.ids import NETWORK, key_of, resource_id
from spotkeeper.sim.load_balancers import LoadBalancer
from spotkeeper.sim.network_models import (
    SECURITY_GROUP_TYPES,
    SecurityGroup,
    SecurityGroupKind,
    Subnet,
    VirtualNetwork,
)

VNET_TYPE = "Microsoft.Network/virtualNetworks"
GATEWAY_TYPE = "Microsoft.Network/applicationGateways"


def guid_for(resource_id_: str) -> str:
    """A stable `resourceGuid` (ARM's per-resource GUID) derived from the id."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, key_of(resource_id_)))


def ip_configuration_id(sim: SimAzure, nic_key: str, name: str = "ipconfig1") -> str:
    nic = sim.ctx.state.nics.get(nic_key)
    return f"{nic.id if nic else nic_key}/ipConfigurations/{name}"


# ----------------------------------------------------------------------------- vnets and subnets


def subnet_document(sim: SimAzure, subnet: Subnet) -> Json:
    return envelope(
        subnet.id,
        subnet.name,
        f"{VNET_TYPE}/subnets",
        properties={
            "provisioningState": "Succeeded",
            "addressPrefix": subnet.address_prefix,
            "networkSecurityGroup": None
            if subnet.network_security_group_id is None
            else {"id": subnet.network_security_group_id},
            "ipConfigurations": [
                {"id": ip_configuration_id(sim, owner)} for owner in sorted(set(subnet.allocations.values()))
            ],
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
        },
    )


def vnet_document(sim: SimAzure, vnet: VirtualNetwork) -> Json:
    return envelope(
        vnet.id,
        vnet.name,
        VNET_TYPE,
        location=vnet.location,
        tags=vnet.tags,
        properties={
            "provisioningState": vnet.provisioning_state,
            "resourceGuid": guid_for(vnet.id),
            "addressSpace": {"addressPrefixes": list(vnet.address_space)},
            "subnets": [subnet_document(sim, s) for s in vnet.subnets.values()],
            "virtualNetworkPeerings": [],
            "enableDdosProtection": False,
        },
    )


def _subnet_prefix(subnet: Mapping[str, Any], where: str) -> str:
    prefix = text(subnet, "properties.addressPrefix")
    if prefix is None:
        prefixes = strings(subnet, "properties.addressPrefixes")
        if len(prefixes) != 1:
            raise bad_field(f"{where}.properties.addressPrefix", "is required (one IPv4 prefix)")
        prefix = prefixes[0]
    return prefix


def _put_vnet(call: Call, body: Mapping[str, Any], subnet_nsgs: dict[str, str | None]) -> VirtualNetwork:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    subnets: dict[str, str] = {}
    for index, subnet in enumerate(objects(body, "properties.subnets")):
        where = f"properties.subnets[{index}]"
        subnet_name = required_text(subnet, "name")
        subnets[subnet_name] = _subnet_prefix(subnet, where)
        subnet_nsgs.setdefault(subnet_name, text(subnet, "properties.networkSecurityGroup.id"))
    vnet = sim.network.create_or_update_vnet(
        group,
        name,
        location=required_text(body, "location"),
        address_space=strings(body, "properties.addressSpace.addressPrefixes"),
        subnets=subnets,
        tags=tags(body),
    )
    for subnet_name, nsg_id in subnet_nsgs.items():
        current = vnet.subnets.get(subnet_name.lower())
        if current is not None and key_of(current.network_security_group_id or "") != key_of(nsg_id or ""):
            sim.network.set_subnet_nsg(current.id, nsg_id)
    return vnet


def _vnet_exists(sim: SimAzure, group: str, name: str) -> bool:
    return (
        key_of(resource_id(sim.subscription_id, group, NETWORK, "virtualNetworks", name))
        in sim.ctx.state.vnets
    )


def put_vnet(call: Call) -> Reply:
    existed = _vnet_exists(call.sim, call.param("group"), call.param("name"))
    vnet = _put_vnet(call, call.json_body(), {})
    return Reply(200 if existed else 201, vnet_document(call.sim, vnet))


def get_vnet(call: Call) -> Reply:
    vnet = call.sim.network.get_vnet(call.param("group"), call.param("name"))
    return Reply(200, vnet_document(call.sim, vnet))


def list_vnets_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    vnets = [v for v in call.sim.network.list_vnets() if v.resource_group.lower() == group]
    return Reply(200, listing(vnet_document(call.sim, v) for v in vnets))


def list_vnets(call: Call) -> Reply:
    return Reply(200, listing(vnet_document(call.sim, v) for v in call.sim.network.list_vnets()))


def _subnet(call: Call) -> tuple[VirtualNetwork, Subnet]:
    vnet = call.sim.network.get_vnet(call.param("group"), call.param("name"))
    subnet = vnet.subnets.get(call.param("subnet").lower())
    if subnet is None:
        raise not_found(f"{VNET_TYPE}/subnets", call.param("group"), f"{vnet.name}/{call.param('subnet')}")
    return vnet, subnet


def _vnet_body(vnet: VirtualNetwork, subnets: dict[str, str]) -> Json:
    return {
        "location": vnet.location,
        "tags": dict(vnet.tags),
        "properties": {
            "addressSpace": {"addressPrefixes": list(vnet.address_space)},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()],
        },
    }


def put_subnet(call: Call) -> Reply:
    """A subnet PUT is a vnet PUT with that one subnet added or changed."""
    vnet = call.sim.network.get_vnet(call.param("group"), call.param("name"))
    body = call.json_body()
    name = call.param("subnet")
    existed = name.lower() in vnet.subnets
    subnets = {s.name: s.address_prefix for s in vnet.subnets.values() if s.name.lower() != name.lower()}
    subnets[name] = _subnet_prefix(body, "subnet")
    keep = {s.name: s.network_security_group_id for s in vnet.subnets.values()}
    keep[name] = text(body, "properties.networkSecurityGroup.id")
    vnet = _put_vnet(call, _vnet_body(vnet, subnets), keep)
    return Reply(200 if existed else 201, subnet_document(call.sim, vnet.subnets[name.lower()]))


def get_subnet(call: Call) -> Reply:
    return Reply(200, subnet_document(call.sim, _subnet(call)[1]))


def list_subnets(call: Call) -> Reply:
    vnet = call.sim.network.get_vnet(call.param("group"), call.param("name"))
    return Reply(200, listing(subnet_document(call.sim, s) for s in vnet.subnets.values()))


def delete_subnet(call: Call) -> Reply:
    try:
        vnet, subnet = _subnet(call)
    except ArmError as error:
        if error.status == 404 and error.code == "ResourceNotFound":
            return Reply(204)
        raise
    subnets = {s.name: s.address_prefix for s in vnet.subnets.values() if s is not subnet}
    keep = {s.name: s.network_security_group_id for s in vnet.subnets.values() if s is not subnet}
    _put_vnet(call, _vnet_body(vnet, subnets), keep)
    return Reply(200)


# ----------------------------------------------------------------------------- security groups


def _kind(call: Call) -> SecurityGroupKind:
    return "nsg" if call.param("kind").lower() == "networksecuritygroups" else "asg"


def security_group_document(group: SecurityGroup) -> Json:
    properties: Json = {"provisioningState": group.provisioning_state, "resourceGuid": guid_for(group.id)}
    if group.kind == "nsg":
        properties["securityRules"] = []
    return envelope(
        group.id,
        group.name,
        f"Microsoft.Network/{SECURITY_GROUP_TYPES[group.kind]}",
        location=group.location,
        tags=group.tags,
        properties=properties,
    )


def put_security_group(call: Call) -> Reply:
    sim, group_name, name, kind = call.sim, call.param("group"), call.param("name"), _kind(call)
    body = call.json_body()
    if kind == "nsg" and objects(body, "properties.securityRules"):
        raise bad_field(
            "properties.securityRules", "is not supported by the simulator (NSG rules are not modelled)"
        )
    sg_id = resource_id(sim.subscription_id, group_name, NETWORK, SECURITY_GROUP_TYPES[kind], name)
    existed = key_of(sg_id) in sim.ctx.state.security_groups
    group = sim.network.create_or_update_security_group(
        group_name, name, kind=kind, location=required_text(body, "location"), tags=tags(body)
    )
    return Reply(200 if existed else 201, security_group_document(group))


def get_security_group(call: Call) -> Reply:
    group = call.sim.network.get_security_group(call.param("group"), call.param("name"), kind=_kind(call))
    return Reply(200, security_group_document(group))


def list_security_groups_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    found = call.sim.network.list_security_groups(kind=_kind(call))
    return Reply(200, listing(security_group_document(g) for g in found if g.resource_group.lower() == group))


def list_security_groups(call: Call) -> Reply:
    return Reply(
        200,
        listing(security_group_document(g) for g in call.sim.network.list_security_groups(kind=_kind(call))),
    )


# ----------------------------------------------------------------------------- application gateways


def gateway_document(sim: SimAzure, gateway: ApplicationGateway) -> Json:
    nics = sim.ctx.state.nics
    pools = []
    for pool in gateway.pools.values():
        pool_key = key_of(pool.id)
        members = sorted(
            key for key, nic in nics.items() if pool_key in {key_of(p) for p in nic.backend_pool_ids}
        )
        pools.append(
            envelope(
                pool.id,
                pool.name,
                f"{GATEWAY_TYPE}/backendAddressPools",
                properties={
                    "provisioningState": "Succeeded",
                    "backendAddresses": [{"ipAddress": a} for a in pool.addresses],
                    "backendIPConfigurations": [{"id": ip_configuration_id(sim, key)} for key in members],
                },
            )
        )
    return envelope(
        gateway.id,
        gateway.name,
        GATEWAY_TYPE,
        location=gateway.location,
        tags=gateway.tags,
        properties={
            "provisioningState": gateway.provisioning_state,
            "resourceGuid": guid_for(gateway.id),
            "operationalState": "Running",
            "sku": {"name": gateway.sku, "tier": gateway.sku, "capacity": 2},
            "backendAddressPools": pools,
        },
    )


def put_gateway(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    body = call.json_body()
    gw_id = resource_id(sim.subscription_id, group, NETWORK, "applicationGateways", name)
    existed = key_of(gw_id) in sim.ctx.state.app_gateways
    gateway = sim.gateways.create_or_update_app_gateway(
        group,
        name,
        location=required_text(body, "location"),
        sku=text(body, "properties.sku.name") or "Standard_v2",
        backend_pools=[required_text(p, "name") for p in objects(body, "properties.backendAddressPools")],
        tags=tags(body),
    )
    for pool in objects(body, "properties.backendAddressPools"):
        for address in objects(pool, "properties.backendAddresses"):
            ip = text(address, "ipAddress")
            if ip:
                sim.gateways.add_backend_address(group, name, required_text(pool, "name"), ip)
    return Reply(200 if existed else 201, gateway_document(sim, gateway))


def get_gateway(call: Call) -> Reply:
    gateway = call.sim.gateways.get_app_gateway(call.param("group"), call.param("name"))
    return Reply(200, gateway_document(call.sim, gateway))


def list_gateways_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    found = [g for g in call.sim.gateways.list_app_gateways() if g.resource_group.lower() == group]
    return Reply(200, listing(gateway_document(call.sim, g) for g in found))


def list_gateways(call: Call) -> Reply:
    return Reply(200, listing(gateway_document(call.sim, g) for g in call.sim.gateways.list_app_gateways()))


def backend_health(call: Call) -> Reply:
    """POST .../backendhealth: 202 + Location; the result (the probe's view at the time the
    client fetches it) is `ApplicationGatewayBackendHealth`."""
    sim, group, name = call.sim, call.param("group"), call.param("name")
    gateway = sim.gateways.get_app_gateway(group, name)

    def health() -> Json:
        current = sim.gateways.get_app_gateway(group, name)
        by_pool = sim.gateways.backend_health(group, name)
        owners = {nic.private_ip: key for key, nic in sim.ctx.state.nics.items()}
        pools = []
        for pool in current.pools.values():
            servers = [
                {
                    "address": address,
                    "ipConfiguration": {"id": ip_configuration_id(sim, owners[address])}
                    if address in owners
                    else None,
                    "health": status,
                }
                for address, status in by_pool.get(pool.name, {}).items()
            ]
            pools.append(
                {
                    "backendAddressPool": {"id": pool.id},
                    "backendHttpSettingsCollection": [
                        {
                            "backendHttpSettings": {
                                "id": f"{current.id}/backendHttpSettingsCollection/default"
                            },
                            "servers": [{k: v for k, v in s.items() if v is not None} for s in servers],
                        }
                    ],
                }
            )
        return {"backendAddressPools": pools}

    mark = call.operations.mark()
    operation = call.operations.started(
        gateway.id, mark, namespace=NETWORK, location=gateway.location, result=health
    )
    reply = accepted(call, operation, status=202, location_header=True)
    reply.headers.pop("Azure-AsyncOperation")  # ARM answers backendhealth with Location only
    return reply


# ----------------------------------------------------------------------------- load balancers


def get_load_balancer(call: Call) -> Reply:
    call.sim.groups.get(call.param("group"))
    balancer = call.sim.load_balancers.get_load_balancer(call.param("group"), call.param("name"))
    return Reply(200, _load_balancer_body(call, balancer))


def list_load_balancers(call: Call) -> Reply:
    balancers = call.sim.load_balancers.list_load_balancers()
    if "group" in call.params:
        group = call.sim.groups.get(call.param("group")).name.lower()
        balancers = [b for b in balancers if b.resource_group.lower() == group]
    return Reply(200, listing([_load_balancer_body(call, b) for b in balancers]))


def _load_balancer_body(call: Call, balancer: LoadBalancer) -> dict[str, object]:
    pools = []
    for pool in balancer.pools.values():
        members = call.sim.load_balancers.pool_members(pool.id)
        pools.append({
            "id": pool.id, "name": pool.name,
            "properties": {"backendIPConfigurations": [{"id": f"{nic}/ipConfigurations/ipconfig1"}
                                                       for nic in members]},
        })
    return {
        "id": balancer.id, "name": balancer.name, "type": "Microsoft.Network/loadBalancers",
        "location": balancer.location, "tags": dict(balancer.tags),
        "sku": {"name": balancer.sku, "tier": "Regional"},
        "properties": {"provisioningState": balancer.provisioning_state, "backendAddressPools": pools},
    }

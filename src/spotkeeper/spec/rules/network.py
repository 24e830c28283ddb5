"""Create rules for the node's network (the wizard's Networking step, spot-api.md §3.3.2).

At least one NIC, exactly one primary, each on a subnet of the node's virtual network. A public
IP needs a SKU, and the SKU must be Standard: Azure retired Basic SKU public IP addresses on
30 September 2025, so a Basic SKU could not be created any more. Static private IPs must be IPv4
addresses (the pool a NIC draws from) and may not be shared by two NICs. Whether the sizes can
take that many NICs is a size rule (`rules.sizes.fit_problems`), since it depends on the sizes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from spotkeeper.spec.models import NetworkInterface, ResourceRef
from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import NETWORK, Rule, RuleContext, at, error, is_blank


def check_interfaces(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    network = launch.network if launch else None
    if network is None or network.network_interfaces is None:
        return  # REQUIRED (rules.basics) covers an absent network or NIC list
    nics = network.network_interfaces
    field = f"{NETWORK}.networkInterfaces"
    if not nics:
        yield error("NETWORK_INTERFACE_REQUIRED", field, "define at least one network interface")
        return
    primaries = [i for i, nic in enumerate(nics) if nic.is_primary]
    if len(primaries) != 1:
        where = ", ".join(f"[{i}]" for i in primaries) if primaries else "none"
        yield error(
            "PRIMARY_INTERFACE_COUNT",
            field,
            f"exactly one network interface must have isPrimary true (found {len(primaries)}: {where})",
        )
    for i, nic in enumerate(nics):
        yield from _interface(nic, at(field, i))


def _interface(nic: NetworkInterface, base: str) -> Iterator[Problem]:
    if is_blank(nic.subnet_name):
        yield error("REQUIRED", f"{base}.subnetName", "a network interface needs a subnetName")
    if nic.assign_public_ip and nic.public_ip_sku is None:
        yield error(
            "PUBLIC_IP_SKU_REQUIRED",
            f"{base}.publicIpSku",
            'assignPublicIp is true, so choose the public IP SKU: "Standard"',
        )
    if nic.public_ip_sku == "Basic":
        yield error(
            "PUBLIC_IP_SKU_RETIRED",
            f"{base}.publicIpSku",
            "Azure retired Basic SKU public IP addresses on 30 September 2025 and no longer creates "
            'them; use "Standard"',
        )
    seen_ips: set[str] = set()
    for j, address in enumerate(nic.private_ip_addresses or []):
        field = at(f"{base}.privateIpAddresses", j)
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            yield error("INVALID_IP_ADDRESS", field, f'"{address}" is not an IPv4 address such as 10.0.0.10')
            continue
        if parsed.version != 4:
            yield error(
                "INVALID_IP_ADDRESS", field, f"{address} is IPv6; static private addresses must be IPv4"
            )
        elif str(parsed) in seen_ips:
            yield error("DUPLICATE_IP_ADDRESS", field, f"{address} is listed twice")
        seen_ips.add(str(parsed))
    names: set[str] = set()
    for j, config in enumerate(nic.additional_ip_configurations or []):
        field = at(f"{base}.additionalIpConfigurations", j)
        if is_blank(config.name):
            yield error("REQUIRED", f"{field}.name", "an additional IP configuration needs a name")
            continue
        assert config.name is not None
        if config.name.lower() in names:
            yield error(
                "DUPLICATE_IP_CONFIGURATION_NAME",
                f"{field}.name",
                f'IP configuration name "{config.name}" is used twice on this network interface',
            )
        names.add(config.name.lower())
    yield from _references(
        nic.network_security_group, f"{base}.networkSecurityGroup", "network security group"
    )
    for key, label, refs in (
        ("publicIps", "public IP", nic.public_ips),
        ("applicationSecurityGroups", "application security group", nic.application_security_groups),
    ):
        for j, ref in enumerate(refs or []):
            yield from _references(ref, at(f"{base}.{key}", j), label)


def _references(ref: ResourceRef | None, field: str, label: str) -> Iterator[Problem]:
    if ref is None:
        return
    for key, value in (("name", ref.name), ("resourceGroupName", ref.resource_group_name)):
        if is_blank(value):
            yield error("REQUIRED", f"{field}.{key}", f"a {label} reference needs {key}")


def check_private_ips_across_interfaces(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    nics = launch.network.network_interfaces if launch and launch.network else None
    owner: dict[str, int] = {}
    for i, nic in enumerate(nics or []):
        for j, address in enumerate(nic.private_ip_addresses or []):
            key = address.strip()
            if key in owner and owner[key] != i:
                yield error(
                    "DUPLICATE_IP_ADDRESS",
                    at(f"{NETWORK}.networkInterfaces[{i}].privateIpAddresses", j),
                    f"{address} is already in the pool of networkInterfaces[{owner[key]}]",
                )
            owner.setdefault(key, i)


RULES: tuple[Rule, ...] = (check_interfaces, check_private_ips_across_interfaces)

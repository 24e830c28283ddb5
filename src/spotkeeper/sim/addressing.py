"""IP address rules of the simulated Azure: private addresses in subnets, public addresses.

Private: Azure reserves five addresses in every subnet, the network address, the next three
(gateway and Azure DNS) and the broadcast address, so the first usable address of 10.0.0.0/24
is 10.0.0.4 and the last 10.0.0.254. A dynamic allocation takes the lowest free usable
address; a static one must be usable and free. The smallest subnet Azure accepts is a /29.

Public: Standard public IPs are static. The simulator hands them out in order from
198.18.0.0/15, the block RFC 2544 sets aside for benchmarking: like a TEST-NET range it is never
a real host's address, yet it looks like a public IPv4 address to code that parses it, and at
131 070 usable addresses it never runs dry in a long simulated run.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection

from spotkeeper.sim.errors import ArmError

PUBLIC_POOL = ipaddress.IPv4Network("198.18.0.0/15")
RESERVED_AT_START = 4  # network address, default gateway, two for Azure DNS
SMALLEST_PREFIX = 29


def parse_prefix(prefix: str, *, target: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(prefix, strict=True)
    except ValueError:
        raise ArmError(
            400,
            "InvalidAddressPrefixFormat",
            f"Address prefix '{prefix}' is not a valid IPv4 CIDR.",
            target=target,
        ) from None
    return network


def check_subnet_prefix(prefix: str, address_space: Collection[str], siblings: Collection[str]) -> None:
    """A subnet must be a /29 or larger, inside the vnet's address space and overlap no sibling."""
    network = parse_prefix(prefix, target="properties.addressPrefix")
    if network.prefixlen > SMALLEST_PREFIX:
        raise ArmError(
            400,
            "InvalidAddressPrefix",
            f"Subnet prefix {prefix} is smaller than /{SMALLEST_PREFIX}, the smallest subnet Azure supports.",
            target="properties.addressPrefix",
        )
    spaces = [parse_prefix(space, target="addressSpace") for space in address_space]
    if not any(network.subnet_of(space) for space in spaces):
        raise ArmError(
            400,
            "NetcfgSubnetRangeOutsideVnet",
            f"Subnet prefix {prefix} is not within the virtual network's address space "
            f"({', '.join(address_space)}).",
            target="properties.addressPrefix",
        )
    for other in siblings:
        if network.overlaps(ipaddress.IPv4Network(other)):
            raise ArmError(
                400,
                "NetcfgInvalidSubnet",
                f"Subnet prefix {prefix} overlaps subnet prefix {other} in the same virtual network.",
                target="properties.addressPrefix",
            )


def usable_hosts(prefix: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """The first and last address Azure lets a NIC have in this subnet."""
    network = ipaddress.IPv4Network(prefix)
    return network.network_address + RESERVED_AT_START, network.broadcast_address - 1


def allocate_dynamic(prefix: str, taken: Collection[str]) -> str:
    first, last = usable_hosts(prefix)
    address = first
    while address <= last:
        if str(address) not in taken:
            return str(address)
        address += 1
    raise ArmError(
        400,
        "SubnetIsFull",
        f"Subnet with address prefix {prefix} does not have enough capacity for 1 IP address.",
    )


def check_static(prefix: str, address: str, taken: Collection[str]) -> str:
    """Validate a requested static private address; returns it in canonical form."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        raise ArmError(
            400,
            "InvalidPrivateIPAddressFormat",
            f"Private static IP address '{address}' is not a valid IPv4 address.",
            target="privateIPAddress",
        ) from None
    network = ipaddress.IPv4Network(prefix)
    if ip not in network:
        raise ArmError(
            400,
            "PrivateIPAddressNotInSubnet",
            f"IP configuration requests private IP address {ip}, which does not belong to the subnet "
            f"prefix {prefix}.",
            target="privateIPAddress",
        )
    first, last = usable_hosts(prefix)
    if not first <= ip <= last:
        raise ArmError(
            400,
            "PrivateIPAddressInReservedRange",
            f"Private static IP address {ip} falls within reserved IP range of subnet prefix {prefix} "
            f"(Azure reserves the first four addresses and the last one).",
            target="privateIPAddress",
        )
    if str(ip) in taken:
        raise ArmError(
            400,
            "PrivateIPAddressInUse",
            f"IP configuration is using the private IP address {ip} which is already allocated to another "
            f"resource.",
            target="privateIPAddress",
        )
    return str(ip)


def next_public_address(counter: int, taken: Collection[str]) -> tuple[str, int]:
    """The next free public address at or after position `counter` of the pool, and the
    position after it (addresses are not reused until the pool wraps around)."""
    size = PUBLIC_POOL.num_addresses - 2
    for step in range(size):
        position = (counter + step) % size
        address = str(PUBLIC_POOL.network_address + 1 + position)
        if address not in taken:
            return address, position + 1
    raise ArmError(409, "PublicIPCountLimitReached", "The simulated public IP pool is exhausted.")

"""Microsoft.Network in the simulated Azure: virtual networks and subnets, NSGs and ASGs,
Standard public IPs and NICs.

A stateful node keeps its private and public IP across VM replacements by keeping its NIC, so
the rules that matter here are the ones a replacement trips over: a NIC's private address is
allocated in its subnet (dynamic = lowest free, static = the one asked for, if usable and
free; see `addressing`); a public IP belongs to at most one NIC; a NIC attached to a VM cannot
be deleted; and a NIC freed by a VM delete stays reserved for that VM for 180 seconds
(`NicReservedForAnotherVm`), so a VM of another name that reuses it at once is refused, as in
Azure. Re-creating the same VM (same resource id) may take it back: Azure's message names the
VM the NIC is reserved for ("Reserved VM: <id>"); no public document says more, so this is the
reading the simulator makes.

Not modelled: NSG security rules, IPv6 addresses (IPv6 ip configurations are kept by name with
no address), accelerated networking, DNS settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from spotkeeper.sim.addressing import (
    allocate_dynamic,
    check_static,
    check_subnet_prefix,
    next_public_address,
    parse_prefix,
)
from spotkeeper.sim.context import SimContext, check_tags, missing, not_found, settled, sorted_values
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.gateways import require_pool
from spotkeeper.sim.ids import NETWORK, key_of, parse_id, resource_id
from spotkeeper.sim.network_models import (
    NIC_RESERVATION,
    SECURITY_GROUP_TYPES,
    IpConfiguration,
    NetworkInterface,
    PublicIpAddress,
    SecurityGroup,
    SecurityGroupKind,
    Subnet,
    VirtualNetwork,
    delete_later,
    finish_later,
    nic_reserved_error,
)

__all__ = [
    "NIC_RESERVATION",
    "NetworkInterface",
    "NetworkService",
    "PublicIpAddress",
    "SecurityGroup",
    "Subnet",
    "VirtualNetwork",
    "nic_reserved_error",
]


class NetworkService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._public_cursor = 0

    # virtual networks --------------------------------------------------------

    @settled
    def create_or_update_vnet(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        address_space: Sequence[str],
        subnets: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> VirtualNetwork:
        """`subnets` maps name -> prefix; None keeps the existing subnets. A subnet with
        addresses in use cannot be changed or removed (`InUseSubnetCannotBeUpdated`)."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        if not address_space:
            raise ArmError(400, "InvalidAddressSpace", "A virtual network needs an address space.")
        for space in address_space:
            parse_prefix(space, target="properties.addressSpace.addressPrefixes")
        vnet_id = resource_id(ctx.subscription_id, group.name, NETWORK, "virtualNetworks", name)
        vnet = ctx.state.vnets.get(key_of(vnet_id))
        if vnet is not None and vnet.location != region.name:
            raise ArmError(
                409, "InvalidResourceLocation", f"Virtual network {name} exists in {vnet.location}."
            )
        current = {} if vnet is None else {s.name: s.address_prefix for s in vnet.subnets.values()}
        wanted = dict(subnets) if subnets is not None else current
        wanted_keys = {n.lower() for n in wanted}
        for subnet in [] if vnet is None else vnet.subnets.values():
            still = next((p for n, p in wanted.items() if n.lower() == subnet.name.lower()), None)
            if subnet.allocations and still != subnet.address_prefix:
                raise ArmError(
                    400,
                    "InUseSubnetCannotBeUpdated",
                    f"Subnet {subnet.name} is in use by {len(subnet.allocations)} IP configuration(s) and "
                    f"cannot be changed or removed.",
                )
        checked: list[str] = []
        for prefix in wanted.values():
            check_subnet_prefix(prefix, address_space, checked)
            checked.append(prefix)
        if vnet is None:
            vnet = VirtualNetwork(vnet_id, group.name, name, region.name, list(address_space))
            ctx.state.vnets[key_of(vnet_id)] = vnet
        vnet.address_space = list(address_space)
        vnet.tags = check_tags(dict(tags or {}))
        kept = {key: s for key, s in vnet.subnets.items() if key in wanted_keys}
        for subnet_name, prefix in wanted.items():
            existing = kept.get(subnet_name.lower())
            if existing is None:
                kept[subnet_name.lower()] = Subnet(f"{vnet_id}/subnets/{subnet_name}", subnet_name, prefix)
            else:
                existing.address_prefix = prefix
        vnet.subnets = kept
        ctx.record("vnet.put", vnet_id, ",".join(f"{s.name}={s.address_prefix}" for s in kept.values()))
        return vnet

    @settled
    def get_vnet(self, resource_group: str, name: str) -> VirtualNetwork:
        vnet_id = resource_id(self.ctx.subscription_id, resource_group, NETWORK, "virtualNetworks", name)
        vnet = self.ctx.state.vnets.get(key_of(vnet_id))
        if vnet is None:
            raise not_found("Microsoft.Network/virtualNetworks", resource_group, name)
        return vnet

    @settled
    def list_vnets(self, *, location: str | None = None) -> list[VirtualNetwork]:
        return [
            v
            for v in sorted_values(self.ctx.state.vnets)
            if location is None or v.location == location.lower()
        ]

    @settled
    def set_subnet_nsg(self, subnet_id: str, nsg_id: str | None) -> Subnet:
        subnet = self.require_subnet(subnet_id)
        subnet.network_security_group_id = (
            None if nsg_id is None else self.require_security_group(nsg_id, "nsg").id
        )
        return subnet

    def require_subnet(self, subnet_id: str) -> Subnet:
        parsed = parse_id(subnet_id)
        if parsed is None or [t.lower() for t in parsed.types] != ["virtualnetworks", "subnets"]:
            raise ArmError(
                400, "InvalidResourceReference", f"'{subnet_id}' is not a subnet id.", target="subnet"
            )
        vnet = self.ctx.state.vnets.get(key_of(subnet_id).rsplit("/subnets/", 1)[0])
        subnet = None if vnet is None else vnet.subnets.get(parsed.names[1].lower())
        if subnet is None:
            raise not_found(
                "Microsoft.Network/virtualNetworks/subnets", parsed.resource_group, parsed.names[1]
            )
        return subnet

    def vnet_of(self, subnet_id: str) -> VirtualNetwork:
        return self.ctx.state.vnets[key_of(subnet_id).rsplit("/subnets/", 1)[0]]

    # NSGs and ASGs -----------------------------------------------------------

    @settled
    def create_or_update_security_group(
        self,
        resource_group: str,
        name: str,
        *,
        kind: SecurityGroupKind,
        location: str,
        tags: Mapping[str, str] | None = None,
    ) -> SecurityGroup:
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        sg_id = resource_id(ctx.subscription_id, group.name, NETWORK, SECURITY_GROUP_TYPES[kind], name)
        sg = ctx.state.security_groups.get(key_of(sg_id))
        if sg is None:
            sg = SecurityGroup(sg_id, group.name, name, region.name, kind)
            ctx.state.security_groups[key_of(sg_id)] = sg
            ctx.record(f"{kind}.created", sg_id)
        sg.tags = check_tags(dict(tags or {}))
        return sg

    @settled
    def get_security_group(self, resource_group: str, name: str, *, kind: SecurityGroupKind) -> SecurityGroup:
        return self.require_security_group(
            resource_id(self.ctx.subscription_id, resource_group, NETWORK, SECURITY_GROUP_TYPES[kind], name),
            kind,
        )

    @settled
    def list_security_groups(
        self, *, kind: SecurityGroupKind, location: str | None = None
    ) -> list[SecurityGroup]:
        return [
            sg
            for sg in sorted_values(self.ctx.state.security_groups)
            if sg.kind == kind and (location is None or sg.location == location.lower())
        ]

    def require_security_group(self, sg_id: str, kind: SecurityGroupKind) -> SecurityGroup:
        sg = self.ctx.state.security_groups.get(key_of(sg_id))
        if sg is None or sg.kind != kind:
            raise missing(f"Microsoft.Network/{SECURITY_GROUP_TYPES[kind]}", sg_id)
        return sg

    # public IPs --------------------------------------------------------------

    @settled
    def create_or_update_public_ip(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        sku: str = "Standard",
        zones: Sequence[str] = (),
        allocation_method: str = "Static",
        tags: Mapping[str, str] | None = None,
    ) -> PublicIpAddress:
        """A Standard static public IP; an existing one keeps its address (only tags change)."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        if sku.lower() == "basic":
            raise ArmError(
                400,
                "InvalidParameter",
                "Basic SKU public IP addresses were retired by Azure on 30 September 2025 and can no longer "
                "be created; use the Standard SKU (static allocation).",
                target="sku.name",
            )
        if sku.lower() != "standard":
            raise ArmError(
                400, "InvalidParameter", f"Public IP SKU '{sku}' is not supported.", target="sku.name"
            )
        if allocation_method.lower() != "static":
            raise ArmError(
                400,
                "StandardSkuPublicIPAddressesMustBeStatic",
                "Standard sku public IP addresses require the allocation method to be Static.",
                target="properties.publicIPAllocationMethod",
            )
        for zone in zones:
            ctx.require_zone(region, zone)
        pip_id = resource_id(ctx.subscription_id, group.name, NETWORK, "publicIPAddresses", name)
        pip = ctx.state.public_ips.get(key_of(pip_id))
        if pip is not None and tuple(sorted(zones)) != pip.zones:
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Changing property 'zones' of public IP {name} is not allowed.",
                target="zones",
            )
        ctx.check_fault("pip.create", region=region.name)
        if pip is not None:
            pip.tags = check_tags(dict(tags or {}))
            return pip
        taken = {p.address for p in ctx.state.public_ips.values()}
        address, self._public_cursor = next_public_address(self._public_cursor, taken)
        pip = PublicIpAddress(
            pip_id,
            group.name,
            name,
            region.name,
            address,
            tuple(sorted(zones)),
            tags=check_tags(dict(tags or {})),
        )
        ctx.state.public_ips[key_of(pip_id)] = pip
        finish_later(self.ctx, pip, "pip.create", address)
        return pip

    @settled
    def get_public_ip(self, resource_group: str, name: str) -> PublicIpAddress:
        pip_id = resource_id(self.ctx.subscription_id, resource_group, NETWORK, "publicIPAddresses", name)
        pip = self.ctx.state.public_ips.get(key_of(pip_id))
        if pip is None:
            raise not_found("Microsoft.Network/publicIPAddresses", resource_group, name)
        return pip

    @settled
    def list_public_ips(self) -> list[PublicIpAddress]:
        return sorted_values(self.ctx.state.public_ips)

    @settled
    def delete_public_ip(self, resource_group: str, name: str) -> None:
        """Gone already is success. Refused while a NIC uses the address."""
        ctx = self.ctx
        pip_id = resource_id(ctx.subscription_id, resource_group, NETWORK, "publicIPAddresses", name)
        pip = ctx.state.public_ips.get(key_of(pip_id))
        if pip is None or pip.provisioning_state == "Deleting":
            return
        if pip.nic_id is not None:
            raise ArmError(
                400,
                "PublicIPAddressCannotBeDeleted",
                f"Public IP address {pip.id} can not be deleted since it is still allocated to resource "
                f"{pip.nic_id}/ipConfigurations/ipconfig1.",
            )
        ctx.check_fault("pip.delete", region=pip.location)
        delete_later(self.ctx, pip, "pip.delete", lambda: ctx.state.public_ips.pop(key_of(pip.id), None))

    # NICs --------------------------------------------------------------------

    @settled
    def create_or_update_nic(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        subnet_id: str,
        private_ip: str | None = None,
        public_ip_id: str | None = None,
        network_security_group_id: str | None = None,
        application_security_group_ids: Sequence[str] = (),
        backend_pool_ids: Sequence[str] = (),
        enable_ip_forwarding: bool = False,
        additional_ip_configs: Sequence[tuple[str, Literal["IPv4", "IPv6"]]] = (),
        tags: Mapping[str, str] | None = None,
    ) -> NetworkInterface:
        """Create or update a NIC. `private_ip` None = dynamic (an existing NIC keeps its
        address); `additional_ip_configs` are (name, version) pairs, IPv4 ones get an address;
        `backend_pool_ids` are application gateway or load balancer backend pools (in the NIC's
        region) its primary address joins."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        nic_id = resource_id(ctx.subscription_id, group.name, NETWORK, "networkInterfaces", name)
        nic_key = key_of(nic_id)
        nic = ctx.state.nics.get(nic_key)
        subnet = self.require_subnet(subnet_id)
        if self.vnet_of(subnet.id).location != region.name:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Subnet {subnet.id} is in {self.vnet_of(subnet.id).location}, the NIC in {region.name}.",
                target="ipConfigurations.subnet",
            )
        pip = self._usable_public_ip(public_ip_id, nic_id, region.name)
        nsg = (
            None
            if network_security_group_id is None
            else self.require_security_group(network_security_group_id, "nsg")
        )
        asgs = tuple(
            self.require_security_group(asg_id, "asg").id for asg_id in application_security_group_ids
        )
        pools = tuple(
            require_pool(ctx.state, pool_id, location=region.name).id for pool_id in backend_pool_ids
        )
        config_names = ["ipconfig1", *(config_name.lower() for config_name, _ in additional_ip_configs)]
        if len(set(config_names)) != len(config_names):
            raise ArmError(
                400,
                "InvalidRequestFormat",
                "IP configuration names must be unique (ipconfig1 is the primary).",
                target="ipConfigurations",
            )
        same_subnet = nic is not None and key_of(nic.subnet_id) == key_of(subnet.id)
        others = {ip for ip, owner in subnet.allocations.items() if owner != nic_key}
        keep_address = same_subnet and nic is not None and private_ip in (None, nic.private_ip)
        if private_ip is not None and not keep_address:
            private_ip = check_static(subnet.address_prefix, private_ip, others)
        ctx.check_fault("nic.create", region=region.name)
        # Validated: from here on the request is applied.
        if nic is not None:
            primary = nic.private_ip if keep_address else None
            self._release_addresses(nic)
        else:
            primary = None
        address = private_ip or primary or allocate_dynamic(subnet.address_prefix, set(subnet.allocations))
        subnet.allocations[address] = nic_key
        extra = []
        for config_name, version in additional_ip_configs:
            extra_address = ""
            if version == "IPv4":
                extra_address = allocate_dynamic(subnet.address_prefix, set(subnet.allocations))
                subnet.allocations[extra_address] = nic_key
            extra.append(IpConfiguration(config_name, version, extra_address))
        if nic is None:
            nic = NetworkInterface(
                nic_id, group.name, name, region.name, subnet.id, address, "Dynamic", ctx.new_mac()
            )
            ctx.state.nics[nic_key] = nic
        nic.subnet_id = subnet.id
        nic.private_ip = address
        nic.allocation_method = "Static" if private_ip is not None else "Dynamic"
        if nic.public_ip_id is not None and (old := ctx.state.public_ips.get(key_of(nic.public_ip_id))):
            old.nic_id = None
        nic.public_ip_id = None if pip is None else pip.id
        if pip is not None:
            pip.nic_id = nic.id
        nic.network_security_group_id = None if nsg is None else nsg.id
        nic.application_security_group_ids = asgs
        nic.backend_pool_ids = pools
        nic.enable_ip_forwarding = enable_ip_forwarding
        nic.additional_ip_configs = extra
        nic.tags = check_tags(dict(tags or {}))
        finish_later(self.ctx, nic, "nic.create", address)
        return nic

    @settled
    def get_nic(self, resource_group: str, name: str) -> NetworkInterface:
        return self.require_nic(
            resource_id(self.ctx.subscription_id, resource_group, NETWORK, "networkInterfaces", name)
        )

    def require_nic(self, nic_id: str) -> NetworkInterface:
        nic = self.ctx.state.nics.get(key_of(nic_id))
        if nic is None:
            raise missing("Microsoft.Network/networkInterfaces", nic_id)
        return nic

    @settled
    def list_nics(self, *, resource_group: str | None = None) -> list[NetworkInterface]:
        return [
            n
            for n in sorted_values(self.ctx.state.nics)
            if resource_group is None or n.resource_group.lower() == resource_group.lower()
        ]

    @settled
    def delete_nic(self, resource_group: str, name: str) -> None:
        """Gone already is success. Refused while attached (`NicInUse`) or reserved for a
        deleted VM (`NicReservedForAnotherVm`, with the seconds left as retry_after)."""
        ctx = self.ctx
        nic_id = resource_id(ctx.subscription_id, resource_group, NETWORK, "networkInterfaces", name)
        nic = ctx.state.nics.get(key_of(nic_id))
        if nic is None or nic.provisioning_state == "Deleting":
            return
        if nic.vm_id is not None:
            raise ArmError(
                400,
                "NicInUse",
                f"Network Interface {nic.id} is used by existing resource {nic.vm_id}. In order to delete "
                f"the network interface, it must be dissociated from the resource.",
            )
        seconds = nic.reserved_seconds(ctx.now())
        if seconds is not None:
            raise nic_reserved_error(nic, seconds)
        ctx.check_fault("nic.delete", region=nic.location)

        def gone() -> None:
            self._release_addresses(nic)
            if nic.public_ip_id is not None and (pip := ctx.state.public_ips.get(key_of(nic.public_ip_id))):
                pip.nic_id = None
            ctx.state.nics.pop(key_of(nic.id), None)

        delete_later(self.ctx, nic, "nic.delete", gone)

    # helpers -----------------------------------------------------------------

    def _usable_public_ip(
        self, public_ip_id: str | None, nic_id: str, location: str
    ) -> PublicIpAddress | None:
        if public_ip_id is None:
            return None
        pip = self.ctx.state.public_ips.get(key_of(public_ip_id))
        if pip is None or pip.provisioning_state == "Deleting":
            raise missing("Microsoft.Network/publicIPAddresses", public_ip_id)
        if pip.location != location:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Public IP {pip.id} is in {pip.location}, not {location}.",
                target="publicIPAddress",
            )
        if pip.nic_id is not None and key_of(pip.nic_id) != key_of(nic_id):
            raise ArmError(
                400,
                "PublicIPAddressInUse",
                f"Resource {pip.id} is referenced by resource {pip.nic_id}, so {nic_id} cannot use it.",
                target="publicIPAddress",
            )
        return pip

    def _release_addresses(self, nic: NetworkInterface) -> None:
        subnet = self.require_subnet(nic.subnet_id)
        for address in [ip for ip, owner in subnet.allocations.items() if owner == key_of(nic.id)]:
            del subnet.allocations[address]

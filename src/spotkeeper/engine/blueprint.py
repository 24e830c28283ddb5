"""Cloud requests built from the node's spec: the VM, its NICs, public IPs and disks.

Pure translation from the Spot wire spec (plus what the engine remembers and the market it
chose) to the port's value objects. Nothing here calls the cloud, so what a replacement VM
will look like can be tested on its own: same name when `vmName` is set, the persisted OS disk
attached (and then no `osProfile`, as Azure requires), the persisted NICs, Spot priority with
eviction policy Deallocate (Delete would make Azure delete the disks with the VM).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from spotkeeper.catalog import Catalog
from spotkeeper.cloud.port import (
    CloudProvider,
    DataDiskAttach,
    ExtensionSpec,
    ImageRef,
    IpConfigSpec,
    NicSpec,
    OsDiskAttach,
    OsDiskFromImage,
    OsProfile,
    PublicIpSpec,
    SecurityProfile,
    VmSpec,
)
from spotkeeper.engine import naming
from spotkeeper.engine.state import NodeState, Target
from spotkeeper.spec.models import LaunchSpecification, NetworkInterface, StatefulNode


def launch_spec(node: StatefulNode) -> LaunchSpecification:
    launch = node.compute.launch_specification if node.compute else None
    if launch is None:
        raise ValueError("the node has no compute.launchSpecification")
    return launch


def os_type(node: StatefulNode) -> Literal["Linux", "Windows"]:
    return (node.compute.os if node.compute else None) or "Linux"


def image_ref(node: StatefulNode) -> ImageRef:
    image = launch_spec(node).image
    if image is None:
        raise ValueError("the node has no image (compute.launchSpecification.image)")
    if image.marketplace is not None:
        m = image.marketplace
        return ImageRef("marketplace", publisher=m.publisher or "", offer=m.offer or "", sku=m.sku or "",
                        version=m.version or "latest")
    if image.custom is not None:
        return ImageRef("custom", resource_group=image.custom.resource_group_name or "",
                        name=image.custom.name or "")
    if image.gallery is not None:
        g = image.gallery
        return ImageRef("gallery", resource_group=g.resource_group_name or "", gallery=g.gallery_name or "",
                        name=g.image_name or "", version=g.version_name or "latest")
    raise ValueError("the node's image names no marketplace, custom or gallery image")


def node_tags(node: StatefulNode, node_id: str, role: str) -> dict[str, str]:
    user_tags = {t.tag_key: t.tag_value or "" for t in (launch_spec(node).tags or ())}
    return naming.node_tags(node_id, role, user_tags)


def base_name(node: StatefulNode, node_id: str) -> str:
    return naming.resource_base(node_id, node.name or "node", launch_spec(node).vm_name)


def vm_name(node: StatefulNode, node_id: str, generation: int) -> str:
    launch = launch_spec(node)
    return naming.vm_name_for(
        node_id=node_id, node_name=node.name or "node", vm_name=launch.vm_name,
        vm_name_prefix=launch.vm_name_prefix, generation=generation,
    )


def default_disk_sku(catalog: Catalog, size: str) -> str:
    known = catalog.size(size)
    return "Premium_LRS" if known is None or known.premium_storage else "StandardSSD_LRS"


def public_ip_spec(node: StatefulNode, node_id: str, index: int, generation: int) -> PublicIpSpec:
    base = base_name(node, node_id)
    return PublicIpSpec(
        resource_group=node.resource_group_name or "",
        name=naming.public_ip_name(base, index, generation),
        region=node.region or "",
        tags=node_tags(node, node_id, "public-ip"),
    )


def nic_spec(
    node: StatefulNode, node_id: str, cloud: CloudProvider, *, index: int, generation: int,
    public_ip_id: str | None,
) -> NicSpec:
    launch = launch_spec(node)
    network = launch.network
    if network is None or not network.network_interfaces:
        raise ValueError("the node has no network interfaces")
    nic: NetworkInterface = network.network_interfaces[index]
    net_rg = network.resource_group_name or ""
    nsg_id = None
    if nic.network_security_group and nic.network_security_group.name:
        nsg_id = cloud.resource_id(
            "Microsoft.Network/networkSecurityGroups",
            nic.network_security_group.resource_group_name or net_rg, nic.network_security_group.name,
        )
    asg_ids = tuple(
        cloud.resource_id("Microsoft.Network/applicationSecurityGroups", a.resource_group_name or net_rg,
                          a.name)
        for a in (nic.application_security_groups or ()) if a.name
    )
    return NicSpec(
        resource_group=node.resource_group_name or "",
        name=naming.nic_name(base_name(node, node_id), index, generation),
        region=node.region or "",
        network_resource_group=net_rg,
        virtual_network=network.virtual_network_name or "",
        subnet=nic.subnet_name,
        private_ip=nic.private_ip_addresses[0] if nic.private_ip_addresses else None,
        public_ip_id=public_ip_id,
        network_security_group_id=nsg_id,
        application_security_group_ids=asg_ids,
        enable_ip_forwarding=bool(nic.enable_ip_forwarding),
        additional_ip_configs=tuple(
            IpConfigSpec(c.name or f"ipconfig{i + 2}", c.private_ip_address_version or "IPv4")
            for i, c in enumerate(nic.additional_ip_configurations or ())
        ),
        backend_pool_ids=backend_pool_ids(node, cloud) if nic.is_primary else (),
        tags=node_tags(node, node_id, "nic"),
    )


_POOL_TYPES = {
    "loadBalancer": "Microsoft.Network/loadBalancers/backendAddressPools",
    "applicationGateway": "Microsoft.Network/applicationGateways/backendAddressPools",
}


def backend_pool_ids(node: StatefulNode, cloud: CloudProvider) -> tuple[str, ...]:
    """The backend pools of `loadBalancersConfig` the primary address joins: membership lives
    on the NIC, so every VM the node runs is behind its balancers (and an application gateway
    health check has an address to probe)."""
    config = launch_spec(node).load_balancers_config
    ids: list[str] = []
    for balancer in (config.load_balancers or ()) if config else ():
        if not balancer.name or balancer.type not in _POOL_TYPES:
            continue
        rg = balancer.resource_group_name or node.resource_group_name or ""
        ids.extend(cloud.resource_id(_POOL_TYPES[balancer.type], rg, f"{balancer.name}/{pool}")
                   for pool in balancer.backend_pool_names or ())
    return tuple(dict.fromkeys(ids))


def ordered_nics(node: StatefulNode) -> list[int]:
    """Indices of the spec's NICs with the primary first (Azure's first NIC is primary)."""
    network = launch_spec(node).network
    interfaces = (network.network_interfaces or []) if network else []
    return sorted(range(len(interfaces)), key=lambda i: 0 if interfaces[i].is_primary else 1)


def vm_spec(
    node: StatefulNode, node_id: str, state: NodeState, target: Target, *, name: str, generation: int,
    catalog: Catalog, cloud: CloudProvider,
) -> VmSpec:
    launch = launch_spec(node)
    security = launch.security
    if state.os_disk is not None:
        os_disk: OsDiskFromImage | OsDiskAttach = OsDiskAttach(
            state.os_disk.id, caching=(launch.os_disk.caching if launch.os_disk and launch.os_disk.caching
                                       else "ReadWrite"))
        profile = None
    else:
        base = base_name(node, node_id)
        os_disk = OsDiskFromImage(
            name=naming.os_disk_name(base, generation),
            image=image_ref(node),
            sku=(launch.os_disk.type if launch.os_disk and launch.os_disk.type
                 else default_disk_sku(catalog, target.size)),
            size_gb=launch.os_disk.size_gb if launch.os_disk else None,
            caching=(launch.os_disk.caching if launch.os_disk and launch.os_disk.caching else "ReadWrite"),
        )
        login = launch.login
        profile = None
        if login is not None and login.user_name:
            profile = OsProfile(
                computer_name=_computer_name(name, os_type(node)),
                admin_username=login.user_name,
                admin_password=login.password,
                ssh_public_key=login.ssh_public_key,
                custom_data=launch.custom_data,
            )
    caching_by_lun: Mapping[int, str] = {d.lun: d.caching or "None" for d in (launch.data_disks or ())}
    crg_id = None
    if target.lifecycle == "od" and target.reservation_group:
        rg, crg = target.reservation_group
        crg_id = cloud.resource_id("Microsoft.Compute/capacityReservationGroups", rg, crg)
    nic_ids = tuple(n.id for n in sorted(state.nics, key=lambda n: (not n.is_primary, n.index)))
    boot = launch.boot_diagnostics
    return VmSpec(
        resource_group=node.resource_group_name or "",
        name=name,
        region=node.region or "",
        size=target.size,
        priority="Spot" if target.lifecycle == "spot" else "Regular",
        eviction_policy="Deallocate" if target.lifecycle == "spot" else None,
        zone=target.zone,
        os_disk=os_disk,
        nic_ids=nic_ids,
        data_disks=tuple(
            DataDiskAttach(d.lun or 0, d.id, caching_by_lun.get(d.lun or 0, "None"))
            for d in sorted(state.data_disks, key=lambda d: d.lun or 0)
        ),
        os_profile=profile,
        user_data=launch.user_data,
        security=SecurityProfile(
            security_type=(security.security_type if security and security.security_type else "Standard"),
            secure_boot=bool(security and security.secure_boot_enabled),
            vtpm=bool(security and security.v_tpm_enabled),
            encryption_at_host=bool(security and security.encryption_at_host),
        ),
        capacity_reservation_group_id=crg_id,
        boot_diagnostics=bool(boot and boot.is_enabled),
        boot_diagnostics_storage_uri=boot.storage_uri if boot else None,
        license_type=launch.license_type,
        extensions=tuple(
            ExtensionSpec(
                name=e.name, publisher=e.publisher, type=e.type, type_handler_version=e.api_version,
                auto_upgrade_minor_version=e.minor_version_auto_upgrade,
                settings=dict(e.public_settings or {}), protected_settings=dict(e.protected_settings or {}),
            )
            for e in (launch.extensions or ())
        ),
        identity_ids=tuple(
            cloud.resource_id(
                "Microsoft.ManagedIdentity/userAssignedIdentities", i.resource_group_name, i.name
            )
            for i in (launch.managed_service_identities or ())
        ),
        tags=node_tags(node, node_id, "vm"),
    )


def _computer_name(vm_name: str, os_name: str) -> str:
    """Windows computer names stop at 15 characters; Linux host names at 64."""
    limit = 15 if os_name == "Windows" else 64
    return vm_name[:limit].rstrip("-.")

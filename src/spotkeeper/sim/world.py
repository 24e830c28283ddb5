"""The default world: what a fresh simulated subscription contains before any node exists.

A node refers to things it does not create: a resource group, a virtual network and subnet,
security groups, an application gateway's or a load balancer's backend pool, a capacity
reservation group, custom
and gallery images. Demos, engine tests and the console's pick-lists all want the same set, so
`seed_default_world` builds it (idempotently: calling it again changes nothing a node relies
on) and returns the names and ids in a `DefaultWorld`.

    resource group  sk-sandbox
    vnet            sk-vnet 10.0.0.0/16; subnets default 10.0.0.0/24, backend 10.0.1.0/24
    NSG / ASG       sk-nsg (on both subnets) / sk-asg
    app gateway     sk-appgw (Standard_v2), backend pool sk-pool
    load balancer   sk-lb (Standard), backend pool sk-lb-pool
    CRG             sk-crg, zonal over the region's zones, reservations for Standard_D2s_v5 and
                    Standard_D4s_v5 with capacity 2 in each zone (where the region offers them)
    custom images   sk-image-linux-generalized, sk-image-linux-specialized,
                    sk-image-linux-data (generalized, data disks at LUN 0 (32 GB) and 1 (64 GB))
    gallery         sk_gallery: sk-linux-generalized, sk-linux-specialized, sk-linux-data,
                    each with versions 1.0.0 and 1.1.0
All images are Linux, Hyper-V generation V2, x64.
"""

from __future__ import annotations

from dataclasses import dataclass

from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.ids import NETWORK, key_of, resource_id

RESOURCE_GROUP = "sk-sandbox"
VNET = "sk-vnet"
SUBNETS = {"default": "10.0.0.0/24", "backend": "10.0.1.0/24"}
NSG = "sk-nsg"
ASG = "sk-asg"
GATEWAY = "sk-appgw"
POOL = "sk-pool"
LOAD_BALANCER = "sk-lb"
LB_POOL = "sk-lb-pool"
CRG = "sk-crg"
RESERVED_SIZES = ("Standard_D2s_v5", "Standard_D4s_v5")
RESERVED_PER_ZONE = 2
GALLERY = "sk_gallery"
GALLERY_VERSIONS = ("1.0.0", "1.1.0")
IMAGE_DATA_DISKS = ((0, 32), (1, 64))


@dataclass(frozen=True)
class DefaultWorld:
    region: str
    resource_group: str
    vnet_id: str
    subnet_ids: dict[str, str]
    nsg_id: str
    asg_id: str
    gateway_id: str
    pool_id: str
    load_balancer_id: str
    lb_pool_id: str
    crg_id: str
    custom_image_ids: dict[str, str]  # "generalized" | "specialized" | "data" -> image id
    gallery_image_ids: dict[str, str]  # same keys -> gallery image (definition) id


def seed_default_world(sim: SimAzure, region: str = "eastus") -> DefaultWorld:
    """Create (or confirm) the default world in `region`; see the module docstring."""
    existing = sim.ctx.state.resource_groups.get(RESOURCE_GROUP)
    if existing is not None and existing.location != region.lower():
        raise ValueError(
            f"the default world already lives in {existing.location}; a simulator holds one default world"
        )
    zones = sim.ctx.require_region(region).zones
    rg = sim.groups.create_or_update(RESOURCE_GROUP, location=region).name
    sub = sim.subscription_id
    old_vnet = sim.ctx.state.vnets.get(key_of(resource_id(sub, rg, NETWORK, "virtualNetworks", VNET)))
    old_gateway = sim.ctx.state.app_gateways.get(
        key_of(resource_id(sub, rg, NETWORK, "applicationGateways", GATEWAY))
    )
    # Keep whatever was added to the world since (another subnet, another pool).
    current = {} if old_vnet is None else {s.name: s.address_prefix for s in old_vnet.subnets.values()}
    pools = set() if old_gateway is None else {p.name for p in old_gateway.pools.values()}
    vnet = sim.network.create_or_update_vnet(
        rg, VNET, location=region, address_space=["10.0.0.0/16"], subnets={**current, **SUBNETS}
    )
    nsg = sim.network.create_or_update_security_group(rg, NSG, kind="nsg", location=region)
    asg = sim.network.create_or_update_security_group(rg, ASG, kind="asg", location=region)
    for subnet in SUBNETS:
        sim.network.set_subnet_nsg(vnet.subnets[subnet].id, nsg.id)
    gateway = sim.gateways.create_or_update_app_gateway(
        rg,
        GATEWAY,
        location=region,
        sku="Standard_v2",
        backend_pools=sorted(pools | {POOL}),
    )
    old_balancer = sim.ctx.state.load_balancers.get(
        key_of(resource_id(sub, rg, NETWORK, "loadBalancers", LOAD_BALANCER))
    )
    lb_pools = set() if old_balancer is None else {p.name for p in old_balancer.pools.values()}
    balancer = sim.load_balancers.create_or_update_load_balancer(
        rg, LOAD_BALANCER, location=region, sku="Standard", backend_pools=sorted(lb_pools | {LB_POOL})
    )
    crg = sim.reservations.create_or_update_group(rg, CRG, location=region, zones=zones)
    offered = {s.name.lower() for s in sim.catalog.sizes_in(region)}
    for size in RESERVED_SIZES:
        if size.lower() not in offered:
            continue
        for zone in zones or (None,):
            name = (
                f"{size.lower().removeprefix('standard_').replace('_', '-')}-z{zone}"
                if zone
                else size.lower()
            )
            sim.reservations.create_or_update_reservation(
                rg, CRG, name, size=size, capacity=RESERVED_PER_ZONE, zone=zone
            )
    custom = {
        "generalized": sim.images.create_or_update_image(
            rg, "sk-image-linux-generalized", location=region, os_type="Linux", os_state="Generalized"
        ).id,
        "specialized": sim.images.create_or_update_image(
            rg, "sk-image-linux-specialized", location=region, os_type="Linux", os_state="Specialized"
        ).id,
        "data": sim.images.create_or_update_image(
            rg,
            "sk-image-linux-data",
            location=region,
            os_type="Linux",
            os_state="Generalized",
            data_disks=IMAGE_DATA_DISKS,
        ).id,
    }
    sim.images.create_or_update_gallery(rg, GALLERY, location=region)
    gallery = {}
    for kind in ("generalized", "specialized", "data"):
        definition = sim.images.create_or_update_gallery_image(
            rg,
            GALLERY,
            f"sk-linux-{kind}",
            location=region,
            os_type="Linux",
            os_state="Specialized" if kind == "specialized" else "Generalized",
            publisher="spotkeeper",
            offer="sk-linux",
            sku=kind,
        )
        for version in GALLERY_VERSIONS:
            sim.images.create_or_update_gallery_image_version(
                rg,
                GALLERY,
                definition.name,
                version,
                location=region,
                data_disks=IMAGE_DATA_DISKS if kind == "data" else (),
            )
        gallery[kind] = definition.id
    return DefaultWorld(
        region=region.lower(),
        resource_group=rg,
        vnet_id=vnet.id,
        subnet_ids={name: vnet.subnets[name].id for name in SUBNETS},
        nsg_id=nsg.id,
        asg_id=asg.id,
        gateway_id=gateway.id,
        pool_id=gateway.pools[POOL].id,
        load_balancer_id=balancer.id,
        lb_pool_id=balancer.pools[LB_POOL].id,
        crg_id=crg.id,
        custom_image_ids=custom,
        gallery_image_ids=gallery,
    )

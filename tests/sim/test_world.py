"""The default world every simulated subscription starts from."""

from __future__ import annotations

import pytest

from spotkeeper.sim import DefaultWorld, ImageReference, SimAzure, seed_default_world
from tests.sim.conftest import RG, Builder


def test_default_world_has_the_documented_network(sim: SimAzure) -> None:
    vnet = sim.network.get_vnet(RG, "sk-vnet")
    assert vnet.address_space == ["10.0.0.0/16"]
    assert {s.name: s.address_prefix for s in vnet.subnets.values()} == {
        "default": "10.0.0.0/24",
        "backend": "10.0.1.0/24",
    }
    nsg = sim.network.get_security_group(RG, "sk-nsg", kind="nsg")
    assert all(s.network_security_group_id == nsg.id for s in vnet.subnets.values())
    assert sim.network.get_security_group(RG, "sk-asg", kind="asg").name == "sk-asg"


def test_default_world_has_a_gateway_pool_and_a_zonal_reservation_group(sim: SimAzure) -> None:
    gateway = sim.gateways.get_app_gateway(RG, "sk-appgw")
    assert (gateway.sku, [p.name for p in gateway.pools.values()]) == ("Standard_v2", ["sk-pool"])
    crg = sim.reservations.get_group(RG, "sk-crg")
    assert crg.zones == ("1", "2", "3")
    assert {(r.size, r.zone, r.capacity) for r in crg.reservations.values()} == {
        (size, zone, 2) for size in ("Standard_D2s_v5", "Standard_D4s_v5") for zone in ("1", "2", "3")
    }


def test_default_world_has_images_of_every_kind(sim: SimAzure, world: DefaultWorld) -> None:
    resolved = {
        kind: sim.images.resolve(_ref(image_id), "eastus")
        for kind, image_id in world.custom_image_ids.items()
    }
    assert {k: (r.os_state, [d.lun for d in r.data_disks]) for k, r in resolved.items()} == {
        "generalized": ("Generalized", []),
        "specialized": ("Specialized", []),
        "data": ("Generalized", [0, 1]),
    }
    gallery = {kind: sim.images.resolve(_ref(i), "eastus") for kind, i in world.gallery_image_ids.items()}
    assert {k: (g.os_state, g.version, len(g.data_disks)) for k, g in gallery.items()} == {
        "generalized": ("Generalized", "1.1.0", 0),
        "specialized": ("Specialized", "1.1.0", 0),
        "data": ("Generalized", "1.1.0", 2),
    }
    versions = sorted(v.name for v in sim.ctx.state.gallery_versions.values())
    assert versions == ["1.0.0", "1.0.0", "1.0.0", "1.1.0", "1.1.0", "1.1.0"]


def test_seeding_again_changes_nothing_a_node_relies_on(
    sim: SimAzure, world: DefaultWorld, build: Builder
) -> None:
    nic = build.nic("n1-nic", pools=[world.pool_id])
    sim.network.create_or_update_vnet(
        RG,
        "sk-vnet",
        location="eastus",
        address_space=["10.0.0.0/16"],
        subnets={"default": "10.0.0.0/24", "backend": "10.0.1.0/24", "extra": "10.0.2.0/24"},
    )

    again = seed_default_world(sim)

    assert again == world
    assert sim.network.get_nic(RG, "n1-nic").private_ip == nic.private_ip
    assert "extra" in sim.network.get_vnet(RG, "sk-vnet").subnets
    assert list(sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"]) == [nic.private_ip]


def test_a_simulator_holds_one_default_world(sim: SimAzure) -> None:
    with pytest.raises(ValueError, match="already lives in eastus"):
        seed_default_world(sim, region="westus2")


def test_default_world_can_live_in_another_region(empty_sim: SimAzure) -> None:
    world = seed_default_world(empty_sim, region="westus2")
    assert world.region == "westus2"
    assert empty_sim.network.get_vnet(RG, "sk-vnet").location == "westus2"


def _ref(image_id: str) -> ImageReference:
    return ImageReference(id=image_id)

"""Standard load balancers of the simulated Azure: pools a NIC joins, and Azure's rules about them."""

from __future__ import annotations

import pytest

from spotkeeper.sim import ArmError, DefaultWorld, SimAzure, seed_default_world
from tests.sim.conftest import RG, Builder


def test_default_world_has_a_standard_load_balancer_with_one_pool(sim: SimAzure, world: DefaultWorld) -> None:
    balancer = sim.load_balancers.get_load_balancer(RG, "sk-lb")
    assert (balancer.sku, [p.name for p in balancer.pools.values()]) == ("Standard", ["sk-lb-pool"])
    assert world.lb_pool_id == balancer.pools["sk-lb-pool"].id
    assert world.lb_pool_id.endswith("/loadBalancers/sk-lb/backendAddressPools/sk-lb-pool")


def test_nic_joins_a_load_balancer_pool_and_an_app_gateway_pool_at_once(
    sim: SimAzure, world: DefaultWorld, build: Builder
) -> None:
    nic = build.nic("n1-nic", pools=[world.lb_pool_id, world.pool_id])

    assert sim.load_balancers.backend_members(RG, "sk-lb") == {"sk-lb-pool": [nic.private_ip]}
    assert list(sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"]) == [nic.private_ip]


def test_missing_pool_is_not_found_and_a_foreign_id_is_refused(sim: SimAzure, world: DefaultWorld,
                                                                build: Builder) -> None:
    with pytest.raises(ArmError) as missing:
        build.nic("n1-nic", pools=[world.lb_pool_id.replace("sk-lb-pool", "nope")])
    assert missing.value.status == 404
    with pytest.raises(ArmError) as foreign:
        build.nic("n2-nic", pools=[world.vnet_id])
    assert (foreign.value.status, foreign.value.code) == (400, "InvalidResourceReference")


def test_pool_in_use_cannot_be_removed_and_a_free_one_can(sim: SimAzure, world: DefaultWorld,
                                                          build: Builder) -> None:
    sim.load_balancers.create_or_update_load_balancer(
        RG, "sk-lb", location="eastus", backend_pools=["sk-lb-pool", "spare"])
    build.nic("n1-nic", pools=[world.lb_pool_id])

    with pytest.raises(ArmError) as in_use:
        sim.load_balancers.create_or_update_load_balancer(RG, "sk-lb", location="eastus", backend_pools=[])
    assert in_use.value.code == "LoadBalancerBackendAddressPoolInUse"
    kept = sim.load_balancers.create_or_update_load_balancer(
        RG, "sk-lb", location="eastus", backend_pools=["sk-lb-pool"])
    assert list(kept.pools) == ["sk-lb-pool"]


def test_basic_load_balancer_is_refused_because_azure_retired_it(sim: SimAzure) -> None:
    with pytest.raises(ArmError) as basic:
        sim.load_balancers.create_or_update_load_balancer(RG, "old", location="eastus", sku="Basic")
    assert (basic.value.status, basic.value.target) == (400, "sku.name")
    with pytest.raises(ArmError) as change:
        sim.load_balancers.create_or_update_load_balancer(RG, "sk-lb", location="eastus", sku="Gateway")
    assert change.value.code == "CannotChangeSkuOfLoadBalancer"


def test_nic_cannot_join_a_pool_of_a_load_balancer_in_another_region(
    sim: SimAzure, world: DefaultWorld
) -> None:
    sim.groups.create_or_update("west", location="westus2")
    sim.network.create_or_update_vnet("west", "wnet", location="westus2", address_space=["10.1.0.0/16"],
                                      subnets={"default": "10.1.0.0/24"})
    subnet = sim.network.get_vnet("west", "wnet").subnets["default"].id
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_nic("west", "w-nic", location="westus2", subnet_id=subnet,
                                         backend_pool_ids=[world.lb_pool_id])
    assert raised.value.code == "InvalidResourceReference" and "eastus" in raised.value.message


def test_seeding_again_keeps_load_balancer_pools_added_since(sim: SimAzure, world: DefaultWorld) -> None:
    sim.load_balancers.create_or_update_load_balancer(
        RG, "sk-lb", location="eastus", backend_pools=["sk-lb-pool", "extra"])

    assert seed_default_world(sim) == world
    assert sorted(p.name for p in sim.load_balancers.get_load_balancer(RG, "sk-lb").pools.values()) == [
        "extra", "sk-lb-pool"]

"""Networking through the ARM facade, driven by the real `azure-mgmt-network` client: the NIC
and public IP a node keeps across replacements, and the shared infrastructure it refers to."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.sim.test_arm_support import RG, Facade, facade

__all__ = ["facade"]


def test_vnet_put_with_subnets_round_trips_and_a_subnet_is_added_by_its_own_put(facade: Facade) -> None:
    network = facade.network()
    vnet = network.virtual_networks.begin_create_or_update(
        RG,
        "vnet2",
        {
            "location": "eastus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "a", "properties": {"addressPrefix": "10.1.0.0/24"}}],
            },
        },
    ).result()
    assert vnet.provisioning_state == "Succeeded"
    assert [(s.name, s.address_prefix) for s in vnet.subnets] == [("a", "10.1.0.0/24")]
    subnet = network.subnets.begin_create_or_update(
        RG,
        "vnet2",
        "b",
        {"properties": {"addressPrefix": "10.1.1.0/24", "networkSecurityGroup": {"id": facade.world.nsg_id}}},
    ).result()
    assert subnet.network_security_group.id == facade.world.nsg_id
    assert sorted(s.name for s in network.subnets.list(RG, "vnet2")) == ["a", "b"]


def test_overlapping_subnets_are_refused_with_azures_code(facade: Facade) -> None:
    with pytest.raises(HttpResponseError) as caught:
        facade.network().subnets.begin_create_or_update(
            RG, "sk-vnet", "clash", {"properties": {"addressPrefix": "10.0.0.0/25"}}
        )
    assert caught.value.error is not None and caught.value.error.code == "NetcfgInvalidSubnet"


def test_nic_with_a_static_address_and_a_public_ip_reports_both(facade: Facade) -> None:
    nic = facade.nic("fixed", public_ip=True, private_ip="10.0.0.50")
    config = nic.ip_configurations[0]
    assert config.private_ip_address == "10.0.0.50" and config.private_ip_allocation_method == "Static"
    assert nic.mac_address.startswith("00-0D-3A-")
    pip = facade.network().public_ip_addresses.get(RG, "fixed-ip")
    assert (
        pip.ip_address and pip.ip_configuration.id.lower() == f"{nic.id}/ipConfigurations/ipconfig1".lower()
    )
    assert config.public_ip_address.id == pip.id


def test_nic_of_a_deleted_vm_is_reserved_for_180_seconds(facade: Facade) -> None:
    facade.vm("node1")
    facade.compute().virtual_machines.begin_delete(RG, "node1").result()
    network = facade.network()
    with pytest.raises(HttpResponseError) as caught:
        network.network_interfaces.begin_delete(RG, "node1-nic").result()
    assert caught.value.status_code == 400
    assert caught.value.error is not None and caught.value.error.code == "NicReservedForAnotherVm"
    assert caught.value.response is not None and "Retry-After" not in caught.value.response.headers
    assert "180 seconds" in caught.value.error.message
    facade.sim.advance(181)
    network.network_interfaces.begin_delete(RG, "node1-nic").result()
    with pytest.raises(ResourceNotFoundError):
        network.network_interfaces.get(RG, "node1-nic")


def test_a_public_ip_in_use_cannot_be_deleted(facade: Facade) -> None:
    facade.nic("holder", public_ip=True)
    with pytest.raises(HttpResponseError) as caught:
        facade.network().public_ip_addresses.begin_delete(RG, "holder-ip").result()
    assert caught.value.error is not None and caught.value.error.code == "PublicIPAddressCannotBeDeleted"


def test_basic_public_ips_are_refused_as_retired(facade: Facade) -> None:
    with pytest.raises(HttpResponseError) as caught:
        facade.network().public_ip_addresses.begin_create_or_update(
            RG, "old", {"location": "eastus", "sku": {"name": "Basic"}}
        )
    assert caught.value.error is not None and caught.value.error.target == "sku.name"


def test_backend_health_reports_a_running_vm_in_the_pool_as_healthy(facade: Facade) -> None:
    network = facade.network()
    nic = network.network_interfaces.begin_create_or_update(
        RG,
        "web-nic",
        {
            "location": "eastus",
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {
                            "subnet": {"id": facade.world.subnet_ids["default"]},
                            "applicationGatewayBackendAddressPools": [{"id": facade.world.pool_id}],
                        },
                    }
                ]
            },
        },
    ).result()
    facade.compute().virtual_machines.begin_create_or_update(RG, "web", facade.vm_body(nic.id)).result()
    gateway = network.application_gateways.get(RG, "sk-appgw")
    assert [p.name for p in gateway.backend_address_pools] == ["sk-pool"]
    health = network.application_gateways.begin_backend_health(RG, "sk-appgw").result()
    servers = health.backend_address_pools[0].backend_http_settings_collection[0].servers
    assert [(s.address, s.health) for s in servers] == [
        (nic.ip_configurations[0].private_ip_address, "Healthy")
    ]


def test_security_groups_are_created_and_listed(facade: Facade) -> None:
    network = facade.network()
    network.network_security_groups.begin_create_or_update(RG, "nsg2", {"location": "eastus"}).result()
    network.application_security_groups.begin_create_or_update(RG, "asg2", {"location": "eastus"}).result()
    assert sorted(n.name for n in network.network_security_groups.list(RG)) == ["nsg2", "sk-nsg"]
    assert sorted(a.name for a in network.application_security_groups.list_all()) == ["asg2", "sk-asg"]


def test_load_balancers_of_the_world_are_listed_with_their_pools(facade: Facade) -> None:
    network = facade.network()
    balancers = {lb.name: lb for lb in network.load_balancers.list(RG)}
    assert "sk-lb" in balancers
    assert [p.name for p in balancers["sk-lb"].backend_address_pools] == ["sk-lb-pool"]
    assert network.load_balancers.get(RG, "sk-lb").sku.name == "Standard"
    with pytest.raises(ResourceNotFoundError):
        network.load_balancers.get(RG, "no-such-lb")

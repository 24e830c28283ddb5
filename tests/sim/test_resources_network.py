"""Network rules of the simulated Azure: private IP allocation, public IPs, NIC reservation."""

from __future__ import annotations

import pytest

from spotkeeper.sim import ArmError, SimAzure
from tests.sim.conftest import RG, Builder


def test_dynamic_addresses_start_after_the_four_azure_reserves(build: Builder) -> None:
    first = build.nic("a")
    second = build.nic("b")
    assert (first.private_ip, second.private_ip) == ("10.0.0.4", "10.0.0.5")


def test_dynamic_allocation_takes_the_lowest_free_address(sim: SimAzure, build: Builder) -> None:
    build.nic("a")
    build.nic("b")
    build.nic("c")
    sim.network.delete_nic(RG, "b")
    assert build.nic("d").private_ip == "10.0.0.5"


def test_static_address_inside_the_subnet_is_honoured_and_skipped_by_dynamic(build: Builder) -> None:
    assert build.nic("pinned", private_ip="10.0.0.4").private_ip == "10.0.0.4"
    assert build.nic("next").private_ip == "10.0.0.5"


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("10.0.0.1", "PrivateIPAddressInReservedRange"),
        ("10.0.0.3", "PrivateIPAddressInReservedRange"),
        ("10.0.0.255", "PrivateIPAddressInReservedRange"),
        ("10.0.1.10", "PrivateIPAddressNotInSubnet"),
        ("10.0.0.300", "InvalidPrivateIPAddressFormat"),
    ],
)
def test_static_address_outside_the_usable_range_is_refused(build: Builder, address: str, code: str) -> None:
    with pytest.raises(ArmError) as raised:
        build.nic("bad", private_ip=address)
    assert (raised.value.status, raised.value.code) == (400, code)


def test_static_address_already_taken_is_refused(build: Builder) -> None:
    build.nic("first", private_ip="10.0.0.10")
    with pytest.raises(ArmError) as raised:
        build.nic("second", private_ip="10.0.0.10")
    assert raised.value.code == "PrivateIPAddressInUse"


def test_updating_a_nic_keeps_its_address(build: Builder) -> None:
    before = build.nic("a")
    build.nic("b")
    after = build.nic("a", public_ip=True)
    assert after.private_ip == before.private_ip == "10.0.0.4"
    assert after.public_ip_id is not None


def test_last_usable_address_is_the_one_before_broadcast(sim: SimAzure, build: Builder) -> None:
    sim.network.create_or_update_vnet(
        RG, "tiny", location="eastus", address_space=["10.9.0.0/29"], subnets={"s": "10.9.0.0/29"}
    )
    subnet = sim.network.get_vnet(RG, "tiny").subnets["s"].id
    addresses = [
        sim.network.create_or_update_nic(RG, f"t{i}", location="eastus", subnet_id=subnet).private_ip
        for i in range(3)
    ]
    assert addresses == ["10.9.0.4", "10.9.0.5", "10.9.0.6"]
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_nic(RG, "t3", location="eastus", subnet_id=subnet)
    assert raised.value.code == "SubnetIsFull"


def test_standard_public_ip_keeps_its_address_when_ensured_again(sim: SimAzure) -> None:
    first = sim.network.create_or_update_public_ip(RG, "ip", location="eastus", tags={"a": "1"})
    again = sim.network.create_or_update_public_ip(RG, "ip", location="eastus", tags={"a": "2"})
    assert again.address == first.address
    assert again.address.startswith("198.18.")
    assert again.tags == {"a": "2"}


def test_basic_public_ip_is_refused_because_azure_retired_it(sim: SimAzure) -> None:
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_public_ip(RG, "old", location="eastus", sku="Basic")
    assert raised.value.status == 400
    assert "retired" in raised.value.message


def test_public_ip_used_by_a_nic_cannot_be_deleted_or_shared(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("a", public_ip=True)
    assert nic.public_ip_id is not None
    with pytest.raises(ArmError) as raised:
        sim.network.delete_public_ip(RG, "a-ip")
    assert raised.value.code == "PublicIPAddressCannotBeDeleted"
    with pytest.raises(ArmError) as shared:
        sim.network.create_or_update_nic(
            RG,
            "b",
            location="eastus",
            subnet_id=build.world.subnet_ids["default"],
            public_ip_id=nic.public_ip_id,
        )
    assert shared.value.code == "PublicIPAddressInUse"


def test_nic_of_a_deleted_vm_is_reserved_for_180_seconds(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    sim.compute.delete_vm(RG, "n1")
    sim.advance(60)
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(
            RG, "n2", build.request("n2", nic_ids=[sim.network.get_nic(RG, "n1-nic").id])
        )
    assert raised.value.code == "NicReservedForAnotherVm"
    assert raised.value.retry_after == 120.0
    with pytest.raises(ArmError) as delete:
        sim.network.delete_nic(RG, "n1-nic")
    assert delete.value.code == "NicReservedForAnotherVm"
    sim.advance(120)
    vm = sim.compute.create_or_update_vm(
        RG, "n2", build.request("n2", nic_ids=[sim.network.get_nic(RG, "n1-nic").id])
    )
    assert vm.power_state == "running"


def test_nic_attached_to_a_vm_cannot_be_deleted(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    with pytest.raises(ArmError) as raised:
        sim.network.delete_nic(RG, "n1-nic")
    assert (raised.value.status, raised.value.code) == (400, "NicInUse")


def test_deleting_a_nic_frees_its_address_and_its_public_ip(sim: SimAzure, build: Builder) -> None:
    build.nic("a", public_ip=True)
    sim.network.delete_nic(RG, "a")
    assert sim.network.get_public_ip(RG, "a-ip").nic_id is None
    assert build.nic("b").private_ip == "10.0.0.4"
    sim.network.delete_nic(RG, "a")  # gone already: success


def test_subnet_with_addresses_in_use_cannot_be_removed(sim: SimAzure, build: Builder) -> None:
    build.nic("a")
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_vnet(
            RG,
            "sk-vnet",
            location="eastus",
            address_space=["10.0.0.0/16"],
            subnets={"backend": "10.0.1.0/24"},
        )
    assert raised.value.code == "InUseSubnetCannotBeUpdated"


def test_subnet_outside_the_address_space_is_refused(sim: SimAzure) -> None:
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_vnet(
            RG, "v", location="eastus", address_space=["10.1.0.0/16"], subnets={"s": "10.2.0.0/24"}
        )
    assert raised.value.code == "NetcfgSubnetRangeOutsideVnet"


def test_creating_in_a_missing_resource_group_is_not_found(sim: SimAzure) -> None:
    with pytest.raises(ArmError) as raised:
        sim.network.create_or_update_public_ip("nope", "ip", location="eastus")
    assert (raised.value.status, raised.value.code) == (404, "ResourceGroupNotFound")

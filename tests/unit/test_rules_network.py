"""Network: a virtual network, at least one NIC with exactly one primary, Standard public IPs
(Basic was retired), valid static IPv4 pools, unique IP configuration names, and no more NICs
than the sizes take."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, with_path, without_path
from tests.unit.rules_support import assert_no_problem, assert_problem

NETWORK = "compute.launchSpecification.network"
NICS = f"{NETWORK}.networkInterfaces"


def nic(**fields: Any) -> dict[str, Any]:
    return {"isPrimary": False, "subnetName": "backend", **fields}


@pytest.mark.parametrize(
    "path", [NETWORK, f"{NETWORK}.virtualNetworkName", f"{NETWORK}.resourceGroupName", NICS]
)
def test_the_network_and_its_keys_are_required(path: str) -> None:
    assert_problem(without_path(valid_node(), path), "REQUIRED", path)


def test_at_least_one_network_interface_is_required() -> None:
    assert_problem(with_path(valid_node(), NICS, []), "NETWORK_INTERFACE_REQUIRED", NICS)


def test_no_primary_interface_is_an_error() -> None:
    raw = with_path(valid_node(), f"{NICS}[0].isPrimary", False)
    assert_problem(raw, "PRIMARY_INTERFACE_COUNT", NICS)


def test_two_primary_interfaces_are_an_error() -> None:
    raw = with_path(valid_node(), f"{NICS}[1]", nic(isPrimary=True))
    problem = assert_problem(raw, "PRIMARY_INTERFACE_COUNT", NICS)
    assert "[0], [1]" in problem.message


def test_one_primary_among_several_passes() -> None:
    raw = with_path(valid_node(), f"{NICS}[1]", nic())
    assert_no_problem(raw, "PRIMARY_INTERFACE_COUNT")


def test_a_blank_subnet_name_is_an_error() -> None:
    assert_problem(with_path(valid_node(), f"{NICS}[0].subnetName", " "), "REQUIRED", f"{NICS}[0].subnetName")


def test_a_missing_subnet_name_is_refused_by_the_parser() -> None:
    assert_problem(without_path(valid_node(), f"{NICS}[0].subnetName"), "REQUIRED", f"{NICS}[0].subnetName")


def test_a_public_ip_needs_a_sku() -> None:
    raw = without_path(valid_node(), f"{NICS}[0].publicIpSku")
    assert_problem(raw, "PUBLIC_IP_SKU_REQUIRED", f"{NICS}[0].publicIpSku")


def test_no_public_ip_needs_no_sku() -> None:
    raw = without_path(with_path(valid_node(), f"{NICS}[0].assignPublicIp", False), f"{NICS}[0].publicIpSku")
    assert_no_problem(raw, "PUBLIC_IP_SKU_REQUIRED")


def test_a_basic_public_ip_is_refused_because_azure_retired_it() -> None:
    raw = with_path(valid_node(), f"{NICS}[0].publicIpSku", "Basic")
    problem = assert_problem(raw, "PUBLIC_IP_SKU_RETIRED", f"{NICS}[0].publicIpSku")
    assert "30 September 2025" in problem.message
    assert "Standard" in problem.message


def test_a_standard_public_ip_passes() -> None:
    assert_no_problem(valid_node(), "PUBLIC_IP_SKU_RETIRED")


@pytest.mark.parametrize("address", ["10.0.0.256", "10.0.0", "fd00::10", "host.local"])
def test_a_static_private_ip_must_be_ipv4(address: str) -> None:
    raw = with_path(valid_node(), f"{NICS}[0].privateIpAddresses", ["10.0.0.10", address])
    assert_problem(raw, "INVALID_IP_ADDRESS", f"{NICS}[0].privateIpAddresses[1]")


def test_a_private_ip_listed_twice_is_an_error() -> None:
    raw = with_path(valid_node(), f"{NICS}[0].privateIpAddresses", ["10.0.0.10", "10.0.0.10"])
    assert_problem(raw, "DUPLICATE_IP_ADDRESS", f"{NICS}[0].privateIpAddresses[1]")


def test_a_private_ip_in_two_interfaces_pools_is_an_error() -> None:
    raw = with_path(valid_node(), f"{NICS}[0].privateIpAddresses", ["10.0.0.10"])
    raw = with_path(raw, f"{NICS}[1]", nic(privateIpAddresses=["10.0.1.5", "10.0.0.10"]))
    assert_problem(raw, "DUPLICATE_IP_ADDRESS", f"{NICS}[1].privateIpAddresses[1]")


def test_distinct_ipv4_pools_pass() -> None:
    raw = with_path(valid_node(), f"{NICS}[0].privateIpAddresses", ["10.0.0.10", "10.0.0.11"])
    raw = with_path(raw, f"{NICS}[1]", nic(privateIpAddresses=["10.0.1.5"]))
    assert_no_problem(raw, "INVALID_IP_ADDRESS")
    assert_no_problem(raw, "DUPLICATE_IP_ADDRESS")


def test_additional_ip_configuration_names_are_unique_per_interface() -> None:
    configs = [{"name": "ipconfig2"}, {"name": "IPConfig2", "privateIpAddressVersion": "IPv6"}]
    raw = with_path(valid_node(), f"{NICS}[0].additionalIpConfigurations", configs)
    assert_problem(raw, "DUPLICATE_IP_CONFIGURATION_NAME", f"{NICS}[0].additionalIpConfigurations[1].name")


def test_an_additional_ip_configuration_needs_a_name() -> None:
    raw = with_path(
        valid_node(), f"{NICS}[0].additionalIpConfigurations", [{"privateIpAddressVersion": "IPv4"}]
    )
    assert_problem(raw, "REQUIRED", f"{NICS}[0].additionalIpConfigurations[0].name")


def test_distinct_additional_ip_configurations_pass() -> None:
    configs = [{"name": "ipconfig2"}, {"name": "ipconfig3", "privateIpAddressVersion": "IPv6"}]
    raw = with_path(valid_node(), f"{NICS}[0].additionalIpConfigurations", configs)
    assert_no_problem(raw, "DUPLICATE_IP_CONFIGURATION_NAME")


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("networkSecurityGroup", {"name": "nsg1"}, "networkSecurityGroup.resourceGroupName"),
        ("publicIps", [{"resourceGroupName": "rg"}], "publicIps[0].name"),
        (
            "applicationSecurityGroups",
            [{"name": "asg1", "resourceGroupName": ""}],
            "applicationSecurityGroups[0].resourceGroupName",
        ),
    ],
)
def test_referenced_network_resources_need_name_and_resource_group(key: str, value: Any, field: str) -> None:
    raw = with_path(valid_node(), f"{NICS}[0].{key}", value)
    assert_problem(raw, "REQUIRED", f"{NICS}[0].{field}")


def test_more_interfaces_than_a_size_takes_is_an_error_naming_the_size() -> None:
    raw = valid_node()
    for index in (1, 2):
        raw = with_path(raw, f"{NICS}[{index}]", nic(subnetName=f"backend{index}"))
    problem = assert_problem(raw, "NICS_EXCEED_SIZE_LIMIT", NICS)
    assert "Standard_D2s_v5 takes at most 2" in problem.message


def test_as_many_interfaces_as_the_sizes_take_pass() -> None:
    raw = with_path(valid_node(), f"{NICS}[1]", nic())
    assert_no_problem(raw, "NICS_EXCEED_SIZE_LIMIT")

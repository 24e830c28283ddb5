"""VM sizes: at least one on-demand and one Spot size, every size known, offered and able to run
the image and security type, preferred sizes among the Spot sizes, attribute ranges that select
something, and a node that fits every size it names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, windows_node, with_path, without_path
from tests.unit.rules_support import assert_no_problem, assert_problem, report_for

SIZES = "compute.vmSizes"
LAUNCH = "compute.launchSpecification"


def attribute_node(**attributes: Any) -> dict[str, Any]:
    raw = with_path(valid_node(), f"{SIZES}.spotSizeAttributes", attributes or {"minCpu": 2, "maxCpu": 4})
    raw = without_path(raw, f"{SIZES}.spotSizes")
    return without_path(raw, f"{SIZES}.preferredSpotSizes")


def test_at_least_one_on_demand_size_is_required() -> None:
    assert_problem(with_path(valid_node(), f"{SIZES}.odSizes", []), "OD_SIZE_REQUIRED", f"{SIZES}.odSizes")


def test_a_missing_on_demand_list_is_reported_the_same_way() -> None:
    assert_problem(without_path(valid_node(), f"{SIZES}.odSizes"), "OD_SIZE_REQUIRED", f"{SIZES}.odSizes")


def test_spot_sizes_or_attributes_are_required() -> None:
    raw = without_path(with_path(valid_node(), f"{SIZES}.spotSizes", []), f"{SIZES}.preferredSpotSizes")
    assert_problem(raw, "SPOT_SIZE_REQUIRED", f"{SIZES}.spotSizes")


def test_spot_size_attributes_instead_of_a_list_pass() -> None:
    assert_no_problem(attribute_node(), "SPOT_SIZE_REQUIRED")


def test_a_list_and_attributes_together_are_an_error() -> None:
    raw = with_path(valid_node(), f"{SIZES}.spotSizeAttributes", {"minCpu": 2})
    assert_problem(raw, "SPOT_SIZES_AND_ATTRIBUTES", f"{SIZES}.spotSizeAttributes")


def test_a_size_listed_twice_warns() -> None:
    raw = with_path(valid_node(), f"{SIZES}.spotSizes", ["standard_d2s_v5", "Standard_D2s_v5"])
    assert_problem(raw, "DUPLICATE_VM_SIZE", f"{SIZES}.spotSizes[1]", severity="warning")


def test_an_unknown_size_is_reported_at_its_index_with_a_suggestion() -> None:
    raw = with_path(valid_node(), f"{SIZES}.spotSizes", ["standard_d2s_v5", "standard_d4s_v55"])
    problem = assert_problem(raw, "UNKNOWN_VM_SIZE", f"{SIZES}.spotSizes[1]")
    assert "standard_d4s_v5" in problem.message


def test_known_sizes_pass() -> None:
    assert_no_problem(valid_node(), "UNKNOWN_VM_SIZE")


def test_an_arm64_size_with_an_x64_image_is_unsupported_with_the_catalogs_reason() -> None:
    raw = with_path(valid_node(), f"{SIZES}.spotSizes", ["standard_d2s_v5", "standard_d2ps_v5"])
    problem = assert_problem(raw, "SIZE_NOT_SUPPORTED", f"{SIZES}.spotSizes[1]")
    assert "Arm64" in problem.message


def test_an_arm64_size_with_an_arm64_image_passes() -> None:
    raw = with_path(
        valid_node(),
        f"{LAUNCH}.image.marketplace",
        {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-arm64"},
    )
    raw = with_path(raw, f"{SIZES}.spotSizes", ["standard_d2ps_v5"])
    raw = with_path(raw, f"{SIZES}.preferredSpotSizes", ["standard_d2ps_v5"])
    raw = with_path(raw, f"{SIZES}.odSizes", ["standard_d4ps_v5"])
    assert_no_problem(raw, "SIZE_NOT_SUPPORTED")


def test_a_size_not_offered_in_the_region_is_unsupported() -> None:
    raw = with_path(valid_node(region="westus2"), f"{SIZES}.odSizes", ["standard_dc2as_v5"])
    problem = assert_problem(raw, "SIZE_NOT_SUPPORTED", f"{SIZES}.odSizes[0]")
    assert "westus2" in problem.message


def test_a_size_without_a_spot_offer_cannot_be_a_spot_size() -> None:
    raw = with_path(valid_node(), f"{SIZES}.spotSizes", ["standard_d2s_v5", "standard_b2ms"])
    assert_problem(raw, "SIZE_NOT_SPOT_CAPABLE", f"{SIZES}.spotSizes[1]")


def test_a_size_without_a_spot_offer_can_be_an_on_demand_size() -> None:
    raw = with_path(valid_node(), f"{SIZES}.odSizes", ["standard_b2ms"])
    assert_no_problem(raw, "SIZE_NOT_SPOT_CAPABLE")


def test_a_windows_node_sizes_are_checked_for_windows() -> None:
    raw = with_path(windows_node(), f"{SIZES}.odSizes", ["standard_d2ps_v5"])
    problem = assert_problem(raw, "SIZE_NOT_SUPPORTED", f"{SIZES}.odSizes[0]")
    assert "Windows" in problem.message


# ----------------------------------------------------------------------------- preferred, excluded


def test_a_preferred_spot_size_must_be_a_spot_size() -> None:
    raw = with_path(valid_node(), f"{SIZES}.preferredSpotSizes", ["standard_d2s_v5", "standard_d8s_v5"])
    assert_problem(raw, "PREFERRED_SIZE_NOT_IN_SPOT_SIZES", f"{SIZES}.preferredSpotSizes[1]")


def test_preferred_sizes_compare_without_case() -> None:
    raw = with_path(valid_node(), f"{SIZES}.preferredSpotSizes", ["Standard_D4s_v5"])
    assert_no_problem(raw, "PREFERRED_SIZE_NOT_IN_SPOT_SIZES")


def test_with_attributes_a_preferred_size_must_be_among_the_selected_sizes() -> None:
    raw = with_path(attribute_node(minCpu=2, maxCpu=2), f"{SIZES}.preferredSpotSizes", ["standard_d8s_v5"])
    assert_problem(raw, "PREFERRED_SIZE_NOT_IN_SPOT_SIZES", f"{SIZES}.preferredSpotSizes[0]")


def test_with_attributes_a_selected_preferred_size_passes() -> None:
    raw = with_path(attribute_node(minCpu=2, maxCpu=4), f"{SIZES}.preferredSpotSizes", ["standard_d4s_v5"])
    assert_no_problem(raw, "PREFERRED_SIZE_NOT_IN_SPOT_SIZES")


def test_an_unknown_excluded_size_is_an_error() -> None:
    raw = with_path(attribute_node(), f"{SIZES}.excludedVmSizes", ["standard_d2s_v5", "standard_x1"])
    assert_problem(raw, "UNKNOWN_VM_SIZE", f"{SIZES}.excludedVmSizes[1]")


def test_an_excluded_size_that_is_also_listed_warns() -> None:
    raw = with_path(valid_node(), f"{SIZES}.excludedVmSizes", ["standard_d4s_v5"])
    assert_problem(raw, "EXCLUDED_SIZE_LISTED", f"{SIZES}.excludedVmSizes[0]", severity="warning")


def test_known_excluded_sizes_pass() -> None:
    raw = with_path(attribute_node(), f"{SIZES}.excludedVmSizes", ["standard_d2s_v5"])
    assert_no_problem(raw, "UNKNOWN_VM_SIZE")
    assert_no_problem(raw, "EXCLUDED_SIZE_LISTED")


# ----------------------------------------------------------------------------- attributes


def test_a_negative_attribute_is_out_of_range() -> None:
    assert_problem(attribute_node(minCpu=-1), "OUT_OF_RANGE", f"{SIZES}.spotSizeAttributes.minCpu")


def test_a_minimum_above_its_maximum_is_an_error() -> None:
    raw = attribute_node(minMemory=64, maxMemory=16)
    assert_problem(raw, "SIZE_ATTRIBUTES_RANGE", f"{SIZES}.spotSizeAttributes.minMemory")


def test_the_problem_uses_the_spelling_the_client_sent() -> None:
    raw = attribute_node(minStorage=100, MaxStorage=10)
    assert_problem(raw, "SIZE_ATTRIBUTES_RANGE", f"{SIZES}.spotSizeAttributes.minStorage")


def test_attributes_that_select_no_size_are_an_error() -> None:
    raw = attribute_node(minCpu=500)
    assert_problem(raw, "SIZE_ATTRIBUTES_SELECT_NOTHING", f"{SIZES}.spotSizeAttributes")


def test_attributes_select_nothing_when_no_matching_size_fits_the_disks() -> None:
    raw = attribute_node(minCpu=2, maxCpu=2)  # the 2-vCPU sizes take at most 8 data disks
    disks = [{"lun": lun, "sizeGB": 32, "type": "Premium_LRS"} for lun in range(9)]
    raw = with_path(raw, f"{SIZES}.odSizes", ["standard_d16s_v5"])
    raw = with_path(raw, f"{LAUNCH}.dataDisks", disks)
    assert_problem(raw, "SIZE_ATTRIBUTES_SELECT_NOTHING", f"{SIZES}.spotSizeAttributes")


def test_ordered_attributes_that_select_sizes_pass() -> None:
    report = report_for(attribute_node(minCpu=2, maxCpu=8, minMemory=4, maxMemory=64))
    assert report.valid, [str(p) for p in report.errors]


# ----------------------------------------------------------------------------- fit


@pytest.mark.parametrize("count", [5, 9])
def test_more_data_disks_than_a_size_takes_is_an_error_naming_the_size(count: int) -> None:
    disks = [{"lun": lun, "sizeGB": 32, "type": "Premium_LRS"} for lun in range(count)]
    raw = with_path(valid_node(), f"{LAUNCH}.dataDisks", disks)
    problem = assert_problem(raw, "DATA_DISKS_EXCEED_SIZE_LIMIT", f"{LAUNCH}.dataDisks")
    assert "Standard_D2s_v5 takes at most 4" in problem.message
    assert ("Standard_D4s_v5" in problem.message) is (count > 8)


def test_as_many_data_disks_as_the_smallest_size_takes_pass() -> None:
    disks = [{"lun": lun, "sizeGB": 32, "type": "Premium_LRS"} for lun in range(4)]
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.dataDisks", disks), "DATA_DISKS_EXCEED_SIZE_LIMIT")


def test_a_premium_disk_on_a_size_without_premium_storage_is_an_error_naming_the_size() -> None:
    raw = with_path(valid_node(), f"{SIZES}.odSizes", ["standard_d2_v5"])
    problem = assert_problem(raw, "PREMIUM_DISK_NEEDS_PREMIUM_SIZE", f"{LAUNCH}.dataDisks[0].type")
    assert "Standard_D2_v5" in problem.message
    assert_problem(raw, "PREMIUM_DISK_NEEDS_PREMIUM_SIZE", f"{LAUNCH}.osDisk.type")


def test_standard_disks_on_a_size_without_premium_storage_pass() -> None:
    raw = with_path(valid_node(), f"{SIZES}.odSizes", ["standard_d2_v5"])
    raw = with_path(raw, f"{LAUNCH}.osDisk.type", "StandardSSD_LRS")
    raw = with_path(raw, f"{LAUNCH}.dataDisks[0].type", "Standard_LRS")
    assert_no_problem(raw, "PREMIUM_DISK_NEEDS_PREMIUM_SIZE")


def test_broken_attributes_are_not_also_blamed_on_the_preferred_sizes() -> None:
    raw = with_path(attribute_node(minCpu=8, maxCpu=2), f"{SIZES}.preferredSpotSizes", ["standard_d4s_v5"])
    assert_problem(raw, "SIZE_ATTRIBUTES_RANGE", f"{SIZES}.spotSizeAttributes.minCpu")
    codes = {p.code for p in report_for(raw).errors}
    assert "PREFERRED_SIZE_NOT_IN_SPOT_SIZES" not in codes

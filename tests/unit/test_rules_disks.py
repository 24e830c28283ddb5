"""Disks: OS disk type and size (not below the image), data disk LUNs and sizes, caching and
zonal requirements of Ultra and Premium SSD v2 disks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, windows_node, with_path, without_path
from tests.unit.rules_support import assert_no_problem, assert_problem

LAUNCH = "compute.launchSpecification"
DISKS = f"{LAUNCH}.dataDisks"


def disk(lun: int, **fields: Any) -> dict[str, Any]:
    return {"lun": lun, "sizeGB": 64, "type": "Premium_LRS", **fields}


def test_an_os_disk_needs_a_type() -> None:
    assert_problem(without_path(valid_node(), f"{LAUNCH}.osDisk.type"), "REQUIRED", f"{LAUNCH}.osDisk.type")


@pytest.mark.parametrize("size", [0, 1024])
def test_an_os_disk_is_1_to_1023_gib(size: int) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.osDisk.sizeGB", size)
    assert_problem(raw, "OUT_OF_RANGE", f"{LAUNCH}.osDisk.sizeGB")


def test_a_linux_os_disk_smaller_than_30_gib_is_refused() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.osDisk.sizeGB", 29)
    assert_problem(raw, "OS_DISK_SMALLER_THAN_IMAGE", f"{LAUNCH}.osDisk.sizeGB")


def test_a_30_gib_linux_os_disk_passes() -> None:
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.osDisk.sizeGB", 30), "OS_DISK_SMALLER_THAN_IMAGE")


def test_a_windows_os_disk_smaller_than_127_gib_is_refused() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.osDisk.sizeGB", 64)
    problem = assert_problem(raw, "OS_DISK_SMALLER_THAN_IMAGE", f"{LAUNCH}.osDisk.sizeGB")
    assert "127" in problem.message


def test_an_os_disk_without_a_size_uses_the_image_size() -> None:
    assert_no_problem(without_path(valid_node(), f"{LAUNCH}.osDisk.sizeGB"), "OS_DISK_SMALLER_THAN_IMAGE")


def test_a_small_os_disk_is_not_judged_for_a_custom_image() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.image", {"custom": {"resourceGroupName": "rg", "name": "tiny"}})
    assert_no_problem(with_path(raw, f"{LAUNCH}.osDisk.sizeGB", 8), "OS_DISK_SMALLER_THAN_IMAGE")


def test_an_os_disk_of_a_data_only_type_is_refused_by_the_parser() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.osDisk.type", "UltraSSD_LRS")
    assert_problem(raw, "INVALID_VALUE", f"{LAUNCH}.osDisk.type")


@pytest.mark.parametrize("lun", [-1, 64])
def test_a_lun_is_0_to_63(lun: int) -> None:
    assert_problem(with_path(valid_node(), DISKS, [disk(lun)]), "OUT_OF_RANGE", f"{DISKS}[0].lun")


def test_luns_are_unique() -> None:
    assert_problem(
        with_path(valid_node(), DISKS, [disk(0), disk(1), disk(0)]), "DUPLICATE_LUN", f"{DISKS}[2].lun"
    )


def test_distinct_luns_within_range_pass() -> None:
    raw = with_path(valid_node(), DISKS, [disk(0), disk(63)])
    assert_no_problem(raw, "DUPLICATE_LUN")
    assert_no_problem(raw, "OUT_OF_RANGE")


@pytest.mark.parametrize("size", [0, 1024])
def test_a_data_disk_is_1_to_1023_gib(size: int) -> None:
    raw = with_path(valid_node(), DISKS, [disk(0, sizeGB=size)])
    assert_problem(raw, "OUT_OF_RANGE", f"{DISKS}[0].sizeGB")


@pytest.mark.parametrize("kind", ["UltraSSD_LRS", "PremiumV2_LRS"])
def test_ultra_and_premium_v2_disks_take_no_host_caching(kind: str) -> None:
    raw = with_path(valid_node(), DISKS, [disk(0, type=kind, caching="ReadOnly")])
    assert_problem(raw, "DISK_CACHING_UNSUPPORTED", f"{DISKS}[0].caching")


@pytest.mark.parametrize("caching", ["None", None])
def test_premium_v2_without_caching_passes(caching: str | None) -> None:
    raw = with_path(valid_node(), DISKS, [disk(0, type="PremiumV2_LRS", caching=caching)])
    assert_no_problem(raw, "DISK_CACHING_UNSUPPORTED")


def test_premium_v2_needs_zones() -> None:
    raw = without_path(without_path(valid_node(), "compute.zones"), "compute.preferredZone")
    raw = with_path(raw, DISKS, [disk(0, type="PremiumV2_LRS")])
    assert_problem(raw, "DISK_TYPE_NEEDS_ZONES", f"{DISKS}[0].type")


def test_premium_v2_with_zones_passes() -> None:
    assert_no_problem(
        with_path(valid_node(), DISKS, [disk(0, type="PremiumV2_LRS")]), "DISK_TYPE_NEEDS_ZONES"
    )


def test_an_ultra_disk_without_zones_warns() -> None:
    raw = without_path(without_path(valid_node(), "compute.zones"), "compute.preferredZone")
    raw = with_path(raw, DISKS, [disk(0, type="UltraSSD_LRS")])
    assert_problem(raw, "ULTRA_DISK_WITHOUT_ZONES", f"{DISKS}[0].type", severity="warning")


def test_a_data_disk_missing_its_type_is_refused_by_the_parser() -> None:
    assert_problem(with_path(valid_node(), DISKS, [{"lun": 0, "sizeGB": 10}]), "REQUIRED", f"{DISKS}[0].type")

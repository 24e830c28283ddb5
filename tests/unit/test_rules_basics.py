"""Basics: what a create needs, the region and zones, and the VM name."""

from __future__ import annotations

from typing import Any

import pytest

from spotkeeper.spec.models import parse_node
from spotkeeper.spec.rules import CREATE_REQUIRED, required_problems, validate_for_create, validate_node
from tests.factories import minimal_node, valid_node, windows_node, with_path, without_path
from tests.unit.rules_support import (
    Document,
    assert_no_problem,
    assert_problem,
    edited_catalog,
    report_for,
)

LAUNCH = "compute.launchSpecification"


@pytest.mark.parametrize("build", [valid_node, minimal_node, windows_node])
def test_the_factory_nodes_are_valid(build: Any) -> None:
    report = report_for(build())
    assert report.valid, [str(p) for p in report.errors]


def test_validate_for_create_is_validate_node() -> None:
    assert validate_for_create is validate_node


def test_the_default_catalog_is_the_shipped_one() -> None:
    assert validate_node(minimal_node()).valid


@pytest.mark.parametrize("path", CREATE_REQUIRED)
def test_each_key_a_create_needs_is_reported_when_missing(path: str) -> None:
    assert_problem(without_path(valid_node(), path), "REQUIRED", path)


def test_a_blank_name_counts_as_missing() -> None:
    assert_problem(valid_node(name="   "), "REQUIRED", "name")


def test_a_missing_section_is_reported_once_not_for_every_key_inside_it() -> None:
    report = report_for(without_path(valid_node(), "compute"))
    required = [p.field for p in report.errors if p.code == "REQUIRED"]
    assert required == ["compute"]


def test_required_problems_of_a_complete_node_is_empty() -> None:
    assert required_problems(parse_node(minimal_node())) == []


def test_required_problems_lists_every_missing_top_level_key() -> None:
    node = parse_node({"name": "x"})
    fields = [p.field for p in required_problems(node)]
    assert fields == ["region", "resourceGroupName", "strategy", "compute", "persistence"]


def test_a_node_that_does_not_parse_gets_only_the_parser_problems() -> None:
    raw = with_path(valid_node(), "compute.launchSpecification.colour", "blue")
    raw["name"] = ""  # a rule problem that must not be reported alongside
    report = report_for(raw)
    assert [(p.code, p.field) for p in report.errors] == [("UNKNOWN_FIELD", f"{LAUNCH}.colour")]


def test_all_problems_are_reported_at_once() -> None:
    raw = with_path(valid_node(name=""), "region", "mars-1")
    raw = with_path(raw, "strategy.availabilityVsCost", 101)
    codes = {p.code for p in report_for(raw).errors}
    assert {"REQUIRED", "UNKNOWN_REGION", "OUT_OF_RANGE"} <= codes


# ----------------------------------------------------------------------------- region and zones


def test_an_unknown_region_is_an_error() -> None:
    problem = assert_problem(valid_node(region="mars-1"), "UNKNOWN_REGION", "region")
    assert "eastus" in problem.message


def test_a_known_region_passes() -> None:
    assert_no_problem(valid_node(region="westus2"), "UNKNOWN_REGION")


def test_a_zone_listed_twice_is_an_error() -> None:
    raw = with_path(valid_node(), "compute.zones", ["1", "2", "1"])
    assert_problem(raw, "DUPLICATE_ZONE", "compute.zones[2]")


def test_unique_zones_pass() -> None:
    assert_no_problem(with_path(valid_node(), "compute.zones", ["1", "2", "3"]), "DUPLICATE_ZONE")


def _two_zone_eastus(sizes: Document, regions: Document, images: Document) -> None:
    for region in regions["regions"]:
        if region["name"] == "eastus":
            region["zones"] = ["1", "2"]


def test_a_zone_the_region_lacks_is_an_error() -> None:
    catalog = edited_catalog(_two_zone_eastus)
    raw = with_path(valid_node(), "compute.zones", ["1", "3"])
    problem = assert_problem(raw, "ZONE_NOT_IN_REGION", "compute.zones[1]", catalog=catalog)
    assert "1, 2" in problem.message


def test_zones_the_region_has_pass() -> None:
    assert_no_problem(valid_node(), "ZONE_NOT_IN_REGION", catalog=edited_catalog(_two_zone_eastus))


def test_a_preferred_zone_needs_zones() -> None:
    raw = without_path(valid_node(), "compute.zones")
    assert_problem(raw, "PREFERRED_ZONE_WITHOUT_ZONES", "compute.preferredZone")


def test_a_preferred_zone_must_be_one_of_the_zones() -> None:
    raw = with_path(valid_node(), "compute.preferredZone", "3")
    assert_problem(raw, "PREFERRED_ZONE_NOT_IN_ZONES", "compute.preferredZone")


def test_a_preferred_zone_among_the_zones_passes() -> None:
    assert_no_problem(with_path(valid_node(), "compute.preferredZone", "2"), "PREFERRED_ZONE_NOT_IN_ZONES")


def test_a_regional_node_without_preferred_zone_passes() -> None:
    raw = without_path(without_path(valid_node(), "compute.zones"), "compute.preferredZone")
    assert_no_problem(raw, "PREFERRED_ZONE_WITHOUT_ZONES")


# ----------------------------------------------------------------------------- VM name


def test_vm_name_and_prefix_together_are_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.vmName", "db-01")
    raw = with_path(raw, f"{LAUNCH}.vmNamePrefix", "db")
    assert_problem(raw, "VM_NAME_AND_PREFIX", f"{LAUNCH}.vmNamePrefix")


def test_vm_name_alone_passes() -> None:
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.vmName", "db-01.prod_a"), "VM_NAME_INVALID")


def test_a_vm_name_over_64_characters_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.vmName", "a" * 65)
    assert_problem(raw, "VM_NAME_TOO_LONG", f"{LAUNCH}.vmName")


def test_a_64_character_vm_name_passes() -> None:
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.vmName", "a" * 64), "VM_NAME_TOO_LONG")


@pytest.mark.parametrize("name", ["db 01", "db@01", "_db01", "db01.", "db01-", "-db01", ""])
def test_a_vm_name_breaking_azure_naming_rules_is_an_error(name: str) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.vmName", name)
    assert_problem(raw, "VM_NAME_INVALID", f"{LAUNCH}.vmName")


def test_a_windows_vm_name_over_15_characters_is_an_error_naming_the_field() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.vmName", "sql-server-0001x")
    problem = assert_problem(raw, "VM_NAME_TOO_LONG_FOR_WINDOWS", f"{LAUNCH}.vmName")
    assert "15" in problem.message


def test_a_15_character_windows_vm_name_passes() -> None:
    assert_no_problem(
        with_path(windows_node(), f"{LAUNCH}.vmName", "sql-server-0001"), "VM_NAME_TOO_LONG_FOR_WINDOWS"
    )


def test_the_same_long_name_is_fine_on_linux() -> None:
    assert_no_problem(
        with_path(valid_node(), f"{LAUNCH}.vmName", "sql-server-0001x"), "VM_NAME_TOO_LONG_FOR_WINDOWS"
    )


def test_a_windows_vm_name_with_a_period_is_an_error() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.vmName", "sql.01")
    assert_problem(raw, "VM_NAME_INVALID", f"{LAUNCH}.vmName")


def test_a_vm_name_prefix_over_25_characters_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.vmNamePrefix", "p" * 26)
    assert_problem(raw, "VM_NAME_TOO_LONG", f"{LAUNCH}.vmNamePrefix")


def test_a_25_character_prefix_passes_on_linux() -> None:
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.vmNamePrefix", "p" * 25), "VM_NAME_TOO_LONG")


def test_a_windows_prefix_must_leave_room_for_the_generated_suffix() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.vmNamePrefix", "sqlnode01")
    assert_problem(raw, "VM_NAME_PREFIX_TOO_LONG_FOR_WINDOWS", f"{LAUNCH}.vmNamePrefix")


def test_an_eight_character_windows_prefix_passes() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.vmNamePrefix", "sqlnode1")
    assert_no_problem(raw, "VM_NAME_PREFIX_TOO_LONG_FOR_WINDOWS")


def test_a_prefix_may_end_with_a_hyphen() -> None:
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.vmNamePrefix", "web-"), "VM_NAME_INVALID")


def test_a_prefix_with_a_space_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.vmNamePrefix", "web node")
    assert_problem(raw, "VM_NAME_INVALID", f"{LAUNCH}.vmNamePrefix")

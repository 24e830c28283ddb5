"""Persistence: a persisted disk needs a mode; reattach across several zones warns."""

from __future__ import annotations

import pytest

from tests.factories import valid_node, with_path, without_path
from tests.unit.rules_support import assert_no_problem, assert_problem


@pytest.mark.parametrize(
    ("flag", "mode"),
    [
        ("shouldPersistOsDisk", "osDiskPersistenceMode"),
        ("shouldPersistDataDisks", "dataDisksPersistenceMode"),
    ],
)
def test_a_persisted_disk_without_a_mode_is_an_error(flag: str, mode: str) -> None:
    raw = without_path(valid_node(), f"persistence.{mode}")
    assert raw["persistence"][flag] is True
    assert_problem(raw, "PERSISTENCE_MODE_REQUIRED", f"persistence.{mode}")


def test_a_disk_that_is_not_persisted_needs_no_mode() -> None:
    raw = with_path(valid_node(), "persistence.shouldPersistOsDisk", False)
    raw = without_path(raw, "persistence.osDiskPersistenceMode")
    assert_no_problem(raw, "PERSISTENCE_MODE_REQUIRED")


@pytest.mark.parametrize("mode", ["osDiskPersistenceMode", "dataDisksPersistenceMode"])
def test_reattach_with_several_zones_warns_that_a_zone_change_uses_a_snapshot(mode: str) -> None:
    problem = assert_problem(valid_node(), "REATTACH_ACROSS_ZONES", f"persistence.{mode}", severity="warning")
    assert "snapshot" in problem.message


def test_reattach_with_one_zone_does_not_warn() -> None:
    raw = with_path(valid_node(), "compute.zones", ["1"])
    assert_no_problem(raw, "REATTACH_ACROSS_ZONES")


def test_reattach_on_a_regional_node_does_not_warn() -> None:
    raw = without_path(without_path(valid_node(), "compute.zones"), "compute.preferredZone")
    assert_no_problem(raw, "REATTACH_ACROSS_ZONES")


def test_on_launch_with_several_zones_does_not_warn() -> None:
    raw = with_path(valid_node(), "persistence.osDiskPersistenceMode", "onLaunch")
    raw = with_path(raw, "persistence.dataDisksPersistenceMode", "onLaunch")
    assert_no_problem(raw, "REATTACH_ACROSS_ZONES")

"""Updates: how a partial body merges into the stored node, and what an edit may not change."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotkeeper.spec.edits import check_edit, locked_fields, merge_update
from spotkeeper.spec.models import StatefulNode, node_to_wire, parse_node
from spotkeeper.spec.problems import Problem
from tests.factories import get_path, valid_node, with_path, without_path

LAUNCH = "compute.launchSpecification"
NIC0 = f"{LAUNCH}.network.networkInterfaces[0]"
PASSWORD = "Stored-Passw0rd!"


def stored_node() -> dict[str, Any]:
    """A node as the store holds it: secrets included."""
    return with_path(valid_node(), f"{LAUNCH}.login.password", PASSWORD)


def edit(
    patch: dict[str, Any], *, status: str = "active", current: dict[str, Any] | None = None
) -> list[Problem]:
    before_wire = stored_node() if current is None else current
    after_wire = merge_update(before_wire, patch)
    return check_edit(parse_node(before_wire), parse_node(after_wire), status=status)


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.code, problem.field) for problem in problems]


def persistence(**flags: bool) -> dict[str, Any]:
    return {
        "shouldPersistOsDisk": flags.get("os", False),
        "shouldPersistDataDisks": flags.get("data", False),
        "shouldPersistNetwork": flags.get("network", False),
    }


def node_persisting(**flags: bool) -> dict[str, Any]:
    return stored_node() | {"persistence": persistence(**flags)}


# --- merge_update ------------------------------------------------------------------------------


def test_an_absent_key_leaves_the_stored_value_unchanged() -> None:
    merged = merge_update(stored_node(), {"description": "changed"})

    assert merged == with_path(stored_node(), "description", "changed")


def test_an_empty_object_changes_nothing() -> None:
    terraform_near_empty_put = {
        "strategy": {},
        "compute": {"launchSpecification": {"loadBalancersConfig": {}}},
        "scheduling": {},
        "persistence": {},
    }

    assert merge_update(stored_node(), terraform_near_empty_put) == stored_node()


def test_nested_objects_merge_key_by_key() -> None:
    merged = merge_update(stored_node(), {"strategy": {"revertToSpot": {"performAt": "never"}}})

    assert merged["strategy"] == {**stored_node()["strategy"], "revertToSpot": {"performAt": "never"}}


def test_a_list_replaces_the_stored_list_wholesale() -> None:
    merged = merge_update(stored_node(), {"compute": {"launchSpecification": {"dataDisks": [{"lun": 5}]}}})

    assert get_path(merged, f"{LAUNCH}.dataDisks") == [{"lun": 5}]
    assert get_path(merged, "compute.vmSizes") == get_path(stored_node(), "compute.vmSizes")


def test_a_list_of_objects_is_not_merged_item_by_item() -> None:
    patch = {"compute": {"launchSpecification": {"network": {"networkInterfaces": [{"isPrimary": True}]}}}}

    merged = merge_update(stored_node(), patch)

    assert get_path(merged, f"{LAUNCH}.network.networkInterfaces") == [{"isPrimary": True}]


def test_an_explicit_null_clears_the_key() -> None:
    patch = {"compute": {"launchSpecification": {"osDisk": {"sizeGB": None}}}, "health": None}

    merged = merge_update(stored_node(), patch)

    assert get_path(merged, f"{LAUNCH}.osDisk") == {"type": "Premium_LRS"}
    assert "health" not in merged


def test_an_object_of_nulls_for_an_absent_key_adds_nothing() -> None:
    merged = merge_update(without_path(stored_node(), "health"), {"health": {"gracePeriod": None}})

    assert "health" not in merged


def test_merging_does_not_modify_its_arguments() -> None:
    current, patch = stored_node(), {"strategy": {"drainingTimeout": 30}, "health": None}
    current_copy, patch_copy = copy.deepcopy(current), copy.deepcopy(patch)

    merge_update(current, patch)

    assert (current, patch) == (current_copy, patch_copy)


def test_a_stored_password_survives_a_patch_that_does_not_resend_it() -> None:
    patch = {"compute": {"launchSpecification": {"login": {"userName": "azureuser"}}}}

    merged = merge_update(stored_node(), patch)

    assert get_path(merged, f"{LAUNCH}.login.password") == PASSWORD


def test_the_other_spelling_of_a_key_replaces_the_stored_spelling() -> None:
    current = with_path(
        stored_node(), f"{LAUNCH}.bootDiagnostics", {"isEnabled": True, "storageUri": "https://a"}
    )
    patch = {"compute": {"launchSpecification": {"bootDiagnostics": {"storageUrl": "https://b"}}}}

    merged = merge_update(current, patch)

    assert get_path(merged, f"{LAUNCH}.bootDiagnostics") == {"isEnabled": True, "storageUrl": "https://b"}
    parse_node(merged)


def test_the_python_sdk_update_body_merges_into_the_stored_node() -> None:
    patch = {"description": "new", "strategy": {"revertToSpot": {"performAt": "always"}}}

    merged = merge_update(stored_node(), patch)

    assert node_to_wire(parse_node(merged), include_secrets=True) == with_path(
        with_path(stored_node(), "description", "new"), "strategy.revertToSpot.performAt", "always"
    )


# --- check_edit: state, immutables -------------------------------------------------------------


@pytest.mark.parametrize("status", ["launching", "stopped", "recovering", "error", "paused", "active"])
def test_an_edit_that_changes_nothing_is_accepted_in_any_state(status: str) -> None:
    assert edit({"strategy": {}, "persistence": {}, "region": "eastus"}, status=status) == []


@pytest.mark.parametrize("status", ["launching", "pausing", "resuming", "recycling", "recovering", "stopped"])
def test_a_real_edit_is_refused_outside_active_and_paused(status: str) -> None:
    problems = edit({"description": "changed"}, status=status)

    assert codes(problems) == [("EDIT_NOT_ALLOWED_IN_STATE", "")]
    assert status in problems[0].message and "active or paused" in problems[0].message


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_real_edit_is_accepted_while_active_or_paused(status: str) -> None:
    assert edit({"description": "changed", "strategy": {"drainingTimeout": 60}}, status=status) == []


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"region": "westus2"}, "region"),
        ({"resourceGroupName": "other-rg"}, "resourceGroupName"),
        ({"compute": {"os": "Windows"}}, "compute.os"),
        ({"region": None}, "region"),
    ],
)
def test_region_resource_group_and_os_are_immutable(patch: dict[str, Any], field: str) -> None:
    problems = edit(patch)

    assert codes(problems) == [("IMMUTABLE_FIELD", field)]
    assert "cannot be changed after the node is created" in problems[0].message


def test_resending_the_same_immutable_values_is_not_a_change() -> None:
    patch = {
        "region": "eastus",
        "resourceGroupName": "sk-sandbox",
        "compute": {"os": "Linux"},
        "name": "renamed",
    }

    assert edit(patch) == []


# --- check_edit: persistence while paused ------------------------------------------------------


def test_persistence_cannot_change_while_paused() -> None:
    problems = edit({"persistence": {"shouldPersistDataDisks": False}}, status="paused")

    assert codes(problems) == [("PERSISTENCE_LOCKED_WHILE_PAUSED", "persistence.shouldPersistDataDisks")]
    assert "paused" in problems[0].message


def test_persistence_can_change_while_active() -> None:
    assert edit({"persistence": {"shouldPersistDataDisks": False}}, status="active") == []


def test_resending_the_same_persistence_while_paused_is_accepted() -> None:
    assert edit({"persistence": stored_node()["persistence"], "description": "x"}, status="paused") == []


# --- check_edit: OS disk persistence locks -----------------------------------------------------

OS_LOCKED_PATCHES = [
    (
        {"image": {"marketplace": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"}}},
        f"{LAUNCH}.image",
    ),
    ({"login": {"userName": "someone-else"}}, f"{LAUNCH}.login"),
    ({"login": {"password": "New-Passw0rd!"}}, f"{LAUNCH}.login"),
    ({"customData": "IyEvYmluL3NoCg=="}, f"{LAUNCH}.customData"),
    ({"shutdownScript": None}, f"{LAUNCH}.shutdownScript"),
]


@pytest.mark.parametrize(("launch_patch", "field"), OS_LOCKED_PATCHES)
def test_os_disk_persistence_locks_image_login_and_scripts(launch_patch: dict[str, Any], field: str) -> None:
    problems = edit({"compute": {"launchSpecification": launch_patch}}, current=node_persisting(os=True))

    assert codes(problems) == [("LOCKED_BY_OS_DISK_PERSISTENCE", field)]
    assert "OS disk is persisted" in problems[0].message


@pytest.mark.parametrize(("launch_patch", "field"), OS_LOCKED_PATCHES)
def test_without_os_disk_persistence_image_login_and_scripts_are_editable(
    launch_patch: dict[str, Any], field: str
) -> None:
    assert edit({"compute": {"launchSpecification": launch_patch}}, current=node_persisting(os=False)) == []


def test_turning_os_disk_persistence_off_in_the_same_edit_unlocks_the_image() -> None:
    patch = {
        "persistence": {"shouldPersistOsDisk": False},
        "compute": {
            "launchSpecification": {"image": {"custom": {"resourceGroupName": "rg", "name": "golden"}}}
        },
    }

    assert edit(patch, current=node_persisting(os=True)) == []


def test_while_paused_the_os_disk_lock_cannot_be_lifted_in_the_same_edit() -> None:
    patch = {
        "persistence": {"shouldPersistOsDisk": False},
        "compute": {"launchSpecification": {"customData": "eA=="}},
    }

    problems = edit(patch, status="paused", current=node_persisting(os=True))

    assert codes(problems) == [("PERSISTENCE_LOCKED_WHILE_PAUSED", "persistence.shouldPersistOsDisk")]


def test_while_paused_a_locked_field_is_reported_without_the_unlock_hint() -> None:
    patch = {"compute": {"launchSpecification": {"customData": "eA=="}}}

    problems = edit(patch, status="paused", current=node_persisting(os=True))

    assert codes(problems) == [("LOCKED_BY_OS_DISK_PERSISTENCE", f"{LAUNCH}.customData")]
    assert "turn the persistence off" not in problems[0].message


def test_an_unchanged_login_whose_password_was_not_resent_is_not_a_change() -> None:
    # A client that echoes back a redacted GET sends the login without its password.
    redacted_login = {
        "userName": "azureuser",
        "sshPublicKey": get_path(valid_node(), f"{LAUNCH}.login.sshPublicKey"),
    }

    problems = edit(
        {"compute": {"launchSpecification": {"login": redacted_login}}}, current=node_persisting(os=True)
    )

    assert problems == []


def test_an_explicit_null_for_an_unset_locked_field_is_not_a_change() -> None:
    current = without_path(node_persisting(os=True), f"{LAUNCH}.customData")

    assert edit({"compute": {"launchSpecification": {"customData": None}}}, current=current) == []


def test_changing_the_spelling_of_a_key_is_not_a_change() -> None:
    current = with_path(
        stored_node(), f"{LAUNCH}.bootDiagnostics", {"isEnabled": True, "storageUri": "https://a"}
    )
    patch = {"compute": {"launchSpecification": {"bootDiagnostics": {"storageUrl": "https://a"}}}}

    assert edit(patch, status="stopped", current=current) == []


# --- check_edit: network persistence locks -----------------------------------------------------

NETWORK_PATCHES = [
    (
        {"networkInterfaces": [{"isPrimary": True, "subnetName": "backend"}]},
        f"{LAUNCH}.network.networkInterfaces",
    ),
    ({"virtualNetworkName": "other-vnet"}, f"{LAUNCH}.network.virtualNetworkName"),
    ({"resourceGroupName": "net-rg"}, f"{LAUNCH}.network.resourceGroupName"),
]


@pytest.mark.parametrize(("network_patch", "field"), NETWORK_PATCHES)
def test_network_persistence_locks_the_network_interfaces(network_patch: dict[str, Any], field: str) -> None:
    patch = {"compute": {"launchSpecification": {"network": network_patch}}}

    problems = edit(patch, current=node_persisting(network=True))

    assert codes(problems) == [("LOCKED_BY_NETWORK_PERSISTENCE", field)]
    assert "network is persisted" in problems[0].message


@pytest.mark.parametrize(("network_patch", "field"), NETWORK_PATCHES)
def test_without_network_persistence_the_network_is_editable(
    network_patch: dict[str, Any], field: str
) -> None:
    patch = {"compute": {"launchSpecification": {"network": network_patch}}}

    assert edit(patch, current=node_persisting(network=False)) == []


def test_a_changed_public_ip_setting_inside_a_nic_is_locked_by_network_persistence() -> None:
    nics = get_path(stored_node(), f"{LAUNCH}.network.networkInterfaces")
    nics[0]["assignPublicIp"] = False
    patch = {"compute": {"launchSpecification": {"network": {"networkInterfaces": nics}}}}

    problems = edit(patch, current=node_persisting(network=True))

    assert codes(problems) == [("LOCKED_BY_NETWORK_PERSISTENCE", f"{LAUNCH}.network.networkInterfaces")]


def test_every_refusal_of_one_edit_is_reported() -> None:
    patch = {
        "region": "westus",
        "persistence": {"shouldPersistNetwork": True},
        "compute": {"launchSpecification": {"customData": "eA==", "network": {"virtualNetworkName": "v2"}}},
    }

    problems = edit(patch, status="paused", current=node_persisting(os=True, network=True))

    assert set(codes(problems)) == {
        ("IMMUTABLE_FIELD", "region"),
        ("LOCKED_BY_OS_DISK_PERSISTENCE", f"{LAUNCH}.customData"),
        ("LOCKED_BY_NETWORK_PERSISTENCE", f"{LAUNCH}.network.virtualNetworkName"),
    }


# --- locked_fields -----------------------------------------------------------------------------


def parsed(raw: dict[str, Any]) -> StatefulNode:
    return parse_node(raw)


def test_locked_fields_of_an_active_node_persisting_everything() -> None:
    locked = locked_fields(parsed(node_persisting(os=True, data=True, network=True)), status="active")

    assert set(locked) == {
        "region",
        "resourceGroupName",
        "compute.os",
        f"{LAUNCH}.image",
        f"{LAUNCH}.login",
        f"{LAUNCH}.customData",
        f"{LAUNCH}.shutdownScript",
        f"{LAUNCH}.network.resourceGroupName",
        f"{LAUNCH}.network.virtualNetworkName",
        f"{LAUNCH}.network.networkInterfaces",
    }
    assert "OS disk is persisted" in locked[f"{LAUNCH}.image"]


def test_locked_fields_of_a_node_persisting_nothing_are_only_the_immutables() -> None:
    locked = locked_fields(parsed(node_persisting()), status="active")

    assert set(locked) == {"region", "resourceGroupName", "compute.os"}


def test_locked_fields_of_a_paused_node_include_persistence() -> None:
    locked = locked_fields(parsed(node_persisting()), status="paused")

    assert "persistence.shouldPersistOsDisk" in locked
    assert "paused" in locked["persistence.shouldPersistNetwork"]


def test_locked_fields_of_a_node_in_a_busy_state_lock_the_whole_node() -> None:
    locked = locked_fields(parsed(stored_node()), status="recovering")

    assert "recovering" in locked[""]


def test_locked_fields_agree_with_check_edit() -> None:
    node = node_persisting(os=True, network=True)
    locked = locked_fields(parsed(node), status="active")

    for launch_patch, field in OS_LOCKED_PATCHES:
        refused = {p.field for p in edit({"compute": {"launchSpecification": launch_patch}}, current=node)}
        assert refused == {field} and field in locked


# --- merge_update properties -------------------------------------------------------------------

_keys = st.sampled_from(["a", "b", "c", "storageUrl"])
_scalars = st.one_of(st.integers(), st.text(max_size=3), st.booleans())
_stored = st.recursive(
    _scalars | st.lists(_scalars, max_size=3),
    lambda inner: st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_stored_objects = st.dictionaries(_keys, _stored, max_size=4)


@settings(deadline=None)
@given(_stored_objects)
def test_an_empty_patch_is_the_identity(current: dict[str, Any]) -> None:
    assert merge_update(current, {}) == current


@settings(deadline=None)
@given(_stored_objects)
def test_patching_a_node_with_itself_changes_nothing(current: dict[str, Any]) -> None:
    assert merge_update(current, current) == current


@settings(deadline=None)
@given(_stored_objects, _stored_objects)
def test_every_top_level_scalar_or_list_of_the_patch_lands_in_the_result(
    current: dict[str, Any], patch: dict[str, Any]
) -> None:
    merged = merge_update(current, patch)

    for key, value in patch.items():
        if not isinstance(value, dict):
            assert merged[key] == value

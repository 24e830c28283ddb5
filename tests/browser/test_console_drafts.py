"""The console's draft plumbing, without a browser: wire paths, partial updates, lock wording.

The wizard edits one wire dict through wire paths (the same paths validation problems name) and
saves an edit as the partial update the API merges; these are the rules that must hold for the
JSON view, the Summary, the field errors and the edit locks to agree.
"""

from __future__ import annotations

from spotkeeper.console.draft import get_at, is_under, patch_between, path_steps, prune_empty, set_at
from spotkeeper.console.fields import lock_sentence
from spotkeeper.spec.edits import merge_update
from tests.factories import valid_node

NIC = "compute.launchSpecification.network.networkInterfaces"


def test_a_wire_path_names_list_items_by_index() -> None:
    assert path_steps(f"{NIC}[1].subnetName") == [
        "compute",
        "launchSpecification",
        "network",
        "networkInterfaces",
        1,
        "subnetName",
    ]


def test_setting_a_path_creates_the_objects_and_list_slots_on_the_way() -> None:
    wire: dict[str, object] = {}
    set_at(wire, f"{NIC}[1].subnetName", "backend")
    assert get_at(wire, f"{NIC}[1].subnetName") == "backend"
    assert get_at(wire, f"{NIC}[0]") == {}


def test_setting_none_removes_the_key_and_reading_a_missing_path_gives_the_default() -> None:
    wire = valid_node()
    set_at(wire, "description", None)
    assert "description" not in wire
    assert get_at(wire, "compute.launchSpecification.vmName", "unset") == "unset"


def test_a_path_is_under_its_parents_but_not_under_a_sibling_with_the_same_prefix() -> None:
    assert is_under(f"{NIC}[0].subnetName", NIC)
    assert is_under(f"{NIC}[0].subnetName", f"{NIC}[0]")
    assert not is_under("compute.launchSpecification.imageX", "compute.launchSpecification.image")


def test_an_edit_is_saved_as_the_patch_that_the_api_merges_back_into_the_edited_node() -> None:
    before = valid_node()
    after = valid_node(description=None)
    del after["description"]
    after["compute"]["zones"] = ["1"]
    after["scheduling"] = {"tasks": []}
    patch = patch_between(before, after)
    assert patch["description"] is None  # a cleared field is sent as an explicit null
    assert patch["compute"] == {"zones": ["1"]}  # untouched siblings are left out
    assert merge_update(before, patch) == after


def test_an_unchanged_node_gives_an_empty_patch() -> None:
    assert patch_between(valid_node(), valid_node()) == {}


def test_pruning_drops_blank_fields_but_keeps_list_items_as_typed() -> None:
    wire = {
        "name": "",
        "description": None,
        "strategy": {},
        "compute": {
            "launchSpecification": {"network": {"networkInterfaces": [{"isPrimary": True, "subnetName": ""}]}}
        },
    }
    assert prune_empty(wire) == {
        "compute": {
            "launchSpecification": {"network": {"networkInterfaces": [{"isPrimary": True, "subnetName": ""}]}}
        }
    }


def test_a_lock_reason_reads_as_a_sentence_under_the_field() -> None:
    assert lock_sentence("is locked while the OS disk is persisted") == (
        "This field is locked while the OS disk is persisted"
    )
    assert lock_sentence("persistence settings cannot be edited while paused") == (
        "Persistence settings cannot be edited while paused"
    )

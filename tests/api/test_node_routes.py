"""Creating, reading, listing, editing, pausing and deleting nodes through the Spot routes."""

from __future__ import annotations

from datetime import timedelta

from tests.api.support import BASE, ApiWorld, node_spec
from tests.factories import WINDOWS_PASSWORD


def errors_of(response: object) -> list[tuple[str, str]]:
    body = response.json()  # type: ignore[attr-defined]
    return [(e["code"], e["field"]) for e in body["response"]["errors"]]


def test_create_answers_the_stored_node_with_its_id(world: ApiWorld) -> None:
    node = world.ok("POST", BASE, json={"statefulNode": node_spec()})[0]
    assert node["id"].startswith("ssn-")
    assert node["name"] == "sk-test-node"
    assert node["compute"]["vmSizes"]["odSizes"] == ["standard_d4s_v5"]
    assert world.status(node["id"])["status"] == "launching"


def test_create_never_echoes_the_password(world: ApiWorld) -> None:
    spec = node_spec(login={"userName": "azureuser", "password": WINDOWS_PASSWORD})
    node = world.ok("POST", BASE, json={"statefulNode": spec})[0]
    assert node["compute"]["launchSpecification"]["login"] == {"userName": "azureuser"}
    stored = world.store.nodes.get(node["id"])
    assert stored is not None
    assert stored.spec["compute"]["launchSpecification"]["login"]["password"] == WINDOWS_PASSWORD


def test_create_rejects_an_unknown_key_naming_its_wire_path(world: ApiWorld) -> None:
    spec = node_spec()
    spec["compute"]["launchSpecification"]["osDisk"]["sizeGb"] = 64
    response = world.call("POST", BASE, json={"statefulNode": spec})
    assert response.status_code == 400
    assert ("UNKNOWN_FIELD", "compute.launchSpecification.osDisk.sizeGb") in errors_of(response)


def test_create_reports_every_rule_problem_at_once(world: ApiWorld) -> None:
    spec = node_spec()
    del spec["strategy"]["fallbackToOd"]
    spec["compute"]["vmSizes"]["odSizes"] = ["standard_nope_v9"]
    response = world.call("POST", BASE, json={"statefulNode": spec})
    found = errors_of(response)
    assert response.status_code == 400
    assert ("REQUIRED", "strategy.fallbackToOd") in found
    assert any(field.startswith("compute.vmSizes.odSizes") for _code, field in found)
    assert world.store.nodes.find() == []


def test_create_needs_the_statefulnode_wrapper(world: ApiWorld) -> None:
    response = world.call("POST", BASE, json=node_spec())
    assert response.status_code == 400
    assert ("REQUIRED", "statefulNode") in errors_of(response)


def test_list_filters_by_name_region_tag_and_status(world: ApiWorld) -> None:
    first = world.create()
    world.create(node_spec(tags=[{"tagKey": "team", "tagValue": "db"}]) | {"name": "second"})
    assert [n["id"] for n in world.ok("GET", BASE, params={"name": "sk-test-node"})] == [first]
    assert len(world.ok("GET", BASE, params={"region": "eastus"})) == 2
    assert world.ok("GET", BASE, params={"region": "westus2"}) == []
    tagged = world.ok("GET", BASE, params={"tagKey": "team", "tagValue": "db"})
    assert [n["name"] for n in tagged] == ["second"]
    assert len(world.ok("GET", BASE, params={"status": "launching"})) == 2
    assert world.ok("GET", BASE, params={"status": "active"}) == []


def test_the_literal_status_segment_is_not_taken_for_a_node_id(world: ApiWorld) -> None:
    node_id = world.create()
    statuses = world.call("GET", f"{BASE}/status")
    assert statuses.status_code == 200
    assert statuses.json()["response"]["kind"] == "spotinst:azure:statefulNode:status"
    assert [s["id"] for s in statuses.json()["response"]["items"]] == [node_id]
    assert world.call("GET", f"{BASE}/cost").status_code == 400  # the cost route, missing its dates


def test_status_of_a_running_node_has_the_spot_fields(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    status = world.status(node_id)
    assert status["status"] == "active"
    assert status["vmName"] == "db-01"
    assert status["lifeCycle"] == "spot"
    assert status["zone"] == "1"
    assert status["privateIp"].startswith("10.0.0.")
    assert status["publicIp"]
    assert status["vmSize"] in ("standard_d2s_v5", "standard_d4s_v5")
    assert status["vmHealthStatus"] in ("HEALTHY", "UNKNOWN")


def test_update_deep_merges_and_keeps_the_rest(world: ApiWorld) -> None:
    node_id = world.launched()
    patch = {"description": "new", "strategy": {"revertToSpot": {"performAt": "never"}}, "scheduling": {}}
    node = world.ok("PUT", f"{BASE}/{node_id}", json={"statefulNode": patch})[0]
    assert node["description"] == "new"
    assert node["strategy"]["revertToSpot"] == {"performAt": "never"}
    assert node["strategy"]["fallbackToOd"] is True
    assert world.ok("GET", f"{BASE}/{node_id}")[0]["description"] == "new"


def test_update_null_clears_a_field(world: ApiWorld) -> None:
    node_id = world.launched()
    node = world.ok("PUT", f"{BASE}/{node_id}", json={"statefulNode": {"description": None}})[0]
    assert "description" not in node


def test_update_refuses_an_immutable_field(world: ApiWorld) -> None:
    node_id = world.launched()
    response = world.call("PUT", f"{BASE}/{node_id}", json={"statefulNode": {"region": "westus2"}})
    assert response.status_code == 400
    assert ("IMMUTABLE_FIELD", "region") in errors_of(response)


def test_update_refuses_a_change_while_the_node_is_launching(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("PUT", f"{BASE}/{node_id}", json={"statefulNode": {"description": "x"}})
    assert response.status_code == 400
    assert ("EDIT_NOT_ALLOWED_IN_STATE", "") in errors_of(response)


def test_pause_of_a_launching_node_is_refused_with_the_reason(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("PUT", f"{BASE}/{node_id}/state", json={"state": "pause"})
    assert response.status_code == 409
    error = response.json()["response"]["errors"][0]
    assert error["code"] == "NODE_STATE_CONFLICT" and "launching" in error["message"]


def test_a_bad_state_word_is_400_on_the_state_field(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("PUT", f"{BASE}/{node_id}/state", json={"state": "stop"})
    assert response.status_code == 400
    assert errors_of(response)[0] == ("INVALID_VALUE", "state")


def test_pause_then_resume_through_the_api(world: ApiWorld) -> None:
    node_id = world.launched()
    status = world.ok("PUT", f"{BASE}/{node_id}/state", json={"state": "pause"})[0]
    assert status["id"] == node_id
    twice = world.call("PUT", f"{BASE}/{node_id}/state", json={"state": "pause"})
    assert twice.status_code == 409
    world.run_until_status(node_id, "paused")
    assert world.status(node_id)["vmName"] is None
    world.ok("PUT", f"{BASE}/{node_id}/state", json={"state": "resume"})
    world.run_until_status(node_id, "active")


def test_delete_with_a_deallocation_config_removes_the_node(world: ApiWorld) -> None:
    node_id = world.launched()
    config = {
        "shouldTerminateVm": True,
        "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "networkDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "publicIpDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
    }
    response = world.call("DELETE", f"{BASE}/{node_id}", json={"deallocationConfig": config})
    assert response.status_code == 200
    assert response.json()["response"]["status"]["code"] == 200
    world.run_for(timedelta(minutes=10))
    assert world.call("GET", f"{BASE}/{node_id}").status_code == 404
    assert world.ok("GET", BASE) == []


def test_delete_rejects_a_bad_deallocation_config_with_its_path(world: ApiWorld) -> None:
    node_id = world.create()
    body = {"deallocationConfig": {"shouldTerminateVm": True, "diskDeallocationConfig": {"ttlInHours": 5}}}
    response = world.call("DELETE", f"{BASE}/{node_id}", json=body)
    assert response.status_code == 400
    assert ("REQUIRED", "deallocationConfig.diskDeallocationConfig.shouldDeallocate") in errors_of(response)


def test_delete_without_a_body_uses_the_defaults(world: ApiWorld) -> None:
    node_id = world.create()
    assert world.call("DELETE", f"{BASE}/{node_id}").status_code == 200
    pending = world.store.requests.pending(node_id)
    assert [(r.kind, r.payload["shouldTerminateVm"]) for r in pending] == [("delete", True)]


def test_a_stopped_node_cannot_be_deleted(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    world.cloud.deallocate_vm("sk-sandbox", "db-01")
    world.run_until_status(node_id, "stopped")
    response = world.call(
        "DELETE", f"{BASE}/{node_id}", json={"deallocationConfig": {"shouldTerminateVm": True}}
    )
    assert response.status_code == 409
    assert "stopped" in response.json()["response"]["errors"][0]["message"]


def test_resources_list_the_nodes_nic_and_disks(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    resources = world.ok("GET", f"{BASE}/{node_id}/resources")[0]
    nic = resources["network"]["networkInterfaces"][0]
    assert resources["network"]["virtualNetwork"] == {"name": "sk-vnet", "resourceGroupName": "sk-sandbox"}
    assert nic["isPrimary"] is True
    assert nic["ipConfigurations"][0]["subnet"]["name"] == "default"
    assert nic["ipConfigurations"][0]["publicIp"]["ipAddress"] == world.status(node_id)["publicIp"]
    assert resources["storage"]["osDisk"]["name"] == "db-01-osdisk"
    assert resources["storage"]["osDisk"]["osType"] == "Linux"
    assert [(d["lun"], d["sizeGB"]) for d in resources["storage"]["dataDisks"]] == [(0, 128)]

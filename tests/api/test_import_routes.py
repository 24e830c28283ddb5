"""Reading an existing VM's configuration, importing it, and polling the import."""

from __future__ import annotations

from tests.api.support import BASE, RG, ApiWorld

CONFIG = f"{BASE}/resourceGroup/{RG}/virtualMachine/legacy-01/importConfiguration"


def test_import_configuration_describes_the_vm_as_it_is(world: ApiWorld) -> None:
    world.vm_by_hand("legacy-01")
    config = world.ok("GET", CONFIG)[0]
    launch = config["compute"]["launchSpecification"]
    assert (config["name"], config["region"], config["resourceGroupName"]) == ("legacy-01", "eastus", RG)
    assert config["compute"]["vmSizes"] == {"odSizes": ["standard_d2s_v5"], "spotSizes": ["standard_d2s_v5"]}
    assert config["compute"]["zones"] == ["1"]
    assert launch["vmName"] == "legacy-01"
    assert launch["image"]["marketplace"]["sku"] == "22_04-lts-gen2"
    assert launch["network"]["virtualNetworkName"] == "sk-vnet"
    assert launch["network"]["networkInterfaces"][0]["subnetName"] == "default"
    assert launch["osDisk"] == {"type": "Premium_LRS", "sizeGB": 64}
    assert config["persistence"]["shouldPersistOsDisk"] is True


def test_import_configuration_of_a_missing_vm_is_404(world: ApiWorld) -> None:
    response = world.call("GET", CONFIG)
    assert response.status_code == 404
    assert response.json()["response"]["errors"][0]["code"] == "RESOURCE_NOT_FOUND"


def test_import_creates_an_importing_node_and_an_import_to_poll(world: ApiWorld) -> None:
    world.vm_by_hand("legacy-01")
    body = {
        "statefulNodeImport": {
            "resourceGroupName": RG,
            "originalVmName": "legacy-01",
            "resourceRetentionTime": 48,
            "node": {"name": "legacy"},
        }
    }
    response = world.call("POST", f"{BASE}/import", json=body)
    assert response.status_code == 200
    assert response.json()["response"]["kind"] == "spotinst:azure:stateful:import:node"
    started = response.json()["response"]["items"][0]
    assert started["statefulImportId"].startswith("sin-")
    assert started["resourcesRetentionTime"] == 48
    node_id = started["node"]["id"]
    assert started["node"]["name"] == "legacy"
    assert world.status(node_id)["status"] == "importing"
    record = world.store.nodes.get(node_id)
    assert record is not None and record.status_json["importSource"]["originalVmName"] == "legacy-01"
    status = world.ok("GET", f"{BASE}/import/{started['statefulImportId']}/status")[0]
    assert (status["statefulNodeId"], status["vmName"], status["state"]) == (
        node_id,
        "legacy-01",
        "ImportStart",
    )
    hidden = world.call(
        "GET", f"{BASE}/import/{started['statefulImportId']}/status", headers=world.other_headers
    )
    assert hidden.status_code == 404


def test_import_body_problems_are_reported_under_their_wrapper(world: ApiWorld) -> None:
    response = world.call("POST", f"{BASE}/import", json={"statefulNodeImport": {"drainingTimeout": 5000}})
    fields = {e["field"] for e in response.json()["response"]["errors"]}
    assert response.status_code == 400
    assert {
        "statefulNodeImport.resourceGroupName",
        "statefulNodeImport.originalVmName",
        "statefulNodeImport.drainingTimeout",
    } <= fields


def test_unknown_import_is_404(world: ApiWorld) -> None:
    response = world.call("GET", f"{BASE}/import/sin-00000000/status")
    assert response.status_code == 404
    assert response.json()["response"]["errors"][0]["code"] == "IMPORT_DOESNT_EXIST"

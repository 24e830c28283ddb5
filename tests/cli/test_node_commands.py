"""`spotkeeper node ...` against a running spotkeeper, over the Spot wire format."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.cli.client import ApiError, ApiProblem
from spotkeeper.spec.rules import validate_node
from spotkeeper.spec.terraform import hcl_to_node
from tests.cli.conftest import Served
from tests.factories import valid_node

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def node_file(tmp_path: Path, name: str, **changes: Any) -> Path:
    spec = valid_node(name=name)
    spec.pop("scheduling", None)  # no cron pause in the middle of a test
    spec["strategy"]["drainingTimeout"] = 1  # the served clock runs at wall speed
    spec.update(changes)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"statefulNode": spec}), encoding="utf-8")
    return path


def created(served: Served, tmp_path: Path, name: str, **changes: Any) -> str:
    result = served.run("node", "create", "-f", str(node_file(tmp_path, name, **changes)), "--json")
    assert result.exit_code == 0, result.output
    node_id: str = json.loads(result.stdout)["id"]
    return node_id


def status_of(served: Served, node_id: str) -> dict[str, Any]:
    result = served.run("node", "status", node_id, "--json")
    assert result.exit_code == 0, result.output
    item: dict[str, Any] = json.loads(result.stdout)
    return item


def wait_for(served: Served, node_id: str, status: str, *, seconds: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        item = status_of(served, node_id)
        if item["status"] == status or time.monotonic() > deadline:
            assert item["status"] == status, item
            return item
        time.sleep(0.05)


def test_create_with_wait_follows_the_log_until_the_vm_runs(served: Served, tmp_path: Path) -> None:
    path = node_file(tmp_path, "waited")
    result = served.run("node", "create", "-f", str(path), "--wait", "--poll", "0.05", "--timeout", "30")
    assert result.exit_code == 0, result.output
    assert "created waited as ssn-" in result.stdout
    assert "launching its first VM" in result.stdout
    assert "is running on" in result.stdout
    assert "active" in result.stdout


def test_create_with_wait_and_json_prints_only_the_final_status(served: Served, tmp_path: Path) -> None:
    path = node_file(tmp_path, "waited-json")
    result = served.run("node", "create", "-f", str(path), "--wait", "--json", "--poll", "0.05")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["status"] == "active"
    assert status["vmName"] and status["privateIp"]


def test_a_terraform_file_creates_the_same_node(served: Served, tmp_path: Path) -> None:
    export = served.run("export", str(EXAMPLES / "minimal-linux.json"), "--format", "terraform")
    assert export.exit_code == 0, export.output
    tf = tmp_path / "node.tf"
    tf.write_text(export.stdout, encoding="utf-8")
    result = served.run("node", "create", "-f", str(tf), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "minimal-linux"


def test_an_invalid_node_is_refused_naming_each_field(served: Served, tmp_path: Path) -> None:
    path = node_file(tmp_path, "broken", region="atlantis")
    result = served.run("node", "create", "-f", str(path))
    assert result.exit_code == 1
    assert "region:" in result.stderr and "atlantis" in result.stderr


def test_an_unreadable_file_is_an_input_error(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    result = served.run("node", "create", "-f", str(path))
    assert result.exit_code == 1
    assert "not valid JSON" in result.stderr and "[INVALID_JSON]" in result.stderr


def test_list_filters_by_tag_status_name_and_region(served: Served, tmp_path: Path) -> None:
    tagged = valid_node()["compute"]["launchSpecification"]
    tags = [{"tagKey": "team", "tagValue": "data"}, {"tagKey": "env", "tagValue": "prod"}]
    compute = valid_node()["compute"]
    compute["launchSpecification"] = {**tagged, "tags": tags}
    first = created(served, tmp_path, "list-tagged", compute=compute)
    second = created(served, tmp_path, "list-plain")
    wait_for(served, first, "active")

    def listed(*args: str) -> set[str]:
        result = served.run("node", "list", "--json", *args)
        assert result.exit_code == 0, result.output
        return {item["id"] for item in json.loads(result.stdout)}

    assert {first, second} <= listed()
    assert listed("--tag", "team=data") == {first}
    assert listed("--tag", "team=data", "--tag", "env=prod") == {first}
    assert listed("--tag", "team=data", "--tag", "env=dev") == set()
    assert listed("--tag", "team") == {first}
    assert listed("--name", "list-plain") == {second}
    assert listed("--region", "westus", "--name", "list-plain") == set()
    assert first in listed("--status", "active")
    table = served.run("node", "list", "--name", "list-tagged")
    assert first in table.stdout and "active" in table.stdout


def test_a_malformed_tag_filter_names_the_option(served: Served) -> None:
    result = served.run("node", "list", "--tag", "=x")
    assert result.exit_code == 1
    assert "--tag" in result.stderr


def test_status_resources_logs_and_costs_describe_a_running_node(served: Served, tmp_path: Path) -> None:
    node_id = created(served, tmp_path, "described")
    status = wait_for(served, node_id, "active")
    assert status["lifeCycle"] in ("spot", "od")

    table = served.run("node", "status", node_id)
    assert status["vmName"] in table.stdout and status["privateIp"] in table.stdout

    resources = served.run("node", "resources", node_id, "--json")
    assert resources.exit_code == 0, resources.output
    assert json.loads(resources.stdout)["storage"]["osDisk"]["name"]
    tree = served.run("node", "resources", node_id)
    assert "OS disk" in tree.stdout and "sk-vnet" in tree.stdout

    logs = served.run("node", "logs", node_id, "--json")
    messages = [entry["message"] for entry in json.loads(logs.stdout)]
    assert messages[0].startswith("node described created")  # oldest first
    assert any("is running on" in m for m in messages)
    assert served.run("node", "logs", node_id, "--severity", "ERROR", "--json").stdout.strip() == "[]"
    assert json.loads(served.run("node", "logs", node_id, "--since", "1h", "--json").stdout)

    costs = served.run("node", "costs", node_id, "--json")
    assert costs.exit_code == 0, costs.output
    item = json.loads(costs.stdout)[0]
    assert set(item["cost"]) >= {"odCost", "spotActualCost", "spotPotentialCost"}
    assert "All on-demand" in served.run("node", "costs", node_id).stdout

    got = served.run("node", "get", node_id, "--json")
    assert json.loads(got.stdout)["name"] == "described"


def test_an_unknown_node_exits_1_with_the_terraform_gone_code(served: Served) -> None:
    for command in ("get", "status", "resources", "logs", "costs", "pause", "evict"):
        result = served.run("node", command, "ssn-0000dead")
        assert result.exit_code == 1, (command, result.output)
        assert "nodeId: stateful node ssn-0000dead does not exist [GROUP_DOESNT_EXIST]" in result.stderr


def test_a_bad_token_exits_1_saying_so(served: Served) -> None:
    result = served.run("node", "list", token="skt_not-a-real-token")
    assert result.exit_code == 1
    assert "[UNAUTHORIZED]" in result.stderr


def test_pause_resume_and_a_refused_state_change(served: Served, tmp_path: Path) -> None:
    node_id = created(served, tmp_path, "paused")
    wait_for(served, node_id, "active")
    refused = served.run("node", "resume", node_id)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("state: ") and "[NODE_STATE_CONFLICT]" in refused.stderr

    assert served.run("node", "pause", node_id).exit_code == 0
    wait_for(served, node_id, "paused")
    assert served.run("node", "resume", node_id).exit_code == 0
    wait_for(served, node_id, "active")
    assert served.run("node", "recycle", node_id).exit_code == 0
    wait_for(served, node_id, "active")


def test_evict_brings_the_node_back_with_its_name_and_ip(served: Served, tmp_path: Path) -> None:
    compute = valid_node()["compute"]
    compute["launchSpecification"]["vmName"] = "evicted-vm"
    node_id = created(served, tmp_path, "evicted", compute=compute)
    before = wait_for(served, node_id, "active")
    if before["lifeCycle"] != "spot":
        pytest.skip("the market put the node on on-demand; nothing to evict")
    result = served.run("node", "evict", node_id)
    assert result.exit_code == 0, result.output
    logs: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logs = [e["message"] for e in json.loads(served.run("node", "logs", node_id, "--json").stdout)]
        if any("Preempt" in m for m in logs) and status_of(served, node_id)["status"] == "active":
            break
        time.sleep(0.1)
    after = wait_for(served, node_id, "active")
    assert any("Preempt" in m for m in logs)
    assert before["vmName"] == "evicted-vm"
    assert (after["vmName"], after["privateIp"], after["publicIp"]) == (
        before["vmName"],
        before["privateIp"],
        before["publicIp"],
    )


def test_export_gives_valid_terraform_and_json_without_read_only_fields(
    served: Served, tmp_path: Path
) -> None:
    node_id = created(served, tmp_path, "exported")
    hcl = served.run("node", "export", node_id, "--format", "terraform")
    assert hcl.exit_code == 0, hcl.output
    assert 'resource "spotinst_stateful_node_azure"' in hcl.stdout
    assert hcl_to_node(hcl.stdout)["name"] == "exported"
    out = tmp_path / "exported.json"
    assert served.run("node", "export", node_id, "--format", "json", "-o", str(out)).exit_code == 0
    body = json.loads(out.read_text(encoding="utf-8"))["statefulNode"]
    assert "id" not in body and "createdAt" not in body
    assert validate_node(body).valid, validate_node(body).errors  # ready to create again


def test_delete_sends_the_deallocation_choices(served: Served, tmp_path: Path) -> None:
    node_id = created(served, tmp_path, "deleted")
    wait_for(served, node_id, "active")
    result = served.run("node", "delete", node_id, "--keep-disks", "--ttl-hours", "2")
    assert result.exit_code == 0, result.output
    assert "keeping disks" in result.stdout
    request = served.runtime.store.requests.pending(node_id) or []
    logged = [e.message for e in served.runtime.store.events.query(node_id, oldest_first=True)]
    assert "delete requested" in logged
    if request:  # the worker may already have taken it
        config = request[0].payload
        assert config["diskDeallocationConfig"] == {"shouldDeallocate": False, "ttlInHours": 2}
        assert config["networkDeallocationConfig"]["shouldDeallocate"] is True
    too_long = served.run("node", "delete", node_id, "--ttl-hours", "999")
    assert too_long.exit_code == 2


def test_import_turns_a_hand_made_vm_into_a_node(served: Served) -> None:
    from spotkeeper.cloud.port import ImageRef, NicSpec, OsDiskFromImage, OsProfile, VmSpec
    from tests.factories import SSH_PUBLIC_KEY

    cloud = served.runtime.cloud
    nic = cloud.ensure_nic(
        NicSpec(
            resource_group="sk-sandbox",
            name="legacy-cli-nic",
            region="eastus",
            network_resource_group="sk-sandbox",
            virtual_network="sk-vnet",
            subnet="default",
        )
    )
    cloud.ensure_vm(
        VmSpec(
            resource_group="sk-sandbox",
            name="legacy-cli",
            region="eastus",
            size="Standard_D2s_v5",
            priority="Regular",
            zone="1",
            os_disk=OsDiskFromImage(
                name="legacy-cli-os",
                image=ImageRef(
                    "marketplace",
                    publisher="Canonical",
                    offer="0001-com-ubuntu-server-jammy",
                    sku="22_04-lts-gen2",
                    version="latest",
                ),
                sku="Premium_LRS",
                size_gb=64,
            ),
            nic_ids=(nic.id,),
            os_profile=OsProfile(
                computer_name="legacy-cli", admin_username="azureuser", ssh_public_key=SSH_PUBLIC_KEY
            ),
        )
    )
    result = served.run(
        "node", "import", "--resource-group", "sk-sandbox", "--vm", "legacy-cli", "--name", "legacy", "--json"
    )
    assert result.exit_code == 0, result.output
    started = json.loads(result.stdout)
    assert started["vmName"] == "legacy-cli" and started["statefulNodeId"].startswith("ssn-")
    missing = served.run("node", "import", "--resource-group", "sk-sandbox", "--vm", "nowhere")
    assert missing.exit_code == 1 and "[RESOURCE_NOT_FOUND]" in missing.stderr


def test_api_errors_map_to_exit_codes() -> None:
    assert ApiError(400, [ApiProblem("INVALID_VALUE", "bad", "region")]).exit_code == 1
    assert ApiError(404).exit_code == 1
    assert ApiError(409).exit_code == 1
    assert ApiError(503).exit_code == 3
    assert ApiError(0).exit_code == 3
    assert str(ApiProblem("INVALID_VALUE", "is unknown", "region")) == "region: is unknown [INVALID_VALUE]"

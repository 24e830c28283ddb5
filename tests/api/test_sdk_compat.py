"""The real Spot Python SDK (`spotinst-sdk2`) against a running spotkeeper, over every method of
its `stateful_node_azure` client: what it sends must be accepted, what it reads must be there,
and our errors must reach it as `SpotinstClientException`.

The node comes up for real: a store-backed worker runs passes on the simulated Azure between
SDK calls while the test moves the clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
import spotinst_sdk2.models.stateful_node as sdk
from spotinst_sdk2 import SpotinstSession
from spotinst_sdk2.client import SpotinstClientException

from tests.api.live_server import serving
from tests.api.support import RG, ApiWorld
from tests.factories import SSH_PUBLIC_KEY


@pytest.fixture
def live(world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ApiWorld, Any, str]]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with serving(world.app) as base_url:
        session = SpotinstSession(base_url=base_url, auth_token=world.token, account_id=world.account.id)
        yield world, session.client("stateful_node_azure"), base_url


def sdk_node(name: str = "sdk-node", *, vm_name: str = "sdk-vm") -> sdk.StatefulNode:
    """A node built from the SDK's own models, as a user of the SDK writes it."""
    return sdk.StatefulNode(
        name=name,
        region="eastus",
        resource_group_name=RG,
        description="made by spotinst-sdk2",
        strategy=sdk.Strategy(
            fallback_to_od=True,
            preferred_lifecycle="spot",
            draining_timeout=120,
            revert_to_spot=sdk.RevertToSpot(perform_at="always"),
        ),
        compute=sdk.Compute(
            os="Linux",
            zones=["1"],
            preferred_zone="1",
            vm_sizes=sdk.VmSizes(
                od_sizes=["standard_d4s_v5"],
                spot_sizes=["standard_d2s_v5", "standard_d4s_v5"],
                preferred_spot_sizes=["standard_d2s_v5"],
            ),
            launch_specification=sdk.LaunchSpecification(
                image=sdk.Image(
                    marketplace=sdk.Marketplace(
                        publisher="Canonical",
                        offer="0001-com-ubuntu-server-jammy",
                        sku="22_04-lts-gen2",
                        version="latest",
                    )
                ),
                security=sdk.Security(
                    security_type="TrustedLaunch", secure_boot_enabled=True, v_tpm_enabled=True
                ),
                login=sdk.Login(user_name="azureuser", ssh_public_key=SSH_PUBLIC_KEY),
                network=sdk.Network(
                    resource_group_name=RG,
                    virtual_network_name="sk-vnet",
                    network_interfaces=[
                        sdk.NetworkInterface(
                            is_primary=True,
                            subnet_name="default",
                            assign_public_ip=True,
                            public_ip_sku="Standard",
                        )
                    ],
                ),
                os_disk=sdk.OsDisk(size_g_b=64, type="Premium_LRS"),
                data_disks=[sdk.DataDisk(lun=0, size_g_b=128, type="Premium_LRS")],
                tags=[sdk.Tag(tag_key="env", tag_value="sdk")],
                vm_name=vm_name,
            ),
        ),
        persistence=sdk.Persistence(
            should_persist_os_disk=True,
            os_disk_persistence_mode="reattach",
            should_persist_data_disks=True,
            data_disks_persistence_mode="reattach",
            should_persist_network=True,
        ),
        health=sdk.Health(
            health_check_types=["vmState"], auto_healing=True, grace_period=300, unhealthy_duration=360
        ),
    )


def wait_for(
    world: ApiWorld, client: Any, node_id: str, status: str, *, within: timedelta = timedelta(minutes=15)
) -> dict[str, Any]:
    end = world.clock.now() + within
    while world.clock.now() < end:
        found: dict[str, Any] = client.get_stateful_node_status(node_id)
        if found["status"] == status:
            return found
        world.run_for(timedelta(seconds=30))
    raise AssertionError(f"{node_id} never became {status}: {client.get_stateful_node_status(node_id)}")


def error_codes(error: SpotinstClientException) -> list[str]:
    """The SDK keeps our `response` object as the second line of its message."""
    _what, _, body = error.message.partition("\n")
    return [e["code"] for e in json.loads(body)["errors"]]


def test_sdk_create_runs_the_node_and_an_eviction_keeps_name_ips_and_disks(
    live: tuple[ApiWorld, Any, str],
) -> None:
    world, client, base_url = live
    created = client.create_stateful_node(sdk_node())
    node_id = created["id"]
    assert created["compute"]["launch_specification"]["os_disk"]["size_g_b"] == 64
    running = wait_for(world, client, node_id, "active")
    assert (running["vm_name"], running["life_cycle"], running["zone"]) == ("sdk-vm", "spot", "1")
    disks_before = {d.lun: d.disk_id for d in world.cloud.get_vm(RG, "sdk-vm").data_disks}
    os_before = world.cloud.get_vm(RG, "sdk-vm").os_disk_id

    drill = requests.post(
        f"{base_url}/azure/compute/statefulNode/{node_id}/simulateEviction",
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=10,
    )
    assert drill.status_code == 200
    world.run_for(timedelta(minutes=2))
    after = wait_for(world, client, node_id, "active")
    assert (after["vm_name"], after["private_ip"], after["public_ip"]) == (
        running["vm_name"],
        running["private_ip"],
        running["public_ip"],
    )
    vm = world.cloud.get_vm(RG, "sdk-vm")
    assert vm.os_disk_id == os_before
    assert {d.lun: d.disk_id for d in vm.data_disks} == disks_before
    logs = client.get_stateful_node_logs(
        node_id, from_date="2026-01-05", to_date="2026-01-06", severity="ALL", limit=1000
    )
    assert any("evict" in entry["message"].lower() for entry in logs)


def test_sdk_reads_lists_statuses_and_resources(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, _ = live
    node_id = client.create_stateful_node(sdk_node())["id"]
    other_id = client.create_stateful_node(sdk_node("other", vm_name="other-vm"))["id"]
    wait_for(world, client, node_id, "active")
    assert client.get_stateful_node(node_id)["name"] == "sdk-node"
    assert [n["id"] for n in client.get_all_stateful_nodes(name="sdk-node")] == [node_id]
    assert {n["id"] for n in client.get_all_stateful_nodes(region="eastus")} == {node_id, other_id}
    assert client.get_all_stateful_nodes(region="westus2") == []
    assert {s["id"] for s in client.get_all_stateful_node_statuses()} == {node_id, other_id}
    resources = client.get_stateful_node_resources(node_id)
    assert resources["storage"]["os_disk"]["name"] == "sdk-vm-osdisk"
    assert resources["network"]["network_interfaces"][0]["is_primary"] is True


def test_sdk_update_state_changes_logs_and_costs(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, _ = live
    node_id = client.create_stateful_node(sdk_node())["id"]
    wait_for(world, client, node_id, "active")
    update = sdk.StatefulNode(
        description="changed", strategy=sdk.Strategy(revert_to_spot=sdk.RevertToSpot(perform_at="never"))
    )
    updated = client.update_stateful_node(update, node_id)
    assert updated["description"] == "changed"
    assert updated["strategy"]["revert_to_spot"] == {"perform_at": "never"}
    assert updated["strategy"]["fallback_to_od"] is True
    world.run_for(timedelta(hours=1))

    status = client.update_stateful_node_state(node_id, "pause")
    assert status == {"code": 200, "message": "OK"}
    wait_for(world, client, node_id, "paused")
    client.update_stateful_node_state(node_id, "resume")
    wait_for(world, client, node_id, "active")

    logs = client.get_stateful_node_logs(
        node_id, from_date="2026-01-05", to_date="2026-01-05", severity="INFO", limit=5
    )
    assert len(logs) == 5 and all(entry["severity"] == "INFO" for entry in logs)
    totals = client.get_all_stateful_node_costs(
        from_date="2026-01-05", to_date="2026-01-05", owner_id=node_id
    )
    assert totals[0]["usage"]["spot"]["hours"] > 0.9
    assert 0 < totals[0]["cost"]["spot_actual_cost"] < totals[0]["cost"]["od_cost"]
    daily = client.get_all_stateful_node_aggregated_daily_costs(
        from_date="1767571200000", to_date="1767657599999"
    )
    assert [d["cost"]["day"] for d in daily] == ["2026-01-05T00:00:00.000Z"]
    usage = client.get_stateful_node_size_usage(from_date="2026-01-05", to_date="2026-01-05")
    assert usage and {u["life_cycle"] for u in usage} == {"spot"}


def test_sdk_attach_detach_and_swap_disks(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, _ = live
    node_id = client.create_stateful_node(sdk_node())["id"]
    wait_for(world, client, node_id, "active")
    attached = client.attach_data_disk_to_stateful_node(
        node_id,
        sdk.AttachDataDiskConfiguration(
            data_disk_name="extra",
            data_disk_resource_group_name=RG,
            size_g_b=32,
            storage_account_type="Standard_LRS",
            lun=3,
            zone="1",
        ),
    )
    assert attached["items"][0]["name"] == "extra" and attached["items"][0]["lun"] == 3
    assert any(d.lun == 3 for d in world.cloud.get_vm(RG, "sdk-vm").data_disks)
    detached = client.detach_data_disk_from_stateful_node(
        node_id,
        sdk.DetachDataDiskConfiguration(
            data_disk_name="extra", data_disk_resource_group_name=RG, should_deallocate=True, ttl_in_hours=0
        ),
    )
    assert detached == {"code": 200, "message": "OK"}
    assert all(d.lun != 3 for d in world.cloud.get_vm(RG, "sdk-vm").data_disks)

    client.update_stateful_node_state(node_id, "pause")
    wait_for(world, client, node_id, "paused")
    from spotkeeper.cloud.port import DiskSpec

    current = world.cloud.get_disk(RG, "sdk-vm-osdisk")
    world.cloud.ensure_disk(
        DiskSpec(
            resource_group=RG,
            name="golden-os",
            region="eastus",
            sku="Premium_LRS",
            create_option="Copy",
            source_id=current.id,
            zone=current.zone,
            os_type="Linux",
        )
    )
    swapped = client.swap_os_disk_to_stateful_node(
        node_id,
        sdk.SwapOsDiskConfiguration(
            os_disk_name="golden-os", os_disk_resource_group_name=RG, should_terminate=True, retention_time=24
        ),
    )
    assert swapped["items"][0]["name"] == "golden-os"
    client.update_stateful_node_state(node_id, "resume")
    wait_for(world, client, node_id, "active")
    assert world.cloud.get_vm(RG, "sdk-vm").os_disk_id.endswith("/golden-os")


def test_sdk_import_configuration_import_and_import_status(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, _ = live
    world.vm_by_hand("legacy-01")
    config = client.get_stateful_node_from_azure_vm(RG, "legacy-01")
    assert config["compute"]["launch_specification"]["vm_name"] == "legacy-01"
    started = client.import_vm_to_stateful_node(
        sdk.ImportVmConfiguration(
            resource_group_name=RG,
            original_vm_name="legacy-01",
            draining_timeout=60,
            resource_retention_time=24,
            convert_unmanaged_disks=False,
            node=sdk.StatefulNode(name="imported"),
        )
    )
    assert started["node"]["id"].startswith("ssn-") and started["node"]["name"] == "imported"
    status = client.get_stateful_node_import_status(started["stateful_import_id"])
    assert status["items"][0]["stateful_node_id"] == started["node"]["id"]
    assert status["items"][0]["state"] == "ImportStart"


def test_sdk_delete_with_a_deallocation_config(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, _ = live
    node_id = client.create_stateful_node(sdk_node())["id"]
    wait_for(world, client, node_id, "active")
    keep = sdk.Deallocate(should_deallocate=False)
    gone = sdk.Deallocate(should_deallocate=True, ttl_in_hours=0)
    assert (
        client.delete_stateful_node(
            node_id,
            sdk.DeallocationConfig(
                should_terminate_vm=True,
                disk_deallocation_config=keep,
                network_deallocation_config=gone,
                public_ip_deallocation_config=gone,
                snapshot_deallocation_config=gone,
            ),
        )
        is True
    )
    world.run_for(timedelta(minutes=10))
    with pytest.raises(SpotinstClientException) as missing:
        client.get_stateful_node(node_id)
    assert error_codes(missing.value) == ["GROUP_DOESNT_EXIST"]
    assert world.cloud.get_disk(RG, "sdk-vm-osdisk").managed_by is None  # disks kept, as asked


def test_sdk_errors_arrive_as_spotinst_client_exceptions(live: tuple[ApiWorld, Any, str]) -> None:
    world, client, base_url = live
    with pytest.raises(SpotinstClientException) as missing:
        client.get_stateful_node_status("ssn-00000000")
    assert error_codes(missing.value) == ["GROUP_DOESNT_EXIST"]
    bad = sdk_node()
    bad.compute.zones = ["9"]
    with pytest.raises(SpotinstClientException) as invalid:
        client.create_stateful_node(bad)
    assert "INVALID_VALUE" in error_codes(invalid.value)
    assert "compute.zones[0]" in invalid.value.message
    node_id = client.create_stateful_node(sdk_node())["id"]
    with pytest.raises(SpotinstClientException) as busy:
        client.update_stateful_node_state(node_id, "resume")
    assert error_codes(busy.value) == ["NODE_STATE_CONFLICT"]
    stranger = SpotinstSession(base_url=base_url, auth_token="skt_wrong", account_id=world.account.id)
    with pytest.raises(SpotinstClientException) as denied:
        stranger.client("stateful_node_azure").get_all_stateful_nodes()
    assert error_codes(denied.value) == ["UNAUTHORIZED"]

"""Attaching, detaching and swapping disks through the API, and what an eviction does to them."""

from __future__ import annotations

from datetime import timedelta

from tests.api.support import BASE, RG, ApiWorld, node_spec

ATTACH = {
    "dataDiskName": "d1",
    "dataDiskResourceGroupName": RG,
    "sizeGB": 32,
    "storageAccountType": "Standard_LRS",
}


def test_attach_creates_a_disk_on_the_running_vm_at_the_next_free_lun(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    disk = world.ok("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)[0]
    assert (disk["name"], disk["lun"], disk["size"], disk["zone"]) == ("d1", 1, 32, "1")
    assert disk["managedBy"].endswith("/virtualMachines/db-01")
    vm = world.cloud.get_vm(RG, "db-01")
    assert [(d.lun, d.disk_id.rsplit("/", 1)[-1]) for d in vm.data_disks] == [(0, "db-01-data0"), (1, "d1")]
    node = world.ok("GET", f"{BASE}/{node_id}")[0]
    assert node["compute"]["launchSpecification"]["dataDisks"][1] == {
        "lun": 1,
        "sizeGB": 32,
        "type": "Standard_LRS",
    }


def test_an_attached_disk_comes_back_after_an_eviction_with_its_data(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    world.ok("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)
    disk_id = world.cloud.get_disk(RG, "d1").id
    fingerprint = world.sim.write_disk(disk_id, b"orders table")
    world.ok("POST", f"{BASE}/{node_id}/simulateEviction")
    world.run_for(timedelta(minutes=2))
    world.run_until_status(node_id, "active")
    vm = world.cloud.get_vm(RG, "db-01")
    assert any(d.disk_id == disk_id and d.lun == 1 for d in vm.data_disks)
    assert world.sim.disk_fingerprint(disk_id) == fingerprint


def test_attach_refuses_a_lun_in_use_and_a_foreign_zone(world: ApiWorld) -> None:
    node_id = world.launched()
    taken = world.call("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH | {"lun": 0})
    assert taken.status_code == 400
    assert taken.json()["response"]["errors"][0]["field"] == "lun"
    elsewhere = world.call("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH | {"zone": "3"})
    assert elsewhere.status_code == 400
    assert elsewhere.json()["response"]["errors"][0]["code"] == "ZONE_MISMATCH"
    assert world.store.nodes.get(node_id).lease_owner is None  # type: ignore[union-attr]


def test_attach_to_a_node_that_is_not_running_is_a_conflict(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)
    assert response.status_code == 409


def test_attach_body_problems_name_their_fields(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call(
        "PUT", f"{BASE}/{node_id}/dataDisk/attach", json={"dataDiskName": "d1", "sizeGB": 0}
    )
    fields = {e["field"] for e in response.json()["response"]["errors"]}
    assert response.status_code == 400
    assert {"dataDiskResourceGroupName", "storageAccountType", "sizeGB"} <= fields


def test_detach_with_deallocate_takes_the_disk_off_and_schedules_its_deletion(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    world.ok("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)
    body = {"dataDiskName": "d1", "dataDiskResourceGroupName": RG, "shouldDeallocate": True, "ttlInHours": 2}
    world.ok("PUT", f"{BASE}/{node_id}/dataDisk/detach", json=body)
    assert [d.lun for d in world.cloud.get_vm(RG, "db-01").data_disks] == [0]
    pending = world.store.deletions.pending(node_id=node_id)
    assert [(p.resource_id.rsplit("/", 1)[-1], p.due_at - world.clock.now()) for p in pending] == [
        ("d1", timedelta(hours=2))
    ]
    luns = [
        d["lun"]
        for d in world.ok("GET", f"{BASE}/{node_id}")[0]["compute"]["launchSpecification"]["dataDisks"]
    ]
    assert luns == [0]


def test_detach_of_a_disk_the_node_does_not_have_is_400(world: ApiWorld) -> None:
    node_id = world.launched()
    body = {"dataDiskName": "nope", "dataDiskResourceGroupName": RG, "shouldDeallocate": False}
    response = world.call("PUT", f"{BASE}/{node_id}/dataDisk/detach", json=body)
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["code"] == "DISK_NOT_ON_NODE"


def test_swap_needs_a_paused_node(world: ApiWorld) -> None:
    node_id = world.launched()
    body = {"osDiskName": "os2", "osDiskResourceGroupName": RG}
    response = world.call("PUT", f"{BASE}/{node_id}/osDisk/swap", json=body)
    assert response.status_code == 409
    assert "paused" in response.json()["response"]["errors"][0]["message"]


def test_swap_replaces_the_paused_nodes_os_disk_and_resume_boots_from_it(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    world.ok("PUT", f"{BASE}/{node_id}/state", json={"state": "pause"})
    world.run_until_status(node_id, "paused")
    old_id = world.cloud.get_disk(RG, "db-01-osdisk").id
    spare = world.cloud.get_disk(RG, "db-01-osdisk")
    from spotkeeper.cloud.port import DiskSpec

    world.cloud.ensure_disk(
        DiskSpec(
            resource_group=RG,
            name="os2",
            region="eastus",
            sku="Premium_LRS",
            create_option="Copy",
            source_id=spare.id,
            zone=spare.zone,
            os_type="Linux",
        )
    )
    disk = world.ok(
        "PUT",
        f"{BASE}/{node_id}/osDisk/swap",
        json={"osDiskName": "os2", "osDiskResourceGroupName": RG, "retentionTime": 1},
    )[0]
    assert disk["name"] == "os2"
    assert [p.resource_id for p in world.store.deletions.pending(node_id=node_id)] == [old_id]
    world.ok("PUT", f"{BASE}/{node_id}/state", json={"state": "resume"})
    world.run_until_status(node_id, "active")
    assert world.cloud.get_vm(RG, "db-01").os_disk_id.endswith("/os2")


def test_swap_refuses_a_disk_of_another_zone(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    world.ok("PUT", f"{BASE}/{node_id}/state", json={"state": "pause"})
    world.run_until_status(node_id, "paused")
    from spotkeeper.cloud.port import DiskSpec

    source = world.cloud.get_disk(RG, "db-01-osdisk")
    world.cloud.ensure_disk(
        DiskSpec(
            resource_group=RG,
            name="os3",
            region="eastus",
            sku="Premium_LRS",
            create_option="Copy",
            source_id=source.id,
            zone="2",
            os_type="Linux",
        )
    )
    response = world.call(
        "PUT", f"{BASE}/{node_id}/osDisk/swap", json={"osDiskName": "os3", "osDiskResourceGroupName": RG}
    )
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["code"] == "ZONE_MISMATCH"


def test_simulated_eviction_keeps_the_vm_name_ips_and_disks(world: ApiWorld) -> None:
    node_id = world.launched(node_spec(vmName="db-01"))
    before = world.status(node_id)
    os_disk = world.cloud.get_vm(RG, "db-01").os_disk_id
    world.ok("POST", f"{BASE}/{node_id}/simulateEviction")
    world.run_for(timedelta(minutes=2))
    world.run_until_status(node_id, "active")
    after = world.status(node_id)
    assert (after["vmName"], after["privateIp"], after["publicIp"]) == (
        before["vmName"],
        before["privateIp"],
        before["publicIp"],
    )
    assert world.cloud.get_vm(RG, "db-01").os_disk_id == os_disk
    log = world.ok("GET", f"{BASE}/{node_id}/log", params={"fromDate": "2026-01-01", "toDate": "2026-01-06"})
    assert any("simulated" in entry["message"] for entry in log)


def test_simulated_eviction_needs_a_running_node(world: ApiWorld) -> None:
    node_id = world.create()
    assert world.call("POST", f"{BASE}/{node_id}/simulateEviction").status_code == 409


def test_a_disk_action_is_refused_while_a_worker_holds_the_node(world: ApiWorld) -> None:
    node_id = world.launched()
    world.store.nodes.nudge(node_id, at=world.clock.now())
    claimed = world.store.nodes.claim_due_nodes("worker-a", now=world.clock.now(), limit=1, lease_seconds=60)
    assert [n.id for n in claimed] == [node_id]
    response = world.call("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)
    assert response.status_code == 409
    assert "engine is working on the node" in response.json()["response"]["errors"][0]["message"]
    world.store.nodes.release_lease(node_id, "worker-a", next_due_at=world.clock.now())
    assert world.ok("PUT", f"{BASE}/{node_id}/dataDisk/attach", json=ATTACH)[0]["name"] == "d1"
    assert world.store.nodes.get(node_id).lease_owner is None  # type: ignore[union-attr]

"""Pause, resume, recycle (asked for, or by cron), delete with a deallocation config, and
auto-healing, on the simulated Azure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    RG,
    events_matching,
    launch,
    log_of,
    node,
    node_spec,
    tagged_ids,
    vm_of,
)
from tests.factories import valid_node, with_path


def owned_ids(world: WhatIf, node_id: str) -> dict[str, str]:
    """Kind -> id of the node's OS disk, data disk, NIC and public IP."""
    state = node(world, node_id).state
    assert state.os_disk is not None and state.nics[0].public_ip_id is not None
    return {"os_disk": state.os_disk.id, "data_disk": state.data_disks[0].id, "nic": state.nics[0].id,
            "public_ip": state.nics[0].public_ip_id}


def pause(world: WhatIf, node_id: str) -> None:
    world.engine.request(node_id, "pause")
    world.run_for(timedelta(minutes=5))  # the 120 s drain, then the VM goes
    assert node(world, node_id).status == "paused", log_of(world, node_id)


def test_pause_removes_the_vm_and_keeps_persisted_disks_and_network(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    world.sim.write_to_vm_disk(RG, vm_of(world, node_id).name, 0, b"kept while paused")
    kept = owned_ids(world, node_id)

    pause(world, node_id)

    assert world.sim.compute.list_vms() == []
    assert node(world, node_id).state.vm is None
    assert {i.lower() for i in kept.values()} == tagged_ids(world, node_id)
    assert world.sim.read_disk(kept["data_disk"]) == b"kept while paused"
    assert world.sim.network.get_nic(RG, kept["nic"].rsplit("/", 1)[-1]).private_ip == "10.0.0.4"


def test_paused_node_accrues_no_cost(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    world.run_for(timedelta(hours=1))
    pause(world, node_id)
    paused_at = world.clock.now()

    world.run_for(timedelta(hours=6))

    ledger = node(world, node_id).ledger
    assert ledger and max(c.end for c in ledger) <= paused_at
    assert sum((c.end - c.start for c in ledger), timedelta()) >= timedelta(hours=1)


def test_pause_lets_go_of_what_is_not_persisted(world: WhatIf) -> None:
    spec = node_spec()
    spec["persistence"] = {"shouldPersistOsDisk": False, "shouldPersistDataDisks": True,
                           "dataDisksPersistenceMode": "reattach", "shouldPersistNetwork": False}
    node_id = launch(world, spec)
    owned = owned_ids(world, node_id)

    pause(world, node_id)
    world.run_for(timedelta(minutes=5))  # the NIC's 180 s reservation, then the collector

    assert tagged_ids(world, node_id) == {owned["data_disk"].lower()}


def test_resume_brings_back_the_same_disks_and_addresses(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    world.sim.write_to_vm_disk(RG, vm_of(world, node_id).name, 0, b"before the pause")
    before = owned_ids(world, node_id)
    address = node(world, node_id).state.nics[0].public_ip_address
    pause(world, node_id)
    world.run_for(timedelta(hours=3))

    world.engine.request(node_id, "resume")
    world.run_for(timedelta(minutes=5))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.os_disk_id == before["os_disk"]
    assert [d.disk_id for d in vm.data_disks] == [before["data_disk"]]
    assert vm.nic_ids == [before["nic"]]
    assert node(world, node_id).state.nics[0].public_ip_address == address
    assert world.sim.read_disk(before["data_disk"]) == b"before the pause"


def test_recycle_drains_the_old_vm_then_replaces_it_keeping_the_disks(world: WhatIf) -> None:
    node_id = launch(world, node_spec(drainingTimeout=300))
    old = vm_of(world, node_id)
    before = owned_ids(world, node_id)
    asked_at = world.clock.now()

    world.engine.request(node_id, "recycle")
    world.run_for(timedelta(minutes=4))
    assert world.sim.vm(RG, old.name).power_state == "running"  # still draining
    assert node(world, node_id).status == "recycling"
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    new = vm_of(world, node_id)
    assert new.name != old.name
    assert (new.os_disk_id, new.data_disks[0].disk_id, new.nic_ids) == (
        before["os_disk"], before["data_disk"], [before["nic"]])
    drained = events_matching(world, node_id, "draining")
    removed = events_matching(world, node_id, f"VM {old.name} removed")
    assert drained[0][0] == asked_at and removed[0][0] == asked_at + timedelta(seconds=300)


def test_cron_schedule_pauses_in_the_evening_and_resumes_in_the_morning(world: WhatIf) -> None:
    node_id = launch(world, valid_node())  # pause "0 20 * * 1-5", resume "0 7 * * 1-5"

    world.run_until(datetime(2026, 1, 5, 21, 0, tzinfo=UTC))
    assert node(world, node_id).status == "paused", log_of(world, node_id)
    assert events_matching(world, node_id, "scheduled pause (0 20 * * 1-5")[0][0] == datetime(
        2026, 1, 5, 20, 0, tzinfo=UTC)

    world.run_until(datetime(2026, 1, 6, 7, 30, tzinfo=UTC))
    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert events_matching(world, node_id, "scheduled resume (0 7 * * 1-5")[-1][0] == datetime(
        2026, 1, 6, 7, 0, tzinfo=UTC)
    evening, morning = datetime(2026, 1, 5, 20, 5, tzinfo=UTC), datetime(2026, 1, 6, 7, 0, tzinfo=UTC)
    night = [c for c in node(world, node_id).ledger if c.end > evening and c.start < morning]
    assert night == []


def delete(world: WhatIf, node_id: str, config: dict[str, Any]) -> datetime:
    """Delete the node; returns when its resources were released (after the VM's drain)."""
    world.engine.delete(node_id, config)
    world.run_for(timedelta(minutes=5))
    assert node(world, node_id).status == "deleted", log_of(world, node_id)
    return events_matching(world, node_id, "deleted: ")[0][0]


def dealloc(should: bool, ttl: int | None = None) -> dict[str, Any]:
    return {"shouldDeallocate": should, **({"ttlInHours": ttl} if ttl is not None else {})}


def test_delete_honours_each_resource_kinds_ttl(world: WhatIf) -> None:
    node_id = launch(world, with_path(node_spec(), "persistence.osDiskPersistenceMode", "onLaunch"))
    world.cloud.simulate_eviction(RG, vm_of(world, node_id).name)  # so the node has a snapshot
    world.run_for(timedelta(hours=2))
    owned = owned_ids(world, node_id)
    snapshots = [s.id for s in node(world, node_id).state.snapshots]
    assert snapshots

    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": True,
        "diskDeallocationConfig": dealloc(True, 3),
        "networkDeallocationConfig": dealloc(True, 2),
        "publicIpDeallocationConfig": dealloc(True, 2),
        "snapshotDeallocationConfig": dealloc(True, 0),
    })

    assert world.sim.compute.list_vms() == []
    assert tagged_ids(world, node_id) == {i.lower() for i in owned.values()}  # snapshots: at once
    world.run_until(deleted_at + timedelta(hours=2) - timedelta(minutes=1))
    assert tagged_ids(world, node_id) == {i.lower() for i in owned.values()}
    world.run_until(deleted_at + timedelta(hours=2, minutes=1))
    assert tagged_ids(world, node_id) == {owned["os_disk"].lower(), owned["data_disk"].lower()}
    world.run_until(deleted_at + timedelta(hours=3, minutes=1))
    assert tagged_ids(world, node_id) == set()


def test_delete_without_ttl_keeps_resources_for_96_hours(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    deleted_at = delete(world, node_id, {"shouldTerminateVm": True, "diskDeallocationConfig": dealloc(True)})
    data_disk = node(world, node_id).state.data_disks[0].id.lower()

    world.run_until(deleted_at + timedelta(hours=95))
    assert data_disk in tagged_ids(world, node_id)
    world.run_until(deleted_at + timedelta(hours=97))
    assert data_disk not in tagged_ids(world, node_id)


def test_delete_keeps_what_the_config_keeps_and_nothing_else(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    owned = owned_ids(world, node_id)

    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": True,
        "diskDeallocationConfig": dealloc(False),
        "networkDeallocationConfig": dealloc(True, 0),
        "publicIpDeallocationConfig": dealloc(True, 0),
        "snapshotDeallocationConfig": dealloc(True, 0),
    })
    world.run_until(deleted_at + timedelta(hours=1))

    assert tagged_ids(world, node_id) == {owned["os_disk"].lower(), owned["data_disk"].lower()}


def test_delete_without_terminating_the_vm_leaves_it_and_its_resources(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    vm = vm_of(world, node_id)
    owned = owned_ids(world, node_id)

    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": False,
        "diskDeallocationConfig": dealloc(True, 0),
        "networkDeallocationConfig": dealloc(True, 0),
        "publicIpDeallocationConfig": dealloc(True, 0),
    })
    world.run_until(deleted_at + timedelta(hours=1))

    assert world.sim.vm(RG, vm.name).power_state == "running"
    assert tagged_ids(world, node_id) == {vm.id.lower(), *(i.lower() for i in owned.values())}
    assert events_matching(world, node_id, "VM left running (shouldTerminateVm false)")


def test_deleting_the_public_ip_forces_the_nic_to_go_too(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    owned = owned_ids(world, node_id)

    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": True,
        "diskDeallocationConfig": dealloc(False),
        "networkDeallocationConfig": dealloc(False),
        "publicIpDeallocationConfig": dealloc(True, 1),
    })
    world.run_until(deleted_at + timedelta(hours=1, minutes=5))

    remaining = tagged_ids(world, node_id)
    assert owned["public_ip"].lower() not in remaining and owned["nic"].lower() not in remaining
    assert {owned["os_disk"].lower(), owned["data_disk"].lower()} <= remaining


def test_delete_of_a_paused_node_releases_its_kept_resources(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    pause(world, node_id)

    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": True, "diskDeallocationConfig": dealloc(True, 0),
        "networkDeallocationConfig": dealloc(True, 0), "publicIpDeallocationConfig": dealloc(True, 0)})
    world.run_until(deleted_at + timedelta(minutes=10))

    assert tagged_ids(world, node_id) == set()


def gateway_checked_spec(**health: Any) -> dict[str, Any]:
    spec = with_path(node_spec(), "compute.launchSpecification.loadBalancersConfig", {"loadBalancers": [{
        "type": "applicationGateway", "resourceGroupName": RG, "name": "sk-appgw",
        "loadBalancerSku": "Standard_v2", "backendPoolNames": ["sk-pool"]}]})
    spec["health"] = {"healthCheckTypes": ["applicationGateway"], "autoHealing": True, "gracePeriod": 120,
                      "unhealthyDuration": 600, **health}
    return spec


def test_node_joins_its_application_gateway_backend_pool(world: WhatIf) -> None:
    node_id = launch(world, gateway_checked_spec())
    world.run_for(timedelta(minutes=5))

    health = world.cloud.get_backend_health(RG, "sk-appgw")
    assert health == {"10.0.0.4": "Healthy"}
    assert node(world, node_id).state.health.status == "HEALTHY", log_of(world, node_id)


def test_auto_healing_replaces_a_vm_the_gateway_finds_unhealthy(world: WhatIf) -> None:
    node_id = launch(world, gateway_checked_spec())
    world.run_for(timedelta(minutes=5))
    sick = vm_of(world, node_id)
    disks = (sick.os_disk_id, sick.data_disks[0].disk_id)
    world.sim.compute.set_vm_unhealthy(RG, sick.name)
    forced_at = world.clock.now()

    world.run_for(timedelta(minutes=6))
    assert vm_of(world, node_id).name == sick.name  # unhealthy, but not yet for 600 s
    assert node(world, node_id).state.health.status == "UNHEALTHY"
    world.run_for(timedelta(minutes=15))

    healed = events_matching(world, node_id, "heal: auto-healing")
    assert healed and healed[0][0] >= forced_at + timedelta(seconds=600), log_of(world, node_id)
    new = vm_of(world, node_id)
    assert new.name != sick.name and new.power_state == "running"
    assert (new.os_disk_id, new.data_disks[0].disk_id) == disks
    world.run_for(timedelta(minutes=5))
    assert node(world, node_id).state.health.status == "HEALTHY", log_of(world, node_id)


def test_auto_healing_off_reports_unhealthy_but_keeps_the_vm(world: WhatIf) -> None:
    node_id = launch(world, gateway_checked_spec(autoHealing=False))
    world.run_for(timedelta(minutes=5))
    sick = vm_of(world, node_id)
    world.sim.compute.set_vm_unhealthy(RG, sick.name)

    world.run_for(timedelta(minutes=30))

    assert vm_of(world, node_id).name == sick.name
    assert node(world, node_id).state.health.status == "UNHEALTHY"
    assert not events_matching(world, node_id, "heal: ")


def test_delete_during_a_recovery_interrupts_it_and_releases_everything(world: WhatIf) -> None:
    spec = with_path(node_spec(), "persistence.osDiskPersistenceMode", "onLaunch")
    node_id = launch(world, spec)
    world.cloud.simulate_eviction(RG, vm_of(world, node_id).name)
    world.run_for(timedelta(seconds=45))  # evicted, disks restored, waiting on the NIC's reservation
    assert node(world, node_id).status == "recovering", log_of(world, node_id)

    zero = dealloc(True, 0)
    deleted_at = delete(world, node_id, {
        "shouldTerminateVm": True, "diskDeallocationConfig": zero, "networkDeallocationConfig": zero,
        "publicIpDeallocationConfig": zero, "snapshotDeallocationConfig": zero})
    world.run_until(deleted_at + timedelta(hours=2))

    assert events_matching(world, node_id, "recover interrupted: the node is being deleted")
    assert world.sim.compute.list_vms() == []
    assert tagged_ids(world, node_id) == set()

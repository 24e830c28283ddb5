"""Importing an existing VM (spot-api.md §4.2): the node takes it over with its data, on the
market it chooses, and the originals stay for `resourcesRetentionTime` hours before they go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spotkeeper.cloud.errors import NotFound
from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.leftovers import referenced_ids
from spotkeeper.sim.requests import OsDiskRequest
from spotkeeper.whatif import WhatIf
from tests.engine.import_support import (
    LUN0_DATA,
    SOURCE,
    SourceVm,
    import_spec,
    make_source_vm,
)
from tests.engine.scenario_support import RG, log_of, messages, node, tagged_ids, trace_kinds, vm_of, watch
from tests.factories import with_path

RETENTION_HOURS = 2


def start_import(world: WhatIf, *, network: bool, vm_name: str | None = None) -> str:
    return world.engine.import_vm(import_spec(network=network, vm_name=vm_name), resource_group=RG,
                                  vm_name=SOURCE, retention_hours=RETENTION_HOURS)


def assert_data_came_through(world: WhatIf, node_id: str, source: SourceVm) -> None:
    vm = vm_of(world, node_id)
    assert vm.power_state == "running"
    assert world.sim.disk_fingerprint(vm.os_disk_id) == source.os_fingerprint
    (lun0,) = [d.disk_id for d in vm.data_disks if d.lun == 0]
    assert world.sim.read_disk(lun0) == LUN0_DATA
    assert vm.os_disk_id.lower() != source.os_disk_id.lower() and lun0.lower() != source.data_disk_id.lower()


def exists(world: WhatIf, resource_id: str) -> bool:
    kind, rg, name = parse_resource_id(resource_id)
    get = {"vm": world.cloud.get_vm, "disk": world.cloud.get_disk, "nic": world.cloud.get_nic,
           "public_ip": world.cloud.get_public_ip, "snapshot": world.cloud.get_snapshot}[kind]
    try:
        get(rg, name)
    except NotFound:
        return False
    return True


def test_running_vm_is_drained_stopped_and_brought_back_as_the_node_with_its_data(world: WhatIf) -> None:
    source = make_source_vm(world)
    watched = watch(world)
    node_id = start_import(world, network=False)
    world.run_for(timedelta(minutes=10))

    run = node(world, node_id)
    assert run.status == "active", log_of(world, node_id)
    assert run.state.import_source is not None and run.state.import_source.progress == "ImportCompleted"
    assert_data_came_through(world, node_id, source)
    assert vm_of(world, node_id).priority == "Spot"  # the node's market, not the original's
    assert any(f"draining {SOURCE} for 120 s" in m for m in messages(world, node_id))
    # the network is not persisted: new NIC and addresses, the original kept with its VM
    assert run.state.nics[0].id.lower() != source.nic_id.lower()
    original = world.sim.vm(RG, SOURCE)
    assert original.power_state == "deallocated"
    assert watched.violations == []


def test_originals_are_deleted_only_after_the_retention_time(world: WhatIf) -> None:
    source = make_source_vm(world)
    node_id = start_import(world, network=False)
    world.run_for(timedelta(minutes=10))
    originals = [source.id, source.os_disk_id, source.data_disk_id, source.nic_id, source.public_ip_id]

    world.run_for(timedelta(hours=RETENTION_HOURS) - timedelta(minutes=15))
    assert all(exists(world, r) for r in originals)
    world.run_for(timedelta(minutes=30))

    assert not [r for r in originals if exists(world, r)], world.engine.pending_deletions
    assert node(world, node_id).status == "active"
    assert_data_came_through(world, node_id, source)
    # the node's own resources are untouched, and nothing of the import is left over
    assert tagged_ids(world, node_id) == {i.lower() for i in _owned(world, node_id)}


def _owned(world: WhatIf, node_id: str) -> set[str]:
    return referenced_ids(node(world, node_id).state)


def test_persisted_network_moves_the_nic_with_its_private_and_public_ip_to_the_node(world: WhatIf) -> None:
    source = make_source_vm(world)
    node_id = start_import(world, network=True)
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.nic_ids == [source.nic_id]
    nic = world.sim.network.get_nic(RG, f"{SOURCE}-nic")
    assert (nic.private_ip, nic.public_ip_id) == (source.private_ip, source.public_ip_id)
    assert world.sim.network.get_public_ip(RG, f"{SOURCE}-ip").address == source.public_ip
    assert "vm.deleted" in trace_kinds(world, source.id)  # the original VM went, its NIC came free
    assert_data_came_through(world, node_id, source)

    world.run_for(timedelta(hours=RETENTION_HOURS, minutes=15))
    assert not exists(world, source.os_disk_id) and not exists(world, source.data_disk_id)
    assert exists(world, source.nic_id) and exists(world, source.public_ip_id)  # the node's now


def test_stopped_vm_is_imported_and_the_node_ends_stopped(world: WhatIf) -> None:
    source = make_source_vm(world, running=False)
    node_id = start_import(world, network=True)
    world.run_for(timedelta(minutes=10))

    run = node(world, node_id)
    assert run.status == "stopped", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.power_state == "deallocated"
    assert not any("draining" in m for m in messages(world, node_id))
    costed = list(run.ledger)
    world.run_for(timedelta(hours=1))
    assert node(world, node_id).ledger == costed  # a stopped node costs nothing

    world.cloud.start_vm(RG, vm.name)  # started from Azure: the node is active again
    world.run_for(timedelta(hours=1, minutes=5))
    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert_data_came_through(world, node_id, source)


def test_persisted_vm_name_takes_the_original_name_in_its_resource_group(world: WhatIf) -> None:
    source = make_source_vm(world)
    node_id = start_import(world, network=False, vm_name=SOURCE)
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.name == SOURCE and vm.priority == "Spot"
    assert "vm.deleted" in trace_kinds(world, source.id)  # the same id: the original went first
    assert_data_came_through(world, node_id, source)


@pytest.mark.parametrize(("prepare", "reason"), [
    ("generalize", f"VM {SOURCE} is generalized; a generalized VM cannot be imported"),
    ("ephemeral", f"VM {SOURCE} has an ephemeral OS disk, which cannot be snapshotted"),
    ("missing", f"VM {SOURCE} does not exist in resource group {RG}"),
])
def test_a_vm_that_cannot_be_imported_fails_the_import_in_words(
    world: WhatIf, prepare: str, reason: str
) -> None:
    if prepare == "generalize":
        make_source_vm(world, running=False)
        world.sim.compute.generalize_vm(RG, SOURCE)
    elif prepare == "ephemeral":
        nic = world.sim.network.create_or_update_nic(RG, "e-nic", location="eastus",
                                                     subnet_id=world.world.subnet_ids["default"])
        from tests.sim.conftest import Builder
        request = Builder(world.sim, world.world).request(SOURCE, nic_ids=[nic.id], priority="Regular")
        world.sim.compute.create_or_update_vm(RG, SOURCE, request.__class__(**{
            **request.__dict__, "os_disk": OsDiskRequest("FromImage", name="e-os", ephemeral=True)}))

    node_id = start_import(world, network=True)
    world.run_for(timedelta(minutes=5))

    run = node(world, node_id)
    assert run.status == "error"
    assert run.state.error_reason is not None and reason in run.state.error_reason
    assert run.state.import_source is not None and run.state.import_source.progress == "ImportFailed"
    assert world.cloud.list_tagged("spotkeeper-node", node_id) == []  # nothing was made


def test_failed_import_is_taken_up_again_by_a_recycle(world: WhatIf) -> None:
    source = make_source_vm(world)
    world.sim.faults.fail_request("vm.create", status=400, code="InvalidParameter",
                                  message="The value of parameter storageProfile is invalid.", times=None)
    node_id = start_import(world, network=True)
    world.run_for(timedelta(minutes=10))
    assert node(world, node_id).status == "error", log_of(world, node_id)

    world.sim.faults.clear()
    world.engine.request(node_id, "recycle")
    world.run_for(timedelta(minutes=10))

    run = node(world, node_id)
    assert run.status == "active", log_of(world, node_id)
    assert run.state.import_source is not None and run.state.import_source.progress == "ImportCompleted"
    assert vm_of(world, node_id).nic_ids == [source.nic_id]
    assert_data_came_through(world, node_id, source)


def test_deleting_the_node_during_an_import_marks_the_import_failed(world: WhatIf) -> None:
    make_source_vm(world)
    node_id = start_import(world, network=False)
    world.run_for(timedelta(seconds=30))  # draining the original
    world.engine.delete(node_id, {"shouldTerminateVm": True, "diskDeallocationConfig": {
        "shouldDeallocate": True, "ttlInHours": 0}, "snapshotDeallocationConfig": {
        "shouldDeallocate": True, "ttlInHours": 0}})
    world.run_for(timedelta(minutes=10))

    run = node(world, node_id)
    assert run.status == "deleted", log_of(world, node_id)
    assert run.state.import_source is not None and run.state.import_source.progress == "ImportFailed"
    assert world.sim.vm(RG, SOURCE).name == SOURCE  # the original is not the node's to delete


def test_import_restores_into_another_zone_when_the_first_choice_refuses(world: WhatIf) -> None:
    source = make_source_vm(world)
    world.sim.faults.fail_allocation(zone="1")
    spec = with_path(import_spec(network=True), "compute.preferredZone", "1")
    node_id = world.engine.import_vm(spec, resource_group=RG, vm_name=SOURCE, retention_hours=RETENTION_HOURS)
    world.run_for(timedelta(minutes=15))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.zone == "2"
    assert {world.sim.storage.require_disk(d).zone for d in vm.disk_ids()} == {"2"}
    assert_data_came_through(world, node_id, source)
    world.run_for(timedelta(hours=1, minutes=5))
    # zone-1 copies were collected; the adopted NIC and IP keep their own tags
    adopted = {source.nic_id.lower(), source.public_ip_id.lower()}
    assert tagged_ids(world, node_id) == _owned(world, node_id) - adopted

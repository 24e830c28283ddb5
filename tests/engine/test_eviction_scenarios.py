"""Azure evicts the node's spot VM; the node comes back keeping what its persistence promises.

Data is written by the "workload" (`write_to_vm_disk`) before the eviction and read back from
the replacement VM's disks. Every recovery runs behind a `WatchedCloud`, which fails the test if
at any instant one disk is held by two VMs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    RG,
    events_matching,
    evict,
    launch,
    log_of,
    make_world,
    node,
    node_spec,
    tagged_ids,
    trace_kinds,
    vm_of,
    watch,
)
from tests.factories import with_path

OS_DATA = b"/etc/hostname: db-01\n"
LUN0_DATA = b"postgres base backup, 4 GiB of it\n"


def spec_with(*, os_disk: str | None = "reattach", data_disks: str | None = "reattach",
              network: bool = True, **launch: Any) -> dict[str, Any]:
    """A node whose persistence is given per resource (None = not persisted)."""
    spec = node_spec()
    spec["persistence"] = {
        "shouldPersistOsDisk": os_disk is not None,
        "shouldPersistDataDisks": data_disks is not None,
        "shouldPersistNetwork": network,
        **({"osDiskPersistenceMode": os_disk} if os_disk else {}),
        **({"dataDisksPersistenceMode": data_disks} if data_disks else {}),
    }
    for key, value in launch.items():
        spec = with_path(spec, f"compute.launchSpecification.{key}", value)
    return spec


def write_workload_data(world: WhatIf, node_id: str) -> None:
    vm = vm_of(world, node_id)
    world.sim.write_to_vm_disk(RG, vm.name, "os", OS_DATA, append=True)
    world.sim.write_to_vm_disk(RG, vm.name, 0, LUN0_DATA)


def disks_of_running_vm(world: WhatIf, node_id: str) -> tuple[str, str]:
    vm = vm_of(world, node_id)
    assert vm.power_state == "running", log_of(world, node_id)
    (lun0,) = [d.disk_id for d in vm.data_disks if d.lun == 0]
    return vm.os_disk_id, lun0


def evict_and_recover(world: WhatIf, node_id: str) -> None:
    watched = watch(world)
    evict(world, node_id)
    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert watched.violations == []


def test_reattach_recovery_starts_the_evicted_vm_again_with_its_disks_and_data(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)
    fingerprints = (world.sim.disk_fingerprint(os_before), world.sim.disk_fingerprint(lun0_before))
    old_vm = vm_of(world, node_id).id

    evict_and_recover(world, node_id)

    # spot in the disks' zone: the deallocated VM is started again (resized away from the market
    # that just evicted it), so nothing is deleted, created, detached or attached
    vm = vm_of(world, node_id)
    assert vm.id == old_vm and (vm.priority, vm.zone) == ("Spot", "1")
    kinds = trace_kinds(world, old_vm)
    assert "vm.delete.accepted" not in kinds and kinds.count("vm.create.accepted") == 1
    assert kinds[kinds.index("vm.evicted"):] == [
        "vm.evicted", "vm.update.accepted", "vm.update.succeeded", "vm.start.accepted", "vm.running",
        "vm.start.succeeded"]
    assert vm.size == node(world, node_id).state.vm.size == "Standard_D4s_v5"  # type: ignore[union-attr]
    os_after, lun0_after = disks_of_running_vm(world, node_id)
    assert (os_after, lun0_after) == (os_before, lun0_before)
    assert (world.sim.disk_fingerprint(os_after), world.sim.disk_fingerprint(lun0_after)) == fingerprints
    assert world.sim.read_disk(lun0_after) == LUN0_DATA


def test_on_launch_restores_new_disks_from_snapshots_with_the_same_content(world: WhatIf) -> None:
    node_id = launch(world, spec_with(os_disk="onLaunch", data_disks="onLaunch"))
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)
    fingerprints = (world.sim.disk_fingerprint(os_before), world.sim.disk_fingerprint(lun0_before))

    evict_and_recover(world, node_id)

    os_after, lun0_after = disks_of_running_vm(world, node_id)
    assert os_after != os_before and lun0_after != lun0_before
    assert (world.sim.disk_fingerprint(os_after), world.sim.disk_fingerprint(lun0_after)) == fingerprints
    assert world.sim.read_disk(lun0_after) == LUN0_DATA
    for restored in (os_after, lun0_after):
        source = world.sim.storage.require_disk(restored).source_id
        assert source is not None and "/snapshots/" in source.lower()
    state = node(world, node_id).state
    assert {s.source_disk_id for s in state.snapshots} == {os_before, lun0_before}


def test_disks_that_are_not_persisted_come_back_fresh(world: WhatIf) -> None:
    node_id = launch(world, spec_with(os_disk=None, data_disks=None))
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)

    evict_and_recover(world, node_id)

    os_after, lun0_after = disks_of_running_vm(world, node_id)
    assert os_after != os_before and lun0_after != lun0_before
    assert OS_DATA not in world.sim.read_disk(os_after)
    assert world.sim.read_disk(lun0_after) == b""
    world.run_for(timedelta(hours=2))  # past the superseded-resource TTL
    assert os_before.lower() not in tagged_ids(world, node_id)
    assert lun0_before.lower() not in tagged_ids(world, node_id)


def test_persisted_network_keeps_the_same_nic_private_ip_and_public_ip(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    nic_before = node(world, node_id).state.nics[0]
    pip_before = world.sim.network.get_public_ip(RG, nic_before.public_ip_name or "")

    evict_and_recover(world, node_id)

    assert vm_of(world, node_id).nic_ids == [nic_before.id]
    nic = world.sim.network.get_nic(RG, nic_before.name)
    assert nic.private_ip == "10.0.0.4"
    pip = world.sim.network.get_public_ip(RG, nic_before.public_ip_name or "")
    assert (pip.id, pip.address) == (pip_before.id, pip_before.address)
    assert nic.public_ip_id == pip.id
    assert not [k for k in trace_kinds(world, pip.id) if "delete" in k]


def test_reattach_recovery_onto_on_demand_replaces_the_vm_with_the_same_disks(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)
    fingerprints = (world.sim.disk_fingerprint(os_before), world.sim.disk_fingerprint(lun0_before))
    old_vm = vm_of(world, node_id)
    world.sim.faults.fail_allocation(lifecycle="spot")  # Azure refuses every spot VM

    evict_and_recover(world, node_id)

    vm = vm_of(world, node_id)
    assert vm.priority == "Regular"  # priority never changes in place: a new VM
    assert "vm.delete.accepted" in trace_kinds(world, old_vm.id)
    assert vm.vm_id != old_vm.vm_id
    os_after, lun0_after = disks_of_running_vm(world, node_id)
    assert (world.sim.disk_fingerprint(os_after), world.sim.disk_fingerprint(lun0_after)) == fingerprints
    assert vm.os_profile is None  # an attached OS disk boots as it is


def test_network_that_is_not_persisted_gets_a_new_nic_and_addresses(world: WhatIf) -> None:
    node_id = launch(world, spec_with(network=False))
    nic_before = node(world, node_id).state.nics[0]
    world.sim.faults.fail_allocation(lifecycle="spot")  # a replacement, not a restart in place

    evict_and_recover(world, node_id)

    nic_after = node(world, node_id).state.nics[0]
    assert nic_after.id != nic_before.id
    assert vm_of(world, node_id).nic_ids == [nic_after.id]
    assert nic_after.public_ip_address != nic_before.public_ip_address
    world.run_for(timedelta(hours=2))
    assert nic_before.id.lower() not in tagged_ids(world, node_id)
    assert (nic_before.public_ip_id or "").lower() not in tagged_ids(world, node_id)


def test_network_that_is_not_persisted_keeps_its_nic_when_the_vm_restarts_in_place(world: WhatIf) -> None:
    node_id = launch(world, spec_with(network=False))
    nic_before = node(world, node_id).state.nics[0]

    evict_and_recover(world, node_id)

    assert node(world, node_id).state.nics == [nic_before]
    assert vm_of(world, node_id).nic_ids == [nic_before.id]


@pytest.mark.parametrize(("spot_refused", "creates"), [(False, 1), (True, 2)], ids=["in-place", "replaced"])
def test_persisted_vm_name_survives_the_eviction(world: WhatIf, spot_refused: bool, creates: int) -> None:
    node_id = launch(world, spec_with(vmName="db-01"))
    old_vm = vm_of(world, node_id).id
    if spot_refused:
        world.sim.faults.fail_allocation(lifecycle="spot")

    evict_and_recover(world, node_id)

    assert vm_of(world, node_id).name == "db-01"
    kinds = [e.kind for e in world.sim.trace if e.resource == old_vm.lower()]
    assert kinds.count("vm.create.accepted") == creates


def test_reattach_with_the_disks_zone_unavailable_moves_zone_through_snapshots(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)
    fingerprints = (world.sim.disk_fingerprint(os_before), world.sim.disk_fingerprint(lun0_before))
    assert vm_of(world, node_id).zone == "1"
    world.sim.faults.fail_allocation(zone="1")  # zone 1 refuses every size, spot and on-demand

    evict_and_recover(world, node_id)

    vm = vm_of(world, node_id)
    assert vm.zone == "2"
    os_after, lun0_after = disks_of_running_vm(world, node_id)
    assert {world.sim.storage.require_disk(d).zone for d in (os_after, lun0_after)} == {"2"}
    assert (world.sim.disk_fingerprint(os_after), world.sim.disk_fingerprint(lun0_after)) == fingerprints
    assert any("OS disk from snapshot, data disks from snapshots" in m
               for _, m in events_matching(world, node_id, "chose"))
    # the zone-1 originals stay until the replacement has run for the superseded TTL, then go
    assert os_before.lower() in tagged_ids(world, node_id)
    world.run_for(timedelta(hours=2))
    assert os_before.lower() not in tagged_ids(world, node_id)
    assert lun0_before.lower() not in tagged_ids(world, node_id)


def test_replacement_market_is_chosen_during_the_preempt_notice(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    world.run_for(timedelta(minutes=5))
    old_vm = vm_of(world, node_id)
    noticed_at = world.clock.now()

    evict(world, node_id)

    evicted_at = next(e.time for e in world.sim.trace
                      if e.kind == "vm.evicted" and e.resource == old_vm.id.lower())
    assert evicted_at - noticed_at == timedelta(seconds=30)
    notice = events_matching(world, node_id, "Preempt notice")
    chose = [at for at, _ in events_matching(world, node_id, "chose") if at >= noticed_at]
    restarted = [at for at, m in events_matching(world, node_id, "again in place") if old_vm.name in m]
    assert notice[0][0] == noticed_at
    assert chose[0] == noticed_at < evicted_at <= restarted[0]


def test_vm_deleted_by_hand_is_replaced_like_an_eviction(world: WhatIf) -> None:
    node_id = launch(world, spec_with())
    write_workload_data(world, node_id)
    os_before, lun0_before = disks_of_running_vm(world, node_id)

    world.sim.compute.delete_vm(RG, vm_of(world, node_id).name)
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert disks_of_running_vm(world, node_id) == (os_before, lun0_before)
    assert any("no longer exists in Azure" in m for _, m in events_matching(world, node_id, "recover"))


@pytest.mark.parametrize("mode", ["reattach", "onLaunch"])
def test_repeated_evictions_never_share_a_disk_or_release_the_public_ip(mode: str) -> None:
    world = make_world()
    node_id = launch(world, spec_with(os_disk=mode, data_disks=mode))
    pip_id = node(world, node_id).state.nics[0].public_ip_id or ""
    address = node(world, node_id).state.nics[0].public_ip_address
    watched = watch(world)

    for round_ in range(3):
        line = f"round {round_}\n".encode()
        world.sim.write_to_vm_disk(RG, vm_of(world, node_id).name, 0, line, append=True)
        evict(world, node_id, then_run=timedelta(minutes=40))
        assert node(world, node_id).status == "active", log_of(world, node_id)

    assert watched.violations == []
    _, lun0 = disks_of_running_vm(world, node_id)
    assert world.sim.read_disk(lun0) == b"round 0\nround 1\nround 2\n"
    assert node(world, node_id).state.nics[0].public_ip_address == address
    assert not [k for k in trace_kinds(world, pip_id) if "delete" in k]
    assert len(node(world, node_id).state.evictions) == 3

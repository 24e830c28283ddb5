"""A recovery that starts the evicted VM again instead of replacing it (`engine.restart`).

When the replacement market is spot in the zone of the node's reattached disks, the deallocated
VM Azure left behind is resized in place if need be and started: no delete, no 180 s NIC
reservation, no new VM. Everything else (on-demand, another zone, onLaunch, a VM that vanished
meanwhile) is still a replacement, which these tests also pin down.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from spotkeeper.spec.models import parse_node
from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    RG,
    SCENARIO_SETTINGS,
    evict,
    launch,
    log_of,
    messages,
    node,
    node_spec,
    trace_kinds,
    vm_of,
    watch,
)
from tests.factories import with_path


def downtime_after_eviction(world: WhatIf, node_id: str) -> timedelta:
    """From Azure deallocating the VM to the node's VM running again (from the sim's trace)."""
    evicted = next(e.time for e in world.sim.trace if e.kind == "vm.evicted")
    running = [e.time for e in world.sim.trace if e.kind == "vm.running" and e.time > evicted]
    assert running, log_of(world, node_id)
    return running[0] - evicted


def typical_world() -> WhatIf:
    """Azure's latencies (vm.start ~45 s, vm.update ~20 s, vm.delete ~90 s, vm.create ~200 s)."""
    return WhatIf(latency="azure-typical", settings=SCENARIO_SETTINGS, seed=1)


def test_in_place_recovery_is_back_within_minutes_where_a_replacement_waits_out_the_nic() -> None:
    restarted = typical_world()
    node_a = launch(restarted, node_spec(), within=timedelta(minutes=15))
    evict(restarted, node_a, then_run=timedelta(minutes=20))

    replaced = typical_world()
    node_b = launch(replaced, node_spec(), within=timedelta(minutes=15))
    replaced.sim.faults.fail_allocation(lifecycle="spot")  # only on-demand: a new VM
    evict(replaced, node_b, then_run=timedelta(minutes=15))  # back before any revert to spot

    for world, node_id in ((restarted, node_a), (replaced, node_b)):
        assert node(world, node_id).status == "active", log_of(world, node_id)
    fast, slow = downtime_after_eviction(restarted, node_a), downtime_after_eviction(replaced, node_b)
    # a resize and a start, against a delete, Azure's 180 s hold on the NIC and a create
    assert fast < timedelta(minutes=3) < timedelta(minutes=3) + timedelta(seconds=180) < slow
    kinds = trace_kinds(restarted, vm_of(restarted, node_a).id)
    assert "vm.delete.accepted" not in kinds
    assert kinds.index("vm.update.succeeded") < kinds.index("vm.start.accepted")  # resized, then started


def test_recovery_attaches_a_data_disk_added_to_the_spec_when_it_restarts_the_vm(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    vm_before = vm_of(world, node_id).id
    spec = node_spec()
    disks = spec["compute"]["launchSpecification"]["dataDisks"]
    spec = with_path(spec, "compute.launchSpecification.dataDisks",
                     [*disks, {"lun": 1, "sizeGB": 32, "type": "Premium_LRS"}])
    node(world, node_id).spec = parse_node(spec)  # an edit applies at the next launch

    evict(world, node_id)

    vm = vm_of(world, node_id)
    assert vm.id == vm_before and vm.power_state == "running", log_of(world, node_id)
    assert sorted(d.lun for d in vm.data_disks) == [0, 1]
    assert sorted(d.lun or 0 for d in node(world, node_id).state.data_disks) == [0, 1]


def test_evicted_vm_deleted_during_the_notice_is_replaced_instead(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    vm = vm_of(world, node_id)
    watched = watch(world)
    world.cloud.simulate_eviction(RG, vm.name)
    world.run_for(timedelta(seconds=1))  # the node has chosen to restart it in place
    assert any("started again in place" in m for m in messages(world, node_id))

    world.sim.compute.delete_vm(RG, vm.name)
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert vm_of(world, node_id).vm_id != vm.vm_id
    assert watched.violations == []


def test_on_launch_persistence_never_restarts_the_evicted_vm(world: WhatIf) -> None:
    spec = node_spec()
    spec["persistence"].update(osDiskPersistenceMode="onLaunch", dataDisksPersistenceMode="onLaunch")
    node_id = launch(world, spec)
    old = vm_of(world, node_id)

    evict(world, node_id)

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert "vm.delete.accepted" in trace_kinds(world, old.id)
    assert not any("again in place" in m for m in messages(world, node_id))


def test_a_recycle_replaces_the_vm_even_where_a_restart_would_do(world: WhatIf) -> None:
    node_id = launch(world, node_spec(drainingTimeout=0))
    old = vm_of(world, node_id)

    world.engine.request(node_id, "recycle")
    world.run_for(timedelta(minutes=10))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert vm_of(world, node_id).vm_id != old.vm_id
    assert not any("again in place" in m for m in messages(world, node_id))


@pytest.mark.parametrize(("persistence", "in_place"), [
    ({}, True),
    ({"shouldPersistNetwork": False}, True),
    ({"shouldPersistOsDisk": False}, False),  # a fresh OS disk from the image needs a new VM
    ({"shouldPersistDataDisks": False}, False),  # new empty data disks: a replacement
    ({"osDiskPersistenceMode": "onLaunch"}, False),  # onLaunch promises a restore from snapshot
    ({"dataDisksPersistenceMode": "onLaunch"}, False),
], ids=["all-reattach", "network-not-persisted", "os-not-persisted", "data-not-persisted",
        "os-on-launch", "data-on-launch"])
def test_only_what_a_replacement_would_also_keep_restarts_in_place(
    world: WhatIf, persistence: dict[str, object], in_place: bool
) -> None:
    spec = node_spec()
    spec["persistence"].update(persistence)
    node_id = launch(world, spec)
    old = vm_of(world, node_id)

    evict(world, node_id)

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert (vm_of(world, node_id).vm_id == old.vm_id) is in_place
    assert ("vm.delete.accepted" in trace_kinds(world, old.id)) is not in_place

"""A worker killed between any two cloud calls of a recovery: the next worker converges, and
nothing is lost or orphaned (DESIGN §4: "a crash of the worker at any point is recovered by the
next pass; no orphaned resource survives garbage collection").

The worker writes a node's state only at the end of a pass (compare-and-set), so a crash throws
the whole pass away: the engine's in-memory stepper keeps the pre-pass state when a pass raises,
exactly as the store would. `WorkerCrashed` is a `BaseException` so no `except CloudError` (or
`except Exception`) in the engine can swallow it. The crashing cloud is a fake at our own seam:
the real simulated provider behind a `WatchedCloud` that dies on its N-th call.

For each persistence mode we first count the calls a clean recovery makes (from the pass that
sees Azure's Preempt notice to the node running again), then kill the worker right after each of
them in turn: every call is its own test id. A reattach recovery that stays in the disks' zone
on spot starts the evicted VM again in place (resize, start: `engine.restart`), so its modes put
the crash between those calls too; the zone-change modes try that first and then fall back.
The garbage collector's deletions (an hour later)
get the same treatment in `test_worker_killed_while_collecting_garbage_...`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from spotkeeper.cloud.port import DiskSpec
from spotkeeper.engine.leftovers import referenced_ids
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.sim.scenarios import load_trace
from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    RG,
    WatchedCloud,
    launch,
    log_of,
    make_world,
    messages,
    node,
    node_spec,
    tagged_ids,
    trace_kinds,
    vm_of,
    watch,
)

LUN0_DATA = b"orders table, committed before the eviction\n"
OS_DATA = b"/var/log/app.log: last line before the eviction\n"
LEASE = timedelta(seconds=60)  # the dead worker's lease: the next worker claims the node after it
RECOVERY = timedelta(minutes=10)
PAST_GC = timedelta(hours=2)  # past the superseded-resource TTL (1 h)


class WorkerCrashed(BaseException):
    """The worker process died (a BaseException: nothing in the engine may catch it)."""


@dataclass(frozen=True)
class Mode:
    persistence: str
    zones_down: tuple[str, ...] = ()  # refuse every VM there from before the eviction
    lose_first_choice: bool = False  # the zone a clean recovery goes to refuses VMs from the crash on
    # "notice": Azure's Preempt notice, then the eviction; "deleted": the VM just vanishes
    # (deleted in Azure); "evicted": Azure deallocates it without a notice (it stays, evicted)
    how: str = "notice"


# The node's zones are 1, 2 and 3 and it runs in zone 1. When the market changes while the dead
# worker's lease runs out, the next worker cannot simply replay the lost pass: it must cope
# with what that pass left behind for a market it can no longer use.
MODES: dict[str, Mode] = {
    "reattach": Mode("reattach"),
    "onLaunch": Mode("onLaunch"),
    "reattach-zone-change": Mode("reattach", zones_down=("1",)),
    "reattach-first-choice-lost": Mode("reattach", lose_first_choice=True),
    "onLaunch-first-choice-lost": Mode("onLaunch", lose_first_choice=True),
    "zone-change-twice": Mode("reattach", zones_down=("1",), lose_first_choice=True),
    # without a notice the whole recovery up to the launch fits in one pass
    "onLaunch-no-notice-first-choice-lost": Mode("onLaunch", lose_first_choice=True, how="deleted"),
    "no-notice-zone-change-twice": Mode("reattach", zones_down=("1",), lose_first_choice=True, how="deleted"),
    # the evicted VM is started again in place (resized), and the crash may come in between
    "reattach-evicted-silently": Mode("reattach", how="evicted"),
    "reattach-evicted-silently-first-choice-lost": Mode("reattach", lose_first_choice=True, how="evicted"),
}


@dataclass
class Evicted:
    world: WhatIf
    node_id: str
    os_fingerprint: str
    nic_id: str
    private_ip: str
    public_ip_id: str
    public_ip: str


def evicted_node(mode: str) -> Evicted:
    """A node with data on its disks whose spot VM Azure has just announced it will evict (or
    whose VM was just deleted in Azure, without notice)."""
    options = MODES[mode]
    spec = node_spec()
    spec["compute"]["zones"] = ["1", "2", "3"]
    spec["persistence"] = {
        "shouldPersistOsDisk": True, "osDiskPersistenceMode": options.persistence,
        "shouldPersistDataDisks": True, "dataDisksPersistenceMode": options.persistence,
        "shouldPersistNetwork": True,
    }
    world = make_world()
    node_id = launch(world, spec)
    world.run_for(timedelta(minutes=5))
    vm = vm_of(world, node_id)
    world.sim.write_to_vm_disk(RG, vm.name, 0, LUN0_DATA)
    os_fingerprint = world.sim.write_to_vm_disk(RG, vm.name, "os", OS_DATA, append=True)
    nic = node(world, node_id).state.nics[0]
    assert nic.private_ip and nic.public_ip_id and nic.public_ip_address
    assert vm.zone == "1"
    for zone in options.zones_down:
        world.sim.faults.fail_allocation(zone=zone)
    if options.how == "notice":
        world.cloud.simulate_eviction(RG, vm.name)
    elif options.how == "deleted":
        world.sim.compute.delete_vm(RG, vm.name)
    else:
        world.sim.compute.apply_eviction(vm, cause="market")
    return Evicted(world, node_id, os_fingerprint, nic.id, nic.private_ip, nic.public_ip_id,
                   nic.public_ip_address)


def run_until_recovered(world: WhatIf, node_id: str) -> None:
    for _ in range(int(RECOVERY / timedelta(seconds=5))):
        world.run_for(timedelta(seconds=5))
        run = node(world, node_id)
        if run.status == "active" and run.state.operation is None and run.state.vm is not None:
            return
    raise AssertionError(f"the node did not recover:\n{log_of(world, node_id)}")


@dataclass(frozen=True)
class CleanRecovery:
    calls: list[str]  # the cloud methods called, in order
    zone: str | None  # where the replacement landed


def clean_recovery(mode: str) -> CleanRecovery:
    evicted = evicted_node(mode)
    watched = watch(evicted.world)
    run_until_recovered(evicted.world, evicted.node_id)
    assert watched.violations == []
    return CleanRecovery(watched.calls, vm_of(evicted.world, evicted.node_id).zone)


CLEAN = {mode: clean_recovery(mode) for mode in MODES}
CRASH_POINTS = [
    pytest.param(mode, n, id=f"{mode}-call{n:02d}-{name}")
    for mode, clean in CLEAN.items()
    for n, name in enumerate(clean.calls, start=1)
]


def lose_zone(world: WhatIf, zone: str) -> None:
    """From now on the zone has no capacity: the market shows its spot offers unavailable (a
    replayed trace), and Azure refuses every VM there (spot or on-demand)."""
    at = world.clock.now().isoformat()
    rows = [f"{at},eastus,{zone},{size},,false" for size in ("Standard_D2s_v5", "Standard_D4s_v5")]
    world.sim.market.trace = load_trace("time,region,zone,size,spot_price,available\n" + "\n".join(rows))
    world.sim.faults.fail_allocation(zone=zone)


def crash_after(n: int) -> Any:
    """Die once the n-th call has reached the cloud: its effect is real, its answer is lost, and
    so is everything else the pass did (this covers the gap between a pass's last call and the
    write of its state, too)."""

    def after_call(count: int, name: str) -> None:
        if count == n:
            raise WorkerCrashed(f"worker killed right after cloud call {n} ({name})")

    return after_call


def test_a_clean_recovery_makes_enough_cloud_calls_to_be_worth_crashing() -> None:
    counts = {mode: sum(1 for p in CRASH_POINTS if p.values[0] == mode) for mode in MODES}
    assert all(count >= 10 for count in counts.values()), counts


def test_the_crashes_cover_both_the_in_place_restart_and_the_replacement() -> None:
    in_place = {m for m, c in CLEAN.items() if "start_vm" in c.calls and "delete_vm" not in c.calls}
    replaced = {m for m, c in CLEAN.items() if "delete_vm" in c.calls}
    assert in_place == {"reattach", "reattach-first-choice-lost", "reattach-evicted-silently",
                        "reattach-evicted-silently-first-choice-lost"}
    assert replaced == set(MODES) - in_place
    assert all(CLEAN[m].calls.index("ensure_vm") < CLEAN[m].calls.index("start_vm") for m in in_place)


@pytest.mark.parametrize(("mode", "n"), CRASH_POINTS)
def test_worker_killed_mid_recovery_converges_with_nothing_lost_or_orphaned(mode: str, n: int) -> None:
    evicted = evicted_node(mode)
    world, node_id = evicted.world, evicted.node_id
    watched = watch(world, after_call=crash_after(n))

    with pytest.raises(WorkerCrashed):
        run_until_recovered(world, node_id)
    if MODES[mode].lose_first_choice:
        lose_zone(world, CLEAN[mode].zone or "")
    world.sim.run_until(world.clock.now() + LEASE)  # the world goes on while nobody holds the node
    run_until_recovered(world, node_id)  # the next worker: the same cloud, healthy from now on
    world.run_for(PAST_GC)

    assert_converged(evicted, watched)


def assert_converged(evicted: Evicted, watched: WatchedCloud) -> None:
    world, node_id = evicted.world, evicted.node_id
    run = node(world, node_id)
    assert run.status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.power_state == "running"
    # the data came through
    (lun0,) = [d.disk_id for d in vm.data_disks if d.lun == 0]
    assert world.sim.read_disk(lun0) == LUN0_DATA
    assert world.sim.disk_fingerprint(vm.os_disk_id) == evicted.os_fingerprint
    # the network is the same: same NIC, private IP and public IP, never released
    assert vm.nic_ids == [evicted.nic_id]
    nic = world.sim.network.get_nic(RG, evicted.nic_id.rsplit("/", 1)[-1])
    assert nic.private_ip == evicted.private_ip and nic.public_ip_id == evicted.public_ip_id
    assert world.sim.network.get_public_ip(RG, evicted.public_ip_id.rsplit("/", 1)[-1]).address == \
        evicted.public_ip
    assert not [k for k in trace_kinds(world, evicted.public_ip_id) if "delete" in k]
    # no disk was ever held by two VMs; one VM runs for the node
    assert watched.violations == []
    assert [v.name for v in world.sim.compute.list_vms()] == [vm.name]
    # after garbage collection: nothing tagged with the node that it does not own, and
    # nothing it owns missing
    owned = referenced_ids(run.state)
    assert tagged_ids(world, node_id) == owned, log_of(world, node_id)
    pending = {d.resource_id.lower() for d in world.engine.pending_deletions}
    assert not pending & owned


def collected_node() -> Evicted:
    """An onLaunch node recovered from an eviction a minute before its superseded disks are due
    for deletion."""
    evicted = evicted_node("onLaunch")
    run_until_recovered(evicted.world, evicted.node_id)
    evicted.world.run_for(timedelta(minutes=59))
    return evicted


def clean_collection_calls() -> list[str]:
    evicted = collected_node()
    watched = watch(evicted.world)
    evicted.world.run_for(timedelta(minutes=5))
    assert any(name.startswith("delete_") for name in watched.calls)
    return watched.calls


GC_CRASH_POINTS = [pytest.param(n, id=f"call{n:02d}-{name}")
                   for n, name in enumerate(clean_collection_calls(), start=1)]


@pytest.mark.parametrize("n", GC_CRASH_POINTS)
def test_worker_killed_while_collecting_garbage_still_collects_everything(n: int) -> None:
    evicted = collected_node()
    world = evicted.world
    watched = watch(world, after_call=crash_after(n))

    with pytest.raises(WorkerCrashed):
        world.run_for(timedelta(minutes=5))
    world.run_for(PAST_GC)

    assert_converged(evicted, watched)


def deleted_node_calls() -> list[str]:
    evicted = evicted_node("onLaunch")
    run_until_recovered(evicted.world, evicted.node_id)
    watched = watch(evicted.world)
    delete_everything(evicted)
    return watched.calls


def delete_everything(evicted: Evicted) -> None:
    zero = {"shouldDeallocate": True, "ttlInHours": 0}
    evicted.world.engine.delete(evicted.node_id, {
        "shouldTerminateVm": True, "diskDeallocationConfig": zero, "networkDeallocationConfig": zero,
        "publicIpDeallocationConfig": zero, "snapshotDeallocationConfig": zero})
    evicted.world.run_for(timedelta(minutes=10))


DELETE_CRASH_POINTS = [pytest.param(n, id=f"call{n:02d}-{name}")
                       for n, name in enumerate(deleted_node_calls(), start=1)]


@pytest.mark.parametrize("n", DELETE_CRASH_POINTS)
def test_worker_killed_while_deleting_a_node_leaves_nothing_behind(n: int) -> None:
    evicted = evicted_node("onLaunch")
    world, node_id = evicted.world, evicted.node_id
    run_until_recovered(world, node_id)
    watch(world, after_call=crash_after(n))

    with pytest.raises(WorkerCrashed):
        delete_everything(evicted)
    world.run_for(PAST_GC)  # the disks the recovery superseded go at their own time

    assert node(world, node_id).status == "deleted", log_of(world, node_id)
    assert world.cloud.list_tagged(NODE_TAG, node_id) == []
    assert world.sim.compute.list_vms() == []


def test_resource_tagged_with_the_node_but_unknown_to_it_is_collected_after_the_next_operation() -> None:
    """What a pass made before its worker died, under a choice that pass never got to write
    down, carries the node's tag: the next operation that settles finds and collects it."""
    evicted = evicted_node("reattach")
    world, node_id = evicted.world, evicted.node_id
    stray = world.cloud.ensure_disk(DiskSpec(
        resource_group=RG, name="left-by-a-dead-worker", region="eastus", sku="Premium_LRS", size_gb=128,
        zone="3", tags={NODE_TAG: node_id}))

    run_until_recovered(world, node_id)
    assert stray.id.lower() in tagged_ids(world, node_id)
    world.run_for(PAST_GC)

    assert stray.id.lower() not in tagged_ids(world, node_id)
    assert tagged_ids(world, node_id) == referenced_ids(node(world, node_id).state)
    assert any("not part of it" in m for m in messages(world, node_id))

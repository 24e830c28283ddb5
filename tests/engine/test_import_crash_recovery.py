"""A worker killed between any two cloud calls of an import: the next worker finishes it, the
data comes through, the originals are kept for their retention time, and nothing is orphaned.

As in `test_crash_recovery`: the cloud calls of a clean import are counted per mode, then the
worker dies right after each of them in turn (its pass, and everything it would have written,
lost), the world runs on while the dead worker's lease lapses, and a healthy worker takes over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from spotkeeper.cloud.errors import NotFound
from spotkeeper.engine.leftovers import referenced_ids
from spotkeeper.whatif import WhatIf
from tests.engine.import_support import LUN0_DATA, SOURCE, SourceVm, import_spec, make_source_vm
from tests.engine.scenario_support import RG, WatchedCloud, log_of, make_world, node, tagged_ids, vm_of, watch
from tests.engine.test_crash_recovery import LEASE, WorkerCrashed, crash_after, lose_zone

RETENTION_HOURS = 3
PAST_GC = timedelta(hours=2)  # past the superseded-resource TTL, not past the retention time


@dataclass(frozen=True)
class Mode:
    network: bool
    running: bool = True
    vm_name: str | None = None
    lose_first_choice: bool = False  # the zone a clean import goes to refuses VMs from the crash on


MODES: dict[str, Mode] = {
    "network-persisted": Mode(network=True),
    "new-network": Mode(network=False),
    "stopped-vm": Mode(network=True, running=False),
    "original-name": Mode(network=False, vm_name=SOURCE),
    "first-choice-lost": Mode(network=True, lose_first_choice=True),
}


@dataclass
class Importing:
    world: WhatIf
    node_id: str
    source: SourceVm


def importing(mode: str) -> Importing:
    options = MODES[mode]
    world = make_world()
    source = make_source_vm(world, running=options.running)
    spec = import_spec(network=options.network, vm_name=options.vm_name)
    node_id = world.engine.import_vm(spec, resource_group=RG, vm_name=SOURCE, retention_hours=RETENTION_HOURS)
    return Importing(world, node_id, source)


def run_until_imported(world: WhatIf, node_id: str) -> None:
    for _ in range(int(timedelta(minutes=15) / timedelta(seconds=5))):
        world.run_for(timedelta(seconds=5))
        run = node(world, node_id)
        if run.status in ("active", "stopped") and run.state.operation is None:
            return
    raise AssertionError(f"the import did not finish:\n{log_of(world, node_id)}")


@dataclass(frozen=True)
class CleanImport:
    calls: list[str]
    zone: str | None


def clean_import(mode: str) -> CleanImport:
    started = importing(mode)
    watched = watch(started.world)
    run_until_imported(started.world, started.node_id)
    assert watched.violations == []
    return CleanImport(watched.calls, vm_of(started.world, started.node_id).zone)


CLEAN = {mode: clean_import(mode) for mode in MODES}
CRASH_POINTS = [
    pytest.param(mode, n, id=f"{mode}-call{n:02d}-{name}")
    for mode, clean in CLEAN.items()
    for n, name in enumerate(clean.calls, start=1)
]


def test_a_clean_import_makes_enough_cloud_calls_to_be_worth_crashing() -> None:
    counts = {mode: len(clean.calls) for mode, clean in CLEAN.items()}
    assert all(count >= 15 for count in counts.values()), counts
    for mode, clean in CLEAN.items():  # a running original is stopped before its disks are snapshotted
        if MODES[mode].running:
            assert clean.calls.index("deallocate_vm") < clean.calls.index("ensure_snapshot")
        else:
            assert "deallocate_vm" not in clean.calls[: clean.calls.index("ensure_snapshot")]


@pytest.mark.parametrize(("mode", "n"), CRASH_POINTS)
def test_worker_killed_mid_import_converges_with_the_data_and_the_originals_kept(mode: str, n: int) -> None:
    started = importing(mode)
    world, node_id = started.world, started.node_id
    watched = watch(world, after_call=crash_after(n))

    with pytest.raises(WorkerCrashed):
        run_until_imported(world, node_id)
    if MODES[mode].lose_first_choice:
        lose_zone(world, CLEAN[mode].zone or "")
    world.sim.run_until(world.clock.now() + LEASE)
    run_until_imported(world, node_id)
    world.run_for(PAST_GC)

    assert_imported(started, MODES[mode], watched)


def assert_imported(started: Importing, mode: Mode, watched: WatchedCloud) -> None:
    world, node_id, source = started.world, started.node_id, started.source
    run = node(world, node_id)
    assert run.status == ("active" if mode.running else "stopped"), log_of(world, node_id)
    assert run.state.import_source is not None and run.state.import_source.progress == "ImportCompleted"
    vm = vm_of(world, node_id)
    assert vm.power_state == ("running" if mode.running else "deallocated")
    # the data came through, on the node's own disks
    assert world.sim.disk_fingerprint(vm.os_disk_id) == source.os_fingerprint
    (lun0,) = [d.disk_id for d in vm.data_disks if d.lun == 0]
    assert world.sim.read_disk(lun0) == LUN0_DATA
    originals = {source.os_disk_id.lower(), source.data_disk_id.lower()}
    assert {vm.os_disk_id.lower(), lun0.lower()}.isdisjoint(originals)
    if mode.network:
        assert vm.nic_ids == [source.nic_id]
        assert world.sim.network.get_public_ip(RG, f"{SOURCE}-ip").address == source.public_ip
    # no disk was held by two VMs; the node has one VM; the original VM went or is deallocated
    assert watched.violations == []
    others = [v for v in world.sim.compute.list_vms() if v.id.lower() != vm.id.lower()]
    assert [v.power_state for v in others] == ([] if (mode.network or mode.vm_name) else ["deallocated"])
    # the originals are still there (the retention time is not over), then go
    assert _exists(world, source.os_disk_id) and _exists(world, source.data_disk_id)
    owned = referenced_ids(run.state)
    adopted = {source.nic_id.lower(), source.public_ip_id.lower()} if mode.network else set()
    assert tagged_ids(world, node_id) == owned - adopted, log_of(world, node_id)
    world.run_for(timedelta(hours=RETENTION_HOURS))
    assert not _exists(world, source.os_disk_id) and not _exists(world, source.data_disk_id)
    assert tagged_ids(world, node_id) == referenced_ids(node(world, node_id).state) - adopted


def _exists(world: WhatIf, disk_id: str) -> bool:
    try:
        world.cloud.get_disk(RG, disk_id.rsplit("/", 1)[-1])
    except NotFound:
        return False
    return True

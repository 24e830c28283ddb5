"""Garbage collection asks Azure again when Azure said to (`retry_after`), not after a fixed pause:
a NIC in its 180 s reservation for a deleted VM, and a throttled delete, come back on time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from spotkeeper.cloud.port import NicSpec, OsDiskFromImage, OsProfile, VmSpec
from spotkeeper.engine.collector import STILL_HELD_RETRY, collect_garbage
from spotkeeper.engine.context import PendingDeletion
from spotkeeper.engine.gc import Deletion, delete_resources
from spotkeeper.engine.stepper import GC_RETRY, EngineStepper
from tests.engine.import_support import UBUNTU
from tests.engine.worker_support import RG, World, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with open_world("sqlite", tmp_path) as opened:
        yield opened


def nic_of_a_deleted_vm(world: World) -> str:
    """A NIC whose VM was deleted just now: Azure holds it for that VM for 180 s."""
    nic = world.cloud.ensure_nic(NicSpec(RG, "gone-nic", "eastus", RG, "sk-vnet", "default"))
    profile = OsProfile("gone", "azureuser", ssh_public_key="ssh-ed25519 AAAA")
    world.cloud.ensure_vm(VmSpec(RG, "gone", "eastus", "Standard_D2s_v5", "Regular",
                                 OsDiskFromImage("gone-os", UBUNTU, "Premium_LRS"), (nic.id,), zone="1",
                                 os_profile=profile))
    world.cloud.delete_vm(RG, "gone")
    world.sim.advance(20)
    return nic.id


def test_a_reserved_nic_and_a_throttled_delete_say_when_to_come_back(world: World) -> None:
    nic_id = nic_of_a_deleted_vm(world)
    world.sim.faults.throttle("disk.delete", retry_after=42.0)
    results = delete_resources(world.cloud, [
        Deletion(nic_id, "nic", RG, "gone-nic"),
        Deletion(world.cloud.get_disk(RG, "gone-os").id, "disk", RG, "gone-os"),
    ])

    by_kind = {r.deletion.kind: r for r in results}
    assert by_kind["nic"].outcome == "retry" and by_kind["nic"].retry_after == pytest.approx(160, abs=1)
    assert by_kind["disk"].outcome == "retry" and by_kind["disk"].retry_after == 42.0


def test_the_collector_retries_a_reserved_nic_when_its_reservation_ends(world: World) -> None:
    node = world.add_node()
    nic_id = nic_of_a_deleted_vm(world)
    now = world.clock.now()
    entry = world.store.deletions.schedule(nic_id, kind="nic", reason="superseded", due_at=now, now=now,
                                           node_id=node.id)

    report = collect_garbage(world.store, world.cloud, now=now)

    assert report.retrying == [nic_id]
    retried = world.store.deletions.get(entry.id)
    assert retried is not None
    assert retried.due_at - now == timedelta(seconds=160) != STILL_HELD_RETRY
    world.sim.run_until(retried.due_at)
    assert collect_garbage(world.store, world.cloud, now=retried.due_at).deleted == [nic_id]


def test_the_in_memory_stepper_also_waits_as_long_as_azure_says(world: World) -> None:
    nic_id = nic_of_a_deleted_vm(world)
    stepper = EngineStepper(world.cloud, world.clock)
    now = world.clock.now()
    stepper.schedule_deletions([PendingDeletion(nic_id, "nic", RG, "gone-nic", now, "superseded")])

    stepper.collect_garbage()

    (pending,) = stepper.pending_deletions
    assert pending.due_at - now == timedelta(seconds=160) != GC_RETRY

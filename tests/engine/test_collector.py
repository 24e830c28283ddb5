"""The garbage collector over the store: due deletions carried out and retried, orphans found."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.cloud.errors import TransientCloudError
from spotkeeper.cloud.port import Disk, DiskSpec
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.engine.collector import collect_garbage, retry_delay
from spotkeeper.engine.naming import NODE_TAG
from tests.engine.worker_support import DATABASES, RG, World, open_world

GRACE = timedelta(hours=1)
STRANGER = "ssn-deadbeef"


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with open_world(request.param, tmp_path) as opened:
        yield opened


def tagged_disk(world: World, name: str, owner: str) -> Disk:
    spec = DiskSpec(RG, name, "eastus", "Premium_LRS", size_gb=32, zone="1", tags={NODE_TAG: owner})
    return world.cloud.ensure_disk(spec)


def disk_names(world: World) -> set[str]:
    return {r.name for r in world.cloud.list_tagged(NODE_TAG) if r.kind == "disk"}


def test_a_deletion_runs_once_due_and_is_noted_in_its_nodes_log(world: World) -> None:
    node = world.add_node()
    disk = tagged_disk(world, "db-old-osdisk", node.id)
    entry = world.store.deletions.schedule(
        disk.id,
        kind="disk",
        reason="superseded by the replacement VM",
        due_at=world.clock.now() + GRACE,
        now=world.clock.now(),
        node_id=node.id,
    )
    assert collect_garbage(world.store, world.cloud, now=world.clock.now()).idle
    assert "db-old-osdisk" in disk_names(world)

    world.clock.advance(GRACE)
    report = collect_garbage(world.store, world.cloud, now=world.clock.now())
    assert report.deleted == [disk.id]
    assert "db-old-osdisk" not in disk_names(world)
    done = world.store.deletions.get(entry.id)
    assert done is not None and done.done_at == world.clock.now() and done.attempts == 1
    noted = "garbage collector deleted disk db-old-osdisk (superseded by the replacement VM)"
    assert noted in world.log(node.id)


def test_a_disk_azure_still_holds_is_retried_a_minute_later(world: World) -> None:
    worker = world.worker()
    node = world.add_node()
    world.drive([worker], lambda: world.status(node.id) == "active", within=timedelta(minutes=5))
    os_disk = world.node(node.id).status_json["os_disk"]
    entry = world.store.deletions.schedule(
        os_disk["id"], kind="disk", reason="test: attached", due_at=world.clock.now(), now=world.clock.now()
    )
    report = collect_garbage(world.store, world.cloud, now=world.clock.now())
    assert report.retrying == [os_disk["id"]] and report.deleted == []
    retried = world.store.deletions.get(entry.id)
    assert retried is not None and retried.due_at == world.clock.now() + timedelta(minutes=1)
    assert retried.last_error and "attached" in retried.last_error
    assert os_disk["name"] in disk_names(world)


class FailingDeletes:
    """The simulated provider, except that deleting a disk fails with a 5xx every time."""

    def __init__(self, cloud: SimCloudProvider) -> None:
        self.cloud = cloud

    def delete_disk(self, resource_group: str, name: str) -> None:
        raise TransientCloudError("InternalServerError: the server had a moment", code="InternalServerError")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cloud, name)


def test_failed_deletions_back_off_exponentially_and_keep_their_error(world: World) -> None:
    disk = tagged_disk(world, "db-old-data0", world.add_node().id)
    entry = world.store.deletions.schedule(
        disk.id, kind="disk", reason="retention over", due_at=world.clock.now(), now=world.clock.now()
    )
    cloud = FailingDeletes(world.cloud)
    waits = []
    for _ in range(3):
        before = world.clock.now()
        report = collect_garbage(world.store, cloud, now=before)  # type: ignore[arg-type]
        assert [resource for resource, _ in report.failed] == [disk.id]
        stored = world.store.deletions.get(entry.id)
        assert stored is not None and stored.done_at is None
        waits.append(stored.due_at - before)
        world.clock.set(stored.due_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert stored.attempts == 3
    assert stored.last_error is not None and "InternalServerError" in stored.last_error
    # The cloud recovers: the next collection deletes it.
    assert collect_garbage(world.store, world.cloud, now=world.clock.now()).deleted == [disk.id]


def test_the_failure_backoff_is_capped_at_an_hour() -> None:
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(7) == timedelta(hours=1)
    assert retry_delay(500) == timedelta(hours=1)
    assert retry_delay(1, retry_after=300) == timedelta(minutes=5)


def test_an_orphan_is_scheduled_with_a_grace_and_then_deleted(world: World) -> None:
    kept_by_deleted_node = world.add_node(name="retired")
    assert world.store.nodes.update_node(
        kept_by_deleted_node.id, expected_version=1, now=world.clock.now(), deleted_at=world.clock.now()
    )
    tagged_disk(world, "retired-data0", kept_by_deleted_node.id)  # retained by its deallocation config
    stray = tagged_disk(world, "stray-disk", STRANGER)

    report = collect_garbage(world.store, world.cloud, now=world.clock.now(), orphan_grace=GRACE)
    assert report.orphans_scheduled == [stray.id] and report.deleted == []
    (entry,) = world.store.deletions.pending()
    assert entry.due_at == world.clock.now() + GRACE and entry.node_id is None
    assert f"tagged {NODE_TAG}={STRANGER}" in entry.reason and "grace of 1 hour" in entry.reason
    # Found again before its grace is over: nothing new is scheduled, nothing deleted.
    world.clock.advance(GRACE - timedelta(seconds=1))
    assert collect_garbage(world.store, world.cloud, now=world.clock.now(), orphan_grace=GRACE).idle

    world.clock.advance(timedelta(seconds=1))
    report = collect_garbage(world.store, world.cloud, now=world.clock.now(), orphan_grace=GRACE)
    assert report.deleted == [stray.id]
    assert disk_names(world) == {"retired-data0"}


def test_a_running_worker_collects_garbage_on_its_own(world: World) -> None:
    stray = tagged_disk(world, "stray-disk", STRANGER)
    started = world.clock.now()
    worker = world.worker(collect_every=timedelta(minutes=1), orphan_grace=timedelta(minutes=10))
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, args=(stop,), kwargs={"idle_sleep": 0.01}, daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while stray.name in disk_names(world):
            assert time.monotonic() < deadline, "the worker never collected the orphan"
            world.sim.run_until(world.clock.now() + timedelta(seconds=30))
            time.sleep(0.005)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()
    assert world.clock.now() - started >= timedelta(minutes=10)  # not before the orphan's grace
    assert world.store.deletions.pending() == []

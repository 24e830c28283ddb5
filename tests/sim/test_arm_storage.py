"""Managed disks and snapshots through the ARM facade, driven by the real `azure-mgmt-compute`
client: the snapshot-and-copy path that moves a node's data between zones keeps every byte."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from tests.sim.test_arm_support import RG, Facade, facade, start_facade

__all__ = ["facade"]


def _empty_disk(name: str, *, zone: str = "1", size_gb: int = 16) -> dict[str, object]:
    return {
        "location": "eastus",
        "zones": [zone],
        "sku": {"name": "Premium_LRS"},
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": size_gb},
        "tags": {"stateful-node": "node1"},
    }


def test_disk_created_through_the_sdk_has_its_read_only_fields(facade: Facade) -> None:
    disk = facade.compute().disks.begin_create_or_update(RG, "data0", _empty_disk("data0")).result()
    assert disk.provisioning_state == "Succeeded"
    assert disk.disk_state == "Unattached" and disk.managed_by is None
    assert disk.zones == ["1"] and disk.sku.name == "Premium_LRS"
    assert disk.disk_size_gb == 16 and disk.disk_size_bytes == 16 * 1024**3
    assert disk.unique_id and disk.time_created is not None


def test_snapshot_then_copy_into_another_zone_keeps_the_content(facade: Facade) -> None:
    compute = facade.compute()
    source = compute.disks.begin_create_or_update(RG, "data1", _empty_disk("data1")).result()
    fingerprint = facade.sim.write_disk(source.id, b"orders.db: 1,024 orders")
    snapshot = compute.snapshots.begin_create_or_update(
        RG,
        "data1-snap",
        {
            "location": "eastus",
            "properties": {
                "incremental": True,
                "creationData": {"createOption": "Copy", "sourceResourceId": source.id},
            },
        },
    ).result()
    assert snapshot.provisioning_state == "Succeeded" and snapshot.incremental is True
    assert snapshot.creation_data.source_resource_id == source.id
    copy = compute.disks.begin_create_or_update(
        RG,
        "data1-zone2",
        {
            "location": "eastus",
            "zones": ["2"],
            "sku": {"name": "Premium_LRS"},
            "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": snapshot.id}},
        },
    ).result()
    assert copy.zones == ["2"] and copy.disk_size_gb == 16
    assert facade.sim.disk_fingerprint(copy.id) == fingerprint


def test_disk_copy_polls_while_the_simulated_copy_runs() -> None:
    running, server = start_facade(latency="azure-typical", auto_advance=True)
    try:
        compute = running.compute()
        source = compute.disks.begin_create_or_update(RG, "big", _empty_disk("big")).result()
        started = running.clock.now()
        poller = compute.disks.begin_create_or_update(
            RG,
            "big-copy",
            {
                "location": "eastus",
                "zones": ["1"],
                "sku": {"name": "Premium_LRS"},
                "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": source.id}},
            },
        )
        assert poller.result().provisioning_state == "Succeeded"
        assert running.clock.now() > started
    finally:
        server.stop()


def test_deleting_an_attached_disk_is_refused_and_a_detached_one_goes(facade: Facade) -> None:
    vm = facade.vm("node1")
    compute = facade.compute()
    os_disk = vm.storage_profile.os_disk.managed_disk.id.rsplit("/", 1)[1]
    with pytest.raises(ResourceExistsError) as caught:
        compute.disks.begin_delete(RG, os_disk).result()
    assert caught.value.error is not None and caught.value.error.code == "OperationNotAllowed"
    compute.disks.begin_create_or_update(RG, "spare", _empty_disk("spare")).result()
    compute.disks.begin_delete(RG, "spare").result()
    assert [d.name for d in compute.disks.list_by_resource_group(RG)] == [os_disk]


def test_a_disk_cannot_move_to_another_zone(facade: Facade) -> None:
    compute = facade.compute()
    compute.disks.begin_create_or_update(RG, "pinned", _empty_disk("pinned")).result()
    with pytest.raises(HttpResponseError) as caught:
        compute.disks.begin_create_or_update(RG, "pinned", _empty_disk("pinned", zone="2"))
    assert caught.value.error is not None and caught.value.error.code == "PropertyChangeNotAllowed"


def test_disk_patch_grows_the_disk_and_keeps_its_content(facade: Facade) -> None:
    compute = facade.compute()
    disk = compute.disks.begin_create_or_update(RG, "grow", _empty_disk("grow")).result()
    fingerprint = facade.sim.write_disk(disk.id, b"keep me")
    grown = compute.disks.begin_update(RG, "grow", {"properties": {"diskSizeGB": 64}}).result()
    assert grown.disk_size_gb == 64
    assert facade.sim.disk_fingerprint(disk.id) == fingerprint


def test_snapshots_are_listed_and_deleted_with_lro(facade: Facade) -> None:
    compute = facade.compute()
    source = compute.disks.begin_create_or_update(RG, "s", _empty_disk("s")).result()
    body = {
        "location": "eastus",
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": source.id}},
    }
    compute.snapshots.begin_create_or_update(RG, "s-snap", body).result()
    assert [s.name for s in compute.snapshots.list_by_resource_group(RG)] == ["s-snap"]
    compute.snapshots.begin_delete(RG, "s-snap").result()
    assert list(compute.snapshots.list()) == []

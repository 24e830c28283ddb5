"""Disk rules of the simulated Azure: zones, one VM at a time, content that survives evictions."""

from __future__ import annotations

import hashlib

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.sim import ArmError, SimAzure, seed_default_world
from spotkeeper.sim.disk_models import disk_state
from tests.sim.conftest import RG, Builder


def test_zonal_disk_cannot_attach_to_a_vm_in_another_zone(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("data", zone="2")
    with pytest.raises(ArmError) as raised:
        build.vm("n1", zone="1", data_disks=[(0, disk.id)])
    assert (raised.value.status, raised.value.code) == (400, "BadRequest")
    assert "zone 2" in raised.value.message


def test_regional_lrs_disk_cannot_attach_to_a_zonal_vm(build: Builder) -> None:
    disk = build.disk("data", zone=None)
    with pytest.raises(ArmError) as raised:
        build.vm("n1", zone="1", data_disks=[(0, disk.id)])
    assert raised.value.status == 400


def test_zone_redundant_disk_attaches_in_any_zone(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("data", zone=None, sku="Premium_ZRS")
    vm = build.vm("n1", zone="3", data_disks=[(0, disk.id)])
    assert sim.storage.get_disk(RG, "data").managed_by == vm.id


def test_disk_attaches_to_one_vm_at_a_time(build: Builder) -> None:
    disk = build.disk("data")
    build.vm("n1", data_disks=[(0, disk.id)])
    with pytest.raises(ArmError) as raised:
        build.vm("n2", data_disks=[(0, disk.id)])
    assert (raised.value.status, raised.value.code) == (409, "OperationNotAllowed")
    assert "already attached" in raised.value.message


def test_attached_disk_cannot_be_deleted_until_its_vm_is_gone(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("data")
    build.vm("n1", data_disks=[(0, disk.id)])
    with pytest.raises(ArmError) as raised:
        sim.storage.delete_disk(RG, "data")
    assert raised.value.status == 409
    sim.compute.delete_vm(RG, "n1")
    assert sim.storage.get_disk(RG, "data").managed_by is None
    sim.storage.delete_disk(RG, "data")
    with pytest.raises(ArmError) as gone:
        sim.storage.get_disk(RG, "data")
    assert gone.value.status == 404
    sim.storage.delete_disk(RG, "data")  # gone already: success


def test_disk_keeps_its_zone_and_never_shrinks(sim: SimAzure, build: Builder) -> None:
    build.disk("data", zone="1", size_gb=64)
    with pytest.raises(ArmError) as moved:
        build.disk("data", zone="2", size_gb=64)
    assert (moved.value.status, moved.value.code) == (409, "PropertyChangeNotAllowed")
    with pytest.raises(ArmError) as shrunk:
        build.disk("data", zone="1", size_gb=32)
    assert shrunk.value.status == 400
    assert build.disk("data", zone="1", size_gb=128).size_gb == 128


def test_disk_state_is_reserved_while_its_vm_is_deallocated(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("data")
    build.vm("n1", data_disks=[(0, disk.id)])
    assert disk_state(sim.ctx, disk) == "Attached"
    sim.compute.deallocate_vm(RG, "n1")
    assert disk_state(sim.ctx, disk) == "Reserved"


def test_fingerprint_is_the_sha256_of_the_content(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("data")
    assert sim.write_disk(disk.id, b"hello") == hashlib.sha256(b"hello").hexdigest()
    sim.write_disk(disk.id, b" world", append=True)
    assert sim.read_disk(disk.id) == b"hello world"
    assert sim.disk_fingerprint(disk.id) == hashlib.sha256(b"hello world").hexdigest()


def test_data_written_before_an_eviction_reads_back_after_reattaching_to_a_new_vm(
    sim: SimAzure, build: Builder
) -> None:
    data = build.disk("n1-data")
    vm = build.vm("n1", data_disks=[(0, data.id)])
    os_disk_id = vm.os_disk_id
    sim.write_to_vm_disk(RG, "n1", 0, b"orders table, 41 rows")
    sim.write_to_vm_disk(RG, "n1", "os", b"/etc/hostname=n1")
    before = (sim.disk_fingerprint(data.id), sim.disk_fingerprint(os_disk_id))

    sim.compute.simulate_eviction(RG, "n1")
    sim.advance(30)
    assert sim.vm(RG, "n1").evicted
    sim.compute.delete_vm(RG, "n1")
    sim.advance(180)  # the NIC's reservation for the deleted VM
    nic_id = sim.network.get_nic(RG, "n1-nic").id
    replacement = sim.compute.create_or_update_vm(
        RG, "n1", build.request("n1", nic_ids=[nic_id], os_disk_id=os_disk_id, data_disks=[(0, data.id)])
    )

    assert replacement.power_state == "running"
    assert replacement.vm_id != vm.vm_id
    assert (sim.disk_fingerprint(data.id), sim.disk_fingerprint(os_disk_id)) == before
    assert sim.read_disk(data.id) == b"orders table, 41 rows"


def test_snapshot_restore_in_another_zone_brings_the_content_of_snapshot_time(
    sim: SimAzure, build: Builder
) -> None:
    disk = build.disk("data", zone="1")
    sim.write_disk(disk.id, b"version 1")
    snap = sim.storage.create_or_update_snapshot(RG, "data-snap", location="eastus", source_id=disk.id)
    sim.write_disk(disk.id, b"version 2")

    restored = sim.storage.create_or_update_disk(
        RG, "data-z2", location="eastus", sku="Premium_LRS", create_option="Copy", source_id=snap.id, zone="2"
    )

    assert restored.zone == "2"
    assert restored.size_gb == disk.size_gb
    assert sim.read_disk(restored.id) == b"version 1"
    vm = build.vm("n2", zone="2", data_disks=[(0, restored.id)])
    assert vm.power_state == "running"


def test_disk_copied_from_a_missing_snapshot_is_not_found(sim: SimAzure) -> None:
    missing = (
        f"/subscriptions/{sim.subscription_id}/resourceGroups/{RG}/providers/Microsoft.Compute/snapshots/x"
    )
    with pytest.raises(ArmError) as raised:
        sim.storage.create_or_update_disk(
            RG, "d", location="eastus", sku="Premium_LRS", create_option="Copy", source_id=missing
        )
    assert raised.value.status == 404


def test_delete_policy_eviction_deletes_the_vm_and_its_disks(sim: SimAzure, build: Builder) -> None:
    data = build.disk("data")
    vm = build.vm("n1", eviction_policy="Delete", data_disks=[(0, data.id)])
    sim.compute.simulate_eviction(RG, "n1")
    sim.advance(30)
    for disk_id in (vm.os_disk_id, data.id):
        with pytest.raises(ArmError) as raised:
            sim.read_disk(disk_id)
        assert raised.value.status == 404
    with pytest.raises(ArmError):
        sim.vm(RG, "n1")
    assert sim.network.get_nic(RG, "n1-nic").vm_id is None


def test_workload_cannot_write_to_a_stopped_vm(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    sim.compute.deallocate_vm(RG, "n1")
    with pytest.raises(ArmError) as raised:
        sim.write_to_vm_disk(RG, "n1", "os", b"x")
    assert raised.value.status == 409


def test_snapshot_progress_climbs_until_the_copy_completes(clock: ManualClock) -> None:
    slow = SimAzure(clock, seed=3, latency="azure-typical")
    seed_default_world(slow)
    disk = slow.storage.create_or_update_disk(
        RG, "d", location="eastus", sku="Premium_LRS", size_gb=8, zone="1"
    )
    assert disk.provisioning_state == "Updating"
    slow.advance(3600)
    snap = slow.storage.create_or_update_snapshot(RG, "s", location="eastus", source_id=disk.id)
    total = (snap.completes_at - snap.time_created).total_seconds()
    assert snap.provisioning_state == "Creating"
    assert snap.completion_percent(clock.now()) == 0.0
    slow.advance(total / 2)
    assert 40.0 <= snap.completion_percent(clock.now()) <= 60.0
    slow.advance(total)
    assert (slow.storage.get_snapshot(RG, "s").provisioning_state, snap.completion_percent(clock.now())) == (
        "Succeeded",
        100.0,
    )

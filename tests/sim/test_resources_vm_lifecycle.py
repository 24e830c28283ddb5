"""What may happen to an existing VM: generalizing it, an ephemeral OS disk, delete options, and
a resize while it is deallocated (what a recovery that restarts the evicted VM relies on)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from spotkeeper.sim import ArmError, OsDiskRequest, SimAzure
from tests.sim.conftest import RG, Builder


def test_a_generalized_vm_can_be_deleted_but_never_started_again(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    with pytest.raises(ArmError) as running:
        sim.compute.generalize_vm(RG, "n1")
    assert running.value.status == 409
    sim.compute.deallocate_vm(RG, "n1")

    assert sim.compute.generalize_vm(RG, "n1").generalized
    with pytest.raises(ArmError) as start:
        sim.compute.start_vm(RG, "n1")
    assert start.value.code == "OperationNotAllowed" and "generalized" in start.value.message
    sim.compute.delete_vm(RG, "n1")


def test_a_vm_with_an_ephemeral_os_disk_cannot_be_deallocated(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("n1-nic")
    request = build.request("n1", nic_ids=[nic.id])
    ephemeral = replace(request, os_disk=replace(request.os_disk, ephemeral=True))
    vm = sim.compute.create_or_update_vm(RG, "n1", ephemeral)
    assert vm.os_disk_ephemeral

    with pytest.raises(ArmError) as raised:
        sim.compute.deallocate_vm(RG, "n1")
    assert raised.value.status == 409 and "ephemeral" in raised.value.message


def test_an_ephemeral_os_disk_comes_only_from_an_image(sim: SimAzure, build: Builder) -> None:
    disk = build.disk("os", zone="1")
    nic = build.nic("n1-nic")
    request = build.request("n1", nic_ids=[nic.id], os_disk_id=disk.id)
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(
            RG, "n1", replace(request, os_disk=OsDiskRequest("Attach", disk_id=disk.id, ephemeral=True)))
    assert raised.value.target == "storageProfile.osDisk.diffDiskSettings"


def test_setting_delete_options_to_detach_keeps_the_disks_of_a_deleted_vm(
    sim: SimAzure, build: Builder
) -> None:
    data = build.disk("data")
    nic = build.nic("n1-nic")
    request = build.request("n1", nic_ids=[nic.id], data_disks=[(0, data.id)])
    deleting = replace(request, os_disk=replace(request.os_disk, delete_option="Delete"),
                       data_disks=tuple(replace(d, delete_option="Delete") for d in request.data_disks))
    vm = sim.compute.create_or_update_vm(RG, "n1", deleting)
    os_disk_id = vm.os_disk_id

    sim.compute.keep_disks_on_delete(RG, "n1")
    sim.compute.delete_vm(RG, "n1")

    assert sim.storage.require_disk(os_disk_id).managed_by is None
    assert sim.storage.require_disk(data.id).managed_by is None
    assert [t.kind for t in sim.trace if t.kind == "vm.patched"] == ["vm.patched"]


def test_a_deallocated_vm_resizes_without_capacity_and_starts_at_its_new_size(
    sim: SimAzure, build: Builder
) -> None:
    vm = build.vm("n1", zone="1")
    sim.compute.deallocate_vm(RG, "n1")
    sim.faults.fail_allocation(size="Standard_D4s_v5", zone="1", lifecycle="spot", times=1)

    resized = build.request("n1", nic_ids=vm.nic_ids, size="Standard_D4s_v5", with_os_profile=True)
    sim.compute.create_or_update_vm(RG, "n1", resized)  # no capacity is needed to resize it
    assert (vm.size, vm.power_state) == ("Standard_D4s_v5", "deallocated")
    with pytest.raises(ArmError) as refused:
        sim.compute.start_vm(RG, "n1")  # the market refuses once…
    assert refused.value.code == "SkuNotAvailable"
    sim.compute.start_vm(RG, "n1")  # …then has room
    assert sim.vm(RG, "n1").power_state == "running"

"""The cloud port's semantics, stated once and run against every provider (`cloud` fixture).

These are the promises the engine builds on: `ensure_*` is idempotent, deleting a VM keeps its
disks, NIC and IP, `get` after `delete` is NotFound, an eviction is announced 30 s ahead and then
reported, and Azure's failures arrive as the port's closed error set.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from spotkeeper.cloud.errors import (
    CapacityUnavailable,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    TransientCloudError,
)
from spotkeeper.cloud.port import DataDiskAttach, DiskSpec, ImageRef, SnapshotSpec
from spotkeeper.sim import DataDiskRequest, ImageReference, OsDiskRequest, OsProfileRequest, VmRequest
from tests.contract.conftest import RG, CloudUnderTest

SIM_UBUNTU = ImageReference(publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2")

# ----------------------------------------------------------------------------- idempotency


def test_ensuring_twice_gives_the_same_resources_and_addresses(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    ip = p.ensure_public_ip(cloud.ip_spec("n1-ip"))
    nic = p.ensure_nic(cloud.nic_spec("n1-nic", public_ip_id=ip.id))
    disk = p.ensure_disk(cloud.disk_spec("n1-data"))
    vm = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, data_disks=(DataDiskAttach(0, disk.id),)))

    again_ip = p.ensure_public_ip(cloud.ip_spec("n1-ip"))
    assert (again_ip.id, again_ip.address, again_ip.attached_nic_id) == (ip.id, ip.address, nic.id)
    again_nic = p.ensure_nic(cloud.nic_spec("n1-nic", public_ip_id=ip.id))
    assert (again_nic.id, again_nic.private_ip, again_nic.mac_address) == (
        nic.id,
        nic.private_ip,
        nic.mac_address,
    )
    assert p.ensure_disk(cloud.disk_spec("n1-data")).id == disk.id
    again_vm = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, data_disks=(DataDiskAttach(0, disk.id),)))
    assert (again_vm.id, again_vm.vm_id, again_vm.os_disk_id) == (vm.id, vm.vm_id, vm.os_disk_id)
    assert len([r for r in cloud.sim.compute.list_vms() if r.name == "n1"]) == 1


def test_ensuring_a_snapshot_again_returns_it_unchanged(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    disk = p.ensure_disk(cloud.disk_spec("d"))
    cloud.sim.write_disk(disk.id, b"first")
    snap = p.ensure_snapshot(SnapshotSpec(RG, "d-snap", "eastus", disk.id))
    cloud.sim.write_disk(disk.id, b"second")
    again = p.ensure_snapshot(SnapshotSpec(RG, "d-snap", "eastus", disk.id))
    assert again == snap
    restored = p.ensure_disk(DiskSpec(RG, "d-copy", "eastus", "Premium_LRS", create_option="Copy",
                                      source_id=snap.id, zone="2"))  # fmt: skip
    assert cloud.sim.read_disk(restored.id) == b"first"


# ----------------------------------------------------------------------------- deletes


def test_deleting_a_vm_keeps_its_disks_nic_and_ip_unattached(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    ip = p.ensure_public_ip(cloud.ip_spec("n1-ip"))
    nic = p.ensure_nic(cloud.nic_spec("n1-nic", public_ip_id=ip.id))
    data = p.ensure_disk(cloud.disk_spec("n1-data"))
    vm = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, data_disks=(DataDiskAttach(0, data.id),)))

    p.delete_vm(RG, "n1")
    cloud.advance(180)  # the NIC is reserved for the deleted VM for 180 s

    for disk_id in (vm.os_disk_id, data.id):
        disk = p.get_disk(RG, disk_id.rsplit("/", 1)[-1])
        assert (disk.disk_state, disk.managed_by) == ("Unattached", None)
    kept_nic = p.get_nic(RG, "n1-nic")
    assert (kept_nic.attached_vm_id, kept_nic.private_ip, kept_nic.public_ip_id) == (
        None,
        nic.private_ip,
        ip.id,
    )
    assert p.get_public_ip(RG, "n1-ip").address == ip.address
    replacement = p.ensure_vm(
        cloud.vm_spec("n1", nic_id=nic.id, os_disk_id=vm.os_disk_id, data_disks=(DataDiskAttach(0, data.id),))
    )
    assert replacement.power_state == "running"
    assert replacement.vm_id != vm.vm_id


def test_deleting_a_vm_made_with_delete_options_still_keeps_its_disks(cloud: CloudUnderTest) -> None:
    """A VM the port did not make (one being imported) may say `deleteOption: Delete`."""
    nic = cloud.provider.ensure_nic(cloud.nic_spec("n1-nic"))
    data = cloud.provider.ensure_disk(cloud.disk_spec("n1-data"))
    request = VmRequest(
        "eastus", "Standard_D2s_v5", OsDiskRequest("FromImage", name="n1-os", delete_option="Delete"),
        (nic.id,), image=SIM_UBUNTU, zone="1",
        data_disks=(DataDiskRequest(0, data.id, delete_option="Delete"),),
        os_profile=OsProfileRequest("n1", "azureuser", ssh_public_key="ssh-ed25519 AAAA test"),
    )
    vm = cloud.sim.compute.create_or_update_vm(RG, "n1", request)

    cloud.provider.delete_vm(RG, "n1")
    cloud.advance(300)

    with pytest.raises(NotFound):
        cloud.provider.get_vm(RG, "n1")
    for disk_id in (vm.os_disk_id, data.id):
        assert cloud.provider.get_disk(RG, disk_id.rsplit("/", 1)[-1]).disk_state == "Unattached"


def test_get_after_delete_is_not_found_and_deleting_again_is_success(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    ip = p.ensure_public_ip(cloud.ip_spec("ip"))
    p.ensure_nic(cloud.nic_spec("nic"))
    disk = p.ensure_disk(cloud.disk_spec("disk"))
    p.ensure_snapshot(SnapshotSpec(RG, "snap", "eastus", disk.id))
    for delete, get, name in (
        (p.delete_snapshot, p.get_snapshot, "snap"),
        (p.delete_disk, p.get_disk, "disk"),
        (p.delete_nic, p.get_nic, "nic"),
        (p.delete_public_ip, p.get_public_ip, "ip"),
    ):
        delete(RG, name)
        with pytest.raises(NotFound):
            get(RG, name)
        delete(RG, name)
    assert ip.address
    p.delete_vm(RG, "never-existed")
    with pytest.raises(NotFound):
        p.get_vm(RG, "never-existed")


def test_vm_get_after_delete_is_not_found(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.delete_vm(RG, "n1")
    with pytest.raises(NotFound):
        p.get_vm(RG, "n1")
    with pytest.raises(NotFound):
        p.deallocate_vm(RG, "n1")


# ----------------------------------------------------------------------------- restarting a VM


def test_a_deallocated_vm_is_resized_in_place_and_starts_at_its_new_size(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    vm = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.simulate_eviction(RG, "n1")
    cloud.advance(60)
    assert p.get_vm(RG, "n1").evicted

    resized = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, size="Standard_D4s_v5"))
    cloud.advance(120)
    after = p.get_vm(RG, "n1")
    assert (resized.vm_id, after.size, after.power_state) == (vm.vm_id, "Standard_D4s_v5", "deallocated")
    p.start_vm(RG, "n1")
    cloud.advance(120)
    started = p.get_vm(RG, "n1")
    assert (started.vm_id, started.size, started.power_state, started.evicted) == (
        vm.vm_id, "Standard_D4s_v5", "running", False)
    assert started.os_disk_id == vm.os_disk_id and started.nic_ids == (nic.id,)
    p.start_vm(RG, "n1")  # running already: nothing to do


def test_zone_and_priority_never_change_in_place(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.deallocate_vm(RG, "n1")
    cloud.advance(300)
    for change in ({"zone": "2"}, {"priority": "Regular"}):
        with pytest.raises(Conflict) as raised:
            p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, **change))  # type: ignore[arg-type]
        assert raised.value.retry_after is None


def test_starting_a_vm_without_capacity_is_capacity_unavailable(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.deallocate_vm(RG, "n1")
    cloud.advance(300)
    cloud.sim.faults.fail_allocation(zone="1", lifecycle="spot", times=1)
    with pytest.raises(CapacityUnavailable) as raised:
        p.start_vm(RG, "n1")
    assert (raised.value.size, raised.value.zone, raised.value.lifecycle) == ("Standard_D2s_v5", "1", "spot")


def test_a_generalized_vm_reports_it_and_cannot_start(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.deallocate_vm(RG, "n1")
    cloud.advance(300)
    cloud.sim.compute.generalize_vm(RG, "n1")

    assert p.get_vm(RG, "n1").generalized
    with pytest.raises(Conflict):
        p.start_vm(RG, "n1")


# ----------------------------------------------------------------------------- eviction


def test_evicted_spot_vm_reports_evicted_after_a_notice_30_seconds_ahead(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))

    p.simulate_eviction(RG, "n1")
    [event] = p.get_scheduled_events(RG, "n1")
    assert event.event_type == "Preempt"
    assert event.not_before is not None
    assert event.not_before - cloud.clock.now() >= timedelta(seconds=30)

    cloud.advance((event.not_before - cloud.clock.now()).total_seconds() - 1)
    assert p.get_vm(RG, "n1").power_state == "running"
    cloud.advance(1)
    vm = p.get_vm(RG, "n1")
    assert (vm.evicted, vm.power_state) == (True, "deallocated")
    assert p.get_scheduled_events(RG, "n1") == []


def test_simulating_eviction_of_an_on_demand_vm_is_an_invalid_request(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, priority="Regular"))
    with pytest.raises(InvalidRequest):
        p.simulate_eviction(RG, "n1")


# ----------------------------------------------------------------------------- errors


def test_capacity_shortage_is_capacity_unavailable_for_that_market(cloud: CloudUnderTest) -> None:
    cloud.sim.faults.fail_allocation(size="Standard_D2s_v5", zone="1", lifecycle="spot")
    nic = cloud.provider.ensure_nic(cloud.nic_spec("n1-nic"))
    with pytest.raises(CapacityUnavailable) as raised:
        cloud.provider.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    assert (raised.value.size, raised.value.zone, raised.value.lifecycle) == ("Standard_D2s_v5", "1", "spot")
    assert cloud.provider.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, zone="2")).power_state == "running"


def test_allocation_failure_after_acceptance_shows_on_the_vm(cloud: CloudUnderTest) -> None:
    cloud.sim.faults.fail_operation("vm.create", "AllocationFailed")
    nic = cloud.provider.ensure_nic(cloud.nic_spec("n1-nic"))
    cloud.provider.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    vm = cloud.provider.get_vm(RG, "n1")
    assert (vm.provisioning_state, vm.failure_code) == ("Failed", "AllocationFailed")


def test_throttling_is_throttled_with_retry_after(cloud: CloudUnderTest) -> None:
    cloud.sim.faults.throttle("disk.create", retry_after=7.0)
    with pytest.raises(Throttled) as raised:
        cloud.provider.ensure_disk(cloud.disk_spec("d"))
    assert raised.value.retry_after == 7.0
    assert cloud.provider.ensure_disk(cloud.disk_spec("d")).name == "d"


def test_server_errors_are_transient(cloud: CloudUnderTest) -> None:
    cloud.sim.faults.fail_transient("nic.create", status=503)
    with pytest.raises(TransientCloudError):
        cloud.provider.ensure_nic(cloud.nic_spec("nic"))


def test_quota_exhaustion_is_quota_exceeded(cloud: CloudUnderTest) -> None:
    cloud.sim.quotas.set_limit("eastus", "DSv5", 2, lifecycle="od")
    nic = cloud.provider.ensure_nic(cloud.nic_spec("n1-nic"))
    with pytest.raises(QuotaExceeded):
        cloud.provider.ensure_vm(
            cloud.vm_spec("n1", nic_id=nic.id, size="Standard_D4s_v5", priority="Regular")
        )


def test_disk_attached_elsewhere_is_a_conflict(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    disk = p.ensure_disk(cloud.disk_spec("shared"))
    first = p.ensure_nic(cloud.nic_spec("a-nic"))
    second = p.ensure_nic(cloud.nic_spec("b-nic"))
    p.ensure_vm(cloud.vm_spec("a", nic_id=first.id, data_disks=(DataDiskAttach(0, disk.id),)))
    with pytest.raises(Conflict):
        p.ensure_vm(cloud.vm_spec("b", nic_id=second.id, data_disks=(DataDiskAttach(0, disk.id),)))
    p.ensure_vm(cloud.vm_spec("b", nic_id=second.id))
    with pytest.raises(Conflict):
        p.attach_data_disk(RG, "b", DataDiskAttach(0, disk.id))


def test_reserved_nic_is_a_conflict_with_retry_after(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.delete_vm(RG, "n1")
    cloud.advance(30)
    with pytest.raises(Conflict) as raised:
        p.ensure_vm(cloud.vm_spec("n2", nic_id=nic.id))
    assert raised.value.retry_after == 150.0
    with pytest.raises(Conflict):
        p.delete_nic(RG, "n1-nic")


def test_os_profile_with_an_attached_os_disk_is_an_invalid_request(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    vm = p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    p.delete_vm(RG, "n1")
    cloud.advance(180)
    with pytest.raises(InvalidRequest):
        p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id, os_disk_id=vm.os_disk_id, os_profile=True))


def test_disk_in_another_zone_and_too_many_disks_are_invalid_requests(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(cloud.nic_spec("n1-nic"))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    far = p.ensure_disk(cloud.disk_spec("far", zone="2"))
    with pytest.raises(InvalidRequest):
        p.attach_data_disk(RG, "n1", DataDiskAttach(0, far.id))
    limit = cloud.sim.catalog.size("Standard_D2s_v5")
    assert limit is not None
    for lun in range(limit.max_data_disks):
        p.attach_data_disk(RG, "n1", DataDiskAttach(lun, p.ensure_disk(cloud.disk_spec(f"d{lun}")).id))
    p.attach_data_disk(RG, "n1", DataDiskAttach(0, p.get_disk(RG, "d0").id))  # same disk, same LUN: no-op
    with pytest.raises(InvalidRequest):
        p.attach_data_disk(RG, "n1", DataDiskAttach(9, p.ensure_disk(cloud.disk_spec("extra")).id))
    p.detach_data_disk(RG, "n1", far.id)  # not attached: success
    p.detach_data_disk(RG, "n1", p.get_disk(RG, "d0").id)
    assert [d.lun for d in p.get_vm(RG, "n1").data_disks] == list(range(1, limit.max_data_disks))


# ----------------------------------------------------------------------------- observation


def test_offers_quote_spot_and_on_demand_per_size_and_zone(cloud: CloudUnderTest) -> None:
    offers = cloud.provider.get_market("eastus", ["Standard_D2s_v5", "Standard_Nope"], ["1", "2"])
    assert {(o.size, o.zone, o.lifecycle) for o in offers} == {
        ("Standard_D2s_v5", zone, lifecycle) for zone in ("1", "2") for lifecycle in ("spot", "od")
    }
    spot = next(o for o in offers if o.lifecycle == "spot")
    od = next(o for o in offers if o.lifecycle == "od")
    assert spot.price_hour is not None and od.price_hour is not None
    assert spot.price_hour < od.price_hour
    assert spot.eviction_band in ("0-5", "5-10", "10-15", "15-20", "20+")


def test_inventory_lists_the_world(cloud: CloudUnderTest) -> None:
    inventory = cloud.provider.get_inventory("eastus")
    assert RG in inventory.resource_groups
    assert [(v.name, [s.name for s in v.subnets]) for v in inventory.virtual_networks] == [
        ("sk-vnet", ["default", "backend"])
    ]
    assert [(b.name, b.type, b.sku, b.backend_pools) for b in inventory.load_balancers] == [
        ("sk-appgw", "applicationGateway", "Standard_v2", ("sk-pool",)),
        ("sk-lb", "loadBalancer", "Standard", ("sk-lb-pool",)),
    ]
    assert [c.name for c in inventory.capacity_reservation_groups] == ["sk-crg"]
    kinds = {(i.ref.kind, i.os_state) for i in inventory.images}
    assert kinds == {("custom", "Generalized"), ("custom", "Specialized"), ("gallery", "Generalized"),
                     ("gallery", "Specialized")}  # fmt: skip


def test_image_resolution_follows_gallery_latest(cloud: CloudUnderTest) -> None:
    ref = ImageRef("gallery", resource_group=RG, gallery="sk_gallery", name="sk-linux-data")
    info = cloud.provider.get_image(ref, "eastus")
    assert (info.ref.version, info.data_disk_luns) == ("1.1.0", (0, 1))
    with pytest.raises(NotFound):
        cloud.provider.get_image(ImageRef("custom", resource_group=RG, name="nope"), "eastus")


def test_tagged_resources_are_listed_by_tag(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    p.ensure_disk(replace(cloud.disk_spec("tagged"), tags={"spotkeeper-node": "n1"}))
    p.ensure_disk(cloud.disk_spec("untagged"))
    found = p.list_tagged("spotkeeper-node", "n1")
    assert [(r.kind, r.name) for r in found] == [("disk", "tagged")]
    assert p.list_tagged("spotkeeper-node", "other") == []


def test_backend_health_is_reported_by_private_ip(cloud: CloudUnderTest) -> None:
    p = cloud.provider
    nic = p.ensure_nic(replace(cloud.nic_spec("n1-nic"), backend_pool_ids=(cloud.world.pool_id,)))
    p.ensure_vm(cloud.vm_spec("n1", nic_id=nic.id))
    assert p.get_backend_health(RG, "sk-appgw") == {nic.private_ip: "Healthy"}
    p.deallocate_vm(RG, "n1")
    assert p.get_backend_health(RG, "sk-appgw") == {nic.private_ip: "Unhealthy"}
    with pytest.raises(NotFound):
        p.get_backend_health(RG, "no-gateway")

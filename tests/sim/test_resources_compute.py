"""VM rules and lifecycle of the simulated Azure: Azure's refusals, power states over simulated
time, capacity, quota, reservations, images and application gateway health."""

from __future__ import annotations

from dataclasses import replace

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.sim import ArmError, ImageReference, OsProfileRequest, SimAzure, seed_default_world
from spotkeeper.sim.trace import load_trace
from tests.sim.conftest import RG, Builder

# ----------------------------------------------------------------------------- Azure's refusals


def test_vm_on_an_existing_os_disk_takes_no_os_profile(sim: SimAzure, build: Builder) -> None:
    first = build.vm("n1")
    sim.compute.delete_vm(RG, "n1")
    nic = build.nic("n2-nic")
    request = build.request("n2", nic_ids=[nic.id], os_disk_id=first.os_disk_id, with_os_profile=True)
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(RG, "n2", request)
    assert (raised.value.status, raised.value.code, raised.value.target) == (
        400,
        "InvalidParameter",
        "osProfile",
    )


def test_vm_on_an_existing_os_disk_takes_no_image_reference(sim: SimAzure, build: Builder) -> None:
    first = build.vm("n1")
    sim.compute.delete_vm(RG, "n1")
    nic = build.nic("n2-nic")
    request = replace(
        build.request("n2", nic_ids=[nic.id], os_disk_id=first.os_disk_id),
        image=ImageReference("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
    )
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(RG, "n2", request)
    assert raised.value.status == 400
    assert "Cannot attach an existing OS disk" in raised.value.message


def test_generalized_image_needs_an_os_profile_and_specialized_refuses_one(
    sim: SimAzure, build: Builder
) -> None:
    generalized = ImageReference(id=build.world.custom_image_ids["generalized"])
    specialized = ImageReference(id=build.world.custom_image_ids["specialized"])
    with pytest.raises(ArmError) as missing:
        build.vm("a", image=generalized, with_os_profile=False)
    assert missing.value.target == "osProfile"
    with pytest.raises(ArmError) as extra:
        build.vm("b", image=specialized, with_os_profile=True)
    assert extra.value.target == "osProfile"
    assert build.vm("c", image=specialized, with_os_profile=False).power_state == "running"


def test_spot_vm_cannot_use_a_capacity_reservation(build: Builder) -> None:
    with pytest.raises(ArmError) as raised:
        build.vm("n1", crg=build.world.crg_id)
    assert raised.value.status == 400
    assert "Spot" in raised.value.message


def test_regular_vms_fill_the_reservation_then_run_over_it(sim: SimAzure, build: Builder) -> None:
    for name in ("a", "b", "c"):
        build.vm(name, priority="Regular", crg=build.world.crg_id)
    reservation = sim.reservations.get_group(RG, "sk-crg").reservations["d2s-v5-z1"]
    assert reservation.used == 2  # capacity 2: the third VM is over-allocated on on-demand capacity
    assert [sim.vm(RG, n).on_reserved_capacity for n in ("a", "b", "c")] == [True, True, False]
    sim.compute.deallocate_vm(RG, "a")
    assert reservation.used == 1


def test_eviction_fields_on_a_regular_vm_are_refused(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("n-nic")
    request = replace(build.request("n", nic_ids=[nic.id], priority="Regular"), eviction_policy="Deallocate")
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(RG, "n", request)
    assert raised.value.code == "EvictionPolicyCanBeSetOnlyOnAzureSpotVirtualMachines"


def test_user_data_must_be_base64(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("n-nic")
    request = replace(build.request("n", nic_ids=[nic.id]), user_data="not base64!")
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(RG, "n", request)
    assert raised.value.target == "userData"


def test_quota_is_counted_per_family_and_separately_for_spot(sim: SimAzure, build: Builder) -> None:
    sim.quotas.set_limit("eastus", "DSv5", 4, lifecycle="spot")
    build.vm("a")
    build.vm("b")
    with pytest.raises(ArmError) as raised:
        build.vm("c")
    assert (raised.value.status, raised.value.code) == (409, "OperationNotAllowed")
    assert "quota" in raised.value.message
    assert build.vm("d", priority="Regular").power_state == "running"  # the regular quota is separate


def test_more_data_disks_than_the_size_allows_is_refused(sim: SimAzure, build: Builder) -> None:
    limit = sim.catalog.size("Standard_D2s_v5")
    assert limit is not None
    disks = [(lun, build.disk(f"d{lun}").id) for lun in range(limit.max_data_disks + 1)]
    with pytest.raises(ArmError) as raised:
        build.vm("n1", data_disks=disks)
    assert (raised.value.status, raised.value.code) == (409, "OperationNotAllowed")
    assert "maximum number of data disks" in raised.value.message


def test_simulated_eviction_of_a_regular_vm_is_refused(sim: SimAzure, build: Builder) -> None:
    build.vm("n1", priority="Regular")
    with pytest.raises(ArmError) as raised:
        sim.compute.simulate_eviction(RG, "n1")
    assert (raised.value.status, raised.value.code) == (400, "OperationNotAllowed")


# ----------------------------------------------------------------------------- capacity and failures


def test_spot_vm_is_refused_while_the_market_has_no_capacity(clock: ManualClock) -> None:
    trace = load_trace(
        "time,region,zone,size,spot_price,available\n2026-01-01T00:00:00Z,eastus,1,Standard_D2s_v5,,false\n"
    )
    sim = SimAzure(clock, seed=2, trace=trace)
    world = seed_default_world(sim)
    build = Builder(sim, world)
    with pytest.raises(ArmError) as raised:
        build.vm("n1", zone="1")
    assert (raised.value.status, raised.value.code) == (409, "SkuNotAvailable")
    assert build.vm("n2", zone="2").power_state == "running"


def test_allocation_failure_reported_late_leaves_a_failed_vm(sim: SimAzure, build: Builder) -> None:
    sim.faults.fail_operation("vm.create", "AllocationFailed")
    vm = build.vm("n1")
    assert (vm.provisioning_state, vm.failure_code, vm.power_state) == (
        "Failed",
        "AllocationFailed",
        "deallocated",
    )
    assert sim.compute.start_vm(RG, "n1").power_state == "running"


def test_injected_throttling_surfaces_as_a_429_with_retry_after(sim: SimAzure, build: Builder) -> None:
    sim.faults.throttle("vm.create", retry_after=12.0)
    with pytest.raises(ArmError) as raised:
        build.vm("n1")
    assert (raised.value.status, raised.value.retry_after) == (429, 12.0)


# ----------------------------------------------------------------------------- time


def test_vm_passes_through_azure_power_states_over_simulated_time(clock: ManualClock) -> None:
    sim = SimAzure(clock, seed=5, latency="azure-typical")
    build = Builder(sim, seed_default_world(sim))
    sim.advance(60)  # let the world's own resources finish
    vm = build.vm("n1")
    assert (vm.provisioning_state, vm.power_state, vm.agent_status(clock.now())) == (
        "Creating",
        "starting",
        "NotReady",
    )
    with pytest.raises(ArmError) as busy:
        sim.compute.deallocate_vm(RG, "n1")
    assert busy.value.status == 409
    assert busy.value.retry_after is not None and busy.value.retry_after > 0
    sim.advance(1800)
    assert (vm.provisioning_state, vm.power_state, vm.agent_status(clock.now())) == (
        "Succeeded",
        "running",
        "Ready",
    )
    sim.compute.deallocate_vm(RG, "n1")
    assert vm.power_state == "deallocating"
    sim.advance(1800)
    assert (vm.power_state, vm.agent_status(clock.now())) == ("deallocated", "Unknown")
    sim.compute.power_off_vm(RG, "n1")  # already deallocated: nothing to do
    sim.compute.start_vm(RG, "n1")
    assert vm.power_state == "starting"
    sim.advance(1800)
    sim.compute.power_off_vm(RG, "n1")
    assert vm.power_state == "stopping"
    sim.advance(1800)
    assert vm.power_state == "stopped"


def test_run_until_applies_each_event_at_its_own_time(clock: ManualClock) -> None:
    sim = SimAzure(clock, seed=5, latency="azure-typical")
    build = Builder(sim, seed_default_world(sim))
    sim.advance(60)
    vm = build.vm("n1")
    assert vm.pending is not None
    due = vm.pending.at
    sim.run_until(due + (due - clock.now()) * 4)
    running = next(t for t in sim.trace if t.kind == "vm.running")
    assert running.time == vm.running_since == due
    assert clock.now() > due


# ----------------------------------------------------------------------------- images


def test_image_with_data_disk_definitions_gives_the_vm_those_disks(sim: SimAzure, build: Builder) -> None:
    vm = build.vm("n1", image=ImageReference(id=build.world.custom_image_ids["data"]))
    sizes = {d.lun: sim.ctx.state.disks[d.disk_id.lower()].size_gb for d in vm.data_disks}
    assert sizes == {0: 32, 1: 64}


def test_gallery_latest_is_the_highest_version(sim: SimAzure, build: Builder) -> None:
    latest = sim.images.resolve(ImageReference(id=build.world.gallery_image_ids["generalized"]), "eastus")
    pinned = sim.images.resolve(
        ImageReference(id=build.world.gallery_image_ids["generalized"] + "/versions/1.0.0"), "eastus"
    )
    assert (latest.version, pinned.version) == ("1.1.0", "1.0.0")


def test_unknown_marketplace_image_is_not_found(build: Builder) -> None:
    with pytest.raises(ArmError) as raised:
        build.vm("n1", image=ImageReference("Canonical", "no-such-offer", "1"))
    assert (raised.value.status, raised.value.code) == (404, "PlatformImageNotFound")


def test_gen1_only_size_cannot_boot_a_gen2_image(sim: SimAzure, build: Builder) -> None:
    gen1_only = next(s for s in sim.catalog.sizes_in("eastus") if s.hyperv_generations == frozenset({"V1"}))
    with pytest.raises(ArmError) as raised:
        build.vm("n1", size=gen1_only.name, priority="Regular")
    assert "Hypervisor Generation" in raised.value.message


# ----------------------------------------------------------------------------- backend health


def test_backend_health_follows_the_vm_and_can_be_forced_unhealthy(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("n1-nic", pools=[build.world.pool_id])
    sim.compute.create_or_update_vm(RG, "n1", build.request("n1", nic_ids=[nic.id]))
    assert sim.gateways.backend_health(RG, "sk-appgw") == {"sk-pool": {nic.private_ip: "Healthy"}}
    sim.compute.set_vm_unhealthy(RG, "n1")
    assert sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"][nic.private_ip] == "Unhealthy"
    sim.compute.set_vm_unhealthy(RG, "n1", False)
    sim.compute.deallocate_vm(RG, "n1")
    assert sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"][nic.private_ip] == "Unhealthy"


def test_backend_turns_healthy_one_probe_after_the_agent_is_ready(clock: ManualClock) -> None:
    sim = SimAzure(clock, seed=5, latency="azure-typical")
    world = seed_default_world(sim)
    build = Builder(sim, world)
    sim.advance(60)
    nic = build.nic("n1-nic", pools=[world.pool_id])
    sim.advance(60)
    sim.compute.create_or_update_vm(RG, "n1", build.request("n1", nic_ids=[nic.id]))
    vm = sim.vm(RG, "n1")
    while vm.agent_ready_at is None:
        sim.advance(5)
    sim.run_until(vm.agent_ready_at)
    assert sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"][nic.private_ip] == "Unhealthy"
    sim.advance(30)
    assert sim.gateways.backend_health(RG, "sk-appgw")["sk-pool"][nic.private_ip] == "Healthy"


def test_os_profile_is_first_boot_data_and_ignored_on_update(sim: SimAzure, build: Builder) -> None:
    vm = build.vm("n1")
    nic_id = vm.nic_ids[0]
    request = replace(
        build.request("n1", nic_ids=[nic_id]),
        os_profile=OsProfileRequest("other", "someone"),
        tags={"node": "n1"},
    )
    updated = sim.compute.create_or_update_vm(RG, "n1", request)
    assert updated.tags == {"node": "n1"}
    assert updated.os_profile is not None and updated.os_profile.computer_name == "n1"


def test_changing_a_vm_zone_in_place_is_refused(sim: SimAzure, build: Builder) -> None:
    vm = build.vm("n1")
    with pytest.raises(ArmError) as raised:
        sim.compute.create_or_update_vm(RG, "n1", build.request("n1", nic_ids=vm.nic_ids, zone="2"))
    assert (raised.value.status, raised.value.code) == (409, "PropertyChangeNotAllowed")


def test_a_failed_delete_leaves_the_vm_to_be_deleted_again(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    sim.faults.fail_operation("vm.delete", "InternalExecutionError")
    sim.compute.delete_vm(RG, "n1")
    vm = sim.vm(RG, "n1")
    assert (vm.provisioning_state, vm.failure_code) == ("Failed", "InternalExecutionError")
    sim.compute.delete_vm(RG, "n1")
    with pytest.raises(ArmError) as gone:
        sim.vm(RG, "n1")
    assert gone.value.status == 404

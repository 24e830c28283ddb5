"""Virtual machines through the ARM facade, driven by the real `azure-mgmt-compute` client:
create with LRO polling, instance view, power actions, Spot eviction, delete, and the errors
a driver branches on."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from spotkeeper.clock import ScaledClock
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.arm import ArmServer
from tests.sim.test_arm_support import RG, Facade, facade, start_facade

__all__ = ["facade"]


def _power(statuses: list[object]) -> str:
    codes = [getattr(s, "code", "") for s in statuses]
    return next(c for c in codes if c.startswith("PowerState/")).split("/", 1)[1]


def test_spot_vm_created_through_the_sdk_runs_with_its_os_disk_and_nic(facade: Facade) -> None:
    vm = facade.vm("node1")
    assert vm.provisioning_state == "Succeeded"
    assert vm.priority == "Spot" and vm.eviction_policy == "Deallocate"
    assert vm.zones == ["1"]
    assert vm.vm_id and vm.time_created is not None
    os_disk = facade.compute().disks.get(RG, vm.storage_profile.os_disk.managed_disk.id.rsplit("/", 1)[1])
    assert os_disk.managed_by == vm.id and os_disk.disk_state == "Attached"
    nic = facade.network().network_interfaces.get(RG, "node1-nic")
    assert nic.virtual_machine.id == vm.id
    view = facade.compute().virtual_machines.instance_view(RG, "node1")
    assert _power(view.statuses) == "running"
    assert view.vm_agent.statuses[0].display_status == "Ready"


def test_get_with_expand_instance_view_and_user_data(facade: Facade) -> None:
    nic = facade.nic("n2")
    body = facade.vm_body(nic.id)
    body["properties"]["userData"] = "aGVsbG8="
    compute = facade.compute()
    compute.virtual_machines.begin_create_or_update(RG, "node2", body).result()
    plain = compute.virtual_machines.get(RG, "node2")
    assert plain.instance_view is None and plain.user_data is None
    expanded = compute.virtual_machines.get(RG, "node2", expand="instanceView")
    assert _power(expanded.instance_view.statuses) == "running"
    assert compute.virtual_machines.get(RG, "node2", expand="userData").user_data == "aGVsbG8="


def test_create_polls_until_the_simulated_create_has_completed() -> None:
    """With Azure's typical latency on a manual clock, the create is still `Creating` when the
    PUT answers; the SDK's polls move the clock (auto_advance) until the VM runs."""
    running, server = start_facade(latency="azure-typical", auto_advance=True)
    try:
        nic = running.nic("slow-nic")
        started = running.clock.now()
        poller = running.compute().virtual_machines.begin_create_or_update(
            RG, "slow", running.vm_body(nic.id)
        )
        vm = poller.result()
        assert vm.provisioning_state == "Succeeded"
        assert running.clock.now() > started  # the create took simulated time
        kinds = [e.kind for e in running.sim.trace if e.resource.endswith("/virtualmachines/slow")]
        assert kinds.index("vm.create.accepted") < kinds.index("vm.create.succeeded")
    finally:
        server.stop()


def test_deallocate_then_start_moves_the_power_state(facade: Facade) -> None:
    facade.vm("node3")
    compute = facade.compute()
    compute.virtual_machines.begin_deallocate(RG, "node3").result()
    assert _power(compute.virtual_machines.instance_view(RG, "node3").statuses) == "deallocated"
    os_disk_id = compute.virtual_machines.get(RG, "node3").storage_profile.os_disk.managed_disk.id
    assert compute.disks.get(RG, os_disk_id.rsplit("/", 1)[1]).disk_state == "Reserved"
    compute.virtual_machines.begin_start(RG, "node3").result()
    assert _power(compute.virtual_machines.instance_view(RG, "node3").statuses) == "running"
    compute.virtual_machines.begin_power_off(RG, "node3").result()
    assert _power(compute.virtual_machines.instance_view(RG, "node3").statuses) == "stopped"


def test_simulate_eviction_answers_204_and_deallocates_after_the_30_second_notice(facade: Facade) -> None:
    facade.vm("node4")
    compute = facade.compute()
    assert compute.virtual_machines.simulate_eviction(RG, "node4") is None
    events = facade.sim.imds_scheduled_events(RG, "node4")["Events"]
    assert [e["EventType"] for e in events] == ["Preempt"]
    assert _power(compute.virtual_machines.instance_view(RG, "node4").statuses) == "running"
    facade.sim.advance(30)
    vm = compute.virtual_machines.get(RG, "node4", expand="instanceView")
    assert _power(vm.instance_view.statuses) == "deallocated"
    assert compute.disks.get(RG, vm.storage_profile.os_disk.managed_disk.id.rsplit("/", 1)[1]) is not None


def test_delete_with_lro_removes_the_vm_and_keeps_its_detach_disks_and_nic(facade: Facade) -> None:
    vm = facade.vm("node5")
    compute = facade.compute()
    compute.virtual_machines.begin_delete(RG, "node5").result()
    with pytest.raises(ResourceNotFoundError):
        compute.virtual_machines.get(RG, "node5")
    disk = compute.disks.get(RG, vm.storage_profile.os_disk.managed_disk.id.rsplit("/", 1)[1])
    assert disk.managed_by is None and disk.disk_state == "Unattached"
    assert facade.network().network_interfaces.get(RG, "node5-nic").virtual_machine is None
    compute.virtual_machines.begin_delete(RG, "node5").result()  # already gone: success


def test_missing_vm_raises_resource_not_found(facade: Facade) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        facade.compute().virtual_machines.get(RG, "nobody")
    assert caught.value.error is not None and caught.value.error.code == "ResourceNotFound"


def test_no_spot_capacity_is_a_409_whose_code_is_sku_not_available(facade: Facade) -> None:
    facade.sim.faults.fail_allocation(lifecycle="spot")
    nic = facade.nic("n6")
    with pytest.raises(ResourceExistsError) as caught:
        facade.compute().virtual_machines.begin_create_or_update(RG, "node6", facade.vm_body(nic.id))
    assert caught.value.status_code == 409
    assert caught.value.error is not None and caught.value.error.code == "SkuNotAvailable"


def test_a_create_that_fails_asynchronously_raises_with_the_operation_code(facade: Facade) -> None:
    facade.sim.faults.fail_operation("vm.create", "OverconstrainedAllocationRequest")
    nic = facade.nic("n7")
    poller = facade.compute().virtual_machines.begin_create_or_update(RG, "node7", facade.vm_body(nic.id))
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error is not None and caught.value.error.code == "OverconstrainedAllocationRequest"
    view = facade.compute().virtual_machines.instance_view(RG, "node7")
    assert view.statuses[0].code == "ProvisioningState/failed/OverconstrainedAllocationRequest"


def test_throttled_request_is_429_with_an_integer_retry_after(facade: Facade) -> None:
    facade.sim.faults.throttle("arm.get", retry_after=2.5, times=1)
    with pytest.raises(HttpResponseError) as caught:
        list(facade.compute(retry_total=0).virtual_machines.list(RG))
    assert caught.value.status_code == 429
    assert caught.value.response is not None and caught.value.response.headers["Retry-After"] == "3"
    assert caught.value.error is not None and caught.value.error.code == "TooManyRequests"
    assert list(facade.compute(retry_total=0).virtual_machines.list(RG)) == []  # one-shot rule


def test_attach_detach_data_disks_returns_the_new_storage_profile(facade: Facade) -> None:
    facade.vm("node8")
    compute = facade.compute()
    disks = [
        compute.disks.begin_create_or_update(
            RG,
            f"node8-data{lun}",
            {
                "location": "eastus",
                "zones": ["1"],
                "sku": {"name": "Premium_LRS"},
                "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 16},
            },
        ).result()
        for lun in (0, 1)
    ]
    profile = compute.virtual_machines.begin_attach_detach_data_disks(
        RG, "node8", {"dataDisksToAttach": [{"diskId": d.id, "lun": i} for i, d in enumerate(disks)]}
    ).result()
    assert [(d.lun, d.managed_disk.id) for d in profile.data_disks] == [(0, disks[0].id), (1, disks[1].id)]
    assert compute.disks.get(RG, "node8-data1").managed_by.endswith("/virtualMachines/node8")
    profile = compute.virtual_machines.begin_attach_detach_data_disks(
        RG, "node8", {"dataDisksToDetach": [{"diskId": disks[0].id}]}
    ).result()
    assert [d.lun for d in profile.data_disks] == [1]


def test_patch_changes_tags_and_a_priority_change_is_refused(facade: Facade) -> None:
    facade.vm("node9")
    compute = facade.compute()
    patched = compute.virtual_machines.begin_update(
        RG, "node9", {"tags": {"stateful-node": "node9", "x": "y"}}
    ).result()
    assert patched.tags == {"stateful-node": "node9", "x": "y"}
    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_update(RG, "node9", {"properties": {"priority": "Regular"}}).result()
    assert caught.value.error is not None and caught.value.error.code == "PropertyChangeNotAllowed"


def test_attaching_an_os_disk_with_an_image_reference_is_refused(facade: Facade) -> None:
    vm = facade.vm("node10")
    compute = facade.compute()
    compute.virtual_machines.begin_delete(RG, "node10").result()
    body = facade.vm_body(vm.network_profile.network_interfaces[0].id)
    body["properties"]["storageProfile"]["osDisk"] = {
        "createOption": "Attach",
        "osType": "Linux",
        "managedDisk": {"id": vm.storage_profile.os_disk.managed_disk.id},
    }
    with pytest.raises(HttpResponseError) as caught:
        compute.virtual_machines.begin_create_or_update(RG, "node10", body)
    assert caught.value.status_code == 400 and caught.value.error is not None
    assert caught.value.error.target == "imageReference"


def test_vms_are_listed_by_group_and_by_subscription(facade: Facade) -> None:
    facade.vm("node11")
    compute = facade.compute()
    assert [v.name for v in compute.virtual_machines.list(RG)] == ["node11"]
    assert [v.name for v in compute.virtual_machines.list_all()] == ["node11"]
    assert [v.name for v in compute.virtual_machines.list_by_location("eastus")] == ["node11"]


def test_os_disk_with_delete_option_goes_with_its_vm_unless_patched_to_detach(facade: Facade) -> None:
    compute = facade.compute()
    disk_ids = {}
    for name in ("gone", "kept"):
        nic = facade.nic(f"{name}-nic")
        body = facade.vm_body(nic.id)
        body["properties"]["storageProfile"]["osDisk"]["deleteOption"] = "Delete"
        disk_ids[name] = (
            compute.virtual_machines.begin_create_or_update(RG, name, body)
            .result()
            .storage_profile.os_disk.managed_disk.id
        )
    compute.virtual_machines.begin_update(
        RG,
        "kept",
        {"properties": {"storageProfile": {"osDisk": {"deleteOption": "Detach"}, "dataDisks": []}}},
    ).result()
    assert compute.virtual_machines.get(RG, "kept").storage_profile.os_disk.delete_option == "Detach"
    for name in ("gone", "kept"):
        compute.virtual_machines.begin_delete(RG, name).result()
    remaining = {d.id.lower() for d in compute.disks.list_by_resource_group(RG)}
    assert disk_ids["kept"].lower() in remaining and disk_ids["gone"].lower() not in remaining


def test_extension_put_through_the_sdk_is_listed_on_the_vm(facade: Facade) -> None:
    facade.vm("node12")
    compute = facade.compute()
    extension = compute.virtual_machine_extensions.begin_create_or_update(
        RG,
        "node12",
        "agent",
        {
            "location": "eastus",
            "properties": {
                "publisher": "Microsoft.Azure.Extensions",
                "type": "CustomScript",
                "typeHandlerVersion": "2.1",
                "settings": {"commandToExecute": "echo hi"},
                "protectedSettings": {"secret": "never echoed"},
            },
        },
    ).result()
    assert extension.provisioning_state == "Succeeded" and extension.protected_settings is None
    listed = compute.virtual_machine_extensions.list(RG, "node12")
    assert [(e.name, e.properties.type) for e in listed.value] == [("agent", "CustomScript")]


def test_with_a_scaled_clock_the_polls_see_the_create_finish_in_real_time() -> None:
    sim = SimAzure(ScaledClock(5000.0), seed=3, latency="azure-typical")
    world = seed_default_world(sim)
    with ArmServer(sim) as server:
        running = Facade(sim, world, server, sim.clock)
        nic = running.nic("rt-nic")
        vm = (
            running.compute()
            .virtual_machines.begin_create_or_update(RG, "rt", running.vm_body(nic.id))
            .result()
        )
    assert vm.provisioning_state == "Succeeded"
    assert any(e.kind == "vm.create.succeeded" for e in sim.trace)


def test_a_create_preempted_by_a_delete_reports_the_operation_canceled() -> None:
    running, server = start_facade(latency="azure-typical", auto_advance=True)
    try:
        nic = running.nic("c-nic")
        server.facade.operations.auto_advance = False  # from here the manual clock stands still
        compute = running.compute()
        poller = compute.virtual_machines.begin_create_or_update(RG, "doomed", running.vm_body(nic.id))
        assert compute.virtual_machines.get(RG, "doomed").provisioning_state == "Creating"
        assert not poller.done()
        compute.virtual_machines.begin_delete(RG, "doomed", polling=False)
        with pytest.raises(HttpResponseError) as caught:
            poller.result(timeout=10)
        assert caught.value.error is not None and caught.value.error.code == "OperationPreempted"
    finally:
        server.stop()


def test_a_generalized_vm_says_so_in_its_instance_view(facade: Facade) -> None:
    facade.vm("golden")
    compute = facade.compute()
    compute.virtual_machines.begin_deallocate(RG, "golden").result()
    compute.virtual_machines.generalize(RG, "golden")
    codes = [s.code for s in compute.virtual_machines.instance_view(RG, "golden").statuses]
    assert "OSState/generalized" in codes
    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_start(RG, "golden").result()
    assert caught.value.error is not None and caught.value.error.code == "OperationNotAllowed"

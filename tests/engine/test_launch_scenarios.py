"""A node's first launch on the simulated Azure: which market, what the VM looks like, and what
happens when the market says no (synchronously, asynchronously, or everywhere)."""

from __future__ import annotations

from datetime import timedelta

from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    RG,
    events_matching,
    evict,
    launch,
    log_of,
    messages,
    node,
    node_spec,
    tagged_ids,
    vm_of,
    watch,
)
from tests.factories import SSH_PUBLIC_KEY, with_path


def test_node_launches_on_its_preferred_spot_size_in_its_preferred_zone(world: WhatIf) -> None:
    node_id = launch(world, node_spec())

    vm = vm_of(world, node_id)
    assert (vm.size, vm.zone, vm.priority) == ("Standard_D2s_v5", "1", "Spot")
    assert vm.eviction_policy == "Deallocate"  # Delete would take the persisted disks with it
    record = node(world, node_id).state.vm
    assert record is not None and record.lifecycle == "spot"


def test_vm_carries_the_nodes_tags_nics_data_disks_at_their_luns_and_login(world: WhatIf) -> None:
    spec = with_path(node_spec(), "compute.launchSpecification.dataDisks", [
        {"lun": 0, "sizeGB": 128, "type": "Premium_LRS"},
        {"lun": 3, "sizeGB": 32, "type": "StandardSSD_LRS"},
    ])
    node_id = launch(world, spec)

    vm = vm_of(world, node_id)
    state = node(world, node_id).state
    assert vm.tags["env"] == "test" and vm.tags["owner"] == "spotkeeper"
    assert vm.tags["spotkeeper-node"] == node_id
    assert vm.nic_ids == [n.id for n in state.nics]
    nic = world.sim.network.get_nic(RG, state.nics[0].name)
    assert nic.private_ip == "10.0.0.4" and nic.public_ip_id is not None
    by_lun = {d.lun: world.sim.storage.require_disk(d.disk_id) for d in vm.data_disks}
    assert sorted(by_lun) == [0, 3]
    assert (by_lun[0].size_gb, by_lun[0].sku) == (128, "Premium_LRS")
    assert (by_lun[3].size_gb, by_lun[3].sku) == (32, "StandardSSD_LRS")
    assert vm.os_profile is not None
    assert vm.os_profile.admin_username == "azureuser"
    assert vm.os_profile.ssh_public_key == SSH_PUBLIC_KEY


def test_every_resource_of_the_node_carries_its_tags_including_the_os_disk_azure_made(world: WhatIf) -> None:
    node_id = launch(world, node_spec())

    state = node(world, node_id).state
    assert state.os_disk is not None
    os_disk = world.sim.storage.require_disk(state.os_disk.id)
    assert os_disk.tags["spotkeeper-node"] == node_id and os_disk.tags["env"] == "test"
    owned = {state.os_disk.id, state.data_disks[0].id, state.nics[0].id, state.nics[0].public_ip_id}
    assert state.vm is not None
    assert tagged_ids(world, node_id) == {i.lower() for i in owned if i} | {state.vm.id.lower()}


def test_vm_name_is_the_persisted_vm_name(world: WhatIf) -> None:
    node_id = launch(world, with_path(node_spec(), "compute.launchSpecification.vmName", "db-01"))

    assert vm_of(world, node_id).name == "db-01"
    assert vm_of(world, node_id).os_profile.computer_name == "db-01"  # type: ignore[union-attr]


def test_vm_name_prefix_starts_the_vm_name(world: WhatIf) -> None:
    node_id = launch(world, with_path(node_spec(), "compute.launchSpecification.vmNamePrefix", "web"))

    assert vm_of(world, node_id).name.startswith("web-")


def test_no_spot_capacity_with_fallback_launches_on_demand(world: WhatIf) -> None:
    world.sim.faults.fail_allocation(lifecycle="spot")

    node_id = launch(world, node_spec(fallbackToOd=True))

    vm = vm_of(world, node_id)
    assert vm.priority == "Regular" and vm.size == "Standard_D4s_v5"  # the node's only odSize
    assert any("fallback to on-demand" in m for m in messages(world, node_id))
    assert any("refused the VM" in m and "SkuNotAvailable" in m for m in messages(world, node_id))


def test_no_spot_capacity_without_fallback_waits_and_says_why(world: WhatIf) -> None:
    world.sim.faults.fail_allocation(lifecycle="spot")
    node_id = world.add_node(node_spec(fallbackToOd=False))

    world.run_for(timedelta(minutes=30))

    assert node(world, node_id).status == "launching"
    assert node(world, node_id).state.vm is None
    assert world.sim.compute.list_vms() == []
    waits = events_matching(world, node_id, "no market can take the VM now")
    assert waits, log_of(world, node_id)
    assert "fallbackToOd is off" in waits[0][1] and "spot market(s) refused" in waits[0][1]

    world.sim.faults.clear()
    world.run_for(timedelta(minutes=15))
    assert node(world, node_id).status == "active"
    assert vm_of(world, node_id).priority == "Spot"


def test_waiting_without_fallback_does_not_pile_up_empty_disks(world: WhatIf) -> None:
    """Each refused market got an empty disk in its zone; none of them must outlive the wait."""
    world.sim.faults.fail_allocation(lifecycle="spot")
    node_id = world.add_node(node_spec(fallbackToOd=False))

    world.run_for(timedelta(hours=2))

    disks = [r for r in world.cloud.list_tagged("spotkeeper-node", node_id) if r.kind == "disk"]
    assert len(disks) <= 1, [d.name for d in disks]


def test_market_refusing_asynchronously_is_marked_failed_and_the_next_candidate_is_used(
    world: WhatIf,
) -> None:
    world.sim.faults.fail_operation("vm.create", "AllocationFailed")
    watched = watch(world)

    node_id = launch(world, node_spec(), within=timedelta(minutes=10))

    assert watched.violations == []  # the failed VM is gone before its successor is created
    vm = vm_of(world, node_id)
    assert (vm.size, vm.zone) != ("Standard_D2s_v5", "1")
    refused = events_matching(world, node_id, "refused the VM: provisioning failed (AllocationFailed)")
    assert refused and "Standard_D2s_v5 zone 1" in refused[0][1]
    state = node(world, node_id).state
    assert [f.code for f in state.failed_markets] == ["AllocationFailed"]
    # the VM whose allocation failed is gone, and so is the OS disk Azure made for it
    failed_vm = [e for e in world.sim.trace if e.kind == "vm.create.failed"]
    assert len(failed_vm) == 1
    assert all(vm.id.lower() != failed_vm[0].resource for vm in world.sim.compute.list_vms())
    world.run_for(timedelta(minutes=5))
    assert len([d for d in world.sim.storage.list_disks() if d.os_type is not None]) == 1


def test_launch_survives_throttling_and_transient_errors(world: WhatIf) -> None:
    world.sim.faults.throttle("vm.create", retry_after=20)
    world.sim.faults.fail_transient("nic.create", status=503)

    node_id = launch(world, node_spec(), within=timedelta(minutes=5))

    assert vm_of(world, node_id).priority == "Spot"
    assert any("throttling" in m for m in messages(world, node_id))


def test_persisted_nic_deleted_by_hand_is_recreated_with_the_same_private_ip(world: WhatIf) -> None:
    node_id = launch(world, node_spec())
    nic = node(world, node_id).state.nics[0]
    world.engine.request(node_id, "pause")
    world.run_for(timedelta(minutes=10))  # drain, remove the VM, and let the NIC's reservation lapse
    assert node(world, node_id).status == "paused"
    world.sim.network.delete_nic(RG, nic.name)

    world.engine.request(node_id, "resume")
    world.run_for(timedelta(minutes=5))

    assert node(world, node_id).status == "active", log_of(world, node_id)
    assert node(world, node_id).state.nics[0].private_ip == "10.0.0.4"
    assert any("no longer exists in Azure; recreating it" in m for m in messages(world, node_id))


def test_permanent_cloud_error_fails_the_node_with_the_reason_until_a_recycle(world: WhatIf) -> None:
    world.sim.faults.fail_request("vm.create", status=400, code="InvalidParameter",
                                  message="The value of parameter imageReference is invalid.", times=None)
    node_id = world.add_node(node_spec())

    world.run_for(timedelta(hours=1))

    run = node(world, node_id)
    assert run.status == "error"
    assert run.state.error_reason == (
        "Azure rejected the request: InvalidParameter: The value of parameter imageReference is invalid.")
    assert run.passes < 10  # a failed node waits for a person; it does not retry on every pass
    world.sim.faults.clear()
    world.engine.request(node_id, "recycle")
    world.run_for(timedelta(minutes=5))
    assert node(world, node_id).status == "active", log_of(world, node_id)


def test_node_joins_its_load_balancer_backend_pool(world: WhatIf) -> None:
    spec = with_path(node_spec(), "compute.launchSpecification.loadBalancersConfig", {"loadBalancers": [{
        "type": "loadBalancer", "resourceGroupName": RG, "name": "sk-lb", "loadBalancerSku": "Standard",
        "backendPoolNames": ["sk-lb-pool"]}]})

    node_id = launch(world, spec)

    nic = world.sim.network.get_nic(RG, node(world, node_id).state.nics[0].name)
    assert [p.rsplit("/", 3)[-3] for p in nic.backend_pool_ids] == ["sk-lb"]
    assert world.sim.load_balancers.backend_members(RG, "sk-lb") == {"sk-lb-pool": [nic.private_ip]}


def test_node_behind_a_load_balancer_stays_in_its_pool_across_an_eviction(world: WhatIf) -> None:
    balancer = {"type": "loadBalancer", "resourceGroupName": RG, "name": "sk-lb",
                "backendPoolNames": ["sk-lb-pool"]}
    spec = with_path(node_spec(revertToSpot={"performAt": "never"}),
                     "compute.launchSpecification.loadBalancersConfig", {"loadBalancers": [balancer]})
    spec["persistence"]["shouldPersistNetwork"] = False
    node_id = launch(world, spec)
    world.sim.faults.fail_allocation(lifecycle="spot")  # a replacement with a new NIC

    evict(world, node_id)
    world.run_for(timedelta(hours=2))  # the old NIC (and with it its pool membership) is collected

    assert node(world, node_id).status == "active", log_of(world, node_id)
    nic = node(world, node_id).state.nics[0]
    assert world.sim.load_balancers.backend_members(RG, "sk-lb") == {"sk-lb-pool": [nic.private_ip or ""]}

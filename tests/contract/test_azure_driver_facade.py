"""The Azure driver against the ARM facade, for what only this driver does: it never waits
for Azure's long-running operations, reads the market from Resource Graph and remembers
Azure's capacity refusals, copes with a resource not yet readable after its PUT, and reports
an unreachable endpoint as a transient failure.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.cloud.azure import AzureCloudProvider, StaticTokenCredential
from spotkeeper.cloud.azure.market import REFUSAL_MEMORY
from spotkeeper.cloud.errors import CapacityUnavailable, Throttled, TransientCloudError
from spotkeeper.cloud.port import ExtensionSpec, PublicIpSpec, SnapshotSpec
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.arm import ArmServer
from tests.contract.conftest import RG, CloudUnderTest, _serve


@pytest.fixture
def azure(arm_server: ArmServer) -> Iterator[CloudUnderTest]:
    """The driver over a simulator with Azure's typical latencies (operations take time)."""
    clock = ManualClock()
    sim = SimAzure(clock, seed=5, latency="azure-typical")
    world = seed_default_world(sim)
    _serve(arm_server, sim)
    with AzureCloudProvider(
        StaticTokenCredential(),
        sim.subscription_id,
        base_url=arm_server.base_url,
        connection_verify=arm_server.ca_pem,
        polling_interval=0.01,
        retry_total=0,
        clock=clock,
    ) as provider:
        yield CloudUnderTest("azure-via-arm-facade", provider, sim, clock, world)


def test_creates_return_at_once_with_the_operation_still_running(azure: CloudUnderTest) -> None:
    p = azure.provider
    started = azure.clock.now()
    nic = p.ensure_nic(azure.nic_spec("n1-nic"))
    vm = p.ensure_vm(azure.vm_spec("n1", nic_id=nic.id))
    assert azure.clock.now() == started  # nothing waited for simulated time to pass
    assert (vm.provisioning_state, vm.power_state) == ("Creating", "starting")
    azure.advance(600)
    settled = p.get_vm(RG, "n1")
    assert (settled.provisioning_state, settled.power_state) == ("Succeeded", "running")


def test_a_disk_copy_is_seen_in_progress_then_done(azure: CloudUnderTest) -> None:
    p = azure.provider
    source = p.ensure_disk(azure.disk_spec("src", size_gb=256))
    azure.advance(120)
    snap = p.ensure_snapshot(SnapshotSpec(RG, "src-snap", "eastus", source.id))
    assert snap.provisioning_state in ("Creating", "Updating") or snap.completion_percent < 100
    azure.advance(3600)
    assert p.get_snapshot(RG, "src-snap").completion_percent == 100.0


def test_the_market_is_resource_graphs_bands_and_prices_with_catalog_on_demand(azure: CloudUnderTest) -> None:
    offers = azure.provider.get_market("eastus", ["Standard_D2s_v5", "Standard_D4s_v5"], ["1"])
    market, catalog, now = azure.sim.market, azure.sim.catalog, azure.clock.now()
    for offer in offers:
        quoted = catalog.price("eastus", offer.size)
        assert quoted is not None
        if offer.lifecycle == "spot":
            assert offer.eviction_band == market.eviction_band("eastus", offer.size)
            assert offer.price_hour == pytest.approx(
                market.spot_price("eastus", "", offer.size, now), abs=1e-6
            )
        else:
            assert (offer.price_hour, offer.eviction_band) == (quoted.od_hour, None)
    assert {(o.size, o.lifecycle) for o in offers} == {
        (size, lifecycle) for size in ("Standard_D2s_v5", "Standard_D4s_v5") for lifecycle in ("spot", "od")
    }


def test_resource_graph_answers_are_cached_for_a_while(azure: CloudUnderTest) -> None:
    p = azure.provider
    p.get_market("eastus", ["Standard_D2s_v5"])
    azure.sim.faults.throttle("arm.post", retry_after=3.0)
    p.get_market("eastus", ["Standard_D2s_v5"])  # served from the cache: no query, no throttle
    azure.clock.advance(timedelta(minutes=6))
    with pytest.raises(Throttled):
        p.get_market("eastus", ["Standard_D2s_v5"])


def test_a_refused_market_is_quoted_unavailable_for_a_while(azure: CloudUnderTest) -> None:
    p = azure.provider
    azure.sim.faults.fail_allocation(size="Standard_D2s_v5", zone="1", lifecycle="spot")
    nic = p.ensure_nic(azure.nic_spec("n1-nic"))
    with pytest.raises(CapacityUnavailable):
        p.ensure_vm(azure.vm_spec("n1", nic_id=nic.id))

    def available() -> dict[tuple[str | None, str], bool]:
        return {
            (o.zone, o.lifecycle): o.available
            for o in p.get_market("eastus", ["Standard_D2s_v5"], ["1", "2"])
        }

    assert available() == {("1", "spot"): False, ("1", "od"): True, ("2", "spot"): True, ("2", "od"): True}
    azure.clock.advance(REFUSAL_MEMORY)
    assert all(available().values())


def test_an_allocation_failure_reported_later_is_remembered_too(azure: CloudUnderTest) -> None:
    p = azure.provider
    azure.sim.faults.fail_operation("vm.create", "AllocationFailed")
    nic = p.ensure_nic(azure.nic_spec("n1-nic"))
    p.ensure_vm(azure.vm_spec("n1", nic_id=nic.id, zone="2", priority="Regular"))
    azure.advance(600)
    assert p.get_vm(RG, "n1").failure_code == "AllocationFailed"
    [offer] = [o for o in p.get_market("eastus", ["Standard_D2s_v5"], ["2"]) if o.lifecycle == "od"]
    assert not offer.available


def test_a_resource_not_yet_readable_after_its_put_is_reported_as_being_created(
    azure: CloudUnderTest,
) -> None:
    # ARM is eventually consistent: the GET before the PUT and the one after both miss it.
    azure.sim.faults.fail_request("arm.get", status=404, code="ResourceNotFound", times=2)
    ip = azure.provider.ensure_public_ip(PublicIpSpec(RG, "fresh-ip", "eastus"))
    assert (ip.name, ip.provisioning_state, ip.address) == ("fresh-ip", "Creating", "")
    assert ip.id == azure.provider.resource_id("Microsoft.Network/publicIPAddresses", RG, "fresh-ip")
    assert azure.provider.get_public_ip(RG, "fresh-ip").address


def test_an_unreachable_endpoint_is_a_transient_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the driver connects
    sim = SimAzure(ManualClock())
    with (
        AzureCloudProvider(
            StaticTokenCredential(), sim.subscription_id, base_url=f"https://127.0.0.1:{port}", retry_total=0
        ) as provider,
        pytest.raises(TransientCloudError),
    ):
        provider.get_vm(RG, "n1")


def test_extensions_wait_for_the_vm_to_be_provisioned_then_are_installed(azure: CloudUnderTest) -> None:
    p = azure.provider
    nic = p.ensure_nic(azure.nic_spec("n1-nic"))
    agent = ExtensionSpec("health", "Microsoft.ManagedServices", "ApplicationHealthLinux", "1.0")
    spec = replace(azure.vm_spec("n1", nic_id=nic.id), extensions=(agent,))
    p.ensure_vm(spec)  # Azure is still creating the VM: the extension must wait
    assert [e.name for e in azure.sim.compute.get_vm(RG, "n1").extensions] == []
    azure.advance(600)
    p.ensure_vm(spec)
    assert [e.name for e in azure.sim.compute.get_vm(RG, "n1").extensions] == ["health"]

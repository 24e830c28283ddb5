"""The `cloud` fixture: one provider of the cloud port per parameter, each with the simulated
Azure behind it as the test's control surface (faults, quotas, clock).

Parameters: "sim" (`SimCloudProvider` calling `SimAzure` directly) and "azure-via-arm-facade"
(the real Azure driver, `AzureCloudProvider` over the official SDK, talking HTTPS to the ARM
facade serving the same `SimAzure`; one facade server per session, handed each test's fresh
simulator). Every test runs against both. A gap of one provider is marked with
`pytest.mark.xfail(strict=True, reason=...)` in the test (or, for the Azure driver, in
`AZURE_GAPS` below), never skipped silently. The live Azure run is
`tests/contract/test_azure_driver_live.py` (it cannot steer a real subscription through
`cloud.sim`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.cloud.azure import AzureCloudProvider, FacadeScheduledEvents, StaticTokenCredential
from spotkeeper.cloud.port import (
    CloudProvider,
    DataDiskAttach,
    DiskSpec,
    ImageRef,
    NicSpec,
    OsDiskAttach,
    OsDiskFromImage,
    OsProfile,
    PublicIpSpec,
    VmSpec,
)
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.sim import DefaultWorld, SimAzure, seed_default_world
from spotkeeper.sim.arm import ArmServer

PROVIDERS = ["sim", "azure-via-arm-facade"]
# Known gaps of the Azure driver over the ARM facade: test name -> why it cannot pass.
AZURE_GAPS: dict[str, str] = {
    "test_reserved_nic_is_a_conflict_with_retry_after": (
        "Azure states only the whole 180 s NIC reservation in its message (no Retry-After on a 400), "
        "so the driver's retry_after is 180, not the 150 s left"
    ),
}
RG = "sk-sandbox"
REGION = "eastus"
UBUNTU = ImageRef(
    "marketplace", publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2"
)


@dataclass
class CloudUnderTest:
    name: str
    provider: CloudProvider
    sim: SimAzure  # the simulated Azure behind the provider: faults, quotas, content
    clock: ManualClock
    world: DefaultWorld

    def advance(self, seconds: float) -> None:
        self.sim.advance(timedelta(seconds=seconds))

    # specs a node would use ---------------------------------------------------

    def nic_spec(
        self, name: str, *, public_ip_id: str | None = None, private_ip: str | None = None
    ) -> NicSpec:
        return NicSpec(
            RG, name, REGION, RG, "sk-vnet", "default", private_ip=private_ip, public_ip_id=public_ip_id
        )

    def disk_spec(self, name: str, *, zone: str | None = "1", size_gb: int = 32) -> DiskSpec:
        return DiskSpec(RG, name, REGION, "Premium_LRS", size_gb=size_gb, zone=zone)

    def ip_spec(self, name: str) -> PublicIpSpec:
        return PublicIpSpec(RG, name, REGION)

    def vm_spec(
        self,
        name: str,
        *,
        nic_id: str,
        zone: str | None = "1",
        size: str = "Standard_D2s_v5",
        priority: str = "Spot",
        os_disk_id: str | None = None,
        os_profile: bool | None = None,
        data_disks: tuple[DataDiskAttach, ...] = (),
    ) -> VmSpec:
        attach = os_disk_id is not None
        profile = OsProfile(name, "azureuser", ssh_public_key="ssh-ed25519 AAAA test")
        return VmSpec(
            RG,
            name,
            REGION,
            size,
            "Spot" if priority == "Spot" else "Regular",
            OsDiskAttach(os_disk_id)
            if os_disk_id is not None
            else OsDiskFromImage(f"{name}-os", UBUNTU, "Premium_LRS"),
            (nic_id,),
            zone=zone,
            eviction_policy="Deallocate" if priority == "Spot" else None,
            data_disks=data_disks,
            os_profile=profile if (os_profile if os_profile is not None else not attach) else None,
        )


def _provider(name: str) -> CloudUnderTest:
    clock = ManualClock()
    sim = SimAzure(clock, seed=3)
    world = seed_default_world(sim)
    if name == "sim":
        return CloudUnderTest(name, SimCloudProvider(sim), sim, clock, world)
    raise ValueError(f"unknown provider {name!r}")


@pytest.fixture(scope="session")
def arm_server() -> Iterator[ArmServer]:
    server = ArmServer(SimAzure(ManualClock(), seed=3))
    server.start()
    yield server
    server.stop()


def _serve(server: ArmServer, sim: SimAzure) -> None:
    """Point the session's facade at this test's simulator (a fresh one per test)."""
    server.switch_to(sim)


@pytest.fixture(params=PROVIDERS)
def cloud(request: pytest.FixtureRequest) -> Iterator[CloudUnderTest]:
    name = str(request.param)
    if name != "azure-via-arm-facade":
        yield _provider(name)
        return
    server: ArmServer = request.getfixturevalue("arm_server")
    clock = ManualClock()
    sim = SimAzure(clock, seed=3)
    world = seed_default_world(sim)
    _serve(server, sim)
    with AzureCloudProvider(
        StaticTokenCredential(),
        sim.subscription_id,
        base_url=server.base_url,
        connection_verify=server.ca_pem,
        polling_interval=0.01,
        retry_total=0,
        clock=clock,
        scheduled_events=FacadeScheduledEvents(server.base_url, verify=server.ca_pem),
    ) as provider:
        yield CloudUnderTest(name, provider, sim, clock, world)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("cloud") != "azure-via-arm-facade":
            continue
        reason = AZURE_GAPS.get(item.name.split("[", 1)[0])
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))

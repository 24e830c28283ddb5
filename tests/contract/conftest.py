"""The `cloud` fixture: one provider of the cloud port per parameter, each with the simulated
Azure behind it as the test's control surface (faults, quotas, clock).

Parameters today: "sim" (`SimCloudProvider` calling `SimAzure` directly). To add the real
Azure driver against the ARM facade, add "azure-via-arm-facade" to `PROVIDERS` and build it in
`_provider`: serve the same `SimAzure` over HTTPS and point `AzureCloudProvider` at it; every
test then runs against both. A gap of one provider is marked with
`pytest.mark.xfail(strict=True, reason=...)` in the test, never skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
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

PROVIDERS = ["sim"]
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


@pytest.fixture(params=PROVIDERS)
def cloud(request: pytest.FixtureRequest) -> CloudUnderTest:
    return _provider(str(request.param))

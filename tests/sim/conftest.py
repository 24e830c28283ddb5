"""Fixtures for the simulated Azure's own tests: a ManualClock, a fresh `SimAzure` with the
default world, and `build`, which makes the NICs, disks and VMs a test needs in one line each
so a test states only the thing it is about."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.sim import (
    DataDiskRequest,
    DefaultWorld,
    ImageReference,
    OsDiskRequest,
    OsProfileRequest,
    SimAzure,
    VmRequest,
    seed_default_world,
)
from spotkeeper.sim.disk_models import ManagedDisk
from spotkeeper.sim.network_models import NetworkInterface
from spotkeeper.sim.vm_models import VirtualMachine

RG = "sk-sandbox"
UBUNTU = ImageReference(publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2")


class Builder:
    def __init__(self, sim: SimAzure, world: DefaultWorld) -> None:
        self.sim = sim
        self.world = world

    def nic(
        self,
        name: str,
        *,
        subnet: str = "default",
        private_ip: str | None = None,
        public_ip: bool = False,
        pools: Sequence[str] = (),
    ) -> NetworkInterface:
        pip_id = None
        if public_ip:
            pip_id = self.sim.network.create_or_update_public_ip(RG, f"{name}-ip", location="eastus").id
        return self.sim.network.create_or_update_nic(
            RG,
            name,
            location="eastus",
            subnet_id=self.world.subnet_ids[subnet],
            private_ip=private_ip,
            public_ip_id=pip_id,
            backend_pool_ids=pools,
        )

    def disk(
        self, name: str, *, zone: str | None = "1", size_gb: int = 32, sku: str = "Premium_LRS"
    ) -> ManagedDisk:
        return self.sim.storage.create_or_update_disk(
            RG, name, location="eastus", sku=sku, size_gb=size_gb, zone=zone
        )

    def request(
        self,
        name: str,
        *,
        nic_ids: Sequence[str],
        zone: str | None = "1",
        size: str = "Standard_D2s_v5",
        priority: str = "Spot",
        eviction_policy: str | None = None,
        data_disks: Sequence[tuple[int, str]] = (),
        os_disk_id: str | None = None,
        image: ImageReference | None = UBUNTU,
        with_os_profile: bool | None = None,
        crg: str | None = None,
    ) -> VmRequest:
        attach = os_disk_id is not None
        os_profile = None
        if with_os_profile if with_os_profile is not None else not attach:
            os_profile = OsProfileRequest(name, "azureuser", ssh_public_key="ssh-ed25519 AAAA test")
        return VmRequest(
            location="eastus",
            size=size,
            os_disk=OsDiskRequest("Attach", disk_id=os_disk_id)
            if attach
            else OsDiskRequest("FromImage", name=f"{name}-os"),
            nic_ids=tuple(nic_ids),
            image=None if attach else image,
            priority="Spot" if priority == "Spot" else "Regular",
            eviction_policy="Delete" if eviction_policy == "Delete" else None,
            zone=zone,
            data_disks=tuple(DataDiskRequest(lun, disk_id) for lun, disk_id in data_disks),
            os_profile=os_profile,
            capacity_reservation_group_id=crg,
        )

    def vm(self, name: str, **options: object) -> VirtualMachine:
        """A VM with a fresh NIC `{name}-nic` (options as for `request`)."""
        nic = self.nic(f"{name}-nic")
        request = self.request(name, nic_ids=[nic.id], **options)  # type: ignore[arg-type]
        return self.sim.compute.create_or_update_vm(RG, name, request)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def empty_sim(clock: ManualClock) -> SimAzure:
    """A simulator with nothing in it (latency instant, calm market)."""
    return SimAzure(clock, seed=11)


@pytest.fixture
def world(empty_sim: SimAzure) -> DefaultWorld:
    return seed_default_world(empty_sim)


@pytest.fixture
def sim(empty_sim: SimAzure, world: DefaultWorld) -> SimAzure:
    """The simulator with the default world in it."""
    return empty_sim


@pytest.fixture
def build(sim: SimAzure, world: DefaultWorld) -> Builder:
    return Builder(sim, world)

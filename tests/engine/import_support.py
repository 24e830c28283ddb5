"""A VM to import, made the way a person would have made it in Azure before spotkeeper existed,
and the node spec that takes it over (what the service's import configuration would produce)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from spotkeeper.cloud.port import (
    DataDiskAttach,
    DiskSpec,
    ImageRef,
    NicSpec,
    OsDiskFromImage,
    OsProfile,
    PublicIpSpec,
    VmSpec,
)
from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import RG, node_spec

SOURCE = "legacy-db"
OS_DATA = b"/etc/motd: legacy-db, hand-built in 2019\n"
LUN0_DATA = b"customers table, written before the import\n"
UBUNTU = ImageRef("marketplace", publisher="Canonical", offer="0001-com-ubuntu-server-jammy",
                  sku="22_04-lts-gen2")


@dataclass(frozen=True)
class SourceVm:
    name: str
    id: str
    os_disk_id: str
    data_disk_id: str
    nic_id: str
    private_ip: str
    public_ip_id: str
    public_ip: str
    os_fingerprint: str


def make_source_vm(world: WhatIf, *, running: bool = True, name: str = SOURCE) -> SourceVm:
    """An on-demand VM in zone 1 with a public IP and a 64 GiB data disk at LUN 0 holding data."""
    cloud = world.cloud
    pip = cloud.ensure_public_ip(PublicIpSpec(RG, f"{name}-ip", "eastus"))
    nic = cloud.ensure_nic(NicSpec(RG, f"{name}-nic", "eastus", RG, "sk-vnet", "default",
                                   public_ip_id=pip.id))
    data = cloud.ensure_disk(DiskSpec(RG, f"{name}-data0", "eastus", "Premium_LRS", size_gb=64, zone="1"))
    vm = cloud.ensure_vm(VmSpec(
        RG, name, "eastus", "Standard_D2s_v5", "Regular",
        OsDiskFromImage(f"{name}-os", UBUNTU, "Premium_LRS"),
        (nic.id,), zone="1", data_disks=(DataDiskAttach(0, data.id),),
        os_profile=OsProfile(name, "azureuser", ssh_public_key="ssh-ed25519 AAAA legacy"),
        tags={"owner": "dba-team"},
    ))
    world.run_for(timedelta(minutes=1))
    world.sim.write_to_vm_disk(RG, name, 0, LUN0_DATA)
    fingerprint = world.sim.write_to_vm_disk(RG, name, "os", OS_DATA, append=True)
    if not running:
        cloud.deallocate_vm(RG, name)
        world.run_for(timedelta(minutes=1))
    return SourceVm(name, vm.id, vm.os_disk_id, data.id, nic.id, nic.private_ip, pip.id, pip.address,
                    fingerprint)


def import_spec(*, network: bool, vm_name: str | None = None) -> dict[str, Any]:
    """The factory's node (zones 1 and 2, LUN 0, a public IP) taking over the source VM."""
    spec = node_spec()
    spec["compute"]["zones"] = ["1", "2"]
    spec["persistence"] = {
        "shouldPersistOsDisk": True, "osDiskPersistenceMode": "reattach",
        "shouldPersistDataDisks": True, "dataDisksPersistenceMode": "reattach",
        "shouldPersistNetwork": network,
    }
    launch = spec["compute"]["launchSpecification"]
    launch["dataDisks"] = [{"lun": 0, "sizeGB": 64, "type": "Premium_LRS"}]
    if vm_name is not None:
        launch["vmName"] = vm_name
    return spec

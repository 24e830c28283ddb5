"""The state of a VM in the simulated Azure (the model `compute` operates on).

Besides what ARM shows (provisioning and power state, disks, NICs, profile), a VM carries the
simulator's bookkeeping: when its agent turns Ready, whether a test forced it unhealthy, its
pending Scheduled Events with IMDS's `DocumentIncarnation`, and the in-flight operation.
The VM agent reports Ready `AGENT_READY_AFTER` (20 s) after the VM is running, or as long as
the start itself took if that was shorter (so at once under the instant latency profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.sim.events import ScheduledAction
from spotkeeper.sim.evictions import SimScheduledEvent
from spotkeeper.sim.images import ImageReference
from spotkeeper.sim.requests import OsProfileRequest, SecuritySettings, VmExtension

AGENT_READY_AFTER = timedelta(seconds=20)
PowerState = Literal["starting", "running", "stopping", "stopped", "deallocating", "deallocated"]


@dataclass
class AttachedDisk:
    lun: int
    disk_id: str
    caching: str = "None"
    delete_option: str = "Detach"
    from_image: bool = False


@dataclass
class VirtualMachine:
    id: str
    resource_group: str
    name: str
    location: str
    zone: str | None
    size: str
    priority: Literal["Regular", "Spot"]
    eviction_policy: Literal["Deallocate", "Delete"] | None
    max_price: float | None
    os_disk_id: str
    os_type: Literal["Linux", "Windows"]
    hyperv_generation: str | None
    vm_id: str
    time_created: datetime
    image: ImageReference | None = None
    os_disk_caching: str = "ReadWrite"
    os_disk_delete_option: str = "Detach"
    os_disk_ephemeral: bool = False
    generalized: bool = False  # `POST .../generalize` was called: the VM can only be captured or deleted
    data_disks: list[AttachedDisk] = field(default_factory=list)
    nic_ids: list[str] = field(default_factory=list)
    os_profile: OsProfileRequest | None = None
    user_data: str | None = None
    security: SecuritySettings = field(default_factory=SecuritySettings)
    capacity_reservation_group_id: str | None = None
    boot_diagnostics: bool = False
    boot_diagnostics_storage_uri: str | None = None
    license_type: str | None = None
    extensions: tuple[VmExtension, ...] = ()
    identity_ids: tuple[str, ...] = ()
    proximity_placement_group_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Creating"
    power_state: PowerState = "starting"
    running_since: datetime | None = None
    agent_ready_at: datetime | None = None
    agent_delay: timedelta = timedelta(0)
    evicted: bool = False
    failure_code: str | None = None
    forced_unhealthy: bool = False
    on_reserved_capacity: bool = False
    events: list[SimScheduledEvent] = field(default_factory=list)
    document_incarnation: int = 0
    pending: ScheduledAction | None = None

    @property
    def lifecycle(self) -> Literal["spot", "od"]:
        return "spot" if self.priority == "Spot" else "od"

    def agent_status(self, now: datetime) -> Literal["Ready", "NotReady", "Unknown"]:
        if self.power_state in ("running", "stopping") and self.agent_ready_at is not None:
            return "Ready" if now >= self.agent_ready_at else "NotReady"
        return "NotReady" if self.power_state == "starting" else "Unknown"

    def disk_ids(self) -> list[str]:
        return [self.os_disk_id, *(d.disk_id for d in self.data_disks)]

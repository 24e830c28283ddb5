"""The state of managed disks and snapshots in the simulated Azure (the models `storage` operates on).

A disk's content is plain bytes and its fingerprint their SHA-256, so a test can prove a node's
data survived an eviction. `disk_state` derives Azure's read-only `diskState` from the VM the
disk is attached to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from spotkeeper.sim.context import SimContext, check_tags
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import key_of
from spotkeeper.sim.images import ImageReference

DISK_SKUS = (
    "Standard_LRS",
    "Premium_LRS",
    "StandardSSD_LRS",
    "UltraSSD_LRS",
    "Premium_ZRS",
    "StandardSSD_ZRS",
    "PremiumV2_LRS",
)
SNAPSHOT_SKUS = ("Standard_LRS", "Premium_LRS", "Standard_ZRS")
MAX_DISK_GB = 32767
CreateOption = Literal["Empty", "Copy", "FromImage"]


@dataclass
class ManagedDisk:
    id: str
    resource_group: str
    name: str
    location: str
    zone: str | None
    sku: str
    size_gb: int
    create_option: CreateOption
    time_created: datetime
    unique_id: str
    content: bytes = b""
    source_id: str | None = None
    image: ImageReference | None = None
    os_type: Literal["Linux", "Windows"] | None = None
    hyperv_generation: Literal["V1", "V2"] | None = None
    security_type: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    managed_by: str | None = None  # the VM it is attached to
    provisioning_state: str = "Succeeded"
    failure_code: str | None = None

    @property
    def zone_redundant(self) -> bool:
        return self.sku.upper().endswith("_ZRS")

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def apply_update(
        self,
        *,
        zone: str | None,
        create_option: str,
        source_id: str | None,
        sku: str,
        size_gb: int | None,
        tags: Mapping[str, str] | None,
    ) -> None:
        """A PUT on an existing disk: only the size (upwards), the sku (LRS stays LRS, ZRS stays
        ZRS) and the tags may change; zone and creation data are fixed for life."""
        if zone != self.zone:
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Changing property 'zones' of disk {self.name} from {self.zone} to {zone} is not allowed.",
                target="zones",
            )
        if create_option != self.create_option or key_of(source_id or "") != key_of(self.source_id or ""):
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Changing property 'creationData' of disk {self.name} is not allowed.",
                target="properties.creationData",
            )
        if sku.upper().endswith("_ZRS") != self.zone_redundant:
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Disk {self.name} cannot change between LRS and ZRS.",
                target="sku.name",
            )
        if self.provisioning_state == "Deleting":
            raise busy_error(self)
        if size_gb is not None:
            check_size(size_gb)
            if size_gb < self.size_gb:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Disk {self.name} cannot shrink from {self.size_gb} GB to {size_gb} GB.",
                    target="properties.diskSizeGB",
                )
        new_tags = check_tags(dict(tags or {}))
        self.size_gb = size_gb if size_gb is not None else self.size_gb
        self.sku, self.tags = sku, new_tags


@dataclass
class DiskSnapshot:
    id: str
    resource_group: str
    name: str
    location: str
    source_id: str
    source_unique_id: str
    incremental: bool
    sku: str
    size_gb: int
    content: bytes
    time_created: datetime
    completes_at: datetime
    os_type: Literal["Linux", "Windows"] | None = None
    hyperv_generation: Literal["V1", "V2"] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"
    failure_code: str | None = None

    def completion_percent(self, now: datetime) -> float:
        """The background copy's progress, linear between creation and completion."""
        if self.provisioning_state == "Succeeded" or now >= self.completes_at:
            return 100.0
        total = (self.completes_at - self.time_created).total_seconds()
        return 0.0 if total <= 0 else round(100.0 * (now - self.time_created).total_seconds() / total, 1)


def disk_state(ctx: SimContext, disk: ManagedDisk) -> Literal["Unattached", "Attached", "Reserved"]:
    """Azure's `diskState`: "Reserved" while attached to a deallocated VM."""
    if disk.managed_by is None:
        return "Unattached"
    vm = ctx.state.vms.get(key_of(disk.managed_by))
    return "Reserved" if vm is not None and vm.power_state == "deallocated" else "Attached"


def busy_error(disk: ManagedDisk) -> ArmError:
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Disk {disk.name} is in provisioning state '{disk.provisioning_state}'; retry when it has finished.",
        retry_after=5.0,
    )


def check_size(size_gb: int) -> None:
    if not 1 <= size_gb <= MAX_DISK_GB:
        raise ArmError(
            400,
            "InvalidParameter",
            f"diskSizeGB {size_gb} is outside 1..{MAX_DISK_GB}.",
            target="properties.diskSizeGB",
        )

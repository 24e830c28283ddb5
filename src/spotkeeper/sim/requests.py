"""What a caller asks the simulated Azure for when it creates or updates a VM.

These mirror the parts of ARM's VM PUT body (`../shared/reference/azure.md` §2.2) that the
simulator models, in Python terms, so that both doors into the simulator build the same
request: `cloud.sim` from the port's `VmSpec`, and the ARM facade from the JSON body.

Not modelled: availability sets, dedicated hosts, VM scale sets, "Empty" data disks created
with the VM (create the disk first and attach it), NIC delete options (NICs always survive
their VM). Ephemeral OS disks are modelled only as a flag (`OsDiskRequest.ephemeral`, ARM's
`diffDiskSettings.option: Local`): the OS disk is still a managed disk in the simulator, but
the VM cannot be deallocated, which is what makes such a VM impossible to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from spotkeeper.sim.images import ImageReference

DeleteOption = Literal["Detach", "Delete"]


@dataclass(frozen=True)
class OsDiskRequest:
    """ "FromImage": a new OS disk named `name` (Azure's default name when None) from the VM's
    image; "Attach": boot from the existing disk `disk_id`."""

    create_option: Literal["FromImage", "Attach"]
    name: str | None = None
    disk_id: str | None = None
    sku: str = "Premium_LRS"
    size_gb: int | None = None
    caching: str = "ReadWrite"
    os_type: Literal["Linux", "Windows"] | None = None
    delete_option: DeleteOption = "Detach"
    ephemeral: bool = False  # diffDiskSettings.option "Local" (FromImage only)


@dataclass(frozen=True)
class DataDiskRequest:
    lun: int
    disk_id: str
    caching: str = "None"
    delete_option: DeleteOption = "Detach"


@dataclass(frozen=True)
class OsProfileRequest:
    computer_name: str
    admin_username: str
    admin_password: str | None = None
    ssh_public_key: str | None = None
    custom_data: str | None = None  # base64, as ARM requires


@dataclass(frozen=True)
class SecuritySettings:
    security_type: Literal["Standard", "TrustedLaunch", "ConfidentialVM"] = "Standard"
    secure_boot: bool = False
    vtpm: bool = False
    encryption_at_host: bool = False


@dataclass(frozen=True)
class VmExtension:
    name: str
    publisher: str
    type: str
    type_handler_version: str
    auto_upgrade_minor_version: bool = True
    settings: Mapping[str, object] = field(default_factory=dict)
    protected_settings: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class VmRequest:
    location: str
    size: str
    os_disk: OsDiskRequest
    nic_ids: tuple[str, ...]
    image: ImageReference | None = None
    priority: Literal["Regular", "Spot"] = "Regular"
    eviction_policy: Literal["Deallocate", "Delete"] | None = None
    max_price: float | None = None
    zone: str | None = None
    data_disks: tuple[DataDiskRequest, ...] = ()
    os_profile: OsProfileRequest | None = None
    user_data: str | None = None  # base64, as ARM requires
    security: SecuritySettings = field(default_factory=SecuritySettings)
    capacity_reservation_group_id: str | None = None
    boot_diagnostics: bool = False
    boot_diagnostics_storage_uri: str | None = None
    license_type: str | None = None
    extensions: tuple[VmExtension, ...] = ()
    identity_ids: tuple[str, ...] = ()
    proximity_placement_group_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

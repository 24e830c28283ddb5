"""The one seam between the engine and a cloud: `CloudProvider` and its value objects.

The engine sees disks, snapshots, public IPs, NICs and the VM as separate resources, because
"the VM is gone but its disks and IP are still there" is exactly the recovery case. Every
method is resource-level and idempotent by construction:

* `ensure_*` is a create-or-update on a deterministic name (resource group + name), so a retry
  after a crash never duplicates a disk or a VM. It starts the work and returns the resource's
  current view at once; `provisioning_state` says whether the cloud has finished
  ("Creating"/"Updating" then "Succeeded", or "Failed"). Callers poll with `get_*`.
* `get_*` only reads; it raises `NotFound` when the resource does not exist.
* `delete_*` treats "already gone" as success. Deleting a VM never deletes its disks, NICs or
  public IPs: the port always creates VMs with `deleteOption: Detach`.

Errors are the closed set in `cloud.errors`. Times are timezone-aware UTC. Providers:
`cloud.sim.SimCloudProvider` (the simulated Azure) and, later, `cloud.azure` (the Azure SDK).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

Lifecycle = Literal["spot", "od"]
Priority = Literal["Spot", "Regular"]
EvictionPolicy = Literal["Deallocate", "Delete"]
ProvisioningState = Literal["Creating", "Updating", "Succeeded", "Failed", "Deleting"]
PowerState = Literal["starting", "running", "stopping", "stopped", "deallocating", "deallocated", "unknown"]
AgentStatus = Literal["Ready", "NotReady", "Unknown"]
ResourceKind = Literal["vm", "disk", "snapshot", "nic", "public_ip"]


def lifecycle_of(priority: Priority) -> Lifecycle:
    return "spot" if priority == "Spot" else "od"


# ----------------------------------------------------------------------------- images


@dataclass(frozen=True)
class ImageRef:
    """Where a VM's OS comes from. `kind` picks which fields matter:
    marketplace: publisher/offer/sku/version; custom: resource_group/name;
    gallery: resource_group/gallery/name/version ("latest" or x.y.z)."""

    kind: Literal["marketplace", "custom", "gallery"]
    publisher: str = ""
    offer: str = ""
    sku: str = ""
    version: str = "latest"
    resource_group: str = ""
    name: str = ""
    gallery: str = ""


@dataclass(frozen=True)
class ImageInfo:
    ref: ImageRef
    os_type: Literal["Linux", "Windows"]
    architecture: Literal["x64", "Arm64"]
    hyperv_generation: Literal["V1", "V2"]
    os_state: Literal["Generalized", "Specialized"] = "Generalized"
    data_disk_luns: tuple[int, ...] = ()


# ----------------------------------------------------------------------------- disks


@dataclass(frozen=True)
class DiskSpec:
    """A managed disk. `create_option`: "Empty" (needs size_gb), "Copy" (restore from the
    snapshot or disk in `source_id`), "FromImage" (needs `image`)."""

    resource_group: str
    name: str
    region: str
    sku: str
    create_option: Literal["Empty", "Copy", "FromImage"] = "Empty"
    size_gb: int | None = None
    zone: str | None = None
    source_id: str | None = None
    image: ImageRef | None = None
    os_type: Literal["Linux", "Windows"] | None = None
    hyperv_generation: Literal["V1", "V2"] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Disk:
    id: str
    resource_group: str
    name: str
    region: str
    zone: str | None
    sku: str
    size_gb: int
    disk_state: Literal["Unattached", "Attached", "Reserved"]
    managed_by: str | None
    provisioning_state: ProvisioningState
    os_type: Literal["Linux", "Windows"] | None = None
    source_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SnapshotSpec:
    """An incremental snapshot of the disk `source_disk_id` (zone-redundant, usable anywhere
    in the region: how a node changes zone)."""

    resource_group: str
    name: str
    region: str
    source_disk_id: str
    incremental: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    id: str
    resource_group: str
    name: str
    region: str
    source_disk_id: str
    provisioning_state: ProvisioningState
    completion_percent: float
    time_created: datetime
    size_gb: int
    os_type: Literal["Linux", "Windows"] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- network


@dataclass(frozen=True)
class PublicIpSpec:
    """A Standard, static public IP (Basic SKU public IPs were retired by Azure in 2025)."""

    resource_group: str
    name: str
    region: str
    zones: tuple[str, ...] = ()
    sku: Literal["Standard"] = "Standard"
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicIp:
    id: str
    resource_group: str
    name: str
    region: str
    address: str
    sku: str
    attached_nic_id: str | None
    provisioning_state: ProvisioningState
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IpConfigSpec:
    """An additional IP configuration of a NIC (the primary one is described by `NicSpec`)."""

    name: str
    version: Literal["IPv4", "IPv6"] = "IPv4"


@dataclass(frozen=True)
class NicSpec:
    """A NIC in `virtual_network`/`subnet` (resource group `network_resource_group`).
    `private_ip` asks for a static address; None lets Azure allocate one dynamically.
    `backend_pool_ids` puts the primary address into those backend pools (how a node joins
    its load balancer or application gateway)."""

    resource_group: str
    name: str
    region: str
    network_resource_group: str
    virtual_network: str
    subnet: str
    private_ip: str | None = None
    public_ip_id: str | None = None
    network_security_group_id: str | None = None
    application_security_group_ids: tuple[str, ...] = ()
    enable_ip_forwarding: bool = False
    additional_ip_configs: tuple[IpConfigSpec, ...] = ()
    backend_pool_ids: tuple[str, ...] = ()  # load balancer / app gateway backend pools to join
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Nic:
    id: str
    resource_group: str
    name: str
    region: str
    subnet_id: str
    private_ip: str
    public_ip_id: str | None
    attached_vm_id: str | None
    mac_address: str
    provisioning_state: ProvisioningState
    network_security_group_id: str | None = None
    application_security_group_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- VMs


@dataclass(frozen=True)
class OsDiskFromImage:
    """Create the OS disk from `image`, named `name`, kept when the VM is deleted."""

    name: str
    image: ImageRef
    sku: str
    size_gb: int | None = None
    caching: str = "ReadWrite"


@dataclass(frozen=True)
class OsDiskAttach:
    """Boot from an existing OS disk (no `osProfile` may be sent with it)."""

    disk_id: str
    caching: str = "ReadWrite"


@dataclass(frozen=True)
class DataDiskAttach:
    lun: int
    disk_id: str
    caching: str = "None"


@dataclass(frozen=True)
class OsProfile:
    """First-boot provisioning; only valid with `OsDiskFromImage`."""

    computer_name: str
    admin_username: str
    admin_password: str | None = None
    ssh_public_key: str | None = None
    custom_data: str | None = None


@dataclass(frozen=True)
class SecurityProfile:
    security_type: Literal["Standard", "TrustedLaunch", "ConfidentialVM"] = "Standard"
    secure_boot: bool = False
    vtpm: bool = False
    encryption_at_host: bool = False


@dataclass(frozen=True)
class ExtensionSpec:
    name: str
    publisher: str
    type: str
    type_handler_version: str
    auto_upgrade_minor_version: bool = True
    settings: Mapping[str, object] = field(default_factory=dict)
    protected_settings: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class VmSpec:
    """A VM to create or update. NICs are attached in order; the first is primary."""

    resource_group: str
    name: str
    region: str
    size: str
    priority: Priority
    os_disk: OsDiskFromImage | OsDiskAttach
    nic_ids: tuple[str, ...]
    zone: str | None = None
    eviction_policy: EvictionPolicy | None = None
    max_price: float = -1.0
    data_disks: tuple[DataDiskAttach, ...] = ()
    os_profile: OsProfile | None = None
    user_data: str | None = None
    security: SecurityProfile = field(default_factory=SecurityProfile)
    capacity_reservation_group_id: str | None = None
    boot_diagnostics: bool = False
    boot_diagnostics_storage_uri: str | None = None
    license_type: str | None = None
    extensions: tuple[ExtensionSpec, ...] = ()
    identity_ids: tuple[str, ...] = ()
    proximity_placement_group_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Vm:
    """A VM as observed. `evicted` is true once Azure has evicted a Spot VM whose eviction
    policy is Deallocate (it then sits deallocated until started or deleted). `generalized`:
    the VM was generalized (it can be captured or deleted, never started again);
    `ephemeral_os_disk`: its OS disk lives on the host (`diffDiskSettings`), so the VM cannot be
    deallocated and its OS disk cannot be snapshotted. Neither kind of VM can be imported."""

    id: str
    resource_group: str
    name: str
    region: str
    zone: str | None
    size: str
    priority: Priority
    eviction_policy: EvictionPolicy | None
    provisioning_state: ProvisioningState
    power_state: PowerState
    agent_status: AgentStatus
    os_disk_id: str
    os_type: Literal["Linux", "Windows"]
    data_disks: tuple[DataDiskAttach, ...]
    nic_ids: tuple[str, ...]
    vm_id: str
    time_created: datetime
    evicted: bool = False
    failure_code: str | None = None
    image: ImageRef | None = None
    security: SecurityProfile = field(default_factory=SecurityProfile)
    user_data: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    generalized: bool = False
    ephemeral_os_disk: bool = False

    @property
    def lifecycle(self) -> Lifecycle:
        return lifecycle_of(self.priority)


@dataclass(frozen=True)
class ScheduledEvent:
    """An IMDS Scheduled Event (`Preempt` comes at least 30 s before a Spot eviction)."""

    event_id: str
    event_type: Literal["Preempt", "Reboot", "Redeploy", "Freeze", "Terminate"]
    resources: tuple[str, ...]
    status: Literal["Scheduled", "Started"]
    not_before: datetime | None
    source: Literal["Platform", "User"] = "Platform"
    duration_s: int = -1
    description: str = ""


# ----------------------------------------------------------------------------- market and inventory


@dataclass(frozen=True)
class MarketOffer:
    """One (size, zone, lifecycle) market as the cloud quotes it now. `zone` None = regional.
    `eviction_band` is Azure's trailing eviction-rate band ("0-5" … "20+", percent per hour),
    only for spot offers."""

    region: str
    zone: str | None
    size: str
    lifecycle: Lifecycle
    available: bool
    price_hour: float | None
    eviction_band: str | None = None


@dataclass(frozen=True)
class NamedRef:
    resource_group: str
    name: str


@dataclass(frozen=True)
class SubnetInfo:
    name: str
    address_prefix: str


@dataclass(frozen=True)
class VirtualNetworkInfo:
    resource_group: str
    name: str
    region: str
    address_space: tuple[str, ...]
    subnets: tuple[SubnetInfo, ...]


@dataclass(frozen=True)
class LoadBalancerInfo:
    resource_group: str
    name: str
    type: Literal["loadBalancer", "applicationGateway"]
    sku: str
    backend_pools: tuple[str, ...]


@dataclass(frozen=True)
class CapacityReservationGroupInfo:
    resource_group: str
    name: str
    region: str
    zones: tuple[str, ...]
    reservations: Mapping[str, tuple[int, int]]  # size -> (capacity, used)


@dataclass(frozen=True)
class Inventory:
    """What exists in a region that a node can refer to (the console's pick-lists)."""

    region: str
    resource_groups: tuple[str, ...]
    virtual_networks: tuple[VirtualNetworkInfo, ...]
    network_security_groups: tuple[NamedRef, ...]
    application_security_groups: tuple[NamedRef, ...]
    load_balancers: tuple[LoadBalancerInfo, ...]
    capacity_reservation_groups: tuple[CapacityReservationGroupInfo, ...]
    images: tuple[ImageInfo, ...]


@dataclass(frozen=True)
class TaggedResource:
    id: str
    kind: ResourceKind
    resource_group: str
    name: str
    tags: Mapping[str, str]


# ----------------------------------------------------------------------------- the port


@runtime_checkable
class CloudProvider(Protocol):
    """What the engine may ask of a cloud. Every method may raise `Throttled` and
    `TransientCloudError`; the others are listed per method."""

    def resource_id(self, resource_type: str, resource_group: str, name: str) -> str:
        """The ARM id of `name` of `resource_type` (e.g. "Microsoft.Network/networkSecurityGroups")
        in this provider's subscription. Pure: no call is made and nothing is checked."""
        ...

    # disks
    def ensure_disk(self, spec: DiskSpec) -> Disk:
        """Create the disk, or update size/tags of the existing one. Raises `Conflict` if a disk
        of that name exists with another zone or source, `InvalidRequest` for a bad spec,
        `NotFound` if `source_id`/`image` does not exist."""
        ...

    def get_disk(self, resource_group: str, name: str) -> Disk:
        """Raises `NotFound`."""
        ...

    def delete_disk(self, resource_group: str, name: str) -> None:
        """Delete; gone already is success. Raises `Conflict` while the disk is attached."""
        ...

    # snapshots
    def ensure_snapshot(self, spec: SnapshotSpec) -> Snapshot:
        """Start an incremental snapshot of `source_disk_id`; an existing snapshot of the same
        name is returned unchanged. Raises `NotFound` if the source disk is gone."""
        ...

    def get_snapshot(self, resource_group: str, name: str) -> Snapshot:
        ...

    def delete_snapshot(self, resource_group: str, name: str) -> None:
        ...

    # public IPs and NICs
    def ensure_public_ip(self, spec: PublicIpSpec) -> PublicIp:
        """Create a static Standard public IP, or return the existing one (same address)."""
        ...

    def get_public_ip(self, resource_group: str, name: str) -> PublicIp:
        ...

    def delete_public_ip(self, resource_group: str, name: str) -> None:
        """Raises `Conflict` while the IP is associated with a NIC."""
        ...

    def ensure_nic(self, spec: NicSpec) -> Nic:
        """Create or update the NIC. Raises `NotFound` for a missing subnet/NSG/ASG/public IP,
        `Conflict` if the static `private_ip` is taken, `InvalidRequest` if outside the subnet."""
        ...

    def get_nic(self, resource_group: str, name: str) -> Nic:
        ...

    def delete_nic(self, resource_group: str, name: str) -> None:
        """Raises `Conflict` while attached to a VM (or reserved after its VM was deleted)."""
        ...

    # VMs
    def ensure_vm(self, spec: VmSpec) -> Vm:
        """Create the VM (or return it when one of that name exists with the same size, zone
        and priority). Raises `CapacityUnavailable` when Azure has no capacity for the
        size/zone/lifecycle, `QuotaExceeded`, `Conflict` when a disk is attached to another VM
        or a NIC is reserved (`retry_after` set), `InvalidRequest` for rule violations (an
        `os_profile` with an attached OS disk, a capacity reservation on a Spot VM, a disk in
        another zone), `NotFound` for a missing disk, NIC or image. An allocation failure
        that Azure reports after accepting the request shows as `provisioning_state`
        "Failed" with `failure_code` on the returned or later observed VM.

        An existing VM of that name with another size is updated to `spec` (a resize; data
        disks, NICs, tags, user data and extensions follow the spec too). A deallocated VM may
        take any size its zone offers and stays deallocated (no capacity is needed until
        `start_vm`; `QuotaExceeded` still applies); a running one needs capacity for the new
        size. What Azure never changes in place — zone, priority, eviction policy, security
        type, the OS disk — raises `Conflict` (no `retry_after`); a VM busy with another
        operation raises `Conflict` with `retry_after`."""
        ...

    def get_vm(self, resource_group: str, name: str) -> Vm:
        """The VM with its instance view (power state, agent status). Raises `NotFound`."""
        ...

    def delete_vm(self, resource_group: str, name: str) -> None:
        """Delete the VM, detaching (never deleting) its disks, NICs and public IPs, also for a
        VM made outside the port whose disks say `deleteOption: Delete` (the provider sets
        them to Detach first). Gone is success. Azure keeps the NICs reserved for the deleted
        VM for 180 s."""
        ...

    def deallocate_vm(self, resource_group: str, name: str) -> None:
        """Stop and release compute (disks stay attached). Raises `NotFound`."""
        ...

    def start_vm(self, resource_group: str, name: str) -> None:
        """Start a deallocated or stopped VM (an evicted Spot VM included) at its current size;
        a running or starting one is left alone. Starting is asynchronous: poll `get_vm` for
        `running`, or `provisioning_state` "Failed" with `failure_code` when Azure gave up
        allocating. Raises `NotFound`, `CapacityUnavailable` (no capacity for the VM's
        size/zone/lifecycle now), `Conflict` for a generalized VM, and `Conflict` with
        `retry_after` while another operation (a resize) is in flight."""
        ...

    def simulate_eviction(self, resource_group: str, name: str) -> None:
        """Ask Azure to evict this Spot VM (Azure's own `simulateEviction`): a `Preempt`
        event is scheduled and the VM is evicted after it. Raises `NotFound`, and
        `InvalidRequest` for a Regular (on-demand) VM."""
        ...

    def attach_data_disk(self, resource_group: str, vm_name: str, disk: DataDiskAttach) -> None:
        """Attach an existing disk at `lun`; attaching the same disk at the same LUN again is a
        no-op. Raises `Conflict` if the disk is attached elsewhere or the LUN is taken,
        `InvalidRequest` if the disk is in another zone or the size's disk limit is reached."""
        ...

    def detach_data_disk(self, resource_group: str, vm_name: str, disk_id: str) -> None:
        """Detach; a disk that is not attached to this VM is success."""
        ...

    def get_scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        """The VM's pending Scheduled Events (IMDS view). Raises `NotFound`."""
        ...

    # observation
    def get_image(self, ref: ImageRef, region: str) -> ImageInfo:
        """Resolve an image (gallery "latest" included). Raises `NotFound`."""
        ...

    def get_backend_health(self, resource_group: str, gateway: str) -> Mapping[str, str]:
        """Application gateway backend health by private IP: "Healthy", "Unhealthy" or
        "Unknown". Raises `NotFound` for a missing gateway."""
        ...

    def list_tagged(self, key: str, value: str | None = None) -> list[TaggedResource]:
        """Every VM, disk, snapshot, NIC and public IP carrying tag `key` (with `value` if given)."""
        ...

    def get_market(self, region: str, sizes: Sequence[str], zones: Sequence[str] = ()) -> list[MarketOffer]:
        """Spot and on-demand offers for each size in each of `zones` (regional when empty):
        current price, whether capacity is there now, and the spot eviction-rate band.
        Unknown sizes are left out."""
        ...

    def get_inventory(self, region: str) -> Inventory:
        """Resource groups, networks, security groups, load balancers, capacity reservation
        groups and custom/gallery images that nodes in `region` can refer to."""
        ...

"""What the engine remembers about a node between passes (stored as the node's status JSON).

The cloud is the truth about what exists; this record is the engine's memory of what it owns
and how far an operation got. Every operation writes its progress here (`Operation.step`)
before and after each cloud call, so a worker that dies mid-recovery is followed by one that
resumes at the same step, and because every step is an idempotent `ensure_*`/`delete_*` on a
deterministic name, repeating the step that was in flight is always safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from spotkeeper.cloud.port import Lifecycle

OperationKind = Literal[
    "launch", "recover", "pause", "resume", "recycle", "revert", "heal", "delete", "import"
]
StateRequest = Literal["pause", "resume", "recycle"]


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DiskRecord(Record):
    role: Literal["os", "data"]
    lun: int | None = None
    id: str
    name: str
    zone: str | None = None
    sku: str = "Premium_LRS"
    size_gb: int | None = None
    generation: int = 0


class SnapshotRecord(Record):
    id: str
    name: str
    source_disk_id: str
    role: Literal["os", "data"]
    lun: int | None = None
    taken_at: datetime
    final: bool = False


class NicRecord(Record):
    index: int
    id: str
    name: str
    is_primary: bool
    private_ip: str | None = None
    public_ip_id: str | None = None
    public_ip_name: str | None = None
    public_ip_address: str | None = None
    generation: int = 0


class VmRecord(Record):
    name: str
    id: str
    size: str
    zone: str | None
    lifecycle: Lifecycle
    launched_at: datetime
    running_since: datetime | None = None
    accrued_until: datetime | None = None  # costed up to here in the ledger
    price_hour: float | None = None


class Target(Record):
    """The market an operation is moving the node to, and why."""

    size: str
    zone: str | None
    lifecycle: Lifecycle
    price_hour: float | None = None
    reason: str = ""
    restore_os: bool = False      # the OS disk comes back from a snapshot (onLaunch or zone change)
    restore_data: bool = False    # the data disks do
    # the evicted VM is kept, resized in place if need be, and started again (`engine.restart`)
    in_place: bool = False
    reservation_group: tuple[str, str] | None = None  # (resource group, CRG name) for reserved od


class Operation(Record):
    kind: OperationKind
    step: str
    reason: str
    started_at: datetime
    target: Target | None = None
    attempts: int = 0             # consecutive cloud errors on the current step
    choices: int = 0              # markets chosen so far by this operation
    drain_until: datetime | None = None
    old_vm_name: str | None = None
    generation: int = 0           # generation of the resources this operation creates
    superseded: list[str] = Field(default_factory=list)  # ids to delete once the operation settles
    notice_not_before: datetime | None = None


class EvictionRecord(Record):
    at: datetime
    size: str
    zone: str | None
    notice: bool = True


class FailedMarket(Record):
    size: str
    zone: str | None
    lifecycle: Lifecycle
    until: datetime
    code: str = ""


class HealthMemory(Record):
    status: Literal["HEALTHY", "UNHEALTHY", "UNKNOWN"] = "UNKNOWN"
    reason: str = ""
    unhealthy_since: datetime | None = None
    ever_healthy: bool = False


class SourceDisk(Record):
    """A disk of the VM being imported, as the import found it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, alias_generator=to_camel)

    role: Literal["os", "data"]
    id: str
    name: str
    lun: int | None = None
    caching: str = "None"
    sku: str = "Premium_LRS"
    size_gb: int | None = None


ImportProgress = Literal["ImportStart", "ImportInProgress", "ImportCompleted", "ImportFailed"]


class ImportSource(Record):
    """The VM a node takes over (spot-api.md §4.2), stored in the node's state JSON under
    `importSource` in camelCase, as the service writes it when it accepts the import. The
    service sets the request's fields; the import operation (`engine.importing`) fills in what
    it found on the VM before touching it, so a worker that dies after the VM was stopped or
    deleted still knows its disks, NICs and original power state."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, alias_generator=to_camel)

    resource_group_name: str
    original_vm_name: str
    import_id: str | None = None
    draining_timeout: int = 120              # seconds
    resources_retention_time: int = 96       # hours the originals are kept after the import
    convert_unmanaged_disks: bool = False
    progress: ImportProgress = "ImportStart"
    # found by the survey (None until then)
    vm_id: str | None = None
    was_running: bool | None = None
    disks: list[SourceDisk] = Field(default_factory=list)
    nic_ids: list[str] = Field(default_factory=list)
    source_deleted: bool = False             # the original VM was deleted (not only deallocated)


class NodeState(Record):
    """The engine's persisted memory of one node."""

    phase: str = "pending"
    generation: int = 0          # bumps when the VM is replaced
    ever_ran: bool = False       # once true, the node's disks may hold data: never recreate them empty
    od_held_by_window: bool = False
    vm: VmRecord | None = None
    os_disk: DiskRecord | None = None
    data_disks: list[DiskRecord] = Field(default_factory=list)
    nics: list[NicRecord] = Field(default_factory=list)
    snapshots: list[SnapshotRecord] = Field(default_factory=list)
    snapshot_serial: int = 0
    operation: Operation | None = None
    requests: list[StateRequest] = Field(default_factory=list)
    evictions: list[EvictionRecord] = Field(default_factory=list)
    failed_markets: list[FailedMarket] = Field(default_factory=list)
    health: HealthMemory = Field(default_factory=HealthMemory)
    stopped_since: datetime | None = None  # VM found stopped/deallocated by someone else
    schedule_checked_at: datetime | None = None
    revert_checked_at: datetime | None = None
    error_reason: str | None = None
    rollback_reason: str | None = None
    deletion: dict[str, object] | None = None  # the deallocation config of a delete in progress
    retiring: list[str] = Field(default_factory=list)  # handed to the garbage collector, maybe not gone yet
    revert_note: str | None = None  # why the last revert check said no (logged once per reason)
    revert_refused_at: datetime | None = None  # a revert's spot launch was refused: back off
    revert_retry_at: datetime | None = None  # when waiting changes the revert answer (cooldown, window)
    import_source: ImportSource | None = Field(default=None, alias="importSource")

    def to_json(self) -> dict[str, object]:
        # by alias: only the import source has aliases (its camelCase keys are the service's)
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, raw: object) -> NodeState:
        return cls.model_validate(raw or {})

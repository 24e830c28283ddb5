"""Wire models of the request bodies that are not a node: delete, import, disks, state change.

These bodies (spot-api.md §4) have no rule module of their own, so the simple constraints the
public schema states — ranges, defaults, required keys — are declared here. Defaults are the
documented ones (`ttlInHours` 96, `shouldDeregisterFromLb` true, `shouldRevertToOd` false, ...);
they are read through the attributes and are not echoed back as if the client had sent them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from spotkeeper.spec.models_base import WireModel
from spotkeeper.spec.models_compute import Caching, DataDiskType, Zone
from spotkeeper.spec.models_node import StatefulNode

NodeStateAction = Literal["pause", "resume", "recycle"]

DEFAULT_RETENTION_HOURS = 96


class ResourceDeallocation(WireModel):
    """Whether to delete one kind of resource with the node, and after how many hours."""

    should_deallocate: bool
    ttl_in_hours: int = Field(default=DEFAULT_RETENTION_HOURS, ge=0, le=371)


class DeallocationConfig(WireModel):
    """Body of `DELETE /statefulNode/{id}`, under the key `deallocationConfig`."""

    should_terminate_vm: bool
    should_deregister_from_lb: bool = True
    should_revert_to_od: bool = False
    network_deallocation_config: ResourceDeallocation | None = None
    disk_deallocation_config: ResourceDeallocation | None = None
    snapshot_deallocation_config: ResourceDeallocation | None = None
    public_ip_deallocation_config: ResourceDeallocation | None = None

    @model_validator(mode="after")
    def _vm_kept_means_lb_and_od_choices(self) -> DeallocationConfig:
        # OpenAPI: both options "can be changed ... only when shouldTerminateVm is false".
        if self.should_terminate_vm and "should_deregister_from_lb" in self.model_fields_set \
                and self.should_deregister_from_lb is False:
            raise PydanticCustomError(
                "terminate_conflict",
                "shouldDeregisterFromLb can be false only when shouldTerminateVm is false: "
                "a terminated VM always leaves its load balancers",
                {"key": "shouldDeregisterFromLb", "code": "INVALID_VALUE"},
            )
        if self.should_terminate_vm and self.should_revert_to_od:
            raise PydanticCustomError(
                "terminate_conflict",
                "shouldRevertToOd can be true only when shouldTerminateVm is false: "
                "there is no VM left to move to on-demand",
                {"key": "shouldRevertToOd", "code": "INVALID_VALUE"},
            )
        return self


class StatefulNodeImport(WireModel):
    """Body of `POST /statefulNode/import`, under the key `statefulNodeImport`."""

    # Go, Terraform, Java and OpenAPI send `resourcesRetentionTime`; the Python SDK sends
    # `resourceRetentionTime`.
    wire_variants = {"resourcesRetentionTime": ("resourceRetentionTime",)}
    wire_ignored = frozenset({"statefulImportId"})

    resource_group_name: str
    original_vm_name: str
    draining_timeout: int = Field(default=120, ge=0, le=1800)
    resources_retention_time: int = Field(default=DEFAULT_RETENTION_HOURS, ge=0, le=731)
    convert_unmanaged_disks: bool = False
    node: StatefulNode | None = None


class AttachDataDisk(WireModel):
    """Body of `PUT /statefulNode/{id}/dataDisk/attach`: create a new disk and attach it."""

    data_disk_name: str
    data_disk_resource_group_name: str
    storage_account_type: DataDiskType
    size_gb: int = Field(alias="sizeGB", ge=1, le=1023)
    lun: int | None = Field(default=None, ge=0)  # None: the next free LUN
    zone: Zone | None = None  # None: a regional disk
    caching: Caching | None = None


class DetachDataDisk(WireModel):
    """Body of `PUT /statefulNode/{id}/dataDisk/detach`."""

    data_disk_name: str
    data_disk_resource_group_name: str
    should_deallocate: bool
    ttl_in_hours: int = Field(default=0, ge=0)


class SwapOsDisk(WireModel):
    """Body of `PUT /statefulNode/{id}/osDisk/swap` (node paused, OS disk persisted)."""

    os_disk_name: str
    os_disk_resource_group_name: str
    should_terminate: bool = True
    retention_time: int | None = Field(default=None, ge=0)


class StateChange(WireModel):
    """Body of `PUT /statefulNode/{id}/state`."""

    state: NodeStateAction

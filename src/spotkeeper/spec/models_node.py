"""Wire models of the `statefulNode` root and its policy sections (strategy, persistence, ...).

`StatefulNode` is the one spec every door produces (API, CLI, console, Terraform, JSON import);
see spot-api.md §3. Everything below is optional at the model level except keys of list items
that the public schema requires (see `spec.models` for why); create-time required-ness is the
job of the named rules in `spec.rules`.
"""

from __future__ import annotations

from typing import Literal

from spotkeeper.spec.models_base import WireModel
from spotkeeper.spec.models_compute import Compute

PreferredLifecycle = Literal["od", "spot"]
PerformAt = Literal["timeWindow", "never", "always"]
SignalType = Literal["vmReady", "vmReadyToShutdown"]
UtilizationStrategy = Literal["utilizeOverSpot", "utilizeOverOD"]
PersistenceMode = Literal["reattach", "onLaunch"]
# `vmAgent` is the console's "VM agent" health check; no public schema names its wire value,
# so we use the name the console gives it next to `vmState`.
HealthCheckType = Literal["vmState", "applicationGateway", "vmAgent"]
TaskType = Literal["pause", "resume", "recycle"]


# --- strategy ----------------------------------------------------------------------------------


class RevertToSpot(WireModel):
    perform_at: PerformAt | None = None


class Signal(WireModel):
    type: SignalType
    # The OpenAPI schema documents a default of 1800 s; Go omits the key when it is unset.
    timeout: int | None = None


class CapacityReservationGroup(WireModel):
    name: str
    resource_group_name: str
    should_prioritize: bool | None = None


class CapacityReservation(WireModel):
    should_utilize: bool | None = None
    utilization_strategy: UtilizationStrategy | None = None
    capacity_reservation_groups: list[CapacityReservationGroup] | None = None


class InterruptionToleration(WireModel):
    is_enabled: bool | None = None
    cooldown: int | None = None
    evaluation_period: int | None = None
    threshold: int | None = None


class Strategy(WireModel):
    # The Python SDK and OpenAPI write `preferredLifecycle`; Terraform's HCL says `life_cycle`
    # and case-insensitive Go decoding made `preferredLifeCycle` work against the real service.
    wire_variants = {"preferredLifecycle": ("preferredLifeCycle",)}

    fallback_to_od: bool | None = None
    preferred_lifecycle: PreferredLifecycle | None = None
    draining_timeout: int | None = None
    availability_vs_cost: int | None = None
    revert_to_spot: RevertToSpot | None = None
    optimization_windows: list[str] | None = None
    od_windows: list[str] | None = None
    signals: list[Signal] | None = None
    capacity_reservation: CapacityReservation | None = None
    interruption_toleration: InterruptionToleration | None = None
    # null means every identity may stop the VM, [] means none may: the null is meaningful.
    vm_admins: list[str] | None = None
    should_utilize_commitments: bool | None = None


# --- persistence, scheduling, health, integrations ---------------------------------------------


class Persistence(WireModel):
    # Go and Terraform sent `shouldPersistVm` until 2025; it never did anything for Azure.
    wire_ignored = frozenset({"shouldPersistVm"})

    should_persist_os_disk: bool | None = None
    os_disk_persistence_mode: PersistenceMode | None = None
    should_persist_data_disks: bool | None = None
    data_disks_persistence_mode: PersistenceMode | None = None
    should_persist_network: bool | None = None


class SchedulingTask(WireModel):
    is_enabled: bool
    type: TaskType
    cron_expression: str


class Scheduling(WireModel):
    tasks: list[SchedulingTask] | None = None


class Health(WireModel):
    health_check_types: list[HealthCheckType] | None = None
    grace_period: int | None = None
    unhealthy_duration: int | None = None
    auto_healing: bool | None = None


class Insights(WireModel):
    is_enabled: bool | None = None
    data_collection_rule_id: str | None = None


class Integrations(WireModel):
    insights: Insights | None = None


# --- the node ----------------------------------------------------------------------------------


class StatefulNode(WireModel):
    """The whole `statefulNode` object as a client sends it."""

    # Read-only keys a client may echo back from a GET; the server owns them.
    wire_ignored = frozenset({"id", "createdAt", "updatedAt"})

    name: str | None = None
    region: str | None = None
    resource_group_name: str | None = None
    description: str | None = None
    strategy: Strategy | None = None
    compute: Compute | None = None
    persistence: Persistence | None = None
    scheduling: Scheduling | None = None
    health: Health | None = None
    integrations: Integrations | None = None

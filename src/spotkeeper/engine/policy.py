"""From the node's wire spec to the small policy objects the pure decisions take.

The decision modules (placement, revert, health, toleration, schedule) never see the pydantic
spec: they take frozen policies. This module is the one place that reads the spec for the
engine and applies the documented defaults, so "what does an absent field mean" has one answer:

| spec field | default when absent | source |
|---|---|---|
| strategy.preferredLifecycle | spot | spot-api.md §3.2 |
| strategy.fallbackToOd | true | console default (required on create) |
| strategy.drainingTimeout | 120 s | §3.2 |
| strategy.availabilityVsCost | 50 (balanced) | our choice; the API leaves it unset |
| strategy.revertToSpot.performAt | always | §3.2 |
| persistence modes | reattach | the seed lists Reattach first |
| health.gracePeriod / unhealthyDuration | 120 s / 120 s | §3.6 minima |
| compute.launchSpecification.osDisk.type | Premium_LRS on premium sizes, else StandardSSD_LRS | Azure |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from spotkeeper.catalog import Catalog, SizeAttributes, select_sizes
from spotkeeper.engine.health import HealthPolicy
from spotkeeper.engine.placement import (
    CapacityReservationPolicy,
    PlacementPolicy,
    ReservationGroup,
)
from spotkeeper.engine.revert import (
    DEFAULT_EVICTION_COOLDOWN,
    DEFAULT_MIN_SAVING_FRACTION,
    PerformAt,
    RevertPolicy,
)
from spotkeeper.engine.schedule import ScheduledTask
from spotkeeper.engine.toleration import TolerationPolicy
from spotkeeper.spec.models import StatefulNode
from spotkeeper.spec.windows import parse_windows

PersistenceMode = Literal["reattach", "onLaunch"]

DEFAULT_DRAINING_TIMEOUT_S = 120
DEFAULT_AVAILABILITY_VS_COST = 50


@dataclass(frozen=True)
class PersistencePlan:
    os_disk: bool
    os_disk_mode: PersistenceMode
    data_disks: bool
    data_disks_mode: PersistenceMode
    network: bool


@dataclass(frozen=True)
class StrategySettings:
    """Operator-level knobs beyond the Spot spec (revert threshold, cooldown)."""

    min_saving_fraction: float = DEFAULT_MIN_SAVING_FRACTION
    revert_cooldown: timedelta = DEFAULT_EVICTION_COOLDOWN


def persistence_plan(node: StatefulNode) -> PersistencePlan:
    p = node.persistence
    return PersistencePlan(
        os_disk=bool(p and p.should_persist_os_disk),
        os_disk_mode=(p and p.os_disk_persistence_mode) or "reattach",
        data_disks=bool(p and p.should_persist_data_disks),
        data_disks_mode=(p and p.data_disks_persistence_mode) or "reattach",
        network=bool(p and p.should_persist_network),
    )


def draining_timeout(node: StatefulNode) -> timedelta:
    seconds = node.strategy.draining_timeout if node.strategy else None
    return timedelta(seconds=seconds if seconds is not None else DEFAULT_DRAINING_TIMEOUT_S)


def spot_size_names(node: StatefulNode, catalog: Catalog) -> tuple[str, ...]:
    """The spot sizes: the manual list, or the sizes the attributes select in the region."""
    sizes = node.compute.vm_sizes if node.compute else None
    if sizes is None:
        return ()
    if sizes.spot_sizes:
        return tuple(sizes.spot_sizes)
    attrs = sizes.spot_size_attributes
    if attrs is None or node.region is None:
        return ()
    selection = select_sizes(
        catalog,
        region=node.region,
        os=(node.compute.os if node.compute and node.compute.os else "Linux"),
        attributes=SizeAttributes(
            min_cpu=attrs.min_cpu, max_cpu=attrs.max_cpu, min_memory=attrs.min_memory,
            max_memory=attrs.max_memory, min_storage=attrs.min_storage, max_storage=attrs.max_storage,
        ),
        excluded=tuple(sizes.excluded_vm_sizes or ()),
        security_type=_security_type(node),
    )
    return tuple(row.size.name for row in selection.supported)


def placement_policy(node: StatefulNode, catalog: Catalog) -> PlacementPolicy:
    compute = node.compute
    sizes = compute.vm_sizes if compute else None
    strategy = node.strategy
    crp = strategy.capacity_reservation if strategy else None
    reservation = None
    if crp is not None and crp.should_utilize:
        reservation = CapacityReservationPolicy(
            should_utilize=True,
            strategy=crp.utilization_strategy or "utilizeOverOD",
            groups=tuple(
                ReservationGroup(g.name, g.resource_group_name, bool(g.should_prioritize))
                for g in (crp.capacity_reservation_groups or ())
            ),
        )
    return PlacementPolicy(
        spot_sizes=spot_size_names(node, catalog),
        od_sizes=tuple(sizes.od_sizes or ()) if sizes else (),
        preferred_spot_sizes=tuple(sizes.preferred_spot_sizes or ()) if sizes else (),
        zones=tuple(compute.zones or ()) if compute else (),
        preferred_zone=compute.preferred_zone if compute else None,
        availability_vs_cost=(
            strategy.availability_vs_cost
            if strategy and strategy.availability_vs_cost is not None
            else DEFAULT_AVAILABILITY_VS_COST
        ),
        preferred_lifecycle=(strategy and strategy.preferred_lifecycle) or "spot",
        fallback_to_od=strategy.fallback_to_od is not False if strategy else True,
        capacity_reservation=reservation,
    )


def revert_policy(node: StatefulNode, settings: StrategySettings) -> RevertPolicy:
    strategy = node.strategy
    perform_at: PerformAt = "always"
    if strategy and strategy.revert_to_spot and strategy.revert_to_spot.perform_at:
        perform_at = strategy.revert_to_spot.perform_at
    return RevertPolicy(
        perform_at=perform_at,
        optimization_windows=parse_windows(strategy.optimization_windows or ()) if strategy else (),
        od_windows=parse_windows(strategy.od_windows or ()) if strategy else (),
        min_saving_fraction=settings.min_saving_fraction,
        cooldown=settings.revert_cooldown,
    )


def health_policy(node: StatefulNode) -> HealthPolicy:
    health = node.health
    if health is None:
        return HealthPolicy()
    return HealthPolicy(
        check_types=frozenset(health.health_check_types or ()),
        grace_period_s=health.grace_period if health.grace_period is not None else 120,
        unhealthy_duration_s=health.unhealthy_duration if health.unhealthy_duration is not None else 120,
        auto_healing=bool(health.auto_healing),
    )


def toleration_policy(node: StatefulNode) -> TolerationPolicy:
    tol = node.strategy.interruption_toleration if node.strategy else None
    if tol is None or not tol.is_enabled:
        return TolerationPolicy(enabled=False, threshold=0, evaluation_period_min=0, cooldown_min=0)
    return TolerationPolicy(
        enabled=True,
        threshold=tol.threshold or 3,
        evaluation_period_min=tol.evaluation_period or 60,
        cooldown_min=tol.cooldown or 120,
    )


def scheduled_tasks(node: StatefulNode) -> tuple[ScheduledTask, ...]:
    tasks = node.scheduling.tasks if node.scheduling else None
    return tuple(
        ScheduledTask(t.type, t.cron_expression, t.is_enabled) for t in (tasks or ()) if t.is_enabled
    )


def _security_type(node: StatefulNode) -> str:
    launch = node.compute.launch_specification if node.compute else None
    if launch and launch.security and launch.security.security_type:
        return launch.security.security_type
    return "Standard"

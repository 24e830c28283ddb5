"""What the recovery and cost benches share: node specs, a reading of the simulated Azure's
trace into eviction recoveries, the critical-path lower bound of each recovery, percentiles and
tables.

Both benches must judge the engine against what the simulated Azure *made unavoidable* in the
same run, not against a guess. The simulated Azure records every operation in its trace
(`vm.delete.accepted` ... `vm.deleted`, `vm.create.accepted` ... `vm.running`, snapshots, disk
copies), and each duration there is the latency model's deterministic draw for that operation;
`draws_agreeing` re-asks the `LatencyModel` for the same keys the simulator used (op, resource
id, n-th time that op ran on that resource) so a bench can show the two agree. A recovery's
lower bound is then built from those durations alone (`critical_path`).

Node specs come from `tests/factories.py` (the repository root is put on `sys.path` for that),
with the weekday pause/resume schedule removed: a bench measures evictions and markets, not cron.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from spotkeeper.sim.events import TraceEntry
from spotkeeper.sim.latency import LatencyModel
from spotkeeper.spec.rules import validate_node

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.factories import valid_node, with_path, without_path  # noqa: E402

NIC_RESERVATION_S = 180.0  # azure.md: a NIC freed by a VM delete is reserved for ~180 s
PREEMPT_NOTICE_S = 30.0  # F11: Azure's minimum Preempt notice
CONSOLE = Console(width=180)

_SNAPSHOT_SUFFIX = re.compile(r"-snap\d+$")
_GENERATION_SUFFIX = re.compile(r"-g\d+$")


# --------------------------------------------------------------------- node specs


def node_spec(
    name: str,
    *,
    vm_name: str | None = None,
    persistence: str = "reattach",
    zones: Sequence[str] | None = None,
    spot_sizes: Sequence[str] | None = None,
    od_sizes: Sequence[str] | None = None,
    preferences: bool = True,
    availability_vs_cost: int | None = None,
) -> dict[str, Any]:
    """The factory's valid Linux node without its pause/resume schedule, with the persistence
    mode of its OS and data disks ("reattach" or "onLaunch"), optionally a persisted `vmName`,
    other zones and sizes (the first of each preferred, unless `preferences` is False: then no
    preferred zone or spot size), and `strategy.availabilityVsCost`. Raises ValueError naming
    every problem if the result is invalid."""
    spec = without_path(valid_node(name=name), "scheduling")
    spec = with_path(spec, "persistence.osDiskPersistenceMode", persistence)
    spec = with_path(spec, "persistence.dataDisksPersistenceMode", persistence)
    if vm_name:
        spec = with_path(spec, "compute.launchSpecification.vmName", vm_name)
    if zones is not None:
        spec = with_path(spec, "compute.zones", list(zones))
        spec = with_path(spec, "compute.preferredZone", zones[0])
    if spot_sizes is not None:
        spec = with_path(spec, "compute.vmSizes.spotSizes", list(spot_sizes))
        spec = with_path(spec, "compute.vmSizes.preferredSpotSizes", [spot_sizes[0]])
    if od_sizes is not None:
        spec = with_path(spec, "compute.vmSizes.odSizes", list(od_sizes))
    if not preferences:
        spec = without_path(spec, "compute.preferredZone")
        spec = without_path(spec, "compute.vmSizes.preferredSpotSizes")
    if availability_vs_cost is not None:
        spec = with_path(spec, "strategy.availabilityVsCost", availability_vs_cost)
    report = validate_node(spec)
    if not report.valid:
        raise ValueError(f"bench node spec {name!r} is invalid: {report.as_dict()['errors']}")
    checked: dict[str, Any] = spec
    return checked


# ------------------------------------------------------------------ recoveries


@dataclass
class Recovery:
    """One eviction of a node's VM and the replacement that followed, as the trace saw it."""

    owner: str
    old_vm: str
    cause: str
    notice_at: datetime | None = None
    down_at: datetime | None = None  # the VM stopped: evicted, or deleted before the eviction
    delete_accepted: datetime | None = None
    delete_done: datetime | None = None
    snapshots: dict[str, list[datetime]] = field(default_factory=dict)  # disk stem -> [start, end]
    copies: dict[str, list[datetime]] = field(default_factory=dict)
    resize: list[datetime] = field(default_factory=list)  # [start, end] of resizing the evicted VM
    launch_op: str | None = None  # "vm.create" (a new VM) or "vm.start" (the same VM again)
    launch_accepted: datetime | None = None
    new_vm: str | None = None
    running_at: datetime | None = None
    failed_launches: int = 0
    other_ops: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return self.running_at is not None and self.down_at is not None and self.launch_accepted is not None

    @property
    def renamed(self) -> bool:
        return self.new_vm is not None and _name(self.new_vm) != _name(self.old_vm)

    @property
    def downtime_s(self) -> float:
        assert self.running_at is not None and self.down_at is not None
        return _seconds(self.running_at - self.down_at)

    @property
    def from_notice_s(self) -> float:
        assert self.running_at is not None
        start = self.notice_at or self.down_at
        assert start is not None
        return _seconds(self.running_at - start)

    @property
    def delete_s(self) -> float:
        if self.delete_accepted is None or self.delete_done is None:
            return 0.0
        return _seconds(self.delete_done - self.delete_accepted)

    @property
    def resize_s(self) -> float:
        """Resizing the deallocated VM before starting it again in place (0 when not resized)."""
        return _seconds(self.resize[1] - self.resize[0]) if len(self.resize) == 2 else 0.0

    @property
    def launch_s(self) -> float:
        assert self.running_at is not None and self.launch_accepted is not None
        return _seconds(self.running_at - self.launch_accepted)

    @property
    def state_transfer_s(self) -> float:
        """The longest snapshot-then-copy chain over the node's disks (0 for reattach)."""
        chains = [
            _seconds(snap[1] - snap[0]) + _seconds(copy[1] - copy[0])
            for stem, snap in self.snapshots.items()
            if len(snap) == 2 and len(copy := self.copies.get(stem, [])) == 2
        ]
        return max(chains, default=0.0)

    @property
    def reaction_s(self) -> float:
        """From the VM stopping to the engine's first cloud call for the replacement."""
        firsts = [t for t in (self.delete_accepted, self.launch_accepted) if t is not None]
        firsts += [span[0] for span in self.snapshots.values()]
        assert self.down_at is not None
        return _seconds(min(firsts) - self.down_at) if firsts else 0.0

    @property
    def idle_before_launch_s(self) -> float:
        """From the last prerequisite finishing (delete, disk copies) to the launch request."""
        assert self.launch_accepted is not None and self.down_at is not None
        ready = [self.down_at, *(t for t in (self.delete_done,) if t is not None)]
        ready += [span[1] for span in self.copies.values() if len(span) == 2]
        return max(0.0, _seconds(self.launch_accepted - max(ready)))


@dataclass(frozen=True)
class CriticalPath:
    """Lower bounds of one recovery, built only from durations the simulated Azure drew for it.

    `sequential` is the chain the benchmark brief names: delete the evicted VM, then (snapshot
    mode) snapshot and copy each disk, the disks in parallel, then create the VM; when the NIC is
    reserved (below) the 180 s run beside the snapshot-and-copy. `overlapped` lets the
    snapshots start when the VM stops, beside the delete (Azure snapshots a disk still attached
    to a deallocated VM), so it is the tighter bound. `reservation_s` is 180 when Azure's rule
    makes the NIC's reservation unavoidable: a persisted NIC moving to a VM of another name."""

    delete_s: float
    state_transfer_s: float
    reservation_s: float
    launch_s: float
    resize_s: float = 0.0  # a restart in place must finish resizing before it can start

    @property
    def sequential_s(self) -> float:
        return (self.delete_s + max(self.reservation_s, self.state_transfer_s) + self.resize_s
                + self.launch_s)

    @property
    def overlapped_s(self) -> float:
        return (max(self.delete_s + self.reservation_s, self.state_transfer_s) + self.resize_s
                + self.launch_s)


def critical_path(
    recovery: Recovery, *, network_persisted: bool, reserve_same_name: bool = False
) -> CriticalPath:
    """The recovery's bound. Azure reserves a deleted VM's NIC for that VM ("reserved for
    another Virtual Machine ... Reserved VM: <id>"), so only a replacement of another name has
    to wait; `reserve_same_name` applies the reservation to every reuse of the NIC instead (the
    rule as the simulated Azure currently enforces it), to show what the simulator imposes."""
    reserved = network_persisted and (recovery.renamed or reserve_same_name)
    return CriticalPath(
        delete_s=recovery.delete_s,
        state_transfer_s=recovery.state_transfer_s,
        reservation_s=NIC_RESERVATION_S if reserved else 0.0,
        launch_s=recovery.launch_s,
        resize_s=recovery.resize_s,
    )


def read_recoveries(
    entries: Iterable[TraceEntry], *, owner_of: Callable[[str], str | None]
) -> list[Recovery]:
    """Every eviction (a Preempt notice or an eviction) of a VM `owner_of` attributes to a node,
    with the operations up to that node's next VM running. Incomplete ones are returned too."""
    pending_notice: dict[str, tuple[datetime, str]] = {}
    open_by_owner: dict[str, Recovery] = {}
    found: list[Recovery] = []
    for entry in entries:
        kind, resource, at = entry.kind, entry.resource, entry.time
        owner = owner_of(_name(resource)) if "/" in resource else None
        if owner is None:
            continue
        current = open_by_owner.get(owner)
        if kind == "vm.event.scheduled" and entry.detail.startswith("Preempt"):
            if current is None or current.old_vm != resource:
                pending_notice[resource] = (at, _cause(entry.detail))
            continue
        if kind == "vm.evicted" and (current is None or current.old_vm != resource):
            notice = pending_notice.pop(resource, None)
            current = Recovery(owner, resource, notice[1] if notice else entry.detail.split(" ")[0],
                               notice_at=notice[0] if notice else None, down_at=at)
            open_by_owner[owner] = current
            found.append(current)
            continue
        if kind == "vm.delete.accepted" and resource in pending_notice and current is None:
            notice_at, cause = pending_notice.pop(resource)  # deleted before Azure evicted it
            current = Recovery(owner, resource, cause, notice_at=notice_at, down_at=at)
            open_by_owner[owner] = current
            found.append(current)
        if current is None:
            continue
        _apply(current, entry)
        if current.running_at is not None:
            del open_by_owner[owner]
    return found


def _apply(recovery: Recovery, entry: TraceEntry) -> None:
    kind, resource, at = entry.kind, entry.resource, entry.time
    is_vm = "/virtualmachines/" in resource
    if is_vm and resource == recovery.old_vm and recovery.launch_accepted is None:
        if kind == "vm.delete.accepted" and recovery.delete_accepted is None:
            recovery.delete_accepted = at
            return
        if kind == "vm.deleted" and recovery.delete_done is None:
            recovery.delete_done = at
            return
        if kind == "vm.update.accepted":
            recovery.resize[:] = [at]
            return
        if kind == "vm.update.succeeded" and recovery.resize:
            recovery.resize[1:] = [at]
            return
    if kind in ("vm.create.accepted", "vm.start.accepted") and is_vm:
        recovery.launch_op, recovery.launch_accepted, recovery.new_vm = kind[:-9], at, resource
    elif kind in ("vm.create.failed", "vm.start.failed") and is_vm:
        recovery.failed_launches += 1
    elif kind == "vm.running" and is_vm and resource == recovery.new_vm:
        recovery.running_at = at
    elif kind.startswith("snapshot.create.") and kind != "snapshot.create.failed":
        span = recovery.snapshots.setdefault(_disk_stem(_name(resource)), [])
        if kind.endswith(".accepted"):
            span[:] = [at]
        elif span:
            span[1:] = [at]
    elif kind.startswith("disk.copy.") and kind != "disk.copy.failed":
        span = recovery.copies.setdefault(_disk_stem(_name(resource)), [])
        if kind.endswith(".accepted"):
            span[:] = [at]
        elif span:
            span[1:] = [at]
    elif kind.endswith(".accepted"):
        recovery.other_ops[kind[:-9]] += 1


def draws_agreeing(entries: Sequence[TraceEntry], latency: LatencyModel) -> tuple[int, int]:
    """(agreeing, checked): for every VM create/delete, snapshot and disk copy that completed,
    does the trace's duration equal `latency.duration(op, "<resource id>#<n>")`, n counting
    that op on that resource from the start of the run, as the simulated Azure keys its draws?"""
    counts: Counter[tuple[str, str]] = Counter()
    started: dict[tuple[str, str], tuple[datetime, int]] = {}
    ends = {"vm.delete": "vm.deleted", "vm.create": "vm.running",
            "snapshot.create": "snapshot.create.succeeded", "disk.copy": "disk.copy.succeeded"}  # fmt: skip
    by_end = {end: op for op, end in ends.items()}
    agreeing = checked = 0
    for entry in entries:
        if entry.kind.endswith(".accepted") and entry.kind[:-9] in ends:
            key = (entry.kind[:-9], entry.resource)
            counts[key] += 1
            started[key] = (entry.time, counts[key])
        elif entry.kind in by_end and (key := (by_end[entry.kind], entry.resource)) in started:
            at, n = started.pop(key)
            expected = latency.duration(key[0], f"{entry.resource}#{n}")
            checked += 1
            agreeing += abs(_seconds(entry.time - at - expected)) < 0.002
    return agreeing, checked


# --------------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value: float, digits: int = 3) -> float | None:
    """JSON-safe: NaN becomes null."""
    return None if math.isnan(value) else round(value, digits)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    CONSOLE.print(table)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


def _name(resource: str) -> str:
    return resource.rsplit("/", 1)[-1]


def _disk_stem(name: str) -> str:
    """`db-osdisk-g1-snap2` and `db-osdisk-g2` -> `db-osdisk`: a disk's role, across generations."""
    return _GENERATION_SUFFIX.sub("", _SNAPSHOT_SUFFIX.sub("", name))


def _cause(detail: str) -> str:
    match = re.search(r"cause=(\S+)", detail)
    return match.group(1) if match else "unknown"


def counter_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "-"

"""Helpers for the engine's scenario tests: one what-if world per test, and the checks the
engine's promises (DESIGN §4) are stated in.

Each scenario builds its own `WhatIf` (simulated Azure + default world + engine stepper on a
ManualClock, `latency="instant"`) so tests share nothing. `WatchedCloud` is a fake at our own
seam: it implements the cloud port by delegating to the simulated provider, and after every
call checks what must hold at every instant (no disk attached to two VMs, no node with two VMs)
and counts calls, which the crash tests use to know where a worker can die.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.context import EngineSettings
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.stepper import NodeRun
from spotkeeper.sim import SimAzure
from spotkeeper.sim.ids import key_of
from spotkeeper.sim.vm_models import VirtualMachine
from spotkeeper.whatif import WhatIf
from tests.factories import valid_node

RG = "sk-sandbox"
# Polls short enough that a test sees the engine react within minutes of simulated time.
SCENARIO_SETTINGS = EngineSettings(steady_poll=timedelta(minutes=5),
                                   revert_check_interval=timedelta(minutes=5))


def make_world(*, settings: EngineSettings = SCENARIO_SETTINGS, start: datetime | None = None,
               scenario: str = "calm", seed: int = 0) -> WhatIf:
    return WhatIf(scenario=scenario, seed=seed, latency="instant", settings=settings, start=start)


def node_spec(**strategy: Any) -> dict[str, Any]:
    """The factory's full node (two zones, a data disk at LUN 0, a public IP, everything
    persisted by reattach) without its cron schedule, with `strategy` keys replaced."""
    spec = valid_node()
    del spec["scheduling"]
    spec["strategy"].update(strategy)
    return spec


def launch(world: WhatIf, spec: dict[str, Any], *, within: timedelta = timedelta(minutes=1)) -> str:
    node_id = world.add_node(spec)
    world.run_for(within)
    assert world.engine.nodes[node_id].status == "active", log_of(world, node_id)
    return node_id


def node(world: WhatIf, node_id: str) -> NodeRun:
    return world.engine.nodes[node_id]


def vm_of(world: WhatIf, node_id: str) -> VirtualMachine:
    record = node(world, node_id).state.vm
    assert record is not None, log_of(world, node_id)
    return world.sim.vm(RG, record.name)


def log_of(world: WhatIf, node_id: str) -> str:
    return "\n".join(f"{e.at:%a %H:%M:%S} {e.severity} {e.message}" for e in node(world, node_id).events)


def messages(world: WhatIf, node_id: str) -> list[str]:
    return [e.message for e in node(world, node_id).events]


def events_matching(world: WhatIf, node_id: str, text: str) -> list[tuple[datetime, str]]:
    return [(e.at, e.message) for e in node(world, node_id).events if text in e.message and e.at is not None]


def evict(world: WhatIf, node_id: str, *, then_run: timedelta = timedelta(minutes=10)) -> None:
    """Azure evicts the node's spot VM (Preempt notice, then the eviction 30 s later)."""
    world.cloud.simulate_eviction(RG, vm_of(world, node_id).name)
    world.run_for(then_run)


def tagged_ids(world: WhatIf, node_id: str) -> set[str]:
    return {r.id.lower() for r in world.cloud.list_tagged(NODE_TAG, node_id)}


def trace_kinds(world: WhatIf, resource_id: str) -> list[str]:
    return [entry.kind for entry in world.sim.trace if entry.resource == key_of(resource_id)]


def nodes_with_two_vms(sim: SimAzure) -> dict[str, list[str]]:
    """Node id -> its VMs, for every node that has more than one VM in Azure right now."""
    vms: dict[str, list[str]] = {}
    for vm in sim.compute.list_vms():
        if NODE_TAG in vm.tags:
            vms.setdefault(vm.tags[NODE_TAG], []).append(vm.name)
    return {node_id: names for node_id, names in vms.items() if len(names) > 1}


def disks_on_two_vms(sim: SimAzure) -> dict[str, list[str]]:
    """Disk id -> the VMs that hold it, for every disk more than one VM holds right now."""
    holders: dict[str, list[str]] = {}
    for vm in sim.compute.list_vms():
        for disk_id in vm.disk_ids():
            holders.setdefault(key_of(disk_id), []).append(vm.name)
    return {disk: vms for disk, vms in holders.items() if len(vms) > 1}


class WatchedCloud:
    """The cloud port, delegated call by call to the simulated provider, with a check after
    each call. `resource_id` is pure (no call reaches the cloud) and is not counted."""

    def __init__(self, inner: CloudProvider, sim: SimAzure, *,
                 after_call: Callable[[int, str], None] | None = None) -> None:
        self.inner = inner
        self.sim = sim
        self.calls: list[str] = []
        self.violations: list[str] = []
        self.after_call = after_call

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name == "resource_id" or not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            count = len(self.calls)
            try:
                return target(*args, **kwargs)
            finally:
                shared, doubled = disks_on_two_vms(self.sim), nodes_with_two_vms(self.sim)
                if shared:
                    self.violations.append(f"after {name} (call {count}): disks on two VMs {shared}")
                if doubled:
                    self.violations.append(f"after {name} (call {count}): nodes with two VMs {doubled}")
                if self.after_call is not None:
                    self.after_call(count, name)

        return call


def watch(world: WhatIf, *, after_call: Callable[[int, str], None] | None = None) -> WatchedCloud:
    """Put a `WatchedCloud` between the engine (and its garbage collector) and the sim;
    `after_call(n, method)` runs once the n-th call has reached the cloud."""
    watched = WatchedCloud(world.cloud, world.sim, after_call=after_call)
    world.engine.cloud = watched  # type: ignore[assignment]
    return watched

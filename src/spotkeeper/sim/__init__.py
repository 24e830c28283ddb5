"""The simulated Azure: an in-memory, deterministic Azure subscription for tests, demos and
what-if runs (see `sim.azure` for the map of its services).

    from spotkeeper.sim import SimAzure, seed_default_world
    sim = SimAzure(clock=ManualClock(), seed=0, scenario="calm", latency="instant")
    world = seed_default_world(sim)
"""

from spotkeeper.sim.azure import DEFAULT_SUBSCRIPTION, SimAzure, TaggedResource
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.events import TraceEntry
from spotkeeper.sim.images import ImageReference
from spotkeeper.sim.requests import (
    DataDiskRequest,
    OsDiskRequest,
    OsProfileRequest,
    SecuritySettings,
    VmExtension,
    VmRequest,
)
from spotkeeper.sim.world import DefaultWorld, seed_default_world

__all__ = [
    "DEFAULT_SUBSCRIPTION",
    "ArmError",
    "DataDiskRequest",
    "DefaultWorld",
    "ImageReference",
    "OsDiskRequest",
    "OsProfileRequest",
    "SecuritySettings",
    "SimAzure",
    "TaggedResource",
    "TraceEntry",
    "VmExtension",
    "VmRequest",
    "seed_default_world",
]

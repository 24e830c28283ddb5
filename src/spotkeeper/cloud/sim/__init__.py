"""The cloud port over the simulated Azure (no HTTP): `SimCloudProvider(SimAzure(...))`."""

from spotkeeper.cloud.sim.provider import SimCloudProvider

__all__ = ["SimCloudProvider"]

"""How long each simulated Azure operation takes, calibrated to published figures.

Why it exists: recovery time is the quantity spotkeeper is judged on, and it is dominated by
Azure's own latencies (VM create, disk attach). Engine tests run with ``instant`` (every
operation completes at once); what-if runs and demos use ``azure-typical``, where each
operation's duration is lognormal with a documented median and 95th percentile. A duration is
a pure function of (seed, op, key), so the same run replays the same timings.

``azure-typical`` (figure ids from the shared `figures.md`):

* ``vm.create`` — median 200 s, p95 360 s, at least 37 s. SkyPilot measured Azure provisioning
  at mean 225 s / median 201 s (F18), 2-4 min depending on the image (F19), 350 s including
  setup (F17); the ARM create call alone took 37 s (F20), a floor for a provisioned VM.
* ``vm.start`` — median 45 s, p95 90 s: relaunching an existing (deallocated) VM took 40.4 s (F18).
* ``vm.deallocate`` / ``vm.delete`` — median 60 s / 90 s, p95 150 s / 246 s: a full SkyPilot
  teardown took 4 min 06 s (F17), used as the delete tail; deallocation is typically quicker.
* ``vm.update`` — median 20 s, p95 60 s (no published figure; a model PUT without reallocation).
* ``disk.attach`` / ``disk.detach`` — fitted exactly to F24: >60 s in 5.54 % and >120 s in
  0.79 % of operations, giving a median of about 16 s and p95 of about 63 s.
* ``snapshot.create`` — median 20 s, p95 180 s. Microsoft documents no duration and calls it
  "highly variable" (F25); incremental snapshots of SSD/HDD disks are usable at once, so the
  median is short and the tail long (sigma about 1.34).
* ``disk.copy`` (a disk from a snapshot) — median 10 s, p95 40 s: usable at once, hydrating in
  the background (F25). ``disk.create`` (empty) median 5 s, p95 15 s.
* ``snapshot.delete`` / ``disk.delete`` — median 5 s, p95 20 s.
* ``nic.*`` / ``pip.*`` — median 3 s, p95 8 s (network resources are metadata-only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal

from spotkeeper.sim.draws import standard_normal, uniform

LatencyProfile = Literal["instant", "azure-typical"]

OPS: tuple[str, ...] = (
    "vm.create",
    "vm.update",
    "vm.delete",
    "vm.start",
    "vm.deallocate",
    "disk.create",
    "disk.copy",
    "disk.attach",
    "disk.detach",
    "disk.delete",
    "snapshot.create",
    "snapshot.delete",
    "nic.create",
    "nic.delete",
    "pip.create",
    "pip.delete",
)

_Z95 = NormalDist().inv_cdf(0.95)


@dataclass(frozen=True, slots=True)
class Lognormal:
    """A lognormal duration given by its median and 95th percentile (seconds), clamped to
    [floor_s, ceiling_s] so no draw is absurd."""

    median_s: float
    p95_s: float
    source: str
    floor_s: float = 0.5
    ceiling_s: float = 3600.0

    @property
    def sigma(self) -> float:
        return math.log(self.p95_s / self.median_s) / _Z95

    def quantile(self, u: float) -> float:
        seconds = self.median_s * math.exp(self.sigma * standard_normal(u))
        return min(max(seconds, self.floor_s), self.ceiling_s)

    @classmethod
    def from_tail(cls, *, over: tuple[float, float], far_over: tuple[float, float], source: str) -> Lognormal:
        """The lognormal with P(X > over[0]) = over[1] and P(X > far_over[0]) = far_over[1]."""
        z_near = NormalDist().inv_cdf(1.0 - over[1])
        z_far = NormalDist().inv_cdf(1.0 - far_over[1])
        sigma = math.log(far_over[0] / over[0]) / (z_far - z_near)
        mu = math.log(over[0]) - z_near * sigma
        return cls(median_s=math.exp(mu), p95_s=math.exp(mu + _Z95 * sigma), source=source)


_DISK_ATTACH = Lognormal.from_tail(over=(60.0, 0.0554), far_over=(120.0, 0.0079), source="F24")
_NETWORK = Lognormal(median_s=3.0, p95_s=8.0, source="assumed: metadata-only network resources")

AZURE_TYPICAL: Mapping[str, Lognormal] = MappingProxyType(
    {
        "vm.create": Lognormal(median_s=200.0, p95_s=360.0, floor_s=37.0, ceiling_s=1800.0, source="F17-F20"),
        "vm.update": Lognormal(median_s=20.0, p95_s=60.0, source="assumed: no published figure"),
        "vm.delete": Lognormal(median_s=90.0, p95_s=246.0, source="F17"),
        "vm.start": Lognormal(median_s=45.0, p95_s=90.0, floor_s=10.0, source="F18"),
        "vm.deallocate": Lognormal(median_s=60.0, p95_s=150.0, source="F17"),
        "disk.create": Lognormal(median_s=5.0, p95_s=15.0, source="assumed: empty managed disk"),
        "disk.copy": Lognormal(median_s=10.0, p95_s=40.0, source="F25"),
        "disk.attach": _DISK_ATTACH,
        "disk.detach": _DISK_ATTACH,
        "disk.delete": Lognormal(median_s=5.0, p95_s=20.0, source="assumed"),
        "snapshot.create": Lognormal(median_s=20.0, p95_s=180.0, source="F25"),
        "snapshot.delete": Lognormal(median_s=5.0, p95_s=20.0, source="assumed"),
        "nic.create": _NETWORK,
        "nic.delete": _NETWORK,
        "pip.create": _NETWORK,
        "pip.delete": _NETWORK,
    }
)


class LatencyModel:
    """Durations of simulated Azure operations under one profile."""

    def __init__(self, profile: LatencyProfile = "instant", seed: int = 0) -> None:
        if profile not in ("instant", "azure-typical"):
            raise ValueError(f"unknown latency profile {profile!r}; expected 'instant' or 'azure-typical'")
        self.profile: LatencyProfile = profile
        self.seed = seed

    def duration(self, op: str, key: str) -> timedelta:
        """How long `op` on the resource `key` takes; the same (seed, op, key) always agrees."""
        distribution = _distribution(op)
        if self.profile == "instant":
            return timedelta(0)
        seconds = distribution.quantile(uniform(self.seed, "latency", op, key))
        return timedelta(milliseconds=round(seconds * 1000.0))

    def describe(self) -> dict[str, dict[str, float | str]]:
        """op -> {"median_s", "p95_s", "source"} for this profile (zeros for ``instant``)."""
        if self.profile == "instant":
            return {op: {"median_s": 0.0, "p95_s": 0.0, "source": "instant"} for op in OPS}
        return {
            op: {
                "median_s": round(AZURE_TYPICAL[op].quantile(0.5), 2),
                "p95_s": round(AZURE_TYPICAL[op].quantile(0.95), 2),
                "source": AZURE_TYPICAL[op].source,
            }
            for op in OPS
        }


def _distribution(op: str) -> Lognormal:
    try:
        return AZURE_TYPICAL[op]
    except KeyError:
        raise ValueError(
            f"unknown operation {op!r} for the latency model; expected one of {', '.join(OPS)}"
        ) from None

"""The catalog's value objects: what a VM size, a region, an image and a price are.

They are frozen dataclasses so that the rules, the engine and the simulator can share one loaded
catalog without any of them changing it under the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SizeType = Literal[
    "General purpose",
    "Memory optimized",
    "Compute optimized",
    "Storage optimized",
    "Burstable",
    "Confidential",
]
Architecture = Literal["x64", "Arm64"]
OsType = Literal["Linux", "Windows"]
Generation = Literal["V1", "V2"]
SecurityType = Literal["Standard", "TrustedLaunch", "ConfidentialVM"]
Lifecycle = Literal["spot", "od"]


@dataclass(frozen=True, slots=True)
class VmSize:
    """One Azure VM size with the capabilities the spec rules and placement care about."""

    name: str  # canonical Azure spelling, e.g. "Standard_D2s_v5"
    family: str  # e.g. "DSv5"
    size_type: SizeType
    vcpus: int
    memory_gib: float
    temp_storage_gib: int  # 0 = no local temp disk
    max_data_disks: int
    max_nics: int
    hyperv_generations: frozenset[str]  # {"V1"}, {"V2"} or {"V1", "V2"}
    architecture: Architecture
    premium_storage: bool
    confidential: bool
    spot_capable: bool  # has a Spot price in at least one catalog region
    trusted_launch: bool
    confidential_computing_type: str | None = None  # "AMD SEV-SNP" for the confidential families

    @property
    def gen2_only(self) -> bool:
        return self.hyperv_generations == frozenset({"V2"})


@dataclass(frozen=True, slots=True)
class Region:
    name: str  # ARM name, e.g. "eastus"
    display_name: str  # e.g. "East US"
    zones: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SizePrice:
    """Linux list prices in USD per hour; `spot_hour` is None where Azure offers no Spot price."""

    od_hour: float
    spot_hour: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketplaceImage:
    publisher: str
    offer: str
    sku: str
    version: str = "latest"
    os: OsType
    architecture: Architecture
    generation: Generation
    display_name: str
    regions: frozenset[str] = field(default_factory=frozenset)

    @property
    def urn(self) -> str:
        return f"{self.publisher}:{self.offer}:{self.sku}:{self.version}"

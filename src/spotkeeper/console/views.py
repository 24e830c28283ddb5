"""What the console's pages show, as plain typed values.

Pages render these and nothing else: the backend (`console.backend`) reads them from the service
and shapes them here, so a page never digs through a wire dict or a store record, and a change in
the service's return shapes is absorbed in one adapter instead of in every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Viewer:
    """The signed-in account, as the token in the browser's cookie names it."""

    account_id: str
    account_name: str
    token: str


@dataclass(frozen=True)
class FieldProblem:
    """One validation finding: `field` is the wire path (`compute.zones[1]`), "" = the node."""

    code: str
    field: str
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class NodeRow:
    """A line of the nodes list."""

    id: str
    name: str
    region: str
    status: str
    vm_size: str | None
    lifecycle: str | None
    zone: str | None
    private_ip: str | None
    public_ip: str | None
    health: str
    savings_usd: float
    tags: dict[str, str]


@dataclass(frozen=True)
class NodeDetail:
    """The node page's header and overview: the spec as stored (no secrets) and its status."""

    id: str
    name: str
    region: str
    resource_group: str
    status: str
    health: str
    vm_name: str | None
    vm_size: str | None
    lifecycle: str | None
    zone: str | None
    private_ip: str | None
    public_ip: str | None
    error_reason: str | None
    created_at: datetime | None
    spec: dict[str, Any]


@dataclass(frozen=True)
class DiskView:
    role: Literal["os", "data"]
    name: str
    resource_group: str
    size_gb: int | None
    sku: str | None
    lun: int | None
    zone: str | None
    persisted: bool
    persistence_mode: str | None
    last_snapshot: str | None


@dataclass(frozen=True)
class NicView:
    name: str
    resource_group: str
    is_primary: bool
    subnet: str | None
    private_ip: str | None
    public_ip: str | None
    public_ip_name: str | None
    security_group: str | None
    persisted: bool


@dataclass(frozen=True)
class NodeResources:
    disks: list[DiskView] = field(default_factory=list)
    nics: list[NicView] = field(default_factory=list)
    virtual_network: str | None = None


@dataclass(frozen=True)
class LogLine:
    time: datetime
    severity: str
    message: str


@dataclass(frozen=True)
class CostPoint:
    """Cumulative money at `time`: what the node cost, and what on-demand would have cost."""

    time: datetime
    actual_usd: float
    on_demand_usd: float


@dataclass(frozen=True)
class CostSummary:
    points: list[CostPoint]
    actual_usd: float
    on_demand_usd: float
    spot_hours: float
    od_hours: float

    @property
    def savings_usd(self) -> float:
        return self.on_demand_usd - self.actual_usd

    @property
    def savings_pct(self) -> float:
        return 0.0 if self.on_demand_usd <= 0 else 100.0 * self.savings_usd / self.on_demand_usd


@dataclass(frozen=True)
class RegionChoice:
    name: str
    display_name: str
    zones: tuple[str, ...]


@dataclass(frozen=True)
class ImageChoice:
    """An image the Compute step offers. `kind` picks which of the reference fields matter."""

    kind: Literal["marketplace", "custom", "gallery"]
    os: Literal["Linux", "Windows"]
    generation: str
    architecture: str
    label: str
    publisher: str = ""
    offer: str = ""
    sku: str = ""
    resource_group: str = ""
    name: str = ""
    gallery: str = ""
    versions: tuple[str, ...] = ()
    specialized: bool = False
    has_data_disks: bool = False


@dataclass(frozen=True)
class SizeChoice:
    """A row of the VM size table (the seed's columns), with the reasons it cannot be used."""

    name: str
    wire_name: str  # the lower-case spelling the wire uses (`standard_d2s_v5`)
    size_type: str
    vcpus: int
    memory_gib: float
    storage_gib: int
    spot_month_usd: float | None
    od_month_usd: float | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SizeTable:
    supported: list[SizeChoice]
    unsupported: list[SizeChoice]


@dataclass(frozen=True)
class NamedResource:
    resource_group: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.resource_group})"


@dataclass(frozen=True)
class VirtualNetworkChoice:
    resource_group: str
    name: str
    subnets: tuple[tuple[str, str], ...]  # (name, address prefix)


@dataclass(frozen=True)
class LoadBalancerChoice:
    resource_group: str
    name: str
    type: Literal["loadBalancer", "applicationGateway"]
    sku: str
    backend_pools: tuple[str, ...]


@dataclass(frozen=True)
class ReservationGroupChoice:
    resource_group: str
    name: str
    zones: tuple[str, ...]
    sizes: tuple[str, ...]


@dataclass(frozen=True)
class PickLists:
    """What exists in a region that a node can refer to (read from the cloud, not typed in)."""

    region: str
    resource_groups: tuple[str, ...] = ()
    virtual_networks: tuple[VirtualNetworkChoice, ...] = ()
    security_groups: tuple[NamedResource, ...] = ()
    application_security_groups: tuple[NamedResource, ...] = ()
    load_balancers: tuple[LoadBalancerChoice, ...] = ()
    reservation_groups: tuple[ReservationGroupChoice, ...] = ()
    images: tuple[ImageChoice, ...] = ()


@dataclass(frozen=True)
class AuthoringReport:
    """What validation said about a node being written, and whether it can be submitted."""

    problems: list[FieldProblem]

    @property
    def errors(self) -> list[FieldProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[FieldProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

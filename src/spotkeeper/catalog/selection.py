"""Which VM sizes can run a given node, why the others cannot, and what each costs per month.

The console's size picker, the spec rules and placement all ask the same question ("can this
size run this image, with this security type, in this region, on Spot?"), so the answer and its
human-readable reasons live here once.

Monthly cost is the hourly list price times 730 hours (Azure's own monthly convention).

Windows licence (approximation): the extract holds Linux prices only. Azure's pay-as-you-go
Windows Server price is the Linux price plus a licence charge that, for the general-purpose,
memory- and compute-optimized sizes in this catalog, works out at about USD 0.046 per vCPU-hour
(e.g. D2s_v5 in East US lists at 0.096 Linux and 0.188 Windows). We add that uplift per vCPU to
both on-demand and Spot prices, since Spot discounts only the compute part and the licence is
billed in full. It is an approximation: burstable and some small sizes carry a smaller uplift,
and Azure Hybrid Benefit removes it altogether.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spotkeeper.catalog.capabilities import CONFIDENTIAL_FAMILIES
from spotkeeper.catalog.model import Lifecycle, SizePrice, VmSize
from spotkeeper.catalog.snapshot import Catalog

HOURS_PER_MONTH = 730
WINDOWS_LICENCE_PER_VCPU_HOUR_USD = 0.046

_OS = {"linux": "Linux", "windows": "Windows"}
_GENERATIONS = {"v1": "V1", "v2": "V2"}
_ARCHITECTURES = {"x64": "x64", "arm64": "Arm64"}
_SECURITY_TYPES = {
    "standard": "Standard",
    "trustedlaunch": "TrustedLaunch",
    "confidentialvm": "ConfidentialVM",
}
_LIFECYCLES = ("spot", "od")


@dataclass(frozen=True)
class SizeAttributes:
    """Attribute-based selection bounds (inclusive); None = unbounded. Memory and storage in GiB."""

    min_cpu: int | None = None
    max_cpu: int | None = None
    min_memory: int | None = None
    max_memory: int | None = None
    min_storage: int | None = None
    max_storage: int | None = None

    def __post_init__(self) -> None:
        pairs = (("min_cpu", "max_cpu"), ("min_memory", "max_memory"), ("min_storage", "max_storage"))
        for low, high in pairs:
            low_value, high_value = getattr(self, low), getattr(self, high)
            for name, value in ((low, low_value), (high, high_value)):
                if value is not None and value < 0:
                    raise ValueError(f"{name}: must be 0 or more, got {value}")
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ValueError(f"{low}: {low_value} is above {high} {high_value}")

    def admits(self, size: VmSize) -> bool:
        return (
            _within(size.vcpus, self.min_cpu, self.max_cpu)
            and _within(size.memory_gib, self.min_memory, self.max_memory)
            and _within(size.temp_storage_gib, self.min_storage, self.max_storage)
        )


def _within(value: float, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class SizeRow:
    """A size with its monthly cost in the selection's region and OS.

    `od_month_usd` is None only when the size is not offered in the region (such rows are always
    unsupported); `spot_month_usd` is None when there is no Spot price there either.
    """

    size: VmSize
    od_month_usd: float | None
    spot_month_usd: float | None


@dataclass(frozen=True)
class UnsupportedSize:
    """A size that cannot be used, with one reason per failed constraint.

    `row` is None for a requested name the catalog does not know; `name` is always set.
    """

    row: SizeRow | None
    reasons: list[str]
    requested: str = ""

    @property
    def name(self) -> str:
        return self.row.size.name if self.row is not None else self.requested


@dataclass(frozen=True)
class SizeSelection:
    supported: list[SizeRow] = field(default_factory=list)
    unsupported: list[UnsupportedSize] = field(default_factory=list)


def hourly_cost(price: SizePrice, size: VmSize, *, os: str = "Linux") -> SizePrice:
    """USD/hour for `os`: the Linux list price plus, for Windows, the approximate licence uplift."""
    uplift = WINDOWS_LICENCE_PER_VCPU_HOUR_USD * size.vcpus if _normal(_OS, os, "os") == "Windows" else 0.0
    return SizePrice(
        od_hour=price.od_hour + uplift,
        spot_hour=None if price.spot_hour is None else price.spot_hour + uplift,
    )


def size_row(catalog: Catalog, size: VmSize, *, region: str, os: str = "Linux") -> SizeRow:
    price = catalog.price(region, size.name)
    if price is None:
        return SizeRow(size=size, od_month_usd=None, spot_month_usd=None)
    cost = hourly_cost(price, size, os=os)
    return SizeRow(
        size=size,
        od_month_usd=round(cost.od_hour * HOURS_PER_MONTH, 2),
        spot_month_usd=None if cost.spot_hour is None else round(cost.spot_hour * HOURS_PER_MONTH, 2),
    )


def size_support_reasons(
    size: VmSize,
    *,
    region: str,
    os: str | None = None,
    generation: str | None = None,
    architecture: str | None = None,
    security_type: str = "Standard",
    catalog: Catalog,
    lifecycle: Lifecycle | None = None,
) -> list[str]:
    """Why `size` cannot run the described node; empty = supported.

    `os`, `generation` and `architecture` describe the image (None = not known, not checked).
    `lifecycle="spot"` also requires a Spot price in the region. Raises ValueError naming the
    argument for a value outside its vocabulary.
    """
    os_name = _normal(_OS, os, "os")
    image_generation = _normal(_GENERATIONS, generation, "generation")
    image_architecture = _normal(_ARCHITECTURES, architecture, "architecture")
    security = _normal(_SECURITY_TYPES, security_type, "security_type")
    if lifecycle is not None and lifecycle not in _LIFECYCLES:
        raise ValueError(f"lifecycle: expected spot or od, got {lifecycle!r}")

    reasons: list[str] = []
    price = catalog.price(region, size.name)
    if catalog.region(region) is None:
        reasons.append(f"{region!r} is not a region in the catalog")
    elif price is None:
        reasons.append(f"{size.name} is not offered in {region}")
    if image_architecture is not None and image_architecture != size.architecture:
        reasons.append(
            f"{size.name} is an {size.architecture} size and needs an {size.architecture} image; "
            f"the image is {image_architecture}"
        )
    if os_name == "Windows" and size.architecture == "Arm64":
        reasons.append(f"Windows is not offered on Arm64 sizes such as {size.name}")
    if image_generation is not None and image_generation not in size.hyperv_generations:
        supported = " and ".join(sorted(size.hyperv_generations))
        reasons.append(
            f"{size.name} supports Hyper-V generation {supported} only; the image is {image_generation}"
        )
    if security == "TrustedLaunch" and not size.trusted_launch:
        if size.confidential:
            reasons.append(
                f"TrustedLaunch is not available on confidential size {size.name}; use ConfidentialVM"
            )
        else:
            reasons.append(f"TrustedLaunch needs a Gen2 (V2) size; {size.name} supports V1 only")
    if security == "ConfidentialVM" and not size.confidential:
        reasons.append(
            f"ConfidentialVM needs a confidential size ({', '.join(CONFIDENTIAL_FAMILIES)}); "
            f"{size.name} is {size.family}"
        )
    if lifecycle == "spot" and price is not None and price.spot_hour is None:
        reasons.append(f"{size.name} has no Spot offer in {region}; it can run on-demand only")
    return reasons


def select_sizes(
    catalog: Catalog,
    *,
    region: str,
    os: str = "Linux",
    generation: str | None = None,
    architecture: str | None = None,
    security_type: str = "Standard",
    names: Sequence[str] | None = None,
    attributes: SizeAttributes | None = None,
    excluded: Sequence[str] = (),
    lifecycle: Lifecycle = "spot",
) -> SizeSelection:
    """Split candidate sizes into supported rows and unsupported ones with reasons.

    With `names`, every named size is reported in the given order (duplicates once; unknown
    names are unsupported with "unknown VM size"). Otherwise the candidates are the catalog's
    sizes within `attributes` (all sizes when None); sizes not offered in `region` then appear
    as unsupported. Names in `excluded` (case-insensitive) are left out entirely.
    """
    if names is not None and attributes is not None:
        raise ValueError("names: give either names or attributes, not both")
    if lifecycle not in _LIFECYCLES:
        raise ValueError(f"lifecycle: expected spot or od, got {lifecycle!r}")
    skip = {name.strip().lower() for name in excluded}
    selection = SizeSelection()

    def sort_in(size: VmSize) -> None:
        row = size_row(catalog, size, region=region, os=os)
        reasons = size_support_reasons(
            size,
            region=region,
            os=os,
            generation=generation,
            architecture=architecture,
            security_type=security_type,
            catalog=catalog,
            lifecycle=lifecycle,
        )
        if reasons:
            selection.unsupported.append(UnsupportedSize(row=row, reasons=reasons))
        else:
            selection.supported.append(row)

    if names is not None:
        seen: set[str] = set()
        for name in names:
            key = name.strip().lower()
            if key in seen or key in skip:
                continue
            seen.add(key)
            size = catalog.size(name)
            if size is None:
                selection.unsupported.append(
                    UnsupportedSize(row=None, reasons=["unknown VM size"], requested=name)
                )
            else:
                sort_in(size)
        return selection

    bounds = attributes or SizeAttributes()
    candidates = [size for size in catalog.sizes if bounds.admits(size) and size.name.lower() not in skip]
    for size in sorted(candidates, key=lambda s: (s.vcpus, s.memory_gib, s.name)):
        sort_in(size)
    return selection


def _normal(vocabulary: dict[str, str], value: str | None, argument: str) -> str | None:
    if value is None:
        return None
    try:
        return vocabulary[value.strip().lower()]
    except KeyError:
        expected = ", ".join(sorted(set(vocabulary.values())))
        raise ValueError(f"{argument}: expected one of {expected}, got {value!r}") from None

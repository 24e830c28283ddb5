"""The shipped catalog snapshot: sizes, regions, images and prices, loaded once from package data.

spotkeeper must validate and place nodes offline (and the simulator must price every size in
every region) without calling Azure, so the catalog is a dated snapshot shipped inside the
package (`data/vm_sizes.json`, built by `tools/build_catalog.py`; `data/regions.json`;
`data/images.json`). Everything here is read-only after loading.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, cast

from spotkeeper.catalog.capabilities import FAMILIES, derive_size
from spotkeeper.catalog.model import (
    Architecture,
    Generation,
    MarketplaceImage,
    OsType,
    Region,
    SizePrice,
    VmSize,
)


class CatalogDataError(ValueError):
    """The shipped data is malformed; the message names the file and the offending entry."""


class Catalog:
    """Lookups over one snapshot. Size and region names are matched case-insensitively, as ARM does."""

    def __init__(
        self,
        *,
        as_of: dt.date,
        source: str,
        sizes: list[VmSize],
        regions: list[Region],
        prices: Mapping[str, Mapping[str, SizePrice]],
        images: list[MarketplaceImage],
        as_of_note: str = "",
    ) -> None:
        self.as_of = as_of
        self.source = source
        self.as_of_note = as_of_note
        self._sizes = {size.name.lower(): size for size in sorted(sizes, key=lambda s: s.name)}
        self.regions: Mapping[str, Region] = MappingProxyType({region.name: region for region in regions})
        self._prices = {
            region.lower(): {size.lower(): price for size, price in by_size.items()}
            for region, by_size in prices.items()
        }
        for region, by_size in self._prices.items():
            if region not in self.regions:
                raise CatalogDataError(f"prices: region {region!r} is not in the region list")
            unknown = sorted(set(by_size) - set(self._sizes))
            if unknown:
                raise CatalogDataError(f"prices.{region}: sizes not in the size list: {', '.join(unknown)}")
        self.images: list[MarketplaceImage] = list(images)
        self._images = {(i.publisher.lower(), i.offer.lower(), i.sku.lower()): i for i in images}

    @property
    def sizes(self) -> list[VmSize]:
        """Every size in the catalog, sorted by name."""
        return list(self._sizes.values())

    def size(self, name: str) -> VmSize | None:
        return self._sizes.get(name.strip().lower())

    def region(self, name: str) -> Region | None:
        return self.regions.get(name.strip().lower())

    def families(self) -> list[str]:
        """Family names present in this snapshot, in the documented family order."""
        present = {size.family for size in self._sizes.values()}
        return [family for family in FAMILIES if family in present]

    def sizes_in(self, region: str) -> list[VmSize]:
        """Sizes with a price in `region` (i.e. offered there), sorted by name; [] for an unknown region."""
        by_size = self._prices.get(region.strip().lower(), {})
        return [size for key, size in self._sizes.items() if key in by_size]

    def regions_offering(self, size: str) -> list[str]:
        key = size.strip().lower()
        return [region for region in self.regions if key in self._prices.get(region, {})]

    def price(self, region: str, size: str) -> SizePrice | None:
        """Linux USD/hour list prices; None when the size is not offered in the region."""
        return self._prices.get(region.strip().lower(), {}).get(size.strip().lower())

    def offers(self) -> Iterator[tuple[str, VmSize, SizePrice]]:
        """Every (region, size, price) the snapshot has, for the simulator's market."""
        for region in self.regions:
            for key, price in self._prices.get(region, {}).items():
                yield region, self._sizes[key], price

    def find_image(self, publisher: str, offer: str, sku: str) -> MarketplaceImage | None:
        return self._images.get((publisher.strip().lower(), offer.strip().lower(), sku.strip().lower()))

    def __repr__(self) -> str:
        return (
            f"Catalog(as_of={self.as_of.isoformat()}, sizes={len(self._sizes)}, "
            f"regions={len(self.regions)}, images={len(self.images)})"
        )


def _read_json(filename: str) -> dict[str, Any]:
    text = resources.files("spotkeeper.catalog").joinpath("data", filename).read_text(encoding="utf-8")
    document = json.loads(text)
    if not isinstance(document, dict):
        raise CatalogDataError(f"{filename}: expected a JSON object")
    return document


def _field(entry: Mapping[str, Any], key: str, kind: type, *, where: str) -> Any:
    if key not in entry:
        raise CatalogDataError(f"{where}: missing {key!r}")
    value = entry[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CatalogDataError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def catalog_from_documents(
    sizes_doc: Mapping[str, Any], regions_doc: Mapping[str, Any], images_doc: Mapping[str, Any]
) -> Catalog:
    """Build a Catalog from the three package-data documents (also used by tests on edited copies)."""
    prices: dict[str, dict[str, SizePrice]] = {}
    for region, by_size in _field(sizes_doc, "prices", dict, where="vm_sizes.json").items():
        for name, pair in by_size.items():
            where = f"vm_sizes.json prices.{region}.{name}"
            if not (isinstance(pair, list) and len(pair) == 2):
                raise CatalogDataError(f"{where}: expected [od, spot|null]")
            od, spot = pair
            if not isinstance(od, int | float) or not (spot is None or isinstance(spot, int | float)):
                raise CatalogDataError(f"{where}: prices must be numbers, got {pair!r}")
            prices.setdefault(region, {})[name] = SizePrice(
                od_hour=float(od), spot_hour=None if spot is None else float(spot)
            )
    spot_names = {name.lower() for by_size in prices.values() for name, p in by_size.items() if p.spot_hour}
    sizes = []
    for index, entry in enumerate(_field(sizes_doc, "sizes", list, where="vm_sizes.json")):
        where = f"vm_sizes.json sizes[{index}]"
        name = _field(entry, "name", str, where=where)
        generations = frozenset(_field(entry, "hyperv_generations", list, where=where))
        if not generations or not generations <= {"V1", "V2"}:
            raise CatalogDataError(f"{where}.hyperv_generations: expected V1/V2, got {sorted(generations)}")
        try:
            sizes.append(
                derive_size(
                    name=name,
                    vcpus=_field(entry, "vcpus", int, where=where),
                    memory_gib=_field(entry, "memory_gib", float, where=where),
                    hyperv_generations=generations,
                    spot_capable=name.lower() in spot_names,
                )
            )
        except ValueError as error:
            raise CatalogDataError(f"{where}: {error}") from None
    regions = [
        Region(
            name=_field(entry, "name", str, where=f"regions.json regions[{i}]"),
            display_name=_field(entry, "display_name", str, where=f"regions.json regions[{i}]"),
            zones=tuple(_field(entry, "zones", list, where=f"regions.json regions[{i}]")),
        )
        for i, entry in enumerate(_field(regions_doc, "regions", list, where="regions.json"))
    ]
    images = [
        _image(entry, where=f"images.json images[{i}]")
        for i, entry in enumerate(_field(images_doc, "images", list, where="images.json"))
    ]
    return Catalog(
        as_of=dt.date.fromisoformat(_field(sizes_doc, "as_of", str, where="vm_sizes.json")),
        as_of_note=str(sizes_doc.get("as_of_note", "")),
        source=_field(sizes_doc, "source", str, where="vm_sizes.json"),
        sizes=sizes,
        regions=regions,
        prices=prices,
        images=images,
    )


def _image(entry: Mapping[str, Any], *, where: str) -> MarketplaceImage:
    os = _field(entry, "os", str, where=where)
    architecture = _field(entry, "architecture", str, where=where)
    generation = _field(entry, "generation", str, where=where)
    if os not in ("Linux", "Windows"):
        raise CatalogDataError(f"{where}.os: expected Linux or Windows, got {os!r}")
    if architecture not in ("x64", "Arm64"):
        raise CatalogDataError(f"{where}.architecture: expected x64 or Arm64, got {architecture!r}")
    if generation not in ("V1", "V2"):
        raise CatalogDataError(f"{where}.generation: expected V1 or V2, got {generation!r}")
    return MarketplaceImage(
        publisher=_field(entry, "publisher", str, where=where),
        offer=_field(entry, "offer", str, where=where),
        sku=_field(entry, "sku", str, where=where),
        version=str(entry.get("version", "latest")),
        os=cast(OsType, os),
        architecture=cast(Architecture, architecture),
        generation=cast(Generation, generation),
        display_name=_field(entry, "display_name", str, where=where),
        regions=frozenset(_field(entry, "regions", list, where=where)),
    )


@functools.cache
def load_catalog() -> Catalog:
    """The shipped snapshot, loaded once per process and shared (Catalog is read-only)."""
    return catalog_from_documents(
        _read_json("vm_sizes.json"), _read_json("regions.json"), _read_json("images.json")
    )

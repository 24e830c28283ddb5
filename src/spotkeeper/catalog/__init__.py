"""Azure VM sizes, regions, marketplace images and list prices, from a dated snapshot shipped
with the package, plus the size selection the spec rules, the console and placement share.

    from spotkeeper.catalog import load_catalog, select_sizes
    cat = load_catalog()
    cat.price("eastus", "standard_d2s_v5")   # SizePrice(od_hour=0.096, spot_hour=0.01056)
"""

from spotkeeper.catalog.capabilities import CONFIDENTIAL_FAMILIES, FAMILIES, UnknownFamily
from spotkeeper.catalog.model import MarketplaceImage, Region, SizePrice, VmSize
from spotkeeper.catalog.selection import (
    HOURS_PER_MONTH,
    WINDOWS_LICENCE_PER_VCPU_HOUR_USD,
    SizeAttributes,
    SizeRow,
    SizeSelection,
    UnsupportedSize,
    hourly_cost,
    select_sizes,
    size_row,
    size_support_reasons,
)
from spotkeeper.catalog.snapshot import Catalog, CatalogDataError, catalog_from_documents, load_catalog

__all__ = [
    "CONFIDENTIAL_FAMILIES",
    "FAMILIES",
    "HOURS_PER_MONTH",
    "WINDOWS_LICENCE_PER_VCPU_HOUR_USD",
    "Catalog",
    "CatalogDataError",
    "MarketplaceImage",
    "Region",
    "SizeAttributes",
    "SizePrice",
    "SizeRow",
    "SizeSelection",
    "UnknownFamily",
    "UnsupportedSize",
    "VmSize",
    "catalog_from_documents",
    "hourly_cost",
    "load_catalog",
    "select_sizes",
    "size_row",
    "size_support_reasons",
]

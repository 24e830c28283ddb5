"""What a region offers, over HTTPS: resource SKUs, VM sizes and vCPU usages, from the
catalog and the simulator's quota ledger.

Resource SKUs (`GET /subscriptions/{s}/providers/Microsoft.Compute/skus`) come one entry per
(size, region) as Azure lists them, with the capabilities a driver reads to decide what a size
can do (`../shared/reference/azure.md` §2.9): vCPUs, MemoryGB, HyperVGenerations,
LowPriorityCapable (Spot), MaxDataDiskCount, MaxNetworkInterfaces, CpuArchitectureType,
PremiumIO, TrustedLaunchDisabled, ConfidentialComputingType (confidential families only) and the
region's zones in `locationInfo`. Usages (`.../locations/{l}/usages`) report, per VM family,
the vCPUs held against the quota (`standard<family>Family`) and `lowPriorityCores` for Spot, as
Azure names them. The simulator has no regional total (`cores`) quota, so that row is absent.
"""

from __future__ import annotations

import re

from spotkeeper.catalog import Region, VmSize
from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import Json, listing
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError


def _location_filter(call: Call) -> str | None:
    expression = call.query.get("$filter")
    if not expression:
        return None
    match = re.match(r"^\s*location\s+eq\s+'([^']*)'\s*$", expression, re.IGNORECASE)
    if match is None:
        raise ArmError(
            400,
            "InvalidFilterInQueryString",
            f"The $filter '{expression}' is not supported; use location eq '<region>'.",
            target="$filter",
        )
    return match[1].lower()


def _truth(value: bool) -> str:
    return "True" if value else "False"


def sku_document(sim: SimAzure, size: VmSize, region: Region) -> Json:
    price = sim.catalog.price(region.name, size.name)
    spot = size.spot_capable and price is not None and price.spot_hour is not None
    capabilities = [
        ("MaxResourceVolumeMB", str(size.temp_storage_gib * 1024)),
        ("OSVhdSizeMB", "1047552"),
        ("vCPUs", str(size.vcpus)),
        ("MemoryPreservingMaintenanceSupported", "True"),
        ("HyperVGenerations", ",".join(sorted(size.hyperv_generations))),
        ("MemoryGB", f"{size.memory_gib:g}"),
        ("MaxDataDiskCount", str(size.max_data_disks)),
        ("CpuArchitectureType", size.architecture),
        ("LowPriorityCapable", _truth(spot)),
        ("PremiumIO", _truth(size.premium_storage)),
        ("VMDeploymentTypes", "IaaS"),
        ("vCPUsAvailable", str(size.vcpus)),
        ("EphemeralOSDiskSupported", _truth(size.temp_storage_gib > 0)),
        ("EncryptionAtHostSupported", "True"),
        ("CapacityReservationSupported", "True"),
        ("AcceleratedNetworkingEnabled", _truth(size.vcpus >= 2)),
        ("MaxNetworkInterfaces", str(size.max_nics)),
        ("TrustedLaunchDisabled", _truth(not size.trusted_launch)),
    ]
    if size.confidential:
        capabilities.append(("ConfidentialComputingType", size.confidential_computing_type or "SNP"))
    return {
        "resourceType": "virtualMachines",
        "name": size.name,
        "tier": "Standard",
        "size": size.name.removeprefix("Standard_"),
        "family": f"standard{size.family}Family",
        "locations": [region.name],
        "locationInfo": [
            {"location": region.name, "zones": list(region.zones), "zoneDetails": []},
        ],
        "capabilities": [{"name": name, "value": value} for name, value in capabilities],
        "restrictions": [],
    }


def list_skus(call: Call) -> Reply:
    sim = call.sim
    wanted = _location_filter(call)
    regions = [r for name, r in sorted(sim.catalog.regions.items()) if wanted is None or name == wanted]
    return Reply(
        200,
        listing(
            sku_document(sim, size, region)
            for region in regions
            for size in sim.catalog.sizes_in(region.name)
        ),
    )


# ----------------------------------------------------------------------------- VM sizes and usages


def list_vm_sizes(call: Call) -> Reply:
    region = call.sim.ctx.require_region(call.param("location"))
    sizes = call.sim.catalog.sizes_in(region.name)
    return Reply(
        200,
        {
            "value": [
                {
                    "name": size.name,
                    "numberOfCores": size.vcpus,
                    "osDiskSizeInMB": 1047552,
                    "resourceDiskSizeInMB": size.temp_storage_gib * 1024,
                    "memoryInMB": int(size.memory_gib * 1024),
                    "maxDataDiskCount": size.max_data_disks,
                }
                for size in sizes
            ]
        },
    )


def _usage(name: str, localized: str, used: int, limit: int) -> Json:
    return {
        "unit": "Count",
        "currentValue": used,
        "limit": limit,
        "name": {"value": name, "localizedValue": localized},
    }


def list_usages(call: Call) -> Reply:
    sim = call.sim
    region = sim.ctx.require_region(call.param("location")).name
    quotas = sim.quotas
    families = sorted({size.family for size in sim.catalog.sizes_in(region)})
    rows = []
    spot_total = 0
    for family in families:
        used = quotas.usage(region, family, "od")
        spot_total += quotas.usage(region, family, "spot")
        rows.append(
            _usage(
                f"standard{family}Family",
                f"Standard {family} Family vCPUs",
                used,
                quotas.limit(region, family, "od"),
            )
        )
    # The simulator keeps Spot quota per family; Azure reports one regional figure: the tightest.
    spot_limit = min((quotas.limit(region, f, "spot") for f in families), default=0)
    rows.append(_usage("lowPriorityCores", "Total Regional Low-priority vCPUs", spot_total, spot_limit))
    return Reply(200, listing(rows))

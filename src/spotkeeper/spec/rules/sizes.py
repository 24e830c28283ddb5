"""Create rules for VM sizes: which sizes a node may run on, and whether they can host it.

The seed asks for at least one on-demand size and at least one Spot size, the latter either as
a list or as attributes (vCPU, memory, storage ranges) that select sizes from the catalog. Every
size named must exist, be offered in the region, and suit the image (OS, architecture, Hyper-V
generation) and the security type; the reason for an unsupported size is the catalog's own
(`catalog.size_support_reasons`), the same text the console shows under "Unsupported VM sizes".
A Spot size must have a Spot offer in the region.

Then the node must fit every size it names: its data disks within the size's data-disk limit,
its NICs within the NIC limit, and premium disks only on premium-storage sizes. Each limit that
some sizes break is one problem on the disk or NIC field, naming those sizes. For attribute-based
selection the sizes that do not fit are simply not candidates; only an empty selection is an error.

A list and attributes together are refused: they are two ways of saying the same thing and
nothing in the public docs says which would win.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from spotkeeper.catalog import SizeAttributes, SizeRow, VmSize, select_sizes, size_support_reasons
from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import (
    LAUNCH,
    NETWORK,
    SIZES,
    Rule,
    RuleContext,
    at,
    error,
    warning,
)

PREMIUM_DISK_TYPES = frozenset({"Premium_LRS", "Premium_ZRS", "PremiumV2_LRS", "UltraSSD_LRS"})
_ATTRIBUTE_PAIRS = (("min_cpu", "max_cpu"), ("min_memory", "max_memory"), ("min_storage", "max_storage"))


def check_presence(ctx: RuleContext) -> Iterator[Problem]:
    sizes = ctx.node.compute.vm_sizes if ctx.node.compute else None
    if sizes is None:
        return
    if not sizes.od_sizes:
        yield error(
            "OD_SIZE_REQUIRED",
            f"{SIZES}.odSizes",
            "list at least one on-demand VM size: it is the fallback when no Spot capacity is available",
        )
    if not sizes.spot_sizes and sizes.spot_size_attributes is None:
        yield error(
            "SPOT_SIZE_REQUIRED",
            f"{SIZES}.spotSizes",
            "list at least one Spot VM size, or give spotSizeAttributes to select sizes by vCPU, "
            "memory and storage",
        )
    if sizes.spot_sizes and sizes.spot_size_attributes is not None:
        yield error(
            "SPOT_SIZES_AND_ATTRIBUTES",
            f"{SIZES}.spotSizeAttributes",
            "choose Spot sizes either by list (spotSizes) or by attributes (spotSizeAttributes), not both",
        )
    for key, values in (
        ("odSizes", sizes.od_sizes),
        ("spotSizes", sizes.spot_sizes),
        ("preferredSpotSizes", sizes.preferred_spot_sizes),
    ):
        seen: set[str] = set()
        for i, name in enumerate(values or ()):
            if name.lower() in seen:
                yield warning(
                    "DUPLICATE_VM_SIZE", at(f"{SIZES}.{key}", i), f"{name} is listed twice in {key}"
                )
            seen.add(name.lower())


def check_named_sizes(ctx: RuleContext) -> Iterator[Problem]:
    for entry in ctx.named_sizes:
        if entry.size is None:
            yield _unknown(ctx, entry.field, entry.name)
            continue
        region = ctx.region
        if region is None:
            continue  # UNKNOWN_REGION says it; every size would repeat it
        image = ctx.image
        reasons = size_support_reasons(
            entry.size,
            region=region.name,
            os=ctx.os,
            generation=image.hyperv_generation if image else None,
            architecture=image.architecture if image else None,
            security_type=ctx.security_type,
            catalog=ctx.catalog,
        )
        if reasons:
            yield error(
                "SIZE_NOT_SUPPORTED",
                entry.field,
                f"{entry.size.name} cannot run this node: {'; '.join(reasons)}",
            )
            continue
        price = ctx.catalog.price(region.name, entry.size.name)
        if ".spotSizes[" in entry.field and (price is None or price.spot_hour is None):
            yield error(
                "SIZE_NOT_SPOT_CAPABLE",
                entry.field,
                f"{entry.size.name} has no Spot offer in {region.name}; list it under odSizes only",
            )


def _unknown(ctx: RuleContext, field: str, name: str) -> Problem:
    known = [size.name.lower() for size in ctx.catalog.sizes]
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.8)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return error("UNKNOWN_VM_SIZE", field, f'"{name}" is not a VM size spotkeeper knows{hint}')


def check_preferred(ctx: RuleContext) -> Iterator[Problem]:
    sizes = ctx.node.compute.vm_sizes if ctx.node.compute else None
    if sizes is None or not sizes.preferred_spot_sizes:
        return
    if sizes.spot_sizes:
        allowed = {name.lower() for name in sizes.spot_sizes}
        source = "spotSizes"
    elif sizes.spot_size_attributes is not None:
        selected = _attribute_selection(ctx)
        if selected is None:
            return  # the attributes or the region are already reported
        allowed = {row.size.name.lower() for row in selected}
        source = "the sizes spotSizeAttributes selects"
    else:
        allowed, source = set(), "spotSizes"
    for i, name in enumerate(sizes.preferred_spot_sizes):
        if name.lower() not in allowed:
            yield error(
                "PREFERRED_SIZE_NOT_IN_SPOT_SIZES",
                at(f"{SIZES}.preferredSpotSizes", i),
                f"preferred Spot size {name} must be one of {source}",
            )


def check_excluded(ctx: RuleContext) -> Iterator[Problem]:
    sizes = ctx.node.compute.vm_sizes if ctx.node.compute else None
    if sizes is None:
        return
    listed = {name.lower() for name in (*(sizes.od_sizes or ()), *(sizes.spot_sizes or ()))}
    for i, name in enumerate(sizes.excluded_vm_sizes or ()):
        field = at(f"{SIZES}.excludedVmSizes", i)
        if ctx.catalog.size(name) is None:
            yield _unknown(ctx, field, name)
        elif name.lower() in listed:
            yield warning(
                "EXCLUDED_SIZE_LISTED",
                field,
                f"{name} is excluded but also listed in odSizes or spotSizes; the exclusion only "
                "filters sizes chosen by attributes",
            )


def check_attributes(ctx: RuleContext) -> Iterator[Problem]:
    sizes = ctx.node.compute.vm_sizes if ctx.node.compute else None
    attributes = sizes.spot_size_attributes if sizes else None
    if attributes is None:
        return
    base = f"{SIZES}.spotSizeAttributes"
    broken = False
    for low, high in _ATTRIBUTE_PAIRS:
        low_value, high_value = getattr(attributes, low), getattr(attributes, high)
        for name, value in ((low, low_value), (high, high_value)):
            if value is not None and value < 0:
                broken = True
                yield error("OUT_OF_RANGE", f"{base}.{attributes.wire_key(name)}", "must be 0 or more")
        if low_value is not None and high_value is not None and 0 <= high_value < low_value:
            broken = True
            yield error(
                "SIZE_ATTRIBUTES_RANGE",
                f"{base}.{attributes.wire_key(low)}",
                f"{attributes.wire_key(low)} ({low_value}) is above "
                f"{attributes.wire_key(high)} ({high_value})",
            )
    if broken or ctx.region is None or sizes is None or sizes.spot_sizes:
        return
    if _attribute_selection(ctx) == []:
        yield error(
            "SIZE_ATTRIBUTES_SELECT_NOTHING",
            base,
            f"no VM size in {ctx.region.name} matches these attributes and can run this node "
            "(image, security type, Spot offer, disks and NICs); widen the ranges",
        )


def _attribute_selection(ctx: RuleContext) -> list[SizeRow] | None:
    """The Spot sizes the attributes select that can run and host this node; None when that
    cannot be known (no attributes, unknown region, or attributes that are themselves wrong)."""
    sizes = ctx.node.compute.vm_sizes if ctx.node.compute else None
    attributes = sizes.spot_size_attributes if sizes else None
    if attributes is None or ctx.region is None:
        return None
    try:
        bounds = SizeAttributes(
            **{name: getattr(attributes, name) for pair in _ATTRIBUTE_PAIRS for name in pair}
        )
    except ValueError:
        return None
    image = ctx.image
    selection = select_sizes(
        ctx.catalog,
        region=ctx.region.name,
        os=ctx.os or "Linux",
        generation=image.hyperv_generation if image else None,
        architecture=image.architecture if image else None,
        security_type=ctx.security_type,
        attributes=bounds,
        excluded=list(sizes.excluded_vm_sizes or ()) if sizes else [],
        lifecycle="spot",
    )
    return [row for row in selection.supported if not fit_problems(ctx, [row.size])]


def check_fit(ctx: RuleContext) -> Iterator[Problem]:
    yield from fit_problems(ctx, [entry.size for entry in ctx.known_sizes if entry.size is not None])


def fit_problems(ctx: RuleContext, sizes: Sequence[VmSize]) -> list[Problem]:
    """One problem per node limit that some of `sizes` cannot meet, naming those sizes."""
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    if launch is None or not sizes:
        return []
    problems: list[Problem] = []
    disks = launch.data_disks or []
    too_few = [s for s in sizes if len(disks) > s.max_data_disks]
    if too_few:
        limits = ", ".join(f"{s.name} takes at most {s.max_data_disks}" for s in too_few)
        problems.append(
            error(
                "DATA_DISKS_EXCEED_SIZE_LIMIT",
                f"{LAUNCH}.dataDisks",
                f"the node has {len(disks)} data disks but {limits}",
            )
        )
    nics = launch.network.network_interfaces if launch.network else None
    too_narrow = [s for s in sizes if nics and len(nics) > s.max_nics]
    if nics and too_narrow:
        limits = ", ".join(f"{s.name} takes at most {s.max_nics}" for s in too_narrow)
        problems.append(
            error(
                "NICS_EXCEED_SIZE_LIMIT",
                f"{NETWORK}.networkInterfaces",
                f"the node has {len(nics)} network interfaces but {limits}",
            )
        )
    standard_only = [s for s in sizes if not s.premium_storage]
    if standard_only:
        names = ", ".join(s.name for s in standard_only)
        premium_fields: list[tuple[str, str]] = []
        if launch.os_disk is not None and launch.os_disk.type in PREMIUM_DISK_TYPES:
            premium_fields.append((f"{LAUNCH}.osDisk.type", launch.os_disk.type))
        premium_fields.extend(
            (f"{LAUNCH}.dataDisks[{i}].type", disk.type)
            for i, disk in enumerate(disks)
            if disk.type in PREMIUM_DISK_TYPES
        )
        for field, kind in premium_fields:
            problems.append(
                error(
                    "PREMIUM_DISK_NEEDS_PREMIUM_SIZE",
                    field,
                    f"{kind} disks need a size with premium storage; {names} supports Standard disks "
                    "only (use Standard_LRS or StandardSSD_LRS, or a size with an 's' such as D2s_v5)",
                )
            )
    return problems


RULES: tuple[Rule, ...] = (
    check_presence,
    check_named_sizes,
    check_preferred,
    check_excluded,
    check_attributes,
    check_fit,
)

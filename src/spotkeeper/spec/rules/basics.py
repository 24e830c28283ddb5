"""Create rules of the wizard's Basics step: what a node must state, where it runs, its VM name.

The wire models accept a node with any key missing, because an update is a partial patch and an
import may leave most of the node to be read from the VM. A *create* needs the keys the public
OpenAPI schema marks required (spot-api.md §3, "R"); `CREATE_REQUIRED` lists them once so the API
can also ask for just that check (`required_problems`). Only the outermost missing key is
reported: a node without `compute` gets one problem, not one per key inside it.

VM names follow Azure's naming rules for `Microsoft.Compute/virtualMachines`: at most 64
characters of letters, digits, hyphens, periods and underscores, starting with a letter or
digit and not ending with a period or hyphen. A Windows VM's computer name is its VM name and
is limited to 15 characters without periods (NetBIOS), so a Windows `vmName` over 15 characters
is refused rather than truncated. A `vmNamePrefix` gets a generated suffix of
`GENERATED_SUFFIX_LENGTH` characters per VM (`-` plus 6 hex digits, see
`spotkeeper.engine.naming.vm_name_for`), so on Windows the prefix may use at most 15 - 7 = 8.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spotkeeper.spec.models import StatefulNode
from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LAUNCH, Rule, RuleContext, at, error, is_blank, value_at

# Parent before child: a missing parent hides its children.
CREATE_REQUIRED: tuple[str, ...] = (
    "name",
    "region",
    "resourceGroupName",
    "strategy",
    "strategy.fallbackToOd",
    "compute",
    "compute.os",
    "compute.vmSizes",
    "compute.launchSpecification",
    "compute.launchSpecification.image",
    "compute.launchSpecification.network",
    "compute.launchSpecification.network.resourceGroupName",
    "compute.launchSpecification.network.virtualNetworkName",
    "compute.launchSpecification.network.networkInterfaces",
    "persistence",
    "persistence.shouldPersistOsDisk",
    "persistence.shouldPersistDataDisks",
    "persistence.shouldPersistNetwork",
)

VM_NAME_MAX = 64
VM_NAME_PREFIX_MAX = 25
WINDOWS_COMPUTER_NAME_MAX = 15
GENERATED_SUFFIX_LENGTH = 7  # "-" + 6 hex digits, engine.naming.vm_name_for
WINDOWS_VM_NAME_PREFIX_MAX = WINDOWS_COMPUTER_NAME_MAX - GENERATED_SUFFIX_LENGTH

_VM_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")


def required_problems(node: StatefulNode) -> list[Problem]:
    """A `REQUIRED` problem for each key a create needs and the node lacks (outermost only)."""
    problems: list[Problem] = []
    missing: list[str] = []
    for path in CREATE_REQUIRED:
        if any(path.startswith(parent + ".") for parent in missing):
            continue
        if is_blank(value_at(node, path)):
            missing.append(path)
            problems.append(
                error("REQUIRED", path, f'"{path.rsplit(".", 1)[-1]}" is required to create a node')
            )
    return problems


def check_required(ctx: RuleContext) -> Iterator[Problem]:
    yield from required_problems(ctx.node)


def check_region(ctx: RuleContext) -> Iterator[Problem]:
    region = ctx.node.region
    if is_blank(region) or ctx.region is not None:
        return
    known = ", ".join(sorted(ctx.catalog.regions))
    yield error("UNKNOWN_REGION", "region", f'region "{region}" is not one spotkeeper knows ({known})')


def check_zones(ctx: RuleContext) -> Iterator[Problem]:
    compute = ctx.node.compute
    if compute is None:
        return
    zones = compute.zones or []
    seen: set[str] = set()
    for i, zone in enumerate(zones):
        if zone in seen:
            yield error("DUPLICATE_ZONE", at("compute.zones", i), f'zone "{zone}" is listed twice')
        seen.add(zone)
        if ctx.region is not None and zone not in ctx.region.zones:
            offered = ", ".join(ctx.region.zones) or "none (regional only)"
            yield error(
                "ZONE_NOT_IN_REGION",
                at("compute.zones", i),
                f'zone "{zone}" does not exist in {ctx.region.name}; its zones are {offered}',
            )
    preferred = compute.preferred_zone
    if preferred is None:
        return
    if not zones:
        yield error(
            "PREFERRED_ZONE_WITHOUT_ZONES",
            "compute.preferredZone",
            "a preferred zone needs a list of zones; set compute.zones or remove preferredZone",
        )
    elif preferred not in zones:
        yield error(
            "PREFERRED_ZONE_NOT_IN_ZONES",
            "compute.preferredZone",
            f'preferred zone "{preferred}" is not one of the node\'s zones ({", ".join(zones)})',
        )


def check_vm_name(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    if launch is None:
        return
    name, prefix = launch.vm_name, launch.vm_name_prefix
    if not is_blank(name) and not is_blank(prefix):
        yield error(
            "VM_NAME_AND_PREFIX",
            f"{LAUNCH}.vmNamePrefix",
            "vmName (one persisted VM name) and vmNamePrefix (a prefix for generated names) "
            "cannot be used together; keep one",
        )
    if name is not None:
        yield from _name_shape(name, f"{LAUNCH}.vmName", "vmName", VM_NAME_MAX, prefix=False)
        if ctx.os == "Windows":
            yield from _windows_name(name, f"{LAUNCH}.vmName")
    if prefix is not None:
        yield from _name_shape(
            prefix, f"{LAUNCH}.vmNamePrefix", "vmNamePrefix", VM_NAME_PREFIX_MAX, prefix=True
        )
        if ctx.os == "Windows" and len(prefix) > WINDOWS_VM_NAME_PREFIX_MAX:
            yield error(
                "VM_NAME_PREFIX_TOO_LONG_FOR_WINDOWS",
                f"{LAUNCH}.vmNamePrefix",
                f"on Windows the VM name is the computer name (at most {WINDOWS_COMPUTER_NAME_MAX} "
                f"characters) and every VM gets a {GENERATED_SUFFIX_LENGTH}-character suffix, so "
                f"vmNamePrefix may have at most {WINDOWS_VM_NAME_PREFIX_MAX} characters "
                f"(it has {len(prefix)})",
            )


def _name_shape(value: str, field: str, key: str, limit: int, *, prefix: bool) -> Iterator[Problem]:
    if not value.strip():
        yield error(
            "VM_NAME_INVALID", field, f"{key} cannot be empty; remove it to let spotkeeper name the VM"
        )
        return
    if len(value) > limit:
        yield error(
            "VM_NAME_TOO_LONG", field, f"{key} may have at most {limit} characters (it has {len(value)})"
        )
    if not _VM_NAME_CHARACTERS.fullmatch(value):
        yield error(
            "VM_NAME_INVALID",
            field,
            f"{key} may contain only letters, digits, hyphens, periods and underscores",
        )
    elif not value[0].isalnum():
        yield error("VM_NAME_INVALID", field, f"{key} must start with a letter or a digit")
    elif not prefix and value[-1] in ".-":
        yield error("VM_NAME_INVALID", field, f"{key} cannot end with a period or a hyphen")


def _windows_name(value: str, field: str) -> Iterator[Problem]:
    if len(value) > WINDOWS_COMPUTER_NAME_MAX:
        yield error(
            "VM_NAME_TOO_LONG_FOR_WINDOWS",
            field,
            f"a Windows VM's name is its computer name, which Windows limits to "
            f"{WINDOWS_COMPUTER_NAME_MAX} characters (vmName has {len(value)})",
        )
    if "." in value:
        yield error("VM_NAME_INVALID", field, "a Windows computer name cannot contain periods")
    if value.isdigit():
        yield error("VM_NAME_INVALID", field, "a Windows computer name cannot be only digits")


RULES: tuple[Rule, ...] = (check_required, check_region, check_zones, check_vm_name)

"""Create rules for the OS disk and data disks (spot-api.md §3.3.1).

Limits used:
- `sizeGB` 1..1023 for both OS and data disks, the range the public schema declares.
- data disk LUNs 0..63 (Azure's LUN range) and unique.
- `UltraSSD_LRS` and `PremiumV2_LRS` support no host caching, so their `caching` must be `None`
  (or absent). Premium SSD v2 attaches only to zonal VMs, so it needs `compute.zones`; Ultra
  Disks are zonal in most regions, so without zones that is a warning.
- an OS disk smaller than its image cannot be created. For marketplace images we use the
  smallest OS disk Azure publishes per OS as a floor: 30 GiB for Linux images, 127 GiB for
  Windows Server images. Some images are larger (RHEL's are 64 GiB), which Azure reports at
  create time; custom and gallery images carry their own size, unknown here.
- `osDisk.type` is required when `osDisk` is given (OpenAPI marks it R).
Premium disk types on sizes without premium storage are a size rule (`rules.sizes`).
"""

from __future__ import annotations

from collections.abc import Iterator

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LAUNCH, Rule, RuleContext, at, error, warning

DISK_SIZE_GB = (1, 1023)
LUN_RANGE = (0, 63)
OS_DISK_FLOOR_GB = {"Linux": 30, "Windows": 127}
NO_CACHING_TYPES = frozenset({"UltraSSD_LRS", "PremiumV2_LRS"})


def _size_problem(field: str, size: int | None) -> Iterator[Problem]:
    low, high = DISK_SIZE_GB
    if size is not None and not low <= size <= high:
        yield error("OUT_OF_RANGE", field, f"disk size must be {low} to {high} GiB (got {size})")


def check_os_disk(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    disk = launch.os_disk if launch else None
    if disk is None:
        return
    base = f"{LAUNCH}.osDisk"
    if disk.type is None:
        yield error("REQUIRED", f"{base}.type", "osDisk needs a type, e.g. Premium_LRS or StandardSSD_LRS")
    yield from _size_problem(f"{base}.sizeGB", disk.size_gb)
    ref, os = ctx.image_ref, ctx.os
    if disk.size_gb is None or ref is None or ref.kind != "marketplace" or os is None:
        return
    floor = OS_DISK_FLOOR_GB[os]
    if DISK_SIZE_GB[0] <= disk.size_gb < floor:
        yield error(
            "OS_DISK_SMALLER_THAN_IMAGE",
            f"{base}.sizeGB",
            f"{os} marketplace images need an OS disk of at least {floor} GiB (got {disk.size_gb}); "
            "leave sizeGB out to use the image's size",
        )


def check_data_disks(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    disks = launch.data_disks if launch else None
    if not disks:
        return
    zonal = bool(ctx.node.compute.zones) if ctx.node.compute else False
    luns: dict[int, int] = {}
    for i, disk in enumerate(disks):
        base = at(f"{LAUNCH}.dataDisks", i)
        low, high = LUN_RANGE
        if not low <= disk.lun <= high:
            yield error("OUT_OF_RANGE", f"{base}.lun", f"a LUN must be {low} to {high} (got {disk.lun})")
        elif disk.lun in luns:
            yield error(
                "DUPLICATE_LUN",
                f"{base}.lun",
                f"LUN {disk.lun} is already used by dataDisks[{luns[disk.lun]}]",
            )
        luns.setdefault(disk.lun, i)
        yield from _size_problem(f"{base}.sizeGB", disk.size_gb)
        if disk.type in NO_CACHING_TYPES and disk.caching not in (None, "None"):
            yield error(
                "DISK_CACHING_UNSUPPORTED",
                f"{base}.caching",
                f'{disk.type} disks do not support host caching; set caching to "None" or leave it out',
            )
        if disk.type == "PremiumV2_LRS" and not zonal:
            yield error(
                "DISK_TYPE_NEEDS_ZONES",
                f"{base}.type",
                "Premium SSD v2 disks attach only to VMs in an availability zone; set compute.zones",
            )
        if disk.type == "UltraSSD_LRS" and not zonal:
            yield warning(
                "ULTRA_DISK_WITHOUT_ZONES",
                f"{base}.type",
                "Ultra Disks are zonal in most regions; without compute.zones the create may be refused",
            )


RULES: tuple[Rule, ...] = (check_os_disk, check_data_disks)

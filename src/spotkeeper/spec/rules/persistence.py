"""Create rules for persistence: which disks survive a VM replacement, and how.

A persisted disk needs a mode: `reattach` moves the same disk to the new VM, `onLaunch` restores
a snapshot into a new disk (spot-api.md §3.4). Re-attach only works while the new VM lands in the
disk's zone; the seed says Spot falls back to a snapshot when several zones are allowed and the
zone changes. That is legal, but it changes what "reattach" means, so it is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import Rule, RuleContext, error, warning


def check_modes(ctx: RuleContext) -> Iterator[Problem]:
    persistence = ctx.node.persistence
    if persistence is None:
        return
    zones = list(ctx.node.compute.zones or []) if ctx.node.compute else []
    pairs = (
        (
            "OS disk",
            persistence.should_persist_os_disk,
            persistence.os_disk_persistence_mode,
            "shouldPersistOsDisk",
            "osDiskPersistenceMode",
        ),
        (
            "data disks",
            persistence.should_persist_data_disks,
            persistence.data_disks_persistence_mode,
            "shouldPersistDataDisks",
            "dataDisksPersistenceMode",
        ),
    )
    for what, persisted, mode, flag_key, mode_key in pairs:
        field = f"persistence.{mode_key}"
        if persisted and mode is None:
            yield error(
                "PERSISTENCE_MODE_REQUIRED",
                field,
                f"{flag_key} is true, so say how the {what} persist: "
                '"reattach" (move the same disk) or "onLaunch" (restore a snapshot)',
            )
        if persisted and mode == "reattach" and len(set(zones)) > 1:
            yield warning(
                "REATTACH_ACROSS_ZONES",
                field,
                f"reattach keeps the {what} only within one zone; with zones {', '.join(zones)} a "
                "replacement VM in another zone gets new disks restored from the latest snapshot",
            )


RULES: tuple[Rule, ...] = (check_modes,)

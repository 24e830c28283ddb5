"""Step 1, Basics: name, where the node runs, and what it keeps across VM replacements.

Field labels are the seed's (Name, VM Prefix Name, Description, Resource Group, Region,
Availability Zones, Persist Storage, Persist Network); the seed's notes on persistence appear
where the choice is made, because they decide what can be edited later.
"""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from spotkeeper.console.layout import section
from spotkeeper.console.wizard.inputs import help_text, note, select_input, switch_input, text_input
from spotkeeper.console.wizard.state import LAUNCH, WizardState

STEP = "Basics"
PERSISTENCE_MODES = {"reattach": "Reattach", "onLaunch": "Snapshot"}


def render_basics(ws: WizardState) -> None:
    with section("Basic settings", icon="badge"):
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-3"):
            text_input(ws, "Name", "name", step=STEP, hint="A name for the workload, e.g. dev-eu1-worker")
            prefix = text_input(
                ws,
                "VM Prefix Name",
                f"{LAUNCH}.vmNamePrefix",
                step=STEP,
                hint="Prefix of generated VM names; not used with Persist VM Name",
            )
            if ws.get(f"{LAUNCH}.vmName"):
                prefix.disable()
                prefix.props('hint="Not used: Persist VM Name is on (Compute step)"')
        text_input(ws, "Description", "description", step=STEP).classes("w-full")
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-3"):
            regions = {r.name: f"{r.display_name} ({r.name})" for r in ws.regions()}
            select_input(
                ws,
                "Region",
                "region",
                regions,
                step=STEP,
                clearable=False,
                rebuild=("Basics", "Compute", "Networking", "Advanced"),
                hint="The list of images, sizes and networks follows the region",
            )
            groups = list(ws.pick_lists().resource_groups)
            select_input(
                ws,
                "Resource Group",
                "resourceGroupName",
                groups,
                step=STEP,
                hint="Where the node's VMs are launched",
            )
        _zones(ws)

    with section(
        "Persist Storage",
        icon="save",
        help_text="Keep the OS disk and data disks across VM replacements, by reattaching "
        "the same disk or by restoring a snapshot of it.",
    ):
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-2"):
            _persisted_disk(
                ws, "OS disk", "persistence.shouldPersistOsDisk", "persistence.osDiskPersistenceMode"
            )
            _persisted_disk(
                ws,
                "Data disks",
                "persistence.shouldPersistDataDisks",
                "persistence.dataDisksPersistenceMode",
                rebuild=("image",),
            )
        ws.part("persistence-notes", _persistence_notes)

    with section(
        "Persist Network",
        icon="lan",
        help_text="Keep the private and public IP addresses (the same network interface) "
        "across VM replacements.",
    ):
        switch_input(
            ws,
            "Persist private and public IPs",
            "persistence.shouldPersistNetwork",
            step=STEP,
            rebuild=("network-note",),
        )
        ws.part("network-note", _network_note)


# Controls never redraw themselves (a redrawn checkbox loses focus and its click); what depends
# on them lives in small parts redrawn beside them.


def _persistence_notes(ws: WizardState) -> None:
    zones = ws.get("compute.zones") or []
    modes = {
        ws.get("persistence.osDiskPersistenceMode") if ws.get("persistence.shouldPersistOsDisk") else None,
        ws.get("persistence.dataDisksPersistenceMode")
        if ws.get("persistence.shouldPersistDataDisks")
        else None,
    }
    if "reattach" in modes and len(zones) > 1:
        note(
            "Reattach is supported for a regional node or a single availability zone. With "
            f"{len(zones)} zones selected, when the new VM cannot start in the current zone the "
            "disks are restored from a snapshot in the new zone instead.",
            icon="swap_horiz",
        )
    if ws.get("persistence.shouldPersistOsDisk"):
        note(
            "Persisting the OS disk locks Login, Image, Custom Data and Shutdown Script once the "
            "VM is created (also for imported nodes).",
            icon="lock",
        )
    note("Persistence settings cannot be edited while the node is paused.", icon="pause_circle")


def _network_note(ws: WizardState) -> None:
    if ws.get("persistence.shouldPersistNetwork"):
        note(
            "Persisting the network locks every network interface setting once the VM is "
            "created (also for imported nodes).",
            icon="lock",
        )


def _zones(ws: WizardState) -> None:
    region = ws.region_choice()
    zones = list(region.zones) if region is not None else []
    with ui.column().classes("gap-1 w-full"):
        ui.label("Availability Zones (AZ)").classes("text-sm text-grey-8")
        if not zones:
            help_text("This region has no availability zones: the node is regional.")
            return
        chosen = ws.get("compute.zones") or []
        with ui.row().classes("gap-2 items-center") as row:
            for zone in zones:
                ui.checkbox(
                    f"Zone {zone}", value=zone in chosen, on_change=lambda e, z=zone: _toggle_zone(ws, z, e)
                )
            help_text("None selected = regional. Several zones widen the Spot markets available.")
        ws.board.bind("compute.zones", row, step=STEP, note=True)
        ws.part("preferred-zone", _preferred_zone)


def _preferred_zone(ws: WizardState) -> None:
    chosen = ws.get("compute.zones") or []
    if len(chosen) > 1:
        preferred: dict[Any, str] = {z: f"Zone {z}" for z in chosen}
        select_input(
            ws,
            "Preferred zone",
            "compute.preferredZone",
            preferred,
            step=STEP,
            hint="Tried first when launching",
        ).classes("w-64")


def _toggle_zone(ws: WizardState, zone: str, event: events.ValueChangeEventArguments[Any]) -> None:
    chosen = [z for z in (ws.get("compute.zones") or []) if z != zone]
    if event.value:
        chosen.append(zone)
    chosen.sort()
    preferred = ws.get("compute.preferredZone")
    if preferred is not None and preferred not in chosen:
        ws.set("compute.preferredZone", None)
    ws.set("compute.zones", chosen or None, rebuild=("preferred-zone", "persistence-notes"))


def _persisted_disk(
    ws: WizardState, label: str, flag: str, mode_path: str, *, rebuild: tuple[str, ...] = ()
) -> None:
    def mode(ws: WizardState) -> None:
        if not ws.get(flag):
            return
        if ws.get(mode_path) is None:
            ws.draft.setdefault("persistence", {})[mode_path.rsplit(".", 1)[-1]] = "reattach"
        radio = ui.radio(PERSISTENCE_MODES, value=ws.get(mode_path)).props("inline dense")
        radio.on_value_change(lambda e: ws.set(mode_path, e.value, rebuild=("persistence-notes",)))
        ws.board.bind(mode_path, radio, step=STEP, note=True)

    with ui.column().classes("gap-1"):
        switch_input(
            ws, f"Persist {label}", flag, step=STEP, rebuild=(f"mode-{flag}", "persistence-notes", *rebuild)
        )
        ws.part(f"mode-{flag}", mode)

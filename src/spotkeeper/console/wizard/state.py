"""The wizard's working state: the draft node, what the user has seen, and what depends on what.

One `WizardState` per open wizard (a browser tab). It owns the draft wire dict, the field board,
the latest validation report, and the cached pick-lists of the draft's region; steps read and
write the draft through it so a change can re-validate and rebuild the steps whose choices
depend on it (a new region changes every list; a new image changes the size table and login).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from nicegui import ui

from spotkeeper.console.backend import ConsoleBackend
from spotkeeper.console.draft import get_at, set_at
from spotkeeper.console.fields import FieldBoard
from spotkeeper.console.views import AuthoringReport, ImageChoice, PickLists, RegionChoice, Viewer

STEPS: tuple[str, ...] = ("Basics", "Compute", "Networking", "Advanced", "Review")
LAUNCH = "compute.launchSpecification"
NETWORK = f"{LAUNCH}.network"
IMAGE = f"{LAUNCH}.image"
LOGIN = f"{LAUNCH}.login"
SECURITY = f"{LAUNCH}.security"
SIZES = "compute.vmSizes"

Mode = Literal["create", "edit"]


def blank_node(region: str) -> dict[str, Any]:
    """Where a new node starts: the defaults the seed's wizard shows preselected."""
    return {
        "name": "",
        "region": region,
        "strategy": {
            "fallbackToOd": True,
            "preferredLifecycle": "spot",
            "drainingTimeout": 120,
            "revertToSpot": {"performAt": "always"},
        },
        "compute": {
            "os": "Linux",
            "vmSizes": {"spotSizes": [], "odSizes": []},
            "launchSpecification": {
                "security": {"securityType": "Standard"},
                "osDisk": {"type": "Premium_LRS", "sizeGB": 64},
                "image": {"marketplace": {"version": "latest"}},
                "network": {"networkInterfaces": [{"isPrimary": True, "subnetName": ""}]},
            },
        },
        "persistence": {
            "shouldPersistOsDisk": True,
            "osDiskPersistenceMode": "reattach",
            "shouldPersistDataDisks": False,
            "shouldPersistNetwork": True,
        },
        "health": {
            "healthCheckTypes": ["vmState"],
            "autoHealing": True,
            "gracePeriod": 120,
            "unhealthyDuration": 360,
        },
    }


@dataclass
class WizardState:
    backend: ConsoleBackend
    viewer: Viewer
    mode: Mode
    draft: dict[str, Any]
    node_id: str | None = None
    original: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    board: FieldBoard = field(default_factory=FieldBoard)
    report: AuthoringReport = field(default_factory=lambda: AuthoringReport([]))
    revealed: set[str] = field(default_factory=set)  # steps whose errors are shown
    touched: set[str] = field(default_factory=set)  # paths the user changed
    # rebuild one step's content (set by the page)
    rebuild: Callable[[str], None] = lambda step: None
    revalidate: Callable[[], None] = lambda: None
    goto: Callable[[str], None] = lambda step: None
    _pick_lists: dict[str, PickLists] = field(default_factory=dict)
    _marketplace: dict[str, list[ImageChoice]] = field(default_factory=dict)
    _regions: list[RegionChoice] | None = None
    ui_state: dict[str, Any] = field(default_factory=dict)  # choices that are not wire fields
    parts: dict[str, Callable[[], None]] = field(default_factory=dict)  # redraw one section in place

    # --- reading and writing the draft -----------------------------------------------------------
    def get(self, path: str, default: Any = None) -> Any:
        return get_at(self.draft, path, default)

    def set(self, path: str, value: Any, *, rebuild: tuple[str, ...] = (), blank: bool = False) -> None:
        """Write `value` at `path`. A cleared input means the key is absent, except with `blank`
        (required keys of list items, which must stay present for the node to parse)."""
        if value == "" and not blank:
            value = None
        set_at(self.draft, path, copy.deepcopy(value))
        self.touched.add(path)
        for name in rebuild:  # a section of a step (`part`) or a whole step
            if name in self.parts:
                self.parts[name]()
            else:
                self.rebuild(name)
        self.revalidate()

    def replace_draft(self, wire: dict[str, Any]) -> None:
        """Adopt a node edited as JSON or Terraform; every step is rebuilt from it."""
        self.draft = copy.deepcopy(wire)
        self.ui_state.clear()
        for step in STEPS:
            self.rebuild(step)
        self.revalidate()

    def part(self, name: str, render: Callable[[WizardState], None]) -> None:
        """Render a section that can later be redrawn on its own (`redraw(name)`), so a choice
        that only affects it (an image's OS for the login, its generation for the size table)
        does not rebuild the whole step."""
        container = ui.column().classes("w-full gap-4")

        def draw() -> None:
            container.clear()
            with container:
                render(self)
            self.board.prune()

        self.parts[name] = draw
        draw()

    def redraw(self, *names: str) -> None:
        for name in names:
            draw = self.parts.get(name)
            if draw is not None:
                draw()
        self.revalidate()

    # --- facts the steps share -------------------------------------------------------------------
    @property
    def region(self) -> str:
        value = self.get("region")
        return value if isinstance(value, str) and value else "eastus"

    def regions(self) -> list[RegionChoice]:
        if self._regions is None:
            self._regions = self.backend.regions()
        return self._regions

    def region_choice(self) -> RegionChoice | None:
        return next((r for r in self.regions() if r.name == self.region), None)

    def pick_lists(self) -> PickLists:
        region = self.region
        if region not in self._pick_lists:
            try:
                self._pick_lists[region] = self.backend.pick_lists(self.viewer, region)
            except Exception as error:  # the cloud may be unreachable; the wizard still opens
                ui.notify(f"Could not read the resources of {region}: {error}", type="warning")
                return PickLists(region=region)
        return self._pick_lists[region]

    def marketplace_images(self) -> list[ImageChoice]:
        region = self.region
        if region not in self._marketplace:
            self._marketplace[region] = self.backend.marketplace_images(region)
        return self._marketplace[region]

    def chosen_image(self) -> ImageChoice | None:
        """The image the draft names, as the catalog or the inventory knows it."""
        image = self.get(IMAGE) or {}
        if "marketplace" in image:
            m = image["marketplace"] or {}
            for choice in self.marketplace_images():
                if (choice.publisher, choice.offer, choice.sku) == (
                    m.get("publisher"),
                    m.get("offer"),
                    m.get("sku"),
                ):
                    return choice
        elif "custom" in image:
            c = image["custom"] or {}
            for choice in self.pick_lists().images:
                if choice.kind == "custom" and (choice.resource_group, choice.name) == (
                    c.get("resourceGroupName"),
                    c.get("name"),
                ):
                    return choice
        elif "gallery" in image:
            g = image["gallery"] or {}
            for choice in self.pick_lists().images:
                if choice.kind == "gallery" and (choice.resource_group, choice.gallery, choice.name) == (
                    g.get("resourceGroupName"),
                    g.get("galleryName"),
                    g.get("imageName"),
                ):
                    return choice
        return None

    @property
    def os(self) -> str:
        value = self.get("compute.os")
        return value if value in ("Linux", "Windows") else "Linux"

    @property
    def editing(self) -> bool:
        return self.mode == "edit"

    def locked(self, path: str) -> bool:
        return self.board.is_locked(path)

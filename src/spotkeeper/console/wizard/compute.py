"""Step 2, Compute (first half): the image, the VM name, security and login, and the disks.

Images are the region's: marketplace images from the catalog, custom and shared-gallery images
from the subscription's inventory (with whether each is specialized and carries data disks).
The seed's interplay is shown where it bites: a specialized image disables login and custom
data; images with data disks are hidden while data-disk persistence is on; Persist VM Name
excludes the VM name prefix.
"""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from spotkeeper.console.draft import set_at
from spotkeeper.console.layout import section
from spotkeeper.console.views import ImageChoice
from spotkeeper.console.wizard.inputs import (
    help_text,
    note,
    number_input,
    select_input,
    switch_input,
    text_input,
)
from spotkeeper.console.wizard.state import IMAGE, LAUNCH, LOGIN, SECURITY, WizardState

STEP = "Compute"
SOURCES = {"marketplace": "Marketplace", "custom": "Custom", "gallery": "Shared Image"}
SECURITY_TYPES = {
    "Standard": "Standard",
    "TrustedLaunch": "Trusted launch virtual machines",
    "ConfidentialVM": "Confidential virtual machine",
}
OS_DISK_TYPES = ("Premium_LRS", "StandardSSD_LRS", "Standard_LRS", "StandardSSD_ZRS", "Premium_ZRS")
DATA_DISK_TYPES = (
    "Premium_LRS",
    "StandardSSD_LRS",
    "Standard_LRS",
    "UltraSSD_LRS",
    "StandardSSD_ZRS",
    "Premium_ZRS",
    "PremiumV2_LRS",
)
CACHING = ("None", "ReadOnly", "ReadWrite")
_REBUILD_ON_IMAGE = ("image", "login", "sizes", "Advanced")


def render_image(ws: WizardState) -> None:
    with section(
        "Image",
        icon="album",
        help_text="The image VMs of this node boot from. The list follows the region chosen in Basics.",
    ):
        source = _image_source(ws)
        toggle = ui.toggle(SOURCES, value=source).props("no-caps unelevated toggle-color=primary")
        toggle.on_value_change(lambda e: _switch_source(ws, e.value))
        ws.board.bind(IMAGE, toggle, step=STEP, note=True)
        if source == "marketplace":
            _marketplace(ws)
        elif source == "custom":
            _custom(ws)
        else:
            _gallery(ws)
        chosen = ws.chosen_image()
        if chosen is not None:
            with ui.row().classes("gap-2 items-center"):
                ui.chip(chosen.os, icon="computer").props("dense outline")
                ui.chip(f"Gen {chosen.generation.removeprefix('V')}", icon="memory").props("dense outline")
                ui.chip(chosen.architecture, icon="developer_board").props("dense outline")
                if chosen.kind != "marketplace":
                    state = "Specialized" if chosen.specialized else "Generalized"
                    ui.chip(state, icon="verified" if not chosen.specialized else "person_pin").props(
                        "dense outline color=accent"
                    )
            if chosen.specialized:
                note(
                    "A specialized image keeps its own users and settings: Login and Custom Data are "
                    "disabled."
                )
        if ws.get("persistence.shouldPersistDataDisks") and source != "marketplace":
            help_text("Images that define data disks are hidden because data-disk persistence is on.")

    with section(
        "Persist VM Name",
        icon="label",
        help_text="Keep one VM name for the node's whole life. It cannot be used with a VM name prefix.",
    ):
        persist = ui.switch(
            "Persist VM Name",
            value=bool(ws.get(f"{LAUNCH}.vmName")) or bool(ws.ui_state.get("persist_vm_name")),
        )
        persist.on_value_change(lambda e: _persist_vm_name(ws, bool(e.value)))
        if persist.value:
            text_input(
                ws,
                "VM Name",
                f"{LAUNCH}.vmName",
                step=STEP,
                rebuild=("Basics",),
                hint="Up to 64 letters, digits, '-', '.', '_' (15 on Windows)",
            ).classes("w-96")


def _image_source(ws: WizardState) -> str:
    image = ws.get(IMAGE) or {}
    for kind in SOURCES:
        if kind in image:
            return kind
    return str(ws.ui_state.get("image_source", "marketplace"))


def _switch_source(ws: WizardState, source: str) -> None:
    ws.ui_state["image_source"] = source
    ws.set(
        IMAGE, {source: {"version": "latest"} if source == "marketplace" else {}}, rebuild=_REBUILD_ON_IMAGE
    )


def _allowed(ws: WizardState, images: list[ImageChoice]) -> list[ImageChoice]:
    if ws.get("persistence.shouldPersistDataDisks"):
        return [i for i in images if not i.has_data_disks]
    return images


def _adopt_os(ws: WizardState) -> None:
    """The node's OS is the image's (compute.os is required and never edited by hand)."""
    chosen = ws.chosen_image()
    if chosen is not None and ws.get("compute.os") != chosen.os and not ws.locked("compute.os"):
        ws.set("compute.os", chosen.os)


def _marketplace(ws: WizardState) -> None:
    base = f"{IMAGE}.marketplace"
    images = ws.marketplace_images()
    current = ws.get(base) or {}
    publishers = sorted({i.publisher for i in images})
    offers = sorted({i.offer for i in images if i.publisher == current.get("publisher")})
    skus = {
        i.sku: f"{i.sku} — {i.label}"
        for i in images
        if i.publisher == current.get("publisher") and i.offer == current.get("offer")
    }

    def pick(key: str, value: Any, clears: tuple[str, ...]) -> None:
        for other in clears:  # a new publisher empties offer and SKU without flagging them yet
            set_at(ws.draft, f"{base}.{other}", None)
        ws.set(f"{base}.{key}", value)
        if key == "sku":
            _adopt_os(ws)
        ws.redraw(*_REBUILD_ON_IMAGE)

    with ui.grid(columns=4).classes("w-full gap-x-4 gap-y-2"):
        select_input(
            ws,
            "Publisher",
            f"{base}.publisher",
            publishers,
            step=STEP,
            write=False,
            on_change=lambda v: pick("publisher", v, ("offer", "sku")),
        )
        select_input(
            ws,
            "Offer",
            f"{base}.offer",
            offers,
            step=STEP,
            write=False,
            on_change=lambda v: pick("offer", v, ("sku",)),
        )
        select_input(
            ws, "SKU", f"{base}.sku", skus, step=STEP, write=False, on_change=lambda v: pick("sku", v, ())
        )
        text_input(ws, "Version", f"{base}.version", step=STEP, hint="latest, or x.y.z")


def _custom(ws: WizardState) -> None:
    base = f"{IMAGE}.custom"
    images = _allowed(ws, [i for i in ws.pick_lists().images if i.kind == "custom"])
    current = ws.get(base) or {}
    groups = sorted({i.resource_group for i in images})
    names = {i.name: _image_label(i) for i in images if i.resource_group == current.get("resourceGroupName")}
    with ui.grid(columns=2).classes("w-full gap-x-4 gap-y-2"):
        select_input(
            ws,
            "Image Resource Group",
            f"{base}.resourceGroupName",
            groups,
            step=STEP,
            rebuild=_REBUILD_ON_IMAGE,
        )
        select_input(
            ws,
            "Image Name",
            f"{base}.name",
            names,
            step=STEP,
            write=False,
            on_change=lambda v: _pick_inventory_image(ws, f"{base}.name", v),
        )


def _gallery(ws: WizardState) -> None:
    base = f"{IMAGE}.gallery"
    images = _allowed(ws, [i for i in ws.pick_lists().images if i.kind == "gallery"])
    current = ws.get(base) or {}
    groups = sorted({i.resource_group for i in images})
    galleries = sorted({i.gallery for i in images if i.resource_group == current.get("resourceGroupName")})
    in_gallery = [
        i
        for i in images
        if i.resource_group == current.get("resourceGroupName") and i.gallery == current.get("galleryName")
    ]
    names = {i.name: _image_label(i) for i in in_gallery}
    chosen = next((i for i in in_gallery if i.name == current.get("imageName")), None)
    versions: dict[Any, str] = {"latest": "Latest"}
    if chosen is not None:
        versions.update({v: v for v in chosen.versions})
    with ui.grid(columns=4).classes("w-full gap-x-4 gap-y-2"):
        select_input(
            ws,
            "Image Resource Group",
            f"{base}.resourceGroupName",
            groups,
            step=STEP,
            rebuild=_REBUILD_ON_IMAGE,
        )
        select_input(
            ws, "Gallery Name", f"{base}.galleryName", galleries, step=STEP, rebuild=_REBUILD_ON_IMAGE
        )
        select_input(
            ws,
            "Image Name",
            f"{base}.imageName",
            names,
            step=STEP,
            write=False,
            on_change=lambda v: _pick_inventory_image(ws, f"{base}.imageName", v),
        )
        if ws.get(f"{base}.versionName") is None and ws.get(f"{base}.imageName"):
            ws.draft[  # default to the newest version without marking the field as touched
                "compute"
            ]["launchSpecification"]["image"]["gallery"]["versionName"] = "latest"
        select_input(ws, "Version", f"{base}.versionName", versions, step=STEP, clearable=False)


def _image_label(image: ImageChoice) -> str:
    state = "specialized" if image.specialized else "generalized"
    disks = ", with data disks" if image.has_data_disks else ""
    return f"{image.name} ({state}{disks})"


def _pick_inventory_image(ws: WizardState, path: str, value: Any) -> None:
    ws.set(path, value)
    _adopt_os(ws)
    ws.redraw(*_REBUILD_ON_IMAGE)


def _persist_vm_name(ws: WizardState, on: bool) -> None:
    ws.ui_state["persist_vm_name"] = on
    if on and ws.get(f"{LAUNCH}.vmNamePrefix"):
        ws.set(f"{LAUNCH}.vmNamePrefix", None)
        ui.notify("VM Prefix Name cleared: a persisted VM name replaces it", type="info")
    if not on:
        ws.set(f"{LAUNCH}.vmName", None)
    ws.rebuild("Basics")
    ws.redraw("image")


def render_security_login(ws: WizardState) -> None:
    with section(
        "Security & Login",
        icon="shield",
        help_text="Trusted launch needs Gen2 sizes; Confidential VM runs on AMD SEV-SNP sizes "
        "(DCasv5, DCadsv5, ECasv5, ECadsv5) and always uses vTPM.",
    ):
        security_type = ws.get(f"{SECURITY}.securityType") or "Standard"
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-2"):
            select_input(
                ws,
                "Security type",
                f"{SECURITY}.securityType",
                SECURITY_TYPES,
                step=STEP,
                clearable=False,
                rebuild=("login", "sizes"),
            )
            ui.element("div")
        with ui.row().classes("gap-6 items-start"):
            if security_type != "Standard":
                switch_input(ws, "Secure boot", f"{SECURITY}.secureBootEnabled", step=STEP)
                switch_input(ws, "vTPM", f"{SECURITY}.vTpmEnabled", step=STEP)
            switch_input(ws, "Encryption at host", f"{SECURITY}.encryptionAtHost", step=STEP)
            confidential = switch_input(
                ws, "Confidential OS disk encryption", f"{SECURITY}.confidentialOsDiskEncryption", step=STEP
            )
            if security_type != "ConfidentialVM" and not ws.get(f"{SECURITY}.confidentialOsDiskEncryption"):
                confidential.disable()
                confidential.tooltip("Needs the Confidential virtual machine security type")
        ui.separator()
        ui.label("Login").classes("sk-section-title")
        chosen = ws.chosen_image()
        specialized = chosen is not None and chosen.specialized
        inputs: list[ui.element] = []
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-2"):
            inputs.append(text_input(ws, "User name", f"{LOGIN}.userName", step=STEP))
            if ws.os == "Linux":
                auth = _auth_type(ws)
                with ui.column().classes("gap-0"):
                    ui.label("Authentication type").classes("text-xs text-grey-7")
                    toggle = ui.toggle({"ssh": "SSH public key", "password": "Password"}, value=auth)
                    toggle.props("no-caps unelevated toggle-color=primary")
                    toggle.on_value_change(lambda e: _switch_auth(ws, e))
                    ws.board.bind(
                        LOGIN, toggle, step=STEP
                    )  # locked with the login; LOGIN_REQUIRED lands here
                inputs.append(toggle)
            else:
                auth = "password"
        if auth == "ssh":
            key = ui.textarea("SSH public key", value=ws.get(f"{LOGIN}.sshPublicKey", ""))
            key.props("outlined dense rows=2").classes("w-full sk-mono")
            key.on_value_change(lambda e: ws.set(f"{LOGIN}.sshPublicKey", (e.value or "").strip()))
            ws.board.bind(f"{LOGIN}.sshPublicKey", key, step=STEP)
            inputs.append(key)
        else:
            hint = "Leave blank to keep the current password" if ws.editing else None
            inputs.append(
                text_input(ws, "Password", f"{LOGIN}.password", step=STEP, password=True, hint=hint).classes(
                    "w-96"
                )
            )
        if specialized:
            for element in inputs:
                if hasattr(element, "disable"):
                    element.disable()
            help_text("Login is disabled: the specialized image brings its own accounts.")


def _auth_type(ws: WizardState) -> str:
    chosen = ws.ui_state.get("auth_type")
    if chosen in ("ssh", "password"):
        return str(chosen)
    if ws.get(f"{LOGIN}.password") and not ws.get(f"{LOGIN}.sshPublicKey"):
        return "password"
    return "ssh"


def _switch_auth(ws: WizardState, event: events.ValueChangeEventArguments[Any]) -> None:
    ws.ui_state["auth_type"] = event.value
    ws.set(f"{LOGIN}.password" if event.value == "ssh" else f"{LOGIN}.sshPublicKey", None, rebuild=("login",))


def render_disks(ws: WizardState) -> None:
    with section(
        "Disks",
        icon="storage",
        help_text="The OS disk and the data disks each VM gets (persisted as chosen in Basics).",
    ):
        with ui.grid(columns=4).classes("w-full gap-x-4 gap-y-2"):
            select_input(
                ws, "OS disk type", f"{LAUNCH}.osDisk.type", OS_DISK_TYPES, step=STEP, clearable=False
            )
            number_input(
                ws,
                "OS disk size",
                f"{LAUNCH}.osDisk.sizeGB",
                step=STEP,
                minimum=1,
                maximum=1023,
                suffix="GiB",
            )
        disks: list[dict[str, Any]] = list(ws.get(f"{LAUNCH}.dataDisks") or [])
        for index, _disk in enumerate(disks):
            base = f"{LAUNCH}.dataDisks[{index}]"
            with ui.row().classes("w-full items-start gap-4 no-wrap"):
                ui.label(f"Data disk {index + 1}").classes("text-sm text-grey-8 w-24 mt-2")
                number_input(ws, "LUN", f"{base}.lun", step=STEP, minimum=0, maximum=63).classes("w-24")
                number_input(
                    ws, "Size", f"{base}.sizeGB", step=STEP, minimum=1, maximum=1023, suffix="GiB"
                ).classes("w-32")
                select_input(ws, "Type", f"{base}.type", DATA_DISK_TYPES, step=STEP, clearable=False).classes(
                    "w-48"
                )
                select_input(ws, "Caching", f"{base}.caching", CACHING, step=STEP).classes("w-36")
                ui.button(icon="delete_outline", on_click=lambda _e, i=index: _remove_disk(ws, i)).props(
                    "flat round dense color=grey-7"
                ).tooltip("Remove this data disk")
        ui.button("Add data disk", icon="add", on_click=lambda: _add_disk(ws)).props("flat no-caps")
        ws.board.bind(f"{LAUNCH}.dataDisks", ui.element("div"), step=STEP, note=True)


def _add_disk(ws: WizardState) -> None:
    disks = list(ws.get(f"{LAUNCH}.dataDisks") or [])
    used = {d.get("lun") for d in disks}
    lun = next(n for n in range(64) if n not in used)
    disks.append({"lun": lun, "sizeGB": 128, "type": "Premium_LRS"})
    ws.set(f"{LAUNCH}.dataDisks", disks, rebuild=("disks",))


def _remove_disk(ws: WizardState, index: int) -> None:
    disks = list(ws.get(f"{LAUNCH}.dataDisks") or [])
    del disks[index]
    ws.set(f"{LAUNCH}.dataDisks", disks or None, rebuild=("login",))

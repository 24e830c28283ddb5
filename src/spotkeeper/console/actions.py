"""The dialogs behind the console's node actions: state changes, delete, data disks, import.

Each dialog gathers exactly the body the API takes (spot-api.md §4) and hands it to the backend;
whether the node's state allows the action is the service's answer, shown as it gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from spotkeeper.console.backend import ConsoleBackend, Refused, StateAction
from spotkeeper.console.views import Viewer

DEFAULT_TTL_HOURS = 96
DISK_TYPES = (
    "Premium_LRS",
    "StandardSSD_LRS",
    "Standard_LRS",
    "StandardSSD_ZRS",
    "Premium_ZRS",
    "PremiumV2_LRS",
    "UltraSSD_LRS",
)
_EXPLAIN = {
    "pause": "The VM is removed; its persisted disks and network are kept until you resume.",
    "resume": "A new VM is launched with the persisted disks and network.",
    "recycle": "The VM is replaced now (pause and resume), e.g. to apply edited sizes or zones.",
}


def run_action(action: Callable[[], Any], *, done: str, after: Callable[[], Any] | None = None) -> bool:
    try:
        action()
    except Refused as refusal:
        ui.notify(refusal.message, type="negative", multi_line=True)
        return False
    ui.notify(done, type="positive")
    if after is not None:
        after()
    return True


def confirm_state_change(
    backend: ConsoleBackend,
    viewer: Viewer,
    node_id: str,
    name: str,
    action: StateAction,
    *,
    after: Callable[[], Any] | None = None,
) -> None:
    with ui.dialog() as dialog, ui.card().classes("p-5 gap-3 w-[440px]"):
        ui.label(f"{action.capitalize()} {name}?").classes("text-lg font-semibold")
        ui.label(_EXPLAIN[action]).classes("sk-help")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")

            def confirm() -> None:
                if run_action(
                    lambda: backend.change_state(viewer, node_id, action),
                    done=f"{action.capitalize()} requested for {name}",
                    after=after,
                ):
                    dialog.close()

            ui.button(action.capitalize(), on_click=confirm).props("unelevated no-caps")
    dialog.open()


def delete_dialog(
    backend: ConsoleBackend,
    viewer: Viewer,
    node_id: str,
    name: str,
    *,
    after: Callable[[], Any] | None = None,
) -> None:
    config: dict[str, Any] = {
        "shouldTerminateVm": True,
        "shouldDeregisterFromLb": True,
        "shouldRevertToOd": False,
    }
    resources = {
        "networkDeallocationConfig": "Network interfaces",
        "publicIpDeallocationConfig": "Public IPs",
        "diskDeallocationConfig": "Disks",
        "snapshotDeallocationConfig": "Snapshots",
    }
    for key in resources:
        config[key] = {"shouldDeallocate": True, "ttlInHours": DEFAULT_TTL_HOURS}
    with ui.dialog() as dialog, ui.card().classes("p-5 gap-3 w-[560px]"):
        ui.label(f"Delete {name}").classes("text-lg font-semibold")
        ui.label(
            "Choose what happens to the node's VM and resources. Kept resources stay in your subscription; "
            "deleted ones are removed after their retention time (TTL)."
        ).classes("sk-help")
        terminate = ui.switch("Terminate VM", value=True)
        deregister = ui.switch("Deregister from load balancers", value=True)
        revert = ui.switch("Revert the VM to on-demand (only when it is kept)", value=False)
        revert.disable()

        def terminate_changed(on: bool) -> None:
            config["shouldTerminateVm"] = on
            # Terminating always deregisters; reverting to on-demand only applies to a kept VM.
            deregister.set_value(True if on else deregister.value)
            deregister.set_enabled(not on)
            revert.set_enabled(not on)
            if on:
                revert.set_value(False)

        terminate.on_value_change(lambda e: terminate_changed(bool(e.value)))
        deregister.set_enabled(False)
        deregister.on_value_change(lambda e: config.update(shouldDeregisterFromLb=bool(e.value)))
        revert.on_value_change(lambda e: config.update(shouldRevertToOd=bool(e.value)))
        ui.separator()
        with ui.grid(columns="1fr auto auto").classes("w-full items-center gap-x-4 gap-y-1"):
            for key, label in resources.items():
                ui.label(label).classes("text-sm")
                ui.checkbox("Delete", value=True).on_value_change(
                    lambda e, k=key: config[k].update(shouldDeallocate=bool(e.value))
                )
                ttl = ui.number("TTL", value=DEFAULT_TTL_HOURS, min=0, max=371, precision=0, suffix="h")
                ttl.props("outlined dense").classes("w-28")
                ttl.on_value_change(
                    lambda e, k=key: config[k].update(ttlInHours=int(e.value) if e.value is not None else 0)
                )
        ui.label("A TTL of 0 deletes at once; the default keeps resources for 96 hours.").classes("sk-help")
        confirm_name = ui.input(f"Type {name} to confirm").props("outlined dense").classes("w-full")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
            button = ui.button("Delete node", on_click=lambda: submit()).props(
                "unelevated no-caps color=negative"
            )
            button.bind_enabled_from(confirm_name, "value", backward=lambda v: (v or "").strip() == name)

        def submit() -> None:
            if run_action(
                lambda: backend.delete_node(viewer, node_id, config),
                done=f"Deletion of {name} requested",
                after=after,
            ):
                dialog.close()

    dialog.open()


def attach_disk_dialog(
    backend: ConsoleBackend,
    viewer: Viewer,
    node_id: str,
    *,
    resource_group: str,
    zone: str | None,
    after: Callable[[], Any] | None = None,
) -> None:
    body: dict[str, Any] = {
        "dataDiskResourceGroupName": resource_group,
        "storageAccountType": "Premium_LRS",
        "sizeGB": 128,
    }
    if zone:
        body["zone"] = zone
    with ui.dialog() as dialog, ui.card().classes("p-5 gap-3 w-[480px]"):
        ui.label("Attach a new data disk").classes("text-lg font-semibold")
        ui.label("A new empty managed disk is created and attached to the running VM.").classes("sk-help")
        name = ui.input("Disk name").props("outlined dense").classes("w-full")
        name.on_value_change(lambda e: body.update(dataDiskName=(e.value or "").strip()))
        group = ui.input("Resource group", value=resource_group).props("outlined dense").classes("w-full")
        group.on_value_change(lambda e: body.update(dataDiskResourceGroupName=(e.value or "").strip()))
        with ui.row().classes("w-full gap-3 no-wrap"):
            kind = ui.select(list(DISK_TYPES), label="Type", value="Premium_LRS").props("outlined dense")
            kind.on_value_change(lambda e: body.update(storageAccountType=e.value))
            size = ui.number("Size", value=128, min=1, max=1023, precision=0, suffix="GiB").props(
                "outlined dense"
            )
            size.on_value_change(lambda e: body.update(sizeGB=int(e.value or 0)))
            lun = ui.number("LUN (optional)", min=0, max=63, precision=0).props("outlined dense")
            lun.on_value_change(
                lambda e: body.update(lun=int(e.value)) if e.value is not None else body.pop("lun", None)
            )
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")

            def submit() -> None:
                if run_action(
                    lambda: backend.attach_data_disk(viewer, node_id, body),
                    done=f"Disk {body.get('dataDiskName')} attached",
                    after=after,
                ):
                    dialog.close()

            ui.button("Attach", on_click=submit).props("unelevated no-caps")
    dialog.open()


def detach_disk_dialog(
    backend: ConsoleBackend,
    viewer: Viewer,
    node_id: str,
    *,
    disk_name: str,
    resource_group: str,
    after: Callable[[], Any] | None = None,
) -> None:
    body: dict[str, Any] = {
        "dataDiskName": disk_name,
        "dataDiskResourceGroupName": resource_group,
        "shouldDeallocate": False,
        "ttlInHours": 0,
    }
    with ui.dialog() as dialog, ui.card().classes("p-5 gap-3 w-[440px]"):
        ui.label(f"Detach {disk_name}").classes("text-lg font-semibold")
        ui.label("The disk is detached from the VM and no longer part of the node.").classes("sk-help")
        delete = ui.switch("Also delete the disk", value=False)
        ttl = ui.number("Delete after", value=0, min=0, precision=0, suffix="hours").props("outlined dense")
        ttl.bind_visibility_from(delete, "value")
        delete.on_value_change(lambda e: body.update(shouldDeallocate=bool(e.value)))
        ttl.on_value_change(lambda e: body.update(ttlInHours=int(e.value or 0)))
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")

            def submit() -> None:
                if run_action(
                    lambda: backend.detach_data_disk(viewer, node_id, body),
                    done=f"Disk {disk_name} detached",
                    after=after,
                ):
                    dialog.close()

            ui.button("Detach", on_click=submit).props("unelevated no-caps color=negative")
    dialog.open()


def import_dialog(backend: ConsoleBackend, viewer: Viewer) -> None:
    body: dict[str, Any] = {
        "drainingTimeout": 120,
        "resourcesRetentionTime": DEFAULT_TTL_HOURS,
        "convertUnmanagedDisks": False,
    }
    with ui.dialog() as dialog, ui.card().classes("p-5 gap-3 w-[520px]"):
        ui.label("Import an existing VM").classes("text-lg font-semibold")
        ui.label(
            "spotkeeper takes over the VM: its disks are snapshotted and a managed VM is launched from them "
            "(same addresses when the network is persisted). The original resources are kept for the "
            "retention time."
        ).classes("sk-help")
        group = ui.input("Resource group").props("outlined dense").classes("w-full")
        group.on_value_change(lambda e: body.update(resourceGroupName=(e.value or "").strip()))
        vm = ui.input("VM name").props("outlined dense").classes("w-full")
        vm.on_value_change(lambda e: body.update(originalVmName=(e.value or "").strip()))
        name = ui.input("Node name (optional)").props("outlined dense").classes("w-full")
        with ui.row().classes("w-full gap-3 no-wrap"):
            drain = ui.number("Draining timeout", value=120, min=0, max=1800, precision=0, suffix="s")
            drain.props("outlined dense")
            drain.on_value_change(lambda e: body.update(drainingTimeout=int(e.value or 0)))
            keep = ui.number(
                "Keep originals for", value=DEFAULT_TTL_HOURS, min=0, max=731, precision=0, suffix="h"
            )
            keep.props("outlined dense")
            keep.on_value_change(lambda e: body.update(resourcesRetentionTime=int(e.value or 0)))
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")

            def submit() -> None:
                request = dict(body)
                if (name.value or "").strip():
                    request["node"] = {"name": name.value.strip()}
                try:
                    node_id = backend.import_vm(viewer, request)
                except Refused as refusal:
                    ui.notify(refusal.message, type="negative", multi_line=True)
                    return
                dialog.close()
                ui.notify("Import started", type="positive")
                ui.navigate.to(f"/nodes/{node_id}")

            ui.button("Import", on_click=submit).props("unelevated no-caps")
    dialog.open()

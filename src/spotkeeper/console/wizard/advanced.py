"""Step 4, Advanced (optional): scheduling, user data, custom data, extensions, shutdown script, tags.

Cron expressions are shown in words as they are typed (the service's reading of them, so the
words and the scheduler never disagree). Scripts are edited as text and stored base64-encoded.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import events, ui

from spotkeeper.console.backend import Refused
from spotkeeper.console.layout import section
from spotkeeper.console.wizard.inputs import help_text, script_input
from spotkeeper.console.wizard.state import LAUNCH, WizardState

STEP = "Advanced"
TASKS = "scheduling.tasks"
EXTENSIONS = f"{LAUNCH}.extensions"
TAGS = f"{LAUNCH}.tags"
TASK_TYPES = {"pause": "Pause", "resume": "Resume", "recycle": "Recycle"}


def render_advanced(ws: WizardState) -> None:
    help_text("Everything on this step is optional.")
    _scheduling(ws)
    with section(
        "User Data",
        icon="description",
        help_text="Scripts or metadata the VM reads from the Instance Metadata Service after "
        "provisioning. Some scripts need an extension (see Extensions) to run.",
    ):
        script_input(ws, "User Data", f"{LAUNCH}.userData", step=STEP)
    _custom_data(ws)
    _extensions(ws)
    _shutdown_script(ws)
    _tags(ws)


def _scheduling(ws: WizardState) -> None:
    with section(
        "Scheduling",
        icon="event_repeat",
        help_text="Pause, resume or recycle the node at set times (cron, UTC). A paused node keeps "
        "its persisted disks and network.",
    ):
        tasks: list[dict[str, Any]] = list(ws.get(TASKS) or [])
        for index, task in enumerate(tasks):
            base = f"{TASKS}[{index}]"
            with ui.row().classes("w-full items-center gap-3 no-wrap"):
                kind = ui.select(TASK_TYPES, label="Action", value=task.get("type"))
                kind.props("outlined dense").classes("w-36")
                kind.on_value_change(lambda e, b=base: ws.set(f"{b}.type", e.value))
                ws.board.bind(f"{base}.type", kind, step=STEP)
                cron = ui.input("Cron expression", value=task.get("cronExpression") or "")
                cron.props("outlined dense").classes("w-56 sk-mono")
                words = ui.label("").classes("text-sm text-grey-8")
                _describe(ws, cron.value, words)
                cron.on_value_change(lambda e, b=base, w=words: _set_cron(ws, b, e.value or "", w))
                ws.board.bind(f"{base}.cronExpression", cron, step=STEP)
                ui.space()
                enabled = ui.switch("Enabled", value=task.get("isEnabled", True) is not False)
                enabled.on_value_change(lambda e, b=base: ws.set(f"{b}.isEnabled", bool(e.value)))
                ws.board.bind(f"{base}.isEnabled", enabled, step=STEP)
                ui.button(icon="delete_outline", on_click=lambda _e, i=index: _remove(ws, TASKS, i)).props(
                    "flat round dense color=grey-7"
                ).tooltip("Remove this task")
        ui.button("Add Task", icon="add", on_click=lambda: _add_task(ws)).props("flat no-caps")
        ws.board.bind(TASKS, ui.element("div"), step=STEP, note=True)


def _describe(ws: WizardState, expression: str, label: ui.label) -> None:
    if not expression.strip():
        label.set_text("")
        return
    try:
        words = ws.backend.describe_cron(expression.strip())
        label.set_text(f"{words[:1].upper()}{words[1:]} (UTC)")
        label.classes(replace="text-sm text-grey-8")
    except Refused as refusal:
        label.set_text(refusal.message)
        label.classes(replace="text-sm text-negative")


def _set_cron(ws: WizardState, base: str, value: str, words: ui.label) -> None:
    ws.set(f"{base}.cronExpression", value.strip(), blank=True)
    _describe(ws, value, words)


def _add_task(ws: WizardState) -> None:
    tasks = list(ws.get(TASKS) or [])
    kind = "resume" if tasks and tasks[-1].get("type") == "pause" else "pause"
    cron = "0 7 * * 1-5" if kind == "resume" else "0 20 * * 1-5"
    tasks.append({"isEnabled": True, "type": kind, "cronExpression": cron})
    ws.set(TASKS, tasks, rebuild=(STEP,))


def _remove(ws: WizardState, path: str, index: int) -> None:
    items = list(ws.get(path) or [])
    del items[index]
    ws.set(path, items or None, rebuild=(STEP,))


def _custom_data(ws: WizardState) -> None:
    chosen = ws.chosen_image()
    with section(
        "Custom Data",
        icon="code",
        help_text="A script or cloud-init document passed to the VM at provisioning. Some scripts "
        "need an extension (see Extensions) to run.",
    ):
        area = script_input(ws, "Custom Data", f"{LAUNCH}.customData", step=STEP)
        if chosen is not None and chosen.specialized:
            area.disable()
            help_text("Custom Data is not available with a specialized image.")
        if ws.editing and ws.get("persistence.shouldPersistOsDisk"):
            help_text("With the OS disk persisted, use User Data for changes after creation.")


def _shutdown_script(ws: WizardState) -> None:
    with section(
        "Shutdown Script",
        icon="power_settings_new",
        help_text="Runs on the VM before it is replaced or paused. It needs an in-VM agent that "
        "reads Azure's Scheduled Events.",
    ):
        script_input(ws, "Shutdown Script", f"{LAUNCH}.shutdownScript", step=STEP)
        label = "Add Windows script" if ws.os == "Windows" else "Add Python 2.x/3.x script"
        # The seed's buttons add the agent's install script to the custom data; spotkeeper's
        # in-VM agent is not released yet, so there is no script to add: say so, add nothing.
        ui.button(label, icon="add").props("outline no-caps").disable()
        help_text(
            "The spotkeeper in-VM agent is not released yet: the shutdown script is stored with "
            "the node and runs once an agent is on the VM."
        )


def _extensions(ws: WizardState) -> None:
    with section(
        "Extensions",
        icon="extension",
        help_text="VM extensions to install, e.g. Microsoft.Azure.Extensions customScript.",
    ):
        extensions: list[dict[str, Any]] = list(ws.get(EXTENSIONS) or [])
        for index, _extension in enumerate(extensions):
            base = f"{EXTENSIONS}[{index}]"
            with ui.card().classes("w-full p-3 gap-2 bg-grey-1").props("flat bordered") as card:
                with ui.grid(columns=5).classes("w-full gap-x-3 gap-y-2 items-start"):
                    for key, label in (
                        ("name", "Name"),
                        ("type", "Type"),
                        ("publisher", "Publisher"),
                        ("apiVersion", "API version"),
                    ):
                        field = ui.input(label, value=ws.get(f"{base}.{key}") or "")
                        field.props("outlined dense")
                        field.on_value_change(
                            lambda e, p=f"{base}.{key}": ws.set(p, (e.value or "").strip(), blank=True)
                        )
                        ws.board.bind(f"{base}.{key}", field, step=STEP)
                    upgrade = ui.switch(
                        "Minor version auto upgrade", value=bool(ws.get(f"{base}.minorVersionAutoUpgrade"))
                    )
                    upgrade.on_value_change(
                        lambda e, b=base: ws.set(f"{b}.minorVersionAutoUpgrade", bool(e.value))
                    )
                    ws.board.bind(f"{base}.minorVersionAutoUpgrade", upgrade, step=STEP)
                with ui.grid(columns=2).classes("w-full gap-x-3"):
                    for key, label in (
                        ("publicSettings", "Public settings (JSON)"),
                        ("protectedSettings", "Protected settings (JSON, write-only)"),
                    ):
                        value = ws.get(f"{base}.{key}")
                        text = ui.textarea(
                            label, value=json.dumps(value, indent=2) if value is not None else ""
                        )
                        text.props("outlined dense rows=3").classes("sk-mono")
                        text.on_value_change(lambda e, p=f"{base}.{key}": _set_json(ws, p, e))
                        ws.board.bind(f"{base}.{key}", text, step=STEP)
                with ui.row().classes("w-full justify-end"):
                    ui.button(
                        "Remove",
                        icon="delete_outline",
                        on_click=lambda _e, i=index: _remove(ws, EXTENSIONS, i),
                    ).props("flat dense no-caps")
            ws.board.bind(base, card, step=STEP, note=True)
        ui.button("Add extension", icon="add", on_click=lambda: _add_extension(ws)).props("flat no-caps")
        ws.board.bind(EXTENSIONS, ui.element("div"), step=STEP, note=True)


def _set_json(ws: WizardState, path: str, event: events.ValueChangeEventArguments[Any]) -> None:
    text = (event.value or "").strip()
    sender = event.sender
    if not text:
        ws.set(path, None)
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if isinstance(sender, ui.textarea):
            sender.error = f"Not valid JSON: {error.msg} (line {error.lineno})"
        return
    if isinstance(sender, ui.textarea):
        sender.error = None
    ws.set(path, value)


def _add_extension(ws: WizardState) -> None:
    extensions = list(ws.get(EXTENSIONS) or [])
    extensions.append(
        {
            "name": "customScript",
            "type": "customScript",
            "publisher": "Microsoft.Azure.Extensions",
            "apiVersion": "2.0",
            "minorVersionAutoUpgrade": True,
        }
    )
    ws.set(EXTENSIONS, extensions, rebuild=(STEP,))


def _tags(ws: WizardState) -> None:
    with section(
        "Tags",
        icon="sell",
        help_text="Tags the VMs are created with (also visible in Azure). Nodes can be filtered by "
        "tag on the Stateful Nodes page.",
    ):
        tags: list[dict[str, Any]] = list(ws.get(TAGS) or [])
        for index, tag in enumerate(tags):
            base = f"{TAGS}[{index}]"
            with ui.row().classes("items-start gap-3 no-wrap"):
                key = ui.input("Key", value=tag.get("tagKey") or "").props("outlined dense").classes("w-56")
                key.on_value_change(
                    lambda e, b=base: ws.set(f"{b}.tagKey", (e.value or "").strip(), blank=True)
                )
                ws.board.bind(f"{base}.tagKey", key, step=STEP)
                value = (
                    ui.input("Value", value=tag.get("tagValue") or "").props("outlined dense").classes("w-72")
                )
                value.on_value_change(lambda e, b=base: ws.set(f"{b}.tagValue", e.value or "", blank=True))
                ws.board.bind(f"{base}.tagValue", value, step=STEP)
                ui.button(icon="delete_outline", on_click=lambda _e, i=index: _remove(ws, TAGS, i)).props(
                    "flat round dense color=grey-7"
                ).tooltip("Remove this tag")
        ui.button("Add Tag", icon="add", on_click=lambda: _add_tag(ws)).props("flat no-caps")
        ws.board.bind(TAGS, ui.element("div"), step=STEP, note=True)


def _add_tag(ws: WizardState) -> None:
    tags = list(ws.get(TAGS) or [])
    tags.append({"tagKey": "", "tagValue": ""})
    ws.set(TAGS, tags, rebuild=(STEP,))

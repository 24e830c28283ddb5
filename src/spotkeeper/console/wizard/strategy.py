"""Step 2, Compute (end): Availability Settings and Strategy.

Continuous Optimization's custom windows follow the seed's day-span semantics, and the page says
so in words next to every window ("Monday 09:00 to Friday 20:00 UTC, one continuous span"),
because "Mon 09:00 - Fri 20:00" is easily misread as "every weekday 9 to 8".
"""

from __future__ import annotations

import re
from typing import Any

from nicegui import events, ui

from spotkeeper.console.backend import Refused
from spotkeeper.console.layout import section
from spotkeeper.console.wizard.inputs import help_text, note, number_input, switch_input
from spotkeeper.console.wizard.state import WizardState

STEP = "Compute"
STRATEGY = "strategy"
WINDOWS = f"{STRATEGY}.optimizationWindows"
CRG = f"{STRATEGY}.capacityReservation"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = {
    "Mon": "Monday",
    "Tue": "Tuesday",
    "Wed": "Wednesday",
    "Thu": "Thursday",
    "Fri": "Friday",
    "Sat": "Saturday",
    "Sun": "Sunday",
}
REVERT = {"always": "Once Available", "timeWindow": "Custom", "never": "Never"}
ORIENTATION = {100: "Availability", 0: "Cost"}
UTILIZATION = {"utilizeOverSpot": "Prioritize over Spot", "utilizeOverOD": "Prioritize over On-Demand"}
_WINDOW = re.compile(r"^([A-Za-z]{3}):(\d{2}:\d{2})-([A-Za-z]{3}):(\d{2}:\d{2})$")


def render_availability(ws: WizardState) -> None:
    with section("Availability Settings", icon="published_with_changes"):
        with ui.grid(columns=3).classes("w-full gap-x-6 gap-y-2 items-start"):
            number_input(
                ws,
                "Draining Timeout",
                f"{STRATEGY}.drainingTimeout",
                step=STEP,
                minimum=1,
                suffix="seconds",
                hint="Time to drain a VM before it is replaced",
            )
            with ui.column().classes("gap-0"):
                switch_input(ws, "Fallback to On-Demand", f"{STRATEGY}.fallbackToOd", step=STEP)
                help_text("Launch an on-demand VM when no Spot size is available.")
            with ui.column().classes("gap-0"):
                ui.label("Preferred lifecycle").classes("text-xs text-grey-7")
                lifecycle = ui.toggle(
                    {"spot": "Spot", "od": "On-demand"},
                    value=ws.get(f"{STRATEGY}.preferredLifecycle") or "spot",
                )
                lifecycle.props("no-caps unelevated toggle-color=primary")
                lifecycle.on_value_change(lambda e: ws.set(f"{STRATEGY}.preferredLifecycle", e.value))
                ws.board.bind(f"{STRATEGY}.preferredLifecycle", lifecycle, step=STEP, note=True)
        ui.label("Continuous Optimization").classes("sk-section-title mt-2")
        help_text("When the node may move from an on-demand VM back to Spot.")
        perform_at = ws.get(f"{STRATEGY}.revertToSpot.performAt") or "always"
        radio = ui.radio(REVERT, value=perform_at).props("inline")
        radio.on_value_change(lambda e: _revert(ws, e.value))
        ws.board.bind(f"{STRATEGY}.revertToSpot", radio, step=STEP, note=True)
        if perform_at == "timeWindow":
            _windows(ws)


def _revert(ws: WizardState, perform_at: str) -> None:
    ws.set(f"{STRATEGY}.revertToSpot", {"performAt": perform_at})
    if perform_at == "timeWindow" and not ws.get(WINDOWS):
        ws.set(WINDOWS, ["Mon:09:00-Mon:20:00"])
    if perform_at != "timeWindow":
        ws.set(WINDOWS, None)
    ws.redraw("availability")


def _windows(ws: WizardState) -> None:
    note(
        "Each window is one continuous span from its start to its end. From Monday 09:00 to Friday 20:00 "
        "allows the move at any time in between (also Tuesday at 23:00), not daily from 09:00 to 20:00; "
        "for a daily window add one window per day. Times are UTC.",
        icon="schedule",
    )
    windows: list[str] = list(ws.get(WINDOWS) or [])
    for index, text in enumerate(windows):
        match = _WINDOW.match(text)
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            inputs = ui.row().classes("items-center gap-3 no-wrap")
            words = ui.label("").classes("text-sm")
            _describe(ws, text, words)
            with inputs:
                if match is None:
                    raw = ui.input("Window", value=text).props("outlined dense").classes("w-64")
                    raw.on_value_change(lambda e, i=index, w=words: _set_window(ws, i, e.value or "", w))
                    ws.board.bind(f"{WINDOWS}[{index}]", raw, step=STEP)
                else:
                    start_day, start, end_day, end = match.groups()
                    parts = {
                        "start_day": start_day.capitalize(),
                        "start": start,
                        "end_day": end_day.capitalize(),
                        "end": end,
                    }
                    _window_inputs(ws, index, parts, words)
            ui.space()
            ui.button(icon="delete_outline", on_click=lambda _e, i=index: _remove_window(ws, i)).props(
                "flat round dense color=grey-7"
            ).tooltip("Remove this window")
    ui.button("Add window", icon="add", on_click=lambda: _add_window(ws)).props("flat no-caps")
    ws.board.bind(WINDOWS, ui.element("div"), step=STEP, note=True)


def _describe(ws: WizardState, text: str, label: ui.label) -> None:
    try:
        label.set_text(ws.backend.describe_window(text))
        label.classes(replace="text-sm text-grey-8")
    except Refused as refusal:
        label.set_text(refusal.message)
        label.classes(replace="text-sm text-negative")


def _window_inputs(ws: WizardState, index: int, parts: dict[str, str], words: ui.label) -> None:
    def update(key: str, value: Any) -> None:
        parts[key] = str(value or "")
        text = f"{parts['start_day']}:{parts['start']}-{parts['end_day']}:{parts['end']}"
        _set_window(ws, index, text, words)

    days = {d: DAY_NAMES[d] for d in DAYS}
    for key, label in (
        ("start_day", "From"),
        ("start", "Start time"),
        ("end_day", "To"),
        ("end", "End time"),
    ):
        if key.endswith("day"):
            value = parts[key] if parts[key] in days else None
            element: ui.element = ui.select(
                days, label=label, value=value, on_change=lambda e, k=key: update(k, e.value)
            )
            element.props("outlined dense").classes("w-36")
        else:
            element = ui.input(label, value=parts[key], on_change=lambda e, k=key: update(k, e.value))
            element.props("outlined dense mask='##:##'").classes("w-28")
        ws.board.bind(f"{WINDOWS}[{index}]", element, step=STEP)


def _set_window(ws: WizardState, index: int, text: str, words: ui.label) -> None:
    windows = list(ws.get(WINDOWS) or [])
    windows[index] = text
    ws.set(WINDOWS, windows)
    _describe(ws, text, words)


def _add_window(ws: WizardState) -> None:
    windows = list(ws.get(WINDOWS) or [])
    windows.append("Tue:09:00-Tue:20:00")
    ws.set(WINDOWS, windows, rebuild=("availability",))


def _remove_window(ws: WizardState, index: int) -> None:
    windows = list(ws.get(WINDOWS) or [])
    del windows[index]
    ws.set(WINDOWS, windows or None, rebuild=("availability",))


def render_strategy(ws: WizardState) -> None:
    with section("Strategy", icon="tune"):
        ui.label("Cluster orientation").classes("sk-section-title")
        current = ws.get(f"{STRATEGY}.availabilityVsCost")
        options: dict[Any, str] = dict(ORIENTATION)
        if current is not None and current not in options:
            options[current] = f"Custom ({current})"
        orientation = ui.toggle(options, value=current).props("no-caps unelevated toggle-color=primary")
        orientation.on_value_change(lambda e: ws.set(f"{STRATEGY}.availabilityVsCost", e.value))
        ws.board.bind(f"{STRATEGY}.availabilityVsCost", orientation, step=STEP, note=True)
        help_text(
            "Availability: sizes are chosen for the best Spot market availability. Cost: sizes are "
            "chosen by price, with availability still taken into account."
        )
        ui.separator()
        _capacity_reservation(ws)


def _capacity_reservation(ws: WizardState) -> None:
    ui.label("Capacity reservation groups").classes("sk-section-title")
    help_text("Use capacity reserved in Azure (a CRG you created) before other markets.")
    switch_input(
        ws,
        "Utilize CRG",
        f"{CRG}.shouldUtilize",
        step=STEP,
        rebuild=("strategy",),
        on_change=lambda on: _default_crg(ws, on),
    )
    if not ws.get(f"{CRG}.shouldUtilize"):
        return
    radio = ui.radio(UTILIZATION, value=ws.get(f"{CRG}.utilizationStrategy")).props("inline")
    radio.on_value_change(lambda e: ws.set(f"{CRG}.utilizationStrategy", e.value))
    ws.board.bind(f"{CRG}.utilizationStrategy", radio, step=STEP, note=True)
    groups = ws.get(f"{CRG}.capacityReservationGroups")
    manual = groups is not None or ws.ui_state.get("crg_manual") is True
    choice = ui.radio({"auto": "Automatic", "manual": "Manual"}, value="manual" if manual else "auto")
    choice.props("inline")
    choice.on_value_change(lambda e: _crg_choice(ws, e.value))
    if not manual:
        help_text("Automatic: available CRG slots in the subscription that match the node's sizes are used.")
        return
    available = {
        f"{g.resource_group}/{g.name}": f"{g.name} ({g.resource_group}) · zones "
        f"{', '.join(g.zones) or 'regional'} · {', '.join(g.sizes)}"
        for g in ws.pick_lists().reservation_groups
    }
    chosen = [f"{g.get('resourceGroupName')}/{g.get('name')}" for g in groups or []]
    for key in chosen:
        available.setdefault(key, f"{key} (not found)")
    select = ui.select(available, label="Capacity reservation groups", value=chosen, multiple=True)
    select.props("outlined dense use-chips").classes("w-full")
    select.on_value_change(lambda e: _set_groups(ws, e))
    ws.board.bind(f"{CRG}.capacityReservationGroups", select, step=STEP)


def _default_crg(ws: WizardState, on: bool) -> None:
    if on and not ws.get(f"{CRG}.utilizationStrategy"):
        ws.set(f"{CRG}.utilizationStrategy", "utilizeOverOD")
    if not on:
        ws.set(CRG, None)


def _crg_choice(ws: WizardState, choice: str) -> None:
    ws.ui_state["crg_manual"] = choice == "manual"
    if choice == "auto":
        ws.set(f"{CRG}.capacityReservationGroups", None)
    ws.redraw("strategy")


def _set_groups(ws: WizardState, event: events.ValueChangeEventArguments[Any]) -> None:
    groups = []
    for key in event.value or []:
        resource_group, _, name = str(key).partition("/")
        groups.append({"name": name, "resourceGroupName": resource_group, "shouldPrioritize": True})
    ws.set(f"{CRG}.capacityReservationGroups", groups)

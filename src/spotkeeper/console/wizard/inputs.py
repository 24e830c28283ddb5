"""Inputs that edit one wire path of the draft, registered on the field board.

Each builder creates the NiceGUI element, fills it from the draft, writes changes back through
`WizardState.set` (which re-validates), and binds the element to its path so problems and
locks find it. Values are converted at this edge only: numbers to ints, scripts to base64.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nicegui import events, ui

from spotkeeper.console.wizard.state import WizardState

Options = Mapping[Any, str] | Sequence[Any]


def text_input(
    ws: WizardState,
    label: str,
    path: str,
    *,
    step: str,
    hint: str | None = None,
    placeholder: str | None = None,
    password: bool = False,
    rebuild: tuple[str, ...] = (),
) -> ui.input:
    element = ui.input(
        label, value=ws.get(path, "") or "", password=password, password_toggle_button=password
    )
    element.props("outlined dense" + (" hide-bottom-space" if not hint else ""))
    if hint:
        element.props(f'hint="{_attr(hint)}"')
    if placeholder:
        element.props(f'placeholder="{_attr(placeholder)}"')

    def changed(event: events.ValueChangeEventArguments[Any]) -> None:
        ws.set(path, (event.value or "").strip() if not password else event.value, rebuild=rebuild)

    element.on_value_change(changed)
    ws.board.bind(path, element, step=step)
    return element


def number_input(
    ws: WizardState,
    label: str,
    path: str,
    *,
    step: str,
    minimum: int | None = None,
    maximum: int | None = None,
    suffix: str | None = None,
    hint: str | None = None,
    on_change: Callable[[int | None], None] | None = None,
) -> ui.number:
    element = ui.number(label, value=ws.get(path), min=minimum, max=maximum, precision=0, step=1)
    element.props("outlined dense")
    if suffix:
        element.props(f'suffix="{_attr(suffix)}"')
    if hint:
        element.props(f'hint="{_attr(hint)}"')

    def changed(event: events.ValueChangeEventArguments[Any]) -> None:
        value = None if event.value is None else int(event.value)
        ws.set(path, value)
        if on_change is not None:
            on_change(value)

    element.on_value_change(changed)
    ws.board.bind(path, element, step=step)
    return element


def switch_input(
    ws: WizardState,
    label: str,
    path: str,
    *,
    step: str,
    rebuild: tuple[str, ...] = (),
    default: bool = False,
    on_change: Callable[[bool], None] | None = None,
) -> ui.switch:
    current = ws.get(path)
    element = ui.switch(label, value=bool(current) if current is not None else default)

    def changed(event: events.ValueChangeEventArguments[Any]) -> None:
        ws.set(path, bool(event.value), rebuild=rebuild)
        if on_change is not None:
            on_change(bool(event.value))

    element.on_value_change(changed)
    ws.board.bind(path, element, step=step)
    return element


def select_input(
    ws: WizardState,
    label: str,
    path: str,
    options: Options,
    *,
    step: str,
    multiple: bool = False,
    clearable: bool = True,
    rebuild: tuple[str, ...] = (),
    hint: str | None = None,
    on_change: Callable[[Any], None] | None = None,
    write: bool = True,
) -> ui.select:
    """A pick-list. A value the draft holds but the list lacks (typed into the JSON view, or a
    resource deleted since) stays selectable, marked as not found, so nothing is silently lost."""
    current = ws.get(path, [] if multiple else None)
    labelled = widen_options(options, current)
    element = ui.select(labelled, label=label, value=current, multiple=multiple, clearable=clearable)
    element.props("outlined dense options-dense" + (" use-chips" if multiple else ""))
    if hint:
        element.props(f'hint="{_attr(hint)}"')

    def changed(event: events.ValueChangeEventArguments[Any]) -> None:
        value = event.value
        if multiple:
            value = list(value or [])
        if write:
            ws.set(path, value if value not in ("", []) or multiple else None, rebuild=rebuild)
        if on_change is not None:
            on_change(value)

    element.on_value_change(changed)
    ws.board.bind(path, element, step=step)
    return element


def widen_options(options: Options, current: Any) -> dict[Any, str]:
    labelled: dict[Any, str] = dict(options) if isinstance(options, Mapping) else {o: str(o) for o in options}
    values = current if isinstance(current, list) else [current]
    for value in values:
        if value not in (None, "") and value not in labelled:
            labelled[value] = f"{value} (not found)"
    return labelled


def script_input(
    ws: WizardState,
    label: str,
    path: str,
    *,
    step: str,
    hint: str | None = None,
    rows: int = 5,
) -> ui.textarea:
    """A script typed as text and stored base64-encoded, as the wire wants it."""
    element = ui.textarea(label, value=decode_script(ws.get(path)))
    element.props(f"outlined dense rows={rows}").classes("w-full sk-mono")
    if hint:
        element.props(f'hint="{_attr(hint)}"')

    def changed(event: events.ValueChangeEventArguments[Any]) -> None:
        ws.set(path, encode_script(event.value or ""))

    element.on_value_change(changed)
    ws.board.bind(path, element, step=step)
    return element


def encode_script(text: str) -> str | None:
    return base64.b64encode(text.encode()).decode() if text else None


def decode_script(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value  # not base64 text: show it as it is (validation names the problem)


def help_text(text: str) -> ui.label:
    return ui.label(text).classes("sk-help")


def note(text: str, *, icon: str = "info") -> ui.row:
    with ui.row().classes("sk-note items-start gap-2 no-wrap w-full") as row:
        ui.icon(icon, size="16px").classes("mt-[2px]")
        ui.label(text)
    return row


def _attr(text: str) -> str:
    return text.replace('"', "&quot;")

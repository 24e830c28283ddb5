"""The console's frame and visual vocabulary: header, navigation, colours, status badges.

Every page opens with `frame(...)` so the product looks like one product: the same header with
the signed-in account, the same page width, the same badge for "active" on the list and on the
node page. Formatting of money, times and sizes is here too, for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from nicegui import ui

from spotkeeper.console.views import Viewer

BRAND = "spotkeeper"

_CSS = """
body { background: #f4f6fb; }
.sk-page { max-width: 1280px; margin: 0 auto; width: 100%; }
.sk-card { border-radius: 10px; box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.1); }
.sk-section-title { font-size: 0.95rem; font-weight: 600; color: #1f2a44; letter-spacing: .01em; }
.sk-help { font-size: 0.78rem; color: #5b6478; line-height: 1.25rem; }
.sk-note { font-size: 0.78rem; color: #6b5100; background: #fff7e0; border-radius: 6px; padding: 6px 10px; }
.sk-kv-key { color: #5b6478; font-size: 0.8rem; min-width: 150px; }
.sk-kv-value { color: #111827; font-size: 0.85rem; font-weight: 500; }
.sk-mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.82rem; }
.sk-field-error { margin-top: -4px; }
.q-stepper__tab { padding: 12px 18px !important; }
.q-table th { font-weight: 600; color: #374151; }
.sk-header a { color: white; text-decoration: none; }
"""

STATUS_COLOURS = {
    "active": "positive",
    "launching": "info",
    "resuming": "info",
    "recycling": "info",
    "recovering": "warning",
    "pausing": "grey-7",
    "paused": "grey-6",
    "stopped": "grey-8",
    "importing": "info",
    "deleting": "negative",
    "deleted": "grey-5",
    "error": "negative",
}
HEALTH_COLOURS = {"HEALTHY": "positive", "UNHEALTHY": "negative", "UNKNOWN": "grey-6"}


def apply_theme() -> None:
    ui.colors(
        primary="#3451b2",
        secondary="#0f766e",
        accent="#7c3aed",
        positive="#15803d",
        negative="#b91c1c",
        warning="#b45309",
        info="#0369a1",
    )
    ui.add_css(_CSS)


@contextmanager
def frame(viewer: Viewer | None, *, title: str) -> Iterator[ui.column]:
    """The page chrome; yields the content column."""
    apply_theme()
    ui.page_title(f"{title} · {BRAND}")
    with ui.header().classes("items-center bg-primary text-white sk-header px-6 py-2 shadow-sm"):
        with ui.link(target="/").classes("row items-center gap-2 no-wrap"):
            ui.icon("dns", size="26px")
            ui.label(BRAND).classes("text-lg font-semibold tracking-wide")
        if viewer is not None:
            with ui.row().classes("gap-1 ml-6"):
                ui.button("Stateful nodes", icon="view_list", on_click=lambda: ui.navigate.to("/")).props(
                    "flat no-caps color=white"
                )
                ui.button(
                    "Create node", icon="add_circle_outline", on_click=lambda: ui.navigate.to("/nodes/new")
                ).props("flat no-caps color=white")
        ui.space()
        if viewer is not None:
            with ui.row().classes("items-center gap-3"):
                ui.icon("account_circle", size="22px")
                ui.label(viewer.account_name).classes("text-sm")
                ui.button("Sign out", on_click=sign_out).props("flat dense no-caps color=white")
    with ui.column().classes("sk-page px-6 py-5 gap-4") as content:
        yield content


def sign_out() -> None:
    # The cookie is HttpOnly, so only the server can clear it: post to the session route.
    ui.run_javascript(
        "fetch('/console/session', {method: 'DELETE', credentials: 'same-origin'})"
        ".then(() => { window.location.href = '/sign-in'; })"
    )


def page_heading(text: str, *, subtitle: str | None = None) -> None:
    with ui.column().classes("gap-0"):
        ui.label(text).classes("text-2xl font-semibold text-grey-10")
        if subtitle:
            ui.label(subtitle).classes("text-sm text-grey-7")


def status_badge(status: str) -> ui.badge:
    colour = STATUS_COLOURS.get(status, "grey-6")
    return ui.badge(status.capitalize(), color=colour).props("rounded").classes("px-2 py-1 text-xs")


def health_badge(health: str) -> ui.badge:
    colour = HEALTH_COLOURS.get(health, "grey-6")
    return ui.badge(health.capitalize(), color=colour).props("outline rounded").classes("px-2 py-1 text-xs")


def lifecycle_label(lifecycle: str | None) -> str:
    return {"spot": "Spot", "od": "On-demand"}.get(lifecycle or "", "—")


def money(value: float | None, *, digits: int = 2) -> str:
    """Dollars; amounts under a dollar keep four decimals (a node minutes old costs cents)."""
    if value is None:
        return "—"
    if 0 < abs(value) < 1:
        digits = max(digits, 4)
    return f"${value:,.{digits}f}"


def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def dash(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


def key_values(pairs: list[tuple[str, str]]) -> None:
    """A two-column list of facts (label, value)."""
    with ui.grid(columns="auto 1fr").classes("gap-x-6 gap-y-1 items-baseline"):
        for key, value in pairs:
            ui.label(key).classes("sk-kv-key")
            ui.label(value).classes("sk-kv-value")


def section(title: str, *, help_text: str | None = None, icon: str | None = None) -> ui.card:
    """A white card with a title; use as a context manager."""
    card = ui.card().classes("sk-card w-full p-5 gap-3")
    with card:
        with ui.row().classes("items-center gap-2"):
            if icon:
                ui.icon(icon, size="20px").classes("text-primary")
            ui.label(title).classes("sk-section-title")
        if help_text:
            ui.label(help_text).classes("sk-help -mt-2")
    return card

"""The Stateful Nodes page (`/`): every node of the account, its state and savings, filters, actions.

The list refreshes itself every few seconds so a launch or a recovery is seen as it happens.
Filters (name, region, status, tag key and value) narrow the rows in place; actions (pause,
resume, recycle, delete) go to the service, which decides whether the node's state allows them.
"""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from spotkeeper.console.actions import confirm_state_change, delete_dialog, import_dialog
from spotkeeper.console.backend import ConsoleBackend, Refused
from spotkeeper.console.layout import STATUS_COLOURS, lifecycle_label, page_heading
from spotkeeper.console.views import NodeRow, Viewer

REFRESH_S = 3.0
COLUMNS: list[dict[str, Any]] = [
    {"name": "name", "label": "Name", "field": "name", "align": "left", "sortable": True},
    {"name": "status", "label": "Status", "field": "status", "align": "left", "sortable": True},
    {"name": "size", "label": "VM Size", "field": "size", "align": "left", "sortable": True},
    {"name": "lifecycle", "label": "Lifecycle", "field": "lifecycle", "align": "left"},
    {"name": "zone", "label": "Zone", "field": "zone", "align": "left"},
    {"name": "private_ip", "label": "Private IP", "field": "private_ip", "align": "left"},
    {"name": "public_ip", "label": "Public IP", "field": "public_ip", "align": "left"},
    {
        "name": "savings",
        "label": "Savings to date",
        "field": "savings",
        "sortable": True,
        ":format": "v => '$' + v.toFixed(Math.abs(v) > 0 && Math.abs(v) < 1 ? 4 : 2)",
    },
    {"name": "actions", "label": "", "field": "id", "align": "right"},
]
_NAME_SLOT = r"""
<q-td :props="props">
  <a :href="'/nodes/' + props.row.id" class="text-primary font-medium" style="text-decoration: none">
    {{ props.row.name }}</a>
  <div class="text-xs text-grey-6">{{ props.row.id }} · {{ props.row.region }}</div>
</q-td>
"""
_STATUS_SLOT = r"""
<q-td :props="props">
  <q-badge rounded :color="props.row.colour" class="px-2 py-1">{{ props.row.status_label }}</q-badge>
  <q-badge v-if="props.row.health == 'UNHEALTHY'" rounded outline color="negative" class="ml-1">
    unhealthy</q-badge>
</q-td>
"""
_ACTIONS_SLOT = (
    '<q-td :props="props">'
    + "".join(
        f"""
  <q-btn flat dense round icon="{icon}" :aria-label="'{label} ' + props.row.name" color="{colour}"
    @click="() => $parent.$emit('act', {{id: props.row.id, action: '{action}'}})">
    <q-tooltip>{label}</q-tooltip></q-btn>"""
        for action, label, icon, colour in (
            ("pause", "Pause", "pause", "grey-8"),
            ("resume", "Resume", "play_arrow", "grey-8"),
            ("recycle", "Recycle", "autorenew", "grey-8"),
            ("delete", "Delete", "delete_outline", "negative"),
        )
    )
    + "</q-td>"
)


def nodes_page(backend: ConsoleBackend, viewer: Viewer) -> None:
    with ui.row().classes("w-full items-end"):
        page_heading(
            "Stateful Nodes", subtitle="Long-lived VMs on Spot capacity, kept alive across evictions."
        )
        ui.space()
        ui.button("Import VM", icon="input", on_click=lambda: import_dialog(backend, viewer)).props(
            "outline no-caps"
        )
        ui.button("Create node", icon="add", on_click=lambda: ui.navigate.to("/nodes/new")).props(
            "unelevated no-caps"
        )

    totals = ui.row().classes("w-full gap-4")
    filters: dict[str, Any] = {"name": "", "region": None, "status": None, "tag_key": "", "tag_value": ""}
    with ui.card().classes("sk-card w-full p-4 gap-3"):
        with ui.row().classes("w-full items-center gap-3"):
            ui.input("Filter by name", on_change=lambda e: _set(filters, "name", e.value, refresh)).props(
                "outlined dense clearable"
            ).classes("w-56")
            region = ui.select(
                [],
                label="Region",
                clearable=True,
                on_change=lambda e: _set(filters, "region", e.value, refresh),
            )
            region.props("outlined dense").classes("w-44")
            status = ui.select(
                sorted(STATUS_COLOURS),
                label="Status",
                clearable=True,
                on_change=lambda e: _set(filters, "status", e.value, refresh),
            )
            status.props("outlined dense").classes("w-44")
            ui.input("Tag key", on_change=lambda e: _set(filters, "tag_key", e.value, refresh)).props(
                "outlined dense clearable"
            ).classes("w-40")
            ui.input("Tag value", on_change=lambda e: _set(filters, "tag_value", e.value, refresh)).props(
                "outlined dense clearable"
            ).classes("w-40")
        table = ui.table(columns=COLUMNS, rows=[], row_key="id", pagination={"rowsPerPage": 15})
        table.props("flat bordered").classes("w-full")
        table.add_slot("body-cell-name", _NAME_SLOT)
        table.add_slot("body-cell-status", _STATUS_SLOT)
        table.add_slot("body-cell-actions", _ACTIONS_SLOT)
        with table.add_slot("no-data"), ui.row().classes("w-full justify-center items-center gap-2 py-6"):
            ui.icon("dns", size="28px").classes("text-grey-5")
            ui.label("No stateful nodes yet.").classes("text-grey-7")
            ui.link("Create one", "/nodes/new")

    known: dict[str, NodeRow] = {}

    def refresh() -> None:
        try:
            rows = backend.list_nodes(viewer)
        except Refused as refusal:
            ui.notify(refusal.message, type="negative")
            return
        known.clear()
        known.update({r.id: r for r in rows})
        region.set_options(
            sorted({r.region for r in rows} | ({filters["region"]} if filters["region"] else set()))
        )
        shown = [r for r in rows if _matches(r, filters)]
        table.rows = [_row(r) for r in shown]
        table.update()
        _totals(totals, rows)

    def act(event: events.GenericEventArguments) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        row = known.get(str(args.get("id")))
        if row is None:
            return
        action = str(args.get("action"))
        if action == "delete":
            delete_dialog(backend, viewer, row.id, row.name, after=refresh)
        elif action in ("pause", "resume", "recycle"):
            confirm_state_change(backend, viewer, row.id, row.name, action, after=refresh)  # type: ignore[arg-type]

    table.on("act", act)
    refresh()
    ui.timer(REFRESH_S, refresh)


def _set(filters: dict[str, Any], key: str, value: Any, refresh: Any) -> None:
    filters[key] = value or ("" if key in ("name", "tag_key", "tag_value") else None)
    refresh()


def _matches(row: NodeRow, filters: dict[str, Any]) -> bool:
    name = str(filters["name"] or "").strip().lower()
    if name and name not in row.name.lower() and name not in row.id:
        return False
    if filters["region"] and row.region != filters["region"]:
        return False
    if filters["status"] and row.status != filters["status"]:
        return False
    key = str(filters["tag_key"] or "").strip()
    value = str(filters["tag_value"] or "").strip()
    if key and key not in row.tags:
        return False
    return not value or (row.tags.get(key) == value if key else value in row.tags.values())


def _row(row: NodeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "region": row.region,
        "status": row.status,
        "status_label": row.status.capitalize(),
        "colour": STATUS_COLOURS.get(row.status, "grey-6"),
        "health": row.health,
        "size": row.vm_size or "—",
        "lifecycle": lifecycle_label(row.lifecycle),
        "zone": row.zone or "—",
        "private_ip": row.private_ip or "—",
        "public_ip": row.public_ip or "—",
        "savings": row.savings_usd,
    }


def _totals(container: ui.row, rows: list[NodeRow]) -> None:
    container.clear()
    running = sum(1 for r in rows if r.status == "active")
    on_spot = sum(1 for r in rows if r.status == "active" and r.lifecycle == "spot")
    saved = sum(r.savings_usd for r in rows)
    with container:
        for label, value, icon in (
            ("Nodes", str(len(rows)), "dns"),
            ("Running", str(running), "play_circle"),
            ("On Spot", str(on_spot), "bolt"),
            ("Saved to date", f"${saved:,.2f}", "savings"),
        ):
            with ui.card().classes("sk-card px-5 py-3 gap-0 min-w-[170px]"):
                with ui.row().classes("items-center gap-2 text-grey-7"):
                    ui.icon(icon, size="18px")
                    ui.label(label).classes("text-xs uppercase tracking-wide")
                ui.label(value).classes("text-2xl font-semibold text-grey-10")

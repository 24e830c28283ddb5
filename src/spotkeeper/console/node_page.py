"""The node page (`/nodes/{id}`): status and health, resources, live event log, cost over time, actions.

Everything on it refreshes on a timer, so an eviction drill can be watched end to end: the
status turns to recovering, the log tells what the engine does, and the node comes back with
the same IPs. The cost chart sets what the node has cost against what the same hours would have
cost on-demand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from nicegui import ui

from spotkeeper.console.actions import (
    attach_disk_dialog,
    confirm_state_change,
    delete_dialog,
    detach_disk_dialog,
    run_action,
)
from spotkeeper.console.backend import ConsoleBackend, Refused
from spotkeeper.console.layout import (
    health_badge,
    key_values,
    lifecycle_label,
    money,
    section,
    status_badge,
    when,
)
from spotkeeper.console.views import CostSummary, LogLine, NodeDetail, NodeResources, Viewer

REFRESH_S = 2.0
COST_REFRESH_S = 6.0
SEVERITY_COLOURS = {"ERROR": "negative", "WARN": "warning", "INFO": "info", "DEBUG": "grey-6"}


def node_page(backend: ConsoleBackend, viewer: Viewer, node_id: str) -> None:
    try:
        detail = backend.node(viewer, node_id)
    except Refused as refusal:
        with ui.column().classes("items-center w-full gap-3 py-16"):
            ui.icon("search_off", size="48px").classes("text-grey-5")
            ui.label(refusal.message).classes("text-lg text-grey-8")
            ui.link("Back to the node list", "/")
        return
    _NodePage(backend, viewer, detail).build()


class _NodePage:
    def __init__(self, backend: ConsoleBackend, viewer: Viewer, detail: NodeDetail) -> None:
        self.backend = backend
        self.viewer = viewer
        self.detail = detail
        # Built by `build`; the refresh methods fill them in place.
        self.header: ui.row | None = None
        self.overview: ui.column | None = None
        self.resources: ui.column | None = None
        self.cost_facts: ui.row | None = None
        self.chart: ui.echart | None = None
        self.log_table: ui.table | None = None
        self.timers: list[ui.timer] = []
        self.dialogs: ui.element | None = None  # dialogs live here, outside the redrawn sections
        self._shown_detail: NodeDetail | None = None
        self._shown_resources: NodeResources | None = None
        self._shown_log: list[LogLine] | None = None

    @property
    def node_id(self) -> str:
        return self.detail.id

    def build(self) -> None:
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            ui.button(icon="arrow_back", on_click=lambda: ui.navigate.to("/")).props(
                "flat round dense aria-label='Back to the node list'"
            )
            self.header = ui.row().classes("items-center gap-3 no-wrap")
            ui.space()
            self._actions()
        with ui.grid(columns="minmax(0, 1fr) minmax(0, 1fr)").classes("w-full gap-4"):
            with section("Status", icon="monitor_heart"):
                self.overview = ui.column().classes("w-full gap-2")
            with section(
                "Cost over time",
                icon="savings",
                help_text="What this node has cost, against the same hours on-demand.",
            ):
                self.cost_facts = ui.row().classes("w-full gap-6")
                self.chart = ui.echart(_chart_options()).classes("w-full h-64")
        with section(
            "Resources",
            icon="inventory_2",
            help_text="Disks, network interfaces and IPs the node keeps across VM replacements "
            "as its persistence settings say.",
        ):
            self.resources = ui.column().classes("w-full gap-3")
        with section("Events", icon="history", help_text="What happened to the node, newest first (live)."):
            columns = [
                {
                    "name": "time",
                    "label": "Time (UTC)",
                    "field": "time",
                    "align": "left",
                    "style": "white-space: nowrap",
                },
                {"name": "severity", "label": "Severity", "field": "severity", "align": "left"},
                {
                    "name": "message",
                    "label": "Message",
                    "field": "message",
                    "align": "left",
                    "style": "white-space: normal",
                },
            ]
            self.log_table = ui.table(columns=columns, rows=[], row_key="key", pagination={"rowsPerPage": 12})
            self.log_table.props("flat dense bordered").classes("w-full")
            self.log_table.add_slot(
                "body-cell-severity",
                r"""
<q-td :props="props"><q-badge outline :color="props.row.colour">{{ props.row.severity }}</q-badge></q-td>""",
            )
        self.dialogs = ui.element("div")
        self.refresh()
        self.refresh_costs()
        self.timers = [ui.timer(REFRESH_S, self.refresh), ui.timer(COST_REFRESH_S, self.refresh_costs)]

    # --- parts -----------------------------------------------------------------------------------
    def _actions(self) -> None:
        with ui.row().classes("items-center gap-2 no-wrap"):
            for action, icon in (("pause", "pause"), ("resume", "play_arrow"), ("recycle", "autorenew")):
                ui.button(
                    action.capitalize(),
                    icon=icon,
                    on_click=lambda _e, a=action: confirm_state_change(
                        self.backend, self.viewer, self.node_id, self.detail.name, a, after=self.refresh
                    ),
                ).props('outline no-caps dense padding="4px 12px"')
            ui.button("Simulate eviction", icon="bolt", on_click=self.simulate_eviction).props(
                'outline no-caps dense color=warning padding="4px 12px"'
            )
            ui.button(
                "Edit", icon="edit", on_click=lambda: ui.navigate.to(f"/nodes/{self.node_id}/edit")
            ).props('outline no-caps dense padding="4px 12px"')
            ui.button(
                "Delete",
                icon="delete_outline",
                on_click=lambda: delete_dialog(
                    self.backend, self.viewer, self.node_id, self.detail.name, after=self.refresh
                ),
            ).props('outline no-caps dense color=negative padding="4px 12px"')

    def simulate_eviction(self) -> None:
        run_action(
            lambda: self.backend.simulate_eviction(self.viewer, self.node_id),
            done="Azure will evict the VM after its 30-second notice; watch the node recover",
            after=self.refresh,
        )

    def refresh(self) -> None:
        try:
            self.detail = self.backend.node(self.viewer, self.node_id)
            resources = self.backend.resources(self.viewer, self.node_id)
            log = self.backend.log(self.viewer, self.node_id)
        except Refused as refusal:
            # The node is gone (deleted, or never existed for this account): stop watching it.
            for timer in self.timers:
                timer.cancel()
            if self.header is not None:
                self.header.clear()
                with self.header:
                    ui.icon("info", size="28px").classes("text-grey-6")
                    ui.label(refusal.message).classes("text-lg text-grey-8")
            return
        # Redraw only what changed: a redraw under the pointer would swallow a click.
        if self.detail != self._shown_detail:
            self._shown_detail = self.detail
            self._header()
            self._overview()
        if resources != self._shown_resources:
            self._shown_resources = resources
            self._resources(resources)
        if self.log_table is not None and log != self._shown_log:
            self._shown_log = log
            self.log_table.rows = [
                {
                    "key": f"{i}",
                    "time": line.time.strftime("%Y-%m-%d %H:%M:%S"),
                    "severity": line.severity,
                    "colour": SEVERITY_COLOURS.get(line.severity, "grey-6"),
                    "message": line.message,
                }
                for i, line in enumerate(log)
            ]
            self.log_table.update()

    def refresh_costs(self) -> None:
        try:
            costs = self.backend.costs(self.viewer, self.node_id)
        except Refused:
            return
        self._costs(costs)

    def _header(self) -> None:
        d = self.detail
        if self.header is None:
            return
        self.header.clear()
        with self.header:
            ui.icon("dns", size="32px").classes("text-primary")
            with ui.column().classes("gap-0"):
                ui.label(d.name).classes("text-2xl font-semibold text-grey-10")
                ui.label(f"{d.id} · {d.region} · {d.resource_group}").classes("text-sm text-grey-7")
            status_badge(d.status)
            health_badge(d.health)
            if d.lifecycle:
                ui.chip(
                    lifecycle_label(d.lifecycle), icon="bolt" if d.lifecycle == "spot" else "cloud"
                ).props("dense outline color=secondary")

    def _overview(self) -> None:
        d = self.detail
        if self.overview is None:
            return
        self.overview.clear()
        with self.overview:
            key_values(
                [
                    ("Status", d.status.capitalize()),
                    ("Health", d.health.capitalize()),
                    ("VM name", d.vm_name or "—"),
                    ("VM size", d.vm_size or "—"),
                    ("Lifecycle", lifecycle_label(d.lifecycle)),
                    ("Zone", d.zone or "Regional" if d.vm_name else "—"),
                    ("Private IP", d.private_ip or "—"),
                    ("Public IP", d.public_ip or "—"),
                    ("Created", when(d.created_at)),
                ]
            )
            if d.error_reason:
                with ui.row().classes("sk-note w-full gap-2 no-wrap"):
                    ui.icon("error_outline")
                    ui.label(d.error_reason)

    def _resources(self, found: NodeResources) -> None:
        if self.resources is None:
            return
        self.resources.clear()
        zone = self.detail.zone
        with self.resources:
            with ui.row().classes("w-full items-center"):
                ui.label("Disks").classes("sk-section-title")
                ui.space()
                ui.button(
                    "Attach data disk",
                    icon="add",
                    on_click=lambda: self._in_dialogs(attach_disk_dialog)(
                        self.backend,
                        self.viewer,
                        self.node_id,
                        resource_group=self.detail.resource_group,
                        zone=zone,
                        after=self.refresh,
                    ),
                ).props("flat dense no-caps")
            disk_rows = [
                {
                    "name": d.name,
                    "role": "OS disk" if d.role == "os" else f"Data disk (LUN {d.lun})",
                    "size": f"{d.size_gb} GiB" if d.size_gb else "—",
                    "sku": d.sku or "—",
                    "persistence": _persistence(d.persisted, d.persistence_mode),
                    "snapshot": d.last_snapshot or "—",
                    "role_key": d.role,
                    "group": d.resource_group,
                }
                for d in found.disks
            ]
            disks = (
                ui.table(
                    columns=[
                        {"name": "role", "label": "Role", "field": "role", "align": "left"},
                        {"name": "name", "label": "Name", "field": "name", "align": "left"},
                        {"name": "size", "label": "Size", "field": "size", "align": "left"},
                        {"name": "sku", "label": "Type", "field": "sku", "align": "left"},
                        {
                            "name": "persistence",
                            "label": "Persistence",
                            "field": "persistence",
                            "align": "left",
                        },
                        {
                            "name": "snapshot",
                            "label": "Latest snapshot",
                            "field": "snapshot",
                            "align": "left",
                        },
                        {"name": "detach", "label": "", "field": "name", "align": "right"},
                    ],
                    rows=disk_rows,
                    row_key="name",
                )
                .props("flat dense bordered hide-pagination")
                .classes("w-full")
            )
            disks.add_slot(
                "body-cell-detach",
                r"""
<q-td :props="props">
  <q-btn v-if="props.row.role_key == 'data'" flat dense no-caps icon="link_off" label="Detach"
    @click="() => $parent.$emit('detach', props.row)" />
</q-td>""",
            )
            disks.on("detach", lambda e: self._detach(e.args))
            ui.label("Network").classes("sk-section-title mt-2")
            nic_rows = [
                {
                    "name": n.name,
                    "primary": "Primary" if n.is_primary else "",
                    "subnet": n.subnet or "—",
                    "private_ip": n.private_ip or "—",
                    "public_ip": n.public_ip or "—",
                    "nsg": n.security_group or "—",
                    "persistence": "Kept (network persisted)" if n.persisted else "Replaced with the VM",
                }
                for n in found.nics
            ]
            ui.table(
                columns=[
                    {"name": "name", "label": "Network interface", "field": "name", "align": "left"},
                    {"name": "primary", "label": "", "field": "primary", "align": "left"},
                    {"name": "subnet", "label": "Subnet", "field": "subnet", "align": "left"},
                    {"name": "private_ip", "label": "Private IP", "field": "private_ip", "align": "left"},
                    {"name": "public_ip", "label": "Public IP", "field": "public_ip", "align": "left"},
                    {"name": "nsg", "label": "NSG", "field": "nsg", "align": "left"},
                    {"name": "persistence", "label": "Persistence", "field": "persistence", "align": "left"},
                ],
                rows=nic_rows,
                row_key="name",
            ).props("flat dense bordered hide-pagination").classes("w-full")
            if found.virtual_network:
                ui.label(f"Virtual network: {found.virtual_network}").classes("sk-help")

    def _in_dialogs(self, opener: Callable[..., None]) -> Callable[..., None]:
        """`opener` run with its dialog placed in the stable dialog host."""

        def run(*args: Any, **kwargs: Any) -> None:
            if self.dialogs is None:
                opener(*args, **kwargs)
                return
            with self.dialogs:
                opener(*args, **kwargs)

        return run

    def _detach(self, row: Any) -> None:
        if not isinstance(row, dict):
            return
        self._in_dialogs(detach_disk_dialog)(
            self.backend,
            self.viewer,
            self.node_id,
            disk_name=str(row.get("name")),
            resource_group=str(row.get("group") or self.detail.resource_group),
            after=self.refresh,
        )

    def _costs(self, costs: CostSummary) -> None:
        if self.cost_facts is None:
            return
        self.cost_facts.clear()
        with self.cost_facts:
            for label, value in (
                ("Cost to date", money(costs.actual_usd)),
                ("On-demand would be", money(costs.on_demand_usd)),
                ("Saved", f"{money(costs.savings_usd)} ({costs.savings_pct:.0f}%)"),
                ("Hours on Spot / on-demand", f"{costs.spot_hours:.2f} / {costs.od_hours:.2f}"),
            ):
                with ui.column().classes("gap-0"):
                    ui.label(label).classes("text-xs text-grey-7 uppercase tracking-wide")
                    ui.label(value).classes("text-lg font-semibold text-grey-10")
        if self.chart is not None:
            short = bool(costs.points) and costs.points[-1].time - costs.points[0].time <= timedelta(days=1)
            times = [p.time.strftime("%H:%M" if short else "%b %d %H:%M") for p in costs.points]
            self.chart.options["xAxis"]["data"] = times
            self.chart.options["series"][0]["data"] = [round(p.actual_usd, 4) for p in costs.points]
            self.chart.options["series"][1]["data"] = [round(p.on_demand_usd, 4) for p in costs.points]
            self.chart.update()


def _persistence(persisted: bool, mode: str | None) -> str:
    if not persisted:
        return "Replaced with the VM"
    return {"reattach": "Kept (reattach)", "onLaunch": "Kept (snapshot)"}.get(mode or "", "Kept")


def _chart_options() -> dict[str, Any]:
    return {
        "animation": False,  # redrawn every few seconds: an animation would replay each time
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["Actual cost", "On-demand equivalent"], "bottom": 0},
        "grid": {"left": 50, "right": 16, "top": 16, "bottom": 48},
        "xAxis": {
            "type": "category",
            "data": [],
            "boundaryGap": False,
            "axisLabel": {"hideOverlap": True, "fontSize": 10},
        },
        "yAxis": {"type": "value", "axisLabel": {"formatter": "${value}"}},
        "series": [
            {
                "name": "Actual cost",
                "type": "line",
                "data": [],
                "smooth": True,
                "showSymbol": False,
                "areaStyle": {"opacity": 0.15},
                "color": "#15803d",
            },
            {
                "name": "On-demand equivalent",
                "type": "line",
                "data": [],
                "smooth": True,
                "showSymbol": False,
                "lineStyle": {"type": "dashed"},
                "color": "#9ca3af",
            },
        ],
    }

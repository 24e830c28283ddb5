"""Step 2, Compute (second half): VM sizes — the seed's size table, Spot and On-Demand choices.

The table shows the seed's columns (VM Size, Type, vCPUs, Memory (GiB), Storage (GiB), Spot
Cost/Month) for the sizes the service says can run this image in this region with this security
type; the others sit under "Unsupported VM sizes" with the service's reasons. Manual mode picks
Spot sizes by selecting rows; attribute-based mode sets bounds and excludes sizes by clearing
them. Preferred Spot is a per-row checkbox; On-Demand sizes are a separate list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from nicegui import events, ui

from spotkeeper.console.layout import money, section
from spotkeeper.console.views import SizeChoice, SizeTable
from spotkeeper.console.wizard.inputs import help_text, number_input, select_input, widen_options
from spotkeeper.console.wizard.state import SECURITY, SIZES, WizardState

STEP = "Compute"
ATTRIBUTES = f"{SIZES}.spotSizeAttributes"
COLUMNS: list[dict[str, Any]] = [
    {"name": "name", "label": "VM Size", "field": "name", "sortable": True, "align": "left"},
    {"name": "type", "label": "Type", "field": "type", "sortable": True, "align": "left"},
    {"name": "vcpus", "label": "vCPUs", "field": "vcpus", "sortable": True},
    {"name": "memory", "label": "Memory (GiB)", "field": "memory", "sortable": True},
    {"name": "storage", "label": "Storage (GiB)", "field": "storage", "sortable": True},
    {
        "name": "spot",
        "label": "Spot Cost/Month",
        "field": "spot",
        "sortable": True,
        ":format": "v => v == null ? '—' : '$' + v.toFixed(2)",
    },
    {
        "name": "od",
        "label": "On-Demand Cost/Month",
        "field": "od",
        "sortable": True,
        ":format": "v => v == null ? '—' : '$' + v.toFixed(2)",
    },
    {"name": "preferred", "label": "Preferred Spot", "field": "preferred", "align": "center"},
]
DEFAULT_VISIBLE = ["name", "type", "vcpus", "memory", "storage", "spot", "preferred"]
_PREFERRED_SLOT = r"""
<q-td :props="props">
  <q-checkbox dense :model-value="props.row.preferred" :disable="!props.selected"
    :aria-label="'Preferred Spot ' + props.row.name"
    @update:model-value="v => $parent.$emit('preferred', {size: props.row.wire, value: v})" />
</q-td>
"""


def render_sizes(ws: WizardState) -> None:
    with section(
        "VM Sizes",
        icon="view_module",
        help_text="Select at least one Spot VM size and one On-Demand VM size. The more Spot sizes, "
        "the better the chance of finding Spot capacity.",
    ):
        mode = _mode(ws)
        toggle = ui.toggle({"attributes": "Attribute-based", "manual": "Manual"}, value=mode)
        toggle.props("no-caps unelevated toggle-color=primary")
        toggle.on_value_change(lambda e: _switch_mode(ws, e.value))
        grid = ui.column().classes("w-full gap-2")

        def draw_grid() -> None:
            # Only the table follows the bounds as they are typed; the inputs keep their focus.
            grid.clear()
            with grid:
                spot = _table(ws, lifecycle="spot")
                _size_grid(ws, spot, mode=mode)
                _unsupported(spot)

        if mode == "attributes":
            _attribute_bounds(ws, on_change=draw_grid)
            grid.move(target_index=-1)
        draw_grid()
        ui.separator()
        _on_demand(ws)


def _mode(ws: WizardState) -> str:
    chosen = ws.ui_state.get("size_mode")
    if chosen in ("attributes", "manual"):
        return str(chosen)
    return "attributes" if ws.get(ATTRIBUTES) is not None else "manual"


def _switch_mode(ws: WizardState, mode: str) -> None:
    ws.ui_state["size_mode"] = mode
    if mode == "attributes":
        ws.set(f"{SIZES}.spotSizes", None)
        ws.set(ATTRIBUTES, ws.get(ATTRIBUTES) or {"minCpu": 2, "maxCpu": 8})
    else:
        ws.set(ATTRIBUTES, None)
        ws.set(f"{SIZES}.excludedVmSizes", None)
        ws.set(f"{SIZES}.spotSizes", [])
    ws.redraw("sizes")


def _table(ws: WizardState, *, lifecycle: Literal["spot", "od"]) -> SizeTable:
    chosen = ws.chosen_image()
    attributes = ws.get(ATTRIBUTES) if lifecycle == "spot" and _mode(ws) == "attributes" else None
    try:
        return ws.backend.size_table(
            region=ws.region,
            os=ws.os,
            image=chosen,
            security_type=ws.get(f"{SECURITY}.securityType") or "Standard",
            attributes=dict(attributes) if isinstance(attributes, dict) else None,
            lifecycle=lifecycle,
        )
    except Exception as error:  # bad bounds typed in: the field error says why
        help_text(f"Sizes cannot be listed: {error}")
        return SizeTable(supported=[], unsupported=[])


def _attribute_bounds(ws: WizardState, *, on_change: Callable[[], None]) -> None:
    with ui.grid(columns=6).classes("w-full gap-x-3 gap-y-2"):
        for key, label, suffix in (
            ("minCpu", "Min vCPUs", None),
            ("maxCpu", "Max vCPUs", None),
            ("minMemory", "Min memory", "GiB"),
            ("maxMemory", "Max memory", "GiB"),
            ("minStorage", "Min storage", "GiB"),
            ("maxStorage", "Max storage", "GiB"),
        ):
            number_input(
                ws,
                label,
                f"{ATTRIBUTES}.{key}",
                step=STEP,
                minimum=0,
                suffix=suffix,
                on_change=lambda _v: on_change(),
            )
    help_text(
        "Every supported size within these bounds is a Spot candidate; clear a row's checkbox to "
        "exclude that size."
    )


def _rows(sizes: list[SizeChoice], preferred: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "wire": s.wire_name,
            "type": s.size_type,
            "vcpus": s.vcpus,
            "memory": s.memory_gib,
            "storage": s.storage_gib,
            "spot": s.spot_month_usd,
            "od": s.od_month_usd,
            "preferred": s.wire_name in preferred,
        }
        for s in sizes
    ]


def _size_grid(ws: WizardState, table_data: SizeTable, *, mode: str) -> None:
    preferred = {p.lower() for p in ws.get(f"{SIZES}.preferredSpotSizes") or []}
    rows = _rows(table_data.supported, preferred)
    if mode == "manual":
        chosen = {s.lower() for s in ws.get(f"{SIZES}.spotSizes") or []}
    else:
        excluded = {s.lower() for s in ws.get(f"{SIZES}.excludedVmSizes") or []}
        chosen = {r["wire"] for r in rows if r["wire"] not in excluded}
    with ui.row().classes("w-full items-center gap-2"):
        title = "Spot VM sizes" if mode == "manual" else "Matching VM sizes"
        ui.label(title).classes("sk-section-title")
        summary = ui.row().classes("items-center gap-1")
        ui.space()
        search = ui.input(placeholder="Search sizes").props("outlined dense clearable").classes("w-56")
        search.props("aria-label='Search sizes'")
        columns_button = ui.button(icon="view_column").props("flat round dense").tooltip("Columns")
    table = ui.table(
        columns=COLUMNS,
        rows=rows,
        row_key="wire",
        selection="multiple",
        pagination={"rowsPerPage": 8, "sortBy": "spot"},
    )
    table.props("flat bordered dense").classes("w-full")
    table.props["visible-columns"] = list(DEFAULT_VISIBLE)
    table.selected = [r for r in rows if r["wire"] in chosen]
    table.add_slot("body-cell-preferred", _PREFERRED_SLOT)
    search.bind_value_to(table, "filter")
    with columns_button, ui.menu().props("auto-close=false"):
        for column in COLUMNS:
            ui.checkbox(
                column["label"],
                value=column["name"] in DEFAULT_VISIBLE,
                on_change=lambda e, name=column["name"]: _toggle_column(table, name, e),
            ).props("dense")

    def selected(_event: events.TableSelectionEventArguments) -> None:
        names = sorted({r["wire"] for r in table.selected})
        if mode == "manual":
            ws.set(f"{SIZES}.spotSizes", names)
        else:
            ws.set(f"{SIZES}.excludedVmSizes", sorted({r["wire"] for r in rows} - set(names)) or None)
        kept = [p for p in ws.get(f"{SIZES}.preferredSpotSizes") or [] if p.lower() in names]
        if kept != (ws.get(f"{SIZES}.preferredSpotSizes") or []):
            ws.set(f"{SIZES}.preferredSpotSizes", kept or None)
            for row in table.rows:
                row["preferred"] = row["wire"] in kept
            table.update()
        summarize()

    def prefer(event: events.GenericEventArguments) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        size, value = str(args.get("size", "")), bool(args.get("value"))
        current = [p for p in ws.get(f"{SIZES}.preferredSpotSizes") or [] if p.lower() != size]
        if value:
            current.append(size)
        ws.set(f"{SIZES}.preferredSpotSizes", sorted(current) or None)
        for row in table.rows:
            if row["wire"] == size:
                row["preferred"] = value
        table.update()
        summarize()

    def summarize() -> None:
        picked = sorted(r["wire"] for r in table.selected)
        stars = {p.lower() for p in ws.get(f"{SIZES}.preferredSpotSizes") or []}
        summary.clear()
        with summary:
            ui.badge(f"{len(picked)} selected", color="primary").props("rounded")
            if mode == "manual":
                for name in picked:
                    label = f"{name} ★" if name in stars else name
                    ui.chip(label).props("dense outline color=primary")

    table.on_select(selected)
    table.on("preferred", prefer)
    ws.board.bind(f"{SIZES}.spotSizes" if mode == "manual" else ATTRIBUTES, table, step=STEP, note=True)
    ws.board.bind(f"{SIZES}.preferredSpotSizes", ui.element("div"), step=STEP, note=True)
    ws.board.bind(f"{SIZES}.excludedVmSizes", ui.element("div"), step=STEP, note=True)
    summarize()


def _toggle_column(table: ui.table, name: str, event: events.ValueChangeEventArguments[Any]) -> None:
    visible = [c for c in table.props.get("visible-columns", []) if c != name]
    if event.value:
        visible.append(name)
    table.props["visible-columns"] = visible
    table.update()


def _unsupported(table_data: SizeTable) -> None:
    if not table_data.unsupported:
        return
    with ui.expansion(f"Unsupported VM sizes ({len(table_data.unsupported)})", icon="block").classes(
        "w-full border rounded"
    ):
        help_text("These sizes cannot run this node as configured (image, region, security type):")
        rows = [
            {"name": s.name, "type": s.size_type, "reasons": "; ".join(s.reasons)}
            for s in table_data.unsupported
        ]
        columns: list[dict[str, Any]] = [
            {"name": "name", "label": "VM Size", "field": "name", "align": "left", "sortable": True},
            {"name": "type", "label": "Type", "field": "type", "align": "left"},
            {
                "name": "reasons",
                "label": "Why it is not available",
                "field": "reasons",
                "align": "left",
                "style": "white-space: normal",
            },
        ]
        ui.table(columns=columns, rows=rows, row_key="name", pagination=6).props("flat dense").classes(
            "w-full"
        )


def _on_demand(ws: WizardState) -> None:
    ui.label("On-Demand").classes("sk-section-title")
    help_text(
        "At least one on-demand size: used when on-demand is the preferred lifecycle, and as the "
        "fallback when no Spot size is available."
    )
    od = _table(ws, lifecycle="od")
    options: dict[Any, str] = {
        s.wire_name: f"{s.name} · {s.vcpus} vCPU · {s.memory_gib:g} GiB · {money(s.od_month_usd)}/month"
        for s in od.supported
    }
    current = ws.get(f"{SIZES}.odSizes") or []
    element = select_input(
        ws,
        "On-Demand VM sizes",
        f"{SIZES}.odSizes",
        widen_options(options, current),
        step=STEP,
        multiple=True,
    )
    element.props("use-input input-debounce=0").classes("w-full")

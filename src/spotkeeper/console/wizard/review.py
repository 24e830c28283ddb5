"""Step 5, Review: Summary, JSON and Terraform views of the node, and the Create button.

The three views show the one draft. The JSON and Terraform views are read-only until Edit mode
is switched on; "Apply" sends the edited text through the service (Terraform is read by the
service's HCL reader, both are validated) and the draft becomes what was applied, so the
Summary and every step follow. Problems that block Create are listed with a link to their field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from spotkeeper.console.backend import Refused
from spotkeeper.console.draft import get_at, prune_empty
from spotkeeper.console.fields import sentence
from spotkeeper.console.layout import key_values
from spotkeeper.console.views import FieldProblem
from spotkeeper.console.wizard.networking import HEALTH_CHECKS
from spotkeeper.console.wizard.state import IMAGE, LAUNCH, LOGIN, NETWORK, SIZES, STEPS, WizardState


def render_review(ws: WizardState, *, submit: Callable[[], Any]) -> None:
    _problems(ws)
    with ui.tabs().classes("w-full text-primary").props("align=left no-caps inline-label") as tabs:
        summary_tab = ui.tab("Summary", icon="summarize")
        json_tab = ui.tab("JSON", icon="data_object")
        terraform_tab = ui.tab("Terraform", icon="terminal")
    with ui.tab_panels(tabs, value=summary_tab).classes("w-full bg-transparent"):
        with ui.tab_panel(summary_tab).classes("p-0"):
            _summary(ws)
        with ui.tab_panel(json_tab).classes("p-0"):
            _json_view(ws)
        with ui.tab_panel(terraform_tab).classes("p-0"):
            _terraform_view(ws)
    with ui.row().classes("w-full justify-end gap-2 mt-2"):
        ui.button("Back", on_click=lambda: ws.goto("Advanced")).props("flat no-caps")
        label = "Save changes" if ws.editing else "Create"
        button = ui.button(label, icon="check", on_click=submit).props("unelevated no-caps")
        button.classes("px-6")
        if not ws.report.valid:
            button.disable()
            button.tooltip("Fix the problems listed above first")
        if ws.editing and "" in ws.board.locks:
            button.disable()


def _problems(ws: WizardState) -> None:
    errors, warnings = ws.report.errors, ws.report.warnings
    if not errors:
        with ui.row().classes("items-center gap-2 text-positive"):
            ui.icon("task_alt")
            ui.label("The changes are valid." if ws.editing else "The node is valid.")
    else:
        plural = "s" if len(errors) > 1 else ""
        what = "saving" if ws.editing else "creating the node"
        _problem_list(
            ws, errors, title=f"{len(errors)} problem{plural} to fix before {what}", colour="negative"
        )
    if warnings:
        plural = "s" if len(warnings) > 1 else ""
        _problem_list(ws, warnings, title=f"{len(warnings)} warning{plural}", colour="warning")


def _problem_list(ws: WizardState, problems: list[FieldProblem], *, title: str, colour: str) -> None:
    with ui.card().classes(f"w-full p-4 gap-1 border-l-4 border-{colour}").props("flat bordered"):
        with ui.row().classes(f"items-center gap-2 text-{colour}"):
            ui.icon("error_outline" if colour == "negative" else "warning_amber")
            ui.label(title).classes("font-medium")
        for problem in problems:
            step = ws.board.step_of(problem.field) if problem.field else None
            with ui.row().classes("items-baseline gap-2 no-wrap w-full"):
                ui.label(sentence(problem.message)).classes("text-sm")
                if problem.field:
                    ui.label(problem.field).classes("sk-mono text-grey-6 text-xs")
                if step is not None and step != "Review":
                    ui.link(f"Go to {step}").classes("text-xs cursor-pointer").on(
                        "click", lambda _e, s=step: ws.goto(s)
                    )


# --- summary -------------------------------------------------------------------------------------


def _summary(ws: WizardState) -> None:
    d = ws.draft
    sections: dict[str, list[tuple[str, str]]] = {
        "Basics": [
            ("Name", _text(d.get("name"))),
            ("Description", _text(d.get("description"))),
            ("Region", _text(d.get("region"))),
            ("Resource Group", _text(d.get("resourceGroupName"))),
            ("Availability Zones", ", ".join(get_at(d, "compute.zones") or []) or "Regional"),
            ("VM Prefix Name", _text(get_at(d, f"{LAUNCH}.vmNamePrefix"))),
            ("Persist OS disk", _persist(d, "OsDisk", "osDiskPersistenceMode")),
            ("Persist data disks", _persist(d, "DataDisks", "dataDisksPersistenceMode")),
            ("Persist network", "Yes" if get_at(d, "persistence.shouldPersistNetwork") else "No"),
        ],
        "Compute": [
            ("Image", _image(d)),
            ("OS", _text(get_at(d, "compute.os"))),
            ("Persisted VM name", _text(get_at(d, f"{LAUNCH}.vmName"))),
            ("Security type", _text(get_at(d, f"{LAUNCH}.security.securityType"))),
            ("Login", _login(d)),
            ("Spot sizes", _spot_sizes(d)),
            ("Preferred Spot", ", ".join(get_at(d, f"{SIZES}.preferredSpotSizes") or []) or "—"),
            ("On-Demand sizes", ", ".join(get_at(d, f"{SIZES}.odSizes") or []) or "—"),
            ("OS disk", _os_disk(d)),
            ("Data disks", _data_disks(d)),
            ("Draining timeout", f"{get_at(d, 'strategy.drainingTimeout', '—')} s"),
            ("Fallback to On-Demand", "Yes" if get_at(d, "strategy.fallbackToOd") else "No"),
            ("Continuous optimization", _revert(d)),
            ("Cluster orientation", _orientation(get_at(d, "strategy.availabilityVsCost"))),
            ("Capacity reservation", _crg(d)),
        ],
        "Networking": [
            ("Virtual Network", _vnet(d)),
            *[
                (f"Interface {i + 1}", _nic(nic))
                for i, nic in enumerate(get_at(d, f"{NETWORK}.networkInterfaces") or [])
            ],
            (
                "Load balancers",
                ", ".join(
                    b.get("name", "?") for b in get_at(d, f"{LAUNCH}.loadBalancersConfig.loadBalancers") or []
                )
                or "—",
            ),
            (
                "Health checks",
                ", ".join(HEALTH_CHECKS.get(c, c) for c in get_at(d, "health.healthCheckTypes") or []) or "—",
            ),
            ("Auto healing", "On" if get_at(d, "health.autoHealing") else "Off"),
        ],
        "Advanced": [
            ("Scheduling", _tasks(ws)),
            ("User Data", _size_of(get_at(d, f"{LAUNCH}.userData"))),
            ("Custom Data", _size_of(get_at(d, f"{LAUNCH}.customData"))),
            (
                "Extensions",
                ", ".join(e.get("name", "?") for e in get_at(d, f"{LAUNCH}.extensions") or []) or "—",
            ),
            ("Shutdown Script", _size_of(get_at(d, f"{LAUNCH}.shutdownScript"))),
            (
                "Tags",
                ", ".join(
                    f"{t.get('tagKey')}={t.get('tagValue', '')}" for t in get_at(d, f"{LAUNCH}.tags") or []
                )
                or "—",
            ),
        ],
    }
    with ui.grid(columns=2).classes("w-full gap-4"):
        for step, pairs in sections.items():
            with ui.card().classes("sk-card p-4 gap-2"):
                with ui.row().classes("w-full items-center"):
                    ui.label(step).classes("sk-section-title")
                    count = ws.board.errors_by_step.get(step, 0)
                    if count:
                        ui.badge(f"{count} to fix", color="negative").props("rounded")
                    ui.space()
                    ui.button("Edit", icon="edit", on_click=lambda _e, s=step: ws.goto(s)).props(
                        f"flat dense no-caps aria-label='Edit {step}'"
                    )
                key_values(pairs)


def _text(value: Any) -> str:
    return "—" if value in (None, "", []) else str(value)


def _persist(d: dict[str, Any], what: str, mode_key: str) -> str:
    if not get_at(d, f"persistence.shouldPersist{what}"):
        return "No"
    mode = get_at(d, f"persistence.{mode_key}")
    return {"reattach": "Yes (reattach)", "onLaunch": "Yes (snapshot)"}.get(str(mode), "Yes")


def _image(d: dict[str, Any]) -> str:
    image = get_at(d, IMAGE) or {}
    if "marketplace" in image:
        m = image["marketplace"] or {}
        if not m.get("publisher"):
            return "—"
        return (
            f"Marketplace {m.get('publisher', '?')} / {m.get('offer', '?')} / {m.get('sku', '?')} "
            f"({m.get('version', 'latest')})"
        )
    if "custom" in image:
        c = image["custom"] or {}
        return f"Custom {c.get('name', '?')} ({c.get('resourceGroupName', '?')})"
    if "gallery" in image:
        g = image["gallery"] or {}
        return (
            f"Shared {g.get('galleryName', '?')}/{g.get('imageName', '?')} {g.get('versionName', 'latest')} "
            f"({g.get('resourceGroupName', '?')})"
        )
    return "—"


def _login(d: dict[str, Any]) -> str:
    user = get_at(d, f"{LOGIN}.userName")
    if not user:
        return "—"
    how = "SSH key" if get_at(d, f"{LOGIN}.sshPublicKey") else "password"
    return f"{user} ({how})"


def _spot_sizes(d: dict[str, Any]) -> str:
    attributes = get_at(d, f"{SIZES}.spotSizeAttributes")
    if isinstance(attributes, dict):
        bounds = ", ".join(f"{k} {v}" for k, v in attributes.items() if v is not None)
        excluded = get_at(d, f"{SIZES}.excludedVmSizes") or []
        return f"By attributes ({bounds or 'any'})" + (
            f", excluding {', '.join(excluded)}" if excluded else ""
        )
    return ", ".join(get_at(d, f"{SIZES}.spotSizes") or []) or "—"


def _os_disk(d: dict[str, Any]) -> str:
    disk = get_at(d, f"{LAUNCH}.osDisk") or {}
    return f"{disk.get('type', '?')}, {disk.get('sizeGB', 'image default')} GiB" if disk else "Image default"


def _data_disks(d: dict[str, Any]) -> str:
    disks = get_at(d, f"{LAUNCH}.dataDisks") or []
    return ", ".join(f"LUN {x.get('lun')}: {x.get('sizeGB')} GiB {x.get('type')}" for x in disks) or "None"


def _revert(d: dict[str, Any]) -> str:
    perform_at = get_at(d, "strategy.revertToSpot.performAt") or "always"
    if perform_at == "timeWindow":
        return "Custom windows: " + ", ".join(get_at(d, "strategy.optimizationWindows") or [])
    return {"always": "Once available", "never": "Never"}.get(perform_at, perform_at)


def _orientation(value: Any) -> str:
    return {100: "Availability", 0: "Cost", None: "—"}.get(value, f"Custom ({value})")


def _crg(d: dict[str, Any]) -> str:
    crg = get_at(d, "strategy.capacityReservation") or {}
    if not crg.get("shouldUtilize"):
        return "Not used"
    how = {"utilizeOverSpot": "over Spot", "utilizeOverOD": "over On-Demand"}.get(
        str(crg.get("utilizationStrategy")), ""
    )
    groups = crg.get("capacityReservationGroups")
    which = "automatic" if groups is None else ", ".join(g.get("name", "?") for g in groups)
    return f"Prioritized {how}, {which}"


def _vnet(d: dict[str, Any]) -> str:
    name = get_at(d, f"{NETWORK}.virtualNetworkName")
    return f"{name} ({get_at(d, f'{NETWORK}.resourceGroupName')})" if name else "—"


def _nic(nic: dict[str, Any]) -> str:
    parts = [f"subnet {nic.get('subnetName') or '?'}"]
    if nic.get("isPrimary"):
        parts.insert(0, "primary")
    if nic.get("networkSecurityGroup"):
        parts.append(f"NSG {nic['networkSecurityGroup'].get('name')}")
    if nic.get("applicationSecurityGroups"):
        parts.append("ASG " + ", ".join(a.get("name", "?") for a in nic["applicationSecurityGroups"]))
    if nic.get("assignPublicIp"):
        parts.append(f"public IP ({nic.get('publicIpSku', '?')})")
    return ", ".join(parts)


def _tasks(ws: WizardState) -> str:
    tasks = ws.get("scheduling.tasks") or []
    described = []
    for task in tasks:
        try:
            words = ws.backend.describe_cron(str(task.get("cronExpression", "")))
        except Refused:
            words = str(task.get("cronExpression"))
        state = "" if task.get("isEnabled", True) else " (disabled)"
        described.append(f"{str(task.get('type', '?')).capitalize()} {words}{state}")
    return "; ".join(described) or "—"


def _size_of(value: Any) -> str:
    return "—" if not value else f"set ({len(str(value))} characters, base64)"


# --- JSON and Terraform ----------------------------------------------------------------------------


def _json_view(ws: WizardState) -> None:
    text = json.dumps(prune_empty(ws.draft), indent=2)
    toolbar = ui.row().classes("w-full items-center gap-2")
    editor = ui.codemirror(text, language="JSON", line_wrapping=True).classes("w-full border rounded")
    editor.style("height: 460px")
    editor.props("aria-label='Node JSON'")
    editor.disable()
    with toolbar:
        _editor_toolbar(
            editor,
            filename=_filename(ws, "json"),
            media_type="application/json",
            apply=lambda: _apply_json(ws, editor.value),
        )
    ui.label(
        "Sections fold from the gutter. Edits apply to the node being "
        + ("edited" if ws.editing else "created")
        + " once you press Apply."
    ).classes("sk-help")


def _terraform_view(ws: WizardState) -> None:
    try:
        text = ws.backend.to_terraform(prune_empty(ws.draft))
    except Refused as refusal:
        text = f"# The node cannot be written as Terraform yet: {refusal.message}\n"
    toolbar = ui.row().classes("w-full items-center gap-2")
    editor = ui.codemirror(text, line_wrapping=True).classes("w-full border rounded")
    editor.style("height: 460px")
    editor.props("aria-label='Node Terraform'")
    editor.disable()
    with toolbar:
        _editor_toolbar(
            editor,
            filename=_filename(ws, "tf"),
            media_type="text/plain",
            apply=lambda: _apply_terraform(ws, editor.value),
        )
    ui.label("A spotinst_stateful_node_azure resource for the Spot Terraform provider.").classes("sk-help")


def _editor_toolbar(
    editor: ui.codemirror, *, filename: str, media_type: str, apply: Callable[[], None]
) -> None:
    """Edit mode, copy, export and apply, above a read-only editor."""
    edit = ui.switch("Edit mode")
    ui.space()
    ui.button("Copy", icon="content_copy", on_click=lambda: _copy(editor.value)).props("flat no-caps")
    ui.button(
        "Export", icon="download", on_click=lambda: ui.download.content(editor.value, filename, media_type)
    ).props("flat no-caps")
    button = ui.button("Apply", icon="check", on_click=apply).props("unelevated no-caps")
    button.bind_enabled_from(edit, "value")
    edit.on_value_change(lambda e: editor.enable() if e.value else editor.disable())


def _copy(text: str) -> None:
    ui.clipboard.write(text)
    ui.notify("Copied to the clipboard", type="positive")


def _filename(ws: WizardState, extension: str) -> str:
    name = str(ws.draft.get("name") or "stateful-node")
    return f"{name}.{extension}"


def _apply_json(ws: WizardState, text: str) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        ui.notify(
            f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}", type="negative"
        )
        return
    if isinstance(document, dict) and isinstance(document.get("statefulNode"), dict):
        document = document["statefulNode"]  # the API's request body, pasted whole
    if not isinstance(document, dict):
        ui.notify("The JSON must be a statefulNode object", type="negative")
        return
    _adopt(ws, document, source="JSON")


def _apply_terraform(ws: WizardState, text: str) -> None:
    try:
        document = ws.backend.from_terraform(text)
    except Refused as refusal:
        details = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in refusal.problems)
        ui.notify(
            f"The Terraform could not be read: {details or refusal.message}", type="negative", multi_line=True
        )
        return
    _adopt(ws, document, source="Terraform")


def _adopt(ws: WizardState, document: dict[str, Any], *, source: str) -> None:
    if ws.editing:
        for key in ("id", "createdAt", "updatedAt"):
            document.pop(key, None)
    report = ws.backend.validate(ws.viewer, document, node_id=ws.node_id)
    count = len(report.errors)
    # Notify before the steps are rebuilt: the button this runs under is rebuilt with them.
    if count:
        ui.notify(f"{source} applied; {count} problem{'s' if count > 1 else ''} to fix", type="warning")
    else:
        ui.notify(f"{source} applied; the node is valid", type="positive")
    ws.report = report  # the rebuilt Review shows this report at once
    ws.replace_draft(document)


__all__ = ["STEPS", "render_review"]

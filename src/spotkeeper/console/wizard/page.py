"""The wizard page: five steps around one draft, validated by the service as the user types.

Create (`/nodes/new`) starts from a blank node; edit (`/nodes/{id}/edit`) starts from the stored
node with the edit rules' locks applied (`locked_fields`: the inputs are disabled and say why).
The draft is validated through the service a moment after each change; errors appear beside
their inputs on the steps the user has reached, every step header counts its errors, and Create
(or Save) stays disabled until the service finds none.
"""

from __future__ import annotations

import copy
import json

from nicegui import ui

from spotkeeper.console.backend import ConsoleBackend, Refused
from spotkeeper.console.draft import is_under, patch_between, prune_empty
from spotkeeper.console.layout import page_heading, status_badge
from spotkeeper.console.views import AuthoringReport, FieldProblem, Viewer
from spotkeeper.console.wizard.advanced import render_advanced
from spotkeeper.console.wizard.basics import render_basics
from spotkeeper.console.wizard.compute import render_disks, render_image, render_security_login
from spotkeeper.console.wizard.networking import render_networking
from spotkeeper.console.wizard.review import render_review
from spotkeeper.console.wizard.sizes import render_sizes
from spotkeeper.console.wizard.state import STEPS, WizardState, blank_node
from spotkeeper.console.wizard.strategy import render_availability, render_strategy

VALIDATE_AFTER_S = 0.3
ICONS = {
    "Basics": "badge",
    "Compute": "memory",
    "Networking": "hub",
    "Advanced": "tune",
    "Review": "fact_check",
}
CAPTIONS = {
    "Basics": "Name, region, persistence",
    "Compute": "Image, login, sizes, strategy",
    "Networking": "Network, health checks",
    "Advanced": "Optional",
    "Review": "Summary, JSON, Terraform",
}


def wizard_page(backend: ConsoleBackend, viewer: Viewer, *, node_id: str | None = None) -> None:
    if node_id is None:
        ws = WizardState(backend=backend, viewer=viewer, mode="create", draft=blank_node("eastus"))
        page_heading(
            "Create a stateful node",
            subtitle="A long-lived VM on Spot capacity that keeps its disks, IPs and name when "
            "Azure evicts it.",
        )
    else:
        detail = backend.node(viewer, node_id)
        spec = {k: v for k, v in detail.spec.items() if k not in ("id", "createdAt", "updatedAt")}
        ws = WizardState(
            backend=backend,
            viewer=viewer,
            mode="edit",
            draft=copy.deepcopy(spec),
            node_id=node_id,
            original=copy.deepcopy(spec),
            status=detail.status,
        )
        ws.board.locks = backend.locked_fields(viewer, node_id)
        ws.revealed.update(STEPS)
        with ui.row().classes("items-center gap-3"):
            page_heading(f"Edit {detail.name}", subtitle=f"{detail.id} · {detail.region}")
            status_badge(detail.status)
        _lock_banner(ws)
    _Wizard(ws).build()


def _lock_banner(ws: WizardState) -> None:
    locks = ws.board.locks
    if "" in locks:
        with ui.row().classes("sk-note w-full items-center gap-2"):
            ui.icon("lock")
            ui.label(f"This node cannot be edited now: {locks['']}.")
        return
    persistent = sorted(
        {reason for path, reason in locks.items() if "persist" in reason and path.startswith("compute")}
    )
    if persistent:
        with ui.row().classes("sk-note w-full items-center gap-2 no-wrap"):
            ui.icon("lock")
            ui.label(
                "Some fields are locked by the node's persistence settings; each locked field says why. "
                "Changes to sizes and zones apply at the next launch; recycle the node to apply them now."
            )


class _Wizard:
    def __init__(self, ws: WizardState) -> None:
        self.ws = ws
        self.stepper: ui.stepper | None = None
        self.containers: dict[str, ui.column] = {}
        self.steps: dict[str, ui.step] = {}
        self.dirty = True
        # What the Review step shows was built from this draft and report; it is rebuilt only
        # when that changed, never under a person editing its JSON or Terraform.
        self.review_built_from: str | None = None
        ws.rebuild = self.rebuild
        ws.revalidate = self.mark_dirty
        ws.goto = self.goto
        ws.board.on_step_errors = self.mark_steps

    # --- layout ----------------------------------------------------------------------------------
    def build(self) -> None:
        with ui.stepper(value="Basics", on_value_change=lambda e: self.entered(str(e.value))) as stepper:
            stepper.props("header-nav flat animated").classes("w-full bg-transparent sk-stepper")
            self.stepper = stepper
            for index, name in enumerate(STEPS):
                with ui.step(name, icon=ICONS[name]) as step:
                    step.props(f'caption="{CAPTIONS[name]}"')
                    self.steps[name] = step
                    self.containers[name] = ui.column().classes("w-full gap-4")
                    if name != "Review":
                        self._navigation(index)
        for name in STEPS[:-1]:
            self.rebuild(name)  # Review is built when it is entered, from the draft as it is then
        ui.timer(VALIDATE_AFTER_S, self.validate_if_dirty)

    def _navigation(self, index: int) -> None:
        with ui.stepper_navigation().classes("w-full justify-end gap-2"):
            if index > 0:
                ui.button("Back", on_click=lambda: self.goto(STEPS[index - 1])).props("flat no-caps")
            ui.button("Next", on_click=lambda: self.goto(STEPS[index + 1])).props(
                "unelevated no-caps icon-right=arrow_forward"
            )

    def rebuild(self, step: str) -> None:
        container = self.containers.get(step)
        if container is None:
            return
        self.ws.board.forget_step(step)
        container.clear()
        with container:
            self._render(step)
        if step == "Review":
            self.review_built_from = self._review_stamp()
        self.mark_dirty()

    def _render(self, step: str) -> None:
        ws = self.ws
        if step == "Basics":
            render_basics(ws)
        elif step == "Compute":
            ws.part("image", render_image)
            ws.part("login", render_security_login)
            ws.part("disks", render_disks)
            ws.part("sizes", render_sizes)
            ws.part("availability", render_availability)
            ws.part("strategy", render_strategy)
        elif step == "Networking":
            render_networking(ws)
        elif step == "Advanced":
            render_advanced(ws)
        else:
            render_review(ws, submit=self.submit)

    # --- moving between steps --------------------------------------------------------------------
    def goto(self, step: str) -> None:
        if self.stepper is not None:
            self.stepper.set_value(step)

    def entered(self, step: str) -> None:
        # Leaving a step shows its problems from now on; Review shows everything.
        index = STEPS.index(step)
        self.ws.revealed.update(STEPS[:index])
        if step == "Review":
            self.ws.revealed.update(STEPS)
            self.validate_now()
            stamp = self._review_stamp()
            if stamp != self.review_built_from:
                self.rebuild("Review")
        else:
            self.show_problems()
        ui.run_javascript("window.scrollTo({top: 0, behavior: 'smooth'})")

    # --- validation ------------------------------------------------------------------------------
    def mark_dirty(self) -> None:
        self.dirty = True

    def validate_if_dirty(self) -> None:
        if self.dirty:
            self.validate_now()

    def validate_now(self) -> None:
        self.dirty = False
        node = prune_empty(self.ws.draft)
        try:
            self.ws.report = self.ws.backend.validate(self.ws.viewer, node, node_id=self.ws.node_id)
        except Refused as refusal:
            problems = refusal.problems or [FieldProblem("REFUSED", "", refusal.message)]
            self.ws.report = AuthoringReport(problems)
        self.show_problems()

    def show_problems(self) -> None:
        ws = self.ws

        def visible(step: str, path: str) -> bool:
            return step in ws.revealed or any(is_under(t, path) or is_under(path, t) for t in ws.touched)

        ws.board.show(ws.report.problems, visible=visible)

    def _review_stamp(self) -> str:
        problems = [(p.code, p.field, p.message, p.severity) for p in self.ws.report.problems]
        return json.dumps([self.ws.draft, problems], sort_keys=True, default=str)

    def mark_steps(self, counts: dict[str, int]) -> None:
        for name, step in self.steps.items():
            count = counts.get(name, 0) if name in self.ws.revealed else 0
            if count:
                step.props(f'error caption="{count} to fix" error-icon=error')
            else:
                step.props(remove="error error-icon")
                step.props(f'caption="{CAPTIONS[name]}"')

    # --- submitting ------------------------------------------------------------------------------
    async def submit(self) -> None:
        ws = self.ws
        self.validate_now()
        if not ws.report.valid:
            ui.notify("Fix the listed problems first", type="warning")
            self.rebuild("Review")
            return
        node = prune_empty(ws.draft)
        try:
            if ws.mode == "create":
                node_id = ws.backend.create_node(ws.viewer, node)
                ui.notify(f"Node {node.get('name')} created; launching", type="positive")
            else:
                assert ws.node_id is not None
                patch = patch_between(prune_empty(ws.original), node)
                if not patch:
                    ui.notify("Nothing changed", type="info")
                    return
                ws.backend.update_node(ws.viewer, ws.node_id, patch)
                node_id = ws.node_id
                ui.notify("Changes saved", type="positive")
        except Refused as refusal:
            ws.report = AuthoringReport(refusal.problems or [FieldProblem("REFUSED", "", refusal.message)])
            ui.notify(refusal.message, type="negative", multi_line=True)
            self.show_problems()
            self.rebuild("Review")
            return
        ui.navigate.to(f"/nodes/{node_id}")

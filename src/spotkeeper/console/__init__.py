"""The web console: sign in, the Stateful Nodes list, the node page, and the create/edit wizard.

    from spotkeeper.console import mount_console
    app = create_app(...)                      # the REST API (FastAPI)
    mount_console(app, service=node_service)   # last: the console takes every path the API left

The console is NiceGUI (Vue/Quasar in the browser, pages built in Python) mounted on the API's
FastAPI app, so one process and one port serve both. Pages call only a `ConsoleBackend`
(`console.backend`); `ServiceBackend` binds it to the service's use cases, so no rule about
nodes lives in a page. NiceGUI keeps one page registry per process, so the console can be
mounted once per process.

Routes: `/sign-in`, `/` (nodes), `/nodes/new`, `/nodes/{id}`, `/nodes/{id}/edit`, and the
`/console/session` JSON route that sets and clears the sign-in cookie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import Response
from nicegui import app as nicegui_app
from nicegui import ui

from spotkeeper.console.auth import session_router, sign_in_page, to_sign_in, viewer_of
from spotkeeper.console.backend import ConsoleBackend, Refused, SignInRefused
from spotkeeper.console.layout import BRAND, frame
from spotkeeper.console.node_page import node_page
from spotkeeper.console.nodes_list import nodes_page
from spotkeeper.console.wizard import wizard_page

if TYPE_CHECKING:
    from spotkeeper.service import NodeService

__all__ = ["ConsoleBackend", "Refused", "SignInRefused", "mount_console"]

_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" '
    'fill="#3451b2"/><path d="M6 7h12v4H6zM6 13h12v4H6z" fill="white"/></svg>'
)
_mounted = False


def mount_console(
    app: FastAPI,
    service: NodeService | None = None,
    *,
    backend: ConsoleBackend | None = None,
    title: str = BRAND,
) -> None:
    """Serve the console from `app` (call it after the API's routes are added).

    Give the service (`NodeService`) or, for another binding, a `ConsoleBackend`.
    """
    global _mounted
    if _mounted:
        raise RuntimeError(
            "the console is already mounted in this process (NiceGUI keeps one app per process)"
        )
    if backend is None:
        if service is None:
            raise TypeError("mount_console needs service= (a NodeService) or backend= (a ConsoleBackend)")
        from spotkeeper.console.service_backend import ServiceBackend

        backend = ServiceBackend(service)
    _register_pages(backend)
    nicegui_app.include_router(session_router(backend))
    ui.run_with(app, title=title, favicon=_FAVICON, show_welcome_message=False, reconnect_timeout=10.0)
    _mounted = True


def _register_pages(backend: ConsoleBackend) -> None:
    @ui.page("/sign-in")
    def sign_in(next: str | None = None) -> None:
        sign_in_page(backend, next)

    @ui.page("/")
    def nodes(request: Request) -> Response | None:
        viewer = viewer_of(request, backend)
        if viewer is None:
            return to_sign_in(request)
        with frame(viewer, title="Stateful Nodes"):
            nodes_page(backend, viewer)
        return None

    @ui.page("/nodes/new")
    def create(request: Request) -> Response | None:
        viewer = viewer_of(request, backend)
        if viewer is None:
            return to_sign_in(request)
        with frame(viewer, title="Create a stateful node"):
            wizard_page(backend, viewer)
        return None

    @ui.page("/nodes/{node_id}")
    def node(request: Request, node_id: str) -> Response | None:
        viewer = viewer_of(request, backend)
        if viewer is None:
            return to_sign_in(request)
        with frame(viewer, title=node_id):
            node_page(backend, viewer, node_id)
        return None

    @ui.page("/nodes/{node_id}/edit")
    def edit(request: Request, node_id: str) -> Response | None:
        viewer = viewer_of(request, backend)
        if viewer is None:
            return to_sign_in(request)
        with frame(viewer, title=f"Edit {node_id}"):
            try:
                wizard_page(backend, viewer, node_id=node_id)
            except Refused as refusal:
                ui.label(refusal.message).classes("text-negative")
        return None

"""Signing in to the console with an API access token.

The console uses the same access tokens as the REST API and the CLI (one account, one kind of
credential). After the service accepts a token, the browser keeps it in an HttpOnly,
SameSite=Strict cookie: the browser sends it with every page load, page scripts cannot read it
(so an injected script cannot steal it), and other sites cannot make the browser use it. The
cookie is set and cleared by a small JSON route, because page events travel over the websocket
and cannot set cookies themselves.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from nicegui import ui

from spotkeeper.console.backend import ConsoleBackend, SignInRefused
from spotkeeper.console.layout import BRAND, apply_theme
from spotkeeper.console.views import Viewer

COOKIE = "spotkeeper_console_token"
SESSION_ROUTE = "/console/session"
COOKIE_MAX_AGE = 14 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a sign-in (no `//evil.example`, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def viewer_of(request: Request, backend: ConsoleBackend) -> Viewer | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return backend.sign_in(token)
    except SignInRefused:
        return None


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def session_router(backend: ConsoleBackend) -> APIRouter:
    router = APIRouter()

    @router.post(SESSION_ROUTE, include_in_schema=False)
    async def open_session(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            return JSONResponse({"error": "token: enter an access token"}, status_code=400)
        try:
            viewer = backend.sign_in(token.strip())
        except SignInRefused as refusal:
            return JSONResponse({"error": refusal.message}, status_code=401)
        response = JSONResponse({"account": viewer.account_name})
        response.set_cookie(
            COOKIE,
            token.strip(),
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.delete(SESSION_ROUTE, include_in_schema=False)
    async def close_session() -> Response:
        response = JSONResponse({"signedOut": True})
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    return router


def sign_in_page(backend: ConsoleBackend, next_path: str | None) -> None:
    """The sign-in form."""
    apply_theme()
    ui.page_title(f"Sign in · {BRAND}")
    target = safe_next(next_path)
    with ui.column().classes("absolute-center items-center gap-6 w-full").style("max-width: 420px"):
        with ui.row().classes("items-center gap-2 text-primary"):
            ui.icon("dns", size="36px")
            ui.label(BRAND).classes("text-3xl font-semibold")
        with ui.card().classes("sk-card w-full p-6 gap-4"):
            ui.label("Sign in").classes("text-xl font-semibold")
            ui.label(
                "Use an access token of your account (the same token the API and the CLI use). "
                "It is kept in this browser only."
            ).classes("sk-help")
            token = ui.input("Access token", password=True, password_toggle_button=True).classes("w-full")
            token.props("outlined autofocus")

            async def submit() -> None:
                value = (token.value or "").strip()
                if not value:
                    token.error = "Enter an access token"
                    return
                try:
                    backend.sign_in(value)
                except SignInRefused as refusal:
                    token.error = refusal.message
                    return
                token.error = None
                ui.run_javascript(
                    f"fetch({json.dumps(SESSION_ROUTE)}, {{method: 'POST', credentials: 'same-origin', "
                    f"headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{token: "
                    f"{json.dumps(value)}}})}}).then(r => {{ if (r.ok) window.location.href = "
                    f"{json.dumps(target)}; }})"
                )

            token.on("keydown.enter", submit)
            ui.button("Sign in", on_click=submit).props("unelevated no-caps").classes("w-full")

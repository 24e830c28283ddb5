"""What wraps every request: its id in an `X-Request-Id` header, and chores run after the answer.

Written as plain ASGI rather than Starlette's `BaseHTTPMiddleware`, which costs a task, a
stream and a copy of the body per request — for a 2 MB node list, a measurable share of it.

A chore is bookkeeping the caller should not wait for, such as recording when a token was last
used (a database write, which on SQLite waits for the one write lock). Code handling the
request queues it with `defer(request, chore)`; it runs in a worker thread once the answer has
been sent, whether the route succeeded or failed. A chore that fails is logged, never raised:
the answer is already gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spotkeeper.api.envelope import request_id

log = logging.getLogger("spotkeeper.api")

_CHORES = "after_response"


def defer(request: Request, chore: Callable[[], object]) -> None:
    """Run `chore` after the answer to `request` has been sent (now, outside `RequestTagging`)."""
    chores: list[Callable[[], object]] | None = getattr(request.state, _CHORES, None)
    if chores is None:
        chore()
    else:
        chores.append(chore)


class RequestTagging:
    """ASGI middleware: request ids on every answer, then the request's deferred chores."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        tag = request_id(request).encode("latin-1")
        chores: list[Callable[[], object]] = []
        setattr(request.state, _CHORES, chores)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", ()))
                headers.append((b"x-request-id", tag))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            for chore in chores:
                await anyio.to_thread.run_sync(_run_quietly, chore)


def _run_quietly(chore: Callable[[], object]) -> None:
    try:
        chore()
    except Exception:
        log.warning("a chore deferred after a request failed", exc_info=True)

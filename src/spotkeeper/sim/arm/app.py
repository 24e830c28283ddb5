"""The ARM facade as an ASGI application: one catch-all Starlette endpoint that finds the route
(`urls`), runs the handler on a worker thread (the simulator is synchronous and guarded by its
own lock), and writes the reply or the ARM error envelope.

Around every emulated ARM request it does what ARM's front door does before a resource
provider sees the call: require a bearer token (any token: there is no identity to check),
require the simulator's subscription, log the `api-version` (accepted whatever it is), and
apply the fault plan's HTTP-layer rules (operation `arm.<method>`, see `control`). Responses
carry `x-ms-request-id` and `x-ms-correlation-request-id` like ARM's.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.exceptions import (
    bad_json,
    error_headers,
    no_route,
    not_authenticated,
    wrong_subscription,
)
from spotkeeper.sim.arm.operations import OperationBook
from spotkeeper.sim.arm.urls import CONTROL_ROUTES, ROUTES, build_routes, find_route
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError

logger = logging.getLogger("spotkeeper.sim.arm")
_METHODS = ["GET", "PUT", "PATCH", "POST", "DELETE", "HEAD"]


class ArmFacade:
    """Serves one `SimAzure` as ARM REST. `auto_advance`: see `operations`."""

    def __init__(self, sim: SimAzure, *, auto_advance: bool = False) -> None:
        self.sim = sim
        self.operations = OperationBook(sim, auto_advance=auto_advance)
        self._routes = build_routes(ROUTES)
        self._control = build_routes(CONTROL_ROUTES)

    def switch_to(self, sim: SimAzure) -> None:
        """Serve another simulated Azure from now on (a fresh one per test behind one
        long-lived server); operations handed out for the previous one are forgotten."""
        self.sim = sim
        self.operations = OperationBook(sim, auto_advance=self.operations.auto_advance)

    def asgi(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
            reply = await run_in_threadpool(
                self.serve,
                request.method,
                request.url.path,
                {k.lower(): v for k, v in request.query_params.items()},
                raw,
                request.headers.get("authorization", ""),
                f"{request.url.scheme}://{host}",
            )
            return _response(request.method, reply)

        return Starlette(routes=[StarletteRoute("/{path:path}", endpoint, methods=_METHODS)])

    def serve(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        raw: bytes,
        authorization: str,
        base_url: str,
    ) -> Reply:
        """Answer one request (also callable without HTTP, which the tests of routing use)."""
        request_id = str(uuid.uuid4())
        try:
            reply = self._dispatch(method, path, query, raw, authorization, base_url)
        except ArmError as error:
            if error.status >= 500 or error.status == 429:
                logger.info("%s %s -> %s %s", method, path, error.status, error.code)
            reply = Reply(error.status, error.body(), error_headers(error))
        except Exception:
            logger.exception("the ARM facade failed on %s %s", method, path)
            reply = Reply(
                500,
                {
                    "error": {
                        "code": "InternalServerError",
                        "message": "The simulated Azure failed; see its log.",
                    }
                },
            )
        reply.headers.setdefault("x-ms-request-id", request_id)
        reply.headers.setdefault("x-ms-correlation-request-id", request_id)
        return reply

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], raw: bytes, authorization: str, base_url: str
    ) -> Reply:
        control = path.lower().startswith("/_sim")
        found = find_route(self._control if control else self._routes, method, path)
        if found is None:
            raise no_route(method, path)
        route, params = found
        if not control:
            if not authorization.lower().startswith("bearer "):
                raise not_authenticated()
            subscription = params.get("sub")
            if subscription is not None and subscription.lower() != self.sim.subscription_id.lower():
                raise wrong_subscription(subscription)
            logger.debug("%s %s api-version=%s", method, path, query.get("api-version", "-"))
            self.sim.faults.check(f"arm.{method.lower()}", region="")
        body = _parse_body(raw)
        call = Call(self.sim, self.operations, method, path, params, query, body, base_url.rstrip("/"))
        return route.handler(call)


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_json(f"the body is not JSON ({error})") from None


def _response(method: str, reply: Reply) -> Response:
    headers = dict(reply.headers)
    if reply.body is None or method == "HEAD" or reply.status == 204:
        return Response(status_code=reply.status, headers=headers)
    return Response(
        json.dumps(reply.body),
        status_code=reply.status,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )


def build_arm_app(sim: SimAzure, *, auto_advance: bool = False) -> Starlette:
    """The ASGI app serving `sim` as ARM (mount it, or run it with `ArmServer`)."""
    return ArmFacade(sim, auto_advance=auto_advance).asgi()

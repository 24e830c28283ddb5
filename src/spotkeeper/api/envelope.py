"""Spot's response envelope, the one shape every answer has (spot-api.md §1).

Success: HTTP 200 with `{request: {id, url, method, timestamp}, response: {status: {code,
message}, kind, items, count}}` — 200 exactly and a JSON body always, also for DELETE and the
action routes, because the Python SDK treats anything else as a failure and decodes every
body. Failure: the same `request` part and `response: {status, errors: [{code, message,
field}]}`; the Go SDK turns each `errors[]` entry into an error value, the Python SDK raises
`SpotinstClientException` with the body, and Terraform looks for `GROUP_DOESNT_EXIST`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from spotkeeper.clock import Clock
from spotkeeper.service.dates import wire_time
from spotkeeper.service.views import RenderedItems, render_json

# `kind` values of the Spot OpenAPI document (spot-api.md §1), and ours for the extra routes.
NODE = "spotinst:azure:statefulNode"
STATUS = "spotinst:azure:statefulNode:status"
RESOURCES = "spotinst:azure:statefulNode:resources"
IMPORT = "spotinst:azure:stateful:import:node"
IMPORT_STATUS = "spotinst:stateful:import:node"
DISK = "spotinst:azure:disk"
LOGS = "spotinst:azure:statefulNode:logs"
COST = "spotinst:azure:statefulNode:cost"
SIZE_USAGE = "spotinst:azure:stateful:dailySizeUsage"
CATALOG_SIZE = "spotkeeper:catalog:size"
CATALOG_IMAGE = "spotkeeper:catalog:image"
INVENTORY = "spotkeeper:inventory"
VALIDATION = "spotkeeper:validation"
TERRAFORM = "spotkeeper:terraform"
HEALTH = "spotkeeper:health"


def request_id(request: Request) -> str:
    """One id per request, shared by its answer and its log lines."""
    found = getattr(request.state, "request_id", None)
    if not isinstance(found, str):
        found = str(uuid.uuid4())
        request.state.request_id = found
    return found


def request_part(request: Request, clock: Clock) -> dict[str, Any]:
    return {
        "id": request_id(request),
        "url": request.url.path,
        "method": request.method,
        "timestamp": wire_time(clock.now()),
    }


def success(
    request: Request, clock: Clock, *, kind: str, items: Sequence[Any] | RenderedItems
) -> Response:
    """HTTP 200 with the envelope around `items`: JSON values, or `RenderedItems` whose texts
    are embedded as they are (a list of 1,000 nodes is then joined, not encoded)."""
    texts = items.texts if isinstance(items, RenderedItems) else [render_json(item) for item in items]
    response = {"status": {"code": 200, "message": "OK"}, "kind": kind}
    head = render_json({"request": request_part(request, clock), "response": response})
    # `head` ends with the two closing braces of `response` and of the envelope.
    body = f'{head[:-2]},"items":[{",".join(texts)}],"count":{len(texts)}}}}}'
    return Response(body.encode(), status_code=200, media_type="application/json")


def failure(
    request: Request,
    clock: Clock,
    *,
    status: int,
    errors: Sequence[dict[str, str]],
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "request": request_part(request, clock),
        "response": {
            "status": {"code": status, "message": HTTPStatus(status).phrase},
            "errors": list(errors),
        },
    }
    return JSONResponse(body, status_code=status, headers=headers)


def error_entry(code: str, message: str, field: str = "") -> dict[str, str]:
    return {"code": code, "message": message, "field": field}

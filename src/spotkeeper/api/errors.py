"""Every failure, whoever raised it, leaves as Spot's error envelope with the right HTTP status.

The service raises typed errors and never speaks HTTP; this module is the one table from those
types to status codes (an unknown node is 404 `GROUP_DOESNT_EXIST`, what Terraform's provider
reads as "gone"; every validation problem is 400 with its rule's code and wire path; a missing
or unknown token is 401; another account is 403; a node whose state forbids the request is
409; a throttled or failing cloud is 503 with `Retry-After`). FastAPI's own failures (a query
parameter out of range, an unknown route, a wrong method) and any bug are wrapped the same way,
so a client always finds `response.errors`.
"""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from spotkeeper.api.envelope import error_entry, failure
from spotkeeper.clock import Clock
from spotkeeper.service.errors import (
    CloudRefused,
    CloudResourceNotFound,
    CloudUnavailable,
    Forbidden,
    ImportNotFound,
    NodeNotFound,
    ServiceError,
    StateConflict,
    Unauthorized,
)
from spotkeeper.spec.problems import SpecError

log = logging.getLogger("spotkeeper.api")

STATUS_OF: tuple[tuple[type[ServiceError], int], ...] = (
    (NodeNotFound, 404),
    (ImportNotFound, 404),
    (CloudResourceNotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (StateConflict, 409),
    (CloudRefused, 400),
    (CloudUnavailable, 503),
)


def status_of(error: ServiceError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 400


def _field_of(location: tuple[object, ...]) -> str:
    """FastAPI's error location ("query", "limit") as the parameter's name."""
    parts = [str(p) for p in location if p not in ("query", "path", "header", "body")]
    return ".".join(parts)


def install_error_handlers(app: FastAPI, clock: Clock) -> None:
    async def spec_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, SpecError)
        entries = [error_entry(p.code, p.message, p.field) for p in error.problems]
        return failure(request, clock, status=400, errors=entries or [error_entry("INVALID", str(error))])

    async def service_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ServiceError)
        status = status_of(error)
        headers: dict[str, str] = {}
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(error, CloudUnavailable) and error.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
        return failure(
            request,
            clock,
            status=status,
            errors=[error_entry(error.code, error.message, error.field)],
            headers=headers or None,
        )

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        entries = [
            error_entry(
                "INVALID_VALUE" if item.get("type") != "missing" else "REQUIRED",
                f"{_field_of(tuple(item.get('loc', ())))}: {item.get('msg', 'invalid value')}",
                _field_of(tuple(item.get("loc", ()))),
            )
            for item in error.errors()
        ]
        return failure(request, clock, status=400, errors=entries)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(error.status_code, "HTTP_ERROR")
        message = str(error.detail)
        if error.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}"
        return failure(
            request,
            clock,
            status=error.status_code,
            errors=[error_entry(code, message)],
            headers=getattr(error, "headers", None),
        )

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return failure(
            request,
            clock,
            status=500,
            errors=[error_entry("INTERNAL_ERROR", "the server failed to handle the request")],
        )

    app.add_exception_handler(SpecError, spec_error)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)

"""Spot's cost routes (spot-api.md §2 rows 17-19): totals, per day, and VM size usage per day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from spotkeeper.api import envelope
from spotkeeper.api.auth import Caller, Service

router = APIRouter(prefix="/azure/compute/statefulNode", tags=["costs"])
FromDate = Annotated[str, Query(alias="fromDate", description="ISO 8601 date/date-time or Unix ms")]
ToDate = Annotated[
    str,
    Query(alias="toDate", description="ISO 8601 date/date-time or Unix ms; a date includes that whole day"),
]
OwnerId = Annotated[str | None, Query(alias="ownerId", description="only this node (ssn-…)")]


@router.get("/cost", summary="Usage and cost over a window")
def costs(
    request: Request,
    caller: Caller,
    service: Service,
    from_date: FromDate,
    to_date: ToDate,
    owner_id: OwnerId = None,
) -> Response:
    items = service.costs(caller.id, from_date=from_date, to_date=to_date, owner_id=owner_id)
    return envelope.success(request, service.clock, kind=envelope.COST, items=items)


@router.get("/cost/daily", summary="Usage and cost per UTC day")
def daily_costs(
    request: Request,
    caller: Caller,
    service: Service,
    from_date: FromDate,
    to_date: ToDate,
    owner_id: OwnerId = None,
) -> Response:
    items = service.daily_costs(caller.id, from_date=from_date, to_date=to_date, owner_id=owner_id)
    return envelope.success(request, service.clock, kind=envelope.COST, items=items)


@router.get("/sizeUsage/daily", summary="vCPU-hours per UTC day, VM size and lifecycle")
def daily_size_usage(
    request: Request,
    caller: Caller,
    service: Service,
    from_date: FromDate,
    to_date: ToDate,
    owner_id: OwnerId = None,
) -> Response:
    items = service.daily_size_usage(caller.id, from_date=from_date, to_date=to_date, owner_id=owner_id)
    return envelope.success(request, service.clock, kind=envelope.SIZE_USAGE, items=items)

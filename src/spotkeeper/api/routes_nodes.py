"""Spot's node routes (spot-api.md §2 rows 1-9, 13-16) and the eviction drill.

Thin by rule: each route reads its inputs, calls one `NodeService` method, and wraps the result
in the envelope. `GET /status` is declared before `GET /{nodeId}` so the literal segment is
never taken for a node id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from spotkeeper.api import envelope
from spotkeeper.api.auth import Caller, Service
from spotkeeper.api.bodies import documented_body, json_body, optional_json_body
from spotkeeper.service import NodeService, RenderedItems

BASE = "/azure/compute/statefulNode"
router = APIRouter(prefix=BASE, tags=["stateful nodes"])
Body = Annotated[object, Depends(json_body)]
OptionalBody = Annotated[object | None, Depends(optional_json_body)]


def ok(request: Request, service: NodeService, kind: str, items: list[Any] | RenderedItems) -> Response:
    return envelope.success(request, service.clock, kind=kind, items=items)


@router.post("", summary="Create a stateful node", openapi_extra=documented_body("StatefulNodeBody"))
def create_node(request: Request, caller: Caller, service: Service, body: Body) -> Response:
    return ok(request, service, envelope.NODE, [service.create_from_body(caller.id, body)])


@router.get("", summary="List stateful nodes")
def list_nodes(
    request: Request,
    caller: Caller,
    service: Service,
    name: Annotated[str | None, Query(description="exact node name")] = None,
    region: Annotated[str | None, Query(description="Azure region, e.g. eastus")] = None,
    tag_key: Annotated[str | None, Query(alias="tagKey", description="nodes carrying this tag")] = None,
    tag_value: Annotated[str | None, Query(alias="tagValue", description="…with this value")] = None,
    status: Annotated[str | None, Query(description="public status word, e.g. active")] = None,
) -> Response:
    items = service.list_rendered(
        caller.id, name=name, region=region, tag_key=tag_key, tag_value=tag_value, status=status
    )
    return ok(request, service, envelope.NODE, items)


@router.get("/status", summary="Status of every stateful node")
def all_statuses(request: Request, caller: Caller, service: Service) -> Response:
    return ok(request, service, envelope.STATUS, service.statuses(caller.id))


@router.get("/{nodeId}", summary="Get a stateful node")
def get_node(request: Request, caller: Caller, service: Service, nodeId: str) -> Response:
    return ok(request, service, envelope.NODE, service.get_rendered(caller.id, nodeId))


@router.put(
    "/{nodeId}",
    summary="Update a stateful node (deep merge; null clears)",
    openapi_extra=documented_body("StatefulNodeBody"),
)
def update_node(request: Request, caller: Caller, service: Service, nodeId: str, body: Body) -> Response:
    return ok(request, service, envelope.NODE, [service.update_from_body(caller.id, nodeId, body)])


@router.delete(
    "/{nodeId}",
    summary="Delete a stateful node with its deallocation config",
    openapi_extra=documented_body("DeleteNodeBody", required=False),
)
def delete_node(
    request: Request, caller: Caller, service: Service, nodeId: str, body: OptionalBody
) -> Response:
    return ok(request, service, envelope.STATUS, [service.delete(caller.id, nodeId, body)])


@router.put(
    "/{nodeId}/state", summary="Pause, resume or recycle", openapi_extra=documented_body("StateChange")
)
def change_state(request: Request, caller: Caller, service: Service, nodeId: str, body: Body) -> Response:
    return ok(request, service, envelope.STATUS, [service.change_state(caller.id, nodeId, body)])


@router.get("/{nodeId}/status", summary="Status of a stateful node")
def node_status(request: Request, caller: Caller, service: Service, nodeId: str) -> Response:
    return ok(request, service, envelope.STATUS, [service.status(caller.id, nodeId)])


@router.get("/{nodeId}/resources", summary="Azure resources of a stateful node")
def node_resources(request: Request, caller: Caller, service: Service, nodeId: str) -> Response:
    return ok(request, service, envelope.RESOURCES, [service.resources(caller.id, nodeId)])


@router.get("/{nodeId}/log", summary="Log of a stateful node")
def node_log(
    request: Request,
    caller: Caller,
    service: Service,
    nodeId: str,
    from_date: Annotated[str, Query(alias="fromDate", description="ISO 8601 date/date-time or Unix ms")],
    to_date: Annotated[str, Query(alias="toDate", description="ISO 8601 date/date-time or Unix ms")],
    severity: Annotated[Literal["DEBUG", "INFO", "WARN", "ERROR", "ALL"] | None, Query()] = None,
    resource_id: Annotated[str | None, Query(alias="resourceId")] = None,
    limit: Annotated[int | None, Query(ge=0, le=1000, description="default 500")] = None,
) -> Response:
    items = service.log(
        caller.id,
        nodeId,
        from_date=from_date,
        to_date=to_date,
        severity=severity,
        resource_id=resource_id,
        limit=limit,
    )
    return ok(request, service, envelope.LOGS, items)


@router.put(
    "/{nodeId}/dataDisk/attach",
    summary="Create a new data disk and attach it",
    openapi_extra=documented_body("AttachDataDisk"),
)
def attach_data_disk(
    request: Request, caller: Caller, service: Service, nodeId: str, body: Body
) -> Response:
    return ok(request, service, envelope.DISK, [service.attach_data_disk(caller.id, nodeId, body)])


@router.put(
    "/{nodeId}/dataDisk/detach", summary="Detach a data disk", openapi_extra=documented_body("DetachDataDisk")
)
def detach_data_disk(
    request: Request, caller: Caller, service: Service, nodeId: str, body: Body
) -> Response:
    return ok(request, service, envelope.DISK, [service.detach_data_disk(caller.id, nodeId, body)])


@router.put(
    "/{nodeId}/osDisk/swap",
    summary="Swap the OS disk of a paused node",
    openapi_extra=documented_body("SwapOsDisk"),
)
def swap_os_disk(request: Request, caller: Caller, service: Service, nodeId: str, body: Body) -> Response:
    return ok(request, service, envelope.DISK, [service.swap_os_disk(caller.id, nodeId, body)])


@router.post(
    "/{nodeId}/simulateEviction",
    summary="Ask Azure to evict the node's Spot VM (a drill)",
    tags=["spotkeeper"],
)
def simulate_eviction(request: Request, caller: Caller, service: Service, nodeId: str) -> Response:
    return ok(request, service, envelope.STATUS, [service.simulate_eviction(caller.id, nodeId)])
